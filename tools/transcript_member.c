/*
 * transcript_member.c: the membership a transcript proves (see
 * transcript_int.h, docs/protocol.md §16.3 rule 4).
 *
 * A verifier holds the genesis and nothing else, so a university
 * admitted later, or removed, or succeeding a stolen key, is proven by
 * the membership events themselves: the proposal, each member's first
 * endorsement of it, and their authors' key rotations.  The evaluation
 * is the rule of §12.1 (rounds, passes, admissions before removals, one
 * vote per member, nobody admits itself, a removed key never returns,
 * one active key per university) run over the charter and that evidence
 * alone.  Evidence left out can only make the membership smaller than a
 * node's, never admit a key the events do not admit.
 */
#include "transcript_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"

/* ---- building, from a store --------------------------------------- */

struct mb {
	struct store *st;
	struct store_member *ms;
	size_t nm;
	uint8_t (*todo)[32];		/* keys whose evidence is wanted */
	size_t ntodo, captodo, next;
	struct tr_dev *ev;		/* the evidence so far */
	size_t nev, capev;
};

static int
mb_want(struct mb *b, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < b->ntodo; i++)
		if (memcmp(b->todo[i], key, 32) == 0)
			return 0;
	if (b->ntodo == b->captodo) {
		size_t ncap = b->captodo ? 2 * b->captodo : 32;
		uint8_t (*t)[32] = realloc(b->todo, ncap * 32);

		if (t == NULL)
			return I40_E_NOMEM;
		b->todo = t;
		b->captodo = ncap;
	}
	memcpy(b->todo[b->ntodo++], key, 32);
	return 0;
}

/*
 * Add a stored event (taken over) to the evidence, once; its index
 * there into *at (may be NULL).
 */
static int
mb_add(struct mb *b, struct store_event *se, size_t *at)
{
	struct tr_dev d;
	size_t i;
	int rc;

	if ((rc = tr_dev_decode(&d, se->bytes, se->len, NULL)) != 0) {
		tr_dev_free(&d);
		return rc == I40_E_NOMEM ? rc : I40_E_CORRUPT;
	}
	for (i = 0; i < b->nev; i++)
		if (memcmp(b->ev[i].e.id, d.e.id, 32) == 0) {
			tr_dev_free(&d);
			if (at != NULL)
				*at = i;
			return 0;
		}
	if (b->nev == b->capev) {
		size_t ncap = b->capev ? 2 * b->capev : 32;
		struct tr_dev *t = realloc(b->ev, ncap * sizeof(*t));

		if (t == NULL) {
			tr_dev_free(&d);
			return I40_E_NOMEM;
		}
		b->ev = t;
		b->capev = ncap;
	}
	if (at != NULL)
		*at = b->nev;
	b->ev[b->nev++] = d;
	return 0;
}

/* A proposal, each endorser's first endorsement, and who wrote them. */
static int
mb_proposal(struct mb *b, const uint8_t id[EV_ID_BYTES])
{
	struct store_endorser *en = NULL;
	struct store_event se;
	size_t ne = 0, i, at = 0;
	int rc;

	if ((rc = store_get_id(b->st, id, &se)) != 0 ||
	    (rc = mb_add(b, &se, &at)) != 0 ||
	    (rc = mb_want(b, b->ev[at].e.h.author)) != 0 ||
	    (rc = store_endorsers(b->st, id, &en, &ne)) != 0)
		return rc;
	for (i = 0; i < ne && rc == 0; i++)
		if ((rc = store_get(b->st, en[i].key, en[i].seq, &se)) == 0 &&
		    (rc = mb_add(b, &se, NULL)) == 0)
			rc = mb_want(b, en[i].key);
	free(en);
	return rc;
}

static const struct store_member *
mb_member(const struct mb *b, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < b->nm; i++)
		if (memcmp(b->ms[i].key, key, 32) == 0)
			return &b->ms[i];
	return NULL;
}

