/*
 * guard.c: when this node may sign (docs/sync.md, "Signing").
 *
 * A node must never sign two events at one seq.  So it signs only once a
 * majority of the members have shown, in their vectors since it started,
 * that they hold no more of its log than it does, no checkpoint names
 * more of it, and a sync interval has passed (time for a peer to see a
 * second copy of this node, below).  It stops signing for good when it
 * learns that its key signed what it did not: a peer holds more of its
 * log, or another event at a seq it used, or evidence of its own fork
 * arrives, or a peer sees two sessions with its key at once.  The stop is
 * written to DATADIR/stopped, so that a restart does not undo it: only
 * the operator does, after making sure no other copy runs
 * (docs/operations.md, "Forks").
 *
 * It also signs the node's checkpoints: at most one per checkpoint
 * interval, and only after other authors' events arrived.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "node.h"

#define STOP_FILE "stopped"
#define TWIN_LOG_MS 60000
/* A session's old routing id heard this long after the new one: twins. */
#define TWIN_GRACE_MS 1000

static int
stop_path(const struct node *n, char *out, size_t cap)
{
	return snprintf(out, cap, "%s/%s", n->cfg->datadir, STOP_FILE) <
	    (int)cap ? 0 : -ENAMETOOLONG;
}

static void
write_stop(struct node *n)
{
	char path[4096];
	size_t len = strlen(n->stop_reason);
	int fd;

	if (stop_path(n, path, sizeof(path)) != 0)
		return;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0) {
		log_warn(-errno, "cannot write %s; the stop holds until the "
		    "node restarts only", path);
		return;
	}
	if (write(fd, n->stop_reason, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) != 0)
		log_warn(-errno, "cannot write %s", path);
	close(fd);
}

void
guard_stop(struct node *n, const char *fmt, ...)
{
	va_list ap;

	if (n->stopped)
		return;
	va_start(ap, fmt);
	vsnprintf(n->stop_reason, sizeof(n->stop_reason), fmt, ap);
	va_end(ap);
	n->stopped = 1;
	n->ready = 0;
	write_stop(n);
	log_error("this node stops signing: %s.  Writes are refused; make sure "
	    "no other copy of this node runs, then see docs/operations.md, "
	    "\"Forks\"", n->stop_reason);
}

int
guard_start(struct node *n)
{
	struct author *me = node_author(n, n->self);
	char path[4096];
	ssize_t len;
	int fd, rc;

	/*
	 * One checkpoint an interval after start-up, whatever arrived: a
	 * node that cannot hear a majority (the end of a line) confirms its
	 * head by the others' checkpoints (guard_check).
	 */
	n->checkpoint_ms = node_mono_ms();
	n->content_ms = n->checkpoint_ms;
	snprintf(n->wait_reason, sizeof(n->wait_reason), "starting: the "
	    "members have not yet confirmed this node's head");
	if ((rc = stop_path(n, path, sizeof(path))) != 0)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
		len = read(fd, n->stop_reason, sizeof(n->stop_reason) - 1);
		close(fd);
		n->stop_reason[len > 0 ? len : 0] = '\0';
		n->stop_reason[strcspn(n->stop_reason, "\n")] = '\0';
		n->stopped = 1;
		log_error("this node does not sign: %s (from %s).  Make sure no "
		    "other copy of this node runs, then remove that file and "
		    "restart (docs/operations.md, \"Forks\")", n->stop_reason,
		    path);
	} else if (errno != ENOENT) {
		return -errno;
	}
	if (me != NULL && me->frozen != 0)
		guard_stop(n, "its own log is frozen: this key signed two "
		    "events at seq %llu; its events count up to seq %llu",
		    (unsigned long long)me->frozen,
		    (unsigned long long)me->last);
	return 0;
}

/* The id of our own event at seq (a store read below the head). */
static int
own_id(struct node *n, uint64_t seq, uint8_t id[32])
{
	struct store_event e;
	struct ev_signed ev;
	int rc;

	if ((rc = store_get(n->st, n->self, seq, &e)) != 0)
		return rc;
	rc = ev_decode(e.bytes, e.len, store_fed_id(n->st), &ev, NULL, NULL);
	if (rc == 0)
		memcpy(id, ev.id, 32);
	free(e.bytes);
	return rc;
}

