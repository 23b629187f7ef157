/*
 * web_page.c: the HTML pages of the web face (docs/web.md, "Pages"):
 * server-rendered, no JavaScript, one stylesheet, in Swedish or English.
 * Each page renders the object its /api/ twin answers (web_api.c).
 *
 * Accessibility: every control has a <label>, the language is set on
 * <html>, the colours pass WCAG AA contrast, links and buttons are plain
 * elements that the keyboard reaches in reading order, and verdicts say
 * "verified"/"refused" in words, not by colour alone.
 */
#include "daemon/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ctl.h"
#include "tools/ctl_match.h"

const char *
web_str(const json_t *v)
{
	const char *s = json_string_value(v);

	return s != NULL ? s : "";
}

static const char css[] =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;"
    "padding:0 1rem;color:#1a1a1a;background:#fff;line-height:1.5}\n"
    "header{border-bottom:2px solid #004b87;margin-bottom:1rem}\n"
    "header a{color:#004b87}nav a{margin-right:1rem}\n"
    "a{color:#00528c}a:focus,button:focus,input:focus,select:focus,"
    "textarea:focus{outline:3px solid #f0a500}\n"
    "form.search{display:flex;flex-wrap:wrap;gap:.5rem 1rem;"
    "align-items:end}\nform.search div{display:flex;flex-direction:column}\n"
    "label{font-weight:600}input,select,textarea,button{font:inherit}\n"
    "button{background:#004b87;color:#fff;border:0;padding:.4rem 1rem}\n"
    ".hit{border-bottom:1px solid #ccc;padding:.5rem 0}\n"
    ".meta{color:#444}.ok{color:#0b6b1d;font-weight:700}"
    ".bad{color:#a4161a;font-weight:700}\n"
    "table{border-collapse:collapse}td,th{border:1px solid #bbb;"
    "padding:.2rem .5rem;text-align:left}\ncode{word-break:break-all}\n";

int
web_page_css(struct web_req *r)
{
	struct wbuf b;

	wb_init(&b);
	wb_puts(&b, css);
	return web_send(r, 200, "text/css; charset=utf-8", &b);
}

void
web_page_top(struct web_req *r, struct wbuf *b, const char *title, const char *self)
{
	wb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset="
	    "\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>", r->en ? "en" : "sv");
	wb_html(b, title);
	wb_puts(b, " – Ingenjör4.0</title><link rel=\"stylesheet\" "
	    "href=\"/style.css\"></head><body><header><p><a href=\"/");
	wb_puts(b, r->en ? "?lang=en" : "");
	wb_printf(b, "\">Ingenjör4.0</a> — %s</p><nav aria-label=\"%s\">",
	    TR(r, "nationell kurskatalog", "national course catalogue"),
	    TR(r, "Meny", "Menu"));
	wb_printf(b, "<a href=\"/%s\">%s</a>", r->en ? "?lang=en" : "",
	    TR(r, "Katalog", "Catalogue"));
	wb_printf(b, "<a href=\"/plan%s\">%s</a>", r->en ? "?lang=en" : "",
	    TR(r, "Företagets plan", "A company's plan"));
	wb_printf(b, "<a href=\"/verify%s\">%s</a>", r->en ? "?lang=en" : "",
	    TR(r, "Verifiera ett intyg", "Verify a transcript"));
	wb_printf(b, "<a href=\"/federation%s\">%s</a>", r->en ? "?lang=en" :
	    "", TR(r, "Federationen", "Federation"));
	wb_puts(b, "<a href=\"");
	wb_html(b, self);
	wb_printf(b, "%slang=%s\" lang=\"%s\">%s</a></nav></header><main>",
	    strchr(self, '?') != NULL ? "&amp;" : "?", r->en ? "sv" : "en",
	    r->en ? "sv" : "en", r->en ? "På svenska" : "In English");
	wb_puts(b, "<h1>");
	wb_html(b, title);
	wb_puts(b, "</h1>");
}

