/*
 * fuzz_msg.c: msg_decode() of every message type on arbitrary bytes.
 *
 * Whatever msg_decode() accepts, msg_encode() of the decoded struct must
 * give back byte for byte: each message has exactly one encoding.  A
 * refusal must be recorded in the codec_err with the code returned.
 * fuzz_msg_hello.c, fuzz_msg_events.c and fuzz_msg_control.c focus on
 * one family each.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct msg m;
static uint8_t out[MSG_MAX_BYTES];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct codec_err err;
	size_t len;
	int rc;

	rc = msg_decode(data, size, &m, &err);
	if (rc != 0) {
		if (err.code != rc || err.offset > size)
			abort();
		return 0;
	}
	if (m.type > UINT32_MAX || msg_type_name((uint32_t)m.type) == NULL)
		abort();
	if (msg_encode(&m, out, sizeof(out), &len, NULL) != 0)
		abort();
	if (len != size || memcmp(out, data, size) != 0)
		abort();
	return 0;
}
