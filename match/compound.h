/*
 * compound.h: Swedish compounds split into their parts ("robotcell" is
 * "robot" and "cell", "kvalitetskontroll" is "kvalitet" and "kontroll"),
 * by a word list: Debian's wswedish (/usr/share/dict/swedish, ISO-8859-1,
 * inflected forms included) and the words of the index's own texts
 * (docs/matching.md, "Compounds").
 *
 * Ownership: an mt_dict owns its words (mt_dict_free); lookups do not
 * change it, so threads may share one once it is built.
 */
#ifndef I40_MATCH_COMPOUND_H
#define I40_MATCH_COMPOUND_H

#include <stddef.h>

#include "match/analyze.h"

#define MT_DICT_DEFAULT "/usr/share/dict/swedish"
/* Parts are at least this many bytes; a word splits into at most 4. */
#define MT_PART_MIN 3
#define MT_PARTS_MAX 4

struct mt_dict;

int mt_dict_new(struct mt_dict **out) I40_MUST_CHECK;
void mt_dict_free(struct mt_dict *d);
/*
 * Every line of path, one word each (ISO-8859-1 unless the line is
 * UTF-8), folded into d: 0 and *added; -errno with why naming the file.
 */
int mt_dict_load(struct mt_dict *d, const char *path, size_t *added,
    char *why, size_t cap) I40_MUST_CHECK;
/* A folded word into d: 0, or I40_E_TOO_LONG, I40_E_NOMEM. */
int mt_dict_add(struct mt_dict *d, const char *word, size_t len)
    I40_MUST_CHECK;
int mt_dict_has(const struct mt_dict *d, const char *word, size_t len);
size_t mt_dict_size(const struct mt_dict *d);
/* Every word of d through fn (word, its length), in no set order. */
void mt_dict_each(const struct mt_dict *d,
    void (*fn)(void *arg, const char *word, size_t len), void *arg);

/*
 * word (folded) as a compound of parts d holds, each of at least
 * MT_PART_MIN bytes, an "s" allowed between two parts (kvalitet-s-
 * kontroll): the split with the fewest parts, then the longest last
 * part.  *n is 0 when word is no compound (one part, or none fits).
 */
void mt_split(const struct mt_dict *d, const char *word,
    char parts[MT_PARTS_MAX][MT_TERM_MAX + 1], size_t *n);
/* mt_split with parts from d or from d2 (either may be NULL). */
void mt_split2(const struct mt_dict *d, const struct mt_dict *d2,
    const char *word, char parts[MT_PARTS_MAX][MT_TERM_MAX + 1], size_t *n);

/*
 * The terms of text in lang as the index and a query take them: each
 * word (part 0), and for Swedish with d (may be NULL) the words of its
 * compound's parts after it (part 1, with the word's pos).  A non-zero
 * return of fn stops the walk and is returned; I40_E_UTF8 for bad text.
 */
typedef int (*mt_term_fn)(void *arg, const struct mt_token *t, int part);
int mt_terms(struct mt_analyzer *a, const struct mt_dict *d,
    enum mt_lang lang, const char *text, size_t len, mt_term_fn fn,
    void *arg) I40_MUST_CHECK;
/*
 * mt_terms with the parts of compounds from d or from terms, a list of
 * index terms (stems): a part found in terms is passed on as it is (its
 * stem is itself), since it is one already.  How a need's "svetsceller"
 * reaches the catalog's "svets" (of "svetsa") when no word list holds
 * "svets".  Either list may be NULL.
 */
int mt_terms2(struct mt_analyzer *a, const struct mt_dict *d,
    const struct mt_dict *terms, enum mt_lang lang, const char *text,
    size_t len, mt_term_fn fn, void *arg) I40_MUST_CHECK;

#endif
