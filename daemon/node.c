/*
 * node.c: the daemon's life: start-up checks, the membership and the
 * peers it implies, the loop, reload and a clean stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "store/keyfile.h"
#include "ev.h"
#include "ingest.h"
#include "node.h"

#define TICK_MS 100

uint64_t
node_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
node_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
node_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
cmp_author(const void *a, const void *b)
{
	return memcmp(((const struct author *)a)->key,
	    ((const struct author *)b)->key, KEY_PK_BYTES);
}

struct author *
node_author(struct node *n, const uint8_t key[KEY_PK_BYTES])
{
	struct author k;

	if (n->nauthors == 0)
		return NULL;
	memcpy(k.key, key, KEY_PK_BYTES);
	return bsearch(&k, n->authors, n->nauthors, sizeof(k), cmp_author);
}

struct peer *
node_peer(struct node *n, const uint8_t key[KEY_PK_BYTES])
{
	size_t i;

	for (i = 0; i < n->npeers; i++)
		if (memcmp(n->peers[i]->key, key, KEY_PK_BYTES) == 0)
			return n->peers[i];
	return NULL;
}

int
node_is_member(const struct node *n, const uint8_t key[KEY_PK_BYTES])
{
	size_t i;

	for (i = 0; i < n->nmembers; i++)
		if (memcmp(n->members[i].key, key, KEY_PK_BYTES) == 0)
			return n->members[i].active;
	return 0;
}

int
node_may_sign(const struct node *n, char *why, size_t cap)
{
	size_t i;

	for (i = 0; i < n->nmembers; i++) {
		const struct store_member *m = &n->members[i];

		if (memcmp(m->key, n->self, KEY_PK_BYTES) != 0)
			continue;
		if (m->observer) {
			snprintf(why, cap, "this node is an observer: it reads "
			    "the federation and signs nothing");
			return I40_E_OBSERVER;
		}
		if (!m->active) {
			snprintf(why, cap, "this node's key was removed from "
			    "the federation (its events up to seq %llu count); "
			    "a university comes back under a new key "
			    "(docs/joining.md)", (unsigned long long)m->upto);
			return I40_E_REMOVED;
		}
		/*
		 * Signed now, a module or a result could take a code or
		 * a version the earlier key's log, once complete, shows as
		 * its university's already: it would count on no node.
		 */
		if (m->succession == 1) {
			char hex[2 * KEY_PK_BYTES + 1];
			uint64_t upto = 0;
			size_t j;

			for (j = 0; j < n->nmembers; j++)
				if (memcmp(n->members[j].key, m->succeeds,
				    KEY_PK_BYTES) == 0)
					upto = n->members[j].upto;
			sodium_bin2hex(hex, sizeof(hex), m->succeeds,
			    KEY_PK_BYTES);
			snprintf(why, cap, "this node's key succeeds %.16s, an "
			    "earlier key of its university, whose log it does "
			    "not hold up to seq %llu yet: it signs once it has "
			    "caught up (i40ctl member show %s)", hex,
			    (unsigned long long)upto, hex);
			return I40_E_SUCCESSION;
		}
		return 0;
	}
	snprintf(why, cap, "this node's key is not admitted yet: it signs once "
	    "a majority of the members endorsed its proposal "
	    "(docs/joining.md)");
	return I40_E_UNKNOWN_AUTHOR;
}

/*
 * Take the datadir: one daemon per data directory.  The lock is an fcntl
 * lock on DATADIR/i40d.pid, which i40ctl tests (F_GETLK) to tell whether
 * a daemon runs; it goes away with the process, however it ends.
 */
static int
lock_datadir(struct node *n)
{
	char path[4096], pid[32];
	struct flock fl;
	int fd, len;

	if (snprintf(path, sizeof(path), "%s/i40d.pid", n->cfg->datadir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) < 0)
		return -errno;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		int e = errno;

		close(fd);
		return e == EAGAIN || e == EACCES ? I40_E_BUSY : -e;
	}
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)len) != len) {
		int e = errno;

		close(fd);
		return -e;
	}
	n->lockfd = fd;
	return 0;
}

/* The endpoint to dial for member m, after the configuration's overrides. */
static const char *
peer_endpoint(const struct node *n, const struct store_member *m)
{
	char hex[65];
	size_t i;

	sodium_bin2hex(hex, sizeof(hex), m->key, KEY_PK_BYTES);
	for (i = 0; i < n->cfg->npeers; i++)
		if (strcmp(n->cfg->peers[i].who, m->schac) == 0 ||
		    strcmp(n->cfg->peers[i].who, hex) == 0)
			return n->cfg->peers[i].endpoint;
	return m->endpoint[0] != '\0' ? m->endpoint : NULL;
}