int
web_page_finish(struct web_req *r, struct wbuf *b, unsigned status)
{
	wb_puts(b, "</main></body></html>\n");
	return web_send(r, status, "text/html; charset=utf-8", b);
}

void
web_page_alert(struct wbuf *b, const char *what, const char *why)
{
	wb_printf(b, "<p class=\"bad\" role=\"alert\">%s ", what);
	wb_html(b, why);
	wb_puts(b, "</p>");
}

int
web_page_error(struct web_req *r, unsigned status, const char *msg)
{
	struct wbuf b;

	wb_init(&b);
	web_page_top(r, &b, status == 404 ? TR(r, "Sidan finns inte", "Not found") :
	    TR(r, "Det gick inte", "That did not work"), "/");
	wb_puts(&b, "<p>");
	wb_html(&b, msg);
	wb_printf(&b, " (HTTP %u)</p>", status);
	return web_page_finish(r, &b, status);
}

/* A text field of the search form, with its label. */
static void
field(struct web_req *r, struct wbuf *b, const char *name, const char *type,
    const char *label, const char *extra)
{
	int bad = 0;
	const char *v = web_arg(r, name, WEB_NEED_MAX, &bad);

	wb_printf(b, "<div><label for=\"%s\">%s</label><input id=\"%s\" "
	    "name=\"%s\" type=\"%s\" %s value=\"", name, label, name, name,
	    type, extra);
	wb_html(b, v != NULL ? v : "");
	wb_puts(b, "\"></div>");
}

static void
option(struct wbuf *b, const char *value, const char *text, const char *cur)
{
	wb_puts(b, "<option value=\"");
	wb_html(b, value);
	wb_printf(b, "\"%s>", cur != NULL && strcmp(cur, value) == 0 ?
	    " selected" : "");
	wb_html(b, text);
	wb_puts(b, "</option>");
}

static void
search_form(struct web_req *r, struct wbuf *b, const struct mt_catalog *cat)
{
	static const char *const modes[][3] = { { "", "alla", "any" },
		{ "online", "distans", "online" },
		{ "campus", "på plats", "on campus" },
		{ "blended", "kombinerad", "blended" } };
	const char *u, *m, *l;
	char lv[2] = "1";
	size_t i, j;
	int bad = 0;

	u = web_arg(r, "university", 64, &bad);
	m = web_arg(r, "mode", 16, &bad);
	l = web_arg(r, "level", 2, &bad);
	wb_printf(b, "<form class=\"search\" action=\"/\" method=\"get\" "
	    "role=\"search\">");
	if (r->en)
		wb_puts(b, "<input type=\"hidden\" name=\"lang\" value=\"en\">");
	field(r, b, "q", "search", TR(r, "Vad vill du lära dig?",
	    "What do you want to learn?"), "size=\"40\"");
	wb_printf(b, "<div><label for=\"university\">%s</label><select "
	    "id=\"university\" name=\"university\">", TR(r, "Lärosäte",
	    "University"));
	option(b, "", TR(r, "alla", "any"), u);
	for (i = 0; i < cat->n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(cat->m[j].schac, cat->m[i].schac) == 0)
				break;
		if (j == i)
			option(b, cat->m[i].schac, cat->m[i].schac, u);
	}
	wb_printf(b, "</select></div><div><label for=\"mode\">%s</label>"
	    "<select id=\"mode\" name=\"mode\">", TR(r, "Form", "Mode"));
	for (i = 0; i < 4; i++)
		option(b, modes[i][0], modes[i][r->en ? 2 : 1], m);
	wb_printf(b, "</select></div><div><label for=\"level\">%s</label>"
	    "<select id=\"level\" name=\"level\">", TR(r, "Nivå (EQF)",
	    "Level (EQF)"));
	option(b, "", TR(r, "alla", "any"), l);
	for (lv[0] = '1'; lv[0] <= '8'; lv[0]++)
		option(b, lv, lv, l);
	wb_puts(b, "</select></div>");
	field(r, b, "after", "date", TR(r, "Startar tidigast", "Starts from"),
	    "");
	field(r, b, "max_credits", "text", TR(r, "Högst hp", "At most credits"),
	    "size=\"4\" inputmode=\"decimal\"");
	wb_printf(b, "<div><button type=\"submit\">%s</button></div></form>",
	    TR(r, "Sök", "Search"));
}

