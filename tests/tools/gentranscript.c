/*
 * gentranscript.c: docs/vectors/transcript.json, the vectors of
 * docs/protocol.md §16: a genesis of three founding universities (the
 * sample keys, fixed seeds), a transcript of one learner's three results,
 * one at each (the first university's after a key rotation, so its entry
 * carries the rotation as proof), and variants of it with the verdicts a
 * verifier must reach.  Every run writes the same bytes; each verdict is
 * checked against tr_verify before it is written.
 *
 * usage: gentranscript OUTDIR
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "protocol/body.h"
#include "protocol/event.h"
#include "protocol/keys.h"
#include "protocol/pseudonym.h"
#include "store/store.h"
#include "tests/lib/sample.h"
#include "tools/transcript.h"

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gentranscript: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static struct sample_fed f;
static struct store *st;
static uint8_t g[EV_MAX_BYTES];
static size_t glen;

/* Sign b as author's next event and store it; the key in force is key. */
static void
put(size_t a, uint64_t seq, uint8_t prev[32], const struct body *b,
    const uint8_t key[32])
{
	uint8_t buf[EV_MAX_BYTES];
	struct store_item it;
	struct store_outcome o;
	size_t len;
	int rc;

	if ((rc = sample_sign_body(&f, a, seq, prev, b, buf, sizeof(buf), &len,
	    prev)) != 0 ||
	    (rc = ev_decode(buf, len, f.fed_id, &it.ev, NULL, NULL)) != 0)
		die("event %zu/%llu: %s", a, (unsigned long long)seq,
		    i40_strerror(rc));
	memcpy(it.key, key, 32);
	if ((rc = store_append(st, &it, 1, &o)) != 0 ||
	    o.result != STORE_STORED)
		die("store_append %zu/%llu: %s", a, (unsigned long long)seq,
		    i40_strerror(rc != 0 ? rc : o.code));
}

static const char *const codes[3] = { "ROB1", "SVE2", "PLC3" };
static const char *const grades[3][2] = { { "VG", "UVG" }, { "G", "UG" },
    { "4", "U345" } };

static void
fill(const uint8_t learner[16])
{
	static char arena[SAMPLE_ARENA];
	uint8_t prev[32], mod[32], seed[32], next_pk[32];
	struct key_secret *next, *old;
	struct sample_rng r;
	struct body b;
	size_t a;
	int rc;

	sample_seed(&r, 16);
	for (a = 0; a < 3; a++) {
		uint64_t seq = 1;

		memset(prev, 0, 32);
		if (a == 0) {
			/* The genesis is the first university's seq 1. */
			struct ev_signed ge;

			if ((rc = ev_decode(g, glen, NULL, &ge, NULL,
			    NULL)) != 0)
				die("genesis: %s", i40_strerror(rc));
			memcpy(prev, ge.id, 32);
			seq = 2;
		}
		if ((rc = sample_body(&f, a, BODY_MODULE_PUBLISH, &r, &b,
		    arena)) != 0)
			die("module: %s", i40_strerror(rc));
		b.u.module.code.p = (const uint8_t *)codes[a];
		b.u.module.code.len = 4;
		put(a, seq, prev, &b, f.pk[a]);
		memcpy(mod, prev, 32);
		seq++;
		memcpy(next_pk, f.pk[a], 32);
		if (a == 0) {
			/* A rotation between the module and the result. */
			memset(seed, 0x5a, sizeof(seed));
			if ((rc = key_from_seed(seed, &next)) != 0 ||
			    (rc = body_rotate_make(f.fed_id, f.pk[0], next,
			    &b)) != 0)
				die("rotation: %s", i40_strerror(rc));
			put(a, seq++, prev, &b, f.pk[0]);
			key_public(next, next_pk);
			old = f.keys[0];
			f.keys[0] = next;
			key_free(old);
		}
		if ((rc = sample_body(&f, a, BODY_COMPLETION_RECORD, &r, &b,
		    arena)) != 0)
			die("completion: %s", i40_strerror(rc));
		memcpy(b.u.completion.learner, learner, 16);
		memcpy(b.u.completion.module, mod, 32);
		b.u.completion.grade.p = (const uint8_t *)grades[a][0];
		b.u.completion.grade.len = strlen(grades[a][0]);
		b.u.completion.scale.p = (const uint8_t *)grades[a][1];
		b.u.completion.scale.len = strlen(grades[a][1]);
		put(a, seq, prev, &b, next_pk);
	}
}

static char code[TR_CODE_LEN + 1];

/* doc's verdicts, and in code the verification code of the verified. */
static json_t *
verdicts(const json_t *doc, const char *name, const int *want, size_t nwant)
{
	uint8_t ids[8][EV_ID_BYTES];
	struct tr_check *res;
	char why[300];
	json_t *a = json_array();
	size_t n, i, k = 0;
	int rc;

	if ((rc = tr_verify(doc, g, glen, NULL, &res, &n, why,
	    sizeof(why))) != 0)
		die("%s: %s", name, why);
	if (n != nwant)
		die("%s: %zu verdicts, not %zu", name, n, nwant);
	for (i = 0; i < n; i++) {
		if (res[i].ok != want[i])
			die("%s: entry %zu %s (%s)", name, i + 1, res[i].ok ?
			    "verifies" : "is refused", res[i].reason);
		json_array_append_new(a, json_boolean(res[i].ok));
		if (res[i].ok && k < 8)
			memcpy(ids[k++], res[i].id, EV_ID_BYTES);
	}
	free(res);
	if (tr_code((const uint8_t (*)[EV_ID_BYTES])ids, k, code) != 0)
		die("tr_code");
	return a;
}

