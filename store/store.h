/*
 * store.h: the node's memory.  A data directory holds two LMDB
 * environments: ledger/ (the replicated events and the state derived from
 * them) and private/ (learner names, never replicated).  Nothing outside
 * store/ touches LMDB.  docs/store.md describes the databases, the roots and
 * the crash guarantees.
 *
 * Semantics (docs/store.md, "Convergence"):
 *  - An event is stored when it is the next in its author's chain (seq is
 *    head + 1, prev is the head's id), was verified with the author's key in
 *    force at that seq, and its author is known: named in the charter or in
 *    some stored member_propose.  These predicates never turn false once
 *    true, so after sync has re-sent what was refused, every node holds the
 *    same set whatever the order of arrival.
 *  - The derived state (members, catalog, completions, revocations, forks)
 *    is a pure function of that set; store_rebuild() recomputes it from the
 *    events alone and must give the same state root.
 *  - Equivocation (two events of one author at one seq) is kept as
 *    evidence and freezes the author at its freeze point: the event
 *    before the fork, or the author's settled seq if that is later
 *    (docs/protocol.md §11).  Only evidence that lowers the freeze point
 *    is kept: one fork per author.
 *
 * Durability: a batch is one write transaction, committed with fsync before
 * store_append() returns; nothing is acknowledged before that.  After an
 * I/O error on commit the store refuses all further writes (I40_E_FAILED):
 * Linux may have dropped the dirty pages, so the process must restart and
 * reopen (fsyncgate).
 *
 * THREAD SAFETY: one struct store per process (LMDB forbids opening an
 * environment twice in one process).  Writes from one thread at a time;
 * reads may run on any thread.  Other processes (i40ctl) open the same
 * directory read-only and may read while the daemon writes.
 */
#ifndef I40_STORE_H
#define I40_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/event.h"

#define STORE_SCHEMA 6
#define STORE_LEARNER_BYTES 16

struct store;

/* How to open a data directory. */
struct store_opts {
	int readonly;		/* i40ctl queries: no writes, no creation */
	/*
	 * With readonly: open without LMDB's lock file (MDB_NOLOCK), for a
	 * copy on read-only media or without write permission.  Nothing may
	 * write the directory while it is open so.
	 */
	int nolock;
	/*
	 * Open the private environment (learners' names, DIR/private) for
	 * reading and writing, the ledger readonly or not; without it the
	 * store_learner_* calls return I40_E_READONLY.  i40d never asks:
	 * only `i40ctl learner` holds personal data.
	 */
	int learners;
	/*
	 * A throw-away store (`i40ctl audit`'s replay): commits are not
	 * fsynced (MDB_NOSYNC).
	 * A crash may lose or damage it, so nothing that must survive may be
	 * kept in one.
	 */
	int ephemeral;
	size_t map_max;		/* largest map in bytes; 0: 64 GiB */
	size_t map_initial;	/* first map size; 0: 64 MiB */
	/*
	 * The tail of the lookup indexes is merged into them once it holds
	 * tail_min events and as many as the indexes, or tail_max events
	 * whatever the size of the indexes (docs/store.md, "Lookup
	 * indexes").  0: 65536 and 1048576.  Tests set them small so that
	 * merges happen often.
	 */
	size_t tail_min, tail_max;
};

/*
 * Create a data directory at path (mode 0700) for the federation of the
 * genesis event genesis[0..len): it is decoded, its signature verified, and
 * stored as the first event; the federation's fed_id is its.  I40_E_EXISTS
 * if path is a non-empty directory.  err may be NULL.
 */
int store_create(const char *path, const uint8_t *genesis, size_t len,
    struct codec_err *err) I40_MUST_CHECK;

/*
 * Open the data directory at path.  Refuses, each with its own code:
 * a directory that is not a store (I40_E_NOT_STORE), a newer schema
 * (I40_E_SCHEMA), a network filesystem (I40_E_NETFS), a damaged
 * environment (I40_E_CORRUPT).  Clears stale readers.  Caller owns *out,
 * free with store_close().
 */
int store_open(const char *path, const struct store_opts *opts,
    struct store **out) I40_MUST_CHECK;
