/*
 * web_plan.c: the company's plan page, /plan (docs/web.md, "Pages"): a
 * list of needs pasted into a form, the programme shown.  The page
 * renders what /api/plan answers (web_api_plan_doc), which is what
 * `i40ctl plan --json` prints on this node (tools/ctl_plan.c).
 *
 * The list is the visitor's own and is only echoed back to them: it is
 * not kept, logged or counted beyond the answer's status.
 */
#include "daemon/web_int.h"

#include <stdio.h>
#include <string.h>

#include "protocol/codec.h"
#include "tools/ctl_plan.h"

static void
module_link(struct web_req *r, struct wbuf *b, const char *schac,
    const char *code, const char *text)
{
	wb_puts(b, "<a href=\"/module/");
	wb_url(b, schac);
	wb_puts(b, "/");
	wb_url(b, code);
	wb_printf(b, "%s\">", r->en ? "?lang=en" : "");
	wb_html(b, text);
	wb_puts(b, "</a>");
}

static void
modules_html(struct web_req *r, struct wbuf *b, const json_t *doc)
{
	const json_t *m, *x, *nx;
	const char *t;
	size_t i, j;

	wb_printf(b, "<h2>%s</h2><ol class=\"plan\">", TR(r, "Programmet, i "
	    "ordning", "The programme, in order"));
	json_array_foreach(json_object_get(doc, "modules"), i, m) {
		t = JS(m, r->en ? "title_en" : "title_sv");
		if (*t == '\0')
			t = JS(m, r->en ? "title_sv" : "title_en");
		wb_puts(b, "<li><p>");
		module_link(r, b, JS(m, "university"), JS(m, "module"), t);
		wb_puts(b, " <span class=\"meta\">");
		wb_html(b, JS(m, "module"));
		wb_puts(b, " · ");
		wb_html(b, JS(m, "university"));
		wb_printf(b, " · %s hp", JS(m, "credits"));
		if (json_is_object(nx = json_object_get(m, "next"))) {
			wb_printf(b, " · %s ", TR(r, "nästa start",
			    "next start"));
			wb_html(b, JS(nx, "start"));
			wb_puts(b, " ");
			wb_html(b, JS(nx, "mode"));
		}
		wb_puts(b, "</span></p>");
		json_array_foreach(json_object_get(m, "after"), j, x) {
			wb_puts(b, j ? ", " : TR(r, "<p>Efter ", "<p>After "));
			wb_html(b, JS(x, "module"));
		}
		wb_puts(b, j ? ".</p>" : "");
		json_array_foreach(json_object_get(m, "missing_prereqs"), j, x) {
			wb_printf(b, "<p class=\"bad\">%s ", TR(r, "Kräver",
			    "Requires"));
			wb_html(b, JS(x, "module"));
			wb_puts(b, " (");
			wb_html(b, JS(x, "university"));
			wb_printf(b, "), %s</p>", TR(r, "som katalogen inte "
			    "erbjuder: se modulens behörighetskrav.", "which "
			    "this catalogue does not offer: check the module's "
			    "entry requirements."));
		}
		json_array_foreach(json_object_get(m, "for_lines"), j, x) {
			wb_puts(b, j ? "; " : TR(r, "<p>För: ", "<p>For: "));
			wb_html(b, ctl_plan_need_at(doc, json_integer_value(x)));
		}
		wb_puts(b, j ? "</p>" : TR(r, "<p>Förkunskap för en senare "
		    "modul.</p>", "<p>A prerequisite of a later module.</p>"));
		wb_puts(b, "</li>");
	}
	wb_puts(b, "</ol>");
}

static void
state_html(struct web_req *r, struct wbuf *b, const json_t *n)
{
	const char *s = JS(n, "state");

	if (strcmp(s, "covered") == 0) {
		wb_printf(b, "<td class=\"ok\">%s ", TR(r, "✓ täcks av",
		    "✓ covered by"));
		wb_html(b, JS(n, "module"));
	} else if (strcmp(s, "over_limit") == 0) {
		wb_printf(b, "<td class=\"bad\">%s", TR(r, "✗ ryms inte inom "
		    "gränsen", "✗ not within the limit"));
		if (json_is_string(json_object_get(n, "would_take"))) {
			wb_puts(b, TR(r, " (", " ("));
			wb_html(b, JS(n, "would_take"));
			wb_printf(b, " %s %s hp)", TR(r, "skulle täcka det för",
			    "would cover it for"), JS(n, "would_cost"));
		}
	} else
		wb_printf(b, "<td class=\"bad\">%s", TR(r, "✗ ingen modul i "
		    "katalogen matchar det mesta av det", "✗ no module in this "
		    "catalogue matches most of it"));
	wb_puts(b, "</td>");
}

static void
needs_html(struct web_req *r, struct wbuf *b, const json_t *doc)
{
	const json_t *n, *e, *x;
	size_t i, j;

	wb_printf(b, "<h2>%s</h2><table><tr><th>%s</th><th>%s</th><th>%s</th>"
	    "</tr>", TR(r, "Behoven", "The needs"), TR(r, "Rad", "Line"),
	    TR(r, "Behov", "Need"), TR(r, "Utfall", "Outcome"));
	json_array_foreach(json_object_get(doc, "needs"), i, n) {
		wb_printf(b, "<tr><td>%lld</td><td>", (long long)
		    json_integer_value(json_object_get(n, "line")));
		wb_html(b, JS(n, "need"));
		wb_puts(b, "</td>");
		state_html(r, b, n);
		wb_puts(b, "</tr>");
	}
	wb_puts(b, "</table>");
	if (json_array_size(json_object_get(doc, "employees")) == 0)
		return;
	wb_printf(b, "<h2>%s</h2><table><tr><th>%s</th><th>%s</th><th>hp</th>"
	    "<th>%s</th></tr>", TR(r, "Per anställd", "Per employee"),
	    TR(r, "Namn", "Name"), TR(r, "Moduler", "Modules"), TR(r,
	    "Inte täckt (rad)", "Not covered (line)"));
	json_array_foreach(json_object_get(doc, "employees"), i, e) {
		wb_puts(b, "<tr><td>");
		wb_html(b, JS(e, "name"));
		wb_puts(b, "</td><td>");
		json_array_foreach(json_object_get(e, "modules"), j, x) {
			wb_puts(b, j ? ", " : "");
			wb_html(b, web_str(x));
		}
		wb_printf(b, "</td><td>%s</td><td>", JS(e, "credits"));
		json_array_foreach(json_object_get(e, "uncovered"), j, x)
			wb_printf(b, "%s%lld", j ? ", " : "", (long long)
			    json_integer_value(json_object_get(x, "line")));
		wb_puts(b, "</td></tr>");
	}
	wb_puts(b, "</table>");
}

