/* ctl_replay.c: an export file into a store (see ctl_replay.h). */
#include "ctl_replay.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_member.h"

#define BATCH_EVENTS 4096
#define BATCH_BYTES (8u << 20)
#define MAX_THREADS 8
#define SAID_MAX 20
#define CHUNK 8			/* records a worker takes at a time */

/*
 * Records refused only because their author is no member yet.  i40 writes
 * an export in arrival order, admissions first, but §13.1 lets an exporter
 * interleave the logs as it likes (an older i40 sorted them by author), so
 * a member's events may come before its admission: they wait in a file
 * (memory stays constant) and are offered again after the pass, until a
 * pass stores nothing more.  Only what is left then is refused.
 * A record: type (1), offset (8), alen (4), blen (4), a, b; host order,
 * private to the run.
 */
struct spill {
	FILE *f;		/* tmpfile(), NULL until the first record */
	uint64_t n;		/* records in it */
};

struct batch {
	struct store *st;
	const struct ctl_replay_hooks *hooks;
	struct spill *hold;			/* NULL: refuse, do not hold */
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
	int verified;				/* keys and signatures done */
	int rotates;				/* a key_rotate passed them */
	atomic_size_t next;			/* the records not yet taken */
};

struct worker {
	struct batch *b;
	int phase;				/* 0 decode, 1 signature */
	struct body *scratch;
};

/*
 * Chunks taken in turn, not stripes: a worker that shares its core with
 * the appender takes fewer, and none waits on the slowest stripe.
 */
static void *
work(void *arg)
{
	struct worker *w = arg;
	struct batch *b = w->b;
	size_t i, end;

	while ((i = atomic_fetch_add(&b->next, CHUNK)) < b->n) {
		end = i + CHUNK < b->n ? i + CHUNK : b->n;
		for (; i < end; i++) {
			if (w->phase == 0)
				b->code[i] = store_verify_decode(b->st,
				    b->arena + b->off[i], b->len[i],
				    &b->items[i], w->scratch, NULL);
			else if (b->code[i] == 0)
				b->code[i] = store_verify_sig(&b->items[i]);
		}
	}
	return NULL;
}

