/*
 * audit_why.c: the events the replay stored that count not, each named
 * with its reason (protocol.md §5.13: completions, module versions and
 * retirements, revocations; §11 and §12.4: what lies above a freeze point
 * or past a removal, as ranges).  The store's rules decided what counts;
 * this only reads the outcome back from the derived state (audit_walk.h)
 * and the stored events, and says which rule it was.
 */
#include "audit_walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_member.h"
#include "protocol/body.h"
#include "protocol/errors.h"
#include "protocol/event.h"

static int
cmp_id(const void *x, const void *y)
{
	return memcmp(x, y, 32);
}

static const struct modver *
modver_find(const struct walk *w, const uint8_t id[32])
{
	return w->nmv == 0 ? NULL : bsearch(id, w->mv, w->nmv, sizeof(*w->mv),
	    cmp_id);
}

/* A university's name for a report line: its SCHAC code, or a key. */
static void
univ_name(const struct audit *a, const uint8_t key[32], char out[80])
{
	const struct store_member *m = audit_member(a, key);

	if (m != NULL && m->schac[0] != '\0')
		snprintf(out, 80, "%s", m->schac);
	else
		ctl_fingerprint(key, out);
}

/* Why author's stored completion at seq counts not (§5.13). */
static void
why_completion(struct walk *w, struct store *st, const uint8_t *author,
    uint64_t seq)
{
	struct audit *a = w->a;
	struct store_event e, m;
	struct ev_signed ev, mev;
	struct body *b;
	const struct modver *v;
	uint8_t inst[32];
	char un[80];

	if ((b = malloc(sizeof(*b))) == NULL) {
		w->nomem = 1;
		return;
	}
	if (store_get(st, author, seq, &e) != 0) {
		free(b);
		return;
	}
	if (ev_decode(e.bytes, e.len, NULL, &ev, b, NULL) != 0 ||
	    store_university_key(st, author, inst) != 0) {
		free(e.bytes);
		free(b);
		return;
	}
	if ((v = modver_find(w, b->u.completion.module)) != NULL) {
		univ_name(a, v->univ, un);
		if (memcmp(v->univ, inst, 32) != 0)
			audit_add(a, AUDIT_NOT_COUNTED, author, seq, UINT64_MAX,
			    0, "a completion of %s's module %s: only the "
			    "university that owns a module records its "
			    "completions", un, v->code);
		else
			audit_add(a, AUDIT_NOT_COUNTED, author, seq, UINT64_MAX,
			    0, "a completion of module %s after that module "
			    "was retired", v->code);
	} else if (store_get_id(st, b->u.completion.module, &m) == 0) {
		int t = ev_decode(m.bytes, m.len, NULL, &mev, NULL, NULL) == 0 ?
		    (int)mev.h.type : 0;

		audit_add(a, AUDIT_NOT_COUNTED, author, seq, UINT64_MAX, 0,
		    "a completion against %s", t == BODY_MODULE_PUBLISH ||
		    t == BODY_MODULE_UPDATE ? "a module version that did not "
		    "count itself" : "an event that is not a module version");
		free(m.bytes);
	} else
		audit_add(a, AUDIT_NOT_COUNTED, author, seq, UINT64_MAX, 0,
		    "a completion against a module event that no log holds");
	free(e.bytes);
	free(b);
}

/* Why author's stored module version at seq counts not (§5.13). */
static void
why_module(struct walk *w, struct store *st, const uint8_t *author,
    uint64_t seq)
{
	struct store_event e;
	struct ev_signed ev;
	struct body *b;

	if ((b = malloc(sizeof(*b))) == NULL) {
		w->nomem = 1;
		return;
	}
	if (store_get(st, author, seq, &e) == 0) {
		if (ev_decode(e.bytes, e.len, NULL, &ev, b, NULL) == 0)
			audit_add(w->a, AUDIT_NOT_COUNTED, author, seq,
			    UINT64_MAX, 0, ev.h.type == BODY_MODULE_PUBLISH ?
			    "publishes module %.*s, a code its university "
			    "already has" : "updates module %.*s, which its "
			    "university does not have or has retired",
			    (int)b->u.module.code.len,
			    (const char *)b->u.module.code.p);
		free(e.bytes);
	}
	free(b);
}

/* Why a stored revocation counts not (§5.13). */
static void
why_revocation(struct audit *a, struct store *st,
    const struct audit_revocation *r)
{
	struct store_completion c;
	struct store_event e;
	uint8_t by[32], inst[32], cinst[32];

	if (store_completion_get(st, r->completion, &c, by) != 0) {
		int held = store_get_id(st, r->completion, &e) == 0;

		if (held)
			free(e.bytes);
		audit_add(a, AUDIT_NOT_COUNTED, r->author, r->seq, UINT64_MAX,
		    0, held ? "revokes an event that is not a counting "
		    "completion" : "revokes a completion that does not exist "
		    "(no event has that id)");
		return;
	}
	if (store_university_key(st, r->author, inst) == 0 &&
	    store_university_key(st, c.author, cinst) == 0 &&
	    memcmp(inst, cinst, 32) != 0)
		audit_add(a, AUDIT_NOT_COUNTED, r->author, r->seq, UINT64_MAX,
		    0, "revokes another university's completion");
	else
		audit_add(a, AUDIT_NOT_COUNTED, r->author, r->seq, UINT64_MAX,
		    0, "revokes a completion that an earlier revocation "
		    "already revoked");
}

