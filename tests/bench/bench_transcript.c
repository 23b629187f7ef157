/*
 * bench_transcript.c: `i40ctl verify` of a 30-entry transcript against
 * the genesis alone (tr_verify, tools/transcript.c), beside the machine's
 * own limit in the same run (DESIGN.md, "Performance is a ratio to the
 * machine's own limit"; docs/credentials.md):
 *
 *  transcript_verify  a transcript of 30 results at three founding
 *                     universities (ten each), built by tr_build from a
 *                     store filled here; transcripts verified per second.
 *                     Limit: 30 raw Ed25519 verifications
 *                     (crypto_sign_verify_detached of the transcript's own
 *                     completion events) per second, in the same thread.
 *                     Each entry decodes its completion and module event
 *                     from base64 and msgpack and verifies the
 *                     completion's signature; a module event that
 *                     several entries share is verified once per run (33
 *                     signatures here).  Goal: ratio >= 0.5.
 *
 * Rounds of measured and raw loops alternate; each figure is the best
 * round.  TMPDIR for the store.  Exits 1 only on an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "protocol/body.h"
#include "protocol/event.h"
#include "store/store.h"
#include "tests/lib/sample.h"
#include "tools/transcript.h"

#define NUNIV 3
#define PER_UNIV 10
#define ROUNDS 5
#define ROUND_SECS 0.25
#define GOAL 0.5
#define TAG_LEN (sizeof(EV_SIG_TAG) - 1)

static void
die(const char *what, int rc)
{
	fprintf(stderr, "bench_transcript: %s: %s\n", what, i40_strerror(rc));
	exit(1);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
put(struct store *st, const struct sample_fed *f, size_t a,
    const uint8_t *buf, size_t len)
{
	struct store_item it;
	struct store_outcome o;
	int rc;

	if ((rc = ev_decode(buf, len, f->fed_id, &it.ev, NULL, NULL)) != 0)
		die("ev_decode", rc);
	memcpy(it.key, f->pk[a], 32);
	if ((rc = store_append(st, &it, 1, &o)) != 0)
		die("store_append", rc);
	if (o.result != STORE_STORED)
		die("store_append: not stored", o.code);
}

int
main(void)
{
	static uint8_t bufs[NUNIV * PER_UNIV][EV_MAX_BYTES];
	static size_t lens[NUNIV * PER_UNIV];
	static char arena[SAMPLE_ARENA];
	static uint8_t *msg[NUNIV * PER_UNIV], sig[NUNIV * PER_UNIV][64];
	static uint8_t auth[NUNIV * PER_UNIV][32];
	static size_t mlen[NUNIV * PER_UNIV];
	struct sample_fed f;
	struct sample_rng r;
	struct store *st;
	struct store_opts so;
	struct tr_check *res;
	struct body b;
	struct codec_err err;
	uint8_t g[EV_MAX_BYTES], prev[32], mod[32], buf[EV_MAX_BYTES];
	uint8_t learner[16], id[32];
	char dir[] = "/tmp/i40-bench-transcript-XXXXXX";
	double best = 0, best_raw = 0, t0, t;
	size_t glen, len, n, a, k, i, iter, nent = 0;
	json_t *doc;
	char why[300];
	int rc, round;

	if (sodium_init() < 0 || sample_fed_init(&f, NUNIV) != 0)
		die("setup", I40_E_NOMEM);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", -1);
	sample_seed(&r, 1);
	if ((rc = sample_event(&f, 0, 1, NULL, BODY_GENESIS, &r, g, sizeof(g),
	    &glen, id)) != 0 ||
	    (rc = store_create(dir, g, glen, &err)) != 0)
		die("genesis", rc);
	memset(&so, 0, sizeof(so));
	if ((rc = store_open(dir, &so, &st)) != 0)
		die("store_open", rc);
	memset(learner, 0x42, sizeof(learner));
	for (a = 0; a < NUNIV; a++) {
		uint64_t seq = a == 0 ? 2 : 1;

		if (a == 0)
			memcpy(prev, id, 32);
		else
			memset(prev, 0, 32);
		if ((rc = sample_counting_event(&f, a, seq, prev,
		    BODY_MODULE_PUBLISH, NULL, &r, buf, sizeof(buf), &len,
		    mod)) != 0)
			die("module", rc);
		put(st, &f, a, buf, len);
		memcpy(prev, mod, 32);
		for (k = 0; k < PER_UNIV; k++) {
			if ((rc = sample_body(&f, a, BODY_COMPLETION_RECORD, &r,
			    &b, arena)) != 0)
				die("sample_body", rc);
			memcpy(b.u.completion.learner, learner, 16);
			memcpy(b.u.completion.module, mod, 32);
			b.u.completion.grade.p = (const uint8_t *)"G";
			b.u.completion.grade.len = 1;
			b.u.completion.scale.p = (const uint8_t *)"UG";
			b.u.completion.scale.len = 2;
			if ((rc = sample_sign_body(&f, a, ++seq, prev, &b,
			    bufs[nent], EV_MAX_BYTES, &lens[nent], prev)) != 0)
				die("sample_sign_body", rc);
			put(st, &f, a, bufs[nent], lens[nent]);
			nent++;
		}
	}
	if ((rc = tr_build(st, learner, NULL, 0, &doc, why,
	    sizeof(why))) != 0) {
		fprintf(stderr, "bench_transcript: %s\n", why);
		return 1;
	}
	if (json_array_size(json_object_get(doc, "entries")) != nent)
		die("tr_build: wrong number of entries", I40_E_VALUE);
	store_close(st);
	/* The raw loop's messages: tag || event, as signed. */
	for (i = 0; i < nent; i++) {
		struct ev_signed e;

		if (ev_decode(bufs[i], lens[i], NULL, &e, NULL, NULL) != 0 ||
		    (msg[i] = malloc(TAG_LEN + e.event.len)) == NULL)
			die("ev_decode", -1);
		memcpy(msg[i], EV_SIG_TAG, TAG_LEN);
		memcpy(msg[i] + TAG_LEN, e.event.p, e.event.len);
		mlen[i] = TAG_LEN + e.event.len;
		memcpy(sig[i], e.sig, 64);
		memcpy(auth[i], e.h.author, 32);
	}
	for (round = 0; round < ROUNDS; round++) {
		t0 = now();
		iter = 0;
		do {
			if ((rc = tr_verify(doc, g, glen, NULL, &res, &n, why,
			    sizeof(why))) != 0)
				die(why, rc);
			for (i = 0; i < n; i++)
				if (!res[i].ok)
					die(res[i].reason, I40_E_VALUE);
			free(res);
			iter++;
		} while ((t = now() - t0) < ROUND_SECS);
		if ((double)iter / t > best)
			best = (double)iter / t;
		t0 = now();
		iter = 0;
		do {
			for (i = 0; i < nent; i++)
				if (crypto_sign_verify_detached(sig[i], msg[i],
				    mlen[i], auth[i]) != 0)
					die("raw verify", -1);
			iter++;
		} while ((t = now() - t0) < ROUND_SECS);
		if ((double)iter / t > best_raw)
			best_raw = (double)iter / t;
	}
	printf("# %zu entries at %d universities; a raw round is %zu "
	    "Ed25519 verifications\n", nent, NUNIV, nent);
	printf("BENCH transcript_verify %.0f transcripts/s limit=%.0f "
	    "ratio=%.2f\n", best, best_raw, best / best_raw);
	if (best / best_raw < GOAL)
		printf("# transcript_verify: goal missed (ratio >= %.2f)\n",
		    GOAL);
	json_decref(doc);
	for (i = 0; i < nent; i++)
		free(msg[i]);
	sample_rm_rf(dir);
	sample_fed_free(&f);
	return 0;
}
