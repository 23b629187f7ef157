/*
 * test_pseudonym.c: a learner's pseudonym as text (protocol.md §15): the
 * vectors of an independent implementation; every pseudonym reads back as
 * itself, also as a person types it; every single mistyped symbol and
 * every swap of two adjacent different symbols is refused, for random
 * pseudonyms (the seed is printed); what is not a pseudonym is said.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#include "protocol/pseudonym.h"

static const char sym[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";
static unsigned seed;

/* Computed by a Python implementation of §15, not by this code. */
static const struct {
	const char *hex, *text;
} vectors[] = {
	{ "00000000000000000000000000000000",
	    "0000-0000-0000-0000-0000-0000-000" },
	{ "ffffffffffffffffffffffffffffffff",
	    "7ZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZ*" },
	{ "000102030405060708090a0b0c0d0e0f",
	    "0004-1061-050R-3GG2-8A1C-60T3-GF6" },
	{ "8f3a6b1e2c4d5f607182939aabbccdde",
	    "4F79-NHWB-2DBX-G730-MKKA-NVSK-EY9" },
};

static void
random_pseudonym(unsigned *s, uint8_t p[PSEUDONYM_BYTES])
{
	size_t i;

	for (i = 0; i < PSEUDONYM_BYTES; i++)
		p[i] = (uint8_t)rand_r(s);
}

/* The 27 symbols of a shown pseudonym, without the '-'. */
static void
symbols(const char *shown, char out[PSEUDONYM_SYMBOLS + 1])
{
	size_t n = 0;

	for (; *shown != '\0'; shown++)
		if (*shown != '-')
			out[n++] = *shown;
	assert_int_equal(n, PSEUDONYM_SYMBOLS);
	out[n] = '\0';
}

static void
test_vectors(void **state)
{
	uint8_t p[PSEUDONYM_BYTES], back[PSEUDONYM_BYTES];
	char text[PSEUDONYM_TEXT_LEN + 1], why[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		assert_int_equal(sodium_hex2bin(p, sizeof(p), vectors[i].hex,
		    32, NULL, NULL, NULL), 0);
		pseudonym_format(p, text);
		assert_string_equal(text, vectors[i].text);
		assert_int_equal(pseudonym_parse(vectors[i].text, back, why,
		    sizeof(why)), 0);
		assert_memory_equal(back, p, PSEUDONYM_BYTES);
	}
}

/* Format, then parse as shown and as typed carelessly: the same bits. */
static void
test_roundtrip_and_typing(void **state)
{
	uint8_t p[PSEUDONYM_BYTES], back[PSEUDONYM_BYTES];
	char text[PSEUDONYM_TEXT_LEN + 1], typed[80], why[200];
	unsigned s = seed;
	size_t i, j, n;
	int k;

	(void)state;
	for (k = 0; k < 1000; k++) {
		random_pseudonym(&s, p);
		pseudonym_format(p, text);
		assert_int_equal(strlen(text), PSEUDONYM_TEXT_LEN);
		for (i = 4; i < PSEUDONYM_TEXT_LEN; i += 5)
			assert_int_equal(text[i], '-');
		assert_int_equal(pseudonym_parse(text, back, why,
		    sizeof(why)), 0);
		assert_memory_equal(back, p, PSEUDONYM_BYTES);
		/* Lower case, spaces for '-', O for 0, l or I for 1. */
		for (i = 0, n = 0; text[i] != '\0'; i++) {
			char c = text[i];

			if (c == '-')
				c = ' ';
			else if (c == '0')
				c = k % 2 ? 'o' : 'O';
			else if (c == '1')
				c = k % 2 ? 'l' : 'I';
			else if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			typed[n++] = c;
		}
		typed[n] = '\0';
		assert_int_equal(pseudonym_parse(typed, back, why,
		    sizeof(why)), 0);
		assert_memory_equal(back, p, PSEUDONYM_BYTES);
		/* ... and with no separators at all. */
		for (i = 0, j = 0; text[i] != '\0'; i++)
			if (text[i] != '-')
				typed[j++] = text[i];
		typed[j] = '\0';
		assert_int_equal(pseudonym_parse(typed, back, why,
		    sizeof(why)), 0);
		assert_memory_equal(back, p, PSEUDONYM_BYTES);
	}
}

