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
		CTL_OPT_DATADIR, CTL_OPT_TIMEOUT, CTL_OPT_HELP, CTL_OPT_END
	};
	struct ctl_opts o;
	const char *dir;
	struct msg *req;
	uint8_t *buf = NULL;
	int rc;

	ctl_set_cmd("i40ctl sync");
	ctl_opts_init(&o, usage, CTL_TIMEOUT_MS);
	if (ctl_getopt(argc, argv, ":d:h", opts, &o) != 0)
		return o.exit;
	dir = ctl_datadir(o.datadir);
	if ((req = ctl_msg_new(MSG_SYNC, "cannot start")) == NULL)
		return CTL_EXIT_ERR;
	rc = ctl_call(dir, req, MSG_OK, req + 1, &buf, o.timeout_ms);
	free(buf);
	free(req);
	if (rc != 0)
		return CTL_EXIT_ERR;
	printf("i40d on %s started a sync round\n", dir);
	return fflush(stdout) == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
}
