/*
 * cmd_member.c: i40ctl member propose | endorse | remove, written through
 * the running i40d, and the dispatch of member list | show
 * (cmd_member_view.c).  docs/i40ctl.md "member", docs/joining.md.
 *
 * Each write is checked against this node's store first, because an
 * event the rules of docs/protocol.md §12 make void is signed for ever:
 * a proposal of a key already in, or of a removed key (keys never come
 * back), a second proposal beside an open one, a removal beyond what the
 * member's log holds here, an endorsement of what took effect already or
 * of this node's own proposal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_member.h"
#include "ctl_node.h"
#include "ctl_write.h"
#include "protocol/schema.h"
#include "subcommands.h"

static const char usage_member[] =
    "usage: i40ctl member propose --role member|observer --card FILE\n"
    "           --schac CODE --name-sv NAME --name-en NAME --country CC\n"
    "           --endpoint tcp://HOST:PORT [--org-no DIGITS] [-d DIR]\n"
    "       i40ctl member endorse PROPOSAL-ID [-d DIR]\n"
    "       i40ctl member remove KEY --upto SEQ --reason TEXT [-d DIR]\n"
    "       i40ctl member list [-d DIR] [--json]\n"
    "       i40ctl member show KEY|PROPOSAL-ID [-d DIR] [--json]\n"
    "\n"
    "Admit a regional node or an observer, endorse a proposal, remove a\n"
    "member, and list the membership (docs/joining.md).\n";

static const char usage_propose[] =
    "usage: i40ctl member propose --role member|observer --card FILE\n"
    "           --schac CODE --name-sv NAME --name-en NAME --country CC\n"
    "           --endpoint tcp://HOST:PORT [--org-no DIGITS] [-d DIR]\n"
    "           [--timeout SECONDS] [--json]\n"
    "\n"
    "Propose admitting a node, signed by this node through the running\n"
    "i40d.  It is admitted once the proposal and the endorsements of a\n"
    "majority of the members are in (docs/protocol.md §12.1).  Check the\n"
    "key's fingerprint with its operator over a second channel first\n"
    "(docs/joining.md).\n"
    "\n"
    "  --role member|observer    a university, or a read-only node\n"
    "  --card FILE               the node's card, as its operator's\n"
    "                            `i40ctl keygen --public -k KEY --json`\n"
    "                            prints it: key, transport, transport_sig\n"
    "  --key KEY                 its identity key, if not from the card\n"
    "  --transport HEX           its transport key, if not from the card\n"
    "  --transport-sig HEX       its certificate, if not from the card\n"
    "  --schac CODE              SCHAC home organisation, e.g. hv.se\n"
    "  --name-sv NAME            legal name in Swedish\n"
    "  --name-en NAME            legal name in English\n"
    "  --country CC              ISO 3166-1 alpha-2, e.g. SE\n"
    "  --endpoint tcp://HOST:PORT  where the node listens\n"
    "  --org-no DIGITS           organisation number, e.g. 202100-4300\n"
    "  -d, --datadir DIR         this node's data directory (default\n"
    "                            $I40_DATADIR, else /var/lib/i40)\n"
    "      --timeout SECONDS     wait for i40d at most this long (30)\n"
    "      --json                print {\"id\": HEX, \"seq\": N}\n"
    "  -h, --help                print this text\n";

static const char usage_endorse[] =
    "usage: i40ctl member endorse PROPOSAL-ID [-d DIR] [--timeout SECONDS]\n"
    "           [--json]\n"
    "\n"
    "Endorse a proposal to admit or remove a member, signed by this node\n"
    "through the running i40d.  `i40ctl member show PROPOSAL-ID` shows what\n"
    "it proposes; check the key's fingerprint, the SCHAC code and the\n"
    "endpoint with the node's operator over a second channel first\n"
    "(docs/joining.md).\n"
    "\n"
    "  PROPOSAL-ID               the proposal's event id, 64 hex digits\n"
    "  -d, --datadir DIR         this node's data directory\n"
    "      --timeout SECONDS     wait for i40d at most this long (30)\n"
    "      --json                print {\"id\": HEX, \"seq\": N}\n"
    "  -h, --help                print this text\n";

static const char usage_remove[] =
    "usage: i40ctl member remove KEY --upto SEQ --reason TEXT [-d DIR]\n"
    "           [--timeout SECONDS] [--json]\n"
    "\n"
    "Propose removing a member or an observer, signed by this node through\n"
    "the running i40d.  Once a majority endorsed it, the member's events up\n"
    "to seq SEQ keep counting for ever and later ones are refused on every\n"
    "node; its links are closed (docs/protocol.md §12.4).\n"
    "\n"
    "  KEY                       the member's identity key (64 hex digits\n"
    "                            or 40 Z85 characters)\n"
    "  --upto SEQ                the last seq of its log that keeps counting:\n"
    "                            its head (`i40ctl member show KEY`), or,\n"
    "                            after a key theft, the last seq its\n"
    "                            university vouches for; at most what this\n"
    "                            node holds\n"
    "  --reason TEXT             why, e.g. \"Left the programme.\"\n"
    "  -d, --datadir DIR         this node's data directory\n"
    "      --timeout SECONDS     wait for i40d at most this long (30)\n"
    "      --json                print {\"id\": HEX, \"seq\": N}\n"
    "  -h, --help                print this text\n";

static const struct ctl_flag propose_flags[] = {
	{ "role", "role" }, { "card", NULL }, { "key", "key" },
	{ "transport", "transport" }, { "transport-sig", "transport_sig" },
	{ "schac", "schac" }, { "name-sv", "name_sv" },
	{ "name-en", "name_en" }, { "country", "country" },
	{ "endpoint", "endpoint" }, { "org-no", "org_no" },
};

static const struct ctl_flag endorse_flags[] = {
	{ "proposal", "proposal" },
};

/* KEY is the operand. */
static const struct ctl_flag remove_flags[] = {
	{ "upto", "upto" }, { "reason", "reason" },
};

