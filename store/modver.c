/*
 * modver.c: the module versions that took effect (d_modver), and how a
 * completion finds the one it was awarded against.
 *
 * A completion names a module version by its event id, which is random:
 * a table keyed by it dirtied one page per module version in every batch,
 * a third of what ingest wrote (docs/store.md, "Where the bytes go").  So
 * d_modver is keyed by arrival number, appended like d_compl, and a lookup
 * by id goes through the lookup indexes: the merged generation maps the id
 * to its arrival number directly; for the versions that arrived since the
 * last merge, still in the tail, this file keeps a hash map in memory.
 *
 * The map mirrors the committed database plus the open write transaction.
 * It is checked against LMDB's transaction ids: if the transaction about
 * to use it does not directly follow the last one it saw commit (another
 * writer, an aborted batch, a merge, a reopen), it is filled again from
 * d_modver, whose entries from the tail's oldest arrival number on are
 * exactly the versions the generation does not yet cover.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define SLOT (32 + 8)		/* id, arrival number + 1 (0: empty) */
#define VAL_MIN (32 + 32 + 1)	/* id, author, code */

static uint64_t
slot_arrival(const uint8_t *s)
{
	uint64_t a;

	memcpy(&a, s + 32, 8);
	return a;
}

static size_t
home(const struct modver_map *m, const uint8_t id[32])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t x;

	/* Keyed: a member cannot grind ids into one chain of the table. */
	crypto_shorthash(h, id, 32, m->key);
	memcpy(&x, h, sizeof(x));
	return (size_t)x & (m->cap - 1);
}

/* Emptied, memory and all: after a rebuild it may have held every version. */
static void
clear(struct modver_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

/* The slot of id, or the empty one where it would go. */
static uint8_t *
probe(const struct modver_map *m, const uint8_t id[32])
{
	size_t i = home(m, id);

	while (slot_arrival(m->slots + i * SLOT) != 0 &&
	    memcmp(m->slots + i * SLOT, id, 32) != 0)
		i = (i + 1) & (m->cap - 1);
	return m->slots + i * SLOT;
}

static int
grow(struct modver_map *m)
{
	struct modver_map bigger = *m;
	size_t i;

	bigger.cap = m->cap != 0 ? m->cap * 2 : 256;
	if ((bigger.slots = calloc(bigger.cap, SLOT)) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < m->cap; i++)
		if (slot_arrival(m->slots + i * SLOT) != 0)
			memcpy(probe(&bigger, m->slots + i * SLOT),
			    m->slots + i * SLOT, SLOT);
	free(m->slots);
	m->slots = bigger.slots;
	m->cap = bigger.cap;
	return 0;
}

static int
map_put(struct modver_map *m, const uint8_t id[32], uint64_t arrival)
{
	uint8_t *s;
	uint64_t a = arrival + 1;
	int rc;

	if ((m->n + 1) * 2 > m->cap && (rc = grow(m)) != 0)
		return rc;
	s = probe(m, id);
	if (slot_arrival(s) == 0)
		m->n++;
	memcpy(s, id, 32);
	memcpy(s + 32, &a, 8);
	return 0;
}

/* Make the map match what txn sees, refilling it if it may not. */
static int
sync_map(MDB_txn *txn, struct store *st)
{
	struct modver_map *m = &st->mv;
	size_t id = mdb_txn_id(txn);
	uint64_t first;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t num[8];
	int rc;

	if (m->cur == id || (m->base != 0 && m->base + 1 == id)) {
		m->cur = id;
		return 0;
	}
	m->cur = 0;
	clear(m);
	if ((rc = index_tail_first(txn, st, &first)) == I40_E_NOT_FOUND)
		goto done;
	if (rc != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_D_MODVER], &c)) != 0)
		return store_err(rc);
	store_put64(num, first);
	k.mv_size = 8;
	k.mv_data = num;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8 || v.mv_size < VAL_MIN) {
			rc = I40_E_CORRUPT;
			break;
		}
		if ((rc = map_put(m, v.mv_data, store_be64(k.mv_data))) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return store_err(rc);
done:
	m->cur = id;
	return 0;
}

