/*
 * node.h: the state of one i40d, shared by the files of daemon/.  Not an
 * API for anything outside daemon/: i40ctl speaks to the daemon through
 * the control socket only (protocol/msg.h).
 *
 * Threads: everything here belongs to the main thread, except what
 * ingest.c hands to its verifier threads (it says so) and `conn`, which
 * the gate thread of zap.c owns once it runs (zap.c says what it shares).
 *
 * Sockets (docs/operations.md, "Ports and sockets"):
 *  - router: CURVE server on the listen endpoint.  Peers' DEALERs connect
 *    here; it receives their HELLO, WANT, NOTIFY and FORK and answers
 *    HELLO, EVENTS and ERROR.  Every message is attributed by its User-Id,
 *    which the ZAP handler set to the member's identity key.
 *  - one dealer per peer: CURVE client to the peer's router; sends HELLO,
 *    WANT, NOTIFY, FORK, receives the answers.  The server key pins the
 *    peer, so what arrives here is that peer's.
 *  - zap: REP on inproc://zeromq.zap.01, admitting current members and
 *    observers only.
 *  - control: ROUTER on ipc://DATADIR/control.sock for i40ctl.
 */
#ifndef I40_NODE_H
#define I40_NODE_H

#include <signal.h>
#include <stdint.h>

#include <zmq.h>

#include "protocol/msg.h"
#include "store/store.h"
#include "config.h"
#include "log.h"
#include "web.h"

#define NODE_MAX_AUTHORS MSG_MAX_HEADS
#define NODE_WANT_INFLIGHT 8		/* outstanding WANTs per peer */
#define NODE_WANT_TIMEOUT_MS 15000
#define NODE_BATCH_BYTES (512 * 1024)	/* an EVENTS message at most */
#define NODE_RECV_BUDGET 64		/* messages per socket per poll */
#define NODE_HANDSHAKE_MS 10000		/* a connection's time to authenticate */
#define NODE_LEAVE_MS 2000		/* a removed peer's links, to fetch its removal */
#define CONN_PENDING_MAX 16384		/* unauthenticated connections kept */
#define NODE_CONTROL_BATCH 256		/* APPENDs signed in one txn */

enum peer_state {
	PEER_DOWN,		/* not dialled: "off", or no endpoint */
	PEER_CONNECTING,	/* dialling, no handshake yet */
	PEER_UP,		/* CURVE handshake done */
	PEER_REFUSED		/* it refused our key: backing off */
};

/* What a WANT is for: it decides what ingest does with the answer. */
enum want_kind {
	WANT_NEXT,		/* the events after our head */
	WANT_PROBE,		/* events at or below our head: where a fork is */
	WANT_REORG		/* the voters' branch from a fork (store_reorg) */
};

/* One outstanding WANT, in the order sent (replies come in that order). */
struct want {
	uint8_t author[KEY_PK_BYTES];
	uint64_t from, count;
	uint64_t sent_ms;
	enum want_kind kind;
};

/* A peer's head for one author, as it last told us, and our dealings. */
struct peer_head {
	uint8_t author[KEY_PK_BYTES];
	uint64_t seq;
	uint8_t id[EV_ID_BYTES];
	uint64_t quiet_until;		/* no WANT for it to this peer before */
	uint64_t backoff_ms;		/* after refused answers: doubling */
	uint64_t fork_sent_ms;		/* our evidence last sent to the peer */
};

/* A routing id on the router, to tell two sessions of one key apart. */
struct session {
	uint8_t rid[256];
	size_t len;
	char addr[64];			/* its Peer-Address */
	uint64_t since_ms;		/* first message (monotonic) */
};

struct node;

/* conn.c: the connections that have not finished their handshake. */
struct conn_pend {
	int fd;
	uint64_t cookie;		/* SO_COOKIE: this socket, not its fd */
	uint64_t ms;			/* accepted at (monotonic) */
};
struct conn {
	struct conn_pend *pend;		/* cap of them, oldest first */
	size_t npend, cap;
	int port;			/* our listen port */
	uint64_t nofile;		/* the descriptor limit */
	uint64_t shed, shed_logged, log_ms;
};

