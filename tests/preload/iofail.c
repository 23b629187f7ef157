/*
 * iofail.c: an LD_PRELOAD shim that makes chosen writes or syncs fail, to
 * test how the store meets EIO and ENOSPC (docs/store.md, "Crash
 * guarantees"; shared/PITFALLS.md, LMDB).  Built as $(BUILD)/tests/iofail.so;
 * tests/unit/test_store_io.c re-executes itself with it preloaded.
 *
 * Every setting is an environment variable read at each call, so a test can
 * change them with setenv() between operations:
 *
 *   I40_IOFAIL_DIR         only file descriptors whose path (readlink of
 *                          /proc/self/fd/N) lies under this directory are
 *                          seen; unset: the shim only forwards
 *   I40_IOFAIL_OP          "write" (write, pwrite, pwritev, writev and their
 *                          64/v2 forms), "fsync" (fsync, fdatasync, msync)
 *                          or "any" (the default)
 *   I40_IOFAIL_N           fail the Nth matching call, counted from the
 *                          last change of any I40_IOFAIL_* setting; unset or
 *                          0: never fail, only count
 *   I40_IOFAIL_ERRNO       "EIO" (the default), "ENOSPC", or a number
 *   I40_IOFAIL_MODE        "once" (the default): only the Nth call fails;
 *                          "persist": the Nth and every later one
 *   I40_IOFAIL_COUNT_FILE  at exit, append one line to this file:
 *                          "<matching> write=<w> fsync=<f> fired=<k>
 *                          pid=<pid>\n": how many calls under
 *                          I40_IOFAIL_DIR this process made while this
 *                          variable was set (matching: of the class
 *                          I40_IOFAIL_OP names; w and f: all writes and
 *                          syncs), and how many of them failed.  Every
 *                          process that inherits the variable appends its
 *                          own line: pick yours by pid
 *
 * A failed call does nothing and returns -1 with errno set.  The process
 * can also read running totals (since it started, whatever
 * I40_IOFAIL_COUNT_FILE says) with iofail_stats(), found by dlsym().
 *
 * Paths are cached per descriptor with the file's device and inode, checked
 * by fstat() on every call, and dropped on close(), so a reused descriptor
 * number is never mistaken for the old file.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* Exported for tests that look it up with dlsym(RTLD_DEFAULT, ...). */
void iofail_stats(unsigned long *matching, unsigned long *writes,
    unsigned long *syncs, unsigned long *fired);

enum cls { CLS_WRITE = 1, CLS_SYNC = 2 };

#define MAX_FD 4096

struct fdcache {
	int known;		/* path and identity below are valid */
	dev_t dev;
	ino_t ino;
	char *path;		/* malloc'd, or NULL if unresolvable */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fdcache cache[MAX_FD];
static char config[3 * PATH_MAX];	/* the settings the counter is for */
static unsigned long since_config;	/* matching calls since it changed */
static unsigned long total_match, total_write, total_sync, total_fired;
static unsigned long cf_match, cf_write, cf_sync, cf_fired;	/* COUNT_FILE */
static char dir_raw[PATH_MAX], dir_real[PATH_MAX];

#define REAL(name) real_##name
#define LOAD(name) do { \
	if (REAL(name) == NULL) \
		*(void **)&REAL(name) = dlsym(RTLD_NEXT, #name); \
	} while (0)

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev64)(int, const struct iovec *, int, off64_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static ssize_t (*real_pwritev64v2)(int, const struct iovec *, int, off64_t,
    int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_msync)(void *, size_t, int);
static int (*real_close)(int);

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL ? v : "";
}

/* The directory, canonical (cached while the variable keeps its value). */
static const char *
watched_dir(void)
{
	const char *d = env("I40_IOFAIL_DIR");
	size_t n;

	if (*d == '\0')
		return NULL;
	if (strcmp(d, dir_raw) != 0 || dir_real[0] == '\0') {
		snprintf(dir_raw, sizeof(dir_raw), "%s", d);
		if (realpath(d, dir_real) == NULL)
			snprintf(dir_real, sizeof(dir_real), "%s", d);
		n = strlen(dir_real);
		while (n > 1 && dir_real[n - 1] == '/')
			dir_real[--n] = '\0';
	}
	return dir_real;
}

/* The path of fd, from the cache when the file is still the same. */
static const char *
fd_path(int fd)
{
	struct fdcache *c;
	struct stat sb;
	char link[64], buf[PATH_MAX];
	ssize_t n;

	if (fd < 0 || fd >= MAX_FD || fstat(fd, &sb) != 0)
		return NULL;
	c = &cache[fd];
	if (c->known && c->dev == sb.st_dev && c->ino == sb.st_ino)
		return c->path;
	free(c->path);
	c->path = NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		c->path = strdup(buf);
	}
	c->known = 1;
	c->dev = sb.st_dev;
	c->ino = sb.st_ino;
	return c->path;
}

static int
under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (path == NULL || strncmp(path, dir, n) != 0)
		return 0;
	return path[n] == '/' || path[n] == '\0' || strcmp(dir, "/") == 0;
}

static int
errno_value(void)
{
	const char *e = env("I40_IOFAIL_ERRNO");

	if (strcmp(e, "ENOSPC") == 0)
		return ENOSPC;
	if (strcmp(e, "EDQUOT") == 0)
		return EDQUOT;
	if (strcmp(e, "EROFS") == 0)
		return EROFS;
	if (*e >= '1' && *e <= '9')
		return atoi(e);
	return EIO;
}

