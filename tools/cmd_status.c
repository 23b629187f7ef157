/*
 * cmd_status.c: i40ctl status: the node at a glance, from its store (read
 * directly, so it works while i40d is stopped) and, when i40d runs, from
 * its STATUS and PEERS replies.
 */
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
    "usage: i40ctl status [-d DIR] [--timeout SECONDS] [--json]\n"
    "\n"
    "Show the node: its federation, key, own seq, events and authors, log\n"
    "and state roots, the head of every log, and, when i40d runs, the\n"
    "daemon's view and its peers.  With i40d stopped the roots are\n"
    "computed from the store and \"daemon: not running\" is shown; the\n"
    "exit status is 0 either way.  If i40d holds the data directory but\n"
    "does not answer, status shows the store and exits 1.\n"
    "\n"
    "  -d, --datadir DIR     the node's data directory (default\n"
    "                        $I40_DATADIR, else /var/lib/i40)\n"
    "      --timeout SECONDS wait for i40d at most this long (5)\n"
    "      --json            print the status object of docs/i40ctl.md\n"
    "  -h, --help            print this text\n";

/* What the daemon said, when it runs. */
struct daemon_view {
	const char *state;		/* running | stopped | unresponsive */
	long pid;
	struct msg *msgs;		/* request and replies, owned */
	struct msg *status, *peers;	/* replies when running, or NULL */
	uint8_t *sbuf, *pbuf;		/* what they borrow, owned */
};

static void
ask_daemon(const char *dir, int timeout_ms, struct daemon_view *d)
{
	struct msg *req;
	size_t len;
	int rc;

	d->state = "stopped";
	if ((rc = ctl_daemon_running(dir, &d->pid)) <= 0) {
		if (rc < 0) {
			/* We cannot tell: do not claim it is stopped. */
			ctl_report_request_error(rc, dir, timeout_ms);
			d->state = "unresponsive";
		}
		return;
	}
	d->state = "unresponsive";
	if ((d->msgs = calloc(3, sizeof(*d->msgs))) == NULL)
		return;
	req = d->msgs;
	d->status = req + 1;
	d->peers = req + 2;
	req->type = MSG_STATUS;
	rc = ctl_request(dir, req, d->status, &d->sbuf, &len, timeout_ms);
	if (rc == 0 && d->status->type == MSG_STATUS_REPLY) {
		req->type = MSG_PEERS;
		rc = ctl_request(dir, req, d->peers, &d->pbuf, &len,
		    timeout_ms);
	}
	if (rc != 0)
		ctl_report_request_error(rc, dir, timeout_ms);
	else if (d->status->type != MSG_STATUS_REPLY)
		ctl_report_reply_error(d->status);
	else if (d->peers->type != MSG_PEERS_REPLY)
		ctl_report_reply_error(d->peers);
	else
		d->state = "running";
	if (strcmp(d->state, "running") != 0)
		d->status = d->peers = NULL;
}

static int
set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v);
}

static json_t *
opt_hex(const uint8_t *b, int have)
{
	return have ? ctl_json_hex(b, 32) : json_null();
}

/* The status document of docs/i40ctl.md. */
static int
build(const char *dir, struct store *st, const struct daemon_view *d,
    json_t **out)
{
	struct store_member *mem = NULL;
	struct store_head *heads = NULL;
	const struct store_member *me = NULL;
	const struct msg_status *s = d->status != NULL ?
	    &d->status->u.status : NULL;
	struct store_stats stats;
	uint8_t pk[KEY_PK_BYTES], owner[KEY_PK_BYTES];
	uint8_t log_root[32], state_root[32];
	json_t *doc = NULL, *seq = NULL;
	size_t nmem = 0, nh = 0, i;
	int rc, have_key = 0;

	*out = NULL;
	if ((rc = store_members(st, &mem, &nmem)) != 0 ||
	    (rc = store_heads(st, &heads, &nh)) != 0 ||
	    (rc = store_stats(st, &stats)) != 0) {
		ctl_err(rc, "cannot read the store");
		goto out;
	}
	if (s != NULL) {
		memcpy(pk, s->author, KEY_PK_BYTES);
		memcpy(log_root, s->log_root, 32);
		memcpy(state_root, s->state_root, 32);
		stats.events = s->events;
		stats.authors = s->authors;
		have_key = 1;
		seq = ctl_json_u64(s->seq);
	} else {
		if ((rc = store_log_root(st, log_root)) != 0 ||
		    (rc = store_state_root(st, state_root)) != 0) {
			ctl_err(rc, "cannot compute the roots");
			goto out;
		}
		/* Without the daemon, the key file says who we are. */
		have_key = ctl_node_key_file(dir, pk) == 0;
		/* After a key rotation, the key file is not the identity. */
		if (have_key && store_key_owner(st, pk, owner) == 0)
			memcpy(pk, owner, KEY_PK_BYTES);
		for (i = 0; have_key && i < nh; i++)
			if (memcmp(heads[i].author, pk, KEY_PK_BYTES) == 0)
				seq = ctl_json_u64(heads[i].seq);
		if (have_key && seq == NULL)
			seq = json_integer(0);
	}
	if (have_key)
		me = ctl_member_find(mem, nmem, pk);
	rc = I40_E_NOMEM;
	if ((doc = json_object()) == NULL ||
	    set(doc, "daemon", json_string(d->state)) != 0 ||
	    set(doc, "node", s != NULL ? ctl_json_strn(s->node.p,
	    s->node.len) : json_null()) != 0 ||
	    set(doc, "fed_id", ctl_json_hex(store_fed_id(st), 32)) != 0 ||
	    set(doc, "key", opt_hex(pk, have_key)) != 0 ||
	    set(doc, "schac", me != NULL ? json_string(me->schac) :
	    json_null()) != 0 ||
	    set(doc, "seq", seq != NULL ? seq : json_null()) != 0 ||
	    set(doc, "signing", s != NULL ? ctl_json_strn(s->signing.p,
	    s->signing.len) : json_null()) != 0 ||
	    set(doc, "signing_why", s != NULL ? ctl_json_strn(s->why.p,
	    s->why.len) : json_null()) != 0 ||
	    set(doc, "events", ctl_json_u64(stats.events)) != 0 ||
	    set(doc, "authors",
	    ctl_json_u64(stats.authors)) != 0 ||
	    set(doc, "log_root", ctl_json_hex(log_root, 32)) != 0 ||
	    set(doc, "state_root", ctl_json_hex(state_root, 32)) != 0 ||
	    set(doc, "heads", ctl_view_heads(heads, nh, mem, nmem)) != 0 ||
	    set(doc, "peers", d->peers != NULL ?
	    ctl_view_peers(&d->peers->u.peers, mem, nmem) :
	    json_array()) != 0) {
		ctl_err(rc, "cannot build the status");
		goto out;
	}
	*out = doc;
	doc = NULL;
	rc = 0;
out:
	json_decref(doc);
	free(heads);
	free(mem);
	return rc;
}

