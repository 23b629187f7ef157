/*
 * member.c: the membership, derived from the charter and the membership
 * events (docs/store.md, "Membership").
 *
 * The rule is a fixpoint: proposals, admissions then removals in each
 * pass, each in order of their ids, take effect
 * when their proposer and the distinct members endorsing them number at
 * least the threshold of the members active at that point, repeated until
 * nothing changes.  Evaluating it from the events on every membership
 * event made a flood of endorsements quadratic, so the events are kept
 * aggregated (DB_PROP: one record per proposal; DB_VOTE: each endorser's
 * first endorsement of it), and the fixpoint runs over candidates only:
 * proposals whose proposer and endorsers that were ever members
 * (DB_EVER) could reach the lowest threshold the last run met (meta
 * "nmin").  A proposal that cannot reach it fails at every step of the
 * run, so leaving it out changes nothing; an event that cannot make a
 * proposal a candidate costs a few lookups and no run at all.
 *
 * Each author's events count up to a limit: its removal's `upto`, and,
 * for a frozen author, its fork (the run that decides who votes on
 * settlement) or its freeze point (the run whose result is the state).
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "protocol/be.h"
#include "protocol/schema.h"


struct mem *
mset_find(struct mset *ms, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (memcmp(ms->m[i].key, key, 32) == 0)
			return &ms->m[i];
	return NULL;
}

void
member_schac(const uint8_t *schac, size_t len, uint8_t out[32])
{
	static const uint8_t tag[] = "i40 store schac";

	crypto_generichash(out, 32, schac, len, tag, sizeof(tag) - 1);
}

static int
madd(struct mset *ms, const uint8_t key[32], uint8_t role,
    const uint8_t transport[32], const uint8_t by[32],
    const uint8_t schac[32])
{
	struct mem *nm;

	if (ms->n == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 16;
		if ((nm = realloc(ms->m, ms->cap * sizeof(*nm))) == NULL)
			return I40_E_NOMEM;
		ms->m = nm;
	}
	memset(&ms->m[ms->n], 0, sizeof(ms->m[0]));
	memcpy(ms->m[ms->n].key, key, 32);
	ms->m[ms->n].role = role;
	ms->m[ms->n].active = 1;
	ms->m[ms->n].upto = UINT64_MAX;
	memcpy(ms->m[ms->n].transport, transport, 32);
	memcpy(ms->m[ms->n].schac, schac, 32);
	if (by != NULL)
		memcpy(ms->m[ms->n].by, by, 32);
	ms->n++;
	return 0;
}

void
mset_free(struct mset *ms)
{
	free(ms->m);
	free(ms->gone);
	memset(ms, 0, sizeof(*ms));
}

size_t
mset_active(const struct mset *ms)
{
	size_t i, n = 0;

	for (i = 0; i < ms->n; i++)
		n += ms->m[i].role == 'm' && ms->m[i].active;
	return n;
}

uint64_t
member_need(uint64_t n, uint64_t pct)
{
	uint64_t need = n * pct / 100 + 1;

	return need > n ? n : need;
}

/*
 * The last seq of author's log that may count, before membership: the
 * fork (MEMBER_AT_FORK) or the freeze point (MEMBER_AT_FREEZE) of a
 * frozen author, everything otherwise.
 */
int
member_limit(MDB_txn *txn, struct store *st, const uint8_t author[32],
    enum member_limits lim, uint64_t *last)
{
	struct store_headrec h;
	MDB_val k = { 32, (void *)author }, v;
	int rc;

