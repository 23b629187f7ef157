/*
 * control.c: the control socket, ipc://DATADIR/control.sock, through
 * which i40ctl asks the daemon to sign and append events and reads its
 * status.  Model: bgpd's control.c.
 *
 * Access control is the data directory's mode (0700): a NULL-mechanism
 * socket never consults ZAP (PITFALLS.md, libzmq).  The daemon alone holds
 * the secret key, so every write comes through here.
 *
 * APPEND is acknowledged (APPENDED) only after the event's transaction
 * committed.  APPENDs waiting on the socket are signed and stored
 * together, in one transaction, so a registrar's import of a thousand
 * results costs a few fsyncs rather than a thousand.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zmq.h>

#include "ev.h"
#include "node.h"

#define CONTROL_NAME "control.sock"

struct pending {
	zmq_msg_t rid;
	uint32_t type;			/* event type */
	uint8_t *body;			/* copy of the canonical body */
	size_t blen;
	uint8_t *ev;			/* the signed event, once signed */
	size_t idx;			/* its item in the batch */
	int code;			/* an error to answer with */
	char text[400];
	char code_of[80];		/* a module's code, for the log */
	uint8_t id[32];			/* once stored: its id and seq */
	uint64_t seq;
};

static void
control_cb(void *arg)
{
	control_read(arg);
}

int
control_open(struct node *n)
{
	char path[PATH_MAX], ep[PATH_MAX + 8];
	int64_t max = MSG_MAX_BYTES;
	int zero = 0, one = 1;

	if (snprintf(path, sizeof(path), "%s/%s", n->cfg->datadir,
	    CONTROL_NAME) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* sun_path holds 107 bytes: say so rather than fail obscurely. */
	if (strlen(path) > 107) {
		log_error("control socket path %s is longer than 107 bytes; "
		    "use a shorter datadir", path);
		return -ENAMETOOLONG;
	}
	snprintf(ep, sizeof(ep), "ipc://%s", path);
	/* We hold the datadir's lock: a socket file left here is stale. */
	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	if ((n->control = zmq_socket(n->zctx, ZMQ_ROUTER)) == NULL)
		return -errno;
	if (zmq_setsockopt(n->control, ZMQ_LINGER, &zero, sizeof(zero)) != 0 ||
	    zmq_setsockopt(n->control, ZMQ_MAXMSGSIZE, &max,
	    sizeof(max)) != 0 ||
	    zmq_setsockopt(n->control, ZMQ_ROUTER_MANDATORY, &one,
	    sizeof(one)) != 0 ||
	    zmq_bind(n->control, ep) != 0) {
		int e = errno;

		zmq_close(n->control);
		n->control = NULL;
		return -e;
	}
	if (chmod(path, 0600) != 0)
		return -errno;
	return ev_reader_add(n->loop, n->control, -1, control_cb, n);
}

void
control_close(struct node *n)
{
	char path[PATH_MAX];

	if (n->control == NULL)
		return;
	ev_reader_del(n->loop, n->control, -1);
	zmq_close(n->control);
	n->control = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", n->cfg->datadir,
	    CONTROL_NAME) < (int)sizeof(path))
		(void)unlink(path);
}

static void
reply(struct node *n, zmq_msg_t *rid, const struct msg *m)
{
	size_t len;
	int rc;

	if ((rc = msg_encode(m, n->sbuf, MSG_MAX_BYTES, &len, NULL)) != 0 ||
	    (rc = link_send(n->control, zmq_msg_data(rid), zmq_msg_size(rid),
	    n->sbuf, len)) != 0)
		log_warn(rc, "control: reply not sent (client gone?)");
}

static void
reply_error(struct node *n, zmq_msg_t *rid, int code, const char *text)
{
	struct msg *m = n->out;

	m->type = MSG_ERROR;
	m->u.error.code = code;
	m->u.error.text.p = (const uint8_t *)text;
	m->u.error.text.len = strlen(text);
	reply(n, rid, m);
}

/* The state root is a full scan: computed once per change, not per ask. */
static int
roots(struct node *n, uint8_t log_root[32], uint8_t state_root[32])
{
	int rc;

	if (!n->roots_valid) {
		if ((rc = store_log_root(n->st, n->log_root)) != 0 ||
		    (rc = store_state_root(n->st, n->state_root)) != 0)
			return rc;
		n->roots_valid = 1;
	}
	memcpy(log_root, n->log_root, 32);
	memcpy(state_root, n->state_root, 32);
	return 0;
}

