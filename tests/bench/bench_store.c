/*
 * bench_store.c: the ledger store's ingest, random reads and size on disk,
 * each beside the machine's own limit measured in the same run (DESIGN.md,
 * "Performance is a ratio to the machine's own limit"):
 *
 *  store_ingest          store_append of pre-decoded, pre-verified events in
 *                        batches of 1000, default durability (fsync per
 *                        batch), derived state included; limit: a bare LMDB
 *                        env, one DB keyed author||seq, the same bytes in
 *                        the same batches, one synced commit per batch;
 *                        the two take turns, a fifth of the events each.
 *  store_ingest_verify   ev_decode + store_keys_in_force + ev_verify on two
 *                        threads (alternate batches, at most DEPTH batches
 *                        ahead), store_append on the main thread; limit:
 *                        crypto_sign_verify_detached on both cores, the
 *                        mean of 0.5 s runs before and between its fifths.
 *  store_random_read     store_get of random (author, seq); limit: a read
 *                        transaction and mdb_get of a random key in the bare
 *                        env (as store_get, one transaction per read).
 *  store_bytes_per_event allocated bytes of the data directory per event;
 *                        limit: 2.5 x the mean encoded event.
 *
 * The events: I40_BENCH_EVENTS (default 1,000,000) events of the 8 founding
 * members of a sample federation, interleaved round-robin, each author's a
 * chain; as in a real ledger, mostly completion_records (7 in 8), each
 * awarded against one of its author's last NMOD module_publishes, so that
 * all of them count in the derived state.  I40_BENCH_PLAIN=1 takes
 * sample_event()'s events instead: half modules with repeating codes, and
 * completions of unknown modules, which the derived state ignores.  They
 * are signed on two threads and decoded once before any timing.
 * Directories are made under $TMPDIR or /tmp (the real disk) and removed at
 * the end.  Exits 0 whether or not the goals are met, 1 on an error.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/stat.h>

#include <lmdb.h>
#include <sodium.h>

#include "protocol/event.h"
#include "store/store.h"
#include "tests/lib/sample.h"

#define NAUTH 8
#define BATCH 1000
#define EV_CAP 2048
#define DEPTH 8			/* batches verified ahead of the append */
#define VSET 4096		/* events in the raw verify loop */
#define NMOD 64			/* completions pick one of the last NMOD modules */
#define TAG_LEN (sizeof(EV_SIG_TAG) - 1)

static struct sample_fed fed;
static size_t N, nbatch;
static const uint8_t **evp;	/* event i: author i % NAUTH */
static uint32_t *evl;
static struct store_item *items;
static uint8_t genesis[EV_MAX_BYTES], genid[EV_ID_BYTES];
static size_t genlen;
static uint8_t *abuf[NAUTH];
static atomic_size_t progress;
static int plain;		/* I40_BENCH_PLAIN=1: sample_event's events */
static char dirs[3][512];	/* bare, store, verify: removed at exit */

static uint64_t walk(const char *path, int rm);

static void __attribute__((noreturn))
fail(const char *what, const char *why)
{
	size_t i;

	fprintf(stderr, "bench_store: %s: %s\n", what, why);
	for (i = 0; i < 3; i++)
		if (dirs[i][0] != '\0')
			(void)walk(dirs[i], 1);
	exit(1);
}

static void __attribute__((noreturn))
die(const char *what, int rc)
{
	fail(what, rc != 0 ? i40_strerror(rc) : "failed");
}

#define MDB(call) do { int rc_ = (call); \
	if (rc_ != 0) fail(#call, mdb_strerror(rc_)); } while (0)

/* Bytes this process has passed to write(2) and kin so far. */
static double
wchar(void)
{
	char line[128];
	double v = 0;
	FILE *f = fopen("/proc/self/io", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "wchar:", 6) == 0)
			v = strtod(line + 6, NULL);
	if (f != NULL)
		fclose(f);
	return v;
}

static double
clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#define now() clk(CLOCK_MONOTONIC)
#define cpu() clk(CLOCK_PROCESS_CPUTIME_ID)	/* all threads */

static uint64_t
seq_of(size_t i)
{
	return i / NAUTH + (i % NAUTH == 0 ? 2 : 1);	/* author 0: genesis */
}