	*last = UINT64_MAX;
	if ((rc = store_head_get(txn, st, author, &h)) == I40_E_NOT_FOUND)
		return 0;
	if (rc != 0 || h.frozen == 0)
		return rc;
	if (lim == MEMBER_AT_FORK) {
		*last = h.frozen - 1;
		return 0;
	}
	if ((rc = mdb_get(txn, st->dbi[DB_D_FORK], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? I40_E_CORRUPT : store_err(rc);
	if (v.mv_size != 8)
		return I40_E_CORRUPT;
	*last = store_be64(v.mv_data);
	return 0;
}

/* Does author's event at seq count, in ms and within its limit? */
int
member_counts(MDB_txn *txn, struct store *st, struct mset *ms,
    enum member_limits lim, const uint8_t author[32], uint64_t seq, int *yes)
{
	struct mem *m = mset_find(ms, author);
	uint64_t last;
	int rc;

	size_t i;

	/*
	 * A member removed at this step of the run votes no more, also with
	 * what it signed up to its upto (that keeps counting as content).
	 */
	*yes = 0;
	if (m == NULL || m->role != 'm' || !m->active)
		return 0;
	/* Past the upto of a removal that takes effect: never, all run. */
	for (i = 0; i < ms->ngone; i++)
		if (seq > ms->gone[i].upto &&
		    memcmp(ms->gone[i].key, author, 32) == 0)
			return 0;
	if ((rc = member_limit(txn, st, author, lim, &last)) != 0)
		return rc;
	*yes = seq <= last;
	return 0;
}

static int
is_ever(MDB_txn *txn, struct store *st, const uint8_t key[32], int *yes)
{
	MDB_val k = { 32, (void *)key }, v;
	int rc = mdb_get(txn, st->dbi[DB_EVER], &k, &v);

	*yes = rc == 0;
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

static int
meta_u64(MDB_txn *txn, struct store *st, const char *name, uint64_t def,
    uint64_t *out)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc = mdb_get(txn, st->dbi[DB_META], &k, &v);

	*out = def;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_err(rc);
	if (v.mv_size != 8)
		return I40_E_CORRUPT;
	*out = store_be64(v.mv_data);
	return 0;
}

int
member_meta_get(MDB_txn *txn, struct store *st, const char *name,
    uint64_t def, uint64_t *out)
{
	return meta_u64(txn, st, name, def, out);
}

int
member_meta_put(MDB_txn *txn, struct store *st, const char *name,
    uint64_t val)
{
	uint8_t b[8];
	MDB_val k = { strlen(name), (void *)name }, v = { 8, b };

	store_put64(b, val);
	return store_err(mdb_put(txn, st->dbi[DB_META], &k, &v, 0));
}

/* The charter's admission percentage and its founding members. */
static int
charter(MDB_txn *txn, struct store *st, struct mset *ms)
{
	struct ev_signed e;
	struct body *b;
	MDB_val k = { 7, "genesis" }, v;
	uint32_t i;
	int rc;

	memset(ms, 0, sizeof(*ms));
	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	if ((rc = store_err(mdb_get(txn, st->dbi[DB_META], &k, &v))) == 0 &&
	    (rc = derive_load(txn, st, v.mv_data, &e, b)) == 0) {
		ms->pct = b->u.charter.admit_pct;
		for (i = 0; rc == 0 && i < b->u.charter.nmembers; i++) {
			const struct body_member *cm = &b->u.charter.members[i];
			uint8_t sh[32];

			member_schac(cm->schac.p, cm->schac.len, sh);
			rc = madd(ms, cm->key, schema_bytes_eq(cm->role,
			    "member") ? 'm' : 'o', cm->transport, NULL, sh);
		}
	}
	free(b);
	if (rc != 0)
		mset_free(ms);
	return rc;
}

/* Is proposal p (a DB_PROP record) a candidate after this change? */
static int
maybe_candidate(MDB_txn *txn, struct store *st, const uint8_t id[32],
    const uint8_t *rec, int *dirty)
{
	MDB_val k = { 32, (void *)id }, v = { 0, "" };
	uint64_t nmin, pct;
	int rc;

	if ((rc = meta_u64(txn, st, "nmin", 0, &nmin)) != 0 ||
	    (rc = meta_u64(txn, st, "pct", 50, &pct)) != 0)
		return rc;
	if (1 + (uint64_t)be_get32(rec + P_VOTES) < member_need(nmin, pct))
		return 0;
	*dirty = 1;
	return store_err(mdb_put(txn, st->dbi[DB_CAND], &k, &v, 0));
}

/* Count p's endorsements by keys that were ever members. */
static int
count_votes(MDB_txn *txn, struct store *st, const uint8_t id[32],
    const uint8_t proposer[32], uint32_t *votes)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t from[64];
	int rc, ever;

	*votes = 0;
	memcpy(from, id, 32);
	memset(from + 32, 0, 32);
	k.mv_size = 64;
	k.mv_data = from;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_VOTE], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kk = k.mv_data;

		if (k.mv_size != 64 || memcmp(kk, id, 32) != 0)
			break;
		if (memcmp(kk + 32, proposer, 32) == 0)
			continue;
		if ((rc = is_ever(txn, st, kk + 32, &ever)) != 0)
			break;
		*votes += (uint32_t)ever;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

int
member_event(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct body *b, int *dirty)
{
	uint8_t rec[PROP_BYTES], vk[64], sq[8];
	MDB_val k, v;
	uint32_t votes;
	int rc, ever;

	if (e->h.type == BODY_MEMBER_ENDORSE) {
		memcpy(vk, b->u.endorse.proposal, 32);
		memcpy(vk + 32, e->h.author, 32);
		k.mv_size = 64;
		k.mv_data = vk;
		/* One vote per member: its first endorsement (lowest seq). */
		if ((rc = mdb_get(txn, st->dbi[DB_VOTE], &k, &v)) == 0)
			return 0;
		if (rc != MDB_NOTFOUND)
			return store_err(rc);
		store_put64(sq, e->h.seq);
		v.mv_size = 8;
		v.mv_data = sq;
		if ((rc = store_err(mdb_put(txn, st->dbi[DB_VOTE], &k, &v,
		    0))) != 0)
			return rc;
		k.mv_size = 32;
		k.mv_data = vk;
		if ((rc = mdb_get(txn, st->dbi[DB_PROP], &k, &v)) ==
		    MDB_NOTFOUND)
			return 0;	/* it may come later and count this */
		if (rc != 0)
			return store_err(rc);
		if (v.mv_size != PROP_BYTES)
			return I40_E_CORRUPT;
		memcpy(rec, v.mv_data, PROP_BYTES);
		if (memcmp(rec + P_PROPOSER, e->h.author, 32) == 0)
			return 0;
		if ((rc = is_ever(txn, st, e->h.author, &ever)) != 0 || !ever)
			return rc;
		be_put32(rec + P_VOTES, be_get32(rec + P_VOTES) + 1);
		v.mv_size = PROP_BYTES;
		v.mv_data = rec;
		if ((rc = store_err(mdb_put(txn, st->dbi[DB_PROP], &k, &v,
		    0))) != 0)
			return rc;
		return maybe_candidate(txn, st, vk, rec, dirty);
	}
	if (e->h.type != BODY_MEMBER_PROPOSE && e->h.type != BODY_MEMBER_REMOVE)
		return 0;
	memset(rec, 0, sizeof(rec));
	rec[P_TYPE] = (uint8_t)e->h.type;
	memcpy(rec + P_PROPOSER, e->h.author, 32);
	store_put64(rec + P_SEQ, e->h.seq);
	if (e->h.type == BODY_MEMBER_PROPOSE) {
		rec[P_ROLE] = schema_bytes_eq(b->u.member.role, "member") ?
		    'm' : 'o';
		memcpy(rec + P_KEY, b->u.member.key, 32);
		memcpy(rec + P_TRANSPORT, b->u.member.transport, 32);
		member_schac(b->u.member.schac.p, b->u.member.schac.len,
		    rec + P_SCHAC);
	} else {
		memcpy(rec + P_KEY, b->u.remove.key, 32);
		store_put64(rec + P_UPTO, b->u.remove.upto);
	}
	if ((rc = count_votes(txn, st, e->id, e->h.author, &votes)) != 0)
		return rc;
	be_put32(rec + P_VOTES, votes);
	k.mv_size = 32;
	k.mv_data = (void *)e->id;
	v.mv_size = PROP_BYTES;
	v.mv_data = rec;
	if ((rc = store_err(mdb_put(txn, st->dbi[DB_PROP], &k, &v, 0))) != 0)
		return rc;
	return maybe_candidate(txn, st, e->id, rec, dirty);
}

/* One candidate of a run, read from DB_PROP. */
struct cand {
	uint8_t id[32], proposer[32], key[32], transport[32], schac[32];
	uint64_t seq, upto;
	uint8_t type, role, applied;
};

static int
load_cands(MDB_txn *txn, struct store *st, struct cand **out, size_t *n)
{
	struct cand *cs = NULL, *nc;
	size_t cap = 0, cnt = 0;
	MDB_cursor *c;
	MDB_val k, v, p;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_CAND], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *r;

		if (k.mv_size != 32) {
			rc = I40_E_CORRUPT;
			break;
		}
		if ((rc = mdb_get(txn, st->dbi[DB_PROP], &k, &p)) != 0 ||
		    p.mv_size != PROP_BYTES) {
			rc = rc == 0 || rc == MDB_NOTFOUND ? I40_E_CORRUPT :
			    store_err(rc);
			break;
		}
		if (cnt == cap) {
			cap = cap ? 2 * cap : 16;
			if ((nc = realloc(cs, cap * sizeof(*cs))) == NULL) {
				rc = I40_E_NOMEM;
				break;
			}
			cs = nc;
		}
		r = p.mv_data;
		memset(&cs[cnt], 0, sizeof(cs[0]));
		memcpy(cs[cnt].id, k.mv_data, 32);
		cs[cnt].type = r[P_TYPE];
		cs[cnt].role = r[P_ROLE];
		memcpy(cs[cnt].proposer, r + P_PROPOSER, 32);
		cs[cnt].seq = store_be64(r + P_SEQ);
		memcpy(cs[cnt].key, r + P_KEY, 32);
		cs[cnt].upto = store_be64(r + P_UPTO);
		memcpy(cs[cnt].transport, r + P_TRANSPORT, 32);
		memcpy(cs[cnt].schac, r + P_SCHAC, 32);
		cnt++;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND) {
		free(cs);
		return store_err(rc);
	}
	*out = cs;
	*n = cnt;
	return 0;
}

