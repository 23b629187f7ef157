/*
 * derive.c: the state derived from the stored events (roots.c hashes it).
 *
 * The derived state is a pure function of the set of stored events:
 *  - Membership, the settled seq of each log and the freeze point of each
 *    frozen one are computed in strata (derive_strata; member.c,
 *    settle.c): a stratum uses only those before it.  When the membership
 *    or a freeze point changes, everything else is derived again.
 *  - The catalog and the ledger follow each author's own log in seq order,
 *    counting only events of a member (up to its removal's `upto`) up to
 *    its freeze point.
 * docs/store.md and docs/protocol.md §11 spell the rules out.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "protocol/schema.h"

/* Read and decode the event at author||seq into e and b (buf owns bytes). */
int
derive_load(MDB_txn *txn, struct store *st, const uint8_t *logkey,
    struct ev_signed *e, struct body *b)
{
	MDB_val v;
	int rc;

	if ((rc = store_ev_get(txn, st, logkey, &v)) != 0)
		return rc;
	/* Stored events were checked on the way in; a failure is damage. */
	rc = ev_decode(v.mv_data, v.mv_size, st->fed_id, e, b, NULL);
	return rc == 0 ? 0 : I40_E_CORRUPT;
}

static void
mem_value(const struct mem *m, uint8_t v[D_MEMBER_BYTES])
{
	v[0] = m->role;
	v[1] = m->active;
	store_put64(v + 2, m->upto);
	memcpy(v + 10, m->by, 32);
	memcpy(v + 42, m->rm, 32);
	v[DM_SUCC] = m->succ;
	memcpy(v + DM_PRED, m->pred, 32);
}

/* Does d_member hold exactly ms? */
static int
same_members(MDB_txn *txn, struct store *st, struct mset *ms, int *same)
{
	MDB_stat s;
	size_t i;
	uint8_t want[D_MEMBER_BYTES];
	MDB_val k, v;
	int rc;

	*same = 0;
	if ((rc = mdb_stat(txn, st->dbi[DB_D_MEMBER], &s)) != 0)
		return store_err(rc);
	if (s.ms_entries != ms->n)
		return 0;
	for (i = 0; i < ms->n; i++) {
		k.mv_size = 32;
		k.mv_data = ms->m[i].key;
		if ((rc = mdb_get(txn, st->dbi[DB_D_MEMBER], &k, &v)) != 0)
			return rc == MDB_NOTFOUND ? 0 : store_err(rc);
		mem_value(&ms->m[i], want);
		if (v.mv_size != D_MEMBER_BYTES ||
		    memcmp(v.mv_data, want, D_MEMBER_BYTES) != 0)
			return 0;
	}
	*same = 1;
	return 0;
}

static int
dput(MDB_txn *txn, struct store *st, enum store_db db, const void *k,
    size_t klen, const void *v, size_t vlen)
{
	MDB_val mk = { klen, (void *)k }, mv = { vlen, (void *)v };

	return store_err(mdb_put(txn, st->dbi[db], &mk, &mv, 0));
}

static int
dget(MDB_txn *txn, struct store *st, enum store_db db, const void *k,
    size_t klen, MDB_val *v)
{
	MDB_val mk = { klen, (void *)k };

	return store_err(mdb_get(txn, st->dbi[db], &mk, v));
}

#define DERIVE_MAX_CHAIN 65536

int
derive_inst(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint8_t inst[32])
{
	uint8_t rec[D_MEMBER_BYTES];
	size_t depth;
	int rc, found;

	memcpy(inst, author, 32);
	/*
	 * Each predecessor was admitted before its successor, so the chain
	 * ends; a longer one than any membership could make is damage.
	 */
	for (depth = 0; depth < DERIVE_MAX_CHAIN; depth++) {
		if ((rc = derive_member(txn, st, inst, rec, &found)) != 0)
			return rc;
		if (!found || rec[DM_SUCC] != SUCC_HOLDS)
			return 0;
		if (memcmp(rec + DM_PRED, inst, 32) == 0)
			return I40_E_CORRUPT;
		memcpy(inst, rec + DM_PRED, 32);
	}
	return I40_E_CORRUPT;
}

/*
 * Apply one counting event of a catalog or ledger type; inst is its
 * author's university key (derive_inst).
 */
