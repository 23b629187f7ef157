/*
 * index.c: lookups by event id, by learner and by module.
 *
 * These keys are random, so a B-tree kept up to date in every batch dirties
 * one page per event and index: at a million events that made ingest write
 * 13 KB an event against 0.7 KB for the events themselves (docs/store.md,
 * "Lookup indexes").  Instead a batch appends one record per event to
 * `tail`, in arrival order, in the batch's own transaction, so the indexes
 * are as durable and as current as the events.  When the tail has grown as
 * large as what is already indexed, it is merged: sorted, and merge-joined
 * with the current generation of each index into the other generation,
 * written with MDB_APPEND (full pages, each written once), in one
 * transaction that also empties the tail and flips meta "igen".  Every
 * entry is thus rewritten about twice in its life, and a lookup reads one
 * B-tree and scans the tail from its newest end.
 *
 * The indexes are node-local (they name events by arrival number) and are
 * not part of the state root; index_digest() lets store_rebuild() check
 * them against the events anyway.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define TAIL_ID 32
#define TAIL_COMPL (32 + INDEX_COMPL_BYTES)

/* The generation of the indexes this transaction sees: 0 or 1. */
static int
gen_get(MDB_txn *txn, struct store *st, int *gen)
{
	MDB_val k = { 4, "igen" }, v;
	int rc = mdb_get(txn, st->dbi[DB_META], &k, &v);

	*gen = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != 1 || *(uint8_t *)v.mv_data > 1)
		return I40_E_CORRUPT;
	*gen = *(uint8_t *)v.mv_data;
	return 0;
}

int
index_add(MDB_txn *txn, struct store *st, uint64_t arrival,
    const uint8_t id[32], const uint8_t *compl)
{
	uint8_t num[8], rec[TAIL_COMPL];
	MDB_val k = { 8, num }, v = { compl != NULL ? TAIL_COMPL : TAIL_ID,
	    rec };

	store_put64(num, arrival);
	memcpy(rec, id, 32);
	if (compl != NULL)
		memcpy(rec + 32, compl, INDEX_COMPL_BYTES);
	return store_err(mdb_put(txn, st->dbi[DB_TAIL], &k, &v, MDB_APPEND));
}

static int
tail_check(const MDB_val *k, const MDB_val *v)
{
	return k->mv_size == 8 && (v->mv_size == TAIL_ID ||
	    v->mv_size == TAIL_COMPL) ? 0 : I40_E_CORRUPT;
}

int
index_find_gen(MDB_txn *txn, struct store *st, const uint8_t id[32],
    uint64_t *arrival)
{
	MDB_val k = { 32, (void *)id }, v;
	int gen, rc;

	if ((rc = gen_get(txn, st, &gen)) != 0)
		return rc;
	if ((rc = mdb_get(txn, st->dbi[DB_ID0 + gen], &k, &v)) != 0)
		return store_err(rc);
	if (v.mv_size != 8)
		return I40_E_CORRUPT;
	*arrival = store_be64(v.mv_data);
	return 0;
}

int
index_find_id(MDB_txn *txn, struct store *st, const uint8_t id[32],
    uint64_t *arrival)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = index_find_gen(txn, st, id, arrival)) != I40_E_NOT_FOUND)
		return rc;
	/* Newest first: what is looked up (a revoked completion) is recent. */
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_TAIL], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_LAST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
		if (tail_check(&k, &v) != 0) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (memcmp(v.mv_data, id, 32) == 0) {
			*arrival = store_be64(k.mv_data);
			break;
		}
	}
	mdb_cursor_close(c);
	return store_err(rc);
}

int
index_tail_first(MDB_txn *txn, struct store *st, uint64_t *arrival)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, st->dbi[DB_TAIL], &c)) != 0)
		return store_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	mdb_cursor_close(c);
	if (rc == 0 && tail_check(&k, &v) != 0)
		return I40_E_CORRUPT;
	if (rc == 0)
		*arrival = store_be64(k.mv_data);
	return store_err(rc);
}

