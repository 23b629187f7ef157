/*
 * rotate.c: the node rotates its own key (docs/joining.md, "Rotating a
 * key"; docs/protocol.md §5.6, §12.5).
 *
 * Durability: the next key is written to KEY.next (each key file the node
 * has: the configured one and DATADIR/node.key) before the key_rotate
 * event is signed, and renamed over KEY only once the store holds the
 * event.  A crash in between leaves KEY.next; the next start keeps the key
 * the store says is in force (rotate_resume), so neither a stored
 * rotation without its key nor a key without its rotation survives.
 *
 * The CURVE key follows once a peer holds the rotation: the rotation
 * must reach the peers over the links the old key holds, since a peer that
 * has not stored it pins the old key and refuses the new one, and a peer
 * that has stored it refuses the old one.  So the node keeps its old
 * transport key (in memory, and in KEY.prev for a restart) until a member
 * peer's vector names the rotation by its id, or a member peer's ZAP
 * admits the new key (link.c dials a peer that refused the old key once
 * with the new one: a refusal alone proves nothing), or it has no member
 * peer at all (rotate_tick); a second rotation waits until then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "check.h"
#include "log.h"
#include "node.h"
#include "protocol/body.h"
#include "store/keyfile.h"


struct rotate_plan {
	struct key_secret *next;
	uint8_t pk[KEY_PK_BYTES];
	uint8_t body[1024];
	size_t blen;
	char dst[2][4096], tmp[2][4096];
	size_t nfiles;
};

/* fsync the directory of path, so that a rename in it is durable. */
static int
sync_dir_of(const char *path)
{
	char dir[4096];
	char *slash;
	int fd, rc = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int
same_file(const char *a, const char *b)
{
	char ra[4096], rb[4096];

	return realpath(a, ra) != NULL && realpath(b, rb) != NULL &&
	    strcmp(ra, rb) == 0;
}

/* Two names of one file, or one name: a file that need not exist yet. */
static int
same_path(const char *a, const char *b)
{
	return strcmp(a, b) == 0 || same_file(a, b);
}

/* The key files of the node: the configured one, and the datadir's copy. */
static size_t
key_files(const struct config *c, char dst[2][4096])
{
	size_t nf = 0;

	snprintf(dst[nf++], 4096, "%s", c->key);
	if (snprintf(dst[nf], 4096, "%s/node.key", c->datadir) < 4096 &&
	    access(dst[nf], F_OK) == 0 && !same_file(dst[0], dst[nf]))
		nf++;
	return nf;
}

/*
 * Hold the data directory's lock while a rotation is finished or undone:
 * a second i40d started by mistake must not undo the running one's.
 * Returns the fd (close it to release) or a negative error.
 */
static int
resume_lock(const struct config *c, char *err, size_t errlen)
{
	char path[4096];
	struct flock fl;
	int fd, e;

	if (snprintf(path, sizeof(path), "%s/i40d.pid", c->datadir) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "datadir: the path %s is too long",
		    c->datadir);
		return -ENAMETOOLONG;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600)) < 0) {
		e = -errno;
		snprintf(err, errlen, "datadir: cannot open %s: %s", path,
		    strerror(-e));
		return e;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "another i40d runs on %s (see %s)",
		    c->datadir, path);
		return e == EAGAIN || e == EACCES ? I40_E_BUSY : -e;
	}
	return fd;
}

/* The public key in the key file at path. */
static int
file_pk(const char *path, uint8_t pk[KEY_PK_BYTES])
{
	struct key_secret *k = NULL;
	int rc;

	if ((rc = keyfile_read(path, &k)) != 0)
		return rc;
	key_public(k, pk);
	key_free(k);
	return 0;
}

/*
 * Write k to path, replacing what is there: KEY.prev, the transport key
 * of a rotation whose CURVE switch is pending.
 */
static int
write_prev(const char *path, const struct key_secret *k)
{
	int rc;

	if (unlink(path) != 0 && errno != ENOENT)
		return -errno;
	if ((rc = keyfile_write(path, k)) != 0)
		return rc;
	return sync_dir_of(path);
}

