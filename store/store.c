/*
 * store.c: opening and creating a data directory, and reading it (see
 * store.h).  Appending is append.c, derived state derive.c, private data
 * private.c.
 */
#define _GNU_SOURCE
#include "internal.h"
#include "protocol/be.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <sodium.h>

#define MAP_INITIAL ((size_t)64 << 20)
#define MAP_MAX ((size_t)64 << 30)
#define MAX_READERS 256

/* Filesystem magic numbers (linux/magic.h) LMDB cannot lock safely on. */
#define NFS_MAGIC 0x6969
#define SMB_MAGIC 0x517B
#define CIFS_MAGIC 0xFF534D42u
#define SMB2_MAGIC 0xFE534D42u

const char *const store_db_names[DB_COUNT] = {
	"meta", "ev", "log", "head", "fork", "known", "rot", "mev",
	"tail", "id.0", "id.1", "learner.0", "learner.1", "module.0",
	"module.1",
	"a_prop", "a_vote", "a_cand", "a_ever", "a_ckpt", "a_pend", "a_voter",
	"d_member", "d_module", "d_modver", "d_compl", "d_revoke", "d_fork",
	"d_settle",
};

int
store_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return I40_E_NOT_FOUND;
	case MDB_MAP_FULL:
		return I40_E_MAP_FULL;
	case MDB_INVALID:
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_VERSION_MISMATCH:
	case MDB_BAD_TXN:
		return I40_E_CORRUPT;
	case MDB_PANIC:
		return I40_E_FAILED;
	case ENOMEM:
		return I40_E_NOMEM;
	default:
		/* -errno and I40_E_* pass through: store_err(store_err(x)). */
		return rc > 0 ? -rc : (rc < 0 && rc >= -1999 ? rc :
		    I40_E_CORRUPT);
	}
}

/*
 * LMDB turns a short write into EIO, so ENOSPC rarely reaches us: ask the
 * filesystem whether it is full.  Any commit failure marks the store
 * failed, because after a failed fsync the kernel may have dropped the
 * pages, and only a fresh open re-reads what is really on disk.
 */
int
store_commit_err(struct store *st, int rc)
{
	struct statvfs sv;
	char dir[PATH_MAX];

	/*
	 * MDB_MAP_FULL at commit (the free list needs pages) writes nothing:
	 * the caller grows the map and retries, and the store stays usable.
	 */
	if (rc == MDB_MAP_FULL)
		return I40_E_MAP_FULL;
	st->failed = 1;
	if (rc == ENOSPC || rc == EDQUOT)
		return I40_E_DISK_FULL;
	if (rc == EIO && store_path(dir, st->path, "ledger") == 0) {
		if (statvfs(dir, &sv) == 0 && (sv.f_bavail < 64 ||
		    sv.f_favail == 0))
			return I40_E_DISK_FULL;
	}
	return store_err(rc);
}

int
store_path(char *out, const char *base, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", base, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

void
store_put64(uint8_t *p, uint64_t v)
{
	be_put64(p, v);
}

uint64_t
store_be64(const uint8_t *p)
{
	return be_get64(p);
}

void
store_logkey(uint8_t k[K_LOG], const uint8_t author[32], uint64_t seq)
{
	memcpy(k, author, 32);
	store_put64(k + 32, seq);
}

int
store_rtxn(struct store *st, MDB_txn **txn)
{
	int rc;

	pthread_rwlock_rdlock(&st->maplock);
	rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size, alone. */
		pthread_rwlock_unlock(&st->maplock);
		pthread_rwlock_wrlock(&st->maplock);
		rc = mdb_env_set_mapsize(st->env, 0);
		pthread_rwlock_unlock(&st->maplock);
		pthread_rwlock_rdlock(&st->maplock);
		if (rc == 0)
			rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
	}
	if (rc != 0)
		pthread_rwlock_unlock(&st->maplock);
	return store_err(rc);
}

void
store_rtxn_end(struct store *st, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&st->maplock);
}

int
store_grow(struct store *st)
{
	MDB_envinfo info;
	size_t want;
	int dead = 0, rc;

	/* Stale readers pin pages; clearing them may free enough. */
	(void)mdb_reader_check(st->env, &dead);
	if (mdb_env_info(st->env, &info) == 0 && info.me_mapsize > st->map_size)
		st->map_size = info.me_mapsize;
	if (st->map_size >= st->map_max)
		return I40_E_MAP_FULL;
	want = st->map_size > st->map_max / 2 ? st->map_max : st->map_size * 2;
	/*
	 * Only with no transaction open in this process: the caller aborted
	 * its write transaction, and maplock waits out every reader.
	 */
	pthread_rwlock_wrlock(&st->maplock);
	rc = mdb_env_set_mapsize(st->env, want);
	pthread_rwlock_unlock(&st->maplock);
	if (rc != 0)
		return store_err(rc);
	st->map_size = want;
	st->stats.map_size = want;
	return 0;
}

