/* ctl_replay.c: an export file into a store (see ctl_replay.h). */
#include "ctl_replay.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_member.h"

#define BATCH_EVENTS 4096
#define BATCH_BYTES (8u << 20)
#define MAX_THREADS 8
#define SAID_MAX 20

struct batch {
	struct store *st;
	const struct ctl_replay_hooks *hooks;
	uint8_t *arena;
	size_t used;
	size_t n;
	size_t off[BATCH_EVENTS], len[BATCH_EVENTS];
	uint64_t at[BATCH_EVENTS];		/* file offset of each record */
	struct store_item items[BATCH_EVENTS];
	int code[BATCH_EVENTS];			/* 0, or why it was refused */
	struct store_outcome out[BATCH_EVENTS];
	struct store_item ok[BATCH_EVENTS];	/* the ones that passed */
	size_t idx[BATCH_EVENTS];		/* ... and where they were */
};

struct worker {
	struct batch *b;
	unsigned k, nthreads;
	int phase;				/* 0 decode, 1 signature */
	struct body *scratch;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct batch *b = w->b;
	size_t i;

	for (i = w->k; i < b->n; i += w->nthreads) {
		if (w->phase == 0)
			b->code[i] = store_verify_decode(b->st, b->arena +
			    b->off[i], b->len[i], &b->items[i], w->scratch,
			    NULL);
		else if (b->code[i] == 0)
			b->code[i] = store_verify_sig(&b->items[i]);
	}
	return NULL;
}

/* Run phase over the batch on nthreads threads (this one among them). */
static void
parallel(struct batch *b, struct worker *ws, unsigned nthreads, int phase)
{
	pthread_t t[MAX_THREADS];
	unsigned k, started = 0;

	for (k = 0; k < nthreads; k++) {
		ws[k].b = b;
		ws[k].k = k;
		ws[k].nthreads = nthreads;
		ws[k].phase = phase;
	}
	for (k = 1; k < nthreads; k++, started++)
		if (pthread_create(&t[k], NULL, work, &ws[k]) != 0)
			break;
	/* Threads that did not start: this one does their share. */
	for (k = started + 1; k < nthreads; k++)
		(void)work(&ws[k]);
	(void)work(&ws[0]);
	for (k = 1; k <= started; k++)
		pthread_join(t[k], NULL);
}

static void
say_refused(struct ctl_replay_stats *s, const char *name,
    const struct store_item *it, uint64_t at, int code)
{
	char fp[24];

	s->refused++;
	if (s->refused > SAID_MAX)
		return;
	if (it->ev.h.seq != 0) {
		ctl_fingerprint(it->ev.h.author, fp);
		ctl_warnx("%s: offset %llu: the event of %s at seq %llu is "
		    "refused: %s (%s)", name, (unsigned long long)at, fp,
		    (unsigned long long)it->ev.h.seq, i40_strerror(code),
		    i40_errname(code));
	} else {
		ctl_warnx("%s: offset %llu: an event that does not decode is "
		    "refused: %s (%s)", name, (unsigned long long)at,
		    i40_strerror(code), i40_errname(code));
	}
	if (s->refused == SAID_MAX)
		ctl_warnx("%s: further refusals are only counted", name);
}

/* Decode the batch on every core: no key needed, so no store state. */
static void
decode_batch(struct batch *b, struct worker *ws, unsigned nthreads)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		memset(&b->items[i].ev.h, 0, sizeof(b->items[i].ev.h));
	parallel(b, ws, nthreads, 0);
}

/*
 * The keys in force (one read transaction, in file order: the batches
 * before are stored), then the signatures on every core.
 */
static int
verify_batch(struct batch *b, struct worker *ws, unsigned nthreads)
{
	struct store_item *ok = b->ok;
	size_t *idx = b->idx, i, k = 0;
	int rc;

	for (i = 0; i < b->n; i++)
		if (b->code[i] == 0) {
			ok[k] = b->items[i];
			idx[k++] = i;
		}
	if (k > 0 && (rc = store_verify_keys(b->st, ok, k, 0)) != 0)
		return rc;
	for (i = 0; i < k; i++)
		b->items[idx[i]] = ok[i];
	parallel(b, ws, nthreads, 1);
	return 0;
}

