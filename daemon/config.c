/*
 * config.c: i40d's configuration file (config.h).
 *
 * libinih splits the file into sections and "key = value" pairs, but its
 * handler is not told the line number: Debian builds libinih without
 * INI_HANDLER_LINENO, and defining it here would break the ABI.  So the
 * file reaches inih through our own reader (ini_parse_stream), which counts
 * lines.  inih calls the handler for a line right after reading it, so the
 * reader's count is the handler's line number.  The reader also
 *
 *  - strips leading white space, so that an indented "key = value" is a key
 *    and never a continuation of the previous value (inih's multi-line
 *    values would make it part of the value above it);
 *  - checks section headers itself, so that an unknown section is an error
 *    even when it holds no keys (inih calls the handler for keys only);
 *  - refuses a line longer than inih's line buffer (200 bytes), which inih
 *    would split silently into two lines (a comment is cut instead);
 *  - ends the parse at the first error by reporting end of file, so the
 *    first error is the one reported.
 *
 * inih's own syntax errors (a line that is neither a section nor a pair)
 * come back as its return value, the number of the first such line.
 *
 * Value checks write a message without a FILE:LINE prefix, which the
 * loader adds; config_set() passes them on as they are.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <ini.h>

#include "daemon/config.h"
#include "daemon/config_int.h"
#include "daemon/log.h"

#define NAME_MAX_LEN 128
#define ENDPOINT_MAX_LEN 256
#define WHO_MIN_LEN 3
#define WHO_MAX_LEN 64
#define KEY_HEX_LEN 64
#define MSG_MAX 600
#define HOSTNAME_BUF 256
#define DEFAULT_NODE "i40d"	/* when the host name gives no valid name */

enum node_key {
	K_NAME,
	K_DATADIR,
	K_GENESIS,
	K_KEY,
	K_LISTEN,
	K_SYNC,
	K_CHECKPOINT,
	K_LOG_LEVEL,
	K_LOG_INTERVAL,
	K_COUNT
};

static const char *const node_keys[K_COUNT] = {
	"name", "datadir", "genesis", "key", "listen", "sync_interval",
	"checkpoint_interval", "log_level", "log_interval"
};
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"
#define NODE_KEYS_TEXT \
	"name, datadir, genesis, key, listen, sync_interval, " \
	"checkpoint_interval, log_level, log_interval"

/* The state of one config_load(). */
struct load {
	struct config *c;
	const char *path;
	FILE *f;
	char *line;			/* getline's buffer */
	size_t linecap;
	int lineno;			/* lines read so far */
	int rc;				/* the first error, or 0 */
	int errline;			/* its line, 0 if none has one */
	char *err;
	size_t errlen;
	int keyline[K_COUNT];		/* where each [node] key was set */
	int peerline[CONFIG_MAX_PEERS];	/* where each peer was set */
	int httpline[H_COUNT];		/* where each [http] key was set */
};

static void fail(struct load *, int, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* The message into err, if there is room (it may be cut); I40_E_CONFIG. */
int
config_bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return I40_E_CONFIG;
}

static int
nomem(char *err, size_t errlen)
{
	(void)config_bad(err, errlen, "out of memory");
	return I40_E_NOMEM;
}

/*
 * Record the load's first error: rc with "FILE:LINE: message", or
 * "FILE: message" when line is 0.  Later errors are ignored.
 */
static void
fail(struct load *ld, int line, int rc, const char *fmt, ...)
{
	char m[MSG_MAX];
	va_list ap;

	if (ld->rc != 0)
		return;
	ld->rc = rc;
	ld->errline = line;
	va_start(ap, fmt);
	(void)vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (line > 0)
		(void)config_bad(ld->err, ld->errlen, "%s:%d: %s", ld->path, line, m);
	else
		(void)config_bad(ld->err, ld->errlen, "%s: %s", ld->path, m);
}

const char *
config_quote(struct config_quoted *q, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;

	q->s[n++] = '"';
	for (i = 0; s[i] != '\0' && i < QUOTE_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch >= 0x7f) {
			q->s[n++] = '\\';
			q->s[n++] = 'x';
			q->s[n++] = hex[ch >> 4];
			q->s[n++] = hex[ch & 15];
		} else {
			if (ch == '"' || ch == '\\')
				q->s[n++] = '\\';
			q->s[n++] = (char)ch;
		}
	}
	q->s[n++] = '"';
	if (s[i] != '\0') {
		memcpy(q->s + n, "...", 3);
		n += 3;
	}
	q->s[n] = '\0';
	return q->s;
}

