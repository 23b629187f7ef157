/*
 * test_match_index.c: match/index.c on a small catalog written here:
 * inflected forms and compounds find the Swedish robot module, English
 * needs find modules through English fields, a part of a compound finds
 * its whole, the fields that matched are told, results are the same
 * every time, and empty or bad needs are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match/index.h"

static struct mt_analyzer *an;
static struct mt_dict *dict;
static struct mt_index *ix;

enum { ROBOT, WELD, VISION, PLC, NDOCS };

static const struct mt_doc docs[NDOCS] = {
	[ROBOT] = { .text = {
	    [MT_F_TITLE] = { "Robotprogrammering", "Robot programming" },
	    [MT_F_TAGS] = { "robotprogrammering, industrirobot", NULL },
	    [MT_F_OUTCOMES] = { "Programmera en industrirobot i en cell",
		NULL },
	    [MT_F_SUMMARY] = { "Kursen lär ut hur man programmerar robotar.",
		NULL } } },
	[WELD] = { .text = {
	    [MT_F_TITLE] = { "Svetsautomation", "Welding automation" },
	    [MT_F_TAGS] = { "svetsning", "welding" },
	    [MT_F_OUTCOMES] = { "Planera automatiserad svetsning", NULL },
	    [MT_F_SUMMARY] = { "Svetsa med robot i produktionen.", NULL } },
	    .keys = { [MT_F_TAGS] = { "esco:http://x/weld" } },
	    .nkeys = { [MT_F_TAGS] = 1 } },
	[VISION] = { .text = {
	    [MT_F_TITLE] = { "Kvalitetskontroll med maskinseende",
		"Quality inspection with machine vision" },
	    [MT_F_OUTCOMES] = { "Bygga ett system för kvalitetskontroll",
		NULL } } },
	[PLC] = { .text = {
	    [MT_F_TITLE] = { NULL, "PLC programming" },
	    [MT_F_SUMMARY] = { NULL, "Program PLCs for production lines." } } },
};

/* The best document for need, and *hits for more checks. */
static size_t
best(enum mt_lang lang, const char *need, struct mt_hit **hits, size_t *n)
{
	assert_int_equal(mt_query(ix, an, lang, need, strlen(need), hits, n),
	    0);
	assert_true(*n > 0);
	return (*hits)[0].doc;
}

static size_t
top(enum mt_lang lang, const char *need)
{
	struct mt_hit *h;
	size_t n, d = best(lang, need, &h, &n);

	free(h);
	return d;
}

static void
test_swedish_forms(void **state)
{
	(void)state;
	assert_int_equal(top(MT_SV, "robotar"), ROBOT);
	assert_int_equal(top(MT_SV, "robotens"), ROBOT);
	assert_int_equal(top(MT_SV, "robotprogrammering"), ROBOT);
	assert_int_equal(top(MT_SV, "Jag vill lära mig programmera robotar"),
	    ROBOT);
	assert_int_equal(top(MT_SV, "svetsning"), WELD);
	assert_int_equal(top(MT_SV, "svetsa"), WELD);
	/* A part of a compound finds its whole. */
	assert_int_equal(top(MT_SV, "kvalitet"), VISION);
	assert_int_equal(top(MT_SV, "kontroll av kvalitet"), VISION);
}

static void
test_english(void **state)
{
	(void)state;
	assert_int_equal(top(MT_EN, "programming PLCs"), PLC);
	assert_int_equal(top(MT_EN, "welded joints"), WELD);
	assert_int_equal(top(MT_EN, "machine vision for quality"), VISION);
	assert_int_equal(top(MT_EN, "robotics"), ROBOT);
}

static void
test_explained_and_stable(void **state)
{
	struct mt_hit *a, *b;
	size_t na, nb, i;

	(void)state;
	assert_int_equal(best(MT_SV, "robotar svetsning", &a, &na), WELD);
	/* Word 0 (robotar) and word 1 (svetsning) in the fields they hit. */
	for (i = 0; i < na && a[i].doc != ROBOT; i++)
		;
	assert_true(i < na);
	assert_true(a[i].fields[MT_F_TITLE] & 1u);
	assert_false(a[i].fields[MT_F_TITLE] & 2u);
	assert_true(a[0].fields[MT_F_TAGS] & 2u);
	assert_int_equal(best(MT_SV, "robotar svetsning", &b, &nb), WELD);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++) {
		assert_int_equal(a[i].doc, b[i].doc);
		assert_true(a[i].score == b[i].score);
		assert_true(i == 0 || a[i - 1].score >= a[i].score);
	}
	free(a);
	free(b);
}

static void
test_bad_needs(void **state)
{
	struct mt_hit *h;
	size_t n;

	(void)state;
	assert_int_equal(mt_query(ix, an, MT_SV, "", 0, &h, &n), I40_E_EMPTY);
	assert_int_equal(mt_query(ix, an, MT_SV, "och att i", 9, &h, &n),
	    I40_E_EMPTY);
	assert_int_equal(mt_query(ix, an, MT_SV, "robot\xff", 6, &h, &n),
	    I40_E_UTF8);
	/* A word nothing holds: no hits, not an error. */
	assert_int_equal(mt_query(ix, an, MT_EN, "astronomy", 9, &h, &n), 0);
	assert_int_equal(n, 0);
	free(h);
}

