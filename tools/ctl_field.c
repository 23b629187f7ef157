/*
 * ctl_field.c: one field of a body schema (see ctl_field.h).
 */
#include "ctl_field.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/event.h"
#include "protocol/keys.h"

#include "ctl.h"

/* Room to encode one value: the longest field is a 4000-byte text. */
#define VALUE_CAP 8192

void
ctl_field_fail(struct ctl_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->code = code;
	err->whole = 0;
	va_start(ap, fmt);
	vsnprintf(err->field, sizeof(err->field), fmt, ap);
	va_end(ap);
	err->text[0] = '\0';
}

void
ctl_field_say(struct ctl_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
}

/* A path into out[0..cap); a path too long for it is cut short. */
void
ctl_field_path(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

int
ctl_field_find(const struct schema *s, const char *key, size_t keylen)
{
	size_t i;

	for (i = 0; i < s->nfields; i++)
		if (strlen(s->fields[i].name) == keylen &&
		    memcmp(s->fields[i].name, key, keylen) == 0)
			return (int)i;
	return -1;
}

size_t
ctl_field_item_size(const struct schema_field *f)
{
	switch (f->kind) {
	case SCHEMA_UINT:
		return sizeof(uint64_t);
	case SCHEMA_FIXBIN:
		return (size_t)f->max;
	case SCHEMA_STRUCT:
		return f->sub->size;
	default:
		return sizeof(struct codec_bytes);
	}
}

void *
ctl_field_slot(const struct schema_field *f, void *base, uint32_t i)
{
	return (uint8_t *)base + f->off + i * ctl_field_item_size(f);
}

uint32_t *
ctl_field_count(const struct schema_field *f, void *base)
{
	return (uint32_t *)(void *)((uint8_t *)base + f->count_off);
}

/* A public key field: hex or Z85 text, and usable for CURVE. */
static int
is_key_field(const struct schema_field *f)
{
	return f->kind == SCHEMA_FIXBIN && f->max == 32 &&
	    strcmp(f->name, "key") == 0;
}

/* What a field accepts, in words, for error messages. */
void
ctl_field_hint(const struct schema_field *f, char *out, size_t cap)
{
	unsigned long long lo = (unsigned long long)f->min;
	unsigned long long hi = (unsigned long long)f->max;
	size_t n = 0, i;
	int w;

	switch (f->kind) {
	case SCHEMA_UINT:
		n = (size_t)snprintf(out, cap, "a whole number from %llu to "
		    "%llu", lo, hi);
		if (strcmp(f->name, "credits") == 0 && n < cap)
			n += (size_t)snprintf(out + n, cap - n, ", in tenths "
			    "of a hp (15 = 1.5 hp)");
		break;
	case SCHEMA_FIXBIN:
		if (is_key_field(f))
			n = (size_t)snprintf(out, cap, "an Ed25519 public key: "
			    "64 hex digits or 40 Z85 characters");
		else
			n = (size_t)snprintf(out, cap, "%llu hex digits",
			    2 * hi);
		break;
	case SCHEMA_LINE:
		n = (size_t)snprintf(out, cap, "one line of text of %llu..%llu "
		    "bytes, no control characters, no leading or trailing "
		    "space", lo, hi);
		break;
	case SCHEMA_TEXT:
		n = (size_t)snprintf(out, cap, "text of %llu..%llu bytes; "
		    "newlines only inside, no other control characters, no "
		    "leading or trailing space", lo, hi);
		break;
	case SCHEMA_ENUM:
		n = (size_t)snprintf(out, cap, "one of:");
		for (i = 0; f->enums[i] != NULL && n < cap; i++) {
			w = snprintf(out + n, cap - n, "%s %s", i ? "," : "",
			    f->enums[i]);
			n += w > 0 ? (size_t)w : 0;
		}
		break;
	case SCHEMA_DATE:
		n = (size_t)snprintf(out, cap, "a date YYYY-MM-DD (years "
		    "1900..2999)");
		break;
	case SCHEMA_CODE:
		n = (size_t)snprintf(out, cap, "a code of %llu..%llu "
		    "characters A-Z, 0-9, '.', '_', '-', starting with a "
		    "letter or digit (I40-ROB1)", lo, hi);
		break;
	case SCHEMA_LANG:
		n = (size_t)snprintf(out, cap, "an ISO 639-1 language code, "
		    "two lowercase letters (sv, en)");
		break;
	case SCHEMA_COUNTRY:
		n = (size_t)snprintf(out, cap, "an ISO 3166-1 country code, "
		    "two capital letters (SE)");
		break;
	case SCHEMA_SCHAC:
		n = (size_t)snprintf(out, cap, "a SCHAC home organisation, a "
		    "lowercase domain name such as hh.se");
		break;
	case SCHEMA_URL:
		n = (size_t)snprintf(out, cap, "an http:// or https:// URL of "
		    "%llu..%llu bytes, ASCII, no spaces", lo, hi);
		break;
	case SCHEMA_ENDPOINT:
		n = (size_t)snprintf(out, cap, "tcp://HOST:PORT with a port "
		    "from 1 to 65535");
		break;
	case SCHEMA_ESCO:
		n = (size_t)snprintf(out, cap, "an ESCO concept URI "
		    "http://data.europa.eu/esco/...");
		break;
	case SCHEMA_DIGITS:
		n = (size_t)snprintf(out, cap, "%llu..%llu digits and '-' "
		    "(not first or last)", lo, hi);
		break;
	case SCHEMA_STRUCT:
		n = (size_t)snprintf(out, cap, "an object with the keys");
		for (i = 0; i < f->sub->nfields && n < cap; i++) {
			w = snprintf(out + n, cap - n, "%s \"%s\"%s",
			    i ? "," : "", f->sub->fields[i].name,
			    f->sub->fields[i].required ? "" : " (optional)");
			n += w > 0 ? (size_t)w : 0;
		}
		break;
	default:
		n = (size_t)snprintf(out, cap, "a value of another kind");
		break;
	}
	if (f->max_items != 0 && n < cap)
		snprintf(out + n, cap - n, "; a list of 1..%u such items",
		    (unsigned)f->max_items);
}

int
ctl_field_refuse(struct ctl_err *err, int code, const struct schema_field *f,
    const char *path)
{
	ctl_field_fail(err, code, "%s", path);
	if (err != NULL)
		ctl_field_hint(f, err->text, sizeof(err->text));
	return code;
}

/* The field of s that a decoder's path ("sessions.end") ends in. */
const struct schema_field *
ctl_field_of_path(const struct schema *s, const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *name = dot != NULL ? dot + 1 : path;
	int i = ctl_field_find(s, name, strlen(name));

	return i < 0 ? NULL : &s->fields[i];
}

/*
 * Check one item (a single value, or one item of a list) of field f at
 * slot against the protocol's rules, by decoding a one-field record that
 * holds just it.  path names the item for errors ("sessions[1]").
 */
int
ctl_field_check(const struct schema_field *f, const void *slot,
    const char *path, struct ctl_err *err)
{
	struct schema_field one = *f;
	struct schema s1 = { NULL, 0, &one, 1, 0 };
	const struct schema_field *inner;
	struct codec_err ce;
	struct codec_reader rd;
	struct codec_writer w;
	union ctl_field_item scratch;
	uint8_t *buf;
	size_t len;
	const char *dot;
	int rc;

	one.max_items = 0;
	one.off = 0;
	one.count_off = 0;
	one.required = SCHEMA_REQUIRED;
	s1.size = ctl_field_item_size(f);
	if ((buf = malloc(VALUE_CAP)) == NULL) {
		ctl_field_fail(err, I40_E_NOMEM, "%s", path);
		return I40_E_NOMEM;
	}
	memset(&ce, 0, sizeof(ce));
	codec_writer_init(&w, buf, VALUE_CAP);
	schema_encode(&s1, slot, &w);
	if ((rc = codec_writer_finish(&w, &len)) != 0) {
		/* Only a value far over its bound fills the buffer. */
		ce.code = rc = I40_E_TOO_LONG;
	} else if ((rc = codec_check(buf, len, EV_MAX_DEPTH, &ce)) == 0) {
		codec_reader_init(&rd, buf, len, &ce);
		rc = schema_decode(&s1, &rd, &scratch);
	}
	free(buf);
	if (rc == 0)
		return 0;
	/* Inside a record, name the record's field. */
	inner = NULL;
	if (f->kind == SCHEMA_STRUCT && (dot = strrchr(ce.field, '.')) != NULL)
		inner = ctl_field_of_path(f->sub, ce.field);
	if (inner != NULL) {
		ctl_field_fail(err, rc, "%s.%s", path, inner->name);
		ctl_field_hint(inner, err->text, sizeof(err->text));
		return rc;
	}
	return ctl_field_refuse(err, rc, &one, path);
}

/* Rules inside one record item that span its fields. */
int
ctl_field_rules(const struct schema_field *f, const void *slot,
    const char *path, struct ctl_err *err)
{
	const struct body_session *s = slot;

	if (f->kind == SCHEMA_STRUCT && strcmp(f->name, "sessions") == 0 &&
	    schema_date_cmp(s->end, s->start) < 0) {
		ctl_field_fail(err, I40_E_DATE, "%s.end", path);
		ctl_field_say(err, "a session ends (%.*s) before it starts "
		    "(%.*s)",
		    (int)s->end.len, (const char *)s->end.p,
		    (int)s->start.len, (const char *)s->start.p);
		return I40_E_DATE;
	}
	if (is_key_field(f) && key_check_public(slot) != 0) {
		ctl_field_fail(err, I40_E_BAD_KEY, "%s", path);
		ctl_field_say(err, "this is not a usable Ed25519 public key "
		    "(small order, or not convertible to a CURVE key); take "
		    "the key printed by `i40ctl keygen`");
		return I40_E_BAD_KEY;
	}
	return 0;
}

/* Text (from a flag or a JSON string) into one item of field f. */
int
ctl_field_text(const struct schema_field *f, const char *s, size_t len,
    void *slot, const char *path, struct ctl_err *err)
{
	struct codec_bytes b = { (const uint8_t *)s, len };
	uint64_t v;
	int rc;

	switch (f->kind) {
	case SCHEMA_UINT:
		if ((rc = ctl_parse_uint(s, UINT64_MAX, &v)) != 0 ||
		    v < f->min || v > f->max) {
			return ctl_field_refuse(err, rc == I40_E_VALUE ?
			    I40_E_VALUE : I40_E_RANGE, f, path);
		}
		memcpy(slot, &v, sizeof(v));
		return 0;
	case SCHEMA_FIXBIN:
		rc = is_key_field(f) ? ctl_parse_key(s, slot) :
		    ctl_unhex(s, slot, (size_t)f->max);
		if (rc != 0)
			return ctl_field_refuse(err, I40_E_VALUE, f, path);
		return ctl_field_rules(f, slot, path, err);
	case SCHEMA_STRUCT:
	case SCHEMA_INT:
	case SCHEMA_BOOL:
	case SCHEMA_BIN:
		return ctl_field_refuse(err, I40_E_TYPE, f, path);
	default:
		memcpy(slot, &b, sizeof(b));
		return ctl_field_check(f, slot, path, err);
	}
}

/* Split the text of a flag for a record of a list into one item. */
int
ctl_field_text_record(const struct schema_field *f, const char *value,
    void *slot, const char *path, struct ctl_err *err)
{
	char sub[sizeof(err->field)];
	const struct schema *s = f->sub;
	static const char *const session_keys[] =
	    { "start", "end", "mode", "seats" };
	const char *parts[4];
	size_t lens[4], n = 0, i;
	const char *p, *q;
	int rc, j;

	memset(slot, 0, s->size);
	if (strcmp(f->name, "skills") == 0) {
		/* LABEL or LABEL=ESCO-URI: a URI starts with http. */
		q = strstr(value, "=http");
		parts[0] = value;
		lens[0] = q != NULL ? (size_t)(q - value) : strlen(value);
		parts[1] = q != NULL ? q + 1 : NULL;
		lens[1] = q != NULL ? strlen(q + 1) : 0;
		n = 2;
	} else if (strcmp(f->name, "prereqs") == 0) {
		if ((q = strchr(value, '@')) == NULL)
			goto syntax;
		parts[0] = value;
		lens[0] = (size_t)(q - value);
		parts[1] = q + 1;
		lens[1] = strlen(q + 1);
		n = 2;
	} else if (strcmp(f->name, "sessions") == 0) {
		for (p = value; n < 4; p = q + 1) {
			q = strchr(p, ',');
			parts[n] = p;
			lens[n++] = q != NULL ? (size_t)(q - p) : strlen(p);
			if (q == NULL)
				break;
		}
		if (n < 3 || (n == 4 && strchr(parts[3], ',') != NULL))
			goto syntax;
	} else {
		goto syntax;
	}
	for (i = 0; i < n; i++) {
		const char *name = strcmp(f->name, "skills") == 0 ?
		    (i == 0 ? "label" : "esco") :
		    strcmp(f->name, "prereqs") == 0 ?
		    (i == 0 ? "code" : "schac") :
		    session_keys[i];
		const struct schema_field *sf;
		char num[32];

		if (parts[i] == NULL)
			continue;
		j = ctl_field_find(s, name, strlen(name));
		sf = &s->fields[j];
		ctl_field_path(sub, sizeof(sub), "%s.%s", path, name);
		if (sf->kind == SCHEMA_UINT) {
			if (lens[i] >= sizeof(num))
				lens[i] = sizeof(num) - 1;
			memcpy(num, parts[i], lens[i]);
			num[lens[i]] = '\0';
			rc = ctl_field_text(sf, num, lens[i],
			    (uint8_t *)slot + sf->off, sub, err);
		} else {
			rc = ctl_field_text(sf, parts[i], lens[i],
			    (uint8_t *)slot + sf->off, sub, err);
		}
		if (rc != 0)
			return rc;
	}
	if ((rc = ctl_field_check(f, slot, path, err)) != 0)
		return rc;
	return ctl_field_rules(f, slot, path, err);
syntax:
	ctl_field_fail(err, I40_E_VALUE, "%s", path);
	if (strcmp(f->name, "prereqs") == 0)
		ctl_field_say(err, "expected CODE@SCHAC, e.g. I40-ROB1@hh.se");
	else if (strcmp(f->name, "sessions") == 0)
		ctl_field_say(err, "expected START,END,MODE[,SEATS], e.g. "
		    "2026-09-01,2026-10-15,online,30");
	else
		ctl_field_say(err, "this field can only be given in a file");
	return I40_E_VALUE;
}

