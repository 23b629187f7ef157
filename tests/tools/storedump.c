/*
 * storedump.c: print a data directory's derived state, one entry a line
 * (store_dump), read-only; for the integration tests to count what counts
 * ("d_compl " lines are the completions that count).
 *
 *   storedump DIR
 */
#include <stdio.h>

#include "store/store.h"

int
main(int argc, char *argv[])
{
	struct store_opts ro = { 0 };
	struct store *st;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: storedump DIR\n");
		return 2;
	}
	ro.readonly = 1;
	if ((rc = store_open(argv[1], &ro, &st)) != 0) {
		fprintf(stderr, "storedump: %s: %s\n", argv[1],
		    i40_strerror(rc));
		return 1;
	}
	fflush(stdout);
	rc = store_dump(st, 1);
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "storedump: %s\n", i40_strerror(rc));
		return 1;
	}
	return 0;
}
