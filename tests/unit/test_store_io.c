/*
 * test_store_io.c: store_append under failing writes and syncs (EIO,
 * ENOSPC), injected by the LD_PRELOAD shim tests/preload/iofail.c
 * (shared/PITFALLS.md, LMDB: a full disk shows up as EIO; an fsync error
 * must not be retried in-process).
 *
 * The test re-executes itself with LD_PRELOAD=$BUILD/tests/iofail.so
 * (BUILD defaults to "build") and I40_IOFAIL_ACTIVE=1.  Under
 * AddressSanitizer it skips: the ASan runtime must come first in the
 * library list, before any preloaded object.
 *
 * A store is created (the sample federation's genesis) and a first batch
 * appended; that directory is the snapshot every attempt starts from.  A
 * reference child appends a second batch of BATCH events with the shim
 * counting (I40_IOFAIL_N unset) and reports how many writes and syncs the
 * append made, and the log root after it.  Then for op in {write, fsync},
 * errno in {EIO, ENOSPC}, mode in {once, persist} and N from 1 to that
 * count, a child opens a fresh copy of the snapshot (LMDB: never use an
 * environment across fork), turns the fault on, and appends the batch: it
 * must get an error (an I40_E_* or a -errno) and not crash, and a second
 * append in the same process must get I40_E_FAILED (store.h: after a
 * failed commit the store refuses writes until reopened).  The parent then
 * reopens the copy without the shim and checks: it opens; the batch is all
 * there or not at all, and all there only if store_append returned 0; the
 * log root is the one before (absent) or the reference one (present);
 * store_rebuild() returns 0; and the batch can then be appended.
 *
 * One "#" summary line per op/errno/mode names the codes seen.
 * I40_IOFAIL_MAXN caps N (for a quick run).
 *
 * test_map_grows_at_commit (no faults): with a 256 KiB first map,
 * GROW_STORES stores each take GROW_POOL events in batches of
 * (deterministically) random sizes, growing the map several times.
 * mdb_txn_commit() itself can return MDB_MAP_FULL (saving the free list
 * needs pages) before anything is written; store.h promises that a full map
 * grows and the batch is retried, so every append must return 0.
 *
 * The directories live under $TMPDIR or /tmp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "protocol/errors.h"
#include "protocol/event.h"
#include "store/store.h"
#include "tests/lib/sample.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define NAUTH 4
#define FIRST 10		/* events of the first batch */
#define BATCH 50		/* events of the batch under test */
#define EV_CAP 4096
#define CHILD_TIMEOUT_MS 30000

#define GROW_STORES 16
#define GROW_PER_AUTHOR 500
#define GROW_POOL (NAUTH * GROW_PER_AUTHOR)
#define GROW_MAX_BATCH 64

typedef void (*iofail_stats_fn)(unsigned long *, unsigned long *,
    unsigned long *, unsigned long *);

static iofail_stats_fn shim_stats;
static struct sample_fed fed;
static uint8_t genesis[EV_CAP];
static size_t genesis_len;
static uint8_t genesis_id[EV_ID_BYTES];
static uint8_t evbuf[FIRST + BATCH][EV_CAP];
static size_t evlen[FIRST + BATCH];
static struct store_item first[FIRST], batch[BATCH];
static char base[PATH_MAX], snap[PATH_MAX + 16], work[PATH_MAX + 16];
static char countfile[PATH_MAX + 16];
static uint8_t root_before[32], root_after[32];
static unsigned long ref_writes, ref_syncs;

/* What a child reports on its pipe, in one write(). */
struct rec {
	int32_t opened;		/* store_open's rc */
	int32_t rc1;		/* the append under the fault */
	int32_t rc2;		/* a second append (if rc1 != 0), else 1 */
	uint32_t stored;	/* outcomes STORE_STORED of the first append */
	uint32_t fired;		/* faults the shim made */
	uint32_t writes, syncs;	/* calls the shim saw under the store */
	int32_t rootrc;
	uint8_t root[32];	/* log root after the append (rc1 == 0) */
};

