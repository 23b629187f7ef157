/*
 * test_store_refuse.c: the store's error paths: a map at its maximum, a
 * newer schema, damaged files, and a reader in another process while the
 * writer grows the map.  (Test code may touch LMDB directly to damage a
 * store; product code outside store/ never does.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "tests/lib/sample.h"

static struct sample_fed fed;
static char base[] = "/tmp/i40-test-refuse-XXXXXX";
static uint8_t genesis[16384];
static size_t genesis_len;
static int ndirs;

static int
setup(void **state)
{
	struct sample_rng r;
	uint8_t id[32];

	(void)state;
	if (sample_fed_init(&fed, 3) != 0 || mkdtemp(base) == NULL)
		return -1;
	sample_seed(&r, 1);
	return sample_event(&fed, 0, 1, NULL, BODY_GENESIS, &r, genesis,
	    sizeof(genesis), &genesis_len, id) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	sample_fed_free(&fed);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void
newstore(char *dir, size_t cap)
{
	snprintf(dir, cap, "%s/s%d", base, ndirs++);
	assert_int_equal(store_create(dir, genesis, genesis_len, NULL), 0);
}

/* n module events of author 1 from seq `from`, chained on prev. */
struct batch {
	uint8_t *buf[256];
	struct store_item it[256];
	size_t n;
};

static void
make_batch(struct batch *b, size_t n, uint64_t from, uint8_t prev[32],
    uint64_t seed)
{
	struct sample_rng r;
	size_t i, len;
	uint8_t id[32];

	sample_seed(&r, seed);
	b->n = n;
	for (i = 0; i < n; i++) {
		b->buf[i] = malloc(EV_MAX_BYTES);
		assert_int_equal(sample_event(&fed, 1, from + i, prev,
		    BODY_MODULE_PUBLISH, &r, b->buf[i], EV_MAX_BYTES, &len,
		    id), 0);
		assert_int_equal(ev_decode(b->buf[i], len, fed.fed_id,
		    &b->it[i].ev, NULL, NULL), 0);
		memcpy(b->it[i].key, fed.pk[1], 32);
		memcpy(prev, id, 32);
	}
}

static void
free_batch(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		free(b->buf[i]);
	b->n = 0;
}

static uint64_t
head_of(struct store *st, size_t author)
{
	struct store_head *h;
	size_t n, i;
	uint64_t seq = 0;

	assert_int_equal(store_heads(st, &h, &n), 0);
	for (i = 0; i < n; i++)
		if (memcmp(h[i].author, fed.pk[author], 32) == 0)
			seq = h[i].seq;
	free(h);
	return seq;
}

static void
test_map_grows_then_stops_at_max(void **state)
{
	static struct batch b;
	struct store_opts opts = { .map_max = (size_t)4 << 20,
	    .map_initial = (size_t)256 << 10 };
	struct store_outcome out[256];
	struct store_stats s;
	struct store *st;
	char dir[128];
	uint8_t prev[32] = { 0 }, lr[32], lr2[32];
	uint64_t seq = 1, before;
	int rc = 0, grew = 0;

	(void)state;
	newstore(dir, sizeof(dir));
	assert_int_equal(store_open(dir, &opts, &st), 0);
	while (rc == 0) {
		make_batch(&b, 200, seq, prev, seq);
		before = head_of(st, 1);
		assert_int_equal(store_log_root(st, lr), 0);
		rc = store_append(st, b.it, b.n, out);
		if (rc == 0) {
			seq += b.n;
			assert_int_equal(head_of(st, 1), seq - 1);
			assert_int_equal(store_stats(st, &s), 0);
			grew |= s.map_size > opts.map_initial;
		}
		free_batch(&b);
	}
	/* Nothing of the refused batch is visible; the store still reads. */
	assert_int_equal(rc, I40_E_MAP_FULL);
	assert_true(grew);
	assert_int_equal(head_of(st, 1), before);
	assert_int_equal(store_log_root(st, lr2), 0);
	assert_memory_equal(lr, lr2, 32);
	assert_int_equal(store_rebuild(st), 0);
	printf("# map full at %llu events of author 1\n",
	    (unsigned long long)before);
	store_close(st);
	/* Reopened with a larger maximum, the same batch lands. */
	opts.map_max = (size_t)64 << 20;
	assert_int_equal(store_open(dir, &opts, &st), 0);
	{
		struct store_event e;
		struct ev_signed ev;

		assert_int_equal(store_get(st, fed.pk[1], before, &e), 0);
		assert_int_equal(ev_decode(e.bytes, e.len, fed.fed_id, &ev,
		    NULL, NULL), 0);
		memcpy(prev, ev.id, 32);
		free(e.bytes);
	}
	make_batch(&b, 200, before + 1, prev, 999);
	assert_int_equal(store_append(st, b.it, b.n, out), 0);
	assert_int_equal(out[199].result, STORE_STORED);
	free_batch(&b);
	store_close(st);
}

