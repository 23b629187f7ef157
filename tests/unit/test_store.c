/*
 * test_store.c: the ledger store: create and open, the per-event outcomes
 * of a batch, derived state, roots, rebuild, refusals, private data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "tests/lib/sample.h"

static struct sample_fed fed;
static char base[] = "/tmp/i40-test-store-XXXXXX";
static int ndirs;

/* One author's chain of events, built up as a test needs them. */
struct chain {
	size_t author;
	uint64_t seq;
	uint8_t prev[32];
	uint8_t *buf[64];
	size_t len[64];
	uint8_t id[64][32];
};

static int
setup(void **state)
{
	(void)state;
	if (sample_fed_init(&fed, 4) != 0 || mkdtemp(base) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	sample_fed_free(&fed);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void
newdir(char *out, size_t cap)
{
	snprintf(out, cap, "%s/d%d", base, ndirs++);
}

/* Append the body b as the author's next event; returns its index. */
static size_t
next(struct chain *c, const struct body *b)
{
	uint8_t body[EV_MAX_BYTES];
	struct body_ctx ctx = { fed.fed_id, fed.pk[c->author] };
	struct ev_header h;
	size_t blen, i = (size_t)c->seq;

	assert_true(i < 64);
	assert_int_equal(body_encode(b, &ctx, body, sizeof(body), &blen,
	    NULL), 0);
	memset(&h, 0, sizeof(h));
	memcpy(h.fed_id, fed.fed_id, 32);
	memcpy(h.author, fed.pk[c->author], 32);
	h.seq = c->seq + 1;
	memcpy(h.prev, c->prev, 32);
	h.time_ms = 1795000000000 + h.seq;
	h.type = b->type;
	c->buf[i] = malloc(EV_MAX_BYTES + 64);
	assert_non_null(c->buf[i]);
	assert_int_equal(ev_sign(&h, body, blen, fed.keys[c->author],
	    c->buf[i], EV_MAX_BYTES + 64, &c->len[i], c->id[i]), 0);
	memcpy(c->prev, c->id[i], 32);
	c->seq++;
	return i;
}

static void
chain_free(struct chain *c)
{
	uint64_t i;

	for (i = 0; i < c->seq; i++)
		free(c->buf[i]);
}

static uint8_t genesis[16384];
static size_t genesis_len;

/* A new store; chain 0 gets the genesis as its seq 1. */
static struct store *
fresh(char *dir, size_t cap, struct chain *c0)
{
	struct sample_rng r;
	struct store *st;
	uint8_t id[32];

	sample_seed(&r, 1);
	assert_int_equal(sample_event(&fed, 0, 1, NULL, BODY_GENESIS, &r,
	    genesis, sizeof(genesis), &genesis_len, id), 0);
	newdir(dir, cap);
	assert_int_equal(store_create(dir, genesis, genesis_len, NULL), 0);
	assert_int_equal(store_open(dir, NULL, &st), 0);
	if (c0 != NULL) {
		memset(c0, 0, sizeof(*c0));
		c0->seq = 1;
		c0->buf[0] = malloc(genesis_len);
		memcpy(c0->buf[0], genesis, genesis_len);
		c0->len[0] = genesis_len;
		memcpy(c0->id[0], id, 32);
		memcpy(c0->prev, id, 32);
	}
	return st;
}

/* Append events [from, to) of c as one batch, verified with `key`. */
static void
append(struct store *st, struct chain *c, size_t from, size_t to,
    const uint8_t *key, struct store_outcome *out)
{
	struct store_item items[64];
	size_t i;

	for (i = from; i < to; i++) {
		assert_int_equal(ev_decode(c->buf[i], c->len[i], fed.fed_id,
		    &items[i - from].ev, NULL, NULL), 0);
		memcpy(items[i - from].key, key != NULL ? key :
		    fed.pk[c->author], 32);
	}
	assert_int_equal(store_append(st, items, to - from, out), 0);
}

static void
module_body(struct body *b, const char *code)
{
	struct sample_rng r;
	static char arena[SAMPLE_ARENA];

	sample_seed(&r, 9);
	assert_int_equal(sample_body(&fed, 0, BODY_MODULE_PUBLISH, &r, b,
	    arena), 0);
	b->u.module.code.p = (const uint8_t *)code;
	b->u.module.code.len = strlen(code);
}

static void
completion_body(struct body *b, const uint8_t module[32], uint8_t learner)
{
	struct sample_rng r;
	static char arena[SAMPLE_ARENA];

	sample_seed(&r, 10);
	assert_int_equal(sample_body(&fed, 0, BODY_COMPLETION_RECORD, &r, b,
	    arena), 0);
	memcpy(b->u.completion.module, module, 32);
	memset(b->u.completion.learner, learner, 16);
}

static void
test_create_open_refuse(void **state)
{
	char dir[256], path[300];
	struct store *st;
	struct store_head *h;
	struct store_stats s;
	struct store_opts ro = { .readonly = 1 };
	uint8_t lr[32], lr2[32];
	size_t n;
	int fd;

	(void)state;
	st = fresh(dir, sizeof(dir), NULL);
	assert_memory_equal(store_fed_id(st), fed.fed_id, 32);
	assert_int_equal(store_heads(st, &h, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].seq, 1);
	assert_memory_equal(h[0].author, fed.pk[0], 32);
	free(h);
	assert_int_equal(store_stats(st, &s), 0);
	assert_int_equal(s.events, 1);
	assert_int_equal(store_log_root(st, lr), 0);
	store_close(st);
	assert_int_equal(store_create(dir, genesis, genesis_len, NULL),
	    I40_E_EXISTS);
	/* Readers open read-only and see the same. */
	assert_int_equal(store_open(dir, &ro, &st), 0);
	assert_int_equal(store_log_root(st, lr2), 0);
	assert_memory_equal(lr, lr2, 32);
	assert_int_equal(store_learner_find(st, "x", lr), I40_E_READONLY);
	store_close(st);
	/* Not a store: an empty directory, a file, a missing path. */
	newdir(path, sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(store_open(path, NULL, &st), I40_E_NOT_STORE);
	strcat(path, "/file");
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	assert_int_equal(store_open(path, NULL, &st), I40_E_NOT_STORE);
	strcat(path, "-missing");
	assert_int_equal(store_open(path, NULL, &st), -ENOENT);
	/* A genesis that is not one. */
	newdir(path, sizeof(path));
	assert_int_equal(store_create(path, genesis, genesis_len - 1, NULL),
	    I40_E_TRUNCATED);
}

static void
test_outcomes(void **state)
{
	char dir[256];
	struct store *st;
	struct chain c0, c1, c9;
	struct store_outcome o[64];
	struct store_event got;
	struct body b;
	uint8_t copy[EV_MAX_BYTES + 64];
	size_t i;

	(void)state;
	st = fresh(dir, sizeof(dir), &c0);
	memset(&c1, 0, sizeof(c1));
	c1.author = 1;
	for (i = 0; i < 4; i++) {
		module_body(&b, i % 2 ? "I40-A" : "I40-B");
		next(&c1, &b);
	}
	/* seq 1, 2 land; re-sending 1 is a duplicate; 4 before 3 is a gap. */
	append(st, &c1, 0, 2, NULL, o);
	assert_int_equal(o[0].result, STORE_STORED);
	assert_int_equal(o[1].result, STORE_STORED);
	append(st, &c1, 0, 1, NULL, o);
	assert_int_equal(o[0].result, STORE_DUPLICATE);
	append(st, &c1, 3, 4, NULL, o);
	assert_int_equal(o[0].result, STORE_GAP);
	assert_int_equal(o[0].code, I40_E_GAP);
	/* A batch with a gap: the author's later events are refused too. */
	{
		struct store_item items[3];

		assert_int_equal(ev_decode(c1.buf[3], c1.len[3], fed.fed_id,
		    &items[0].ev, NULL, NULL), 0);
		assert_int_equal(ev_decode(c1.buf[2], c1.len[2], fed.fed_id,
		    &items[1].ev, NULL, NULL), 0);
		assert_int_equal(ev_decode(c0.buf[0], c0.len[0], fed.fed_id,
		    &items[2].ev, NULL, NULL), 0);
		memcpy(items[0].key, fed.pk[1], 32);
		memcpy(items[1].key, fed.pk[1], 32);
		memcpy(items[2].key, fed.pk[0], 32);
		assert_int_equal(store_append(st, items, 3, o), 0);
		assert_int_equal(o[0].result, STORE_GAP);
		assert_int_equal(o[1].result, STORE_GAP);
		assert_int_equal(o[2].result, STORE_DUPLICATE);
	}
	/* A second signature of a stored event is the same event. */
	{
		static uint8_t msg[EV_MAX_BYTES + 16];
		uint8_t seed[32];
		size_t elen = c1.len[1] - 1 - 66;

		memcpy(copy, c1.buf[1], c1.len[1]);
		memcpy(msg, EV_SIG_TAG, 16);
		memcpy(msg + 16, c1.buf[1] + 1, elen);
		memset(seed, 2, sizeof(seed));	/* sample key 1 */
		assert_int_equal(key_vector_signature(seed, "other nonce", msg,
		    16 + elen, copy + c1.len[1] - 64), 0);
		assert_memory_not_equal(copy, c1.buf[1], c1.len[1]);
	}
	{
		struct store_item it;

		assert_int_equal(ev_decode(copy, c1.len[1], fed.fed_id, &it.ev,
		    NULL, NULL), 0);
		memcpy(it.key, fed.pk[1], 32);
		assert_int_equal(store_append(st, &it, 1, o), 0);
		assert_int_equal(o[0].result, STORE_DUPLICATE);
	}
	/* The wrong key, and an author nobody named. */
	append(st, &c1, 2, 3, fed.pk[2], o);
	assert_int_equal(o[0].result, STORE_INVALID);
	assert_int_equal(o[0].code, I40_E_WRONG_KEY);
	append(st, &c1, 2, 4, NULL, o);
	assert_int_equal(o[0].result, STORE_STORED);
	assert_int_equal(o[1].result, STORE_STORED);
	{
		struct sample_fed other;
		struct store_item it;
		uint8_t buf[EV_MAX_BYTES], id[32];
		size_t len;
		struct sample_rng r;

		assert_int_equal(sample_fed_init(&other, 6), 0);
		/* Key 5 of a six-member federation is unknown to ours. */
		memcpy(other.fed_id, fed.fed_id, 32);
		sample_seed(&r, 3);
		assert_int_equal(sample_event(&other, 5, 1, NULL,
		    BODY_MODULE_RETIRE, &r, buf, sizeof(buf), &len, id), 0);
		assert_int_equal(ev_decode(buf, len, fed.fed_id, &it.ev, NULL,
		    NULL), 0);
		memcpy(it.key, other.pk[5], 32);
		assert_int_equal(store_append(st, &it, 1, o), 0);
		assert_int_equal(o[0].result, STORE_INVALID);
		assert_int_equal(o[0].code, I40_E_UNKNOWN_AUTHOR);
		sample_fed_free(&other);
	}
	/* Reads. */
	assert_int_equal(store_get(st, fed.pk[1], 3, &got), 0);
	assert_int_equal(got.len, c1.len[2]);
	assert_memory_equal(got.bytes, c1.buf[2], got.len);
	free(got.bytes);
	assert_int_equal(store_get_id(st, c1.id[3], &got), 0);
	assert_memory_equal(got.bytes, c1.buf[3], got.len);
	free(got.bytes);
	assert_int_equal(store_get(st, fed.pk[1], 5, &got), I40_E_NOT_FOUND);
	memset(&c9, 0, sizeof(c9));
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	chain_free(&c0);
	chain_free(&c1);
}

static int
count_cb(void *arg, const uint8_t *bytes, size_t len)
{
	(void)bytes;
	(void)len;
	(*(size_t *)arg)++;
	return 0;
}

static void
test_derived_and_roots(void **state)
{
	char dir[256], dump1[300], dump2[300];
	struct store *st;
	struct chain c0, c1, c2;
	struct store_outcome o[64];
	struct body b;
	uint8_t sr[32], sr2[32], key[32];
	size_t m, comp, n = 0;
	int fd;

	(void)state;
	st = fresh(dir, sizeof(dir), &c0);
	memset(&c1, 0, sizeof(c1));
	c1.author = 1;
	memset(&c2, 0, sizeof(c2));
	c2.author = 2;
	module_body(&b, "I40-ROB1");
	m = next(&c1, &b);
	completion_body(&b, c1.id[m], 7);
	comp = next(&c1, &b);
	/* Author 2 awards against author 1's module: does not count. */
	completion_body(&b, c1.id[m], 8);
	next(&c2, &b);
	append(st, &c1, 0, c1.seq, NULL, o);
	append(st, &c2, 0, c2.seq, NULL, o);
	assert_int_equal(o[0].result, STORE_STORED);
	assert_int_equal(store_state_root(st, sr), 0);
	newdir(dump1, sizeof(dump1));
	assert_true((fd = open(dump1, O_CREAT | O_WRONLY, 0600)) >= 0);
	assert_int_equal(store_dump(st, fd), 0);
	close(fd);
	/* Revoke the completion; the state root moves. */
	memset(&b, 0, sizeof(b));
	b.type = BODY_COMPLETION_REVOKE;
	memcpy(b.u.revoke.completion, c1.id[comp], 32);
	b.u.revoke.reason.p = (const uint8_t *)"Wrong learner.";
	b.u.revoke.reason.len = 14;
	next(&c1, &b);
	append(st, &c1, c1.seq - 1, c1.seq, NULL, o);
	assert_int_equal(o[0].result, STORE_STORED);
	assert_int_equal(store_state_root(st, sr2), 0);
	assert_memory_not_equal(sr, sr2, 32);
	assert_int_equal(store_rebuild(st), 0);
	assert_int_equal(store_walk(st, NULL, 0, 0, count_cb, &n), 0);
	assert_int_equal(n, 1 + 3 + 1);
	n = 0;
	assert_int_equal(store_walk(st, fed.pk[1], 2, 3, count_cb, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_key_in_force(st, fed.pk[1], 9, key), 0);
	assert_memory_equal(key, fed.pk[1], 32);
	store_close(st);
	/* The dump names the member table and one module. */
	{
		char line[512];
		FILE *f = fopen(dump1, "r");
		int members = 0, modules = 0, compl = 0;

		assert_non_null(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			members += strncmp(line, "d_member ", 9) == 0;
			modules += strncmp(line, "d_module ", 9) == 0;
			compl += strncmp(line, "d_compl ", 8) == 0;
		}
		fclose(f);
		assert_int_equal(members, 4);
		assert_int_equal(modules, 1);
		assert_int_equal(compl, 1);
	}
	(void)dump2;
	chain_free(&c0);
	chain_free(&c1);
	chain_free(&c2);
}

/* Raw files hold the string s anywhere? */
static int
file_has(const char *path, const char *s)
{
	static uint8_t buf[64 << 20];
	size_t n, l = strlen(s), i;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	for (i = 0; i + l <= n; i++)
		if (memcmp(buf + i, s, l) == 0)
			return 1;
	return 0;
}

static void
test_learners_forget(void **state)
{
	char dir[256], path[400], name[64], nat[64], got[128];
	uint8_t p[20][16], q[16];
	const char *files[] = { "private/data.mdb", "private/lock.mdb",
	    "ledger/data.mdb", "ledger/lock.mdb" };
	struct store *st;
	size_t i, f;

	struct store_opts lo;
	struct store *other;
	uint64_t when;

	(void)state;
	st = fresh(dir, sizeof(dir), NULL);
	/* Without opts.learners (i40d) the private store stays shut. */
	assert_int_equal(store_learner_issue(st, "Ann", "19900101-0001", q),
	    I40_E_READONLY);
	store_close(st);
	memset(&lo, 0, sizeof(lo));
	lo.learners = 1;
	assert_int_equal(store_open(dir, &lo, &st), 0);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "Åsa Lärare-%02zu", i);
		snprintf(nat, sizeof(nat), "19900101-%04zu", 1000 + i);
		assert_int_equal(store_learner_issue(st, name, nat, p[i]), 0);
		assert_int_equal(store_learner_issue(st, "other", nat, q), 0);
		assert_memory_equal(p[i], q, 16);
	}
	assert_int_equal(store_learner_name(st, p[3], got, sizeof(got)), 0);
	assert_string_equal(got, "Åsa Lärare-03");
	/* Another process (here: handle) with private/ open: not forgotten. */
	lo.readonly = 1;
	assert_int_equal(store_open(dir, &lo, &other), 0);
	assert_int_equal(store_learner_forget(st, p[0]), I40_E_BUSY);
	assert_int_equal(store_learner_name(st, p[0], got, sizeof(got)), 0);
	store_close(other);
	assert_int_equal(store_learner_forgotten(st, p[0], &when),
	    I40_E_NOT_FOUND);
	for (i = 0; i < 20; i++)
		assert_int_equal(store_learner_forget(st, p[i]), 0);
	assert_int_equal(store_learner_forgotten(st, p[3], &when), 0);
	assert_true(when > 1700000000000ull);
	assert_int_equal(store_learner_find(st, "19900101-1003", q),
	    I40_E_NOT_FOUND);
	assert_int_equal(store_learner_name(st, p[3], got, sizeof(got)),
	    I40_E_NOT_FOUND);
	assert_int_equal(store_learner_forget(st, p[3]), I40_E_NOT_FOUND);
	/* Right after forgetting, no file holds a name or an id. */
	for (f = 0; f < 4; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
		for (i = 0; i < 20; i++) {
			snprintf(name, sizeof(name), "Lärare-%02zu", i);
			snprintf(nat, sizeof(nat), "19900101-%04zu", 1000 + i);
			if (file_has(path, name) || file_has(path, nat))
				fail_msg("%s still holds learner %zu", path, i);
		}
	}
	/* And the store still works. */
	assert_int_equal(store_learner_issue(st, "Ny", "x@example.se", q), 0);
	store_close(st);
}

static size_t
dump_count(struct store *st, const char *prefix)
{
	char path[300], line[1024];
	size_t n = 0;
	FILE *f;
	int fd;

	newdir(path, sizeof(path));
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) >= 0);
	assert_int_equal(store_dump(st, fd), 0);
	close(fd);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(f);
	return n;
}

