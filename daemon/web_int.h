/*
 * web_int.h: what the files of the web face share (web.h says what it
 * is).  web.c serves and routes, web_cat.c keeps the catalog index and
 * the per-thread search state, web_view.c the node's published state
 * and /metrics, web_api.c the JSON answers, web_page.c the HTML pages
 * (web_plan.c the plan's).
 *
 * A handler gets a struct web_req and answers with web_send(); every
 * byte it sends is public data: catalog, membership, roots, counters.
 * Nothing of the private environment (learners) is ever read here.
 */
#ifndef I40_WEB_INT_H
#define I40_WEB_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/web.h"
#include "match/catalog.h"
#include "store/store.h"

#define WEB_PEERS 64
#define WEB_BODY_MAX (1u << 20)		/* a request body at most */
#define WEB_NEED_MAX 4096		/* as i40ctl match */
#define WEB_URL_MAX 2048		/* a path */
#define WEB_QUERY_MAX 8192		/* a path and its query, decoded */

/* A growing string; oom set once an append failed (then it is dropped). */
struct wbuf {
	char *p;
	size_t len, cap;
	int oom;
};
void wb_init(struct wbuf *b);
void wb_free(struct wbuf *b);
void wb_putn(struct wbuf *b, const char *s, size_t n);
void wb_puts(struct wbuf *b, const char *s);
void wb_printf(struct wbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* s as HTML text or attribute value: & < > " ' escaped. */
void wb_html(struct wbuf *b, const char *s);
/* s percent-encoded for a query string. */
void wb_url(struct wbuf *b, const char *s);

/* A peer as the pages show it. */
struct web_peer {
	char schac[65], hex[65], state[16];
	uint64_t behind, ahead;
	uint64_t last_s;		/* seconds since its last message; or */
	int heard;			/* 0: never heard since the start */
	uint64_t converged_s;		/* since our vectors were last equal */
	int ever_equal;
	int observer;
};

/* The node as the main thread last published it. */
struct web_view {
	int valid;
	char node[129], selfhex[65];
	char signing[16];		/* yes, no, waiting, stopped */
	char why[400];
	int heard_peer;			/* some peer's heads seen since the start */
	uint64_t events, authors, uptime_s;
	uint64_t stored, refused, dropped, zap_refused, shed;
	struct web_peer peers[WEB_PEERS];
	size_t npeers;
	struct web_metrics m;
};

/* A catalog index that requests share, freed when the last lets go. */
struct web_cat {
	struct mt_catalog cat;
	uint8_t key[32];
	uint64_t gen;			/* web.gen it was checked at */
	uint64_t serial;		/* 1, 2, ...: which build it is */
	unsigned refs;
};

/* One thread's search tools, taken from the pool for one request. */
struct web_tools {
	struct mt_analyzer *an;
	struct mt_search *s;
	uint64_t for_serial;		/* s is on that catalog's index */
	struct web_tools *next;
};

struct web {
	struct MHD_Daemon *d;
	struct store *st;
	struct mt_dict *dict;
	const char *dict_path;		/* NULL: no word list */
	uint8_t *genesis;
	size_t glen;
	char listen[80];
	unsigned conns, timeout_ms;
	pthread_mutex_t mu;		/* view, cat, tools, roots below */
	pthread_mutex_t buildmu;	/* one catalog build at a time */
	struct web_view view;
	int seen_peer;			/* the main thread's: a peer's heads seen */
	struct web_cat *cat;
	uint64_t checked_ms;
	uint64_t serials;		/* catalogs built */
	atomic_uint_fast64_t gen;	/* bumped by web_touch */
	struct web_tools *tools;
	uint8_t log_root[32], state_root[32];
	uint64_t roots_ms;		/* when computed; 0: never */
	/* Answers by status class (1xx..5xx) and refused connections. */
	atomic_uint_fast64_t answers[6];
	atomic_uint_fast64_t too_many;
};

/* A request, as the handlers see it. */
struct web_req {
	struct web *w;
	struct MHD_Connection *c;
	const char *url;		/* the path, decoded */
	int post;
	int multipart;			/* a POST of multipart/form-data */
	int en;				/* the page's language: 1 English */
	const char *body;		/* a POST's body or field, NUL-ended */
	size_t blen;
	const char *max_credits;	/* a POSTed form's field, or NULL */
	int max_bad;			/* ... given twice, too long, or NUL */
};

/*
 * A query argument: NULL when absent; *bad set (and NULL returned) when
 * it holds a NUL byte or is not UTF-8 or is longer than max.
 */
const char *web_arg(struct web_req *r, const char *name, size_t max,
    int *bad);
/* Send an answer: 0, or -1 when libmicrohttpd refused it. */
int web_send(struct web_req *r, unsigned status, const char *type,
    struct wbuf *b);
int web_send_json(struct web_req *r, unsigned status, json_t *doc);
/* A short error: JSON under /api/, an HTML page elsewhere. */
int web_error(struct web_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
uint64_t web_now_ms(void);

/* web_cat.c */
/* The current catalog, held until web_cat_put: NULL and *rc on failure. */
struct web_cat *web_cat_get(struct web *w, int *rc);
void web_cat_put(struct web *w, struct web_cat *c);
/* Search tools on c's index for this request (web_tools_put gives back). */
struct web_tools *web_tools_get(struct web *w, const struct web_cat *c,
    int *rc);
void web_tools_put(struct web *w, struct web_tools *t);
void web_cat_free_all(struct web *w);

/* web_view.c */
int web_healthz(struct web_req *r);
int web_readyz(struct web_req *r);
int web_metrics_page(struct web_req *r);
/* The view, copied under the lock. */
void web_view_get(struct web *w, struct web_view *out);
/* The roots, computed at most every few seconds: 0, or the store's. */
int web_roots(struct web *w, uint8_t log_root[32], uint8_t state_root[32],
    uint64_t *age_s);

/* web_api.c: the JSON answers, which the pages render too. */
/* The catalog search of the request's arguments: 0 and *doc, else sent. */
int web_api_catalog_doc(struct web_req *r, struct web_cat *c, json_t **doc,
    unsigned *status);
int web_api_catalog(struct web_req *r);
/* /api/modules/SCHAC/CODE: *doc, or 404 */
int web_api_module_doc(struct web_req *r, struct web_cat *c,
    const char *schac, const char *code, json_t **doc);
int web_api_module(struct web_req *r, const char *rest);
/* "SCHAC/CODE" of a module's path into its parts: 0, or -1. */
int web_module_path(const char *rest, char schac[65], char code[33]);
int web_api_federation_doc(struct web_req *r, json_t **doc);
int web_api_federation(struct web_req *r);
/* A transcript's verdicts, as i40ctl verify -d decides: 0 and *doc. */
int web_api_verify_doc(struct web_req *r, const char *text, size_t len,
    json_t **doc, char *why, size_t cap);
int web_api_verify(struct web_req *r);
/*
 * A list of needs made into a programme, as i40ctl plan --json on this
 * node (lang sv, en or auto; max the credits each, in tenths, 0: no
 * limit): 0 and *doc, or I40_E_VALUE (the list is wrong) or another
 * error, with why said.
 */
int web_api_plan_doc(struct web_req *r, const char *text, size_t len,
    const char *lang, uint64_t max, json_t **doc, char *why, size_t cap);
/* A credit limit as typed (NULL or blank: none): 0, or I40_E_VALUE, why. */
int web_plan_limit(const char *v, uint64_t *max, char *why, size_t cap);
int web_api_plan(struct web_req *r);

/* web_page.c */
/* The page's words in its language. */
#define TR(r, s_sv, s_en) ((r)->en ? (s_en) : (s_sv))
/* A JSON string, "" if it is none; JS of an object's member. */
const char *web_str(const json_t *v);
#define JS(o, k) web_str(json_object_get((o), (k)))
/* A page's head, navigation and language switch to self (its path). */
void web_page_top(struct web_req *r, struct wbuf *b, const char *title,
    const char *self);
/* The page's end, and the page sent: as web_send. */
int web_page_finish(struct web_req *r, struct wbuf *b, unsigned status);
int web_page_catalog(struct web_req *r);
int web_page_module(struct web_req *r, const char *rest);
int web_page_verify(struct web_req *r);
int web_page_federation(struct web_req *r);
int web_page_css(struct web_req *r);
/* A refusal on a page: what (the page's words), then why (escaped). */
void web_page_alert(struct wbuf *b, const char *what, const char *why);
/* An error page in the request's language. */
int web_page_error(struct web_req *r, unsigned status, const char *msg);

/* web_plan.c: the company's plan page, /plan. */
int web_page_plan(struct web_req *r);

#endif