int
store_log_get(MDB_txn *txn, struct store *st, const uint8_t *logkey,
    uint64_t *arrival)
{
	MDB_val k = { K_LOG, (void *)logkey }, n;
	int rc;

	if ((rc = mdb_get(txn, st->dbi[DB_LOG], &k, &n)) != 0)
		return store_err(rc);
	if (n.mv_size != 8)
		return I40_E_CORRUPT;
	*arrival = store_be64(n.mv_data);
	return 0;
}

int
store_ev_get(MDB_txn *txn, struct store *st, const uint8_t *logkey,
    MDB_val *v)
{
	uint8_t num[8];
	MDB_val k = { 8, num };
	uint64_t arrival;
	int rc;

	if ((rc = store_log_get(txn, st, logkey, &arrival)) != 0)
		return rc;
	store_put64(num, arrival);
	return store_err(mdb_get(txn, st->dbi[DB_EV], &k, v));
}

int
store_head_get(MDB_txn *txn, struct store *st, const uint8_t author[32],
    struct store_headrec *h)
{
	MDB_val k = { 32, (void *)author }, v;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = mdb_get(txn, st->dbi[DB_HEAD], &k, &v)) != 0)
		return store_err(rc);
	if (v.mv_size != 48)
		return I40_E_CORRUPT;
	h->seq = store_be64(v.mv_data);
	memcpy(h->id, (uint8_t *)v.mv_data + 8, 32);
	h->frozen = store_be64((uint8_t *)v.mv_data + 40);
	return 0;
}

int
store_head_put(MDB_txn *txn, struct store *st, const uint8_t author[32],
    const struct store_headrec *h)
{
	uint8_t buf[48];
	MDB_val k = { 32, (void *)author }, v = { sizeof(buf), buf };

	store_put64(buf, h->seq);
	memcpy(buf + 8, h->id, 32);
	store_put64(buf + 40, h->frozen);
	return store_err(mdb_put(txn, st->dbi[DB_HEAD], &k, &v, 0));
}

int
store_rot_at(MDB_txn *txn, struct store *st, const uint8_t author[32],
    uint64_t seq, uint8_t key[32], uint8_t transport[32], uint64_t *at)
{
	uint8_t kb[K_LOG];
	MDB_cursor *c;
	MDB_val k = { K_LOG, kb }, v;
	int rc;

	memcpy(key, author, 32);
	*at = 0;
	if (seq <= 1)
		return 0;
	/* The latest rotation below seq: step back from author||seq. */
	store_logkey(kb, author, seq);
	if ((rc = mdb_cursor_open(txn, st->dbi[DB_ROT], &c)) != 0)
		return store_err(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == K_LOG &&
	    memcmp(k.mv_data, author, 32) == 0 &&
	    store_be64((uint8_t *)k.mv_data + 32) < seq) {
		if (v.mv_size != 64) {
			mdb_cursor_close(c);
			return I40_E_CORRUPT;
		} else {
			memcpy(key, v.mv_data, 32);
			if (transport != NULL)
				memcpy(transport, (uint8_t *)v.mv_data + 32,
				    32);
			*at = store_be64((uint8_t *)k.mv_data + 32);
		}
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_err(rc);
}

static int
refuse_netfs(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) != 0)
		return -errno;
	switch ((unsigned long)sf.f_type) {
	case NFS_MAGIC:
	case SMB_MAGIC:
	case CIFS_MAGIC:
	case SMB2_MAGIC:
		return I40_E_NETFS;
	default:
		return 0;
	}
}