/* One record's outcome: to the hooks, or said when refused. */
static void
outcome(struct batch *b, struct ctl_replay_stats *s, const char *name,
    size_t i, enum store_result r, int code)
{
	const struct ctl_replay_hooks *h = b->hooks;

	switch (r) {
	case STORE_STORED:
		s->stored++;
		break;
	case STORE_DUPLICATE:
		s->duplicate++;
		break;
	default:
		if (code == 0)
			code = I40_E_GAP;
		if (h == NULL)
			say_refused(s, name, &b->items[i], b->at[i], code);
		else
			s->refused++;
		break;
	}
	if (h != NULL && h->event != NULL)
		h->event(h->arg, &b->items[i], b->at[i], r, code);
}

/* Store what passed, then each record's outcome in file order. */
static int
store_batch(struct batch *b, struct ctl_replay_stats *s, const char *name)
{
	struct store_item *ok = b->ok;
	size_t i, k = 0;
	int rc;

	for (i = 0; i < b->n; i++)
		if (b->code[i] == 0)
			ok[k++] = b->items[i];
	if (k > 0 && (rc = store_append(b->st, ok, k, b->out)) != 0)
		return rc;
	for (i = 0, k = 0; i < b->n; i++) {
		if (b->code[i] != 0)
			outcome(b, s, name, i, STORE_INVALID, b->code[i]);
		else {
			outcome(b, s, name, i, b->out[k].result,
			    b->out[k].code);
			k++;
		}
	}
	b->n = 0;
	b->used = 0;
	return 0;
}

/*
 * The append of one batch on a thread of its own, while the next batch is
 * read and decoded: the commit's fsync leaves the cores idle otherwise.
 * Only this thread touches s's store counts while it runs.
 */
struct appender {
	pthread_t t;
	int running;
	struct batch *b;
	struct ctl_replay_stats *s;
	const char *name;
	int rc;
};

static void *
append_thread(void *arg)
{
	struct appender *ap = arg;

	ap->rc = store_batch(ap->b, ap->s, ap->name);
	return NULL;
}

static int
append_wait(struct appender *ap)
{
	if (!ap->running)
		return 0;
	pthread_join(ap->t, NULL);
	ap->running = 0;
	return ap->rc;
}

static int
append_start(struct appender *ap, struct batch *b)
{
	ap->b = b;
	ap->rc = 0;
	if (pthread_create(&ap->t, NULL, append_thread, ap) != 0)
		return store_batch(b, ap->s, ap->name);
	ap->running = 1;
	return 0;
}

/*
 * The current batch through the checks, then stored: in the background
 * (wait 0), or before returning (wait 1, before evidence and at the end).
 */
static int
flush(struct batch **cur, struct batch **other, struct appender *ap,
    struct worker *ws, unsigned nthreads, int wait)
{
	struct batch *t;
	int rc;

	if ((*cur)->n > 0)
		decode_batch(*cur, ws, nthreads);
	if ((rc = append_wait(ap)) != 0)
		return rc;
	if ((*cur)->n == 0)
		return 0;
	if ((rc = verify_batch(*cur, ws, nthreads)) != 0)
		return rc;
	if (wait)
		return store_batch(*cur, ap->s, ap->name);
	if ((rc = append_start(ap, *cur)) != 0)
		return rc;
	t = *cur;
	*cur = *other;
	*other = t;
	return 0;
}

/* A pair of fork evidence, through the same checks. */
static void
evidence_outcome(const struct ctl_replay_hooks *h, struct ctl_replay_stats *s,
    const char *name, const struct store_item pair[2], uint64_t at,
    enum store_result r, int code)
{
	if (r == STORE_FORK)
		s->forks++;
	if (h != NULL && h->evidence != NULL)
		h->evidence(h->arg, pair, at, r, code);
	else if (r == STORE_INVALID)
		say_refused(s, name, &pair[0], at, code);
}

static int
evidence(struct store *st, const struct exp_record *rec, struct body *scratch,
    const struct ctl_replay_hooks *h, struct ctl_replay_stats *s,
    const char *name)
{
	struct store_item pair[2];
	struct store_outcome o;
	int rc;

	s->evidence++;
	memset(pair, 0, sizeof(pair));
	if ((rc = store_verify_decode(st, rec->a, rec->alen, &pair[0], scratch,
	    NULL)) != 0 || (rc = store_verify_decode(st, rec->b, rec->blen,
	    &pair[1], scratch, NULL)) != 0) {
		memset(&pair[0].ev.h, 0, sizeof(pair[0].ev.h));
		evidence_outcome(h, s, name, pair, rec->offset, STORE_INVALID,
		    rc);
		return 0;
	}
	if ((rc = store_verify_keys(st, pair, 2, 0)) != 0)
		return rc;
	if ((rc = store_verify_sig(&pair[0])) != 0 ||
	    (rc = store_verify_sig(&pair[1])) != 0) {
		evidence_outcome(h, s, name, pair, rec->offset, STORE_INVALID,
		    rc);
		return 0;
	}
	if ((rc = store_evidence(st, pair, &o)) != 0)
		return rc;
	evidence_outcome(h, s, name, pair, rec->offset, o.result, o.code);
	return 0;
}

