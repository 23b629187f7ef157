/*
 * test_config.c: i40d's configuration file: every key and its values,
 * every error with its line, command-line overrides, defaults, the
 * print -> load round trip, the golden files in tests/config/ and the
 * shipped example in docs/.
 *
 * Golden files (bgpd's regress/config model): tests/config/N.ini is
 * loaded and finished (config_load, config_finish).  If N.ok exists the
 * file must be valid and config_print's output must equal N.ok; if N.err
 * exists its first line is the expected first error, with the directory
 * left out of the file name ("14.ini:5: sync_interval: ...").  Files are
 * found under $SRCDIR (default ".", the repository root, where `make test`
 * runs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/log.h"

#define ERRLEN 1024
#define HEXKEY \
	"abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

static char base[] = "/tmp/i40-test-config-XXXXXX";
static int nfiles;

static void sfmt(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* snprintf that must not truncate. */
static void
sfmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap);
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(base) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	sfmt(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write len bytes of text to a new file; its path goes to path. */
static void
put(char *path, size_t cap, const char *text, size_t len)
{
	FILE *f;

	sfmt(path, cap, "%s/c%d.conf", base, nfiles++);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Load text; on success *c is the config, on failure err has the text. */
static int
load(const char *text, struct config **c, char *path, size_t cap,
    char *err)
{
	put(path, cap, text, strlen(text));
	err[0] = '\0';
	return config_load(path, c, err, ERRLEN);
}

/* Read a whole file into a new NUL-terminated string, or NULL. */
static char *
slurp(const char *path)
{
	FILE *f;
	char *buf;
	long n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) >= 0);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* config_print's output as a new string. */
static char *
print_str(const struct config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(config_print(c, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Equal apart from path, which names where each came from. */
static void
config_eq(const struct config *a, const struct config *b)
{
	size_t i;

	str_eq(a->node, b->node);
	str_eq(a->datadir, b->datadir);
	str_eq(a->genesis, b->genesis);
	str_eq(a->key, b->key);
	str_eq(a->listen, b->listen);
	assert_int_equal(a->sync_ms, b->sync_ms);
	assert_int_equal(a->log_level, b->log_level);
	assert_int_equal(a->npeers, b->npeers);
	for (i = 0; i < a->npeers; i++) {
		str_eq(a->peers[i].who, b->peers[i].who);
		str_eq(a->peers[i].endpoint, b->peers[i].endpoint);
	}
}

/* Print c, load the text back, compare; the second print is the same. */
static void
round_trip(const struct config *c)
{
	char path[PATH_MAX], err[ERRLEN], *text, *again;
	struct config *d;

	text = print_str(c);
	if (load(text, &d, path, sizeof(path), err) != 0)
		fail_msg("printed config does not load: %s\n%s", err, text);
	config_eq(c, d);
	again = print_str(d);
	assert_string_equal(text, again);
	free(again);
	free(text);
	config_free(d);
}

static void
test_new_free(void **state)
{
	struct config *c;

	(void)state;
	assert_int_equal(config_new(&c), 0);
	assert_null(c->path);
	assert_null(c->node);
	assert_null(c->datadir);
	assert_null(c->genesis);
	assert_null(c->key);
	assert_null(c->listen);
	assert_int_equal(c->sync_ms, CONFIG_SYNC_DEFAULT_MS);
	assert_int_equal(c->log_level, LOG_LVL_INFO);
	assert_int_equal(c->npeers, 0);
	round_trip(c);
	config_free(c);
	config_free(NULL);
}

static void
test_every_key(void **state)
{
	char path[PATH_MAX], err[ERRLEN];
	struct config *c;

	(void)state;
	assert_int_equal(load(
	    "; a full file\n"
	    "[node]\n"
	    "name = hh\n"
	    "datadir = /var/lib/i40/\n"
	    "genesis = /etc/i40/genesis.i40\n"
	    "key = /etc/i40/hh.key\n"
	    "listen = tcp://0.0.0.0:7440\n"
	    "sync_interval = 2m\n"
	    "log_level = debug\n"
	    "[peers]\n"
	    "lnu.se = off\n"
	    "kth.se = tcp://10.1.2.3:7440\n"
	    "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"
	    " = tcp://[::1]:7441\n",
	    &c, path, sizeof(path), err), 0);
	assert_string_equal(c->path, path);
	assert_string_equal(c->node, "hh");
	assert_string_equal(c->datadir, "/var/lib/i40");
	assert_string_equal(c->genesis, "/etc/i40/genesis.i40");
	assert_string_equal(c->key, "/etc/i40/hh.key");
	assert_string_equal(c->listen, "tcp://0.0.0.0:7440");
	assert_int_equal(c->sync_ms, 120000);
	assert_int_equal(c->log_level, LOG_LVL_DEBUG);
	/* Sorted by who; the key in lowercase. */
	assert_int_equal(c->npeers, 3);
	assert_string_equal(c->peers[0].who, HEXKEY);
	assert_string_equal(c->peers[0].endpoint, "tcp://[::1]:7441");
	assert_string_equal(c->peers[1].who, "kth.se");
	assert_string_equal(c->peers[1].endpoint, "tcp://10.1.2.3:7440");
	assert_string_equal(c->peers[2].who, "lnu.se");
	assert_null(c->peers[2].endpoint);
	round_trip(c);
	config_free(c);
}

/* The file's format: what inih accepts and what the reader adds. */
static void
test_format(void **state)
{
	static const char bom[] = "\xef\xbb\xbf[node]\r\nname = a\r\n"
	    "datadir = /d ; comment\r\n";
	char path[PATH_MAX], err[ERRLEN], line[400];
	struct config *c;

	(void)state;
	/* A byte order mark and CRLF line ends. */
	assert_int_equal(load(bom, &c, path, sizeof(path), err), 0);
	assert_string_equal(c->node, "a");
	assert_string_equal(c->datadir, "/d");
	config_free(c);
	/* An indented key is a key, not the previous value's next line. */
	assert_int_equal(load("[node]\nname = a\n    datadir = /d\n", &c,
	    path, sizeof(path), err), 0);
	assert_string_equal(c->node, "a");
	assert_string_equal(c->datadir, "/d");
	config_free(c);
	/* A long comment is fine; an empty file is too. */
	memset(line, 'x', sizeof(line));
	line[0] = '#';
	memcpy(line + sizeof(line) - 2, "\n", 2);
	assert_int_equal(load(line, &c, path, sizeof(path), err), 0);
	config_free(c);
	assert_int_equal(load("", &c, path, sizeof(path), err), 0);
	assert_null(c->datadir);
	config_free(c);
}

struct set_case {
	const char *key, *value;
	const char *want;	/* the normalised value, or NULL: an error */
	const char *what;	/* for an error: part of the message */
};

static const char *
field(const struct config *c, const char *key, char *buf, size_t cap)
{
	if (strcmp(key, "name") == 0)
		return c->node;
	if (strcmp(key, "datadir") == 0)
		return c->datadir;
	if (strcmp(key, "genesis") == 0)
		return c->genesis;
	if (strcmp(key, "key") == 0)
		return c->key;
	if (strcmp(key, "listen") == 0)
		return c->listen;
	if (strcmp(key, "sync_interval") == 0) {
		sfmt(buf, cap, "%u", c->sync_ms);
		return buf;
	}
	if (strcmp(key, "log_level") == 0)
		return log_level_name((enum log_level)c->log_level);
	fail_msg("no field %s", key);
	return NULL;
}

static const struct set_case set_cases[] = {
	/* name */
	{ "name", "hh", "hh", NULL },
	{ "name", "node-1.hh.se_x!", "node-1.hh.se_x!", NULL },
	{ "name", "a b", NULL, "is not a node name" },
	{ "name", "h\xc3\xa4", NULL, "\"h\\xc3\\xa4\" is not a node name" },
	{ "name", "a\tb", NULL, "is not a node name" },
	{ "name", "", NULL, "name: no value" },
	/* paths */
	{ "datadir", "/var/lib/i40", "/var/lib/i40", NULL },
	{ "datadir", "/var/lib/i40//", "/var/lib/i40", NULL },
	{ "datadir", "/", "/", NULL },
	{ "datadir", "var/lib/i40", NULL,
	    "datadir: \"var/lib/i40\" is not an absolute path" },
	{ "datadir", "./i40", NULL, "is not an absolute path" },
	{ "datadir", "~/i40", NULL, "is not an absolute path" },
	{ "datadir", "/a\nb", NULL, "cannot be written in the file" },
	{ "datadir", "/a ;b", NULL, "cannot be written in the file" },
	{ "datadir", "/a ", NULL, "cannot be written in the file" },
	{ "datadir", "\"/a\"", NULL, "is in quotes" },
	{ "genesis", "/etc/i40/genesis.i40", "/etc/i40/genesis.i40", NULL },
	{ "genesis", "genesis.i40", NULL,
	    "genesis: \"genesis.i40\" is not an absolute path" },
	{ "key", "/etc/i40/node.key", "/etc/i40/node.key", NULL },
	{ "key", "node.key", NULL,
	    "key: \"node.key\" is not an absolute path" },
	/* listen */
	{ "listen", "tcp://0.0.0.0:7440", "tcp://0.0.0.0:7440", NULL },
	{ "listen", "tcp://*:7440", "tcp://*:7440", NULL },
	{ "listen", "tcp://[::]:7440", "tcp://[::]:7440", NULL },
	{ "listen", "tcp://eth0:7440", "tcp://eth0:7440", NULL },
	{ "listen", "7440", NULL, "listen: \"7440\" is not an endpoint" },
	/* sync_interval */
	{ "sync_interval", "5", "5000", NULL },
	{ "sync_interval", "500ms", "500", NULL },
	{ "sync_interval", "100ms", "100", NULL },
	{ "sync_interval", "5s", "5000", NULL },
	{ "sync_interval", "2m", "120000", NULL },
	{ "sync_interval", "60m", "3600000", NULL },
	{ "sync_interval", "1h", "3600000", NULL },
	{ "sync_interval", "3600", "3600000", NULL },
	{ "sync_interval", "0100ms", "100", NULL },
	{ "sync_interval", "5x", NULL, "sync_interval: \"5x\" is not a "
	    "duration (use e.g. 500ms, 5s, 2m)" },
	{ "sync_interval", "s", NULL, "is not a duration" },
	{ "sync_interval", "-5s", NULL, "is not a duration" },
	{ "sync_interval", "1.5s", NULL, "is not a duration" },
	{ "sync_interval", "5 s", NULL, "is not a duration" },
	{ "sync_interval", "5S", NULL, "is not a duration" },
	{ "sync_interval", "5sec", NULL, "is not a duration" },
	{ "sync_interval", "99999999999999999999999x", NULL,
	    "is not a duration" },
	{ "sync_interval", "0", NULL, "sync_interval: \"0\" is out of range "
	    "(100ms..1h)" },
	{ "sync_interval", "99ms", NULL, "is out of range" },
	{ "sync_interval", "3601s", NULL, "is out of range" },
	{ "sync_interval", "2h", NULL, "is out of range" },
	{ "sync_interval", "99999999999999999999999h", NULL,
	    "is out of range" },
	/* log_level */
	{ "log_level", "error", "error", NULL },
	{ "log_level", "warn", "warn", NULL },
	{ "log_level", "warning", "warn", NULL },
	{ "log_level", "info", "info", NULL },
	{ "log_level", "debug", "debug", NULL },
	{ "log_level", "INFO", NULL, "log_level: \"INFO\" is not a log "
	    "level (use error, warn, info or debug)" },
	{ "log_level", "3", NULL, "is not a log level" },
	/* not a [node] key */
	{ "node", "hh", NULL, "unknown key \"node\"" },
	{ "kth.se", "off", NULL, "unknown key" },
};

/* Every key set, so that a bad value has something to spoil. */
static const char *const base_values[][2] = {
	{ "name", "base" }, { "datadir", "/base" }, { "genesis", "/g" },
	{ "key", "/k" }, { "listen", "tcp://*:1" },
	{ "sync_interval", "1s" }, { "log_level", "debug" },
};

/* config_set: every key, good and bad values; a bad one changes nothing. */
static void
test_set(void **state)
{
	char err[ERRLEN], buf[32], *before, *after;
	const struct set_case *t;
	struct config *c;
	size_t i, k;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		t = &set_cases[i];
		assert_int_equal(config_new(&c), 0);
		for (k = 0; k < sizeof(base_values) / sizeof(base_values[0]);
		    k++)
			assert_int_equal(config_set(c, base_values[k][0],
			    base_values[k][1], err, sizeof(err)), 0);
		before = print_str(c);
		err[0] = '\0';
		rc = config_set(c, t->key, t->value, err, sizeof(err));
		if (t->want != NULL) {
			if (rc != 0)
				fail_msg("%s = %s: %s", t->key, t->value, err);
			assert_string_equal(field(c, t->key, buf,
			    sizeof(buf)), t->want);
			round_trip(c);
		} else {
			if (rc != I40_E_CONFIG)
				fail_msg("%s = %s: rc %d", t->key, t->value,
				    rc);
			if (strstr(err, t->what) == NULL)
				fail_msg("%s = %s: \"%s\" lacks \"%s\"",
				    t->key, t->value, err, t->what);
			after = print_str(c);
			assert_string_equal(before, after);
			free(after);
		}
		free(before);
		config_free(c);
	}
}

struct endpoint_case {
	const char *v;
	int listen_ok, peer_ok;
	const char *why;	/* for an error: part of the reason */
};

static const struct endpoint_case endpoint_cases[] = {
	{ "tcp://i40.hh.se:7440", 1, 1, NULL },
	{ "tcp://I40.HH.SE:1", 1, 1, NULL },
	{ "tcp://localhost:65535", 1, 1, NULL },
	{ "tcp://10.1.2.3:7440", 1, 1, NULL },
	{ "tcp://[::1]:7440", 1, 1, NULL },
	{ "tcp://[2001:db8::7]:7440", 1, 1, NULL },
	{ "tcp://[::ffff:10.0.0.1]:7440", 1, 1, NULL },
	{ "tcp://a-b.c-d.example:7440", 1, 1, NULL },
	{ "tcp://*:7440", 1, 0, "for listen only" },
	{ "tcp://0.0.0.0:7440", 1, 0, "for listen only" },
	{ "tcp://[::]:7440", 1, 0, "for listen only" },
	{ "udp://10.1.2.3:7440", 0, 0, "does not start with tcp://" },
	{ "TCP://10.1.2.3:7440", 0, 0, "does not start with tcp://" },
	{ "10.1.2.3:7440", 0, 0, "does not start with tcp://" },
	{ "tcp://10.1.2.3", 0, 0, "no :PORT" },
	{ "tcp://[::1]", 0, 0, "no :PORT" },
	{ "tcp://[::1]7440", 0, 0, "no :PORT" },
	{ "tcp://:7440", 0, 0, "no host" },
	{ "tcp://::1:7440", 0, 0, "in brackets" },
	{ "tcp://[::1:7440", 0, 0, "no ]" },
	{ "tcp://[zz::1]:7440", 0, 0, "not an IPv6 address" },
	{ "tcp://[]:7440", 0, 0, "not an IPv6 address" },
	{ "tcp://[10.0.0.1]:7440", 0, 0, "not an IPv6 address" },
	{ "tcp://256.1.2.3:7440", 0, 0, "not an IPv4 address" },
	{ "tcp://1.2.3:7440", 0, 0, "not an IPv4 address" },
	{ "tcp://a..b:7440", 0, 0, "not a host name" },
	{ "tcp://-a.b:7440", 0, 0, "not a host name" },
	{ "tcp://a-.b:7440", 0, 0, "not a host name" },
	{ "tcp://a.b.:7440", 0, 0, "not a host name" },
	{ "tcp://a_b:7440", 0, 0, "not a host name" },
	{ "tcp://a b:7440", 0, 0, "not a host name" },
	{ "tcp://**:7440", 0, 0, "not a host name" },
	{ "tcp://h:0", 0, 0, "port" },
	{ "tcp://h:65536", 0, 0, "port" },
	{ "tcp://h:07440", 0, 0, "port" },
	{ "tcp://h:", 0, 0, "port" },
	{ "tcp://h:744O", 0, 0, "port" },
	{ "tcp://h:100000", 0, 0, "port" },
	{ "tcp://h:*", 0, 0, "port" },
	{ "tcp://h:7440/", 0, 0, "port" },
};

static void
test_endpoints(void **state)
{
	char path[PATH_MAX], err[ERRLEN], text[512];
	const struct endpoint_case *t;
	struct config *c;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(endpoint_cases) / sizeof(endpoint_cases[0]);
	    i++) {
		t = &endpoint_cases[i];
		/* As listen, through config_set. */
		assert_int_equal(config_new(&c), 0);
		rc = config_set(c, "listen", t->v, err, sizeof(err));
		if (t->listen_ok && rc != 0)
			fail_msg("listen %s: %s", t->v, err);
		if (!t->listen_ok && (rc != I40_E_CONFIG ||
		    strstr(err, t->why) == NULL))
			fail_msg("listen %s: rc %d, \"%s\"", t->v, rc, err);
		config_free(c);
		/* As a peer's endpoint, in a file, on line 3. */
		sfmt(text, sizeof(text), "[peers]\n\nkth.se = %s\n", t->v);
		rc = load(text, &c, path, sizeof(path), err);
		if (t->peer_ok) {
			if (rc != 0)
				fail_msg("peer %s: %s", t->v, err);
			assert_string_equal(c->peers[0].endpoint, t->v);
			config_free(c);
			continue;
		}
		if (rc != I40_E_CONFIG || strstr(err, t->why) == NULL ||
		    strncmp(err, path, strlen(path)) != 0 ||
		    strstr(err, ":3: [peers] kth.se: ") == NULL)
			fail_msg("peer %s: rc %d, \"%s\"", t->v, rc, err);
		assert_null(c);
	}
}

struct who_case {
	const char *who;
	const char *want;	/* normalised, or NULL: an error */
};

/* 61 letters: with ".se", the longest SCHAC code (64 bytes). */
#define A61 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct who_case who_cases[] = {
	{ "kth.se", "kth.se" },
	{ "hh.se", "hh.se" },
	{ "a.b", "a.b" },
	{ "uni-1.example.org", "uni-1.example.org" },
	{ HEXKEY, HEXKEY },
	{ "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
	    HEXKEY },
	{ "KTH.SE", NULL },
	{ "kth", NULL },		/* a SCHAC code is a domain */
	{ "ab", NULL },
	{ ".kth.se", NULL },
	{ "kth.se.", NULL },
	{ "-kth.se", NULL },
	{ "kth-.se-", NULL },
	{ "kth..se", NULL },
	{ "kth_se.se", NULL },
	{ "k\xc3\xa4.se", NULL },
	/* 63 and 65 hex digits are neither a key nor a domain */
	{ "abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678",
	    NULL },
	{ "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789a",
	    NULL },
	/* 64 bytes is the longest SCHAC code; 65 is too long */
	{ A61 ".se", A61 ".se" },
	{ A61 "a.se", NULL },
};

static void
test_who(void **state)
{
	char path[PATH_MAX], err[ERRLEN], text[512];
	const struct who_case *t;
	struct config *c;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(who_cases) / sizeof(who_cases[0]); i++) {
		t = &who_cases[i];
		sfmt(text, sizeof(text), "[peers]\n%s = off\n", t->who);
		rc = load(text, &c, path, sizeof(path), err);
		if (t->want != NULL) {
			if (rc != 0)
				fail_msg("peer %s: %s", t->who, err);
			assert_string_equal(c->peers[0].who, t->want);
			assert_null(c->peers[0].endpoint);
			config_free(c);
		} else if (rc != I40_E_CONFIG ||
		    strstr(err, ":2: [peers] \"") == NULL ||
		    strstr(err, "is neither a SCHAC code") == NULL) {
			fail_msg("peer %s: rc %d, \"%s\"", t->who, rc, err);
		}
	}
}

