/*
 * settle.c: checkpoints, the settled seq of every log, and the freeze
 * point of a frozen one (docs/protocol.md §11).
 *
 * A voter's checkpoints name heads of the other logs.  For each voter M
 * and log A, DB_CKPT keeps the highest seq M named whose id is the id of
 * A's stored event there (matched), and the highest seq M named at all
 * (named, with its id).  A head beyond A's stored chain waits in DB_PEND
 * until the chain reaches it.  A's settled seq is the need-th largest
 * matched seq among the voters (DB_VOTER), so a checkpoint costs one
 * lookup per head and one read per voter for each log it names, whatever
 * the size of the log.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define CKPT_BYTES (8 + 8 + 32)

static int
memcmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

int
keyset_add(struct keyset *s, const uint8_t key[32])
{
	uint8_t (*nk)[32];
	size_t i;

	for (i = 0; i < s->n; i++)
		if (memcmp(s->k[i], key, 32) == 0)
			return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		if ((nk = realloc(s->k, s->cap * sizeof(*nk))) == NULL)
			return I40_E_NOMEM;
		s->k = nk;
	}
	memcpy(s->k[s->n++], key, 32);
	return 0;
}

void
keyset_free(struct keyset *s)
{
	free(s->k);
	memset(s, 0, sizeof(*s));
}

int
chain_id_at(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t seq, uint8_t id[32], int *found)
{
	uint8_t lk[K_LOG];
	MDB_val v;
	int rc;

	*found = 0;
	store_logkey(lk, author, seq);
	if ((rc = store_ev_get(txn, st, lk, &v)) == I40_E_NOT_FOUND)
		return 0;
	if (rc != 0)
		return rc;
	/* [event, sig]: 0x92, the event, c4 40 and 64 bytes (canonical). */
	if (v.mv_size < 1 + 66 + 1)
		return I40_E_CORRUPT;
	ev_id((const uint8_t *)v.mv_data + 1, v.mv_size - 1 - 66, id);
	*found = 1;
	return 0;
}

struct ckpt {
	uint64_t matched, named;
	uint8_t id[32];		/* the id at `named` */
};

static void
ckpt_key(uint8_t k[64], const uint8_t voter[32], const uint8_t author[32])
{
	memcpy(k, voter, 32);
	memcpy(k + 32, author, 32);
}

