/*
 * test_store_member.c: the membership rules of docs/protocol.md §12 in
 * the store: who counts towards an admission or a removal, that observers
 * author nothing, that a removal ends a log at its upto, that a removed
 * key never returns, and that the outcome is the same in every delivery
 * order of one set of events.
 *
 * Five founding members (keys 0..4, so 3 of 5 admit); keys 5, 6 and 7
 * are a regional node, a proposed non-member and an observer.
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
#define KEYS 8
#define ORDERS 20

static struct sample_fed fed;		/* the five founders' charter */
static struct sample_fed all;		/* all eight keys, fed's fed_id */
static char base[] = "/tmp/i40-test-member-XXXXXX";
static int ndirs;

static struct sample_chain ch[KEYS];
static uint8_t prop_k5[32], prop_k6[32], prop_self[32], prop_back[32];

static int
setup(void **state)
{
	(void)state;
	if (sample_scratch_init(&fed, FOUNDERS, base) != 0 ||
	    sample_fed_init(&all, KEYS) != 0)
		return -1;
	memcpy(all.fed_id, fed.fed_id, 32);
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

	snprintf(dir, sizeof(dir), "%s/m%d", base, ndirs++);
	assert_int_equal(store_create(dir, ch[0].buf[0], ch[0].len[0], NULL),
	    0);
	assert_int_equal(store_open(dir, NULL, &st), 0);
	return st;
}

/* Sign b as key a's next event; its id into id if not NULL. */
static size_t
emit(size_t a, const struct body *b, uint8_t *id)
{
	size_t i;

	assert_int_equal(sample_chain_next(&ch[a], &all, b, &i), 0);
	if (id != NULL)
		memcpy(id, ch[a].id[i], 32);
	return i;
}

static void
endorse(size_t a, const uint8_t proposal[32])
{
	size_t i;

	assert_int_equal(sample_chain_endorse(&ch[a], &all, proposal, &i), 0);
}

static void
propose(size_t a, size_t key, const char *role, uint8_t id[32])
{
	static char arena[SAMPLE_ARENA];
	struct body b;

	assert_int_equal(sample_propose(&all, key, role, &b, arena), 0);
	emit(a, &b, id);
}

static void
remove_member(size_t a, size_t key, uint64_t upto, uint8_t id[32])
{
	size_t i;

	assert_int_equal(sample_chain_remove(&ch[a], &all, key, upto,
	    "Leaves the programme.", &i), 0);
	memcpy(id, ch[a].id[i], 32);
}

/* Offer events [from, to) of key a's chain as one batch. */
static void
offer(struct store *st, size_t a, size_t from, size_t to,
    struct store_outcome *out)
{
	assert_int_equal(sample_chain_offer(st, &ch[a], &all, from, to, out),
	    0);
}

/* Key k's member record: 1 and *m if admitted (ever), else 0. */
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

/*
 * The scenario, offered author by author in the order it was written:
 * each step checks what the rules say at that point.
 */
