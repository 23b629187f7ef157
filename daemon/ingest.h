/*
 * ingest.h: events from peers, verified on every core and stored in
 * order (see ingest.c for the pipeline).  Part of the daemon.
 *
 * Ownership: ingest_new() returns an object the caller frees with
 * ingest_free(), which joins the threads and drops unfinished jobs
 * (nothing of them was acknowledged).
 */
#ifndef I40_INGEST_H
#define I40_INGEST_H

#include <stddef.h>

#include <zmq.h>

#include "protocol/msg.h"

#define INGEST_MAX_JOBS 16

struct ingest;
struct node;
struct peer;
struct want;

/* nthreads verifier threads, woken from n's loop. */
int ingest_new(struct node *n, unsigned nthreads, struct ingest **out)
    I40_MUST_CHECK;
void ingest_free(struct ingest *ing);

/*
 * Queue the EVENTS or FORK message m from p (decoded into dm), which
 * answers w (NULL for FORK).  Consumes m.  I40_E_BUFFER when
 * INGEST_MAX_JOBS jobs are live: the caller asked for too much.
 */
int ingest_submit(struct ingest *ing, zmq_msg_t *m, const struct msg *dm,
    const struct peer *p, const struct want *w) I40_MUST_CHECK;

/* Jobs submitted and not yet stored. */
size_t ingest_live(const struct ingest *ing);

/* Store what has been verified, in order (the eventfd's reader). */
void ingest_collect(struct ingest *ing);

#endif
