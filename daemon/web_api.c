/*
 * web_api.c: the JSON API of the web face (docs/web.md, "API").  Each
 * answer is built here once; the HTML pages (web_page.c) render the same
 * objects, so the page and /api/ never disagree.  Searches and verdicts
 * come from i40ctl's own code (ctl_match_doc, ctl_plan_make, tr_verify),
 * so a visitor gets what `i40ctl match`, `i40ctl plan` and `i40ctl
 * verify -d` would say on this node.
 */
#include "daemon/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/body.h"
#include "protocol/event.h"
#include "tools/ctl.h"
#include "tools/ctl_match.h"
#include "tools/ctl_plan.h"
#include "tools/transcript.h"

#define LIMIT_DEFAULT 20
#define LIMIT_MAX 200

/* The API's ?lang, the needs' language ("auto" if absent): 0, or -1. */
static int
api_lang(struct web_req *r, const char **lang)
{
	int bad = 0;
	const char *v = web_arg(r, "lang", 8, &bad);

	*lang = "auto";
	if (bad || (v != NULL && strcmp(v, "sv") != 0 && strcmp(v, "en") != 0
	    && strcmp(v, "auto") != 0))
		return -1;
	if (v != NULL)
		*lang = v;
	return 0;
}

/* The filters of the request's arguments; 0, or 400 sent (-1 if not). */
static int
filters(struct web_req *r, struct ctl_filter *f, const char **lang,
    size_t *limit, const char **q, int *sent)
{
	const char *v;
	char *end;
	long n;
	int bad = 0;

	*sent = 0;
	ctl_filter_init(f);
	*q = web_arg(r, "q", WEB_NEED_MAX, &bad);
	if (bad)
		goto bad_q;
	/*
	 * A page's ?lang is the page's language, not the need's: an English
	 * page may be asked a Swedish need.  Only the API takes it.
	 */
	*lang = "auto";
	if (strncmp(r->url, "/api/", 5) == 0 && api_lang(r, lang) != 0)
		goto bad_arg;
	if ((v = web_arg(r, "mode", 16, &bad)) != NULL &&
	    ctl_filter_mode(v, &f->mode) != 0)
		goto bad_arg;
	if ((v = web_arg(r, "university", 64, &bad)) != NULL && *v != '\0')
		f->schac = v;
	if ((v = web_arg(r, "after", 10, &bad)) != NULL && *v != '\0') {
		if (ctl_filter_date(v) != 0)
			goto bad_arg;
		f->after = v;
	}
	if ((v = web_arg(r, "before", 10, &bad)) != NULL && *v != '\0') {
		if (ctl_filter_date(v) != 0)
			goto bad_arg;
		f->before = v;
	}
	if ((v = web_arg(r, "level", 2, &bad)) != NULL && *v != '\0') {
		n = strtol(v, &end, 10);
		if (*end != '\0' || n < 1 || n > 8)
			goto bad_arg;
		f->eqf = (uint64_t)n;
	}
	if ((v = web_arg(r, "max_credits", 8, &bad)) != NULL && *v != '\0' &&
	    (ctl_parse_hp(v, &f->max_tenths) != 0 || f->max_tenths == 0))
		goto bad_arg;
	*limit = LIMIT_DEFAULT;
	if ((v = web_arg(r, "limit", 4, &bad)) != NULL && *v != '\0') {
		n = strtol(v, &end, 10);
		if (*end != '\0' || n < 1 || n > LIMIT_MAX)
			goto bad_arg;
		*limit = (size_t)n;
	}
	if (bad)
		goto bad_arg;
	return 0;
bad_q:
	*sent = 1;
	return web_error(r, 400, "the search is longer than %d bytes or not "
	    "UTF-8 text: say it in a few words", WEB_NEED_MAX) == 0 ? 400 : -1;
bad_arg:
	*sent = 1;
	return web_error(r, 400, "a filter is not valid: mode is online, "
	    "campus, blended or any; dates are YYYY-MM-DD; level is 1 to 8; "
	    "lang is sv, en or auto; "
	    "max_credits is credits such as 7.5; limit is 1 to %d",
	    LIMIT_MAX) == 0 ? 400 : -1;
}

