/*
 * bench_log.c: `i40ctl log export`, `log import` and `audit` of a large log, each
 * beside the machine's own limit measured in the same run:
 *
 *  log_export   store_export into an export file (exp_write_*, synced
 *               as i40ctl does), MB/s of the file; limit: a plain
 *               sequential read() of the data directory's data.mdb in
 *               1 MiB chunks.  Both start from the disk: the pages of
 *               data.mdb are dropped from the page cache before each
 *               (posix_fadvise DONTNEED).  Goal 0.5.  A plain copy of
 *               data.mdb (read, write, fsync) is printed beside it: an
 *               export cannot beat it, and on a disk that writes slower
 *               than it reads it sits below 0.5 of the read.  So is the
 *               walk of the store alone (store_export, nothing hashed or
 *               written), printed too: the ceiling of any export.
 *  log_import   ctl_replay of that file into a fresh data directory on
 *               every core (decode, keys in force, signature, store_append
 *               in batches, fsync per batch), events/s; limit:
 *               crypto_sign_verify_detached of the same events on every
 *               core, the mean of runs before and after.  Goal 0.8.
 *  audit        audit_run of the same file (the replay into a store of
 *               its own, not synced, then the state walk and both roots
 *               hashed), events/s; limit as for log_import.  Goal 0.85.
 *
 * The events: I40_BENCH_EVENTS (default 1,000,000) of 8 members of a
 * sample federation, round-robin, each a chain of one module_publish in
 * 16 and completion_records against its latest module, signed on every
 * core before any timing.  Directories under $TMPDIR or /tmp, removed at
 * the end unless I40_BENCH_KEEP is set (to profile `i40ctl audit` or
 * `log import` of the file alone).  Exits 0 whether or not the goals are
 * met, 1 on an error.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "protocol/event.h"
#include "protocol/export.h"
#include "store/store.h"
#include "tests/lib/sample.h"
#include "tools/audit.h"
#include "tools/ctl_replay.h"

#define NAUTH 8
#define BATCH 1000
#define MAXT 8

static struct sample_fed fed;
static uint8_t **evs;
static size_t *evl, nev;
static uint8_t genesis[EV_MAX_BYTES], gid[EV_ID_BYTES];
static size_t glen;
#define VSET 4096
#define TAG_LEN (sizeof(EV_SIG_TAG) - 1)
/* Signature and signed message of events 1.., for the raw loop. */
static uint8_t vsig[VSET][KEY_SIG_BYTES], *vmsg[VSET];
static size_t vmlen[VSET], nvset;
static unsigned ncpu;

