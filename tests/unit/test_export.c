/*
 * test_export.c: the export file's records (docs/protocol.md §14): what
 * is written reads back record by record with its offsets and trailer;
 * every prefix of a file (a file cut short), every single flipped byte and
 * bytes after the trailer are refused as I40_E_EXPORT, never read as a
 * shorter or different log; a file of many buffers is the same bytes to a
 * file, a pipe or a FILE of no descriptor, and a full disk is an error.
 */
#define _GNU_SOURCE		/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "protocol/export.h"

static const uint8_t gen[] = "genesis-bytes";
static const uint8_t ev1[] = "first event";
static const uint8_t ev2[] = "second, longer event bytes";
static const uint8_t fa[] = "evidence a", fb[] = "evidence b!";
static uint8_t root[32];

/* A small export in memory: *buf (caller frees), *len. */
static void
build(uint8_t **buf, size_t *len)
{
	struct exp_writer w;
	char *p = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&p, &n);

	assert_non_null(f);
	memset(root, 0x5a, sizeof(root));
	assert_int_equal(exp_write_begin(&w, f, gen, sizeof(gen)), 0);
	assert_int_equal(exp_write_event(&w, ev1, sizeof(ev1)), 0);
	assert_int_equal(exp_write_event(&w, ev2, sizeof(ev2)), 0);
	assert_int_equal(exp_write_evidence(&w, fa, sizeof(fa), fb,
	    sizeof(fb)), 0);
	assert_int_equal(exp_write_end(&w, root), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(n, w.bytes);
	*buf = (uint8_t *)p;
	*len = n;
}

/* Read buf[0..len) to the end: 0 if whole, else the error. */
static int
read_all(const uint8_t *buf, size_t len, struct exp_reader *r,
    uint64_t *bad_offset)
{
	struct exp_record g, rec;
	FILE *f = fmemopen((void *)buf, len, "rb");
	int rc;

	assert_non_null(f);
	memset(&g, 0, sizeof(g));
	memset(&rec, 0, sizeof(rec));
	if ((rc = exp_read_begin(r, f, &g)) == 0) {
		while ((rc = exp_next(r, &rec)) == 0)
			;
		*bad_offset = rec.offset;
	} else {
		*bad_offset = g.offset;
	}
	exp_read_end(r);
	fclose(f);
	return rc == 1 ? 0 : rc;
}

static void
test_roundtrip(void **state)
{
	struct exp_reader r;
	struct exp_record g, rec;
	uint8_t *buf;
	size_t len;
	FILE *f;

	(void)state;
	build(&buf, &len);
	assert_memory_equal(buf, EXP_MAGIC, EXP_MAGIC_LEN);
	assert_non_null(f = fmemopen(buf, len, "rb"));
	assert_int_equal(exp_read_begin(&r, f, &g), 0);
	assert_int_equal(g.type, EXP_REC_GENESIS);
	assert_int_equal(g.offset, 12);
	assert_int_equal(g.len, sizeof(gen));
	assert_memory_equal(g.p, gen, sizeof(gen));
	assert_int_equal(exp_next(&r, &rec), 0);
	assert_int_equal(rec.type, EXP_REC_EVENT);
	assert_int_equal(rec.offset, 12 + 5 + sizeof(gen));
	assert_memory_equal(rec.p, ev1, sizeof(ev1));
	assert_int_equal(exp_next(&r, &rec), 0);
	assert_memory_equal(rec.p, ev2, sizeof(ev2));
	assert_int_equal(exp_next(&r, &rec), 0);
	assert_int_equal(rec.type, EXP_REC_EVIDENCE);
	assert_int_equal(rec.alen, sizeof(fa));
	assert_memory_equal(rec.a, fa, sizeof(fa));
	assert_int_equal(rec.blen, sizeof(fb));
	assert_memory_equal(rec.b, fb, sizeof(fb));
	assert_int_equal(exp_next(&r, &rec), 1);
	assert_int_equal(r.trailer.events, 2);
	assert_int_equal(r.trailer.evidence, 1);
	assert_memory_equal(r.trailer.log_root, root, 32);
	assert_int_equal(exp_next(&r, &rec), 1);
	exp_read_end(&r);
	fclose(f);
	free(buf);
}

/* Every prefix is a file cut short: refused, at or before its end. */
static void
test_every_prefix(void **state)
{
	struct exp_reader r;
	uint64_t off;
	uint8_t *buf;
	size_t len, cut;

	(void)state;
	build(&buf, &len);
	for (cut = 0; cut < len; cut++) {
		assert_int_equal(read_all(buf, cut, &r, &off), I40_E_EXPORT);
		assert_true(r.why[0] != '\0');
		assert_true(off <= cut);
	}
	assert_int_equal(read_all(buf, len, &r, &off), 0);
	free(buf);
}

