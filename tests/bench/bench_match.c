/*
 * bench_match.c: matching on a generated catalog of I40_BENCH_MODULES
 * (default 10,000) modules, beside a bare scan that only tokenises the
 * same text (mt_fold over all of it), measured in the same run
 * (docs/matching.md, "Speed"):
 *
 *  match_build  the index built from the texts for every query, then the
 *               query: queries/s.
 *  match_cold   a new `i40ctl match` once its cache file holds the
 *               catalog: a store of the modules opened read-only, the
 *               catalog's key computed, the catalog read from its cache
 *               file, one query.  Goal 20 queries/s.
 *  match_warm   queries/s on one index and one mt_search, reused (the
 *               daemon's web face), the ten best of each.  Goal 5,000.
 *  match_http   searches per second over HTTP (GET /api/catalog?q=, the
 *               ten best, keep-alive, four client threads per core) on the
 *               web face of the same store, beside the same searches in
 *               process on the same index (ctl_match_doc and the JSON
 *               text, one thread per core): its limit.  Goal 0.5 of it.
 *  (plan)       a comment line, no goal: the seconds of the most work one
 *               /plan request may ask (1000 needs; a body of 1 MiB of
 *               long needs), planned on the same index as the web face
 *               does, for docs/web.md's bounds.
 *
 * The limit is the same for all three: scans of the whole catalog's
 * text per second.  A query that reads only its postings beats a scan
 * by far; a build cannot (it tokenises all of it and more).
 *
 * The modules are made from a fixed seed (printed): titles, tags,
 * outcomes and summaries in Swedish and English, a third of the words
 * from an industrial vocabulary (compounds included), the rest of one
 * of 400 topics' own words; each need names a common word or two and a
 * topic's word.  Exits 0 whether or not the goals are met, 1 on an
 * error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <limits.h>

#include <pthread.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/web.h"
#include "match/cache.h"
#include "match/index.h"
#include "protocol/body.h"
#include "protocol/event.h"
#include "store/store.h"
#include "tests/lib/httpc.h"
#include "tests/lib/sample.h"
#include "tools/ctl_match.h"
#include "tools/ctl_plan.h"

#define GOAL_COLD 20.0
#define GOAL_WARM 5000.0
#define GOAL_HTTP 0.5
#define HTTP_THREADS_MAX 8
/*
 * Clients per server thread.  libmicrohttpd keeps a connection on the
 * thread that accepted it, so two keep-alive clients on two threads
 * land on one thread half the time and the figure halves; four per
 * thread even it out, as a crowd of visitors does.
 */
#define HTTP_CLIENTS 4

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void __attribute__((noreturn))
die(const char *what, int rc)
{
	fprintf(stderr, "bench_match: %s: %d\n", what, rc);
	exit(1);
}

static const char *const sv_words[] = {
	"robot", "robotar", "robotprogrammering", "svetsning", "robotcell",
	"kvalitetskontroll", "maskininlärning", "underhåll", "produktion",
	"produktionsteknik", "styrsystem", "cybersäkerhet", "digital",
	"tvilling", "simulering", "optimering", "energieffektivisering",
	"ledarskap", "förändringsledning", "logistik", "mätning", "ytor",
	"additiv", "tillverkning", "sensorer", "dataflöden", "säkerhet",
	"programmera", "planera", "analysera", "industrirobot", "lean",
};
static const char *const en_words[] = {
	"robot", "robots", "programming", "welding", "cell", "quality",
	"inspection", "machine", "learning", "maintenance", "production",
	"engineering", "control", "systems", "security", "digital", "twin",
	"simulation", "optimisation", "energy", "efficiency", "leadership",
	"change", "logistics", "measurement", "surfaces", "additive",
	"manufacturing", "sensors", "data", "pipelines", "safety",
};
#define NW (sizeof(sv_words) / sizeof(sv_words[0]))

static uint64_t rng = 0x1e40;

static size_t
draw(size_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (size_t)(rng % n);
}

/*
 * A topic's own word: syllables drawn from the topic and the word's
 * number ("tavemiro"), so that, as in a real catalog, the words few
 * modules share are words of their own, not a common word with a
 * number after it (which would make every rare word a prefix relative
 * of a common one, docs/matching.md "Ranking").
 */
#define TOPICS 400

