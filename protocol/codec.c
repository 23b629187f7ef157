/*
 * codec.c: the canonical msgpack reader and writer (see codec.h).
 *
 * The reader never trusts a declared length or count: a str or bin may not
 * be longer than the bytes that remain, an array of n elements needs at
 * least n more bytes and a map of n pairs at least 2n, because every value
 * takes at least one byte.  That bound is what keeps a 5-byte input from
 * asking for gigabytes, here and in any decoder built on top.
 */
#include "codec.h"

#include <stdio.h>
#include <string.h>

/* Deepest nesting any i40 schema uses, with room to spare. */
#define CODEC_MAX_DEPTH 16

struct hdr {
	enum codec_kind kind;
	uint64_t u;		/* CODEC_UINT value */
	int64_t i;		/* CODEC_NEGINT value */
	uint64_t n;		/* str/bin length, array/map count */
	size_t hlen;		/* header bytes */
	int noncanon;		/* I40_E_NONCANON_* if not the shortest form */
	int bad;		/* I40_E_FLOAT/NIL/EXT/RESERVED for CODEC_OTHER */
};

static uint64_t
be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Width in bytes of the shortest uint form's payload for v (0 = fixint). */
static size_t
uint_width(uint64_t v)
{
	if (v < 128)
		return 0;
	if (v <= 0xff)
		return 1;
	if (v <= 0xffff)
		return 2;
	if (v <= 0xffffffffu)
		return 4;
	return 8;
}

static size_t
negint_width(int64_t v)
{
	if (v >= -32)
		return 0;
	if (v >= INT8_MIN)
		return 1;
	if (v >= INT16_MIN)
		return 2;
	if (v >= INT32_MIN)
		return 4;
	return 8;
}

/* Payload width of the shortest length form; fixmax is the fix-form limit. */
static size_t
len_width(uint64_t n, uint64_t fixmax, bool has8)
{
	if (n <= fixmax)
		return 0;
	if (has8 && n <= 0xff)
		return 1;
	if (n <= 0xffff)
		return 2;
	return 4;
}

/*
 * Parse the header at p[0..avail).  Fails only if the header itself is
 * truncated; kinds outside the canonical subset come back as CODEC_OTHER
 * with h->bad set, and non-shortest forms with h->noncanon set.
 */
