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
	DB_HEAD,	/* author -> seq(8) id(32) frozen(8) */
	DB_FORK,	/* author||seq||id -> signed event (evidence) */
	DB_KNOWN,	/* key -> why it may author: "charter" or a proposal id */
	DB_ROT,		/* author||seq -> next key, for each key_rotate */
	DB_MEV,		/* author||seq -> type, for each membership event */
	/*
	 * Lookup indexes (index.c): node-local, not state.  The newest events
	 * are in the tail; the rest in the current generation (meta "igen")
	 * of the three pairs below, rewritten whole when the tail is merged.
	 */
	DB_TAIL,	/* arrival -> id(32) [learner(16) module id(32)] */
	DB_ID0, DB_ID1,	/* id -> arrival */
	DB_BYL0, DB_BYL1,	/* learner||arrival -> "" */
	DB_BYM0, DB_BYM1,	/* module id||arrival -> "" */
	/* Derived state: rebuilt from the events by store_rebuild(). */
	DB_D_MEMBER,	/* key -> role(1) active(1) upto(8) */
	DB_D_MODULE,	/* author||code -> current id(32) retired(1) */
	DB_D_MODVER,	/* arrival -> module event id(32) author(32) code */
	DB_D_COMPL,	/* arrival -> learner(16) module(32) pass(1) revoked(1) */
	DB_D_REVOKE,	/* completion's author||seq -> revoke event id */
	DB_D_FORK,	/* author -> frozen seq(8) */
	DB_COUNT
};
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
	MDB_env *penv;		/* private/, NULL when read-only */
	MDB_dbi dbi[DB_COUNT];
	MDB_dbi p_byid, p_bypseudo;	/* private: natid->pseudo, pseudo->rec */
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
	uint64_t frozen;
};
int store_head_get(MDB_txn *txn, struct store *st, const uint8_t author[32],
    struct store_headrec *h);
int store_head_put(MDB_txn *txn, struct store *st, const uint8_t author[32],
    const struct store_headrec *h);

/* The key in force for author at seq, within txn. */
int store_key_at(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t seq, uint8_t key[32]);

/* Derived state (derive.c). */
/*
 * Does the membership the stored events imply differ from d_member?  Then
 * everything must be derived again (derive_rebuild).
 */
int derive_membership(MDB_txn *txn, struct store *st, int *changed);
/* author's d_member record (role, active, upto), if *found. */
int derive_member(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint8_t rec[10], int *found);
/* Does an event at seq of the author of that record count? */
int derive_counts(const uint8_t rec[10], int found, uint64_t seq);
/*
 * Apply a counting catalog or ledger event.  compl[0] is set to 1, and
 * compl[1..] to the learner and module id, when e is a completion.
 */
int derive_content(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct body *b, uint64_t arrival,
    uint8_t compl[1 + INDEX_COMPL_BYTES]);
int derive_rebuild(MDB_txn *txn, struct store *st);
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
/* The author of module version id, if it took effect (*found). */
int modver_find(MDB_txn *txn, struct store *st, const uint8_t id[32],
    uint8_t author[32], int *found);
/* d_modver was emptied in txn (derive_rebuild). */
void modver_reset(MDB_txn *txn, struct store *st);
void modver_end(struct store *st, int committed);
void modver_init(struct store *st);
void modver_free(struct store *st);

/* The private environment (private.c). */
int private_create(const char *path);
int private_open(struct store *st);
void private_close(struct store *st);

/* The genesis as the first event of a new store (append.c). */
int store_init_genesis(struct store *st, const uint8_t *buf, size_t len,
    struct codec_err *err);

#endif