static void
die(const char *what, int rc)
{
	fprintf(stderr, "bench_log: %s: %s\n", what, i40_strerror(rc));
	exit(1);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Author a's chain, events a, a + NAUTH, ... of the round-robin order. */
static void *
gen_thread(void *arg)
{
	size_t a = (size_t)(uintptr_t)arg, i, len;
	uint8_t prev[EV_ID_BYTES], module[EV_ID_BYTES], buf[EV_MAX_BYTES];
	struct sample_rng r;
	uint64_t seq = a == 0 ? 1 : 0;
	int rc;

	memset(prev, 0, sizeof(prev));
	memset(module, 0, sizeof(module));
	sample_seed(&r, 1000 + a);
	for (i = a + (a == 0 ? NAUTH : 0); i < nev; i += NAUTH) {
		seq++;
		if (a == 0 && seq == 2)
			memcpy(prev, gid, EV_ID_BYTES);
		rc = sample_counting_event(&fed, a, seq, prev,
		    seq % 16 == 1 || (a == 0 && seq == 2) ?
		    BODY_MODULE_PUBLISH : BODY_COMPLETION_RECORD, module, &r,
		    buf, sizeof(buf), &len, prev);
		if (rc != 0)
			die("sample_counting_event", rc);
		if (seq % 16 == 1 || (a == 0 && seq == 2))
			memcpy(module, prev, EV_ID_BYTES);
		if ((evs[i] = malloc(len)) == NULL)
			die("malloc", I40_E_NOMEM);
		memcpy(evs[i], buf, len);
		evl[i] = len;
	}
	return NULL;
}

static double raw_secs = 3.0;	/* long enough to average a noisy VM */
static double rawrate[MAXT];

/* Verify signatures of the events as fast as one core can. */
static void *
raw_thread(void *arg)
{
	size_t k = (size_t)(uintptr_t)arg, i = k % nvset, n = 0, j;
	double t0 = now(), t;

	do {
		for (j = 0; j < 64; j++, n++, i = (i + 1) % nvset)
			if (crypto_sign_verify_detached(vsig[i], vmsg[i],
			    vmlen[i], fed.pk[(i + 1) % NAUTH]) != 0)
				die("raw verify", I40_E_SIG);
		t = now();
	} while (t - t0 < raw_secs);
	rawrate[k] = (double)n / (t - t0);
	return NULL;
}

static double
raw_verify(void)
{
	pthread_t t[MAXT];
	double sum = 0;
	unsigned k;

	for (k = 0; k < ncpu; k++)
		pthread_create(&t[k], NULL, raw_thread, (void *)(uintptr_t)k);
	for (k = 0; k < ncpu; k++) {
		pthread_join(t[k], NULL);
		sum += rawrate[k];
	}
	return sum;
}

static void
bench_line(const char *name, double v, const char *unit, double limit,
    double goal)
{
	double ratio = v / limit;

	printf("BENCH %s %.1f %s limit=%.1f ratio=%.2f\n", name, v, unit,
	    limit, ratio);
	printf("# goal ratio>=%.2f: %s\n", goal,
	    ratio >= goal - 0.005 ? "met" : "NOT met");
	fflush(stdout);
}

static int
on_record(void *arg, int type, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	struct exp_writer *w = arg;

	if (type == EXP_REC_GENESIS) {
		int rc = exp_write_begin(w, w->f, a, alen);

		if (rc == 0)
			exp_write_direct(w);	/* as i40ctl's -o does */
		return rc;
	}
	if (type == EXP_REC_EVENT)
		return exp_write_event(w, a, alen);
	return exp_write_evidence(w, a, alen, b, blen);
}

/* The walk alone: store_export's records, neither hashed nor written. */
static int
on_nothing(void *arg, int type, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	(void)type;
	(void)a;
	(void)b;
	*(double *)arg += (double)(alen + blen);
	return 0;
}

/*
 * Drop path's pages from the page cache (they are clean once synced), so
 * that the export and the plain read both start from the disk.
 */
static void
evict(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die(path, I40_E_NOT_FOUND);
	(void)fdatasync(fd);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
}

/*
 * A plain copy of path to to, from the disk, synced as the export is:
 * MB/s.  Not the goal's limit (the issue fixes a plain read) but the
 * floor under any export, which must also write and sync its bytes.
 */
static double
copy_rate(const char *path, const char *to)
{
	static char buf[1 << 20];
	double t0, bytes = 0;
	ssize_t r;
	int fd, out;

	evict(path);
	t0 = now();
	if ((fd = open(path, O_RDONLY)) < 0 ||
	    (out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		die(path, I40_E_NOT_FOUND);
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)r) != r)
			die(to, -1);
		bytes += (double)r;
	}
	if (fsync(out) != 0)
		die(to, -1);
	close(fd);
	close(out);
	t0 = bytes / 1e6 / (now() - t0);
	unlink(to);
	return t0;
}

/* A plain read of path in 1 MiB chunks, from the disk: MB/s. */
static double
read_rate(const char *path)
{
	static char buf[1 << 20];
	double t0, bytes = 0;
	ssize_t r;
	int fd;

	evict(path);
	t0 = now();
	if ((fd = open(path, O_RDONLY)) < 0)
		die(path, I40_E_NOT_FOUND);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		bytes += (double)r;
	close(fd);
	return bytes / 1e6 / (now() - t0);
}

