/*
 * test_body.c: event bodies.  Every schema table is in canonical key order,
 * every body type round-trips, and each validation rule rejects with its
 * own code and names the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/body.h"
#include "protocol/msg.h"
#include "protocol/schema.h"
#include "tests/lib/sample.h"

static struct sample_fed fed;
static struct body b;
static char arena[SAMPLE_ARENA];
static uint8_t buf[EV_MAX_BYTES];

static int
setup(void **state)
{
	(void)state;
	return sample_fed_init(&fed, 3) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	sample_fed_free(&fed);
	return 0;
}

static struct codec_bytes
lit(const char *s)
{
	struct codec_bytes x = { (const uint8_t *)s, strlen(s) };

	return x;
}

static void
check_order(const struct schema *s)
{
	size_t i;

	if (s->positional)
		return;
	for (i = 0; i + 1 < s->nfields; i++)
		if (codec_key_cmp(s->fields[i].name, s->fields[i + 1].name) >= 0)
			fail_msg("schema %s: \"%s\" must come after \"%s\"",
			    s->name, s->fields[i].name, s->fields[i + 1].name);
	for (i = 0; i < s->nfields; i++) {
		if (s->fields[i].kind == SCHEMA_STRUCT)
			check_order(s->fields[i].sub);
		/* Optional fields are strings, bins or lists (schema.h). */
		if (s->fields[i].required == SCHEMA_OPTIONAL &&
		    s->fields[i].max_items == 0)
			assert_true(s->fields[i].kind != SCHEMA_UINT &&
			    s->fields[i].kind != SCHEMA_INT &&
			    s->fields[i].kind != SCHEMA_BOOL &&
			    s->fields[i].kind != SCHEMA_FIXBIN &&
			    s->fields[i].kind != SCHEMA_STRUCT);
	}
}

static void
test_schema_tables_in_canonical_order(void **state)
{
	uint32_t t;

	(void)state;
	for (t = 0; t < 64; t++) {
		if (body_schema(t) != NULL)
			check_order(body_schema(t));
		if (msg_schema(t) != NULL)
			check_order(msg_schema(t));
	}
	assert_null(body_schema(0));
	assert_null(body_type_name(7));
	assert_int_equal(body_type_from_name("module_publish"),
	    BODY_MODULE_PUBLISH);
	assert_int_equal(body_type_from_name("nonsense"), 0);
}

static struct body_ctx
ctx_of(size_t author)
{
	struct body_ctx c = { fed.fed_id, fed.pk[author] };

	return c;
}

static void
test_roundtrip_every_type(void **state)
{
	struct sample_rng r;
	struct body_ctx c = ctx_of(0);
	struct body *d = malloc(sizeof(*d));
	uint8_t again[EV_MAX_BYTES];
	size_t i, k, len, len2;

	(void)state;
	assert_non_null(d);
	sample_seed(&r, 11);
	for (k = 0; k < 50; k++) {
		for (i = 0; i < sample_ntypes; i++) {
			assert_int_equal(sample_body(&fed, 0, sample_types[i],
			    &r, &b, arena), 0);
			assert_int_equal(body_encode(&b, &c, buf, sizeof(buf),
			    &len, NULL), 0);
			assert_int_equal(body_decode(sample_types[i], buf, len,
			    &c, d, NULL), 0);
			assert_int_equal(body_encode(d, &c, again,
			    sizeof(again), &len2, NULL), 0);
			assert_int_equal(len, len2);
			assert_memory_equal(buf, again, len);
		}
	}
	free(d);
}

/* Encode b (already mutated) and expect rc with the field named. */
static void
expect(int rc, const char *field, const char *what)
{
	struct body_ctx c = ctx_of(0);
	struct codec_err err;
	size_t len;
	int got;

	memset(&err, 0, sizeof(err));
	got = body_encode(&b, &c, buf, sizeof(buf), &len, &err);
	if (got != rc)
		fail_msg("%s: got %s, want %s", what,
		    got ? i40_errname(got) : "ok", rc ? i40_errname(rc) : "ok");
	if (rc != 0 && field != NULL && strcmp(err.field, field) != 0)
		fail_msg("%s: field \"%s\", want \"%s\"", what, err.field,
		    field);
}

