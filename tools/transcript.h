/*
 * transcript.h: a learner's transcript as a file anyone can verify
 * offline (docs/protocol.md §16, docs/credentials.md), built from a
 * node's store and checked against the federation's genesis alone, or
 * also against a node's store.
 *
 * A transcript is a JSON object: the federation, the learner's
 * pseudonym, when and from which log it was taken (the log root and the
 * version vector), and its entries.  Each entry verifies alone: it holds
 * the completion_record event as signed, the module event it was earned
 * against, and the key_rotate events of their author before them (what
 * the key in force needs), with a summary for people that the verifier
 * recomputes from those events.  So a learner may drop entries (selective
 * disclosure) and the rest still verify; changing any byte of what is
 * left makes its entry fail.  Universities the charter does not prove
 * (admitted later, removed, successors) are proven by the membership
 * events the file carries beside the entries (transcript_member.c).
 * Building is transcript.c, checking transcript_verify.c.
 *
 * Ownership: tr_build's *out is the caller's (json_decref); tr_verify's
 * results array is the caller's (free).  Neither keeps st.
 */
#ifndef I40_TRANSCRIPT_H
#define I40_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "protocol/event.h"
#include "store/store.h"

#define TR_FORMAT "i40-transcript"
#define TR_VERSION 1

/*
 * The transcript of learner from st: every completion of the learner
 * that counts, is passed and not revoked (with all: also failed and
 * revoked ones, marked so in their summary), in order of decision date,
 * then module code.  issuer (may be NULL) is the key of the node that
 * issues it.  0 and *out, or an error with why set.
 */
int tr_build(struct store *st, const uint8_t learner[16],
    const uint8_t *issuer, int all, json_t **out, char *why, size_t cap);

/* One entry's verdict. */
struct tr_check {
	int ok;
	uint8_t id[EV_ID_BYTES];	/* the completion's, when it decoded */
	char code[33];			/* the module's, "" if unknown */
	uint64_t credits;		/* tenths of hp, 0 if unknown */
	int passed;			/* the grade passes: the credits count */
	/*
	 * Its signer is no founding member: its admission rests on the
	 * file's membership evidence (protocol.md §16.3.1), or on st.
	 */
	int admitted;
	char reason[400];		/* why not ok */
};

/*
 * Check doc against the federation whose genesis is genesis[0..glen),
 * and, when st is not NULL, against that node's store too (the result
 * counts there and is not revoked, the key in force agrees).  0 and
 * *res[0..*n) (one per entry, in order), or an error when doc is no
 * transcript of this format or of this federation (why says which).
 */
int tr_verify(const json_t *doc, const uint8_t *genesis, size_t glen,
    struct store *st, struct tr_check **res, size_t *n, char *why,
    size_t cap);

/*
 * r[0..n) as `i40ctl verify --json` prints them (docs/i40ctl.md): the
 * verdict of each entry, the counts, the credits and the verification
 * code of the verified entries; file names where doc came from.  The web
 * face answers with the same object.  NULL when out of memory.
 */
json_t *tr_verdicts_json(const char *file, const json_t *doc,
    const struct tr_check *r, size_t n, int with_node);

/*
 * The verification code of a set of results (docs/protocol.md §16.5):
 * BLAKE2b-256 of "i40/transcript-code/v1" and the completions' ids in
 * ascending byte order, its first 60 bits as 12 Crockford base-32
 * symbols in groups of four ("7K2M-Q9XD-40PF").  The PDF prints it;
 * `i40ctl verify` prints it for the entries it verified, so a reader can
 * tell that the paper lists exactly the results the file proves.
 */
#define TR_CODE_LEN 14
int tr_code(const uint8_t (*ids)[EV_ID_BYTES], size_t n,
    char out[TR_CODE_LEN + 1]) I40_MUST_CHECK;
/* The completion ids of doc's entries (those that decode) into *ids. */
int tr_ids(const json_t *doc, uint8_t (**ids)[EV_ID_BYTES], size_t *n)
    I40_MUST_CHECK;

/* The lines of a transcript for people, each with its role. */
enum tr_style {
	TR_S_TITLE, TR_S_META, TR_S_CODE, TR_S_NOTE, TR_S_ENTRY,
	TR_S_DETAIL, TR_S_ITEM, TR_S_GAP, TR_S_TOTAL
};
typedef void (*tr_line_fn)(void *arg, enum tr_style style,
    const char *text);
/*
 * doc as people read it, line by line, through fn (transcript_show.c):
 * the learner, where it was taken, the verification code, each entry
 * (module, credits, titles, university, grade and dates, outcomes) and
 * the total of the passed, unrevoked results.  The text form prints
 * these lines and the PDF draws them.  0 or I40_E_NOMEM.
 */
int tr_render(const json_t *doc, tr_line_fn fn, void *arg) I40_MUST_CHECK;

/*
 * doc drawn as a PDF of A4 pages into path (a new file, mode 0644), with
 * its verification code: 0, or an error with why set.
 */
int tr_pdf_write(const json_t *doc, const char *path, char *why,
    size_t cap) I40_MUST_CHECK;

#endif
