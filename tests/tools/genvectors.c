/*
 * genvectors.c: write i40's protocol test vectors into a directory.
 *
 *   genvectors DIR	(make vectors: DIR is docs/vectors)
 *
 * Everything comes from fixed seeds, so each run writes the same bytes:
 * keys.json, events.json, signatures.json and messages.json, described in
 * docs/vectors/README.md.  Every vector is checked here against the code
 * before it is written: a valid event must decode and verify, an invalid one
 * must fail with exactly the error it states, or the generator stops.  So
 * the files can never hold a wrong expectation, and test_vectors checks that
 * the committed files are what this program writes today.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "protocol/codec.h"
#include "protocol/export.h"
#include "protocol/event.h"
#include "protocol/msg.h"
#include "protocol/schema.h"
#include "tests/lib/sample.h"
#include "store/store.h"

#define NKEYS 4
#define MAXSEQ 10
#define T0 UINT64_C(1795600000000)	/* 2026-11-25, the charter's date */
#define SIG_TAG_LEN (sizeof(EV_SIG_TAG) - 1)
#define BUF (EV_MAX_BYTES + 1024)
#define LIT(s) ((struct codec_bytes){ (const uint8_t *)(s), sizeof(s) - 1 })

static const char *outdir;
static struct sample_fed fed;
static uint64_t clock_n;		/* events made: 90 s apart */
static struct body *bodybuf;		/* scratch, too big for the stack */
static char arena[SAMPLE_ARENA];
static uint8_t ev[BUF], sg[BUF];	/* scratch: unsigned, signed event */

/* The logs of the valid events, for prev chains and references. */
static struct {
	uint8_t *buf;
	size_t len;
	uint8_t id[EV_ID_BYTES];
} logs[NKEYS][MAXSEQ + 1];
static uint64_t heads[NKEYS];

/* A second key that is no member of the sample federation. */
static struct key_secret *stranger;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "genvectors: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static const char *
errname(int rc)
{
	const char *n = i40_errname(rc);

	return rc == 0 ? "0 (success)" : n != NULL ? n : "(unknown)";
}

static void
check(int rc, const char *what)
{
	if (rc != 0)
		die("%s: %s", what, errname(rc));
}

static json_t *
jhex(const uint8_t *p, size_t n)
{
	char *s;
	json_t *j;

	if (p == NULL)
		return json_null();
	if ((s = malloc(2 * n + 1)) == NULL)
		die("out of memory");
	sodium_bin2hex(s, 2 * n + 1, p, n);
	j = json_string(s);
	free(s);
	return j;
}

static void
set(json_t *o, const char *k, json_t *v)
{
	if (v == NULL || json_object_set_new(o, k, v) != 0)
		die("cannot build JSON for %s", k);
}

static void
push(json_t *a, json_t *v)
{
	if (json_array_append_new(a, v) != 0)
		die("cannot build JSON array");
}

static void
write_json(const char *name, json_t *root)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	if ((f = fopen(path, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	if (json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
	    fputc('\n', f) == EOF || fclose(f) != 0)
		die("%s: write failed", path);
	json_decref(root);
}

/* keys.json */

/* RFC 8032, section 7.1, TEST 1. */
static const uint8_t rfc_seed[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4,
	0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19,
	0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60
};

static json_t *
key_entry(const char *name, const uint8_t seed[32])
{
	struct key_secret *k;
	uint8_t pk[32], cpk[32], *csk, tpk[32], tsig[64];
	char z[KEY_Z85_LEN + 1];
	json_t *o = json_object();

	check(key_from_seed(seed, &k), "key_from_seed");
	key_public(k, pk);
	check(key_curve_public(pk, cpk), "key_curve_public");
	if ((csk = sodium_malloc(32)) == NULL)
		die("out of memory");
	check(key_curve_secret(k, csk), "key_curve_secret");
	set(o, "name", json_string(name));
	set(o, "seed", jhex(seed, 32));
	set(o, "ed25519_pk", jhex(pk, 32));
	set(o, "x25519_pk", jhex(cpk, 32));
	set(o, "x25519_sk", jhex(csk, 32));
	key_z85_encode(pk, z);
	set(o, "ed25519_pk_z85", json_string(z));
	key_z85_encode(cpk, z);
	set(o, "x25519_pk_z85", json_string(z));
	/* The transport key, derived one-way from the seed, and its card. */
	check(key_transport_secret(k, csk), "key_transport_secret");
	set(o, "transport_sk", jhex(csk, 32));
	check(key_transport_card(k, tpk, tsig), "key_transport_card");
	set(o, "transport_pk", jhex(tpk, 32));
	set(o, "transport_sig", jhex(tsig, 64));
	key_z85_encode(tpk, z);
	set(o, "transport_pk_z85", json_string(z));
	sodium_free(csk);
	key_free(k);
	return o;
}

static void
gen_keys(void)
{
	uint8_t seed[32];
	json_t *root = json_object(), *a = json_array();

	memset(seed, 1, 32);
	push(a, key_entry("seed-01", seed));
	memset(seed, 2, 32);
	push(a, key_entry("seed-02", seed));
	push(a, key_entry("rfc8032-test1", rfc_seed));
	set(root, "keys", a);
	printf("keys.json: %zu keys\n", json_array_size(a));
	write_json("keys.json", root);
}

/* signatures.json */

static void
gen_signatures(void)
{
	struct key_vector v[KEY_NVECTORS];
	json_t *root = json_object(), *a = json_array(), *o;
	size_t i;

	check(key_vectors(v), "key_vectors");
	for (i = 0; i < KEY_NVECTORS; i++) {
		if ((key_verify(v[i].pk, v[i].msg, v[i].msglen, v[i].sig) ==
		    0) != (v[i].valid != 0))
			die("signature vector %s judged wrongly", v[i].name);
		o = json_object();
		set(o, "name", json_string(v[i].name));
		set(o, "pk", jhex(v[i].pk, 32));
		set(o, "msg", jhex(v[i].msg, v[i].msglen));
		set(o, "sig", jhex(v[i].sig, 64));
		set(o, "valid", json_boolean(v[i].valid));
		push(a, o);
	}
	set(root, "signatures", a);
	printf("signatures.json: %zu signatures\n", json_array_size(a));
	write_json("signatures.json", root);
}

/* Events: building blocks. */

/* The first occurrence of needle in hay, or NULL. */
static uint8_t *
find(uint8_t *hay, size_t n, const uint8_t *needle, size_t nn)
{
	size_t i;

	for (i = 0; i + nn <= n; i++)
		if (memcmp(hay + i, needle, nn) == 0)
			return hay + i;
	return NULL;
}

/* One more pair in the map whose header starts b (fixmap or map16). */
static void
map_grow(uint8_t *b)
{
	if (b[0] >= 0x80 && b[0] < 0x8f)
		b[0]++;
	else if (b[0] == 0xde && b[2] < 0xff)
		b[2]++;
	else
		die("map_grow: cannot grow the map at %02x", b[0]);
}

static uint8_t *
dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n);

	if (d == NULL)
		die("out of memory");
	memcpy(d, p, n);
	return d;
}

/* A valid body from sample_body() with a fixed rng seed, into bodybuf. */
static struct body *
gen_body(size_t author, uint32_t type, uint64_t seed)
{
	struct sample_rng r;

	sample_seed(&r, seed);
	check(sample_body(&fed, author, type, &r, bodybuf, arena),
	    "sample_body");
	return bodybuf;
}

/* Encode and validate a body as author's. */
static size_t
enc_body(const struct body *b, size_t author, uint8_t *out, size_t cap)
{
	struct body_ctx ctx = { fed.fed_id, fed.pk[author] };
	struct codec_err err;
	size_t len;
	int rc;

	if ((rc = body_encode(b, &ctx, out, cap, &len, &err)) != 0)
		die("body_encode: %s at %s", errname(rc), err.field);
	return len;
}

/* Encode a body without validating it, to make invalid ones. */
static size_t
enc_body_unchecked(const struct body *b, uint8_t *out, size_t cap)
{
	struct codec_writer w;
	size_t len;

	codec_writer_init(&w, out, cap);
	schema_encode(body_schema(b->type), &b->u, &w);
	check(codec_writer_finish(&w, &len), "schema_encode");
	return len;
}

/*
 * The parts of an unsigned event.  Element i of the event array is replaced
 * by raw[i] when that is set (rawlen[i] 0: the element is left out), and the
 * array header by hdr; an invalid event is made by replacing exactly the
 * bytes under test.
 */
struct parts {
	struct ev_header h;
	const uint8_t *body;
	size_t blen;
	const uint8_t *raw[8];
	size_t rawlen[8];
	const uint8_t *hdr;
	size_t hdrlen;
};

