/*
 * test_ctl_genesis.c: a genesis event from a JSON charter
 * (tools/ctl_genesis.h): the charter of tests/lib/sample.c written as
 * JSON gives the very same fed_id, the event reads back through ev_decode
 * and verifies, a store accepts it, and every bad charter or signer is
 * refused with its place named.
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
#include "tests/lib/sample.h"
#include "tools/ctl.h"
#include "tools/ctl_genesis.h"

static struct sample_fed fed;	/* 3 founding members */
static struct sample_fed other;	/* keys that are not members */

static int
setup(void **state)
{
	(void)state;
	if (sample_fed_init(&fed, 3) != 0 || sample_fed_init(&other, 6) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sample_fed_free(&fed);
	sample_fed_free(&other);
	return 0;
}

static json_t *
bytes(struct codec_bytes b)
{
	return json_stringn((const char *)b.p, b.len);
}

/* sample.c's charter, written as an operator would write the file. */
static json_t *
sample_charter(void)
{
	struct body *b = malloc(sizeof(*b));
	json_t *c = json_object(), *list = json_array(), *m;
	char hex[65];
	uint32_t i;

	assert_true(b != NULL && c != NULL && list != NULL);
	assert_int_equal(body_decode(BODY_GENESIS, fed.charter,
	    fed.charter_len, NULL, b, NULL), 0);
	json_object_set_new(c, "name", bytes(b->u.charter.name));
	json_object_set_new(c, "created", bytes(b->u.charter.created));
	json_object_set_new(c, "qa", bytes(b->u.charter.qa));
	json_object_set_new(c, "admit_pct",
	    json_integer((json_int_t)b->u.charter.admit_pct));
	for (i = 0; i < b->u.charter.nmembers; i++) {
		const struct body_member *bm = &b->u.charter.members[i];

		m = json_object();
		ctl_hex(bm->key, 32, hex);
		json_object_set_new(m, "key", json_string(hex));
		json_object_set_new(m, "role", bytes(bm->role));
		json_object_set_new(m, "schac", bytes(bm->schac));
		json_object_set_new(m, "org_no", bytes(bm->org_no));
		json_object_set_new(m, "country", bytes(bm->country));
		json_object_set_new(m, "name_en", bytes(bm->name_en));
		json_object_set_new(m, "name_sv", bytes(bm->name_sv));
		json_object_set_new(m, "endpoint", bytes(bm->endpoint));
		{
			char th[65], sh[129];

			ctl_hex(bm->transport, 32, th);
			ctl_hex(bm->transport_sig, 64, sh);
			json_object_set_new(m, "transport", json_string(th));
			json_object_set_new(m, "transport_sig",
			    json_string(sh));
		}
		json_array_append_new(list, m);
	}
	json_object_set_new(c, "members", list);
	free(b);
	return c;
}

static json_t *
member(json_t *c, size_t i)
{
	return json_array_get(json_object_get(c, "members"), i);
}

static void
test_roundtrip(void **state)
{
	uint8_t *ev = malloc(EV_MAX_BYTES), fed_id[32], zero[32] = { 0 };
	char dir[] = "/tmp/i40-test-ctl-genesis-XXXXXX", sub[64];
	struct body *b = malloc(sizeof(*b));
	json_t *c = sample_charter();
	struct store *st;
	struct ctl_err err;
	struct ev_signed e;
	size_t len;

	(void)state;
	assert_true(ev != NULL && b != NULL);
	assert_int_equal(ctl_genesis_build(c, fed.keys[1], 1795000000123, ev,
	    EV_MAX_BYTES, &len, fed_id, &err), 0);
	/* The same charter gives the same federation. */
	assert_memory_equal(fed_id, fed.fed_id, 32);
	assert_int_equal(ev_decode(ev, len, NULL, &e, b, NULL), 0);
	assert_int_equal(ev_verify(&e, fed.pk[1]), 0);
	assert_int_equal(e.h.type, BODY_GENESIS);
	assert_int_equal(e.h.seq, 1);
	assert_memory_equal(e.h.prev, zero, 32);
	assert_memory_equal(e.h.fed_id, fed.fed_id, 32);
	assert_memory_equal(e.h.author, fed.pk[1], 32);
	assert_int_equal(e.h.time_ms, 1795000000123);
	assert_int_equal(e.body.len, fed.charter_len);
	assert_memory_equal(e.body.p, fed.charter, fed.charter_len);
	assert_int_equal(b->u.charter.nmembers, 3);
	/* Again with a key in Z85: the same bytes. */
	{
		char z85[KEY_Z85_LEN + 1];
		uint8_t *ev2 = malloc(EV_MAX_BYTES), id2[32];
		size_t len2;

		assert_non_null(ev2);
		key_z85_encode(fed.pk[2], z85);
		json_object_set_new(member(c, 2), "key", json_string(z85));
		assert_int_equal(ctl_genesis_build(c, fed.keys[1],
		    1795000000123, ev2, EV_MAX_BYTES, &len2, id2, &err), 0);
		assert_int_equal(len2, len);
		assert_memory_equal(ev2, ev, len);
		free(ev2);
	}
	/* A store takes it as its genesis. */
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/node", dir);
	assert_int_equal(store_create(sub, ev, len, NULL), 0);
	assert_int_equal(store_open(sub, NULL, &st), 0);
	assert_memory_equal(store_fed_id(st), fed.fed_id, 32);
	store_close(st);
	sample_rm_rf(dir);
	json_decref(c);
	free(ev);
	free(b);
}

/* A change to the charter (or the signer), the error and place wanted. */
struct bad {
	const char *what;
	int code;
	const char *field;
};

static void
expect(json_t *c, const struct key_secret *k, const struct bad *t)
{
	uint8_t *ev = malloc(EV_MAX_BYTES), fed_id[32];
	struct ctl_err err;
	size_t len = 0;
	int rc;

	assert_non_null(ev);
	memset(&err, 0, sizeof(err));
	rc = ctl_genesis_build(c, k, 1795000000000, ev, EV_MAX_BYTES, &len,
	    fed_id, &err);
	if (rc != t->code || strcmp(err.field, t->field) != 0)
		fail_msg("%s: got %s at \"%s\" (%s), want %s at \"%s\"",
		    t->what, i40_errname(rc), err.field, err.text,
		    i40_errname(t->code), t->field);
	assert_int_equal(len, 0);
	assert_int_equal(err.code, rc);
	free(ev);
}

static void
test_signer(void **state)
{
	static const struct bad stranger = { "a stranger signs",
	    I40_E_UNKNOWN_AUTHOR, "members" };
	static const struct bad observer = { "an observer signs", I40_E_VALUE,
	    "members[1].role" };
	json_t *c = sample_charter();
	uint8_t *ev = malloc(EV_MAX_BYTES), fed_id[32];
	struct ctl_err err;
	char hex[65];
	size_t len;

	(void)state;
	assert_non_null(ev);
	expect(c, other.keys[5], &stranger);
	/* The message says whose key, and what to do. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(ctl_genesis_build(c, other.keys[5], 0, ev,
	    EV_MAX_BYTES, &len, fed_id, &err), I40_E_UNKNOWN_AUTHOR);
	ctl_hex(other.pk[5], 32, hex);
	assert_non_null(strstr(err.text, hex));
	assert_non_null(strstr(err.text, "founding member"));
	json_object_set_new(member(c, 1), "role", json_string("observer"));
	expect(c, fed.keys[1], &observer);
	/* Any real member may sign, even if an observer is listed. */
	assert_int_equal(ctl_genesis_build(c, fed.keys[0], 0, ev, EV_MAX_BYTES,
	    &len, fed_id, &err), 0);
	json_decref(c);
	free(ev);
}

static void
test_bad_charter(void **state)
{
	static const char zero_key[] = "0000000000000000000000000000000000000000"
	    "000000000000000000000000";
	char hex[65];
	json_t *c;
	struct bad t;

	(void)state;
#define CASE(w, code_, field_, change) do {				\
		c = sample_charter();					\
		change;							\
		t.what = w;						\
		t.code = code_;						\
		t.field = field_;					\
		expect(c, fed.keys[0], &t);				\
		json_decref(c);						\
	} while (0)
	CASE("small-order key", I40_E_BAD_KEY, "members[1].key",
	    json_object_set_new(member(c, 1), "key", json_string(zero_key)));
	CASE("63 hex digits", I40_E_VALUE, "members[1].key",
	    json_object_set_new(member(c, 1), "key", json_string(zero_key + 1)));
	CASE("not hex", I40_E_VALUE, "members[2].key",
	    json_object_set_new(member(c, 2), "key", json_string("sixty-four"
	    " characters that are not hex digits, not hex digits....")));
	ctl_hex(fed.pk[0], 32, hex);
	CASE("a key twice", I40_E_VALUE, "members[2].key",
	    json_object_set_new(member(c, 2), "key", json_string(hex)));
	CASE("no endpoint", I40_E_MISSING_FIELD, "members[0].endpoint",
	    json_object_del(member(c, 0), "endpoint"));
	CASE("bad endpoint", I40_E_VALUE, "members[2].endpoint",
	    json_object_set_new(member(c, 2), "endpoint",
	    json_string("tcp://host:0")));
	CASE("unknown member key", I40_E_UNKNOWN_FIELD, "members[0].url",
	    json_object_set_new(member(c, 0), "url", json_string("x")));
	CASE("unknown role", I40_E_VALUE, "members[0].role",
	    json_object_set_new(member(c, 0), "role", json_string("admin")));
	CASE("lowercase country", I40_E_VALUE, "members[1].country",
	    json_object_set_new(member(c, 1), "country", json_string("se")));
	CASE("admit_pct below 50", I40_E_RANGE, "admit_pct",
	    json_object_set_new(c, "admit_pct", json_integer(40)));
	CASE("not a date", I40_E_DATE, "created",
	    json_object_set_new(c, "created", json_string("2026-02-30")));
	CASE("no members", I40_E_EMPTY, "members",
	    json_object_set_new(c, "members", json_array()));
	CASE("a member not an object", I40_E_TYPE, "members[0]",
	    json_array_set_new(json_object_get(c, "members"), 0,
	    json_string("hh.se")));
	CASE("no qa", I40_E_MISSING_FIELD, "qa",
	    json_object_del(c, "qa"));
	CASE("unknown key", I40_E_UNKNOWN_FIELD, "nmae",
	    json_object_set_new(c, "nmae", json_string("x")));
#undef CASE
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_signer),
		cmocka_unit_test(test_bad_charter),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
