/*
 * test_codec.c: the canonical msgpack reader and writer.  Every rejection
 * rule has its own row asserting its own error code and offset; the writer
 * must produce the shortest form at every boundary.
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

struct row {
	const char *hex;
	int rc;
	size_t off;		/* expected error offset (ignored when ok) */
	const char *what;
};

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*hex != '\0') {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		assert_true(sscanf(hex, "%2x", &v) == 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static const struct row rows[] = {
	/* Accepted: boundaries of every form. */
	{ "00", 0, 0, "fixint 0" },
	{ "7f", 0, 0, "fixint 127" },
	{ "cc 80", 0, 0, "uint8 128" },
	{ "cc ff", 0, 0, "uint8 255" },
	{ "cd 01 00", 0, 0, "uint16 256" },
	{ "ce 00 01 00 00", 0, 0, "uint32 65536" },
	{ "cf 00 00 00 01 00 00 00 00", 0, 0, "uint64 2^32" },
	{ "cf ff ff ff ff ff ff ff ff", 0, 0, "uint64 max" },
	{ "e0", 0, 0, "negfixint -32" },
	{ "ff", 0, 0, "negfixint -1" },
	{ "d0 df", 0, 0, "int8 -33" },
	{ "d0 80", 0, 0, "int8 -128" },
	{ "d1 ff 7f", 0, 0, "int16 -129" },
	{ "d2 ff ff 7f ff", 0, 0, "int32 -32769" },
	{ "d3 80 00 00 00 00 00 00 00", 0, 0, "int64 min" },
	{ "c2", 0, 0, "false" },
	{ "c3", 0, 0, "true" },
	{ "a0", 0, 0, "empty str" },
	{ "c4 00", 0, 0, "empty bin (bin8)" },
	{ "90", 0, 0, "empty array" },
	{ "80", 0, 0, "empty map" },
	{ "a2 c3 a5", 0, 0, "str with å" },
	{ "a4 f0 9f 98 80", 0, 0, "4-byte UTF-8" },
	{ "a3 ef bf bf", 0, 0, "U+FFFF" },
	{ "a4 f4 8f bf bf", 0, 0, "U+10FFFF" },
	{ "82 a1 61 01 a1 62 02", 0, 0, "sorted map" },
	{ "82 a1 62 01 a2 61 61 02", 0, 0, "shorter key first" },
	{ "91 91 81 a1 6b 91 90", 0, 0, "nesting at the limit (5)" },
	/* Non-shortest integers. */
	{ "cc 01", I40_E_NONCANON_INT, 0, "uint8 form of 1" },
	{ "cc 7f", I40_E_NONCANON_INT, 0, "uint8 form of 127" },
	{ "cd 00 ff", I40_E_NONCANON_INT, 0, "uint16 form of 255" },
	{ "ce 00 00 ff ff", I40_E_NONCANON_INT, 0, "uint32 form of 65535" },
	{ "cf 00 00 00 00 ff ff ff ff", I40_E_NONCANON_INT, 0,
	    "uint64 form of 2^32-1" },
	{ "d0 05", I40_E_NONCANON_INT, 0, "int8 form of +5" },
	{ "d3 00 00 00 00 00 00 00 05", I40_E_NONCANON_INT, 0,
	    "int64 form of +5" },
	{ "d0 e0", I40_E_NONCANON_INT, 0, "int8 form of -32" },
	{ "d1 ff 80", I40_E_NONCANON_INT, 0, "int16 form of -128" },
	{ "d2 ff ff 80 00", I40_E_NONCANON_INT, 0, "int32 form of -32768" },
	{ "91 cc 01", I40_E_NONCANON_INT, 1, "offset inside an array" },
	/* Non-shortest lengths. */
	{ "d9 01 78", I40_E_NONCANON_LEN, 0, "str8 of length 1" },
	{ "da 00 01 78", I40_E_NONCANON_LEN, 0, "str16 of length 1" },
	{ "c5 00 01 78", I40_E_NONCANON_LEN, 0, "bin16 of length 1" },
	{ "c6 00 00 00 01 78", I40_E_NONCANON_LEN, 0, "bin32 of length 1" },
	{ "dc 00 01 01", I40_E_NONCANON_LEN, 0, "array16 of 1" },
	{ "dd 00 00 00 01 01", I40_E_NONCANON_LEN, 0, "array32 of 1" },
	{ "de 00 01 a1 61 01", I40_E_NONCANON_LEN, 0, "map16 of 1" },
	/* Map keys. */
	{ "82 a1 62 01 a1 61 02", I40_E_KEY_ORDER, 4, "unsorted keys" },
	{ "82 a2 61 61 01 a1 62 02", I40_E_KEY_ORDER, 5,
	    "longer key before shorter" },
	{ "82 a1 61 01 a1 61 02", I40_E_KEY_DUP, 4, "duplicate key" },
	{ "81 01 01", I40_E_TYPE, 1, "integer key" },
	{ "81 c0 01", I40_E_NIL, 1, "nil key" },
	/* Kinds outside the canonical subset. */
	{ "ca 00 00 00 00", I40_E_FLOAT, 0, "float32" },
	{ "cb 00 00 00 00 00 00 00 00", I40_E_FLOAT, 0, "float64" },
	{ "c0", I40_E_NIL, 0, "nil" },
	{ "91 c0", I40_E_NIL, 1, "nil in an array" },
	{ "d4 01 00", I40_E_EXT, 0, "fixext1" },
	{ "c7 01 01 00", I40_E_EXT, 0, "ext8" },
	{ "c1", I40_E_RESERVED, 0, "reserved 0xc1" },
	/* UTF-8. */
	{ "a2 c0 80", I40_E_UTF8, 0, "overlong NUL" },
	{ "a3 e0 80 80", I40_E_UTF8, 0, "overlong 3-byte" },
	{ "a4 f0 80 80 80", I40_E_UTF8, 0, "overlong 4-byte" },
	{ "a3 ed a0 80", I40_E_UTF8, 0, "surrogate U+D800" },
	{ "a3 ed bf bf", I40_E_UTF8, 0, "surrogate U+DFFF" },
	{ "a4 f4 90 80 80", I40_E_UTF8, 0, "above U+10FFFF" },
	{ "a2 e2 82", I40_E_UTF8, 0, "truncated sequence" },
	{ "a1 80", I40_E_UTF8, 0, "lone continuation" },
	{ "a2 c3 28", I40_E_UTF8, 0, "bad continuation" },
	{ "a1 ff", I40_E_UTF8, 0, "byte 0xff" },
	/* Structure. */
	{ "01 02", I40_E_TRAILING, 1, "trailing byte" },
	{ "90 90", I40_E_TRAILING, 1, "two values" },
	{ "91 91 81 a1 6b 91 91 90", I40_E_DEPTH, 7,
	    "one container too deep (6 > 5)" },
	{ "", I40_E_TRUNCATED, 0, "empty input" },
	{ "92 01", I40_E_TRUNCATED, 0, "array short of elements" },
	{ "a5 61", I40_E_TRUNCATED, 0, "str short of bytes" },
	{ "cd 01", I40_E_TRUNCATED, 0, "uint16 short of bytes" },
	{ "c4", I40_E_TRUNCATED, 0, "bin8 without its length" },
	{ "dd ff ff ff ff", I40_E_TRUNCATED, 0, "array32 of 2^32-1" },
	{ "de 00 10 a1 61 01 a1 62 02 a1 63", I40_E_TRUNCATED, 0,
	    "map needs 2 bytes a pair" },
	{ "82 a1 61 01", I40_E_TRUNCATED, 0, "map short of pairs" },
	/*
	 * The three points of docs/protocol.md §2 a reader could not classify
	 * before: a map key's header comes before its type; a forbidden type
	 * is decided by its first byte; an empty container counts for depth.
	 */
	{ "81 cd 01", I40_E_TRUNCATED, 1, "uint16 key cut off in its header" },
	{ "81 cd 01 00 00", I40_E_TYPE, 1, "uint16 key, header complete" },
	{ "81 cc 05 00", I40_E_TYPE, 1, "non-shortest int key: type first" },
	{ "81 d9", I40_E_TRUNCATED, 0, "map of 1 pair in 1 byte" },
	{ "82 a1 61 00 d9", I40_E_TRUNCATED, 4,
	    "second key cut off in its header" },
	{ "83 a1 61 00 a1 62 00 d9", I40_E_TRUNCATED, 7,
	    "str8 key cut off in its header" },
	{ "ca 3f", I40_E_FLOAT, 0, "float32 cut off in its payload" },
	{ "ca", I40_E_FLOAT, 0, "float32 without payload" },
	{ "cb 00 00", I40_E_FLOAT, 0, "float64 cut off" },
	{ "c7", I40_E_EXT, 0, "ext8 without its length" },
	{ "c9 00 00", I40_E_EXT, 0, "ext32 cut off in its length" },
	{ "d8 01", I40_E_EXT, 0, "fixext16 cut off" },
	{ "91 ca", I40_E_FLOAT, 1, "float cut off inside an array" },
	{ "81 ca 3f", I40_E_FLOAT, 1, "float key cut off" },
	{ "81 c7 01", I40_E_EXT, 1, "ext key cut off" },
	{ "91 91 91 91 80", 0, 0, "empty map at the deepest allowed (4)" },
	{ "91 91 91 91 91 90", I40_E_DEPTH, 5, "empty array too deep (5)" },
	{ "91 91 91 91 91 80", I40_E_DEPTH, 5, "empty map too deep (5)" },
	{ "91 91 91 91 91 dc 00 00", I40_E_NONCANON_LEN, 5,
	    "array16 of 0 too deep: the form is checked first" },
	{ "91 91 91 91 91 9f", I40_E_DEPTH, 5,
	    "too deep before its count is bounded" },
};

static void
test_check_rows(void **state)
{
	struct codec_err err;
	uint8_t buf[256];
	size_t i, n;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n = unhex(rows[i].hex, buf, sizeof(buf));
		memset(&err, 0, sizeof(err));
		rc = codec_check(buf, n, 5, &err);
		if (rc != rows[i].rc)
			fail_msg("%s (%s): got %s, want %s", rows[i].what,
			    rows[i].hex, i40_errname(rc) ? i40_errname(rc) :
			    "ok", i40_errname(rows[i].rc) ?
			    i40_errname(rows[i].rc) : "ok");
		if (rc != 0) {
			assert_int_equal(err.code, rc);
			if (err.offset != rows[i].off)
				fail_msg("%s: offset %zu, want %zu",
				    rows[i].what, err.offset, rows[i].off);
		}
	}
	printf("# %zu canonical-form rows\n", sizeof(rows) / sizeof(rows[0]));
}

/*
 * The examples of docs/protocol.md §2.8 and §2.11 for those three points,
 * with the limit they state (4, a message's): the text and the codec agree.
 */
static void
test_spec_examples(void **state)
{
	static const struct row spec[] = {
		{ "91 91 91 91 00", 0, 0, "innermost array at depth 3" },
		{ "91 91 91 91 91 00", I40_E_DEPTH, 4, "array at depth 4" },
		{ "91 91 91 80", 0, 0, "empty map at depth 3" },
		{ "91 91 91 91 90", I40_E_DEPTH, 4, "empty array at depth 4" },
		{ "81 cd 01", I40_E_TRUNCATED, 1, "key header cut off" },
		{ "81 cd 01 00 00", I40_E_TYPE, 1, "uint16 key" },
		{ "81 cc 05 00", I40_E_TYPE, 1, "non-shortest int key" },
		{ "ca 3f", I40_E_FLOAT, 0, "float32 cut off" },
		{ "c7", I40_E_EXT, 0, "ext8 cut off" },
		{ "81 ca 3f", I40_E_FLOAT, 1, "float key cut off" },
	};
	struct codec_err err;
	uint8_t buf[64];
	size_t i, n;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		n = unhex(spec[i].hex, buf, sizeof(buf));
		memset(&err, 0, sizeof(err));
		rc = codec_check(buf, n, 4, &err);
		if (rc != spec[i].rc)
			fail_msg("%s (%s): got %s, want %s", spec[i].what,
			    spec[i].hex, i40_errname(rc) ? i40_errname(rc) :
			    "ok", i40_errname(spec[i].rc) ?
			    i40_errname(spec[i].rc) : "ok");
		if (rc != 0 && err.offset != spec[i].off)
			fail_msg("%s: offset %zu, want %zu", spec[i].what,
			    err.offset, spec[i].off);
	}
}

