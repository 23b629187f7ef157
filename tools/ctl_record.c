/*
 * ctl_record.c: event bodies from JSON files and flags (see ctl_record.h).
 *
 * Everything is driven by the protocol's schema tables: a field's kind,
 * bounds, enum values, and where it lives in struct body (ctl_field.h).
 */
#include "ctl_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/event.h"
#include "protocol/schema.h"

#include "ctl.h"
#include "ctl_field.h"

#define JSON_MAX_BYTES (1024 * 1024)

static int json_record(const struct schema *s, const json_t *obj, void *out,
    uint64_t *given, int nested, const char *prefix, struct ctl_err *err);

/* v is not of the JSON type f takes: "expected a JSON <what>: <rule>". */
static int
not_json(const struct schema_field *f, const char *what, const char *path,
    struct ctl_err *err)
{
	size_t n;

	ctl_field_fail(err, I40_E_TYPE, "%s", path);
	ctl_field_say(err, "expected a JSON %s: ", what);
	n = strlen(err->text);
	ctl_field_hint(f, err->text + n, sizeof(err->text) - n);
	return I40_E_TYPE;
}

/* One JSON value into one item of field f. */
static int
json_item(const struct schema_field *f, const json_t *v, void *slot,
    const char *path, struct ctl_err *err)
{
	json_int_t n;
	uint64_t u;
	int rc;

	if (json_is_null(v)) {
		ctl_field_fail(err, I40_E_NIL, "%s", path);
		ctl_field_say(err, "null is not a value here; leave the key "
		    "out instead");
		return I40_E_NIL;
	}
	switch (f->kind) {
	case SCHEMA_UINT:
		if (!json_is_integer(v))
			return ctl_field_refuse(err, I40_E_TYPE, f, path);
		n = json_integer_value(v);
		if (n < 0 || (uint64_t)n < f->min || (uint64_t)n > f->max)
			return ctl_field_refuse(err, I40_E_RANGE, f, path);
		u = (uint64_t)n;
		memcpy(slot, &u, sizeof(u));
		return 0;
	case SCHEMA_STRUCT:
		if (!json_is_object(v))
			return ctl_field_refuse(err, I40_E_TYPE, f, path);
		memset(slot, 0, f->sub->size);
		if ((rc = json_record(f->sub, v, slot, NULL, 1, path,
		    err)) != 0)
			return rc;
		return ctl_field_rules(f, slot, path, err);
	default:
		if (!json_is_string(v))
			return not_json(f, "string", path, err);
		return ctl_field_text(f, json_string_value(v),
		    json_string_length(v), slot, path, err);
	}
}

