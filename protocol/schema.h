/*
 * schema.h: table-driven decoding, validation and encoding of i40 records.
 *
 * Every event body, sync message and control message is described by a
 * struct schema: a table of fields, each with a msgpack kind, bounds and
 * the offset of its slot in a C struct.  One decoder and one encoder serve
 * them all, so every record gets the same strict rules:
 *
 *  - a map schema is a msgpack map with str keys in canonical order; an
 *    unknown key is I40_E_UNKNOWN_FIELD, an absent required key is
 *    I40_E_MISSING_FIELD;
 *  - a positional schema is a msgpack array of exactly its fields, in order;
 *  - optional fields are strings, bins and lists only, and are absent rather
 *    than empty: a present optional string or list must be non-empty, so
 *    each record has exactly one encoding; required lists are non-empty
 *    too, unless marked SCHEMA_MAY_BE_EMPTY;
 *  - a positional record with fewer elements is I40_E_MISSING_FIELD, with
 *    more I40_E_UNKNOWN_FIELD;
 *  - text has no control characters and no leading or trailing space.
 *
 * Decoded strings point into the input (borrowed, see codec.h).  Lists are
 * fixed-size arrays inside the C struct, bounded by max_items, so decoding
 * allocates nothing.
 *
 * The input must already have passed codec_check(); these functions still
 * never read out of bounds on any input.
 */
#ifndef I40_SCHEMA_H
#define I40_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"

enum schema_kind {
	SCHEMA_UINT,	 /* uint64_t in [min, max] */
	SCHEMA_INT,	 /* int64_t in [(int64_t)min_s, max_s] */
	SCHEMA_BOOL,	 /* bool */
	SCHEMA_FIXBIN,	 /* uint8_t[max], a bin of exactly max bytes */
	SCHEMA_BIN,	 /* codec_bytes, a bin of min..max bytes */
	SCHEMA_LINE,	 /* codec_bytes, one line of text, min..max bytes */
	SCHEMA_TEXT,	 /* codec_bytes, text that may hold newlines */
	SCHEMA_ENUM,	 /* codec_bytes, one of enums[] */
	SCHEMA_DATE,	 /* codec_bytes, YYYY-MM-DD, a real calendar date */
	SCHEMA_CODE,	 /* codec_bytes, module code [A-Z0-9][A-Z0-9._-]* */
	SCHEMA_LANG,	 /* codec_bytes, ISO 639-1 code, two of a-z */
	SCHEMA_COUNTRY,	 /* codec_bytes, ISO 3166-1 alpha-2, two of A-Z */
	SCHEMA_SCHAC,	 /* codec_bytes, SCHAC home organisation, a domain */
	SCHEMA_URL,	 /* codec_bytes, http:// or https:// URL */
	SCHEMA_ENDPOINT, /* codec_bytes, tcp://host:port */
	SCHEMA_ESCO,	 /* codec_bytes, an ESCO concept URI */
	SCHEMA_DIGITS,	 /* codec_bytes, digits and '-' (org. numbers, ISCED) */
	SCHEMA_STRUCT	 /* a nested record described by sub */
};

struct schema;

/* schema_field.required: lists are non-empty unless SCHEMA_MAY_BE_EMPTY. */
#define SCHEMA_OPTIONAL 0
#define SCHEMA_REQUIRED 1
#define SCHEMA_MAY_BE_EMPTY 2	/* a required list that may have 0 items */

struct schema_field {
	const char *name;
	enum schema_kind kind;
	uint8_t required;	/* SCHEMA_OPTIONAL, _REQUIRED, _MAY_BE_EMPTY */
	uint16_t max_items;	/* 0: a single value; n: a list of up to n */
	uint64_t min, max;	/* value bounds (ints) or byte lengths */
	size_t off;		/* offset of the value, or of the list's array */
	size_t count_off;	/* lists: offset of a uint32_t element count */
	const struct schema *sub;	/* SCHEMA_STRUCT */
	const char *const *enums;	/* SCHEMA_ENUM, NULL-terminated */
};

struct schema {
	const char *name;	/* used as the error path's scope */
	int positional;		/* 1: array of exactly nfields, 0: map */
	const struct schema_field *fields;	/* canonical key order */
	size_t nfields;
	size_t size;		/* sizeof the C struct */
};

/* A single field, a list field, and the item sizes used by the tables. */
#define SCHEMA_ONE(name, kind, req, min, max, type, member)		\
	{ name, kind, req, 0, min, max, offsetof(type, member), 0, NULL, NULL }
#define SCHEMA_LIST(name, kind, req, n, min, max, type, member, count)	\
	{ name, kind, req, n, min, max, offsetof(type, member),		\
	  offsetof(type, count), NULL, NULL }

/*
 * Decode one record of schema s from r into out (a struct of s->size bytes,
 * zeroed first).  Returns 0 or an I40_E* code recorded in r's codec_err.
 */
int schema_decode(const struct schema *s, struct codec_reader *r, void *out)
    I40_MUST_CHECK;

/*
 * Encode in as schema s.  Absent optional fields (NULL strings, empty
 * lists) are omitted.  Does not validate: callers decode what they encoded
 * when the input did not come from schema_decode.
 */
void schema_encode(const struct schema *s, const void *in,
    struct codec_writer *w);

/* True when the date string d is a valid YYYY-MM-DD (years 1900..2999). */
int schema_date_valid(const uint8_t *d, size_t len);

/* Compare two YYYY-MM-DD dates (assumed valid): <0, 0, >0. */
int schema_date_cmp(struct codec_bytes a, struct codec_bytes b);

/* True when b equals the NUL-terminated string s. */
int schema_bytes_eq(struct codec_bytes b, const char *s);

#endif
