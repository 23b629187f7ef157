/*
 * web.c: the web face's server (web.h): libmicrohttpd with a pool of
 * threads on [http] listen, the bounds every request meets, and the
 * routes.  Model: the request handling of Syncthing's GUI server, a
 * table of paths, each GET-only unless it says otherwise.
 *
 * Bounds (docs/web.md, "Bounds"): [http] connections at most (the rest
 * are refused at accept; no limit per client address, since behind a
 * proxy every client has the proxy's), [http] timeout for an
 * idle connection, 64 KiB of headers per connection, WEB_BODY_MAX of
 * body (a bigger Content-Length is refused before it is read), paths of
 * WEB_URL_MAX and queries of WEB_QUERY_MAX, and no request whose length
 * is ambiguous.  A handler's own work is bounded by its input: a need
 * of WEB_NEED_MAX bytes, a transcript of WEB_BODY_MAX, a plan's list
 * of ctl_plan.h's CTL_PLAN_* bounds.
 */
#include "daemon/web_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <microhttpd.h>

#include "daemon/config.h"
#include "daemon/log.h"
#include "match/compound.h"
#include "protocol/codec.h"

/* The web threads' nice value: the ledger's sync comes first. */
#define WEB_NICE 10
#define HEADER_MEM (64 * 1024)

void
wb_init(struct wbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void
wb_free(struct wbuf *b)
{
	free(b->p);
	wb_init(b);
}

void
wb_putn(struct wbuf *b, const char *s, size_t n)
{
	char *np;
	size_t cap;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		for (cap = b->cap ? b->cap : 4096; cap < b->len + n + 1; cap *= 2)
			;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
wb_puts(struct wbuf *b, const char *s)
{
	wb_putn(b, s, strlen(s));
}

void
wb_printf(struct wbuf *b, const char *fmt, ...)
{
	char small[512], *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		wb_putn(b, small, (size_t)n);
		return;
	}
	if ((big = malloc((size_t)n + 1)) == NULL) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	(void)vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	wb_putn(b, big, (size_t)n);
	free(big);
}

void
wb_html(struct wbuf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
		    *s == '>' ? "&gt;" : *s == '"' ? "&quot;" :
		    *s == '\'' ? "&#39;" : NULL;

		if (e == NULL)
			continue;
		wb_putn(b, run, (size_t)(s - run));
		wb_puts(b, e);
		run = s + 1;
	}
	wb_putn(b, run, (size_t)(s - run));
}

void
wb_url(struct wbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[3];

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL) {
			wb_putn(b, s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[ch >> 4];
		e[2] = hex[ch & 15];
		wb_putn(b, e, 3);
	}
}

uint64_t
web_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* What one connection's request carries between calls. */
struct web_ctx {
	struct wbuf body;
	struct MHD_PostProcessor *pp;
	struct wbuf field;		/* the form's transcript or needs */
	const char *want;		/* its name: "needs", "transcript" */
	char max_credits[16];		/* the plan form's limit */
	size_t max_len;
	int has_max, max_bad;
	int multipart;
	int get_body;			/* a body sent with GET or HEAD */
	int too_big;
	int bad_form;
};

const char *
web_arg(struct web_req *r, const char *name, size_t max, int *bad)
{
	const char *v = NULL;
	size_t len = 0;

	if (MHD_lookup_connection_value_n(r->c, MHD_GET_ARGUMENT_KIND, name,
	    strlen(name), &v, &len) != MHD_YES || v == NULL)
		return NULL;
	if (len > max || memchr(v, '\0', len) != NULL ||
	    !codec_utf8_valid((const uint8_t *)v, len)) {
		*bad = 1;
		return NULL;
	}
	return v;
}