int
ctl_replay(struct store *st, FILE *f, const char *name, unsigned nthreads,
    int progress, const struct ctl_replay_hooks *hooks,
    struct ctl_replay_stats *s, char *why, size_t cap)
{
	struct worker ws[MAX_THREADS];
	struct exp_reader r;
	struct exp_record g, rec;
	struct ev_signed ge;
	struct appender ap;
	struct batch *b, *b2 = NULL, *hold[2];
	time_t next = 0;
	unsigned k;
	int rc, rd;

	memset(s, 0, sizeof(*s));
	memset(ws, 0, sizeof(ws));
	why[0] = '\0';
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	memset(&ap, 0, sizeof(ap));
	ap.s = s;
	ap.name = name;
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b2 = calloc(1, sizeof(*b2))) == NULL ||
	    (b->arena = malloc(BATCH_BYTES)) == NULL ||
	    (b2->arena = malloc(BATCH_BYTES)) == NULL) {
		if (b != NULL)
			free(b->arena);
		free(b);
		free(b2);
		return I40_E_NOMEM;
	}
	b->st = b2->st = st;
	b->hooks = b2->hooks = hooks;
	hold[0] = b;
	hold[1] = b2;
	for (k = 0; k < nthreads; k++)
		if ((ws[k].scratch = malloc(sizeof(struct body))) == NULL) {
			rc = I40_E_NOMEM;
			goto out;
		}
	if ((rc = exp_read_begin(&r, f, &g)) != 0) {
		snprintf(why, cap, "%s: %s", name, r.why[0] ? r.why :
		    i40_strerror(rc));
		goto out_r;
	}
	/* The genesis names the federation: this store's, or nothing. */
	if ((rc = ev_decode(g.p, g.len, NULL, &ge, NULL, NULL)) != 0 ||
	    memcmp(ge.h.fed_id, store_fed_id(st), 32) != 0) {
		snprintf(why, cap, "%s: its genesis is not this data "
		    "directory's: an export of another federation%s", name,
		    rc != 0 ? " (or a damaged genesis)" : "");
		rc = I40_E_FED_ID;
		goto out_r;
	}
	while ((rd = exp_next(&r, &rec)) == 0) {
		if (rec.type == EXP_REC_EVIDENCE) {
			if ((rc = flush(&b, &b2, &ap, ws, nthreads, 1)) != 0 ||
			    (rc = evidence(st, &rec, ws[0].scratch, hooks, s,
			    name)) != 0)
				goto fail;
			continue;
		}
		s->events++;
		if (b->n == BATCH_EVENTS || b->used + rec.len > BATCH_BYTES) {
			if ((rc = flush(&b, &b2, &ap, ws, nthreads, 0)) != 0)
				goto fail;
		}
		memcpy(b->arena + b->used, rec.p, rec.len);
		b->off[b->n] = b->used;
		b->len[b->n] = rec.len;
		b->at[b->n] = rec.offset;
		b->used += rec.len;
		b->n++;
		if (progress && (s->events & 4095) == 0 && time(NULL) >= next) {
			fprintf(stderr, "\r%s: %llu events read, %llu stored",
			    ctl_cmd(), (unsigned long long)s->events,
			    (unsigned long long)s->stored);
			next = time(NULL) + 1;
		}
	}
	/* Everything before a damaged record is whole: keep it. */
	if ((rc = flush(&b, &b2, &ap, ws, nthreads, 1)) != 0)
		goto fail;
	if (progress)
		fputc('\n', stderr);
	if (rd == 1) {
		s->trailer = r.trailer;
		rc = 0;
	} else if (rd == I40_E_EXPORT) {
		s->damaged = 1;
		s->damaged_at = rec.offset;
		snprintf(why, cap, "%s: %s", name, r.why);
		rc = 0;
	} else {
		snprintf(why, cap, "%s: cannot read it: %s", name,
		    i40_strerror(rd));
		rc = rd;
	}
	goto out_r;
fail:
	snprintf(why, cap, "the store: %s", i40_strerror(rc));
out_r:
	exp_read_end(&r);
out:
	(void)append_wait(&ap);
	for (k = 0; k < nthreads; k++)
		free(ws[k].scratch);
	for (k = 0; k < 2; k++) {
		free(hold[k]->arena);
		free(hold[k]);
	}
	return rc;
}
