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

/* Each university's log so far: its last id, next seq, key in force. */
static uint8_t prevs[4][32], inforce[4][32];
static uint64_t seqs[4] = { 1, 1, 1, 1 };

/* Sign b as a's next event and store it; its id into id if not NULL. */
static void
put(size_t a, const struct body *b, uint8_t *id)
{
	uint8_t buf[EV_MAX_BYTES];
	struct store_item it;
	struct store_outcome o;
	uint64_t seq = seqs[a]++;
	size_t len;
	int rc;

	if ((rc = sample_sign_body(&f, a, seq, prevs[a], b, buf, sizeof(buf),
	    &len, prevs[a])) != 0 ||
	    (rc = ev_decode(buf, len, f.fed_id, &it.ev, NULL, NULL)) != 0)
		die("event %zu/%llu: %s", a, (unsigned long long)seq,
		    i40_strerror(rc));
	memcpy(it.key, inforce[a], 32);
	if ((rc = store_append(st, &it, 1, &o)) != 0 ||
	    o.result != STORE_STORED)
		die("store_append %zu/%llu: %s", a, (unsigned long long)seq,
		    i40_strerror(rc != 0 ? rc : o.code));
	if (id != NULL)
		memcpy(id, prevs[a], 32);
}

static char arena[SAMPLE_ARENA];

static json_t *
tr_b64_of(const uint8_t *p, size_t n)
{
	char enc[2 * EV_MAX_BYTES];

	sodium_bin2base64(enc, sizeof(enc), p, n,
	    sodium_base64_VARIANT_ORIGINAL);
	return json_string(enc);
}
static struct sample_rng r;

/* a publishes module code, and records learner's grade on it. */
static void
result(size_t a, const char *mcode, const uint8_t learner[16],
    const char *grade, const char *scale)
{
	uint8_t mod[32];
	struct body b;
	int rc;

	if ((rc = sample_body(&f, a, BODY_MODULE_PUBLISH, &r, &b,
	    arena)) != 0)
		die("module: %s", i40_strerror(rc));
	b.u.module.code.p = (const uint8_t *)mcode;
	b.u.module.code.len = strlen(mcode);
	put(a, &b, mod);
	if (a == 0 && seqs[0] == 3) {
		/* A rotation between the module and the result. */
		uint8_t seed[32];
		struct key_secret *next;

		memset(seed, 0x5a, sizeof(seed));
		if ((rc = key_from_seed(seed, &next)) != 0 ||
		    (rc = body_rotate_make(f.fed_id, f.pk[0], next,
		    &b)) != 0)
			die("rotation: %s", i40_strerror(rc));
		put(0, &b, NULL);
		key_public(next, inforce[0]);
		key_free(f.keys[0]);
		f.keys[0] = next;
	}
	if ((rc = sample_body(&f, a, BODY_COMPLETION_RECORD, &r, &b,
	    arena)) != 0)
		die("completion: %s", i40_strerror(rc));
	memcpy(b.u.completion.learner, learner, 16);
	memcpy(b.u.completion.module, mod, 32);
	b.u.completion.grade.p = (const uint8_t *)grade;
	b.u.completion.grade.len = strlen(grade);
	b.u.completion.scale.p = (const uint8_t *)scale;
	b.u.completion.scale.len = strlen(scale);
	put(a, &b, NULL);
}

static void
endorse(size_t a, const uint8_t proposal[32])
{
	struct body b;

	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_ENDORSE;
	memcpy(b.u.endorse.proposal, proposal, 32);
	put(a, &b, NULL);
}

/*
 * Three founders' results (the first after a key rotation), a second
 * one at the third university, and a fourth university admitted later
 * (proposed by the second, endorsed by the first) with a result too.
 */
static void
fill(const uint8_t learner[16])
{
	uint8_t prop[32];
	struct ev_signed ge;
	struct body b;
	size_t a;
	int rc;

	sample_seed(&r, 16);
	/* The genesis is the first university's seq 1. */
	if ((rc = ev_decode(g, glen, NULL, &ge, NULL, NULL)) != 0)
		die("genesis: %s", i40_strerror(rc));
	memcpy(prevs[0], ge.id, 32);
	seqs[0] = 2;
	for (a = 0; a < 4; a++)
		memcpy(inforce[a], f.pk[a], 32);
	result(0, "ROB1", learner, "VG", "UVG");
	result(1, "SVE2", learner, "G", "UG");
	result(2, "PLC3", learner, "4", "U345");
	result(2, "PLC4", learner, "5", "U345");
	if ((rc = sample_propose(&f, 3, "member", &b, arena)) != 0)
		die("propose: %s", i40_strerror(rc));
	put(1, &b, prop);
	endorse(0, prop);
	result(3, "REG5", learner, "G", "UG");
}

