/*
 * cmd_transcript.c: i40ctl transcript PSEUDONYM and i40ctl verify FILE: a
 * learner's documented competence out of a node's store, as a file to
 * print or to hand over, and that file checked by anyone against the
 * federation's genesis (docs/i40ctl.md "transcript", "verify";
 * docs/credentials.md).  The rules are transcript.c's; this file reads
 * command lines and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_member.h"
#include "ctl_node.h"
#include "protocol/pseudonym.h"
#include "subcommands.h"
#include "transcript.h"

static const char usage_transcript[] =
    "usage: i40ctl transcript PSEUDONYM [-d DIR] [--json | --text] [--all]\n"
    "           [-o FILE]\n"
    "       i40ctl transcript PSEUDONYM [-d DIR] --pdf -o FILE.pdf [--all]\n"
    "\n"
    "A learner's transcript from this node's copy of the national ledger:\n"
    "every result that counts, from every university, with its module,\n"
    "credits, level, dates, grade and learning outcomes, and the total.\n"
    "The JSON form carries the signed events that prove each entry, so\n"
    "anyone can check it offline with `i40ctl verify`; the learner may\n"
    "drop entries and the rest still verify.  The daemon need not run.\n"
    "\n"
    "  -d, --datadir DIR     the node's data directory\n"
    "      --json            the verifiable file (the default with -o)\n"
    "      --text            for people: what a learner prints (the\n"
    "                        default on a terminal)\n"
    "      --pdf             an A4 PDF to hand over, with the verification\n"
    "                        code `i40ctl verify` prints for the JSON form\n"
    "      --all             failed and revoked results too, marked\n"
    "  -o, --output FILE     write to FILE (mode 0644, not replaced)\n"
    "  -h, --help            print this text\n";

/* One line of tr_render() on a terminal or in a text file. */
static void
text_line(void *arg, enum tr_style style, const char *text)
{
	static const char *const indent[] = {
		[TR_S_TITLE] = "", [TR_S_META] = "", [TR_S_CODE] = "",
		[TR_S_NOTE] = "", [TR_S_ENTRY] = "", [TR_S_DETAIL] = "    ",
		[TR_S_ITEM] = "      ", [TR_S_GAP] = "", [TR_S_TOTAL] = "",
	};

	fprintf(arg, "%s%s\n", indent[style], text);
	if (style == TR_S_TITLE)
		fputc('\n', arg);
}

static int
print_text(FILE *f, const json_t *doc)
{
	int rc = tr_render(doc, text_line, f);

	return rc != 0 ? rc : ferror(f) ? -EIO : 0;
}

static int
transcript_run(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP,
		{ "text", no_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "pdf", no_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' }, CTL_OPT_END
	};
	static const char *const with_arg[] = { "-d", "--datadir", "-o",
	    "--output", NULL };
	const char *text, *outfile = NULL;
	uint8_t p[PSEUDONYM_BYTES], issuer[32];
	char why[300];
	struct ctl_opts o;
	struct store *st;
	json_t *doc;
	int c, ret, rc, all = 0, astext = -1, have_issuer, pdf = 0;

	ctl_set_cmd("i40ctl transcript");
	if ((ret = ctl_operand(&argc, argv, with_arg, usage_transcript,
	    "PSEUDONYM", &text)) != CTL_EXIT_OK)
		return ret;
	if (text == NULL) {
		fputs(usage_transcript, stdout);
		return CTL_EXIT_OK;
	}
	ctl_opts_init(&o, usage_transcript, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:o:h", opts, &o)) > 0) {
		if (c == 't')
			astext = 1;
		else if (c == 'a')
			all = 1;
		else if (c == 'o')
			outfile = optarg;
		else if (c == 'p')
			pdf = 1;
	}
	if (c < 0)
		return o.exit;
	if (o.json + (astext == 1) + pdf > 1)
		return ctl_usage_error(usage_transcript, "--json, --text and "
		    "--pdf: give one");
	if (pdf && outfile == NULL)
		return ctl_usage_error(usage_transcript, "--pdf needs -o "
		    "FILE.pdf");
	if (o.json)
		astext = 0;
	if (astext < 0)
		astext = outfile == NULL && isatty(STDOUT_FILENO);
	/* Or 32 hex digits, as records' JSON has it (completion record). */
	if (!(strlen(text) == 2 * PSEUDONYM_BYTES &&
	    ctl_unhex(text, p, PSEUDONYM_BYTES) == 0) &&
	    pseudonym_parse(text, p, why, sizeof(why)) != 0) {
		ctl_errx("`%s' is not a pseudonym: %s", text, why);
		return CTL_EXIT_ERR;
	}
	if (ctl_store_open(ctl_datadir(o.datadir), &st) != 0)
		return CTL_EXIT_ERR;
	have_issuer = ctl_node_key_file(ctl_datadir(o.datadir), issuer) == 0;
	rc = tr_build(st, p, have_issuer ? issuer : NULL, all, &doc, why,
	    sizeof(why));
	store_close(st);
	if (rc != 0) {
		ctl_errx("%s", why);
		return CTL_EXIT_ERR;
	}
	if (json_array_size(json_object_get(doc, "entries")) == 0)
		ctl_warnx("this node holds no %sresult of %s", all ? "" :
		    "counting ", text);
	if (pdf) {
		uint8_t (*ids)[EV_ID_BYTES];
		char code[TR_CODE_LEN + 1];
		size_t nid;

		if ((rc = tr_pdf_write(doc, outfile, why, sizeof(why))) != 0 ||
		    (rc = tr_ids(doc, &ids, &nid)) != 0) {
			ctl_errx("%s", rc == I40_E_NOMEM ? "out of memory" :
			    why);
			json_decref(doc);
			return CTL_EXIT_ERR;
		}
		rc = tr_code((const uint8_t (*)[EV_ID_BYTES])ids, nid, code);
		free(ids);
		if (rc != 0) {
			ctl_errx("out of memory");
			json_decref(doc);
			return CTL_EXIT_ERR;
		}
		printf("wrote the transcript of %s to %s (%zu entries, "
		    "verification code %s); give the JSON form with it "
		    "(-o FILE.json): that is what verifies\n", text, outfile,
		    nid, code);
	} else if (outfile != NULL) {
		char *s = astext ? NULL : json_dumps(doc, JSON_INDENT(1) |
		    JSON_ENSURE_ASCII);
		FILE *f;

		if (astext) {
			char *buf = NULL;
			size_t len = 0;

			f = open_memstream(&buf, &len);
			rc = f == NULL ? -errno : print_text(f, doc);
			if (f != NULL)
				fclose(f);
			s = buf;
		}
		rc = s == NULL ? I40_E_NOMEM : ctl_write_new(outfile,
		    (const uint8_t *)s, strlen(s), 0644);
		free(s);
		if (rc != 0) {
			ctl_err(rc, "cannot write %s", outfile);
			json_decref(doc);
			return CTL_EXIT_ERR;
		}
		printf("wrote the transcript of %s to %s (%zu entries)\n",
		    text, outfile, json_array_size(json_object_get(doc,
		    "entries")));
	} else if (astext) {
		rc = print_text(stdout, doc);
	} else {
		rc = ctl_json_print(json_incref(doc));
	}
	json_decref(doc);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
}

int
transcript_main(int argc, char *argv[])
{
	return transcript_run(argc, argv);
}
