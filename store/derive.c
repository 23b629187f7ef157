/*
 * derive.c: the state derived from the stored events (roots.c hashes it).
 *
 * The derived state is a pure function of the set of stored events:
 *  - Membership is a fixpoint over the charter and the membership events
 *    (proposals sorted by id, applied when enough current members support
 *    them), so it does not depend on arrival order.  When an event changes
 *    it, or a fork freezes an author, everything is derived again.
 *  - Everything else follows each author's own log in seq order, counting
 *    only events of a member (up to its removal's `upto`) before any fork.
 * docs/store.md spells the rules out.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "protocol/schema.h"

struct mem {
	uint8_t key[32];
	uint8_t role;		/* 'm' member, 'o' observer */
	uint8_t active;
	uint64_t upto;		/* last counting seq once removed */
};

struct mset {
	struct mem *m;
	size_t n, cap;
	uint64_t pct;
};

struct prop {
	uint8_t id[32], author[32], key[32];
	uint64_t seq, upto;
	uint8_t type, role, applied;
};

struct endorse {
	uint8_t author[32], proposal[32];
	uint64_t seq;
};

static struct mem *
mfind(struct mset *ms, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (memcmp(ms->m[i].key, key, 32) == 0)
			return &ms->m[i];
	return NULL;
}

static int
madd(struct mset *ms, const uint8_t key[32], uint8_t role)
{
	struct mem *nm;

	if (ms->n == ms->cap) {
		ms->cap = ms->cap ? ms->cap * 2 : 16;
		if ((nm = realloc(ms->m, ms->cap * sizeof(*nm))) == NULL)
			return I40_E_NOMEM;
		ms->m = nm;
	}
	memcpy(ms->m[ms->n].key, key, 32);
	ms->m[ms->n].role = role;
	ms->m[ms->n].active = 1;
	ms->m[ms->n].upto = UINT64_MAX;
	ms->n++;
	return 0;
}

/* Does a member's event at seq count?  (Observers never author state.) */
static int
counts(struct mset *ms, const uint8_t author[32], uint64_t seq)
{
	struct mem *m = mfind(ms, author);

	return m != NULL && m->role == 'm' && (m->active || seq <= m->upto);
}

static size_t
active_members(const struct mset *ms)
{
	size_t i, n = 0;

	for (i = 0; i < ms->n; i++)
		n += ms->m[i].role == 'm' && ms->m[i].active;
	return n;
}

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

/* Is seq of author before the author's fork, if any? */
static int
before_fork(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t seq, int *yes)
{
	struct store_headrec h;
	int rc;

	if ((rc = store_head_get(txn, st, author, &h)) != 0)
		return rc;
	*yes = h.frozen == 0 || seq < h.frozen;
	return 0;
}

static int
cmp_prop(const void *a, const void *b)
{
	return memcmp(((const struct prop *)a)->id,
	    ((const struct prop *)b)->id, 32);
}

