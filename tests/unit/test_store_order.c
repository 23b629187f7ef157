/*
 * test_store_order.c: the stored state does not depend on the order of
 * arrival.  5 authors write 3,000 events each (modules, completions against
 * them, revocations, and membership changes: an admission and a removal
 * with its cut); 50 different deliveries (each author in order, authors
 * interleaved differently, with duplicates, re-sent batches and second
 * signatures) must give the same log root, state root and dump.  And an
 * equivocation gives the same frozen state whichever branch came first.
 *
 * I40_ORDER_RUNS and I40_ORDER_EVENTS scale it down for quick runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "tests/lib/sample.h"

#define AUTHORS 5

struct ev {
	uint8_t *buf;
	size_t len;
	uint8_t *alt;		/* a second valid signature, or NULL */
};

static struct sample_fed fed;
static struct ev *logs[AUTHORS];
static size_t nlog[AUTHORS];
static char base[64];
static int ndirs;

static int
setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "%s/i40-test-order-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (sample_fed_init(&fed, AUTHORS) != 0 || mkdtemp(base) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	size_t a, i;

	(void)state;
	for (a = 0; a < AUTHORS; a++) {
		for (i = 0; i < nlog[a]; i++) {
			free(logs[a][i].buf);
			free(logs[a][i].alt);
		}
		free(logs[a]);
	}
	sample_fed_free(&fed);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static size_t
env_size(const char *name, size_t def)
{
	const char *s = getenv(name);

	return s != NULL && *s != '\0' ? (size_t)strtoull(s, NULL, 0) : def;
}

/* Sign body b as author a's next event. */
static const uint8_t *
emit(size_t a, const struct body *b, struct sample_rng *r)
{
	static uint8_t body[EV_MAX_BYTES], msg[EV_MAX_BYTES + 16];
	struct body_ctx ctx = { fed.fed_id, fed.pk[a] };
	struct ev_signed e;
	struct ev_header h;
	struct ev *ev = &logs[a][nlog[a]];
	uint8_t id[32], seed[32];
	size_t blen;

	assert_int_equal(body_encode(b, &ctx, body, sizeof(body), &blen,
	    NULL), 0);
	memset(&h, 0, sizeof(h));
	memcpy(h.fed_id, fed.fed_id, 32);
	memcpy(h.author, fed.pk[a], 32);
	h.seq = nlog[a] + 1;
	if (nlog[a] > 0) {
		assert_int_equal(ev_decode(logs[a][nlog[a] - 1].buf,
		    logs[a][nlog[a] - 1].len, fed.fed_id, &e, NULL, NULL), 0);
		memcpy(h.prev, e.id, 32);
	}
	h.time_ms = 1795000000000 + sample_below(r, 1000000);
	h.type = b->type;
	ev->buf = malloc(EV_MAX_BYTES + 64);
	assert_non_null(ev->buf);
	assert_int_equal(ev_sign(&h, body, blen, fed.keys[a], ev->buf,
	    EV_MAX_BYTES + 64, &ev->len, id), 0);
	ev->alt = NULL;
	if (sample_below(r, 20) == 0) {
		/* Some events also travel with another valid signature. */
		ev->alt = malloc(ev->len);
		memcpy(ev->alt, ev->buf, ev->len);
		memcpy(msg, EV_SIG_TAG, 16);
		memcpy(msg + 16, ev->buf + 1, ev->len - 67);
		memset(seed, (int)a + 1, sizeof(seed));
		assert_int_equal(key_vector_signature(seed, "order test", msg,
		    16 + ev->len - 67, ev->alt + ev->len - 64), 0);
	}
	nlog[a]++;
	return ev->buf;
}

static void
id_of(size_t a, size_t i, uint8_t id[32])
{
	struct ev_signed e;

	assert_int_equal(ev_decode(logs[a][i].buf, logs[a][i].len, fed.fed_id,
	    &e, NULL, NULL), 0);
	memcpy(id, e.id, 32);
}