static const char *
topic_word(size_t topic, size_t i, char out[32])
{
	static const char *const syl[] = { "ka", "lo", "mi", "ne", "su",
	    "ta", "ve", "ri", "do", "pu", "gi", "fa", "ho", "ny", "be", "jo" };
	uint64_t h = (uint64_t)topic * 1000003u + i * 7919u + 1;
	size_t k, o = 0, n = 3 + (size_t)(h % 3);

	for (k = 0; k < n; k++) {
		h = h * 6364136223846793005u + 1442695040888963407u;
		memcpy(out + o, syl[(h >> 33) % 16], 2);
		o += 2;
	}
	out[o] = '\0';
	return out;
}

/*
 * words words of a module on topic into a new string: a third from the
 * common vocabulary (list), the rest the topic's own words.
 */
static char *
text(const char *const *list, size_t topic, size_t words)
{
	size_t cap = words * 32 + 1, o = 0, i;
	char *s = malloc(cap), w[32];

	if (s == NULL)
		die("out of memory", -1);
	for (i = 0; i < words; i++)
		o += (size_t)snprintf(s + o, cap - o, "%s%s", i ? " " : "",
		    draw(3) == 0 ? list[draw(NW)] : topic_word(topic,
		    draw(NW), w));
	return s;
}

static const size_t field_words[MT_NFIELDS] = { 4, 4, 24, 40 };

#define NUNI SAMPLE_MAX_KEYS

/* The index of the generated modules. */
static struct mt_index *
build(struct mt_analyzer *an, struct mt_dict *dict, const struct mt_doc *docs,
    size_t nmod)
{
	struct mt_index *ix;
	size_t i;
	int rc;

	if ((rc = mt_index_new(an, dict, &ix)) != 0)
		die("index", rc);
	for (i = 0; i < nmod; i++)
		if ((rc = mt_index_add(ix, &docs[i])) != 0)
			die("index add", rc);
	if ((rc = mt_index_finish(ix)) != 0)
		die("index", rc);
	return ix;
}

static struct codec_bytes
cb(const char *s, size_t max)
{
	struct codec_bytes v;
	size_t n = strlen(s);

	/* Cut at a word's end within max bytes: ASCII text, as generated. */
	while (n > max) {
		while (n > 0 && s[n - 1] != ' ')
			n--;
		n = n > 0 ? n - 1 : 0;
	}
	v.p = (const uint8_t *)s;
	v.len = n;
	return v;
}

/*
 * A store holding the generated modules, published by the sample
 * federation's NUNI universities, in dir.
 */
static struct store *
fill_store(char *dir, const char *data, struct mt_doc *docs, size_t nmod,
    struct sample_fed *fed)
{
	static uint8_t ev[256][EV_MAX_BYTES];
	struct store_item items[256];
	struct store_outcome out[256];
	struct store_opts o;
	struct sample_rng r;
	struct store *st;
	struct body b;
	uint8_t genesis[EV_MAX_BYTES], gid[32], prev[NUNI][32];
	char arena[SAMPLE_ARENA], code[24];
	size_t glen, i, k, len, a;
	uint64_t seq[NUNI];
	int rc;

