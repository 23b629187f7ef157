/*
 * test_store_fork.c: forks, checkpoints and the freeze point in one store
 * (docs/protocol.md §11).
 *
 *  - A fork freezes its author at the event before it; a second fork at
 *    the same or a higher seq is neither kept nor reported; a lower one
 *    lowers the freeze point; nothing past the freeze point is stored.
 *  - A FORK's pair freezes a log the store holds only part of.
 *  - Checkpoints of a majority of the voters settle a prefix, in whatever
 *    order checkpoints and events arrive; a fork below the settled seq
 *    keeps the prefix counting, one above it freezes as before.  The
 *    author's own checkpoints, a frozen voter's and a minority's do not
 *    settle.
 *  - 20 random delivery orders of a set with forks above and below the
 *    settled seq, and checkpoints, give one log root, state root and dump
 *    (a lagging chain on the unsettled side of a fork is replaced through
 *    store_reorg, as sync does, docs/sync.md).
 *
 * I40_TEST_SEED repeats the orders.
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

#define MEMBERS 5
#define MAXEV 64

struct evt {
	uint8_t *buf;
	size_t len;
	uint8_t id[32];
	size_t author;
	uint64_t seq;
};

static struct sample_fed fed;
static char base[64];
static int ndirs;
static struct evt genesis;
static size_t nreorg;		/* deliveries that needed store_reorg */

static void
evt_free(struct evt *e)
{
	free(e->buf);
	e->buf = NULL;
}

