/*
 * internal.h: what the files of store/ share.  Not part of the API: only
 * the files of store/ include it.
 */
#ifndef I40_STORE_INTERNAL_H
#define I40_STORE_INTERNAL_H

#include <lmdb.h>
#include <pthread.h>

#include "store.h"

/* Key sizes: author||seq is the key of every per-log table. */
#define INDEX_COMPL_BYTES (16 + 32)	/* learner, module id */
#define COMPL_BYTES (INDEX_COMPL_BYTES + 2)	/* value of d_compl */
#define K_AUTHOR 32
#define K_LOG (32 + 8)

enum store_db {
	DB_META,	/* "schema", "fed_id", "genesis", "igen" */
	DB_EV,		/* arrival number(8) -> signed event, appended */
	DB_LOG,		/* author||seq -> arrival number */
	DB_HEAD,	/* author -> seq(8) id(32) fork(8): fork seq or 0 */
	DB_FORK,	/* author -> len(4) event a, event b: the evidence */
	DB_KNOWN,	/* key -> why it may author: "charter" or a proposal id */
	DB_ROT,		/* author||seq -> next key||transport, per key_rotate */
	DB_MEV,		/* author||seq -> type: membership events, checkpoints */
	/*
	 * Lookup indexes (index.c): node-local, not state.  The newest events
	 * are in the tail; the rest in the current generation (meta "igen")
	 * of the three pairs below, rewritten whole when the tail is merged.
	 */
	DB_TAIL,	/* arrival -> id(32) [learner(16) module id(32)] */
	DB_ID0, DB_ID1,	/* id -> arrival */
	DB_BYL0, DB_BYL1,	/* learner||arrival -> "" */
	DB_BYM0, DB_BYM1,	/* module id||arrival -> "" */
	/*
	 * What derivation keeps between batches so that a membership event
	 * or a checkpoint costs the same at any size of the log (member.c,
	 * settle.c).  Functions of the events, rebuilt with the state, but
	 * not part of it: the state root does not hash them.
	 */
	DB_PROP,	/* proposal id -> type role proposer seq key upto votes */
	DB_VOTE,	/* proposal id||endorser -> seq of its first endorsement */
	DB_CAND,	/* proposal id -> "": proposals that may take effect */
	DB_EVER,	/* key -> "": members in some membership derived */
	DB_CKPT,	/* voter||author -> matched seq(8) named seq(8) */
	DB_PEND,	/* author||seq||voter -> id: heads not yet checkable */
	DB_VOTER,	/* key -> "": the members whose checkpoints count */
	/* Derived state: rebuilt from the events by store_rebuild(). */
	DB_D_MEMBER,	/* key -> role(1) active(1) upto(8) */
	DB_D_MODULE,	/* author||code -> current id(32) retired(1) */
	DB_D_MODVER,	/* arrival -> module event id(32) author(32) code */
	DB_D_COMPL,	/* arrival -> learner(16) module(32) pass(1) revoked(1) */
	DB_D_REVOKE,	/* completion's author||seq -> revoke event id */
	DB_D_FORK,	/* author -> freeze point(8): the last seq that counts */
	DB_D_SETTLE,	/* author -> settled seq(8) id(32), when above 0 */
	DB_COUNT
};
#define DB_AUX_FIRST DB_PROP
#define DB_D_FIRST DB_D_MEMBER

/* Module versions still in the tail of the indexes, by id (modver.c). */
struct modver_map {
	uint8_t *slots;		/* cap slots: id(32), arrival + 1 (0: empty) */
	size_t cap, n;
	size_t base;		/* LMDB txn id of the last commit it matches */
	size_t cur;		/* the write txn it now matches, or 0 */
	uint8_t key[16];	/* crypto_shorthash key */
};

struct store {
	char *path;
	MDB_env *env;		/* ledger/ */
	MDB_env *penv;		/* private/, NULL unless opts.learners */
	int pdir;		/* private/ open, flock()ed shared; or -1 */
	MDB_dbi dbi[DB_COUNT];
	MDB_dbi p_byid, p_bypseudo;	/* private: natid->pseudo, pseudo->rec */
	MDB_dbi p_forgot;		/* private: pseudo -> when (ms, be64) */
	uint8_t fed_id[EV_FED_ID_BYTES];
	int readonly;
	int failed;		/* a commit failed: refuse writes until reopen */
	size_t map_size, map_max;
	size_t tail_min, tail_max;	/* when to merge the tail */
	struct store_stats stats;
	/*
	 * Growing the map remaps it under every read transaction of this
	 * process, so readers hold maplock shared for the life of their
	 * transaction and store_grow() takes it exclusively.
	 */
	pthread_rwlock_t maplock;
	int maplock_ok;
	struct modver_map mv;
};

