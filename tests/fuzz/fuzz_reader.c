/*
 * fuzz_reader.c: the canonical msgpack reader on arbitrary bytes.
 *
 * Properties checked on every input:
 *  - codec_check() never reads out of bounds, and whatever it accepts
 *    re-encodes through msgpack-c (codec_reencode) to the very same bytes;
 *  - a pass-2 walk with codec_skip() ends exactly at the end of any input
 *    that codec_check() accepts;
 *  - a pass-2 walk with the typed readers (codec_read_*) agrees with it;
 *  - the pass-2 readers are bounds-safe on inputs codec_check() refuses.
 * Any broken property aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WALK_MAX_DEPTH 16

/* Walk one value with the typed readers; 0 or the first error. */
static int
walk(struct codec_reader *r, unsigned depth)
{
	struct codec_bytes b;
	uint64_t u;
	int64_t i;
	uint32_t n, k;
	bool v;
	int rc;

	if (depth > WALK_MAX_DEPTH)
		return I40_E_DEPTH;
	switch (codec_peek(r)) {
	case CODEC_UINT:
		return codec_read_uint(r, 0, UINT64_MAX, &u);
	case CODEC_NEGINT:
		return codec_read_int(r, INT64_MIN, INT64_MAX, &i);
	case CODEC_BOOL:
		return codec_read_bool(r, &v);
	case CODEC_STR:
		return codec_read_str(r, 0, SIZE_MAX, &b);
	case CODEC_BIN:
		return codec_read_bin(r, 0, SIZE_MAX, &b);
	case CODEC_ARRAY:
		if ((rc = codec_read_array(r, 0, UINT32_MAX, &n)) != 0)
			return rc;
		for (k = 0; k < n; k++)
			if ((rc = walk(r, depth + 1)) != 0)
				return rc;
		return 0;
	case CODEC_MAP:
		if ((rc = codec_read_map(r, 0, UINT32_MAX, &n)) != 0)
			return rc;
		for (k = 0; k < 2 * (uint64_t)n; k++)
			if ((rc = walk(r, depth + 1)) != 0)
				return rc;
		return 0;
	default:
		return I40_E_TYPE;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct codec_reader r;
	struct codec_err err;
	uint8_t *out;
	size_t outlen = 0, cap = size + 16;
	int ok, rc;

	memset(&err, 0, sizeof(err));
	rc = codec_check(data, size, 16, &err);
	ok = rc == 0;
	if (!ok && (err.code != rc || err.offset > size))
		abort();		/* a failure is recorded, in bounds */
	/* A smaller depth limit may refuse more, never less. */
	if (!ok && codec_check(data, size, 3, NULL) == 0)
		abort();

	/* Re-encoding: identical bytes for anything canonical. */
	if ((out = malloc(cap)) == NULL)
		return 0;
	rc = codec_reencode(data, size, out, cap, &outlen);
	if (ok && (rc != 0 || outlen != size || memcmp(out, data, size) != 0))
		abort();
	if (rc == 0 && outlen > cap)
		abort();
	free(out);

	/* codec_skip() over one value ends exactly at the end. */
	codec_reader_init(&r, data, size, NULL);
	rc = codec_skip(&r);
	if (r.off > size)
		abort();
	if (ok && (rc != 0 || r.off != size || codec_read_end(&r) != 0))
		abort();

	/* The typed readers walk the same bytes to the same end. */
	codec_reader_init(&r, data, size, &err);
	rc = walk(&r, 0);
	if (r.off > size)
		abort();
	if (ok && (rc != 0 || r.off != size))
		abort();
	return 0;
}
