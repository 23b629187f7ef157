/*
 * ingest.c: events from peers, decoded and verified on every core, then
 * stored in order by the main thread.
 *
 * The main thread submits each EVENTS or FORK message as a job, keeping
 * the ZeroMQ message itself (no copy).  A verifier thread decodes every
 * event (the cheap checks first), looks up the keys in force in one read
 * transaction, and verifies the signatures.  The main thread takes
 * finished jobs in the order they were submitted, so each author's events
 * reach the store in the order they were asked for, and appends each job
 * in one write transaction.  Only after that commit does anything go out
 * about the events (sync_committed: NOTIFY, readiness).
 *
 * THREAD SAFETY: jobs move between threads under ing->mu; a job belongs
 * to exactly one thread at a time.  Verifiers only read the store.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <zmq.h>

#include "ev.h"
#include "ingest.h"
#include "node.h"

struct job {
	struct job *next;
	uint64_t seqno;
	zmq_msg_t msg;			/* owns the bytes the items borrow */
	struct codec_bytes ev_msg[MSG_MAX_EVENTS];
	struct codec_bytes *ev;		/* ev_msg, or with a reorg's stage */
	uint8_t *own;			/* that stage's bytes, or NULL */
	uint64_t stage_gen;		/* ... and which stage it was */
	size_t nstaged;			/* its events first in ev, verified */
	size_t nev;
	uint8_t from[KEY_PK_BYTES];	/* the peer it came from */
	int has_want;
	struct want want;		/* the request it answers */
	int fork;			/* a FORK message: a pair of evidence */
	struct store_item *items;	/* decoded and verified, nok of them */
	size_t nok;
	size_t nbad;			/* refused by decode or signature */
	int first_err;			/* the first refusal's code */
	size_t first_idx;
	char first_field[64];
	int done;
};

struct ingest {
	struct node *n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t *threads;
	unsigned nthreads;
	int stop;
	int efd;			/* wakes the main thread */
	struct job *todo, *todo_tail;	/* submitted, not yet taken */
	/* Every live job by seqno: submitted, in verification, or done. */
	struct job *ring[INGEST_MAX_JOBS];
	uint64_t next_seqno, next_out;
};

static void
refuse(struct job *j, size_t idx, int code, const char *field)
{
	if (j->nbad++ == 0) {
		j->first_err = code;
		j->first_idx = idx;
		snprintf(j->first_field, sizeof(j->first_field), "%s",
		    field != NULL ? field : "");
	}
}

/* Decode, find keys, verify: the verifier thread's whole job. */
static void
verify_job(struct ingest *ing, struct job *j, struct body *scratch)
{
	struct codec_err err;
	size_t i, k = 0;
	int rc;

	/* The shared rules (store/verify.c), as log import and audit. */
	for (i = 0; i < j->nev; i++) {
		rc = store_verify_decode(ing->n->st, j->ev[i].p, j->ev[i].len,
		    &j->items[k], scratch, &err);
		if (rc != 0) {
			if (i < j->nstaged)
				j->nstaged = 0;	/* cannot be: check them all */
			refuse(j, i, rc, err.field[0] ? err.field : NULL);
			continue;
		}
		k++;
	}
	/*
	 * No key, no verification: an author the store does not know (its
	 * admission has not arrived yet) is refused here, and fetched again
	 * by a later exchange once it is known.
	 */
	if (k > 0 && (rc = store_verify_keys(ing->n->st, j->items, k,
	    j->has_want && j->want.kind == WANT_REORG)) != 0) {
		for (i = 0; i < k; i++)
			refuse(j, i, rc, "author");
		k = 0;
	}
	j->nok = 0;
	/*
	 * A reorg's staged events were verified when they came, and their
	 * keys are the same from the same fork: only the new ones are
	 * checked (a long branch would otherwise cost its square).
	 */
	for (i = 0; i < k; i++) {
		if (i >= j->nstaged &&
		    (rc = store_verify_sig(&j->items[i])) != 0) {
			refuse(j, i, rc, "sig");
			continue;
		}
		if (j->nok != i)
			j->items[j->nok] = j->items[i];
		j->nok++;
	}
}

