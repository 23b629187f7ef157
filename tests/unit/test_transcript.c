/*
 * test_transcript.c: docs/vectors/transcript.json (docs/protocol.md §16)
 * against tr_verify: every case's verdicts, entry by entry; a transcript
 * of another federation, of another format or version, or with a learner
 * that is no pseudonym is refused whole; proofs that are not rotations are
 * ignored, a forked or over-long proof refuses its entry; and the
 * generator writes the committed file byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "protocol/body.h"
#include "protocol/errors.h"
#include "protocol/event.h"
#include "tools/transcript.h"

#define VEC "docs/vectors/transcript.json"

static json_t *vec;
static uint8_t *g;
static size_t glen;

static int
setup(void **state)
{
	json_error_t je;
	const char *hex;

	(void)state;
	if (sodium_init() < 0)
		return -1;
	if ((vec = json_load_file(VEC, 0, &je)) == NULL) {
		fprintf(stderr, "# %s: %s\n", VEC, je.text);
		return -1;
	}
	hex = json_string_value(json_object_get(vec, "genesis"));
	glen = strlen(hex) / 2;
	if ((g = malloc(glen)) == NULL || sodium_hex2bin(g, glen, hex,
	    strlen(hex), NULL, NULL, NULL) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	json_decref(vec);
	free(g);
	return 0;
}

static const json_t *
case_doc(size_t i)
{
	return json_object_get(json_array_get(json_object_get(vec, "cases"),
	    i), "transcript");
}

static void
test_cases(void **state)
{
	const json_t *cases = json_object_get(vec, "cases"), *c;
	struct tr_check *res;
	char why[300];
	size_t i, j, n;

	(void)state;
	assert_true(json_array_size(cases) >= 6);
	json_array_foreach(cases, i, c) {
		const json_t *want = json_object_get(c, "verdicts");
		uint8_t ids[8][32];
		char code[TR_CODE_LEN + 1];
		size_t k = 0;

		assert_int_equal(tr_verify(json_object_get(c, "transcript"),
		    g, glen, NULL, &res, &n, why, sizeof(why)), 0);
		assert_int_equal(n, json_array_size(want));
		for (j = 0; j < n; j++)
			if (res[j].ok != json_is_true(json_array_get(want, j)))
				fail_msg("%s: entry %zu: %s",
				    json_string_value(json_object_get(c,
				    "name")), j + 1, res[j].reason);
		for (j = 0; j < n && k < 8; j++)
			if (res[j].ok)
				memcpy(ids[k++], res[j].id, 32);
		/* §16.4: the code of the verified entries. */
		assert_int_equal(tr_code((const uint8_t (*)[32])ids, k, code),
		    0);
		assert_string_equal(code, json_string_value(json_object_get(c,
		    "code")));
		free(res);
	}
}

/*
 * §16.4 from the text alone: BLAKE2b-256 of the tag and the sorted ids,
 * its top 60 bits in Crockford base 32, grouped by four.
 */
static void
test_code_from_spec(void **state)
{
	static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint8_t ids[2][32], d[32];
	crypto_generichash_state h;
	char want[15], got[TR_CODE_LEN + 1];
	uint64_t v = 0;
	size_t i, o = 0;

	(void)state;
	memset(ids[0], 0xbb, 32);
	memset(ids[1], 0xaa, 32);	/* sorts first */
	crypto_generichash_init(&h, NULL, 0, 32);
	crypto_generichash_update(&h, (const uint8_t *)"i40/transcript-code/v1",
	    22);
	crypto_generichash_update(&h, ids[1], 32);
	crypto_generichash_update(&h, ids[0], 32);
	crypto_generichash_final(&h, d, 32);
	for (i = 0; i < 8; i++)
		v = v << 8 | d[i];
	for (i = 0; i < 12; i++) {
		if (i == 4 || i == 8)
			want[o++] = '-';
		want[o++] = b32[(v >> (59 - 5 * i)) & 31];
	}
	want[o] = '\0';
	assert_int_equal(tr_code((const uint8_t (*)[32])ids, 2, got), 0);
	assert_string_equal(got, want);
	/* The empty set: the tag alone. */
	assert_int_equal(tr_code(NULL, 0, got), 0);
	assert_int_equal(strlen(got), 14);
}

static int
verify_whole(json_t *d, size_t *n, struct tr_check **res)
{
	char why[300];

	return tr_verify(d, g, glen, NULL, res, n, why, sizeof(why));
}

