/*
 * test_bombs.c: allocation bombs (docs PITFALLS point 2).  Inputs of at
 * most 9 bytes whose headers claim up to 2^32-1 elements or bytes are
 * refused with I40_E_TRUNCATED by codec_check(), ev_decode() and
 * msg_decode(), and the decoders allocate nothing while refusing them (nor
 * while decoding valid input into caller-provided structs).
 *
 * Allocations are counted in this binary itself:
 *  - in a plain build, malloc, calloc, realloc, reallocarray,
 *    aligned_alloc, posix_memalign and memalign are defined here (so every
 *    call from libi40.a, which is linked into this executable, lands here)
 *    and forward to glibc's __libc_* entry points;
 *  - under AddressSanitizer (`make check`), which owns malloc, through its
 *    allocator hook (__sanitizer_install_malloc_and_free_hooks).
 * While counting is on, every allocation adds its requested size, so a
 * decoder that asked for 2^32 bytes would fail the byte bound at once.
 * test_counter_works checks the counting itself, through libi40 too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/event.h"
#include "protocol/msg.h"
#include "tests/lib/sample.h"

#if defined(__SANITIZE_ADDRESS__)
#define BOMBS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOMBS_ASAN 1
#endif
#endif

/* What a decode may allocate when it must allocate its own struct body. */
#define OWN_BODY_BOUND (64 * 1024)

static volatile int counting;
static volatile size_t alloc_bytes, alloc_calls;

static void
note(size_t n)
{
	if (counting) {
		alloc_calls = alloc_calls + 1;
		/* Saturate rather than wrap, so a huge request is never 0. */
		alloc_bytes = n > SIZE_MAX - alloc_bytes ? SIZE_MAX :
		    alloc_bytes + n;
	}
}

#ifdef BOMBS_ASAN
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));

static void
hook_malloc(const volatile void *p, size_t n)
{
	(void)p;
	note(n);
}

static void
hook_free(const volatile void *p)
{
	(void)p;
}

static int
counter_init(void)
{
	return __sanitizer_install_malloc_and_free_hooks(hook_malloc,
	    hook_free) != 0 ? 0 : -1;
}
#define COUNTER_KIND "AddressSanitizer allocator hooks"
#else
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

static size_t
mul_sat(size_t a, size_t b)
{
	return a != 0 && b > SIZE_MAX / a ? SIZE_MAX : a * b;
}

void *
malloc(size_t n)
{
	note(n);
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
	note(mul_sat(n, size));
	return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
	note(n);
	return __libc_realloc(p, n);
}

