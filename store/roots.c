/*
 * roots.c: the log root and the state root, the dump of the derived state,
 * and store_rebuild(), which compares them before and after deriving the
 * state again from the events alone.  docs/store.md, "Roots", says what
 * each hashes and how its cost grows.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#define LOG_ROOT_TAG "i40/log-root/v1"
#define STATE_ROOT_TAG "i40/state-root/v1"

int
store_log_root_txn(MDB_txn *txn, struct store *st, uint8_t root[32])
{
	crypto_generichash_blake2b_state hs;
	struct store_headrec h;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t entry[32 + 8 + 32 + 8];
	uint64_t seq;
	int rc;

	crypto_generichash_blake2b_init(&hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&hs, (const uint8_t *)LOG_ROOT_TAG,
	    sizeof(LOG_ROOT_TAG) - 1);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_HEAD], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		/* A damaged data directory (the audit reads one): no overread. */
		if (k.mv_size != 32 || v.mv_size < 48) {
			rc = I40_E_CORRUPT;
			break;
		}
		memcpy(entry, k.mv_data, 32);
		h.seq = store_be64(v.mv_data);
		memcpy(h.id, (uint8_t *)v.mv_data + 8, 32);
		h.frozen = store_be64((uint8_t *)v.mv_data + 40);
		/* A frozen log counts up to its freeze point. */
		if ((rc = fork_last(txn, st, entry, &h, &seq)) != 0)
			break;
		if (seq < h.seq) {
			int found;

			h.seq = seq;
			memset(h.id, 0, 32);
			if (seq > 0 && ((rc = chain_id_at(txn, st, entry, seq,
			    h.id, &found)) != 0 || !found)) {
				rc = rc != 0 ? rc : I40_E_CORRUPT;
				break;
			}
		}
		if (h.frozen != 0)
			h.frozen = 1;
		store_put64(entry + 32, h.seq);
		memcpy(entry + 40, h.id, 32);
		store_put64(entry + 72, h.frozen);
		crypto_generichash_blake2b_update(&hs, entry, sizeof(entry));
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return store_err(rc);
	crypto_generichash_blake2b_final(&hs, root, 32);
	return 0;
}

/* Walk every derived database in order, feeding fn its entries. */
typedef int (*entry_fn)(void *arg, int db, const MDB_val *k,
    const MDB_val *v);

/*
 * d_compl and d_modver are stored by arrival number, which differs between
 * nodes; the state is their entries keyed by author||seq, in that order:
 * follow `log`.
 */