/* The five logs: content, plus an admission and a removal on the way. */
static void
build_logs(size_t per, uint64_t seed)
{
	static struct body b;
	static char arena[SAMPLE_ARENA];
	static char codes[AUTHORS][40][16];
	struct sample_rng r;
	uint8_t prop_admit[32], prop_remove[32], mods[AUTHORS][40][32];
	uint8_t comps[AUTHORS][64][32], id[32];
	size_t nmods[AUTHORS] = { 0 }, ncomps[AUTHORS] = { 0 }, a, i, k;

	sample_seed(&r, seed);
	for (a = 0; a < AUTHORS; a++) {
		logs[a] = calloc(per, sizeof(struct ev));
		assert_non_null(logs[a]);
	}
	/* Author 0 starts with the genesis. */
	logs[0][0].buf = malloc(EV_MAX_BYTES);
	assert_int_equal(sample_event(&fed, 0, 1, NULL, BODY_GENESIS, &r,
	    logs[0][0].buf, EV_MAX_BYTES, &logs[0][0].len, id), 0);
	nlog[0] = 1;
	for (i = 0; i < per; i++) {
		for (a = 0; a < AUTHORS; a++) {
			if (nlog[a] >= per)
				continue;
			/* Membership: admit an observer, remove author 4. */
			if (a == 1 && nlog[a] == per / 4) {
				assert_int_equal(sample_body(&fed, 1,
				    BODY_MEMBER_PROPOSE, &r, &b, arena), 0);
				/* An observer: the removal's threshold stays 3. */
				b.u.member.role.p = (const uint8_t *)"observer";
				b.u.member.role.len = 8;
				emit(a, &b, &r);
				id_of(a, nlog[a] - 1, prop_admit);
				continue;
			}
			if (a == 2 && nlog[a] == per / 3) {
				memset(&b, 0, sizeof(b));
				b.type = BODY_MEMBER_REMOVE;
				memcpy(b.u.remove.key, fed.pk[4], 32);
				b.u.remove.upto = per / 2;
				b.u.remove.reason.p = (const uint8_t *)"Leaves.";
				b.u.remove.reason.len = 7;
				emit(a, &b, &r);
				id_of(a, nlog[a] - 1, prop_remove);
				continue;
			}
			if ((a == 2 || a == 3) && nlog[a] == per / 2) {
				memset(&b, 0, sizeof(b));
				b.type = BODY_MEMBER_ENDORSE;
				memcpy(b.u.endorse.proposal, prop_admit, 32);
				emit(a, &b, &r);
				continue;
			}
			if ((a == 1 || a == 3) && nlog[a] == per / 2 + 1) {
				memset(&b, 0, sizeof(b));
				b.type = BODY_MEMBER_ENDORSE;
				memcpy(b.u.endorse.proposal, prop_remove, 32);
				emit(a, &b, &r);
				continue;
			}
			k = sample_below(&r, 10);
			if (nmods[a] == 0 || (k < 2 && nmods[a] < 40)) {
				snprintf(codes[a][nmods[a]], 16, "M%zu-%zu", a,
				    nmods[a]);
				assert_int_equal(sample_body(&fed, a,
				    BODY_MODULE_PUBLISH, &r, &b, arena), 0);
				b.u.module.code.p =
				    (const uint8_t *)codes[a][nmods[a]];
				b.u.module.code.len = strlen(codes[a][nmods[a]]);
				emit(a, &b, &r);
				id_of(a, nlog[a] - 1, mods[a][nmods[a]++]);
			} else if (k < 3) {
				k = sample_below(&r, nmods[a]);
				assert_int_equal(sample_body(&fed, a,
				    sample_below(&r, 4) ? BODY_MODULE_UPDATE :
				    BODY_MODULE_RETIRE, &r, &b, arena), 0);
				if (b.type == BODY_MODULE_RETIRE) {
					b.u.retire.code.p =
					    (const uint8_t *)codes[a][k];
					b.u.retire.code.len = strlen(codes[a][k]);
				} else {
					b.u.module.code.p =
					    (const uint8_t *)codes[a][k];
					b.u.module.code.len = strlen(codes[a][k]);
				}
				emit(a, &b, &r);
				if (b.type == BODY_MODULE_UPDATE)
					id_of(a, nlog[a] - 1, mods[a][k]);
			} else if (k < 4 && ncomps[a] > 0) {
				memset(&b, 0, sizeof(b));
				b.type = BODY_COMPLETION_REVOKE;
				memcpy(b.u.revoke.completion,
				    comps[a][sample_below(&r, ncomps[a] < 64 ?
				    ncomps[a] : 64)], 32);
				b.u.revoke.reason.p = (const uint8_t *)"Error.";
				b.u.revoke.reason.len = 6;
				emit(a, &b, &r);
			} else {
				assert_int_equal(sample_body(&fed, a,
				    BODY_COMPLETION_RECORD, &r, &b, arena), 0);
				memcpy(b.u.completion.module,
				    mods[a][sample_below(&r, nmods[a])], 32);
				emit(a, &b, &r);
				id_of(a, nlog[a] - 1, comps[a][ncomps[a] % 64]);
				ncomps[a]++;
			}
		}
	}
}

