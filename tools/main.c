/*
 * main.c: i40ctl, the operator's tool.  One table of subcommands drives
 * both the usage text and the dispatch (model: WireGuard's wg.c).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <lmdb.h>
#include <msgpack.h>
#include <sodium.h>
#include <zmq.h>

#include "protocol/event.h"
#include "protocol/keys.h"
#include "protocol/msg.h"
#include "protocol/version.h"
#include "store/store.h"

#include "ctl.h"
#include "subcommands.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char *argv[]);
	const char *summary;
} subcommands[] = {
	{ "keygen", keygen_main,
	    "make a node key file, or print the public key of one" },
	{ "genesis", genesis_main,
	    "sign a federation's genesis event from its charter" },
	{ "init", init_main,
	    "create a data directory from a genesis and a node key" },
	{ "module", module_main,
	    "publish, update or retire a module (through i40d)" },
	{ "completion", completion_main,
	    "record, revoke or import learners' results (through i40d)" },
	{ "learner", learner_main,
	    "issue and look up learners' pseudonyms (private to this node)" },
	{ "transcript", transcript_main,
	    "a learner's transcript, to print or to verify offline" },
	{ "verify", verify_main,
	    "check a transcript against the federation's genesis" },
	{ "member", member_main,
	    "admit, endorse, remove and list members (through i40d)" },
	{ "log", log_main,
	    "export the event log to a file, or import one" },
	{ "audit", audit_main,
	    "replay a log from its genesis and report what is wrong" },
	{ "catalog", catalog_main,
	    "list the national catalog" },
	{ "match", match_main,
	    "rank the catalog's modules against a need, in Swedish or English" },
	{ "plan", plan_main,
	    "make a company's list of needs into a programme of modules" },
	{ "status", status_main,
	    "show the node: heads, roots, the daemon and its peers" },
	{ "peers", peers_main,
	    "show i40d's links to its peers" },
	{ "sync", sync_main,
	    "ask i40d for a sync round now" },
	{ "key", key_main,
	    "rotate the node's key (through i40d)" },
};
#define NSUB (sizeof(subcommands) / sizeof(subcommands[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: i40ctl command [options]\n"
	    "       i40ctl command --help\n"
	    "       i40ctl --version\n\n"
	    "The operator's tool of an i40 federation node.  Commands:\n");
	for (i = 0; i < NSUB; i++)
		fprintf(f, "  %-12s %s\n", subcommands[i].name,
		    subcommands[i].summary);
	fprintf(f, "\nQueries read the data directory (-d DIR, default "
	    "$%s, else %s)\nand work while i40d is stopped; writes go "
	    "through the running i40d.\nExit status: 0 success, 1 error, "
	    "2 bad command line.  See docs/i40ctl.md.\n", CTL_DATADIR_ENV,
	    CTL_DATADIR_DEFAULT);
}

/*
 * --version: as i40d prints it (daemon/main.c), with jansson, which
 * i40ctl uses for --json and the files it reads.  mdb_version() opens no
 * environment.  Returns the exit status.
 */
static int
print_version(void)
{
	int zmaj, zmin, zpat, lmaj, lmin, lpat;

	zmq_version(&zmaj, &zmin, &zpat);
	(void)mdb_version(&lmaj, &lmin, &lpat);
	if (printf("i40ctl %s\n"
	    "protocol %d, events v%d\n"
	    "store schema %d\n"
	    "libsodium %s\n"
	    "libzmq %d.%d.%d\n"
	    "LMDB %d.%d.%d\n"
	    "msgpack-c %s\n"
	    "jansson %s\n", I40_VERSION, MSG_PROTOCOL_VERSION, EV_VERSION,
	    STORE_SCHEMA, sodium_version_string(), zmaj, zmin, zpat, lmaj,
	    lmin, lpat, msgpack_version(), jansson_version_str()) < 0 ||
	    fflush(stdout) != 0)
		return CTL_EXIT_ERR;
	return CTL_EXIT_OK;
}

int
main(int argc, char *argv[])
{
	char *help[] = { NULL, NULL, "--help", NULL };
	size_t i;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		if (argc == 2)
			return print_version();
		fprintf(stderr, "i40ctl: --version takes no arguments\n");
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc < 3 || strcmp(argv[1], "help") != 0) {
			usage(stdout);
			return CTL_EXIT_OK;
		}
		/* "i40ctl help status" is "i40ctl status --help". */
		help[0] = argv[0];
		help[1] = argv[2];
		argv = help;
		argc = 3;
	}
	for (i = 0; i < NSUB; i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0)
			continue;
		if ((rc = key_init()) != 0) {
			fprintf(stderr, "i40ctl: %s\n", i40_strerror(rc));
			return CTL_EXIT_ERR;
		}
		return ctl_exit(subcommands[i].fn(argc - 1, argv + 1));
	}
	fprintf(stderr, "i40ctl: unknown command `%s'\n", argv[1]);
	usage(stderr);
	return CTL_EXIT_ERR;
}
