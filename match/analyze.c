/* analyze.c: text into terms (see analyze.h). */
#include "match/analyze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

struct mt_analyzer {
	struct sb_stemmer *sb[MT_NLANGS];
};

int
mt_analyzer_new(struct mt_analyzer **out)
{
	struct mt_analyzer *a;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return I40_E_NOMEM;
	a->sb[MT_SV] = sb_stemmer_new("swedish", "UTF_8");
	a->sb[MT_EN] = sb_stemmer_new("english", "UTF_8");
	if (a->sb[MT_SV] == NULL || a->sb[MT_EN] == NULL) {
		mt_analyzer_free(a);
		return I40_E_NOMEM;
	}
	*out = a;
	return 0;
}

void
mt_analyzer_free(struct mt_analyzer *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < MT_NLANGS; i++)
		if (a->sb[i] != NULL)
			sb_stemmer_delete(a->sb[i]);
	free(a);
}

uint64_t
mt_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3u;
	return h;
}

int
mt_lang_parse(const char *s, enum mt_lang *lang)
{
	if (s != NULL && strcmp(s, "sv") == 0)
		*lang = MT_SV;
	else if (s != NULL && strcmp(s, "en") == 0)
		*lang = MT_EN;
	else
		return I40_E_VALUE;
	return 0;
}

/* One code point of s[0..len) into *cp: its length, or 0 if not UTF-8. */
static size_t
utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1fu;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0fu;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	/* Overlong forms, surrogates and past U+10FFFF are no UTF-8. */
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static size_t
utf8_put(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* Lower case for the Latin letters of Swedish and English text. */
static uint32_t
lower(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7))
		return c + 0x20;
	if (c >= 0x100 && c <= 0x17f && c % 2 == 0 && c != 0x130)
		return c + 1;
	return c;
}

/* A base letter and a combining mark composed, or 0. */
static uint32_t
compose(uint32_t base, uint32_t mark)
{
	static const struct { uint32_t base, mark, out; } t[] = {
		{ 'a', 0x30a, 0xe5 }, { 'a', 0x308, 0xe4 },
		{ 'o', 0x308, 0xf6 }, { 'u', 0x308, 0xfc },
		{ 'e', 0x301, 0xe9 }, { 'e', 0x300, 0xe8 },
		{ 'a', 0x301, 0xe1 }, { 'o', 0x301, 0xf3 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].base == base && t[i].mark == mark)
			return t[i].out;
	return 0;
}

