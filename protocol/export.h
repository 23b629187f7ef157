/*
 * export.h: the export file (docs/protocol.md §13): a federation's log
 * as one self-describing stream, for offline audit, a new node's first
 * fill and air-gapped mirrors.
 *
 *   file    = magic(8) version(4) record* ; the last record is T
 *   record  = type(1) length(4) payload(length), integers big-endian
 *   G       = the genesis event, first
 *   E       = one signed event: every author's log in seq order, the
 *             logs interleaved (i40 writes them in arrival order)
 *   F       = fork evidence: len(a)(4) a b, two signed events of one
 *             author at one seq, after the last E, authors ascending
 *   T       = count of E(8) count of F(8) log root(32) digest(32), last
 *
 * The digest is BLAKE2b-256, keyed by nothing, over "i40/export/v1" and
 * every byte of the file before the digest itself (the trailer's type,
 * length, counts and log root included): a file cut short, or with a
 * record changed, added or removed, no longer matches it.
 *
 * Ownership: a writer owns EXP_WRITE_NBUF buffers of EXP_WRITE_BUF bytes
 * and two threads, one hashing and one writing the buffers filled before
 * the one the caller fills (exp_write_end, or exp_write_free on an error,
 * releases them).  It writes to the file descriptor under the caller's
 * FILE (through the FILE if it has none), which it flushes first and
 * must hold nothing else.  With exp_write_direct, on a file the caller
 * opened for the export alone, it writes with O_DIRECT (past the page
 * cache) where the file system allows, and takes O_DIRECT off again
 * before it returns (O_DIRECT is the open file's: on a descriptor others
 * share, such as a redirected stdout, it would be theirs too).
 * The caller fsyncs and closes.  A reader owns one buffer of
 * EXP_MAX_RECORD bytes, which each exp_next() overwrites (the record's
 * payload points into it), and, once a file passes EXP_HASH_INLINE
 * bytes, EXP_HASH_NBUF of EXP_HASH_BUF bytes with a thread that hashes
 * them behind it (exp_read_end releases them).
 */
#ifndef I40_EXPORT_H
#define I40_EXPORT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sodium.h>

#include "errors.h"
#include "event.h"

#define EXP_MAGIC "\x89I40LOG\n"
#define EXP_MAGIC_LEN 8
#define EXP_VERSION 1
#define EXP_DIGEST_TAG "i40/export/v1"
#define EXP_REC_GENESIS 'G'
#define EXP_REC_EVENT 'E'
#define EXP_REC_EVIDENCE 'F'
#define EXP_REC_TRAILER 'T'
#define EXP_TRAILER_LEN (8 + 8 + 32 + 32)
/* The largest payload: a pair of evidence. */
#define EXP_MAX_RECORD (4 + 2 * EV_MAX_BYTES)

struct exp_trailer {
	uint64_t events;		/* E records */
	uint64_t evidence;		/* F records */
	uint8_t log_root[32];		/* of the store the file was taken from */
	uint8_t digest[32];		/* of every byte before it */
};

#define EXP_WRITE_BUF (4u << 20)
#define EXP_WRITE_NBUF 4

struct exp_writer {
	FILE *f;
	int fd;				/* fileno(f); -1: through f */
	crypto_generichash_blake2b_state hs;
	uint64_t events, evidence;
	uint64_t bytes;			/* written so far */
	uint8_t *buf[EXP_WRITE_NBUF];	/* a ring; filling buf[filled % N] */
	size_t len[EXP_WRITE_NBUF];	/* of each buffer handed over */
	size_t fill;			/* of the buffer being filled */
	uint64_t filled;		/* buffers handed over so far */
	uint64_t hashed, written;	/* of those, done by each thread */
	pthread_mutex_t mu;		/* the counts above and closing */
	pthread_cond_t cv;
	pthread_t th, tw;		/* hashing, writing */
	int live;			/* begun, not yet released */
	int threads;			/* th and tw run (else all on one) */
	int closing;			/* no more buffers: threads end */
	int regular, direct;		/* fd: a regular file; O_DIRECT on */
	int err;			/* the first write error, or 0 */
	uint64_t synced;		/* bytes handed to the disk so far */
};

/* Start a file on f with its magic, version and the genesis. */
int exp_write_begin(struct exp_writer *w, FILE *f, const uint8_t *genesis,
    size_t len) I40_MUST_CHECK;
/*
 * Right after exp_write_begin, on a regular file the caller opened for
 * this export alone: write it past the page cache (O_DIRECT) where the
 * file system takes it.  Anything else: nothing changes.
 */
void exp_write_direct(struct exp_writer *w);
int exp_write_event(struct exp_writer *w, const uint8_t *ev, size_t len)
    I40_MUST_CHECK;
int exp_write_evidence(struct exp_writer *w, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen) I40_MUST_CHECK;
/*
 * The trailer, with log_root; then fflush, and the buffers are released.
 * The caller fsyncs and closes.
 */
int exp_write_end(struct exp_writer *w, const uint8_t log_root[32])
    I40_MUST_CHECK;
/* Give up a file begun: wait for the writer thread, release the buffers. */
void exp_write_free(struct exp_writer *w);

struct exp_record {
	int type;			/* EXP_REC_* */
	uint64_t offset;		/* of its type byte in the file */
	const uint8_t *p;		/* payload, in the reader's buffer */
	size_t len;
	/* F: the two events, within p */
	const uint8_t *a, *b;
	size_t alen, blen;
};

#define EXP_HASH_BUF (1u << 20)
#define EXP_HASH_NBUF 4
#define EXP_HASH_INLINE (4u << 20)	/* a smaller file: no thread */

struct exp_reader {
	FILE *f;
	uint8_t *buf;
	uint64_t offset;		/* of the next record */
	crypto_generichash_blake2b_state hs;
	/* the digest on a thread of its own, from a ring of buffers */
	uint8_t *hbuf[EXP_HASH_NBUF];
	size_t hlen[EXP_HASH_NBUF], hfill;
	uint64_t hfilled, hhashed;	/* buffers handed over, hashed */
	pthread_mutex_t hmu;
	pthread_cond_t hcv;
	pthread_t hth;
	int hthread, hclosing;		/* hth runs; no more buffers */
	int htried;			/* hash_start was tried */
	uint64_t hinline;		/* bytes hashed before it */
	int ended;			/* the trailer was read and matched */
	struct exp_trailer trailer;
	uint64_t events, evidence;	/* counted so far */
	char why[160];			/* what was wrong, for the caller */
};

/*
 * Open a file on f: its magic and version, and the genesis into *genesis
 * (a G record).  I40_E_EXPORT with r->why on anything else.
 */
int exp_read_begin(struct exp_reader *r, FILE *f, struct exp_record *genesis)
    I40_MUST_CHECK;
/*
 * The next E or F record into *rec: 0; 1 at the trailer, which matched
 * the digest and the counts (r->trailer holds it); I40_E_EXPORT at a
 * damaged or missing record (a file cut short, a bad type or length, a
 * trailer that does not match), with rec->offset and r->why saying where
 * and what.  Everything before it was whole.
 */
int exp_next(struct exp_reader *r, struct exp_record *rec) I40_MUST_CHECK;
void exp_read_end(struct exp_reader *r);

#endif
