/*
 * cmd_member_view.c: i40ctl member list | show: the membership as this
 * node's store holds it, read directly (i40d need not run), and the
 * helpers of ctl_member.h.
 *
 * Like `catalog --json`, the JSON carries only replicated facts in a
 * fixed order (members by key, proposals by id), so two nodes that hold
 * the same events print the same bytes, except for "head", which is what
 * this node holds of each log.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_member.h"
#include "ctl_node.h"
#include "protocol/event.h"
#include "protocol/schema.h"

static const char usage_list[] =
    "usage: i40ctl member list [-d DIR] [--json]\n"
    "\n"
    "List every member and observer (role, names, SCHAC code, key,\n"
    "endpoint, and state: active, removed or frozen by a fork; the event\n"
    "that admitted it) and every proposal (to admit or remove; its\n"
    "support of the number needed, and whether it took effect).  Reads the\n"
    "data directory; i40d need not run.\n"
    "\n"
    "  -d, --datadir DIR   the node's data directory (default $I40_DATADIR,\n"
    "                      else /var/lib/i40)\n"
    "      --json          print {\"members\": [...], \"proposals\": [...]}\n"
    "  -h, --help          print this text\n";

static const char usage_show[] =
    "usage: i40ctl member show KEY|PROPOSAL-ID [-d DIR] [--json]\n"
    "\n"
    "Show one member or observer (every field of its record, its full key\n"
    "and transport key, its log as this node holds it, and the proposals\n"
    "that name it), or one proposal with each endorsement and whether it\n"
    "counts.  Reads the data directory; i40d need not run.\n"
    "\n"
    "  KEY                 a member's key: 64 hex digits or 40 Z85\n"
    "                      characters\n"
    "  PROPOSAL-ID         a proposal's event id: 64 hex digits\n"
    "  -d, --datadir DIR   the node's data directory\n"
    "      --json          print the member or the proposal as JSON\n"
    "  -h, --help          print this text\n";

int
ctl_member_view_load(struct store *st, struct ctl_member_view *v)
{
	int rc;

	memset(v, 0, sizeof(*v));
	if ((rc = store_members(st, &v->ms, &v->nms)) != 0 ||
	    (rc = store_proposals(st, &v->ps, &v->nps)) != 0 ||
	    (rc = store_heads(st, &v->hs, &v->nhs)) != 0) {
		ctl_err(rc, "cannot read the membership");
		ctl_member_view_free(v);
	}
	return rc;
}

void
ctl_member_view_free(struct ctl_member_view *v)
{
	free(v->ms);
	free(v->ps);
	free(v->hs);
	memset(v, 0, sizeof(*v));
}

const struct store_proposal *
ctl_proposal_find(const struct ctl_member_view *v,
    const uint8_t id[EV_ID_BYTES])
{
	size_t i;

	for (i = 0; i < v->nps; i++)
		if (memcmp(v->ps[i].id, id, EV_ID_BYTES) == 0)
			return &v->ps[i];
	return NULL;
}

const struct store_head *
ctl_head_find(const struct ctl_member_view *v,
    const uint8_t author[KEY_PK_BYTES])
{
	size_t i;

	for (i = 0; i < v->nhs; i++)
		if (memcmp(v->hs[i].author, author, KEY_PK_BYTES) == 0)
			return &v->hs[i];
	return NULL;
}

void
ctl_fingerprint(const uint8_t key[KEY_PK_BYTES], char out[24])
{
	ctl_hex(key, 8, out);
}

/* A proposal's own record (schac, names), if it is an admission. */
static int
proposal_body(struct store *st, const struct store_proposal *p,
    struct store_event *ev, struct body *b)
{
	struct ev_signed e;
	int rc;

	ev->bytes = NULL;
	if ((rc = store_get_id(st, p->id, ev)) != 0)
		return rc;
	if ((rc = ev_decode(ev->bytes, ev->len, store_fed_id(st), &e, b,
	    NULL)) != 0 || b->type != BODY_MEMBER_PROPOSE) {
		free(ev->bytes);
		ev->bytes = NULL;
		return rc != 0 ? rc : I40_E_CORRUPT;
	}
	return 0;
}

