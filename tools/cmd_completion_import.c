/*
 * cmd_completion_import.c: i40ctl completion import FILE.csv: a term's
 * results from the registry's spreadsheet, all checked before any is
 * written, then signed and stored by the running i40d in a few large
 * transactions (docs/i40ctl.md "completion import", docs/credentials.md).
 *
 * All or nothing for what a person can get wrong: every row is checked
 * (its learner, module, grade, dates; against this node's store) before
 * the first record goes to i40d; one bad row and nothing is written, and
 * every bad row is said with its line, column, value and reason.  What a
 * person cannot get wrong (i40d stopping half-way) leaves the rows sent
 * so far recorded, and running the same import again records the rest:
 * a row is the same result as a record of this university's that counts
 * and is not revoked when they name the same learner, module code and
 * examination date (the import's key).  The same key with another grade
 * is an error: a result is corrected by revoking it first.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_client.h"
#include "ctl_csv.h"
#include "ctl_guard.h"
#include "ctl_import.h"
#include "ctl_learner.h"
#include "ctl_member.h"
#include "ctl_node.h"
#include "protocol/pseudonym.h"
#include "subcommands.h"

static const char usage_import[] =
    "usage: i40ctl completion import FILE.csv [-d DIR] [--dry-run]\n"
    "           [--timeout SECONDS] [--json]\n"
    "\n"
    "Record the results in a registrar's spreadsheet (CSV, UTF-8, comma\n"
    "or semicolon separated, a header row) on this node's modules through\n"
    "the running i40d.  Every row is checked first: if any is bad, nothing\n"
    "is recorded and each bad row is named with its line, column, value\n"
    "and reason.  A row already recorded (same learner, module and\n"
    "examination date, not revoked) is skipped, so importing a file again\n"
    "records nothing twice.  FILE - reads standard input.\n"
    "\n"
    "Columns (any order, names case-blind; Swedish names in brackets):\n"
    "  learner (pseudonym)       the learner's pseudonym, or instead\n"
    "  pnr (personnummer)        a learner this node added, by number\n"
    "  email (e-post)            or by e-mail address\n"
    "  module (modul, kurskod)   the code of one of this node's modules\n"
    "  grade (betyg)             a grade of the scale\n"
    "  scale (betygsskala)       UG, UVG, U345, AF or PF\n"
    "  examiner (examinator)     the examiner's name\n"
    "  exam_date (examinationsdatum)  YYYY-MM-DD\n"
    "  decision_date (beslutsdatum)   YYYY-MM-DD, not after today\n"
    "  supervision (optional)    unsupervised, supervised, supervised_id\n"
    "Other columns (a name, a note) are ignored, and said so.\n"
    "\n"
    "  -d, --datadir DIR         the node's data directory\n"
    "  -n, --dry-run             check every row and say what would be\n"
    "                            recorded; record nothing (no i40d needed)\n"
    "      --timeout SECONDS     wait for i40d at most this long per batch\n"
    "                            (30)\n"
    "      --json                print the outcome as JSON\n"
    "  -h, --help                print this text\n";

/*
 * One import at a time per node: two of one file at once would each find
 * the rows unrecorded and both send them (the key is i40ctl's, i40d does
 * not know it).  An exclusive flock on DIR/completion-import.lock, held
 * from the check to the last reply; the kernel drops it if i40ctl dies.
 */
