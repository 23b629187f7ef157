/*
 * zap.c: the gate.  A thread of its own answers ZAP (ZeroMQ RFC 27) for
 * the router, admitting current members and observers by their CURVE
 * key, and reads the router's monitor (conn.c's accounting, refusals of
 * non-CURVE clients).  Model: czmq's zauth, without its asserts: a
 * malformed request gets a 500 and a log line, never a crash.
 *
 * Off the main thread because strangers choose how many handshakes they
 * make: each costs the gate a ZAP request and two monitor events, and a
 * wake-up each, which on the main thread would be taken from sync,
 * ingest and the control socket.  The gate shares with the main thread
 * only a snapshot of the members (under mu) and the refusal counter.
 *
 * The User-Id we return is the member's identity key in hex; sync.c
 * checks it again on every message, so a member removed after its
 * handshake is cut off at once (PITFALLS.md, libzmq, "Check again").
 */
#define ZMQ_BUILD_DRAFT_API
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "node.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES 8
#define ZAP_LOG_MS 10000	/* one line of each kind per 10 s */

struct zap_member {
	uint8_t key[KEY_PK_BYTES];
	uint8_t curve[KEY_CURVE_BYTES];
	char schac[65];
	int active;		/* 0: removed, kept to name it in refusals */
};

struct zap {
	struct node *n;		/* n->conn only, and n->listen read-only */
	void *rep;		/* ZAP handler (REP), the thread's */
	void *mon;		/* the router's monitor (PAIR), the thread's */
	void *ctl, *ctl_thr;	/* commands: main's end, the thread's end */
	pthread_t th;
	int running;
	pthread_mutex_t mu;	/* guards m, nm */
	struct zap_member *m;
	size_t nm;
	struct log_ratelimit rl;	/* the thread's */
	_Atomic uint64_t refused;
};

static const uint8_t rl_zap[32] = { 'z', 'a', 'p' };
static const uint8_t rl_router[32] = { 'r', 'o', 'u', 't', 'e', 'r' };
static const uint8_t rl_closed[32] = { 'c', 'l', 'o', 's', 'e', 'd' };

static void
reply(void *s, const zmq_msg_t *reqid, const char *code, const char *text,
    const char *user)
{
	/* A REP socket in a fixed state: these sends cannot block. */
	if (zmq_send(s, "1.0", 3, ZMQ_SNDMORE) < 0 ||
	    zmq_send(s, reqid ? zmq_msg_data((zmq_msg_t *)reqid) : "",
	    reqid ? zmq_msg_size((zmq_msg_t *)reqid) : 0, ZMQ_SNDMORE) < 0 ||
	    zmq_send(s, code, strlen(code), ZMQ_SNDMORE) < 0 ||
	    zmq_send(s, text, strlen(text), ZMQ_SNDMORE) < 0 ||
	    zmq_send(s, user, strlen(user), ZMQ_SNDMORE) < 0 ||
	    zmq_send(s, "", 0, 0) < 0)
		log_warn(-errno, "zap: cannot send a reply");
}

static int
frame_is(zmq_msg_t *f, const char *s)
{
	return zmq_msg_size(f) == strlen(s) &&
	    memcmp(zmq_msg_data(f), s, strlen(s)) == 0;
}

/*
 * The member record whose CURVE key is cpk, copied to *out: 1, 0 if none,
 * 2 if more than one active record claims it.  A certificate proves no
 * possession of the transport secret, so a member could claim another's
 * transport key; then the key names nobody, rather than the wrong one.
 */
static int
find_curve(struct zap *z, const uint8_t cpk[KEY_CURVE_BYTES],
    struct zap_member *out)
{
	size_t i;
	int found = 0, active = 0;

	pthread_mutex_lock(&z->mu);
	for (i = 0; i < z->nm; i++)
		if (memcmp(z->m[i].curve, cpk, KEY_CURVE_BYTES) == 0) {
			if (!found || (z->m[i].active && !out->active))
				*out = z->m[i];
			found = 1;
			active += z->m[i].active;
		}
	pthread_mutex_unlock(&z->mu);
	return active > 1 ? 2 : found;
}

