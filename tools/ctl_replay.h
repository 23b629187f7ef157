/*
 * ctl_replay.h: an export file replayed into a store (`i40ctl log
 * import`): every event through the checks of store/verify.c, the same as
 * i40d's ingest, decoded and verified on every core, appended in large
 * batches in file order.
 *
 * Ownership: ctl_replay owns its batch buffers and threads for the call;
 * the caller owns the store and the FILE.
 */
#ifndef I40_CTL_REPLAY_H
#define I40_CTL_REPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "protocol/export.h"
#include "store/store.h"

struct ctl_replay_stats {
	uint64_t events;		/* E records read */
	uint64_t stored, duplicate;	/* what the store made of them */
	uint64_t refused;		/* by the checks or by the store */
	uint64_t evidence, forks;	/* F records, and those kept */
	uint64_t evidence_refused;	/* F records the checks refused */
	int damaged;			/* stopped at a damaged record */
	uint64_t damaged_at;		/* its offset */
	struct exp_trailer trailer;	/* when the file was whole */
};

/*
 * What a caller sees of each record, in file order (`i40ctl audit`).
 * event: every E record; result STORE_INVALID with code for one the
 * checks refused before the store (it->ev.h.seq is 0 when it did not
 * decode), else the store's outcome.  evidence: every F record, pair
 * undecoded (seq 0) when it did not decode.  it->ev's bytes are borrowed
 * for the call; its body is not decoded (body_decode it if needed).
 */
struct ctl_replay_hooks {
	void *arg;
	/*
	 * An E record refused only because its author is no member yet, in
	 * file order: it waits to be offered again after the pass (its
	 * admission may come later in the file), and its event call comes
	 * then, out of file order.  May be NULL.
	 */
	void (*held)(void *arg, const struct store_item *it, uint64_t at);
	void (*event)(void *arg, const struct store_item *it, uint64_t at,
	    enum store_result result, int code);
	void (*evidence)(void *arg, const struct store_item pair[2],
	    uint64_t at, enum store_result result, int code);
};

/*
 * Replay the export file f (name for messages) into st with nthreads
 * verifiers; st's only writer for the call.  One batch is verified while
 * the one before is stored, with the keys already stored, unless that one
 * holds a key_rotate (flush in ctl_replay.c).  The events of authors that
 * are no members when they come are held back (in a temporary file) and
 * offered again after the pass, until a pass stores nothing more: a
 * member admitted by events of members whose keys sort after its own
 * comes before its admission.  Each refused event is said on stderr with
 * its author, seq and reason (the first 20; then only counted), unless
 * hooks (may be NULL) are given: then nothing is said, and the hooks see
 * every record.  A damaged record stops the replay after everything
 * before it is stored (s->damaged, and why says what); 0 then too.  An
 * error of the store or of reading: its code, with why.  progress: a
 * progress line on stderr.
 */
int ctl_replay(struct store *st, FILE *f, const char *name,
    unsigned nthreads, int progress, const struct ctl_replay_hooks *hooks,
    struct ctl_replay_stats *s, char *why, size_t cap) I40_MUST_CHECK;

#endif