/*
 * One key file with a KEY.next beside it.  The decision is the current
 * key's, which the store can always answer for: still in force, so the
 * rotation was never stored and KEY.next is a leftover; replaced, so
 * KEY.next must hold the key in force and moves over KEY (the old one
 * going to KEY.prev first, for the CURVE switch).  Anything else, or a
 * KEY.next that cannot be read, stops the start: guessing could delete
 * the only copy of the key in force.
 */
static int
resume_one(struct store *st, const char *dst, const char *prev,
    char *err, size_t errlen)
{
	struct key_secret *old = NULL;
	uint8_t pk[KEY_PK_BYTES], npk[KEY_PK_BYTES], owner[KEY_PK_BYTES];
	char tmp[4096];
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.next", dst) >= (int)sizeof(tmp))
		return 0;	/* such a KEY.next is never written */
	if (access(tmp, F_OK) != 0)
		return 0;
	if ((rc = keyfile_read(dst, &old)) != 0) {
		snprintf(err, errlen, "key: cannot read %s to finish the key "
		    "rotation %s was written for: %s", dst, tmp,
		    i40_strerror(rc));
		return rc;
	}
	key_public(old, pk);
	rc = store_key_owner(st, pk, owner);
	if (rc == 0 || rc == I40_E_NOT_FOUND) {
		key_free(old);
		/* The key is in force (or names nobody yet): no rotation of
		 * it was stored, so KEY.next is a leftover. */
		if (unlink(tmp) != 0 && errno != ENOENT) {
			rc = -errno;
			snprintf(err, errlen, "key: cannot remove %s, the key "
			    "of a rotation that was never stored: %s", tmp,
			    strerror(errno));
			return rc;
		}
		log_info("removed %s: the key rotation it was for was never "
		    "stored, so %s stays the key", tmp, dst);
		return 0;
	}
	if (rc != I40_E_WRONG_KEY) {
		key_free(old);
		snprintf(err, errlen, "datadir: cannot tell whether the key "
		    "rotation of %s was stored: %s; %s is kept", dst,
		    i40_strerror(rc), tmp);
		return rc;
	}
	if ((rc = file_pk(tmp, npk)) != 0 ||
	    (rc = store_key_owner(st, npk, owner)) != 0) {
		key_free(old);
		snprintf(err, errlen, "key: the store holds a rotation of %s, "
		    "but %s is not the key it names (%s): restore that key "
		    "(docs/joining.md, \"Rotating a key\")", dst, tmp,
		    i40_strerror(rc));
		return rc != 0 ? rc : I40_E_WRONG_KEY;
	}
	/* The old key stays the CURVE key until a peer holds the rotation. */
	if (prev != NULL && (rc = write_prev(prev, old)) != 0)
		log_warn(rc, "cannot keep the previous key in %s; after this "
		    "start the CURVE key is the new one at once", prev);
	key_free(old);
	if (rename(tmp, dst) != 0 || (rc = sync_dir_of(dst)) != 0) {
		rc = rc != 0 ? rc : -errno;
		snprintf(err, errlen, "key: cannot move the rotated key %s over "
		    "%s: %s; move it by hand and start again", tmp, dst,
		    i40_strerror(rc));
		return rc;
	}
	log_info("finished an interrupted key rotation: the store holds it, "
	    "so %s is now the key (it was in %s)", dst, tmp);
	return 0;
}

int
rotate_resume(const struct config *c, char *err, size_t errlen)
{
	struct store_opts o = { .readonly = 1 };
	struct store *st = NULL;
	char dst[2][4096], prev[4096];
	size_t nf, i;
	int rc = 0, lock, any = 0;

	nf = key_files(c, dst);
	for (i = 0; i < nf; i++) {
		char tmp[4096];

		any |= snprintf(tmp, sizeof(tmp), "%s.next", dst[i]) <
		    (int)sizeof(tmp) && access(tmp, F_OK) == 0;
	}
	if (!any)
		return 0;
	if ((lock = resume_lock(c, err, errlen)) < 0)
		return lock;
	if ((rc = store_open(c->datadir, &o, &st)) != 0) {
		snprintf(err, errlen, "datadir: cannot open %s to finish a key "
		    "rotation: %s", c->datadir, i40_strerror(rc));
		close(lock);
		return rc;
	}
	snprintf(prev, sizeof(prev), "%s.prev", c->key);
	for (i = 0; i < nf && rc == 0; i++)
		rc = resume_one(st, dst[i], i == 0 ? prev : NULL, err, errlen);
	store_close(st);
	close(lock);
	return rc;
}

