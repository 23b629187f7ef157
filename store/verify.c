/*
 * verify.c: the checks an event from outside passes before store_append
 * or store_evidence, wherever it comes from: i40d's ingest (a peer's
 * EVENTS and FORK), `i40ctl log import` and `i40ctl audit` (an export
 * file).  One copy of the rules: decoding with every check that needs no
 * key (docs/protocol.md §4.5), the key in force (§4.7), the signature
 * (§7); the store then checks chain, membership and derivation rules as
 * it appends (store_append).
 */
#include "internal.h"

int
store_verify_decode(struct store *st, const uint8_t *buf, size_t len,
    struct store_item *it, struct body *scratch, struct codec_err *err)
{
	return ev_decode(buf, len, store_fed_id(st), &it->ev, scratch, err);
}

int
store_verify_keys(struct store *st, struct store_item *items, size_t n,
    int segment)
{
	return segment ? store_keys_in_segment(st, items, n) :
	    store_keys_in_force(st, items, n);
}

int
store_verify_sig(const struct store_item *it)
{
	return ev_verify(&it->ev, it->key);
}