/* The catalog without a need: every module the filters allow, in order. */
static json_t *
listing(const struct mt_catalog *cat, const struct ctl_filter *f,
    size_t limit)
{
	json_t *doc = json_object(), *list = json_array(), *h;
	size_t i, total = 0;

	if (doc == NULL || list == NULL ||
	    json_object_set_new(doc, "need", json_string("")) != 0 ||
	    json_object_set_new(doc, "hits", list) != 0) {
		json_decref(doc);
		return NULL;
	}
	for (i = 0; i < cat->n; i++) {
		if (!ctl_filter_passes(&cat->m[i], f))
			continue;
		if (total++ < limit && ((h = ctl_module_hit(&cat->m[i], f)) ==
		    NULL || json_array_append_new(list, h) != 0)) {
			json_decref(doc);
			return NULL;
		}
	}
	if (json_object_set_new(doc, "total", json_integer((json_int_t)total)))
		return json_decref(doc), NULL;
	return doc;
}

int
web_api_catalog_doc(struct web_req *r, struct web_cat *c, json_t **doc,
    unsigned *status)
{
	struct ctl_filter f;
	struct web_tools *t;
	const char *lang, *q;
	size_t limit, nh;
	int sent, rc;

	*doc = NULL;
	*status = 200;
	if ((rc = filters(r, &f, &lang, &limit, &q, &sent)) != 0 || sent)
		return rc < 0 ? -1 : 1;
	if (q == NULL || q[strspn(q, " \t\r\n")] == '\0') {
		*doc = listing(&c->cat, &f, limit);
		return *doc == NULL ? (web_error(r, 503, "out of memory"), 1) : 0;
	}
	if ((t = web_tools_get(r->w, c, &rc)) == NULL)
		return web_error(r, 503, "out of memory: try again") == 0 ? 1 :
		    -1;
	rc = ctl_match_doc(&c->cat, t->an, r->w->dict, t->s, lang, q,
	    strlen(q), &f, limit, doc, &nh);
	web_tools_put(r->w, t);
	if (rc == I40_E_EMPTY) {
		/* Only stopwords ("och", "the"): no search, the listing. */
		*doc = listing(&c->cat, &f, limit);
		if (*doc != NULL)
			json_object_set_new(*doc, "need", json_string(q));
		return *doc == NULL ? (web_error(r, 503, "out of memory"), 1) : 0;
	}
	if (rc != 0)
		return web_error(r, rc == I40_E_UTF8 ? 400 : 503, "%s",
		    rc == I40_E_UTF8 ? "the search is not UTF-8 text" :
		    "the search failed: try again") == 0 ? 1 : -1;
	return 0;
}

int
web_api_catalog(struct web_req *r)
{
	struct web_cat *c;
	unsigned status;
	json_t *doc;
	int rc;

	if ((c = web_cat_get(r->w, &rc)) == NULL)
		return web_error(r, 503, "the catalog is not indexed yet: %s",
		    i40_strerror(rc));
	rc = web_api_catalog_doc(r, c, &doc, &status);
	web_cat_put(r->w, c);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return web_send_json(r, status, doc);
}

static json_t *
strs(const struct codec_bytes *v, uint32_t n)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, ctl_json_strn(v[i].p, v[i].len));
	return a;
}

/* The versions of a module, oldest first, from the store. */
static json_t *
versions(struct web *w, const struct mt_module *m)
{
	uint8_t (*ids)[EV_ID_BYTES] = NULL;
	struct store_event se;
	struct ev_signed e;
	json_t *a = json_array();
	size_t i, n = 0;

	if (a == NULL || store_module_history(w->st, m->author, m->code, &ids,
	    &n) != 0) {
		json_decref(a);
		return json_null();
	}
	for (i = 0; i < n; i++) {
		if (store_get_id(w->st, ids[i], &se) != 0)
			continue;
		if (ev_decode(se.bytes, se.len, NULL, &e, NULL, NULL) == 0)
			json_array_append_new(a, json_pack("{s:o, s:I, s:s, s:I}",
			    "id", ctl_json_hex(ids[i], 32), "seq",
			    (json_int_t)e.h.seq, "type",
			    body_type_name(e.h.type) ? body_type_name(e.h.type)
			    : "?", "time_ms", (json_int_t)e.h.time_ms));
		free(se.bytes);
	}
	free(ids);
	return a;
}