static int
setup(void **state)
{
	struct sample_rng r;

	(void)state;
	snprintf(base, sizeof(base), "%s/i40-test-fork-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (sample_fed_init(&fed, MEMBERS) != 0 || mkdtemp(base) == NULL)
		return -1;
	if ((genesis.buf = malloc(EV_MAX_BYTES)) == NULL)
		return -1;
	sample_seed(&r, 1);
	return sample_event(&fed, 0, 1, NULL, BODY_GENESIS, &r, genesis.buf,
	    EV_MAX_BYTES, &genesis.len, genesis.id) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	evt_free(&genesis);
	sample_fed_free(&fed);
	sample_rm_rf(base);
	return 0;
}

static struct store *
fresh(void)
{
	struct store *st;
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/s%d", base, ndirs++);
	assert_int_equal(store_create(dir, genesis.buf, genesis.len, NULL), 0);
	assert_int_equal(store_open(dir, NULL, &st), 0);
	return st;
}

/* author's event at seq after prev: a module (seed odd) or a completion. */
static struct evt
mk(size_t author, uint64_t seq, const uint8_t prev[32], uint32_t type,
    const uint8_t *module, uint64_t seed)
{
	struct sample_rng r;
	struct evt e;

	memset(&e, 0, sizeof(e));
	e.author = author;
	e.seq = seq;
	assert_non_null(e.buf = malloc(EV_MAX_BYTES));
	sample_seed(&r, seed);
	assert_int_equal(sample_counting_event(&fed, author, seq, prev, type,
	    module, &r, e.buf, EV_MAX_BYTES, &e.len, e.id), 0);
	return e;
}

/* A checkpoint of author naming n heads (any order). */
static struct evt
mk_ckpt(size_t author, uint64_t seq, const uint8_t prev[32],
    const struct evt *const *heads, size_t n)
{
	static struct body b;
	struct body_head t;
	struct evt e;
	size_t i, j;

	memset(&b, 0, sizeof(b));
	b.type = BODY_CHECKPOINT;
	for (i = 0; i < n; i++) {
		memcpy(b.u.checkpoint.heads[i].author,
		    fed.pk[heads[i]->author], 32);
		b.u.checkpoint.heads[i].seq = heads[i]->seq;
		memcpy(b.u.checkpoint.heads[i].id, heads[i]->id, 32);
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && memcmp(b.u.checkpoint.heads[j - 1].author,
		    b.u.checkpoint.heads[j].author, 32) > 0; j--) {
			t = b.u.checkpoint.heads[j];
			b.u.checkpoint.heads[j] = b.u.checkpoint.heads[j - 1];
			b.u.checkpoint.heads[j - 1] = t;
		}
	b.u.checkpoint.nheads = (uint32_t)n;
	memset(&e, 0, sizeof(e));
	e.author = author;
	e.seq = seq;
	assert_non_null(e.buf = malloc(EV_MAX_BYTES));
	assert_int_equal(sample_sign_body(&fed, author, seq, prev, &b, e.buf,
	    EV_MAX_BYTES, &e.len, e.id), 0);
	return e;
}

static void
item_of(const struct evt *e, struct store_item *it)
{
	assert_int_equal(ev_decode(e->buf, e->len, fed.fed_id, &it->ev, NULL,
	    NULL), 0);
	memcpy(it->key, fed.pk[e->author], 32);
}

static struct store_outcome
feed(struct store *st, const struct evt *e)
{
	struct store_item it;
	struct store_outcome o;

	item_of(e, &it);
	assert_int_equal(store_append(st, &it, 1, &o), 0);
	return o;
}

static struct store_outcome
pair(struct store *st, const struct evt *a, const struct evt *b)
{
	struct store_item it[2];
	struct store_outcome o;

	item_of(a, &it[0]);
	item_of(b, &it[1]);
	assert_int_equal(store_evidence(st, it, &o), 0);
	return o;
}

static struct store_head
head_of(struct store *st, size_t author)
{
	struct store_head *h, out;
	size_t n, i;

	memset(&out, 0, sizeof(out));
	assert_int_equal(store_heads(st, &h, &n), 0);
	for (i = 0; i < n; i++)
		if (memcmp(h[i].author, fed.pk[author], 32) == 0)
			out = h[i];
	free(h);
	return out;
}

/* Lines of the dump that start with prefix ("d_compl "). */
static size_t
dump_count(struct store *st, const char *prefix, char **text)
{
	char path[160], *buf, *p;
	struct stat sb;
	size_t n = 0, plen = strlen(prefix);
	int fd;

	snprintf(path, sizeof(path), "%s/dump%d", base, ndirs++);
	assert_true((fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600)) >= 0);
	assert_int_equal(store_dump(st, fd), 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_non_null(buf = calloc(1, (size_t)sb.st_size + 1));
	assert_int_equal(pread(fd, buf, (size_t)sb.st_size, 0), sb.st_size);
	close(fd);
	unlink(path);
	for (p = buf; *p != '\0'; p++)
		if ((p == buf || p[-1] == '\n') && strncmp(p, prefix, plen) == 0)
			n++;
	if (text != NULL)
		*text = buf;
	else
		free(buf);
	return n;
}

/*
 * Author a's log of n events: two modules, then completions against them
 * (seed varies the bodies, so that two logs from different seeds fork).
 */
static void
mklog(size_t a, size_t n, uint64_t seed, struct evt *log)
{
	uint8_t prev[32];
	size_t i;

	memset(prev, 0, 32);
	for (i = 0; i < n; i++) {
		log[i] = i < 2 ? mk(a, i + 1, prev, BODY_MODULE_PUBLISH, NULL,
		    seed * 100 + i) : mk(a, i + 1, prev,
		    BODY_COMPLETION_RECORD, log[i % 2].id, seed * 100 + i);
		memcpy(prev, log[i].id, 32);
	}
}

/* The same log from seq `from` on, on another branch (other bodies). */
static void
mkbranch(size_t a, const struct evt *log, size_t from, size_t n,
    uint64_t seed, struct evt *out)
{
	uint8_t prev[32];
	size_t i;

	memcpy(prev, log[from - 2].id, 32);
	for (i = 0; i < n; i++) {
		out[i] = mk(a, from + i, prev, BODY_COMPLETION_RECORD,
		    log[i % 2].id, seed * 1000 + i);
		memcpy(prev, out[i].id, 32);
	}
}

static void
test_fork_freezes(void **state)
{
	struct evt log[8], b4[2], b6[1], b2[1];
	struct store *st = fresh();
	struct store_head h;
	struct store_outcome o;
	size_t i;

	(void)state;
	mklog(1, 8, 1, log);
	mkbranch(1, log, 4, 2, 2, b4);
	mkbranch(1, log, 6, 1, 3, b6);
	mkbranch(1, log, 2, 1, 4, b2);
	for (i = 0; i < 7; i++)
		assert_int_equal(feed(st, &log[i]).result, STORE_STORED);
	assert_int_equal(dump_count(st, "d_compl ", NULL), 5);
	o = feed(st, &b4[0]);
	assert_int_equal(o.result, STORE_FORK);
	h = head_of(st, 1);
	assert_int_equal(h.frozen, 4);
	assert_int_equal(h.last, 3);
	assert_memory_equal(h.last_id, log[2].id, 32);
	assert_int_equal(h.seq, 7);
	/* Two modules and the completion at seq 3 count; nothing after. */
	assert_int_equal(dump_count(st, "d_compl ", NULL), 1);
	assert_int_equal(dump_count(st, "d_fork ", NULL), 1);
	/* The same fork again, a variant, a higher one: nothing new. */
	o = feed(st, &b4[0]);
	assert_int_equal(o.result, STORE_DUPLICATE);
	assert_int_equal(o.code, I40_E_FORK);
	o = feed(st, &b6[0]);
	assert_int_equal(o.result, STORE_DUPLICATE);
	assert_int_equal(o.code, I40_E_FORK);
	/* Past the freeze point nothing is stored. */
	o = feed(st, &log[7]);
	assert_int_equal(o.result, STORE_INVALID);
	assert_int_equal(o.code, I40_E_FROZEN);
	/* A lower fork lowers it. */
	o = feed(st, &b2[0]);
	assert_int_equal(o.result, STORE_FORK);
	h = head_of(st, 1);
	assert_int_equal(h.frozen, 2);
	assert_int_equal(h.last, 1);
	assert_int_equal(dump_count(st, "d_compl ", NULL), 0);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	for (i = 0; i < 8; i++)
		evt_free(&log[i]);
	evt_free(&b4[0]);
	evt_free(&b4[1]);
	evt_free(&b6[0]);
	evt_free(&b2[0]);
}

static void
test_evidence_pair(void **state)
{
	struct evt log[6], b5[1], other[6];
	struct store *st = fresh();
	struct store_item it[2];
	struct store_outcome o;
	struct store_head h;
	struct store_event ea, eb;
	size_t i;

	(void)state;
	mklog(1, 6, 5, log);
	mkbranch(1, log, 5, 1, 6, b5);
	mklog(2, 6, 7, other);
	for (i = 0; i < 2; i++)
		assert_int_equal(feed(st, &log[i]).result, STORE_STORED);
	/* Not a pair: one event twice, two authors, two seqs. */
	o = pair(st, &log[4], &log[4]);
	assert_int_equal(o.result, STORE_INVALID);
	assert_int_equal(o.code, I40_E_NOT_FORK);
	o = pair(st, &log[4], &other[4]);
	assert_int_equal(o.result, STORE_INVALID);
	assert_int_equal(o.code, I40_E_NOT_FORK);
	o = pair(st, &log[4], &log[5]);
	assert_int_equal(o.result, STORE_INVALID);
	assert_int_equal(o.code, I40_E_NOT_FORK);
	/* Verified with a key not in force. */
	item_of(&log[4], &it[0]);
	item_of(&b5[0], &it[1]);
	memcpy(it[1].key, fed.pk[3], 32);
	assert_int_equal(store_evidence(st, it, &o), 0);
	assert_int_equal(o.result, STORE_INVALID);
	assert_int_equal(o.code, I40_E_WRONG_KEY);
	/* A real pair at seq 5 freezes a log held only to seq 2. */
	o = pair(st, &log[4], &b5[0]);
	assert_int_equal(o.result, STORE_FORK);
	h = head_of(st, 1);
	assert_int_equal(h.seq, 2);
	assert_int_equal(h.frozen, 5);
	assert_int_equal(h.last, 4);
	assert_int_equal(h.limit, 4);
	assert_int_equal(pair(st, &b5[0], &log[4]).result, STORE_DUPLICATE);
	/* The rest up to the freeze point still comes in; no further. */
	assert_int_equal(feed(st, &log[2]).result, STORE_STORED);
	assert_int_equal(feed(st, &log[3]).result, STORE_STORED);
	o = feed(st, &log[4]);
	assert_int_equal(o.result, STORE_INVALID);
	assert_int_equal(o.code, I40_E_FROZEN);
	/* The evidence is there to relay, both events. */
	assert_int_equal(store_fork_get(st, fed.pk[1], &ea, &eb), 0);
	assert_true((ea.len == log[4].len && memcmp(ea.bytes, log[4].buf,
	    ea.len) == 0) || (eb.len == log[4].len && memcmp(eb.bytes,
	    log[4].buf, eb.len) == 0));
	free(ea.bytes);
	free(eb.bytes);
	assert_int_equal(store_fork_get(st, fed.pk[2], &ea, &eb),
	    I40_E_NOT_FOUND);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	for (i = 0; i < 6; i++) {
		evt_free(&log[i]);
		evt_free(&other[i]);
	}
	evt_free(&b5[0]);
}

/* Checkpoints of voters vs naming heads; each voter's own log first. */
static void
checkpoint_by(struct store *st, size_t voter, const struct evt *const *h,
    size_t n, struct evt *keep)
{
	uint8_t zero[32] = { 0 };
	struct evt c = mk_ckpt(voter, 1, zero, h, n);

	if (voter == 0) {
		/* Member 0's seq 1 is the genesis: checkpoint at seq 2. */
		evt_free(&c);
		c = mk_ckpt(0, 2, genesis.id, h, n);
	}
	assert_int_equal(feed(st, &c).result, STORE_STORED);
	if (keep != NULL)
		*keep = c;
	else
		evt_free(&c);
}

static void
test_settled(void **state)
{
	struct evt log[10], b2[1], b10[1];
	const struct evt *at8[1] = { &log[7] };
	struct store *st;
	struct store_head h;
	struct store_outcome o;
	size_t i;
	int k;

	(void)state;
	mklog(1, 10, 9, log);
	mkbranch(1, log, 2, 1, 10, b2);
	mkbranch(1, log, 10, 1, 11, b10);
	/* k 0: events first; k 1: checkpoints before the events they name. */
	for (k = 0; k < 2; k++) {
		st = fresh();
		if (k == 0)
			for (i = 0; i < 10; i++)
				assert_int_equal(feed(st, &log[i]).result,
				    STORE_STORED);
		/* Two voters are not a majority of five members. */
		checkpoint_by(st, 0, at8, 1, NULL);
		checkpoint_by(st, 2, at8, 1, NULL);
		if (k == 0)
			assert_int_equal(head_of(st, 1).settled, 0);
		checkpoint_by(st, 3, at8, 1, NULL);
		if (k == 1) {
			assert_int_equal(head_of(st, 1).settled, 0);
			for (i = 0; i < 10; i++)
				assert_int_equal(feed(st, &log[i]).result,
				    STORE_STORED);
		}
		assert_int_equal(head_of(st, 1).settled, 8);
		assert_int_equal(dump_count(st, "d_settle ", NULL), 1);
		assert_int_equal(dump_count(st, "d_compl ", NULL), 8);
		/* A thief's fork at seq 2: the settled prefix keeps counting. */
		o = feed(st, &b2[0]);
		assert_int_equal(o.result, STORE_FORK);
		h = head_of(st, 1);
		assert_int_equal(h.frozen, 2);
		assert_int_equal(h.last, 8);
		assert_memory_equal(h.last_id, log[7].id, 32);
		assert_int_equal(dump_count(st, "d_compl ", NULL), 6);
		/* A fork above the settled seq lowers nothing now. */
		o = feed(st, &b10[0]);
		assert_int_equal(o.result, STORE_DUPLICATE);
		assert_int_equal(store_rebuild(st), 0);
		store_close(st);
	}
	/* Fresh: a fork above the settled seq freezes before it. */
	st = fresh();
	for (i = 0; i < 10; i++)
		assert_int_equal(feed(st, &log[i]).result, STORE_STORED);
	checkpoint_by(st, 0, at8, 1, NULL);
	checkpoint_by(st, 2, at8, 1, NULL);
	checkpoint_by(st, 4, at8, 1, NULL);
	assert_int_equal(head_of(st, 1).settled, 8);
	assert_int_equal(feed(st, &b10[0]).result, STORE_FORK);
	h = head_of(st, 1);
	assert_int_equal(h.last, 9);
	assert_int_equal(dump_count(st, "d_compl ", NULL), 7);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	for (i = 0; i < 10; i++)
		evt_free(&log[i]);
	evt_free(&b2[0]);
	evt_free(&b10[0]);
}

/* A frozen voter does not settle anything, nor a log its own checkpoints. */
static void
test_voters(void **state)
{
	struct evt log[4], l3[3], b3[1], c3;
	const struct evt *at4[1] = { &log[3] };
	struct store *st = fresh();
	size_t i;

	(void)state;
	mklog(1, 4, 12, log);
	mklog(3, 3, 13, l3);
	mkbranch(3, l3, 3, 1, 14, b3);
	for (i = 0; i < 4; i++)
		assert_int_equal(feed(st, &log[i]).result, STORE_STORED);
	for (i = 0; i < 2; i++)
		assert_int_equal(feed(st, &l3[i]).result, STORE_STORED);
	checkpoint_by(st, 0, at4, 1, NULL);
	checkpoint_by(st, 2, at4, 1, NULL);
	/* Member 3 checkpoints at its seq 3 after its two events. */
	c3 = mk_ckpt(3, 3, l3[1].id, at4, 1);
	assert_int_equal(feed(st, &c3).result, STORE_STORED);
	assert_int_equal(head_of(st, 1).settled, 4);
	/* Member 3 forks at seq 3 (its checkpoint): it no longer votes. */
	assert_int_equal(feed(st, &b3[0]).result, STORE_FORK);
	assert_int_equal(head_of(st, 1).settled, 0);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	for (i = 0; i < 4; i++)
		evt_free(&log[i]);
	for (i = 0; i < 3; i++)
		evt_free(&l3[i]);
	evt_free(&b3[0]);
	evt_free(&c3);
}

/* The event set of the random orders, and what sync would fetch. */
struct set {
	struct evt ev[MAXEV];
	size_t n;
	/* Author 1's settled branch, to fetch from a voter after a fork. */
	struct evt a1[12];
};

static void
add(struct set *s, struct evt e)
{
	assert_true(s->n < MAXEV);
	s->ev[s->n++] = e;
}

static void
build_set(struct set *s)
{
	struct evt b5[1], l4[6], c5[1], d5[1], l2[3], l3[3];
	const struct evt *h0[2], *h2[2], *h3[2];
	size_t i;

	memset(s, 0, sizeof(*s));
	/*
	 * Author 1: 12 events, settled at 10 by members 0, 2, 3; a thief's
	 * fork at seq 5 (below).  Author 4: 6 events, settled at 3; two
	 * copies signed different seq 5s (above).
	 */
	mklog(1, 12, 21, s->a1);
	mkbranch(1, s->a1, 5, 1, 22, b5);
	mklog(4, 6, 23, l4);
	mkbranch(4, l4, 5, 1, 24, c5);
	mkbranch(4, l4, 5, 1, 25, d5);
	mklog(2, 2, 26, l2);
	mklog(3, 2, 27, l3);
	h0[0] = h2[0] = h3[0] = &s->a1[9];
	h0[1] = h2[1] = h3[1] = &l4[2];
	for (i = 0; i < 12; i++)
		add(s, s->a1[i]);
	add(s, b5[0]);
	for (i = 0; i < 4; i++)
		add(s, l4[i]);
	add(s, c5[0]);
	add(s, d5[0]);
	evt_free(&l4[4]);
	evt_free(&l4[5]);
	for (i = 0; i < 2; i++) {
		add(s, l2[i]);
		add(s, l3[i]);
	}
	add(s, mk_ckpt(0, 2, genesis.id, h0, 2));
	add(s, mk_ckpt(2, 3, l2[1].id, h2, 2));
	add(s, mk_ckpt(3, 3, l3[1].id, h3, 2));
}

struct result {
	uint8_t log_root[32], state_root[32];
	char *dump;
};

/* Does st hold e in its author's chain? */
static int
holds(struct store *st, const struct evt *e)
{
	struct store_event se;
	int yes;

	if (store_get(st, fed.pk[e->author], e->seq, &se) != 0)
		return 0;
	yes = se.len == e->len && memcmp(se.bytes, e->buf, e->len) == 0;
	free(se.bytes);
	return yes;
}

/* Deliver s in a random order, re-sending what was refused, as sync does. */
static void
deliver(struct set *s, struct sample_rng *r, struct result *res)
{
	struct store *st = fresh();
	struct store_item it[12];
	struct store_outcome o, os[12];
	struct store_head h;
	size_t idx[MAXEV], i, j, t, left, round;
	int done[MAXEV], progress;

	for (i = 0; i < s->n; i++) {
		idx[i] = i;
		done[i] = 0;
	}
	for (round = 0; round < 60; round++) {
		for (i = s->n; i > 1; i--) {
			j = (size_t)sample_below(r, i);
			t = idx[i - 1];
			idx[i - 1] = idx[j];
			idx[j] = t;
		}
		progress = 0;
		for (i = 0; i < s->n; i++) {
			if (done[idx[i]])
				continue;
			o = feed(st, &s->ev[idx[i]]);
			if (o.result == STORE_GAP ||
			    (o.result == STORE_INVALID &&
			    o.code != I40_E_WRONG_KEY))
				continue;
			done[idx[i]] = 1;
			progress = 1;
		}
		/*
		 * A chain stuck on the thief's side of a settled fork: fetch
		 * the voters' branch from the fork on (sync asks a voter).
		 */
		h = head_of(st, 1);
		if (h.frozen != 0 && h.settled < h.frozen &&
		    h.limit >= h.frozen && h.seq >= h.frozen &&
		    !holds(st, &s->a1[h.frozen - 1])) {
			for (j = 0; j + h.frozen - 1 < 12; j++)
				item_of(&s->a1[j + h.frozen - 1], &it[j]);
			assert_int_equal(store_reorg(st, it, j, &o), 0);
			assert_int_equal(o.result, STORE_STORED);
			nreorg++;
			progress = 1;
		}
		for (left = 0, i = 0; i < s->n; i++)
			left += !done[i];
		if (left == 0 || !progress)
			break;
	}
	(void)os;
	h = head_of(st, 1);
	assert_int_equal(h.frozen, 5);
	assert_int_equal(h.settled, 10);
	assert_int_equal(h.last, 10);
	h = head_of(st, 4);
	assert_int_equal(h.frozen, 5);
	assert_int_equal(h.last, 4);
	assert_int_equal(store_log_root(st, res->log_root), 0);
	assert_int_equal(store_state_root(st, res->state_root), 0);
	(void)dump_count(st, "", &res->dump);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
}

static void
test_random_orders(void **state)
{
	static struct set s;
	struct result res[20];
	struct sample_rng r;
	uint64_t seed = sample_env_seed();
	size_t i;

	(void)state;
	printf("# seed %llu (I40_TEST_SEED repeats it)\n",
	    (unsigned long long)seed);
	sample_seed(&r, seed);
	build_set(&s);
	for (i = 0; i < 20; i++) {
		deliver(&s, &r, &res[i]);
		if (i == 0)
			continue;
		if (memcmp(res[i].log_root, res[0].log_root, 32) != 0 ||
		    memcmp(res[i].state_root, res[0].state_root, 32) != 0 ||
		    strcmp(res[i].dump, res[0].dump) != 0)
			fail_msg("order %zu differs from order 0:\n%s\n---\n%s",
			    i, res[i].dump, res[0].dump);
	}
	printf("# 20 orders, one state; %zu took the thief's seq 5 first and "
	    "were put on the settled branch by store_reorg\n", nreorg);
	for (i = 0; i < 20; i++)
		free(res[i].dump);
	for (i = 0; i < s.n; i++)
		evt_free(&s.ev[i]);
}

/* store_reorg takes only what a majority of the voters named. */
static void
test_reorg_refused(void **state)
{
	static struct set s;
	struct store *st = fresh();
	struct store_item it[12];
	struct store_outcome o;
	struct store_head h;
	uint8_t lr[32], lr2[32];
	size_t i;

	(void)state;
	build_set(&s);
	/* The thief's seq 5 first: its branch is the stored chain. */
	for (i = 0; i < 4; i++)
		assert_int_equal(feed(st, &s.a1[i]).result, STORE_STORED);
	assert_int_equal(feed(st, &s.ev[12]).result, STORE_STORED);
	for (i = 12; i < s.n; i++)
		(void)feed(st, &s.ev[i]);
	assert_int_equal(feed(st, &s.a1[4]).result, STORE_FORK);
	h = head_of(st, 1);
	assert_int_equal(h.last, 4);
	assert_true(h.limit >= 10);
	assert_int_equal(store_log_root(st, lr), 0);
	/* A segment that stops short of what the voters named: refused. */
	for (i = 0; i < 4; i++)
		item_of(&s.a1[4 + i], &it[i]);
	assert_int_equal(store_reorg(st, it, 4, &o), 0);
	assert_int_equal(o.result, STORE_INVALID);
	assert_int_equal(o.code, I40_E_FORK);
	/* One that does not link to the chain below the fork: refused. */
	for (i = 0; i < 7; i++)
		item_of(&s.a1[5 + i], &it[i]);
	assert_int_equal(store_reorg(st, it, 7, &o), 0);
	assert_int_equal(o.result, STORE_INVALID);
	assert_int_equal(store_log_root(st, lr2), 0);
	assert_memory_equal(lr, lr2, 32);
	/* The voters' branch: taken, and the prefix to 10 counts. */
	for (i = 0; i < 8; i++)
		item_of(&s.a1[4 + i], &it[i]);
	assert_int_equal(store_reorg(st, it, 8, &o), 0);
	assert_int_equal(o.result, STORE_STORED);
	h = head_of(st, 1);
	assert_int_equal(h.settled, 10);
	assert_int_equal(h.last, 10);
	/* Settled now: a second reorg is refused. */
	assert_int_equal(store_reorg(st, it, 8, &o), 0);
	assert_int_equal(o.result, STORE_INVALID);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	for (i = 0; i < s.n; i++)
		evt_free(&s.ev[i]);
}

/*
 * A thief's branch that rotates at the fork seq: the voters' segment
 * verifies with the keys of its own chain (store_keys_in_segment), not
 * with the thief's next key that the stored branch put in force, and
 * store_reorg takes it.
 */
static void
test_reorg_across_rotation(void **state)
{
	static struct set s;
	static struct body b;
	struct store *st = fresh();
	struct store_item it[8];
	struct store_outcome o;
	struct key_secret *tk, *real;
	struct store_head h;
	struct evt rot, after;
	uint8_t tpk[32];
	size_t i;

	(void)state;
	build_set(&s);
	assert_int_equal(key_generate(&tk), 0);
	key_public(tk, tpk);
	assert_int_equal(body_rotate_make(fed.fed_id, fed.pk[1], tk, &b), 0);
	memset(&rot, 0, sizeof(rot));
	rot.author = 1;
	rot.seq = 5;
	assert_non_null(rot.buf = malloc(EV_MAX_BYTES));
	assert_int_equal(sample_sign_body(&fed, 1, 5, s.a1[3].id, &b, rot.buf,
	    EV_MAX_BYTES, &rot.len, rot.id), 0);
	real = fed.keys[1];
	fed.keys[1] = tk;
	after = mk(1, 6, rot.id, BODY_COMPLETION_RECORD, s.a1[0].id, 77);
	fed.keys[1] = real;

	/* The thief's branch is stored: its rotation is in force past 5. */
	for (i = 0; i < 4; i++)
		assert_int_equal(feed(st, &s.a1[i]).result, STORE_STORED);
	assert_int_equal(feed(st, &rot).result, STORE_STORED);
	item_of(&after, &it[0]);
	memcpy(it[0].key, tpk, 32);
	assert_int_equal(store_append(st, it, 1, &o), 0);
	assert_int_equal(o.result, STORE_STORED);
	for (i = 13; i < s.n; i++)
		(void)feed(st, &s.ev[i]);
	assert_int_equal(feed(st, &s.a1[4]).result, STORE_FORK);
	h = head_of(st, 1);
	assert_int_equal(h.last, 4);

	for (i = 0; i < 8; i++)
		item_of(&s.a1[4 + i], &it[i]);
	/* As a batch, the stored branch's rotation names the key past 5. */
	assert_int_equal(store_keys_in_force(st, it, 8), 0);
	assert_memory_equal(it[1].key, tpk, 32);
	assert_int_not_equal(ev_verify(&it[1].ev, it[1].key), 0);
	/* As a segment, the segment's own chain does. */
	assert_int_equal(store_keys_in_segment(st, it, 8), 0);
	for (i = 0; i < 8; i++) {
		assert_memory_equal(it[i].key, fed.pk[1], 32);
		assert_int_equal(ev_verify(&it[i].ev, it[i].key), 0);
	}
	assert_int_equal(store_reorg(st, it, 8, &o), 0);
	assert_int_equal(o.result, STORE_STORED);
	h = head_of(st, 1);
	assert_int_equal(h.settled, 10);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	key_free(tk);
	evt_free(&rot);
	evt_free(&after);
	for (i = 0; i < s.n; i++)
		evt_free(&s.ev[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_freezes),
		cmocka_unit_test(test_evidence_pair),
		cmocka_unit_test(test_settled),
		cmocka_unit_test(test_voters),
		cmocka_unit_test(test_random_orders),
		cmocka_unit_test(test_reorg_refused),
		cmocka_unit_test(test_reorg_across_rotation),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
