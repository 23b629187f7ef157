/*
 * test_ctl_plan.c: reading a company's list of needs (tools/ctl_plan.h,
 * ctl_plan_read), which i40ctl plan and the web face's /plan share:
 * the lines it takes, each refusal naming its line, the bounds, and
 * messages that quote input cut on a whole character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/codec.h"
#include "tools/ctl_plan.h"

/* text[0..len) read and let go: ctl_plan_read's answer. */
static int
read_n(const char *text, size_t len, char *why, size_t cap)
{
	struct ctl_plan_list *l = NULL;
	int rc;

	why[0] = '\0';
	rc = ctl_plan_read(text, len, &l, why, cap);
	if (rc != 0)
		assert_null(l);
	ctl_plan_list_free(l);
	return rc;
}

static int
check(const char *text, char *why, size_t cap)
{
	return read_n(text, strlen(text), why, cap);
}

static void
test_lines_taken(void **state)
{
	char why[512];

	(void)state;
	assert_int_equal(check("# need | weight | employees\n"
	    "programmera industrirobotar | 2 | Anna Berg, Bo Ek\n"
	    "PLC programming | Carl Dahl\r\n"
	    "\n   \t\n"
	    "cybersäkerhet i styrsystem | 0,5\n"
	    "robotsvetsning | 1.5 |\n", why, sizeof(why)), 0);
	/* No newline at the end, a weight of 1000 (the most). */
	assert_int_equal(check("robot | 1000", why, sizeof(why)), 0);
}

static void
test_refusals_name_the_line(void **state)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "", "holds no need" },
		{ "# only a comment\n\n", "holds no need" },
		{ "robot\na | 1 | b | c\n", "line 2: more than three fields" },
		{ "robot | 0\n", "line 1: weight `0'" },
		{ "robot | 1001\n", "line 1: weight `1001'" },
		{ "robot | 1 | Anna,  , Bo\n", "line 1: an empty employee name" },
		{ " | 2\n", "line 1: no need before the first `|'" },
		{ "robot\n\xe5ngturbin\n", "line 2 is not UTF-8" },
	};
	char why[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(check(bad[i].text, why, sizeof(why)),
		    I40_E_VALUE);
		if (strstr(why, bad[i].says) == NULL)
			fail_msg("\"%s\": said \"%s\", not \"%s\"", bad[i].text,
			    why, bad[i].says);
	}
	/* A NUL byte: not text. */
	assert_int_equal(read_n("a\0b", 3, why, sizeof(why)),
	    I40_E_VALUE);
	assert_non_null(strstr(why, "NUL"));
}

static void
test_bounds(void **state)
{
	char why[512], *t;
	size_t i, n, cap = 2 * 1024 * 1024;

	(void)state;
	assert_non_null(t = malloc(cap));
	/* 1001 needs. */
	for (i = 0, n = 0; i < CTL_PLAN_NEEDS_MAX + 1; i++)
		n += (size_t)snprintf(t + n, cap - n, "need %zu\n", i);
	assert_int_equal(read_n(t, n, why, sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "line 1001: more than 1000 needs"));
	/* 1001 employees, on one line. */
	n = (size_t)snprintf(t, cap, "need |");
	for (i = 0; i < CTL_PLAN_EMPS_MAX + 1; i++)
		n += (size_t)snprintf(t + n, cap - n, "%se%zu", i ? "," : " ", i);
	assert_int_equal(read_n(t, n, why, sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "more than 1000 employees"));
	/* 21 needs for 1000 employees each: 21,000 named pairs. */
	for (i = 0, n = 0; i < 21; i++) {
		size_t e;

		n += (size_t)snprintf(t + n, cap - n, "need %zu |", i);
		for (e = 0; e < 1000; e++)
			n += (size_t)snprintf(t + n, cap - n, "%se%zu",
			    e ? "," : " ", e);
		n += (size_t)snprintf(t + n, cap - n, "\n");
	}
	assert_int_equal(read_n(t, n, why, sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "line 21: more than 20000 needs given"));
	/* 100 employees named once, and 300 needs that are everyone's. */
	for (i = 0, n = 0; i < 100; i++)
		n += (size_t)snprintf(t + n, cap - n, "need %zu | e%zu\n", i, i);
	for (i = 0; i < 300; i++)
		n += (size_t)snprintf(t + n, cap - n, "shared %zu\n", i);
	assert_int_equal(read_n(t, n, why, sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "30100 needs to employees in all"));
	/* More than 1 MiB. */
	memset(t, 'a', CTL_PLAN_TEXT_MAX + 1);
	assert_int_equal(read_n(t, CTL_PLAN_TEXT_MAX + 1, why,
	    sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "larger than 1 MiB"));
	free(t);
}

static void
test_messages_stay_text(void **state)
{
	char why[64], line[2048];
	size_t i, n = 0;

	(void)state;
	/* A weight of 400 'å': quoted clipped, the message whole text. */
	n = (size_t)snprintf(line, sizeof(line), "robot | ");
	for (i = 0; i < 400; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "å");
	snprintf(line + n, sizeof(line) - n, " | Anna\n");
	assert_int_equal(check(line, why, sizeof(why)), I40_E_VALUE);
	assert_true(codec_utf8_valid((const uint8_t *)why, strlen(why)));
	assert_true(strlen(why) < sizeof(why));
	/* Cut by buffers of every size, some inside a character: text. */
	for (i = 2; i <= sizeof(why); i++) {
		assert_int_equal(check("robot | 1ååååååååååååååå | Anna\n", why,
		    i), I40_E_VALUE);
		if (!codec_utf8_valid((const uint8_t *)why, strlen(why)))
			fail_msg("cut at %zu bytes: not UTF-8", i);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_taken),
		cmocka_unit_test(test_refusals_name_the_line),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_messages_stay_text),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