static void
headers(struct MHD_Response *resp, const char *type)
{
	(void)MHD_add_response_header(resp, "Content-Type", type);
	(void)MHD_add_response_header(resp, "X-Content-Type-Options",
	    "nosniff");
	(void)MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	(void)MHD_add_response_header(resp, "Content-Security-Policy",
	    "default-src 'none'; style-src 'self'; img-src 'self'; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	(void)MHD_add_response_header(resp, "Cache-Control", "no-store");
	(void)MHD_add_response_header(resp, "Vary", "Accept-Language");
}

int
web_send(struct web_req *r, unsigned status, const char *type,
    struct wbuf *b)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;

	if (b->oom) {
		wb_free(b);
		status = 500;
		type = "text/plain; charset=utf-8";
		wb_puts(b, "out of memory: try again later\n");
	}
	resp = MHD_create_response_from_buffer(b->len, b->p != NULL ? b->p :
	    (char *)"", b->p != NULL ? MHD_RESPMEM_MUST_FREE :
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		wb_free(b);
		return -1;
	}
	wb_init(b);		/* the response owns the bytes now */
	headers(resp, type);
	ok = MHD_queue_response(r->c, status, resp);
	MHD_destroy_response(resp);
	atomic_fetch_add(&r->w->answers[status / 100 <= 5 ? status / 100 : 0],
	    1);
	return ok == MHD_YES ? 0 : -1;
}

int
web_send_json(struct web_req *r, unsigned status, json_t *doc)
{
	struct wbuf b;
	char *s;

	wb_init(&b);
	if (doc == NULL || (s = json_dumps(doc, JSON_INDENT(2))) == NULL) {
		json_decref(doc);
		b.oom = 1;
		return web_send(r, 500, "application/json", &b);
	}
	json_decref(doc);
	wb_puts(&b, s);
	wb_puts(&b, "\n");
	free(s);
	return web_send(r, status, "application/json", &b);
}

int
web_error(struct web_req *r, unsigned status, const char *fmt, ...)
{
	json_t *doc;
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strncmp(r->url, "/api/", 5) != 0 && strcmp(r->url, "/metrics") != 0
	    && strcmp(r->url, "/healthz") != 0 &&
	    strcmp(r->url, "/readyz") != 0)
		return web_page_error(r, status, msg);
	/* A message cut inside a character it quotes is no JSON string. */
	if ((doc = json_pack("{s:I, s:s}", "status", (json_int_t)status,
	    "error", msg)) == NULL)
		doc = json_pack("{s:I, s:s}", "status", (json_int_t)status,
		    "error", "the request is not valid: see docs/web.md");
	return web_send_json(r, status, doc);
}

/*
 * The page's language: ?lang= first, then the first of sv and en that
 * Accept-Language names (q-values are not weighed: the two are listed
 * in the visitor's order of preference), else Swedish.
 */
static int
lang_en(struct web_req *r)
{
	const char *al;
	int bad = 0;
	const char *l = web_arg(r, "lang", 8, &bad);
	const char *sv, *en;

	if (l != NULL && (strcmp(l, "en") == 0 || strcmp(l, "sv") == 0))
		return l[0] == 'e';
	al = MHD_lookup_connection_value(r->c, MHD_HEADER_KIND,
	    "Accept-Language");
	if (al == NULL)
		return 0;
	sv = strstr(al, "sv");
	en = strstr(al, "en");
	return en != NULL && (sv == NULL || en < sv);
}

/*
 * The form fields that carry a transcript or a list of needs, collected
 * bounded, and the plan form's credit limit; others are ignored.
 */
static enum MHD_Result
post_field(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *type, const char *enc,
    const char *data, uint64_t off, size_t size)
{
	struct web_ctx *x = cls;

	(void)kind;
	(void)filename;
	(void)type;
	(void)enc;
	if (strcmp(x->want, "needs") == 0 && strcmp(key, "max_credits") == 0) {
		/* Given twice, too long or with a NUL: said on the page. */
		if ((off == 0 && x->has_max) || x->max_len + size >=
		    sizeof(x->max_credits) || memchr(data, '\0', size) != NULL)
			x->max_bad = 1;
		else {
			memcpy(x->max_credits + x->max_len, data, size);
			x->max_len += size;
			x->max_credits[x->max_len] = '\0';
		}
		x->has_max = 1;
		return MHD_YES;
	}
	/* The page's own field (a file's too, on /verify); others ignored. */
	if (strcmp(key, x->want) != 0 && !(strcmp(x->want, "transcript") == 0
	    && strcmp(key, "file") == 0))
		return MHD_YES;
	if (x->field.len + size > WEB_BODY_MAX) {
		x->too_big = 1;
		return MHD_NO;
	}
	wb_putn(&x->field, data, size);
	return MHD_YES;
}

