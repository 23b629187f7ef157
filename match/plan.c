/* plan.c: weighted set cover of a company's needs (see plan.h). */
#include "match/plan.h"

#include <stdlib.h>
#include <string.h>

/* One need's share of a module: the inverse of mt_need.cands. */
struct use {
	size_t need;
	double q;
};

struct work {
	const struct mt_plan_in *in;
	size_t nmods;			/* catalog modules */
	size_t *use_off;		/* module m's uses: use[use_off[m]..[m+1]] */
	struct use *use;
	size_t *cand;			/* modules some need names, in order */
	size_t ncand;
	/* per phase */
	const uint8_t *allow;		/* modules that may be taken, or NULL */
	const double *w;		/* need weights; 0: not in this phase */
	uint8_t *chosen;		/* per module */
	uint8_t *covered;		/* per need */
	size_t *order;			/* modules in the order taken */
	size_t norder;
	uint64_t spent, limit;		/* credits taken; the limit, 0: none */
	/* scratch */
	size_t *stamp_m, *stamp_n, stamp;
	size_t *clos;
	size_t nclos;
	double *best;
};

int
mt_plan_covers(double cover, size_t nwords, double score, double best)
{
	return nwords > 0 && 2 * cover > (double)nwords && best > 0 &&
	    score >= best / 2;
}

/* m's closure: it and the prerequisites not chosen, prerequisites first. */
static void
closure(struct work *w, size_t m)
{
	const struct mt_catalog *c = w->in->cat;
	size_t i, p;

	if (w->stamp_m[m] == w->stamp || w->chosen[m])
		return;
	w->stamp_m[m] = w->stamp;	/* before the walk: a cycle ends here */
	for (i = 0; i < c->m[m].npre; i++) {
		p = c->pre[c->m[m].pre + i].mod;
		if (p != SIZE_MAX && (w->allow == NULL || w->allow[p]))
			closure(w, p);
	}
	w->clos[w->nclos++] = m;
}

/* The weight times quality that m and its closure add, and its cost. */
static double
gain_of(struct work *w, size_t m, uint64_t *cost)
{
	const struct mt_catalog *c = w->in->cat;
	double g = 0;
	size_t i, j, k;

	w->stamp++;
	w->nclos = 0;
	closure(w, m);
	*cost = 0;
	for (i = 0; i < w->nclos; i++) {
		k = w->clos[i];
		*cost += c->m[k].credits;
		for (j = w->use_off[k]; j < w->use_off[k + 1]; j++) {
			const struct use *u = &w->use[j];

			if (w->w[u->need] <= 0 || w->covered[u->need])
				continue;
			if (w->stamp_n[u->need] != w->stamp) {
				w->stamp_n[u->need] = w->stamp;
				w->best[u->need] = 0;
			}
			if (u->q > w->best[u->need]) {
				g += w->w[u->need] * (u->q - w->best[u->need]);
				w->best[u->need] = u->q;
			}
		}
	}
	return g;
}

/* Greedy set cover over the phase's needs; w->order grows. */
static void
cover(struct work *w)
{
	uint64_t limit = w->limit, cost, bcost = 0;
	double g, ratio, bratio = 0, bgain = 0;
	size_t i, j, k, best;

	for (;;) {
		best = SIZE_MAX;
		for (i = 0; i < w->ncand; i++) {
			k = w->cand[i];
			if (w->chosen[k] || (w->allow != NULL && !w->allow[k]))
				continue;
			if ((g = gain_of(w, k, &cost)) <= 0)
				continue;
			if (limit != 0 && w->spent + cost > limit)
				continue;
			/* Credits of 0 are allowed: a tenth keeps it finite. */
			ratio = g / (double)(cost > 0 ? cost : 1);
			if (best == SIZE_MAX || ratio > bratio ||
			    (ratio == bratio && g > bgain)) {
				best = k;
				bratio = ratio;
				bgain = g;
				bcost = cost;
			}
		}
		if (best == SIZE_MAX)
			return;
		gain_of(w, best, &cost);
		for (i = 0; i < w->nclos; i++) {
			k = w->clos[i];
			w->chosen[k] = 1;
			w->order[w->norder++] = k;
			for (j = w->use_off[k]; j < w->use_off[k + 1]; j++)
				w->covered[w->use[j].need] = 1;
		}
		w->spent += bcost;
	}
}

static int
has_emp(const struct mt_need *n, size_t e)
{
	size_t i;

	if (n->nemps == 0)
		return 1;
	for (i = 0; i < n->nemps; i++)
		if (n->emps[i] == e)
			return 1;
	return 0;
}

static int
check_in(const struct mt_plan_in *in)
{
	size_t i, j;

	for (i = 0; i < in->nneeds; i++) {
		const struct mt_need *n = &in->needs[i];

		if (!(n->weight > 0))
			return I40_E_RANGE;
		for (j = 0; j < n->nemps; j++)
			if (n->emps[j] >= in->nemps)
				return I40_E_RANGE;
		for (j = 0; j < n->ncands; j++)
			if (n->cands[j].mod >= in->cat->n ||
			    !(n->cands[j].q > 0 && n->cands[j].q <= 1))
				return I40_E_RANGE;
	}
	return 0;
}

