/*
 * fork.c: fork evidence, the freeze point it implies, and the one way a
 * stored chain is ever replaced (docs/protocol.md §11).
 *
 * A fork is two valid events of one author at one seq that differ in
 * their unsigned bytes.  A node keeps one fork per author, in DB_FORK:
 * the one that set the author's freeze point L = max(S, f - 1), S the
 * settled seq and f the fork's seq.  A fork that would not lower L is
 * neither stored nor reported, so a flood of forks costs a lookup each.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define SET_OUT(o, r, c) do { (o)->result = (r); (o)->code = (c); } while (0)

/* The bytes of a decoded signed event: [event, sig] around e->event. */
static const uint8_t *
signed_bytes(const struct ev_signed *e, size_t *len)
{
	*len = e->event.len + 3 + KEY_SIG_BYTES;
	return e->event.p - 1;
}

int
fork_last(MDB_txn *txn, struct store *st, const uint8_t author[32],
    const struct store_headrec *h, uint64_t *last)
{
	MDB_val k = { 32, (void *)author }, v;
	int rc;

	*last = UINT64_MAX;
	if (h->frozen == 0)
		return 0;
	if ((rc = mdb_get(txn, st->dbi[DB_D_FORK], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? I40_E_CORRUPT : store_err(rc);
	if (v.mv_size != 8)
		return I40_E_CORRUPT;
	*last = store_be64(v.mv_data);
	return 0;
}

int
fork_offer(MDB_txn *txn, struct store *st, const struct ev_signed *a,
    const struct ev_signed *b, int *stored)
{
	struct store_headrec h;
	const uint8_t *pa, *pb;
	uint8_t *buf, fv[8];
	size_t la, lb;
	uint64_t last, s, want;
	MDB_val k = { 32, (void *)a->h.author }, v;
	int rc;

	*stored = 0;
	rc = store_head_get(txn, st, a->h.author, &h);
	if (rc != 0 && rc != I40_E_NOT_FOUND)
		return rc;
	if ((rc = fork_last(txn, st, a->h.author, &h, &last)) != 0 ||
	    (rc = settle_get(txn, st, a->h.author, &s, NULL)) != 0)
		return rc;
	want = a->h.seq - 1 > s ? a->h.seq - 1 : s;
	if (want >= last)
		return 0;
	pa = signed_bytes(a, &la);
	pb = signed_bytes(b, &lb);
	if ((buf = malloc(4 + la + lb)) == NULL)
		return I40_E_NOMEM;
	buf[0] = (uint8_t)(la >> 24);
	buf[1] = (uint8_t)(la >> 16);
	buf[2] = (uint8_t)(la >> 8);
	buf[3] = (uint8_t)la;
	memcpy(buf + 4, pa, la);
	memcpy(buf + 4 + la, pb, lb);
	v.mv_size = 4 + la + lb;
	v.mv_data = buf;
	rc = store_err(mdb_put(txn, st->dbi[DB_FORK], &k, &v, 0));
	free(buf);
	if (rc != 0)
		return rc;
	/* A head record exists for every author with evidence. */
	h.frozen = a->h.seq;
	store_put64(fv, want);
	v.mv_size = 8;
	v.mv_data = fv;
	if ((rc = store_head_put(txn, st, a->h.author, &h)) != 0 ||
	    (rc = store_err(mdb_put(txn, st->dbi[DB_D_FORK], &k, &v, 0))) != 0)
		return rc;
	st->stats.forks++;
	*stored = 1;
	return 0;
}

int
fork_limit(MDB_txn *txn, struct store *st, const uint8_t author[32],
    const struct store_headrec *h, uint64_t *limit)
{
	uint64_t last, claim;
	int rc;

	*limit = UINT64_MAX;
	if (h->frozen == 0)
		return 0;
	/*
	 * Beyond the freeze point, as far as a majority of the voters say
	 * they hold: those events may settle, and so count, later.
	 */
	if ((rc = fork_last(txn, st, author, h, &last)) != 0 ||
	    (rc = settle_claim(txn, st, author, &claim)) != 0)
		return rc;
	*limit = last > claim ? last : claim;
	return 0;
}

int
store_fork_get(struct store *st, const uint8_t author[KEY_PK_BYTES],
    struct store_event *a, struct store_event *b)
{
	MDB_txn *txn;
	MDB_val k = { 32, (void *)author }, v;
	const uint8_t *p;
	size_t la;
	int rc;

	a->bytes = b->bytes = NULL;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = store_err(mdb_get(txn, st->dbi[DB_FORK], &k, &v))) != 0)
		goto out;
	p = v.mv_data;
	la = v.mv_size < 4 ? 0 : (size_t)p[0] << 24 | (size_t)p[1] << 16 |
	    (size_t)p[2] << 8 | p[3];
	if (v.mv_size < 4 || la == 0 || la >= v.mv_size - 4) {
		rc = I40_E_CORRUPT;
		goto out;
	}
	a->len = la;
	b->len = v.mv_size - 4 - la;
	if ((a->bytes = malloc(a->len)) == NULL ||
	    (b->bytes = malloc(b->len)) == NULL) {
		free(a->bytes);
		a->bytes = NULL;
		rc = I40_E_NOMEM;
		goto out;
	}
	memcpy(a->bytes, p + 4, a->len);
	memcpy(b->bytes, p + 4 + la, b->len);
out:
	store_rtxn_end(st, txn);
	return rc;
}

/* How many voters name, as their highest head of the author, an event of
 * the segment at or after the fork. */
static int
segment_votes(MDB_txn *txn, struct store *st, const struct store_item *items,
    size_t n, uint64_t fork, size_t *votes)
{
	const uint8_t *author = items[0].ev.h.author;
	uint64_t first = items[0].ev.h.seq, s;
	MDB_cursor *c;
	MDB_val k, v, cv;
	uint8_t ck[64];
	int rc;

	*votes = 0;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_VOTER], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 32 || v.mv_size != 1) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (*(uint8_t *)v.mv_data != 1 ||
		    memcmp(k.mv_data, author, 32) == 0)
			continue;
		memcpy(ck, k.mv_data, 32);
		memcpy(ck + 32, author, 32);
		cv.mv_size = 64;
		cv.mv_data = ck;
		if ((rc = mdb_get(txn, st->dbi[DB_CKPT], &cv, &cv)) ==
		    MDB_NOTFOUND)
			continue;
		if (rc == 0 && cv.mv_size != 48)
			rc = I40_E_CORRUPT;
		if (rc != 0)
			break;
		s = store_be64((uint8_t *)cv.mv_data + 8);
		if (s >= fork && s >= first && s - first < n &&
		    memcmp(items[s - first].ev.id, (uint8_t *)cv.mv_data + 16,
		    32) == 0)
			(*votes)++;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/* Forget author's events above seq keep: the chain, rotations, indexes. */
