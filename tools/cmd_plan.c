/*
 * cmd_plan.c: i40ctl plan FILE: a company's list of needs made into a
 * short programme of this node's current modules (docs/matching.md,
 * "Plans"; docs/i40ctl.md "plan").  Each need is matched as `match`
 * does; match/plan.c chooses.  i40d need not run.
 */
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_match.h"
#include "ctl_member.h"
#include "match/plan.h"
#include "protocol/codec.h"
#include "subcommands.h"

static const char usage[] =
    "usage: i40ctl plan FILE [-d DIR] [--lang sv|en|auto] [--max-credits HP]\n"
    "           [--json]\n"
    "\n"
    "Make a company's needs into a short programme of this node's current\n"
    "modules: the fewest credits that cover the most, prerequisites first,\n"
    "per employee where the file names them; the needs nothing covers are\n"
    "named.  FILE has one need per line, optionally its weight and who has\n"
    "it (FILE - is standard input):\n"
    "\n"
    "    # need | weight | employees\n"
    "    robotprogrammering för svetsceller | 3 | Anna Berg, Bo Ek\n"
    "    PLC programming | Bo Ek\n"
    "    cybersäkerhet i styrsystem\n"
    "\n"
    "  -d, --datadir DIR       the node's data directory\n"
    "      --lang L            the needs' language (default auto, per line)\n"
    "      --max-credits HP    at most HP credits for each person (for the\n"
    "                          whole programme when no employee is named)\n"
    "      --json              print the plan as JSON (docs/i40ctl.md)\n"
    "  -h, --help              print this text\n";

/* A company's list, not a catalog: bounded so a mistake fails fast. */
#define PLAN_FILE_MAX (1024 * 1024)
#define PLAN_NEEDS_MAX 1000
#define PLAN_EMPS_MAX 1000
#define PLAN_NAME_MAX 100
#define PLAN_NEED_MAX 4096
#define PLAN_CANDS 10

struct pneed {
	size_t line;
	char *text;			/* into the file's buffer */
	double weight;
	size_t *emps, nemps;
	enum mt_lang ln;
	struct mt_cand cands[PLAN_CANDS];
	size_t ncands;
};

struct plist {
	struct pneed *n;
	size_t nn;
	char **emp;			/* into the file's buffer */
	size_t nemp;
};

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
emp_index(struct plist *l, char *name, size_t line, size_t *out)
{
	size_t i;

	for (i = 0; i < l->nemp; i++)
		if (strcmp(l->emp[i], name) == 0) {
			*out = i;
			return 0;
		}
	if (l->nemp == PLAN_EMPS_MAX) {
		ctl_errx("line %zu: more than %d employees in one file", line,
		    PLAN_EMPS_MAX);
		return -1;
	}
	l->emp[l->nemp] = name;
	*out = l->nemp++;
	return 0;
}

