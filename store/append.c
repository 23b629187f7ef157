/*
 * append.c: ingest of verified events (see store.h, "Semantics").
 *
 * Every acceptance rule here depends only on the author's own chain and
 * on facts that never become false (a key named in the charter or in a
 * stored proposal; a rotation stored earlier in the same log), so the set
 * of stored events converges whatever the order of arrival.  What counts
 * is decided afterwards, in derive.c, as a function of that set.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int
put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	MDB_val mk = { klen, (void *)k }, mv = { vlen, (void *)v };

	return store_err(mdb_put(txn, dbi, &mk, &mv, 0));
}

static int
exists(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t klen, int *yes)
{
	MDB_val mk = { klen, (void *)k }, mv;
	int rc = mdb_get(txn, dbi, &mk, &mv);

	*yes = rc == 0;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/*
 * Keep e as evidence that its author signed two events at `at`, and freeze
 * the author from `at` on.  A lower fork seq than the one known replaces
 * it, so every node ends at the lowest fork once the evidence has spread.
 */
static int
keep_fork(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const uint8_t *bytes, size_t len, uint64_t at, int *rebuild)
{
	struct store_headrec h;
	uint8_t k[K_LOG + 32];
	int rc;

	store_logkey(k, e->h.author, e->h.seq);
	memcpy(k + K_LOG, e->id, 32);
	if ((rc = put(txn, st->dbi[DB_FORK], k, sizeof(k), bytes, len)) != 0)
		return rc;
	if ((rc = store_head_get(txn, st, e->h.author, &h)) != 0)
		return rc;
	if (h.frozen == 0 || at < h.frozen) {
		h.frozen = at;
		if ((rc = store_head_put(txn, st, e->h.author, &h)) != 0)
			return rc;
		*rebuild = 1;
	}
	st->stats.forks++;
	return 0;
}

/* Index what later acceptance and derivation need from this event. */
static int
index_event(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct body *b)
{
	uint8_t k[K_LOG], t = (uint8_t)e->h.type;
	int known, rc;

	store_logkey(k, e->h.author, e->h.seq);
	switch (e->h.type) {
	case BODY_KEY_ROTATE:
		return put(txn, st->dbi[DB_ROT], k, K_LOG, b->u.rotate.next, 32);
	case BODY_MEMBER_PROPOSE:
		/* Named by a proposal: its events may be stored from now on. */
		if ((rc = exists(txn, st->dbi[DB_KNOWN], b->u.member.key, 32,
		    &known)) != 0)
			return rc;
		if (!known && (rc = put(txn, st->dbi[DB_KNOWN],
		    b->u.member.key, 32, e->id, 32)) != 0)
			return rc;
		return put(txn, st->dbi[DB_MEV], k, K_LOG, &t, 1);
	case BODY_MEMBER_ENDORSE:
	case BODY_MEMBER_REMOVE:
		return put(txn, st->dbi[DB_MEV], k, K_LOG, &t, 1);
	default:
		return 0;
	}
}

static int
gapped(const uint8_t (*gaps)[32], size_t ngaps, const uint8_t *author)
{
	size_t i;

	for (i = 0; i < ngaps; i++)
		if (memcmp(gaps[i], author, 32) == 0)
			return 1;
	return 0;
}

#define SET(o, r, c) do { (o)->result = (r); (o)->code = (c); } while (0)

