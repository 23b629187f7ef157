/*
 * cmd_module.c: i40ctl module publish | update | retire: a node's own
 * modules, written through the running i40d (docs/i40ctl.md "module").
 *
 * Before anything is sent, the body is checked as every node will check
 * it, and the catalog as the store will apply it: publishing a code this
 * node already has, or updating or retiring one it does not have (or has
 * retired), would be stored but have no effect (docs/store.md,
 * "Convergence"), so i40ctl refuses it with the reason instead.  Beyond
 * the store's rules it refuses what is almost surely a mistake
 * (docs/i40ctl.md, "Guardrails"): a code another university already uses,
 * an update that changes nothing, a language that is no ISO 639-1 code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_guard.h"
#include "ctl_node.h"
#include "ctl_write.h"
#include "subcommands.h"

/* The synopsis of publish and update, which share their options. */
#define SYNOPSIS_PUBLISH \
    "usage: i40ctl module publish [-d DIR] [--file MODULE.json] [fields]\n" \
    "           [--timeout SECONDS] [--json]\n" \
    "       i40ctl module update [-d DIR] --code CODE [fields]\n" \
    "           [--timeout SECONDS] [--json]\n" \
    "       i40ctl module update [-d DIR] --file MODULE.json [fields]\n" \
    "           [--timeout SECONDS] [--json]\n"

static const char usage_module[] =
    SYNOPSIS_PUBLISH
    "       i40ctl module retire [-d DIR] --code CODE [--reason TEXT]\n"
    "           [--timeout SECONDS] [--json]\n"
    "\n"
    "Publish, update or retire one of this node's modules through the\n"
    "running i40d.  `i40ctl module publish --help` lists the fields.\n";

static const char usage_publish[] =
    SYNOPSIS_PUBLISH
    "\n"
    "Publish a new module of this node, or a new version of one, through\n"
    "the running i40d, and print the event's id and seq.  The fields come\n"
    "from MODULE.json, whose keys are the body keys of docs/protocol.md\n"
    "§5.7 (docs/i40ctl.md has an example), and from the options below,\n"
    "which override the file.  The first option for a list replaces the\n"
    "file's list; repeat it to give more items.  update without --file\n"
    "starts from the module's current version and changes only the fields\n"
    "given; with --file, the file is the whole new description.  A code\n"
    "another university uses, an update that changes nothing and a\n"
    "language that is no ISO 639-1 code are refused.\n"
    "\n"
    "Fields (* required; the body key in parentheses where it differs):\n"
    "  --code CODE             * the module's code, e.g. I40-ROB1\n"
    "  --title-sv TEXT         * title in Swedish\n"
    "  --title-en TEXT         * title in English\n"
    "  --credits TENTHS        * credits in tenths of hp: 15 is 1.5 hp\n"
    "  --hp HP                   or the same in hp: 1.5, 1,5 or 1.5hp\n"
    "  --hours N               * nominal hours of work, 1..2000\n"
    "  --eqf N                 * EQF level, 1..8\n"
    "  --cycle CYCLE           * first, second or third\n"
    "  --mode MODE             * online, onsite or blended\n"
    "  --pace PACE             * synchronous, asynchronous or mixed\n"
    "  --lang LL               * language of instruction, an ISO 639-1\n"
    "                            code (sv, en); repeat\n"
    "  --assessment TYPE       * written_exam, oral_exam, assignment,\n"
    "                            project, lab, portfolio, quiz or\n"
    "                            presentation; repeat\n"
    "  --supervision S         * unsupervised, supervised or supervised_id\n"
    "  --summary-sv TEXT         summary in Swedish  } at least one\n"
    "  --summary-en TEXT         summary in English  }\n"
    "  --outcome-sv TEXT         a learning outcome in Swedish (outcomes_sv)\n"
    "  --outcome-en TEXT         one in English (outcomes_en); repeat; at\n"
    "                            least one in either language\n"
    "  --skill LABEL[=URI]       a skill tag, with an optional ESCO URI\n"
    "                            (skills); repeat\n"
    "  --prereq CODE@SCHAC       a module required first (prereqs); repeat\n"
    "  --session START,END,MODE[,SEATS]\n"
    "                            when it runs, dates YYYY-MM-DD, SEATS 0 or\n"
    "                            absent for no limit (sessions); repeat\n"
    "  --teacher NAME            (teachers); repeat\n"
    "  --url URL                 further information\n"
    "  --path TEXT               the learning path it stacks into\n"
    "  --isced DIGITS            ISCED-F field, e.g. 0714\n"
    "  --qa-ref TEXT             the course-plan decision (qa_ref)\n"
    "  --entry-sv TEXT, --entry-en TEXT   entry requirements\n"
    "\n"
    "Options:\n"
    "  -d, --datadir DIR         the node's data directory (default\n"
    "                            $I40_DATADIR, else /var/lib/i40)\n"
    "      --file MODULE.json    the fields as a JSON object\n"
    "      --timeout SECONDS     wait for i40d at most this long (30)\n"
    "      --json                print {\"id\": HEX, \"seq\": N}\n"
    "  -h, --help                print this text\n";

