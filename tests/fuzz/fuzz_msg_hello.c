/*
 * fuzz_msg_hello.c: msg_decode() focused on the sync messages that carry
 * no events: HELLO, WANT, NOTIFY and ERROR (version vectors and requests).
 *
 * Input layout and the shared properties: msg_family.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/msg.h"

/* tests/tools/gencorpus.c writes seeds in this order. */
static const uint8_t family[] = { MSG_HELLO, MSG_WANT, MSG_NOTIFY,
    MSG_ERROR };

#include "tests/fuzz/msg_family.h"

/* A version vector is a set: strictly ascending authors. */
static void
check_accepted(const struct msg *msg, const uint8_t *buf, size_t size)
{
	const struct msg_heads *v;
	uint32_t i;

	(void)buf;
	(void)size;
	if (msg->type != MSG_HELLO && msg->type != MSG_NOTIFY)
		return;
	v = msg->type == MSG_HELLO ? &msg->u.hello.v : &msg->u.notify;
	if (v->nheads > MSG_MAX_HEADS)
		abort();
	for (i = 1; i < v->nheads; i++)
		if (memcmp(v->heads[i - 1].author, v->heads[i].author,
		    KEY_PK_BYTES) >= 0)
			abort();
}
