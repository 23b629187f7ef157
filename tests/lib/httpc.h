/*
 * httpc.h: a minimal HTTP/1.1 client for benchmarks and load tests of
 * the web face: one keep-alive connection on loopback, GET only, bodies
 * with Content-Length (what libmicrohttpd sends for buffers).
 *
 * Ownership: a struct httpc holds its socket and buffer; httpc_close.
 */
#ifndef I40_TEST_HTTPC_H
#define I40_TEST_HTTPC_H

#include <stddef.h>

struct httpc {
	int fd;
	unsigned port;
	char *buf;
	size_t cap;
};

/* Connect to 127.0.0.1:port: 0, or -errno. */
int httpc_open(struct httpc *c, unsigned port);
/*
 * GET path: 0 with *status and the body in c->buf[0..*len), or -errno
 * (the connection is then closed; httpc_open again).
 */
int httpc_get(struct httpc *c, const char *path, int *status, size_t *len);
void httpc_close(struct httpc *c);

#endif