static int
ckpt_get(MDB_txn *txn, struct store *st, const uint8_t voter[32],
    const uint8_t author[32], struct ckpt *c)
{
	uint8_t kb[64];
	MDB_val k = { 64, kb }, v;
	int rc;

	memset(c, 0, sizeof(*c));
	ckpt_key(kb, voter, author);
	if ((rc = mdb_get(txn, st->dbi[DB_CKPT], &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != CKPT_BYTES)
		return I40_E_CORRUPT;
	c->matched = store_be64(v.mv_data);
	c->named = store_be64((uint8_t *)v.mv_data + 8);
	memcpy(c->id, (uint8_t *)v.mv_data + 16, 32);
	return 0;
}

static int
ckpt_put(MDB_txn *txn, struct store *st, const uint8_t voter[32],
    const uint8_t author[32], const struct ckpt *c)
{
	uint8_t kb[64], vb[CKPT_BYTES];
	MDB_val k = { 64, kb }, v = { CKPT_BYTES, vb };

	ckpt_key(kb, voter, author);
	store_put64(vb, c->matched);
	store_put64(vb + 8, c->named);
	memcpy(vb + 16, c->id, 32);
	return store_err(mdb_put(txn, st->dbi[DB_CKPT], &k, &v, 0));
}

int
settle_checkpoint(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct body *b, struct keyset *dirty)
{
	const struct body_checkpoint *cp = &b->u.checkpoint;
	struct store_headrec h;
	struct ckpt c;
	uint8_t id[32], pk[32 + 8 + 32];
	MDB_val k, v;
	uint32_t i;
	int rc, found;

	/*
	 * A frozen voter's checkpoints count below its fork only: what it
	 * signed past that depends on the branch (a fork stored derives
	 * everything again, settle_reindex, so earlier ones drop out too).
	 */
	rc = store_head_get(txn, st, e->h.author, &h);
	if (rc != 0 && rc != I40_E_NOT_FOUND)
		return rc;
	if (rc == 0 && h.frozen != 0 && e->h.seq >= h.frozen)
		return 0;
	for (i = 0; i < cp->nheads; i++) {
		const struct body_head *hd = &cp->heads[i];

		if ((rc = ckpt_get(txn, st, e->h.author, hd->author, &c)) != 0)
			return rc;
		if (hd->seq > c.named) {
			c.named = hd->seq;
			memcpy(c.id, hd->id, 32);
		}
		rc = store_head_get(txn, st, hd->author, &h);
		if (rc != 0 && rc != I40_E_NOT_FOUND)
			return rc;
		if (rc == 0 && hd->seq <= h.seq) {
			if ((rc = chain_id_at(txn, st, hd->author, hd->seq, id,
			    &found)) != 0)
				return rc;
			if (found && memcmp(id, hd->id, 32) == 0 &&
			    hd->seq > c.matched)
				c.matched = hd->seq;
		} else {
			/* Checked when the chain gets there (settle_grown). */
			memcpy(pk, hd->author, 32);
			store_put64(pk + 32, hd->seq);
			memcpy(pk + 40, e->h.author, 32);
			k.mv_size = sizeof(pk);
			k.mv_data = pk;
			v.mv_size = 32;
			v.mv_data = (void *)hd->id;
			if ((rc = store_err(mdb_put(txn, st->dbi[DB_PEND], &k,
			    &v, 0))) != 0)
				return rc;
		}
		if ((rc = ckpt_put(txn, st, e->h.author, hd->author, &c)) != 0)
			return rc;
		if (dirty != NULL && (rc = keyset_add(dirty, hd->author)) != 0)
			return rc;
	}
	return 0;
}

int
settle_grown(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t head, int *dirty)
{
	uint8_t from[72], id[32], voter[32];
	struct ckpt c;
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t seq;
	int rc, found;

	memcpy(from, author, 32);
	memset(from + 32, 0, 40);
	k.mv_size = sizeof(from);
	k.mv_data = from;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_PEND], &cur)) != 0)
		return store_err(rc);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0) {
		const uint8_t *kk = k.mv_data;

		if (k.mv_size != 72 || memcmp(kk, author, 32) != 0 ||
		    (seq = store_be64(kk + 32)) > head)
			break;
		if (v.mv_size != 32) {
			rc = I40_E_CORRUPT;
			break;
		}
		memcpy(voter, kk + 40, 32);
		if ((rc = chain_id_at(txn, st, author, seq, id, &found)) != 0)
			break;
		if (found && memcmp(id, v.mv_data, 32) == 0) {
			if ((rc = ckpt_get(txn, st, voter, author, &c)) != 0)
				break;
			if (seq > c.matched) {
				c.matched = seq;
				if ((rc = ckpt_put(txn, st, voter, author,
				    &c)) != 0)
					break;
			}
		}
		*dirty = 1;
		/* Re-find after the writes: they may have moved the page. */
		memcpy(from, kk, 72);
		if ((rc = mdb_del(txn, st->dbi[DB_PEND], &k, NULL)) != 0)
			break;
		k.mv_size = sizeof(from);
		k.mv_data = from;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/* How many voters must name a head for it to settle author's log. */
int
settle_need(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t *need)
{
	MDB_val k = { 32, (void *)author }, v;
	uint64_t n, cap;
	int rc;

	if ((rc = member_meta_get(txn, st, "settle_n", 0, &n)) != 0)
		return rc;
	rc = mdb_get(txn, st->dbi[DB_VOTER], &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	/* A log's own checkpoints never settle it. */
	cap = rc == 0 ? n - 1 : n;
	*need = n / 2 + 1 < cap ? n / 2 + 1 : cap;
	return 0;
}

static int
cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y) - (x > y);
}