	if (sample_scratch_init(fed, NUNI, dir) != 0)
		die("scratch store", -1);
	sample_seed(&r, 0x1e40);
	if ((rc = sample_event(fed, 0, 1, NULL, BODY_GENESIS, &r, genesis,
	    sizeof(genesis), &glen, gid)) != 0)
		die("genesis", rc);
	memset(&o, 0, sizeof(o));
	o.map_initial = nmod * 8192 + (1 << 24);
	snprintf((char *)data, PATH_MAX, "%s/data", dir);
	if ((rc = store_create(data, genesis, glen, NULL)) != 0 ||
	    (rc = store_open(data, &o, &st)) != 0)
		die("store", rc);
	for (a = 0; a < NUNI; a++) {
		seq[a] = a == 0 ? 2 : 1;
		memcpy(prev[a], gid, 32);
	}
	memset(prev[1], 0, sizeof(prev) - 32);
	for (i = 0; i < nmod; i += k) {
		for (k = 0; k < 256 && i + k < nmod; k++) {
			struct body_module *m = &b.u.module;
			const struct mt_doc *d = &docs[i + k];

			a = (i + k) % NUNI;
			if ((rc = sample_body(fed, a, BODY_MODULE_PUBLISH, &r, &b,
			    arena)) != 0)
				die("sample body", rc);
			snprintf(code, sizeof(code), "G%zu", i + k);
			m->code = cb(code, 32);
			m->title_sv = cb(d->text[MT_F_TITLE][MT_SV], 200);
			m->title_en = cb(d->text[MT_F_TITLE][MT_EN], 200);
			m->summary_sv = cb(d->text[MT_F_SUMMARY][MT_SV], 4000);
			m->summary_en = cb(d->text[MT_F_SUMMARY][MT_EN], 4000);
			m->outcomes_sv[0] = cb(d->text[MT_F_OUTCOMES][MT_SV], 500);
			m->outcomes_en[0] = cb(d->text[MT_F_OUTCOMES][MT_EN], 500);
			m->noutcomes_sv = m->noutcomes_en = 1;
			m->skills[0].label = cb(d->text[MT_F_TAGS][MT_SV], 100);
			m->skills[0].esco.p = NULL;
			m->skills[0].esco.len = 0;
			m->nskills = 1;
			m->nprereqs = 0;
			if ((rc = sample_sign_body(fed, a, seq[a], seq[a] == 1 ?
			    NULL : prev[a], &b, ev[k], sizeof(ev[k]), &len,
			    prev[a])) != 0 ||
			    (rc = ev_decode(ev[k], len, fed->fed_id, &items[k].ev,
			    NULL, NULL)) != 0)
				die("module event", rc);
			memcpy(items[k].key, fed->pk[a], 32);
			seq[a]++;
		}
		if ((rc = store_append(st, items, k, out)) != 0)
			die("store_append", rc);
		for (a = 0; a < k; a++)
			if (out[a].result != STORE_STORED)
				die("not stored", out[a].code);
	}
	return st;
}

/*
 * Queries per second as a new `i40ctl match` answers them once its
 * cache file holds the catalog: the store opened read-only, the
 * catalog's key computed, the catalog read from the cache, one query.
 */
static double
cli_cold(struct mt_doc *docs, size_t nmod, struct mt_analyzer *an,
    struct mt_dict *dict, char (*needv)[160], size_t nq)
{
	char dir[] = "/tmp/i40-bench-match-XXXXXX", path[PATH_MAX + 16];
	char data[PATH_MAX] = "", why[200];
	struct sample_fed fed;
	struct store_opts o;
	struct store *st = fill_store(dir, data, docs, nmod, &fed);
	struct mt_catalog cat;
	struct mt_hit *hits;
	size_t n;
	unsigned iter = 0;
	double t0, t;
	int rc, cached;

	store_close(st);
	snprintf(path, sizeof(path), "%s/cache.idx", dir);
	memset(&o, 0, sizeof(o));
	o.readonly = 1;
	t0 = now();
	do {
		if ((rc = store_open(data, &o, &st)) != 0 ||
		    (rc = mt_catalog_open(st, an, dict, MT_DICT_DEFAULT, path,
		    &cat, &cached, why, sizeof(why))) != 0)
			die(why, rc);
		if (iter == 0) {
			/* The first call built it: not what is measured. */
			if (cat.n != nmod)
				die("catalog", (int)cat.n);
			t0 = now();
		} else if (!cached)
			die("the cache was not used", -1);
		if ((rc = mt_query(cat.ix, an, MT_SV, needv[iter % nq],
		    strlen(needv[iter % nq]), &hits, &n)) != 0)
			die("query", rc);
		free(hits);
		mt_catalog_free(&cat);
		store_close(st);
		iter++;
	} while ((t = now() - t0) < 2.0 || iter < 3);
	sample_scratch_free(&fed, dir);
	return (iter - 1) / t;
}

/* One thread of the HTTP or the in-process run. */
struct hjob {
	unsigned port;			/* 0: in process */
	const struct mt_catalog *cat;
	const struct mt_dict *dict;
	char (*needv)[160];
	char paths[8][600];
	size_t nq;
	double secs;
	unsigned long done;
	int err;
};

