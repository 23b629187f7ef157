/*
 * body.c: schemas and cross-field rules of the event bodies (see body.h).
 *
 * Field tables are in canonical key order (shorter keys first, then
 * bytewise: the order of their msgpack encodings); test_body checks it.
 */
#include "body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "schema.h"

#define ONE(n, k, req, lo, hi, T, m) SCHEMA_ONE(n, k, req, lo, hi, T, m)
#define LIST(n, k, req, cnt, lo, hi, T, m, c) \
	SCHEMA_LIST(n, k, req, cnt, lo, hi, T, m, c)
#define SUB(n, req, sch, T, m) \
	{ n, SCHEMA_STRUCT, req, 0, 0, 0, offsetof(T, m), 0, &sch, NULL }
#define SUBLIST(n, req, cnt, sch, T, m, c) \
	{ n, SCHEMA_STRUCT, req, cnt, 0, 0, offsetof(T, m), offsetof(T, c), \
	  &sch, NULL }
#define ENUM(n, req, e, T, m) \
	{ n, SCHEMA_ENUM, req, 0, 1, 32, offsetof(T, m), 0, NULL, e }
#define ENUMLIST(n, req, cnt, e, T, m, c) \
	{ n, SCHEMA_ENUM, req, cnt, 1, 32, offsetof(T, m), offsetof(T, c), \
	  NULL, e }
#define SCHEMA(var, nm, T, tab) \
	static const struct schema var = { nm, 0, tab, \
	    sizeof(tab) / sizeof(tab[0]), sizeof(T) }

static const char *const roles[] = { "member", "observer", NULL };
static const char *const modes[] = { "online", "onsite", "blended", NULL };
static const char *const paces[] =
    { "synchronous", "asynchronous", "mixed", NULL };
static const char *const cycles[] = { "first", "second", "third", NULL };
static const char *const assessments[] = { "written_exam", "oral_exam",
    "assignment", "project", "lab", "portfolio", "quiz", "presentation",
    NULL };
static const char *const supervisions[] =
    { "unsupervised", "supervised", "supervised_id", NULL };
static const char *const scales[] = { "UG", "UVG", "U345", "AF", "PF", NULL };

#define M struct body_member
static const struct schema_field member_f[] = {
	ONE("key", SCHEMA_FIXBIN, 1, 32, 32, M, key),
	ENUM("role", 1, roles, M, role),
	ONE("schac", SCHEMA_SCHAC, 1, 3, 64, M, schac),
	ONE("org_no", SCHEMA_DIGITS, 0, 1, 32, M, org_no),
	ONE("country", SCHEMA_COUNTRY, 1, 2, 2, M, country),
	ONE("name_en", SCHEMA_LINE, 1, 1, 200, M, name_en),
	ONE("name_sv", SCHEMA_LINE, 1, 1, 200, M, name_sv),
	ONE("endpoint", SCHEMA_ENDPOINT, 1, 8, 256, M, endpoint),
	ONE("transport", SCHEMA_FIXBIN, 1, 32, 32, M, transport),
	ONE("transport_sig", SCHEMA_FIXBIN, 1, 64, 64, M, transport_sig),
};
#undef M
SCHEMA(member_s, "body", struct body_member, member_f);

#define C struct body_charter
static const struct schema_field charter_f[] = {
	ONE("qa", SCHEMA_LINE, 1, 1, 500, C, qa),
	ONE("name", SCHEMA_LINE, 1, 1, 128, C, name),
	ONE("created", SCHEMA_DATE, 1, 10, 10, C, created),
	SUBLIST("members", 1, BODY_MAX_MEMBERS, member_s, C, members,
	    nmembers),
	ONE("admit_pct", SCHEMA_UINT, 1, 50, 100, C, admit_pct),
};
#undef C
SCHEMA(charter_s, "body", struct body_charter, charter_f);

static const struct schema_field endorse_f[] = {
	ONE("proposal", SCHEMA_FIXBIN, 1, 32, 32, struct body_endorse,
	    proposal),
};
SCHEMA(endorse_s, "body", struct body_endorse, endorse_f);

static const struct schema_field remove_f[] = {
	ONE("key", SCHEMA_FIXBIN, 1, 32, 32, struct body_remove, key),
	ONE("upto", SCHEMA_UINT, 1, 0, UINT64_MAX, struct body_remove, upto),
	ONE("reason", SCHEMA_LINE, 1, 1, 500, struct body_remove, reason),
};
SCHEMA(remove_s, "body", struct body_remove, remove_f);