/* Close; NULL is a no-op. */
void store_close(struct store *st);

/* The federation's fed_id (32 bytes), borrowed until store_close(). */
const uint8_t *store_fed_id(const struct store *st);

/* Outcome of one event in a batch. */
enum store_result {
	STORE_STORED = 0,
	/*
	 * Same id already stored (any signature); or, with code I40_E_FORK,
	 * a second event at a stored seq that does not lower the author's
	 * freeze point, so it is not kept.
	 */
	STORE_DUPLICATE = 1,
	STORE_GAP = 2,		/* seq beyond head + 1, or after such an event */
	/*
	 * Wrong key, unknown author; I40_E_CHAIN: prev is not the head's id
	 * (the author signed something else at head seq: look below);
	 * I40_E_FROZEN: past what the store takes of a frozen author.
	 */
	STORE_INVALID = 3,
	STORE_FORK = 4		/* a second event at a seq: new evidence */
};

/* One event of a batch: decoded, and verified by the caller with `key`. */
struct store_item {
	struct ev_signed ev;		/* borrows the caller's buffer */
	uint8_t key[KEY_PK_BYTES];	/* the key the signature verified with */
};

/* Per-event results of a batch. */
struct store_outcome {
	enum store_result result;
	int code;		/* 0, or the I40_E_* that explains the result */
};

/*
 * Append n events in one write transaction, durable when this returns 0.
 * out[i] says what happened to items[i]; events of one author must come in
 * seq order.  A gap rejects that author's later events in the batch, but
 * the rest lands.  If the map is full it grows (doubling, up to map_max)
 * and the batch is retried; past map_max I40_E_MAP_FULL, on a full disk
 * I40_E_DISK_FULL, and nothing of the batch is written.
 */
int store_append(struct store *st, const struct store_item *items, size_t n,
    struct store_outcome *out) I40_MUST_CHECK;

/*
 * The key that must verify the signature of author's event at seq: the
 * identity key, or the next key named by the author's latest key_rotate
 * below seq.  For events within one batch, a rotation earlier in the same
 * batch is the caller's to apply (store_append checks it).
 */
int store_key_in_force(struct store *st, const uint8_t author[KEY_PK_BYTES],
    uint64_t seq, uint8_t key[KEY_PK_BYTES]) I40_MUST_CHECK;
/*
 * The same for each of n decoded items, setting items[i].key, in one read
 * transaction: what a verifier calls for a batch from a peer.  A
 * key_rotate earlier in the batch that the store does not hold yet counts
 * as stored for the author's later items (they verify with its next key).
 */
int store_keys_in_force(struct store *st, struct store_item *items, size_t n)
    I40_MUST_CHECK;
/*
 * The checks an event from outside passes before it is offered to the
 * store, in this order, shared by i40d's ingest and i40ctl's log import
 * and audit (store/verify.c): decode with every check that needs no key,
 * against this store's federation (err as ev_decode); the keys in force
 * for a decoded batch (segment: a reorg segment, store_keys_in_segment,
 * else store_keys_in_force); the signature with items[i].key.  decode and
 * sig only read st's immutable fields and may run on any thread; keys is
 * one read transaction.
 */
int store_verify_decode(struct store *st, const uint8_t *buf, size_t len,
    struct store_item *it, struct body *scratch, struct codec_err *err)
    I40_MUST_CHECK;
int store_verify_keys(struct store *st, struct store_item *items, size_t n,
    int segment) I40_MUST_CHECK;
int store_verify_sig(const struct store_item *it) I40_MUST_CHECK;

/*
 * The same for a segment meant for store_reorg (consecutive events of one
 * author replacing its stored branch from items[0]'s seq): the key at the
 * first seq comes from the stored log below it, and the segment's own
 * rotations name the keys after them; the stored branch's do not count.
 */
int store_keys_in_segment(struct store *st, struct store_item *items,
    size_t n) I40_MUST_CHECK;

/* A stored event, copied out: caller owns bytes, free with free(). */
struct store_event {
	uint8_t *bytes;
	size_t len;
};