static size_t
enc_event(const struct parts *p, uint8_t *out, size_t cap)
{
	struct codec_writer w;
	size_t len, i;

	codec_writer_init(&w, out, cap);
	if (p->hdr != NULL)
		codec_put_raw(&w, p->hdr, p->hdrlen);
	else
		codec_put_array(&w, 8);
	for (i = 0; i < 8; i++) {
		if (p->raw[i] != NULL) {
			codec_put_raw(&w, p->raw[i], p->rawlen[i]);
			continue;
		}
		switch (i) {
		case 0: codec_put_uint(&w, EV_VERSION); break;
		case 1: codec_put_bin(&w, p->h.fed_id, 32); break;
		case 2: codec_put_bin(&w, p->h.author, 32); break;
		case 3: codec_put_uint(&w, p->h.seq); break;
		case 4: codec_put_bin(&w, p->h.prev, 32); break;
		case 5: codec_put_uint(&w, p->h.time_ms); break;
		case 6: codec_put_uint(&w, p->h.type); break;
		default: codec_put_raw(&w, p->body, p->blen); break;
		}
	}
	check(codec_writer_finish(&w, &len), "enc_event");
	return len;
}

/* [event, sig] with sig made by k over the tag and whatever event is. */
static size_t
sign_bytes(const uint8_t *e, size_t elen, const struct key_secret *k,
    uint8_t *out)
{
	uint8_t *m = malloc(SIG_TAG_LEN + elen);

	if (m == NULL)
		die("out of memory");
	memcpy(m, EV_SIG_TAG, SIG_TAG_LEN);
	memcpy(m + SIG_TAG_LEN, e, elen);
	out[0] = 0x92;
	memcpy(out + 1, e, elen);
	out[1 + elen] = 0xc4;
	out[2 + elen] = KEY_SIG_BYTES;
	key_sign(k, m, SIG_TAG_LEN + elen, out + 3 + elen);
	free(m);
	return 3 + elen + KEY_SIG_BYTES;
}

static size_t
sign_parts(const struct parts *p, const struct key_secret *k, uint8_t *out)
{
	size_t elen = enc_event(p, ev, sizeof(ev));

	return sign_bytes(ev, elen, k, out);
}

static void
header(struct ev_header *h, size_t author, uint64_t seq, uint32_t type)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->fed_id, fed.fed_id, 32);
	memcpy(h->author, fed.pk[author], 32);
	h->seq = seq;
	if (seq > 1 && seq <= MAXSEQ)
		memcpy(h->prev, logs[author][seq - 1].id, 32);
	h->time_ms = T0 + 90000 * clock_n++;
	h->type = type;
}

/* Events: valid ones. */

static json_t *valid_a, *invalid_a;

/* Check and record one valid event; twin names its other signature. */
static void
add_valid(const char *name, const uint8_t *buf, size_t len, const char *twin)
{
	struct ev_signed e;
	struct codec_err err;
	json_t *o = json_object();
	int rc;

	if ((rc = ev_decode(buf, len, fed.fed_id, &e, bodybuf, &err)) != 0)
		die("valid event %s: %s at %s", name, errname(rc), err.field);
	if ((rc = ev_verify(&e, e.h.author)) != 0)
		die("valid event %s: %s", name, errname(rc));
	set(o, "name", json_string(name));
	set(o, "hex", jhex(buf, len));
	set(o, "event_hex", jhex(e.event.p, e.event.len));
	set(o, "body_hex", jhex(e.body.p, e.body.len));
	set(o, "id", jhex(e.id, 32));
	set(o, "sig", jhex(e.sig, 64));
	set(o, "author", jhex(e.h.author, 32));
	set(o, "seq", json_integer((json_int_t)e.h.seq));
	set(o, "prev", jhex(e.h.prev, 32));
	set(o, "time_ms", json_integer((json_int_t)e.h.time_ms));
	set(o, "type", json_integer(e.h.type));
	set(o, "type_name", json_string(body_type_name(e.h.type)));
	if (twin != NULL)
		set(o, "second_signature_of", json_string(twin));
	set(o, "valid", json_true());
	push(valid_a, o);
}

/* Sign body as the next event of author's log, record and return its seq. */
static uint64_t
append(size_t author, uint32_t type, const uint8_t *body, size_t blen)
{
	struct ev_header h;
	uint64_t seq = ++heads[author];
	char name[64];
	size_t len;

	if (seq > MAXSEQ)
		die("log %zu too long", author);
	header(&h, author, seq, type);
	check(ev_sign(&h, body, blen, fed.keys[author], sg, sizeof(sg), &len,
	    logs[author][seq].id), "ev_sign");
	logs[author][seq].buf = dup_bytes(sg, len);
	logs[author][seq].len = len;
	snprintf(name, sizeof(name), "%s-a%zu-s%llu", body_type_name(type),
	    author, (unsigned long long)seq);
	add_valid(name, sg, len, NULL);
	return seq;
}

/* A sample body of type with seed, encoded and appended to author's log. */
static uint64_t
append_sample(size_t author, uint32_t type, uint64_t seed)
{
	uint8_t body[BUF];

	gen_body(author, type, seed);
	return append(author, type, body, enc_body(bodybuf, author, body,
	    sizeof(body)));
}

/* The signed event of author's seq with a second, different signature. */
static void
add_second_signature(size_t author, uint64_t seq, const char *twin)
{
	struct ev_signed e;
	uint8_t seed[32], *m, sig[64];
	char name[96];
	size_t len = logs[author][seq].len;

	check(ev_decode(logs[author][seq].buf, len, fed.fed_id, &e, NULL,
	    NULL), "ev_decode");
	if ((m = malloc(SIG_TAG_LEN + e.event.len)) == NULL)
		die("out of memory");
	memcpy(m, EV_SIG_TAG, SIG_TAG_LEN);
	memcpy(m + SIG_TAG_LEN, e.event.p, e.event.len);
	memset(seed, (int)author + 1, 32);
	if (key_vector_signature(seed, "i40 vector second nonce", m,
	    SIG_TAG_LEN + e.event.len, sig) != 0)
		die("second signature: bad nonce");
	free(m);
	if (memcmp(sig, e.sig, 64) == 0)
		die("second signature equals the first");
	memcpy(sg, logs[author][seq].buf, len);
	memcpy(sg + len - 64, sig, 64);
	snprintf(name, sizeof(name), "%s-second-signature", twin);
	add_valid(name, sg, len, twin);
}

/*
 * The sample federation's logs: every event type, with prev chains and
 * with endorsements, completions, revocations and retirements that name
 * the events they refer to.  A key rotation is the last event of its log,
 * so every event here verifies with its header's author key.
 */