void
guard_vector(struct node *n, struct peer *p, const struct msg_heads *v,
    int full)
{
	struct author *me = node_author(n, n->self);
	const struct msg_head *h = NULL;
	uint64_t mine = me != NULL ? me->seq : 0;
	uint8_t id[32];
	uint32_t i;

	for (i = 0; i < v->nheads; i++)
		if (memcmp(v->heads[i].author, n->self, 32) == 0)
			h = &v->heads[i];
	/* A whole vector without our log: it holds none of it. */
	if (h == NULL || h->seq == 0) {
		if (full)
			p->confirmed = 1;
		return;
	}
	if (h->seq > mine) {
		p->confirmed = 0;
		/* Not yet signing: a restore; its events are fetched back. */
		if (n->ready)
			guard_stop(n, "peer %s (%s) holds this node's log up "
			    "to seq %llu, but this node signed only up to %llu: "
			    "another node signs with this key", p->schac,
			    p->hex, (unsigned long long)h->seq,
			    (unsigned long long)mine);
		return;
	}
	if (h->seq == mine)
		memcpy(id, me->id, 32);
	else if (own_id(n, h->seq, id) != 0)
		return;
	if (memcmp(id, h->id, 32) != 0) {
		p->confirmed = 0;
		guard_stop(n, "peer %s (%s) holds another event of this node's "
		    "log at seq %llu than this node signed: this key signed "
		    "twice", p->schac, p->hex, (unsigned long long)h->seq);
		return;
	}
	p->confirmed = 1;
}

/*
 * A member we have not heard since start-up (down, or out of reach in a
 * line of nodes) confirms our head by its last checkpoint, if that names
 * exactly our head: docs/sync.md says what this leaves open.
 */
static int
by_checkpoint(struct node *n, const struct peer *p, uint64_t mine,
    const struct author *me)
{
	const struct author *pa = node_author(n, p->key);
	uint8_t id[32];
	uint64_t named;

	if (p->heard || store_vote(n->st, p->key, n->self, &named, id) != 0)
		return 0;
	/* A node that signed nothing yet: any checkpoint of that member's. */
	if (mine == 0)
		return named == 0 && pa != NULL && pa->seq > 0;
	return me != NULL && named == mine && memcmp(id, me->id, 32) == 0;
}

void
guard_check(struct node *n)
{
	struct author *me;
	uint64_t mine, named = 0;
	size_t i, nm = 1, conf = 0, need;

	if (n->ready || n->stopped)
		return;
	me = node_author(n, n->self);
	mine = me != NULL ? me->seq : 0;
	for (i = 0; i < n->nmembers; i++)
		nm += n->members[i].active && !n->members[i].observer &&
		    memcmp(n->members[i].key, n->self, 32) != 0;
	/* Alone in the federation, nobody else can hold our log. */
	if (nm <= 1) {
		n->ready = 1;
		return;
	}
	/* A majority of the members, this one among them. */
	need = nm / 2;
	for (i = 0; i < n->npeers; i++) {
		struct peer *p = n->peers[i];
		uint64_t theirs = 0;
		size_t j;

		for (j = 0; j < p->nvec; j++)
			if (memcmp(p->vec[j].author, n->self, 32) == 0)
				theirs = p->vec[j].seq;
		if (theirs > mine) {
			snprintf(n->wait_reason, sizeof(n->wait_reason),
			    "peer %s holds this node's log up to seq %llu and "
			    "this node up to %llu: fetching it back first",
			    p->schac, (unsigned long long)theirs,
			    (unsigned long long)mine);
			return;
		}
		if (p->observer || !node_is_member(n, p->key))
			continue;
		conf += p->confirmed || by_checkpoint(n, p, mine, me);
	}
	if (store_named(n->st, n->self, &named) == 0 && named > mine) {
		snprintf(n->wait_reason, sizeof(n->wait_reason), "a member's "
		    "checkpoint names this node's log up to seq %llu and this "
		    "node holds it up to %llu: fetching it back first",
		    (unsigned long long)named, (unsigned long long)mine);
		return;
	}
	if (conf < need) {
		snprintf(n->wait_reason, sizeof(n->wait_reason), "%zu of the "
		    "%zu other members have confirmed this node's head (seq "
		    "%llu); %zu are needed for a majority of the %zu members: "
		    "waiting for more peers", conf, nm - 1,
		    (unsigned long long)mine, need, nm);
		return;
	}
	/*
	 * Give a peer time to see a second copy of this node first: the
	 * other copy speaks within a sync interval, and it counts as a
	 * second session TWIN_GRACE_MS after ours appeared.
	 */
	if (node_mono_ms() - n->started_ms < 2 * (uint64_t)n->cfg->sync_ms +
	    TWIN_GRACE_MS) {
		snprintf(n->wait_reason, sizeof(n->wait_reason), "confirmed; "
		    "signing starts two sync intervals after start-up");
		return;
	}
	n->ready = 1;
	log_info("own log confirmed at seq %llu by %zu of the %zu other "
	    "members: this node signs from now on", (unsigned long long)mine,
	    conf, nm - 1);
}

