/*
 * ctl_record.h: event bodies from JSON files and command-line flags.
 *
 * A registrar describes a module in a JSON file whose keys are exactly the
 * body map keys of docs/protocol.md §5 (the charter of a genesis likewise),
 * or with flags, or both: flags override the file.  This module fills a
 * struct body from either, driven by the protocol's own schema tables
 * (protocol/schema.h), so i40ctl knows every field, bound and enum the
 * protocol knows and cannot drift from it.
 *
 * Every value is checked against its field's rule the moment it is given,
 * so an error names the exact place ("sessions[1].end", "members[0].key")
 * and says what is allowed; ctl_record_encode() then checks the required
 * fields and the rules that span fields, through body_encode().
 *
 * Layers, lowest first: ctl_record_adopt() (an existing body, e.g. the
 * current version of a module for `module update`), ctl_record_json() (a
 * file), ctl_record_set() (flags).  A later layer replaces a field
 * wholesale: the first flag for a list replaces the file's list, and
 * repeated flags then append to it.
 *
 * Ownership: the body borrows every string it is given: the json_t, argv,
 * the adopted body's buffer must outlive the record's use.  The record
 * owns only its struct body (ctl_record_free).
 */
#ifndef I40_CTL_RECORD_H
#define I40_CTL_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "protocol/body.h"

/* What went wrong, and where: for a person, see ctl_err_report(). */
struct ctl_err {
	int code;		/* I40_E_* or -errno; 0: no error */
	char field[96];		/* "title_sv", "sessions[1].end", or "" */
	char text[320];		/* what is allowed, or more detail; may be "" */
	/*
	 * text says what happened by itself, so ctl_err_report() leaves out
	 * i40_strerror(code): a JSON syntax error is no "value is not one of
	 * those allowed", although it returns I40_E_VALUE.
	 */
	int whole;
};

struct schema;

struct ctl_record {
	struct body *body;		/* owned */
	const struct schema *schema;	/* of body->type */
	uint64_t set;			/* bit i: field i was given */
	uint64_t flagged;		/* bit i: flags replaced list i */
};

/* An empty record of an event type.  I40_E_EVENT_TYPE, I40_E_NOMEM. */
int ctl_record_init(struct ctl_record *r, uint32_t type) I40_MUST_CHECK;
/* Free the body; a zeroed or freed record is a no-op. */
void ctl_record_free(struct ctl_record *r);

/*
 * Start from b (of the record's type): every field present in b counts as
 * given.  b's strings are borrowed.
 */
void ctl_record_adopt(struct ctl_record *r, const struct body *b);

/*
 * Take the fields of the JSON object obj.  Unknown keys, wrong JSON types,
 * values outside their rule, empty lists and missing keys of nested
 * records are errors (I40_E_UNKNOWN_FIELD, I40_E_TYPE, the rule's code,
 * I40_E_EMPTY, I40_E_MISSING_FIELD), each with its path in err.  On error
 * the record is unchanged.
 */
int ctl_record_json(struct ctl_record *r, const json_t *obj,
    struct ctl_err *err) I40_MUST_CHECK;

/*
 * Set the field named key (a body map key) from the text of a flag.
 * Strings are taken as they are; numbers are decimal; binary values hex
 * (a member key: hex or Z85).  Lists take one item per call.  Records of
 * lists take one text each:
 *   skills    LABEL or LABEL=ESCO-URI
 *   sessions  START,END,MODE or START,END,MODE,SEATS
 *   prereqs   CODE@SCHAC
 * I40_E_UNKNOWN_FIELD for a key the body does not have, I40_E_TOO_LONG
 * past a list's bound, or the rule's error.  On error nothing changes.
 */
int ctl_record_set(struct ctl_record *r, const char *key, const char *value,
    struct ctl_err *err) I40_MUST_CHECK;
/* Set an integer field. */
int ctl_record_set_uint(struct ctl_record *r, const char *key, uint64_t v,
    struct ctl_err *err) I40_MUST_CHECK;
/* True when the field named key has been given. */
int ctl_record_has(const struct ctl_record *r, const char *key);

/*
 * Check that every required field was given (I40_E_MISSING_FIELD naming
 * the first absent one in canonical order), then body_encode() into
 * out[0..cap), naming the field of any error.
 */
int ctl_record_encode(struct ctl_record *r, const struct body_ctx *ctx,
    uint8_t *out, size_t cap, size_t *len, struct ctl_err *err)
    I40_MUST_CHECK;

/*
 * The flag that sets a body key in i40ctl ("--title-sv", "--outcome-en",
 * "--id" for a revocation's completion), or NULL if none.
 */
const char *ctl_record_flag(uint32_t type, const char *key);

/*
 * Read a JSON file (at most 1 MiB, no duplicate keys) whose top level must
 * be an object.  Caller owns *out (json_decref).  A syntax error names the
 * line and column in err->text.
 */
int ctl_json_load(const char *path, json_t **out, struct ctl_err *err)
    I40_MUST_CHECK;

/*
 * Tell the person about err on stderr: "<cmd>: <source>: <field> (<flag>):
 * <what is wrong>; <what is allowed>" (only err->text when err->whole).
 * source (may be NULL) says where the value came from, e.g. the file name.
 */
void ctl_err_report(const struct ctl_err *err, uint32_t type,
    const char *source);

#endif
