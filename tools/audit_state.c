/*
 * audit_state.c: what `i40ctl audit` makes of the replay's derived state.
 * The roots are hashed here from docs/protocol.md §14, not by the store's
 * code, and compared with the store's; the events that were stored but
 * count not (§5.13, §11, §12.4) are named with their reason; and a data
 * directory's roots and state are compared with the replay's, entry by
 * entry where they differ.
 */
#include "audit.h"
#include "audit_walk.h"

#include <pthread.h>
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

int
audit_more(void **p, size_t *cap, size_t n, size_t size)
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
		if (audit_more((void **)&w->miss, &w->capmiss, w->nmiss,
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
		if (audit_more((void **)&w->mv, &w->capmv, w->nmv, sizeof(*w->mv))
		    != 0)
			return I40_E_NOMEM;
		memcpy(w->mv[w->nmv].id, v, 32);
		memcpy(w->mv[w->nmv].univ, v + 32, 32);
		snprintf(w->mv[w->nmv].code, 33, "%.*s", (int)(vl - 64),
		    (const char *)v + 64);
		w->nmv++;
		break;
	case STORE_T_MODULE:
		if (audit_more((void **)&w->mods, &w->capmods, w->nmods,
		    sizeof(*w->mods)) != 0)
			return I40_E_NOMEM;
		memcpy(w->mods[w->nmods].univ, k, 32);
		snprintf(w->mods[w->nmods].code, 33, "%.*s", (int)(kl - 32),
		    (const char *)k + 32);
		memcpy(w->mods[w->nmods].current, v, 32);
		w->mods[w->nmods++].retired = v[32] != 0;
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
		if (audit_more((void **)&w->revoked_by, &w->caprv, w->nrv, 32) != 0)
			return I40_E_NOMEM;
		memcpy(w->revoked_by[w->nrv++], v, 32);
		break;
	case STORE_T_FORK:
		if (audit_more((void **)&w->frozen, &w->capfrozen, w->nfrozen,
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

	if (audit_more((void **)&s->at, &s->capat, s->n, sizeof(*s->at)) != 0)
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
	free(w->mods);
	free(w->lre);
}

/* The replay store's own roots, beside the walk (read-only, own txns). */
struct store_roots {
	struct store *st;
	struct audit *a;
	int rc;
};

static void *
store_roots(void *arg)
{
	struct store_roots *r = arg;

	if ((r->rc = store_log_root(r->st, r->a->store_log_root)) == 0)
		r->rc = store_state_root(r->st, r->a->store_state_root);
	return NULL;
}

int
audit_state(struct audit *a, struct store *st, struct store *node)
{
	struct store_roots sr = { st, a, 0 };
	pthread_t srt;
	int threaded;
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
	/* The store's roots take as long as this walk: on the other core. */
	threaded = pthread_create(&srt, NULL, store_roots, &sr) == 0;
	crypto_generichash_blake2b_init(&w.hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&w.hs,
	    (const uint8_t *)STATE_ROOT_TAG, sizeof(STATE_ROOT_TAG) - 1);
	rc = store_state_walk(st, on_entry, &w);
	if (threaded)
		pthread_join(srt, NULL);
	else
		(void)store_roots(&sr);
	if (rc != 0 || (rc = sr.rc) != 0)
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
	if ((rc = audit_why(&w, st)) != 0 ||
	    (rc = log_root(&w, st, a->log_root)) != 0)
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
