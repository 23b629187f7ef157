/* event.c: signed events (see event.h). */
#include "event.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "schema.h"

#define SIG_TAG_LEN (sizeof(EV_SIG_TAG) - 1)

static const uint8_t zeros[EV_ID_BYTES];

void
ev_id(const uint8_t *event, size_t len, uint8_t id[EV_ID_BYTES])
{
	crypto_generichash_blake2b_state st;

	crypto_generichash_blake2b_init(&st, NULL, 0, EV_ID_BYTES);
	crypto_generichash_blake2b_update(&st, (const uint8_t *)EV_ID_TAG,
	    sizeof(EV_ID_TAG) - 1);
	crypto_generichash_blake2b_update(&st, event, len);
	crypto_generichash_blake2b_final(&st, id, EV_ID_BYTES);
}

void
ev_fed_id(const uint8_t *charter, size_t len, uint8_t fed_id[EV_FED_ID_BYTES])
{
	crypto_generichash_blake2b_state st;

	crypto_generichash_blake2b_init(&st, NULL, 0, EV_FED_ID_BYTES);
	crypto_generichash_blake2b_update(&st, (const uint8_t *)EV_FED_TAG,
	    sizeof(EV_FED_TAG) - 1);
	crypto_generichash_blake2b_update(&st, charter, len);
	crypto_generichash_blake2b_final(&st, fed_id, EV_FED_ID_BYTES);
}

int
ev_sign(const struct ev_header *h, const uint8_t *body, size_t blen,
    const struct key_secret *k, uint8_t *out, size_t cap, size_t *len,
    uint8_t id[EV_ID_BYTES])
{
	struct codec_writer w;
	size_t elen;
	int rc;

	if (cap < SIG_TAG_LEN)
		return I40_E_BUFFER;
	/*
	 * Encode the event right after room for the signature tag, so that
	 * tag || event is contiguous for signing without a copy; then slide
	 * it into its place inside [event, sig].
	 */
	codec_writer_init(&w, out + SIG_TAG_LEN, cap - SIG_TAG_LEN);
	codec_put_array(&w, 8);
	codec_put_uint(&w, EV_VERSION);
	codec_put_bin(&w, h->fed_id, EV_FED_ID_BYTES);
	codec_put_bin(&w, h->author, KEY_PK_BYTES);
	codec_put_uint(&w, h->seq);
	codec_put_bin(&w, h->prev, EV_ID_BYTES);
	codec_put_uint(&w, h->time_ms);
	codec_put_uint(&w, h->type);
	codec_put_raw(&w, body, blen);
	if ((rc = codec_writer_finish(&w, &elen)) != 0)
		return rc;
	if (1 + elen + 2 + KEY_SIG_BYTES > EV_MAX_BYTES)
		return I40_E_TOO_BIG;
	if (cap < SIG_TAG_LEN + elen + 2 + KEY_SIG_BYTES)
		return I40_E_BUFFER;
	memcpy(out, EV_SIG_TAG, SIG_TAG_LEN);
	ev_id(out + SIG_TAG_LEN, elen, id);
	key_sign(k, out, SIG_TAG_LEN + elen, out + SIG_TAG_LEN + elen + 2);
	memmove(out + 1, out + SIG_TAG_LEN, elen);
	out[0] = 0x92;
	out[1 + elen] = 0xc4;
	out[2 + elen] = KEY_SIG_BYTES;
	memmove(out + 3 + elen, out + SIG_TAG_LEN + elen + 2, KEY_SIG_BYTES);
	*len = 1 + elen + 2 + KEY_SIG_BYTES;
	return 0;
}

static int
fail_at(struct codec_reader *r, int rc, const char *field)
{
	r->field = field;
	return codec_fail(r, rc);
}

/* An array of exactly n elements; fewer or more fail as a record would. */
static int
read_tuple(struct codec_reader *r, uint32_t n, const char *field)
{
	size_t start = r->off;
	uint32_t got;
	int rc;

	r->field = field;
	if ((rc = codec_read_array(r, 0, UINT32_MAX, &got)) != 0)
		return rc;
	if (got != n) {
		r->off = start;
		return codec_fail(r, got < n ? I40_E_MISSING_FIELD :
		    I40_E_UNKNOWN_FIELD);
	}
	return 0;
}

/* Offsets of the header fields, for errors found after the header. */
struct ev_offsets {
	size_t fed_id, author, seq;
};

/* The genesis rules: seq 1, its own fed_id, a founding member as author. */
static int
check_genesis(struct codec_reader *r, const struct ev_signed *e,
    const struct body *b, const struct ev_offsets *at)
{
	uint8_t fid[EV_FED_ID_BYTES];
	uint32_t i;

	if (e->h.seq != 1) {
		r->off = at->seq;
		return fail_at(r, I40_E_SEQ, "seq");
	}
	ev_fed_id(e->body.p, e->body.len, fid);
	if (memcmp(fid, e->h.fed_id, EV_FED_ID_BYTES) != 0) {
		r->off = at->fed_id;
		return fail_at(r, I40_E_FED_ID, "fed_id");
	}
	for (i = 0; i < b->u.charter.nmembers; i++)
		if (memcmp(b->u.charter.members[i].key, e->h.author,
		    KEY_PK_BYTES) == 0 &&
		    schema_bytes_eq(b->u.charter.members[i].role, "member"))
			return 0;
	r->off = at->author;
	return fail_at(r, I40_E_VALUE, "author");
}