static int
env_open(const char *dir, size_t mapsize, unsigned maxdbs, int readonly,
    int nolock, int ephemeral, MDB_env **out)
{
	MDB_env *env;
	int rc;

	*out = NULL;
	if ((rc = mdb_env_create(&env)) != 0)
		return store_err(rc);
	/*
	 * Never WRITEMAP, NOSYNC or NOMETASYNC (PITFALLS.md), except for an
	 * ephemeral store, which nobody relies on after a crash: NOSYNC.  Not
	 * WRITEMAP even there: a full disk under a written map is SIGBUS,
	 * where a write is an error to report.
	 */
	if ((rc = mdb_env_set_maxdbs(env, maxdbs)) != 0 ||
	    (rc = mdb_env_set_maxreaders(env, MAX_READERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, mapsize)) != 0 ||
	    (rc = mdb_env_open(env, dir, (readonly ? MDB_RDONLY : 0) |
	    (readonly && nolock ? MDB_NOLOCK : 0) |
	    (ephemeral ? MDB_NOSYNC : 0) | MDB_NOTLS,
	    0600)) != 0) {
		mdb_env_close(env);
		return rc == ENOENT ? I40_E_NOT_STORE : store_err(rc);
	}
	*out = env;
	return 0;
}

static int
open_dbis(struct store *st, MDB_txn *txn, unsigned flags)
{
	int i, rc;

	for (i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, store_db_names[i], flags, &st->dbi[i]);
		if (rc == MDB_NOTFOUND) {
			MDB_val k = { 6, "schema" }, v;

			/* An older schema lacks tables: say so, not "no store". */
			if (i > DB_META && mdb_get(txn, st->dbi[DB_META], &k,
			    &v) == 0 && v.mv_size == 8 &&
			    store_be64(v.mv_data) != STORE_SCHEMA)
				return I40_E_SCHEMA;
			return I40_E_NOT_STORE;
		}
		if (rc != 0)
			return store_err(rc);
	}
	return 0;
}

