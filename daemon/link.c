/*
 * link.c: the ZeroMQ sockets between nodes, with the settings of
 * PITFALLS.md ("Settings to start from"), and each peer's link state.
 */
#define ZMQ_BUILD_DRAFT_API
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <zmq.h>

#include "ev.h"
#include "node.h"

#define ZAP_DOMAIN "i40"
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 300000
#define BACKOFF_JOIN_MAX_MS 30000	/* while not admitted */

const char *
link_state_name(enum peer_state s)
{
	switch (s) {
	case PEER_DOWN:
		return "down";
	case PEER_CONNECTING:
		return "connecting";
	case PEER_UP:
		return "up";
	case PEER_REFUSED:
		return "refused";
	}
	return "down";
}

static int
setopt(void *s, int opt, const void *v, size_t len, const char *name)
{
	if (zmq_setsockopt(s, opt, v, len) != 0) {
		int e = errno;

		log_warn(-e, "zmq_setsockopt %s", name);
		return -e;
	}
	return 0;
}

static int
setint(void *s, int opt, int v, const char *name)
{
	return setopt(s, opt, &v, sizeof(v), name);
}

/* What every node-to-node socket shares. */
static int
common_opts(void *s)
{
	/* An int64_t, or libzmq refuses it and no limit is set. */
	int64_t max = MSG_MAX_BYTES;
	int rc;

	if ((rc = setopt(s, ZMQ_MAXMSGSIZE, &max, sizeof(max),
	    "MAXMSGSIZE")) != 0 ||
	    (rc = setint(s, ZMQ_SNDHWM, 32, "SNDHWM")) != 0 ||
	    (rc = setint(s, ZMQ_RCVHWM, 32, "RCVHWM")) != 0 ||
	    (rc = setint(s, ZMQ_LINGER, 0, "LINGER")) != 0 ||
	    (rc = setint(s, ZMQ_HEARTBEAT_IVL, 5000, "HEARTBEAT_IVL")) != 0 ||
	    (rc = setint(s, ZMQ_HEARTBEAT_TIMEOUT, 15000,
	    "HEARTBEAT_TIMEOUT")) != 0 ||
	    (rc = setint(s, ZMQ_HEARTBEAT_TTL, 30000, "HEARTBEAT_TTL")) != 0 ||
	    (rc = setint(s, ZMQ_HANDSHAKE_IVL, NODE_HANDSHAKE_MS,
	    "HANDSHAKE_IVL")) != 0)
		return rc;
	return 0;
}

/*
 * The CURVE secret is the transport key (keys.h), not the signing key:
 * libzmq keeps copies of it in ordinary memory, one per socket, and a
 * disclosure of those must give no signing power (docs/threat-model.md).
 * It goes from sodium memory straight into libzmq.
 */
static int
set_curve_secret(void *s, const struct key_secret *k)
{
	uint8_t *csk;
	int rc;

	if ((csk = sodium_malloc(KEY_CURVE_BYTES)) == NULL)
		return I40_E_NOMEM;
	if ((rc = key_transport_secret(k, csk)) == 0)
		rc = setopt(s, ZMQ_CURVE_SECRETKEY, csk, KEY_CURVE_BYTES,
		    "CURVE_SECRETKEY");
	sodium_free(csk);
	return rc;
}

static int
set_curve_public(void *s, const struct key_secret *k)
{
	uint8_t tpk[KEY_CURVE_BYTES], sig[KEY_SIG_BYTES];
	int rc;

	if ((rc = key_transport_card(k, tpk, sig)) != 0)
		return rc;
	return setopt(s, ZMQ_CURVE_PUBLICKEY, tpk, sizeof(tpk),
	    "CURVE_PUBLICKEY");
}

/*
 * The router: a CURVE server that fails closed.  Both ZAP_DOMAIN and
 * ZAP_ENFORCE_DOMAIN are needed, or libzmq admits unknown keys when no
 * ZAP handler answers (PITFALLS.md, point 1).  The caller binds the ZAP
 * handler first.
 */
