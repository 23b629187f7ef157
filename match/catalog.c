/* catalog.c: a store's current catalog indexed (see catalog.h). */
#include "match/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/body.h"

static int
mod_cmp(const void *a, const void *b)
{
	const struct mt_module *x = a, *y = b;
	int c;

	if ((c = strcmp(x->schac, y->schac)) != 0 ||
	    (c = strcmp(x->code, y->code)) != 0)
		return c;
	return memcmp(x->author, y->author, 32);
}

static void
cpy(char *dst, size_t cap, struct codec_bytes s)
{
	snprintf(dst, cap, "%.*s", (int)s.len, (const char *)s.p);
}

/* Strings joined by ". " into a new buffer (NULL for none or no memory). */
static char *
join(const struct codec_bytes *v, size_t n)
{
	size_t len = 1, i, o = 0;
	char *s;

	for (i = 0; i < n; i++)
		len += v[i].len + 2;
	if (n == 0 || (s = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i > 0) {
			memcpy(s + o, ". ", 2);
			o += 2;
		}
		memcpy(s + o, v[i].p, v[i].len);
		o += v[i].len;
	}
	s[o] = '\0';
	return s;
}

static char *
dup0(struct codec_bytes s)
{
	char *d = s.len > 0 ? malloc(s.len + 1) : NULL;

	if (d != NULL) {
		memcpy(d, s.p, s.len);
		d[s.len] = '\0';
	}
	return d;
}

struct stems {
	char (*s)[MT_TERM_MAX + 1];
	size_t n, cap;
};

static int
stem_cb(void *arg, const struct mt_token *t)
{
	struct stems *st = arg;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->s[i], t->stem) == 0)
			return 0;
	if (st->n < st->cap)
		snprintf(st->s[st->n++], MT_TERM_MAX + 1, "%s", t->stem);
	return 0;
}

/* A tag with an ESCO URI into c's tag table, once per URI. */
static int
add_tag(struct mt_catalog *c, struct mt_analyzer *a,
    const struct body_skill *sk)
{
	struct mt_tag *t;
	struct stems st;
	char label[201];
	size_t i;
	int rc;

	for (i = 0; i < c->ntags; i++)
		if (strlen(c->tags[i].key) == sk->esco.len + 5 &&
		    memcmp(c->tags[i].key + 5, sk->esco.p, sk->esco.len) == 0)
			break;
	if (i == c->ntags) {
		if ((t = realloc(c->tags, (c->ntags + 1) * sizeof(*t))) == NULL)
			return I40_E_NOMEM;
		c->tags = t;
		t = &c->tags[c->ntags++];
		memset(t, 0, sizeof(*t));
		snprintf(t->key, sizeof(t->key), "esco:%.*s",
		    (int)sk->esco.len, (const char *)sk->esco.p);
		cpy(t->label, sizeof(t->label), sk->label);
	}
	t = &c->tags[i];
	/* Every label of the URI, in both languages, adds its stems. */
	cpy(label, sizeof(label), sk->label);
	st.s = t->stems;
	st.n = t->nstems;
	st.cap = MT_TAG_STEMS;
	if ((rc = mt_analyze(a, MT_SV, label, strlen(label), stem_cb,
	    &st)) != 0 || (rc = mt_analyze(a, MT_EN, label, strlen(label),
	    stem_cb, &st)) != 0)
		return rc;
	t->nstems = st.n;
	return 0;
}

/* m's prerequisites appended to c's list, names only (resolved later). */
static int
add_prereqs(struct mt_catalog *c, struct mt_module *m,
    const struct body_module *b)
{
	struct mt_prereq *p;
	size_t i;

	m->pre = c->npre;
	m->npre = 0;
	if (b->nprereqs == 0)
		return 0;
	if ((p = realloc(c->pre, (c->npre + b->nprereqs) * sizeof(*p))) ==
	    NULL)
		return I40_E_NOMEM;
	c->pre = p;
	for (i = 0; i < b->nprereqs; i++) {
		p = &c->pre[c->npre++];
		cpy(p->code, sizeof(p->code), b->prereqs[i].code);
		cpy(p->schac, sizeof(p->schac), b->prereqs[i].schac);
		p->mod = SIZE_MAX;
	}
	m->npre = b->nprereqs;
	return 0;
}