int
ev_decode(const uint8_t *buf, size_t len, const uint8_t *fed_id,
    struct ev_signed *out, struct body *body, struct codec_err *err)
{
	struct codec_reader r;
	struct body *b = body;
	struct body_ctx ctx;
	struct ev_offsets at;
	uint64_t v, type;
	size_t start;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (len > EV_MAX_BYTES) {
		codec_reader_init(&r, buf, len, err);
		return codec_fail(&r, I40_E_TOO_BIG);
	}
	if ((rc = codec_check(buf, len, EV_MAX_DEPTH, err)) != 0)
		return rc;
	codec_reader_init(&r, buf, len, err);
	memset(out, 0, sizeof(*out));
	if ((rc = read_tuple(&r, 2, "signed")) != 0)
		return rc;
	start = r.off;
	if ((rc = read_tuple(&r, 8, "event")) != 0)
		return rc;
	r.field = "v";
	if ((rc = codec_read_uint(&r, 0, UINT64_MAX, &v)) != 0)
		return rc;
	if (v != EV_VERSION)
		return fail_at(&r, I40_E_VERSION, "v");
	r.field = "fed_id";
	at.fed_id = r.off;
	if ((rc = codec_read_fixbin(&r, EV_FED_ID_BYTES, out->h.fed_id)) != 0)
		return rc;
	if (fed_id != NULL && memcmp(fed_id, out->h.fed_id,
	    EV_FED_ID_BYTES) != 0)
		return fail_at(&r, I40_E_FED_ID, "fed_id");
	r.field = "author";
	at.author = r.off;
	if ((rc = codec_read_fixbin(&r, KEY_PK_BYTES, out->h.author)) != 0)
		return rc;
	r.field = "seq";
	at.seq = r.off;
	if ((rc = codec_read_uint(&r, 0, UINT64_MAX, &out->h.seq)) != 0)
		return rc;
	if (out->h.seq == 0)
		return fail_at(&r, I40_E_SEQ, "seq");
	r.field = "prev";
	if ((rc = codec_read_fixbin(&r, EV_ID_BYTES, out->h.prev)) != 0)
		return rc;
	if (out->h.seq == 1 && memcmp(out->h.prev, zeros, EV_ID_BYTES) != 0)
		return fail_at(&r, I40_E_PREV, "prev");
	r.field = "time_ms";
	if ((rc = codec_read_uint(&r, 0, EV_TIME_MAX, &out->h.time_ms)) != 0)
		return rc;
	r.field = "type";
	if ((rc = codec_read_uint(&r, 0, UINT64_MAX, &type)) != 0)
		return rc;
	if (body_type_name(type > UINT32_MAX ? 0 : (uint32_t)type) == NULL)
		return fail_at(&r, I40_E_EVENT_TYPE, "type");
	out->h.type = (uint32_t)type;
	r.field = "body";
	out->body.p = buf + r.off;
	if (codec_peek(&r) != CODEC_MAP)
		return codec_fail(&r, I40_E_TYPE);
	if ((rc = codec_skip(&r)) != 0)
		return rc;
	out->body.len = (size_t)(buf + r.off - out->body.p);
	out->event.p = buf + start;
	out->event.len = r.off - start;
	r.field = "sig";
	if ((rc = codec_read_fixbin(&r, KEY_SIG_BYTES, out->sig)) != 0)
		return rc;
	if ((rc = codec_read_end(&r)) != 0)
		return rc;

	if (b == NULL && (b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	ctx.fed_id = out->h.fed_id;
	ctx.author = out->h.author;
	rc = body_decode(out->h.type, out->body.p, out->body.len, &ctx, b,
	    err);
	/* Body errors are found at offsets within the body: rebase them. */
	if (rc != 0 && err != NULL)
		err->offset += (size_t)(out->body.p - buf);
	if (rc == 0 && out->h.type == BODY_GENESIS)
		rc = check_genesis(&r, out, b, &at);
	if (b != body)
		free(b);
	if (rc != 0)
		return rc;
	ev_id(out->event.p, out->event.len, out->id);
	return 0;
}

int
ev_verify(const struct ev_signed *e, const uint8_t pk[KEY_PK_BYTES])
{
	uint8_t stackbuf[2048], *m = stackbuf;
	size_t mlen = SIG_TAG_LEN + e->event.len;
	int rc;

	/* Ed25519 needs tag || event contiguous; most events fit the stack. */
	if (mlen > sizeof(stackbuf) && (m = malloc(mlen)) == NULL)
		return I40_E_NOMEM;
	memcpy(m, EV_SIG_TAG, SIG_TAG_LEN);
	memcpy(m + SIG_TAG_LEN, e->event.p, e->event.len);
	rc = key_verify(pk, m, mlen, e->sig);
	if (m != stackbuf)
		free(m);
	return rc;
}
