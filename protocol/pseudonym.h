/*
 * pseudonym.h: a learner's pseudonym (docs/protocol.md §15): the 128
 * random bits a completion names its learner by, and the form a person
 * reads aloud, writes down and types back.
 *
 *   text  = 26 symbols of Crockford's base32 for the 128 bits (the value
 *           as a 130-bit big-endian number, so the first symbol is 0..7),
 *           then one check symbol: the value mod 37 in Crockford's check
 *           alphabet (0-9, A-Z without I L O U, then * ~ $ = U)
 *   shown = the 27 symbols in groups of four joined by '-', the last
 *           group three: "0RQ5-…-XY7" (PSEUDONYM_TEXT_LEN characters)
 *
 * Why mod 37: 37 is a prime above 32, so a symbol typed wrong changes the
 * value by d * 32^k and two neighbours swapped by (a - b) * 31 * 32^k,
 * none of them a multiple of 37: every single mistyped symbol and every
 * swap of two adjacent ones is caught.  Reading is forgiving where
 * nothing can be mistaken: case, '-' and spaces are ignored, O reads as 0
 * and I or L as 1 (Crockford's rule).
 *
 * Ownership: none; every function works in the caller's buffers.  No
 * state, so safe from any thread.
 */
#ifndef I40_PSEUDONYM_H
#define I40_PSEUDONYM_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define PSEUDONYM_BYTES 16
#define PSEUDONYM_SYMBOLS 27		/* 26 of value, 1 of check */
#define PSEUDONYM_TEXT_LEN 33		/* with the six '-' */

/* A new pseudonym: 128 bits from the system's CSPRNG (libsodium). */
void pseudonym_new(uint8_t p[PSEUDONYM_BYTES]);

/* p as shown, NUL-terminated, into out (PSEUDONYM_TEXT_LEN + 1 bytes). */
void pseudonym_format(const uint8_t p[PSEUDONYM_BYTES],
    char out[PSEUDONYM_TEXT_LEN + 1]);

/*
 * text (as typed) into p: 0, or I40_E_VALUE with why (cap bytes) saying
 * what is wrong: a symbol that is none of the alphabet (and where), too
 * few or too many symbols, a value past 128 bits, or a check symbol that
 * does not match (a symbol mistyped or two swapped).
 */
int pseudonym_parse(const char *text, uint8_t p[PSEUDONYM_BYTES], char *why,
    size_t cap) I40_MUST_CHECK;

#endif
