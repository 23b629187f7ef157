/*
 * audit_walk.h: what audit_state.c's walk of the replay's derived state
 * hands to audit_why.c, which names the stored events that count not and
 * why (protocol.md §5.13, §11, §12.4).  Internal to the audit; the walk
 * owns every array here (audit_state.c frees them).
 */
#ifndef I40_AUDIT_WALK_H
#define I40_AUDIT_WALK_H

#include <sodium.h>

#include "audit.h"

/* A counting module version, for the reasons of completions that fail. */
struct modver {
	uint8_t id[32], univ[32];
	char code[33];
};

/* One entry of the log root (§14.1): a head as it counts. */
struct lr_entry {
	uint8_t author[32];
	uint64_t seq;
	uint8_t id[32];
	uint64_t frozen;		/* 0 or 1 */
};

/* A module of d_module (§14.2): the university's code, and if retired. */
struct module_entry {
	uint8_t univ[32];
	char code[33];
	uint8_t current[32];		/* the id of its version in force */
	int retired;
};

/* audit_state's walk of the replay's derived state, for audit_why. */
struct walk {
	struct audit *a;
	crypto_generichash_blake2b_state hs;
	size_t *cur;			/* per log: next completion, version */
	size_t *mcur;
	struct modver *mv;		/* every counting version */
	size_t nmv, capmv;
	uint8_t (*revoked_by)[32];	/* counting revocations' ids */
	size_t nrv, caprv;
	struct { uint8_t author[32]; uint64_t last; } *frozen;
	size_t nfrozen, capfrozen;
	struct { uint8_t author[32]; uint64_t seq; int module; } *miss;
	size_t nmiss, capmiss;
	struct module_entry *mods;	/* d_module, in key order */
	size_t nmods, capmods;
	struct lr_entry *lre;		/* §14.1's entries, by author */
	size_t nlre;
	int bad;			/* an entry not as §14.2 lays it out */
	int nomem;
};

/* Grow *p (n used of *cap, size each) for one more: 0, or -1 (memory). */
int audit_more(void **p, size_t *cap, size_t n, size_t size);

/*
 * The last seq of author's log that counts at all: a frozen log's freeze
 * point, a removed member's upto, 0 for a key never admitted.
 */
uint64_t audit_counts_up_to(const struct walk *w, const uint8_t author[32]);
/*
 * Every stored event of a that counts not, with its reason: completions,
 * module versions, retirements and revocations within their log's
 * counting range one by one, what lies above a freeze point or past a
 * removal as ranges.  0, or I40_E_NOMEM.
 */
int audit_why(struct walk *w, struct store *st) I40_MUST_CHECK;

#endif