/* Fixed-width records sorted by their first `klen` bytes. */
struct recs {
	uint8_t *p;
	size_t n, cap, width, klen;
};

static int
recs_add(struct recs *r, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	uint8_t *np;

	if (r->n == r->cap) {
		r->cap = r->cap != 0 ? r->cap * 2 : 4096;
		if ((np = realloc(r->p, r->cap * r->width)) == NULL)
			return I40_E_NOMEM;
		r->p = np;
	}
	memcpy(r->p + r->n * r->width, a, alen);
	if (blen > 0)
		memcpy(r->p + r->n * r->width + alen, b, blen);
	r->n++;
	return 0;
}

/* qsort has no argument: a comparator per width of key. */
static int
cmp24(const void *a, const void *b)
{
	return memcmp(a, b, 24);
}

static int
cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/* Big-endian arrival numbers first: memcmp orders them. */
static int
cmp_be64(const void *a, const void *b)
{
	return memcmp(a, b, 8);
}

static int
cmp40(const void *a, const void *b)
{
	return memcmp(a, b, 40);
}

/*
 * Sort r by key.  The keys start with an id, a module id or a learner
 * pseudonym, so their first two bytes spread them evenly: a counting pass
 * into 65,536 buckets leaves a handful of records each for qsort, which
 * halved the merges' share of ingest at a million events.  (Buckets of one
 * popular module are larger; qsort copes.)
 */
#define BUCKETS 65536

static int
sort_recs(struct recs *r)
{
	int (*cmp)(const void *, const void *) = r->klen == 24 ? cmp24 :
	    r->klen == 32 ? cmp32 : cmp40;
	size_t *end, i, b, from;
	uint8_t *out, *p;

	if (r->n < 2)
		return 0;
	if ((end = calloc(BUCKETS, sizeof(*end))) == NULL)
		return I40_E_NOMEM;
	if ((out = malloc(r->n * r->width)) == NULL) {
		free(end);
		return I40_E_NOMEM;
	}
	for (i = 0, p = r->p; i < r->n; i++, p += r->width)
		end[(size_t)p[0] << 8 | p[1]]++;
	for (b = 0, from = 0; b < BUCKETS; b++) {
		i = end[b];
		end[b] = from;		/* for now: where bucket b starts */
		from += i;
	}
	for (i = 0, p = r->p; i < r->n; i++, p += r->width)
		memcpy(out + end[(size_t)p[0] << 8 | p[1]]++ * r->width, p,
		    r->width);
	/* Now end[b] is where bucket b ends. */
	for (b = 0, from = 0; b < BUCKETS; from = end[b++])
		if (end[b] - from > 1)
			qsort(out + from * r->width, end[b] - from, r->width,
			    cmp);
	free(end);
	free(r->p);
	r->p = out;
	r->cap = r->n;
	return 0;
}

/*
 * Write the union of src (sorted by LMDB) and r (sorted here) into dst,
 * which must be empty, in key order with MDB_APPEND; then empty src.
 */
static int
merge_into(MDB_txn *txn, MDB_dbi src, MDB_dbi dst, struct recs *r)
{
	MDB_cursor *c, *w;
	MDB_val k, v, rk, rv;
	size_t i = 0;
	int rc, more, cmp = 0;

	if ((rc = sort_recs(r)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, src, &c)) != 0)
		return store_err(rc);
	/* One cursor for the writes: it stays at the end, no descent each. */
	if ((rc = mdb_cursor_open(txn, dst, &w)) != 0) {
		mdb_cursor_close(c);
		return store_err(rc);
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	for (;;) {
		if (rc != 0 && rc != MDB_NOTFOUND)
			break;
		more = rc == 0;
		if (!more && i == r->n) {
			rc = 0;
			break;
		}
		if (more && k.mv_size != r->klen) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (i < r->n) {
			rk.mv_size = r->klen;
			rk.mv_data = r->p + i * r->width;
			rv.mv_size = r->width - r->klen;
			rv.mv_data = r->p + i * r->width + r->klen;
			if (more)
				cmp = memcmp(k.mv_data, rk.mv_data, r->klen);
		}
		if (more && (i == r->n || cmp < 0)) {
			if ((rc = mdb_cursor_put(w, &k, &v, MDB_APPEND)) == 0)
				rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			continue;
		}
		if (more && cmp == 0) {
			rc = MDB_CORRUPTED;	/* one key in both */
			break;
		}
		if ((rc = mdb_cursor_put(w, &rk, &rv, MDB_APPEND)) != 0)
			break;
		i++;
		rc = more ? 0 : MDB_NOTFOUND;
	}
	mdb_cursor_close(w);
	mdb_cursor_close(c);
	if (rc == MDB_KEYEXIST)
		rc = MDB_CORRUPTED;
	if (rc == 0)
		rc = mdb_drop(txn, src, 0);
	return store_err(rc);
}