struct peer {
	struct node *node;
	uint8_t key[KEY_PK_BYTES];	/* identity (Ed25519) key */
	uint8_t curve[KEY_CURVE_BYTES];	/* its X25519 form: CURVE key */
	char hex[17];			/* key prefix for logs */
	char schac[65];
	char endpoint[257];		/* what we dial, after overrides */
	int observer;
	int dial;			/* we dial it */
	/*
	 * Removed: when its links close (node_mono_ms).  Until then it may
	 * fetch the events of its removal, so that it stops signing too.
	 */
	uint64_t leaving_ms;
	int probe;			/* dialled with key, not tkey (rotate.c) */
	void *dealer;			/* NULL while not dialling */
	void *monitor;			/* PAIR fed by the dealer's monitor */
	enum peer_state state;
	uint64_t last_ms;		/* last message from it, either socket */
	uint64_t retry_ms;		/* REFUSED: when to dial again */
	uint64_t backoff_ms;
	uint64_t connecting_ms;		/* CONNECTING since (monotonic) */
	uint64_t redial_ms;		/* re-create the dealer after this */
	struct peer_head *vec;		/* its heads, ascending by author */
	size_t nvec, capvec;
	struct want wants[NODE_WANT_INFLIGHT];	/* a FIFO */
	size_t nwants;
	int heard;			/* a HELLO from it since (re)connect */
	int confirmed;			/* its vector showed no more of our log */
	struct session cur, old;	/* its latest two sessions here */
	uint64_t twin_logged_ms;
	uint64_t equal_ms;		/* our heads last equal (web_publish) */
	int rfd;			/* its connection to our router, or -1 */
	uint64_t rcookie;		/* that socket's SO_COOKIE */
};

/* What this node holds of one author, and what it is fetching. */
struct author {
	uint8_t key[KEY_PK_BYTES];
	uint64_t seq;			/* committed head */
	uint8_t id[EV_ID_BYTES];
	uint64_t frozen;		/* seq of the fork held, or 0 */
	uint64_t last;			/* the last seq that counts */
	uint8_t last_id[EV_ID_BYTES];	/* the id at min(last, seq) */
	uint64_t limit;			/* the highest seq the store takes */
	uint64_t settled;		/* settled seq, 0: none */
	uint64_t pending;		/* highest seq queued for ingest */
	struct peer *want_from;		/* peer with a WANT for it, or NULL */
	int moved;			/* head moved since the last NOTIFY */
};

struct ingest;
struct ev_loop;

/*
 * The voters' branch of a frozen log, fetched from the fork in batches
 * (evidence.c): what has come so far, from one peer, kept until the
 * branch reaches the heads the voters named and store_reorg takes it
 * whole.  One at a time; owned by the node (buf and len, malloc'd).
 */
#define REORG_STAGE_MAX (64u << 20)	/* bytes: past that, given up */
#define REORG_STAGE_EVENTS 65536	/* events: past that, given up */
#define REORG_STAGE_BATCHES 1024	/* answers: past that, given up */
#define REORG_STAGE_MS 60000		/* no progress that long: given up */

struct reorg_stage {
	uint64_t gen;			/* which stage: a job that took one
					 * ends only that one */
	int live;
	int inflight;			/* its next batch is in ingest */
	size_t batches;			/* answers it was made of */
	uint8_t author[KEY_PK_BYTES];
	uint8_t peer[KEY_PK_BYTES];	/* the branch comes from it alone */
	uint64_t from;			/* the fork: the first seq */
	uint64_t next;			/* the next seq to ask for */
	uint8_t *buf;			/* the signed events, back to back */
	size_t *len;			/* of each, n of them */
	size_t n;
	uint64_t touched_ms;		/* monotonic, the last batch */
	/* The last branch given up for its size: not fetched again. */
	uint8_t gaveup[KEY_PK_BYTES];
	uint64_t gaveup_frozen, gaveup_limit;
};