static int
mb_rot_cb(void *arg, const uint8_t *bytes, size_t len)
{
	struct mb *b = arg;
	struct store_event se;
	struct ev_signed e;

	if (ev_decode(bytes, len, NULL, &e, NULL, NULL) != 0)
		return I40_E_CORRUPT;
	if (e.h.type != BODY_KEY_ROTATE)
		return 0;
	if ((se.bytes = malloc(len)) == NULL)
		return I40_E_NOMEM;
	memcpy(se.bytes, bytes, len);
	se.len = len;
	return mb_add(b, &se, NULL);
}

static int
is_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

int
tr_members_build(struct store *st, const uint8_t (*authors)[32], size_t n,
    json_t **out)
{
	struct mb b;
	size_t i, j, nev;
	int rc = 0;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.st = st;
	if ((rc = store_members(st, &b.ms, &b.nm)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++)
		rc = mb_want(&b, authors[i]);
	/* Each key once; the ones its evidence names join the list. */
	for (; rc == 0 && b.next < b.ntodo; b.next++) {
		const struct store_member *m = mb_member(&b, b.todo[b.next]);

		if (m == NULL)
			continue;
		if (!is_zero(m->admitted_by, EV_ID_BYTES))
			rc = mb_proposal(&b, m->admitted_by);
		if (rc == 0 && !is_zero(m->removed_by, EV_ID_BYTES))
			rc = mb_proposal(&b, m->removed_by);
		if (rc == 0 && m->succession != 0)
			rc = mb_want(&b, m->succeeds);
	}
	/* The rotations the key in force of each event needs. */
	nev = b.nev;
	for (i = 0; i < b.ntodo && rc == 0; i++) {
		const struct store_member *m = mb_member(&b, b.todo[i]);
		uint64_t top = 0;

		for (j = 0; j < nev; j++)
			if (memcmp(b.ev[j].e.h.author, b.todo[i], 32) == 0 &&
			    b.ev[j].e.h.seq > top)
				top = b.ev[j].e.h.seq;
		if (m == NULL || m->rotated == 0 || top <= 1)
			continue;
		rc = store_walk(st, b.todo[i], 1, m->rotated < top ?
		    m->rotated : top - 1, mb_rot_cb, &b);
	}
	if (rc == 0 && (*out = json_array()) == NULL)
		rc = I40_E_NOMEM;
	for (i = 0; i < b.nev && rc == 0; i++)
		if (json_array_append_new(*out, tr_b64(b.ev[i].bytes,
		    b.ev[i].len)) != 0)
			rc = I40_E_NOMEM;
	if (rc != 0) {
		json_decref(*out);
		*out = NULL;
	}
out:
	for (i = 0; i < b.nev; i++)
		tr_dev_free(&b.ev[i]);
	free(b.ev);
	free(b.todo);
	free(b.ms);
	return rc;
}

/* ---- evaluating, offline ------------------------------------------ */

/* A rotation of the evidence: the key after it, and whether it holds. */
struct rot {
	const uint8_t *author;
	uint64_t seq;
	const struct tr_dev *d;
	int good;
};

/* A proposal of the evidence and its votes: each key's first. */
struct prop {
	const struct tr_dev *d;
	int applied;
	struct vote {
		const uint8_t *key;
		uint64_t seq;
	} *votes;
	size_t nvotes;
};

struct gone {
	uint8_t key[32];
	uint64_t upto;
};

struct eval {
	const struct tr_dev *g;
	struct tr_dev *ev;
	size_t nev;
	struct rot *rots;
	size_t nrots;
	struct prop *props;
	size_t nprops;
	struct gone *gone;		/* excluded past upto, this round */
	size_t ngone;
	const uint8_t **ever;		/* keys that ever were members */
	size_t never;
};

static int
ev_id_cmp(const void *a, const void *b)
{
	const struct tr_dev *x = a, *y = b;
	int c = memcmp(x->e.id, y->e.id, 32);

	return c != 0 ? c : memcmp(x->e.sig, y->e.sig, 64);
}

static int
rot_order(const void *a, const void *b)
{
	const struct rot *x = a, *y = b;
	int c = memcmp(x->author, y->author, 32);

	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Each author's rotations in seq order, each checked under the key
 * before it.  At one seq, copies of one event (one id) are one rotation
 * if one of them verifies; two that verify with different ids are a
 * fork (§4.4), and a fork or a seq where none verifies breaks the chain:
 * nothing at or past it has a key in force offline.  One that does not
 * verify beside one that does is ignored, so junk cannot break a chain.
 */
static int
chain_rotations(struct eval *v)
{
	size_t i, j, k = 0;
	uint8_t key[32];

	for (i = 0; i < v->nev; i++)
		k += v->ev[i].e.h.type == BODY_KEY_ROTATE;
	if (k == 0)
		return 0;
	if ((v->rots = calloc(k, sizeof(*v->rots))) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < v->nev; i++)
		if (v->ev[i].e.h.type == BODY_KEY_ROTATE) {
			v->rots[v->nrots].author = v->ev[i].e.h.author;
			v->rots[v->nrots].seq = v->ev[i].e.h.seq;
			v->rots[v->nrots++].d = &v->ev[i];
		}
	qsort(v->rots, v->nrots, sizeof(*v->rots), rot_order);
	for (i = 0; i < v->nrots; i = j) {
		const struct tr_dev *ok = NULL;
		int broken = 0;

		if (i == 0 || memcmp(v->rots[i].author, v->rots[i - 1].author,
		    32) != 0)
			memcpy(key, v->rots[i].author, 32);
		else if (!v->rots[i - 1].good)
			broken = 1;	/* broken below stays broken */
		for (j = i; j < v->nrots && v->rots[j].seq == v->rots[i].seq &&
		    memcmp(v->rots[j].author, v->rots[i].author, 32) == 0; j++) {
			if (broken || ev_verify(&v->rots[j].d->e, key) != 0)
				continue;
			if (ok != NULL && memcmp(ok->e.id, v->rots[j].d->e.id,
			    32) != 0)
				broken = 1;	/* a fork */
			else
				ok = v->rots[j].d;
		}
		broken |= ok == NULL;
		/* Each of the seq's entries says what the chain is after it. */
		for (k = i; k < j; k++) {
			v->rots[k].good = !broken;
			if (!broken)
				v->rots[k].d = ok;
		}
		if (!broken)
			memcpy(key, ok->b->u.rotate.next, 32);
	}
	return 0;
}

/* The key in force for author at seq; 0 when the chain broke below. */
static int
key_in_force(const struct eval *v, const uint8_t author[32], uint64_t seq,
    uint8_t key[32])
{
	size_t i;

	memcpy(key, author, 32);
	for (i = 0; i < v->nrots; i++) {
		if (memcmp(v->rots[i].author, author, 32) != 0 ||
		    v->rots[i].seq >= seq)
			continue;
		if (!v->rots[i].good)
			return 0;
		memcpy(key, v->rots[i].d->b->u.rotate.next, 32);
	}
	return 1;
}

static int
signed_ok(const struct eval *v, const struct tr_dev *d)
{
	uint8_t key[32];

	return key_in_force(v, d->e.h.author, d->e.h.seq, key) &&
	    ev_verify(&d->e, key) == 0;
}

/* Was key ever a member (in v->ever, after ever_members)? */
static int
ever(const struct eval *v, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < v->never; i++)
		if (memcmp(v->ever[i], key, 32) == 0)
			return 1;
	return 0;
}

static int
ever_add(struct eval *v, const uint8_t *key)
{
	const uint8_t **n;

	if (ever(v, key))
		return 0;
	if ((n = realloc(v->ever, (v->never + 1) * sizeof(*n))) == NULL)
		return I40_E_NOMEM;
	v->ever = n;
	v->ever[v->never++] = key;
	return 0;
}

struct by_author {
	const uint8_t *author;
	size_t i;
};

static int
by_author_cmp(const void *a, const void *b)
{
	return memcmp(((const struct by_author *)a)->author,
	    ((const struct by_author *)b)->author, 32);
}

/*
 * The keys that ever were members: the charter's (role member), then,
 * breadth first, those that a kept proposal names with role member,
 * a proposal being kept when its author ever was one.  Each key's
 * proposals are found by binary search, so a chain of admissions costs
 * one pass, not one per link.  Marks kept proposals applied = 1.
 */
static int
ever_members(struct eval *v)
{
	const struct body_charter *ch = &v->g->b->u.charter;
	struct by_author *order;
	size_t i, qi, lo, hi;
	int rc = 0;

	for (i = 0; i < ch->nmembers && rc == 0; i++)
		if (ch->members[i].role.len == 6 &&
		    memcmp(ch->members[i].role.p, "member", 6) == 0)
			rc = ever_add(v, ch->members[i].key);
	if (rc != 0 || (order = calloc(v->nprops + 1, sizeof(*order))) == NULL)
		return rc != 0 ? rc : I40_E_NOMEM;
	for (i = 0; i < v->nprops; i++) {
		order[i].author = v->props[i].d->e.h.author;
		order[i].i = i;
	}
	qsort(order, v->nprops, sizeof(*order), by_author_cmp);
	for (qi = 0; qi < v->never && rc == 0; qi++) {
		for (lo = 0, hi = v->nprops; lo < hi;) {
			size_t mid = (lo + hi) / 2;

			if (memcmp(order[mid].author, v->ever[qi], 32) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < v->nprops && rc == 0 && memcmp(order[lo].author,
		    v->ever[qi], 32) == 0; lo++) {
			struct prop *p = &v->props[order[lo].i];
			const struct body_member *bm = &p->d->b->u.member;

			p->applied = 1;
			if (p->d->e.h.type == BODY_MEMBER_PROPOSE &&
			    bm->role.len == 6 && memcmp(bm->role.p, "member",
			    6) == 0)
				rc = ever_add(v, bm->key);
		}
	}
	free(order);
	return rc;
}

/* The proposals that verify, in id order, each with its votes. */
static int
collect_props(struct eval *v)
{
	size_t i, j, k;
	int rc;

	if ((v->props = calloc(v->nev + 1, sizeof(*v->props))) == NULL)
		return I40_E_NOMEM;
	/* In id order; of copies of one id, the first that verifies. */
	for (i = 0; i < v->nev; i++) {
		uint32_t t = v->ev[i].e.h.type;

		if ((t == BODY_MEMBER_PROPOSE || t == BODY_MEMBER_REMOVE) &&
		    (v->nprops == 0 || memcmp(v->props[v->nprops - 1].d->e.id,
		    v->ev[i].e.id, 32) != 0) && signed_ok(v, &v->ev[i]))
			v->props[v->nprops++].d = &v->ev[i];
	}
	/*
	 * Keys that never were members (in the charter, or named by a
	 * proposal here) can never count: their proposals and votes go
	 * before any round, so that no throwaway key changes a round's
	 * exclusions or costs the passes time.
	 */
	if ((rc = ever_members(v)) != 0)
		return rc;
	for (i = 0, k = 0; i < v->nprops; i++)
		if (v->props[i].applied)
			v->props[k++] = v->props[i];
	v->nprops = k;
	for (i = 0; i < v->nev; i++) {
		const struct tr_dev *d = &v->ev[i];
		struct prop *p = NULL;
		struct vote *nv;

		if (d->e.h.type != BODY_MEMBER_ENDORSE ||
		    !ever(v, d->e.h.author) || !signed_ok(v, d))
			continue;
		for (j = 0; j < v->nprops && p == NULL; j++)
			if (memcmp(v->props[j].d->e.id, d->b->u.endorse.proposal,
			    32) == 0)
				p = &v->props[j];
		if (p == NULL)
			continue;
		/* One vote per key: its first endorsement decides. */
		for (k = 0; k < p->nvotes; k++)
			if (memcmp(p->votes[k].key, d->e.h.author, 32) == 0)
				break;
		if (k < p->nvotes) {
			if (d->e.h.seq < p->votes[k].seq)
				p->votes[k].seq = d->e.h.seq;
			continue;
		}
		if ((nv = realloc(p->votes, (p->nvotes + 1) *
		    sizeof(*p->votes))) == NULL)
			return I40_E_NOMEM;	/* p->votes freed by the caller */
		p->votes = nv;
		p->votes[p->nvotes].key = d->e.h.author;
		p->votes[p->nvotes++].seq = d->e.h.seq;
	}
	return 0;
}

/* tr_mset_find, for the evaluation that changes what it finds. */
static struct tr_mem *
mfind(struct tr_mset *ms, const uint8_t key[32])
{
	return (struct tr_mem *)tr_mset_find(ms, key);
}

static void
schac_hash(struct codec_bytes s, uint8_t out[32])
{
	static const uint8_t tag[] = "i40 transcript schac";

	crypto_generichash(out, 32, s.p, s.len, tag, sizeof(tag) - 1);
}

static int
madd(struct tr_mset *ms, const struct body_member *bm)
{
	struct tr_mem *t = realloc(ms->m, (ms->n + 1) * sizeof(*t));

	if (t == NULL)
		return I40_E_NOMEM;
	ms->m = t;
	t = &ms->m[ms->n++];
	memset(t, 0, sizeof(*t));
	memcpy(t->key, bm->key, 32);
	t->member = bm->role.len == 6 && memcmp(bm->role.p, "member", 6) == 0;
	t->active = 1;
	t->upto = UINT64_MAX;
	schac_hash(bm->schac, t->schac);
	snprintf(t->u.schac, sizeof(t->u.schac), "%.*s", (int)bm->schac.len,
	    (const char *)bm->schac.p);
	snprintf(t->u.name_en, sizeof(t->u.name_en), "%.*s",
	    (int)bm->name_en.len, (const char *)bm->name_en.p);
	snprintf(t->u.name_sv, sizeof(t->u.name_sv), "%.*s",
	    (int)bm->name_sv.len, (const char *)bm->name_sv.p);
	return 0;
}

static size_t
nactive(const struct tr_mset *ms)
{
	size_t i, n = 0;

	for (i = 0; i < ms->n; i++)
		n += ms->m[i].member && ms->m[i].active;
	return n;
}

/* Does key's event at seq count at this step (§12.1 rule 1)? */
static int
counts(const struct eval *v, struct tr_mset *ms, const uint8_t key[32],
    uint64_t seq)
{
	const struct tr_mem *m = mfind(ms, key);
	size_t i;

	if (m == NULL || !m->member || !m->active)
		return 0;
	for (i = 0; i < v->ngone; i++)
		if (seq > v->gone[i].upto && memcmp(v->gone[i].key, key,
		    32) == 0)
			return 0;
	return 1;
}

static int
schac_taken(const struct tr_mset *ms, const uint8_t sh[32])
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (ms->m[i].active && ms->m[i].member &&
		    memcmp(ms->m[i].schac, sh, 32) == 0)
			return 1;
	return 0;
}

/* One round: passes from the charter until nothing changes. */
static int
run_round(struct eval *v, struct tr_mset *ms)
{
	const struct body_charter *ch = &v->g->b->u.charter;
	size_t i, k, sup, need, act;
	int changed, rc;

	ms->n = 0;
	for (i = 0; i < ch->nmembers; i++)
		if ((rc = madd(ms, &ch->members[i])) != 0)
			return rc;
	for (i = 0; i < v->nprops; i++)
		v->props[i].applied = 0;
	do {
		changed = 0;
		for (i = 0; i < 2 * v->nprops; i++) {
			struct prop *p = &v->props[i % v->nprops];
			const struct tr_dev *d = p->d;
			int admit = d->e.h.type == BODY_MEMBER_PROPOSE;
			const uint8_t *key = admit ? d->b->u.member.key :
			    d->b->u.remove.key;
			struct tr_mem *t;

			if ((i < v->nprops) != admit || p->applied ||
			    (admit && memcmp(key, d->e.h.author, 32) == 0) ||
			    !counts(v, ms, d->e.h.author, d->e.h.seq))
				continue;
			sup = 1;
			for (k = 0; k < p->nvotes; k++)
				sup += memcmp(p->votes[k].key, d->e.h.author,
				    32) != 0 && counts(v, ms, p->votes[k].key,
				    p->votes[k].seq);
			act = nactive(ms);
			need = act * v->g->b->u.charter.admit_pct / 100 + 1;
			if (need > act)
				need = act;
			if (sup < need)
				continue;
			t = mfind(ms, key);
			if (admit && t == NULL) {
				uint8_t sh[32];
				const struct body_member *bm = &d->b->u.member;

				schac_hash(bm->schac, sh);
				if (bm->role.len == 6 && memcmp(bm->role.p,
				    "member", 6) == 0 && schac_taken(ms, sh))
					continue;
				if ((rc = madd(ms, bm)) != 0)
					return rc;
			} else if (!admit && t != NULL && t->active) {
				t->active = 0;
				t->upto = d->b->u.remove.upto;
			}
			p->applied = 1;
			changed = 1;
		}
	} while (changed);
	return 0;
}

/* The removals ms ends with become the next round's exclusions. */
static int
next_gone(struct eval *v, const struct tr_mset *ms, int *same)
{
	struct gone *g;
	size_t i, j, n = 0;

	for (i = 0; i < ms->n; i++)
		n += !ms->m[i].active;
	if ((g = calloc(n + 1, sizeof(*g))) == NULL)
		return I40_E_NOMEM;
	for (i = 0, n = 0; i < ms->n; i++)
		if (!ms->m[i].active) {
			memcpy(g[n].key, ms->m[i].key, 32);
			g[n++].upto = ms->m[i].upto;
		}
	*same = n == v->ngone;
	for (i = 0; *same && i < n; i++) {
		for (j = 0; j < v->ngone; j++)
			if (memcmp(v->gone[j].key, g[i].key, 32) == 0 &&
			    v->gone[j].upto == g[i].upto)
				break;
		*same = j < v->ngone;
	}
	free(v->gone);
	v->gone = g;
	v->ngone = n;
	return 0;
}

#define TR_ROUNDS 8

int
tr_mset_eval(const struct tr_dev *g, const json_t *members,
    struct tr_mset *ms, char *why, size_t cap)
{
	struct eval v;
	size_t i, n = json_array_size(members), k = 0, r;
	int rc = 0, same = 0;

	memset(ms, 0, sizeof(*ms));
	memset(&v, 0, sizeof(v));
	if (cap > 0)
		why[0] = '\0';
	v.g = g;
	ms->pct = g->b->u.charter.admit_pct;
	if (members != NULL && !json_is_array(members)) {
		snprintf(why, cap, "its \"members\" is not a list");
		return I40_E_TYPE;
	}
	if (n > TR_MAX_EVIDENCE) {
		snprintf(why, cap, "its \"members\" holds more than %d events",
		    TR_MAX_EVIDENCE);
		return I40_E_TOO_LONG;
	}
	if ((v.ev = calloc(n + 1, sizeof(*v.ev))) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < n && rc == 0; i++) {
		uint8_t *p;
		size_t len;
		uint32_t t;

		if ((p = tr_unb64(json_array_get(members, i), &len)) == NULL) {
			snprintf(why, cap, "its membership evidence %zu is not "
			    "base64", i + 1);
			rc = I40_E_VALUE;
		} else if ((rc = tr_dev_decode(&v.ev[k], p, len,
		    g->e.h.fed_id)) != 0) {
			snprintf(why, cap, "its membership evidence %zu is no "
			    "event of this federation: %s", i + 1,
			    i40_strerror(rc));
			k++;
		} else if ((t = v.ev[k].e.h.type) == BODY_MEMBER_PROPOSE ||
		    t == BODY_MEMBER_ENDORSE || t == BODY_MEMBER_REMOVE ||
		    t == BODY_KEY_ROTATE) {
			k++;
		} else {
			tr_dev_free(&v.ev[k]);
		}
	}
	v.nev = k;
	if (rc != 0)
		goto out;
	/* The same event twice is once. */
	qsort(v.ev, v.nev, sizeof(*v.ev), ev_id_cmp);
	for (i = 0, k = 0; i < v.nev; i++) {
		if (k > 0 && memcmp(v.ev[k - 1].e.id, v.ev[i].e.id, 32) == 0 &&
		    memcmp(v.ev[k - 1].e.sig, v.ev[i].e.sig, 64) == 0) {
			tr_dev_free(&v.ev[i]);
			continue;
		}
		v.ev[k++] = v.ev[i];
	}
	v.nev = k;
	if ((rc = chain_rotations(&v)) != 0 || (rc = collect_props(&v)) != 0)
		goto out;
	/*
	 * Rounds as in §12.1: the first excludes the events past upto of
	 * every removal the evidence holds, each later one those of the
	 * removals the round before ended with.
	 */
	if ((v.gone = calloc(v.nprops + 1, sizeof(*v.gone))) == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	for (i = 0; i < v.nprops; i++)
		if (v.props[i].d->e.h.type == BODY_MEMBER_REMOVE) {
			memcpy(v.gone[v.ngone].key, v.props[i].d->b->u.remove.key,
			    32);
			v.gone[v.ngone++].upto = v.props[i].d->b->u.remove.upto;
		}
	for (r = 0; r < TR_ROUNDS && rc == 0; r++) {
		if ((rc = run_round(&v, ms)) == 0 &&
		    (rc = next_gone(&v, ms, &same)) == 0 && same)
			break;
	}
out:
	if (rc != 0 && cap > 0 && why[0] == '\0')
		snprintf(why, cap, "cannot evaluate its membership evidence: "
		    "%s", i40_strerror(rc));
	for (i = 0; i < v.nprops; i++)
		free(v.props[i].votes);
	free(v.props);
	free(v.rots);
	free(v.gone);
	free(v.ever);
	for (i = 0; i < v.nev; i++)
		tr_dev_free(&v.ev[i]);
	free(v.ev);
	if (rc != 0)
		tr_mset_free(ms);
	return rc;
}

void
tr_mset_free(struct tr_mset *ms)
{
	free(ms->m);
	memset(ms, 0, sizeof(*ms));
}

const struct tr_mem *
tr_mset_find(const struct tr_mset *ms, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < ms->n; i++)
		if (memcmp(ms->m[i].key, key, 32) == 0)
			return &ms->m[i];
	return NULL;
}

const struct tr_mem *
tr_mset_succeeds(const struct tr_mset *ms, const struct tr_mem *b)
{
	const struct tr_mem *a = NULL;
	size_t i;

	if (!b->member)
		return NULL;
	for (i = 0; i < ms->n && &ms->m[i] != b; i++)
		if (ms->m[i].member && memcmp(ms->m[i].schac, b->schac,
		    32) == 0)
			a = &ms->m[i];
	return a != NULL && !a->active ? a : NULL;
}
