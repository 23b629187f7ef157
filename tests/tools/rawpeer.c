/*
 * rawpeer.c: a raw federation peer for the integration tests: it speaks
 * ZMTP/CURVE and the sync messages of docs/protocol.md §6 directly, so it
 * can be an outsider, a plaintext client, or a malicious member.
 *
 *   rawpeer hello (--key FILE | --random-key | --plain) --server-pub HEX
 *           --endpoint EP --genesis FILE [--wait SEC] [--other-fed]
 *           [--version N] [--expect-error NAME]
 *       Connect a DEALER (CURVE client pinned to the server's key, or the
 *       NULL mechanism with --plain), send one HELLO and wait for any
 *       reply.  Exit 0 if a reply arrived, 3 if none did within --wait
 *       (default 3 s).  Prints the client's CURVE key, the socket
 *       monitor's events and the reply ("# reply: error I40_E_... (text)"
 *       for an ERROR).  --other-fed sends the genesis's fed_id with its
 *       first byte flipped, --version N another protocol version; with
 *       --expect-error NAME the exit is 0 only for an ERROR with that code
 *       (an I40_E_* name), 1 for any other reply.
 *
 *   rawpeer nozap --key FILE [--with-handler] [--wait SEC]
 *       In this process: a router from the daemon's own link_router_open()
 *       on a free loopback port with NO ZAP handler, and a CURVE client
 *       with the member key FILE that sends a message.  Exit 0 if the
 *       server received nothing and the client never completed a
 *       handshake (fails closed), 1 otherwise.  With --with-handler an
 *       admit-all ZAP handler runs (the control): exit 0 if the server did
 *       receive the message, 1 otherwise.
 *
 *   rawpeer attack --key FILE --listen EP --target-pub HEX --target EP
 *           --genesis FILE [--seed N] [--gap MS] [--flood N] [--go FILE]
 *       The malicious member whose key is FILE.  It binds its own ROUTER
 *       (link_router_open, with a ZAP handler admitting only the target)
 *       at EP, so the target's dealer connects to it and asks it for
 *       events, and connects a DEALER to the target's router.  With --go
 *       it behaves until FILE exists, then runs the steps below, each
 *       announced as "# step: ...".  Steps the target should log are
 *       spaced --gap ms apart (default 5300), because i40d logs one drop
 *       line per peer per 5 s.  At the end it checks, in band, that the
 *       target neither announces nor serves any event of its author, and
 *       prints "# result: ..." lines.  Exit 0 when every step ran and the
 *       target behaved; 1 when the target misbehaved (each violation is
 *       printed as "# VIOLATION: ..."); 4 when a step could not run.
 *
 * Exit status 2 is a usage error; 4 a setup or runtime error.  Errors go to
 * stderr as "rawpeer: ...".
 *
 * Keys given as HEX are Ed25519 identity keys (64 hex digits, what
 * `i40ctl keygen` prints); their CURVE form is derived as the daemon does.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "daemon/node.h"
#include "protocol/body.h"
#include "protocol/errors.h"
#include "protocol/event.h"
#include "protocol/keys.h"
#include "protocol/msg.h"
#include "store/keyfile.h"
#include "tests/lib/sample.h"

#define EX_OK 0
#define EX_FAIL 1
#define EX_USAGE 2
#define EX_NOREPLY 3
#define EX_SETUP 4

#define ZAP_EP "inproc://zeromq.zap.01"
#define DEFAULT_GAP_MS 5300	/* i40d: one drop line per peer per 5 s */
#define DEFAULT_FLOOD 10000
#define WANT_FRESH_MS 12000	/* i40d gives a WANT up after 15 s */
#define ERROR_DELAY_MS 300
#define MAX_REPLAY 8
#define MAX_DQ 64
#define MAX_MINE 64
#define OVERSIZE (MSG_MAX_BYTES + 4096)

static const char usage_text[] =
    "usage: rawpeer hello (--key FILE | --random-key | --plain)\n"
    "           --server-pub HEX --endpoint EP --genesis FILE [--wait SEC]\n"
    "           [--other-fed] [--version N] [--expect-error NAME]\n"
    "       rawpeer nozap --key FILE [--with-handler] [--wait SEC]\n"
    "       rawpeer attack --key FILE --listen EP --target-pub HEX\n"
    "           --target EP --genesis FILE [--seed N] [--gap MS]\n"
    "           [--flood N] [--go FILE]\n"
    "\n"
    "A raw i40 sync peer for the integration tests (see the comment at the\n"
    "top of tests/tools/rawpeer.c).  HEX keys are Ed25519 identity keys.\n"
    "Exit: 0 as expected, 1 expectation failed, 2 usage, 3 no reply,\n"
    "4 setup or runtime error.\n";

struct opts {
	const char *cmd;
	const char *key, *server_pub, *endpoint, *genesis;
	const char *listen, *target_pub, *target, *go;
	const char *expect_error;
	int random_key, plain, with_handler, other_fed;
	uint64_t version;
	double wait_s;
	uint64_t seed;
	int have_seed;
	uint64_t gap_ms;
	unsigned long flood;
};

/* The federation, from its genesis file. */
struct genesis {
	uint8_t fed_id[EV_FED_ID_BYTES];
	uint8_t id[EV_ID_BYTES];
	uint8_t author[KEY_PK_BYTES];
};

