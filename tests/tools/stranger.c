/*
 * stranger.c: a hostile stranger for the integration tests, who holds no
 * member key and attacks a node's listen port.
 *
 *   stranger hold --host ADDR --port N --count N --seconds S [--rate R]
 *       Open N raw TCP connections (R a second at most, default all at
 *       once) and hold them, sending nothing, for S seconds.  Whatever the
 *       node closes is opened again at once, so that N stay open or in
 *       the making for the whole time.  Prints "# held N, opened M,
 *       closed by the node K" at the end.
 *
 *   stranger handshakes --endpoint EP --server-pub HEX --count N
 *           [--parallel P]
 *       (HEX: the node's transport key, "transport" in its card.)
 *       N CURVE handshakes, each with a fresh random key (so each is
 *       refused by ZAP), P at a time (default 32).  Prints how many were
 *       refused and how many succeeded; exit 1 if any succeeded.
 *
 * The process raises its own descriptor limit as far as it may.  Exit
 * status 2 is a usage error, 4 a setup error; errors go to stderr as
 * "stranger: ...".
 */
#define ZMQ_BUILD_DRAFT_API
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zmq.h>

#include "protocol/keys.h"

static void
die(int code, const char *what)
{
	fprintf(stderr, "stranger: %s\n", what);
	exit(code);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
raise_nofile(rlim_t want)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) != 0)
		return;
	if (r.rlim_max < want) {
		r.rlim_max = want;	/* root may */
		r.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &r) == 0)
			return;
		(void)getrlimit(RLIMIT_NOFILE, &r);
	}
	r.rlim_cur = r.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &r);
}

