/*
 * zaperror: a stranger on a peer's endpoint that answers every CURVE
 * client's HELLO with a ZMTP ERROR "400", as a ZAP refusal would, without
 * holding the server's key (libzmq's client takes an ERROR before the
 * server has proved its key).  Test 24 uses it to check that such a
 * refusal does not make a rotating node move its CURVE key.
 *
 *   zaperror PORT SECONDS    listen on 127.0.0.1:PORT for SECONDS
 *
 * Prints "# zaperror: answered N HELLO(s)" at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Read exactly len bytes within the deadline; 0, or -1. */
static int
read_all(int fd, unsigned char *buf, size_t len, time_t until)
{
	size_t got = 0;
	ssize_t r;

	while (got < len) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (time(NULL) >= until || poll(&p, 1, 1000) < 0)
			return -1;
		if (!(p.revents & POLLIN))
			continue;
		if ((r = read(fd, buf + got, len - got)) <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* One client: greeting, its HELLO command, our ERROR 400. */
static int
serve(int fd)
{
	static const unsigned char error[] = {
		0x04, 10, 5, 'E', 'R', 'R', 'O', 'R', 3, '4', '0', '0'
	};
	unsigned char greet[64], hdr[9], body[512];
	time_t until = time(NULL) + 5;
	size_t len;

	memset(greet, 0, sizeof(greet));
	greet[0] = 0xff;
	greet[9] = 0x7f;
	greet[10] = 3;			/* ZMTP 3.0 */
	greet[11] = 0;
	memcpy(greet + 12, "CURVE", 5);
	greet[32] = 1;			/* as-server */
	if (write(fd, greet, sizeof(greet)) != (ssize_t)sizeof(greet) ||
	    read_all(fd, greet, sizeof(greet), until) != 0 ||
	    read_all(fd, hdr, 2, until) != 0)
		return -1;
	if (hdr[0] == 0x06) {		/* a long command: 8 bytes of size */
		if (read_all(fd, hdr + 2, 7, until) != 0)
			return -1;
		len = ((size_t)hdr[7] << 8) | hdr[8];
	} else if (hdr[0] == 0x04) {
		len = hdr[1];
	} else {
		return -1;
	}
	if (len > sizeof(body) || read_all(fd, body, len, until) != 0 ||
	    len < 6 || memcmp(body, "\x05HELLO", 6) != 0)
		return -1;
	if (write(fd, error, sizeof(error)) != (ssize_t)sizeof(error))
		return -1;
	/* Let the client read it before the close. */
	(void)read_all(fd, body, 1, time(NULL) + 1);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in a;
	time_t until;
	int s, c, one = 1, served = 0;
	long port;

	if (argc != 3 || (port = strtol(argv[1], NULL, 10)) <= 0 ||
	    port > 65535) {
		fprintf(stderr, "usage: zaperror PORT SECONDS\n");
		return 2;
	}
	until = time(NULL) + strtol(argv[2], NULL, 10);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s, 16) != 0) {
		fprintf(stderr, "zaperror: cannot listen on port %ld: %s\n",
		    port, strerror(errno));
		return 1;
	}
	while (time(NULL) < until) {
		struct pollfd p = { s, POLLIN, 0 };

		if (poll(&p, 1, 500) <= 0 || !(p.revents & POLLIN))
			continue;
		if ((c = accept(s, NULL, NULL)) < 0)
			continue;
		served += serve(c) == 0;
		close(c);
	}
	close(s);
	printf("# zaperror: answered %d HELLO(s)\n", served);
	return 0;
}
