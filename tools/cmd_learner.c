/*
 * cmd_learner.c: i40ctl learner add | show | find | forget: the learners this
 * university issued pseudonyms to, in the data directory's private
 * environment (never replicated, exported or logged: docs/protocol.md
 * §15 for the pseudonym's text).  These commands open that environment
 * themselves, i40d running or not; the ledger is only read.  A name or a
 * number goes to standard output, never into a message on stderr.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_member.h"
#include "ctl_learner.h"
#include "ctl_node.h"
#include "protocol/codec.h"
#include "protocol/pseudonym.h"
#include "store/store.h"
#include "subcommands.h"

#define NAME_MAX_BYTES 200

static const char usage_learner[] =
    "usage: i40ctl learner add [-d DIR] --name NAME (--pnr NUMBER | --email ADDRESS)\n"
    "                          [--json]\n"
    "       i40ctl learner show [-d DIR] PSEUDONYM [--json]\n"
    "       i40ctl learner find [-d DIR] (--pnr NUMBER | --email ADDRESS) [--json]\n"
    "       i40ctl learner forget [-d DIR] PSEUDONYM [--yes]\n"
    "\n"
    "Issue and look up learners' pseudonyms.  The names and numbers stay\n"
    "in this node's private store: never replicated, exported or logged.\n";

static const char usage_add[] =
    "usage: i40ctl learner add [-d DIR] --name NAME (--pnr NUMBER | --email ADDRESS)\n"
    "                          [--json]\n"
    "\n"
    "Issue a pseudonym to a learner, or say the one issued already to the\n"
    "same personal identity number or e-mail address, and print it.\n"
    "\n"
    "  --name NAME          the learner's full name, as on an ID card\n"
    "  --pnr NUMBER         a Swedish personal identity or coordination\n"
    "                       number: YYYYMMDD-NNNN, YYMMDD-NNNN or\n"
    "                       YYMMDD+NNNN (100 or older); checked and kept\n"
    "                       as YYYYMMDD-NNNN; `-': read it from standard\n"
    "                       input (out of `ps' and the shell's history)\n"
    "  --email ADDRESS      for a learner without one: an e-mail address\n"
    "  -d, --datadir DIR    the node's data directory (default\n"
    "                       $I40_DATADIR, else /var/lib/i40)\n"
    "      --json           print {\"pseudonym\", \"new\"}\n"
    "  -h, --help           print this text\n";

static const char usage_show[] =
    "usage: i40ctl learner show [-d DIR] PSEUDONYM [--json]\n"
    "\n"
    "Print the name behind a pseudonym this node issued.\n"
    "\n"
    "  -d, --datadir DIR    the node's data directory\n"
    "      --json           print {\"pseudonym\", \"name\"}\n"
    "  -h, --help           print this text\n";

static const char usage_find[] =
    "usage: i40ctl learner find [-d DIR] (--pnr NUMBER | --email ADDRESS) [--json]\n"
    "\n"
    "Print the pseudonym this node issued to a personal identity number or\n"
    "an e-mail address, and the name.\n"
    "\n"
    "  --pnr NUMBER         as for `learner add`, in any of its forms\n"
    "  --email ADDRESS      the address it was issued to\n"
    "  -d, --datadir DIR    the node's data directory\n"
    "      --json           print {\"pseudonym\", \"name\"}\n"
    "  -h, --help           print this text\n";

static const char usage_forget[] =
    "usage: i40ctl learner forget [-d DIR] PSEUDONYM [--yes]\n"
    "\n"
    "Erase the name and number behind a pseudonym from this node, for\n"
    "good: the private store is rewritten so that they are in no file of\n"
    "the data directory.  The results recorded for the pseudonym stay in\n"
    "the ledger, on every node, and name nobody from then on.  Only the\n"
    "pseudonym and the time are kept, to say it was forgotten.  Asks\n"
    "first on a terminal; elsewhere --yes is needed.\n"
    "\n"
    "  --yes                forget without asking\n"
    "  -d, --datadir DIR    the node's data directory\n"
    "  -h, --help           print this text\n";

/* A name a transcript can carry: UTF-8 text of one line, not empty. */
static int
name_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > NAME_MAX_BYTES ||
	    !codec_utf8_valid((const uint8_t *)name, len)) {
		ctl_errx("--name: give the learner's full name, 1 to %d bytes "
		    "of UTF-8", NAME_MAX_BYTES);
		return 0;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < ' ' || name[i] == 0x7f) {
			ctl_errx("--name: a name is one line, without control "
			    "characters");
			return 0;
		}
	return 1;
}

static void
print_human(const json_t *doc, const void *arg)
{
	const char *name = json_string_value(json_object_get(doc, "name"));

	(void)arg;
	if (json_object_get(doc, "new") != NULL)
		printf("%s (%s)\n", json_string_value(json_object_get(doc,
		    "pseudonym")), json_is_true(json_object_get(doc, "new")) ?
		    "issued now" : "issued before: the same learner");
	else
		printf("%s  %s\n", json_string_value(json_object_get(doc,
		    "pseudonym")), name != NULL ? name : "");
}

