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
 * Ownership: the caller keeps text; a ctl_plan_list holds its own copy;
 * *doc is the caller's (json_decref).
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

/* A list read: its lines, needs and employees (ctl_plan_list_free). */
struct ctl_plan_list;

/*
 * text[0..len) read into *l, no catalog needed (so a bad list is refused
 * before one is indexed for it): 0, or I40_E_VALUE with why (cap bytes)
 * saying what is wrong and on which line, or I40_E_NOMEM.
 */
int ctl_plan_read(const char *text, size_t len, struct ctl_plan_list **l,
    char *why, size_t cap) I40_MUST_CHECK;
void ctl_plan_list_free(struct ctl_plan_list *l);

/*
 * l planned against cat: lang "sv", "en" or "auto" (guessed per line),
 * max_tenths the credits for each employee (for the whole programme
 * when none is named; 0: no limit), today (YYYY-MM-DD) the date next
 * sessions are counted from.  an and s are the calling thread's (s
 * NULL: one made per need); cat and dict may be shared.  0 with *doc
 * and *uncovered (how many needs the programme leaves), or I40_E_VALUE
 * (a line with no word to match), I40_E_NOMEM or another error, with
 * why said.  l may be planned again.
 */
int ctl_plan_make(struct ctl_plan_list *l, const struct mt_catalog *cat,
    struct mt_analyzer *an, const struct mt_dict *dict, struct mt_search *s,
    const char *lang, uint64_t max_tenths, const char *today, json_t **doc,
    size_t *uncovered, char *why, size_t cap) I40_MUST_CHECK;

/* The need on line of a plan's list (*doc of ctl_plan_make), or "". */
const char *ctl_plan_need_at(const json_t *doc, json_int_t line);

#endif