/* Names of the databases, in the order of enum store_db. */
extern const char *const store_db_names[DB_COUNT];

/* Map an LMDB or system error to an i40 code (see store_env.c). */
int store_err(int mdb_rc);
/*
 * The error of a failed commit: disk full, or I/O, which mark st failed;
 * or I40_E_MAP_FULL, which does not (nothing was written: grow, retry).
 */
int store_commit_err(struct store *st, int mdb_rc);

/*
 * A read transaction that survives another process growing the map, and
 * this one (it holds maplock shared); end it with store_rtxn_end().
 */
int store_rtxn(struct store *st, MDB_txn **txn);
void store_rtxn_end(struct store *st, MDB_txn *txn);
/* Grow the map (doubling, up to map_max) after MDB_MAP_FULL. */
int store_grow(struct store *st);

/* base + "/" + name into out[PATH_MAX]; -ENAMETOOLONG if it won't fit. */
int store_path(char *out, const char *base, const char *name);

/* author||seq as a key. */
void store_logkey(uint8_t k[K_LOG], const uint8_t author[32], uint64_t seq);
uint64_t store_be64(const uint8_t *p);
void store_put64(uint8_t *p, uint64_t v);

/* The arrival number of the event at author||seq. */
int store_log_get(MDB_txn *txn, struct store *st, const uint8_t *logkey,
    uint64_t *arrival);
/* The stored event at author||seq (borrowed until txn ends). */
int store_ev_get(MDB_txn *txn, struct store *st, const uint8_t *logkey,
    MDB_val *v);

/* Heads. */
struct store_headrec {
	uint64_t seq;
	uint8_t id[32];
	uint64_t frozen;	/* the fork seq of the evidence held, or 0 */
};
int store_head_get(MDB_txn *txn, struct store *st, const uint8_t author[32],
    struct store_headrec *h);
int store_head_put(MDB_txn *txn, struct store *st, const uint8_t author[32],
    const struct store_headrec *h);

/*
 * The latest rotation of author below seq: its next key (author itself
 * when none), its transport key (unchanged when none; may be NULL) and
 * its seq in *at (0: none).
 */
int store_rot_at(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t seq, uint8_t key[32], uint8_t transport[32], uint64_t *at);
/* The key in force for author at seq, within txn (keys.c). */
int store_key_at(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t seq, uint8_t key[32]);
/* The log root as of txn (roots.c). */
int store_log_root_txn(MDB_txn *txn, struct store *st, uint8_t root[32]);
/* The next key a decoded key_rotate e names (keys.c). */
int store_rotate_next(const struct ev_signed *e, uint8_t next[32]);

/* Sets of keys (settle.c): the authors a batch touched. */
struct keyset {
	uint8_t (*k)[32];
	size_t n, cap;
};
int keyset_add(struct keyset *s, const uint8_t key[32]);
void keyset_free(struct keyset *s);

/* Membership (member.c). */
/* A DB_PROP record, and its offsets. */
#define PROP_BYTES (1 + 1 + 32 + 8 + 32 + 8 + 4 + 32 + 32)
#define P_TYPE 0
#define P_ROLE 1
#define P_PROPOSER 2
#define P_SEQ 34
#define P_KEY 42
#define P_UPTO 74
#define P_VOTES 82
#define P_TRANSPORT 86	/* an admission's transport key */
#define P_SCHAC 118	/* an admission's schac, hashed (member_schac) */

struct mem {
	uint8_t key[32];
	uint8_t role;		/* 'm' member, 'o' observer */
	uint8_t active;
	uint64_t upto;		/* last counting seq once removed */
	uint8_t by[32];		/* the admitting proposal; 0s: the charter */
	uint8_t rm[32];		/* the removal that took effect; 0s: none */
	uint8_t transport[32];	/* its certified CURVE key */
	uint8_t schac[32];	/* its university, hashed (member_schac) */
	uint8_t succ;		/* 0, SUCC_PENDING or SUCC_HOLDS */
	uint8_t pred[32];	/* the key it succeeds, when succ != 0 */
};
/* Succession (docs/protocol.md §12.7): the university's previous key. */
#define SUCC_PENDING 'p'	/* its log is not stored in full yet */
#define SUCC_HOLDS 'h'		/* the new key writes the old one's modules */
/*
 * A d_member value: role(1) active(1) upto(8) admitted-by(32)
 * removed-by(32) succession(1) predecessor(32); see docs/store.md.
 */