static int
route(struct web_req *r)
{
	const char *u = r->url;

	if (r->post) {
		if (strcmp(u, "/api/verify") == 0)
			return web_api_verify(r);
		if (strcmp(u, "/verify") == 0)
			return web_page_verify(r);
		if (strcmp(u, "/api/plan") == 0)
			return web_api_plan(r);
		if (strcmp(u, "/plan") == 0)
			return web_page_plan(r);
		return web_error(r, 405, "%s takes no POST", u);
	}
	if (strcmp(u, "/healthz") == 0)
		return web_healthz(r);
	if (strcmp(u, "/readyz") == 0)
		return web_readyz(r);
	if (strcmp(u, "/metrics") == 0)
		return web_metrics_page(r);
	if (strcmp(u, "/api/catalog") == 0)
		return web_api_catalog(r);
	if (strncmp(u, "/api/modules/", 13) == 0)
		return web_api_module(r, u + 13);
	if (strcmp(u, "/api/federation") == 0)
		return web_api_federation(r);
	if (strcmp(u, "/api/verify") == 0)
		return web_error(r, 405, "POST a transcript to /api/verify");
	if (strcmp(u, "/api/plan") == 0)
		return web_error(r, 405, "POST a list of needs to /api/plan");
	if (strcmp(u, "/") == 0)
		return web_page_catalog(r);
	if (strncmp(u, "/module/", 8) == 0)
		return web_page_module(r, u + 8);
	if (strcmp(u, "/verify") == 0)
		return web_page_verify(r);
	if (strcmp(u, "/plan") == 0)
		return web_page_plan(r);
	if (strcmp(u, "/federation") == 0)
		return web_page_federation(r);
	if (strcmp(u, "/style.css") == 0)
		return web_page_css(r);
	return web_error(r, 404, "no page %s here", u);
}

/* What the header and query checks count. */
struct hdr_count {
	unsigned cl, te;
	size_t bytes;
};

static enum MHD_Result
count_hdr(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct hdr_count *h = cls;

	(void)kind;
	(void)value;
	h->cl += strcasecmp(key, "Content-Length") == 0;
	h->te += strcasecmp(key, "Transfer-Encoding") == 0;
	return MHD_YES;
}

static enum MHD_Result
count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct hdr_count *h = cls;

	(void)kind;
	h->bytes += strlen(key) + 2 + (value != NULL ? strlen(value) : 0);
	return MHD_YES;
}

/*
 * A request whose length is ambiguous (two Content-Lengths, or one with
 * Transfer-Encoding: RFC 9112 §6.3) is refused: behind a proxy that reads
 * it the other way, its body would be taken for a second request.  So is
 * HTTP/1.1 without Host.  An answer queued now also closes the connection.
 */
