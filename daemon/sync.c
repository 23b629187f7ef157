/*
 * sync.c: the sync protocol of DESIGN.md ("Sync"; docs/sync.md).
 *
 * Each node pulls.  It learns what a peer holds from the peer's version
 * vector (HELLO, in both directions on connect and every sync interval)
 * and from NOTIFY (new heads, sent after each commit), and asks for what
 * it lacks with WANT over its own dealer; the peer answers on its router
 * with EVENTS.  Per author, one WANT is outstanding at a time, from one
 * peer; the next is sent as soon as the answer arrives (before it is
 * verified), so verification and transfer overlap.  Nodes serve every
 * author's events, not only their own, so a federation whose members
 * cannot all reach each other still converges.
 *
 * Nothing a peer sends is trusted: a message is decoded strictly
 * (msg_decode) and attributed by its User-Id (router) or by the dealer it
 * came on (pinned to the peer's CURVE key); events are decoded and
 * verified by ingest.c before the store sees them.  A bad message is
 * logged (rate-limited per peer) and dropped; the link stays up.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zmq.h>

#include "ingest.h"
#include "node.h"


static void complain(struct node *n, const uint8_t *key, const char *who,
    int rc, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A peer sent something we drop: log why, at most once per log_interval. */
static void
complain(struct node *n, const uint8_t *key, const char *who, int rc,
    const char *fmt, ...)
{
	static const uint8_t zero[32];
	uint64_t supp;
	char line[256];
	va_list ap;

	n->dropped++;
	if (!log_ratelimit(&n->peer_rl, key != NULL ? key : zero,
	    node_mono_ms(), n->cfg->log_ms, &supp))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_warnx("peer %s: %s%s%s (dropped; %llu similar lines suppressed)",
	    who, line, rc != 0 ? ": " : "", rc != 0 ? i40_strerror(rc) : "",
	    (unsigned long long)supp);
}

static int
send_msg(struct node *n, void *sock, const void *rid, size_t ridlen,
    const struct msg *m)
{
	size_t len;
	int rc;

	if ((rc = msg_encode(m, n->sbuf, MSG_MAX_BYTES, &len, NULL)) != 0) {
		log_warn(rc, "cannot encode a %s message",
		    msg_type_name((uint32_t)m->type));
		return rc;
	}
	return link_send(sock, rid, ridlen, n->sbuf, len);
}

/* This node's version vector: every author with a stored event. */
static void
my_vector(struct node *n, struct msg_heads *v)
{
	size_t i;

	uint64_t seq;

	v->nheads = 0;
	for (i = 0; i < n->nauthors && v->nheads < MSG_MAX_HEADS; i++) {
		sync_announced(&n->authors[i], &seq, v->heads[v->nheads].id);
		if (seq == 0)
			continue;
		memcpy(v->heads[v->nheads].author, n->authors[i].key, 32);
		v->heads[v->nheads].seq = seq;
		v->nheads++;
	}
}

/*
 * The head of a that we announce: the stored head, or for a frozen log
 * its freeze point, so that nodes on either side of a fork announce the
 * same head once they agree, and a different one until they do.
 */
void
sync_announced(const struct author *a, uint64_t *seq, uint8_t id[32])
{
	if (a->last < a->seq) {
		*seq = a->last;
		memcpy(id, a->last_id, 32);
	} else {
		*seq = a->seq;
		memcpy(id, a->id, 32);
	}
}

struct msg *
sync_out(struct node *n, uint64_t type)
{
	struct msg *m = n->out;

	memset(m, 0, sizeof(m->type));
	m->type = type;
	return m;
}

void
sync_hello(struct node *n, struct peer *p)
{
	struct msg *m;

	if (p->dealer == NULL || p->state != PEER_UP)
		return;
	m = sync_out(n, MSG_HELLO);
	memcpy(m->u.hello.fed_id, store_fed_id(n->st), EV_FED_ID_BYTES);
	m->u.hello.version = MSG_PROTOCOL_VERSION;
	my_vector(n, &m->u.hello.v);
	if (send_msg(n, p->dealer, NULL, 0, m) != 0)
		log_debug("peer %s: HELLO not sent (queue full)", p->schac);
}

