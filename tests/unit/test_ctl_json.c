/*
 * test_ctl_json.c: i40ctl's bodies from JSON files and flags
 * (tools/ctl_record.h): every module field from a file and from flags,
 * flags over a file, a body adopted as the base of an update, and each
 * bad input rejected with its field named and nothing changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <unistd.h>

#include "protocol/event.h"
#include "protocol/keys.h"
#include "tools/ctl_record.h"

#define ESCO "http://data.europa.eu/esco/skill/0d0b7a3a"

/* Every field of a module, optional ones included. */
static const char full_module[] =
    "{\"eqf\": 6, \"url\": \"https://www.ingenjor40.se/rob1\","
    " \"code\": \"I40-ROB1\", \"lang\": [\"sv\", \"en\"],"
    " \"mode\": \"blended\", \"pace\": \"mixed\","
    " \"path\": \"Automation engineer\", \"cycle\": \"first\","
    " \"hours\": 40, \"isced\": \"0714\","
    " \"qa_ref\": \"Kursplan 2026/123\","
    " \"skills\": [{\"label\": \"robot programming\", \"esco\": \"" ESCO "\"},"
    "   {\"label\": \"PLC\"}],"
    " \"credits\": 15,"
    " \"prereqs\": [{\"code\": \"I40-BAS1\", \"schac\": \"kth.se\"}],"
    " \"entry_en\": \"A degree in engineering.\","
    " \"entry_sv\": \"Ingenjörsexamen.\","
    " \"sessions\": [{\"start\": \"2026-09-01\", \"end\": \"2026-10-15\","
    "   \"mode\": \"online\", \"seats\": 30},"
    "   {\"start\": \"2027-01-10\", \"end\": \"2027-01-10\","
    "   \"mode\": \"onsite\", \"seats\": 0}],"
    " \"teachers\": [\"Anna Lindqvist\", \"Björn Öberg\"],"
    " \"title_en\": \"Robot programming\","
    " \"title_sv\": \"Robotprogrammering\","
    " \"assessment\": [\"project\", \"oral_exam\"],"
    " \"summary_en\": \"Program an industrial robot.\\nTwo days on site.\","
    " \"summary_sv\": \"Programmera en industrirobot.\","
    " \"outcomes_en\": [\"Write a robot program.\", \"Test it safely.\"],"
    " \"outcomes_sv\": [\"Skriva ett robotprogram.\"],"
    " \"supervision\": \"supervised_id\"}";

/* Only the required fields (and one summary and one outcome). */
static const char min_module[] =
    "{\"eqf\": 6, \"code\": \"I40-ROB1\", \"lang\": [\"sv\"],"
    " \"mode\": \"online\", \"pace\": \"mixed\", \"cycle\": \"first\","
    " \"hours\": 20, \"credits\": 10, \"title_en\": \"Robots\","
    " \"title_sv\": \"Robotar\", \"assessment\": [\"project\"],"
    " \"summary_en\": \"Robots.\", \"outcomes_en\": [\"Use a robot.\"],"
    " \"supervision\": \"supervised\"}";

static json_t *
parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);

	if (j == NULL)
		fail_msg("test JSON: line %d: %s", je.line, je.text);
	return j;
}

static int
eq(struct codec_bytes b, const char *s)
{
	return b.len == strlen(s) && memcmp(b.p, s, b.len) == 0;
}

/* A new record of type with the fields of j, which must be accepted. */
static void
load(struct ctl_record *r, uint32_t type, const json_t *j)
{
	struct ctl_err err;

	assert_int_equal(ctl_record_init(r, type), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ctl_record_json(r, j, &err), 0);
}

/* A record encoded, and decoded as a node would: b borrows buf. */
struct decoded {
	uint8_t buf[EV_MAX_BYTES];
	struct body b;
};

/* Encode r and decode the bytes; free() the result. */
static struct decoded *
roundtrip(struct ctl_record *r)
{
	struct decoded *d = malloc(sizeof(*d));
	struct ctl_err err;
	size_t len;

	assert_non_null(d);
	memset(&err, 0, sizeof(err));
	if (ctl_record_encode(r, NULL, d->buf, EV_MAX_BYTES, &len, &err) != 0)
		fail_msg("encode: %s: %s (%s)", err.field,
		    i40_strerror(err.code), err.text);
	assert_int_equal(body_decode(r->body->type, d->buf, len, NULL, &d->b,
	    NULL), 0);
	return d;
}

