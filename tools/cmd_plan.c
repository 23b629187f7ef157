/*
 * cmd_plan.c: i40ctl plan FILE: a company's list of needs made into a
 * short programme of this node's current modules (docs/matching.md,
 * "Plans"; docs/i40ctl.md "plan").  ctl_plan.c makes the plan, as it
 * does for the web face's /plan; this file reads the list and prints.
 * i40d need not run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_match.h"
#include "ctl_member.h"
#include "ctl_plan.h"
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
	if ((*buf = malloc(CTL_PLAN_TEXT_MAX + 2)) == NULL) {
		ctl_errx("out of memory");
		rc = -1;
	} else if ((*len = fread(*buf, 1, CTL_PLAN_TEXT_MAX + 1, f)) >
	    CTL_PLAN_TEXT_MAX) {
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

static const char *
title_of(const json_t *m, int en)
{
	const char *t = json_string_value(json_object_get(m, en ? "title_en" :
	    "title_sv"));

	return t != NULL && *t != '\0' ? t : json_string_value(
	    json_object_get(m, en ? "title_sv" : "title_en"));
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
			printf("%s%s", j ? "; " : "      for: ", ctl_clip(ctl_plan_need_at(doc,
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
	struct ctl_plan_list *l = NULL;
	const char *file, *name, *lang = "auto";
	char *buf = NULL, today[11], why[512];
	size_t len, uncovered = 0;
	uint64_t max = 0;
	json_t *doc = NULL;
	time_t now = time(NULL);
	struct tm tm;
	int ret, rc;

	memset(&mr, 0, sizeof(mr));
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
	name = strcmp(file, "-") == 0 ? "standard input" : file;
	if (read_list(file, &buf, &len) != 0)
		goto out;
	/* A bad list is said before the catalog is indexed for it. */
	if ((rc = ctl_plan_read(buf, len, &l, why, sizeof(why))) != 0) {
		ctl_errx("%s: %s", name, why);
		goto out;
	}
	if (ctl_matcher_open(&mr, o.datadir) != 0)
		goto out;
	if ((rc = ctl_plan_make(l, &mr.cat, mr.an, mr.dict, NULL, lang, max,
	    today, &doc, &uncovered, why, sizeof(why))) != 0) {
		ctl_errx("%s: %s", name, why);
		goto out;
	}
	if (ctl_output(doc, o.json, print_human, NULL, "plan") == 0)
		ret = uncovered == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
out:
	json_decref(doc);
	ctl_plan_list_free(l);
	ctl_matcher_close(&mr);
	free(buf);
	return ret;
}
