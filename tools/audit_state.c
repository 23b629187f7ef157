/*
 * audit_state.c: what `i40ctl audit` makes of the replay's derived state.
 * The roots are hashed here from docs/protocol.md §14, not by the store's
 * code, and compared with the store's; the events that were stored but
 * count not (§5.13, §11, §12.4) are named with their reason; and a data
 * directory's roots and state are compared with the replay's, entry by
 * entry where they differ.
 */
#include "audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_member.h"
#include "protocol/be.h"
#include "protocol/errors.h"

#define LOG_ROOT_TAG "i40/log-root/v1"
#define STATE_ROOT_TAG "i40/state-root/v1"

static const char *const table_names[STORE_T_COUNT] = {
	"d_member", "d_module", "d_modver", "d_compl", "d_revoke", "d_fork",
	"d_settle"
};

/* §14.2: the size of each table's keys and values; 0: variable. */
static int
entry_ok(unsigned t, size_t kl, size_t vl)
{
	switch (t) {
	case STORE_T_MEMBER:
		return kl == 32 && vl == 1 + 1 + 8 + 32 + 32 + 1 + 32;
	case STORE_T_MODULE:
		return kl > 32 && kl <= 64 && vl == 33;
	case STORE_T_MODVER:
		return kl == 40 && vl > 64 && vl <= 96;
	case STORE_T_COMPL:
		return kl == 40 && vl == 16 + 32 + 1 + 1;
	case STORE_T_REVOKE:
		return kl == 40 && vl == 32;
	case STORE_T_FORK:
		return kl == 32 && vl == 8;
	case STORE_T_SETTLE:
		return kl == 32 && vl == 40;
	default:
		return 0;
	}
}

/* A counting module version, for the reasons of completions that fail. */
struct modver {
	uint8_t id[32], univ[32];
	char code[33];
};

/* One entry of the log root (§14.1): a head as it counts. */
struct lr_entry {
	uint8_t author[32];
	uint64_t seq;
	uint8_t id[32];
	uint64_t frozen;		/* 0 or 1 */
};

struct walk {
	struct audit *a;
	crypto_generichash_blake2b_state hs;
	size_t *cur;			/* per log: next completion, version */
	size_t *mcur;
	struct modver *mv;		/* every counting version */
	size_t nmv, capmv;
	uint8_t (*revoked_by)[32];	/* counting revocations' ids */
	size_t nrv, caprv;
	struct { uint8_t author[32]; uint64_t last; } *frozen;
	size_t nfrozen, capfrozen;
	struct { uint8_t author[32]; uint64_t seq; int module; } *miss;
	size_t nmiss, capmiss;
	struct lr_entry *lre;		/* §14.1's entries, by author */
	size_t nlre;
	int bad;			/* an entry not as §14.2 lays it out */
	int nomem;
};

