/*
 * test_store_query.c: the store's query API for the daemon and i40ctl:
 * store_members (the charter's members with their records, admitted and
 * removed members) and store_modules (each module's current version after
 * publish, update and retire; writes without effect leave it alone).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"
#include "tests/lib/chain.h"
#include "tests/lib/sample.h"

static struct sample_fed fed;
static char base[] = "/tmp/i40-test-store-query-XXXXXX";
static int ndirs;

static int
setup(void **state)
{
	(void)state;
	return sample_scratch_init(&fed, 4, base);
}

static int
teardown(void **state)
{
	(void)state;
	sample_scratch_free(&fed, base);
	return 0;
}

static struct codec_bytes
lit(const char *s)
{
	struct codec_bytes b = { (const uint8_t *)s, strlen(s) };

	return b;
}

/* Sign b as c's next event; returns its index in c. */
static size_t
next(struct sample_chain *c, const struct body *b)
{
	size_t i;

	assert_int_equal(sample_chain_next(c, &fed, b, &i), 0);
	return i;
}

/* Append c's event i alone; it must be stored. */
static void
append1(struct store *st, struct sample_chain *c, size_t i)
{
	struct store_item it;
	struct store_outcome o;

	assert_int_equal(ev_decode(c->buf[i], c->len[i], fed.fed_id, &it.ev,
	    NULL, NULL), 0);
	memcpy(it.key, fed.pk[c->author], 32);
	assert_int_equal(store_append(st, &it, 1, &o), 0);
	assert_int_equal(o.result, STORE_STORED);
}

/* Members 2 and 0 endorse the proposal of member 1: 3 of 4 with it. */
static void
endorse(struct store *st, struct sample_chain *c2, struct sample_chain *c0,
    const uint8_t proposal[32])
{
	struct body b;

	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_ENDORSE;
	memcpy(b.u.endorse.proposal, proposal, 32);
	append1(st, c2, next(c2, &b));
	append1(st, c0, next(c0, &b));
}

/* A new store whose genesis is chain c0's seq 1 (author 0). */
static struct store *
fresh(struct sample_chain *c0)
{
	struct store *st;
	char dir[256];

	assert_int_equal(sample_chain_genesis(c0, &fed), 0);
	snprintf(dir, sizeof(dir), "%s/d%d", base, ndirs++);
	assert_int_equal(store_create(dir, c0->buf[0], c0->len[0], NULL), 0);
	assert_int_equal(store_open(dir, NULL, &st), 0);
	return st;
}

static void
module_body(struct body *b, uint32_t type, const char *code,
    const char *title)
{
	struct body_module *m = &b->u.module;

	memset(b, 0, sizeof(*b));
	b->type = (enum body_type)type;
	if (type == BODY_MODULE_RETIRE) {
		b->u.retire.code = lit(code);
		return;
	}
	m->code = lit(code);
	m->title_sv = lit(title);
	m->title_en = lit(title);
	m->credits = 15;
	m->hours = 40;
	m->eqf = 6;
	m->cycle = lit("first");
	m->lang[0] = lit("sv");
	m->nlang = 1;
	m->mode = lit("online");
	m->pace = lit("mixed");
	m->assessment[0] = lit("project");
	m->nassessment = 1;
	m->summary_en = lit("A module.");
	m->outcomes_en[0] = lit("Do it.");
	m->noutcomes_en = 1;
	m->supervision = lit("supervised");
}

/* The index of the member with key in ms[0..n), which must be there. */
static size_t
member_at(const struct store_member *ms, size_t n, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(ms[i].key, key, 32) == 0)
			return i;
	fail_msg("member not listed");
	return 0;
}

static void
test_members_of_charter(void **state)
{
	struct store_member *ms;
	struct sample_chain c0;
	struct store *st;
	struct body *b;
	size_t n, i, j;

	(void)state;
	st = fresh(&c0);
	assert_int_equal(store_members(st, &ms, &n), 0);
	assert_int_equal(n, 4);
	/* Ascending by key, each with its record from the charter. */
	for (i = 1; i < n; i++)
		assert_true(memcmp(ms[i - 1].key, ms[i].key, 32) < 0);
	b = malloc(sizeof(*b));
	assert_non_null(b);
	assert_int_equal(body_decode(BODY_GENESIS, fed.charter,
	    fed.charter_len, NULL, b, NULL), 0);
	for (i = 0; i < 4; i++) {
		const struct body_member *bm = &b->u.charter.members[i];

		j = member_at(ms, n, fed.pk[i]);
		assert_int_equal(ms[j].observer, 0);
		assert_int_equal(ms[j].active, 1);
		assert_int_equal(strlen(ms[j].schac), bm->schac.len);
		assert_memory_equal(ms[j].schac, bm->schac.p, bm->schac.len);
		assert_int_equal(strlen(ms[j].endpoint), bm->endpoint.len);
		assert_memory_equal(ms[j].endpoint, bm->endpoint.p,
		    bm->endpoint.len);
		assert_memory_equal(ms[j].name_sv, bm->name_sv.p,
		    bm->name_sv.len);
		assert_memory_equal(ms[j].org_no, bm->org_no.p,
		    bm->org_no.len);
		assert_string_equal(ms[j].country, "SE");
	}
	/* sample.c's endpoints: node0 listens on port 7400. */
	assert_string_equal(ms[member_at(ms, n, fed.pk[0])].endpoint,
	    "tcp://node0.example.se:7400");
	assert_string_equal(ms[member_at(ms, n, fed.pk[0])].schac, "hh.se");
	free(ms);
	free(b);
	store_close(st);
	sample_chain_free(&c0);
}

