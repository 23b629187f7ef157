/*
 * ctl.h: what every i40ctl subcommand shares: messages to the person at
 * the terminal, exit codes, the common options and subcommands of
 * subcommands, hex and key text, numbers and credits, files, the data
 * directory, and JSON or human output (docs/i40ctl.md).
 *
 * Messages say what happened and what to do next, and name the bad value
 * or field (STYLE.md practice 4).  Nothing here prints a secret key.
 *
 * THREAD SAFETY: none needed; i40ctl is one thread.  ctl_set_cmd() keeps
 * the command name for messages in a static.
 */
#ifndef I40_CTL_H
#define I40_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "protocol/errors.h"

/* Exit codes of every subcommand. */
#define CTL_EXIT_OK 0
#define CTL_EXIT_ERR 1		/* something failed: said on stderr */
#define CTL_EXIT_USAGE 2	/* the command line is malformed */

#define CTL_DATADIR_DEFAULT "/var/lib/i40"
#define CTL_DATADIR_ENV "I40_DATADIR"
#define CTL_TIMEOUT_MS 5000		/* STATUS, PEERS, SYNC */
#define CTL_APPEND_TIMEOUT_MS 30000	/* APPEND: the daemon signs, fsyncs */
#define CTL_TIMEOUT_MAX_S 3600

/*
 * The command name that prefixes messages ("i40ctl module publish").
 * name is borrowed: a string literal.
 */
void ctl_set_cmd(const char *name);
const char *ctl_cmd(void);