int
member_support(MDB_txn *txn, struct store *st, struct mset *ms,
    enum member_limits lim, const uint8_t id[32], const uint8_t proposer[32],
    size_t *out)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t from[64];
	int rc, yes;

	*out = 1;
	memcpy(from, id, 32);
	memset(from + 32, 0, 32);
	k.mv_size = 64;
	k.mv_data = from;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_VOTE], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kk = k.mv_data;

		if (k.mv_size != 64 || memcmp(kk, id, 32) != 0)
			break;
		if (v.mv_size != 8) {
			rc = I40_E_CORRUPT;
			break;
		}
		if (memcmp(kk + 32, proposer, 32) == 0)
			continue;
		if ((rc = member_counts(txn, st, ms, lim, kk + 32,
		    store_be64(v.mv_data), &yes)) != 0)
			break;
		*out += (size_t)yes;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/* Does an active member of ms hold transport key tk? */
static int
transport_taken(const struct mset *ms, const uint8_t tk[32])
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (ms->m[i].active && memcmp(ms->m[i].transport, tk, 32) == 0)
			return 1;
	return 0;
}

/* Does an active member (role member) of ms belong to university sh? */
static int
schac_taken(const struct mset *ms, const uint8_t sh[32])
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (ms->m[i].active && ms->m[i].role == 'm' &&
		    memcmp(ms->m[i].schac, sh, 32) == 0)
			return 1;
	return 0;
}