static json_t *
module_json(struct web *w, const struct mt_module *m,
    const struct body_module *b)
{
	json_t *o, *ss = json_array(), *ps = json_array();
	char hp[24];
	uint32_t i;

	for (i = 0; ss != NULL && i < b->nsessions; i++)
		json_array_append_new(ss, json_pack("{s:o, s:o, s:o, s:I}",
		    "start", ctl_json_strn(b->sessions[i].start.p,
		    b->sessions[i].start.len), "end",
		    ctl_json_strn(b->sessions[i].end.p, b->sessions[i].end.len),
		    "mode", ctl_json_strn(b->sessions[i].mode.p,
		    b->sessions[i].mode.len), "seats",
		    (json_int_t)b->sessions[i].seats));
	for (i = 0; ps != NULL && i < b->nprereqs; i++)
		json_array_append_new(ps, json_pack("{s:o, s:o}", "module",
		    ctl_json_strn(b->prereqs[i].code.p, b->prereqs[i].code.len),
		    "university", ctl_json_strn(b->prereqs[i].schac.p,
		    b->prereqs[i].schac.len)));
	ctl_format_hp(b->credits, hp);
	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:I, s:I, s:o, "
	    "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "module", m->code, "university", m->schac,
	    "title_sv", ctl_json_strn(b->title_sv.p, b->title_sv.len),
	    "title_en", ctl_json_strn(b->title_en.p, b->title_en.len),
	    "summary_sv", ctl_json_strn(b->summary_sv.p, b->summary_sv.len),
	    "summary_en", ctl_json_strn(b->summary_en.p, b->summary_en.len),
	    "credits", hp, "hours", (json_int_t)b->hours,
	    "eqf", (json_int_t)b->eqf,
	    "cycle", ctl_json_strn(b->cycle.p, b->cycle.len),
	    "mode", ctl_json_strn(b->mode.p, b->mode.len),
	    "pace", ctl_json_strn(b->pace.p, b->pace.len),
	    "lang", strs(b->lang, b->nlang),
	    "outcomes_sv", strs(b->outcomes_sv, b->noutcomes_sv),
	    "outcomes_en", strs(b->outcomes_en, b->noutcomes_en),
	    "entry_sv", ctl_json_strn(b->entry_sv.p, b->entry_sv.len),
	    "entry_en", ctl_json_strn(b->entry_en.p, b->entry_en.len),
	    "url", ctl_json_strn(b->url.p, b->url.len),
	    "sessions", ss, "prerequisites", ps,
	    "id", ctl_json_hex(m->id, 32),
	    "versions", versions(w, m));
	return o;
}

int
web_api_module_doc(struct web_req *r, struct web_cat *c, const char *schac,
    const char *code, json_t **doc)
{
	struct store_event se;
	struct ev_signed e;
	struct body *b;
	size_t i;
	int rc;

	*doc = NULL;
	if ((i = mt_catalog_find(&c->cat, schac, code)) == SIZE_MAX)
		return I40_E_NOT_FOUND;
	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	if ((rc = store_get_id(r->w->st, c->cat.m[i].id, &se)) != 0) {
		free(b);
		return rc;
	}
	if ((rc = ev_decode(se.bytes, se.len, NULL, &e, b, NULL)) == 0 &&
	    (e.h.type == BODY_MODULE_PUBLISH || e.h.type == BODY_MODULE_UPDATE))
		*doc = module_json(r->w, &c->cat.m[i], &b->u.module);
	else if (rc == 0)
		rc = I40_E_CORRUPT;
	free(se.bytes);
	free(b);
	return rc != 0 ? rc : *doc == NULL ? I40_E_NOMEM : 0;
}

int
web_module_path(const char *rest, char schac[65], char code[33])
{
	const char *slash = strchr(rest, '/');
	size_t sl;

	if (slash == NULL || (sl = (size_t)(slash - rest)) == 0 || sl > 64 ||
	    strlen(slash + 1) == 0 || strlen(slash + 1) > 32 ||
	    strchr(slash + 1, '/') != NULL)
		return -1;
	memcpy(schac, rest, sl);
	schac[sl] = '\0';
	snprintf(code, 33, "%s", slash + 1);
	return 0;
}

