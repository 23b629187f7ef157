/*
 * test_keys.c: Ed25519 keys, their CURVE form, Z85 against libzmq's own
 * encoder, the signature self-test, and key files on disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "protocol/keys.h"
#include "store/keyfile.h"

static char dir[] = "/tmp/i40-test-keys-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	if (key_init() != 0 || mkdtemp(dir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_rfc8032_known_answer(void **state)
{
	static const char seedhex[] =
	    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
	static const char pkhex[] =
	    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
	uint8_t seed[32], pk[32], want[32];
	struct key_secret *k;

	(void)state;
	assert_int_equal(sodium_hex2bin(seed, 32, seedhex, 64, NULL, NULL,
	    NULL), 0);
	assert_int_equal(sodium_hex2bin(want, 32, pkhex, 64, NULL, NULL,
	    NULL), 0);
	assert_int_equal(key_from_seed(seed, &k), 0);
	key_public(k, pk);
	assert_memory_equal(pk, want, 32);
	key_free(k);
	key_free(NULL);
}

static void
test_sign_verify(void **state)
{
	struct key_secret *k;
	uint8_t pk[32], sig[64], seed[32], seed2[32];
	struct key_secret *k2;

	(void)state;
	assert_int_equal(key_generate(&k), 0);
	key_public(k, pk);
	assert_int_equal(key_check_public(pk), 0);
	key_sign(k, (const uint8_t *)"abc", 3, sig);
	assert_int_equal(key_verify(pk, (const uint8_t *)"abc", 3, sig), 0);
	assert_int_equal(key_verify(pk, (const uint8_t *)"abd", 3, sig),
	    I40_E_SIG);
	/* The seed round-trips to the same key. */
	key_seed(k, seed);
	assert_int_equal(key_from_seed(seed, &k2), 0);
	key_seed(k2, seed2);
	assert_memory_equal(seed, seed2, 32);
	/* Inside a (nested) unlocked scope signatures are the same. */
	{
		uint8_t sig2[64];

		key_unlock(k);
		key_unlock(k);
		key_sign(k, (const uint8_t *)"abc", 3, sig2);
		key_lock(k);
		assert_memory_equal(sig, sig2, 64);
		key_lock(k);
		key_lock(k);		/* one too many is harmless */
		key_sign(k, (const uint8_t *)"abc", 3, sig2);
		assert_memory_equal(sig, sig2, 64);
	}
	sodium_memzero(seed, 32);
	sodium_memzero(seed2, 32);
	key_free(k);
	key_free(k2);
}

static void
test_curve_derivation(void **state)
{
	struct key_secret *k;
	uint8_t pk[32], cpk[32], *csk, check[32], bad[32] = { 0 };

	(void)state;
	assert_int_equal(key_generate(&k), 0);
	key_public(k, pk);
	csk = sodium_malloc(32);
	assert_non_null(csk);
	assert_int_equal(key_curve_public(pk, cpk), 0);
	assert_int_equal(key_curve_secret(k, csk), 0);
	/* The derived pair is a real X25519 pair. */
	assert_int_equal(crypto_scalarmult_base(check, csk), 0);
	assert_memory_equal(check, cpk, 32);
	assert_int_equal(key_curve_public(bad, cpk), I40_E_BAD_KEY);
	bad[0] = 1;
	assert_int_equal(key_check_public(bad), I40_E_BAD_KEY);
	sodium_free(csk);
	key_free(k);
}

static void
test_z85_matches_libzmq(void **state)
{
	uint8_t key[32], back[32];
	char ours[KEY_Z85_LEN + 1], theirs[KEY_Z85_LEN + 1];
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		randombytes_buf(key, sizeof(key));
		if (i == 0)
			memset(key, 0, sizeof(key));
		if (i == 1)
			memset(key, 0xff, sizeof(key));
		key_z85_encode(key, ours);
		assert_non_null(zmq_z85_encode(theirs, key, 32));
		assert_string_equal(ours, theirs);
		assert_int_equal(key_z85_decode(ours, back), 0);
		assert_memory_equal(back, key, 32);
	}
	assert_int_equal(key_z85_decode("short", back), I40_E_VALUE);
	memset(ours, '0', KEY_Z85_LEN);
	ours[7] = '~';
	assert_int_equal(key_z85_decode(ours, back), I40_E_VALUE);
	memset(ours, '#', KEY_Z85_LEN);	/* 85^5-1 > 2^32-1: overflows */
	assert_int_equal(key_z85_decode(ours, back), I40_E_VALUE);
}