static void *
worker(void *arg)
{
	struct ingest *ing = arg;
	struct body *scratch;
	struct job *j;
	uint64_t one = 1;

	if ((scratch = malloc(sizeof(*scratch))) == NULL)
		return NULL;
	pthread_mutex_lock(&ing->mu);
	for (;;) {
		while (!ing->stop && ing->todo == NULL)
			pthread_cond_wait(&ing->cv, &ing->mu);
		if (ing->stop)
			break;
		j = ing->todo;
		ing->todo = j->next;
		if (ing->todo == NULL)
			ing->todo_tail = NULL;
		pthread_mutex_unlock(&ing->mu);
		verify_job(ing, j, scratch);
		pthread_mutex_lock(&ing->mu);
		j->done = 1;
		/* Nothing to do if the main thread has a wake-up pending. */
		if (write(ing->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			break;
	}
	pthread_mutex_unlock(&ing->mu);
	free(scratch);
	return NULL;
}

static void
efd_cb(void *arg)
{
	struct node *n = arg;

	ingest_collect(n->ing);
}

int
ingest_new(struct node *n, unsigned nthreads, struct ingest **out)
{
	struct ingest *ing;
	unsigned i;
	int rc;

	*out = NULL;
	if ((ing = calloc(1, sizeof(*ing))) == NULL)
		return I40_E_NOMEM;
	ing->n = n;
	ing->efd = -1;
	if (pthread_mutex_init(&ing->mu, NULL) != 0) {
		free(ing);
		return I40_E_NOMEM;
	}
	if (pthread_cond_init(&ing->cv, NULL) != 0) {
		pthread_mutex_destroy(&ing->mu);
		free(ing);
		return I40_E_NOMEM;
	}
	if ((ing->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		rc = -errno;
		goto fail;
	}
	if ((ing->threads = calloc(nthreads, sizeof(pthread_t))) == NULL) {
		rc = I40_E_NOMEM;
		goto fail;
	}
	for (i = 0; i < nthreads; i++) {
		if ((rc = pthread_create(&ing->threads[i], NULL, worker,
		    ing)) != 0) {
			rc = -rc;
			goto fail;
		}
		ing->nthreads++;
	}
	if ((rc = ev_reader_add(n->loop, NULL, ing->efd, efd_cb, n)) != 0)
		goto fail;
	*out = ing;
	return 0;
fail:
	ingest_free(ing);
	return rc;
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	zmq_msg_close(&j->msg);
	if (j->ev != j->ev_msg)
		free(j->ev);
	free(j->own);
	free(j->items);
	free(j);
}

void
ingest_free(struct ingest *ing)
{
	uint64_t q;
	unsigned i;

	if (ing == NULL)
		return;
	pthread_mutex_lock(&ing->mu);
	ing->stop = 1;
	pthread_cond_broadcast(&ing->cv);
	pthread_mutex_unlock(&ing->mu);
	for (i = 0; i < ing->nthreads; i++)
		pthread_join(ing->threads[i], NULL);
	free(ing->threads);
	for (q = ing->next_out; q < ing->next_seqno; q++)
		job_free(ing->ring[q % INGEST_MAX_JOBS]);
	if (ing->efd >= 0) {
		ev_reader_del(ing->n->loop, NULL, ing->efd);
		close(ing->efd);
	}
	pthread_cond_destroy(&ing->cv);
	pthread_mutex_destroy(&ing->mu);
	free(ing);
}

size_t
ingest_live(const struct ingest *ing)
{
	return (size_t)(ing->next_seqno - ing->next_out);
}

/*
 * Take over m (an EVENTS or FORK message from peer p, decoded into dm),
 * answering WANT w (NULL for FORK).  m is consumed whatever the result.
 */
/*
 * The next batch of a reorg being staged (evidence.c): the job takes the
 * stage's events before its own and answers for the whole branch from
 * the fork, verified and offered to store_reorg as one.  Another answer
 * (a fresh start, another peer) is left as it is.  0 or I40_E_NOMEM.
 */
static int
take_stage(struct reorg_stage *r, struct job *j)
{
	struct codec_bytes *all;
	size_t i, off = 0;

	if (!r->live || r->inflight || j->nev == 0 ||
	    memcmp(r->author, j->want.author, KEY_PK_BYTES) != 0 ||
	    memcmp(r->peer, j->from, KEY_PK_BYTES) != 0 ||
	    j->want.from != r->next)
		return 0;
	if ((all = calloc(r->n + j->nev, sizeof(*all))) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < r->n; i++) {
		all[i].p = r->buf + off;
		all[i].len = r->len[i];
		off += r->len[i];
	}
	memcpy(all + r->n, j->ev, j->nev * sizeof(*all));
	j->ev = all;
	j->nev += r->n;
	j->own = r->buf;
	j->stage_gen = r->gen;
	j->nstaged = r->n;
	r->buf = NULL;
	free(r->len);
	r->len = NULL;
	/* It answers for the branch from the fork (check_range). */
	j->want.count = j->want.from + j->want.count - r->from;
	j->want.from = r->from;
	r->n = 0;
	r->inflight = 1;
	return 0;
}

int
ingest_submit(struct ingest *ing, zmq_msg_t *m, const struct msg *dm,
    const struct peer *p, const struct want *w)
{
	const uint8_t *base = zmq_msg_data(m);
	const uint8_t *dbase;
	struct job *j;
	size_t i;

	if (ingest_live(ing) >= INGEST_MAX_JOBS) {
		zmq_msg_close(m);
		return I40_E_BUFFER;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		zmq_msg_close(m);
		return I40_E_NOMEM;
	}
	j->ev = j->ev_msg;
	zmq_msg_init(&j->msg);
	zmq_msg_move(&j->msg, m);
	zmq_msg_close(m);
	/* The decoded bins point into the message: rebase them. */
	dbase = zmq_msg_data(&j->msg);
	if (dm->type == MSG_FORK) {
		j->fork = 1;
		j->ev[0] = dm->u.fork.a;
		j->ev[1] = dm->u.fork.b;
		j->nev = 2;
	} else {
		for (i = 0; i < dm->u.events.nev; i++)
			j->ev[i] = dm->u.events.ev[i];
		j->nev = dm->u.events.nev;
	}
	for (i = 0; i < j->nev; i++)
		j->ev[i].p = dbase + (j->ev[i].p - base);
	memcpy(j->from, p->key, KEY_PK_BYTES);
	if (w != NULL) {
		j->has_want = 1;
		j->want = *w;
	}
	if ((w != NULL && w->kind == WANT_REORG &&
	    take_stage(&ing->n->reorg, j) != 0) ||
	    (j->items = calloc(j->nev, sizeof(*j->items))) == NULL) {
		if (j->own != NULL)	/* it went with the job */
			evid_reorg_end(ing->n, j->stage_gen);
		job_free(j);
		return I40_E_NOMEM;
	}
	pthread_mutex_lock(&ing->mu);
	j->seqno = ing->next_seqno++;
	ing->ring[j->seqno % INGEST_MAX_JOBS] = j;
	if (ing->todo_tail != NULL)
		ing->todo_tail->next = j;
	else
		ing->todo = j;
	ing->todo_tail = j;
	pthread_cond_signal(&ing->cv);
	pthread_mutex_unlock(&ing->mu);
	return 0;
}

/* Drop the events a job's WANT did not ask for (a peer's mistake). */
static void
check_range(struct job *j)
{
	size_t i, k = 0;
	uint64_t seq;

	for (i = 0; i < j->nok; i++) {
		seq = j->items[i].ev.h.seq;
		if (memcmp(j->items[i].ev.h.author, j->want.author,
		    KEY_PK_BYTES) != 0 || seq < j->want.from ||
		    seq - j->want.from >= j->want.count) {
			if (j->nbad++ == 0) {
				j->first_err = I40_E_RANGE;
				j->first_idx = i;
				snprintf(j->first_field,
				    sizeof(j->first_field), "not requested");
			}
			continue;
		}
		if (k != i)
			j->items[k] = j->items[i];
		k++;
	}
	j->nok = k;
}

/*
 * Say what the store refused of a peer's batch: events that verified but
 * do not fit (a gap, a broken chain, an author nobody admitted).  A gap
 * can happen to an honest peer (what came before was refused and is
 * asked again), so it is info; the rest is the peer's doing.
 */
static void
store_refusals(struct node *n, const struct job *j,
    const struct store_outcome *out, const struct peer *p)
{
	size_t i, bad = 0, gaps = 0, off = 0, first = SIZE_MAX;
	uint64_t supp;

	for (i = 0; i < j->nok; i++) {
		if (out[i].result == STORE_GAP)
			gaps++;
		else if (out[i].result == STORE_INVALID &&
		    (out[i].code == I40_E_CHAIN || out[i].code == I40_E_FROZEN))
			off++;		/* a fork's other side, or a frozen log */
		else if (out[i].result == STORE_INVALID)
			bad++;
		else
			continue;
		if (first == SIZE_MAX)
			first = i;
	}
	if (first == SIZE_MAX)
		return;
	n->dropped += bad + gaps + off;
	if (!log_ratelimit(&n->peer_rl, j->from, node_mono_ms(), n->cfg->log_ms, &supp))
		return;
	(bad > 0 ? log_warnx : log_info)("peer %s (%s): the store refused %zu "
	    "of %zu events (%zu of an unknown author or key, %zu off our "
	    "chain or past a freeze point, %zu after a gap); first: seq %llu: "
	    "%s", p ? p->schac : "?",
	    p ? p->hex : "?", bad + gaps + off, j->nok, bad, off, gaps,
	    (unsigned long long)j->items[first].ev.h.seq,
	    i40_strerror(out[first].code != 0 ? out[first].code : I40_E_GAP));
}

/* Store one finished job and tell sync what happened. */
static void
finish(struct node *n, struct job *j)
{
	struct store_outcome *out = NULL;
	struct peer *p = node_peer(n, j->from);
	const struct want *w = j->has_want ? &j->want : NULL;
	uint64_t supp, t0;
	int rc;

	if (j->has_want)
		check_range(j);
	if (j->nbad > 0) {
		n->dropped += j->nbad;
		if (log_ratelimit(&n->peer_rl, j->from, node_mono_ms(), n->cfg->log_ms,
		    &supp))
			log_warnx("peer %s (%s): dropped %zu of %zu events; "
			    "first: #%zu %s: %s", p ? p->schac : "?",
			    p ? p->hex : "?", j->nbad, j->nev, j->first_idx,
			    j->first_field, i40_strerror(j->first_err));
	}
	if (j->nok == 0 || (j->fork && j->nok != 2)) {
		if (j->own != NULL)	/* the stage went in it */
			evid_reorg_end(n, j->stage_gen);
		sync_committed(n, p, NULL, NULL, 0, w);
		return;
	}
	if ((out = calloc(j->nok, sizeof(*out))) == NULL) {
		log_warnx("ingest: out of memory; %zu events dropped", j->nok);
		if (j->own != NULL)
			evid_reorg_end(n, j->stage_gen);
		/* Asked for again, as for any batch not stored. */
		sync_committed(n, p, NULL, NULL, 0, w);
		return;
	}
	/*
	 * A FORK is one piece of evidence; a WANT_REORG answer the voters'
	 * branch of a frozen log (store_reorg decides whether it is); the
	 * rest are appended.
	 */
	t0 = node_mono_us();
	if (j->fork)
		rc = store_evidence(n->st, j->items, out);
	else if (w != NULL && w->kind == WANT_REORG)
		rc = store_reorg(n->st, j->items, j->nok, out);
	else
		rc = store_append(n->st, j->items, j->nok, out);
	web_count_commit(&n->metrics, node_mono_us() - t0);
	if (rc == I40_E_FAILED || rc == I40_E_CORRUPT)
		fatalx("store: %s; stopping so that systemd restarts the "
		    "node and it re-checks its store", i40_strerror(rc));
	if (rc != 0) {
		log_warn(rc, "store: a batch of %zu events from %s was not "
		    "stored; it will be fetched again", j->nok,
		    p ? p->schac : "?");
		if (j->own != NULL)
			evid_reorg_end(n, j->stage_gen);
		sync_committed(n, p, NULL, NULL, 0, w);
	} else if (j->fork) {
		if (out[0].result == STORE_INVALID)
			store_refusals(n, j, out, p);
		sync_committed(n, p, &j->items[1], out, 1, NULL);
	} else if (w != NULL && w->kind == WANT_REORG) {
		if (out[0].result == STORE_STORED) {
			const uint8_t *au = j->items[0].ev.h.author;
			struct peer *ap = node_peer(n, au);
			char hx[17];

			log_keyhex(au, hx);
			log_info("%s's log (%s): the voters' branch from seq "
			    "%llu, from %s, replaces the one this node held "
			    "(it is settled past the fork)", ap != NULL ?
			    ap->schac : memcmp(au, n->self, 32) == 0 ?
			    "this node" : "?", hx,
			    (unsigned long long)j->items[0].ev.h.seq,
			    p ? p->schac : "?");
			/* A stage of that log is moot now; another's goes on. */
			if (n->reorg.live &&
			    memcmp(n->reorg.author, au, KEY_PK_BYTES) == 0)
				evid_reorg_clear(n);
		} else {
			/* Short of the voters' heads: the rest is fetched. */
			evid_reorg_refused(n, p, j->items, j->ev, j->nev,
			    j->nbad == 0 && j->nok == j->nev, out[0].code,
			    j->own != NULL ? j->stage_gen : 0);
			if (!n->reorg.live)
				log_info("peer %s: its branch of a frozen log "
				    "is not the one the voters named: %s",
				    p ? p->schac : "?",
				    i40_strerror(out[0].code));
		}
		sync_committed(n, p, j->items, out, out[0].result ==
		    STORE_STORED ? 1 : 0, w);
	} else {
		store_refusals(n, j, out, p);
		sync_committed(n, p, j->items, out, j->nok, w);
	}
	free(out);
}

/* Store finished jobs, in submission order. */
void
ingest_collect(struct ingest *ing)
{
	struct job *j;
	uint64_t v;
	int done;

	/* Reset the wake-up first, so a job finishing now wakes us again. */
	if (read(ing->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn(-errno, "ingest: eventfd");
	while (ing->next_out < ing->next_seqno) {
		j = ing->ring[ing->next_out % INGEST_MAX_JOBS];
		pthread_mutex_lock(&ing->mu);
		done = j->done;
		pthread_mutex_unlock(&ing->mu);
		if (!done)
			break;
		ing->ring[ing->next_out % INGEST_MAX_JOBS] = NULL;
		ing->next_out++;
		finish(ing->n, j);
		job_free(j);
	}
}
