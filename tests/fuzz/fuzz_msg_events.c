/*
 * fuzz_msg_events.c: msg_decode() focused on the messages that carry
 * signed events, EVENTS and FORK, and ev_decode() of every event they
 * carry (as a receiving node would, before the store sees them).
 *
 * Input layout and the shared properties: msg_family.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/msg.h"

/* tests/tools/gencorpus.c writes seeds in this order. */
static const uint8_t family[] = { MSG_EVENTS, MSG_FORK };

#include "tests/fuzz/msg_family.h"

static struct body body;

static int
inside(struct codec_bytes b, const uint8_t *p, size_t len)
{
	return b.p != NULL && b.p >= p && b.len <= len &&
	    (size_t)(b.p - p) <= len - b.len;
}

/* Decode one carried event, as the receiver of the message would. */
static void
event(struct codec_bytes ev, const uint8_t *buf, size_t size)
{
	struct ev_signed e;
	struct codec_err err;
	int rc;

	if (!inside(ev, buf, size) || ev.len < 1 || ev.len > EV_MAX_BYTES)
		abort();
	rc = ev_decode(ev.p, ev.len, NULL, &e, &body, &err);
	if (rc != 0) {
		if (err.code != rc || err.offset > ev.len)
			abort();
		return;
	}
	if (!inside(e.event, ev.p, ev.len) || !inside(e.body, e.event.p,
	    e.event.len) || body.type != (enum body_type)e.h.type)
		abort();
}

/* Every carried event lies inside the message and decodes as a node would. */
static void
check_accepted(const struct msg *msg, const uint8_t *buf, size_t size)
{
	uint32_t i;

	if (msg->type == MSG_EVENTS) {
		if (msg->u.events.nev < 1 || msg->u.events.nev > MSG_MAX_EVENTS)
			abort();
		for (i = 0; i < msg->u.events.nev; i++)
			event(msg->u.events.ev[i], buf, size);
	} else {
		event(msg->u.fork.a, buf, size);
		event(msg->u.fork.b, buf, size);
	}
}
