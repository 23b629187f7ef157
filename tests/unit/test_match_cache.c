/*
 * test_match_cache.c: match/cache.c, a catalog's index in a file: what
 * is read back answers every query as the index it was written from,
 * with the same modules, tags and prerequisites; another key is not
 * used; a file cut anywhere or with a byte changed is refused; and one
 * changed with its hash made to fit (so only the structure's checks
 * stand) is refused or read, never read past.  The seed is printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "match/cache.h"
#include "tests/lib/sample.h"

static struct mt_analyzer *an;
static struct mt_catalog cat;
static char path[] = "/tmp/i40-test-cache-XXXXXX";
static uint8_t key[MT_CACHE_KEY];

static const struct mt_doc docs[] = {
	{ .text = {
	    [MT_F_TITLE] = { "Robotprogrammering", "Robot programming" },
	    [MT_F_TAGS] = { "robotprogrammering, industrirobot", NULL },
	    [MT_F_OUTCOMES] = { "Programmera en industrirobot", NULL },
	    [MT_F_SUMMARY] = { "Kursen lär ut robotar.", "Robots." } } },
	{ .text = {
	    [MT_F_TITLE] = { "Svetsautomation", "Welding automation" },
	    [MT_F_TAGS] = { "svetsning", "welding" },
	    [MT_F_SUMMARY] = { "Svetsa med robot.", NULL } },
	    .keys = { [MT_F_TAGS] = { "esco:http://x/weld" } },
	    .nkeys = { [MT_F_TAGS] = 1 } },
	{ .text = {
	    [MT_F_TITLE] = { "Kvalitetskontroll", "Quality inspection" },
	    [MT_F_SUMMARY] = { NULL, "Machine vision for quality." } } },
};
#define NDOCS (sizeof(docs) / sizeof(docs[0]))
static const char *const needs[] = { "robotar", "svetsning", "robot",
	"kvalitet", "welding robots", "esco:http://x/weld", "astronomi" };

static int
setup(void **state)
{
	struct mt_module *m;
	size_t i;
	int fd;

	(void)state;
	if (sodium_init() < 0 || mt_analyzer_new(&an) != 0 ||
	    (fd = mkstemp(path)) < 0)
		return -1;
	close(fd);
	memset(&cat, 0, sizeof(cat));
	if ((cat.m = calloc(NDOCS, sizeof(*cat.m))) == NULL ||
	    (cat.tags = calloc(1, sizeof(*cat.tags))) == NULL ||
	    (cat.pre = calloc(2, sizeof(*cat.pre))) == NULL ||
	    mt_index_new(an, NULL, &cat.ix) != 0)
		return -1;
	for (i = 0; i < NDOCS; i++) {
		m = &cat.m[i];
		memset(m->id, (int)i + 1, sizeof(m->id));
		memset(m->author, 0xa0 + (int)i, sizeof(m->author));
		snprintf(m->code, sizeof(m->code), "M%zu", i);
		snprintf(m->schac, sizeof(m->schac), "u%zu.example.se", i);
		snprintf(m->title_sv, sizeof(m->title_sv), "%s",
		    docs[i].text[MT_F_TITLE][MT_SV]);
		snprintf(m->title_en, sizeof(m->title_en), "%s",
		    docs[i].text[MT_F_TITLE][MT_EN]);
		m->credits = 10 * (i + 1);
		m->eqf = 5 + i;
		snprintf(m->mode, sizeof(m->mode), "online");
		snprintf(m->sessions[0].start, 11, "2027-0%zu-01", i + 1);
		snprintf(m->sessions[0].end, 11, "2027-0%zu-28", i + 1);
		snprintf(m->sessions[0].mode, 16, "onsite");
		m->nsessions = 1;
		if (mt_index_add(cat.ix, &docs[i]) != 0)
			return -1;
	}
	cat.n = NDOCS;
	snprintf(cat.tags[0].key, sizeof(cat.tags[0].key), "esco:http://x/weld");
	snprintf(cat.tags[0].label, sizeof(cat.tags[0].label), "svetsning");
	snprintf(cat.tags[0].stems[0], sizeof(cat.tags[0].stems[0]), "svetsning");
	cat.tags[0].nstems = 1;
	cat.ntags = 1;
	snprintf(cat.pre[0].code, sizeof(cat.pre[0].code), "M0");
	snprintf(cat.pre[0].schac, sizeof(cat.pre[0].schac), "u0.example.se");
	cat.pre[0].mod = 0;
	snprintf(cat.pre[1].code, sizeof(cat.pre[1].code), "GONE");
	snprintf(cat.pre[1].schac, sizeof(cat.pre[1].schac), "u9.example.se");
	cat.pre[1].mod = SIZE_MAX;
	cat.npre = 2;
	cat.m[1].pre = 0;
	cat.m[1].npre = 2;
	memset(key, 0x42, sizeof(key));
	if (mt_index_finish(cat.ix) != 0 || mt_cache_save(&cat, key, path) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mt_catalog_free(&cat);
	mt_analyzer_free(an);
	unlink(path);
	return 0;
}

/* The same hits, scores, fields and cover for every need. */
static void
same_answers(const struct mt_catalog *a, const struct mt_catalog *b)
{
	struct mt_hit *ha, *hb;
	size_t na, nb, i, k;
	static const struct mt_qkey weld = { "esco:http://x/weld", 0, 1 };

	for (i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		assert_int_equal(mt_query_keys(a->ix, an, MT_SV, needs[i],
		    strlen(needs[i]), &weld, 1, &ha, &na), 0);
		assert_int_equal(mt_query_keys(b->ix, an, MT_SV, needs[i],
		    strlen(needs[i]), &weld, 1, &hb, &nb), 0);
		assert_int_equal(na, nb);
		for (k = 0; k < na; k++) {
			assert_int_equal(ha[k].doc, hb[k].doc);
			assert_true(ha[k].score == hb[k].score);
			assert_true(ha[k].cover == hb[k].cover);
			assert_memory_equal(ha[k].fields, hb[k].fields,
			    sizeof(ha[k].fields));
		}
		free(ha);
		free(hb);
	}
}

