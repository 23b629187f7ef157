/*
 * audit_replay.c: the records of `i40ctl audit`'s input through ctl_replay
 * (the checks of i40d's ingest, into the audit's own store), and what each
 * came to, recorded as the report's counts, history and findings (see
 * audit.h).  audit.c opens the input and the stores around it.
 */
#include "audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_member.h"
#include "ctl_replay.h"
#include "protocol/errors.h"
#include "protocol/export.h"

/* What the hooks need besides the report. */
struct run {
	struct audit *a;
	struct body *body;		/* scratch for the bodies decoded */
	int have_last;
	uint64_t last_at;		/* file offset of the last event checked */
	uint64_t genesis;		/* E records that are the genesis */
};

static const char *const kind_names[AUDIT_KINDS] = {
	"damaged", "trailer", "genesis", "order", "refused", "not counted",
	"fork", "differs", "internal"
};

const char *
audit_kind_name(enum audit_kind k)
{
	return (unsigned)k < AUDIT_KINDS ? kind_names[k] : "?";
}

struct audit_finding *
audit_add(struct audit *a, enum audit_kind kind, const uint8_t *author,
    uint64_t seq, uint64_t offset, int code, const char *fmt, ...)
{
	struct audit_finding *f, *last;
	char what[sizeof(f->what)];
	va_list ap;
	size_t i;
	int wn;

	va_start(ap, fmt);
	wn = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	/* Cut short, it still ends on a whole character (it may quote one). */
	if (wn >= (int)sizeof(what))
		what[ctl_utf8_trim(what, sizeof(what) - 1)] = '\0';
	/*
	 * A run of one log's events refused alike is one finding, also when
	 * the file interleaves several such logs (an export is in arrival
	 * order): the run is looked for among the last AUDIT_RUNS findings.
	 */
	for (i = a->nf; author != NULL && seq != 0 && i > 0 &&
	    a->nf - i < AUDIT_RUNS; i--) {
		last = &a->f[i - 1];
		if (last->has_author && last->kind == kind &&
		    last->code == code && last->to + 1 == seq &&
		    memcmp(last->author, author, 32) == 0 &&
		    strcmp(last->what, what) == 0) {
			last->to = seq;
			return last;
		}
	}
	a->nf_total++;
	a->by_kind[kind]++;
	/*
	 * Events' findings stop at AUDIT_MAX_FINDINGS; the few that close an
	 * audit (the trailer, the roots, forks, the data directory's
	 * differences) have room beyond it, so that a flood of refusals
	 * never hides them.
	 */
	if (a->nf >= AUDIT_MAX_FINDINGS + (kind == AUDIT_REFUSED ||
	    kind == AUDIT_ORDER || kind == AUDIT_NOT_COUNTED ? 0 :
	    AUDIT_MAX_CLOSING))
		return NULL;
	if (a->nf == a->capf) {
		size_t n = a->capf != 0 ? 2 * a->capf : 64;

		if ((f = realloc(a->f, n * sizeof(*f))) == NULL)
			return NULL;	/* counted in nf_total all the same */
		a->f = f;
		a->capf = n;
	}
	f = &a->f[a->nf++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	if (author != NULL) {
		f->has_author = 1;
		memcpy(f->author, author, 32);
	}
	f->seq = f->to = seq;
	f->offset = offset;
	f->code = code;
	memcpy(f->what, what, sizeof(what));
	return f;
}

void
audit_range(struct audit_finding *f, uint64_t to)
{
	if (f != NULL)
		f->to = to;
}

static int
grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *q;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap != 0 ? 2 * *cap : 16;
	if ((q = realloc(*p, c * size)) == NULL)
		return I40_E_NOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* author's first slot in the replay's index of logs. */
static size_t
lslot(const struct audit *a, const uint8_t author[KEY_PK_BYTES])
{
	uint8_t h[8];
	uint64_t v;

	crypto_shorthash(h, author, KEY_PK_BYTES, a->lkey);
	v = (uint64_t)h[0] | (uint64_t)h[1] << 8 | (uint64_t)h[2] << 16 |
	    (uint64_t)h[3] << 24 | (uint64_t)h[4] << 32 |
	    (uint64_t)h[5] << 40 | (uint64_t)h[6] << 48 | (uint64_t)h[7] << 56;
	return (size_t)(v & (a->lslots - 1));
}

/* Index log i, with room for it (the index at most half full). */
static int
lindex_add(struct audit *a, size_t i)
{
	size_t s;

	if (2 * (a->nlogs + 1) > a->lslots) {
		size_t n = a->lslots != 0 ? 2 * a->lslots : 64, k;
		size_t *x = calloc(n, sizeof(*x)), *old = a->lindex;

		if (x == NULL)
			return I40_E_NOMEM;
		if (a->lslots == 0)
			randombytes_buf(a->lkey, sizeof(a->lkey));
		a->lindex = x;
		a->lslots = n;
		for (k = 0; k < a->nlogs; k++) {	/* i is not in yet */
			for (s = lslot(a, a->logs[k].author); x[s] != 0;
			    s = (s + 1) & (n - 1))
				;
			x[s] = k + 1;
		}
		free(old);
	}
	for (s = lslot(a, a->logs[i].author); a->lindex[s] != 0;
	    s = (s + 1) & (a->lslots - 1))
		;
	a->lindex[s] = i + 1;
	return 0;
}

/* The replay is over: logs in key order, found by bisection from now on. */
static int
cmp_log(const void *x, const void *y)
{
	return memcmp(((const struct audit_log *)x)->author,
	    ((const struct audit_log *)y)->author, KEY_PK_BYTES);
}

static void
logs_sort(struct audit *a)
{
	free(a->lindex);
	a->lindex = NULL;
	a->lslots = 0;
	if (a->nlogs > 1)
		qsort(a->logs, a->nlogs, sizeof(*a->logs), cmp_log);
}

struct audit_log *
audit_log_find(const struct audit *a, const uint8_t author[KEY_PK_BYTES])
{
	size_t lo = 0, hi = a->nlogs;

	if (a->lslots != 0) {
		size_t s, k;

		for (s = lslot(a, author); (k = a->lindex[s]) != 0;
		    s = (s + 1) & (a->lslots - 1))
			if (memcmp(a->logs[k - 1].author, author, 32) == 0)
				return &a->logs[k - 1];
		return NULL;
	}

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(a->logs[mid].author, author, 32);

		if (c == 0)
			return &a->logs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct store_member *
audit_member(const struct audit *a, const uint8_t key[KEY_PK_BYTES])
{
	size_t i;

	for (i = 0; i < a->nmembers; i++)
		if (memcmp(a->members[i].key, key, 32) == 0)
			return &a->members[i];
	return NULL;
}

/* author's log, made (in key order) when it is new; NULL without memory. */
static struct audit_log *
log_get(struct audit *a, const uint8_t author[KEY_PK_BYTES])
{
	struct audit_log *l;

	if ((l = audit_log_find(a, author)) != NULL)
		return l;
	if (grow((void **)&a->logs, &a->caplogs, a->nlogs, sizeof(*l)) != 0)
		return NULL;
	l = &a->logs[a->nlogs];
	memset(l, 0, sizeof(*l));
	memcpy(l->author, author, 32);
	if (lindex_add(a, a->nlogs) != 0)
		return NULL;
	a->nlogs++;
	return l;
}

static int
push_seq(uint64_t **v, size_t *n, size_t *cap, uint64_t seq)
{
	if (grow((void **)v, cap, *n, sizeof(**v)) != 0)
		return I40_E_NOMEM;
	(*v)[(*n)++] = seq;
	return 0;
}

static int
push_key(struct audit_log *l, const uint8_t key[32], uint64_t from)
{
	uint8_t (*k)[32];
	uint64_t *f;

	if ((k = realloc(l->keys, (l->nkeys + 1) * sizeof(*k))) == NULL)
		return I40_E_NOMEM;
	l->keys = k;
	if ((f = realloc(l->key_from, (l->nkeys + 1) * sizeof(*f))) == NULL)
		return I40_E_NOMEM;
	l->key_from = f;
	memcpy(l->keys[l->nkeys], key, 32);
	l->key_from[l->nkeys++] = from;
	return 0;
}

/* What a stored event adds to the report: its counts and its history. */
static int
stored(struct run *r, struct audit_log *l, const struct ev_signed *e)
{
	struct audit *a = r->a;
	struct body_ctx ctx = { e->h.fed_id, e->h.author };
	struct body *b = r->body;
	uint32_t t = e->h.type;
	int rc = 0;

	l->stored++;
	l->by_type[t < AUDIT_TYPES ? t : 0]++;
	l->head = e->h.seq;
	memcpy(l->head_id, e->id, 32);
	if (l->nkeys == 0 && (rc = push_key(l, e->h.author, 1)) != 0)
		return rc;
	switch (t) {
	case BODY_MODULE_PUBLISH:
	case BODY_MODULE_UPDATE:
		return push_seq(&l->mods, &l->nmods, &l->capmods, e->h.seq);
	case BODY_COMPLETION_RECORD:
		return push_seq(&l->compls, &l->ncompls, &l->capcompls,
		    e->h.seq);
	case BODY_MEMBER_PROPOSE:
	case BODY_MEMBER_ENDORSE:
	case BODY_MEMBER_REMOVE:
	case BODY_KEY_ROTATE:
	case BODY_COMPLETION_REVOKE:
	case BODY_MODULE_RETIRE:
		break;
	default:
		return 0;
	}
	/* Stored means it decoded: this cannot fail but for memory. */
	if (body_decode(t, e->body.p, e->body.len, &ctx, b, NULL) != 0)
		return 0;
	if (t == BODY_MODULE_RETIRE) {
		struct audit_retire *v;

		if ((rc = grow((void **)&a->retires, &a->capretires,
		    a->nretires, sizeof(*v))) != 0)
			return rc;
		v = &a->retires[a->nretires++];
		memcpy(v->author, e->h.author, 32);
		v->seq = e->h.seq;
		snprintf(v->code, sizeof(v->code), "%.*s",
		    (int)b->u.retire.code.len,
		    (const char *)b->u.retire.code.p);
		return 0;
	}
	if (t == BODY_COMPLETION_REVOKE) {
		struct audit_revocation *v;

		if ((rc = grow((void **)&a->revs, &a->caprevs, a->nrevs,
		    sizeof(*v))) != 0)
			return rc;
		v = &a->revs[a->nrevs++];
		memset(v, 0, sizeof(*v));
		memcpy(v->author, e->h.author, 32);
		v->seq = e->h.seq;
		memcpy(v->id, e->id, 32);
		memcpy(v->completion, b->u.revoke.completion, 32);
		snprintf(v->reason, sizeof(v->reason), "%.*s",
		    (int)b->u.revoke.reason.len,
		    (const char *)b->u.revoke.reason.p);
		return 0;
	}
	{
		struct audit_mevent *m;

		if ((rc = grow((void **)&a->mevents, &a->capmevents,
		    a->nmevents, sizeof(*m))) != 0)
			return rc;
		m = &a->mevents[a->nmevents++];
		memset(m, 0, sizeof(*m));
		memcpy(m->author, e->h.author, 32);
		m->seq = e->h.seq;
		m->type = t;
		memcpy(m->id, e->id, 32);
		if (t == BODY_MEMBER_PROPOSE)
			memcpy(m->subject, b->u.member.key, 32);
		else if (t == BODY_MEMBER_ENDORSE)
			memcpy(m->proposal, b->u.endorse.proposal, 32);
		else if (t == BODY_MEMBER_REMOVE) {
			memcpy(m->subject, b->u.remove.key, 32);
			m->upto = b->u.remove.upto;
		} else {
			memcpy(m->subject, b->u.rotate.next, 32);
			/* Its next event on is signed with the next key. */
			rc = push_key(l, b->u.rotate.next, e->h.seq + 1);
		}
	}
	return rc;
}

/* Why an event was refused, in words an auditor can act on. */
static void
refused(struct run *r, struct audit_log *l, const struct store_item *it,
    uint64_t at, int code)
{
	const struct ev_signed *e = &it->ev;
	char fp[24];
	size_t k;

	if (l != NULL)
		l->refused++;
	switch (code) {
	case I40_E_SIG:
		/* Signed by a key of this log that is no longer in force? */
		for (k = 0; l != NULL && k < l->nkeys; k++) {
			if (memcmp(l->keys[k], it->key, 32) == 0 ||
			    ev_verify(e, l->keys[k]) != 0)
				continue;
			ctl_fingerprint(l->keys[k], fp);
			audit_add(r->a, AUDIT_REFUSED, e->h.author, e->h.seq,
			    at, code, "signed with the key %s, which a "
			    "rotation replaced from seq %llu on: a thief of "
			    "the old key, or a node that missed its own "
			    "rotation", fp, (unsigned long long)
			    (k + 1 < l->nkeys ? l->key_from[k + 1] : 0));
			return;
		}
		audit_add(r->a, AUDIT_REFUSED, e->h.author, e->h.seq, at, code,
		    "the signature does not verify with the key in force: "
		    "the event was altered after signing, or another key "
		    "signed it");
		return;
	case I40_E_UNKNOWN_AUTHOR:
		audit_add(r->a, AUDIT_REFUSED, e->h.author, e->h.seq, at, code,
		    "its author was never admitted by the membership rules: "
		    "a key that is not a member's signed it");
		return;
	case I40_E_GAP:
		audit_add(r->a, AUDIT_REFUSED, e->h.author, e->h.seq, at, code,
		    "it does not follow the last event of its log stored "
		    "(seq %llu): the events between are missing or were "
		    "refused", (unsigned long long)(l != NULL ? l->head : 0));
		return;
	case I40_E_CHAIN:
		audit_add(r->a, AUDIT_REFUSED, e->h.author, e->h.seq, at, code,
		    "its prev is not the id of the log's event at seq %llu: "
		    "the log was altered or cut", (unsigned long long)
		    (e->h.seq - 1));
		return;
	default:
		audit_add(r->a, AUDIT_REFUSED, e->h.author, e->h.seq, at, code,
		    "%s (%s)", i40_strerror(code), i40_errname(code));
	}
}

/*
 * §13.1: each log in seq order, once (the logs interleaved as the node
 * stored them).  Checked in file order: an event held back for its
 * author's admission (ctl_replay) is checked when it is held, not when it
 * is offered again (at below the last).
 */
static void
order(struct run *r, const struct ev_header *h, uint64_t at)
{
	struct audit *a = r->a;
	struct audit_log *l;

	if (r->have_last && at <= r->last_at)
		return;
	r->have_last = 1;
	r->last_at = at;
	if ((l = log_get(a, h->author)) == NULL)
		return;
	if (h->seq <= l->file_seq)
		audit_add(a, AUDIT_ORDER, h->author, h->seq, at, 0,
		    "out of order: it comes after seq %llu of its log; an "
		    "export holds each log once, in seq order",
		    (unsigned long long)l->file_seq);
	else
		l->file_seq = h->seq;
}

static void
on_held(void *arg, const struct store_item *it, uint64_t at)
{
	order(arg, &it->ev.h, at);
}

static void
on_event(void *arg, const struct store_item *it, uint64_t at,
    enum store_result res, int code)
{
	struct run *r = arg;
	struct audit *a = r->a;
	const struct ev_header *h = &it->ev.h;
	struct audit_log *l;

	if (h->seq == 0) {
		audit_add(a, AUDIT_REFUSED, NULL, 0, at, code, "an event that "
		    "does not decode: %s (%s)", i40_strerror(code),
		    i40_errname(code));
		return;
	}
	order(r, h, at);
	if ((l = log_get(a, h->author)) == NULL)
		return;
	/* The genesis is also the charter author's seq 1 (§13.1). */
	if (res == STORE_DUPLICATE && h->seq == 1 &&
	    memcmp(it->ev.id, a->genesis_id, 32) == 0) {
		res = STORE_STORED;
		r->genesis++;
	}
	switch (res) {
	case STORE_STORED:
		if (stored(r, l, &it->ev) != 0)
			audit_add(a, AUDIT_INTERNAL, h->author, h->seq, at,
			    I40_E_NOMEM, "out of memory: the report of this "
			    "event is incomplete");
		return;
	case STORE_DUPLICATE:
		audit_add(a, AUDIT_ORDER, h->author, h->seq, at, code,
		    code == I40_E_FORK ? "a second event at this seq, in "
		    "the log itself rather than as evidence" :
		    "the same event a second time");
		return;
	default:
		refused(r, l, it, at, code);
	}
}

static void
on_evidence(void *arg, const struct store_item pair[2], uint64_t at,
    enum store_result res, int code)
{
	struct run *r = arg;

	if (res != STORE_INVALID)
		return;		/* a fork: listed from the store later */
	audit_add(r->a, AUDIT_REFUSED, pair[0].ev.h.seq != 0 ?
	    pair[0].ev.h.author : NULL, pair[0].ev.h.seq, at, code,
	    code == I40_E_NOT_FORK ? "%s (%s)" : "fork evidence whose events "
	    "do not pass the checks: %s (%s)", i40_strerror(code),
	    i40_errname(code));
}

/* The file's records into the replay's store; findings from the hooks. */
int
audit_replay(const struct audit_opts *o, struct audit *a, struct store *st,
    FILE *f, const char *name, char *why, size_t cap)
{
	struct ctl_replay_hooks hooks;
	struct ctl_replay_stats s;
	struct run r;
	long cpus;
	unsigned n = o->nthreads;
	int rc;

	memset(&r, 0, sizeof(r));
	r.a = a;
	if ((r.body = malloc(sizeof(*r.body))) == NULL)
		return I40_E_NOMEM;
	hooks.arg = &r;
	hooks.event = on_event;
	hooks.evidence = on_evidence;
	hooks.held = on_held;
	if (n == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus < 1 ? 1 : (unsigned)cpus;
	}
	rc = ctl_replay(st, f, name, n, o->progress, &hooks, &s, why, cap);
	/*
	 * The replay's store holds the genesis from its start; a file that
	 * does not carry it again (a selection, or one cut short) leaves it
	 * out of the genesis author's log here, and the audit's log root
	 * then lacked the seq 1 every store has.
	 */
	if (rc == 0 && r.genesis == 0) {
		struct store_event ge;
		struct ev_signed gev;
		struct audit_log *l;

		if (store_get_id(st, a->genesis_id, &ge) == 0) {
			if (ev_decode(ge.bytes, ge.len, NULL, &gev, NULL,
			    NULL) == 0 && (l = log_get(a, gev.h.author)) !=
			    NULL) {
				uint64_t head = l->head;
				uint8_t hid[32];

				memcpy(hid, l->head_id, 32);
				if (stored(&r, l, &gev) != 0)
					rc = I40_E_NOMEM;
				if (head > 1) {
					l->head = head;
					memcpy(l->head_id, hid, 32);
				}
				r.genesis++;
			}
			free(ge.bytes);
		}
	}
	free(r.body);
	logs_sort(a);
	if (rc == I40_E_DISK_FULL || rc == I40_E_MAP_FULL)
		snprintf(why, cap, "the replay's own store is full (%s): give "
		    "--tmpdir a directory with room, about 800 bytes an event",
		    i40_strerror(rc));
	a->events = s.events;
	/* The replay's store held the genesis before the file's copy. */
	a->stored = s.stored + r.genesis;
	a->duplicate = s.duplicate - r.genesis;
	a->refused = s.refused;
	a->evidence = s.evidence;
	if (rc != 0)
		return rc;
	if (s.damaged) {
		audit_add(a, AUDIT_DAMAGED, NULL, 0, s.damaged_at,
		    I40_E_EXPORT, "%s; what came before was audited, nothing "
		    "after", why);
		why[0] = '\0';
		return 0;
	}
	a->trailer_ok = 1;
	a->trailer_events = s.trailer.events;
	a->trailer_evidence = s.trailer.evidence;
	memcpy(a->trailer_root, s.trailer.log_root, 32);
	return 0;
}