/* The need-th largest matched (or named) seq of author over the voters. */
static int
vote_rank(MDB_txn *txn, struct store *st, const uint8_t author[32],
    int named, uint64_t *out)
{
	uint64_t *vals = NULL, need = 0;
	size_t n = 0, cap = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	struct ckpt c;
	int rc;

	*out = 0;
	if ((rc = settle_need(txn, st, author, &need)) != 0)
		return rc;
	if (need == 0)
		return 0;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_VOTER], &cur)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 32 || v.mv_size != 1) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (*(uint8_t *)v.mv_data != 1 ||
		    memcmp(k.mv_data, author, 32) == 0)
			continue;
		if ((rc = ckpt_get(txn, st, k.mv_data, author, &c)) != 0)
			break;
		if (n == cap) {
			uint64_t *nv;

			cap = cap ? 2 * cap : 16;
			if ((nv = realloc(vals, cap * sizeof(*nv))) == NULL) {
				rc = I40_E_NOMEM;
				break;
			}
			vals = nv;
		}
		vals[n++] = named ? c.named : c.matched;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		rc = 0;
		if (n >= need) {
			qsort(vals, n, sizeof(*vals), cmp_desc);
			*out = vals[need - 1];
		}
	} else {
		rc = store_err(rc);
	}
	free(vals);
	return rc;
}

int
settle_claim(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t *claim)
{
	return vote_rank(txn, st, author, 1, claim);
}

int
settle_get(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t *seq, uint8_t id[32])
{
	MDB_val k = { 32, (void *)author }, v;
	int rc;

	*seq = 0;
	if (id != NULL)
		memset(id, 0, 32);
	if ((rc = mdb_get(txn, st->dbi[DB_D_SETTLE], &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != 40)
		return I40_E_CORRUPT;
	*seq = store_be64(v.mv_data);
	if (id != NULL)
		memcpy(id, (uint8_t *)v.mv_data + 8, 32);
	return 0;
}

int
settle_update(MDB_txn *txn, struct store *st, const uint8_t author[32],
    int *changed)
{
	uint8_t val[40], id[32];
	MDB_val k = { 32, (void *)author }, v = { 40, val };
	uint64_t s, was;
	int rc, found;

	struct store_headrec h;

	if ((rc = vote_rank(txn, st, author, 0, &s)) != 0 ||
	    (rc = settle_get(txn, st, author, &was, NULL)) != 0)
		return rc;
	/*
	 * Of a frozen log only a settled seq past the fork is state: below
	 * it the freeze point is the fork's anyway, and what a voter's
	 * checkpoint past the fork matches depends on the branch a node
	 * holds (docs/protocol.md §11.2).
	 */
	rc = store_head_get(txn, st, author, &h);
	if (rc != 0 && rc != I40_E_NOT_FOUND)
		return rc;
	if (rc == 0 && h.frozen != 0 && s < h.frozen)
		s = 0;
	if (s == was)
		return 0;
	*changed = 1;
	if (s == 0)
		return store_err(mdb_del(txn, st->dbi[DB_D_SETTLE], &k, NULL));
	if ((rc = chain_id_at(txn, st, author, s, id, &found)) != 0)
		return rc;
	if (!found)
		return I40_E_CORRUPT;	/* matched seqs are on the chain */
	store_put64(val, s);
	memcpy(val + 8, id, 32);
	return store_err(mdb_put(txn, st->dbi[DB_D_SETTLE], &k, &v, 0));
}

int
settle_freeze(MDB_txn *txn, struct store *st, const uint8_t author[32],
    int *changed)
{
	struct store_headrec h;
	uint8_t val[8];
	MDB_val k = { 32, (void *)author }, v;
	uint64_t s, last;
	int rc;

	if ((rc = store_head_get(txn, st, author, &h)) != 0)
		return rc == I40_E_NOT_FOUND ? 0 : rc;
	if (h.frozen == 0)
		return 0;
	if ((rc = settle_get(txn, st, author, &s, NULL)) != 0)
		return rc;
	last = s > h.frozen - 1 ? s : h.frozen - 1;
	rc = mdb_get(txn, st->dbi[DB_D_FORK], &k, &v);
	if (rc == 0 && v.mv_size == 8 && store_be64(v.mv_data) == last)
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	*changed = 1;
	store_put64(val, last);
	v.mv_size = 8;
	v.mv_data = val;
	return store_err(mdb_put(txn, st->dbi[DB_D_FORK], &k, &v, 0));
}

/*
 * The voters of m0, as DB_VOTER holds them: key(32) flag(1) each, in
 * order of key.  Every active member votes (the flag is 1); a frozen one
 * with what it signed before its fork (settle_checkpoint).
 */
static int
voters_of(const struct mset *m0, uint8_t **out, size_t *n)
{
	uint8_t *rec;
	size_t i;

	*n = 0;
	if ((*out = rec = malloc(m0->n * 33 + 1)) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < m0->n; i++) {
		if (m0->m[i].role != 'm' || !m0->m[i].active)
			continue;
		memcpy(rec + 33 * *n, m0->m[i].key, 32);
		rec[33 * *n + 32] = 1;
		(*n)++;
	}
	/* m0 is in order of admission; the table in order of key. */
	qsort(rec, *n, 33, memcmp32);
	return 0;
}

int
settle_voters(MDB_txn *txn, struct store *st, const struct mset *m0,
    int *changed)
{
	uint8_t *want = NULL;
	MDB_cursor *c;
	MDB_val k, v;
	size_t n, i = 0;
	int rc, same = 1;

	if ((rc = voters_of(m0, &want, &n)) != 0)
		goto out;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_VOTER], &c)) != 0) {
		rc = store_err(rc);
		goto out;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && same;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), i++)
		same = i < n && k.mv_size == 32 && v.mv_size == 1 &&
		    memcmp(k.mv_data, want + 33 * i, 32) == 0 &&
		    *(uint8_t *)v.mv_data == want[33 * i + 32];
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		rc = store_err(rc);
		goto out;
	}
	rc = 0;
	if (same && i == n)
		goto out;
	*changed = 1;
	if ((rc = store_err(mdb_drop(txn, st->dbi[DB_VOTER], 0))) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++) {
		k.mv_size = 32;
		k.mv_data = want + 33 * i;
		v.mv_size = 1;
		v.mv_data = want + 33 * i + 32;
		rc = store_err(mdb_put(txn, st->dbi[DB_VOTER], &k, &v,
		    MDB_APPEND));
	}
	if (rc == 0)
		rc = member_meta_put(txn, st, "settle_n", n);
