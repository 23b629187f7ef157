/*
 * keys.c: Ed25519 keys in guarded memory, CURVE derivation, Z85, and the
 * signature-validity self-test (see keys.h).
 */
#include "keys.h"

#include <string.h>

#include <sodium.h>

struct key_secret {
	uint8_t *sk;			/* sodium_malloc, crypto_sign_SECRETKEYBYTES */
	uint8_t pk[KEY_PK_BYTES];
	unsigned unlocked;		/* key_unlock() depth */
};

int
key_init(void)
{
	return sodium_init() < 0 ? I40_E_CRYPTO_INIT : 0;
}

static int
key_new(struct key_secret **out)
{
	struct key_secret *k;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return I40_E_NOMEM;
	if ((k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL) {
		free(k);
		return I40_E_NOMEM;
	}
	*out = k;
	return 0;
}

int
key_generate(struct key_secret **out)
{
	int rc;

	if ((rc = key_new(out)) != 0)
		return rc;
	crypto_sign_keypair((*out)->pk, (*out)->sk);
	sodium_mprotect_noaccess((*out)->sk);
	return 0;
}

int
key_from_seed(const uint8_t seed[KEY_SEED_BYTES], struct key_secret **out)
{
	int rc;

	if ((rc = key_new(out)) != 0)
		return rc;
	crypto_sign_seed_keypair((*out)->pk, (*out)->sk, seed);
	sodium_mprotect_noaccess((*out)->sk);
	return 0;
}

void
key_free(struct key_secret *k)
{
	if (k == NULL)
		return;
	sodium_free(k->sk);	/* unprotects, wipes and unmaps */
	free(k);
}

void
key_public(const struct key_secret *k, uint8_t pk[KEY_PK_BYTES])
{
	memcpy(pk, k->pk, KEY_PK_BYTES);
}

void
key_seed(const struct key_secret *k, uint8_t out[KEY_SEED_BYTES])
{
	key_unlock((struct key_secret *)k);
	crypto_sign_ed25519_sk_to_seed(out, k->sk);
	key_lock((struct key_secret *)k);
}

void
key_unlock(struct key_secret *k)
{
	if (k->unlocked++ == 0)
		sodium_mprotect_readonly(k->sk);
}

void
key_lock(struct key_secret *k)
{
	if (k->unlocked > 0 && --k->unlocked == 0)
		sodium_mprotect_noaccess(k->sk);
}

void
key_sign(const struct key_secret *k, const uint8_t *m, size_t mlen,
    uint8_t sig[KEY_SIG_BYTES])
{
	if (k->unlocked > 0) {
		crypto_sign_detached(sig, NULL, m, mlen, k->sk);
		return;
	}
	sodium_mprotect_readonly(k->sk);
	crypto_sign_detached(sig, NULL, m, mlen, k->sk);
	sodium_mprotect_noaccess(k->sk);
}

int
key_verify(const uint8_t pk[KEY_PK_BYTES], const uint8_t *m, size_t mlen,
    const uint8_t sig[KEY_SIG_BYTES])
{
	return crypto_sign_verify_detached(sig, m, mlen, pk) == 0 ? 0 :
	    I40_E_SIG;
}

int
key_curve_public(const uint8_t pk[KEY_PK_BYTES], uint8_t cpk[KEY_CURVE_BYTES])
{
	return crypto_sign_ed25519_pk_to_curve25519(cpk, pk) == 0 ? 0 :
	    I40_E_BAD_KEY;
}

int
key_check_public(const uint8_t pk[KEY_PK_BYTES])
{
	uint8_t cpk[KEY_CURVE_BYTES];

	/*
	 * libsodium refuses small-order and non-canonical points here; a key
	 * that cannot be a CURVE key could never connect, so it is no member.
	 */
	return key_curve_public(pk, cpk);
}

int
key_curve_secret(const struct key_secret *k, uint8_t csk[KEY_CURVE_BYTES])
{
	int rc;

	key_unlock((struct key_secret *)k);
	rc = crypto_sign_ed25519_sk_to_curve25519(csk, k->sk);
	key_lock((struct key_secret *)k);
	return rc == 0 ? 0 : I40_E_BAD_KEY;
}

int
key_transport_secret(const struct key_secret *k, uint8_t csk[KEY_CURVE_BYTES])
{
	int rc;

	/* libsodium's secret key is seed || pk: the KDF's key is the seed. */
	key_unlock((struct key_secret *)k);
	rc = crypto_kdf_derive_from_key(csk, KEY_CURVE_BYTES, 1, "i40trans",
	    k->sk);
	key_lock((struct key_secret *)k);
	return rc == 0 ? 0 : I40_E_CRYPTO_INIT;
}

void
key_card_msg(const uint8_t pk[KEY_PK_BYTES], const uint8_t tpk[KEY_CURVE_BYTES],
    uint8_t out[KEY_CARD_MSG_BYTES])
{
	memcpy(out, "i40/transport/v1", 16);
	memcpy(out + 16, pk, KEY_PK_BYTES);
	memcpy(out + 48, tpk, KEY_CURVE_BYTES);
}

int
key_transport_card(const struct key_secret *k, uint8_t tpk[KEY_CURVE_BYTES],
    uint8_t sig[KEY_SIG_BYTES])
{
	uint8_t *csk, msg[KEY_CARD_MSG_BYTES];
	int rc;

	if ((csk = sodium_malloc(KEY_CURVE_BYTES)) == NULL)
		return I40_E_NOMEM;
	if ((rc = key_transport_secret(k, csk)) == 0 &&
	    crypto_scalarmult_base(tpk, csk) != 0)
		rc = I40_E_BAD_KEY;
	sodium_free(csk);
	if (rc != 0)
		return rc;
	key_card_msg(k->pk, tpk, msg);
	key_sign(k, msg, sizeof(msg), sig);
	return 0;
}

int
key_check_card(const uint8_t pk[KEY_PK_BYTES],
    const uint8_t tpk[KEY_CURVE_BYTES], const uint8_t sig[KEY_SIG_BYTES])
{
	static const uint8_t probe[32] = { 9, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t msg[KEY_CARD_MSG_BYTES], q[32];

	/*
	 * A small-order point gives the all-zero product for every (clamped)
	 * scalar, which libsodium reports: such a key could never connect.
	 */
	if (crypto_scalarmult(q, probe, tpk) != 0)
		return I40_E_BAD_KEY;
	sodium_memzero(q, sizeof(q));
	key_card_msg(pk, tpk, msg);
	return key_verify(pk, msg, sizeof(msg), sig) == 0 ? 0 : I40_E_CARD;
}

static const char z85_chars[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ".-:+=^!/*?&<>()[]{}@%$#";

void
key_z85_encode(const uint8_t key[32], char out[KEY_Z85_LEN + 1])
{
	size_t i, j, o = 0;

	for (i = 0; i < 32; i += 4) {
		uint32_t v = (uint32_t)key[i] << 24 | (uint32_t)key[i + 1] << 16 |
		    (uint32_t)key[i + 2] << 8 | key[i + 3];

		for (j = 0; j < 5; j++) {
			out[o + 4 - j] = z85_chars[v % 85];
			v /= 85;
		}
		o += 5;
	}
	out[KEY_Z85_LEN] = '\0';
}

int
key_z85_decode(const char *s, uint8_t out[32])
{
	size_t i, j;

	if (strlen(s) != KEY_Z85_LEN)
		return I40_E_VALUE;
	for (i = 0; i < KEY_Z85_LEN; i += 5) {
		uint64_t v = 0;

		for (j = 0; j < 5; j++) {
			const char *c = s[i + j] != '\0' ?
			    strchr(z85_chars, s[i + j]) : NULL;

			if (c == NULL)
				return I40_E_VALUE;
			v = v * 85 + (uint64_t)(c - z85_chars);
		}
		if (v > 0xffffffffu)
			return I40_E_VALUE;
		out[i / 5 * 4] = (uint8_t)(v >> 24);
		out[i / 5 * 4 + 1] = (uint8_t)(v >> 16);
		out[i / 5 * 4 + 2] = (uint8_t)(v >> 8);
		out[i / 5 * 4 + 3] = (uint8_t)v;
	}
	return 0;
}

/* The group order L, little-endian. */
static const uint8_t order_l[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10
};

/* RFC 8032, section 7.1, TEST 1 (empty message). */
static const uint8_t rfc_seed[32] = {
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4,
	0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19,
	0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60
};
static const uint8_t rfc_sig[64] = {
	0xe5, 0x56, 0x43, 0x00, 0xc3, 0x60, 0xac, 0x72, 0x90, 0x86, 0xe2, 0xcc,
	0x80, 0x6e, 0x82, 0x8a, 0x84, 0x87, 0x7f, 0x1e, 0xb8, 0xe5, 0xd9, 0x74,
	0xd8, 0x73, 0xe0, 0x65, 0x22, 0x49, 0x01, 0x55, 0x5f, 0xb8, 0x82, 0x15,
	0x90, 0xa3, 0x3b, 0xac, 0xc6, 0x1e, 0x39, 0x70, 0x1c, 0xf9, 0xb4, 0x6b,
	0xd2, 0x5b, 0xf5, 0xf0, 0x59, 0x5b, 0xbe, 0x24, 0x65, 0x51, 0x41, 0x43,
	0x8e, 0x7a, 0x10, 0x0b
};

/*
 * R = rB with r from the label, S = r + H(R,A,M)a: a valid Ed25519
 * signature with a nonce other than the deterministic one.
 */
int
key_vector_signature(const uint8_t seed[KEY_SEED_BYTES], const char *label,
    const uint8_t *msg, size_t len, uint8_t sig[KEY_SIG_BYTES])
{
	crypto_hash_sha512_state st;
	uint8_t az[64], pk[32], sk[64], r[32], h[64], hr[32], t[32];
	int rc = 0;

	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_hash_sha512(az, seed, 32);
	az[0] &= 248;
	az[31] &= 127;
	az[31] |= 64;
	crypto_hash_sha512(h, (const uint8_t *)label, strlen(label));
	crypto_core_ed25519_scalar_reduce(r, h);
	if (crypto_scalarmult_ed25519_base_noclamp(sig, r) != 0)
		rc = I40_E_SELFTEST;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, sig, 32);
	crypto_hash_sha512_update(&st, pk, 32);
	crypto_hash_sha512_update(&st, msg, len);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(hr, h);
	memset(h, 0, sizeof(h));
	memcpy(h, az, 32);
	crypto_core_ed25519_scalar_reduce(t, h);	/* a mod L */
	crypto_core_ed25519_scalar_mul(t, hr, t);
	crypto_core_ed25519_scalar_add(sig + 32, r, t);
	sodium_memzero(az, sizeof(az));
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(h, sizeof(h));
	sodium_memzero(t, sizeof(t));
	return rc;
}

static void
add_l(uint8_t s[32])
{
	unsigned carry = 0;
	size_t i;

	for (i = 0; i < 32; i++) {
		carry += (unsigned)s[i] + order_l[i];
		s[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

static void
vec(struct key_vector *v, const char *name, const uint8_t pk[32],
    const uint8_t *msg, size_t len, const uint8_t sig[64], int valid)
{
	v->name = name;
	memcpy(v->pk, pk, 32);
	memset(v->msg, 0, sizeof(v->msg));
	memcpy(v->msg, msg, len);
	v->msglen = len;
	memcpy(v->sig, sig, 64);
	v->valid = valid;
}

int
key_vectors(struct key_vector out[KEY_NVECTORS])
{
	static const uint8_t msg[] = "i40 edge-case vector";
	uint8_t seed[32], pk[32], sk[64], sig[64], sig2[64], bad[64], k[32];
	size_t mlen = sizeof(msg) - 1, n = 0;
	int rc;

	memset(seed, 0x40, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	crypto_sign_detached(sig, NULL, msg, mlen, sk);
	sodium_memzero(sk, sizeof(sk));

	crypto_sign_seed_keypair(k, sk, rfc_seed);
	sodium_memzero(sk, sizeof(sk));
	vec(&out[n++], "rfc8032-test1", k, msg, 0, rfc_sig, 1);
	vec(&out[n++], "valid", pk, msg, mlen, sig, 1);
	if ((rc = key_vector_signature(seed, "i40 second nonce", msg, mlen,
	    sig2)) != 0)
		return rc;
	vec(&out[n++], "second-signature", pk, msg, mlen, sig2, 1);

	memcpy(bad, sig, 64);
	add_l(bad + 32);
	vec(&out[n++], "s-plus-l", pk, msg, mlen, bad, 0);

	/* S = 2^253 - 1: far above L, with R of the valid signature. */
	memcpy(bad, sig, 64);
	memset(bad + 32, 0xff, 31);
	bad[63] = 0x1f;
	vec(&out[n++], "s-above-l-high", pk, msg, mlen, bad, 0);

	memset(bad, 0, 64);
	vec(&out[n++], "zero-signature", pk, msg, mlen, bad, 0);

	/* R = the identity point (order 1), S = 0. */
	memset(bad, 0, 64);
	bad[0] = 1;
	vec(&out[n++], "small-order-r", pk, msg, mlen, bad, 0);

	/* R encodes y = p + 1, a non-canonical form of the identity. */
	memcpy(bad, sig, 64);
	memset(bad, 0xff, 32);
	bad[0] = 0xee;
	bad[31] = 0x7f;
	vec(&out[n++], "noncanonical-r", pk, msg, mlen, bad, 0);

	/* A = identity: every S = 0 "signature" would verify without a check. */
	memset(k, 0, 32);
	k[0] = 1;
	memset(bad, 0, 64);
	bad[0] = 1;
	vec(&out[n++], "small-order-a", k, msg, mlen, bad, 0);

	/* A = all zeros: y = 0, a point of order 4. */
	memset(k, 0, 32);
	vec(&out[n++], "zero-key", k, msg, mlen, sig, 0);

	/* A encodes y = p (non-canonical 0). */
	memset(k, 0xff, 32);
	k[0] = 0xed;
	k[31] = 0x7f;
	vec(&out[n++], "noncanonical-a", k, msg, mlen, sig, 0);

	/* A valid signature over another message. */
	vec(&out[n++], "wrong-message", pk, msg, mlen - 1, sig, 0);
	return n == KEY_NVECTORS ? 0 : I40_E_SELFTEST;
}

int
key_selftest(const char **failed)
{
	struct key_vector v[KEY_NVECTORS];
	size_t i;
	int rc, ok;

	*failed = NULL;
	if ((rc = key_vectors(v)) != 0) {
		*failed = "second-signature";
		return rc;
	}
	if (memcmp(v[1].sig, v[2].sig, 64) == 0) {
		*failed = "second-signature";
		return I40_E_SELFTEST;
	}
	for (i = 0; i < KEY_NVECTORS; i++) {
		ok = crypto_sign_verify_detached(v[i].sig, v[i].msg,
		    v[i].msglen, v[i].pk) == 0;
		if (ok != v[i].valid) {
			*failed = v[i].name;
			return I40_E_SELFTEST;
		}
	}
	return 0;
}
