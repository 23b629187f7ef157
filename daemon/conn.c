/*
 * conn.c: how many of this node's descriptors strangers may hold.
 *
 * libzmq accepts every TCP connection to the router and keeps it until
 * its CURVE handshake succeeds or HANDSHAKE_IVL ends it, so a stranger who
 * opens connections and sends nothing holds a descriptor with each for
 * that long.  At the process's limit libzmq's IPC listener (the control
 * socket) aborts on EMFILE, and dials fail.  So the soft limit is raised
 * to the hard one at start-up, and the connections that have not finished
 * their handshake are capped: past the cap the oldest is shut down.
 * shutdown(2), not close(2): libzmq sees the stream end and closes the
 * descriptor itself, so it stays libzmq's to the end.
 *
 * The monitor's HANDSHAKE_SUCCEEDED carries no descriptor, so which
 * connection finished is read off the socket when it comes to be shed:
 * one to which this node wrote a READY (TCP_INFO's bytes acked plus
 * SIOCOUTQ's still queued) finished and is kept.  None lives past HANDSHAKE_IVL without finishing, so one
 * older than that leaves the count as well.  A socket is known by its
 * SO_COOKIE, not its descriptor, which libzmq may have closed and the
 * kernel given to a newer connection before the gate sees the event.
 */
#define ZMQ_BUILD_DRAFT_API
#include <arpa/inet.h>
#include <dirent.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <zmq.h>

#include "node.h"

#define CONN_LOG_MS 60000	/* one shedding line a minute */
#define CONN_RESERVE 64		/* for the control socket, store, dials */
#define CONN_INFLIGHT 1024	/* accepted, not yet seen by the gate */
#define CONN_AUTH_BYTES 270	/* greeting 64, WELCOME 170, ERROR < 36 */

int
conn_raise_nofile(uint64_t *limit)
{
	struct rlimit r;

	*limit = 0;
	if (getrlimit(RLIMIT_NOFILE, &r) != 0)
		return -errno;
	if (r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &r) != 0)
			return -errno;
	}
	*limit = r.rlim_cur == RLIM_INFINITY ? UINT64_MAX :
	    (uint64_t)r.rlim_cur;
	return 0;
}

/* Descriptors open now, from /proc/self/fd; 0 if it cannot be read. */
static uint64_t
fds_open(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t k = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			k++;
	closedir(d);
	return k > 0 ? k - 1 : 0;	/* less the directory's own */
}

static int
listen_port(const char *ep)
{
	const char *colon = strrchr(ep, ':');
	long v;
	char *end;

	if (colon == NULL)
		return 0;
	v = strtol(colon + 1, &end, 10);
	return *end == '\0' && v > 0 && v < 65536 ? (int)v : 0;
}

int
conn_init(struct node *n, uint64_t nofile)
{
	struct conn *c = &n->conn;
	uint64_t used = fds_open(), keep, room;

	memset(c, 0, sizeof(*c));
	c->nofile = nofile;
	c->port = listen_port(n->listen);
	/*
	 * Kept free of strangers: what is open now, the reserve, a session
	 * in and a dial out for four times today's members (members join),
	 * and the connections libzmq may have accepted that the gate has
	 * not yet seen (its monitor queue holds about a thousand).
	 * Strangers may wait for their handshake in half of the rest.
	 */
	keep = used + CONN_RESERVE + 8 * (uint64_t)n->nmembers + CONN_INFLIGHT;
	room = nofile > keep ? nofile - keep : 0;
	c->cap = room / 2 < CONN_PENDING_MAX ? (size_t)(room / 2) :
	    CONN_PENDING_MAX;
	if (c->cap < 8)
		c->cap = 8;
	if ((c->pend = calloc(c->cap, sizeof(*c->pend))) == NULL)
		return I40_E_NOMEM;
	log_info("descriptors: limit %llu, %llu open; at most %zu "
	    "connections may wait for their handshake", (unsigned long long)
	    nofile, (unsigned long long)used, c->cap);
	if (room < 2 * 256)
		log_warnx("the descriptor limit is %llu: a flood of "
		    "connections could take what the control socket and the "
		    "store need; raise LimitNOFILE (docs/operations.md, "
		    "\"Strangers\")", (unsigned long long)nofile);
	return 0;
}

void
conn_free(struct node *n)
{
	free(n->conn.pend);
	n->conn.pend = NULL;
	n->conn.npend = n->conn.cap = 0;
}