void *
reallocarray(void *p, size_t n, size_t size)
{
	size_t total = mul_sat(n, size);

	note(total);
	if (total == SIZE_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	return __libc_realloc(p, total);
}

void *
aligned_alloc(size_t align, size_t n)
{
	note(n);
	return __libc_memalign(align, n);
}

void *
memalign(size_t align, size_t n)
{
	note(n);
	return __libc_memalign(align, n);
}

int
posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	note(n);
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	if ((p = __libc_memalign(align, n)) == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

static int
counter_init(void)
{
	return 0;
}
#define COUNTER_KIND "malloc interposition"
#endif

static void
count_start(void)
{
	alloc_bytes = 0;
	alloc_calls = 0;
	counting = 1;
}

static size_t
count_stop(void)
{
	counting = 0;
	return alloc_bytes;
}

/* The bombs: no more than 9 bytes, each claiming far more than it has. */
static const struct bomb {
	const char *name;
	uint8_t b[9];
	size_t len;
} bombs[] = {
	{ "empty", { 0 }, 0 },
	{ "fixarray 15", { 0x9f }, 1 },
	{ "fixmap 15", { 0x8f }, 1 },
	{ "fixstr 31", { 0xbf }, 1 },
	{ "array16 ffff", { 0xdc, 0xff, 0xff }, 3 },
	{ "array32 ffffffff", { 0xdd, 0xff, 0xff, 0xff, 0xff }, 5 },
	{ "array32 ff000000 (PITFALLS)", { 0xdd, 0xff, 0x00, 0x00, 0x00 },
	    5 },
	{ "array32 00100000", { 0xdd, 0x00, 0x10, 0x00, 0x00 }, 5 },
	{ "array32 00010000", { 0xdd, 0x00, 0x01, 0x00, 0x00 }, 5 },
	{ "map16 ffff", { 0xde, 0xff, 0xff }, 3 },
	{ "map16 ffff then 2 bytes", { 0xde, 0xff, 0xff, 0xff, 0xff }, 5 },
	{ "map32 ffffffff", { 0xdf, 0xff, 0xff, 0xff, 0xff }, 5 },
	{ "str8 ff", { 0xd9, 0xff }, 2 },
	{ "str16 ffff", { 0xda, 0xff, 0xff }, 3 },
	{ "str32 ffffffff", { 0xdb, 0xff, 0xff, 0xff, 0xff }, 5 },
	{ "bin8 ff", { 0xc4, 0xff }, 2 },
	{ "bin16 ffff", { 0xc5, 0xff, 0xff }, 3 },
	{ "bin32 ffffffff", { 0xc6, 0xff, 0xff, 0xff, 0xff }, 5 },
	{ "[array32]", { 0x91, 0xdd, 0xff, 0xff, 0xff, 0xff }, 6 },
	{ "[[bin32]]", { 0x91, 0x91, 0xc6, 0xff, 0xff, 0xff, 0xff }, 7 },
	{ "[[[[str32]]]]", { 0x91, 0x91, 0x91, 0x91, 0xdb, 0xff, 0xff, 0xff,
	    0xff }, 9 },
	{ "{k: map32}", { 0x81, 0xa1, 'k', 0xdf, 0xff, 0xff, 0xff, 0xff }, 8 },
	{ "[event of 8 fields]", { 0x92, 0x98, 0x01, 0xc4, 0xff }, 5 },
	{ "[EVENTS, array32]", { 0x92, 0x03, 0xdd, 0xff, 0xff, 0xff, 0xff },
	    7 },
	{ "[FORK, bin32, x]", { 0x93, 0x05, 0xc6, 0xff, 0xff, 0xff, 0xff },
	    7 },
	{ "[NOTIFY, array16]", { 0x92, 0x04, 0xdc, 0xff, 0xff }, 5 },
	{ "[APPEND, 10, bin32]", { 0x93, 0x10, 0x0a, 0xc6, 0xff, 0xff, 0xff,
	    0xff }, 8 },
	{ "[ERROR, -1, str32]", { 0x93, 0x06, 0xff, 0xdb, 0xff, 0xff, 0xff,
	    0xff }, 8 },
};
#define NBOMBS (sizeof(bombs) / sizeof(bombs[0]))

static struct sample_fed fed;
static struct body *body;
static struct msg *msg;

static int
setup(void **state)
{
	(void)state;
	if (counter_init() != 0)
		return -1;
	if ((body = malloc(sizeof(*body))) == NULL ||
	    (msg = malloc(sizeof(*msg))) == NULL)
		return -1;
	return sample_fed_init(&fed, 4) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	sample_fed_free(&fed);
	free(body);
	free(msg);
	return 0;
}

/* The counter sees allocations, made here and inside libi40. */
static void
test_counter_works(void **state)
{
	void *(*volatile pmalloc)(size_t) = malloc;
	void *(*volatile pcalloc)(size_t, size_t) = calloc;
	void *(*volatile prealloc)(void *, size_t) = realloc;
	struct sample_rng r;
	struct ev_signed e;
	uint8_t buf[EV_MAX_BYTES], id[32], prev[32] = { 0 };
	size_t len, n;
	void *p;
	int rc;

	(void)state;
	printf("# counting allocations with %s\n", COUNTER_KIND);
	count_start();
	p = pmalloc(1 << 20);
	n = count_stop();
	free(p);
	assert_true(n >= 1 << 20);

	count_start();
	p = pcalloc(1 << 10, 1 << 10);
	n = count_stop();
	free(p);
	assert_true(n >= 1 << 20);

	count_start();
	p = prealloc(NULL, 1 << 20);
	p = prealloc(p, 2 << 20);
	n = count_stop();
	free(p);
	assert_true(n >= 2 << 20);

	/* ev_decode() with body NULL allocates a struct body, and only it. */
	sample_seed(&r, 1);
	assert_int_equal(sample_event(&fed, 1, 3, prev, BODY_MODULE_PUBLISH,
	    &r, buf, sizeof(buf), &len, id), 0);
	count_start();
	rc = ev_decode(buf, len, fed.fed_id, &e, NULL, NULL);
	n = count_stop();
	assert_int_equal(rc, 0);
	printf("# ev_decode(body NULL) of a valid event: %zu bytes in %zu "
	    "allocations (struct body is %zu bytes)\n", n,
	    (size_t)alloc_calls, sizeof(struct body));
	assert_true(n >= sizeof(struct body));
	assert_true(n <= OWN_BODY_BOUND);
}

/* Every decoder on one input: TRUNCATED, and no allocation. */
static void
refuse(const char *name, const uint8_t *b, size_t len)
{
	struct codec_reader r;
	struct codec_err err;
	struct ev_signed e;
	size_t n;
	int rc;

	memset(&err, 0, sizeof(err));
	count_start();
	rc = codec_check(b, len, 16, &err);
	n = count_stop();
	if (rc != I40_E_TRUNCATED || err.code != I40_E_TRUNCATED)
		fail_msg("%s (%zu bytes): codec_check gave %s", name, len,
		    i40_errname(rc));
	if (n != 0)
		fail_msg("%s: codec_check allocated %zu bytes", name, n);

	count_start();
	codec_reader_init(&r, b, len, NULL);
	rc = codec_skip(&r);
	n = count_stop();
	if (rc != I40_E_TRUNCATED || n != 0)
		fail_msg("%s: codec_skip gave %s, %zu bytes", name,
		    i40_errname(rc), n);

	count_start();
	rc = ev_decode(b, len, fed.fed_id, &e, body, &err);
	n = count_stop();
	if (rc != I40_E_TRUNCATED || err.code != I40_E_TRUNCATED)
		fail_msg("%s (%zu bytes): ev_decode gave %s", name, len,
		    i40_errname(rc));
	if (n != 0)
		fail_msg("%s: ev_decode allocated %zu bytes", name, n);

	/* Genesis path, body allocated by the decoder if it gets that far. */
	count_start();
	rc = ev_decode(b, len, NULL, &e, NULL, &err);
	n = count_stop();
	if (rc != I40_E_TRUNCATED)
		fail_msg("%s (%zu bytes): ev_decode(NULL) gave %s", name, len,
		    i40_errname(rc));
	if (n > OWN_BODY_BOUND)
		fail_msg("%s: ev_decode(NULL, NULL) allocated %zu bytes", name,
		    n);

	count_start();
	rc = msg_decode(b, len, msg, &err);
	n = count_stop();
	if (rc != I40_E_TRUNCATED || err.code != I40_E_TRUNCATED)
		fail_msg("%s (%zu bytes): msg_decode gave %s", name, len,
		    i40_errname(rc));
	if (n != 0)
		fail_msg("%s: msg_decode allocated %zu bytes", name, n);
}

static void
test_bombs_refused(void **state)
{
	size_t i, k, ninputs = 0;

	(void)state;
	for (i = 0; i < NBOMBS; i++) {
		assert_true(bombs[i].len <= 9);
		refuse(bombs[i].name, bombs[i].b, bombs[i].len);
		ninputs++;
		/* Every shorter prefix is cut short too. */
		for (k = 1; k < bombs[i].len; k++) {
			refuse(bombs[i].name, bombs[i].b, k);
			ninputs++;
		}
	}
	printf("# %zu bombs and their prefixes (%zu inputs): all "
	    "I40_E_TRUNCATED, 0 bytes allocated\n", NBOMBS, ninputs);
}

/* The same bombs inside a valid event: the body's map claims 2^32-1. */
static void
test_bomb_inside_event(void **state)
{
	static const uint8_t m32[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
	static uint8_t buf[EV_MAX_BYTES], bad[EV_MAX_BYTES + 8];
	struct sample_rng r;
	struct ev_signed e;
	struct codec_err err;
	uint8_t id[32], prev[32] = { 0 };
	size_t len, off, n;
	int rc;

	(void)state;
	sample_seed(&r, 2);
	assert_int_equal(sample_event(&fed, 1, 3, prev, BODY_MODULE_RETIRE,
	    &r, buf, sizeof(buf), &len, id), 0);
	assert_int_equal(ev_decode(buf, len, fed.fed_id, &e, body, NULL), 0);
	off = (size_t)(e.body.p - buf);
	memcpy(bad, buf, off);
	memcpy(bad + off, m32, sizeof(m32));
	memcpy(bad + off + sizeof(m32), buf + off, len - off);
	count_start();
	rc = ev_decode(bad, len + sizeof(m32), fed.fed_id, &e, body, &err);
	n = count_stop();
	assert_int_equal(rc, I40_E_TRUNCATED);
	assert_int_equal(err.offset, off);
	assert_int_equal(n, 0);
}

/* Decoding valid input into caller-provided structs allocates nothing. */
static void
test_valid_decode_allocates_nothing(void **state)
{
	static uint8_t evs[16][EV_MAX_BYTES], mbuf[MSG_MAX_BYTES];
	struct sample_rng r;
	struct ev_signed e;
	uint8_t id[32], prev[32];
	size_t i, len[16], mlen, n;
	int rc, rc2;

	(void)state;
	assert_true(sample_ntypes <= 16);
	sample_seed(&r, 3);
	memset(prev, 0x77, sizeof(prev));
	memset(msg, 0, sizeof(*msg));
	msg->type = MSG_EVENTS;
	for (i = 0; i < sample_ntypes; i++) {
		assert_int_equal(sample_event(&fed, 2, 9, prev,
		    sample_types[i], &r, evs[i], sizeof(evs[i]), &len[i], id),
		    0);
		count_start();
		rc = codec_check(evs[i], len[i], EV_MAX_DEPTH, NULL);
		rc2 = ev_decode(evs[i], len[i], fed.fed_id, &e, body, NULL);
		n = count_stop();
		assert_int_equal(rc, 0);
		assert_int_equal(rc2, 0);
		if (n != 0)
			fail_msg("ev_decode of a %s event allocated %zu bytes",
			    body_type_name(sample_types[i]), n);
		msg->u.events.ev[i].p = evs[i];
		msg->u.events.ev[i].len = len[i];
	}
	msg->u.events.nev = (uint32_t)sample_ntypes;
	assert_int_equal(msg_encode(msg, mbuf, sizeof(mbuf), &mlen, NULL), 0);
	count_start();
	rc = msg_decode(mbuf, mlen, msg, NULL);
	n = count_stop();
	assert_int_equal(rc, 0);
	assert_int_equal(n, 0);
	assert_int_equal(msg->u.events.nev, sample_ntypes);
	printf("# %zu valid events and an EVENTS message of %zu bytes: "
	    "0 bytes allocated\n", sample_ntypes, mlen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_works),
		cmocka_unit_test(test_bombs_refused),
		cmocka_unit_test(test_bomb_inside_event),
		cmocka_unit_test(test_valid_decode_allocates_nothing),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