/* The SCHAC code a key is known by, or "?". */
static const char *
schac_of(const struct ctl_member_view *v, const uint8_t key[KEY_PK_BYTES])
{
	const struct store_member *m = ctl_member_find(v->ms, v->nms, key);

	return m != NULL ? m->schac : "?";
}

void
ctl_proposal_label(struct store *st, const struct ctl_member_view *v,
    const struct store_proposal *p, char *out, size_t cap)
{
	const struct store_member *m;
	struct store_event ev;
	struct body *b;
	char fp[24];

	ctl_fingerprint(p->key, fp);
	if (p->type == BODY_MEMBER_REMOVE) {
		m = ctl_member_find(v->ms, v->nms, p->key);
		snprintf(out, cap, "the removal of %s (%s, key %s) up to seq "
		    "%llu", m != NULL ? m->schac : "?", m != NULL ?
		    m->name_en : "no member", fp, (unsigned long long)p->upto);
		return;
	}
	if ((b = malloc(sizeof(*b))) != NULL &&
	    proposal_body(st, p, &ev, b) == 0) {
		snprintf(out, cap, "the admission of %.*s (%.*s, key %s) as "
		    "%s", (int)b->u.member.schac.len,
		    (const char *)b->u.member.schac.p,
		    (int)b->u.member.name_en.len,
		    (const char *)b->u.member.name_en.p, fp, p->observer ?
		    "an observer" : "a member");
		free(ev.bytes);
	} else {
		snprintf(out, cap, "the admission of key %s", fp);
	}
	free(b);
}

int
ctl_operand(int *argc, char *argv[], const char *const *with_arg,
    const char *usage, const char *name, const char **out)
{
	int i, j, drop = 1, help = 0;
	size_t k;

	*out = NULL;
	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			/* "-- OPERAND": both words go. */
			if (i + 1 < *argc) {
				*out = argv[i + 1];
				drop = 2;
			}
			break;
		}
		if (a[0] != '-' || strcmp(a, "-") == 0) {
			*out = a;
			break;
		}
		help |= strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
		for (k = 0; with_arg[k] != NULL; k++)
			if (strcmp(a, with_arg[k]) == 0)
				i++;
	}
	if (*out == NULL)
		return help ? CTL_EXIT_OK : ctl_usage_error(usage, "%s is "
		    "missing", name);
	for (j = i; j + drop < *argc; j++)
		argv[j] = argv[j + drop];
	*argc -= drop;
	argv[*argc] = NULL;
	return CTL_EXIT_OK;
}

static int
set_str(json_t *o, const char *k, const char *s)
{
	return json_object_set_new(o, k, json_string(s));
}