static const struct schema_field rotate_f[] = {
	ONE("next", SCHEMA_FIXBIN, 1, 32, 32, struct body_rotate, next),
	ONE("proof", SCHEMA_FIXBIN, 1, 64, 64, struct body_rotate, proof),
	ONE("transport", SCHEMA_FIXBIN, 1, 32, 32, struct body_rotate,
	    transport),
	ONE("transport_sig", SCHEMA_FIXBIN, 1, 64, 64, struct body_rotate,
	    transport_sig),
};
SCHEMA(rotate_s, "body", struct body_rotate, rotate_f);

#define HD struct body_head
static const struct schema_field head_f[] = {
	ONE("author", SCHEMA_FIXBIN, 1, 32, 32, HD, author),
	ONE("seq", SCHEMA_UINT, 1, 1, UINT64_MAX, HD, seq),
	ONE("id", SCHEMA_FIXBIN, 1, 32, 32, HD, id),
};
#undef HD
static const struct schema head_s = { "heads", 1, head_f,
    sizeof(head_f) / sizeof(head_f[0]), sizeof(struct body_head) };

static const struct schema_field checkpoint_f[] = {
	SUBLIST("heads", 1, BODY_MAX_HEADS, head_s, struct body_checkpoint,
	    heads, nheads),
};
SCHEMA(checkpoint_s, "body", struct body_checkpoint, checkpoint_f);

static const struct schema_field skill_f[] = {
	ONE("esco", SCHEMA_ESCO, 0, 28, 256, struct body_skill, esco),
	ONE("label", SCHEMA_LINE, 1, 1, 100, struct body_skill, label),
};
SCHEMA(skill_s, "skills", struct body_skill, skill_f);

static const struct schema_field prereq_f[] = {
	ONE("code", SCHEMA_CODE, 1, 2, 32, struct body_prereq, code),
	ONE("schac", SCHEMA_SCHAC, 1, 3, 64, struct body_prereq, schac),
};
SCHEMA(prereq_s, "prereqs", struct body_prereq, prereq_f);

#define S struct body_session
static const struct schema_field session_f[] = {
	ONE("end", SCHEMA_DATE, 1, 10, 10, S, end),
	ENUM("mode", 1, modes, S, mode),
	ONE("seats", SCHEMA_UINT, 1, 0, 100000, S, seats),
	ONE("start", SCHEMA_DATE, 1, 10, 10, S, start),
};
#undef S
SCHEMA(session_s, "sessions", struct body_session, session_f);

#define MO struct body_module
static const struct schema_field module_f[] = {
	ONE("eqf", SCHEMA_UINT, 1, 1, 8, MO, eqf),
	ONE("url", SCHEMA_URL, 0, 10, 512, MO, url),
	ONE("code", SCHEMA_CODE, 1, 2, 32, MO, code),
	LIST("lang", SCHEMA_LANG, 1, BODY_MAX_LANGS, 2, 2, MO, lang, nlang),
	ENUM("mode", 1, modes, MO, mode),
	ENUM("pace", 1, paces, MO, pace),
	ONE("path", SCHEMA_LINE, 0, 1, 200, MO, path),
	ENUM("cycle", 1, cycles, MO, cycle),
	ONE("hours", SCHEMA_UINT, 1, 1, 2000, MO, hours),
	ONE("isced", SCHEMA_DIGITS, 0, 2, 4, MO, isced),
	ONE("qa_ref", SCHEMA_LINE, 0, 1, 200, MO, qa_ref),
	SUBLIST("skills", 0, BODY_MAX_SKILLS, skill_s, MO, skills, nskills),
	ONE("credits", SCHEMA_UINT, 1, 1, 600, MO, credits),
	SUBLIST("prereqs", 0, BODY_MAX_PREREQS, prereq_s, MO, prereqs,
	    nprereqs),
	ONE("entry_en", SCHEMA_TEXT, 0, 1, 1000, MO, entry_en),
	ONE("entry_sv", SCHEMA_TEXT, 0, 1, 1000, MO, entry_sv),
	SUBLIST("sessions", 0, BODY_MAX_SESSIONS, session_s, MO, sessions,
	    nsessions),
	LIST("teachers", SCHEMA_LINE, 0, BODY_MAX_TEACHERS, 1, 100, MO,
	    teachers, nteachers),
	ONE("title_en", SCHEMA_LINE, 1, 1, 200, MO, title_en),
	ONE("title_sv", SCHEMA_LINE, 1, 1, 200, MO, title_sv),
	ENUMLIST("assessment", 1, BODY_MAX_ASSESS, assessments, MO,
	    assessment, nassessment),
	ONE("summary_en", SCHEMA_TEXT, 0, 1, 4000, MO, summary_en),
	ONE("summary_sv", SCHEMA_TEXT, 0, 1, 4000, MO, summary_sv),
	LIST("outcomes_en", SCHEMA_TEXT, 0, BODY_MAX_OUTCOMES, 1, 500, MO,
	    outcomes_en, noutcomes_en),
	LIST("outcomes_sv", SCHEMA_TEXT, 0, BODY_MAX_OUTCOMES, 1, 500, MO,
	    outcomes_sv, noutcomes_sv),
	ENUM("supervision", 1, supervisions, MO, supervision),
};
#undef MO
SCHEMA(module_s, "body", struct body_module, module_f);