static int
parse_hdr(const uint8_t *p, size_t avail, struct hdr *h)
{
	uint8_t b;
	size_t w = 0;

	memset(h, 0, sizeof(*h));
	if (avail < 1)
		return I40_E_TRUNCATED;
	b = p[0];
	h->hlen = 1;
	if (b <= 0x7f) {
		h->kind = CODEC_UINT;
		h->u = b;
		return 0;
	}
	if (b >= 0xe0) {
		h->kind = CODEC_NEGINT;
		h->i = (int8_t)b;
		return 0;
	}
	if (b >= 0x80 && b <= 0x8f) {
		h->kind = CODEC_MAP;
		h->n = b & 0x0f;
		return 0;
	}
	if (b >= 0x90 && b <= 0x9f) {
		h->kind = CODEC_ARRAY;
		h->n = b & 0x0f;
		return 0;
	}
	if (b >= 0xa0 && b <= 0xbf) {
		h->kind = CODEC_STR;
		h->n = b & 0x1f;
		return 0;
	}
	switch (b) {
	case 0xc0:
		h->kind = CODEC_OTHER;
		h->bad = I40_E_NIL;
		return 0;
	case 0xc1:
		h->kind = CODEC_OTHER;
		h->bad = I40_E_RESERVED;
		return 0;
	case 0xc2:
	case 0xc3:
		h->kind = CODEC_BOOL;
		h->u = b & 1;
		return 0;
	case 0xc4: case 0xc5: case 0xc6:
		h->kind = CODEC_BIN;
		w = (size_t)1 << (b - 0xc4);
		break;
	case 0xc7: case 0xc8: case 0xc9:
		h->kind = CODEC_OTHER;
		h->bad = I40_E_EXT;
		return 0;
	case 0xca: case 0xcb:
		h->kind = CODEC_OTHER;
		h->bad = I40_E_FLOAT;
		return 0;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
		h->kind = CODEC_UINT;
		w = (size_t)1 << (b - 0xcc);
		break;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		h->kind = CODEC_NEGINT;
		w = (size_t)1 << (b - 0xd0);
		break;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
		h->kind = CODEC_OTHER;
		h->bad = I40_E_EXT;
		return 0;
	case 0xd9: case 0xda: case 0xdb:
		h->kind = CODEC_STR;
		w = (size_t)1 << (b - 0xd9);
		break;
	case 0xdc: case 0xdd:
		h->kind = CODEC_ARRAY;
		w = (size_t)2 << (b - 0xdc);
		break;
	default: /* 0xde, 0xdf */
		h->kind = CODEC_MAP;
		w = (size_t)2 << (b - 0xde);
		break;
	}
	if (avail - 1 < w)
		return I40_E_TRUNCATED;
	h->hlen = 1 + w;
	switch (h->kind) {
	case CODEC_UINT:
		h->u = be(p + 1, w);
		if (uint_width(h->u) != w)
			h->noncanon = I40_E_NONCANON_INT;
		break;
	case CODEC_NEGINT: {
		uint64_t raw = be(p + 1, w);
		int64_t v;

		/* Sign-extend the w-byte two's-complement payload. */
		if (w < 8 && (raw >> (8 * w - 1)) & 1)
			raw |= ~(uint64_t)0 << (8 * w);
		memcpy(&v, &raw, sizeof(v));
		if (v >= 0) {
			/* A non-negative value in an int form is never canonical. */
			h->kind = CODEC_UINT;
			h->u = (uint64_t)v;
			h->noncanon = I40_E_NONCANON_INT;
		} else {
			h->i = v;
			if (negint_width(v) != w)
				h->noncanon = I40_E_NONCANON_INT;
		}
		break;
	}
	case CODEC_STR:
		h->n = be(p + 1, w);
		if (len_width(h->n, 31, true) != w)
			h->noncanon = I40_E_NONCANON_LEN;
		break;
	case CODEC_BIN:
		h->n = be(p + 1, w);
		if (len_width(h->n, 0, true) != w && !(h->n == 0 && w == 1))
			h->noncanon = I40_E_NONCANON_LEN;
		break;
	default: /* array, map */
		h->n = be(p + 1, w);
		if (len_width(h->n, 15, false) != w)
			h->noncanon = I40_E_NONCANON_LEN;
		break;
	}
	return 0;
}

bool
codec_utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		uint32_t cp;
		uint64_t w;
		size_t n, k;

		if (c < 0x80) {
			/* Most text is ASCII: eight bytes at a time. */
			for (i++; len - i >= 8; i += 8) {
				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080u)
					break;
			}
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;	/* continuation, 0xc0/0xc1 overlong, >0xf4 */
		}
		if (len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += n + 1;
	}
	return true;
}

static void
record(struct codec_err *err, int rc, size_t off, const char *scope,
    const char *field)
{
	if (err == NULL || err->code != 0)
		return;
	err->code = rc;
	err->offset = off;
	if (scope != NULL && field != NULL)
		snprintf(err->field, sizeof(err->field), "%s.%s", scope, field);
	else if (field != NULL || scope != NULL)
		snprintf(err->field, sizeof(err->field), "%s",
		    field != NULL ? field : scope);
	else
		err->field[0] = '\0';
}

/* Pass 1. */

struct check {
	const uint8_t *buf;
	size_t len;
	size_t off;
	unsigned max_depth;
	struct codec_err *err;
};

static int
check_fail(struct check *c, int rc, size_t off)
{
	record(c->err, rc, off, NULL, NULL);
	return rc;
}