static void
gen_valid(void)
{
	uint8_t body[BUF], code[40];
	struct ev_header h;
	size_t clen, len, i, t;
	char name[64];

	/* hh.se: the charter, a module's life, a member proposal. */
	heads[0] = 1;
	header(&h, 0, 1, BODY_GENESIS);
	check(ev_sign(&h, fed.charter, fed.charter_len, fed.keys[0], sg,
	    sizeof(sg), &len, logs[0][1].id), "ev_sign");
	logs[0][1].buf = dup_bytes(sg, len);
	logs[0][1].len = len;
	add_valid("genesis-a0-s1", sg, len, NULL);
	gen_body(0, BODY_MODULE_PUBLISH, 11);
	clen = bodybuf->u.module.code.len;
	memcpy(code, bodybuf->u.module.code.p, clen);
	append(0, BODY_MODULE_PUBLISH, body, enc_body(bodybuf, 0, body,
	    sizeof(body)));
	/* The update: the same module with more hours and a new session. */
	gen_body(0, BODY_MODULE_UPDATE, 11);
	bodybuf->u.module.hours += 4;
	bodybuf->u.module.sessions[bodybuf->u.module.nsessions].start =
	    LIT("2027-03-01");
	bodybuf->u.module.sessions[bodybuf->u.module.nsessions].end =
	    LIT("2027-03-12");
	bodybuf->u.module.sessions[bodybuf->u.module.nsessions].mode =
	    bodybuf->u.module.mode;
	bodybuf->u.module.sessions[bodybuf->u.module.nsessions++].seats = 30;
	append(0, BODY_MODULE_UPDATE, body, enc_body(bodybuf, 0, body,
	    sizeof(body)));
	append_sample(0, BODY_MEMBER_PROPOSE, 12);
	gen_body(0, BODY_COMPLETION_RECORD, 13);
	memcpy(bodybuf->u.completion.module, logs[0][2].id, 32);
	append(0, BODY_COMPLETION_RECORD, body, enc_body(bodybuf, 0, body,
	    sizeof(body)));
	gen_body(0, BODY_COMPLETION_REVOKE, 14);
	memcpy(bodybuf->u.revoke.completion, logs[0][5].id, 32);
	append(0, BODY_COMPLETION_REVOKE, body, enc_body(bodybuf, 0, body,
	    sizeof(body)));
	gen_body(0, BODY_MODULE_RETIRE, 15);
	bodybuf->u.retire.code = (struct codec_bytes){ code, clen };
	bodybuf->u.retire.reason = LIT("Merged into a longer course.");
	append(0, BODY_MODULE_RETIRE, body, enc_body(bodybuf, 0, body,
	    sizeof(body)));
	append_sample(0, BODY_KEY_ROTATE, 16);

	/* chalmers.se: endorses, publishes, records, proposes a removal. */
	gen_body(1, BODY_MEMBER_ENDORSE, 21);
	memcpy(bodybuf->u.endorse.proposal, logs[0][4].id, 32);
	append(1, BODY_MEMBER_ENDORSE, body, enc_body(bodybuf, 1, body,
	    sizeof(body)));
	append_sample(1, BODY_MODULE_PUBLISH, 22);
	gen_body(1, BODY_COMPLETION_RECORD, 23);
	memcpy(bodybuf->u.completion.module, logs[1][2].id, 32);
	bodybuf->u.completion.scale = LIT("AF");
	bodybuf->u.completion.grade = LIT("FX");
	append(1, BODY_COMPLETION_RECORD, body, enc_body(bodybuf, 1, body,
	    sizeof(body)));
	append_sample(1, BODY_MEMBER_REMOVE, 24);

	/* kth.se endorses the proposal; liu.se the removal, then rotates. */
	gen_body(2, BODY_MEMBER_ENDORSE, 31);
	memcpy(bodybuf->u.endorse.proposal, logs[0][4].id, 32);
	append(2, BODY_MEMBER_ENDORSE, body, enc_body(bodybuf, 2, body,
	    sizeof(body)));
	gen_body(3, BODY_MEMBER_ENDORSE, 41);
	memcpy(bodybuf->u.endorse.proposal, logs[1][4].id, 32);
	append(3, BODY_MEMBER_ENDORSE, body, enc_body(bodybuf, 3, body,
	    sizeof(body)));
	append_sample(3, BODY_KEY_ROTATE, 42);

	/* kth.se checkpoints the heads it holds of the three other logs. */
	gen_body(2, BODY_CHECKPOINT, 32);
	{
		size_t order[3] = { 0, 1, 3 }, k, j, tmp;

		/* Heads are ascending by author key. */
		for (k = 1; k < 3; k++)
			for (j = k; j > 0 && memcmp(fed.pk[order[j - 1]],
			    fed.pk[order[j]], 32) > 0; j--) {
				tmp = order[j];
				order[j] = order[j - 1];
				order[j - 1] = tmp;
			}
		for (k = 0; k < 3; k++) {
			struct body_head *hd = &bodybuf->u.checkpoint.heads[k];

			memcpy(hd->author, fed.pk[order[k]], 32);
			hd->seq = heads[order[k]];
			memcpy(hd->id, logs[order[k]][heads[order[k]]].id, 32);
		}
		bodybuf->u.checkpoint.nheads = 3;
	}
	append(2, BODY_CHECKPOINT, body, enc_body(bodybuf, 2, body,
	    sizeof(body)));

	/* One event, two valid signatures: one id. */
	snprintf(name, sizeof(name), "module_publish-a0-s2");
	add_second_signature(0, 2, name);

	for (t = 0; t < sample_ntypes; t++) {
		for (i = 0; i < json_array_size(valid_a); i++)
			if (json_integer_value(json_object_get(json_array_get(
			    valid_a, i), "type")) == sample_types[t])
				break;
		if (i == json_array_size(valid_a))
			die("no valid event of type %u", sample_types[t]);
	}
}

/* Events: invalid ones. */

static uint8_t other_fed[32];

/*
 * Check that buf fails with exactly want, decoded against fid (NULL: as a
 * genesis before the federation is known) and then verified with its
 * header's author key, and record it.
 */
static void
add_invalid(const char *name, const uint8_t *buf, size_t len,
    const uint8_t *fid, int want)
{
	struct ev_signed e;
	struct codec_err err;
	const char *stage = "decode";
	json_t *o;
	int rc;

	rc = ev_decode(buf, len, fid, &e, bodybuf, &err);
	if (rc == 0) {
		stage = "verify";
		memset(&err, 0, sizeof(err));
		rc = ev_verify(&e, e.h.author);
	}
	if (rc != want)
		die("invalid event %s: expected %s, got %s (%s at \"%s\")",
		    name, errname(want), errname(rc), stage, err.field);
	o = json_object();
	set(o, "name", json_string(name));
	set(o, "hex", jhex(buf, len));
	set(o, "fed_id", jhex(fid, 32));
	set(o, "error", json_string(i40_errname(rc)));
	set(o, "stage", json_string(stage));
	set(o, "field", json_string(err.field));
	set(o, "valid", json_false());
	push(invalid_a, o);
}

/* The default invalid-case event: chalmers.se retires a module at seq 5. */
static uint8_t retire_body[256];
static size_t retire_len;

static void
base(struct parts *p)
{
	memset(p, 0, sizeof(*p));
	header(&p->h, 1, 5, BODY_MODULE_RETIRE);
	p->body = retire_body;
	p->blen = retire_len;
}

/* An event of base() with element i replaced by n raw bytes. */
static void
inv_elem(const char *name, unsigned i, const uint8_t *raw, size_t n,
    int want)
{
	struct parts p;

	base(&p);
	p.raw[i] = raw;
	p.rawlen[i] = n;
	add_invalid(name, sg, sign_parts(&p, fed.keys[1], sg), fed.fed_id,
	    want);
}

/* An event of base() with this body. */
static void
inv_body(const char *name, const uint8_t *body, size_t n, uint32_t type,
    size_t author, int want)
{
	struct parts p;

	base(&p);
	header(&p.h, author, heads[author] + 1, type);
	p.body = body;
	p.blen = n;
	add_invalid(name, sg, sign_parts(&p, fed.keys[author], sg),
	    fed.fed_id, want);
}

/* An event of base() with bodybuf as author's body, encoded unchecked. */
static void
inv_struct(const char *name, size_t author, int want)
{
	uint8_t b[BUF];

	inv_body(name, b, enc_body_unchecked(bodybuf, b, sizeof(b)),
	    bodybuf->type, author, want);
}

#define RAW(...) ((const uint8_t[]){ __VA_ARGS__ })
#define RAWN(...) sizeof((const uint8_t[]){ __VA_ARGS__ })
#define ELEM(name, i, want, ...) \
	inv_elem(name, i, RAW(__VA_ARGS__), RAWN(__VA_ARGS__), want)
#define BODY(name, want, ...) \
	inv_body(name, RAW(__VA_ARGS__), RAWN(__VA_ARGS__), \
	    BODY_MODULE_RETIRE, 1, want)

/* A retire body with code "I40-X1" and a reason of raw string bytes. */
static void
inv_reason(const char *name, const uint8_t *s, size_t n, int want)
{
	uint8_t b[128];
	struct codec_writer w;
	size_t len;

	codec_writer_init(&w, b, sizeof(b));
	codec_put_map(&w, 2);
	codec_put_cstr(&w, "code");
	codec_put_cstr(&w, "I40-X1");
	codec_put_cstr(&w, "reason");
	codec_put_raw(&w, RAW((uint8_t)(0xa0 | n)), 1);
	codec_put_raw(&w, s, n);
	check(codec_writer_finish(&w, &len), "writer");
	inv_body(name, b, len, BODY_MODULE_RETIRE, 1, want);
}
#define REASON(name, want, ...) \
	inv_reason(name, RAW(__VA_ARGS__), RAWN(__VA_ARGS__), want)

/*
 * An event of base() with this body, signed, and then cut off after the
 * body's first keep bytes: the input ends inside the body (the cases of
 * docs/protocol.md §2.4 and §2.10 where a value is cut off).
 */
static void
inv_cut(const char *name, const uint8_t *body, size_t n, size_t keep,
    int want)
{
	struct parts p;
	size_t len;

	base(&p);
	p.body = body;
	p.blen = n;
	len = sign_parts(&p, fed.keys[1], sg);
	/* The body is the event's last element; the 66-byte sig follows. */
	if (keep > n || len < 66 + n)
		die("inv_cut %s: bad lengths", name);
	add_invalid(name, sg, len - 66 - n + keep, fed.fed_id, want);
}
#define CUT(name, keep, want, ...) \
	inv_cut(name, RAW(__VA_ARGS__), RAWN(__VA_ARGS__), keep, want)

/*
 * The three points of docs/protocol.md §2 that needed a rule: an empty
 * container counts for depth (§2.8); a map key's header comes before its
 * type, and a forbidden type is decided by its first byte (§2.4, §2.10).
 * Added after the rest: the clock is put back, so that no earlier or later
 * vector changed its time_ms (and bytes) because these came in between.
 */