static const struct schema_field retire_f[] = {
	ONE("code", SCHEMA_CODE, 1, 2, 32, struct body_retire, code),
	ONE("reason", SCHEMA_LINE, 0, 1, 500, struct body_retire, reason),
};
SCHEMA(retire_s, "body", struct body_retire, retire_f);

#define CO struct body_completion
static const struct schema_field completion_f[] = {
	ONE("grade", SCHEMA_LINE, 1, 1, 8, CO, grade),
	ENUM("scale", 1, scales, CO, scale),
	ONE("module", SCHEMA_FIXBIN, 1, 32, 32, CO, module),
	ONE("learner", SCHEMA_FIXBIN, 1, 16, 16, CO, learner),
	ONE("examiner", SCHEMA_LINE, 1, 1, 128, CO, examiner),
	ONE("exam_date", SCHEMA_DATE, 1, 10, 10, CO, exam_date),
	ENUM("supervision", 0, supervisions, CO, supervision),
	ONE("decision_date", SCHEMA_DATE, 1, 10, 10, CO, decision_date),
};
#undef CO
SCHEMA(completion_s, "body", struct body_completion, completion_f);

static const struct schema_field revoke_f[] = {
	ONE("reason", SCHEMA_LINE, 1, 1, 500, struct body_revoke, reason),
	ONE("completion", SCHEMA_FIXBIN, 1, 32, 32, struct body_revoke,
	    completion),
};
SCHEMA(revoke_s, "body", struct body_revoke, revoke_f);

static const struct {
	uint32_t type;
	const char *name;
	const struct schema *schema;
} types[] = {
	{ BODY_GENESIS, "genesis", &charter_s },
	{ BODY_MEMBER_PROPOSE, "member_propose", &member_s },
	{ BODY_MEMBER_ENDORSE, "member_endorse", &endorse_s },
	{ BODY_MEMBER_REMOVE, "member_remove", &remove_s },
	{ BODY_KEY_ROTATE, "key_rotate", &rotate_s },
	{ BODY_CHECKPOINT, "checkpoint", &checkpoint_s },
	{ BODY_MODULE_PUBLISH, "module_publish", &module_s },
	{ BODY_MODULE_UPDATE, "module_update", &module_s },
	{ BODY_MODULE_RETIRE, "module_retire", &retire_s },
	{ BODY_COMPLETION_RECORD, "completion_record", &completion_s },
	{ BODY_COMPLETION_REVOKE, "completion_revoke", &revoke_s },
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

const char *
body_type_name(uint32_t type)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (types[i].type == type)
			return types[i].name;
	return NULL;
}

uint32_t
body_type_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (strcmp(types[i].name, name) == 0)
			return types[i].type;
	return 0;
}

const struct schema *
body_schema(uint32_t type)
{
	size_t i;

	for (i = 0; i < NTYPES; i++)
		if (types[i].type == type)
			return types[i].schema;
	return NULL;
}

/* Grading scales: every grade of each, and which of them pass. */
static const struct {
	const char *scale;
	const char *const grades[8];
	const char *const fails[3];
} scale_tab[] = {
	{ "UG", { "U", "G", NULL }, { "U", NULL } },
	{ "UVG", { "U", "G", "VG", NULL }, { "U", NULL } },
	{ "U345", { "U", "3", "4", "5", NULL }, { "U", NULL } },
	{ "AF", { "A", "B", "C", "D", "E", "FX", "F", NULL },
	    { "FX", "F", NULL } },
	{ "PF", { "P", "F", NULL }, { "F", NULL } },
};

