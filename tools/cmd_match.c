/*
 * cmd_match.c: i40ctl match "NEED": the current modules of this node's
 * catalog ranked against a need in Swedish or English (docs/matching.md,
 * docs/i40ctl.md "match").  The index is match/'s, built per call from
 * the store; i40d need not run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_match.h"
#include "ctl_member.h"
#include "subcommands.h"

static const char usage[] =
    "usage: i40ctl match NEED [-d DIR] [--lang sv|en|auto]\n"
    "           [--mode online|campus|blended|any] [--starts-after DATE]\n"
    "           [--starts-before DATE] [--university SCHAC] [--level EQF]\n"
    "           [--max-credits HP] [--limit N] [--json]\n"
    "\n"
    "Rank the current modules of this node's catalog against a need in\n"
    "your own words, Swedish or English (\"robotprogrammering för\n"
    "svetsceller\"); each hit says why it matched.  NEED - reads it from\n"
    "standard input.  Reads the data directory; i40d need not run.\n"
    "\n"
    "  -d, --datadir DIR       the node's data directory\n"
    "      --lang L            the need's language (default auto)\n"
    "      --mode M            online, campus (on site), blended, or any\n"
    "      --starts-after D    a session starting on or after D (YYYY-MM-DD)\n"
    "      --starts-before D   a session starting before D\n"
    "      --university SCHAC  one university's modules (e.g. hh.se)\n"
    "      --level EQF         modules of this EQF level (1..8)\n"
    "      --max-credits HP    modules of at most HP credits (7.5, 1)\n"
    "      --limit N           at most N hits (default 10, 1..1000)\n"
    "      --json              print {\"hits\": [...]} (docs/i40ctl.md)\n"
    "  -h, --help              print this text\n";

/* A need is a few sentences; past this it is a file, not a need. */
#define NEED_MAX 4096

struct filter {
	const char *mode, *after, *before, *schac;
	uint64_t eqf, max_tenths;
	char today[11];
};

/* A session that the date filters allow: the next from after (or today). */
static const struct mt_session *
session_ok(const struct mt_module *m, const struct filter *f)
{
	const char *from = f->after != NULL && strcmp(f->after, f->today) > 0 ?
	    f->after : f->today;
	const struct mt_session *s = mt_next_session(m, from);

	if (f->before != NULL && (s == NULL || strcmp(s->start, f->before) >= 0))
		return NULL;
	return s;
}

static int
passes(const struct mt_module *m, const struct filter *f)
{
	if (f->schac != NULL && strcmp(f->schac, m->schac) != 0)
		return 0;
	if (f->eqf != 0 && m->eqf != f->eqf)
		return 0;
	if (f->max_tenths != 0 && m->credits > f->max_tenths)
		return 0;
	if (f->mode != NULL && strcmp(f->mode, m->mode) != 0)
		return 0;
	if ((f->after != NULL || f->before != NULL) && session_ok(m, f) == NULL)
		return 0;
	return 1;
}

static const char *const field_names[MT_NFIELDS] = { "title", "tags",
	"outcomes", "summary" };

static json_t *
why_json(const struct mt_hit *h, const struct ctl_words *ws)
{
	json_t *a = json_array(), *fs;
	size_t i, f;

	for (i = 0; a != NULL && i < ws->n; i++) {
		if ((fs = json_array()) == NULL)
			break;
		for (f = 0; f < MT_NFIELDS; f++)
			if (h->fields[f] & (1u << i))
				json_array_append_new(fs,
				    json_string(field_names[f]));
		if (json_array_size(fs) == 0) {
			json_decref(fs);
			continue;
		}
		json_array_append_new(a, json_pack("{s:s, s:o}", "word",
		    ws->w[i], "fields", fs));
	}
	return a;
}

static json_t *
hit_json(const struct mt_catalog *cat, const struct mt_hit *h,
    const struct ctl_words *ws, const struct filter *f)
{
	const struct mt_module *m = &cat->m[h->doc];
	const struct mt_session *s = session_ok(m, f);
	char hp[24];

	ctl_format_hp(m->credits, hp);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:f, s:o}",
	    "module", m->code, "university", m->schac, "title_sv", m->title_sv,
	    "title_en", m->title_en, "credits", hp, "eqf", (json_int_t)m->eqf,
	    "mode", m->mode, "next", s != NULL ? json_pack("{s:s, s:s, s:s}",
	    "start", s->start, "end", s->end, "mode", s->mode) : json_null(),
	    "score", h->score, "why", why_json(h, ws));
}