/* One event; a store error aborts the whole batch, an outcome does not. */
static int
apply_one(MDB_txn *txn, struct store *st, const struct store_item *it,
    struct store_outcome *o, struct body *b, int *rebuild, int *gap,
    uint64_t *next)
{
	const struct ev_signed *e = &it->ev;
	const uint8_t *bytes = e->event.p - 1;	/* [event, sig] starts here */
	size_t len = e->event.len + 3 + KEY_SIG_BYTES;
	struct store_headrec h;
	struct body_ctx ctx = { e->h.fed_id, e->h.author };
	uint8_t k[K_LOG], key[32], num[8];
	MDB_val mk, mv;
	int yes, mchanged = 0, rc;

	SET(o, STORE_STORED, 0);
	if (memcmp(e->h.fed_id, st->fed_id, EV_FED_ID_BYTES) != 0) {
		SET(o, STORE_INVALID, I40_E_FED_ID);
		return 0;
	}
	if ((rc = exists(txn, st->dbi[DB_KNOWN], e->h.author, 32, &yes)) != 0)
		return rc;
	if (!yes) {
		SET(o, STORE_INVALID, I40_E_UNKNOWN_AUTHOR);
		return 0;
	}
	if ((rc = store_head_get(txn, st, e->h.author, &h)) != 0 &&
	    rc != I40_E_NOT_FOUND)
		return rc;
	if (e->h.seq <= h.seq) {
		/* The same event, whatever its signature, is a duplicate. */
		if ((rc = exists(txn, st->dbi[DB_ID], e->id, 32, &yes)) != 0)
			return rc;
		if (!yes) {
			uint8_t fk[K_LOG + 32];

			store_logkey(fk, e->h.author, e->h.seq);
			memcpy(fk + K_LOG, e->id, 32);
			if ((rc = exists(txn, st->dbi[DB_FORK], fk, sizeof(fk),
			    &yes)) != 0)
				return rc;
		}
		if (yes) {
			SET(o, STORE_DUPLICATE, 0);
			st->stats.duplicates++;
			return 0;
		}
		if ((rc = store_key_at(txn, st, e->h.author, e->h.seq,
		    key)) != 0)
			return rc;
		if (memcmp(key, it->key, 32) != 0) {
			SET(o, STORE_INVALID, I40_E_WRONG_KEY);
			return 0;
		}
		SET(o, STORE_FORK, I40_E_FORK);
		return keep_fork(txn, st, e, bytes, len, e->h.seq, rebuild);
	}
	if (h.frozen != 0) {
		SET(o, STORE_INVALID, I40_E_FROZEN);
		return 0;
	}
	if (e->h.seq > h.seq + 1) {
		SET(o, STORE_GAP, I40_E_GAP);
		*gap = 1;
		return 0;
	}
	if ((rc = store_key_at(txn, st, e->h.author, e->h.seq, key)) != 0)
		return rc;
	if (memcmp(key, it->key, 32) != 0) {
		SET(o, STORE_INVALID, I40_E_WRONG_KEY);
		*gap = 1;
		return 0;
	}
	if (h.seq > 0 && memcmp(e->h.prev, h.id, 32) != 0) {
		/* Its author signed another event at h.seq than ours. */
		SET(o, STORE_FORK, I40_E_CHAIN);
		*gap = 1;
		return keep_fork(txn, st, e, bytes, len, h.seq, rebuild);
	}
	if ((rc = body_decode(e->h.type, e->body.p, e->body.len, &ctx, b,
	    NULL)) != 0) {
		/* ev_decode checked it; a caller that skipped it gets this. */
		SET(o, STORE_INVALID, rc);
		*gap = 1;
		return 0;
	}
	/*
	 * Events go to the end of an append-only table, numbered in order of
	 * arrival: pages fill completely and are written once, whatever the
	 * interleaving of authors; `log` maps author||seq to that number.
	 */
	store_logkey(k, e->h.author, e->h.seq);
	store_put64(num, (*next)++);
	mk.mv_size = 8;
	mk.mv_data = num;
	mv.mv_size = len;
	mv.mv_data = (void *)bytes;
	if ((rc = store_err(mdb_put(txn, st->dbi[DB_EV], &mk, &mv,
	    MDB_APPEND))) != 0 ||
	    (rc = put(txn, st->dbi[DB_LOG], k, K_LOG, num, 8)) != 0 ||
	    (rc = put(txn, st->dbi[DB_ID], e->id, 32, k, K_LOG)) != 0)
		return rc;
	h.seq = e->h.seq;
	memcpy(h.id, e->id, 32);
	if ((rc = store_head_put(txn, st, e->h.author, &h)) != 0 ||
	    (rc = index_event(txn, st, e, b)) != 0)
		return rc;
	if (*rebuild)
		return 0;	/* everything is derived again at the end */
	if ((rc = derive_event(txn, st, e, b, &mchanged)) != 0)
		return rc;
	if (mchanged)
		*rebuild = 1;
	return 0;
}