static const char *
codename(int rc)
{
	static char buf[32];
	const char *n;

	if (rc == 0)
		return "0";
	if ((n = i40_errname(rc)) != NULL)
		return n;
	switch (-rc) {
	case EIO:
		return "-EIO";
	case ENOSPC:
		return "-ENOSPC";
	case EDQUOT:
		return "-EDQUOT";
	case EROFS:
		return "-EROFS";
	default:
		snprintf(buf, sizeof(buf), "rc %d", rc);
		return buf;
	}
}

/* A clear error: a named I40_E_* code or a negative errno. */
static int
clear_error(int rc)
{
	return rc < 0 && (i40_errname(rc) != NULL || rc > -4096);
}

/* Copy the tree src to dst (which must not exist): dirs and files. */
static int
copy_tree(const char *src, const char *dst)
{
	char s[PATH_MAX], d[PATH_MAX], buf[65536];
	struct dirent *de;
	struct stat sb;
	DIR *dp;
	ssize_t n;
	int in, out, rc = 0;

	if (lstat(src, &sb) != 0)
		return -1;
	if (S_ISDIR(sb.st_mode)) {
		if (mkdir(dst, sb.st_mode & 07777) != 0 ||
		    (dp = opendir(src)) == NULL)
			return -1;
		while (rc == 0 && (de = readdir(dp)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(s, sizeof(s), "%s/%s", src, de->d_name);
			snprintf(d, sizeof(d), "%s/%s", dst, de->d_name);
			rc = copy_tree(s, d);
		}
		closedir(dp);
		return rc;
	}
	if (!S_ISREG(sb.st_mode))
		return 0;
	if ((in = open(src, O_RDONLY)) < 0)
		return -1;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL,
	    sb.st_mode & 07777)) < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = -1;
			break;
		}
	if (n < 0)
		rc = -1;
	close(in);
	if (close(out) != 0)
		rc = -1;
	return rc;
}

static void
restore_work(void)
{
	sample_rm_rf(work);
	if (copy_tree(snap, work) != 0)
		fail_msg("copy %s to %s: %s", snap, work, strerror(errno));
}

static void
fault_env_clear(void)
{
	unsetenv("I40_IOFAIL_DIR");
	unsetenv("I40_IOFAIL_OP");
	unsetenv("I40_IOFAIL_N");
	unsetenv("I40_IOFAIL_ERRNO");
	unsetenv("I40_IOFAIL_MODE");
	unsetenv("I40_IOFAIL_COUNT_FILE");
}

static void
decode_item(const uint8_t *buf, size_t len, size_t author,
    struct store_item *it)
{
	struct codec_err err;

	assert_int_equal(ev_decode(buf, len, fed.fed_id, &it->ev, NULL, &err),
	    0);
	assert_int_equal(ev_verify(&it->ev, fed.pk[author]), 0);
	memcpy(it->key, fed.pk[author], KEY_PK_BYTES);
}