/* --card FILE: the card's fields (any field of the record, in fact). */
static int
apply_card(struct ctl_write *w, const char *path)
{
	struct ctl_err err;
	json_t *doc = NULL;
	int rc;

	memset(&err, 0, sizeof(err));
	if ((rc = ctl_json_load(path, &doc, &err)) != 0 ||
	    (rc = ctl_record_json(&w->rec, doc, &err)) != 0)
		ctl_err_report(&err, BODY_MEMBER_PROPOSE, path);
	json_decref(doc);
	return rc;
}

/* What a proposal of key would repeat or contradict, said; 0 if nothing. */
static int
propose_guard(const struct ctl_member_view *v, const struct body_member *m,
    const uint8_t self[KEY_PK_BYTES])
{
	const struct store_member *x;
	const struct store_proposal *p;
	char hex[2 * EV_ID_BYTES + 1];
	size_t i;

	if (memcmp(m->key, self, KEY_PK_BYTES) == 0) {
		ctl_errx("--key is this node's own key: nobody admits itself; "
		    "a joining node sends its card to the members, who "
		    "propose it (docs/joining.md)");
		return I40_E_VALUE;
	}
	if ((x = ctl_member_find(v->ms, v->nms, m->key)) != NULL) {
		if (x->active)
			ctl_errx("--key: %s (%s) is a%s already",
			    x->schac, x->name_en, x->observer ?
			    "n observer" : " member");
		else
			ctl_errx("--key: %s (%s) was removed, and a removed "
			    "key never comes back: its operator makes a new "
			    "key (`i40ctl keygen`) and is proposed with that "
			    "(docs/joining.md, \"When a key is stolen\")",
			    x->schac, x->name_en);
		return I40_E_EXISTS;
	}
	for (i = 0; i < v->nms; i++)
		if (v->ms[i].active &&
		    memcmp(v->ms[i].transport, m->transport, 32) == 0) {
			ctl_errx("--transport: the transport key of %s (%s); "
			    "each node has its own, derived from its key: "
			    "take the card its operator printed", v->ms[i].schac,
			    v->ms[i].name_en);
			return I40_E_EXISTS;
		}
	/* The recovery of docs/joining.md: a new key for a university. */
	for (i = 0; i < v->nms && schema_bytes_eq(m->role, "member"); i++)
		if (v->ms[i].active && !v->ms[i].observer &&
		    schema_bytes_eq(m->schac, v->ms[i].schac)) {
			char fp[24];

			ctl_fingerprint(v->ms[i].key, fp);
			ctl_warnx("--schac %s is the university of the active "
			    "member %s: this admission waits until that key's "
			    "removal takes effect, and the new key then "
			    "succeeds it (its modules and results carry over; "
			    "docs/joining.md, \"When a key is stolen\"); "
			    "propose that removal too if this is a recovery",
			    v->ms[i].schac, fp);
		}
	for (i = 0; i < v->nps; i++) {
		p = &v->ps[i];
		if (p->type != BODY_MEMBER_PROPOSE || p->applied ||
		    memcmp(p->key, m->key, KEY_PK_BYTES) != 0 || !p->counts)
			continue;
		ctl_hex(p->id, EV_ID_BYTES, hex);
		ctl_errx("--key: proposal %s admits this key already (%zu of "
		    "%zu needed): endorse it instead (`i40ctl member endorse "
		    "%s`)", hex, p->support, p->need, hex);
		return I40_E_EXISTS;
	}
	return 0;
}

