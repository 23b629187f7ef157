/* index.c: BM25F over module texts (see index.h, docs/matching.md). */
#include "match/index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Field weights, title first; BM25's saturation and length norm. */
static const double field_w[MT_NFIELDS] = { 3.0, 2.5, 1.5, 1.0 };
#define BM25_K1 1.2
#define BM25_B 0.75
/* A compound's part, and a term related by prefix, count less. */
#define PART_W 0.5
#define PREFIX_W 0.7
#define PREFIX_MIN 5

struct posting {
	uint32_t doc;
	uint8_t field;
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
	int finished;
};

int
mt_index_new(struct mt_analyzer *a, const struct mt_dict *d,
    struct mt_index **out)
{
	struct mt_index *ix;

	*out = NULL;
	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		return I40_E_NOMEM;
	ix->a = a;
	ix->dict = d;
	ix->nslots = 4096;
	if ((ix->slots = calloc(ix->nslots, sizeof(*ix->slots))) == NULL ||
	    mt_dict_new(&ix->words) != 0) {
		free(ix->slots);
		free(ix);
		return I40_E_NOMEM;
	}
	*out = ix;
	return 0;
}

void
mt_index_free(struct mt_index *ix)
{
	size_t i;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->nterms; i++)
		free(ix->terms[i].p);
	free(ix->terms);
	free(ix->slots);
	free(ix->arena);
	free(ix->len);
	free(ix->sorted);
	mt_dict_free(ix->words);
	free(ix);
}

size_t
mt_index_docs(const struct mt_index *ix)
{
	return ix->ndocs;
}

static const char *
term_str(const struct mt_index *ix, size_t t)
{
	return ix->arena + ix->terms[t].off;
}

/* The slot of s: its term's, or the empty one it would take. */
static uint32_t *
slot_of(const struct mt_index *ix, const char *s, size_t len)
{
	size_t i = (size_t)mt_hash(s, len) & (ix->nslots - 1);

	for (;; i = (i + 1) & (ix->nslots - 1)) {
		uint32_t v = ix->slots[i];

		if (v == 0 || (ix->terms[v - 1].len == len &&
		    memcmp(term_str(ix, v - 1), s, len) == 0))
			return &ix->slots[i];
	}
}

static int
rehash(struct mt_index *ix)
{
	uint32_t *old = ix->slots;
	size_t on = ix->nslots, i;

	if ((ix->slots = calloc(2 * on, sizeof(*ix->slots))) == NULL) {
		ix->slots = old;
		return I40_E_NOMEM;
	}
	ix->nslots = 2 * on;
	for (i = 0; i < ix->nterms; i++)
		*slot_of(ix, term_str(ix, i), ix->terms[i].len) = (uint32_t)i + 1;
	free(old);
	return 0;
}

/* The id of term s, added if new: 0 and *id, or I40_E_NOMEM. */
static int
term_id(struct mt_index *ix, const char *s, size_t len, size_t *id)
{
	uint32_t *sl = slot_of(ix, s, len);
	struct term *t;
	int rc;

	if (*sl != 0) {
		*id = *sl - 1;
		return 0;
	}
	if (ix->nterms == ix->capterms) {
		size_t nc = ix->capterms ? 2 * ix->capterms : 1024;

		if ((t = realloc(ix->terms, nc * sizeof(*t))) == NULL)
			return I40_E_NOMEM;
		ix->terms = t;
		ix->capterms = nc;
	}
	if (ix->used + len + 1 > ix->acap) {
		size_t nc = ix->acap ? 2 * ix->acap : 1 << 16;
		char *na;

		while (nc < ix->used + len + 1)
			nc *= 2;
		if ((na = realloc(ix->arena, nc)) == NULL)
			return I40_E_NOMEM;
		ix->arena = na;
		ix->acap = nc;
	}
	memcpy(ix->arena + ix->used, s, len);
	ix->arena[ix->used + len] = '\0';
	t = &ix->terms[ix->nterms];
	memset(t, 0, sizeof(*t));
	t->off = ix->used;
	t->len = len;
	ix->used += len + 1;
	*sl = (uint32_t)++ix->nterms;
	*id = ix->nterms - 1;
	if (2 * ix->nterms >= ix->nslots && (rc = rehash(ix)) != 0)
		return rc;
	return 0;
}

