/* index.c: BM25F over module texts (see index.h, docs/matching.md). */
#include "match/index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "match/index_int.h"

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
	free(ix->memo);
	free(ix->marena);
	mt_dict_free(ix->words);
	mt_dict_free(ix->stems);
	free(ix);
}

size_t
mt_index_docs(const struct mt_index *ix)
{
	return ix->ndocs;
}

const struct mt_dict *
mt_index_stems(const struct mt_index *ix)
{
	return ix->stems;
}

uint32_t *
mt_ix_slot(const struct mt_index *ix, const char *s, size_t len)
{
	size_t i = (size_t)mt_hash(s, len) & (ix->nslots - 1);

	for (;; i = (i + 1) & (ix->nslots - 1)) {
		uint32_t v = ix->slots[i];

		if (v == 0 || (ix->terms[v - 1].len == len &&
		    memcmp(mt_ix_term(ix, v - 1), s, len) == 0))
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
		*mt_ix_slot(ix, mt_ix_term(ix, i), ix->terms[i].len) = (uint32_t)i + 1;
	free(old);
	return 0;
}

int
mt_ix_term_id(struct mt_index *ix, const char *s, size_t len, size_t *id)
{
	uint32_t *sl = mt_ix_slot(ix, s, len);
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

/* tf more of term id in the current document's field. */
static int
post(struct mt_index *ix, size_t id, uint8_t field, float tf)
{
	struct term *t = &ix->terms[id];
	struct posting *p;

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

/*
 * A distinct word of the texts (in one language), analysed once: the
 * terms mt_terms gives for it, its stem and its compound's parts.  A
 * catalog repeats its words; the analysis is what costs.
 */
#define MEMO_TERMS (2 * MT_PARTS_MAX + 1)
struct memo {
	uint64_t h;			/* 0: empty */
	uint32_t off;			/* the surface, in marena */
	uint8_t len, lang, n;
	uint8_t part[MEMO_TERMS];
	uint32_t id[MEMO_TERMS];
};

static struct memo *
memo_find(const struct mt_index *ix, const char *w, size_t len, uint8_t lang,
    uint64_t h)
{
	size_t i = (size_t)h & (ix->mcap - 1);

	for (;; i = (i + 1) & (ix->mcap - 1)) {
		struct memo *m = &ix->memo[i];

		if (m->h == 0 || (m->h == h && m->len == len &&
		    m->lang == lang && memcmp(ix->marena + m->off, w, len) == 0))
			return m;
	}
}

static int
memo_grow(struct mt_index *ix)
{
	struct memo *old = ix->memo;
	size_t ocap = ix->mcap, i;

	ix->mcap = ocap ? 2 * ocap : 4096;
	if ((ix->memo = calloc(ix->mcap, sizeof(*ix->memo))) == NULL) {
		ix->memo = old;
		ix->mcap = ocap;
		return I40_E_NOMEM;
	}
	for (i = 0; i < ocap; i++)
		if (old[i].h != 0)
			*memo_find(ix, ix->marena + old[i].off, old[i].len,
			    old[i].lang, old[i].h) = old[i];
	free(old);
	return 0;
}

struct collecting {
	struct mt_index *ix;
	struct memo *m;
	int rc;
};

static int
collect(void *arg, const struct mt_token *t, int part)
{
	struct collecting *c = arg;
	size_t id;
	int rc;

	if (c->m->n == MEMO_TERMS)
		return 0;
	if ((rc = mt_ix_term_id(c->ix, t->stem, strlen(t->stem), &id)) != 0 ||
	    (!part && (rc = mt_dict_add(c->ix->words, t->surface,
	    strlen(t->surface))) != 0))
		return rc;
	c->m->part[c->m->n] = part != 0;
	c->m->id[c->m->n++] = (uint32_t)id;
	return 0;
}

/* The memo of word (folded, in lang), analysed now if it is new. */
static int
memo_of(struct mt_index *ix, const char *w, size_t len, enum mt_lang lang,
    struct memo **out)
{
	uint64_t h = (mt_hash(w, len) ^ ((uint64_t)lang + 1) *
	    0x9e3779b97f4a7c15u) | 1;
	struct memo *m;
	struct collecting c;
	int rc;

	if (2 * (ix->mn + 1) > ix->mcap && (rc = memo_grow(ix)) != 0)
		return rc;
	if ((m = memo_find(ix, w, len, (uint8_t)lang, h))->h != 0) {
		*out = m;
		return 0;
	}
	if (ix->mused + len > ix->macap) {
		size_t nc = ix->macap ? 2 * ix->macap : 1 << 16;
		char *na;

		while (nc < ix->mused + len)
			nc *= 2;
		if ((na = realloc(ix->marena, nc)) == NULL)
			return I40_E_NOMEM;
		ix->marena = na;
		ix->macap = nc;
	}
	memcpy(ix->marena + ix->mused, w, len);
	memset(m, 0, sizeof(*m));
	m->off = (uint32_t)ix->mused;
	m->len = (uint8_t)len;
	m->lang = (uint8_t)lang;
	c.ix = ix;
	c.m = m;
	if ((rc = mt_terms(ix->a, ix->dict, lang, w, len, collect, &c)) != 0)
		return rc;
	ix->mused += len;
	m->h = h;
	ix->mn++;
	*out = m;
	return 0;
}

/* A word of a text, and its compound's parts, into the document. */
struct adding {
	struct mt_index *ix;
	uint8_t field;
	enum mt_lang lang;
};

static int
add_word(void *arg, const struct mt_token *t)
{
	struct adding *ad = arg;
	struct mt_index *ix = ad->ix;
	struct memo *m;
	size_t i;
	int rc;

	if ((rc = memo_of(ix, t->surface, t->len, ad->lang, &m)) != 0)
		return rc;
	for (i = 0; i < m->n; i++) {
		float w = m->part[i] ? (float)PART_W : 1.0f;

		if ((rc = post(ix, m->id[i], ad->field, w)) != 0)
			return rc;
		ix->len[ix->ndocs - 1][ad->field] += w;
	}
	return 0;
}

int
mt_index_add(struct mt_index *ix, const struct mt_doc *doc)
{
	size_t f, l, id;
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
			if ((rc = mt_ix_term_id(ix, doc->keys[f][l],
			    strlen(doc->keys[f][l]), &id)) != 0 ||
			    (rc = post(ix, id, (uint8_t)f, 1.0f)) != 0)
				return rc;
			ix->len[ix->ndocs - 1][f] += 1;
		}
		for (l = 0; l < MT_NLANGS; l++) {
			struct adding ad = { ix, (uint8_t)f, (enum mt_lang)l };
			const char *s = doc->text[f][l];

			if (s != NULL && (rc = mt_surfaces(ix->a, s, strlen(s),
			    add_word, &ad)) != 0)
				return rc;
		}
	}
	return 0;
}

int
mt_ix_stems(struct mt_index *ix)
{
	size_t i, k, len;
	const char *t;
	int rc;

	if (ix->stems == NULL && (rc = mt_dict_new(&ix->stems)) != 0)
		return rc;
	for (i = 0; i < ix->nterms; i++) {
		t = mt_ix_term(ix, i);
		len = ix->terms[i].len;
		if (len < PREFIX_MIN || len > MT_TERM_MAX)
			continue;
		/* Letters: a to z, and what UTF-8 makes of å, ä, ö, é... */
		for (k = 0; k < len && ((t[k] >= 'a' && t[k] <= 'z') ||
		    (uint8_t)t[k] >= 0x80); k++)
			;
		if (k == len && (rc = mt_dict_add(ix->stems, t, len)) != 0)
			return rc;
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
	int rc;

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
		double df;

		size_t k, o = 0;
		double acc = 0;

		/* A document's postings are together, in field order. */
		for (k = 0; k < t->np; k++) {
			struct posting *p = &t->p[k];
			double norm = 1 - BM25_B + BM25_B *
			    ix->len[p->doc][p->field] / ix->avg[p->field];
			uint8_t bit = (uint8_t)(1u << p->field);

			acc = mt_field_w[p->field] * p->tf / norm;
			if (o > 0 && t->p[o - 1].doc == p->doc) {
				t->p[o - 1].field |= bit;
				t->p[o - 1].tf = (float)(t->p[o - 1].tf + acc);
				continue;
			}
			t->p[o].doc = p->doc;
			t->p[o].field = bit;
			t->p[o++].tf = (float)acc;
		}
		t->np = o;
		df = (double)o;
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
			v[i].s = mt_ix_term(ix, i);
			v[i].id = (uint32_t)i;
		}
		qsort(v, ix->nterms, sizeof(*v), by_str_cmp);
		for (i = 0; i < ix->nterms; i++)
			ix->sorted[i] = v[i].id;
		free(v);
	}
	if ((rc = mt_ix_stems(ix)) != 0)
		return rc;
	/* What only the building needed. */
	free(ix->memo);
	free(ix->marena);
	ix->memo = NULL;
	ix->marena = NULL;
	ix->mcap = ix->mn = ix->mused = ix->macap = 0;
	ix->finished = 1;
	return 0;
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

	if (sg->n == sg->cap || *mt_ix_slot(sg->ix, t->stem, strlen(t->stem)) !=
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