static int
propose_main(int argc, char *argv[])
{
	const struct body_member *m;
	struct ctl_member_view v;
	struct ctl_write w;
	const char *card;
	char what[400], fp[24];
	int ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl member propose");
	memset(&v, 0, sizeof(v));
	if (!ctl_write_start(&w, argc, argv, usage_propose, propose_flags,
	    sizeof(propose_flags) / sizeof(propose_flags[0]), 0, &ret))
		return ret;
	if (ctl_write_body(&w, BODY_MEMBER_PROPOSE) != 0)
		goto out;
	card = ctl_write_value(&w.a, propose_flags, "card");
	if ((card != NULL && apply_card(&w, card) != 0) ||
	    ctl_write_apply(&w, propose_flags) != 0 ||
	    ctl_write_encode(&w) != 0 || ctl_write_node(&w) != 0 ||
	    ctl_member_view_load(w.st, &v) != 0)
		goto out;
	m = &w.rec.body->u.member;
	if (propose_guard(&v, m, w.pk) != 0)
		goto out;
	ctl_fingerprint(m->key, fp);
	snprintf(what, sizeof(what), "proposed %.*s (%.*s, key %s) as %s",
	    (int)m->schac.len, (const char *)m->schac.p, (int)m->name_en.len,
	    (const char *)m->name_en.p, fp, schema_bytes_eq(m->role,
	    "member") ? "a member" : "an observer");
	if (ctl_write_send(&w, BODY_MEMBER_PROPOSE, what) == 0)
		ret = CTL_EXIT_OK;
out:
	ctl_member_view_free(&v);
	ctl_write_free(&w);
	return ret;
}