/*
 * a and b: two events of one author at one seq, decoded and verified by
 * the caller with the keys in items[].key (a FORK message).  One write
 * transaction.  *out: STORE_FORK when they became the author's evidence
 * (its freeze point moved down), STORE_DUPLICATE when they change nothing
 * (code I40_E_FORK), STORE_INVALID with the reason (not one author and
 * seq, the same event, another federation, an unknown author, a key not
 * in force at that seq).
 */
int store_evidence(struct store *st, const struct store_item pair[2],
    struct store_outcome *out) I40_MUST_CHECK;

/*
 * Replace a frozen author's chain from items[0]'s seq on with items[0..n):
 * consecutive events of that author, verified by the caller, the first of
 * them at or below the fork and linking to the stored event before it.
 * Taken (*out STORE_STORED) only when the fork is not settled on the
 * stored chain and a majority of the voters name, as their highest head
 * of the author, events of the segment at or after the fork: then the
 * segment is the settled branch (docs/protocol.md §11.5).  Otherwise
 * STORE_INVALID with the reason, and nothing changes.
 */
int store_reorg(struct store *st, const struct store_item *items, size_t n,
    struct store_outcome *out) I40_MUST_CHECK;

/*
 * The highest seq of author's log that any active member's checkpoint
 * named (0: none): a node restored from a backup must not sign before it
 * holds its own log that far.
 */
int store_named(struct store *st, const uint8_t author[KEY_PK_BYTES],
    uint64_t *seq) I40_MUST_CHECK;

/*
 * The highest head of author's log that voter's checkpoints named (0 and
 * zeros when none).
 */
int store_vote(struct store *st, const uint8_t voter[KEY_PK_BYTES],
    const uint8_t author[KEY_PK_BYTES], uint64_t *named,
    uint8_t id[EV_ID_BYTES]) I40_MUST_CHECK;

/*
 * The fork held as evidence for author, as two signed events (caller owns
 * both, free with free()); I40_E_NOT_FOUND when the author is not frozen.
 */
int store_fork_get(struct store *st, const uint8_t author[KEY_PK_BYTES],
    struct store_event *a, struct store_event *b) I40_MUST_CHECK;

/* I40_E_NOT_FOUND if absent. */
int store_get(struct store *st, const uint8_t author[KEY_PK_BYTES],
    uint64_t seq, struct store_event *out) I40_MUST_CHECK;
int store_get_id(struct store *st, const uint8_t id[EV_ID_BYTES],
    struct store_event *out) I40_MUST_CHECK;
/* The genesis the store was created with; I40_E_CORRUPT if it is gone. */
int store_genesis(struct store *st, struct store_event *out) I40_MUST_CHECK;

/*
 * One log: its stored head, and what counts of it.  For a log that is not
 * frozen, last == seq and limit is UINT64_MAX.
 */
struct store_head {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;			/* stored head; 0: nothing stored */
	uint8_t id[EV_ID_BYTES];
	uint64_t frozen;		/* seq of the fork held as evidence, or 0 */
	uint64_t last;			/* the last seq that counts (freeze point) */
	uint8_t last_id[EV_ID_BYTES];	/* the id at min(last, seq); 0s at 0 */
	uint64_t limit;			/* the highest seq the store still takes */
	uint64_t settled;		/* settled seq (0: none), protocol.md §11 */
	int damaged;			/* store_head_table: frozen, no freeze point */
};

/* Heads of every log, ascending by author.  Caller frees *heads. */
int store_heads(struct store *st, struct store_head **heads, size_t *n)
    I40_MUST_CHECK;
/*
 * The same, for the audit of a data directory that may be damaged: a head
 * frozen with no freeze point (which store_heads and the log root refuse
 * as I40_E_CORRUPT) has damaged set, last = seq and limit UINT64_MAX.
 */
int store_head_table(struct store *st, struct store_head **heads, size_t *n)
    I40_MUST_CHECK;

/*
 * Call fn for each stored event in log order (by author, then seq), from
 * author's seq `from` to `to` (inclusive) when author is not NULL, else all.
 * The bytes are borrowed for the duration of the call.  fn returns 0 to go
 * on, anything else to stop (returned).  Reads in bounded transactions so a
 * long walk does not pin old pages.
 */
