/*
 * forkpeer.c: a member that forks, for the integration tests of forks
 * (tests/integration/1[0-3]_*.t).
 *
 *   forkpeer fork --key FILE --victim FILE --target-pub HEX --target EP
 *           --genesis FILE --datadir DIR --seq S [--variants N]
 *       A key thief.  Reads the victim's event at seq S from the data
 *       directory DIR (read-only), signs N (default 1) other events at
 *       seq S with the victim's key (same prev, a module_publish each),
 *       and sends each pair to the target's router as FORK, over a CURVE
 *       session with the member key FILE.  Exit 0 when all were sent.
 *
 *   forkpeer equivocate --key FILE --listen EP --genesis FILE
 *           --seconds N
 *       A member (key FILE) whose node signs seq 1, then a seq 2 whose
 *       prev names nothing, then the right seq 2.  It binds a router at
 *       EP (its endpoint in the membership), answers HELLO with its head
 *       and WANT with its events: the first peer that asks gets the wrong
 *       seq 2, the others the right one.  After N seconds it prints, for
 *       each peer, "# wants: peer I: T in all, at most R in one second"
 *       and exits 0.
 *
 * Exit status 2 is a usage error, 4 a setup or runtime error.
 */
#include <errno.h>
#include <getopt.h>
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
#include "protocol/event.h"
#include "protocol/keys.h"
#include "protocol/msg.h"
#include "store/keyfile.h"
#include "store/store.h"
#include "tests/lib/sample.h"

#define EX_USAGE 2
#define EX_SETUP 4
#define MAX_PEERS 8

static void
die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3),
    noreturn));

static void
die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "forkpeer: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct key_secret *
key_of(const char *path)
{
	struct key_secret *k;
	int rc;

	if (path == NULL)
		die(EX_USAGE, "a key file is required");
	if ((rc = keyfile_read(path, &k)) != 0)
		die(EX_SETUP, "%s: %s", path, i40_strerror(rc));
	return k;
}

/* The genesis's fed_id, and (pk not NULL) that member's transport key. */
static void
genesis_of(const char *path, uint8_t fed_id[32], const uint8_t *pk,
    uint8_t transport[32])
{
	static uint8_t buf[EV_MAX_BYTES + 1];
	static struct body b;
	struct ev_signed e;
	size_t len;
	uint32_t i;
	FILE *f;

	if (path == NULL || (f = fopen(path, "rb")) == NULL)
		die(EX_SETUP, "cannot read the genesis %s", path ? path : "-");
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (ev_decode(buf, len, NULL, &e, &b, NULL) != 0 ||
	    b.type != BODY_GENESIS)
		die(EX_SETUP, "%s is not a genesis event", path);
	memcpy(fed_id, e.h.fed_id, 32);
	if (pk == NULL)
		return;
	for (i = 0; i < b.u.charter.nmembers; i++)
		if (memcmp(b.u.charter.members[i].key, pk, 32) == 0) {
			memcpy(transport, b.u.charter.members[i].transport, 32);
			return;
		}
	die(EX_USAGE, "--target-pub: no founding member of %s", path);
}

/* Sign a module_publish (code CODE) as author k at seq after prev. */
static size_t
forge(const uint8_t fed_id[32], const struct key_secret *k, uint64_t seq,
    const uint8_t prev[32], const char *code, uint64_t seed, uint8_t *out,
    uint8_t id[32])
{
	static struct sample_fed none;
	static struct body b;
	static uint8_t body[EV_MAX_BYTES];
	char arena[SAMPLE_ARENA];
	struct sample_rng r;
	struct ev_header h;
	struct body_ctx ctx;
	size_t blen, len;

	memset(&h, 0, sizeof(h));
	memcpy(h.fed_id, fed_id, 32);
	key_public(k, h.author);
	h.seq = seq;
	if (seq > 1)
		memcpy(h.prev, prev, 32);
	h.time_ms = 1795000000000ULL + seed;
	h.type = BODY_MODULE_PUBLISH;
	ctx.fed_id = fed_id;
	ctx.author = h.author;
	sample_seed(&r, seed);
	if (sample_body(&none, 0, BODY_MODULE_PUBLISH, &r, &b, arena) != 0)
		die(EX_SETUP, "sample_body");
	b.u.module.code.p = (const uint8_t *)code;
	b.u.module.code.len = strlen(code);
	if (body_encode(&b, &ctx, body, sizeof(body), &blen, NULL) != 0 ||
	    ev_sign(&h, body, blen, k, out, EV_MAX_BYTES, &len, id) != 0)
		die(EX_SETUP, "cannot sign a forged event");
	return len;
}