/* An endorsement that would change nothing, said; 0 if it would count. */
static int
endorse_guard(struct store *st, const struct ctl_member_view *v,
    const uint8_t id[EV_ID_BYTES], const uint8_t self[KEY_PK_BYTES],
    char *what, size_t cap)
{
	const struct store_proposal *p = ctl_proposal_find(v, id);
	struct store_endorser *es = NULL;
	char hex[2 * EV_ID_BYTES + 1], label[300];
	size_t n = 0, i;
	int rc = 0;

	ctl_hex(id, EV_ID_BYTES, hex);
	if (p == NULL) {
		ctl_errx("no proposal %s is stored on this node: check the id "
		    "(`i40ctl member list`), or wait until it arrives "
		    "(`i40ctl sync`)", hex);
		return I40_E_NOT_FOUND;
	}
	ctl_proposal_label(st, v, p, label, sizeof(label));
	snprintf(what, cap, "endorsement of %s signed", label);
	if (p->applied) {
		ctl_errx("proposal %s (%s) took effect already", hex, label);
		return I40_E_EXISTS;
	}
	if (p->moot != 0 || !p->counts) {
		ctl_errx("proposal %s (%s) can never take effect (%s); "
		    "endorsing it changes nothing", hex, label,
		    p->moot == STORE_MOOT_SELF ? "nobody admits itself" :
		    p->moot == STORE_MOOT_IN ? "the key is in, or was removed, "
		    "already" : p->moot == STORE_MOOT_OUT ? "the key is no "
		    "active member" : "its proposer's event does not count");
		return I40_E_VALUE;
	}
	if (memcmp(p->proposer, self, KEY_PK_BYTES) == 0) {
		ctl_errx("proposal %s is this node's own, which counts as its "
		    "vote already", hex);
		return I40_E_EXISTS;
	}
	if ((rc = store_endorsers(st, id, &es, &n)) != 0) {
		ctl_err(rc, "cannot read the endorsements of %s", hex);
		return rc;
	}
	for (i = 0; i < n; i++)
		if (memcmp(es[i].key, self, KEY_PK_BYTES) == 0) {
			ctl_errx("this node endorsed proposal %s already (its "
			    "seq %llu); one vote per member", hex,
			    (unsigned long long)es[i].seq);
			rc = I40_E_EXISTS;
		}
	free(es);
	return rc;
}

static int
endorse_main(int argc, char *argv[])
{
	static const char *const with_arg[] = { "-d", "--datadir",
	    "--timeout", NULL };
	struct ctl_member_view v;
	struct ctl_write w;
	struct ctl_err err;
	const char *id;
	char what[400];
	int ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl member endorse");
	memset(&v, 0, sizeof(v));
	if ((ret = ctl_operand(&argc, argv, with_arg, usage_endorse,
	    "PROPOSAL-ID", &id)) != CTL_EXIT_OK)
		return ret;
	ret = CTL_EXIT_ERR;
	if (!ctl_write_start(&w, argc, argv, usage_endorse, endorse_flags, 0,
	    0, &ret))
		return ret;
	ret = CTL_EXIT_ERR;
	memset(&err, 0, sizeof(err));
	if (ctl_write_body(&w, BODY_MEMBER_ENDORSE) != 0)
		goto out;
	if (strlen(id) != 2 * EV_ID_BYTES ||
	    ctl_record_set(&w.rec, "proposal", id, &err) != 0) {
		char clip[80];

		ctl_errx("PROPOSAL-ID `%s': not an event id (64 hex "
		    "digits); `i40ctl member list` shows the proposals",
		    ctl_clip(id, 70, clip, sizeof(clip)));
		ret = ctl_usage_error(usage_endorse, "bad PROPOSAL-ID");
		goto out;
	}
	if (ctl_write_encode(&w) != 0 || ctl_write_node(&w) != 0 ||
	    ctl_member_view_load(w.st, &v) != 0 ||
	    endorse_guard(w.st, &v, w.rec.body->u.endorse.proposal, w.pk,
	    what, sizeof(what)) != 0)
		goto out;
	if (ctl_write_send(&w, BODY_MEMBER_ENDORSE, what) == 0)
		ret = CTL_EXIT_OK;
out:
	ctl_member_view_free(&v);
	ctl_write_free(&w);
	return ret;
}