/*
 * Decide for one call of class cls on fd (fd < 0: msync, which has no
 * descriptor and is counted whenever a directory is watched).  Returns the
 * errno to fail with, or 0 to forward.
 */
static int
decide(int fd, enum cls cls)
{
	const char *dir, *op, *mode, *path;
	char now[sizeof(config)];
	unsigned long n;
	int fail = 0, saved = errno, cf;

	pthread_mutex_lock(&lock);
	if ((dir = watched_dir()) == NULL)
		goto out;
	if (fd >= 0) {
		path = fd_path(fd);
		if (!under(path, dir))
			goto out;
	}
	cf = *env("I40_IOFAIL_COUNT_FILE") != '\0';
	if (cls == CLS_WRITE) {
		total_write++;
		cf_write += (unsigned long)cf;
	} else {
		total_sync++;
		cf_sync += (unsigned long)cf;
	}
	op = env("I40_IOFAIL_OP");
	if ((strcmp(op, "write") == 0 && cls != CLS_WRITE) ||
	    (strcmp(op, "fsync") == 0 && cls != CLS_SYNC))
		goto out;
	total_match++;
	cf_match += (unsigned long)cf;
	mode = env("I40_IOFAIL_MODE");
	snprintf(now, sizeof(now), "%s|%s|%s|%s|%s", dir, op,
	    env("I40_IOFAIL_N"), env("I40_IOFAIL_ERRNO"), mode);
	if (strcmp(now, config) != 0) {
		memcpy(config, now, sizeof(config));
		since_config = 0;
	}
	since_config++;
	n = strtoul(env("I40_IOFAIL_N"), NULL, 10);
	if (n == 0)
		goto out;
	if (since_config == n ||
	    (since_config > n && strcmp(mode, "persist") == 0)) {
		fail = errno_value();
		total_fired++;
		cf_fired += (unsigned long)cf;
	}
out:
	pthread_mutex_unlock(&lock);
	errno = saved;
	return fail;
}

#define FAIL_OR(fd, cls) do { \
	int e_ = decide((fd), (cls)); \
	if (e_ != 0) { \
		errno = e_; \
		return -1; \
	} \
	} while (0)

ssize_t
write(int fd, const void *buf, size_t n)
{
	LOAD(write);
	FAIL_OR(fd, CLS_WRITE);
	return REAL(write)(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	LOAD(pwrite);
	FAIL_OR(fd, CLS_WRITE);
	return REAL(pwrite)(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	LOAD(pwrite64);
	FAIL_OR(fd, CLS_WRITE);
	return REAL(pwrite64)(fd, buf, n, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	LOAD(writev);
	FAIL_OR(fd, CLS_WRITE);
	return REAL(writev)(fd, iov, cnt);
}

ssize_t
pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	LOAD(pwritev);
	FAIL_OR(fd, CLS_WRITE);
	return REAL(pwritev)(fd, iov, cnt, off);
}

ssize_t
pwritev64(int fd, const struct iovec *iov, int cnt, off64_t off)
{
	LOAD(pwritev64);
	FAIL_OR(fd, CLS_WRITE);
	return REAL(pwritev64)(fd, iov, cnt, off);
}

ssize_t
pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	LOAD(pwritev2);
	FAIL_OR(fd, CLS_WRITE);
	return REAL(pwritev2)(fd, iov, cnt, off, flags);
}

ssize_t
pwritev64v2(int fd, const struct iovec *iov, int cnt, off64_t off,
    int flags)
{
	LOAD(pwritev64v2);
	FAIL_OR(fd, CLS_WRITE);
	return REAL(pwritev64v2)(fd, iov, cnt, off, flags);
}

int
fsync(int fd)
{
	LOAD(fsync);
	FAIL_OR(fd, CLS_SYNC);
	return REAL(fsync)(fd);
}

int
fdatasync(int fd)
{
	LOAD(fdatasync);
	FAIL_OR(fd, CLS_SYNC);
	return REAL(fdatasync)(fd);
}

int
msync(void *addr, size_t len, int flags)
{
	LOAD(msync);
	FAIL_OR(-1, CLS_SYNC);
	return REAL(msync)(addr, len, flags);
}

int
close(int fd)
{
	LOAD(close);
	if (fd >= 0 && fd < MAX_FD) {
		pthread_mutex_lock(&lock);
		free(cache[fd].path);
		cache[fd].path = NULL;
		cache[fd].known = 0;
		pthread_mutex_unlock(&lock);
	}
	return REAL(close)(fd);
}

void
iofail_stats(unsigned long *matching, unsigned long *writes,
    unsigned long *syncs, unsigned long *fired)
{
	pthread_mutex_lock(&lock);
	if (matching != NULL)
		*matching = total_match;
	if (writes != NULL)
		*writes = total_write;
	if (syncs != NULL)
		*syncs = total_sync;
	if (fired != NULL)
		*fired = total_fired;
	pthread_mutex_unlock(&lock);
}

__attribute__((destructor)) static void
iofail_report(void)
{
	const char *f = getenv("I40_IOFAIL_COUNT_FILE");
	FILE *fp;

	if (f == NULL || *f == '\0' || (fp = fopen(f, "a")) == NULL)
		return;
	fprintf(fp, "%lu write=%lu fsync=%lu fired=%lu pid=%ld\n",
	    cf_match, cf_write, cf_sync, cf_fired, (long)getpid());
	fclose(fp);
}