static void
test_who_counts(void **state)
{
	struct store_outcome out[SAMPLE_CHAIN_MAX];
	struct store_member m;
	struct store *st;
	uint8_t prop_obs[32], prop_rm[32], id[32];
	size_t i, at[KEYS] = { 0 };

	(void)state;
	assert_int_equal(sample_chain_genesis(&ch[0], &fed), 0);
	for (i = 1; i < KEYS; i++)
		sample_chain_init(&ch[i], i);
	at[0] = 1;
	st = fresh();
#define FLUSH(a) do { offer(st, (a), at[a], ch[a].seq, out); \
	at[a] = ch[a].seq; } while (0)

	/* 1. Key 0 proposes key 5: its own second vote, and key 1's two,
	 * make 2 of the 3 needed. */
	propose(0, 5, "member", prop_k5);
	endorse(0, prop_k5);
	endorse(1, prop_k5);
	endorse(1, prop_k5);
	FLUSH(0);
	FLUSH(1);
	assert_false(member(st, 5, &m));

	/* 2. Key 6, proposed but not admitted, endorses: no vote. */
	propose(1, 6, "member", prop_k6);
	FLUSH(1);
	endorse(6, prop_k5);
	FLUSH(6);
	assert_int_equal(out[0].result, STORE_STORED);
	assert_false(member(st, 5, &m));
	assert_false(member(st, 6, &m));

	/* 3. Key 7, an admitted observer: its events are refused. */
	propose(2, 7, "observer", prop_obs);
	endorse(3, prop_obs);
	endorse(4, prop_obs);
	FLUSH(2);
	FLUSH(3);
	FLUSH(4);
	assert_true(member(st, 7, &m));
	assert_true(m.observer);
	assert_memory_equal(m.admitted_by, prop_obs, 32);
	endorse(7, prop_k5);
	offer(st, 7, 0, 1, out);
	assert_int_equal(out[0].result, STORE_INVALID);
	assert_int_equal(out[0].code, I40_E_OBSERVER);
	assert_false(member(st, 5, &m));

	/* 4. Key 4 is removed up to its head (seq 1), by four of five (so
	 * that the removal still holds with key 5 admitted, step 7); its
	 * vote after that is stored, as every node stores it, and counts
	 * for nothing. */
	remove_member(2, 4, ch[4].seq, prop_rm);
	endorse(3, prop_rm);
	endorse(1, prop_rm);
	endorse(0, prop_rm);
	FLUSH(2);
	FLUSH(3);
	FLUSH(1);
	FLUSH(0);
	assert_true(member(st, 4, &m));
	assert_false(m.active);
	assert_int_equal(m.upto, 1);
	assert_memory_equal(m.removed_by, prop_rm, 32);
	endorse(4, prop_k5);
	FLUSH(4);
	assert_int_equal(out[0].result, STORE_STORED);
	assert_false(member(st, 5, &m));

	/* 5. Nobody admits itself, however many endorse it. */
	propose(6, 6, "member", prop_self);
	FLUSH(6);
	endorse(1, prop_self);
	endorse(2, prop_self);
	endorse(3, prop_self);
	FLUSH(1);
	FLUSH(2);
	FLUSH(3);
	assert_false(member(st, 6, &m));

	/* 6. A removed key never returns, even with a majority. */
	propose(3, 4, "member", prop_back);
	endorse(1, prop_back);
	endorse(2, prop_back);
	FLUSH(3);
	FLUSH(1);
	FLUSH(2);
	assert_true(member(st, 4, &m));
	assert_false(m.active);

	/* 7. A third member's vote admits key 5, which may then write. */
	endorse(3, prop_k5);
	FLUSH(3);
	assert_true(member(st, 5, &m));
	assert_true(m.active);
	assert_false(m.observer);
	assert_memory_equal(m.admitted_by, prop_k5, 32);
	assert_true(member(st, 4, &m));
	assert_false(m.active);
	propose(5, 7, "observer", id);
	FLUSH(5);
	assert_int_equal(out[0].result, STORE_STORED);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
#undef FLUSH
}

/*
 * A proposal whose card certifies another active member's transport key
 * (key 5 signs a card with key 0's) does not take effect, whatever its
 * support: a transport key names one active member.
 */
static void
test_transport_claimed(void **state)
{
	static char arena[SAMPLE_ARENA];
	static struct sample_chain g[KEYS];
	struct store_outcome out[SAMPLE_CHAIN_MAX];
	struct store_member m;
	struct store *st;
	struct body b;
	uint8_t msg[KEY_CARD_MSG_BYTES], sig0[KEY_SIG_BYTES], prop[32];
	size_t i;

	(void)state;
	memcpy(g, ch, sizeof(g));
	assert_int_equal(sample_chain_genesis(&ch[0], &fed), 0);
	for (i = 1; i < KEYS; i++)
		sample_chain_init(&ch[i], i);
	assert_int_equal(sample_propose(&all, 5, "member", &b, arena), 0);
	/* Key 0's transport key, certified by key 5 for itself. */
	assert_int_equal(key_transport_card(all.keys[0], b.u.member.transport,
	    sig0), 0);
	key_card_msg(all.pk[5], b.u.member.transport, msg);
	key_sign(all.keys[5], msg, sizeof(msg), b.u.member.transport_sig);
	emit(0, &b, prop);
	for (i = 1; i <= 3; i++)
		endorse(i, prop);
	st = fresh();
	for (i = 0; i < KEYS; i++)
		if (ch[i].seq > (i == 0))
			offer(st, i, i == 0, ch[i].seq, out);
	assert_false(member(st, 5, &m));
	store_close(st);
	for (i = 0; i < KEYS; i++)
		sample_chain_free(&ch[i]);
	memcpy(ch, g, sizeof(g));
}

/*
 * A member about to be removed endorses, past its upto, an admission
 * that would raise the threshold of its own removal: the vote counts in
 * no pass, so the admission stays short and the removal takes effect.
 */
static void
test_no_vote_past_upto(void **state)
{
	static struct sample_chain g[KEYS];
	struct store_outcome out[SAMPLE_CHAIN_MAX];
	struct store_member m;
	struct store *st;
	uint8_t rm[32], adm[32];
	size_t i;

	(void)state;
	memcpy(g, ch, sizeof(g));
	assert_int_equal(sample_chain_genesis(&ch[0], &fed), 0);
	for (i = 1; i < KEYS; i++)
		sample_chain_init(&ch[i], i);
	remove_member(1, 4, 0, rm);
	endorse(2, rm);
	endorse(3, rm);
	propose(0, 5, "member", adm);
	endorse(2, adm);
	endorse(4, adm);	/* key 4's seq 1: past its upto 0 */
	st = fresh();
	for (i = 0; i < KEYS; i++)
		if (ch[i].seq > (i == 0))
			offer(st, i, i == 0, ch[i].seq, out);
	assert_false(member(st, 5, &m));
	assert_true(member(st, 4, &m));
	assert_false(m.active);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	for (i = 0; i < KEYS; i++)
		sample_chain_free(&ch[i]);
	memcpy(ch, g, sizeof(g));
}