static void
gen_invalid_cutoff(void)
{
	uint64_t clock0 = clock_n;

	/* An empty container counts for depth (§2.8): [[]] here is too deep. */
	BODY("empty-array-too-deep", I40_E_DEPTH,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0x91, 0x91, 0x90);
	BODY("empty-map-too-deep", I40_E_DEPTH,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0x91, 0x91, 0x80);
	/* One level less is canonical; the schema then wants a str. */
	BODY("empty-array-deep-enough", I40_E_TYPE,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0x91, 0x90);
	/*
	 * Cut off by the end of the input (§2.4, §2.10): a key's header
	 * comes before its type; a forbidden type is decided by its first
	 * byte, whatever follows.
	 */
	BODY("body-key-uint16", I40_E_TYPE,
	    0x81, 0xcd, 0x01, 0x00, 0xa6, 'I', '4', '0', '-', 'X', '1');
	CUT("body-key-uint16-header-cut-off", 3, I40_E_TRUNCATED,
	    0x81, 0xcd, 0x01, 0x00, 0xa6, 'I', '4', '0', '-', 'X', '1');
	CUT("float32-payload-cut-off", 8, I40_E_FLOAT,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0xca, 0x3f, 0xc0, 0, 0);
	CUT("ext8-header-cut-off", 7, I40_E_EXT,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0xc7, 0x01, 0x01, 0x00);
	CUT("body-key-float32-cut-off", 3, I40_E_FLOAT,
	    0x81, 0xca, 0x3f, 0xc0, 0, 0, 0xa6, 'I', '4', '0', '-', 'X', '1');
	clock_n = clock0;
}

/* Header, shape and canonical-form cases. */
static void
gen_invalid_form(void)
{
	struct parts p;
	uint8_t big[EV_MAX_BYTES + 1];
	size_t len;

	/* The federation. */
	add_invalid("wrong-fed-id", logs[1][1].buf, logs[1][1].len, other_fed,
	    I40_E_FED_ID);
	base(&p);
	memcpy(p.h.fed_id, other_fed, 32);
	add_invalid("event-of-another-federation", sg,
	    sign_parts(&p, fed.keys[1], sg), fed.fed_id, I40_E_FED_ID);

	/* Header values. */
	ELEM("seq-0", 3, I40_E_SEQ, 0x00);
	ELEM("seq-negative", 3, I40_E_RANGE, 0xff);
	base(&p);
	p.h.seq = 1;
	add_invalid("prev-not-zero-at-seq-1", sg,
	    sign_parts(&p, fed.keys[1], sg), fed.fed_id, I40_E_PREV);
	ELEM("version-0", 0, I40_E_VERSION, 0x00);
	ELEM("version-2", 0, I40_E_VERSION, 0x02);
	ELEM("type-0", 6, I40_E_EVENT_TYPE, 0x00);
	ELEM("type-7-unassigned", 6, I40_E_EVENT_TYPE, 0x07);
	ELEM("type-99", 6, I40_E_EVENT_TYPE, 0x63);
	ELEM("type-over-32-bits", 6, I40_E_EVENT_TYPE,
	    0xcf, 0, 0, 0, 1, 0, 0, 0, 12);
	ELEM("time-over-2^53-1", 5, I40_E_RANGE,
	    0xcf, 0x00, 0x20, 0, 0, 0, 0, 0, 0);
	base(&p);
	p.h.type = BODY_COMPLETION_REVOKE;
	add_invalid("body-of-another-type", sg,
	    sign_parts(&p, fed.keys[1], sg), fed.fed_id,
	    I40_E_UNKNOWN_FIELD);

	/* Types and lengths of the elements. */
	ELEM("fed-id-as-str", 1, I40_E_TYPE, 0xa1, 0x78);
	ELEM("author-31-bytes", 2, I40_E_LENGTH, 0xc4, 31,
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31);
	ELEM("prev-empty", 4, I40_E_LENGTH, 0xc4, 0x00);
	ELEM("seq-as-bool", 3, I40_E_TYPE, 0xc3);
	ELEM("body-not-a-map", 7, I40_E_TYPE, 0x91, 0xa2, 0x6f, 0x6b);
	base(&p);
	p.hdr = RAW(0x97);
	p.hdrlen = 1;
	p.raw[7] = RAW(0);
	add_invalid("event-of-7-elements", sg,
	    sign_parts(&p, fed.keys[1], sg), fed.fed_id,
	    I40_E_MISSING_FIELD);
	base(&p);
	len = enc_event(&p, ev, sizeof(ev));
	sg[0] = 0x92;
	memcpy(sg + 1, ev, len);
	memcpy(sg + 1 + len, RAW(0xc4, 0x3f), 2);
	memset(sg + 3 + len, 0x5a, 63);
	add_invalid("sig-63-bytes", sg, len + 66, fed.fed_id, I40_E_LENGTH);
	sg[0] = 0x93;
	memcpy(sg + 1 + len, RAW(0xc4, 0x40), 2);
	memset(sg + 3 + len, 0x5a, 64);
	sg[len + 67] = 0x00;
	add_invalid("signed-of-3-elements", sg, len + 68, fed.fed_id,
	    I40_E_UNKNOWN_FIELD);

	/* Canonical form: integers and lengths in their shortest form. */
	ELEM("noncanonical-int-seq-uint16", 3, I40_E_NONCANON_INT,
	    0xcd, 0x00, 0x05);
	ELEM("noncanonical-int-seq-int8", 3, I40_E_NONCANON_INT, 0xd0, 0x05);
	ELEM("noncanonical-int-version-uint8", 0, I40_E_NONCANON_INT,
	    0xcc, 0x01);
	base(&p);
	p.hdr = RAW(0xdc, 0x00, 0x08);
	p.hdrlen = 3;
	add_invalid("noncanonical-len-event-array16", sg,
	    sign_parts(&p, fed.keys[1], sg), fed.fed_id,
	    I40_E_NONCANON_LEN);
	BODY("noncanonical-len-body-map16", I40_E_NONCANON_LEN,
	    0xde, 0x00, 0x01, 0xa4, 'c', 'o', 'd', 'e',
	    0xa6, 'I', '4', '0', '-', 'X', '1');
	BODY("noncanonical-len-str8-key", I40_E_NONCANON_LEN,
	    0x81, 0xd9, 0x04, 'c', 'o', 'd', 'e',
	    0xa6, 'I', '4', '0', '-', 'X', '1');
	BODY("noncanonical-len-str8-value", I40_E_NONCANON_LEN,
	    0x81, 0xa4, 'c', 'o', 'd', 'e',
	    0xd9, 0x06, 'I', '4', '0', '-', 'X', '1');

	/* Canonical form: maps, types, text. */
	BODY("body-keys-unsorted", I40_E_KEY_ORDER,
	    0x82, 0xa6, 'r', 'e', 'a', 's', 'o', 'n', 0xa1, 'x',
	    0xa4, 'c', 'o', 'd', 'e', 0xa6, 'I', '4', '0', '-', 'X', '1');
	BODY("body-duplicate-key", I40_E_KEY_DUP,
	    0x82, 0xa4, 'c', 'o', 'd', 'e', 0xa6, 'I', '4', '0', '-', 'X', '1',
	    0xa4, 'c', 'o', 'd', 'e', 0xa6, 'I', '4', '0', '-', 'X', '2');
	BODY("body-key-not-a-string", I40_E_TYPE,
	    0x81, 0x01, 0xa6, 'I', '4', '0', '-', 'X', '1');
	BODY("float32", I40_E_FLOAT,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0xca, 0x3f, 0xc0, 0, 0);
	ELEM("float64-time", 5, I40_E_FLOAT,
	    0xcb, 0x42, 0x7a, 0x1f, 0x1e, 0x0b, 0x00, 0x00, 0x00);
	BODY("nil", I40_E_NIL, 0x81, 0xa4, 'c', 'o', 'd', 'e', 0xc0);
	BODY("ext-fixext1", I40_E_EXT,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0xd4, 0x01, 0x00);
	BODY("ext-ext8", I40_E_EXT,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0xc7, 0x01, 0x01, 0x00);
	BODY("reserved-0xc1", I40_E_RESERVED,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0xc1);
	REASON("utf8-overlong-2-bytes", I40_E_UTF8, 'a', 0xc0, 0xaf);
	REASON("utf8-overlong-3-bytes", I40_E_UTF8, 'a', 0xe0, 0x80, 0xaf);
	REASON("utf8-surrogate", I40_E_UTF8, 'a', 0xed, 0xa0, 0x80);
	REASON("utf8-above-u10ffff", I40_E_UTF8, 'a', 0xf4, 0x90, 0x80, 0x80);
	REASON("utf8-truncated-sequence", I40_E_UTF8, 'a', 0xe2, 0x82);
	REASON("utf8-lone-continuation", I40_E_UTF8, 'a', 0x80, 'b');
	BODY("nested-too-deep", I40_E_DEPTH,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0x91, 0x91, 0x91, 0xa1, 'x');
	gen_invalid_cutoff();

	/* Framing. */
	memcpy(sg, logs[1][1].buf, logs[1][1].len);
	sg[logs[1][1].len] = 0x00;
	add_invalid("trailing-byte", sg, logs[1][1].len + 1, fed.fed_id,
	    I40_E_TRAILING);
	add_invalid("truncated-in-sig", logs[1][1].buf, logs[1][1].len - 1,
	    fed.fed_id, I40_E_TRUNCATED);
	add_invalid("truncated-in-header", logs[1][1].buf, 20, fed.fed_id,
	    I40_E_TRUNCATED);
	add_invalid("empty-input", logs[1][1].buf, 0, fed.fed_id,
	    I40_E_TRUNCATED);
	memset(big, 0, sizeof(big));
	memcpy(big, logs[1][1].buf, logs[1][1].len);
	add_invalid("over-65536-bytes", big, sizeof(big), fed.fed_id,
	    I40_E_TOO_BIG);
}

