/* keyfile.c: secret key files (see keyfile.h). */
#define _GNU_SOURCE
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define MAGIC_LEN (sizeof(KEYFILE_MAGIC) - 1)
#define LINE_LEN (MAGIC_LEN + 2 * KEY_SEED_BYTES + 1)

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
keyfile_sync_dir(const char *path)
{
	char copy[PATH_MAX];
	int fd, rc = 0;

	if (strlen(path) >= sizeof(copy))
		return -ENAMETOOLONG;
	strcpy(copy, path);
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY)) < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

int
keyfile_write_new(const char *path, const uint8_t *buf, size_t len,
    mode_t mode)
{
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd < 0)
		return errno == EEXIST ? I40_E_EXISTS : -errno;
	/* The umask can only narrow mode; fchmod makes it exact anyway. */
	if ((rc = fchmod(fd, mode) != 0 ? -errno : 0) == 0 &&
	    (rc = write_all(fd, (const char *)buf, len)) == 0 &&
	    fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0)
		rc = keyfile_sync_dir(path);
	if (rc != 0)
		(void)unlink(path);	/* never leave half a file behind */
	return rc;
}

int
keyfile_write(const char *path, const struct key_secret *k)
{
	char *line;
	uint8_t *seed;
	int rc;

	line = sodium_malloc(LINE_LEN + 1);
	seed = sodium_malloc(KEY_SEED_BYTES);
	if (line == NULL || seed == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	key_seed(k, seed);
	memcpy(line, KEYFILE_MAGIC, MAGIC_LEN);
	sodium_bin2hex(line + MAGIC_LEN, 2 * KEY_SEED_BYTES + 1, seed,
	    KEY_SEED_BYTES);
	line[LINE_LEN - 1] = '\n';
	rc = keyfile_write_new(path, (const uint8_t *)line, LINE_LEN, 0600);
out:
	sodium_free(line);
	sodium_free(seed);
	return rc;
}

int
keyfile_read(const char *path, struct key_secret **out)
{
	struct stat st;
	char *line = NULL;
	uint8_t *seed = NULL;
	size_t seedlen = 0, got = 0;
	ssize_t n;
	int fd, rc;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = I40_E_KEYFILE_FORMAT;
		goto out;
	}
	if (st.st_mode & 077) {
		rc = I40_E_KEYFILE_MODE;
		goto out;
	}
	line = sodium_malloc(LINE_LEN + 1);
	seed = sodium_malloc(KEY_SEED_BYTES);
	if (line == NULL || seed == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	/* Read one byte more than a key file holds, to notice longer files. */
	while (got < LINE_LEN + 1 &&
	    (n = read(fd, line + got, LINE_LEN + 1 - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		got += (size_t)n;
	}
	if (got != LINE_LEN || memcmp(line, KEYFILE_MAGIC, MAGIC_LEN) != 0 ||
	    line[LINE_LEN - 1] != '\n' ||
	    sodium_hex2bin(seed, KEY_SEED_BYTES, line + MAGIC_LEN,
	    2 * KEY_SEED_BYTES, NULL, &seedlen, NULL) != 0 ||
	    seedlen != KEY_SEED_BYTES) {
		rc = I40_E_KEYFILE_FORMAT;
		goto out;
	}
	rc = key_from_seed(seed, out);
out:
	close(fd);
	sodium_free(line);
	sodium_free(seed);
	return rc;
}