/* Change the ledger's meta directly, as a newer i40 or damage would. */
static void
poke_meta(const char *dir, const char *key, const void *val, size_t len)
{
	char path[256];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { strlen(key), (void *)key }, v = { len, (void *)val };

	snprintf(path, sizeof(path), "%s/ledger", dir);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 32), 0);
	assert_int_equal(mdb_env_open(env, path, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
test_schema_and_damage(void **state)
{
	uint8_t newer[8] = { 0, 0, 0, 0, 0, 0, 0, STORE_SCHEMA + 1 };
	uint8_t older[8] = { 0, 0, 0, 0, 0, 0, 0, STORE_SCHEMA - 1 };
	uint8_t junk[4] = { 1, 2, 3, 4 };
	struct store *st;
	char dir[128], path[256];
	uint8_t page[4096];
	int fd;

	(void)state;
	newstore(dir, sizeof(dir));
	poke_meta(dir, "schema", newer, 8);
	assert_int_equal(store_open(dir, NULL, &st), I40_E_SCHEMA);
	/* An older schema is refused too, not taken for "not a store". */
	newstore(dir, sizeof(dir));
	poke_meta(dir, "schema", older, 8);
	assert_int_equal(store_open(dir, NULL, &st), I40_E_SCHEMA);
	newstore(dir, sizeof(dir));
	poke_meta(dir, "fed_id", junk, 4);
	assert_int_equal(store_open(dir, NULL, &st), I40_E_CORRUPT);
	/* Both meta pages overwritten: LMDB refuses the file. */
	newstore(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/ledger/data.mdb", dir);
	assert_true((fd = open(path, O_WRONLY)) >= 0);
	memset(page, 0x5a, sizeof(page));
	assert_int_equal(pwrite(fd, page, sizeof(page), 0), sizeof(page));
	assert_int_equal(pwrite(fd, page, sizeof(page), 4096), sizeof(page));
	close(fd);
	assert_int_equal(store_open(dir, NULL, &st), I40_E_CORRUPT);
}

/* Find needle in the file and flip one bit of it, in place. */
static int
flip_in_file(const char *path, const uint8_t *needle, size_t n, size_t at)
{
	static uint8_t buf[8 << 20];
	ssize_t len;
	size_t i;
	int fd = open(path, O_RDWR), rc = -1;

	assert_true(fd >= 0);
	len = pread(fd, buf, sizeof(buf), 0);
	for (i = 0; len > 0 && i + n <= (size_t)len; i++) {
		if (memcmp(buf + i, needle, n) != 0)
			continue;
		buf[i + at] ^= 0x01;
		assert_int_equal(pwrite(fd, buf + i + at, 1,
		    (off_t)(i + at)), 1);
		rc = 0;
		break;
	}
	close(fd);
	return rc;
}

static void
test_flipped_event_byte(void **state)
{
	static struct batch b;
	struct store_outcome out[256];
	struct store *st;
	char dir[128], path[256];
	uint8_t prev[32] = { 0 };

	(void)state;
	newstore(dir, sizeof(dir));
	assert_int_equal(store_open(dir, NULL, &st), 0);
	make_batch(&b, 20, 1, prev, 5);
	assert_int_equal(store_append(st, b.it, b.n, out), 0);
	store_close(st);
	/* Damage the body of event 7 on disk (a string inside its body). */
	snprintf(path, sizeof(path), "%s/ledger/data.mdb", dir);
	assert_int_equal(flip_in_file(path, b.it[6].ev.body.p, 24, 20), 0);
	assert_int_equal(store_open(dir, NULL, &st), 0);
	/* Rebuilding re-reads every event: the damage is found, cleanly. */
	assert_int_equal(store_rebuild(st), I40_E_CORRUPT);
	store_close(st);
	free_batch(&b);
}

static void
test_reader_survives_growth(void **state)
{
	static struct batch b;
	struct store_opts small = { .map_max = (size_t)256 << 20,
	    .map_initial = (size_t)256 << 10 };
	struct store_opts ro = { .readonly = 1 };
	struct store_outcome out[256];
	struct store_stats s;
	struct store *st;
	char dir[128];
	uint8_t prev[32] = { 0 };
	uint64_t seq = 1;
	int p[2], status, i;
	pid_t pid;
	char c;

	(void)state;
	newstore(dir, sizeof(dir));
	assert_int_equal(pipe(p), 0);
	/* The reader opens the store itself, after the fork. */
	if ((pid = fork()) == 0) {
		uint8_t root[32];
		int bad = 0, k;

		close(p[0]);
		if (store_open(dir, &ro, &st) != 0)
			_exit(2);
		(void)write(p[1], "r", 1);
		for (k = 0; k < 4000 && !bad; k++)
			bad = store_log_root(st, root) != 0 ||
			    store_stats(st, &s) != 0;
		store_close(st);
		_exit(bad ? 1 : 0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(store_open(dir, &small, &st), 0);
	for (i = 0; i < 8; i++) {
		make_batch(&b, 200, seq, prev, seq);
		assert_int_equal(store_append(st, b.it, b.n, out), 0);
		seq += b.n;
		free_batch(&b);
	}
	assert_int_equal(store_stats(st, &s), 0);
	assert_true(s.map_size > small.map_initial);
	store_close(st);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int
block_forever(void *arg, const uint8_t *bytes, size_t len)
{
	(void)bytes;
	(void)len;
	(void)write(*(int *)arg, "r", 1);
	for (;;)
		pause();
	return 0;
}

/* A reader that holds a read transaction, killed with SIGKILL. */
static void
kill_a_reader(const char *dir)
{
	struct store_opts ro = { .readonly = 1 };
	struct store *st;
	int p[2], status;
	pid_t pid;
	char c;

	assert_int_equal(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (store_open(dir, &ro, &st) != 0)
			_exit(2);
		/* Never returns: block_forever holds the read transaction. */
		_exit(store_walk(st, NULL, 0, 0, block_forever, &p[1]) == 0 ?
		    3 : 4);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

struct reader {
	struct store *st;
	volatile int stop;
	unsigned long reads, failures;
};

static void *
read_loop(void *arg)
{
	struct reader *r = arg;
	struct store_event e;
	uint8_t root[32];

	while (!r->stop) {
		if (store_log_root(r->st, root) != 0)
			r->failures++;
		if (store_get(r->st, fed.pk[0], 1, &e) != 0)
			r->failures++;
		else
			free(e.bytes);
		r->reads++;
	}
	return NULL;
}

/* Growing the map in this process while another thread reads. */
static void
test_threads_read_while_growing(void **state)
{
	static struct batch b;
	struct store_opts small = { .map_max = (size_t)256 << 20,
	    .map_initial = (size_t)256 << 10 };
	struct store_outcome out[256];
	struct store_stats s;
	struct reader r = { 0 };
	pthread_t t[2];
	uint8_t prev[32] = { 0 };
	uint64_t seq = 1;
	char dir[128];
	int i;

	(void)state;
	newstore(dir, sizeof(dir));
	assert_int_equal(store_open(dir, &small, &r.st), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, read_loop, &r), 0);
	for (i = 0; i < 10; i++) {
		make_batch(&b, 200, seq, prev, seq);
		assert_int_equal(store_append(r.st, b.it, b.n, out), 0);
		seq += b.n;
		free_batch(&b);
	}
	r.stop = 1;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(store_stats(r.st, &s), 0);
	printf("# %lu reads while the map grew to %llu bytes\n", r.reads,
	    (unsigned long long)s.map_size);
	assert_true(s.map_size > small.map_initial);
	assert_int_equal(r.failures, 0);
	store_close(r.st);
}

/*
 * LMDB resets its reader table when the first process opens the
 * environment, so a stale reader matters only while the daemon keeps the
 * store open: this process plays the daemon throughout.
 */
static void
test_stale_readers_cleared(void **state)
{
	struct store *st;
	char dir[128];
	int status, cleared = -1;
	pid_t pid;

	(void)state;
	newstore(dir, sizeof(dir));
	assert_int_equal(store_open(dir, NULL, &st), 0);
	kill_a_reader(dir);
	assert_int_equal(store_reader_check(st, &cleared), 0);
	assert_int_equal(cleared, 1);
	assert_int_equal(store_reader_check(st, &cleared), 0);
	assert_int_equal(cleared, 0);
	/* Another process opening the store clears it too. */
	kill_a_reader(dir);
	if ((pid = fork()) == 0) {
		struct store_opts ro = { .readonly = 1 };
		struct store *other;

		_exit(store_open(dir, &ro, &other) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(store_reader_check(st, &cleared), 0);
	assert_int_equal(cleared, 0);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_grows_then_stops_at_max),
		cmocka_unit_test(test_schema_and_damage),
		cmocka_unit_test(test_flipped_event_byte),
		cmocka_unit_test(test_reader_survives_growth),
		cmocka_unit_test(test_stale_readers_cleared),
		cmocka_unit_test(test_threads_read_while_growing),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
