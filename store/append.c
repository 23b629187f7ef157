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

#include "protocol/schema.h"

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

/* Index what later acceptance and derivation need from this event. */
static int
index_event(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct body *b)
{
	uint8_t k[K_LOG], t = (uint8_t)e->h.type;
	int known, rc;

	store_logkey(k, e->h.author, e->h.seq);
	switch (e->h.type) {
	case BODY_KEY_ROTATE: {
		uint8_t r[64];

		memcpy(r, b->u.rotate.next, 32);
		memcpy(r + 32, b->u.rotate.transport, 32);
		return put(txn, st->dbi[DB_ROT], k, K_LOG, r, 64);
	}
	case BODY_MEMBER_PROPOSE:
		/*
		 * Named by a proposal as a member: its events may be stored
		 * from now on.  An observer authors nothing that counts, so
		 * nothing of it is stored or relayed.
		 */
		if (!schema_bytes_eq(b->u.member.role, "member"))
			return put(txn, st->dbi[DB_MEV], k, K_LOG, &t, 1);
		if ((rc = exists(txn, st->dbi[DB_KNOWN], b->u.member.key, 32,
		    &known)) != 0)
			return rc;
		if (!known && (rc = put(txn, st->dbi[DB_KNOWN],
		    b->u.member.key, 32, e->id, 32)) != 0)
			return rc;
		return put(txn, st->dbi[DB_MEV], k, K_LOG, &t, 1);
	case BODY_MEMBER_ENDORSE:
	case BODY_MEMBER_REMOVE:
	case BODY_CHECKPOINT:
		return put(txn, st->dbi[DB_MEV], k, K_LOG, &t, 1);
	default:
		return 0;
	}
}

/*
 * Is e the event stored at its author||seq (below or at the head)?  The
 * encoding is canonical, so the same id means the same bytes of the
 * unsigned event; comparing them spares an id index lookup.
 */
static int
same_event(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct store_headrec *h, int *yes)
{
	uint8_t k[K_LOG];
	MDB_val v;
	int rc;

	if (e->h.seq == h->seq) {
		*yes = memcmp(e->id, h->id, 32) == 0;
		return 0;
	}
	store_logkey(k, e->h.author, e->h.seq);
	if ((rc = store_ev_get(txn, st, k, &v)) != 0)
		return rc == I40_E_NOT_FOUND ? I40_E_CORRUPT : rc;
	*yes = v.mv_size == e->event.len + 3 + KEY_SIG_BYTES &&
	    memcmp((const uint8_t *)v.mv_data + 1, e->event.p,
	    e->event.len) == 0;
	return 0;
}

/*
 * What one attempt at a batch has learnt of each author, so that the usual
 * event (the next in its chain, of a known member, no rotation) costs a few
 * LMDB operations instead of a dozen: known-ness only ever turns true, the
 * head is ours to change, the key in force changes only with a key_rotate
 * of the same author, and the membership only with an event that makes the
 * whole batch be derived again at its end.
 */
struct author {
	uint8_t key[32];	/* the author */
	int known, gap;
	int head_ok;
	struct store_headrec h;
	int inforce_ok;		/* inforce is the key in force at h.seq + 1 */
	uint8_t inforce[32];
	int member_ok, member_found;
	uint8_t member[D_MEMBER_BYTES];
	int inst_ok;
	uint8_t inst[32];	/* its university key (derive_inst) */
	uint64_t seq0;		/* its head before the batch */
	int last_ok;		/* last and limit are those of h.frozen */
	uint64_t last, limit;	/* freeze point; highest seq still taken */
	int grew;		/* events stored in this batch */
};

/* What a batch leaves to be derived at its end (derive_batch). */
struct batch {
	int rebuild;		/* a fork was stored: derive everything */
	int mdirty;		/* the membership may have changed */
	struct keyset settle;	/* logs whose settled seq may have moved */
};

struct authors {
	struct author *a;
	size_t n, cap;
};

static int
author_of(struct authors *as, const uint8_t key[32], struct author **out)
{
	struct author *na;
	size_t i;

	for (i = 0; i < as->n; i++)
		if (memcmp(as->a[i].key, key, 32) == 0) {
			*out = &as->a[i];
			return 0;
		}
	if (as->n == as->cap) {
		as->cap = as->cap != 0 ? as->cap * 2 : 16;
		if ((na = realloc(as->a, as->cap * sizeof(*na))) == NULL)
			return I40_E_NOMEM;
		as->a = na;
	}
	*out = &as->a[as->n++];
	memset(*out, 0, sizeof(**out));
	memcpy((*out)->key, key, 32);
	return 0;
}

