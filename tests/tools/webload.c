/*
 * webload.c: load on a node's web face (test 38, docs/web.md "Load"):
 *
 *   webload PORT CLIENTS SECONDS PATH...
 *
 * CLIENTS threads, each on its own keep-alive connection to
 * 127.0.0.1:PORT, GET the PATHs in turn for SECONDS.  A refused or reset
 * connection is opened again and counted as a failure, as is any answer
 * but 200.  Prints "requests N failed F seconds S rate R", then the
 * failures by kind: "refused R closed C broken B not-200 X"; the first
 * answer but 200 goes to stderr with its path, to say why.
 * Exit 0 when every request was answered with 200, 1 otherwise, 2 on a
 * usage error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/lib/httpc.h"

#define CLIENTS_MAX 1000

struct client {
	unsigned port;
	double secs;
	char **paths;
	int npaths;
	unsigned long done, failed;
	/* Why requests failed: connect, closed before an answer, other
	 * socket errors, answers but 200. */
	unsigned long refused, closed, broken, bad;
	int first;
};

/* Only the first answer but 200 of all clients is shown. */
static atomic_int shown;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
run(void *arg)
{
	struct client *c = arg;
	struct httpc h;
	double t0 = now();
	size_t len;
	int status, rc, up = 0, k = c->first;

	h.fd = -1;
	h.buf = NULL;
	while (now() - t0 < c->secs) {
		if (!up) {
			httpc_close(&h);
			if (httpc_open(&h, c->port) != 0) {
				c->failed++;
				c->refused++;
				continue;
			}
			up = 1;
		}
		if ((rc = httpc_get(&h, c->paths[k++ % c->npaths], &status,
		    &len)) != 0) {
			c->failed++;
			if (rc == -ECONNRESET)
				c->closed++;
			else
				c->broken++;
			up = 0;
			continue;
		}
		c->done++;
		if (status != 200) {
			c->failed++;
			c->bad++;
			if (atomic_exchange(&shown, 1) == 0) {
				len = len > 300 ? 300 : len;
				fprintf(stderr, "webload: %d %s: %.*s\n", status,
				    c->paths[(k - 1) % c->npaths], (int)len, h.buf);
			}
		}
	}
	httpc_close(&h);
	return NULL;
}

int
main(int argc, char *argv[])
{
	static struct client cs[CLIENTS_MAX];
	static pthread_t th[CLIENTS_MAX];
	unsigned long done = 0, failed = 0, refused = 0, closed = 0;
	unsigned long broken = 0, bad = 0;
	long port, n;
	double secs, t0, t;
	int i;

	if (argc < 5 || (port = strtol(argv[1], NULL, 10)) < 1 ||
	    port > 65535 || (n = strtol(argv[2], NULL, 10)) < 1 ||
	    n > CLIENTS_MAX || (secs = strtod(argv[3], NULL)) <= 0) {
		fprintf(stderr, "usage: webload PORT CLIENTS SECONDS PATH...\n");
		return 2;
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		cs[i].port = (unsigned)port;
		cs[i].secs = secs;
		cs[i].paths = argv + 4;
		cs[i].npaths = argc - 4;
		cs[i].first = i;
		if (pthread_create(&th[i], NULL, run, &cs[i]) != 0) {
			fprintf(stderr, "webload: cannot start client %d\n", i);
			return 1;
		}
	}
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		done += cs[i].done;
		failed += cs[i].failed;
		refused += cs[i].refused;
		closed += cs[i].closed;
		broken += cs[i].broken;
		bad += cs[i].bad;
	}
	t = now() - t0;
	printf("requests %lu failed %lu seconds %.1f rate %.0f\n", done, failed,
	    t, (double)done / t);
	printf("refused %lu closed %lu broken %lu not-200 %lu\n", refused,
	    closed, broken, bad);
	return failed == 0 && done > 0 ? 0 : 1;
}