/* Every symbol replaced by every other one a reader could take: refused. */
static void
test_every_typo(void **state)
{
	uint8_t p[PSEUDONYM_BYTES], back[PSEUDONYM_BYTES];
	char text[PSEUDONYM_TEXT_LEN + 1], s27[PSEUDONYM_SYMBOLS + 1];
	char why[200];
	unsigned s = seed + 1;
	size_t i, j;
	int k, tried = 0;

	(void)state;
	for (k = 0; k < 50; k++) {
		random_pseudonym(&s, p);
		pseudonym_format(p, text);
		symbols(text, s27);
		for (i = 0; i < PSEUDONYM_SYMBOLS; i++) {
			char was = s27[i];

			for (j = 0; j < sizeof(sym) - 1; j++) {
				if (sym[j] == was)
					continue;
				s27[i] = sym[j];
				assert_int_not_equal(pseudonym_parse(s27, back,
				    why, sizeof(why)), 0);
				tried++;
			}
			s27[i] = was;
		}
	}
	printf("# %d single-symbol typos, every one refused\n", tried);
}

/* Every swap of two adjacent different symbols: refused. */
static void
test_every_swap(void **state)
{
	uint8_t p[PSEUDONYM_BYTES], back[PSEUDONYM_BYTES];
	char text[PSEUDONYM_TEXT_LEN + 1], s27[PSEUDONYM_SYMBOLS + 1];
	char why[200], t;
	unsigned s = seed + 2;
	size_t i;
	int k, tried = 0;

	(void)state;
	for (k = 0; k < 2000; k++) {
		random_pseudonym(&s, p);
		pseudonym_format(p, text);
		symbols(text, s27);
		for (i = 0; i + 1 < PSEUDONYM_SYMBOLS; i++) {
			if (s27[i] == s27[i + 1])
				continue;
			t = s27[i];
			s27[i] = s27[i + 1];
			s27[i + 1] = t;
			assert_int_not_equal(pseudonym_parse(s27, back, why,
			    sizeof(why)), 0);
			tried++;
			s27[i + 1] = s27[i];
			s27[i] = t;
		}
	}
	printf("# %d adjacent swaps, every one refused\n", tried);
}

/* What is not a pseudonym is said, with where. */
static void
test_not_a_pseudonym(void **state)
{
	uint8_t p[PSEUDONYM_BYTES];
	char why[200];

	(void)state;
	assert_int_equal(pseudonym_parse("0004-1061-050R-3GG2-8A1C-60T3-GF",
	    p, why, sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "26 symbols; a pseudonym has 27"));
	assert_int_equal(pseudonym_parse("0004-1061-050R-3GG2-8A1C-60T3-GF66",
	    p, why, sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "more than the 27 symbols"));
	assert_int_equal(pseudonym_parse("0004-1061-05!R-3GG2-8A1C-60T3-GF6",
	    p, why, sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "character 13 (`!')"));
	assert_int_equal(pseudonym_parse("0004-1061-050U-3GG2-8A1C-60T3-GF6",
	    p, why, sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "character 14 (`U') may only be the last"));
	assert_int_equal(pseudonym_parse("8004-1061-050R-3GG2-8A1C-60T3-GF6",
	    p, why, sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "the first symbol is 0 to 7"));
	assert_int_equal(pseudonym_parse("0004-1061-050R-3GG2-8A1C-60T3-GF7",
	    p, why, sizeof(why)), I40_E_VALUE);
	assert_non_null(strstr(why, "mistyped or two are swapped"));
	assert_int_equal(pseudonym_parse("", p, why, sizeof(why)),
	    I40_E_VALUE);
}

/* New ones are random: no two of many alike, and each reads back. */
static void
test_new(void **state)
{
	static uint8_t p[4096][PSEUDONYM_BYTES];
	uint8_t back[PSEUDONYM_BYTES];
	char text[PSEUDONYM_TEXT_LEN + 1], why[200];
	size_t i, j;

	(void)state;
	for (i = 0; i < 4096; i++) {
		pseudonym_new(p[i]);
		pseudonym_format(p[i], text);
		assert_int_equal(pseudonym_parse(text, back, why,
		    sizeof(why)), 0);
		assert_memory_equal(back, p[i], PSEUDONYM_BYTES);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(p[i], p[j], PSEUDONYM_BYTES);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_roundtrip_and_typing),
		cmocka_unit_test(test_every_typo),
		cmocka_unit_test(test_every_swap),
		cmocka_unit_test(test_not_a_pseudonym),
		cmocka_unit_test(test_new),
	};
	const char *env = getenv("I40_SEED");

	if (sodium_init() < 0)
		return 1;
	seed = env != NULL ? (unsigned)strtoul(env, NULL, 10) :
	    (unsigned)time(NULL);
	printf("# seed %u (I40_SEED=%u repeats it)\n", seed, seed);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