static int
more(void **p, size_t *cap, size_t n, size_t size)
{
	void *q;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap != 0 ? 2 * *cap : 64;
	if ((q = realloc(*p, c * size)) == NULL)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* The log's stored seqs in v[*cur..] below seq count not: note them. */
static void
missed(struct walk *w, const uint8_t *author, const uint64_t *v, size_t n,
    size_t *cur, uint64_t seq, int module)
{
	while (*cur < n && v[*cur] < seq) {
		if (more((void **)&w->miss, &w->capmiss, w->nmiss,
		    sizeof(*w->miss)) != 0) {
			w->nomem = 1;
			return;
		}
		memcpy(w->miss[w->nmiss].author, author, 32);
		w->miss[w->nmiss].seq = v[*cur];
		w->miss[w->nmiss++].module = module;
		(*cur)++;
	}
	if (*cur < n && v[*cur] == seq)
		(*cur)++;
}

static int
on_entry(void *arg, unsigned t, const uint8_t *k, size_t kl,
    const uint8_t *v, size_t vl)
{
	struct walk *w = arg;
	struct audit *a = w->a;
	struct audit_log *l;
	uint8_t hdr[9];

	if (!entry_ok(t, kl, vl)) {
		w->bad = 1;
		return 0;
	}
	/* §14.2: table(1) ‖ key length(4) ‖ value length(4) ‖ key ‖ value */
	hdr[0] = (uint8_t)t;
	be_put32(hdr + 1, (uint32_t)kl);
	be_put32(hdr + 5, (uint32_t)vl);
	crypto_generichash_blake2b_update(&w->hs, hdr, sizeof(hdr));
	crypto_generichash_blake2b_update(&w->hs, k, kl);
	crypto_generichash_blake2b_update(&w->hs, v, vl);
	switch (t) {
	case STORE_T_MODVER:
		a->modvers++;
		if ((l = audit_log_find(a, k)) != NULL)
			missed(w, k, l->mods, l->nmods,
			    &w->mcur[l - a->logs], be_get64(k + 32), 1);
		if (more((void **)&w->mv, &w->capmv, w->nmv, sizeof(*w->mv))
		    != 0)
			return I40_E_NOMEM;
		memcpy(w->mv[w->nmv].id, v, 32);
		memcpy(w->mv[w->nmv].univ, v + 32, 32);
		snprintf(w->mv[w->nmv].code, 33, "%.*s", (int)(vl - 64),
		    (const char *)v + 64);
		w->nmv++;
		break;
	case STORE_T_COMPL:
		a->compls++;
		if (v[49] != 0)
			a->compls_revoked++;
		if ((l = audit_log_find(a, k)) != NULL)
			missed(w, k, l->compls, l->ncompls,
			    &w->cur[l - a->logs], be_get64(k + 32), 0);
		break;
	case STORE_T_REVOKE:
		if (more((void **)&w->revoked_by, &w->caprv, w->nrv, 32) != 0)
			return I40_E_NOMEM;
		memcpy(w->revoked_by[w->nrv++], v, 32);
		break;
	case STORE_T_FORK:
		if (more((void **)&w->frozen, &w->capfrozen, w->nfrozen,
		    sizeof(*w->frozen)) != 0)
			return I40_E_NOMEM;
		memcpy(w->frozen[w->nfrozen].author, k, 32);
		w->frozen[w->nfrozen++].last = be_get64(v);
		break;
	default:
		break;
	}
	return 0;
}

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
 * §14.1's entry of a log the replay stored events of (l, or NULL) or holds
 * evidence of (frozen, or NULL): a frozen log counts up to its freeze
 * point.
 */
static int
lr_entry_of(struct store *st, const struct audit_log *l, const uint8_t *author,
    const uint64_t *frozen_last, struct lr_entry *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->author, author, 32);
	if (l != NULL) {
		e->seq = l->head;
		memcpy(e->id, l->head_id, 32);
	}
	if (frozen_last == NULL)
		return 0;
	e->frozen = 1;
	if (*frozen_last < e->seq) {
		struct store_event se;
		struct ev_signed ev;
		int rc;

		e->seq = *frozen_last;
		memset(e->id, 0, 32);
		if (e->seq == 0)
			return 0;
		if (store_get(st, author, e->seq, &se) != 0)
			return I40_E_CORRUPT;
		rc = ev_decode(se.bytes, se.len, NULL, &ev, NULL, NULL);
		if (rc == 0)
			memcpy(e->id, ev.id, 32);
		free(se.bytes);
		return rc == 0 ? 0 : I40_E_CORRUPT;
	}
	return 0;
}

/*
 * §14.1: the log root.  One entry per head record: every log with stored
 * events (a->logs, by author) and every author with fork evidence (d_fork,
 * by author), also one whose evidence is all the node holds of it.
 */