static const char usage_retire[] =
    "usage: i40ctl module retire [-d DIR] --code CODE [--reason TEXT]\n"
    "           [--timeout SECONDS] [--json]\n"
    "\n"
    "Retire the module CODE of this node through the running i40d: it\n"
    "leaves the catalog (i40ctl catalog --all still lists it), and its\n"
    "completions stay valid.  A retired code cannot be published again.\n"
    "\n"
    "  -d, --datadir DIR         the node's data directory\n"
    "      --code CODE           the module\n"
    "      --reason TEXT         why, e.g. \"Replaced by I40-ROB2.\"\n"
    "      --timeout SECONDS     wait for i40d at most this long (30)\n"
    "      --json                print {\"id\": HEX, \"seq\": N}\n"
    "  -h, --help                print this text\n";

static const struct ctl_flag module_flags[] = {
	{ "code", "code" }, { "title-sv", "title_sv" },
	{ "title-en", "title_en" }, { "credits", "credits" },
	{ "hp", NULL }, { "hours", "hours" }, { "eqf", "eqf" },
	{ "cycle", "cycle" }, { "mode", "mode" }, { "pace", "pace" },
	{ "lang", "lang" }, { "assessment", "assessment" },
	{ "supervision", "supervision" }, { "summary-sv", "summary_sv" },
	{ "summary-en", "summary_en" }, { "outcome-sv", "outcomes_sv" },
	{ "outcome-en", "outcomes_en" }, { "skill", "skills" },
	{ "prereq", "prereqs" }, { "session", "sessions" },
	{ "teacher", "teachers" }, { "url", "url" }, { "path", "path" },
	{ "isced", "isced" }, { "qa-ref", "qa_ref" },
	{ "entry-sv", "entry_sv" }, { "entry-en", "entry_en" },
};
#define NMODULE_FLAGS (sizeof(module_flags) / sizeof(module_flags[0]))

static const struct ctl_flag retire_flags[] = {
	{ "code", "code" }, { "reason", "reason" },
};

/*
 * This node's module code as the catalog has it: 0 current, 1 retired,
 * I40_E_NOT_FOUND, or an error (reported).  *ms as ctl_own_module(), *m
 * the module found.
 */
static int
own_state(struct store *st, const uint8_t pk[KEY_PK_BYTES], const char *code,
    struct store_module **ms, size_t *n, struct store_module **m)
{
	size_t idx;
	int rc;

	store_modules_free(*ms, *n);
	*ms = NULL;
	*n = 0;
	*m = NULL;
	if ((rc = ctl_own_module(st, pk, code, ms, n, &idx)) != 0)
		return rc;
	*m = &(*ms)[idx];
	return (*m)->retired ? 1 : 0;
}

/*
 * The catalog allows this write: publish a new code, change a current
 * one.  m is the module own_state() found (when state is 0 or 1).
 */
static int
check_catalog(int state, uint32_t type, const char *code,
    const struct store_module *m)
{
	char hex[2 * EV_ID_BYTES + 1];

	if (state < 0 && state != I40_E_NOT_FOUND)
		return state;
	if (type == BODY_MODULE_PUBLISH) {
		if (state == I40_E_NOT_FOUND)
			return 0;
		ctl_hex(m->id, EV_ID_BYTES, hex);
		if (state == 1)
			ctl_errx("%s was published and retired by this node; "
			    "a retired code is not used again: choose a new "
			    "code", code);
		else
			ctl_errx("this node has already published %s (current "
			    "version %.16s); change it with `i40ctl module "
			    "update --code %s`, or choose a new code", code,
			    hex, code);
		return I40_E_EXISTS;
	}
	if (state == 0)
		return 0;
	if (state == 1)
		ctl_errx("%s is retired; a retired module cannot be %s: "
		    "publish it under a new code", code,
		    type == BODY_MODULE_RETIRE ? "retired again" : "updated");
	else
		ctl_errx("this node has no module %s in its catalog; check "
		    "the code (i40ctl catalog), or publish it first with "
		    "`i40ctl module publish`", code);
	return I40_E_NOT_FOUND;
}

