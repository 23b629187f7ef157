/*
 * test_store_retire.c: a completion recorded after its module's
 * retirement in the author's log counts on no node (docs/protocol.md
 * §5.13, docs/store.md "Convergence").
 *
 * Author 0 publishes RET-1 (v1), updates it (v2), records results on both,
 * retires it, and records more results on v1 and v2: those count not, the
 * earlier ones still do, and so does a result on RET-2, published after.
 * Author 1 holds a module of the same code, whose results are unaffected
 * by author 0's retirement, and records one on author 0's version, which
 * counts not (only the owner records on a module) before or after the
 * retirement arrives.  Every delivery order below, with batches split
 * before, at and after the retirement, and the tail of the lookup indexes
 * merged after every batch in one of them, gives the same state root, the
 * same completions, and store_rebuild finds nothing to change;
 * store_completion_get finds each counting completion by id, with the
 * revocation that counted, and none of the others.  A member admitted
 * after its events were stored is derived again from scratch, with the
 * same rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unistd.h>

#include "store/store.h"
#include "tests/lib/chain.h"

static struct sample_fed fed;
static char base[64];
static int ndirs;
static char arena[SAMPLE_ARENA];

/* The learners: which of their results count (1) and are revoked (2). */
enum { L_V1 = 1, L_V2, L_LATE_V1, L_LATE_V2, L_RET2, L_OWN1, L_CROSS,
    L_CROSS_LATE, L_COUNT };
static const int want[L_COUNT] = {
	[L_V1] = 2, [L_V2] = 1, [L_LATE_V1] = 0, [L_LATE_V2] = 0,
	[L_RET2] = 1, [L_OWN1] = 1, [L_CROSS] = 0, [L_CROSS_LATE] = 0,
};

static struct sample_chain c0, c1;

static int
setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "%s/i40-test-retire-XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	return sample_fed_init(&fed, 4) == 0 && mkdtemp(base) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	sample_chain_free(&c0);
	sample_chain_free(&c1);
	sample_fed_free(&fed);
	sample_rm_rf(base);
	return 0;
}

static void
module_body(struct body *b, const char *code, uint32_t type)
{
	struct sample_rng r;

	sample_seed(&r, 9 + type);
	assert_int_equal(sample_body(&fed, 0, BODY_MODULE_PUBLISH, &r, b,
	    arena), 0);
	b->type = (enum body_type)type;
	b->u.module.code.p = (const uint8_t *)code;
	b->u.module.code.len = strlen(code);
}

static void
completion_body(struct body *b, const uint8_t module[32], int learner)
{
	struct sample_rng r;

	sample_seed(&r, 10);
	assert_int_equal(sample_body(&fed, 0, BODY_COMPLETION_RECORD, &r, b,
	    arena), 0);
	memcpy(b->u.completion.module, module, 32);
	memset(b->u.completion.learner, learner, 16);
}

static void
retire_body(struct body *b, const char *code)
{
	memset(b, 0, sizeof(*b));
	b->type = BODY_MODULE_RETIRE;
	b->u.retire.code.p = (const uint8_t *)code;
	b->u.retire.code.len = strlen(code);
}

static void
revoke_body(struct body *b, const uint8_t completion[32])
{
	memset(b, 0, sizeof(*b));
	b->type = BODY_COMPLETION_REVOKE;
	memcpy(b->u.revoke.completion, completion, 32);
	b->u.revoke.reason.p = (const uint8_t *)"Recorded by mistake.";
	b->u.revoke.reason.len = 20;
}

static size_t
add(struct sample_chain *c, const struct body *b)
{
	size_t i;

	assert_int_equal(sample_chain_next(c, &fed, b, &i), 0);
	return i;
}

/*
 * The two logs; c0.seq 12 (genesis at 1), c1.seq 4.  Indexes into c0: kr
 * the retirement, kv1 L_V1's completion and krev its revocation, kv2
 * L_V2's, klate L_LATE_V1's; into c1: kcross_early L_CROSS's.
 */
