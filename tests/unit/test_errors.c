/*
 * test_errors.c: every I40_E_* code declared in protocol/errors.h has its
 * own name and its own text.  The header is parsed, so a code added without
 * text fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "protocol/errors.h"

static void
test_every_code_has_text(void **state)
{
	char line[512], name[64], seen_text[128][128];
	int code, n = 0, i;
	FILE *f = fopen("protocol/errors.h", "r");

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %63[A-Z0-9_] = %d", name, &code) != 2 ||
		    strncmp(name, "I40_E_", 6) != 0 ||
		    strcmp(name, "I40_E_FIRST") == 0 ||
		    strcmp(name, "I40_E_LAST") == 0)
			continue;
		assert_true(code < I40_E_FIRST && code > I40_E_LAST);
		if (i40_errname(code) == NULL)
			fail_msg("%s (%d) has no entry in errors.c", name, code);
		assert_string_equal(i40_errname(code), name);
		assert_true(strncmp(i40_strerror(code), "unknown error", 13) != 0);
		for (i = 0; i < n; i++)
			if (strcmp(seen_text[i], i40_strerror(code)) == 0)
				fail_msg("%s shares its text", name);
		assert_true(n < 128);
		snprintf(seen_text[n++], sizeof(seen_text[0]), "%s",
		    i40_strerror(code));
	}
	fclose(f);
	assert_true(n >= 30);	/* the header really was parsed */
	printf("# %d error codes\n", n);
}

static void
test_errno_and_unknown(void **state)
{
	(void)state;
	assert_string_equal(i40_strerror(0), "success");
	assert_string_equal(i40_strerror(-ENOENT), strerror(ENOENT));
	assert_string_equal(i40_strerror(-1999), "unknown error -1999");
	assert_string_equal(i40_strerror(5), "unknown error 5");
	assert_null(i40_errname(-ENOENT));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_text),
		cmocka_unit_test(test_errno_and_unknown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