/*
 * A code is one university's (docs/protocol.md §5.7): the protocol lets
 * two hold the same one, as two modules, but a person would mistake one
 * for the other (in a prerequisite, a transcript, a search), so a new
 * code that another university uses, even retired, is refused, naming it.
 * Only what this node holds is known: two universities publishing one
 * code before either hears of the other still both succeed.
 */
static int
used_elsewhere(struct store *st, const uint8_t pk[KEY_PK_BYTES],
    const char *code, const struct store_module *ms, size_t n)
{
	struct store_member *mem = NULL;
	const struct store_member *who;
	char hex[2 * KEY_PK_BYTES + 1];
	size_t nmem = 0, i;
	int rc;

	for (i = 0; i < n; i++)
		if (strcmp(ms[i].code, code) == 0 &&
		    memcmp(ms[i].author, pk, KEY_PK_BYTES) != 0)
			break;
	if (i == n)
		return 0;
	if ((rc = store_members(st, &mem, &nmem)) != 0) {
		ctl_err(rc, "cannot read the membership");
		return rc;
	}
	who = ctl_member_find(mem, nmem, ms[i].author);
	ctl_hex(ms[i].author, KEY_PK_BYTES, hex);
	ctl_errx("%s is already used by %s (%s, key %.16s...)%s; a module code "
	    "names one university's module in the whole federation: choose "
	    "another code (see `i40ctl catalog --all`)", code,
	    who != NULL && who->schac[0] ? who->schac : "another university",
	    who != NULL ? who->name_en : "no member record", hex,
	    ms[i].retired ? ", which has retired it" : "");
	free(mem);
	return I40_E_EXISTS;
}

/*
 * The catalog allows this node to write type on code: the node and its
 * store into w, then check_catalog() on what own_state() finds there,
 * and for a new code, that no other university uses it.
 */
static int
catalog_allows(struct ctl_write *w, uint32_t type, const char *code,
    struct store_module **ms, size_t *n, struct store_module **m)
{
	int rc;

	if ((rc = ctl_write_node(w)) != 0)
		return rc;
	rc = own_state(w->st, w->pk, code, ms, n, m);
	if ((rc = check_catalog(rc, type, code, *m)) != 0)
		return rc;
	return type == BODY_MODULE_PUBLISH ?
	    used_elsewhere(w->st, w->pk, code, *ms, *n) : 0;
}

/*
 * An update whose body is the current version's, byte for byte, would
 * sign a new version that changes nothing (and that completions might be
 * recorded against instead of the old one): refused.
 */
static int
changes_something(const struct ctl_write *w, const struct store_module *m,
    const char *code)
{
	struct ev_signed e;
	char hex[2 * EV_ID_BYTES + 1];
	int rc;

	if ((rc = ev_decode(m->bytes, m->len, store_fed_id(w->st), &e, NULL,
	    NULL)) != 0) {
		ctl_err(rc, "cannot read the current version of %s", code);
		return rc;
	}
	if (e.body.len != w->len || memcmp(e.body.p, w->body, w->len) != 0)
		return 0;
	ctl_hex(m->id, EV_ID_BYTES, hex);
	ctl_errx("the update changes nothing: it is %s's current version "
	    "(%.16s...) field for field; give the fields that change (see "
	    "`i40ctl module update --help`)", code, hex);
	return I40_E_VALUE;
}

/* --hp HP: the credits in hp rather than tenths. */
static int
apply_hp(struct ctl_write *w)
{
	const char *hp = ctl_write_value(&w->a, module_flags, "hp");
	struct ctl_err err;
	uint64_t tenths;
	int rc;

	if (hp == NULL)
		return 0;
	if (ctl_write_value(&w->a, module_flags, "credits") != NULL) {
		ctl_errx("give the credits once: --credits TENTHS or --hp HP, "
		    "not both");
		return I40_E_VALUE;
	}
	if (ctl_parse_hp(hp, &tenths) != 0) {
		ctl_errx("--hp `%s': expected högskolepoäng with at most one "
		    "decimal, e.g. 1.5 (or 1,5 or 1.5hp)", hp);
		return I40_E_VALUE;
	}
	memset(&err, 0, sizeof(err));
	if ((rc = ctl_record_set_uint(&w->rec, "credits", tenths,
	    &err)) != 0) {
		ctl_err_report(&err, w->rec.body->type, "--hp");
		return rc;
	}
	return 0;
}

