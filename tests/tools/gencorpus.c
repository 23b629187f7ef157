/*
 * gencorpus.c: write the seed corpora of the fuzz targets in tests/fuzz/.
 *
 *   gencorpus [DIR]      DIR defaults to tests/fuzz/corpus
 *
 * For each target NAME (reader, event, body, msg, msg_hello, msg_events,
 * msg_control) it writes DIR/NAME/<short descriptive name>: valid seeds
 * (signed events of every type from the sample federation, bodies of every
 * type, every message type) and a few interesting invalid ones
 * (non-canonical forms, truncations, allocation bombs such as dd ff ff ff
 * ff).  Everything comes from fixed seeds, so a rerun writes the same
 * bytes; existing files of the same name are overwritten, others are left
 * alone.  Run from the repository root, then commit the result.
 *
 * Input layouts follow the targets: fuzz_body.c takes a type index byte
 * and the body; the msg_* family targets take one byte (family index << 4
 * | element count) and the message after its first two bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "protocol/body.h"
#include "protocol/event.h"
#include "protocol/msg.h"
#include "tests/lib/sample.h"

/* Keep in step with the FED_ID/AUTHOR of fuzz_event.c and fuzz_body.c. */
static const uint8_t FED_ID[32] = {
	0x05, 0x71, 0x65, 0xf0, 0x87, 0x9c, 0x8b, 0xf9,
	0x07, 0x86, 0xf0, 0x8f, 0xa7, 0x6b, 0x69, 0x92,
	0xb0, 0xe4, 0xde, 0x94, 0x00, 0x47, 0xdb, 0x53,
	0x23, 0xa4, 0xcd, 0x63, 0xb1, 0x05, 0x42, 0xd9,
};
#define AUTHOR 1	/* sample member whose key fuzz_body.c uses */
static const uint8_t AUTHOR_PK[32] = {
	0x81, 0x39, 0x77, 0x0e, 0xa8, 0x7d, 0x17, 0x5f,
	0x56, 0xa3, 0x54, 0x66, 0xc3, 0x4c, 0x7e, 0xcc,
	0xcb, 0x8d, 0x8a, 0x91, 0xb4, 0xee, 0x37, 0xa2,
	0x5d, 0xf6, 0x0f, 0x5b, 0x8f, 0xc9, 0xb3, 0x94,
};
#define NKEYS 4

/* The families of the msg_* targets, in the targets' order. */
static const uint8_t fam_hello[] = { MSG_HELLO, MSG_WANT, MSG_NOTIFY,
    MSG_ERROR };
static const uint8_t fam_events[] = { MSG_EVENTS, MSG_FORK };
static const uint8_t fam_control[] = { MSG_APPEND, MSG_STATUS, MSG_PEERS,
    MSG_SYNC, MSG_APPENDED, MSG_STATUS_REPLY, MSG_PEERS_REPLY, MSG_OK,
    MSG_ERROR };
static const struct {
	const char *name;
	const uint8_t *types;
	size_t n;
} families[] = {
	{ "msg_hello", fam_hello, sizeof(fam_hello) },
	{ "msg_events", fam_events, sizeof(fam_events) },
	{ "msg_control", fam_control, sizeof(fam_control) },
};
#define NFAMILIES (sizeof(families) / sizeof(families[0]))

/* Allocation bombs and other tiny headers that claim far too much. */
static const struct {
	const char *name;
	uint8_t b[9];
	size_t len;
} bombs[] = {
	{ "array32-ffffffff", { 0xdd, 0xff, 0xff, 0xff, 0xff }, 5 },
	{ "array32-ff000000", { 0xdd, 0xff, 0x00, 0x00, 0x00 }, 5 },
	{ "array16-ffff", { 0xdc, 0xff, 0xff }, 3 },
	{ "map32-ffffffff", { 0xdf, 0xff, 0xff, 0xff, 0xff }, 5 },
	{ "map16-ffff", { 0xde, 0xff, 0xff, 0xff, 0xff }, 5 },
	{ "bin32-ffffffff", { 0xc6, 0xff, 0xff, 0xff, 0xff }, 5 },
	{ "str32-ffffffff", { 0xdb, 0xff, 0xff, 0xff, 0xff }, 5 },
	{ "nested-array32", { 0x91, 0xdd, 0xff, 0xff, 0xff, 0xff }, 6 },
	{ "nested-bin16", { 0x92, 0x01, 0xc5, 0xff, 0xff }, 5 },
};
#define NBOMBS (sizeof(bombs) / sizeof(bombs[0]))