#define D_MEMBER_BYTES 107
#define DM_SUCC 74
#define DM_PRED 75
struct mset {
	struct mem *m;		/* in order of admission */
	size_t n, cap;
	struct mem *gone;	/* removals of the last round (member_run) */
	size_t ngone;
	uint64_t pct;		/* the charter's admit_pct */
	size_t nmin;		/* fewest active members during the run */
};
/* How far a frozen author's events count in a run (member.c). */
enum member_limits {
	MEMBER_AT_FORK,		/* below its fork: who votes on settlement */
	MEMBER_AT_FREEZE	/* up to its freeze point: the state */
};
struct mem *mset_find(struct mset *ms, const uint8_t key[32]);
size_t mset_active(const struct mset *ms);
void mset_free(struct mset *ms);
uint64_t member_need(uint64_t n, uint64_t pct);
int member_limit(MDB_txn *txn, struct store *st, const uint8_t author[32],
    enum member_limits lim, uint64_t *last);
/*
 * A stored membership event (propose, endorse, remove): update the
 * aggregates; *dirty when the membership may have changed.
 */
int member_event(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct body *b, int *dirty);
/* Does author's event at seq count, in ms and within its limit? */
int member_counts(MDB_txn *txn, struct store *st, struct mset *ms,
    enum member_limits lim, const uint8_t author[32], uint64_t seq,
    int *yes);
/*
 * The proposer plus the distinct endorsers of proposal id whose first
 * endorsement counts in ms: the support the fixpoint compares with the
 * threshold.
 */
int member_support(MDB_txn *txn, struct store *st, struct mset *ms,
    enum member_limits lim, const uint8_t id[32], const uint8_t proposer[32],
    size_t *out);
/* The hash by which members' schac codes are compared. */
void member_schac(const uint8_t *schac, size_t len, uint8_t out[32]);
/*
 * Who succeeds whom in ms, the final membership: each member's succ and
 * pred (docs/protocol.md §12.7).  Needs the freeze points of this txn.
 */
int member_succession(MDB_txn *txn, struct store *st, struct mset *ms);
/* The fixpoint over the candidates; caller frees ms with mset_free. */
int member_run(MDB_txn *txn, struct store *st, enum member_limits lim,
    struct mset *ms);
/*
 * After both runs: keep DB_EVER and meta "nmin" up to date; *again when
 * the candidates were recounted and the runs must be repeated.
 */
int member_filter(MDB_txn *txn, struct store *st, const struct mset *m0,
    const struct mset *m, int *again);
/* Meta counters of derivation ("nmin", "pct", "settle_n"). */
int member_meta_get(MDB_txn *txn, struct store *st, const char *name,
    uint64_t def, uint64_t *out);
int member_meta_put(MDB_txn *txn, struct store *st, const char *name,
    uint64_t val);

/* Checkpoints and settlement (settle.c). */
/* The id of author's stored event at seq, if *found. */
int chain_id_at(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t seq, uint8_t id[32], int *found);
/* A stored checkpoint: record its heads; add the logs named to dirty. */
int settle_checkpoint(MDB_txn *txn, struct store *st,
    const struct ev_signed *e, const struct body *b, struct keyset *dirty);
/* author's chain now reaches head: check the heads that waited for it. */
int settle_grown(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t head, int *dirty);
/* author's settled seq again (d_settle); *changed when it moved. */
int settle_update(MDB_txn *txn, struct store *st, const uint8_t author[32],
    int *changed);
/* A frozen author's freeze point again (d_fork); *changed when moved. */
int settle_freeze(MDB_txn *txn, struct store *st, const uint8_t author[32],
    int *changed);
/* Both, for every author. */
int settle_all(MDB_txn *txn, struct store *st, int *freeze_changed);
/* The voters from the membership m0 (DB_VOTER, meta "settle_n"). */
int settle_voters(MDB_txn *txn, struct store *st, const struct mset *m0,
    int *changed);
/* The settled seq (0: none) and its id (may be NULL). */
int settle_get(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t *seq, uint8_t id[32]);
/* How many voters must name a head of author's log to settle it. */
int settle_need(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t *need);
/* The need-th largest seq the voters named for author. */
int settle_claim(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t *claim);
/* DB_CKPT and DB_PEND again from every stored checkpoint. */
int settle_reindex(MDB_txn *txn, struct store *st, struct body *scratch);

/* Forks (fork.c). */
/* The freeze point of author (UINT64_MAX when not frozen). */
int fork_last(MDB_txn *txn, struct store *st, const uint8_t author[32],
    const struct store_headrec *h, uint64_t *last);
/* The highest seq of a frozen author the store still takes. */
int fork_limit(MDB_txn *txn, struct store *st, const uint8_t author[32],
    const struct store_headrec *h, uint64_t *limit);
/*
 * a and b: two valid events of one author at one seq, differing.  Keep
 * them as the author's evidence if that lowers its freeze point (*stored);
 * the caller then derives everything again.
 */
