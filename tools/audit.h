/*
 * audit.h: `i40ctl audit`, an offline replay of a federation's log from
 * its genesis alone (docs/auditing.md).
 *
 * The events go through the same checks as i40d's ingest and `log
 * import` (ctl_replay, store/verify.c, then the store's rules), into a
 * store of the audit's own that starts empty: no state the audited node
 * derived is reused.  The audit then reads that store's derived state
 * and hashes both roots itself, as docs/protocol.md §14 defines them,
 * and names every event that was refused or does not count, and, for a
 * data directory, every difference from what the node stored.
 *
 * Ownership: audit_run fills a struct audit that owns everything it
 * points to; audit_free releases it.  The caller owns the options.
 */
#ifndef I40_AUDIT_H
#define I40_AUDIT_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "store/store.h"

struct audit_opts {
	const char *file;		/* an export file ("-": stdin), or */
	const char *datadir;		/* a data directory, read only */
	const uint8_t *genesis;		/* the genesis the auditor trusts */
	size_t genesis_len;		/* (NULL: the file's own) */
	const char *tmpdir;		/* where the replay's store goes */
	unsigned nthreads;		/* verifiers; 0: one per core */
	int progress;			/* a progress line on stderr */
};

enum audit_kind {
	AUDIT_DAMAGED,		/* the file cannot be read on from offset */
	AUDIT_TRAILER,		/* the trailer disagrees with the records */
	AUDIT_GENESIS,		/* not the genesis given with --genesis */
	AUDIT_ORDER,		/* records not in the order §13 fixes */
	AUDIT_REFUSED,		/* an event the checks or the store refused */
	AUDIT_NOT_COUNTED,	/* stored, but changes no state (§5.13) */
	AUDIT_FORK,		/* two events of one author at one seq */
	AUDIT_DIFFERS,		/* the data directory holds something else */
	AUDIT_INTERNAL,		/* this program's two computations disagree */
	AUDIT_KINDS
};

/* One finding.  seq..to is a range of one log (to == seq for one). */
struct audit_finding {
	enum audit_kind kind;
	int has_author;
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq, to;		/* 0: not about events of a log */
	uint64_t offset;		/* in the file; UINT64_MAX: none */
	int code;			/* the I40_E_* behind it, or 0 */
	char what[320];			/* the reason, in words */
};

/* What one log holds, as the replay stored it. */
#define AUDIT_TYPES 32
struct audit_log {
	uint8_t author[KEY_PK_BYTES];
	uint64_t by_type[AUDIT_TYPES];	/* stored events per body type */
	uint64_t stored, refused;
	uint64_t file_seq;		/* the highest seq the file has shown */
	uint64_t head;			/* the last seq stored, and its id */
	uint64_t late_checkpoints;	/* checkpoints past a removal's upto */
	uint8_t head_id[EV_ID_BYTES];
	uint8_t (*keys)[KEY_PK_BYTES];	/* the keys it signed with, */
	uint64_t *key_from;		/* each from this seq on */
	size_t nkeys;
	/* seqs of stored module versions and completions, for §5.13 */
	uint64_t *mods, *compls;
	size_t nmods, ncompls, capmods, capcompls;
};

/* A membership event, as the report lists the members' history. */
struct audit_mevent {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
	uint32_t type;
	uint8_t id[EV_ID_BYTES];
	uint8_t subject[KEY_PK_BYTES];	/* proposed, removed or next key */
	uint8_t proposal[EV_ID_BYTES];	/* an endorsement's */
	uint64_t upto;			/* a removal's */
	int counted;			/* a rotation's: always 1 */
};

struct audit_revocation {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
	uint8_t id[EV_ID_BYTES];
	uint8_t completion[EV_ID_BYTES];
	char reason[501];		/* protocol.md: 1..500 bytes */
	int counted;
};

/* A stored module_retire, to say why it counts not where it does not. */
struct audit_retire {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
	char code[33];			/* protocol.md: 2..32 bytes */
};

struct audit_fork {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;			/* where the two events are */
	uint64_t last;			/* the freeze point: the last that counts */
	uint8_t a[EV_ID_BYTES], b[EV_ID_BYTES];
};

