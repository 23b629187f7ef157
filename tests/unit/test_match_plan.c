/*
 * test_match_plan.c: match/plan.c, a company's programme by weighted set
 * cover over a catalog written here: one module for two needs beats two,
 * prerequisites come first and count in the cost, a credit limit leaves
 * needs over it named, needs nothing matches are named, a limit is each
 * employee's, cycles of prerequisites end, ties go to catalog order, and
 * bad input is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "match/plan.h"

#define NMOD 10
static struct mt_module mods[NMOD];
static struct mt_prereq pre[4];
static struct mt_catalog cat;

/*
 * The catalog: m0..m9 of 1 hp each; m3 needs m4 first; m6 and m7 need
 * each other; m8 costs 3 hp.
 */
static int
setup(void **state)
{
	size_t i;

	(void)state;
	memset(mods, 0, sizeof(mods));
	for (i = 0; i < NMOD; i++) {
		snprintf(mods[i].code, sizeof(mods[i].code), "M%zu", i);
		snprintf(mods[i].schac, sizeof(mods[i].schac), "u.se");
		mods[i].credits = 10;
	}
	mods[8].credits = 30;
	pre[0].mod = 4;
	mods[3].pre = 0;
	mods[3].npre = 1;
	pre[1].mod = 7;
	mods[6].pre = 1;
	mods[6].npre = 1;
	pre[2].mod = 6;
	mods[7].pre = 2;
	mods[7].npre = 1;
	pre[3].mod = SIZE_MAX;		/* a module this catalog lacks */
	mods[9].pre = 3;
	mods[9].npre = 1;
	memset(&cat, 0, sizeof(cat));
	cat.m = mods;
	cat.n = NMOD;
	cat.pre = pre;
	cat.npre = 4;
	return 0;
}

static struct mt_need
need(const struct mt_cand *c, size_t n)
{
	struct mt_need x;

	memset(&x, 0, sizeof(x));
	x.weight = 1;
	x.cands = c;
	x.ncands = n;
	return x;
}

static int
run(struct mt_need *nd, size_t n, size_t nemps, uint64_t max,
    struct mt_plan *p)
{
	struct mt_plan_in in;

	memset(&in, 0, sizeof(in));
	in.cat = &cat;
	in.needs = nd;
	in.nneeds = n;
	in.nemps = nemps;
	in.max_tenths = max;
	return mt_plan(&in, p);
}

/* "m1 m2" for the programme's modules in order. */
static const char *
prog(const struct mt_plan *p)
{
	static char out[128];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < p->n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%sm%zu",
		    i ? " " : "", p->mods[i]);
	return out;
}

static const struct mt_cand ca[] = { { 0, 1.0 }, { 1, 0.9 } };
static const struct mt_cand cb[] = { { 1, 0.8 } };
static const struct mt_cand cc[] = { { 2, 1.0 } };

static void
test_cover(void **state)
{
	struct mt_need nd[4] = { need(ca, 2), need(cb, 1), need(cc, 1),
	    need(NULL, 0) };
	struct mt_plan p;

	(void)state;
	assert_int_equal(run(nd, 4, 0, 0, &p), 0);
	/* m1 covers two needs for 1 hp: better than m0 and m1. */
	assert_string_equal(prog(&p), "m1 m2");
	assert_int_equal(p.tenths, 20);
	assert_int_equal(p.cover[0], 0);	/* position of m1 */
	assert_int_equal(p.cover[1], 0);
	assert_int_equal(p.cover[2], 1);
	assert_int_equal(p.state[0], MT_COVERED);
	assert_int_equal(p.state[2], MT_COVERED);
	assert_int_equal(p.state[3], MT_NO_MATCH);
	assert_int_equal(p.cover[3], SIZE_MAX);
	assert_int_equal(p.need_of[0], 0);
	assert_int_equal(p.need_of[1], 2);
	mt_plan_free(&p);

	/* Weight moves the choice: need 0 heavy, m0 is its best. */
	nd[0].weight = 10;
	nd[1].weight = 0.1;
	assert_int_equal(run(nd, 3, 0, 0, &p), 0);
	assert_string_equal(prog(&p), "m0 m2 m1");
	mt_plan_free(&p);
}

