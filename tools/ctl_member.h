/*
 * ctl_member.h: the membership as i40ctl's member commands see it: the
 * members, the proposals and the logs of one store, read together, and
 * how they are named to a person (cmd_member.c, cmd_member_view.c).
 *
 * Ownership: a view owns its arrays (ctl_member_view_free).  Labels are
 * written into the caller's buffers.
 */
#ifndef I40_CTL_MEMBER_H
#define I40_CTL_MEMBER_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct ctl_member_view {
	struct store_member *ms;	/* store_members */
	size_t nms;
	struct store_proposal *ps;	/* store_proposals */
	size_t nps;
	struct store_head *hs;		/* store_heads */
	size_t nhs;
};

/* Read st's membership, proposals and heads; said on failure. */
int ctl_member_view_load(struct store *st, struct ctl_member_view *v)
    I40_MUST_CHECK;
void ctl_member_view_free(struct ctl_member_view *v);

/* The proposal with id, or NULL. */
const struct store_proposal *ctl_proposal_find(const struct ctl_member_view *v,
    const uint8_t id[EV_ID_BYTES]);
/* The head of author's log, or NULL when nothing of it is stored. */
const struct store_head *ctl_head_find(const struct ctl_member_view *v,
    const uint8_t author[KEY_PK_BYTES]);

/* The first 16 hex digits of a key, for labels: out holds 17 bytes. */
void ctl_fingerprint(const uint8_t key[KEY_PK_BYTES], char out[24]);

/*
 * What proposal p does, for a person: "the admission of hv.se (Högskolan
 * Väst, key 0123…) as a member", "the removal of kth.se (…) up to seq 9".
 */
void ctl_proposal_label(struct store *st, const struct ctl_member_view *v,
    const struct store_proposal *p, char *out, size_t cap);

/*
 * Take the command's one operand out of argv: the first word that is not
 * an option nor the value of one of with_arg (options given as two
 * words); "-" alone is an operand (standard input).  CTL_EXIT_OK and *out (NULL when --help is asked for and no
 * operand given), or a usage error naming name.
 */
int ctl_operand(int *argc, char *argv[], const char *const *with_arg,
    const char *usage, const char *name, const char **out);

/* i40ctl member list, i40ctl member show (cmd_member_view.c). */
int ctl_member_list_main(int argc, char *argv[]);
int ctl_member_show_main(int argc, char *argv[]);

#endif
