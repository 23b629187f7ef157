/*
 * codec_write.c: the canonical writer over msgpack-c's packer, and the
 * re-encoder the tests and fuzzers use to prove that whatever the reader
 * accepts re-encodes to the same bytes (see codec.h).
 */
#include "codec.h"

#include <string.h>

#define REENCODE_MAX_DEPTH 16

static int
writer_cb(void *data, const char *b, size_t l)
{
	struct codec_writer *w = data;

	if (w->err != 0)
		return -1;
	if (l == 0)
		return 0;	/* an empty string may come with a NULL pointer */
	if (l > w->cap - w->len) {
		w->err = I40_E_BUFFER;
		return -1;
	}
	memcpy(w->buf + w->len, b, l);
	w->len += l;
	return 0;
}

void
codec_writer_init(struct codec_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
	msgpack_packer_init(&w->pk, w, writer_cb);
}

/*
 * msgpack-c's pack functions return the callback's result; the sticky
 * w->err already carries it, so the returns are deliberately dropped.
 */
void
codec_put_array(struct codec_writer *w, uint32_t n)
{
	(void)msgpack_pack_array(&w->pk, n);
}

void
codec_put_map(struct codec_writer *w, uint32_t n)
{
	(void)msgpack_pack_map(&w->pk, n);
}

void
codec_put_uint(struct codec_writer *w, uint64_t v)
{
	(void)msgpack_pack_uint64(&w->pk, v);
}

void
codec_put_int(struct codec_writer *w, int64_t v)
{
	(void)msgpack_pack_int64(&w->pk, v);
}

void
codec_put_bool(struct codec_writer *w, bool v)
{
	(void)(v ? msgpack_pack_true(&w->pk) : msgpack_pack_false(&w->pk));
}

void
codec_put_str(struct codec_writer *w, const void *s, size_t len)
{
	(void)msgpack_pack_str(&w->pk, len);
	(void)msgpack_pack_str_body(&w->pk, s, len);
}

void
codec_put_cstr(struct codec_writer *w, const char *s)
{
	codec_put_str(w, s, strlen(s));
}

void
codec_put_bin(struct codec_writer *w, const void *b, size_t len)
{
	(void)msgpack_pack_bin(&w->pk, len);
	(void)msgpack_pack_bin_body(&w->pk, b, len);
}

void
codec_put_raw(struct codec_writer *w, const void *b, size_t len)
{
	(void)writer_cb(w, b, len);
}

int
codec_writer_finish(struct codec_writer *w, size_t *len)
{
	if (w->err != 0)
		return w->err;
	*len = w->len;
	return 0;
}

static int
reencode_value(struct codec_reader *r, struct codec_writer *w, unsigned depth)
{
	struct codec_bytes b;
	uint64_t u;
	int64_t i;
	uint32_t n, k;
	bool v;
	int rc;

	if (depth > REENCODE_MAX_DEPTH)
		return codec_fail(r, I40_E_DEPTH);
	switch (codec_peek(r)) {
	case CODEC_UINT:
		if ((rc = codec_read_uint(r, 0, UINT64_MAX, &u)) == 0)
			codec_put_uint(w, u);
		return rc;
	case CODEC_NEGINT:
		if ((rc = codec_read_int(r, INT64_MIN, -1, &i)) == 0)
			codec_put_int(w, i);
		return rc;
	case CODEC_BOOL:
		if ((rc = codec_read_bool(r, &v)) == 0)
			codec_put_bool(w, v);
		return rc;
	case CODEC_STR:
		if ((rc = codec_read_str(r, 0, SIZE_MAX, &b)) == 0)
			codec_put_str(w, b.p, b.len);
		return rc;
	case CODEC_BIN:
		if ((rc = codec_read_bin(r, 0, SIZE_MAX, &b)) == 0)
			codec_put_bin(w, b.p, b.len);
		return rc;
	case CODEC_ARRAY:
	case CODEC_MAP:
		if (codec_peek(r) == CODEC_MAP) {
			if ((rc = codec_read_map(r, 0, UINT32_MAX, &n)) != 0)
				return rc;
			codec_put_map(w, n);
			n *= 2;
		} else {
			if ((rc = codec_read_array(r, 0, UINT32_MAX, &n)) != 0)
				return rc;
			codec_put_array(w, n);
		}
		for (k = 0; k < n; k++)
			if ((rc = reencode_value(r, w, depth + 1)) != 0)
				return rc;
		return 0;
	default:
		/* Outside the canonical subset, or the input ended: skipping it
		 * fails with the precise code (I40_E_NIL, _FLOAT, _TRUNCATED). */
		rc = codec_skip(r);
		return rc != 0 ? rc : codec_fail(r, I40_E_TYPE);
	}
}

int
codec_reencode(const uint8_t *buf, size_t len, uint8_t *out, size_t cap,
    size_t *outlen)
{
	struct codec_reader r;
	struct codec_writer w;
	int rc;

	codec_reader_init(&r, buf, len, NULL);
	codec_writer_init(&w, out, cap);
	if ((rc = reencode_value(&r, &w, 0)) != 0)
		return rc;
	if ((rc = codec_read_end(&r)) != 0)
		return rc;
	return codec_writer_finish(&w, outlen);
}
