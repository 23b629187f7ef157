/*
 * fuzz_body.c: body_decode() of every event type on arbitrary bytes.
 *
 * The first input byte picks the event type (types[byte % NTYPES]); the
 * rest is the body.  A body that passes codec_check() and body_decode()
 * must come back byte for byte from body_encode() of the decoded struct:
 * the decoders accept exactly one encoding of each value.  The context
 * (fed_id, author) is member 1 of sample_fed_init(f, 4), as in the seed
 * corpus, so that the key-rotation proofs of the seeds verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/body.h"
#include "protocol/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/tools/gencorpus.c checks both against the sample federation. */
static const uint8_t FED_ID[32] = {
	0x05, 0x71, 0x65, 0xf0, 0x87, 0x9c, 0x8b, 0xf9,
	0x07, 0x86, 0xf0, 0x8f, 0xa7, 0x6b, 0x69, 0x92,
	0xb0, 0xe4, 0xde, 0x94, 0x00, 0x47, 0xdb, 0x53,
	0x23, 0xa4, 0xcd, 0x63, 0xb1, 0x05, 0x42, 0xd9,
};
static const uint8_t AUTHOR[32] = {
	0x81, 0x39, 0x77, 0x0e, 0xa8, 0x7d, 0x17, 0x5f,
	0x56, 0xa3, 0x54, 0x66, 0xc3, 0x4c, 0x7e, 0xcc,
	0xcb, 0x8d, 0x8a, 0x91, 0xb4, 0xee, 0x37, 0xa2,
	0x5d, 0xf6, 0x0f, 0x5b, 0x8f, 0xc9, 0xb3, 0x94,
};

/* The BODY_* values of body.h, in the order gencorpus.c numbers them. */
static const uint32_t types[] = {
	BODY_GENESIS, BODY_MEMBER_PROPOSE, BODY_MEMBER_ENDORSE,
	BODY_MEMBER_REMOVE, BODY_KEY_ROTATE, BODY_MODULE_PUBLISH,
	BODY_MODULE_UPDATE, BODY_MODULE_RETIRE, BODY_COMPLETION_RECORD,
	BODY_COMPLETION_REVOKE, BODY_CHECKPOINT
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

/* As deep as a body may nest inside a signed event (EV_MAX_DEPTH - 2). */
#define BODY_DEPTH (EV_MAX_DEPTH - 2)

static struct body body, again;
static uint8_t out[EV_MAX_BYTES];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct body_ctx ctx = { FED_ID, AUTHOR };
	struct codec_err err;
	uint32_t type;
	size_t len;
	int rc;

	if (size < 1 || size - 1 > EV_MAX_BYTES)
		return 0;
	type = types[data[0] % NTYPES];
	data++;
	size--;
	if (codec_check(data, size, BODY_DEPTH, NULL) != 0)
		return 0;
	memset(&err, 0, sizeof(err));
	rc = body_decode(type, data, size, &ctx, &body, &err);
	if (rc != 0) {
		if (err.code != rc)
			abort();
		return 0;
	}
	if (body.type != (enum body_type)type)
		abort();
	if (body_encode(&body, &ctx, out, sizeof(out), &len, NULL) != 0)
		abort();
	if (len != size || memcmp(out, data, size) != 0)
		abort();
	/* The re-encoded bytes (the same bytes) decode again. */
	if (body_decode(type, out, len, &ctx, &again, NULL) != 0)
		abort();
	return 0;
}
