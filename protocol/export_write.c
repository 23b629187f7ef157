/*
 * export_write.c: writing an export file (see export.h, protocol.md §13).
 *
 * Why a ring of buffers and two threads: the walk of the store, BLAKE2b
 * of the file (about 650 MB/s on one core) and the write each take about
 * as long as a read of the store.  The caller fills one buffer while the
 * hashing and the writing threads each work through those filled before
 * it; a buffer is filled again once both are done with it.  A ring of
 * several, not two, keeps both threads busy while the caller waits on the
 * disk for a page of the store, and the caller busy while they wait.
 *
 * Why O_DIRECT on a file of the export's own (exp_write_direct): the
 * copy into the page cache was a fifth of an export's CPU, and an export of the whole log would otherwise push the
 * daemon's own pages of the store out of the cache.  Every buffer but the
 * last is full (EXP_WRITE_BUF, a multiple of any block size) and starts
 * at an aligned offset, so each goes to the disk from the buffer itself;
 * the tail, and everything on a file system or output that refuses it
 * (a pipe, tmpfs), is written the ordinary way.
 */
#define _GNU_SOURCE		/* O_DIRECT, sync_file_range */
#include "export.h"
#include "be.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALIGN 4096

/* fd without O_DIRECT from here on: the tail, or a refusal. */
static void
direct_off(struct exp_writer *w)
{
	int fl;

	if (!w->direct)
		return;
	w->direct = 0;
	if ((fl = fcntl(w->fd, F_GETFL)) >= 0)
		(void)fcntl(w->fd, F_SETFL, fl & ~O_DIRECT);
}