/* An observer admitted by proposal and endorsements, then a removal. */
static void
test_members_admitted_removed(void **state)
{
	struct store_member *ms;
	struct sample_fed other;
	struct sample_chain c0, c1, c2;
	struct store *st;
	struct body b;
	uint8_t prop[32];
	size_t n, i, p;

	(void)state;
	assert_int_equal(sample_fed_init(&other, 6), 0);
	st = fresh(&c0);
	sample_chain_init(&c1, 1);
	sample_chain_init(&c2, 2);
	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_PROPOSE;
	memcpy(b.u.member.key, other.pk[5], 32);
	assert_int_equal(key_transport_card(other.keys[5], b.u.member.transport,
	    b.u.member.transport_sig), 0);
	b.u.member.role = lit("observer");
	b.u.member.schac = lit("oru.se");
	b.u.member.country = lit("SE");
	b.u.member.name_en = lit("Örebro University");
	b.u.member.name_sv = lit("Örebro universitet");
	b.u.member.endpoint = lit("tcp://i40.oru.se:7400");
	p = next(&c1, &b);
	memcpy(prop, c1.id[p], 32);
	append1(st, &c1, p);
	/* Proposed, not yet admitted: not listed. */
	assert_int_equal(store_members(st, &ms, &n), 0);
	assert_int_equal(n, 4);
	free(ms);
	/* Proposer and two endorsers are 3 of 4: admitted. */
	endorse(st, &c2, &c0, prop);
	assert_int_equal(store_members(st, &ms, &n), 0);
	assert_int_equal(n, 5);
	i = member_at(ms, n, other.pk[5]);
	assert_int_equal(ms[i].observer, 1);
	assert_int_equal(ms[i].active, 1);
	assert_string_equal(ms[i].schac, "oru.se");
	assert_string_equal(ms[i].endpoint, "tcp://i40.oru.se:7400");
	assert_string_equal(ms[i].name_sv, "Örebro universitet");
	assert_string_equal(ms[i].org_no, "");
	free(ms);
	/* Member 3 removed up to seq 0: listed, inactive. */
	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_REMOVE;
	memcpy(b.u.remove.key, fed.pk[3], 32);
	b.u.remove.upto = 0;
	b.u.remove.reason = lit("Left the programme.");
	p = next(&c1, &b);
	append1(st, &c1, p);
	endorse(st, &c2, &c0, c1.id[p]);
	assert_int_equal(store_members(st, &ms, &n), 0);
	assert_int_equal(n, 5);
	i = member_at(ms, n, fed.pk[3]);
	assert_int_equal(ms[i].active, 0);
	assert_int_equal(ms[i].upto, 0);
	assert_string_equal(ms[i].schac, "liu.se");
	assert_int_equal(ms[member_at(ms, n, fed.pk[0])].active, 1);
	free(ms);
	store_close(st);
	sample_fed_free(&other);
	sample_chain_free(&c0);
	sample_chain_free(&c1);
	sample_chain_free(&c2);
}

/* The module of author with code in ms[0..n), which must be there. */
static const struct store_module *
module_of(const struct store_module *ms, size_t n, size_t author,
    const char *code)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(ms[i].author, fed.pk[author], 32) == 0 &&
		    strcmp(ms[i].code, code) == 0)
			return &ms[i];
	fail_msg("module %s of %zu not listed", code, author);
	return NULL;
}

/* The title of the module version m carries. */
static void
assert_title(const struct store_module *m, const char *title)
{
	struct ev_signed e;
	struct body *b = malloc(sizeof(*b));
	uint8_t id[32];

	assert_non_null(b);
	assert_int_equal(ev_decode(m->bytes, m->len, fed.fed_id, &e, b, NULL),
	    0);
	ev_id(e.event.p, e.event.len, id);
	assert_memory_equal(id, m->id, 32);
	assert_memory_equal(e.h.author, m->author, 32);
	assert_int_equal(b->u.module.title_en.len, strlen(title));
	assert_memory_equal(b->u.module.title_en.p, title, strlen(title));
	free(b);
}

