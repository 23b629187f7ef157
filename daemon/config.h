/*
 * config.h: i40d's configuration, an INI file read with libinih
 * (docs/operations.md, "Configuration").
 *
 *   [node]
 *   name = hh                        ; node name, 1..128 printable bytes
 *   datadir = /var/lib/i40           ; required
 *   genesis = /etc/i40/genesis.i40   ; optional: must match the datadir's
 *   key = /var/lib/i40/node.key      ; default: DATADIR/node.key
 *   listen = tcp://0.0.0.0:7440      ; default: the port of this node's
 *                                    ; endpoint in the membership
 *   sync_interval = 5s               ; 100ms..1h; "500ms", "5s", "2m", "5"
 *   log_level = info                 ; error | warn | info | debug
 *
 *   [peers]
 *   ; endpoint overrides, by SCHAC code or identity key (64 hex digits);
 *   ; "off" means: do not connect to that peer (it may still connect here)
 *   kth.se = tcp://10.1.2.3:7440
 *   lnu.se = off
 *
 * Unknown sections and keys are errors (a typo must not be silently
 * ignored), as are repeated keys.  Every error names the file and line.
 *
 * Ownership: config_load() returns a struct the caller owns, freed with
 * config_free(); config_set() copies its strings.
 */
#ifndef I40_CONFIG_H
#define I40_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "protocol/errors.h"

#define CONFIG_SYNC_DEFAULT_MS 5000
#define CONFIG_SYNC_MIN_MS 100
#define CONFIG_SYNC_MAX_MS 3600000
#define CONFIG_MAX_PEERS 64

struct config_peer {
	char *who;		/* SCHAC code, or 64 hex digits of a key */
	char *endpoint;		/* NULL when "off" */
};

struct config {
	char *path;		/* the file it came from, or NULL */
	char *node;		/* default: the host name */
	char *datadir;
	char *genesis;		/* NULL: not checked */
	char *key;		/* default: DATADIR/node.key */
	char *listen;		/* NULL: derived from the membership */
	unsigned sync_ms;
	int log_level;		/* enum log_level */
	struct config_peer peers[CONFIG_MAX_PEERS];
	size_t npeers;
};

/* A struct with the defaults and no datadir.  Caller owns *out. */
int config_new(struct config **out) I40_MUST_CHECK;

/*
 * Read path into a new struct.  On error returns I40_E_CONFIG (or -errno
 * if the file cannot be read) and writes "FILE:LINE: what is wrong" into
 * err[0..errlen).  Does not check what needs the datadir (config_check).
 */
int config_load(const char *path, struct config **out, char *err,
    size_t errlen) I40_MUST_CHECK;

/*
 * Set one [node] key as the file would ("datadir", "/srv/i40"): how
 * command-line flags override the file.  I40_E_CONFIG with a message in
 * err for an unknown key or a bad value.
 */
int config_set(struct config *c, const char *key, const char *value,
    char *err, size_t errlen) I40_MUST_CHECK;

/*
 * After loading and flags: required keys present (datadir), defaults
 * filled in (key path from datadir, node name from the host name).
 */
int config_finish(struct config *c, char *err, size_t errlen)
    I40_MUST_CHECK;

/* The normalised configuration, every key, as an INI file (i40d -nv). */
int config_print(const struct config *c, FILE *f) I40_MUST_CHECK;

/* NULL is a no-op. */
void config_free(struct config *c);

#endif
