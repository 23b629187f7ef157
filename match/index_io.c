/*
 * index_io.c: a finished index as bytes and back (see index.h,
 * docs/matching.md "Speed").  Loading checks every count, offset,
 * document number and order against the rest, so a damaged file is
 * refused (I40_E_CORRUPT) rather than trusted.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match/index_int.h"
#include "match/io_int.h"

struct word_out {
	struct mt_wbuf *b;
	uint64_t n;
};

static void
put_word(void *arg, const char *w, size_t len)
{
	struct word_out *o = arg;
	char nul = '\0';

	mt_put(o->b, w, len);
	mt_put(o->b, &nul, 1);
	o->n++;
}

int
mt_index_save(const struct mt_index *ix, struct mt_wbuf *b)
{
	struct word_out wo = { b, 0 };
	size_t i, k, total = 0, mark;
	uint64_t u;

	if (!ix->finished)
		return I40_E_VALUE;
	for (i = 0; i < ix->nterms; i++)
		total += ix->terms[i].np;
	mt_put_u64(b, ix->ndocs);
	mt_put_u64(b, ix->nterms);
	mt_put_u64(b, total);
	mt_put_u64(b, ix->used);
	mt_put(b, ix->avg, sizeof(ix->avg));
	for (i = 0; i < ix->ndocs; i++)
		mt_put(b, ix->len[i], sizeof(ix->len[i]));
	mt_put(b, ix->arena, ix->used);
	for (i = 0; i < ix->nterms; i++) {
		const struct term *t = &ix->terms[i];

		mt_put_u64(b, t->np);
		mt_put(b, &t->idf, sizeof(t->idf));
		for (k = 0; k < t->np; k++) {
			mt_put(b, &t->p[k].doc, 4);
			mt_put(b, &t->p[k].field, 1);
			mt_put(b, &t->p[k].tf, 4);
		}
	}
	mt_put(b, ix->sorted, ix->nterms * sizeof(*ix->sorted));
	/* The words for "did you mean": their count, then each and a NUL. */
	mark = b->n;
	mt_put_u64(b, 0);
	mt_dict_each(ix->words, put_word, &wo);
	u = wo.n;
	if (!b->oom)
		memcpy(b->p + mark, &u, sizeof(u));
	return b->oom ? I40_E_NOMEM : 0;
}

/* The terms: each NUL-terminated in the arena, in id order, each once. */
static int
load_terms(struct mt_index *ix, const char *arena, size_t used,
    uint64_t nterms)
{
	size_t off = 0, id, len;
	uint64_t i;
	int rc;

	for (i = 0; i < nterms; i++) {
		const char *e = off < used ? memchr(arena + off, '\0',
		    used - off) : NULL;

		if (e == NULL || (len = (size_t)(e - (arena + off))) == 0)
			return I40_E_CORRUPT;
		if ((rc = mt_ix_term_id(ix, arena + off, len, &id)) != 0)
			return rc;
		if (id != i)		/* the same term twice */
			return I40_E_CORRUPT;
		off += len + 1;
	}
	return off == used ? 0 : I40_E_CORRUPT;
}

static int
load_postings(struct mt_index *ix, struct mt_rbuf *r, uint64_t total)
{
	uint64_t seen = 0, np;
	size_t i, k;

	for (i = 0; i < ix->nterms; i++) {
		struct term *t = &ix->terms[i];
		const uint8_t *v;

		np = mt_take_u64(r);
		if (r->bad || np > ix->ndocs || np > total - seen)
			return I40_E_CORRUPT;
		if ((v = mt_take(r, sizeof(t->idf))) == NULL)
			return I40_E_CORRUPT;
		memcpy(&t->idf, v, sizeof(t->idf));
		if (!isfinite(t->idf) || (v = mt_take_n(r, np, 9)) == NULL)
			return I40_E_CORRUPT;
		if ((t->p = malloc((np + 1) * sizeof(*t->p))) == NULL)
			return I40_E_NOMEM;
		t->np = t->cap = np;
		for (k = 0; k < np; k++, v += 9) {
			struct posting *p = &t->p[k];

			memcpy(&p->doc, v, 4);
			p->field = v[4];
			memcpy(&p->tf, v + 5, 4);
			/* Documents in order, each once; fields 1..15. */
			if (p->doc >= ix->ndocs || (k > 0 &&
			    p->doc <= t->p[k - 1].doc) || p->field == 0 ||
			    p->field >= 1u << MT_NFIELDS || !isfinite(p->tf) ||
			    p->tf < 0)
				return I40_E_CORRUPT;
		}
		seen += np;
	}
	return seen == total ? 0 : I40_E_CORRUPT;
}