#define SET(o, r, c) do { (o)->result = (r); (o)->code = (c); } while (0)

/* An event at or below its author's head: a duplicate, or a fork. */
static int
apply_old(MDB_txn *txn, struct store *st, const struct store_item *it,
    struct author *au, struct store_outcome *o, struct batch *bt)
{
	const struct ev_signed *e = &it->ev;
	struct ev_signed old;
	uint8_t lk[K_LOG], key[32];
	MDB_val v;
	int yes, rc;

	/* The same event, whatever its signature, is a duplicate. */
	if ((rc = same_event(txn, st, e, &au->h, &yes)) != 0)
		return rc;
	if (yes) {
		SET(o, STORE_DUPLICATE, 0);
		st->stats.duplicates++;
		return 0;
	}
	if ((rc = store_key_at(txn, st, e->h.author, e->h.seq, key)) != 0)
		return rc;
	if (memcmp(key, it->key, 32) != 0) {
		SET(o, STORE_INVALID, I40_E_WRONG_KEY);
		return 0;
	}
	store_logkey(lk, e->h.author, e->h.seq);
	if ((rc = store_ev_get(txn, st, lk, &v)) != 0)
		return rc == I40_E_NOT_FOUND ? I40_E_CORRUPT : rc;
	if (ev_decode(v.mv_data, v.mv_size, st->fed_id, &old, NULL, NULL) != 0)
		return I40_E_CORRUPT;
	if ((rc = fork_offer(txn, st, &old, e, &yes)) != 0)
		return rc;
	/* Evidence that changes nothing is not news: it is not kept. */
	SET(o, yes ? STORE_FORK : STORE_DUPLICATE, I40_E_FORK);
	if (yes) {
		bt->rebuild = 1;
		au->head_ok = 0;
		au->last_ok = 0;
	}
	return 0;
}

/*
 * Derive what a stored event changes: the aggregates of membership and
 * checkpoints always, the content unless everything is derived anyway.
 */
static int
derive(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct body *b, uint64_t arrival, struct author *au,
    struct batch *bt, uint8_t compl[1 + INDEX_COMPL_BYTES])
{
	int rc;

	compl[0] = 0;
	au->grew = 1;
	switch (e->h.type) {
	case BODY_GENESIS:
		bt->mdirty = 1;
		return 0;
	case BODY_MEMBER_PROPOSE:
	case BODY_MEMBER_ENDORSE:
	case BODY_MEMBER_REMOVE:
		return member_event(txn, st, e, b, &bt->mdirty);
	case BODY_CHECKPOINT:
		return settle_checkpoint(txn, st, e, b, &bt->settle);
	default:
		if (bt->rebuild)
			return 0;
		if (!au->member_ok &&
		    (rc = derive_member(txn, st, e->h.author, au->member,
		    &au->member_found)) != 0)
			return rc;
		au->member_ok = 1;
		if (!derive_counts(au->member, au->member_found, e->h.seq) ||
		    e->h.seq > au->last)
			return 0;
		if (!au->inst_ok && (rc = derive_inst(txn, st, e->h.author,
		    au->inst)) != 0)
			return rc;
		au->inst_ok = 1;
		return derive_content(txn, st, e, b, arrival, au->inst, compl);
	}
}

/* The freeze point and the highest seq taken of a frozen author. */
static int
author_limits(MDB_txn *txn, struct store *st, struct author *au)
{
	int rc;

	if (au->last_ok)
		return 0;
	if ((rc = fork_last(txn, st, au->key, &au->h, &au->last)) != 0 ||
	    (rc = fork_limit(txn, st, au->key, &au->h, &au->limit)) != 0)
		return rc;
	au->last_ok = 1;
	return 0;
}

/* One event; a store error aborts the whole batch, an outcome does not. */
static int
apply_one(MDB_txn *txn, struct store *st, const struct store_item *it,
    struct author *au, struct store_outcome *o, struct body *b,
    struct batch *bt, uint64_t *next)
{
	const struct ev_signed *e = &it->ev;
	const uint8_t *bytes = e->event.p - 1;	/* [event, sig] starts here */
	size_t len = e->event.len + 3 + KEY_SIG_BYTES;
	struct body_ctx ctx = { e->h.fed_id, e->h.author };
	uint8_t k[K_LOG], num[8], compl[1 + INDEX_COMPL_BYTES];
	MDB_val mk, mv;
	int rc;

