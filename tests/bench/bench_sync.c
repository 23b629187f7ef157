/*
 * bench_sync.c: replication between real i40d processes on loopback, each
 * figure beside the machine's own limit measured in the same run
 * (DESIGN.md, "Performance is a ratio to the machine's own limit";
 * docs/bench-sync.md):
 *
 *  sync_convergence_p50/p99  a 13-node federation; 200 module_publish
 *                            events APPENDed one at a time at node 1 over
 *                            its control socket; per event, the time from
 *                            just before the APPEND until every node's
 *                            store (opened read-only here) holds it.
 *                            Limit: the median round trip of a ~300-byte
 *                            message between a CURVE DEALER and ROUTER
 *                            over tcp://127.0.0.1 (1000 ping-pongs, half
 *                            before and half after the events).  Goal:
 *                            p99 <= 100 ms.
 *  sync_catchup              node A's store filled (before any daemon
 *                            runs) with 200,000 events of A's log, mostly
 *                            completion_records against a few hundred
 *                            module_publishes; then A's daemon and B's
 *                            (fresh from the genesis) start; events per
 *                            second from B's start until B's store holds
 *                            A's whole log.  Limit: Ed25519 verify on two
 *                            threads (crypto_sign_verify_detached of real
 *                            events), the mean of 0.5 s runs before and
 *                            after.  Goal: ratio >= 0.8.
 *
 * Environment: BUILD (default "build") and I40D (default $BUILD/i40d);
 * BENCH_SYNC_EVENTS (catch-up events, default 200000), BENCH_SYNC_NODES
 * (default 13), BENCH_SYNC_PUBLISH (default 200), BENCH_SYNC_RUN
 * ("convergence", "catchup" or both, the default), BENCH_SYNC_KEEP=1 keeps
 * the directories (with the daemons' logs), TMPDIR (default /tmp).
 *
 * The daemons are forked before this process makes a ZeroMQ context (the
 * context is not fork-safe), log at warn level into DIR/nI/log, and are
 * stopped with SIGTERM and must exit 0.  On any error every daemon is
 * killed, the directories removed, and the exit status is 1; a goal missed
 * is reported ("goal missed") but exits 0.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "protocol/msg.h"
#include "tests/bench/bench_sync.h"

#define REPLY_MS 10000		/* a control reply arrives */
#define CONVERGE_SECS 30	/* one event reaches every node */
#define STALL_SECS 60		/* catch-up makes no progress */
#define RTT_MSG 300
#define RTT_HALF 500
#define RTT_WARM 50
#define BATCH 512		/* store_append batch when filling A */
#define EV_CAP 4096
#define MOD_EVERY 512		/* one module_publish in MOD_EVERY events */
#define NMOD 64			/* completions pick one of the last NMOD */
#define VSET 64			/* events in the raw verify loop */
#define TAG_LEN (sizeof(EV_SIG_TAG) - 1)
#define CONV_GOAL_MS 100.0
#define CATCHUP_GOAL 0.80

/* ---- the control socket ------------------------------------------- */

struct ctl {
	void *sock;
	struct msg *m;
	uint8_t *buf;
	size_t cap;
};

static void
ctl_open(struct ctl *c, void *ctx, size_t i)
{
	char ep[PATH_MAX + 32];
	int linger = 0;

	c->cap = EV_MAX_BYTES + 256;
	if ((c->m = malloc(sizeof(*c->m))) == NULL ||
	    (c->buf = malloc(c->cap)) == NULL)
		fail("out of memory");
	snprintf(ep, sizeof(ep), "ipc://%s/control.sock", F.data[i]);
	if ((c->sock = zmq_socket(ctx, ZMQ_DEALER)) == NULL ||
	    zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_connect(c->sock, ep) != 0)
		fail("control socket %s: %s", ep, zmq_strerror(zmq_errno()));
}

