/*
 * storefill.c: fill a store until the disk is full, then resume after space
 * was freed.  Driven by tests/store_diskfull.t on a small tmpfs.
 *
 *   storefill create DIR   create a store in DIR (the sample federation's
 *                          genesis) and append batches until store_append
 *                          fails; expects I40_E_DISK_FULL, then checks that
 *                          a second append in the same process is refused
 *                          with I40_E_FAILED
 *   storefill resume DIR [K]
 *                          open the store in DIR, check it (every log's
 *                          chain, store_rebuild), and append up to K more
 *                          batches (default 4), stopping at the first
 *                          failure
 *
 * Output (parsed by the script), one fact per line:
 *   both:   "seed N"               I40_TEST_SEED=N repeats the events
 *   create: "stored EVENTS"        events durably stored (genesis included)
 *           "failed NAME: TEXT"    the code of the failing append
 *           "then NAME"            the code of the append after it
 *   resume: "found EVENTS"         events in the store when opened
 *           "stored EVENTS"        after the new batches (those that
 *                                  succeeded)
 *           "failed NAME: TEXT"    if an append failed
 * Exit status: 0 as expected; 1 usage or setup error; 2 the failure was
 * not I40_E_DISK_FULL or the retry not I40_E_FAILED; 3 resume could not
 * open or check the store, or an append failed; 4 the disk never filled
 * up.
 *
 * The map starts at 1 MiB (store_opts.map_initial) and may grow to 256 MiB,
 * so on a small filesystem it is the disk, not the map, that runs out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/errors.h"
#include "protocol/event.h"
#include "store/store.h"
#include "tests/lib/sample.h"

#define NAUTH 4
#define BATCH 32
#define EV_CAP 4096
#define MAX_BATCHES 100000	/* 3.2 M events: far beyond any test disk */
#define RESUME_BATCHES 4	/* default K */

static struct sample_fed fed;
static struct sample_rng rng;
static uint64_t seq[NAUTH];
static uint8_t prev[NAUTH][EV_ID_BYTES];
static uint8_t buf[BATCH][EV_CAP];
static struct store_item items[BATCH];
static struct store_outcome out[BATCH];

static const char *
name(int rc)
{
	const char *n = i40_errname(rc);

	return n != NULL ? n : rc == 0 ? "0" : "errno";
}

/* The next batch, round robin over the authors. */
static int
make_batch(void)
{
	struct codec_err err;
	uint8_t id[EV_ID_BYTES];
	uint32_t type;
	size_t i, a, len;
	int rc;

	for (i = 0; i < BATCH; i++) {
		a = i % NAUTH;
		type = sample_below(&rng, 2) ? BODY_MODULE_PUBLISH :
		    BODY_COMPLETION_RECORD;
		if ((rc = sample_event(&fed, a, seq[a] + 1, prev[a], type,
		    &rng, buf[i], EV_CAP, &len, id)) != 0 ||
		    (rc = ev_decode(buf[i], len, fed.fed_id, &items[i].ev,
		    NULL, &err)) != 0)
			return rc;
		memcpy(items[i].key, fed.pk[a], KEY_PK_BYTES);
		seq[a]++;
		memcpy(prev[a], id, EV_ID_BYTES);
	}
	return 0;
}

/* Append the batch made by make_batch(); undo the chains if it failed. */
static int
append(struct store *st)
{
	uint64_t seq0[NAUTH];
	uint8_t prev0[NAUTH][EV_ID_BYTES];
	size_t i;
	int rc;

	memcpy(seq0, seq, sizeof(seq));
	memcpy(prev0, prev, sizeof(prev));
	if ((rc = make_batch()) != 0) {
		fprintf(stderr, "storefill: making a batch: %s\n",
		    i40_strerror(rc));
		exit(1);
	}
	rc = store_append(st, items, BATCH, out);
	if (rc != 0) {
		memcpy(seq, seq0, sizeof(seq));
		memcpy(prev, prev0, sizeof(prev));
		return rc;
	}
	for (i = 0; i < BATCH; i++)
		if (out[i].result != STORE_STORED) {
			fprintf(stderr, "storefill: event %zu: result %d "
			    "(%s)\n", i, (int)out[i].result,
			    i40_strerror(out[i].code));
			exit(1);
		}
	return 0;
}

static uint64_t
total(void)
{
	uint64_t n = 0;
	size_t a;

	for (a = 0; a < NAUTH; a++)
		n += seq[a];
	return n;
}