int
body_grade_valid(struct codec_bytes scale, struct codec_bytes grade,
    int *pass)
{
	size_t i, j;

	for (i = 0; i < sizeof(scale_tab) / sizeof(scale_tab[0]); i++) {
		if (!schema_bytes_eq(scale, scale_tab[i].scale))
			continue;
		for (j = 0; scale_tab[i].grades[j] != NULL; j++) {
			if (!schema_bytes_eq(grade, scale_tab[i].grades[j]))
				continue;
			*pass = 1;
			for (j = 0; scale_tab[i].fails[j] != NULL; j++)
				if (schema_bytes_eq(grade,
				    scale_tab[i].fails[j]))
					*pass = 0;
			return 1;
		}
	}
	return 0;
}

void
body_rotate_proof_msg(const uint8_t fed_id[32], const uint8_t author[32],
    const uint8_t next[32], uint8_t out[BODY_ROTATE_MSG_BYTES])
{
	memcpy(out, "i40/key-rotate/v1", 17);
	memcpy(out + 17, fed_id, 32);
	memcpy(out + 49, author, 32);
	memcpy(out + 81, next, 32);
}

int
body_rotate_make(const uint8_t fed_id[32], const uint8_t author[32],
    const struct key_secret *next, struct body *out)
{
	uint8_t msg[BODY_ROTATE_MSG_BYTES];
	struct body_rotate *r = &out->u.rotate;

	memset(out, 0, sizeof(*out));
	out->type = BODY_KEY_ROTATE;
	key_public(next, r->next);
	body_rotate_proof_msg(fed_id, author, r->next, msg);
	key_sign(next, msg, sizeof(msg), r->proof);
	return key_transport_card(next, r->transport, r->transport_sig);
}

/* Point the error at a field by name, and return rc. */
static int
rule_fail(struct codec_err *err, int rc, const char *field)
{
	if (err != NULL && err->code == 0) {
		err->code = rc;
		err->offset = 0;
		strncpy(err->field, field, sizeof(err->field) - 1);
		err->field[sizeof(err->field) - 1] = '\0';
	}
	return rc;
}

/* field: "members" or "body", the prefix of the record's fields. */
static int
check_member(const struct body_member *m, struct codec_err *err,
    const char *field)
{
	char f[32];
	int rc;

	if (key_check_public(m->key) != 0) {
		snprintf(f, sizeof(f), "%s.key", field);
		return rule_fail(err, I40_E_BAD_KEY, f);
	}
	if ((rc = key_check_card(m->key, m->transport,
	    m->transport_sig)) != 0) {
		snprintf(f, sizeof(f), "%s.%s", field, rc == I40_E_BAD_KEY ?
		    "transport" : "transport_sig");
		return rule_fail(err, rc, f);
	}
	return 0;
}

static int
check_module(const struct body_module *m, struct codec_err *err)
{
	uint32_t i, j;

	if (m->summary_en.p == NULL && m->summary_sv.p == NULL)
		return rule_fail(err, I40_E_MISSING_FIELD, "body.summary_en");
	if (m->noutcomes_en == 0 && m->noutcomes_sv == 0)
		return rule_fail(err, I40_E_MISSING_FIELD,
		    "body.outcomes_en");
	for (i = 0; i < m->nsessions; i++)
		if (schema_date_cmp(m->sessions[i].end,
		    m->sessions[i].start) < 0)
			return rule_fail(err, I40_E_DATE, "sessions.end");
	/* Lists of codes are sets: a repeated entry has no meaning. */
	for (i = 0; i < m->nlang; i++)
		for (j = i + 1; j < m->nlang; j++)
			if (m->lang[i].len == m->lang[j].len &&
			    memcmp(m->lang[i].p, m->lang[j].p, 2) == 0)
				return rule_fail(err, I40_E_VALUE, "body.lang");
	for (i = 0; i < m->nassessment; i++)
		for (j = i + 1; j < m->nassessment; j++)
			if (m->assessment[i].len == m->assessment[j].len &&
			    memcmp(m->assessment[i].p, m->assessment[j].p,
			    m->assessment[i].len) == 0)
				return rule_fail(err, I40_E_VALUE,
				    "body.assessment");
	return 0;
}

static int
check_rules(const struct body *b, const struct body_ctx *ctx,
    struct codec_err *err)
{
	uint8_t msg[BODY_ROTATE_MSG_BYTES];
	uint32_t i, j;
	int pass, rc;

