/* cmd_sync.c: i40ctl sync: ask the running i40d for a sync round now. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"
#include "ctl_client.h"
#include "subcommands.h"

static const char usage[] =
    "usage: i40ctl sync [-d DIR] [--timeout SECONDS]\n"
    "\n"
    "Ask the running i40d to exchange version vectors with its peers now\n"
    "rather than at its next sync interval.  Returns once i40d has\n"
    "accepted the request; `i40ctl peers` shows the progress.\n"
    "\n"
    "  -d, --datadir DIR     the node's data directory (default\n"
    "                        $I40_DATADIR, else /var/lib/i40)\n"
    "      --timeout SECONDS wait for i40d at most this long (5)\n"
    "  -h, --help            print this text\n";

int
sync_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "datadir", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL;
	struct msg *req;
	uint8_t *buf = NULL;
	int c, timeout_ms = CTL_TIMEOUT_MS, rc;

	ctl_set_cmd("i40ctl sync");
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
		return CTL_EXIT_ERR;
	}
	req->type = MSG_SYNC;
	rc = ctl_call(dir, req, MSG_OK, req + 1, &buf, timeout_ms);
	free(buf);
	free(req);
	if (rc != 0)
		return CTL_EXIT_ERR;
	printf("i40d on %s started a sync round\n", dir);
	return fflush(stdout) == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
}