/* tf more of term s in the current document's field. */
static int
post(struct mt_index *ix, const char *s, uint8_t field, float tf)
{
	struct term *t;
	struct posting *p;
	size_t id;
	int rc;

	if ((rc = term_id(ix, s, strlen(s), &id)) != 0)
		return rc;
	t = &ix->terms[id];
	if (t->np > 0 && t->p[t->np - 1].doc == ix->ndocs - 1 &&
	    t->p[t->np - 1].field == field) {
		t->p[t->np - 1].tf += tf;
		return 0;
	}
	if (t->np == t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 4;

		if ((p = realloc(t->p, nc * sizeof(*p))) == NULL)
			return I40_E_NOMEM;
		t->p = p;
		t->cap = nc;
	}
	t->p[t->np].doc = (uint32_t)(ix->ndocs - 1);
	t->p[t->np].field = field;
	t->p[t->np++].tf = tf;
	return 0;
}

/* A word of a text, or a part of its compound, into the document. */
struct adding {
	struct mt_index *ix;
	uint8_t field;
};

static int
add_term(void *arg, const struct mt_token *t, int part)
{
	struct adding *ad = arg;
	float w = part ? (float)PART_W : 1.0f;
	int rc;

	if ((rc = post(ad->ix, t->stem, ad->field, w)) != 0 ||
	    (!part && (rc = mt_dict_add(ad->ix->words, t->surface,
	    strlen(t->surface))) != 0))
		return rc;
	ad->ix->len[ad->ix->ndocs - 1][ad->field] += w;
	return 0;
}

int
mt_index_add(struct mt_index *ix, const struct mt_doc *doc)
{
	size_t f, l;
	int rc;

	if (ix->finished)
		return I40_E_VALUE;
	if (ix->ndocs == ix->capdocs) {
		size_t nc = ix->capdocs ? 2 * ix->capdocs : 64;
		float (*nl)[MT_NFIELDS] = realloc(ix->len, nc * sizeof(*nl));

		if (nl == NULL)
			return I40_E_NOMEM;
		ix->len = nl;
		ix->capdocs = nc;
	}
	memset(ix->len[ix->ndocs], 0, sizeof(ix->len[0]));
	ix->ndocs++;
	for (f = 0; f < MT_NFIELDS; f++) {
		for (l = 0; l < doc->nkeys[f] && l < MT_KEYS_MAX; l++) {
			if ((rc = post(ix, doc->keys[f][l], (uint8_t)f,
			    1.0f)) != 0)
				return rc;
			ix->len[ix->ndocs - 1][f] += 1;
		}
		for (l = 0; l < MT_NLANGS; l++) {
			struct adding ad = { ix, (uint8_t)f };
			const char *s = doc->text[f][l];

			if (s != NULL && (rc = mt_terms(ix->a, ix->dict,
			    (enum mt_lang)l, s, strlen(s), add_term, &ad)) != 0)
				return rc;
		}
	}
	return 0;
}

struct by_str {
	const char *s;
	uint32_t id;
};

static int
by_str_cmp(const void *a, const void *b)
{
	return strcmp(((const struct by_str *)a)->s,
	    ((const struct by_str *)b)->s);
}

