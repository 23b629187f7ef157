/*
 * cmd_audit.c: i40ctl audit: replay an export file or a data directory
 * from the genesis alone and report what an auditor can stand behind
 * (tools/audit.h does the work; docs/auditing.md reads the report).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "ctl.h"
#include "ctl_member.h"
#include "subcommands.h"

static const char usage_audit[] =
    "usage: i40ctl audit FILE [--genesis GENESIS] [--json] [--tmpdir DIR]\n"
    "       i40ctl audit --datadir DIR [--genesis GENESIS] [--json]\n"
    "                    [--tmpdir DIR]\n"
    "\n"
    "Replay a federation's log from its genesis alone, trusting nothing a\n"
    "node derived: every event through the checks i40d applies (the key\n"
    "in force, the signature, the chain, membership, the module and\n"
    "completion rules), into a store of the audit's own; then both roots\n"
    "hashed as docs/protocol.md §14 defines them.  The report names every\n"
    "event refused or not counted, with author, seq and reason; against\n"
    "a data directory also every head and state entry that differs.\n"
    "Exit 0 only when everything is clean (docs/auditing.md).\n"
    "\n"
    "  FILE                an export file (i40ctl log export); - reads stdin\n"
    "  -d, --datadir DIR   audit a data directory instead (read only; a\n"
    "                      copy on read-only media works)\n"
    "  -g, --genesis FILE  the genesis the auditor trusts (from the\n"
    "                      charter's signatories); the input must start\n"
    "                      with exactly it\n"
    "      --tmpdir DIR    where the replay's store goes (default $TMPDIR\n"
    "                      or /tmp; about 800 bytes an event, removed at\n"
    "                      the end)\n"
    "      --json          the report as one JSON object\n"
    "  -h, --help          print this text\n";

/* "hh.se (0123456789abcdef)", or the fingerprint alone. */
static void
who(const struct audit *a, const uint8_t key[32], char out[100])
{
	const struct store_member *m = audit_member(a, key);
	char fp[24];

	ctl_fingerprint(key, fp);
	if (m != NULL && m->schac[0] != '\0')
		snprintf(out, 100, "%s (%s)", m->schac, fp);
	else
		snprintf(out, 100, "%s", fp);
}

static const char *
type_name(uint32_t t)
{
	const char *n = body_type_name(t);

	return n != NULL ? n : "unknown";
}