/* arg: the struct daemon_view. */
static void
print_human(const json_t *doc, const void *arg)
{
	const struct daemon_view *d = arg;
	const char *state = ctl_view_str(json_object_get(doc, "daemon"));
	const json_t *seq = json_object_get(doc, "seq");

	if (strcmp(state, "running") == 0)
		printf("daemon      running (pid %ld), node %s\n", d->pid,
		    ctl_view_str(json_object_get(doc, "node")));
	else if (strcmp(state, "stopped") == 0)
		printf("daemon      not running\n");
	else
		printf("daemon      not answering (pid %ld)\n", d->pid);
	printf("federation  %s\n", ctl_view_str(json_object_get(doc,
	    "fed_id")));
	printf("key         %s (%s)\n", ctl_view_str(json_object_get(doc,
	    "key")), ctl_view_str(json_object_get(doc, "schac")));
	if (json_is_integer(seq))
		printf("own seq     %lld\n",
		    (long long)json_integer_value(seq));
	else
		printf("own seq     - (node.key not readable)\n");
	if (strcmp(state, "running") == 0) {
		const char *sg = ctl_view_str(json_object_get(doc, "signing"));
		const char *why = ctl_view_str(json_object_get(doc,
		    "signing_why"));

		printf("signing     %s%s%s\n", strcmp(sg, "stopped") == 0 ?
		    "STOPPED" : sg, *why ? ": " : "", why);
	}
	printf("events      %lld from %lld authors\n",
	    (long long)json_integer_value(json_object_get(doc, "events")),
	    (long long)json_integer_value(json_object_get(doc, "authors")));
	printf("log root    %s\n", ctl_view_str(json_object_get(doc,
	    "log_root")));
	printf("state root  %s%s\n", ctl_view_str(json_object_get(doc,
	    "state_root")), strcmp(state, "running") == 0 ?
	    "" : " (computed from the store)");
	printf("\nheads:\n");
	ctl_view_print_heads(stdout, json_object_get(doc, "heads"));
	if (strcmp(state, "running") == 0) {
		printf("\npeers:\n");
		ctl_view_print_peers(stdout, json_object_get(doc, "peers"));
	}
}

int
status_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_TIMEOUT, CTL_OPT_JSON, CTL_OPT_HELP,
		CTL_OPT_END
	};
	struct daemon_view d;
	struct ctl_opts o;
	const char *dir;
	struct store *st = NULL;
	json_t *doc = NULL;
	int ret = CTL_EXIT_ERR;

	memset(&d, 0, sizeof(d));
	ctl_set_cmd("i40ctl status");
	ctl_opts_init(&o, usage, CTL_TIMEOUT_MS);
	if (ctl_getopt(argc, argv, ":d:h", opts, &o) != 0)
		return o.exit;
	dir = ctl_datadir(o.datadir);
	if (ctl_store_open(dir, &st) != 0)
		goto out;
	ask_daemon(dir, o.timeout_ms, &d);
	if (build(dir, st, &d, &doc) != 0)
		goto out;
	if (ctl_output(doc, o.json, print_human, &d, "status") == 0 &&
	    strcmp(d.state, "unresponsive") != 0)
		ret = CTL_EXIT_OK;
out:
	json_decref(doc);
	store_close(st);
	free(d.sbuf);
	free(d.pbuf);
	free(d.msgs);
	return ret;
}
