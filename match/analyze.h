/*
 * analyze.h: text into the terms that course matching indexes and
 * queries (docs/matching.md, "Analysis"), per language, Swedish or
 * English.
 *
 * A text is folded (lower case, the few decomposed letters Swedish and
 * English text carries composed: a + ring is å, o + diaeresis is ö; å,
 * ä and ö stay letters of their own, never a or o), cut into words at
 * everything that is not a letter or a digit, stopwords dropped, and
 * each word given with its Snowball stem (Debian's libstemmer).  The
 * surface form is given too: Snowball leaves relatives apart
 * ("robotars" and "robot", "svetsning" and "svetsa"), so the index
 * keeps both and matches long terms by prefix.
 *
 * Ownership: an mt_analyzer owns its stemmers (mt_analyzer_free); it is
 * not thread-safe (one per thread).  Tokens passed to the callback are
 * borrowed for the call.
 */
#ifndef I40_MATCH_ANALYZE_H
#define I40_MATCH_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/errors.h"

enum mt_lang { MT_SV = 0, MT_EN = 1 };
#define MT_NLANGS 2

/* Words longer than this (in bytes) are cut: no real word is. */
#define MT_TERM_MAX 64

struct mt_analyzer;

int mt_analyzer_new(struct mt_analyzer **out) I40_MUST_CHECK;
void mt_analyzer_free(struct mt_analyzer *a);

struct mt_token {
	const char *surface;		/* folded word, NUL-terminated */
	size_t len;			/* its length */
	const char *stem;		/* its Snowball stem */
	uint32_t pos;			/* word number in the text, from 0 */
};
typedef int (*mt_token_fn)(void *arg, const struct mt_token *t);

/*
 * The terms of text[0..len) in lang, in order, through fn (a non-zero
 * return stops the walk and is returned).  I40_E_UTF8 when text is not
 * UTF-8; 0 otherwise.  Stopwords are not passed on.
 */
int mt_analyze(struct mt_analyzer *a, enum mt_lang lang, const char *text,
    size_t len, mt_token_fn fn, void *arg) I40_MUST_CHECK;

/*
 * The folded words of text[0..len) in order, stopwords included and not
 * stemmed (t->stem is t->surface), for a caller that analyses each
 * distinct word once: mt_analyze of a surface alone gives what
 * mt_analyze gives for it in a text.  0, or I40_E_UTF8.
 */
int mt_surfaces(struct mt_analyzer *a, const char *text, size_t len,
    mt_token_fn fn, void *arg) I40_MUST_CHECK;

/*
 * in[0..len) folded into out (cap bytes, NUL-terminated): lower case,
 * decomposed å ä ö é ü composed.  0 and *outlen; I40_E_UTF8 when in is
 * not UTF-8, I40_E_TOO_LONG when out is too small.
 */
int mt_fold(const char *in, size_t len, char *out, size_t cap,
    size_t *outlen) I40_MUST_CHECK;

/* Whether a folded word is a stopword of lang. */
int mt_stopword(enum mt_lang lang, const char *word);

/*
 * The language of a need, guessed: Swedish when it has more Swedish
 * function words and words with å, ä or ö (two each) than English
 * function words, so a need of terms alone ("PLC robot") counts as
 * Swedish, the programme's language.  0, or I40_E_UTF8.
 */
int mt_lang_guess(struct mt_analyzer *a, const char *text, size_t len,
    enum mt_lang *lang) I40_MUST_CHECK;

/* FNV-1a of s[0..len): the hash of the index's and the word list's tables. */
uint64_t mt_hash(const char *s, size_t len);

/* "sv", "en" or NULL into *lang: 0, or I40_E_VALUE. */
int mt_lang_parse(const char *s, enum mt_lang *lang) I40_MUST_CHECK;

#endif