/* The membership the stored events imply. */
static int
membership(MDB_txn *txn, struct store *st, struct body *b, struct mset *ms)
{
	struct prop *props = NULL, *np;
	struct endorse *ends = NULL, *ne;
	size_t nprops = 0, nends = 0, i, j, need, support, active;
	struct ev_signed e;
	MDB_cursor *c = NULL;
	MDB_val k = { 7, "genesis" }, v;
	int rc, changed, ok;
	uint32_t m;

	memset(ms, 0, sizeof(*ms));
	if ((rc = store_err(mdb_get(txn, st->dbi[DB_META], &k, &v))) != 0 ||
	    (rc = derive_load(txn, st, v.mv_data, &e, b)) != 0)
		return rc;
	ms->pct = b->u.charter.admit_pct;
	for (m = 0; m < b->u.charter.nmembers; m++)
		if ((rc = madd(ms, b->u.charter.members[m].key,
		    schema_bytes_eq(b->u.charter.members[m].role, "member") ?
		    'm' : 'o')) != 0)
			goto out;
	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_MEV], &c))) != 0)
		goto out;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint8_t key[K_LOG];

		memcpy(key, k.mv_data, K_LOG);
		if ((rc = before_fork(txn, st, key, store_be64(key + 32),
		    &ok)) != 0 || !ok)
			continue;
		if ((rc = derive_load(txn, st, key, &e, b)) != 0)
			break;
		if (e.h.type == BODY_MEMBER_ENDORSE) {
			if ((ne = realloc(ends, (nends + 1) *
			    sizeof(*ends))) == NULL) {
				rc = I40_E_NOMEM;
				break;
			}
			ends = ne;
			memcpy(ends[nends].author, e.h.author, 32);
			memcpy(ends[nends].proposal, b->u.endorse.proposal, 32);
			ends[nends++].seq = e.h.seq;
			continue;
		}
		if ((np = realloc(props, (nprops + 1) * sizeof(*props))) ==
		    NULL) {
			rc = I40_E_NOMEM;
			break;
		}
		props = np;
		memset(&props[nprops], 0, sizeof(props[0]));
		memcpy(props[nprops].id, e.id, 32);
		memcpy(props[nprops].author, e.h.author, 32);
		props[nprops].seq = e.h.seq;
		props[nprops].type = (uint8_t)e.h.type;
		if (e.h.type == BODY_MEMBER_PROPOSE) {
			memcpy(props[nprops].key, b->u.member.key, 32);
			props[nprops].role = schema_bytes_eq(b->u.member.role,
			    "member") ? 'm' : 'o';
		} else {
			memcpy(props[nprops].key, b->u.remove.key, 32);
			props[nprops].upto = b->u.remove.upto;
		}
		nprops++;
	}
	if (rc != MDB_NOTFOUND && rc != 0)
		goto out;
	rc = 0;
	/* Apply proposals in id order until nothing changes. */
	if (nprops > 1)
		qsort(props, nprops, sizeof(*props), cmp_prop);
	do {
		changed = 0;
		for (i = 0; i < nprops; i++) {
			struct prop *p = &props[i];
			struct mem *t;

			if (p->applied || !counts(ms, p->author, p->seq))
				continue;
			support = 1;
			for (j = 0; j < nends; j++) {
				size_t d;

				if (memcmp(ends[j].proposal, p->id, 32) != 0 ||
				    memcmp(ends[j].author, p->author, 32) == 0 ||
				    !counts(ms, ends[j].author, ends[j].seq))
					continue;
				/* One vote per member: count the first only. */
				for (d = 0; d < j; d++)
					if (memcmp(ends[d].proposal, p->id,
					    32) == 0 && memcmp(ends[d].author,
					    ends[j].author, 32) == 0 &&
					    counts(ms, ends[d].author,
					    ends[d].seq))
						break;
				if (d == j)
					support++;
			}
			active = active_members(ms);
			need = (size_t)(active * ms->pct / 100 + 1);
			if (need > active)
				need = active;
			if (support < need)
				continue;
			t = mfind(ms, p->key);
			if (p->type == BODY_MEMBER_PROPOSE) {
				if (t == NULL) {
					if ((rc = madd(ms, p->key, p->role)) != 0)
						goto out;
				} else if (!t->active) {
					t->active = 1;
					t->role = p->role;
					t->upto = UINT64_MAX;
				}
			} else if (t != NULL && t->active) {
				t->active = 0;
				t->upto = p->upto;
			}
			p->applied = 1;
			changed = 1;
		}
	} while (changed);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	free(props);
	free(ends);
	if (rc != 0) {
		free(ms->m);
		ms->m = NULL;
	}
	return rc;
}

static void
mem_value(const struct mem *m, uint8_t v[10])
{
	v[0] = m->role;
	v[1] = m->active;
	store_put64(v + 2, m->upto);
}