static struct store *
open_store(const char *dir)
{
	struct store_opts opts;
	struct store *st;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.map_initial = (size_t)1 << 20;
	opts.map_max = (size_t)256 << 20;
	if ((rc = store_open(dir, &opts, &st)) != 0) {
		printf("open failed %s: %s\n", name(rc), i40_strerror(rc));
		exit(3);
	}
	return st;
}

static int
create(const char *dir)
{
	struct codec_err err;
	struct store *st;
	uint8_t g[EV_CAP];
	size_t len, b;
	int rc, rc2;

	if ((rc = sample_event(&fed, 0, 1, NULL, BODY_GENESIS, &rng, g,
	    sizeof(g), &len, prev[0])) != 0) {
		fprintf(stderr, "storefill: genesis: %s\n", i40_strerror(rc));
		return 1;
	}
	seq[0] = 1;
	if ((rc = store_create(dir, g, len, &err)) != 0) {
		printf("create failed %s: %s\n", name(rc), i40_strerror(rc));
		return 1;
	}
	st = open_store(dir);
	for (b = 0; b < MAX_BATCHES; b++)
		if ((rc = append(st)) != 0)
			break;
	printf("stored %llu\n", (unsigned long long)total());
	if (rc == 0) {
		printf("never failed after %zu batches\n", b);
		store_close(st);
		return 4;
	}
	printf("failed %s: %s\n", name(rc), i40_strerror(rc));
	rc2 = append(st);
	printf("then %s: %s\n", name(rc2), i40_strerror(rc2));
	store_close(st);
	return rc == I40_E_DISK_FULL && rc2 == I40_E_FAILED ? 0 : 2;
}

static int
resume(const char *dir, unsigned long k)
{
	struct store_head *heads;
	struct store_event e;
	struct store *st;
	size_t n, i, a;
	unsigned long b;
	int rc;

	st = open_store(dir);
	if ((rc = store_heads(st, &heads, &n)) != 0) {
		printf("heads failed %s: %s\n", name(rc), i40_strerror(rc));
		return 3;
	}
	for (i = 0; i < n; i++) {
		for (a = 0; a < NAUTH; a++)
			if (memcmp(heads[i].author, fed.pk[a], 32) == 0)
				break;
		if (a == NAUTH) {
			printf("unknown author in the heads\n");
			return 3;
		}
		seq[a] = heads[i].seq;
		memcpy(prev[a], heads[i].id, EV_ID_BYTES);
	}
	free(heads);
	/* Every log is whole: each seq from 1 to the head is there. */
	for (a = 0; a < NAUTH; a++)
		for (i = 1; i <= seq[a]; i++) {
			if ((rc = store_get(st, fed.pk[a], i, &e)) != 0) {
				printf("author %zu seq %zu: %s\n", a, i,
				    name(rc));
				return 3;
			}
			free(e.bytes);
		}
	printf("found %llu\n", (unsigned long long)total());
	if ((rc = store_rebuild(st)) != 0) {
		printf("rebuild failed %s: %s\n", name(rc), i40_strerror(rc));
		return 3;
	}
	for (b = 0, rc = 0; b < k && rc == 0; b++)
		rc = append(st);
	printf("stored %llu\n", (unsigned long long)total());
	if (rc != 0)
		printf("failed %s: %s\n", name(rc), i40_strerror(rc));
	store_close(st);
	return rc == 0 ? 0 : 3;
}

int
main(int argc, char **argv)
{
	unsigned long k = RESUME_BATCHES;
	uint64_t seed;
	int rc;

	if (argc == 4 && strcmp(argv[1], "resume") == 0)
		k = strtoul(argv[3], NULL, 10);
	else if (argc != 3 || (strcmp(argv[1], "create") != 0 &&
	    strcmp(argv[1], "resume") != 0)) {
		fprintf(stderr, "usage: storefill create DIR | "
		    "resume DIR [BATCHES]\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((rc = sample_fed_init(&fed, NAUTH)) != 0) {
		fprintf(stderr, "storefill: %s\n", i40_strerror(rc));
		return 1;
	}
	seed = sample_env_seed();
	printf("seed %llu\n", (unsigned long long)seed);
	sample_seed(&rng, seed);
	rc = strcmp(argv[1], "create") == 0 ? create(argv[2]) :
	    resume(argv[2], k);
	sample_fed_free(&fed);
	return rc;
}
