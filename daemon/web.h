/*
 * web.h: the web face of i40d (docs/web.md): read-only public pages and a
 * JSON API for learners and employers, /metrics, /healthz and /readyz
 * for operators, served by libmicrohttpd on [http] listen.
 *
 * Threads: libmicrohttpd's threads answer requests; they read the store
 * (which allows readers on any thread) and a view of the node that the
 * main thread publishes every tick (web_publish), never the node itself.
 * The counters in struct web_metrics are the main thread's.
 *
 * Ownership: the struct web is web_start's; web_stop joins its threads
 * and frees it.  It borrows the node's store until then.
 */
#ifndef I40_WEB_H
#define I40_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/errors.h"
#include "store/store.h"

struct node;
struct web;

#define WEB_TYPES 32		/* body types counted (enum body_type) */
#define WEB_CODES 48		/* refusal reasons counted */
#define WEB_LAT_BUCKETS 11	/* commit latency: 1 ms .. 5 s, then +Inf */

/* What the main thread counts for /metrics. */
struct web_metrics {
	uint64_t stored_type[WEB_TYPES];
	int refused_code[WEB_CODES];	/* I40_E_* */
	uint64_t refused_n[WEB_CODES];
	size_t nrefused;
	uint64_t refused_other;		/* reasons past WEB_CODES */
	uint64_t commits, commit_us;	/* count, total microseconds */
	uint64_t commit_le[WEB_LAT_BUCKETS];	/* at most web_lat_ms[i] */
};

extern const unsigned web_lat_ms[WEB_LAT_BUCKETS];

/* One batch's outcomes: stored events by type, refusals by reason. */
void web_count_items(struct web_metrics *m, const struct store_item *items,
    const struct store_outcome *out, size_t cnt);
/* One store_append that took us microseconds. */
void web_count_commit(struct web_metrics *m, uint64_t us);

/*
 * Start serving cfg's [http] listen address from st: 0 and *out (NULL
 * when the face is off), or an error logged with what to do.  Until the
 * first web_publish, /readyz says not ready and the federation page
 * shows no peers.
 */
struct config;
int web_start(struct store *st, const struct config *cfg, struct web **out)
    I40_MUST_CHECK;
/* The main thread, each tick: the node's state for the pages. */
void web_publish(struct web *w, struct node *n);
/* The catalog may have changed (a commit): searches rebuild it soon. */
void web_touch(struct web *w);
/* NULL is a no-op. */
void web_stop(struct web *w);

#endif