/* An observer's events are refused, before its admission and after. */
static void
test_only_members_count(void **state)
{
	char dir[256];
	struct store *st;
	struct chain c0, c1, c2, c3;
	struct store_outcome o[8];
	struct sample_fed other;
	struct store_item it;
	struct sample_rng r;
	struct body b;
	uint8_t buf[EV_MAX_BYTES], id[32], prop[32];
	size_t len, p;

	(void)state;
	assert_int_equal(sample_fed_init(&other, 6), 0);
	memcpy(other.fed_id, fed.fed_id, 32);
	st = fresh(dir, sizeof(dir), &c0);
	memset(&c1, 0, sizeof(c1));
	c1.author = 1;
	memset(&c2, 0, sizeof(c2));
	c2.author = 2;
	memset(&c3, 0, sizeof(c3));
	c3.author = 3;
	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_PROPOSE;
	memcpy(b.u.member.key, other.pk[5], 32);
	assert_int_equal(key_transport_card(other.keys[5], b.u.member.transport,
	    b.u.member.transport_sig), 0);
	b.u.member.role.p = (const uint8_t *)"observer";
	b.u.member.role.len = 8;
	b.u.member.schac.p = (const uint8_t *)"oru.se";
	b.u.member.schac.len = 6;
	b.u.member.country.p = (const uint8_t *)"SE";
	b.u.member.country.len = 2;
	b.u.member.name_en.p = b.u.member.name_sv.p = (const uint8_t *)"ORU";
	b.u.member.name_en.len = b.u.member.name_sv.len = 3;
	b.u.member.endpoint.p = (const uint8_t *)"tcp://oru.se:7400";
	b.u.member.endpoint.len = 17;
	p = next(&c1, &b);
	memcpy(prop, c1.id[p], 32);
	append(st, &c1, 0, c1.seq, NULL, o);
	assert_int_equal(dump_count(st, "d_member "), 4);
	/* Named by a proposal as an observer: nothing of it is stored. */
	sample_seed(&r, 4);
	assert_int_equal(sample_event(&other, 5, 1, NULL, BODY_MODULE_PUBLISH,
	    &r, buf, sizeof(buf), &len, id), 0);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &it.ev, NULL, NULL),
	    0);
	memcpy(it.key, other.pk[5], 32);
	assert_int_equal(store_append(st, &it, 1, o), 0);
	assert_int_equal(o[0].result, STORE_INVALID);
	assert_int_equal(o[0].code, I40_E_UNKNOWN_AUTHOR);
	assert_int_equal(dump_count(st, "d_module "), 0);
	/* Two endorsements make 3 of 4: admitted, as an observer. */
	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_ENDORSE;
	memcpy(b.u.endorse.proposal, prop, 32);
	next(&c2, &b);
	append(st, &c2, 0, 1, NULL, o);
	assert_int_equal(dump_count(st, "d_member "), 4);
	next(&c3, &b);
	append(st, &c3, 0, 1, NULL, o);
	assert_int_equal(dump_count(st, "d_member "), 5);
	assert_int_equal(dump_count(st, "d_module "), 0);
	/* Admitted, it is refused as what it is. */
	assert_int_equal(store_append(st, &it, 1, o), 0);
	assert_int_equal(o[0].result, STORE_INVALID);
	assert_int_equal(o[0].code, I40_E_OBSERVER);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	sample_fed_free(&other);
	chain_free(&c0);
	chain_free(&c1);
	chain_free(&c2);
	chain_free(&c3);
}

