/*
 * private.c: the never-replicated environment: learner names and national
 * ids behind their pseudonyms (see store.h).
 *
 * Forgetting must leave the name in no file.  LMDB keeps deleted data in
 * free pages until it reuses them (PITFALLS.md, point 4), so forget deletes,
 * commits, writes a compacted copy (which holds live data only), fsyncs it,
 * renames it over data.mdb, fsyncs the directory and reopens.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define PRIVATE_MAP ((size_t)256 << 20)
#define MAX_TEXT 512

static int
penv_open(struct store *st)
{
	char dir[PATH_MAX];
	MDB_txn *txn;
	int rc;

	if ((rc = store_path(dir, st->path, "private")) != 0)
		return rc;
	if ((rc = mdb_env_create(&st->penv)) != 0)
		return store_err(rc);
	if ((rc = mdb_env_set_maxdbs(st->penv, 3)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->penv, PRIVATE_MAP)) != 0 ||
	    (rc = mdb_env_open(st->penv, dir, MDB_NOTLS, 0600)) != 0 ||
	    (rc = mdb_txn_begin(st->penv, NULL, 0, &txn)) != 0) {
		mdb_env_close(st->penv);
		st->penv = NULL;
		return rc == ENOENT ? I40_E_NOT_STORE : store_err(rc);
	}
	if ((rc = mdb_dbi_open(txn, "natid", MDB_CREATE, &st->p_byid)) != 0 ||
	    (rc = mdb_dbi_open(txn, "pseudo", MDB_CREATE,
	    &st->p_bypseudo)) != 0 ||
	    (rc = mdb_dbi_open(txn, "forgotten", MDB_CREATE,
	    &st->p_forgot)) != 0) {
		mdb_txn_abort(txn);
		mdb_env_close(st->penv);
		st->penv = NULL;
		return store_err(rc);
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		mdb_env_close(st->penv);
		st->penv = NULL;
		return store_err(rc);
	}
	return 0;
}

/*
 * Every process that opens private/ holds a shared flock() on the
 * directory while it does; forget, which replaces its data.mdb, needs it
 * alone (another process would go on in the replaced file).
 */