static int
apply_batch(MDB_txn *txn, struct store *st, const struct store_item *items,
    size_t n, struct store_outcome *out, struct body *b, int *rebuild)
{
	uint8_t (*gaps)[32] = NULL;
	size_t i, ngaps = 0;
	uint64_t next = 1;
	MDB_cursor *c;
	MDB_val k, v;
	int gap, rc = 0;

	/* The next arrival number: one past the last stored. */
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_EV], &c)) != 0)
		return store_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == 8)
		next = store_be64(k.mv_data) + 1;
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	rc = 0;
	if (n > 0 && (gaps = malloc(n * 32)) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < n; i++) {
		if (gapped((const uint8_t (*)[32])gaps, ngaps,
		    items[i].ev.h.author)) {
			SET(&out[i], STORE_GAP, I40_E_GAP);
			continue;
		}
		gap = 0;
		if ((rc = apply_one(txn, st, &items[i], &out[i], b, rebuild,
		    &gap, &next)) != 0)
			break;
		/* Later events of this author cannot link up: reject them. */
		if (gap)
			memcpy(gaps[ngaps++], items[i].ev.h.author, 32);
	}
	free(gaps);
	return rc;
}

int
store_append(struct store *st, const struct store_item *items, size_t n,
    struct store_outcome *out)
{
	struct body *b;
	MDB_txn *txn;
	uint64_t before = st->stats.duplicates, forks = st->stats.forks;
	int rebuild, rc;

	if (st->readonly)
		return I40_E_READONLY;
	if (st->failed)
		return I40_E_FAILED;
	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	for (;;) {
		rebuild = 0;
		st->stats.duplicates = before;
		st->stats.forks = forks;
		if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
			rc = store_err(rc);
			break;
		}
		rc = apply_batch(txn, st, items, n, out, b, &rebuild);
		if (rc == 0 && rebuild)
			rc = derive_rebuild(txn, st);
		if (rc == I40_E_MAP_FULL) {
			/* Grow only with no transaction open, then redo it all. */
			mdb_txn_abort(txn);
			if ((rc = store_grow(st)) != 0)
				break;
			continue;
		}
		if (rc != 0) {
			mdb_txn_abort(txn);
			break;
		}
		if ((rc = mdb_txn_commit(txn)) != 0)
			rc = store_commit_err(st, rc);
		/* LMDB aborted the transaction and wrote nothing: grow, redo. */
		if (rc == I40_E_MAP_FULL && (rc = store_grow(st)) == 0)
			continue;
		break;
	}
	free(b);
	return rc;
}

int
store_init_genesis(struct store *st, const uint8_t *buf, size_t len,
    struct codec_err *err)
{
	struct store_item it;
	struct store_outcome o;
	struct body *b;
	MDB_txn *txn;
	MDB_val k = { 7, "genesis" }, v;
	uint32_t i;
	int rc;

	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	if ((rc = ev_decode(buf, len, st->fed_id, &it.ev, b, err)) != 0)
		goto out;
	memcpy(it.key, it.ev.h.author, 32);
	if ((rc = store_err(mdb_txn_begin(st->env, NULL, 0, &txn))) != 0)
		goto out;
	/* Founding members and observers may author from the start. */
	for (i = 0; rc == 0 && i < b->u.charter.nmembers; i++)
		rc = put(txn, st->dbi[DB_KNOWN], b->u.charter.members[i].key,
		    32, "charter", 7);
	v.mv_size = K_LOG;
	v.mv_data = NULL;
	if (rc == 0) {
		uint8_t gk[K_LOG];

		store_logkey(gk, it.ev.h.author, 1);
		v.mv_data = gk;
		rc = store_err(mdb_put(txn, st->dbi[DB_META], &k, &v, 0));
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		goto out;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		rc = store_commit_err(st, rc);
		goto out;
	}
	if ((rc = store_append(st, &it, 1, &o)) == 0 &&
	    o.result != STORE_STORED)
		rc = o.code != 0 ? o.code : I40_E_VALUE;
out:
	free(b);
	return rc;
}
