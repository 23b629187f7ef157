/*
 * cmd_key.c: i40ctl key rotate: the running i40d signs a key_rotate with
 * its current key and switches to the next one (docs/joining.md,
 * "Rotating a key").
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_client.h"
#include "store/keyfile.h"
#include "subcommands.h"

static const char usage_key[] =
    "usage: i40ctl key rotate [options]\n"
    "\n"
    "Manage the running node's key.  Commands:\n"
    "  rotate   replace the node's key with a new one, signed by the old\n";

static const char usage_rotate[] =
    "usage: i40ctl key rotate [-d DIR] [--new-key FILE] [--json]\n"
    "\n"
    "Ask the running i40d to rotate its key: it signs a key_rotate event\n"
    "with its current key naming the next key, replaces its key files\n"
    "with the next key once the event is stored, signs everything after\n"
    "with it, and moves its CURVE key once a peer holds the rotation.\n"
    "The old key is refused from then on.\n"
    "A rotation is not the remedy for a stolen key (docs/joining.md,\n"
    "\"When a key is stolen\").\n"
    "\n"
    "  -d, --datadir DIR     the node's data directory (default\n"
    "                        $I40_DATADIR, else /var/lib/i40)\n"
    "      --new-key FILE    the next key, a key file (i40ctl keygen) the\n"
    "                        daemon can read; default: i40d makes one\n"
    "      --json            print {\"id\", \"seq\"} of the rotation\n"
    "      --timeout SECONDS wait for i40d at most this long (5)\n"
    "  -h, --help            print this text\n";

static int
rotate_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_TIMEOUT, CTL_OPT_JSON, CTL_OPT_HELP,
		{ "new-key", required_argument, NULL, 'k' }, CTL_OPT_END
	};
	struct ctl_opts o;
	struct key_secret *k = NULL;
	char path[PATH_MAX], hex[2 * 32 + 1];
	const char *dir, *file = NULL;
	struct msg *req, *reply;
	uint8_t *buf = NULL;
	json_t *doc;
	int c, rc;

	ctl_set_cmd("i40ctl key rotate");
	ctl_opts_init(&o, usage_rotate, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:hk:", opts, &o)) > 0)
		file = optarg;
	if (c < 0)
		return o.exit;
	path[0] = '\0';
	if (file != NULL) {
		/* Read it here too: a bad file is said before i40d sees it. */
		if ((rc = keyfile_read(file, &k)) != 0) {
			ctl_err(rc, "--new-key: cannot read the key file %s",
			    file);
			return CTL_EXIT_ERR;
		}
		key_free(k);
		if (realpath(file, path) == NULL) {
			ctl_err(-errno, "--new-key: %s", file);
			return CTL_EXIT_ERR;
		}
	}
	dir = ctl_datadir(o.datadir);
	if ((req = ctl_msg_new(MSG_KEY_ROTATE, "cannot build the request")) ==
	    NULL)
		return CTL_EXIT_ERR;
	reply = req + 1;
	req->u.key_rotate.path.p = (const uint8_t *)path;
	req->u.key_rotate.path.len = strlen(path);
	rc = ctl_call(dir, req, MSG_APPENDED, reply, &buf, o.timeout_ms);
	if (rc != 0) {
		free(req);
		return CTL_EXIT_ERR;
	}
	if (o.json) {
		doc = json_object();
		if (doc == NULL || json_object_set_new(doc, "id",
		    ctl_json_hex(reply->u.appended.id, 32)) != 0 ||
		    json_object_set_new(doc, "seq",
		    ctl_json_u64(reply->u.appended.seq)) != 0) {
			rc = I40_E_NOMEM;
			json_decref(doc);
		} else {
			rc = ctl_json_print(doc);	/* releases doc */
		}
	} else {
		ctl_hex(reply->u.appended.id, 32, hex);
		rc = printf("key rotated as %s (seq %llu); i40d signs with the "
		    "new key from now on\n", hex,
		    (unsigned long long)reply->u.appended.seq) < 0 ||
		    fflush(stdout) != 0 ? -EIO : 0;
	}
	if (rc != 0)
		ctl_err(rc, "the key was rotated, but printing the result "
		    "failed");
	free(buf);
	free(req);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
}

int
key_main(int argc, char *argv[])
{
	static const struct ctl_sub subs[] = {
		{ "rotate", rotate_main },
	};

	ctl_set_cmd("i40ctl key");
	return ctl_dispatch(argc, argv, usage_key, subs,
	    sizeof(subs) / sizeof(subs[0]));
}