static void
peer_free(struct peer *p)
{
	if (p == NULL)
		return;
	link_dealer_close(p);
	free(p->vec);
	free(p);
}

/* Build the peer for member m, keeping old's link if nothing changed. */
static int
make_peer(struct node *n, const struct store_member *m, struct peer *old,
    struct peer **out)
{
	const char *ep = peer_endpoint(n, m);
	struct peer *p = old;
	int rc;

	*out = NULL;
	/*
	 * A link turned off or moved is closed; one already off is left as
	 * it is (node_refresh runs on every commit: closing it again reset
	 * what its HELLOs on our router had told us, `heard`, each time).
	 */
	if (p != NULL && (ep == NULL ? p->dealer != NULL || p->dial :
	    strcmp(p->endpoint, ep) != 0)) {
		link_dealer_close(p);
		p->dial = 0;
		p->state = PEER_DOWN;
	}
	/* Removed once, a member again (its removal lapsed: a fork froze
	 * an endorser below its vote): its links stay. */
	if (p != NULL && p->leaving_ms != 0) {
		log_info("peer %s (%s) is a member again: its links stay",
		    p->schac, p->hex);
		p->leaving_ms = 0;
	}
	if (p != NULL && memcmp(p->curve, m->transport, KEY_CURVE_BYTES) != 0) {
		/*
		 * It rotated its key: pin the new transport key, and end the
		 * session it holds on our router under the old one (ZAP
		 * refuses that key from now on).
		 */
		log_info("peer %s (%s) rotated its key (seq %llu): its old "
		    "CURVE key is refused from now on", p->schac, p->hex,
		    (unsigned long long)m->rotated);
		link_dealer_close(p);
		conn_close_peer(p);
		memcpy(p->curve, m->transport, KEY_CURVE_BYTES);
		p->state = PEER_DOWN;
		p->backoff_ms = 0;
		p->redial_ms = 0;
	}
	if (p == NULL) {
		if ((p = calloc(1, sizeof(*p))) == NULL)
			return I40_E_NOMEM;
		p->node = n;
		p->rfd = -1;
		memcpy(p->key, m->key, KEY_PK_BYTES);
		/* Its certified transport key (keys.h); a rotation that
		 * moves it is the lifecycle's (issue 12). */
		memcpy(p->curve, m->transport, KEY_CURVE_BYTES);
		log_keyhex(m->key, p->hex);
	}
	snprintf(p->schac, sizeof(p->schac), "%s", m->schac);
	p->observer = m->observer;
	snprintf(p->endpoint, sizeof(p->endpoint), "%s",
	    ep != NULL ? ep : m->endpoint);
	p->dial = ep != NULL;
	if (p->dial && p->dealer == NULL && p->state != PEER_REFUSED &&
	    (rc = link_dealer_open(n, p)) != 0)
		link_dial_failed(p, rc);
	if (!p->dial)
		p->state = PEER_DOWN;
	*out = p;
	return 0;
}

/*
 * Read the membership and heads from the store again and make the peers
 * and authors follow: a new member gets a link, a removed one loses it
 * (libzmq cannot drop one client's session of a router, so its socket is
 * shut down, conn_close_peer), and a node admitted while running starts
 * listening.
 */
static int derive_listen(struct node *n);
static void router_cb(void *arg);

/* Bind the router on n->listen, read it and watch it (zap.c). */
static int
node_listen(struct node *n)
{
	int rc;

	if ((rc = link_router_open(n->zctx, n->listen, node_tkey(n),
	    &n->router)) != 0)
		return rc;
	if ((rc = ev_reader_add(n->loop, n->router, -1, router_cb, n)) != 0 ||
	    (rc = zap_watch(n, n->zap, n->router)) != 0) {
		ev_reader_del(n->loop, n->router, -1);
		zmq_close(n->router);
		n->router = NULL;
	}
	return rc;
}

