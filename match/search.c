/*
 * search.c: queries on an index (see index.h, docs/matching.md,
 * "Ranking"), with working memory reused from query to query so that a
 * query costs what its words reach, not the catalog's size.
 */
#include <stdlib.h>
#include <string.h>

#include "match/index_int.h"

/* A document's state in a query, together for the cache; zero between. */
struct dst {
	double score;
	double acc;			/* this term's tf~ */
	uint32_t fields[MT_NFIELDS];
	uint8_t whole, pmask;		/* this word: seen/whole, its parts */
	uint8_t in;			/* in all[] */
};

struct mt_search {
	const struct mt_index *ix;
	struct dst *d;			/* per document */
	uint8_t (*credit)[32];		/* per document and need word */
	uint32_t *touched, *wtouched, *all;
	size_t ntouched, nwt, nall;
	/* This query. */
	struct mt_analyzer *a;
	enum mt_lang lang;
	uint32_t word;			/* the query word's number */
	double w;			/* 1, or PART_W inside a part */
	size_t words;
	int part;			/* this part's number; -1: the word */
	int nparts;
	int compound;			/* the word splits into parts */
};

int
mt_search_new(const struct mt_index *ix, struct mt_search **out)
{
	struct mt_search *s;
	size_t n = ix->ndocs + 1;

	*out = NULL;
	if (!ix->finished)
		return I40_E_VALUE;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return I40_E_NOMEM;
	s->ix = ix;
	s->d = calloc(n, sizeof(*s->d));
	s->credit = calloc(n, sizeof(*s->credit));
	s->touched = calloc(n, sizeof(*s->touched));
	s->wtouched = calloc(n, sizeof(*s->wtouched));
	s->all = calloc(n, sizeof(*s->all));
	if (s->d == NULL || s->credit == NULL || s->touched == NULL ||
	    s->wtouched == NULL || s->all == NULL) {
		mt_search_free(s);
		return I40_E_NOMEM;
	}
	*out = s;
	return 0;
}

void
mt_search_free(struct mt_search *s)
{
	if (s == NULL)
		return;
	free(s->d);
	free(s->credit);
	free(s->touched);
	free(s->wtouched);
	free(s->all);
	free(s);
}

/*
 * One query word's index terms (the stem, and those related by prefix,
 * each at its weight) scored as one term: their weighted frequencies
 * summed per document and saturated once, at the highest idf among
 * them, so that a word with many relatives does not count many times.
 */
#define MAX_VARIANTS 64

static void
score_word(struct mt_search *q, const size_t *ids, const double *ws,
    const uint8_t *full, size_t nv)
{
	double idf = 0;
	size_t v, i, k;

	if (nv == 0)
		return;
	q->ntouched = 0;
	for (v = 0; v < nv; v++) {
		const struct term *t = &q->ix->terms[ids[v]];
		double f = t->idf;

		if (f > idf)
			idf = f;
		for (i = 0; i < t->np; i++) {
			const struct posting *p = &t->p[i];
			struct dst *ds = &q->d[p->doc];

			if (ds->acc == 0)
				q->touched[q->ntouched++] = p->doc;
			if (!ds->in) {
				ds->in = 1;
				q->all[q->nall++] = p->doc;
			}
			/* whole: 1 seen in this word, 2 matched it whole. */
			if (ds->whole == 0)
				q->wtouched[q->nwt++] = p->doc;
			ds->whole |= 1;
			/*
			 * A compound's first part as an index term
			 * ("kvalitet" in "kvalitetssäkerhet") is a part's
			 * match, not the word's: its parts credit it.
			 */
			if (q->part < 0 && (full[v] || !q->compound))
				ds->whole |= 2;
			else if (q->part >= 0)
				ds->pmask |= (uint8_t)(1u << q->part);
			ds->acc += ws[v] * p->tf;
			if (q->word < 32) {
				uint32_t bit = 1u << q->word;

				if (p->field & 1)
					ds->fields[0] |= bit;
				if (p->field & 2)
					ds->fields[1] |= bit;
				if (p->field & 4)
					ds->fields[2] |= bit;
				if (p->field & 8)
					ds->fields[3] |= bit;
			}
		}
	}
	for (k = 0; k < q->ntouched; k++) {
		struct dst *ds = &q->d[q->touched[k]];

		ds->score += q->w * idf * ds->acc / (BM25_K1 + ds->acc);
		ds->acc = 0;
	}
}

static int
starts(const char *s, const char *prefix, size_t plen)
{
	return strncmp(s, prefix, plen) == 0;
}