void
sync_hello_all(struct node *n)
{
	size_t i;

	for (i = 0; i < n->npeers; i++)
		sync_hello(n, n->peers[i]);
}

/* Forget p's outstanding WANTs, so other peers may serve those authors. */
void
sync_peer_reset(struct node *n, struct peer *p)
{
	size_t i;

	for (i = 0; i < n->nauthors; i++)
		if (n->authors[i].want_from == p)
			n->authors[i].want_from = NULL;
	p->nwants = 0;
	/* A new session gets our evidence again (evidence.c). */
	for (i = 0; i < p->nvec; i++)
		p->vec[i].fork_sent_ms = 0;
}

struct peer_head *
sync_peer_head(struct peer *p, const uint8_t author[32])
{
	struct peer_head *grown;
	size_t lo = 0, hi = p->nvec, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = memcmp(p->vec[mid].author, author, 32);
		if (c == 0)
			return &p->vec[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (p->nvec == p->capvec) {
		size_t cap = p->capvec ? 2 * p->capvec : 16;

		if (cap > NODE_MAX_AUTHORS || (grown = realloc(p->vec,
		    cap * sizeof(*grown))) == NULL)
			return NULL;
		p->vec = grown;
		p->capvec = cap;
	}
	memmove(&p->vec[lo + 1], &p->vec[lo], (p->nvec - lo) * sizeof(*p->vec));
	memset(&p->vec[lo], 0, sizeof(p->vec[lo]));
	memcpy(p->vec[lo].author, author, 32);
	p->nvec++;
	return &p->vec[lo];
}

static void
vec_set(struct peer *p, const uint8_t author[32], uint64_t seq,
    const uint8_t *id, int replace)
{
	struct peer_head *h = sync_peer_head(p, author);

	if (h == NULL || (!replace && seq <= h->seq))
		return;
	h->seq = seq;
	if (id != NULL)
		memcpy(h->id, id, 32);
	else
		memset(h->id, 0, 32);
}

static void
take_vector(struct peer *p, const struct msg_heads *v, int replace)
{
	uint32_t i;

	for (i = 0; i < v->nheads; i++)
		vec_set(p, v->heads[i].author, v->heads[i].seq,
		    v->heads[i].id, replace);
}

/* A vector from p (HELLO or NOTIFY): what it says about forks and us. */
static void
after_vector(struct node *n, struct peer *p, const struct msg_heads *v,
    int full)
{
	guard_vector(n, p, v, full);
	evid_vector(n, p, v);
	guard_check(n);
	node_progress(n);
}

/*
 * A HELLO from p, on either socket (rid: the router's routing id; NULL:
 * p's dealer): its vector replaces what we knew.  One of another
 * federation or protocol version is answered on the same socket with
 * ERROR and otherwise ignored (docs/sync.md).  Only members get here (ZAP
 * refuses anyone else first); each gets one ERROR per HELLO, smaller than
 * the HELLO and never answered in turn, so there is nothing to amplify
 * and no loop, and complain() rate-limits the log lines.
 */
static int
take_hello(struct node *n, struct peer *p, const zmq_msg_t *rid,
    const struct msg_hello *h)
{
	struct msg *m;
	char text[96];
	int code = I40_E_FED_ID, rc;

	if (memcmp(h->fed_id, store_fed_id(n->st), EV_FED_ID_BYTES) != 0) {
		snprintf(text, sizeof(text), "HELLO of another federation: "
		    "compare the genesis files");
	} else if (h->version != MSG_PROTOCOL_VERSION) {
		code = I40_E_VERSION;
		snprintf(text, sizeof(text), "HELLO of protocol version %llu; "
		    "this node speaks %u", (unsigned long long)h->version,
		    MSG_PROTOCOL_VERSION);
	} else {
		take_vector(p, &h->v, 1);
		p->heard = 1;
		after_vector(n, p, &h->v, 1);
		return 0;
	}
	complain(n, p->key, p->schac, code, "%s", text);
	m = sync_out(n, MSG_ERROR);
	m->u.error.code = code;
	m->u.error.text.p = (const uint8_t *)text;
	m->u.error.text.len = strlen(text);
	rc = rid != NULL ? send_msg(n, n->router, zmq_msg_data((zmq_msg_t *)rid),
	    zmq_msg_size((zmq_msg_t *)rid), m) : p->dealer != NULL ?
	    send_msg(n, p->dealer, NULL, 0, m) : 0;
	if (rc != 0)
		log_debug("peer %s: ERROR for its HELLO not sent", p->schac);
	return code;
}

/* An ERROR that answers our HELLO (take_hello) answers no WANT. */
static int
hello_refused(struct node *n, struct peer *p, const struct msg_error *e)
{
	if (e->code != I40_E_FED_ID && e->code != I40_E_VERSION)
		return 0;
	complain(n, p->key, p->schac, (int)e->code, "refuses our HELLO: %.*s",
	    (int)(e->text.len < 120 ? e->text.len : 120),
	    e->text.len > 0 ? (const char *)e->text.p : "-");
	return 1;
}

/* Events of author from `from`, at most count, for a WANT. */
struct serve {
	struct msg_events *ev;
	uint8_t *buf;
	size_t used;
};

static int
serve_one(void *arg, const uint8_t *bytes, size_t len)
{
	struct serve *s = arg;

	if (s->ev->nev > 0 && s->used + len > NODE_BATCH_BYTES)
		return 1;
	memcpy(s->buf + s->used, bytes, len);
	s->ev->ev[s->ev->nev].p = s->buf + s->used;
	s->ev->ev[s->ev->nev].len = len;
	s->ev->nev++;
	s->used += len;
	return s->ev->nev == MSG_MAX_EVENTS ? 1 : 0;
}

static void
serve_want(struct node *n, struct peer *p, const zmq_msg_t *rid,
    const struct msg_want *w)
{
	struct serve s;
	struct msg *m = sync_out(n, MSG_EVENTS);
	int rc;

	s.ev = &m->u.events;
	s.ev->nev = 0;
	s.buf = n->wbuf;
	s.used = 0;
	rc = store_walk(n->st, w->author, w->from, w->from + w->count - 1,
	    serve_one, &s);
	if (rc < 0 || s.ev->nev == 0) {
		m = sync_out(n, MSG_ERROR);
		m->u.error.code = rc < 0 ? rc : I40_E_NOT_FOUND;
		m->u.error.text.p = (const uint8_t *)"no such events";
		m->u.error.text.len = 14;
	}
	if ((rc = send_msg(n, n->router, zmq_msg_data((zmq_msg_t *)rid),
	    zmq_msg_size((zmq_msg_t *)rid), m)) != 0)
		log_debug("peer %s: answer to WANT not sent: %s", p->schac,
		    i40_strerror(rc));
}

/* The 64 lowercase hex digits of a User-Id, as zap.c writes them. */
static int
parse_hex_key(const char *s, uint8_t key[32])
{
	size_t len;

	if (s == NULL || strlen(s) != 64 || sodium_hex2bin(key, 32, s, 64,
	    NULL, &len, NULL) != 0 || len != 32)
		return I40_E_VALUE;
	return 0;
}

/* Decode p's message into n->m; a bad one is logged and dropped. */
static int
decode_from(struct node *n, struct peer *p, zmq_msg_t *body)
{
	struct codec_err err;
	int rc;

	p->last_ms = node_now_ms();
	if ((rc = msg_decode(zmq_msg_data(body), zmq_msg_size(body), n->m,
	    &err)) != 0)
		complain(n, p->key, p->schac, rc,
		    "malformed message (field %s)",
		    err.field[0] ? err.field : "-");
	return rc;
}

/* Receive [routing id, body]; 0 when there was nothing. */
static int
recv_routed(void *sock, zmq_msg_t *rid, zmq_msg_t *body)
{
	zmq_msg_init(rid);
	zmq_msg_init(body);
	if (zmq_msg_recv(rid, sock, ZMQ_DONTWAIT) < 0)
		return 0;
	if (!zmq_msg_more(rid) || zmq_msg_recv(body, sock, 0) < 0)
		return -1;
	/* Our messages are one frame; drop any further ones. */
	link_drain(sock, body);
	return 1;
}

static void
router_one(struct node *n, zmq_msg_t *rid, zmq_msg_t *body)
{
	const char *uid = zmq_msg_gets(body, "User-Id");
	struct peer *p;
	struct msg *m = n->m;
	struct msg *r;
	uint8_t key[32];
	int rc;

	/*
	 * ZAP admitted the key at the handshake; the membership may have
	 * changed since, and a fail-open ZAP must not let anyone in.  A
	 * removed peer's session is served until its links close, so that
	 * it can fetch its removal (node.c, NODE_LEAVE_MS).
	 */
	if (parse_hex_key(uid, key) != 0 || (p = node_peer(n, key)) == NULL ||
	    (!node_is_member(n, key) && p->leaving_ms == 0)) {
		complain(n, NULL, "unknown", I40_E_PEER,
		    "message from a key that is "
		    "no current member's");
		return;
	}
	guard_session(n, p, rid, body);
	conn_note(p, body);
	if (decode_from(n, p, body) != 0)
		return;
	switch (m->type) {
	case MSG_HELLO:
		if (take_hello(n, p, rid, &m->u.hello) != 0)
			return;
		/*
		 * A peer that dials us holds us for a member, so its ZAP
		 * takes our key now: a node just admitted need not wait out
		 * the backoff of its refused dials (up to 5 min).
		 */
		if (p->state == PEER_REFUSED && p->dial &&
		    p->retry_ms > node_mono_ms()) {
			log_info("peer %s (%s) dials this node: dialing it "
			    "again now", p->schac, p->hex);
			p->retry_ms = 0;
			p->backoff_ms = 0;
		}
		r = sync_out(n, MSG_HELLO);
		memcpy(r->u.hello.fed_id, store_fed_id(n->st), 32);
		r->u.hello.version = MSG_PROTOCOL_VERSION;
		my_vector(n, &r->u.hello.v);
		if (send_msg(n, n->router, zmq_msg_data(rid),
		    zmq_msg_size(rid), r) != 0)
			log_debug("peer %s: HELLO reply not sent", p->schac);
		sync_pump(n);
		break;
	case MSG_WANT:
		serve_want(n, p, rid, &m->u.want);
		break;
	case MSG_NOTIFY:
		take_vector(p, &m->u.notify, 0);
		after_vector(n, p, &m->u.notify, 0);
		sync_pump(n);
		break;
	case MSG_FORK:
		/*
		 * Back-pressure, not misbehaviour: a peer sends its evidence
		 * again while our vectors differ (evidence.c), so a FORK
		 * dropped while ingest is busy costs no warn line.
		 */
		if ((rc = ingest_submit(n->ing, body, m, p, NULL)) != 0) {
			n->dropped++;
			log_debug("peer %s: FORK dropped while ingest is "
			    "full: %s", p->schac, i40_strerror(rc));
		}
		break;
	case MSG_ERROR:
		if (!hello_refused(n, p, &m->u.error))
			log_debug("peer %s: ERROR %lld", p->schac,
			    (long long)m->u.error.code);
		break;
	default:
		complain(n, p->key, p->schac, 0,
		    "unexpected %s message on the router",
		    msg_type_name((uint32_t)m->type));
		break;
	}
}

void
sync_router_read(struct node *n)
{
	zmq_msg_t rid, body;
	int budget, got;

	for (budget = 0; budget < NODE_RECV_BUDGET; budget++) {
		got = recv_routed(n->router, &rid, &body);
		if (got > 0)
			router_one(n, &rid, &body);
		zmq_msg_close(&rid);
		zmq_msg_close(&body);
		if (got == 0)
			return;
	}
}

/* The answer to p's oldest WANT arrived: the author may be asked again. */
static int
pop_want(struct node *n, struct peer *p, struct want *w)
{
	struct author *a;

	if (p->nwants == 0)
		return 0;
	*w = p->wants[0];
	memmove(&p->wants[0], &p->wants[1], (p->nwants - 1) * sizeof(*w));
	p->nwants--;
	if ((a = node_author(n, w->author)) != NULL && a->want_from == p)
		a->want_from = NULL;
	return 1;
}

static void
dealer_one(struct node *n, struct peer *p, zmq_msg_t *body)
{
	struct msg *m = n->m;
	struct author *a;
	struct want w;
	int rc;

	if (decode_from(n, p, body) != 0)
		return;
	switch (m->type) {
	case MSG_HELLO:
		if (take_hello(n, p, NULL, &m->u.hello) == 0)
			sync_pump(n);
		break;
	case MSG_EVENTS:
		if (!pop_want(n, p, &w)) {
			complain(n, p->key, p->schac, 0,
			    "EVENTS nobody asked for");
			return;
		}
		/* A peer may send fewer than asked (its batch is bounded). */
		if (m->u.events.nev < w.count)
			w.count = m->u.events.nev;
		/*
		 * Queued for ingest, they are asked for no more; dropped, they
		 * may be asked for again at once (pending would otherwise
		 * stand above the head with no job to bring it down).
		 */
		if ((rc = ingest_submit(n->ing, body, m, p, &w)) != 0)
			log_warn(rc, "ingest: events from %s dropped",
			    p->schac);
		else if ((a = node_author(n, w.author)) != NULL &&
		    w.from + w.count - 1 > a->pending)
			a->pending = w.from + w.count - 1;
		sync_pump(n);
		break;
	case MSG_ERROR:
		if (hello_refused(n, p, &m->u.error))
			break;
		/* Not an answer: the peer sees our key twice (guard.c). */
		if (m->u.error.code == I40_E_TWIN) {
			guard_stop(n, "peer %s (%s) sees two sessions with this "
			    "node's key at once: another copy of this node runs "
			    "with the same key", p->schac, p->hex);
			break;
		}
		/*
		 * It does not hold what it announced (or will not give it):
		 * believe the answer, not the announcement, or we would ask
		 * again at once, forever.
		 */
		if (pop_want(n, p, &w)) {
			log_debug("peer %s: no events for a WANT: %s",
			    p->schac, i40_strerror((int)m->u.error.code));
			if (w.kind == WANT_NEXT)
				vec_set(p, w.author, w.from - 1, NULL, 1);
			else if (w.kind == WANT_REORG)
				evid_reorg_error(n, p, &w);
		}
		sync_pump(n);
		break;
	default:
		complain(n, p->key, p->schac, 0,
		    "unexpected %s message on a dealer",
		    msg_type_name((uint32_t)m->type));
		break;
	}
}

void
sync_dealer_read(struct node *n, struct peer *p)
{
	zmq_msg_t body;
	int budget;

	for (budget = 0; budget < NODE_RECV_BUDGET && p->dealer != NULL;
	    budget++) {
		zmq_msg_init(&body);
		if (zmq_msg_recv(&body, p->dealer, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&body);
			return;
		}
		link_drain(p->dealer, &body);
		dealer_one(n, p, &body);
		zmq_msg_close(&body);
	}
}

int
sync_want(struct node *n, struct peer *p, struct author *a, uint64_t from,
    uint64_t count, enum want_kind kind)
{
	struct msg *m = sync_out(n, MSG_WANT);
	struct want *w;
	int rc;

	if (p->dealer == NULL || p->state != PEER_UP ||
	    p->nwants == NODE_WANT_INFLIGHT || a->want_from != NULL)
		return I40_E_BUFFER;
	memcpy(m->u.want.author, a->key, 32);
	m->u.want.from = from;
	m->u.want.count = count;
	if ((rc = send_msg(n, p->dealer, NULL, 0, m)) != 0)
		return rc;
	w = &p->wants[p->nwants++];
	memcpy(w->author, a->key, 32);
	w->from = from;
	w->count = count;
	w->sent_ms = node_mono_ms();
	w->kind = kind;
	a->want_from = p;
	return 0;
}

int
sync_send(struct node *n, struct peer *p, const struct msg *m)
{
	if (p->dealer == NULL || p->state != PEER_UP)
		return I40_E_BUFFER;
	return send_msg(n, p->dealer, NULL, 0, m);
}

/*
 * Ask peers for what they have and we lack, within the bounds: one WANT
 * per author at a time, NODE_WANT_INFLIGHT per peer, and no more than
 * ingest can hold.  Peers are tried from a rotating start so that the
 * load spreads.
 */
void
sync_pump(struct node *n)
{
	size_t start = n->pump_start++;
	struct peer *p;
	struct author *a;
	uint64_t next, count, top, now = node_mono_ms();
	size_t i, k;

	evid_reorg(n);
	for (k = 0; k < n->npeers; k++) {
		p = n->peers[(start + k) % n->npeers];
		if (p->dealer == NULL || p->state != PEER_UP || !p->heard)
			continue;
		for (i = 0; i < p->nvec; i++) {
			if (p->nwants == NODE_WANT_INFLIGHT ||
			    ingest_live(n->ing) + 2 > INGEST_MAX_JOBS)
				break;
			if ((a = node_author(n, p->vec[i].author)) == NULL ||
			    a->want_from != NULL || now < p->vec[i].quiet_until)
				continue;
			next = (a->pending > a->seq ? a->pending : a->seq) + 1;
			/* Nothing past what the store takes of a frozen log. */
			top = p->vec[i].seq < a->limit ? p->vec[i].seq :
			    a->limit;
			if (top < next)
				continue;
			count = top - next + 1;
			if (count > MSG_MAX_EVENTS)
				count = MSG_MAX_EVENTS;
			if (sync_want(n, p, a, next, count, WANT_NEXT) != 0)
				break;
		}
	}
}

/* Before each poll: announce the heads that commits moved. */
void
sync_notify(struct node *n)
{
	struct msg *m;
	size_t i;

	if (!n->dirty)
		return;
	n->dirty = 0;
	m = sync_out(n, MSG_NOTIFY);
	m->u.notify.nheads = 0;
	for (i = 0; i < n->nauthors; i++) {
		struct msg_head *h = &m->u.notify.heads[m->u.notify.nheads];

		if (!n->authors[i].moved)
			continue;
		n->authors[i].moved = 0;
		if (m->u.notify.nheads == MSG_MAX_HEADS)
			continue;
		sync_announced(&n->authors[i], &h->seq, h->id);
		if (h->seq == 0)
			continue;
		memcpy(h->author, n->authors[i].key, 32);
		m->u.notify.nheads++;
	}
	if (m->u.notify.nheads == 0)
		return;
	for (i = 0; i < n->npeers; i++)
		if (n->peers[i]->dealer != NULL &&
		    n->peers[i]->state == PEER_UP &&
		    send_msg(n, n->peers[i]->dealer, NULL, 0, m) != 0)
			log_debug("peer %s: NOTIFY not sent (queue full; the "
			    "next HELLO repairs it)", n->peers[i]->schac);
}

/*
 * After answers that brought nothing new (refused, or all known), leave
 * that peer alone for that author for a while, doubling: a peer that
 * keeps offering what we refuse must not make us ask it again and again.
 */
static void
quieten(struct peer *p, const uint8_t author[32], int progress)
{
	struct peer_head *h = sync_peer_head(p, author);

	if (h == NULL)
		return;
	if (progress) {
		h->backoff_ms = 0;
		h->quiet_until = 0;
		return;
	}
	h->backoff_ms = h->backoff_ms == 0 ? 1000 : 2 * h->backoff_ms;
	if (h->backoff_ms > 60000)
		h->backoff_ms = 60000;
	h->quiet_until = node_mono_ms() + h->backoff_ms;
}

void
sync_committed(struct node *n, struct peer *p, const struct store_item *items,
    const struct store_outcome *out, size_t cnt, const struct want *w)
{
	struct author *a;
	size_t i, stored = 0, refused = 0;
	int chain = 0;

	for (i = 0; i < cnt; i++) {
		switch (out[i].result) {
		case STORE_STORED:
			n->stored++;
			stored++;
			if (memcmp(items[i].ev.h.author, n->self, 32) != 0 &&
			    items[i].ev.h.type != BODY_CHECKPOINT &&
			    n->content_ms == 0)
				n->content_ms = node_mono_ms();
			break;
		case STORE_FORK:
			evid_stored(n, &items[i]);
			stored++;
			break;
		case STORE_INVALID:
			refused++;
			if (out[i].code == I40_E_CHAIN && p != NULL && !chain) {
				chain = 1;
				evid_chain(n, p, w, &items[i]);
			}
			break;
		case STORE_GAP:
			refused++;
			break;
		default:
			break;
		}
	}
	if (p != NULL && w != NULL && w->kind == WANT_NEXT)
		quieten(p, w->author, stored > 0 || refused == 0);
	web_count_items(&n->metrics, items, out, cnt);
	if (stored > 0)
		web_touch(n->web);
	if (cnt > 0) {
		n->roots_valid = 0;
		/* Heads, freeze points, settled seqs and members, again: the
		 * test below needs the head this commit made. */
		if (node_refresh(n) != 0)
			log_warnx("the store's heads could not be re-read; "
			    "restart the node");
	}
	/*
	 * Some of what w asked for was not stored (refused, or lost with a
	 * failed batch): ask again from the head, rather than wait until
	 * ingest is idle.
	 */
	if (w != NULL && (a = node_author(n, w->author)) != NULL &&
	    a->seq < w->from + w->count - 1 && a->pending > a->seq)
		a->pending = a->seq;
	if (ingest_live(n->ing) == 0)
		for (i = 0; i < n->nauthors; i++)
			n->authors[i].pending = 0;
	guard_check(n);
	sync_pump(n);
	node_progress(n);
}

uint64_t
sync_behind(struct node *n, const struct peer *p)
{
	const struct author *a;
	uint64_t sum = 0;
	size_t i;

	uint64_t top;

	for (i = 0; i < p->nvec; i++) {
		a = node_author(n, p->vec[i].author);
		if (a == NULL)
			continue;
		/* What it has past our head, of what we would take. */
		top = p->vec[i].seq < a->limit ? p->vec[i].seq : a->limit;
		if (top > a->seq)
			sum += top - a->seq;
	}
	return sum;
}

/* p's head for author, or NULL: a lookup that adds nothing. */
const struct peer_head *
sync_peer_head_find(const struct peer *p, const uint8_t author[32])
{
	size_t lo = 0, hi = p->nvec, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = memcmp(p->vec[mid].author, author, 32)) == 0)
			return &p->vec[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint64_t
sync_ahead(struct node *n, const struct peer *p)
{
	const struct peer_head *h;
	uint64_t sum = 0, seq;
	uint8_t id[32];
	size_t i;

	if (!p->heard)
		return 0;
	for (i = 0; i < n->nauthors; i++) {
		/* What we would serve it: up to what we announce. */
		sync_announced(&n->authors[i], &seq, id);
		h = sync_peer_head_find(p, n->authors[i].key);
		if (h == NULL)
			sum += seq;
		else if (seq > h->seq)
			sum += seq - h->seq;
	}
	return sum;
}

/* Every 100 ms: WANTs that went unanswered are given up. */
void
sync_tick(struct node *n)
{
	uint64_t now = node_mono_ms();
	size_t i;

	for (i = 0; i < n->npeers; i++) {
		struct peer *p = n->peers[i];

		if (p->nwants > 0 &&
		    now - p->wants[0].sent_ms > NODE_WANT_TIMEOUT_MS) {
			log_info("peer %s: no answer to %zu requests in %d s; "
			    "asking again", p->schac, p->nwants,
			    NODE_WANT_TIMEOUT_MS / 1000);
			sync_peer_reset(n, p);
		}
	}
	sync_pump(n);
}