int
node_refresh(struct node *n)
{
	struct store_member *ms = NULL;
	struct store_head *hs = NULL;
	struct author *as = NULL, *old;
	struct peer **ps = NULL, *p;
	size_t nm = 0, nh = 0, na = 0, np = 0, i, j;
	int rc;

	if ((rc = store_members(n->st, &ms, &nm)) != 0 ||
	    (rc = store_heads(n->st, &hs, &nh)) != 0)
		goto out;
	if ((as = calloc(nm + nh, sizeof(*as))) == NULL ||
	    (ps = calloc(nm + n->npeers + 1, sizeof(*ps))) == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	for (i = 0; i < nh; i++) {
		memcpy(as[na].key, hs[i].author, KEY_PK_BYTES);
		as[na].seq = hs[i].seq;
		memcpy(as[na].id, hs[i].id, EV_ID_BYTES);
		as[na].frozen = hs[i].frozen;
		as[na].last = hs[i].last;
		memcpy(as[na].last_id, hs[i].last_id, EV_ID_BYTES);
		as[na].limit = hs[i].limit;
		as[na].settled = hs[i].settled;
		na++;
	}
	for (i = 0; i < nm; i++) {
		for (j = 0; j < nh; j++)
			if (memcmp(hs[j].author, ms[i].key, KEY_PK_BYTES) == 0)
				break;
		if (j == nh) {
			memcpy(as[na].key, ms[i].key, KEY_PK_BYTES);
			as[na++].limit = UINT64_MAX;
		}
	}
	qsort(as, na, sizeof(*as), cmp_author);
	for (i = 0; i < na; i++) {
		uint64_t s0, s1;
		uint8_t id0[EV_ID_BYTES], id1[EV_ID_BYTES];

		sync_announced(&as[i], &s1, id1);
		if ((old = node_author(n, as[i].key)) != NULL) {
			as[i].pending = old->pending;
			as[i].moved = old->moved;
			sync_announced(old, &s0, id0);
		} else {
			s0 = 0;
			memset(id0, 0, sizeof(id0));
		}
		/* What we announce moved: tell the peers (sync_notify). */
		if (s1 != s0 || memcmp(id0, id1, EV_ID_BYTES) != 0) {
			as[i].moved = 1;
			n->dirty = 1;
		}
	}
	for (i = 0; i < nm; i++) {
		if (memcmp(ms[i].key, n->self, KEY_PK_BYTES) == 0)
			continue;
		p = node_peer(n, ms[i].key);
		if (!ms[i].active)
			continue;
		if ((rc = make_peer(n, &ms[i], p, &ps[np])) != 0)
			goto out;
		np++;
	}
	/* ZAP first: a removed member's reconnect must meet the new list. */
	if (n->zap != NULL && (rc = zap_members(n->zap, ms, nm)) != 0)
		goto out;
	/* Peers no longer in the membership. */
	for (i = 0; i < n->npeers; i++) {
		for (j = 0; j < np; j++)
			if (ps[j] == n->peers[i])
				break;
		if (j < np)
			continue;
		p = n->peers[i];
		/*
		 * Its links stay for a moment, read-only like an observer's
		 * (what it signs past its upto is refused by the store): the
		 * events of its removal reach it, and it stops signing too,
		 * rather than record results that count nowhere.  ZAP refuses
		 * it from now on.
		 */
		if (p->leaving_ms == 0) {
			p->leaving_ms = node_mono_ms() + NODE_LEAVE_MS;
			p->dial = 0;
			n->dirty = 1;
			log_info("peer %s (%s) is no longer a member: its links "
			    "close in %d s (it may fetch its removal first)",
			    p->schac, p->hex, NODE_LEAVE_MS / 1000);
		}
		if (node_mono_ms() < p->leaving_ms) {
			ps[np++] = p;
			continue;
		}
		log_info("peer %s (%s) is no longer a member: link closed",
		    p->schac, p->hex);
		conn_close_peer(p);
		for (j = 0; j < n->nauthors; j++)
			if (n->authors[j].want_from == p)
				n->authors[j].want_from = NULL;
		peer_free(p);
	}
	/*
	 * The WANTs still out, taken over last: a link closed above (its
	 * endpoint changed or went off, its key rotated, its member left)
	 * forgot its WANTs in n->authors, not in a copy made before.  Such a
	 * copy named a peer that owed nothing any more, and sync_pump never
	 * asked anyone for that author again (test 39).
	 */
	for (i = 0; i < na; i++)
		if ((old = node_author(n, as[i].key)) != NULL)
			as[i].want_from = old->want_from;
	free(n->peers);
	n->peers = ps;
	n->npeers = np;
	ps = NULL;
	free(n->authors);
	n->authors = as;
	n->nauthors = na;
	as = NULL;
	free(n->members);
	n->members = ms;
	n->nmembers = nm;
	ms = NULL;
	if (n->router == NULL && n->zap != NULL && node_is_member(n, n->self)) {
		/* Admitted while running: listen where the admission says. */
		if ((rc = derive_listen(n)) == 0 && n->listen[0] != '\0') {
			if ((rc = node_listen(n)) != 0)
				log_warn(rc, "cannot listen on %s; restart "
				    "the node", n->listen);
			else
				log_info("admitted to the federation: "
				    "listening on %s", n->listen);
		}
	}
	rc = 0;
out:
	free(ms);
	free(hs);
	free(as);
	free(ps);
	return rc;
}

/*
 * A catch-up runs from the first vector (or commit) at which some peer
 * has what we lack until none has and nothing is in flight.  Only one of 100 events
 * or more gets an info line: each event of an ordinary day would be a
 * catch-up of one.
 */
void
node_progress(struct node *n)
{
	uint64_t behind = 0, now = node_mono_ms(), k;
	size_t i;

	/* A peer that is down, or announces what it never serves, must not
	 * keep a catch-up open: only links that are up count. */
	for (i = 0; i < n->npeers; i++)
		if (n->peers[i]->state == PEER_UP)
			behind += sync_behind(n, n->peers[i]);
	if (n->catchup_ms == 0) {
		if (behind > 0) {
			n->catchup_ms = now;
			n->catchup_stored = n->stored;
		}
		return;
	}
	if (behind > 0 || ingest_live(n->ing) > 0)
		return;
	k = n->stored - n->catchup_stored;
	if (k >= 100)
		log_info("caught up with the peers: %llu events in %.1f s",
		    (unsigned long long)k, (double)(now - n->catchup_ms) / 1000);
	else
		log_debug("caught up with the peers: %llu events",
		    (unsigned long long)k);
	n->catchup_ms = 0;
}

static void
router_cb(void *arg)
{
	sync_router_read(arg);
}

static void
tick_cb(void *arg)
{
	struct node *n = arg;
	uint64_t now = node_mono_ms();
	size_t i;
	int rc;

	for (i = 0; i < n->npeers; i++)
		if (n->peers[i]->leaving_ms != 0 &&
		    now >= n->peers[i]->leaving_ms) {
			/* node_refresh closes it now. */
			if ((rc = node_refresh(n)) != 0)
				log_warn(rc, "cannot read the membership");
			break;
		}
	for (i = 0; i < n->npeers; i++) {
		struct peer *p = n->peers[i];

		if (p->state == PEER_REFUSED && p->dial && now >= p->retry_ms &&
		    p->dealer == NULL && (rc = link_dealer_open(n, p)) != 0)
			link_dial_failed(p, rc);
		link_watchdog(n, p, now);
	}
	rotate_tick(n, now);
	sync_tick(n);
	guard_check(n);
	guard_checkpoint(n);
	web_publish(n->web, n);
}

static void
sync_cb(void *arg)
{
	struct node *n = arg;
	int cleared = 0;

	sync_hello_all(n);
	if (store_reader_check(n->st, &cleared) == 0 && cleared > 0)
		log_info("store: cleared %d reader slots of dead processes",
		    cleared);
}

static void
before_cb(void *arg)
{
	/* Only committed events are announced: see ingest.c and control.c. */
	sync_notify(arg);
}

/* host:port of this node's endpoint, listening on every address. */
static int
derive_listen(struct node *n)
{
	const struct store_member *me = NULL;
	const char *colon;
	size_t i;

	if (n->cfg->listen != NULL) {
		snprintf(n->listen, sizeof(n->listen), "%s", n->cfg->listen);
		return 0;
	}
	for (i = 0; i < n->nmembers; i++)
		if (memcmp(n->members[i].key, n->self, KEY_PK_BYTES) == 0)
			me = &n->members[i];
	if (me == NULL || (colon = strrchr(me->endpoint, ':')) == NULL) {
		n->listen[0] = '\0';
		return 0;
	}
	snprintf(n->listen, sizeof(n->listen), "tcp://0.0.0.0%s", colon);
	return 0;
}

/* The genesis file named in the configuration must be this datadir's. */
static int
check_genesis(struct node *n)
{
	uint8_t buf[EV_MAX_BYTES + 1];
	struct ev_signed e;
	ssize_t len;
	int fd, rc;

	if (n->cfg->genesis == NULL)
		return 0;
	if ((fd = open(n->cfg->genesis, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf));
	close(fd);
	if (len < 0)
		return -errno;
	if ((rc = ev_decode(buf, (size_t)len, NULL, &e, NULL, NULL)) != 0)
		return rc;
	return memcmp(e.h.fed_id, store_fed_id(n->st), EV_FED_ID_BYTES) == 0 ?
	    0 : I40_E_FED_ID;
}

int
node_start(struct node *n, struct config *cfg)
{
	struct rlimit nocore = { 0, 0 };
	const char *failed = NULL;
	uint64_t nofile;
	int major, minor, patch, rc;
	long ncpu;

	memset(n, 0, sizeof(*n));
	n->cfg = cfg;
	n->lockfd = -1;
	n->started_ms = node_mono_ms();
	/* The key must not end up in a core file. */
	(void)setrlimit(RLIMIT_CORE, &nocore);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* systemd's soft limit is 1024: strangers could take it all. */
	if ((rc = conn_raise_nofile(&nofile)) != 0)
		log_warn(rc, "cannot raise the descriptor limit to the hard "
		    "one (%llu)", (unsigned long long)nofile);
	if ((rc = key_init()) != 0)
		return rc;
	if ((rc = key_selftest(&failed)) != 0) {
		log_error("libsodium judges the Ed25519 vector \"%s\" "
		    "differently from i40's rules (docs/protocol.md §7); "
		    "refusing to run with this libsodium", failed);
		return rc;
	}
	zmq_version(&major, &minor, &patch);
	if (major * 10000 + minor * 100 + patch < 40302) {
		log_error("libzmq %d.%d.%d is older than 4.3.2 and has "
		    "CVE-2019-13132; upgrade libzmq5", major, minor, patch);
		return I40_E_VERSION;
	}
	if ((rc = lock_datadir(n)) != 0) {
		if (rc == I40_E_BUSY)
			log_error("another i40d runs on %s, or an i40ctl log "
			    "import writes it (see %s/i40d.pid)", cfg->datadir,
			    cfg->datadir);
		else
			log_warn(rc, "cannot lock %s/i40d.pid", cfg->datadir);
		return rc;
	}
	if ((rc = store_open(cfg->datadir, NULL, &n->st)) != 0) {
		log_warn(rc, "cannot open the data directory %s (create it "
		    "with i40ctl init)", cfg->datadir);
		return rc;
	}
	if ((rc = check_genesis(n)) != 0) {
		log_warn(rc, "genesis %s does not match the data directory %s",
		    cfg->genesis, cfg->datadir);
		return rc;
	}
	if ((rc = keyfile_read(cfg->key, &n->key)) != 0) {
		log_warn(rc, "cannot read the node key %s", cfg->key);
		return rc;
	}
	if ((rc = rotate_identity(n)) != 0) {
		log_warn(rc, "cannot tell whose key %s is", cfg->key);
		return rc;
	}
	if ((rc = rotate_pending_load(n)) != 0) {
		log_warn(rc, "cannot tell whether the last key rotation reached "
		    "a peer");
		return rc;
	}
	log_keyhex(n->self, n->selfhex);
	n->m = malloc(sizeof(*n->m));
	n->out = malloc(sizeof(*n->out));
	n->sbuf = malloc(MSG_MAX_BYTES);
	n->wbuf = malloc(NODE_BATCH_BYTES + EV_MAX_BYTES);
	if (n->m == NULL || n->out == NULL || n->sbuf == NULL ||
	    n->wbuf == NULL)
		return I40_E_NOMEM;
	if ((rc = ev_new(&n->loop)) != 0)
		return rc;
	if ((n->zctx = zmq_ctx_new()) == NULL)
		return -errno;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if ((rc = ingest_new(n, ncpu < 1 ? 1 : ncpu > 8 ? 8 : (unsigned)ncpu,
	    &n->ing)) != 0)
		return rc;
	/* Peers are dialled here; the ZAP handler must precede the router. */
	if ((rc = node_refresh(n)) != 0) {
		log_warn(rc, "cannot read the membership");
		return rc;
	}
	if ((rc = derive_listen(n)) != 0)
		return rc;
	if ((rc = conn_init(n, nofile)) != 0)
		return rc;
	if ((rc = zap_start(n, &n->zap)) != 0 ||
	    (rc = zap_members(n->zap, n->members, n->nmembers)) != 0) {
		log_warn(rc, "cannot start the ZAP handler");
		return rc;
	}
	if (n->listen[0] != '\0') {
		if ((rc = node_listen(n)) != 0) {
			log_warn(rc, "cannot listen on %s", n->listen);
			return rc;
		}
	} else {
		log_info("no listen endpoint (not a member yet?): dialling "
		    "out only");
	}
	if ((rc = control_open(n)) != 0) {
		log_warn(rc, "cannot open the control socket in %s",
		    cfg->datadir);
		return rc;
	}
	if ((rc = web_start(n->st, n->cfg, &n->web)) != 0)
		return rc;
	if ((rc = ev_timer_add(n->loop, TICK_MS, tick_cb, n)) != 0 ||
	    (rc = ev_timer_add(n->loop, cfg->sync_ms, sync_cb, n)) != 0)
		return rc;
	ev_before_poll(n->loop, before_cb, n);
	if ((rc = guard_start(n)) != 0)
		return rc;
	guard_check(n);
	log_info("node %s (%s) started: %zu peers, listening on %s, "
	    "datadir %s", cfg->node, n->selfhex, n->npeers,
	    n->listen[0] ? n->listen : "-", cfg->datadir);
	(void)sd_notify(0, "READY=1");
	return 0;
}

static void
reload(struct node *n)
{
	struct config *c = NULL;
	char err[512];
	int rc;

	if (n->cfgpath == NULL)
		return;
	if ((rc = config_load(n->cfgpath, &c, err, sizeof(err))) != 0 ||
	    (rc = config_set(c, "datadir", n->cfg->datadir, err,
	    sizeof(err))) != 0 || (rc = config_finish(c, err,
	    sizeof(err))) != 0) {
		log_warnx("config file %s has errors, not reloading: %s",
		    n->cfgpath, err);
		config_free(c);
		return;
	}
	if (strcmp(c->datadir, n->cfg->datadir) != 0 ||
	    strcmp(c->key, n->cfg->key) != 0)
		log_warnx("reload: datadir and key take effect at restart only");
	free(c->datadir);
	c->datadir = strdup(n->cfg->datadir);
	free(c->key);
	c->key = strdup(n->cfg->key);
	if (c->datadir == NULL || c->key == NULL) {
		log_warnx("reload: out of memory, keeping the old configuration");
		config_free(c);
		return;
	}
	config_free(n->cfg);
	n->cfg = c;
	log_set_level((enum log_level)c->log_level);
	ev_timer_set(n->loop, sync_cb, c->sync_ms);
	if ((rc = node_refresh(n)) != 0)
		log_warn(rc, "reload: cannot re-read the membership");
	log_info("configuration reloaded from %s: log level %s, sync "
	    "interval %u ms, %zu peer overrides", n->cfgpath,
	    log_level_name((enum log_level)c->log_level), c->sync_ms,
	    c->npeers);
}

int
node_run(struct node *n, volatile sig_atomic_t *quit,
    volatile sig_atomic_t *reloadp)
{
	int rc;

	while (!*quit) {
		if (*reloadp) {
			*reloadp = 0;
			(void)sd_notify(0, "RELOADING=1");
			reload(n);
			(void)sd_notify(0, "READY=1");
		}
		if ((rc = ev_run_once(n->loop, 1000)) != 0) {
			log_warn(rc, "zmq_poll");
			return rc;
		}
	}
	return 0;
}

void
node_stop(struct node *n)
{
	size_t i;

	(void)sd_notify(0, "STOPPING=1");
	/* Nothing unfinished was acknowledged: peers will send it again. */
	ingest_free(n->ing);
	web_stop(n->web);
	for (i = 0; i < n->npeers; i++)
		peer_free(n->peers[i]);
	free(n->peers);
	evid_reorg_clear(n);
	control_close(n);
	if (n->router != NULL) {
		zmq_socket_monitor(n->router, NULL, 0);
		zmq_close(n->router);
	}
	zap_stop(n->zap);
	conn_free(n);
	if (n->zctx != NULL)
		zmq_ctx_term(n->zctx);
	ev_free(n->loop);
	store_close(n->st);
	key_free(n->key);
	key_free(n->tkey);
	free(n->members);
	free(n->authors);
	free(n->m);
	free(n->out);
	free(n->sbuf);
	free(n->wbuf);
	if (n->lockfd >= 0)
		close(n->lockfd);
}