static void
ctl_close(struct ctl *c)
{
	if (c->sock != NULL)
		zmq_close(c->sock);
	free(c->m);
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

/*
 * APPEND one event of type with body; wait for the reply.  0 and *seq
 * when APPENDED, else the daemon's error code.
 */
static int
ctl_append(struct ctl *c, uint32_t type, const uint8_t *body, size_t blen,
    uint64_t *seq)
{
	zmq_pollitem_t it = { c->sock, 0, ZMQ_POLLIN, 0 };
	struct codec_err err;
	size_t len;
	int rc, got;

	c->m->type = MSG_APPEND;
	c->m->u.append.type = type;
	c->m->u.append.body.p = body;
	c->m->u.append.body.len = blen;
	if ((rc = msg_encode(c->m, c->buf, c->cap, &len, &err)) != 0)
		fail("msg_encode(APPEND): %s", i40_strerror(rc));
	if (zmq_send(c->sock, c->buf, len, 0) < 0)
		fail("send APPEND: %s", zmq_strerror(zmq_errno()));
	while ((got = zmq_poll(&it, 1, REPLY_MS)) < 0 && zmq_errno() == EINTR)
		check_interrupt();
	if (got <= 0)
		fail("no reply to APPEND in %d ms", REPLY_MS);
	if ((got = zmq_recv(c->sock, c->buf, c->cap, 0)) < 0)
		fail("recv: %s", zmq_strerror(zmq_errno()));
	if ((size_t)got > c->cap ||
	    (rc = msg_decode(c->buf, (size_t)got, c->m, &err)) != 0)
		fail("undecodable control reply");
	if (c->m->type == MSG_APPENDED) {
		*seq = c->m->u.appended.seq;
		return 0;
	}
	if (c->m->type == MSG_ERROR)
		return c->m->u.error.code != 0 ? (int)c->m->u.error.code : -1;
	fail("unexpected reply %llu to APPEND",
	    (unsigned long long)c->m->type);
}

/* A canonical module_publish body with its own code. */
static size_t
module_body(const char *code, uint8_t *out, size_t cap)
{
	static struct sample_fed none;	/* module bodies use no keys */
	static uint64_t nth;
	struct sample_rng r;
	struct body_ctx bctx = { F.fed_id, F.pk[0] };
	char arena[SAMPLE_ARENA];
	struct body *b;
	size_t len;
	int rc;

	if ((b = malloc(sizeof(*b))) == NULL)
		fail("out of memory");
	sample_seed(&r, 0xc0de + nth++);
	if ((rc = sample_body(&none, 0, BODY_MODULE_PUBLISH, &r, b,
	    arena)) != 0)
		fail("sample_body: %s", i40_strerror(rc));
	b->u.module.code = str_of(code);
	if ((rc = body_encode(b, &bctx, out, cap, &len, NULL)) != 0)
		fail("body_encode(module %s): %s", code, i40_strerror(rc));
	free(b);
	return len;
}

/* ---- the CURVE round trip on loopback ------------------------------ */

struct echo {
	void *router;
	size_t count;
};

static void *
echo_thread(void *arg)
{
	struct echo *e = arg;
	zmq_msg_t rid, body;
	size_t k;

	for (k = 0; k < e->count; k++) {
		zmq_msg_init(&rid);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&rid, e->router, 0) < 0 ||
		    zmq_msg_recv(&body, e->router, 0) < 0 ||
		    zmq_msg_send(&rid, e->router, ZMQ_SNDMORE) < 0 ||
		    zmq_msg_send(&body, e->router, 0) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			break;
		}
		zmq_msg_close(&rid);
		zmq_msg_close(&body);
	}
	return NULL;
}

/*
 * n round trips of a RTT_MSG-byte message between a CURVE DEALER (here)
 * and a CURVE ROUTER echoing on another thread, over tcp://127.0.0.1;
 * each RTT in seconds into out[0..n).
 */
