/*
 * cmd_init.c: i40ctl init: create a node's data directory from the
 * federation's genesis and the node's key (docs/i40ctl.md "init").
 *
 * Everything that can be wrong with the input is checked before anything
 * is created: the directory is new or empty, the genesis decodes and its
 * signature verifies, the key file reads.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/keyfile.h"
#include "store/store.h"

#include "ctl.h"
#include "ctl_node.h"
#include "subcommands.h"

static const char usage[] =
    "usage: i40ctl init [-d DIR] -g GENESIS -k KEYFILE\n"
    "\n"
    "Create the data directory DIR (mode 0700) of a node of the federation\n"
    "founded by the genesis file GENESIS, and copy the node's key from\n"
    "KEYFILE into DIR/node.key (mode 0600).  DIR must be new or empty.\n"
    "A key that is not a founding member is accepted with a warning: a\n"
    "node that joins later waits for the members to admit it.\n"
    "\n"
    "  -d, --datadir DIR   the new data directory (default $I40_DATADIR,\n"
    "                      else /var/lib/i40)\n"
    "  -g, --genesis FILE  the federation's genesis (i40ctl genesis)\n"
    "  -k, --key FILE      the node's key file (i40ctl keygen)\n"
    "  -h, --help          print this text\n";

/* 0 if dir does not exist or is an empty directory; else reported. */
static int
check_new_dir(const char *dir)
{
	struct dirent *d;
	struct stat sb;
	DIR *dp;
	int rc = 0;

	if (stat(dir, &sb) != 0) {
		if (errno == ENOENT)
			return 0;
		rc = -errno;
		ctl_err(rc, "cannot check %s", dir);
		return rc;
	}
	if (!S_ISDIR(sb.st_mode)) {
		ctl_errx("%s exists and is not a directory; give a new or "
		    "empty directory with -d DIR", dir);
		return -ENOTDIR;
	}
	if ((dp = opendir(dir)) == NULL) {
		rc = -errno;
		ctl_err(rc, "cannot read %s", dir);
		return rc;
	}
	while ((d = readdir(dp)) != NULL)
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			rc = I40_E_EXISTS;
	closedir(dp);
	if (rc != 0)
		ctl_errx("%s is not empty; init creates a new data directory "
		    "and never changes an existing one: give a new or empty "
		    "directory with -d DIR", dir);
	return rc;
}

/* Read and check the genesis as store_create will, to report it well. */
static int
read_genesis(const char *path, uint8_t **buf, size_t *len,
    struct ev_signed *e, struct body *b)
{
	struct codec_err ce;
	int rc;

	if ((rc = ctl_read_file(path, EV_MAX_BYTES, buf, len)) != 0) {
		ctl_err(rc, "cannot read the genesis %s", path);
		return rc;
	}
	memset(&ce, 0, sizeof(ce));
	if ((rc = ev_decode(*buf, *len, NULL, e, b, &ce)) != 0) {
		ctl_err(rc, "%s is not a valid genesis event (at %s)", path,
		    ce.field[0] ? ce.field : "its start");
		fprintf(stderr, "%s: give the genesis file made by `i40ctl "
		    "genesis` for this federation\n", ctl_cmd());
		return rc;
	}
	if (e->h.type != BODY_GENESIS) {
		ctl_errx("%s is a %s event, not a genesis; give the genesis "
		    "file made by `i40ctl genesis`", path,
		    body_type_name(e->h.type));
		return I40_E_EVENT_TYPE;
	}
	if ((rc = ev_verify(e, e->h.author)) != 0) {
		ctl_err(rc, "the signature of the genesis %s", path);
		fprintf(stderr, "%s: the file was changed after it was "
		    "signed; get the federation's genesis again\n", ctl_cmd());
		return rc;
	}
	return 0;
}