/* A sample event whose derived state counts (tests/lib/sample.h). */
static int
make_event(size_t a, uint64_t seq, const uint8_t prev[EV_ID_BYTES],
    uint32_t type, const uint8_t *module, struct sample_rng *r, uint8_t *out,
    size_t *len, uint8_t id[EV_ID_BYTES])
{
	return sample_counting_event(&fed, a, seq, prev, type, module, r, out,
	    EV_CAP, len, id);
}

/* Sign and decode the chains of the authors a with a % 2 == t. */
static void *
gen_thread(void *arg)
{
	size_t t = (size_t)(uintptr_t)arg, a, i, len, done, nmod;
	struct sample_rng r;
	uint8_t prev[EV_ID_BYTES], id[EV_ID_BYTES], *p;
	uint8_t mods[NMOD][EV_ID_BYTES];	/* the author's latest modules */
	uint32_t type;
	int rc;

	for (a = t; a < NAUTH; a += 2) {
		sample_seed(&r, 0x570e + a);
		memset(prev, 0, sizeof(prev));
		if (a == 0)	/* seq 2 follows the genesis */
			memcpy(prev, genid, EV_ID_BYTES);
		p = abuf[a];
		nmod = 0;
		key_unlock(fed.keys[a]);
		for (i = a; i < N; i += NAUTH) {
			type = nmod == 0 || sample_below(&r, plain ? 2 : 8) ==
			    0 ? BODY_MODULE_PUBLISH : BODY_COMPLETION_RECORD;
			rc = plain ? sample_event(&fed, a, seq_of(i), prev,
			    type, &r, p, EV_CAP, &len, id) : make_event(a,
			    seq_of(i), prev, type, mods[sample_below(&r,
			    nmod < NMOD ? nmod : NMOD)], &r, p, &len, id);
			if (rc != 0)
				die("make_event", rc);
			if (type == BODY_MODULE_PUBLISH)
				memcpy(mods[nmod++ % NMOD], id, EV_ID_BYTES);
			if ((rc = ev_decode(p, len, fed.fed_id, &items[i].ev,
			    NULL, NULL)) != 0)
				die("ev_decode", rc);
			memcpy(items[i].key, fed.pk[a], KEY_PK_BYTES);
			evp[i] = p;
			evl[i] = (uint32_t)len;
			memcpy(prev, id, EV_ID_BYTES);
			p += len;
			done = atomic_fetch_add(&progress, 1) + 1;
			if (done % 100000 == 0)
				fprintf(stderr, "bench_store: signed %zu/%zu\n",
				    done, N);
		}
		key_lock(fed.keys[a]);
	}
	return NULL;
}