static void
fresh(uint32_t type)
{
	struct sample_rng r;

	sample_seed(&r, 5);
	assert_int_equal(sample_body(&fed, 0, type, &r, &b, arena), 0);
	expect(0, NULL, "fresh sample");
}

static void
test_module_rules(void **state)
{
	static char long_title[202];
	struct body_module *m = &b.u.module;

	(void)state;
	memset(long_title, 'x', 201);

	fresh(BODY_MODULE_PUBLISH);
	m->summary_en.p = NULL;
	m->summary_sv.p = NULL;
	expect(I40_E_MISSING_FIELD, "body.summary_en", "no summary at all");
	fresh(BODY_MODULE_PUBLISH);
	m->summary_en.p = NULL;
	m->summary_sv = lit("Endast på svenska.");
	expect(0, NULL, "Swedish summary only");
	fresh(BODY_MODULE_PUBLISH);
	m->noutcomes_en = m->noutcomes_sv = 0;
	expect(I40_E_MISSING_FIELD, "body.outcomes_en", "no outcomes");
	fresh(BODY_MODULE_PUBLISH);
	m->nsessions = 1;
	m->sessions[0].start = lit("2026-03-10");
	m->sessions[0].end = lit("2026-03-09");
	m->sessions[0].mode = lit("online");
	expect(I40_E_DATE, "sessions.end", "session ends before it starts");
	m->sessions[0].end = lit("2026-02-30");
	expect(I40_E_DATE, "sessions.end", "no such date");
	m->sessions[0].end = lit("2026-3-10");
	expect(I40_E_DATE, "sessions.end", "short date");
	m->sessions[0].start = lit("2024-02-29");
	m->sessions[0].end = lit("2024-03-01");
	expect(0, NULL, "leap day");
	m->sessions[0].start = lit("2025-02-29");
	expect(I40_E_DATE, "sessions.start", "no leap day in 2025");
	m->sessions[0].start = lit("2100-02-29");
	expect(I40_E_DATE, "sessions.start", "no leap day in 2100");

	fresh(BODY_MODULE_PUBLISH);
	m->lang[0] = lit("sv");
	m->lang[1] = lit("sv");
	m->nlang = 2;
	expect(I40_E_VALUE, "body.lang", "a language twice");
	m->nlang = 1;
	m->lang[0] = lit("SV");
	expect(I40_E_VALUE, "body.lang", "upper-case language");
	m->nlang = 0;
	expect(I40_E_EMPTY, "body.lang", "no language");

	fresh(BODY_MODULE_PUBLISH);
	m->assessment[0] = lit("project");
	m->assessment[1] = lit("project");
	m->nassessment = 2;
	expect(I40_E_VALUE, "body.assessment", "an assessment twice");
	m->nassessment = 1;
	m->assessment[0] = lit("vibes");
	expect(I40_E_VALUE, "body.assessment", "unknown assessment");

	fresh(BODY_MODULE_PUBLISH);
	m->code = lit("rob1");
	expect(I40_E_CODE, "body.code", "lower-case code");
	m->code = lit("-ROB");
	expect(I40_E_CODE, "body.code", "code starts with '-'");
	m->code = lit("ROB 1");
	expect(I40_E_CODE, "body.code", "space in code");
	m->code = lit("R");
	expect(I40_E_VALUE, "body.code", "code too short");
	m->code = lit("HH.ROB-1_A");
	expect(0, NULL, "code with . - _");

	fresh(BODY_MODULE_PUBLISH);
	m->credits = 0;
	expect(I40_E_RANGE, "body.credits", "zero credits");
	m->credits = 601;
	expect(I40_E_RANGE, "body.credits", "too many credits");
	m->credits = 15;
	m->eqf = 9;
	expect(I40_E_RANGE, "body.eqf", "EQF 9");
	m->eqf = 7;
	m->hours = 0;
	expect(I40_E_RANGE, "body.hours", "zero hours");

	fresh(BODY_MODULE_PUBLISH);
	m->title_en = lit("");
	expect(I40_E_EMPTY, "body.title_en", "empty title");
	m->title_en = lit(long_title);
	expect(I40_E_TOO_LONG, "body.title_en", "title of 201 bytes");
	m->title_en = lit(" Robots");
	expect(I40_E_VALUE, "body.title_en", "leading space");
	m->title_en = lit("Robots\nand more");
	expect(I40_E_VALUE, "body.title_en", "newline in a line");
	m->title_en = lit("Robots\x1b[31m");
	expect(I40_E_VALUE, "body.title_en", "terminal escape");
	m->title_en = lit("Robots");
	m->summary_en = lit("Two lines.\nSecond line.");
	expect(0, NULL, "newline in text");
	m->summary_en = lit("Trailing newline\n");
	expect(I40_E_VALUE, "body.summary_en", "trailing newline");

	fresh(BODY_MODULE_PUBLISH);
	m->mode = lit("hybrid");
	expect(I40_E_VALUE, "body.mode", "unknown mode");
	fresh(BODY_MODULE_PUBLISH);
	m->url = lit("ftp://example.se/x");
	expect(I40_E_VALUE, "body.url", "ftp url");
	m->url = lit("https://example.se/a b");
	expect(I40_E_VALUE, "body.url", "space in url");
	fresh(BODY_MODULE_PUBLISH);
	m->nskills = 1;
	m->skills[0].label = lit("welding");
	m->skills[0].esco = lit("http://example.com/skill/1");
	expect(I40_E_VALUE, "skills.esco", "non-ESCO uri");
	fresh(BODY_MODULE_PUBLISH);
	m->isced = lit("07a4");
	expect(I40_E_VALUE, "body.isced", "letter in ISCED");
	fresh(BODY_MODULE_PUBLISH);
	m->nteachers = BODY_MAX_TEACHERS + 1;
	expect(I40_E_TOO_LONG, NULL, "too many teachers");
}