/*
 * A federation grows from five to seven; then three of the seven (a
 * majority of the five founders, not of the seven) propose removing a
 * fourth, with a proposal whose id sorts before both admissions.  The
 * removal is measured against all seven: it does not take effect.
 */
static void
test_removal_after_growth(void **state)
{
	static struct sample_chain g[KEYS];
	struct store_outcome out[SAMPLE_CHAIN_MAX];
	struct store_member m;
	struct body b;
	struct store *st;
	uint8_t a5[32], a6[32], id[32], buf[EV_MAX_BYTES + 64];
	char reason[32];
	size_t i, len, k;

	(void)state;
	/* The scenario's chains go aside: this one has chains of its own. */
	memcpy(g, ch, sizeof(g));
	assert_int_equal(sample_chain_genesis(&ch[0], &fed), 0);
	for (i = 1; i < KEYS; i++)
		sample_chain_init(&ch[i], i);
	propose(0, 5, "member", a5);
	propose(0, 6, "member", a6);
	for (i = 1; i <= 2; i++) {
		endorse(i, a5);
		endorse(i, a6);
	}
	/* Six members after the first: the second needs four. */
	endorse(3, a5);
	endorse(3, a6);
	/* A removal by key 3 whose id sorts below both admissions. */
	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_REMOVE;
	memcpy(b.u.remove.key, all.pk[4], 32);
	b.u.remove.upto = 0;
	for (k = 0; k < 1000; k++) {
		snprintf(reason, sizeof(reason), "Reason %zu.", k);
		b.u.remove.reason.p = (const uint8_t *)reason;
		b.u.remove.reason.len = strlen(reason);
		assert_int_equal(sample_sign_body(&all, 3, ch[3].seq + 1,
		    ch[3].prev, &b, buf, sizeof(buf), &len, id), 0);
		if (memcmp(id, a5, 32) < 0 && memcmp(id, a6, 32) < 0)
			break;
	}
	assert_true(k < 1000);
	emit(3, &b, id);
	endorse(1, id);
	endorse(2, id);
	st = fresh();
	for (i = 0; i < KEYS; i++)
		if (ch[i].seq > (i == 0))
			offer(st, i, i == 0, ch[i].seq, out);
	assert_true(member(st, 5, &m) && m.active);
	assert_true(member(st, 6, &m) && m.active);
	assert_true(member(st, 4, &m));
	assert_true(m.active);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
	for (i = 0; i < KEYS; i++)
		sample_chain_free(&ch[i]);
	memcpy(ch, g, sizeof(g));
}

/* Offer key a's next n pending events; how many were taken. */
static size_t
take(struct store *st, size_t at[KEYS], size_t a, size_t n)
{
	struct store_outcome out[SAMPLE_CHAIN_MAX];
	size_t i;

	offer(st, a, at[a], at[a] + n, out);
	for (i = 0; i < n; i++)
		if (out[i].result != STORE_STORED &&
		    out[i].result != STORE_DUPLICATE)
			break;
	at[a] += i;
	return i;
}

/*
 * One set of events in a random order: batches of a random author's next
 * events; a refused one (an author not known yet, a gap, past a removal
 * that may yet be undone) is offered again later, as sync does, until a
 * sweep over every author takes nothing more.
 */
static void
deliver(struct sample_rng *r, uint8_t log_root[32], uint8_t state_root[32])
{
	struct store *st = fresh();
	size_t at[KEYS] = { 1, 0, 0, 0, 0, 0, 0, 0 }, a, k, moved;

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
	assert_int_equal(store_log_root(st, log_root), 0);
	assert_int_equal(store_state_root(st, state_root), 0);
	assert_int_equal(store_rebuild(st), 0);
	store_close(st);
}

/* The scenario's events in ORDERS orders: one log root, one state root. */
static void
test_orders(void **state)
{
	struct sample_rng r;
	uint8_t lr0[32], sr0[32], lr[32], sr[32];
	uint64_t seed = sample_env_seed();
	int i;

	(void)state;
	/* test_who_counts wrote the events. */
	assert_true(ch[5].seq > 0);
	print_message("# order seed %llu (I40_TEST_SEED repeats it)\n",
	    (unsigned long long)seed);
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
		cmocka_unit_test(test_who_counts),
		cmocka_unit_test(test_orders),
		cmocka_unit_test(test_removal_after_growth),
		cmocka_unit_test(test_transport_claimed),
		cmocka_unit_test(test_no_vote_past_upto),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