typedef int (*store_walk_fn)(void *arg, const uint8_t *bytes, size_t len);
int store_walk(struct store *st, const uint8_t *author, uint64_t from,
    uint64_t to, store_walk_fn fn, void *arg) I40_MUST_CHECK;

/* A completion that counts, as the derived state holds it. */
struct store_completion {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
	uint8_t id[EV_ID_BYTES];
	uint8_t learner[STORE_LEARNER_BYTES];
	uint8_t module[EV_ID_BYTES];	/* the module version's event id */
	int passed;			/* the grade is a pass on its scale */
	int revoked;
};

enum store_by {
	STORE_BY_LEARNER,	/* key: a learner pseudonym (16 bytes) */
	STORE_BY_MODULE		/* key: a module version's event id (32) */
};

/*
 * Call fn for each counting completion of one learner, or of one module
 * version, in (author, seq) order; revoked ones included, flagged.  fn
 * returns 0 to go on, anything else to stop (returned).  The completions
 * are read in one transaction and fn is called after it ends.
 */
typedef int (*store_completion_fn)(void *arg,
    const struct store_completion *c);
int store_completions(struct store *st, enum store_by by, const uint8_t *key,
    store_completion_fn fn, void *arg) I40_MUST_CHECK;

/*
 * The completion whose event id is id, as the derived state holds it: 0
 * and *out when it counts (revoked or not); then, if revoked_by is not
 * NULL, the id of the revocation that counted (zeros when not revoked).
 * I40_E_NOT_FOUND when no counting completion has that id: no such event,
 * not a completion, or one that counts not (docs/protocol.md §5.13).
 */
int store_completion_get(struct store *st, const uint8_t id[EV_ID_BYTES],
    struct store_completion *out, uint8_t revoked_by[EV_ID_BYTES])
    I40_MUST_CHECK;

/* The two digests of DESIGN.md; docs/store.md says how they are made. */
int store_log_root(struct store *st, uint8_t root[32]) I40_MUST_CHECK;

/*
 * What `i40ctl log export` writes (docs/protocol.md §13), from one read
 * transaction: fn(arg, EXP_REC_GENESIS, genesis) first; then
 * fn(arg, EXP_REC_EVENT, event) for each selected event in the order they
 * were stored (each log in seq order, the logs interleaved); then
 * fn(arg, EXP_REC_EVIDENCE, a, b) for each author's fork evidence, authors
 * ascending; then the log root of that transaction into log_root
 * (unless NULL: a damaged head table fails the root, not the export).
 * sel: author NULL for every log, else that log from seq `from`; since
 * (ascending by author or not, nsince of them): leave out each author's
 * events at or below its seq there; salvage: a log root that cannot be
 * computed (I40_E_CORRUPT: a damaged head table) is 32 zero bytes, not a
 * failure, so that a damaged node's events can still be taken out.  The bytes are borrowed for the call;
 * fn returns 0 to go on, anything else to stop (returned).
 */
struct store_export_sel {
	const uint8_t *author;
	uint64_t from;
	const struct store_head *since;
	size_t nsince;
	int salvage;
};
typedef int (*store_export_fn)(void *arg, int type, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen);
int store_export(struct store *st, const struct store_export_sel *sel,
    store_export_fn fn, void *arg, uint8_t log_root[32]) I40_MUST_CHECK;
int store_state_root(struct store *st, uint8_t root[32]) I40_MUST_CHECK;

/*
 * The derived state as docs/protocol.md §14.2 defines it, from one read
 * transaction: fn(arg, table, key, value) for every entry, tables in
 * order (STORE_T_MEMBER 0 ... STORE_T_SETTLE 6), entries in key order,
 * completions and module versions keyed by author||seq.  What the state
 * root hashes; `i40ctl audit` hashes it itself.  The bytes are borrowed
 * for the call; fn returns 0 to go on, anything else to stop (returned).
 */
enum store_table {
	STORE_T_MEMBER, STORE_T_MODULE, STORE_T_MODVER, STORE_T_COMPL,
	STORE_T_REVOKE, STORE_T_FORK, STORE_T_SETTLE, STORE_T_COUNT
};
typedef int (*store_state_fn)(void *arg, unsigned table, const uint8_t *k,
    size_t klen, const uint8_t *v, size_t vlen);