static int
log_root(struct walk *w, struct store *st, uint8_t root[32])
{
	struct audit *a = w->a;
	crypto_generichash_blake2b_state hs;
	uint8_t entry[32 + 8 + 32 + 8];
	size_t i = 0, j = 0, k;
	int rc;

	if ((w->lre = calloc(a->nlogs + w->nfrozen + 1, sizeof(*w->lre))) ==
	    NULL)
		return I40_E_NOMEM;
	while (i < a->nlogs || j < w->nfrozen) {
		const struct audit_log *l = NULL;
		const uint64_t *fl = NULL;
		const uint8_t *author;
		int c;

		if (i < a->nlogs && a->logs[i].stored == 0) {
			i++;
			continue;
		}
		c = i >= a->nlogs ? 1 : j >= w->nfrozen ? -1 :
		    memcmp(a->logs[i].author, w->frozen[j].author, 32);
		if (c <= 0)
			l = &a->logs[i++];
		if (c >= 0)
			fl = &w->frozen[j++].last;
		author = l != NULL ? l->author : w->frozen[j - 1].author;
		if ((rc = lr_entry_of(st, l, author, fl,
		    &w->lre[w->nlre])) != 0)
			return rc;
		w->nlre++;
	}
	crypto_generichash_blake2b_init(&hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&hs, (const uint8_t *)LOG_ROOT_TAG,
	    sizeof(LOG_ROOT_TAG) - 1);
	for (k = 0; k < w->nlre; k++) {
		memcpy(entry, w->lre[k].author, 32);
		be_put64(entry + 32, w->lre[k].seq);
		memcpy(entry + 40, w->lre[k].id, 32);
		be_put64(entry + 72, w->lre[k].frozen);
		crypto_generichash_blake2b_update(&hs, entry, sizeof(entry));
	}
	crypto_generichash_blake2b_final(&hs, root, 32);
	return 0;
}

/*
 * The last seq of author's log that counts at all: a frozen log's freeze
 * point, a removed member's upto, 0 for a key never admitted.  Events above it are named as a range,
 * not each with a reason of its own.
 */
static uint64_t
counts_up_to(const struct walk *w, const uint8_t author[32])
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

/*
 * The data directory's heads beside the replay's entries (w->lre), each
 * as §14.1 counts it, where they differ; one finding at least when the
 * log roots differ.
 */
static int
diff_heads(struct walk *w, struct store *node)
{
	struct audit *a = w->a;
	struct store_head *hs;
	size_t n, i = 0, j = 0, before = a->nf_total;
	char h1[17], h2[17];
	int rc;

	if ((rc = store_head_table(node, &hs, &n)) != 0)
		return rc;
	while (i < n || j < w->nlre) {
		const struct lr_entry *e;
		struct lr_entry d;
		int c = i >= n ? 1 : j >= w->nlre ? -1 :
		    memcmp(hs[i].author, w->lre[j].author, 32);

		if (c > 0) {
			e = &w->lre[j++];
			audit_add(a, AUDIT_DIFFERS, e->author, 0, UINT64_MAX, 0,
			    "the data directory has no head for this log, but "
			    "its events (up to seq %llu)%s passed the replay: "
			    "a deleted head", (unsigned long long)e->seq,
			    e->frozen ? " or its fork evidence" : "");
			continue;
		}
		if (c < 0) {
			audit_add(a, AUDIT_DIFFERS, hs[i].author, 0, UINT64_MAX,
			    0, "the data directory has a head for this log "
			    "(seq %llu%s), but none of its events or evidence "
			    "passed the replay", (unsigned long long)hs[i].seq,
			    hs[i].frozen ? ", frozen" : "");
			i++;
			continue;
		}
		e = &w->lre[j++];
		memcpy(d.author, hs[i].author, 32);
		d.frozen = hs[i].frozen != 0;
		if (hs[i].damaged && e->frozen) {
			/* Evidence replayed, but the node kept no freeze point. */
			audit_add(a, AUDIT_DIFFERS, d.author, 0, UINT64_MAX, 0,
			    "the data directory has this log frozen but holds "
			    "no freeze point for it: a damaged head table");
			i++;
			continue;
		}
		d.seq = d.frozen && hs[i].last < hs[i].seq ? hs[i].last :
		    hs[i].seq;
		memcpy(d.id, d.frozen ? hs[i].last_id : hs[i].id, 32);
		i++;
		if (d.seq == e->seq && d.frozen == e->frozen &&
		    memcmp(d.id, e->id, 32) == 0)
			continue;
		ctl_hex(d.id, 8, h1);
		ctl_hex(e->id, 8, h2);
		if (d.frozen != e->frozen)
			audit_add(a, AUDIT_DIFFERS, d.author, 0, UINT64_MAX, 0,
			    "the data directory has this log %s, but the "
			    "replay %s: a forged or damaged head", d.frozen ?
			    "frozen" : "not frozen", e->frozen ? "holds fork "
			    "evidence for it" : "holds no fork evidence for it");
		else
			audit_add(a, AUDIT_DIFFERS, d.author, 0, UINT64_MAX, 0,
			    "the data directory's head of this log counts up "
			    "to seq %llu (id %s…), but its events %s at seq "
			    "%llu (id %s…): a forged or damaged head",
			    (unsigned long long)d.seq, h1, e->frozen ?
			    "count up to their freeze point" : "end",
			    (unsigned long long)e->seq, h2);
	}
	free(hs);
	if (a->nf_total == before)
		audit_add(a, AUDIT_DIFFERS, NULL, 0, UINT64_MAX, 0, "the data "
		    "directory's log root differs from the replay's, but no "
		    "head does: its head table cannot be read as it is "
		    "stored, or the node computes the root wrongly");
	return 0;
}