static int
setup(void **state)
{
	struct store_outcome out[FIRST];
	struct store_opts opts;
	struct store *st;
	struct sample_rng r;
	struct codec_err err;
	uint8_t prev[NAUTH][EV_ID_BYTES], id[EV_ID_BYTES];
	uint64_t seq[NAUTH];
	const char *tmp = getenv("TMPDIR");
	size_t i, a, len;
	uint32_t type;

	(void)state;
	if (sample_fed_init(&fed, NAUTH) != 0)
		return -1;
	snprintf(base, sizeof(base), "%s/i40-storeio-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(base) == NULL)
		return -1;
	snprintf(snap, sizeof(snap), "%s/snap", base);
	snprintf(work, sizeof(work), "%s/work", base);
	snprintf(countfile, sizeof(countfile), "%s/count", base);

	sample_seed(&r, 0x10fa11);
	memset(prev, 0, sizeof(prev));
	for (a = 0; a < NAUTH; a++)
		seq[a] = 0;
	if (sample_event(&fed, 0, 1, NULL, BODY_GENESIS, &r, genesis,
	    sizeof(genesis), &genesis_len, prev[0]) != 0)
		return -1;
	memcpy(genesis_id, prev[0], EV_ID_BYTES);
	seq[0] = 1;
	for (i = 0; i < FIRST + BATCH; i++) {
		a = i % NAUTH;
		type = sample_below(&r, 2) ? BODY_MODULE_PUBLISH :
		    BODY_COMPLETION_RECORD;
		if (sample_event(&fed, a, seq[a] + 1, prev[a], type, &r,
		    evbuf[i], EV_CAP, &len, id) != 0)
			return -1;
		seq[a]++;
		evlen[i] = len;
		memcpy(prev[a], id, EV_ID_BYTES);
		decode_item(evbuf[i], len, a,
		    i < FIRST ? &first[i] : &batch[i - FIRST]);
	}

	if (store_create(snap, genesis, genesis_len, &err) != 0)
		return -1;
	memset(&opts, 0, sizeof(opts));
	if (store_open(snap, &opts, &st) != 0)
		return -1;
	if (store_append(st, first, FIRST, out) != 0 ||
	    store_log_root(st, root_before) != 0) {
		store_close(st);
		return -1;
	}
	store_close(st);
	for (i = 0; i < FIRST; i++)
		if (out[i].result != STORE_STORED)
			return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (base[0] != '\0')
		sample_rm_rf(base);
	sample_fed_free(&fed);
	return 0;
}

/* The shim itself: counting, once, persist, errno, and the directory. */
static void
test_shim(void **state)
{
	char path[PATH_MAX + 32], other[PATH_MAX + 32];
	unsigned long m0, m1, w0, w1, f0, f1;
	int fd, fo;

	(void)state;
	snprintf(path, sizeof(path), "%s/shim", base);
	snprintf(other, sizeof(other), "%s-outside", base);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fo = open(other, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && fo >= 0);
	shim_stats(&m0, &w0, NULL, &f0);

	setenv("I40_IOFAIL_DIR", base, 1);
	setenv("I40_IOFAIL_OP", "write", 1);
	setenv("I40_IOFAIL_N", "2", 1);
	setenv("I40_IOFAIL_ERRNO", "ENOSPC", 1);
	setenv("I40_IOFAIL_MODE", "once", 1);
	assert_int_equal(write(fd, "a", 1), 1);
	assert_int_equal(write(fo, "a", 1), 1);		/* not under base */
	errno = 0;
	assert_int_equal(write(fd, "b", 1), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(write(fd, "c", 1), 1);
	assert_int_equal(fsync(fd), 0);			/* not the op */

	setenv("I40_IOFAIL_MODE", "persist", 1);	/* counter restarts */
	setenv("I40_IOFAIL_ERRNO", "EIO", 1);
	assert_int_equal(pwrite(fd, "d", 1, 10), 1);
	errno = 0;
	assert_int_equal(pwrite(fd, "e", 1, 11), -1);
	assert_int_equal(errno, EIO);
	errno = 0;
	assert_int_equal(write(fd, "f", 1), -1);
	assert_int_equal(errno, EIO);

	setenv("I40_IOFAIL_OP", "fsync", 1);
	setenv("I40_IOFAIL_N", "1", 1);
	assert_int_equal(write(fd, "g", 1), 1);
	errno = 0;
	assert_int_equal(fdatasync(fd), -1);
	assert_int_equal(errno, EIO);

	/* A closed descriptor's number, reused outside the dir, is free. */
	setenv("I40_IOFAIL_OP", "write", 1);
	setenv("I40_IOFAIL_N", "1", 1);
	close(fd);
	close(fo);
	fo = open(other, O_WRONLY);
	assert_true(fo >= 0);
	assert_int_equal(write(fo, "h", 1), 1);
	close(fo);

	shim_stats(&m1, &w1, NULL, &f1);
	fault_env_clear();
	assert_int_equal(f1 - f0, 4);
	assert_int_equal(w1 - w0, 7);
	assert_true(m1 - m0 >= 7);
	unlink(path);
	unlink(other);
}

static void
put(int fd, const struct rec *m)
{
	if (write(fd, m, sizeof(*m)) != (ssize_t)sizeof(*m))
		_exit(9);
}

/*
 * In the child: open work/, set the fault (op NULL: count only), append
 * the batch, and if that failed append again.  Exits 0 if the first append
 * returned 0, 1 if it failed and the second got I40_E_FAILED, 2 otherwise;
 * the exact codes go to the pipe.
 */
static void __attribute__((noreturn))
child(int fd, const char *op, const char *err, const char *mode,
    unsigned long n)
{
	static struct store_outcome out[BATCH];
	struct store_opts opts;
	struct store *st;
	struct rec m;
	unsigned long w0, s0, w1, s1, f0, f1;
	char nbuf[32];
	size_t i;

	memset(&m, 0, sizeof(m));
	memset(&opts, 0, sizeof(opts));
	fault_env_clear();
	if ((m.opened = store_open(work, &opts, &st)) != 0) {
		put(fd, &m);
		exit(2);
	}
	shim_stats(NULL, &w0, &s0, &f0);
	if (op != NULL) {
		snprintf(nbuf, sizeof(nbuf), "%lu", n);
		setenv("I40_IOFAIL_OP", op, 1);
		setenv("I40_IOFAIL_ERRNO", err, 1);
		setenv("I40_IOFAIL_MODE", mode, 1);
		setenv("I40_IOFAIL_N", nbuf, 1);
	} else
		setenv("I40_IOFAIL_COUNT_FILE", countfile, 1);
	setenv("I40_IOFAIL_DIR", work, 1);
	m.rc1 = store_append(st, batch, BATCH, out);
	m.rc2 = 1;
	if (m.rc1 != 0)
		m.rc2 = store_append(st, batch, BATCH, out);
	shim_stats(NULL, &w1, &s1, &f1);
	unsetenv("I40_IOFAIL_DIR");
	m.writes = (uint32_t)(w1 - w0);
	m.syncs = (uint32_t)(s1 - s0);
	m.fired = (uint32_t)(f1 - f0);
	if (m.rc1 == 0) {
		for (i = 0; i < BATCH; i++)
			m.stored += out[i].result == STORE_STORED;
		m.rootrc = store_log_root(st, m.root);
	}
	store_close(st);
	put(fd, &m);
	exit(m.rc1 == 0 ? 0 : m.rc2 == I40_E_FAILED ? 1 : 2);
}

/* Fork a child (see child()), collect its record; 0 or a failure text. */
static const char *
run_child(const char *op, const char *err, const char *mode, unsigned long n,
    struct rec *m, int *status)
{
	static char why[128];
	struct pollfd p;
	pid_t pid, w;
	ssize_t got;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], op, err, mode, n);
	}
	close(fds[1]);
	memset(m, 0, sizeof(*m));
	p.fd = fds[0];
	p.events = POLLIN;
	if (poll(&p, 1, CHILD_TIMEOUT_MS) != 1) {
		kill(pid, SIGKILL);
		(void)waitpid(pid, status, 0);
		close(fds[0]);
		return "child hung (killed after 30 s)";
	}
	got = read(fds[0], m, sizeof(*m));
	close(fds[0]);
	do
		w = waitpid(pid, status, 0);
	while (w < 0 && errno == EINTR);
	assert_int_equal(w, pid);
	if (WIFSIGNALED(*status)) {
		snprintf(why, sizeof(why), "child died of signal %d",
		    WTERMSIG(*status));
		return why;
	}
	if (got != (ssize_t)sizeof(*m)) {
		snprintf(why, sizeof(why), "child sent %zd bytes, exit %d",
		    got, WEXITSTATUS(*status));
		return why;
	}
	if (m->opened != 0) {
		snprintf(why, sizeof(why), "child: store_open: %s",
		    codename(m->opened));
		return why;
	}
	return NULL;
}