static void
do_status(struct node *n, zmq_msg_t *rid)
{
	struct msg *m = n->out;
	struct msg_status *s = &m->u.status;
	struct author *me = node_author(n, n->self);
	const char *st, *why;
	char nowhy[400];
	size_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	m->type = MSG_STATUS_REPLY;
	s->seq = me != NULL ? me->seq : 0;
	s->node.p = (const uint8_t *)n->cfg->node;
	s->node.len = strlen(n->cfg->node);
	s->peers = n->npeers;
	memcpy(s->author, n->self, 32);
	for (i = 0; i < n->nauthors; i++) {
		s->events += n->authors[i].seq;
		s->authors += n->authors[i].seq > 0;
	}
	st = n->stopped ? "stopped" : n->ready ? "yes" : "waiting";
	why = n->stopped ? n->stop_reason : n->ready ? "" : n->wait_reason;
	/* An observer, a key not admitted yet, removed or pending its
	 * succession signs nothing either: say so rather than "yes". */
	if (!n->stopped && node_may_sign(n, nowhy, sizeof(nowhy)) != 0) {
		st = "no";
		why = nowhy;
	}
	s->signing.p = (const uint8_t *)st;
	s->signing.len = strlen(st);
	s->why.p = (const uint8_t *)why;
	s->why.len = strlen(why);
	if ((rc = roots(n, s->log_root, s->state_root)) != 0) {
		reply_error(n, rid, rc, "cannot compute the roots");
		return;
	}
	reply(n, rid, m);
}

static void
do_peers(struct node *n, zmq_msg_t *rid)
{
	struct msg *m = n->out;
	struct msg_peer *q;
	const char *st;
	size_t i;

	m->type = MSG_PEERS_REPLY;
	m->u.peers.npeers = 0;
	for (i = 0; i < n->npeers && i < MSG_MAX_PEERS; i++) {
		q = &m->u.peers.peers[m->u.peers.npeers++];
		memcpy(q->key, n->peers[i]->key, 32);
		st = n->peers[i]->leaving_ms != 0 ? "leaving" :
		    link_state_name(n->peers[i]->state);
		q->state.p = (const uint8_t *)st;
		q->state.len = strlen(st);
		q->behind = sync_behind(n, n->peers[i]);
		q->ahead = sync_ahead(n, n->peers[i]);
		q->last_ms = n->peers[i]->last_ms;
		q->endpoint.p = (const uint8_t *)n->peers[i]->endpoint;
		q->endpoint.len = strlen(n->peers[i]->endpoint);
	}
	reply(n, rid, m);
}

static void
fail_all(struct pending *ps, size_t np, int code)
{
	size_t i;

	for (i = 0; i < np; i++)
		if (ps[i].code == 0)
			ps[i].code = code;
}

/* A code for a log line: printable ASCII only, the rest as '?'. */
static void
log_text(char *out, size_t cap, const struct codec_bytes *b)
{
	size_t i, n = b->len < cap - 2 ? b->len : cap - 2;

	out[0] = ' ';
	for (i = 0; i < n; i++)
		out[i + 1] = b->p[i] >= 0x20 && b->p[i] < 0x7f ?
		    (char)b->p[i] : '?';
	out[n + 1] = '\0';
}

/* Sign and decode one APPEND as event seq after prev: items[*k]. */
static void
sign_one(struct node *n, struct pending *p, uint64_t seq, uint8_t prev[32],
    uint8_t *buf, struct body *scratch, struct store_item *items, size_t *k)
{
	struct codec_err err;
	struct ev_header h;
	size_t len;
	int rc;

	memset(&h, 0, sizeof(h));
	memcpy(h.fed_id, store_fed_id(n->st), EV_FED_ID_BYTES);
	memcpy(h.author, n->self, KEY_PK_BYTES);
	h.seq = seq;
	memcpy(h.prev, prev, EV_ID_BYTES);
	h.time_ms = node_now_ms();
	h.type = p->type;
	if ((rc = ev_sign(&h, p->body, p->blen, n->key, buf, EV_MAX_BYTES,
	    &len, items[*k].ev.id)) != 0) {
		p->code = rc;
		snprintf(p->text, sizeof(p->text), "cannot sign the event: %s",
		    i40_strerror(rc));
		return;
	}
	if ((p->ev = malloc(len)) == NULL) {
		p->code = I40_E_NOMEM;
		return;
	}
	memcpy(p->ev, buf, len);
	/* The full check a peer will make: schema, rules, federation. */
	if ((rc = ev_decode(p->ev, len, store_fed_id(n->st), &items[*k].ev,
	    scratch, &err)) != 0) {
		p->code = rc;
		snprintf(p->text, sizeof(p->text), "%s: %s",
		    err.field[0] ? err.field : "event", i40_strerror(rc));
		return;
	}
	/* The key it was signed with: the store checks it is in force. */
	key_public(n->key, items[*k].key);
	memcpy(prev, items[*k].ev.id, EV_ID_BYTES);
	p->idx = (*k)++;
	if (p->type == BODY_MODULE_PUBLISH || p->type == BODY_MODULE_UPDATE)
		log_text(p->code_of, sizeof(p->code_of), &scratch->u.module.code);
	else if (p->type == BODY_MODULE_RETIRE)
		log_text(p->code_of, sizeof(p->code_of), &scratch->u.retire.code);
}

