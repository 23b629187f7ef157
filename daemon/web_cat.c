/*
 * web_cat.c: the catalog index that searches share, and each request's
 * search tools (web_int.h).
 *
 * The index is built from the store, as i40ctl builds it, when the first
 * search needs it.  A commit calls web_touch; the next search after that,
 * at most once a second, computes the catalog's key (match/cache.h: the
 * modules' current ids and the members) and builds a new index only if
 * the key moved, so ingesting completions never rebuilds it.  One thread
 * builds while the others go on with the index they hold; an index is
 * freed when its last request lets go.
 */
#include "daemon/web_int.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"
#include "match/analyze.h"
#include "match/cache.h"

#define CHECK_MS 1000

static void
cat_free(struct web_cat *c)
{
	if (c == NULL)
		return;
	mt_catalog_free(&c->cat);
	free(c);
}

/* Under buildmu: make w->cat current for gen. */
static int
refresh(struct web *w, uint64_t gen)
{
	struct mt_analyzer *an = NULL;
	struct web_cat *c, *old = NULL;
	uint8_t key[32];
	char why[300];
	int rc;

	if ((rc = mt_cache_key(w->st, w->dict_path, key, why,
	    sizeof(why))) != 0) {
		log_warnx("web: the catalog: %s", why);
		return rc;
	}
	pthread_mutex_lock(&w->mu);
	if (w->cat != NULL && memcmp(w->cat->key, key, 32) == 0) {
		w->cat->gen = gen;
		w->checked_ms = web_now_ms();
		pthread_mutex_unlock(&w->mu);
		return 0;
	}
	pthread_mutex_unlock(&w->mu);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return I40_E_NOMEM;
	if ((rc = mt_analyzer_new(&an)) != 0 ||
	    (rc = mt_catalog_build(w->st, an, w->dict, &c->cat, why,
	    sizeof(why))) != 0) {
		if (an != NULL)
			log_warnx("web: cannot index the catalog: %s", why);
		mt_analyzer_free(an);
		free(c);
		return rc;
	}
	mt_analyzer_free(an);
	memcpy(c->key, key, 32);
	c->gen = gen;
	pthread_mutex_lock(&w->mu);
	old = w->cat;
	c->serial = ++w->serials;
	w->cat = c;
	w->checked_ms = web_now_ms();
	if (old != NULL && old->refs > 0)
		old = NULL;	/* its last holder frees it */
	pthread_mutex_unlock(&w->mu);
	cat_free(old);
	log_debug("web: catalog indexed, %zu modules", c->cat.n);
	return 0;
}

static int
stale(const struct web *w, uint64_t gen)
{
	return w->cat == NULL || (w->cat->gen != gen &&
	    web_now_ms() - w->checked_ms >= CHECK_MS);
}

struct web_cat *
web_cat_get(struct web *w, int *rc)
{
	uint64_t gen = atomic_load(&w->gen);
	struct web_cat *c;
	int need, none;

	*rc = 0;
	pthread_mutex_lock(&w->mu);
	need = stale(w, gen);
	none = w->cat == NULL;
	pthread_mutex_unlock(&w->mu);
	/* With an index to use, nobody waits for the next one. */
	if (need && (none ? pthread_mutex_lock(&w->buildmu) :
	    pthread_mutex_trylock(&w->buildmu)) == 0) {
		pthread_mutex_lock(&w->mu);
		need = stale(w, gen);
		pthread_mutex_unlock(&w->mu);
		if (need)
			*rc = refresh(w, gen);
		pthread_mutex_unlock(&w->buildmu);
	}
	pthread_mutex_lock(&w->mu);
	if ((c = w->cat) != NULL)
		c->refs++;
	pthread_mutex_unlock(&w->mu);
	if (c != NULL)
		*rc = 0;
	else if (*rc == 0)
		*rc = I40_E_NOMEM;
	return c;
}

void
web_cat_put(struct web *w, struct web_cat *c)
{
	int last;

	if (c == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	last = --c->refs == 0 && c != w->cat;
	pthread_mutex_unlock(&w->mu);
	if (last)
		cat_free(c);
}

struct web_tools *
web_tools_get(struct web *w, const struct web_cat *c, int *rc)
{
	struct web_tools *t;

	*rc = 0;
	pthread_mutex_lock(&w->mu);
	if ((t = w->tools) != NULL)
		w->tools = t->next;
	pthread_mutex_unlock(&w->mu);
	if (t == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL ||
		    (*rc = mt_analyzer_new(&t->an)) != 0) {
			free(t);
			*rc = I40_E_NOMEM;
			return NULL;
		}
	}
	/* A search state is tied to one index. */
	if (t->for_serial != c->serial || t->s == NULL) {
		mt_search_free(t->s);
		t->s = NULL;
		t->for_serial = 0;
		if ((*rc = mt_search_new(c->cat.ix, &t->s)) != 0) {
			web_tools_put(w, t);
			return NULL;
		}
		t->for_serial = c->serial;
	}
	return t;
}

void
web_tools_put(struct web *w, struct web_tools *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	t->next = w->tools;
	w->tools = t;
	pthread_mutex_unlock(&w->mu);
}

void
web_cat_free_all(struct web *w)
{
	struct web_tools *t;

	while ((t = w->tools) != NULL) {
		w->tools = t->next;
		mt_search_free(t->s);
		mt_analyzer_free(t->an);
		free(t);
	}
	cat_free(w->cat);
	w->cat = NULL;
}