/* The JSON value v (an item or a list) into field f of base. */
static int
json_field(const struct schema_field *f, const json_t *v, void *base,
    const char *path, struct ctl_err *err)
{
	char ipath[sizeof(err->field)];
	size_t i, n;
	int rc;

	if (f->max_items == 0)
		return json_item(f, v, ctl_field_slot(f, base, 0), path, err);
	if (!json_is_array(v))
		return not_json(f, "array", path, err);
	n = json_array_size(v);
	/* Absent, never empty (docs/protocol.md §3.3). */
	if (n == 0) {
		ctl_field_fail(err, I40_E_EMPTY, "%s", path);
		ctl_field_say(err, "a list is never empty; leave the key out "
		    "instead");
		return I40_E_EMPTY;
	}
	if (n > f->max_items) {
		ctl_field_fail(err, I40_E_TOO_LONG, "%s", path);
		ctl_field_say(err, "%zu items; at most %u are allowed", n,
		    (unsigned)f->max_items);
		return I40_E_TOO_LONG;
	}
	for (i = 0; i < n; i++) {
		ctl_field_path(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if ((rc = json_item(f, json_array_get(v, i),
		    ctl_field_slot(f, base, (uint32_t)i), ipath, err)) != 0)
			return rc;
	}
	*ctl_field_count(f, base) = (uint32_t)n;
	return 0;
}

/*
 * The JSON object obj into a record of schema s at out.  Fields present
 * set their bit in *given (may be NULL).  A nested record must have all
 * its required keys; the top-level record is checked at encoding, since
 * flags may still supply them.
 */
static int
json_record(const struct schema *s, const json_t *obj, void *out,
    uint64_t *given, int nested, const char *prefix, struct ctl_err *err)
{
	char path[sizeof(err->field)];
	const char *key;
	json_t *v;
	size_t i, n;
	int rc;

	if (!json_is_object(obj)) {
		ctl_field_fail(err, I40_E_TYPE, "%s", prefix);
		ctl_field_say(err, "expected a JSON object");
		return I40_E_TYPE;
	}
	/* Unknown keys first: a typo must not pass as an absent field. */
	json_object_foreach((json_t *)obj, key, v) {
		if (ctl_field_find(s, key, strlen(key)) >= 0)
			continue;
		ctl_field_fail(err, I40_E_UNKNOWN_FIELD, "%s%s%s", prefix,
		    *prefix ? "." : "", key);
		n = (size_t)snprintf(err->text, sizeof(err->text),
		    "the keys are:");
		for (i = 0; i < s->nfields && n < sizeof(err->text); i++)
			n += (size_t)snprintf(err->text + n,
			    sizeof(err->text) - n, " %s", s->fields[i].name);
		return I40_E_UNKNOWN_FIELD;
	}
	for (i = 0; i < s->nfields; i++) {
		const struct schema_field *f = &s->fields[i];

		ctl_field_path(path, sizeof(path), "%s%s%s", prefix,
		    *prefix ? "." : "", f->name);
		if ((v = json_object_get(obj, f->name)) == NULL) {
			if (nested && f->required)
				return ctl_field_refuse(err,
				    I40_E_MISSING_FIELD, f, path);
			continue;
		}
		if ((rc = json_field(f, v, out, path, err)) != 0)
			return rc;
		if (given != NULL)
			*given |= (uint64_t)1 << i;
	}
	return 0;
}

int
ctl_record_init(struct ctl_record *r, uint32_t type)
{
	memset(r, 0, sizeof(*r));
	if ((r->schema = body_schema(type)) == NULL)
		return I40_E_EVENT_TYPE;
	if ((r->body = calloc(1, sizeof(*r->body))) == NULL)
		return I40_E_NOMEM;
	r->body->type = (enum body_type)type;
	return 0;
}

void
ctl_record_free(struct ctl_record *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

void
ctl_record_adopt(struct ctl_record *r, const struct body *b)
{
	const struct codec_bytes *s;
	size_t i;

	r->body->u = b->u;
	r->set = 0;
	r->flagged = 0;
	for (i = 0; i < r->schema->nfields; i++) {
		const struct schema_field *f = &r->schema->fields[i];
		int present = 1;

		if (f->max_items != 0) {
			present = *ctl_field_count(f, &r->body->u) != 0;
		} else if (f->kind != SCHEMA_UINT && f->kind != SCHEMA_FIXBIN &&
		    f->kind != SCHEMA_STRUCT) {
			s = ctl_field_slot(f, &r->body->u, 0);
			present = s->p != NULL;
		}
		if (present)
			r->set |= (uint64_t)1 << i;
	}
}

int
ctl_record_json(struct ctl_record *r, const json_t *obj, struct ctl_err *err)
{
	struct body *copy;
	uint64_t given = 0;
	size_t i;
	int rc;

	/* Work on a copy so that a bad file changes nothing. */
	if ((copy = malloc(sizeof(*copy))) == NULL)
		return I40_E_NOMEM;
	*copy = *r->body;
	/* A field the file gives replaces the earlier value wholesale. */
	for (i = 0; i < r->schema->nfields; i++) {
		const struct schema_field *f = &r->schema->fields[i];

		if (json_is_object(obj) &&
		    json_object_get(obj, f->name) != NULL &&
		    f->max_items != 0)
			*ctl_field_count(f, &copy->u) = 0;
	}
	rc = json_record(r->schema, obj, &copy->u, &given, 0, "", err);
	if (rc == 0) {
		*r->body = *copy;
		r->set |= given;
	}
	free(copy);
	return rc;
}

int
ctl_record_set(struct ctl_record *r, const char *key, const char *value,
    struct ctl_err *err)
{
	const struct schema_field *f;
	union ctl_field_item item;
	uint32_t *count, n;
	int i, rc;

	if ((i = ctl_field_find(r->schema, key, strlen(key))) < 0) {
		ctl_field_fail(err, I40_E_UNKNOWN_FIELD, "%s", key);
		ctl_field_say(err, "a %s body has no such field",
		    body_type_name(r->body->type));
		return I40_E_UNKNOWN_FIELD;
	}
	f = &r->schema->fields[i];
	memset(&item, 0, sizeof(item));
	if (f->max_items == 0) {
		if ((rc = ctl_field_text(f, value, strlen(value), &item, key,
		    err)) != 0)
			return rc;
		memcpy(ctl_field_slot(f, &r->body->u, 0), &item,
		    ctl_field_item_size(f));
		r->set |= (uint64_t)1 << i;
		return 0;
	}
	/* The first flag for a list replaces the list of the file. */
	count = ctl_field_count(f, &r->body->u);
	n = r->flagged >> i & 1 ? *count : 0;
	if (n >= f->max_items) {
		ctl_field_fail(err, I40_E_TOO_LONG, "%s", key);
		ctl_field_say(err, "at most %u may be given",
		    (unsigned)f->max_items);
		return I40_E_TOO_LONG;
	}
	rc = f->kind == SCHEMA_STRUCT ?
	    ctl_field_text_record(f, value, &item, key, err) :
	    ctl_field_text(f, value, strlen(value), &item, key, err);
	if (rc != 0)
		return rc;
	memcpy(ctl_field_slot(f, &r->body->u, n), &item,
	    ctl_field_item_size(f));
	*count = n + 1;
	r->flagged |= (uint64_t)1 << i;
	r->set |= (uint64_t)1 << i;
	return 0;
}

int
ctl_record_set_uint(struct ctl_record *r, const char *key, uint64_t v,
    struct ctl_err *err)
{
	const struct schema_field *f;
	int i;

	if ((i = ctl_field_find(r->schema, key, strlen(key))) < 0 ||
	    r->schema->fields[i].kind != SCHEMA_UINT ||
	    r->schema->fields[i].max_items != 0) {
		ctl_field_fail(err, I40_E_UNKNOWN_FIELD, "%s", key);
		ctl_field_say(err, "a %s body has no such number field",
		    body_type_name(r->body->type));
		return I40_E_UNKNOWN_FIELD;
	}
	f = &r->schema->fields[i];
	if (v < f->min || v > f->max)
		return ctl_field_refuse(err, I40_E_RANGE, f, key);
	memcpy(ctl_field_slot(f, &r->body->u, 0), &v, sizeof(v));
	r->set |= (uint64_t)1 << i;
	return 0;
}

int
ctl_record_has(const struct ctl_record *r, const char *key)
{
	int i = ctl_field_find(r->schema, key, strlen(key));

	return i >= 0 && (r->set >> i & 1);
}

/*
 * Every required field must be given: name the first absent one, and list
 * the others, so that one run shows everything that is missing.
 */
static int
check_required(const struct ctl_record *r, struct ctl_err *err)
{
	const struct schema_field *f;
	const char *flag;
	size_t i, n = 0, missing = 0;
	int w;

	for (i = 0; i < r->schema->nfields; i++) {
		f = &r->schema->fields[i];
		if (!f->required || (r->set >> i & 1))
			continue;
		if (missing++ == 0) {
			ctl_field_fail(err, I40_E_MISSING_FIELD, "%s", f->name);
			ctl_field_hint(f, err->text, sizeof(err->text));
			n = strlen(err->text);
			continue;
		}
		flag = ctl_record_flag(r->body->type, f->name);
		w = snprintf(err->text + n, sizeof(err->text) - n, "%s%s%s%s%s",
		    missing == 2 ? "; also missing: " : ", ", f->name,
		    flag != NULL ? " (" : "", flag != NULL ? flag : "",
		    flag != NULL ? ")" : "");
		if (w < 0 || (size_t)w >= sizeof(err->text) - n)
			break;
		n += (size_t)w;
	}
	return missing ? I40_E_MISSING_FIELD : 0;
}

/* "VG is not a grade of UG; its grades are U, G" into err->text. */
static void
grades_of(const struct body_completion *c, struct ctl_err *err)
{
	static const char *const all[] = { "U", "G", "VG", "3", "4", "5",
	    "A", "B", "C", "D", "E", "FX", "F", "P" };
	struct codec_bytes g;
	size_t i, n;
	int pass, w;

	w = snprintf(err->text, sizeof(err->text), "%.*s is not a grade of "
	    "the scale %.*s; its grades are", (int)c->grade.len,
	    (const char *)c->grade.p, (int)c->scale.len,
	    (const char *)c->scale.p);
	n = w > 0 ? (size_t)w : 0;
	for (i = 0; i < sizeof(all) / sizeof(all[0]) && n <
	    sizeof(err->text); i++) {
		g.p = (const uint8_t *)all[i];
		g.len = strlen(all[i]);
		if (!body_grade_valid(c->scale, g, &pass))
			continue;
		w = snprintf(err->text + n, sizeof(err->text) - n, " %s",
		    all[i]);
		n += w > 0 ? (size_t)w : 0;
	}
}

int
ctl_record_encode(struct ctl_record *r, const struct body_ctx *ctx,
    uint8_t *out, size_t cap, size_t *len, struct ctl_err *err)
{
	const struct schema_field *f;
	struct codec_err ce;
	const char *field;
	int rc;

	if ((rc = check_required(r, err)) != 0)
		return rc;
	memset(&ce, 0, sizeof(ce));
	if ((rc = body_encode(r->body, ctx, out, cap, len, &ce)) == 0)
		return 0;
	/* Decoder paths read "body.title_sv"; people know "title_sv". */
	field = strncmp(ce.field, "body.", 5) == 0 ? ce.field + 5 : ce.field;
	ctl_field_fail(err, rc, "%s", field);
	if (rc == I40_E_MISSING_FIELD && (strcmp(field, "summary_en") == 0 ||
	    strcmp(field, "outcomes_en") == 0)) {
		const char *w = field[0] == 's' ? "summary" : "outcomes";

		ctl_field_say(err, "a module needs %s in English or Swedish "
		    "or both: give %s_en or %s_sv", w, w, w);
	} else if (rc == I40_E_VALUE && (strcmp(field, "lang") == 0 ||
	    strcmp(field, "assessment") == 0)) {
		ctl_field_say(err, "a value is listed twice; list each once");
	} else if ((rc == I40_E_CARD || rc == I40_E_BAD_KEY ||
	    rc == I40_E_MISSING_FIELD) &&
	    (strcmp(field, "members.transport") == 0 ||
	    strcmp(field, "members.transport_sig") == 0 ||
	    strcmp(field, "transport") == 0 ||
	    strcmp(field, "transport_sig") == 0)) {
		ctl_field_say(err, "a member record needs the member's "
		    "transport key and its certificate: copy \"transport\" "
		    "and \"transport_sig\" from the member's `i40ctl keygen "
		    "--public -k KEYFILE --json`");
	} else if (rc == I40_E_VALUE && strcmp(field, "members.key") == 0) {
		ctl_field_say(err, "two members have the same key; each "
		    "member needs its own (i40ctl keygen)");
	} else if (rc == I40_E_VALUE && strcmp(field, "grade") == 0 &&
	    r->body->type == BODY_COMPLETION_RECORD) {
		grades_of(&r->body->u.completion, err);
	} else if (rc == I40_E_DATE && strcmp(field, "decision_date") == 0) {
		const struct body_completion *c = &r->body->u.completion;

		ctl_field_say(err, "the decision (%.*s) is dated before the "
		    "examination (%.*s)", (int)c->decision_date.len,
		    (const char *)c->decision_date.p, (int)c->exam_date.len,
		    (const char *)c->exam_date.p);
	} else if (rc == I40_E_TOO_BIG || rc == I40_E_BUFFER) {
		ctl_field_say(err, "the body is over the %d-byte event limit; "
		    "shorten texts or lists", EV_MAX_BYTES);
	} else if ((f = ctl_field_of_path(r->schema, field)) != NULL &&
	    strchr(field, '.') == NULL) {
		ctl_field_hint(f, err->text, sizeof(err->text));
	}
	return rc;
}

const char *
ctl_record_flag(uint32_t type, const char *key)
{
	static const struct {
		uint32_t type;		/* 0: every type */
		const char *key, *flag;
	} alias[] = {
		{ 0, "outcomes_en", "--outcome-en" },
		{ 0, "outcomes_sv", "--outcome-sv" },
		{ 0, "teachers", "--teacher" },
		{ 0, "skills", "--skill" },
		{ 0, "sessions", "--session" },
		{ 0, "prereqs", "--prereq" },
		{ 0, "credits", "--credits (or --hp)" },
		{ BODY_COMPLETION_REVOKE, "completion", "--id" },
	};
	static char buf[64];
	size_t i, n;

	/* The charter comes from a file only. */
	if (type == BODY_GENESIS)
		return NULL;
	n = strcspn(key, ".[");
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if ((alias[i].type == 0 || alias[i].type == type) &&
		    strlen(alias[i].key) == n &&
		    strncmp(alias[i].key, key, n) == 0)
			return alias[i].flag;
	if (n == 0 || n + 3 > sizeof(buf))
		return NULL;
	buf[0] = buf[1] = '-';
	for (i = 0; i < n; i++)
		buf[2 + i] = key[i] == '_' ? '-' : key[i];
	buf[2 + n] = '\0';
	return buf;
}

int
ctl_json_load(const char *path, json_t **out, struct ctl_err *err)
{
	json_error_t je;
	uint8_t *buf;
	size_t len;
	json_t *doc;
	int rc;

	*out = NULL;
	if ((rc = ctl_read_file(path, JSON_MAX_BYTES, &buf, &len)) != 0) {
		ctl_field_fail(err, rc, "%s", "");
		if (rc == I40_E_TOO_BIG)
			ctl_field_say(err, "a JSON file may have at most %d "
			    "bytes", JSON_MAX_BYTES);
		return rc;
	}
	/* Duplicate keys would make "which value wins" a guess. */
	doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (doc == NULL) {
		ctl_field_fail(err, I40_E_VALUE, "%s", "");
		ctl_field_say(err, "not valid JSON: line %d, column %d: %s; "
		    "correct the file and try again", je.line, je.column,
		    je.text);
		if (err != NULL)
			err->whole = 1;
		return I40_E_VALUE;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		ctl_field_fail(err, I40_E_TYPE, "%s", "");
		ctl_field_say(err, "the file must hold one JSON object {...}");
		return I40_E_TYPE;
	}
	*out = doc;
	return 0;
}

void
ctl_err_report(const struct ctl_err *err, uint32_t type, const char *source)
{
	const char *flag = err->field[0] ? ctl_record_flag(type, err->field) :
	    NULL;

	fprintf(stderr, "%s: ", ctl_cmd());
	if (source != NULL)
		fprintf(stderr, "%s: ", source);
	if (err->field[0] != '\0' && flag != NULL)
		fprintf(stderr, "%s (%s): ", err->field, flag);
	else if (err->field[0] != '\0')
		fprintf(stderr, "%s: ", err->field);
	if (err->whole)
		fprintf(stderr, "%s", err->text);
	else if (err->text[0] != '\0')
		fprintf(stderr, "%s; %s", i40_strerror(err->code), err->text);
	else
		fprintf(stderr, "%s", i40_strerror(err->code));
	fputc('\n', stderr);
}