/* Body schema and rule cases. */
static void
gen_invalid_body(void)
{
	uint8_t b[BUF], small[32];
	struct body *x;
	size_t n;

	/* Schema. */
	BODY("body-unknown-field", I40_E_UNKNOWN_FIELD,
	    0x82, 0xa4, 'c', 'o', 'd', 'e', 0xa6, 'I', '4', '0', '-', 'X', '1',
	    0xa4, 'z', 'o', 'n', 'e', 0xa1, 'x');
	BODY("body-missing-field", I40_E_MISSING_FIELD,
	    0x81, 0xa6, 'r', 'e', 'a', 's', 'o', 'n', 0xa1, 'x');
	BODY("body-empty-map", I40_E_MISSING_FIELD, 0x80);
	BODY("code-over-32-bytes", I40_E_TOO_LONG,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0xd9, 33,
	    'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
	    'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A',
	    'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A', 'A');
	BODY("code-empty", I40_E_EMPTY, 0x81, 0xa4, 'c', 'o', 'd', 'e', 0xa0);
	BODY("code-lowercase", I40_E_CODE,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0xa6, 'i', '4', '0', '-', 'x', '1');
	BODY("code-leading-dash", I40_E_CODE,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0xa6, '-', '4', '0', '-', 'X', '1');
	BODY("code-as-bin", I40_E_TYPE,
	    0x81, 0xa4, 'c', 'o', 'd', 'e', 0xc4, 0x02, 'X', '1');
	REASON("text-control-character", I40_E_VALUE, 'a', 0x09, 'b');
	REASON("text-leading-space", I40_E_VALUE, ' ', 'a');
	REASON("line-with-newline", I40_E_VALUE, 'a', 0x0a, 'b');

	/* Module rules: lists, enums, dates. */
	x = gen_body(0, BODY_MODULE_PUBLISH, 11);
	x->u.module.nlang = 0;
	inv_struct("module-empty-required-list", 0, I40_E_EMPTY);
	x = gen_body(0, BODY_MODULE_PUBLISH, 11);
	x->u.module.lang[1] = x->u.module.lang[0];
	x->u.module.nlang = 2;
	inv_struct("module-language-twice", 0, I40_E_VALUE);
	x = gen_body(0, BODY_MODULE_PUBLISH, 11);
	x->u.module.mode = LIT("hybrid");
	inv_struct("module-mode-not-in-enum", 0, I40_E_VALUE);
	x = gen_body(0, BODY_MODULE_PUBLISH, 11);
	x->u.module.summary_en.p = NULL;
	x->u.module.summary_sv.p = NULL;
	inv_struct("module-without-summary", 0, I40_E_MISSING_FIELD);
	x = gen_body(0, BODY_MODULE_PUBLISH, 11);
	x->u.module.credits = 0;
	inv_struct("module-credits-0", 0, I40_E_RANGE);
	x = gen_body(0, BODY_MODULE_PUBLISH, 11);
	x->u.module.sessions[0].start = LIT("2027-03-12");
	x->u.module.sessions[0].end = LIT("2027-03-01");
	x->u.module.sessions[0].mode = x->u.module.mode;
	x->u.module.nsessions = 1;
	inv_struct("module-session-ends-before-start", 0, I40_E_DATE);
	/* An optional list that is present must not be empty. */
	x = gen_body(0, BODY_MODULE_PUBLISH, 11);
	x->u.module.nteachers = 0;
	n = enc_body_unchecked(x, b, sizeof(b));
	{
		/* Insert "teachers": [] where the canonical order puts it. */
		static const uint8_t key[] = { 0xa8, 't', 'e', 'a', 'c', 'h',
		    'e', 'r', 's' };
		static const uint8_t next[] = { 0xa8, 't', 'i', 't', 'l', 'e',
		    '_', 'e', 'n' };
		uint8_t *at = find(b, n, next, sizeof(next));

		if (at == NULL)
			die("module body: no title_en");
		memmove(at + sizeof(key) + 1, at, n - (size_t)(at - b));
		memcpy(at, key, sizeof(key));
		at[sizeof(key)] = 0x90;
		n += sizeof(key) + 1;
		map_grow(b);
	}
	inv_body("module-optional-list-present-but-empty", b, n,
	    BODY_MODULE_PUBLISH, 0, I40_E_EMPTY);

	/* Completion rules. */
	x = gen_body(0, BODY_COMPLETION_RECORD, 13);
	x->u.completion.exam_date = LIT("2026-02-30");
	x->u.completion.decision_date = x->u.completion.exam_date;
	inv_struct("completion-date-feb-30", 0, I40_E_DATE);
	x = gen_body(0, BODY_COMPLETION_RECORD, 13);
	x->u.completion.exam_date = LIT("2027-02-29");
	x->u.completion.decision_date = LIT("2027-03-01");
	inv_struct("completion-date-feb-29-not-leap", 0, I40_E_DATE);
	x = gen_body(0, BODY_COMPLETION_RECORD, 13);
	x->u.completion.exam_date = LIT("2026/12/01");
	x->u.completion.decision_date = x->u.completion.exam_date;
	inv_struct("completion-date-slashes", 0, I40_E_DATE);
	x = gen_body(0, BODY_COMPLETION_RECORD, 13);
	x->u.completion.scale = LIT("UG");
	x->u.completion.grade = LIT("VG");
	inv_struct("completion-grade-not-in-scale", 0, I40_E_VALUE);
	x = gen_body(0, BODY_COMPLETION_RECORD, 13);
	x->u.completion.exam_date = LIT("2026-12-10");
	x->u.completion.decision_date = LIT("2026-12-09");
	inv_struct("completion-decision-before-exam", 0, I40_E_DATE);
	x = gen_body(0, BODY_COMPLETION_RECORD, 13);
	n = enc_body_unchecked(x, b, sizeof(b));
	{
		/* A 15-byte learner pseudonym: c4 10 .. becomes c4 0f ... */
		static const uint8_t key[] = { 0xa7, 'l', 'e', 'a', 'r', 'n',
		    'e', 'r', 0xc4, 0x10 };
		uint8_t *at = find(b, n, key, sizeof(key));

		if (at == NULL)
			die("completion body: no learner");
		at[sizeof(key) - 1] = 0x0f;
		memmove(at + sizeof(key), at + sizeof(key) + 1,
		    n - (size_t)(at - b) - sizeof(key) - 1);
		n--;
	}
	inv_body("completion-learner-15-bytes", b, n, BODY_COMPLETION_RECORD,
	    0, I40_E_LENGTH);

	/* Keys: small-order member keys, rotation proofs. */
	memset(small, 0, 32);
	small[0] = 1;			/* the identity point, order 1 */
	x = gen_body(0, BODY_MEMBER_PROPOSE, 12);
	memcpy(x->u.member.key, small, 32);
	inv_struct("propose-small-order-key", 0, I40_E_BAD_KEY);
	x = gen_body(0, BODY_MEMBER_PROPOSE, 12);
	memset(x->u.member.key, 0, 32);	/* y = 0: order 4 */
	inv_struct("propose-zero-key", 0, I40_E_BAD_KEY);
	x = gen_body(0, BODY_MEMBER_PROPOSE, 12);
	x->u.member.endpoint = LIT("tcp://i40.oru.se");
	inv_struct("propose-endpoint-without-port", 0, I40_E_VALUE);
	/* The transport key: certified by the member's key, CURVE-usable. */
	x = gen_body(0, BODY_MEMBER_PROPOSE, 12);
	x->u.member.transport_sig[9] ^= 0x01;
	inv_struct("propose-transport-sig-flipped", 0, I40_E_CARD);
	x = gen_body(0, BODY_MEMBER_PROPOSE, 12);
	x->u.member.transport[3] ^= 0x01;
	inv_struct("propose-transport-not-certified", 0, I40_E_CARD);
	x = gen_body(0, BODY_MEMBER_PROPOSE, 12);
	memset(x->u.member.transport, 0, 32);
	x->u.member.transport[0] = 1;	/* u = 1: order 4 on Curve25519 */
	inv_struct("propose-transport-small-order", 0, I40_E_BAD_KEY);
	x = gen_body(1, BODY_KEY_ROTATE, 50);
	x->u.rotate.proof[7] ^= 0x01;
	inv_struct("rotate-proof-flipped", 1, I40_E_PROOF);
	/* A proof made for another author's rotation does not carry over. */
	x = gen_body(2, BODY_KEY_ROTATE, 51);
	inv_struct("rotate-proof-of-another-author", 1, I40_E_PROOF);
	x = gen_body(1, BODY_KEY_ROTATE, 52);
	memcpy(x->u.rotate.next, small, 32);
	inv_struct("rotate-to-small-order-key", 1, I40_E_BAD_KEY);
	/* The CURVE key moves with the signing key: next's own card. */
	x = gen_body(1, BODY_KEY_ROTATE, 53);
	x->u.rotate.transport_sig[11] ^= 0x01;
	inv_struct("rotate-transport-sig-flipped", 1, I40_E_CARD);
	x = gen_body(1, BODY_KEY_ROTATE, 54);
	memset(x->u.rotate.transport, 0, 32);
	x->u.rotate.transport[0] = 1;	/* u = 1: order 4 on Curve25519 */
	inv_struct("rotate-transport-small-order", 1, I40_E_BAD_KEY);

	/* Checkpoints: a set of heads, ascending, without the author's own. */
	x = gen_body(0, BODY_CHECKPOINT, 60);
	x->u.checkpoint.heads[1] = x->u.checkpoint.heads[0];
	inv_struct("checkpoint-same-author-twice", 0, I40_E_KEY_ORDER);
	x = gen_body(0, BODY_CHECKPOINT, 60);
	{
		struct body_head t = x->u.checkpoint.heads[0];

		x->u.checkpoint.heads[0] = x->u.checkpoint.heads[1];
		x->u.checkpoint.heads[1] = t;
	}
	inv_struct("checkpoint-heads-descending", 0, I40_E_KEY_ORDER);
	x = gen_body(1, BODY_CHECKPOINT, 60);
	inv_struct("checkpoint-names-its-own-author", 0, I40_E_VALUE);
	x = gen_body(0, BODY_CHECKPOINT, 60);
	x->u.checkpoint.heads[0].seq = 0;
	inv_struct("checkpoint-head-seq-0", 0, I40_E_RANGE);
	x = gen_body(0, BODY_CHECKPOINT, 60);
	x->u.checkpoint.nheads = 0;
	inv_struct("checkpoint-without-heads", 0, I40_E_EMPTY);
}