static void
hit_html(struct web_req *r, struct wbuf *b, const json_t *h)
{
	const char *t = JS(h, r->en ? "title_en" : "title_sv");
	const json_t *nx = json_object_get(h, "next"), *why, *w;
	size_t i;

	if (*t == '\0')
		t = JS(h, r->en ? "title_sv" : "title_en");
	wb_puts(b, "<div class=\"hit\"><h2><a href=\"/module/");
	wb_url(b, JS(h, "university"));
	wb_puts(b, "/");
	wb_url(b, JS(h, "module"));
	wb_printf(b, "%s\">", r->en ? "?lang=en" : "");
	wb_html(b, t);
	wb_puts(b, "</a></h2><p class=\"meta\">");
	wb_html(b, JS(h, "module"));
	wb_puts(b, " · ");
	wb_html(b, JS(h, "university"));
	wb_printf(b, " · %s hp · EQF %lld · ", JS(h, "credits"),
	    (long long)json_integer_value(json_object_get(h, "eqf")));
	wb_html(b, JS(h, "mode"));
	if (json_is_object(nx)) {
		wb_printf(b, " · %s ", TR(r, "nästa start", "next start"));
		wb_html(b, JS(nx, "start"));
	}
	wb_puts(b, "</p>");
	if (json_array_size(why = json_object_get(h, "why")) > 0) {
		wb_printf(b, "<p class=\"meta\">%s: ", TR(r, "träffar",
		    "matched"));
		json_array_foreach(why, i, w) {
			wb_puts(b, i ? ", " : "");
			wb_html(b, JS(w, "word"));
		}
		wb_puts(b, "</p>");
	}
	wb_puts(b, "</div>");
}

int
web_page_catalog(struct web_req *r)
{
	struct web_cat *c;
	struct wbuf b;
	unsigned status;
	json_t *doc, *h, *dym;
	size_t i;
	int rc;

	if ((c = web_cat_get(r->w, &rc)) == NULL)
		return web_page_error(r, 503, TR(r, "Katalogen är inte "
		    "indexerad än: försök igen om en stund.", "The catalogue is "
		    "not indexed yet: try again in a moment."));
	if ((rc = web_api_catalog_doc(r, c, &doc, &status)) != 0) {
		web_cat_put(r->w, c);
		return rc < 0 ? -1 : 0;
	}
	wb_init(&b);
	web_page_top(r, &b, TR(r, "Kurskatalog", "Course catalogue"), "/");
	search_form(r, &b, &c->cat);
	web_cat_put(r->w, c);
	if (JS(doc, "need")[0] == '\0')
		wb_printf(&b, "<p>%lld %s</p>", (long long)json_integer_value(
		    json_object_get(doc, "total")), TR(r, "moduler",
		    "modules"));
	else if (json_array_size(json_object_get(doc, "hits")) == 0) {
		wb_printf(&b, "<p>%s", TR(r, "Ingen modul matchar.",
		    "No module matches."));
		dym = json_object_get(doc, "did_you_mean");
		json_array_foreach(dym, i, h) {
			wb_printf(&b, "%s", i ? ", " : TR(r, " Menade du: ",
			    " Did you mean: "));
			wb_html(&b, web_str(h));
		}
		wb_puts(&b, "</p>");
	}
	wb_printf(&b, "<section aria-label=\"%s\">", TR(r, "Resultat",
	    "Results"));
	json_array_foreach(json_object_get(doc, "hits"), i, h)
		hit_html(r, &b, h);
	wb_puts(&b, "</section>");
	json_decref(doc);
	return web_page_finish(r, &b, status);
}

