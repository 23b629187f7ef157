/* ctl_match.c: a catalog to match needs against (see ctl_match.h). */
#include "ctl_match.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_node.h"
#include "match/cache.h"

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
ctl_match_need(struct ctl_matcher *m, enum mt_lang ln, const char *need,
    size_t len, struct mt_hit **hits, size_t *n, struct ctl_words *ws)
{
	const struct mt_tag *tags[MT_KEYS_MAX];
	struct mt_qkey keys[MT_KEYS_MAX];
	size_t ntags = 0, i;
	int rc;

	memset(ws, 0, sizeof(*ws));
	*hits = NULL;
	*n = 0;
	/* Skills tagged with one ESCO URI link the languages. */
	if ((rc = mt_catalog_keys(&m->cat, m->an, m->dict, ln, need, len, tags,
	    keys, MT_KEYS_MAX, &ntags)) != 0)
		return rc;
	if ((rc = mt_query_keys(m->cat.ix, m->an, ln, need, len, keys, ntags,
	    hits, n)) != 0)
		return rc;
	if ((rc = mt_analyze(m->an, ln, need, len, word_cb, ws)) != 0) {
		free(*hits);
		*hits = NULL;
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
ctl_match_hp_opt(const char *usage, const char *arg, uint64_t *tenths)
{
	if (ctl_parse_hp(arg, tenths) != 0 || *tenths == 0 || *tenths > 10000)
		return ctl_usage_error(usage, "--max-credits `%s': credits (hp) "
		    "above 0, at most 1000, such as 7.5", arg);
	return 0;
}

int
ctl_match_date_opt(const char *usage, const char *arg)
{
	if (strlen(arg) != 10 || arg[4] != '-' || arg[7] != '-' ||
	    strspn(arg, "0123456789-") != 10)
		return ctl_usage_error(usage, "`%s': a date is YYYY-MM-DD", arg);
	return 0;
}
