/*
 * test_store_crash.c: crash safety of store_append (docs/store.md, "Crash
 * guarantees"): a batch is one transaction, durable when store_append()
 * returns 0, and never partly stored.
 *
 * The parent builds a sample federation and a pool of signed, decoded and
 * verified events for three founding members (each author's chain: author
 * 0's seq 1 is the genesis, the others start at seq 1; after a first
 * module_publish, 7 in 8 are completion_records of one of the author's
 * modules, so the derived state has content), then creates a store.
 * Each round forks a child that opens the store itself (LMDB: never use an
 * environment across fork()) and appends random batches, mixing authors,
 * that continue every chain from the store's heads.  Before store_append
 * the child writes a BEGIN record naming the batch's events (a seq range
 * per author) to a pipe, after it returned 0 a DONE record.  The parent
 * kills the child with SIGKILL after a random delay, then (holding no
 * environment while it forks: the store is always closed before the next
 * fork) opens the store and checks: it opens; every DONE batch is fully
 * present, byte for byte; every begun batch is all there or not at all;
 * the heads are exactly those after the last present batch; and
 * store_rebuild() finds the derived state unchanged.
 *
 * I40_TEST_SEED repeats a run (the kill moments still vary with timing);
 * I40_CRASH_ROUNDS sets the number of rounds (default 100).  The store
 * lives under $TMPDIR or /tmp, on the real disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "protocol/event.h"
#include "store/store.h"
#include "tests/lib/sample.h"

#define NAUTH 3			/* authors 0..2, founding members */
#define POOL_SEQ 5000		/* events per author in the pool */
#define EV_CAP 2048		/* room per sample event */
#define MAX_BATCH 1000
#define DEFAULT_ROUNDS 100
#define OPEN_TIMEOUT_MS 10000

/* The pool: author a's event at seq s is item[a][s] (s from 1). */
static struct sample_fed fed;
static uint8_t *pool_bytes;
static struct store_item *item[NAUTH];	/* [POOL_SEQ + 1], 0 unused */
static const uint8_t *evp[NAUTH][POOL_SEQ + 1];
static size_t evlen[NAUTH][POOL_SEQ + 1];
static char dir[256];
static pid_t live_child;	/* killed by teardown if a check failed */

