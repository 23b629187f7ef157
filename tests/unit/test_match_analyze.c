/*
 * test_match_analyze.c: match/analyze.c, the terms course matching
 * indexes: folding (case, composed å ä ö, kept apart from a and o),
 * words and positions, stopwords, Snowball stems in both languages, and
 * bad input (not UTF-8, a word past the cut).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "match/analyze.h"

static struct mt_analyzer *an;

struct got {
	char text[1024];	/* "surface/stem@pos " ... */
	size_t n;
};

static int
collect(void *arg, const struct mt_token *t)
{
	struct got *g = arg;
	size_t l = strlen(g->text);

	snprintf(g->text + l, sizeof(g->text) - l, "%s%s/%s@%u",
	    l ? " " : "", t->surface, t->stem, t->pos);
	g->n++;
	return 0;
}

static const char *
terms(enum mt_lang lang, const char *text)
{
	static struct got g;

	memset(&g, 0, sizeof(g));
	assert_int_equal(mt_analyze(an, lang, text, strlen(text), collect, &g),
	    0);
	return g.text;
}

/* The stem of one word. */
static const char *
stem(enum mt_lang lang, const char *word)
{
	static char s[MT_TERM_MAX + 1];
	const char *t = terms(lang, word), *slash = strchr(t, '/'),
	    *at = strrchr(t, '@');

	assert_non_null(slash);
	assert_non_null(at);
	snprintf(s, sizeof(s), "%.*s", (int)(at - slash - 1), slash + 1);
	return s;
}

static void
test_fold(void **state)
{
	char out[64];
	size_t n;

	(void)state;
	assert_int_equal(mt_fold("ÅÄÖ Robot", strlen("ÅÄÖ Robot"), out,
	    sizeof(out), &n), 0);
	assert_string_equal(out, "åäö robot");
	/* Decomposed: a + ring above, o + diaeresis. */
	assert_int_equal(mt_fold("Sva\xcc\x8arigt O\xcc\x88l", 14, out,
	    sizeof(out), &n), 0);
	assert_string_equal(out, "svårigt öl");
	assert_int_equal(n, strlen("svårigt öl"));
	assert_int_equal(mt_fold("\xff", 1, out, sizeof(out), &n), I40_E_UTF8);
	assert_int_equal(mt_fold("\xc0\xaf", 2, out, sizeof(out), &n),
	    I40_E_UTF8);	/* overlong '/' */
	assert_int_equal(mt_fold("robotprogrammering", 18, out, 8, &n),
	    I40_E_TOO_LONG);
}

static void
test_words(void **state)
{
	(void)state;
	/* Stopwords dropped, positions counted over the words kept. */
	assert_string_equal(terms(MT_SV, "Jag vill lära mig Robotar!"),
	    "lära/lär@0 robotar/robot@1");
	assert_string_equal(terms(MT_EN, "The welding of robots, 2026."),
	    "welding/weld@0 robots/robot@1 2026/2026@2");
	/* å ä ö are letters of their own: "mål" is not "mal". */
	assert_string_equal(stem(MT_SV, "MÅL"), "mål");
	assert_string_equal(stem(MT_SV, "mal"), "mal");
	/* Separators: hyphens, slashes, tabs, non-Latin punctuation. */
	assert_string_equal(terms(MT_SV, "PLC-programmering/svetsning\t–ok"),
	    "plc/plc@0 programmering/programmering@1 svetsning/svetsning@2 "
	    "ok/ok@3");
	assert_string_equal(terms(MT_SV, ""), "");
	assert_string_equal(terms(MT_SV, " , . "), "");
}

/* Snowball groups these, as DOMAIN.md measured with stemwords. */
static void
test_stems(void **state)
{
	static const char *const sv[] = { "robot", "robotar", "robotarna",
	    "robotarnas", "roboten", "robotens", "robots" };
	static const char *const en[] = { "robots", "robotic", "robotics" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sv) / sizeof(sv[0]); i++)
		assert_string_equal(stem(MT_SV, sv[i]), "robot");
	for (i = 0; i < sizeof(en) / sizeof(en[0]); i++)
		assert_string_equal(stem(MT_EN, en[i]), "robot");
	assert_string_equal(stem(MT_EN, "welded"), "weld");
	/* ... and leaves these apart: the index needs the surface too. */
	assert_string_equal(stem(MT_SV, "robotars"), "robotar");
	assert_string_equal(stem(MT_SV, "svetsa"), "svets");
	assert_string_equal(stem(MT_SV, "svetsning"), "svetsning");
}

static void
test_bad_input(void **state)
{
	struct got g;
	char longw[200];

	(void)state;
	memset(&g, 0, sizeof(g));
	assert_int_equal(mt_analyze(an, MT_SV, "robot \xe5r", 8, collect, &g),
	    I40_E_UTF8);	/* Latin-1 å */
	assert_int_equal(mt_analyze(an, (enum mt_lang)7, "x", 1, collect, &g),
	    I40_E_VALUE);
	/* A word past MT_TERM_MAX bytes is cut, not refused. */
	memset(longw, 'a', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	memset(&g, 0, sizeof(g));
	assert_int_equal(mt_analyze(an, MT_EN, longw, strlen(longw), collect,
	    &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(strlen(g.text), 2 * MT_TERM_MAX + 3);
	assert_int_equal(mt_lang_parse("sv", &(enum mt_lang){ MT_EN }), 0);
	assert_int_equal(mt_lang_parse("fi", &(enum mt_lang){ MT_EN }),
	    I40_E_VALUE);
}

static int
setup(void **state)
{
	(void)state;
	return mt_analyzer_new(&an);
}

static int
teardown(void **state)
{
	(void)state;
	mt_analyzer_free(an);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_stems),
		cmocka_unit_test(test_bad_input),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
