/*
 * cmd_completion.c: i40ctl completion record | revoke: a learner's result
 * on one of this node's modules, written through the running i40d
 * (docs/i40ctl.md "completion").
 *
 * A completion counts only when its module is a version of one of the
 * author's own modules that was not retired before it, and a revocation
 * only of the author's own counting completion, once (docs/protocol.md
 * §5.13); anything else would be stored without effect, so i40ctl checks
 * it against the store first.  It also refuses a decision date after
 * today, which can only be a typing mistake (docs/i40ctl.md,
 * "Guardrails").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_guard.h"
#include "ctl_learner.h"
#include "ctl_node.h"
#include "protocol/pseudonym.h"
#include "ctl_write.h"
#include "subcommands.h"

#define SYNOPSIS_RECORD \
    "usage: i40ctl completion record [-d DIR]\n" \
    "           (--learner PSEUDONYM | --pnr NUMBER | --email ADDRESS)\n" \
    "           --module ID|CODE\n" \
    "           --grade G --scale S --examiner NAME --exam-date DATE\n" \
    "           --decision-date DATE [--supervision S]\n" \
    "           [--timeout SECONDS] [--json]\n"

static const char usage_completion[] =
    SYNOPSIS_RECORD
    "       i40ctl completion revoke [-d DIR] --id ID --reason TEXT\n"
    "           [--timeout SECONDS] [--json]\n"
    "       i40ctl completion import FILE.csv [-d DIR] [--dry-run] [--json]\n"
    "\n"
    "Record, revoke or import from a spreadsheet a learner's result on one of this node's modules\n"
    "through the running i40d.\n";

static const char usage_record[] =
    SYNOPSIS_RECORD
    "\n"
    "Record a learner's result on one of this node's modules through the\n"
    "running i40d, and print the record's id and seq.\n"
    "\n"
    "  --learner PSEUDONYM       the learner's pseudonym as the issuing\n"
    "                            university gave it (27 symbols, e.g.\n"
    "                            4F79-NHWB-2DBX-G730-MKKA-NVSK-EY9; case\n"
    "                            and '-' do not matter), or 32 hex digits\n"
    "  --pnr NUMBER | --email ADDRESS  instead: a learner this node added\n"
    "                            (`i40ctl learner add`), looked up here; only\n"
    "                            the pseudonym goes to i40d and the ledger\n"
    "  --module ID|CODE          the module version it was earned against:\n"
    "                            its event id (64 hex digits), or the code\n"
    "                            of one of this node's current modules\n"
    "                            (its current version is taken); not of a\n"
    "                            retired module: it would count nowhere\n"
    "  --grade G                 a grade of the scale\n"
    "  --scale S                 UG (U G), UVG (U G VG), U345 (U 3 4 5),\n"
    "                            AF (A B C D E FX F) or PF (P F)\n"
    "  --examiner NAME           the examiner\n"
    "  --exam-date YYYY-MM-DD    the examination\n"
    "  --decision-date YYYY-MM-DD  the grading decision (not before the\n"
    "                            examination, not after today)\n"
    "  --supervision S           unsupervised, supervised or supervised_id,\n"
    "                            if not the module's\n"
    "  -d, --datadir DIR         the node's data directory (default\n"
    "                            $I40_DATADIR, else /var/lib/i40)\n"
    "      --timeout SECONDS     wait for i40d at most this long (30)\n"
    "      --json                print {\"id\": HEX, \"seq\": N}\n"
    "  -h, --help                print this text\n";

static const char usage_revoke[] =
    "usage: i40ctl completion revoke [-d DIR] --id ID --reason TEXT\n"
    "           [--timeout SECONDS] [--json]\n"
    "\n"
    "Revoke one of this node's completion records through the running\n"
    "i40d.  The record stays in the ledger, marked revoked; to correct a\n"
    "result, revoke it and record the right one.  A record revoked\n"
    "already, or one that counts on no node, is refused.\n"
    "\n"
    "  --id ID                   the record's event id, 64 hex digits\n"
    "  --reason TEXT             why, e.g. \"Recorded against the wrong\n"
    "                            learner.\"\n"
    "  -d, --datadir DIR         the node's data directory\n"
    "      --timeout SECONDS     wait for i40d at most this long (30)\n"
    "      --json                print {\"id\": HEX, \"seq\": N}\n"
    "  -h, --help                print this text\n";

static const struct ctl_flag record_flags[] = {
	{ "learner", NULL }, { "module", NULL }, { "grade", "grade" },
	{ "scale", "scale" }, { "examiner", "examiner" },
	{ "exam-date", "exam_date" }, { "decision-date", "decision_date" },
	{ "supervision", "supervision" }, { "pnr", NULL }, { "email", NULL },
};

static const struct ctl_flag revoke_flags[] = {
	{ "id", "completion" }, { "reason", "reason" },
};

/*
 * A completion on the retired module code would count on no node; given
 * is what --module said (the code, or a version's id).
 */