static void
test_selftest_and_vectors(void **state)
{
	struct key_vector v[KEY_NVECTORS];
	const char *failed = "unset";
	size_t i, valid = 0;

	(void)state;
	assert_int_equal(key_selftest(&failed), 0);
	assert_null(failed);
	assert_int_equal(key_vectors(v), 0);
	for (i = 0; i < KEY_NVECTORS; i++) {
		assert_int_equal(key_verify(v[i].pk, v[i].msg, v[i].msglen,
		    v[i].sig) == 0, v[i].valid);
		valid += (size_t)v[i].valid;
	}
	assert_int_equal(valid, 3);
	/* The vectors are deterministic: a second build is identical. */
	{
		struct key_vector w[KEY_NVECTORS];

		assert_int_equal(key_vectors(w), 0);
		for (i = 0; i < KEY_NVECTORS; i++)
			assert_memory_equal(v[i].sig, w[i].sig, 64);
	}
}

static void
path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void
test_keyfile_roundtrip_and_mode(void **state)
{
	struct key_secret *k, *back;
	uint8_t pk[32], pk2[32];
	struct stat st;
	char p[256];
	mode_t old;

	(void)state;
	path(p, sizeof(p), "node.key");
	assert_int_equal(key_generate(&k), 0);
	old = umask(0);			/* even a permissive umask gives 0600 */
	assert_int_equal(keyfile_write(p, k), 0);
	umask(old);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 85);
	assert_int_equal(keyfile_write(p, k), I40_E_EXISTS);
	assert_int_equal(keyfile_read(p, &back), 0);
	key_public(k, pk);
	key_public(back, pk2);
	assert_memory_equal(pk, pk2, 32);
	key_free(back);
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(keyfile_read(p, &back), I40_E_KEYFILE_MODE);
	assert_null(back);
	assert_int_equal(chmod(p, 0604), 0);
	assert_int_equal(keyfile_read(p, &back), I40_E_KEYFILE_MODE);
	key_free(k);
}

static void
write_file(const char *p, const char *content, mode_t mode)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	assert_int_equal(chmod(p, mode), 0);
}

static void
test_keyfile_refusals(void **state)
{
	struct key_secret *k;
	char p[256], link[256], target[256];

	(void)state;
	path(p, sizeof(p), "garbage.key");
	write_file(p, "hello\n", 0600);
	assert_int_equal(keyfile_read(p, &k), I40_E_KEYFILE_FORMAT);
	path(p, sizeof(p), "short.key");
	write_file(p, KEYFILE_MAGIC "00ff\n", 0600);
	assert_int_equal(keyfile_read(p, &k), I40_E_KEYFILE_FORMAT);
	path(p, sizeof(p), "nothex.key");
	write_file(p, KEYFILE_MAGIC "zz00000000000000000000000000000000"
	    "000000000000000000000000000000\n", 0600);
	assert_int_equal(keyfile_read(p, &k), I40_E_KEYFILE_FORMAT);
	path(p, sizeof(p), "long.key");
	write_file(p, KEYFILE_MAGIC "0000000000000000000000000000000000"
	    "000000000000000000000000000000\nextra", 0600);
	assert_int_equal(keyfile_read(p, &k), I40_E_KEYFILE_FORMAT);
	path(p, sizeof(p), "missing.key");
	assert_int_equal(keyfile_read(p, &k), -ENOENT);
	/* Symlinks are refused both ways. */
	path(target, sizeof(target), "garbage.key");
	path(link, sizeof(link), "link.key");
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(keyfile_read(link, &k), -ELOOP);
	assert_int_equal(key_generate(&k), 0);
	assert_int_equal(keyfile_write(link, k), I40_E_EXISTS);
	path(p, sizeof(p), "no/such/dir.key");
	assert_int_equal(keyfile_write(p, k), -ENOENT);
	key_free(k);
	/* A directory is not a key file. */
	assert_int_equal(keyfile_read(dir, &k), I40_E_KEYFILE_FORMAT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8032_known_answer),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_curve_derivation),
		cmocka_unit_test(test_z85_matches_libzmq),
		cmocka_unit_test(test_selftest_and_vectors),
		cmocka_unit_test(test_keyfile_roundtrip_and_mode),
		cmocka_unit_test(test_keyfile_refusals),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