/* A node that is not a founding member can still start: say what next. */
static void
check_member(const struct body_charter *c, const uint8_t pk[KEY_PK_BYTES])
{
	char hex[2 * KEY_PK_BYTES + 1];
	uint32_t i;

	for (i = 0; i < c->nmembers; i++)
		if (memcmp(c->members[i].key, pk, KEY_PK_BYTES) == 0)
			return;
	ctl_hex(pk, KEY_PK_BYTES, hex);
	ctl_warnx("the key %s is not a founding member of this federation; "
	    "the node can sync only after the members admit it (a member "
	    "proposes it and a majority endorses)", hex);
}

static void
next_steps(const char *dir, const char *genesis, const char *fed_hex,
    const char *pk_hex, const struct body_charter *c)
{
	char adir[PATH_MAX], agen[PATH_MAX];

	if (realpath(dir, adir) == NULL)
		snprintf(adir, sizeof(adir), "%s", dir);
	if (realpath(genesis, agen) == NULL)
		snprintf(agen, sizeof(agen), "%s", genesis);
	printf("created %s for the federation \"%.*s\"\n"
	    "  fed_id   %s\n"
	    "  node key %s/node.key (public key %s)\n"
	    "\n"
	    "Next:\n"
	    "  1. write the daemon's configuration, e.g. /etc/i40/i40d.conf:\n"
	    "       [node]\n"
	    "       name = <this node's name>\n"
	    "       datadir = %s\n"
	    "       genesis = %s\n"
	    "  2. start the daemon: i40d -c /etc/i40/i40d.conf"
	    " (or: systemctl start i40d)\n"
	    "  3. check it: i40ctl status -d %s\n",
	    adir, (int)c->name.len, (const char *)c->name.p, fed_hex, adir,
	    pk_hex, adir, agen, adir);
}

int
init_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR,
		{ "genesis", required_argument, NULL, 'g' },
		{ "key", required_argument, NULL, 'k' },
		CTL_OPT_HELP, CTL_OPT_END
	};
	const char *dir, *genesis = NULL, *keyfile = NULL;
	char keypath[PATH_MAX], fed_hex[65], pk_hex[65];
	uint8_t *buf = NULL, pk[KEY_PK_BYTES];
	struct key_secret *k = NULL;
	struct ctl_opts o;
	struct codec_err ce;
	struct ev_signed e;
	struct body *b = NULL;
	size_t len;
	int c, rc, ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl init");
	ctl_opts_init(&o, usage, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:g:k:h", opts, &o)) > 0) {
		switch (c) {
		case 'g':
			genesis = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		}
	}
	if (c < 0)
		return o.exit;
	if (genesis == NULL || keyfile == NULL)
		return ctl_usage_error(usage, "give the genesis (-g) and the "
		    "node's key file (-k)");
	dir = ctl_datadir(o.datadir);
	if ((b = malloc(sizeof(*b))) == NULL) {
		ctl_err(I40_E_NOMEM, "cannot start");
		goto out;
	}
	if (ctl_path(keypath, sizeof(keypath), dir, "node.key") != 0) {
		ctl_err(-ENAMETOOLONG, "%s", dir);
		goto out;
	}
	if (check_new_dir(dir) != 0 ||
	    read_genesis(genesis, &buf, &len, &e, b) != 0 ||
	    ctl_keyfile_read(keyfile, &k) != 0)
		goto out;
	key_public(k, pk);
	check_member(&b->u.charter, pk);
	memset(&ce, 0, sizeof(ce));
	if ((rc = store_create(dir, buf, len, &ce)) != 0) {
		ctl_err(rc, "cannot create the data directory %s", dir);
		goto out;
	}
	if ((rc = keyfile_write(keypath, k)) != 0) {
		ctl_err(rc, "created %s, but cannot write %s", dir, keypath);
		fprintf(stderr, "%s: fix the cause, then copy the key file "
		    "there yourself (mode 0600), or remove %s and run init "
		    "again\n", ctl_cmd(), dir);
		goto out;
	}
	ctl_hex(e.h.fed_id, EV_FED_ID_BYTES, fed_hex);
	ctl_hex(pk, KEY_PK_BYTES, pk_hex);
	next_steps(dir, genesis, fed_hex, pk_hex, &b->u.charter);
	ret = fflush(stdout) == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
out:
	key_free(k);
	free(buf);
	free(b);
	return ret;
}