struct err_case {
	const char *text;
	int line;
	const char *what;	/* part of the message after FILE:LINE: */
};

static const struct err_case err_cases[] = {
	{ "[node]\nname = hh\n[nodes]\nname = x\n", 3,
	    "unknown section \"nodes\" (use [node], [http] or [peers])" },
	{ "[http]\nport = 1\n", 2, "unknown key \"port\" in [http] (known: "
	    "listen, connections, timeout)" },
	{ "[http]\nlisten = off\nlisten = off\n", 3, "[http] listen: "
	    "repeated key (first set on line 2)" },
	{ "[http]\nlisten = localhost:8040\n", 2, "[http] listen: "
	    "\"localhost:8040\": not a numeric IPv4 address" },
	{ "[http]\nlisten = 127.0.0.1\n", 2, "no port" },
	{ "[http]\nlisten = 127.0.0.1:0\n", 2, "the port is 1..65535" },
	{ "[http]\nlisten = 127.0.0.1:65536\n", 2, "the port is 1..65535" },
	{ "[http]\nlisten = 127.0.0.1:80x\n", 2, "the port is 1..65535" },
	{ "[http]\nlisten = [::1:80\n", 2, "[ADDRESS]:PORT" },
	{ "[http]\nlisten = [::g]:80\n", 2, "not an IPv6 address" },
	{ "[http]\nconnections = 0\n", 2, "from 1 to 10000" },
	{ "[http]\nconnections = 12x\n", 2, "from 1 to 10000" },
	{ "[http]\ntimeout = 500ms\n", 2, "from 1s to 5m" },
	{ "[http]\ntimeout = soon\n", 2, "from 1s to 5m" },
	{ "[node]\nname = hh\n\n[extra]\n", 4, "unknown section" },
	{ "[Node]\n", 1, "unknown section" },
	{ "[]\n", 1, "unknown section" },
	{ "[ node ]\n", 1, "unknown section" },
	{ "[node] x\n", 1, "text after the section header" },
	{ "[node\nname = hh\n", 1, "syntax error" },
	{ "[node]\nname = hh\ndatadir\n", 3,
	    "syntax error: expected [section] or key = value" },
	{ "name = hh\n", 1, "\"name\": key outside a section" },
	{ "; c\n\nfoo = bar\n[node]\n", 3, "key outside a section" },
	{ "[node]\nnom = hh\n", 2, "unknown key \"nom\" in [node] (known: "
	    "name, datadir, genesis, key, listen, sync_interval, "
	    "checkpoint_interval, log_level, log_interval)" },
	{ "[node]\nName = hh\n", 2, "unknown key" },
	{ "[node]\n= hh\n", 2, "unknown key \"\"" },
	{ "[node]\nname = a\nname = b\n", 3,
	    "name: repeated key (first set on line 2)" },
	{ "[node]\nlog_level = info\n[peers]\n[node]\nlog_level = debug\n",
	    5, "log_level: repeated key (first set on line 2)" },
	{ "[peers]\nkth.se = off\nlnu.se = off\nkth.se = off\n", 4,
	    "[peers] kth.se: repeated peer (first on line 2)" },
	{ "[peers]\n" HEXKEY " = off\n"
	  "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"
	  " = off\n", 3, "repeated peer (first on line 2)" },
	{ "[peers]\nKTH.SE = off\n", 2, "[peers] \"KTH.SE\" is neither a "
	    "SCHAC code (e.g. kth.se) nor an identity key (64 hex digits)" },
	{ "[peers]\nkth.se = tcp://h:0\n", 2, "[peers] kth.se: "
	    "\"tcp://h:0\" is not an endpoint: the port is not a number "
	    "1..65535 (use tcp://HOST:PORT, or off)" },
	{ "[peers]\nkth.se = Off\n", 2, "is not an endpoint" },
	{ "[peers]\nkth.se =\n", 2, "[peers] kth.se: no value" },
	{ "[peers]\nkth.se = \"off\"\n", 2, "is in quotes" },
	{ "[node]\nname = a b\n", 2, "name: \"a b\" is not a node name" },
	{ "[node]\nname = "
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "\n", 2, "is not a node name (1..128" },
	{ "[node]\ndatadir = var/i40\n", 2, "datadir: \"var/i40\" is not "
	    "an absolute path (i40d runs from /; write the full path, e.g. "
	    "/var/lib/i40)" },
	{ "[node]\ngenesis = g.i40\n", 2, "genesis: \"g.i40\" is not an "
	    "absolute path" },
	{ "[node]\nkey = node.key\n", 2, "key: \"node.key\" is not an "
	    "absolute path" },
	{ "[node]\nlisten = tcp://h\n", 2, "listen: \"tcp://h\" is not an "
	    "endpoint: no :PORT after the host" },
	{ "[node]\n\n\n\n\n\nsync_interval = 5x\n", 7, "sync_interval: "
	    "\"5x\" is not a duration (use e.g. 500ms, 5s, 2m)" },
	{ "[node]\nsync_interval = 10ms\n", 2, "sync_interval: \"10ms\" is "
	    "out of range (100ms..1h)" },
	{ "[node]\nlog_level = loud\n", 2, "log_level: \"loud\" is not a log "
	    "level" },
	{ "[node]\ndatadir = '/var/lib/i40'\n", 2, "datadir: "
	    "\"'/var/lib/i40'\" is in quotes" },
	{ "[node]\ndatadir =\n", 2, "datadir: no value" },
	{ "[node]\ndatadir = ; nothing\n", 2, "datadir: no value" },
	/* A continuation line of inih's would hide this relative path. */
	{ "[node]\nname = a\n  datadir = d\n", 3, "is not an absolute path" },
	/* The first error counts: a syntax error before a value error... */
	{ "[node]\nname\nname = a b\n", 2, "syntax error" },
	/* ...and a value error before a syntax error. */
	{ "[node]\nname = a b\nname\n", 2, "is not a node name" },
	{ "[nodes]\nname\n", 1, "unknown section" },
};

