/*
 * config_http.c: the [http] section of i40d.conf, the web face and the
 * metrics (config.h, docs/web.md).
 *
 * The listen address is a numeric IP address and a port, not a host name:
 * i40d binds it before it knows any resolver, and a name that resolves to
 * a public address would publish the face by accident.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config_int.h"

static const char *const http_keys[H_COUNT] = { "listen", "connections",
	"timeout" };

int
config_http_key(const char *key)
{
	int i;

	for (i = 0; i < H_COUNT; i++)
		if (strcmp(key, http_keys[i]) == 0)
			return i;
	return -1;
}

/*
 * Why v is not "ADDRESS:PORT" (IPv4 dotted or [IPv6], PORT 1..65535
 * without leading zeros), or NULL.
 */
static const char *
listen_why(const char *v)
{
	char host[64];
	const char *colon, *port;
	unsigned char a[16];
	size_t hl, i;
	unsigned long p = 0;
	int v6 = v[0] == '[';

	if (v6) {
		if ((colon = strstr(v, "]:")) == NULL)
			return "an IPv6 address is written [ADDRESS]:PORT";
		colon++;
	} else if ((colon = strrchr(v, ':')) == NULL)
		return "no port (write ADDRESS:PORT)";
	hl = (size_t)(colon - v) - (v6 ? 2 : 0);
	if (hl == 0 || hl >= sizeof(host))
		return "no address before the port";
	memcpy(host, v + (v6 ? 1 : 0), hl);
	host[hl] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, a) != 1)
		return v6 ? "not an IPv6 address" : "not a numeric IPv4 "
		    "address (host names are not resolved here)";
	port = colon + 1;
	if (*port == '\0' || *port == '0' || strlen(port) > 5)
		return "the port is 1..65535";
	for (i = 0; port[i] != '\0'; i++) {
		if (port[i] < '0' || port[i] > '9')
			return "the port is 1..65535";
		p = p * 10 + (unsigned long)(port[i] - '0');
	}
	return p > 65535 ? "the port is 1..65535" : NULL;
}

int
config_http_set(struct config *c, enum http_key k, const char *v, char *err,
    size_t errlen)
{
	const char *key = http_keys[k], *why;
	struct config_quoted q;
	unsigned ms;
	char *end;
	long n;
	int rc;

	if ((rc = config_value_plain(key, v, err, errlen)) != 0)
		return rc;
	switch (k) {
	case H_LISTEN:
		if (strcmp(v, "off") == 0) {
			free(c->http_listen);
			c->http_listen = NULL;
			return 0;
		}
		if ((why = listen_why(v)) != NULL)
			return config_bad(err, errlen, "[http] listen: %s: %s "
			    "(use e.g. 127.0.0.1:8040, [::1]:8040, or off)",
			    config_quote(&q, v), why);
		return config_str_set(v, &c->http_listen, err, errlen);
	case H_CONNECTIONS:
		n = strtol(v, &end, 10);
		if (*end != '\0' || n < CONFIG_HTTP_CONNS_MIN ||
		    n > CONFIG_HTTP_CONNS_MAX)
			return config_bad(err, errlen, "[http] connections: %s "
			    "is not a number from %d to %d", config_quote(&q, v),
			    CONFIG_HTTP_CONNS_MIN, CONFIG_HTTP_CONNS_MAX);
		c->http_conns = (unsigned)n;
		return 0;
	case H_TIMEOUT:
		if ((rc = config_duration(v, &ms)) != 0 || ms < 1000 ||
		    ms > 300000)
			return config_bad(err, errlen, "[http] timeout: %s is "
			    "not a duration from 1s to 5m (use e.g. 10s)",
			    config_quote(&q, v));
		c->http_timeout_ms = ms;
		return 0;
	case H_COUNT:
		break;
	}
	return config_bad(err, errlen, "no such key");
}

int
config_http_print(const struct config *c, FILE *f)
{
	int werr = 0;

	werr |= fprintf(f, "\n[http]\n") < 0;
	werr |= fprintf(f, "listen = %s\n", c->http_listen != NULL ?
	    c->http_listen : "off") < 0;
	werr |= fprintf(f, "connections = %u\n", c->http_conns) < 0;
	werr |= fprintf(f, "timeout = %ums\n", c->http_timeout_ms) < 0;
	return werr;
}