/* Run fn(0) and fn(1) on two threads and wait for both. */
static void
run2(void *(*fn)(void *))
{
	pthread_t th[2];
	size_t t;

	for (t = 0; t < 2; t++)
		if (pthread_create(&th[t], NULL, fn, (void *)(uintptr_t)t) != 0)
			die("pthread_create", 0);
	for (t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
}

static void
generate(void)
{
	struct sample_rng r;
	uint8_t zero[EV_ID_BYTES] = { 0 };
	size_t a;
	int rc;

	if ((rc = sample_fed_init(&fed, NAUTH)) != 0)
		die("sample_fed_init", rc);
	sample_seed(&r, 1);
	if ((rc = sample_event(&fed, 0, 1, zero, BODY_GENESIS, &r, genesis,
	    sizeof(genesis), &genlen, genid)) != 0)
		die("sample_event(genesis)", rc);
	evp = calloc(N, sizeof(*evp));
	evl = calloc(N, sizeof(*evl));
	items = calloc(N, sizeof(*items));
	if (evp == NULL || evl == NULL || items == NULL)
		die("calloc", I40_E_NOMEM);
	for (a = 0; a < NAUTH; a++)
		if ((abuf[a] = malloc((N / NAUTH + 1) * EV_CAP)) == NULL)
			die("malloc", I40_E_NOMEM);
	atomic_store(&progress, 0);
	run2(gen_thread);
}

/* Allocated bytes (du) under path; with rm, remove it too. */
static uint64_t
walk(const char *path, int rm)
{
	char sub[1024];
	struct dirent *d;
	struct stat sb;
	uint64_t n;
	DIR *dp;

	if (lstat(path, &sb) != 0)
		return 0;
	n = (uint64_t)sb.st_blocks * 512;
	if (S_ISDIR(sb.st_mode) && (dp = opendir(path)) != NULL) {
		while ((d = readdir(dp)) != NULL)
			if (strcmp(d->d_name, ".") != 0 &&
			    strcmp(d->d_name, "..") != 0) {
				snprintf(sub, sizeof(sub), "%s/%s", path,
				    d->d_name);
				n += walk(sub, rm);
			}
		closedir(dp);
	}
	if (rm)
		(void)remove(path);
	return n;
}

/* The bare env's key of event i: author || big-endian seq. */
static void
bare_key(uint8_t kb[40], size_t i)
{
	uint64_t seq = seq_of(i);
	size_t j;

	memcpy(kb, fed.pk[i % NAUTH], 32);
	for (j = 0; j < 8; j++)
		kb[32 + j] = (uint8_t)(seq >> (56 - 8 * j));
}

/* (b) The bare LMDB append: the same bytes, batches and syncs. */
static MDB_env *
bare_open(const char *dir, MDB_dbi *dbi)
{
	MDB_env *env;
	MDB_txn *txn;

	MDB(mdb_env_create(&env));
	MDB(mdb_env_set_mapsize(env, (size_t)N * 4096 + ((size_t)1 << 30)));
	MDB(mdb_env_open(env, dir, 0, 0600));
	MDB(mdb_txn_begin(env, NULL, 0, &txn));
	MDB(mdb_dbi_open(txn, NULL, 0, dbi));
	MDB(mdb_txn_commit(txn));
	return env;
}

static void
bare_batch(MDB_env *env, MDB_dbi dbi, size_t b)
{
	uint8_t kb[40];
	MDB_val k = { sizeof(kb), kb }, v;
	MDB_txn *txn;
	size_t i;

	MDB(mdb_txn_begin(env, NULL, 0, &txn));
	for (i = b * BATCH; i < N && i < (b + 1) * BATCH; i++) {
		bare_key(kb, i);
		v.mv_size = evl[i];
		v.mv_data = (void *)evp[i];
		MDB(mdb_put(txn, dbi, &k, &v, 0));
	}
	MDB(mdb_txn_commit(txn));
}

static void
append_batch(struct store *st, size_t b)
{
	static struct store_outcome out[BATCH];
	size_t i, n = b + 1 == nbatch ? N - b * BATCH : BATCH;
	int rc;

	if ((rc = store_append(st, items + b * BATCH, n, out)) != 0)
		die("store_append", rc);
	for (i = 0; i < n; i++)
		if (out[i].result != STORE_STORED) {
			fprintf(stderr, "bench_store: event %zu (author %zu "
			    "seq %llu): result %d\n", b * BATCH + i,
			    (b * BATCH + i) % NAUTH,
			    (unsigned long long)seq_of(b * BATCH + i),
			    out[i].result);
			die("store_append outcome", out[i].code);
		}
	if (((b + 1) * BATCH) % 100000 == 0)
		fprintf(stderr, "bench_store: stored %zu/%zu\n", (b + 1) * BATCH,
		    N);
}

static struct store *
new_store(const char *dir, size_t map_initial)
{
	struct store_opts opts;
	struct codec_err err;
	struct store *st;
	int rc;

	if ((rc = store_create(dir, genesis, genlen, &err)) != 0)
		die("store_create", rc);
	memset(&opts, 0, sizeof(opts));
	opts.map_initial = map_initial;
	if ((rc = store_open(dir, &opts, &st)) != 0)
		die("store_open", rc);
	return st;
}

/*
 * (a) store_append of the pre-decoded, pre-verified events, and (b) beside
 * it.  The run is cut into SEGMENTS, each appended to the bare environment
 * and then to the store, so that both meet the same disk and the same
 * neighbours on a shared machine: the ratio compares like with like.
 */
#define SEGMENTS 5

static double
store_ingest(const char *dstore, const char *dbare, MDB_env **benv,
    MDB_dbi *bdbi, double *bare)
{
	struct store *st = new_store(dstore, 0);
	struct store_stats s;
	size_t b, seg, end;
	double c, w, t, ts = 0, tb = 0, cs = 0, ws = 0, wb = 0;

	*benv = bare_open(dbare, bdbi);
	for (seg = 0, b = 0; seg < SEGMENTS; seg++) {
		end = nbatch * (seg + 1) / SEGMENTS;
		w = wchar();
		t = now();
		for (size_t i = b; i < end; i++)
			bare_batch(*benv, *bdbi, i);
		tb += now() - t;
		wb += wchar() - w;
		c = cpu();
		w = wchar();
		t = now();
		for (; b < end; b++)
			append_batch(st, b);
		ts += now() - t;
		cs += cpu() - c;
		ws += wchar() - w;
	}
	*bare = (double)N / tb;
	printf("# bare LMDB append: %.0f events/s, %.0f bytes written per "
	    "event\n", *bare, wb / (double)N);
	if (store_stats(st, &s) == 0)
		printf("# store: %llu events stored, map grew to %llu MiB; per "
		    "event %.1f us CPU, %.1f us wall, %.0f bytes written\n",
		    (unsigned long long)s.events,
		    (unsigned long long)(s.map_size >> 20),
		    cs * 1e6 / (double)N, ts * 1e6 / (double)N,
		    ws / (double)N);
	store_close(st);
	return (double)N / ts;
}

/* (c) The verifying ingest: two verifier threads, the append on main. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t appended;
	size_t limit;		/* verify no batch from here on (segments) */
	unsigned char *ready;
	struct store *st;
} V = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, NULL,
	NULL };