static int
is_space(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
	    ch == '\v' || ch == '\f';
}

static int
is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* Node name: 1..128 printable ASCII characters, no spaces. */
static int
name_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > NAME_MAX_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/*
 * A SCHAC code as the protocol has it (docs/protocol.md, SCHAC), 3..64
 * bytes: a domain name of a-z, 0-9, '-' and '.', with at least one '.',
 * not starting or ending with '.' or '-', and no two dots in a row.
 * A looser rule would accept names no member can ever have.
 */
static int
schac_ok(const char *s)
{
	size_t len = strlen(s);

	return len >= WHO_MIN_LEN && len <= WHO_MAX_LEN &&
	    strspn(s, LOWER DIGITS "-.") == len &&
	    strchr(".-", s[0]) == NULL && strchr(".-", s[len - 1]) == NULL &&
	    strchr(s, '.') != NULL && strstr(s, "..") == NULL;
}

/*
 * A peer as [peers] names it: a SCHAC code, or an identity key as 64 hex
 * digits, which is written to out in lowercase so that one key has one
 * spelling.  out has room for WHO_MAX_LEN + 1 bytes.  0 or -1.
 */
static int
who_norm(const char *s, char *out)
{
	size_t i, len = strlen(s);

	if (len != KEY_HEX_LEN || strspn(s, DIGITS "abcdefABCDEF") != len) {
		if (!schac_ok(s))
			return -1;
		memcpy(out, s, len + 1);
		return 0;
	}
	for (i = 0; i <= len; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' :
		    s[i]);
	return 0;
}

/* A DNS host name: labels of 1..63 letters, digits and '-', 253 at most. */
static int
hostname_ok(const char *s)
{
	size_t n, len = strlen(s);

	if (len == 0 || len > 253 || strspn(s, LOWER UPPER DIGITS "-.") != len)
		return 0;
	for (;;) {
		n = strcspn(s, ".");
		if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
			return 0;
		if (s[n] == '\0')
			return 1;
		s += n + 1;
	}
}

/*
 * Why v is not an endpoint, or NULL if it is one: "tcp://HOST:PORT" with
 * HOST a host name, a dotted IPv4 address or a bracketed IPv6 address, and
 * PORT 1..65535 without leading zeros.  For listening, HOST may also be
 * "*" (every interface, as ZeroMQ writes it); "*", 0.0.0.0 and [::] are
 * not addresses a peer can be reached at.
 */
static const char *
endpoint_why(const char *v, int listen)
{
	const char *h, *end, *port;
	char host[ENDPOINT_MAX_LEN + 1];
	unsigned char a[16];
	size_t i, hl;
	unsigned long p = 0;
	int any = 0;

	if (strlen(v) > ENDPOINT_MAX_LEN)
		return "longer than 256 bytes";
	if (strncmp(v, "tcp://", 6) != 0)
		return "it does not start with tcp://";
	h = v + 6;
	if (*h == '[') {
		if ((end = strchr(h, ']')) == NULL)
			return "no ] after the IPv6 address";
		if (end[1] != ':')
			return "no :PORT after the host";
		hl = (size_t)(end - h - 1);
		memcpy(host, h + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, a) != 1)
			return "the host in [] is not an IPv6 address";
		for (i = 0; i < 16 && a[i] == 0; i++)
			;
		any = i == 16;
		port = end + 2;
	} else {
		if ((end = strrchr(h, ':')) == NULL)
			return "no :PORT after the host";
		hl = (size_t)(end - h);
		if (hl == 0)
			return "no host";
		memcpy(host, h, hl);
		host[hl] = '\0';
		if (strchr(host, ':') != NULL)
			return "an IPv6 address goes in brackets, "
			    "as in tcp://[::1]:7440";
		if (strcmp(host, "*") == 0) {
			any = 1;
		} else if (strspn(host, DIGITS ".") == hl) {
			if (inet_pton(AF_INET, host, a) != 1)
				return "the host is not an IPv4 address";
			any = memcmp(a, "\0\0\0\0", 4) == 0;
		} else if (!hostname_ok(host)) {
			return "the host is not a host name, an IPv4 address "
			    "or an [IPv6] address";
		}
		port = end + 1;
	}
	if (any && !listen)
		return "that host is for listen only; a peer needs an address "
		    "to connect to";
	for (i = 0; port[i] != '\0'; i++) {
		if (!is_digit(port[i]) || i == 5)
			return "the port is not a number 1..65535";
		p = p * 10 + (unsigned long)(port[i] - '0');
	}
	if (i == 0 || port[0] == '0' || p > 65535)
		return "the port is not a number 1..65535";
	return NULL;
}

