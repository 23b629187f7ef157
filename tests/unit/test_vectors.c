/*
 * test_vectors.c: the protocol test vectors in docs/vectors/ (see the
 * README there) against the code: keys, Ed25519 edge cases, valid and
 * invalid signed events, and messages.  Then genvectors is run into a
 * temporary directory, and its output must equal the committed files byte
 * for byte, so the vectors cannot drift from the code (`make vectors`
 * regenerates them after an intended change).
 *
 * Paths are relative to the repository root, where prove runs the tests;
 * the generator is found under $BUILD (default "build").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "protocol/event.h"
#include "protocol/msg.h"
#include "tests/lib/sample.h"

#define VECDIR "docs/vectors/"

static const char *const files[] = {
	"keys.json", "events.json", "signatures.json", "messages.json",
	"export.json", "roots.json"
};

static json_t *keys_j, *events_j, *sigs_j, *msgs_j;
static struct body body;
static uint8_t buf[EV_MAX_BYTES + 1024], again[EV_MAX_BYTES + 1024];
static uint8_t fed_id[EV_FED_ID_BYTES];

static json_t *
load(const char *name)
{
	json_error_t e;
	json_t *j = json_load_file(name, 0, &e);

	if (j == NULL)
		fprintf(stderr, "%s:%d: %s\n", name, e.line, e.text);
	return j;
}

static int
setup(void **state)
{
	(void)state;
	if (key_init() != 0)
		return -1;
	keys_j = load(VECDIR "keys.json");
	events_j = load(VECDIR "events.json");
	sigs_j = load(VECDIR "signatures.json");
	msgs_j = load(VECDIR "messages.json");
	return keys_j && events_j && sigs_j && msgs_j ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	json_decref(keys_j);
	json_decref(events_j);
	json_decref(sigs_j);
	json_decref(msgs_j);
	return 0;
}

/* The string member k of o; fails the test if it is missing. */
static const char *
str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	if (s == NULL)
		fail_msg("vector without string \"%s\"", k);
	return s;
}

static json_t *
arr(const json_t *o, const char *k)
{
	json_t *a = json_object_get(o, k);

	if (!json_is_array(a) || json_array_size(a) == 0)
		fail_msg("no vectors in \"%s\"", k);
	return a;
}

/* Decode the hex member k of o into out[0..cap); returns its length. */
static size_t
unhex(const json_t *o, const char *k, uint8_t *out, size_t cap)
{
	const char *s = str(o, k);
	size_t n;

	if (sodium_hex2bin(out, cap, s, strlen(s), NULL, &n, NULL) != 0 ||
	    n * 2 != strlen(s))
		fail_msg("\"%s\" is not hex of at most %zu bytes", k, cap);
	return n;
}

/* Fail unless p[0..n) is the hex member k of o. */
static void
assert_hex(const json_t *o, const char *k, const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);

	assert_non_null(h);
	sodium_bin2hex(h, 2 * n + 1, p, n);
	if (strcmp(h, str(o, k)) != 0) {
		fprintf(stderr, "# %s: %s\n#  expected %s\n", str(o, "name"),
		    k, str(o, k));
		free(h);
		fail_msg("%s: %s differs", str(o, "name"), k);
	}
	free(h);
}

static const char *
name_of(int rc)
{
	const char *n = i40_errname(rc);

	return rc == 0 ? "success" : n != NULL ? n : "unknown";
}