/* The seq of this node's latest key_rotate, or 0. */
static int
own_rotation(struct node *n, uint64_t *seq)
{
	struct store_member *ms;
	size_t nm, i;
	int rc;

	*seq = 0;
	if ((rc = store_members(n->st, &ms, &nm)) != 0)
		return rc;
	for (i = 0; i < nm; i++)
		if (memcmp(ms[i].key, n->self, KEY_PK_BYTES) == 0)
			*seq = ms[i].rotated;
	free(ms);
	return 0;
}

int
rotate_pending_load(struct node *n)
{
	struct key_secret *k = NULL;
	uint8_t pk[KEY_PK_BYTES], was[KEY_PK_BYTES];
	char path[4096];
	uint64_t seq;
	int rc;

	if (snprintf(path, sizeof(path), "%s.prev", n->cfg->key) >=
	    (int)sizeof(path) || access(path, F_OK) != 0)
		return 0;
	if ((rc = keyfile_read(path, &k)) != 0) {
		log_warn(rc, "cannot read %s, the key before this node's last "
		    "rotation; the CURVE key is the new one", path);
		return 0;
	}
	key_public(k, pk);
	/* Only the key that signed the latest rotation is of any use: the
	 * peers that have not stored that rotation pin it. */
	if ((rc = own_rotation(n, &seq)) != 0 || seq == 0 ||
	    (rc = store_key_in_force(n->st, n->self, seq, was)) != 0 ||
	    memcmp(was, pk, KEY_PK_BYTES) != 0) {
		key_free(k);
		if (rc != 0)
			return rc;
		if (unlink(path) != 0)
			log_warn(-errno, "cannot remove %s", path);
		else
			log_info("removed %s: it is no key the CURVE switch of "
			    "a rotation waits for", path);
		return 0;
	}
	n->tkey = k;
	n->rot_seq = seq;
	n->rot_proven[0] = '\0';
	log_info("the key rotation at seq %llu has not reached a peer yet: "
	    "CURVE keeps the previous key (%s) until one holds it",
	    (unsigned long long)seq, path);
	return 0;
}

int
rotate_identity(struct node *n)
{
	uint8_t pk[KEY_PK_BYTES];
	char hex[17];
	int rc;

	key_public(n->key, pk);
	rc = store_key_owner(n->st, pk, n->self);
	if (rc == I40_E_NOT_FOUND) {
		/* No event names it yet: a node waiting for its admission. */
		memcpy(n->self, pk, KEY_PK_BYTES);
		return 0;
	}
	if (rc == I40_E_WRONG_KEY) {
		log_keyhex(pk, hex);
		log_error("the node key %s (%s...) was replaced by a key "
		    "rotation: it signs nothing any more; restore the key "
		    "that rotation named (docs/joining.md, \"Rotating a "
		    "key\")", n->cfg->key, hex);
	}
	return rc;
}

int
rotate_prepare(struct node *n, const struct codec_bytes *path,
    struct rotate_plan **out, char *why, size_t whylen)
{
	struct body_ctx ctx = { store_fed_id(n->st), n->self };
	struct rotate_plan *rp;
	struct codec_err err;
	struct body *b = NULL;
	uint8_t owner[KEY_PK_BYTES];
	char file[MSG_MAX_PATH + 1];
	size_t i;
	int rc;

