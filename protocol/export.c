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
