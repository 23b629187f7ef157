/*
 * cmd_verify.c: i40ctl verify FILE (--genesis GENESIS | -d DIR): a
 * transcript checked entry by entry (transcript.c decides; this file
 * reads the command line, the files, and prints the verdicts).  An
 * employer runs it with the genesis alone; a registrar with a node.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_member.h"
#include "ctl_node.h"
#include "subcommands.h"
#include "transcript.h"

static const char usage_verify[] =
    "usage: i40ctl verify FILE --genesis GENESIS [--json]\n"
    "       i40ctl verify FILE -d DIR [--genesis GENESIS] [--json]\n"
    "\n"
    "Check a transcript (from `i40ctl transcript --json`) entry by entry:\n"
    "each completion and its module event signed with their university's\n"
    "key in force, the university a member of the federation, the summary\n"
    "a person reads the same as what was signed.  With --genesis alone\n"
    "nothing but that file is trusted and no network is used; with a data\n"
    "directory the node's ledger is asked too: whether each result still\n"
    "counts (not revoked since) and whether a key rotation was left out.\n"
    "Exit 0 only when every entry verifies.  FILE - reads standard input.\n"
    "\n"
    "  -g, --genesis FILE    the federation's genesis (genesis.i40), as\n"
    "                        its members publish it\n"
    "  -d, --datadir DIR     a node's data directory (its genesis is used\n"
    "                        unless --genesis is given)\n"
    "      --json            print the verdicts as JSON\n"
    "  -h, --help            print this text\n";

#define TR_MAX_BYTES (16u << 20)

static int
read_stdin(uint8_t **buf, size_t *len)
{
	size_t cap = 1 << 16, got;
	uint8_t *p = malloc(cap), *np;

	*len = 0;
	while (p != NULL) {
		if (*len == cap) {
			if (cap >= TR_MAX_BYTES) {
				free(p);
				return I40_E_TOO_BIG;
			}
			cap *= 2;
			if ((np = realloc(p, cap)) == NULL)
				break;
			p = np;
		}
		got = fread(p + *len, 1, cap - *len, stdin);
		*len += got;
		if (got == 0) {
			if (ferror(stdin)) {
				free(p);
				return -EIO;
			}
			*buf = p;
			return 0;
		}
	}
	free(p);
	return I40_E_NOMEM;
}

static int
load_doc(const char *file, json_t **doc)
{
	json_error_t je;
	uint8_t *buf;
	size_t len;
	int rc;

	/* stdin too is read whole and bounded: no transcript is that big. */
	if (strcmp(file, "-") == 0)
		rc = read_stdin(&buf, &len);
	else
		rc = ctl_read_file(file, TR_MAX_BYTES, &buf, &len);
	if (rc != 0) {
		ctl_err(rc, "cannot read %s%s", file, rc == I40_E_TOO_BIG ?
		    " (a transcript is at most 16 MiB)" : "");
		return rc;
	}
	*doc = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES,
	    &je);
	free(buf);
	if (*doc == NULL) {
		ctl_errx("%s: not a transcript: line %d, column %d: %s", file,
		    je.line, je.column, je.text);
		return I40_E_VALUE;
	}
	return 0;
}

static int
load_genesis(const char *path, uint8_t **g, size_t *glen)
{
	int rc = ctl_read_file(path, EV_MAX_BYTES, g, glen);

	if (rc != 0)
		ctl_err(rc, "--genesis: cannot read %s", path);
	return rc;
}