/* The stem, and terms related by prefix when it is long enough. */
static void
score_stem(struct mt_search *q, const char *stem)
{
	const struct mt_index *ix = q->ix;
	size_t len = strlen(stem), lo = 0, hi = ix->nterms, l, nv = 0;
	uint32_t *sl = mt_ix_slot(ix, stem, len);
	size_t ids[MAX_VARIANTS];
	double ws[MAX_VARIANTS];
	uint8_t full[MAX_VARIANTS];

	if (*sl != 0) {
		ids[nv] = *sl - 1;
		full[nv] = 1;
		ws[nv++] = 1;
	}
	if (len >= PREFIX_MIN) {
		/* Index terms that begin with the stem ("robot", "robotar"). */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (strcmp(mt_ix_term(ix, ix->sorted[mid]), stem) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < ix->nterms && nv < MAX_VARIANTS &&
		    starts(mt_ix_term(ix, ix->sorted[lo]), stem, len); lo++)
			if (ix->terms[ix->sorted[lo]].len != len) {
				ids[nv] = ix->sorted[lo];
				full[nv] = 1;
				ws[nv++] = PREFIX_W;
			}
		/* Index terms the stem begins with ("svetsning", "svets"). */
		for (l = PREFIX_MIN; l < len && nv < MAX_VARIANTS; l++) {
			if (((uint8_t)stem[l] & 0xc0) == 0x80)
				continue;
			sl = mt_ix_slot(ix, stem, l);
			if (*sl != 0) {
				ids[nv] = *sl - 1;
				full[nv] = 0;
				ws[nv++] = PREFIX_W;
			}
		}
	}
	score_word(q, ids, ws, full, nv);
}

/* A word matched in full; divisible by every count of parts. */
#define CREDIT_1 240

/*
 * The word just scored (need word w, or none if w >= 32): how much of
 * it each document matched, whole or by the share of its parts, times
 * share (an ESCO key stands for a part of a word), kept per word so that
 * a word matched twice (by itself and by its skill's key) counts once.
 */
static void
word_done(struct mt_search *q, uint32_t w, double share)
{
	size_t k;
	uint32_t d;
	int np = q->nparts > 0 ? q->nparts : 1, b, c;
	double v;

	for (k = 0; k < q->nwt; k++) {
		d = q->wtouched[k];
		for (b = 0, c = 0; b < 8; b++)
			c += (q->d[d].pmask >> b) & 1;
		v = (q->d[d].whole & 2 ? CREDIT_1 : CREDIT_1 * c / np) * share;
		if (w < 32 && v > q->credit[d][w])
			q->credit[d][w] = (uint8_t)(v + 0.5);
		q->d[d].whole = q->d[d].pmask = 0;
	}
	q->nwt = 0;
	q->nparts = 0;
}

/* A word of the need, or a part of its compound (at PART_W). */
static int
query_term(void *arg, const struct mt_token *t, int part)
{
	struct mt_search *q = arg;

	if (!part) {
		char parts[MT_PARTS_MAX][MT_TERM_MAX + 1];
		size_t np = 0;

		word_done(q, q->word, 1);
		q->part = -1;
		if (q->lang == MT_SV && q->ix->dict != NULL)
			mt_split(q->ix->dict, t->surface, parts, &np);
		q->compound = np > 0;
	} else if (q->nparts < 8)
		q->part = q->nparts++;
	else
		return 0;	/* MT_PARTS_MAX is smaller: cannot happen */
	q->word = t->pos;
	q->w = part ? PART_W : 1;
	score_stem(q, t->stem);
	q->words = (size_t)t->pos + 1;
	return 0;
}

/* Better first: the higher score, then the lower document number. */
static int
better(const struct mt_search *s, uint32_t x, uint32_t y)
{
	if (s->d[x].score != s->d[y].score)
		return s->d[x].score > s->d[y].score;
	return x < y;
}

/* The worst of the kept at h[0]: a heap of n by better, reversed. */
static void
sift_down(const struct mt_search *s, uint32_t *h, size_t n, size_t i)
{
	size_t c;
	uint32_t t;

	for (; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && better(s, h[c], h[c + 1]))
			c++;
		if (!better(s, h[i], h[c]))
			break;
		t = h[i];
		h[i] = h[c];
		h[c] = t;
	}
}