/* One fixpoint over the candidates, from the charter, into ms. */
static int
run_once(MDB_txn *txn, struct store *st, enum member_limits lim,
    struct cand *cs, size_t ncs, struct mset *ms)
{
	size_t i, sup, act;
	uint64_t need;
	int rc, changed, yes;
	struct mem *t;

	for (i = 0; i < ncs; i++)
		cs[i].applied = 0;
	do {
		changed = 0;
		/*
		 * Each pass takes the admissions first, then the removals:
		 * a removal is measured against every member an admission
		 * of the same set of events let in, whatever the order of
		 * ids, so a few members cannot remove another by a
		 * proposal whose id sorts before the admissions.
		 */
		for (i = 0; i < 2 * ncs; i++) {
			struct cand *p = &cs[i % ncs];

			if ((i < ncs) != (p->type == BODY_MEMBER_PROPOSE))
				continue;
			/* Nobody admits itself: its proposal never counts. */
			if (p->applied || (p->type == BODY_MEMBER_PROPOSE &&
			    memcmp(p->key, p->proposer, 32) == 0))
				continue;
			if ((rc = member_counts(txn, st, ms, lim, p->proposer,
			    p->seq, &yes)) != 0)
				return rc;
			if (!yes)
				continue;
			if ((rc = member_support(txn, st, ms, lim, p->id,
			    p->proposer, &sup)) != 0)
				return rc;
			act = mset_active(ms);
			need = member_need(act, ms->pct);
			if (sup < need)
				continue;
			t = mset_find(ms, p->key);
			/*
			 * A key once removed never returns (its university
			 * comes back under a new key), and an admission of
			 * a key already in takes effect as nothing.
			 */
			if (p->type == BODY_MEMBER_PROPOSE) {
				/*
				 * A transport key names one active member:
				 * an admission claiming another's waits
				 * (protocol.md §12.1).
				 */
				if (t == NULL && transport_taken(ms,
				    p->transport))
					continue;
				/*
				 * One active key per university: a new key
				 * of a member's university waits for the
				 * old one's removal, and then succeeds it
				 * (§12.7).
				 */
				if (t == NULL && p->role == 'm' &&
				    schac_taken(ms, p->schac))
					continue;
				if (t == NULL && (rc = madd(ms, p->key,
				    p->role, p->transport, p->id,
				    p->schac)) != 0)
					return rc;
			} else if (t != NULL && t->active) {
				t->active = 0;
				t->upto = p->upto;
				memcpy(t->rm, p->id, 32);
			}
			p->applied = 1;
			changed = 1;
			act = mset_active(ms);
			if (act < ms->nmin)
				ms->nmin = act;
		}
	} while (changed);
	return 0;
}

