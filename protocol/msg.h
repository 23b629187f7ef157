/*
 * msg.h: the wire messages: sync between nodes, and the control socket
 * between i40ctl and i40d.
 *
 * Every message is a msgpack array whose first element is its type, decoded
 * as strictly as an event (canonical form, exact field counts and types,
 * bounds).  Layouts are in docs/protocol.md, "Messages".
 *
 *   sync:    HELLO, WANT, EVENTS, NOTIFY, FORK, ERROR
 *   control: APPEND, STATUS, PEERS, SYNC (requests);
 *            APPENDED, STATUS_REPLY, PEERS_REPLY, OK, ERROR (replies)
 *
 * Events inside EVENTS and FORK are carried as bins holding signed events;
 * msg_decode() bounds them but leaves their decoding to ev_decode().
 *
 * Ownership: struct msg borrows the buffer it was decoded from.  It is
 * large (tens of KiB, fixed-size lists): allocate it, don't put it on a
 * small stack.
 */
#ifndef I40_MSG_H
#define I40_MSG_H

#include <stdint.h>

#include "codec.h"
#include "event.h"

#define MSG_PROTOCOL_VERSION 1
#define MSG_MAX_BYTES (1024 * 1024)	/* matches ZMQ_MAXMSGSIZE */
#define MSG_MAX_DEPTH 4
#define MSG_MAX_HEADS 256		/* authors in one version vector */
#define MSG_MAX_EVENTS 512		/* events in one EVENTS batch */
#define MSG_MAX_PEERS 64
#define MSG_MAX_TEXT 500
#define MSG_MAX_PATH 4095	/* a KEY_ROTATE path, bytes */

enum msg_type {
	MSG_HELLO = 1,
	MSG_WANT = 2,
	MSG_EVENTS = 3,
	MSG_NOTIFY = 4,
	MSG_FORK = 5,
	MSG_ERROR = 6,
	MSG_APPEND = 16,
	MSG_STATUS = 17,
	MSG_PEERS = 18,
	MSG_SYNC = 19,
	MSG_KEY_ROTATE = 20,
	MSG_APPENDED = 32,
	MSG_STATUS_REPLY = 33,
	MSG_PEERS_REPLY = 34,
	MSG_OK = 35
};

/* The head of one author's log. */
struct msg_head {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
	uint8_t id[EV_ID_BYTES];
};

struct msg_heads {
	struct msg_head heads[MSG_MAX_HEADS];	/* strictly ascending author */
	uint32_t nheads;
};

struct msg_hello {
	uint8_t fed_id[EV_FED_ID_BYTES];
	uint64_t version;
	struct msg_heads v;
};

struct msg_want {
	uint8_t author[KEY_PK_BYTES];
	uint64_t from;			/* first seq wanted, >= 1 */
	uint64_t count;			/* 1..MSG_MAX_EVENTS */
};

struct msg_events {
	struct codec_bytes ev[MSG_MAX_EVENTS];	/* signed events */
	uint32_t nev;
};

struct msg_fork {
	struct codec_bytes a, b;	/* two signed events, same author+seq */
};

struct msg_error {
	int64_t code;			/* an I40_E* or -errno */
	struct codec_bytes text;	/* may be empty */
};

struct msg_append {
	uint64_t type;			/* enum body_type */
	struct codec_bytes body;	/* canonical body */
};

/* Ask the daemon to rotate its key (docs/protocol.md §6.5). */
struct msg_key_rotate {
	struct codec_bytes path;	/* the next key's file, or empty */
};

struct msg_appended {
	uint8_t id[EV_ID_BYTES];
	uint64_t seq;
};

struct msg_status {
	uint64_t seq;			/* this node's own head */
	struct codec_bytes why;		/* why not signing, or empty */
	struct codec_bytes node;	/* node name */
	uint64_t peers;			/* configured peers */
	uint8_t author[KEY_PK_BYTES];
	uint64_t events;		/* events stored */
	uint64_t authors;		/* logs known */
	struct codec_bytes signing;	/* yes | waiting | stopped */
	uint8_t log_root[32];
	uint8_t state_root[32];
};

struct msg_peer {
	uint8_t key[KEY_PK_BYTES];
	struct codec_bytes state;	/* up | connecting | refused | down */
	uint64_t ahead;			/* events we have that they lack */
	uint64_t behind;		/* events they have that we lack */
	uint64_t last_ms;		/* last message, ms since the epoch */
	struct codec_bytes endpoint;
};

struct msg_peers {
	struct msg_peer peers[MSG_MAX_PEERS];
	uint32_t npeers;
};

struct msg {
	uint64_t type;			/* enum msg_type */
	union {
		struct msg_hello hello;
		struct msg_want want;
		struct msg_events events;
		struct msg_heads notify;
		struct msg_fork fork;
		struct msg_error error;
		struct msg_append append;
		struct msg_key_rotate key_rotate;
		struct msg_appended appended;
		struct msg_status status;
		struct msg_peers peers;
	} u;
};

/* "hello", "want", ... or NULL for an unknown type. */
const char *msg_type_name(uint32_t type);

/*
 * Decode and check the message buf[0..len).  I40_E_TOO_BIG over
 * MSG_MAX_BYTES, I40_E_MSG_TYPE for an unknown type, and every codec and
 * schema error; a version vector must list each author once, in ascending
 * order (I40_E_KEY_ORDER).  err may be NULL.
 */
int msg_decode(const uint8_t *buf, size_t len, struct msg *out,
    struct codec_err *err) I40_MUST_CHECK;

/*
 * Encode m into out[0..cap) and check the result with msg_decode(), so no
 * invalid message is ever sent.  I40_E_BUFFER if cap is too small.
 */
int msg_encode(const struct msg *m, uint8_t *out, size_t cap, size_t *len,
    struct codec_err *err) I40_MUST_CHECK;

/* The schema of a message type, for tests and docs; NULL if unknown. */
struct schema;
const struct schema *msg_schema(uint32_t type);

#endif
