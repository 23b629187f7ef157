/*
 * evidence.c: how fork evidence reaches every node (docs/sync.md, "Forks").
 *
 *  - A node that stores new evidence logs it once and sends it (FORK) to
 *    every peer.  Messages get lost, so it sends it again to any peer
 *    whose vector shows another head for that log than ours, at most once
 *    a sync interval: a peer that holds only one side, or the forking
 *    node itself, or a node that was down, gets it within an interval or
 *    two of talking to us.
 *  - Two branches show in vectors as two heads at one seq with different
 *    ids, and in batches as an event whose prev is not our head.  Either
 *    way the node fetches the peer's events at and below that seq (a
 *    probe, up to 512 of them): where they first differ from ours is the
 *    fork, which the store keeps as evidence.
 *  - A frozen log whose fork the voters settled past, on the other branch
 *    than the one this node holds, is fetched from the fork on and handed
 *    to store_reorg.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"

#define PROBE_QUIET_MS 2000
#define REORG_QUIET_MS 5000
#define FORK_AGAIN_MS 60000	/* evidence again to a peer frozen alike */

static void
send_fork(struct node *n, struct peer *p, const uint8_t author[32])
{
	struct store_event a, b;
	struct msg *m;

	if (store_fork_get(n->st, author, &a, &b) != 0)
		return;
	m = sync_out(n, MSG_FORK);
	m->u.fork.a.p = a.bytes;
	m->u.fork.a.len = a.len;
	m->u.fork.b.p = b.bytes;
	m->u.fork.b.len = b.len;
	if (sync_send(n, p, m) != 0)
		log_debug("peer %s: FORK not sent (the next HELLO repairs it)",
		    p->schac);
	free(a.bytes);
	free(b.bytes);
}

void
evid_stored(struct node *n, const struct store_item *it)
{
	const uint8_t *author = it->ev.h.author;
	struct store_head *hs = NULL, h;
	struct peer_head *ph;
	const struct store_member *m = NULL;
	char hx[17];
	size_t nh = 0, i;

	memset(&h, 0, sizeof(h));
	if (store_heads(n->st, &hs, &nh) == 0)
		for (i = 0; i < nh; i++)
			if (memcmp(hs[i].author, author, 32) == 0)
				h = hs[i];
	free(hs);
	for (i = 0; i < n->nmembers; i++)
		if (memcmp(n->members[i].key, author, 32) == 0)
			m = &n->members[i];
	log_keyhex(author, hx);
	log_warnx("equivocation: %s (%s) signed two different events at seq "
	    "%llu; its log is frozen: its events count up to seq %llu%s, and "
	    "the evidence is passed on", m != NULL ? m->schac : "?", hx,
	    (unsigned long long)it->ev.h.seq, (unsigned long long)h.last,
	    h.settled >= h.last && h.last > 0 ? " (settled by the members' "
	    "checkpoints)" : "");
	if (memcmp(author, n->self, 32) == 0)
		guard_stop(n, "its own log forked: this key signed two "
		    "different events at seq %llu; its events count up to seq "
		    "%llu", (unsigned long long)it->ev.h.seq,
		    (unsigned long long)h.last);
	for (i = 0; i < n->npeers; i++) {
		send_fork(n, n->peers[i], author);
		if ((ph = sync_peer_head(n->peers[i], author)) != NULL)
			ph->fork_sent_ms = node_mono_ms();
	}
}

/* Fetch p's events of a at and below seq: where the branches part. */
static void
probe(struct node *n, struct peer *p, struct author *a, uint64_t seq)
{
	struct peer_head *ph = sync_peer_head(p, a->key);
	uint64_t from = seq > MSG_MAX_EVENTS ? seq - MSG_MAX_EVENTS + 1 : 1;
	uint64_t now = node_mono_ms();
	char hx[17];

	if (seq == 0 || ph == NULL || now < ph->quiet_until)
		return;
	if (sync_want(n, p, a, from, seq - from + 1, WANT_PROBE) != 0)
		return;
	ph->quiet_until = now + PROBE_QUIET_MS;
	log_keyhex(a->key, hx);
	log_info("peer %s holds another event of %s's log at seq %llu than "
	    "this node: fetching its events from seq %llu to find the fork",
	    p->schac, hx, (unsigned long long)seq,
	    (unsigned long long)from);
}