static void
test_modules(void **state)
{
	const struct store_module *m;
	struct store_module *ms;
	struct sample_chain c0, c1, c2;
	struct store *st;
	struct body b;
	size_t n, i, a1, a2, up, b1;

	(void)state;
	st = fresh(&c0);
	sample_chain_init(&c1, 1);
	sample_chain_init(&c2, 2);
	/* An empty catalog. */
	assert_int_equal(store_modules(st, &ms, &n), 0);
	assert_int_equal(n, 0);
	store_modules_free(ms, n);
	store_modules_free(NULL, 0);
	module_body(&b, BODY_MODULE_PUBLISH, "I40-A", "A one");
	a1 = next(&c1, &b);
	append1(st, &c1, a1);
	module_body(&b, BODY_MODULE_PUBLISH, "I40-B", "B one");
	b1 = next(&c1, &b);
	append1(st, &c1, b1);
	module_body(&b, BODY_MODULE_PUBLISH, "I40-A", "Other A");
	a2 = next(&c2, &b);
	append1(st, &c2, a2);
	assert_int_equal(store_modules(st, &ms, &n), 0);
	assert_int_equal(n, 3);
	/* By (author, code): one code at two owners is two modules. */
	for (i = 1; i < n; i++)
		assert_true(memcmp(ms[i - 1].author, ms[i].author, 32) < 0 ||
		    (memcmp(ms[i - 1].author, ms[i].author, 32) == 0 &&
		    strcmp(ms[i - 1].code, ms[i].code) < 0));
	m = module_of(ms, n, 1, "I40-A");
	assert_memory_equal(m->id, c1.id[a1], 32);
	assert_int_equal(m->retired, 0);
	assert_title(m, "A one");
	m = module_of(ms, n, 2, "I40-A");
	assert_memory_equal(m->id, c2.id[a2], 32);
	assert_title(m, "Other A");
	store_modules_free(ms, n);
	/* Update: the new version is current. */
	module_body(&b, BODY_MODULE_UPDATE, "I40-A", "A two");
	up = next(&c1, &b);
	append1(st, &c1, up);
	/* Retire B: listed, flagged, its last version kept. */
	module_body(&b, BODY_MODULE_RETIRE, "I40-B", NULL);
	append1(st, &c1, next(&c1, &b));
	/* Without effect: a second publish of A, an update of a missing
	 * code, an update and a retire of the retired B. */
	module_body(&b, BODY_MODULE_PUBLISH, "I40-A", "A again");
	append1(st, &c1, next(&c1, &b));
	module_body(&b, BODY_MODULE_UPDATE, "I40-NONE", "None");
	append1(st, &c1, next(&c1, &b));
	module_body(&b, BODY_MODULE_UPDATE, "I40-B", "B two");
	append1(st, &c1, next(&c1, &b));
	module_body(&b, BODY_MODULE_RETIRE, "I40-A", NULL);
	append1(st, &c2, next(&c2, &b));
	module_body(&b, BODY_MODULE_PUBLISH, "I40-A", "Other A again");
	append1(st, &c2, next(&c2, &b));
	assert_int_equal(store_modules(st, &ms, &n), 0);
	assert_int_equal(n, 3);
	m = module_of(ms, n, 1, "I40-A");
	assert_memory_equal(m->id, c1.id[up], 32);
	assert_int_equal(m->retired, 0);
	assert_title(m, "A two");
	m = module_of(ms, n, 1, "I40-B");
	assert_memory_equal(m->id, c1.id[b1], 32);
	assert_int_equal(m->retired, 1);
	assert_title(m, "B one");
	/* Author 2 retired its own A: that does not touch author 1's. */
	m = module_of(ms, n, 2, "I40-A");
	assert_memory_equal(m->id, c2.id[a2], 32);
	assert_int_equal(m->retired, 1);
	store_modules_free(ms, n);
	/* A rebuild from the events gives the same catalog. */
	assert_int_equal(store_rebuild(st), 0);
	assert_int_equal(store_modules(st, &ms, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(module_of(ms, n, 1, "I40-A")->id, c1.id[up], 32);
	store_modules_free(ms, n);
	store_close(st);
	sample_chain_free(&c0);
	sample_chain_free(&c1);
	sample_chain_free(&c2);
}

/* A reader (i40ctl) sees the same through a read-only open. */
static void
test_readonly(void **state)
{
	struct store_opts ro = { .readonly = 1 };
	struct store_member *ms;
	struct store_module *mods;
	struct sample_chain c0, c1;
	struct store *st, *rd;
	struct body b;
	char dir[256];
	size_t n;

	(void)state;
	st = fresh(&c0);
	snprintf(dir, sizeof(dir), "%s/d%d", base, ndirs - 1);
	sample_chain_init(&c1, 1);
	module_body(&b, BODY_MODULE_PUBLISH, "I40-RO", "Read only");
	append1(st, &c1, next(&c1, &b));
	/* LMDB allows one environment per process: close the writer. */
	store_close(st);
	assert_int_equal(store_open(dir, &ro, &rd), 0);
	assert_int_equal(store_members(rd, &ms, &n), 0);
	assert_int_equal(n, 4);
	free(ms);
	assert_int_equal(store_modules(rd, &mods, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(mods[0].code, "I40-RO");
	assert_memory_equal(mods[0].id, c1.id[0], 32);
	store_modules_free(mods, n);
	store_close(rd);
	sample_chain_free(&c0);
	sample_chain_free(&c1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_of_charter),
		cmocka_unit_test(test_members_admitted_removed),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_readonly),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
