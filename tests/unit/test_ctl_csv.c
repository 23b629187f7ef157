/*
 * test_ctl_csv.c: a registrar's spreadsheet as tools/ctl_csv.h reads it:
 * commas or semicolons told from the header, the byte-order mark dropped,
 * CRLF and LF alike, RFC 4180 quotes (a separator, a quote, a line break
 * inside a field), blank and ";;;" rows skipped, the line each row starts
 * on; and every malformed file refused with the line of the fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "protocol/errors.h"
#include "tools/ctl_csv.h"

/* text written to a temporary file, read back into *c. */
static int
read_text(const char *text, size_t len, struct ctl_csv *c, char *why,
    size_t cap)
{
	char path[] = "/tmp/i40-test-csv-XXXXXX";
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	rc = ctl_csv_read(path, c, why, cap);
	unlink(path);
	return rc;
}

static void
test_semicolons_bom_crlf(void **state)
{
	static const char t[] =
	    "\xef\xbb\xbf" "Kurskod;Betyg;Examinator\r\n"
	    "M1;G;\"Ek; Eva\"\r\n"
	    ";;\r\n"
	    "\r\n"
	    "M2; VG ;\"Say \"\"hej\"\"\"\r\n"
	    "M3;U;\"two\nlines\"\n"
	    "M4;G;last";
	struct ctl_csv c;
	char why[200];

	(void)state;
	assert_int_equal(read_text(t, sizeof(t) - 1, &c, why, sizeof(why)),
	    0);
	assert_int_equal(c.delim, ';');
	assert_int_equal(c.nrows, 5);
	assert_int_equal(c.rows[0].ncells, 3);
	assert_string_equal(c.rows[0].cell[0], "Kurskod");
	assert_int_equal(c.rows[0].line, 1);
	assert_string_equal(c.rows[1].cell[2], "Ek; Eva");
	assert_int_equal(c.rows[1].line, 2);
	/* The ";;" row and the empty line are skipped, their lines counted. */
	assert_int_equal(c.rows[2].line, 5);
	assert_string_equal(c.rows[2].cell[1], "VG");
	assert_string_equal(c.rows[2].cell[2], "Say \"hej\"");
	assert_int_equal(c.rows[3].line, 6);
	assert_string_equal(c.rows[3].cell[2], "two\nlines");
	/* The row after a field of two lines starts two lines on. */
	assert_int_equal(c.rows[4].line, 8);
	assert_string_equal(c.rows[4].cell[2], "last");
	ctl_csv_free(&c);
}

/* Lines ended by CR alone (old Mac exports): each row knows its line. */
static void
test_cr_only(void **state)
{
	static const char t[] = "Kurskod;Betyg\rM1;G\r\rM2;VG\rM3;\"U";
	struct ctl_csv c;
	char why[200];

	(void)state;
	/* The first 26 bytes end after "M2;VG\r". */
	assert_int_equal(read_text(t, 26, &c, why, sizeof(why)), 0);
	assert_int_equal(c.nrows, 3);
	assert_int_equal(c.rows[1].line, 2);
	assert_string_equal(c.rows[2].cell[1], "VG");
	assert_int_equal(c.rows[2].line, 4);
	ctl_csv_free(&c);
	/* An open quote on line 5: the error names line 5, not line 1. */
	assert_int_not_equal(read_text(t, sizeof(t) - 1, &c, why, sizeof(why)),
	    0);
	assert_non_null(strstr(why, "line 5"));
}

static void
test_commas(void **state)
{
	static const char t[] = "a,b;c,d\n1,\"x,y\",3\n";
	struct ctl_csv c;
	char why[200];

	(void)state;
	assert_int_equal(read_text(t, sizeof(t) - 1, &c, why, sizeof(why)),
	    0);
	assert_int_equal(c.delim, ',');
	assert_int_equal(c.rows[0].ncells, 3);
	assert_string_equal(c.rows[0].cell[1], "b;c");
	assert_string_equal(c.rows[1].cell[1], "x,y");
	ctl_csv_free(&c);
}

static void
refused(const char *t, size_t len, int code, const char *want)
{
	struct ctl_csv c;
	char why[200];

	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(read_text(t, len, &c, why, sizeof(why)), code);
	if (strstr(why, want) == NULL)
		fail_msg("want \"%s\" in \"%s\"", want, why);
	assert_int_equal(c.nrows, 0);
	assert_null(c.rows);
}

static void
test_refused(void **state)
{
	static const char nul[] = "a,b\n1,x\0y\n";
	char *big;
	size_t i;

	(void)state;
	refused("a,b\n1,\xff\n", 8, I40_E_VALUE, "line 2: not UTF-8");
	refused(nul, sizeof(nul) - 1, I40_E_VALUE, "line 2: not UTF-8");
	refused("a,b\n1,x\"y\n", 10, I40_E_VALUE, "line 2: a quote");
	refused("a,b\n1,\"x\"y\n", 11, I40_E_VALUE, "line 2: a quote");
	refused("a,b\n1,\"open\n2,3\n", 16, I40_E_VALUE,
	    "line 2: a quoted field that starts there or later is never");
	refused("", 0, I40_E_EMPTY, "no header row");
	refused("\n;;\n\r\n", 6, I40_E_EMPTY, "no header row");
	/* 65 columns. */
	big = malloc(200);
	assert_non_null(big);
	for (i = 0; i < 65; i++)
		memcpy(big + 2 * i, "x,", 2);
	big[129] = '\n';
	refused(big, 130, I40_E_TOO_LONG, "line 1: more than 64 columns");
	free(big);
	/* A field of more than 4096 bytes. */
	big = malloc(5000);
	assert_non_null(big);
	memset(big, 'a', 5000);
	memcpy(big, "a\n", 2);
	big[4999] = '\n';
	refused(big, 5000, I40_E_TOO_LONG, "line 2: a field of more");
	free(big);
}

static void
test_missing_file(void **state)
{
	struct ctl_csv c;
	char why[200];

	(void)state;
	assert_true(ctl_csv_read("/nonexistent/x.csv", &c, why,
	    sizeof(why)) < 0);
	assert_non_null(strstr(why, "cannot open /nonexistent/x.csv"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semicolons_bom_crlf),
		cmocka_unit_test(test_cr_only),
		cmocka_unit_test(test_commas),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_missing_file),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
