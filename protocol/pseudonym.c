/* pseudonym.c: a learner's pseudonym as a person reads it (pseudonym.h). */
#include "pseudonym.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define DATA_SYMBOLS 26
#define CHECK_MOD 37

/* Crockford's base32, then his five check-only symbols (values 32..36). */
static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

/* The value of symbol c as read (case, O, I and L forgiven), or -1. */
static int
symbol_value(char c)
{
	const char *at;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'O')
		c = '0';
	else if (c == 'I' || c == 'L')
		c = '1';
	if (c == '\0' || (at = strchr(alphabet, c)) == NULL)
		return -1;
	return (int)(at - alphabet);
}

/* Digit i of the 26: bits 5i..5i+4 of two zero bits followed by p. */
static unsigned
digit(const uint8_t p[PSEUDONYM_BYTES], unsigned i)
{
	unsigned k, d = 0;

	for (k = 0; k < 5; k++) {
		unsigned b = 5 * i + k;

		d <<= 1;
		if (b >= 2)
			d |= (unsigned)(p[(b - 2) / 8] >> (7 - (b - 2) % 8)) & 1u;
	}
	return d;
}

void
pseudonym_new(uint8_t p[PSEUDONYM_BYTES])
{
	randombytes_buf(p, PSEUDONYM_BYTES);
}

void
pseudonym_format(const uint8_t p[PSEUDONYM_BYTES],
    char out[PSEUDONYM_TEXT_LEN + 1])
{
	unsigned i, r = 0, n = 0;

	for (i = 0; i < DATA_SYMBOLS; i++) {
		unsigned d = digit(p, i);

		r = (r * 32 + d) % CHECK_MOD;
		if (i > 0 && i % 4 == 0)
			out[n++] = '-';
		out[n++] = alphabet[d];
	}
	out[n++] = alphabet[r];
	out[n] = '\0';
}

int
pseudonym_parse(const char *text, uint8_t p[PSEUDONYM_BYTES], char *why,
    size_t cap)
{
	int v[PSEUDONYM_SYMBOLS];
	size_t at[PSEUDONYM_SYMBOLS], i, n = 0;
	unsigned r = 0, k;

	for (i = 0; text[i] != '\0'; i++) {
		int x;

		if (text[i] == '-' || text[i] == ' ')
			continue;
		if ((x = symbol_value(text[i])) < 0) {
			snprintf(why, cap, "character %zu (`%c') is not one "
			    "of a pseudonym's: 0-9 and A-Z but I, L, O and U, "
			    "in groups joined by '-'", i + 1,
			    (unsigned char)text[i] >= 0x20 &&
			    (unsigned char)text[i] < 0x7f ? text[i] : '?');
			return I40_E_VALUE;
		}
		if (n == PSEUDONYM_SYMBOLS) {
			snprintf(why, cap, "more than the %d symbols of a "
			    "pseudonym", PSEUDONYM_SYMBOLS);
			return I40_E_VALUE;
		}
		at[n] = i + 1;
		v[n++] = x;
	}
	if (n < PSEUDONYM_SYMBOLS) {
		snprintf(why, cap, "%zu symbols; a pseudonym has %d (%d "
		    "characters with its '-')", n, PSEUDONYM_SYMBOLS,
		    PSEUDONYM_TEXT_LEN);
		return I40_E_VALUE;
	}
	for (i = 0; i < DATA_SYMBOLS; i++) {
		if (v[i] >= 32) {
			snprintf(why, cap, "character %zu (`%c') may only be "
			    "the last, the check symbol", at[i], alphabet[v[i]]);
			return I40_E_VALUE;
		}
		r = (r * 32 + (unsigned)v[i]) % CHECK_MOD;
	}
	if (v[0] > 7) {
		snprintf(why, cap, "the first symbol is 0 to 7 in every "
		    "pseudonym (128 bits), not `%c'", alphabet[v[0]]);
		return I40_E_VALUE;
	}
	if ((unsigned)v[DATA_SYMBOLS] != r) {
		snprintf(why, cap, "the check symbol does not match: a symbol "
		    "is mistyped or two are swapped");
		return I40_E_VALUE;
	}
	memset(p, 0, PSEUDONYM_BYTES);
	for (i = 0; i < DATA_SYMBOLS; i++)
		for (k = 0; k < 5; k++) {
			unsigned b = 5 * (unsigned)i + k;

			if (b >= 2 && ((unsigned)v[i] >> (4 - k) & 1u))
				p[(b - 2) / 8] |= (uint8_t)(0x80u >> ((b - 2) % 8));
		}
	return 0;
}