	SET(o, STORE_STORED, 0);
	if (memcmp(e->h.fed_id, st->fed_id, EV_FED_ID_BYTES) != 0) {
		SET(o, STORE_INVALID, I40_E_FED_ID);
		return 0;
	}
	if (!au->known && (rc = exists(txn, st->dbi[DB_KNOWN], e->h.author,
	    32, &au->known)) != 0)
		return rc;
	if (!au->known) {
		uint8_t rec[D_MEMBER_BYTES];
		int found;

		/* Say why, for the log: an observer, or nobody. */
		if ((rc = derive_member(txn, st, e->h.author, rec,
		    &found)) != 0)
			return rc;
		SET(o, STORE_INVALID, found && rec[0] == 'o' ?
		    I40_E_OBSERVER : I40_E_UNKNOWN_AUTHOR);
		return 0;
	}
	if (!au->head_ok) {
		if ((rc = store_head_get(txn, st, e->h.author, &au->h)) != 0 &&
		    rc != I40_E_NOT_FOUND)
			return rc;
		au->head_ok = 1;
		au->seq0 = au->h.seq;
		au->inforce_ok = 0;
		au->last_ok = 0;
	}
	if ((rc = author_limits(txn, st, au)) != 0)
		return rc;
	if (e->h.seq <= au->h.seq)
		return apply_old(txn, st, it, au, o, bt);
	if (e->h.seq > au->h.seq + 1) {
		SET(o, STORE_GAP, I40_E_GAP);
		au->gap = 1;
		return 0;
	}
	/* Past the freeze point, and past what may yet settle: refused. */
	if (e->h.seq > au->limit) {
		SET(o, STORE_INVALID, I40_E_FROZEN);
		au->gap = 1;
		return 0;
	}
	if (!au->inforce_ok) {
		if ((rc = store_key_at(txn, st, e->h.author, e->h.seq,
		    au->inforce)) != 0)
			return rc;
		au->inforce_ok = 1;
	}
	if (memcmp(au->inforce, it->key, 32) != 0) {
		SET(o, STORE_INVALID, I40_E_WRONG_KEY);
		au->gap = 1;
		return 0;
	}
	/*
	 * Its author signed an event at h.seq other than ours, or a prev
	 * that names nothing: not evidence by itself (only two events at one
	 * seq are), but a reason for sync to look below (docs/sync.md).
	 */
	if (au->h.seq > 0 && memcmp(e->h.prev, au->h.id, 32) != 0) {
		SET(o, STORE_INVALID, I40_E_CHAIN);
		au->gap = 1;
		return 0;
	}
	if ((rc = body_decode(e->h.type, e->body.p, e->body.len, &ctx, b,
	    NULL)) != 0) {
		/* ev_decode checked it; a caller that skipped it gets this. */
		SET(o, STORE_INVALID, rc);
		au->gap = 1;
		return 0;
	}
	/*
	 * Events go to the end of an append-only table, numbered in order of
	 * arrival: pages fill completely and are written once, whatever the
	 * interleaving of authors; `log` maps author||seq to that number.
	 */
	store_logkey(k, e->h.author, e->h.seq);
	store_put64(num, *next);
	mk.mv_size = 8;
	mk.mv_data = num;
	mv.mv_size = len;
	mv.mv_data = (void *)bytes;
	if ((rc = store_err(mdb_put(txn, st->dbi[DB_EV], &mk, &mv,
	    MDB_APPEND))) != 0 ||
	    (rc = put(txn, st->dbi[DB_LOG], k, K_LOG, num, 8)) != 0)
		return rc;
	au->h.seq = e->h.seq;
	memcpy(au->h.id, e->id, 32);
	if ((rc = store_head_put(txn, st, e->h.author, &au->h)) != 0 ||
	    (rc = index_event(txn, st, e, b)) != 0)
		return rc;
	if (e->h.type == BODY_KEY_ROTATE)
		au->inforce_ok = 0;
	if ((rc = derive(txn, st, e, b, *next, au, bt, compl)) != 0)
		return rc;
	return index_add(txn, st, (*next)++, e->id, compl[0] ? compl + 1 :
	    NULL);
}

/*
 * A removed member's log grew below its upto: it may now be complete, and
 * a successor's succession hold (§12.7).  Rare (a recovery, a new node
 * catching up), so the membership is derived again rather than tracked.
 */