void
evid_vector(struct node *n, struct peer *p, const struct msg_heads *v)
{
	struct peer_head *ph;
	struct author *a;
	uint64_t seq, now = node_mono_ms();
	uint8_t id[32];
	uint32_t i;
	size_t k;

	for (i = 0; i < v->nheads; i++) {
		if ((a = node_author(n, v->heads[i].author)) == NULL)
			continue;
		sync_announced(a, &seq, id);
		if (v->heads[i].seq == seq && seq > 0 &&
		    memcmp(v->heads[i].id, id, 32) != 0 &&
		    a->want_from == NULL)
			probe(n, p, a, seq);
	}
	/* Our evidence, to a peer whose head of that log is not ours. */
	for (k = 0; k < n->nauthors; k++) {
		a = &n->authors[k];
		if (a->frozen == 0 || (ph = sync_peer_head(p, a->key)) == NULL)
			continue;
		sync_announced(a, &seq, id);
		/*
		 * The same head may be a peer that is frozen alike, or one
		 * that stopped right there without the evidence (it was down
		 * when the fork showed): once a session, and a minute apart.
		 */
		if (ph->seq == seq && memcmp(ph->id, id, 32) == 0 ?
		    ph->fork_sent_ms != 0 && now - ph->fork_sent_ms <
		    FORK_AGAIN_MS : ph->fork_sent_ms != 0 &&
		    now - ph->fork_sent_ms < n->cfg->sync_ms)
			continue;
		ph->fork_sent_ms = now;
		send_fork(n, p, a->key);
	}
}

void
evid_chain(struct node *n, struct peer *p, const struct want *w,
    const struct store_item *it)
{
	struct author *a = node_author(n, it->ev.h.author);

	(void)w;
	/* It names a predecessor we lack: look at what p holds below. */
	if (a != NULL && a->want_from == NULL && it->ev.h.seq > 1)
		probe(n, p, a, it->ev.h.seq - 1);
}

/*
 * Frozen, not settled past the fork on our chain, though a majority of
 * the voters named heads past it (limit), and we hold an event at the
 * fork: we may be on the other branch.
 */
static int
reorg_wanted(const struct author *a)
{
	return a->frozen != 0 && a->settled < a->frozen &&
	    a->limit >= a->frozen && a->seq >= a->frozen;
}

void
evid_reorg_clear(struct node *n)
{
	struct reorg_stage *r = &n->reorg;

	free(r->buf);
	free(r->len);
	r->buf = NULL;
	r->len = NULL;
	r->live = r->inflight = 0;
	r->n = r->batches = 0;
	r->gen++;		/* a job still holding the old one ends it not */
}

void
evid_reorg_end(struct node *n, uint64_t gen)
{
	if (gen == 0 || gen == n->reorg.gen)
		evid_reorg_clear(n);
}

/* p is not asked for author's branch for a while (a fresh start). */
static void
reorg_quiet(struct peer *p, const uint8_t author[KEY_PK_BYTES])
{
	struct peer_head *ph;

	if (p != NULL && (ph = sync_peer_head(p, author)) != NULL)
		ph->quiet_until = node_mono_ms() + REORG_QUIET_MS;
}

/* Give the stage up: p is left alone for that log a while. */
static void
reorg_giveup(struct node *n, struct peer *p)
{
	reorg_quiet(p, n->reorg.author);
	evid_reorg_clear(n);
}

/* The next batch of the branch being staged, from the peer it came from. */
static void
reorg_more(struct node *n, struct author *a)
{
	struct reorg_stage *r = &n->reorg;
	struct peer *p = node_peer(n, r->peer);
	struct peer_head *ph;
	uint64_t count, top;

	if (r->inflight)
		return;
	/* Its peer gone: the others' reorgs need not wait 60 s for it. */
	if (p == NULL || p->dealer == NULL || p->state != PEER_UP) {
		evid_reorg_clear(n);
		return;
	}
	if ((ph = sync_peer_head(p, a->key)) == NULL || ph->seq < r->next)
		return;
	/* Nothing past what the store would take (the voters' claim). */
	top = ph->seq < a->limit ? ph->seq : a->limit;
	if (top < r->next)
		return;
	count = top - r->next + 1;
	if (count > MSG_MAX_EVENTS)
		count = MSG_MAX_EVENTS;
	/* Not sent (its queue is full): the next pump asks again. */
	if (sync_want(n, p, a, r->next, count, WANT_REORG) != 0)
		log_debug("peer %s: the next batch of a reorg waits",
		    p->schac);
}

void
evid_reorg_error(struct node *n, struct peer *p, const struct want *w)
{
	struct reorg_stage *r = &n->reorg;

	/* Asked again at once, it would answer the same, at once. */
	if (r->live && !r->inflight &&
	    memcmp(r->author, w->author, KEY_PK_BYTES) == 0 &&
	    memcmp(r->peer, p->key, KEY_PK_BYTES) == 0 && w->from == r->next)
		reorg_giveup(n, p);
	else
		reorg_quiet(p, w->author);
}

