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
#include "store/store.h"

#include "ctl_record.h"

/* A long option that sets a body field. */
struct ctl_flag {
	const char *name;	/* "title-sv", without the dashes */
	const char *key;	/* "title_sv"; NULL: the command handles it */
};

/* A parsed command line.  Values borrow argv. */
struct ctl_write_args {
	const char *usage;		/* the command's, for a late usage error */
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
 * A write command from its command line to the APPEND: what it was given,
 * the body it builds, that body encoded, and the node it writes through.
 * ctl_write_free() releases all of it.  Every function below reports its
 * errors on stderr.
 */
struct ctl_write {
	struct ctl_write_args a;	/* ctl_write_start() */
	struct ctl_record rec;		/* ctl_write_body() */
	uint8_t *body;			/* ctl_write_encode(), len bytes */
	size_t len;
	struct store *st;		/* ctl_write_node(): read-only */
	uint8_t pk[KEY_PK_BYTES];	/* ctl_write_node(): the node's key */
};

/*
 * Zero w, then parse argv (argv[0] is the command's name) into w->a with
 * the common options -d/--datadir, --timeout (default
 * CTL_APPEND_TIMEOUT_MS), --json, -h/--help, --file when file_ok, and
 * flags[0..nflags).  Returns 1 to go on, or 0 with the exit code in
 * *exit_code (usage printed for --help or a bad command line).
 */
int ctl_write_start(struct ctl_write *w, int argc, char *argv[],
    const char *usage, const struct ctl_flag *flags, size_t nflags,
    int file_ok, int *exit_code);
/* An empty body of type in w->rec. */
int ctl_write_body(struct ctl_write *w, uint32_t type) I40_MUST_CHECK;
/* Release everything w holds; a zeroed w is a no-op. */
void ctl_write_free(struct ctl_write *w);

/* The last value given for the flag named name, or NULL. */
const char *ctl_write_value(const struct ctl_write_args *a,
    const struct ctl_flag *flags, const char *name);

/*
 * Set every given flag that has a key, in command-line order, on w->rec.
 * Returns the first error.
 */
int ctl_write_apply(struct ctl_write *w, const struct ctl_flag *flags)
    I40_MUST_CHECK;

/* Load --file into w->rec.  *doc owns what w->rec borrows. */
int ctl_write_file(struct ctl_write *w, json_t **doc) I40_MUST_CHECK;

/*
 * Encode w->rec into w->body, a new buffer.  A required field missing when
 * no --file was given is a required option missing from the command line:
 * the synopsis follows the message, and i40ctl exits CTL_EXIT_USAGE
 * (ctl_usage_late).  Missing from a --file, it is the file's error.
 */
int ctl_write_encode(struct ctl_write *w) I40_MUST_CHECK;

/*
 * Who writes, and what it has written: the running daemon's key into
 * w->pk, and the node's store opened into w->st.
 */
int ctl_write_node(struct ctl_write *w) I40_MUST_CHECK;

/*
 * APPEND w->body as an event of type through the daemon and print the
 * outcome: a line "<what> as <id hex> (seq N)" for people, or {"id",
 * "seq"} with --json.
 */
int ctl_write_send(const struct ctl_write *w, uint32_t type,
    const char *what) I40_MUST_CHECK;

#endif
