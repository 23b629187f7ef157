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
    "existing key file FILE instead.  With --json, print the member's\n"
    "card: the key, the transport (CURVE) key derived from it and the\n"
    "key's certificate of that, which a member record needs (send it to\n"
    "the founder or the proposer; it holds nothing secret).\n"
    "\n"
    "  -o, --output FILE   the new key file\n"
    "  -p, --public        print the public key of a key file\n"
    "  -k, --key FILE      the key file for --public\n"
    "      --json          print {\"key\", \"transport\", \"transport_sig\"}\n"
    "  -h, --help          print this text\n";

static int
print_key(const struct key_secret *k, int json)
{
	char hex[2 * KEY_PK_BYTES + 1];
	uint8_t pk[KEY_PK_BYTES], tpk[KEY_CURVE_BYTES], sig[KEY_SIG_BYTES];
	json_t *doc;
	int rc;

	key_public(k, pk);
	if (json) {
		if ((rc = key_transport_card(k, tpk, sig)) != 0) {
			ctl_err(rc, "cannot derive the transport key");
			return rc;
		}
		doc = json_object();
		if (doc == NULL || json_object_set_new(doc, "key",
		    ctl_json_hex(pk, KEY_PK_BYTES)) != 0 ||
		    json_object_set_new(doc, "transport",
		    ctl_json_hex(tpk, KEY_CURVE_BYTES)) != 0 ||
		    json_object_set_new(doc, "transport_sig",
		    ctl_json_hex(sig, KEY_SIG_BYTES)) != 0) {
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
		rc = print_key(k, o.json);
		key_free(k);
		return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
	}
	if (out == NULL || in != NULL)
		return ctl_usage_error(usage, "give the new key file with -o "
		    "FILE (-k FILE goes with --public)");
	if ((rc = key_generate(&k)) != 0) {
		ctl_err(rc, "cannot make a key");
		return CTL_EXIT_ERR;
	}
	if ((rc = keyfile_write(out, k)) != 0)
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
	rc = print_key(k, o.json);
	key_free(k);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_ERR;
}