/* The inverse lists: which needs each module covers. */
static int
uses(struct work *w)
{
	const struct mt_plan_in *in = w->in;
	size_t i, j, total = 0, m, *fill;

	for (i = 0; i < in->nneeds; i++)
		total += in->needs[i].ncands;
	if ((w->use_off = calloc(w->nmods + 1, sizeof(size_t))) == NULL ||
	    (w->use = calloc(total + 1, sizeof(*w->use))) == NULL ||
	    (w->cand = calloc(w->nmods + 1, sizeof(size_t))) == NULL ||
	    (fill = calloc(w->nmods + 1, sizeof(size_t))) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < in->nneeds; i++)
		for (j = 0; j < in->needs[i].ncands; j++)
			w->use_off[in->needs[i].cands[j].mod + 1]++;
	for (m = 0; m < w->nmods; m++) {
		if (w->use_off[m + 1] > 0)
			w->cand[w->ncand++] = m;
		w->use_off[m + 1] += w->use_off[m];
	}
	for (i = 0; i < in->nneeds; i++)
		for (j = 0; j < in->needs[i].ncands; j++) {
			m = in->needs[i].cands[j].mod;
			w->use[w->use_off[m] + fill[m]].need = i;
			w->use[w->use_off[m] + fill[m]++].q =
			    in->needs[i].cands[j].q;
		}
	free(fill);
	return 0;
}

/* The best module for need i among the marked ones, as a catalog index. */
static size_t
best_in(const struct mt_need *n, const uint8_t *mark)
{
	size_t j;

	for (j = 0; j < n->ncands; j++)	/* best first */
		if (mark[n->cands[j].mod])
			return n->cands[j].mod;
	return SIZE_MAX;
}

static void
phase_reset(struct work *w)
{
	memset(w->chosen, 0, w->nmods);
	memset(w->covered, 0, w->in->nneeds + 1);
	w->norder = 0;
	w->spent = 0;
}

/*
 * Employee e's modules from the programme, as catalog indices for now
 * (plan_run makes them programme positions), and their needs' states.
 */
static int
employee(struct work *w, double *wt, size_t e, struct mt_plan *p,
    uint8_t *taken)
{
	const struct mt_plan_in *in = w->in;
	struct mt_take *t = &p->take[e];
	size_t i;

	for (i = 0; i < in->nneeds; i++)
		wt[i] = has_emp(&in->needs[i], e) ? in->needs[i].weight : 0;
	phase_reset(w);
	w->w = wt;
	cover(w);
	if ((t->mods = calloc(w->norder + 1, sizeof(size_t))) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < w->norder; i++) {
		taken[w->order[i]] = 1;
		t->mods[t->n++] = w->order[i];
		t->tenths += in->cat->m[w->order[i]].credits;
	}
	for (i = 0; i < in->nneeds; i++) {
		enum mt_need_state *s = &p->estate[i * in->nemps + e];

		if (wt[i] <= 0)
			*s = MT_NOT_THEIRS;
		else if (best_in(&in->needs[i], w->chosen) != SIZE_MAX)
			*s = MT_COVERED;
		else
			*s = in->needs[i].ncands == 0 ? MT_NO_MATCH :
			    MT_OVER_LIMIT;
	}
	return 0;
}

