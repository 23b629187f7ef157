/*
 * pnr.h: Swedish personal identity numbers (personnummer) and
 * coordination numbers (samordningsnummer), as `i40ctl learner add
 * --pnr` takes them (docs/credentials.md): checked and written one way.
 *
 *   read     YYYYMMDD-NNNN, YYYYMMDDNNNN, YYMMDD-NNNN, YYMMDDNNNN, or
 *            YYMMDD+NNNN (the '+' of a person 100 or older); spaces
 *            around it are ignored
 *   checked  a date that exists and is not after today, its day plus 60
 *            in a coordination number; the last digit the Luhn check of
 *            the ten YYMMDDNNN(C) (weights 2, 1, 2, ...)
 *   written  YYYYMMDD-NNNN (PNR_LEN characters): the century of a short
 *            form is the one that makes the person under 100 ('-') or
 *            100 or older ('+') on today's date
 *
 * Ownership: none; the caller's buffers.  A number is personal data: the
 * caller keeps it only in the private store, and never logs it (why
 * never quotes the number back).
 */
#ifndef I40_PNR_H
#define I40_PNR_H

#include <stddef.h>

#include "protocol/errors.h"

#define PNR_LEN 13

struct pnr_date {
	int year, month, day;
};

/*
 * text into out (PNR_LEN + 1 bytes, NUL-terminated) as of today: 0, or
 * I40_E_VALUE with why (cap bytes) saying what is wrong without the
 * number itself.  *coordination (may be NULL): 1 for a coordination
 * number.
 */
int pnr_parse(const char *text, const struct pnr_date *today, char *out,
    int *coordination, char *why, size_t cap) I40_MUST_CHECK;

#endif