int
index_merge(MDB_txn *txn, struct store *st)
{
	struct recs ids = { NULL, 0, 0, 40, 32 };
	struct recs byl = { NULL, 0, 0, 24, 24 };
	struct recs bym = { NULL, 0, 0, 40, 40 };
	MDB_cursor *c;
	MDB_val k, v, gk = { 4, "igen" }, gv;
	uint8_t next;
	int gen, rc;

	if ((rc = gen_get(txn, st, &gen)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_TAIL], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;

		if (tail_check(&k, &v) != 0) {
			rc = I40_E_CORRUPT;
			break;
		}
		if ((rc = recs_add(&ids, p, 32, k.mv_data, 8)) != 0)
			break;
		if (v.mv_size != TAIL_COMPL)
			continue;
		if ((rc = recs_add(&byl, p + 32, 16, k.mv_data, 8)) != 0 ||
		    (rc = recs_add(&bym, p + 48, 32, k.mv_data, 8)) != 0)
			break;
	}
	mdb_cursor_close(c);
	rc = rc == MDB_NOTFOUND ? 0 : store_err(rc);
	if (rc == 0)
		rc = merge_into(txn, st->dbi[DB_ID0 + gen],
		    st->dbi[DB_ID0 + !gen], &ids);
	if (rc == 0 && (rc = merge_into(txn, st->dbi[DB_BYL0 + gen],
	    st->dbi[DB_BYL0 + !gen], &byl)) == 0)
		rc = merge_into(txn, st->dbi[DB_BYM0 + gen],
		    st->dbi[DB_BYM0 + !gen], &bym);
	free(ids.p);
	free(byl.p);
	free(bym.p);
	if (rc != 0)
		return rc;
	next = (uint8_t)!gen;
	gv.mv_size = 1;
	gv.mv_data = &next;
	if ((rc = mdb_drop(txn, st->dbi[DB_TAIL], 0)) != 0 ||
	    (rc = mdb_put(txn, st->dbi[DB_META], &gk, &gv, 0)) != 0)
		return store_err(rc);
	return 0;
}

/*
 * After derive_rebuild() has recomputed d_compl: index its completions
 * again, those of events in the tail in their tail records, the others in
 * the current generation, written afresh.
 */