/*
 * A duration: digits, then "ms", "s", "m", "h" or nothing (seconds).
 * 0 with *ms set; -1 if it is not a duration; -2 if it is one outside
 * CONFIG_SYNC_MIN_MS..CONFIG_SYNC_MAX_MS.
 */
int
config_duration(const char *v, unsigned *ms)
{
	const uint64_t cap = (uint64_t)1 << 40;	/* far above any bound */
	uint64_t n = 0, unit;
	const char *p = v;

	if (!is_digit(*p))
		return -1;
	for (; is_digit(*p); p++) {
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > cap)
			n = cap;
	}
	if (strcmp(p, "ms") == 0)
		unit = 1;
	else if (*p == '\0' || strcmp(p, "s") == 0)
		unit = 1000;
	else if (strcmp(p, "m") == 0)
		unit = 60 * 1000;
	else if (strcmp(p, "h") == 0)
		unit = 3600 * 1000;
	else
		return -1;
	n *= unit;
	if (n < CONFIG_SYNC_MIN_MS || n > CONFIG_SYNC_MAX_MS)
		return -2;
	*ms = (unsigned)n;
	return 0;
}

/* Replace *out with a copy of v. */
int
config_str_set(const char *v, char **out, char *err, size_t errlen)
{
	char *s;

	if ((s = strdup(v)) == NULL)
		return nomem(err, errlen);
	free(*out);
	*out = s;
	return 0;
}

/*
 * An absolute path into *out; ex is an example for the message.  i40d runs
 * from / under systemd, so a relative path would mean something else there
 * than in the shell where it was tried.  What the file could not say (a
 * control character, " ;" which inih takes for a comment, a trailing space
 * which it strips) is refused too, so that config_print's output reloads.
 */
static int
path_set(const char *key, const char *ex, const char *v, char **out,
    char *err, size_t errlen)
{
	struct config_quoted q;
	size_t i, len = strlen(v);

	if (v[0] != '/')
		return config_bad(err, errlen, "%s: %s is not an absolute path (i40d "
		    "runs from /; write the full path, e.g. %s)", key,
		    config_quote(&q, v), ex);
	if (len >= PATH_MAX)
		return config_bad(err, errlen, "%s: path longer than %d bytes", key,
		    PATH_MAX - 1);
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f ||
		    (v[i] == ';' && v[i - 1] == ' ') ||
		    (v[i] == ' ' && i == len - 1))
			return config_bad(err, errlen, "%s: %s cannot be written in "
			    "the file (a control character, \" ;\" or a "
			    "trailing space)", key, config_quote(&q, v));
	return config_str_set(v, out, err, errlen);
}

/* What every value must be: not empty, not in quotes. */
int
config_value_plain(const char *key, const char *v, char *err, size_t errlen)
{
	struct config_quoted q;
	size_t len = strlen(v);

	if (len == 0)
		return config_bad(err, errlen, "%s: no value", key);
	if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0])
		return config_bad(err, errlen, "%s: %s is in quotes; write the value "
		    "without them", key, config_quote(&q, v));
	return 0;
}