/* Each error: I40_E_CONFIG, "FILE:LINE: " and the message. */
static void
test_errors(void **state)
{
	char path[PATH_MAX], err[ERRLEN], want[PATH_MAX + 32];
	const struct err_case *t;
	struct config *c;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		t = &err_cases[i];
		c = (struct config *)&c;	/* must come back NULL */
		rc = load(t->text, &c, path, sizeof(path), err);
		sfmt(want, sizeof(want), "%s:%d: ", path, t->line);
		if (rc != I40_E_CONFIG || strncmp(err, want,
		    strlen(want)) != 0 || strstr(err, t->what) == NULL)
			fail_msg("case %zu: rc %d, \"%s\"; want \"%s%s\"", i,
			    rc, err, want, t->what);
		assert_null(c);
	}
}

/* Errors the reader finds: long lines, NUL bytes, too many peers. */
static void
test_errors_reader(void **state)
{
	char path[PATH_MAX], err[ERRLEN], want[PATH_MAX + 32];
	char text[CONFIG_MAX_PEERS * 32 + 64];
	struct config *c;
	size_t n, i;

	(void)state;
	/* 199 bytes fit inih's line buffer; 200 do not. */
	n = (size_t)snprintf(text, sizeof(text), "[node]\ndatadir = /");
	memset(text + n, 'd', 199 - strlen("datadir = /"));
	strcpy(text + n + 199 - strlen("datadir = /"), "\n");
	assert_int_equal(load(text, &c, path, sizeof(path), err), 0);
	assert_int_equal(strlen(c->datadir), 199 - strlen("datadir = "));
	config_free(c);
	strcpy(text + n + 199 - strlen("datadir = /"), "d\n");
	assert_int_equal(load(text, &c, path, sizeof(path), err),
	    I40_E_CONFIG);
	sfmt(want, sizeof(want), "%s:2: line longer than 199 bytes", path);
	assert_string_equal(err, want);

	put(path, sizeof(path), "[node]\nname = a\0b\n", 18);
	assert_int_equal(config_load(path, &c, err, sizeof(err)),
	    I40_E_CONFIG);
	sfmt(want, sizeof(want), "%s:2: line has a NUL byte", path);
	assert_string_equal(err, want);

	n = (size_t)snprintf(text, sizeof(text), "[peers]\n");
	for (i = 0; i <= CONFIG_MAX_PEERS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "p%zu.se = off\n", i);
	assert_int_equal(load(text, &c, path, sizeof(path), err),
	    I40_E_CONFIG);
	sfmt(want, sizeof(want), "%s:%d: [peers] p%d.se: too many peers "
	    "(at most %d)", path, CONFIG_MAX_PEERS + 2, CONFIG_MAX_PEERS,
	    CONFIG_MAX_PEERS);
	assert_string_equal(err, want);
	/* Exactly CONFIG_MAX_PEERS is fine. */
	text[n - strlen("p64.se = off\n")] = '\0';
	assert_int_equal(load(text, &c, path, sizeof(path), err), 0);
	assert_int_equal(c->npeers, CONFIG_MAX_PEERS);
	round_trip(c);
	config_free(c);
}

