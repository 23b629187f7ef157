/*
 * keyfile.h: a node's secret key on disk.
 *
 * A key file is one line, "i40-ed25519-seed-v1 " followed by the 32-byte
 * Ed25519 seed in lowercase hex and a newline (docs/protocol.md, "Key
 * files").  It is created with O_EXCL|O_NOFOLLOW and mode 0600, fsynced
 * with its directory, and never overwritten.  A key file that group or
 * others may read is refused, not just warned about: the key is the node's
 * whole identity in the federation.
 *
 * Secrets pass only through sodium_malloc() memory and are wiped.
 */
#ifndef I40_KEYFILE_H
#define I40_KEYFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../protocol/keys.h"

#define KEYFILE_MAGIC "i40-ed25519-seed-v1 "

/*
 * Write k to a new file at path.  I40_E_EXISTS if path exists (a symlink
 * included), or -errno.
 */
int keyfile_write(const char *path, const struct key_secret *k)
    I40_MUST_CHECK;

/* fsync the directory holding path, so that a new name in it survives. */
int keyfile_sync_dir(const char *path) I40_MUST_CHECK;
/*
 * Write buf[0..len) to a new file at path with exactly `mode`, fsynced
 * with its directory; on any failure nothing is left at path.  What
 * keyfile_write uses, and i40ctl for the other files it creates (a
 * genesis).  I40_E_EXISTS if path exists (a symlink included), or -errno.
 */
int keyfile_write_new(const char *path, const uint8_t *buf, size_t len,
    mode_t mode) I40_MUST_CHECK;

/*
 * Read the key at path.  Caller owns *out, free with key_free().
 * I40_E_KEYFILE_MODE if group or others can read it, I40_E_KEYFILE_FORMAT
 * if it is not a key file, -errno otherwise.
 */
int keyfile_read(const char *path, struct key_secret **out) I40_MUST_CHECK;

#endif
