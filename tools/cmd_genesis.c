/*
 * cmd_genesis.c: i40ctl genesis: sign a federation's genesis event from
 * its charter (docs/protocol.md §4.6, §5.2; docs/i40ctl.md "genesis").
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_genesis.h"
#include "ctl_node.h"
#include "subcommands.h"

static const char usage[] =
    "usage: i40ctl genesis -c CHARTER.json -k KEYFILE -o OUT [--json]\n"
    "\n"
    "Sign the genesis event of a new federation, whose charter is the JSON\n"
    "file CHARTER.json (docs/i40ctl.md), with the key in KEYFILE, which must\n"
    "be the key of a founding member with role \"member\".  Write the signed\n"
    "event to OUT, a new file (never overwritten), and print the\n"
    "federation's id (fed_id) as 64 hex digits.\n"
    "\n"
    "  -c, --charter FILE  the charter: name, created, qa, admit_pct, members\n"
    "  -k, --key FILE      the signing member's key file (i40ctl keygen)\n"
    "  -o, --output FILE   the genesis file to write\n"
    "      --json          print {\"fed_id\", \"author\", \"name\",\n"
    "                      \"members\"}\n"
    "  -h, --help          print this text\n";

static json_t *
member_json(const struct body_member *m)
{
	json_t *o = json_object();

	if (o == NULL ||
	    json_object_set_new(o, "key", ctl_json_hex(m->key, 32)) != 0 ||
	    json_object_set_new(o, "role", ctl_json_strn(m->role.p,
	    m->role.len)) != 0 ||
	    json_object_set_new(o, "schac", ctl_json_strn(m->schac.p,
	    m->schac.len)) != 0 ||
	    json_object_set_new(o, "endpoint", ctl_json_strn(m->endpoint.p,
	    m->endpoint.len)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The --json output: the federation as the genesis file states it. */
static int
print_json(const uint8_t *ev, size_t len)
{
	struct ev_signed e;
	struct body *b;
	json_t *doc = NULL, *list;
	uint32_t i;
	int rc;

	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	if ((rc = ev_decode(ev, len, NULL, &e, b, NULL)) != 0)
		goto out;
	rc = I40_E_NOMEM;
	if ((doc = json_object()) == NULL || (list = json_array()) == NULL ||
	    json_object_set_new(doc, "fed_id", ctl_json_hex(e.h.fed_id,
	    32)) != 0 ||
	    json_object_set_new(doc, "author", ctl_json_hex(e.h.author,
	    32)) != 0 ||
	    json_object_set_new(doc, "name",
	    ctl_json_strn(b->u.charter.name.p, b->u.charter.name.len)) != 0 ||
	    json_object_set_new(doc, "members", list) != 0)
		goto out;
	for (i = 0; i < b->u.charter.nmembers; i++)
		if (json_array_append_new(list,
		    member_json(&b->u.charter.members[i])) != 0)
			goto out;
	rc = ctl_json_print(doc);
	doc = NULL;
out:
	json_decref(doc);
	free(b);
	return rc;
}

int
genesis_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "charter", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		CTL_OPT_JSON, CTL_OPT_HELP, CTL_OPT_END
	};
	const char *charter = NULL, *keyfile = NULL, *out = NULL;
	char hex[2 * EV_FED_ID_BYTES + 1];
	uint8_t fed_id[EV_FED_ID_BYTES], *ev = NULL;
	struct key_secret *k = NULL;
	struct ctl_opts o;
	struct ctl_err err;
	json_t *doc = NULL;
	size_t len;
	int c, rc, ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl genesis");
	ctl_opts_init(&o, usage, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":c:k:o:h", opts, &o)) > 0) {
		switch (c) {
		case 'c':
			charter = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		}
	}
	if (c < 0)
		return o.exit;
	if (charter == NULL || keyfile == NULL || out == NULL)
		return ctl_usage_error(usage, "give the charter (-c), the key "
		    "file (-k) and the output file (-o)");
	memset(&err, 0, sizeof(err));
	if ((rc = ctl_json_load(charter, &doc, &err)) != 0) {
		ctl_err_report(&err, BODY_GENESIS, charter);
		goto out;
	}
	if (ctl_keyfile_read(keyfile, &k) != 0)
		goto out;
	if ((ev = malloc(EV_MAX_BYTES)) == NULL) {
		ctl_err(I40_E_NOMEM, "cannot build the genesis");
		goto out;
	}
	if ((rc = ctl_genesis_build(doc, k, ctl_now_ms(), ev, EV_MAX_BYTES,
	    &len, fed_id, &err)) != 0) {
		ctl_err_report(&err, BODY_GENESIS, charter);
		goto out;
	}
	if ((rc = ctl_write_new(out, ev, len, 0644)) != 0) {
		ctl_err(rc, "cannot write %s", out);
		if (rc == I40_E_EXISTS)
			fprintf(stderr, "%s: a genesis is never overwritten; "
			    "choose another output file\n", ctl_cmd());
		goto out;
	}
	if (o.json) {
		if ((rc = print_json(ev, len)) != 0) {
			ctl_err(rc, "cannot print the result");
			goto out;
		}
	} else {
		ctl_hex(fed_id, EV_FED_ID_BYTES, hex);
		if (printf("%s\n", hex) < 0 || fflush(stdout) != 0) {
			ctl_err(-EIO, "cannot print the result");
			goto out;
		}
	}
	ret = CTL_EXIT_OK;
out:
	key_free(k);
	free(ev);
	json_decref(doc);
	return ret;
}