/* A file that cannot be read is -errno, and the message names it. */
static void
test_io_errors(void **state)
{
	char path[PATH_MAX], err[ERRLEN], want[PATH_MAX + 64];
	struct config *c;

	(void)state;
	sfmt(path, sizeof(path), "%s/none.conf", base);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), -ENOENT);
	assert_null(c);
	sfmt(want, sizeof(want), "%s: cannot open: %s", path,
	    strerror(ENOENT));
	assert_string_equal(err, want);
	assert_int_equal(config_load(base, &c, err, sizeof(err)), -EISDIR);
	assert_null(c);
	sfmt(want, sizeof(want), "%s: cannot read: %s", base,
	    strerror(EISDIR));
	assert_string_equal(err, want);
	/* No room for a message is no reason to crash. */
	assert_int_equal(config_load(path, &c, NULL, 0), -ENOENT);
}

/* Command-line flags override the file; a bad flag changes nothing. */
static void
test_overrides(void **state)
{
	char path[PATH_MAX], err[ERRLEN];
	struct config *c;

	(void)state;
	assert_int_equal(load("[node]\nname = hh\ndatadir = /var/lib/i40\n"
	    "sync_interval = 5s\nlog_level = info\n", &c, path, sizeof(path),
	    err), 0);
	assert_int_equal(config_set(c, "datadir", "/srv/i40/", err,
	    sizeof(err)), 0);
	assert_string_equal(c->datadir, "/srv/i40");
	assert_int_equal(config_set(c, "log_level", "debug", err,
	    sizeof(err)), 0);
	assert_int_equal(c->log_level, LOG_LVL_DEBUG);
	assert_int_equal(config_set(c, "name", "other", err, sizeof(err)), 0);
	assert_string_equal(c->node, "other");
	/* A key the file did not set, and the same key twice. */
	assert_int_equal(config_set(c, "listen", "tcp://*:7000", err,
	    sizeof(err)), 0);
	assert_int_equal(config_set(c, "listen", "tcp://*:7001", err,
	    sizeof(err)), 0);
	assert_string_equal(c->listen, "tcp://*:7001");
	/* Bad values leave the old ones. */
	assert_int_equal(config_set(c, "datadir", "rel", err, sizeof(err)),
	    I40_E_CONFIG);
	assert_string_equal(err, "datadir: \"rel\" is not an absolute path "
	    "(i40d runs from /; write the full path, e.g. /var/lib/i40)");
	assert_string_equal(c->datadir, "/srv/i40");
	assert_int_equal(config_set(c, "sync_interval", "5x", err,
	    sizeof(err)), I40_E_CONFIG);
	assert_string_equal(err, "sync_interval: \"5x\" is not a duration "
	    "(use e.g. 500ms, 5s, 2m)");
	assert_int_equal(c->sync_ms, 5000);
	assert_int_equal(config_set(c, "log_level", "x", err, sizeof(err)),
	    I40_E_CONFIG);
	assert_int_equal(c->log_level, LOG_LVL_DEBUG);
	assert_int_equal(config_set(c, "listen", "x", err, sizeof(err)),
	    I40_E_CONFIG);
	assert_string_equal(c->listen, "tcp://*:7001");
	assert_int_equal(config_set(c, "name", "", err, sizeof(err)),
	    I40_E_CONFIG);
	assert_string_equal(c->node, "other");
	assert_int_equal(config_set(c, "peers", "x", err, sizeof(err)),
	    I40_E_CONFIG);
	assert_int_equal(config_set(c, "datadir", "x", NULL, 0),
	    I40_E_CONFIG);
	round_trip(c);
	config_free(c);
}

