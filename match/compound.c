/* compound.c: Swedish compounds split by a word list (see compound.h). */
#include "match/compound.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An open-addressed set of words, kept in one arena. */
struct mt_dict {
	struct slot {
		uint64_t h;		/* 0: empty */
		size_t off;
		uint8_t len;
	} *slots;
	size_t cap, n;			/* cap a power of two, n < cap / 2 */
	char *arena;
	size_t used, acap;
};

/* Never 0: that is the empty slot. */
static uint64_t
hash(const char *s, size_t len)
{
	return mt_hash(s, len) | 1;
}

int
mt_dict_new(struct mt_dict **out)
{
	struct mt_dict *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return I40_E_NOMEM;
	d->cap = 1024;
	if ((d->slots = calloc(d->cap, sizeof(*d->slots))) == NULL) {
		free(d);
		return I40_E_NOMEM;
	}
	*out = d;
	return 0;
}

void
mt_dict_free(struct mt_dict *d)
{
	if (d == NULL)
		return;
	free(d->slots);
	free(d->arena);
	free(d);
}

size_t
mt_dict_size(const struct mt_dict *d)
{
	return d->n;
}

void
mt_dict_each(const struct mt_dict *d,
    void (*fn)(void *arg, const char *word, size_t len), void *arg)
{
	size_t i;

	for (i = 0; i < d->cap; i++)
		if (d->slots[i].h != 0)
			fn(arg, d->arena + d->slots[i].off, d->slots[i].len);
}

static struct slot *
find(const struct mt_dict *d, const char *w, size_t len, uint64_t h)
{
	size_t i = (size_t)h & (d->cap - 1);

	for (;; i = (i + 1) & (d->cap - 1)) {
		struct slot *s = &d->slots[i];

		if (s->h == 0 || (s->h == h && s->len == len &&
		    memcmp(d->arena + s->off, w, len) == 0))
			return s;
	}
}

int
mt_dict_has(const struct mt_dict *d, const char *word, size_t len)
{
	if (len == 0 || len > MT_TERM_MAX)
		return 0;
	return find(d, word, len, hash(word, len))->h != 0;
}

static int
grow(struct mt_dict *d)
{
	struct slot *old = d->slots, *s;
	size_t ocap = d->cap, i;

	if ((d->slots = calloc(2 * ocap, sizeof(*d->slots))) == NULL) {
		d->slots = old;
		return I40_E_NOMEM;
	}
	d->cap = 2 * ocap;
	for (i = 0; i < ocap; i++)
		if (old[i].h != 0) {
			s = find(d, d->arena + old[i].off, old[i].len, old[i].h);
			*s = old[i];
		}
	free(old);
	return 0;
}

int
mt_dict_add(struct mt_dict *d, const char *word, size_t len)
{
	uint64_t h;
	struct slot *s;
	int rc;

	if (len == 0 || len > MT_TERM_MAX)
		return I40_E_TOO_LONG;
	h = hash(word, len);
	if ((s = find(d, word, len, h))->h != 0)
		return 0;
	if (d->used + len > d->acap) {
		size_t ncap = d->acap ? 2 * d->acap : 1 << 16;
		char *na = realloc(d->arena, ncap);

		if (na == NULL)
			return I40_E_NOMEM;
		d->arena = na;
		d->acap = ncap;
	}
	memcpy(d->arena + d->used, word, len);
	s->h = h;
	s->off = d->used;
	s->len = (uint8_t)len;
	d->used += len;
	d->n++;
	if (2 * d->n >= d->cap && (rc = grow(d)) != 0)
		return rc;
	return 0;
}

