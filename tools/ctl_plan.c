/*
 * ctl_plan.c: a list of needs into a programme (ctl_plan.h): the list
 * read, each need matched, match/plan.c's choice made into the JSON that
 * `i40ctl plan --json` prints and /api/plan answers.
 */
#include "tools/ctl_plan.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/plan.h"
#include "protocol/codec.h"
#include "tools/ctl.h"
#include "tools/ctl_match.h"

#define PLAN_NAME_MAX 100
#define PLAN_NEED_MAX 4096
#define PLAN_CANDS 10

struct pneed {
	size_t line;
	char *text;			/* into the list's copy */
	double weight;
	size_t *emps, nemps;
	enum mt_lang ln;
	struct mt_cand cands[PLAN_CANDS];
	size_t ncands;
};

struct ctl_plan_list {
	char *buf;			/* the list's copy, cut into lines */
	struct pneed *n;
	size_t nn;
	char **emp;			/* into the list's copy */
	size_t nemp;
	size_t named;			/* needs given to named employees */
	char *why;
	size_t cap;
};

static int
bad(struct ctl_plan_list *l, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(struct ctl_plan_list *l, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->why, l->cap, fmt, ap);
	va_end(ap);
	/* Cut short, it still ends on a whole character: it quotes input. */
	if (n >= 0 && (size_t)n >= l->cap && l->cap > 0)
		l->why[ctl_utf8_trim(l->why, l->cap - 1)] = '\0';
	return rc;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/*
 * The weight field, digits with a decimal point or comma ("1,5" as a
 * Swede writes it): 0 and *w, or -1 if it is not such a number.
 */
static int
weight_of(const char *s, double *w)
{
	char b[32], *p;
	size_t n = strspn(s, "0123456789");

	if (n == 0 || n >= 16)
		return -1;
	if ((s[n] == '.' || s[n] == ',') && isdigit((unsigned char)s[n + 1]))
		n += 1 + strspn(s + n + 1, "0123456789");
	if (s[n] != '\0' || n >= sizeof(b))
		return -1;
	memcpy(b, s, n + 1);
	if ((p = strchr(b, ',')) != NULL)
		*p = '.';
	*w = strtod(b, NULL);
	return 0;
}

static int
emp_index(struct ctl_plan_list *l, char *name, size_t line, size_t *out)
{
	size_t i;

	for (i = 0; i < l->nemp; i++)
		if (strcmp(l->emp[i], name) == 0) {
			*out = i;
			return 0;
		}
	if (l->nemp == CTL_PLAN_EMPS_MAX)
		return bad(l, I40_E_VALUE, "line %zu: more than %d employees "
		    "in one list", line, CTL_PLAN_EMPS_MAX);
	l->emp[l->nemp] = name;
	*out = l->nemp++;
	return 0;
}

static int
parse_emps(struct ctl_plan_list *l, struct pneed *n, char *s)
{
	char *tok, *save = NULL, *name;
	size_t e = 0, i;
	int rc;

	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		name = trim(tok);
		if (*name == '\0')
			return bad(l, I40_E_VALUE, "line %zu: an empty employee "
			    "name (names are separated by commas)", n->line);
		if (strlen(name) > PLAN_NAME_MAX)
			return bad(l, I40_E_VALUE, "line %zu: an employee name "
			    "of more than %d bytes", n->line, PLAN_NAME_MAX);
		if ((rc = emp_index(l, name, n->line, &e)) != 0)
			return rc;
		for (i = 0; i < n->nemps && n->emps[i] != e; i++)
			;
		if (i == n->nemps)
			n->emps[n->nemps++] = e;
	}
	return 0;
}

