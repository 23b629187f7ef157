/*
 * ctl_node.h: what i40ctl's commands need from a node: its store opened
 * read-only, the membership and catalog in it, the node's own key, and an
 * APPEND through the daemon.  Every function here tells the person what
 * went wrong (on stderr) before it returns an error, so callers only map
 * the result to an exit code.
 */
#ifndef I40_CTL_NODE_H
#define I40_CTL_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/msg.h"
#include "store/store.h"

/*
 * keyfile_read(), telling the person what to do when it fails (chmod 600,
 * the right path).  Caller owns *k (key_free).
 */
int ctl_keyfile_read(const char *path, struct key_secret **k)
    I40_MUST_CHECK;

/* The data directory opened read-only.  Caller owns *st (store_close). */
int ctl_store_open(const char *datadir, struct store **st) I40_MUST_CHECK;
/* The same, with learners: its private environment writable too. */
int ctl_store_open_with(const char *datadir, int learners,
    struct store **st) I40_MUST_CHECK;

/* The member record of key in ms[0..n), or NULL. */
const struct store_member *ctl_member_find(const struct store_member *ms,
    size_t n, const uint8_t key[KEY_PK_BYTES]);

/*
 * The public key of DIR/node.key, if this user may read it: 0, or the
 * keyfile_read() error (not reported: callers decide if it matters).
 */
int ctl_node_key_file(const char *datadir, uint8_t pk[KEY_PK_BYTES])
    I40_MUST_CHECK;

/* The running daemon's identity key, from its STATUS reply. */
int ctl_node_key(const char *datadir, int timeout_ms,
    uint8_t pk[KEY_PK_BYTES]) I40_MUST_CHECK;

/*
 * This node's module `code` (of pk's university: pk or a key it succeeds,
 * docs/protocol.md §12.7) in the catalog of st: 0 and its
 * index in *ms[0..*n) in *found, or I40_E_NOT_FOUND (not reported).  The
 * caller owns *ms (store_modules_free), also after I40_E_NOT_FOUND.
 */
int ctl_own_module(struct store *st, const uint8_t pk[KEY_PK_BYTES],
    const char *code, struct store_module **ms, size_t *n, size_t *found)
    I40_MUST_CHECK;

/* A module code (at most 32 bytes, as the schema allows) as a string. */
void ctl_module_code(struct codec_bytes code, char out[33]);

/*
 * The stored event with id, decoded into *e and *b, if it is of author
 * pk or of a key pk succeeds: 0, I40_E_NOT_FOUND if no such event is stored, I40_E_UNKNOWN_AUTHOR
 * if it is another author's (neither reported).  *buf owns the bytes that
 * e and b borrow (free()).
 */
int ctl_own_event(struct store *st, const uint8_t pk[KEY_PK_BYTES],
    const uint8_t id[EV_ID_BYTES], uint8_t **buf, struct ev_signed *e,
    struct body *b) I40_MUST_CHECK;

/*
 * Ask the daemon to sign and append an event of type with body
 * body[0..len), and wait for its APPENDED: the event's id and seq.
 */
int ctl_append(const char *datadir, uint32_t type, const uint8_t *body,
    size_t len, int timeout_ms, struct msg_appended *out) I40_MUST_CHECK;

#endif