static int
truncate_chain(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t keep, struct store_headrec *h)
{
	static const enum store_db per_seq[] = { DB_LOG, DB_ROT, DB_MEV };
	uint8_t lk[K_LOG];
	MDB_cursor *c;
	MDB_val k, v;
	size_t i;
	int rc, found;

	for (i = 0; i < sizeof(per_seq) / sizeof(per_seq[0]); i++) {
		if ((rc = mdb_cursor_open(txn, st->dbi[per_seq[i]], &c)) != 0)
			return store_err(rc);
		store_logkey(lk, author, keep + 1);
		k.mv_size = K_LOG;
		k.mv_data = lk;
		for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) {
			if (k.mv_size != K_LOG ||
			    memcmp(k.mv_data, author, 32) != 0)
				break;
			if ((rc = mdb_cursor_del(c, 0)) != 0)
				break;
			k.mv_size = K_LOG;
			k.mv_data = lk;
		}
		mdb_cursor_close(c);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return store_err(rc);
	}
	/* The events stay in `ev`, out of every chain: nothing counts them. */
	h->seq = keep;
	memset(h->id, 0, 32);
	if (keep > 0 && ((rc = chain_id_at(txn, st, author, keep, h->id,
	    &found)) != 0 || !found))
		return rc != 0 ? rc : I40_E_CORRUPT;
	return store_head_put(txn, st, author, h);
}