static void die_usage(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("rawpeer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	fputs(usage_text, stderr);
	exit(EX_USAGE);
}

static void
warnx_(const char *fmt, ...)
{
	va_list ap;

	fputs("rawpeer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
parse_hex32(const char *s, uint8_t out[32])
{
	size_t i;
	int hi, lo;

	if (s == NULL || strlen(s) != 64)
		return -1;
	for (i = 0; i < 32; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		    hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 :
		    hi >= 'A' && hi <= 'F' ? hi - 'A' + 10 : -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		    lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 :
		    lo >= 'A' && lo <= 'F' ? lo - 'A' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void
to_hex(const uint8_t *p, size_t len, char *out)
{
	static const char d[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static const char *
errname(int rc)
{
	return i40_strerror(rc);
}

/* The I40_E_* code named name, or 0. */
static int
errcode(const char *name)
{
	int rc;

	for (rc = I40_E_FIRST - 1; rc > I40_E_LAST; rc--)
		if (i40_errname(rc) != NULL && strcmp(i40_errname(rc),
		    name) == 0)
			return rc;
	return 0;
}

/* The founding members' transport keys, from the last genesis read. */
static uint8_t g_keys[BODY_MAX_MEMBERS][2][32];
static size_t g_nkeys;

static int
read_genesis(const char *path, struct genesis *g)
{
	static uint8_t buf[EV_MAX_BYTES + 1];
	static struct body b;
	struct codec_err err;
	struct ev_signed e;
	size_t len, i;
	FILE *f;
	int rc;

	if ((f = fopen(path, "rb")) == NULL) {
		warnx_("cannot open the genesis file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	memset(&err, 0, sizeof(err));
	if ((rc = ev_decode(buf, len, NULL, &e, &b, &err)) != 0 ||
	    b.type != BODY_GENESIS) {
		warnx_("%s is not a genesis event: %s (field %s)", path,
		    errname(rc), err.field);
		return -1;
	}
	for (g_nkeys = 0, i = 0; i < b.u.charter.nmembers; i++, g_nkeys++) {
		memcpy(g_keys[i][0], b.u.charter.members[i].key, 32);
		memcpy(g_keys[i][1], b.u.charter.members[i].transport, 32);
	}
	memcpy(g->fed_id, e.h.fed_id, sizeof(g->fed_id));
	memcpy(g->id, e.id, sizeof(g->id));
	memcpy(g->author, e.h.author, sizeof(g->author));
	return 0;
}

static int
load_key(const char *path, struct key_secret **k)
{
	int rc;

	if ((rc = keyfile_read(path, k)) != 0) {
		warnx_("cannot read the key file %s: %s", path, errname(rc));
		return -1;
	}
	return 0;
}

static int
curve_of_hex(const char *hex, uint8_t curve[32], uint8_t pk[32],
    const char *what)
{
	uint8_t tmp[32];

	if (pk == NULL)
		pk = tmp;
	if (parse_hex32(hex, pk) != 0) {
		warnx_("%s: \"%s\" is not 64 hex digits", what, hex);
		return -1;
	}
	/* Its CURVE key is its certified transport key, in the genesis. */
	for (size_t i = 0; i < g_nkeys; i++)
		if (memcmp(g_keys[i][0], pk, 32) == 0) {
			memcpy(curve, g_keys[i][1], 32);
			return 0;
		}
	warnx_("%s: %s is no founding member in the genesis", what, hex);
	return -1;
}

static int
setint(void *s, int opt, int v)
{
	return zmq_setsockopt(s, opt, &v, sizeof(v));
}

/* Set k as the socket's CURVE key pair (secret via sodium memory). */
static int
set_curve_keys(void *s, const struct key_secret *k)
{
	uint8_t pk[KEY_PK_BYTES], cpk[KEY_CURVE_BYTES], *csk;
	int rc = -1;

	uint8_t sig[KEY_SIG_BYTES];

	key_public(k, pk);
	if (key_transport_card(k, cpk, sig) != 0 ||
	    (csk = sodium_malloc(KEY_CURVE_BYTES)) == NULL)
		return -1;
	if (key_transport_secret(k, csk) == 0 &&
	    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, cpk, sizeof(cpk)) == 0 &&
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, csk, KEY_CURVE_BYTES) == 0)
		rc = 0;
	sodium_free(csk);
	return rc;
}

/* A PAIR fed by the monitor of s, for every event. */
static void *
monitor_open(void *ctx, void *s, const char *name)
{
	void *m;

	if (zmq_socket_monitor(s, name, ZMQ_EVENT_ALL) != 0 ||
	    (m = zmq_socket(ctx, ZMQ_PAIR)) == NULL)
		return NULL;
	if (setint(m, ZMQ_LINGER, 0) != 0 || zmq_connect(m, name) != 0) {
		zmq_close(m);
		return NULL;
	}
	return m;
}

/*
 * Stop the monitor of s, then close its PAIR: in this order, or
 * zmq_ctx_term() may hang for good (libzmq 4.3.4, seen after a refused
 * handshake: about one run in three the other way round).
 */
static void
monitor_close(void *s, void *m)
{
	if (s != NULL && m != NULL)
		zmq_socket_monitor(s, NULL, 0);
	if (m != NULL)
		zmq_close(m);
}

static const char *
event_name(unsigned ev)
{
	switch (ev) {
	case ZMQ_EVENT_CONNECTED: return "CONNECTED";
	case ZMQ_EVENT_CONNECT_DELAYED: return "CONNECT_DELAYED";
	case ZMQ_EVENT_CONNECT_RETRIED: return "CONNECT_RETRIED";
	case ZMQ_EVENT_LISTENING: return "LISTENING";
	case ZMQ_EVENT_BIND_FAILED: return "BIND_FAILED";
	case ZMQ_EVENT_ACCEPTED: return "ACCEPTED";
	case ZMQ_EVENT_ACCEPT_FAILED: return "ACCEPT_FAILED";
	case ZMQ_EVENT_CLOSED: return "CLOSED";
	case ZMQ_EVENT_CLOSE_FAILED: return "CLOSE_FAILED";
	case ZMQ_EVENT_DISCONNECTED: return "DISCONNECTED";
	case ZMQ_EVENT_MONITOR_STOPPED: return "MONITOR_STOPPED";
	case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
		return "HANDSHAKE_FAILED_NO_DETAIL";
	case ZMQ_EVENT_HANDSHAKE_SUCCEEDED: return "HANDSHAKE_SUCCEEDED";
	case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		return "HANDSHAKE_FAILED_PROTOCOL";
	case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH: return "HANDSHAKE_FAILED_AUTH";
	default: return "?";
	}
}

/* One monitor event, or 0 if none is waiting. */
static unsigned
monitor_read(void *m, uint32_t *value)
{
	zmq_msg_t f;
	uint16_t ev = 0;
	int more;

	zmq_msg_init(&f);
	if (zmq_msg_recv(&f, m, ZMQ_DONTWAIT) < 0) {
		zmq_msg_close(&f);
		return 0;
	}
	if (zmq_msg_size(&f) >= 6) {
		memcpy(&ev, zmq_msg_data(&f), 2);
		memcpy(value, (uint8_t *)zmq_msg_data(&f) + 2, 4);
	}
	more = zmq_msg_more(&f);
	zmq_msg_close(&f);
	while (more) {
		zmq_msg_init(&f);
		more = zmq_msg_recv(&f, m, 0) >= 0 && zmq_msg_more(&f);
		zmq_msg_close(&f);
	}
	return ev;
}

/*
 * A DEALER to ep: CURVE client with key k pinned to server_curve, or the
 * NULL mechanism when k is NULL.  Its monitor into *mon.
 */
static void *
dealer_open(void *ctx, const struct key_secret *k,
    const uint8_t server_curve[32], const char *ep, const char *monname,
    void **mon)
{
	void *s;

	*mon = NULL;
	if ((s = zmq_socket(ctx, ZMQ_DEALER)) == NULL) {
		warnx_("zmq_socket: %s", zmq_strerror(errno));
		return NULL;
	}
	if (setint(s, ZMQ_LINGER, 0) != 0 ||
	    setint(s, ZMQ_SNDTIMEO, 5000) != 0 ||
	    setint(s, ZMQ_SNDHWM, 64) != 0 ||
	    (k != NULL && (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY,
	    server_curve, 32) != 0 || set_curve_keys(s, k) != 0))) {
		warnx_("dealer options: %s", zmq_strerror(errno));
		zmq_close(s);
		return NULL;
	}
	if ((*mon = monitor_open(ctx, s, monname)) == NULL) {
		warnx_("socket monitor: %s", zmq_strerror(errno));
		zmq_close(s);
		return NULL;
	}
	if (zmq_connect(s, ep) != 0) {
		warnx_("cannot connect to %s: %s", ep, zmq_strerror(errno));
		monitor_close(s, *mon);
		*mon = NULL;
		zmq_close(s);
		return NULL;
	}
	return s;
}

/* ------------------------------------------------------------------ */
/* Raw msgpack, for the messages msg_encode() rightly refuses to make. */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
};

static void
put(struct wbuf *w, const void *p, size_t n)
{
	if (w->len + n <= w->cap)
		memcpy(w->p + w->len, p, n);
	w->len += n;
}

static void
put_byte(struct wbuf *w, unsigned b)
{
	uint8_t c = (uint8_t)b;

	put(w, &c, 1);
}

static void
put_be(struct wbuf *w, uint64_t v, unsigned n)
{
	while (n-- > 0)
		put_byte(w, (unsigned)(v >> (8 * n)) & 0xff);
}

static void
mp_array(struct wbuf *w, uint32_t n)
{
	if (n < 16) {
		put_byte(w, 0x90 | n);
	} else if (n <= 0xffff) {
		put_byte(w, 0xdc);
		put_be(w, n, 2);
	} else {
		put_byte(w, 0xdd);
		put_be(w, n, 4);
	}
}

static void
mp_uint(struct wbuf *w, uint64_t v)
{
	if (v < 128) {
		put_byte(w, (unsigned)v);
	} else if (v <= 0xff) {
		put_byte(w, 0xcc);
		put_be(w, v, 1);
	} else if (v <= 0xffff) {
		put_byte(w, 0xcd);
		put_be(w, v, 2);
	} else if (v <= 0xffffffffu) {
		put_byte(w, 0xce);
		put_be(w, v, 4);
	} else {
		put_byte(w, 0xcf);
		put_be(w, v, 8);
	}
}

static void
mp_bin(struct wbuf *w, const void *p, size_t n)
{
	if (n <= 0xff) {
		put_byte(w, 0xc4);
		put_be(w, n, 1);
	} else if (n <= 0xffff) {
		put_byte(w, 0xc5);
		put_be(w, n, 2);
	} else {
		put_byte(w, 0xc6);
		put_be(w, n, 4);
	}
	put(w, p, n);
}

/* ------------------------------------------------------------------ */
/* hello */

static int
cmd_hello(const struct opts *o)
{
	struct key_secret *k = NULL;
	struct genesis g;
	struct msg *m = NULL;
	uint8_t scurve[32], pk[32], cpk[32], *buf = NULL;
	char hex[65];
	void *ctx = NULL, *d = NULL, *mon = NULL;
	zmq_pollitem_t it[2];
	uint64_t deadline;
	size_t len;
	uint32_t val;
	unsigned ev;
	int n, rc = EX_SETUP, got = 0, want = 0, match = 0;

	if ((o->key != NULL) + o->random_key + o->plain != 1)
		die_usage("hello: give exactly one of --key, --random-key, "
		    "--plain");
	if (o->endpoint == NULL || o->genesis == NULL ||
	    (!o->plain && o->server_pub == NULL))
		die_usage("hello: --endpoint, --genesis and (unless --plain) "
		    "--server-pub are required");
	if (o->expect_error != NULL && (want = errcode(o->expect_error)) == 0)
		die_usage("--expect-error: \"%s\" is not an I40_E_* name",
		    o->expect_error);
	if (read_genesis(o->genesis, &g) != 0)
		return EX_SETUP;
	if (!o->plain && curve_of_hex(o->server_pub, scurve, NULL,
	    "--server-pub") != 0)
		return EX_SETUP;
	if (o->key != NULL && load_key(o->key, &k) != 0)
		return EX_SETUP;
	if (o->random_key && key_generate(&k) != 0) {
		warnx_("cannot generate a key");
		return EX_SETUP;
	}
	if (k != NULL) {
		uint8_t sig[KEY_SIG_BYTES];

		key_public(k, pk);
		if (key_transport_card(k, cpk, sig) != 0)
			goto out;
		to_hex(cpk, 32, hex);
		printf("# client CURVE key: %s\n", hex);
		to_hex(pk, 32, hex);
		printf("# client identity key: %s\n", hex);
	} else {
		printf("# client: plaintext (NULL mechanism)\n");
	}
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (buf = malloc(MSG_MAX_BYTES)) == NULL)
		goto out;
	m->type = MSG_HELLO;
	memcpy(m->u.hello.fed_id, g.fed_id, 32);
	if (o->other_fed)
		m->u.hello.fed_id[0] ^= 0xff;
	m->u.hello.version = o->version;
	m->u.hello.v.nheads = 1;
	memcpy(m->u.hello.v.heads[0].author, g.author, 32);
	m->u.hello.v.heads[0].seq = 1;
	memcpy(m->u.hello.v.heads[0].id, g.id, 32);
	if (msg_encode(m, buf, MSG_MAX_BYTES, &len, NULL) != 0) {
		warnx_("cannot encode a HELLO");
		goto out;
	}
	if ((ctx = zmq_ctx_new()) == NULL ||
	    (d = dealer_open(ctx, k, scurve, o->endpoint,
	    "inproc://rawpeer-hello-mon", &mon)) == NULL)
		goto out;
	/* Queued until a handshake completes; never delivered otherwise. */
	if (zmq_send(d, buf, len, ZMQ_DONTWAIT) < 0) {
		warnx_("cannot queue the HELLO: %s", zmq_strerror(errno));
		goto out;
	}
	printf("# sent HELLO (%zu bytes) to %s\n", len, o->endpoint);
	deadline = mono_ms() + (uint64_t)(o->wait_s * 1000);
	while (!got && mono_ms() < deadline) {
		it[0].socket = d;
		it[1].socket = mon;
		it[0].events = it[1].events = ZMQ_POLLIN;
		it[0].fd = it[1].fd = 0;
		if (zmq_poll(it, 2, 100) < 0 && errno != EINTR)
			break;
		while ((ev = monitor_read(mon, &val)) != 0)
			printf("# monitor: %s (%u)\n", event_name(ev), val);
		if ((n = zmq_recv(d, buf, MSG_MAX_BYTES, ZMQ_DONTWAIT)) >= 0) {
			const char *t = "undecodable";

			if (msg_decode(buf, (size_t)n < MSG_MAX_BYTES ?
			    (size_t)n : MSG_MAX_BYTES, m, NULL) == 0)
				t = msg_type_name((uint32_t)m->type);
			printf("# reply: %s (%d bytes)\n", t ? t : "?", n);
			if (t != NULL && m->type == MSG_ERROR) {
				printf("# reply: error %s (%.*s)\n",
				    i40_errname((int)m->u.error.code) ?
				    i40_errname((int)m->u.error.code) : "?",
				    (int)m->u.error.text.len,
				    (const char *)m->u.error.text.p);
				match = m->u.error.code == want;
			}
			got = 1;
		}
	}
	if (!got)
		printf("# no reply within %.1f s\n", o->wait_s);
	rc = !got ? EX_NOREPLY : want == 0 || match ? EX_OK : EX_FAIL;
out:
	monitor_close(d, mon);
	if (d != NULL)
		zmq_close(d);
	if (ctx != NULL)
		zmq_ctx_term(ctx);
	key_free(k);
	free(m);
	free(buf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* nozap */

/*
 * Answer one ZAP request (RFC 27) on z: 200 with User-Id `user` for a
 * CURVE client when admit_curve is NULL or its key, else 400.  Returns 1
 * if admitted, 0 if refused, -1 if no request was waiting.
 */
static int
zap_answer(void *z, const uint8_t *admit_curve, const char *user)
{
	zmq_msg_t f[8];
	int nf = 0, more = 1, ok, i;

	while (more) {
		zmq_msg_t x;

		if (nf < 8) {
			zmq_msg_init(&f[nf]);
			if (zmq_msg_recv(&f[nf], z, nf == 0 ? ZMQ_DONTWAIT :
			    0) < 0) {
				zmq_msg_close(&f[nf]);
				if (nf == 0)
					return -1;
				break;
			}
			more = zmq_msg_more(&f[nf]);
			nf++;
		} else {
			zmq_msg_init(&x);
			more = zmq_msg_recv(&x, z, 0) >= 0 && zmq_msg_more(&x);
			zmq_msg_close(&x);
		}
	}
	ok = nf == 7 && zmq_msg_size(&f[5]) == 5 &&
	    memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
	    zmq_msg_size(&f[6]) == 32 && (admit_curve == NULL ||
	    memcmp(zmq_msg_data(&f[6]), admit_curve, 32) == 0);
	(void)zmq_send(z, "1.0", 3, ZMQ_SNDMORE);
	(void)zmq_send(z, nf >= 2 ? zmq_msg_data(&f[1]) : "",
	    nf >= 2 ? zmq_msg_size(&f[1]) : 0, ZMQ_SNDMORE);
	(void)zmq_send(z, ok ? "200" : "400", 3, ZMQ_SNDMORE);
	(void)zmq_send(z, ok ? "OK" : "no", 2, ZMQ_SNDMORE);
	(void)zmq_send(z, ok ? user : "", ok ? strlen(user) : 0, ZMQ_SNDMORE);
	(void)zmq_send(z, "", 0, 0);
	for (i = 0; i < nf; i++)
		zmq_msg_close(&f[i]);
	return ok;
}

static int
cmd_nozap(const struct opts *o)
{
	struct key_secret *ck = NULL, *sk = NULL;
	uint8_t spk[32], scurve[32];
	char ep[256];
	size_t eplen = sizeof(ep);
	void *ctx = NULL, *zap = NULL, *router = NULL, *rmon = NULL;
	void *d = NULL, *dmon = NULL;
	zmq_pollitem_t it[4];
	uint64_t deadline;
	uint32_t val;
	unsigned ev;
	int rc = EX_SETUP, got_server = 0, client_ok = 0, zap_reqs = 0, r, ok;
	static const uint8_t probe[] = { 0x91, 0x11 };	/* [17]: anything */

	if (o->key == NULL)
		die_usage("nozap: --key FILE is required");
	if (load_key(o->key, &ck) != 0)
		return EX_SETUP;
	if (key_generate(&sk) != 0) {
		warnx_("cannot generate the server key");
		goto out;
	}
	key_public(sk, spk);
	{
		uint8_t sig[KEY_SIG_BYTES];

		if (key_transport_card(sk, scurve, sig) != 0 ||
		    (ctx = zmq_ctx_new()) == NULL)
			goto out;
	}
	if (o->with_handler) {
		if ((zap = zmq_socket(ctx, ZMQ_REP)) == NULL ||
		    setint(zap, ZMQ_LINGER, 0) != 0 ||
		    zmq_bind(zap, ZAP_EP) != 0) {
			warnx_("cannot bind the ZAP handler: %s",
			    zmq_strerror(errno));
			goto out;
		}
		printf("# ZAP handler: admits every CURVE client\n");
	} else {
		printf("# ZAP handler: none\n");
	}
	if ((r = link_router_open(ctx, "tcp://127.0.0.1:*", sk,
	    &router)) != 0) {
		warnx_("link_router_open: %s", errname(r));
		goto out;
	}
	if (zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, ep, &eplen) != 0) {
		warnx_("ZMQ_LAST_ENDPOINT: %s", zmq_strerror(errno));
		goto out;
	}
	printf("# server: link_router_open() on %s\n", ep);
	if ((rmon = monitor_open(ctx, router,
	    "inproc://rawpeer-nozap-smon")) == NULL ||
	    (d = dealer_open(ctx, ck, scurve, ep,
	    "inproc://rawpeer-nozap-cmon", &dmon)) == NULL)
		goto out;
	if (zmq_send(d, probe, sizeof(probe), ZMQ_DONTWAIT) < 0) {
		warnx_("cannot queue the probe: %s", zmq_strerror(errno));
		goto out;
	}
	deadline = mono_ms() + (uint64_t)(o->wait_s * 1000);
	while (mono_ms() < deadline) {
		int nit = 0;
		zmq_msg_t f;

		it[nit++].socket = router;
		it[nit++].socket = rmon;
		it[nit++].socket = dmon;
		if (zap != NULL)
			it[nit++].socket = zap;
		for (r = 0; r < nit; r++) {
			it[r].events = ZMQ_POLLIN;
			it[r].fd = 0;
		}
		if (zmq_poll(it, nit, 100) < 0 && errno != EINTR)
			break;
		while (zap != NULL && zap_answer(zap, NULL, "anyone") >= 0)
			zap_reqs++;
		while ((ev = monitor_read(rmon, &val)) != 0)
			printf("# server monitor: %s (%u)\n", event_name(ev),
			    val);
		while ((ev = monitor_read(dmon, &val)) != 0) {
			printf("# client monitor: %s (%u)\n", event_name(ev),
			    val);
			if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
				client_ok = 1;
		}
		zmq_msg_init(&f);
		while (zmq_msg_recv(&f, router, ZMQ_DONTWAIT) >= 0) {
			if (!zmq_msg_more(&f))
				got_server++;
			zmq_msg_close(&f);
			zmq_msg_init(&f);
		}
		zmq_msg_close(&f);
		if (o->with_handler && got_server > 0)
			break;
	}
	printf("# server received %d message(s); ZAP requests answered: %d; "
	    "client handshake %s\n", got_server, zap_reqs,
	    client_ok ? "succeeded" : "never succeeded");
	if (o->with_handler)
		ok = got_server > 0;
	else
		ok = got_server == 0 && !client_ok;
	printf("# %s\n", o->with_handler ?
	    (ok ? "with a handler the member is admitted (control)" :
	    "with a handler the member was NOT admitted") :
	    (ok ? "without a ZAP handler the server refuses everyone" :
	    "without a ZAP handler the server ADMITTED the client "
	    "(fail-open)"));
	rc = ok ? EX_OK : EX_FAIL;
out:
	monitor_close(d, dmon);
	if (d != NULL)
		zmq_close(d);
	monitor_close(router, rmon);
	if (router != NULL)
		zmq_close(router);
	if (zap != NULL)
		zmq_close(zap);
	if (ctx != NULL)
		zmq_ctx_term(ctx);
	key_free(ck);
	key_free(sk);
	return rc;
}

/* ------------------------------------------------------------------ */
/* attack: the malicious member */

/*
 * The lure: we claim CLAIM events of our own author, the target holds none
 * and asks our router for [our author, 1, CLAIM], and each step answers
 * that WANT with exactly CLAIM crafted events.  A full answer leaves the
 * target nothing more to ask until the batch is refused; then it asks for
 * [1, CLAIM] again, which the next step answers.  An ERROR answer makes
 * the target believe we hold nothing (it sets our head to from - 1 = 0):
 * the lever for "EVENTS nobody asked for".
 */
#define CLAIM 4

struct mine {			/* a WANT of ours awaiting its answer */
	uint8_t author[32];
	uint64_t from, count;
	const char *what;
};

static struct attacker {
	const struct opts *o;
	void *ctx, *router, *zap, *dealer, *dmon, *rmon;
	struct key_secret *key, *stranger;
	uint8_t pk[32];
	uint8_t tpk[32], tcurve[32];
	struct genesis g;
	struct sample_fed other;	/* another federation */
	struct sample_rng rng;
	uint64_t t0;
	/* What we claim to hold of our own author (0: nothing). */
	uint64_t claim;
	uint8_t claim_id[32];
	uint64_t rehello_at;		/* assert the claim again then */
	/* Router side: the target's dealer. */
	uint8_t rid[256];
	size_t ridlen;
	int have_rid;
	uint64_t rid_changes, accepted;	/* TCP connections to our router */
	int held;			/* a WANT of the target kept for a step */
	struct msg_want hw;
	uint64_t held_at;
	uint64_t dq[MAX_DQ];		/* when to answer a WANT with ERROR */
	size_t ndq;
	/* Dealer side. */
	int dealer_up;
	uint64_t connects, disconnects;
	struct mine mine[MAX_MINE];
	size_t nmine;
	uint64_t hello_replies, unexpected_replies, event_replies,
	    error_replies;
	/* ERRORs refusing a HELLO of ours: on the dealer, on the router. */
	uint64_t hello_errors, router_errors;
	int64_t hello_error_code, router_error_code;
	int capture;
	uint8_t *replay[MAX_REPLAY];
	size_t replay_len[MAX_REPLAY], nreplay;
	/* Observations. */
	uint64_t target_hellos, target_wants, target_notifies,
	    want_max_count, zap_admitted, zap_refused;
	int violations, incomplete;
	uint64_t last_logged;
	struct msg *m, *out;
	uint8_t *sbuf, *rbuf;
} A;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void violation(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static void step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
note(const char *fmt, ...)
{
	va_list ap;

	printf("#   ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
violation(const char *fmt, ...)
{
	va_list ap;

	A.violations++;
	printf("# VIOLATION: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
step(const char *fmt, ...)
{
	va_list ap;

	printf("# step: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" [t=%.1fs]\n", (double)(mono_ms() - A.t0) / 1000.0);
}

/* The seq a version vector gives our author, 0 if none. */
static uint64_t
vec_mine(const struct msg_heads *v)
{
	uint32_t i;

	for (i = 0; i < v->nheads; i++)
		if (memcmp(v->heads[i].author, A.pk, 32) == 0)
			return v->heads[i].seq;
	return 0;
}

/* Our version vector: the claim, or honestly the genesis head. */
static void
my_vector(struct msg_heads *v)
{
	v->nheads = 1;
	if (A.claim > 0) {
		memcpy(v->heads[0].author, A.pk, 32);
		v->heads[0].seq = A.claim;
		memcpy(v->heads[0].id, A.claim_id, 32);
	} else {
		memcpy(v->heads[0].author, A.g.author, 32);
		v->heads[0].seq = 1;
		memcpy(v->heads[0].id, A.g.id, 32);
	}
}

static struct msg *
out_msg(uint64_t type)
{
	memset(A.out, 0, sizeof(*A.out));
	A.out->type = type;
	return A.out;
}

static int
encode(const struct msg *m, size_t *len)
{
	struct codec_err err;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = msg_encode(m, A.sbuf, OVERSIZE, len, &err)) != 0)
		warnx_("cannot encode a %s: %s (field %s)",
		    msg_type_name((uint32_t)m->type), errname(rc), err.field);
	return rc;
}

/* To the target's dealer through our router; retries a full pipe. */
static int
router_send(const void *buf, size_t len)
{
	uint64_t until = mono_ms() + 3000;

	if (!A.have_rid) {
		note("(no connection from the target to send on)");
		return -1;
	}
	for (;;) {
		if (zmq_send(A.router, A.rid, A.ridlen,
		    ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0) {
			if (zmq_send(A.router, buf, len, ZMQ_DONTWAIT) >= 0)
				return 0;
			note("(router send of the body failed: %s)",
			    zmq_strerror(errno));
			return -1;
		}
		if (errno != EAGAIN || mono_ms() > until) {
			note("(router send failed: %s)", zmq_strerror(errno));
			return -1;
		}
		usleep(10000);
	}
}

static int
router_send_msg(const struct msg *m)
{
	size_t len;

	return encode(m, &len) == 0 ? router_send(A.sbuf, len) : -1;
}

/* To the target's router through our dealer (blocking, SNDTIMEO 5 s). */
static int
dealer_send(const void *buf, size_t len)
{
	if (zmq_send(A.dealer, buf, len, 0) < 0) {
		note("(dealer send failed: %s)", zmq_strerror(errno));
		return -1;
	}
	return 0;
}

static int
dealer_send_msg(const struct msg *m)
{
	size_t len;

	return encode(m, &len) == 0 ? dealer_send(A.sbuf, len) : -1;
}

static int
send_hello_dealer(void)
{
	struct msg *m = out_msg(MSG_HELLO);

	memcpy(m->u.hello.fed_id, A.g.fed_id, 32);
	m->u.hello.version = MSG_PROTOCOL_VERSION;
	my_vector(&m->u.hello.v);
	return dealer_send_msg(m);
}

/* A valid WANT of ours; `what` names it in the report of its answer. */
static int
send_want(const uint8_t author[32], uint64_t from, uint64_t count,
    const char *what)
{
	struct msg *m = out_msg(MSG_WANT);

	memcpy(m->u.want.author, author, 32);
	m->u.want.from = from;
	m->u.want.count = count;
	if (dealer_send_msg(m) != 0)
		return -1;
	if (A.nmine < MAX_MINE) {
		memcpy(A.mine[A.nmine].author, author, 32);
		A.mine[A.nmine].from = from;
		A.mine[A.nmine].count = count;
		A.mine[A.nmine].what = what;
		A.nmine++;
	}
	return 0;
}

/* "We do not hold that": answers the target's oldest WANT to us. */
static void
error_reply(void)
{
	struct msg *m = out_msg(MSG_ERROR);

	m->u.error.code = I40_E_NOT_FOUND;
	m->u.error.text.p = (const uint8_t *)"no such events";
	m->u.error.text.len = 14;
	(void)router_send_msg(m);
}

static void
on_zap(void)
{
	int r;

	while ((r = zap_answer(A.zap, A.tcurve, "target")) >= 0) {
		if (r)
			A.zap_admitted++;
		else
			A.zap_refused++;
	}
}

/* A message of the target's dealer to our router. */
static void
router_one(const zmq_msg_t *rid, zmq_msg_t *body)
{
	struct msg *m = A.m;
	struct msg *r;
	uint64_t s;

	if (zmq_msg_size(rid) <= sizeof(A.rid) && (!A.have_rid ||
	    zmq_msg_size(rid) != A.ridlen ||
	    memcmp(zmq_msg_data((zmq_msg_t *)rid), A.rid, A.ridlen) != 0)) {
		if (A.have_rid)
			A.rid_changes++;
		A.ridlen = zmq_msg_size(rid);
		memcpy(A.rid, zmq_msg_data((zmq_msg_t *)rid), A.ridlen);
		A.have_rid = 1;
		A.held = 0;	/* WANTs of the old connection */
		A.ndq = 0;
	}
	if (msg_decode(zmq_msg_data(body), zmq_msg_size(body), m, NULL) != 0) {
		violation("the target sent an undecodable message (%zu bytes)",
		    zmq_msg_size(body));
		return;
	}
	switch (m->type) {
	case MSG_HELLO:
		A.target_hellos++;
		if ((s = vec_mine(&m->u.hello.v)) > 0)
			violation("the target's HELLO holds our author at seq "
			    "%" PRIu64, s);
		r = out_msg(MSG_HELLO);
		memcpy(r->u.hello.fed_id, A.g.fed_id, 32);
		r->u.hello.version = MSG_PROTOCOL_VERSION;
		my_vector(&r->u.hello.v);
		(void)router_send_msg(r);
		break;
	case MSG_WANT:
		A.target_wants++;
		if (getenv("RAWPEER_TRACE") != NULL)
			note("trace: the target WANTs [%s, %" PRIu64 ", %" PRIu64
			    "]", memcmp(m->u.want.author, A.pk, 32) == 0 ?
			    "ours" : "other", m->u.want.from, m->u.want.count);
		if (m->u.want.count > A.want_max_count)
			A.want_max_count = m->u.want.count;
		if (m->u.want.count > MSG_MAX_EVENTS)
			violation("the target asked for %" PRIu64 " events",
			    m->u.want.count);
		if (m->u.want.from == 1 &&
		    memcmp(m->u.want.author, A.pk, 32) == 0) {
			A.hw = m->u.want;
			A.held = 1;
			A.held_at = mono_ms();
		} else if (A.ndq < MAX_DQ) {
			A.dq[A.ndq++] = mono_ms() + ERROR_DELAY_MS;
		}
		break;
	case MSG_NOTIFY:
		A.target_notifies++;
		if ((s = vec_mine(&m->u.notify)) > 0)
			violation("the target announces our author at seq %"
			    PRIu64 ": it stored an event of ours", s);
		break;
	case MSG_ERROR:
		A.router_errors++;
		A.router_error_code = m->u.error.code;
		break;
	default:
		break;
	}
}

static void
on_router(void)
{
	zmq_msg_t rid, body, x;
	int more, budget;

	for (budget = 0; budget < 256; budget++) {
		zmq_msg_init(&rid);
		if (zmq_msg_recv(&rid, A.router, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rid);
			return;
		}
		zmq_msg_init(&body);
		if (zmq_msg_more(&rid) && zmq_msg_recv(&body, A.router, 0) >= 0) {
			for (more = zmq_msg_more(&body); more;) {
				zmq_msg_init(&x);
				more = zmq_msg_recv(&x, A.router, 0) >= 0 &&
				    zmq_msg_more(&x);
				zmq_msg_close(&x);
			}
			router_one(&rid, &body);
		}
		zmq_msg_close(&rid);
		zmq_msg_close(&body);
	}
}

/* The answer to our oldest WANT: check it lies in what we asked for. */
static void
check_answer(const struct msg *m)
{
	struct ev_signed e;
	struct mine w;
	uint32_t i;

	if (A.nmine == 0) {
		A.unexpected_replies++;
		violation("the target sent %s that answers no valid WANT of "
		    "ours", m->type == MSG_EVENTS ? "EVENTS" : "ERROR");
		return;
	}
	w = A.mine[0];
	memmove(&A.mine[0], &A.mine[1], (A.nmine - 1) * sizeof(A.mine[0]));
	A.nmine--;
	if (m->type == MSG_ERROR) {
		A.error_replies++;
		note("answer to WANT %s: ERROR %s", w.what,
		    errname((int)m->u.error.code));
		return;
	}
	A.event_replies++;
	for (i = 0; i < m->u.events.nev; i++) {
		if (ev_decode(m->u.events.ev[i].p, m->u.events.ev[i].len,
		    A.g.fed_id, &e, NULL, NULL) != 0) {
			violation("the target served an invalid event");
			continue;
		}
		if (memcmp(e.h.author, w.author, 32) != 0 ||
		    e.h.seq < w.from || e.h.seq - w.from >= w.count)
			violation("WANT %s: served seq %" PRIu64 " outside "
			    "[%" PRIu64 ", +%" PRIu64 ")", w.what, e.h.seq,
			    w.from, w.count);
		if (memcmp(e.h.author, A.pk, 32) == 0)
			violation("the target serves an event of our author "
			    "(seq %" PRIu64 ")", e.h.seq);
		if (A.capture && A.nreplay < MAX_REPLAY &&
		    (A.replay[A.nreplay] = malloc(m->u.events.ev[i].len)) !=
		    NULL) {
			memcpy(A.replay[A.nreplay], m->u.events.ev[i].p,
			    m->u.events.ev[i].len);
			A.replay_len[A.nreplay++] = m->u.events.ev[i].len;
		}
	}
	note("answer to WANT %s: EVENTS, %u event(s), all within the range",
	    w.what, m->u.events.nev);
}

static void
on_dealer(void)
{
	int n, budget;
	uint64_t s;

	for (budget = 0; budget < 256; budget++) {
		if ((n = zmq_recv(A.dealer, A.rbuf, OVERSIZE,
		    ZMQ_DONTWAIT)) < 0)
			return;
		if ((size_t)n > OVERSIZE ||
		    msg_decode(A.rbuf, (size_t)n, A.m, NULL) != 0) {
			violation("the target answered with an undecodable "
			    "message (%d bytes)", n);
			continue;
		}
		switch (A.m->type) {
		case MSG_HELLO:
			A.hello_replies++;
			if ((s = vec_mine(&A.m->u.hello.v)) > 0)
				violation("the target's HELLO holds our "
				    "author at seq %" PRIu64, s);
			break;
		case MSG_ERROR:
			if (A.m->u.error.code == I40_E_FED_ID ||
			    A.m->u.error.code == I40_E_VERSION) {
				/* The answer to a HELLO, not to a WANT. */
				A.hello_errors++;
				A.hello_error_code = A.m->u.error.code;
				break;
			}
			check_answer(A.m);
			break;
		case MSG_EVENTS:
			check_answer(A.m);
			break;
		default:
			A.unexpected_replies++;
			note("the target's router sent a %s",
			    msg_type_name((uint32_t)A.m->type));
			break;
		}
	}
}

static void
on_rmon(void)
{
	uint32_t val;
	unsigned ev;

	while ((ev = monitor_read(A.rmon, &val)) != 0)
		if (ev == ZMQ_EVENT_ACCEPTED)
			A.accepted++;
}

static void
on_dmon(void)
{
	uint32_t val;
	unsigned ev;

	while ((ev = monitor_read(A.dmon, &val)) != 0) {
		switch (ev) {
		case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
			A.dealer_up = 1;
			A.connects++;
			A.nmine = 0;
			break;
		case ZMQ_EVENT_DISCONNECTED:
			if (A.dealer_up)
				A.disconnects++;
			A.dealer_up = 0;
			A.nmine = 0;
			break;
		case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
		case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
		case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
			note("dealer: %s (%u)", event_name(ev), val);
			break;
		default:
			break;
		}
	}
}

static long
until(uint64_t t, uint64_t now, long wait)
{
	if (t == 0)
		return wait;
	if (t <= now)
		return 0;
	return (long)(t - now) < wait ? (long)(t - now) : wait;
}

/*
 * Serve every socket for ms milliseconds (once at least).  WANTs we do
 * not keep for a step get an ERROR after ERROR_DELAY_MS, and, because
 * the target then lowers what it thinks we hold, the claim is asserted
 * again right after.
 */
static void
pump(uint64_t ms)
{
	zmq_pollitem_t it[5];
	uint64_t now, end = mono_ms() + ms;
	size_t i, k;
	long wait;

	do {
		now = mono_ms();
		wait = now < end ? (long)(end - now) : 0;
		for (i = 0; i < A.ndq; i++)
			wait = until(A.dq[i], now, wait);
		wait = until(A.rehello_at, now, wait);
		it[0].socket = A.router;
		it[1].socket = A.zap;
		it[2].socket = A.dealer;
		it[3].socket = A.dmon;
		it[4].socket = A.rmon;
		for (i = 0; i < 5; i++) {
			it[i].fd = 0;
			it[i].events = ZMQ_POLLIN;
			it[i].revents = 0;
		}
		if (zmq_poll(it, 5, wait) < 0 && errno != EINTR)
			return;
		on_zap();
		on_dmon();
		on_rmon();
		on_router();
		on_dealer();
		now = mono_ms();
		for (i = k = 0; i < A.ndq; i++) {
			if (A.dq[i] <= now) {
				error_reply();
				if (A.claim > 0)
					A.rehello_at = now + 100;
			} else {
				A.dq[k++] = A.dq[i];
			}
		}
		A.ndq = k;
		if (A.rehello_at != 0 && A.rehello_at <= now) {
			A.rehello_at = 0;
			if (A.claim > 0 && A.dealer_up)
				(void)send_hello_dealer();
		}
	} while (mono_ms() < end);
}

typedef int (*cond_fn)(void);

static int
wait_until(cond_fn f, uint64_t timeout_ms)
{
	uint64_t end = mono_ms() + timeout_ms;

	while (!f()) {
		if (mono_ms() >= end)
			return -1;
		pump(50);
	}
	return 0;
}

static int c_dealer_up(void) { return A.dealer_up; }
static int c_dealer_down(void) { return !A.dealer_up; }
static int c_have_rid(void) { return A.have_rid; }
static int c_no_mine(void) { return A.nmine == 0; }

/*
 * A fresh WANT [our author, 1, CLAIM] of the target, held for a step.  A
 * WANT for another count (after the flood) is refused with an ERROR and
 * the claim made again.
 */
static int
get_want(void)
{
	uint64_t end = mono_ms() + 30000;

	while (!(A.held && A.hw.count == CLAIM &&
	    mono_ms() - A.held_at < WANT_FRESH_MS)) {
		if (mono_ms() > end) {
			note("no WANT [our author, 1, %d] from the target in "
			    "30 s: step skipped", CLAIM);
			A.incomplete++;
			return -1;
		}
		if (A.held && A.hw.count != CLAIM) {
			error_reply();
			A.held = 0;
			A.rehello_at = mono_ms() + 100;
		}
		pump(50);
	}
	return 0;
}

/* Keep drop lines apart: i40d logs one per peer per 5 s. */
static void
pace(void)
{
	uint64_t now = mono_ms();

	if (A.last_logged != 0 && now - A.last_logged < A.o->gap_ms)
		pump(A.last_logged + A.o->gap_ms - now);
	A.last_logged = mono_ms();
}

/* Answer the held WANT with exactly as many event bins as it asked. */
static int
answer(const struct codec_bytes *ev, uint32_t nev)
{
	struct msg *m = out_msg(MSG_EVENTS);
	uint32_t i;

	if (!A.held || A.hw.count != nev) {
		note("(bug: no WANT of %u events held)", nev);
		A.incomplete++;
		return -1;
	}
	for (i = 0; i < nev; i++)
		m->u.events.ev[i] = ev[i];
	m->u.events.nev = nev;
	note("answering the target's WANT [our author, %" PRIu64 ", %" PRIu64
	    "] with %u event(s)", A.hw.from, A.hw.count, nev);
	A.held = 0;
	return router_send_msg(m);
}

static void
random_bytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)sample_u64(&A.rng);
}

/*
 * A module_publish event by our author at seq after prev, of federation
 * fed, signed by signer (NULL: our own key, so that only the property
 * under test is wrong).  Its module code starts with "EVIL-".
 */
static int
craft(const uint8_t fed[32], uint64_t seq, const uint8_t prev[32],
    const struct key_secret *signer, uint8_t *out, size_t cap, size_t *len,
    uint8_t id[32])
{
	static uint8_t body[EV_MAX_BYTES];
	char arena[SAMPLE_ARENA], code[40];
	struct body_ctx ctx;
	struct ev_header h;
	struct body *b;
	size_t blen;
	int rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	ctx.fed_id = fed;
	ctx.author = A.pk;
	if ((rc = sample_body(&A.other, 0, BODY_MODULE_PUBLISH, &A.rng, b,
	    arena)) == 0) {
		snprintf(code, sizeof(code), "EVIL-%" PRIu64 "-%" PRIu64, seq,
		    sample_below(&A.rng, 1000000));
		b->u.module.code.p = (const uint8_t *)code;
		b->u.module.code.len = strlen(code);
		rc = body_encode(b, &ctx, body, sizeof(body), &blen, NULL);
	}
	free(b);
	if (rc != 0) {
		warnx_("cannot make a body: %s", errname(rc));
		return rc;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.fed_id, fed, 32);
	memcpy(h.author, A.pk, 32);
	h.seq = seq;
	memcpy(h.prev, prev, 32);
	h.time_ms = wall_ms();
	h.type = BODY_MODULE_PUBLISH;
	rc = ev_sign(&h, body, blen, signer != NULL ? signer : A.key, out, cap,
	    len, id);
	if (rc != 0)
		warnx_("cannot sign an event: %s", errname(rc));
	return rc;
}

#define EVCAP 8192
static uint8_t evbuf[CLAIM][EVCAP];
static struct codec_bytes evs[CLAIM];

/*
 * A chain of CLAIM events of our author, seqs first.., each prev the id
 * of the one before (the first's prev is prev0), of federation fed, each
 * signed by signers[i] (NULL: our key), into evs[].
 */
static int
chain(const uint8_t fed[32], uint64_t first, const uint8_t prev0[32],
    struct key_secret *const signers[CLAIM])
{
	uint8_t prev[32], id[32];
	size_t i;

	memcpy(prev, prev0, 32);
	for (i = 0; i < CLAIM; i++) {
		if (craft(fed, first + i, prev, signers[i], evbuf[i], EVCAP,
		    &evs[i].len, id) != 0) {
			A.incomplete++;
			return -1;
		}
		evs[i].p = evbuf[i];
		memcpy(prev, id, 32);
	}
	return 0;
}

static const uint8_t zero32[32];

/* ---- the steps ---- */

static struct wbuf
wbuf_on(uint8_t *b, size_t cap)
{
	struct wbuf w = { b, 0, cap };

	return w;
}

/* Any answer of the target to our WANTs since `before`? */
static uint64_t
answers(void)
{
	return A.event_replies + A.error_replies + A.unexpected_replies;
}

static void
st_not_msgpack(void)
{
	uint8_t b[48];

	pace();
	step("malformed bytes, not msgpack (0xc1 and 47 random bytes), via the "
	    "dealer");
	b[0] = 0xc1;
	random_bytes(b + 1, sizeof(b) - 1);
	(void)dealer_send(b, sizeof(b));
	pump(300);
}

static void
st_huge_wants(void)
{
	uint8_t stranger[32];

	step("WANTs for huge ranges (count 512; from 2^64-6, whose end "
	    "wraps; from 2^63; from 2^64-1; an unknown author), via the "
	    "dealer");
	pump(200);
	A.nmine = 0;
	random_bytes(stranger, sizeof(stranger));
	(void)send_want(A.tpk, 1, MSG_MAX_EVENTS, "[target, 1, 512]");
	(void)send_want(A.tpk, UINT64_MAX - 5, MSG_MAX_EVENTS,
	    "[target, 2^64-6, 512]");
	(void)send_want(A.tpk, UINT64_C(1) << 63, MSG_MAX_EVENTS,
	    "[target, 2^63, 512]");
	(void)send_want(A.g.author, UINT64_MAX, 1,
	    "[genesis author, 2^64-1, 1]");
	(void)send_want(stranger, 1, MSG_MAX_EVENTS,
	    "[unknown author, 1, 512]");
	if (wait_until(c_no_mine, 5000) != 0) {
		note("%zu WANT(s) unanswered after 5 s", A.nmine);
		A.nmine = 0;
	}
}

/* Send raw bytes that must be refused: no answer may come. */
static void
refused_want(const uint8_t *b, size_t len, const char *what)
{
	uint64_t before;

	pump(200);
	A.nmine = 0;
	before = answers();
	(void)dealer_send(b, len);
	pump(1000);
	if (answers() != before)
		violation("the target answered %s", what);
	else
		note("no answer to %s (refused)", what);
}

static void
st_noncanonical(void)
{
	uint8_t b[64];
	struct wbuf w = wbuf_on(b, sizeof(b));

	pace();
	step("non-canonical msgpack: WANT [2, target, 1, cc 01] (count 1 as "
	    "a uint8), via the dealer");
	mp_array(&w, 4);
	mp_uint(&w, MSG_WANT);
	mp_bin(&w, A.tpk, 32);
	mp_uint(&w, 1);
	put_byte(&w, 0xcc);
	put_byte(&w, 0x01);
	refused_want(b, w.len, "a non-canonical WANT");
}

static void
st_want_count(void)
{
	uint8_t b[64];
	struct wbuf w = wbuf_on(b, sizeof(b));

	pace();
	step("WANT [2, target, 1, 2^32-1]: count out of bounds, via the "
	    "dealer");
	mp_array(&w, 4);
	mp_uint(&w, MSG_WANT);
	mp_bin(&w, A.tpk, 32);
	mp_uint(&w, 1);
	mp_uint(&w, UINT32_MAX);
	refused_want(b, w.len, "a WANT of 2^32-1 events");
}

static void
st_unknown_type(void)
{
	static const uint8_t seven[] = { 0x91, 0x07 };
	static const uint8_t big[] = { 0x92, 0xcd, 0x12, 0x34, 0xc0 };

	pace();
	step("unknown message types [7] and [0x1234, nil], via the dealer");
	(void)dealer_send(seven, sizeof(seven));
	(void)dealer_send(big, sizeof(big));
	pump(300);
}

static void
st_append(void)
{
	struct ev_signed e;
	struct msg *m;
	uint8_t id[32];
	size_t len;

	pace();
	step("a control message on the sync socket: APPEND [16, module_publish,"
	    " body] (\"sign this for me\"), via the dealer");
	if (craft(A.g.fed_id, 1, zero32, NULL, evbuf[0], EVCAP, &len,
	    id) != 0 || ev_decode(evbuf[0], len, A.g.fed_id, &e, NULL,
	    NULL) != 0) {
		A.incomplete++;
		return;
	}
	m = out_msg(MSG_APPEND);
	m->u.append.type = BODY_MODULE_PUBLISH;
	m->u.append.body = e.body;
	(void)dealer_send_msg(m);
	pump(300);
}

/*
 * Our HELLO of type `what` refused: exactly one ERROR with code `want` on
 * the socket it went out on (counter *n, last code *code), and no HELLO.
 */
static void
expect_hello_error(const char *what, const uint64_t *n, const int64_t *code,
    uint64_t n0, uint64_t h0, int want)
{
	pump(1000);
	if (A.hello_replies != h0)
		violation("the target answered %s with a HELLO", what);
	else if (*n == n0)
		violation("the target did not answer %s with ERROR", what);
	else if (*n - n0 > 1 || *code != want)
		violation("the target answered %s with %" PRIu64 " ERROR(s), "
		    "the last %s, not one %s", what, *n - n0,
		    i40_errname((int)*code) ? i40_errname((int)*code) : "?",
		    i40_errname(want));
	else
		note("refused with one ERROR %s", i40_errname(want));
}

static void
st_wrong_fed_hello(void)
{
	struct msg *m;
	uint64_t h0, n0;

	pace();
	step("HELLO of a wrong federation, via the dealer");
	pump(200);
	h0 = A.hello_replies;
	n0 = A.hello_errors;
	m = out_msg(MSG_HELLO);
	memcpy(m->u.hello.fed_id, A.other.fed_id, 32);
	m->u.hello.version = MSG_PROTOCOL_VERSION;
	my_vector(&m->u.hello.v);
	(void)dealer_send_msg(m);
	expect_hello_error("a HELLO of another federation", &A.hello_errors,
	    &A.hello_error_code, n0, h0, I40_E_FED_ID);

	pace();
	step("HELLO of protocol version 2, via the dealer");
	h0 = A.hello_replies;
	n0 = A.hello_errors;
	m = out_msg(MSG_HELLO);
	memcpy(m->u.hello.fed_id, A.g.fed_id, 32);
	m->u.hello.version = MSG_PROTOCOL_VERSION + 1;
	my_vector(&m->u.hello.v);
	(void)dealer_send_msg(m);
	expect_hello_error("a HELLO of protocol version 2", &A.hello_errors,
	    &A.hello_error_code, n0, h0, I40_E_VERSION);

	/* The target's dealer takes a HELLO at any time, as an answer. */
	pace();
	step("HELLO of a wrong federation, via the router");
	h0 = A.hello_replies;
	n0 = A.router_errors;
	m = out_msg(MSG_HELLO);
	memcpy(m->u.hello.fed_id, A.other.fed_id, 32);
	m->u.hello.version = MSG_PROTOCOL_VERSION;
	my_vector(&m->u.hello.v);
	if (router_send_msg(m) != 0) {
		A.incomplete++;
		return;
	}
	expect_hello_error("our router's HELLO of another federation",
	    &A.router_errors, &A.router_error_code, n0, h0, I40_E_FED_ID);
}

/* A message over ZMQ_MAXMSGSIZE: an EVENTS header, then zeros. */
static void
oversize_fill(void)
{
	memset(A.sbuf, 0, OVERSIZE);
	A.sbuf[0] = 0x92;
	A.sbuf[1] = 0x03;
	A.sbuf[2] = 0x91;
	A.sbuf[3] = 0xc6;
	A.sbuf[4] = (uint8_t)((OVERSIZE - 8) >> 24);
	A.sbuf[5] = (uint8_t)((OVERSIZE - 8) >> 16);
	A.sbuf[6] = (uint8_t)((OVERSIZE - 8) >> 8);
	A.sbuf[7] = (uint8_t)(OVERSIZE - 8);
}

/*
 * To the target's router.  libzmq drops such a connection without a word
 * to the application, so i40d cannot log it: we observe the disconnect
 * on our side, and that the target speaks to us again after we redial.
 */
static void
st_oversize_dealer(void)
{
	uint64_t d0 = A.disconnects, h0;

	step("oversized message (%d bytes > %d), via the dealer: libzmq on "
	    "the target drops the connection (silently, i40d cannot log it)",
	    OVERSIZE, MSG_MAX_BYTES);
	oversize_fill();
	(void)dealer_send(A.sbuf, OVERSIZE);
	(void)wait_until(c_dealer_down, 5000);
	if (A.disconnects == d0)
		violation("the target kept a connection that sent a message "
		    "over ZMQ_MAXMSGSIZE");
	else
		note("the target disconnected our dealer");
	if (wait_until(c_dealer_up, 15000) != 0) {
		note("our dealer did not reconnect in 15 s");
		A.incomplete++;
		return;
	}
	h0 = A.hello_replies;
	(void)send_hello_dealer();
	pump(1000);
	note("reconnected; the target %s our next HELLO",
	    A.hello_replies > h0 ? "answers" : "does NOT answer");
	if (A.hello_replies == h0)
		A.incomplete++;
}

/*
 * To the target's dealer.  libzmq 4.3.4 counts an oversized message as a
 * protocol error, and a connecting session ends on a protocol error
 * instead of reconnecting (session_base_t::engine_error): unless i40d
 * re-creates its dealer (it does, after 2 s without a handshake; 5 s more
 * when that fails), it never dials us again.  Reported as a FINDING if it does not (the sender
 * only cuts its own link, so not a violation).  Run last for that reason.
 */
static void
st_oversize_router(void)
{
	uint64_t c0 = A.rid_changes, a0 = A.accepted, end;

	step("oversized message (%d bytes), via our router to the target's "
	    "dealer: it should drop the link and dial us again", OVERSIZE);
	oversize_fill();
	if (router_send(A.sbuf, OVERSIZE) != 0) {
		A.incomplete++;
		return;
	}
	end = mono_ms() + 15000;
	while (A.rid_changes == c0 && mono_ms() < end)
		pump(50);
	if (A.rid_changes > c0)
		note("the target's dealer reconnected (new routing id) after "
		    "%.1f s", (double)(mono_ms() + 15000 - end) / 1000.0);
	else
		note("FINDING: the target's dealer did not dial us again in "
		    "15 s (%" PRIu64 " TCP connection(s) accepted since; its "
		    "RECONNECT_IVL is 250 ms)", A.accepted - a0);
}

static int
cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void
st_flood(void)
{
	struct msg *m;
	uint64_t w0, start = mono_ms();
	unsigned long i, sent = 0;
	uint32_t k, nh;

	/* No WANT outstanding, and no claim: only the flood's own. */
	if (get_want() == 0) {
		error_reply();
		A.held = 0;
	}
	A.claim = 0;
	pump(300);
	w0 = A.target_wants;
	step("a flood of %lu NOTIFYs claiming seqs 1,000,000+ for our author "
	    "(every 100th also with 255 random authors), via the dealer",
	    A.o->flood);
	for (i = 0; i < A.o->flood; i++) {
		m = out_msg(MSG_NOTIFY);
		nh = i % 100 == 99 ? MSG_MAX_HEADS : 1;
		for (k = 0; k < nh; k++) {
			if (k == 0)
				memcpy(m->u.notify.heads[k].author, A.pk, 32);
			else
				random_bytes(m->u.notify.heads[k].author, 32);
			m->u.notify.heads[k].seq = 1000000 + i;
			random_bytes(m->u.notify.heads[k].id, 32);
		}
		qsort(m->u.notify.heads, nh, sizeof(m->u.notify.heads[0]),
		    cmp32);
		m->u.notify.nheads = nh;
		if (dealer_send_msg(m) != 0)
			break;
		sent++;
		if (i % 200 == 0)
			pump(0);
	}
	pump(1000);
	note("sent %lu NOTIFYs in %.1f s; meanwhile the target sent %" PRIu64
	    " WANT(s) for them, the largest count %" PRIu64 " (bound: %d)",
	    sent, (double)(mono_ms() - start) / 1000.0, A.target_wants - w0,
	    A.want_max_count, MSG_MAX_EVENTS);
	if (sent < A.o->flood)
		A.incomplete++;
	A.claim = CLAIM;
}

static void
st_forged_sig(void)
{
	struct key_secret *s[CLAIM] = { NULL, A.stranger, A.stranger,
	    A.stranger };

	if (get_want() != 0 || chain(A.g.fed_id, 1, zero32, s) != 0)
		return;
	pace();
	step("forged signatures: our author's seqs 1-%d, a valid chain, seq 1 "
	    "with one signature bit flipped, the rest signed by a stranger's "
	    "key, via our router", CLAIM);
	evbuf[0][evs[0].len - 7] ^= 0x10;	/* inside the signature */
	(void)answer(evs, CLAIM);
	pump(300);
}

static void
st_wrong_fed_events(void)
{
	struct key_secret *s[CLAIM] = { NULL, NULL, NULL, NULL };

	if (get_want() != 0 || chain(A.other.fed_id, 1, zero32, s) != 0)
		return;
	pace();
	step("events of a wrong federation: our author's seqs 1-%d of another "
	    "federation, signed by our key, via our router", CLAIM);
	(void)answer(evs, CLAIM);
	pump(300);
}

static void
st_wrong_prev(void)
{
	struct key_secret *s[CLAIM] = { NULL, NULL, NULL, NULL };
	uint8_t prev[32];

	random_bytes(prev, sizeof(prev));
	if (get_want() != 0 || chain(A.g.fed_id, 1, prev, s) != 0)
		return;
	pace();
	step("out-of-chain (wrong prev): our author's seqs 1-%d, validly "
	    "signed and chained, but seq 1's prev is not zero, via our router",
	    CLAIM);
	(void)answer(evs, CLAIM);
	pump(300);
}

static void
st_gap(void)
{
	struct key_secret *s[CLAIM] = { NULL, NULL, NULL, NULL };
	uint8_t prev[32];

	random_bytes(prev, sizeof(prev));
	if (get_want() != 0 || chain(A.g.fed_id, 2, prev, s) != 0)
		return;
	pace();
	step("out-of-chain (gap): our author's seqs 2-%d, validly signed and "
	    "chained, the target holding nothing of us, via our router",
	    CLAIM + 1);
	/* The last one (seq CLAIM+1) is beyond [1, CLAIM]: a copy of seq 2. */
	evs[CLAIM - 1] = evs[0];
	(void)answer(evs, CLAIM);
	pump(300);
}

static void
st_replay(void)
{
	struct codec_bytes ev[CLAIM];
	size_t i;

	if (A.nreplay == 0) {
		step("replayed events: SKIPPED, the target served none of its "
		    "own events to replay");
		A.incomplete++;
		return;
	}
	if (get_want() != 0)
		return;
	pace();
	step("replayed events: the target's own events (%zu, repeated to %d) "
	    "sent back as the answer to its WANT for our author, via our "
	    "router", A.nreplay, CLAIM);
	for (i = 0; i < CLAIM; i++) {
		ev[i].p = A.replay[i % A.nreplay];
		ev[i].len = A.replay_len[i % A.nreplay];
	}
	(void)answer(ev, CLAIM);
	pump(300);
}

static void
st_garbage_bins(void)
{
	struct key_secret *s[CLAIM] = { NULL, NULL, NULL, NULL };
	size_t i;

	if (get_want() != 0 || chain(A.g.fed_id, 1, zero32, s) != 0)
		return;
	pace();
	step("garbage bins inside a valid EVENTS message: a lone nil, random "
	    "bytes, a truncated event, an event with a byte appended, via our "
	    "router");
	evbuf[0][0] = 0xc0;
	evs[0].len = 1;
	for (i = 0; i < 64; i++)
		evbuf[1][i] = (uint8_t)sample_u64(&A.rng);
	evs[1].len = 64;
	evs[2].len /= 2;
	evbuf[3][evs[3].len++] = 0x00;
	(void)answer(evs, CLAIM);
	pump(300);
}

static void
st_unsolicited(void)
{
	struct key_secret *s[CLAIM] = { A.stranger, A.stranger, A.stranger,
	    A.stranger };
	struct msg *m;

	if (get_want() != 0 || chain(A.g.fed_id, 1, zero32, s) != 0)
		return;
	/* ERROR: the target now believes we hold nothing, asks nothing. */
	A.claim = 0;
	error_reply();
	A.held = 0;
	pump(500);
	pace();
	step("EVENTS nobody asked for (the target has no WANT out to us), "
	    "with a forged event, via our router");
	if (A.held)
		note("(the target asked again: not unsolicited after all)");
	m = out_msg(MSG_EVENTS);
	m->u.events.ev[0] = evs[0];
	m->u.events.nev = 1;
	(void)router_send_msg(m);
	pump(300);
	A.claim = CLAIM;
	(void)send_hello_dealer();
}

static void
st_events_on_router(void)
{
	struct key_secret *s[CLAIM] = { A.stranger, A.stranger, A.stranger,
	    A.stranger };
	struct msg *m;

	if (chain(A.g.fed_id, 1, zero32, s) != 0)
		return;
	pace();
	step("EVENTS to the target's router, which only a dealer receives, "
	    "with a forged event, via the dealer");
	m = out_msg(MSG_EVENTS);
	m->u.events.ev[0] = evs[0];
	m->u.events.nev = 1;
	(void)dealer_send_msg(m);
	pump(300);
}

/* Fetch the target's own events, to replay them later. */
static void
fetch_replay(void)
{
	step("fetch the target's own events (WANT [target, 1, %d]), to replay "
	    "them later", MSG_MAX_EVENTS);
	A.nmine = 0;
	A.capture = 1;
	(void)send_want(A.tpk, 1, MSG_MAX_EVENTS, "[target, 1, 512]");
	if (wait_until(c_no_mine, 5000) != 0)
		note("no answer in 5 s");
	A.capture = 0;
	note("%zu event(s) kept for the replay", A.nreplay);
}

static void
final_checks(void)
{
	uint64_t h0 = A.hello_replies, e0 = A.event_replies;

	step("final in-band checks: the target still answers, and neither "
	    "announces nor serves any event of our author");
	A.claim = 0;		/* stop luring it */
	pump(200);
	A.nmine = 0;
	if (send_hello_dealer() == 0)
		pump(1500);
	if (A.hello_replies == h0) {
		note("the target does not answer a valid HELLO any more");
		A.incomplete++;
	}
	(void)send_want(A.pk, 1, MSG_MAX_EVENTS, "[our author, 1, 512]");
	if (wait_until(c_no_mine, 5000) != 0) {
		note("no answer to the WANT for our author");
		A.incomplete++;
	}
	if (A.event_replies != e0)
		violation("the target serves events of our author");
}

static int
attack_setup(const struct opts *o)
{
	int r;

	if (read_genesis(o->genesis, &A.g) != 0 ||
	    load_key(o->key, &A.key) != 0 ||
	    curve_of_hex(o->target_pub, A.tcurve, A.tpk, "--target-pub") != 0)
		return -1;
	key_public(A.key, A.pk);
	if (key_generate(&A.stranger) != 0 ||
	    sample_fed_init(&A.other, 3) != 0) {
		warnx_("cannot make the stranger's key or the other "
		    "federation");
		return -1;
	}
	if ((A.m = calloc(1, sizeof(*A.m))) == NULL ||
	    (A.out = calloc(1, sizeof(*A.out))) == NULL ||
	    (A.sbuf = malloc(OVERSIZE)) == NULL ||
	    (A.rbuf = malloc(OVERSIZE)) == NULL) {
		warnx_("out of memory");
		return -1;
	}
	if ((A.ctx = zmq_ctx_new()) == NULL) {
		warnx_("zmq_ctx_new: %s", zmq_strerror(errno));
		return -1;
	}
	/* The ZAP handler first, then the router (PITFALLS.md). */
	if ((A.zap = zmq_socket(A.ctx, ZMQ_REP)) == NULL ||
	    setint(A.zap, ZMQ_LINGER, 0) != 0 ||
	    zmq_bind(A.zap, ZAP_EP) != 0) {
		warnx_("cannot bind the ZAP handler: %s", zmq_strerror(errno));
		return -1;
	}
	if ((r = link_router_open(A.ctx, o->listen, A.key, &A.router)) != 0) {
		warnx_("cannot bind %s: %s", o->listen, errname(r));
		return -1;
	}
	if ((A.rmon = monitor_open(A.ctx, A.router,
	    "inproc://rawpeer-attack-rmon")) == NULL) {
		warnx_("router monitor: %s", zmq_strerror(errno));
		return -1;
	}
	if ((A.dealer = dealer_open(A.ctx, A.key, A.tcurve, o->target,
	    "inproc://rawpeer-attack-mon", &A.dmon)) == NULL)
		return -1;
	return 0;
}

static void
attack_teardown(void)
{
	size_t i;

	monitor_close(A.dealer, A.dmon);
	if (A.dealer != NULL)
		zmq_close(A.dealer);
	monitor_close(A.router, A.rmon);
	if (A.router != NULL)
		zmq_close(A.router);
	if (A.zap != NULL)
		zmq_close(A.zap);
	if (A.ctx != NULL)
		zmq_ctx_term(A.ctx);
	for (i = 0; i < A.nreplay; i++)
		free(A.replay[i]);
	key_free(A.key);
	key_free(A.stranger);
	sample_fed_free(&A.other);
	free(A.m);
	free(A.out);
	free(A.sbuf);
	free(A.rbuf);
}

static int
attack_connect(void)
{
	A.t0 = mono_ms();
	step("connect: our dealer to the target's router, the target's dealer "
	    "to our router");
	if (wait_until(c_dealer_up, 20000) != 0) {
		warnx_("the target's router did not complete a handshake in "
		    "20 s");
		return -1;
	}
	if (wait_until(c_have_rid, 40000) != 0) {
		warnx_("the target did not dial our router in 40 s");
		return -1;
	}
	(void)send_hello_dealer();
	pump(500);
	if (A.hello_replies == 0) {
		warnx_("the target does not answer our HELLO");
		return -1;
	}
	note("both links up; the target answers HELLO");
	return 0;
}

static int
cmd_attack(const struct opts *o)
{
	char hex[65];
	uint64_t seed, end;
	int rc = EX_SETUP;

	if (o->key == NULL || o->listen == NULL || o->target_pub == NULL ||
	    o->target == NULL || o->genesis == NULL)
		die_usage("attack: --key, --listen, --target-pub, --target and "
		    "--genesis are required");
	memset(&A, 0, sizeof(A));
	A.o = o;
	seed = o->have_seed ? o->seed : sample_env_seed();
	sample_seed(&A.rng, seed);
	printf("# seed %" PRIu64 " (--seed %" PRIu64 " repeats the crafted "
	    "bytes)\n", seed, seed);
	if (attack_setup(o) != 0)
		goto out;
	to_hex(A.pk, 32, hex);
	printf("# attacker: member key %s, router on %s, dialling %s\n", hex,
	    o->listen, o->target);
	A.t0 = mono_ms();
	if (o->go != NULL) {
		printf("# waiting for %s\n", o->go);
		end = mono_ms() + 600000;
		while (access(o->go, F_OK) != 0) {
			if (mono_ms() > end) {
				warnx_("%s did not appear in 600 s", o->go);
				goto out;
			}
			pump(100);
		}
	}
	if (attack_connect() != 0)
		goto out;
	fetch_replay();
	random_bytes(A.claim_id, sizeof(A.claim_id));
	A.claim = CLAIM;
	step("claim %d events of our author in a HELLO, so that the target "
	    "asks our router for them", CLAIM);
	(void)send_hello_dealer();
	pump(500);

	st_not_msgpack();
	st_huge_wants();
	st_noncanonical();
	st_oversize_dealer();
	st_unknown_type();
	st_append();
	st_wrong_fed_hello();
	st_want_count();
	st_flood();
	st_forged_sig();
	st_wrong_fed_events();
	st_wrong_prev();
	st_gap();
	st_replay();
	st_garbage_bins();
	st_unsolicited();
	st_events_on_router();
	st_oversize_router();
	pump(1000);
	final_checks();

	printf("# result: %d violation(s), %d step(s) incomplete, %.1f s\n",
	    A.violations, A.incomplete, (double)(mono_ms() - A.t0) / 1000.0);
	printf("# result: the target sent %" PRIu64 " HELLO(s), %" PRIu64
	    " WANT(s) (largest count %" PRIu64 "), %" PRIu64 " NOTIFY(s) to "
	    "our router\n", A.target_hellos, A.target_wants,
	    A.want_max_count, A.target_notifies);
	printf("# result: our dealer: %" PRIu64 " handshake(s), %" PRIu64
	    " disconnect(s); our router: %" PRIu64 " TCP connection(s) "
	    "accepted, the target's dealer reconnected %" PRIu64 " time(s); "
	    "ZAP: %" PRIu64 " admitted, %" PRIu64 " refused (other nodes)\n",
	    A.connects, A.disconnects, A.accepted, A.rid_changes,
	    A.zap_admitted, A.zap_refused);
	printf("# result: %s\n", A.violations ? "the target MISBEHAVED" :
	    A.incomplete ? "attack incomplete" : "attack complete, the "
	    "target behaved");
	rc = A.violations ? EX_FAIL : A.incomplete ? EX_SETUP : EX_OK;
out:
	attack_teardown();
	return rc;
}

/* ------------------------------------------------------------------ */

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "random-key", no_argument, NULL, 'R' },
		{ "plain", no_argument, NULL, 'P' },
		{ "server-pub", required_argument, NULL, 's' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "genesis", required_argument, NULL, 'g' },
		{ "wait", required_argument, NULL, 'w' },
		{ "with-handler", no_argument, NULL, 'H' },
		{ "listen", required_argument, NULL, 'l' },
		{ "target-pub", required_argument, NULL, 'p' },
		{ "target", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 'S' },
		{ "gap", required_argument, NULL, 'G' },
		{ "flood", required_argument, NULL, 'F' },
		{ "go", required_argument, NULL, 'o' },
		{ "other-fed", no_argument, NULL, 'O' },
		{ "version", required_argument, NULL, 'V' },
		{ "expect-error", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o;
	char *end;
	int c;

	memset(&o, 0, sizeof(o));
	o.wait_s = 3;
	o.version = MSG_PROTOCOL_VERSION;
	o.gap_ms = DEFAULT_GAP_MS;
	o.flood = DEFAULT_FLOOD;
	if (argc < 2)
		die_usage("no subcommand");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, stdout);
		return EX_OK;
	}
	o.cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o.key = optarg; break;
		case 'R': o.random_key = 1; break;
		case 'P': o.plain = 1; break;
		case 's': o.server_pub = optarg; break;
		case 'e': o.endpoint = optarg; break;
		case 'g': o.genesis = optarg; break;
		case 'H': o.with_handler = 1; break;
		case 'l': o.listen = optarg; break;
		case 'p': o.target_pub = optarg; break;
		case 't': o.target = optarg; break;
		case 'o': o.go = optarg; break;
		case 'O': o.other_fed = 1; break;
		case 'E': o.expect_error = optarg; break;
		case 'V':
			errno = 0;
			o.version = strtoull(optarg, &end, 0);
			if (*end != '\0' || errno != 0 || o.version < 1 ||
			    o.version > 0xffffffffu)
				die_usage("--version: \"%s\" is not 1..2^32-1",
				    optarg);
			break;
		case 'w':
			o.wait_s = strtod(optarg, &end);
			if (*end != '\0' || !(o.wait_s > 0 && o.wait_s < 3600))
				die_usage("--wait: \"%s\" is not 0..3600 "
				    "seconds", optarg);
			break;
		case 'S':
			errno = 0;
			o.seed = strtoull(optarg, &end, 0);
			if (*end != '\0' || errno != 0)
				die_usage("--seed: \"%s\" is not a number",
				    optarg);
			o.have_seed = 1;
			break;
		case 'G':
			errno = 0;
			o.gap_ms = strtoull(optarg, &end, 0);
			if (*end != '\0' || errno != 0 || o.gap_ms > 60000)
				die_usage("--gap: \"%s\" is not 0..60000 ms",
				    optarg);
			break;
		case 'F':
			errno = 0;
			o.flood = strtoul(optarg, &end, 0);
			if (*end != '\0' || errno != 0 || o.flood > 10000000)
				die_usage("--flood: \"%s\" is not a count",
				    optarg);
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EX_OK;
		default:
			die_usage("bad option");
		}
	}
	if (optind != argc)
		die_usage("unexpected argument \"%s\"", argv[optind]);
	log_init("rawpeer", LOG_LVL_WARN);
	if (key_init() != 0) {
		warnx_("libsodium cannot start");
		return EX_SETUP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(o.cmd, "hello") == 0)
		return cmd_hello(&o);
	if (strcmp(o.cmd, "nozap") == 0)
		return cmd_nozap(&o);
	if (strcmp(o.cmd, "attack") == 0)
		return cmd_attack(&o);
	die_usage("unknown subcommand \"%s\"", o.cmd);
}