static void
zap_one(struct zap *z, zmq_msg_t *f, int nf)
{
	struct zap_member m;
	char addr[64], khex[65], user[65];
	uint64_t supp;
	size_t alen;
	int found;

	if (nf < 7 || !frame_is(&f[0], "1.0")) {
		/* A REP socket must answer before it can receive again. */
		log_warnx("zap: malformed request (%d frames), refused", nf);
		reply(z->rep, nf >= 2 ? &f[1] : NULL, "500",
		    "malformed request", "");
		return;
	}
	alen = zmq_msg_size(&f[3]) < sizeof(addr) - 1 ? zmq_msg_size(&f[3]) :
	    sizeof(addr) - 1;
	memcpy(addr, zmq_msg_data(&f[3]), alen);
	addr[alen] = '\0';
	if (!frame_is(&f[2], "i40") || !frame_is(&f[5], "CURVE") || nf != 7 ||
	    zmq_msg_size(&f[6]) != KEY_CURVE_BYTES) {
		z->refused++;
		log_warnx("zap: refused %s: not a CURVE client of domain i40",
		    addr);
		reply(z->rep, &f[1], "400", "CURVE in domain i40 only", "");
		return;
	}
	if ((found = find_curve(z, zmq_msg_data(&f[6]), &m)) == 2) {
		z->refused++;
		sodium_bin2hex(khex, sizeof(khex), zmq_msg_data(&f[6]),
		    KEY_CURVE_BYTES);
		if (log_ratelimit(&z->rl, rl_zap, node_mono_ms(), ZAP_LOG_MS,
		    &supp))
			log_error("zap: refused %s: CURVE key %s is the "
			    "transport key of more than one member record "
			    "(one is %s); it names nobody until the members "
			    "remove the record that claims another's key",
			    addr, khex, m.schac);
		reply(z->rep, &f[1], "400", "ambiguous key", "");
		return;
	}
	if (!found || !m.active) {
		z->refused++;
		/*
		 * One line per interval for all keys: a stranger makes a
		 * fresh key per handshake for nothing, so a limit per key
		 * would let it write a line per handshake.
		 */
		if (log_ratelimit(&z->rl, rl_zap, node_mono_ms(), ZAP_LOG_MS,
		    &supp)) {
			sodium_bin2hex(khex, sizeof(khex), zmq_msg_data(&f[6]),
			    KEY_CURVE_BYTES);
			/* A removed member's: say whose, by identity key. */
			if (found)
				sodium_bin2hex(user, sizeof(user), m.key,
				    KEY_PK_BYTES);
			else
				user[0] = '\0';
			log_warnx("zap: refused %s: CURVE key %s is no current "
			    "member's or observer's%s%s%s%s (%llu more refusals "
			    "not logged in the last %d s)", addr, khex,
			    user[0] ? ": it is the transport key of " : "",
			    user[0] ? m.schac : "", user[0] ? ", identity key " :
			    "", user, (unsigned long long)supp,
			    ZAP_LOG_MS / 1000);
		}
		reply(z->rep, &f[1], "400", "not a member", "");
		return;
	}
	sodium_bin2hex(user, sizeof(user), m.key, KEY_PK_BYTES);
	log_debug("zap: admitted %s (%s) from %s", m.schac, user, addr);
	reply(z->rep, &f[1], "200", "OK", user);
}

static void
zap_read(struct zap *z)
{
	zmq_msg_t f[ZAP_FRAMES], extra;
	int nf, i, budget, more;

	for (budget = 0; budget < NODE_RECV_BUDGET; budget++) {
		nf = 0;
		zmq_msg_init(&f[0]);
		if (zmq_msg_recv(&f[0], z->rep, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&f[0]);
			return;
		}
		nf = 1;
		more = zmq_msg_more(&f[0]);
		while (more) {
			if (nf < ZAP_FRAMES) {
				zmq_msg_init(&f[nf]);
				if (zmq_msg_recv(&f[nf], z->rep, 0) < 0) {
					zmq_msg_close(&f[nf]);
					break;
				}
				more = zmq_msg_more(&f[nf]);
				nf++;
			} else {
				/* Too many frames: drain and refuse. */
				zmq_msg_init(&extra);
				if (zmq_msg_recv(&extra, z->rep, 0) < 0)
					more = 0;
				else
					more = zmq_msg_more(&extra);
				zmq_msg_close(&extra);
				nf = ZAP_FRAMES + 1;
			}
		}
		/* More than ZAP_FRAMES frames: refused below (nf != 7). */
		zap_one(z, f, nf > ZAP_FRAMES ? ZAP_FRAMES : nf);
		for (i = 0; i < (nf > ZAP_FRAMES ? ZAP_FRAMES : nf); i++)
			zmq_msg_close(&f[i]);
	}
}