/* Events of the batch present in work/ (each compared byte for byte). */
static size_t
present(struct store *st, const char *ctx)
{
	struct store_event e;
	size_t i, n = 0;
	int rc;

	for (i = 0; i < BATCH; i++) {
		rc = store_get_id(st, batch[i].ev.id, &e);
		if (rc == I40_E_NOT_FOUND)
			continue;
		if (rc != 0)
			fail_msg("%s: store_get_id(batch[%zu]): %s", ctx, i,
			    codename(rc));
		if (e.len != evlen[FIRST + i] ||
		    memcmp(e.bytes, evbuf[FIRST + i], e.len) != 0)
			fail_msg("%s: batch[%zu]: the stored bytes differ",
			    ctx, i);
		free(e.bytes);
		n++;
	}
	return n;
}

static void
test_reference_count(void **state)
{
	struct rec m;
	const char *why;
	char line[256];
	unsigned long c, w, s, f;
	long pid, found = 0;
	int status;
	FILE *fp;

	(void)state;
	restore_work();
	unlink(countfile);
	why = run_child(NULL, NULL, NULL, 0, &m, &status);
	if (why != NULL)
		fail_msg("reference append: %s", why);
	if (m.rc1 != 0)
		fail_msg("reference append without faults: %s (%d)",
		    codename(m.rc1), m.rc1);
	assert_int_equal(m.stored, BATCH);
	assert_int_equal(m.rootrc, 0);
	assert_int_equal(m.fired, 0);
	assert_memory_not_equal(m.root, root_before, 32);
	memcpy(root_after, m.root, 32);
	ref_writes = m.writes;
	ref_syncs = m.syncs;
	/* The count file says the same as the pipe. */
	fp = fopen(countfile, "r");
	if (fp == NULL)
		fail_msg("no count file %s", countfile);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%lu write=%lu fsync=%lu fired=%lu pid=%ld",
		    &c, &w, &s, &f, &pid) == 5 && w == m.writes &&
		    s == m.syncs && c == w + s && f == 0)
			found++;
	fclose(fp);
	if (found != 1)
		fail_msg("count file %s: no line with write=%u fsync=%u",
		    countfile, m.writes, m.syncs);
	printf("# the batch of %d events: %lu writes, %lu syncs under the "
	    "store\n", BATCH, ref_writes, ref_syncs);
	assert_true(ref_writes >= 1);
	assert_true(ref_syncs >= 1);
}