int
mt_index_finish(struct mt_index *ix)
{
	size_t i, f;

	for (f = 0; f < MT_NFIELDS; f++) {
		double sum = 0;

		for (i = 0; i < ix->ndocs; i++)
			sum += ix->len[i][f];
		ix->avg[f] = ix->ndocs > 0 && sum > 0 ? sum / (double)ix->ndocs :
		    1;
	}
	/* idf from document frequency: distinct documents of postings. */
	for (i = 0; i < ix->nterms; i++) {
		struct term *t = &ix->terms[i];
		double df = 0;
		size_t k;

		for (k = 0; k < t->np; k++)
			df += k == 0 || t->p[k].doc != t->p[k - 1].doc;
		t->idf = log(1 + ((double)ix->ndocs - df + 0.5) / (df + 0.5));
	}
	if ((ix->sorted = malloc((ix->nterms + 1) * sizeof(*ix->sorted))) ==
	    NULL)
		return I40_E_NOMEM;
	{
		struct by_str *v = malloc((ix->nterms + 1) * sizeof(*v));

		if (v == NULL)
			return I40_E_NOMEM;
		for (i = 0; i < ix->nterms; i++) {
			v[i].s = term_str(ix, i);
			v[i].id = (uint32_t)i;
		}
		qsort(v, ix->nterms, sizeof(*v), by_str_cmp);
		for (i = 0; i < ix->nterms; i++)
			ix->sorted[i] = v[i].id;
		free(v);
	}
	ix->finished = 1;
	return 0;
}

/* ---- querying ---------------------------------------------------- */

struct querying {
	const struct mt_index *ix;
	struct mt_analyzer *a;
	enum mt_lang lang;
	double *score;
	double *acc;			/* this term's tf~ per document */
	uint32_t (*fields)[MT_NFIELDS];
	uint32_t *touched;
	size_t ntouched;
	uint32_t word;			/* the query word's number */
	double w;			/* 1, or PART_W inside a part */
	size_t words;
	/* How much of each word each document matched (mt_hit.cover). */
	uint8_t (*credit)[32];		/* per document and word, of CREDIT_1 */
	uint8_t *whole, *pmask;		/* per document, this word */
	uint32_t *wtouched;
	size_t nwt;
	int part;			/* this part's number; -1: the word */
	int nparts;
	int compound;			/* the word splits into parts */
};


/*
 * One query word's index terms (the stem, and those related by prefix,
 * each at its weight) scored as one term: their weighted frequencies
 * summed per document and saturated once, at the highest idf among
 * them, so that a word with many relatives does not count many times.
 */
#define MAX_VARIANTS 64

static void
score_word(struct querying *q, const size_t *ids, const double *ws,
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
			double norm = 1 - BM25_B + BM25_B *
			    q->ix->len[p->doc][p->field] / q->ix->avg[p->field];

			if (q->acc[p->doc] == 0)
				q->touched[q->ntouched++] = p->doc;
			/* whole: 1 seen in this word, 2 matched it whole. */
			if (q->whole[p->doc] == 0)
				q->wtouched[q->nwt++] = p->doc;
			q->whole[p->doc] |= 1;
			/*
			 * A compound's first part as an index term
			 * ("kvalitet" in "kvalitetssäkerhet") is a part's
			 * match, not the word's: its parts credit it.
			 */
			if (q->part < 0 && (full[v] || !q->compound))
				q->whole[p->doc] |= 2;
			else if (q->part >= 0)
				q->pmask[p->doc] |= (uint8_t)(1u << q->part);
			q->acc[p->doc] += ws[v] * field_w[p->field] * p->tf /
			    norm;
			if (q->word < 32)
				q->fields[p->doc][p->field] |= 1u << q->word;
		}
	}
	for (k = 0; k < q->ntouched; k++) {
		uint32_t d = q->touched[k];

		q->score[d] += q->w * idf * q->acc[d] / (BM25_K1 + q->acc[d]);
		q->acc[d] = 0;
	}
}

static int
starts(const char *s, const char *prefix, size_t plen)
{
	return strncmp(s, prefix, plen) == 0;
}