/*
 * The router's monitor.  A handshake that fails never reaches ZAP when
 * the client is not even CURVE (a plaintext client), so it is logged
 * here; ZAP's refusals are logged by zap_one.
 */
static void
mon_read(struct zap *z)
{
	uint16_t event;
	uint32_t value;
	uint64_t supp;
	int budget, got;

	for (budget = 0; budget < 4 * NODE_RECV_BUDGET; budget++) {
		if ((got = link_monitor_event(z->mon, &event, &value)) == 0)
			return;
		if (got < 0)
			continue;
		conn_event(z->n, event, value);
		if (event == ZMQ_EVENT_ACCEPTED)
			continue;
		/*
		 * libzmq closes a connection that sends a message over
		 * MAXMSGSIZE without telling anyone why, and does not say
		 * whose it was: this line is all there is to see of it.
		 */
		if (event == ZMQ_EVENT_DISCONNECTED) {
			if (log_ratelimit(&z->rl, rl_closed, node_mono_ms(),
			    ZAP_LOG_MS, &supp))
				log_info("router: a peer's connection closed "
				    "(it stopped, lost the network, or sent a "
				    "message over %d bytes) (%llu more not "
				    "logged)", MSG_MAX_BYTES,
				    (unsigned long long)supp);
			continue;
		}
		z->refused++;
		/* libzmq says NO_DETAIL for a plaintext client too, by
		 * timing, and for one that timed out or was shed. */
		if (log_ratelimit(&z->rl, rl_router, node_mono_ms(),
		    ZAP_LOG_MS, &supp))
			log_warnx("router: refused a connection: not a CURVE "
			    "client of this federation (plaintext or wrong "
			    "server key?)%s (%llu more not logged)", event ==
			    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ? "" :
			    ", or it timed out or was shed",
			    (unsigned long long)supp);
	}
}