int
main(void)
{
	const char *env = getenv("I40_BENCH_EVENTS"), *tmp = getenv("TMPDIR");
	char base[256], src[300], dst[300], file[300], mdb[320], why[400];
	struct store_item items[BATCH];
	struct store_outcome out[BATCH];
	struct store_export_sel sel = { NULL, 1, NULL, 0, 0 };
	struct ctl_replay_stats s;
	struct exp_writer w;
	struct store *st;
	struct store_opts o = { 0 };
	pthread_t t[NAUTH];
	uint8_t root[32];
	double t0, exp_s, mbs, lim_read, lim_copy, imp_s, raw1, raw2;
	size_t i, k, a;
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	FILE *f;
	int rc;

	ncpu = c < 1 ? 1 : c > MAXT ? MAXT : (unsigned)c;
	nev = env != NULL ? strtoul(env, NULL, 10) : 1000000;
	if (nev < 10 * NAUTH)
		nev = 10 * NAUTH;
	if (sample_fed_init(&fed, NAUTH) != 0)
		die("sample_fed_init", I40_E_NOMEM);
	snprintf(base, sizeof(base), "%s/i40-bench-log-XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(base) == NULL)
		die("mkdtemp", I40_E_NOT_FOUND);
	snprintf(src, sizeof(src), "%s/src", base);
	snprintf(dst, sizeof(dst), "%s/dst", base);
	snprintf(file, sizeof(file), "%s/log.i40x", base);
	snprintf(mdb, sizeof(mdb), "%s/ledger/data.mdb", src);
	evs = calloc(nev, sizeof(*evs));
	evl = calloc(nev, sizeof(*evl));
	if (evs == NULL || evl == NULL)
		die("calloc", I40_E_NOMEM);
	{
		struct sample_rng r;

		sample_seed(&r, 1);
		if ((rc = sample_event(&fed, 0, 1, NULL, BODY_GENESIS, &r,
		    genesis, sizeof(genesis), &glen, gid)) != 0)
			die("genesis", rc);
	}
	printf("# %zu events of %d authors, %u cores\n", nev, NAUTH, ncpu);
	for (a = 0; a < NAUTH; a++)
		pthread_create(&t[a], NULL, gen_thread, (void *)(uintptr_t)a);
	for (a = 0; a < NAUTH; a++)
		pthread_join(t[a], NULL);
	evs[0] = genesis;
	evl[0] = glen;
	/* Events 1.. for the raw loop: event i is author i % NAUTH's. */
	for (nvset = 0; nvset < VSET && nvset + 1 < nev; nvset++) {
		struct ev_signed e;

		if ((rc = ev_decode(evs[nvset + 1], evl[nvset + 1], fed.fed_id,
		    &e, NULL, NULL)) != 0)
			die("ev_decode", rc);
		vmlen[nvset] = TAG_LEN + e.event.len;
		if ((vmsg[nvset] = malloc(vmlen[nvset])) == NULL)
			die("malloc", I40_E_NOMEM);
		memcpy(vmsg[nvset], EV_SIG_TAG, TAG_LEN);
		memcpy(vmsg[nvset] + TAG_LEN, e.event.p, e.event.len);
		memcpy(vsig[nvset], e.sig, KEY_SIG_BYTES);
	}

	/* The source store, filled without timing. */
	o.map_initial = (size_t)nev * 2048;
	if ((rc = store_create(src, genesis, glen, NULL)) != 0 ||
	    (rc = store_open(src, &o, &st)) != 0)
		die("source store", rc);
	for (i = 1; i < nev; i += k) {
		for (k = 0; k < BATCH && i + k < nev; k++) {
			if ((rc = ev_decode(evs[i + k], evl[i + k], fed.fed_id,
			    &items[k].ev, NULL, NULL)) != 0)
				die("ev_decode", rc);
			memcpy(items[k].key, fed.pk[(i + k) % NAUTH], 32);
		}
		if ((rc = store_append(st, items, k, out)) != 0)
			die("store_append", rc);
		for (a = 0; a < k; a++)
			if (out[a].result != STORE_STORED)
				die("not stored", out[a].code);
	}

	/* Export as i40ctl does (synced), then the plain read, both cold. */
	store_close(st);
	evict(mdb);
	if ((rc = store_open(src, &o, &st)) != 0)
		die("source store", rc);
	if ((f = fopen(file, "wb")) == NULL)
		die(file, I40_E_NOT_FOUND);
	w.f = f;
	t0 = now();
	if ((rc = store_export(st, &sel, on_record, &w, root)) != 0 ||
	    (rc = exp_write_end(&w, root)) != 0)
		die("store_export", rc);
	printf("# export: %.2f s before the fsync\n", now() - t0);
	if (fsync(fileno(f)) != 0)
		die("fsync", -1);
	exp_s = now() - t0;
	fclose(f);
	store_close(st);
	mbs = (double)w.bytes / 1e6 / exp_s;
	lim_read = read_rate(mdb);
	printf("# export: %.1f MB in %.2f s\n", (double)w.bytes / 1e6, exp_s);
	lim_copy = copy_rate(mdb, dst);
	printf("# export: a plain copy of data.mdb, synced: %.1f MB/s, "
	    "export/copy %.2f\n", lim_copy, mbs / lim_copy);
	{
		/* The walk of the store alone, cold: what is left for the rest. */
		double walked = 0;

		evict(mdb);
		if ((rc = store_open(src, &o, &st)) != 0)
			die("source store", rc);
		t0 = now();
		if ((rc = store_export(st, &sel, on_nothing, &walked,
		    NULL)) != 0)
			die("store_export", rc);
		t0 = now() - t0;
		store_close(st);
		printf("# export: the walk of the store alone (nothing hashed "
		    "or written): %.2f s, %.1f MB/s, %.2f of the read: no "
		    "export can pass it\n", t0, walked / 1e6 / t0,
		    walked / 1e6 / t0 / lim_read);
	}
	bench_line("log_export", mbs, "MB/s", lim_read, 0.5);

	/* Import into a fresh data directory, beside the raw verify rate. */
	raw1 = raw_verify();
	if ((rc = store_create(dst, genesis, glen, NULL)) != 0 ||
	    (rc = store_open(dst, &o, &st)) != 0)
		die("destination store", rc);
	if ((f = fopen(file, "rb")) == NULL)
		die(file, I40_E_NOT_FOUND);
	t0 = now();
	if ((rc = ctl_replay(st, f, file, ncpu, 0, NULL, &s, why, sizeof(why))) != 0)
		die(why, rc);
	imp_s = now() - t0;
	fclose(f);
	if (s.stored != nev - 1 || s.refused != 0 || s.damaged)
		die("import: not every event was stored", I40_E_MISMATCH);
	store_close(st);
	raw2 = raw_verify();
	printf("# import: %llu events in %.2f s; raw verify %.0f and %.0f/s\n",
	    (unsigned long long)s.stored, imp_s, raw1, raw2);
	bench_line("log_import", (double)s.stored / imp_s, "events/s",
	    (raw1 + raw2) / 2, 0.8);

	/* The audit of the same file: a replay of its own and both roots. */
	{
		struct audit_opts ao;
		struct audit au;
		double aud_s;

		raw1 = raw_verify();
		memset(&ao, 0, sizeof(ao));
		ao.file = file;
		ao.tmpdir = base;
		ao.nthreads = ncpu;
		t0 = now();
		if ((rc = audit_run(&ao, &au, why, sizeof(why))) != 0)
			die(why, rc);
		aud_s = now() - t0;
		if (au.stored != nev || au.nf_total != 0)
			die("audit: not clean", I40_E_MISMATCH);
		audit_free(&au);
		raw2 = raw_verify();
		printf("# audit: %llu events in %.2f s; raw verify %.0f and "
		    "%.0f/s\n", (unsigned long long)(nev - 1), aud_s, raw1,
		    raw2);
		bench_line("audit", (double)(nev - 1) / aud_s, "events/s",
		    (raw1 + raw2) / 2, 0.85);
	}

	if (getenv("I40_BENCH_KEEP") != NULL)
		printf("# kept: %s (src, dst, log.i40x)\n", base);
	else
		sample_rm_rf(base);
	for (i = 1; i < nev; i++)
		free(evs[i]);
	for (i = 0; i < nvset; i++)
		free(vmsg[i]);
	free(evs);
	free(evl);
	sample_fed_free(&fed);
	return 0;
}