/* The replay's state, kept to compare with a data directory's. */
struct kept {
	uint8_t *buf;
	size_t len, cap;
	size_t *at;
	size_t n, capat, i;
	struct audit *a;
	uint64_t shown;
	int seen;			/* compare was called */
	unsigned last_t;		/* the table of its last entry */
};

static int
keep(void *arg, unsigned t, const uint8_t *k, size_t kl, const uint8_t *v,
    size_t vl)
{
	struct kept *s = arg;
	size_t need = 5 + kl + vl;

	if (more((void **)&s->at, &s->capat, s->n, sizeof(*s->at)) != 0)
		return I40_E_NOMEM;
	while (s->len + need > s->cap) {
		size_t c = s->cap != 0 ? 2 * s->cap : 1u << 20;
		uint8_t *q = realloc(s->buf, c);

		if (q == NULL)
			return I40_E_NOMEM;
		s->buf = q;
		s->cap = c;
	}
	s->at[s->n++] = s->len;
	s->buf[s->len] = (uint8_t)t;
	s->buf[s->len + 1] = (uint8_t)kl;
	s->buf[s->len + 2] = (uint8_t)(vl >> 8);
	s->buf[s->len + 3] = (uint8_t)vl;
	s->buf[s->len + 4] = 0;
	memcpy(s->buf + s->len + 5, k, kl);
	memcpy(s->buf + s->len + 5 + kl, v, vl);
	s->len += need;
	return 0;
}

/* One differing entry, named by what its key means. */
static void
say_entry(struct audit *a, unsigned t, const uint8_t *k, size_t kl,
    const char *how)
{
	char hex[161];

	if (kl == 40 && t != STORE_T_MODULE)
		audit_add(a, AUDIT_DIFFERS, k, be_get64(k + 32), UINT64_MAX, 0,
		    "%s entry of this event %s", table_names[t], how);
	else if (kl >= 32) {
		snprintf(hex, sizeof(hex), "%.*s", (int)(kl - 32),
		    (const char *)k + 32);
		audit_add(a, AUDIT_DIFFERS, k, 0, UINT64_MAX, 0, "%s entry "
		    "%s%s%s %s", table_names[t], kl > 32 ? "of code \"" : "",
		    hex, kl > 32 ? "\"" : "", how);
	} else {
		ctl_hex(k, kl, hex);
		audit_add(a, AUDIT_DIFFERS, NULL, 0, UINT64_MAX, 0,
		    "%s entry %s %s", table_names[t], hex, how);
	}
}

