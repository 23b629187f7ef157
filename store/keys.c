/*
 * keys.c: which key signs an author's event at a seq (docs/protocol.md
 * §4.7): its identity key, or the next key of its latest key_rotate
 * below that seq, looked up for a stored log, for a batch from a peer
 * whose own rotations count for its later events, and for a segment that
 * replaces a frozen log's branch, whose rotations are the segment's own.
 */
#include "internal.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
store_key_at(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t seq, uint8_t key[32])
{
	uint64_t at;

	return store_rot_at(txn, st, author, seq, key, NULL, &at);
}

int
store_key_in_force(struct store *st, const uint8_t author[KEY_PK_BYTES],
    uint64_t seq, uint8_t key[KEY_PK_BYTES])
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	rc = store_key_at(txn, st, author, seq, key);
	store_rtxn_end(st, txn);
	return rc;
}

/* A key_rotate of the batch, above what the store holds of its log. */
struct batch_rot {
	const uint8_t *author;
	uint64_t seq;
	uint8_t next[32];
};

/* If items[i] is a rotation the store does not hold yet, note it. */
static int
note_rotation(MDB_txn *txn, struct store *st, const struct store_item *it,
    struct batch_rot **rot, size_t *nrot, size_t n)
{
	struct store_headrec h;
	int rc;

	if (it->ev.h.type != BODY_KEY_ROTATE)
		return 0;
	rc = store_head_get(txn, st, it->ev.h.author, &h);
	if (rc != 0 && rc != I40_E_NOT_FOUND)
		return rc;
	if (it->ev.h.seq <= h.seq)
		return 0;	/* stored already (store_key_at has it), or a fork */
	if (*rot == NULL && (*rot = calloc(n, sizeof(**rot))) == NULL)
		return -ENOMEM;
	if (store_rotate_next(&it->ev, (*rot)[*nrot].next) == 0) {
		(*rot)[*nrot].author = it->ev.h.author;
		(*rot)[*nrot].seq = it->ev.h.seq;
		(*nrot)++;
	}
	return 0;	/* an invalid body is refused by the caller's decode */
}

/*
 * A catch-up often carries a rotation and the events after it in one
 * batch: those verify with the rotation's next key.  Assuming that is
 * safe: store_append checks item.key against the key in force of what
 * is stored when it stores each item, so if the rotation does not verify
 * or is not stored, the events after it are refused (I40_E_WRONG_KEY),
 * never kept and never taken for fork evidence.
 */
int
store_keys_in_force(struct store *st, struct store_item *items, size_t n)
{
	struct batch_rot *rot = NULL;
	size_t i, j, nrot = 0;
	MDB_txn *txn;
	int rc = 0;

	if (n == 0)
		return 0;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		const struct batch_rot *best = NULL;

		rc = store_key_at(txn, st, items[i].ev.h.author,
		    items[i].ev.h.seq, items[i].key);
		for (j = 0; rc == 0 && j < nrot; j++)
			if (rot[j].seq < items[i].ev.h.seq &&
			    memcmp(rot[j].author, items[i].ev.h.author,
			    32) == 0 && (best == NULL || rot[j].seq > best->seq))
				best = &rot[j];
		if (best != NULL)
			memcpy(items[i].key, best->next, 32);
		if (rc == 0)
			rc = note_rotation(txn, st, &items[i], &rot, &nrot, n);
	}
	store_rtxn_end(st, txn);
	free(rot);
	return rc;
}

/*
 * The next key a key_rotate names, into next.  ev_decode validated the
 * body; it is decoded again only for the key (rotations are rare).
 */
int
store_rotate_next(const struct ev_signed *e, uint8_t next[32])
{
	struct body_ctx ctx = { e->h.fed_id, e->h.author };
	struct body *b;
	int rc;

	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	rc = body_decode(BODY_KEY_ROTATE, e->body.p, e->body.len, &ctx, b,
	    NULL);
	if (rc == 0)
		memcpy(next, b->u.rotate.next, 32);
	free(b);
	return rc;
}

/*
 * A segment replaces the stored branch from its first seq on, so the
 * stored rotations at or above it are the other branch's (a thief's,
 * perhaps): the key at the first seq comes from the common prefix, and
 * the segment's own rotations name the rest, as store_reorg checks them.
 */
int
store_keys_in_segment(struct store *st, struct store_item *items, size_t n)
{
	const struct ev_header *h0;
	uint8_t cur[32];
	MDB_txn *txn;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	h0 = &items[0].ev.h;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	rc = store_key_at(txn, st, h0->author, h0->seq, cur);
	for (i = 0; i < n && rc == 0; i++) {
		const struct ev_signed *e = &items[i].ev;

		/* Not the segment's: store_reorg refuses it anyway. */
		if (memcmp(e->h.author, h0->author, 32) != 0 ||
		    e->h.seq != h0->seq + i) {
			rc = store_key_at(txn, st, e->h.author, e->h.seq,
			    items[i].key);
			continue;
		}
		memcpy(items[i].key, cur, 32);
		if (e->h.type == BODY_KEY_ROTATE &&
		    store_rotate_next(e, cur) != 0)
			break;	/* an invalid body: the rest cannot verify */
	}
	for (; i < n; i++)
		memset(items[i].key, 0, 32);
	store_rtxn_end(st, txn);
	return rc;
}
