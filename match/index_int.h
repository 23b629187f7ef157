/*
 * index_int.h: the index's layout, shared by its builder (index.c) and
 * its queries (search.c) and its file (index_io.c); not part of the API.
 */
#ifndef I40_MATCH_INDEX_INT_H
#define I40_MATCH_INDEX_INT_H

#include "match/index.h"

/* A compound's part, and a term related by prefix, count less. */
#define PART_W 0.5
#define PREFIX_W 0.7
#define PREFIX_MIN 5

/* Field weights, title first; BM25's saturation and length norm. */
static const double mt_field_w[MT_NFIELDS] = { 3.0, 2.5, 1.5, 1.0 };
#define BM25_K1 1.2
#define BM25_B 0.75

/*
 * While building, one per document and field: the term's frequency
 * there.  After finish, one per document: the fields it is in (bit f)
 * and BM25F's tf~, each field's frequency weighted by the field and
 * normalised by its length, summed, as every query would compute it.
 */
struct posting {
	uint32_t doc;
	uint8_t field;			/* building: the field; then the bits */
	float tf;
};

struct term {
	size_t off;			/* in the arena, NUL-terminated */
	size_t len;
	struct posting *p;
	size_t np, cap;
	double idf;			/* after finish */
};

struct mt_index {
	struct mt_analyzer *a;
	const struct mt_dict *dict;
	struct term *terms;
	size_t nterms, capterms;
	uint32_t *slots;		/* term id + 1; 0 empty */
	size_t nslots;
	char *arena;
	size_t used, acap;
	float (*len)[MT_NFIELDS];	/* per document */
	size_t ndocs, capdocs;
	double avg[MT_NFIELDS];
	uint32_t *sorted;		/* term ids by string, after finish */
	struct mt_dict *words;		/* the texts' words, for suggestions */
	struct mt_dict *stems;		/* after finish: terms that may be */
					/* parts of a need's compound */
	struct memo *memo;		/* building: each distinct word's terms */
	size_t mcap, mn;
	char *marena;
	size_t mused, macap;
	int finished;
};

/* s's slot in ix: its term's (id + 1), or the empty one it would take. */
uint32_t *mt_ix_slot(const struct mt_index *ix, const char *s, size_t len);

/*
 * ix->stems from the finished terms: those of at least PREFIX_MIN bytes
 * of letters only.  0, or I40_E_NOMEM.
 */
int mt_ix_stems(struct mt_index *ix) I40_MUST_CHECK;

/* The id of term s, added if new: 0 and *id, or I40_E_NOMEM. */
int mt_ix_term_id(struct mt_index *ix, const char *s, size_t len,
    size_t *id) I40_MUST_CHECK;

static inline const char *
mt_ix_term(const struct mt_index *ix, size_t t)
{
	return ix->arena + ix->terms[t].off;
}

#endif