static void
test_keys(void **state)
{
	json_t *a = arr(keys_j, "keys"), *o;
	struct key_secret *k;
	uint8_t seed[32], pk[32], cpk[32], back[32], *csk, tpk[32], tsig[64];
	char z[KEY_Z85_LEN + 1];
	size_t i;

	(void)state;
	csk = sodium_malloc(32);
	assert_non_null(csk);
	json_array_foreach(a, i, o) {
		assert_int_equal(unhex(o, "seed", seed, sizeof(seed)), 32);
		assert_int_equal(key_from_seed(seed, &k), 0);
		key_public(k, pk);
		assert_hex(o, "ed25519_pk", pk, 32);
		assert_int_equal(key_curve_public(pk, cpk), 0);
		assert_hex(o, "x25519_pk", cpk, 32);
		assert_int_equal(key_curve_secret(k, csk), 0);
		assert_hex(o, "x25519_sk", csk, 32);
		assert_int_equal(key_transport_secret(k, csk), 0);
		assert_hex(o, "transport_sk", csk, 32);
		assert_int_equal(key_transport_card(k, tpk, tsig), 0);
		assert_hex(o, "transport_pk", tpk, 32);
		assert_hex(o, "transport_sig", tsig, 64);
		assert_int_equal(key_check_card(pk, tpk, tsig), 0);
		key_free(k);
		key_z85_encode(pk, z);
		assert_string_equal(z, str(o, "ed25519_pk_z85"));
		assert_int_equal(key_z85_decode(z, back), 0);
		assert_memory_equal(back, pk, 32);
		key_z85_encode(cpk, z);
		assert_string_equal(z, str(o, "x25519_pk_z85"));
		assert_int_equal(key_z85_decode(z, back), 0);
		assert_memory_equal(back, cpk, 32);
	}
	sodium_free(csk);
	printf("# checked %zu key vectors\n", json_array_size(a));
}

static void
test_signatures(void **state)
{
	json_t *a = arr(sigs_j, "signatures"), *o;
	uint8_t pk[32], msg[256], sig[64];
	size_t i, n, valid = 0;
	int ok;

	(void)state;
	json_array_foreach(a, i, o) {
		assert_int_equal(unhex(o, "pk", pk, sizeof(pk)), 32);
		n = unhex(o, "msg", msg, sizeof(msg));
		assert_int_equal(unhex(o, "sig", sig, sizeof(sig)), 64);
		ok = key_verify(pk, msg, n, sig) == 0;
		if (ok != json_is_true(json_object_get(o, "valid")))
			fail_msg("signature vector %s: verify says %s",
			    str(o, "name"), ok ? "valid" : "invalid");
		valid += (size_t)ok;
	}
	assert_true(valid > 0 && valid < json_array_size(a));
	printf("# checked %zu signature vectors (%zu valid)\n",
	    json_array_size(a), valid);
}

/* The federation, and the key (from its seed) of the public key pk. */
static struct key_secret *
fed_key(const uint8_t pk[32])
{
	json_t *f = json_object_get(events_j, "federation");
	json_t *seeds = json_object_get(f, "seeds");
	struct key_secret *k;
	uint8_t seed[32], kpk[32];
	size_t i;
	json_t *s;

	json_array_foreach(seeds, i, s) {
		const char *h = json_string_value(s);
		size_t n;

		assert_non_null(h);
		assert_int_equal(sodium_hex2bin(seed, 32, h, strlen(h), NULL,
		    &n, NULL), 0);
		assert_int_equal(key_from_seed(seed, &k), 0);
		key_public(k, kpk);
		if (memcmp(kpk, pk, 32) == 0)
			return k;
		key_free(k);
	}
	fail_msg("no federation seed for an author");
	return NULL;
}

static void
test_federation(void **state)
{
	json_t *f = json_object_get(events_j, "federation");
	json_t *seeds = arr(f, "seeds"), *pks = arr(f, "public_keys");
	uint8_t charter[8192], id[32], seed[32], pk[32];
	struct key_secret *k;
	size_t i, n;

	(void)state;
	assert_int_equal(json_array_size(seeds), json_array_size(pks));
	for (i = 0; i < json_array_size(seeds); i++) {
		const char *sh = json_string_value(json_array_get(seeds, i));
		const char *ph = json_string_value(json_array_get(pks, i));
		char hex[65];

		assert_non_null(sh);
		assert_non_null(ph);
		assert_int_equal(sodium_hex2bin(seed, 32, sh, strlen(sh), NULL,
		    &n, NULL), 0);
		assert_int_equal(key_from_seed(seed, &k), 0);
		key_public(k, pk);
		key_free(k);
		sodium_bin2hex(hex, sizeof(hex), pk, 32);
		assert_string_equal(hex, ph);
	}
	n = unhex(f, "charter_hex", charter, sizeof(charter));
	ev_fed_id(charter, n, id);
	assert_int_equal(unhex(f, "fed_id", fed_id, sizeof(fed_id)), 32);
	assert_memory_equal(id, fed_id, 32);
	assert_int_equal(body_decode(BODY_GENESIS, charter, n, NULL, &body,
	    NULL), 0);
	assert_int_equal(body.u.charter.nmembers, json_array_size(pks));
}