static void
test_completion_rules(void **state)
{
	struct body_completion *c = &b.u.completion;

	(void)state;
	fresh(BODY_COMPLETION_RECORD);
	c->scale = lit("UG");
	c->grade = lit("VG");
	expect(I40_E_VALUE, "body.grade", "VG is not in U/G");
	c->scale = lit("UVG");
	expect(0, NULL, "VG in U/G/VG");
	c->scale = lit("ECTS");
	expect(I40_E_VALUE, "body.scale", "unknown scale");
	fresh(BODY_COMPLETION_RECORD);
	c->exam_date = lit("2026-06-02");
	c->decision_date = lit("2026-06-01");
	expect(I40_E_DATE, "body.decision_date", "decided before exam");
	c->decision_date = lit("2026-06-02");
	expect(0, NULL, "decided on the exam day");
	c->supervision = lit("");
	expect(I40_E_EMPTY, "body.supervision", "present but empty");
	c->supervision = lit("supervised");
	expect(0, NULL, "supervision override");
	c->examiner = lit("");
	expect(I40_E_EMPTY, "body.examiner", "no examiner");
}

static void
test_grading_scales(void **state)
{
	static const struct {
		const char *scale, *grade;
		int valid, pass;
	} g[] = {
		{ "UG", "U", 1, 0 }, { "UG", "G", 1, 1 }, { "UG", "VG", 0, 0 },
		{ "UVG", "VG", 1, 1 }, { "U345", "3", 1, 1 },
		{ "U345", "U", 1, 0 }, { "U345", "6", 0, 0 },
		{ "AF", "A", 1, 1 }, { "AF", "E", 1, 1 }, { "AF", "FX", 1, 0 },
		{ "AF", "F", 1, 0 }, { "AF", "G", 0, 0 }, { "PF", "P", 1, 1 },
		{ "PF", "F", 1, 0 }, { "XX", "P", 0, 0 },
	};
	size_t i;
	int pass;

	(void)state;
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		pass = -1;
		assert_int_equal(body_grade_valid(lit(g[i].scale),
		    lit(g[i].grade), &pass), g[i].valid);
		if (g[i].valid)
			assert_int_equal(pass, g[i].pass);
	}
}