static int
setint(void *s, int opt, int v)
{
	return zmq_setsockopt(s, opt, &v, sizeof(v));
}

/* CURVE key pair of k on socket s. */
static void
curve_keys(void *s, const struct key_secret *k)
{
	uint8_t cpk[32], sig[64], *csk;

	if (key_transport_card(k, cpk, sig) != 0 ||
	    (csk = sodium_malloc(32)) == NULL ||
	    key_transport_secret(k, csk) != 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, cpk, 32) != 0 ||
	    zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, csk, 32) != 0)
		die(EX_SETUP, "CURVE keys");
	sodium_free(csk);
}

static void
send_msg(void *s, const void *rid, size_t ridlen, const struct msg *m)
{
	static uint8_t buf[MSG_MAX_BYTES];
	size_t len;

	if (msg_encode(m, buf, sizeof(buf), &len, NULL) != 0)
		die(EX_SETUP, "msg_encode");
	if ((rid != NULL && zmq_send(s, rid, ridlen, ZMQ_SNDMORE) < 0) ||
	    zmq_send(s, buf, len, 0) < 0)
		die(EX_SETUP, "zmq_send: %s", zmq_strerror(errno));
}

static int
cmd_fork(const char *keyf, const char *victimf, const char *target_pub,
    const char *target, const char *genesis, const char *datadir,
    uint64_t seq, unsigned variants)
{
	static uint8_t forged[EV_MAX_BYTES];
	static struct msg m;
	struct key_secret *k = key_of(keyf), *victim = key_of(victimf);
	struct store_event orig;
	struct store_opts ro = { 0 };
	struct store *st;
	struct ev_signed oe;
	uint8_t fed_id[32], vpk[32], tpk[32], tcurve[32], id[32];
	char code[32];
	size_t len, hl;
	unsigned i;
	void *ctx, *d;
	int rc;

	key_public(victim, vpk);
	if (target_pub == NULL || sodium_hex2bin(tpk, 32, target_pub,
	    strlen(target_pub), NULL, &hl, NULL) != 0 || hl != 32)
		die(EX_USAGE, "--target-pub: 64 hex digits of a key");
	genesis_of(genesis, fed_id, tpk, tcurve);
	ro.readonly = 1;
	if (datadir == NULL || (rc = store_open(datadir, &ro, &st)) != 0)
		die(EX_SETUP, "cannot open %s read-only", datadir ? datadir :
		    "-");
	if ((rc = store_get(st, vpk, seq, &orig)) != 0)
		die(EX_SETUP, "the victim's event at seq %llu: %s",
		    (unsigned long long)seq, i40_strerror(rc));
	store_close(st);
	if (ev_decode(orig.bytes, orig.len, fed_id, &oe, NULL, NULL) != 0)
		die(EX_SETUP, "the victim's event does not decode");
	if ((ctx = zmq_ctx_new()) == NULL ||
	    (d = zmq_socket(ctx, ZMQ_DEALER)) == NULL)
		die(EX_SETUP, "zmq");
	if (setint(d, ZMQ_SNDHWM, 100000) != 0 ||
	    setint(d, ZMQ_LINGER, 10000) != 0 ||
	    zmq_setsockopt(d, ZMQ_CURVE_SERVERKEY, tcurve, 32) != 0)
		die(EX_SETUP, "socket options");
	curve_keys(d, k);
	if (zmq_connect(d, target) != 0)
		die(EX_SETUP, "cannot connect to %s", target);
	for (i = 0; i < variants; i++) {
		snprintf(code, sizeof(code), "FORGED-%u", i);
		len = forge(fed_id, victim, seq, oe.h.prev, code, 1000 + i,
		    forged, id);
		memset(&m, 0, sizeof(m));
		m.type = MSG_FORK;
		m.u.fork.a.p = orig.bytes;
		m.u.fork.a.len = orig.len;
		m.u.fork.b.p = forged;
		m.u.fork.b.len = len;
		send_msg(d, NULL, 0, &m);
	}
	printf("# sent %u forks of seq %llu\n", variants,
	    (unsigned long long)seq);
	free(orig.bytes);
	zmq_close(d);
	zmq_ctx_term(ctx);
	key_free(k);
	key_free(victim);
	return 0;
}

/* One peer of the equivocating member, by routing id. */
struct asker {
	uint8_t rid[256];
	size_t len;
	uint64_t total, second, in_second, max;
};

