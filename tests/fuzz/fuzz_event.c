/*
 * fuzz_event.c: ev_decode() on arbitrary bytes.
 *
 * Each input is decoded twice: for the sample federation (FED_ID, the
 * fed_id of sample_fed_init(4), which the seed corpus is made with) with
 * a caller-provided body, and with fed_id NULL and body NULL (the genesis
 * path, which also allocates the body itself).  When an input is accepted:
 *  - the event and body slices lie inside the input, the body inside the
 *    event, and the id is the hash of the event slice;
 *  - the body decodes again on its own, and body_encode() of the decoded
 *    body gives back its exact bytes;
 *  - codec_reencode() of the whole input gives back the exact input;
 *  - the two decodes agree (a NULL fed_id only skips the fed_id check).
 * Signatures are not checked: the fuzzer cannot make valid ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fed_id of sample_fed_init(f, 4); tests/tools/gencorpus.c checks it. */
static const uint8_t FED_ID[EV_FED_ID_BYTES] = {
	0x05, 0x71, 0x65, 0xf0, 0x87, 0x9c, 0x8b, 0xf9,
	0x07, 0x86, 0xf0, 0x8f, 0xa7, 0x6b, 0x69, 0x92,
	0xb0, 0xe4, 0xde, 0x94, 0x00, 0x47, 0xdb, 0x53,
	0x23, 0xa4, 0xcd, 0x63, 0xb1, 0x05, 0x42, 0xd9,
};

static struct body body, again;
static uint8_t out[EV_MAX_BYTES + 64];

static int
inside(struct codec_bytes b, const uint8_t *p, size_t len)
{
	return b.p != NULL && b.p >= p && b.len <= len &&
	    (size_t)(b.p - p) <= len - b.len;
}

/* The properties of an accepted event. */
static void
check_accepted(const uint8_t *data, size_t size, const struct ev_signed *e,
    const struct body *b)
{
	struct body_ctx ctx = { e->h.fed_id, e->h.author };
	uint8_t id[EV_ID_BYTES];
	size_t len;

	if (!inside(e->event, data, size) || !inside(e->body, data, size))
		abort();
	if (!inside(e->body, e->event.p, e->event.len))
		abort();
	ev_id(e->event.p, e->event.len, id);
	if (memcmp(id, e->id, EV_ID_BYTES) != 0)
		abort();
	if (b != NULL && b->type != (enum body_type)e->h.type)
		abort();
	if (body_decode(e->h.type, e->body.p, e->body.len, &ctx, &again,
	    NULL) != 0)
		abort();
	if (body_encode(&again, &ctx, out, sizeof(out), &len, NULL) != 0 ||
	    len != e->body.len || memcmp(out, e->body.p, len) != 0)
		abort();
	if (codec_reencode(data, size, out, sizeof(out), &len) != 0 ||
	    len != size || memcmp(out, data, size) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ev_signed e1, e2;
	struct codec_err err;
	int rc1, rc2;

	rc1 = ev_decode(data, size, FED_ID, &e1, &body, &err);
	if (rc1 != 0 && (err.code != rc1 || err.offset > size))
		abort();
	if (rc1 == 0)
		check_accepted(data, size, &e1, &body);

	rc2 = ev_decode(data, size, NULL, &e2, NULL, &err);
	if (rc2 != 0 && (err.code != rc2 || err.offset > size))
		abort();
	if (rc2 == 0)
		check_accepted(data, size, &e2, NULL);

	if (rc1 == 0 && (rc2 != 0 || memcmp(&e1, &e2, sizeof(e1)) != 0))
		abort();
	if (rc2 == 0 && rc1 != 0 &&
	    (memcmp(e2.h.fed_id, FED_ID, EV_FED_ID_BYTES) == 0 ||
	    rc1 != I40_E_FED_ID))
		abort();
	return 0;
}
