/*
 * body.h: the body of every i40 event type, as C structs, with strict
 * decoding, validation and canonical encoding.
 *
 * A body is a msgpack map (docs/protocol.md, "Event bodies").  body_decode()
 * checks the schema (types, required and unknown fields, lengths, character
 * sets, enums, dates) and then the rules that span fields: at least one
 * language for summaries and outcomes, dates in order, a grade that exists
 * in its grading scale, public keys that convert to X25519, a key-rotation
 * proof made by the next key.  Rules that need other events (is the author
 * a member, does the module exist) belong to the store.
 *
 * Ownership: decoded strings borrow the input buffer (see codec.h).  The
 * structs are plain values with fixed-size lists; nothing is allocated.
 */
#ifndef I40_BODY_H
#define I40_BODY_H

#include <stdint.h>

#include "codec.h"

#define BODY_KEY_BYTES 32
#define BODY_ID_BYTES 32
#define BODY_SIG_BYTES 64
#define BODY_LEARNER_BYTES 16

#define BODY_MAX_MEMBERS 64
#define BODY_MAX_OUTCOMES 16
#define BODY_MAX_SKILLS 32
#define BODY_MAX_PREREQS 16
#define BODY_MAX_TEACHERS 16
#define BODY_MAX_SESSIONS 16
#define BODY_MAX_LANGS 4
#define BODY_MAX_ASSESS 4
#define BODY_MAX_HEADS 256		/* heads in a checkpoint */

/* Event types: the `type` element of an event. */
enum body_type {
	BODY_GENESIS = 1,		/* the federation's charter */
	BODY_MEMBER_PROPOSE = 2,	/* propose admitting a member/observer */
	BODY_MEMBER_ENDORSE = 3,	/* endorse a proposal or removal */
	BODY_MEMBER_REMOVE = 4,		/* propose removing a member */
	BODY_KEY_ROTATE = 5,		/* name the author's next signing key */
	BODY_CHECKPOINT = 6,		/* the heads the author holds */
	BODY_MODULE_PUBLISH = 10,
	BODY_MODULE_UPDATE = 11,
	BODY_MODULE_RETIRE = 12,
	BODY_COMPLETION_RECORD = 20,
	BODY_COMPLETION_REVOKE = 21
};

/* A university (member) or a read-only node (observer). */
struct body_member {
	uint8_t key[BODY_KEY_BYTES];	/* Ed25519 identity key */
	struct codec_bytes role;	/* "member" | "observer" */
	struct codec_bytes schac;	/* e.g. "hh.se" */
	struct codec_bytes org_no;	/* optional, e.g. "202100-3203" */
	struct codec_bytes country;	/* "SE" */
	struct codec_bytes name_en, name_sv;	/* legal names */
	struct codec_bytes endpoint;	/* "tcp://host:port" */
	uint8_t transport[32];		/* X25519 key for CURVE (keys.h) */
	uint8_t transport_sig[64];	/* key's certificate of it */
};

struct body_charter {
	struct codec_bytes qa;		/* quality assurance statement */
	struct codec_bytes name;	/* federation name */
	struct codec_bytes created;	/* YYYY-MM-DD */
	struct body_member members[BODY_MAX_MEMBERS];
	uint32_t nmembers;
	uint64_t admit_pct;		/* 50..100, see docs/protocol.md */
};

struct body_endorse {
	uint8_t proposal[BODY_ID_BYTES];	/* id of a propose/remove event */
};

struct body_remove {
	uint8_t key[BODY_KEY_BYTES];
	uint64_t upto;			/* last seq of key's log that counts */
	struct codec_bytes reason;
};

struct body_rotate {
	uint8_t next[BODY_KEY_BYTES];
	uint8_t proof[BODY_SIG_BYTES];	/* by next, see body_rotate_proof_msg */
	uint8_t transport[32];		/* next's CURVE key, as in a card */
	uint8_t transport_sig[64];	/* next's certificate of it (keys.h) */
};

/* One log's head as a checkpoint names it. */
struct body_head {
	uint8_t author[BODY_KEY_BYTES];
	uint64_t seq;			/* >= 1 */
	uint8_t id[BODY_ID_BYTES];	/* the id of author's event at seq */
};

/*
 * The heads of other authors' logs that the author holds (for a frozen
 * log, its freeze point), in strictly ascending order of author, its own
 * log excluded: docs/protocol.md, "checkpoint".
 */
struct body_checkpoint {
	struct body_head heads[BODY_MAX_HEADS];
	uint32_t nheads;
};

struct body_skill {
	struct codec_bytes esco;	/* optional ESCO skill URI */
	struct codec_bytes label;
};

struct body_prereq {
	struct codec_bytes code;	/* module code */
	struct codec_bytes schac;	/* owning university */
};

struct body_session {
	struct codec_bytes end, mode;
	uint64_t seats;			/* 0: no limit */
	struct codec_bytes start;
};