static void
print_human(const json_t *doc, const void *arg)
{
	const json_t *hits = json_object_get(doc, "hits"), *h, *w, *fl;
	size_t i, j, k;

	(void)arg;
	if (json_array_size(hits) == 0) {
		const json_t *dym = json_object_get(doc, "did_you_mean");

		printf("no module matches \"%s\"",
		    json_string_value(json_object_get(doc, "need")));
		for (i = 0; i < json_array_size(dym); i++)
			printf("%s%s", i ? ", " : "; did you mean: ",
			    json_string_value(json_array_get(dym, i)));
		printf("\n");
		return;
	}
	json_array_foreach(hits, i, h) {
		const json_t *nx = json_object_get(h, "next");
		/* The title in the need's language, else the other. */
		int en = strcmp(json_string_value(json_object_get(doc,
		    "lang")), "en") == 0;
		const char *t = json_string_value(json_object_get(h,
		    en ? "title_en" : "title_sv"));

		if (t == NULL || *t == '\0')
			t = json_string_value(json_object_get(h, en ?
			    "title_sv" : "title_en"));
		printf("%2zu  %-10s %s (%s), %s hp, EQF %lld, %s", i + 1,
		    json_string_value(json_object_get(h, "module")), t,
		    json_string_value(json_object_get(h, "university")),
		    json_string_value(json_object_get(h, "credits")),
		    (long long)json_integer_value(json_object_get(h, "eqf")),
		    json_string_value(json_object_get(h, "mode")));
		if (json_is_object(nx))
			printf(", next %s", json_string_value(
			    json_object_get(nx, "start")));
		printf("  score %.2f\n", json_real_value(json_object_get(h,
		    "score")));
		printf("      matched:");
		json_array_foreach(json_object_get(h, "why"), j, w) {
			printf("%s %s in", j ? ";" : "", json_string_value(
			    json_object_get(w, "word")));
			json_array_foreach(json_object_get(w, "fields"), k, fl)
				printf("%s %s", k ? "," : "",
				    json_string_value(fl));
		}
		printf("\n");
	}
}

/* NEED, or standard input for "-", bounded. */
static int
read_need(const char *arg, char **out, size_t *len)
{
	char *b;
	size_t n;

	if (strcmp(arg, "-") != 0) {
		*len = strlen(arg);
		if (*len > NEED_MAX)
			goto long_need;
		*out = strdup(arg);
		return *out == NULL ? I40_E_NOMEM : 0;
	}
	if ((b = malloc(NEED_MAX + 2)) == NULL)
		return I40_E_NOMEM;
	n = fread(b, 1, NEED_MAX + 1, stdin);
	if (n > NEED_MAX) {
		free(b);
		*len = n;
		goto long_need;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
long_need:
	ctl_errx("the need is longer than %d bytes: say it in a few "
	    "sentences (for a company's list of needs, use `i40ctl plan`)",
	    NEED_MAX);
	return I40_E_TOO_LONG;
}

static int
parse_opts(int argc, char *argv[], struct ctl_opts *o, struct filter *f,
    const char **lang, size_t *limit)
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP,
		{ "lang", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "starts-after", required_argument, NULL, 'A' },
		{ "starts-before", required_argument, NULL, 'B' },
		{ "university", required_argument, NULL, 'u' },
		{ "level", required_argument, NULL, 'e' },
		{ "max-credits", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'n' },
		{ "today", required_argument, NULL, 't' }, CTL_OPT_END
	};
	char *end;
	long v;
	int c, rc;

	while ((c = ctl_getopt(argc, argv, ":d:h", opts, o)) > 0) {
		switch (c) {
		case 'l':
			if ((rc = ctl_match_lang_opt(usage, optarg, lang)) != 0)
				return rc;
			break;
		case 'm':
			if (strcmp(optarg, "any") == 0)
				f->mode = NULL;
			else if (strcmp(optarg, "campus") == 0 ||
			    strcmp(optarg, "onsite") == 0)
				f->mode = "onsite";
			else if (strcmp(optarg, "online") == 0 ||
			    strcmp(optarg, "blended") == 0)
				f->mode = optarg;
			else
				return ctl_usage_error(usage, "--mode `%s': "
				    "online, campus, blended or any", optarg);
			break;
		case 'A': case 'B': case 't':
			if ((rc = ctl_match_date_opt(usage, optarg)) != 0)
				return rc;
			if (c == 'A')
				f->after = optarg;
			else if (c == 'B')
				f->before = optarg;
			else
				snprintf(f->today, sizeof(f->today), "%s",
				    optarg);
			break;
		case 'u':
			f->schac = optarg;
			break;
		case 'e':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 8)
				return ctl_usage_error(usage, "--level `%s': an "
				    "EQF level, 1 to 8", optarg);
			f->eqf = (uint64_t)v;
			break;
		case 'c':
			if ((rc = ctl_match_hp_opt(usage, optarg,
			    &f->max_tenths)) != 0)
				return rc;
			break;
		case 'n':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 1000)
				return ctl_usage_error(usage, "--limit `%s': 1 "
				    "to 1000", optarg);
			*limit = (size_t)v;
			break;
		}
	}
	return c < 0 ? -1 : 0;
}