struct node {
	struct config *cfg;
	const char *cfgpath;
	struct store *st;
	struct key_secret *key;		/* signs: the key in force */
	/*
	 * CURVE: the key before a rotation, until a peer holds the rotation
	 * (rotate.c), so that it reaches the peers over the links it would
	 * otherwise cut; NULL: key.
	 */
	struct key_secret *tkey;
	uint64_t rot_seq;		/* that rotation's seq */
	char rot_proven[65];		/* a peer whose ZAP admitted key, or "" */
	uint8_t self[KEY_PK_BYTES];	/* identity: the author of its log */
	char selfhex[17];
	int lockfd;			/* DATADIR/i40d.pid, locked */
	void *zctx;
	void *router, *control;
	struct zap *zap;		/* the gate thread (zap.c) */
	char listen[300];
	struct peer **peers;		/* each allocated: sockets point to it */
	size_t npeers;
	struct store_member *members;	/* current membership */
	size_t nmembers;
	struct author *authors;		/* ascending by key */
	size_t nauthors;
	int ready;			/* own head confirmed: may author */
	int stopped;			/* own key signed elsewhere: never */
	char stop_reason[400];		/* why, for status and refusals */
	char wait_reason[300];		/* why not ready yet */
	uint64_t content_ms;		/* others' new events since checkpoint */
	uint64_t checkpoint_ms;		/* last checkpoint signed (monotonic) */
	int dirty;			/* commits since the last NOTIFY */
	struct ingest *ing;
	struct ev_loop *loop;
	struct log_ratelimit peer_rl;
	struct conn conn;
	uint64_t started_ms;
	/* Counters for status and tests. */
	uint64_t dropped, refused, stored;
	uint64_t catchup_ms, catchup_stored;	/* a catch-up since, from */
	size_t pump_start;		/* sync_pump's rotating first peer */
	uint64_t monitors;		/* monitors made: unique inproc names */
	struct web *web;		/* the web face, or NULL (web.h) */
	struct web_metrics metrics;	/* what /metrics shows */
	int roots_valid;		/* the cached roots are current */
	uint8_t log_root[32], state_root[32];
	/* Scratch of the main thread (struct msg is tens of KiB). */
	struct msg *m;			/* the message being handled */
	struct msg *out;		/* the message being built */
	uint8_t *sbuf;			/* its encoding, MSG_MAX_BYTES */
	uint8_t *wbuf;			/* events served for a WANT */
	struct reorg_stage reorg;	/* a long reorg under way */
};

/* Milliseconds since the epoch (log and status) and monotonic (timers). */
uint64_t node_now_ms(void);
uint64_t node_mono_ms(void);
uint64_t node_mono_us(void);

/* node.c: life cycle. */
int node_start(struct node *n, struct config *cfg) I40_MUST_CHECK;
int node_run(struct node *n, volatile sig_atomic_t *quit,
    volatile sig_atomic_t *reload) I40_MUST_CHECK;
void node_stop(struct node *n);
/* Membership and heads from the store, again (after commits). */
int node_refresh(struct node *n) I40_MUST_CHECK;
/* After vectors and commits: say when a catch-up of many events ends. */
void node_progress(struct node *n);
struct author *node_author(struct node *n, const uint8_t key[KEY_PK_BYTES]);
struct peer *node_peer(struct node *n, const uint8_t key[KEY_PK_BYTES]);
int node_is_member(const struct node *n, const uint8_t key[KEY_PK_BYTES]);
/*
 * May this node sign?  0 when it is an active member; I40_E_OBSERVER,
 * I40_E_REMOVED or I40_E_UNKNOWN_AUTHOR (not admitted yet) otherwise,
 * with what to do in why[0..cap).
 */
int node_may_sign(const struct node *n, char *why, size_t cap);

/* link.c: sockets. */
/* The key whose transport key the node's sockets use now. */
static inline const struct key_secret *
node_tkey(const struct node *n)
{
	return n->tkey != NULL ? n->tkey : n->key;
}

/*
 * Move the router on endpoint to k's transport key: unbind, which ends
 * the sessions accepted under the old one, and bind again.
 */
int link_router_rekey(void *router, const char *endpoint,
    const struct key_secret *k) I40_MUST_CHECK;
int link_router_open(void *zctx, const char *endpoint,
    const struct key_secret *k, void **out) I40_MUST_CHECK;
