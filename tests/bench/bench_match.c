/*
 * bench_match.c: matching on a generated catalog of I40_BENCH_MODULES
 * (default 10,000) modules, each beside a bare scan that only tokenises
 * the same text, measured in the same run (docs/matching.md):
 *
 *  match_cold  the index built for every query (as `i40ctl match` does
 *              today), queries/s; limit: scans of the whole catalog's
 *              text per second.  Goal 20 queries/s.
 *  match_warm  queries/s on one index, reused (the daemon's web face);
 *              limit as for match_cold: a query that reads no more than
 *              its postings beats a scan by far.  Goal 5,000 queries/s.
 *
 * The modules are made from a fixed seed (printed): titles, tags,
 * outcomes and summaries in Swedish and English, a third of the words
 * from an industrial vocabulary (compounds included), the rest of one
 * of 400 topics' own; each need names a common word or two and a
 * topic's word.  Exits 0 whether or not the goals are
 * met, 1 on an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match/index.h"

#define GOAL_COLD 20.0
#define GOAL_WARM 5000.0

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
 * words words of a module on topic into a new string: a third from the
 * common vocabulary, the rest the topic's own (a word of the list and
 * the topic's number, "robotcell17"), as a real catalog has many words
 * that few modules share.
 */
#define TOPICS 400

static char *
text(const char *const *list, size_t topic, size_t words)
{
	size_t cap = words * 32 + 1, o = 0, i;
	char *s = malloc(cap);

	if (s == NULL)
		die("out of memory", -1);
	for (i = 0; i < words; i++)
		if (draw(3) == 0)
			o += (size_t)snprintf(s + o, cap - o, "%s%s",
			    i ? " " : "", list[draw(NW)]);
		else
			o += (size_t)snprintf(s + o, cap - o, "%s%s%zu",
			    i ? " " : "", list[draw(NW)], topic);
	return s;
}

static const size_t field_words[MT_NFIELDS] = { 4, 4, 24, 40 };

int
main(void)
{
	static const char *const needs[][2] = {
		{ "sv", "programmera industrirobotar17" },
		{ "sv", "svetsning med robot203" },
		{ "en", "predictive maintenance42 with machine learning" },
		{ "en", "digital twin99 of a production line" },
		{ "sv", "kvalitetskontroll med sensorer311" },
		{ "en", "energy efficiency7" },
	};
	const char *e = getenv("I40_BENCH_MODULES");
	size_t nmod = e != NULL ? (size_t)strtoul(e, NULL, 10) : 10000;
	size_t i, f, l, nq = sizeof(needs) / sizeof(needs[0]), bytes = 0, n;
	struct mt_analyzer *an;
	struct mt_dict *dict;
	struct mt_doc *docs;
	struct mt_index *ix;
	struct mt_hit *hits;
	double t0, t, cold, warm, scan, scan_bytes_s;
	unsigned iter;
	char why[200];
	int rc;

	if (nmod < 10)
		nmod = 10;
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
		if ((rc = mt_index_new(an, dict, &ix)) != 0)
			die("index", rc);
		for (i = 0; i < nmod; i++)
			if ((rc = mt_index_add(ix, &docs[i])) != 0)
				die("index add", rc);
		if ((rc = mt_index_finish(ix)) != 0 ||
		    (rc = mt_query(ix, an, needs[iter % nq][0][0] == 's' ?
		    MT_SV : MT_EN, needs[iter % nq][1],
		    strlen(needs[iter % nq][1]), &hits, &n)) != 0)
			die("query", rc);
		free(hits);
		mt_index_free(ix);
		iter++;
	} while ((t = now() - t0) < 2.0);
	cold = iter / t;

	/* Warm: one index, queries only. */
	if ((rc = mt_index_new(an, dict, &ix)) != 0)
		die("index", rc);
	for (i = 0; i < nmod; i++)
		if ((rc = mt_index_add(ix, &docs[i])) != 0)
			die("index add", rc);
	if ((rc = mt_index_finish(ix)) != 0)
		die("index", rc);
	t0 = now();
	iter = 0;
	do {
		if ((rc = mt_query(ix, an, needs[iter % nq][0][0] == 's' ?
		    MT_SV : MT_EN, needs[iter % nq][1],
		    strlen(needs[iter % nq][1]), &hits, &n)) != 0)
			die("query", rc);
		free(hits);
		iter++;
	} while ((t = now() - t0) < 1.0);
	warm = iter / t;
	mt_index_free(ix);

	printf("BENCH match_cold %.1f queries/s limit=%.1f ratio=%.3f\n",
	    cold, scan, cold / scan);
	printf("# match_cold: goal %.0f queries/s: %s\n", GOAL_COLD,
	    cold >= GOAL_COLD ? "met" : "NOT met");
	printf("BENCH match_warm %.0f queries/s limit=%.1f ratio=%.1f\n",
	    warm, scan, warm / scan);
	printf("# match_warm: goal %.0f queries/s: %s\n", GOAL_WARM,
	    warm >= GOAL_WARM ? "met" : "NOT met");
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