static int
publish_main(int argc, char *argv[], uint32_t type)
{
	const char *usage = usage_publish, *code_flag;
	struct store_module *ms = NULL, *m = NULL;
	struct body *base = NULL;
	struct ctl_write w;
	struct ev_signed e;
	json_t *doc = NULL;
	char code[33], what[80];
	size_t nms = 0;
	int rc, ret = CTL_EXIT_ERR;

	ctl_set_cmd(type == BODY_MODULE_PUBLISH ? "i40ctl module publish" :
	    "i40ctl module update");
	if (!ctl_write_start(&w, argc, argv, usage, module_flags,
	    NMODULE_FLAGS, 1, &ret))
		return ret;
	if (ctl_write_body(&w, type) != 0)
		goto out;
	code_flag = ctl_write_value(&w.a, module_flags, "code");
	if (type == BODY_MODULE_UPDATE && w.a.file == NULL) {
		/* A change of some fields: start from the current version. */
		if (code_flag == NULL) {
			ret = ctl_usage_error(usage, "give the module with "
			    "--code CODE, or its whole new description with "
			    "--file MODULE.json");
			goto out;
		}
		if (catalog_allows(&w, type, code_flag, &ms, &nms, &m) != 0)
			goto out;
		if ((base = malloc(sizeof(*base))) == NULL ||
		    (rc = ev_decode(m->bytes, m->len,
		    store_fed_id(w.st), &e, base, NULL)) != 0) {
			ctl_err(base == NULL ? I40_E_NOMEM : rc, "cannot read "
			    "the current version of %s", code_flag);
			goto out;
		}
		ctl_record_adopt(&w.rec, base);
	}
	if (ctl_write_file(&w, &doc) != 0 ||
	    ctl_write_apply(&w, module_flags) != 0 ||
	    apply_hp(&w) != 0 ||
	    ctl_write_encode(&w) != 0 ||
	    ctl_lang_check(w.rec.body->u.module.lang,
	    w.rec.body->u.module.nlang) != 0)
		goto out;
	ctl_module_code(w.rec.body->u.module.code, code);
	/* An update from the current version has been checked above. */
	if (base == NULL &&
	    catalog_allows(&w, type, code, &ms, &nms, &m) != 0)
		goto out;
	if (type == BODY_MODULE_UPDATE && changes_something(&w, m, code) != 0)
		goto out;
	snprintf(what, sizeof(what), "%s %s", type == BODY_MODULE_PUBLISH ?
	    "published" : "updated", code);
	if (ctl_write_send(&w, type, what) == 0)
		ret = CTL_EXIT_OK;
out:
	store_modules_free(ms, nms);
	ctl_write_free(&w);
	json_decref(doc);
	free(base);
	return ret;
}

static int
retire_main(int argc, char *argv[])
{
	struct store_module *ms = NULL, *m = NULL;
	struct ctl_write w;
	char code[33], what[80];
	size_t nms = 0;
	int ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl module retire");
	if (!ctl_write_start(&w, argc, argv, usage_retire, retire_flags, 2, 0,
	    &ret))
		return ret;
	if (ctl_write_value(&w.a, retire_flags, "code") == NULL) {
		ret = ctl_usage_error(usage_retire, "give the module with "
		    "--code CODE");
		goto out;
	}
	if (ctl_write_body(&w, BODY_MODULE_RETIRE) != 0 ||
	    ctl_write_apply(&w, retire_flags) != 0 ||
	    ctl_write_encode(&w) != 0)
		goto out;
	ctl_module_code(w.rec.body->u.retire.code, code);
	if (catalog_allows(&w, BODY_MODULE_RETIRE, code, &ms, &nms, &m) != 0)
		goto out;
	snprintf(what, sizeof(what), "retired %s", code);
	if (ctl_write_send(&w, BODY_MODULE_RETIRE, what) == 0)
		ret = CTL_EXIT_OK;
out:
	store_modules_free(ms, nms);
	ctl_write_free(&w);
	return ret;
}

static int
publish_cmd(int argc, char *argv[])
{
	return publish_main(argc, argv, BODY_MODULE_PUBLISH);
}

static int
update_cmd(int argc, char *argv[])
{
	return publish_main(argc, argv, BODY_MODULE_UPDATE);
}

int
module_main(int argc, char *argv[])
{
	static const struct ctl_sub subs[] = {
		{ "publish", publish_cmd },
		{ "update", update_cmd },
		{ "retire", retire_main },
	};

	ctl_set_cmd("i40ctl module");
	return ctl_dispatch(argc, argv, usage_module, subs,
	    sizeof(subs) / sizeof(subs[0]));
}