/* One tally of codes per op/errno/mode, for the summary line. */
struct tally {
	int code[16];
	unsigned count[16];
	size_t n;
	unsigned absent, present;
};

static void
tally_add(struct tally *t, int code)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->code[i] == code) {
			t->count[i]++;
			return;
		}
	if (t->n < 16) {
		t->code[t->n] = code;
		t->count[t->n++] = 1;
	}
}

static void
check_attempt(const char *op, const char *err, const char *mode,
    unsigned long n, struct tally *t)
{
	static struct store_outcome out[BATCH];
	struct store_opts opts;
	struct store *st;
	struct rec m;
	const char *why;
	char ctx[128];
	uint8_t root[32];
	size_t have, i;
	int status, rc;

	snprintf(ctx, sizeof(ctx), "N=%lu op=%s errno=%s mode=%s", n, op, err,
	    mode);
	restore_work();
	why = run_child(op, err, mode, n, &m, &status);
	if (why != NULL)
		fail_msg("%s: %s", ctx, why);
	tally_add(t, m.rc1);
	if (m.fired == 0)
		fail_msg("%s: the fault never fired (%u writes, %u syncs; the "
		    "reference made %lu, %lu): the append is not "
		    "deterministic", ctx, m.writes, m.syncs, ref_writes,
		    ref_syncs);
	if (m.rc1 != 0) {
		if (!clear_error(m.rc1))
			fail_msg("%s: store_append returned %d, neither an "
			    "I40_E_* nor a -errno", ctx, m.rc1);
		if (m.rc2 != I40_E_FAILED)
			fail_msg("%s: first append %s; a second append in the "
			    "same process returned %s, expected I40_E_FAILED",
			    ctx, codename(m.rc1), codename(m.rc2));
	} else {
		if (m.stored != BATCH)
			fail_msg("%s: store_append returned 0 but stored %u "
			    "of %d", ctx, m.stored, BATCH);
	}

	memset(&opts, 0, sizeof(opts));
	if ((rc = store_open(work, &opts, &st)) != 0)
		fail_msg("%s: reopening after %s: %s", ctx, codename(m.rc1),
		    codename(rc));
	have = present(st, ctx);
	if (have != 0 && have != BATCH)
		fail_msg("%s: the batch is partly stored: %zu of %d events "
		    "(append returned %s)", ctx, have, BATCH, codename(m.rc1));
	if (have == BATCH && m.rc1 != 0)
		fail_msg("%s: store_append returned %s but the batch is "
		    "stored", ctx, codename(m.rc1));
	if (have == 0 && m.rc1 == 0)
		fail_msg("%s: store_append returned 0 but the batch is "
		    "missing after reopening", ctx);
	assert_int_equal(store_log_root(st, root), 0);
	if (memcmp(root, have ? root_after : root_before, 32) != 0)
		fail_msg("%s: log root after reopening differs from the one "
		    "%s", ctx, have ? "of the reference append" :
		    "before the attempt");
	if ((rc = store_rebuild(st)) != 0)
		fail_msg("%s: store_rebuild: %s", ctx, codename(rc));
	if (have == 0) {
		t->absent++;
		if ((rc = store_append(st, batch, BATCH, out)) != 0)
			fail_msg("%s: appending the batch after reopening: "
			    "%s", ctx, codename(rc));
		for (i = 0; i < BATCH; i++)
			if (out[i].result != STORE_STORED)
				fail_msg("%s: after reopening, batch[%zu]: "
				    "result %d code %s", ctx, i,
				    (int)out[i].result, codename(out[i].code));
		assert_int_equal(store_log_root(st, root), 0);
		if (memcmp(root, root_after, 32) != 0)
			fail_msg("%s: log root after appending again differs "
			    "from the reference", ctx);
	} else
		t->present++;
	store_close(st);
}