static double raw_verify_2(double secs);

static void *
verify_thread(void *arg)
{
	size_t b, i, end, t = (size_t)(uintptr_t)arg;
	struct store_item *it;
	struct body *body;	/* each verifier's own: not one malloc an event */
	int rc;

	if ((body = malloc(sizeof(*body))) == NULL)
		die("malloc", I40_E_NOMEM);

	for (b = t; b < nbatch; b += 2) {
		pthread_mutex_lock(&V.mu);
		while (b >= V.appended + DEPTH || b >= V.limit)
			pthread_cond_wait(&V.cv, &V.mu);
		pthread_mutex_unlock(&V.mu);
		end = (b + 1) * BATCH < N ? (b + 1) * BATCH : N;
		for (i = b * BATCH; i < end; i++)
			if ((rc = ev_decode(evp[i], evl[i], fed.fed_id,
			    &items[i].ev, body, NULL)) != 0)
				die("ev_decode", rc);
		if ((rc = store_keys_in_force(V.st, &items[b * BATCH],
		    end - b * BATCH)) != 0)
			die("store_keys_in_force", rc);
		for (i = b * BATCH; i < end; i++) {
			it = &items[i];
			if ((rc = ev_verify(&it->ev, it->key)) != 0)
				die("ev_verify", rc);
		}
		pthread_mutex_lock(&V.mu);
		V.ready[b] = 1;
		pthread_cond_broadcast(&V.cv);
		pthread_mutex_unlock(&V.mu);
	}
	free(body);
	return NULL;
}

/*
 * The run is cut into SEGMENTS, with the raw verify rate measured before
 * the first and after each (the verifiers idle meanwhile): the limit is
 * the mean of those, taken over the same minutes as the ingest, so that
 * a machine whose speed drifts (a shared VM) compares like with like.
 */
