/* export.c: the export file's records (see export.h, protocol.md §13). */
#define _GNU_SOURCE		/* sync_file_range */
#include "export.h"
#include "be.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The hashing thread: the buffer just filled, into the digest. */
static void *
hash_thread(void *arg)
{
	struct exp_writer *w = arg;

	crypto_generichash_blake2b_update(&w->hs, w->buf[!w->cur], w->wlen);
	return NULL;
}

/*
 * The writing thread: the buffer just filled, to the FILE.  On a file it
 * then starts the disk on those bytes, so the caller's final fsync finds
 * little left to do (a pipe or a terminal refuses, harmlessly).
 */
static void *
write_thread(void *arg)
{
	struct exp_writer *w = arg;
	const uint8_t *p = w->buf[!w->cur];

	if (w->wlen > 0 && fwrite(p, 1, w->wlen, w->f) != w->wlen) {
		w->err = errno != 0 ? -errno : -EIO;
		return NULL;
	}
#ifdef SYNC_FILE_RANGE_WRITE
	if (fflush(w->f) == 0)
		(void)sync_file_range(fileno(w->f), (off_t)w->synced,
		    (off_t)w->wlen, SYNC_FILE_RANGE_WRITE);
#endif
	w->synced += w->wlen;
	return NULL;
}

/* Wait for the buffer being hashed and written; its error, if any. */
static int
drain(struct exp_writer *w)
{
	if (w->busy) {
		pthread_join(w->th, NULL);
		pthread_join(w->tw, NULL);
		w->busy = 0;
	}
	return w->err;
}

/*
 * Hand the filled buffer to the hashing and writing threads and fill the
 * other: the walk of the store, the hashing and the writing overlap (each
 * alone is slower than a read of the store, BLAKE2b at about 650 MB/s).
 */
static int
swap(struct exp_writer *w)
{
	int rc;

	if ((rc = drain(w)) != 0)
		return rc;
	w->wlen = w->fill;
	w->cur = !w->cur;
	w->fill = 0;
	if (pthread_create(&w->th, NULL, hash_thread, w) != 0) {
		(void)hash_thread(w);	/* no thread: do it here */
		(void)write_thread(w);
		return w->err;
	}
	if (pthread_create(&w->tw, NULL, write_thread, w) != 0) {
		(void)write_thread(w);
		pthread_join(w->th, NULL);
		return w->err;
	}
	w->busy = 1;
	return 0;
}

/* Buffer len bytes; hashed and written in order, later. */
static int
out(struct exp_writer *w, const void *p, size_t len)
{
	int rc;

	if (len == 0)
		return 0;
	if (w->fill + len > EXP_WRITE_BUF && (rc = swap(w)) != 0)
		return rc;
	memcpy(w->buf[w->cur] + w->fill, p, len);
	w->fill += len;
	w->bytes += len;
	return 0;
}

void
exp_write_free(struct exp_writer *w)
{
	(void)drain(w);
	free(w->buf[0]);
	free(w->buf[1]);
	w->buf[0] = w->buf[1] = NULL;
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

	memset(w, 0, sizeof(*w));
	w->f = f;
	if ((w->buf[0] = malloc(EXP_WRITE_BUF)) == NULL ||
	    (w->buf[1] = malloc(EXP_WRITE_BUF)) == NULL) {
		exp_write_free(w);
		return I40_E_NOMEM;
	}
	crypto_generichash_blake2b_init(&w->hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&w->hs,
	    (const uint8_t *)EXP_DIGEST_TAG, sizeof(EXP_DIGEST_TAG) - 1);
	be_put32(ver, EXP_VERSION);
	if (len == 0 || len > EV_MAX_BYTES)
		return I40_E_TOO_BIG;
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

	/* Everything before the trailer hashed and written, in order. */
	if ((rc = swap(w)) != 0 || (rc = drain(w)) != 0) {
		exp_write_free(w);
		return rc;
	}
	exp_write_free(w);

	t[0] = EXP_REC_TRAILER;
	be_put32(t + 1, EXP_TRAILER_LEN);
	be_put64(t + 5, w->events);
	be_put64(t + 13, w->evidence);
	memcpy(t + 21, log_root, 32);
	/* The digest covers the trailer too, up to itself. */
	crypto_generichash_blake2b_update(&w->hs, t, 53);
	crypto_generichash_blake2b_final(&w->hs, t + 53, 32);
	if (fwrite(t, 1, sizeof(t), w->f) != sizeof(t) || fflush(w->f) != 0)
		return errno != 0 ? -errno : -EIO;
	w->bytes += sizeof(t);
	return 0;
}

