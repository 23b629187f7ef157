/*
 * test_ctl_guard.c: i40ctl's guardrails that need no daemon
 * (tools/ctl_guard.h): ISO 639-1 codes known and unknown, country codes
 * typed as languages refused or warned about, and decision dates after
 * today refused.  The guardrails that read a node's store run against
 * two daemons in tests/integration/registrar.t.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/ctl.h"
#include "tools/ctl_guard.h"

static struct codec_bytes
str(const char *s)
{
	struct codec_bytes b = { (const uint8_t *)s, strlen(s) };

	return b;
}

static void
test_lang_known(void **state)
{
	static const char *const yes[] = { "aa", "sv", "en", "da", "fi", "no",
	    "nb", "nn", "se", "de", "zu", "uk" };
	static const char *const no[] = { "dk", "xx", "gr", "jp", "cn", "us",
	    "zz", "", "s", "sve", "SV" };
	const char *name;
	size_t i;
	char c[3];
	int n = 0;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(ctl_lang_known((const uint8_t *)yes[i],
		    strlen(yes[i]), &name), 1);
		assert_non_null(name);
	}
	assert_int_equal(ctl_lang_known((const uint8_t *)"sv", 2, &name), 1);
	assert_string_equal(name, "Swedish");
	assert_int_equal(ctl_lang_known((const uint8_t *)"se", 2, &name), 1);
	assert_string_equal(name, "Northern Sami");
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(ctl_lang_known((const uint8_t *)no[i],
		    strlen(no[i]), &name), 0);
		assert_null(name);
	}
	/* The table is searched by bisection: every code must be found. */
	c[2] = '\0';
	for (c[0] = 'a'; c[0] <= 'z'; c[0]++)
		for (c[1] = 'a'; c[1] <= 'z'; c[1]++)
			n += ctl_lang_known((const uint8_t *)c, 2, &name);
	assert_int_equal(n, 184);
}

static void
test_lang_check(void **state)
{
	struct codec_bytes ok[2] = { str("sv"), str("en") };
	struct codec_bytes warn[2] = { str("en"), str("se") };
	struct codec_bytes bad[2] = { str("sv"), str("dk") };
	struct codec_bytes unknown[1] = { str("xq") };

	(void)state;
	ctl_set_cmd("test");
	assert_int_equal(ctl_lang_check(ok, 2), 0);
	/* se is a language (Northern Sami): warned about, not refused. */
	assert_int_equal(ctl_lang_check(warn, 2), 0);
	assert_int_equal(ctl_lang_check(bad, 2), I40_E_VALUE);
	assert_int_equal(ctl_lang_check(unknown, 1), I40_E_VALUE);
}

static void
test_dates(void **state)
{
	struct codec_bytes d;
	char today[11];

	(void)state;
	ctl_set_cmd("test");
	ctl_today(today);
	assert_int_equal(strlen(today), 10);
	assert_true(today[4] == '-' && today[7] == '-');
	d.p = (const uint8_t *)today;
	d.len = 10;
	assert_int_equal(ctl_date_not_future(&d, "--decision-date"), 0);
	d = str("1999-12-31");
	assert_int_equal(ctl_date_not_future(&d, "--decision-date"), 0);
	d = str("2999-01-01");
	assert_int_equal(ctl_date_not_future(&d, "--decision-date"),
	    I40_E_DATE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lang_known),
		cmocka_unit_test(test_lang_check),
		cmocka_unit_test(test_dates),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