static int
check_value(struct check *c, unsigned depth)
{
	size_t start = c->off, remain;
	struct hdr h;
	uint64_t i;
	int rc;

	if ((rc = parse_hdr(c->buf + c->off, c->len - c->off, &h)) != 0)
		return check_fail(c, rc, start);
	if (h.kind == CODEC_OTHER)
		return check_fail(c, h.bad, start);
	if (h.noncanon)
		return check_fail(c, h.noncanon, start);
	c->off += h.hlen;
	remain = c->len - c->off;
	switch (h.kind) {
	case CODEC_STR:
	case CODEC_BIN:
		if (h.n > remain)
			return check_fail(c, I40_E_TRUNCATED, start);
		if (h.kind == CODEC_STR &&
		    !codec_utf8_valid(c->buf + c->off, (size_t)h.n))
			return check_fail(c, I40_E_UTF8, start);
		c->off += (size_t)h.n;
		return 0;
	case CODEC_ARRAY:
		if (depth >= c->max_depth)
			return check_fail(c, I40_E_DEPTH, start);
		if (h.n > remain)
			return check_fail(c, I40_E_TRUNCATED, start);
		for (i = 0; i < h.n; i++)
			if ((rc = check_value(c, depth + 1)) != 0)
				return rc;
		return 0;
	case CODEC_MAP: {
		const uint8_t *prev = NULL;
		size_t prevlen = 0;

		if (depth >= c->max_depth)
			return check_fail(c, I40_E_DEPTH, start);
		if (h.n > remain / 2)
			return check_fail(c, I40_E_TRUNCATED, start);
		for (i = 0; i < h.n; i++) {
			size_t kstart = c->off, klen, m;
			struct hdr kh;
			int cmp;

			/* Map keys are strings, so peek before descending. */
			if ((rc = parse_hdr(c->buf + kstart, c->len - kstart,
			    &kh)) != 0)
				return check_fail(c, rc, kstart);
			if (kh.kind != CODEC_STR)
				return check_fail(c, kh.kind == CODEC_OTHER ?
				    kh.bad : I40_E_TYPE, kstart);
			if ((rc = check_value(c, depth + 1)) != 0)
				return rc;
			klen = c->off - kstart;
			if (prev != NULL) {
				m = prevlen < klen ? prevlen : klen;
				cmp = memcmp(prev, c->buf + kstart, m);
				if (cmp == 0 && prevlen == klen)
					return check_fail(c, I40_E_KEY_DUP,
					    kstart);
				if (cmp > 0 || (cmp == 0 && prevlen > klen))
					return check_fail(c, I40_E_KEY_ORDER,
					    kstart);
			}
			prev = c->buf + kstart;
			prevlen = klen;
			if ((rc = check_value(c, depth + 1)) != 0)
				return rc;
		}
		return 0;
	}
	default:
		return 0;
	}
}

int
codec_check(const uint8_t *buf, size_t len, unsigned max_depth,
    struct codec_err *err)
{
	struct check c = { buf, len, 0, max_depth, err };
	int rc;

	if (c.max_depth > CODEC_MAX_DEPTH)
		c.max_depth = CODEC_MAX_DEPTH;
	if ((rc = check_value(&c, 0)) != 0)
		return rc;
	if (c.off != len)
		return check_fail(&c, I40_E_TRAILING, c.off);
	return 0;
}

/* Pass 2. */

void
codec_reader_init(struct codec_reader *r, const uint8_t *buf, size_t len,
    struct codec_err *err)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	r->err = err;
}

int
codec_fail(struct codec_reader *r, int rc)
{
	record(r->err, rc, r->off, r->scope, r->field);
	return rc;
}

enum codec_kind
codec_peek(const struct codec_reader *r)
{
	struct hdr h;

	if (parse_hdr(r->buf + r->off, r->len - r->off, &h) != 0)
		return CODEC_OTHER;
	return h.kind;
}

/* Read a header of the wanted kind, leaving r->off at the header. */
static int
want(struct codec_reader *r, enum codec_kind kind, struct hdr *h)
{
	int rc;

	if ((rc = parse_hdr(r->buf + r->off, r->len - r->off, h)) != 0)
		return codec_fail(r, rc);
	if (h->kind != kind)
		return codec_fail(r, h->kind == CODEC_OTHER ? h->bad :
		    I40_E_TYPE);
	return 0;
}

static int
read_container(struct codec_reader *r, enum codec_kind kind, uint32_t min,
    uint32_t max, uint32_t *n)
{
	struct hdr h;
	size_t remain;
	int rc;

	if ((rc = want(r, kind, &h)) != 0)
		return rc;
	remain = r->len - r->off - h.hlen;
	if (h.n > (kind == CODEC_MAP ? remain / 2 : remain))
		return codec_fail(r, I40_E_TRUNCATED);
	if (h.n < min)
		return codec_fail(r, min == 1 ? I40_E_EMPTY :
		    I40_E_MISSING_FIELD);
	if (h.n > max)
		return codec_fail(r, kind == CODEC_MAP ? I40_E_UNKNOWN_FIELD :
		    I40_E_TOO_LONG);
	r->off += h.hlen;
	*n = (uint32_t)h.n;
	return 0;
}

