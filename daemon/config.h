/*
 * config.h: i40d's configuration, an INI file read with libinih
 * (docs/operations.md, "Configuration").
 *
 *   [node]
 *   name = hh                        ; 1..128 printable ASCII, no spaces
 *                                    ; default: the host name
 *   datadir = /var/lib/i40           ; required
 *   genesis = /etc/i40/genesis.i40   ; optional: must match the datadir's
 *   key = /var/lib/i40/node.key      ; default: DATADIR/node.key
 *   listen = tcp://0.0.0.0:7440      ; default: the port of this node's
 *                                    ; endpoint in the membership
 *   sync_interval = 5s               ; 100ms..1h; "500ms", "5s", "2m",
 *                                    ; "1h", or plain seconds "5"
 *   checkpoint_interval = 5m         ; 100ms..1h: at most one checkpoint
 *                                    ; this often, and only after new
 *                                    ; events (docs/protocol.md §11.6)
 *   log_level = info                 ; error | warn | info | debug
 *   log_interval = 5s                ; 100ms..1h: one line per peer this
 *                                    ; often about its refused messages
 *
 *   [http]                           ; the web face and metrics (docs/web.md)
 *   listen = 127.0.0.1:8040          ; ADDRESS:PORT, numeric; default off
 *   connections = 256                ; open connections at most, 1..10000
 *   timeout = 10s                    ; 1s..5m: an idle connection's life
 *                                    ; and a request's time at most
 *
 *   [peers]
 *   ; endpoint overrides, by SCHAC code or identity key (64 hex digits);
 *   ; "off" means: do not connect to that peer (it may still connect here)
 *   kth.se = tcp://10.1.2.3:7440
 *   lnu.se = off
 *
 * Paths must be absolute (systemd starts i40d in /).  Endpoints are
 * tcp://HOST:PORT with HOST a host name, an IPv4 address or an [IPv6]
 * address and PORT 1..65535; listen may also use "*", 0.0.0.0 or [::],
 * which are not addresses a peer can be reached at.  A SCHAC code follows
 * docs/protocol.md (a domain name, 3..64 bytes).  Values are not quoted.
 *
 * Unknown sections and keys are errors (a typo must not be silently
 * ignored), as are repeated keys and peers.  Every error names the file
 * and line: "i40d.conf:7: sync_interval: \"5x\" is not a duration (use
 * e.g. 500ms, 5s, 2m)".
 *
 * Normal form: datadir without trailing slashes, identity keys in [peers]
 * in lowercase hex, peers[] sorted by who (strcmp), sync_interval in ms.
 *
 * Ownership: config_load() returns a struct the caller owns, freed with
 * config_free(); config_set() copies its strings.
 *
 * THREAD SAFETY: no state of its own (libinih's global settings are read,
 * never changed); a struct config is not locked, so the main thread loads
 * a fresh one on SIGHUP and swaps it in.
 */
#ifndef I40_CONFIG_H
#define I40_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "protocol/errors.h"

#define CONFIG_SYNC_DEFAULT_MS 5000
#define CONFIG_SYNC_MIN_MS 100
#define CONFIG_SYNC_MAX_MS 3600000
#define CONFIG_CHECKPOINT_DEFAULT_MS 300000
#define CONFIG_LOG_DEFAULT_MS 5000
#define CONFIG_MAX_PEERS 64
#define CONFIG_HTTP_CONNS_DEFAULT 256
#define CONFIG_HTTP_CONNS_MIN 1
#define CONFIG_HTTP_CONNS_MAX 10000
#define CONFIG_HTTP_TIMEOUT_DEFAULT_MS 10000

struct config_peer {
	char *who;		/* SCHAC code, or 64 lowercase hex digits */
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
	unsigned checkpoint_ms;	/* how often at most to sign a checkpoint */
	int log_level;		/* enum log_level */
	unsigned log_ms;	/* a peer's refusals: one line this often */
	char *http_listen;	/* [http] listen; NULL: no web face */
	unsigned http_conns;
	unsigned http_timeout_ms;
	struct config_peer peers[CONFIG_MAX_PEERS];	/* sorted by who */
	size_t npeers;
};

/* A struct with the defaults and no datadir.  Caller owns *out. */
int config_new(struct config **out) I40_MUST_CHECK;

/*
 * Read path into a new struct (*out; NULL on error).  On error returns
 * I40_E_CONFIG (or -errno if the file cannot be read, I40_E_NOMEM) and
 * writes "FILE:LINE: what is wrong" into err[0..errlen) (err may be NULL).
 * The first error in the file is the one reported.  Keys left out keep
 * their defaults; required keys are config_finish()'s business, and what
 * needs the datadir is the daemon's.
 */
int config_load(const char *path, struct config **out, char *err,
    size_t errlen) I40_MUST_CHECK;

/*
 * Set one [node] key as the file would ("datadir", "/srv/i40"): how
 * command-line flags override the file, so setting a key twice is fine.
 * I40_E_CONFIG with a message in err for an unknown key or a bad value
 * ("datadir: \"x\" is not an absolute path ...", without FILE:LINE); c is
 * then unchanged.  I40_E_NOMEM.
 */
int config_set(struct config *c, const char *key, const char *value,
    char *err, size_t errlen) I40_MUST_CHECK;

/*
 * After loading and flags: required keys present (datadir: else
 * I40_E_CONFIG, "no datadir: set [node] datadir in FILE or pass -d DIR"),
 * defaults filled in (key = DATADIR/node.key; node = the host name, cut at
 * its first character that a name may not have, or "i40d" if none is
 * left).  I40_E_NOMEM.
 */
int config_finish(struct config *c, char *err, size_t errlen)
    I40_MUST_CHECK;

/*
 * The normalised configuration, every key, as an INI file (i40d -nv):
 * durations as "5000ms", log levels by name, peers sorted, a key without
 * a value (genesis, listen; or anything before config_finish) as a comment
 * saying what that means.  config_load() reads it back to an equal struct.
 * 0 or -errno if f cannot be written (it is flushed).
 */
int config_print(const struct config *c, FILE *f) I40_MUST_CHECK;

/* NULL is a no-op. */
void config_free(struct config *c);

#endif
