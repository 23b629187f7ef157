/*
 * test_pnr.c: Swedish personal identity and coordination numbers
 * (tools/pnr.h): the forms a person writes are read and written as
 * YYYYMMDD-NNNN; the century of a short form follows its '-' or '+' and
 * today's date; the Luhn check catches every single mistyped digit; dates
 * that do not exist or lie ahead are refused; no message quotes the
 * number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tools/pnr.h"

static const struct pnr_date today = { 2026, 12, 7 };

static void
ok(const char *in, const char *want, int want_coord)
{
	char out[PNR_LEN + 1], why[200];
	int coord = -1;

	if (pnr_parse(in, &today, out, &coord, why, sizeof(why)) != 0)
		fail_msg("%s refused: %s", in, why);
	assert_string_equal(out, want);
	assert_int_equal(coord, want_coord);
}

static void
bad(const char *in, const char *words)
{
	char out[PNR_LEN + 1], why[200];

	assert_int_equal(pnr_parse(in, &today, out, NULL, why, sizeof(why)),
	    I40_E_VALUE);
	if (strstr(why, words) == NULL)
		fail_msg("%s: `%s' does not say `%s'", in, why, words);
	/* Personal data is never said back. */
	if (*in != '\0')
		assert_null(strstr(why, in));
}

static void
test_forms(void **state)
{
	(void)state;
	ok("19121212-1212", "19121212-1212", 0);	/* Skatteverket's */
	ok("191212121212", "19121212-1212", 0);
	ok("  811218-9876 ", "19811218-9876", 0);
	ok("8112189876", "19811218-9876", 0);
	ok("121212-1212", "20121212-1212", 0);
	ok("121212+1212", "19121212-1212", 0);	/* 100 or older */
	ok("701063-2391", "19701063-2391", 1);	/* coordination: day + 60 */
	ok("20000229-1235", "20000229-1235", 0);	/* a leap day */
	/* A short form never lies ahead: 2030 would, so 1930. */
	ok("301212-1236", "19301212-1236", 0);
}

static void
test_refused(void **state)
{
	(void)state;
	bad("19121212-1213", "check digit does not match");
	bad("20301212-1236", "after today");
	bad("19810230-1234", "no day of the calendar");
	bad("19000229-1235", "no day of the calendar");	/* 1900: no leap */
	bad("1912121-21212", "YYYYMMDD-NNNN");
	bad("19121212+1212", "YYYYMMDD-NNNN");
	bad("19121212", "8 digits given");
	bad("1912-1212-1212", "YYYYMMDD-NNNN");
	bad("abc", "YYYYMMDD-NNNN");
	bad("", "0 digits given");
}

/* Every digit of a valid number typed wrong: refused, whatever it hits. */
static void
test_every_typo(void **state)
{
	const char *good = "19811218-9876";
	char in[PNR_LEN + 1], out[PNR_LEN + 1], why[200];
	int i, d, tried = 0;

	(void)state;
	for (i = 2; good[i] != '\0'; i++) {
		if (good[i] == '-')
			continue;
		for (d = 0; d <= 9; d++) {
			memcpy(in, good, sizeof(in));
			if (in[i] == '0' + d)
				continue;
			in[i] = (char)('0' + d);
			assert_int_equal(pnr_parse(in, &today, out, NULL, why,
			    sizeof(why)), I40_E_VALUE);
			tried++;
		}
	}
	assert_int_equal(tried, 90);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_every_typo),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