int
index_rebuild_compl(MDB_txn *txn, struct store *st)
{
	struct recs byl = { NULL, 0, 0, 24, 24 };
	struct recs bym = { NULL, 0, 0, 40, 40 };
	struct recs tl = { NULL, 0, 0, 8 + INDEX_COMPL_BYTES, 8 };
	struct recs fix = { NULL, 0, 0, 8 + 1 + TAIL_COMPL, 8 };
	uint64_t first = UINT64_MAX;
	MDB_cursor *c;
	MDB_val k, v;
	size_t i, j;
	int gen, rc, d;

	if ((rc = gen_get(txn, st, &gen)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_TAIL], &c)) != 0)
		return store_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	mdb_cursor_close(c);
	if (rc == 0 && k.mv_size == 8)
		first = store_be64(k.mv_data);
	else if (rc != MDB_NOTFOUND)
		return rc == 0 ? I40_E_CORRUPT : store_err(rc);
	for (d = 0; d < 2; d++)
		if ((rc = mdb_drop(txn, st->dbi[DB_BYL0 + d], 0)) != 0 ||
		    (rc = mdb_drop(txn, st->dbi[DB_BYM0 + d], 0)) != 0)
			return store_err(rc);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_D_COMPL], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8 || v.mv_size != COMPL_BYTES) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (store_be64(k.mv_data) >= first)
			rc = recs_add(&tl, k.mv_data, 8, v.mv_data,
			    INDEX_COMPL_BYTES);
		else if ((rc = recs_add(&byl, v.mv_data, 16, k.mv_data,
		    8)) == 0)
			rc = recs_add(&bym, (uint8_t *)v.mv_data + 16, 32,
			    k.mv_data, 8);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	rc = rc == MDB_NOTFOUND ? 0 : store_err(rc);
	/* Both generations are empty now: merging writes the records alone. */
	if (rc == 0 && (rc = merge_into(txn, st->dbi[DB_BYL0 + !gen],
	    st->dbi[DB_BYL0 + gen], &byl)) == 0)
		rc = merge_into(txn, st->dbi[DB_BYM0 + !gen],
		    st->dbi[DB_BYM0 + gen], &bym);
	if (rc == 0 && tl.n > 1)
		qsort(tl.p, tl.n, tl.width, cmp_be64);
	/* Each tail record names its completion exactly when one counts. */
	if (rc == 0 && (rc = mdb_cursor_open(txn, st->dbi[DB_TAIL], &c)) != 0)
		rc = store_err(rc);
	else if (rc == 0) {
		j = 0;
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			const uint8_t *want = NULL;
			uint8_t rec[8 + 1 + TAIL_COMPL];

			if (tail_check(&k, &v) != 0) {
				rc = I40_E_CORRUPT;
				break;
			}
			while (j < tl.n && memcmp(tl.p + j * tl.width,
			    k.mv_data, 8) < 0)
				j++;
			if (j < tl.n && memcmp(tl.p + j * tl.width, k.mv_data,
			    8) == 0)
				want = tl.p + j * tl.width + 8;
			if (want == NULL ? v.mv_size == TAIL_ID :
			    v.mv_size == TAIL_COMPL && memcmp((uint8_t *)
			    v.mv_data + 32, want, INDEX_COMPL_BYTES) == 0)
				continue;
			/* arrival(8) has(1) id(32) completion(48) */
			memcpy(rec, k.mv_data, 8);
			rec[8] = want != NULL;
			memcpy(rec + 9, v.mv_data, 32);
			memset(rec + 41, 0, INDEX_COMPL_BYTES);
			if (want != NULL)
				memcpy(rec + 41, want, INDEX_COMPL_BYTES);
			if ((rc = recs_add(&fix, rec, sizeof(rec), NULL, 0)) != 0)
				break;
		}
		mdb_cursor_close(c);
		rc = rc == MDB_NOTFOUND ? 0 : store_err(rc);
	}
	for (i = 0; rc == 0 && i < fix.n; i++) {
		uint8_t *r = fix.p + i * fix.width;

		k.mv_size = 8;
		k.mv_data = r;
		v.mv_size = r[8] ? TAIL_COMPL : TAIL_ID;
		v.mv_data = r + 9;
		rc = store_err(mdb_put(txn, st->dbi[DB_TAIL], &k, &v, 0));
	}
	free(byl.p);
	free(bym.p);
	free(tl.p);
	free(fix.p);
	return rc;
}

/*
 * An order-free digest: the lane-wise sum of a hash of each entry, so the
 * same entries give the same digest wherever they are (tail or indexes).
 */
struct digest {
	uint64_t lane[4];
	uint64_t n;
};

