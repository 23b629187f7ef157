/*
 * chain.h: one author's chain of signed events, built up as a test needs
 * them from bodies the test fills in itself (sample.h makes the bodies
 * for tests that need only valid ones).
 *
 * Ownership: the chain owns its events' buffers (sample_chain_free).
 */
#ifndef I40_SAMPLE_CHAIN_H
#define I40_SAMPLE_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "sample.h"

#define SAMPLE_CHAIN_MAX 64

struct sample_chain {
	size_t author;				/* a member of the federation */
	uint64_t seq;				/* events so far */
	uint8_t prev[EV_ID_BYTES];		/* the last event's id */
	uint8_t *buf[SAMPLE_CHAIN_MAX];		/* event i has seq i + 1 */
	size_t len[SAMPLE_CHAIN_MAX];
	uint8_t id[SAMPLE_CHAIN_MAX][EV_ID_BYTES];
};

/* An empty chain of member `author`. */
void sample_chain_init(struct sample_chain *c, size_t author);
/*
 * f's genesis as the first event of a new chain of member 0: the genesis
 * sample_event() makes with seed 1.
 */
int sample_chain_genesis(struct sample_chain *c, const struct sample_fed *f);
/*
 * Sign b as c's next event (sample_sign_body): 0 and its index in c in
 * *i, or an error (I40_E_TOO_LONG when the chain is full).
 */
int sample_chain_next(struct sample_chain *c, const struct sample_fed *f,
    const struct body *b, size_t *i);
void sample_chain_free(struct sample_chain *c);

/* c's next event: an endorsement of proposal (index in *i). */
int sample_chain_endorse(struct sample_chain *c, const struct sample_fed *f,
    const uint8_t proposal[EV_ID_BYTES], size_t *i);
/* c's next event: the removal of f's key `key` up to upto, for reason. */
int sample_chain_remove(struct sample_chain *c, const struct sample_fed *f,
    size_t key, uint64_t upto, const char *reason, size_t *i);

struct store;
struct store_outcome;
/*
 * Offer events [from, to) of c to st as one batch, each with c's author's
 * identity key as its key (a chain without rotations); the outcomes into
 * out[0..to-from).
 */
int sample_chain_offer(struct store *st, const struct sample_chain *c,
    const struct sample_fed *f, size_t from, size_t to,
    struct store_outcome *out);

#endif
