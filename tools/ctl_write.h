/*
 * ctl_write.h: the shape every write command shares (module publish,
 * update, retire; completion record, revoke): options that set body
 * fields, an optional JSON file under them, the data directory, a
 * timeout and --json; then encode, APPEND through the daemon, and print
 * the new event's id and seq.
 */
#ifndef I40_CTL_WRITE_H
#define I40_CTL_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/msg.h"

#include "ctl_record.h"

/* A long option that sets a body field. */
struct ctl_flag {
	const char *name;	/* "title-sv", without the dashes */
	const char *key;	/* "title_sv"; NULL: the command handles it */
};

/* A parsed command line.  Values borrow argv. */
struct ctl_write_args {
	const char *datadir;
	const char *file;		/* --file, or NULL */
	int timeout_ms;
	int json;
	struct {
		size_t flag;		/* index in the command's flag table */
		const char *value;
	} *given;			/* in command-line order */
	size_t ngiven;
};

/*
 * Parse argv (argv[0] is the command's name) with the common options
 * -d/--datadir, --timeout, --json, -h/--help, --file when file_ok, and
 * flags[0..nflags).  Returns 1 to go on, or 0 with the exit code in
 * *exit_code (usage printed for --help or a bad command line).  Free
 * a->given with free() when 1 was returned.
 */
int ctl_write_parse(int argc, char *argv[], const char *usage,
    const struct ctl_flag *flags, size_t nflags, int file_ok,
    int default_timeout_ms, struct ctl_write_args *a, int *exit_code);

/* The last value given for the flag named name, or NULL. */
const char *ctl_write_value(const struct ctl_write_args *a,
    const struct ctl_flag *flags, const char *name);

/*
 * Set every given flag that has a key, in command-line order, on r.
 * Reports the first error and returns it.
 */
int ctl_write_apply(struct ctl_record *r, const struct ctl_write_args *a,
    const struct ctl_flag *flags) I40_MUST_CHECK;

/* Load --file into r (reported on error).  *doc owns what r borrows. */
int ctl_write_file(struct ctl_record *r, const struct ctl_write_args *a,
    json_t **doc) I40_MUST_CHECK;

/*
 * Encode r (reported on error) into *body, a new buffer the caller frees.
 */
int ctl_write_encode(struct ctl_record *r, uint8_t **body, size_t *len)
    I40_MUST_CHECK;

/*
 * APPEND the body through the daemon and print the outcome: a line
 * "<what> as <id hex> (seq N)" for people, or {"id", "seq"} with --json.
 */
int ctl_write_send(const struct ctl_write_args *a, uint32_t type,
    const uint8_t *body, size_t len, const char *what) I40_MUST_CHECK;

#endif