struct body_module {
	uint64_t eqf;			/* EQF level 1..8 */
	struct codec_bytes url;		/* optional */
	struct codec_bytes code;
	struct codec_bytes lang[BODY_MAX_LANGS];
	uint32_t nlang;
	struct codec_bytes mode;	/* online | onsite | blended */
	struct codec_bytes pace;	/* synchronous | asynchronous | mixed */
	struct codec_bytes path;	/* optional: learning path it stacks into */
	struct codec_bytes cycle;	/* first | second | third */
	uint64_t hours;			/* nominal hours of student work */
	struct codec_bytes isced;	/* optional ISCED-F code */
	struct codec_bytes qa_ref;	/* optional course-plan decision ref. */
	struct body_skill skills[BODY_MAX_SKILLS];
	uint32_t nskills;
	uint64_t credits;		/* tenths of hp (ECTS): 10 = 1 hp */
	struct body_prereq prereqs[BODY_MAX_PREREQS];
	uint32_t nprereqs;
	struct codec_bytes entry_en, entry_sv;	/* optional entry requirements */
	struct body_session sessions[BODY_MAX_SESSIONS];
	uint32_t nsessions;
	struct codec_bytes teachers[BODY_MAX_TEACHERS];
	uint32_t nteachers;
	struct codec_bytes title_en, title_sv;
	struct codec_bytes assessment[BODY_MAX_ASSESS];
	uint32_t nassessment;
	struct codec_bytes summary_en, summary_sv;	/* at least one */
	struct codec_bytes outcomes_en[BODY_MAX_OUTCOMES];
	uint32_t noutcomes_en;
	struct codec_bytes outcomes_sv[BODY_MAX_OUTCOMES];
	uint32_t noutcomes_sv;				/* at least one list */
	struct codec_bytes supervision;
};

struct body_retire {
	struct codec_bytes code;
	struct codec_bytes reason;	/* optional */
};

struct body_completion {
	struct codec_bytes grade;
	struct codec_bytes scale;	/* UG | UVG | U345 | AF | PF */
	uint8_t module[BODY_ID_BYTES];	/* id of the module event */
	uint8_t learner[BODY_LEARNER_BYTES];	/* pseudonym */
	struct codec_bytes examiner;
	struct codec_bytes exam_date;
	struct codec_bytes supervision;	/* optional override */
	struct codec_bytes decision_date;	/* >= exam_date */
};

struct body_revoke {
	struct codec_bytes reason;
	uint8_t completion[BODY_ID_BYTES];
};

struct body {
	enum body_type type;
	union {
		struct body_charter charter;
		struct body_member member;
		struct body_endorse endorse;
		struct body_remove remove;
		struct body_rotate rotate;
		struct body_checkpoint checkpoint;
		struct body_module module;
		struct body_retire retire;
		struct body_completion completion;
		struct body_revoke revoke;
	} u;
};

/* What body rules need from the event around the body. */
struct body_ctx {
	const uint8_t *fed_id;		/* 32 bytes */
	const uint8_t *author;		/* 32 bytes */
};

/* The name of an event type ("module_publish"), or NULL if unknown. */
const char *body_type_name(uint32_t type);
/* The type for a name, or 0 if unknown. */
uint32_t body_type_from_name(const char *name);

/*
 * Decode and validate the body of an event of the given type from
 * buf[0..len), which must be one canonical value (codec_check).  ctx is
 * needed for BODY_KEY_ROTATE (the proof) and BODY_CHECKPOINT (no head of
 * the author itself); it may be NULL otherwise, and for a checkpoint that
 * rule is then left to ev_decode(), which always passes it.  Errors are
 * I40_E_EVENT_TYPE for an unknown type, or any schema or rule error, with
 * the field recorded in err (may be NULL).
 */
int body_decode(uint32_t type, const uint8_t *buf, size_t len,
    const struct body_ctx *ctx, struct body *out, struct codec_err *err)
    I40_MUST_CHECK;

/*
 * Encode b canonically into out[0..cap) and decode the result again, so
 * that nothing invalid is ever produced.  Returns 0 and *len, or the first
 * error (I40_E_BUFFER if cap is too small).
 */
int body_encode(const struct body *b, const struct body_ctx *ctx,
    uint8_t *out, size_t cap, size_t *len, struct codec_err *err)
    I40_MUST_CHECK;

/*
 * The message a key-rotation proof signs: the tag "i40/key-rotate/v1",
 * fed_id, author and next key.  out must hold BODY_ROTATE_MSG_BYTES.
 */
#define BODY_ROTATE_MSG_BYTES (17 + 3 * 32)
void body_rotate_proof_msg(const uint8_t fed_id[32], const uint8_t author[32],
    const uint8_t next[32], uint8_t out[BODY_ROTATE_MSG_BYTES]);
/*
 * Fill out (type BODY_KEY_ROTATE) for author's rotation to next: its
 * public key, the proof and next's transport card, all signed by next.
 * Signing by the key in force is the event's, not this.
 */
struct key_secret;
int body_rotate_make(const uint8_t fed_id[32], const uint8_t author[32],
    const struct key_secret *next, struct body *out) I40_MUST_CHECK;

/* True when grade is a result of the grading scale; *pass says if passing. */
int body_grade_valid(struct codec_bytes scale, struct codec_bytes grade,
    int *pass);

/* The schema tables, for tests that check their order and for docs. */
struct schema;
const struct schema *body_schema(uint32_t type);

#endif
