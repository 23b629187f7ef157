/*
 * export.c: one consistent read of the whole log, for `i40ctl log export`
 * (docs/protocol.md §13): the genesis, every selected event in the order
 * the node stored them (each log in seq order), the fork evidence, and the
 * log root, all from a single read transaction, so the file is the log as
 * of one instant while the daemon goes on writing.
 *
 * Why arrival order: `ev` holds the events as they arrived, the logs of a
 * federation interleaved.  Read author by author, every log's pass touched
 * every page of `ev` again (8 logs: 8 reads of the whole table, 0.08 of a
 * sequential read at a million events); merged by arrival number, the
 * export reads `ev` once, front to back.  Arrival order is also causal
 * (an admission before the admitted member's events, a rotation before
 * the events it signs), so an importer rarely holds an event back.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "protocol/be.h"
#include "protocol/export.h"

/* One author's run of `log`: a cursor on its next selected event. */
struct lane {
	MDB_cursor *c;
	uint8_t author[32];
	uint64_t arrival;
};

/* Lanes by arrival number, least first: a binary heap of lane pointers. */
struct merge {
	struct lane *lanes;
	struct lane **heap;
	size_t nlanes, cap;	/* lanes made; their cursors NULL once closed */
	size_t n;		/* lanes in the heap: those with events left */
};

static int
lane_less(const struct lane *x, const struct lane *y)
{
	return x->arrival < y->arrival;
}

static void
sift_down(struct merge *m, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, min = i;
		struct lane *t;

		if (l < m->n && lane_less(m->heap[l], m->heap[min]))
			min = l;
		if (r < m->n && lane_less(m->heap[r], m->heap[min]))
			min = r;
		if (min == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[min];
		m->heap[min] = t;
		i = min;
	}
}

/* The arrival number a `log` entry names; I40_E_CORRUPT if malformed. */
static int
lane_read(struct lane *ln, const MDB_val *k, const MDB_val *v)
{
	if (k->mv_size != K_LOG || v->mv_size != 8)
		return I40_E_CORRUPT;
	ln->arrival = store_be64(v->mv_data);
	return 0;
}

/* The event author||seq points to, borrowed from txn. */
static int
event_at(MDB_cursor *ec, uint64_t arrival, MDB_val *ev)
{
	uint8_t num[8];
	MDB_val k = { 8, num };
	int rc;

	store_put64(num, arrival);
	if ((rc = mdb_cursor_get(ec, &k, ev, MDB_SET)) != 0)
		return rc == MDB_NOTFOUND ? I40_E_CORRUPT : store_err(rc);
	return 0;
}

/* author's seq below which sel leaves its events out (0: none). */
static uint64_t
since_of(const struct store_export_sel *sel, const uint8_t *author)
{
	size_t i;

	if (sel->author != NULL)
		return sel->from > 0 ? sel->from - 1 : 0;
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

/* The evidence of every author, ascending. */
static int
all_evidence(MDB_txn *txn, struct store *st, store_export_fn fn, void *arg)
{
	MDB_cursor *fc;
	MDB_val k, v;
	int rc;

	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_FORK], &fc))) != 0)
		return rc;
	for (rc = mdb_cursor_get(fc, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(fc, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 32) {
			rc = I40_E_CORRUPT;
			break;
		}
		if ((rc = evidence_of(txn, st, k.mv_data, fn, arg)) != 0)
			break;
	}
	mdb_cursor_close(fc);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc > 0 ? store_err(rc) : rc;
}

/*
 * A lane for author's selected events, if it has any, at the end of
 * m->lanes.  The heap is made once every lane is in.
 */
static int
lane_add(MDB_txn *txn, struct store *st, struct merge *m,
    const uint8_t *author, uint64_t since)
{
	uint8_t start[K_LOG];
	MDB_val k = { K_LOG, start }, v;
	struct lane *ln;
	int rc;

	if (since == UINT64_MAX)
		return 0;
	if (m->nlanes == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct lane *nl;

		if ((nl = realloc(m->lanes, cap * sizeof(*nl))) == NULL)
			return I40_E_NOMEM;
		m->lanes = nl;
		m->cap = cap;
	}
	ln = &m->lanes[m->nlanes];
	memcpy(ln->author, author, 32);
	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_LOG], &ln->c))) != 0)
		return rc;
	m->nlanes++;
	store_logkey(start, author, since + 1);
	rc = mdb_cursor_get(ln->c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && k.mv_size >= 32 && memcmp(k.mv_data, author, 32) == 0 &&
	    (rc = lane_read(ln, &k, &v)) == 0)
		return 0;
	mdb_cursor_close(ln->c);
	m->nlanes--;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : rc > 0 ? store_err(rc) : rc;
}