static void *
hjob_run(void *arg)
{
	struct hjob *j = arg;
	struct httpc c;
	struct mt_analyzer *an = NULL;
	struct mt_search *se = NULL;
	struct ctl_filter f;
	double t0 = now();
	size_t len, nh;
	int status = 0;

	ctl_filter_init(&f);
	if (j->port != 0 ? httpc_open(&c, j->port) != 0 :
	    mt_analyzer_new(&an) != 0 || mt_search_new(j->cat->ix, &se) != 0) {
		j->err = 1;
		return NULL;
	}
	do {
		size_t q = j->done % j->nq;

		if (j->port != 0) {
			if ((j->err = httpc_get(&c, j->paths[q], &status,
			    &len)) != 0 || status != 200) {
				fprintf(stderr, "bench_match: GET %s: %d, "
				    "HTTP %d\n", j->paths[q], j->err, status);
				j->err = 1;
				break;
			}
		} else {
			json_t *doc;
			char *txt;

			/* What the server does, but the transport. */
			if (ctl_match_doc(j->cat, an, j->dict, se, "auto",
			    j->needv[q], strlen(j->needv[q]), &f, 10, &doc,
			    &nh) != 0 || (txt = json_dumps(doc,
			    JSON_INDENT(2))) == NULL) {
				j->err = 1;
				break;
			}
			free(txt);
			json_decref(doc);
		}
		j->done++;
	} while (now() - t0 < j->secs);
	j->secs = now() - t0;
	if (j->port != 0)
		httpc_close(&c);
	mt_search_free(se);
	mt_analyzer_free(an);
	return NULL;
}

/* T threads of jobs like j for 2 s: requests per second in all. */
static double
hrun(struct hjob *j, unsigned t)
{
	struct hjob jobs[HTTP_THREADS_MAX * HTTP_CLIENTS];
	pthread_t th[HTTP_THREADS_MAX * HTTP_CLIENTS];
	double rate = 0;
	unsigned i;

	for (i = 0; i < t; i++) {
		jobs[i] = *j;
		jobs[i].secs = 2.0;
		jobs[i].done = i;	/* threads start on different needs */
		if (pthread_create(&th[i], NULL, hjob_run, &jobs[i]) != 0)
			die("pthread_create", -1);
	}
	for (i = 0; i < t; i++) {
		pthread_join(th[i], NULL);
		if (jobs[i].err)
			die(j->port ? "an HTTP search failed" :
			    "a search failed", -1);
		rate += (double)(jobs[i].done - i) / jobs[i].secs;
	}
	return rate;
}

/*
 * What one /plan request may cost at most: a list of lines needs, each
 * reps of the needs joined (a need of a few words, or one near the 4096
 * bytes a need may have), for 100 employees, planned on the catalog as
 * the web face does (one analyzer and search state): seconds.
 */
static double
plan_time(const struct mt_catalog *cat, struct mt_analyzer *an,
    const struct mt_dict *dict, char (*needv)[160], size_t nq, size_t lines,
    size_t reps, size_t *bytes)
{
	struct mt_search *se = NULL;
	struct ctl_plan_list *l = NULL;
	char why[512], *text;
	json_t *doc = NULL;
	size_t i, k, unc, len = 0, cap = lines * (reps * 160 + 32) + 1;
	double t0;
	int rc;

	if ((text = malloc(cap)) == NULL || mt_search_new(cat->ix, &se) != 0)
		die("plan_time", I40_E_NOMEM);
	for (i = 0; i < lines; i++) {
		for (k = 0; k < reps; k++)
			len += (size_t)snprintf(text + len, cap - len, "%s%s",
			    k ? " " : "", needv[(i + k) % nq]);
		len += (size_t)snprintf(text + len, cap - len, " | 1 | E%zu\n",
		    i % 100);
	}
	t0 = now();
	if ((rc = ctl_plan_read(text, len, &l, why, sizeof(why))) != 0 ||
	    (rc = ctl_plan_make(l, cat, an, dict, se, "auto", 0, "2026-12-01",
	    &doc, &unc, why, sizeof(why))) != 0)
		die(why, rc);
	t0 = now() - t0;
	ctl_plan_list_free(l);
	*bytes = len;
	json_decref(doc);
	mt_search_free(se);
	free(text);
	return t0;
}