static void
add_case(json_t *cases, const char *name, json_t *doc, const int *want,
    size_t n)
{
	json_t *v = verdicts(doc, name, want, n);

	json_array_append_new(cases, json_pack("{s:s, s:o, s:s, s:o}", "name",
	    name, "verdicts", v, "code", code, "transcript", doc));
}

int
main(int argc, char *argv[])
{
	static const int all3[] = { 1, 1, 1 }, two[] = { 1, 1 },
	    first_bad[] = { 0, 1, 1 }, third_bad[] = { 1, 1, 0 },
	    none[] = { 0, 0, 0 };
	char dir[] = "/tmp/i40-gentranscript-XXXXXX", path[4096];
	uint8_t learner[16];
	struct sample_rng r;
	struct store_opts so;
	struct codec_err err;
	json_t *doc, *d, *cases, *root, *s;
	int rot_bad[3];
	size_t rot, i;
	uint8_t id[32];
	char *text, *p;
	int rc;
	FILE *out;

	if (argc != 2)
		die("usage: gentranscript OUTDIR");
	if (sodium_init() < 0 || sample_fed_init(&f, 3) != 0)
		die("setup failed");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	sample_seed(&r, 1);
	if ((rc = sample_event(&f, 0, 1, NULL, BODY_GENESIS, &r, g, sizeof(g),
	    &glen, id)) != 0 || (rc = store_create(dir, g, glen, &err)) != 0)
		die("genesis: %s", i40_strerror(rc));
	memset(&so, 0, sizeof(so));
	if ((rc = store_open(dir, &so, &st)) != 0)
		die("store_open: %s", i40_strerror(rc));
	memcpy(learner, "\x8f\x3a\x6b\x1e\x2c\x4d\x5f\x60\x71\x82\x93\x9a"
	    "\xab\xbc\xcd\xde", 16);
	fill(learner);
	if ((rc = tr_build(st, learner, NULL, 0, &doc, path,
	    sizeof(path))) != 0)
		die("tr_build: %s", path);
	store_close(st);
	sample_rm_rf(dir);
	/* Fixed, so that every run writes the same bytes. */
	json_object_set_new(doc, "issued", json_string("2026-12-01T12:00:00Z"));
	cases = json_array();
	add_case(cases, "as issued", json_deep_copy(doc), all3, 3);
	d = json_deep_copy(doc);
	json_array_remove(json_object_get(d, "entries"), 1);
	add_case(cases, "the second entry dropped", d, two, 2);
	d = json_deep_copy(doc);
	s = json_object_get(json_array_get(json_object_get(d, "entries"), 0),
	    "summary");
	json_object_set_new(s, "grade", json_string("G"));
	add_case(cases, "the first summary's grade changed", d, first_bad, 3);
	/* The entry of the university that rotated its key. */
	for (rot = 0; rot < 3; rot++)
		if (json_array_size(json_object_get(json_array_get(
		    json_object_get(doc, "entries"), rot), "proof")) > 0)
			break;
	if (rot == 3)
		die("no entry carries a rotation");
	for (i = 0; i < 3; i++)
		rot_bad[i] = i != rot;
	d = json_deep_copy(doc);
	json_object_set_new(json_array_get(json_object_get(d, "entries"), rot),
	    "proof", json_array());
	add_case(cases, "the key rotation left out of its entry", d, rot_bad,
	    3);
	d = json_deep_copy(doc);
	{
		/* One byte of the third completion: its examiner's first. */
		json_t *e = json_array_get(json_object_get(d, "entries"), 2);
		const char *b64 = json_string_value(json_object_get(e,
		    "completion"));
		uint8_t bin[EV_MAX_BYTES];
		char enc[2 * EV_MAX_BYTES];
		size_t blen;

		if (sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL,
		    &blen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			die("base64");
		for (i = 0; i + 8 < blen; i++)
			if (memcmp(bin + i, "examiner", 8) == 0)
				break;
		if (i + 10 >= blen)
			die("no examiner in the completion");
		bin[i + 10] ^= 0x01;	/* past the key and the str header */
		sodium_bin2base64(enc, sizeof(enc), bin, blen,
		    sodium_base64_VARIANT_ORIGINAL);
		json_object_set_new(e, "completion", json_string(enc));
	}
	add_case(cases, "a byte of the third completion changed", d,
	    third_bad, 3);
	d = json_deep_copy(doc);
	memset(learner, 0x11, 16);
	{
		char t[PSEUDONYM_TEXT_LEN + 1];

		pseudonym_format(learner, t);
		json_object_set_new(d, "learner", json_string(t));
	}
	add_case(cases, "another learner", d, none, 3);
	if ((p = malloc(2 * glen + 1)) == NULL)
		die("out of memory");
	sodium_bin2hex(p, 2 * glen + 1, g, glen);
	root = json_pack("{s:s, s:o}", "genesis", p, "cases", cases);
	free(p);
	json_decref(doc);
	snprintf(path, sizeof(path), "%s/transcript.json", argv[1]);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL || (out = fopen(path, "w")) == NULL ||
	    fputs(text, out) == EOF || fputc('\n', out) == EOF ||
	    fclose(out) != 0)
		die("%s: write failed", path);
	free(text);
	json_decref(root);
	sample_fed_free(&f);
	return 0;
}
