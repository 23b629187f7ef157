/*
 * audit.c: `i40ctl audit` (see audit.h): the input opened (an export file,
 * or a data directory exported on a thread), a store of the audit's own
 * made from the genesis, the records replayed into it (audit_replay.c),
 * the state walked and compared (audit_state.c), and all of it removed.
 */
#define _XOPEN_SOURCE 700
#include "audit.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_member.h"
#include "ctl_replay.h"
#include "protocol/errors.h"
#include "protocol/export.h"

/* A data directory's log as an export, written by a thread into a pipe. */
struct dd_export {
	struct store *st;
	struct exp_writer w;
	FILE *out;
	int rc;
	uint8_t root[32];
};

static int
dd_record(void *arg, int type, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	struct dd_export *x = arg;

	if (type == EXP_REC_GENESIS)
		return exp_write_begin(&x->w, x->out, a, alen);
	if (type == EXP_REC_EVIDENCE)
		return exp_write_evidence(&x->w, a, alen, b, blen);
	return exp_write_event(&x->w, a, alen);
}

static void *
dd_thread(void *arg)
{
	struct dd_export *x = arg;
	struct store_export_sel sel = { NULL, 1, NULL, 0, 0 };
	sigset_t pipe;

	/*
	 * A replay that stops early closes the pipe: the write gets EPIPE,
	 * and the signal, blocked on this thread alone, dies with it (the
	 * process's own disposition is the caller's).
	 */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	(void)pthread_sigmask(SIG_BLOCK, &pipe, NULL);
	memset(&x->w, 0, sizeof(x->w));
	x->w.f = x->out;
	/* The root apart (audit_run): a damaged head table is a finding. */
	x->rc = store_export(x->st, &sel, dd_record, x, NULL);
	if (x->rc == 0)
		x->rc = exp_write_end(&x->w, x->root);
	else
		exp_write_free(&x->w);
	if (fclose(x->out) != 0 && x->rc == 0)
		x->rc = -errno;
	return NULL;
}

/*
 * The node's log root, before its log is read and after: one that differs
 * means it wrote meanwhile.  A head table that fails the root (a head
 * frozen with no freeze point) is a finding, and the heads are compared
 * one by one (audit_state).
 */
static int
dd_log_root(struct audit *a, struct store *node, uint8_t root[32], char *why,
    size_t cap)
{
	int rc = store_log_root(node, root);

	if (rc == I40_E_CORRUPT) {
		a->dd_log_root_bad = 1;
		memset(root, 0, 32);
		audit_add(a, AUDIT_DIFFERS, NULL, 0, UINT64_MAX, rc, "the data "
		    "directory's log root cannot be computed from its head "
		    "table (%s): a forged or damaged head, named below",
		    i40_strerror(rc));
		return 0;
	}
	if (rc != 0)
		snprintf(why, cap, "cannot read the data directory's log "
		    "root: %s", i40_strerror(rc));
	return rc;
}

/* The genesis of the data directory opened as node: the charter's seq 1. */
static int
dd_genesis(struct store *node, uint8_t **g, size_t *len)
{
	struct store_event e;
	int rc;

	if ((rc = store_genesis(node, &e)) != 0)
		return rc == I40_E_NOT_FOUND ? I40_E_CORRUPT : rc;
	*g = e.bytes;
	*len = e.len;
	return 0;
}