struct seen {
	struct store_completion c[16];
	size_t n;
};

static int
collect(void *arg, const struct store_completion *c)
{
	struct seen *s = arg;

	assert_true(s->n < 16);
	s->c[s->n++] = *c;
	return 0;
}

static void
query(struct store *st, enum store_by by, const uint8_t *key,
    struct seen *s)
{
	s->n = 0;
	assert_int_equal(store_completions(st, by, key, collect, s), 0);
}

/*
 * Lookups by id, by learner and by module, while events sit in the tail
 * and after it has been merged (tail_min 4, tail_max 8: every few
 * batches), and after a rebuild.
 */
static void
test_lookups(void **state)
{
	struct store_opts opts = { .tail_min = 4, .tail_max = 8 };
	struct store_outcome out[8];
	struct store_stats stats;
	struct store_event ev;
	struct chain c0;
	struct body b;
	struct seen s;
	struct store *st;
	char dir[256];
	uint8_t l1[16], l2[16], l9[16], none[32];
	size_t i, m, round;

	(void)state;
	st = fresh(dir, sizeof(dir), &c0);
	store_close(st);
	assert_int_equal(store_open(dir, &opts, &st), 0);
	memset(l1, 1, 16);
	memset(l2, 2, 16);
	memset(l9, 9, 16);
	memset(none, 9, 32);
	module_body(&b, "LK-1");
	m = next(&c0, &b);
	append(st, &c0, m, m + 1, NULL, out);
	/* Learner 1 three times, learner 2 twice, in batches of one. */
	for (i = 0; i < 5; i++) {
		completion_body(&b, c0.id[m], i < 3 ? 1 : 2);
		(void)next(&c0, &b);
		append(st, &c0, c0.seq - 1, c0.seq, NULL, out);
		assert_int_equal(out[0].result, STORE_STORED);
	}
	/* Revoke learner 1's first completion (seq 3: index 2). */
	b.type = BODY_COMPLETION_REVOKE;
	memcpy(b.u.revoke.completion, c0.id[2], 32);
	b.u.revoke.reason.p = (const uint8_t *)"Wrong learner.";
	b.u.revoke.reason.len = 14;
	(void)next(&c0, &b);
	append(st, &c0, c0.seq - 1, c0.seq, NULL, out);
	for (round = 0; round < 2; round++) {
		query(st, STORE_BY_LEARNER, l1, &s);
		assert_int_equal(s.n, 3);
		for (i = 0; i < 3; i++) {
			assert_memory_equal(s.c[i].author, fed.pk[0], 32);
			assert_int_equal(s.c[i].seq, 3 + i);
			assert_memory_equal(s.c[i].id, c0.id[2 + i], 32);
			assert_memory_equal(s.c[i].learner, l1, 16);
			assert_memory_equal(s.c[i].module, c0.id[m], 32);
			assert_int_equal(s.c[i].revoked, i == 0);
		}
		query(st, STORE_BY_LEARNER, l2, &s);
		assert_int_equal(s.n, 2);
		assert_int_equal(s.c[0].seq, 6);
		assert_int_equal(s.c[1].seq, 7);
		query(st, STORE_BY_MODULE, c0.id[m], &s);
		assert_int_equal(s.n, 5);
		query(st, STORE_BY_LEARNER, l9, &s);
		assert_int_equal(s.n, 0);
		query(st, STORE_BY_MODULE, c0.id[2], &s);
		assert_int_equal(s.n, 0);
		/* Every event by its id, in the tail or in an index. */
		for (i = 0; i < c0.seq; i++) {
			assert_int_equal(store_get_id(st, c0.id[i], &ev), 0);
			assert_int_equal(ev.len, c0.len[i]);
			assert_memory_equal(ev.bytes, c0.buf[i], ev.len);
			free(ev.bytes);
		}
		assert_int_equal(store_get_id(st, none, &ev), I40_E_NOT_FOUND);
		assert_null(ev.bytes);
		/* Then again after the rebuild has indexed everything anew. */
		assert_int_equal(store_rebuild(st), 0);
	}
	assert_int_equal(store_completions(st, (enum store_by)7, l1, collect,
	    &s), I40_E_VALUE);
	assert_int_equal(store_stats(st, &stats), 0);
	assert_true(stats.merges >= 1);
	printf("# %llu merges of the lookup indexes\n",
	    (unsigned long long)stats.merges);
	store_close(st);
	chain_free(&c0);
}

