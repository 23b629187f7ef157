/* httpc.c: see httpc.h. */
#include "tests/lib/httpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
httpc_open(struct httpc *c, unsigned port)
{
	struct sockaddr_in a;
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->port = port;
	c->cap = 1 << 16;
	if ((c->buf = malloc(c->cap)) == NULL)
		return -ENOMEM;
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -errno;
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -errno;
	return 0;
}

static int
fail(struct httpc *c, int rc)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return rc;
}

int
httpc_get(struct httpc *c, const char *path, int *status, size_t *len)
{
	char req[4096], *hdr_end, *cl;
	size_t have = 0, need = 0, hlen;
	ssize_t n;
	int k;

	k = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Connection: keep-alive\r\n\r\n", path);
	if (k < 0 || (size_t)k >= sizeof(req))
		return -EINVAL;
	if (c->fd < 0 || write(c->fd, req, (size_t)k) != k)
		return fail(c, -EIO);
	for (;;) {
		if (have == c->cap - 1) {
			char *nb = realloc(c->buf, c->cap * 2);

			if (nb == NULL)
				return fail(c, -ENOMEM);
			c->buf = nb;
			c->cap *= 2;
		}
		if ((n = read(c->fd, c->buf + have, c->cap - 1 - have)) <= 0)
			return fail(c, n == 0 ? -ECONNRESET : -errno);
		have += (size_t)n;
		c->buf[have] = '\0';
		if ((hdr_end = strstr(c->buf, "\r\n\r\n")) == NULL)
			continue;
		hlen = (size_t)(hdr_end + 4 - c->buf);
		if (need == 0) {
			/* libmicrohttpd writes it so; HTTP/2 proxies do not
			 * sit between a test and its daemon. */
			if ((cl = strstr(c->buf, "\r\nContent-Length:")) ==
			    NULL || cl > hdr_end)
				return fail(c, -EPROTO);
			need = hlen + strtoul(cl + 17, NULL, 10);
			*status = atoi(c->buf + 9);
		}
		if (have >= need)
			break;
	}
	memmove(c->buf, c->buf + hlen, need - hlen);
	*len = need - hlen;
	c->buf[*len] = '\0';
	return 0;
}

void
httpc_close(struct httpc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}
