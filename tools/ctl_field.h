/*
 * ctl_field.h: one field of a body schema, for ctl_record.c: where its
 * value lives in a struct body, what its rule is in words, how one value
 * is checked, and how one value is read from the text of a flag.
 *
 * A value is checked by encoding a one-field record holding just it and
 * decoding that with the protocol's own decoder (protocol/schema.h), so
 * i40ctl applies exactly the rules every node applies, and can still say
 * which list item was wrong.
 *
 * Internal to tools/: commands use ctl_record.h.
 */
#ifndef I40_CTL_FIELD_H
#define I40_CTL_FIELD_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/schema.h"

#include "ctl_record.h"

/* Record code and a printf-made path in err (may be NULL); clear text. */
void ctl_field_fail(struct ctl_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set err->text (may be NULL). */
void ctl_field_say(struct ctl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A path into out[0..cap); a path too long for it is cut short. */
void ctl_field_path(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The index of the field named key[0..keylen) in s, or -1. */
int ctl_field_find(const struct schema *s, const char *key, size_t keylen);
/* The field of s that a decoder's path ("sessions.end") ends in, or NULL. */
const struct schema_field *ctl_field_of_path(const struct schema *s,
    const char *path);
/* The size of one item of f, its i-th slot in base, its list count. */
size_t ctl_field_item_size(const struct schema_field *f);
void *ctl_field_slot(const struct schema_field *f, void *base, uint32_t i);
uint32_t *ctl_field_count(const struct schema_field *f, void *base);
/* What f accepts, in words, into out[0..cap). */
void ctl_field_hint(const struct schema_field *f, char *out, size_t cap);
/*
 * Refuse the item of f at path: code and path into err, and what f
 * accepts as its text (ctl_field_hint).  Returns code.
 */
int ctl_field_refuse(struct ctl_err *err, int code,
    const struct schema_field *f, const char *path);

/*
 * Check one item of f at slot (a single value, or one item of a list)
 * with the protocol's rules; path names it for errors ("sessions[1]").
 */
int ctl_field_check(const struct schema_field *f, const void *slot,
    const char *path, struct ctl_err *err) I40_MUST_CHECK;
/*
 * The rules inside one item that span its fields or need more than the
 * schema: a session ends on or after its start, a member key is usable.
 */
int ctl_field_rules(const struct schema_field *f, const void *slot,
    const char *path, struct ctl_err *err) I40_MUST_CHECK;
/*
 * Text s[0..len) (a flag, or a JSON string) into one item of f at slot,
 * checked.  Numbers are decimal, binary values hex (a key: hex or Z85).
 */
int ctl_field_text(const struct schema_field *f, const char *s, size_t len,
    void *slot, const char *path, struct ctl_err *err) I40_MUST_CHECK;
/*
 * The text of a flag into one record of a list (skills: LABEL[=URI],
 * sessions: START,END,MODE[,SEATS], prereqs: CODE@SCHAC), checked.
 */
int ctl_field_text_record(const struct schema_field *f, const char *value,
    void *slot, const char *path, struct ctl_err *err) I40_MUST_CHECK;

/* Scratch big enough for any single item a body schema field holds. */
union ctl_field_item {
	uint64_t u;
	struct codec_bytes b;
	uint8_t fix[64];
	struct body_member member;
	struct body_skill skill;
	struct body_prereq prereq;
	struct body_session session;
};

#endif