/* Whatever codec_check accepts re-encodes through msgpack-c identically. */
static void
test_reencode_rows(void **state)
{
	uint8_t buf[256], out[256];
	size_t i, n, m;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].rc != 0)
			continue;
		n = unhex(rows[i].hex, buf, sizeof(buf));
		assert_int_equal(codec_reencode(buf, n, out, sizeof(out), &m),
		    0);
		assert_int_equal(m, n);
		assert_memory_equal(buf, out, n);
	}
}

static void
test_writer_shortest_forms(void **state)
{
	static const struct {
		uint64_t v;
		size_t len;
	} u[] = {
		{ 0, 1 }, { 127, 1 }, { 128, 2 }, { 255, 2 }, { 256, 3 },
		{ 65535, 3 }, { 65536, 5 }, { 0xffffffffu, 5 },
		{ UINT64_C(0x100000000), 9 }, { UINT64_MAX, 9 },
	};
	static const struct {
		int64_t v;
		size_t len;
	} s[] = {
		{ -1, 1 }, { -32, 1 }, { -33, 2 }, { -128, 2 }, { -129, 3 },
		{ -32768, 3 }, { -32769, 5 }, { INT32_MIN, 5 },
		{ (int64_t)INT32_MIN - 1, 9 }, { INT64_MIN, 9 }, { 5, 1 },
		{ 200, 2 },
	};
	static const size_t strs[] = { 0, 31, 32, 255, 256, 65535, 65536 };
	static const size_t bins[] = { 0, 255, 256, 65535, 65536 };
	static const size_t counts[] = { 0, 15, 16, 65535, 65536 };
	static uint8_t buf[300000], text[70000];
	struct codec_writer w;
	struct codec_reader r;
	struct codec_bytes b;
	uint64_t got;
	int64_t sgot;
	size_t i, j, len;
	uint32_t n;

	(void)state;
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		codec_writer_init(&w, buf, sizeof(buf));
		codec_put_uint(&w, u[i].v);
		assert_int_equal(codec_writer_finish(&w, &len), 0);
		assert_int_equal(len, u[i].len);
		assert_int_equal(codec_check(buf, len, 1, NULL), 0);
		codec_reader_init(&r, buf, len, NULL);
		assert_int_equal(codec_read_uint(&r, 0, UINT64_MAX, &got), 0);
		assert_true(got == u[i].v);
	}
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		codec_writer_init(&w, buf, sizeof(buf));
		codec_put_int(&w, s[i].v);
		assert_int_equal(codec_writer_finish(&w, &len), 0);
		assert_int_equal(len, s[i].len);
		assert_int_equal(codec_check(buf, len, 1, NULL), 0);
		codec_reader_init(&r, buf, len, NULL);
		assert_int_equal(codec_read_int(&r, INT64_MIN, INT64_MAX,
		    &sgot), 0);
		assert_true(sgot == s[i].v);
	}
	memset(text, 'x', sizeof(text));
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		codec_writer_init(&w, buf, sizeof(buf));
		codec_put_str(&w, text, strs[i]);
		assert_int_equal(codec_writer_finish(&w, &len), 0);
		assert_int_equal(codec_check(buf, len, 1, NULL), 0);
		codec_reader_init(&r, buf, len, NULL);
		assert_int_equal(codec_read_str(&r, 0, SIZE_MAX, &b), 0);
		assert_int_equal(b.len, strs[i]);
	}
	for (i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		codec_writer_init(&w, buf, sizeof(buf));
		codec_put_bin(&w, text, bins[i]);
		assert_int_equal(codec_writer_finish(&w, &len), 0);
		assert_int_equal(codec_check(buf, len, 1, NULL), 0);
	}
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		codec_writer_init(&w, buf, sizeof(buf));
		codec_put_array(&w, (uint32_t)counts[i]);
		for (j = 0; j < counts[i]; j++)
			codec_put_bool(&w, j & 1);
		assert_int_equal(codec_writer_finish(&w, &len), 0);
		assert_int_equal(codec_check(buf, len, 1, NULL), 0);
		codec_reader_init(&r, buf, len, NULL);
		assert_int_equal(codec_read_array(&r, 0, UINT32_MAX, &n), 0);
		assert_int_equal(n, counts[i]);
	}
}