	*out = NULL;
	if ((rp = calloc(1, sizeof(*rp))) == NULL ||
	    (b = malloc(sizeof(*b))) == NULL) {
		free(rp);
		snprintf(why, whylen, "out of memory");
		return I40_E_NOMEM;
	}
	if (path->len == 0) {
		rc = key_generate(&rp->next);
		if (rc != 0)
			snprintf(why, whylen, "cannot make a key: %s",
			    i40_strerror(rc));
	} else {
		memcpy(file, path->p, path->len);
		file[path->len] = '\0';
		if (file[0] != '/') {
			rc = I40_E_VALUE;
			snprintf(why, whylen, "new key: %s is not an absolute "
			    "path (the daemon reads it)", file);
		} else if ((rc = keyfile_read(file, &rp->next)) != 0) {
			snprintf(why, whylen, "new key: cannot read %s: %s",
			    file, i40_strerror(rc));
		}
	}
	if (rc != 0)
		goto fail;
	key_public(rp->next, rp->pk);
	if ((rc = store_key_owner(n->st, rp->pk, owner)) != I40_E_NOT_FOUND) {
		snprintf(why, whylen, "new key: it is %s a key of this "
		    "federation; rotate to a key never used", rc == 0 ?
		    "already" : "or was");
		rc = rc == 0 || rc == I40_E_WRONG_KEY ? I40_E_VALUE : rc;
		goto fail;
	}
	if ((rc = body_rotate_make(store_fed_id(n->st), n->self, rp->next,
	    b)) != 0 || (rc = body_encode(b, &ctx, rp->body, sizeof(rp->body),
	    &rp->blen, &err)) != 0) {
		snprintf(why, whylen, "new key: %s: %s", err.field[0] ?
		    err.field : "key_rotate", i40_strerror(rc));
		goto fail;
	}
	rp->nfiles = key_files(n->cfg, rp->dst);
	for (i = 0; i < rp->nfiles; i++) {
		if (snprintf(rp->tmp[i], sizeof(rp->tmp[i]), "%s.next",
		    rp->dst[i]) >= (int)sizeof(rp->tmp[i])) {
			rc = -ENAMETOOLONG;
			snprintf(why, whylen, "the key file's path %s is too "
			    "long to write %s.next beside it", rp->dst[i],
			    rp->dst[i]);
			goto fail;
		}
		/*
		 * rotate_resume removed every leftover at the start: one now
		 * is an unfinished rotation's key (a rename that failed) or
		 * the operator's file, and neither is ours to delete.
		 */
		if (path->len != 0 && same_path(file, rp->tmp[i])) {
			rc = I40_E_VALUE;
			snprintf(why, whylen, "new key: %s is the name the "
			    "daemon writes the next key to; move it elsewhere "
			    "(e.g. %s.new) and give that path", file,
			    rp->dst[i]);
			goto fail;
		}
		if (access(rp->tmp[i], F_OK) == 0) {
			rc = I40_E_EXISTS;
			snprintf(why, whylen, "%s exists: an earlier rotation "
			    "is unfinished or the file is someone's; restart "
			    "the node (it finishes or undoes the rotation) or "
			    "move the file away", rp->tmp[i]);
			goto fail;
		}
	}
	for (i = 0; i < rp->nfiles; i++) {
		if ((rc = keyfile_write(rp->tmp[i], rp->next)) != 0) {
			snprintf(why, whylen, "cannot write the next key to "
			    "%s: %s; nothing was rotated", rp->tmp[i],
			    i40_strerror(rc));
			while (i-- > 0)
				(void)unlink(rp->tmp[i]);
			goto fail;
		}
	}
	free(b);
	*out = rp;
	return 0;
fail:
	free(b);
	key_free(rp->next);
	free(rp);
	return rc;
}

const uint8_t *
rotate_next_pk(const struct rotate_plan *rp)
{
	return rp->pk;
}

const uint8_t *
rotate_body(const struct rotate_plan *rp, size_t *len)
{
	*len = rp->blen;
	return rp->body;
}

void
rotate_finish(struct node *n, struct rotate_plan *rp, int stored)
{
	char hex[17], prev[4096];
	size_t i;
	int rc;

	if (rp == NULL)
		return;
	if (!stored) {
		for (i = 0; i < rp->nfiles; i++)
			(void)unlink(rp->tmp[i]);
		key_free(rp->next);
		free(rp);
		return;
	}
	/* The old key stays the CURVE key until a peer holds the rotation,
	 * across a restart too. */
	snprintf(prev, sizeof(prev), "%s.prev", n->cfg->key);
	if ((rc = write_prev(prev, node_tkey(n))) != 0)
		log_warn(rc, "cannot keep the previous key in %s; a restart "
		    "before a peer holds the rotation may cut this node off "
		    "(docs/joining.md, \"Rotating a key\")", prev);
	for (i = 0; i < rp->nfiles; i++) {
		rc = rename(rp->tmp[i], rp->dst[i]) != 0 ? -errno :
		    sync_dir_of(rp->dst[i]);
		if (rc != 0)
			log_warn(rc, "the rotation is stored but its key is "
			    "still in %s, not %s; the next start moves it "
			    "(and rotating again is refused until then)",
			    rp->tmp[i], rp->dst[i]);
	}
	/* Sign with the new key at once; CURVE keeps the old one. */
	if (n->tkey == NULL)
		n->tkey = n->key;
	else			/* do_rotate refuses this; never two pending */
		key_free(n->key);
	n->key = rp->next;
	n->rot_proven[0] = '\0';
	if ((rc = own_rotation(n, &n->rot_seq)) != 0 || n->rot_seq == 0) {
		log_warn(rc, "cannot find the rotation just stored; the CURVE "
		    "key moves at once");
		n->rot_seq = 0;
	}
	log_keyhex(rp->pk, hex);
	log_info("key rotated (seq %llu): signing with %s... from now on; the "
	    "CURVE key follows once a peer holds the rotation",
	    (unsigned long long)n->rot_seq, hex);
	free(rp);
}