int
derive_content(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct body *b, uint64_t arrival, const uint8_t inst[32],
    uint8_t compl[1 + INDEX_COMPL_BYTES])
{
	uint8_t mk[32 + 32], rec[COMPL_BYTES];
	uint8_t lk[K_LOG];
	uint64_t target;
	struct ev_signed ce;
	size_t mklen;
	MDB_val v;
	int rc, pass;

	switch (e->h.type) {
	case BODY_MODULE_PUBLISH:
	case BODY_MODULE_UPDATE:
	case BODY_MODULE_RETIRE: {
		const struct codec_bytes *code = e->h.type == BODY_MODULE_RETIRE ?
		    &b->u.retire.code : &b->u.module.code;
		uint8_t val[33];

		/*
		 * A module is (university key, code): only its owner, and
		 * the keys that succeed it, can write it.
		 */
		memcpy(mk, inst, 32);
		memcpy(mk + 32, code->p, code->len);
		mklen = 32 + code->len;
		rc = dget(txn, st, DB_D_MODULE, mk, mklen, &v);
		if (rc != 0 && rc != I40_E_NOT_FOUND)
			return rc;
		if (e->h.type == BODY_MODULE_PUBLISH ? rc == 0 :
		    rc != 0 || ((uint8_t *)v.mv_data)[32] != 0)
			return 0;	/* publish twice, or change a missing one */
		if (e->h.type == BODY_MODULE_RETIRE) {
			memcpy(val, v.mv_data, 32);
			val[32] = 1;
			return dput(txn, st, DB_D_MODULE, mk, mklen, val, 33);
		}
		memcpy(val, e->id, 32);
		val[32] = 0;
		if ((rc = dput(txn, st, DB_D_MODULE, mk, mklen, val, 33)) != 0)
			return rc;
		/* Appended in arrival order except when all is rebuilt. */
		return modver_put(txn, st, arrival, e->id, inst,
		    code->p, code->len, compl != NULL);
	}
	case BODY_COMPLETION_RECORD:
		/* Awarded against a version of one of its university's modules. */
		if ((rc = modver_find(txn, st, b->u.completion.module, mk,
		    &mklen, &pass)) != 0)
			return rc;
		if (!pass || memcmp(mk, inst, 32) != 0)
			return 0;
		/*
		 * ...that was not retired before it.  Only the university's
		 * keys write the module, its logs are applied in seq order,
		 * and a successor's only after its predecessor's counting
		 * events (§12.7), so d_module says "retired" here exactly when
		 * the retirement comes before this completion, in any order
		 * of arrival.
		 */
		if ((rc = dget(txn, st, DB_D_MODULE, mk, mklen, &v)) != 0)
			return rc == I40_E_NOT_FOUND ? I40_E_CORRUPT : rc;
		if (v.mv_size != 33 || ((uint8_t *)v.mv_data)[32] != 0)
			return v.mv_size != 33 ? I40_E_CORRUPT : 0;
		if (!body_grade_valid(b->u.completion.scale,
		    b->u.completion.grade, &pass))
			return 0;
		/*
		 * Keyed by arrival number, so that a batch appends full pages
		 * at one end of the table; the state root still takes the
		 * entries by author||seq (walk_derived).
		 */
		store_put64(lk, arrival);
		memcpy(rec, b->u.completion.learner, 16);
		memcpy(rec + 16, b->u.completion.module, 32);
		rec[48] = (uint8_t)pass;
		rec[49] = 0;
		{
			MDB_val ck = { 8, lk }, cv = { COMPL_BYTES, rec };

			/* In arrival order except when everything is rebuilt. */
			if ((rc = store_err(mdb_put(txn, st->dbi[DB_D_COMPL],
			    &ck, &cv, compl != NULL ? MDB_APPEND : 0))) != 0)
				return rc;
		}
		/* By learner and by module: the caller's index_add(). */
		if (compl != NULL) {
			compl[0] = 1;
			memcpy(compl + 1, rec, INDEX_COMPL_BYTES);
		}
		return 0;
	case BODY_COMPLETION_REVOKE:
		/* The revoked event, by id; one of the author's own completions. */
		rc = index_find_id(txn, st, b->u.revoke.completion, &target);
		if (rc == I40_E_NOT_FOUND)
			return 0;
		if (rc != 0)
			return rc;
		store_put64(mk, target);
		if ((rc = dget(txn, st, DB_EV, mk, 8, &v)) != 0)
			return rc == I40_E_NOT_FOUND ? I40_E_CORRUPT : rc;
		if (ev_decode(v.mv_data, v.mv_size, st->fed_id, &ce, NULL,
		    NULL) != 0)
			return I40_E_CORRUPT;
		/* A completion of its university's, by this key or an older. */
		if (memcmp(ce.h.author, e->h.author, 32) != 0) {
			uint8_t ci[32];

			if ((rc = derive_inst(txn, st, ce.h.author, ci)) != 0)
				return rc;
			if (memcmp(ci, inst, 32) != 0)
				return 0;
		}
		rc = dget(txn, st, DB_D_COMPL, mk, 8, &v);
		if (rc == I40_E_NOT_FOUND)
			return 0;
		if (rc != 0)
			return rc;
		if (v.mv_size != COMPL_BYTES || ((uint8_t *)v.mv_data)[49] != 0)
			return 0;	/* revoked already */
		memcpy(rec, v.mv_data, COMPL_BYTES);
		rec[49] = 1;
		if ((rc = dput(txn, st, DB_D_COMPL, mk, 8, rec,
		    COMPL_BYTES)) != 0)
			return rc;
		store_logkey(lk, ce.h.author, ce.h.seq);
		return dput(txn, st, DB_D_REVOKE, lk, K_LOG, e->id, 32);
	default:
		return 0;
	}
}