static void
check_full(const struct body_module *m)
{
	assert_int_equal(m->eqf, 6);
	assert_true(eq(m->url, "https://www.ingenjor40.se/rob1"));
	assert_true(eq(m->code, "I40-ROB1"));
	assert_int_equal(m->nlang, 2);
	assert_true(eq(m->lang[0], "sv") && eq(m->lang[1], "en"));
	assert_true(eq(m->mode, "blended"));
	assert_true(eq(m->pace, "mixed"));
	assert_true(eq(m->path, "Automation engineer"));
	assert_true(eq(m->cycle, "first"));
	assert_int_equal(m->hours, 40);
	assert_true(eq(m->isced, "0714"));
	assert_true(eq(m->qa_ref, "Kursplan 2026/123"));
	assert_int_equal(m->nskills, 2);
	assert_true(eq(m->skills[0].label, "robot programming"));
	assert_true(eq(m->skills[0].esco, ESCO));
	assert_true(eq(m->skills[1].label, "PLC"));
	assert_null(m->skills[1].esco.p);
	assert_int_equal(m->credits, 15);
	assert_int_equal(m->nprereqs, 1);
	assert_true(eq(m->prereqs[0].code, "I40-BAS1"));
	assert_true(eq(m->prereqs[0].schac, "kth.se"));
	assert_true(eq(m->entry_en, "A degree in engineering."));
	assert_true(eq(m->entry_sv, "Ingenjörsexamen."));
	assert_int_equal(m->nsessions, 2);
	assert_true(eq(m->sessions[0].start, "2026-09-01"));
	assert_true(eq(m->sessions[0].end, "2026-10-15"));
	assert_true(eq(m->sessions[0].mode, "online"));
	assert_int_equal(m->sessions[0].seats, 30);
	assert_true(eq(m->sessions[1].mode, "onsite"));
	assert_int_equal(m->sessions[1].seats, 0);
	assert_int_equal(m->nteachers, 2);
	assert_true(eq(m->teachers[1], "Björn Öberg"));
	assert_true(eq(m->title_en, "Robot programming"));
	assert_true(eq(m->title_sv, "Robotprogrammering"));
	assert_int_equal(m->nassessment, 2);
	assert_true(eq(m->assessment[1], "oral_exam"));
	assert_true(eq(m->summary_en,
	    "Program an industrial robot.\nTwo days on site."));
	assert_true(eq(m->summary_sv, "Programmera en industrirobot."));
	assert_int_equal(m->noutcomes_en, 2);
	assert_true(eq(m->outcomes_en[1], "Test it safely."));
	assert_int_equal(m->noutcomes_sv, 1);
	assert_true(eq(m->supervision, "supervised_id"));
}

static void
test_file_every_field(void **state)
{
	struct ctl_record r;
	struct decoded *d;
	json_t *j = parse(full_module);

	(void)state;
	load(&r, BODY_MODULE_PUBLISH, j);
	d = roundtrip(&r);
	check_full(&d->b.u.module);
	ctl_record_free(&r);
	json_decref(j);
	free(d);
}

/* The same module from flags alone, as `module publish` sets them. */
static void
test_flags_every_field(void **state)
{
	static const char *const flags[][2] = {
		{ "eqf", "6" }, { "url", "https://www.ingenjor40.se/rob1" },
		{ "code", "I40-ROB1" }, { "lang", "sv" }, { "lang", "en" },
		{ "mode", "blended" }, { "pace", "mixed" },
		{ "path", "Automation engineer" }, { "cycle", "first" },
		{ "hours", "40" }, { "isced", "0714" },
		{ "qa_ref", "Kursplan 2026/123" },
		{ "skills", "robot programming=" ESCO }, { "skills", "PLC" },
		{ "credits", "15" }, { "prereqs", "I40-BAS1@kth.se" },
		{ "entry_en", "A degree in engineering." },
		{ "entry_sv", "Ingenjörsexamen." },
		{ "sessions", "2026-09-01,2026-10-15,online,30" },
		{ "sessions", "2027-01-10,2027-01-10,onsite" },
		{ "teachers", "Anna Lindqvist" }, { "teachers", "Björn Öberg" },
		{ "title_en", "Robot programming" },
		{ "title_sv", "Robotprogrammering" },
		{ "assessment", "project" }, { "assessment", "oral_exam" },
		{ "summary_en", "Program an industrial robot.\nTwo days on site." },
		{ "summary_sv", "Programmera en industrirobot." },
		{ "outcomes_en", "Write a robot program." },
		{ "outcomes_en", "Test it safely." },
		{ "outcomes_sv", "Skriva ett robotprogram." },
		{ "supervision", "supervised_id" },
	};
	struct ctl_record r;
	struct ctl_err err;
	struct decoded *d;
	size_t i;

	(void)state;
	assert_int_equal(ctl_record_init(&r, BODY_MODULE_UPDATE), 0);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (ctl_record_set(&r, flags[i][0], flags[i][1], &err) != 0)
			fail_msg("%s=%s: %s: %s", flags[i][0], flags[i][1],
			    err.field, err.text);
	}
	d = roundtrip(&r);
	check_full(&d->b.u.module);
	ctl_record_free(&r);
	free(d);
}