/* Set [node] key k to v, checked; on error c is unchanged. */
static int
node_set(struct config *c, enum node_key k, const char *v, char *err,
    size_t errlen)
{
	const char *key = node_keys[k], *why;
	struct config_quoted q;
	unsigned ms;
	size_t n;
	int rc, lvl;

	if ((rc = config_value_plain(key, v, err, errlen)) != 0)
		return rc;
	switch (k) {
	case K_NAME:
		if (!name_ok(v))
			return config_bad(err, errlen, "name: %s is not a node name "
			    "(1..%d printable ASCII characters, no spaces)",
			    config_quote(&q, v), NAME_MAX_LEN);
		return config_str_set(v, &c->node, err, errlen);
	case K_DATADIR:
		if ((rc = path_set(key, "/var/lib/i40", v, &c->datadir, err,
		    errlen)) != 0)
			return rc;
		/* One spelling, so that DATADIR/node.key has no "//". */
		for (n = strlen(c->datadir); n > 1 &&
		    c->datadir[n - 1] == '/'; n--)
			c->datadir[n - 1] = '\0';
		return 0;
	case K_GENESIS:
		return path_set(key, "/etc/i40/genesis.i40", v, &c->genesis,
		    err, errlen);
	case K_KEY:
		return path_set(key, "/var/lib/i40/node.key", v, &c->key, err,
		    errlen);
	case K_LISTEN:
		if ((why = endpoint_why(v, 1)) != NULL)
			return config_bad(err, errlen, "listen: %s is not an "
			    "endpoint: %s (use e.g. tcp://0.0.0.0:7440)",
			    config_quote(&q, v), why);
		return config_str_set(v, &c->listen, err, errlen);
	case K_SYNC:
		if ((rc = config_duration(v, &ms)) == -2)
			return config_bad(err, errlen, "sync_interval: %s is out of "
			    "range (%dms..%dh)", config_quote(&q, v),
			    CONFIG_SYNC_MIN_MS, CONFIG_SYNC_MAX_MS / 3600000);
		if (rc != 0)
			return config_bad(err, errlen, "sync_interval: %s is not a "
			    "duration (use e.g. 500ms, 5s, 2m)", config_quote(&q, v));
		c->sync_ms = ms;
		return 0;
	case K_CHECKPOINT:
		if ((rc = config_duration(v, &ms)) == -2)
			return config_bad(err, errlen, "checkpoint_interval: %s is out "
			    "of range (%dms..%dh)", config_quote(&q, v),
			    CONFIG_SYNC_MIN_MS, CONFIG_SYNC_MAX_MS / 3600000);
		if (rc != 0)
			return config_bad(err, errlen, "checkpoint_interval: %s is not "
			    "a duration (use e.g. 30s, 5m, 1h)", config_quote(&q, v));
		c->checkpoint_ms = ms;
		return 0;
	case K_LOG_LEVEL:
		if ((lvl = log_level_parse(v)) < 0)
			return config_bad(err, errlen, "log_level: %s is not a log "
			    "level (use error, warn, info or debug)",
			    config_quote(&q, v));
		c->log_level = lvl;
		return 0;
	case K_LOG_INTERVAL:
		if ((rc = config_duration(v, &ms)) == -2)
			return config_bad(err, errlen, "log_interval: %s is out of "
			    "range (%dms..%dh)", config_quote(&q, v),
			    CONFIG_SYNC_MIN_MS, CONFIG_SYNC_MAX_MS / 3600000);
		if (rc != 0)
			return config_bad(err, errlen, "log_interval: %s is not a "
			    "duration (use e.g. 5s, 1m)", config_quote(&q, v));
		c->log_ms = ms;
		return 0;
	case K_COUNT:
		break;
	}
	return config_bad(err, errlen, "no such key");
}

static int
node_key_find(const char *key)
{
	int i;

	for (i = 0; i < K_COUNT; i++)
		if (strcmp(key, node_keys[i]) == 0)
			return i;
	return -1;
}

/* One "key = value" of [node]. */
static void
load_node(struct load *ld, const char *key, const char *v)
{
	char m[MSG_MAX];
	struct config_quoted q;
	int k, rc;

	if ((k = node_key_find(key)) < 0) {
		fail(ld, ld->lineno, I40_E_CONFIG, "unknown key %s in [node] "
		    "(known: " NODE_KEYS_TEXT ")", config_quote(&q, key));
		return;
	}
	if (ld->keyline[k] != 0) {
		fail(ld, ld->lineno, I40_E_CONFIG, "%s: repeated key (first "
		    "set on line %d)", key, ld->keyline[k]);
		return;
	}
	ld->keyline[k] = ld->lineno;
	m[0] = '\0';
	if ((rc = node_set(ld->c, (enum node_key)k, v, m, sizeof(m))) != 0)
		fail(ld, ld->lineno, rc, "%s", m);
}