static int
compare(void *arg, unsigned t, const uint8_t *k, size_t kl, const uint8_t *v,
    size_t vl)
{
	struct kept *s = arg;

	s->seen = 1;
	s->last_t = t;
	for (;;) {
		const uint8_t *r = s->i < s->n ? s->buf + s->at[s->i] : NULL;
		size_t rkl = r != NULL ? r[1] : 0, rvl;
		int c;

		if (r == NULL) {
			say_entry(s->a, t, k, kl, "is in the data directory "
			    "only: the events do not make it");
			return 0;
		}
		rvl = (size_t)r[2] << 8 | r[3];
		c = (int)r[0] - (int)t;
		if (c == 0) {
			c = memcmp(r + 5, k, rkl < kl ? rkl : kl);
			if (c == 0)
				c = rkl < kl ? -1 : rkl > kl;
		}
		if (c < 0) {
			say_entry(s->a, r[0], r + 5, rkl, "is missing from the "
			    "data directory: the events make it");
			s->i++;
			continue;
		}
		if (c > 0) {
			say_entry(s->a, t, k, kl, "is in the data directory "
			    "only: the events do not make it");
			return 0;
		}
		s->i++;
		if (rvl != vl || memcmp(r + 5 + rkl, v, vl) != 0)
			say_entry(s->a, t, k, kl, "differs in the data "
			    "directory from what the events make: a forged or "
			    "damaged state");
		return 0;
	}
}

static int
diff_state(struct audit *a, struct store *st, struct store *node)
{
	struct kept s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.a = a;
	if ((rc = store_state_walk(st, keep, &s)) == 0 &&
	    (rc = store_state_walk(node, compare, &s)) == 0)
		for (; s.i < s.n; s.i++) {
			const uint8_t *r = s.buf + s.at[s.i];

			say_entry(a, r[0], r + 5, r[1], "is missing from the "
			    "data directory: the events make it");
		}
	else if (rc == I40_E_CORRUPT && s.n > 0) {
		/*
		 * The node's walk stopped at an entry it cannot read: what
		 * follows was not compared, and must not read as agreeing.
		 */
		audit_add(a, AUDIT_DIFFERS, NULL, 0, UINT64_MAX, rc, "the "
		    "comparison of the derived state stopped %s%s: what "
		    "follows it in the data directory was not compared",
		    s.seen ? "after the data directory's table " : "at its "
		    "first entry", s.seen ? table_names[s.last_t] : "");
		rc = 0;
	}
	free(s.buf);
	free(s.at);
	return rc;
}

static void
walk_free(struct walk *w)
{
	free(w->cur);
	free(w->mcur);
	free(w->mv);
	free(w->revoked_by);
	free(w->frozen);
	free(w->miss);
	free(w->lre);
}

