/* export.c: reading an export file (see export.h, protocol.md §13). */
#include "export.h"
#include "be.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * The digest is BLAKE2b over nearly the whole file, as long as the replay's
 * reading of it: a thread of its own hashes the bytes behind the reader,
 * which only copies them into a ring of buffers, so that the hashing runs
 * beside the signature checks, not between them.
 */
static void *
hash_thread(void *arg)
{
	struct exp_reader *r = arg;

	pthread_mutex_lock(&r->hmu);
	for (;;) {
		size_t i;

		while (r->hhashed == r->hfilled && !r->hclosing)
			pthread_cond_wait(&r->hcv, &r->hmu);
		if (r->hhashed == r->hfilled)
			break;
		i = (size_t)(r->hhashed % EXP_HASH_NBUF);
		pthread_mutex_unlock(&r->hmu);
		crypto_generichash_blake2b_update(&r->hs, r->hbuf[i],
		    r->hlen[i]);
		pthread_mutex_lock(&r->hmu);
		r->hhashed++;
		pthread_cond_broadcast(&r->hcv);
	}
	pthread_mutex_unlock(&r->hmu);
	return NULL;
}

/* The buffer being filled to the thread; wait until the next is free. */
static void
hash_submit(struct exp_reader *r)
{
	pthread_mutex_lock(&r->hmu);
	r->hlen[r->hfilled % EXP_HASH_NBUF] = r->hfill;
	r->hfilled++;
	pthread_cond_broadcast(&r->hcv);
	while (r->hfilled - r->hhashed >= EXP_HASH_NBUF)
		pthread_cond_wait(&r->hcv, &r->hmu);
	pthread_mutex_unlock(&r->hmu);
	r->hfill = 0;
}

static void hash_start(struct exp_reader *r);

/* len bytes into the digest, in order. */
static void
hash(struct exp_reader *r, const uint8_t *p, size_t len)
{
	if (!r->hthread && !r->htried && r->hinline > EXP_HASH_INLINE) {
		r->htried = 1;	/* a file that is not small */
		hash_start(r);
	}
	if (!r->hthread) {
		crypto_generichash_blake2b_update(&r->hs, p, len);
		r->hinline += len;
		return;
	}
	while (len > 0) {
		size_t n = EXP_HASH_BUF - r->hfill;

		if (n > len)
			n = len;
		memcpy(r->hbuf[r->hfilled % EXP_HASH_NBUF] + r->hfill, p, n);
		r->hfill += n;
		p += n;
		len -= n;
		if (r->hfill == EXP_HASH_BUF)
			hash_submit(r);
	}
}

/* Everything handed over hashed, and the thread gone. */
static void
hash_stop(struct exp_reader *r)
{
	if (!r->hthread)
		return;
	if (r->hfill > 0)
		hash_submit(r);
	pthread_mutex_lock(&r->hmu);
	r->hclosing = 1;
	pthread_cond_broadcast(&r->hcv);
	pthread_mutex_unlock(&r->hmu);
	pthread_join(r->hth, NULL);
	pthread_cond_destroy(&r->hcv);
	pthread_mutex_destroy(&r->hmu);
	r->hthread = 0;
}

/* The thread and its buffers, if they can be had; else hashing inline. */
static void
hash_start(struct exp_reader *r)
{
	size_t i;

	for (i = 0; i < EXP_HASH_NBUF; i++)
		if ((r->hbuf[i] = malloc(EXP_HASH_BUF)) == NULL)
			return;
	if (pthread_mutex_init(&r->hmu, NULL) != 0)
		return;
	if (pthread_cond_init(&r->hcv, NULL) != 0) {
		pthread_mutex_destroy(&r->hmu);
		return;
	}
	if (pthread_create(&r->hth, NULL, hash_thread, r) != 0) {
		pthread_cond_destroy(&r->hcv);
		pthread_mutex_destroy(&r->hmu);
		return;
	}
	r->hthread = 1;
}

/* Read len bytes: 0, or 1 at a clean end of file before any of them. */
static int
in(struct exp_reader *r, void *p, size_t len, int hashed)
{
	size_t got = len > 0 ? fread(p, 1, len, r->f) : 0;

	if (got != len)
		return ferror(r->f) ? (errno != 0 ? -errno : -EIO) :
		    got == 0 ? 1 : 2;
	if (hashed)
		hash(r, p, len);
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
	hash(r, hdr, 1);
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
		hash(r, r->buf, len - 32);
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
	hash_stop(r);
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
	size_t i;

	hash_stop(r);
	for (i = 0; i < EXP_HASH_NBUF; i++) {
		free(r->hbuf[i]);
		r->hbuf[i] = NULL;
	}
	free(r->buf);
	r->buf = NULL;
}
