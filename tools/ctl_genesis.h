/*
 * ctl_genesis.h: a federation's genesis event from its charter in JSON
 * (docs/i40ctl.md "genesis", docs/protocol.md §4.6 and §5.2).
 *
 * The charter file's keys are the charter body's keys; each member's "key"
 * is 64 hex digits or 40 Z85 characters.  The event is seq 1 with prev
 * zeros, its fed_id is ev_fed_id() of the charter body, and its author is
 * the signer, who must be a founding member with role "member".
 */
#ifndef I40_CTL_GENESIS_H
#define I40_CTL_GENESIS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "protocol/event.h"

#include "ctl_record.h"

/*
 * Build and sign the genesis of the charter object charter with k, its
 * informational time time_ms, into out[0..cap) (EV_MAX_BYTES is enough):
 * the signed event's length in *len and the federation's id in fed_id.
 * Errors, each with its place in err: any charter error of
 * ctl_record_json() or ctl_record_encode(); a key listed twice
 * (I40_E_VALUE at "members[j].key"); a signer who is not a founding member
 * (I40_E_UNKNOWN_AUTHOR at "members") or is an observer (I40_E_VALUE at
 * "members[i].role").  Nothing is written on error.
 */
int ctl_genesis_build(const json_t *charter, const struct key_secret *k,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *len,
    uint8_t fed_id[EV_FED_ID_BYTES], struct ctl_err *err) I40_MUST_CHECK;

#endif