int
link_router_open(void *zctx, const char *endpoint, const struct key_secret *k,
    void **out)
{
	void *s;
	int rc;

	*out = NULL;
	if ((s = zmq_socket(zctx, ZMQ_ROUTER)) == NULL)
		return -errno;
	if ((rc = common_opts(s)) != 0 ||
	    (rc = setint(s, ZMQ_CURVE_SERVER, 1, "CURVE_SERVER")) != 0 ||
	    (rc = set_curve_public(s, k)) != 0 ||
	    (rc = set_curve_secret(s, k)) != 0 ||
	    (rc = setopt(s, ZMQ_ZAP_DOMAIN, ZAP_DOMAIN, strlen(ZAP_DOMAIN),
	    "ZAP_DOMAIN")) != 0 ||
	    (rc = setint(s, ZMQ_ZAP_ENFORCE_DOMAIN, 1,
	    "ZAP_ENFORCE_DOMAIN")) != 0 ||
	    (rc = setint(s, ZMQ_ROUTER_MANDATORY, 1, "ROUTER_MANDATORY")) != 0)
		goto fail;
	if (zmq_bind(s, endpoint) != 0) {
		rc = -errno;
		goto fail;
	}
	*out = s;
	return 0;
fail:
	zmq_close(s);
	return rc;
}

int
link_router_rekey(void *router, const char *endpoint,
    const struct key_secret *k)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	int rc, tries;

	/* A listener takes its options when it binds: set them first. */
	if ((rc = set_curve_public(router, k)) != 0 ||
	    (rc = set_curve_secret(router, k)) != 0)
		return rc;
	if (zmq_unbind(router, endpoint) != 0 && errno != ENOENT)
		return -errno;
	/* libzmq closes the old listener on its I/O thread: wait for it. */
	for (tries = 0; zmq_bind(router, endpoint) != 0; tries++) {
		if (errno != EADDRINUSE || tries >= 150)
			return -errno;
		(void)nanosleep(&pause, NULL);
	}
	return 0;
}

static void
dealer_cb(void *arg)
{
	struct peer *p = arg;

	sync_dealer_read(p->node, p);
}

static void
monitor_cb(void *arg)
{
	struct peer *p = arg;

	link_monitor_read(p->node, p);
}

/*
 * One event from a monitor socket: 1 with *event set, 0 when there is
 * none.  The frames are [event(2) value(4)] [address]; we need the event.
 */
int
link_monitor_event(void *mon, uint16_t *event, uint32_t *value)
{
	zmq_msg_t f;
	int got = 0;

	zmq_msg_init(&f);
	if (zmq_msg_recv(&f, mon, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&f);
		return 0;
	}
	if (zmq_msg_size(&f) >= 6) {
		memcpy(event, zmq_msg_data(&f), sizeof(*event));
		memcpy(value, (uint8_t *)zmq_msg_data(&f) + 2, sizeof(*value));
		got = 1;
	}
	link_drain(mon, &f);
	zmq_msg_close(&f);
	return got ? 1 : -1;
}