int
match_main(int argc, char *argv[])
{
	static const char *const with_arg[] = { "-d", "--datadir", "--lang",
	    "--mode", "--starts-after", "--starts-before", "--university",
	    "--level", "--max-credits", "--limit", "--today", NULL };
	struct filter f;
	struct ctl_opts o;
	struct ctl_matcher mr;
	struct mt_hit *hits = NULL;
	struct ctl_words ws;
	const char *arg, *lang = "auto";
	char *need = NULL, dym[8][MT_TERM_MAX + 1];
	size_t len, limit = 10, nh = 0, i, k, ndym = 0;
	enum mt_lang ln;
	json_t *doc = NULL, *list;
	time_t now = time(NULL);
	struct tm tm;
	int ret, rc;

	memset(&mr, 0, sizeof(mr));
	memset(&f, 0, sizeof(f));
	ctl_set_cmd("i40ctl match");
	if ((ret = ctl_operand(&argc, argv, with_arg, usage, "NEED", &arg)) !=
	    CTL_EXIT_OK)
		return ret;
	if (arg == NULL) {
		fputs(usage, stdout);
		return CTL_EXIT_OK;
	}
	gmtime_r(&now, &tm);
	strftime(f.today, sizeof(f.today), "%Y-%m-%d", &tm);
	ctl_opts_init(&o, usage, CTL_TIMEOUT_MS);
	if ((rc = parse_opts(argc, argv, &o, &f, &lang, &limit)) != 0)
		return rc < 0 ? o.exit : rc;
	ret = CTL_EXIT_ERR;
	if (read_need(arg, &need, &len) != 0)
		goto out;
	if (ctl_matcher_open(&mr, o.datadir) != 0)
		goto out;
	if ((rc = ctl_need_lang(&mr, lang, need, len, &ln)) == I40_E_UTF8) {
		ctl_errx("the need is not UTF-8 text: type it again, or save "
		    "the file as UTF-8");
		goto out;
	}
	rc = ctl_match_need(&mr, ln, need, len, &hits, &nh, &ws);
	if (rc == I40_E_EMPTY) {
		ctl_errx("the need has no word to match: say what you want to "
		    "learn (\"svetsa med robot\", \"PLC programming\")");
		goto out;
	} else if (rc != 0) {
		ctl_err(rc, "cannot match");
		goto out;
	}
	if ((doc = json_object()) == NULL || (list = json_array()) == NULL ||
	    json_object_set_new(doc, "need", json_string(need)) != 0 ||
	    json_object_set_new(doc, "lang", json_string(ln == MT_SV ? "sv" :
	    "en")) != 0 || json_object_set_new(doc, "hits", list) != 0) {
		ctl_errx("out of memory");
		goto out;
	}
	for (i = 0, k = 0; i < nh && k < limit; i++)
		if (passes(&mr.cat.m[hits[i].doc], &f)) {
			json_array_append_new(list, hit_json(&mr.cat, &hits[i], &ws,
			    &f));
			k++;
		}
	if (k == 0) {
		json_t *d = json_array();

		if (mt_suggest(mr.cat.ix, mr.an, ln, need, len, dym, 8, &ndym) != 0)
			ndym = 0;
		for (i = 0; d != NULL && i < ndym; i++)
			json_array_append_new(d, json_string(dym[i]));
		json_object_set_new(doc, "did_you_mean", d);
	}
	if (ctl_output(doc, o.json, print_human, NULL, "matches") == 0)
		ret = k > 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
out:
	json_decref(doc);
	free(hits);
	ctl_matcher_close(&mr);
	free(need);
	return ret;
}
