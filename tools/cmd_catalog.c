/*
 * cmd_catalog.c: i40ctl catalog: the national catalog as this node's store
 * holds it, read directly (the daemon need not run).
 *
 * The JSON output is the same bytes on every node that holds the same
 * events: it carries only replicated facts (no arrival numbers, times or
 * local names) in a fixed order, so nodes can be compared with cmp(1).
 *
 * A module is (owner, code), so two universities can hold one code
 * (docs/protocol.md §5.7; i40ctl refuses it, but two can publish before
 * either hears of the other).  Each row names its owner then; where a
 * SCHAC code does not tell owners apart (two members' records with the
 * same one, or none), the owner's key follows it, and a note under the
 * table names every code that more than one owner holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_node.h"
#include "ctl_view.h"
#include "subcommands.h"

static const char usage[] =
    "usage: i40ctl catalog [-d DIR] [--all] [--json]\n"
    "\n"
    "List the modules of the federation's catalog as this node holds it:\n"
    "each module's current version, sorted by owning university (SCHAC)\n"
    "and code.  Reads the data directory; i40d need not run.\n"
    "\n"
    "  -d, --datadir DIR   the node's data directory (default $I40_DATADIR,\n"
    "                      else /var/lib/i40)\n"
    "  -a, --all           list retired modules too\n"
    "      --json          print {\"modules\": [...]} (docs/i40ctl.md)\n"
    "  -h, --help          print this text\n";

struct entry {
	const char *schac;
	const struct store_module *m;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c;

	if ((c = strcmp(x->schac, y->schac)) != 0)
		return c;
	if ((c = strcmp(x->m->code, y->m->code)) != 0)
		return c;
	/* Two owners without a SCHAC code: still one total order. */
	return memcmp(x->m->author, y->m->author, KEY_PK_BYTES);
}

static json_t *
str_list(const struct codec_bytes *v, uint32_t n)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, ctl_json_strn(v[i].p,
		    v[i].len)) != 0) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

