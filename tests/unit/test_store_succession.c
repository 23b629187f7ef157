/*
 * test_store_succession.c: a university's new key succeeds its removed
 * one (docs/protocol.md §12.7): the new key writes the old key's modules
 * and corrects its results, whatever the thief signed after `upto` counts
 * for nothing, a second key of an active member's university waits, the
 * succession waits for the old log up to `upto`, and one set of events
 * gives one state in every delivery order.
 *
 * Five founders (keys 0..4, 3 of 5 admit); key 2 (kth.se) is stolen after
 * its seq 4 and replaced by key 5, proposed with kth.se; key 6 claims
 * chalmers.se, founder 1's, while founder 1 is active.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store.h"
#include "tests/lib/chain.h"
#include "tests/lib/sample.h"

#define FOUNDERS 5
#define KEYS 7
#define ORDERS 20
#define OLD 2		/* the stolen key */
#define NEW 5		/* its successor */
#define SQUAT 6		/* claims an active member's university */
#define UPTO 4		/* the last seq of OLD's log its university vouches for */

static struct sample_fed fed;		/* the founders' charter */
static struct sample_fed all;		/* every key, fed's fed_id */
static char base[] = "/tmp/i40-test-succession-XXXXXX";
static int ndirs;
static struct sample_chain ch[KEYS];
static struct sample_rng rng;
static char arena[SAMPLE_ARENA];

/* The events whose fate the test checks. */
static uint8_t v1[32], v2[32], vb[32], v_again[32];
static uint8_t c1[32], c2[32], c3_thief[32], c4[32], c5[32];

static int
setup(void **state)
{
	(void)state;
	if (sample_scratch_init(&fed, FOUNDERS, base) != 0 ||
	    sample_fed_init(&all, KEYS) != 0)
		return -1;
	memcpy(all.fed_id, fed.fed_id, 32);
	sample_seed(&rng, 42);
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < KEYS; i++)
		sample_chain_free(&ch[i]);
	sample_fed_free(&all);
	sample_scratch_free(&fed, base);
	return 0;
}

static struct store *
fresh(void)
{
	char dir[128];
	struct store *st;

	snprintf(dir, sizeof(dir), "%s/s%d", base, ndirs++);
	assert_int_equal(store_create(dir, ch[0].buf[0], ch[0].len[0], NULL),
	    0);
	assert_int_equal(store_open(dir, NULL, &st), 0);
	return st;
}

static void
emit(size_t a, const struct body *b, uint8_t *id)
{
	size_t i;

	assert_int_equal(sample_chain_next(&ch[a], &all, b, &i), 0);
	if (id != NULL)
		memcpy(id, ch[a].id[i], 32);
}

static void
endorse(size_t a, const uint8_t proposal[32])
{
	size_t i;

	assert_int_equal(sample_chain_endorse(&ch[a], &all, proposal, &i), 0);
}

/* Key `key` proposed as a member by a, with university schac. */
static void
propose_as(size_t a, size_t key, const char *schac, uint8_t id[32])
{
	struct body b;

	assert_int_equal(sample_propose(&all, key, "member", &b, arena), 0);
	b.u.member.schac.p = (const uint8_t *)schac;
	b.u.member.schac.len = strlen(schac);
	emit(a, &b, id);
}

static void
remove_member(size_t a, size_t key, uint64_t upto, uint8_t id[32])
{
	size_t i;

	assert_int_equal(sample_chain_remove(&ch[a], &all, key, upto,
	    "Key stolen; later events are not ours.", &i), 0);
	memcpy(id, ch[a].id[i], 32);
}

static void
module(size_t a, uint32_t type, const char *code, uint8_t id[32])
{
	struct body b;

	assert_int_equal(sample_body(&all, a, type, &rng, &b, arena), 0);
	if (type == BODY_MODULE_RETIRE) {
		b.u.retire.code.p = (const uint8_t *)code;
		b.u.retire.code.len = strlen(code);
	} else {
		b.u.module.code.p = (const uint8_t *)code;
		b.u.module.code.len = strlen(code);
		b.u.module.nprereqs = 0;
		b.u.module.entry_en.len = 0;
		b.u.module.entry_en.p = NULL;
	}
	emit(a, &b, id);
}

static void
complete(size_t a, const uint8_t version[32], uint8_t id[32])
{
	struct body b;

	assert_int_equal(sample_body(&all, a, BODY_COMPLETION_RECORD, &rng, &b,
	    arena), 0);
	memcpy(b.u.completion.module, version, 32);
	emit(a, &b, id);
}