/* The third university removed, counting its log up to its first result. */
static void
remove_third(void)
{
	uint8_t prop[32];
	struct body b;
	int rc;

	if ((rc = sample_body(&f, 1, BODY_MEMBER_REMOVE, &r, &b, arena)) != 0)
		die("remove: %s", i40_strerror(rc));
	memcpy(b.u.remove.key, f.pk[2], 32);
	b.u.remove.upto = 2;
	put(1, &b, prop);
	endorse(0, prop);
	endorse(3, prop);
}

/* The index of doc's entry for module code, or die. */
static size_t
entry_for(const json_t *doc, const char *mcode)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(doc, "entries"), i, e)
		if (strcmp(json_string_value(json_object_get(json_object_get(e,
		    "summary"), "module")), mcode) == 0)
			return i;
	die("no entry for %s", mcode);
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

/*
 * An entry of a key that no member ever proposed: its module and its
 * result for learner, both signed by it (never stored: no node would).
 */
static json_t *
stranger_entry(const json_t *like, const uint8_t learner[16])
{
	uint8_t buf[2][EV_MAX_BYTES], prev[32], mod[32];
	size_t len[2];
	struct body b;
	int rc;

	memset(prev, 0, 32);
	if ((rc = sample_body(&f, 4, BODY_MODULE_PUBLISH, &r, &b, arena)) != 0 ||
	    (rc = sample_sign_body(&f, 4, 1, prev, &b, buf[0], sizeof(buf[0]),
	    &len[0], mod)) != 0 ||
	    (rc = sample_body(&f, 4, BODY_COMPLETION_RECORD, &r, &b,
	    arena)) != 0)
		die("stranger: %s", i40_strerror(rc));
	memcpy(b.u.completion.learner, learner, 16);
	memcpy(b.u.completion.module, mod, 32);
	if ((rc = sample_sign_body(&f, 4, 2, mod, &b, buf[1], sizeof(buf[1]),
	    &len[1], prev)) != 0)
		die("stranger: %s", i40_strerror(rc));
	return json_pack("{s:O, s:o, s:o, s:[]}", "summary",
	    json_object_get(like, "summary"), "completion", tr_b64_of(buf[1],
	    len[1]), "module", tr_b64_of(buf[0], len[0]), "proof");
}

/* want: every entry of n verifies but bad (SIZE_MAX: none). */
static int *
all_but(size_t n, size_t bad)
{
	static int want[16];
	size_t i;

	for (i = 0; i < n && i < 16; i++)
		want[i] = i != bad;
	return want;
}