static int
print_verdicts(const char *file, const json_t *doc,
    const struct tr_check *r, size_t n, int json, int with_node)
{
	json_t *out;
	char h[24];
	size_t i, good;
	uint64_t total;

	if ((out = tr_verdicts_json(file, doc, r, n, with_node)) == NULL)
		return I40_E_NOMEM;
	if (json)
		return ctl_json_print(out);
	good = (size_t)json_integer_value(json_object_get(out, "verified"));
	total = (uint64_t)json_integer_value(json_object_get(out, "credits"));
	printf("transcript of %s, taken %s (as the file says: not "
	    "verified)\n",
	    json_string_value(json_object_get(doc, "learner")),
	    json_string_value(json_object_get(doc, "issued")) ?
	    json_string_value(json_object_get(doc, "issued")) : "?");
	for (i = 0; i < n; i++) {
		ctl_format_hp(r[i].credits, h);
		if (r[i].ok)
			printf("  verified  %zu  %-10s %s hp%s%s\n", i + 1,
			    r[i].code, h, r[i].passed ? "" :
			    " (not passed: no credits)", r[i].admitted &&
			    !with_node ? " (its university admitted, per the "
			    "file: docs/credentials.md)" : "");
		else
			printf("  REFUSED   %zu  %-10s %s\n", i + 1,
			    r[i].code[0] ? r[i].code : "?", r[i].reason);
	}
	ctl_format_hp(total, h);
	printf("%zu of %zu entries verified (%s hp), against %s\n", good, n,
	    h, with_node ? "the genesis and this node's ledger" :
	    "the genesis alone");
	printf("verification code of the verified entries: %s\n",
	    json_string_value(json_object_get(out, "code")));
	json_decref(out);
	return fflush(stdout) != 0 ? -EIO : 0;
}

static int
verify_run(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP,
		{ "genesis", required_argument, NULL, 'g' }, CTL_OPT_END
	};
	static const char *const with_arg[] = { "-d", "--datadir", "-g",
	    "--genesis", NULL };
	const char *file, *genesis = NULL;
	struct store *st = NULL;
	struct store_event ge;
	struct tr_check *res = NULL;
	struct ctl_opts o;
	uint8_t *g = NULL;
	size_t glen = 0, n = 0, i;
	json_t *doc = NULL;
	char why[300];
	int c, ret, rc, bad = 0;

	ctl_set_cmd("i40ctl verify");
	if ((ret = ctl_operand(&argc, argv, with_arg, usage_verify, "FILE",
	    &file)) != CTL_EXIT_OK)
		return ret;
	if (file == NULL) {
		fputs(usage_verify, stdout);
		return CTL_EXIT_OK;
	}
	ctl_opts_init(&o, usage_verify, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:g:h", opts, &o)) > 0)
		if (c == 'g')
			genesis = optarg;
	if (c < 0)
		return o.exit;
	if (genesis == NULL && o.datadir == NULL)
		return ctl_usage_error(usage_verify, "give --genesis GENESIS "
		    "(the federation's genesis file), or -d DIR (a node's "
		    "data directory)");
	ret = CTL_EXIT_ERR;
	if (load_doc(file, &doc) != 0)
		goto out;
	if (genesis != NULL && load_genesis(genesis, &g, &glen) != 0)
		goto out;
	if (o.datadir != NULL) {
		if (ctl_store_open(o.datadir, &st) != 0)
			goto out;
		if (g == NULL) {
			if ((rc = store_genesis(st, &ge)) != 0) {
				ctl_err(rc, "cannot read the genesis of %s",
				    o.datadir);
				goto out;
			}
			g = ge.bytes;
			glen = ge.len;
		}
	}
	if ((rc = tr_verify(doc, g, glen, st, &res, &n, why,
	    sizeof(why))) != 0) {
		ctl_errx("%s: %s", file, why);
		goto out;
	}
	for (i = 0; i < n; i++)
		bad += !res[i].ok;
	if (print_verdicts(file, doc, res, n, o.json, st != NULL) != 0) {
		ctl_errx("cannot print the verdicts");
		goto out;
	}
	if (n == 0)
		ctl_warnx("%s holds no entries: nothing was verified", file);
	ret = bad == 0 && n > 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
out:
	free(res);
	free(g);
	json_decref(doc);
	store_close(st);
	return ret;
}

int
verify_main(int argc, char *argv[])
{
	return verify_run(argc, argv);
}