/* One member or observer as JSON, or NULL when out of memory. */
static json_t *
member_json(const struct ctl_member_view *v, const struct store_member *m)
{
	static const uint8_t zero[EV_ID_BYTES];
	const struct store_head *h = ctl_head_find(v, m->key);
	json_t *o = json_object();
	int bad = o == NULL;
	const char *state = !m->active ? "removed" :
	    h != NULL && h->frozen != 0 ? "frozen" : "active";

	bad = bad || json_object_set_new(o, "key", ctl_json_hex(m->key,
	    KEY_PK_BYTES)) != 0 ||
	    set_str(o, "role", m->observer ? "observer" : "member") != 0 ||
	    set_str(o, "state", state) != 0 ||
	    set_str(o, "schac", m->schac) != 0 ||
	    set_str(o, "name_sv", m->name_sv) != 0 ||
	    set_str(o, "name_en", m->name_en) != 0 ||
	    set_str(o, "country", m->country) != 0 ||
	    (m->org_no[0] != '\0' && set_str(o, "org_no", m->org_no) != 0) ||
	    set_str(o, "endpoint", m->endpoint) != 0 ||
	    json_object_set_new(o, "transport", ctl_json_hex(m->transport,
	    32)) != 0 ||
	    json_object_set_new(o, "admitted_by",
	    memcmp(m->admitted_by, zero, EV_ID_BYTES) == 0 ?
	    json_string("charter") : ctl_json_hex(m->admitted_by,
	    EV_ID_BYTES)) != 0;
	if (!bad && !m->active)
		bad = json_object_set_new(o, "removed_by",
		    ctl_json_hex(m->removed_by, EV_ID_BYTES)) != 0 ||
		    json_object_set_new(o, "upto",
		    ctl_json_u64(m->upto)) != 0;
	/* After a rotation the key its log is signed with is another. */
	if (!bad && m->rotated != 0)
		bad = json_object_set_new(o, "signing_key",
		    ctl_json_hex(m->signing, KEY_PK_BYTES)) != 0 ||
		    json_object_set_new(o, "rotated_at",
		    ctl_json_u64(m->rotated)) != 0;
	/* The earlier key of its university it succeeds (protocol §12.7). */
	if (!bad && m->succession != 0)
		bad = json_object_set_new(o, "succeeds",
		    ctl_json_hex(m->succeeds, KEY_PK_BYTES)) != 0 ||
		    set_str(o, "succession", m->succession == 2 ? "holds" :
		    "pending") != 0;
	if (!bad && h != NULL && h->frozen != 0)
		bad = json_object_set_new(o, "freeze_point",
		    ctl_json_u64(h->last)) != 0;
	if (!bad)
		bad = json_object_set_new(o, "head",
		    ctl_json_u64(h != NULL ? h->seq : 0)) != 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * Why an admission with its majority has not taken effect, into out: an
 * active member holds its university or its transport key (protocol.md
 * §12.1, §12.7).  Returns 0 when nothing holds it.
 */
static int
admission_waits(struct store *st, const struct ctl_member_view *v,
    const struct store_proposal *p, char *out, size_t cap)
{
	struct store_event ev;
	struct body *b;
	size_t i;
	int found = 0;
	char fp[24];

	if (p->type != BODY_MEMBER_PROPOSE || p->support < p->need ||
	    (b = malloc(sizeof(*b))) == NULL)
		return 0;
	if (proposal_body(st, p, &ev, b) != 0) {
		free(b);
		return 0;
	}
	for (i = 0; i < v->nms && !found; i++) {
		const struct store_member *m = &v->ms[i];

		if (!m->active)
			continue;
		ctl_fingerprint(m->key, fp);
		if (!p->observer && !m->observer &&
		    schema_bytes_eq(b->u.member.schac, m->schac)) {
			snprintf(out, cap, "waits: %s is the university of the "
			    "active member %s until its removal takes effect",
			    m->schac, fp);
			found = 1;
		} else if (memcmp(b->u.member.transport, m->transport,
		    32) == 0) {
			snprintf(out, cap, "waits: its transport key is the "
			    "active member %s's (%s)", fp, m->schac);
			found = 1;
		}
	}
	free(ev.bytes);
	free(b);
	return found;
}

/* One proposal as JSON, or NULL when out of memory. */
static json_t *
proposal_json(struct store *st, const struct ctl_member_view *v,
    const struct store_proposal *p)
{
	json_t *o = json_object();
	char label[300], waits[200];
	static const char *const moot[] = { "", "void: nobody admits itself",
	    "void: the key is in, or was removed, already",
	    "void: the key is no active member" };
	const char *state = p->applied ? "took effect" : p->moot != 0 ?
	    moot[p->moot] : !p->counts ? "void: its proposer does not count" :
	    admission_waits(st, v, p, waits, sizeof(waits)) ? waits : "open";
	int bad = o == NULL;

	ctl_proposal_label(st, v, p, label, sizeof(label));
	bad = bad || json_object_set_new(o, "id", ctl_json_hex(p->id,
	    EV_ID_BYTES)) != 0 ||
	    set_str(o, "action", p->type == BODY_MEMBER_PROPOSE ? "admit" :
	    "remove") != 0 ||
	    json_object_set_new(o, "key", ctl_json_hex(p->key,
	    KEY_PK_BYTES)) != 0 ||
	    (p->type == BODY_MEMBER_PROPOSE && set_str(o, "role",
	    p->observer ? "observer" : "member") != 0) ||
	    (p->type == BODY_MEMBER_REMOVE && json_object_set_new(o, "upto",
	    ctl_json_u64(p->upto)) != 0) ||
	    set_str(o, "what", label) != 0 ||
	    json_object_set_new(o, "proposer", ctl_json_hex(p->proposer,
	    KEY_PK_BYTES)) != 0 ||
	    set_str(o, "proposer_schac", schac_of(v, p->proposer)) != 0 ||
	    json_object_set_new(o, "support",
	    ctl_json_u64(p->support)) != 0 ||
	    json_object_set_new(o, "need", ctl_json_u64(p->need)) !=
	    0 || json_object_set_new(o, "members",
	    ctl_json_u64(p->members)) != 0 ||
	    set_str(o, "state", state) != 0;
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
list_json(struct store *st, const struct ctl_member_view *v)
{
	json_t *doc = json_object(), *ms = json_array(), *ps = json_array();
	size_t i;
	int bad = doc == NULL || ms == NULL || ps == NULL;

	for (i = 0; !bad && i < v->nms; i++)
		bad = json_array_append_new(ms, member_json(v, &v->ms[i])) != 0;
	for (i = 0; !bad && i < v->nps; i++)
		bad = json_array_append_new(ps, proposal_json(st, v,
		    &v->ps[i])) != 0;
	if (bad || json_object_set_new(doc, "members", ms) != 0) {
		json_decref(ms);
		json_decref(ps);
		json_decref(doc);
		return NULL;
	}
	if (json_object_set_new(doc, "proposals", ps) != 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static long long
jint(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void
print_list(const json_t *doc, const void *arg)
{
	const json_t *ms = json_object_get(doc, "members");
	const json_t *ps = json_object_get(doc, "proposals");
	const json_t *o;
	size_t i;

	(void)arg;
	printf("%-16s %-8s %-8s %-16s %6s %-16s %s\n", "SCHAC", "ROLE",
	    "STATE", "KEY", "HEAD", "ADMITTED", "ENDPOINT");
	json_array_foreach(ms, i, o) {
		printf("%-16s %-8s %-8s %.16s %6lld %-16.16s %s\n",
		    jstr(o, "schac"), jstr(o, "role"), jstr(o, "state"),
		    jstr(o, "key"), jint(o, "head"), jstr(o, "admitted_by"),
		    jstr(o, "endpoint"));
		if (strcmp(jstr(o, "state"), "removed") == 0)
			printf("%-16s   removed by %.16s; counts up to seq %lld\n",
			    "", jstr(o, "removed_by"), jint(o, "upto"));
		if (strcmp(jstr(o, "state"), "frozen") == 0)
			printf("%-16s   frozen by a fork; counts up to seq %lld\n",
			    "", jint(o, "freeze_point"));
		if (strcmp(jstr(o, "succession"), "holds") == 0)
			printf("%-16s   succeeds %.16s: writes its modules and "
			    "results\n", "", jstr(o, "succeeds"));
		else if (strcmp(jstr(o, "succession"), "pending") == 0)
			printf("%-16s   succeeds %.16s once this node holds its "
			    "log up to its last counting seq (pending)\n", "",
			    jstr(o, "succeeds"));
	}
	if (json_array_size(ps) == 0)
		return;
	printf("\n%-16s %-11s %-9s %s\n", "PROPOSAL", "STATE", "SUPPORT",
	    "WHAT");
	/* Why one is void or waits goes after its line. */
	json_array_foreach(ps, i, o) {
		char sup[32];

		/* Once it took effect, today's threshold says nothing of it. */
		if (strcmp(jstr(o, "state"), "took effect") == 0)
			snprintf(sup, sizeof(sup), "%lld", jint(o, "support"));
		else
			snprintf(sup, sizeof(sup), "%lld of %lld",
			    jint(o, "support"), jint(o, "need"));
		const char *st = jstr(o, "state"), *why = strstr(st, ": ");
		int w = why != NULL ? (int)(why - st) : (int)strlen(st);

		printf("%.16s %-11.*s %-9s %s, proposed by %s\n", jstr(o, "id"),
		    w > 11 ? 11 : w, st, sup, jstr(o, "what"),
		    jstr(o, "proposer_schac"));
		if (why != NULL)
			printf("%-16s %s\n", "", why + 2);
	}
}

/* Open the data directory read-only and load its membership. */
static int
open_view(const char *dir, struct store **st, struct ctl_member_view *v)
{
	int rc;

	memset(v, 0, sizeof(*v));
	if ((rc = ctl_store_open(dir, st)) != 0)
		return rc;
	if ((rc = ctl_member_view_load(*st, v)) != 0) {
		store_close(*st);
		*st = NULL;
	}
	return rc;
}

int
ctl_member_list_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP, CTL_OPT_END
	};
	struct ctl_member_view v;
	struct store *st = NULL;
	struct ctl_opts o;
	json_t *doc = NULL;
	int ret = CTL_EXIT_ERR;

	ctl_set_cmd("i40ctl member list");
	ctl_opts_init(&o, usage_list, CTL_TIMEOUT_MS);
	if (ctl_getopt(argc, argv, ":d:h", opts, &o) != 0)
		return o.exit;
	if (open_view(ctl_datadir(o.datadir), &st, &v) != 0)
		return CTL_EXIT_ERR;
	if ((doc = list_json(st, &v)) == NULL)
		ctl_err(I40_E_NOMEM, "cannot list the membership");
	else if (ctl_output(doc, o.json, print_list, NULL, "membership") == 0)
		ret = CTL_EXIT_OK;
	json_decref(doc);
	ctl_member_view_free(&v);
	store_close(st);
	return ret;
}

/*
 * What an admission proposes, into doc: the record the members check out
 * of band before they endorse (docs/joining.md): the SCHAC code, the
 * names, the endpoint, the key's fingerprint and its transport key.
 */
static int
admission_record(struct store *st, const struct store_proposal *p,
    json_t *doc)
{
	const struct body_member *m;
	struct store_event ev;
	struct body *b;
	char fp[24];
	int bad;

	if ((b = malloc(sizeof(*b))) == NULL)
		return -1;
	if (proposal_body(st, p, &ev, b) != 0) {
		free(b);
		return 0;	/* the label says it could not be read */
	}
	m = &b->u.member;
	ctl_fingerprint(m->key, fp);
	bad = json_object_set_new(doc, "fingerprint", json_string(fp)) != 0 ||
	    json_object_set_new(doc, "schac", ctl_json_strn(m->schac.p,
	    m->schac.len)) != 0 ||
	    json_object_set_new(doc, "name_sv", ctl_json_strn(m->name_sv.p,
	    m->name_sv.len)) != 0 ||
	    json_object_set_new(doc, "name_en", ctl_json_strn(m->name_en.p,
	    m->name_en.len)) != 0 ||
	    json_object_set_new(doc, "country", ctl_json_strn(m->country.p,
	    m->country.len)) != 0 ||
	    (m->org_no.len > 0 && json_object_set_new(doc, "org_no",
	    ctl_json_strn(m->org_no.p, m->org_no.len)) != 0) ||
	    json_object_set_new(doc, "endpoint", ctl_json_strn(m->endpoint.p,
	    m->endpoint.len)) != 0 ||
	    json_object_set_new(doc, "transport", ctl_json_hex(m->transport,
	    32)) != 0;
	free(ev.bytes);
	free(b);
	return bad ? -1 : 0;
}

/* A proposal with its endorsements, as JSON. */
static json_t *
show_proposal(struct store *st, const struct ctl_member_view *v,
    const struct store_proposal *p)
{
	struct store_endorser *es = NULL;
	json_t *doc = proposal_json(st, v, p), *list = json_array(), *e;
	size_t n = 0, i;
	int rc, bad;

	bad = doc == NULL || list == NULL;
	if (!bad && p->type == BODY_MEMBER_PROPOSE)
		bad = admission_record(st, p, doc) != 0;
	if (!bad && (rc = store_endorsers(st, p->id, &es, &n)) != 0) {
		ctl_err(rc, "cannot read the endorsements");
		bad = 1;
	}
	for (i = 0; !bad && i < n; i++) {
		int own = memcmp(es[i].key, p->proposer, KEY_PK_BYTES) == 0;

		bad = (e = json_object()) == NULL ||
		    json_object_set_new(e, "key", ctl_json_hex(es[i].key,
		    KEY_PK_BYTES)) != 0 ||
		    set_str(e, "schac", schac_of(v, es[i].key)) != 0 ||
		    json_object_set_new(e, "seq",
		    ctl_json_u64(es[i].seq)) != 0 ||
		    json_object_set_new(e, "counts", json_boolean(es[i].counts &&
		    !own)) != 0 || json_array_append_new(list, e) != 0;
	}
	free(es);
	if (bad || json_object_set_new(doc, "endorsements", list) != 0) {
		if (bad)
			json_decref(list);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* A member with the proposals that name it, as JSON. */
static json_t *
show_member(struct store *st, const struct ctl_member_view *v,
    const struct store_member *m)
{
	json_t *doc = member_json(v, m), *list = json_array();
	size_t i;
	int bad = doc == NULL || list == NULL;

	for (i = 0; !bad && i < v->nps; i++)
		if (memcmp(v->ps[i].key, m->key, KEY_PK_BYTES) == 0)
			bad = json_array_append_new(list, proposal_json(st, v,
			    &v->ps[i])) != 0;
	if (bad || json_object_set_new(doc, "proposals", list) != 0) {
		if (bad)
			json_decref(list);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

static void
print_show(const json_t *doc, const void *arg)
{
	const char *k;
	json_t *val, *x;
	size_t i;

	(void)arg;
	json_object_foreach((json_t *)doc, k, val) {
		if (json_is_array(val)) {
			printf("%s:\n", k);
			json_array_foreach(val, i, x) {
				if (json_object_get(x, "what") != NULL)
					printf("  %.16s %s: %s (%lld of %lld)\n",
					    jstr(x, "id"), jstr(x, "state"),
					    jstr(x, "what"), jint(x, "support"),
					    jint(x, "need"));
				else
					printf("  %s %-16s seq %lld%s\n",
					    jstr(x, "key"), jstr(x, "schac"),
					    jint(x, "seq"), json_is_true(
					    json_object_get(x, "counts")) ? "" :
					    " (does not count)");
			}
		} else if (json_is_string(val)) {
			printf("%-14s %s\n", k, json_string_value(val));
		} else {
			printf("%-14s %lld\n", k,
			    (long long)json_integer_value(val));
		}
	}
}

int
ctl_member_show_main(int argc, char *argv[])
{
	static const char *const with_arg[] = { "-d", "--datadir", NULL };
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP, CTL_OPT_END
	};
	const struct store_proposal *p = NULL;
	const struct store_member *m = NULL;
	struct ctl_member_view v;
	struct store *st = NULL;
	struct ctl_opts o;
	uint8_t bytes[32];
	const char *what;
	char clip[80];
	json_t *doc = NULL;
	int ret;

	ctl_set_cmd("i40ctl member show");
	if ((ret = ctl_operand(&argc, argv, with_arg, usage_show,
	    "KEY|PROPOSAL-ID", &what)) != CTL_EXIT_OK)
		return ret;
	ctl_opts_init(&o, usage_show, CTL_TIMEOUT_MS);
	if (ctl_getopt(argc, argv, ":d:h", opts, &o) != 0)
		return o.exit;
	if (ctl_parse_key(what, bytes) != 0) {
		return ctl_usage_error(usage_show, "`%s': neither a key (64 "
		    "hex digits or 40 Z85 characters) nor a proposal id (64 "
		    "hex digits)", ctl_clip(what, 70, clip, sizeof(clip)));
	}
	if (open_view(ctl_datadir(o.datadir), &st, &v) != 0)
		return CTL_EXIT_ERR;
	ret = CTL_EXIT_ERR;
	if ((p = ctl_proposal_find(&v, bytes)) == NULL &&
	    (m = ctl_member_find(v.ms, v.nms, bytes)) == NULL)
		ctl_errx("`%s' is no member's or observer's key and no "
		    "proposal's id on this node (`i40ctl member list`)",
		    ctl_clip(what, 70, clip, sizeof(clip)));
	else if ((doc = p != NULL ? show_proposal(st, &v, p) :
	    show_member(st, &v, m)) == NULL)
		ctl_err(I40_E_NOMEM, "cannot show it");
	else if (ctl_output(doc, o.json, print_show, NULL, p != NULL ?
	    "proposal" : "member") == 0)
		ret = CTL_EXIT_OK;
	json_decref(doc);
	ctl_member_view_free(&v);
	store_close(st);
	return ret;
}
