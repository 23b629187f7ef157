/*
 * transcript_show.c: a transcript for people, as lines with a style
 * (tr_render, transcript.h).  The text form and the PDF draw the same
 * lines, so what a learner prints and what they attach say the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "transcript.h"

static const char *
sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static void
entry(const json_t *e, tr_line_fn fn, void *arg, uint64_t *total,
    size_t *counted)
{
	const json_t *s = json_object_get(e, "summary"), *l;
	const json_t *u = json_object_get(s, "university");
	uint64_t credits = (uint64_t)json_integer_value(json_object_get(s,
	    "credits"));
	int passed = json_is_true(json_object_get(s, "passed"));
	int revoked = json_is_true(json_object_get(e, "revoked"));
	char buf[1024], h[24];
	size_t j;

	ctl_format_hp(credits, h);
	snprintf(buf, sizeof(buf), "%s   %s hp   %s", sget(s, "module"), h,
	    sget(s, "title_en"));
	fn(arg, TR_S_ENTRY, buf);
	fn(arg, TR_S_DETAIL, sget(s, "title_sv"));
	snprintf(buf, sizeof(buf), "%s / %s (%s), EQF %lld, %s cycle",
	    sget(u, "name_en"), sget(u, "name_sv"), sget(u, "schac"),
	    (long long)json_integer_value(json_object_get(s, "eqf")),
	    sget(s, "cycle"));
	fn(arg, TR_S_DETAIL, buf);
	snprintf(buf, sizeof(buf), "Grade %s (%s)%s. Examined %s, decided "
	    "%s, examiner %s.", sget(s, "grade"), sget(s, "scale"),
	    passed ? "" : ", NOT PASSED", sget(s, "exam_date"),
	    sget(s, "decision_date"), sget(s, "examiner"));
	fn(arg, TR_S_DETAIL, buf);
	if (revoked)
		fn(arg, TR_S_DETAIL, "REVOKED: does not count.");
	l = json_object_get(s, "outcomes_en");
	if (json_array_size(l) == 0)
		l = json_object_get(s, "outcomes_sv");
	for (j = 0; j < json_array_size(l); j++) {
		snprintf(buf, sizeof(buf), "- %s",
		    json_string_value(json_array_get(l, j)) ?
		    json_string_value(json_array_get(l, j)) : "");
		fn(arg, TR_S_ITEM, buf);
	}
	fn(arg, TR_S_GAP, "");
	if (passed && !revoked) {
		*total += credits;
		(*counted)++;
	}
}

int
tr_render(const json_t *doc, tr_line_fn fn, void *arg)
{
	const json_t *e;
	uint8_t (*ids)[EV_ID_BYTES];
	char buf[512], code[TR_CODE_LEN + 1], h[24];
	uint64_t total = 0;
	size_t i, n, counted = 0;
	int rc;

	if ((rc = tr_ids(doc, &ids, &n)) != 0)
		return rc;
	rc = tr_code((const uint8_t (*)[EV_ID_BYTES])ids, n, code);
	free(ids);
	if (rc != 0)
		return rc;
	fn(arg, TR_S_TITLE, "Ingenjör4.0 — Transcript / Studieintyg");
	snprintf(buf, sizeof(buf), "Learner (pseudonym): %s",
	    sget(doc, "learner"));
	fn(arg, TR_S_META, buf);
	snprintf(buf, sizeof(buf), "Taken %s from the national ledger at log "
	    "root %.16s…, federation %.16s…", sget(doc, "issued"),
	    sget(doc, "log_root"), sget(doc, "federation"));
	fn(arg, TR_S_META, buf);
	snprintf(buf, sizeof(buf), "Verification code: %s", code);
	fn(arg, TR_S_CODE, buf);
	fn(arg, TR_S_NOTE, "This transcript proves nothing by itself. Its "
	    "JSON form does: `i40ctl verify FILE --genesis GENESIS` checks "
	    "every result's signature against the federation's genesis and "
	    "prints the verification code of the results it verified, which "
	    "must be the one above.");
	fn(arg, TR_S_GAP, "");
	json_array_foreach(json_object_get(doc, "entries"), i, e)
		entry(e, fn, arg, &total, &counted);
	ctl_format_hp(total, h);
	snprintf(buf, sizeof(buf), "Total: %s hp in %zu module%s", h, counted,
	    counted == 1 ? "" : "s");
	fn(arg, TR_S_TOTAL, buf);
	return 0;
}