static void
list_html(struct wbuf *b, const json_t *a)
{
	const json_t *v;
	size_t i;

	wb_puts(b, "<ul>");
	json_array_foreach(a, i, v) {
		wb_puts(b, "<li>");
		wb_html(b, web_str(v));
		wb_puts(b, "</li>");
	}
	wb_puts(b, "</ul>");
}

int
web_page_module(struct web_req *r, const char *rest)
{
	struct web_cat *c;
	struct wbuf b;
	char schac[65] = "", code[33] = "";
	const json_t *v, *a;
	json_t *doc = NULL;
	const char *t, *sum;
	size_t i;
	int rc = I40_E_NOT_FOUND;

	if (web_module_path(rest, schac, code) == 0) {
		if ((c = web_cat_get(r->w, &rc)) == NULL)
			return web_page_error(r, 503, TR(r, "Katalogen är inte "
			    "indexerad än.", "The catalogue is not indexed yet."));
		rc = web_api_module_doc(r, c, schac, code, &doc);
		web_cat_put(r->w, c);
	}
	if (rc != 0)
		return web_page_error(r, rc == I40_E_NOT_FOUND ? 404 : 503,
		    rc == I40_E_NOT_FOUND ? TR(r, "Ingen sådan modul i katalogen.",
		    "No such module in the catalogue.") : i40_strerror(rc));
	t = JS(doc, r->en ? "title_en" : "title_sv");
	if (*t == '\0')
		t = JS(doc, r->en ? "title_sv" : "title_en");
	sum = JS(doc, r->en ? "summary_en" : "summary_sv");
	if (*sum == '\0')
		sum = JS(doc, r->en ? "summary_sv" : "summary_en");
	wb_init(&b);
	{
		struct wbuf self;

		wb_init(&self);
		wb_puts(&self, "/module/");
		wb_url(&self, schac);
		wb_puts(&self, "/");
		wb_url(&self, code);
		web_page_top(r, &b, t, self.p != NULL ? self.p : "/");
		wb_free(&self);
	}
	wb_puts(&b, "<p class=\"meta\">");
	wb_html(&b, JS(doc, "module"));
	wb_puts(&b, " · ");
	wb_html(&b, JS(doc, "university"));
	wb_printf(&b, " · %s hp · %lld %s · EQF %lld · ", JS(doc, "credits"),
	    (long long)json_integer_value(json_object_get(doc, "hours")),
	    TR(r, "timmar", "hours"),
	    (long long)json_integer_value(json_object_get(doc, "eqf")));
	wb_html(&b, JS(doc, "mode"));
	wb_puts(&b, " · ");
	wb_html(&b, JS(doc, "pace"));
	wb_puts(&b, "</p><p>");
	wb_html(&b, sum);
	wb_printf(&b, "</p><h2>%s</h2>", TR(r, "Lärandemål",
	    "Learning outcomes"));
	a = json_object_get(doc, r->en ? "outcomes_en" : "outcomes_sv");
	if (json_array_size(a) == 0)
		a = json_object_get(doc, r->en ? "outcomes_sv" : "outcomes_en");
	list_html(&b, a);
	wb_printf(&b, "<h2>%s</h2><table><tr><th>%s</th><th>%s</th>"
	    "<th>%s</th></tr>", TR(r, "Kurstillfällen", "Sessions"),
	    TR(r, "Start", "Start"), TR(r, "Slut", "End"), TR(r, "Form",
	    "Mode"));
	json_array_foreach(json_object_get(doc, "sessions"), i, v) {
		wb_puts(&b, "<tr><td>");
		wb_html(&b, JS(v, "start"));
		wb_puts(&b, "</td><td>");
		wb_html(&b, JS(v, "end"));
		wb_puts(&b, "</td><td>");
		wb_html(&b, JS(v, "mode"));
		wb_puts(&b, "</td></tr>");
	}
	wb_puts(&b, "</table>");
	if (json_array_size(json_object_get(doc, "prerequisites")) > 0) {
		wb_printf(&b, "<h2>%s</h2><ul>", TR(r, "Förkunskaper",
		    "Prerequisites"));
		json_array_foreach(json_object_get(doc, "prerequisites"), i, v) {
			wb_puts(&b, "<li><a href=\"/module/");
			wb_url(&b, JS(v, "university"));
			wb_puts(&b, "/");
			wb_url(&b, JS(v, "module"));
			wb_puts(&b, "\">");
			wb_html(&b, JS(v, "module"));
			wb_puts(&b, "</a> (");
			wb_html(&b, JS(v, "university"));
			wb_puts(&b, ")</li>");
		}
		wb_puts(&b, "</ul>");
	}
	wb_printf(&b, "<h2>%s</h2><ol>", TR(r, "Versioner", "Versions"));
	json_array_foreach(json_object_get(doc, "versions"), i, v) {
		wb_printf(&b, "<li>%s, seq %lld, <code>%.16s</code></li>",
		    JS(v, "type"), (long long)json_integer_value(
		    json_object_get(v, "seq")), JS(v, "id"));
	}
	wb_puts(&b, "</ol>");
	json_decref(doc);
	return web_page_finish(r, &b, 200);
}

