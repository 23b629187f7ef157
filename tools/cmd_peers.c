/*
 * cmd_peers.c: i40ctl peers: the running i40d's links to its peers, from
 * its PEERS reply; SCHAC codes come from the store's membership.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
peers_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "datadir", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_member *mem = NULL;
	struct store *st = NULL;
	struct msg *req = NULL;
	const char *dir = NULL;
	uint8_t *buf = NULL;
	json_t *doc = NULL, *list;
	size_t nmem = 0;
	int c, json = 0, timeout_ms = CTL_TIMEOUT_MS, rc,
	    ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl peers");
	optind = 0;
	while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'T':
			if (ctl_parse_timeout(optarg, &timeout_ms) != 0)
				return ctl_usage_error(usage, "--timeout takes "
				    "whole seconds from 1 to %d, not `%s'",
				    CTL_TIMEOUT_MAX_S, optarg);
			break;
		case 'J':
			json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return CTL_EXIT_OK;
		default:
			return ctl_bad_option(c, argv, usage);
		}
	}
	if ((rc = ctl_no_operands(argc, argv, usage)) != 0)
		return rc;
	dir = ctl_datadir(dir);
	if ((req = calloc(2, sizeof(*req))) == NULL) {
		ctl_err(I40_E_NOMEM, "cannot start");
		goto out;
	}
	req->type = MSG_PEERS;
	if (ctl_call(dir, req, MSG_PEERS_REPLY, req + 1, &buf,
	    timeout_ms) != 0)
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
	if (json) {
		rc = ctl_json_print(doc);
		doc = NULL;
	} else {
		ctl_view_print_peers(stdout, json_object_get(doc, "peers"));
		rc = fflush(stdout) != 0 ? -EIO : 0;
	}
	if (rc != 0)
		ctl_err(rc, "cannot print the peers");
	else
		ret = CTL_EXIT_OK;
out:
	json_decref(doc);
	free(mem);
	store_close(st);
	free(buf);
	free(req);
	return ret;
}