static void
test_flags_override_file(void **state)
{
	const struct body_module *m;
	struct ctl_record r;
	struct ctl_err err;
	struct decoded *d;
	json_t *j = parse(full_module);

	(void)state;
	load(&r, BODY_MODULE_PUBLISH, j);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ctl_record_set(&r, "title_sv", "Robotar", &err), 0);
	assert_int_equal(ctl_record_set_uint(&r, "credits", 20, &err), 0);
	/* The first flag for a list replaces it, the next ones append. */
	assert_int_equal(ctl_record_set(&r, "lang", "de", &err), 0);
	assert_int_equal(ctl_record_set(&r, "lang", "fr", &err), 0);
	assert_int_equal(ctl_record_set(&r, "sessions",
	    "2028-02-01,2028-02-02,onsite,5", &err), 0);
	d = roundtrip(&r);
	m = &d->b.u.module;
	assert_true(eq(m->title_sv, "Robotar"));
	assert_true(eq(m->title_en, "Robot programming"));
	assert_int_equal(m->credits, 20);
	assert_int_equal(m->nlang, 2);
	assert_true(eq(m->lang[0], "de") && eq(m->lang[1], "fr"));
	assert_int_equal(m->nsessions, 1);
	assert_int_equal(m->sessions[0].seats, 5);
	/* Lists no flag named keep the file's. */
	assert_int_equal(m->nteachers, 2);
	assert_int_equal(m->noutcomes_en, 2);
	assert_int_equal(m->nskills, 2);
	ctl_record_free(&r);
	json_decref(j);
	free(d);
}

