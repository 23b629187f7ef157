/* msg.c: sync and control messages (see msg.h). */
#include "msg.h"

#include <stdlib.h>
#include <string.h>

#include "schema.h"

#define ONE(n, k, lo, hi, T, m) SCHEMA_ONE(n, k, 1, lo, hi, T, m)
#define POS(var, nm, T, tab) \
	static const struct schema var = { nm, 1, tab, \
	    sizeof(tab) / sizeof(tab[0]), sizeof(T) }
#define MAPS(var, nm, T, tab) \
	static const struct schema var = { nm, 0, tab, \
	    sizeof(tab) / sizeof(tab[0]), sizeof(T) }

/* A positional message's first element is its type: struct msg.type. */
#define T struct msg
#define MTYPE(t) { "type", SCHEMA_UINT, 1, 0, t, t, offsetof(T, type), 0, \
	NULL, NULL }
#define F(n, k, lo, hi, m) { n, k, 1, 0, lo, hi, offsetof(T, u.m), 0, \
	NULL, NULL }

static const struct schema_field head_f[] = {
	ONE("author", SCHEMA_FIXBIN, 32, 32, struct msg_head, author),
	ONE("seq", SCHEMA_UINT, 1, UINT64_MAX, struct msg_head, seq),
	ONE("id", SCHEMA_FIXBIN, 32, 32, struct msg_head, id),
};
POS(head_s, "head", struct msg_head, head_f);

#define HEADS(n, m) { n, SCHEMA_STRUCT, 1, MSG_MAX_HEADS, 0, 0, \
	offsetof(T, u.m.heads), offsetof(T, u.m.nheads), &head_s, NULL }

static const struct schema_field hello_f[] = {
	MTYPE(MSG_HELLO),
	F("fed_id", SCHEMA_FIXBIN, 32, 32, hello.fed_id),
	F("version", SCHEMA_UINT, 1, UINT32_MAX, hello.version),
	HEADS("heads", hello.v),
};
POS(hello_s, "hello", T, hello_f);

static const struct schema_field want_f[] = {
	MTYPE(MSG_WANT),
	F("author", SCHEMA_FIXBIN, 32, 32, want.author),
	F("from", SCHEMA_UINT, 1, UINT64_MAX, want.from),
	F("count", SCHEMA_UINT, 1, MSG_MAX_EVENTS, want.count),
};
POS(want_s, "want", T, want_f);

static const struct schema_field events_f[] = {
	MTYPE(MSG_EVENTS),
	{ "events", SCHEMA_BIN, 1, MSG_MAX_EVENTS, 1, EV_MAX_BYTES,
	    offsetof(T, u.events.ev), offsetof(T, u.events.nev), NULL, NULL },
};
POS(events_s, "events", T, events_f);

static const struct schema_field notify_f[] = {
	MTYPE(MSG_NOTIFY),
	HEADS("heads", notify),
};
POS(notify_s, "notify", T, notify_f);

static const struct schema_field fork_f[] = {
	MTYPE(MSG_FORK),
	F("a", SCHEMA_BIN, 1, EV_MAX_BYTES, fork.a),
	F("b", SCHEMA_BIN, 1, EV_MAX_BYTES, fork.b),
};
POS(fork_s, "fork", T, fork_f);

static const struct schema_field error_f[] = {
	MTYPE(MSG_ERROR),
	F("code", SCHEMA_INT, (uint64_t)INT64_MIN, 0, error.code),
	F("text", SCHEMA_LINE, 0, MSG_MAX_TEXT, error.text),
};
POS(error_s, "error", T, error_f);

static const struct schema_field append_f[] = {
	MTYPE(MSG_APPEND),
	F("etype", SCHEMA_UINT, 1, UINT32_MAX, append.type),
	F("body", SCHEMA_BIN, 1, EV_MAX_BYTES, append.body),
};
POS(append_s, "append", T, append_f);