int
derive_member(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint8_t rec[D_MEMBER_BYTES], int *found)
{
	MDB_val v;
	int rc;

	*found = 0;
	rc = dget(txn, st, DB_D_MEMBER, author, 32, &v);
	if (rc == I40_E_NOT_FOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != D_MEMBER_BYTES)
		return I40_E_CORRUPT;
	memcpy(rec, v.mv_data, D_MEMBER_BYTES);
	*found = 1;
	return 0;
}

int
derive_counts(const uint8_t rec[D_MEMBER_BYTES], int found, uint64_t seq)
{
	return found && rec[0] == 'm' && (rec[1] || seq <= store_be64(rec + 2));
}

int
derive_strata(MDB_txn *txn, struct store *st, int *mchanged, int *lchanged)
{
	struct mset m0, m;
	uint8_t val[D_MEMBER_BYTES];
	size_t i;
	int rc, again, same, vchanged = 0;

	*mchanged = *lchanged = 0;
	for (;;) {
		/* Who votes: the members, counting frozen logs to the fork. */
		if ((rc = member_run(txn, st, MEMBER_AT_FORK, &m0)) != 0)
			return rc;
		if ((rc = settle_voters(txn, st, &m0, &vchanged)) != 0 ||
		    (rc = settle_all(txn, st, lchanged)) != 0) {
			mset_free(&m0);
			return rc;
		}
		/* The state: frozen logs count to their freeze points. */
		if ((rc = member_run(txn, st, MEMBER_AT_FREEZE, &m)) != 0) {
			mset_free(&m0);
			return rc;
		}
		rc = member_filter(txn, st, &m0, &m, &again);
		mset_free(&m0);
		if (rc != 0 || !again)
			break;
		mset_free(&m);
	}
	if (rc == 0 && (rc = member_succession(txn, st, &m)) == 0)
		rc = same_members(txn, st, &m, &same);
	if (rc == 0 && !same) {
		*mchanged = 1;
		if ((rc = store_err(mdb_drop(txn, st->dbi[DB_D_MEMBER],
		    0))) == 0)
			for (i = 0; i < m.n && rc == 0; i++) {
				mem_value(&m.m[i], val);
				rc = dput(txn, st, DB_D_MEMBER, m.m[i].key, 32,
				    val, D_MEMBER_BYTES);
			}
	}
	mset_free(&m);
	return rc;
}

/* The aggregates of member.c and settle.c again, from DB_MEV. */
static int
reindex(MDB_txn *txn, struct store *st, struct body *b)
{
	static const enum store_db aux[] = { DB_PROP, DB_VOTE, DB_CAND,
	    DB_EVER };
	struct ev_signed e;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t key[K_LOG];
	size_t i;
	int rc, dirty;

	for (i = 0; i < sizeof(aux) / sizeof(aux[0]); i++)
		if ((rc = store_err(mdb_drop(txn, st->dbi[aux[i]], 0))) != 0)
			return rc;
	if ((rc = member_meta_put(txn, st, "nmin", 0)) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_MEV], &c)) != 0)
		return store_err(rc);
	/* In log order: an endorser's first endorsement comes first. */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != K_LOG || v.mv_size != 1) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (*(uint8_t *)v.mv_data == BODY_CHECKPOINT)
			continue;
		memcpy(key, k.mv_data, K_LOG);
		if ((rc = derive_load(txn, st, key, &e, b)) != 0 ||
		    (rc = member_event(txn, st, &e, b, &dirty)) != 0)
			break;
		k.mv_size = K_LOG;
		k.mv_data = key;
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_err(rc);
	return settle_reindex(txn, st, b);
}