/* A command from the main thread: 'W' NAME (watch), 'Q' (quit): 0 or 1. */
static int
ctl_read(struct zap *z)
{
	char buf[128];
	int len, linger = 0;

	if ((len = zmq_recv(z->ctl_thr, buf, sizeof(buf) - 1,
	    ZMQ_DONTWAIT)) < 0)
		return 0;
	if (len == 0 || buf[0] == 'Q')
		return 1;
	if (buf[0] != 'W' || len >= (int)sizeof(buf))
		return 0;
	buf[len] = '\0';
	if (z->mon != NULL)
		zmq_close(z->mon);
	/* A new router: nothing of the old one is pending. */
	conn_reset(z->n);
	if ((z->mon = zmq_socket(z->n->zctx, ZMQ_PAIR)) == NULL ||
	    zmq_setsockopt(z->mon, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_connect(z->mon, buf + 1) != 0) {
		/* An unread monitor would block every link: stop, so that
		 * systemd starts the node afresh. */
		fatalx("router: cannot watch the listen port (%s): %s; "
		    "stopping", buf + 1, zmq_strerror(errno));
	}
	return 0;
}

static void *
zap_thread(void *arg)
{
	struct zap *z = arg;
	zmq_pollitem_t pi[3];
	int quit = 0;

	while (!quit) {
		memset(pi, 0, sizeof(pi));
		pi[0].socket = z->ctl_thr;
		pi[0].events = ZMQ_POLLIN;
		pi[1].socket = z->rep;
		pi[1].events = ZMQ_POLLIN;
		pi[2].socket = z->mon;
		pi[2].events = ZMQ_POLLIN;
		/*
		 * The gate must not stop reading: an unread monitor blocks
		 * libzmq's I/O thread, and every link with it.
		 */
		if (zmq_poll(pi, z->mon != NULL ? 3 : 2, -1) < 0) {
			if (errno == ETERM)
				break;
			if (errno != EINTR) {
				log_warn(-errno, "zap: poll failed; trying again");
				(void)zmq_poll(NULL, 0, 10);
			}
			continue;
		}
		if (pi[0].revents & ZMQ_POLLIN)
			quit = ctl_read(z);
		if (pi[1].revents & ZMQ_POLLIN)
			zap_read(z);
		if (z->mon != NULL && (pi[2].revents & ZMQ_POLLIN))
			mon_read(z);
	}
	return NULL;
}

static void *
pair(void *zctx, const char *ep, int bind)
{
	void *s = zmq_socket(zctx, ZMQ_PAIR);
	int linger = 0;

	if (s == NULL)
		return NULL;
	if (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    (bind ? zmq_bind(s, ep) : zmq_connect(s, ep)) != 0) {
		zmq_close(s);
		return NULL;
	}
	return s;
}

int
zap_start(struct node *n, struct zap **out)
{
	struct zap *z;
	char ep[64];
	int linger = 0, rc;

	*out = NULL;
	if ((z = calloc(1, sizeof(*z))) == NULL)
		return I40_E_NOMEM;
	z->n = n;
	if (pthread_mutex_init(&z->mu, NULL) != 0) {
		free(z);
		return I40_E_NOMEM;
	}
	snprintf(ep, sizeof(ep), "inproc://zap-ctl-%p", (void *)z);
	if ((z->rep = zmq_socket(n->zctx, ZMQ_REP)) == NULL ||
	    zmq_setsockopt(z->rep, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_bind(z->rep, ZAP_ENDPOINT) != 0 ||
	    (z->ctl = pair(n->zctx, ep, 1)) == NULL ||
	    (z->ctl_thr = pair(n->zctx, ep, 0)) == NULL) {
		rc = -errno;
		goto fail;
	}
	if ((rc = pthread_create(&z->th, NULL, zap_thread, z)) != 0) {
		rc = -rc;
		goto fail;
	}
	z->running = 1;
	*out = z;
	return 0;
fail:
	zap_stop(z);
	return rc != 0 ? rc : I40_E_FAILED;
}

int
zap_watch(struct node *n, struct zap *z, void *router)
{
	char cmd[64];
	int len;

	len = snprintf(cmd, sizeof(cmd), "Winproc://mon-router-%llu",
	    (unsigned long long)++n->monitors);
	if (zmq_socket_monitor(router, cmd + 1,
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED |
	    ZMQ_EVENT_ACCEPTED) != 0)
		return -errno;
	/* inproc: the thread may connect to the name after the bind. */
	if (zmq_send(z->ctl, cmd, (size_t)len, 0) < 0)
		return -errno;
	return 0;
}

int
zap_members(struct zap *z, const struct store_member *ms, size_t nm)
{
	struct zap_member *m, *old;
	size_t i, k = 0;

	if ((m = calloc(nm + 1, sizeof(*m))) == NULL)
		return I40_E_NOMEM;
	/* ZAP compares every stranger's key with these certified ones. */
	for (i = 0; i < nm; i++) {
		m[k].active = ms[i].active;
		memcpy(m[k].curve, ms[i].transport, KEY_CURVE_BYTES);
		memcpy(m[k].key, ms[i].key, KEY_PK_BYTES);
		snprintf(m[k].schac, sizeof(m[k].schac), "%s", ms[i].schac);
		k++;
	}
	pthread_mutex_lock(&z->mu);
	old = z->m;
	z->m = m;
	z->nm = k;
	pthread_mutex_unlock(&z->mu);
	free(old);
	return 0;
}

uint64_t
zap_refused(const struct zap *z)
{
	return z->refused;
}

void
zap_stop(struct zap *z)
{
	if (z == NULL)
		return;
	if (z->running) {
		(void)zmq_send(z->ctl, "Q", 1, 0);
		pthread_join(z->th, NULL);
	}
	if (z->mon != NULL)
		zmq_close(z->mon);
	if (z->rep != NULL)
		zmq_close(z->rep);
	if (z->ctl_thr != NULL)
		zmq_close(z->ctl_thr);
	if (z->ctl != NULL)
		zmq_close(z->ctl);
	pthread_mutex_destroy(&z->mu);
	free(z->m);
	free(z);
}