/* config_finish: datadir required; key and name defaults. */
static void
test_finish(void **state)
{
	char path[PATH_MAX], err[ERRLEN], want[PATH_MAX + 64];
	char host[256], *text;
	struct config *c;
	size_t n;

	(void)state;
	/* No datadir: the message names the file, or says there is none. */
	assert_int_equal(load("[node]\nname = hh\n", &c, path, sizeof(path),
	    err), 0);
	assert_int_equal(config_finish(c, err, sizeof(err)), I40_E_CONFIG);
	sfmt(want, sizeof(want), "no datadir: set [node] datadir in %s "
	    "or pass -d DIR", path);
	assert_string_equal(err, want);
	/* -d after the file. */
	assert_int_equal(config_set(c, "datadir", "/srv/i40", err,
	    sizeof(err)), 0);
	assert_int_equal(config_finish(c, err, sizeof(err)), 0);
	assert_string_equal(c->key, "/srv/i40/node.key");
	assert_string_equal(c->node, "hh");
	round_trip(c);
	/* Finishing twice changes nothing. */
	text = print_str(c);
	assert_int_equal(config_finish(c, err, sizeof(err)), 0);
	assert_string_equal(c->key, "/srv/i40/node.key");
	free(text);
	config_free(c);

	assert_int_equal(config_new(&c), 0);
	assert_int_equal(config_finish(c, err, sizeof(err)), I40_E_CONFIG);
	assert_string_equal(err, "no datadir: set [node] datadir in the "
	    "configuration file or pass -d DIR");
	/* The name defaults to the host name, the key to DATADIR/node.key. */
	assert_int_equal(config_set(c, "datadir", "/", err, sizeof(err)), 0);
	assert_int_equal(config_finish(c, err, sizeof(err)), 0);
	assert_string_equal(c->key, "/node.key");
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	for (n = 0; n < 128 && host[n] > 0x20 && host[n] < 0x7f; n++)
		;
	host[n] = '\0';
	assert_string_equal(c->node, n > 0 ? host : "i40d");
	round_trip(c);
	config_free(c);

	/* Keys and names given are kept. */
	assert_int_equal(load("[node]\nname = n1\ndatadir = /d\n"
	    "key = /k/node.key\n", &c, path, sizeof(path), err), 0);
	assert_int_equal(config_finish(c, err, sizeof(err)), 0);
	assert_string_equal(c->node, "n1");
	assert_string_equal(c->key, "/k/node.key");
	config_free(c);
}