/* A removal that would be void or wrong, said; 0 if it can take effect. */
static int
remove_guard(struct store *st, const struct ctl_member_view *v,
    const struct body_remove *r, char *what, size_t cap)
{
	const struct store_member *x = ctl_member_find(v->ms, v->nms, r->key);
	struct store_head *hs = NULL;
	uint64_t head = 0;
	char hex[2 * EV_ID_BYTES + 1], fp[24];
	size_t n = 0, i;
	int rc;

	ctl_fingerprint(r->key, fp);
	if (x == NULL || !x->active) {
		ctl_errx("KEY %s is %s", fp, x == NULL ? "no member or "
		    "observer of this federation (`i40ctl member list`)" :
		    "removed already");
		return x == NULL ? I40_E_NOT_FOUND : I40_E_EXISTS;
	}
	if ((rc = store_heads(st, &hs, &n)) != 0) {
		ctl_err(rc, "cannot read the logs");
		return rc;
	}
	/* A frozen log counts up to its freeze point, not its head. */
	for (i = 0; i < n; i++)
		if (memcmp(hs[i].author, r->key, KEY_PK_BYTES) == 0)
			head = hs[i].frozen != 0 && hs[i].last < hs[i].seq ?
			    hs[i].last : hs[i].seq;
	free(hs);
	if (!x->observer && r->upto > head) {
		ctl_errx("--upto %llu: this node holds %s's log up to seq "
		    "%llu (its freeze point, if a fork froze it); what it "
		    "signs until seq %llu would count too.  Give "
		    "its head or less (`i40ctl member show %s`), or wait until "
		    "this node has caught up", (unsigned long long)r->upto,
		    x->schac, (unsigned long long)head,
		    (unsigned long long)r->upto, fp);
		return I40_E_RANGE;
	}
	for (i = 0; i < v->nps; i++) {
		const struct store_proposal *p = &v->ps[i];

		if (p->type != BODY_MEMBER_REMOVE || p->applied ||
		    !p->counts || memcmp(p->key, r->key, KEY_PK_BYTES) != 0)
			continue;
		ctl_hex(p->id, EV_ID_BYTES, hex);
		ctl_errx("proposal %s removes %s already, up to seq %llu: "
		    "endorse it instead (`i40ctl member endorse %s`)", hex,
		    x->schac, (unsigned long long)p->upto, hex);
		return I40_E_EXISTS;
	}
	snprintf(what, cap, "proposed removing %s (%s, key %s) up to seq %llu",
	    x->schac, x->name_en, fp, (unsigned long long)r->upto);
	return 0;
}

static int
remove_main(int argc, char *argv[])
{
	static const char *const with_arg[] = { "-d", "--datadir",
	    "--timeout", "--upto", "--reason", NULL };
	struct ctl_member_view v;
	struct ctl_write w;
	struct ctl_err err;
	const char *key;
	char what[400], src[96];
	int ret;

	ctl_set_cmd("i40ctl member remove");
	memset(&v, 0, sizeof(v));
	if ((ret = ctl_operand(&argc, argv, with_arg, usage_remove, "KEY",
	    &key)) != CTL_EXIT_OK)
		return ret;
	ret = CTL_EXIT_ERR;
	if (!ctl_write_start(&w, argc, argv, usage_remove, remove_flags, 2,
	    0, &ret))
		return ret;
	ret = CTL_EXIT_ERR;
	memset(&err, 0, sizeof(err));
	if (ctl_write_body(&w, BODY_MEMBER_REMOVE) != 0)
		goto out;
	if (ctl_record_set(&w.rec, "key", key, &err) != 0) {
		char clip[48];

		snprintf(src, sizeof(src), "KEY `%s'",
		    ctl_clip(key, 40, clip, sizeof(clip)));
		ctl_err_report(&err, BODY_MEMBER_REMOVE, src);
		goto out;
	}
	if (ctl_write_apply(&w, remove_flags) != 0 ||
	    ctl_write_encode(&w) != 0 || ctl_write_node(&w) != 0 ||
	    ctl_member_view_load(w.st, &v) != 0 ||
	    remove_guard(w.st, &v, &w.rec.body->u.remove, what,
	    sizeof(what)) != 0)
		goto out;
	if (ctl_write_send(&w, BODY_MEMBER_REMOVE, what) == 0)
		ret = CTL_EXIT_OK;
out:
	ctl_member_view_free(&v);
	ctl_write_free(&w);
	return ret;
}

int
member_main(int argc, char *argv[])
{
	static const struct ctl_sub subs[] = {
		{ "propose", propose_main },
		{ "endorse", endorse_main },
		{ "remove", remove_main },
		{ "list", ctl_member_list_main },
		{ "show", ctl_member_show_main },
	};

	ctl_set_cmd("i40ctl member");
	return ctl_dispatch(argc, argv, usage_member, subs,
	    sizeof(subs) / sizeof(subs[0]));
}
