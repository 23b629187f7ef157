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
	int damaged;			/* stopped at a damaged record */
	uint64_t damaged_at;		/* its offset */
	struct exp_trailer trailer;	/* when the file was whole */
};

/*
 * Replay the export file f (name for messages) into st with nthreads
 * verifiers.  Each refused event is said on stderr with its author, seq
 * and reason (the first 20; then only counted).  A damaged record stops
 * the replay after everything before it is stored (s->damaged, and why
 * says what); 0 then too.  An error of the store or of reading: its code,
 * with why.  progress: a progress line on stderr.
 */
int ctl_replay(struct store *st, FILE *f, const char *name,
    unsigned nthreads, int progress, struct ctl_replay_stats *s,
    char *why, size_t cap) I40_MUST_CHECK;

#endif