int
codec_read_array(struct codec_reader *r, uint32_t min, uint32_t max,
    uint32_t *n)
{
	return read_container(r, CODEC_ARRAY, min, max, n);
}

int
codec_read_map(struct codec_reader *r, uint32_t min, uint32_t max,
    uint32_t *n)
{
	return read_container(r, CODEC_MAP, min, max, n);
}

int
codec_read_uint(struct codec_reader *r, uint64_t min, uint64_t max,
    uint64_t *v)
{
	struct hdr h;
	int rc;

	if ((rc = parse_hdr(r->buf + r->off, r->len - r->off, &h)) != 0)
		return codec_fail(r, rc);
	if (h.kind == CODEC_NEGINT)
		return codec_fail(r, I40_E_RANGE);
	if (h.kind != CODEC_UINT)
		return codec_fail(r, h.kind == CODEC_OTHER ? h.bad :
		    I40_E_TYPE);
	if (h.u < min || h.u > max)
		return codec_fail(r, I40_E_RANGE);
	r->off += h.hlen;
	*v = h.u;
	return 0;
}

int
codec_read_int(struct codec_reader *r, int64_t min, int64_t max, int64_t *v)
{
	struct hdr h;
	int64_t x;
	int rc;

	if ((rc = parse_hdr(r->buf + r->off, r->len - r->off, &h)) != 0)
		return codec_fail(r, rc);
	if (h.kind == CODEC_UINT) {
		if (h.u > (uint64_t)INT64_MAX)
			return codec_fail(r, I40_E_RANGE);
		x = (int64_t)h.u;
	} else if (h.kind == CODEC_NEGINT) {
		x = h.i;
	} else {
		return codec_fail(r, h.kind == CODEC_OTHER ? h.bad :
		    I40_E_TYPE);
	}
	if (x < min || x > max)
		return codec_fail(r, I40_E_RANGE);
	r->off += h.hlen;
	*v = x;
	return 0;
}

int
codec_read_bool(struct codec_reader *r, bool *v)
{
	struct hdr h;
	int rc;

	if ((rc = want(r, CODEC_BOOL, &h)) != 0)
		return rc;
	r->off += h.hlen;
	*v = h.u != 0;
	return 0;
}

static int
read_bytes(struct codec_reader *r, enum codec_kind kind, size_t minlen,
    size_t maxlen, struct codec_bytes *out)
{
	struct hdr h;
	int rc;

	if ((rc = want(r, kind, &h)) != 0)
		return rc;
	if (h.n > r->len - r->off - h.hlen)
		return codec_fail(r, I40_E_TRUNCATED);
	if (h.n < minlen)
		return codec_fail(r, h.n == 0 ? I40_E_EMPTY :
		    (kind == CODEC_BIN && minlen == maxlen ? I40_E_LENGTH :
		    I40_E_VALUE));
	if (h.n > maxlen)
		return codec_fail(r, kind == CODEC_BIN && minlen == maxlen ?
		    I40_E_LENGTH : I40_E_TOO_LONG);
	if (kind == CODEC_STR &&
	    !codec_utf8_valid(r->buf + r->off + h.hlen, (size_t)h.n))
		return codec_fail(r, I40_E_UTF8);
	out->p = r->buf + r->off + h.hlen;
	out->len = (size_t)h.n;
	r->off += h.hlen + (size_t)h.n;
	return 0;
}

int
codec_read_str(struct codec_reader *r, size_t minlen, size_t maxlen,
    struct codec_bytes *s)
{
	return read_bytes(r, CODEC_STR, minlen, maxlen, s);
}

int
codec_read_bin(struct codec_reader *r, size_t minlen, size_t maxlen,
    struct codec_bytes *b)
{
	return read_bytes(r, CODEC_BIN, minlen, maxlen, b);
}

int
codec_read_fixbin(struct codec_reader *r, size_t n, uint8_t *out)
{
	struct codec_bytes b;
	size_t start = r->off;
	int rc;

	if ((rc = read_bytes(r, CODEC_BIN, n, n, &b)) != 0) {
		/* An empty bin of a fixed-length field is a length error too. */
		if (rc == I40_E_EMPTY && r->err != NULL)
			r->err->code = I40_E_LENGTH;
		r->off = start;
		return rc == I40_E_EMPTY ? I40_E_LENGTH : rc;
	}
	memcpy(out, b.p, n);
	return 0;
}

