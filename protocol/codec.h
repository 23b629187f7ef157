/*
 * codec.h: i40's canonical msgpack: a strict, bounded reader and a writer.
 *
 * i40 gives every value exactly one encoding (docs/protocol.md, "Canonical
 * msgpack"), so that ids and signatures are over bytes everybody agrees on.
 * msgpack-c accepts every non-canonical form and sizes allocations from
 * untrusted headers, so i40 reads with this module and uses msgpack-c only
 * to pack (through codec_writer).
 *
 * Reading happens in two passes:
 *  1. codec_check() walks any value once and enforces the canonical rules:
 *     shortest integer and length forms, no float, nil, ext or 0xc1, string
 *     map keys in strictly ascending bytewise order of their encoding, valid
 *     UTF-8, no trailing bytes, a depth limit, and no length or count larger
 *     than the bytes that remain.  It allocates nothing.
 *  2. A schema decoder then walks the same bytes with codec_read_*() and
 *     checks types, fields and ranges.  These readers are still bounds-safe
 *     on any input, but only pass 1 enforces canonical form.
 *
 * Decoded strings and bins are borrowed: they point into the input buffer
 * and are valid only as long as it is.  Nothing in this module allocates, so
 * decoding never allocates more than the input's size allows.
 *
 * Errors: every function returns 0 or a negative I40_E* code.  When the
 * caller passes a struct codec_err, the first error is recorded there with
 * the byte offset of the offending value and the schema field it was in.
 *
 * THREAD SAFETY: readers and writers are plain values; use one per thread.
 */
#ifndef I40_CODEC_H
#define I40_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "errors.h"

/* A borrowed byte range inside an input buffer. */
struct codec_bytes {
	const uint8_t *p;
	size_t len;
};

/* Where and why a decode failed.  field is a path such as "body.title_sv". */
struct codec_err {
	int code;
	size_t offset;
	char field[64];
};

/* Kinds of msgpack value that the canonical subset allows. */
enum codec_kind {
	CODEC_UINT,	/* non-negative integer */
	CODEC_NEGINT,	/* negative integer */
	CODEC_BOOL,
	CODEC_STR,
	CODEC_BIN,
	CODEC_ARRAY,
	CODEC_MAP,
	CODEC_OTHER	/* nil, float, ext, 0xc1: never canonical */
};

struct codec_reader {
	const uint8_t *buf;
	size_t len;
	size_t off;
	const char *scope;	/* outer field name for error paths, or NULL */
	const char *field;	/* field being read, for error paths */
	struct codec_err *err;
};

/*
 * Pass 1: check that buf[0..len) is exactly one canonical value nested at
 * most max_depth containers deep.  err may be NULL.
 */
int codec_check(const uint8_t *buf, size_t len, unsigned max_depth,
    struct codec_err *err) I40_MUST_CHECK;

/* Start a pass-2 reader over buf[0..len).  err may be NULL. */
void codec_reader_init(struct codec_reader *r, const uint8_t *buf, size_t len,
    struct codec_err *err);

/* Record rc as the reader's error at the current offset, and return rc. */
int codec_fail(struct codec_reader *r, int rc);

/* The kind of the next value, or CODEC_OTHER at the end of the input. */
enum codec_kind codec_peek(const struct codec_reader *r);

/* Read container headers; the count must lie in [min, max]. */
int codec_read_array(struct codec_reader *r, uint32_t min, uint32_t max,
    uint32_t *n) I40_MUST_CHECK;
int codec_read_map(struct codec_reader *r, uint32_t min, uint32_t max,
    uint32_t *n) I40_MUST_CHECK;

/* Read a non-negative integer in [min, max] (I40_E_RANGE otherwise). */
int codec_read_uint(struct codec_reader *r, uint64_t min, uint64_t max,
    uint64_t *v) I40_MUST_CHECK;
/* Read any integer in [min, max]. */
int codec_read_int(struct codec_reader *r, int64_t min, int64_t max,
    int64_t *v) I40_MUST_CHECK;
int codec_read_bool(struct codec_reader *r, bool *v) I40_MUST_CHECK;
/* Read a str of minlen..maxlen bytes (I40_E_EMPTY / I40_E_TOO_LONG). */
int codec_read_str(struct codec_reader *r, size_t minlen, size_t maxlen,
    struct codec_bytes *s) I40_MUST_CHECK;
/* Read a bin of minlen..maxlen bytes. */
int codec_read_bin(struct codec_reader *r, size_t minlen, size_t maxlen,
    struct codec_bytes *b) I40_MUST_CHECK;
/* Read a bin of exactly n bytes into out (I40_E_LENGTH otherwise). */
int codec_read_fixbin(struct codec_reader *r, size_t n, uint8_t *out)
    I40_MUST_CHECK;
/* Skip one whole value of any kind. */
int codec_skip(struct codec_reader *r) I40_MUST_CHECK;
/* I40_E_TRAILING unless the whole input has been read. */
int codec_read_end(struct codec_reader *r) I40_MUST_CHECK;

/*
 * Read the next map key and find it in names[0..n), which must be sorted in
 * canonical key order.  Sets r->field to the name and *idx to its index;
 * I40_E_UNKNOWN_FIELD if the key is not a known name.
 */
int codec_read_key(struct codec_reader *r, const char *const *names, size_t n,
    unsigned *idx) I40_MUST_CHECK;
/*
 * After a map: I40_E_MISSING_FIELD (naming the field) unless every bit of
 * required is set in seen.  Bit i stands for names[i].
 */
int codec_require(struct codec_reader *r, uint64_t seen, uint64_t required,
    const char *const *names, size_t n) I40_MUST_CHECK;

/* Compare two map keys by canonical order: <0, 0 or >0. */
int codec_key_cmp(const char *a, const char *b);

/* True when s[0..len) is valid UTF-8 (no overlongs, surrogates, >U+10FFFF). */
bool codec_utf8_valid(const uint8_t *s, size_t len);

/*
 * The writer packs canonical msgpack into a caller-owned buffer of fixed
 * capacity through msgpack-c.  Errors are sticky: after the first overflow
 * every put is a no-op and codec_writer_finish() returns I40_E_BUFFER.
 * Callers emit map keys in canonical order; the decoders' tests catch any
 * encoder that does not.
 */
struct codec_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
	msgpack_packer pk;
};

void codec_writer_init(struct codec_writer *w, uint8_t *buf, size_t cap);
void codec_put_array(struct codec_writer *w, uint32_t n);
void codec_put_map(struct codec_writer *w, uint32_t n);
void codec_put_uint(struct codec_writer *w, uint64_t v);
void codec_put_int(struct codec_writer *w, int64_t v);
void codec_put_bool(struct codec_writer *w, bool v);
void codec_put_str(struct codec_writer *w, const void *s, size_t len);
void codec_put_cstr(struct codec_writer *w, const char *s);
void codec_put_bin(struct codec_writer *w, const void *b, size_t len);
/* Append bytes that are already canonical msgpack (a nested value). */
void codec_put_raw(struct codec_writer *w, const void *b, size_t len);
/* 0 and the encoded length, or I40_E_BUFFER if anything overflowed. */
int codec_writer_finish(struct codec_writer *w, size_t *len) I40_MUST_CHECK;

/*
 * Re-encode the canonical value in buf[0..len) through msgpack-c into out.
 * Used by tests and fuzzers to assert that whatever codec_check() accepts
 * re-encodes to the same bytes.
 */
int codec_reencode(const uint8_t *buf, size_t len, uint8_t *out, size_t cap,
    size_t *outlen) I40_MUST_CHECK;

#endif
