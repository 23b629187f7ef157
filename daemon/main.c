/*
 * i40d: the federation node (docs/operations.md).
 *
 *   i40d -c FILE [-d DATADIR] [-l ENDPOINT] [-L LEVEL]
 *   i40d -n [-v] -c FILE      check the configuration and exit
 *   i40d --version
 *
 * Exit status (docs/operations.md, "Exit status"), the LSB's numbers,
 * which systemd shows by name:
 *   0  a clean stop, or -n / --help / --version done
 *   1  a failure that a restart may mend (an I/O error on a commit, the
 *      listen port taken, another i40d on the data directory)
 *   2  a bad command line (INVALIDARGUMENT)
 *   6  a configuration that cannot work: the file, or what it names (the
 *      data directory, genesis, key, peers) (NOTCONFIGURED).  The unit's
 *      RestartPreventExitStatus= names 2 and 6: restarting cannot help.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>
#include <msgpack.h>
#include <sodium.h>
#include <zmq.h>

#include "protocol/event.h"
#include "protocol/msg.h"
#include "protocol/version.h"
#include "store/store.h"
#include "check.h"
#include "config.h"
#include "ev.h"
#include "log.h"
#include "node.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_CONFIG 6
#define MAX_OVER 8
#define RELOAD_GATE_MS 200

/* The signal handlers set these and nothing else (bgpd.c:86-101). */
static volatile sig_atomic_t quit, hup;

/* The command line's overrides of the file, applied again on reload. */
struct over {
	int flag;
	const char *key, *val;
};

/* What the reload gate needs (see reload_gate). */
struct gate {
	struct node *n;
	const char *file;
	const struct over *over;
	int nover;
	volatile sig_atomic_t go;	/* node_run's reload flag */
};

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		hup = 1;
	else
		quit = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: i40d -c FILE [-d DATADIR] [-l ENDPOINT] [-L LEVEL]\n"
	    "       i40d -n [-v] -c FILE [-d DATADIR]\n"
	    "       i40d --version\n"
	    "\n"
	    "  -c FILE      configuration (INI; docs/operations.md)\n"
	    "  -d DATADIR   data directory, overrides [node] datadir\n"
	    "  -l ENDPOINT  listen endpoint, overrides [node] listen\n"
	    "  -L LEVEL     log level: error, warn, info, debug\n"
	    "  -n           check the configuration and what it names (data\n"
	    "               directory, genesis, key, peers), print\n"
	    "               \"configuration OK\", exit\n"
	    "  -v           with -n: print the normalised configuration\n"
	    "  -h, --help   this text\n"
	    "  --version    the version, protocol, store schema and "
	    "libraries\n"
	    "\n"
	    "Exit status: 0 success, 1 failure, 2 bad command line, 6 bad "
	    "configuration.\n");
}

/*
 * --version: what this binary is, speaks and stores, and the libraries it
 * runs with, as they report themselves at run time (a library upgraded
 * since the build shows its new version).  libinih and libsystemd have no
 * such call.  mdb_version() returns LMDB's constants and opens no
 * environment, so it is called here and not only in store/.  Returns the
 * exit status.
 */
static int
print_version(void)
{
	int zmaj, zmin, zpat, lmaj, lmin, lpat;

	zmq_version(&zmaj, &zmin, &zpat);
	(void)mdb_version(&lmaj, &lmin, &lpat);
	if (printf("i40d %s\n"
	    "protocol %d, events v%d\n"
	    "store schema %d\n"
	    "libsodium %s\n"
	    "libzmq %d.%d.%d\n"
	    "LMDB %d.%d.%d\n"
	    "msgpack-c %s\n", I40_VERSION, MSG_PROTOCOL_VERSION, EV_VERSION,
	    STORE_SCHEMA, sodium_version_string(), zmaj, zmin, zpat, lmaj,
	    lmin, lpat, msgpack_version()) < 0 || fflush(stdout) != 0)
		return EXIT_FAIL;
	return 0;
}

/* The file, the command line's overrides, the defaults: *out, or NULL. */
static int
load(const char *file, const struct over *over, int nover,
    struct config **out, char *err, size_t errlen)
{
	char m[512];
	int i, rc;

	*out = NULL;
	if ((rc = config_load(file, out, err, errlen)) != 0)
		return rc;
	for (i = 0; i < nover; i++)
		if ((rc = config_set(*out, over[i].key, over[i].val, m,
		    sizeof(m))) != 0) {
			snprintf(err, errlen, "-%c: %s", over[i].flag, m);
			goto fail;
		}
	if ((rc = config_finish(*out, err, errlen)) == 0)
		return 0;
fail:
	config_free(*out);
	*out = NULL;
	return rc;
}

static void
warn_stderr(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "i40d: warning: %s\n", msg);
}

