/*
 * ctl_match.h: what `i40ctl match` and `i40ctl plan` share: a data
 * directory's catalog indexed (match/catalog.h), and one need matched
 * against it, its words told apart as mt_hit.fields numbers them.
 *
 * Ownership: a ctl_matcher owns its analyzer, word list, store and
 * catalog (ctl_matcher_close); *hits from ctl_match_need are the
 * caller's (free).
 */
#ifndef I40_CTL_MATCH_H
#define I40_CTL_MATCH_H

#include <jansson.h>

#include "match/catalog.h"

struct ctl_matcher {
	struct mt_analyzer *an;
	struct mt_dict *dict;
	struct store *st;
	struct mt_catalog cat;
};

/*
 * A need's words in order (the first 32 kept), then the labels of the
 * ESCO skills it reached: nwords counts all its own words, n all kept.
 */
#define CTL_WORDS 32
struct ctl_words {
	char w[CTL_WORDS][MT_TERM_MAX + 12];
	size_t n, nwords, nkeys;
};

/* datadir's catalog, indexed: 0, or CTL_EXIT_ERR with why said. */
int ctl_matcher_open(struct ctl_matcher *m, const char *datadir)
    I40_MUST_CHECK;
void ctl_matcher_close(struct ctl_matcher *m);

/*
 * The language of a need: lang "sv", "en", or "auto" (guessed from
 * need).  0, or I40_E_UTF8.
 */
int ctl_need_lang(struct ctl_matcher *m, const char *lang, const char *need,
    size_t len, enum mt_lang *ln) I40_MUST_CHECK;

/*
 * need (in ln) against cat, its ESCO skills included, through search
 * state s (NULL: one made for the call), keeping the modules keep allows
 * (NULL: all), at most limit (0: all): 0 with *hits[0..*n) best first and
 * *ws, or I40_E_EMPTY (no word to match), I40_E_UTF8, I40_E_NOMEM.
 * an and s are the calling thread's; cat and dict may be shared.
 */
int ctl_match_cat(const struct mt_catalog *cat, struct mt_analyzer *an,
    const struct mt_dict *dict, struct mt_search *s, enum mt_lang ln,
    const char *need, size_t len, mt_keep_fn keep, void *arg, size_t limit,
    struct mt_hit **hits, size_t *n, struct ctl_words *ws) I40_MUST_CHECK;

/*
 * need (in ln) against the matcher's catalog, every hit: 0 with
 * *hits[0..*n) best first and *ws, or I40_E_EMPTY (no word to match),
 * I40_E_UTF8, I40_E_NOMEM.  Nothing is said.
 */
int ctl_match_need(struct ctl_matcher *m, enum mt_lang ln, const char *need,
    size_t len, struct mt_hit **hits, size_t *n, struct ctl_words *ws)
    I40_MUST_CHECK;

/*
 * What a search may be narrowed to (docs/matching.md): NULL and 0 leave
 * it open.  today is the date sessions are counted from.
 */
struct ctl_filter {
	const char *mode;		/* "online", "onsite", "blended" */
	const char *after, *before;	/* a session starting in [after, before) */
	const char *schac;
	uint64_t eqf, max_tenths;
	char today[11];
};

/* Open, with today's date (UTC). */
void ctl_filter_init(struct ctl_filter *f);
/* A mode as people write it (campus, onsite, online, blended, any): 0, -1. */
int ctl_filter_mode(const char *arg, const char **mode);
/* YYYY-MM-DD: 0, or -1. */
int ctl_filter_date(const char *arg);
int ctl_filter_passes(const struct mt_module *m, const struct ctl_filter *f);
/* m's next session that the date filters allow, or NULL. */
const struct mt_session *ctl_filter_session(const struct mt_module *m,
    const struct ctl_filter *f);
/* m as a hit of `i40ctl match --json` lists it, without score and why. */
json_t *ctl_module_hit(const struct mt_module *m, const struct ctl_filter *f);

/*
 * need against cat as `i40ctl match --json` prints it (docs/i40ctl.md):
 * {"need", "lang", "hits": [...]}, and "did_you_mean" when nothing
 * matched.  lang is "sv", "en" or "auto"; s as ctl_match_cat.  0 with
 * *doc (the caller's) and *nhits, or I40_E_EMPTY, I40_E_UTF8, I40_E_NOMEM.
 */
int ctl_match_doc(const struct mt_catalog *cat, struct mt_analyzer *an,
    const struct mt_dict *dict, struct mt_search *s, const char *lang,
    const char *need, size_t len, const struct ctl_filter *f, size_t limit,
    json_t **doc, size_t *nhits) I40_MUST_CHECK;

/*
 * The option values match and plan share, each checked: 0, or what
 * ctl_usage_error returned after saying what is wrong.
 */
/* --lang: sv, en or auto, into *lang. */
int ctl_match_lang_opt(const char *usage, const char *arg, const char **lang)
    I40_MUST_CHECK;
/*
 * A credit limit: hp above 0 and at most 1000 ("7.5", "7,5"), in tenths:
 * 0, or I40_E_VALUE.
 */
int ctl_match_hp(const char *arg, uint64_t *tenths) I40_MUST_CHECK;
/* --max-credits: as ctl_match_hp, said through usage when it is not. */
int ctl_match_hp_opt(const char *usage, const char *arg, uint64_t *tenths)
    I40_MUST_CHECK;
/* A date option (--today, --starts-after...): YYYY-MM-DD. */
int ctl_match_date_opt(const char *usage, const char *arg) I40_MUST_CHECK;

#endif
