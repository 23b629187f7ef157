/*
 * event.h: i40's signed events: encode, sign, decode strictly, verify, id.
 *
 *   event  = [ v=1, fed_id, author, seq, prev, time_ms, type, body ]
 *   signed = [ event, sig ]
 *
 * sig is Ed25519 over "i40/event-sig/v1" || event, and the id is
 * BLAKE2b-256 over "i40/event-id/v1" || event: the signature is not part of
 * the id, so two valid signatures of one event are one event
 * (docs/protocol.md, "Events").
 *
 * ev_decode() does every check that needs no key, cheapest first: size,
 * canonical form, the header's types and values, the federation, the body's
 * schema and rules; only then does the caller pay for ev_verify() with the
 * key in force at that seq (which the store knows: key rotation).
 *
 * Ownership: struct ev_signed borrows the buffer it was decoded from.
 */
#ifndef I40_EVENT_H
#define I40_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "body.h"
#include "codec.h"
#include "keys.h"

#define EV_VERSION 1
#define EV_ID_BYTES 32
#define EV_FED_ID_BYTES 32
#define EV_MAX_BYTES 65536	/* largest encoded signed event */
#define EV_MAX_DEPTH 5		/* signed > event > body > list > record */
#define EV_TIME_MAX ((UINT64_C(1) << 53) - 1)	/* exact in a double */

#define EV_SIG_TAG "i40/event-sig/v1"
#define EV_ID_TAG "i40/event-id/v1"
#define EV_FED_TAG "i40/fed-id/v1"

struct ev_header {
	uint8_t fed_id[EV_FED_ID_BYTES];
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;			/* 1, 2, ... without gaps */
	uint8_t prev[EV_ID_BYTES];	/* id of seq-1, zeros at seq 1 */
	uint64_t time_ms;		/* informational only */
	uint32_t type;			/* enum body_type */
};

struct ev_signed {
	struct ev_header h;
	struct codec_bytes body;	/* the canonical body map */
	struct codec_bytes event;	/* the encoded unsigned event */
	uint8_t sig[KEY_SIG_BYTES];
	uint8_t id[EV_ID_BYTES];
};

/* The id of an encoded unsigned event. */
void ev_id(const uint8_t *event, size_t len, uint8_t id[EV_ID_BYTES]);

/* fed_id of a federation: BLAKE2b-256 of "i40/fed-id/v1" || charter body. */
void ev_fed_id(const uint8_t *charter, size_t len,
    uint8_t fed_id[EV_FED_ID_BYTES]);

/*
 * Encode and sign the event (h, body) with k into out[0..cap): the signed
 * event's bytes in *len and its id in id.  body must be a canonical body
 * (body_encode).  k must be the key in force for h->author at h->seq: the
 * author's identity key until a key rotation, the rotated key after it;
 * only the caller (the store) knows which, so it is not checked here.
 * I40_E_BUFFER if cap is too small, I40_E_TOO_BIG over EV_MAX_BYTES.
 */
int ev_sign(const struct ev_header *h, const uint8_t *body, size_t blen,
    const struct key_secret *k, uint8_t *out, size_t cap, size_t *len,
    uint8_t id[EV_ID_BYTES]) I40_MUST_CHECK;

/*
 * Decode and check the signed event buf[0..len) of federation fed_id, and
 * its body (into body, which may be NULL if the caller does not need it).
 * fed_id may be NULL only to read a genesis event before the federation is
 * known.  A genesis event must be seq 1, carry the fed_id of its own
 * charter, and be authored by a founding member.  Does not verify the
 * signature.  err may be NULL.
 */
int ev_decode(const uint8_t *buf, size_t len, const uint8_t *fed_id,
    struct ev_signed *out, struct body *body, struct codec_err *err)
    I40_MUST_CHECK;

/* 0 if e's signature verifies with pk, else I40_E_SIG. */
int ev_verify(const struct ev_signed *e, const uint8_t pk[KEY_PK_BYTES])
    I40_MUST_CHECK;

#endif