/* All of p to the output; 0 or -errno. */
static int
write_all(struct exp_writer *w, const uint8_t *p, size_t len)
{
	if (w->fd < 0) {	/* a FILE of no descriptor (open_memstream) */
		if ((len > 0 && fwrite(p, 1, len, w->f) != len) ||
		    fflush(w->f) != 0)
			return errno != 0 ? -errno : -EIO;
		return 0;
	}
	while (len > 0) {
		ssize_t n = write(w->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EINVAL && w->direct) {
			direct_off(w);	/* refused here after all */
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		if (len % ALIGN != 0)
			direct_off(w);	/* a short write leaves it unaligned */
	}
	return 0;
}

/* Buffer i (len bytes) to the output: the writing thread's part. */
static int
write_buf(struct exp_writer *w, size_t i, size_t len)
{
	int rc;

	if (len % ALIGN != 0)
		direct_off(w);
	if ((rc = write_all(w, w->buf[i], len)) != 0)
		return rc;
#ifdef SYNC_FILE_RANGE_WRITE
	/* Buffered: start the disk now, so the final fsync has little left. */
	if (!w->direct && w->regular)
		(void)sync_file_range(w->fd, (off_t)w->synced, (off_t)len,
		    SYNC_FILE_RANGE_WRITE);
#endif
	w->synced += len;
	return 0;
}

/*
 * The hashing (which == 0) or the writing thread: every filled buffer in
 * order, until the writer closes and none is left.
 */
static void
worker(struct exp_writer *w, int which)
{
	uint64_t *done = which == 0 ? &w->hashed : &w->written;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		size_t i, len;
		int rc = 0;

		while (*done == w->filled && !w->closing)
			pthread_cond_wait(&w->cv, &w->mu);
		if (*done == w->filled)
			break;
		i = (size_t)(*done % EXP_WRITE_NBUF);
		len = w->len[i];
		pthread_mutex_unlock(&w->mu);
		if (which == 0)
			crypto_generichash_blake2b_update(&w->hs, w->buf[i],
			    len);
		else if (w->err == 0)
			rc = write_buf(w, i, len);
		pthread_mutex_lock(&w->mu);
		if (rc != 0 && w->err == 0)
			w->err = rc;	/* later buffers are dropped */
		(*done)++;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
}

static void *
hash_thread(void *arg)
{
	worker(arg, 0);
	return NULL;
}

static void *
write_thread(void *arg)
{
	worker(arg, 1);
	return NULL;
}

/*
 * Hand the buffer being filled to both threads and wait until the next
 * one is free: 0, or the first write error.  Without threads (none could
 * be started) the work is done here.
 */
static int
submit(struct exp_writer *w)
{
	size_t i = (size_t)(w->filled % EXP_WRITE_NBUF);
	int rc;

	if (!w->threads) {
		crypto_generichash_blake2b_update(&w->hs, w->buf[i], w->fill);
		if (w->err == 0 && (rc = write_buf(w, i, w->fill)) != 0)
			w->err = rc;
		w->fill = 0;
		return w->err;
	}
	pthread_mutex_lock(&w->mu);
	w->len[i] = w->fill;
	w->filled++;
	pthread_cond_broadcast(&w->cv);
	while (w->filled - (w->hashed < w->written ? w->hashed : w->written) >=
	    EXP_WRITE_NBUF)
		pthread_cond_wait(&w->cv, &w->mu);
	rc = w->err;
	pthread_mutex_unlock(&w->mu);
	w->fill = 0;
	return rc;
}

/* Buffer len bytes; hashed and written in order, later. */
static int
out(struct exp_writer *w, const void *p, size_t len)
{
	const uint8_t *s = p;
	int rc;

	while (len > 0) {
		size_t i = (size_t)(w->filled % EXP_WRITE_NBUF);
		size_t n = EXP_WRITE_BUF - w->fill;

		if (n > len)
			n = len;
		memcpy(w->buf[i] + w->fill, s, n);
		w->fill += n;
		w->bytes += n;
		s += n;
		len -= n;
		if (w->fill == EXP_WRITE_BUF && (rc = submit(w)) != 0)
			return rc;
	}
	return 0;
}

/* Close the ring: every buffer handed over is hashed and written. */
static int
finish(struct exp_writer *w)
{
	if (w->threads) {
		pthread_mutex_lock(&w->mu);
		w->closing = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
		pthread_join(w->tw, NULL);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		w->threads = 0;
	}
	return w->err;
}

void
exp_write_free(struct exp_writer *w)
{
	size_t i;

	if (!w->live)
		return;
	(void)finish(w);
	direct_off(w);
	for (i = 0; i < EXP_WRITE_NBUF; i++) {
		free(w->buf[i]);
		w->buf[i] = NULL;
	}
	w->live = 0;
}

/* Is the output a regular file (for sync_file_range)? */
static void
regular_of(struct exp_writer *w)
{
	struct stat sb;

	w->regular = w->fd >= 0 && fstat(w->fd, &sb) == 0 &&
	    S_ISREG(sb.st_mode);
}

void
exp_write_direct(struct exp_writer *w)
{
	int fl;

	/* Nothing handed to the writing thread yet: it reads direct later. */
	if (!w->live || !w->regular || w->filled != 0 ||
	    lseek(w->fd, 0, SEEK_CUR) != 0 ||
	    (fl = fcntl(w->fd, F_GETFL)) < 0 ||
	    fcntl(w->fd, F_SETFL, fl | O_DIRECT) != 0)
		return;
	w->direct = 1;
}

/* Buffers, the digest's start and the threads; 0 or I40_E_NOMEM. */
static int
start(struct exp_writer *w, FILE *f)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	w->f = f;
	w->fd = fileno(f);
	w->live = 1;
	for (i = 0; i < EXP_WRITE_NBUF; i++)
		if (posix_memalign((void **)&w->buf[i], ALIGN,
		    EXP_WRITE_BUF) != 0) {
			w->buf[i] = NULL;
			exp_write_free(w);
			return I40_E_NOMEM;
		}
	/* Whatever the caller wrote through f goes first (nothing, so far). */
	if (fflush(f) != 0) {
		exp_write_free(w);
		return errno != 0 ? -errno : -EIO;
	}
	regular_of(w);
	crypto_generichash_blake2b_init(&w->hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&w->hs,
	    (const uint8_t *)EXP_DIGEST_TAG, sizeof(EXP_DIGEST_TAG) - 1);
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return 0;	/* no threads: the caller's thread does it all */
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		return 0;
	}
	if (pthread_create(&w->th, NULL, hash_thread, w) != 0)
		goto single;
	if (pthread_create(&w->tw, NULL, write_thread, w) != 0) {
		pthread_mutex_lock(&w->mu);
		w->closing = 1;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
		goto single;
	}
	w->threads = 1;
	return 0;