static void
test_refused_whole(void **state)
{
	struct tr_check *res;
	json_t *d;
	size_t n;

	(void)state;
	d = json_deep_copy(case_doc(0));
	json_object_set_new(d, "federation", json_string("00000000000000000000"
	    "000000000000000000000000000000000000000000000"));
	assert_int_equal(verify_whole(d, &n, &res), I40_E_FED_ID);
	json_decref(d);
	d = json_deep_copy(case_doc(0));
	json_object_set_new(d, "version", json_integer(2));
	assert_int_equal(verify_whole(d, &n, &res), I40_E_VERSION);
	json_object_set_new(d, "version", json_integer(1));
	json_object_set_new(d, "learner", json_string("not-a-pseudonym"));
	assert_int_equal(verify_whole(d, &n, &res), I40_E_VALUE);
	json_object_set_new(d, "format", json_string("i40-export"));
	assert_int_equal(verify_whole(d, &n, &res), I40_E_VALUE);
	json_decref(d);
	d = json_deep_copy(case_doc(0));
	json_object_set_new(d, "entries", json_string("none"));
	assert_int_equal(verify_whole(d, &n, &res), I40_E_TYPE);
	json_decref(d);
}

/* The entry with a rotation, and what its proof may hold. */
static void
test_proofs(void **state)
{
	struct tr_check *res;
	json_t *d, *e, *proof, *other;
	size_t n, i, rot = 0;

	(void)state;
	for (i = 0; i < 3; i++)
		if (json_array_size(json_object_get(json_array_get(
		    json_object_get(case_doc(0), "entries"), i), "proof")) > 0)
			rot = i;
	/* Another entry's completion among the proofs: ignored. */
	d = json_deep_copy(case_doc(0));
	e = json_array_get(json_object_get(d, "entries"), rot);
	proof = json_object_get(e, "proof");
	other = json_array_get(json_object_get(d, "entries"), (rot + 1) % 3);
	json_array_append(proof, json_object_get(other, "completion"));
	json_array_append(proof, json_array_get(proof, 0));	/* twice */
	assert_int_equal(verify_whole(d, &n, &res), 0);
	assert_true(res[rot].ok);
	free(res);
	/*
	 * A copy of the rotation with its signature changed beside the
	 * real one: ignored, not a fork (one that verifies decides).
	 */
	{
		const char *b64 = json_string_value(json_array_get(proof, 0));
		uint8_t bin[4096];
		char enc[8192];
		size_t blen;

		assert_int_equal(sodium_base642bin(bin, sizeof(bin), b64,
		    strlen(b64), NULL, &blen, NULL,
		    sodium_base64_VARIANT_ORIGINAL), 0);
		bin[blen - 1] ^= 0x01;
		sodium_bin2base64(enc, sizeof(enc), bin, blen,
		    sodium_base64_VARIANT_ORIGINAL);
		json_array_insert_new(proof, 0, json_string(enc));
	}
	assert_int_equal(verify_whole(d, &n, &res), 0);
	assert_true(res[rot].ok);
	free(res);
	/* Alone, the changed copy breaks the chain. */
	json_array_remove(proof, 1);
	while (json_array_size(proof) > 1)
		json_array_remove(proof, 1);
	assert_int_equal(verify_whole(d, &n, &res), 0);
	assert_false(res[rot].ok);
	free(res);
	json_decref(d);
	d = json_deep_copy(case_doc(0));
	e = json_array_get(json_object_get(d, "entries"), rot);
	proof = json_object_get(e, "proof");
	/* Not base64: the entry is refused. */
	json_array_append_new(proof, json_string("***"));
	assert_int_equal(verify_whole(d, &n, &res), 0);
	assert_false(res[rot].ok);
	assert_non_null(strstr(res[rot].reason, "not base64"));
	free(res);
	json_decref(d);
	/* 65 proofs: refused before any is decoded. */
	d = json_deep_copy(case_doc(0));
	e = json_array_get(json_object_get(d, "entries"), rot);
	proof = json_object_get(e, "proof");
	while (json_array_size(proof) <= 64)
		json_array_append(proof, json_array_get(proof, 0));
	assert_int_equal(verify_whole(d, &n, &res), 0);
	assert_false(res[rot].ok);
	assert_non_null(strstr(res[rot].reason, "more than 64"));
	free(res);
	json_decref(d);
	/* A proof that is no list, a summary that is no object. */
	d = json_deep_copy(case_doc(0));
	e = json_array_get(json_object_get(d, "entries"), rot);
	json_object_set_new(e, "proof", json_string("x"));
	json_object_set_new(json_array_get(json_object_get(d, "entries"),
	    (rot + 1) % 3), "summary", json_integer(1));
	assert_int_equal(verify_whole(d, &n, &res), 0);
	assert_false(res[rot].ok);
	assert_false(res[(rot + 1) % 3].ok);
	assert_true(res[(rot + 2) % 3].ok);
	free(res);
	json_decref(d);
}

/* The case named name's transcript. */
static const json_t *
case_named(const char *name)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(vec, "cases"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")),
		    name) == 0)
			return json_object_get(c, "transcript");
	fail_msg("no case \"%s\" in " VEC, name);
	return NULL;
}