int
web_api_module(struct web_req *r, const char *rest)
{
	struct web_cat *c;
	char schac[65], code[33];
	json_t *doc;
	int rc;

	if (web_module_path(rest, schac, code) != 0)
		return web_error(r, 404, "a module is /api/modules/SCHAC/CODE");
	if ((c = web_cat_get(r->w, &rc)) == NULL)
		return web_error(r, 503, "the catalog is not indexed yet");
	rc = web_api_module_doc(r, c, schac, code, &doc);
	web_cat_put(r->w, c);
	if (rc == I40_E_NOT_FOUND)
		return web_error(r, 404, "no current module %s at %s", code,
		    schac);
	if (rc != 0)
		return web_error(r, 503, "cannot read the module: %s",
		    i40_strerror(rc));
	return web_send_json(r, 200, doc);
}

int
web_api_federation_doc(struct web_req *r, json_t **doc)
{
	struct store_member *ms = NULL;
	struct web_view v;
	uint8_t lr[32], sr[32];
	uint64_t age = 0;
	json_t *mem, *peers;
	size_t n = 0, i;
	int rc;

	*doc = NULL;
	if ((rc = store_members(r->w->st, &ms, &n)) != 0)
		return rc;
	if ((rc = web_roots(r->w, lr, sr, &age)) != 0) {
		free(ms);
		return rc;
	}
	web_view_get(r->w, &v);
	mem = json_array();
	for (i = 0; mem != NULL && i < n; i++)
		json_array_append_new(mem, json_pack("{s:s, s:s, s:s, s:s, s:o, "
		    "s:b, s:s, s:I}", "university", ms[i].schac, "name_sv",
		    ms[i].name_sv, "name_en", ms[i].name_en, "role",
		    ms[i].observer ? "observer" : "member", "key",
		    ctl_json_hex(ms[i].key, 32), "active", ms[i].active,
		    "endpoint", ms[i].endpoint, "rotated",
		    (json_int_t)ms[i].rotated));
	free(ms);
	peers = json_array();
	for (i = 0; peers != NULL && i < v.npeers; i++)
		json_array_append_new(peers, json_pack("{s:s, s:s, s:s, s:I, "
		    "s:I, s:o, s:o}", "university", v.peers[i].schac, "key",
		    v.peers[i].hex, "state", v.peers[i].state, "behind",
		    (json_int_t)v.peers[i].behind, "ahead",
		    (json_int_t)v.peers[i].ahead, "last_contact_s",
		    v.peers[i].heard ? json_integer((json_int_t)v.peers[i].last_s)
		    : json_null(), "converged_s", v.peers[i].ever_equal ?
		    json_integer((json_int_t)v.peers[i].converged_s) :
		    json_null()));
	*doc = json_pack("{s:{s:s, s:s, s:s, s:s, s:I, s:I}, s:o, s:o, "
	    "s:{s:o, s:o, s:I}}", "node", "name", v.node, "key", v.selfhex,
	    "signing", v.signing, "why", v.why, "events", (json_int_t)v.events,
	    "authors", (json_int_t)v.authors, "members", mem, "peers", peers,
	    "roots", "log", ctl_json_hex(lr, 32), "state", ctl_json_hex(sr, 32),
	    "age_s", (json_int_t)age);
	return *doc == NULL ? I40_E_NOMEM : 0;
}

int
web_api_federation(struct web_req *r)
{
	json_t *doc;
	int rc;

	if ((rc = web_api_federation_doc(r, &doc)) != 0)
		return web_error(r, 503, "cannot read the federation: %s",
		    i40_strerror(rc));
	return web_send_json(r, 200, doc);
}

