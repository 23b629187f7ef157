/*
 * ev.c: see ev.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zmq.h>

#include "ev.h"

#define EV_MAX_READERS 160
#define EV_MAX_TIMERS 8

struct ev_reader {
	void *sock;
	int fd;
	ev_fn fn;
	void *arg;
};

struct ev_timer {
	uint64_t interval, due;
	ev_fn fn;
	void *arg;
};

struct ev_loop {
	struct ev_reader r[EV_MAX_READERS];
	size_t nr;
	struct ev_timer t[EV_MAX_TIMERS];
	size_t nt;
	ev_fn before;
	void *before_arg;
	zmq_pollitem_t items[EV_MAX_READERS];
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
ev_new(struct ev_loop **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return I40_E_NOMEM;
	return 0;
}

void
ev_free(struct ev_loop *l)
{
	free(l);
}

int
ev_reader_add(struct ev_loop *l, void *sock, int fd, ev_fn fn, void *arg)
{
	if (l->nr == EV_MAX_READERS)
		return I40_E_NOMEM;
	l->r[l->nr].sock = sock;
	l->r[l->nr].fd = fd;
	l->r[l->nr].fn = fn;
	l->r[l->nr].arg = arg;
	l->nr++;
	return 0;
}

void
ev_reader_del(struct ev_loop *l, void *sock, int fd)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (sock != NULL ? l->r[i].sock == sock :
		    l->r[i].sock == NULL && l->r[i].fd == fd) {
			l->r[i] = l->r[--l->nr];
			return;
		}
}

int
ev_timer_add(struct ev_loop *l, uint64_t interval_ms, ev_fn fn, void *arg)
{
	if (l->nt == EV_MAX_TIMERS)
		return I40_E_NOMEM;
	l->t[l->nt].interval = interval_ms;
	l->t[l->nt].due = mono_ms() + interval_ms;
	l->t[l->nt].fn = fn;
	l->t[l->nt].arg = arg;
	l->nt++;
	return 0;
}

void
ev_timer_set(struct ev_loop *l, ev_fn fn, uint64_t interval_ms)
{
	size_t i;

	for (i = 0; i < l->nt; i++)
		if (l->t[i].fn == fn) {
			l->t[i].interval = interval_ms;
			l->t[i].due = mono_ms() + interval_ms;
		}
}

void
ev_before_poll(struct ev_loop *l, ev_fn fn, void *arg)
{
	l->before = fn;
	l->before_arg = arg;
}

int
ev_run_once(struct ev_loop *l, int max_wait_ms)
{
	struct ev_reader ready[EV_MAX_READERS];
	size_t i, nready = 0, nr;
	uint64_t now;
	long wait = max_wait_ms;
	int rc;

	if (l->before != NULL)
		l->before(l->before_arg);
	now = mono_ms();
	for (i = 0; i < l->nt; i++) {
		long left = l->t[i].due > now ? (long)(l->t[i].due - now) : 0;

		if (left < wait)
			wait = left;
	}
	/*
	 * Readers may add or remove readers (a peer's dealer is re-created),
	 * so poll a snapshot and call from a copy.
	 */
	nr = l->nr;
	for (i = 0; i < nr; i++) {
		l->items[i].socket = l->r[i].sock;
		l->items[i].fd = l->r[i].fd;
		l->items[i].events = ZMQ_POLLIN;
		l->items[i].revents = 0;
	}
	rc = zmq_poll(l->items, (int)nr, wait);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; rc > 0 && i < nr; i++)
		if (l->items[i].revents & ZMQ_POLLIN)
			ready[nready++] = l->r[i];
	now = mono_ms();
	for (i = 0; i < l->nt; i++)
		if (l->t[i].due <= now) {
			l->t[i].due = now + l->t[i].interval;
			l->t[i].fn(l->t[i].arg);
		}
	for (i = 0; i < nready; i++) {
		size_t j;

		/* Skip a reader removed by an earlier callback this round. */
		for (j = 0; j < l->nr; j++)
			if (l->r[j].sock == ready[i].sock &&
			    l->r[j].fd == ready[i].fd &&
			    l->r[j].fn == ready[i].fn)
				break;
		/* The current arg: the snapshot's may have been freed. */
		if (j < l->nr)
			l->r[j].fn(l->r[j].arg);
	}
	return 0;
}