static void
test_faults(void **state)
{
	static const char *const ops[] = { "write", "fsync" };
	static const char *const errs[] = { "EIO", "ENOSPC" };
	static const char *const modes[] = { "once", "persist" };
	const char *maxs = getenv("I40_IOFAIL_MAXN");
	unsigned long n, count, maxn;
	size_t o, e, md, i;
	struct tally t;
	char codes[512];
	size_t used;

	(void)state;
	if (ref_writes == 0)
		fail_msg("no reference count (test_reference_count failed)");
	maxn = maxs != NULL && *maxs != '\0' ? strtoul(maxs, NULL, 10) : 0;
	for (o = 0; o < 2; o++)
		for (e = 0; e < 2; e++)
			for (md = 0; md < 2; md++) {
				memset(&t, 0, sizeof(t));
				count = o == 0 ? ref_writes : ref_syncs;
				if (maxn != 0 && count > maxn)
					count = maxn;
				for (n = 1; n <= count; n++)
					check_attempt(ops[o], errs[e],
					    modes[md], n, &t);
				used = 0;
				codes[0] = '\0';
				for (i = 0; i < t.n; i++)
					used += (size_t)snprintf(codes + used,
					    sizeof(codes) - used, "%s%s x%u",
					    i ? ", " : "", codename(t.code[i]),
					    t.count[i]);
				printf("# N=1..%lu op=%s errno=%s mode=%s: "
				    "rc=%s; batch absent %u, present %u\n",
				    count, ops[o], errs[e], modes[md], codes,
				    t.absent, t.present);
			}
}