static int
open_one(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
cmd_hold(const char *host, int port, int count, double seconds, double rate)
{
	struct sockaddr_in sa;
	struct pollfd *pf;
	char buf[256];
	long opened = 0, closed = 0;
	int i, live = 0;
	double t0 = now_s(), t;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die(2, "--host must be an IPv4 address");
	raise_nofile((rlim_t)count + 64);
	if ((pf = calloc((size_t)count, sizeof(*pf))) == NULL)
		die(4, "out of memory");
	for (i = 0; i < count; i++)
		pf[i].fd = -1;
	while ((t = now_s()) - t0 < seconds) {
		/* Top up to count, no faster than rate a second. */
		long allowed = rate > 0 ? (long)((t - t0) * rate) + 1 - opened :
		    count;

		for (i = 0; i < count && allowed > 0; i++) {
			if (pf[i].fd >= 0)
				continue;
			if ((pf[i].fd = open_one(&sa)) < 0)
				break;
			pf[i].events = POLLIN;
			opened++;
			allowed--;
			live++;
		}
		if (poll(pf, (nfds_t)count, 100) < 0 && errno != EINTR)
			die(4, "poll failed");
		for (i = 0; i < count; i++) {
			if (pf[i].fd < 0 || pf[i].revents == 0)
				continue;
			/* Anything readable is the node's greeting or a close. */
			if ((pf[i].revents & (POLLHUP | POLLERR)) != 0 ||
			    read(pf[i].fd, buf, sizeof(buf)) <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				closed++;
				live--;
			}
			pf[i].revents = 0;
		}
	}
	printf("# held %d, opened %ld, closed by the node %ld\n", live,
	    opened, closed);
	for (i = 0; i < count; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	free(pf);
	return 0;
}

/* One fresh-key CURVE client socket dialling ep, with a monitor. */
static int
dial(void *ctx, const char *ep, const uint8_t spk[32], int n, void **s,
    void **mon)
{
	uint8_t pk[32], sk[32];
	char name[64];
	int linger = 0, ivl = 3000;

	crypto_box_keypair(pk, sk);
	snprintf(name, sizeof(name), "inproc://stranger-%d", n);
	if ((*s = zmq_socket(ctx, ZMQ_DEALER)) == NULL ||
	    zmq_setsockopt(*s, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_setsockopt(*s, ZMQ_HANDSHAKE_IVL, &ivl, sizeof(ivl)) != 0 ||
	    zmq_setsockopt(*s, ZMQ_CURVE_SERVERKEY, spk, 32) != 0 ||
	    zmq_setsockopt(*s, ZMQ_CURVE_PUBLICKEY, pk, 32) != 0 ||
	    zmq_setsockopt(*s, ZMQ_CURVE_SECRETKEY, sk, 32) != 0 ||
	    zmq_socket_monitor(*s, name, ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
	    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
	    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
	    ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0 ||
	    (*mon = zmq_socket(ctx, ZMQ_PAIR)) == NULL ||
	    zmq_setsockopt(*mon, ZMQ_LINGER, &linger, sizeof(linger)) != 0 ||
	    zmq_connect(*mon, name) != 0 || zmq_connect(*s, ep) != 0)
		return -1;
	sodium_memzero(sk, sizeof(sk));
	return 0;
}

static void
hang_up(void *s, void *mon)
{
	zmq_socket_monitor(s, NULL, 0);
	zmq_close(s);
	zmq_close(mon);
}

static int
cmd_handshakes(const char *ep, const char *hex, int count, int par)
{
	uint8_t spk[32];
	void *ctx, **s, **mon;
	zmq_pollitem_t *pi;
	int started = 0, done = 0, refused = 0, ok = 0, other = 0, i;
	double t0 = now_s();

	if (strlen(hex) != 64 || sodium_hex2bin(spk, sizeof(spk), hex,
	    strlen(hex), NULL, NULL, NULL) != 0)
		die(2, "--server-pub must be 64 hex digits of the node's "
		    "transport key (i40ctl keygen --public -k KEY --json)");
	raise_nofile((rlim_t)par * 8 + 64);
	if ((ctx = zmq_ctx_new()) == NULL)
		die(4, "zmq_ctx_new failed");
	(void)zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, 4096);
	s = calloc((size_t)par, sizeof(*s));
	mon = calloc((size_t)par, sizeof(*mon));
	pi = calloc((size_t)par, sizeof(*pi));
	if (s == NULL || mon == NULL || pi == NULL)
		die(4, "out of memory");
	while (done < count) {
		for (i = 0; i < par; i++) {
			if (s[i] != NULL || started == count)
				continue;
			if (dial(ctx, ep, spk, started, &s[i], &mon[i]) != 0)
				die(4, zmq_strerror(errno));
			started++;
		}
		for (i = 0; i < par; i++) {
			pi[i].socket = mon[i];
			pi[i].fd = -1;
			pi[i].events = s[i] != NULL ? ZMQ_POLLIN : 0;
			pi[i].revents = 0;
		}
		if (zmq_poll(pi, par, 1000) < 0 && errno != EINTR)
			die(4, "zmq_poll failed");
		for (i = 0; i < par; i++) {
			zmq_msg_t f;
			uint16_t ev = 0;
			int more;

			if (s[i] == NULL || (pi[i].revents & ZMQ_POLLIN) == 0)
				continue;
			zmq_msg_init(&f);
			if (zmq_msg_recv(&f, mon[i], 0) >= 2)
				memcpy(&ev, zmq_msg_data(&f), 2);
			more = zmq_msg_more(&f);
			zmq_msg_close(&f);
			while (more) {
				zmq_msg_init(&f);
				more = zmq_msg_recv(&f, mon[i], 0) >= 0 &&
				    zmq_msg_more(&f);
				zmq_msg_close(&f);
			}
			if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
				ok++;
			else if (ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
				refused++;
			else
				other++;
			hang_up(s[i], mon[i]);
			s[i] = mon[i] = NULL;
			done++;
		}
	}
	printf("# %d handshakes in %.2f s: %d refused by ZAP, %d failed "
	    "otherwise, %d succeeded\n", done, now_s() - t0, refused, other,
	    ok);
	free(s);
	free(mon);
	free(pi);
	zmq_ctx_term(ctx);
	return ok == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "server-pub", required_argument, NULL, 'k' },
		{ "parallel", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	const char *host = "127.0.0.1", *ep = NULL, *hex = NULL;
	int port = 0, count = 0, par = 32, c;
	double seconds = 10, rate = 0;

	if (argc < 2)
		die(2, "usage: stranger hold|handshakes OPTIONS (see the "
		    "source's first comment)");
	if (sodium_init() < 0)
		die(4, "sodium_init failed");
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'h': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'n': count = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'e': ep = optarg; break;
		case 'k': hex = optarg; break;
		case 'P': par = atoi(optarg); break;
		default: die(2, "unknown option");
		}
	}
	if (count <= 0 || par <= 0)
		die(2, "--count and --parallel must be positive");
	if (strcmp(argv[1], "hold") == 0) {
		if (port <= 0 || port > 65535)
			die(2, "hold needs --port");
		return cmd_hold(host, port, count, seconds, rate);
	}
	if (strcmp(argv[1], "handshakes") == 0) {
		if (ep == NULL || hex == NULL)
			die(2, "handshakes needs --endpoint and --server-pub");
		return cmd_handshakes(ep, hex, count, par);
	}
	die(2, "the first word must be hold or handshakes");
	return 2;
}
