/*
 * search.c: queries on an index (see index.h, docs/matching.md,
 * "Ranking"), with working memory reused from query to query so that a
 * query costs what its words reach, not the catalog's size.  Scoring
 * touches only a document's score; why a hit matched (its fields, how
 * much of the need it covers) is worked out afterwards for the hits
 * returned, from the terms the query used.
 */
#include <stdlib.h>
#include <string.h>

#include "match/index_int.h"

/* A document's state in a query, together for the cache; zero between. */
struct dst {
	double score;
	double acc;			/* this word's tf~ */
	uint8_t in;			/* in all[] */
};

/* A word of the query (or a part, or a key) and the index terms it used. */
struct qterm {
	uint32_t bit;			/* its number in mt_hit.fields */
	uint32_t word;			/* the need word it credits */
	int part;			/* its part's number; -1: the word */
	int compound;			/* the word splits into parts */
	double share;			/* a key: how much of the word */
	size_t v0, nv;			/* its terms: qv[v0..v0+nv) */
};

struct qvar {
	size_t id;
	uint8_t full;			/* a whole-word match, not a first part */
};

struct mt_search {
	const struct mt_index *ix;
	struct dst *d;			/* per document */
	uint32_t *touched, *all;
	size_t ntouched, nall;
	/* This query's terms, for the explanation. */
	struct qterm *qt;
	size_t nqt, capqt;
	struct qvar *qv;
	size_t nqv, capqv;
	int oom;
	/* This query's walk. */
	enum mt_lang lang;
	size_t words;
	int compound, nparts;
	uint32_t word;
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
	s->touched = calloc(n, sizeof(*s->touched));
	s->all = calloc(n, sizeof(*s->all));
	if (s->d == NULL || s->touched == NULL || s->all == NULL) {
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
	free(s->touched);
	free(s->all);
	free(s->qt);
	free(s->qv);
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
score_word(struct mt_search *q, double w, const size_t *ids, const double *ws,
    size_t nv)
{
	double idf = 0, c, a;
	size_t v, i, k;

	for (v = 0; v < nv; v++)
		if (q->ix->terms[ids[v]].idf > idf)
			idf = q->ix->terms[ids[v]].idf;
	c = w * idf;
	if (nv == 1) {
		/* One term: saturated posting by posting. */
		const struct term *t = &q->ix->terms[ids[0]];

		for (i = 0; i < t->np; i++) {
			struct dst *ds = &q->d[t->p[i].doc];

			if (!ds->in) {
				ds->in = 1;
				q->all[q->nall++] = t->p[i].doc;
			}
			a = ws[0] * t->p[i].tf;
			ds->score += c * a / (BM25_K1 + a);
		}
		return;
	}
	q->ntouched = 0;
	for (v = 0; v < nv; v++) {
		const struct term *t = &q->ix->terms[ids[v]];

		for (i = 0; i < t->np; i++) {
			struct dst *ds = &q->d[t->p[i].doc];

			if (ds->acc == 0)
				q->touched[q->ntouched++] = t->p[i].doc;
			if (!ds->in) {
				ds->in = 1;
				q->all[q->nall++] = t->p[i].doc;
			}
			ds->acc += ws[v] * t->p[i].tf;
		}
	}
	for (k = 0; k < q->ntouched; k++) {
		struct dst *ds = &q->d[q->touched[k]];

		ds->score += c * ds->acc / (BM25_K1 + ds->acc);
		ds->acc = 0;
	}
	q->ntouched = 0;
}

/* The term and its variants kept for the explanation of the hits. */
static void
remember(struct mt_search *q, const struct qterm *t, const size_t *ids,
    const uint8_t *full, size_t nv)
{
	size_t i;

	if (q->oom || (t->bit >= 32 && t->word >= 32))
		return;
	if (q->nqt == q->capqt) {
		size_t nc = q->capqt ? 2 * q->capqt : 16;
		struct qterm *n = realloc(q->qt, nc * sizeof(*n));

		if (n == NULL) {
			q->oom = 1;
			return;
		}
		q->qt = n;
		q->capqt = nc;
	}
	if (q->nqv + nv > q->capqv) {
		size_t nc = q->capqv ? 2 * q->capqv : 256;
		struct qvar *n;

		while (nc < q->nqv + nv)
			nc *= 2;
		if ((n = realloc(q->qv, nc * sizeof(*n))) == NULL) {
			q->oom = 1;
			return;
		}
		q->qv = n;
		q->capqv = nc;
	}
	q->qt[q->nqt] = *t;
	q->qt[q->nqt].v0 = q->nqv;
	q->qt[q->nqt++].nv = nv;
	for (i = 0; i < nv; i++) {
		q->qv[q->nqv].id = ids[i];
		q->qv[q->nqv++].full = full[i];
	}
}

static int
starts(const char *s, const char *prefix, size_t plen)
{
	return strncmp(s, prefix, plen) == 0;
}

/* The stem, and terms related by prefix when it is long enough. */
static size_t
variants(const struct mt_index *ix, const char *stem, size_t *ids,
    double *ws, uint8_t *full)
{
	size_t len = strlen(stem), lo = 0, hi = ix->nterms, l, nv = 0;
	uint32_t *sl = mt_ix_slot(ix, stem, len);

	if (*sl != 0) {
		ids[nv] = *sl - 1;
		full[nv] = 1;
		ws[nv++] = 1;
	}
	if (len < PREFIX_MIN)
		return nv;
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
	return nv;
}

/* A word of the need, or a part of its compound (at PART_W). */
static int
query_term(void *arg, const struct mt_token *t, int part)
{
	struct mt_search *q = arg;
	size_t ids[MAX_VARIANTS], nv;
	double ws[MAX_VARIANTS];
	uint8_t full[MAX_VARIANTS];
	struct qterm qt;

	if (!part) {
		char parts[MT_PARTS_MAX][MT_TERM_MAX + 1];
		size_t np = 0;

		if (q->lang == MT_SV && q->ix->dict != NULL)
			mt_split2(q->ix->dict, q->ix->stems, t->surface, parts,
			    &np);
		q->compound = np > 0;
		q->nparts = 0;
	}
	memset(&qt, 0, sizeof(qt));
	qt.bit = qt.word = t->pos;
	qt.part = part ? q->nparts++ : -1;
	qt.compound = q->compound;
	qt.share = 1;
	nv = variants(q->ix, t->stem, ids, ws, full);
	score_word(q, part ? PART_W : 1, ids, ws, nv);
	remember(q, &qt, ids, full, nv);
	q->words = (size_t)t->pos + 1;
	return 0;
}

/* Whether term id holds doc (its postings are in document order). */
static const struct posting *
posting_of(const struct term *t, uint32_t doc)
{
	size_t lo = 0, hi = t->np, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->p[mid].doc < doc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->np && t->p[lo].doc == doc ? &t->p[lo] : NULL;
}

/* A word matched in full; divisible by every count of parts. */
#define CREDIT_1 240

/*
 * Why doc matched: in which fields each query word (bit) was found, and
 * how much of the need it covers. A need word (of the first 32) counts
 * 1 when matched whole, the share of its parts when only parts matched,
 * and as much as a key stands for when its skill's key matched; the
 * largest of these, so that a word matched twice counts once.
 */
static void
explain(const struct mt_search *q, struct mt_hit *h)
{
	unsigned credit[32] = { 0 }, whole = 0, c;
	unsigned pmask[32] = { 0 }, nparts[32] = { 0 };
	size_t i, v, f;

	for (i = 0; i < q->nqt; i++) {
		const struct qterm *t = &q->qt[i];
		int hit = 0, w = 0;

		if (t->word < 32 && t->part >= 0 && t->share == 1 &&
		    (unsigned)t->part + 1 > nparts[t->word])
			nparts[t->word] = (unsigned)t->part + 1;
		for (v = 0; v < t->nv; v++) {
			const struct posting *p = posting_of(
			    &q->ix->terms[q->qv[t->v0 + v].id], (uint32_t)h->doc);

			if (p == NULL)
				continue;
			hit = 1;
			w |= q->qv[t->v0 + v].full || !t->compound;
			for (f = 0; f < MT_NFIELDS && t->bit < 32; f++)
				if (p->field & (1u << f))
					h->fields[f] |= 1u << t->bit;
		}
		if (!hit || t->word >= 32)
			continue;
		if (t->bit != t->word) {	/* a key */
			c = (unsigned)(CREDIT_1 * t->share + 0.5);
			if (c > credit[t->word])
				credit[t->word] = c;
		} else if (t->part < 0 && w)
			whole |= 1u << t->word;
		else if (t->part >= 0)
			pmask[t->word] |= 1u << t->part;
	}
	for (i = 0; i < 32; i++) {
		c = whole & (1u << i) ? CREDIT_1 : nparts[i] == 0 ? 0 :
		    CREDIT_1 * (unsigned)__builtin_popcount(pmask[i]) /
		    nparts[i];
		if (c > credit[i])
			credit[i] = c;
		h->cover += (double)credit[i] / CREDIT_1;
	}
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
	}
	for (i = 0; i < s->ntouched; i++)
		s->d[s->touched[i]].acc = 0;
	s->nall = s->ntouched = 0;
	s->nqt = s->nqv = 0;
	s->oom = 0;
}

int
mt_search(struct mt_search *q, struct mt_analyzer *a, enum mt_lang lang,
    const char *text, size_t len, const struct mt_qkey *keys, size_t nkeys,
    mt_keep_fn keep, void *arg, size_t limit, struct mt_hit **hits,
    size_t *n)
{
	const struct mt_index *ix = q->ix;
	uint32_t *top = NULL;
	size_t d, k;
	int rc;

	*hits = NULL;
	*n = 0;
	q->lang = lang;
	q->words = 0;
	if ((rc = mt_terms2(a, ix->dict, ix->stems, lang, text, len,
	    query_term, q)) != 0)
		goto out;
	if (q->words == 0) {
		rc = I40_E_EMPTY;
		goto out;
	}
	for (d = 0; d < nkeys; d++) {
		uint32_t *sl = mt_ix_slot(ix, keys[d].key, strlen(keys[d].key));
		struct qterm qt;
		size_t id;
		double w = 1;
		uint8_t full = 1;

		if (*sl == 0)
			continue;
		id = *sl - 1;
		memset(&qt, 0, sizeof(qt));
		qt.bit = (uint32_t)(q->words + d);
		qt.word = keys[d].word;
		qt.part = -1;
		qt.share = keys[d].share;
		score_word(q, 1, &id, &w, 1);
		remember(q, &qt, &id, &full, 1);
	}
	rc = I40_E_NOMEM;
	if (q->oom || (top = malloc((q->nall + 1) * sizeof(*top))) == NULL)
		goto out;
	k = select_top(q, keep, arg, limit, top);
	if ((*hits = calloc(k + 1, sizeof(**hits))) == NULL)
		goto out;
	for (d = 0; d < k; d++) {
		struct mt_hit *h = &(*hits)[d];

		h->doc = top[d];
		h->score = q->d[top[d]].score;
		explain(q, h);
	}
	*n = k;
	rc = 0;
out:
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
