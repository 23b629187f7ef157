/*
 * derive.c: the state derived from the stored events, and the two roots.
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "protocol/schema.h"

#define LOG_ROOT_TAG "i40/log-root/v1"
#define STATE_ROOT_TAG "i40/state-root/v1"

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
static int
load(MDB_txn *txn, struct store *st, const uint8_t *logkey,
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
	    (rc = load(txn, st, v.mv_data, &e, b)) != 0)
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
		if ((rc = load(txn, st, key, &e, b)) != 0)
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
		return dput(txn, st, DB_D_MODVER, e->id, 32, mk, mklen);
	}
	case BODY_COMPLETION_RECORD:
		/* Awarded against a version of one of the author's own modules. */
		rc = dget(txn, st, DB_D_MODVER, b->u.completion.module, 32, &v);
		if (rc == I40_E_NOT_FOUND)
			return 0;
		if (rc != 0)
			return rc;
		if (v.mv_size < 32 || memcmp(v.mv_data, e->h.author, 32) != 0)
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
			    (rc = load(txn, st, lk, &e, b)) != 0 ||
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

/* Roots. */

static int
log_root_txn(MDB_txn *txn, struct store *st, uint8_t root[32])
{
	crypto_generichash_blake2b_state hs;
	struct store_headrec h;
	struct ev_signed e;
	struct body *b = NULL;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t entry[32 + 8 + 32 + 8], lk[K_LOG];
	uint64_t seq;
	int rc;

	crypto_generichash_blake2b_init(&hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&hs, (const uint8_t *)LOG_ROOT_TAG,
	    sizeof(LOG_ROOT_TAG) - 1);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_HEAD], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		memcpy(entry, k.mv_data, 32);
		h.seq = store_be64(v.mv_data);
		memcpy(h.id, (uint8_t *)v.mv_data + 8, 32);
		h.frozen = store_be64((uint8_t *)v.mv_data + 40);
		/* A frozen log counts up to the event before its fork. */
		if (h.frozen != 0) {
			seq = h.frozen - 1;
			memset(h.id, 0, 32);
			if (seq > 0) {
				if (b == NULL && (b = malloc(sizeof(*b))) ==
				    NULL) {
					rc = I40_E_NOMEM;
					break;
				}
				store_logkey(lk, entry, seq);
				if ((rc = load(txn, st, lk, &e, b)) != 0)
					break;
				memcpy(h.id, e.id, 32);
			}
			h.seq = seq;
		}
		store_put64(entry + 32, h.seq);
		memcpy(entry + 40, h.id, 32);
		store_put64(entry + 72, h.frozen);
		crypto_generichash_blake2b_update(&hs, entry, sizeof(entry));
	}
	mdb_cursor_close(c);
	free(b);
	if (rc != MDB_NOTFOUND)
		return store_err(rc);
	crypto_generichash_blake2b_final(&hs, root, 32);
	return 0;
}

/* Walk every derived database in order, feeding fn its entries. */
typedef void (*entry_fn)(void *arg, int db, const MDB_val *k,
    const MDB_val *v);

/*
 * d_compl is stored by arrival number, which differs between nodes; the
 * state is its entries keyed by author||seq, in that order: follow `log`.
 */
static int
walk_compl(MDB_txn *txn, struct store *st, entry_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v, n;
	size_t found = 0;
	MDB_stat ms;
	int rc;

	if ((rc = mdb_cursor_open(txn, st->dbi[DB_LOG], &c)) != 0)
		return store_err(rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 8) {
			rc = I40_E_CORRUPT;
			break;
		}
		if ((rc = mdb_get(txn, st->dbi[DB_D_COMPL], &v, &n)) ==
		    MDB_NOTFOUND)
			continue;
		if (rc != 0)
			break;
		fn(arg, DB_D_COMPL, &k, &n);
		found++;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return store_err(rc);
	/* An entry no event leads to is damage, not state to skip. */
	if ((rc = mdb_stat(txn, st->dbi[DB_D_COMPL], &ms)) != 0)
		return store_err(rc);
	return ms.ms_entries == found ? 0 : I40_E_CORRUPT;
}

static int
walk_derived(MDB_txn *txn, struct store *st, entry_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	int d, rc;

	for (d = DB_D_FIRST; d < DB_COUNT; d++) {
		if (d == DB_D_COMPL) {
			if ((rc = walk_compl(txn, st, fn, arg)) != 0)
				return rc;
			continue;
		}
		if ((rc = mdb_cursor_open(txn, st->dbi[d], &c)) != 0)
			return store_err(rc);
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
			fn(arg, d, &k, &v);
		mdb_cursor_close(c);
		if (rc != MDB_NOTFOUND)
			return store_err(rc);
	}
	return 0;
}