/* Does d_member hold exactly ms? */
static int
same_members(MDB_txn *txn, struct store *st, struct mset *ms, int *same)
{
	MDB_stat s;
	size_t i;
	uint8_t want[10];
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
		if (v.mv_size != 10 || memcmp(v.mv_data, want, 10) != 0)
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

/* Apply one counting event of a catalog or ledger type. */
int
derive_content(MDB_txn *txn, struct store *st, const struct ev_signed *e,
    const struct body *b, uint64_t arrival,
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

		/* A module is (owner, code): only its owner can write it. */
		memcpy(mk, e->h.author, 32);
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
		return modver_put(txn, st, arrival, e->id, e->h.author,
		    code->p, code->len, compl != NULL);
	}
	case BODY_COMPLETION_RECORD:
		/* Awarded against a version of one of the author's own modules. */
		if ((rc = modver_find(txn, st, b->u.completion.module, mk,
		    &pass)) != 0)
			return rc;
		if (!pass || memcmp(mk, e->h.author, 32) != 0)
			return 0;
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
		if (memcmp(ce.h.author, e->h.author, 32) != 0)
			return 0;
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
    uint8_t rec[10], int *found)
{
	MDB_val v;
	int rc;

	*found = 0;
	rc = dget(txn, st, DB_D_MEMBER, author, 32, &v);
	if (rc == I40_E_NOT_FOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size != 10)
		return I40_E_CORRUPT;
	memcpy(rec, v.mv_data, 10);
	*found = 1;
	return 0;
}

int
derive_counts(const uint8_t rec[10], int found, uint64_t seq)
{
	return found && rec[0] == 'm' && (rec[1] || seq <= store_be64(rec + 2));
}

int
derive_membership(MDB_txn *txn, struct store *st, int *changed)
{
	struct mset ms;
	struct body *scratch;
	int rc, same;

	*changed = 0;
	if ((scratch = malloc(sizeof(*scratch))) == NULL)
		return I40_E_NOMEM;
	rc = membership(txn, st, scratch, &ms);
	free(scratch);
	if (rc != 0)
		return rc;
	rc = same_members(txn, st, &ms, &same);
	free(ms.m);
	*changed = rc == 0 && !same;
	return rc;
}

int
derive_rebuild(MDB_txn *txn, struct store *st)
{
	struct store_headrec h;
	struct ev_signed e;
	struct mset ms = { 0 };
	struct body *b;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	uint8_t val[10], author[32], lk[K_LOG];
	uint64_t seq, last, arrival;
	size_t i;
	int d, rc;

	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	for (d = DB_D_FIRST; d < DB_COUNT; d++)
		if ((rc = store_err(mdb_drop(txn, st->dbi[d], 0))) != 0)
			goto out;
	modver_reset(txn, st);
	if ((rc = membership(txn, st, b, &ms)) != 0)
		goto out;
	for (i = 0; i < ms.n; i++) {
		mem_value(&ms.m[i], val);
		if ((rc = dput(txn, st, DB_D_MEMBER, ms.m[i].key, 32, val,
		    10)) != 0)
			goto out;
	}
	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_HEAD], &c))) != 0)
		goto out;
	/* Collect authors first: the loop below writes other databases. */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		memcpy(author, k.mv_data, 32);
		if ((rc = store_head_get(txn, st, author, &h)) != 0)
			break;
		if (h.frozen != 0) {
			uint8_t fv[8];

			store_put64(fv, h.frozen);
			if ((rc = dput(txn, st, DB_D_FORK, author, 32, fv,
			    8)) != 0)
				break;
		}
		if (!counts(&ms, author, 1) && mfind(&ms, author) == NULL)
			continue;
		last = h.frozen != 0 ? h.frozen - 1 : h.seq;
		for (seq = 1; seq <= last; seq++) {
			if (!counts(&ms, author, seq))
				break;
			store_logkey(lk, author, seq);
			if ((rc = store_log_get(txn, st, lk, &arrival)) != 0 ||
			    (rc = derive_load(txn, st, lk, &e, b)) != 0 ||
			    (rc = derive_content(txn, st, &e, b, arrival,
			    NULL)) != 0)
				goto out;
		}
		/* Reposition: the puts above may have moved the cursor's page. */
		k.mv_size = 32;
		k.mv_data = author;
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET)) != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc > 0)
		rc = store_err(rc);
	if (rc == 0)
		rc = index_rebuild_compl(txn, st);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	free(ms.m);
	free(b);
	return rc;
}