int
mt_fold(const char *in, size_t len, char *out, size_t cap, size_t *outlen)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t i = 0, o = 0, n, last = 0;
	uint32_t c, prev = 0, k;

	*outlen = 0;
	if (cap == 0)
		return I40_E_TOO_LONG;
	while (i < len) {
		if ((n = utf8_next(s + i, len - i, &c)) == 0)
			return I40_E_UTF8;
		i += n;
		c = lower(c);
		if (c >= 0x300 && c <= 0x36f) {
			/* A mark after a letter it composes with. */
			if (prev != 0 && (k = compose(prev, c)) != 0) {
				o = last;
				c = k;
			} else {
				continue;	/* other marks: dropped */
			}
		}
		if (o + 4 >= cap)
			return I40_E_TOO_LONG;
		last = o;
		o += utf8_put(c, out + o);
		prev = c;
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* Letters and digits make words; everything else separates them. */
static int
is_word(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    (c >= 0xdf && c <= 0xff && c != 0xf7) ||
	    (c >= 0x100 && c <= 0x24f);
}

/* ASCII letters and digits, the characters of most words. */
static const uint8_t ascii_word[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
};

/*
 * Function words, as people type them in a need: they say nothing of the
 * skill.  Our own short lists (docs/matching.md); a word on them is
 * dropped from needs and module texts alike.
 */
static const char *const stop_sv[] = {
	"alla", "att", "av", "bli", "blir", "då", "de", "dem", "den", "denna",
	"dessa", "det", "detta", "dig", "du", "där", "efter", "eller", "en",
	"er", "era", "ett", "från", "för", "genom", "ha", "hade", "han",
	"har", "hon", "hos", "hur", "här", "i", "inom", "inte", "jag", "kan",
	"kunna", "man", "med", "men", "mer", "mig", "min", "mina", "mitt",
	"mot", "mycket", "ni", "nu", "när", "och", "också", "om", "oss",
	"på", "samt", "sig", "sin", "sina", "sitt", "ska", "skall", "som",
	"så", "till", "under", "upp", "ut", "utan", "vad", "var", "vara",
	"vi", "vid", "vill", "vår", "våra", "än", "är",
};
static const char *const stop_en[] = {
	"a", "about", "also", "an", "and", "are", "as", "at", "be", "by",
	"can", "do", "does", "for", "from", "had", "has", "have", "he",
	"her", "his", "how", "i", "in", "into", "is", "it", "its", "me",
	"more", "my", "no", "not", "of", "on", "or", "our", "she", "should",
	"so", "some", "such", "than", "that", "the", "their", "them",
	"then", "these", "they", "this", "those", "to", "us", "was", "we",
	"were", "what", "which", "who", "will", "with", "would", "you",
	"your",
};

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
mt_stopword(enum mt_lang lang, const char *word)
{
	const char *const *l = lang == MT_SV ? stop_sv : stop_en;
	size_t n = lang == MT_SV ? sizeof(stop_sv) / sizeof(stop_sv[0]) :
	    sizeof(stop_en) / sizeof(stop_en[0]);

	return bsearch(&word, l, n, sizeof(*l), str_cmp) != NULL;
}

/* What words() does beside folding and splitting. */
#define W_STOP 1			/* drop stopwords */
#define W_STEM 2			/* stem (else stem is the surface) */

static int
words(struct mt_analyzer *a, enum mt_lang lang, const char *text,
    size_t len, int flags, mt_token_fn fn, void *arg)
{
	char word[MT_TERM_MAX + 1], stem[MT_TERM_MAX + 1], fold[4 * 8 + 8];
	const uint8_t *s = (const uint8_t *)text;
	struct mt_token t;
	size_t i = 0, n, w = 0, flen, j;
	uint32_t c, pos = 0;
	int rc, done;

	if (lang != MT_SV && lang != MT_EN)
		return I40_E_VALUE;
	/*
	 * Fold each code point with the marks after it, so that a word
	 * needs no buffer the size of the text.
	 */
	for (done = 0; !done;) {
		size_t start;

		/*
		 * Most text is ASCII with no mark after it: a run of its
		 * letters and digits folded here at once, other ASCII one by
		 * one below, the rest through mt_fold (0xcc and 0xcd lead
		 * U+0300..U+036F).
		 */
		while (i < len && ascii_word[s[i]] && (i + 1 == len ||
		    (s[i + 1] != 0xcc && s[i + 1] != 0xcd))) {
			if (w < MT_TERM_MAX)
				word[w++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ?
				    s[i] + 0x20 : s[i]);
			i++;
		}
		start = i;
		if (i < len && s[i] < 0x80 && (i + 1 == len ||
		    (s[i + 1] != 0xcc && s[i + 1] != 0xcd))) {
			c = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 0x20u : s[i];
			fold[0] = (char)c;
			flen = 1;
			i++;
		} else if (i < len) {
			if ((n = utf8_next(s + i, len - i, &c)) == 0)
				return I40_E_UTF8;
			i += n;
			while (i < len && utf8_next(s + i, len - i, &c) == 2 &&
			    c >= 0x300 && c <= 0x36f && i - start < 16)
				i += 2;
			if ((rc = mt_fold(text + start, i - start, fold,
			    sizeof(fold), &flen)) != 0)
				return rc;
			(void)utf8_next((const uint8_t *)fold, flen, &c);
		} else {
			done = 1;
			flen = 0;
			c = ' ';
		}
		if (flen > 0 && is_word(c)) {
			if (w + flen <= MT_TERM_MAX) {
				memcpy(word + w, fold, flen);
				w += flen;
			}
			continue;
		}
		if (w == 0)
			continue;
		word[w] = '\0';
		t.len = w;
		w = 0;
		if ((flags & W_STOP) && mt_stopword(lang, word))
			continue;
		if (!(flags & W_STEM)) {
			t.surface = t.stem = word;
			t.pos = pos++;
			if ((rc = fn(arg, &t)) != 0)
				return rc;
			continue;
		}
		{
			const sb_symbol *st = sb_stemmer_stem(a->sb[lang],
			    (const sb_symbol *)word, (int)strlen(word));
			int sl = st != NULL ? sb_stemmer_length(a->sb[lang]) : 0;

			j = sl > 0 && (size_t)sl <= MT_TERM_MAX ? (size_t)sl : 0;
			if (j > 0)
				memcpy(stem, st, j);
			else
				j = (size_t)snprintf(stem, sizeof(stem), "%s",
				    word);
			stem[j] = '\0';
		}
		t.surface = word;
		t.stem = stem;
		t.pos = pos++;
		if ((rc = fn(arg, &t)) != 0)
			return rc;
	}
	return 0;
}

int
mt_analyze(struct mt_analyzer *a, enum mt_lang lang, const char *text,
    size_t len, mt_token_fn fn, void *arg)
{
	return words(a, lang, text, len, W_STOP | W_STEM, fn, arg);
}

int
mt_surfaces(struct mt_analyzer *a, const char *text, size_t len,
    mt_token_fn fn, void *arg)
{
	return words(a, MT_SV, text, len, 0, fn, arg);
}

struct guess {
	int sv, en;
};

static int
guess_cb(void *arg, const struct mt_token *t)
{
	struct guess *g = arg;

	g->sv += mt_stopword(MT_SV, t->surface) +
	    2 * (strstr(t->surface, "\xc3\xa5") != NULL ||
	    strstr(t->surface, "\xc3\xa4") != NULL ||
	    strstr(t->surface, "\xc3\xb6") != NULL);
	g->en += mt_stopword(MT_EN, t->surface);
	return 0;
}

int
mt_lang_guess(struct mt_analyzer *a, const char *text, size_t len,
    enum mt_lang *lang)
{
	struct guess g = { 0, 0 };
	int rc = words(a, MT_SV, text, len, 0, guess_cb, &g);

	*lang = g.en > g.sv ? MT_EN : MT_SV;
	return rc;
}