/* An update starts from the current version: adopt it, change one field. */
static void
test_adopt(void **state)
{
	struct ctl_record r, base;
	struct ctl_err err;
	struct decoded *cur, *out;
	json_t *j = parse(full_module);

	(void)state;
	load(&base, BODY_MODULE_PUBLISH, j);
	cur = roundtrip(&base);
	assert_int_equal(ctl_record_init(&r, BODY_MODULE_UPDATE), 0);
	ctl_record_adopt(&r, &cur->b);
	assert_true(ctl_record_has(&r, "url"));
	assert_true(ctl_record_has(&r, "skills"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(ctl_record_set(&r, "hours", "44", &err), 0);
	out = roundtrip(&r);
	assert_int_equal(out->b.u.module.hours, 44);
	out->b.u.module.hours = 40;
	check_full(&out->b.u.module);
	ctl_record_free(&r);
	ctl_record_free(&base);
	json_decref(j);
	free(cur);
	free(out);
}

/* A change to the minimal module, the error and field it must give. */
struct bad {
	const char *patch;	/* JSON object merged into min_module */
	const char *drop;	/* a key removed from it, or NULL */
	int code;
	const char *field;
	int at_encode;		/* found by ctl_record_encode, not the parse */
};

static const struct bad bad_json[] = {
	{ "{\"titel_sv\": \"x\"}", NULL, I40_E_UNKNOWN_FIELD, "titel_sv", 0 },
	{ "{\"eqf\": 9}", NULL, I40_E_RANGE, "eqf", 0 },
	{ "{\"eqf\": 0}", NULL, I40_E_RANGE, "eqf", 0 },
	{ "{\"eqf\": \"6\"}", NULL, I40_E_TYPE, "eqf", 0 },
	{ "{\"credits\": 1.5}", NULL, I40_E_TYPE, "credits", 0 },
	{ "{\"credits\": -10}", NULL, I40_E_RANGE, "credits", 0 },
	{ "{\"credits\": 601}", NULL, I40_E_RANGE, "credits", 0 },
	{ "{\"hours\": true}", NULL, I40_E_TYPE, "hours", 0 },
	{ "{\"code\": \"i40-rob1\"}", NULL, I40_E_CODE, "code", 0 },
	{ "{\"code\": 7}", NULL, I40_E_TYPE, "code", 0 },
	{ "{\"lang\": []}", NULL, I40_E_EMPTY, "lang", 0 },
	{ "{\"lang\": \"sv\"}", NULL, I40_E_TYPE, "lang", 0 },
	{ "{\"lang\": [\"sv\", 1]}", NULL, I40_E_TYPE, "lang[1]", 0 },
	{ "{\"lang\": [\"sv\", \"SV\"]}", NULL, I40_E_VALUE, "lang[1]", 0 },
	{ "{\"lang\": [\"sv\", \"en\", \"de\", \"fr\", \"es\"]}", NULL,
	    I40_E_TOO_LONG, "lang", 0 },
	{ "{\"lang\": [\"sv\", \"sv\"]}", NULL, I40_E_VALUE, "lang", 1 },
	{ "{\"mode\": \"remote\"}", NULL, I40_E_VALUE, "mode", 0 },
	{ "{\"cycle\": \"\"}", NULL, I40_E_EMPTY, "cycle", 0 },
	{ "{\"url\": \"\"}", NULL, I40_E_EMPTY, "url", 0 },
	{ "{\"url\": \"ftp://example.se/x\"}", NULL, I40_E_VALUE, "url", 0 },
	{ "{\"title_sv\": \" Robotar\"}", NULL, I40_E_VALUE, "title_sv", 0 },
	{ "{\"title_sv\": \"Robo\\ntar\"}", NULL, I40_E_VALUE, "title_sv", 0 },
	{ "{\"title_sv\": \"Robo\\u001btar\"}", NULL, I40_E_VALUE, "title_sv",
	    0 },
	{ "{\"summary_sv\": null}", NULL, I40_E_NIL, "summary_sv", 0 },
	{ "{\"isced\": \"07a4\"}", NULL, I40_E_VALUE, "isced", 0 },
	{ "{\"teachers\": [\"Anna\", \"\"]}", NULL, I40_E_EMPTY, "teachers[1]",
	    0 },
	{ "{\"teachers\": []}", NULL, I40_E_EMPTY, "teachers", 0 },
	{ "{\"assessment\": [\"exam\"]}", NULL, I40_E_VALUE, "assessment[0]",
	    0 },
	{ "{\"assessment\": [\"lab\", \"lab\"]}", NULL, I40_E_VALUE,
	    "assessment", 1 },
	{ "{\"sessions\": [{\"start\": \"2026-09-01\", \"end\": \"2026-08-01\","
	    " \"mode\": \"online\", \"seats\": 0}]}", NULL, I40_E_DATE,
	    "sessions[0].end", 0 },
	{ "{\"sessions\": [{\"start\": \"2026-09-01\", \"end\": \"2026-10-01\","
	    " \"mode\": \"online\"}]}", NULL, I40_E_MISSING_FIELD,
	    "sessions[0].seats", 0 },
	{ "{\"sessions\": [{\"start\": \"2026-09-01\", \"end\": \"2026-10-01\","
	    " \"mode\": \"online\", \"seats\": 1}, {\"start\": \"2026-13-01\","
	    " \"end\": \"2026-12-01\", \"mode\": \"online\", \"seats\": 1}]}",
	    NULL, I40_E_DATE, "sessions[1].start", 0 },
	{ "{\"sessions\": [{\"start\": \"2026-09-01\", \"end\": \"2026-10-01\","
	    " \"mode\": \"online\", \"seats\": 100001}]}", NULL, I40_E_RANGE,
	    "sessions[0].seats", 0 },
	{ "{\"sessions\": [\"2026-09-01\"]}", NULL, I40_E_TYPE, "sessions[0]",
	    0 },
	{ "{\"skills\": [{\"label\": \"x\", \"esco\": \"http://example.se\"}]}",
	    NULL, I40_E_VALUE, "skills[0].esco", 0 },
	{ "{\"skills\": [{\"label\": \"x\", \"uri\": \"" ESCO "\"}]}", NULL,
	    I40_E_UNKNOWN_FIELD, "skills[0].uri", 0 },
	{ "{\"skills\": [{\"esco\": \"" ESCO "\"}]}", NULL,
	    I40_E_MISSING_FIELD, "skills[0].label", 0 },
	{ "{\"prereqs\": [{\"code\": \"I40-A\", \"schac\": \"HH.SE\"}]}", NULL,
	    I40_E_VALUE, "prereqs[0].schac", 0 },
	{ "{}", "title_en", I40_E_MISSING_FIELD, "title_en", 1 },
	{ "{}", "supervision", I40_E_MISSING_FIELD, "supervision", 1 },
	{ "{}", "summary_en", I40_E_MISSING_FIELD, "summary_en", 1 },
	{ "{}", "outcomes_en", I40_E_MISSING_FIELD, "outcomes_en", 1 },
};

/* The encoding of r, to show that a failed call changed nothing. */
static size_t
encoding(struct ctl_record *r, uint8_t *buf)
{
	struct ctl_err err;
	size_t len;

	memset(&err, 0, sizeof(err));
	assert_int_equal(ctl_record_encode(r, NULL, buf, EV_MAX_BYTES, &len,
	    &err), 0);
	return len;
}

static void
test_bad_json(void **state)
{
	uint8_t *before = malloc(EV_MAX_BYTES), *after = malloc(EV_MAX_BYTES);
	struct ctl_record r;
	struct ctl_err err;
	json_t *base, *patch, *doc;
	size_t i, blen, alen;
	int rc;

	(void)state;
	assert_true(before != NULL && after != NULL);
	base = parse(min_module);
	for (i = 0; i < sizeof(bad_json) / sizeof(bad_json[0]); i++) {
		const struct bad *t = &bad_json[i];

		doc = json_deep_copy(base);
		patch = parse(t->patch);
		assert_int_equal(json_object_update(doc, patch), 0);
		if (t->drop != NULL)
			assert_int_equal(json_object_del(doc, t->drop), 0);
		/* A valid module first: the bad file must not touch it. */
		load(&r, BODY_MODULE_PUBLISH, base);
		blen = encoding(&r, before);
		memset(&err, 0, sizeof(err));
		rc = ctl_record_json(&r, doc, &err);
		if (!t->at_encode) {
			if (rc != t->code || strcmp(err.field, t->field) != 0)
				fail_msg("%s: got %s at \"%s\" (%s), want %s "
				    "at \"%s\"", t->patch, i40_errname(rc),
				    err.field, err.text, i40_errname(t->code),
				    t->field);
			assert_true(strlen(err.text) > 0);
			alen = encoding(&r, after);
			assert_int_equal(alen, blen);
			assert_memory_equal(after, before, blen);
		} else {
			/* Parsed into a fresh record, refused at encoding. */
			ctl_record_free(&r);
			load(&r, BODY_MODULE_PUBLISH, doc);
			rc = ctl_record_encode(&r, NULL, after, EV_MAX_BYTES,
			    &alen, &err);
			if (rc != t->code || strcmp(err.field, t->field) != 0)
				fail_msg("%s -%s: got %s at \"%s\", want %s at "
				    "\"%s\"", t->patch, t->drop ? t->drop : "",
				    i40_errname(rc), err.field,
				    i40_errname(t->code), t->field);
		}
		ctl_record_free(&r);
		json_decref(patch);
		json_decref(doc);
	}
	json_decref(base);
	free(before);
	free(after);
}

struct bad_flag {
	const char *key, *value;
	int code;
	const char *field;
};

static const struct bad_flag bad_flags[] = {
	{ "eqf", "x", I40_E_VALUE, "eqf" },
	{ "eqf", "0", I40_E_RANGE, "eqf" },
	{ "eqf", "6 ", I40_E_VALUE, "eqf" },
	{ "hours", "-1", I40_E_VALUE, "hours" },
	{ "hours", "99999999999999999999999", I40_E_RANGE, "hours" },
	{ "credits", "", I40_E_VALUE, "credits" },
	{ "lang", "SV", I40_E_VALUE, "lang" },
	{ "mode", "remote", I40_E_VALUE, "mode" },
	{ "title_sv", "", I40_E_EMPTY, "title_sv" },
	{ "title_sv", "two\nlines", I40_E_VALUE, "title_sv" },
	{ "code", "i40", I40_E_CODE, "code" },
	{ "sessions", "2026-01-01,2026-02-01", I40_E_VALUE, "sessions" },
	{ "sessions", "2026-01-01,2026-02-01,online,5,6", I40_E_VALUE,
	    "sessions" },
	{ "sessions", "2026-02-01,2026-01-01,online", I40_E_DATE,
	    "sessions.end" },
	{ "sessions", "2026-01-01,2026-02-01,online,x", I40_E_VALUE,
	    "sessions.seats" },
	{ "sessions", "2026-01-01,2026-02-30,online", I40_E_DATE,
	    "sessions.end" },
	{ "prereqs", "I40-A", I40_E_VALUE, "prereqs" },
	{ "prereqs", "I40-A@hh", I40_E_VALUE, "prereqs.schac" },
	{ "prereqs", "i40@hh.se", I40_E_CODE, "prereqs.code" },
	{ "skills", "x=http://example.se", I40_E_VALUE, "skills.esco" },
	{ "skills", "", I40_E_EMPTY, "skills.label" },
	{ "titel_sv", "x", I40_E_UNKNOWN_FIELD, "titel_sv" },
};

static void
test_bad_flags(void **state)
{
	uint8_t *before = malloc(EV_MAX_BYTES), *after = malloc(EV_MAX_BYTES);
	struct ctl_record r;
	struct ctl_err err;
	json_t *base = parse(min_module);
	size_t i, blen;
	int rc;

	(void)state;
	assert_true(before != NULL && after != NULL);
	for (i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		const struct bad_flag *t = &bad_flags[i];

		load(&r, BODY_MODULE_PUBLISH, base);
		blen = encoding(&r, before);
		memset(&err, 0, sizeof(err));
		rc = ctl_record_set(&r, t->key, t->value, &err);
		if (rc != t->code || strcmp(err.field, t->field) != 0)
			fail_msg("--%s `%s': got %s at \"%s\", want %s at "
			    "\"%s\"", t->key, t->value, i40_errname(rc),
			    err.field, i40_errname(t->code), t->field);
		/* The file's list is still there after a bad first flag. */
		assert_int_equal(encoding(&r, after), blen);
		assert_memory_equal(after, before, blen);
		ctl_record_free(&r);
	}
	/* A list is full at its bound. */
	assert_int_equal(ctl_record_init(&r, BODY_MODULE_PUBLISH), 0);
	assert_int_equal(ctl_record_set(&r, "lang", "sv", &err), 0);
	assert_int_equal(ctl_record_set(&r, "lang", "en", &err), 0);
	assert_int_equal(ctl_record_set(&r, "lang", "de", &err), 0);
	assert_int_equal(ctl_record_set(&r, "lang", "fr", &err), 0);
	assert_int_equal(ctl_record_set(&r, "lang", "es", &err),
	    I40_E_TOO_LONG);
	assert_string_equal(err.field, "lang");
	assert_int_equal(ctl_record_set_uint(&r, "credits", 0, &err),
	    I40_E_RANGE);
	assert_int_equal(ctl_record_set_uint(&r, "code", 1, &err),
	    I40_E_UNKNOWN_FIELD);
	ctl_record_free(&r);
	json_decref(base);
	free(before);
	free(after);
}

static void
test_completion(void **state)
{
	struct ctl_record r;
	struct ctl_err err;
	struct decoded *d;
	size_t len;
	static const char *const flags[][2] = {
		{ "learner", "00112233445566778899AABBCCDDEEFF" },
		{ "module", "abababababababababababababababab"
		    "abababababababababababababababab" },
		{ "grade", "VG" }, { "scale", "UVG" }, { "examiner", "Eva Ek" },
		{ "exam_date", "2026-05-04" }, { "decision_date", "2026-05-20" },
	};
	size_t i;

	(void)state;
	assert_int_equal(ctl_record_init(&r, BODY_COMPLETION_RECORD), 0);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		assert_int_equal(ctl_record_set(&r, flags[i][0], flags[i][1],
		    &err), 0);
	d = roundtrip(&r);
	assert_int_equal(d->b.u.completion.learner[15], 0xff);
	assert_int_equal(d->b.u.completion.module[0], 0xab);
	assert_true(eq(d->b.u.completion.grade, "VG"));
	assert_null(d->b.u.completion.supervision.p);
	/* A grade the scale does not have names the scale's grades. */
	assert_int_equal(ctl_record_set(&r, "scale", "UG", &err), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ctl_record_encode(&r, NULL, d->buf, EV_MAX_BYTES, &len,
	    &err), I40_E_VALUE);
	assert_string_equal(err.field, "grade");
	assert_non_null(strstr(err.text, "U G"));
	/* Dates out of order. */
	assert_int_equal(ctl_record_set(&r, "grade", "G", &err), 0);
	assert_int_equal(ctl_record_set(&r, "decision_date", "2026-05-01",
	    &err), 0);
	assert_int_equal(ctl_record_encode(&r, NULL, d->buf, EV_MAX_BYTES, &len,
	    &err), I40_E_DATE);
	assert_string_equal(err.field, "decision_date");
	/* Binary fields: exact hex lengths. */
	assert_int_equal(ctl_record_set(&r, "learner", "0011", &err),
	    I40_E_VALUE);
	assert_string_equal(err.field, "learner");
	assert_int_equal(ctl_record_set(&r, "module", "zz", &err),
	    I40_E_VALUE);
	ctl_record_free(&r);
	/* A revocation: its completion is set by --id. */
	assert_int_equal(ctl_record_init(&r, BODY_COMPLETION_REVOKE), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ctl_record_encode(&r, NULL, d->buf, EV_MAX_BYTES, &len,
	    &err), I40_E_MISSING_FIELD);
	assert_string_equal(err.field, "reason");
	assert_non_null(strstr(err.text, "completion (--id)"));
	ctl_record_free(&r);
	free(d);
}

static void
test_flag_names(void **state)
{
	(void)state;
	assert_string_equal(ctl_record_flag(BODY_MODULE_PUBLISH, "title_sv"),
	    "--title-sv");
	assert_string_equal(ctl_record_flag(BODY_MODULE_PUBLISH,
	    "outcomes_en"), "--outcome-en");
	assert_string_equal(ctl_record_flag(BODY_MODULE_UPDATE,
	    "sessions[1].end"), "--session");
	assert_string_equal(ctl_record_flag(BODY_MODULE_PUBLISH, "teachers[0]"),
	    "--teacher");
	assert_string_equal(ctl_record_flag(BODY_COMPLETION_RECORD,
	    "exam_date"), "--exam-date");
	assert_string_equal(ctl_record_flag(BODY_COMPLETION_REVOKE,
	    "completion"), "--id");
	assert_null(ctl_record_flag(BODY_GENESIS, "members[0].key"));
}

static void
test_json_load(void **state)
{
	char path[] = "/tmp/i40-test-ctl-json-XXXXXX";
	struct ctl_err err;
	json_t *doc;
	FILE *f;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("{\n  \"eqf\": 6,\n  \"eqf\": 7\n}\n", f);
	fclose(f);
	memset(&err, 0, sizeof(err));
	assert_int_equal(ctl_json_load(path, &doc, &err), I40_E_VALUE);
	assert_null(doc);
	assert_non_null(strstr(err.text, "line 3"));
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"eqf\": 6,}", f);
	fclose(f);
	assert_int_equal(ctl_json_load(path, &doc, &err), I40_E_VALUE);
	assert_non_null(f = fopen(path, "w"));
	fputs("[1, 2]", f);
	fclose(f);
	assert_int_equal(ctl_json_load(path, &doc, &err), I40_E_TYPE);
	assert_non_null(f = fopen(path, "w"));
	fputs(min_module, f);
	fclose(f);
	assert_int_equal(ctl_json_load(path, &doc, &err), 0);
	assert_true(json_is_object(doc));
	json_decref(doc);
	unlink(path);
	assert_int_equal(ctl_json_load(path, &doc, &err), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_every_field),
		cmocka_unit_test(test_flags_every_field),
		cmocka_unit_test(test_flags_override_file),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_completion),
		cmocka_unit_test(test_flag_names),
		cmocka_unit_test(test_json_load),
	};

	if (key_init() != 0)
		return 1;
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