int link_dealer_open(struct node *n, struct peer *p) I40_MUST_CHECK;
void link_dealer_close(struct peer *p);
void link_monitor_read(struct node *n, struct peer *p);
/* Every tick: dial afresh a dealer that has had no handshake for long. */
void link_watchdog(struct node *n, struct peer *p, uint64_t now);
void link_dial_failed(struct peer *p, int rc);
/* One event of a monitor socket: 1, 0 when none is queued, -1 if bad. */
int link_monitor_event(void *mon, uint16_t *event, uint32_t *value);
/* Discard the frames that follow `last` in a multi-frame message. */
void link_drain(void *sock, const zmq_msg_t *last);
/* Send one frame (to a routing id when rid is not NULL), never blocking. */
int link_send(void *sock, const void *rid, size_t ridlen, const void *buf,
    size_t len) I40_MUST_CHECK;
const char *link_state_name(enum peer_state s);

/* conn.c: the descriptors strangers may hold. */
/* Raise the soft RLIMIT_NOFILE to the hard one; *limit: what holds now. */
int conn_raise_nofile(uint64_t *limit) I40_MUST_CHECK;
/* After the membership and listen endpoint are known; conn_free frees. */
int conn_init(struct node *n, uint64_t nofile) I40_MUST_CHECK;
void conn_free(struct node *n);
/* A router monitor event (ACCEPTED, DISCONNECTED: value is the fd). */
void conn_event(struct node *n, uint16_t event, uint32_t value);
/* The router was bound afresh: nothing of the old one is pending. */
void conn_reset(struct node *n);
/* A message from p on the router: remember the connection it came on. */
void conn_note(struct peer *p, zmq_msg_t *msg);
/*
 * Shut down p's connection to our router, if it still is the one noted:
 * a removed member's session ends at once, not at its next message.
 */
void conn_close_peer(const struct peer *p);

/*
 * zap.c: the gate, a thread that answers ZAP and reads the router's
 * monitor.  zap_start binds the ZAP handler: before the router.  The
 * gate owns what zap_start made and frees it in zap_stop.
 */
struct zap;
int zap_start(struct node *n, struct zap **out) I40_MUST_CHECK;
/* Watch this router (a new one after a re-bind). */
int zap_watch(struct node *n, struct zap *z, void *router) I40_MUST_CHECK;
/* The membership changed: the gate copies what it needs. */
int zap_members(struct zap *z, const struct store_member *ms, size_t nm)
    I40_MUST_CHECK;
uint64_t zap_refused(const struct zap *z);
void zap_stop(struct zap *z);

/* sync.c: the sync protocol. */
void sync_router_read(struct node *n);
void sync_dealer_read(struct node *n, struct peer *p);
void sync_hello(struct node *n, struct peer *p);
void sync_hello_all(struct node *n);
void sync_pump(struct node *n);
void sync_notify(struct node *n);
void sync_tick(struct node *n);
void sync_peer_reset(struct node *n, struct peer *p);
/*
 * A batch committed: from peer p answering w, or a local append (both
 * NULL).  cnt may be 0 when nothing of the batch was valid.
 */
void sync_committed(struct node *n, struct peer *p,
    const struct store_item *items, const struct store_outcome *out,
    size_t cnt, const struct want *w);
uint64_t sync_behind(struct node *n, const struct peer *p);
/* Events we hold and announce that p's last vector lacks. */
uint64_t sync_ahead(struct node *n, const struct peer *p);
/* The head we announce of a: for a frozen log, its freeze point. */
void sync_announced(const struct author *a, uint64_t *seq, uint8_t id[32]);
/* p's head entry for author, made (seq 0) if absent; NULL if full. */
struct peer_head *sync_peer_head(struct peer *p, const uint8_t author[32]);
/* The same without adding an entry: NULL if p named no head of author. */
const struct peer_head *sync_peer_head_find(const struct peer *p,
    const uint8_t author[32]);
/* Send WANT to p for author; w->kind says what for. */
int sync_want(struct node *n, struct peer *p, struct author *a,
    uint64_t from, uint64_t count, enum want_kind kind) I40_MUST_CHECK;
/* Send msg m to p's dealer, when it is up (0: sent). */
int sync_send(struct node *n, struct peer *p, const struct msg *m);
/* The message buffer for building an outgoing message of type. */
struct msg *sync_out(struct node *n, uint64_t type);