static const json_t *
find_valid(const char *name)
{
	json_t *a = json_object_get(events_j, "valid"), *o;
	size_t i;

	json_array_foreach(a, i, o)
		if (strcmp(str(o, "name"), name) == 0)
			return o;
	fail_msg("no valid event named %s", name);
	return NULL;
}

static void
test_valid_events(void **state)
{
	json_t *a, *o;
	struct ev_signed e, t;
	struct codec_err err;
	struct key_secret *k;
	uint8_t twin[EV_MAX_BYTES], id[32];
	uint32_t types = 0;
	size_t i, len, len2, nsecond = 0;
	const char *tn;
	int rc;

	(void)state;
	test_federation(state);
	a = arr(events_j, "valid");
	json_array_foreach(a, i, o) {
		const char *name = str(o, "name");

		assert_true(json_is_true(json_object_get(o, "valid")));
		len = unhex(o, "hex", buf, sizeof(buf));
		if ((rc = ev_decode(buf, len, fed_id, &e, &body, &err)) != 0)
			fail_msg("valid event %s: %s at %s", name,
			    name_of(rc), err.field);
		assert_hex(o, "id", e.id, 32);
		assert_hex(o, "sig", e.sig, 64);
		assert_hex(o, "event_hex", e.event.p, e.event.len);
		assert_hex(o, "body_hex", e.body.p, e.body.len);
		assert_hex(o, "author", e.h.author, 32);
		assert_hex(o, "prev", e.h.prev, 32);
		assert_int_equal(e.h.seq,
		    json_integer_value(json_object_get(o, "seq")));
		assert_int_equal(e.h.time_ms,
		    json_integer_value(json_object_get(o, "time_ms")));
		assert_int_equal(e.h.type,
		    json_integer_value(json_object_get(o, "type")));
		assert_string_equal(body_type_name(e.h.type),
		    str(o, "type_name"));
		assert_int_equal(body.type, e.h.type);
		if ((rc = ev_verify(&e, e.h.author)) != 0)
			fail_msg("valid event %s: %s", name, name_of(rc));
		types |= 1u << (e.h.type % 32);

		tn = json_string_value(json_object_get(o,
		    "second_signature_of"));
		if (tn != NULL) {
			/* Another signature of its twin: one event, one id. */
			len2 = unhex(find_valid(tn), "hex", twin,
			    sizeof(twin));
			assert_int_equal(ev_decode(twin, len2, fed_id, &t,
			    NULL, NULL), 0);
			assert_memory_equal(t.id, e.id, 32);
			assert_int_equal(t.event.len, e.event.len);
			assert_memory_equal(t.event.p, e.event.p, e.event.len);
			assert_memory_not_equal(t.sig, e.sig, 64);
			nsecond++;
			continue;
		}
		/* Deterministic Ed25519: re-signing gives the same bytes. */
		k = fed_key(e.h.author);
		rc = ev_sign(&e.h, e.body.p, e.body.len, k, again,
		    sizeof(again), &len2, id);
		key_free(k);
		assert_int_equal(rc, 0);
		assert_int_equal(len2, len);
		assert_memory_equal(again, buf, len);
		assert_memory_equal(id, e.id, 32);
	}
	for (i = 0; i < sample_ntypes; i++)
		if (!(types >> (sample_types[i] % 32) & 1))
			fail_msg("no valid event of type %u", sample_types[i]);
	assert_true(nsecond > 0);
	printf("# checked %zu valid event vectors (%zu second signatures)\n",
	    json_array_size(a), nsecond);
}