/* One "WHO = ENDPOINT|off" of [peers]; sorted at the end of the load. */
static void
load_peer(struct load *ld, const char *name, const char *v)
{
	struct config *c = ld->c;
	char who[WHO_MAX_LEN + 1], m[MSG_MAX];
	struct config_peer *p;
	struct config_quoted q;
	const char *why;
	size_t i;
	int rc;

	if (who_norm(name, who) != 0) {
		fail(ld, ld->lineno, I40_E_CONFIG, "[peers] %s is neither a "
		    "SCHAC code (e.g. kth.se) nor an identity key (64 hex "
		    "digits)", config_quote(&q, name));
		return;
	}
	for (i = 0; i < c->npeers; i++)
		if (strcmp(c->peers[i].who, who) == 0) {
			fail(ld, ld->lineno, I40_E_CONFIG, "[peers] %s: "
			    "repeated peer (first on line %d)", who,
			    ld->peerline[i]);
			return;
		}
	if (c->npeers == CONFIG_MAX_PEERS) {
		fail(ld, ld->lineno, I40_E_CONFIG, "[peers] %s: too many "
		    "peers (at most %d)", who, CONFIG_MAX_PEERS);
		return;
	}
	if ((rc = config_value_plain(who, v, m, sizeof(m))) != 0) {
		fail(ld, ld->lineno, rc, "[peers] %s", m);
		return;
	}
	if (strcmp(v, "off") != 0 && (why = endpoint_why(v, 0)) != NULL) {
		fail(ld, ld->lineno, I40_E_CONFIG, "[peers] %s: %s is not an "
		    "endpoint: %s (use tcp://HOST:PORT, or off)", who,
		    config_quote(&q, v), why);
		return;
	}
	p = &c->peers[c->npeers];
	p->endpoint = NULL;
	if ((p->who = strdup(who)) == NULL || (strcmp(v, "off") != 0 &&
	    (p->endpoint = strdup(v)) == NULL)) {
		free(p->who);
		p->who = NULL;
		fail(ld, ld->lineno, I40_E_NOMEM, "out of memory");
		return;
	}
	ld->peerline[c->npeers++] = ld->lineno;
}

/* One "key = value" of [http]. */
static void
load_http(struct load *ld, const char *key, const char *v)
{
	char m[MSG_MAX];
	struct config_quoted q;
	int k, rc;

	if ((k = config_http_key(key)) < 0) {
		fail(ld, ld->lineno, I40_E_CONFIG, "unknown key %s in [http] "
		    "(known: " HTTP_KEYS_TEXT ")", config_quote(&q, key));
		return;
	}
	if (ld->httpline[k] != 0) {
		fail(ld, ld->lineno, I40_E_CONFIG, "[http] %s: repeated key "
		    "(first set on line %d)", key, ld->httpline[k]);
		return;
	}
	ld->httpline[k] = ld->lineno;
	m[0] = '\0';
	if ((rc = config_http_set(ld->c, (enum http_key)k, v, m,
	    sizeof(m))) != 0)
		fail(ld, ld->lineno, rc, "%s", m);
}

/* inih's handler: always "success", since errors are kept in ld. */
static int
handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct load *ld = user;
	struct config_quoted q;

	if (ld->rc != 0)
		return 1;
	if (strcmp(section, "node") == 0)
		load_node(ld, name, value);
	else if (strcmp(section, "peers") == 0)
		load_peer(ld, name, value);
	else if (strcmp(section, "http") == 0)
		load_http(ld, name, value);
	else
		fail(ld, ld->lineno, I40_E_CONFIG, "%s: key outside a section "
		    "(put it under [node], [http] or [peers])",
		    config_quote(&q, name));
	return 1;
}

