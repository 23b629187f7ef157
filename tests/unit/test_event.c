/*
 * test_event.c: signed events: round trip of every type, the header rules,
 * the property decode(encode(e)) == e over random events, and tampering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/event.h"
#include "tests/lib/sample.h"

static struct sample_fed fed;
static uint8_t buf[EV_MAX_BYTES + 64];
static struct body body;

static int
setup(void **state)
{
	(void)state;
	return sample_fed_init(&fed, 4) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	sample_fed_free(&fed);
	return 0;
}

static void
test_roundtrip_every_type(void **state)
{
	struct sample_rng r;
	struct ev_signed e;
	struct codec_err err;
	uint8_t id[32], prev[32] = { 0 }, again[EV_MAX_BYTES + 64];
	size_t i, len, len2;

	(void)state;
	sample_seed(&r, 1);
	for (i = 0; i < sample_ntypes; i++) {
		uint64_t seq = sample_types[i] == BODY_GENESIS ? 1 : 7;

		memset(prev, 0xab, sizeof(prev));
		assert_int_equal(sample_event(&fed, 1, seq, prev,
		    sample_types[i], &r, buf, sizeof(buf), &len, id), 0);
		assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, &body,
		    &err), 0);
		assert_memory_equal(e.id, id, 32);
		assert_int_equal(e.h.type, sample_types[i]);
		assert_int_equal(e.h.seq, seq);
		assert_int_equal(body.type, sample_types[i]);
		assert_int_equal(ev_verify(&e, e.h.author), 0);
		/* Re-signing the decoded header and body gives the same bytes. */
		assert_int_equal(ev_sign(&e.h, e.body.p, e.body.len,
		    fed.keys[e.h.type == BODY_GENESIS ? 0 : 1], again,
		    sizeof(again), &len2, id), 0);
		assert_int_equal(len2, len);
		assert_memory_equal(again, buf, len);
	}
}

/* Build an event from explicit header values with a fixed body. */
static size_t
make(const struct ev_header *h, uint8_t *out)
{
	struct sample_rng r;
	struct body b;
	char arena[SAMPLE_ARENA];
	uint8_t bbuf[4096], id[32];
	size_t blen, len;
	struct body_ctx ctx = { h->fed_id, h->author };

	sample_seed(&r, 2);
	assert_int_equal(sample_body(&fed, 0, BODY_MODULE_RETIRE, &r, &b,
	    arena), 0);
	assert_int_equal(body_encode(&b, &ctx, bbuf, sizeof(bbuf), &blen,
	    NULL), 0);
	assert_int_equal(ev_sign(h, bbuf, blen, fed.keys[0], out,
	    EV_MAX_BYTES + 64, &len, id), 0);
	return len;
}

static void
base_header(struct ev_header *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->fed_id, fed.fed_id, 32);
	memcpy(h->author, fed.pk[0], 32);
	h->seq = 2;
	memset(h->prev, 1, 32);
	h->time_ms = 1795000000000;
	h->type = BODY_MODULE_RETIRE;
}

static void
test_header_rules(void **state)
{
	struct ev_header h;
	struct ev_signed e;
	struct codec_err err;
	uint8_t other[32];
	size_t len;

	(void)state;
	base_header(&h);
	len = make(&h, buf);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, NULL, &err), 0);

	memset(other, 0x5a, sizeof(other));
	assert_int_equal(ev_decode(buf, len, other, &e, NULL, &err),
	    I40_E_FED_ID);
	assert_string_equal(err.field, "fed_id");

	base_header(&h);
	h.seq = 0;
	len = make(&h, buf);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, NULL, &err),
	    I40_E_SEQ);

	base_header(&h);
	h.seq = 1;
	len = make(&h, buf);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, NULL, &err),
	    I40_E_PREV);
	memset(h.prev, 0, 32);
	len = make(&h, buf);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, NULL, &err), 0);

	base_header(&h);
	h.type = 99;
	len = make(&h, buf);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, NULL, &err),
	    I40_E_EVENT_TYPE);

	/* A body that is valid, but not for the type the header names. */
	base_header(&h);
	h.type = BODY_COMPLETION_REVOKE;
	len = make(&h, buf);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, NULL, &err),
	    I40_E_UNKNOWN_FIELD);
	/* The offset is the event's, pointing at the body's first key. */
	assert_int_equal(buf[err.offset], 0xa4);
	assert_memory_equal(buf + err.offset + 1, "code", 4);

	base_header(&h);
	h.time_ms = EV_TIME_MAX + 1;
	len = make(&h, buf);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, NULL, &err),
	    I40_E_RANGE);
	assert_string_equal(err.field, "time_ms");
}

