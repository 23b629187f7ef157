/*
 * ev.h: the daemon's event loop over zmq_poll: readers (a ZeroMQ socket
 * or a file descriptor), timers, and a hook that runs before each poll.
 * Model: Redis's ae.
 *
 * Callbacks run on the loop's thread, one at a time.  A reader is called
 * when its socket may have messages; it must drain what it can (ZeroMQ's
 * readiness is edge-like: PITFALLS.md, libzmq, "Event loop").
 *
 * Ownership: the loop owns its tables; sockets and fds stay the caller's.
 */
#ifndef I40_EV_H
#define I40_EV_H

#include <stdint.h>

#include "protocol/errors.h"

struct ev_loop;

typedef void (*ev_fn)(void *arg);

/* Caller owns *out, free with ev_free(). */
int ev_new(struct ev_loop **out) I40_MUST_CHECK;
void ev_free(struct ev_loop *l);

/* Watch a ZeroMQ socket (sock != NULL) or an fd for input. */
int ev_reader_add(struct ev_loop *l, void *sock, int fd, ev_fn fn, void *arg)
    I40_MUST_CHECK;
/* Stop watching sock (or fd, when sock is NULL). */
void ev_reader_del(struct ev_loop *l, void *sock, int fd);

/* Call fn every interval_ms, first after interval_ms. */
int ev_timer_add(struct ev_loop *l, uint64_t interval_ms, ev_fn fn,
    void *arg) I40_MUST_CHECK;
/* Change the interval of the timer calling fn (SIGHUP, sync_interval). */
void ev_timer_set(struct ev_loop *l, ev_fn fn, uint64_t interval_ms);

/* Called before every poll: where acknowledgements and NOTIFY go out. */
void ev_before_poll(struct ev_loop *l, ev_fn fn, void *arg);

/*
 * One round: the hook, a poll of at most max_wait_ms, due timers, ready
 * readers.  Returns 0, or -errno when zmq_poll fails for a reason other
 * than a signal (EINTR returns 0 so the caller sees its flags).
 */
int ev_run_once(struct ev_loop *l, int max_wait_ms) I40_MUST_CHECK;

#endif
