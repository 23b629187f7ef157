/*
 * i40d: the federation node (docs/operations.md).
 *
 *   i40d -c FILE [-d DATADIR] [-l ENDPOINT] [-L LEVEL]
 *   i40d -n [-v] -c FILE      check the configuration and exit
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "node.h"

/* The signal handlers set these and nothing else (bgpd.c:86-101). */
static volatile sig_atomic_t quit, reload_flag;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		quit = 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: i40d -c FILE [-d DATADIR] [-l ENDPOINT] [-L LEVEL]\n"
	    "       i40d -n [-v] -c FILE [-d DATADIR]\n"
	    "\n"
	    "  -c FILE      configuration (INI; docs/operations.md)\n"
	    "  -d DATADIR   data directory, overrides [node] datadir\n"
	    "  -l ENDPOINT  listen endpoint, overrides [node] listen\n"
	    "  -L LEVEL     log level: error, warn, info, debug\n"
	    "  -n           check the configuration, print "
	    "\"configuration OK\", exit\n"
	    "  -v           with -n: print the normalised configuration\n"
	    "  -h, --help   this text\n");
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
		{ NULL, 0, NULL, 0 }
	};
	struct {
		int flag;
		const char *key, *val;
	} over[8];
	const char *file = NULL;
	struct config *cfg = NULL;
	struct node *n;
	char err[512];
	int ch, check = 0, verbose = 0, nover = 0, i, rc;

	log_init("i40d", LOG_LVL_INFO);
	while ((ch = getopt_long(argc, argv, "c:d:hl:L:nv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'd':
			if (nover == 8) {
				usage(stderr);
				return 2;
			}
			over[nover].flag = ch;
			over[nover].key = "datadir";
			over[nover++].val = optarg;
			break;
		case 'l':
			if (nover == 8) {
				usage(stderr);
				return 2;
			}
			over[nover].flag = ch;
			over[nover].key = "listen";
			over[nover++].val = optarg;
			break;
		case 'L':
			if (nover == 8) {
				usage(stderr);
				return 2;
			}
			over[nover].flag = ch;
			over[nover].key = "log_level";
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
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || file == NULL) {
		fprintf(stderr, "i40d: %s\n", file == NULL ?
		    "no configuration: pass -c FILE" : "unexpected argument");
		usage(stderr);
		return 2;
	}
	if ((rc = config_load(file, &cfg, err, sizeof(err))) != 0) {
		fprintf(stderr, "i40d: %s\n", err);
		return 1;
	}
	for (i = 0; i < nover; i++)
		if (config_set(cfg, over[i].key, over[i].val, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "i40d: -%c: %s\n", over[i].flag, err);
			config_free(cfg);
			return 1;
		}
	if (config_finish(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "i40d: %s\n", err);
		config_free(cfg);
		return 1;
	}
	if (check) {
		if (verbose && config_print(cfg, stdout) != 0) {
			config_free(cfg);
			return 1;
		}
		fprintf(stderr, "configuration OK\n");
		config_free(cfg);
		return 0;
	}
	log_set_level((enum log_level)cfg->log_level);
	if (set_signals() != 0) {
		perror("i40d: sigaction");
		config_free(cfg);
		return 1;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		fprintf(stderr, "i40d: out of memory\n");
		config_free(cfg);
		return 1;
	}
	if ((rc = node_start(n, cfg)) == 0) {
		n->cfgpath = file;
		rc = node_run(n, &quit, &reload_flag);
		log_info("stopping");
	}
	cfg = n->cfg;
	node_stop(n);
	config_free(cfg);
	free(n);
	return rc == 0 ? 0 : 1;
}
