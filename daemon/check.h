/*
 * check.h: what a configuration must be, beyond a well-formed file, for
 * i40d to start with it (docs/operations.md, "Checking a configuration").
 * config.c checks the file alone; this checks what it names: the data
 * directory, the genesis and the key exist, can be read, and belong to
 * one node of one federation, and every [peers] name is a member of that
 * federation and not this node.
 *
 * i40d -n, the start and a reload run the same checks, so that "configuration
 * OK" means the start will not fail on them.  Everything is opened
 * read-only: -n may run beside the daemon.
 *
 * Errors go into err[0..errlen) as one sentence that says what is wrong
 * and what to do, naming the path or the name; warnings (the node can
 * start, but the operator should know) go to warn(arg, message), which may
 * be NULL.
 *
 * THREAD SAFETY: the main thread, before the node starts or between polls.
 */
#ifndef I40_CHECK_H
#define I40_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/keys.h"
#include "store/store.h"
#include "config.h"

typedef void (*check_warn_fn)(void *arg, const char *msg);

/*
 * Everything i40d -n checks, for the finished configuration c: the data
 * directory opens read-only as a store; the genesis, when set, is a
 * signed genesis event of that store's federation; the key file reads
 * (mode 0600); its key is the data directory's node (DATADIR/node.key,
 * when the key is kept elsewhere) and, when it is in the membership, a
 * current member or observer; check_peers() below.  A key that is no
 * member (a node that joins later) is a warning.
 *
 * 0, I40_E_NOMEM, or another code (I40_E_CONFIG, -errno, the store's or
 * the key file's) for a configuration that cannot start: i40d exits 6 on
 * those (docs/operations.md, "Exit status").
 */
int check_start(const struct config *c, check_warn_fn warn, void *arg,
    char *err, size_t errlen) I40_MUST_CHECK;

/*
 * Every [peers] name of c is a member or observer in ms[0..n) (by SCHAC
 * code or by key) and not self.  A member that was removed is a warning
 * (the line has no effect).  0, or I40_E_CONFIG with err set.
 */
int check_peers(const struct config *c, const struct store_member *ms,
    size_t n, const uint8_t self[KEY_PK_BYTES], check_warn_fn warn,
    void *arg, char *err, size_t errlen) I40_MUST_CHECK;

/*
 * The genesis file at path is a signed genesis event of the federation
 * fed_id (a reload checks a changed genesis against the open store).  0,
 * or an error with err set.
 */
int check_genesis(const char *path, const uint8_t fed_id[EV_FED_ID_BYTES],
    char *err, size_t errlen) I40_MUST_CHECK;

#endif