static void
test_invalid_events(void **state)
{
	json_t *a, *o;
	struct ev_signed e;
	struct codec_err err;
	uint8_t fid[32], *fp;
	const char *stage;
	size_t i, len;
	int rc;

	(void)state;
	a = arr(events_j, "invalid");
	json_array_foreach(a, i, o) {
		const char *name = str(o, "name");

		assert_true(json_is_false(json_object_get(o, "valid")));
		len = unhex(o, "hex", buf, sizeof(buf));
		fp = NULL;
		if (!json_is_null(json_object_get(o, "fed_id"))) {
			assert_int_equal(unhex(o, "fed_id", fid, 32), 32);
			fp = fid;
		}
		stage = "decode";
		rc = ev_decode(buf, len, fp, &e, &body, &err);
		if (rc == 0) {
			stage = "verify";
			memset(&err, 0, sizeof(err));
			rc = ev_verify(&e, e.h.author);
		}
		if (strcmp(name_of(rc), str(o, "error")) != 0 ||
		    strcmp(stage, str(o, "stage")) != 0)
			fail_msg("invalid event %s: expected %s at %s, got %s "
			    "at %s (%s)", name, str(o, "error"),
			    str(o, "stage"), name_of(rc), stage, err.field);
		assert_string_equal(err.field, str(o, "field"));
	}
	printf("# checked %zu invalid event vectors\n", json_array_size(a));
}

static void
test_messages(void **state)
{
	json_t *va = arr(msgs_j, "valid"), *ia = arr(msgs_j, "invalid"), *o;
	struct msg *m = malloc(sizeof(*m));
	struct codec_err err;
	size_t i, len, len2;
	int rc;

	(void)state;
	assert_non_null(m);
	json_array_foreach(va, i, o) {
		len = unhex(o, "hex", buf, sizeof(buf));
		if ((rc = msg_decode(buf, len, m, &err)) != 0)
			fail_msg("message %s: %s at %s", str(o, "name"),
			    name_of(rc), err.field);
		assert_int_equal(m->type,
		    json_integer_value(json_object_get(o, "type")));
		assert_string_equal(msg_type_name((uint32_t)m->type),
		    str(o, "name"));
		assert_int_equal(msg_encode(m, again, sizeof(again), &len2,
		    &err), 0);
		assert_int_equal(len2, len);
		assert_memory_equal(again, buf, len);
	}
	json_array_foreach(ia, i, o) {
		len = unhex(o, "hex", buf, sizeof(buf));
		rc = msg_decode(buf, len, m, &err);
		if (strcmp(name_of(rc), str(o, "error")) != 0)
			fail_msg("invalid message %s: expected %s, got %s "
			    "(%s)", str(o, "name"), str(o, "error"),
			    name_of(rc), err.field);
		assert_string_equal(err.field, str(o, "field"));
	}
	free(m);
	printf("# checked %zu message vectors (%zu invalid)\n",
	    json_array_size(va) + json_array_size(ia), json_array_size(ia));
}