static void
retired_error(const char *given, const char *code)
{
	char clip[24];

	ctl_errx("--module %s: module %s is retired, and a result "
	    "recorded after its retirement counts on no node "
	    "(docs/protocol.md §5.8); results earned before it had to be "
	    "recorded before it: record this one on the module that replaced "
	    "it, if the examiner so decides",
	    ctl_clip(given, 16, clip, sizeof(clip)), code);
}

/* The module version's module (this node's code) is not retired. */
static int
not_retired(struct store *st, const uint8_t pk[KEY_PK_BYTES],
    const char *given, const char *code)
{
	struct store_module *ms = NULL;
	size_t n = 0, idx;
	int rc;

	if ((rc = ctl_own_module(st, pk, code, &ms, &n, &idx)) == 0 &&
	    ms[idx].retired) {
		retired_error(given, code);
		rc = I40_E_VALUE;
	} else if (rc == I40_E_NOT_FOUND) {
		/* A version that never took effect: check_own said what. */
		rc = 0;
	}
	store_modules_free(ms, n);
	return rc;
}

/*
 * A revocation of what does not count, or of what is revoked already,
 * changes nothing: refused, naming why (and the first revocation).
 */
static int
revocable(struct store *st, const uint8_t id[EV_ID_BYTES])
{
	struct store_completion c;
	char hex[2 * EV_ID_BYTES + 1], by[2 * EV_ID_BYTES + 1];
	uint8_t rid[EV_ID_BYTES];
	int rc;

	ctl_hex(id, EV_ID_BYTES, hex);
	rc = store_completion_get(st, id, &c, rid);
	if (rc == I40_E_NOT_FOUND) {
		ctl_errx("--id %s: that completion record counts on no node "
		    "(its module version did not count, or was retired before "
		    "it), so revoking it changes nothing", hex);
		return I40_E_VALUE;
	}
	if (rc != 0) {
		ctl_err(rc, "cannot read the completion %s", hex);
		return rc;
	}
	if (!c.revoked)
		return 0;
	ctl_hex(rid, EV_ID_BYTES, by);
	ctl_errx("--id %s: the completion is already revoked, by %s; a "
	    "second revocation changes nothing", hex, by);
	return I40_E_EXISTS;
}

/*
 * --learner PSEUDONYM into the record: the text form (protocol.md §15),
 * or 32 hex digits as the record's JSON has it.
 */
static int
set_learner(struct ctl_write *w, const char *value)
{
	uint8_t p[PSEUDONYM_BYTES];
	char hex[2 * PSEUDONYM_BYTES + 1], why[200], clip[48];
	struct ctl_err err;
	int rc;

	memset(&err, 0, sizeof(err));
	if (strlen(value) == 2 * PSEUDONYM_BYTES &&
	    ctl_record_set(&w->rec, "learner", value, &err) == 0)
		return 0;
	if ((rc = pseudonym_parse(value, p, why, sizeof(why))) != 0) {
		ctl_errx("--learner `%s': not a pseudonym: %s (a pseudonym is "
		    "27 symbols such as 4F79-NHWB-2DBX-G730-MKKA-NVSK-EY9, as "
		    "the learner's university issued it)",
		    ctl_clip(value, 40, clip, sizeof(clip)), why);
		return rc;
	}
	ctl_hex(p, PSEUDONYM_BYTES, hex);
	if ((rc = ctl_record_set(&w->rec, "learner", hex, &err)) != 0)
		ctl_err_report(&err, BODY_COMPLETION_RECORD, NULL);
	return rc;
}

