/*
 * test_match_compound.c: match/compound.c, Swedish compounds split by a
 * word list: a list written here (ISO-8859-1 and UTF-8 lines), the
 * joint "s", the whole word not counting as its own split, the fewest
 * parts, code points never cut; and Debian's wswedish on the compounds
 * docs/matching.md names.
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

#include "match/compound.h"

static struct mt_dict *small;

/* "a b" for word's parts, "" for none. */
static const char *
split(const struct mt_dict *d, const char *word)
{
	static char out[4 * (MT_TERM_MAX + 1)];
	char parts[MT_PARTS_MAX][MT_TERM_MAX + 1];
	size_t n, i;

	mt_split(d, word, parts, &n);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, parts[i]);
	}
	return out;
}

static void
test_small(void **state)
{
	(void)state;
	assert_int_equal(mt_dict_size(small), 8);
	assert_string_equal(split(small, "robotprogrammering"),
	    "robot programmering");
	assert_string_equal(split(small, "robotcell"), "robot cell");
	/* The joint "s" between two parts. */
	assert_string_equal(split(small, "kvalitetskontroll"),
	    "kvalitet kontroll");
	/*
	 * Latin-1 in the list, UTF-8 here: "språket"; "programmerings" is
	 * listed too, but the joint "s" goes.
	 */
	assert_string_equal(split(small, "programmeringsspråket"),
	    "programmering språket");
	/* Listed whole, still split into its parts. */
	assert_true(mt_dict_has(small, "robotcell", 9));
	/* No compound: one part, an unknown rest, a joint at the end. */
	assert_string_equal(split(small, "robot"), "");
	assert_string_equal(split(small, "robotxyz"), "");
	assert_string_equal(split(small, "robotcells"), "");
	/* The fewest parts: "robotcell" is listed. */
	assert_string_equal(split(small, "robotcellrobotcell"),
	    "robotcell robotcell");
	/* At most four parts. */
	assert_string_equal(split(small, "robotkontrollcellkvalitet"),
	    "robot kontroll cell kvalitet");
	assert_string_equal(split(small, "robotkontrollcellkvalitetrobot"),
	    "");
	/* "A-aktie" and "3d" are no parts: only words of letters load. */
	assert_false(mt_dict_has(small, "a-aktie", 7));
	assert_false(mt_dict_has(small, "3dx", 3));
}

static void
test_bad(void **state)
{
	struct mt_dict *d;
	char why[200];
	size_t n;

	(void)state;
	assert_int_equal(mt_dict_new(&d), 0);
	assert_true(mt_dict_load(d, "/nonexistent/words", &n, why,
	    sizeof(why)) < 0);
	assert_non_null(strstr(why, "/nonexistent/words"));
	assert_int_equal(mt_dict_add(d, "", 0), I40_E_TOO_LONG);
	assert_int_equal(mt_dict_add(d, "abc", 65), I40_E_TOO_LONG);
	mt_dict_free(d);
}

/* Debian's word list (wswedish, in make deps) on real compounds. */
static void
test_wswedish(void **state)
{
	struct mt_dict *d;
	char why[200];
	size_t n;

	(void)state;
	if (access(MT_DICT_DEFAULT, R_OK) != 0)
		fail_msg(MT_DICT_DEFAULT " is missing: make deps installs "
		    "wswedish");
	assert_int_equal(mt_dict_new(&d), 0);
	assert_int_equal(mt_dict_load(d, MT_DICT_DEFAULT, &n, why,
	    sizeof(why)), 0);
	assert_true(n > 100000);
	assert_string_equal(split(d, "robotprogrammering"),
	    "robot programmering");
	assert_string_equal(split(d, "robotcell"), "robot cell");
	assert_string_equal(split(d, "kvalitetskontroll"), "kvalitet kontroll");
	assert_string_equal(split(d, "industrirobotar"), "industri robotar");
	assert_string_equal(split(d, "programmering"), "");
	mt_dict_free(d);
}

static int
setup(void **state)
{
	static const char words[] = "robot\nprogrammering\ncell\nkvalitet\n"
	    "kontroll\nspr\xe5ket\nrobotcell\r\nA-aktie\n3dx\nRobot\nxy\n"
	    "programmerings\n";
	char path[] = "/tmp/i40-test-words-XXXXXX";
	char why[200];
	size_t n;
	int fd = mkstemp(path), rc;

	(void)state;
	if (fd < 0 || write(fd, words, sizeof(words) - 1) !=
	    (ssize_t)(sizeof(words) - 1))
		return -1;
	close(fd);
	if ((rc = mt_dict_new(&small)) == 0)
		rc = mt_dict_load(small, path, &n, why, sizeof(why));
	unlink(path);
	return rc;
}

static int
teardown(void **state)
{
	(void)state;
	mt_dict_free(small);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_wswedish),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