static int
parse_emps(struct plist *l, struct pneed *n, char *s)
{
	char *tok, *save = NULL, *name;
	size_t e, i;

	for (tok = strtok_r(s, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		name = trim(tok);
		if (*name == '\0') {
			ctl_errx("line %zu: an empty employee name (names are "
			    "separated by commas)", n->line);
			return -1;
		}
		if (strlen(name) > PLAN_NAME_MAX) {
			ctl_errx("line %zu: an employee name of more than %d "
			    "bytes", n->line, PLAN_NAME_MAX);
			return -1;
		}
		if (emp_index(l, name, n->line, &e) != 0)
			return -1;
		for (i = 0; i < n->nemps && n->emps[i] != e; i++)
			;
		if (i == n->nemps)
			n->emps[n->nemps++] = e;
	}
	return 0;
}

/* One line, "NEED [| WEIGHT] [| EMPLOYEES]", into l (NUL-terminated). */
static int
parse_line(struct plist *l, char *s, size_t line)
{
	char *f[4];
	struct pneed *n;
	size_t nf = 0, i;
	double w;
	int has_emps = 0;

	s = trim(s);
	if (*s == '\0' || *s == '#')
		return 0;
	if (!codec_utf8_valid((const uint8_t *)s, strlen(s))) {
		ctl_errx("line %zu is not UTF-8 text: save the file as UTF-8",
		    line);
		return -1;
	}
	if (l->nn == PLAN_NEEDS_MAX) {
		ctl_errx("line %zu: more than %d needs in one file: make "
		    "several plans", line, PLAN_NEEDS_MAX);
		return -1;
	}
	f[nf++] = s;
	for (; *s != '\0'; s++)
		if (*s == '|') {
			if (nf == 3) {
				ctl_errx("line %zu: more than three fields "
				    "(NEED | WEIGHT | EMPLOYEES)", line);
				return -1;
			}
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
	if (*f[0] == '\0') {
		ctl_errx("line %zu: no need before the first `|'", line);
		return -1;
	}
	if (strlen(f[0]) > PLAN_NEED_MAX) {
		ctl_errx("line %zu: a need of more than %d bytes: say it in a "
		    "few words", line, PLAN_NEED_MAX);
		return -1;
	}
	/* Two fields: the second is a weight if it is a number. */
	if (nf == 2 && weight_of(f[1], &w) != 0)
		has_emps = 1;
	else if (nf == 3)
		has_emps = 1;
	if (nf >= 2 && !(nf == 2 && has_emps) && *f[1] != '\0') {
		if (weight_of(f[1], &n->weight) != 0 ||
		    !(n->weight > 0 && n->weight <= 1000)) {
			ctl_errx("line %zu: weight `%s': a number above 0, at "
			    "most 1000", line, f[1]);
			return -1;
		}
	}
	l->nn++;
	if (!has_emps)
		return 0;
	/* As many names as commas and one, at most. */
	for (i = 1, s = f[nf - 1]; *s != '\0'; s++)
		i += *s == ',';
	if ((n->emps = calloc(i, sizeof(size_t))) == NULL) {
		ctl_errx("out of memory");
		return -1;
	}
	return parse_emps(l, n, f[nf - 1]);
}

static int
parse_list(struct plist *l, char *buf, size_t len, const char *file)
{
	size_t line = 1, i, start = 0;

	if (memchr(buf, '\0', len) != NULL) {
		ctl_errx("%s is not a text file (it holds a NUL byte)", file);
		return -1;
	}
	if ((l->n = calloc(PLAN_NEEDS_MAX, sizeof(*l->n))) == NULL ||
	    (l->emp = calloc(PLAN_EMPS_MAX, sizeof(char *))) == NULL) {
		ctl_errx("out of memory");
		return -1;
	}
	for (i = 0; i <= len; i++)
		if (i == len || buf[i] == '\n') {
			buf[i] = '\0';
			if (parse_line(l, buf + start, line++) != 0)
				return -1;
			start = i + 1;
		}
	if (l->nn == 0) {
		ctl_errx("%s holds no need: one need per line, as `i40ctl plan "
		    "--help' shows", file);
		return -1;
	}
	return 0;
}

static void
plist_free(struct plist *l)
{
	size_t i;

	for (i = 0; l->n != NULL && i < l->nn; i++)
		free(l->n[i].emps);
	free(l->n);
	free(l->emp);
}

/* FILE, or standard input for "-", whole and bounded; NUL-terminated. */
static int
read_list(const char *file, char **buf, size_t *len)
{
	FILE *f;
	int rc;

	if ((rc = ctl_open_input(file, &f)) != 0) {
		ctl_err(rc, "cannot read %s", file);
		return -1;
	}
	if ((*buf = malloc(PLAN_FILE_MAX + 2)) == NULL) {
		ctl_errx("out of memory");
		rc = -1;
	} else if ((*len = fread(*buf, 1, PLAN_FILE_MAX + 1, f)) >
	    PLAN_FILE_MAX) {
		ctl_errx("%s is larger than 1 MiB: a list of needs is a few "
		    "lines", file);
		rc = -1;
	} else if (ferror(f)) {
		ctl_errx("cannot read %s", file);
		rc = -1;
	} else
		(*buf)[*len] = '\0';
	if (f != stdin)
		fclose(f);
	return rc;
}

/* Each need matched; the modules that cover it kept, best first. */
static int
match_all(struct ctl_matcher *mr, struct plist *l, const char *lang)
{
	struct mt_hit *hits;
	struct ctl_words ws;
	size_t i, j, nh, k;
	int rc;

	for (i = 0; i < l->nn; i++) {
		struct pneed *n = &l->n[i];
		size_t len = strlen(n->text);

		if (ctl_need_lang(mr, lang, n->text, len, &n->ln) != 0) {
			ctl_errx("line %zu is not UTF-8 text", n->line);
			return -1;
		}
		rc = ctl_match_need(mr, n->ln, n->text, len, &hits, &nh, &ws);
		if (rc == I40_E_EMPTY) {
			ctl_errx("line %zu: \"%s\" has no word to match: say "
			    "what is to be learnt", n->line, n->text);
			return -1;
		} else if (rc != 0) {
			ctl_err(rc, "line %zu: cannot match", n->line);
			return -1;
		}
		for (j = 0; j < nh && n->ncands < PLAN_CANDS; j++) {
			k = ws.nwords < 32 ? ws.nwords : 32;
			if (mt_plan_covers(hits[j].cover, k, hits[j].score,
			    hits[0].score)) {
				n->cands[n->ncands].mod = hits[j].doc;
				n->cands[n->ncands++].q = hits[j].score /
				    hits[0].score;
			}
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
modules_json(const struct mt_catalog *c, const struct plist *l,
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
needs_json(const struct mt_catalog *c, const struct plist *l,
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
emps_json(const struct mt_catalog *c, const struct plist *l,
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

static const char *
title_of(const json_t *m, int en)
{
	const char *t = json_string_value(json_object_get(m, en ? "title_en" :
	    "title_sv"));

	return t != NULL && *t != '\0' ? t : json_string_value(
	    json_object_get(m, en ? "title_sv" : "title_en"));
}

/* The need on a line, by its number. */
static const char *
need_at(const json_t *doc, json_int_t line)
{
	const json_t *n;
	size_t i;

	json_array_foreach(json_object_get(doc, "needs"), i, n)
		if (json_integer_value(json_object_get(n, "line")) == line)
			return json_string_value(json_object_get(n, "need"));
	return "";
}

static void
print_modules(const json_t *doc, int en)
{
	const json_t *m, *x, *nx;
	char clip[80];
	size_t i, j;

	json_array_foreach(json_object_get(doc, "modules"), i, m) {
		nx = json_object_get(m, "next");
		printf("%2zu  %-10s %s (%s), %s hp", i + 1,
		    json_string_value(json_object_get(m, "module")),
		    title_of(m, en), json_string_value(json_object_get(m,
		    "university")), json_string_value(json_object_get(m,
		    "credits")));
		if (json_is_object(nx))
			printf(", next %s %s", json_string_value(
			    json_object_get(nx, "start")), json_string_value(
			    json_object_get(nx, "mode")));
		printf("\n");
		json_array_foreach(json_object_get(m, "after"), j, x)
			printf("%s%s", j ? ", " : "      after ",
			    json_string_value(json_object_get(x, "module")));
		if (j > 0)
			printf("\n");
		json_array_foreach(json_object_get(m, "missing_prereqs"), j, x)
			printf("      requires %s (%s), which this catalog does "
			    "not offer: check its entry requirements\n",
			    json_string_value(json_object_get(x, "module")),
			    json_string_value(json_object_get(x,
			    "university")));
		json_array_foreach(json_object_get(m, "for_lines"), j, x)
			printf("%s%s", j ? "; " : "      for: ", ctl_clip(need_at(doc,
			    json_integer_value(x)), 60, clip, sizeof(clip)));
		printf(j > 0 ? "\n" : "      a prerequisite of a later module\n");
	}
}

static void
print_human(const json_t *doc, const void *arg)
{
	const json_t *needs = json_object_get(doc, "needs"), *n, *e, *x;
	size_t i, j, nc = 0, en = 0;

	(void)arg;
	json_array_foreach(needs, i, n) {
		nc += strcmp(json_string_value(json_object_get(n, "state")),
		    "covered") == 0;
		en += strcmp(json_string_value(json_object_get(n, "lang")),
		    "en") == 0;
	}
	printf("programme: %zu modules, %s hp, covering %zu of %zu needs",
	    json_array_size(json_object_get(doc, "modules")),
	    json_string_value(json_object_get(doc, "credits")), nc,
	    json_array_size(needs));
	if (json_is_string(json_object_get(doc, "max_credits")))
		printf(" (at most %s hp %s)", json_string_value(json_object_get(
		    doc, "max_credits")), json_array_size(json_object_get(doc,
		    "employees")) ? "each" : "in all");
	printf("\n");
	print_modules(doc, 2 * en > json_array_size(needs));
	json_array_foreach(needs, i, n)
		printf("%s%5lld  %-10s  %s%s%s\n", i ? "" : "needs (line, state):\n",
		    (long long)json_integer_value(json_object_get(n, "line")),
		    json_string_value(json_object_get(n, "state")),
		    json_string_value(json_object_get(n, "need")),
		    json_is_string(json_object_get(n, "module")) ? " -> " : "",
		    json_is_string(json_object_get(n, "module")) ?
		    json_string_value(json_object_get(n, "module")) : "");
	json_array_foreach(json_object_get(doc, "employees"), i, e) {
		printf("%s  %s: %s hp:", i ? "" : "per employee:\n",
		    json_string_value(json_object_get(e, "name")),
		    json_string_value(json_object_get(e, "credits")));
		json_array_foreach(json_object_get(e, "modules"), j, x)
			printf("%s %s", j ? "," : "", json_string_value(x));
		if (j == 0)
			printf(" nothing");
		json_array_foreach(json_object_get(e, "uncovered"), j, x)
			printf("%sline %lld", j ? ", " : "; not covered: ",
			    (long long)json_integer_value(json_object_get(x,
			    "line")));
		printf("\n");
	}
	json_array_foreach(needs, i, n) {
		const char *s = json_string_value(json_object_get(n, "state"));

		if (strcmp(s, "no_match") == 0)
			printf("not covered, line %lld: \"%s\": no module in "
			    "this catalog matches most of it\n", (long long)
			    json_integer_value(json_object_get(n, "line")),
			    json_string_value(json_object_get(n, "need")));
		else if (strcmp(s, "over_limit") == 0)
			printf("not covered, line %lld: \"%s\": not within the "
			    "credit limit (%s would cover it, for %s hp with any "
			    "prerequisites)\n", (long long)
			    json_integer_value(json_object_get(n, "line")),
			    json_string_value(json_object_get(n, "need")),
			    json_string_value(json_object_get(n,
			    "would_take")), json_string_value(json_object_get(n,
			    "would_cost")));
	}
}

static int
parse_opts(int argc, char *argv[], struct ctl_opts *o, const char **lang,
    uint64_t *max, char *today)
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP,
		{ "lang", required_argument, NULL, 'l' },
		{ "max-credits", required_argument, NULL, 'c' },
		{ "today", required_argument, NULL, 't' }, CTL_OPT_END
	};
	int c, rc = 0;

	while (rc == 0 && (c = ctl_getopt(argc, argv, ":d:h", opts, o)) > 0) {
		switch (c) {
		case 'l':
			rc = ctl_match_lang_opt(usage, optarg, lang);
			break;
		case 'c':
			rc = ctl_match_hp_opt(usage, optarg, max);
			break;
		case 't':
			if ((rc = ctl_match_date_opt(usage, optarg)) == 0)
				snprintf(today, 11, "%s", optarg);
			break;
		}
	}
	if (rc != 0)
		return rc;
	return c < 0 ? -1 : 0;
}

int
plan_main(int argc, char *argv[])
{
	static const char *const with_arg[] = { "-d", "--datadir", "--lang",
	    "--max-credits", "--today", NULL };
	struct ctl_opts o;
	struct ctl_matcher mr;
	struct plist l;
	struct mt_need *mn = NULL;
	struct mt_plan_in in;
	struct mt_plan p;
	const char *file, *lang = "auto";
	char *buf = NULL, today[11];
	size_t len, i, nc = 0;
	uint64_t max = 0;
	json_t *doc = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int ret, rc;

	memset(&mr, 0, sizeof(mr));
	memset(&l, 0, sizeof(l));
	memset(&p, 0, sizeof(p));
	ctl_set_cmd("i40ctl plan");
	if ((ret = ctl_operand(&argc, argv, with_arg, usage, "FILE", &file)) !=
	    CTL_EXIT_OK)
		return ret;
	if (file == NULL) {
		fputs(usage, stdout);
		return CTL_EXIT_OK;
	}
	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	ctl_opts_init(&o, usage, CTL_TIMEOUT_MS);
	if ((rc = parse_opts(argc, argv, &o, &lang, &max, today)) != 0)
		return rc < 0 ? o.exit : rc;
	ret = CTL_EXIT_ERR;
	if (read_list(file, &buf, &len) != 0 ||
	    parse_list(&l, buf, len, file) != 0 ||
	    ctl_matcher_open(&mr, o.datadir) != 0 ||
	    match_all(&mr, &l, lang) != 0)
		goto out;
	if ((mn = calloc(l.nn, sizeof(*mn))) == NULL) {
		ctl_errx("out of memory");
		goto out;
	}
	for (i = 0; i < l.nn; i++) {
		mn[i].weight = l.n[i].weight;
		mn[i].emps = l.n[i].emps;
		mn[i].nemps = l.n[i].nemps;
		mn[i].cands = l.n[i].cands;
		mn[i].ncands = l.n[i].ncands;
	}
	memset(&in, 0, sizeof(in));
	in.cat = &mr.cat;
	in.needs = mn;
	in.nneeds = l.nn;
	in.nemps = l.nemp;
	in.max_tenths = max;
	if ((rc = mt_plan(&in, &p)) != 0) {
		ctl_err(rc, "cannot make the plan");
		goto out;
	}
	if ((doc = json_pack("{s:o, s:o, s:o, s:o, s:o}", "credits",
	    hp_json(p.tenths), "max_credits", max ? hp_json(max) : json_null(),
	    "modules", modules_json(&mr.cat, &l, &p, today), "needs",
	    needs_json(&mr.cat, &l, &p), "employees", emps_json(&mr.cat, &l,
	    &p))) == NULL) {
		ctl_errx("out of memory");
		goto out;
	}
	for (i = 0; i < l.nn; i++)
		nc += p.state[i] == MT_COVERED;
	if (ctl_output(doc, o.json, print_human, NULL, "plan") == 0)
		ret = nc == l.nn ? CTL_EXIT_OK : CTL_EXIT_ERR;
out:
	json_decref(doc);
	mt_plan_free(&p);
	free(mn);
	ctl_matcher_close(&mr);
	plist_free(&l);
	free(buf);
	return ret;
}