static void
test_member_rules(void **state)
{
	struct body_member *m = &b.u.member;

	(void)state;
	fresh(BODY_MEMBER_PROPOSE);
	memset(m->key, 0, 32);
	expect(I40_E_BAD_KEY, "body.key", "all-zero key");
	m->key[0] = 1;
	expect(I40_E_BAD_KEY, "body.key", "identity point");
	/* The transport key: certified by the key, and usable by CURVE. */
	fresh(BODY_MEMBER_PROPOSE);
	m->transport_sig[5] ^= 1;
	expect(I40_E_CARD, "body.transport_sig", "a certificate altered");
	fresh(BODY_MEMBER_PROPOSE);
	m->transport[0] ^= 1;
	expect(I40_E_CARD, "body.transport_sig", "another transport key");
	fresh(BODY_MEMBER_PROPOSE);
	memset(m->transport, 0, 32);
	expect(I40_E_BAD_KEY, "body.transport", "the all-zero point");
	m->transport[0] = 1;
	expect(I40_E_BAD_KEY, "body.transport", "a small-order point");
	fresh(BODY_MEMBER_PROPOSE);
	m->endpoint = lit("tcp://host");
	expect(I40_E_VALUE, "body.endpoint", "no port");
	m->endpoint = lit("tcp://host:0");
	expect(I40_E_VALUE, "body.endpoint", "port 0");
	m->endpoint = lit("tcp://host:65536");
	expect(I40_E_VALUE, "body.endpoint", "port 65536");
	m->endpoint = lit("udp://host:7400");
	expect(I40_E_VALUE, "body.endpoint", "not tcp");
	m->endpoint = lit("tcp://[::1]:7400");
	expect(0, NULL, "IPv6 endpoint");
	m->schac = lit("HH.SE");
	expect(I40_E_VALUE, "body.schac", "upper-case SCHAC");
	m->schac = lit("hhse");
	expect(I40_E_VALUE, "body.schac", "SCHAC without a dot");
	m->schac = lit("hh..se");
	expect(I40_E_VALUE, "body.schac", "empty label");
	m->schac = lit("hh.se");
	m->country = lit("se");
	expect(I40_E_VALUE, "body.country", "lower-case country");
	m->country = lit("SE");
	m->role = lit("admin");
	expect(I40_E_VALUE, "body.role", "unknown role");
	m->role = lit("observer");
	m->org_no = lit("202100-");
	expect(I40_E_VALUE, "body.org_no", "org. number ends in '-'");
}

static void
test_charter_rules(void **state)
{
	(void)state;
	fresh(BODY_GENESIS);
	memcpy(b.u.charter.members[1].key, b.u.charter.members[0].key, 32);
	expect(I40_E_VALUE, "members.key", "the same key twice");
	/* Member 1 claims member 0's transport key (with a card of its own
	 * that certifies it: a certificate proves no possession). */
	fresh(BODY_GENESIS);
	memcpy(b.u.charter.members[1].transport,
	    b.u.charter.members[0].transport, 32);
	expect(I40_E_VALUE, "members.transport",
	    "another member's transport key");
	fresh(BODY_GENESIS);
	b.u.charter.admit_pct = 49;
	expect(I40_E_RANGE, "body.admit_pct", "admission below half");
	fresh(BODY_GENESIS);
	b.u.charter.nmembers = 0;
	expect(I40_E_EMPTY, "body.members", "no members");
	fresh(BODY_GENESIS);
	memset(b.u.charter.members[2].key, 0, 32);
	expect(I40_E_BAD_KEY, "members.key", "a member key that can't CURVE");
}