static void
test_map_grows_at_commit(void **state)
{
	static struct store_item pool[GROW_POOL];
	static struct store_outcome out[GROW_MAX_BATCH];
	struct store_opts opts;
	struct store_stats ss;
	struct store *st;
	struct sample_rng r;
	struct codec_err err;
	uint8_t prev[NAUTH][EV_ID_BYTES], id[EV_ID_BYTES], *bytes;
	uint64_t seq[NAUTH];
	char dir[PATH_MAX + 32];
	size_t i, a, len, k, s, done;
	uint32_t type;
	int rc;

	(void)state;
	bytes = malloc((size_t)GROW_POOL * EV_CAP);
	assert_non_null(bytes);
	/* Every author's chain after the genesis, interleaved. */
	sample_seed(&r, 0x9a0f);
	memset(prev, 0, sizeof(prev));
	memset(seq, 0, sizeof(seq));
	memcpy(prev[0], genesis_id, EV_ID_BYTES);
	seq[0] = 1;
	for (i = 0; i < GROW_POOL; i++) {
		a = i % NAUTH;
		type = sample_below(&r, 2) ? BODY_MODULE_PUBLISH :
		    BODY_COMPLETION_RECORD;
		assert_int_equal(sample_event(&fed, a, seq[a] + 1, prev[a],
		    type, &r, bytes + i * EV_CAP, EV_CAP, &len, id), 0);
		decode_item(bytes + i * EV_CAP, len, a, &pool[i]);
		seq[a]++;
		memcpy(prev[a], id, EV_ID_BYTES);
	}
	for (s = 0; s < GROW_STORES; s++) {
		snprintf(dir, sizeof(dir), "%s/grow%zu", base, s);
		assert_int_equal(store_create(dir, genesis, genesis_len, &err),
		    0);
		memset(&opts, 0, sizeof(opts));
		opts.map_initial = (size_t)256 << 10;
		opts.map_max = (size_t)64 << 20;
		assert_int_equal(store_open(dir, &opts, &st), 0);
		sample_seed(&r, 1000 + s);
		for (done = 0; done < GROW_POOL; done += k) {
			k = 1 + sample_below(&r, GROW_MAX_BATCH);
			if (k > GROW_POOL - done)
				k = GROW_POOL - done;
			rc = store_append(st, pool + done, k, out);
			if (rc != 0) {
				if (store_stats(st, &ss) != 0)
					memset(&ss, 0, sizeof(ss));
				store_close(st);
				free(bytes);
				fail_msg("store %zu (map 256 KiB first, max 64 "
				    "MiB): appending events %zu..%zu failed "
				    "with %s while the map was %llu bytes",
				    s, done, done + k - 1, codename(rc),
				    (unsigned long long)ss.map_size);
			}
			for (i = 0; i < k; i++)
				if (out[i].result != STORE_STORED)
					fail_msg("store %zu: event %zu: result "
					    "%d (%s)", s, done + i,
					    (int)out[i].result,
					    codename(out[i].code));
		}
		assert_int_equal(store_stats(st, &ss), 0);
		store_close(st);
		sample_rm_rf(dir);
	}
	printf("# %d stores took %d events each, the map growing from 256 "
	    "KiB to %llu bytes\n", GROW_STORES, GROW_POOL,
	    (unsigned long long)ss.map_size);
	free(bytes);
}

/* Re-execute with the shim preloaded; returns only on failure. */
static int
reexec(char **argv)
{
	const char *build = getenv("BUILD"), *old = getenv("LD_PRELOAD");
	char shim[PATH_MAX], real[PATH_MAX], pre[2 * PATH_MAX + 2];

	snprintf(shim, sizeof(shim), "%s/tests/iofail.so",
	    build != NULL && *build != '\0' ? build : "build");
	if (realpath(shim, real) == NULL) {
		printf("1..1\nnot ok 1 - the shim %s is missing (%s): "
		    "make %s\n", shim, strerror(errno), shim);
		return 1;
	}
	if (old != NULL && *old != '\0')
		snprintf(pre, sizeof(pre), "%s:%s", real, old);
	else
		snprintf(pre, sizeof(pre), "%s", real);
	setenv("LD_PRELOAD", pre, 1);
	setenv("I40_IOFAIL_ACTIVE", "1", 1);
	execv("/proc/self/exe", argv);
	printf("1..1\nnot ok 1 - re-executing with LD_PRELOAD=%s: %s\n", pre,
	    strerror(errno));
	return 1;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shim),
		cmocka_unit_test(test_reference_count),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_map_grows_at_commit),
	};
	void *self;

	(void)argc;
#ifdef UNDER_ASAN
	if (argc > 0) {
		printf("1..0 # SKIP LD_PRELOAD shim under ASan\n");
		return 0;
	}
#endif
	if (getenv("I40_IOFAIL_ACTIVE") == NULL)
		return reexec(argv);
	self = dlopen(NULL, RTLD_NOW);
	if (self != NULL)
		*(void **)&shim_stats = dlsym(self, "iofail_stats");
	if (shim_stats == NULL) {
		printf("1..1\nnot ok 1 - the shim is not loaded "
		    "(LD_PRELOAD=%s)\n", getenv("LD_PRELOAD"));
		return 1;
	}
	fault_env_clear();
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