/*
 * Sign the APPENDs in ps[0..np) as this node's next events and store them
 * in one transaction; then answer each.
 */
static void
do_appends(struct node *n, struct pending *ps, size_t np)
{
	struct store_item *items = NULL;
	struct store_outcome *out = NULL;
	struct author *me = node_author(n, n->self);
	struct body *scratch = NULL;
	uint8_t key[KEY_PK_BYTES], mine[KEY_PK_BYTES], prev[EV_ID_BYTES];
	uint8_t *buf = NULL;
	uint64_t seq, t0;
	size_t i, k = 0;
	char why[200];
	int rc;

	if (np == 0)
		return;
	if ((rc = node_may_sign(n, why, sizeof(why))) != 0) {
		fail_all(ps, np, rc);
		for (i = 0; i < np; i++)
			snprintf(ps[i].text, sizeof(ps[i].text), "%s", why);
		goto answer;
	}
	if (me == NULL || n->stopped || !n->ready) {
		fail_all(ps, np, me == NULL ? I40_E_UNKNOWN_AUTHOR :
		    n->stopped ? I40_E_STOPPED : I40_E_NOT_READY);
		for (i = 0; me != NULL && i < np; i++)
			snprintf(ps[i].text, sizeof(ps[i].text), "%s",
			    n->stopped ? n->stop_reason : n->wait_reason);
		goto answer;
	}
	items = calloc(np, sizeof(*items));
	out = calloc(np, sizeof(*out));
	scratch = malloc(sizeof(*scratch));
	buf = malloc(EV_MAX_BYTES);
	if (items == NULL || out == NULL || scratch == NULL || buf == NULL) {
		fail_all(ps, np, I40_E_NOMEM);
		goto answer;
	}
	seq = me->seq;
	memcpy(prev, me->id, EV_ID_BYTES);
	/* The key in force is the store's to name (rotate.c installs it). */
	key_public(n->key, mine);
	if ((rc = store_key_in_force(n->st, n->self, seq + 1, key)) != 0 ||
	    memcmp(key, mine, KEY_PK_BYTES) != 0) {
		fail_all(ps, np, rc != 0 ? rc : I40_E_WRONG_KEY);
		goto answer;
	}
	key_unlock(n->key);
	for (i = 0; i < np; i++)
		if (ps[i].code == 0)
			sign_one(n, &ps[i], seq + k + 1, prev, buf, scratch,
			    items, &k);
	key_lock(n->key);
	if (k == 0)
		goto answer;
	t0 = node_mono_us();
	rc = store_append(n->st, items, k, out);
	web_count_commit(&n->metrics, node_mono_us() - t0);
	if (rc != 0) {
		if (rc == I40_E_FAILED || rc == I40_E_CORRUPT)
			fatalx("store: %s; stopping so that systemd restarts "
			    "the node and it re-checks its store",
			    i40_strerror(rc));
		for (i = 0; i < np; i++)
			if (ps[i].code == 0)
				ps[i].code = rc;
		goto answer;
	}
	for (i = 0; i < np; i++) {
		if (ps[i].code != 0 || out[ps[i].idx].result == STORE_STORED)
			continue;
		ps[i].code = out[ps[i].idx].code != 0 ?
		    out[ps[i].idx].code : I40_E_VALUE;
		if (out[ps[i].idx].result == STORE_GAP)
			snprintf(ps[i].text, sizeof(ps[i].text), "an earlier "
			    "event of the same batch was refused; send this "
			    "one again");
	}
	sync_committed(n, NULL, items, out, k, NULL);
answer:
	for (i = 0; i < np; i++) {
		if (ps[i].code == 0 && items != NULL) {
			memcpy(ps[i].id, items[ps[i].idx].ev.id, 32);
			ps[i].seq = items[ps[i].idx].ev.h.seq;
		}
		/* The daemon's own events (checkpoints) have nobody to tell. */
		if (zmq_msg_size(&ps[i].rid) == 0) {
			if (ps[i].code != 0)
				log_warnx("could not sign a %s: %s",
				    body_type_name(ps[i].type), ps[i].text[0] ?
				    ps[i].text : i40_strerror(ps[i].code));
			continue;
		}
		if (ps[i].code != 0) {
			reply_error(n, &ps[i].rid, ps[i].code, ps[i].text[0] ?
			    ps[i].text : i40_strerror(ps[i].code));
		} else {
			struct msg *m = n->out;
			char idhex[17];

			log_keyhex(items[ps[i].idx].ev.id, idhex);
			log_info("wrote %s%s at seq %llu (id %s)",
			    body_type_name(ps[i].type), ps[i].code_of,
			    (unsigned long long)items[ps[i].idx].ev.h.seq,
			    idhex);
			m->type = MSG_APPENDED;
			memcpy(m->u.appended.id, items[ps[i].idx].ev.id, 32);
			m->u.appended.seq = items[ps[i].idx].ev.h.seq;
			reply(n, &ps[i].rid, m);
		}
	}
	free(buf);
	free(scratch);
	free(items);
	free(out);
}

