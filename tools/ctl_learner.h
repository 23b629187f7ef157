/*
 * ctl_learner.h: a learner as a registrar names one (--pnr, --email) and
 * the pseudonym this node issued to it, for `i40ctl learner` and
 * `i40ctl completion record`.  The number and the address stay in the
 * caller's buffers and the private store; no message says them back.
 */
#ifndef I40_CTL_LEARNER_H
#define I40_CTL_LEARNER_H

#include <stdint.h>

#include "protocol/pseudonym.h"

#define CTL_EMAIL_MAX_BYTES 254

/* The key a learner is kept under: "pnr:YYYYMMDD-NNNN" or "email:A". */
struct ctl_learner_key {
	char key[8 + CTL_EMAIL_MAX_BYTES + 1];
};

/*
 * pnr (when not NULL) or else email, checked and normalised into *id: 0;
 * else non-zero and why says what is wrong, without the number.
 */
int ctl_learner_norm(const char *pnr, const char *email,
    struct ctl_learner_key *id, char *why, size_t cap);
/*
 * Exactly one of pnr ("-": read from standard input) and email, checked
 * and normalised into *id: 0; else said, and CTL_EXIT_USAGE (with usage,
 * which may be NULL) or CTL_EXIT_ERR.  The caller wipes *id after use.
 */
int ctl_learner_key(const char *pnr, const char *email, const char *usage,
    struct ctl_learner_key *id);
/*
 * The pseudonym this node issued for pnr or email, from datadir's private
 * store: 0; else said, and non-zero.
 */
int ctl_learner_lookup(const char *datadir, const char *pnr,
    const char *email, uint8_t p[PSEUDONYM_BYTES]);

#endif
