/*
 * proposal.c: membership proposals as the operator sees them (i40ctl
 * member list, member show): their support in the current membership.
 *
 * The fixpoint of member.c decides; this only reports, against the
 * membership the last run left (a fresh run over the stored candidates),
 * so what it says is what every node with the same events says.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* One DB_PROP record into p, its support counted against ms. */
static int
proposal_of(MDB_txn *txn, struct store *st, struct mset *ms,
    const MDB_val *k, const MDB_val *v, struct store_proposal *p)
{
	const uint8_t *r = v->mv_data;
	struct mem *t;
	int rc;

	if (k->mv_size != 32 || v->mv_size != PROP_BYTES)
		return I40_E_CORRUPT;
	memset(p, 0, sizeof(*p));
	memcpy(p->id, k->mv_data, 32);
	p->type = r[P_TYPE];
	p->observer = r[P_ROLE] == 'o';
	memcpy(p->proposer, r + P_PROPOSER, 32);
	p->seq = store_be64(r + P_SEQ);
	memcpy(p->key, r + P_KEY, 32);
	p->upto = store_be64(r + P_UPTO);
	if ((rc = member_counts(txn, st, ms, MEMBER_AT_FREEZE, p->proposer,
	    p->seq, &p->counts)) != 0 ||
	    (rc = member_support(txn, st, ms, MEMBER_AT_FREEZE, p->id,
	    p->proposer, &p->support)) != 0)
		return rc;
	if (!p->counts)
		p->support--;
	p->members = mset_active(ms);
	p->need = (size_t)member_need(p->members, ms->pct);
	t = mset_find(ms, p->key);
	p->applied = t != NULL && memcmp(p->type == BODY_MEMBER_PROPOSE ?
	    t->by : t->rm, p->id, 32) == 0;
	/* What can never take effect, whatever its support. */
	if (!p->applied && p->type == BODY_MEMBER_PROPOSE)
		p->moot = memcmp(p->key, p->proposer, 32) == 0 ?
		    STORE_MOOT_SELF : t != NULL ? STORE_MOOT_IN : 0;
	else if (!p->applied)
		p->moot = t == NULL || !t->active ? STORE_MOOT_OUT : 0;
	return 0;
}

/* A read transaction and the membership as the stored events make it. */
static int
begin(struct store *st, MDB_txn **txn, struct mset *ms)
{
	int rc;

	if ((rc = store_rtxn(st, txn)) != 0)
		return rc;
	if ((rc = member_run(*txn, st, MEMBER_AT_FREEZE, ms)) != 0)
		store_rtxn_end(st, *txn);
	return rc;
}

static void
end(struct store *st, MDB_txn *txn, struct mset *ms, MDB_cursor *c)
{
	if (c != NULL)
		mdb_cursor_close(c);
	mset_free(ms);
	store_rtxn_end(st, txn);
}

/* Room for one more of size elements in *arr (cnt used of *cap). */
static int
room(void **arr, size_t *cap, size_t cnt, size_t size)
{
	void *na;

	if (cnt < *cap)
		return 0;
	if ((na = realloc(*arr, (*cap ? 2 * *cap : 16) * size)) == NULL)
		return I40_E_NOMEM;
	*arr = na;
	*cap = *cap ? 2 * *cap : 16;
	return 0;
}

int
store_proposals(struct store *st, struct store_proposal **out, size_t *n)
{
	struct store_proposal *ps = NULL;
	struct mset ms;
	size_t cap = 0, cnt = 0;
	MDB_cursor *c = NULL;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = begin(st, &txn, &ms)) != 0)
		return rc;
	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_PROP], &c))) != 0)
		c = NULL;
	for (rc = rc != 0 ? rc : mdb_cursor_get(c, &k, &v, MDB_FIRST);
	    rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((rc = room((void **)&ps, &cap, cnt, sizeof(*ps))) != 0 ||
		    (rc = proposal_of(txn, st, &ms, &k, &v, &ps[cnt])) != 0)
			break;
		cnt++;
	}
	rc = rc == MDB_NOTFOUND ? 0 : rc > 0 ? store_err(rc) : rc;
	end(st, txn, &ms, c);
	if (rc != 0) {
		free(ps);
		return rc;
	}
	*out = ps;
	*n = cnt;
	return 0;
}

int
store_endorsers(struct store *st, const uint8_t id[EV_ID_BYTES],
    struct store_endorser **out, size_t *n)
{
	struct store_endorser *es = NULL;
	uint8_t from[64];
	size_t cap = 0, cnt = 0;
	struct mset ms;
	MDB_cursor *c = NULL;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = begin(st, &txn, &ms)) != 0)
		return rc;
	memcpy(from, id, 32);
	memset(from + 32, 0, 32);
	k.mv_size = 64;
	k.mv_data = from;
	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_VOTE], &c))) != 0)
		c = NULL;
	for (rc = rc != 0 ? rc : mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	    rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kk = k.mv_data;

		if (k.mv_size != 64 || memcmp(kk, id, 32) != 0)
			break;
		if (v.mv_size != 8) {
			rc = I40_E_CORRUPT;
			break;
		}
		if ((rc = room((void **)&es, &cap, cnt, sizeof(*es))) != 0)
			break;
		memcpy(es[cnt].key, kk + 32, 32);
		es[cnt].seq = store_be64(v.mv_data);
		if ((rc = member_counts(txn, st, &ms, MEMBER_AT_FREEZE,
		    es[cnt].key, es[cnt].seq, &es[cnt].counts)) != 0)
			break;
		cnt++;
	}
	rc = rc == MDB_NOTFOUND ? 0 : rc > 0 ? store_err(rc) : rc;
	end(st, txn, &ms, c);
	if (rc != 0) {
		free(es);
		return rc;
	}
	*out = es;
	*n = cnt;
	return 0;
}