/*
 * --pnr or --email: the pseudonym this node issued, from its private
 * store (i40ctl learner find), into the record.
 */
static int
lookup_learner(struct ctl_write *w, const char *pnr, const char *email)
{
	uint8_t p[PSEUDONYM_BYTES];
	char hex[2 * PSEUDONYM_BYTES + 1];
	struct ctl_err err;
	int rc;

	if ((rc = ctl_learner_lookup(w->a.datadir, pnr, email, p)) != 0)
		return rc;
	ctl_hex(p, PSEUDONYM_BYTES, hex);
	memset(&err, 0, sizeof(err));
	if ((rc = ctl_record_set(&w->rec, "learner", hex, &err)) != 0)
		ctl_err_report(&err, BODY_COMPLETION_RECORD, NULL);
	return rc;
}

/*
 * --module ID|CODE into the record: an id as it is, a code through this
 * node's catalog.  The node and its store are opened when a code needs
 * them.
 */
static int
resolve_module(struct ctl_write *w, const char *value)
{
	struct store_module *ms = NULL;
	char hex[2 * EV_ID_BYTES + 1];
	struct ctl_err err;
	size_t n = 0, idx;
	int rc;

	memset(&err, 0, sizeof(err));
	if (strlen(value) == 2 * EV_ID_BYTES &&
	    ctl_record_set(&w->rec, "module", value, &err) == 0)
		return 0;
	/* Not an id: a code of one of this node's modules. */
	if ((rc = ctl_write_node(w)) != 0)
		return rc;
	rc = ctl_own_module(w->st, w->pk, value, &ms, &n, &idx);
	if (rc == I40_E_NOT_FOUND) {
		ctl_errx("--module `%s': neither a module version's id (64 "
		    "hex digits) nor the code of one of this node's modules; "
		    "see `i40ctl catalog`", value);
	} else if (rc == 0 && ms[idx].retired) {
		retired_error(value, value);
		rc = I40_E_VALUE;
	} else if (rc == 0) {
		ctl_hex(ms[idx].id, EV_ID_BYTES, hex);
		if ((rc = ctl_record_set(&w->rec, "module", hex, &err)) != 0)
			ctl_err_report(&err, BODY_COMPLETION_RECORD, NULL);
	}
	store_modules_free(ms, n);
	return rc;
}

/*
 * The event id names one of this node's own events of one of the types
 * want[0..2); *code gets the module code when it is a module version.
 */
static int
check_own(struct store *st, const uint8_t pk[KEY_PK_BYTES],
    const uint8_t id[EV_ID_BYTES], const uint32_t want[2], const char *what,
    char code[33])
{
	char hex[2 * EV_ID_BYTES + 1];
	struct ev_signed e;
	struct body *b;
	uint8_t *buf = NULL;
	int rc;

	ctl_hex(id, EV_ID_BYTES, hex);
	if ((b = malloc(sizeof(*b))) == NULL) {
		ctl_err(I40_E_NOMEM, "cannot read the store");
		return I40_E_NOMEM;
	}
	rc = ctl_own_event(st, pk, id, &buf, &e, b);
	if (rc == 0 && e.h.type != want[0] && e.h.type != want[1])
		rc = I40_E_VALUE;
	if (rc == 0 && code != NULL)
		ctl_module_code(b->u.module.code, code);
	if (rc == I40_E_NOT_FOUND)
		ctl_errx("no event %s is stored on this node; check the id "
		    "(it is %s)", hex, what);
	else if (rc == I40_E_UNKNOWN_AUTHOR || rc == I40_E_VALUE)
		ctl_errx("%s is not %s of this node; a node records and "
		    "revokes only on its own modules", hex, what);
	free(buf);
	free(b);
	return rc;
}