int
modver_put(MDB_txn *txn, struct store *st, uint64_t arrival,
    const uint8_t id[32], const uint8_t author[32], const uint8_t *code,
    size_t code_len, int append)
{
	uint8_t num[8], val[64 + 255];
	MDB_val k = { 8, num }, v = { 64 + code_len, val };
	int rc;

	if (code_len == 0 || code_len > sizeof(val) - 64)
		return I40_E_CORRUPT;	/* the schema bounds codes */
	if ((rc = sync_map(txn, st)) != 0)
		return rc;
	store_put64(num, arrival);
	memcpy(val, id, 32);
	memcpy(val + 32, author, 32);
	memcpy(val + 64, code, code_len);
	if ((rc = store_err(mdb_put(txn, st->dbi[DB_D_MODVER], &k, &v,
	    append ? MDB_APPEND : 0))) != 0)
		return rc;
	/*
	 * Versions in the merged generation need no entry, but one costs
	 * nothing wrong: every entry is a fact of this transaction.
	 */
	return map_put(&st->mv, id, arrival);
}

int
modver_find(MDB_txn *txn, struct store *st, const uint8_t id[32],
    uint8_t module[32 + 32], size_t *module_len, int *found)
{
	uint8_t num[8], *s;
	uint64_t arrival;
	MDB_val k = { 8, num }, v;
	int rc;

	*found = 0;
	if ((rc = sync_map(txn, st)) != 0)
		return rc;
	s = st->mv.cap != 0 ? probe(&st->mv, id) : NULL;
	if (s != NULL && slot_arrival(s) != 0)
		arrival = slot_arrival(s) - 1;
	else if ((rc = index_find_gen(txn, st, id, &arrival)) != 0)
		return rc == I40_E_NOT_FOUND ? 0 : rc;
	store_put64(num, arrival);
	if ((rc = mdb_get(txn, st->dbi[DB_D_MODVER], &k, &v)) == MDB_NOTFOUND)
		return 0;	/* that event did not take effect */
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size < VAL_MIN || v.mv_size > 32 + 32 + 32 ||
	    memcmp(v.mv_data, id, 32) != 0)
		return I40_E_CORRUPT;
	/* author||code: the module's key in d_module. */
	*module_len = v.mv_size - 32;
	memcpy(module, (uint8_t *)v.mv_data + 32, *module_len);
	*found = 1;
	return 0;
}

void
modver_reset(MDB_txn *txn, struct store *st)
{
	/* d_modver was just emptied in txn: so is the map, and in step. */
	clear(&st->mv);
	st->mv.cur = mdb_txn_id(txn);
}

void
modver_end(struct store *st, int committed)
{
	st->mv.base = committed ? st->mv.cur : 0;
	st->mv.cur = 0;
}

void
modver_init(struct store *st)
{
	memset(&st->mv, 0, sizeof(st->mv));
	crypto_shorthash_keygen(st->mv.key);
}

void
modver_free(struct store *st)
{
	clear(&st->mv);
	sodium_memzero(st->mv.key, sizeof(st->mv.key));
}

int
store_module_history(struct store *st, const uint8_t author[KEY_PK_BYTES],
    const char *code, uint8_t (**ids)[EV_ID_BYTES], size_t *n)
{
	size_t cl = strlen(code), cap = 0;
	uint8_t (*a)[EV_ID_BYTES] = NULL, (*na)[EV_ID_BYTES];
	MDB_cursor *c = NULL;
	MDB_val k, v;
	MDB_txn *txn;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_D_MODVER], &c)) != 0) {
		rc = store_err(rc);
		goto out;
	}
	/* Every version of every module: a page's worth, not a hot path. */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;

		if (k.mv_size != 8 || v.mv_size < VAL_MIN) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (v.mv_size != 64 + cl || memcmp(p + 32, author, 32) != 0 ||
		    memcmp(p + 64, code, cl) != 0)
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 8 : 2 * cap;
			if ((na = realloc(a, cap * sizeof(*a))) == NULL) {
				rc = I40_E_NOMEM;
				break;
			}
			a = na;
		}
		memcpy(a[(*n)++], p, EV_ID_BYTES);
	}
	/* rc: MDB_NOTFOUND at the end, another LMDB code, or ours. */
	rc = rc == MDB_NOTFOUND ? 0 : rc == I40_E_CORRUPT || rc == I40_E_NOMEM ?
	    rc : store_err(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	store_rtxn_end(st, txn);
	if (rc != 0) {
		free(a);
		*n = 0;
	} else
		*ids = a;
	return rc;
}