/* Print pseudonym p (and name, and issued-now flag where not NULL / -1). */
static int
print_learner(const uint8_t p[PSEUDONYM_BYTES], const char *name, int fresh,
    int json)
{
	char shown[PSEUDONYM_TEXT_LEN + 1];
	json_t *doc;
	int rc;

	pseudonym_format(p, shown);
	if ((doc = json_object()) == NULL ||
	    json_object_set_new(doc, "pseudonym", json_string(shown)) != 0 ||
	    (name != NULL && json_object_set_new(doc, "name",
	    json_string(name)) != 0) ||
	    (fresh >= 0 && json_object_set_new(doc, "new",
	    json_boolean(fresh)) != 0)) {
		json_decref(doc);
		ctl_err(I40_E_NOMEM, "cannot print the learner");
		return CTL_EXIT_ERR;
	}
	rc = ctl_output(doc, json, print_human, NULL, "learner");
	json_decref(doc);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
}

static int
add_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP,
		{ "name", required_argument, NULL, 'n' },
		{ "pnr", required_argument, NULL, 'p' },
		{ "email", required_argument, NULL, 'e' }, CTL_OPT_END
	};
	const char *name = NULL, *pnr = NULL, *email = NULL;
	uint8_t p[PSEUDONYM_BYTES];
	struct ctl_learner_key id;
	struct ctl_opts o;
	struct store *st;
	int c, rc, fresh, ret;

	ctl_set_cmd("i40ctl learner add");
	ctl_opts_init(&o, usage_add, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:h", opts, &o)) > 0) {
		if (c == 'n')
			name = optarg;
		else if (c == 'p')
			pnr = optarg;
		else
			email = optarg;
	}
	if (c < 0)
		return o.exit;
	if (name == NULL)
		return ctl_usage_error(usage_add, "--name is missing");
	if ((ret = ctl_learner_key(pnr, email, usage_add, &id)) != 0)
		return ret;
	if (!name_ok(name))
		return CTL_EXIT_ERR;
	if (ctl_store_open_with(ctl_datadir(o.datadir), 1, &st) != 0)
		return CTL_EXIT_ERR;
	fresh = store_learner_find(st, id.key, p) == I40_E_NOT_FOUND;
	if ((rc = store_learner_issue(st, name, id.key, p)) != 0) {
		ctl_err(rc, "cannot issue the pseudonym in %s/private",
		    ctl_datadir(o.datadir));
		store_close(st);
		return CTL_EXIT_ERR;
	}
	ret = print_learner(p, NULL, fresh, o.json);
	sodium_memzero(&id, sizeof(id));
	store_close(st);
	return ret;
}

/* The name behind p, or a message; 0 or CTL_EXIT_ERR. */
static int
name_of(struct store *st, const uint8_t p[PSEUDONYM_BYTES], char *name,
    size_t cap)
{
	int rc = store_learner_name(st, p, name, cap);

	if (rc == I40_E_NOT_FOUND) {
		uint64_t when;
		char day[32];
		time_t t;
		struct tm tm;

		if (store_learner_forgotten(st, p, &when) == 0) {
			t = (time_t)(when / 1000);
			localtime_r(&t, &tm);
			strftime(day, sizeof(day), "%Y-%m-%d %H:%M", &tm);
			ctl_errx("the learner of this pseudonym was forgotten on "
			    "%s: this node no longer knows who it was", day);
		} else
			ctl_errx("this node issued no such pseudonym (a "
			    "pseudonym another university issued is known only "
			    "there)");
		return CTL_EXIT_ERR;
	}
	if (rc != 0) {
		ctl_err(rc, "cannot read the private store");
		return CTL_EXIT_ERR;
	}
	return 0;
}

static int
show_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP, CTL_OPT_END
	};
	static const char *const with_arg[] = { "-d", "--datadir", NULL };
	const char *text;
	uint8_t p[PSEUDONYM_BYTES];
	char why[200], name[NAME_MAX_BYTES * 2 + 2];
	struct ctl_opts o;
	struct store *st;
	int c, ret;

	ctl_set_cmd("i40ctl learner show");
	if ((ret = ctl_operand(&argc, argv, with_arg, usage_show, "PSEUDONYM",
	    &text)) != CTL_EXIT_OK)
		return ret;
	if (text == NULL) {
		fputs(usage_show, stdout);
		return CTL_EXIT_OK;
	}
	ctl_opts_init(&o, usage_show, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:h", opts, &o)) > 0)
		;
	if (c < 0)
		return o.exit;
	if (pseudonym_parse(text, p, why, sizeof(why)) != 0) {
		ctl_errx("`%s' is not a pseudonym: %s", text, why);
		return CTL_EXIT_ERR;
	}
	if (ctl_store_open_with(ctl_datadir(o.datadir), 1, &st) != 0)
		return CTL_EXIT_ERR;
	if ((ret = name_of(st, p, name, sizeof(name))) == 0)
		ret = print_learner(p, name, -1, o.json);
	sodium_memzero(name, sizeof(name));
	store_close(st);
	return ret;
}

