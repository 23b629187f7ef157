/*
 * ctl_import.h: the check half of `i40ctl completion import`: a
 * registrar's CSV file (ctl_csv.h) turned into completion_record bodies,
 * one per row, every row checked against this node's store first, and
 * every problem kept with its line, column, value and reason
 * (docs/i40ctl.md "completion import").  The sending half is
 * cmd_completion_import.c.
 *
 * The import's key (docs/credentials.md "Importing results"): a row is
 * recorded already when this university holds a completion record that
 * counts and is not revoked, of the same learner, module code and
 * examination date.  With the same grade and scale the row is skipped;
 * with another it is a problem (a result is corrected by revoking it).
 * Two rows of one file with one key are a problem too.
 *
 * Ownership: struct imp_plan owns its rows, their bodies and problems
 * (imp_plan_free).  Nothing personal is kept: a personal identity number
 * or address is looked up and wiped, and never copied into a problem.
 */
#ifndef I40_CTL_IMPORT_H
#define I40_CTL_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/event.h"

struct imp_row {
	size_t line;			/* in the file */
	uint8_t *body;			/* the canonical body; NULL: recorded */
	size_t len;
	uint8_t learner[16];
	char code[33];
	char exam[11];
	char grade[9];			/* as the schema bounds them */
	char scale[5];
	uint8_t id[EV_ID_BYTES];	/* once i40d recorded it */
	uint64_t seq;			/* 0 until then */
	int bad;			/* the row has a problem */
};

struct imp_problem {
	size_t line;
	char column[40];		/* the header's name; "" for the row */
	size_t colno;			/* 1-based */
	char value[80];			/* clipped, quoted; never a number */
	char reason[400];
};

struct imp_plan {
	struct imp_row *rows;		/* one per data row, in file order */
	size_t nrows;
	size_t nnew;			/* rows with a body to record */
	size_t nalready;		/* rows recorded before: skipped */
	struct imp_problem *problems;
	size_t nproblems;
	size_t nbad;			/* rows with a problem */
	size_t lost;			/* problems not kept (out of memory) */
};

/*
 * Read and check file for the node of datadir.  0 with *pl (which may
 * hold problems: then nothing is to be written); else non-zero, and why
 * says what stopped the check (empty when it was said on stderr already).
 * dry: no daemon needed (the node's key is read from DIR/node.key when
 * none runs).
 */
int imp_plan_make(const char *file, const char *datadir, int dry,
    int timeout_ms, struct imp_plan *pl, char *why, size_t cap);
void imp_plan_free(struct imp_plan *pl);

#endif