/* A section header "[name]", stripped; checks the name. */
static void
check_section(struct load *ld, char *s)
{
	struct config_quoted q;
	char *end, *after;

	if ((end = strchr(s, ']')) == NULL)
		return;		/* inih reports it as a syntax error */
	for (after = end + 1; is_space(*after); after++)
		;
	if (*after != '\0' && *after != ';' && *after != '#') {
		fail(ld, ld->lineno, I40_E_CONFIG, "text after the section "
		    "header: %s", config_quote(&q, end + 1));
		return;
	}
	*end = '\0';
	if (strcmp(s + 1, "node") != 0 && strcmp(s + 1, "peers") != 0 &&
	    strcmp(s + 1, "http") != 0)
		fail(ld, ld->lineno, I40_E_CONFIG, "unknown section %s "
		    "(use [node], [http] or [peers])", config_quote(&q, s + 1));
	*end = ']';
}

/* inih's reader (fgets-like): see the comment at the top of the file. */
static char *
reader(char *str, int num, void *stream)
{
	struct load *ld = stream;
	ssize_t n;
	size_t len;
	char *s;

	if (ld->rc != 0)
		return NULL;
	errno = 0;
	if ((n = getline(&ld->line, &ld->linecap, ld->f)) < 0) {
		if (ferror(ld->f))
			fail(ld, 0, errno != 0 ? -errno : -EIO, "cannot read: "
			    "%s", strerror(errno != 0 ? errno : EIO));
		return NULL;
	}
	ld->lineno++;
	s = ld->line;
	if (memchr(s, '\0', (size_t)n) != NULL) {
		fail(ld, ld->lineno, I40_E_CONFIG, "line has a NUL byte");
		return NULL;
	}
	if (ld->lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;		/* a UTF-8 byte order mark */
	while (is_space(*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_space(s[len - 1]))
		s[--len] = '\0';
	if (*s == '[')
		check_section(ld, s);
	if (num < 1)
		return NULL;
	/* A comment may be cut to fit; anything else must fit whole. */
	if (len > (size_t)num - 1 && (*s == ';' || *s == '#'))
		s[len = (size_t)num - 1] = '\0';
	if (ld->rc == 0 && len > (size_t)num - 1)
		fail(ld, ld->lineno, I40_E_CONFIG, "line longer than %d bytes",
		    num - 1);
	if (ld->rc != 0)
		return NULL;
	memcpy(str, s, len + 1);
	return str;
}

static int
peer_cmp(const void *a, const void *b)
{
	const struct config_peer *pa = a, *pb = b;

	return strcmp(pa->who, pb->who);
}

int
config_new(struct config **out)
{
	struct config *c;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return I40_E_NOMEM;
	c->sync_ms = CONFIG_SYNC_DEFAULT_MS;
	c->checkpoint_ms = CONFIG_CHECKPOINT_DEFAULT_MS;
	c->log_ms = CONFIG_LOG_DEFAULT_MS;
	c->log_level = LOG_LVL_INFO;
	c->http_conns = CONFIG_HTTP_CONNS_DEFAULT;
	c->http_timeout_ms = CONFIG_HTTP_TIMEOUT_DEFAULT_MS;
	*out = c;
	return 0;
}

int
config_load(const char *path, struct config **out, char *err,
    size_t errlen)
{
	struct load ld;
	int e, r, rc;

	*out = NULL;
	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.err = err;
	ld.errlen = errlen;
	if (config_new(&ld.c) != 0 || (ld.c->path = strdup(path)) == NULL) {
		fail(&ld, 0, I40_E_NOMEM, "out of memory");
		goto out;
	}
	if ((ld.f = fopen(path, "r")) == NULL) {
		e = errno;
		fail(&ld, 0, -e, "cannot open: %s", strerror(e));
		goto out;
	}
	r = ini_parse_stream(reader, &ld, handler, &ld);
	if (r > 0 && (ld.errline == 0 || r < ld.errline)) {
		/* inih's syntax error came first. */
		ld.rc = 0;
		fail(&ld, r, I40_E_CONFIG, "syntax error: expected [section] "
		    "or key = value");
	} else if (r < 0) {
		fail(&ld, 0, I40_E_NOMEM, "out of memory");
	}
	if (ld.rc == 0)
		qsort(ld.c->peers, ld.c->npeers, sizeof(ld.c->peers[0]),
		    peer_cmp);
out:
	if (ld.f != NULL)
		(void)fclose(ld.f);	/* read only: nothing to lose */
	free(ld.line);
	rc = ld.rc;
	if (rc != 0)
		config_free(ld.c);
	else
		*out = ld.c;
	return rc;
}

int
config_set(struct config *c, const char *key, const char *value,
    char *err, size_t errlen)
{
	struct config_quoted q;
	int k;

	if ((k = node_key_find(key)) < 0)
		return config_bad(err, errlen, "unknown key %s (known: "
		    NODE_KEYS_TEXT ")", config_quote(&q, key));
	return node_set(c, (enum node_key)k, value, err, errlen);
}

int
config_finish(struct config *c, char *err, size_t errlen)
{
	static const char leaf[] = "/node.key";
	char host[HOSTNAME_BUF], *s;
	size_t n, len;

	if (c->datadir == NULL)
		return config_bad(err, errlen, "no datadir: set [node] datadir in %s "
		    "or pass -d DIR", c->path != NULL ? c->path :
		    "the configuration file");
	if (c->key == NULL) {
		/* The root datadir "/" must not give "//node.key". */
		len = strcmp(c->datadir, "/") == 0 ? 0 : strlen(c->datadir);
		if (len + sizeof(leaf) > PATH_MAX)
			return config_bad(err, errlen, "key: DATADIR/node.key is "
			    "longer than %d bytes; set [node] key",
			    PATH_MAX - 1);
		if ((s = malloc(len + sizeof(leaf))) == NULL)
			return nomem(err, errlen);
		memcpy(s, c->datadir, len);
		memcpy(s + len, leaf, sizeof(leaf));
		c->key = s;
	}
	if (c->node == NULL) {
		/* The longest valid prefix of the host name. */
		if (gethostname(host, sizeof(host)) != 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		for (n = 0; n < NAME_MAX_LEN && (unsigned char)host[n] > 0x20 &&
		    (unsigned char)host[n] < 0x7f; n++)
			;
		host[n] = '\0';
		if ((c->node = strdup(n > 0 ? host : DEFAULT_NODE)) == NULL)
			return nomem(err, errlen);
	}
	return 0;
}

/* "key = value", or a comment saying what an unset key means. */
static int
print_key(FILE *f, const char *key, const char *v, const char *unset)
{
	if (v != NULL)
		return fprintf(f, "%s = %s\n", key, v) < 0;
	return fprintf(f, "; %s = (not set: %s)\n", key, unset) < 0;
}

int
config_print(const struct config *c, FILE *f)
{
	size_t i;
	int werr = 0;

	errno = 0;
	werr |= fprintf(f, "[node]\n") < 0;
	werr |= print_key(f, "name", c->node, "the host name");
	werr |= print_key(f, "datadir", c->datadir, "required");
	werr |= print_key(f, "genesis", c->genesis, "not checked");
	werr |= print_key(f, "key", c->key, "DATADIR/node.key");
	werr |= print_key(f, "listen", c->listen,
	    "the port of this node's endpoint in the membership");
	werr |= fprintf(f, "sync_interval = %ums\n", c->sync_ms) < 0;
	werr |= fprintf(f, "checkpoint_interval = %ums\n",
	    c->checkpoint_ms) < 0;
	werr |= fprintf(f, "log_level = %s\n",
	    log_level_name((enum log_level)c->log_level)) < 0;
	werr |= fprintf(f, "log_interval = %ums\n", c->log_ms) < 0;
	werr |= config_http_print(c, f);
	werr |= fprintf(f, "\n[peers]\n") < 0;
	for (i = 0; i < c->npeers; i++)
		werr |= fprintf(f, "%s = %s\n", c->peers[i].who,
		    c->peers[i].endpoint != NULL ? c->peers[i].endpoint :
		    "off") < 0;
	if (werr || fflush(f) != 0)
		return errno != 0 ? -errno : -EIO;
	return 0;
}

void
config_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->npeers; i++) {
		free(c->peers[i].who);
		free(c->peers[i].endpoint);
	}
	free(c->path);
	free(c->node);
	free(c->datadir);
	free(c->genesis);
	free(c->key);
	free(c->listen);
	free(c->http_listen);
	free(c);
}