static struct asker askers[MAX_PEERS];
static size_t naskers;

static struct asker *
asker_of(zmq_msg_t *rid)
{
	size_t i;

	for (i = 0; i < naskers; i++)
		if (askers[i].len == zmq_msg_size(rid) &&
		    memcmp(askers[i].rid, zmq_msg_data(rid), askers[i].len) == 0)
			return &askers[i];
	if (naskers == MAX_PEERS || zmq_msg_size(rid) > 256)
		return NULL;
	askers[naskers].len = zmq_msg_size(rid);
	memcpy(askers[naskers].rid, zmq_msg_data(rid), askers[naskers].len);
	return &askers[naskers++];
}

/* Admit any CURVE client (the nodes dial us). */
static void
zap_any(void *z)
{
	zmq_msg_t f[8];
	int nf = 0, more = 1, i;

	while (more && nf < 8) {
		zmq_msg_init(&f[nf]);
		if (zmq_msg_recv(&f[nf], z, nf == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			zmq_msg_close(&f[nf]);
			if (nf == 0)
				return;
			break;
		}
		more = zmq_msg_more(&f[nf]);
		nf++;
	}
	(void)zmq_send(z, "1.0", 3, ZMQ_SNDMORE);
	(void)zmq_send(z, nf >= 2 ? zmq_msg_data(&f[1]) : "",
	    nf >= 2 ? zmq_msg_size(&f[1]) : 0, ZMQ_SNDMORE);
	(void)zmq_send(z, "200", 3, ZMQ_SNDMORE);
	(void)zmq_send(z, "OK", 2, ZMQ_SNDMORE);
	(void)zmq_send(z, "peer", 4, ZMQ_SNDMORE);
	(void)zmq_send(z, "", 0, 0);
	for (i = 0; i < nf; i++)
		zmq_msg_close(&f[i]);
}

static int
cmd_equivocate(const char *keyf, const char *listen, const char *genesis,
    unsigned seconds)
{
	static uint8_t ev1[EV_MAX_BYTES], good[EV_MAX_BYTES], bad[EV_MAX_BYTES];
	static struct msg in, out;
	struct key_secret *k = key_of(keyf);
	uint8_t fed_id[32], me[32], id1[32], idg[32], idb[32], garbage[32];
	size_t l1, lg, lb, i;
	uint64_t end, now;
	zmq_pollitem_t items[2];
	void *ctx, *zap, *r;
	int rc;

	genesis_of(genesis, fed_id, NULL, NULL);
	key_public(k, me);
	l1 = forge(fed_id, k, 1, NULL, "EQ-1", 1, ev1, id1);
	lg = forge(fed_id, k, 2, id1, "EQ-2", 2, good, idg);
	memset(garbage, 0x5a, 32);
	lb = forge(fed_id, k, 2, garbage, "EQ-2X", 3, bad, idb);
	if ((ctx = zmq_ctx_new()) == NULL ||
	    (zap = zmq_socket(ctx, ZMQ_REP)) == NULL ||
	    zmq_bind(zap, "inproc://zeromq.zap.01") != 0)
		die(EX_SETUP, "ZAP handler");
	if ((rc = link_router_open(ctx, listen, k, &r)) != 0)
		die(EX_SETUP, "cannot listen on %s: %s", listen,
		    i40_strerror(rc));
	items[0].socket = zap;
	items[1].socket = r;
	items[0].events = items[1].events = ZMQ_POLLIN;
	end = mono_ms() + 1000ULL * seconds;
	while ((now = mono_ms()) < end) {
		if (zmq_poll(items, 2, 100) < 0)
			break;
		if (items[0].revents & ZMQ_POLLIN)
			zap_any(zap);
		while (items[1].revents & ZMQ_POLLIN) {
			zmq_msg_t rid, body;
			struct asker *a;
			int first;

			zmq_msg_init(&rid);
			zmq_msg_init(&body);
			if (zmq_msg_recv(&rid, r, ZMQ_DONTWAIT) < 0 ||
			    zmq_msg_recv(&body, r, 0) < 0) {
				zmq_msg_close(&rid);
				zmq_msg_close(&body);
				break;
			}
			a = asker_of(&rid);
			first = a == &askers[0];
			if (a != NULL && msg_decode(zmq_msg_data(&body),
			    zmq_msg_size(&body), &in, NULL) == 0) {
				memset(&out, 0, sizeof(out));
				if (in.type == MSG_HELLO) {
					out.type = MSG_HELLO;
					memcpy(out.u.hello.fed_id, fed_id, 32);
					out.u.hello.version = 1;
					out.u.hello.v.nheads = 1;
					memcpy(out.u.hello.v.heads[0].author,
					    me, 32);
					out.u.hello.v.heads[0].seq = 2;
					memcpy(out.u.hello.v.heads[0].id,
					    first ? idb : idg, 32);
					send_msg(r, zmq_msg_data(&rid),
					    zmq_msg_size(&rid), &out);
				} else if (in.type == MSG_WANT) {
					uint64_t s = now / 1000;

					a->total++;
					if (s != a->second) {
						a->second = s;
						a->in_second = 0;
					}
					if (++a->in_second > a->max)
						a->max = a->in_second;
					out.type = MSG_EVENTS;
					if (memcmp(in.u.want.author, me,
					    32) == 0 && in.u.want.from <= 2) {
						if (in.u.want.from == 1) {
							out.u.events.ev[0].p =
							    ev1;
							out.u.events.ev[0].len =
							    l1;
							out.u.events.nev = 1;
						}
						if (in.u.want.from +
						    in.u.want.count > 2) {
							i = out.u.events.nev++;
							out.u.events.ev[i].p =
							    first ? bad : good;
							out.u.events.ev[i].len =
							    first ? lb : lg;
						}
					}
					if (out.u.events.nev == 0) {
						out.type = MSG_ERROR;
						out.u.error.code =
						    I40_E_NOT_FOUND;
						out.u.error.text.p =
						    (const uint8_t *)"none";
						out.u.error.text.len = 4;
					}
					send_msg(r, zmq_msg_data(&rid),
					    zmq_msg_size(&rid), &out);
				}
			}
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			items[1].revents = 0;
			{
				int ev;
				size_t sz = sizeof(ev);

				if (zmq_getsockopt(r, ZMQ_EVENTS, &ev,
				    &sz) == 0 && (ev & ZMQ_POLLIN))
					items[1].revents = ZMQ_POLLIN;
			}
		}
	}
	for (i = 0; i < naskers; i++)
		printf("# wants: peer %zu: %llu in all, at most %llu in one "
		    "second\n", i + 1, (unsigned long long)askers[i].total,
		    (unsigned long long)askers[i].max);
	zmq_close(r);
	zmq_close(zap);
	zmq_ctx_term(ctx);
	key_free(k);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "victim", required_argument, NULL, 'v' },
		{ "target-pub", required_argument, NULL, 'p' },
		{ "target", required_argument, NULL, 't' },
		{ "genesis", required_argument, NULL, 'g' },
		{ "datadir", required_argument, NULL, 'd' },
		{ "seq", required_argument, NULL, 's' },
		{ "variants", required_argument, NULL, 'n' },
		{ "listen", required_argument, NULL, 'l' },
		{ "seconds", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	const char *key = NULL, *victim = NULL, *tpub = NULL, *target = NULL,
	    *genesis = NULL, *datadir = NULL, *listen = NULL;
	unsigned long long seq = 0, variants = 1, seconds = 10;
	int c;

	if (argc < 2)
		die(EX_USAGE, "usage: forkpeer fork|equivocate OPTIONS");
	if (key_init() != 0)
		die(EX_SETUP, "libsodium");
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'v': victim = optarg; break;
		case 'p': tpub = optarg; break;
		case 't': target = optarg; break;
		case 'g': genesis = optarg; break;
		case 'd': datadir = optarg; break;
		case 's': seq = strtoull(optarg, NULL, 10); break;
		case 'n': variants = strtoull(optarg, NULL, 10); break;
		case 'l': listen = optarg; break;
		case 'S': seconds = strtoull(optarg, NULL, 10); break;
		default: die(EX_USAGE, "unknown option");
		}
	}
	if (strcmp(argv[1], "fork") == 0) {
		if (seq == 0 || target == NULL || variants == 0)
			die(EX_USAGE, "fork needs --seq, --target, --variants");
		return cmd_fork(key, victim, tpub, target, genesis, datadir,
		    seq, (unsigned)variants);
	}
	if (strcmp(argv[1], "equivocate") == 0) {
		if (listen == NULL)
			die(EX_USAGE, "equivocate needs --listen");
		return cmd_equivocate(key, listen, genesis,
		    (unsigned)seconds);
	}
	die(EX_USAGE, "unknown command %s", argv[1]);
}