/* One line, "NEED [| WEIGHT] [| EMPLOYEES]", into l (NUL-terminated). */
static int
parse_line(struct ctl_plan_list *l, char *s, size_t line)
{
	char *f[4], clip[48];
	struct pneed *n;
	size_t nf = 0, i;
	double w;
	int has_emps = 0, rc;

	s = trim(s);
	if (*s == '\0' || *s == '#')
		return 0;
	if (!codec_utf8_valid((const uint8_t *)s, strlen(s)))
		return bad(l, I40_E_VALUE, "line %zu is not UTF-8 text: save "
		    "the list as UTF-8", line);
	if (l->nn == CTL_PLAN_NEEDS_MAX)
		return bad(l, I40_E_VALUE, "line %zu: more than %d needs in one "
		    "list: make several plans", line, CTL_PLAN_NEEDS_MAX);
	f[nf++] = s;
	for (; *s != '\0'; s++)
		if (*s == '|') {
			if (nf == 3)
				return bad(l, I40_E_VALUE, "line %zu: more than "
				    "three fields (NEED | WEIGHT | EMPLOYEES)",
				    line);
			*s = '\0';
			f[nf++] = s + 1;
		}
	for (i = 0; i < nf; i++)
		f[i] = trim(f[i]);
	n = &l->n[l->nn];
	memset(n, 0, sizeof(*n));
	n->line = line;
	n->text = f[0];
	n->weight = 1;
	if (*f[0] == '\0')
		return bad(l, I40_E_VALUE, "line %zu: no need before the first "
		    "`|'", line);
	if (strlen(f[0]) > PLAN_NEED_MAX)
		return bad(l, I40_E_VALUE, "line %zu: a need of more than %d "
		    "bytes: say it in a few words", line, PLAN_NEED_MAX);
	/* Two fields: the second is a weight if it is a number. */
	if (nf == 2 && weight_of(f[1], &w) != 0)
		has_emps = 1;
	else if (nf == 3)
		has_emps = 1;
	if (nf >= 2 && !(nf == 2 && has_emps) && *f[1] != '\0' &&
	    (weight_of(f[1], &n->weight) != 0 ||
	    !(n->weight > 0 && n->weight <= 1000)))
		return bad(l, I40_E_VALUE, "line %zu: weight `%s': a number "
		    "above 0, at most 1000", line, ctl_clip(f[1], 40, clip,
		    sizeof(clip)));
	l->nn++;
	if (!has_emps)
		return 0;
	/* As many names as commas and one, at most. */
	for (i = 1, s = f[nf - 1]; *s != '\0'; s++)
		i += *s == ',';
	if ((n->emps = calloc(i, sizeof(size_t))) == NULL)
		return bad(l, I40_E_NOMEM, "out of memory");
	if ((rc = parse_emps(l, n, f[nf - 1])) != 0)
		return rc;
	/* Named ones counted as they come: a huge list stops early. */
	if ((l->named += n->nemps) > CTL_PLAN_PAIRS_MAX)
		return bad(l, I40_E_VALUE, "line %zu: more than %d needs given "
		    "to employees in one plan: make several plans", line,
		    CTL_PLAN_PAIRS_MAX);
	return 0;
}

static int
parse_list(struct ctl_plan_list *l, char *buf, size_t len)
{
	size_t line = 1, i, start = 0, pairs = 0;
	int rc;

	if (memchr(buf, '\0', len) != NULL)
		return bad(l, I40_E_VALUE, "not text (it holds a NUL byte)");
	if ((l->n = calloc(CTL_PLAN_NEEDS_MAX, sizeof(*l->n))) == NULL ||
	    (l->emp = calloc(CTL_PLAN_EMPS_MAX, sizeof(char *))) == NULL)
		return bad(l, I40_E_NOMEM, "out of memory");
	for (i = 0; i <= len; i++)
		if (i == len || buf[i] == '\n') {
			buf[i] = '\0';
			if ((rc = parse_line(l, buf + start, line++)) != 0)
				return rc;
			start = i + 1;
		}
	if (l->nn == 0)
		return bad(l, I40_E_VALUE, "the list holds no need: one need per "
		    "line, NEED | WEIGHT | EMPLOYEES, the last two optional");
	/*
	 * The plan tells each employee about each of their needs: bounded,
	 * so that a list cannot make an answer of millions of entries.
	 */
	for (i = 0; i < l->nn; i++)
		pairs += l->n[i].nemps > 0 ? l->n[i].nemps : l->nemp;
	if (pairs > CTL_PLAN_PAIRS_MAX)
		return bad(l, I40_E_VALUE, "the list gives %zu needs to employees "
		    "in all (a need that names nobody is everyone's); at most %d "
		    "in one plan: make several plans", pairs,
		    CTL_PLAN_PAIRS_MAX);
	return 0;
}

void
ctl_plan_list_free(struct ctl_plan_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; l->n != NULL && i < l->nn; i++)
		free(l->n[i].emps);
	free(l->n);
	free(l->emp);
	free(l->buf);
	free(l);
}

/*
 * The hits a need's candidates are looked for in first.  A candidate
 * scores at least half the best (mt_plan_covers), so when the last of
 * these scores less, or ten candidates are found, no later hit could be
 * one, and the search's top-k pruning spares the rest of the catalog (a
 * list of 1000 needs on 10,000 modules: seconds, not minutes).  Else the
 * need is matched again, every hit: the choice is the same either way.
 */
#define PLAN_HITS 100

/* hits[0..nh) that cover the need, best first, into n->cands. */
static void
candidates(struct pneed *n, const struct mt_hit *hits, size_t nh,
    const struct ctl_words *ws)
{
	size_t j, k = ws->nwords < 32 ? ws->nwords : 32;

	n->ncands = 0;
	for (j = 0; j < nh && n->ncands < PLAN_CANDS; j++)
		if (mt_plan_covers(hits[j].cover, k, hits[j].score,
		    hits[0].score)) {
			n->cands[n->ncands].mod = hits[j].doc;
			n->cands[n->ncands++].q = hits[j].score / hits[0].score;
		}
}