/* Read and check the schema and fed_id. */
static int
read_meta(struct store *st, MDB_txn *txn)
{
	MDB_val k = { 6, "schema" }, v;
	int rc;

	if ((rc = mdb_get(txn, st->dbi[DB_META], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? I40_E_NOT_STORE : store_err(rc);
	if (v.mv_size != 8)
		return I40_E_CORRUPT;
	/* Schema 1 kept forks as it found them: docs/store.md, "Schema". */
	if (store_be64(v.mv_data) != STORE_SCHEMA)
		return store_be64(v.mv_data) < 1 ? I40_E_CORRUPT : I40_E_SCHEMA;
	k.mv_size = 6;
	k.mv_data = "fed_id";
	if ((rc = mdb_get(txn, st->dbi[DB_META], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? I40_E_CORRUPT : store_err(rc);
	if (v.mv_size != EV_FED_ID_BYTES)
		return I40_E_CORRUPT;
	memcpy(st->fed_id, v.mv_data, EV_FED_ID_BYTES);
	return 0;
}

int
store_open(const char *path, const struct store_opts *opts,
    struct store **out)
{
	struct store_opts none = { 0 };
	struct store *st;
	MDB_envinfo info;
	MDB_txn *txn = NULL;
	char dir[PATH_MAX];
	struct stat sb;
	int dead, rc;

	*out = NULL;
	if (opts == NULL)
		opts = &none;
	if (stat(path, &sb) != 0)
		return -errno;
	if (!S_ISDIR(sb.st_mode))
		return I40_E_NOT_STORE;
	if ((rc = refuse_netfs(path)) != 0)
		return rc;
	if ((rc = store_path(dir, path, "ledger")) != 0)
		return rc;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return I40_E_NOT_STORE;
	/* The store hashes and draws random keys (store/modver.c). */
	if (sodium_init() < 0)
		return I40_E_CRYPTO_INIT;
	if ((st = calloc(1, sizeof(*st))) == NULL ||
	    (st->path = strdup(path)) == NULL) {
		free(st);
		return I40_E_NOMEM;
	}
	if (pthread_rwlock_init(&st->maplock, NULL) != 0) {
		free(st->path);
		free(st);
		return I40_E_NOMEM;
	}
	st->maplock_ok = 1;
	st->pdir = -1;
	modver_init(st);
	st->readonly = opts->readonly;
	st->map_max = opts->map_max != 0 ? opts->map_max : MAP_MAX;
	st->map_size = opts->map_initial != 0 ? opts->map_initial :
	    MAP_INITIAL;
	if (st->map_size > st->map_max)
		st->map_size = st->map_max;
	st->tail_min = opts->tail_min != 0 ? opts->tail_min : INDEX_TAIL_MIN;
	st->tail_max = opts->tail_max != 0 ? opts->tail_max : INDEX_TAIL_MAX;
	if ((rc = env_open(dir, st->map_size, DB_COUNT, st->readonly,
	    opts->nolock, opts->ephemeral, &st->env)) != 0)
		goto fail;
	/* The file may be larger than the map we asked for: adopt it. */
	if (mdb_env_info(st->env, &info) == 0 && info.me_mapsize > st->map_size)
		st->map_size = info.me_mapsize;
	st->stats.map_size = st->map_size;
	(void)mdb_reader_check(st->env, &dead);
	/* Nobody else has this struct yet: no maplock needed here. */
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn)) != 0) {
		rc = store_err(rc);
		goto fail;
	}
	if ((rc = open_dbis(st, txn, 0)) != 0 || (rc = read_meta(st, txn)) != 0)
		goto fail;
	/* DBI handles opened in a read txn stay valid once it commits. */
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		rc = store_err(rc);
		goto fail;
	}
	txn = NULL;
	if (opts->learners && (rc = private_open(st)) != 0)
		goto fail;
	*out = st;
	return 0;
fail:
	if (txn != NULL)
		mdb_txn_abort(txn);
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	private_close(st);
	if (st->env != NULL)
		mdb_env_close(st->env);
	if (st->maplock_ok)
		pthread_rwlock_destroy(&st->maplock);
	modver_free(st);
	free(st->path);
	free(st);
}

const uint8_t *
store_fed_id(const struct store *st)
{
	return st->fed_id;
}

int
store_create(const char *path, const uint8_t *genesis, size_t len,
    struct codec_err *err)
{
	struct store st0, *st = NULL;
	MDB_txn *txn = NULL;
	MDB_val k, v;
	uint8_t schema[8];
	char dir[PATH_MAX];
	struct ev_signed e;
	struct body *b;
	int rc;

	/* Check the genesis before creating anything. */
	if ((b = malloc(sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	rc = ev_decode(genesis, len, NULL, &e, b, err);
	free(b);
	if (rc != 0)
		return rc;
	if (e.h.type != BODY_GENESIS)
		return I40_E_EVENT_TYPE;
	if ((rc = ev_verify(&e, e.h.author)) != 0)
		return rc;
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -errno;
	if ((rc = refuse_netfs(path)) != 0)
		return rc;
	if ((rc = store_path(dir, path, "ledger")) != 0)
		return rc;
	if (mkdir(dir, 0700) != 0)
		return errno == EEXIST ? I40_E_EXISTS : -errno;
	memset(&st0, 0, sizeof(st0));
	if ((rc = env_open(dir, MAP_INITIAL, DB_COUNT, 0, 0, 0, &st0.env)) != 0)
		return rc;
	if ((rc = mdb_txn_begin(st0.env, NULL, 0, &txn)) != 0) {
		rc = store_err(rc);
		goto out;
	}
	if ((rc = open_dbis(&st0, txn, MDB_CREATE)) != 0)
		goto out;
	store_put64(schema, STORE_SCHEMA);
	k.mv_size = 6;
	k.mv_data = "schema";
	v.mv_size = 8;
	v.mv_data = schema;
	if ((rc = store_err(mdb_put(txn, st0.dbi[DB_META], &k, &v, 0))) != 0)
		goto out;
	k.mv_data = "fed_id";
	v.mv_size = EV_FED_ID_BYTES;
	v.mv_data = e.h.fed_id;
	if ((rc = store_err(mdb_put(txn, st0.dbi[DB_META], &k, &v, 0))) != 0)
		goto out;
	rc = store_err(mdb_txn_commit(txn));
	txn = NULL;
	if (rc != 0)
		goto out;
	mdb_env_close(st0.env);
	st0.env = NULL;
	if ((rc = private_create(path)) != 0)
		return rc;
	/* The genesis goes in through the normal path. */
	if ((rc = store_open(path, NULL, &st)) != 0)
		return rc;
	rc = store_init_genesis(st, genesis, len, err);
	store_close(st);
	return rc;
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (st0.env != NULL)
		mdb_env_close(st0.env);
	return rc;
}

static int
copy_out(MDB_val *v, struct store_event *out)
{
	if ((out->bytes = malloc(v->mv_size)) == NULL)
		return I40_E_NOMEM;
	memcpy(out->bytes, v->mv_data, v->mv_size);
	out->len = v->mv_size;
	return 0;
}

int
store_get(struct store *st, const uint8_t author[KEY_PK_BYTES], uint64_t seq,
    struct store_event *out)
{
	uint8_t kb[K_LOG];
	MDB_val v;
	MDB_txn *txn;
	int rc;

	out->bytes = NULL;
	out->len = 0;
	store_logkey(kb, author, seq);
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = store_ev_get(txn, st, kb, &v)) == 0)
		rc = copy_out(&v, out);
	store_rtxn_end(st, txn);
	return rc;
}

int
store_genesis(struct store *st, struct store_event *out)
{
	MDB_val k = { 7, "genesis" }, v;
	MDB_txn *txn;
	int rc;

	out->bytes = NULL;
	out->len = 0;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	/* meta "genesis" names its log key (author ‖ seq 1). */
	if ((rc = store_err(mdb_get(txn, st->dbi[DB_META], &k, &v))) == 0) {
		if (v.mv_size != K_LOG)
			rc = I40_E_CORRUPT;
		else if ((rc = store_ev_get(txn, st, v.mv_data, &v)) == 0)
			rc = copy_out(&v, out);
	}
	store_rtxn_end(st, txn);
	return rc;
}

int
store_get_id(struct store *st, const uint8_t id[EV_ID_BYTES],
    struct store_event *out)
{
	uint8_t num[8];
	MDB_val k = { 8, num }, v;
	uint64_t arrival;
	MDB_txn *txn;
	int rc;

	out->bytes = NULL;
	out->len = 0;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = index_find_id(txn, st, id, &arrival)) == 0) {
		store_put64(num, arrival);
		rc = store_err(mdb_get(txn, st->dbi[DB_EV], &k, &v));
		if (rc == 0)
			rc = copy_out(&v, out);
		else if (rc == I40_E_NOT_FOUND)
			rc = I40_E_CORRUPT;
	}
	store_rtxn_end(st, txn);
	return rc;
}

/* Events per read transaction in a walk: bounded, so pages are not pinned. */
#define WALK_CHUNK 4096

int
store_walk(struct store *st, const uint8_t *author, uint64_t from,
    uint64_t to, store_walk_fn fn, void *arg)
{
	uint8_t kb[K_LOG], last[K_LOG];
	MDB_cursor *c;
	MDB_txn *txn;
	MDB_val k, v, ev;
	size_t i;
	int rc, started = 0, done = 0, r;

	if (author != NULL)
		store_logkey(kb, author, from);
	else
		memset(kb, 0, sizeof(kb));
	while (!done) {
		if ((rc = store_rtxn(st, &txn)) != 0)
			return rc;
		if ((rc = mdb_cursor_open(txn, st->dbi[DB_LOG], &c)) != 0) {
			store_rtxn_end(st, txn);
			return store_err(rc);
		}
		k.mv_size = K_LOG;
		k.mv_data = started ? last : kb;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		/* Resuming: skip the key the previous chunk ended on. */
		if (rc == 0 && started && k.mv_size == K_LOG &&
		    memcmp(k.mv_data, last, K_LOG) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		for (i = 0; rc == 0 && i < WALK_CHUNK; i++) {
			if (author != NULL &&
			    (memcmp(k.mv_data, author, 32) != 0 ||
			    store_be64((uint8_t *)k.mv_data + 32) > to)) {
				rc = MDB_NOTFOUND;
				break;
			}
			memcpy(last, k.mv_data, K_LOG);
			started = 1;
			if ((rc = mdb_get(txn, st->dbi[DB_EV], &v, &ev)) != 0)
				break;
			if ((r = fn(arg, ev.mv_data, ev.mv_size)) != 0) {
				mdb_cursor_close(c);
				store_rtxn_end(st, txn);
				return r;
			}
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		mdb_cursor_close(c);
		store_rtxn_end(st, txn);
		if (rc == MDB_NOTFOUND)
			done = 1;
		else if (rc != 0)
			return store_err(rc);
	}
	return 0;
}

int
store_reader_check(struct store *st, int *cleared)
{
	int dead = 0, rc;

	rc = mdb_reader_check(st->env, &dead);
	if (cleared != NULL)
		*cleared = dead;
	return store_err(rc);
}

int
store_stats(struct store *st, struct store_stats *out)
{
	MDB_envinfo info;
	MDB_txn *txn;
	MDB_stat ms;
	int rc;

	*out = st->stats;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = mdb_stat(txn, st->dbi[DB_LOG], &ms)) == 0)
		out->events = ms.ms_entries;
	if (rc == 0 && (rc = mdb_stat(txn, st->dbi[DB_HEAD], &ms)) == 0)
		out->authors = ms.ms_entries;
	if (rc == 0 && (rc = mdb_env_info(st->env, &info)) == 0 &&
	    (rc = mdb_env_stat(st->env, &ms)) == 0)
		out->map_used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	store_rtxn_end(st, txn);
	return store_err(rc);
}