int fork_offer(MDB_txn *txn, struct store *st, const struct ev_signed *a,
    const struct ev_signed *b, int *stored);

/* Derived state (derive.c). */
/* author's d_member record (role, active, upto), if *found. */
int derive_member(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint8_t rec[D_MEMBER_BYTES], int *found);
/* Does an event at seq of the author of that record count? */
int derive_counts(const uint8_t rec[D_MEMBER_BYTES], int found, uint64_t seq);
/*
 * The key that names author's university in the catalog: its own, or,
 * while a succession holds, that of the first key of the chain it ends.
 */
int derive_inst(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint8_t inst[32]);
/*
 * Apply a counting catalog or ledger event of an author whose university
 * key is inst.  compl[0] is set to 1, and compl[1..] to the learner and
 * module id, when e is a completion.
 */
int derive_content(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct body *b, uint64_t arrival, const uint8_t inst[32],
    uint8_t compl[1 + INDEX_COMPL_BYTES]);
/*
 * Membership, voters, settled seqs, freeze points, in that order
 * (docs/protocol.md §11.4); *mchanged when d_member changed, *lchanged
 * when a freeze point did: then the content must be derived again.
 */
int derive_strata(MDB_txn *txn, struct store *st, int *mchanged,
    int *lchanged);
/*
 * Everything derived again; full: the aggregates of member.c and
 * settle.c too (store_rebuild, a replaced chain).
 */
int derive_rebuild(MDB_txn *txn, struct store *st, int full);
/* Read and decode the stored event at author||seq (b: caller's scratch). */
int derive_load(MDB_txn *txn, struct store *st, const uint8_t *logkey,
    struct ev_signed *e, struct body *b);

/* Lookup indexes (index.c). */
#define INDEX_TAIL_MIN 65536	/* defaults of store_opts */
#define INDEX_TAIL_MAX ((size_t)1 << 20)
/* Record event `arrival` in the tail; compl: learner||module, or NULL. */
int index_add(MDB_txn *txn, struct store *st, uint64_t arrival,
    const uint8_t id[32], const uint8_t *compl);
/* The arrival number of the event with this id; I40_E_NOT_FOUND. */
int index_find_id(MDB_txn *txn, struct store *st, const uint8_t id[32],
    uint64_t *arrival);
/* The same, looking only at the merged generation (not the tail). */
int index_find_gen(MDB_txn *txn, struct store *st, const uint8_t id[32],
    uint64_t *arrival);
/* The arrival number of the tail's oldest record; I40_E_NOT_FOUND. */
int index_tail_first(MDB_txn *txn, struct store *st, uint64_t *arrival);
/* Merge the tail into a new generation of the indexes. */
int index_merge(MDB_txn *txn, struct store *st);
/* Index d_compl again, once derive_rebuild() has recomputed it. */
int index_rebuild_compl(MDB_txn *txn, struct store *st);
/* Order-free digest of what the indexes say (store_rebuild compares). */
int index_digest(MDB_txn *txn, struct store *st, uint8_t out[32]);
/* Merge after a commit when the tail is large enough (store_append). */
int index_maybe_merge(struct store *st);

/*
 * Module versions that took effect (modver.c): d_modver, keyed by arrival.
 * Every write transaction that calls modver_put, modver_find or
 * modver_reset must be followed by modver_end(st, committed).
 */
int modver_put(MDB_txn *txn, struct store *st, uint64_t arrival,
    const uint8_t id[32], const uint8_t author[32], const uint8_t *code,
    size_t code_len, int append);
/*
 * The module of version id, if that version took effect (*found): its key
 * in d_module, author(32)||code, *module_len bytes.
 */
int modver_find(MDB_txn *txn, struct store *st, const uint8_t id[32],
    uint8_t module[32 + 32], size_t *module_len, int *found);
/* d_modver was emptied in txn (derive_rebuild). */
void modver_reset(MDB_txn *txn, struct store *st);
void modver_end(struct store *st, int committed);
void modver_init(struct store *st);
void modver_free(struct store *st);

/* The private environment (private.c). */
int private_create(const char *path);
int private_open(struct store *st);
void private_close(struct store *st);

/*
 * Run fn in one write transaction, durable when this returns 0: a full
 * map grows and fn runs again from the start (append.c).
 */
typedef int (*store_txn_fn)(MDB_txn *txn, struct store *st, void *arg);
int store_write(struct store *st, store_txn_fn fn, void *arg);

/* Append verified events within txn, deriving what they change (append.c). */
int append_batch(MDB_txn *txn, struct store *st, const struct store_item *items,
    size_t n, struct store_outcome *out, struct body *b);

/* The genesis as the first event of a new store (append.c). */
int store_init_genesis(struct store *st, const uint8_t *buf, size_t len,
    struct codec_err *err);

#endif
