/*
 * export.c: one consistent read of the whole log, for `i40ctl log export`
 * (docs/protocol.md §13): the genesis, every selected event by author and
 * seq, each author's fork evidence, and the log root, all from a single
 * read transaction, so the file is the log as of one instant while the
 * daemon goes on writing.
 */
#include "internal.h"

#include <string.h>

#include "protocol/be.h"
#include "protocol/export.h"

/* The event author||seq points to, borrowed from txn. */
static int
event_at(MDB_txn *txn, struct store *st, const MDB_val *logv, MDB_val *ev)
{
	int rc;

	if ((rc = mdb_get(txn, st->dbi[DB_EV], (MDB_val *)logv, ev)) != 0)
		return rc == MDB_NOTFOUND ? I40_E_CORRUPT : store_err(rc);
	return 0;
}

/* author's seq below which sel leaves its events out (0: none). */
static uint64_t
since_of(const struct store_export_sel *sel, const uint8_t *author)
{
	size_t i;

	for (i = 0; i < sel->nsince; i++)
		if (memcmp(sel->since[i].author, author, 32) == 0)
			return sel->since[i].seq;
	return 0;
}

/* author's evidence, if it has some. */
static int
evidence_of(MDB_txn *txn, struct store *st, const uint8_t *author,
    store_export_fn fn, void *arg)
{
	MDB_val k = { 32, (void *)author }, v;
	const uint8_t *p;
	size_t la;
	int rc;

	if ((rc = mdb_get(txn, st->dbi[DB_FORK], &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc);
	p = v.mv_data;
	la = v.mv_size < 4 ? 0 : be_get32(p);
	if (v.mv_size < 4 || la == 0 || la >= v.mv_size - 4)
		return I40_E_CORRUPT;
	return fn(arg, EXP_REC_EVIDENCE, p + 4, la, p + 4 + la,
	    v.mv_size - 4 - la);
}

/*
 * The evidence of authors below `below` (NULL: all) that hold no events,
 * where their events would be in author order.  fc walks DB_FORK; *done
 * once it is past the last; `held` is an author with events (its evidence
 * follows them: not here), or NULL.
 */
static int
bare_evidence(MDB_txn *txn, struct store *st, MDB_cursor *fc, int *started,
    int *done, const uint8_t *below, const uint8_t *held, store_export_fn fn,
    void *arg)
{
	MDB_val k, v;
	int rc;

	while (!*done) {
		rc = mdb_cursor_get(fc, &k, &v, *started ? MDB_GET_CURRENT :
		    MDB_FIRST);
		*started = 1;
		if (rc == MDB_NOTFOUND) {
			*done = 1;
			break;
		}
		if (rc != 0)
			return store_err(rc);
		if (k.mv_size != 32)
			return I40_E_CORRUPT;
		if (below != NULL && memcmp(k.mv_data, below, 32) >= 0)
			break;
		if ((held == NULL || memcmp(k.mv_data, held, 32) != 0) &&
		    (rc = evidence_of(txn, st, k.mv_data, fn, arg)) != 0)
			return rc;
		if ((rc = mdb_cursor_get(fc, &k, &v, MDB_NEXT)) == MDB_NOTFOUND)
			*done = 1;
		else if (rc != 0)
			return store_err(rc);
	}
	return 0;
}

int
store_export(struct store *st, const struct store_export_sel *sel,
    store_export_fn fn, void *arg, uint8_t log_root[32])
{
	MDB_val k = { 7, "genesis" }, v, ev;
	uint8_t start[K_LOG], cur[32];
	MDB_cursor *c = NULL, *fc = NULL;
	MDB_txn *txn;
	int rc, have = 0, fstarted = 0, fdone = 0;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = store_err(mdb_get(txn, st->dbi[DB_META], &k, &v))) != 0 ||
	    (rc = store_err(mdb_get(txn, st->dbi[DB_LOG], &v, &ev))) != 0 ||
	    (rc = event_at(txn, st, &ev, &v)) != 0 ||
	    (rc = fn(arg, EXP_REC_GENESIS, v.mv_data, v.mv_size, NULL, 0)) != 0)
		goto out;
	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_LOG], &c))) != 0 ||
	    (rc = store_err(mdb_cursor_open(txn, st->dbi[DB_FORK], &fc))) != 0)
		goto out;
	/* One author's selection: its evidence alone, events or not. */
	fdone = sel->author != NULL;
	memset(start, 0, sizeof(start));
	if (sel->author != NULL)
		store_logkey(start, sel->author, sel->from);
	k.mv_size = K_LOG;
	k.mv_data = start;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *key = k.mv_data;

		if (k.mv_size != K_LOG) {
			rc = I40_E_CORRUPT;
			goto out;
		}
		if (sel->author != NULL && memcmp(key, sel->author, 32) != 0)
			break;
		/* An author's evidence follows its events. */
		if (have && memcmp(key, cur, 32) != 0 &&
		    (rc = evidence_of(txn, st, cur, fn, arg)) != 0)
			goto out;
		if ((!have || memcmp(key, cur, 32) != 0) &&
		    (rc = bare_evidence(txn, st, fc, &fstarted, &fdone, key,
		    have ? cur : NULL, fn, arg)) != 0)
			goto out;
		memcpy(cur, key, 32);
		have = 1;
		if (store_be64(key + 32) <= since_of(sel, key))
			continue;
		if ((rc = event_at(txn, st, &v, &ev)) != 0 ||
		    (rc = fn(arg, EXP_REC_EVENT, ev.mv_data, ev.mv_size, NULL,
		    0)) != 0)
			goto out;
	}
	if (rc != 0 && rc != MDB_NOTFOUND) {
		rc = rc > 0 ? store_err(rc) : rc;
		goto out;
	}
	if (have && (rc = evidence_of(txn, st, cur, fn, arg)) != 0)
		goto out;
	if (sel->author != NULL && !have)
		rc = evidence_of(txn, st, sel->author, fn, arg);
	else
		rc = bare_evidence(txn, st, fc, &fstarted, &fdone, NULL,
		    have ? cur : NULL, fn, arg);
	if (rc != 0)
		goto out;
	if (log_root != NULL)
		rc = store_log_root_txn(txn, st, log_root);
out:
	if (fc != NULL)
		mdb_cursor_close(fc);
	if (c != NULL)
		mdb_cursor_close(c);
	store_rtxn_end(st, txn);
	return rc;
}