/* The web face of a store of the modules: HTTP and in-process rates. */
static void
http_bench(struct mt_doc *docs, size_t nmod, struct mt_analyzer *an,
    struct mt_dict *dict, char (*needv)[160], size_t nq, double *http,
    double *inproc, unsigned *threads)
{
	char dir[] = "/tmp/i40-bench-http-XXXXXX", data[PATH_MAX] = "";
	char why[200];
	struct sample_fed fed;
	struct store *st = fill_store(dir, data, docs, nmod, &fed);
	struct mt_catalog cat;
	struct config *cfg;
	struct web *w = NULL;
	struct hjob j;
	struct httpc c;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t q, k, len;
	int status = 0, rc;

	*threads = ncpu < 1 ? 1 : ncpu > HTTP_THREADS_MAX ? HTTP_THREADS_MAX :
	    (unsigned)ncpu;
	memset(&j, 0, sizeof(j));
	j.needv = needv;
	j.nq = nq < 8 ? nq : 8;
	j.dict = dict;
	for (q = 0; q < j.nq; q++) {
		int n = snprintf(j.paths[q], sizeof(j.paths[q]),
		    "/api/catalog?limit=10&q=");

		for (k = 0; needv[q][k] != '\0'; k++)
			n += snprintf(j.paths[q] + n, sizeof(j.paths[q]) -
			    (size_t)n, "%%%02X", (unsigned char)needv[q][k]);
	}
	if ((rc = config_new(&cfg)) != 0)
		die("config", rc);
	/* A port of our own: the first that binds. */
	for (j.port = 20000 + (unsigned)getpid() % 20000; w == NULL;
	    j.port++) {
		char v[32];

		snprintf(v, sizeof(v), "127.0.0.1:%u", j.port);
		free(cfg->http_listen);
		if ((cfg->http_listen = strdup(v)) == NULL ||
		    web_start(st, cfg, &w) != 0)
			w = NULL;
		if (j.port > 60000)
			die("no port for the web face", -1);
	}
	j.port--;
	/* The first search indexes the catalog: not measured. */
	if (httpc_open(&c, j.port) != 0 || httpc_get(&c, j.paths[0], &status,
	    &len) != 0 || status != 200)
		die("the first HTTP search", status);
	httpc_close(&c);
	*http = hrun(&j, *threads * HTTP_CLIENTS);
	web_stop(w);
	config_free(cfg);
	if ((rc = mt_catalog_build(st, an, dict, &cat, why, sizeof(why))) != 0)
		die(why, rc);
	j.port = 0;
	j.cat = &cat;
	*inproc = hrun(&j, *threads);
	{
		size_t b1, b2;
		double t1 = plan_time(&cat, an, dict, needv, nq, 1000, 1, &b1);
		double t2 = plan_time(&cat, an, dict, needv, nq, 250, 100, &b2);

		printf("# plan: the most one /plan request asks: 1000 needs "
		    "(%zu bytes) in %.2f s; 250 needs of %zu bytes each (%zu "
		    "in all) in %.2f s\n", b1, t1, b2 / 250, b2, t2);
	}
	mt_catalog_free(&cat);
	store_close(st);
	sample_scratch_free(&fed, dir);
}