static double
store_ingest_verify(const char *dir, double *limit)
{
	pthread_t th[2];
	size_t b, t, seg, end;
	double t0, c0, busy = 0, cpus = 0, raw, lo = 0, hi = 0, sum;

	/* The default map, growing as a node's does, under the verifiers. */
	V.st = new_store(dir, 0);
	V.appended = 0;
	V.limit = 0;
	if ((V.ready = calloc(nbatch, 1)) == NULL)
		die("calloc", I40_E_NOMEM);
	memset(items, 0, N * sizeof(*items));
	for (t = 0; t < 2; t++)
		if (pthread_create(&th[t], NULL, verify_thread,
		    (void *)(uintptr_t)t) != 0)
			die("pthread_create", 0);
	sum = lo = hi = raw_verify_2(0.5);
	for (seg = 0, b = 0; seg < SEGMENTS; seg++) {
		end = nbatch * (seg + 1) / SEGMENTS;
		c0 = cpu();
		t0 = now();
		pthread_mutex_lock(&V.mu);
		V.limit = end;
		pthread_cond_broadcast(&V.cv);
		pthread_mutex_unlock(&V.mu);
		for (; b < end; b++) {
			pthread_mutex_lock(&V.mu);
			while (!V.ready[b])
				pthread_cond_wait(&V.cv, &V.mu);
			pthread_mutex_unlock(&V.mu);
			append_batch(V.st, b);
			pthread_mutex_lock(&V.mu);
			V.appended++;
			pthread_cond_broadcast(&V.cv);
			pthread_mutex_unlock(&V.mu);
		}
		busy += now() - t0;
		cpus += cpu() - c0;
		raw = raw_verify_2(0.5);
		sum += raw;
		lo = raw < lo ? raw : lo;
		hi = raw > hi ? raw : hi;
	}
	for (t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	*limit = sum / (SEGMENTS + 1);
	printf("# verifying ingest: %.1f us CPU per event (all threads); raw "
	    "verify on 2 threads between its %d segments: %.0f to %.0f/s\n",
	    cpus * 1e6 / (double)N, SEGMENTS, lo, hi);
	store_close(V.st);
	free(V.ready);
	return (double)N / busy;
}

/* The raw limit of (c): crypto_sign_verify_detached on two threads. */
static uint8_t *vmsg[VSET];
static size_t vmlen[VSET];

static double rawrate[2];
static double raw_secs;

static void *
raw_verify_thread(void *arg)
{
	double t0 = now(), t;
	size_t n = 0, i = 0, k;

	do {
		for (k = 0; k < 64; k++, n++, i = (i + 1) % VSET)
			if (crypto_sign_verify_detached(evp[i] + evl[i] -
			    KEY_SIG_BYTES, vmsg[i], vmlen[i],
			    fed.pk[i % NAUTH]) != 0)
				die("crypto_sign_verify_detached", I40_E_SIG);
		t = now();
	} while (t - t0 < raw_secs);
	rawrate[(uintptr_t)arg] = (double)n / (t - t0);
	return NULL;
}

static double
raw_verify_2(double secs)
{
	double c0 = cpu(), t0 = now(), share;

	raw_secs = secs;
	run2(raw_verify_thread);
	share = (cpu() - c0) / (2 * (now() - t0));
	if (share < 0.95)
		printf("# warning: the two verify threads got %.0f%% of two "
		    "cores; other processes compete, figures may be low\n",
		    100 * share);
	return rawrate[0] + rawrate[1];
}

/* (d) Random reads: store_get against a bare read txn + mdb_get. */
static double
read_store(struct store *st, uint64_t seed, double secs)
{
	struct sample_rng r;
	struct store_event e;
	size_t n = 0, i, k;
	double t0 = now(), t;
	int rc;

	sample_seed(&r, seed);
	do {
		for (k = 0; k < 256; k++, n++) {
			i = sample_below(&r, N);
			if ((rc = store_get(st, fed.pk[i % NAUTH], seq_of(i),
			    &e)) != 0)
				die("store_get", rc);
			if (e.len != evl[i])
				die("store_get: wrong event", 0);
			free(e.bytes);
		}
		t = now();
	} while (t - t0 < secs);
	return (double)n / (t - t0);
}

static double
read_bare(MDB_env *env, MDB_dbi dbi, uint64_t seed, double secs, int one_txn)
{
	struct sample_rng r;
	uint8_t kb[40], *copy;
	MDB_val k = { sizeof(kb), kb }, v;
	MDB_txn *txn = NULL;
	size_t n = 0, i, c;
	double t0 = now(), t;

	sample_seed(&r, seed);
	if (one_txn)
		MDB(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn));
	do {
		for (c = 0; c < 256; c++, n++) {
			i = sample_below(&r, N);
			bare_key(kb, i);
			if (!one_txn)
				MDB(mdb_txn_begin(env, NULL, MDB_RDONLY,
				    &txn));
			MDB(mdb_get(txn, dbi, &k, &v));
			/* the copy store_get hands out */
			if ((copy = malloc(v.mv_size)) == NULL)
				die("malloc", I40_E_NOMEM);
			memcpy(copy, v.mv_data, v.mv_size);
			if (v.mv_size != evl[i])
				die("mdb_get: wrong event", 0);
			free(copy);
			if (!one_txn)
				mdb_txn_abort(txn);
		}
		t = now();
	} while (t - t0 < secs);
	if (one_txn)
		mdb_txn_abort(txn);
	return (double)n / (t - t0);
}

static void
bench_line(const char *name, double v, const char *unit, double limit,
    double goal)
{
	double ratio = v / limit;

	printf("BENCH %s %.0f %s limit=%.0f ratio=%.2f\n", name, v, unit,
	    limit, ratio);
	if (goal > 0)
		printf("# goal ratio>=%.2f: %s\n", goal,
		    ratio >= goal - 0.005 ? "met" : "NOT met");
	fflush(stdout);
}