/* Every flipped byte, and bytes after the trailer, are refused. */
static void
test_every_flip(void **state)
{
	struct exp_reader r;
	uint64_t off;
	uint8_t *buf, *more;
	size_t len, i;
	int bit;

	(void)state;
	build(&buf, &len);
	for (i = 0; i < len; i++)
		for (bit = 0; bit < 8; bit += 7) {
			buf[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(read_all(buf, len, &r, &off),
			    I40_E_EXPORT);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	assert_non_null(more = malloc(len + 1));
	memcpy(more, buf, len);
	more[len] = 'E';
	assert_int_equal(read_all(more, len + 1, &r, &off), I40_E_EXPORT);
	assert_non_null(strstr(r.why, "after the trailer"));
	free(more);
	free(buf);
}

/*
 * docs/vectors/export.json reads back as its records and trailer say, and
 * every event in it decodes as an event of the test federation.
 */
static void
test_vector(void **state)
{
	json_t *doc, *recs, *r0;
	json_error_t je;
	struct exp_reader r;
	struct exp_record g, rec;
	struct ev_signed e;
	uint8_t *bin, vroot[32], fed_id[32];
	const char *hex;
	size_t len, i = 1, hlen;
	FILE *f;
	int rc;

	(void)state;
	doc = json_load_file("docs/vectors/export.json", 0, &je);
	assert_non_null(doc);
	hex = json_string_value(json_object_get(doc, "hex"));
	recs = json_object_get(doc, "records");
	assert_non_null(hex);
	hlen = strlen(hex);
	assert_non_null(bin = malloc(hlen / 2 + 1));
	assert_int_equal(sodium_hex2bin(bin, hlen / 2, hex, hlen, NULL, &len,
	    NULL), 0);
	assert_non_null(f = fmemopen(bin, len, "rb"));
	assert_int_equal(exp_read_begin(&r, f, &g), 0);
	assert_int_equal(ev_decode(g.p, g.len, NULL, &e, NULL, NULL), 0);
	memcpy(fed_id, e.h.fed_id, 32);
	r0 = json_array_get(recs, 0);
	assert_int_equal(g.offset, json_integer_value(json_object_get(r0,
	    "offset")));
	while ((rc = exp_next(&r, &rec)) == 0) {
		json_t *x = json_array_get(recs, i++);

		assert_non_null(x);
		assert_int_equal(rec.offset, json_integer_value(
		    json_object_get(x, "offset")));
		assert_int_equal(rec.len, json_integer_value(
		    json_object_get(x, "length")));
		assert_int_equal(rec.type, json_string_value(json_object_get(x,
		    "type"))[0]);
		if (rec.type == EXP_REC_EVIDENCE) {
			struct ev_signed e2;

			/* Two events of one author at one seq. */
			assert_int_equal(ev_decode(rec.b, rec.blen, fed_id, &e2,
			    NULL, NULL), 0);
			assert_int_equal(ev_decode(rec.a, rec.alen, fed_id, &e,
			    NULL, NULL), 0);
			assert_memory_equal(e.h.author, e2.h.author, 32);
			assert_int_equal(e.h.seq, e2.h.seq);
		} else {
			assert_int_equal(ev_decode(rec.p, rec.len, fed_id, &e,
			    NULL, NULL), 0);
		}
		assert_int_equal(e.h.seq, json_integer_value(
		    json_object_get(x, "seq")));
	}
	assert_int_equal(rc, 1);
	assert_int_equal(i, json_array_size(recs));
	assert_int_equal(r.trailer.events, json_integer_value(json_object_get(
	    json_object_get(doc, "trailer"), "events")));
	assert_int_equal(sodium_hex2bin(vroot, 32, json_string_value(
	    json_object_get(json_object_get(doc, "trailer"), "log_root")), 64,
	    NULL, NULL, NULL), 0);
	assert_memory_equal(r.trailer.log_root, vroot, 32);
	exp_read_end(&r);
	fclose(f);
	free(bin);
	json_decref(doc);
}

/* Records of seeded random sizes, 1 to EV_MAX_BYTES, past n bytes. */
struct big {
	unsigned seed;
	uint8_t *rec;			/* EV_MAX_BYTES of a pattern */
	size_t total;
};

/* The same records as every other writer of b, then the trailer: rc. */
static int
write_big(const struct big *b, FILE *f, int direct, struct exp_writer *w)
{
	unsigned s = b->seed;
	size_t done = 0;
	int rc;

	if ((rc = exp_write_begin(w, f, gen, sizeof(gen))) != 0)
		return rc;
	if (direct)
		exp_write_direct(w);
	while (done < b->total) {
		size_t len = 1 + (size_t)rand_r(&s) % EV_MAX_BYTES;

		if ((rc = exp_write_event(w, b->rec + EV_MAX_BYTES - len,
		    len)) != 0) {
			exp_write_free(w);
			return rc;
		}
		done += len + 5;
	}
	return exp_write_end(w, root);
}

struct drain_arg {
	int fd;
	uint8_t *p;
	size_t len, cap;
};

/* The reading end of a pipe, to its end, into memory. */
static void *
drain_pipe(void *arg)
{
	struct drain_arg *d = arg;
	ssize_t n;

	for (;;) {
		if (d->len == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 1 << 20;
			if ((d->p = realloc(d->p, d->cap)) == NULL)
				return NULL;
		}
		if ((n = read(d->fd, d->p + d->len, d->cap - d->len)) <= 0)
			break;
		d->len += (size_t)n;
	}
	return NULL;
}

/*
 * Enough records for the ring of buffers to wrap several times, the last
 * buffer partial: the same bytes to a memory stream, a regular file
 * (O_DIRECT where the file system takes it, off again after) and a pipe,
 * and they read back whole.
 */
static void
test_many_buffers(void **state)
{
	struct big b;
	struct exp_writer w;
	struct exp_reader r;
	struct drain_arg d = { 0 };
	pthread_t th;
	char dir[] = "/tmp/i40-test-export-XXXXXX", path[64];
	char *mem = NULL;
	size_t mlen = 0, i, flen;
	uint8_t *fbuf;
	uint64_t off;
	FILE *f;
	int fds[2], fl;
	unsigned flip;

	(void)state;
	b.seed = (unsigned)time(NULL);
	printf("# seed %u\n", b.seed);
	b.total = EXP_WRITE_BUF * (2 * EXP_WRITE_NBUF + 1) + 12345;
	assert_non_null(b.rec = malloc(EV_MAX_BYTES));
	for (i = 0; i < EV_MAX_BYTES; i++)
		b.rec[i] = (uint8_t)(i * 7 + i / 251);

	assert_non_null(f = open_memstream(&mem, &mlen));
	assert_int_equal(write_big(&b, f, 1, &w), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(mlen, w.bytes);
	assert_true(mlen > EXP_WRITE_BUF * 2 * EXP_WRITE_NBUF);
	assert_int_equal(read_all((uint8_t *)mem, mlen, &r, &off), 0);
	/* Past the reader's inline hashing: a byte flipped, a file cut. */
	flip = b.seed;
	i = EXP_HASH_INLINE + EXP_HASH_BUF * 3 + (size_t)rand_r(&flip) %
	    (mlen - EXP_HASH_INLINE - EXP_HASH_BUF * 3 - 200);
	mem[i] ^= 0x10;
	assert_int_equal(read_all((uint8_t *)mem, mlen, &r, &off),
	    I40_E_EXPORT);
	mem[i] ^= 0x10;
	assert_int_equal(read_all((uint8_t *)mem, mlen - 1, &r, &off),
	    I40_E_EXPORT);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.i40x", dir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(write_big(&b, f, 1, &w), 0);
	fl = fcntl(fileno(f), F_GETFL);
	assert_true(fl >= 0 && (fl & O_DIRECT) == 0);
	assert_int_equal(fclose(f), 0);
	/* Without exp_write_direct (a shared stdout): never O_DIRECT. */
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(exp_write_begin(&w, f, gen, sizeof(gen)), 0);
	fl = fcntl(fileno(f), F_GETFL);
	assert_true(fl >= 0 && (fl & O_DIRECT) == 0);
	exp_write_direct(&w);
	fl = fcntl(fileno(f), F_GETFL);
	printf("# O_DIRECT on %s: %s\n", dir, fl >= 0 && (fl & O_DIRECT) ?
	    "taken" : "refused by its file system");
	exp_write_free(&w);
	assert_int_equal(fclose(f), 0);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(write_big(&b, f, 1, &w), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(f = fopen(path, "rb"));
	assert_non_null(fbuf = malloc(mlen + 1));
	flen = fread(fbuf, 1, mlen + 1, f);
	fclose(f);
	assert_int_equal(flen, mlen);
	assert_memory_equal(fbuf, mem, mlen);
	free(fbuf);
	unlink(path);
	rmdir(dir);

	assert_int_equal(pipe(fds), 0);
	d.fd = fds[0];
	assert_int_equal(pthread_create(&th, NULL, drain_pipe, &d), 0);
	assert_non_null(f = fdopen(fds[1], "wb"));
	assert_int_equal(write_big(&b, f, 1, &w), 0);
	assert_int_equal(fclose(f), 0);
	pthread_join(th, NULL);
	close(fds[0]);
	assert_int_equal(d.len, mlen);
	assert_memory_equal(d.p, mem, mlen);
	free(d.p);
	free(mem);
	free(b.rec);
}

/* A full disk (/dev/full): ENOSPC from the writer, and nothing hangs. */
static void
test_full_disk(void **state)
{
	struct big b;
	struct exp_writer w;
	FILE *f;

	(void)state;
	b.seed = 1;
	b.total = EXP_WRITE_BUF * (EXP_WRITE_NBUF + 2);
	assert_non_null(b.rec = calloc(1, EV_MAX_BYTES));
	if ((f = fopen("/dev/full", "wb")) == NULL) {
		free(b.rec);
		skip();
	}
	assert_int_equal(write_big(&b, f, 1, &w), -ENOSPC);
	fclose(f);
	/* Too small for one buffer: the error comes at the end. */
	b.total = 100;
	assert_non_null(f = fopen("/dev/full", "wb"));
	assert_int_equal(write_big(&b, f, 0, &w), -ENOSPC);
	exp_write_free(&w);	/* released already: harmless again */
	fclose(f);
	free(b.rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_every_flip),
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_many_buffers),
		cmocka_unit_test(test_full_disk),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