int
web_page_verify(struct web_req *r)
{
	struct wbuf b;
	json_t *doc = NULL, *v;
	char why[400];
	size_t i;
	int rc = 0;

	wb_init(&b);
	web_page_top(r, &b, TR(r, "Verifiera ett intyg", "Verify a transcript"),
	    "/verify");
	if (r->post) {
		rc = web_api_verify_doc(r, r->body, r->blen, &doc, why,
		    sizeof(why));
		if (rc != 0) {
			web_page_alert(&b, TR(r, "Filen kunde inte verifieras:",
			    "The file could not be verified:"), why);
		} else {
			char hp[24];

			ctl_format_hp((uint64_t)json_integer_value(
			    json_object_get(doc, "credits")), hp);
			wb_printf(&b, "<p role=\"status\">%lld %s %lld %s, %s "
			    "hp. %s <code>%s</code></p><table><tr><th>#</th>"
			    "<th>%s</th><th>%s</th><th>hp</th></tr>",
			    (long long)json_integer_value(json_object_get(doc,
			    "verified")), TR(r, "av", "of"),
			    (long long)json_integer_value(json_object_get(doc,
			    "entries")), TR(r, "poster verifierade",
			    "entries verified"), hp, TR(r, "Verifieringskod:",
			    "Verification code:"), JS(doc, "code"),
			    TR(r, "Modul", "Module"), TR(r, "Utfall", "Verdict"));
			json_array_foreach(json_object_get(doc, "verdicts"), i,
			    v) {
				int ok = json_is_true(json_object_get(v,
				    "verified"));

				wb_printf(&b, "<tr><td>%lld</td><td>",
				    (long long)json_integer_value(
				    json_object_get(v, "entry")));
				wb_html(&b, JS(v, "module"));
				wb_printf(&b, "</td><td class=\"%s\">%s",
				    ok ? "ok" : "bad", ok ? TR(r, "✓ verifierad",
				    "✓ verified") : TR(r, "✗ avvisad: ",
				    "✗ refused: "));
				if (!ok)
					wb_html(&b, JS(v, "reason"));
				ctl_format_hp((uint64_t)json_integer_value(
				    json_object_get(v, "credits")), hp);
				wb_printf(&b, "</td><td>%s</td></tr>", hp);
			}
			wb_puts(&b, "</table>");
		}
		json_decref(doc);
	}
	wb_printf(&b, "<form action=\"/verify%s\" method=\"post\" "
	    "enctype=\"multipart/form-data\"><p><label for=\"file\">%s"
	    "</label><br><input id=\"file\" name=\"file\" type=\"file\" "
	    "accept=\".json,application/json\"></p><p><label for="
	    "\"transcript\">%s</label><br><textarea id=\"transcript\" "
	    "name=\"transcript\" rows=\"8\" cols=\"70\"></textarea></p>"
	    "<p><button type=\"submit\">%s</button></p></form><p>%s</p>",
	    r->en ? "?lang=en" : "", TR(r, "Intygsfil (JSON från i40ctl "
	    "transcript)", "Transcript file (JSON from i40ctl transcript)"),
	    TR(r, "eller klistra in den", "or paste it"), TR(r, "Verifiera",
	    "Verify"), TR(r, "Filen kontrolleras mot federationens genesis och "
	    "den här nodens liggare och sparas inte.", "The file is checked "
	    "against the federation's genesis and this node's ledger, and is "
	    "not kept."));
	return web_page_finish(r, &b, r->post && rc != 0 ? 422 : 200);
}

