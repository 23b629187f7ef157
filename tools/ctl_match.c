/* ctl_match.c: a catalog to match needs against (see ctl_match.h). */
#include "ctl_match.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_node.h"
#include "match/cache.h"
#include "protocol/schema.h"

/*
 * The cache file for datadir's catalog: $I40_CACHE_DIR (empty: none),
 * else $XDG_CACHE_HOME/i40, else ~/.cache/i40; one file per data
 * directory, named by a hash of its path.  0 and path, or -1 for none.
 */
static int
cache_path(const char *datadir, char *path, size_t cap)
{
	const char *env = getenv("I40_CACHE_DIR"), *base;
	char dir[PATH_MAX], real[PATH_MAX], hex[33];
	uint8_t h[16];
	int n;

	if (env != NULL) {
		if (*env == '\0')
			return -1;
		n = snprintf(dir, sizeof(dir), "%s", env);
	} else if ((base = getenv("XDG_CACHE_HOME")) != NULL && *base == '/')
		n = snprintf(dir, sizeof(dir), "%s/i40", base);
	else if ((base = getenv("HOME")) != NULL && *base == '/')
		n = snprintf(dir, sizeof(dir), "%s/.cache/i40", base);
	else
		return -1;
	if (n < 0 || (size_t)n >= sizeof(dir) || realpath(datadir, real) == NULL)
		return -1;
	/* The directory and its parent, private to the user. */
	if (env == NULL) {
		char *slash = strrchr(dir, '/');

		*slash = '\0';
		(void)mkdir(dir, 0700);
		*slash = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	crypto_generichash(h, sizeof(h), (const uint8_t *)real, strlen(real),
	    NULL, 0);
	ctl_hex(h, sizeof(h), hex);
	n = snprintf(path, cap, "%s/match-%s.idx", dir, hex);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int
ctl_matcher_open(struct ctl_matcher *m, const char *datadir)
{
	char why[300], path[PATH_MAX + 64];
	size_t added;
	int cached;

	memset(m, 0, sizeof(*m));
	if (mt_analyzer_new(&m->an) != 0 || mt_dict_new(&m->dict) != 0) {
		ctl_errx("out of memory");
		return CTL_EXIT_ERR;
	}
	/* Without the word list compounds stay whole; still a match. */
	if (mt_dict_load(m->dict, MT_DICT_DEFAULT, &added, why,
	    sizeof(why)) != 0)
		ctl_warnx("%s: Swedish compounds are not split (install "
		    "wswedish)", why);
	if (ctl_store_open(ctl_datadir(datadir), &m->st) != 0)
		return CTL_EXIT_ERR;
	if (mt_catalog_open(m->st, m->an, m->dict, MT_DICT_DEFAULT,
	    cache_path(ctl_datadir(datadir), path, sizeof(path)) == 0 ? path :
	    NULL, &m->cat, &cached, why, sizeof(why)) != 0) {
		ctl_errx("%s", why);
		return CTL_EXIT_ERR;
	}
	return 0;
}

void
ctl_matcher_close(struct ctl_matcher *m)
{
	mt_catalog_free(&m->cat);
	store_close(m->st);
	mt_dict_free(m->dict);
	mt_analyzer_free(m->an);
	memset(m, 0, sizeof(*m));
}

int
ctl_need_lang(struct ctl_matcher *m, const char *lang, const char *need,
    size_t len, enum mt_lang *ln)
{
	if (strcmp(lang, "auto") == 0)
		return mt_lang_guess(m->an, need, len, ln);
	return mt_lang_parse(lang, ln);
}

static int
word_cb(void *arg, const struct mt_token *t)
{
	struct ctl_words *ws = arg;

	if (ws->n < CTL_WORDS)
		snprintf(ws->w[ws->n++], sizeof(ws->w[0]), "%s", t->surface);
	ws->nwords++;
	return 0;
}

int
ctl_match_cat(const struct mt_catalog *cat, struct mt_analyzer *an,
    const struct mt_dict *dict, struct mt_search *s, enum mt_lang ln,
    const char *need, size_t len, mt_keep_fn keep, void *arg, size_t limit,
    struct mt_hit **hits, size_t *n, struct ctl_words *ws)
{
	const struct mt_tag *tags[MT_KEYS_MAX];
	struct mt_qkey keys[MT_KEYS_MAX];
	struct mt_search *own = NULL;
	size_t ntags = 0, i;
	int rc;

	memset(ws, 0, sizeof(*ws));
	*hits = NULL;
	*n = 0;
	/* Skills tagged with one ESCO URI link the languages. */
	if ((rc = mt_catalog_keys(cat, an, dict, ln, need, len, tags,
	    keys, MT_KEYS_MAX, &ntags)) != 0)
		return rc;
	if (s == NULL && (rc = mt_search_new(cat->ix, &own)) != 0)
		return rc;
	rc = mt_search(s != NULL ? s : own, an, ln, need, len, keys, ntags,
	    keep, arg, limit, hits, n);
	mt_search_free(own);
	if (rc != 0)
		return rc;
	if ((rc = mt_analyze(an, ln, need, len, word_cb, ws)) != 0) {
		free(*hits);
		*hits = NULL;
		*n = 0;
		return rc;
	}
	/* The index numbers the keys after all the need's words. */
	for (i = 0; i < ntags && ws->n < CTL_WORDS && ws->n == ws->nwords;
	    i++) {
		snprintf(ws->w[ws->n++], sizeof(ws->w[0]), "%.*s (ESCO)",
		    MT_TERM_MAX, tags[i]->label);
		ws->nkeys++;
	}
	return 0;
}

int
ctl_match_need(struct ctl_matcher *m, enum mt_lang ln, const char *need,
    size_t len, struct mt_hit **hits, size_t *n, struct ctl_words *ws)
{
	return ctl_match_cat(&m->cat, m->an, m->dict, NULL, ln, need, len,
	    NULL, NULL, 0, hits, n, ws);
}

void
ctl_filter_init(struct ctl_filter *f)
{
	time_t now = time(NULL);
	struct tm tm;

	memset(f, 0, sizeof(*f));
	gmtime_r(&now, &tm);
	strftime(f->today, sizeof(f->today), "%Y-%m-%d", &tm);
}

int
ctl_filter_mode(const char *arg, const char **mode)
{
	if (strcmp(arg, "any") == 0 || *arg == '\0')
		*mode = NULL;
	else if (strcmp(arg, "campus") == 0 || strcmp(arg, "onsite") == 0)
		*mode = "onsite";
	else if (strcmp(arg, "online") == 0)
		*mode = "online";
	else if (strcmp(arg, "blended") == 0)
		*mode = "blended";
	else
		return -1;
	return 0;
}

int
ctl_filter_date(const char *arg)
{
	/* A real date, as a session's (2027-02-30 is none). */
	return schema_date_valid((const uint8_t *)arg, strlen(arg)) ? 0 : -1;
}

const struct mt_session *
ctl_filter_session(const struct mt_module *m, const struct ctl_filter *f)
{
	const char *from = f->after != NULL && strcmp(f->after, f->today) > 0 ?
	    f->after : f->today;
	const struct mt_session *s = mt_next_session(m, from);

	if (f->before != NULL && (s == NULL || strcmp(s->start, f->before) >= 0))
		return NULL;
	return s;
}

int
ctl_filter_passes(const struct mt_module *m, const struct ctl_filter *f)
{
	if (f->schac != NULL && strcmp(f->schac, m->schac) != 0)
		return 0;
	if (f->eqf != 0 && m->eqf != f->eqf)
		return 0;
	if (f->max_tenths != 0 && m->credits > f->max_tenths)
		return 0;
	if (f->mode != NULL && strcmp(f->mode, m->mode) != 0)
		return 0;
	if ((f->after != NULL || f->before != NULL) &&
	    ctl_filter_session(m, f) == NULL)
		return 0;
	return 1;
}

static const char *const field_names[MT_NFIELDS] = { "title", "tags",
	"outcomes", "summary" };

static json_t *
why_json(const struct mt_hit *h, const struct ctl_words *ws)
{
	json_t *a = json_array(), *fs;
	size_t i, f;

	for (i = 0; a != NULL && i < ws->n; i++) {
		if ((fs = json_array()) == NULL)
			break;
		for (f = 0; f < MT_NFIELDS; f++)
			if (h->fields[f] & (1u << i))
				json_array_append_new(fs,
				    json_string(field_names[f]));
		if (json_array_size(fs) == 0) {
			json_decref(fs);
			continue;
		}
		json_array_append_new(a, json_pack("{s:s, s:o}", "word",
		    ws->w[i], "fields", fs));
	}
	return a;
}

json_t *
ctl_module_hit(const struct mt_module *m, const struct ctl_filter *f)
{
	const struct mt_session *s = ctl_filter_session(m, f);
	char hp[24];

	ctl_format_hp(m->credits, hp);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o}",
	    "module", m->code, "university", m->schac, "title_sv", m->title_sv,
	    "title_en", m->title_en, "credits", hp, "eqf", (json_int_t)m->eqf,
	    "mode", m->mode, "next", s != NULL ? json_pack("{s:s, s:s, s:s}",
	    "start", s->start, "end", s->end, "mode", s->mode) : json_null());
}