static int
walk_by_log(MDB_txn *txn, struct store *st, int db, entry_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v, n;
	size_t found = 0;
	MDB_stat ms;
	int rc;

	if ((rc = mdb_cursor_open(txn, st->dbi[DB_LOG], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 8) {
			rc = I40_E_CORRUPT;
			break;
		}
		if ((rc = mdb_get(txn, st->dbi[db], &v, &n)) == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			break;
		if ((rc = fn(arg, db, &k, &n)) != 0) {
			mdb_cursor_close(c);
			return rc;
		}
		found++;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return store_err(rc);
	/* An entry no event leads to is damage, not state to skip. */
	if ((rc = mdb_stat(txn, st->dbi[db], &ms)) != 0)
		return store_err(rc);
	return ms.ms_entries == found ? 0 : I40_E_CORRUPT;
}

static int
walk_derived(MDB_txn *txn, struct store *st, entry_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	int d, rc;

	for (d = DB_D_FIRST; d < DB_COUNT; d++) {
		if (d == DB_D_COMPL || d == DB_D_MODVER) {
			if ((rc = walk_by_log(txn, st, d, fn, arg)) != 0)
				return rc;
			continue;
		}
		if ((rc = mdb_cursor_open(txn, st->dbi[d], &c)) != 0)
			return store_err(rc);
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
			if ((rc = fn(arg, d, &k, &v)) != 0)
				break;
		mdb_cursor_close(c);
		if (rc != MDB_NOTFOUND)
			return rc > 0 ? store_err(rc) : rc;
	}
	return 0;
}

static int
hash_entry(void *arg, int db, const MDB_val *k, const MDB_val *v)
{
	crypto_generichash_blake2b_state *hs = arg;
	uint8_t hdr[1 + 4 + 4];

	/* Length-prefixed, so no two different states hash the same bytes. */
	hdr[0] = (uint8_t)(db - DB_D_FIRST);
	hdr[1] = (uint8_t)(k->mv_size >> 24);
	hdr[2] = (uint8_t)(k->mv_size >> 16);
	hdr[3] = (uint8_t)(k->mv_size >> 8);
	hdr[4] = (uint8_t)k->mv_size;
	hdr[5] = (uint8_t)(v->mv_size >> 24);
	hdr[6] = (uint8_t)(v->mv_size >> 16);
	hdr[7] = (uint8_t)(v->mv_size >> 8);
	hdr[8] = (uint8_t)v->mv_size;
	crypto_generichash_blake2b_update(hs, hdr, sizeof(hdr));
	crypto_generichash_blake2b_update(hs, k->mv_data, k->mv_size);
	crypto_generichash_blake2b_update(hs, v->mv_data, v->mv_size);
	return 0;
}

static int
state_root_txn(MDB_txn *txn, struct store *st, uint8_t root[32])
{
	crypto_generichash_blake2b_state hs;
	int rc;

	crypto_generichash_blake2b_init(&hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&hs, (const uint8_t *)STATE_ROOT_TAG,
	    sizeof(STATE_ROOT_TAG) - 1);
	if ((rc = walk_derived(txn, st, hash_entry, &hs)) != 0)
		return rc;
	crypto_generichash_blake2b_final(&hs, root, 32);
	return 0;
}

int
store_log_root(struct store *st, uint8_t root[32])
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	rc = store_log_root_txn(txn, st, root);
	store_rtxn_end(st, txn);
	return rc;
}

int
store_state_root(struct store *st, uint8_t root[32])
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	rc = state_root_txn(txn, st, root);
	store_rtxn_end(st, txn);
	return rc;
}

struct dump {
	FILE *f;
};

static void
dump_hex(FILE *f, const MDB_val *x)
{
	size_t i;

	for (i = 0; i < x->mv_size; i++)
		fprintf(f, "%02x", ((const uint8_t *)x->mv_data)[i]);
}

static int
dump_entry(void *arg, int db, const MDB_val *k, const MDB_val *v)
{
	struct dump *d = arg;

	fprintf(d->f, "%s ", store_db_names[db]);
	dump_hex(d->f, k);
	fputc(' ', d->f);
	dump_hex(d->f, v);
	fputc('\n', d->f);
	return 0;
}

_Static_assert(DB_COUNT - DB_D_FIRST == STORE_T_COUNT &&
    DB_D_COMPL - DB_D_FIRST == STORE_T_COMPL &&
    DB_D_SETTLE - DB_D_FIRST == STORE_T_SETTLE,
    "the derived databases are protocol.md §14.2's tables, in its order");

struct state_walk {
	store_state_fn fn;
	void *arg;
};

static int
walk_entry(void *arg, int db, const MDB_val *k, const MDB_val *v)
{
	struct state_walk *w = arg;

	return w->fn(w->arg, (unsigned)(db - DB_D_FIRST), k->mv_data,
	    k->mv_size, v->mv_data, v->mv_size);
}

int
store_state_walk(struct store *st, store_state_fn fn, void *arg)
{
	struct state_walk w = { fn, arg };
	MDB_txn *txn;
	int rc;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	rc = walk_derived(txn, st, walk_entry, &w);
	store_rtxn_end(st, txn);
	return rc;
}

int
store_dump(struct store *st, int fd)
{
	struct dump d;
	MDB_txn *txn;
	int rc, dupfd;

	if ((dupfd = dup(fd)) < 0 || (d.f = fdopen(dupfd, "w")) == NULL) {
		if (dupfd >= 0)
			close(dupfd);
		return I40_E_NOMEM;
	}
	if ((rc = store_rtxn(st, &txn)) == 0) {
		rc = walk_derived(txn, st, dump_entry, &d);
		store_rtxn_end(st, txn);
	}
	if (fclose(d.f) != 0 && rc == 0)
		rc = I40_E_NOMEM;
	return rc;
}

/* What store_rebuild compares: the state root, and the indexes' digest. */
static int
rebuild_digest(MDB_txn *txn, struct store *st, uint8_t out[64])
{
	int rc;

	if ((rc = state_root_txn(txn, st, out)) != 0)
		return rc;
	return index_digest(txn, st, out + 32);
}

int
store_rebuild(struct store *st)
{
	uint8_t before[64], after[64];
	MDB_txn *txn;
	int rc;

	if (st->readonly)
		return I40_E_READONLY;
	if (st->failed)
		return I40_E_FAILED;
	for (;;) {
		if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
			return store_err(rc);
		if ((rc = rebuild_digest(txn, st, before)) == 0 &&
		    (rc = derive_rebuild(txn, st, 1)) == 0)
			rc = rebuild_digest(txn, st, after);
		if (rc == I40_E_MAP_FULL) {
			mdb_txn_abort(txn);
			modver_end(st, 0);
			if ((rc = store_grow(st)) != 0)
				return rc;
			continue;
		}
		if (rc != 0 || memcmp(before, after, 64) == 0) {
			mdb_txn_abort(txn);
			modver_end(st, 0);
			return rc;
		}
		/* The stored state was wrong: keep the one from the events. */
		rc = mdb_txn_commit(txn);
		modver_end(st, rc == 0);
		if (rc == 0)
			return I40_E_MISMATCH;
		if ((rc = store_commit_err(st, rc)) != I40_E_MAP_FULL ||
		    (rc = store_grow(st)) != 0)
			return rc;
	}
}