struct reorg_args {
	const struct store_item *items;
	size_t n;
	struct store_outcome *out;
};

static int
reorg_txn(MDB_txn *txn, struct store *st, void *arg)
{
	struct reorg_args *a = arg;
	const struct store_item *it = a->items;
	const uint8_t *author = it[0].ev.h.author;
	struct store_outcome *outs;
	struct store_headrec h;
	struct body *b;
	uint8_t id[32], key[32];
	uint64_t settled, j = it[0].ev.h.seq - 1, need, claim;
	size_t i, n = a->n, votes;
	int rc, found;

	SET_OUT(a->out, STORE_INVALID, I40_E_VALUE);
	if ((rc = store_head_get(txn, st, author, &h)) != 0)
		return rc == I40_E_NOT_FOUND ? 0 : rc;
	if ((rc = settle_get(txn, st, author, &settled, NULL)) != 0)
		return rc;
	/* Only a frozen log whose fork the voters settled otherwise. */
	if (h.frozen == 0 || settled >= h.frozen || it[0].ev.h.seq > h.frozen ||
	    j > h.seq)
		return 0;
	if (j > 0) {
		if ((rc = chain_id_at(txn, st, author, j, id, &found)) != 0)
			return rc;
		if (!found || memcmp(it[0].ev.h.prev, id, 32) != 0) {
			SET_OUT(a->out, STORE_INVALID, I40_E_CHAIN);
			return 0;
		}
	}
	/* Nothing past what a majority of the voters say they hold. */
	if ((rc = settle_claim(txn, st, author, &claim)) != 0)
		return rc;
	if (claim <= j)
		return 0;
	if (n > claim - j)
		n = (size_t)(claim - j);
	if ((rc = store_key_at(txn, st, author, j + 1, key)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		const struct ev_signed *e = &it[i].ev;

		if (memcmp(e->h.author, author, 32) != 0 ||
		    e->h.seq != j + 1 + i || (i > 0 &&
		    memcmp(e->h.prev, it[i - 1].ev.id, 32) != 0)) {
			SET_OUT(a->out, STORE_INVALID, I40_E_CHAIN);
			return 0;
		}
		if (memcmp(it[i].key, key, 32) != 0) {
			SET_OUT(a->out, STORE_INVALID, I40_E_WRONG_KEY);
			return 0;
		}
		/* A rotation in the segment names the key of what follows. */
		if (e->h.type == BODY_KEY_ROTATE &&
		    (rc = store_rotate_next(e, key)) != 0) {
			if (rc == I40_E_NOMEM)
				return rc;
			SET_OUT(a->out, STORE_INVALID, rc);
			return 0;
		}
	}
	/* The segment must be what a majority of the voters named. */
	if ((rc = settle_need(txn, st, author, &need)) != 0 ||
	    (rc = segment_votes(txn, st, it, n, h.frozen, &votes)) != 0)
		return rc;
	if (need == 0 || votes < need) {
		SET_OUT(a->out, STORE_INVALID, I40_E_FORK);
		return 0;
	}
	if ((rc = truncate_chain(txn, st, author, j, &h)) != 0)
		return rc;
	if ((outs = calloc(n, sizeof(*outs))) == NULL ||
	    (b = malloc(sizeof(*b))) == NULL) {
		free(outs);
		return I40_E_NOMEM;
	}
	rc = append_batch(txn, st, it, n, outs, b);
	for (i = 0; rc == 0 && i < n; i++)
		if (outs[i].result != STORE_STORED)
			rc = I40_E_CORRUPT;	/* checked above: cannot be */
	free(outs);
	free(b);
	if (rc == 0)
		rc = derive_rebuild(txn, st, 1);
	if (rc == 0)
		SET_OUT(a->out, STORE_STORED, 0);
	return rc;
}

int
store_reorg(struct store *st, const struct store_item *items, size_t n,
    struct store_outcome *out)
{
	struct reorg_args a = { items, n, out };

	if (n == 0 || items[0].ev.h.seq == 0) {
		SET_OUT(out, STORE_INVALID, I40_E_VALUE);
		return 0;
	}
	return store_write(st, reorg_txn, &a);
}
