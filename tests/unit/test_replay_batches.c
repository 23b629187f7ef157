/*
 * test_replay_batches.c: the replay (tools/ctl_replay.c) verifies one
 * batch while the batch before is being stored, with the keys already
 * stored.  A key_rotate in the batch before changes the key of what
 * follows: then the next batch must wait and be verified with the new key.
 * The rotation here is the last event of a full batch; the first event of
 * the next one is signed with the old key (refused: the key is rotated
 * out) or with the new one (stored).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/body.h"
#include "protocol/event.h"
#include "protocol/export.h"
#include "store/store.h"
#include "tests/lib/sample.h"
#include "tools/ctl_replay.h"

/* ctl_replay's batch: the rotation is the last event of the first one. */
#define ROTATE_AT 4096
#define LAST (ROTATE_AT + 4)

static struct sample_fed fed;		/* the founders' charter */
static struct sample_fed all;		/* every key, fed's fed_id */
static struct sample_fed rotf;		/* key 0 signing with key 3 */
static char base[] = "/tmp/i40-test-replay-XXXXXX";
static uint8_t *ev[LAST + 1];		/* ev[seq], seq 1 the genesis */
static size_t evl[LAST + 1];
static uint8_t before[EV_ID_BYTES];	/* the rotation's id */

static int
setup(void **state)
{
	struct sample_rng r;
	struct body *b;
	uint8_t buf[EV_MAX_BYTES], prev[EV_ID_BYTES];
	uint64_t seq;
	int rc = 0;

	(void)state;
	if (sample_scratch_init(&fed, 2, base) != 0 ||
	    sample_fed_init(&all, 4) != 0 ||
	    (b = malloc(sizeof(*b))) == NULL)
		return -1;
	memcpy(all.fed_id, fed.fed_id, 32);
	rotf = all;
	rotf.keys[0] = all.keys[3];
	sample_seed(&r, 1);
	for (seq = 1; seq < ROTATE_AT && rc == 0; seq++) {
		rc = seq == 1 ? sample_event(&fed, 0, 1, NULL, BODY_GENESIS, &r,
		    buf, sizeof(buf), &evl[seq], prev) :
		    sample_counting_event(&all, 0, seq, prev,
		    BODY_MODULE_PUBLISH, NULL, &r, buf, sizeof(buf), &evl[seq],
		    prev);
		if (rc == 0 && (ev[seq] = malloc(evl[seq])) != NULL)
			memcpy(ev[seq], buf, evl[seq]);
		else
			rc = -1;
	}
	if (rc != 0 || body_rotate_make(fed.fed_id, all.pk[0], all.keys[3],
	    b) != 0 || sample_sign_body(&all, 0, ROTATE_AT, prev, b, buf,
	    sizeof(buf), &evl[ROTATE_AT], before) != 0 ||
	    (ev[ROTATE_AT] = malloc(evl[ROTATE_AT])) == NULL)
		rc = -1;
	else
		memcpy(ev[ROTATE_AT], buf, evl[ROTATE_AT]);
	free(b);
	return rc;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i <= LAST; i++)
		free(ev[i]);
	sample_fed_free(&all);
	sample_scratch_free(&fed, base);
	return 0;
}

struct seen {
	enum store_result result[LAST + 1];	/* by seq */
	int code[LAST + 1];
};

static void
on_event(void *arg, const struct store_item *it, uint64_t at,
    enum store_result result, int code)
{
	struct seen *s = arg;

	(void)at;
	if (it->ev.h.seq >= 1 && it->ev.h.seq <= LAST) {
		s->result[it->ev.h.seq] = result;
		s->code[it->ev.h.seq] = code;
	}
}

/*
 * The events after the rotation signed by f (the old key or the new), an
 * export file of the whole log replayed into a fresh store; what it made
 * of each event.
 */
static void
replay(const struct sample_fed *f, const char *name, struct seen *seen,
    struct ctl_replay_stats *s)
{
	struct ctl_replay_hooks hooks = { seen, NULL, on_event, NULL };
	struct exp_writer w;
	struct store *st;
	struct sample_rng r;
	char path[200], dir[200], why[300];
	uint8_t buf[EV_MAX_BYTES], prev[EV_ID_BYTES], root[32];
	size_t len;
	uint64_t seq;
	FILE *in;

	snprintf(path, sizeof(path), "%s/%s.i40x", base, name);
	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	memset(&w, 0, sizeof(w));
	memset(root, 0, sizeof(root));
	assert_non_null(w.f = fopen(path, "wb"));
	assert_int_equal(exp_write_begin(&w, w.f, ev[1], evl[1]), 0);
	for (seq = 1; seq <= ROTATE_AT; seq++)
		assert_int_equal(exp_write_event(&w, ev[seq], evl[seq]), 0);
	memcpy(prev, before, sizeof(prev));
	sample_seed(&r, 7);
	for (; seq <= LAST; seq++) {
		assert_int_equal(sample_counting_event(f, 0, seq, prev,
		    BODY_MODULE_PUBLISH, NULL, &r, buf, sizeof(buf), &len,
		    prev), 0);
		assert_int_equal(exp_write_event(&w, buf, len), 0);
	}
	assert_int_equal(exp_write_end(&w, root), 0);
	assert_int_equal(fclose(w.f), 0);

	memset(seen, 0, sizeof(*seen));
	assert_int_equal(store_create(dir, ev[1], evl[1], NULL), 0);
	assert_int_equal(store_open(dir, NULL, &st), 0);
	assert_non_null(in = fopen(path, "rb"));
	if (ctl_replay(st, in, path, 2, 0, &hooks, s, why, sizeof(why)) != 0)
		fail_msg("ctl_replay: %s", why);
	fclose(in);
	store_close(st);
	assert_int_equal(s->events, LAST);
}

/* The first event after the batch of the rotation, with the old key. */
static void
test_old_key_after_a_rotation_is_refused(void **state)
{
	struct ctl_replay_stats s;
	struct seen *seen = malloc(sizeof(*seen));

	(void)state;
	assert_non_null(seen);
	replay(&all, "old", seen, &s);
	assert_int_equal(seen->result[ROTATE_AT], STORE_STORED);
	assert_int_equal(seen->result[ROTATE_AT + 1], STORE_INVALID);
	assert_int_equal(seen->code[ROTATE_AT + 1], I40_E_SIG);
	/* The genesis was the store's already; nothing after the refusal. */
	assert_int_equal(s.stored, ROTATE_AT - 1);
	assert_int_equal(s.refused, LAST - ROTATE_AT);
	free(seen);
}

static void
test_new_key_after_a_rotation_is_stored(void **state)
{
	struct ctl_replay_stats s;
	struct seen *seen = malloc(sizeof(*seen));
	uint64_t seq;

	(void)state;
	assert_non_null(seen);
	replay(&rotf, "new", seen, &s);
	for (seq = ROTATE_AT; seq <= LAST; seq++)
		assert_int_equal(seen->result[seq], STORE_STORED);
	assert_int_equal(s.stored, LAST - 1);
	assert_int_equal(s.refused, 0);
	free(seen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_key_after_a_rotation_is_refused),
		cmocka_unit_test(test_new_key_after_a_rotation_is_stored),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