/* The data directory, read only: with LMDB's lock if it may, else without. */
static int
dd_open(const char *dir, struct store **node, int *nolock, char *why,
    size_t cap)
{
	struct store_opts o = { 0 };
	int rc;

	o.readonly = 1;
	if ((rc = store_open(dir, &o, node)) == 0)
		return 0;
	/*
	 * Only a copy on read-only media, or one this user may not write,
	 * goes without the lock: anything else is said as it is.
	 */
	if (rc != -EACCES && rc != -EPERM && rc != -EROFS) {
		snprintf(why, cap, "%s: %s", dir, i40_strerror(rc));
		return rc;
	}
	o.nolock = 1;
	if ((rc = store_open(dir, &o, node)) != 0) {
		snprintf(why, cap, "%s: cannot open it: %s", dir,
		    i40_strerror(rc));
		return rc;
	}
	*nolock = 1;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The input's genesis into g (caller frees), with --genesis checked. */
static int
input_genesis(const struct audit_opts *o, struct audit *a, FILE *f,
    struct store *node, uint8_t **g, size_t *glen, char *why, size_t cap)
{
	struct exp_reader r;
	struct exp_record rec;
	struct ev_signed ev;
	int rc;

	if (node != NULL) {
		if ((rc = dd_genesis(node, g, glen)) != 0)
			snprintf(why, cap, "%s: no genesis stored: %s",
			    o->datadir, i40_strerror(rc));
		if (rc != 0)
			return rc;
	} else {
		if ((rc = exp_read_begin(&r, f, &rec)) != 0) {
			snprintf(why, cap, "%s: %s", o->file, r.why);
			exp_read_end(&r);
			return rc;
		}
		if ((*g = malloc(rec.len)) == NULL) {
			exp_read_end(&r);
			return I40_E_NOMEM;
		}
		memcpy(*g, rec.p, rec.len);
		*glen = rec.len;
		exp_read_end(&r);
		if (fseek(f, 0, SEEK_SET) != 0) {
			snprintf(why, cap, "%s: cannot read it twice: give a "
			    "file, not a pipe", o->file);
			return -errno;
		}
	}
	if ((rc = ev_decode(*g, *glen, NULL, &ev, NULL, NULL)) != 0) {
		snprintf(why, cap, "the genesis does not decode: %s",
		    i40_strerror(rc));
		return rc;
	}
	memcpy(a->genesis_id, ev.id, 32);
	memcpy(a->fed_id, ev.h.fed_id, 32);
	if (o->genesis != NULL) {
		if (o->genesis_len != *glen || memcmp(o->genesis, *g,
		    *glen) != 0) {
			audit_add(a, AUDIT_GENESIS, NULL, 0, UINT64_MAX, 0,
			    "the %s starts from another genesis than the one "
			    "given with --genesis: it is another federation's "
			    "log, or a forged one; nothing of it was replayed",
			    node != NULL ? "data directory" : "file");
			return 1;
		}
		a->genesis_given = 1;
	}
	return 0;
}

int
audit_run(const struct audit_opts *o, struct audit *a, char *why, size_t cap)
{
	struct store_opts so = { 0 };
	struct store *node = NULL, *st = NULL;
	struct dd_export x;
	pthread_t t;
	int fds[2] = { -1, -1 }, started = 0, rc;
	char tmp[4096], sdir[4200];
	uint8_t *g = NULL, now[32];
	size_t glen = 0;
	FILE *f = NULL;
	const char *base;

	memset(a, 0, sizeof(*a));
	why[0] = '\0';
	tmp[0] = '\0';
	if (o->datadir != NULL) {
		a->from_datadir = 1;
		if ((rc = dd_open(o->datadir, &node, &a->dd_nolock, why,
		    cap)) != 0)
			return rc;
	} else if ((rc = ctl_open_input(o->file, &f)) == -EISDIR) {
		snprintf(why, cap, "%s is a directory: to audit a data "
		    "directory give --datadir %s", o->file, o->file);
		return rc;
	} else if (rc != 0) {
		snprintf(why, cap, "cannot open %s: %s", o->file,
		    strerror(-rc));
		return rc;
	}
	if ((rc = input_genesis(o, a, f, node, &g, &glen, why, cap)) != 0) {
		if (rc == 1)	/* the wrong federation: a finding */
			rc = 0;
		goto out;
	}
	/* The replay's own store, made from the genesis alone. */
	base = o->tmpdir != NULL ? o->tmpdir : getenv("TMPDIR");
	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	errno = ENAMETOOLONG;
	if (snprintf(tmp, sizeof(tmp), "%s/i40-audit.XXXXXX", base) >=
	    (int)sizeof(tmp) || mkdtemp(tmp) == NULL) {
		rc = -errno;
		snprintf(why, cap, "cannot make a directory for the replay in "
		    "%s: %s (give another with --tmpdir)", base,
		    strerror(errno));
		tmp[0] = '\0';
		goto out;
	}
	snprintf(sdir, sizeof(sdir), "%s/replay", tmp);
	so.ephemeral = 1;
	if ((rc = store_create(sdir, g, glen, NULL)) != 0 ||
	    (rc = store_open(sdir, &so, &st)) != 0) {
		snprintf(why, cap, "cannot make the replay's store in %s: %s",
		    tmp, i40_strerror(rc));
		goto out;
	}
	if (node != NULL) {
		/* The node's log through a pipe, as `log export` writes it. */
		if (pipe(fds) != 0 || (x.out = fdopen(fds[1], "wb")) == NULL) {
			rc = -errno;
			snprintf(why, cap, "cannot make a pipe: %s",
			    strerror(errno));
			goto out;
		}
		fds[1] = -1;
		x.st = node;
		x.rc = 0;
		if ((rc = dd_log_root(a, node, x.root, why, cap)) != 0) {
			fclose(x.out);
			goto out;
		}
		if ((f = fdopen(fds[0], "rb")) == NULL) {
			rc = -errno;
			fclose(x.out);
			goto out;
		}
		fds[0] = -1;
		if (pthread_create(&t, NULL, dd_thread, &x) != 0) {
			rc = I40_E_NOMEM;
			fclose(x.out);
			goto out;
		}
		started = 1;
	}
	rc = audit_replay(o, a, st, f, node != NULL ? o->datadir : o->file, why,
	    cap);
	if (started) {
		/* Unblock the writer if the replay stopped early. */
		fclose(f);
		f = NULL;
		pthread_join(t, NULL);
		started = 0;
		if (rc == 0 && x.rc != 0) {
			rc = x.rc;
			snprintf(why, cap, "%s: cannot read its log: %s",
			    o->datadir, i40_strerror(rc));
		}
		if (rc == 0) {
			a->datadir_roots = 1;
			memcpy(a->dd_log_root, x.root, 32);
			/* A node that wrote meanwhile is compared no further. */
			if (!a->dd_log_root_bad && (rc = dd_log_root(a, node,
			    now, why, cap)) == 0 && !a->dd_log_root_bad &&
			    memcmp(now, x.root, 32) != 0)
				a->datadir_moved = 1;
		}
	}
	if (rc != 0)
		goto out;
	if ((rc = store_members(st, &a->members, &a->nmembers)) != 0 ||
	    (rc = audit_state(a, st, node != NULL && !a->datadir_moved ?
	    node : NULL)) != 0)
		snprintf(why, cap, "cannot read the replay's state: %s",
		    i40_strerror(rc));
out:
	if (f != NULL && f != stdin)
		fclose(f);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	store_close(st);
	store_close(node);
	free(g);
	if (tmp[0] != '\0' && nftw(tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS) !=
	    0 && rc == 0) {
		/* The audit stands; the disk space is the operator's to free. */
		a->tmp_left = 1;
		a->tmp_errno = errno;
		snprintf(a->tmp_dir, sizeof(a->tmp_dir), "%s", tmp);
	}
	return rc;
}

void
audit_free(struct audit *a)
{
	size_t i;

	for (i = 0; i < a->nlogs; i++) {
		free(a->logs[i].keys);
		free(a->logs[i].key_from);
		free(a->logs[i].mods);
		free(a->logs[i].compls);
	}
	free(a->logs);
	free(a->lindex);
	free(a->members);
	free(a->mevents);
	free(a->revs);
	free(a->retires);
	free(a->forks);
	free(a->f);
	memset(a, 0, sizeof(*a));
}