static void
hash_entry(void *arg, int db, const MDB_val *k, const MDB_val *v)
{
	crypto_generichash_blake2b_state *hs = arg;
	uint8_t hdr[1 + 4 + 4];

	/* Length-prefixed, so no two different states hash the same bytes. */
	hdr[0] = (uint8_t)(db - DB_D_FIRST);
	hdr[1] = (uint8_t)(k->mv_size >> 24);
	hdr[2] = (uint8_t)(k->mv_size >> 16);
	hdr[3] = (uint8_t)(k->mv_size >> 8);
	hdr[4] = (uint8_t)k->mv_size;
	hdr[5] = (uint8_t)(v->mv_size >> 24);
	hdr[6] = (uint8_t)(v->mv_size >> 16);
	hdr[7] = (uint8_t)(v->mv_size >> 8);
	hdr[8] = (uint8_t)v->mv_size;
	crypto_generichash_blake2b_update(hs, hdr, sizeof(hdr));
	crypto_generichash_blake2b_update(hs, k->mv_data, k->mv_size);
	crypto_generichash_blake2b_update(hs, v->mv_data, v->mv_size);
}

static int
state_root_txn(MDB_txn *txn, struct store *st, uint8_t root[32])
{
	crypto_generichash_blake2b_state hs;
	int rc;

	crypto_generichash_blake2b_init(&hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&hs, (const uint8_t *)STATE_ROOT_TAG,
	    sizeof(STATE_ROOT_TAG) - 1);
	if ((rc = walk_derived(txn, st, hash_entry, &hs)) != 0)
		return rc;
	crypto_generichash_blake2b_final(&hs, root, 32);
	return 0;
}

int
store_log_root(struct store *st, uint8_t root[32])
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	rc = log_root_txn(txn, st, root);
	store_rtxn_end(st, txn);
	return rc;
}

int
store_state_root(struct store *st, uint8_t root[32])
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	rc = state_root_txn(txn, st, root);
	store_rtxn_end(st, txn);
	return rc;
}

struct dump {
	FILE *f;
};

static void
dump_hex(FILE *f, const MDB_val *x)
{
	size_t i;

	for (i = 0; i < x->mv_size; i++)
		fprintf(f, "%02x", ((const uint8_t *)x->mv_data)[i]);
}

static void
dump_entry(void *arg, int db, const MDB_val *k, const MDB_val *v)
{
	struct dump *d = arg;

	fprintf(d->f, "%s ", store_db_names[db]);
	dump_hex(d->f, k);
	fputc(' ', d->f);
	dump_hex(d->f, v);
	fputc('\n', d->f);
}

int
store_dump(struct store *st, int fd)
{
	struct dump d;
	MDB_txn *txn;
	int rc, dupfd;

	if ((dupfd = dup(fd)) < 0 || (d.f = fdopen(dupfd, "w")) == NULL) {
		if (dupfd >= 0)
			close(dupfd);
		return I40_E_NOMEM;
	}
	if ((rc = store_rtxn(st, &txn)) == 0) {
		rc = walk_derived(txn, st, dump_entry, &d);
		store_rtxn_end(st, txn);
	}
	if (fclose(d.f) != 0 && rc == 0)
		rc = I40_E_NOMEM;
	return rc;
}

/* What store_rebuild compares: the state root, and the indexes' digest. */
static int
rebuild_digest(MDB_txn *txn, struct store *st, uint8_t out[64])
{
	int rc;

	if ((rc = state_root_txn(txn, st, out)) != 0)
		return rc;
	return index_digest(txn, st, out + 32);
}

int
store_rebuild(struct store *st)
{
	uint8_t before[64], after[64];
	MDB_txn *txn;
	int rc;

	if (st->readonly)
		return I40_E_READONLY;
	if (st->failed)
		return I40_E_FAILED;
	for (;;) {
		if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0)
			return store_err(rc);
		if ((rc = rebuild_digest(txn, st, before)) == 0 &&
		    (rc = derive_rebuild(txn, st)) == 0)
			rc = rebuild_digest(txn, st, after);
		if (rc == I40_E_MAP_FULL) {
			mdb_txn_abort(txn);
			if ((rc = store_grow(st)) != 0)
				return rc;
			continue;
		}
		if (rc != 0 || memcmp(before, after, 64) == 0) {
			mdb_txn_abort(txn);
			return rc;
		}
		/* The stored state was wrong: keep the one from the events. */
		if ((rc = mdb_txn_commit(txn)) == 0)
			return I40_E_MISMATCH;
		if ((rc = store_commit_err(st, rc)) != I40_E_MAP_FULL ||
		    (rc = store_grow(st)) != 0)
			return rc;
	}
}
