/*
 * sample.h: deterministic sample data for tests, benchmarks, fuzz corpora
 * and test vectors: a seeded PRNG, a small federation of keys from fixed
 * seeds, and valid bodies and signed events of every type.
 *
 * Ownership: struct sample_fed owns its keys (sample_fed_free).  Bodies
 * filled by sample_body() borrow string literals and the caller's arena,
 * which must outlive them.
 */
#ifndef I40_SAMPLE_H
#define I40_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/body.h"
#include "protocol/event.h"

/* splitmix64: tiny, and the same sequence on every machine. */
struct sample_rng {
	uint64_t s;
};

void sample_seed(struct sample_rng *r, uint64_t seed);
uint64_t sample_u64(struct sample_rng *r);
uint64_t sample_below(struct sample_rng *r, uint64_t n);
/* A seed from the environment (I40_TEST_SEED) or the clock. */
uint64_t sample_env_seed(void);

#define SAMPLE_MAX_KEYS 8
#define SAMPLE_ARENA 8192

struct sample_fed {
	struct key_secret *keys[SAMPLE_MAX_KEYS];	/* seed i: bytes i+1 */
	uint8_t pk[SAMPLE_MAX_KEYS][KEY_PK_BYTES];
	size_t nkeys;
	uint8_t charter[8192];		/* encoded genesis body */
	size_t charter_len;
	uint8_t fed_id[EV_FED_ID_BYTES];
};

/* nkeys founding members with keys from fixed seeds; 0 or an error. */
int sample_fed_init(struct sample_fed *f, size_t nkeys);
void sample_fed_free(struct sample_fed *f);

/*
 * b as a member_propose of f's key i, with that key's card and the
 * details a founding member i would have, and role ("member" or
 * "observer", borrowed).  arena holds SAMPLE_ARENA bytes.
 */
int sample_propose(const struct sample_fed *f, size_t i, const char *role,
    struct body *b, char *arena);

/*
 * Fill b with a valid body of type, varied by r, as authored by member
 * `author` of f.  arena holds SAMPLE_ARENA bytes for generated strings.
 */
int sample_body(const struct sample_fed *f, size_t author, uint32_t type,
    struct sample_rng *r, struct body *b, char *arena);

/*
 * A signed event of type by member `author` at seq with prev, its body
 * from sample_body().  The genesis type yields f's genesis event.
 */
int sample_event(const struct sample_fed *f, size_t author, uint64_t seq,
    const uint8_t prev[EV_ID_BYTES], uint32_t type, struct sample_rng *r,
    uint8_t *out, size_t cap, size_t *len, uint8_t id[EV_ID_BYTES]);

/*
 * A signed event whose derived state counts: a module_publish gets a code
 * of its own ("I40-<author>-<seq>"; sample codes repeat, and a second
 * publish of a code has no effect), a completion_record is awarded against
 * `module`, one of the author's published module versions.
 */
int sample_counting_event(const struct sample_fed *f, size_t author,
    uint64_t seq, const uint8_t prev[EV_ID_BYTES], uint32_t type,
    const uint8_t *module, struct sample_rng *r, uint8_t *out, size_t cap,
    size_t *len, uint8_t id[EV_ID_BYTES]);

/*
 * The body b (of the test's own making) as member `author`'s event at seq
 * after prev, encoded and signed, with the time sample_counting_event()
 * gives it.
 */
int sample_sign_body(const struct sample_fed *f, size_t author,
    uint64_t seq, const uint8_t prev[EV_ID_BYTES], const struct body *b,
    uint8_t *out, size_t cap, size_t *len, uint8_t id[EV_ID_BYTES]);

/* Remove a scratch directory tree; errors are ignored. */
void sample_rm_rf(const char *path);

/*
 * A test group's fixture: sample_fed_init(f, nkeys) and a new scratch
 * directory made from the mkdtemp() template dir; 0 or -1.
 * sample_scratch_free() frees f and removes the directory.
 */
int sample_scratch_init(struct sample_fed *f, size_t nkeys, char *dir);
void sample_scratch_free(struct sample_fed *f, const char *dir);

/* Every event type, for loops: sample_types[0..sample_ntypes). */
extern const uint32_t sample_types[];
extern const size_t sample_ntypes;

#endif