static int
record_main(int argc, char *argv[])
{
	static const uint32_t versions[2] = { BODY_MODULE_PUBLISH,
	    BODY_MODULE_UPDATE };
	const struct body_completion *c;
	const char *module, *learner, *pnr, *email;
	struct ctl_write w;
	char code[33], what[128], shown[PSEUDONYM_TEXT_LEN + 1];
	int ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl completion record");
	if (!ctl_write_start(&w, argc, argv, usage_record, record_flags,
	    sizeof(record_flags) / sizeof(record_flags[0]), 0, &ret))
		return ret;
	if (ctl_write_body(&w, BODY_COMPLETION_RECORD) != 0 ||
	    ctl_write_apply(&w, record_flags) != 0)
		goto out;
	learner = ctl_write_value(&w.a, record_flags, "learner");
	pnr = ctl_write_value(&w.a, record_flags, "pnr");
	email = ctl_write_value(&w.a, record_flags, "email");
	if ((learner != NULL) + (pnr != NULL) + (email != NULL) > 1) {
		ret = ctl_usage_error(usage_record, "give one of --learner, "
		    "--pnr and --email");
		goto out;
	}
	if (learner != NULL && set_learner(&w, learner) != 0)
		goto out;
	if ((pnr != NULL || email != NULL) &&
	    lookup_learner(&w, pnr, email) != 0)
		goto out;
	module = ctl_write_value(&w.a, record_flags, "module");
	if (module != NULL && resolve_module(&w, module) != 0)
		goto out;
	if (ctl_write_encode(&w) != 0)
		goto out;
	/* A code has opened the node already; an id has not. */
	if (w.st == NULL && ctl_write_node(&w) != 0)
		goto out;
	c = &w.rec.body->u.completion;
	if (ctl_date_not_future(&c->decision_date, "--decision-date") != 0 ||
	    check_own(w.st, w.pk, c->module, versions,
	    "a version of a module", code) != 0 ||
	    not_retired(w.st, w.pk, module != NULL ? module : code,
	    code) != 0)
		goto out;
	pseudonym_format(c->learner, shown);
	snprintf(what, sizeof(what), "recorded %.*s on %s for learner %s",
	    (int)c->grade.len, (const char *)c->grade.p, code, shown);
	if (ctl_write_send(&w, BODY_COMPLETION_RECORD, what) == 0)
		ret = CTL_EXIT_OK;
out:
	ctl_write_free(&w);
	return ret;
}

static int
revoke_main(int argc, char *argv[])
{
	static const uint32_t records[2] = { BODY_COMPLETION_RECORD,
	    BODY_COMPLETION_RECORD };
	const uint8_t *id;
	struct ctl_write w;
	char what[128], hex[2 * EV_ID_BYTES + 1];
	int ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl completion revoke");
	if (!ctl_write_start(&w, argc, argv, usage_revoke, revoke_flags, 2, 0,
	    &ret))
		return ret;
	if (ctl_write_body(&w, BODY_COMPLETION_REVOKE) != 0 ||
	    ctl_write_apply(&w, revoke_flags) != 0 ||
	    ctl_write_encode(&w) != 0 ||
	    ctl_write_node(&w) != 0)
		goto out;
	id = w.rec.body->u.revoke.completion;
	if (check_own(w.st, w.pk, id, records, "a completion record",
	    NULL) != 0 || revocable(w.st, id) != 0)
		goto out;
	ctl_hex(id, EV_ID_BYTES, hex);
	snprintf(what, sizeof(what), "revoked %s", hex);
	if (ctl_write_send(&w, BODY_COMPLETION_REVOKE, what) == 0)
		ret = CTL_EXIT_OK;
out:
	ctl_write_free(&w);
	return ret;
}

int
completion_main(int argc, char *argv[])
{
	static const struct ctl_sub subs[] = {
		{ "record", record_main },
		{ "revoke", revoke_main },
		{ "import", completion_import_main },
	};

	ctl_set_cmd("i40ctl completion");
	return ctl_dispatch(argc, argv, usage_completion, subs,
	    sizeof(subs) / sizeof(subs[0]));
}