static int
find_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP,
		{ "pnr", required_argument, NULL, 'p' },
		{ "email", required_argument, NULL, 'e' }, CTL_OPT_END
	};
	const char *pnr = NULL, *email = NULL;
	uint8_t p[PSEUDONYM_BYTES];
	char name[NAME_MAX_BYTES * 2 + 2];
	struct ctl_learner_key id;
	struct ctl_opts o;
	struct store *st;
	int c, rc, ret;

	ctl_set_cmd("i40ctl learner find");
	ctl_opts_init(&o, usage_find, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:h", opts, &o)) > 0) {
		if (c == 'p')
			pnr = optarg;
		else
			email = optarg;
	}
	if (c < 0)
		return o.exit;
	if ((ret = ctl_learner_key(pnr, email, usage_find, &id)) != 0)
		return ret;
	if (ctl_store_open_with(ctl_datadir(o.datadir), 1, &st) != 0)
		return CTL_EXIT_ERR;
	rc = store_learner_find(st, id.key, p);
	sodium_memzero(&id, sizeof(id));
	if (rc == I40_E_NOT_FOUND) {
		ctl_errx("no learner of that %s: `i40ctl learner add` issues "
		    "a pseudonym", pnr != NULL ? "number" : "address");
		ret = CTL_EXIT_ERR;
	} else if (rc != 0) {
		ctl_err(rc, "cannot read the private store");
		ret = CTL_EXIT_ERR;
	} else if ((ret = name_of(st, p, name, sizeof(name))) == 0)
		ret = print_learner(p, name, -1, o.json);
	sodium_memzero(name, sizeof(name));
	store_close(st);
	return ret;
}

/* On a terminal: does the operator mean it?  Elsewhere: no. */
static int
confirmed(const char *shown, const char *name)
{
	char line[16];

	if (!isatty(STDIN_FILENO)) {
		ctl_errx("forgetting cannot be undone: give --yes to forget "
		    "%s without being asked", shown);
		return 0;
	}
	fprintf(stderr, "Forget %s (%s) on this node for good? The results "
	    "recorded for it stay, and name nobody. [y/N] ", name, shown);
	if (fgets(line, sizeof(line), stdin) == NULL ||
	    (line[0] != 'y' && line[0] != 'Y')) {
		ctl_errx("nothing was forgotten");
		return 0;
	}
	return 1;
}

static int
forget_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_HELP,
		{ "yes", no_argument, NULL, 'y' }, CTL_OPT_END
	};
	static const char *const with_arg[] = { "-d", "--datadir", NULL };
	const char *text;
	uint8_t p[PSEUDONYM_BYTES];
	char why[200], shown[PSEUDONYM_TEXT_LEN + 1];
	char name[NAME_MAX_BYTES * 2 + 2];
	struct ctl_opts o;
	struct store *st;
	int c, rc, yes = 0, ret;

	ctl_set_cmd("i40ctl learner forget");
	if ((ret = ctl_operand(&argc, argv, with_arg, usage_forget,
	    "PSEUDONYM", &text)) != CTL_EXIT_OK)
		return ret;
	if (text == NULL) {
		fputs(usage_forget, stdout);
		return CTL_EXIT_OK;
	}
	ctl_opts_init(&o, usage_forget, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:h", opts, &o)) > 0)
		yes = 1;
	if (c < 0)
		return o.exit;
	if (pseudonym_parse(text, p, why, sizeof(why)) != 0) {
		ctl_errx("`%s' is not a pseudonym: %s", text, why);
		return CTL_EXIT_ERR;
	}
	pseudonym_format(p, shown);
	if (ctl_store_open_with(ctl_datadir(o.datadir), 1, &st) != 0)
		return CTL_EXIT_ERR;
	ret = CTL_EXIT_ERR;
	if (name_of(st, p, name, sizeof(name)) != 0 ||
	    (!yes && !confirmed(shown, name)))
		goto out;
	rc = store_learner_forget(st, p);
	if (rc == I40_E_BUSY)
		ctl_errx("another i40ctl learner command has %s/private open: "
		    "nothing was forgotten; run this again once it is done",
		    ctl_datadir(o.datadir));
	else if (rc != 0)
		ctl_err(rc, "cannot forget the learner in %s/private",
		    ctl_datadir(o.datadir));
	else {
		printf("forgot the learner of %s: no file of this node "
		    "holds the name or number any more\n", shown);
		ret = CTL_EXIT_OK;
	}
out:
	sodium_memzero(name, sizeof(name));
	store_close(st);
	return ret;
}

int
learner_main(int argc, char *argv[])
{
	static const struct ctl_sub subs[] = {
		{ "add", add_main },
		{ "show", show_main },
		{ "find", find_main },
		{ "forget", forget_main },
	};

	ctl_set_cmd("i40ctl learner");
	return ctl_dispatch(argc, argv, usage_learner, subs,
	    sizeof(subs) / sizeof(subs[0]));
}