static int
pred_grew(MDB_txn *txn, struct store *st, struct author *au, int *dirty)
{
	uint8_t rec[D_MEMBER_BYTES];
	int rc, found;

	if (au->member_ok) {
		memcpy(rec, au->member, D_MEMBER_BYTES);
		found = au->member_found;
	} else if ((rc = derive_member(txn, st, au->key, rec, &found)) != 0) {
		return rc;
	}
	if (found && rec[0] == 'm' && !rec[1] && au->seq0 < store_be64(rec + 2))
		*dirty = 1;
	return 0;
}

/*
 * What the batch changed, derived at its end: checkpoints that waited for
 * the logs that grew, then the settled seqs and freeze points they move,
 * the membership if it may have changed, and everything if a fork was
 * stored or the membership or a freeze point did change.
 */
static int
derive_batch(MDB_txn *txn, struct store *st, struct authors *as,
    struct batch *bt)
{
	size_t i;
	int rc, d, mch = 0, lch = 0;

	for (i = 0; as != NULL && i < as->n; i++) {
		if (!as->a[i].grew)
			continue;
		if (!bt->mdirty && (rc = pred_grew(txn, st, &as->a[i],
		    &bt->mdirty)) != 0)
			return rc;
		d = 0;
		if ((rc = settle_grown(txn, st, as->a[i].key, as->a[i].h.seq,
		    &d)) != 0)
			return rc;
		if (d && (rc = keyset_add(&bt->settle, as->a[i].key)) != 0)
			return rc;
	}
	/* A fork changes which of its author's checkpoints count: all. */
	if (bt->rebuild)
		return derive_rebuild(txn, st, 1);
	if (bt->mdirty) {
		if ((rc = derive_strata(txn, st, &mch, &lch)) != 0)
			return rc;
	} else {
		for (i = 0; i < bt->settle.n; i++) {
			d = 0;
			if ((rc = settle_update(txn, st, bt->settle.k[i],
			    &d)) != 0 ||
			    (rc = settle_freeze(txn, st, bt->settle.k[i],
			    &lch)) != 0)
				return rc;
		}
	}
	return mch || lch ? derive_rebuild(txn, st, 0) : 0;
}

int
append_batch(MDB_txn *txn, struct store *st, const struct store_item *items,
    size_t n, struct store_outcome *out, struct body *b)
{
	struct authors as = { NULL, 0, 0 };
	struct batch bt;
	struct author *au;
	size_t i;
	uint64_t next = 1;
	MDB_cursor *c;
	MDB_val k, v;
	int rc = 0;

	memset(&bt, 0, sizeof(bt));
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
	for (i = 0; i < n; i++) {
		if ((rc = author_of(&as, items[i].ev.h.author, &au)) != 0)
			break;
		/* Later events of an author that gapped cannot link up. */
		if (au->gap) {
			SET(&out[i], STORE_GAP, I40_E_GAP);
			continue;
		}
		if ((rc = apply_one(txn, st, &items[i], au, &out[i], b, &bt,
		    &next)) != 0)
			break;
	}
	if (rc == 0)
		rc = derive_batch(txn, st, &as, &bt);
	keyset_free(&bt.settle);
	free(as.a);
	return rc;
}

int
store_write(struct store *st, store_txn_fn fn, void *arg)
{
	uint64_t before = st->stats.duplicates, forks = st->stats.forks;
	MDB_txn *txn;
	int rc;

	if (st->readonly)
		return I40_E_READONLY;
	if (st->failed)
		return I40_E_FAILED;
	for (;;) {
		st->stats.duplicates = before;
		st->stats.forks = forks;
		if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
			return store_err(rc);
		rc = fn(txn, st, arg);
		if (rc == I40_E_MAP_FULL) {
			/* Grow only with no transaction open, then redo it all. */
			mdb_txn_abort(txn);
			modver_end(st, 0);
			if ((rc = store_grow(st)) != 0)
				return rc;
			continue;
		}
		if (rc != 0) {
			mdb_txn_abort(txn);
			modver_end(st, 0);
			return rc;
		}
		if ((rc = mdb_txn_commit(txn)) != 0)
			rc = store_commit_err(st, rc);
		modver_end(st, rc == 0);
		/* LMDB aborted the transaction and wrote nothing: grow, redo. */
		if (rc == I40_E_MAP_FULL && (rc = store_grow(st)) == 0)
			continue;
		return rc;
	}
}

struct append_args {
	const struct store_item *items;
	size_t n;
	struct store_outcome *out;
	struct body *b;
};