/* The whole file at path, or NULL; caller frees. */
static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) != NULL &&
	    fread(p, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

/* Run genvectors into dir; its exit status, or -1. */
static int
run_generator(const char *tool, const char *dir)
{
	pid_t pid;
	int status, fd;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		/* Its counts would be noise in the TAP stream. */
		if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, STDOUT_FILENO);
		execl(tool, tool, dir, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_regenerate_identical(void **state)
{
	const char *b = getenv("BUILD"), *tmp = getenv("TMPDIR");
	char tool[1024], dir[1024], path[1100], bad[256] = "";
	uint8_t *x, *y;
	size_t i, xl = 0, yl = 0;
	int rc;

	(void)state;
	snprintf(tool, sizeof(tool), "%s/testtools/genvectors",
	    b != NULL && *b != '\0' ? b : "build");
	snprintf(dir, sizeof(dir), "%s/i40-vectors-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (access(tool, X_OK) != 0)
		fail_msg("%s not found: build it with make (or set BUILD)",
		    tool);
	assert_non_null(mkdtemp(dir));
	rc = run_generator(tool, dir);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		x = slurp(path, &xl);
		(void)unlink(path);	/* clean up before any failure */
		snprintf(path, sizeof(path), VECDIR "%s", files[i]);
		y = slurp(path, &yl);
		if (bad[0] == '\0' && (x == NULL || y == NULL || xl != yl ||
		    memcmp(x, y, xl) != 0))
			snprintf(bad, sizeof(bad), "%s", files[i]);
		free(x);
		free(y);
	}
	(void)rmdir(dir);
	if (rc != 0)
		fail_msg("%s exited with %d", tool, rc);
	if (bad[0] != '\0')
		fail_msg("docs/vectors/%s differs from what %s writes now: "
		    "if the change is intended, run make vectors and commit",
		    bad, tool);
	printf("# regenerated %zu vector files, identical\n",
	    sizeof(files) / sizeof(files[0]));
}

/*
 * roots.json against docs/protocol.md §14 alone: each root is BLAKE2b-256
 * of its tag and its entries laid out as the section says.  (That the
 * entries are what the store derives is test_regenerate_identical's.)
 */
static void
test_roots(void **state)
{
	crypto_generichash_blake2b_state hs;
	json_t *doc = load(VECDIR "roots.json"), *lr, *sr, *e;
	uint8_t k[128], v[256], hdr[9], root[32], want[32];
	size_t i, kl, vl;

	(void)state;
	assert_non_null(doc);
	lr = json_object_get(doc, "log_root");
	sr = json_object_get(doc, "state_root");
	crypto_generichash_blake2b_init(&hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&hs, (const uint8_t *)
	    "i40/log-root/v1", 15);
	json_array_foreach(json_object_get(lr, "entries"), i, e) {
		uint8_t ent[80];
		uint64_t seq = (uint64_t)json_integer_value(json_object_get(e,
		    "seq"));
		uint64_t fz = (uint64_t)json_integer_value(json_object_get(e,
		    "frozen"));
		int b;

		assert_int_equal(unhex(e, "author", ent, 32), 32);
		assert_int_equal(unhex(e, "id", ent + 40, 32), 32);
		for (b = 0; b < 8; b++) {
			ent[32 + b] = (uint8_t)(seq >> (56 - 8 * b));
			ent[72 + b] = (uint8_t)(fz >> (56 - 8 * b));
		}
		crypto_generichash_blake2b_update(&hs, ent, sizeof(ent));
	}
	crypto_generichash_blake2b_final(&hs, root, 32);
	assert_int_equal(unhex(lr, "root", want, 32), 32);
	assert_memory_equal(root, want, 32);

	crypto_generichash_blake2b_init(&hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&hs, (const uint8_t *)
	    "i40/state-root/v1", 17);
	json_array_foreach(json_object_get(sr, "entries"), i, e) {
		kl = unhex(e, "key", k, sizeof(k));
		vl = unhex(e, "value", v, sizeof(v));
		hdr[0] = (uint8_t)json_integer_value(json_object_get(e,
		    "table"));
		hdr[1] = (uint8_t)(kl >> 24);
		hdr[2] = (uint8_t)(kl >> 16);
		hdr[3] = (uint8_t)(kl >> 8);
		hdr[4] = (uint8_t)kl;
		hdr[5] = (uint8_t)(vl >> 24);
		hdr[6] = (uint8_t)(vl >> 16);
		hdr[7] = (uint8_t)(vl >> 8);
		hdr[8] = (uint8_t)vl;
		crypto_generichash_blake2b_update(&hs, hdr, sizeof(hdr));
		crypto_generichash_blake2b_update(&hs, k, kl);
		crypto_generichash_blake2b_update(&hs, v, vl);
	}
	crypto_generichash_blake2b_final(&hs, root, 32);
	assert_int_equal(unhex(sr, "root", want, 32), 32);
	assert_memory_equal(root, want, 32);
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_federation),
		cmocka_unit_test(test_valid_events),
		cmocka_unit_test(test_invalid_events),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_roots),
		cmocka_unit_test(test_regenerate_identical),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