	switch (b->type) {
	case BODY_GENESIS:
		for (i = 0; i < b->u.charter.nmembers; i++) {
			/* A repeated key first: the clearer error. */
			for (j = 0; j < i; j++) {
				if (memcmp(b->u.charter.members[i].key,
				    b->u.charter.members[j].key, 32) == 0)
					return rule_fail(err, I40_E_VALUE,
					    "members.key");
				/*
				 * A certificate proves no possession of the
				 * transport secret: a member could claim
				 * another's transport key, and ZAP could not
				 * tell them apart.
				 */
				if (memcmp(b->u.charter.members[i].transport,
				    b->u.charter.members[j].transport,
				    32) == 0)
					return rule_fail(err, I40_E_VALUE,
					    "members.transport");
			}
			if ((rc = check_member(&b->u.charter.members[i], err,
			    "members")) != 0)
				return rc;
		}
		return 0;
	case BODY_MEMBER_PROPOSE:
		return check_member(&b->u.member, err, "body");
	case BODY_KEY_ROTATE:
		if (key_check_public(b->u.rotate.next) != 0)
			return rule_fail(err, I40_E_BAD_KEY, "body.next");
		if (ctx == NULL || ctx->fed_id == NULL || ctx->author == NULL)
			return rule_fail(err, I40_E_PROOF, "body.proof");
		body_rotate_proof_msg(ctx->fed_id, ctx->author,
		    b->u.rotate.next, msg);
		if (key_verify(b->u.rotate.next, msg, sizeof(msg),
		    b->u.rotate.proof) != 0)
			return rule_fail(err, I40_E_PROOF, "body.proof");
		/* The CURVE identity moves with the key: next's own card. */
		if ((rc = key_check_card(b->u.rotate.next,
		    b->u.rotate.transport, b->u.rotate.transport_sig)) != 0)
			return rule_fail(err, rc, rc == I40_E_BAD_KEY ?
			    "body.transport" : "body.transport_sig");
		return 0;
	case BODY_CHECKPOINT:
		/* A set keyed by author, one encoding: ascending, once each. */
		for (i = 0; i < b->u.checkpoint.nheads; i++) {
			if (i > 0 && memcmp(b->u.checkpoint.heads[i - 1].author,
			    b->u.checkpoint.heads[i].author, 32) >= 0)
				return rule_fail(err, I40_E_KEY_ORDER,
				    "heads.author");
			/* Its own log's head is the event's prev. */
			if (ctx != NULL && ctx->author != NULL &&
			    memcmp(b->u.checkpoint.heads[i].author,
			    ctx->author, 32) == 0)
				return rule_fail(err, I40_E_VALUE,
				    "heads.author");
		}
		return 0;
	case BODY_MODULE_PUBLISH:
	case BODY_MODULE_UPDATE:
		return check_module(&b->u.module, err);
	case BODY_COMPLETION_RECORD:
		if (!body_grade_valid(b->u.completion.scale,
		    b->u.completion.grade, &pass))
			return rule_fail(err, I40_E_VALUE, "body.grade");
		if (schema_date_cmp(b->u.completion.decision_date,
		    b->u.completion.exam_date) < 0)
			return rule_fail(err, I40_E_DATE,
			    "body.decision_date");
		return 0;
	default:
		return 0;
	}
}

int
body_decode(uint32_t type, const uint8_t *buf, size_t len,
    const struct body_ctx *ctx, struct body *out, struct codec_err *err)
{
	const struct schema *s = body_schema(type);
	struct codec_reader r;
	int rc;

	if (s == NULL) {
		if (err != NULL && err->code == 0) {
			err->code = I40_E_EVENT_TYPE;
			strcpy(err->field, "type");
		}
		return I40_E_EVENT_TYPE;
	}
	out->type = (enum body_type)type;
	codec_reader_init(&r, buf, len, err);
	if ((rc = schema_decode(s, &r, &out->u)) != 0)
		return rc;
	if ((rc = codec_read_end(&r)) != 0)
		return rc;
	return check_rules(out, ctx, err);
}

int
body_encode(const struct body *b, const struct body_ctx *ctx, uint8_t *out,
    size_t cap, size_t *len, struct codec_err *err)
{
	const struct schema *s = body_schema(b->type);
	struct codec_writer w;
	struct body *check;
	int rc;

	if (s == NULL)
		return I40_E_EVENT_TYPE;
	codec_writer_init(&w, out, cap);
	schema_encode(s, &b->u, &w);
	if ((rc = codec_writer_finish(&w, len)) != 0)
		return rc;
	if ((rc = codec_check(out, *len, 4, err)) != 0)
		return rc;
	/* A body is tens of kilobytes at most: too big for some stacks. */
	if ((check = malloc(sizeof(*check))) == NULL)
		return I40_E_NOMEM;
	rc = body_decode(b->type, out, *len, ctx, check, err);
	free(check);
	return rc;
}
