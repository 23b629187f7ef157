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
 * connection finished is not known; but none lives past HANDSHAKE_IVL
 * without finishing, so one older than that is a member's and leaves the
 * count.  A member's session younger than that may be shed in a flood; it
 * dials again at once and, being the newest, is shed last.
 */
#define ZMQ_BUILD_DRAFT_API
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <zmq.h>

#include "node.h"

#define CONN_LOG_MS 60000	/* one shedding line a minute */
#define CONN_RESERVE 64		/* for the control socket, store, dials */

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

void
conn_init(struct node *n, uint64_t nofile)
{
	struct conn *c = &n->conn;
	uint64_t used = fds_open(), room;

	memset(c, 0, sizeof(*c));
	c->nofile = nofile;
	c->port = listen_port(n->listen);
	/*
	 * Each member may hold a session in and a dial out, and members
	 * join: keep room for four times today's, the reserve, and what is
	 * open now; strangers may have half of what is left.
	 */
	room = nofile > used + CONN_RESERVE + 4 * n->nmembers ?
	    nofile - used - CONN_RESERVE - 4 * n->nmembers : 0;
	c->cap = room / 2 < CONN_PENDING_MAX ? (size_t)(room / 2) :
	    CONN_PENDING_MAX;
	if (c->cap < 8)
		c->cap = 8;
	log_info("descriptors: limit %llu, %llu open; at most %zu "
	    "connections may wait for their handshake", (unsigned long long)
	    nofile, (unsigned long long)used, c->cap);
	if (nofile < 4096)
		log_warnx("the descriptor limit is %llu: a flood of "
		    "connections can crowd out members; raise LimitNOFILE "
		    "(docs/operations.md, \"Strangers\")",
		    (unsigned long long)nofile);
}

/*
 * Shut fd down if it still is a TCP connection to our listen port:
 * libzmq may have closed it and the number been reused since the event.
 */
static int
shed(const struct conn *c, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int port;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else if (ss.ss_family == AF_INET6)
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		return 0;
	if (port != c->port)
		return 0;
	return shutdown(fd, SHUT_RDWR) == 0;
}

static void
drop_at(struct conn *c, size_t k)
{
	memmove(&c->pend[k], &c->pend[k + 1],
	    (c->npend - k - 1) * sizeof(c->pend[0]));
	c->npend--;
}

/* Connections older than the handshake may be have finished it. */
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
		c->shed += (uint64_t)shed(c, c->pend[0].fd);
		drop_at(c, 0);
	}
	c->pend[c->npend].fd = (int)value;
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