static void
summary_html(struct web_req *r, struct wbuf *b, const json_t *doc)
{
	const json_t *n;
	size_t i, nc = 0;

	json_array_foreach(json_object_get(doc, "needs"), i, n)
		nc += strcmp(JS(n, "state"), "covered") == 0;
	wb_printf(b, "<p role=\"status\">%s %zu %s, %s hp, %s %zu %s %zu %s",
	    TR(r, "Programmet:", "The programme:"), json_array_size(
	    json_object_get(doc, "modules")), TR(r, "moduler", "modules"),
	    JS(doc, "credits"), TR(r, "täcker", "covering"), nc, TR(r, "av",
	    "of"), json_array_size(json_object_get(doc, "needs")),
	    TR(r, "behov", "needs"));
	if (json_is_string(json_object_get(doc, "max_credits")))
		wb_printf(b, " (%s %s hp %s)", TR(r, "högst", "at most"),
		    JS(doc, "max_credits"), json_array_size(json_object_get(
		    doc, "employees")) ? TR(r, "per person", "each") :
		    TR(r, "totalt", "in all"));
	wb_puts(b, ".</p>");
}

static void
form_html(struct web_req *r, struct wbuf *b)
{
	const char *max = r->post && !r->max_bad ? r->max_credits : NULL;

	/* multipart: a urlencoded list of åäö grows sixfold past the bound. */
	wb_printf(b, "<form action=\"/plan%s\" method=\"post\" enctype=\""
	    "multipart/form-data\"><p><label "
	    "for=\"needs\">%s</label><br><textarea id=\"needs\" name=\"needs\" "
	    "rows=\"10\" cols=\"70\" aria-describedby=\"needs-help\">\n",
	    r->en ? "?lang=en" : "", TR(r, "Behoven, ett per rad",
	    "The needs, one per line"));
	/*
	 * What the visitor sent, to be mended: theirs, shown to them only.
	 * The newline above is the one HTML drops after <textarea>, so a
	 * list's own first empty line, and its line numbers, stay.
	 */
	if (r->post && codec_utf8_valid((const uint8_t *)r->body, r->blen))
		wb_html(b, r->body);
	wb_printf(b, "</textarea></p><p id=\"needs-help\" class=\"meta\">%s "
	    "<code>%s</code></p><p><label for=\"max_credits\">%s</label><br>"
	    "<input id=\"max_credits\" name=\"max_credits\" type=\"text\" "
	    "size=\"4\" inputmode=\"decimal\" value=\"", TR(r, "Varje rad: "
	    "behov | vikt | anställda, där vikt och anställda kan utelämnas. "
	    "Till exempel:", "Each line: need | weight | employees, where "
	    "weight and employees may be left out. For example:"), TR(r,
	    "robotprogrammering för svetsceller | 3 | Anna Berg, Bo Ek",
	    "robot programming for welding cells | 3 | Anna Berg, Bo Ek"),
	    TR(r, "Högst hp per person (tomt: ingen gräns)",
	    "At most credits each (empty: no limit)"));
	if (max != NULL && codec_utf8_valid((const uint8_t *)max, strlen(max)))
		wb_html(b, max);
	wb_printf(b, "\"></p><p><button type=\"submit\">%s</button></p>"
	    "</form><p>%s</p>", TR(r, "Gör planen", "Make the plan"),
	    TR(r, "Planen görs av den här nodens katalog. Listan sparas inte.",
	    "The plan is made from this node's catalogue. The list is not "
	    "kept."));
}

int
web_page_plan(struct web_req *r)
{
	struct wbuf b;
	json_t *doc = NULL;
	char why[512];
	uint64_t max = 0;
	int rc = 0;

	wb_init(&b);
	web_page_top(r, &b, TR(r, "Företagets plan", "A company's plan"),
	    "/plan");
	if (r->post) {
		if (r->max_bad) {
			snprintf(why, sizeof(why), "the credit limit is given "
			    "twice, longer than 15 characters, or not text");
			rc = I40_E_VALUE;
		} else if ((rc = web_plan_limit(r->max_credits, &max, why,
		    sizeof(why))) == 0)
			rc = web_api_plan_doc(r, r->body, r->blen, "auto", max,
			    &doc, why, sizeof(why));
		if (rc != 0) {
			web_page_alert(&b, TR(r, "Listan gick inte att planera:",
			    "The list could not be planned:"), why);
		} else {
			summary_html(r, &b, doc);
			modules_html(r, &b, doc);
			needs_html(r, &b, doc);
		}
		json_decref(doc);
	}
	form_html(r, &b);
	return web_page_finish(r, &b, rc == 0 ? 200 : rc == I40_E_VALUE ?
	    422 : rc == I40_E_NOMEM ? 503 : 500);
}