/* Keys (a skill's ESCO URI) as query words: matched whole, numbered on. */
static void
test_keys(void **state)
{
	static const struct mt_qkey k[] = { { "esco:http://x/weld", 0, 1 },
	    { "esco:http://x/none", 0, 1 } };
	struct mt_qkey half = { "esco:http://x/weld", 0, 0.5 };
	struct mt_hit *h;
	size_t n;

	(void)state;
	assert_int_equal(mt_query_keys(ix, an, MT_EN, "joining", 7, k, 2, &h,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].doc, WELD);
	/* Word 0 is "joining" (no hit), key 0 is word 1, in the tags. */
	assert_int_equal(h[0].fields[MT_F_TAGS], 2u);
	/* The key stands for all of word 0: the need is covered. */
	assert_true(h[0].cover == 1.0);
	free(h);
	assert_int_equal(mt_query_keys(ix, an, MT_EN, "joining", 7, &half, 1,
	    &h, &n), 0);
	assert_int_equal(n, 1);
	assert_true(h[0].cover == 0.5);
	free(h);
}

/*
 * A need's compound split by the catalog's own terms too: no word list
 * holds "svets" (only "svetsa"), the index has it as a stem.
 */
static void
test_own_terms(void **state)
{
	char parts[MT_PARTS_MAX][MT_TERM_MAX + 1];
	struct mt_hit *h;
	size_t n, i;

	(void)state;
	mt_split(dict, "svetsceller", parts, &n);
	assert_int_equal(n, 0);
	mt_split2(dict, mt_index_stems(ix), "svetsceller", parts, &n);
	assert_int_equal(n, 2);
	assert_string_equal(parts[0], "svets");
	assert_string_equal(parts[1], "celler");
	/* Each part found where it is: half the word each. */
	assert_int_equal(mt_query(ix, an, MT_SV, "svetsceller", 11, &h, &n), 0);
	for (i = 0; i < n && h[i].doc != ROBOT; i++)
		;
	assert_true(i < n && h[i].cover == 0.5);
	for (i = 0; i < n && h[i].doc != WELD; i++)
		;
	assert_true(i < n && h[i].cover == 0.5);
	free(h);
}

/* How much of a need each hit matched: words whole, compounds by parts. */
static void
test_cover(void **state)
{
	struct mt_hit *h;
	size_t n, i;

	(void)state;
	assert_int_equal(best(MT_SV, "robotar svetsning", &h, &n), WELD);
	assert_true(h[0].cover == 2.0);		/* "robot" in its summary */
	for (i = 0; i < n && h[i].doc != ROBOT; i++)
		;
	assert_true(i < n && h[i].cover == 1.0);
	free(h);
	/* Only "kvalitet" of kvalitets|säkerhet: half the word. */
	assert_int_equal(best(MT_SV, "kvalitetssäkerhet", &h, &n), VISION);
	assert_true(h[0].cover == 0.5);
	free(h);
	/* Matched twice, by itself and by its key: counted once. */
	{
		static const struct mt_qkey k = { "esco:http://x/weld", 0, 1 };

		assert_int_equal(mt_query_keys(ix, an, MT_SV, "svetsning", 9,
		    &k, 1, &h, &n), 0);
		assert_int_equal(h[0].doc, WELD);
		assert_true(h[0].cover == 1.0);
		free(h);
	}
}

/* "Did you mean" from the words of the modules' texts. */
static void
test_suggest(void **state)
{
	char out[4][MT_TERM_MAX + 1];
	size_t n;

	(void)state;
	assert_int_equal(mt_suggest(ix, an, MT_SV, "robtar svetsnig", 15, out,
	    4, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "robotar");
	assert_string_equal(out[1], "svetsning");
	/* Words the modules hold need no suggestion; far ones get none. */
	assert_int_equal(mt_suggest(ix, an, MT_EN, "welding astronomy", 17,
	    out, 4, &n), 0);
	assert_int_equal(n, 0);
	/* Short words: one edit at most ("cel" to "cell", not "kod" to it). */
	assert_int_equal(mt_suggest(ix, an, MT_SV, "cel kodd", 8, out, 4, &n),
	    0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "cell");
	assert_int_equal(mt_suggest(ix, an, MT_SV, "\xff", 1, out, 4, &n),
	    I40_E_UTF8);
}

static int
setup(void **state)
{
	char why[200];
	size_t i, n;
	int rc;

	(void)state;
	if ((rc = mt_analyzer_new(&an)) != 0 || (rc = mt_dict_new(&dict)) != 0 ||
	    (rc = mt_dict_load(dict, MT_DICT_DEFAULT, &n, why,
	    sizeof(why))) != 0 || (rc = mt_index_new(an, dict, &ix)) != 0)
		return rc;
	for (i = 0; i < NDOCS; i++)
		if ((rc = mt_index_add(ix, &docs[i])) != 0)
			return rc;
	return mt_index_finish(ix);
}

static int
teardown(void **state)
{
	(void)state;
	mt_index_free(ix);
	mt_dict_free(dict);
	mt_analyzer_free(an);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_swedish_forms),
		cmocka_unit_test(test_english),
		cmocka_unit_test(test_explained_and_stable),
		cmocka_unit_test(test_bad_needs),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_cover),
		cmocka_unit_test(test_own_terms),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