/*
 * The last seq of author's log that counts at all: a frozen log's freeze
 * point, a removed member's upto, 0 for a key never admitted.  Events above it are named as a range,
 * not each with a reason of its own.
 */
uint64_t
audit_counts_up_to(const struct walk *w, const uint8_t author[32])
{
	const struct store_member *m = audit_member(w->a, author);
	uint64_t lim = UINT64_MAX;
	size_t i;

	if (m == NULL)
		return 0;		/* proposed, never admitted */
	for (i = 0; i < w->nfrozen; i++)
		if (memcmp(w->frozen[i].author, author, 32) == 0)
			lim = w->frozen[i].last;
	if (m != NULL && !m->active && m->upto < lim)
		lim = m->upto;
	return lim;
}

/* Forks, and the events above a freeze point or past a removal's upto. */
static int
frozen_and_removed(struct walk *w, struct store *st)
{
	struct audit *a = w->a;
	struct store_event ea, eb;
	struct ev_signed x, y;
	struct audit_log *l;
	size_t i;

	if (w->nfrozen > 0 && (a->forks = calloc(w->nfrozen,
	    sizeof(*a->forks))) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < w->nfrozen; i++) {
		struct audit_fork *f = &a->forks[a->nforks];

		memcpy(f->author, w->frozen[i].author, 32);
		f->last = w->frozen[i].last;
		if (store_fork_get(st, f->author, &ea, &eb) == 0) {
			if (ev_decode(ea.bytes, ea.len, NULL, &x, NULL,
			    NULL) == 0 && ev_decode(eb.bytes, eb.len, NULL, &y,
			    NULL, NULL) == 0) {
				f->seq = x.h.seq;
				memcpy(f->a, x.id, 32);
				memcpy(f->b, y.id, 32);
			}
			free(ea.bytes);
			free(eb.bytes);
		}
		a->nforks++;
		audit_add(a, AUDIT_FORK, f->author, f->seq, UINT64_MAX,
		    I40_E_FORK, "its key signed two different events at seq "
		    "%llu (the evidence travels with the log): a stolen key "
		    "or two copies of one node; its log counts up to seq %llu",
		    (unsigned long long)f->seq, (unsigned long long)f->last);
		if ((l = audit_log_find(a, f->author)) != NULL &&
		    l->head > f->last) {
			audit_range(audit_add(a, AUDIT_NOT_COUNTED, f->author,
			    f->last + 1, UINT64_MAX, I40_E_FROZEN, "above the "
			    "freeze point of its fork: they count on no node"),
			    l->head);
		}
	}
	for (i = 0; i < a->nmembers; i++) {
		const struct store_member *m = &a->members[i];
		uint64_t s;

		if (m->active || (l = audit_log_find(a, m->key)) == NULL ||
		    l->head <= m->upto)
			continue;
		/*
		 * A leaving university's node signs checkpoints until it learns
		 * of its removal: they carry nothing, and are counted, not
		 * found.  Anything else it signed past upto is a finding (a
		 * result recorded there counts on no node).
		 */
		for (s = m->upto + 1; s <= l->head && s != 0; s++) {
			struct store_event e;
			struct ev_signed ev;
			int cp = 0;

			if (store_get(st, m->key, s, &e) == 0) {
				cp = ev_decode(e.bytes, e.len, NULL, &ev, NULL,
				    NULL) == 0 && ev.h.type == BODY_CHECKPOINT;
				free(e.bytes);
			}
			if (cp) {
				l->late_checkpoints++;
				continue;
			}
			(void)audit_add(a, AUDIT_NOT_COUNTED, m->key, s,
			    UINT64_MAX, I40_E_REMOVED, "after its removal, which "
			    "lets its log count up to seq %llu",
			    (unsigned long long)m->upto);
		}
	}
	/* Stored (a proposal made them known) but never admitted. */
	for (i = 0; i < a->nlogs; i++) {
		l = &a->logs[i];
		if (l->stored == 0 || audit_member(a, l->author) != NULL)
			continue;
		audit_range(audit_add(a, AUDIT_NOT_COUNTED, l->author, 1,
		    UINT64_MAX, I40_E_UNKNOWN_AUTHOR, "its key was proposed "
		    "but never admitted: the events are stored, as every node "
		    "stores them, and count for nothing (no content, no vote)"),
		    l->head);
	}
	return 0;
}

