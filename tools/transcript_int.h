/*
 * transcript_int.h: what transcript.c (building), transcript_verify.c
 * (checking) and transcript_member.c (membership evidence) share.  Not
 * an API outside tools/transcript*.c.
 *
 * Ownership: a tr_dev owns its bytes and body (tr_dev_free); a tr_mset
 * owns its members and decoded evidence (tr_mset_free); tr_b64 and
 * tr_summary return new references, tr_unb64 a buffer the caller frees.
 */
#ifndef I40_TRANSCRIPT_INT_H
#define I40_TRANSCRIPT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "protocol/body.h"
#include "protocol/event.h"
#include "store/store.h"

/* A decoded event with its bytes (owned) and body. */
struct tr_dev {
	uint8_t *bytes;
	size_t len;
	struct ev_signed e;
	struct body *b;
};

void tr_dev_free(struct tr_dev *d);
/* Decode bytes (taken over, freed by tr_dev_free) as an event of fed_id. */
int tr_dev_decode(struct tr_dev *d, uint8_t *bytes, size_t len,
    const uint8_t *fed_id) I40_MUST_CHECK;

json_t *tr_b64(const uint8_t *p, size_t n);
/* A base64 string into a new buffer; NULL when it is none. */
uint8_t *tr_unb64(const json_t *j, size_t *n);

/* The university behind a member record, for people. */
struct tr_univ {
	char schac[65], name_en[201], name_sv[201];
};

/*
 * The summary of an entry (protocol.md §16.2): what a person reads, all
 * of it from the completion c, the module m and the author's member
 * record u, so that a verifier recomputes it.
 */
json_t *tr_summary(const struct body_completion *c,
    const struct body_module *m, const struct tr_univ *u);

/*
 * Rotations are rare: a proof longer than this is an attack on the
 * verifier's time.  The membership evidence is bounded likewise: the
 * proposals that admitted or removed the listed universities, one
 * endorsement per member each, and their authors' rotations.
 */
#define TR_MAX_PROOF 64
#define TR_MAX_EVIDENCE 4096

/* One member as a transcript's membership evidence proves it. */
struct tr_mem {
	uint8_t key[32];
	int member;			/* role member, not observer */
	int active;
	uint64_t upto;			/* after a removal; else UINT64_MAX */
	uint8_t schac[32];		/* its schac, hashed for comparing */
	struct tr_univ u;
};

/*
 * The membership of protocol.md §16.3 (the rule of §12.1 over the
 * genesis's charter and the transcript's "members" evidence), in order
 * of admission.
 */
struct tr_mset {
	struct tr_mem *m;
	size_t n;
	uint64_t pct;
};

/*
 * Evaluate members (a JSON array of base64 events, or NULL) against the
 * genesis g into *ms.  0, or an error with why set when the evidence is
 * damaged (not a list, too long, an item that is no event of g's
 * federation): the whole file is refused then.
 */
int tr_mset_eval(const struct tr_dev *g, const json_t *members,
    struct tr_mset *ms, char *why, size_t cap) I40_MUST_CHECK;
void tr_mset_free(struct tr_mset *ms);
const struct tr_mem *tr_mset_find(const struct tr_mset *ms,
    const uint8_t key[32]);
/*
 * The member b succeeds (§12.7 rule 1): the member of b's schac admitted
 * last before b, when it is removed; NULL if none.
 */
const struct tr_mem *tr_mset_succeeds(const struct tr_mset *ms,
    const struct tr_mem *b);

/*
 * The membership evidence for a transcript whose results authors
 * signed (protocol.md §16.1 "members"), from st: for each author that
 * the charter does not list, or that was removed, or that succeeds
 * another key, the proposals that admitted and removed it with each
 * endorser's first endorsement, the same for every proposer and endorser
 * that needs it, and every such event's author's rotations before it.
 * 0 and *out (a new array, empty when the charter says all), or an error.
 */
int tr_members_build(struct store *st, const uint8_t (*authors)[32],
    size_t n, json_t **out) I40_MUST_CHECK;

#endif