/*
 * A completion counts only if it names a module version that took effect,
 * which the store finds through a map of the versions since the last merge
 * (store/modver.c).  That map must follow the database when it is reopened,
 * when another process writes, and when the tail is merged.
 */
static void
test_module_versions(void **state)
{
	struct store_opts big = { .tail_min = 1000, .tail_max = 1000 };
	struct store_opts small = { .tail_min = 1, .tail_max = 1 };
	struct store_outcome out[4];
	struct chain c0;
	struct body b;
	struct seen s;
	struct store *st;
	char dir[256];
	size_t m1, m2, m3;
	pid_t pid;
	int status;

	(void)state;
	st = fresh(dir, sizeof(dir), &c0);
	store_close(st);
	assert_int_equal(store_open(dir, &big, &st), 0);
	module_body(&b, "MV-1");
	m1 = next(&c0, &b);
	completion_body(&b, c0.id[m1], 1);
	(void)next(&c0, &b);
	append(st, &c0, m1, m1 + 2, NULL, out);
	query(st, STORE_BY_MODULE, c0.id[m1], &s);
	assert_int_equal(s.n, 1);

	/* Reopened: the map starts empty and is filled from the tail. */
	store_close(st);
	assert_int_equal(store_open(dir, &big, &st), 0);
	completion_body(&b, c0.id[m1], 2);
	(void)next(&c0, &b);
	append(st, &c0, c0.seq - 1, c0.seq, NULL, out);
	query(st, STORE_BY_MODULE, c0.id[m1], &s);
	assert_int_equal(s.n, 2);

	/* Another process publishes a version while this one has the store. */
	module_body(&b, "MV-2");
	m2 = next(&c0, &b);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *cst;
		struct store_item it;
		struct store_outcome o;

		if (store_open(dir, &big, &cst) != 0 ||
		    ev_decode(c0.buf[m2], c0.len[m2], fed.fed_id, &it.ev, NULL,
		    NULL) != 0)
			_exit(2);
		memcpy(it.key, fed.pk[0], 32);
		if (store_append(cst, &it, 1, &o) != 0 ||
		    o.result != STORE_STORED)
			_exit(3);
		store_close(cst);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	completion_body(&b, c0.id[m2], 3);
	(void)next(&c0, &b);
	append(st, &c0, c0.seq - 1, c0.seq, NULL, out);
	assert_int_equal(out[0].result, STORE_STORED);
	query(st, STORE_BY_MODULE, c0.id[m2], &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(store_rebuild(st), 0);

	/* Merged after every batch: versions are found in the generation. */
	store_close(st);
	assert_int_equal(store_open(dir, &small, &st), 0);
	module_body(&b, "MV-3");
	m3 = next(&c0, &b);
	append(st, &c0, m3, m3 + 1, NULL, out);
	completion_body(&b, c0.id[m1], 4);
	(void)next(&c0, &b);
	completion_body(&b, c0.id[m3], 4);
	(void)next(&c0, &b);
	append(st, &c0, c0.seq - 2, c0.seq, NULL, out);
	query(st, STORE_BY_MODULE, c0.id[m1], &s);
	assert_int_equal(s.n, 3);
	query(st, STORE_BY_MODULE, c0.id[m3], &s);
	assert_int_equal(s.n, 1);
	/* A completion of something that is no module version counts not. */
	completion_body(&b, c0.id[c0.seq - 1], 5);
	(void)next(&c0, &b);
	append(st, &c0, c0.seq - 1, c0.seq, NULL, out);
	assert_int_equal(out[0].result, STORE_STORED);
	query(st, STORE_BY_LEARNER, (const uint8_t *)"\5\5\5\5\5\5\5\5"
	    "\5\5\5\5\5\5\5\5", &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	chain_free(&c0);
}

/*
 * A catch-up batch carries a rotation and the events signed after it: they
 * verify with its next key before any of the batch is stored, and the batch
 * stores whole.  A second rotation at a seq the store holds (a fork) moves
 * no key.
 */
static void
test_key_rotation_in_batch(void **state)
{
	struct store_outcome out[3];
	struct store_item items[3];
	struct key_secret *nk, *nk2, *old;
	struct chain c0, fork;
	struct body b;
	struct store *st;
	char dir[256];
	uint8_t npk[32], npk2[32];
	size_t i, r, r2;

	(void)state;
	st = fresh(dir, sizeof(dir), &c0);
	assert_int_equal(key_generate(&nk), 0);
	assert_int_equal(key_generate(&nk2), 0);
	key_public(nk, npk);
	key_public(nk2, npk2);
	fork = c0;
	assert_int_equal(body_rotate_make(fed.fed_id, fed.pk[0], nk, &b), 0);
	r = next(&c0, &b);			/* seq 2 */
	old = fed.keys[0];
	fed.keys[0] = nk;
	module_body(&b, "ROT-B1");
	(void)next(&c0, &b);			/* seq 3, by nk */
	module_body(&b, "ROT-B2");
	(void)next(&c0, &b);			/* seq 4, by nk */
	fed.keys[0] = old;
	for (i = 0; i < 3; i++)
		assert_int_equal(ev_decode(c0.buf[r + i], c0.len[r + i],
		    fed.fed_id, &items[i].ev, NULL, NULL), 0);
	assert_int_equal(store_keys_in_force(st, items, 3), 0);
	assert_memory_equal(items[0].key, fed.pk[0], 32);
	assert_memory_equal(items[1].key, npk, 32);
	assert_memory_equal(items[2].key, npk, 32);
	for (i = 0; i < 3; i++)
		assert_int_equal(ev_verify(&items[i].ev, items[i].key), 0);
	assert_int_equal(store_append(st, items, 3, out), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(out[i].result, STORE_STORED);
	/* Another rotation at the stored seq 2, then the real seq 3. */
	assert_int_equal(body_rotate_make(fed.fed_id, fed.pk[0], nk2, &b), 0);
	r2 = next(&fork, &b);
	assert_int_equal(ev_decode(fork.buf[r2], fork.len[r2], fed.fed_id,
	    &items[0].ev, NULL, NULL), 0);
	assert_int_equal(ev_decode(c0.buf[r + 1], c0.len[r + 1], fed.fed_id,
	    &items[1].ev, NULL, NULL), 0);
	assert_int_equal(store_keys_in_force(st, items, 2), 0);
	assert_memory_equal(items[1].key, npk, 32);
	free(fork.buf[r2]);
	store_close(st);
	chain_free(&c0);
	key_free(nk);
	key_free(nk2);
}

/*
 * After a key_rotate the author signs with the next key: the key in force
 * (alone and for a batch) follows, and store_append refuses the old one.
 */
static void
test_key_rotation(void **state)
{
	struct store_outcome out[4];
	struct store_item items[3];
	struct key_secret *nk, *old;
	struct chain c0;
	struct body b;
	struct store *st;
	char dir[256];
	uint8_t npk[32], key[32];
	size_t i, r, m;

	(void)state;
	st = fresh(dir, sizeof(dir), &c0);
	assert_int_equal(key_generate(&nk), 0);
	key_public(nk, npk);
	assert_int_equal(body_rotate_make(fed.fed_id, fed.pk[0], nk, &b), 0);
	r = next(&c0, &b);			/* seq 2 */
	append(st, &c0, r, r + 1, NULL, out);
	assert_int_equal(out[0].result, STORE_STORED);
	/* Seqs up to 2 verify with the identity key, later ones with npk. */
	assert_int_equal(store_key_in_force(st, fed.pk[0], 2, key), 0);
	assert_memory_equal(key, fed.pk[0], 32);
	assert_int_equal(store_key_in_force(st, fed.pk[0], 3, key), 0);
	assert_memory_equal(key, npk, 32);
	old = fed.keys[0];
	fed.keys[0] = nk;
	module_body(&b, "ROT-1");
	m = next(&c0, &b);			/* seq 3, signed by nk */
	fed.keys[0] = old;
	for (i = 0; i < 3; i++)
		assert_int_equal(ev_decode(c0.buf[i], c0.len[i], fed.fed_id,
		    &items[i].ev, NULL, NULL), 0);
	assert_int_equal(ev_decode(c0.buf[m], c0.len[m], fed.fed_id,
	    &items[2].ev, NULL, NULL), 0);
	assert_int_equal(store_keys_in_force(st, items, 3), 0);
	assert_memory_equal(items[0].key, fed.pk[0], 32);
	assert_memory_equal(items[1].key, fed.pk[0], 32);
	assert_memory_equal(items[2].key, npk, 32);
	assert_int_equal(ev_verify(&items[2].ev, items[2].key), 0);
	append(st, &c0, m, m + 1, npk, out);
	assert_int_equal(out[0].result, STORE_STORED);
	/* Signed by the old key after the rotation: refused. */
	module_body(&b, "ROT-2");
	{
		struct chain bad = c0;

		(void)next(&bad, &b);
		append(st, &bad, m + 1, m + 2, NULL, out);
		assert_int_equal(out[0].result, STORE_INVALID);
		assert_int_equal(out[0].code, I40_E_WRONG_KEY);
		free(bad.buf[m + 1]);
	}
	assert_int_equal(store_rebuild(st), 0);
	key_free(nk);
	store_close(st);
	chain_free(&c0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_open_refuse),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_derived_and_roots),
		cmocka_unit_test(test_learners_forget),
		cmocka_unit_test(test_only_members_count),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_module_versions),
		cmocka_unit_test(test_key_rotation),
		cmocka_unit_test(test_key_rotation_in_batch),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