static void
print_text(const struct audit *a, const char *input)
{
	static const uint8_t zero[32];
	char w[100], w2[100], h[65], h2[65];
	size_t i, t;

	printf("audit of %s %s\n", a->from_datadir ? "the data directory" :
	    "the export", input);
	ctl_hex(a->genesis_id, 32, h);
	ctl_hex(a->fed_id, 32, h2);
	printf("  genesis     %s\n  federation  %s\n", h, h2);
	printf("  trusted     %s\n", a->genesis_given ? "the one given with "
	    "--genesis" : a->by_kind[AUDIT_GENESIS] ? "NOT the one given "
	    "with --genesis" : "the input's own (give --genesis to check it "
	    "against the charter)");
	if (a->by_kind[AUDIT_GENESIS])	/* nothing was read past it */
		printf("  records     none replayed: the input is of another "
		    "genesis\n");
	else
		printf("  records     %llu events: %llu stored, %llu refused; "
		    "%llu pieces of fork evidence\n", (unsigned long long)
		    a->events, (unsigned long long)a->stored,
		    (unsigned long long)a->refused,
		    (unsigned long long)a->evidence);
	if (!a->from_datadir && !a->by_kind[AUDIT_GENESIS])
		printf("  trailer     %s\n", a->trailer_ok ? "whole: its counts "
		    "and digest match the records" : "missing or damaged");
	printf("\nlogs\n");
	for (i = 0; i < a->nlogs; i++) {
		const struct audit_log *l = &a->logs[i];
		const struct store_member *m = audit_member(a, l->author);
		int first = 1;

		who(a, l->author, w);
		printf("  %-34s %-8s %-7s %6llu stored, %llu refused, head "
		    "seq %llu\n", w, m == NULL ? "unknown" : m->observer ?
		    "observer" : "member", m == NULL ? "" : m->active ?
		    "active" : "removed", (unsigned long long)l->stored,
		    (unsigned long long)l->refused,
		    (unsigned long long)l->head);
		for (t = 0; t < AUDIT_TYPES; t++) {
			if (l->by_type[t] == 0)
				continue;
			printf("%s%llu %s", first ? "      " : ", ",
			    (unsigned long long)l->by_type[t], type_name(
			    (uint32_t)t));
			first = 0;
		}
		if (!first)
			putchar('\n');
	}
	printf("\nmembers\n");
	for (i = 0; i < a->nmembers; i++) {
		const struct store_member *m = &a->members[i];

		who(a, m->key, w);
		ctl_hex(m->admitted_by, 8, h);
		printf("  %-34s %s, %s", w, m->observer ? "observer" :
		    "member", memcmp(m->admitted_by, zero, 32) == 0 ?
		    "founding (the charter)" : "admitted by proposal ");
		if (memcmp(m->admitted_by, zero, 32) != 0)
			printf("%s…", h);
		if (!m->active) {
			const struct audit_log *l = audit_log_find(a, m->key);

			ctl_hex(m->removed_by, 8, h);
			printf("; removed by %s…, counts up to seq %llu", h,
			    (unsigned long long)m->upto);
			if (l != NULL && l->late_checkpoints > 0)
				printf(" (and %llu checkpoint%s past it, signed "
				    "before its node learned of the removal: "
				    "they count for nothing)", (unsigned long long)
				    l->late_checkpoints, l->late_checkpoints ==
				    1 ? "" : "s");
		}
		if (m->rotated != 0) {
			ctl_fingerprint(m->signing, h);
			printf("; key rotated at seq %llu, signs with %s",
			    (unsigned long long)m->rotated, h);
		}
		if (m->succession != 0) {
			who(a, m->succeeds, w2);
			printf("; succeeds %s (%s)", w2, m->succession == 2 ?
			    "holds" : "pending");
		}
		putchar('\n');
	}
	printf("\nmembership events\n");
	if (a->nmevents == 0)
		printf("  none after the charter\n");
	for (i = 0; i < a->nmevents; i++) {
		const struct audit_mevent *m = &a->mevents[i];

		who(a, m->author, w);
		printf("  %s seq %llu %s", w, (unsigned long long)m->seq,
		    type_name(m->type));
		if (m->type == BODY_MEMBER_ENDORSE) {
			ctl_hex(m->proposal, 8, h);
			printf(" of %s…", h);
		} else {
			who(a, m->subject, w2);
			printf(" %s", w2);
		}
		if (m->type == BODY_MEMBER_REMOVE)
			printf(" up to seq %llu", (unsigned long long)m->upto);
		ctl_hex(m->id, 8, h);
		printf(" (id %s…)\n", h);
	}
	printf("\nforks\n");
	if (a->nforks == 0)
		printf("  none\n");
	for (i = 0; i < a->nforks; i++) {
		const struct audit_fork *f = &a->forks[i];

		who(a, f->author, w);
		ctl_hex(f->a, 32, h);
		ctl_hex(f->b, 32, h2);
		printf("  %s at seq %llu, counts up to seq %llu\n    %s\n    "
		    "%s\n", w, (unsigned long long)f->seq,
		    (unsigned long long)f->last, h, h2);
	}
	printf("\nrevocations\n");
	if (a->nrevs == 0)
		printf("  none\n");
	for (i = 0; i < a->nrevs; i++) {
		const struct audit_revocation *r = &a->revs[i];

		who(a, r->author, w);
		ctl_hex(r->completion, 32, h);
		printf("  %s seq %llu revokes %s%s: \"%s\"\n", w,
		    (unsigned long long)r->seq, h, r->counted ? "" :
		    " (counts not)", r->reason);
	}
	printf("\nstate       %llu module versions, %llu completions "
	    "(%llu revoked)\n", (unsigned long long)a->modvers,
	    (unsigned long long)a->compls,
	    (unsigned long long)a->compls_revoked);
	ctl_hex(a->log_root, 32, h);
	printf("log root    %s\n", h);
	ctl_hex(a->state_root, 32, h);
	printf("state root  %s\n", h);
	if (!a->from_datadir && a->trailer_ok) {
		ctl_hex(a->trailer_root, 32, h);
		printf("trailer's   %s (%s)\n", h, sodium_is_zero(
		    a->trailer_root, 32) ? "none: a salvage" :
		    memcmp(a->trailer_root, a->log_root, 32) == 0 ?
		    "the same" : "DIFFERS");
	}
	if (a->datadir_roots) {
		if (a->datadir_moved)
			printf("node's      not compared: i40d wrote to the "
			    "data directory during the audit; audit a "
			    "stopped node or a copy\n");
		else {
			printf("node's      log root %s, state root %s\n",
			    a->dd_log_root_bad ? "CANNOT BE COMPUTED" :
			    memcmp(a->dd_log_root, a->log_root, 32) == 0 ?
			    "the same" : "DIFFERS", memcmp(a->dd_state_root,
			    a->state_root, 32) == 0 ? "the same" : "DIFFERS");
		}
	}
	printf("\nfindings\n");
	if (a->nf_total == 0)
		printf("  none\n");
	for (i = 0; i < a->nf; i++) {
		const struct audit_finding *f = &a->f[i];

		printf("  %-12s", audit_kind_name(f->kind));
		if (f->has_author) {
			who(a, f->author, w);
			printf(" %s", w);
		}
		if (f->seq != 0 && f->to != f->seq)
			printf(" seq %llu to %llu", (unsigned long long)f->seq,
			    (unsigned long long)f->to);
		else if (f->seq != 0)
			printf(" seq %llu", (unsigned long long)f->seq);
		if (f->offset != UINT64_MAX)
			printf(" (offset %llu)", (unsigned long long)f->offset);
		printf(": %s", f->what);
		if (f->code != 0)
			printf(" [%s]", i40_errname(f->code));
		putchar('\n');
	}
	if (a->nf_total > a->nf)
		printf("  … %llu findings in all; %zu are listed: the first "
		    "%d about events, and those that close the audit (up "
		    "to %d more)\n", (unsigned long long)a->nf_total, a->nf,
		    AUDIT_MAX_FINDINGS, AUDIT_MAX_CLOSING);
	if (a->nf_total == 0)
		printf("\nresult: clean\n");
	else
		printf("\nresult: NOT CLEAN: %llu finding%s\n",
		    (unsigned long long)a->nf_total, a->nf_total == 1 ? "" :
		    "s");
}