void
evid_reorg_refused(struct node *n, struct peer *p,
    const struct store_item *it, const struct codec_bytes *ev, size_t nev,
    int whole, int code, uint64_t gen)
{
	struct reorg_stage *r = &n->reorg;
	struct peer_head *ph;
	struct author *a;
	uint64_t first, last;
	size_t i, bytes = 0, off = 0, batches = 1;
	char hx[17];

	if (gen != 0 && gen == r->gen) {
		r->inflight = 0;	/* it was this stage's batch */
		batches = r->batches + 1;
	} else if (r->live) {
		/*
		 * Another stage is under way (another author's, or this one's
		 * from another peer): one at a time, so this answer is let go.
		 */
		return;
	}
	/*
	 * Only a segment whole from the fork, refused only for the votes
	 * (I40_E_FORK: its chain and keys passed), short of what the store
	 * would take, from a peer that holds more of it, goes on.
	 */
	if (p == NULL || nev == 0 || !whole || code != I40_E_FORK ||
	    (a = node_author(n, it[0].ev.h.author)) == NULL ||
	    (first = it[0].ev.h.seq) != a->frozen ||
	    (last = it[nev - 1].ev.h.seq) - first + 1 != nev ||
	    last >= a->limit ||
	    (ph = sync_peer_head(p, a->key)) == NULL || ph->seq <= last) {
		if (r->live)
			reorg_giveup(n, p);
		else if (p != NULL && nev > 0)
			reorg_quiet(p, it[0].ev.h.author);
		return;
	}
	for (i = 0; i < nev; i++)
		bytes += ev[i].len;
	log_keyhex(a->key, hx);
	if (bytes > REORG_STAGE_MAX || nev > REORG_STAGE_EVENTS ||
	    batches > REORG_STAGE_BATCHES) {
		log_warnx("the log of %s: the voters' branch from its fork at "
		    "seq %llu runs past %u MiB, %u events or %u answers of "
		    "%s; it is fetched no further, and this node stays on "
		    "its own branch (see docs/operations.md, \"Forks\")", hx,
		    (unsigned long long)first, REORG_STAGE_MAX >> 20,
		    REORG_STAGE_EVENTS, REORG_STAGE_BATCHES, p->schac);
		memcpy(r->gaveup, a->key, KEY_PK_BYTES);
		r->gaveup_frozen = a->frozen;
		r->gaveup_limit = a->limit;
		reorg_giveup(n, p);
		return;
	}
	evid_reorg_clear(n);
	if ((r->buf = malloc(bytes)) == NULL ||
	    (r->len = malloc(nev * sizeof(*r->len))) == NULL) {
		evid_reorg_clear(n);
		return;
	}
	for (i = 0; i < nev; i++) {
		memcpy(r->buf + off, ev[i].p, ev[i].len);
		r->len[i] = ev[i].len;
		off += ev[i].len;
	}
	r->live = 1;
	r->n = nev;
	r->batches = batches;
	memcpy(r->author, a->key, KEY_PK_BYTES);
	memcpy(r->peer, p->key, KEY_PK_BYTES);
	r->from = first;
	r->next = last + 1;
	r->touched_ms = node_mono_ms();
	log_debug("the log of %s: %zu events of the voters' branch from seq "
	    "%llu so far, from %s; asking for the rest", hx, nev,
	    (unsigned long long)first, p->schac);
	reorg_more(n, a);
}

void
evid_reorg(struct node *n)
{
	struct reorg_stage *r = &n->reorg;
	struct peer_head *ph;
	struct author *a;
	uint64_t now = node_mono_ms(), count;
	size_t i, k;

	/*
	 * A stage no longer wanted, or stuck (its peer gone, its batch lost
	 * on the way): forgotten.  A job still holding it clears or keeps
	 * it again when it ends (ingest.c).
	 */
	if (r->live && (now - r->touched_ms > REORG_STAGE_MS ||
	    (!r->inflight && ((a = node_author(n, r->author)) == NULL ||
	    !reorg_wanted(a)))))
		evid_reorg_clear(n);
	for (i = 0; i < n->nauthors; i++) {
		a = &n->authors[i];
		if (!reorg_wanted(a) || a->want_from != NULL)
			continue;
		/* Given up for its size: not again until the fork moves. */
		if (memcmp(r->gaveup, a->key, KEY_PK_BYTES) == 0 &&
		    r->gaveup_frozen == a->frozen &&
		    r->gaveup_limit == a->limit)
			continue;
		/* One long reorg at a time; the others wait for it. */
		if (r->live) {
			if (memcmp(r->author, a->key, KEY_PK_BYTES) == 0)
				reorg_more(n, a);
			continue;
		}
		for (k = 0; k < n->npeers; k++) {
			struct peer *p = n->peers[k];

			if (p->dealer == NULL || p->state != PEER_UP ||
			    (ph = sync_peer_head(p, a->key)) == NULL ||
			    ph->seq < a->frozen || now < ph->quiet_until)
				continue;
			count = ph->seq - a->frozen + 1;
			if (count > MSG_MAX_EVENTS)
				count = MSG_MAX_EVENTS;
			if (sync_want(n, p, a, a->frozen, count,
			    WANT_REORG) != 0)
				continue;
			ph->quiet_until = now + REORG_QUIET_MS;
			break;
		}
	}
}