static void
test_version_and_shape(void **state)
{
	struct ev_header h;
	struct ev_signed e;
	struct codec_err err;
	size_t len;

	(void)state;
	base_header(&h);
	len = make(&h, buf);
	buf[2] = 2;			/* [ [ v=2 ... */
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, NULL, &err),
	    I40_E_VERSION);
	buf[2] = 1;
	buf[0] = 0x93;			/* three elements declared */
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, NULL, &err),
	    I40_E_TRUNCATED);
	buf[0] = 0x92;
	buf[len] = 0x00;		/* trailing byte */
	assert_int_equal(ev_decode(buf, len + 1, fed.fed_id, &e, NULL, &err),
	    I40_E_TRAILING);
	assert_int_equal(ev_decode(buf, EV_MAX_BYTES + 1, fed.fed_id, &e,
	    NULL, &err), I40_E_TOO_BIG);
	buf[len - 66] = 0xc4;
	assert_int_equal(ev_decode(buf, len - 1, fed.fed_id, &e, NULL, &err),
	    I40_E_TRUNCATED);
}

static void
test_second_signature_same_event(void **state)
{
	struct ev_header h;
	struct ev_signed e1, e2;
	uint8_t copy[EV_MAX_BYTES];
	struct key_vector v[KEY_NVECTORS];
	size_t len;

	(void)state;
	/* The id covers the unsigned event only: a changed sig, same id. */
	base_header(&h);
	len = make(&h, buf);
	memcpy(copy, buf, len);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e1, NULL, NULL), 0);
	copy[len - 1] ^= 1;
	assert_int_equal(ev_decode(copy, len, fed.fed_id, &e2, NULL, NULL), 0);
	assert_memory_equal(e1.id, e2.id, 32);
	assert_int_equal(ev_verify(&e1, fed.pk[0]), 0);
	assert_int_equal(ev_verify(&e2, fed.pk[0]), I40_E_SIG);
	/* And two different valid signatures exist for one message. */
	assert_int_equal(key_vectors(v), 0);
	assert_memory_not_equal(v[1].sig, v[2].sig, 64);
}

/* After a key rotation the author stays; the next key signs. */
static void
test_sign_with_rotated_key(void **state)
{
	struct ev_header h;
	struct ev_signed e;
	uint8_t id[32];
	size_t len;

	(void)state;
	base_header(&h);
	memcpy(h.author, fed.pk[0], 32);
	assert_int_equal(ev_sign(&h, (const uint8_t *)"\x81\xa4" "code" "\xa2" "AB",
	    9, fed.keys[3], buf, sizeof(buf), &len, id), 0);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, NULL, NULL), 0);
	assert_memory_equal(e.h.author, fed.pk[0], 32);
	assert_int_equal(ev_verify(&e, fed.pk[3]), 0);
	assert_int_equal(ev_verify(&e, fed.pk[0]), I40_E_SIG);
}