static void
test_prereqs(void **state)
{
	/* m3 (needs m4) is best; m5 is worse but costs half. */
	static const struct mt_cand d1[] = { { 3, 1.0 }, { 5, 0.6 } };
	static const struct mt_cand d2[] = { { 3, 1.0 }, { 5, 0.4 } };
	static const struct mt_cand d3[] = { { 3, 1.0 } };
	struct mt_need nd[2] = { need(d1, 2), need(d3, 1) };
	struct mt_plan p;

	(void)state;
	assert_int_equal(run(nd, 1, 0, 0, &p), 0);
	assert_string_equal(prog(&p), "m5");	/* 0.6 per hp > 1.0 per 2 hp */
	mt_plan_free(&p);
	nd[0] = need(d2, 2);
	assert_int_equal(run(nd, 1, 0, 0, &p), 0);
	assert_string_equal(prog(&p), "m4 m3");	/* 0.5 per hp > 0.4 */
	assert_int_equal(p.need_of[0], SIZE_MAX);	/* only a prerequisite */
	assert_int_equal(p.need_of[1], 0);
	assert_int_equal(p.cover[0], 1);
	assert_int_equal(p.tenths, 20);
	mt_plan_free(&p);
	/* Within 1 hp, m3 and its prerequisite do not fit: m5 does. */
	nd[0] = need(d2, 2);
	assert_int_equal(run(nd, 1, 0, 10, &p), 0);
	assert_string_equal(prog(&p), "m5");
	mt_plan_free(&p);
	/* Nothing else covers need 1: over the limit, said so. */
	assert_int_equal(run(nd + 1, 1, 0, 10, &p), 0);
	assert_string_equal(prog(&p), "");
	assert_int_equal(p.state[0], MT_OVER_LIMIT);
	mt_plan_free(&p);
	/* What it would cost: m3 and m4; m6 and m7 need each other. */
	{
		uint64_t t;

		assert_int_equal(mt_plan_cost(&cat, 3, &t), 0);
		assert_int_equal(t, 20);
		assert_int_equal(mt_plan_cost(&cat, 6, &t), 0);
		assert_int_equal(t, 20);
		assert_int_equal(mt_plan_cost(&cat, 9, &t), 0);
		assert_int_equal(t, 10);
	}
}

static void
test_limit(void **state)
{
	static const struct mt_cand c8[] = { { 8, 1.0 } };
	struct mt_need nd[4] = { need(ca, 2), need(cb, 1), need(cc, 1),
	    need(c8, 1) };
	struct mt_plan p;

	(void)state;
	assert_int_equal(run(nd, 4, 0, 20, &p), 0);
	assert_string_equal(prog(&p), "m1 m2");
	assert_int_equal(p.state[3], MT_OVER_LIMIT);	/* m8 is 3 hp */
	mt_plan_free(&p);
	assert_int_equal(run(nd, 4, 0, 10, &p), 0);
	assert_string_equal(prog(&p), "m1");
	assert_int_equal(p.state[0], MT_COVERED);
	assert_int_equal(p.state[2], MT_OVER_LIMIT);
	assert_true(p.tenths <= 10);
	mt_plan_free(&p);
}

static void
test_employees(void **state)
{
	static const size_t anna[] = { 0 }, bo[] = { 1 };
	struct mt_need nd[3] = { need(ca, 2), need(cb, 1), need(cc, 1) };
	struct mt_plan p;

	(void)state;
	/* One person within 1 hp: one of the two modules. */
	assert_int_equal(run(nd, 3, 0, 10, &p), 0);
	assert_int_equal(p.n, 1);
	mt_plan_free(&p);
	/* Anna needs 0 and 1, Bo needs 2: 1 hp each is enough. */
	nd[0].emps = anna;
	nd[0].nemps = 1;
	nd[1].emps = anna;
	nd[1].nemps = 1;
	nd[2].emps = bo;
	nd[2].nemps = 1;
	assert_int_equal(run(nd, 3, 2, 10, &p), 0);
	assert_string_equal(prog(&p), "m1 m2");
	assert_int_equal(p.nemps, 2);
	assert_int_equal(p.take[0].n, 1);
	assert_int_equal(p.take[0].mods[0], 0);
	assert_int_equal(p.take[0].tenths, 10);
	assert_int_equal(p.take[1].n, 1);
	assert_int_equal(p.take[1].mods[0], 1);
	assert_int_equal(p.estate[0 * 2 + 0], MT_COVERED);
	assert_int_equal(p.estate[0 * 2 + 1], MT_NOT_THEIRS);
	assert_int_equal(p.estate[2 * 2 + 1], MT_COVERED);
	assert_int_equal(p.state[2], MT_COVERED);
	mt_plan_free(&p);
	/*
	 * A need without names is everyone's: Bo has needs 1 and 2 now, and
	 * within his 1 hp takes m2, the better per credit; need 1 is over
	 * his limit (not Anna's).
	 */
	nd[1].nemps = 0;
	assert_int_equal(run(nd, 3, 2, 10, &p), 0);
	assert_int_equal(p.take[1].n, 1);
	assert_int_equal(p.take[1].mods[0], 1);
	assert_int_equal(p.estate[1 * 2 + 0], MT_COVERED);
	assert_int_equal(p.estate[1 * 2 + 1], MT_OVER_LIMIT);
	assert_int_equal(p.estate[2 * 2 + 1], MT_COVERED);
	assert_int_equal(p.state[1], MT_OVER_LIMIT);
	assert_int_equal(p.state[2], MT_COVERED);
	mt_plan_free(&p);
}