/* Dial p: a DEALER pinned to its CURVE key, and a monitor on it. */
int
link_dealer_open(struct node *n, struct peer *p)
{
	/* A probe of a pending rotation dials with the new key (rotate.c). */
	const struct key_secret *ck = p->probe && n->tkey != NULL ? n->key :
	    node_tkey(n);
	char mon[64];
	void *s = NULL, *m = NULL;
	int rc;

	if ((s = zmq_socket(n->zctx, ZMQ_DEALER)) == NULL)
		return -errno;
	/*
	 * IMMEDIATE: queue only to a completed connection, so a dead peer
	 * makes sends fail at once (EAGAIN) instead of filling a queue.
	 */
	if ((rc = common_opts(s)) != 0 ||
	    (rc = setint(s, ZMQ_IMMEDIATE, 1, "IMMEDIATE")) != 0 ||
	    (rc = setint(s, ZMQ_RECONNECT_IVL, 250, "RECONNECT_IVL")) != 0 ||
	    (rc = setint(s, ZMQ_RECONNECT_IVL_MAX, 30000,
	    "RECONNECT_IVL_MAX")) != 0 ||
	    (rc = setopt(s, ZMQ_CURVE_SERVERKEY, p->curve, KEY_CURVE_BYTES,
	    "CURVE_SERVERKEY")) != 0 ||
	    (rc = set_curve_public(s, ck)) != 0 ||
	    (rc = set_curve_secret(s, ck)) != 0)
		goto fail;
	/*
	 * A new name each time: the name of a monitor just closed may still
	 * be bound when the watchdog dials again at once.
	 */
	snprintf(mon, sizeof(mon), "inproc://mon-%s-%llu", p->hex,
	    (unsigned long long)++n->monitors);
	if (zmq_socket_monitor(s, mon, ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
	    ZMQ_EVENT_DISCONNECTED) != 0) {
		rc = -errno;
		goto fail;
	}
	if ((m = zmq_socket(n->zctx, ZMQ_PAIR)) == NULL) {
		rc = -errno;
		goto fail;
	}
	if ((rc = setint(m, ZMQ_LINGER, 0, "LINGER")) != 0)
		goto fail;
	if (zmq_connect(m, mon) != 0) {
		rc = -errno;
		log_warn(rc, "peer %s: cannot watch the link (%s)", p->schac,
		    mon);
		goto fail;
	}
	if (zmq_connect(s, p->endpoint) != 0) {
		rc = -errno;
		log_warn(rc, "peer %s (%s): cannot dial %s", p->schac, p->hex,
		    p->endpoint);
		goto fail;
	}
	if ((rc = ev_reader_add(n->loop, s, -1, dealer_cb, p)) != 0)
		goto fail;
	if ((rc = ev_reader_add(n->loop, m, -1, monitor_cb, p)) != 0) {
		ev_reader_del(n->loop, s, -1);
		goto fail;
	}
	p->dealer = s;
	p->monitor = m;
	p->state = PEER_CONNECTING;
	p->connecting_ms = node_mono_ms();
	sync_peer_reset(n, p);
	p->heard = 0;
	return 0;
fail:
	if (m != NULL)
		zmq_close(m);
	if (s != NULL) {
		zmq_socket_monitor(s, NULL, 0);
		zmq_close(s);
	}
	return rc;
}

void
link_dealer_close(struct peer *p)
{
	if (p->dealer != NULL)
		ev_reader_del(p->node->loop, p->dealer, -1);
	if (p->monitor != NULL)
		ev_reader_del(p->node->loop, p->monitor, -1);
	if (p->dealer != NULL) {
		zmq_socket_monitor(p->dealer, NULL, 0);
		zmq_close(p->dealer);
	}
	if (p->monitor != NULL)
		zmq_close(p->monitor);
	p->dealer = p->monitor = NULL;
	sync_peer_reset(p->node, p);
	p->heard = 0;
}

/*
 * The dealer's monitor says how the link goes.  An auth failure means
 * the peer does not admit our key (we are not, or no longer, a member in
 * its eyes): libzmq would retry every RECONNECT_IVL forever, so close the
 * dealer, log once, and dial again after a doubling backoff.
 */
