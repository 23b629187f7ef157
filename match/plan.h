/*
 * plan.h: a company's programme of modules for its list of needs
 * (docs/matching.md, "Plans"): weighted set cover over what each need
 * matches, prerequisites before the modules that need them, per
 * employee where the list names them, within a credit limit.
 *
 * The caller matches each need against a catalog (mt_query_keys) and
 * gives the modules that cover it with how well (mt_plan_cover says
 * which do); mt_plan chooses.  It reads only the catalog's credits and
 * prerequisites.
 *
 * Ownership: mt_plan_in and what it points to are the caller's and are
 * only read; an mt_plan's arrays are its own (mt_plan_free).
 */
#ifndef I40_MATCH_PLAN_H
#define I40_MATCH_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "match/catalog.h"

/* A module that covers a need, and how well (0 < q <= 1; 1 the best). */
struct mt_cand {
	size_t mod;			/* index into mt_catalog.m */
	double q;
};

struct mt_need {
	double weight;			/* > 0 */
	const size_t *emps;		/* the employees who have it */
	size_t nemps;			/* 0: every employee's */
	const struct mt_cand *cands;	/* best first */
	size_t ncands;
};

struct mt_plan_in {
	const struct mt_catalog *cat;
	const struct mt_need *needs;
	size_t nneeds;
	size_t nemps;			/* employees named; 0 for none */
	uint64_t max_tenths;		/* credits per person; 0: no limit */
};

enum mt_need_state {
	MT_COVERED,
	MT_NO_MATCH,			/* no module covers it */
	MT_OVER_LIMIT,			/* only past the credit limit */
	MT_NOT_THEIRS			/* (estate) not this employee's need */
};

/* The modules one person takes: indices into mt_plan.mods, in order. */
struct mt_take {
	size_t *mods;
	size_t n;
	uint64_t tenths;
};

struct mt_plan {
	size_t *mods;			/* the programme, prerequisites first */
	size_t n;
	uint64_t tenths;		/* its credits, all modules once */
	size_t *need_of;		/* per mods[i]: a need it is for, or */
					/* SIZE_MAX: only someone's prerequisite */
	size_t *cover;			/* per need: its module, an index into */
					/* mods, or SIZE_MAX */
	enum mt_need_state *state;	/* per need */
	struct mt_take *take;		/* per employee */
	size_t nemps;
	enum mt_need_state *estate;	/* per need and employee: */
					/* [need * nemps + employee] */
};

/*
 * Whether a hit covers a need: it matches more than half of the need's
 * nwords words (cover as mt_hit.cover counts it: a compound by the share
 * of its parts), and scores at least half of the need's best hit.  Its
 * quality q is then score / best.
 */
int mt_plan_covers(double cover, size_t nwords, double score, double best);

/*
 * The programme for in: 0 and *out (mt_plan_free it), or I40_E_NOMEM,
 * or I40_E_INVALID for a need of no weight or a module or employee out
 * of range.  Greedy weighted set cover: each step adds the module whose
 * not yet covered needs' weight times quality, per credit of it and its
 * prerequisites not yet in, is highest (ties: more gain, then catalog
 * order).  Where employees are named, the company's programme is chosen
 * first over every need (a need weighs its weight times the employees
 * who have it), then each employee takes from it within the credit limit
 * and the programme is what someone takes.
 */
int mt_plan(const struct mt_plan_in *in, struct mt_plan *out)
    I40_MUST_CHECK;
void mt_plan_free(struct mt_plan *p);

/*
 * The credits of module m with all its prerequisites in c, each once
 * (what taking it from nothing costs): 0 and *tenths, or I40_E_NOMEM.
 */
int mt_plan_cost(const struct mt_catalog *c, size_t m, uint64_t *tenths)
    I40_MUST_CHECK;

#endif
