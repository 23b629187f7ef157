/*
 * schema.c: the one strict decoder and encoder behind every i40 record
 * (see schema.h).
 */
#include "schema.h"

#include <string.h>

/* Nested records: charter -> member, module -> session, message -> head. */
#define SCHEMA_MAX_NEST 4

static int decode_struct(const struct schema *s, struct codec_reader *r,
    void *out, unsigned nest);

int
schema_bytes_eq(struct codec_bytes b, const char *s)
{
	size_t n = strlen(s);

	return b.len == n && memcmp(b.p, s, n) == 0;
}

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

int
schema_date_valid(const uint8_t *d, size_t len)
{
	static const uint8_t mdays[12] =
	    { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, m, day;
	size_t i;

	if (len != 10 || d[4] != '-' || d[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !is_digit(d[i]))
			return 0;
	y = (unsigned)((d[0] - '0') * 1000 + (d[1] - '0') * 100 +
	    (d[2] - '0') * 10 + (d[3] - '0'));
	m = (unsigned)((d[5] - '0') * 10 + (d[6] - '0'));
	day = (unsigned)((d[8] - '0') * 10 + (d[9] - '0'));
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || day < 1 ||
	    day > mdays[m - 1])
		return 0;
	if (m == 2 && day == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return 0;
	return 1;
}

int
schema_date_cmp(struct codec_bytes a, struct codec_bytes b)
{
	/* YYYY-MM-DD sorts chronologically as bytes. */
	return memcmp(a.p, b.p, 10);
}

/* Printable text: no C0 controls or DEL (newline only if multiline). */
static int
text_ok(const uint8_t *s, size_t len, int multiline)
{
	size_t i;

	if (len > 0 && (s[0] == ' ' || s[len - 1] == ' ' ||
	    s[len - 1] == '\n' || s[0] == '\n'))
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && multiline)
			continue;
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	}
	return 1;
}

static int
ascii_graph(const uint8_t *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return 0;
	return 1;
}

static int
has_prefix(const uint8_t *s, size_t len, const char *pfx)
{
	size_t n = strlen(pfx);

	return len > n && memcmp(s, pfx, n) == 0;
}

static int
code_ok(const uint8_t *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint8_t c = s[i];

		if ((c >= 'A' && c <= 'Z') || is_digit(c))
			continue;
		if (i > 0 && (c == '.' || c == '_' || c == '-'))
			continue;
		return 0;
	}
	return 1;
}

static int
schac_ok(const uint8_t *s, size_t len)
{
	size_t i;
	int dot = 0;

	if (s[0] == '.' || s[0] == '-' || s[len - 1] == '.' ||
	    s[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (s[i - 1] == '.')
				return 0;
			dot = 1;
		} else if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) ||
		    s[i] == '-')) {
			return 0;
		}
	}
	return dot;
}

