/*
 * ctl_view.h: the data of i40ctl's queries as JSON, and their rendering
 * for people.  Each query builds one JSON document (the stable shapes of
 * docs/i40ctl.md) and prints either it or its human form, so the two can
 * never disagree (bgpctl's show_output/json_output, in one model).
 */
#ifndef I40_CTL_VIEW_H
#define I40_CTL_VIEW_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "protocol/msg.h"
#include "store/store.h"

/*
 * The peers of a PEERS_REPLY as a JSON array of {key, schac, state,
 * behind, last_ms, endpoint}; schac from ms[0..n) (null if unknown).
 * NULL if out of memory.
 */
json_t *ctl_view_peers(const struct msg_peers *p,
    const struct store_member *ms, size_t n);
/* A table of such an array, for people. */
void ctl_view_print_peers(FILE *f, const json_t *peers);

/*
 * The heads of a store as a JSON array of {author, schac, seq, id,
 * frozen}.  NULL if out of memory.
 */
json_t *ctl_view_heads(const struct store_head *h, size_t nh,
    const struct store_member *ms, size_t n);
void ctl_view_print_heads(FILE *f, const json_t *heads);

/* A JSON string, or "-" for null, for tables. */
const char *ctl_view_str(const json_t *v);

#endif