static size_t kr, kv1, kv2, klate, krev, kcross_early;

static void
build(void)
{
	struct body b;
	size_t v1, v2, v1b, late1, r2;

	assert_int_equal(sample_chain_genesis(&c0, &fed), 0);
	module_body(&b, "RET-1", BODY_MODULE_PUBLISH);
	v1 = add(&c0, &b);
	module_body(&b, "RET-1", BODY_MODULE_UPDATE);
	v2 = add(&c0, &b);
	completion_body(&b, c0.id[v1], L_V1);
	kv1 = add(&c0, &b);
	completion_body(&b, c0.id[v2], L_V2);
	kv2 = add(&c0, &b);
	retire_body(&b, "RET-1");
	kr = add(&c0, &b);
	completion_body(&b, c0.id[v1], L_LATE_V1);
	klate = late1 = add(&c0, &b);
	completion_body(&b, c0.id[v2], L_LATE_V2);
	(void)add(&c0, &b);
	module_body(&b, "RET-2", BODY_MODULE_PUBLISH);
	r2 = add(&c0, &b);
	completion_body(&b, c0.id[r2], L_RET2);
	(void)add(&c0, &b);
	/* Revoking what does not count changes nothing; L_V1's is revoked. */
	revoke_body(&b, c0.id[late1]);
	(void)add(&c0, &b);
	revoke_body(&b, c0.id[kv1]);
	krev = add(&c0, &b);
	assert_int_equal(c0.seq, 12);

	sample_chain_init(&c1, 1);
	module_body(&b, "RET-1", BODY_MODULE_PUBLISH);
	v1b = add(&c1, &b);
	completion_body(&b, c1.id[v1b], L_OWN1);
	(void)add(&c1, &b);
	completion_body(&b, c0.id[v2], L_CROSS);
	kcross_early = add(&c1, &b);
	completion_body(&b, c0.id[v1], L_CROSS_LATE);
	(void)add(&c1, &b);
	assert_int_equal(c1.seq, 4);
}

static struct store *
fresh(const struct store_opts *opts)
{
	struct store *st;
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/s%d", base, ndirs++);
	assert_int_equal(store_create(dir, c0.buf[0], c0.len[0], NULL), 0);
	assert_int_equal(store_open(dir, opts, &st), 0);
	return st;
}

/* Events [from, to) of c as one batch, each stored. */
static void
deliver(struct store *st, const struct sample_chain *c, size_t from,
    size_t to)
{
	static struct store_item items[SAMPLE_CHAIN_MAX];
	struct store_outcome out[SAMPLE_CHAIN_MAX];
	size_t i;

	assert_true(from < to && to <= c->seq);
	for (i = from; i < to; i++) {
		assert_int_equal(ev_decode(c->buf[i], c->len[i], fed.fed_id,
		    &items[i - from].ev, NULL, NULL), 0);
		memcpy(items[i - from].key, fed.pk[c->author], 32);
	}
	assert_int_equal(store_append(st, items, to - from, out), 0);
	for (i = from; i < to; i++)
		if (out[i - from].result != STORE_STORED)
			fail_msg("author %zu seq %zu: result %d (%s)", c->author,
			    i + 1, out[i - from].result,
			    i40_strerror(out[i - from].code));
}

struct seen {
	size_t n;
	int revoked;
};

static int
seen_one(void *arg, const struct store_completion *c)
{
	struct seen *s = arg;

	s->n++;
	s->revoked |= c->revoked;
	return 0;
}

