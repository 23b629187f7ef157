/*
 * msg_family.h: the part that fuzz_msg_hello.c, fuzz_msg_events.c and
 * fuzz_msg_control.c share.  Each target includes it after defining
 * family[], and defines check_accepted() for its own properties.
 *
 * Input layout, so the fuzzer never spends time on a wrong type:
 * data[0] = (family index << 4) | element count; the message decoded is
 * [fixarray(count), family[index % n], data[1..]].  Properties: a refusal
 * is recorded with its own code and an offset inside the input; whatever is
 * accepted has the type asked for, re-encodes to the same bytes, and passes
 * check_accepted().
 */
#ifndef I40_FUZZ_MSG_FAMILY_H
#define I40_FUZZ_MSG_FAMILY_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/msg.h"

#define NFAMILY (sizeof(family) / sizeof(family[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void check_accepted(const struct msg *msg, const uint8_t *buf,
    size_t size);

static struct msg m;
static uint8_t out[MSG_MAX_BYTES];

static void
roundtrip(const uint8_t *buf, size_t size)
{
	struct codec_err err;
	size_t len;
	int rc;

	rc = msg_decode(buf, size, &m, &err);
	if (rc != 0) {
		if (err.code != rc || err.offset > size)
			abort();
		return;
	}
	if (m.type != buf[1])
		abort();
	if (msg_encode(&m, out, sizeof(out), &len, NULL) != 0 ||
	    len != size || memcmp(out, buf, size) != 0)
		abort();
	check_accepted(&m, buf, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;

	if (size < 1 || size > MSG_MAX_BYTES)
		return 0;
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	buf[0] = (uint8_t)(0x90 | (data[0] & 0x0f));
	buf[1] = family[(data[0] >> 4) % NFAMILY];
	memcpy(buf + 2, data + 1, size - 1);
	roundtrip(buf, size + 1);
	free(buf);
	return 0;
}

#endif
