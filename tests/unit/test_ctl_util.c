/*
 * test_ctl_util.c: i40ctl's small parsers and formatters (tools/ctl.h):
 * hex, keys as hex or Z85, numbers, högskolepoäng, timeouts, the data
 * directory default, new files that are never overwritten, JSON text that
 * need not be UTF-8 and numbers past 2^63, messages cut on a character.
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
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocol/keys.h"
#include "tools/ctl.h"

static void
test_hex_and_keys(void **state)
{
	/* The Ed25519 key of seed 01 x 32 (docs/protocol.md §8.4). */
	static const char hex[] = "8a88e3dd7409f195fd52db2d3cba5d72"
	    "ca6709bf1d94121bf3748801b40f6f5c";
	static const char z85[] = "IIQrGBp4G5@zIx4jI1*s+4z3}9H4fQ]k]=?V>47W";
	uint8_t a[32], b[32];
	char out[65], upper[65];
	size_t i;

	(void)state;
	assert_int_equal(ctl_parse_key(hex, a), 0);
	ctl_hex(a, 32, out);
	assert_string_equal(out, hex);
	assert_int_equal(ctl_parse_key(z85, b), 0);
	assert_memory_equal(a, b, 32);
	for (i = 0; i < 64; i++)
		upper[i] = (char)(hex[i] >= 'a' ? hex[i] - 32 : hex[i]);
	upper[64] = '\0';
	assert_int_equal(ctl_parse_key(upper, b), 0);
	assert_memory_equal(a, b, 32);
	assert_int_equal(ctl_parse_key(hex + 1, b), I40_E_VALUE);
	assert_int_equal(ctl_parse_key("", b), I40_E_VALUE);
	assert_int_equal(ctl_parse_key("IIQrGBp4G5@zIx4jI1*s+4z3}9H4fQ]k]=?V>47~",
	    b), I40_E_VALUE);
	upper[10] = 'g';
	assert_int_equal(ctl_parse_key(upper, b), I40_E_VALUE);
	assert_int_equal(ctl_unhex("00ff", a, 2), 0);
	assert_int_equal(a[1], 0xff);
	assert_int_equal(ctl_unhex("00ff", a, 3), I40_E_VALUE);
}