/* Each learner's completions count (and are revoked) as want[] says. */
static void
check_ledger(struct store *st, const char *order)
{
	uint8_t learner[16];
	struct seen s;
	int l, got;

	for (l = 1; l < L_COUNT; l++) {
		memset(learner, l, sizeof(learner));
		memset(&s, 0, sizeof(s));
		assert_int_equal(store_completions(st, STORE_BY_LEARNER,
		    learner, seen_one, &s), 0);
		got = s.n == 0 ? 0 : s.revoked ? 2 : 1;
		if (s.n > 1 || got != want[l])
			fail_msg("%s: learner %d has %zu counting completion(s)"
			    "%s, want %s", order, l, s.n, s.revoked ?
			    " (revoked)" : "", want[l] == 0 ? "none" :
			    want[l] == 2 ? "one, revoked" : "one");
	}
	assert_int_equal(store_rebuild(st), 0);
}

/* store_completion_get: one completion by id, and who revoked it. */
static void
check_get(struct store *st)
{
	struct store_completion c;
	uint8_t by[32], zero[32] = { 0 };

	assert_int_equal(store_completion_get(st, c0.id[kv1], &c, by), 0);
	assert_int_equal(c.revoked, 1);
	assert_int_equal(c.seq, kv1 + 1);
	assert_memory_equal(c.author, fed.pk[0], 32);
	assert_memory_equal(by, c0.id[krev], 32);
	assert_int_equal(store_completion_get(st, c0.id[kv2], &c, by), 0);
	assert_int_equal(c.revoked, 0);
	assert_memory_equal(by, zero, 32);
	assert_int_equal(store_completion_get(st, c0.id[kv2], &c, NULL), 0);
	/* Stored, but counting not: after the retirement; another's module. */
	assert_int_equal(store_completion_get(st, c0.id[klate], &c, by),
	    I40_E_NOT_FOUND);
	assert_int_equal(store_completion_get(st, c1.id[kcross_early], &c,
	    by), I40_E_NOT_FOUND);
	/* No completion at all: a module version; no event at all. */
	assert_int_equal(store_completion_get(st, c0.id[kr], &c, by),
	    I40_E_NOT_FOUND);
	assert_int_equal(store_completion_get(st, zero, &c, by),
	    I40_E_NOT_FOUND);
}

static void
test_retired_in_every_order(void **state)
{
	struct store_opts merge_often = { .tail_min = 1, .tail_max = 1 };
	uint8_t root[32], first[32];
	struct store *st;
	size_t i;
	int k;

	(void)state;
	build();
	for (k = 0; k < 6; k++) {
		st = fresh(k == 2 ? &merge_often : NULL);
		switch (k) {
		case 0:		/* log by log */
			deliver(st, &c0, 1, c0.seq);
			deliver(st, &c1, 0, c1.seq);
			break;
		case 1:		/* the other author first */
			deliver(st, &c1, 0, c1.seq);
			deliver(st, &c0, 1, c0.seq);
			break;
		case 2:		/* one event a batch, interleaved, merging */
			for (i = 1; i < c0.seq; i++) {
				deliver(st, &c0, i, i + 1);
				if (i - 1 < c1.seq)
					deliver(st, &c1, i - 1, i);
			}
			break;
		case 3:		/* cut at the retirement, other author between */
			deliver(st, &c0, 1, kr);
			deliver(st, &c1, 0, c1.seq);
			deliver(st, &c0, kr, c0.seq);
			break;
		case 4:		/* the retirement alone, cross results around */
			deliver(st, &c1, 0, kcross_early + 1);
			deliver(st, &c0, 1, kr);
			deliver(st, &c0, kr, kr + 1);
			deliver(st, &c1, kcross_early + 1, c1.seq);
			deliver(st, &c0, kr + 1, c0.seq);
			break;
		default:	/* one batch of both logs */
			deliver(st, &c0, 1, c0.seq);
			deliver(st, &c1, 0, c1.seq);
			break;
		}
		check_get(st);
		check_ledger(st, k == 0 ? "log by log" : k == 1 ?
		    "other author first" : k == 2 ? "one a batch" : k == 3 ?
		    "cut at the retirement" : k == 4 ? "retirement alone" :
		    "again");
		assert_int_equal(store_state_root(st, root), 0);
		if (k == 0)
			memcpy(first, root, 32);
		else
			assert_memory_equal(root, first, 32);
		store_close(st);
	}
}