/* Each need matched; the modules that cover it kept, best first. */
static int
match_all(const struct mt_catalog *cat, struct mt_analyzer *an,
    const struct mt_dict *dict, struct mt_search *s, struct ctl_plan_list *l,
    const char *lang)
{
	struct mt_hit *hits;
	struct ctl_words ws;
	char clip[72];
	size_t i, nh, lim;
	int rc;

	for (i = 0; i < l->nn; i++) {
		struct pneed *n = &l->n[i];
		size_t len = strlen(n->text);

		if ((strcmp(lang, "auto") == 0 ? mt_lang_guess(an, n->text,
		    len, &n->ln) : mt_lang_parse(lang, &n->ln)) != 0)
			return bad(l, I40_E_VALUE, "line %zu is not UTF-8 text",
			    n->line);
		for (lim = PLAN_HITS;; lim = 0) {
			rc = ctl_match_cat(cat, an, dict, s, n->ln, n->text,
			    len, NULL, NULL, lim, &hits, &nh, &ws);
			if (rc == I40_E_EMPTY)
				return bad(l, I40_E_VALUE, "line %zu: \"%s\" has "
				    "no word to match: say what is to be learnt",
				    n->line, ctl_clip(n->text, 60, clip,
				    sizeof(clip)));
			else if (rc != 0)
				return bad(l, rc, "line %zu: cannot match: %s",
				    n->line, i40_strerror(rc));
			candidates(n, hits, nh, &ws);
			if (lim == 0 || nh < lim || n->ncands == PLAN_CANDS ||
			    hits[nh - 1].score < hits[0].score / 2)
				break;
			free(hits);
		}
		free(hits);
	}
	return 0;
}

static const char *const state_names[] = { "covered", "no_match",
	"over_limit", "not_theirs" };

static json_t *
hp_json(uint64_t tenths)
{
	char hp[24];

	ctl_format_hp(tenths, hp);
	return json_string(hp);
}

/* The programme's modules, each with why it is there. */
static json_t *
modules_json(const struct mt_catalog *c, const struct ctl_plan_list *l,
    const struct mt_plan *p, const char *today)
{
	json_t *a = json_array(), *fr, *af, *mi;
	size_t i, j, k;

	for (i = 0; a != NULL && i < p->n; i++) {
		const struct mt_module *m = &c->m[p->mods[i]];
		const struct mt_session *s = mt_next_session(m, today);

		fr = json_array();
		for (j = 0; j < l->nn; j++)
			if (p->cover[j] == i)
				json_array_append_new(fr, ctl_json_u64(
				    l->n[j].line));
		af = json_array();
		mi = json_array();
		for (j = 0; j < m->npre; j++) {
			const struct mt_prereq *q = &c->pre[m->pre + j];

			for (k = 0; k < i && p->mods[k] != q->mod; k++)
				;
			if (q->mod != SIZE_MAX && k < i)
				json_array_append_new(af, json_pack("{s:s, s:s}",
				    "module", q->code, "university", q->schac));
			else if (q->mod == SIZE_MAX)
				json_array_append_new(mi, json_pack("{s:s, s:s}",
				    "module", q->code, "university", q->schac));
		}
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:o, "
		    "s:o, s:o, s:o, s:o}", "module", m->code, "university",
		    m->schac, "title_sv", m->title_sv, "title_en", m->title_en,
		    "credits", hp_json(m->credits), "next", s != NULL ?
		    json_pack("{s:s, s:s, s:s}", "start", s->start, "end",
		    s->end, "mode", s->mode) : json_null(), "for_lines", fr,
		    "after", af, "missing_prereqs", mi));
	}
	return a;
}

static json_t *
needs_json(const struct mt_catalog *c, const struct ctl_plan_list *l,
    const struct mt_plan *p)
{
	json_t *a = json_array(), *em, *alt, *cost;
	uint64_t t;
	size_t i, j;

	for (i = 0; a != NULL && i < l->nn; i++) {
		const struct pneed *n = &l->n[i];

		em = json_array();
		for (j = 0; j < n->nemps; j++)
			json_array_append_new(em, json_string(l->emp[n->emps[j]]));
		/* Over the limit: the module that would have covered it. */
		alt = cost = json_null();
		if (p->state[i] == MT_OVER_LIMIT && n->ncands > 0 &&
		    mt_plan_cost(c, n->cands[0].mod, &t) == 0) {
			alt = json_string(c->m[n->cands[0].mod].code);
			cost = hp_json(t);
		}
		json_array_append_new(a, json_pack("{s:o, s:s, s:s, s:f, s:o, "
		    "s:s, s:o, s:o, s:o}", "line", ctl_json_u64(n->line), "need",
		    n->text, "lang", n->ln == MT_SV ? "sv" : "en", "weight",
		    n->weight, "employees", em, "state",
		    state_names[p->state[i]], "module", p->cover[i] != SIZE_MAX ?
		    json_string(c->m[p->mods[p->cover[i]]].code) : json_null(),
		    "would_take", alt, "would_cost", cost));
	}
	return a;
}