static void
test_round_trip(void **state)
{
	struct mt_catalog got;
	char dym[4][MT_TERM_MAX + 1];
	size_t n, i;

	(void)state;
	assert_int_equal(mt_cache_load(path, key, an, NULL, &got), 0);
	assert_int_equal(got.n, NDOCS);
	for (i = 0; i < NDOCS; i++) {
		assert_memory_equal(got.m[i].id, cat.m[i].id, 32);
		assert_memory_equal(got.m[i].author, cat.m[i].author, 32);
		assert_string_equal(got.m[i].code, cat.m[i].code);
		assert_string_equal(got.m[i].schac, cat.m[i].schac);
		assert_string_equal(got.m[i].title_sv, cat.m[i].title_sv);
		assert_string_equal(got.m[i].title_en, cat.m[i].title_en);
		assert_int_equal(got.m[i].credits, cat.m[i].credits);
		assert_int_equal(got.m[i].eqf, cat.m[i].eqf);
		assert_string_equal(got.m[i].sessions[0].end,
		    cat.m[i].sessions[0].end);
		assert_int_equal(got.m[i].npre, cat.m[i].npre);
	}
	assert_int_equal(got.ntags, 1);
	assert_string_equal(got.tags[0].key, cat.tags[0].key);
	assert_string_equal(got.tags[0].stems[0], "svetsning");
	assert_int_equal(got.npre, 2);
	assert_int_equal(got.pre[0].mod, 0);
	assert_int_equal(got.pre[1].mod, SIZE_MAX);
	assert_string_equal(got.pre[1].code, "GONE");
	same_answers(&cat, &got);
	/* "Did you mean" from the words read back. */
	assert_int_equal(mt_suggest(got.ix, an, MT_SV, "svetsnig", 8, dym, 4,
	    &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(dym[0], "svetsning");
	mt_catalog_free(&got);
}

static void
test_other_key(void **state)
{
	struct mt_catalog got;
	uint8_t other[MT_CACHE_KEY];

	(void)state;
	memcpy(other, key, sizeof(other));
	other[31] ^= 1;
	assert_int_equal(mt_cache_load(path, other, an, NULL, &got),
	    I40_E_MISMATCH);
	assert_null(got.m);
	assert_int_equal(mt_cache_load("/nonexistent/i40.idx", key, an, NULL,
	    &got), -2);	/* -ENOENT */
}

static uint8_t *
slurp(size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	b = malloc(*len);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

static int
load_bytes(const uint8_t *b, size_t len, const char *to)
{
	struct mt_catalog got;
	FILE *f = fopen(to, "wb");
	int rc;

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, len, f), len);
	fclose(f);
	rc = mt_cache_load(to, key, an, NULL, &got);
	if (rc == 0) {
		/* Read, it must still answer without reading past. */
		same_answers(&got, &got);
		mt_catalog_free(&got);
	}
	return rc;
}

static void
test_damage(void **state)
{
	struct sample_rng r;
	uint64_t seed = sample_env_seed();
	char to[sizeof(path) + 8];
	uint8_t *b, *c, h[32];
	size_t len, i, off;
	int rc, read_ok = 0;

	(void)state;
	printf("# seed %llu\n", (unsigned long long)seed);
	sample_seed(&r, seed);
	snprintf(to, sizeof(to), "%s.bad", path);
	b = slurp(&len);
	c = malloc(len);
	assert_non_null(c);
	/* Cut anywhere: refused. */
	for (i = 0; i < len; i += 1 + len / 200)
		assert_int_equal(load_bytes(b, i, to), I40_E_CORRUPT);
	/* A byte changed: refused by the file's hash. */
	for (i = 0; i < 200; i++) {
		memcpy(c, b, len);
		off = (size_t)sample_below(&r, len);
		c[off] ^= (uint8_t)(1 + sample_below(&r, 255));
		assert_int_equal(load_bytes(c, len, to), I40_E_CORRUPT);
	}
	/* Changed with the hash made to fit: the checks of its structure. */
	for (i = 0; i < 2000; i++) {
		memcpy(c, b, len);
		off = 48 + (size_t)sample_below(&r, len - 48 - 32);
		c[off] ^= (uint8_t)(1 + sample_below(&r, 255));
		if (sample_below(&r, 4) == 0)	/* a count or length */
			c[off] = 0xff;
		crypto_generichash(h, sizeof(h), c, len - 32, NULL, 0);
		memcpy(c + len - 32, h, 32);
		rc = load_bytes(c, len, to);
		assert_true(rc == 0 || rc == I40_E_CORRUPT);
		read_ok += rc == 0;
	}
	printf("# %d of 2000 changed files read (a changed title or score)\n",
	    read_ok);
	unlink(to);
	free(b);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_damage),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