/*
 * Sign and store one event of this node's; answer rid if not NULL, and
 * put its id and seq (or the reason) into *res if not NULL.
 */
static int
append_into(struct node *n, zmq_msg_t *rid, uint32_t type,
    const uint8_t *body, size_t blen, struct pending *res)
{
	struct pending p;
	int rc;

	memset(&p, 0, sizeof(p));
	zmq_msg_init(&p.rid);
	if (rid != NULL)
		zmq_msg_copy(&p.rid, rid);
	p.type = type;
	p.blen = blen;
	if ((p.body = malloc(blen)) == NULL) {
		zmq_msg_close(&p.rid);
		return I40_E_NOMEM;
	}
	memcpy(p.body, body, blen);
	do_appends(n, &p, 1);
	rc = p.code;
	if (res != NULL) {
		memcpy(res->id, p.id, 32);
		res->seq = p.seq;
		memcpy(res->text, p.text, sizeof(res->text));
	}
	zmq_msg_close(&p.rid);
	free(p.body);
	free(p.ev);
	return rc;
}

static int
append_for(struct node *n, zmq_msg_t *rid, uint32_t type,
    const uint8_t *body, size_t blen)
{
	return append_into(n, rid, type, body, blen, NULL);
}

int
control_append_own(struct node *n, uint32_t type, const uint8_t *body,
    size_t blen)
{
	return append_for(n, NULL, type, body, blen);
}

/* KEY_ROTATE: the rotation is an APPEND whose key the daemon makes. */
static void
do_rotate(struct node *n, zmq_msg_t *rid, const struct codec_bytes *path)
{
	struct rotate_plan *rp;
	struct pending res;
	const uint8_t *body;
	char why[400];
	size_t blen;
	int rc;

	/* What the append would refuse, refused before any file is made. */
	rc = node_may_sign(n, why, sizeof(why));
	if (rc == 0 && (n->stopped || !n->ready)) {
		rc = n->stopped ? I40_E_STOPPED : I40_E_NOT_READY;
		snprintf(why, sizeof(why), "%s", n->stopped ? n->stop_reason :
		    n->wait_reason);
	}
	if (rc == 0 && n->tkey != NULL) {
		rc = I40_E_ROTATING;
		snprintf(why, sizeof(why), "the rotation at seq %llu has not "
		    "moved the CURVE key yet: no peer holds it (are the peers "
		    "up? i40ctl peers); rotate again once the log says "
		    "\"transport key moved\"", (unsigned long long)n->rot_seq);
	}
	if (rc == 0)
		rc = rotate_prepare(n, path, &rp, why, sizeof(why));
	if (rc != 0) {
		log_warnx("key rotation refused: %s", why);
		reply_error(n, rid, rc, why);
		return;
	}
	body = rotate_body(rp, &blen);
	/*
	 * Answered here, once the key files hold the new key: i40ctl's
	 * "rotated" must mean the files changed too.
	 */
	memset(&res, 0, sizeof(res));
	rc = append_into(n, NULL, BODY_KEY_ROTATE, body, blen, &res);
	/*
	 * A failed append may still have committed (an I/O error at the
	 * commit): the store, not rc, says whether the rotation is stored,
	 * as rotate_resume asks it after a crash.
	 */
	if (rc != 0) {
		uint8_t owner[KEY_PK_BYTES];
		int q = store_key_owner(n->st, rotate_next_pk(rp), owner);

		if (q == 0) {
			snprintf(why, sizeof(why), "the append reported %s, "
			    "but the store holds the rotation: the node signs "
			    "with the new key from now on (i40ctl member show "
			    "shows it)", i40_strerror(rc));
			log_warnx("key rotation: %s", why);
			rotate_finish(n, rp, 1);
			reply_error(n, rid, rc, why);
			return;
		} else if (q != I40_E_NOT_FOUND)
			fatalx("store: cannot tell whether the key rotation "
			    "was stored (%s); stopping with its key kept in "
			    "KEY.next, so that the next start finishes or "
			    "undoes it", i40_strerror(q));
	}
	if (rc == 0) {
		char idhex[17];

		log_keyhex(res.id, idhex);
		log_info("wrote key_rotate at seq %llu (id %s)",
		    (unsigned long long)res.seq, idhex);
	}
	rotate_finish(n, rp, rc == 0);
	if (rc != 0) {
		reply_error(n, rid, rc, res.text[0] ? res.text :
		    i40_strerror(rc));
		return;
	}
	n->out->type = MSG_APPENDED;
	memcpy(n->out->u.appended.id, res.id, 32);
	n->out->u.appended.seq = res.seq;
	reply(n, rid, n->out);
}