/* The removals ms ends with, into gone; *same if they are ms->gone. */
static int
removals_of(const struct mset *ms, struct mem **gone, size_t *n, int *same)
{
	size_t i, k = 0;

	*gone = NULL;
	*n = 0;
	for (i = 0; i < ms->n; i++)
		k += !ms->m[i].active;
	if (k > 0 && (*gone = calloc(k, sizeof(**gone))) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < ms->n; i++)
		if (!ms->m[i].active)
			(*gone)[(*n)++] = ms->m[i];
	*same = *n == ms->ngone;
	for (i = 0; *same && i < *n; i++)
		*same = memcmp((*gone)[i].key, ms->gone[i].key, 32) == 0 &&
		    (*gone)[i].upto == ms->gone[i].upto;
	return 0;
}

/*
 * The fixpoint, in rounds: a removed member's events past its upto must
 * count nowhere, also in the passes before its removal takes effect (an
 * admission that a thief endorsed with the stolen key after upto would
 * count otherwise).  Each round excludes them for the removals the round
 * before ended with (the first, for every candidate removal), until a
 * round ends with the removals it started from; a few rounds at most,
 * bounded all the same, so the result is a function of the events.
 */
#define MEMBER_ROUNDS 8

int
member_run(MDB_txn *txn, struct store *st, enum member_limits lim,
    struct mset *ms)
{
	struct cand *cs = NULL;
	struct mem *gone = NULL;
	size_t ncs = 0, ngone = 0, nmin = SIZE_MAX, r;
	int rc, same = 0;

	memset(ms, 0, sizeof(*ms));
	if ((rc = load_cands(txn, st, &cs, &ncs)) != 0)
		return rc;
	/*
	 * The first round excludes what every candidate removal would: a
	 * member about to be removed must not keep itself in by a vote it
	 * signed past its upto (say, for an admission that raises the
	 * threshold of its removal).  Removals that do not take effect
	 * give their votes back in the next round.
	 */
	if ((gone = calloc(ncs + 1, sizeof(*gone))) == NULL) {
		free(cs);
		return I40_E_NOMEM;
	}
	for (r = 0; r < ncs; r++)
		if (cs[r].type == BODY_MEMBER_REMOVE) {
			memcpy(gone[ngone].key, cs[r].key, 32);
			gone[ngone++].upto = cs[r].upto;
		}
	for (r = 0; r < MEMBER_ROUNDS; r++) {
		if ((rc = charter(txn, st, ms)) != 0)
			break;
		ms->gone = gone;
		ms->ngone = ngone;
		gone = NULL;
		ms->nmin = mset_active(ms);
		if ((rc = run_once(txn, st, lim, cs, ncs, ms)) != 0 ||
		    (rc = removals_of(ms, &gone, &ngone, &same)) != 0)
			break;
		if (ms->nmin < nmin)
			nmin = ms->nmin;
		if (same || r + 1 == MEMBER_ROUNDS)
			break;
		mset_free(ms);
	}
	free(gone);
	free(cs);
	if (rc != 0) {
		mset_free(ms);
		return rc;
	}
	ms->nmin = nmin;
	return 0;
}