/* Limits on lengths, and a stream that cannot be written. */
static void
test_limits(void **state)
{
	char err[ERRLEN], v[PATH_MAX + 16];
	struct config *c;
	FILE *f;

	(void)state;
	assert_int_equal(config_new(&c), 0);
	/* Host name labels of 63 bytes, and the 256-byte endpoint limit. */
	memcpy(v, "tcp://", 6);
	memset(v + 6, 'a', 63);
	strcpy(v + 69, ".b:1");
	assert_int_equal(config_set(c, "listen", v, err, sizeof(err)), 0);
	strcpy(v + 69, "a.b:1");
	assert_int_equal(config_set(c, "listen", v, err, sizeof(err)),
	    I40_E_CONFIG);
	assert_non_null(strstr(err, "not a host name"));
	memset(v + 6, 'a', 244);
	v[6 + 60] = v[6 + 120] = v[6 + 180] = v[6 + 220] = '.';
	strcpy(v + 250, ":7440");
	assert_int_equal(strlen(v), 255);
	assert_int_equal(config_set(c, "listen", v, err, sizeof(err)), 0);
	strcpy(v + 250, "a:7440");
	assert_int_equal(config_set(c, "listen", v, err, sizeof(err)), 0);
	strcpy(v + 250, "aa:7440");
	assert_int_equal(config_set(c, "listen", v, err, sizeof(err)),
	    I40_E_CONFIG);
	assert_non_null(strstr(err, "longer than 256 bytes"));
	/* Paths up to PATH_MAX - 1 bytes; DATADIR/node.key must fit too. */
	memset(v, 'd', PATH_MAX);
	v[0] = '/';
	v[PATH_MAX] = '\0';
	assert_int_equal(config_set(c, "datadir", v, err, sizeof(err)),
	    I40_E_CONFIG);
	assert_non_null(strstr(err, "path longer than"));
	v[PATH_MAX - 1] = '\0';
	assert_int_equal(config_set(c, "datadir", v, err, sizeof(err)), 0);
	assert_int_equal(config_finish(c, err, sizeof(err)), I40_E_CONFIG);
	assert_non_null(strstr(err, "key: DATADIR/node.key is longer"));
	assert_int_equal(config_set(c, "key", "/k", err, sizeof(err)), 0);
	assert_int_equal(config_finish(c, err, sizeof(err)), 0);
	/* A full disk is -errno. */
	assert_non_null(f = fopen("/dev/full", "w"));
	assert_int_equal(config_print(c, f), -ENOSPC);
	fclose(f);
	config_free(c);
}

