/*
 * bench_sync.h: the helpers bench_sync.c and bench_import.c share (no
 * other file includes it): a federation of real i40d processes on
 * loopback (keys, charter and genesis, data directories, configurations),
 * starting and stopping the daemons, their logs and CPU time, and reading
 * their stores read-only.
 *
 * One federation exists at a time, in F.  fail() kills every daemon of it,
 * removes its directory (unless BENCH_SYNC_KEEP=1) and exits 1.  The
 * daemons are forked with no ZeroMQ context in this process and die with
 * it (PR_SET_PDEATHSIG).
 */
#ifndef I40_BENCH_SYNC_H
#define I40_BENCH_SYNC_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sodium.h>

#include "protocol/event.h"
#include "store/keyfile.h"
#include "store/store.h"
#include "tests/lib/sample.h"

#define MAXN 16
#define UP_SECS 30		/* a daemon's control socket appears */
#define STOP_SECS 20		/* a daemon exits after SIGTERM */

/* One federation of daemons: at most one exists at a time. */
static struct {
	size_t n;
	char root[256];			/* mkdtemp; removed unless keep */
	struct key_secret *k[MAXN];
	uint8_t pk[MAXN][KEY_PK_BYTES];
	int port[MAXN];
	uint8_t fed_id[EV_FED_ID_BYTES];
	uint8_t *genesis;
	size_t glen;
	uint8_t gid[EV_ID_BYTES];
	char data[MAXN][PATH_MAX], conf[MAXN][PATH_MAX], log[MAXN][PATH_MAX];
	pid_t pid[MAXN];		/* 0: not running */
} F;

static const char *i40d;
static int keep;
static volatile sig_atomic_t interrupted;

static double
clk(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
#define now() clk(CLOCK_MONOTONIC)

static void
nap(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !interrupted)
		;
}

/* The last lines of a daemon's log, indented as TAP comments. */
static void
log_tail(size_t i, int lines)
{
	char buf[16384], *p, *e;
	ssize_t len;
	off_t size;
	int fd, seen = 0;

	if ((fd = open(F.log[i], O_RDONLY)) < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	(void)lseek(fd, size > (off_t)sizeof(buf) - 1 ? size -
	    (off_t)sizeof(buf) + 1 : 0, SEEK_SET);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return;
	buf[len] = '\0';
	for (p = buf + len; p > buf; p--)
		if (p[-1] == '\n' && p != buf + len && ++seen > lines)
			break;
	printf("# node %zu log (%s), last lines:\n", i + 1, F.log[i]);
	for (; *p != '\0'; p = e + (*e != '\0')) {
		e = p + strcspn(p, "\n");
		printf("#   %.*s\n", (int)(e - p), p);
	}
}

static void
kill_all(void)
{
	size_t i;

	for (i = 0; i < F.n; i++)
		if (F.pid[i] > 0) {
			(void)kill(F.pid[i], SIGKILL);
			(void)waitpid(F.pid[i], NULL, 0);
			F.pid[i] = 0;
		}
}

static void
fed_free(void)
{
	size_t i;

	kill_all();
	if (F.root[0] != '\0') {
		if (keep)
			printf("# kept %s\n", F.root);
		else
			sample_rm_rf(F.root);
	}
	for (i = 0; i < F.n; i++)
		key_free(F.k[i]);
	free(F.genesis);
	memset(&F, 0, sizeof(F));
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;
	size_t i;

	fflush(stdout);
	fprintf(stderr, "bench_sync: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	for (i = 0; i < F.n; i++)
		if (F.pid[i] > 0)
			log_tail(i, 8);
	fflush(stdout);
	fed_free();
	exit(1);
}

static void
check_interrupt(void)
{
	if (interrupted)
		fail("interrupted");
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const char *
env_str(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : def;
}

static size_t
env_size(const char *name, size_t def, size_t min, size_t max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long x;

	if (v == NULL || *v == '\0')
		return def;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		fail("%s=%s: give a number in %zu..%zu", name, v, min, max);
	return (size_t)x;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of v[0..n), sorted here: nearest rank. */
static double
quantile(double *v, size_t n, double q)
{
	size_t r;

	qsort(v, n, sizeof(*v), cmp_double);
	r = (size_t)(q * (double)n + 0.999999);
	return v[r == 0 ? 0 : r > n ? n - 1 : r - 1];
}

/* User+system CPU seconds of a process, all threads (/proc/PID/stat). */
static double
proc_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	/* After the ")" of comm: state is field 3, utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2, "%*c %*d %*d %*d "
	    "%*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * Seconds the threads of pid spent waiting on a run queue: runnable, but
 * no CPU free (/proc/PID/task/TID/schedstat, second field).  -1 if the
 * kernel does not say.
 */
static double
proc_waited(pid_t pid)
{
	char path[320];
	unsigned long long run, wait, sum = 0;
	struct dirent *d;
	DIR *dp;
	FILE *f;
	int any = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((dp = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.20s/schedstat",
		    (long)pid, d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
			sum += wait;
			any = 1;
		}
		fclose(f);
	}
	closedir(dp);
	return any ? (double)sum * 1e-9 : -1;
}

static double
self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/*
 * n free TCP ports below the ephemeral range, so that no daemon's outgoing
 * connection can take a port another daemon is about to listen on.
 */
static void
pick_ports(int *ports, size_t n)
{
	struct sockaddr_in sa;
	unsigned lo = 32768, hi = 60999, p;
	size_t i, j;
	FILE *f;
	int fd;

	if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) !=
	    NULL) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = 32768;
		fclose(f);
	}
	if (lo < 12000)
		lo = 65535;	/* odd range: take ports above it instead */
	for (i = 0; i < n;) {
		p = lo == 65535 ? hi + 1 + (unsigned)randombytes_uniform(
		    65535 - hi - 1) : 10000 + (unsigned)randombytes_uniform(
		    lo - 10000);
		for (j = 0; j < i && ports[j] != (int)p; j++)
			;
		if (j < i)
			continue;
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			fail("socket: %s", strerror(errno));
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)p);
		sa.sin_addr.s_addr = htonl(INADDR_ANY);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			ports[i++] = (int)p;
		close(fd);
	}
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		fail("cannot write %s: %s", path, strerror(errno));
}