int
main(void)
{
	/* A common word or two and a topic's word, as generated. */
	static const struct {
		const char *lang, *before, *after;
		size_t topic, word;
	} needs[] = {
		{ "sv", "programmera industrirobotar ", "", 17, 3 },
		{ "sv", "svetsning med robot ", "", 203, 9 },
		{ "en", "predictive maintenance ", " with machine learning", 42,
		    1 },
		{ "en", "digital twin ", " of a production line", 99, 20 },
		{ "sv", "kvalitetskontroll med sensorer ", "", 311, 5 },
		{ "en", "energy efficiency ", "", 7, 30 },
	};
	char needv[sizeof(needs) / sizeof(needs[0])][160], tw[32];
	const char *e = getenv("I40_BENCH_MODULES");
	size_t nmod = e != NULL ? (size_t)strtoul(e, NULL, 10) : 10000;
	size_t i, f, l, nq = sizeof(needs) / sizeof(needs[0]), bytes = 0, n;
	struct mt_analyzer *an;
	struct mt_dict *dict;
	struct mt_doc *docs;
	struct mt_index *ix;
	struct mt_search *se;
	struct mt_hit *hits;
	double t0, t, cold, warm, scan, scan_bytes_s, cached, http, inproc;
	unsigned threads;
	unsigned iter;
	char why[200];
	int rc;

	if (nmod < 10)
		nmod = 10;
	for (i = 0; i < nq; i++)
		snprintf(needv[i], sizeof(needv[i]), "%s%s%s", needs[i].before,
		    topic_word(needs[i].topic, needs[i].word, tw),
		    needs[i].after);
	printf("# %zu generated modules, seed 0x1e40\n", nmod);
	if ((rc = mt_analyzer_new(&an)) != 0 || (rc = mt_dict_new(&dict)) != 0)
		die("setup", rc);
	if (mt_dict_load(dict, MT_DICT_DEFAULT, &n, why, sizeof(why)) != 0)
		printf("# %s: compounds are not split\n", why);
	if ((docs = calloc(nmod, sizeof(*docs))) == NULL)
		die("out of memory", -1);
	for (i = 0; i < nmod; i++)
		for (f = 0; f < MT_NFIELDS; f++)
			for (l = 0; l < MT_NLANGS; l++) {
				docs[i].text[f][l] = text(l == MT_SV ? sv_words :
				    en_words, i % TOPICS, field_words[f]);
				bytes += strlen(docs[i].text[f][l]);
			}
	printf("# %zu bytes of module text\n", bytes);

	/* The limit: tokenising all of it, nothing stored. */
	{
		struct tok { size_t n; } tk = { 0 };
		static char buf[1 << 14];

		t0 = now();
		iter = 0;
		do {
			for (i = 0; i < nmod; i++)
				for (f = 0; f < MT_NFIELDS; f++)
					for (l = 0; l < MT_NLANGS; l++) {
						const char *s = docs[i].text[f][l];
						size_t fl;

						/* Each text folded whole: a scan. */
						if (mt_fold(s, strlen(s), buf,
						    sizeof(buf), &fl) != 0)
							die("scan", -1);
						tk.n += fl;
					}
			iter++;
		} while ((t = now() - t0) < 1.0);
		scan = iter / t;
		scan_bytes_s = scan * (double)bytes;
		if (tk.n == 0)
			die("scan", -1);
	}

	/* Cold: the index built for each query. */
	t0 = now();
	iter = 0;
	do {
		ix = build(an, dict, docs, nmod);
		if ((rc = mt_query(ix, an, needs[iter % nq].lang[0] == 's' ?
		    MT_SV : MT_EN, needv[iter % nq], strlen(needv[iter % nq]),
		    &hits, &n)) != 0)
			die("query", rc);
		free(hits);
		mt_index_free(ix);
		iter++;
	} while ((t = now() - t0) < 2.0);
	cold = iter / t;

	/* Warm: one index, queries only. */
	ix = build(an, dict, docs, nmod);
	if ((rc = mt_search_new(ix, &se)) != 0)
		die("index", rc);
	t0 = now();
	iter = 0;
	do {
		/* The ten best, as `i40ctl match` and a web page show. */
		if ((rc = mt_search(se, an, needs[iter % nq].lang[0] == 's' ?
		    MT_SV : MT_EN, needv[iter % nq], strlen(needv[iter % nq]),
		    NULL, 0, NULL, NULL, 10, &hits, &n)) != 0 || n == 0)
			die("query", rc);
		free(hits);
		iter++;
	} while ((t = now() - t0) < 1.0);
	warm = iter / t;
	mt_search_free(se);

	/* Cold as `i40ctl match` meets it: a store, its cache, one query. */
	cached = cli_cold(docs, nmod, an, dict, needv, nq);
	http_bench(docs, nmod, an, dict, needv, nq, &http, &inproc, &threads);
	mt_index_free(ix);

	printf("BENCH match_build %.1f queries/s limit=%.1f ratio=%.3f\n",
	    cold, scan, cold / scan);
	printf("# match_build: the index built for each query\n");
	printf("BENCH match_cold %.1f queries/s limit=%.1f ratio=%.3f\n",
	    cached, scan, cached / scan);
	printf("# match_cold: goal %.0f queries/s: %s\n", GOAL_COLD,
	    cached >= GOAL_COLD ? "met" : "NOT met");
	printf("BENCH match_warm %.0f queries/s limit=%.1f ratio=%.1f\n",
	    warm, scan, warm / scan);
	printf("# match_warm: goal %.0f queries/s: %s\n", GOAL_WARM,
	    warm >= GOAL_WARM ? "met" : "NOT met");
	printf("BENCH match_http %.0f requests/s limit=%.0f ratio=%.3f\n",
	    http, inproc, http / inproc);
	printf("# match_http: %u client threads, %u server threads; the limit: "
	    "the same searches in process, JSON included, %u threads; goal "
	    "ratio %.1f: %s\n", threads * HTTP_CLIENTS, threads, threads, GOAL_HTTP, http / inproc >= GOAL_HTTP ? "met" :
	    "NOT met");
	printf("# the limit: scans of the catalog's text per second (%.0f "
	    "MB/s folded, nothing stored)\n", scan_bytes_s / 1e6);
	for (i = 0; i < nmod; i++)
		for (f = 0; f < MT_NFIELDS; f++)
			for (l = 0; l < MT_NLANGS; l++)
				free((char *)docs[i].text[f][l]);
	free(docs);
	mt_dict_free(dict);
	mt_analyzer_free(an);
	return 0;
}
