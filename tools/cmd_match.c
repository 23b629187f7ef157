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
parse_opts(int argc, char *argv[], struct ctl_opts *o, struct ctl_filter *f,
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
			if (ctl_filter_mode(optarg, &f->mode) != 0)
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
	struct ctl_filter f;
	struct ctl_opts o;
	struct ctl_matcher mr;
	const char *arg, *lang = "auto";
	char *need = NULL;
	size_t len, limit = 10, nh = 0;
	json_t *doc = NULL;
	int ret, rc;

	memset(&mr, 0, sizeof(mr));
	ctl_filter_init(&f);
	ctl_set_cmd("i40ctl match");
	if ((ret = ctl_operand(&argc, argv, with_arg, usage, "NEED", &arg)) !=
	    CTL_EXIT_OK)
		return ret;
	if (arg == NULL) {
		fputs(usage, stdout);
		return CTL_EXIT_OK;
	}
	ctl_opts_init(&o, usage, CTL_TIMEOUT_MS);
	if ((rc = parse_opts(argc, argv, &o, &f, &lang, &limit)) != 0)
		return rc < 0 ? o.exit : rc;
	ret = CTL_EXIT_ERR;
	if (read_need(arg, &need, &len) != 0)
		goto out;
	if (ctl_matcher_open(&mr, o.datadir) != 0)
		goto out;
	rc = ctl_match_doc(&mr.cat, mr.an, mr.dict, NULL, lang, need, len, &f,
	    limit, &doc, &nh);
	if (rc == I40_E_UTF8) {
		ctl_errx("the need is not UTF-8 text: type it again, or save "
		    "the file as UTF-8");
		goto out;
	} else if (rc == I40_E_EMPTY) {
		ctl_errx("the need has no word to match: say what you want to "
		    "learn (\"svetsa med robot\", \"PLC programming\")");
		goto out;
	} else if (rc != 0) {
		ctl_err(rc, "cannot match");
		goto out;
	}
	if (ctl_output(doc, o.json, print_human, NULL, "matches") == 0)
		ret = nh > 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
out:
	json_decref(doc);
	ctl_matcher_close(&mr);
	free(need);
	return ret;
}