static const struct schema_field status_f[] = { MTYPE(MSG_STATUS) };
POS(status_s, "status", T, status_f);
static const struct schema_field peers_f[] = { MTYPE(MSG_PEERS) };
POS(peers_s, "peers", T, peers_f);
static const struct schema_field sync_f[] = { MTYPE(MSG_SYNC) };
POS(sync_s, "sync", T, sync_f);
static const struct schema_field key_rotate_f[] = {
	MTYPE(MSG_KEY_ROTATE),
	F("path", SCHEMA_LINE, 0, MSG_MAX_PATH, key_rotate.path),
};
POS(key_rotate_s, "key_rotate", T, key_rotate_f);
static const struct schema_field ok_f[] = { MTYPE(MSG_OK) };
POS(ok_s, "ok", T, ok_f);

static const struct schema_field appended_f[] = {
	MTYPE(MSG_APPENDED),
	F("id", SCHEMA_FIXBIN, 32, 32, appended.id),
	F("seq", SCHEMA_UINT, 1, UINT64_MAX, appended.seq),
};
POS(appended_s, "appended", T, appended_f);

static const char *const signing_states[] =
    { "yes", "waiting", "stopped", "no", NULL };
#define ST struct msg_status
static const struct schema_field status_map_f[] = {
	ONE("seq", SCHEMA_UINT, 0, UINT64_MAX, ST, seq),
	ONE("why", SCHEMA_LINE, 0, MSG_MAX_TEXT, ST, why),
	ONE("node", SCHEMA_LINE, 1, 128, ST, node),
	ONE("peers", SCHEMA_UINT, 0, UINT64_MAX, ST, peers),
	ONE("author", SCHEMA_FIXBIN, 32, 32, ST, author),
	ONE("events", SCHEMA_UINT, 0, UINT64_MAX, ST, events),
	ONE("authors", SCHEMA_UINT, 0, UINT64_MAX, ST, authors),
	{ "signing", SCHEMA_ENUM, 1, 0, 1, 16, offsetof(ST, signing), 0, NULL,
	    signing_states },
	ONE("log_root", SCHEMA_FIXBIN, 32, 32, ST, log_root),
	ONE("state_root", SCHEMA_FIXBIN, 32, 32, ST, state_root),
};
#undef ST
MAPS(status_map_s, "status", struct msg_status, status_map_f);

static const char *const peer_states[] =
    { "up", "connecting", "refused", "down", "leaving", NULL };
#define PE struct msg_peer
static const struct schema_field peer_f[] = {
	ONE("key", SCHEMA_FIXBIN, 32, 32, PE, key),
	ONE("ahead", SCHEMA_UINT, 0, UINT64_MAX, PE, ahead),
	{ "state", SCHEMA_ENUM, 1, 0, 1, 16, offsetof(PE, state), 0, NULL,
	    peer_states },
	ONE("behind", SCHEMA_UINT, 0, UINT64_MAX, PE, behind),
	ONE("last_ms", SCHEMA_UINT, 0, EV_TIME_MAX, PE, last_ms),
	ONE("endpoint", SCHEMA_ENDPOINT, 8, 256, PE, endpoint),
};
#undef PE
MAPS(peer_s, "peer", struct msg_peer, peer_f);

static const struct schema_field status_reply_f[] = {
	MTYPE(MSG_STATUS_REPLY),
	{ "status", SCHEMA_STRUCT, 1, 0, 0, 0, offsetof(T, u.status), 0,
	    &status_map_s, NULL },
};
POS(status_reply_s, "status_reply", T, status_reply_f);

static const struct schema_field peers_reply_f[] = {
	MTYPE(MSG_PEERS_REPLY),
	{ "peers", SCHEMA_STRUCT, SCHEMA_MAY_BE_EMPTY, MSG_MAX_PEERS, 0, 0,
	    offsetof(T, u.peers.peers), offsetof(T, u.peers.npeers), &peer_s,
	    NULL },
};
POS(peers_reply_s, "peers_reply", T, peers_reply_f);
#undef T