int
web_api_verify_doc(struct web_req *r, const char *text, size_t len,
    json_t **doc, char *why, size_t cap)
{
	struct tr_check *res = NULL;
	json_error_t je;
	json_t *tr;
	size_t n = 0;
	int rc;

	*doc = NULL;
	if ((tr = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(why, cap, "not a transcript: line %d, column %d: %s",
		    je.line, je.column, je.text);
		return I40_E_VALUE;
	}
	/* The same decision as `i40ctl verify -d`: genesis and this ledger. */
	if ((rc = tr_verify(tr, r->w->genesis, r->w->glen, r->w->st, &res, &n,
	    why, cap)) == 0 && (*doc = tr_verdicts_json("upload", tr, res, n,
	    1)) == NULL)
		rc = I40_E_NOMEM;
	free(res);
	json_decref(tr);
	return rc;
}

int
web_api_verify(struct web_req *r)
{
	char why[400];
	json_t *doc;
	int rc;

	if (r->multipart)
		return web_error(r, 415, "POST the transcript file itself as the "
		    "body (curl --data-binary @kim.json), or use the form at "
		    "/verify");
	if ((rc = web_api_verify_doc(r, r->body, r->blen, &doc, why,
	    sizeof(why))) != 0)
		return web_error(r, rc == I40_E_NOMEM ? 503 : 422, "%s",
		    rc == I40_E_NOMEM ? "out of memory" : why);
	return web_send_json(r, 200, doc);
}

int
web_plan_limit(const char *v, uint64_t *max, char *why, size_t cap)
{
	char t[16], clip[48];
	size_t n;

	*max = 0;
	if (v == NULL)
		return 0;
	v += strspn(v, " \t");
	for (n = strlen(v); n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
		;
	if (n == 0)
		return 0;		/* blank: no limit */
	if (n < sizeof(t)) {
		memcpy(t, v, n);
		t[n] = '\0';
		if (ctl_match_hp(t, max) == 0)
			return 0;
	}
	snprintf(why, cap, "max_credits `%s': credits (hp) above 0, at most "
	    "1000, such as 7.5, or nothing for no limit", ctl_clip(v, 40, clip,
	    sizeof(clip)));
	return I40_E_VALUE;
}

int
web_api_plan_doc(struct web_req *r, const char *text, size_t len,
    const char *lang, uint64_t max, json_t **doc, char *why, size_t cap)
{
	struct ctl_plan_list *l;
	struct web_tools *t;
	struct web_cat *c;
	struct ctl_filter f;
	size_t uncovered;
	int rc;

	*doc = NULL;
	/* A bad list is refused before a catalog is taken for it. */
	if ((rc = ctl_plan_read(text, len, &l, why, cap)) != 0)
		return rc;
	if ((c = web_cat_get(r->w, &rc)) == NULL) {
		ctl_plan_list_free(l);
		snprintf(why, cap, "the catalog is not indexed yet: %s",
		    i40_strerror(rc));
		return rc == I40_E_VALUE ? I40_E_CORRUPT : rc;
	}
	if ((t = web_tools_get(r->w, c, &rc)) == NULL) {
		web_cat_put(r->w, c);
		ctl_plan_list_free(l);
		snprintf(why, cap, "out of memory: try again");
		return I40_E_NOMEM;
	}
	ctl_filter_init(&f);		/* for today's date */
	rc = ctl_plan_make(l, &c->cat, t->an, r->w->dict, t->s, lang, max,
	    f.today, doc, &uncovered, why, cap);
	web_tools_put(r->w, t);
	web_cat_put(r->w, c);
	ctl_plan_list_free(l);
	return rc;
}

int
web_api_plan(struct web_req *r)
{
	const char *lang, *v;
	char why[512];
	uint64_t max;
	json_t *doc;
	int bad = 0, rc;

	if (r->multipart)
		return web_error(r, 415, "POST the list itself as the body "
		    "(curl --data-binary @needs.txt), or use the form at /plan");
	if (api_lang(r, &lang) != 0)
		return web_error(r, 400, "lang: sv, en or auto (the needs' "
		    "language; auto guesses it line by line)");
	v = web_arg(r, "max_credits", 64, &bad);
	if (bad)
		return web_error(r, 400, "max_credits: credits (hp) such as "
		    "7.5");
	if (web_plan_limit(v, &max, why, sizeof(why)) != 0)
		return web_error(r, 400, "%s", why);
	/* The same plan as `i40ctl plan --json` of this node. */
	if ((rc = web_api_plan_doc(r, r->body, r->blen, lang, max, &doc, why,
	    sizeof(why))) != 0)
		return web_error(r, rc == I40_E_VALUE ? 422 : rc ==
		    I40_E_NOMEM ? 503 : 500, "%s", why);
	return web_send_json(r, 200, doc);
}