/* Count every proposal's votes again and list its candidates. */
static int
recount(MDB_txn *txn, struct store *st)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t id[32], rec[PROP_BYTES];
	uint32_t votes;
	int rc, dirty = 0;

	if ((rc = store_err(mdb_drop(txn, st->dbi[DB_CAND], 0))) != 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_PROP], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 32 || v.mv_size != PROP_BYTES) {
			rc = I40_E_CORRUPT;
			break;
		}
		memcpy(id, k.mv_data, 32);
		memcpy(rec, v.mv_data, PROP_BYTES);
		if ((rc = count_votes(txn, st, id, rec + P_PROPOSER,
		    &votes)) != 0)
			break;
		if (votes != be_get32(rec + P_VOTES)) {
			be_put32(rec + P_VOTES, votes);
			v.mv_size = PROP_BYTES;
			v.mv_data = rec;
			if ((rc = mdb_cursor_put(c, &k, &v, MDB_CURRENT)) != 0)
				break;
		}
		if ((rc = maybe_candidate(txn, st, id, rec, &dirty)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

/* Add ms's keys to DB_EVER; *grew when one was new. */
static int
ever_add(MDB_txn *txn, struct store *st, const struct mset *ms, int *grew)
{
	MDB_val k, v = { 0, "" };
	size_t i;
	int rc;

	for (i = 0; i < ms->n; i++) {
		k.mv_size = 32;
		k.mv_data = ms->m[i].key;
		rc = mdb_put(txn, st->dbi[DB_EVER], &k, &v, MDB_NOOVERWRITE);
		if (rc == 0)
			*grew = 1;
		else if (rc != MDB_KEYEXIST)
			return store_err(rc);
	}
	return 0;
}

int
member_filter(MDB_txn *txn, struct store *st, const struct mset *m0,
    const struct mset *m, int *again)
{
	uint64_t nmin, pct, was, waspct;
	int rc, grew = 0;

	/*
	 * The candidates depend on who was ever a member and on the lowest
	 * threshold met; both only move one way, so repeating ends.
	 */
	*again = 0;
	if ((rc = ever_add(txn, st, m0, &grew)) != 0 ||
	    (rc = ever_add(txn, st, m, &grew)) != 0)
		return rc;
	nmin = m0->nmin < m->nmin ? m0->nmin : m->nmin;
	pct = m->pct;
	if ((rc = meta_u64(txn, st, "nmin", 0, &was)) != 0 ||
	    (rc = meta_u64(txn, st, "pct", 50, &waspct)) != 0 ||
	    (rc = member_meta_put(txn, st, "nmin", nmin)) != 0 ||
	    (rc = member_meta_put(txn, st, "pct", pct)) != 0)
		return rc;
	/* The filter these runs used was loose enough: they are exact. */
	if (!grew && member_need(nmin, pct) >= member_need(was, waspct))
		return 0;
	*again = 1;
	return recount(txn, st);
}

/*
 * A member succeeds the member of its university admitted last before it,
 * once that one is removed (run_once lets no two keys of one university
 * be active at once).  The succession holds when the predecessor's log is
 * stored up to its last counting seq (its upto, or its freeze point if
 * lower): its counting events are then all applied before the
 * successor's, whatever the order of arrival.
 */
int
member_succession(MDB_txn *txn, struct store *st, struct mset *ms)
{
	struct store_headrec h;
	struct mem *m, *p;
	uint64_t last;
	size_t i, j;
	int rc;

	for (i = 0; i < ms->n; i++) {
		m = &ms->m[i];
		m->succ = 0;
		memset(m->pred, 0, 32);
		if (m->role != 'm')
			continue;
		for (p = NULL, j = i; p == NULL && j-- > 0;)
			if (ms->m[j].role == 'm' &&
			    memcmp(ms->m[j].schac, m->schac, 32) == 0)
				p = &ms->m[j];
		/* Two founders of one university (a charter may say so). */
		if (p == NULL || p->active)
			continue;
		memcpy(m->pred, p->key, 32);
		m->succ = SUCC_PENDING;
		if ((rc = store_head_get(txn, st, p->key, &h)) != 0 &&
		    rc != I40_E_NOT_FOUND)
			return rc;
		if ((rc = fork_last(txn, st, p->key, &h, &last)) != 0)
			return rc;
		if (last > p->upto)
			last = p->upto;
		if (h.seq >= last)
			m->succ = SUCC_HOLDS;
	}
	return 0;
}