static void
test_writer_overflow_is_sticky(void **state)
{
	struct codec_writer w;
	uint8_t buf[4];
	size_t len = 99;

	(void)state;
	codec_writer_init(&w, buf, sizeof(buf));
	codec_put_str(&w, "hello", 5);
	codec_put_uint(&w, 1);		/* would fit, but the error sticks */
	assert_int_equal(codec_writer_finish(&w, &len), I40_E_BUFFER);
	assert_int_equal(len, 99);
}

static void
test_reader_bounds_and_types(void **state)
{
	static const uint8_t in[] = { 0x94, 0x0a, 0xa3, 'a', 'b', 'c',
	    0xc4, 0x02, 1, 2, 0xc3 };
	struct codec_reader r;
	struct codec_err err;
	struct codec_bytes b;
	uint8_t two[2];
	uint64_t v;
	uint32_t n;
	bool t;

	(void)state;
	memset(&err, 0, sizeof(err));
	codec_reader_init(&r, in, sizeof(in), &err);
	r.field = "list";
	assert_int_equal(codec_read_array(&r, 5, 9, &n), I40_E_MISSING_FIELD);
	assert_int_equal(codec_read_array(&r, 0, 3, &n), I40_E_TOO_LONG);
	assert_int_equal(codec_read_array(&r, 4, 4, &n), 0);
	r.field = "credits";
	assert_int_equal(codec_read_uint(&r, 11, 20, &v), I40_E_RANGE);
	assert_int_equal(codec_read_str(&r, 0, 9, &b), I40_E_TYPE);
	assert_int_equal(codec_read_uint(&r, 10, 10, &v), 0);
	assert_int_equal(codec_read_str(&r, 0, 2, &b), I40_E_TOO_LONG);
	assert_int_equal(codec_read_str(&r, 4, 9, &b), I40_E_VALUE);
	assert_int_equal(codec_read_str(&r, 1, 3, &b), 0);
	assert_memory_equal(b.p, "abc", 3);
	assert_int_equal(codec_read_fixbin(&r, 3, two), I40_E_LENGTH);
	assert_int_equal(codec_read_fixbin(&r, 2, two), 0);
	assert_int_equal(codec_read_bool(&r, &t), 0);
	assert_true(t);
	assert_int_equal(codec_read_end(&r), 0);
	/* The first error is the one recorded, with its field and offset. */
	assert_int_equal(err.code, I40_E_MISSING_FIELD);
	assert_string_equal(err.field, "list");
	assert_int_equal(err.offset, 0);
}