/*
 * A member whose events were stored before its admission: the admission
 * derives everything again (docs/store.md), and the rule holds there too.
 */
static void
test_retired_before_admission(void **state)
{
	struct sample_fed other;
	struct sample_chain cp, ce2, ce3, cn;
	struct store *st;
	struct body b;
	uint8_t learner[16];
	struct seen s;
	size_t v, prop, i;

	(void)state;
	/* Keys 0..3 are fed's; key 4 is in no charter. */
	assert_int_equal(sample_fed_init(&other, 5), 0);
	memcpy(other.fed_id, fed.fed_id, 32);
	st = fresh(NULL);
	sample_chain_init(&cn, 4);
	module_body(&b, "NEW-1", BODY_MODULE_PUBLISH);
	assert_int_equal(sample_chain_next(&cn, &other, &b, &v), 0);
	completion_body(&b, cn.id[v], 21);
	assert_int_equal(sample_chain_next(&cn, &other, &b, &i), 0);
	retire_body(&b, "NEW-1");
	assert_int_equal(sample_chain_next(&cn, &other, &b, &i), 0);
	completion_body(&b, cn.id[v], 22);
	assert_int_equal(sample_chain_next(&cn, &other, &b, &i), 0);

	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_PROPOSE;
	memcpy(b.u.member.key, other.pk[4], 32);
	assert_int_equal(key_transport_card(other.keys[4], b.u.member.transport,
	    b.u.member.transport_sig), 0);
	b.u.member.role.p = (const uint8_t *)"member";
	b.u.member.role.len = 6;
	b.u.member.schac.p = (const uint8_t *)"oru.se";
	b.u.member.schac.len = 6;
	b.u.member.country.p = (const uint8_t *)"SE";
	b.u.member.country.len = 2;
	b.u.member.name_en.p = b.u.member.name_sv.p = (const uint8_t *)"ORU";
	b.u.member.name_en.len = b.u.member.name_sv.len = 3;
	b.u.member.endpoint.p = (const uint8_t *)"tcp://oru.se:7400";
	b.u.member.endpoint.len = 17;
	sample_chain_init(&cp, 1);
	prop = add(&cp, &b);
	deliver(st, &cp, 0, 1);
	/* Known by the proposal: stored, counting for nothing yet. */
	{
		struct store_item items[4];
		struct store_outcome out[4];

		for (i = 0; i < 4; i++) {
			assert_int_equal(ev_decode(cn.buf[i], cn.len[i],
			    fed.fed_id, &items[i].ev, NULL, NULL), 0);
			memcpy(items[i].key, other.pk[4], 32);
		}
		assert_int_equal(store_append(st, items, 4, out), 0);
		for (i = 0; i < 4; i++)
			assert_int_equal(out[i].result, STORE_STORED);
	}
	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_ENDORSE;
	memcpy(b.u.endorse.proposal, cp.id[prop], 32);
	sample_chain_init(&ce2, 2);
	sample_chain_init(&ce3, 3);
	(void)add(&ce2, &b);
	(void)add(&ce3, &b);
	deliver(st, &ce2, 0, 1);
	deliver(st, &ce3, 0, 1);
	/* Admitted: its result before the retirement counts, the later not. */
	memset(learner, 21, sizeof(learner));
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_completions(st, STORE_BY_LEARNER, learner,
	    seen_one, &s), 0);
	assert_int_equal(s.n, 1);
	memset(learner, 22, sizeof(learner));
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_completions(st, STORE_BY_LEARNER, learner,
	    seen_one, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	sample_chain_free(&cn);
	sample_chain_free(&cp);
	sample_chain_free(&ce2);
	sample_chain_free(&ce3);
	sample_fed_free(&other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retired_in_every_order),
		cmocka_unit_test(test_retired_before_admission),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