static void
digest_add(struct digest *d, uint8_t kind, const void *key, size_t klen,
    const void *arrival)
{
	crypto_generichash_blake2b_state hs;
	uint8_t h[32];
	uint64_t x;
	int i;

	crypto_generichash_blake2b_init(&hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&hs, &kind, 1);
	crypto_generichash_blake2b_update(&hs, key, klen);
	crypto_generichash_blake2b_update(&hs, arrival, 8);
	crypto_generichash_blake2b_final(&hs, h, 32);
	for (i = 0; i < 4; i++) {
		memcpy(&x, h + 8 * i, 8);
		d->lane[i] += x;
	}
	d->n++;
}

static int
digest_db(MDB_txn *txn, MDB_dbi dbi, uint8_t kind, size_t klen,
    struct digest *d)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(txn, dbi, &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (kind == 'i' && k.mv_size == 32 && v.mv_size == 8)
			digest_add(d, kind, k.mv_data, 32, v.mv_data);
		else if (kind != 'i' && k.mv_size == klen + 8 &&
		    v.mv_size == 0)
			digest_add(d, kind, k.mv_data, klen,
			    (uint8_t *)k.mv_data + klen);
		else
			digest_add(d, '?', k.mv_data, k.mv_size, "????????");
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int
index_digest(MDB_txn *txn, struct store *st, uint8_t out[32])
{
	struct digest d;
	MDB_cursor *c;
	MDB_val k, v;
	int gen, rc, i;

	memset(&d, 0, sizeof(d));
	if ((rc = gen_get(txn, st, &gen)) != 0 ||
	    (rc = digest_db(txn, st->dbi[DB_ID0 + gen], 'i', 32, &d)) != 0 ||
	    (rc = digest_db(txn, st->dbi[DB_BYL0 + gen], 'l', 16, &d)) != 0 ||
	    (rc = digest_db(txn, st->dbi[DB_BYM0 + gen], 'm', 32, &d)) != 0)
		return rc;
	/* The other generation is empty between merges. */
	if ((rc = digest_db(txn, st->dbi[DB_ID0 + !gen], '?', 32, &d)) != 0 ||
	    (rc = digest_db(txn, st->dbi[DB_BYL0 + !gen], '?', 16, &d)) != 0 ||
	    (rc = digest_db(txn, st->dbi[DB_BYM0 + !gen], '?', 32, &d)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_TAIL], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = v.mv_data;

		if (tail_check(&k, &v) != 0) {
			digest_add(&d, '?', k.mv_data, k.mv_size, "????????");
			continue;
		}
		digest_add(&d, 'i', p, 32, k.mv_data);
		if (v.mv_size == TAIL_COMPL) {
			digest_add(&d, 'l', p + 32, 16, k.mv_data);
			digest_add(&d, 'm', p + 48, 32, k.mv_data);
		}
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return store_err(rc);
	for (i = 0; i < 4; i++)
		store_put64(out + 8 * i, d.lane[i] ^ (i == 0 ? d.n : 0));
	return 0;
}

int
index_maybe_merge(struct store *st)
{
	MDB_stat ts, is;
	MDB_txn *txn;
	int gen, rc;

	for (;;) {
		if ((rc = store_rtxn(st, &txn)) != 0)
			return rc;
		if ((rc = gen_get(txn, st, &gen)) == 0 &&
		    (rc = mdb_stat(txn, st->dbi[DB_TAIL], &ts)) == 0)
			rc = mdb_stat(txn, st->dbi[DB_ID0 + gen], &is);
		store_rtxn_end(st, txn);
		if (rc != 0)
			return store_err(rc);
		/* Doubling: each entry is rewritten about twice in its life. */
		if (ts.ms_entries < st->tail_min ||
		    (ts.ms_entries < is.ms_entries && ts.ms_entries < st->tail_max))
			return 0;
		if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
			return store_err(rc);
		if ((rc = index_merge(txn, st)) != 0) {
			mdb_txn_abort(txn);
			if (rc == I40_E_MAP_FULL && (rc = store_grow(st)) == 0)
				continue;
			return rc;
		}
		if ((rc = mdb_txn_commit(txn)) != 0 &&
		    (rc = store_commit_err(st, rc)) == I40_E_MAP_FULL &&
		    (rc = store_grow(st)) == 0)
			continue;
		if (rc == 0)
			st->stats.merges++;
		return rc;
	}
}

/* Collect the arrival numbers of key's completions (store_completions). */
static int
collect(MDB_txn *txn, struct store *st, enum store_by by, const uint8_t *key,
    struct recs *arr)
{
	size_t klen = by == STORE_BY_LEARNER ? 16 : 32;
	size_t off = by == STORE_BY_LEARNER ? 32 : 48;
	uint8_t start[40];
	MDB_cursor *c;
	MDB_val k, v;
	int gen, rc;

	if ((rc = gen_get(txn, st, &gen)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[(by == STORE_BY_LEARNER ?
	    DB_BYL0 : DB_BYM0) + gen], &c)) != 0)
		return store_err(rc);
	memcpy(start, key, klen);
	memset(start + klen, 0, 8);
	k.mv_size = klen + 8;
	k.mv_data = start;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != klen + 8 || memcmp(k.mv_data, key, klen) != 0)
			break;
		if ((rc = recs_add(arr, (uint8_t *)k.mv_data + klen, 8, NULL,
		    0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_TAIL], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (tail_check(&k, &v) != 0) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (v.mv_size == TAIL_COMPL && memcmp((uint8_t *)v.mv_data +
		    off, key, klen) == 0 && (rc = recs_add(arr, k.mv_data, 8,
		    NULL, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/* The completion of the event at arrival number num[8]. */
static int
completion_at(MDB_txn *txn, struct store *st, const uint8_t *num,
    struct store_completion *out)
{
	MDB_val k = { 8, (void *)num }, v;
	struct ev_signed e;
	const uint8_t *p;
	int rc;

	if ((rc = mdb_get(txn, st->dbi[DB_EV], &k, &v)) != 0 ||
	    ev_decode(v.mv_data, v.mv_size, st->fed_id, &e, NULL, NULL) != 0)
		return rc == 0 || rc == MDB_NOTFOUND ? I40_E_CORRUPT :
		    store_err(rc);
	k.mv_size = 8;
	k.mv_data = (void *)num;
	if ((rc = mdb_get(txn, st->dbi[DB_D_COMPL], &k, &v)) != 0 ||
	    v.mv_size != COMPL_BYTES)
		return rc == 0 || rc == MDB_NOTFOUND ? I40_E_CORRUPT :
		    store_err(rc);
	p = v.mv_data;
	memcpy(out->author, e.h.author, 32);
	out->seq = e.h.seq;
	memcpy(out->id, e.id, 32);
	memcpy(out->learner, p, 16);
	memcpy(out->module, p + 16, 32);
	out->passed = p[48];
	out->revoked = p[49];
	return 0;
}

static int
cmp_completion(const void *a, const void *b)
{
	const struct store_completion *x = a, *y = b;
	int c = memcmp(x->author, y->author, 32);

	return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

int
store_completions(struct store *st, enum store_by by, const uint8_t *key,
    store_completion_fn fn, void *arg)
{
	struct recs arr = { NULL, 0, 0, 8, 8 };
	struct store_completion *cs = NULL;
	MDB_txn *txn;
	size_t i;
	int rc;

	if (by != STORE_BY_LEARNER && by != STORE_BY_MODULE)
		return I40_E_VALUE;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = collect(txn, st, by, key, &arr)) == 0 && arr.n > 0 &&
	    (cs = calloc(arr.n, sizeof(*cs))) == NULL)
		rc = I40_E_NOMEM;
	for (i = 0; rc == 0 && i < arr.n; i++)
		rc = completion_at(txn, st, arr.p + 8 * i, &cs[i]);
	store_rtxn_end(st, txn);
	if (rc == 0 && arr.n > 1)
		qsort(cs, arr.n, sizeof(*cs), cmp_completion);
	for (i = 0; rc == 0 && i < arr.n; i++)
		rc = fn(arg, &cs[i]);
	free(cs);
	free(arr.p);
	return rc;
}