struct audit {
	/* the input */
	int from_datadir;
	uint8_t genesis_id[EV_ID_BYTES], fed_id[EV_FED_ID_BYTES];
	int genesis_given;		/* --genesis, and it matched */
	uint64_t events, stored, duplicate, refused, evidence;
	int trailer_ok;			/* the file ended with its trailer */
	uint64_t trailer_events, trailer_evidence;
	uint8_t trailer_root[32];
	/* what the replay holds */
	struct audit_log *logs;		/* ascending by author, once replayed */
	size_t nlogs, caplogs;
	/*
	 * While the replay runs: logs in arrival, indexed by a hash keyed
	 * at random (an author is any 32 bytes a file says, so an unkeyed
	 * hash, or a sorted insert, lets a file of strangers cost n^2).
	 */
	size_t *lindex;			/* slots: index + 1, 0 empty */
	size_t lslots;			/* a power of two, or 0 */
	uint8_t lkey[16];
	struct store_member *members;
	size_t nmembers;
	struct audit_mevent *mevents;
	size_t nmevents, capmevents;
	struct audit_revocation *revs;
	size_t nrevs, caprevs;
	struct audit_retire *retires;
	size_t nretires, capretires;
	struct audit_fork *forks;
	size_t nforks;
	uint64_t modvers, compls, compls_revoked;	/* counting state */
	/* the roots: computed here (§14), by the replay's store, the node */
	uint8_t log_root[32], state_root[32];
	uint8_t store_log_root[32], store_state_root[32];
	int datadir_roots;		/* the node's were read */
	int datadir_moved;		/* the node wrote during the audit */
	int dd_log_root_bad;		/* its head table fails the root */
	int dd_nolock;			/* opened without LMDB's lock file */
	int tmp_left, tmp_errno;	/* the replay's directory stayed: why */
	char tmp_dir[4096];
	uint8_t dd_log_root[32], dd_state_root[32];
	/* findings */
	struct audit_finding *f;
	size_t nf, capf;
	uint64_t nf_total;		/* also those beyond AUDIT_MAX_FINDINGS */
	uint64_t by_kind[AUDIT_KINDS];
};

/* Findings listed (the rest counted): of events, then of the closing. */
#define AUDIT_MAX_FINDINGS 10000
#define AUDIT_MAX_CLOSING 1000
/* How far back a finding may continue a run of one log's events. */
#define AUDIT_RUNS 64

/*
 * Audit opts->file or opts->datadir into *a.  0 when the audit ran to its
 * end, whatever it found (a->nf_total == 0 means clean); an error, said
 * into why, when it could not (a file that is not an export, a store
 * that cannot be opened, no room for the replay).  Free *a with
 * audit_free in either case.
 */
int audit_run(const struct audit_opts *opts, struct audit *a, char *why,
    size_t cap) I40_MUST_CHECK;
void audit_free(struct audit *a);

/* The log of author in a, or NULL. */
struct audit_log *audit_log_find(const struct audit *a,
    const uint8_t author[KEY_PK_BYTES]);
/* The member record of key, or NULL. */
const struct store_member *audit_member(const struct audit *a,
    const uint8_t key[KEY_PK_BYTES]);
/* A finding's kind as a word of the report ("refused"). */
const char *audit_kind_name(enum audit_kind k);

/*
 * audit_replay.c, for audit_run: the input f (named name in messages,
 * its genesis already read) replayed into st on o->nthreads verifiers,
 * each record's outcome into a; a damaged record is a finding, not an
 * error.  0, or an error with why.
 */
int audit_replay(const struct audit_opts *o, struct audit *a,
    struct store *st, FILE *f, const char *name, char *why, size_t cap)
    I40_MUST_CHECK;

/* audit_state.c: the roots of docs/protocol.md §14, and §5.13's counts */
int audit_state(struct audit *a, struct store *st, struct store *node)
    I40_MUST_CHECK;
/*
 * Add a finding (coalesced with the last one when it continues it): the
 * finding, a's, or NULL when only counted (past AUDIT_MAX_FINDINGS, or
 * out of memory).
 */
struct audit_finding *audit_add(struct audit *a, enum audit_kind kind,
    const uint8_t *author, uint64_t seq, uint64_t offset, int code,
    const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* f (may be NULL) covers its log's events up to seq to. */
void audit_range(struct audit_finding *f, uint64_t to);

#endif