static void
test_cycle_tie(void **state)
{
	static const struct mt_cand c6[] = { { 6, 1.0 } };
	static const struct mt_cand tie[] = { { 0, 1.0 }, { 2, 1.0 } };
	static const struct mt_cand tie2[] = { { 2, 1.0 }, { 0, 1.0 } };
	static const struct mt_cand c9[] = { { 9, 1.0 } };
	struct mt_need nd[1] = { need(c6, 1) };
	struct mt_plan p;

	(void)state;
	assert_int_equal(run(nd, 1, 0, 0, &p), 0);
	assert_string_equal(prog(&p), "m7 m6");
	mt_plan_free(&p);
	nd[0] = need(tie, 2);
	assert_int_equal(run(nd, 1, 0, 0, &p), 0);
	assert_string_equal(prog(&p), "m0");
	mt_plan_free(&p);
	nd[0] = need(tie2, 2);
	assert_int_equal(run(nd, 1, 0, 0, &p), 0);
	assert_string_equal(prog(&p), "m0");	/* catalog order, not list */
	mt_plan_free(&p);
	/* A prerequisite the catalog lacks does not stop its module. */
	nd[0] = need(c9, 1);
	assert_int_equal(run(nd, 1, 0, 0, &p), 0);
	assert_string_equal(prog(&p), "m9");
	mt_plan_free(&p);
}

static void
test_bad(void **state)
{
	static const struct mt_cand out[] = { { NMOD, 1.0 } };
	static const struct mt_cand q0[] = { { 1, 0.0 } };
	static const size_t e5[] = { 5 };
	struct mt_need nd[1] = { need(ca, 2) };
	struct mt_plan p;

	(void)state;
	nd[0].weight = 0;
	assert_int_equal(run(nd, 1, 0, 0, &p), I40_E_RANGE);
	nd[0] = need(out, 1);
	assert_int_equal(run(nd, 1, 0, 0, &p), I40_E_RANGE);
	nd[0] = need(q0, 1);
	assert_int_equal(run(nd, 1, 0, 0, &p), I40_E_RANGE);
	nd[0] = need(ca, 2);
	nd[0].emps = e5;
	nd[0].nemps = 1;
	assert_int_equal(run(nd, 1, 2, 0, &p), I40_E_RANGE);
	assert_null(p.mods);
	/* No needs: an empty programme. */
	assert_int_equal(run(nd, 0, 0, 0, &p), 0);
	assert_int_equal(p.n, 0);
	mt_plan_free(&p);

	assert_true(mt_plan_covers(2, 3, 1.0, 2.0));
	assert_true(mt_plan_covers(1.5, 2, 2.0, 2.0));
	assert_false(mt_plan_covers(1, 2, 2.0, 2.0));	/* only half */
	assert_false(mt_plan_covers(0.5, 1, 2.0, 2.0));	/* half a compound */
	assert_false(mt_plan_covers(2, 2, 0.9, 2.0));	/* under half best */
	assert_false(mt_plan_covers(0, 0, 1.0, 1.0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cover),
		cmocka_unit_test(test_prereqs),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_employees),
		cmocka_unit_test(test_cycle_tie),
		cmocka_unit_test(test_bad),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, NULL);
}