/* How many keys back a key's university goes: 0 for its first key. */
static size_t
key_rank(const struct audit *a, const uint8_t *key)
{
	const struct store_member *m = audit_member(a, key);
	size_t n = 0;

	while (m != NULL && m->succession != 0 && n <= a->nmembers) {
		n++;
		m = audit_member(a, m->succeeds);
	}
	return n;
}

/* Does (ka, sa) come before (kb, sb) in their university's order? */
static int
before(const struct audit *a, const uint8_t *ka, uint64_t sa,
    const uint8_t *kb, uint64_t sb)
{
	size_t ra = key_rank(a, ka), rb = key_rank(a, kb);

	return ra != rb ? ra < rb : sa < sb;
}

/* Is r, of univ, a retirement of code whose log counts at its seq? */
static int
retires(struct walk *w, struct store *st, const struct audit_retire *r,
    const uint8_t univ[32], const char *code)
{
	uint8_t inst[32];

	return strcmp(r->code, code) == 0 &&
	    r->seq <= audit_counts_up_to(w, r->author) &&
	    store_university_key(st, r->author, inst) == 0 &&
	    memcmp(inst, univ, 32) == 0;
}

/*
 * Why a stored module_retire within its log's counting range counts not,
 * if it does not (§5.13: its university has the code and has not retired
 * it).  Of those after the module's version in force, the first in its
 * university's order (keys as they succeeded each other, then seq) is
 * the one that retired it.
 */
static void
why_retire(struct walk *w, struct store *st, const struct audit_retire *r)
{
	struct audit *a = w->a;
	const struct module_entry *me = NULL;
	struct store_event pe;
	struct ev_signed pub;
	uint8_t inst[32];
	size_t i;

	if (r->seq > audit_counts_up_to(w, r->author) ||
	    store_university_key(st, r->author, inst) != 0)
		return;
	for (i = 0; i < w->nmods && me == NULL; i++)
		if (memcmp(w->mods[i].univ, inst, 32) == 0 &&
		    strcmp(w->mods[i].code, r->code) == 0)
			me = &w->mods[i];
	if (me == NULL) {
		audit_add(a, AUDIT_NOT_COUNTED, r->author, r->seq, UINT64_MAX,
		    0, "retires module %s, which its university never "
		    "published", r->code);
		return;
	}
	if (store_get_id(st, me->current, &pe) != 0)
		return;
	i = ev_decode(pe.bytes, pe.len, NULL, &pub, NULL, NULL) == 0;
	free(pe.bytes);
	if (!i)
		return;
	/*
	 * Before the version in force is before the first version: a
	 * retirement between them would have counted, and no later version.
	 */
	if (before(a, r->author, r->seq, pub.h.author, pub.h.seq)) {
		audit_add(a, AUDIT_NOT_COUNTED, r->author, r->seq, UINT64_MAX,
		    0, "retires module %s before its university published it",
		    r->code);
		return;
	}
	if (!me->retired) {
		audit_add(a, AUDIT_INTERNAL, r->author, r->seq, UINT64_MAX, 0,
		    "retires module %s after its version in force, yet the "
		    "module is not retired: the replay's state and §5.13 "
		    "disagree; report it", r->code);
		return;
	}
	for (i = 0; i < a->nretires; i++) {
		const struct audit_retire *x = &a->retires[i];

		if (x != r && retires(w, st, x, inst, r->code) &&
		    !before(a, x->author, x->seq, pub.h.author, pub.h.seq) &&
		    before(a, x->author, x->seq, r->author, r->seq)) {
			audit_add(a, AUDIT_NOT_COUNTED, r->author, r->seq,
			    UINT64_MAX, 0, "retires module %s, which its "
			    "university retired already (seq %llu)", r->code,
			    (unsigned long long)x->seq);
			return;
		}
	}
}

int
audit_why(struct walk *w, struct store *st)
{
	struct audit *a = w->a;
	size_t i;

	if (w->nmv > 0)
		qsort(w->mv, w->nmv, sizeof(*w->mv), cmp_id);
	if (w->nrv > 0)
		qsort(w->revoked_by, w->nrv, 32, cmp_id);
	for (i = 0; i < w->nmiss; i++)
		if (w->miss[i].seq > audit_counts_up_to(w, w->miss[i].author))
			continue;
		else if (w->miss[i].module)
			why_module(w, st, w->miss[i].author, w->miss[i].seq);
		else
			why_completion(w, st, w->miss[i].author,
			    w->miss[i].seq);
	for (i = 0; i < a->nrevs; i++) {
		a->revs[i].counted = w->nrv > 0 && bsearch(a->revs[i].id,
		    w->revoked_by, w->nrv, 32, cmp_id) != NULL;
		if (!a->revs[i].counted && a->revs[i].seq <=
		    audit_counts_up_to(w, a->revs[i].author))
			why_revocation(a, st, &a->revs[i]);
	}
	for (i = 0; i < a->nretires; i++)
		why_retire(w, st, &a->retires[i]);
	return frozen_and_removed(w, st);
}