/* The index of doc's entry for module code. */
static size_t
entry_of(const json_t *doc, const char *code)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(doc, "entries"), i, e)
		if (strcmp(json_string_value(json_object_get(json_object_get(e,
		    "summary"), "module")), code) == 0)
			return i;
	fail_msg("no entry for %s", code);
	return 0;
}

/*
 * The membership evidence (§16.3 rule 4): what it proves, what a damaged
 * one does to the file, what a forged or repeated vote is worth.
 */
static void
test_members(void **state)
{
	struct tr_check *res;
	json_t *d, *m, *it;
	size_t n, reg, i;
	char why[300];

	(void)state;
	d = json_deep_copy(case_doc(0));
	reg = entry_of(d, "REG5");
	m = json_object_get(d, "members");
	assert_true(json_array_size(m) > 0);
	/* Every event twice: each vote still counts once, all verify. */
	n = json_array_size(m);
	for (i = 0; i < n; i++)
		json_array_append(m, json_array_get(m, i));
	assert_int_equal(verify_whole(d, &n, &res), 0);
	for (i = 0; i < n; i++)
		assert_true(res[i].ok);
	free(res);
	/* Damaged evidence refuses the whole file, saying which item. */
	json_array_append_new(m, json_string("***"));
	assert_int_equal(tr_verify(d, g, glen, NULL, &res, &n, why,
	    sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "not base64"));
	json_object_set_new(d, "members", json_string("x"));
	assert_int_equal(verify_whole(d, &n, &res), I40_E_TYPE);
	json_decref(d);
	d = json_deep_copy(case_doc(0));
	m = json_object_get(d, "members");
	while (json_array_size(m) <= 4096)	/* §16.3: at most 4096 */
		json_array_append(m, json_array_get(m, 0));
	assert_int_equal(verify_whole(d, &n, &res), I40_E_TOO_LONG);
	json_decref(d);
	/*
	 * Endorsements whose signature (the last 64 bytes) was changed
	 * count for nothing: the admission lacks its vote.
	 */
	d = json_deep_copy(case_doc(0));
	m = json_object_get(d, "members");
	json_array_foreach(m, i, it) {
		uint8_t bin[EV_MAX_BYTES];
		char enc[2 * EV_MAX_BYTES];
		const char *b64 = json_string_value(it);
		struct ev_signed e;
		size_t blen;

		assert_int_equal(sodium_base642bin(bin, sizeof(bin), b64,
		    strlen(b64), NULL, &blen, NULL,
		    sodium_base64_VARIANT_ORIGINAL), 0);
		assert_int_equal(ev_decode(bin, blen, NULL, &e, NULL, NULL), 0);
		if (e.h.type != BODY_MEMBER_ENDORSE)
			continue;
		bin[blen - 1] ^= 0x01;
		sodium_bin2base64(enc, sizeof(enc), bin, blen,
		    sodium_base64_VARIANT_ORIGINAL);
		json_array_set_new(m, i, json_string(enc));
	}
	assert_int_equal(verify_whole(d, &n, &res), 0);
	assert_false(res[reg].ok);
	assert_non_null(strstr(res[reg].reason, "membership evidence"));
	for (i = 0; i < n; i++)
		assert_true(i == reg || res[i].ok);
	free(res);
	json_decref(d);
	d = json_deep_copy(case_named(
	    "an entry signed after its university's removal"));
	assert_int_equal(verify_whole(d, &n, &res), 0);
	assert_false(res[n - 1].ok);
	assert_non_null(strstr(res[n - 1].reason, "removed"));
	free(res);
	json_decref(d);
	d = json_deep_copy(case_named("an entry from a key no member admitted"));
	assert_int_equal(verify_whole(d, &n, &res), 0);
	assert_false(res[n - 1].ok);
	assert_non_null(strstr(res[n - 1].reason, "no university"));
	free(res);
	json_decref(d);
}

static void
test_regenerate_identical(void **state)
{
	const char *b = getenv("BUILD");
	char tool[1024], dir[] = "/tmp/i40-transcript-vec-XXXXXX", path[1100];
	char cmd[2400];
	int status;

	(void)state;
	snprintf(tool, sizeof(tool), "%s/testtools/gentranscript",
	    b != NULL && *b != '\0' ? b : "build");
	if (access(tool, X_OK) != 0)
		fail_msg("%s not found: build it with make (or set BUILD)",
		    tool);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/transcript.json", dir);
	snprintf(cmd, sizeof(cmd), "'%s' '%s' && cmp -s '%s' " VEC, tool, dir,
	    path);
	status = system(cmd);
	(void)unlink(path);
	(void)rmdir(dir);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg(VEC " differs from what %s writes now: if the change "
		    "is intended, run make vectors and commit", tool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_refused_whole),
		cmocka_unit_test(test_proofs),
		cmocka_unit_test(test_code_from_spec),
		cmocka_unit_test(test_regenerate_identical),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