/* A genesis of the charter b (re-encoded), by signer, fed_id its own. */
static void
inv_genesis(const char *name, const struct body *b,
    const struct key_secret *signer, uint64_t seq, const uint8_t *fid,
    int want)
{
	uint8_t body[8192];
	struct parts p;
	size_t n = enc_body_unchecked(b, body, sizeof(body));

	memset(&p, 0, sizeof(p));
	header(&p.h, 0, 1, BODY_GENESIS);
	key_public(signer, p.h.author);
	ev_fed_id(body, n, p.h.fed_id);
	if (fid != NULL)
		memcpy(p.h.fed_id, fid, 32);
	p.h.seq = seq;
	if (seq > 1)
		memset(p.h.prev, 0x11, 32);
	p.body = body;
	p.blen = n;
	add_invalid(name, sg, sign_parts(&p, signer, sg), NULL, want);
}

static void
gen_invalid_genesis(void)
{
	struct body *x = bodybuf;

	check(body_decode(BODY_GENESIS, fed.charter, fed.charter_len, NULL, x,
	    NULL), "charter");
	inv_genesis("genesis-fed-id-not-its-charter", x, fed.keys[0], 1,
	    other_fed, I40_E_FED_ID);
	inv_genesis("genesis-at-seq-2", x, fed.keys[0], 2, NULL, I40_E_SEQ);
	inv_genesis("genesis-by-non-member", x, stranger, 1, NULL,
	    I40_E_VALUE);
	x->u.charter.admit_pct = 49;
	inv_genesis("genesis-admit-pct-49", x, fed.keys[0], 1, NULL,
	    I40_E_RANGE);
	x->u.charter.admit_pct = 50;
	memcpy(x->u.charter.members[1].key, x->u.charter.members[0].key, 32);
	inv_genesis("genesis-member-twice", x, fed.keys[0], 1, NULL,
	    I40_E_VALUE);
	check(body_decode(BODY_GENESIS, fed.charter, fed.charter_len, NULL, x,
	    NULL), "charter");
	x->u.charter.nmembers = 0;
	inv_genesis("genesis-without-members", x, fed.keys[0], 1, NULL,
	    I40_E_EMPTY);
}

/* The group order L, little-endian. */
static const uint8_t order_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10
};

/* Signature cases: they decode, and fail verification. */
static void
gen_invalid_sig(void)
{
	const uint8_t *src = logs[1][2].buf;
	size_t len = logs[1][2].len, i;
	unsigned carry = 0;
	uint8_t *s = sg + len - 32;
	struct parts p;

	memcpy(sg, src, len);
	sg[len - 64] ^= 0x01;
	add_invalid("sig-r-bit-flipped", sg, len, fed.fed_id, I40_E_SIG);
	memcpy(sg, src, len);
	sg[len - 1] ^= 0x04;
	add_invalid("sig-s-bit-flipped", sg, len, fed.fed_id, I40_E_SIG);
	memcpy(sg, src, len);
	for (i = 0; i < 32; i++) {
		carry += (unsigned)s[i] + order_l[i];
		s[i] = (uint8_t)carry;
		carry >>= 8;
	}
	add_invalid("sig-s-plus-l", sg, len, fed.fed_id, I40_E_SIG);
	memcpy(sg, src, len);
	memset(sg + len - 64, 0, 64);
	add_invalid("sig-zero", sg, len, fed.fed_id, I40_E_SIG);
	base(&p);
	add_invalid("sig-by-another-member", sg,
	    sign_parts(&p, fed.keys[2], sg), fed.fed_id, I40_E_SIG);
	memcpy(sg, logs[1][1].buf, logs[1][1].len);
	memcpy(sg + logs[1][1].len - 64, src + len - 64, 64);
	add_invalid("sig-of-another-event", sg, logs[1][1].len, fed.fed_id,
	    I40_E_SIG);
}

static void
gen_events(void)
{
	json_t *root = json_object(), *f = json_object(), *seeds, *pks;
	uint8_t seed[32];
	size_t i;
	struct body *x;

	valid_a = json_array();
	invalid_a = json_array();
	seeds = json_array();
	pks = json_array();
	for (i = 0; i < NKEYS; i++) {
		memset(seed, (int)i + 1, 32);
		push(seeds, jhex(seed, 32));
		push(pks, jhex(fed.pk[i], 32));
	}
	set(f, "seeds", seeds);
	set(f, "public_keys", pks);
	set(f, "charter_hex", jhex(fed.charter, fed.charter_len));
	set(f, "fed_id", jhex(fed.fed_id, 32));
	set(root, "federation", f);

	gen_valid();
	ev_fed_id((const uint8_t *)"another federation", 18, other_fed);
	memset(seed, 0x05, 32);
	check(key_from_seed(seed, &stranger), "key_from_seed");
	x = gen_body(1, BODY_MODULE_RETIRE, 60);
	x->u.retire.reason.p = NULL;
	retire_len = enc_body(x, 1, retire_body, sizeof(retire_body));
	gen_invalid_form();
	gen_invalid_body();
	gen_invalid_genesis();
	gen_invalid_sig();
	key_free(stranger);

	set(root, "valid", valid_a);
	set(root, "invalid", invalid_a);
	printf("events.json: %zu valid, %zu invalid\n",
	    json_array_size(valid_a), json_array_size(invalid_a));
	write_json("events.json", root);
}

/* messages.json */

static uint8_t mbuf[1 << 17];

static void
msg_valid(json_t *a, const struct msg *m)
{
	struct codec_err err;
	size_t len;
	json_t *o = json_object();
	int rc;

	if ((rc = msg_encode(m, mbuf, sizeof(mbuf), &len, &err)) != 0)
		die("message %s: %s at %s", msg_type_name((uint32_t)m->type),
		    errname(rc), err.field);
	set(o, "name", json_string(msg_type_name((uint32_t)m->type)));
	set(o, "type", json_integer((json_int_t)m->type));
	set(o, "hex", jhex(mbuf, len));
	push(a, o);
}

static void
msg_invalid(json_t *a, const char *name, const uint8_t *buf, size_t len,
    int want)
{
	struct codec_err err;
	struct msg *m = malloc(sizeof(*m));
	json_t *o = json_object();
	int rc;

	if (m == NULL)
		die("out of memory");
	if ((rc = msg_decode(buf, len, m, &err)) != want)
		die("invalid message %s: expected %s, got %s at \"%s\"", name,
		    errname(want), errname(rc), err.field);
	free(m);
	set(o, "name", json_string(name));
	set(o, "hex", jhex(buf, len));
	set(o, "error", json_string(i40_errname(rc)));
	set(o, "field", json_string(err.field));
	push(a, o);
}

/* A message encoded by its schema without the checks of msg_encode(). */
static size_t
msg_unchecked(const struct msg *m)
{
	struct codec_writer w;
	size_t len;

	codec_writer_init(&w, mbuf, sizeof(mbuf));
	schema_encode(msg_schema((uint32_t)m->type), m, &w);
	check(codec_writer_finish(&w, &len), "schema_encode");
	return len;
}

static int
pk_cmp(const void *a, const void *b)
{
	return memcmp(fed.pk[*(const size_t *)a], fed.pk[*(const size_t *)b],
	    32);
}