static const char *root = "tests/fuzz/corpus";
static struct sample_fed fed;
static unsigned nwritten;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("gencorpus: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void
mkdirs(const char *target)
{
	char path[512];
	const char *p;

	snprintf(path, sizeof(path), "%s/%s", root, target);
	/* mkdir -p: each prefix that ends before a '/', then the whole. */
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		path[p - path] = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			die("mkdir %s: %s", path, strerror(errno));
		path[p - path] = '/';
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die("mkdir %s: %s", path, strerror(errno));
}

/* Write one seed: root/target/name. */
static void
put(const char *target, const char *name, const uint8_t *b, size_t len)
{
	char path[512];
	FILE *f;

	if (len > 8192)
		die("%s/%s: %zu bytes, keep seeds small", target, name, len);
	mkdirs(target);
	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	if ((f = fopen(path, "wb")) == NULL)
		die("%s: %s", path, strerror(errno));
	if (fwrite(b, 1, len, f) != len || fclose(f) != 0)
		die("%s: write failed", path);
	nwritten++;
}

/* One byte, then b[0..len): the layout of fuzz_body and the families. */
static void
put_prefixed(const char *target, const char *name, uint8_t first,
    const uint8_t *b, size_t len)
{
	uint8_t buf[8192 + 1];

	if (len > sizeof(buf) - 1)
		die("%s/%s too big", target, name);
	buf[0] = first;
	memcpy(buf + 1, b, len);
	put(target, name, buf, len + 1);
}

/*
 * A whole message: into the msg target, and into its family target(s) as
 * (index << 4 | count) followed by the bytes after the type.
 */
static void
put_msg(const char *name, const uint8_t *b, size_t len, int to_reader)
{
	size_t f, i;

	put("msg", name, b, len);
	if (to_reader)
		put("reader", name, b, len);
	if (len < 2 || (b[0] & 0xf0) != 0x90)
		return;
	for (f = 0; f < NFAMILIES; f++)
		for (i = 0; i < families[f].n; i++)
			if (families[f].types[i] == b[1])
			put_prefixed(families[f].name, name,
				    (uint8_t)(i << 4 | (b[0] & 0x0f)), b + 2,
				    len - 2);
}

static void
encode_msg(const char *name, const struct msg *m, int to_reader)
{
	static uint8_t buf[MSG_MAX_BYTES];
	struct codec_err err;
	size_t len;
	int rc;

	if ((rc = msg_encode(m, buf, sizeof(buf), &len, &err)) != 0)
		die("msg %s: %s at %s", name, i40_strerror(rc), err.field);
	put_msg(name, buf, len, to_reader);
}

/*
 * A message that msg_encode() packs but its own decode check refuses
 * (the packed bytes are in buf all the same): an invalid seed.
 */
static void
encode_bad_msg(const char *name, const struct msg *m, int expect)
{
	static uint8_t buf[MSG_MAX_BYTES];
	size_t len = 0;
	int rc;

	if ((rc = msg_encode(m, buf, sizeof(buf), &len, NULL)) != expect ||
	    len == 0)
		die("msg %s: %s, not %s", name, i40_strerror(rc),
		    i40_strerror(expect));
	put_msg(name, buf, len, 0);
}

/* A copy of b with the bytes ins inserted at off. */
static size_t
splice(uint8_t *out, const uint8_t *b, size_t len, size_t off,
    const uint8_t *ins, size_t inslen)
{
	memcpy(out, b, off);
	memcpy(out + off, ins, inslen);
	memcpy(out + off + inslen, b + off, len - off);
	return len + inslen;
}

/* Signed events, kept for the message seeds. */
#define NEV 16
static uint8_t evbuf[NEV][EV_MAX_BYTES];
static size_t evlen[NEV];
static uint32_t evtype[NEV];
static size_t nev;

static void
gen_events(void)
{
	static uint8_t buf[EV_MAX_BYTES + 64];
	struct sample_rng r;
	uint8_t prev[32], id[32];
	char name[64];
	size_t i, len;
	int rc;

	sample_seed(&r, 0x140f0220);
	memset(prev, 0xab, sizeof(prev));
	for (i = 0; i < sample_ntypes; i++) {
		uint32_t t = sample_types[i];

		rc = sample_event(&fed, AUTHOR, 7, prev, t, &r, evbuf[nev],
		    EV_MAX_BYTES, &evlen[nev], id);
		if (rc != 0)
			die("event %u: %s", t, i40_strerror(rc));
		evtype[nev] = t;
		snprintf(name, sizeof(name), "ev-%s", body_type_name(t));
		put("event", name, evbuf[nev], evlen[nev]);
		if (t == BODY_GENESIS || t == BODY_MODULE_PUBLISH ||
		    t == BODY_KEY_ROTATE)
			put("reader", name, evbuf[nev], evlen[nev]);
		nev++;
	}
	/* More variety where the sample bodies vary most. */
	{
		static const uint32_t more[] = { BODY_MODULE_PUBLISH,
		    BODY_MODULE_UPDATE, BODY_COMPLETION_RECORD,
		    BODY_MODULE_RETIRE };

		for (i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
			rc = sample_event(&fed, 2 + i % 2, 1 + 1000 * i, prev,
			    more[i], &r, evbuf[nev], EV_MAX_BYTES,
			    &evlen[nev], id);
			if (rc != 0)
				die("event %u: %s", more[i], i40_strerror(rc));
			evtype[nev] = more[i];
			snprintf(name, sizeof(name), "ev-%s-2",
			    body_type_name(more[i]));
			put("event", name, evbuf[nev], evlen[nev]);
			nev++;
		}
	}

	/* Invalid: a seed event (module_retire, nev index 7) reshaped. */
	if (evtype[7] != BODY_MODULE_RETIRE)
		die("sample_types changed: update gencorpus.c");
	memcpy(buf, evbuf[7], evlen[7]);
	len = evlen[7];
	put("event", "bad-truncated", buf, len - 1);
	put("event", "bad-truncated-header", buf, 40);
	buf[len] = 0x00;
	put("event", "bad-trailing", buf, len + 1);
	buf[0] = 0x93;
	put("event", "bad-count", buf, len);
	buf[0] = 0x92;
	buf[2] = 0x02;
	put("event", "bad-version", buf, len);
	buf[2] = 0x01;
	/* seq 7 follows 92 98 01 fed_id author; cc 07 is non-canonical. */
	{
		static uint8_t out[EV_MAX_BYTES + 64];
		const uint8_t cc[] = { 0xcc };
		size_t off = 2 + 1 + 34 + 34;

		if (buf[off] != 7)
			die("unexpected event layout");
		put("event", "bad-noncanon-seq", out,
		    splice(out, buf, len, off, cc, 1));
		buf[3 + 2] ^= 0x55;	/* another federation */
		put("event", "bad-fed-id", buf, len);
		buf[3 + 2] ^= 0x55;
		buf[off] = 0;
		put("event", "bad-seq-0", buf, len);
		buf[off] = 7;
		/* The body's map header becomes a map32 claiming 2^32-1. */
		{
			const uint8_t m32[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
			struct ev_signed e;

			if (ev_decode(buf, len, fed.fed_id, &e, NULL,
			    NULL) != 0)
				die("retire seed does not decode");
			off = (size_t)(e.body.p - buf);
			put("event", "bomb-body-map32", out,
			    splice(out, buf, len, off, m32, 5));
		}
	}
	for (i = 0; i < NBOMBS; i++) {
		snprintf(name, sizeof(name), "bomb-%s", bombs[i].name);
		put("event", name, bombs[i].b, bombs[i].len);
	}
}

static void
gen_bodies(void)
{
	static uint8_t buf[EV_MAX_BYTES];
	char arena[SAMPLE_ARENA], name[64];
	struct body_ctx ctx = { fed.fed_id, fed.pk[AUTHOR] };
	struct sample_rng r;
	struct codec_err err;
	struct body *b;
	size_t i, k, len, variants;
	int rc;

	if ((b = malloc(sizeof(*b))) == NULL)
		die("out of memory");
	sample_seed(&r, 0xb0d1e5);
	for (i = 0; i < sample_ntypes; i++) {
		uint32_t t = sample_types[i];

		variants = t == BODY_MODULE_PUBLISH ||
		    t == BODY_MODULE_UPDATE || t == BODY_COMPLETION_RECORD ?
		    4 : 2;
		if (t == BODY_GENESIS)
			variants = 1;
		for (k = 0; k < variants; k++) {
			if ((rc = sample_body(&fed, AUTHOR, t, &r, b,
			    arena)) != 0)
				die("body %u: %s", t, i40_strerror(rc));
			if ((rc = body_encode(b, &ctx, buf, sizeof(buf), &len,
			    &err)) != 0)
				die("body %u: %s at %s", t, i40_strerror(rc),
				    err.field);
			snprintf(name, sizeof(name), "%s-%zu",
			    body_type_name(t), k + 1);
			put_prefixed("body", name, (uint8_t)i, buf, len);
			if (k == 0 && (t == BODY_MEMBER_PROPOSE ||
			    t == BODY_COMPLETION_RECORD)) {
				snprintf(name, sizeof(name), "body-%s",
				    body_type_name(t));
				put("reader", name, buf, len);
			}
		}
		/* Invalid: the last of them truncated by one byte. */
		if (t == BODY_MODULE_RETIRE || t == BODY_COMPLETION_RECORD) {
			snprintf(name, sizeof(name), "bad-%s-truncated",
			    body_type_name(t));
			put_prefixed("body", name, (uint8_t)i, buf, len - 1);
		}
	}
	free(b);
	/* Schema errors a fuzzer needs long to find by itself. */
	{
		/* retire: {"code": "A", "code": "B"}: a duplicate key. */
		static const uint8_t dup[] = { 0x82, 0xa4, 'c', 'o', 'd', 'e',
		    0xa1, 'A', 0xa4, 'c', 'o', 'd', 'e', 0xa1, 'B' };
		/* retire: {"reason": "x", "code": "A"}: keys out of order. */
		static const uint8_t order[] = { 0x82, 0xa6, 'r', 'e', 'a',
		    's', 'o', 'n', 0xa1, 'x', 0xa4, 'c', 'o', 'd', 'e', 0xa1,
		    'A' };
		/* retire: {"zzz": 1, "code": "AB"}: an unknown field. */
		static const uint8_t unknown[] = { 0x82, 0xa3, 'z', 'z', 'z',
		    0x01, 0xa4, 'c', 'o', 'd', 'e', 0xa2, 'A', 'B' };
		/* retire: {"code": d9 01 "A"}: a str8 of length 1. */
		static const uint8_t str8[] = { 0x81, 0xa4, 'c', 'o', 'd',
		    'e', 0xd9, 0x01, 'A' };
		/* retire: {"code": "AB"}, the smallest valid body. */
		static const uint8_t ok[] = { 0x81, 0xa4, 'c', 'o', 'd', 'e',
		    0xa2, 'A', 'B' };
		uint8_t retire = 7;	/* index of BODY_MODULE_RETIRE */

		if (sample_types[retire] != BODY_MODULE_RETIRE)
			die("sample_types changed: update gencorpus.c");
		put_prefixed("body", "bad-dup-key", retire, dup, sizeof(dup));
		put_prefixed("body", "bad-key-order", retire, order,
		    sizeof(order));
		put_prefixed("body", "bad-unknown-field", retire, unknown,
		    sizeof(unknown));
		put_prefixed("body", "bad-str8-short", retire, str8,
		    sizeof(str8));
		put_prefixed("body", "module_retire-min", retire, ok,
		    sizeof(ok));
	}
	for (i = 0; i < NBOMBS; i++) {
		snprintf(name, sizeof(name), "bomb-%s", bombs[i].name);
		put_prefixed("body", name, (uint8_t)(i % sample_ntypes),
		    bombs[i].b, bombs[i].len);
	}
}

/* Authors of the sample federation in ascending order of their keys. */
static void
sorted_heads(struct msg_heads *v, size_t n)
{
	size_t i, j;
	struct msg_head t;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < n; i++) {
		memcpy(v->heads[i].author, fed.pk[i], 32);
		v->heads[i].seq = 1 + 41 * i + (i == 2 ? 100000 : 0);
		memset(v->heads[i].id, (int)(0x10 + i), 32);
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && memcmp(v->heads[j - 1].author,
		    v->heads[j].author, 32) > 0; j--) {
			t = v->heads[j];
			v->heads[j] = v->heads[j - 1];
			v->heads[j - 1] = t;
		}
	v->nheads = (uint32_t)n;
}

static struct codec_bytes
bytes(const void *p, size_t len)
{
	struct codec_bytes b = { p, len };

	return b;
}

static struct codec_bytes
cstr(const char *s)
{
	return bytes(s, strlen(s));
}

static void
gen_msgs(void)
{
	static const uint8_t plain[] = { MSG_STATUS, MSG_PEERS, MSG_SYNC,
	    MSG_OK };
	static uint8_t buf[MSG_MAX_BYTES];
	struct codec_writer w;
	struct msg *m;
	char name[64];
	size_t i, len;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		die("out of memory");

	/* Sync. */
	memset(m, 0, sizeof(*m));
	m->type = MSG_HELLO;
	memcpy(m->u.hello.fed_id, fed.fed_id, 32);
	m->u.hello.version = MSG_PROTOCOL_VERSION;
	sorted_heads(&m->u.hello.v, NKEYS);
	encode_msg("hello", m, 1);
	sorted_heads(&m->u.hello.v, 0);
	encode_bad_msg("bad-hello-empty", m, I40_E_EMPTY);

	memset(m, 0, sizeof(*m));
	m->type = MSG_WANT;
	memcpy(m->u.want.author, fed.pk[2], 32);
	m->u.want.from = 300;
	m->u.want.count = MSG_MAX_EVENTS;
	encode_msg("want", m, 0);

	memset(m, 0, sizeof(*m));
	m->type = MSG_NOTIFY;
	sorted_heads(&m->u.notify, 2);
	encode_msg("notify", m, 0);

	memset(m, 0, sizeof(*m));
	m->type = MSG_ERROR;
	m->u.error.code = I40_E_TOO_BIG;
	m->u.error.text = cstr("encoded event/message over its size limit");
	encode_msg("error", m, 0);
	m->u.error.text = bytes("", 0);
	m->u.error.code = INT64_MIN;
	encode_msg("error-empty", m, 0);

	/* One EVENTS message per event type, and one with three. */
	for (i = 0; i < nev && i < sample_ntypes; i++) {
		memset(m, 0, sizeof(*m));
		m->type = MSG_EVENTS;
		m->u.events.ev[0] = bytes(evbuf[i], evlen[i]);
		m->u.events.nev = 1;
		snprintf(name, sizeof(name), "events-%s",
		    body_type_name(evtype[i]));
		encode_msg(name, m, 0);
	}
	memset(m, 0, sizeof(*m));
	m->type = MSG_EVENTS;
	for (i = 0; i < 3; i++)
		m->u.events.ev[i] = bytes(evbuf[1 + 2 * i], evlen[1 + 2 * i]);
	m->u.events.nev = 3;
	encode_msg("events-3", m, 1);

	/* A fork: two events of one author at one seq (7). */
	memset(m, 0, sizeof(*m));
	m->type = MSG_FORK;
	m->u.fork.a = bytes(evbuf[2], evlen[2]);
	m->u.fork.b = bytes(evbuf[9], evlen[9]);
	encode_msg("fork", m, 1);
	m->u.fork.b = bytes(evbuf[9], evlen[9] - 1);	/* one is broken */
	encode_msg("fork-truncated-event", m, 0);

	/* Control. */
	memset(m, 0, sizeof(*m));
	m->type = MSG_APPEND;
	for (i = 0; i < nev && i < sample_ntypes; i++) {
		struct ev_signed e;

		if (ev_decode(evbuf[i], evlen[i], fed.fed_id, &e, NULL,
		    NULL) != 0)
			die("seed event %zu does not decode", i);
		m->u.append.type = e.h.type;
		m->u.append.body = e.body;
		snprintf(name, sizeof(name), "append-%s",
		    body_type_name(e.h.type));
		encode_msg(name, m, i == 0);
	}
	for (i = 0; i < sizeof(plain); i++) {
		memset(m, 0, sizeof(*m));
		m->type = plain[i];
		encode_msg(msg_type_name(plain[i]), m, 0);
	}
	memset(m, 0, sizeof(*m));
	m->type = MSG_APPENDED;
	memset(m->u.appended.id, 0x5c, 32);
	m->u.appended.seq = 70000;
	encode_msg("appended", m, 0);

	memset(m, 0, sizeof(*m));
	m->type = MSG_STATUS_REPLY;
	m->u.status.seq = 1234;
	m->u.status.node = cstr("hh-node-1");
	m->u.status.peers = 3;
	memcpy(m->u.status.author, fed.pk[0], 32);
	m->u.status.events = 99999;
	m->u.status.authors = 4;
	m->u.status.signing = cstr("waiting");
	m->u.status.why = cstr("2 of the 12 other members have confirmed this node's head");
	memset(m->u.status.log_root, 0x11, 32);
	memset(m->u.status.state_root, 0x22, 32);
	encode_msg("status_reply", m, 1);

	memset(m, 0, sizeof(*m));
	m->type = MSG_PEERS_REPLY;
	encode_msg("peers_reply-empty", m, 0);
	{
		static const char *const states[] = { "up", "connecting",
		    "refused", "down" };

		for (i = 0; i < 4; i++) {
			memcpy(m->u.peers.peers[i].key, fed.pk[i], 32);
			m->u.peers.peers[i].state = cstr(states[i]);
			m->u.peers.peers[i].behind = 7 * i;
			m->u.peers.peers[i].last_ms = UINT64_C(1795000000000) +
			    1000 * i;
			m->u.peers.peers[i].endpoint =
			    cstr(i % 2 ? "tcp://node1.example.se:7401" :
			    "tcp://10.0.0.2:7400");
		}
		m->u.peers.npeers = 4;
	}
	encode_msg("peers_reply", m, 1);

	/* Invalid messages. */
	{
		static const uint8_t unknown_type[] = { 0x91, 0x07 };
		static const uint8_t noncanon_type[] = { 0x91, 0xcc, 0x23 };
		static const uint8_t empty[] = { 0x90 };
		static const uint8_t want_count0[] = { 0x94, 0x02, 0xc4, 0x00,
		    0x01, 0x00 };

		put_msg("bad-unknown-type", unknown_type,
		    sizeof(unknown_type), 0);
		put_msg("bad-noncanon-type", noncanon_type,
		    sizeof(noncanon_type), 0);
		put_msg("bad-empty-array", empty, sizeof(empty), 0);
		put_msg("bad-want-short", want_count0, sizeof(want_count0), 0);
	}
	/* HELLO with its heads out of order, and with one author twice. */
	for (i = 0; i < 2; i++) {
		struct msg_heads v;
		size_t k;

		sorted_heads(&v, 3);
		if (i == 0) {
			struct msg_head t = v.heads[0];

			v.heads[0] = v.heads[1];
			v.heads[1] = t;
		} else {
			v.heads[1] = v.heads[0];
		}
		codec_writer_init(&w, buf, sizeof(buf));
		codec_put_array(&w, 4);
		codec_put_uint(&w, MSG_HELLO);
		codec_put_bin(&w, fed.fed_id, 32);
		codec_put_uint(&w, MSG_PROTOCOL_VERSION);
		codec_put_array(&w, v.nheads);
		for (k = 0; k < v.nheads; k++) {
			codec_put_array(&w, 3);
			codec_put_bin(&w, v.heads[k].author, 32);
			codec_put_uint(&w, v.heads[k].seq);
			codec_put_bin(&w, v.heads[k].id, 32);
		}
		if (codec_writer_finish(&w, &len) != 0)
			die("hello");
		put_msg(i == 0 ? "bad-hello-order" : "bad-hello-dup", buf, len,
		    0);
	}
	/* EVENTS whose event count claims 2^32-1 (array32). */
	{
		static const uint8_t ev32[] = { 0x92, 0x03, 0xdd, 0xff, 0xff,
		    0xff, 0xff };
		static const uint8_t bin32[] = { 0x93, 0x05, 0xc6, 0xff, 0xff,
		    0xff, 0xff };
		static const uint8_t heads32[] = { 0x92, 0x04, 0xdd, 0xff,
		    0xff, 0xff, 0xff };

		put_msg("bomb-events-array32", ev32, sizeof(ev32), 0);
		put_msg("bomb-fork-bin32", bin32, sizeof(bin32), 0);
		put_msg("bomb-notify-array32", heads32, sizeof(heads32), 0);
	}
	for (i = 0; i < NBOMBS; i++) {
		size_t f;

		snprintf(name, sizeof(name), "bomb-%s", bombs[i].name);
		put("msg", name, bombs[i].b, bombs[i].len);
		/* After a family's type byte: the message's first field. */
		for (f = 0; f < NFAMILIES && i < 4; f++)
			put_prefixed(families[f].name, name,
			    (uint8_t)(((i % families[f].n) << 4) | 2),
			    bombs[i].b, bombs[i].len);
	}
	free(m);
}

/* Hand-made values for the reader: every form, canonical or not. */
static void
gen_reader(void)
{
	static const struct {
		const char *name;
		uint8_t b[24];
		size_t len;
	} v[] = {
		{ "int-0", { 0x00 }, 1 },
		{ "int-127", { 0x7f }, 1 },
		{ "int-128", { 0xcc, 0x80 }, 2 },
		{ "int-256", { 0xcd, 0x01, 0x00 }, 3 },
		{ "int-65536", { 0xce, 0x00, 0x01, 0x00, 0x00 }, 5 },
		{ "int-2p32", { 0xcf, 0, 0, 0, 1, 0, 0, 0, 0 }, 9 },
		{ "int-max", { 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff }, 9 },
		{ "neg-1", { 0xff }, 1 },
		{ "neg-33", { 0xd0, 0xdf }, 2 },
		{ "neg-129", { 0xd1, 0xff, 0x7f }, 3 },
		{ "neg-32769", { 0xd2, 0xff, 0xff, 0x7f, 0xff }, 5 },
		{ "neg-min", { 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 9 },
		{ "bools", { 0x92, 0xc2, 0xc3 }, 3 },
		{ "str-utf8", { 0xa6, 'h', 0xc3, 0xb6, 0xe2, 0x82, 0xac, },
		    7 },
		{ "str-4byte", { 0xa4, 0xf0, 0x9f, 0x98, 0x80 }, 5 },
		{ "bin-empty", { 0xc4, 0x00 }, 2 },
		{ "map-sorted", { 0x83, 0xa1, 'a', 0x01, 0xa1, 'b', 0x90,
		    0xa2, 'a', 'a', 0x80 }, 11 },
		{ "nested", { 0x91, 0x91, 0x91, 0x81, 0xa1, 'k', 0x91, 0x00 },
		    8 },
		{ "bad-noncanon-cc01", { 0xcc, 0x01 }, 2 },
		{ "bad-noncanon-cd0001", { 0xcd, 0x00, 0x01 }, 3 },
		{ "bad-noncanon-d005", { 0xd0, 0x05 }, 2 },
		{ "bad-noncanon-d0ff", { 0xd0, 0xff }, 2 },
		{ "bad-noncanon-d1ff80", { 0xd1, 0xff, 0x80 }, 3 },
		{ "bad-noncanon-str8", { 0xd9, 0x01, 'x' }, 3 },
		{ "bad-noncanon-array16", { 0xdc, 0x00, 0x01, 0x00 }, 4 },
		{ "bad-nil", { 0xc0 }, 1 },
		{ "bad-reserved", { 0xc1 }, 1 },
		{ "bad-float32", { 0xca, 0x3f, 0x80, 0, 0 }, 5 },
		{ "bad-fixext1", { 0xd4, 0x01, 0x00 }, 3 },
		{ "bad-key-order", { 0x82, 0xa1, 'b', 0x01, 0xa1, 'a', 0x01 },
		    7 },
		{ "bad-key-dup", { 0x82, 0xa1, 'a', 0x01, 0xa1, 'a', 0x02 },
		    7 },
		{ "bad-key-int", { 0x81, 0x01, 0x01 }, 3 },
		{ "bad-utf8-overlong", { 0xa2, 0xc0, 0x80 }, 3 },
		{ "bad-utf8-surrogate", { 0xa3, 0xed, 0xa0, 0x80 }, 4 },
		{ "bad-trailing", { 0x01, 0x01 }, 2 },
		{ "bad-truncated-str", { 0xa5, 'a', 'b' }, 3 },
		{ "bad-empty", { 0 }, 0 },
		/* Cut off inside a value: docs/protocol.md §2.4, §2.10. */
		{ "bad-key-header-cut", { 0x81, 0xcd, 0x01 }, 3 },
		{ "bad-float32-cut", { 0xca, 0x3f }, 2 },
		{ "bad-ext8-cut", { 0xc7 }, 1 },
		{ "bad-key-float-cut", { 0x81, 0xca, 0x3f }, 3 },
	};
	uint8_t deep[20];
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		put("reader", v[i].name, v[i].b, v[i].len);
	/* 16 nested arrays around a 0 are allowed, 17 are not. */
	memset(deep, 0x91, sizeof(deep));
	deep[16] = 0x00;
	put("reader", "depth-16", deep, 17);
	memset(deep, 0x91, sizeof(deep));
	deep[17] = 0x00;
	put("reader", "bad-depth-17", deep, 18);
	/* An empty array counts for depth (§2.8): the 17th is too deep. */
	memset(deep, 0x91, sizeof(deep));
	deep[16] = 0x90;
	put("reader", "bad-depth-17-empty", deep, 17);
	for (i = 0; i < NBOMBS; i++) {
		snprintf(name, sizeof(name), "bomb-%s", bombs[i].name);
		put("reader", name, bombs[i].b, bombs[i].len);
	}
}

int
main(int argc, char **argv)
{
	int rc;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: gencorpus [DIR]\n");
		return 2;
	}
	if (argc == 2)
		root = argv[1];
	if ((rc = sample_fed_init(&fed, NKEYS)) != 0)
		die("sample_fed_init: %s", i40_strerror(rc));
	if (memcmp(fed.fed_id, FED_ID, 32) != 0 ||
	    memcmp(fed.pk[AUTHOR], AUTHOR_PK, 32) != 0) {
		fprintf(stderr, "gencorpus: the sample fed_id is now:");
		for (int i = 0; i < 32; i++)
			fprintf(stderr, " %02x", fed.fed_id[i]);
		fprintf(stderr, "\n");
		die("the sample federation's fed_id changed: update FED_ID in "
		    "gencorpus.c, fuzz_event.c and fuzz_body.c (and AUTHOR, "
		    "the key of member %d, in fuzz_body.c)", AUTHOR);
	}
	gen_events();
	gen_bodies();
	gen_msgs();
	gen_reader();
	sample_fed_free(&fed);
	printf("gencorpus: wrote %u files under %s\n", nwritten, root);
	return 0;
}