static void
session_set(struct session *s, zmq_msg_t *rid, zmq_msg_t *body,
    uint64_t now)
{
	const char *addr = zmq_msg_gets(body, "Peer-Address");

	s->len = zmq_msg_size(rid) < sizeof(s->rid) ? zmq_msg_size(rid) :
	    sizeof(s->rid);
	memcpy(s->rid, zmq_msg_data(rid), s->len);
	snprintf(s->addr, sizeof(s->addr), "%s", addr != NULL ? addr : "?");
	s->since_ms = now;
}

static int
session_is(const struct session *s, zmq_msg_t *rid)
{
	return s->len != 0 && s->len == zmq_msg_size(rid) &&
	    memcmp(s->rid, zmq_msg_data(rid), s->len) == 0;
}

/* Tell the session at s that its key is in use twice. */
static void
tell_twin(struct node *n, const struct session *s)
{
	struct msg *m = sync_out(n, MSG_ERROR);
	static const char text[] = "two sessions with your key at once: "
	    "another copy of your node runs";
	size_t len;

	m->u.error.code = I40_E_TWIN;
	m->u.error.text.p = (const uint8_t *)text;
	m->u.error.text.len = sizeof(text) - 1;
	if (msg_encode(m, n->sbuf, MSG_MAX_BYTES, &len, NULL) == 0 &&
	    link_send(n->router, s->rid, s->len, n->sbuf, len) != 0)
		log_debug("could not tell a session of its twin (gone?)");
}

/*
 * A peer's sessions: a reconnect replaces the routing id once and the
 * old one falls silent.  An old routing id that still speaks a while
 * after a new one appeared is a second live session with the same key:
 * two copies of one node.  Both are told (ERROR I40_E_TWIN) before either
 * signs twice, if they had not begun to sign yet (guard_check waits).
 */
void
guard_session(struct node *n, struct peer *p, zmq_msg_t *rid,
    zmq_msg_t *body)
{
	uint64_t now = node_mono_ms();

	if (session_is(&p->cur, rid))
		return;
	if (session_is(&p->old, rid)) {
		if (now - p->cur.since_ms < TWIN_GRACE_MS)
			return;		/* queued before the reconnect */
		if (p->twin_logged_ms == 0 ||
		    now - p->twin_logged_ms >= TWIN_LOG_MS) {
			p->twin_logged_ms = now;
			log_error("peer %s (%s): two sessions with its key at "
			    "once, from %s and %s: two copies of that node "
			    "run; both are told to stop signing", p->schac,
			    p->hex, p->old.addr, p->cur.addr);
		}
		tell_twin(n, &p->old);
		tell_twin(n, &p->cur);
		return;
	}
	p->old = p->cur;
	session_set(&p->cur, rid, body, now);
}

void
guard_checkpoint(struct node *n)
{
	struct body *b;
	struct body_ctx ctx = { store_fed_id(n->st), n->self };
	uint8_t *buf;
	uint64_t now = node_mono_ms(), seq;
	size_t i, len;
	uint32_t k = 0;
	int rc;

	char why[200];

	if (!n->ready || n->stopped || n->content_ms == 0 ||
	    now - n->checkpoint_ms < n->cfg->checkpoint_ms ||
	    node_may_sign(n, why, sizeof(why)) != 0)
		return;
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (buf = malloc(EV_MAX_BYTES)) == NULL) {
		free(b);
		return;
	}
	b->type = BODY_CHECKPOINT;
	/* n->authors is ascending by key, as a checkpoint must be. */
	for (i = 0; i < n->nauthors && k < BODY_MAX_HEADS; i++) {
		struct body_head *h = &b->u.checkpoint.heads[k];

		if (memcmp(n->authors[i].key, n->self, 32) == 0)
			continue;
		sync_announced(&n->authors[i], &seq, h->id);
		if (seq == 0)
			continue;
		memcpy(h->author, n->authors[i].key, 32);
		h->seq = seq;
		k++;
	}
	b->u.checkpoint.nheads = k;
	rc = k == 0 ? 0 : body_encode(b, &ctx, buf, EV_MAX_BYTES, &len, NULL);
	if (rc == 0 && k > 0 && (rc = control_append_own(n, BODY_CHECKPOINT,
	    buf, len)) == 0)
		log_debug("signed a checkpoint of %u heads", k);
	if (rc != 0)
		log_warn(rc, "could not sign a checkpoint");
	n->checkpoint_ms = now;
	if (rc == 0)
		n->content_ms = 0;
	free(buf);
	free(b);
}