/* The stem, and terms related by prefix when it is long enough. */
static void
score_stem(struct querying *q, const char *stem)
{
	const struct mt_index *ix = q->ix;
	size_t len = strlen(stem), lo = 0, hi = ix->nterms, l, nv = 0;
	uint32_t *sl = slot_of(ix, stem, len);
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

			if (strcmp(term_str(ix, ix->sorted[mid]), stem) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < ix->nterms && nv < MAX_VARIANTS &&
		    starts(term_str(ix, ix->sorted[lo]), stem, len); lo++)
			if (ix->terms[ix->sorted[lo]].len != len) {
				ids[nv] = ix->sorted[lo];
				full[nv] = 1;
				ws[nv++] = PREFIX_W;
			}
		/* Index terms the stem begins with ("svetsning", "svets"). */
		for (l = PREFIX_MIN; l < len && nv < MAX_VARIANTS; l++) {
			if (((uint8_t)stem[l] & 0xc0) == 0x80)
				continue;
			sl = slot_of(ix, stem, l);
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
word_done(struct querying *q, uint32_t w, double share)
{
	size_t k;
	uint32_t d;
	int np = q->nparts > 0 ? q->nparts : 1, b, c;
	double v;

	for (k = 0; k < q->nwt; k++) {
		d = q->wtouched[k];
		for (b = 0, c = 0; b < 8; b++)
			c += (q->pmask[d] >> b) & 1;
		v = (q->whole[d] & 2 ? CREDIT_1 : CREDIT_1 * c / np) * share;
		if (w < 32 && v > q->credit[d][w])
			q->credit[d][w] = (uint8_t)(v + 0.5);
		q->whole[d] = q->pmask[d] = 0;
	}
	q->nwt = 0;
	q->nparts = 0;
}

/* A word of the need, or a part of its compound (at PART_W). */
static int
query_term(void *arg, const struct mt_token *t, int part)
{
	struct querying *q = arg;

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

static int
hit_cmp(const void *a, const void *b)
{
	const struct mt_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->doc < y->doc ? -1 : x->doc > y->doc;
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
	struct querying q;
	size_t d, k = 0, i;
	int rc;

	*hits = NULL;
	*n = 0;
	if (!ix->finished)
		return I40_E_VALUE;
	memset(&q, 0, sizeof(q));
	q.ix = ix;
	q.a = a;
	q.lang = lang;
	q.w = 1;
	q.score = calloc(ix->ndocs + 1, sizeof(*q.score));
	q.acc = calloc(ix->ndocs + 1, sizeof(*q.acc));
	q.fields = calloc(ix->ndocs + 1, sizeof(*q.fields));
	q.touched = calloc(ix->ndocs + 1, sizeof(*q.touched));
	q.credit = calloc(ix->ndocs + 1, sizeof(*q.credit));
	q.whole = calloc(ix->ndocs + 1, 1);
	q.pmask = calloc(ix->ndocs + 1, 1);
	q.wtouched = calloc(ix->ndocs + 1, sizeof(*q.wtouched));
	if (q.score == NULL || q.acc == NULL || q.fields == NULL ||
	    q.touched == NULL || q.credit == NULL || q.whole == NULL ||
	    q.pmask == NULL || q.wtouched == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	q.part = -1;
	if ((rc = mt_terms(a, ix->dict, lang, text, len, query_term, &q)) != 0)
		goto out;
	word_done(&q, q.word, 1);
	if (q.words == 0) {
		rc = I40_E_EMPTY;
		goto out;
	}
	q.w = 1;
	for (d = 0, q.word = (uint32_t)q.words; d < nkeys; d++, q.word++) {
		uint32_t *sl = slot_of(ix, keys[d].key, strlen(keys[d].key));
		size_t id;
		double w = 1;
		uint8_t full = 1;

		if (*sl == 0)
			continue;
		id = *sl - 1;
		q.part = -1;
		q.compound = 0;
		score_word(&q, &id, &w, &full, 1);
		word_done(&q, keys[d].word, keys[d].share);
	}
	for (d = 0; d < ix->ndocs; d++)
		k += q.score[d] > 0;
	if ((*hits = calloc(k + 1, sizeof(**hits))) == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	for (d = 0; d < ix->ndocs; d++)
		if (q.score[d] > 0) {
			struct mt_hit *h = &(*hits)[(*n)++];

			h->doc = d;
			h->score = q.score[d];
			for (i = 0; i < 32; i++)
				h->cover += (double)q.credit[d][i] / CREDIT_1;
			memcpy(h->fields, q.fields[d], sizeof(h->fields));
		}
	qsort(*hits, *n, sizeof(**hits), hit_cmp);
out:
	free(q.score);
	free(q.acc);
	free(q.fields);
	free(q.touched);
	free(q.credit);
	free(q.whole);
	free(q.pmask);
	free(q.wtouched);
	return rc;
}

/* ---- did you mean ------------------------------------------------ */

/* Code points of a folded word (it is UTF-8: the analyzer made it). */
static size_t
cps(const char *s, size_t len, uint32_t *out, size_t cap)
{
	size_t i = 0, n = 0;

	while (i < len && n < cap) {
		uint8_t c = (uint8_t)s[i];
		size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		uint32_t v = k == 1 ? c : c & (0x7fu >> k);
		size_t j;

		for (j = 1; j < k && i + j < len; j++)
			v = v << 6 | ((uint8_t)s[i + j] & 0x3fu);
		out[n++] = v;
		i += k;
	}
	return n;
}

/* Optimal string alignment distance, stopping past max. */
static size_t
distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
    size_t max)
{
	size_t d[MT_TERM_MAX + 2][MT_TERM_MAX + 2], i, j;

	if ((na > nb ? na - nb : nb - na) > max)
		return max + 1;
	for (i = 0; i <= na; i++)
		d[i][0] = i;
	for (j = 0; j <= nb; j++)
		d[0][j] = j;
	for (i = 1; i <= na; i++) {
		size_t rowmin = SIZE_MAX;

		for (j = 1; j <= nb; j++) {
			size_t c = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + c;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (rowmin > max)
			return max + 1;
	}
	return d[na][nb];
}

struct near {
	uint32_t w[MT_TERM_MAX];
	size_t nw, max, best;
	char word[MT_TERM_MAX + 1];
	size_t blen;
};

static void
near_cb(void *arg, const char *word, size_t len)
{
	struct near *s = arg;
	uint32_t c[MT_TERM_MAX];
	size_t nc = cps(word, len, c, MT_TERM_MAX), dist;

	dist = distance(s->w, s->nw, c, nc, s->max);
	if (dist == 0 || dist > s->max)
		return;
	if (dist < s->best || (dist == s->best && (len < s->blen ||
	    (len == s->blen && memcmp(word, s->word, len) < 0)))) {
		s->best = dist;
		s->blen = len;
		memcpy(s->word, word, len);
		s->word[len] = '\0';
	}
}

struct suggesting {
	const struct mt_index *ix;
	char (*out)[MT_TERM_MAX + 1];
	size_t cap, n;
};

static int
suggest_token(void *arg, const struct mt_token *t)
{
	struct suggesting *sg = arg;
	struct near s;
	size_t i;

	if (sg->n == sg->cap || *slot_of(sg->ix, t->stem, strlen(t->stem)) !=
	    0 || mt_dict_has(sg->ix->words, t->surface, strlen(t->surface)))
		return 0;
	memset(&s, 0, sizeof(s));
	s.nw = cps(t->surface, strlen(t->surface), s.w, MT_TERM_MAX);
	s.max = s.nw <= 4 ? 1 : 2;
	s.best = s.max + 1;
	mt_dict_each(sg->ix->words, near_cb, &s);
	if (s.best > s.max)
		return 0;
	for (i = 0; i < sg->n; i++)
		if (strcmp(sg->out[i], s.word) == 0)
			return 0;
	memcpy(sg->out[sg->n++], s.word, s.blen + 1);
	return 0;
}

int
mt_suggest(const struct mt_index *ix, struct mt_analyzer *a,
    enum mt_lang lang, const char *text, size_t len,
    char (*out)[MT_TERM_MAX + 1], size_t cap, size_t *n)
{
	struct suggesting sg = { ix, out, cap, 0 };
	int rc = mt_analyze(a, lang, text, len, suggest_token, &sg);

	*n = sg.n;
	return rc;
}