static void
test_rotate_rules(void **state)
{
	struct body_ctx c = ctx_of(0), other = ctx_of(1);
	size_t len;

	(void)state;
	fresh(BODY_KEY_ROTATE);
	assert_int_equal(body_encode(&b, &c, buf, sizeof(buf), &len, NULL), 0);
	/* The proof binds the author: it is no proof for anybody else. */
	assert_int_equal(body_encode(&b, &other, buf, sizeof(buf), &len,
	    NULL), I40_E_PROOF);
	assert_int_equal(body_encode(&b, NULL, buf, sizeof(buf), &len, NULL),
	    I40_E_PROOF);
	b.u.rotate.proof[5] ^= 1;
	expect(I40_E_PROOF, "body.proof", "tampered proof");
	fresh(BODY_KEY_ROTATE);
	memset(b.u.rotate.next, 0, 32);
	expect(I40_E_BAD_KEY, "body.next", "next key of small order");
	/* The transport key is next's, certified by next. */
	fresh(BODY_KEY_ROTATE);
	b.u.rotate.transport_sig[3] ^= 1;
	expect(I40_E_CARD, "body.transport_sig", "rotation card not certified");
	fresh(BODY_KEY_ROTATE);
	b.u.rotate.transport[2] ^= 1;
	expect(I40_E_CARD, "body.transport_sig", "transport not next's");
	fresh(BODY_KEY_ROTATE);
	memset(b.u.rotate.transport, 0, 32);
	b.u.rotate.transport[0] = 1;
	expect(I40_E_BAD_KEY, "body.transport", "transport of small order");
}

static void
test_raw_body_errors(void **state)
{
	struct codec_writer w;
	struct codec_err err;
	size_t len;

	(void)state;
	/* A present optional string must not be empty. */
	codec_writer_init(&w, buf, sizeof(buf));
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "code");
	codec_put_cstr(&w, "AB");
	codec_put_cstr(&w, "reason");
	codec_put_cstr(&w, "");
	assert_int_equal(codec_writer_finish(&w, &len), 0);
	assert_int_equal(body_decode(BODY_MODULE_RETIRE, buf, len, NULL, &b,
	    &err), I40_E_EMPTY);
	/* Unknown field, missing field, wrong type. */
	codec_writer_init(&w, buf, sizeof(buf));
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "code");
	codec_put_cstr(&w, "AB");
	codec_put_cstr(&w, "zzz");
	codec_put_uint(&w, 1);
	assert_int_equal(codec_writer_finish(&w, &len), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(body_decode(BODY_MODULE_RETIRE, buf, len, NULL, &b,
	    &err), I40_E_UNKNOWN_FIELD);
	assert_int_equal(err.offset, 9);
	codec_writer_init(&w, buf, sizeof(buf));
	codec_put_map(&w, 1);
	codec_put_cstr(&w, "reason");
	codec_put_cstr(&w, "x");
	assert_int_equal(codec_writer_finish(&w, &len), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(body_decode(BODY_MODULE_RETIRE, buf, len, NULL, &b,
	    &err), I40_E_MISSING_FIELD);
	assert_string_equal(err.field, "body.code");
	codec_writer_init(&w, buf, sizeof(buf));
	codec_put_map(&w, 1);
	codec_put_cstr(&w, "code");
	codec_put_uint(&w, 7);
	assert_int_equal(codec_writer_finish(&w, &len), 0);
	assert_int_equal(body_decode(BODY_MODULE_RETIRE, buf, len, NULL, &b,
	    NULL), I40_E_TYPE);
	codec_writer_init(&w, buf, sizeof(buf));
	codec_put_array(&w, 0);
	assert_int_equal(codec_writer_finish(&w, &len), 0);
	assert_int_equal(body_decode(BODY_MODULE_RETIRE, buf, len, NULL, &b,
	    NULL), I40_E_TYPE);
	assert_int_equal(body_decode(77, buf, len, NULL, &b, &err),
	    I40_E_EVENT_TYPE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_tables_in_canonical_order),
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_module_rules),
		cmocka_unit_test(test_completion_rules),
		cmocka_unit_test(test_grading_scales),
		cmocka_unit_test(test_member_rules),
		cmocka_unit_test(test_charter_rules),
		cmocka_unit_test(test_rotate_rules),
		cmocka_unit_test(test_raw_body_errors),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