int
audit_state(struct audit *a, struct store *st, struct store *node)
{
	struct walk w;
	size_t i;
	int rc;

	memset(&w, 0, sizeof(w));
	w.a = a;
	if ((w.cur = calloc(a->nlogs + 1, sizeof(*w.cur))) == NULL ||
	    (w.mcur = calloc(a->nlogs + 1, sizeof(*w.mcur))) == NULL) {
		walk_free(&w);
		return I40_E_NOMEM;
	}
	crypto_generichash_blake2b_init(&w.hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&w.hs,
	    (const uint8_t *)STATE_ROOT_TAG, sizeof(STATE_ROOT_TAG) - 1);
	if ((rc = store_state_walk(st, on_entry, &w)) != 0)
		goto out;
	crypto_generichash_blake2b_final(&w.hs, a->state_root, 32);
	if (w.bad)
		audit_add(a, AUDIT_INTERNAL, NULL, 0, UINT64_MAX, 0, "the "
		    "replay's store holds state not laid out as protocol.md "
		    "§14.2 says: this program is wrong; report it");
	/* Whatever the walk did not reach counts not either. */
	for (i = 0; i < a->nlogs; i++) {
		missed(&w, a->logs[i].author, a->logs[i].compls,
		    a->logs[i].ncompls, &w.cur[i], UINT64_MAX, 0);
		missed(&w, a->logs[i].author, a->logs[i].mods,
		    a->logs[i].nmods, &w.mcur[i], UINT64_MAX, 1);
	}
	if (w.nmv > 0)
		qsort(w.mv, w.nmv, sizeof(*w.mv), cmp_id);
	if (w.nrv > 0)
		qsort(w.revoked_by, w.nrv, 32, cmp_id);
	for (i = 0; i < w.nmiss; i++)
		if (w.miss[i].seq > counts_up_to(&w, w.miss[i].author))
			continue;
		else if (w.miss[i].module)
			why_module(&w, st, w.miss[i].author, w.miss[i].seq);
		else
			why_completion(&w, st, w.miss[i].author,
			    w.miss[i].seq);
	for (i = 0; i < a->nrevs; i++) {
		a->revs[i].counted = w.nrv > 0 && bsearch(a->revs[i].id,
		    w.revoked_by, w.nrv, 32, cmp_id) != NULL;
		if (!a->revs[i].counted && a->revs[i].seq <=
		    counts_up_to(&w, a->revs[i].author))
			why_revocation(a, st, &a->revs[i]);
	}
	if ((rc = frozen_and_removed(&w, st)) != 0 ||
	    (rc = log_root(&w, st, a->log_root)) != 0 ||
	    (rc = store_log_root(st, a->store_log_root)) != 0 ||
	    (rc = store_state_root(st, a->store_state_root)) != 0)
		goto out;
	if (memcmp(a->log_root, a->store_log_root, 32) != 0 ||
	    memcmp(a->state_root, a->store_state_root, 32) != 0)
		audit_add(a, AUDIT_INTERNAL, NULL, 0, UINT64_MAX, 0, "the %s "
		    "computed from protocol.md §14 differs from the replay "
		    "store's: one of the two is wrong; report it",
		    memcmp(a->log_root, a->store_log_root, 32) != 0 ?
		    "log root" : "state root");
	if (!a->from_datadir && a->trailer_ok &&
	    sodium_is_zero(a->trailer_root, 32))
		audit_add(a, AUDIT_TRAILER, NULL, 0, UINT64_MAX, 0, "the "
		    "trailer carries no log root: the file was salvaged from "
		    "a node whose own root could not be computed (`log export "
		    "--salvage`); compare the audited root with the nodes'");
	else if (!a->from_datadir && a->trailer_ok &&
	    memcmp(a->trailer_root, a->log_root, 32) != 0)
		audit_add(a, AUDIT_TRAILER, NULL, 0, UINT64_MAX, 0, "the "
		    "trailer's log root is not the root of the events that "
		    "passed: events were refused, or the file was altered "
		    "and its digest made anew");
	if (node != NULL) {
		size_t snap_nf = a->nf;
		uint64_t snap_total = a->nf_total;
		uint64_t snap_kind = a->by_kind[AUDIT_DIFFERS];
		uint8_t now[32];

		/* A state no walk can finish is a finding, not a failure. */
		if ((rc = store_state_root(node, a->dd_state_root)) != 0) {
			audit_add(a, AUDIT_DIFFERS, NULL, 0, UINT64_MAX, rc,
			    "the data directory's derived state cannot be read "
			    "through (%s): an entry that no event leads to, or "
			    "damage", i40_strerror(rc));
			memset(a->dd_state_root, 0, 32);
			rc = 0;
		}
		if (memcmp(a->dd_log_root, a->log_root, 32) != 0 &&
		    (rc = diff_heads(&w, node)) != 0)
			goto out;
		if (memcmp(a->dd_state_root, a->state_root, 32) != 0 &&
		    (rc = diff_state(a, st, node)) != 0) {
			if (rc != I40_E_CORRUPT)
				goto out;
			rc = 0;
		}
		/*
		 * The node's state was read after its log: had i40d written in
		 * between, an entry of the new event would read as forged.  So
		 * the log root is read again, and if it moved the comparison is
		 * taken back and said to be skipped, as when the log moved
		 * during the replay.
		 */
		if (!a->dd_log_root_bad && store_log_root(node, now) == 0 &&
		    memcmp(now, a->dd_log_root, 32) != 0) {
			a->nf = snap_nf;
			a->nf_total = snap_total;
			a->by_kind[AUDIT_DIFFERS] = snap_kind;
			a->datadir_moved = 1;
		}
	}
	if (w.nomem)
		rc = I40_E_NOMEM;
out:
	walk_free(&w);
	return rc;
}