static const struct {
	uint32_t type;
	const struct schema *s;
} msgs[] = {
	{ MSG_HELLO, &hello_s }, { MSG_WANT, &want_s },
	{ MSG_EVENTS, &events_s }, { MSG_NOTIFY, &notify_s },
	{ MSG_FORK, &fork_s }, { MSG_ERROR, &error_s },
	{ MSG_APPEND, &append_s }, { MSG_STATUS, &status_s },
	{ MSG_PEERS, &peers_s }, { MSG_SYNC, &sync_s },
	{ MSG_KEY_ROTATE, &key_rotate_s },
	{ MSG_APPENDED, &appended_s }, { MSG_STATUS_REPLY, &status_reply_s },
	{ MSG_PEERS_REPLY, &peers_reply_s }, { MSG_OK, &ok_s },
};
#define NMSGS (sizeof(msgs) / sizeof(msgs[0]))

const struct schema *
msg_schema(uint32_t type)
{
	size_t i;

	for (i = 0; i < NMSGS; i++)
		if (msgs[i].type == type)
			return msgs[i].s;
	return NULL;
}

const char *
msg_type_name(uint32_t type)
{
	const struct schema *s = msg_schema(type);

	return s != NULL ? s->name : NULL;
}

/* A version vector is a set keyed by author: one encoding, ascending. */
static int
check_heads(const struct msg_heads *v, struct codec_err *err)
{
	uint32_t i;

	for (i = 1; i < v->nheads; i++) {
		if (memcmp(v->heads[i - 1].author, v->heads[i].author,
		    KEY_PK_BYTES) >= 0) {
			if (err != NULL && err->code == 0) {
				err->code = I40_E_KEY_ORDER;
				strcpy(err->field, "heads.author");
			}
			return I40_E_KEY_ORDER;
		}
	}
	return 0;
}

int
msg_decode(const uint8_t *buf, size_t len, struct msg *out,
    struct codec_err *err)
{
	struct codec_reader r;
	const struct schema *s;
	uint64_t type;
	uint32_t n;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	codec_reader_init(&r, buf, len, err);
	if (len > MSG_MAX_BYTES)
		return codec_fail(&r, I40_E_TOO_BIG);
	if ((rc = codec_check(buf, len, MSG_MAX_DEPTH, err)) != 0)
		return rc;
	/* Peek at the type, then decode the whole array by its schema. */
	r.field = "type";
	if ((rc = codec_read_array(&r, 1, UINT32_MAX, &n)) != 0)
		return rc;
	if ((rc = codec_read_uint(&r, 0, UINT64_MAX, &type)) != 0)
		return rc;
	if (type > UINT32_MAX || (s = msg_schema((uint32_t)type)) == NULL) {
		r.off = 0;
		return codec_fail(&r, I40_E_MSG_TYPE);
	}
	codec_reader_init(&r, buf, len, err);
	if ((rc = schema_decode(s, &r, out)) != 0)
		return rc;
	if ((rc = codec_read_end(&r)) != 0)
		return rc;
	if (type == MSG_HELLO)
		return check_heads(&out->u.hello.v, err);
	if (type == MSG_NOTIFY)
		return check_heads(&out->u.notify, err);
	return 0;
}

int
msg_encode(const struct msg *m, uint8_t *out, size_t cap, size_t *len,
    struct codec_err *err)
{
	const struct schema *s;
	struct codec_writer w;
	struct msg *check;
	int rc;

	if (m->type > UINT32_MAX || (s = msg_schema((uint32_t)m->type)) == NULL)
		return I40_E_MSG_TYPE;
	codec_writer_init(&w, out, cap);
	schema_encode(s, m, &w);
	if ((rc = codec_writer_finish(&w, len)) != 0)
		return rc;
	if ((check = malloc(sizeof(*check))) == NULL)
		return I40_E_NOMEM;
	rc = msg_decode(out, *len, check, err);
	free(check);
	return rc;
}
