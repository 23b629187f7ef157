/*
 * cmd_keygen.c: i40ctl keygen: make a node's key file, or print the
 * public key of one.  The secret never leaves sodium memory and the key
 * file (store/keyfile.h); only the public key is printed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "store/keyfile.h"

#include "ctl.h"
#include "ctl_node.h"
#include "subcommands.h"

static const char usage[] =
    "usage: i40ctl keygen -o FILE [--json]\n"
    "       i40ctl keygen --public -k FILE [--json]\n"
    "\n"
    "Make a new Ed25519 node key and write it to FILE, a new file of mode\n"
    "0600 (an existing FILE is never overwritten), then print its public\n"
    "key as 64 hex digits.  With --public, print the public key of the\n"
    "existing key file FILE instead.\n"
    "\n"
    "  -o, --output FILE   the new key file\n"
    "  -p, --public        print the public key of a key file\n"
    "  -k, --key FILE      the key file for --public\n"
    "      --json          print {\"key\": HEX} instead\n"
    "  -h, --help          print this text\n";

static int
print_key(const uint8_t pk[KEY_PK_BYTES], int json)
{
	char hex[2 * KEY_PK_BYTES + 1];
	json_t *doc;
	int rc;

	if (json) {
		doc = json_object();
		if (doc == NULL || json_object_set_new(doc, "key",
		    ctl_json_hex(pk, KEY_PK_BYTES)) != 0) {
			json_decref(doc);
			rc = I40_E_NOMEM;
		} else {
			rc = ctl_json_print(doc);
		}
	} else {
		ctl_hex(pk, KEY_PK_BYTES, hex);
		rc = printf("%s\n", hex) < 0 || fflush(stdout) != 0 ? -EIO : 0;
	}
	if (rc != 0)
		ctl_err(rc, "cannot print the key");
	return rc;
}

int
keygen_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "public", no_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		CTL_OPT_JSON, CTL_OPT_HELP, CTL_OPT_END
	};
	const char *out = NULL, *in = NULL;
	struct key_secret *k = NULL;
	uint8_t pk[KEY_PK_BYTES];
	struct ctl_opts o;
	int c, public = 0, rc;

	ctl_set_cmd("i40ctl keygen");
	ctl_opts_init(&o, usage, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":o:pk:h", opts, &o)) > 0) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'p':
			public = 1;
			break;
		case 'k':
			in = optarg;
			break;
		}
	}
	if (c < 0)
		return o.exit;
	if (public) {
		if (in == NULL || out != NULL)
			return ctl_usage_error(usage, "--public needs -k FILE "
			    "(and no -o)");
		if (ctl_keyfile_read(in, &k) != 0)
			return CTL_EXIT_ERR;
		key_public(k, pk);
		key_free(k);
		return print_key(pk, o.json) == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
	}
	if (out == NULL || in != NULL)
		return ctl_usage_error(usage, "give the new key file with -o "
		    "FILE (-k FILE goes with --public)");
	if ((rc = key_generate(&k)) != 0) {
		ctl_err(rc, "cannot make a key");
		return CTL_EXIT_ERR;
	}
	key_public(k, pk);
	rc = keyfile_write(out, k);
	key_free(k);
	if (rc != 0) {
		ctl_err(rc, "cannot write the key file %s", out);
		if (rc == I40_E_EXISTS)
			fprintf(stderr, "%s: i40ctl never overwrites a key "
			    "file: choose another name, or move the old one "
			    "away if you are sure no node uses it\n",
			    ctl_cmd());
		return CTL_EXIT_ERR;
	}
	return print_key(pk, o.json) == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
}