void
link_monitor_read(struct node *n, struct peer *p)
{
	char why[400];
	uint16_t event;
	uint32_t value;
	int budget, got;

	for (budget = 0; budget < NODE_RECV_BUDGET && p->monitor != NULL;
	    budget++) {
		if ((got = link_monitor_event(p->monitor, &event, &value)) == 0)
			return;
		if (got < 0)
			continue;
		switch (event) {
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			/* Its ZAP admitted the rotated key: it holds it. */
			if (n->tkey != NULL && p->probe)
				snprintf(n->rot_proven, sizeof(n->rot_proven),
				    "%s", p->schac);
			if (p->state != PEER_UP)
				log_info("peer %s (%s): link up to %s",
				    p->schac, p->hex, p->endpoint);
			p->state = PEER_UP;
			p->backoff_ms = 0;
			p->redial_ms = 0;
			sync_peer_reset(n, p);
			sync_hello(n, p);
			break;
		case ZMQ_EVENT_DISCONNECTED:
			if (p->state == PEER_UP)
				log_info("peer %s (%s): link down",
				    p->schac, p->hex);
			if (p->state != PEER_CONNECTING)
				p->connecting_ms = node_mono_ms();
			p->state = PEER_CONNECTING;
			sync_peer_reset(n, p);
			p->heard = 0;
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
			p->backoff_ms = p->backoff_ms == 0 ? BACKOFF_MIN_MS :
			    2 * p->backoff_ms;
			if (p->backoff_ms > BACKOFF_MAX_MS)
				p->backoff_ms = BACKOFF_MAX_MS;
			/*
			 * A node waiting for its admission has no router to
			 * be dialled on: its own dials must notice the
			 * admission soon (docs/joining.md).
			 */
			if (!node_is_member(n, n->self) &&
			    p->backoff_ms > BACKOFF_JOIN_MAX_MS)
				p->backoff_ms = BACKOFF_JOIN_MAX_MS;
			/* Removed: the members refuse it for good. */
			if (node_may_sign(n, why, sizeof(why)) ==
			    I40_E_REMOVED) {
				p->backoff_ms = BACKOFF_MAX_MS;
				log_warnx("peer %s (%s) refused this node's "
				    "key: %s; retrying in %llu s", p->schac,
				    p->hex, why, (unsigned long long)
				    (p->backoff_ms / 1000));
			} else
				log_warnx("peer %s (%s) at %s refused this "
				    "node's key; retrying in %llu s (is this "
				    "node admitted in the peer's membership?)",
				    p->schac, p->hex, p->endpoint,
				    (unsigned long long)(p->backoff_ms / 1000));
			link_dealer_close(p);
			p->state = PEER_REFUSED;
			p->retry_ms = node_mono_ms() + p->backoff_ms;
			/*
			 * While a rotation's CURVE switch waits, a refusal of
			 * the old key may mean the peer holds the rotation,
			 * but proves nothing (libzmq takes an ERROR before the
			 * server proved its key; a peer may not know this
			 * node's admission yet): dial it once with the new
			 * key, and only a handshake that succeeds counts.
			 */
			if (n->tkey != NULL && !p->observer) {
				p->probe = !p->probe;
				if (p->probe)
					p->retry_ms = node_mono_ms() + 250;
			}
			return;
		default:
			/* A protocol failure: see link_watchdog. */
			if (p->state == PEER_UP) {
				p->state = PEER_CONNECTING;
				p->connecting_ms = node_mono_ms();
			}
			break;
		}
	}
}

void
link_drain(void *sock, const zmq_msg_t *last)
{
	zmq_msg_t extra;
	int more;

	for (more = zmq_msg_more((zmq_msg_t *)last); more;) {
		zmq_msg_init(&extra);
		more = zmq_msg_recv(&extra, sock, 0) >= 0 &&
		    zmq_msg_more(&extra);
		zmq_msg_close(&extra);
	}
}

/*
 * A dealer that stays without a handshake is dialled afresh, after 2 s,
 * then doubling to 30 s.  libzmq reconnects after most failures by
 * itself, but ends a connecting session for good after a protocol error
 * (session_base_t::engine_error), such as a peer's message over
 * MAXMSGSIZE: without this, one bad message would cut the link for ever.
 */
void
link_watchdog(struct node *n, struct peer *p, uint64_t now)
{
	uint64_t wait = p->redial_ms != 0 ? p->redial_ms : 2000;
	int rc;

	if (!p->dial || p->dealer == NULL || p->state != PEER_CONNECTING ||
	    now - p->connecting_ms < wait)
		return;
	log_debug("peer %s: no handshake for %llu ms; dialling afresh",
	    p->schac, (unsigned long long)wait);
	link_dealer_close(p);
	p->redial_ms = 2 * wait < 30000 ? 2 * wait : 30000;
	if ((rc = link_dealer_open(n, p)) != 0)
		link_dial_failed(p, rc);
}

/* A dealer could not be made: try again later, as after a refusal. */
void
link_dial_failed(struct peer *p, int rc)
{
	log_warn(rc, "peer %s: cannot dial %s; trying again in 5 s", p->schac,
	    p->endpoint);
	p->state = PEER_REFUSED;
	p->retry_ms = node_mono_ms() + 5000;
}

int
link_send(void *sock, const void *rid, size_t ridlen, const void *buf,
    size_t len)
{
	if (rid != NULL &&
	    zmq_send(sock, rid, ridlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
		return -errno;
	if (zmq_send(sock, buf, len, ZMQ_DONTWAIT) < 0)
		return -errno;
	return 0;
}