static void
fill_heads(struct msg_heads *v, const size_t *order, size_t n)
{
	size_t i, a;

	v->nheads = (uint32_t)n;
	for (i = 0; i < n; i++) {
		a = order[i];
		memcpy(v->heads[i].author, fed.pk[a], 32);
		v->heads[i].seq = heads[a];
		memcpy(v->heads[i].id, logs[a][heads[a]].id, 32);
	}
}

/* hh.se's other event at seq 2: the fork of FORK and of export.json. */
static void
fork_event(uint8_t *out, size_t cap, size_t *len)
{
	uint8_t body[BUF], id[32];
	struct ev_header h;
	size_t blen;

	gen_body(0, BODY_MODULE_PUBLISH, 99);
	blen = enc_body(bodybuf, 0, body, sizeof(body));
	header(&h, 0, 2, BODY_MODULE_PUBLISH);
	check(ev_sign(&h, body, blen, fed.keys[0], out, cap, len, id),
	    "ev_sign");
}

static void
gen_messages(void)
{
	static const char *const states[] = { "up", "connecting", "down" };
	json_t *root = json_object(), *va = json_array(), *ia = json_array();
	struct msg *m = calloc(1, sizeof(*m));
	size_t order[NKEYS], i, len, fork_len;
	uint8_t fork_ev[BUF];
	struct codec_writer w;

	if (m == NULL)
		die("out of memory");
	for (i = 0; i < NKEYS; i++)
		order[i] = i;
	qsort(order, NKEYS, sizeof(order[0]), pk_cmp);

	m->type = MSG_HELLO;
	memcpy(m->u.hello.fed_id, fed.fed_id, 32);
	m->u.hello.version = MSG_PROTOCOL_VERSION;
	fill_heads(&m->u.hello.v, order, NKEYS);
	msg_valid(va, m);
	memset(m, 0, sizeof(*m));
	m->type = MSG_WANT;
	memcpy(m->u.want.author, fed.pk[1], 32);
	m->u.want.from = 2;
	m->u.want.count = 3;
	msg_valid(va, m);
	memset(m, 0, sizeof(*m));
	m->type = MSG_EVENTS;
	for (i = 2; i <= 4; i++) {
		m->u.events.ev[m->u.events.nev].p = logs[1][i].buf;
		m->u.events.ev[m->u.events.nev++].len = logs[1][i].len;
	}
	msg_valid(va, m);
	memset(m, 0, sizeof(*m));
	m->type = MSG_NOTIFY;
	fill_heads(&m->u.notify, (const size_t[]){ 1 }, 1);
	msg_valid(va, m);
	/* A fork: another event by hh.se at seq 2. */
	fork_event(fork_ev, sizeof(fork_ev), &fork_len);
	memset(m, 0, sizeof(*m));
	m->type = MSG_FORK;
	m->u.fork.a = (struct codec_bytes){ logs[0][2].buf, logs[0][2].len };
	m->u.fork.b = (struct codec_bytes){ fork_ev, fork_len };
	msg_valid(va, m);
	memset(m, 0, sizeof(*m));
	m->type = MSG_ERROR;
	m->u.error.code = I40_E_SIG;
	m->u.error.text = (struct codec_bytes){
	    (const uint8_t *)i40_strerror(I40_E_SIG),
	    strlen(i40_strerror(I40_E_SIG)) };
	msg_valid(va, m);
	memset(m, 0, sizeof(*m));
	m->type = MSG_APPEND;
	m->u.append.type = BODY_MODULE_RETIRE;
	m->u.append.body = (struct codec_bytes){ retire_body, retire_len };
	msg_valid(va, m);
	for (i = 0; i < 4; i++) {
		static const uint64_t bare[] = { MSG_STATUS, MSG_PEERS,
		    MSG_SYNC, MSG_OK };

		memset(m, 0, sizeof(*m));
		m->type = bare[i];
		msg_valid(va, m);
	}
	memset(m, 0, sizeof(*m));
	m->type = MSG_KEY_ROTATE;	/* the daemon makes the key */
	msg_valid(va, m);
	m->u.key_rotate.path = (struct codec_bytes){
	    (const uint8_t *)"/etc/i40/next.key", 17 };
	msg_valid(va, m);
	memset(m, 0, sizeof(*m));
	m->type = MSG_APPENDED;
	memcpy(m->u.appended.id, logs[0][heads[0]].id, 32);
	m->u.appended.seq = heads[0];
	msg_valid(va, m);
	memset(m, 0, sizeof(*m));
	m->type = MSG_STATUS_REPLY;
	m->u.status.seq = heads[0];
	m->u.status.node = LIT("hh.se");
	m->u.status.peers = 3;
	memcpy(m->u.status.author, fed.pk[0], 32);
	m->u.status.events = json_array_size(valid_a) - 1;
	m->u.status.authors = NKEYS;
	m->u.status.signing = LIT("waiting");
	m->u.status.why = LIT("2 of the 12 other members have confirmed this node's head");
	crypto_generichash(m->u.status.log_root, 32,
	    (const uint8_t *)"log root", 8, NULL, 0);
	crypto_generichash(m->u.status.state_root, 32,
	    (const uint8_t *)"state root", 10, NULL, 0);
	msg_valid(va, m);
	memset(m, 0, sizeof(*m));
	m->type = MSG_PEERS_REPLY;
	for (i = 0; i < 3; i++) {
		struct msg_peer *p = &m->u.peers.peers[i];
		static const char *const eps[] = {
		    "tcp://node1.example.se:7401",
		    "tcp://node2.example.se:7402",
		    "tcp://node3.example.se:7403" };

		memcpy(p->key, fed.pk[i + 1], 32);
		p->state = (struct codec_bytes){
		    (const uint8_t *)states[i], strlen(states[i]) };
		p->behind = 2 * i;
		p->ahead = 3 * i;
		p->last_ms = T0 + 60000 * i;
		p->endpoint = (struct codec_bytes){
		    (const uint8_t *)eps[i], strlen(eps[i]) };
	}
	m->u.peers.npeers = 3;
	msg_valid(va, m);

	/* Invalid messages. */
	msg_invalid(ia, "unknown-type-7", RAW(0x91, 0x07), 2,
	    I40_E_MSG_TYPE);
	msg_invalid(ia, "unknown-type-0", RAW(0x91, 0x00), 2,
	    I40_E_MSG_TYPE);
	msg_invalid(ia, "not-an-array", RAW(0x01), 1, I40_E_TYPE);
	msg_invalid(ia, "empty-array", RAW(0x90), 1, I40_E_EMPTY);
	/* KEY_ROTATE's path is one line: a newline in it is refused. */
	msg_invalid(ia, "key-rotate-path-newline",
	    RAW(0x92, 0x14, 0xa3, '/', '\n', 'k'), 6, I40_E_VALUE);
	msg_invalid(ia, "key-rotate-no-path", RAW(0x91, 0x14), 2,
	    I40_E_MISSING_FIELD);
	memset(m, 0, sizeof(*m));
	m->type = MSG_HELLO;
	memcpy(m->u.hello.fed_id, fed.fed_id, 32);
	m->u.hello.version = MSG_PROTOCOL_VERSION;
	fill_heads(&m->u.hello.v, (const size_t[]){ order[1], order[0] }, 2);
	msg_invalid(ia, "hello-heads-descending", mbuf, msg_unchecked(m),
	    I40_E_KEY_ORDER);
	fill_heads(&m->u.hello.v, (const size_t[]){ order[0], order[0] }, 2);
	msg_invalid(ia, "hello-heads-same-author-twice", mbuf,
	    msg_unchecked(m), I40_E_KEY_ORDER);
	fill_heads(&m->u.hello.v, order, NKEYS);
	m->u.hello.version = 0;
	msg_invalid(ia, "hello-version-0", mbuf, msg_unchecked(m),
	    I40_E_RANGE);
	memset(m, 0, sizeof(*m));
	m->type = MSG_NOTIFY;
	fill_heads(&m->u.notify, (const size_t[]){ order[2], order[1] }, 2);
	msg_invalid(ia, "notify-heads-descending", mbuf, msg_unchecked(m),
	    I40_E_KEY_ORDER);
	memset(m, 0, sizeof(*m));
	m->type = MSG_WANT;
	memcpy(m->u.want.author, fed.pk[1], 32);
	m->u.want.from = 2;
	m->u.want.count = 0;
	msg_invalid(ia, "want-count-0", mbuf, msg_unchecked(m), I40_E_RANGE);
	m->u.want.count = MSG_MAX_EVENTS + 1;
	msg_invalid(ia, "want-count-over-max-events", mbuf, msg_unchecked(m),
	    I40_E_RANGE);
	m->u.want.count = 3;
	m->u.want.from = 0;
	msg_invalid(ia, "want-from-0", mbuf, msg_unchecked(m), I40_E_RANGE);
	/* EVENTS with MSG_MAX_EVENTS + 1 one-byte bins. */
	codec_writer_init(&w, mbuf, sizeof(mbuf));
	codec_put_array(&w, 2);
	codec_put_uint(&w, MSG_EVENTS);
	codec_put_array(&w, MSG_MAX_EVENTS + 1);
	for (i = 0; i < MSG_MAX_EVENTS + 1; i++)
		codec_put_bin(&w, RAW(0x00), 1);
	check(codec_writer_finish(&w, &len), "writer");
	msg_invalid(ia, "events-over-max-events", mbuf, len, I40_E_TOO_LONG);
	memset(m, 0, sizeof(*m));
	m->type = MSG_ERROR;
	m->u.error.code = 5;
	m->u.error.text = LIT("x");
	msg_invalid(ia, "error-code-positive", mbuf, msg_unchecked(m),
	    I40_E_RANGE);
	memset(m, 0, sizeof(*m));
	m->type = MSG_APPENDED;
	m->u.appended.seq = 1;
	len = msg_unchecked(m);
	mbuf[len] = 0x00;
	msg_invalid(ia, "appended-trailing-byte", mbuf, len + 1,
	    I40_E_TRAILING);
	msg_invalid(ia, "appended-truncated", mbuf, len - 1,
	    I40_E_TRUNCATED);
	msg_invalid(ia, "want-noncanonical-count", RAW(0x94, 0x02, 0xc4, 0x20,
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	    0x01, 0xcc, 0x03), 39, I40_E_NONCANON_INT);
	free(m);

	set(root, "valid", va);
	set(root, "invalid", ia);
	printf("messages.json: %zu valid, %zu invalid\n", json_array_size(va),
	    json_array_size(ia));
	write_json("messages.json", root);
}