/* A line of a Latin-1 word list as UTF-8, unless it is UTF-8 already. */
static size_t
latin1(const char *in, size_t len, char *out, size_t cap)
{
	size_t i, o = 0, folded;
	int ascii = 1;

	for (i = 0; i < len; i++)
		ascii &= (uint8_t)in[i] < 0x80;
	if (ascii || mt_fold(in, len, out, cap, &folded) != I40_E_UTF8)
		return len < cap ? (memcpy(out, in, len), len) : 0;
	for (i = 0; i < len && o + 2 < cap; i++) {
		uint8_t c = (uint8_t)in[i];

		if (c < 0x80) {
			out[o++] = (char)c;
		} else {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	return i == len ? o : 0;
}

/* Only words of letters: "A-aktie" and "3D" are no parts. */
static int
letters(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') || (uint8_t)w[i] >= 0x80))
			return 0;
	return 1;
}

int
mt_dict_load(struct mt_dict *d, const char *path, size_t *added, char *why,
    size_t cap)
{
	char *line = NULL, u8[2 * MT_TERM_MAX + 2], f[2 * MT_TERM_MAX + 8];
	size_t lcap = 0, before = d->n, n, flen;
	ssize_t len;
	FILE *fp;
	int rc = 0;

	*added = 0;
	if ((fp = fopen(path, "r")) == NULL) {
		rc = -errno;
		snprintf(why, cap, "cannot open the word list %s: %s", path,
		    strerror(errno));
		return rc;
	}
	while (rc == 0 && (len = getline(&line, &lcap, fp)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			len--;
		if (len < MT_PART_MIN || len > MT_TERM_MAX ||
		    (n = latin1(line, (size_t)len, u8, sizeof(u8))) == 0 ||
		    mt_fold(u8, n, f, sizeof(f), &flen) != 0 ||
		    flen > MT_TERM_MAX || !letters(f, flen))
			continue;
		rc = mt_dict_add(d, f, flen);
	}
	if (rc == 0 && ferror(fp)) {
		rc = -EIO;
		snprintf(why, cap, "cannot read the word list %s", path);
	} else if (rc != 0) {
		snprintf(why, cap, "out of memory reading %s", path);
	}
	free(line);
	fclose(fp);
	*added = d->n - before;
	return rc;
}

/*
 * The fewest parts, then the longest last part: a table over the byte
 * positions of the word, each reached after a part (a) or after a joint
 * "s" that follows a part (jo), with where the part ending there began
 * and whether that start was after a joint.
 */
void
mt_split(const struct mt_dict *d, const char *word,
    char parts[MT_PARTS_MAX][MT_TERM_MAX + 1], size_t *n)
{
	mt_split2(d, NULL, word, parts, n);
}

static int
has2(const struct mt_dict *d, const struct mt_dict *d2, const char *w,
    size_t len)
{
	return (d != NULL && mt_dict_has(d, w, len)) ||
	    (d2 != NULL && mt_dict_has(d2, w, len));
}

void
mt_split2(const struct mt_dict *d, const struct mt_dict *d2, const char *word,
    char parts[MT_PARTS_MAX][MT_TERM_MAX + 1], size_t *n)
{
	enum { NONE = 0xff };
	uint8_t a[MT_TERM_MAX + 1], jo[MT_TERM_MAX + 1];
	uint8_t from[MT_TERM_MAX + 1], via[MT_TERM_MAX + 1];
	size_t len = strlen(word), i, j, k = 0, st[MT_PARTS_MAX], en[MT_PARTS_MAX];

	*n = 0;
	if (len < 2 * MT_PART_MIN || len > MT_TERM_MAX)
		return;
	memset(a, NONE, sizeof(a));
	memset(jo, NONE, sizeof(jo));
	for (i = 0; i < len; i++) {
		uint8_t c;
		int joint;

		if (i > 0 && word[i - 1] == 's' && a[i - 1] != NONE)
			jo[i] = a[i - 1];
		/*
		 * A part may start at 0, after a part, or after a joint; at
		 * equal count after the joint, so that the part before it is
		 * the word without its "s" ("produktion", not "produktions").
		 */
		if (i == 0) {
			c = 0;
			joint = 0;
		} else if (a[i] != NONE && (jo[i] == NONE || a[i] < jo[i])) {
			c = a[i];
			joint = 0;
		} else {
			c = jo[i];
			joint = 1;
		}
		if (c == NONE || c >= MT_PARTS_MAX ||
		    ((uint8_t)word[i] & 0xc0) == 0x80)
			continue;
		for (j = i + MT_PART_MIN; j <= len; j++) {
			/* The whole word, listed or not, is no split of it. */
			if ((i == 0 && j == len) ||
			    (j < len && ((uint8_t)word[j] & 0xc0) == 0x80) ||
			    !has2(d, d2, word + i, j - i))
				continue;
			/*
			 * Fewer parts win; at the end, at equal count, the
			 * longer last part (the earlier start).
			 */
			if (a[j] == NONE || c + 1 < a[j] ||
			    (c + 1 == a[j] && j == len && i < from[j])) {
				a[j] = (uint8_t)(c + 1);
				from[j] = (uint8_t)i;
				via[j] = (uint8_t)joint;
			}
		}
	}
	if (a[len] == NONE || a[len] < 2)
		return;
	for (j = len; j > 0 && k < MT_PARTS_MAX; k++) {
		st[k] = from[j];
		en[k] = j;
		j = via[j] ? (size_t)from[j] - 1 : from[j];
	}
	for (i = 0; i < k; i++) {
		size_t s0 = st[k - 1 - i], e0 = en[k - 1 - i];

		memcpy(parts[i], word + s0, e0 - s0);
		parts[i][e0 - s0] = '\0';
	}
	*n = k;
}

struct terming {
	struct mt_analyzer *a;
	const struct mt_dict *d, *terms;
	enum mt_lang lang;
	mt_term_fn fn;
	void *arg;
	uint32_t pos;			/* the compound's, inside a part */
};

static int
part_cb(void *arg, const struct mt_token *t)
{
	struct terming *tm = arg;
	struct mt_token pt = *t;

	pt.pos = tm->pos;
	return tm->fn(tm->arg, &pt, 1);
}

static int
term_cb(void *arg, const struct mt_token *t)
{
	struct terming *tm = arg, sub = *tm;
	char parts[MT_PARTS_MAX][MT_TERM_MAX + 1];
	size_t n = 0, i;
	int rc;

	if ((rc = tm->fn(tm->arg, t, 0)) != 0)
		return rc;
	if (tm->lang != MT_SV || (tm->d == NULL && tm->terms == NULL))
		return 0;
	mt_split2(tm->d, tm->terms, t->surface, parts, &n);
	sub.pos = t->pos;
	/* The analyzer's buffers are its frame's: it may run again here. */
	for (i = 0; i < n; i++) {
		size_t pl = strlen(parts[i]);

		if (tm->terms != NULL && mt_dict_has(tm->terms, parts[i], pl)) {
			struct mt_token pt;

			pt.surface = pt.stem = parts[i];
			pt.len = pl;
			pt.pos = t->pos;
			if ((rc = tm->fn(tm->arg, &pt, 1)) != 0)
				return rc;
		} else if ((rc = mt_analyze(tm->a, tm->lang, parts[i], pl,
		    part_cb, &sub)) != 0)
			return rc;
	}
	return 0;
}

int
mt_terms(struct mt_analyzer *a, const struct mt_dict *d, enum mt_lang lang,
    const char *text, size_t len, mt_term_fn fn, void *arg)
{
	return mt_terms2(a, d, NULL, lang, text, len, fn, arg);
}

int
mt_terms2(struct mt_analyzer *a, const struct mt_dict *d,
    const struct mt_dict *terms, enum mt_lang lang, const char *text,
    size_t len, mt_term_fn fn, void *arg)
{
	struct terming tm = { a, d, terms, lang, fn, arg, 0 };

	return mt_analyze(a, lang, text, len, term_cb, &tm);
}