/* One module as the stable JSON object of docs/i40ctl.md. */
static json_t *
module_json(const struct entry *en, const struct body_module *b)
{
	json_t *o = json_object();
	char hp[24];

	ctl_format_hp(b->credits, hp);
	if (o == NULL ||
	    json_object_set_new(o, "schac", json_string(en->schac)) != 0 ||
	    json_object_set_new(o, "author", ctl_json_hex(en->m->author,
	    32)) != 0 ||
	    json_object_set_new(o, "code", json_string(en->m->code)) != 0 ||
	    json_object_set_new(o, "title_sv", ctl_json_strn(b->title_sv.p,
	    b->title_sv.len)) != 0 ||
	    json_object_set_new(o, "title_en", ctl_json_strn(b->title_en.p,
	    b->title_en.len)) != 0 ||
	    json_object_set_new(o, "credits",
	    ctl_json_u64(b->credits)) != 0 ||
	    json_object_set_new(o, "hp", json_string(hp)) != 0 ||
	    json_object_set_new(o, "hours",
	    ctl_json_u64(b->hours)) != 0 ||
	    json_object_set_new(o, "eqf",
	    ctl_json_u64(b->eqf)) != 0 ||
	    json_object_set_new(o, "cycle", ctl_json_strn(b->cycle.p,
	    b->cycle.len)) != 0 ||
	    json_object_set_new(o, "mode", ctl_json_strn(b->mode.p,
	    b->mode.len)) != 0 ||
	    json_object_set_new(o, "pace", ctl_json_strn(b->pace.p,
	    b->pace.len)) != 0 ||
	    json_object_set_new(o, "lang", str_list(b->lang, b->nlang)) != 0 ||
	    json_object_set_new(o, "id", ctl_json_hex(en->m->id, 32)) != 0 ||
	    json_object_set_new(o, "retired",
	    json_boolean(en->m->retired)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

#define STR(o, k) ctl_view_str(json_object_get((o), (k)))

/* Another row than row i has key k equal to row i's, and another author. */
static int
shared(const json_t *list, size_t i, const char *k)
{
	const json_t *o = json_array_get(list, i), *x;
	size_t j;

	json_array_foreach(list, j, x)
		if (j != i && strcmp(STR(x, k), STR(o, k)) == 0 &&
		    strcmp(STR(x, "author"), STR(o, "author")) != 0)
			return 1;
	return 0;
}

/* Who owns row o: its SCHAC code, with a key prefix if that is not enough. */
static void
owner_label(const json_t *list, size_t i, char *out, size_t cap)
{
	const json_t *o = json_array_get(list, i);
	const char *schac = STR(o, "schac");

	if (schac[0] != '\0' && !shared(list, i, "schac"))
		snprintf(out, cap, "%s", schac);
	else
		snprintf(out, cap, "%s%skey %.8s", schac, schac[0] ? " " : "",
		    STR(o, "author"));
}

/* A note for each code that more than one owner holds. */
static void
print_shared_codes(const json_t *list)
{
	const json_t *o, *x;
	char who[96];
	size_t i, j, n;

	json_array_foreach(list, i, o) {
		if (!shared(list, i, "code"))
			continue;
		/* Once per code: at the first row that holds it. */
		for (j = 0; j < i; j++)
			if (strcmp(STR(json_array_get(list, j), "code"),
			    STR(o, "code")) == 0)
				break;
		if (j < i)
			continue;
		printf("note: %s is the code of modules of", STR(o, "code"));
		n = 0;
		json_array_foreach(list, j, x) {
			if (strcmp(STR(x, "code"), STR(o, "code")) != 0)
				continue;
			owner_label(list, j, who, sizeof(who));
			printf("%s %s", n++ ? "," : "", who);
		}
		printf(": they are different modules; name one by its owner "
		    "too (a prerequisite is CODE@SCHAC; --json gives each "
		    "owner's key)\n");
	}
}

static void
print_human(const json_t *doc, const void *arg)
{
	const json_t *list = json_object_get(doc, "modules"), *o, *l;
	char langs[16], who[96];
	size_t i, j, n;

	(void)arg;
	if (json_array_size(list) == 0) {
		printf("(no modules)\n");
		return;
	}
	printf("%-16s %-12s %5s %5s %3s %-6s %-7s %-5s %-12s %s\n", "SCHAC",
	    "CODE", "HP", "HOURS", "EQF", "CYCLE", "MODE", "LANG", "ID",
	    "TITLE (SV / EN)");
	json_array_foreach(list, i, o) {
		l = json_object_get(o, "lang");
		langs[0] = '\0';
		for (j = 0, n = 0; j < json_array_size(l) && n + 4 <
		    sizeof(langs); j++)
			n += (size_t)snprintf(langs + n, sizeof(langs) - n,
			    "%s%s", j ? "," : "",
			    ctl_view_str(json_array_get(l, j)));
		owner_label(list, i, who, sizeof(who));
		printf("%-16s %-12s %5s %5lld %3lld %-6s %-7s %-5s %.12s %s / "
		    "%s%s\n", who,
		    ctl_view_str(json_object_get(o, "code")),
		    ctl_view_str(json_object_get(o, "hp")),
		    (long long)json_integer_value(json_object_get(o, "hours")),
		    (long long)json_integer_value(json_object_get(o, "eqf")),
		    ctl_view_str(json_object_get(o, "cycle")),
		    ctl_view_str(json_object_get(o, "mode")), langs,
		    ctl_view_str(json_object_get(o, "id")),
		    ctl_view_str(json_object_get(o, "title_sv")),
		    ctl_view_str(json_object_get(o, "title_en")),
		    json_is_true(json_object_get(o, "retired")) ?
		    " (retired)" : "");
	}
	print_shared_codes(list);
}

/* The catalog of st as the document of docs/i40ctl.md. */
static int
build(struct store *st, int all, json_t **out)
{
	struct store_member *mem = NULL;
	struct store_module *ms = NULL;
	const struct store_member *who;
	struct entry *en = NULL;
	struct ev_signed e;
	struct body *b = NULL;
	json_t *doc = NULL, *list;
	size_t nmem = 0, nms = 0, n = 0, i;
	int rc;

	*out = NULL;
	if ((rc = store_members(st, &mem, &nmem)) != 0 ||
	    (rc = store_modules(st, &ms, &nms)) != 0) {
		ctl_err(rc, "cannot read the catalog");
		goto out;
	}
	rc = I40_E_NOMEM;
	if ((en = calloc(nms + 1, sizeof(*en))) == NULL ||
	    (b = malloc(sizeof(*b))) == NULL ||
	    (doc = json_object()) == NULL || (list = json_array()) == NULL ||
	    json_object_set_new(doc, "modules", list) != 0) {
		ctl_err(rc, "cannot list the catalog");
		goto out;
	}
	for (i = 0; i < nms; i++) {
		if (ms[i].retired && !all)
			continue;
		who = ctl_member_find(mem, nmem, ms[i].author);
		en[n].schac = who != NULL ? who->schac : "";
		en[n++].m = &ms[i];
	}
	qsort(en, n, sizeof(*en), entry_cmp);
	for (i = 0; i < n; i++) {
		if ((rc = ev_decode(en[i].m->bytes, en[i].m->len,
		    store_fed_id(st), &e, b, NULL)) != 0) {
			ctl_err(rc, "a module event of the store does not "
			    "decode");
			goto out;
		}
		if (json_array_append_new(list, module_json(&en[i],
		    &b->u.module)) != 0) {
			rc = I40_E_NOMEM;
			ctl_err(rc, "cannot list the catalog");
			goto out;
		}
	}
	*out = doc;
	doc = NULL;
	rc = 0;
out:
	json_decref(doc);
	free(b);
	free(en);
	store_modules_free(ms, nms);
	free(mem);
	return rc;
}

int
catalog_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, { "all", no_argument, NULL, 'a' },
		CTL_OPT_JSON, CTL_OPT_HELP, CTL_OPT_END
	};
	struct ctl_opts o;
	struct store *st = NULL;
	json_t *doc = NULL;
	int c, all = 0, ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl catalog");
	ctl_opts_init(&o, usage, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:ah", opts, &o)) > 0)
		if (c == 'a')
			all = 1;
	if (c < 0)
		return o.exit;
	if (ctl_store_open(ctl_datadir(o.datadir), &st) != 0 ||
	    build(st, all, &doc) != 0)
		goto out;
	if (ctl_output(doc, o.json, print_human, NULL, "catalog") == 0)
		ret = CTL_EXIT_OK;
out:
	json_decref(doc);
	store_close(st);
	return ret;
}
