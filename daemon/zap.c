/*
 * zap.c: the ZAP handler (ZeroMQ RFC 27) that decides who may connect to
 * the router: current members and observers, by their CURVE key.  Model:
 * czmq's zauth, without its asserts: a malformed request gets a 500 and a
 * log line, never a crash.
 *
 * The User-Id we return is the member's identity key in hex; sync.c
 * checks it again on every message, so a member removed after its
 * handshake is cut off at once (PITFALLS.md, libzmq, "Check again").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "ev.h"
#include "node.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_FRAMES 8
#define ZAP_REFUSAL_LOG_MS 60000	/* one refusal line per key a minute */

static void
zap_cb(void *arg)
{
	zap_read(arg);
}

int
zap_open(struct node *n)
{
	int linger = 0;

	if ((n->zap = zmq_socket(n->zctx, ZMQ_REP)) == NULL)
		return -errno;
	if (zmq_setsockopt(n->zap, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_bind(n->zap, ZAP_ENDPOINT) != 0) {
		int e = errno;

		zmq_close(n->zap);
		n->zap = NULL;
		return -e;
	}
	return ev_reader_add(n->loop, n->zap, -1, zap_cb, n);
}

/* The member whose CURVE key is cpk, active, or NULL. */
static const struct store_member *
find_curve(const struct node *n, const uint8_t cpk[KEY_CURVE_BYTES])
{
	uint8_t c[KEY_CURVE_BYTES];
	size_t i;

	for (i = 0; i < n->nmembers; i++) {
		if (!n->members[i].active ||
		    key_curve_public(n->members[i].key, c) != 0)
			continue;
		if (memcmp(c, cpk, KEY_CURVE_BYTES) == 0)
			return &n->members[i];
	}
	return NULL;
}

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

static void
zap_one(struct node *n, zmq_msg_t *f, int nf)
{
	const struct store_member *m;
	char addr[64], khex[65], user[65];
	uint64_t supp;
	size_t alen;

	if (nf < 7 || !frame_is(&f[0], "1.0")) {
		/* A REP socket must answer before it can receive again. */
		log_warnx("zap: malformed request (%d frames), refused", nf);
		reply(n->zap, nf >= 2 ? &f[1] : NULL, "500",
		    "malformed request", "");
		return;
	}
	alen = zmq_msg_size(&f[3]) < sizeof(addr) - 1 ? zmq_msg_size(&f[3]) :
	    sizeof(addr) - 1;
	memcpy(addr, zmq_msg_data(&f[3]), alen);
	addr[alen] = '\0';
	if (!frame_is(&f[2], "i40") || !frame_is(&f[5], "CURVE") || nf != 7 ||
	    zmq_msg_size(&f[6]) != KEY_CURVE_BYTES) {
		n->refused++;
		log_warnx("zap: refused %s: not a CURVE client of domain i40",
		    addr);
		reply(n->zap, &f[1], "400", "CURVE in domain i40 only", "");
		return;
	}
	if ((m = find_curve(n, zmq_msg_data(&f[6]))) == NULL) {
		n->refused++;
		if (log_ratelimit(&n->zap_rl, zmq_msg_data(&f[6]),
		    node_mono_ms(), ZAP_REFUSAL_LOG_MS, &supp)) {
			sodium_bin2hex(khex, sizeof(khex), zmq_msg_data(&f[6]),
			    KEY_CURVE_BYTES);
			log_warnx("zap: refused %s: CURVE key %s is no current "
			    "member's or observer's (%llu more refusals of "
			    "it not logged)", addr, khex,
			    (unsigned long long)supp);
		}
		reply(n->zap, &f[1], "400", "not a member", "");
		return;
	}
	sodium_bin2hex(user, sizeof(user), m->key, KEY_PK_BYTES);
	log_debug("zap: admitted %s (%s) from %s", m->schac, user, addr);
	reply(n->zap, &f[1], "200", "OK", user);
}

void
zap_read(struct node *n)
{
	zmq_msg_t f[ZAP_FRAMES], extra;
	int nf, i, budget, more;

	for (budget = 0; budget < NODE_RECV_BUDGET; budget++) {
		nf = 0;
		zmq_msg_init(&f[0]);
		if (zmq_msg_recv(&f[0], n->zap, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&f[0]);
			return;
		}
		nf = 1;
		more = zmq_msg_more(&f[0]);
		while (more) {
			if (nf < ZAP_FRAMES) {
				zmq_msg_init(&f[nf]);
				if (zmq_msg_recv(&f[nf], n->zap, 0) < 0) {
					zmq_msg_close(&f[nf]);
					break;
				}
				more = zmq_msg_more(&f[nf]);
				nf++;
			} else {
				/* Too many frames: drain and refuse. */
				zmq_msg_init(&extra);
				if (zmq_msg_recv(&extra, n->zap, 0) < 0)
					more = 0;
				else
					more = zmq_msg_more(&extra);
				zmq_msg_close(&extra);
				nf = ZAP_FRAMES + 1;
			}
		}
		/* More than ZAP_FRAMES frames: refused below (nf != 7). */
		zap_one(n, f, nf > ZAP_FRAMES ? ZAP_FRAMES : nf);
		for (i = 0; i < (nf > ZAP_FRAMES ? ZAP_FRAMES : nf); i++)
			zmq_msg_close(&f[i]);
	}
}