static json_t *
emps_json(const struct mt_catalog *c, const struct ctl_plan_list *l,
    const struct mt_plan *p)
{
	json_t *a = json_array(), *ms, *un;
	size_t e, i;

	for (e = 0; a != NULL && e < l->nemp; e++) {
		const struct mt_take *t = &p->take[e];

		ms = json_array();
		for (i = 0; i < t->n; i++)
			json_array_append_new(ms, json_string(
			    c->m[p->mods[t->mods[i]]].code));
		un = json_array();
		for (i = 0; i < l->nn; i++) {
			enum mt_need_state s = p->estate[i * l->nemp + e];

			if (s == MT_NO_MATCH || s == MT_OVER_LIMIT)
				json_array_append_new(un, json_pack("{s:o, s:s}",
				    "line", ctl_json_u64(l->n[i].line), "state",
				    state_names[s]));
		}
		json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o}",
		    "name", l->emp[e], "modules", ms, "credits",
		    hp_json(t->tenths), "uncovered", un));
	}
	return a;
}


int
ctl_plan_read(const char *text, size_t len, struct ctl_plan_list **out,
    char *why, size_t cap)
{
	struct ctl_plan_list *l;
	int rc;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(why, cap, "out of memory");
		return I40_E_NOMEM;
	}
	l->why = why;
	l->cap = cap;
	if (len > CTL_PLAN_TEXT_MAX)
		rc = bad(l, I40_E_VALUE, "the list is larger than 1 MiB: a list "
		    "of needs is a few lines");
	/* parse_line cuts the lines in place: a copy, the caller's kept. */
	else if ((l->buf = malloc(len + 1)) == NULL)
		rc = bad(l, I40_E_NOMEM, "out of memory");
	else {
		memcpy(l->buf, text, len);
		l->buf[len] = '\0';
		rc = parse_list(l, l->buf, len);
	}
	if (rc != 0) {
		ctl_plan_list_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int
ctl_plan_make(struct ctl_plan_list *l, const struct mt_catalog *cat,
    struct mt_analyzer *an, const struct mt_dict *dict, struct mt_search *s,
    const char *lang, uint64_t max_tenths, const char *today, json_t **doc,
    size_t *uncovered, char *why, size_t cap)
{
	struct mt_need *mn = NULL;
	struct mt_plan_in in;
	struct mt_plan p;
	size_t i, nc = 0;
	int rc;

	*doc = NULL;
	*uncovered = 0;
	memset(&p, 0, sizeof(p));
	l->why = why;
	l->cap = cap;
	if ((rc = match_all(cat, an, dict, s, l, lang)) != 0)
		goto out;
	if ((mn = calloc(l->nn, sizeof(*mn))) == NULL) {
		rc = bad(l, I40_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < l->nn; i++) {
		mn[i].weight = l->n[i].weight;
		mn[i].emps = l->n[i].emps;
		mn[i].nemps = l->n[i].nemps;
		mn[i].cands = l->n[i].cands;
		mn[i].ncands = l->n[i].ncands;
	}
	memset(&in, 0, sizeof(in));
	in.cat = cat;
	in.needs = mn;
	in.nneeds = l->nn;
	in.nemps = l->nemp;
	in.max_tenths = max_tenths;
	if ((rc = mt_plan(&in, &p)) != 0) {
		rc = bad(l, rc, "cannot make the plan: %s", i40_strerror(rc));
		goto out;
	}
	if ((*doc = json_pack("{s:o, s:o, s:o, s:o, s:o}", "credits",
	    hp_json(p.tenths), "max_credits", max_tenths ? hp_json(max_tenths) :
	    json_null(), "modules", modules_json(cat, l, &p, today), "needs",
	    needs_json(cat, l, &p), "employees", emps_json(cat, l, &p))) ==
	    NULL) {
		rc = bad(l, I40_E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < l->nn; i++)
		nc += p.state[i] == MT_COVERED;
	*uncovered = l->nn - nc;
out:
	mt_plan_free(&p);
	free(mn);
	return rc;
}

const char *
ctl_plan_need_at(const json_t *doc, json_int_t line)
{
	const json_t *n;
	const char *t;
	size_t i;

	json_array_foreach(json_object_get(doc, "needs"), i, n)
		if (json_integer_value(json_object_get(n, "line")) == line)
			return (t = json_string_value(json_object_get(n,
			    "need"))) != NULL ? t : "";
	return "";
}