static int
set(json_t *o, const char *k, json_t *v)
{
	return v == NULL || json_object_set_new(o, k, v) != 0 ? -1 : 0;
}

static int
set_hex(json_t *o, const char *k, const uint8_t *b, size_t n)
{
	return set(o, k, ctl_json_hex(b, n));
}

static int
set_int(json_t *o, const char *k, uint64_t v)
{
	return set(o, k, ctl_json_u64(v));
}

static json_t *
json_logs(const struct audit *a)
{
	json_t *arr = json_array(), *o, *bt;
	size_t i, t;
	int bad = arr == NULL;

	for (i = 0; !bad && i < a->nlogs; i++) {
		const struct audit_log *l = &a->logs[i];
		const struct store_member *m = audit_member(a, l->author);

		bad = (o = json_object()) == NULL || (bt = json_object()) ==
		    NULL;
		if (bad) {
			json_decref(o);
			break;
		}
		for (t = 0; t < AUDIT_TYPES; t++)
			if (l->by_type[t] != 0)
				bad |= set_int(bt, type_name((uint32_t)t),
				    l->by_type[t]);
		bad |= set_hex(o, "author", l->author, 32) |
		    set(o, "schac", ctl_json_text(m != NULL ? m->schac : "")) |
		    set_int(o, "stored", l->stored) |
		    set_int(o, "refused", l->refused) |
		    set_int(o, "head", l->head) |
		    set_int(o, "late_checkpoints", l->late_checkpoints) |
		    set(o, "by_type", bt) | json_array_append_new(arr, o);
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *
json_members(const struct audit *a)
{
	static const uint8_t zero[32];
	json_t *arr = json_array(), *o;
	size_t i;
	int bad = arr == NULL;

	for (i = 0; !bad && i < a->nmembers; i++) {
		const struct store_member *m = &a->members[i];

		if ((o = json_object()) == NULL) {
			bad = 1;
			break;
		}
		bad |= set_hex(o, "key", m->key, 32) |
		    set(o, "schac", ctl_json_text(m->schac)) |
		    set(o, "role", json_string(m->observer ? "observer" :
		    "member")) | set(o, "active", json_boolean(m->active)) |
		    set(o, "admitted_by", memcmp(m->admitted_by, zero, 32) ==
		    0 ? json_string("charter") : ctl_json_hex(m->admitted_by,
		    32)) | set_hex(o, "signing_key", m->signing, 32);
		if (!m->active)
			bad |= set_hex(o, "removed_by", m->removed_by, 32) |
			    set_int(o, "upto", m->upto);
		if (m->rotated != 0)
			bad |= set_int(o, "rotated_at", m->rotated);
		if (m->succession != 0)
			bad |= set_hex(o, "succeeds", m->succeeds, 32) |
			    set(o, "succession", json_string(m->succession ==
			    2 ? "holds" : "pending"));
		bad |= json_array_append_new(arr, o);
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *
json_history(const struct audit *a)
{
	json_t *arr = json_array(), *o;
	size_t i;
	int bad = arr == NULL;

	for (i = 0; !bad && i < a->nmevents; i++) {
		const struct audit_mevent *m = &a->mevents[i];

		if ((o = json_object()) == NULL) {
			bad = 1;
			break;
		}
		bad |= set_hex(o, "author", m->author, 32) |
		    set_int(o, "seq", m->seq) |
		    set(o, "type", json_string(type_name(m->type))) |
		    set_hex(o, "id", m->id, 32);
		if (m->type == BODY_MEMBER_ENDORSE)
			bad |= set_hex(o, "proposal", m->proposal, 32);
		else
			bad |= set_hex(o, "subject", m->subject, 32);
		if (m->type == BODY_MEMBER_REMOVE)
			bad |= set_int(o, "upto", m->upto);
		bad |= json_array_append_new(arr, o);
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *
json_forks_revs(const struct audit *a, int revs)
{
	json_t *arr = json_array(), *o;
	size_t i, n = revs ? a->nrevs : a->nforks;
	int bad = arr == NULL;

	for (i = 0; !bad && i < n; i++) {
		if ((o = json_object()) == NULL) {
			bad = 1;
			break;
		}
		if (revs)
			bad |= set_hex(o, "author", a->revs[i].author, 32) |
			    set_int(o, "seq", a->revs[i].seq) |
			    set_hex(o, "id", a->revs[i].id, 32) |
			    set_hex(o, "completion", a->revs[i].completion,
			    32) | set(o, "reason", ctl_json_text(
			    a->revs[i].reason)) | set(o, "counted",
			    json_boolean(a->revs[i].counted));
		else
			bad |= set_hex(o, "author", a->forks[i].author, 32) |
			    set_int(o, "seq", a->forks[i].seq) |
			    set_int(o, "counts_up_to", a->forks[i].last) |
			    set_hex(o, "a", a->forks[i].a, 32) |
			    set_hex(o, "b", a->forks[i].b, 32);
		bad |= json_array_append_new(arr, o);
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *
json_findings(const struct audit *a)
{
	json_t *arr = json_array(), *o;
	size_t i;
	int bad = arr == NULL;

	for (i = 0; !bad && i < a->nf; i++) {
		const struct audit_finding *f = &a->f[i];

		if ((o = json_object()) == NULL) {
			bad = 1;
			break;
		}
		bad |= set(o, "kind", json_string(audit_kind_name(f->kind))) |
		    set(o, "what", ctl_json_text(f->what));
		if (f->has_author)
			bad |= set_hex(o, "author", f->author, 32);
		if (f->seq != 0)
			bad |= set_int(o, "seq", f->seq) |
			    set_int(o, "to", f->to);
		if (f->offset != UINT64_MAX)
			bad |= set_int(o, "offset", f->offset);
		if (f->code != 0)
			bad |= set(o, "error", json_string(
			    i40_errname(f->code)));
		bad |= json_array_append_new(arr, o);
	}
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *
json_report(const struct audit *a, const char *input)
{
	json_t *o = json_object(), *d;
	int bad = o == NULL;

	if (bad)
		return NULL;
	bad |= set(o, "clean", json_boolean(a->nf_total == 0)) |
	    set(o, a->from_datadir ? "datadir" : "file", ctl_json_text(input)) |
	    set_hex(o, "genesis", a->genesis_id, 32) |
	    set_hex(o, "fed_id", a->fed_id, 32) |
	    set(o, "genesis_given", json_boolean(a->genesis_given)) |
	    set_int(o, "events", a->events) | set_int(o, "stored", a->stored) |
	    set_int(o, "refused", a->refused) |
	    set_int(o, "evidence", a->evidence) |
	    set(o, "logs", json_logs(a)) | set(o, "members", json_members(a)) |
	    set(o, "membership_events", json_history(a)) |
	    set(o, "forks", json_forks_revs(a, 0)) |
	    set(o, "revocations", json_forks_revs(a, 1)) |
	    set_int(o, "module_versions", a->modvers) |
	    set_int(o, "completions", a->compls) |
	    set_int(o, "completions_revoked", a->compls_revoked) |
	    set_hex(o, "log_root", a->log_root, 32) |
	    set_hex(o, "state_root", a->state_root, 32) |
	    set(o, "findings", json_findings(a)) |
	    set_int(o, "findings_total", a->nf_total);
	if (!a->from_datadir && a->trailer_ok)
		bad |= sodium_is_zero(a->trailer_root, 32) ?
		    set(o, "trailer_log_root", json_null()) :
		    set_hex(o, "trailer_log_root", a->trailer_root, 32);
	if (a->datadir_roots) {
		if ((d = json_object()) == NULL)
			bad = 1;
		else
			bad |= set(d, "moved", json_boolean(
			    a->datadir_moved)) | (a->dd_log_root_bad ?
			    set(d, "log_root", json_null()) : set_hex(d,
			    "log_root", a->dd_log_root, 32)) | set_hex(d,
			    "state_root",
			    a->dd_state_root, 32) | set(o, "node", d);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* -d or --datadir among the words: then FILE is not expected. */
static int
has_datadir(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-d") == 0 || strncmp(argv[i], "-d", 2) ==
		    0 || strncmp(argv[i], "--datadir", 9) == 0)
			return 1;
	return 0;
}

/* The first word that is no option nor an option's argument, or NULL. */
static const char *
operand_of(int argc, char *argv[], const char *const *with_arg)
{
	int i;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)
			return argv[i];
		for (k = 0; with_arg[k] != NULL; k++)
			if (strcmp(argv[i], with_arg[k]) == 0)
				i++;
	}
	return NULL;
}

int
audit_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP,
		{ "genesis", required_argument, NULL, 'g' },
		{ "tmpdir", required_argument, NULL, 't' }, CTL_OPT_END
	};
	static const char *const with_arg[] = { "-d", "--datadir", "-g",
	    "--genesis", "--tmpdir", NULL };
	struct audit_opts ao;
	struct audit a;
	struct ctl_opts o;
	const char *file = NULL, *genesis = NULL;
	uint8_t *g = NULL;
	size_t glen = 0;
	char why[600];
	int c, rc, ret;
	json_t *doc;

	ctl_set_cmd("i40ctl audit");
	memset(&ao, 0, sizeof(ao));
	if (has_datadir(argc, argv) &&
	    (file = operand_of(argc, argv, with_arg)) != NULL)
		return ctl_usage_error(usage_audit, "give FILE or --datadir "
		    "DIR, not both (`%s' and a data directory): FILE audits "
		    "an export file, --datadir a node's data directory, "
		    "compared with what the node stored", file);
	if (!has_datadir(argc, argv)) {
		if ((ret = ctl_operand(&argc, argv, with_arg, usage_audit,
		    "FILE (or --datadir DIR)", &file)) != CTL_EXIT_OK)
			return ret;
		if (file == NULL) {	/* --help */
			fputs(usage_audit, stdout);
			return CTL_EXIT_OK;
		}
	}
	ctl_opts_init(&o, usage_audit, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:g:h", opts, &o)) > 0) {
		if (c == 'g')
			genesis = optarg;
		else
			ao.tmpdir = optarg;
	}
	if (c < 0)
		return o.exit;
	if (file != NULL)
		ao.file = file;
	else
		ao.datadir = o.datadir;
	if (genesis != NULL) {
		struct ev_signed ge;

		if ((rc = ctl_read_file(genesis, EV_MAX_BYTES, &g, &glen)) !=
		    0) {
			if (rc == -EISDIR)
				ctl_errx("--genesis %s: not a regular file; give "
				    "the genesis file (genesis.i40) every node "
				    "was initialised with", genesis);
			else
				ctl_err(rc, "--genesis: cannot read %s",
				    genesis);
			return CTL_EXIT_ERR;
		}
		/* A wrong file is the auditor's mistake, not a forgery. */
		if ((rc = ev_decode(g, glen, NULL, &ge, NULL, NULL)) != 0 ||
		    ge.h.type != BODY_GENESIS || ge.h.seq != 1) {
			ctl_errx("--genesis %s: not a genesis file (%s); give "
			    "the genesis file (genesis.i40) every node was "
			    "initialised with", genesis, rc != 0 ?
			    i40_strerror(rc) : "a signed event, but not the "
			    "federation's first");
			free(g);
			return CTL_EXIT_ERR;
		}
		ao.genesis = g;
		ao.genesis_len = glen;
	}
	ao.progress = isatty(STDERR_FILENO);
	/* A closed stdout (| head) is an error to report, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	rc = audit_run(&ao, &a, why, sizeof(why));
	free(g);
	if (rc != 0) {
		ctl_errx("the audit could not finish: %s", why[0] != '\0' ?
		    why : i40_strerror(rc));
		audit_free(&a);
		return CTL_EXIT_ERR;
	}
	ret = a.nf_total == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
	if (a.dd_nolock)
		ctl_warnx("%s: opened without LMDB's lock file (this user may "
		    "not write it, or it is read-only): nothing may write it "
		    "while the audit reads it", ao.datadir);
	if (a.tmp_left)
		ctl_warnx("cannot remove the replay's directory %s: %s; "
		    "remove it by hand", a.tmp_dir, strerror(a.tmp_errno));
	if (o.json) {
		if ((doc = json_report(&a, file != NULL ? file :
		    ao.datadir)) == NULL) {
			ctl_errx("out of memory for the report");
			ret = CTL_EXIT_ERR;
		} else if (ctl_json_print(doc) != 0)
			ret = CTL_EXIT_ERR;
	} else
		print_text(&a, file != NULL ? file : ao.datadir);
	if (a.nf_total != 0)
		fprintf(stderr, "%s: not clean: %llu findings\n", ctl_cmd(),
		    (unsigned long long)a.nf_total);
	audit_free(&a);
	return ret;
}