/* Records on the pipe, each written with one write() (< PIPE_BUF). */
enum { REC_OPENED = 1, REC_BEGIN, REC_DONE, REC_EXHAUSTED, REC_ERROR };
struct rec {
	uint32_t kind;
	uint32_t batch;
	uint32_t n;		/* events in the batch */
	int32_t code;		/* REC_ERROR: rc or result */
	uint64_t from[NAUTH];	/* seq range per author; from > to: none */
	uint64_t to[NAUTH];
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
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

static void
build_pool(void)
{
	struct sample_rng r;
	struct codec_err err;
	uint8_t prev[EV_ID_BYTES], id[EV_ID_BYTES], mods[16][EV_ID_BYTES], *p;
	size_t a, s, len, nmod;
	uint32_t type;
	double t0 = now_ms();

	assert_int_equal(sample_fed_init(&fed, NAUTH), 0);
	pool_bytes = malloc((size_t)NAUTH * POOL_SEQ * EV_CAP);
	assert_non_null(pool_bytes);
	p = pool_bytes;
	sample_seed(&r, 0xc7a54);
	for (a = 0; a < NAUTH; a++) {
		item[a] = calloc(POOL_SEQ + 1, sizeof(struct store_item));
		assert_non_null(item[a]);
		memset(prev, 0, sizeof(prev));
		nmod = 0;
		key_unlock(fed.keys[a]);
		for (s = 1; s <= POOL_SEQ; s++) {
			/* Mostly completions, of the author's own modules. */
			type = nmod == 0 || sample_below(&r, 8) == 0 ?
			    BODY_MODULE_PUBLISH : BODY_COMPLETION_RECORD;
			if (a == 0 && s == 1) {
				type = BODY_GENESIS;
				assert_int_equal(sample_event(&fed, 0, 1, prev,
				    type, &r, p, EV_CAP, &len, id), 0);
			} else
				assert_int_equal(make_event(a, s, prev, type,
				    mods[sample_below(&r, nmod < 16 ? nmod :
				    16)], &r, p, &len, id), 0);
			if (type == BODY_MODULE_PUBLISH)
				memcpy(mods[nmod++ % 16], id, EV_ID_BYTES);
			assert_int_equal(ev_decode(p, len, fed.fed_id,
			    &item[a][s].ev, NULL, &err), 0);
			assert_int_equal(ev_verify(&item[a][s].ev, fed.pk[a]),
			    0);
			memcpy(item[a][s].key, fed.pk[a], KEY_PK_BYTES);
			evp[a][s] = p;
			evlen[a][s] = len;
			memcpy(prev, id, EV_ID_BYTES);
			p += len;
		}
		key_lock(fed.keys[a]);
	}
	printf("# pool: %d authors x %d events, %.0f bytes each on average, "
	    "built in %.0f ms\n", NAUTH, POOL_SEQ,
	    (double)(p - pool_bytes) / (NAUTH * POOL_SEQ), now_ms() - t0);
}

static void
create_store(void)
{
	struct codec_err err;
	int rc;

	sample_rm_rf(dir);
	rc = store_create(dir, evp[0][1], evlen[0][1], &err);
	if (rc != 0)
		fail_msg("store_create(%s): %s", dir, i40_strerror(rc));
}

static void
put(int fd, const struct rec *m)
{
	if (write(fd, m, sizeof(*m)) != (ssize_t)sizeof(*m))
		_exit(9);
}

static void __attribute__((noreturn))
child_fail(int fd, int code, uint32_t batch)
{
	struct rec m;

	memset(&m, 0, sizeof(m));
	m.kind = REC_ERROR;
	m.code = code;
	m.batch = batch;
	put(fd, &m);
	_exit(3);
}

/* In the child: open the store, append until killed.  Never returns. */
static void __attribute__((noreturn))
child(int fd, uint64_t seed)
{
	static struct store_item batch[MAX_BATCH];
	static struct store_outcome out[MAX_BATCH];
	struct store_opts opts;
	struct store_head *heads;
	struct store *st;
	struct sample_rng r;
	struct rec m;
	uint64_t next[NAUTH];
	size_t nh, i, a, k, n, live;
	uint32_t b;
	int rc;

	memset(&opts, 0, sizeof(opts));
	/* Merge the lookup indexes every few batches: kills land in merges. */
	opts.tail_min = 500;
	opts.tail_max = 3000;
	if ((rc = store_open(dir, &opts, &st)) != 0)
		child_fail(fd, rc, 0);
	memset(&m, 0, sizeof(m));
	m.kind = REC_OPENED;
	put(fd, &m);
	if ((rc = store_heads(st, &heads, &nh)) != 0)
		child_fail(fd, rc, 0);
	for (a = 0; a < NAUTH; a++) {
		next[a] = 1;
		for (i = 0; i < nh; i++)
			if (memcmp(heads[i].author, fed.pk[a], 32) == 0 &&
			    heads[i].seq > 0) {
				if (heads[i].seq > POOL_SEQ || memcmp(
				    heads[i].id, item[a][heads[i].seq].ev.id,
				    32) != 0)
					child_fail(fd, 1000 + (int)a, 0);
				next[a] = heads[i].seq + 1;
			}
	}
	free(heads);
	sample_seed(&r, seed);
	for (b = 0;; b++) {
		/* Half the batches are small, as live sync's mostly are. */
		k = sample_below(&r, 2) ? 1 + sample_below(&r, MAX_BATCH) :
		    1 + sample_below(&r, 16);
		memset(&m, 0, sizeof(m));
		for (a = 0; a < NAUTH; a++) {
			m.from[a] = next[a];
			m.to[a] = next[a] - 1;
		}
		for (n = 0; n < k; n++) {
			for (live = 0, a = 0; a < NAUTH; a++)
				live += next[a] <= POOL_SEQ;
			if (live == 0)
				break;
			do
				a = sample_below(&r, NAUTH);
			while (next[a] > POOL_SEQ);
			batch[n] = item[a][next[a]];
			m.to[a] = next[a]++;
		}
		if (n == 0) {
			m.kind = REC_EXHAUSTED;
			put(fd, &m);
			for (;;)
				pause();
		}
		m.kind = REC_BEGIN;
		m.batch = b;
		m.n = (uint32_t)n;
		put(fd, &m);
		if ((rc = store_append(st, batch, n, out)) != 0)
			child_fail(fd, rc, b);
		for (i = 0; i < n; i++)
			if (out[i].result != STORE_STORED)
				child_fail(fd, out[i].code != 0 ? out[i].code :
				    (int)out[i].result, b);
		m.kind = REC_DONE;
		put(fd, &m);
	}
}

struct round {
	struct rec *begun;
	size_t nbegun, cap;
	size_t ndone, exhausted, opened;
};

static int
read_rec(int fd, struct round *R, uint64_t round)
{
	struct rec m;
	ssize_t got = read(fd, &m, sizeof(m));

	if (got == 0)
		return 0;
	if (got != (ssize_t)sizeof(m))
		fail_msg("round %llu: short read %zd from the pipe",
		    (unsigned long long)round, got);
	switch (m.kind) {
	case REC_OPENED:
		R->opened = 1;
		break;
	case REC_BEGIN:
		if (R->nbegun == R->cap) {
			R->cap = R->cap ? 2 * R->cap : 64;
			R->begun = realloc(R->begun, R->cap * sizeof(m));
			assert_non_null(R->begun);
		}
		R->begun[R->nbegun++] = m;
		break;
	case REC_DONE:
		if (R->nbegun == 0 || R->begun[R->nbegun - 1].batch != m.batch)
			fail_msg("round %llu: DONE without BEGIN",
			    (unsigned long long)round);
		R->ndone = R->nbegun;
		break;
	case REC_EXHAUSTED:
		R->exhausted = 1;
		break;
	case REC_ERROR:
		fail_msg("round %llu: child failed at batch %u: %s (%d)",
		    (unsigned long long)round, m.batch, m.code < 0 ?
		    i40_strerror(m.code) : "result/head mismatch", m.code);
	default:
		fail_msg("round %llu: bad record kind %u",
		    (unsigned long long)round, m.kind);
	}
	return 1;
}

/* Events of batch m present in st (each compared byte for byte). */
/* e must hold author a's event at seq s, byte for byte; frees it. */
static void
same_bytes(struct store_event *e, size_t a, uint64_t s, uint64_t round,
    const char *how)
{
	if (e->len != evlen[a][s] || memcmp(e->bytes, evp[a][s], e->len) != 0)
		fail_msg("round %llu: author %zu seq %llu: the bytes read %s "
		    "differ", (unsigned long long)round, a,
		    (unsigned long long)s, how);
	free(e->bytes);
}

static size_t
present(struct store *st, const struct rec *m, uint64_t round)
{
	struct store_event e;
	size_t a, n = 0;
	uint64_t s;
	int rc;

	for (a = 0; a < NAUTH; a++)
		for (s = m->from[a]; s <= m->to[a]; s++) {
			rc = store_get(st, fed.pk[a], s, &e);
			if (rc == I40_E_NOT_FOUND)
				continue;
			if (rc != 0)
				fail_msg("round %llu: store_get(%zu, %llu): %s",
				    (unsigned long long)round, a,
				    (unsigned long long)s, i40_strerror(rc));
			same_bytes(&e, a, s, round, "by author and seq");
			/* And by id, through the lookup index or its tail. */
			if ((rc = store_get_id(st, item[a][s].ev.id, &e)) != 0)
				fail_msg("round %llu: store_get_id(%zu, %llu): "
				    "%s", (unsigned long long)round, a,
				    (unsigned long long)s, i40_strerror(rc));
			same_bytes(&e, a, s, round, "by id");
			n++;
		}
	return n;
}

/*
 * Open the store after the kill and check it against what the child said.
 * head[] is the committed head per author before the round; updated.
 */
static void
verify(struct round *R, uint64_t head[NAUTH], uint64_t round,
    size_t *inflight_landed)
{
	struct store_opts opts;
	struct store_head *heads;
	struct store_event e;
	struct store *st;
	size_t i, j, a, n, nh, last = 0;
	uint64_t seq;
	int rc;

	memset(&opts, 0, sizeof(opts));
	if ((rc = store_open(dir, &opts, &st)) != 0)
		fail_msg("round %llu: store_open after SIGKILL: %s",
		    (unsigned long long)round, i40_strerror(rc));
	for (i = 0; i < R->nbegun; i++) {
		n = present(st, &R->begun[i], round);
		if (n != 0 && n != R->begun[i].n)
			fail_msg("round %llu: batch %u is partly stored: %zu of "
			    "%u events (%s)", (unsigned long long)round,
			    R->begun[i].batch, n, R->begun[i].n,
			    i < R->ndone ? "acknowledged" : "in flight");
		if (n == 0 && i < R->ndone)
			fail_msg("round %llu: acknowledged batch %u (%u events) "
			    "is missing", (unsigned long long)round,
			    R->begun[i].batch, R->begun[i].n);
		if (n != 0 && i > last)
			fail_msg("round %llu: batch %u stored after a missing "
			    "one", (unsigned long long)round,
			    R->begun[i].batch);
		if (n != 0) {
			last = i + 1;
			for (a = 0; a < NAUTH; a++)
				if (R->begun[i].to[a] >= R->begun[i].from[a])
					head[a] = R->begun[i].to[a];
		}
	}
	if (last > R->ndone)
		(*inflight_landed)++;
	/* The heads are exactly those after the last stored batch. */
	assert_int_equal(store_heads(st, &heads, &nh), 0);
	for (a = 0; a < NAUTH; a++) {
		for (j = 0; j < nh; j++)
			if (memcmp(heads[j].author, fed.pk[a], 32) == 0)
				break;
		seq = j < nh ? heads[j].seq : 0;
		if (seq != head[a])
			fail_msg("round %llu: author %zu head is %llu, expected "
			    "%llu", (unsigned long long)round, a,
			    (unsigned long long)seq,
			    (unsigned long long)head[a]);
		if (seq > 0 && memcmp(heads[j].id, item[a][seq].ev.id, 32) != 0)
			fail_msg("round %llu: author %zu head id differs",
			    (unsigned long long)round, a);
		if (head[a] < POOL_SEQ) {
			rc = store_get(st, fed.pk[a], head[a] + 1, &e);
			if (rc == 0)
				free(e.bytes);
			if (rc != I40_E_NOT_FOUND)
				fail_msg("round %llu: author %zu seq %llu "
				    "beyond the head: %s", (unsigned long long)
				    round, a, (unsigned long long)head[a] + 1,
				    rc == 0 ? "present" : i40_strerror(rc));
		}
	}
	free(heads);
	if ((rc = store_rebuild(st)) != 0)
		fail_msg("round %llu: store_rebuild: %s",
		    (unsigned long long)round, i40_strerror(rc));
	store_close(st);
}

static void
test_sigkill_rounds(void **state)
{
	struct sample_rng r;
	struct round R;
	struct pollfd pfd;
	const char *env, *tmp;
	uint64_t seed, round, rounds = DEFAULT_ROUNDS, head[NAUTH];
	size_t a, total, batches = 0, acked = 0, events = 0, landed = 0;
	size_t in_open = 0, recreated = 0, exhausted = 0;
	double t0 = now_ms(), deadline, delay;
	int fds[2], status, timeout;
	pid_t pid;

	(void)state;
	if ((env = getenv("I40_CRASH_ROUNDS")) != NULL && *env != '\0')
		rounds = strtoull(env, NULL, 10);
	seed = sample_env_seed();
	printf("# seed %llu (I40_TEST_SEED=%llu repeats it), %llu rounds\n",
	    (unsigned long long)seed, (unsigned long long)seed,
	    (unsigned long long)rounds);
	sample_seed(&r, seed);
	build_pool();
	tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/i40-crash-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	printf("# store in %s\n", dir);
	create_store();
	head[0] = 1;
	head[1] = head[2] = 0;
	memset(&R, 0, sizeof(R));
	signal(SIGPIPE, SIG_IGN);

	for (round = 0; round < rounds; round++) {
		/* Start again from the genesis before the pool runs dry. */
		for (total = 0, a = 0; a < NAUTH; a++)
			total += POOL_SEQ - head[a];
		if (total < POOL_SEQ) {
			create_store();
			head[0] = 1;
			head[1] = head[2] = 0;
			recreated++;
		}
		R.nbegun = R.ndone = R.exhausted = R.opened = 0;
		assert_int_equal(pipe(fds), 0);
		fflush(NULL);
		/* No environment is open in this process here. */
		if ((pid = fork()) < 0)
			fail_msg("fork: %s", strerror(errno));
		if (pid == 0) {
			close(fds[0]);
			child(fds[1], sample_u64(&r));
		}
		live_child = pid;
		close(fds[1]);
		(void)sample_u64(&r);	/* the child's seed */
		/*
		 * One round in eight kills within 5 ms of the fork, often
		 * while the child opens the store; the others 0-50 ms after
		 * it opened, while it appends.
		 */
		if (sample_below(&r, 8) == 0) {
			deadline = now_ms() +
			    (double)sample_below(&r, 5000) / 1000;
			delay = -1;
		} else {
			deadline = now_ms() + OPEN_TIMEOUT_MS;
			delay = (double)sample_below(&r, 50000) / 1000;
		}
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		while (!R.exhausted &&
		    (timeout = (int)(deadline - now_ms() + 0.999)) > 0) {
			if (poll(&pfd, 1, timeout) <= 0)
				continue;
			if (!read_rec(fds[0], &R, round)) {
				(void)waitpid(pid, &status, 0);
				live_child = 0;
				fail_msg("round %llu: child ended before the "
				    "kill, status %#x%s%s", (unsigned long long)
				    round, status, WIFSIGNALED(status) ?
				    ", signal " : "", WIFSIGNALED(status) ?
				    strsignal(WTERMSIG(status)) : "");
			}
			if (R.opened && delay >= 0) {
				deadline = now_ms() + delay;
				delay = -1;
			}
		}
		if (delay >= 0 && !R.opened)
			fail_msg("round %llu: child did not open the store "
			    "within %d ms", (unsigned long long)round,
			    OPEN_TIMEOUT_MS);
		kill(pid, SIGKILL);
		if (waitpid(pid, &status, 0) != pid)
			fail_msg("waitpid: %s", strerror(errno));
		live_child = 0;
		while (read_rec(fds[0], &R, round))
			;
		close(fds[0]);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("round %llu: child ended with status %#x, not "
			    "by SIGKILL", (unsigned long long)round, status);
		in_open += !R.opened;
		exhausted += R.exhausted;
		batches += R.nbegun;
		acked += R.ndone;
		verify(&R, head, round, &landed);
		for (a = 0; a < R.nbegun; a++)
			events += R.begun[a].n;
	}
	printf("# %llu rounds in %.1f s: %zu batches begun (%zu events), %zu "
	    "acknowledged, %zu in flight at the kill and committed anyway; "
	    "%zu kills before the child opened the store; %zu pool "
	    "exhaustions; store recreated %zu times\n",
	    (unsigned long long)rounds, (now_ms() - t0) / 1e3, batches,
	    events, acked, landed, in_open, exhausted, recreated);
	free(R.begun);
	sample_rm_rf(dir);
}

static int
teardown(void **state)
{
	size_t a;

	(void)state;
	if (live_child > 0) {
		kill(live_child, SIGKILL);
		(void)waitpid(live_child, NULL, 0);
		printf("# the store is kept for inspection in %s\n", dir);
	}
	for (a = 0; a < NAUTH; a++)
		free(item[a]);
	free(pool_bytes);
	sample_fed_free(&fed);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigkill_rounds),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, teardown);
}
