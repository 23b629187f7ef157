/* ctl_node.c: what i40ctl's commands need from a node (see ctl_node.h). */
#include "ctl_node.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/keyfile.h"

#include "ctl.h"
#include "ctl_client.h"

int
ctl_keyfile_read(const char *path, struct key_secret **k)
{
	int rc;

	if ((rc = keyfile_read(path, k)) == 0)
		return 0;
	ctl_err(rc, "cannot read the key file %s", path);
	if (rc == I40_E_KEYFILE_MODE)
		fprintf(stderr, "%s: run `chmod 600 %s` (and consider who "
		    "may have read it meanwhile)\n", ctl_cmd(), path);
	else if (rc == I40_E_KEYFILE_FORMAT)
		fprintf(stderr, "%s: a key file is the one line `i40ctl "
		    "keygen` writes; check the path\n", ctl_cmd());
	return rc;
}

/*
 * Why a data directory that exists did not open, when the reason is
 * access: store_open() reports a ledger/ it may not look into as "not an
 * i40 data directory" (it cannot tell the two apart from the stat()
 * alone), and that sends the person to `i40ctl init` instead of to the
 * user who owns the directory.  -EACCES, or rc as it was.
 */
static int
access_why(const char *datadir, int rc)
{
	char path[4096];
	struct stat sb;

	if (rc != I40_E_NOT_STORE)
		return rc;
	if (ctl_path(path, sizeof(path), datadir, "ledger") != 0)
		return rc;
	if (stat(path, &sb) != 0 && (errno == EACCES || errno == EPERM))
		return -EACCES;
	return rc;
}

int
ctl_store_open(const char *datadir, struct store **st)
{
	return ctl_store_open_with(datadir, 0, st);
}

int
ctl_store_open_with(const char *datadir, int learners, struct store **st)
{
	struct store_opts opts;
	struct passwd *pw;
	struct stat sb;
	int rc;

	memset(&opts, 0, sizeof(opts));
	opts.readonly = 1;
	opts.learners = learners;
	if ((rc = store_open(datadir, &opts, st)) == 0)
		return 0;
	rc = access_why(datadir, rc);
	switch (rc) {
	case -ENOENT:
	case I40_E_NOT_STORE:
		ctl_err(rc, "cannot open the data directory %s", datadir);
		fprintf(stderr, "%s: give the node's data directory with -d "
		    "DIR (or set $%s); `i40ctl init` creates one\n",
		    ctl_cmd(), CTL_DATADIR_ENV);
		break;
	case -EACCES:
	case -EPERM:
		ctl_err(rc, "cannot open the data directory %s", datadir);
		/* Name the owner: that is the user to run as. */
		if (stat(datadir, &sb) == 0 && sb.st_uid == 0)
			fprintf(stderr, "%s: %s belongs to root (mode %04o): "
			    "run i40ctl as root\n", ctl_cmd(), datadir,
			    (unsigned)(sb.st_mode & 07777));
		else if (stat(datadir, &sb) == 0 && sb.st_uid != geteuid() &&
		    (pw = getpwuid(sb.st_uid)) != NULL)
			fprintf(stderr, "%s: %s belongs to the user %s (mode "
			    "%04o): run i40ctl as that user (sudo -u %s "
			    "i40ctl ...), or as root\n", ctl_cmd(), datadir,
			    pw->pw_name, (unsigned)(sb.st_mode & 07777),
			    pw->pw_name);
		else
			fprintf(stderr, "%s: run i40ctl as the user i40d runs "
			    "as, or as root\n", ctl_cmd());
		break;
	default:
		ctl_err(rc, "cannot open the data directory %s", datadir);
		break;
	}
	return rc;
}

const struct store_member *
ctl_member_find(const struct store_member *ms, size_t n,
    const uint8_t key[KEY_PK_BYTES])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (memcmp(ms[i].key, key, KEY_PK_BYTES) == 0)
			return &ms[i];
	return NULL;
}