static int
keep_cb(void *arg, size_t doc)
{
	const struct mt_catalog *cat = ((const void **)arg)[0];
	const struct ctl_filter *f = ((const void **)arg)[1];

	return ctl_filter_passes(&cat->m[doc], f);
}

int
ctl_match_doc(const struct mt_catalog *cat, struct mt_analyzer *an,
    const struct mt_dict *dict, struct mt_search *s, const char *lang,
    const char *need, size_t len, const struct ctl_filter *f, size_t limit,
    json_t **out, size_t *nhits)
{
	const void *ka[2] = { cat, f };
	struct mt_hit *hits = NULL;
	struct ctl_words ws;
	char dym[8][MT_TERM_MAX + 1];
	size_t nh = 0, i, ndym = 0;
	enum mt_lang ln;
	json_t *doc = NULL, *list, *h;
	int rc;

	*out = NULL;
	*nhits = 0;
	if ((rc = strcmp(lang, "auto") == 0 ? mt_lang_guess(an, need, len, &ln) :
	    mt_lang_parse(lang, &ln)) != 0)
		return rc;
	if ((rc = ctl_match_cat(cat, an, dict, s, ln, need, len, keep_cb,
	    (void *)ka, limit, &hits, &nh, &ws)) != 0)
		return rc;
	rc = I40_E_NOMEM;
	if ((doc = json_object()) == NULL || (list = json_array()) == NULL ||
	    json_object_set_new(doc, "need", json_stringn(need, len)) != 0 ||
	    json_object_set_new(doc, "lang", json_string(ln == MT_SV ? "sv" :
	    "en")) != 0 || json_object_set_new(doc, "hits", list) != 0)
		goto out;
	for (i = 0; i < nh; i++) {
		if ((h = ctl_module_hit(&cat->m[hits[i].doc], f)) == NULL ||
		    json_object_set_new(h, "score", json_real(hits[i].score)) ||
		    json_object_set_new(h, "why", why_json(&hits[i], &ws)) ||
		    json_array_append_new(list, h) != 0)
			goto out;
	}
	if (nh == 0) {
		json_t *d = json_array();

		if (mt_suggest(cat->ix, an, ln, need, len, dym, 8, &ndym) != 0)
			ndym = 0;
		for (i = 0; d != NULL && i < ndym; i++)
			json_array_append_new(d, json_string(dym[i]));
		if (d == NULL || json_object_set_new(doc, "did_you_mean", d))
			goto out;
	}
	*out = doc;
	*nhits = nh;
	doc = NULL;
	rc = 0;
out:
	json_decref(doc);
	free(hits);
	return rc;
}

int
ctl_match_lang_opt(const char *usage, const char *arg, const char **lang)
{
	if (strcmp(arg, "sv") != 0 && strcmp(arg, "en") != 0 &&
	    strcmp(arg, "auto") != 0)
		return ctl_usage_error(usage, "--lang `%s': sv, en or auto",
		    arg);
	*lang = arg;
	return 0;
}

int
ctl_match_hp(const char *arg, uint64_t *tenths)
{
	return ctl_parse_hp(arg, tenths) == 0 && *tenths > 0 &&
	    *tenths <= 10000 ? 0 : I40_E_VALUE;
}

int
ctl_match_hp_opt(const char *usage, const char *arg, uint64_t *tenths)
{
	if (ctl_match_hp(arg, tenths) != 0)
		return ctl_usage_error(usage, "--max-credits `%s': credits (hp) "
		    "above 0, at most 1000, such as 7.5", arg);
	return 0;
}

int
ctl_match_date_opt(const char *usage, const char *arg)
{
	if (ctl_filter_date(arg) != 0)
		return ctl_usage_error(usage, "`%s': a date is YYYY-MM-DD", arg);
	return 0;
}