int
web_page_federation(struct web_req *r)
{
	struct wbuf b;
	json_t *doc;
	const json_t *v, *nd, *rt;
	size_t i;
	int rc;

	if ((rc = web_api_federation_doc(r, &doc)) != 0)
		return web_page_error(r, 503, i40_strerror(rc));
	wb_init(&b);
	web_page_top(r, &b, TR(r, "Federationen", "The federation"), "/federation");
	nd = json_object_get(doc, "node");
	rt = json_object_get(doc, "roots");
	wb_printf(&b, "<p>%s <strong>", TR(r, "Den här noden:", "This node:"));
	wb_html(&b, JS(nd, "name"));
	wb_printf(&b, "</strong>, %lld %s, %s: ", (long long)
	    json_integer_value(json_object_get(nd, "events")), TR(r, "händelser",
	    "events"), TR(r, "signerar", "signing"));
	wb_html(&b, JS(nd, "signing"));
	wb_printf(&b, "</p><p>%s <code>%s</code><br>%s <code>%s</code></p>",
	    TR(r, "Loggrot:", "Log root:"), JS(rt, "log"),
	    TR(r, "Tillståndsrot:", "State root:"), JS(rt, "state"));
	wb_printf(&b, "<h2>%s</h2><table><tr><th>%s</th><th>%s</th><th>%s"
	    "</th></tr>", TR(r, "Medlemmar", "Members"), TR(r, "Lärosäte",
	    "University"), TR(r, "Roll", "Role"), TR(r, "Status", "State"));
	json_array_foreach(json_object_get(doc, "members"), i, v) {
		wb_puts(&b, "<tr><td>");
		wb_html(&b, JS(v, r->en ? "name_en" : "name_sv"));
		wb_puts(&b, " (");
		wb_html(&b, JS(v, "university"));
		wb_printf(&b, ")</td><td>%s</td><td>%s</td></tr>", JS(v, "role"),
		    json_is_true(json_object_get(v, "active")) ? TR(r, "aktiv",
		    "active") : TR(r, "borttagen", "removed"));
	}
	wb_printf(&b, "</table><h2>%s</h2><table><tr><th>%s</th><th>%s</th>"
	    "<th>%s</th><th>%s</th></tr>", TR(r, "Nodens förbindelser",
	    "This node's peers"), TR(r, "Lärosäte", "University"),
	    TR(r, "Länk", "Link"), TR(r, "Saknas här", "Behind"),
	    TR(r, "Senaste kontakt (s)", "Last contact (s)"));
	json_array_foreach(json_object_get(doc, "peers"), i, v) {
		wb_puts(&b, "<tr><td>");
		wb_html(&b, JS(v, "university"));
		wb_printf(&b, "</td><td>%s</td><td>%lld</td><td>", JS(v, "state"),
		    (long long)json_integer_value(json_object_get(v, "behind")));
		if (json_is_integer(json_object_get(v, "last_contact_s")))
			wb_printf(&b, "%lld", (long long)json_integer_value(
			    json_object_get(v, "last_contact_s")));
		else
			wb_puts(&b, "–");
		wb_puts(&b, "</td></tr>");
	}
	wb_puts(&b, "</table>");
	json_decref(doc);
	return web_page_finish(r, &b, 200);
}