static int
skip_depth(struct codec_reader *r, unsigned depth)
{
	struct hdr h;
	uint64_t i, count;
	int rc;

	if (depth > CODEC_MAX_DEPTH)
		return codec_fail(r, I40_E_DEPTH);
	if ((rc = parse_hdr(r->buf + r->off, r->len - r->off, &h)) != 0)
		return codec_fail(r, rc);
	switch (h.kind) {
	case CODEC_OTHER:
		return codec_fail(r, h.bad);
	case CODEC_STR:
	case CODEC_BIN:
		if (h.n > r->len - r->off - h.hlen)
			return codec_fail(r, I40_E_TRUNCATED);
		r->off += h.hlen + (size_t)h.n;
		return 0;
	case CODEC_ARRAY:
	case CODEC_MAP:
		count = h.kind == CODEC_MAP ? 2 * h.n : h.n;
		if (count > r->len - r->off - h.hlen)
			return codec_fail(r, I40_E_TRUNCATED);
		r->off += h.hlen;
		for (i = 0; i < count; i++)
			if ((rc = skip_depth(r, depth + 1)) != 0)
				return rc;
		return 0;
	default:
		r->off += h.hlen;
		return 0;
	}
}

int
codec_skip(struct codec_reader *r)
{
	return skip_depth(r, 0);
}

int
codec_read_end(struct codec_reader *r)
{
	if (r->off != r->len) {
		r->field = NULL;
		return codec_fail(r, I40_E_TRAILING);
	}
	return 0;
}

/* Encoded str header of a key of length n, into out; returns its length. */
static size_t
str_hdr(size_t n, uint8_t out[5])
{
	if (n < 32) {
		out[0] = (uint8_t)(0xa0 | n);
		return 1;
	}
	if (n <= 0xff) {
		out[0] = 0xd9;
		out[1] = (uint8_t)n;
		return 2;
	}
	if (n <= 0xffff) {
		out[0] = 0xda;
		out[1] = (uint8_t)(n >> 8);
		out[2] = (uint8_t)n;
		return 3;
	}
	out[0] = 0xdb;
	out[1] = (uint8_t)(n >> 24);
	out[2] = (uint8_t)(n >> 16);
	out[3] = (uint8_t)(n >> 8);
	out[4] = (uint8_t)n;
	return 5;
}

/* Compare the canonical encodings of two strings, header included. */
static int
enc_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	uint8_t ha[5], hb[5];
	size_t hal = str_hdr(alen, ha), hbl = str_hdr(blen, hb);
	size_t m = hal < hbl ? hal : hbl;
	int c;

	if ((c = memcmp(ha, hb, m)) != 0)
		return c;
	if (hal != hbl)
		return hal < hbl ? -1 : 1;
	m = alen < blen ? alen : blen;
	if ((c = memcmp(a, b, m)) != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

int
codec_key_cmp(const char *a, const char *b)
{
	return enc_cmp((const uint8_t *)a, strlen(a), (const uint8_t *)b,
	    strlen(b));
}

int
codec_read_key(struct codec_reader *r, const char *const *names, size_t n,
    unsigned *idx)
{
	struct codec_bytes k;
	size_t i;
	int rc;

	r->field = NULL;
	if ((rc = codec_read_str(r, 0, 64, &k)) != 0) {
		if (rc == I40_E_TOO_LONG && r->err != NULL)
			r->err->code = I40_E_UNKNOWN_FIELD;
		return rc == I40_E_TOO_LONG ? I40_E_UNKNOWN_FIELD : rc;
	}
	for (i = 0; i < n; i++) {
		/* The first byte rules out most names without a strlen. */
		if (k.len == 0 || names[i][0] != (char)k.p[0])
			continue;
		if (strlen(names[i]) == k.len &&
		    memcmp(names[i], k.p, k.len) == 0) {
			r->field = names[i];
			*idx = (unsigned)i;
			return 0;
		}
	}
	r->off -= k.len + (k.len < 32 ? 1 : 2);
	return codec_fail(r, I40_E_UNKNOWN_FIELD);
}

int
codec_require(struct codec_reader *r, uint64_t seen, uint64_t required,
    const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 64; i++) {
		if ((required >> i & 1) && !(seen >> i & 1)) {
			r->field = names[i];
			return codec_fail(r, I40_E_MISSING_FIELD);
		}
	}
	return 0;
}
