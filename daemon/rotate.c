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
 * The CURVE key follows after a grace (ROTATE_GRACE_MS): the rotation
 * must reach the peers over the links the old key holds, since a peer
 * that has not stored it pins the old key and refuses the new one.
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

#define ROTATE_GRACE_MS 5000

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

int
rotate_resume(const struct config *c, char *err, size_t errlen)
{
	struct store_opts o = { .readonly = 1 };
	struct store *st = NULL;
	struct key_secret *k = NULL;
	char dst[2][4096], tmp[4096];
	uint8_t pk[KEY_PK_BYTES], owner[KEY_PK_BYTES];
	size_t nf, i;
	int rc = 0, keep = -1;

	nf = key_files(c, dst);
	for (i = 0; i < nf; i++) {
		snprintf(tmp, sizeof(tmp), "%s.next", dst[i]);
		if (access(tmp, F_OK) != 0)
			continue;
		if (keep < 0) {
			/* One answer for every file: is the next key in force? */
			if ((rc = keyfile_read(tmp, &k)) != 0) {
				keep = 0;
			} else {
				key_public(k, pk);
				key_free(k);
				if ((rc = store_open(c->datadir, &o, &st)) != 0) {
					snprintf(err, errlen, "datadir: cannot "
					    "open %s to finish a key rotation: "
					    "%s", c->datadir, i40_strerror(rc));
					return rc;
				}
				rc = store_key_owner(st, pk, owner);
				store_close(st);
				keep = rc == 0;
			}
		}
		if (keep) {
			if (rename(tmp, dst[i]) != 0 ||
			    (rc = sync_dir_of(dst[i])) != 0) {
				rc = rc != 0 ? rc : -errno;
				snprintf(err, errlen, "key: cannot move the "
				    "rotated key %s over %s: %s; move it by "
				    "hand and start again", tmp, dst[i],
				    i40_strerror(rc));
				return rc;
			}
			log_info("finished an interrupted key rotation: the "
			    "store holds it, so %s is now the key (it was in "
			    "%s)", dst[i], tmp);
		} else {
			if (unlink(tmp) != 0 && errno != ENOENT) {
				rc = -errno;
				snprintf(err, errlen, "key: cannot remove %s, "
				    "the key of a rotation that was never "
				    "stored: %s", tmp, strerror(errno));
				return rc;
			}
			log_info("removed %s: the key rotation it was for was "
			    "never stored, so %s stays the key", tmp, dst[i]);
		}
	}
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
		rc = rc == 0 || rc == I40_E_WRONG_KEY ? I40_E_EXISTS : rc;
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
		snprintf(rp->tmp[i], sizeof(rp->tmp[i]), "%s.next",
		    rp->dst[i]);
		/* A leftover of a rotation never stored (rotate_resume). */
		if (unlink(rp->tmp[i]) != 0 && errno != ENOENT)
			rc = -errno;
		else
			rc = keyfile_write(rp->tmp[i], rp->next);
		if (rc != 0) {
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
rotate_body(const struct rotate_plan *rp, size_t *len)
{
	*len = rp->blen;
	return rp->body;
}

void
rotate_finish(struct node *n, struct rotate_plan *rp, int stored)
{
	char hex[17];
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
	for (i = 0; i < rp->nfiles; i++) {
		rc = rename(rp->tmp[i], rp->dst[i]) != 0 ? -errno :
		    sync_dir_of(rp->dst[i]);
		if (rc != 0)
			log_warn(rc, "the rotation is stored but its key is "
			    "still in %s, not %s; the next start moves it",
			    rp->tmp[i], rp->dst[i]);
	}
	/* Sign with the new key at once; CURVE keeps the oldest until the
	 * grace ends, so that the peers can still fetch the rotation. */
	if (n->tkey == NULL)
		n->tkey = n->key;
	else
		key_free(n->key);
	n->key = rp->next;
	n->rekey_ms = node_mono_ms() + ROTATE_GRACE_MS;
	log_keyhex(rp->pk, hex);
	log_info("key rotated: signing with %s... from now on; the CURVE "
	    "key follows in %d s", hex, ROTATE_GRACE_MS / 1000);
	free(rp);
}

void
rotate_tick(struct node *n, uint64_t now)
{
	size_t i;
	int rc;

	if (n->tkey == NULL || now < n->rekey_ms)
		return;
	key_free(n->tkey);
	n->tkey = NULL;
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
		if (p->dial && (rc = link_dealer_open(n, p)) != 0)
			link_dial_failed(p, rc);
	}
	log_info("transport key moved to the rotated key: listening on %s "
	    "and dialling %zu peers with it", n->listen[0] ? n->listen : "-",
	    n->npeers);
}
