/*
 * catalog.h: the index of a node's current catalog (docs/matching.md):
 * every module that is not retired, in the order of (university, code,
 * owner key) so that ties rank the same on every node, with what the
 * filters and the listing need.
 *
 * Ownership: an mt_catalog owns its index and modules (mt_catalog_free);
 * it borrows the analyzer and the dictionary given to mt_catalog_build.
 * It keeps nothing of the store.
 */
#ifndef I40_MATCH_CATALOG_H
#define I40_MATCH_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "match/index.h"
#include "store/store.h"

#define MT_SESSIONS_MAX 8

struct mt_session {
	char start[11], end[11];	/* YYYY-MM-DD */
	char mode[16];
};

/* A prerequisite as the module names it, and where it is in the catalog. */
struct mt_prereq {
	char code[33], schac[65];
	size_t mod;			/* index into mt_catalog.m, or SIZE_MAX */
};

struct mt_module {
	uint8_t id[32];			/* its current publish/update event */
	uint8_t author[32];
	char code[33], schac[65];
	char title_sv[201], title_en[201];
	uint64_t credits, eqf;		/* tenths of hp; EQF level */
	char mode[16];
	struct mt_session sessions[MT_SESSIONS_MAX];
	size_t nsessions;
	size_t pre, npre;		/* its prerequisites: mt_catalog.pre[pre..] */
};

/* A skill tag with an ESCO URI, and the stems of its label. */
#define MT_TAG_STEMS 8
struct mt_tag {
	char key[300];			/* "esco:" and the URI */
	char label[201];
	char stems[MT_TAG_STEMS][MT_TERM_MAX + 1];
	size_t nstems;
};

struct mt_catalog {
	struct mt_index *ix;		/* document i is m[i] */
	struct mt_module *m;
	size_t n;
	struct mt_tag *tags;		/* each URI once */
	size_t ntags;
	struct mt_prereq *pre;		/* every module's, in module order */
	size_t npre;
};

/*
 * The catalog of st indexed with a and d (d may be NULL): 0, or an error
 * with why set.
 */
int mt_catalog_build(struct store *st, struct mt_analyzer *a,
    const struct mt_dict *d, struct mt_catalog *out, char *why, size_t cap)
    I40_MUST_CHECK;
void mt_catalog_free(struct mt_catalog *c);

/*
 * The tags whose label shares a stem with a word of need (in lang, or a
 * part of its compounds by d): a Swedish need reaches an English-only
 * module through a skill both tag with one URI.  tags[0..*n) point into
 * c, and keys[i] is tags[i]'s key for mt_query_keys, standing for the
 * need's word that reached it (all of it, or the share of its parts
 * that did); at most cap and MT_KEYS_MAX.  0, or I40_E_UTF8.
 */
int mt_catalog_keys(const struct mt_catalog *c, struct mt_analyzer *a,
    const struct mt_dict *d, enum mt_lang lang, const char *need,
    size_t len, const struct mt_tag **tags, struct mt_qkey *keys,
    size_t cap, size_t *n) I40_MUST_CHECK;

/*
 * The current module code at schac (the first of its owners in catalog
 * order, should a succession have left two): its index, or SIZE_MAX.
 */
size_t mt_catalog_find(const struct mt_catalog *c, const char *schac,
    const char *code);

/* The first session of m starting on or after date (YYYY-MM-DD), or NULL. */
const struct mt_session *mt_next_session(const struct mt_module *m,
    const char *date);

#endif