struct result {
	uint8_t log_root[32], state_root[32];
	char *dump;
	size_t dumplen;
	char *by;		/* every learner's and module's completions */
	size_t bylen, merges;
};

/* Text of the query results, appended to a growing buffer. */
struct text {
	char *p;
	size_t len, cap;
	size_t n;		/* completions seen */
};

static void
text_room(struct text *t)
{
	if (t->cap - t->len < 128) {
		t->cap = t->cap * 2 + 4096;
		t->p = realloc(t->p, t->cap);
		assert_non_null(t->p);
	}
}

static int
text_completion(void *arg, const struct store_completion *c)
{
	struct text *t = arg;
	int w;

	text_room(t);
	w = snprintf(t->p + t->len, t->cap - t->len, " %02x%02x:%llu:%d%d",
	    c->author[0], c->author[1], (unsigned long long)c->seq, c->passed,
	    c->revoked);
	t->len += (size_t)w;
	t->n++;
	return 0;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : -1;
}

/* Not sscanf: it measures the whole rest of the dump on every call. */
static int
unhex(const char *h, uint8_t *out, size_t n)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if ((hi = hexval(h[2 * i])) < 0 ||
		    (lo = hexval(h[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int
cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static int
cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void
query_all(struct store *st, const struct result *res, char **out,
    size_t *outlen)
{
	struct text t = { NULL, 0, 0, 0 };
	const char *p, *v, *end = res->dump + res->dumplen;
	uint8_t *keys;
	size_t ncompl = 0, pass, i, u, want, klen, off;
	enum store_by by;

	for (p = res->dump; p < end; p = strchr(p, '\n') + 1)
		ncompl += strncmp(p, "d_compl ", 8) == 0;
	keys = malloc(ncompl * 32 + 1);
	assert_non_null(keys);
	for (pass = 0; pass < 2; pass++) {
		by = pass == 0 ? STORE_BY_LEARNER : STORE_BY_MODULE;
		klen = by == STORE_BY_LEARNER ? 16 : 32;
		off = by == STORE_BY_LEARNER ? 0 : 32;
		i = 0;
		for (p = res->dump; p < end; p = strchr(p, '\n') + 1) {
			if (strncmp(p, "d_compl ", 8) != 0)
				continue;
			v = strchr(p + 8, ' ') + 1;
			assert_int_equal(unhex(v + off, keys + klen * i++,
			    klen), 0);
		}
		qsort(keys, ncompl, klen, klen == 16 ? cmp16 : cmp32);
		/*
		 * Each lookup scans the index tail: ask for one key in 4, and
		 * expect as many answers as the dump has lines of those keys.
		 */
		t.n = 0;
		want = 0;
		for (i = 0, u = 0; i < ncompl; i++) {
			if (i == 0 || memcmp(keys + klen * i, keys + klen *
			    (i - 1), klen) != 0)
				u++;
			if (u % 4 != 1)
				continue;
			want++;
			if (i > 0 && memcmp(keys + klen * i, keys + klen *
			    (i - 1), klen) == 0)
				continue;
			assert_int_equal(store_completions(st, by, keys +
			    klen * i, text_completion, &t), 0);
			text_room(&t);
			t.p[t.len++] = '\n';
		}
		assert_int_equal(t.n, want);
		assert_true(want > 0);
	}
	free(keys);
	*out = t.p;
	*outlen = t.len;
}

static void
slurp(const char *path, struct result *res)
{
	FILE *f = fopen(path, "rb");
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	res->dump = malloc((size_t)n + 1);
	res->dumplen = fread(res->dump, 1, (size_t)n, f);
	fclose(f);
}

/* Deliver every log to a new store in an order drawn from r. */
static void
deliver(struct sample_rng *r, struct result *res)
{
	static struct store_item items[512];
	static struct store_outcome out[512];
	size_t pos[AUTHORS] = { 0 }, left = 0, a, n, k, take, i, nre = 0;
	char dir[128], dump[160], *by2;
	struct store_opts opts = { 0 };
	struct store_stats stats;
	struct store *st;
	size_t by2len;
	int fd;

	for (a = 0; a < AUTHORS; a++)
		left += nlog[a];
	snprintf(dir, sizeof(dir), "%s/o%d", base, ndirs++);
	assert_int_equal(store_create(dir, logs[0][0].buf, logs[0][0].len,
	    NULL), 0);
	/* Merge the lookup indexes at different moments in each delivery. */
	opts.tail_min = sample_below(r, 4) == 0 ? 0 : 1 + sample_below(r, 3000);
	assert_int_equal(store_open(dir, &opts, &st), 0);
	pos[0] = 1;
	left--;
	while (left > 0) {
		n = 0;
		/* A batch: a few runs of consecutive events of random authors. */
		for (k = 1 + sample_below(r, 4); k > 0; k--) {
			a = sample_below(r, AUTHORS);
			take = 1 + sample_below(r, 60);
			for (i = 0; i < take && pos[a] < nlog[a] && n < 400;
			    i++, n++) {
				struct ev *ev = &logs[a][pos[a]];
				int alt = ev->alt != NULL && sample_below(r, 2);

				assert_int_equal(ev_decode(alt ? ev->alt :
				    ev->buf, ev->len, fed.fed_id, &items[n].ev,
				    NULL, NULL), 0);
				memcpy(items[n].key, fed.pk[a], 32);
				pos[a]++;
				left--;
			}
		}
		/* Sometimes an old event comes again, in a signature of its own. */
		for (k = sample_below(r, 3); k > 0 && n < 500; k--) {
			a = sample_below(r, AUTHORS);
			if (pos[a] == 0)
				continue;
			i = sample_below(r, pos[a]);
			assert_int_equal(ev_decode(logs[a][i].alt != NULL ?
			    logs[a][i].alt : logs[a][i].buf, logs[a][i].len,
			    fed.fed_id, &items[n].ev, NULL, NULL), 0);
			memcpy(items[n].key, fed.pk[a], 32);
			n++;
		}
		if (n == 0)
			continue;
		assert_int_equal(store_append(st, items, n, out), 0);
		for (i = 0; i < n; i++)
			if (out[i].result != STORE_STORED &&
			    out[i].result != STORE_DUPLICATE) {
				fprintf(stderr, "test_store_order: event %zu: "
				    "result %d (%s)\n", i, out[i].result,
				    i40_strerror(out[i].code));
				fail_msg("event %zu: result %d (%s)", i,
				    out[i].result, i40_strerror(out[i].code));
			}
		/* And sometimes the whole batch is sent again. */
		if (sample_below(r, 10) == 0) {
			assert_int_equal(store_append(st, items, n, out), 0);
			for (i = 0; i < n; i++)
				assert_int_equal(out[i].result,
				    STORE_DUPLICATE);
			nre++;
		}
	}
	assert_int_equal(store_log_root(st, res->log_root), 0);
	assert_int_equal(store_state_root(st, res->state_root), 0);
	snprintf(dump, sizeof(dump), "%s.dump", dir);
	assert_true((fd = open(dump, O_CREAT | O_WRONLY | O_TRUNC, 0600)) >= 0);
	assert_int_equal(store_dump(st, fd), 0);
	close(fd);
	slurp(dump, res);
	query_all(st, res, &res->by, &res->bylen);
	assert_int_equal(store_stats(st, &stats), 0);
	res->merges = (size_t)stats.merges;
	assert_int_equal(store_rebuild(st), 0);
	/* The rebuild re-indexes: the answers stay the same. */
	query_all(st, res, &by2, &by2len);
	assert_int_equal(by2len, res->bylen);
	assert_memory_equal(by2, res->by, by2len);
	free(by2);
	store_close(st);
	(void)nre;
}

static void
test_order_independence(void **state)
{
	uint64_t seed = sample_env_seed();
	size_t runs = env_size("I40_ORDER_RUNS", 20);
	size_t per = env_size("I40_ORDER_EVENTS", 3000);
	struct result first, res;
	struct sample_rng r;
	size_t i, members = 0, removed = 0, modules = 0, revoked = 0;
	size_t merges = 0;
	char *p;

	(void)state;
	printf("# order seed %llu (I40_TEST_SEED repeats it); %zu authors x "
	    "%zu events, %zu orders\n", (unsigned long long)seed, (size_t)AUTHORS,
	    per, runs);
	/* On stderr too: prove shows it when the test fails, stdout not. */
	fprintf(stderr, "test_store_order: seed %llu\n",
	    (unsigned long long)seed);
	build_logs(per, seed);
	sample_seed(&r, seed ^ 0x5eed);
	deliver(&r, &first);
	for (i = 1; i < runs; i++) {
		deliver(&r, &res);
		/* prove shows stderr only: say which comparison failed. */
		if (memcmp(res.log_root, first.log_root, 32) != 0 ||
		    memcmp(res.state_root, first.state_root, 32) != 0 ||
		    res.dumplen != first.dumplen || memcmp(res.dump,
		    first.dump, first.dumplen) != 0 || res.bylen !=
		    first.bylen || memcmp(res.by, first.by, first.bylen) != 0)
			fprintf(stderr, "test_store_order: order %zu differs "
			    "from the first: log root %s, state root %s, "
			    "dump %s (%zu, %zu bytes), answers %s\n", i,
			    memcmp(res.log_root, first.log_root, 32) ? "differs" :
			    "equal", memcmp(res.state_root, first.state_root, 32)
			    ? "differs" : "equal", res.dumplen != first.dumplen ||
			    memcmp(res.dump, first.dump, first.dumplen) ?
			    "differs" : "equal", res.dumplen, first.dumplen,
			    res.bylen != first.bylen || memcmp(res.by, first.by,
			    first.bylen) ? "differ" : "equal");
		assert_memory_equal(res.log_root, first.log_root, 32);
		assert_memory_equal(res.state_root, first.state_root, 32);
		assert_int_equal(res.dumplen, first.dumplen);
		assert_memory_equal(res.dump, first.dump, first.dumplen);
		assert_int_equal(res.bylen, first.bylen);
		assert_memory_equal(res.by, first.by, first.bylen);
		merges += res.merges;
		free(res.dump);
		free(res.by);
	}
	printf("# %zu index merges in all; %zu bytes of query answers each\n",
	    merges, first.bylen);
	if (merges <= runs)
		fprintf(stderr, "test_store_order: only %zu index merges in "
		    "%zu orders\n", merges, runs);
	assert_true(merges > runs);
	/* The state is not trivially empty: the membership changes worked. */
	for (p = first.dump; p < first.dump + first.dumplen; p++) {
		if (p != first.dump && p[-1] != '\n')
			continue;
		if (strncmp(p, "d_member ", 9) == 0) {
			members++;
			/* role 'm'/'o' (6d/6f), active 00 for a removed one */
			removed += strncmp(p + 9 + 64 + 1 + 2, "00", 2) == 0;
		}
		modules += strncmp(p, "d_module ", 9) == 0;
		revoked += strncmp(p, "d_revoke ", 9) == 0;
	}
	printf("# %zu members (%zu removed), %zu modules, %zu revocations\n",
	    members, removed, modules, revoked);
	assert_int_equal(members, AUTHORS + 1);
	assert_int_equal(removed, 1);
	assert_true(modules > 0 && revoked > 0);
	free(first.dump);
	free(first.by);
}

/* Equivocation: author 1 signs A6 and B6; nodes see them in any order. */
static void
test_equivocation_both_ways(void **state)
{
	static struct body b;
	static char arena[SAMPLE_ARENA];
	uint8_t *a_ev[10], *b_ev[3], prev[32], id[32];
	size_t a_len[10], b_len[3], i;
	struct sample_rng r;
	struct result res[3];
	const char *orders[3] = { "A then B", "B then A", "B7 on A6" };
	int k;

	(void)state;
	sample_seed(&r, 77);
	memset(prev, 0, 32);
	for (i = 0; i < 10; i++) {
		a_ev[i] = malloc(EV_MAX_BYTES);
		assert_int_equal(sample_event(&fed, 1, i + 1, prev,
		    BODY_MODULE_PUBLISH, &r, a_ev[i], EV_MAX_BYTES, &a_len[i],
		    id), 0);
		memcpy(prev, id, 32);
		if (i == 4) {
			/* Branch B forks from A5. */
			uint8_t bprev[32];

			memcpy(bprev, id, 32);
			for (k = 0; k < 3; k++) {
				b_ev[k] = malloc(EV_MAX_BYTES);
				assert_int_equal(sample_event(&fed, 1,
				    (uint64_t)(6 + k), bprev,
				    BODY_MODULE_RETIRE, &r, b_ev[k],
				    EV_MAX_BYTES, &b_len[k], bprev), 0);
			}
		}
	}
	(void)b;
	(void)arena;
	for (k = 0; k < 3; k++) {
		struct store_item it;
		struct store_outcome o;
		struct store *st;
		char dir[128], dump[160];
		uint8_t *seqs[13];
		size_t lens[13], n = 0, j;
		int fd;

		if (k == 0) {		/* A1..A10, then B6..B8 */
			for (j = 0; j < 10; j++) {
				seqs[n] = a_ev[j];
				lens[n++] = a_len[j];
			}
			for (j = 0; j < 3; j++) {
				seqs[n] = b_ev[j];
				lens[n++] = b_len[j];
			}
		} else if (k == 1) {	/* A1..A5, B6..B8, A6..A10 */
			for (j = 0; j < 5; j++) {
				seqs[n] = a_ev[j];
				lens[n++] = a_len[j];
			}
			for (j = 0; j < 3; j++) {
				seqs[n] = b_ev[j];
				lens[n++] = b_len[j];
			}
			for (j = 5; j < 10; j++) {
				seqs[n] = a_ev[j];
				lens[n++] = a_len[j];
			}
		} else {		/* A1..A6, then B7: prev mismatch */
			for (j = 0; j < 6; j++) {
				seqs[n] = a_ev[j];
				lens[n++] = a_len[j];
			}
			seqs[n] = b_ev[1];
			lens[n++] = b_len[1];
			seqs[n] = b_ev[0];
			lens[n++] = b_len[0];
		}
		snprintf(dir, sizeof(dir), "%s/eq%d", base, k);
		{
			uint8_t g[EV_MAX_BYTES];
			size_t glen;
			struct sample_rng gr;

			sample_seed(&gr, 1);
			assert_int_equal(sample_event(&fed, 0, 1, NULL,
			    BODY_GENESIS, &gr, g, sizeof(g), &glen, id), 0);
			assert_int_equal(store_create(dir, g, glen, NULL), 0);
		}
		assert_int_equal(store_open(dir, NULL, &st), 0);
		for (j = 0; j < n; j++) {
			assert_int_equal(ev_decode(seqs[j], lens[j],
			    fed.fed_id, &it.ev, NULL, NULL), 0);
			memcpy(it.key, fed.pk[1], 32);
			assert_int_equal(store_append(st, &it, 1, &o), 0);
		}
		{
			struct store_head *h;
			size_t nh, x;

			assert_int_equal(store_heads(st, &h, &nh), 0);
			for (x = 0; x < nh; x++)
				if (memcmp(h[x].author, fed.pk[1], 32) == 0)
					assert_int_equal(h[x].frozen, 6);
			free(h);
		}
		assert_int_equal(store_log_root(st, res[k].log_root), 0);
		assert_int_equal(store_state_root(st, res[k].state_root), 0);
		snprintf(dump, sizeof(dump), "%s.dump", dir);
		assert_true((fd = open(dump, O_CREAT | O_WRONLY | O_TRUNC,
		    0600)) >= 0);
		assert_int_equal(store_dump(st, fd), 0);
		close(fd);
		slurp(dump, &res[k]);
		assert_int_equal(store_rebuild(st), 0);
		store_close(st);
		if (k > 0) {
			if (memcmp(res[k].log_root, res[0].log_root, 32) != 0 ||
			    memcmp(res[k].state_root, res[0].state_root,
			    32) != 0 || res[k].dumplen != res[0].dumplen ||
			    memcmp(res[k].dump, res[0].dump,
			    res[0].dumplen) != 0)
				fail_msg("%s differs from %s", orders[k],
				    orders[0]);
		}
	}
	/* Five modules before the fork count; none after it. */
	{
		size_t mods = 0;
		char *p;

		for (p = res[0].dump; p < res[0].dump + res[0].dumplen; p++)
			if ((p == res[0].dump || p[-1] == '\n') &&
			    strncmp(p, "d_modver ", 9) == 0)
				mods++;
		assert_true(mods >= 1 && mods <= 5);
	}
	for (k = 0; k < 3; k++)
		free(res[k].dump);
	for (i = 0; i < 10; i++)
		free(a_ev[i]);
	for (i = 0; i < 3; i++)
		free(b_ev[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equivocation_both_ways),
		cmocka_unit_test(test_order_independence),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