static void
test_genesis_rules(void **state)
{
	struct sample_rng r;
	struct ev_signed e;
	struct ev_header h;
	struct codec_err err;
	uint8_t id[32];
	size_t len;

	(void)state;
	sample_seed(&r, 3);
	assert_int_equal(sample_event(&fed, 0, 1, NULL, BODY_GENESIS, &r, buf,
	    sizeof(buf), &len, id), 0);
	/* Readable before the federation is known, and self-certifying. */
	assert_int_equal(ev_decode(buf, len, NULL, &e, &body, &err), 0);
	assert_memory_equal(e.h.fed_id, fed.fed_id, 32);
	assert_int_equal(body.u.charter.nmembers, 4);

	/* A genesis whose header names another fed_id is refused. */
	memset(&h, 0, sizeof(h));
	memset(h.fed_id, 7, 32);
	memcpy(h.author, fed.pk[0], 32);
	h.seq = 1;
	h.type = BODY_GENESIS;
	assert_int_equal(ev_sign(&h, fed.charter, fed.charter_len, fed.keys[0],
	    buf, sizeof(buf), &len, id), 0);
	assert_int_equal(ev_decode(buf, len, NULL, &e, NULL, &err),
	    I40_E_FED_ID);
	/* Reported at the header's fed_id: [ [ 1, bin8 32 ... */
	assert_int_equal(err.offset, 3);
	assert_string_equal(err.field, "fed_id");
}

/* decode(encode(e)) == e and encode(decode(b)) == b, 10,000 times. */
static void
test_property_random_events(void **state)
{
	uint64_t seed = sample_env_seed();
	struct sample_rng r;
	struct ev_signed e;
	struct codec_err err;
	uint8_t id[32], prev[32], again[EV_MAX_BYTES + 64];
	size_t i, len, len2, author;
	uint32_t type;

	(void)state;
	printf("# property seed %llu (set I40_TEST_SEED to repeat)\n",
	    (unsigned long long)seed);
	sample_seed(&r, seed);
	for (i = 0; i < 10000; i++) {
		type = sample_types[sample_below(&r, sample_ntypes)];
		author = sample_below(&r, fed.nkeys);
		sample_seed(&r, sample_u64(&r));
		for (size_t k = 0; k < 32; k++)
			prev[k] = (uint8_t)sample_u64(&r);
		assert_int_equal(sample_event(&fed, author,
		    1 + sample_below(&r, 1000000), prev, type, &r, buf,
		    sizeof(buf), &len, id), 0);
		if (ev_decode(buf, len, fed.fed_id, &e, &body, &err) != 0)
			fail_msg("event %zu (type %u) rejected: %s at %s",
			    i, type, i40_strerror(err.code), err.field);
		assert_memory_equal(e.id, id, 32);
		assert_int_equal(ev_sign(&e.h, e.body.p, e.body.len,
		    fed.keys[type == BODY_GENESIS ? 0 : author], again,
		    sizeof(again), &len2, id), 0);
		assert_int_equal(len, len2);
		assert_memory_equal(buf, again, len);
		assert_int_equal(ev_verify(&e, e.h.author), 0);
	}
}

/* Flipping any single bit makes decode or verify fail, for every type. */
static void
test_tamper_every_bit(void **state)
{
	struct sample_rng r;
	struct ev_signed e;
	uint8_t id[32], prev[32];
	size_t t, len, bit;
	int rc;

	(void)state;
	sample_seed(&r, 4);
	memset(prev, 3, sizeof(prev));
	for (t = 0; t < sample_ntypes; t++) {
		assert_int_equal(sample_event(&fed, 2, 5, prev,
		    sample_types[t], &r, buf, sizeof(buf), &len, id), 0);
		for (bit = 0; bit < len * 8; bit++) {
			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			rc = ev_decode(buf, len, fed.fed_id, &e, &body, NULL);
			if (rc == 0)
				rc = ev_verify(&e, sample_types[t] ==
				    BODY_GENESIS ? fed.pk[0] : fed.pk[2]);
			if (rc == 0)
				fail_msg("type %u: flipping bit %zu of %zu "
				    "went unnoticed", sample_types[t], bit,
				    len * 8);
			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_header_rules),
		cmocka_unit_test(test_version_and_shape),
		cmocka_unit_test(test_second_signature_same_event),
		cmocka_unit_test(test_sign_with_rotated_key),
		cmocka_unit_test(test_genesis_rules),
		cmocka_unit_test(test_property_random_events),
		cmocka_unit_test(test_tamper_every_bit),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
