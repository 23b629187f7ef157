/*
 * replay.c: run one fuzz target over its saved inputs, as a TAP test.
 *
 * Built with -DFUZZ_NAME="name" together with tests/fuzz/fuzz_<name>.c
 * (Makefile: $(BUILD)/tests/replay_%), without libFuzzer, so that the seed
 * corpus (tests/fuzz/corpus/<name>/) and the saved crashes
 * (tests/fuzz/regress/<name>/) are replayed by `make test` and, under
 * ASan and UBSan, by `make check`.  Paths are relative to the current
 * directory, which is the repository root when prove runs this.  A missing
 * regress directory is fine.  A target that finds a broken property
 * aborts, which kills this program, and prove reports the failure.
 *
 * Each input is read into a buffer of exactly its size, so that ASan sees
 * any read past its end.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_NAME
#error "compile with -DFUZZ_NAME='\"name\"'"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const dirs[] = {
	"tests/fuzz/corpus", "tests/fuzz/regress"
};
#define NDIRS (sizeof(dirs) / sizeof(dirs[0]))

struct input {
	char path[1024];	/* for reading */
	size_t label;		/* path + label is <name>/<file>, for TAP */
};

static int
visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/*
 * Append the regular files of dir to *in, in name order; label is the
 * offset of "<name>/" in dir.
 */
static int
collect(const char *dir, size_t label, struct input **in, size_t *n)
{
	struct dirent **names;
	struct input *grown;
	struct stat st;
	char path[1024];
	int k, count, len;

	if ((count = scandir(dir, &names, visible, alphasort)) < 0)
		return errno == ENOENT ? 0 : -1;
	for (k = 0; k < count; k++) {
		len = snprintf(path, sizeof(path), "%s/%s", dir,
		    names[k]->d_name);
		if (len > 0 && (size_t)len < sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			grown = realloc(*in, (*n + 1) * sizeof(**in));
			if (grown == NULL)
				return -1;
			*in = grown;
			memcpy((*in)[*n].path, path, (size_t)len + 1);
			(*in)[*n].label = label;
			(*n)++;
		}
		free(names[k]);
	}
	free(names);
	return 0;
}

/* Read the whole file into a buffer of exactly its size. */
static int
slurp(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long len;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	/* malloc(0) may return NULL; keep one byte, but pass size 0. */
	if ((p = malloc(len > 0 ? (size_t)len : 1)) == NULL ||
	    fread(p, 1, (size_t)len, f) != (size_t)len) {
		free(p);
		fclose(f);
		return -1;
	}
	fclose(f);
	*data = p;
	*size = (size_t)len;
	return 0;
}

int
main(void)
{
	struct input *in = NULL;
	char dir[256];
	size_t n = 0, i;
	uint8_t *data;
	size_t size;
	int failed = 0;

	for (i = 0; i < NDIRS; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", dirs[i], FUZZ_NAME);
		if (collect(dir, strlen(dirs[i]) + 1, &in, &n) != 0) {
			printf("Bail out! cannot read %s: %s\n", dir,
			    strerror(errno));
			free(in);
			return 1;
		}
	}
	if (n == 0) {
		printf("1..0 # SKIP no inputs\n");
		return 0;
	}
	printf("1..%zu\n", n);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		if (slurp(in[i].path, &data, &size) != 0) {
			printf("not ok %zu - %s # cannot read: %s\n", i + 1,
			    in[i].path + in[i].label, strerror(errno));
			failed = 1;
			continue;
		}
		/* Name the input first, so that a crash points at it. */
		printf("# %s (%zu bytes)\n", in[i].path, size);
		fflush(stdout);
		(void)LLVMFuzzerTestOneInput(data, size);
		free(data);
		printf("ok %zu - %s\n", i + 1, in[i].path + in[i].label);
		fflush(stdout);
	}
	free(in);
	return failed;
}