size_t
mt_catalog_find(const struct mt_catalog *c, const char *schac,
    const char *code)
{
	size_t lo = 0, hi = c->n, mid;
	int cmp;

	/* The modules are sorted by (schac, code): the first of equals. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((cmp = strcmp(c->m[mid].schac, schac)) == 0)
			cmp = strcmp(c->m[mid].code, code);
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->n && strcmp(c->m[lo].schac, schac) == 0 &&
	    strcmp(c->m[lo].code, code) == 0)
		return lo;
	return SIZE_MAX;
}

/* One module's texts into the index (its strings freed here). */
static int
index_one(struct mt_index *ix, const struct body_module *b)
{
	struct codec_bytes labels[BODY_MAX_SKILLS];
	struct mt_doc doc;
	char *own[7] = { NULL };
	size_t i;
	int rc;

	memset(&doc, 0, sizeof(doc));
	char keys[MT_KEYS_MAX][300];

	for (i = 0; i < b->nskills; i++) {
		labels[i] = b->skills[i].label;
		if (b->skills[i].esco.len > 0 &&
		    doc.nkeys[MT_F_TAGS] < MT_KEYS_MAX) {
			snprintf(keys[doc.nkeys[MT_F_TAGS]], sizeof(keys[0]),
			    "esco:%.*s", (int)b->skills[i].esco.len,
			    (const char *)b->skills[i].esco.p);
			doc.keys[MT_F_TAGS][doc.nkeys[MT_F_TAGS]] =
			    keys[doc.nkeys[MT_F_TAGS]];
			doc.nkeys[MT_F_TAGS]++;
		}
	}
	own[0] = dup0(b->title_sv);
	own[1] = dup0(b->title_en);
	own[2] = join(labels, b->nskills);
	own[3] = join(b->outcomes_sv, b->noutcomes_sv);
	own[4] = join(b->outcomes_en, b->noutcomes_en);
	own[5] = dup0(b->summary_sv);
	own[6] = dup0(b->summary_en);
	doc.text[MT_F_TITLE][MT_SV] = own[0];
	doc.text[MT_F_TITLE][MT_EN] = own[1];
	/* A tag's label is in either language: analysed as both. */
	doc.text[MT_F_TAGS][MT_SV] = own[2];
	doc.text[MT_F_TAGS][MT_EN] = own[2];
	doc.text[MT_F_OUTCOMES][MT_SV] = own[3];
	doc.text[MT_F_OUTCOMES][MT_EN] = own[4];
	doc.text[MT_F_SUMMARY][MT_SV] = own[5];
	doc.text[MT_F_SUMMARY][MT_EN] = own[6];
	rc = mt_index_add(ix, &doc);
	for (i = 0; i < 7; i++)
		free(own[i]);
	return rc;
}

int
mt_catalog_build(struct store *st, struct mt_analyzer *a,
    const struct mt_dict *d, struct mt_catalog *out, char *why, size_t cap)
{
	struct store_member *mem = NULL;
	struct store_module *ms = NULL;
	struct body *b = NULL;
	struct ev_signed e;
	size_t nmem = 0, nms = 0, i, j, k;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_members(st, &mem, &nmem)) != 0 ||
	    (rc = store_modules(st, &ms, &nms)) != 0) {
		snprintf(why, cap, "cannot read the catalog: %s",
		    i40_strerror(rc));
		goto out;
	}
	rc = I40_E_NOMEM;
	snprintf(why, cap, "out of memory");
	if ((b = malloc(sizeof(*b))) == NULL ||
	    (out->m = calloc(nms + 1, sizeof(*out->m))) == NULL ||
	    (rc = mt_index_new(a, d, &out->ix)) != 0)
		goto out;
	/* The modules in a stable order first, then indexed in it. */
	for (i = 0; i < nms; i++) {
		struct mt_module *m = &out->m[out->n];

		if (ms[i].retired)
			continue;
		memcpy(m->id, ms[i].id, 32);
		memcpy(m->author, ms[i].author, 32);
		snprintf(m->code, sizeof(m->code), "%s", ms[i].code);
		for (j = 0; j < nmem; j++)
			if (memcmp(mem[j].key, ms[i].author, 32) == 0)
				snprintf(m->schac, sizeof(m->schac), "%s",
				    mem[j].schac);
		out->n++;
	}
	qsort(out->m, out->n, sizeof(*out->m), mod_cmp);
	for (i = 0; i < out->n; i++) {
		struct mt_module *m = &out->m[i];
		struct store_event se;
		const struct body_module *bm = &b->u.module;

		if ((rc = store_get_id(st, m->id, &se)) != 0) {
			snprintf(why, cap, "cannot read module %s: %s", m->code,
			    i40_strerror(rc));
			goto out;
		}
		rc = ev_decode(se.bytes, se.len, store_fed_id(st), &e, b, NULL);
		if (rc == 0) {
			cpy(m->title_sv, sizeof(m->title_sv), bm->title_sv);
			cpy(m->title_en, sizeof(m->title_en), bm->title_en);
			cpy(m->mode, sizeof(m->mode), bm->mode);
			m->credits = bm->credits;
			m->eqf = bm->eqf;
			for (k = 0; k < bm->nsessions && k < MT_SESSIONS_MAX;
			    k++) {
				struct mt_session *s = &m->sessions[k];

				cpy(s->start, sizeof(s->start),
				    bm->sessions[k].start);
				cpy(s->end, sizeof(s->end), bm->sessions[k].end);
				cpy(s->mode, sizeof(s->mode),
				    bm->sessions[k].mode);
			}
			m->nsessions = k;
			rc = index_one(out->ix, bm);
			if (rc == 0)
				rc = add_prereqs(out, m, bm);
			for (k = 0; rc == 0 && k < bm->nskills; k++)
				if (bm->skills[k].esco.len > 0)
					rc = add_tag(out, a, &bm->skills[k]);
		}
		free(se.bytes);
		if (rc != 0) {
			snprintf(why, cap, "cannot index module %s: %s",
			    m->code, i40_strerror(rc));
			goto out;
		}
	}
	for (i = 0; i < out->npre; i++)
		out->pre[i].mod = mt_catalog_find(out, out->pre[i].schac,
		    out->pre[i].code);
	if ((rc = mt_index_finish(out->ix)) != 0)
		snprintf(why, cap, "out of memory");
