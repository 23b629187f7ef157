/*
 * test_msg.c: sync and control messages: round trip of every type, the
 * version-vector rule, bounds, and rejections with their codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/msg.h"

static struct msg m, d;
static uint8_t buf[MSG_MAX_BYTES + 16], again[MSG_MAX_BYTES + 16];

static struct codec_bytes
lit(const char *s)
{
	struct codec_bytes x = { (const uint8_t *)s, strlen(s) };

	return x;
}

static void
heads(struct msg_heads *v, uint32_t n)
{
	uint32_t i;

	v->nheads = n;
	for (i = 0; i < n; i++) {
		memset(v->heads[i].author, (int)i + 1, 32);
		v->heads[i].seq = 1 + i * 1000;
		memset(v->heads[i].id, 0xa0 + (int)i, 32);
	}
}

static void
fill(uint32_t type)
{
	static const uint8_t ev[] = { 0x92, 0x90, 0xc4, 0x00 };
	uint32_t i;

	memset(&m, 0, sizeof(m));
	m.type = type;
	switch (type) {
	case MSG_HELLO:
		memset(m.u.hello.fed_id, 9, 32);
		m.u.hello.version = MSG_PROTOCOL_VERSION;
		heads(&m.u.hello.v, 13);
		break;
	case MSG_WANT:
		memset(m.u.want.author, 2, 32);
		m.u.want.from = 1001;
		m.u.want.count = MSG_MAX_EVENTS;
		break;
	case MSG_EVENTS:
		m.u.events.nev = 3;
		for (i = 0; i < 3; i++) {
			m.u.events.ev[i].p = ev;
			m.u.events.ev[i].len = sizeof(ev);
		}
		break;
	case MSG_NOTIFY:
		heads(&m.u.notify, 1);
		break;
	case MSG_FORK:
		m.u.fork.a.p = m.u.fork.b.p = ev;
		m.u.fork.a.len = m.u.fork.b.len = sizeof(ev);
		break;
	case MSG_ERROR:
		m.u.error.code = I40_E_SIG;
		m.u.error.text = lit("signature does not verify");
		break;
	case MSG_APPEND:
		m.u.append.type = 10;
		m.u.append.body = lit("\x80");
		break;
	case MSG_APPENDED:
		memset(m.u.appended.id, 4, 32);
		m.u.appended.seq = 42;
		break;
	case MSG_STATUS_REPLY:
		m.u.status.node = lit("hh.se");
		m.u.status.seq = 12;
		m.u.status.events = 100000;
		m.u.status.authors = 13;
		m.u.status.signing = lit("waiting");
		m.u.status.why = lit("2 of the 12 other members have confirmed this node's head");
		m.u.status.peers = 12;
		memset(m.u.status.author, 1, 32);
		memset(m.u.status.log_root, 2, 32);
		memset(m.u.status.state_root, 3, 32);
		break;
	case MSG_PEERS_REPLY:
		m.u.peers.npeers = 2;
		for (i = 0; i < 2; i++) {
			memset(m.u.peers.peers[i].key, 5 + (int)i, 32);
			m.u.peers.peers[i].state = lit(i ? "refused" : "up");
			m.u.peers.peers[i].behind = i * 7;
			m.u.peers.peers[i].ahead = i * 5;
			m.u.peers.peers[i].last_ms = 1795000000000;
			m.u.peers.peers[i].endpoint = lit("tcp://10.1.2.3:7400");
		}
		break;
	default:
		break;
	}
}

static const uint32_t all[] = { MSG_HELLO, MSG_WANT, MSG_EVENTS, MSG_NOTIFY,
    MSG_FORK, MSG_ERROR, MSG_APPEND, MSG_STATUS, MSG_PEERS, MSG_SYNC,
    MSG_APPENDED, MSG_STATUS_REPLY, MSG_PEERS_REPLY, MSG_OK };

static void
test_roundtrip_every_type(void **state)
{
	size_t i, len, len2;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		fill(all[i]);
		assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, NULL),
		    0);
		assert_int_equal(msg_decode(buf, len, &d, NULL), 0);
		assert_int_equal(d.type, all[i]);
		assert_non_null(msg_type_name(all[i]));
		assert_int_equal(msg_encode(&d, again, sizeof(again), &len2,
		    NULL), 0);
		assert_int_equal(len, len2);
		assert_memory_equal(buf, again, len);
	}
	fill(MSG_HELLO);
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, NULL), 0);
	assert_int_equal(msg_decode(buf, len, &d, NULL), 0);
	assert_int_equal(d.u.hello.v.nheads, 13);
	assert_int_equal(d.u.hello.v.heads[12].seq, 12001);
}

static void
test_version_vector_is_a_set(void **state)
{
	struct codec_err err;
	size_t len;

	(void)state;
	fill(MSG_HELLO);
	m.u.hello.v.heads[3].author[0] = 0xff;	/* out of order */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err),
	    I40_E_KEY_ORDER);
	fill(MSG_NOTIFY);
	heads(&m.u.notify, 2);
	memcpy(m.u.notify.heads[1].author, m.u.notify.heads[0].author, 32);
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err),
	    I40_E_KEY_ORDER);
	assert_string_equal(err.field, "heads.author");
	fill(MSG_NOTIFY);
	m.u.notify.nheads = 0;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err),
	    I40_E_EMPTY);
	fill(MSG_PEERS_REPLY);
	m.u.peers.npeers = 0;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err), 0);
}