int store_state_walk(struct store *st, store_state_fn fn, void *arg)
    I40_MUST_CHECK;

/*
 * Write a canonical text dump of the derived state to fd (tests compare
 * dumps across nodes; an auditor can diff them).
 */
int store_dump(struct store *st, int fd) I40_MUST_CHECK;

/*
 * Recompute all derived state from the events alone and compare: 0 when
 * the state root is unchanged, I40_E_MISMATCH (and the state is replaced by
 * the recomputed one) when it was not.
 */
int store_rebuild(struct store *st) I40_MUST_CHECK;

/*
 * Clear reader slots left by dead processes (a SIGKILLed i40ctl), which
 * would otherwise pin old pages until the map fills.  store_open and map
 * growth do it too; the daemon calls it every sync interval.  *cleared says
 * how many were found (may be NULL).
 */
int store_reader_check(struct store *st, int *cleared) I40_MUST_CHECK;

/* Counters since open: events stored, duplicates seen, index merges. */
struct store_stats {
	uint64_t events, authors, duplicates, forks;
	uint64_t map_size;
	uint64_t map_used;	/* bytes up to the last page in use */
	uint64_t merges;
};
int store_stats(struct store *st, struct store_stats *out) I40_MUST_CHECK;

/* A member or observer, with the record that admitted it. */
struct store_member {
	uint8_t key[KEY_PK_BYTES];	/* identity key */
	int observer;			/* read-only node, not a university */
	int active;			/* 0 once removed */
	uint64_t upto;			/* last counting seq after a removal */
	uint8_t admitted_by[EV_ID_BYTES];	/* its proposal; 0s: charter */
	uint8_t removed_by[EV_ID_BYTES];	/* the removal; 0s: none */
	char schac[65], org_no[33], country[3];
	char name_en[201], name_sv[201];
	char endpoint[257];		/* as admitted: "tcp://host:port" */
	uint8_t transport[32];		/* its CURVE key in force, certified */
	uint8_t signing[KEY_PK_BYTES];	/* the key its log is signed with now */
	uint64_t rotated;		/* seq of its latest key_rotate, or 0 */
	/*
	 * The earlier key of its university that it succeeds (protocol.md
	 * §12.7): succession 0 none, 1 pending (that key's log is not
	 * stored up to its last counting seq yet), 2 holds (this key
	 * writes the earlier key's modules and completions).
	 */
	int succession;
	uint8_t succeeds[KEY_PK_BYTES];
};

/*
 * Every member and observer the stored events admitted, ascending by key,
 * removed ones included (active 0).  Caller owns *out, free with free().
 */
int store_members(struct store *st, struct store_member **out, size_t *n)
    I40_MUST_CHECK;

/*
 * The key that names author's university in the catalog (docs/protocol.md
 * §12.7): the first key of the chain of successions that holds and ends at
 * author; author itself when it succeeds nobody.  Compare modules' author
 * with this, not with a node's own key.
 */
int store_university_key(struct store *st, const uint8_t author[KEY_PK_BYTES],
    uint8_t inst[KEY_PK_BYTES]) I40_MUST_CHECK;

/*
 * Whose key pk is now: the author whose key in force for its next event
 * is pk (its identity key if it never rotated, else the next key of its
 * latest key_rotate).  I40_E_WRONG_KEY when pk was in force once and a
 * rotation replaced it; I40_E_NOT_FOUND when no stored event names it.
 */
int store_key_owner(struct store *st, const uint8_t pk[KEY_PK_BYTES],
    uint8_t author[KEY_PK_BYTES]) I40_MUST_CHECK;

/*
 * A membership proposal (member_propose or member_remove) as the stored
 * events stand: its support is the proposer plus the distinct endorsers
 * whose endorsement counts in the current membership, against the number
 * the current members need (docs/protocol.md §12.1).
 */