out:
	free(want);
	return rc;
}

int
settle_reindex(MDB_txn *txn, struct store *st, struct body *scratch)
{
	struct ev_signed e;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t key[K_LOG];
	int rc;

	if ((rc = store_err(mdb_drop(txn, st->dbi[DB_CKPT], 0))) != 0 ||
	    (rc = store_err(mdb_drop(txn, st->dbi[DB_PEND], 0))) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_MEV], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != K_LOG || v.mv_size != 1) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (*(uint8_t *)v.mv_data != BODY_CHECKPOINT)
			continue;
		memcpy(key, k.mv_data, K_LOG);
		if ((rc = derive_load(txn, st, key, &e, scratch)) != 0 ||
		    (rc = settle_checkpoint(txn, st, &e, scratch, NULL)) != 0)
			break;
		/* Reposition: the puts above may have moved the page. */
		k.mv_size = K_LOG;
		k.mv_data = key;
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int
settle_all(MDB_txn *txn, struct store *st, int *freeze_changed)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t author[32];
	int rc, changed = 0;

	if ((rc = mdb_cursor_open(txn, st->dbi[DB_HEAD], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 32) {
			rc = I40_E_CORRUPT;
			break;
		}
		memcpy(author, k.mv_data, 32);
		if ((rc = settle_update(txn, st, author, &changed)) != 0 ||
		    (rc = settle_freeze(txn, st, author, freeze_changed)) != 0)
			break;
		k.mv_size = 32;
		k.mv_data = author;
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int
store_named(struct store *st, const uint8_t author[KEY_PK_BYTES],
    uint64_t *seq)
{
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val k, v;
	struct ckpt c;
	int rc;

	*seq = 0;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_VOTER], &cur)) != 0) {
		store_rtxn_end(st, txn);
		return store_err(rc);
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 32) {
			rc = I40_E_CORRUPT;
			break;
		}
		if ((rc = ckpt_get(txn, st, k.mv_data, author, &c)) != 0)
			break;
		if (c.named > *seq)
			*seq = c.named;
	}
	mdb_cursor_close(cur);
	store_rtxn_end(st, txn);
	return rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int
store_vote(struct store *st, const uint8_t voter[KEY_PK_BYTES],
    const uint8_t author[KEY_PK_BYTES], uint64_t *named,
    uint8_t id[EV_ID_BYTES])
{
	MDB_txn *txn;
	struct ckpt c;
	int rc;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	rc = ckpt_get(txn, st, voter, author, &c);
	store_rtxn_end(st, txn);
	*named = c.named;
	memcpy(id, c.id, 32);
	return rc;
}