static int
size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int
plan_run(struct work *w, struct mt_plan *p)
{
	const struct mt_plan_in *in = w->in;
	uint8_t *allow = NULL, *taken = NULL;
	double *wt;
	size_t i, e, k, *prog = NULL, nprog, *pos = NULL;
	int rc = I40_E_NOMEM;

	if ((wt = calloc(in->nneeds + 1, sizeof(double))) == NULL)
		return rc;
	/* The company's programme, over every need. */
	for (i = 0; i < in->nneeds; i++)
		wt[i] = in->needs[i].weight * (double)(in->nemps == 0 ? 1 :
		    in->needs[i].nemps == 0 ? in->nemps : in->needs[i].nemps);
	w->w = wt;
	/* With employees the limit is each person's: the programme has none. */
	w->limit = in->nemps > 0 ? 0 : in->max_tenths;
	cover(w);
	w->limit = in->max_tenths;
	nprog = w->norder;
	if ((prog = calloc(nprog + 1, sizeof(size_t))) == NULL ||
	    (allow = calloc(w->nmods + 1, 1)) == NULL ||
	    (taken = calloc(w->nmods + 1, 1)) == NULL ||
	    (pos = calloc(w->nmods + 1, sizeof(size_t))) == NULL)
		goto out;
	memcpy(prog, w->order, nprog * sizeof(size_t));
	for (i = 0; i < nprog; i++)
		allow[prog[i]] = taken[prog[i]] = 1;
	p->nemps = in->nemps;
	if (in->nemps > 0) {
		if ((p->take = calloc(in->nemps, sizeof(*p->take))) == NULL ||
		    (p->estate = calloc(in->nneeds * in->nemps + 1,
		    sizeof(*p->estate))) == NULL)
			goto out;
		memset(taken, 0, w->nmods);
		w->allow = allow;
		for (e = 0; e < in->nemps; e++)
			if ((rc = employee(w, wt, e, p, taken)) != 0)
				goto out;
		rc = I40_E_NOMEM;
	}
	/* The programme: what someone takes, in the order it was chosen. */
	if ((p->mods = calloc(nprog + 1, sizeof(size_t))) == NULL ||
	    (p->need_of = calloc(nprog + 1, sizeof(size_t))) == NULL ||
	    (p->cover = calloc(in->nneeds + 1, sizeof(size_t))) == NULL ||
	    (p->state = calloc(in->nneeds + 1, sizeof(*p->state))) == NULL)
		goto out;
	for (i = 0; i < nprog; i++)
		if (taken[prog[i]]) {
			pos[prog[i]] = p->n;
			p->need_of[p->n] = SIZE_MAX;
			p->mods[p->n++] = prog[i];
			p->tenths += in->cat->m[prog[i]].credits;
		}
	for (e = 0; e < in->nemps; e++) {
		/* Employee e's modules in programme order. */
		struct mt_take *t = &p->take[e];

		for (i = 0; i < t->n; i++)
			t->mods[i] = pos[t->mods[i]];
		qsort(t->mods, t->n, sizeof(size_t), size_cmp);
	}
	for (i = 0; i < in->nneeds; i++) {
		const struct mt_need *n = &in->needs[i];

		k = best_in(n, taken);
		p->cover[i] = k == SIZE_MAX ? SIZE_MAX : pos[k];
		if (k != SIZE_MAX && p->need_of[pos[k]] == SIZE_MAX)
			p->need_of[pos[k]] = i;
		p->state[i] = n->ncands == 0 ? MT_NO_MATCH : k == SIZE_MAX ?
		    MT_OVER_LIMIT : MT_COVERED;
		for (e = 0; e < in->nemps; e++)
			if (p->estate[i * in->nemps + e] == MT_OVER_LIMIT)
				p->state[i] = MT_OVER_LIMIT;
	}
	rc = 0;
out:
	free(wt);
	free(prog);
	free(allow);
	free(taken);
	free(pos);
	return rc;
}

int
mt_plan(const struct mt_plan_in *in, struct mt_plan *out)
{
	struct work w;
	size_t nn = in->nneeds + 1;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_in(in)) != 0)
		return rc;
	memset(&w, 0, sizeof(w));
	w.in = in;
	w.nmods = in->cat->n;
	rc = I40_E_NOMEM;
	if ((w.chosen = calloc(w.nmods + 1, 1)) == NULL ||
	    (w.covered = calloc(nn, 1)) == NULL ||
	    (w.order = calloc(w.nmods + 1, sizeof(size_t))) == NULL ||
	    (w.stamp_m = calloc(w.nmods + 1, sizeof(size_t))) == NULL ||
	    (w.stamp_n = calloc(nn, sizeof(size_t))) == NULL ||
	    (w.clos = calloc(w.nmods + 1, sizeof(size_t))) == NULL ||
	    (w.best = calloc(nn, sizeof(double))) == NULL ||
	    (rc = uses(&w)) != 0 || (rc = plan_run(&w, out)) != 0)
		mt_plan_free(out);
	free(w.chosen);
	free(w.covered);
	free(w.order);
	free(w.stamp_m);
	free(w.stamp_n);
	free(w.clos);
	free(w.best);
	free(w.use_off);
	free(w.use);
	free(w.cand);
	return rc;
}

void
mt_plan_free(struct mt_plan *p)
{
	size_t e;

	for (e = 0; p->take != NULL && e < p->nemps; e++)
		free(p->take[e].mods);
	free(p->take);
	free(p->mods);
	free(p->need_of);
	free(p->cover);
	free(p->state);
	free(p->estate);
	memset(p, 0, sizeof(*p));
}

int
mt_plan_cost(const struct mt_catalog *c, size_t m, uint64_t *tenths)
{
	size_t *stack, n = 0, k, i, p;
	uint8_t *seen;

	*tenths = 0;
	if ((seen = calloc(c->n + 1, 1)) == NULL ||
	    (stack = calloc(c->n + 1, sizeof(size_t))) == NULL) {
		free(seen);
		return I40_E_NOMEM;
	}
	seen[m] = 1;
	stack[n++] = m;
	while (n > 0) {
		k = stack[--n];
		*tenths += c->m[k].credits;
		for (i = 0; i < c->m[k].npre; i++) {
			p = c->pre[c->m[k].pre + i].mod;
			if (p != SIZE_MAX && !seen[p]) {
				seen[p] = 1;
				stack[n++] = p;
			}
		}
	}
	free(seen);
	free(stack);
	return 0;
}