/* The key that follows every key of author's: author + 1, or none. */
static int
next_author(const uint8_t *author, uint8_t next[K_LOG])
{
	int i;

	memcpy(next, author, 32);
	memset(next + 32, 0, 8);
	for (i = 31; i >= 0; i--)
		if (++next[i] != 0)
			return 1;
	return 0;
}

/* A lane for every author with selected events. */
static int
lanes_make(MDB_txn *txn, struct store *st, const struct store_export_sel *sel,
    struct merge *m)
{
	uint8_t at[K_LOG];
	MDB_cursor *c;
	MDB_val k, v;
	size_t i;
	int rc;

	if (sel->author != NULL)
		rc = lane_add(txn, st, m, sel->author, since_of(sel, NULL));
	else {
		if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_LOG],
		    &c))) != 0)
			return rc;
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) {
			if (k.mv_size != K_LOG) {
				rc = I40_E_CORRUPT;
				break;
			}
			memcpy(at, k.mv_data, 32);
			if ((rc = lane_add(txn, st, m, at, since_of(sel, at))) != 0)
				break;
			if (!next_author(at, at)) {
				rc = MDB_NOTFOUND;
				break;
			}
			k.mv_size = K_LOG;
			k.mv_data = at;
		}
		mdb_cursor_close(c);
		if (rc == MDB_NOTFOUND)
			rc = 0;
		else if (rc > 0)
			rc = store_err(rc);
	}
	if (rc != 0)
		return rc;
	if (m->nlanes > 0 &&
	    (m->heap = malloc(m->nlanes * sizeof(*m->heap))) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < m->nlanes; i++)
		m->heap[i] = &m->lanes[i];
	m->n = m->nlanes;
	for (i = m->n / 2; i-- > 0;)
		sift_down(m, i);
	return 0;
}

/* Every selected event, least arrival number first. */
static int
merge_out(MDB_txn *txn, struct store *st, struct merge *m, store_export_fn fn,
    void *arg)
{
	MDB_cursor *ec;
	MDB_val k, v, ev;
	int rc = 0;

	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_EV], &ec))) != 0)
		return rc;
	while (m->n > 0) {
		struct lane *ln = m->heap[0];

		if ((rc = event_at(ec, ln->arrival, &ev)) != 0 ||
		    (rc = fn(arg, EXP_REC_EVENT, ev.mv_data, ev.mv_size, NULL,
		    0)) != 0)
			break;
		rc = mdb_cursor_get(ln->c, &k, &v, MDB_NEXT);
		if (rc == 0 && k.mv_size >= 32 &&
		    memcmp(k.mv_data, ln->author, 32) == 0) {
			if ((rc = lane_read(ln, &k, &v)) != 0)
				break;
		} else if (rc == 0 || rc == MDB_NOTFOUND) {
			rc = 0;
			mdb_cursor_close(ln->c);
			ln->c = NULL;
			m->heap[0] = m->heap[--m->n];
		} else {
			rc = store_err(rc);
			break;
		}
		sift_down(m, 0);
	}
	mdb_cursor_close(ec);
	return rc;
}

int
store_export(struct store *st, const struct store_export_sel *sel,
    store_export_fn fn, void *arg, uint8_t log_root[32])
{
	MDB_val k = { 7, "genesis" }, v, ev;
	struct merge m = { 0 };
	MDB_cursor *ec = NULL;
	MDB_txn *txn;
	size_t i;
	int rc;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = store_err(mdb_get(txn, st->dbi[DB_META], &k, &v))) != 0 ||
	    (rc = store_err(mdb_get(txn, st->dbi[DB_LOG], &v, &ev))) != 0)
		goto out;
	if (ev.mv_size != 8) {
		rc = I40_E_CORRUPT;
		goto out;
	}
	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_EV], &ec))) != 0 ||
	    (rc = event_at(ec, store_be64(ev.mv_data), &v)) != 0 ||
	    (rc = fn(arg, EXP_REC_GENESIS, v.mv_data, v.mv_size, NULL, 0)) != 0)
		goto out;
	if ((rc = lanes_make(txn, st, sel, &m)) != 0 ||
	    (rc = merge_out(txn, st, &m, fn, arg)) != 0)
		goto out;
	rc = sel->author != NULL ? evidence_of(txn, st, sel->author, fn, arg) :
	    all_evidence(txn, st, fn, arg);
	if (rc == 0 && log_root != NULL &&
	    (rc = store_log_root_txn(txn, st, log_root)) == I40_E_CORRUPT &&
	    sel->salvage) {
		memset(log_root, 0, 32);
		rc = 0;
	}
out:
	for (i = 0; i < m.nlanes; i++)
		if (m.lanes[i].c != NULL)
			mdb_cursor_close(m.lanes[i].c);
	free(m.heap);
	free(m.lanes);
	if (ec != NULL)
		mdb_cursor_close(ec);
	store_rtxn_end(st, txn);
	return rc;
}