single:
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->closing = 0;
	return 0;
}

/* One record's header and payload (in two parts, b may be empty). */
static int
record(struct exp_writer *w, int type, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	uint8_t hdr[5];
	int rc;

	if (alen + blen > EXP_MAX_RECORD)
		return I40_E_TOO_BIG;
	hdr[0] = (uint8_t)type;
	be_put32(hdr + 1, (uint32_t)(alen + blen));
	if ((rc = out(w, hdr, sizeof(hdr))) != 0 ||
	    (rc = out(w, a, alen)) != 0 || (rc = out(w, b, blen)) != 0)
		return rc;
	return 0;
}

int
exp_write_begin(struct exp_writer *w, FILE *f, const uint8_t *genesis,
    size_t len)
{
	uint8_t ver[4];
	int rc;

	if (len == 0 || len > EV_MAX_BYTES) {
		memset(w, 0, sizeof(*w));
		w->f = f;	/* still the caller's, to close */
		return I40_E_TOO_BIG;
	}
	if ((rc = start(w, f)) != 0)
		return rc;
	be_put32(ver, EXP_VERSION);
	if ((rc = out(w, EXP_MAGIC, EXP_MAGIC_LEN)) != 0 ||
	    (rc = out(w, ver, 4)) != 0)
		return rc;
	return record(w, EXP_REC_GENESIS, genesis, len, NULL, 0);
}

int
exp_write_event(struct exp_writer *w, const uint8_t *ev, size_t len)
{
	int rc;

	if (len == 0 || len > EV_MAX_BYTES)
		return I40_E_TOO_BIG;
	if ((rc = record(w, EXP_REC_EVENT, ev, len, NULL, 0)) == 0)
		w->events++;
	return rc;
}

int
exp_write_evidence(struct exp_writer *w, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	uint8_t hdr[9];
	int rc;

	if (alen == 0 || alen > EV_MAX_BYTES || blen == 0 ||
	    blen > EV_MAX_BYTES)
		return I40_E_TOO_BIG;
	hdr[0] = EXP_REC_EVIDENCE;
	be_put32(hdr + 1, (uint32_t)(4 + alen + blen));
	be_put32(hdr + 5, (uint32_t)alen);
	if ((rc = out(w, hdr, sizeof(hdr))) != 0 ||
	    (rc = out(w, a, alen)) != 0 || (rc = out(w, b, blen)) != 0)
		return rc;
	w->evidence++;
	return 0;
}

int
exp_write_end(struct exp_writer *w, const uint8_t log_root[32])
{
	uint8_t t[5 + EXP_TRAILER_LEN];
	int rc;

	t[0] = EXP_REC_TRAILER;
	be_put32(t + 1, EXP_TRAILER_LEN);
	be_put64(t + 5, w->events);
	be_put64(t + 13, w->evidence);
	memcpy(t + 21, log_root, 32);
	/* The trailer up to its digest goes with the rest, hashed in order. */
	if ((rc = out(w, t, 53)) != 0 ||
	    (w->fill > 0 && (rc = submit(w)) != 0) || (rc = finish(w)) != 0) {
		exp_write_free(w);
		return rc;
	}
	crypto_generichash_blake2b_final(&w->hs, t + 53, 32);
	direct_off(w);
	rc = write_all(w, t + 53, 32);
	exp_write_free(w);
	if (rc != 0)
		return rc;
	w->bytes += 32;
	return 0;
}