/* evidence.c: forks seen in vectors and batches, and evidence relay. */
/* p announced heads v: compare with ours; send evidence, probe forks. */
void evid_vector(struct node *n, struct peer *p, const struct msg_heads *v);
/* New evidence for author was stored: log it once and relay it. */
void evid_stored(struct node *n, const struct store_item *it);
/* A batch from p (answering w) held an event that does not link. */
void evid_chain(struct node *n, struct peer *p, const struct want *w,
    const struct store_item *it);
/* Frozen logs whose fork the voters settled elsewhere: fetch their branch. */
void evid_reorg(struct node *n);
/*
 * A WANT_REORG answer from p (NULL: gone) was refused by store_reorg
 * with code.  it and ev: its nev events, decoded and as signed, the
 * staged part first; whole: none was dropped; gen: the stage it took
 * (0: none).  A segment whole from the fork and refused only for its
 * votes is kept (copied), and the rest of the branch asked of p, unless
 * another stage is under way; a stage given up quietens p for the log.
 */
void evid_reorg_refused(struct node *n, struct peer *p,
    const struct store_item *it, const struct codec_bytes *ev, size_t nev,
    int whole, int code, uint64_t gen);
/* p answered a WANT_REORG w with ERROR: a stage waiting for it ends. */
void evid_reorg_error(struct node *n, struct peer *p, const struct want *w);
/* The stage gen (0: any) ended, stored or not: forget it. */
void evid_reorg_end(struct node *n, uint64_t gen);
/* Forget what was staged (node_stop). */
void evid_reorg_clear(struct node *n);

/* guard.c: when this node may sign. */
/* At start: a stopped node stays stopped; its own frozen log stops it. */
int guard_start(struct node *n) I40_MUST_CHECK;
/* Stop signing for good (until the operator says otherwise): reason. */
void guard_stop(struct node *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * p's vector (full: a HELLO's, else a NOTIFY's): does it confirm our
 * head, or show that our key signed more than we did?
 */
void guard_vector(struct node *n, struct peer *p, const struct msg_heads *v,
    int full);
/* Re-check readiness (after HELLOs, commits, and on the timer). */
void guard_check(struct node *n);
/* A message on the router from p: a second live session for its key? */
void guard_session(struct node *n, struct peer *p, zmq_msg_t *rid,
    zmq_msg_t *body);
/* Every second: sign a checkpoint when one is due. */
void guard_checkpoint(struct node *n);

/* control.c: the control socket. */
/*
 * Key rotation (rotate.c).  rotate_resume, before the start: finish or
 * undo a rotation a crash interrupted (KEY.next), by what the store
 * holds; err says what to do on failure.  rotate_identity: n->self from
 * n->key (the author whose key in force it is).  rotate_prepare: make the
 * next key (path empty) or read it (an absolute path), write it to
 * KEY.next and encode the key_rotate body into *out (caller passes it to
 * rotate_finish, which frees it); why says what failed.  rotate_finish:
 * after the append, install the key (stored) or drop it.
 * rotate_pending_load, at the start after rotate_identity: a rotation
 * whose CURVE switch a restart interrupted keeps the old key (KEY.prev)
 * as n->tkey.  rotate_tick: move the CURVE key once a peer holds the
 * rotation, refused the old key, or there is no peer.
 */
struct rotate_plan;
int rotate_resume(const struct config *c, char *err, size_t errlen)
    I40_MUST_CHECK;
int rotate_identity(struct node *n) I40_MUST_CHECK;
int rotate_pending_load(struct node *n) I40_MUST_CHECK;
int rotate_prepare(struct node *n, const struct codec_bytes *path,
    struct rotate_plan **out, char *why, size_t whylen) I40_MUST_CHECK;
const uint8_t *rotate_body(const struct rotate_plan *rp, size_t *len);
const uint8_t *rotate_next_pk(const struct rotate_plan *rp);
void rotate_finish(struct node *n, struct rotate_plan *rp, int stored);
void rotate_tick(struct node *n, uint64_t now);

int control_open(struct node *n) I40_MUST_CHECK;
/* Sign and store one event of this node's own (a checkpoint). */
int control_append_own(struct node *n, uint32_t type, const uint8_t *body,
    size_t blen) I40_MUST_CHECK;
void control_read(struct node *n);
void control_close(struct node *n);

#endif