/* doc with one byte of entry i's completion changed: its examiner's. */
static json_t *
flip_examiner(const json_t *doc, size_t i)
{
	json_t *d = json_deep_copy(doc);
	json_t *e = json_array_get(json_object_get(d, "entries"), i);
	const char *b64 = json_string_value(json_object_get(e, "completion"));
	uint8_t bin[EV_MAX_BYTES];
	char enc[2 * EV_MAX_BYTES];
	size_t blen, k;

	if (sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL, &blen,
	    NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		die("base64");
	for (k = 0; k + 8 < blen; k++)
		if (memcmp(bin + k, "examiner", 8) == 0)
			break;
	if (k + 10 >= blen)
		die("no examiner in the completion");
	bin[k + 10] ^= 0x01;	/* past the key and the str header */
	sodium_bin2base64(enc, sizeof(enc), bin, blen,
	    sodium_base64_VARIANT_ORIGINAL);
	json_object_set_new(e, "completion", json_string(enc));
	return d;
}

/* doc's "members" without the events of type (an endorsement, say). */
static json_t *
drop_evidence(const json_t *doc, uint32_t type)
{
	json_t *d = json_deep_copy(doc), *m = json_object_get(d, "members");
	size_t i = 0;

	while (i < json_array_size(m)) {
		const char *b64 = json_string_value(json_array_get(m, i));
		uint8_t bin[EV_MAX_BYTES];
		struct ev_signed e;
		size_t blen;

		if (sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL,
		    &blen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    ev_decode(bin, blen, NULL, &e, NULL, NULL) != 0)
			die("members: no event");
		if (e.h.type == type)
			json_array_remove(m, i);
		else
			i++;
	}
	return d;
}

static json_t *
build(const uint8_t learner[16])
{
	char why[300];
	json_t *doc;

	if (tr_build(st, learner, NULL, 0, &doc, why, sizeof(why)) != 0)
		die("tr_build: %s", why);
	/* Fixed, so that every run writes the same bytes. */
	json_object_set_new(doc, "issued", json_string("2026-12-01T12:00:00Z"));
	return doc;
}

int
main(int argc, char *argv[])
{
	char dir[] = "/tmp/i40-gentranscript-XXXXXX", path[4096];
	uint8_t learner[16], seed[32];
	struct store_opts so;
	struct codec_err err;
	json_t *doc, *before, *d, *cases, *root;
	size_t rot, n, reg, plc4, i;
	uint8_t id[32];
	char *text, *p;
	int rc;
	FILE *out;

	if (argc != 2)
		die("usage: gentranscript OUTDIR");
	if (sodium_init() < 0 || sample_fed_init(&f, 3) != 0)
		die("setup failed");
	/*
	 * Keys not in the charter: a fourth university admitted later, and
	 * a stranger nobody admits.
	 */
	for (i = 3; i < 5; i++) {
		memset(seed, (int)(i + 1), sizeof(seed));
		if (key_from_seed(seed, &f.keys[i]) != 0)
			die("setup failed");
		key_public(f.keys[i], f.pk[i]);
		f.nkeys = i + 1;
	}
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
	before = build(learner);
	remove_third();
	doc = build(learner);
	store_close(st);
	sample_rm_rf(dir);
	n = json_array_size(json_object_get(doc, "entries"));
	if (n != 4 || json_array_size(json_object_get(before, "entries")) != 5)
		die("%zu entries after the removal, not 4", n);
	reg = entry_for(doc, "REG5");
	plc4 = entry_for(before, "PLC4");
	cases = json_array();
	add_case(cases, "as issued", json_deep_copy(doc), all_but(n, SIZE_MAX),
	    n);
	d = json_deep_copy(doc);
	json_array_remove(json_object_get(d, "entries"), 1);
	add_case(cases, "the second entry dropped", d, all_but(n - 1, SIZE_MAX),
	    n - 1);
	d = json_deep_copy(doc);
	json_object_set_new(json_object_get(json_array_get(json_object_get(d,
	    "entries"), 0), "summary"), "grade", json_string("G"));
	add_case(cases, "the first summary's grade changed", d, all_but(n, 0),
	    n);
	/* The entry of the university that rotated its key. */
	rot = entry_for(doc, "ROB1");
	if (json_array_size(json_object_get(json_array_get(json_object_get(doc,
	    "entries"), rot), "proof")) == 0)
		die("the rotated university's entry carries no rotation");
	d = json_deep_copy(doc);
	json_object_set_new(json_array_get(json_object_get(d, "entries"), rot),
	    "proof", json_array());
	add_case(cases, "the key rotation left out of its entry", d,
	    all_but(n, rot), n);
	add_case(cases, "a byte of the third completion changed",
	    flip_examiner(doc, 2), all_but(n, 2), n);
	d = json_deep_copy(doc);
	{
		uint8_t other[16];
		char t[PSEUDONYM_TEXT_LEN + 1];

		memset(other, 0x11, 16);
		pseudonym_format(other, t);
		json_object_set_new(d, "learner", json_string(t));
	}
	{
		static const int zeros[16];

		add_case(cases, "another learner", d, zeros, n);
	}
	d = json_deep_copy(doc);
	json_object_del(d, "members");
	add_case(cases, "the membership evidence left out", d, all_but(n, reg),
	    n);
	add_case(cases, "the admission's endorsement left out",
	    drop_evidence(doc, BODY_MEMBER_ENDORSE), all_but(n, reg), n);
	add_case(cases, "before the removal", json_deep_copy(before),
	    all_but(n + 1, SIZE_MAX), n + 1);
	d = json_deep_copy(doc);
	json_array_append(json_object_get(d, "entries"), json_array_get(
	    json_object_get(before, "entries"), plc4));
	add_case(cases, "an entry signed after its university's removal", d,
	    all_but(n + 1, n), n + 1);
	d = json_deep_copy(doc);
	json_array_append_new(json_object_get(d, "entries"),
	    stranger_entry(json_array_get(json_object_get(doc, "entries"), 0),
	    learner));
	add_case(cases, "an entry from a key no member admitted", d,
	    all_but(n + 1, n), n + 1);
	if ((p = malloc(2 * glen + 1)) == NULL)
		die("out of memory");
	sodium_bin2hex(p, 2 * glen + 1, g, glen);
	root = json_pack("{s:s, s:o}", "genesis", p, "cases", cases);
	free(p);
	json_decref(doc);
	json_decref(before);
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
