/*
 * heads.c: the head table read out, each log with what counts of it
 * (store_heads), and as stored even where it is damaged, for the audit of
 * a data directory (store_head_table).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/*
 * One log's head record, and what counts of it.  tolerant: a frozen head
 * with no freeze point (forged, or damaged) is marked, not an error.
 */
static int
head_view(MDB_txn *txn, struct store *st, const uint8_t *author,
    const uint8_t *rec, int tolerant, struct store_head *out)
{
	struct store_headrec h;
	uint64_t at;
	int rc, found;

	memset(out, 0, sizeof(*out));
	memcpy(out->author, author, 32);
	h.seq = out->seq = store_be64(rec);
	memcpy(h.id, rec + 8, 32);
	memcpy(out->id, rec + 8, 32);
	h.frozen = out->frozen = store_be64(rec + 40);
	rc = fork_last(txn, st, author, &h, &out->last);
	if (rc == I40_E_CORRUPT && tolerant) {
		out->damaged = 1;
		out->last = out->seq;
		out->limit = UINT64_MAX;
		memcpy(out->last_id, out->id, 32);
		return settle_get(txn, st, author, &out->settled, NULL);
	}
	if (rc != 0 ||
	    (rc = fork_limit(txn, st, author, &h, &out->limit)) != 0 ||
	    (rc = settle_get(txn, st, author, &out->settled, NULL)) != 0)
		return rc;
	if (h.frozen == 0 && out->last > out->seq)
		out->last = out->seq;
	if (out->last >= out->seq) {
		memcpy(out->last_id, out->id, 32);
		return 0;
	}
	at = out->last;
	memset(out->last_id, 0, 32);
	if (at > 0 && ((rc = chain_id_at(txn, st, author, at, out->last_id,
	    &found)) != 0 || !found))
		return rc != 0 ? rc : I40_E_CORRUPT;
	return 0;
}

static int
heads(struct store *st, int tolerant, struct store_head **out, size_t *n)
{
	struct store_head *h = NULL, *nh;
	size_t cap = 0, count = 0;
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_HEAD], &c)) != 0) {
		store_rtxn_end(st, txn);
		return store_err(rc);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 32 || v.mv_size != 48) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nh = realloc(h, cap * sizeof(*h))) == NULL) {
				rc = I40_E_NOMEM;
				break;
			}
			h = nh;
		}
		if ((rc = head_view(txn, st, k.mv_data, v.mv_data, tolerant,
		    &h[count])) != 0)
			break;
		count++;
	}
	mdb_cursor_close(c);
	store_rtxn_end(st, txn);
	if (rc != MDB_NOTFOUND) {
		free(h);
		return rc < 0 ? rc : store_err(rc);
	}
	*out = h;
	*n = count;
	return 0;
}

int
store_heads(struct store *st, struct store_head **out, size_t *n)
{
	return heads(st, 0, out, n);
}

int
store_head_table(struct store *st, struct store_head **out, size_t *n)
{
	return heads(st, 1, out, n);
}