static int
import_lock(const char *datadir)
{
	char path[4096];
	int fd;

	if (ctl_path(path, sizeof(path), datadir, "completion-import.lock") !=
	    0) {
		ctl_errx("the data directory path %s is too long", datadir);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) < 0) {
		ctl_err(-errno, "cannot open %s (run as the node's user)",
		    path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			ctl_errx("another completion import runs on %s: wait "
			    "for it to finish, then run this one (rows it "
			    "records are then recognised)", datadir);
		else
			ctl_err(-errno, "cannot lock %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Rows on their way to i40d at once: what it signs in one transaction. */
#define WINDOW 256

static void
print_problems(const struct imp_plan *pl, const char *file)
{
	size_t i;

	for (i = 0; i < pl->nproblems; i++) {
		const struct imp_problem *p = &pl->problems[i];

		if (p->column[0] != '\0')
			fprintf(stderr, "%s:%zu: column %s (%zu), value %s: "
			    "%s\n", file, p->line, p->column, p->colno,
			    p->value, p->reason);
		else
			fprintf(stderr, "%s:%zu: %s\n", file, p->line,
			    p->reason);
	}
}

static json_t *
problems_json(const struct imp_plan *pl)
{
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; a != NULL && i < pl->nproblems; i++) {
		const struct imp_problem *p = &pl->problems[i];

		o = json_pack("{s:I, s:s, s:I, s:s, s:s}", "line",
		    (json_int_t)p->line, "column", p->column, "colno",
		    (json_int_t)p->colno, "value", p->value, "reason",
		    p->reason);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The whole outcome, for --json. */
static int
print_json(const struct imp_plan *pl, const char *file, int dry,
    size_t recorded)
{
	json_t *doc, *rec = json_array(), *o;
	char hex[2 * EV_ID_BYTES + 1];
	size_t i;

	for (i = 0; rec != NULL && i < pl->nrows; i++) {
		const struct imp_row *r = &pl->rows[i];

		if (r->seq == 0)
			continue;
		ctl_hex(r->id, EV_ID_BYTES, hex);
		o = json_pack("{s:I, s:s, s:I}", "line", (json_int_t)r->line,
		    "id", hex, "seq", (json_int_t)r->seq);
		if (o == NULL || json_array_append_new(rec, o) != 0) {
			json_decref(rec);
			rec = NULL;
		}
	}
	doc = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:o, s:o}", "file",
	    file, "dry_run", dry, "rows", (json_int_t)pl->nrows, "to_record",
	    (json_int_t)pl->nnew, "recorded", (json_int_t)recorded,
	    "already", (json_int_t)pl->nalready, "records",
	    rec != NULL ? rec : json_null(), "errors", problems_json(pl));
	if (doc == NULL)
		return I40_E_NOMEM;
	return ctl_json_print(doc);
}

/* Progress on a terminal: one line, rewritten. */
static void
progress(size_t done, size_t total, int last)
{
	if (!isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\r%s: recorded %zu of %zu%s", ctl_cmd(), done, total,
	    last ? "\n" : "");
	fflush(stderr);
}

/*
 * The rows still to record, through one session, WINDOW at a time: each
 * window's APPENDs wait on the socket together, so i40d signs and stores
 * them in one transaction.  *done: rows acknowledged.  A refusal ends the
 * import: the rows before it are recorded, and said so by the caller.
 */
static int
send_rows(const char *datadir, struct imp_plan *pl, int timeout_ms,
    size_t *done)
{
	struct ctl_session *s = NULL;
	struct msg *req, *reply;
	uint8_t *buf;
	size_t next = 0, inflight[WINDOW], n, k, len;
	int rc, first = 0;

	*done = 0;
	if ((req = ctl_msg_new(MSG_APPEND, "cannot build the request")) ==
	    NULL)
		return I40_E_NOMEM;
	reply = req + 1;
	if ((rc = ctl_session_open(datadir, &s)) != 0) {
		ctl_report_request_error(rc, datadir, timeout_ms);
		free(req);
		return rc;
	}
	while (next < pl->nrows && rc == 0) {
		for (n = 0; n < WINDOW && next < pl->nrows; next++) {
			if (pl->rows[next].body == NULL)
				continue;	/* recorded already */
			req->u.append.type = BODY_COMPLETION_RECORD;
			req->u.append.body.p = pl->rows[next].body;
			req->u.append.body.len = pl->rows[next].len;
			if ((rc = ctl_session_send(s, req)) != 0)
				break;
			inflight[n++] = next;
		}
		/* Every reply of what was sent, so none is left unsaid. */
		for (k = 0; k < n; k++) {
			struct imp_row *r = &pl->rows[inflight[k]];
			int q = ctl_session_recv(s, reply, &buf, &len,
			    timeout_ms);

			if (q == 0 && reply->type == MSG_APPENDED) {
				memcpy(r->id, reply->u.appended.id, 32);
				r->seq = reply->u.appended.seq;
				(*done)++;
			} else if (q == 0 && !first) {
				fprintf(stderr, "%s: line %zu: ", ctl_cmd(),
				    r->line);
				ctl_report_reply_error(reply);
				first = 1;
				q = I40_E_VALUE;
			} else if (q != 0 && !first) {
				ctl_report_request_error(q, datadir,
				    timeout_ms);
				first = 1;
			}
			free(buf);
			if (q != 0 && rc == 0)
				rc = q;
			/* A timeout leaves the rest unknown: stop waiting. */
			if (q == I40_E_TIMEOUT)
				break;
		}
		if (rc == 0)
			progress(*done, pl->nnew, next == pl->nrows);
	}
	if (rc != 0 && !first)
		ctl_report_request_error(rc, datadir, timeout_ms);
	ctl_session_close(s);
	free(req);
	return rc;
}

static int
import_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_TIMEOUT, CTL_OPT_JSON, CTL_OPT_HELP,
		{ "dry-run", no_argument, NULL, 'n' }, CTL_OPT_END
	};
	static const char *const with_arg[] = { "-d", "--datadir",
	    "--timeout", NULL };
	const char *file, *datadir;
	struct imp_plan pl;
	struct ctl_opts o;
	char why[400];
	size_t done = 0;
	int c, rc, dry = 0, ret, lockfd = -1;

	ctl_set_cmd("i40ctl completion import");
	if ((ret = ctl_operand(&argc, argv, with_arg, usage_import,
	    "FILE.csv", &file)) != CTL_EXIT_OK)
		return ret;
	if (file == NULL) {
		fputs(usage_import, stdout);
		return CTL_EXIT_OK;
	}
	ctl_opts_init(&o, usage_import, CTL_APPEND_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:nh", opts, &o)) > 0)
		if (c == 'n')
			dry = 1;
	if (c < 0)
		return o.exit;
	datadir = ctl_datadir(o.datadir);
	if (!dry && (lockfd = import_lock(datadir)) < 0)
		return CTL_EXIT_ERR;
	if ((rc = imp_plan_make(file, datadir, dry, o.timeout_ms, &pl, why,
	    sizeof(why))) != 0) {
		if (why[0] != '\0')
			ctl_errx("%s", why);
		if (lockfd >= 0)
			close(lockfd);
		return CTL_EXIT_ERR;
	}
	/* Any problem at all, kept or not, and nothing is written. */
	if (pl.nproblems > 0 || pl.nbad > 0 || pl.lost > 0) {
		print_problems(&pl, file);
		if (o.json && print_json(&pl, file, dry, 0) != 0)
			ctl_errx("cannot print the outcome");
		ctl_errx("%zu problem%s in %zu of %zu rows of %s: nothing was "
		    "recorded; correct %s and import it again", pl.nproblems,
		    pl.nproblems == 1 ? "" : "s", pl.nbad, pl.nrows, file,
		    strcmp(file, "-") == 0 ? "the input" : "the file");
		imp_plan_free(&pl);
		if (lockfd >= 0)
			close(lockfd);
		return CTL_EXIT_ERR;
	}
	if (!dry && pl.nnew > 0)
		rc = send_rows(datadir, &pl, o.timeout_ms, &done);
	if (o.json) {
		if (print_json(&pl, file, dry, done) != 0)
			rc = rc != 0 ? rc : I40_E_NOMEM;
	} else if (dry) {
		printf("%s: %zu rows checked: %zu would be recorded, %zu are "
		    "recorded already; nothing was recorded (--dry-run)\n",
		    file, pl.nrows, pl.nnew, pl.nalready);
	} else if (rc == 0) {
		printf("%s: %zu row%s: %zu recorded, %zu recorded already\n",
		    file, pl.nrows, pl.nrows == 1 ? "" : "s", done,
		    pl.nalready);
	}
	if (rc != 0 && !dry)
		ctl_errx("%s%zu of the %zu rows to record were recorded before "
		    "that; once the cause is dealt with, import the same file "
		    "again: it records only the rest", rc == I40_E_TIMEOUT ?
		    "at least " : "", done, pl.nnew);
	imp_plan_free(&pl);
	if (lockfd >= 0)
		close(lockfd);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
}

int
completion_import_main(int argc, char *argv[])
{
	return import_main(argc, argv);
}
