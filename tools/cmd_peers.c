/*
 * cmd_peers.c: i40ctl peers: the running i40d's links to its peers, from
 * its PEERS reply; SCHAC codes come from the store's membership.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "ctl_client.h"
#include "ctl_node.h"
#include "ctl_view.h"
#include "subcommands.h"

static const char usage[] =
    "usage: i40ctl peers [-d DIR] [--timeout SECONDS] [--json]\n"
    "\n"
    "Show the running i40d's peers: SCHAC code, key, link state (up,\n"
    "connecting, refused, down), how many events they have that this node\n"
    "lacks, when they were last heard from, and their endpoint.\n"
    "\n"
    "  -d, --datadir DIR     the node's data directory (default\n"
    "                        $I40_DATADIR, else /var/lib/i40)\n"
    "      --timeout SECONDS wait for i40d at most this long (5)\n"
    "      --json            print {\"peers\": [...]} (docs/i40ctl.md)\n"
    "  -h, --help            print this text\n";

static void
print_human(const json_t *doc, const void *arg)
{
	(void)arg;
	ctl_view_print_peers(stdout, json_object_get(doc, "peers"));
}

int
peers_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_TIMEOUT, CTL_OPT_JSON, CTL_OPT_HELP,
		CTL_OPT_END
	};
	struct store_member *mem = NULL;
	struct store *st = NULL;
	struct msg *req = NULL;
	struct ctl_opts o;
	const char *dir;
	uint8_t *buf = NULL;
	json_t *doc = NULL, *list;
	size_t nmem = 0;
	int rc, ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl peers");
	ctl_opts_init(&o, usage, CTL_TIMEOUT_MS);
	if (ctl_getopt(argc, argv, ":d:h", opts, &o) != 0)
		return o.exit;
	dir = ctl_datadir(o.datadir);
	if ((req = ctl_msg_new(MSG_PEERS, "cannot start")) == NULL)
		goto out;
	if (ctl_call(dir, req, MSG_PEERS_REPLY, req + 1, &buf,
	    o.timeout_ms) != 0)
		goto out;
	/* Names are a courtesy: without the store, keys still identify. */
	if (ctl_store_open(dir, &st) == 0 &&
	    (rc = store_members(st, &mem, &nmem)) != 0)
		ctl_err(rc, "cannot read the membership; showing keys only");
	if ((doc = json_object()) == NULL ||
	    (list = ctl_view_peers(&req[1].u.peers, mem, nmem)) == NULL ||
	    json_object_set_new(doc, "peers", list) != 0) {
		ctl_err(I40_E_NOMEM, "cannot list the peers");
		goto out;
	}
	if (ctl_output(doc, o.json, print_human, NULL, "peers") == 0)
		ret = CTL_EXIT_OK;
out:
	json_decref(doc);
	free(mem);
	store_close(st);
	free(buf);
	free(req);
	return ret;
}