static const char *
ambiguous(struct MHD_Connection *c, const char *version)
{
	struct hdr_count h = { 0, 0, 0 };

	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, count_hdr, &h);
	if (h.cl > 1 || (h.cl > 0 && h.te > 0))
		return "the request's length is ambiguous (two Content-Length "
		    "headers, or one with Transfer-Encoding)";
	if (strcmp(version, "HTTP/1.1") == 0 &&
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host") == NULL)
		return "an HTTP/1.1 request without Host";
	return NULL;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **ctxp)
{
	struct web_req r;
	struct web_ctx *x = *ctxp;
	struct hdr_count q = { 0, 0, 0 };
	const char *cl, *ct, *why;
	int post = strcmp(method, "POST") == 0;

	/*
	 * Page views yield to ingest and sync on a busy machine: each of
	 * libmicrohttpd's threads lowers its own priority once (per-thread
	 * state, since libmicrohttpd makes the threads).
	 */
	static __thread int niced;
	if (!niced) {
		niced = 1;
		(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
		    WEB_NICE);
	}
	memset(&r, 0, sizeof(r));
	r.w = cls;
	r.c = c;
	r.url = url;
	r.post = post;
	if (x == NULL) {
		if ((x = calloc(1, sizeof(*x))) == NULL)
			return MHD_NO;
		*ctxp = x;
		if ((why = ambiguous(c, version)) != NULL) {
			r.en = lang_en(&r);
			return web_error(&r, 400, "%s", why) == 0 ? MHD_YES :
			    MHD_NO;
		}
		/*
		 * Answer on the next call, even a GET: a response queued on
		 * the first makes libmicrohttpd close the connection (no
		 * keep-alive), as it cannot know the request was read whole.
		 */
		if (!post)
			return MHD_YES;
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    "Content-Length");
		/*
		 * A body announced too big is refused before it is read: an
		 * answer queued now also tells libmicrohttpd to send no
		 * "100 Continue" and to close the connection.
		 */
		if (cl != NULL && strtoull(cl, NULL, 10) > WEB_BODY_MAX) {
			r.en = lang_en(&r);
			return web_error(&r, 413, "the request is larger than "
			    "%u KiB", WEB_BODY_MAX / 1024) == 0 ? MHD_YES :
			    MHD_NO;
		}
		ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    "Content-Type");
		x->multipart = ct != NULL && strncasecmp(ct,
		    "multipart/form-data", 19) == 0;
		x->want = strcmp(url, "/plan") == 0 ? "needs" : "transcript";
		/* The pages take forms; the API the body as it is. */
		if (strncmp(url, "/api/", 5) != 0)
			x->pp = MHD_create_post_processor(c, 16 * 1024,
			    post_field, x);
		return MHD_YES;
	}
	if (post && *upload_size > 0) {
		if (!x->too_big && x->body.len + *upload_size > WEB_BODY_MAX)
			x->too_big = 1;
		if (x->too_big)
			;	/* read and dropped: the answer is 413 */
		else if (x->pp != NULL) {
			if (MHD_post_process(x->pp, upload, *upload_size) !=
			    MHD_YES)
				x->bad_form = 1;
			x->body.len += *upload_size;
		} else
			wb_putn(&x->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (!post && *upload_size > 0) {
		x->get_body = 1;	/* read and dropped: the answer is 400 */
		*upload_size = 0;
		return MHD_YES;
	}
	(void)MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, count_arg,
	    &q);
	if (strlen(url) + q.bytes > WEB_QUERY_MAX) {
		r.url = strncmp(url, "/api/", 5) == 0 ? "/api/" : "/";
		r.en = lang_en(&r);
		return web_error(&r, 414, "the address is longer than %d bytes",
		    WEB_QUERY_MAX) == 0 ? MHD_YES : MHD_NO;
	}
	if (strlen(url) > WEB_URL_MAX || !codec_utf8_valid((const uint8_t *)url,
	    strlen(url)) || strstr(url, "..") != NULL) {
		r.url = "/";
		return web_page_error(&r, 400, "this address is not one of "
		    "this site's") == 0 ? MHD_YES : MHD_NO;
	}
	r.en = lang_en(&r);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    !post)
		return web_error(&r, 405, "%s: this site only reads (GET)",
		    method) == 0 ? MHD_YES : MHD_NO;
	if (x->get_body)
		return web_error(&r, 400, "a %s request takes no body", method)
		    == 0 ? MHD_YES : MHD_NO;
	if (x->too_big)
		return web_error(&r, 413, "the request is larger than %u KiB",
		    WEB_BODY_MAX / 1024) == 0 ? MHD_YES : MHD_NO;
	if (x->field.oom || x->body.oom)
		return web_error(&r, 503, "out of memory: try again later") ==
		    0 ? MHD_YES : MHD_NO;
	r.multipart = x->multipart;
	if (x->pp != NULL) {
		if (x->bad_form)
			return web_error(&r, 400, "the form could not be read")
			    == 0 ? MHD_YES : MHD_NO;
		wb_putn(&x->field, "", 0);
		r.body = x->field.p != NULL ? x->field.p : "";
		r.blen = x->field.len;
		r.max_credits = x->has_max ? x->max_credits : NULL;
		r.max_bad = x->max_bad;
	} else if (post) {
		wb_putn(&x->body, "", 0);
		r.body = x->body.p != NULL ? x->body.p : "";
		r.blen = x->body.len;
	}
	return route(&r) == 0 ? MHD_YES : MHD_NO;
}