out:
	free(b);
	store_modules_free(ms, nms);
	free(mem);
	if (rc != 0)
		mt_catalog_free(out);
	return rc;
}

void
mt_catalog_free(struct mt_catalog *c)
{
	mt_index_free(c->ix);
	free(c->m);
	free(c->tags);
	free(c->pre);
	memset(c, 0, sizeof(*c));
}

const struct mt_session *
mt_next_session(const struct mt_module *m, const char *date)
{
	const struct mt_session *best = NULL;
	size_t i;

	for (i = 0; i < m->nsessions; i++)
		if (strcmp(m->sessions[i].start, date) >= 0 &&
		    (best == NULL || strcmp(m->sessions[i].start,
		    best->start) < 0))
			best = &m->sessions[i];
	return best;
}

struct keying {
	const struct mt_catalog *c;
	const struct mt_tag **tags;
	struct mt_qkey *keys;
	size_t cap, n;
	uint8_t *whole, *pmask;		/* per key */
	uint32_t pos;			/* the word being walked */
	int part;			/* its part's number, -1: the word */
	int nparts[32];
};

/* The tags whose label has the stem of a word of the need, or a part. */
static int
key_term(void *arg, const struct mt_token *t, int part)
{
	struct keying *k = arg;
	size_t i, j, l;

	k->pos = t->pos;
	if (!part)
		k->part = -1;
	else if (t->pos < 32 && k->nparts[t->pos] < 8)
		k->part = k->nparts[t->pos]++;
	for (i = 0; i < k->c->ntags; i++)
		for (j = 0; j < k->c->tags[i].nstems; j++) {
			if (strcmp(k->c->tags[i].stems[j], t->stem) != 0)
				continue;
			for (l = 0; l < k->n; l++)
				if (k->tags[l] == &k->c->tags[i])
					break;
			if (l == k->n) {
				if (k->n == k->cap)
					break;
				k->tags[l] = &k->c->tags[i];
				k->keys[l].key = k->c->tags[i].key;
				k->keys[l].word = t->pos < 32 ? t->pos :
				    UINT32_MAX;
				k->n++;
			}
			if (k->keys[l].word == t->pos) {
				if (k->part < 0)
					k->whole[l] = 1;
				else
					k->pmask[l] |= (uint8_t)(1u << k->part);
			}
			break;
		}
	return 0;
}

int
mt_catalog_keys(const struct mt_catalog *c, struct mt_analyzer *a,
    const struct mt_dict *d, enum mt_lang lang, const char *need,
    size_t len, const struct mt_tag **tags, struct mt_qkey *keys,
    size_t cap, size_t *n)
{
	uint8_t whole[MT_KEYS_MAX], pmask[MT_KEYS_MAX];
	struct keying k;
	size_t i;
	int rc, b, c1, np;

	memset(&k, 0, sizeof(k));
	memset(whole, 0, sizeof(whole));
	memset(pmask, 0, sizeof(pmask));
	k.c = c;
	k.tags = tags;
	k.keys = keys;
	k.cap = cap < MT_KEYS_MAX ? cap : MT_KEYS_MAX;
	k.whole = whole;
	k.pmask = pmask;
	rc = mt_terms2(a, d, c->ix != NULL ? mt_index_stems(c->ix) : NULL, lang,
	    need, len, key_term, &k);
	for (i = 0; i < k.n; i++) {
		np = keys[i].word < 32 && k.nparts[keys[i].word] > 0 ?
		    k.nparts[keys[i].word] : 1;
		for (b = 0, c1 = 0; b < 8; b++)
			c1 += (pmask[i] >> b) & 1;
		keys[i].share = whole[i] ? 1 : (double)c1 / np;
	}
	*n = k.n;
	return rc;
}
