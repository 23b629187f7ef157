/*
 * io_int.h: the bytes of match/'s cache file (docs/matching.md,
 * "Speed"): a growing buffer to write them and a bounded reader, so that
 * a short or damaged file is refused, never read past.  Not the API.
 */
#ifndef I40_MATCH_IO_INT_H
#define I40_MATCH_IO_INT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/errors.h"

struct mt_wbuf {
	uint8_t *p;
	size_t n, cap;
	int oom;
};

static inline void
mt_put(struct mt_wbuf *b, const void *v, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n > b->cap) {
		size_t nc = b->cap ? b->cap : 1 << 16;
		uint8_t *np;

		while (nc < b->n + n)
			nc *= 2;
		if ((np = realloc(b->p, nc)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->n, v, n);
	b->n += n;
}

static inline void
mt_put_u64(struct mt_wbuf *b, uint64_t v)
{
	mt_put(b, &v, sizeof(v));
}

struct mt_rbuf {
	const uint8_t *p;
	size_t n, off;
	int bad;
};

/* n bytes from the reader, or NULL (and bad) if there are fewer. */
static inline const void *
mt_take(struct mt_rbuf *r, size_t n)
{
	const void *v;

	if (r->bad || n > r->n - r->off) {
		r->bad = 1;
		return NULL;
	}
	v = r->p + r->off;
	r->off += n;
	return v;
}

static inline uint64_t
mt_take_u64(struct mt_rbuf *r)
{
	const void *v = mt_take(r, sizeof(uint64_t));
	uint64_t x = 0;

	if (v != NULL)
		memcpy(&x, v, sizeof(x));
	return x;
}

/* count items of size bytes, the count itself bounded by what is left. */
static inline const void *
mt_take_n(struct mt_rbuf *r, uint64_t count, size_t size)
{
	if (r->bad || size == 0 || count > (r->n - r->off) / size) {
		r->bad = 1;
		return NULL;
	}
	return mt_take(r, (size_t)count * size);
}

/* Whether s[0..cap) holds a NUL: a string field read from a file. */
static inline int
mt_cstr_ok(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

struct mt_index;
struct mt_analyzer;
struct mt_dict;

/* A finished index appended to b: 0, I40_E_VALUE (not finished), NOMEM. */
int mt_index_save(const struct mt_index *ix, struct mt_wbuf *b)
    I40_MUST_CHECK;
/*
 * An index read from r (what mt_index_save wrote), borrowing a and d as
 * mt_index_new does: 0 and *out, or I40_E_CORRUPT, I40_E_NOMEM.
 */
int mt_index_load(struct mt_analyzer *a, const struct mt_dict *d,
    struct mt_rbuf *r, struct mt_index **out) I40_MUST_CHECK;

#endif