/* sorted: every term once, in byte order of their strings. */
static int
load_sorted(struct mt_index *ix, const uint32_t *v)
{
	uint8_t *seen = calloc(ix->nterms + 1, 1);
	size_t i;
	int rc = 0;

	if (seen == NULL || (ix->sorted = malloc((ix->nterms + 1) *
	    sizeof(*ix->sorted))) == NULL) {
		free(seen);
		return I40_E_NOMEM;
	}
	memcpy(ix->sorted, v, ix->nterms * sizeof(*ix->sorted));
	for (i = 0; rc == 0 && i < ix->nterms; i++) {
		if (ix->sorted[i] >= ix->nterms || seen[ix->sorted[i]] ||
		    (i > 0 && strcmp(mt_ix_term(ix, ix->sorted[i - 1]),
		    mt_ix_term(ix, ix->sorted[i])) >= 0))
			rc = I40_E_CORRUPT;
		else
			seen[ix->sorted[i]] = 1;
	}
	free(seen);
	return rc;
}

static int
load_words(struct mt_index *ix, struct mt_rbuf *r)
{
	uint64_t n = mt_take_u64(r), i;
	const char *s, *e;
	int rc;

	for (i = 0; !r->bad && i < n; i++) {
		s = (const char *)r->p + r->off;
		if ((e = memchr(s, '\0', r->n - r->off)) == NULL || e == s ||
		    e - s > MT_TERM_MAX)
			return I40_E_CORRUPT;
		if ((rc = mt_dict_add(ix->words, s, (size_t)(e - s))) != 0)
			return rc;
		(void)mt_take(r, (size_t)(e - s) + 1);
	}
	return r->bad ? I40_E_CORRUPT : 0;
}

static int
load(struct mt_index *ix, struct mt_rbuf *r)
{
	uint64_t ndocs, nterms, total, used;
	const void *v;
	size_t i, f;
	int rc;

	ndocs = mt_take_u64(r);
	nterms = mt_take_u64(r);
	total = mt_take_u64(r);
	used = mt_take_u64(r);
	if (r->bad || ndocs > UINT32_MAX || nterms > UINT32_MAX - 1 ||
	    (v = mt_take(r, sizeof(ix->avg))) == NULL)
		return I40_E_CORRUPT;
	memcpy(ix->avg, v, sizeof(ix->avg));
	for (f = 0; f < MT_NFIELDS; f++)
		if (!isfinite(ix->avg[f]) || ix->avg[f] <= 0)
			return I40_E_CORRUPT;
	if ((v = mt_take_n(r, ndocs, sizeof(ix->len[0]))) == NULL)
		return I40_E_CORRUPT;
	if ((ix->len = malloc(((size_t)ndocs + 1) * sizeof(*ix->len))) == NULL)
		return I40_E_NOMEM;
	memcpy(ix->len, v, (size_t)ndocs * sizeof(*ix->len));
	ix->ndocs = ix->capdocs = (size_t)ndocs;
	for (i = 0; i < ix->ndocs; i++)
		for (f = 0; f < MT_NFIELDS; f++)
			if (!isfinite(ix->len[i][f]) || ix->len[i][f] < 0)
				return I40_E_CORRUPT;
	if ((v = mt_take_n(r, used, 1)) == NULL)
		return I40_E_CORRUPT;
	if ((rc = load_terms(ix, v, (size_t)used, nterms)) != 0 ||
	    (rc = load_postings(ix, r, total)) != 0)
		return rc;
	if ((v = mt_take_n(r, nterms, sizeof(uint32_t))) == NULL)
		return I40_E_CORRUPT;
	if ((rc = load_sorted(ix, v)) != 0 || (rc = load_words(ix, r)) != 0 ||
	    (rc = mt_ix_stems(ix)) != 0)
		return rc;
	ix->finished = 1;
	return 0;
}

int
mt_index_load(struct mt_analyzer *a, const struct mt_dict *d,
    struct mt_rbuf *r, struct mt_index **out)
{
	struct mt_index *ix;
	int rc;

	*out = NULL;
	if ((rc = mt_index_new(a, d, &ix)) != 0)
		return rc;
	if ((rc = load(ix, r)) != 0) {
		mt_index_free(ix);
		return rc;
	}
	*out = ix;
	return 0;
}