/*
 * Does peer p hold this node's log up to the rotation?  Its vector says
 * so only if it names this node's event at that seq by its id: a peer
 * must have fetched the events to know their ids.
 */
static int
vector_holds(struct node *n, const struct peer *p)
{
	const struct peer_head *ph = sync_peer_head_find(p, n->self);
	struct store_event ev;
	struct ev_signed e;
	int yes;

	if (ph == NULL || ph->seq < n->rot_seq ||
	    store_get(n->st, n->self, ph->seq, &ev) != 0)
		return 0;
	yes = ev_decode(ev.bytes, ev.len, store_fed_id(n->st), &e, NULL,
	    NULL) == 0 && memcmp(e.id, ph->id, EV_ID_BYTES) == 0;
	free(ev.bytes);
	return yes;
}

/*
 * Why the CURVE key may move now, or NULL.  Only members count: sync
 * pulls, and nobody pulls from an observer.
 */
static const char *
rekey_reason(struct node *n, char *buf, size_t cap)
{
	size_t i, k = 0;

	if (n->rot_seq == 0)
		return "the rotation's seq is unknown";
	for (i = 0; i < n->npeers; i++)
		k += n->peers[i]->leaving_ms == 0 && !n->peers[i]->observer;
	if (k == 0)
		return "no member peer to tell";
	if (n->rot_proven[0] != '\0') {
		snprintf(buf, cap, "peer %s admitted the new key: it holds the "
		    "rotation", n->rot_proven);
		return buf;
	}
	for (i = 0; i < n->npeers; i++)
		if (n->peers[i]->leaving_ms == 0 && !n->peers[i]->observer &&
		    vector_holds(n, n->peers[i])) {
			snprintf(buf, cap, "peer %s holds the rotation",
			    n->peers[i]->schac);
			return buf;
		}
	return NULL;
}

void
rotate_tick(struct node *n, uint64_t now)
{
	const char *why;
	char buf[128], prev[4096];
	size_t i;
	int rc;

	(void)now;
	if (n->tkey == NULL || (why = rekey_reason(n, buf, sizeof(buf))) ==
	    NULL)
		return;
	key_free(n->tkey);
	n->tkey = NULL;
	snprintf(prev, sizeof(prev), "%s.prev", n->cfg->key);
	if (unlink(prev) != 0 && errno != ENOENT)
		log_warn(-errno, "cannot remove %s, the key before the "
		    "rotation; remove it by hand", prev);
	else if ((rc = sync_dir_of(prev)) != 0)
		log_warn(rc, "cannot sync the directory of %s", prev);
	if (n->router != NULL &&
	    (rc = link_router_rekey(n->router, n->listen, n->key)) != 0)
		fatalx("cannot listen on %s with the rotated key: %s; "
		    "stopping so that systemd restarts the node with it",
		    n->listen, i40_strerror(rc));
	for (i = 0; i < n->npeers; i++) {
		struct peer *p = n->peers[i];

		link_dealer_close(p);
		p->state = PEER_DOWN;
		p->backoff_ms = 0;
		p->redial_ms = 0;
		p->probe = 0;
		if (p->dial && (rc = link_dealer_open(n, p)) != 0)
			link_dial_failed(p, rc);
	}
	log_info("transport key moved to the rotated key (%s): listening on "
	    "%s and dialling %zu peers with it", why, n->listen[0] ?
	    n->listen : "-", n->npeers);
}
