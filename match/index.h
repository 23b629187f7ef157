/*
 * index.h: an in-memory index of module texts ranked with BM25F
 * (docs/matching.md, "Ranking"): fields title > skill tags > learning
 * outcomes > summary, in Swedish and English, stems and compound parts
 * (parts at a lower weight), long terms matched by prefix too.
 *
 * Build: mt_index_new, mt_index_add for each document, mt_index_finish;
 * then mt_query as often as wanted (it does not change the index, so
 * threads may share one, each with its own analyzer).
 *
 * Ownership: the index copies what it keeps of a document; it borrows
 * the analyzer and the dictionary given to mt_index_new for its life.
 * mt_query's *hits are the caller's (free).
 */
#ifndef I40_MATCH_INDEX_H
#define I40_MATCH_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "match/analyze.h"
#include "match/compound.h"

enum mt_field { MT_F_TITLE, MT_F_TAGS, MT_F_OUTCOMES, MT_F_SUMMARY,
	MT_NFIELDS };

/*
 * One module's texts, borrowed for mt_index_add; NULL or "" for none.
 * keys are terms taken as they are, not analysed (a skill's ESCO URI,
 * "esco:" and the URI, in the tags field), of any length.
 */
#define MT_KEYS_MAX 16
struct mt_doc {
	const char *text[MT_NFIELDS][MT_NLANGS];
	const char *keys[MT_NFIELDS][MT_KEYS_MAX];
	size_t nkeys[MT_NFIELDS];
};

struct mt_index;

/* d may be NULL (no compound splitting). */
int mt_index_new(struct mt_analyzer *a, const struct mt_dict *d,
    struct mt_index **out) I40_MUST_CHECK;
void mt_index_free(struct mt_index *ix);
/* doc as the next document (numbered from 0). I40_E_UTF8 for bad text. */
int mt_index_add(struct mt_index *ix, const struct mt_doc *doc)
    I40_MUST_CHECK;
int mt_index_finish(struct mt_index *ix) I40_MUST_CHECK;
size_t mt_index_docs(const struct mt_index *ix);
/*
 * After finish: the index's own terms that may be parts of a need's
 * compound (mt_terms2), borrowed for the index's life.
 */
const struct mt_dict *mt_index_stems(const struct mt_index *ix);

/* One document's score, and which query words matched in which field. */
struct mt_hit {
	size_t doc;
	double score;
	uint32_t fields[MT_NFIELDS];	/* bit i: query word i matched */
	/*
	 * How many of the query's first 32 words it matched: 1 for each
	 * matched whole (its stem or a prefix relative) or by a key that
	 * stands for all of it; a compound matched only by some of its
	 * parts, their share ("kärnkraftssäkerhet" by "säkerhet" alone:
	 * 0.5); each word at most 1.
	 */
	double cover;
};

/*
 * The documents text (in lang) matches, best first (ties by document
 * number): 0 and *hits[0..*n); I40_E_UTF8, I40_E_EMPTY (no word left
 * after stopwords), I40_E_NOMEM.  The first 32 query words are told
 * apart in mt_hit.fields; later ones still score.
 */
int mt_query(const struct mt_index *ix, struct mt_analyzer *a,
    enum mt_lang lang, const char *text, size_t len, struct mt_hit **hits,
    size_t *n) I40_MUST_CHECK;
/*
 * A key to query with: matched whole against documents' keys, standing
 * for share (0..1) of the need's word number word (UINT32_MAX: none) in
 * mt_hit.cover.
 */
struct mt_qkey {
	const char *key;
	uint32_t word;
	double share;
};

/*
 * mt_query with keys as more query words after the text's (numbered on
 * from them in mt_hit.fields): how a need reaches a module through a
 * skill's ESCO URI.
 */
int mt_query_keys(const struct mt_index *ix, struct mt_analyzer *a,
    enum mt_lang lang, const char *text, size_t len,
    const struct mt_qkey *keys, size_t nkeys, struct mt_hit **hits,
    size_t *n) I40_MUST_CHECK;

/*
 * One thread's working memory for queries on one finished index, reused
 * from query to query so that a query costs what its words reach, not
 * the catalog's size: for a process that lives long (the web face).
 * Borrows ix for its life; one thread at a time.
 */
struct mt_search;

int mt_search_new(const struct mt_index *ix, struct mt_search **out)
    I40_MUST_CHECK;
void mt_search_free(struct mt_search *s);

/* Whether document doc may be a hit (the caller's filters). */
typedef int (*mt_keep_fn)(void *arg, size_t doc);

/*
 * mt_query_keys through s, with only the documents keep allows (keep
 * NULL: all), at most limit of them (0: all), best first.
 */
int mt_search(struct mt_search *s, struct mt_analyzer *a, enum mt_lang lang,
    const char *text, size_t len, const struct mt_qkey *keys, size_t nkeys,
    mt_keep_fn keep, void *arg, size_t limit, struct mt_hit **hits,
    size_t *n) I40_MUST_CHECK;

/*
 * "Did you mean": for each word of text (in lang) that no module holds,
 * the word of the modules' texts closest to it (Damerau-Levenshtein
 * distance at most 1 for words of up to 4 letters, 2 for longer; the
 * smaller distance, then the shorter, then the first in byte order),
 * each once, at most cap: 0 and *n, or I40_E_UTF8, I40_E_NOMEM.
 */
int mt_suggest(const struct mt_index *ix, struct mt_analyzer *a,
    enum mt_lang lang, const char *text, size_t len,
    char (*out)[MT_TERM_MAX + 1], size_t cap, size_t *n) I40_MUST_CHECK;

#endif