/* Run phase over the batch on nthreads threads (this one among them). */
static void
parallel(struct batch *b, struct worker *ws, unsigned nthreads, int phase)
{
	pthread_t t[MAX_THREADS];
	unsigned k, started = 0;

	atomic_store(&b->next, 0);
	for (k = 0; k < nthreads; k++) {
		ws[k].b = b;
		ws[k].phase = phase;
	}
	for (k = 1; k < nthreads; k++, started++)
		if (pthread_create(&t[k], NULL, work, &ws[k]) != 0)
			break;
	/* Threads that did not start leave more chunks to the others. */
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

/* An I/O error of the spill file, as a negative errno. */
static int
sys_err(void)
{
	return errno != 0 ? -errno : -EIO;
}

static int
spill_put(struct spill *sp, uint8_t type, uint64_t at, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen)
{
	uint32_t al = (uint32_t)alen, bl = (uint32_t)blen;

	errno = 0;
	if (sp->f == NULL && (sp->f = tmpfile()) == NULL)
		return sys_err();
	if (fwrite(&type, 1, 1, sp->f) != 1 ||
	    fwrite(&at, sizeof(at), 1, sp->f) != 1 ||
	    fwrite(&al, sizeof(al), 1, sp->f) != 1 ||
	    fwrite(&bl, sizeof(bl), 1, sp->f) != 1 ||
	    fwrite(a, 1, alen, sp->f) != alen ||
	    (blen > 0 && fwrite(b, 1, blen, sp->f) != blen))
		return sys_err();
	sp->n++;
	return 0;
}

/* The next held record into buf (2 * EV_MAX_BYTES); 0 or -errno. */
static int
spill_get(struct spill *sp, uint8_t *type, uint64_t *at, uint8_t *buf,
    size_t *alen, size_t *blen)
{
	uint32_t al, bl;

	errno = 0;
	if (fread(type, 1, 1, sp->f) != 1 ||
	    fread(at, sizeof(*at), 1, sp->f) != 1 ||
	    fread(&al, sizeof(al), 1, sp->f) != 1 ||
	    fread(&bl, sizeof(bl), 1, sp->f) != 1 ||
	    al > EV_MAX_BYTES || bl > EV_MAX_BYTES ||
	    fread(buf, 1, al, sp->f) != al ||
	    fread(buf + al, 1, bl, sp->f) != bl)
		return sys_err();
	*alen = al;
	*blen = bl;
	return 0;
}

static void
spill_free(struct spill *sp)
{
	if (sp->f != NULL)
		fclose(sp->f);
	sp->f = NULL;
	sp->n = 0;
}

static int
held(enum store_result r, int code)
{
	return r == STORE_INVALID && code == I40_E_UNKNOWN_AUTHOR;
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
 * before are stored, or the one being stored names no new key), then the
 * signatures on every core.
 */
static int
verify_batch(struct batch *b, struct worker *ws, unsigned nthreads)
{
	struct store_item *ok = b->ok;
	size_t *idx = b->idx, i, k = 0;
	int rc;

	b->rotates = 0;
	for (i = 0; i < b->n; i++)
		if (b->code[i] == 0) {
			ok[k] = b->items[i];
			idx[k++] = i;
			if (b->items[i].ev.h.type == BODY_KEY_ROTATE)
				b->rotates = 1;
		}
	if (k > 0 && (rc = store_verify_keys(b->st, ok, k, 0)) != 0)
		return rc;
	for (i = 0; i < k; i++)
		b->items[idx[i]] = ok[i];
	parallel(b, ws, nthreads, 1);
	b->verified = 1;
	return 0;
}

/* One record's outcome: held, to the hooks, or said when refused. */
static int
outcome(struct batch *b, struct ctl_replay_stats *s, const char *name,
    size_t i, enum store_result r, int code)
{
	const struct ctl_replay_hooks *h = b->hooks;

	if (b->hold != NULL && held(r, code)) {
		if (h != NULL && h->held != NULL)
			h->held(h->arg, &b->items[i], b->at[i]);
		return spill_put(b->hold, EXP_REC_EVENT, b->at[i],
		    b->arena + b->off[i], b->len[i], NULL, 0);
	}
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
	return 0;
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
	for (i = 0, k = 0, rc = 0; i < b->n && rc == 0; i++) {
		if (b->code[i] != 0)
			rc = outcome(b, s, name, i, STORE_INVALID, b->code[i]);
		else {
			rc = outcome(b, s, name, i, b->out[k].result,
			    b->out[k].code);
			k++;
		}
	}
	b->n = 0;
	b->used = 0;
	b->verified = 0;
	return rc;
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
 *
 * The keys in force depend only on the key_rotate events stored below
 * each seq (protocol.md §4.7), and the replay is its store's only writer.
 * So while the batch before is being stored, this one is verified with
 * the keys already stored, unless that batch holds a rotation that passed
 * its checks: then this one waits for it, and reads the keys after.
 * Either way each signature is checked with the key the store would
 * choose after the batch before; membership, chain and rules are the
 * store's, as it appends (store_append), in file order.
 */
static int
flush(struct batch **cur, struct batch **other, struct appender *ap,
    struct worker *ws, unsigned nthreads, int wait)
{
	struct batch *t;
	int rc;

	if ((*cur)->n > 0) {
		decode_batch(*cur, ws, nthreads);
		if ((!ap->running || !ap->b->rotates) &&
		    (rc = verify_batch(*cur, ws, nthreads)) != 0) {
			(void)append_wait(ap);
			return rc;
		}
	}
	if ((rc = append_wait(ap)) != 0)
		return rc;
	if ((*cur)->n == 0)
		return 0;
	if (!(*cur)->verified && (rc = verify_batch(*cur, ws, nthreads)) != 0)
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

/* The whole run's state, for the passes over the file and what it held. */
struct run {
	struct store *st;
	const char *name;
	const struct ctl_replay_hooks *hooks;
	struct ctl_replay_stats *s;
	struct worker ws[MAX_THREADS];
	unsigned nthreads;
	struct appender ap;
	struct batch *b, *b2;
	struct spill *hold;
	int progress;
	time_t next;
};

/* A pair of fork evidence, through the same checks. */
static void
evidence_outcome(const struct ctl_replay_hooks *h, struct ctl_replay_stats *s,
    const char *name, const struct store_item pair[2], uint64_t at,
    enum store_result r, int code)
{
	if (r == STORE_FORK)
		s->forks++;
	if (r == STORE_INVALID)
		s->evidence_refused++;
	if (h != NULL && h->evidence != NULL)
		h->evidence(h->arg, pair, at, r, code);
	else if (r == STORE_INVALID && s->evidence_refused <= SAID_MAX) {
		char fp[24];

		/* The events of a refused pair are not refused: say so. */
		if (pair[0].ev.h.seq != 0) {
			ctl_fingerprint(pair[0].ev.h.author, fp);
			ctl_warnx("%s: offset %llu: the fork evidence of %s at "
			    "seq %llu is refused (the log's own events are "
			    "not): %s (%s)", name, (unsigned long long)at, fp,
			    (unsigned long long)pair[0].ev.h.seq,
			    i40_strerror(code), i40_errname(code));
		} else
			ctl_warnx("%s: offset %llu: fork evidence that does not "
			    "decode is refused: %s (%s)", name,
			    (unsigned long long)at, i40_strerror(code),
			    i40_errname(code));
	}
}

static int
evidence(struct run *rn, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, uint64_t at)
{
	struct store_item pair[2];
	struct store_outcome o;
	struct body *scratch = rn->ws[0].scratch;
	int rc;

	memset(pair, 0, sizeof(pair));
	if ((rc = store_verify_decode(rn->st, a, alen, &pair[0], scratch,
	    NULL)) != 0 || (rc = store_verify_decode(rn->st, b, blen,
	    &pair[1], scratch, NULL)) != 0) {
		memset(&pair[0].ev.h, 0, sizeof(pair[0].ev.h));
		evidence_outcome(rn->hooks, rn->s, rn->name, pair, at,
		    STORE_INVALID, rc);
		return 0;
	}
	if ((rc = store_verify_keys(rn->st, pair, 2, 0)) != 0)
		return rc;
	if ((rc = store_verify_sig(&pair[0])) != 0 ||
	    (rc = store_verify_sig(&pair[1])) != 0) {
		evidence_outcome(rn->hooks, rn->s, rn->name, pair, at,
		    STORE_INVALID, rc);
		return 0;
	}
	if ((rc = store_evidence(rn->st, pair, &o)) != 0)
		return rc;
	if (rn->hold != NULL && held(o.result, o.code))
		return spill_put(rn->hold, EXP_REC_EVIDENCE, at, a, alen, b,
		    blen);
	evidence_outcome(rn->hooks, rn->s, rn->name, pair, at, o.result,
	    o.code);
	return 0;
}

/* Where refusals go from now on: into sp, or (NULL) said. */
static void
hold_in(struct run *rn, struct spill *sp)
{
	rn->hold = rn->b->hold = rn->b2->hold = sp;
}

/* One E record into the current batch; a full one goes to be stored. */
static int
add_event(struct run *rn, const uint8_t *p, size_t len, uint64_t at)
{
	struct batch *b;
	int rc;

	if (rn->b->n == BATCH_EVENTS || rn->b->used + len > BATCH_BYTES) {
		if ((rc = flush(&rn->b, &rn->b2, &rn->ap, rn->ws, rn->nthreads,
		    0)) != 0)
			return rc;
	}
	b = rn->b;
	memcpy(b->arena + b->used, p, len);
	b->off[b->n] = b->used;
	b->len[b->n] = len;
	b->at[b->n] = at;
	b->used += len;
	b->n++;
	return 0;
}

/* An F record: the events before it are stored first. */
static int
add_evidence(struct run *rn, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, uint64_t at)
{
	int rc;

	if ((rc = flush(&rn->b, &rn->b2, &rn->ap, rn->ws, rn->nthreads,
	    1)) != 0)
		return rc;
	return evidence(rn, a, alen, b, blen, at);
}

static void
progress_line(struct run *rn, const char *what)
{
	if (!rn->progress || time(NULL) < rn->next)
		return;
	fprintf(stderr, "\r%s: %llu events %s, %llu stored", ctl_cmd(),
	    (unsigned long long)rn->s->events, what,
	    (unsigned long long)rn->s->stored);
	rn->next = time(NULL) + 1;
}

/*
 * Offer what in held once more, in file order, holding what is refused
 * again into out, or (out NULL) refusing it.
 */
static int
reoffer(struct run *rn, struct spill *in, struct spill *out, uint8_t *buf)
{
	uint64_t i, at;
	size_t alen, blen;
	uint8_t type;
	int rc;

	errno = 0;
	if (fflush(in->f) != 0 || fseeko(in->f, 0, SEEK_SET) != 0)
		return sys_err();
	hold_in(rn, out);
	for (i = 0; i < in->n; i++) {
		if ((rc = spill_get(in, &type, &at, buf, &alen, &blen)) != 0)
			return rc;
		rc = type == EXP_REC_EVIDENCE ?
		    add_evidence(rn, buf, alen, buf + alen, blen, at) :
		    add_event(rn, buf, alen, at);
		if (rc != 0)
			return rc;
		if ((i & 4095) == 0)
			progress_line(rn, "read, held ones offered again");
	}
	return flush(&rn->b, &rn->b2, &rn->ap, rn->ws, rn->nthreads, 1);
}

/*
 * The held records, offered again while a pass stores something (it may
 * admit their authors), then refused.
 */
static int
settle_held(struct run *rn, struct spill *sp)
{
	struct spill next;
	uint8_t *buf;
	uint64_t before;
	int rc = 0;

	if (sp->n == 0)
		return 0;
	if ((buf = malloc(2 * (size_t)EV_MAX_BYTES)) == NULL)
		return I40_E_NOMEM;
	for (;;) {
		memset(&next, 0, sizeof(next));
		before = rn->s->stored + rn->s->forks;
		if ((rc = reoffer(rn, sp, &next, buf)) != 0)
			break;
		spill_free(sp);
		*sp = next;
		if (sp->n == 0)
			break;
		if (rn->s->stored + rn->s->forks == before) {
			/* Nothing more can be admitted: refuse the rest. */
			memset(&next, 0, sizeof(next));
			rc = reoffer(rn, sp, NULL, buf);
			break;
		}
	}
	if (rc != 0)
		spill_free(&next);
	free(buf);
	return rc;
}

int
ctl_replay(struct store *st, FILE *f, const char *name, unsigned nthreads,
    int progress, const struct ctl_replay_hooks *hooks,
    struct ctl_replay_stats *s, char *why, size_t cap)
{
	struct run rn;
	struct spill sp;
	struct exp_reader r;
	struct exp_record g, rec;
	struct ev_signed ge;
	struct batch *hold[2];
	unsigned k;
	int rc, rd;

	memset(s, 0, sizeof(*s));
	memset(&rn, 0, sizeof(rn));
	memset(&sp, 0, sizeof(sp));
	why[0] = '\0';
	rn.st = st;
	rn.name = name;
	rn.hooks = hooks;
	rn.s = s;
	rn.progress = progress;
	rn.nthreads = nthreads < 1 ? 1 : nthreads > MAX_THREADS ?
	    MAX_THREADS : nthreads;
	rn.ap.s = s;
	rn.ap.name = name;
	hold[0] = rn.b = calloc(1, sizeof(*rn.b));
	hold[1] = rn.b2 = calloc(1, sizeof(*rn.b2));
	if (rn.b == NULL || rn.b2 == NULL ||
	    (rn.b->arena = malloc(BATCH_BYTES)) == NULL ||
	    (rn.b2->arena = malloc(BATCH_BYTES)) == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	rn.b->st = rn.b2->st = st;
	rn.b->hooks = rn.b2->hooks = hooks;
	hold_in(&rn, &sp);
	for (k = 0; k < rn.nthreads; k++)
		if ((rn.ws[k].scratch = malloc(sizeof(struct body))) == NULL) {
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
			s->evidence++;
			rc = add_evidence(&rn, rec.a, rec.alen, rec.b,
			    rec.blen, rec.offset);
		} else {
			s->events++;
			rc = add_event(&rn, rec.p, rec.len, rec.offset);
			if ((s->events & 4095) == 0)
				progress_line(&rn, "read");
		}
		if (rc != 0)
			goto fail;
	}
	/* Everything before a damaged record is whole: keep it. */
	if ((rc = flush(&rn.b, &rn.b2, &rn.ap, rn.ws, rn.nthreads, 1)) != 0 ||
	    (rc = settle_held(&rn, &sp)) != 0)
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
	/* The store says I40_E_*; a bare errno is the file of held events. */
	snprintf(why, cap, rc > -1000 ? "the temporary file of events that "
	    "wait for their authors' admission (in $TMPDIR): %s" :
	    "the store: %s", i40_strerror(rc));
out_r:
	exp_read_end(&r);
out:
	(void)append_wait(&rn.ap);
	spill_free(&sp);
	for (k = 0; k < rn.nthreads; k++)
		free(rn.ws[k].scratch);
	for (k = 0; k < 2; k++) {
		if (hold[k] != NULL)
			free(hold[k]->arena);
		free(hold[k]);
	}
	return rc;
}