/* "i40ctl CMD: MESSAGE\n" on stderr. */
void ctl_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "i40ctl CMD: MESSAGE: i40_strerror(rc)\n" on stderr. */
void ctl_err(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "i40ctl CMD: warning: MESSAGE\n" on stderr. */
void ctl_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A malformed command line: the message, then the synopsis (usage up to
 * its first empty line), on stderr.  Returns CTL_EXIT_USAGE for the
 * caller to return.
 */
int ctl_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The command line is malformed, but a layer that returns error codes,
 * not exit codes, found it out: a required option is missing, which the
 * record's encoder sees (ctl_write_encode).  The caller has said what is
 * missing; this prints the synopsis (usage up to its first empty line) on
 * stderr, and ctl_exit() then turns the command's CTL_EXIT_ERR into
 * CTL_EXIT_USAGE, as docs/i40ctl.md promises for a missing option.
 * ctl_opts_init() forgets it, so commands run one after another in one
 * process (the tests) do not inherit it.
 */
void ctl_usage_late(const char *usage);
/* What i40ctl exits with when a command returned ret: see above. */
int ctl_exit(int ret);

/*
 * The options subcommands share, as entries of their getopt_long tables
 * (after <getopt.h>); ctl_getopt() handles them.  A table ends with
 * CTL_OPT_END.
 */
#define CTL_OPT_DATADIR { "datadir", required_argument, NULL, 'd' }
#define CTL_OPT_TIMEOUT { "timeout", required_argument, NULL, 'T' }
#define CTL_OPT_JSON { "json", no_argument, NULL, 'J' }
#define CTL_OPT_HELP { "help", no_argument, NULL, 'h' }
#define CTL_OPT_END { NULL, 0, NULL, 0 }

/* A subcommand's command line, as far as ctl_getopt() handles it. */
struct ctl_opts {
	const char *usage;	/* --help prints it; errors its synopsis */
	const char *datadir;	/* -d DIR, or NULL: see ctl_datadir() */
	int timeout_ms;		/* --timeout, else the default given */
	int json;		/* --json was given */
	int exit;		/* the exit code when ctl_getopt() is -1 */
};

/*
 * Start parsing a command line: o gets usage and the default timeout, and
 * optind is reset, so that subcommands can run one after the other in one
 * process (tests do).
 */
void ctl_opts_init(struct ctl_opts *o, const char *usage, int timeout_ms);
/*
 * getopt_long over argv (optstring starts with ':'), handling here what
 * subcommands share: 'd' (-d DIR), 'T' (--timeout SECONDS, 1 to
 * CTL_TIMEOUT_MAX_S), 'J' (--json) and 'h' (-h, --help: usage on stdout).
 * A bad option or timeout, or an operand after the options, is said with
 * the synopsis.  Returns the next option of the subcommand's own (> 0,
 * optarg as getopt_long sets it), 0 when the command line is done and
 * well formed, or -1 when the subcommand is to return o->exit.
 */
struct option;
int ctl_getopt(int argc, char *argv[], const char *optstring,
    const struct option *longopts, struct ctl_opts *o);

/* One subcommand of a subcommand ("module publish"). */
struct ctl_sub {
	const char *name;
	int (*fn)(int argc, char *argv[]);	/* argv[0] is name */
};
/*
 * Run the subcommand of sub[0..n) that argv[1] names.  No word: usage on
 * stderr, CTL_EXIT_USAGE; --help, -h or help: usage on stdout,
 * CTL_EXIT_OK; an unknown word: said, usage on stderr, CTL_EXIT_ERR.
 */
int ctl_dispatch(int argc, char *argv[], const char *usage,
    const struct ctl_sub *sub, size_t n);

/* Lowercase hex of b[0..n) into out, which holds 2n + 1 bytes. */
void ctl_hex(const uint8_t *b, size_t n, char *out);
/*
 * Exactly 2n hex digits (either case) into out[0..n); I40_E_VALUE for any
 * other text.
 */
int ctl_unhex(const char *s, uint8_t *out, size_t n) I40_MUST_CHECK;
/*
 * A public key as 64 hex digits or 40 Z85 characters; I40_E_VALUE if it is
 * neither.  Does not check that the key is usable (key_check_public).
 */
int ctl_parse_key(const char *s, uint8_t pk[32]) I40_MUST_CHECK;

/*
 * A decimal integer 0..max, digits only (no sign, space or suffix);
 * I40_E_VALUE if not a number, I40_E_RANGE above max.
 */
int ctl_parse_uint(const char *s, uint64_t max, uint64_t *v) I40_MUST_CHECK;
/*
 * Högskolepoäng as "1", "1.5", "1,5" or "1.5hp": into tenths.  At most one
 * decimal; I40_E_VALUE otherwise.
 */
int ctl_parse_hp(const char *s, uint64_t *tenths) I40_MUST_CHECK;
/* Tenths of hp as "1.5" (or "1" for whole numbers) into out[24]. */
void ctl_format_hp(uint64_t tenths, char out[24]);
/* --timeout SECONDS: 1..CTL_TIMEOUT_MAX_S, into milliseconds. */
int ctl_parse_timeout(const char *s, int *ms) I40_MUST_CHECK;

/* The data directory: opt if given, else $I40_DATADIR, else the default. */
const char *ctl_datadir(const char *opt);
/* "DIR/name" into out[0..cap); -ENAMETOOLONG if it does not fit. */
int ctl_path(char *out, size_t cap, const char *dir, const char *name)
    I40_MUST_CHECK;

/*
 * Read a whole regular file of at most max bytes.  Caller owns *buf, free
 * with free().  I40_E_TOO_BIG over max, -errno otherwise.
 */
int ctl_read_file(const char *path, size_t max, uint8_t **buf, size_t *len)
    I40_MUST_CHECK;
/*
 * Open an input file to stream: "-" is stdin.  -EISDIR for a directory,
 * -errno otherwise.  Caller owns *f (fclose it unless it is stdin).
 */
int ctl_open_input(const char *path, FILE **f) I40_MUST_CHECK;
/*
 * Write buf to a new file at path (O_CREAT|O_EXCL|O_NOFOLLOW, mode), fsync
 * it and its directory.  I40_E_EXISTS if path exists; a partly written file
 * is removed.
 */
int ctl_write_new(const char *path, const uint8_t *buf, size_t len,
    mode_t mode) I40_MUST_CHECK;

/* A JSON string of the lowercase hex of b[0..n); NULL if out of memory. */
json_t *ctl_json_hex(const uint8_t *b, size_t n);
/* A JSON string of s[0..len) (not NUL-terminated); NULL on bad UTF-8. */
json_t *ctl_json_strn(const void *s, size_t len);
/*
 * A JSON string of s, which need not be UTF-8 (a path, a message that
 * names one): each byte that does not begin a valid UTF-8 character
 * becomes U+FFFD.  NULL only if out of memory.
 */
json_t *ctl_json_text(const char *s);
/*
 * A JSON number of v; above 2^63 - 1, which jansson cannot hold, a string
 * of its decimal digits (docs/i40ctl.md, "JSON").  NULL if out of memory.
 */
json_t *ctl_json_u64(uint64_t v);
/* v as ctl_json_u64 writes it, into *out: 0, or I40_E_VALUE. */
int ctl_json_get_u64(const json_t *v, uint64_t *out) I40_MUST_CHECK;
/*
 * The longest prefix of s[0..len) that ends on a whole UTF-8 character:
 * after a truncating snprintf, so that a message cut short stays text.
 */
size_t ctl_utf8_trim(const char *s, size_t len);
/*
 * s for a message: whole if it has at most max bytes, else its first max
 * bytes or fewer, ending on a whole UTF-8 character, and "…".  Into buf
 * (cap >= max + 4); returns buf.
 */
const char *ctl_clip(const char *s, size_t max, char *buf, size_t cap);
/*
 * Print doc on stdout as i40ctl's JSON (2-space indent, keys in the order
 * they were set, a final newline) and release it.  I40_E_NOMEM or -EIO.
 */
int ctl_json_print(json_t *doc) I40_MUST_CHECK;
/*
 * A query's output: with json, doc as ctl_json_print() prints it; else
 * human(doc, arg) on stdout, then stdout flushed.  doc stays the
 * caller's.  A failure is said as "cannot print the <what>".  0 or the
 * error.
 */
int ctl_output(json_t *doc, int json,
    void (*human)(const json_t *doc, const void *arg), const void *arg,
    const char *what) I40_MUST_CHECK;

/* Milliseconds since the epoch, for informational event times. */
uint64_t ctl_now_ms(void);

#endif
