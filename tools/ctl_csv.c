/* ctl_csv.c: a registrar's spreadsheet, read whole (see ctl_csv.h). */
#include "ctl_csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "protocol/codec.h"
#include "protocol/errors.h"

#define CELL_MAX_BYTES 4096u

struct reader {
	struct ctl_csv *c;
	struct ctl_csv_row row;		/* being read */
	size_t cap;			/* of row.cell */
	size_t rowcap;			/* of c->rows */
	size_t line;			/* being fed */
	size_t row_start;		/* the line after the last row */
	int err;
	char *why;
	size_t whylen;
};

static void
row_free(struct ctl_csv_row *r)
{
	size_t i;

	for (i = 0; i < r->ncells; i++)
		free(r->cell[i]);
	free(r->cell);
	memset(r, 0, sizeof(*r));
}

void
ctl_csv_free(struct ctl_csv *c)
{
	size_t i;

	for (i = 0; i < c->nrows; i++)
		row_free(&c->rows[i]);
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

static void fail(struct reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct reader *r, int code, const char *fmt, ...)
{
	va_list ap;

	if (r->err != 0)
		return;
	r->err = code;
	va_start(ap, fmt);
	vsnprintf(r->why, r->whylen, fmt, ap);
	va_end(ap);
}

static void
on_field(void *s, size_t len, void *arg)
{
	struct reader *r = arg;
	const char *p = s != NULL ? s : "";
	char **cell;
	size_t i, nl = 0;

	if (r->err != 0)
		return;
	if (len > CELL_MAX_BYTES) {
		fail(r, I40_E_TOO_LONG, "line %zu: a field of more than 4096 "
		    "bytes", r->line);
		return;
	}
	for (i = 0; i < len; i++)
		if (p[i] == '\n')
			nl++;
	if (r->row.ncells == 0)
		r->row.line = r->line - nl;
	if (memchr(p, '\0', len) != NULL ||
	    !codec_utf8_valid((const uint8_t *)p, len)) {
		fail(r, I40_E_VALUE, "line %zu: not UTF-8 text (save the "
		    "spreadsheet as \"CSV UTF-8\")", r->row.line);
		return;
	}
	if (r->row.ncells == CTL_CSV_MAX_COLS) {
		fail(r, I40_E_TOO_LONG, "line %zu: more than 64 columns",
		    r->row.line);
		return;
	}
	if (r->row.ncells == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		if ((cell = realloc(r->row.cell, r->cap * sizeof(*cell))) ==
		    NULL) {
			fail(r, I40_E_NOMEM, "out of memory at line %zu",
			    r->line);
			return;
		}
		r->row.cell = cell;
	}
	if ((r->row.cell[r->row.ncells] = malloc(len + 1)) == NULL) {
		fail(r, I40_E_NOMEM, "out of memory at line %zu", r->line);
		return;
	}
	memcpy(r->row.cell[r->row.ncells], p, len);
	r->row.cell[r->row.ncells++][len] = '\0';
}

static void
on_row(int term, void *arg)
{
	struct reader *r = arg;
	struct ctl_csv_row *rows;
	size_t i;
	int blank = 1;

	(void)term;
	for (i = 0; i < r->row.ncells; i++)
		blank &= r->row.cell[i][0] == '\0';
	/* ";;;" is how a spreadsheet writes an empty row. */
	if (r->err != 0 || blank) {
		row_free(&r->row);
		r->cap = 0;
		return;
	}
	if (r->c->nrows == CTL_CSV_MAX_ROWS) {
		fail(r, I40_E_TOO_LONG, "line %zu: more than 1000000 rows",
		    r->row.line);
		return;
	}
	if (r->c->nrows == r->rowcap) {
		r->rowcap = r->rowcap ? 2 * r->rowcap : 256;
		if ((rows = realloc(r->c->rows, r->rowcap *
		    sizeof(*rows))) == NULL) {
			fail(r, I40_E_NOMEM, "out of memory at line %zu",
			    r->line);
			return;
		}
		r->c->rows = rows;
	}
	r->c->rows[r->c->nrows++] = r->row;
	r->row_start = r->line + 1;
	memset(&r->row, 0, sizeof(r->row));
	r->cap = 0;
}

/* The whole file, bounded; NUL-terminated for the delimiter scan. */
static int
slurp(const char *path, char **out, size_t *len, char *why, size_t whylen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL, *nb;
	size_t n = 0, cap = 0, got;
	int rc = 0;

	if (f == NULL) {
		rc = -errno;
		snprintf(why, whylen, "cannot open %s: %s", path,
		    strerror(errno));
		return rc;
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? 2 * cap : 1 << 20;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				rc = I40_E_NOMEM;
				snprintf(why, whylen, "out of memory reading "
				    "%s", path);
				break;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > CTL_CSV_MAX_BYTES) {
			rc = I40_E_TOO_LONG;
			snprintf(why, whylen, "%s is larger than %u MiB: no "
			    "registrar's export is; split it", path,
			    CTL_CSV_MAX_BYTES >> 20);
			break;
		}
		if (got == 0) {
			if (ferror(f)) {
				rc = -EIO;
				snprintf(why, whylen, "cannot read %s", path);
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (rc != 0) {
		free(buf);
		return rc;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return I40_E_NOMEM;
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* Semicolons or commas: whichever the header line has more of. */
static char
delimiter(const char *s, size_t len)
{
	size_t i = 0, comma = 0, semi = 0;
	int quoted = 0;

	/* The header is the first line that is not blank. */
	while (i < len && (s[i] == '\n' || s[i] == '\r'))
		i++;
	for (; i < len && (quoted || (s[i] != '\n' && s[i] != '\r'));
	    i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == ',')
			comma++;
		else if (!quoted && s[i] == ';')
			semi++;
	}
	return semi > comma ? ';' : ',';
}

int
ctl_csv_read(const char *path, struct ctl_csv *out, char *why,
    size_t whylen)
{
	struct csv_parser p;
	struct reader r;
	char *buf = NULL, *s, *nl;
	size_t len = 0, off, chunk;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = slurp(path, &buf, &len, why, whylen)) != 0)
		return rc;
	s = buf;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) !=
	    0) {
		free(buf);
		snprintf(why, whylen, "out of memory");
		return I40_E_NOMEM;
	}
	/*
	 * Lines ended by CR alone (old Mac exports): CR is the line end, so
	 * that errors name the right line (libcsv takes CR as one anyway).
	 */
	if (memchr(s, '\n', len) == NULL)
		for (off = 0; off < len; off++)
			if (s[off] == '\r')
				s[off] = '\n';
	out->delim = delimiter(s, len);
	csv_set_delim(&p, (unsigned char)out->delim);
	memset(&r, 0, sizeof(r));
	r.c = out;
	r.why = why;
	r.whylen = whylen;
	/* Line by line, so that every error knows its line. */
	r.row_start = 1;
	for (off = 0, r.line = 1; off < len && r.err == 0; r.line++) {
		nl = memchr(s + off, '\n', len - off);
		chunk = nl != NULL ? (size_t)(nl - (s + off)) + 1 : len - off;
		if (csv_parse(&p, s + off, chunk, on_field, on_row, &r) !=
		    chunk && r.err == 0)
			fail(&r, I40_E_VALUE, "line %zu: a quote (\") inside "
			    "a field that is not quoted, or a character after "
			    "a closing quote; quote the whole field and double "
			    "the quotes in it (\"\")", r.line);
		off += chunk;
	}
	if (r.err == 0 && csv_fini(&p, on_field, on_row, &r) != 0)
		fail(&r, I40_E_VALUE, "line %zu: a quoted field that starts "
		    "there or later is never closed (a \" is missing)",
		    r.row_start);
	csv_free(&p);
	row_free(&r.row);
	free(buf);
	if (r.err == 0 && out->nrows == 0) {
		r.err = I40_E_EMPTY;
		snprintf(why, whylen, "%s holds no header row",
		    strcmp(path, "-") == 0 ? "standard input" : path);
	}
	if (r.err != 0)
		ctl_csv_free(out);
	return r.err;
}
