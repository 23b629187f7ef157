/*
 * keys.h: Ed25519 identity keys, the transport (CURVE) keys derived from
 * them, and the Ed25519 validity self-test.
 *
 * A node has one Ed25519 key: it signs events with it.  ZeroMQ CURVE uses
 * a separate X25519 pair, the transport key, derived one-way from the
 * Ed25519 seed (docs/protocol.md §8.3): libzmq copies the CURVE secret
 * into ordinary memory, and what it holds must give no signing power.
 * The member record publishes the transport key with a certificate, the
 * identity key's signature of it.  The
 * secret lives in sodium_malloc() memory (guard pages, mlock, wiped on
 * free) and is PROT_NONE except while a call uses it.  This module does no
 * I/O: key files are store/keyfile.h's job.
 *
 * Call key_init() once before anything else here (it calls sodium_init).
 *
 * THREAD SAFETY: key_sign() changes the protection of the secret's pages,
 * so one struct key_secret must not be used by two threads at once.
 * Everything else is reentrant.
 */
#ifndef I40_KEYS_H
#define I40_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define KEY_PK_BYTES 32
#define KEY_SEED_BYTES 32
#define KEY_SIG_BYTES 64
#define KEY_CURVE_BYTES 32
#define KEY_Z85_LEN 40		/* characters, without the NUL */
#define KEY_CARD_MSG_BYTES 80	/* "i40/transport/v1" key(32) transport(32) */

struct key_secret;

/* sodium_init(); I40_E_CRYPTO_INIT if libsodium cannot start. */
int key_init(void) I40_MUST_CHECK;

/* A new random key.  Caller owns *out, free with key_free(). */
int key_generate(struct key_secret **out) I40_MUST_CHECK;
/* The key of a 32-byte seed.  Caller owns *out, free with key_free(). */
int key_from_seed(const uint8_t seed[KEY_SEED_BYTES], struct key_secret **out)
    I40_MUST_CHECK;
/* Wipe and free; NULL is a no-op. */
void key_free(struct key_secret *k);

void key_public(const struct key_secret *k, uint8_t pk[KEY_PK_BYTES]);
/*
 * Copy the seed into out, which the caller must wipe (sodium_memzero) or
 * keep in sodium_malloc() memory.  Used only to write a key file.
 */
void key_seed(const struct key_secret *k, uint8_t out[KEY_SEED_BYTES]);

/*
 * Make the secret readable for a batch of signatures, and lock it again.
 * Calls nest; the secret is PROT_NONE again when the outermost key_lock()
 * returns.  Each mprotect() pair costs about 2 us, a tenth of a signature,
 * so a registrar's import of a thousand results signs them in one unlocked
 * scope; a single key_sign() outside any scope unlocks and locks by itself.
 */
void key_unlock(struct key_secret *k);
void key_lock(struct key_secret *k);

/* Sign m[0..mlen) (deterministic Ed25519). */
void key_sign(const struct key_secret *k, const uint8_t *m, size_t mlen,
    uint8_t sig[KEY_SIG_BYTES]);
/* 0 if sig is a valid signature of m by pk under libsodium's rules, else
 * I40_E_SIG. */
int key_verify(const uint8_t pk[KEY_PK_BYTES], const uint8_t *m, size_t mlen,
    const uint8_t sig[KEY_SIG_BYTES]) I40_MUST_CHECK;

/*
 * I40_E_BAD_KEY unless pk is an Ed25519 key i40 accepts: canonical, not
 * of small order, and convertible to X25519 for CURVE.
 */
int key_check_public(const uint8_t pk[KEY_PK_BYTES]) I40_MUST_CHECK;
/* The X25519 public key of an Ed25519 public key (I40_E_BAD_KEY). */
int key_curve_public(const uint8_t pk[KEY_PK_BYTES],
    uint8_t cpk[KEY_CURVE_BYTES]) I40_MUST_CHECK;
/*
 * The X25519 secret key of k, into csk: caller-provided sodium_malloc()
 * memory, because it is as secret as k itself.
 */
int key_curve_secret(const struct key_secret *k, uint8_t csk[KEY_CURVE_BYTES])
    I40_MUST_CHECK;

/*
 * The transport secret of k: the X25519 secret that is BLAKE2b-256 keyed
 * with k's seed over "i40/transport/v1" (crypto_kdf_derive_from_key,
 * context "i40trans", subkey 1).  Into csk: caller-provided
 * sodium_malloc() memory; libzmq gets a copy and nothing more.
 */
int key_transport_secret(const struct key_secret *k,
    uint8_t csk[KEY_CURVE_BYTES]) I40_MUST_CHECK;
/* Its public half, and the certificate: k's signature of the card. */
int key_transport_card(const struct key_secret *k,
    uint8_t tpk[KEY_CURVE_BYTES], uint8_t sig[KEY_SIG_BYTES]) I40_MUST_CHECK;
/* What a certificate signs: "i40/transport/v1" || pk || tpk. */
void key_card_msg(const uint8_t pk[KEY_PK_BYTES],
    const uint8_t tpk[KEY_CURVE_BYTES], uint8_t out[KEY_CARD_MSG_BYTES]);
/*
 * 0 if tpk is an X25519 key CURVE can use (not of small order) and sig
 * certifies it for pk; else I40_E_BAD_KEY (the key) or I40_E_CARD.
 */
int key_check_card(const uint8_t pk[KEY_PK_BYTES],
    const uint8_t tpk[KEY_CURVE_BYTES], const uint8_t sig[KEY_SIG_BYTES])
    I40_MUST_CHECK;

/* Z85 (ZeroMQ RFC 32) text of a 32-byte key, NUL-terminated. */
void key_z85_encode(const uint8_t key[32], char out[KEY_Z85_LEN + 1]);
/* Parse 40 Z85 characters; I40_E_VALUE if s is not exactly that. */
int key_z85_decode(const char *s, uint8_t out[32]) I40_MUST_CHECK;

/*
 * One Ed25519 edge case: a key, a message, a signature, and whether i40's
 * rules accept it.  The list is the normative table of docs/protocol.md,
 * "Signature validity".
 */
struct key_vector {
	const char *name;
	uint8_t pk[KEY_PK_BYTES];
	uint8_t msg[64];
	size_t msglen;
	uint8_t sig[KEY_SIG_BYTES];
	int valid;
};

/*
 * A valid signature of msg by seed's key, different from key_sign()'s: the
 * nonce comes from label instead of the secret.  For test vectors of
 * "two signatures, one event" only.  WARNING: the same label over two
 * messages reveals the secret key; never sign anything real with it.
 */
int key_vector_signature(const uint8_t seed[KEY_SEED_BYTES],
    const char *label, const uint8_t *msg, size_t len,
    uint8_t sig[KEY_SIG_BYTES]) I40_MUST_CHECK;

#define KEY_NVECTORS 12
/* Build the edge-case vectors (deterministic) into out[KEY_NVECTORS]. */
int key_vectors(struct key_vector out[KEY_NVECTORS]) I40_MUST_CHECK;

/*
 * Check that libsodium judges every vector as i40 requires.  i40d runs this
 * at start-up and refuses to run when it fails.  On failure *failed names
 * the first vector judged differently.
 */
int key_selftest(const char **failed) I40_MUST_CHECK;

#endif