static uint64_t
cookie_of(int fd)
{
	uint64_t v = 0;
	socklen_t len = sizeof(v);

	return getsockopt(fd, SOL_SOCKET, SO_COOKIE, &v, &len) == 0 ? v : 0;
}

/*
 * Shut p down if it still is the socket accepted (its cookie: libzmq may
 * have closed the fd and the number been reused since the event) and it
 * has not finished its handshake: this node sent it no READY yet, which
 * only follows ZAP's 200.  The greeting, WELCOME and an ERROR come to
 * less than CONN_AUTH_BYTES; a READY takes more.  1 if shed.
 */
static int
shed(const struct conn_pend *p)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int queued;

	if (p->cookie == 0 || cookie_of(p->fd) != p->cookie)
		return 0;
	memset(&ti, 0, sizeof(ti));
	/*
	 * What was written, not only what was acked: the peer may delay its
	 * ACK of the READY (up to 40 ms), and a member whose dealer has seen
	 * the READY is up; shedding it then cut a live link.
	 */
	if (ioctl(p->fd, SIOCOUTQ, &queued) != 0 || queued < 0)
		queued = 0;
	if (getsockopt(p->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    len >= offsetof(struct tcp_info, tcpi_bytes_acked) +
	    sizeof(ti.tcpi_bytes_acked) &&
	    ti.tcpi_bytes_acked + (__u64)queued > CONN_AUTH_BYTES)
		return 0;
	return shutdown(p->fd, SHUT_RDWR) == 0;
}

static void
drop_at(struct conn *c, size_t k)
{
	memmove(&c->pend[k], &c->pend[k + 1],
	    (c->npend - k - 1) * sizeof(c->pend[0]));
	c->npend--;
}

/* Connections older than the handshake have finished it, or are gone. */
static void
age_out(struct conn *c, uint64_t now)
{
	size_t k = 0;

	while (k < c->npend && now - c->pend[k].ms > NODE_HANDSHAKE_MS + 1000)
		k++;
	if (k == 0)
		return;
	memmove(&c->pend[0], &c->pend[k], (c->npend - k) * sizeof(c->pend[0]));
	c->npend -= k;
}

void
conn_event(struct node *n, uint16_t event, uint32_t value)
{
	struct conn *c = &n->conn;
	uint64_t now = node_mono_ms();
	size_t k;

	if (event == ZMQ_EVENT_DISCONNECTED) {
		for (k = 0; k < c->npend; k++)
			if (c->pend[k].fd == (int)value) {
				drop_at(c, k);
				break;
			}
		return;
	}
	if (event != ZMQ_EVENT_ACCEPTED)
		return;
	age_out(c, now);
	while (c->npend >= c->cap) {
		c->shed += (uint64_t)shed(&c->pend[0]);
		drop_at(c, 0);
	}
	c->pend[c->npend].fd = (int)value;
	c->pend[c->npend].cookie = cookie_of((int)value);
	c->pend[c->npend].ms = now;
	c->npend++;
	if (c->shed > c->shed_logged &&
	    (c->log_ms == 0 || now - c->log_ms >= CONN_LOG_MS)) {
		log_warnx("router: %zu connections not yet authenticated, the "
		    "most this node keeps (descriptor limit %llu); shed the "
		    "oldest %llu since the last line: a stranger may be "
		    "flooding port %d (docs/operations.md, \"Strangers\", "
		    "has an nftables limit)", c->npend,
		    (unsigned long long)c->nofile,
		    (unsigned long long)(c->shed - c->shed_logged), c->port);
		c->shed_logged = c->shed;
		c->log_ms = now;
	}
}

void
conn_reset(struct node *n)
{
	n->conn.npend = 0;
}

void
conn_note(struct peer *p, zmq_msg_t *msg)
{
	int fd = zmq_msg_get(msg, ZMQ_SRCFD);

	/* One getsockopt per new connection, not per message. */
	if (fd >= 0 && fd != p->rfd) {
		p->rfd = fd;
		p->rcookie = cookie_of(fd);
	}
}

void
conn_close_peer(const struct peer *p)
{
	if (p->rfd >= 0 && p->rcookie != 0 && cookie_of(p->rfd) == p->rcookie &&
	    shutdown(p->rfd, SHUT_RDWR) == 0)
		log_debug("peer %s: its connection to the router shut down",
		    p->schac);
}
