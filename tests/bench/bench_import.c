/*
 * bench_import.c: a registrar's import of a term's results, `i40ctl
 * completion import FILE.csv`, through a real i40d on loopback, beside the
 * machine's own limit measured in the same run (DESIGN.md, "Performance
 * is a ratio to the machine's own limit"; docs/credentials.md):
 *
 *  import_csv        N rows (BENCH_IMPORT_ROWS, default 5000) of one
 *                    module's results, each for its own learner, imported
 *                    into a node of a two-member federation; rows per
 *                    second from the exec of i40ctl until it exits 0, its
 *                    check of every row included.  Limit: Ed25519 signing
 *                    of a completion-sized message on one thread (the
 *                    daemon signs on one), the mean of 0.5 s runs before
 *                    and after.  Goal: ratio >= 0.25 (the rest is the
 *                    check against the store, the derived state and the
 *                    commits: docs/credentials.md says what each costs).
 *  import_csv_check  the same file with --dry-run: every row checked
 *                    against the store, nothing sent.  The same limit, no
 *                    goal (what the registrar waits before the first
 *                    record is sent).
 *
 * Environment: BUILD (default "build"), I40D and I40CTL (default
 * $BUILD/i40d, $BUILD/i40ctl), BENCH_IMPORT_ROWS, BENCH_SYNC_KEEP=1 keeps
 * the directories, TMPDIR.  Exits 1 on any error; a goal missed is said
 * ("goal missed") but exits 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Helpers of bench_sync.c this benchmark has no use for. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "tests/bench/bench_sync.h"
#pragma GCC diagnostic pop

#define IMPORT_GOAL 0.25
#define SIGN_MSG 420		/* a completion_record event, about */

static const char *i40ctl;

/* Run i40ctl with args (NULL-terminated), output into log; its status. */
static int
run_ctl(const char *log, const char *const *args)
{
	const char *argv[16];
	pid_t pid;
	size_t i;
	int status, fd;

	argv[0] = "i40ctl";
	for (i = 0; args[i] != NULL && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	fflush(stdout);
	if ((pid = fork()) < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0 ||
		    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execv(i40ctl, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fail("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Signatures per second on this thread, for secs. */
static double
sign_rate(double secs)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	unsigned char m[SIGN_MSG], sig[crypto_sign_BYTES];
	double t0 = now(), t;
	size_t n = 0;

	crypto_sign_keypair(pk, sk);
	randombytes_buf(m, sizeof(m));
	do {
		crypto_sign_detached(sig, NULL, m, sizeof(m), sk);
		m[n % sizeof(m)] ^= sig[0];
		n++;
	} while ((t = now() - t0) < secs);
	sodium_memzero(sk, sizeof(sk));
	return (double)n / t;
}

/* Node 1's own head seq, from its store opened read-only. */
static uint64_t
own_seq(void)
{
	struct store *st = open_ro(0);
	uint64_t seq = head_of(st, F.pk[0], NULL);

	store_close(st);
	return seq;
}

int
main(void)
{
	const char *build = env_str("BUILD", "build");
	size_t rows = env_size("BENCH_IMPORT_ROWS", 5000, 1, 1000000), i;
	static char d[PATH_MAX], ctlbuf[PATH_MAX], dbuf[PATH_MAX];
	char csv[PATH_MAX + 32], json[PATH_MAX + 32], log[PATH_MAX + 32];
	double lim0, lim1, limit, t0, t_check, t_import;
	uint64_t s0, s1;
	FILE *f;
	int tries;

	if (sodium_init() < 0)
		fail("sodium_init failed");
	snprintf(dbuf, sizeof(dbuf), "%s/i40d", build);
	snprintf(ctlbuf, sizeof(ctlbuf), "%s/i40ctl", build);
	i40d = env_str("I40D", dbuf);
	i40ctl = env_str("I40CTL", ctlbuf);
	keep = env_str("BENCH_SYNC_KEEP", "0")[0] == '1';
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fed_create(2, "import");
	snprintf(d, sizeof(d), "%s", F.data[0]);
	node_start(0);
	node_start(1);
	node_wait_up(0);
	node_wait_up(1);
	snprintf(json, sizeof(json), "%s/mod.json", F.root);
	snprintf(csv, sizeof(csv), "%s/term.csv", F.root);
	snprintf(log, sizeof(log), "%s/ctl.log", F.root);
	write_file(json, "{\"code\":\"B1\",\"title_en\":\"Bench module\","
	    "\"title_sv\":\"Testmodul\",\"credits\":10,\"hours\":27,"
	    "\"eqf\":6,\"cycle\":\"first\",\"lang\":[\"sv\",\"en\"],"
	    "\"mode\":\"online\",\"pace\":\"mixed\",\"assessment\":"
	    "[\"assignment\"],\"supervision\":\"unsupervised\","
	    "\"summary_en\":\"A module.\",\"summary_sv\":\"En modul.\","
	    "\"outcomes_en\":[\"Can.\"],\"outcomes_sv\":[\"Kan.\"]}\n");
	/* The node signs once its peer has confirmed its log. */
	for (tries = 0; run_ctl(log, (const char *[]){ "module", "publish",
	    "-d", d, "--file", json, NULL }) != 0; tries++) {
		if (tries > 300)
			fail("module publish failed for 30 s (see %s)", log);
		nap(0.1);
	}
	if ((f = fopen(csv, "w")) == NULL)
		fail("fopen %s: %s", csv, strerror(errno));
	fprintf(f, "learner;module;grade;scale;examiner;exam_date;"
	    "decision_date\n");
	for (i = 0; i < rows; i++)
		fprintf(f, "%032zx;B1;G;UG;Eva Ek;2026-11-20;2026-11-24\n",
		    i + 1);
	if (fclose(f) != 0)
		fail("write %s: %s", csv, strerror(errno));

	lim0 = sign_rate(0.5);
	t0 = now();
	if (run_ctl(log, (const char *[]){ "completion", "import", "-d", d,
	    csv, "--dry-run", NULL }) != 0)
		fail("completion import --dry-run failed (see %s)", log);
	t_check = now() - t0;
	s0 = own_seq();
	t0 = now();
	if (run_ctl(log, (const char *[]){ "completion", "import", "-d", d,
	    csv, NULL }) != 0)
		fail("completion import failed (see %s)", log);
	t_import = now() - t0;
	s1 = own_seq();
	lim1 = sign_rate(0.5);
	if (s1 - s0 != rows)
		fail("the import stored %llu events, not %zu",
		    (unsigned long long)(s1 - s0), rows);
	limit = (lim0 + lim1) / 2;
	printf("# %zu rows: checked in %.2f s, imported in %.2f s; "
	    "Ed25519 sign %.0f/s before, %.0f/s after\n", rows, t_check,
	    t_import, lim0, lim1);
	printf("BENCH import_csv %.0f rows/s limit=%.0f ratio=%.3f\n",
	    (double)rows / t_import, limit, (double)rows / t_import / limit);
	printf("BENCH import_csv_check %.0f rows/s limit=%.0f ratio=%.3f\n",
	    (double)rows / t_check, limit, (double)rows / t_check / limit);
	if ((double)rows / t_import / limit < IMPORT_GOAL)
		printf("# import_csv: goal missed (ratio >= %.2f)\n",
		    IMPORT_GOAL);
	if (stop_all() != 0)
		fail("a daemon did not exit cleanly");
	fed_free();
	return 0;
}