static void
test_bounds(void **state)
{
	struct codec_err err;
	size_t len;

	(void)state;
	fill(MSG_WANT);
	m.u.want.count = 0;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err),
	    I40_E_RANGE);
	assert_string_equal(err.field, "want.count");
	m.u.want.count = MSG_MAX_EVENTS + 1;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err),
	    I40_E_RANGE);
	m.u.want.count = 1;
	m.u.want.from = 0;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err),
	    I40_E_RANGE);
	fill(MSG_EVENTS);
	m.u.events.nev = MSG_MAX_EVENTS + 1;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err),
	    I40_E_TOO_LONG);
	fill(MSG_EVENTS);
	m.u.events.nev = 0;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err),
	    I40_E_EMPTY);
	fill(MSG_ERROR);
	m.u.error.code = 5;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err),
	    I40_E_RANGE);
	fill(MSG_PEERS_REPLY);
	m.u.peers.peers[1].state = lit("sleepy");
	assert_int_equal(msg_encode(&m, buf, sizeof(buf), &len, &err),
	    I40_E_VALUE);
	assert_string_equal(err.field, "peers.state");
	fill(MSG_HELLO);
	assert_int_equal(msg_encode(&m, buf, 20, &len, &err), I40_E_BUFFER);
	assert_int_equal(msg_decode(buf, MSG_MAX_BYTES + 1, &d, &err),
	    I40_E_TOO_BIG);
}

static void
test_raw_rejections(void **state)
{
	static const struct {
		const uint8_t in[12];
		size_t len;
		int rc;
		const char *what;
	} rows[] = {
		{ { 0x91, 0x07 }, 2, I40_E_MSG_TYPE, "unknown type 7" },
		{ { 0x91, 0xcd, 1, 0 }, 4, I40_E_MSG_TYPE, "type 256" },
		{ { 0x90 }, 1, I40_E_EMPTY, "no type at all" },
		{ { 0x91, 0xa1, 'x' }, 3, I40_E_TYPE, "type is a string" },
		{ { 0x92, 0x11, 0x00 }, 3, I40_E_UNKNOWN_FIELD,
		    "STATUS with an extra element" },
		{ { 0x92, 0x02, 0x00 }, 3, I40_E_MISSING_FIELD,
		    "WANT cut short" },
		{ { 0x91, 0x11 }, 2, 0, "STATUS" },
		{ { 0x91, 0x11, 0x00 }, 3, I40_E_TRAILING, "STATUS + byte" },
		{ { 0x91, 0xcc, 0x11 }, 3, I40_E_NONCANON_INT,
		    "type in a long form" },
		{ { 0x81, 0xa1, 'a', 0x01 }, 4, I40_E_TYPE, "a map" },
		{ { 0x92, 0x03, 0x91, 0xc4, 0x00 }, 5, I40_E_EMPTY,
		    "EVENTS with an empty event" },
	};
	struct codec_err err;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		rc = msg_decode(rows[i].in, rows[i].len, &d, &err);
		if (rc != rows[i].rc)
			fail_msg("%s: got %s, want %s", rows[i].what,
			    rc ? i40_errname(rc) : "ok",
			    rows[i].rc ? i40_errname(rows[i].rc) : "ok");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_version_vector_is_a_set),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_raw_rejections),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