int
private_open(struct store *st)
{
	char dir[PATH_MAX];
	int rc;

	st->pdir = -1;
	if ((rc = store_path(dir, st->path, "private")) != 0)
		return rc;
	if ((st->pdir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? I40_E_NOT_STORE : -errno;
	if (flock(st->pdir, LOCK_SH) != 0 || (rc = penv_open(st)) != 0) {
		rc = rc != 0 ? rc : -errno;
		close(st->pdir);
		st->pdir = -1;
		return rc;
	}
	return 0;
}

void
private_close(struct store *st)
{
	if (st->penv != NULL)
		mdb_env_close(st->penv);
	st->penv = NULL;
	if (st->pdir >= 0)
		close(st->pdir);
	st->pdir = -1;
}

int
private_create(const char *path)
{
	char dir[PATH_MAX];

	int rc;

	if ((rc = store_path(dir, path, "private")) != 0)
		return rc;
	if (mkdir(dir, 0700) != 0)
		return errno == EEXIST ? I40_E_EXISTS : -errno;
	/*
	 * An environment from the start, with its tables, though i40d never
	 * opens it: a backup (mdb_copy) of private/ then works on any node.
	 */
	{
		struct store tmp;

		memset(&tmp, 0, sizeof(tmp));
		tmp.path = (char *)path;
		if ((rc = penv_open(&tmp)) != 0)
			return rc;
		mdb_env_close(tmp.penv);
	}
	return 0;
}

static int
writable(struct store *st)
{
	if (st->penv == NULL)
		return I40_E_READONLY;
	return st->failed ? I40_E_FAILED : 0;
}

int
store_learner_issue(struct store *st, const char *name, const char *natid,
    uint8_t pseudonym[STORE_LEARNER_BYTES])
{
	size_t nlen = strlen(name), ilen = strlen(natid);
	uint8_t rec[2 * MAX_TEXT + 2];
	MDB_val k, v;
	MDB_txn *txn;
	int rc;

	if ((rc = writable(st)) != 0)
		return rc;
	if (nlen == 0 || ilen == 0)
		return I40_E_EMPTY;
	if (nlen > MAX_TEXT || ilen > MAX_TEXT)
		return I40_E_TOO_LONG;
	if (!codec_utf8_valid((const uint8_t *)name, nlen) ||
	    !codec_utf8_valid((const uint8_t *)natid, ilen))
		return I40_E_UTF8;
	if ((rc = mdb_txn_begin(st->penv, NULL, 0, &txn)) != 0)
		return store_err(rc);
	k.mv_size = ilen;
	k.mv_data = (void *)natid;
	rc = mdb_get(txn, st->p_byid, &k, &v);
	if (rc == 0 && v.mv_size == STORE_LEARNER_BYTES) {
		/* The same person keeps the pseudonym they were issued. */
		memcpy(pseudonym, v.mv_data, STORE_LEARNER_BYTES);
		mdb_txn_abort(txn);
		return 0;
	}
	if (rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return store_err(rc == 0 ? MDB_CORRUPTED : rc);
	}
	randombytes_buf(pseudonym, STORE_LEARNER_BYTES);
	memcpy(rec, name, nlen);
	rec[nlen] = 0;
	memcpy(rec + nlen + 1, natid, ilen);
	v.mv_size = STORE_LEARNER_BYTES;
	v.mv_data = pseudonym;
	if ((rc = mdb_put(txn, st->p_byid, &k, &v, 0)) == 0) {
		k.mv_size = STORE_LEARNER_BYTES;
		k.mv_data = pseudonym;
		v.mv_size = nlen + 1 + ilen;
		v.mv_data = rec;
		rc = mdb_put(txn, st->p_bypseudo, &k, &v, MDB_NOOVERWRITE);
	}
	if (rc != 0) {
		mdb_txn_abort(txn);
		return store_err(rc);
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		return store_commit_err(st, rc);
	return 0;
}

int
store_learner_find(struct store *st, const char *natid,
    uint8_t pseudonym[STORE_LEARNER_BYTES])
{
	MDB_val k = { strlen(natid), (void *)natid }, v;
	MDB_txn *txn;
	int rc;

	if (st->penv == NULL)
		return I40_E_READONLY;
	if ((rc = mdb_txn_begin(st->penv, NULL, MDB_RDONLY, &txn)) != 0)
		return store_err(rc);
	rc = mdb_get(txn, st->p_byid, &k, &v);
	if (rc == 0 && v.mv_size == STORE_LEARNER_BYTES)
		memcpy(pseudonym, v.mv_data, STORE_LEARNER_BYTES);
	mdb_txn_abort(txn);
	return store_err(rc);
}

int
store_learner_name(struct store *st,
    const uint8_t pseudonym[STORE_LEARNER_BYTES], char *name, size_t cap)
{
	MDB_val k = { STORE_LEARNER_BYTES, (void *)pseudonym }, v;
	MDB_txn *txn;
	size_t n;
	int rc;

	if (st->penv == NULL)
		return I40_E_READONLY;
	if ((rc = mdb_txn_begin(st->penv, NULL, MDB_RDONLY, &txn)) != 0)
		return store_err(rc);
	if ((rc = mdb_get(txn, st->p_bypseudo, &k, &v)) == 0) {
		n = strnlen(v.mv_data, v.mv_size);
		if (n + 1 > cap)
			rc = ENOBUFS;
		else {
			memcpy(name, v.mv_data, n);
			name[n] = '\0';
		}
	}
	mdb_txn_abort(txn);
	return rc == ENOBUFS ? I40_E_BUFFER : store_err(rc);
}

static int
fsync_path(const char *path, int flags)
{
	int fd, rc = 0;

	if ((fd = open(path, flags | O_CLOEXEC)) < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Replace private/data.mdb by a compacted copy of itself. */
static int
compact(struct store *st)
{
	char dir[PATH_MAX], tmp[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	int rc;

	if ((rc = store_path(dir, st->path, "private")) != 0 ||
	    (rc = store_path(tmp, st->path, "private.compact")) != 0 ||
	    (rc = store_path(from, tmp, "data.mdb")) != 0 ||
	    (rc = store_path(to, dir, "data.mdb")) != 0)
		return rc;
	(void)unlink(from);
	(void)rmdir(tmp);
	if (mkdir(tmp, 0700) != 0)
		return -errno;
	if ((rc = mdb_env_copy2(st->penv, tmp, MDB_CP_COMPACT)) != 0) {
		rc = store_err(rc);
		goto fail;
	}
	if ((rc = fsync_path(from, O_RDONLY)) != 0)
		goto fail;
	/* The environment only: the lock on private/ stays held. */
	mdb_env_close(st->penv);
	st->penv = NULL;
	if (rename(from, to) != 0) {
		rc = -errno;
		(void)penv_open(st);
		goto fail;
	}
	(void)rmdir(tmp);
	if ((rc = fsync_path(dir, O_RDONLY | O_DIRECTORY)) != 0 ||
	    (rc = fsync_path(st->path, O_RDONLY | O_DIRECTORY)) != 0)
		return rc;
	return penv_open(st);
fail:
	(void)unlink(from);
	(void)rmdir(tmp);
	return rc;
}

static int forget_alone(struct store *st,
    const uint8_t pseudonym[STORE_LEARNER_BYTES]);

int
store_learner_forget(struct store *st,
    const uint8_t pseudonym[STORE_LEARNER_BYTES])
{
	int rc;

	if ((rc = writable(st)) != 0)
		return rc;
	/* Alone with private/, or not at all (see private_open). */
	if (flock(st->pdir, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? I40_E_BUSY : -errno;
		(void)flock(st->pdir, LOCK_SH);
		return rc;
	}
	rc = forget_alone(st, pseudonym);
	(void)flock(st->pdir, LOCK_SH);
	return rc;
}

static int
forget_alone(struct store *st, const uint8_t pseudonym[STORE_LEARNER_BYTES])
{
	MDB_val k = { STORE_LEARNER_BYTES, (void *)pseudonym }, v, ik, wv;
	uint8_t natid[MAX_TEXT], when[8];
	struct timespec ts;
	MDB_txn *txn;
	size_t n;
	int rc;

	if ((rc = mdb_txn_begin(st->penv, NULL, 0, &txn)) != 0)
		return store_err(rc);
	if ((rc = mdb_get(txn, st->p_bypseudo, &k, &v)) != 0) {
		mdb_txn_abort(txn);
		return store_err(rc);
	}
	/* Copy the id out of the map before changing anything. */
	n = strnlen(v.mv_data, v.mv_size);
	if (n + 1 > v.mv_size || v.mv_size - n - 1 > MAX_TEXT) {
		mdb_txn_abort(txn);
		return I40_E_CORRUPT;
	}
	ik.mv_size = v.mv_size - n - 1;
	memcpy(natid, (uint8_t *)v.mv_data + n + 1, ik.mv_size);
	ik.mv_data = natid;
	/* What was forgotten and when, without whom: the pseudonym alone. */
	clock_gettime(CLOCK_REALTIME, &ts);
	store_put64(when, (uint64_t)ts.tv_sec * 1000 +
	    (uint64_t)ts.tv_nsec / 1000000);
	wv.mv_size = sizeof(when);
	wv.mv_data = when;
	if ((rc = mdb_del(txn, st->p_byid, &ik, NULL)) != 0 ||
	    (rc = mdb_del(txn, st->p_bypseudo, &k, NULL)) != 0 ||
	    (rc = mdb_put(txn, st->p_forgot, &k, &wv, 0)) != 0) {
		mdb_txn_abort(txn);
		return store_err(rc);
	}
	sodium_memzero(natid, sizeof(natid));
	if ((rc = mdb_txn_commit(txn)) != 0)
		return store_commit_err(st, rc);
	return compact(st);
}

int
store_learner_forgotten(struct store *st,
    const uint8_t pseudonym[STORE_LEARNER_BYTES], uint64_t *when_ms)
{
	MDB_val k = { STORE_LEARNER_BYTES, (void *)pseudonym }, v;
	MDB_txn *txn;
	int rc;

	if (st->penv == NULL)
		return I40_E_READONLY;
	if ((rc = mdb_txn_begin(st->penv, NULL, MDB_RDONLY, &txn)) != 0)
		return store_err(rc);
	if ((rc = mdb_get(txn, st->p_forgot, &k, &v)) == 0) {
		if (v.mv_size == 8)
			*when_ms = store_be64(v.mv_data);
		else
			rc = MDB_CORRUPTED;
	}
	mdb_txn_abort(txn);
	return store_err(rc);
}