static struct codec_bytes
str_of(const char *s)
{
	struct codec_bytes b = { (const uint8_t *)s, strlen(s) };

	return b;
}

/*
 * A federation of n founding members on loopback: keys, the charter and
 * its genesis signed by member 1, and for each node a data directory with
 * its key file and a configuration.  No daemon runs yet.
 */
static void
fed_create(size_t n, const char *tag)
{
	static char strs[MAXN][4][96];
	const char *tmp = env_str("TMPDIR", "/tmp");
	struct codec_err err;
	struct ev_header h;
	struct body *b;
	uint8_t *body;
	size_t i, blen;
	char path[300], text[PATH_MAX + 200];
	int rc;

	memset(&F, 0, sizeof(F));
	if (snprintf(F.root, sizeof(F.root), "%s/i40-bench-%s-XXXXXX", tmp,
	    tag) >= (int)sizeof(F.root) || mkdtemp(F.root) == NULL) {
		F.root[0] = '\0';
		fail("mkdtemp under %s: %s", tmp, strerror(errno));
	}
	F.n = n;
	pick_ports(F.port, n);
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (body = malloc(EV_MAX_BYTES)) == NULL ||
	    (F.genesis = malloc(EV_MAX_BYTES)) == NULL)
		fail("out of memory");
	b->type = BODY_GENESIS;
	b->u.charter.qa = str_of("Test members under test quality assurance");
	b->u.charter.name = str_of("i40 bench federation");
	b->u.charter.created = str_of("2026-11-25");
	b->u.charter.admit_pct = 50;
	b->u.charter.nmembers = (uint32_t)n;
	for (i = 0; i < n; i++) {
		struct body_member *m = &b->u.charter.members[i];

		if ((rc = key_generate(&F.k[i])) != 0)
			fail("key_generate: %s", i40_strerror(rc));
		key_public(F.k[i], F.pk[i]);
		snprintf(strs[i][0], sizeof(strs[i][0]), "u%zu.example.se",
		    i + 1);
		snprintf(strs[i][1], sizeof(strs[i][1]), "University %zu",
		    i + 1);
		snprintf(strs[i][2], sizeof(strs[i][2]), "Universitet %zu",
		    i + 1);
		snprintf(strs[i][3], sizeof(strs[i][3]), "tcp://127.0.0.1:%d",
		    F.port[i]);
		memcpy(m->key, F.pk[i], KEY_PK_BYTES);
		if ((rc = key_transport_card(F.k[i], m->transport,
		    m->transport_sig)) != 0)
			fail("key_transport_card: %s", i40_strerror(rc));
		m->role = str_of("member");
		m->schac = str_of(strs[i][0]);
		m->country = str_of("SE");
		m->name_en = str_of(strs[i][1]);
		m->name_sv = str_of(strs[i][2]);
		m->endpoint = str_of(strs[i][3]);
	}
	memset(&err, 0, sizeof(err));
	if ((rc = body_encode(b, NULL, body, EV_MAX_BYTES, &blen, &err)) != 0)
		fail("body_encode(charter) at %s: %s", err.field,
		    i40_strerror(rc));
	memset(&h, 0, sizeof(h));
	ev_fed_id(body, blen, h.fed_id);
	memcpy(F.fed_id, h.fed_id, EV_FED_ID_BYTES);
	memcpy(h.author, F.pk[0], KEY_PK_BYTES);
	h.seq = 1;
	h.time_ms = UINT64_C(1795000000000);
	h.type = BODY_GENESIS;
	if ((rc = ev_sign(&h, body, blen, F.k[0], F.genesis, EV_MAX_BYTES,
	    &F.glen, F.gid)) != 0)
		fail("ev_sign(genesis): %s", i40_strerror(rc));
	free(body);
	free(b);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/n%zu", F.root, i + 1);
		if (mkdir(path, 0700) != 0)
			fail("mkdir %s: %s", path, strerror(errno));
		snprintf(F.data[i], sizeof(F.data[i]), "%s/data", path);
		snprintf(F.conf[i], sizeof(F.conf[i]), "%s/i40d.conf", path);
		snprintf(F.log[i], sizeof(F.log[i]), "%s/log", path);
		if (strlen(F.data[i]) + sizeof("/control.sock") > 108)
			fail("%s is too long for a control socket; set a "
			    "shorter TMPDIR", F.data[i]);
		if ((rc = store_create(F.data[i], F.genesis, F.glen,
		    &err)) != 0)
			fail("store_create %s: %s", F.data[i],
			    i40_strerror(rc));
		snprintf(path, sizeof(path), "%s/node.key", F.data[i]);
		if ((rc = keyfile_write(path, F.k[i])) != 0)
			fail("keyfile_write %s: %s", path, i40_strerror(rc));
		snprintf(text, sizeof(text), "[node]\nname = n%zu\n"
		    "datadir = %s\nsync_interval = 1s\nlog_level = warn\n",
		    i + 1, F.data[i]);
		write_file(F.conf[i], text);
	}
}