/* The normalised form, exactly. */
static void
test_print(void **state)
{
	char path[PATH_MAX], err[ERRLEN], *text;
	struct config *c;

	(void)state;
	assert_int_equal(config_new(&c), 0);
	text = print_str(c);
	assert_string_equal(text,
	    "[node]\n"
	    "; name = (not set: the host name)\n"
	    "; datadir = (not set: required)\n"
	    "; genesis = (not set: not checked)\n"
	    "; key = (not set: DATADIR/node.key)\n"
	    "; listen = (not set: the port of this node's endpoint in the "
	    "membership)\n"
	    "sync_interval = 5000ms\n"
	    "checkpoint_interval = 300000ms\n"
	    "log_level = info\n"
	    "log_interval = 5000ms\n"
	    "\n"
	    "[http]\n"
	    "listen = off\n"
	    "connections = 256\n"
	    "timeout = 10000ms\n"
	    "\n"
	    "[peers]\n");
	free(text);
	config_free(c);
	assert_int_equal(load("[peers]\nlnu.se = off\nkth.se = tcp://k:1\n"
	    "[node]\nsync_interval = 1h\nlisten = tcp://*:2\nname = n\n"
	    "checkpoint_interval = 2m\n"
	    "genesis = /g\nkey = /k\ndatadir = /d/\nlog_level = warning\n"
	    "[http]\nlisten = [::1]:8040\nconnections = 9\ntimeout = 1m\n",
	    &c, path, sizeof(path), err), 0);
	text = print_str(c);
	assert_string_equal(text,
	    "[node]\n"
	    "name = n\n"
	    "datadir = /d\n"
	    "genesis = /g\n"
	    "key = /k\n"
	    "listen = tcp://*:2\n"
	    "sync_interval = 3600000ms\n"
	    "checkpoint_interval = 120000ms\n"
	    "log_level = warn\n"
	    "log_interval = 5000ms\n"
	    "\n"
	    "[http]\n"
	    "listen = [::1]:8040\n"
	    "connections = 9\n"
	    "timeout = 60000ms\n"
	    "\n"
	    "[peers]\n"
	    "kth.se = tcp://k:1\n"
	    "lnu.se = off\n");
	free(text);
	config_free(c);
}