int
ctl_node_key_file(const char *datadir, uint8_t pk[KEY_PK_BYTES])
{
	struct key_secret *k = NULL;
	char path[4096];
	int rc;

	if ((rc = ctl_path(path, sizeof(path), datadir, "node.key")) != 0)
		return rc;
	if ((rc = keyfile_read(path, &k)) != 0)
		return rc;
	key_public(k, pk);
	key_free(k);
	return 0;
}

int
ctl_node_key(const char *datadir, int timeout_ms, uint8_t pk[KEY_PK_BYTES])
{
	struct msg *req, *reply;
	uint8_t *buf = NULL;
	int rc;

	if ((req = ctl_msg_new(MSG_STATUS, "cannot ask i40d for its key")) ==
	    NULL)
		return I40_E_NOMEM;
	reply = req + 1;
	rc = ctl_call(datadir, req, MSG_STATUS_REPLY, reply, &buf,
	    timeout_ms);
	if (rc == 0)
		memcpy(pk, reply->u.status.author, KEY_PK_BYTES);
	free(buf);
	free(req);
	return rc;
}

int
ctl_own_module(struct store *st, const uint8_t pk[KEY_PK_BYTES],
    const char *code, struct store_module **ms, size_t *n, size_t *found)
{
	uint8_t inst[KEY_PK_BYTES];
	size_t i;
	int rc;

	/* A key that succeeds an older one writes that one's modules. */
	if ((rc = store_university_key(st, pk, inst)) != 0 ||
	    (rc = store_modules(st, ms, n)) != 0) {
		ctl_err(rc, "cannot read the catalog");
		return rc;
	}
	for (i = 0; i < *n; i++)
		if (memcmp((*ms)[i].author, inst, KEY_PK_BYTES) == 0 &&
		    strcmp((*ms)[i].code, code) == 0) {
			*found = i;
			return 0;
		}
	return I40_E_NOT_FOUND;
}

void
ctl_module_code(struct codec_bytes code, char out[33])
{
	size_t n = code.len < 32 ? code.len : 32;

	memcpy(out, code.p, n);
	out[n] = '\0';
}

/* Do a and b name one university (a key and one it succeeds)? */
static int
same_university(struct store *st, const uint8_t a[KEY_PK_BYTES],
    const uint8_t b[KEY_PK_BYTES])
{
	uint8_t ia[KEY_PK_BYTES], ib[KEY_PK_BYTES];

	return store_university_key(st, a, ia) == 0 &&
	    store_university_key(st, b, ib) == 0 &&
	    memcmp(ia, ib, KEY_PK_BYTES) == 0;
}

int
ctl_own_event(struct store *st, const uint8_t pk[KEY_PK_BYTES],
    const uint8_t id[EV_ID_BYTES], uint8_t **buf, struct ev_signed *e,
    struct body *b)
{
	struct store_event ev;
	int rc;

	*buf = NULL;
	if ((rc = store_get_id(st, id, &ev)) != 0) {
		if (rc != I40_E_NOT_FOUND)
			ctl_err(rc, "cannot read the store");
		return rc;
	}
	if ((rc = ev_decode(ev.bytes, ev.len, store_fed_id(st), e, b,
	    NULL)) != 0) {
		ctl_err(rc, "a stored event does not decode");
		free(ev.bytes);
		return rc;
	}
	if (memcmp(e->h.author, pk, KEY_PK_BYTES) != 0 &&
	    !same_university(st, e->h.author, pk)) {
		free(ev.bytes);
		return I40_E_UNKNOWN_AUTHOR;
	}
	*buf = ev.bytes;
	return 0;
}

int
ctl_append(const char *datadir, uint32_t type, const uint8_t *body,
    size_t len, int timeout_ms, struct msg_appended *out)
{
	struct msg *req, *reply;
	uint8_t *buf = NULL;
	int rc;

	if ((req = ctl_msg_new(MSG_APPEND, "cannot build the request")) == NULL)
		return I40_E_NOMEM;
	reply = req + 1;
	req->u.append.type = type;
	req->u.append.body.p = body;
	req->u.append.body.len = len;
	rc = ctl_call(datadir, req, MSG_APPENDED, reply, &buf, timeout_ms);
	if (rc == 0)
		*out = reply->u.appended;
	free(buf);
	free(req);
	return rc;
}