struct store_proposal {
	uint8_t id[EV_ID_BYTES];
	uint32_t type;			/* BODY_MEMBER_PROPOSE or _REMOVE */
	uint8_t proposer[KEY_PK_BYTES];
	uint64_t seq;			/* its seq in the proposer's log */
	uint8_t key[KEY_PK_BYTES];	/* who is admitted or removed */
	int observer;			/* a proposal of an observer */
	uint64_t upto;			/* a removal's upto */
	int counts;			/* the proposer's event counts */
	size_t support, need, members;	/* now: support, needed, of members */
	int applied;			/* it took effect */
	int moot;			/* STORE_MOOT_*: it never will */
};
enum {
	STORE_MOOT_SELF = 1,		/* an admission of its own proposer */
	STORE_MOOT_IN,			/* of a key in (or removed) already */
	STORE_MOOT_OUT			/* a removal of a key not active */
};

/*
 * Every stored proposal, ascending by id.  Caller owns *out, free with
 * free().
 */
int store_proposals(struct store *st, struct store_proposal **out,
    size_t *n) I40_MUST_CHECK;

/* One key's endorsement of a proposal: its first, and whether it counts. */
struct store_endorser {
	uint8_t key[KEY_PK_BYTES];
	uint64_t seq;
	int counts;
};

/*
 * The keys that endorsed proposal id, each once, ascending by key.
 * Caller owns *out, free with free().
 */
int store_endorsers(struct store *st, const uint8_t id[EV_ID_BYTES],
    struct store_endorser **out, size_t *n) I40_MUST_CHECK;

/* One module of the catalog: its current version. */
struct store_module {
	uint8_t author[KEY_PK_BYTES];	/* the owning university */
	char code[33];
	uint8_t id[EV_ID_BYTES];	/* the current publish/update event */
	int retired;
	uint8_t *bytes;			/* that signed event */
	size_t len;
};

/*
 * The catalog: every module ever published, by (author, code), retired
 * ones included.  Caller owns *out, free with store_modules_free().
 */
int store_modules(struct store *st, struct store_module **out, size_t *n)
    I40_MUST_CHECK;
void store_modules_free(struct store_module *ms, size_t n);
/*
 * store_modules without the events (bytes NULL, len 0): what the catalog
 * is, cheaply, for a cache's key.  Free with store_modules_free().
 */
int store_module_ids(struct store *st, struct store_module **out, size_t *n)
    I40_MUST_CHECK;

/*
 * The versions of module (author, code) that took effect, oldest first:
 * their event ids.  Caller owns *ids (free).  Scans every version of the
 * catalog: for a page about one module, not for a loop.
 */
int store_module_history(struct store *st, const uint8_t author[KEY_PK_BYTES],
    const char *code, uint8_t (**ids)[EV_ID_BYTES], size_t *n)
    I40_MUST_CHECK;

/* Private data: learner pseudonyms.  Never replicated. */

/*
 * Issue a random 128-bit pseudonym for a learner, or return the existing
 * one for the same national id (or e-mail).  name and natid are UTF-8.
 */
int store_learner_issue(struct store *st, const char *name, const char *natid,
    uint8_t pseudonym[STORE_LEARNER_BYTES]) I40_MUST_CHECK;
/* Look up by national id; I40_E_NOT_FOUND if unknown or forgotten. */
int store_learner_find(struct store *st, const char *natid,
    uint8_t pseudonym[STORE_LEARNER_BYTES]) I40_MUST_CHECK;
/* The name behind a pseudonym into name[0..cap); I40_E_NOT_FOUND. */
int store_learner_name(struct store *st,
    const uint8_t pseudonym[STORE_LEARNER_BYTES], char *name, size_t cap)
    I40_MUST_CHECK;
/*
 * Forget a learner: delete the mapping (and note the pseudonym and the
 * time, nothing else), then rewrite the private environment so that
 * neither name nor id remains in any file.  Only with private/ to itself:
 * I40_E_BUSY while another process has it open (store_opts.learners).
 */
int store_learner_forget(struct store *st,
    const uint8_t pseudonym[STORE_LEARNER_BYTES]) I40_MUST_CHECK;
/* When a pseudonym's learner was forgotten (ms since the epoch), or
 * I40_E_NOT_FOUND. */
int store_learner_forgotten(struct store *st,
    const uint8_t pseudonym[STORE_LEARNER_BYTES], uint64_t *when_ms)
    I40_MUST_CHECK;

#endif
