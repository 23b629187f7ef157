/*
 * ctl_plan.h: a company's list of needs made into a programme, as
 * `i40ctl plan --json` prints it (docs/i40ctl.md, "plan"; docs/matching.md,
 * "Plans").  i40ctl's plan and the web face's /plan both call this, so a
 * company gets the same programme from either.
 *
 * The list is text, one need per line: "NEED [| WEIGHT] [| EMPLOYEES]",
 * '#' starting a comment.  Each need is matched as `match` does and
 * match/plan.c chooses the modules.
 *
 * Ownership: the caller keeps text; *doc is the caller's (json_decref).
 */
#ifndef I40_CTL_PLAN_H
#define I40_CTL_PLAN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "match/catalog.h"
#include "protocol/errors.h"

/* Bounds of one list: a company's, not a catalog; a mistake fails fast. */
#define CTL_PLAN_TEXT_MAX (1024 * 1024)
#define CTL_PLAN_NEEDS_MAX 1000
#define CTL_PLAN_EMPS_MAX 1000
/* Needs given to employees, summed (a need naming nobody is everyone's). */
#define CTL_PLAN_PAIRS_MAX 20000

/*
 * text[0..len) planned against cat: lang "sv", "en" or "auto" (guessed
 * per line), max_tenths the credits for each employee (for the whole
 * programme when none is named; 0: no limit), today (YYYY-MM-DD) the
 * date next sessions are counted from.  an and s are the calling
 * thread's (s NULL: one made per need); cat and dict may be shared.
 *
 * 0 with *doc and *uncovered (how many needs the programme leaves), or
 * I40_E_VALUE with why (cap bytes) saying what is wrong with the list
 * and on which line, I40_E_NOMEM, or another error with why set.
 */
int ctl_plan_doc(const struct mt_catalog *cat, struct mt_analyzer *an,
    const struct mt_dict *dict, struct mt_search *s, const char *lang,
    const char *text, size_t len, uint64_t max_tenths, const char *today,
    json_t **doc, size_t *uncovered, char *why, size_t cap) I40_MUST_CHECK;

/*
 * text[0..len) read as ctl_plan_doc reads it, no catalog needed: 0, or
 * I40_E_VALUE or I40_E_NOMEM with why said.  To refuse a bad list before
 * the catalog is indexed.
 */
int ctl_plan_check(const char *text, size_t len, char *why, size_t cap)
    I40_MUST_CHECK;

/* The need on line of a plan's list (*doc of ctl_plan_doc), or "". */
const char *ctl_plan_need_at(const json_t *doc, json_int_t line);

#endif