static int damaged(struct exp_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
damaged(struct exp_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return I40_E_EXPORT;
}

/* Read len bytes: 0, or 1 at a clean end of file before any of them. */
static int
in(struct exp_reader *r, void *p, size_t len, int hash)
{
	size_t got = len > 0 ? fread(p, 1, len, r->f) : 0;

	if (got != len)
		return ferror(r->f) ? (errno != 0 ? -errno : -EIO) :
		    got == 0 ? 1 : 2;
	if (hash)
		crypto_generichash_blake2b_update(&r->hs, p, len);
	return 0;
}

/* A read that failed (not an end of file): said, with where. */
static int
read_err(struct exp_reader *r, int rc)
{
	snprintf(r->why, sizeof(r->why), "cannot read at offset %llu: %s",
	    (unsigned long long)r->offset, strerror(-rc));
	return rc;
}

/* One record's header and payload into rec. */
static int
read_record(struct exp_reader *r, struct exp_record *rec)
{
	uint8_t hdr[5];
	uint32_t len;
	int rc;

	memset(rec, 0, sizeof(*rec));
	rec->offset = r->offset;
	if ((rc = in(r, hdr, 1, 0)) != 0)
		return rc < 0 ? read_err(r, rc) : damaged(r, "the file ends at offset %llu "
		    "without its trailer: cut short",
		    (unsigned long long)r->offset);
	rec->type = hdr[0];
	crypto_generichash_blake2b_update(&r->hs, hdr, 1);
	if ((rc = in(r, hdr + 1, 4, 1)) != 0)
		return rc < 0 ? read_err(r, rc) : damaged(r, "the file ends inside the "
		    "record at offset %llu: cut short",
		    (unsigned long long)r->offset);
	len = be_get32(hdr + 1);
	switch (rec->type) {
	case EXP_REC_GENESIS:
	case EXP_REC_EVENT:
		if (len == 0 || len > EV_MAX_BYTES)
			return damaged(r, "the event record at offset %llu "
			    "has length %lu (1..%d)", (unsigned long long)
			    r->offset, (unsigned long)len, EV_MAX_BYTES);
		break;
	case EXP_REC_EVIDENCE:
		if (len < 6 || len > EXP_MAX_RECORD)
			return damaged(r, "the evidence record at offset %llu "
			    "has length %lu", (unsigned long long)r->offset,
			    (unsigned long)len);
		break;
	case EXP_REC_TRAILER:
		if (len != EXP_TRAILER_LEN)
			return damaged(r, "the trailer at offset %llu has "
			    "length %lu (%d)", (unsigned long long)r->offset,
			    (unsigned long)len, EXP_TRAILER_LEN);
		break;
	default:
		return damaged(r, "offset %llu: record type 0x%02x is none of "
		    "G, E, F, T", (unsigned long long)r->offset, rec->type);
	}
	/* The trailer's digest is the one field the digest leaves out. */
	if ((rc = in(r, r->buf, len, rec->type != EXP_REC_TRAILER)) != 0)
		return rc < 0 ? read_err(r, rc) : damaged(r, "the file ends inside the "
		    "record at offset %llu: cut short",
		    (unsigned long long)r->offset);
	if (rec->type == EXP_REC_TRAILER)
		crypto_generichash_blake2b_update(&r->hs, r->buf, len - 32);
	rec->p = r->buf;
	rec->len = len;
	r->offset += 5 + len;
	if (rec->type == EXP_REC_EVIDENCE) {
		uint32_t alen = be_get32(r->buf);

		if (alen == 0 || alen > EV_MAX_BYTES || len - 4 <= alen ||
		    len - 4 - alen > EV_MAX_BYTES)
			return damaged(r, "the evidence record at offset %llu "
			    "splits badly (first event %lu of %lu bytes)",
			    (unsigned long long)rec->offset,
			    (unsigned long)alen, (unsigned long)len - 4);
		rec->a = r->buf + 4;
		rec->alen = alen;
		rec->b = r->buf + 4 + alen;
		rec->blen = len - 4 - alen;
	}
	return 0;
}

int
exp_read_begin(struct exp_reader *r, FILE *f, struct exp_record *genesis)
{
	uint8_t head[EXP_MAGIC_LEN + 4];
	int rc;

	memset(r, 0, sizeof(*r));
	r->f = f;
	crypto_generichash_blake2b_init(&r->hs, NULL, 0, 32);
	crypto_generichash_blake2b_update(&r->hs,
	    (const uint8_t *)EXP_DIGEST_TAG, sizeof(EXP_DIGEST_TAG) - 1);
	if ((r->buf = malloc(EXP_MAX_RECORD)) == NULL)
		return I40_E_NOMEM;
	if ((rc = in(r, head, sizeof(head), 1)) != 0)
		return rc < 0 ? read_err(r, rc) : damaged(r, "shorter than the %zu bytes of "
		    "magic and version: not an export file", sizeof(head));
	if (memcmp(head, EXP_MAGIC, EXP_MAGIC_LEN) != 0)
		return damaged(r, "no export magic at offset 0: not an i40 "
		    "export file (or one mangled by a text transfer)");
	if (be_get32(head + EXP_MAGIC_LEN) != EXP_VERSION)
		return damaged(r, "format version %lu; this i40ctl reads "
		    "version %d", (unsigned long)be_get32(head + EXP_MAGIC_LEN),
		    EXP_VERSION);
	r->offset = sizeof(head);
	if ((rc = read_record(r, genesis)) != 0)
		return rc;
	if (genesis->type != EXP_REC_GENESIS)
		return damaged(r, "offset %llu: the first record is not the "
		    "genesis (G)", (unsigned long long)genesis->offset);
	return 0;
}

int
exp_next(struct exp_reader *r, struct exp_record *rec)
{
	uint8_t digest[32];
	int rc;

	if (r->ended)
		return 1;
	if ((rc = read_record(r, rec)) != 0)
		return rc;
	switch (rec->type) {
	case EXP_REC_EVENT:
		r->events++;
		return 0;
	case EXP_REC_EVIDENCE:
		r->evidence++;
		return 0;
	case EXP_REC_GENESIS:
		return damaged(r, "offset %llu: a second genesis record",
		    (unsigned long long)rec->offset);
	default:
		break;
	}
	r->trailer.events = be_get64(rec->p);
	r->trailer.evidence = be_get64(rec->p + 8);
	memcpy(r->trailer.log_root, rec->p + 16, 32);
	memcpy(r->trailer.digest, rec->p + 48, 32);
	crypto_generichash_blake2b_final(&r->hs, digest, 32);
	if (sodium_memcmp(digest, r->trailer.digest, 32) != 0)
		return damaged(r, "the trailer's digest does not match the "
		    "file: a record was changed, added or removed");
	if (r->trailer.events != r->events ||
	    r->trailer.evidence != r->evidence)
		return damaged(r, "the trailer counts %llu events and %llu "
		    "pieces of evidence, the file holds %llu and %llu",
		    (unsigned long long)r->trailer.events,
		    (unsigned long long)r->trailer.evidence,
		    (unsigned long long)r->events,
		    (unsigned long long)r->evidence);
	if (fgetc(r->f) != EOF)
		return damaged(r, "bytes after the trailer at offset %llu",
		    (unsigned long long)r->offset);
	r->ended = 1;
	return 1;
}

void
exp_read_end(struct exp_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}