static void
completed(void *cls, struct MHD_Connection *c, void **ctxp,
    enum MHD_RequestTerminationCode toe)
{
	struct web_ctx *x = *ctxp;

	(void)cls;
	(void)c;
	(void)toe;
	if (x == NULL)
		return;
	if (x->pp != NULL)
		(void)MHD_destroy_post_processor(x->pp);
	wb_free(&x->body);
	wb_free(&x->field);
	free(x);
	*ctxp = NULL;
}

static void mhd_log(void *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

/* libmicrohttpd's messages (its own formats), at debug level. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char m[300];
	size_t n;

	(void)cls;
	(void)vsnprintf(m, sizeof(m), fmt, ap);
	n = strlen(m);
	while (n > 0 && m[n - 1] == '\n')
		m[--n] = '\0';
	log_debug("http: %s", m);
}

/* [http] listen as a socket address. */
static int
sockaddr_of(const char *listen, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if ((colon = strrchr(listen, ':')) == NULL)
		return I40_E_CONFIG;
	port = strtoul(colon + 1, NULL, 10);
	hl = (size_t)(colon - listen);
	if (listen[0] == '[') {
		if (hl < 2 || hl - 2 >= sizeof(host))
			return I40_E_CONFIG;
		memcpy(host, listen + 1, hl - 2);
		host[hl - 2] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 ? 0 :
		    I40_E_CONFIG;
	}
	if (hl >= sizeof(host))
		return I40_E_CONFIG;
	memcpy(host, listen, hl);
	host[hl] = '\0';
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : I40_E_CONFIG;
}

int
web_start(struct store *st, const struct config *cfg, struct web **out)
{
	struct sockaddr_storage ss;
	struct store_event ge;
	struct web *w;
	char why[300];
	size_t added;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = ncpu < 2 ? 2 : ncpu > 8 ? 8 : (unsigned)ncpu;
	int rc;

	*out = NULL;
	if (cfg->http_listen == NULL)
		return 0;
	if ((rc = sockaddr_of(cfg->http_listen, &ss)) != 0) {
		log_error("[http] listen %s is not an address to bind",
		    cfg->http_listen);
		return rc;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return I40_E_NOMEM;
	w->st = st;
	w->conns = cfg->http_conns;
	w->timeout_ms = cfg->http_timeout_ms;
	snprintf(w->listen, sizeof(w->listen), "%s", cfg->http_listen);
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->buildmu, NULL);
	if ((rc = mt_dict_new(&w->dict)) != 0)
		goto fail;
	if (mt_dict_load(w->dict, MT_DICT_DEFAULT, &added, why,
	    sizeof(why)) == 0)
		w->dict_path = MT_DICT_DEFAULT;
	else
		log_warnx("web: %s: Swedish compounds are not split in "
		    "searches (install wswedish)", why);
	if ((rc = store_genesis(st, &ge)) != 0) {
		log_warn(rc, "web: cannot read the genesis");
		goto fail;
	}
	w->genesis = ge.bytes;
	w->glen = ge.len;
	w->d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD |
	    MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
	    0, NULL, NULL, answer, w,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, w->conns,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(w->timeout_ms / 1000),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_MEM,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, w,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
	    MHD_OPTION_END);
	if (w->d == NULL) {
		rc = errno != 0 ? -errno : I40_E_CONFIG;
		log_warn(rc, "web: cannot serve on %s (is the port taken? "
		    "change [http] listen, or set it to off)", w->listen);
		goto fail;
	}
	log_info("web: serving http://%s/ (%u threads, %u connections at "
	    "most)", w->listen, threads, w->conns);
	*out = w;
	return 0;
fail:
	web_stop(w);
	return rc;
}

void
web_touch(struct web *w)
{
	if (w != NULL)
		atomic_fetch_add(&w->gen, 1);
}

void
web_stop(struct web *w)
{
	if (w == NULL)
		return;
	if (w->d != NULL)
		MHD_stop_daemon(w->d);
	web_cat_free_all(w);
	mt_dict_free(w->dict);
	free(w->genesis);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->buildmu);
	free(w);
}