static int
append_txn(MDB_txn *txn, struct store *st, void *arg)
{
	struct append_args *a = arg;

	return append_batch(txn, st, a->items, a->n, a->out, a->b);
}

int
store_append(struct store *st, const struct store_item *items, size_t n,
    struct store_outcome *out)
{
	struct append_args a = { items, n, out, NULL };
	int rc;

	if ((a.b = malloc(sizeof(*a.b))) == NULL)
		return I40_E_NOMEM;
	rc = store_write(st, append_txn, &a);
	free(a.b);
	/*
	 * The batch is durable whatever the merge does: a merge that fails
	 * is tried again after the next batch, or, if the disk failed, has
	 * marked the store failed for the next call to report.
	 */
	if (rc == 0)
		(void)index_maybe_merge(st);
	return rc;
}

/* The checks a FORK's pair passes before it can be evidence. */
struct evidence_args {
	const struct store_item *pair;
	struct store_outcome *out;
};

static int
evidence_txn(MDB_txn *txn, struct store *st, void *arg)
{
	struct evidence_args *a = arg;
	const struct ev_signed *x = &a->pair[0].ev, *y = &a->pair[1].ev;
	struct store_headrec h;
	struct ev_signed old;
	struct batch bt;
	uint8_t key[32], lk[K_LOG];
	MDB_val v;
	int rc, known, stored, i;

	/* One event twice is no evidence either: no honest node sends it. */
	SET(a->out, STORE_INVALID, I40_E_NOT_FORK);
	if (memcmp(x->h.author, y->h.author, 32) != 0 ||
	    x->h.seq != y->h.seq || memcmp(x->id, y->id, 32) == 0)
		return 0;
	if (memcmp(x->h.fed_id, st->fed_id, 32) != 0 ||
	    memcmp(y->h.fed_id, st->fed_id, 32) != 0) {
		SET(a->out, STORE_INVALID, I40_E_FED_ID);
		return 0;
	}
	if ((rc = exists(txn, st->dbi[DB_KNOWN], x->h.author, 32,
	    &known)) != 0)
		return rc;
	if (!known) {
		SET(a->out, STORE_INVALID, I40_E_UNKNOWN_AUTHOR);
		return 0;
	}
	if ((rc = store_key_at(txn, st, x->h.author, x->h.seq, key)) != 0)
		return rc;
	for (i = 0; i < 2; i++)
		if (memcmp(a->pair[i].key, key, 32) != 0) {
			SET(a->out, STORE_INVALID, I40_E_WRONG_KEY);
			return 0;
		}
	rc = store_head_get(txn, st, x->h.author, &h);
	if (rc != 0 && rc != I40_E_NOT_FOUND)
		return rc;
	/*
	 * Keep our own event at that seq as one side where we have it, so
	 * that the evidence always names the branch this node holds.
	 */
	if (rc == 0 && x->h.seq <= h.seq) {
		store_logkey(lk, x->h.author, x->h.seq);
		if ((rc = store_ev_get(txn, st, lk, &v)) != 0)
			return rc == I40_E_NOT_FOUND ? I40_E_CORRUPT : rc;
		if (ev_decode(v.mv_data, v.mv_size, st->fed_id, &old, NULL,
		    NULL) != 0)
			return I40_E_CORRUPT;
		if (memcmp(old.id, x->id, 32) == 0)
			x = &old, y = &a->pair[1].ev;
		else if (memcmp(old.id, y->id, 32) == 0)
			x = &old, y = &a->pair[0].ev;
		else
			x = &old;
	}
	if ((rc = fork_offer(txn, st, x, y, &stored)) != 0)
		return rc;
	SET(a->out, stored ? STORE_FORK : STORE_DUPLICATE, I40_E_FORK);
	if (!stored)
		return 0;
	memset(&bt, 0, sizeof(bt));
	bt.rebuild = 1;
	return derive_batch(txn, st, NULL, &bt);
}

int
store_evidence(struct store *st, const struct store_item pair[2],
    struct store_outcome *out)
{
	struct evidence_args a = { pair, out };

	return store_write(st, evidence_txn, &a);
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
	/* Founding members may author from the start; observers never. */
	for (i = 0; rc == 0 && i < b->u.charter.nmembers; i++)
		if (schema_bytes_eq(b->u.charter.members[i].role, "member"))
			rc = put(txn, st->dbi[DB_KNOWN],
			    b->u.charter.members[i].key, 32, "charter", 7);
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