static int
endpoint_ok(const uint8_t *s, size_t len)
{
	size_t i, colon = 0, port = 0;

	if (!has_prefix(s, len, "tcp://") || !ascii_graph(s, len))
		return 0;
	for (i = 6; i < len; i++)
		if (s[i] == ':')
			colon = i;
	if (colon <= 6 || colon + 1 >= len || s[colon + 1] == '0' ||
	    len - colon - 1 > 5)
		return 0;
	for (i = colon + 1; i < len; i++) {
		if (!is_digit(s[i]))
			return 0;
		port = port * 10 + (size_t)(s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

/* Check a string's content for its kind; 0 or an I40_E* code. */
static int
check_str(const struct schema_field *f, const uint8_t *s, size_t len)
{
	size_t i;

	switch (f->kind) {
	case SCHEMA_LINE:
		return text_ok(s, len, 0) ? 0 : I40_E_VALUE;
	case SCHEMA_TEXT:
		return text_ok(s, len, 1) ? 0 : I40_E_VALUE;
	case SCHEMA_ENUM:
		for (i = 0; f->enums[i] != NULL; i++)
			if (strlen(f->enums[i]) == len &&
			    memcmp(f->enums[i], s, len) == 0)
				return 0;
		return I40_E_VALUE;
	case SCHEMA_DATE:
		return schema_date_valid(s, len) ? 0 : I40_E_DATE;
	case SCHEMA_CODE:
		return code_ok(s, len) ? 0 : I40_E_CODE;
	case SCHEMA_LANG:
		return len == 2 && s[0] >= 'a' && s[0] <= 'z' &&
		    s[1] >= 'a' && s[1] <= 'z' ? 0 : I40_E_VALUE;
	case SCHEMA_COUNTRY:
		return len == 2 && s[0] >= 'A' && s[0] <= 'Z' &&
		    s[1] >= 'A' && s[1] <= 'Z' ? 0 : I40_E_VALUE;
	case SCHEMA_SCHAC:
		return schac_ok(s, len) ? 0 : I40_E_VALUE;
	case SCHEMA_URL:
		return ascii_graph(s, len) && (has_prefix(s, len, "https://") ||
		    has_prefix(s, len, "http://")) ? 0 : I40_E_VALUE;
	case SCHEMA_ENDPOINT:
		return endpoint_ok(s, len) ? 0 : I40_E_VALUE;
	case SCHEMA_ESCO:
		return ascii_graph(s, len) &&
		    has_prefix(s, len, "http://data.europa.eu/esco/") ?
		    0 : I40_E_VALUE;
	case SCHEMA_DIGITS:
		for (i = 0; i < len; i++)
			if (!is_digit(s[i]) && !(s[i] == '-' && i > 0 &&
			    i + 1 < len))
				return I40_E_VALUE;
		return 0;
	default:
		return I40_E_TYPE;
	}
}

static size_t
item_size(const struct schema_field *f)
{
	switch (f->kind) {
	case SCHEMA_UINT:
		return sizeof(uint64_t);
	case SCHEMA_INT:
		return sizeof(int64_t);
	case SCHEMA_BOOL:
		return sizeof(bool);
	case SCHEMA_FIXBIN:
		return (size_t)f->max;
	case SCHEMA_STRUCT:
		return f->sub->size;
	default:
		return sizeof(struct codec_bytes);
	}
}

static int
decode_item(const struct schema_field *f, struct codec_reader *r, void *slot,
    unsigned nest)
{
	struct codec_bytes b;
	size_t start = r->off;
	int rc;

	switch (f->kind) {
	case SCHEMA_UINT:
		return codec_read_uint(r, f->min, f->max, slot);
	case SCHEMA_INT:
		return codec_read_int(r, (int64_t)f->min, (int64_t)f->max,
		    slot);
	case SCHEMA_BOOL:
		return codec_read_bool(r, slot);
	case SCHEMA_FIXBIN:
		return codec_read_fixbin(r, (size_t)f->max, slot);
	case SCHEMA_BIN:
		if ((rc = codec_read_bin(r, (size_t)f->min, (size_t)f->max,
		    &b)) != 0)
			return rc;
		memcpy(slot, &b, sizeof(b));
		return 0;
	case SCHEMA_STRUCT:
		return decode_struct(f->sub, r, slot, nest + 1);
	default:
		/* A date of the wrong length is a bad date, not a bad length. */
		if ((rc = codec_read_str(r, f->kind == SCHEMA_DATE ? 1 :
		    (size_t)f->min, f->kind == SCHEMA_DATE ? 64 :
		    (size_t)f->max, &b)) != 0)
			return rc;
		if ((rc = check_str(f, b.p, b.len)) != 0) {
			r->off = start;
			return codec_fail(r, rc);
		}
		memcpy(slot, &b, sizeof(b));
		return 0;
	}
}

static int
decode_field(const struct schema_field *f, struct codec_reader *r, void *out,
    unsigned nest)
{
	const char *oscope = r->scope;
	uint8_t *base = out;
	uint32_t n, i;
	int rc;

	if (f->max_items == 0) {
		if (f->kind == SCHEMA_STRUCT)
			r->scope = f->name;
		rc = decode_item(f, r, base + f->off, nest);
		r->scope = oscope;
		return rc;
	}
	/*
	 * A present optional list is never empty (absence means empty), and
	 * a required one has items unless the schema says it may be empty.
	 */
	if ((rc = codec_read_array(r, f->required == SCHEMA_MAY_BE_EMPTY ?
	    0 : 1, f->max_items, &n)) != 0)
		return rc;
	/* Errors inside a list of records read "list.field". */
	if (f->kind == SCHEMA_STRUCT)
		r->scope = f->name;
	for (i = 0; i < n; i++)
		if ((rc = decode_item(f, r, base + f->off + i * item_size(f),
		    nest)) != 0)
			return rc;
	r->scope = oscope;
	memcpy(base + f->count_off, &n, sizeof(n));
	return 0;
}

static int
decode_struct(const struct schema *s, struct codec_reader *r, void *out,
    unsigned nest)
{
	const char *names[64];
	uint64_t seen = 0, required = 0;
	uint32_t n, i;
	unsigned idx;
	int rc;

	if (nest > SCHEMA_MAX_NEST)
		return codec_fail(r, I40_E_DEPTH);
	memset(out, 0, s->size);
	if (s->positional) {
		r->field = NULL;
		if ((rc = codec_read_array(r, 0, UINT32_MAX, &n)) != 0)
			return rc;
		if (n != s->nfields) {
			r->field = s->fields[n < s->nfields ? n :
			    s->nfields - 1].name;
			return codec_fail(r, n < s->nfields ?
			    I40_E_MISSING_FIELD : I40_E_UNKNOWN_FIELD);
		}
		for (i = 0; i < n; i++) {
			r->field = s->fields[i].name;
			if ((rc = decode_field(&s->fields[i], r, out, nest)) != 0)
				return rc;
		}
		return 0;
	}
	for (i = 0; i < s->nfields; i++) {
		names[i] = s->fields[i].name;
		if (s->fields[i].required)
			required |= (uint64_t)1 << i;
	}
	if ((rc = codec_read_map(r, 0, (uint32_t)s->nfields, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = codec_read_key(r, names, s->nfields, &idx)) != 0)
			return rc;
		/* Canonical input cannot repeat a key; this guards pass 2. */
		if (seen >> idx & 1)
			return codec_fail(r, I40_E_KEY_DUP);
		seen |= (uint64_t)1 << idx;
		if ((rc = decode_field(&s->fields[idx], r, out, nest)) != 0)
			return rc;
	}
	return codec_require(r, seen, required, names, s->nfields);
}

int
schema_decode(const struct schema *s, struct codec_reader *r, void *out)
{
	const char *oscope = r->scope;
	int rc;

	if (r->scope == NULL)
		r->scope = s->name;
	rc = decode_struct(s, r, out, 0);
	r->scope = oscope;
	return rc;
}

/* Encoding. */

static int
present(const struct schema_field *f, const void *in)
{
	const uint8_t *base = in;
	struct codec_bytes b;
	uint32_t n;

	if (f->required)
		return 1;
	if (f->max_items != 0) {
		memcpy(&n, base + f->count_off, sizeof(n));
		return n != 0;
	}
	switch (f->kind) {
	case SCHEMA_UINT: case SCHEMA_INT: case SCHEMA_BOOL:
	case SCHEMA_FIXBIN: case SCHEMA_STRUCT:
		return 1;	/* optional scalars are not supported: always */
	default:
		memcpy(&b, base + f->off, sizeof(b));
		return b.p != NULL;
	}
}

static void
encode_item(const struct schema_field *f, const void *slot,
    struct codec_writer *w)
{
	struct codec_bytes b;
	uint64_t u;
	int64_t i;
	bool v;

	switch (f->kind) {
	case SCHEMA_UINT:
		memcpy(&u, slot, sizeof(u));
		codec_put_uint(w, u);
		return;
	case SCHEMA_INT:
		memcpy(&i, slot, sizeof(i));
		codec_put_int(w, i);
		return;
	case SCHEMA_BOOL:
		memcpy(&v, slot, sizeof(v));
		codec_put_bool(w, v);
		return;
	case SCHEMA_FIXBIN:
		codec_put_bin(w, slot, (size_t)f->max);
		return;
	case SCHEMA_STRUCT:
		schema_encode(f->sub, slot, w);
		return;
	case SCHEMA_BIN:
		memcpy(&b, slot, sizeof(b));
		codec_put_bin(w, b.p, b.len);
		return;
	default:
		memcpy(&b, slot, sizeof(b));
		codec_put_str(w, b.p, b.len);
		return;
	}
}

void
schema_encode(const struct schema *s, const void *in, struct codec_writer *w)
{
	const uint8_t *base = in;
	uint32_t count = 0, n, j;
	size_t i;

	for (i = 0; i < s->nfields; i++)
		if (s->positional || present(&s->fields[i], in))
			count++;
	if (s->positional)
		codec_put_array(w, count);
	else
		codec_put_map(w, count);
	for (i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];

		if (!s->positional && !present(f, in))
			continue;
		if (!s->positional)
			codec_put_cstr(w, f->name);
		if (f->max_items == 0) {
			encode_item(f, base + f->off, w);
			continue;
		}
		memcpy(&n, base + f->count_off, sizeof(n));
		if (n > f->max_items) {
			/* Never truncate silently: fail the whole encoding. */
			if (w->err == 0)
				w->err = I40_E_TOO_LONG;
			return;
		}
		codec_put_array(w, n);
		for (j = 0; j < n; j++)
			encode_item(f, base + f->off + j * item_size(f), w);
	}
}
