/*
 * ctl_csv.h: a registrar's spreadsheet, read whole (libcsv, Debian's
 * libcsv-dev), as `i40ctl completion import` takes it (docs/i40ctl.md,
 * "completion import"):
 *
 *   - UTF-8, with or without the byte-order mark spreadsheets write;
 *   - fields separated by commas or by semicolons (what a spreadsheet in a
 *     Swedish locale exports), told from the first line: the one of the
 *     two that occurs more often there outside quotes, a comma on a tie;
 *   - RFC 4180 quoting ("a ""b""" is a "b"), strictly: a quote inside an
 *     unquoted field, or a quoted field never closed, is an error;
 *   - line ends LF or CRLF; blank lines skipped; spaces around an
 *     unquoted field dropped.
 *
 * The first row is the header.  Every error names the line it is on.
 *
 * Ownership: struct ctl_csv owns every row and cell (ctl_csv_free).
 */
#ifndef I40_CTL_CSV_H
#define I40_CTL_CSV_H

#include <stddef.h>

/* Past this a file is no registrar's export: refused before it is read. */
#define CTL_CSV_MAX_BYTES (64u << 20)
#define CTL_CSV_MAX_ROWS 1000000u
#define CTL_CSV_MAX_COLS 64u

struct ctl_csv_row {
	size_t line;		/* 1-based line of the file the row starts on */
	size_t ncells;
	char **cell;		/* NUL-terminated, valid UTF-8 */
};

struct ctl_csv {
	char delim;		/* ',' or ';' */
	size_t nrows;		/* rows[0] is the header */
	struct ctl_csv_row *rows;
};

/*
 * Read path ("-": standard input) into *out: 0; else I40_E_VALUE (not
 * CSV as above: why names the line), I40_E_TOO_LONG (past a bound),
 * I40_E_EMPTY (no header row), I40_E_NOMEM or -errno (why says which
 * file).  On error *out is empty.
 */
int ctl_csv_read(const char *path, struct ctl_csv *out, char *why,
    size_t whylen);
void ctl_csv_free(struct ctl_csv *c);

#endif