static void
warn_log(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

/* A setting of the running node that a reload cannot change. */
static void
restart_only(const char *key, const char *now, const char *file)
{
	if (now == NULL && file == NULL)
		return;
	if (now != NULL && file != NULL && strcmp(now, file) == 0)
		return;
	log_warnx("reload: %s changes only at a restart: it stays %s until "
	    "then (the file says %s)", key, now != NULL ? now : "unset",
	    file != NULL ? file : "unset");
}

/*
 * On SIGHUP, vet the file before node_run reloads it: the [peers] names
 * against the membership the node holds now, a changed genesis against
 * its store, and say which settings wait for a restart.  A file that
 * fails is logged and not reloaded; the old configuration stays.  The
 * check sits here, before node.c's reload, which re-reads the file
 * itself a moment later.
 */
static void
reload_gate(void *arg)
{
	struct gate *g = arg;
	struct node *n = g->n;
	struct config *c = NULL;
	char err[1024];
	int rc;

	if (!hup)
		return;
	hup = 0;
	if ((rc = load(g->file, g->over, g->nover, &c, err,
	    sizeof(err))) == 0 && c->genesis != NULL &&
	    (n->cfg->genesis == NULL || strcmp(c->genesis,
	    n->cfg->genesis) != 0))
		rc = check_genesis(c->genesis, store_fed_id(n->st), err,
		    sizeof(err));
	if (rc == 0)
		rc = check_peers(c, n->members, n->nmembers, n->self, warn_log,
		    NULL, err, sizeof(err));
	if (rc != 0) {
		log_warnx("config file %s has errors, not reloading: %s",
		    g->file, err);
		config_free(c);
		return;
	}
	restart_only("datadir", n->cfg->datadir, c->datadir);
	restart_only("listen", n->listen[0] != '\0' ? n->listen : NULL,
	    c->listen != NULL ? c->listen : n->listen[0] != '\0' ?
	    n->listen : NULL);
	config_free(c);
	g->go = 1;
}

static int
set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &sa, NULL) != 0)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct over over[MAX_OVER];
	const char *file = NULL;
	struct config *cfg = NULL;
	struct gate gate;
	struct node *n;
	char err[1024];
	int ch, check = 0, verbose = 0, nover = 0, rc;

	log_init("i40d", LOG_LVL_INFO);
	while ((ch = getopt_long(argc, argv, "c:d:hl:L:nv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'd':
		case 'l':
		case 'L':
			if (nover == MAX_OVER) {
				usage(stderr);
				return EXIT_USAGE;
			}
			over[nover].flag = ch;
			over[nover].key = ch == 'd' ? "datadir" : ch == 'l' ?
			    "listen" : "log_level";
			over[nover++].val = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return print_version();
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc || file == NULL) {
		fprintf(stderr, "i40d: %s\n", file == NULL ?
		    "no configuration: pass -c FILE" : "unexpected argument");
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((rc = load(file, over, nover, &cfg, err, sizeof(err))) != 0) {
		if (check)
			fprintf(stderr, "i40d: %s\n", err);
		else
			log_error("%s; not started", err);
		return rc == I40_E_NOMEM ? EXIT_FAIL : EXIT_CONFIG;
	}
	if (!check)
		log_set_level((enum log_level)cfg->log_level);
	/* A key rotation a crash interrupted: finish or undo it first. */
	if (!check && (rc = rotate_resume(cfg, err, sizeof(err))) != 0) {
		log_error("%s; not started", err);
		config_free(cfg);
		return EXIT_FAIL;
	}
	/* What the start would trip over, found before it starts. */
	if ((rc = check_start(cfg, check ? warn_stderr : warn_log, NULL, err,
	    sizeof(err))) != 0) {
		if (check)
			fprintf(stderr, "i40d: %s\n", err);
		else
			log_error("%s; not started", err);
		config_free(cfg);
		return rc == I40_E_NOMEM ? EXIT_FAIL : EXIT_CONFIG;
	}
	if (check) {
		rc = verbose ? config_print(cfg, stdout) : 0;
		config_free(cfg);
		if (rc != 0 || printf("configuration OK\n") < 0 ||
		    fflush(stdout) != 0) {
			fprintf(stderr, "i40d: cannot write to stdout\n");
			return EXIT_FAIL;
		}
		return 0;
	}
	if (set_signals() != 0) {
		log_error("cannot set the signal handlers: %s; not started",
		    strerror(errno));
		config_free(cfg);
		return EXIT_FAIL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		log_error("out of memory; not started");
		config_free(cfg);
		return EXIT_FAIL;
	}
	memset(&gate, 0, sizeof(gate));
	gate.n = n;
	gate.file = file;
	gate.over = over;
	gate.nover = nover;
	if ((rc = node_start(n, cfg)) != 0)
		log_error("not started: %s (the lines above say more)",
		    i40_strerror(rc));
	else if ((rc = ev_timer_add(n->loop, RELOAD_GATE_MS, reload_gate,
	    &gate)) != 0)
		log_error("cannot watch for SIGHUP: %s; stopping",
		    i40_strerror(rc));
	if (rc == 0) {
		n->cfgpath = file;
		rc = node_run(n, &quit, &gate.go);
		log_info("stopping");
	}
	cfg = n->cfg;
	node_stop(n);
	config_free(cfg);
	free(n);
	return rc == 0 ? 0 : EXIT_FAIL;
}