static void
test_numbers(void **state)
{
	uint64_t v;
	char buf[24];
	int ms;

	(void)state;
	assert_int_equal(ctl_parse_uint("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ctl_parse_uint("18446744073709551615", UINT64_MAX,
	    &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(ctl_parse_uint("18446744073709551616", UINT64_MAX,
	    &v), I40_E_RANGE);
	assert_int_equal(ctl_parse_uint("11", 10, &v), I40_E_RANGE);
	assert_int_equal(ctl_parse_uint("", 10, &v), I40_E_VALUE);
	assert_int_equal(ctl_parse_uint("+1", 10, &v), I40_E_VALUE);
	assert_int_equal(ctl_parse_uint("1 ", 10, &v), I40_E_VALUE);
	/* Högskolepoäng: at most one decimal, '.' or ',', "hp" optional. */
	assert_int_equal(ctl_parse_hp("1.5", &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(ctl_parse_hp("1,5", &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(ctl_parse_hp("1.5hp", &v), 0);
	assert_int_equal(v, 15);
	assert_int_equal(ctl_parse_hp("2", &v), 0);
	assert_int_equal(v, 20);
	assert_int_equal(ctl_parse_hp("0.5", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(ctl_parse_hp("1.55", &v), I40_E_VALUE);
	assert_int_equal(ctl_parse_hp(".5", &v), I40_E_VALUE);
	assert_int_equal(ctl_parse_hp("1.", &v), I40_E_VALUE);
	assert_int_equal(ctl_parse_hp("hp", &v), I40_E_VALUE);
	assert_int_equal(ctl_parse_hp("1.5 hp", &v), I40_E_VALUE);
	assert_int_equal(ctl_parse_hp("-1", &v), I40_E_VALUE);
	assert_int_equal(ctl_parse_hp("99999999999999999999", &v),
	    I40_E_VALUE);
	ctl_format_hp(15, buf);
	assert_string_equal(buf, "1.5");
	ctl_format_hp(10, buf);
	assert_string_equal(buf, "1");
	ctl_format_hp(600, buf);
	assert_string_equal(buf, "60");
	ctl_format_hp(1, buf);
	assert_string_equal(buf, "0.1");
	assert_int_equal(ctl_parse_timeout("5", &ms), 0);
	assert_int_equal(ms, 5000);
	assert_int_equal(ctl_parse_timeout("0", &ms), I40_E_VALUE);
	assert_int_equal(ctl_parse_timeout("3601", &ms), I40_E_VALUE);
	assert_int_equal(ctl_parse_timeout("1.5", &ms), I40_E_VALUE);
}

static void
test_datadir(void **state)
{
	(void)state;
	assert_int_equal(unsetenv(CTL_DATADIR_ENV), 0);
	assert_string_equal(ctl_datadir(NULL), "/var/lib/i40");
	assert_int_equal(setenv(CTL_DATADIR_ENV, "/srv/i40", 1), 0);
	assert_string_equal(ctl_datadir(NULL), "/srv/i40");
	assert_string_equal(ctl_datadir("/x"), "/x");
	assert_int_equal(setenv(CTL_DATADIR_ENV, "", 1), 0);
	assert_string_equal(ctl_datadir(NULL), "/var/lib/i40");
}

static void
test_files(void **state)
{
	char dir[] = "/tmp/i40-test-ctl-util-XXXXXX", path[64], link[64];
	struct stat sb;
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(ctl_write_new(path, (const uint8_t *)"abc", 3, 0644),
	    0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	/* Never overwritten, not even through a symlink. */
	assert_int_equal(ctl_write_new(path, (const uint8_t *)"x", 1, 0644),
	    I40_E_EXISTS);
	snprintf(link, sizeof(link), "%s/l", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(ctl_write_new(link, (const uint8_t *)"x", 1, 0644),
	    I40_E_EXISTS);
	assert_int_equal(ctl_read_file(path, 100, &buf, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(buf, "abc", 3);
	free(buf);
	assert_int_equal(ctl_read_file(path, 2, &buf, &len), I40_E_TOO_BIG);
	assert_null(buf);
	assert_int_equal(ctl_read_file(dir, 100, &buf, &len), -EISDIR);
	unlink(link);
	unlink(path);
	assert_int_equal(ctl_read_file(path, 100, &buf, &len), -ENOENT);
	rmdir(dir);
}

/* Text that is not UTF-8, numbers jansson cannot hold, cut messages. */
static void
test_json_text_and_u64(void **state)
{
	json_t *j;
	uint64_t v;

	(void)state;
	/* Valid text stays as it is; each bad byte becomes U+FFFD. */
	assert_non_null(j = ctl_json_text("Högskolan \xe2\x9c\x93"));
	assert_string_equal(json_string_value(j), "Högskolan \xe2\x9c\x93");
	json_decref(j);
	assert_non_null(j = ctl_json_text("/tmp/\xff\xfe.i40x"));
	assert_string_equal(json_string_value(j),
	    "/tmp/\xef\xbf\xbd\xef\xbf\xbd.i40x");
	json_decref(j);
	/* A character cut short, an overlong form, a lone continuation. */
	assert_non_null(j = ctl_json_text("a\xe2\x9c b\xc0\xaf c\x80"));
	assert_string_equal(json_string_value(j), "a\xef\xbf\xbd\xef\xbf"
	    "\xbd b\xef\xbf\xbd\xef\xbf\xbd c\xef\xbf\xbd");
	json_decref(j);

	/* Up to 2^63 - 1 a number; above it a string of the digits. */
	assert_non_null(j = ctl_json_u64(INT64_MAX));
	assert_true(json_is_integer(j));
	assert_int_equal(ctl_json_get_u64(j, &v), 0);
	assert_true(v == (uint64_t)INT64_MAX);
	json_decref(j);
	assert_non_null(j = ctl_json_u64(UINT64_MAX));
	assert_string_equal(json_string_value(j), "18446744073709551615");
	assert_int_equal(ctl_json_get_u64(j, &v), 0);
	assert_true(v == UINT64_MAX);
	json_decref(j);
	assert_non_null(j = json_string("18446744073709551616"));
	assert_int_equal(ctl_json_get_u64(j, &v), I40_E_VALUE);
	json_decref(j);
	assert_non_null(j = json_string("-1"));
	assert_int_equal(ctl_json_get_u64(j, &v), I40_E_VALUE);
	json_decref(j);
	assert_non_null(j = json_string("12x"));
	assert_int_equal(ctl_json_get_u64(j, &v), I40_E_VALUE);
	json_decref(j);
	assert_non_null(j = json_integer(-5));
	assert_int_equal(ctl_json_get_u64(j, &v), I40_E_VALUE);
	json_decref(j);
	assert_int_equal(ctl_json_get_u64(NULL, &v), I40_E_VALUE);

	/* "aä✓" cut inside ✓, then inside ä: back to a whole character. */
	assert_int_equal(ctl_utf8_trim("a\xc3\xa4\xe2\x9c", 5), 3);
	assert_int_equal(ctl_utf8_trim("a\xc3\xa4\xe2", 4), 3);
	assert_int_equal(ctl_utf8_trim("a\xc3", 2), 1);
	assert_int_equal(ctl_utf8_trim("a\xc3\xa4", 3), 3);
	assert_int_equal(ctl_utf8_trim("ab", 2), 2);
	assert_int_equal(ctl_utf8_trim("", 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_and_keys),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_datadir),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_json_text_and_u64),
	};

	if (key_init() != 0)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