/* The best limit (0: all) of the touched documents keep allows, best first. */
static size_t
select_top(const struct mt_search *s, mt_keep_fn keep, void *arg,
    size_t limit, uint32_t *h)
{
	size_t n = 0, i, k;
	uint32_t d, t;

	for (i = 0; i < s->nall; i++) {
		d = s->all[i];
		if (s->d[d].score <= 0 || (keep != NULL && !keep(arg, d)))
			continue;
		if (limit == 0 || n < limit) {
			h[n++] = d;
			if (limit != 0 && n == limit)
				for (k = n / 2; k-- > 0;)
					sift_down(s, h, n, k);
		} else if (better(s, d, h[0])) {
			h[0] = d;
			sift_down(s, h, n, 0);
		}
	}
	if (limit == 0 || n < limit)
		for (k = n / 2; k-- > 0;)
			sift_down(s, h, n, k);
	/* Heap sort: the worst to the end, one by one. */
	for (i = n; i > 1; i--) {
		t = h[0];
		h[0] = h[i - 1];
		h[i - 1] = t;
		sift_down(s, h, i - 1, 0);
	}
	return n;
}

/* Back to all zero, touching only what the query touched. */
static void
reset(struct mt_search *s)
{
	size_t i;
	uint32_t d;

	for (i = 0; i < s->nall; i++) {
		d = s->all[i];
		memset(&s->d[d], 0, sizeof(s->d[d]));
		memset(s->credit[d], 0, sizeof(s->credit[d]));
	}
	s->nall = 0;
}

int
mt_search(struct mt_search *q, struct mt_analyzer *a, enum mt_lang lang,
    const char *text, size_t len, const struct mt_qkey *keys, size_t nkeys,
    mt_keep_fn keep, void *arg, size_t limit, struct mt_hit **hits,
    size_t *n)
{
	const struct mt_index *ix = q->ix;
	uint32_t *top = NULL;
	size_t d, i, k;
	int rc;

	*hits = NULL;
	*n = 0;
	q->a = a;
	q->lang = lang;
	q->w = 1;
	q->word = 0;
	q->words = 0;
	q->part = -1;
	q->nparts = 0;
	q->compound = 0;
	q->ntouched = q->nwt = 0;
	if ((rc = mt_terms(a, ix->dict, lang, text, len, query_term, q)) != 0)
		goto out;
	word_done(q, q->word, 1);
	if (q->words == 0) {
		rc = I40_E_EMPTY;
		goto out;
	}
	q->w = 1;
	for (d = 0, q->word = (uint32_t)q->words; d < nkeys; d++, q->word++) {
		uint32_t *sl = mt_ix_slot(ix, keys[d].key, strlen(keys[d].key));
		size_t id;
		double w = 1;
		uint8_t full = 1;

		if (*sl == 0)
			continue;
		id = *sl - 1;
		q->part = -1;
		q->compound = 0;
		score_word(q, &id, &w, &full, 1);
		word_done(q, keys[d].word, keys[d].share);
	}
	if ((top = malloc((q->nall + 1) * sizeof(*top))) == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	k = select_top(q, keep, arg, limit, top);
	if ((*hits = calloc(k + 1, sizeof(**hits))) == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	for (d = 0; d < k; d++) {
		struct mt_hit *h = &(*hits)[d];
		uint32_t doc = top[d];

		h->doc = doc;
		h->score = q->d[doc].score;
		for (i = 0; i < 32; i++)
			h->cover += (double)q->credit[doc][i] / CREDIT_1;
		memcpy(h->fields, q->d[doc].fields, sizeof(h->fields));
	}
	*n = k;
out:
	/* A walk stopped by an error leaves a word's marks: clear them. */
	for (i = 0; i < q->nwt; i++)
		q->d[q->wtouched[i]].whole = q->d[q->wtouched[i]].pmask = 0;
	for (i = 0; i < q->ntouched; i++)
		q->d[q->touched[i]].acc = 0;
	q->nwt = q->ntouched = 0;
	reset(q);
	free(top);
	return rc;
}

int
mt_query(const struct mt_index *ix, struct mt_analyzer *a,
    enum mt_lang lang, const char *text, size_t len, struct mt_hit **hits,
    size_t *n)
{
	return mt_query_keys(ix, a, lang, text, len, NULL, 0, hits, n);
}

int
mt_query_keys(const struct mt_index *ix, struct mt_analyzer *a,
    enum mt_lang lang, const char *text, size_t len,
    const struct mt_qkey *keys, size_t nkeys, struct mt_hit **hits,
    size_t *n)
{
	struct mt_search *s;
	int rc;

	*hits = NULL;
	*n = 0;
	if ((rc = mt_search_new(ix, &s)) != 0)
		return rc;
	rc = mt_search(s, a, lang, text, len, keys, nkeys, NULL, NULL, 0, hits,
	    n);
	mt_search_free(s);
	return rc;
}
