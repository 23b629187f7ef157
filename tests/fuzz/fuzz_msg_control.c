/*
 * fuzz_msg_control.c: msg_decode() focused on the control socket's
 * messages between i40ctl and i40d: APPEND, STATUS, PEERS, SYNC,
 * APPENDED, STATUS_REPLY, PEERS_REPLY, OK and ERROR; and, for APPEND,
 * body_decode() of the body it carries, as i40d would before signing.
 *
 * Input layout and the shared properties: msg_family.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/msg.h"

/* tests/tools/gencorpus.c writes seeds in this order. */
static const uint8_t family[] = { MSG_APPEND, MSG_STATUS, MSG_PEERS,
    MSG_SYNC, MSG_APPENDED, MSG_STATUS_REPLY, MSG_PEERS_REPLY, MSG_OK,
    MSG_ERROR };

#include "tests/fuzz/msg_family.h"

/* A fixed context; key-rotation proofs will not verify, which is fine. */
static const uint8_t CTX_ID[32] = { 1 };

static struct body body;

static void
append_body(const struct msg_append *a)
{
	const struct body_ctx ctx = { CTX_ID, CTX_ID };
	size_t len;

	if (a->type > UINT32_MAX || body_type_name((uint32_t)a->type) == NULL)
		return;
	if (codec_check(a->body.p, a->body.len, EV_MAX_DEPTH - 2, NULL) != 0)
		return;
	if (body_decode((uint32_t)a->type, a->body.p, a->body.len, &ctx,
	    &body, NULL) != 0)
		return;
	if (body_encode(&body, &ctx, out, sizeof(out), &len, NULL) != 0 ||
	    len != a->body.len || memcmp(out, a->body.p, len) != 0)
		abort();
}

/* An APPEND's body that decodes re-encodes to the same bytes. */
static void
check_accepted(const struct msg *msg, const uint8_t *buf, size_t size)
{
	(void)buf;
	(void)size;
	if (msg->type == MSG_APPEND)
		append_body(&msg->u.append);
}