static void
pending_free(struct pending *ps, size_t np)
{
	size_t i;

	for (i = 0; i < np; i++) {
		zmq_msg_close(&ps[i].rid);
		free(ps[i].body);
		free(ps[i].ev);
	}
}

/* One request: APPENDs join the batch, the rest are answered now. */
static void
control_one(struct node *n, zmq_msg_t *rid, zmq_msg_t *body,
    struct pending *ps, size_t *np)
{
	struct codec_err err;
	struct pending *p;
	char text[160];
	int rc;

	if ((rc = msg_decode(zmq_msg_data(body), zmq_msg_size(body), n->m,
	    &err)) != 0) {
		snprintf(text, sizeof(text), "malformed request (field %s)",
		    err.field[0] ? err.field : "-");
		reply_error(n, rid, rc, text);
		return;
	}
	switch (n->m->type) {
	case MSG_APPEND:
		p = &ps[*np];
		memset(p, 0, sizeof(*p));
		zmq_msg_init(&p->rid);
		zmq_msg_copy(&p->rid, rid);
		if (n->m->u.append.type > UINT32_MAX) {
			p->code = I40_E_EVENT_TYPE;
		} else if ((p->body = malloc(n->m->u.append.body.len)) ==
		    NULL) {
			p->code = I40_E_NOMEM;
		} else {
			p->type = (uint32_t)n->m->u.append.type;
			p->blen = n->m->u.append.body.len;
			memcpy(p->body, n->m->u.append.body.p, p->blen);
		}
		(*np)++;
		break;
	case MSG_STATUS:
		do_status(n, rid);
		break;
	case MSG_PEERS:
		do_peers(n, rid);
		break;
	case MSG_KEY_ROTATE:
		do_rotate(n, rid, &n->m->u.key_rotate.path);
		break;
	case MSG_SYNC:
		sync_hello_all(n);
		n->out->type = MSG_OK;
		reply(n, rid, n->out);
		break;
	default:
		reply_error(n, rid, I40_E_MSG_TYPE, "not a control request");
		break;
	}
}

void
control_read(struct node *n)
{
	struct pending *ps;
	zmq_msg_t rid, body;
	size_t np = 0, budget;
	int ok;

	if ((ps = calloc(NODE_CONTROL_BATCH, sizeof(*ps))) == NULL) {
		log_warnx("control: out of memory");
		return;
	}
	for (budget = 0; budget < NODE_CONTROL_BATCH; budget++) {
		zmq_msg_init(&rid);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&rid, n->control, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&rid);
			zmq_msg_close(&body);
			break;
		}
		ok = zmq_msg_more(&rid) && zmq_msg_recv(&body, n->control,
		    0) >= 0;
		if (ok)
			link_drain(n->control, &body);
		if (ok)
			control_one(n, &rid, &body, ps, &np);
		zmq_msg_close(&rid);
		zmq_msg_close(&body);
	}
	do_appends(n, ps, np);
	pending_free(ps, np);
	free(ps);
}