static const char *
srcdir(void)
{
	const char *s = getenv("SRCDIR");

	return s != NULL && *s != '\0' ? s : ".";
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Remove every "dir/" from s: messages then name files as N.ini. */
static void
strip_dir(char *s, const char *dir)
{
	size_t dl = strlen(dir);
	char *p;

	while ((p = strstr(s, dir)) != NULL && p[dl] == '/')
		memmove(p, p + dl + 1, strlen(p + dl + 1) + 1);
}

/* One golden case: 0 if it passed, else 1 with the reason printed. */
static int
golden_one(const char *dir, const char *name, int *nok, int *nerr)
{
	char ini[PATH_MAX], ok[PATH_MAX], er[PATH_MAX], err[ERRLEN];
	char *want_ok, *want_err, *got = NULL, *nl;
	struct config *c = NULL;
	int rc, bad = 0;
	size_t stem = strlen(name) - strlen(".ini");

	sfmt(ini, sizeof(ini), "%s/%s", dir, name);
	sfmt(ok, sizeof(ok), "%s/%.*s.ok", dir, (int)stem, name);
	sfmt(er, sizeof(er), "%s/%.*s.err", dir, (int)stem, name);
	want_ok = slurp(ok);
	want_err = slurp(er);
	err[0] = '\0';
	rc = config_load(ini, &c, err, sizeof(err));
	if (rc == 0)
		rc = config_finish(c, err, sizeof(err));
	if (rc == 0)
		got = print_str(c);
	strip_dir(err, dir);
	if ((want_ok == NULL) == (want_err == NULL)) {
		print_error("# %s: needs exactly one of .ok and .err\n", name);
		bad = 1;
	} else if (want_ok != NULL) {
		(*nok)++;
		if (rc != 0) {
			print_error("# %s: %s\n", name, err);
			bad = 1;
		} else if (strcmp(got, want_ok) != 0) {
			print_error("# %s: printed\n%s# but its .ok has\n%s",
			    name, got, want_ok);
			bad = 1;
		}
	} else {
		(*nerr)++;
		if ((nl = strchr(want_err, '\n')) != NULL)
			*nl = '\0';
		if (rc != I40_E_CONFIG) {
			print_error("# %s: rc %d, want I40_E_CONFIG (%s)\n",
			    name, rc, err);
			bad = 1;
		} else if (strcmp(err, want_err) != 0) {
			print_error("# %s: error\n# %s\n# but .err has\n# %s\n",
			    name, err, want_err);
			bad = 1;
		}
	}
	free(want_ok);
	free(want_err);
	free(got);
	config_free(c);
	return bad;
}

static void
test_golden(void **state)
{
	char dir[PATH_MAX], *names[256];
	struct dirent *de;
	size_t n = 0, i, len;
	int bad = 0, nok = 0, nerr = 0;
	DIR *d;

	(void)state;
	sfmt(dir, sizeof(dir), "%s/tests/config", srcdir());
	if ((d = opendir(dir)) == NULL)
		fail_msg("%s: %s (set SRCDIR to the source tree)", dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".ini") == 0) {
			assert_true(n < sizeof(names) / sizeof(names[0]));
			assert_non_null(names[n++] = strdup(de->d_name));
		}
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		bad += golden_one(dir, names[i], &nok, &nerr);
		free(names[i]);
	}
	if (bad)
		fail_msg("%d of %zu golden files failed", bad, n);
	assert_true(nok >= 6);
	assert_true(nerr >= 10);
}

/* The shipped example loads, finishes and survives the round trip. */
static void
test_example(void **state)
{
	char path[PATH_MAX], err[ERRLEN];
	struct config *c;

	(void)state;
	sfmt(path, sizeof(path), "%s/docs/i40d.conf.example", srcdir());
	if (config_load(path, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (config_finish(c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_non_null(c->genesis);
	assert_non_null(c->listen);
	/*
	 * Its [peers] lines name no real members, so they are comments:
	 * i40d refuses a peer that is no member (daemon/check.c).
	 */
	assert_int_equal(c->npeers, 0);
	round_trip(c);
	config_free(c);
}

/* The example's commented [peers] lines are valid once uncommented. */
static void
test_example_peers(void **state)
{
	char path[PATH_MAX], line[512], tmp[] = "/tmp/i40-example-XXXXXX";
	char err[ERRLEN];
	struct config *c;
	FILE *in, *out;
	int fd;

	(void)state;
	sfmt(path, sizeof(path), "%s/docs/i40d.conf.example", srcdir());
	assert_non_null(in = fopen(path, "r"));
	assert_true((fd = mkstemp(tmp)) >= 0);
	assert_non_null(out = fdopen(fd, "w"));
	while (fgets(line, sizeof(line), in) != NULL)
		fputs(line[0] == ';' ? line + 1 : line, out);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	if (config_load(tmp, &c, err, sizeof(err)) != 0) {
		unlink(tmp);
		fail_msg("%s", err);
	}
	unlink(tmp);
	assert_int_equal(c->npeers, 2);
	assert_string_equal(c->peers[0].who, "kth.se");
	assert_non_null(c->peers[0].endpoint);
	assert_string_equal(c->peers[1].who, "lnu.se");
	assert_null(c->peers[1].endpoint);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_free),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_who),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_reader),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_example_peers),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
