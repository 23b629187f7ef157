/*
 * check.c: does a configuration name one node of one federation (see
 * check.h)?  What the start would trip over is found here first, and said
 * with its cause and its remedy: before this, i40d -n said "configuration
 * OK" for a missing genesis, key or data directory, and the start then
 * failed with the genesis check's "No such file or directory".
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "protocol/body.h"
#include "store/keyfile.h"
#include "check.h"
#include "log.h"

#define HINT_MAX (4096 + 300)	/* a path and a sentence */

static int say(char *, size_t, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));

/* The message into err (it may be cut); returns rc. */
static int
say(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static void
warnf(check_warn_fn warn, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warnf(check_warn_fn warn, void *arg, const char *fmt, ...)
{
	char m[600];
	va_list ap;

	if (warn == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	warn(arg, m);
}

/*
 * What to do about a permission problem with path: the file's or its
 * directory's owner is the user to run i40d as.  Into out[0..HINT_MAX).
 */
static void
access_hint(const char *path, char *out)
{
	char dir[4096], *slash;
	struct passwd *pw;
	struct stat sb;

	snprintf(dir, sizeof(dir), "%s", path);
	while (stat(dir, &sb) != 0 && (slash = strrchr(dir, '/')) != NULL &&
	    slash != dir)
		*slash = '\0';
	if (stat(dir, &sb) == 0 && sb.st_uid != geteuid() &&
	    (pw = getpwuid(sb.st_uid)) != NULL)
		snprintf(out, HINT_MAX, "%s belongs to the user %s (mode %04o): "
		    "run i40d as that user (User= in the unit)", dir,
		    pw->pw_name, (unsigned)(sb.st_mode & 07777));
	else
		snprintf(out, HINT_MAX, "run i40d as the user that owns %s "
		    "(User= in the unit), or correct its owner and mode", dir);
}

/* 16 hex digits of a key, as the log shows them. */
static const char *
keyhex(const uint8_t key[KEY_PK_BYTES], char out[17])
{
	log_keyhex(key, out);
	return out;
}

/* A whole small file into buf[0..cap); -errno, or I40_E_TOO_BIG. */
static int
read_small(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	ssize_t r;
	int fd, e;

	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while (*len < cap && (r = read(fd, buf + *len, cap - *len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			return -e;
		}
		*len += (size_t)r;
	}
	close(fd);
	return *len == cap ? I40_E_TOO_BIG : 0;
}

int
check_genesis(const char *path, const uint8_t fed_id[EV_FED_ID_BYTES],
    char *err, size_t errlen)
{
	char hint[HINT_MAX], a[17], b[17];
	struct ev_signed e;
	struct body *body;
	uint8_t *buf;
	size_t len;
	int rc;

	if ((buf = malloc(EV_MAX_BYTES + 1)) == NULL ||
	    (body = malloc(sizeof(*body))) == NULL) {
		free(buf);
		return say(err, errlen, I40_E_NOMEM, "out of memory");
	}
	if ((rc = read_small(path, buf, EV_MAX_BYTES + 1, &len)) != 0) {
		if (rc == -EACCES || rc == -EPERM) {
			access_hint(path, hint);
			(void)say(err, errlen, rc, "genesis: cannot read %s: %s; "
			    "%s", path, i40_strerror(rc), hint);
		} else {
			(void)say(err, errlen, rc, "genesis: cannot read %s: "
			    "%s; set [node] genesis to the federation's genesis "
			    "file (the one `i40ctl init` was given), or leave the "
			    "line out", path, i40_strerror(rc));
		}
		goto out;
	}
	if ((rc = ev_decode(buf, len, NULL, &e, body, NULL)) != 0 ||
	    e.h.type != BODY_GENESIS ||
	    (rc = ev_verify(&e, e.h.author)) != 0) {
		if (rc == 0)
			rc = I40_E_EVENT_TYPE;
		(void)say(err, errlen, rc, "genesis: %s is not the signed "
		    "genesis of a federation (%s); give the file that `i40ctl "
		    "genesis` wrote", path, i40_strerror(rc));
		goto out;
	}
	if (sodium_memcmp(e.h.fed_id, fed_id, EV_FED_ID_BYTES) != 0) {
		rc = I40_E_FED_ID;
		(void)say(err, errlen, rc, "genesis: %s founds another "
		    "federation (fed_id %s...) than the one the data directory "
		    "holds (fed_id %s...); give this federation's genesis, or "
		    "the data directory of that one", path,
		    keyhex(e.h.fed_id, a), keyhex(fed_id, b));
		goto out;
	}
	rc = 0;
out:
	free(buf);
	free(body);
	return rc;
}

/* ms's entry for [peers] name who (a SCHAC code or 64 hex), or NULL. */
static const struct store_member *
member_named(const struct store_member *ms, size_t n, const char *who)
{
	char hex[2 * KEY_PK_BYTES + 1];
	size_t i;

	for (i = 0; i < n; i++) {
		sodium_bin2hex(hex, sizeof(hex), ms[i].key, KEY_PK_BYTES);
		if (strcmp(ms[i].schac, who) == 0 || strcmp(hex, who) == 0)
			return &ms[i];
	}
	return NULL;
}

int
check_peers(const struct config *c, const struct store_member *ms,
    size_t n, const uint8_t self[KEY_PK_BYTES], check_warn_fn warn,
    void *arg, char *err, size_t errlen)
{
	const struct store_member *m;
	char names[400];
	size_t i, used = 0;
	int w;

	names[0] = '\0';
	for (i = 0; i < n && used < sizeof(names); i++) {
		if (!ms[i].active || ms[i].schac[0] == '\0' ||
		    memcmp(ms[i].key, self, KEY_PK_BYTES) == 0)
			continue;
		w = snprintf(names + used, sizeof(names) - used, "%s%s",
		    used > 0 ? ", " : "", ms[i].schac);
		used += w > 0 ? (size_t)w : 0;
	}
	for (i = 0; i < c->npeers; i++) {
		const char *who = c->peers[i].who;

		if ((m = member_named(ms, n, who)) == NULL)
			return say(err, errlen, I40_E_CONFIG, "%s: [peers] %s "
			    "is no member of this federation (the others are: "
			    "%s); "
			    "name a peer by its SCHAC code or key, or delete "
			    "the line", c->path != NULL ? c->path : "-", who,
			    names[0] != '\0' ? names : "none but this node");
		if (memcmp(m->key, self, KEY_PK_BYTES) == 0)
			return say(err, errlen, I40_E_CONFIG, "%s: [peers] %s "
			    "is this node itself (its key is this node's key); "
			    "a node does not dial itself: delete the line",
			    c->path != NULL ? c->path : "-", who);
		if (!m->active)
			warnf(warn, arg, "%s: [peers] %s was removed from the "
			    "federation: the line has no effect; delete it",
			    c->path != NULL ? c->path : "-", who);
	}
	return 0;
}

/* The store at c->datadir, read-only, with a message that says why not. */
static int
open_datadir(const struct config *c, struct store **st, char *err,
    size_t errlen)
{
	struct store_opts opts;
	char path[4096], hint[HINT_MAX];
	struct stat sb;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.readonly = 1;
	if ((rc = store_open(c->datadir, &opts, st)) == 0)
		return 0;
	/*
	 * store_open() cannot tell a ledger/ it may not look into from a
	 * missing one, and says "not an i40 data directory": a permission
	 * problem would send the operator to i40ctl init.
	 */
	if (rc == I40_E_NOT_STORE && snprintf(path, sizeof(path), "%s/ledger",
	    c->datadir) < (int)sizeof(path) && stat(path, &sb) != 0 &&
	    (errno == EACCES || errno == EPERM))
		rc = -EACCES;
	switch (rc) {
	case -ENOENT:
		return say(err, errlen, rc, "datadir: %s does not exist; create "
		    "it with `i40ctl init -d %s -g GENESIS -k KEYFILE`, or set "
		    "[node] datadir (or -d) to the node's data directory",
		    c->datadir, c->datadir);
	case I40_E_NOT_STORE:
		return say(err, errlen, rc, "datadir: %s: %s; `i40ctl init` "
		    "creates a data directory, or set [node] datadir (or -d) "
		    "to the node's", c->datadir, i40_strerror(rc));
	case -EACCES:
	case -EPERM:
		access_hint(c->datadir, hint);
		return say(err, errlen, rc, "datadir: cannot open %s: %s; %s",
		    c->datadir, i40_strerror(rc), hint);
	default:
		return say(err, errlen, rc, "datadir: cannot open %s: %s",
		    c->datadir, i40_strerror(rc));
	}
}

/* The public key of the key file at path, with a message that says why not. */
static int
read_key(const char *path, uint8_t pk[KEY_PK_BYTES], char *err,
    size_t errlen)
{
	struct key_secret *k = NULL;
	char hint[HINT_MAX];
	int rc;

	if ((rc = keyfile_read(path, &k)) == 0) {
		key_public(k, pk);
		key_free(k);
		return 0;
	}
	switch (rc) {
	case -ENOENT:
		return say(err, errlen, rc, "key: cannot read %s: %s; `i40ctl "
		    "init` copies the node's key to DATADIR/node.key, or set "
		    "[node] key to the node's key file", path, i40_strerror(rc));
	case -EACCES:
	case -EPERM:
		access_hint(path, hint);
		return say(err, errlen, rc, "key: cannot read %s: %s; %s", path,
		    i40_strerror(rc), hint);
	case I40_E_KEYFILE_MODE:
		return say(err, errlen, rc, "key: %s grants access to group or "
		    "others; run `chmod 600 %s` (and consider who may have read "
		    "it)", path, path);
	default:
		return say(err, errlen, rc, "key: cannot read %s: %s", path,
		    i40_strerror(rc));
	}
}

/* Two paths name one file (the configured key and DATADIR/node.key). */
static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0)
		return 1;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The data directory's own key (DATADIR/node.key, which i40ctl init wrote)
 * must be the configured one: a configuration that points at another
 * node's key would sign that node's log from this one's store.
 */
static int
check_own_key(const struct config *c, const uint8_t pk[KEY_PK_BYTES],
    const struct store_member *ms, size_t n, char *err, size_t errlen)
{
	const struct store_member *m;
	char path[4096], a[17], b[17], who[80];
	uint8_t dpk[KEY_PK_BYTES];
	struct key_secret *k = NULL;

	if (snprintf(path, sizeof(path), "%s/node.key", c->datadir) >=
	    (int)sizeof(path) || same_file(path, c->key))
		return 0;
	/* No copy there (or none to read): nothing to compare with. */
	if (keyfile_read(path, &k) != 0)
		return 0;
	key_public(k, dpk);
	key_free(k);
	if (sodium_memcmp(dpk, pk, KEY_PK_BYTES) == 0)
		return 0;
	who[0] = '\0';
	for (m = ms; m < ms + n; m++)
		if (memcmp(m->key, pk, KEY_PK_BYTES) == 0 && m->schac[0] != '\0')
			snprintf(who, sizeof(who), ", %s's", m->schac);
	return say(err, errlen, I40_E_CONFIG, "key: %s (key %s...%s) belongs "
	    "to another node than the data directory %s, whose node key is "
	    "%s... (%s); set [node] key to this node's key file, or datadir "
	    "to that key's data directory", c->key, keyhex(pk, a), who,
	    c->datadir, keyhex(dpk, b), path);
}

int
check_start(const struct config *c, check_warn_fn warn, void *arg,
    char *err, size_t errlen)
{
	struct store *st = NULL;
	struct store_member *ms = NULL;
	const struct store_member *me = NULL;
	uint8_t pk[KEY_PK_BYTES];
	char a[17];
	size_t n = 0, i;
	int rc;

	if ((rc = key_init()) != 0)
		return say(err, errlen, rc, "%s", i40_strerror(rc));
	if ((rc = open_datadir(c, &st, err, errlen)) != 0)
		return rc;
	if (c->genesis != NULL &&
	    (rc = check_genesis(c->genesis, store_fed_id(st), err,
	    errlen)) != 0)
		goto out;
	if ((rc = read_key(c->key, pk, err, errlen)) != 0)
		goto out;
	if ((rc = store_members(st, &ms, &n)) != 0) {
		(void)say(err, errlen, rc, "datadir: cannot read the membership "
		    "in %s: %s", c->datadir, i40_strerror(rc));
		goto out;
	}
	if ((rc = check_own_key(c, pk, ms, n, err, errlen)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (memcmp(ms[i].key, pk, KEY_PK_BYTES) == 0 ||
		    memcmp(ms[i].signing, pk, KEY_PK_BYTES) == 0)
			me = &ms[i];
	/* A node that joins later starts before the members admit it. */
	if (me == NULL)
		warnf(warn, arg, "key: %s (key %s...) is no member of the "
		    "federation in %s (yet): the node syncs once the members "
		    "admit it", c->key, keyhex(pk, a), c->datadir);
	else if (!me->active)
		warnf(warn, arg, "key: %s (key %s..., %s) was removed from the "
		    "federation: its peers refuse it", c->key, keyhex(pk, a),
		    me->schac);
	rc = check_peers(c, ms, n, me != NULL ? me->key : pk, warn, arg, err,
	    errlen);
out:
	free(ms);
	store_close(st);
	return rc;
}