static void
revoke(size_t a, const uint8_t completion[32])
{
	struct body b;

	assert_int_equal(sample_body(&all, a, BODY_COMPLETION_REVOKE, &rng, &b,
	    arena), 0);
	memcpy(b.u.revoke.completion, completion, 32);
	emit(a, &b, NULL);
}

/* Offer events [from, to) of key a's chain as one batch. */
static void
offer(struct store *st, size_t a, size_t from, size_t to)
{
	struct store_outcome out[SAMPLE_CHAIN_MAX];

	assert_int_equal(sample_chain_offer(st, &ch[a], &all, from, to, out),
	    0);
}

static int
member(struct store *st, size_t k, struct store_member *m)
{
	struct store_member *ms;
	size_t n, i;
	int found = 0;

	assert_int_equal(store_members(st, &ms, &n), 0);
	for (i = 0; i < n; i++)
		if (memcmp(ms[i].key, all.pk[k], 32) == 0) {
			*m = ms[i];
			found = 1;
		}
	free(ms);
	return found;
}

/* The catalog's module code: 1 with its owner, version and retired. */
static int
catalog(struct store *st, const char *code, uint8_t owner[32],
    uint8_t version[32], int *retired)
{
	struct store_module *ms;
	size_t n, i;
	int found = 0;

	assert_int_equal(store_modules(st, &ms, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(ms[i].code, code) == 0) {
			assert_false(found);	/* one university has it */
			memcpy(owner, ms[i].author, 32);
			memcpy(version, ms[i].id, 32);
			*retired = ms[i].retired;
			found = 1;
		}
	store_modules_free(ms, n);
	return found;
}

/* 1 and *revoked if completion id counts, 0 if it counts not. */
static int
counts(struct store *st, const uint8_t id[32], int *revoked)
{
	struct store_completion c;
	int rc = store_completion_get(st, id, &c, NULL);

	assert_true(rc == 0 || rc == I40_E_NOT_FOUND);
	*revoked = rc == 0 && c.revoked;
	return rc == 0;
}

/* What the complete set of events must give, on any node. */
static void
check_final(struct store *st)
{
	struct store_member m;
	uint8_t owner[32], ver[32];
	int retired, rv;

	assert_true(member(st, OLD, &m));
	assert_false(m.active);
	assert_int_equal(m.upto, UPTO);
	assert_true(member(st, NEW, &m));
	assert_true(m.active);
	assert_int_equal(m.succession, 2);
	assert_memory_equal(m.succeeds, all.pk[OLD], 32);
	/* The squatter waits while chalmers.se's key is active. */
	assert_false(member(st, SQUAT, &m));
	/* KTH-A: the old key's module, updated by the new key. */
	assert_true(catalog(st, "KTH-A", owner, ver, &retired));
	assert_memory_equal(owner, all.pk[OLD], 32);
	assert_memory_equal(ver, v2, 32);
	assert_false(retired);	/* the thief's retirement counts not */
	/* KTH-B: retired by the new key. */
	assert_true(catalog(st, "KTH-B", owner, ver, &retired));
	assert_memory_equal(ver, vb, 32);
	assert_true(retired);
	assert_true(counts(st, c1, &rv) && !rv);	/* before upto */
	assert_true(counts(st, c2, &rv) && rv);		/* revoked by NEW */
	assert_false(counts(st, c3_thief, &rv));	/* past upto */
	assert_true(counts(st, c4, &rv) && !rv);	/* on NEW's version */
	assert_true(counts(st, c5, &rv) && !rv);	/* on OLD's version */
}

/*
 * The scenario, written in order; then offered with the old key's last
 * vouched-for events held back: the succession waits for them.
 */
static void
test_recovery(void **state)
{
	uint8_t rm[32], adm[32], squat[32], id[32];
	struct store_member m;
	struct store *st;
	int rv;
	size_t i;

	(void)state;
	assert_int_equal(sample_chain_genesis(&ch[0], &fed), 0);
	for (i = 1; i < KEYS; i++)
		sample_chain_init(&ch[i], i);
	/* The university's own events, seq 1..4. */
	module(OLD, BODY_MODULE_PUBLISH, "KTH-A", v1);
	complete(OLD, v1, c1);
	module(OLD, BODY_MODULE_PUBLISH, "KTH-B", vb);
	complete(OLD, vb, c2);
	/* The thief's, seq 5 and 6. */
	module(OLD, BODY_MODULE_RETIRE, "KTH-A", id);
	complete(OLD, v1, c3_thief);
	/* The members remove the key up to 4 and admit the new one. */
	remove_member(0, OLD, UPTO, rm);
	propose_as(0, NEW, "kth.se", adm);
	propose_as(3, SQUAT, "chalmers.se", squat);
	endorse(1, rm);
	endorse(3, rm);
	endorse(1, adm);
	endorse(3, adm);
	endorse(0, squat);
	endorse(4, squat);
	/* The new key carries on. */
	module(NEW, BODY_MODULE_UPDATE, "KTH-A", v2);
	complete(NEW, v2, c4);
	complete(NEW, v1, c5);
	revoke(NEW, c2);
	module(NEW, BODY_MODULE_PUBLISH, "KTH-A", v_again);
	module(NEW, BODY_MODULE_RETIRE, "KTH-B", id);

	/* Everything but the old key's seq 3 and 4. */
	st = fresh();
	offer(st, OLD, 0, 2);
	for (i = 0; i < KEYS; i++)
		if (i != OLD && ch[i].seq > (i == 0))
			offer(st, i, i == 0, ch[i].seq);
	assert_true(member(st, NEW, &m));
	assert_int_equal(m.succession, 1);
	assert_memory_equal(m.succeeds, all.pk[OLD], 32);
	/*
	 * Pending: the new key's update of the old key's module changed
	 * nothing, so the result on that version counts not (yet).
	 */
	assert_false(counts(st, c4, &rv));
	assert_true(counts(st, c1, &rv) && !rv);
	/* The rest of the old log, the thief's part too. */
	offer(st, OLD, 2, ch[OLD].seq);
	check_final(st);
	assert_int_equal(store_rebuild(st), 0);
	check_final(st);
	store_close(st);
}

/* Offer key a's next n pending events; how many were taken. */
static size_t
take(struct store *st, size_t at[KEYS], size_t a, size_t n)
{
	struct store_item items[SAMPLE_CHAIN_MAX];
	struct store_outcome out[SAMPLE_CHAIN_MAX];
	size_t i;

	memset(items, 0, sizeof(items));
	for (i = 0; i < n; i++) {
		assert_int_equal(ev_decode(ch[a].buf[at[a] + i],
		    ch[a].len[at[a] + i], fed.fed_id, &items[i].ev, NULL,
		    NULL), 0);
		memcpy(items[i].key, all.pk[a], 32);
	}
	assert_int_equal(store_append(st, items, n, out), 0);
	for (i = 0; i < n; i++)
		if (out[i].result != STORE_STORED &&
		    out[i].result != STORE_DUPLICATE)
			break;
	at[a] += i;
	return i;
}

static void
deliver(struct sample_rng *r, uint8_t log_root[32], uint8_t state_root[32])
{
	struct store *st = fresh();
	size_t at[KEYS] = { 1, 0, 0, 0, 0, 0, 0 }, a, k, moved;

	do {
		for (k = 0; k < 4 * KEYS; k++) {
			a = (size_t)sample_below(r, KEYS);
			if (at[a] < ch[a].seq)
				(void)take(st, at, a, 1 + (size_t)sample_below(r,
				    ch[a].seq - at[a]));
		}
		for (a = 0, moved = 0; a < KEYS; a++)
			if (at[a] < ch[a].seq)
				moved += take(st, at, a, ch[a].seq - at[a]);
	} while (moved > 0);
	check_final(st);
	assert_int_equal(store_log_root(st, log_root), 0);
	assert_int_equal(store_state_root(st, state_root), 0);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
}

static void
test_orders(void **state)
{
	struct sample_rng r;
	uint8_t lr0[32], sr0[32], lr[32], sr[32];
	uint64_t seed = sample_env_seed();
	int i;

	(void)state;
	assert_true(ch[NEW].seq > 0);	/* test_recovery wrote the events */
	print_message("# order seed %llu (I40_TEST_SEED repeats it)\n",
	    (unsigned long long)seed);
	fprintf(stderr, "# order seed %llu\n", (unsigned long long)seed);
	sample_seed(&r, seed);
	deliver(&r, lr0, sr0);
	for (i = 1; i < ORDERS; i++) {
		deliver(&r, lr, sr);
		assert_memory_equal(lr, lr0, 32);
		assert_memory_equal(sr, sr0, 32);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_orders),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