/* Fork and exec node i's daemon (no ZeroMQ context may exist here). */
static void
node_start(size_t i)
{
	pid_t parent = getpid(), pid;
	long fd, maxfd;
	int lfd;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		/* Die with the benchmark, whatever kills it. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		lfd = open(F.log[i], O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (lfd < 0 || dup2(lfd, 1) < 0 || dup2(lfd, 2) < 0)
			_exit(127);
		if ((lfd = open("/dev/null", O_RDONLY)) >= 0)
			(void)dup2(lfd, 0);
		maxfd = sysconf(_SC_OPEN_MAX);
		for (fd = 3; fd < (maxfd > 0 && maxfd < 65536 ? maxfd : 4096);
		    fd++)
			(void)close((int)fd);
		execl(i40d, "i40d", "-c", F.conf[i], (char *)NULL);
		dprintf(2, "bench_sync: exec %s: %s\n", i40d, strerror(errno));
		_exit(127);
	}
	F.pid[i] = pid;
}

/* Wait until node i's control socket exists; fail if the daemon died. */
static void
node_wait_up(size_t i)
{
	char path[PATH_MAX + 16];
	double t0 = now();
	struct stat sb;
	int status;

	snprintf(path, sizeof(path), "%s/control.sock", F.data[i]);
	for (;;) {
		check_interrupt();
		if (stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
			return;
		if (waitpid(F.pid[i], &status, WNOHANG) == F.pid[i]) {
			F.pid[i] = 0;
			log_tail(i, 10);
			fail("node %zu exited at start-up (status %d)", i + 1,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
		if (now() - t0 > UP_SECS)
			fail("node %zu has no control socket after %d s", i + 1,
			    UP_SECS);
		nap(0.005);
	}
}

/* SIGTERM node i and wait: 0 if it exited with status 0. */
static int
node_stop(size_t i)
{
	double t0 = now();
	int status;
	pid_t r;

	if (F.pid[i] <= 0)
		return 0;
	(void)kill(F.pid[i], SIGTERM);
	while ((r = waitpid(F.pid[i], &status, WNOHANG)) == 0 &&
	    now() - t0 < STOP_SECS)
		nap(0.01);
	if (r == 0) {
		printf("# node %zu did not exit %d s after SIGTERM: killed\n",
		    i + 1, STOP_SECS);
		(void)kill(F.pid[i], SIGKILL);
		(void)waitpid(F.pid[i], NULL, 0);
		F.pid[i] = 0;
		return -1;
	}
	F.pid[i] = 0;
	if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("# node %zu stopped with %s %d\n", i + 1,
		    r > 0 && WIFSIGNALED(status) ? "signal" : "status",
		    r > 0 && WIFSIGNALED(status) ? WTERMSIG(status) :
		    r > 0 ? WEXITSTATUS(status) : -1);
		log_tail(i, 10);
		return -1;
	}
	return 0;
}

/* Stop every node; the number that did not exit 0. */
static int
stop_all(void)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < F.n; i++)
		if (F.pid[i] > 0)
			(void)kill(F.pid[i], SIGTERM);
	for (i = 0; i < F.n; i++)
		bad += node_stop(i) != 0;
	return bad;
}

/* What the daemons logged (at warn level): a count, and a sample. */
static void
log_summary(void)
{
	char line[512];
	size_t i, lines, quiet = 0;
	FILE *f;

	for (i = 0; i < F.n; i++) {
		if ((f = fopen(F.log[i], "r")) == NULL)
			continue;
		for (lines = 0; fgets(line, sizeof(line), f) != NULL; lines++)
			if (lines < 3)
				printf("# node %zu log: %s%s", i + 1, line,
				    strchr(line, '\n') ? "" : "\n");
		fclose(f);
		if (lines > 3)
			printf("# node %zu log: ... %zu lines in all\n", i + 1,
			    lines);
		quiet += lines == 0;
	}
	printf("# daemon logs (warn level): %zu of %zu nodes logged nothing\n",
	    quiet, F.n);
}

static struct store *
open_ro(size_t i)
{
	struct store_opts opts;
	struct store *st;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.readonly = 1;
	if ((rc = store_open(F.data[i], &opts, &st)) != 0)
		fail("store_open(%s, read-only): %s", F.data[i],
		    i40_strerror(rc));
	return st;
}

/* st's head of author: its seq, and its id when id is not NULL. */
static uint64_t
head_of(struct store *st, const uint8_t author[KEY_PK_BYTES],
    uint8_t id[EV_ID_BYTES])
{
	struct store_head *hs;
	uint64_t seq = 0;
	size_t n, i;
	int rc;

	if ((rc = store_heads(st, &hs, &n)) != 0)
		fail("store_heads: %s", i40_strerror(rc));
	for (i = 0; i < n; i++)
		if (memcmp(hs[i].author, author, KEY_PK_BYTES) == 0) {
			seq = hs[i].seq;
			if (id != NULL)
				memcpy(id, hs[i].id, EV_ID_BYTES);
		}
	free(hs);
	return seq;
}

/* Log and state roots of nodes 0..n-1 agree: 1, else 0 (and say so). */
static int
roots_agree(struct store **st, size_t n)
{
	uint8_t lr[2][32], sr[2][32];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = store_log_root(st[i], lr[i > 0])) != 0 ||
		    (rc = store_state_root(st[i], sr[i > 0])) != 0)
			fail("roots of node %zu: %s", i + 1, i40_strerror(rc));
		if (i > 0 && (memcmp(lr[0], lr[1], 32) != 0 ||
		    memcmp(sr[0], sr[1], 32) != 0)) {
			printf("# ERROR: node %zu's %s root differs from node "
			    "1's\n", i + 1, memcmp(lr[0], lr[1], 32) != 0 ?
			    "log" : "state");
			return 0;
		}
	}
	return 1;
}

#endif