/* export.json: the valid logs, stored and exported (protocol.md §13). */
struct export_gen {
	struct exp_writer w;
	json_t *recs;
	uint64_t off;
};

static int
export_rec(void *arg, int type, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	struct export_gen *x = arg;
	json_t *o = json_object();
	struct ev_signed e;
	uint64_t before = x->w.bytes;
	int rc;

	rc = type == EXP_REC_GENESIS ? exp_write_begin(&x->w, x->w.f, a, alen) :
	    type == EXP_REC_EVENT ? exp_write_event(&x->w, a, alen) :
	    exp_write_evidence(&x->w, a, alen, b, blen);
	check(rc, "export record");
	check(ev_decode(a, alen, fed.fed_id, &e, NULL, NULL), "ev_decode");
	if (type == EXP_REC_GENESIS)
		before = EXP_MAGIC_LEN + 4;
	set(o, "type", json_sprintf("%c", type));
	set(o, "offset", json_integer((json_int_t)before));
	set(o, "length", json_integer((json_int_t)(x->w.bytes - before - 5)));
	set(o, "author", jhex(e.h.author, 32));
	set(o, "seq", json_integer((json_int_t)e.h.seq));
	push(x->recs, o);
	return 0;
}

static const char *const table_names[STORE_T_COUNT] = {
	"d_member", "d_module", "d_modver", "d_compl", "d_revoke", "d_fork",
	"d_settle"
};

static int
roots_entry(void *arg, unsigned t, const uint8_t *k, size_t kl,
    const uint8_t *v, size_t vl)
{
	json_t *e = json_object();

	set(e, "table", json_integer((json_int_t)t));
	set(e, "name", json_string(table_names[t]));
	set(e, "key", jhex(k, kl));
	set(e, "value", jhex(v, vl));
	if (json_array_append_new(arg, e) != 0)
		die("out of memory");
	return 0;
}

/* roots.json: the roots of export.json's store, and what each hashes. */
static void
gen_roots(struct store *st)
{
	json_t *out = json_object(), *lr = json_object(), *sr = json_object();
	json_t *lheads = json_array(), *ents = json_array(), *h;
	struct store_head *hs;
	uint8_t root[32];
	size_t n, i;

	check(store_heads(st, &hs, &n), "store_heads");
	for (i = 0; i < n; i++) {
		h = json_object();
		set(h, "author", jhex(hs[i].author, 32));
		set(h, "seq", json_integer((json_int_t)(hs[i].last < hs[i].seq ?
		    hs[i].last : hs[i].seq)));
		set(h, "id", jhex(hs[i].last_id, 32));
		set(h, "frozen", json_integer(hs[i].frozen != 0));
		json_array_append_new(lheads, h);
	}
	free(hs);
	check(store_log_root(st, root), "store_log_root");
	set(lr, "tag", json_string("i40/log-root/v1"));
	set(lr, "entries", lheads);
	set(lr, "root", jhex(root, 32));
	check(store_state_walk(st, roots_entry, ents), "store_state_walk");
	check(store_state_root(st, root), "store_state_root");
	set(sr, "tag", json_string("i40/state-root/v1"));
	set(sr, "entries", ents);
	set(sr, "root", jhex(root, 32));
	set(out, "description", json_string("docs/protocol.md §14: the log "
	    "root and the state root of export.json's log (a small "
	    "federation with one fork), with the entries each hashes, in "
	    "order"));
	set(out, "log_root", lr);
	set(out, "state_root", sr);
	printf("roots.json: %zu heads, %zu state entries\n", n,
	    json_array_size(ents));
	write_json("roots.json", out);
}

static void
gen_export(void)
{
	char dir[] = "/tmp/i40-genvectors-XXXXXX", sdir[64];
	struct store_export_sel sel = { NULL, 1, NULL, 0, 0 };
	struct store_item it;
	struct store_outcome o;
	struct export_gen x;
	struct store *st;
	uint8_t root[32];
	json_t *out = json_object(), *tr = json_object();
	char *buf = NULL;
	size_t len = 0, a, s;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	snprintf(sdir, sizeof(sdir), "%s/store", dir);
	check(store_create(sdir, logs[0][1].buf, logs[0][1].len, NULL),
	    "store_create");
	check(store_open(sdir, NULL, &st), "store_open");
	for (a = 0; a < NKEYS; a++)
		for (s = 1; s <= heads[a]; s++) {
			if (a == 0 && s == 1)
				continue;
			check(ev_decode(logs[a][s].buf, logs[a][s].len,
			    fed.fed_id, &it.ev, NULL, NULL), "ev_decode");
			check(store_keys_in_force(st, &it, 1), "key");
			check(store_append(st, &it, 1, &o), "store_append");
		}
	/*
	 * Fork evidence for the F record: hh.se's seq 2 and another event at
	 * that seq, the one messages.json's FORK carries.
	 */
	{
		struct store_item pair[2];
		uint8_t fork_ev[BUF];
		size_t flen;

		fork_event(fork_ev, sizeof(fork_ev), &flen);
		check(ev_decode(logs[0][2].buf, logs[0][2].len, fed.fed_id,
		    &pair[0].ev, NULL, NULL), "ev_decode");
		check(ev_decode(fork_ev, flen, fed.fed_id, &pair[1].ev, NULL,
		    NULL), "ev_decode");
		check(store_keys_in_force(st, pair, 2), "key");
		check(store_evidence(st, pair, &o), "store_evidence");
		if (o.result != STORE_FORK)
			die("export.json: the fork was not kept as evidence");
	}
	memset(&x, 0, sizeof(x));
	x.recs = json_array();
	if ((f = x.w.f = open_memstream(&buf, &len)) == NULL)
		die("open_memstream");
	check(store_export(st, &sel, export_rec, &x, root), "store_export");
	check(exp_write_end(&x.w, root), "exp_write_end");
	if (fclose(f) != 0)
		die("export: write failed");
	gen_roots(st);
	store_close(st);
	sample_rm_rf(dir);
	set(out, "description", json_string("docs/protocol.md §13: the "
	    "valid logs of events.json (those the store takes) and the fork "
	    "evidence of messages.json's FORK, exported: the file in hex, its "
	    "records and its trailer"));
	set(out, "hex", jhex((const uint8_t *)buf, len));
	set(out, "records", x.recs);
	set(tr, "events", json_integer((json_int_t)x.w.events));
	set(tr, "evidence", json_integer((json_int_t)x.w.evidence));
	set(tr, "log_root", jhex(root, 32));
	set(tr, "digest", jhex((const uint8_t *)buf + len - 32, 32));
	set(out, "trailer", tr);
	printf("export.json: %llu events\n", (unsigned long long)x.w.events);
	write_json("export.json", out);
	free(buf);
}

int
main(int argc, char *argv[])
{
	int a, s;

	if (argc != 2) {
		fprintf(stderr, "usage: genvectors dir\n");
		return 2;
	}
	outdir = argv[1];
	if ((bodybuf = malloc(sizeof(*bodybuf))) == NULL)
		die("out of memory");
	check(sample_fed_init(&fed, NKEYS), "sample_fed_init");
	gen_keys();
	gen_signatures();
	gen_events();
	gen_messages();
	gen_export();
	for (a = 0; a < NKEYS; a++)
		for (s = 0; s <= MAXSEQ; s++)
			free(logs[a][s].buf);
	sample_fed_free(&fed);
	free(bodybuf);
	return 0;
}