/* The last seq of author's log whose content counts, 0 for none. */
static int
content_last(MDB_txn *txn, struct store *st, const uint8_t author[32],
    const struct store_headrec *h, uint64_t *last)
{
	uint8_t rec[D_MEMBER_BYTES];
	uint64_t l;
	int rc, found;

	*last = 0;
	if ((rc = derive_member(txn, st, author, rec, &found)) != 0)
		return rc;
	if (!found || rec[0] != 'm')
		return 0;
	*last = rec[1] ? h->seq : store_be64(rec + 2);
	if ((rc = fork_last(txn, st, author, h, &l)) != 0)
		return rc;
	if (l < *last)
		*last = l;
	if (h->seq < *last)
		*last = h->seq;
	return 0;
}

/* One author's counting content, in seq order. */
static int
rebuild_author(MDB_txn *txn, struct store *st, const uint8_t author[32],
    struct body *b)
{
	struct store_headrec h;
	struct ev_signed e;
	uint8_t lk[K_LOG], inst[32];
	uint64_t seq, last, arrival;
	int rc;

	if ((rc = store_head_get(txn, st, author, &h)) == I40_E_NOT_FOUND)
		return 0;
	if (rc != 0 || (rc = content_last(txn, st, author, &h, &last)) != 0 ||
	    (last > 0 && (rc = derive_inst(txn, st, author, inst)) != 0))
		return rc;
	for (seq = 1; seq <= last; seq++) {
		store_logkey(lk, author, seq);
		if ((rc = store_log_get(txn, st, lk, &arrival)) != 0 ||
		    (rc = derive_load(txn, st, lk, &e, b)) != 0 ||
		    (rc = derive_content(txn, st, &e, b, arrival, inst,
		    NULL)) != 0)
			return rc;
	}
	return 0;
}

/*
 * The content of every member's log, a university's keys in the order
 * they succeeded each other (§12.7), the universities in order of key.
 * Only members' events count, so d_member lists every log that matters.
 */
static int
rebuild_content(MDB_txn *txn, struct store *st, struct body *b)
{
	struct { uint8_t key[32], pred[32]; int holds; } *ms = NULL, *nm;
	size_t n = 0, cap = 0, i, j, cur;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_D_MEMBER],
	    &c))) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *r = v.mv_data;

		if (k.mv_size != 32 || v.mv_size != D_MEMBER_BYTES) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (r[0] != 'm')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			if ((nm = realloc(ms, cap * sizeof(*ms))) == NULL) {
				rc = I40_E_NOMEM;
				break;
			}
			ms = nm;
		}
		memcpy(ms[n].key, k.mv_data, 32);
		memcpy(ms[n].pred, r + DM_PRED, 32);
		ms[n].holds = r[DM_SUCC] == SUCC_HOLDS;
		n++;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc != I40_E_CORRUPT && rc != I40_E_NOMEM)
		rc = store_err(rc);
	/* From each chain's first key along its successors (few members). */
	for (i = 0; rc == 0 && i < n; i++) {
		if (ms[i].holds)
			continue;
		for (cur = i; rc == 0 && cur < n;) {
			if ((rc = rebuild_author(txn, st, ms[cur].key, b)) != 0)
				break;
			for (j = 0; j < n; j++)
				if (ms[j].holds && memcmp(ms[j].pred,
				    ms[cur].key, 32) == 0)
					break;
			cur = j;
		}
	}
	free(ms);
	return rc;
}

int
derive_rebuild(MDB_txn *txn, struct store *st, int full)
{
	struct body *b;
	int d, rc, mch, lch;

	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	if (full && (rc = reindex(txn, st, b)) != 0)
		goto out;
	for (d = DB_D_FIRST; d < DB_COUNT; d++)
		if ((rc = store_err(mdb_drop(txn, st->dbi[d], 0))) != 0)
			goto out;
	modver_reset(txn, st);
	if ((rc = derive_strata(txn, st, &mch, &lch)) != 0 ||
	    (rc = rebuild_content(txn, st, b)) != 0)
		goto out;
	rc = index_rebuild_compl(txn, st);
out:
	free(b);
	return rc;
}