int
main(void)
{
	static const char *const names[3] = { "bare", "store", "verify" };
	const char *env = getenv("I40_BENCH_EVENTS"), *tmp = getenv("TMPDIR");
	char *dbare = dirs[0], *dstore = dirs[1], *dverify = dirs[2];
	struct store *st;
	struct store_opts opts;
	struct ev_signed e;
	MDB_env *benv;
	MDB_dbi bdbi;
	uint64_t total = 0, bytes, bare_bytes;
	double t0, bare, ing, ver, raw, rs, rb, rb1, best_s = 0;
	double best_b = 0, mean;
	size_t i, round;
	int rc;

	N = env != NULL && *env != '\0' ? strtoull(env, NULL, 10) : 1000000;
	plain = (env = getenv("I40_BENCH_PLAIN")) != NULL && *env == '1';
	if (N < BATCH)
		N = BATCH;
	nbatch = (N + BATCH - 1) / BATCH;
	printf("# bench_store: %zu %s events of %d authors in batches of %d; "
	    "%ld cpus online; LMDB %s; libsodium %s\n", N, plain ? "plain "
	    "sample" : "derived-state", NAUTH, BATCH,
	    sysconf(_SC_NPROCESSORS_ONLN), mdb_version(NULL, NULL, NULL),
	    sodium_version_string());
	fflush(stdout);
	t0 = now();
	generate();
	for (i = 0; i < N; i++)
		total += evl[i];
	mean = (double)total / (double)N;
	printf("# generated and decoded in %.1f s (not timed); mean signed "
	    "event %.0f bytes\n", now() - t0, mean);
	for (i = 0; i < VSET && i < N; i++) {
		if ((rc = ev_decode(evp[i], evl[i], fed.fed_id, &e, NULL,
		    NULL)) != 0)
			die("ev_decode", rc);
		if ((vmsg[i] = malloc(TAG_LEN + e.event.len)) == NULL)
			die("malloc", I40_E_NOMEM);
		memcpy(vmsg[i], EV_SIG_TAG, TAG_LEN);
		memcpy(vmsg[i] + TAG_LEN, e.event.p, e.event.len);
		vmlen[i] = TAG_LEN + e.event.len;
	}

	for (i = 0; i < 3; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "%s/i40-bench-%s-XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", names[i]);
		if (mkdtemp(dirs[i]) == NULL)
			fail("mkdtemp", dirs[i]);
	}
	printf("# directories %s, %s, %s\n", dbare, dstore, dverify);
	fflush(stdout);
	ing = store_ingest(dstore, dbare, &benv, &bdbi, &bare);
	bench_line("store_ingest", ing, "events/s", bare, 0.20);

	ver = store_ingest_verify(dverify, &raw);
	bench_line("store_ingest_verify", ver, "events/s", raw, 0.85);
	(void)walk(dverify, 1);
	dverify[0] = '\0';

	memset(&opts, 0, sizeof(opts));
	if ((rc = store_open(dstore, &opts, &st)) != 0)
		die("store_open", rc);
	/* Interleaved rounds, the same keys for both; best round each. */
	for (round = 0; round < 5; round++) {
		rs = read_store(st, round + 1, 0.4);
		rb = read_bare(benv, bdbi, round + 1, 0.4, 0);
		best_s = rs > best_s ? rs : best_s;
		best_b = rb > best_b ? rb : best_b;
	}
	rb1 = read_bare(benv, bdbi, 99, 0.4, 1);
	printf("# bare mdb_get in one long read txn: %.0f reads/s (store_get "
	    "ratio to it %.2f)\n", rb1, best_s / rb1);
	bench_line("store_random_read", best_s, "reads/s", best_b, 0);
	store_close(st);
	mdb_env_close(benv);

	bytes = walk(dstore, 0);
	bare_bytes = walk(dbare, 0);
	printf("# data directory %llu bytes, bare LMDB %llu bytes (%.0f per "
	    "event, ratio %.2f)\n", (unsigned long long)bytes,
	    (unsigned long long)bare_bytes, (double)bare_bytes / (double)N,
	    (double)bare_bytes / (double)N / mean);
	printf("BENCH store_bytes_per_event %.0f bytes limit=%.0f "
	    "ratio=%.2f\n", (double)bytes / (double)N, mean * 2.5,
	    (double)bytes / (double)N / mean);
	printf("# goal ratio<=2.5: %s\n", (double)bytes / (double)N / mean <=
	    2.505 ? "met" : "NOT met");
	(void)walk(dstore, 1);
	(void)walk(dbare, 1);
	sample_fed_free(&fed);
	return 0;	/* the event buffers go with the process */
}