static void
curve_rtt(void *ctx, double *out, size_t n)
{
	char spub[41], ssec[41], cpub[41], csec[41], ep[128];
	uint8_t msg[RTT_MSG], back[RTT_MSG + 16];
	size_t eplen = sizeof(ep), k;
	int one = 1, zero = 0, tmo = REPLY_MS;	/* no hang if one end fails */
	struct echo e;
	pthread_t th;
	void *dealer;
	double t;

	if (zmq_curve_keypair(spub, ssec) != 0 ||
	    zmq_curve_keypair(cpub, csec) != 0)
		fail("zmq_curve_keypair: %s", zmq_strerror(zmq_errno()));
	randombytes_buf(msg, sizeof(msg));
	if ((e.router = zmq_socket(ctx, ZMQ_ROUTER)) == NULL ||
	    zmq_setsockopt(e.router, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
	    zmq_setsockopt(e.router, ZMQ_RCVTIMEO, &tmo, sizeof(tmo)) != 0 ||
	    zmq_setsockopt(e.router, ZMQ_CURVE_SERVER, &one, sizeof(one)) != 0 ||
	    zmq_setsockopt(e.router, ZMQ_CURVE_SECRETKEY, ssec, 40) != 0 ||
	    zmq_bind(e.router, "tcp://127.0.0.1:*") != 0 ||
	    zmq_getsockopt(e.router, ZMQ_LAST_ENDPOINT, ep, &eplen) != 0)
		fail("CURVE router: %s", zmq_strerror(zmq_errno()));
	if ((dealer = zmq_socket(ctx, ZMQ_DEALER)) == NULL ||
	    zmq_setsockopt(dealer, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
	    zmq_setsockopt(dealer, ZMQ_RCVTIMEO, &tmo, sizeof(tmo)) != 0 ||
	    zmq_setsockopt(dealer, ZMQ_CURVE_SERVERKEY, spub, 40) != 0 ||
	    zmq_setsockopt(dealer, ZMQ_CURVE_PUBLICKEY, cpub, 40) != 0 ||
	    zmq_setsockopt(dealer, ZMQ_CURVE_SECRETKEY, csec, 40) != 0 ||
	    zmq_connect(dealer, ep) != 0)
		fail("CURVE dealer: %s", zmq_strerror(zmq_errno()));
	e.count = RTT_WARM + n;
	if (pthread_create(&th, NULL, echo_thread, &e) != 0)
		fail("pthread_create");
	for (k = 0; k < RTT_WARM + n; k++) {
		t = now();
		if (zmq_send(dealer, msg, sizeof(msg), 0) != (int)sizeof(msg) ||
		    zmq_recv(dealer, back, sizeof(back), 0) != (int)sizeof(msg))
			fail("CURVE ping-pong: %s", zmq_strerror(zmq_errno()));
		if (k >= RTT_WARM)
			out[k - RTT_WARM] = now() - t;
	}
	pthread_join(th, NULL);
	zmq_close(dealer);
	zmq_close(e.router);
}

/* ---- 1. convergence ------------------------------------------------ */

/*
 * Poll the stores until every node's head of node 1's log reaches seq;
 * the time (monotonic) at which the last one was seen.
 */
static double
wait_converged(struct store **st, size_t n, uint64_t seq, double t0)
{
	int done[MAXN] = { 0 };
	size_t i, left = n;
	double t;

	for (;;) {
		for (i = 0; i < n; i++)
			if (!done[i] && head_of(st[i], F.pk[0], NULL) >= seq) {
				done[i] = 1;
				left--;
			}
		t = now();
		if (left == 0)
			return t;
		check_interrupt();
		if (t - t0 > CONVERGE_SECS) {
			for (i = 0; i < n; i++)
				if (!done[i])
					printf("# node %zu: head of node 1's "
					    "log at seq %llu, want %llu\n",
					    i + 1, (unsigned long long)head_of(
					    st[i], F.pk[0], NULL),
					    (unsigned long long)seq);
			fail("event seq %llu did not reach every node in %d s",
			    (unsigned long long)seq, CONVERGE_SECS);
		}
		nap(0.0005);
	}
}

static int
bench_convergence(void)
{
	size_t n = env_size("BENCH_SYNC_NODES", 13, 2, MAXN);
	size_t np = env_size("BENCH_SYNC_PUBLISH", 200, 1, 100000);
	struct store *st[MAXN];
	double *lat, *ack, rtt[2 * RTT_HALF], t0, t1, ta, tstart, c0, wall;
	double p50, p99, pmax, a50, a99, r50, rmin, ready;
	uint8_t *body;
	uint64_t seq, want = 0;
	size_t i, k, blen, tries;
	char code[40];
	struct ctl c;
	void *ctx;
	int rc, bad;

	printf("# sync_convergence: %zu nodes on loopback, %zu events "
	    "published at node 1 one at a time, sync_interval 1s\n", n, np);
	fflush(stdout);
	fed_create(n, "sync");
	tstart = now();
	for (i = 0; i < n; i++)
		node_start(i);
	for (i = 0; i < n; i++)
		node_wait_up(i);
	printf("# %zu daemons up in %.2f s (pids %ld..%ld)\n", n,
	    now() - tstart, (long)F.pid[0], (long)F.pid[n - 1]);
	fflush(stdout);

	/* Only now a ZeroMQ context: every fork is done. */
	if ((ctx = zmq_ctx_new()) == NULL)
		fail("zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
	if (!zmq_has("curve"))
		fail("libzmq has no CURVE");
	ctl_open(&c, ctx, 0);
	for (i = 0; i < n; i++)
		st[i] = open_ro(i);
	if ((body = malloc(EV_MAX_BYTES)) == NULL ||
	    (lat = calloc(np, sizeof(*lat))) == NULL ||
	    (ack = calloc(np, sizeof(*ack))) == NULL)
		fail("out of memory");

	/* Warm-up, untimed: node 1 signs once a peer confirmed its head. */
	blen = module_body("BS-WARM", body, EV_MAX_BYTES);
	t0 = now();
	for (tries = 0; (rc = ctl_append(&c, BODY_MODULE_PUBLISH, body, blen,
	    &seq)) == I40_E_NOT_READY; tries++) {
		check_interrupt();
		if (now() - t0 > UP_SECS)
			fail("node 1 still not ready to sign after %d s",
			    UP_SECS);
		nap(0.02);
	}
	if (rc != 0)
		fail("APPEND at node 1: %s", i40_strerror(rc));
	ready = now() - t0;
	t1 = wait_converged(st, n, seq, t0);
	printf("# node 1 signed after %.2f s (%zu refusals: not ready); the "
	    "warm-up event reached all %zu nodes %.1f ms after acceptance\n",
	    ready, tries, n, (t1 - t0 - ready) * 1e3);
	fflush(stdout);
	/* One sync interval more: every link up, every HELLO exchanged. */
	nap(1.2);
	check_interrupt();

	curve_rtt(ctx, rtt, RTT_HALF);
	c0 = self_cpu();
	ta = now();
	for (k = 0; k < np; k++) {
		check_interrupt();
		snprintf(code, sizeof(code), "BS-%zu", k + 1);
		blen = module_body(code, body, EV_MAX_BYTES);
		t0 = now();
		if ((rc = ctl_append(&c, BODY_MODULE_PUBLISH, body, blen,
		    &seq)) != 0)
			fail("APPEND %s at node 1: %s", code, i40_strerror(rc));
		ack[k] = now() - t0;
		if (want != 0 && seq != want)
			fail("APPEND %s: seq %llu, expected %llu", code,
			    (unsigned long long)seq, (unsigned long long)want);
		want = seq + 1;
		t1 = wait_converged(st, n, seq, t0);
		lat[k] = t1 - t0;
		if ((k + 1) % 50 == 0) {
			fprintf(stderr, "bench_sync: converged %zu/%zu\n",
			    k + 1, np);
		}
	}
	wall = now() - ta;
	c0 = self_cpu() - c0;
	curve_rtt(ctx, rtt + RTT_HALF, RTT_HALF);

	r50 = quantile(rtt, 2 * RTT_HALF, 0.5);
	rmin = rtt[0];
	p50 = quantile(lat, np, 0.5);
	p99 = quantile(lat, np, 0.99);
	pmax = lat[np - 1];
	a50 = quantile(ack, np, 0.5);
	a99 = quantile(ack, np, 0.99);
	printf("# CURVE DEALER/ROUTER round trip, %d bytes, tcp://127.0.0.1: "
	    "median %.3f ms, min %.3f ms, p99 %.3f ms (%d trips)\n", RTT_MSG,
	    r50 * 1e3, rmin * 1e3, quantile(rtt, 2 * RTT_HALF, 0.99) * 1e3,
	    2 * RTT_HALF);
	printf("# APPEND acknowledged by node 1 (signed, committed): p50 "
	    "%.2f ms, p99 %.2f ms\n", a50 * 1e3, a99 * 1e3);
	printf("# convergence at all %zu nodes: p50 %.2f ms, p99 %.2f ms, max "
	    "%.2f ms, min %.2f ms; %.1f events/s one at a time\n", n,
	    p50 * 1e3, p99 * 1e3, pmax * 1e3, lat[0] * 1e3,
	    (double)np / wall);
	printf("# the benchmark's own CPU while polling the %zu stores: %.0f%% "
	    "of one core\n", n, 100 * c0 / wall);
	printf("BENCH sync_convergence_p50 %.2f ms limit=%.3f ratio=%.1f\n",
	    p50 * 1e3, r50 * 1e3, p50 / r50);
	printf("BENCH sync_convergence_p99 %.2f ms limit=%.3f ratio=%.1f\n",
	    p99 * 1e3, r50 * 1e3, p99 / r50);
	printf("# goal p99 <= %.0f ms: %s\n", CONV_GOAL_MS,
	    p99 * 1e3 <= CONV_GOAL_MS + 0.005 ? "met" : "goal missed");
	fflush(stdout);

	bad = !roots_agree(st, n);
	if (!bad)
		printf("# log and state roots agree on all %zu nodes\n", n);
	for (i = 0; i < n; i++)
		store_close(st[i]);
	ctl_close(&c);
	zmq_ctx_term(ctx);
	free(body);
	free(lat);
	free(ack);
	if ((rc = stop_all()) != 0) {
		printf("# ERROR: %d daemons did not exit 0 after SIGTERM\n", rc);
		bad = 1;
	} else {
		printf("# all %zu daemons exited 0 after SIGTERM\n", n);
	}
	log_summary();
	fflush(stdout);
	fed_free();
	return bad;
}

/* ---- 2. catch-up --------------------------------------------------- */

/* The raw limit: crypto_sign_verify_detached on two threads. */
static struct {
	uint8_t *msg[VSET];
	size_t len[VSET];
	uint8_t sig[VSET][KEY_SIG_BYTES];
	uint8_t pk[KEY_PK_BYTES];
	size_t n;
	double secs;
	double rate[2], share[2];	/* share: the thread's CPU / wall */
	double us[2];			/* CPU microseconds per verify */
	pthread_barrier_t go;
} V;

static void *
verify_thread(void *arg)
{
	size_t t = (size_t)(uintptr_t)arg, i = t, cnt = 0, k;
	double t0, t1, c0;

	pthread_barrier_wait(&V.go);
	c0 = clk(CLOCK_THREAD_CPUTIME_ID);
	t0 = now();
	do {
		for (k = 0; k < 16; k++, cnt++) {
			if (crypto_sign_verify_detached(V.sig[i], V.msg[i],
			    V.len[i], V.pk) != 0)
				abort();	/* the set was checked */
			i = i + 1 == V.n ? 0 : i + 1;
		}
		t1 = now();
	} while (t1 - t0 < V.secs);
	V.rate[t] = (double)cnt / (t1 - t0);
	c0 = clk(CLOCK_THREAD_CPUTIME_ID) - c0;
	V.share[t] = c0 / (t1 - t0);
	V.us[t] = c0 * 1e6 / (double)cnt;
	return NULL;
}

static double
raw_verify_2(double secs, double *share, double *us)
{
	pthread_t th[2];
	size_t t;

	V.secs = secs;
	if (pthread_barrier_init(&V.go, NULL, 2) != 0)
		fail("pthread_barrier_init");
	for (t = 0; t < 2; t++)
		if (pthread_create(&th[t], NULL, verify_thread,
		    (void *)(uintptr_t)t) != 0)
			fail("pthread_create");
	for (t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&V.go);
	*share = (V.share[0] + V.share[1]) / 2;
	*us = (V.us[0] + V.us[1]) / 2;
	return V.rate[0] + V.rate[1];
}

/*
 * A's log: seq 2..total, signed with A's key, appended to A's store in
 * batches of BATCH; every MOD_EVERY-th a module_publish (the first one
 * too), the rest completion_records against one of the last NMOD
 * modules.  Keeps VSET events for the raw verify loop.  *last is the id of
 * the last event; returns the mean signed size.
 */
static double
fill_a(uint64_t total, uint8_t last[EV_ID_BYTES])
{
	static struct store_item items[BATCH];
	static struct store_outcome out[BATCH];
	struct sample_fed sf;
	struct sample_rng r;
	struct store_opts opts;
	struct store *st;
	uint8_t *arena, *p, prev[EV_ID_BYTES], mods[NMOD][EV_ID_BYTES];
	uint64_t seq = 2, nmod = 0, bytes = 0;
	size_t k, len, j;
	uint32_t type;
	double t0 = now(), tp = t0;
	int rc;

	memset(&sf, 0, sizeof(sf));
	sf.keys[0] = F.k[0];
	memcpy(sf.pk[0], F.pk[0], KEY_PK_BYTES);
	memcpy(sf.fed_id, F.fed_id, EV_FED_ID_BYTES);
	sf.nkeys = 1;
	memcpy(V.pk, F.pk[0], KEY_PK_BYTES);
	memcpy(prev, F.gid, EV_ID_BYTES);
	sample_seed(&r, 0x5c5eed);
	if ((arena = malloc((size_t)BATCH * EV_CAP)) == NULL)
		fail("out of memory");
	memset(&opts, 0, sizeof(opts));
	if ((rc = store_open(F.data[0], &opts, &st)) != 0)
		fail("store_open %s: %s", F.data[0], i40_strerror(rc));
	key_unlock(F.k[0]);
	while (seq <= total) {
		check_interrupt();
		for (k = 0, p = arena; k < BATCH && seq <= total; k++, seq++) {
			type = nmod == 0 || seq % MOD_EVERY == 0 ?
			    BODY_MODULE_PUBLISH : BODY_COMPLETION_RECORD;
			rc = sample_counting_event(&sf, 0, seq, prev, type,
			    mods[sample_below(&r, nmod < NMOD ? nmod : NMOD)],
			    &r, p, EV_CAP, &len, items[k].ev.id);
			if (rc != 0)
				fail("sample_counting_event seq %llu: %s",
				    (unsigned long long)seq, i40_strerror(rc));
			if (type == BODY_MODULE_PUBLISH)
				memcpy(mods[nmod++ % NMOD], items[k].ev.id,
				    EV_ID_BYTES);
			memcpy(prev, items[k].ev.id, EV_ID_BYTES);
			if ((rc = ev_decode(p, len, F.fed_id, &items[k].ev,
			    NULL, NULL)) != 0)
				fail("ev_decode seq %llu: %s",
				    (unsigned long long)seq, i40_strerror(rc));
			memcpy(items[k].key, F.pk[0], KEY_PK_BYTES);
			if (V.n < VSET && type == BODY_COMPLETION_RECORD) {
				j = V.n++;
				V.len[j] = TAG_LEN + items[k].ev.event.len;
				if ((V.msg[j] = malloc(V.len[j])) == NULL)
					fail("out of memory");
				memcpy(V.msg[j], EV_SIG_TAG, TAG_LEN);
				memcpy(V.msg[j] + TAG_LEN,
				    items[k].ev.event.p, items[k].ev.event.len);
				memcpy(V.sig[j], items[k].ev.sig,
				    KEY_SIG_BYTES);
			}
			bytes += len;
			p += len;
		}
		if ((rc = store_append(st, items, k, out)) != 0)
			fail("store_append: %s", i40_strerror(rc));
		for (j = 0; j < k; j++)
			if (out[j].result != STORE_STORED)
				fail("store_append: event seq %llu: result "
				    "%d (%s)", (unsigned long long)
				    items[j].ev.h.seq, out[j].result,
				    i40_strerror(out[j].code));
		if (now() - tp >= 2 || seq > total) {
			tp = now();
			fprintf(stderr, "bench_sync: filled A with %llu/%llu "
			    "events (%.0f/s)\n", (unsigned long long)(seq - 1),
			    (unsigned long long)total, (double)(seq - 2) /
			    (tp - t0));
		}
	}
	key_lock(F.k[0]);
	memcpy(last, prev, EV_ID_BYTES);
	store_close(st);
	free(arena);
	printf("# A filled in %.1f s (not timed): seq 2..%llu, %llu "
	    "module_publish, mean signed event %.0f bytes\n", now() - t0,
	    (unsigned long long)total, (unsigned long long)nmod,
	    (double)bytes / (double)(total - 1));
	for (j = 0; j < V.n; j++)
		if (crypto_sign_verify_detached(V.sig[j], V.msg[j], V.len[j],
		    V.pk) != 0)
			fail("the raw verify set does not verify");
	return (double)bytes / (double)(total - 1);
}

static int
bench_catchup(void)
{
	uint64_t nev = env_size("BENCH_SYNC_EVENTS", 200000, 1, 100000000);
	uint64_t total = nev + 1, have = 1, last_have = 1;
	uint8_t last[EV_ID_BYTES], got[EV_ID_BYTES];
	struct store *st[2];
	double raw1, raw2, raw, t0, t1, tp, tprog, ca0, ca1, cb1, up_a, up_b;
	double rate, ratio, poll_cpu, sh1, sh2, us1, us2, vus, wb1;
	size_t i;
	int rc, bad = 0;

	printf("# sync_catchup: node B fetches %llu events of node A's log; "
	    "%ld cpus online; libsodium %s\n", (unsigned long long)nev,
	    sysconf(_SC_NPROCESSORS_ONLN), sodium_version_string());
	fflush(stdout);
	fed_create(2, "catchup");
	(void)fill_a(total, last);
	raw1 = raw_verify_2(0.5, &sh1, &us1);

	t0 = now();
	node_start(0);
	node_wait_up(0);
	up_a = now() - t0;
	ca0 = proc_cpu(F.pid[0]);
	printf("# A up in %.2f s (pid %ld), %.2f s CPU\n", up_a,
	    (long)F.pid[0], ca0);
	fflush(stdout);

	t0 = now();
	node_start(1);
	printf("# B started (pid %ld)\n", (long)F.pid[1]);
	fflush(stdout);
	st[1] = open_ro(1);
	poll_cpu = self_cpu();
	up_b = -1;
	tp = tprog = t0;
	for (;;) {
		char path[PATH_MAX + 16];
		struct stat sb;

		check_interrupt();
		nap(0.01);
		have = head_of(st[1], F.pk[0], NULL);
		t1 = now();
		if (have >= total)
			break;
		if (up_b < 0) {
			snprintf(path, sizeof(path), "%s/control.sock",
			    F.data[1]);
			if (stat(path, &sb) == 0)
				up_b = t1 - t0;
		}
		for (i = 0; i < 2; i++)
			if (waitpid(F.pid[i], NULL, WNOHANG) == F.pid[i]) {
				F.pid[i] = 0;
				log_tail(i, 10);
				fail("node %c died during the catch-up (B at "
				    "seq %llu)", i == 0 ? 'A' : 'B',
				    (unsigned long long)have);
			}
		if (have != last_have) {
			last_have = have;
			tprog = t1;
		} else if (t1 - tprog > STALL_SECS) {
			log_tail(0, 10);
			log_tail(1, 10);
			fail("catch-up stalled: B at seq %llu of %llu for %d s",
			    (unsigned long long)have,
			    (unsigned long long)total, STALL_SECS);
		}
		if (t1 - tp >= 2) {
			tp = t1;
			fprintf(stderr, "bench_sync: B holds %llu/%llu of A's "
			    "log (%.0f events/s; B %.1f s CPU, A %.1f s)\n",
			    (unsigned long long)have,
			    (unsigned long long)total,
			    (double)(have - 1) / (t1 - t0),
			    proc_cpu(F.pid[1]), proc_cpu(F.pid[0]) - ca0);
		}
	}
	ca1 = proc_cpu(F.pid[0]);
	cb1 = proc_cpu(F.pid[1]);
	wb1 = proc_waited(F.pid[1]);
	poll_cpu = self_cpu() - poll_cpu;
	(void)head_of(st[1], F.pk[0], got);
	store_close(st[1]);
	if (memcmp(got, last, EV_ID_BYTES) != 0) {
		printf("# ERROR: B's head of A's log is not A's last event\n");
		bad = 1;
	}
	if ((rc = stop_all()) != 0) {
		printf("# ERROR: %d daemons did not exit 0 after SIGTERM\n", rc);
		bad = 1;
	} else {
		printf("# both daemons exited 0 after SIGTERM\n");
	}
	for (i = 0; i < 2; i++)
		st[i] = open_ro(i);
	if (roots_agree(st, 2))
		printf("# A's and B's log and state roots agree\n");
	else
		bad = 1;
	for (i = 0; i < 2; i++)
		store_close(st[i]);
	raw2 = raw_verify_2(0.5, &sh2, &us2);
	raw = (raw1 + raw2) / 2;
	rate = (double)nev / (t1 - t0);
	ratio = rate / raw;

	printf("# raw verify on 2 threads: %.0f/s before, %.0f/s after; the "
	    "threads ran %.0f%% and %.0f%% of the time\n", raw1, raw2,
	    100 * sh1, 100 * sh2);
	if (sh1 < 0.9 || sh2 < 0.9)
		printf("# warning: other processes took the CPU while the "
		    "limit was measured: it is low, the ratio high\n");
	printf("# B caught up in %.2f s (its control socket after %.2f s); "
	    "the benchmark polled with %.0f%% of a core\n", t1 - t0, up_b,
	    100 * poll_cpu / (t1 - t0));
	printf("# daemon CPU per event: A (serving) %.1f us, B (fetching, "
	    "verifying, storing) %.1f us; B used %.2f cores, A %.2f\n",
	    (ca1 - ca0) * 1e6 / (double)nev, cb1 * 1e6 / (double)nev,
	    cb1 / (t1 - t0), (ca1 - ca0) / (t1 - t0));
	if (wb1 >= 0)
		printf("# B's threads (main, %ld verifiers, ZeroMQ I/O) were on "
		    "a CPU %.2f s and runnable but waiting for one %.2f s in "
		    "all, over %.2f s\n", sysconf(_SC_NPROCESSORS_ONLN) > 8 ? 8 :
		    sysconf(_SC_NPROCESSORS_ONLN), cb1, wb1, t1 - t0);
	vus = (us1 + us2) / 2;
	printf("# by CPU time: a raw verify costs %.1f us; B spends %.1f us "
	    "per event (%.2f verifies' worth), so on two whole cores B could "
	    "fetch %.0f events/s, %.2f of the raw rate on two whole cores\n",
	    vus, cb1 * 1e6 / (double)nev, cb1 * 1e6 / (double)nev / vus,
	    2 * (double)nev / cb1, vus * (double)nev / (cb1 * 1e6));
	printf("BENCH sync_catchup %.0f events/s limit=%.0f ratio=%.2f\n",
	    rate, raw, ratio);
	printf("# goal ratio >= %.2f: %s\n", CATCHUP_GOAL,
	    ratio >= CATCHUP_GOAL - 0.005 ? "met" : "goal missed");
	log_summary();
	fflush(stdout);
	for (i = 0; i < V.n; i++)
		free(V.msg[i]);
	V.n = 0;
	fed_free();
	return bad;
}

int
main(void)
{
	const char *run = env_str("BENCH_SYNC_RUN", "convergence,catchup");
	static char path[PATH_MAX];
	struct sigaction sa;
	int bad = 0, rc;

	if ((rc = key_init()) != 0) {
		fprintf(stderr, "bench_sync: key_init: %s\n", i40_strerror(rc));
		return 1;
	}
	keep = env_str("BENCH_SYNC_KEEP", "0")[0] == '1';
	if (getenv("I40D") != NULL && *getenv("I40D") != '\0') {
		i40d = getenv("I40D");
	} else {
		snprintf(path, sizeof(path), "%s/i40d",
		    env_str("BUILD", "build"));
		i40d = path;
	}
	if (access(i40d, X_OK) != 0) {
		fprintf(stderr, "bench_sync: no daemon at %s (set I40D or "
		    "BUILD; make build/i40d)\n", i40d);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	printf("# bench_sync: daemon %s; %ld cpus online\n", i40d,
	    sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);
	if (strstr(run, "convergence") != NULL)
		bad |= bench_convergence();
	if (strstr(run, "catchup") != NULL)
		bad |= bench_catchup();
	return bad ? 1 : 0;
}