static void
test_read_key_and_order(void **state)
{
	static const char *const names[] = { "qa", "name", "created",
	    "members", "admit_pct" };
	static const uint8_t in[] = { 0xa4, 'n', 'a', 'm', 'e', 0xa3, 'f',
	    'o', 'o' };
	struct codec_reader r;
	struct codec_err err;
	unsigned idx;
	size_t i;

	(void)state;
	for (i = 1; i < 5; i++)
		assert_true(codec_key_cmp(names[i - 1], names[i]) < 0);
	assert_true(codec_key_cmp("b", "aa") < 0);
	assert_true(codec_key_cmp("aa", "ab") < 0);
	assert_int_equal(codec_key_cmp("x", "x"), 0);
	memset(&err, 0, sizeof(err));
	codec_reader_init(&r, in, sizeof(in), &err);
	assert_int_equal(codec_read_key(&r, names, 5, &idx), 0);
	assert_int_equal(idx, 1);
	assert_int_equal(codec_read_key(&r, names, 5, &idx),
	    I40_E_UNKNOWN_FIELD);
	assert_int_equal(err.offset, 5);
}

static void
test_utf8(void **state)
{
	(void)state;
	assert_true(codec_utf8_valid((const uint8_t *)"Ingenjör", 9));
	assert_true(codec_utf8_valid((const uint8_t *)"", 0));
	assert_false(codec_utf8_valid((const uint8_t *)"\xf5\x80\x80\x80", 4));
	assert_false(codec_utf8_valid((const uint8_t *)"\xc2", 1));
	/* ASCII is skipped eight bytes at a time: anything at any offset. */
	{
		uint8_t buf[40];
		size_t at;

		for (at = 0; at < 24; at++) {
			memset(buf, 'a', sizeof(buf));
			assert_true(codec_utf8_valid(buf, sizeof(buf)));
			buf[at] = 0xff;
			assert_false(codec_utf8_valid(buf, sizeof(buf)));
			buf[at] = 0xc3;			/* ö, whole */
			buf[at + 1] = 0xb6;
			assert_true(codec_utf8_valid(buf, sizeof(buf)));
			assert_false(codec_utf8_valid(buf, at + 1));	/* cut */
			buf[at + 1] = 'a';		/* lead without its tail */
			assert_false(codec_utf8_valid(buf, sizeof(buf)));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_rows),
		cmocka_unit_test(test_spec_examples),
		cmocka_unit_test(test_reencode_rows),
		cmocka_unit_test(test_writer_shortest_forms),
		cmocka_unit_test(test_writer_overflow_is_sticky),
		cmocka_unit_test(test_reader_bounds_and_types),
		cmocka_unit_test(test_read_key_and_order),
		cmocka_unit_test(test_utf8),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
