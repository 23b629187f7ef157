/* ctl_import.c: a registrar's CSV file, checked row by row (ctl_import.h). */
#include "ctl_import.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_client.h"
#include "ctl_csv.h"
#include "ctl_guard.h"
#include "ctl_learner.h"
#include "ctl_node.h"
#include "ctl_record.h"
#include "protocol/pseudonym.h"

enum col {
	C_LEARNER, C_PNR, C_EMAIL, C_MODULE, C_GRADE, C_SCALE, C_EXAMINER,
	C_EXAM, C_DECISION, C_SUPERVISION, C_N
};

/*
 * The columns: the name i40ctl writes, names a Swedish registry's export
 * has (lower case, '-' and ' ' read as '_'), the body key it sets.
 */
static const struct {
	const char *name;
	const char *alias[4];
	const char *key;
	int required;
} cols[C_N] = {
	[C_LEARNER] = { "learner", { "pseudonym", "deltagare" }, NULL, 0 },
	[C_PNR] = { "pnr", { "personnummer", "personnr" }, NULL, 0 },
	[C_EMAIL] = { "email", { "e_post", "epost", "e_mail" }, NULL, 0 },
	[C_MODULE] = { "module", { "modul", "kurskod", "modulkod" }, NULL,
	    1 },
	[C_GRADE] = { "grade", { "betyg" }, "grade", 1 },
	[C_SCALE] = { "scale", { "betygsskala", "skala" }, "scale", 1 },
	[C_EXAMINER] = { "examiner", { "examinator" }, "examiner", 1 },
	[C_EXAM] = { "exam_date", { "examinationsdatum", "provdatum" },
	    "exam_date", 1 },
	[C_DECISION] = { "decision_date", { "beslutsdatum" },
	    "decision_date", 1 },
	[C_SUPERVISION] = { "supervision", { "övervakning" }, "supervision",
	    0 },
};

struct ctx {
	const struct ctl_csv *csv;
	int col[C_N];			/* index in the row, or -1 */
	struct store *st;
	uint8_t pk[KEY_PK_BYTES];
	uint8_t inst[KEY_PK_BYTES];	/* this university's first key */
	struct store_module *ms;
	size_t nms;
	struct body *b;			/* scratch for stored events */
	struct imp_plan *pl;
	size_t probcap;
	char today[11];
};

/* A header cell as a column's name is compared. */
static void
header_norm(const char *s, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; s[i] != '\0' && o + 3 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 'A' && ch <= 'Z')
			out[o++] = (char)(ch - 'A' + 'a');
		else if (ch == ' ' || ch == '-')
			out[o++] = '_';
		else if (ch == 0xc3 && (s[i + 1] == '\x85' ||
		    s[i + 1] == '\x84' || s[i + 1] == '\x96')) {
			/* Å Ä Ö as å ä ö. */
			out[o++] = (char)ch;
			out[o++] = (char)(s[++i] + 0x20);
		} else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
}

/*
 * A value that looks like a personal identity number (10 or 12 digits,
 * with one '-' or '+' or none) is never shown back, whichever column it
 * was put in by mistake.
 */
static int
looks_personal(const char *v)
{
	size_t i, digits = 0, signs = 0;

	for (i = 0; v != NULL && v[i] != '\0'; i++) {
		if (v[i] >= '0' && v[i] <= '9')
			digits++;
		else if ((v[i] == '-' || v[i] == '+') && signs == 0)
			signs++;
		else if (v[i] != ' ')
			return 0;
	}
	return digits == 10 || digits == 12;
}

static int
column_of(const char *cell)
{
	char n[128];
	int c, a;

	header_norm(cell, n, sizeof(n));
	for (c = 0; c < C_N; c++) {
		if (strcmp(n, cols[c].name) == 0)
			return c;
		for (a = 0; a < 4 && cols[c].alias[a] != NULL; a++)
			if (strcmp(n, cols[c].alias[a]) == 0)
				return c;
	}
	return -1;
}

static int
header(struct ctx *x, const char *file, char *why, size_t cap)
{
	const struct ctl_csv_row *h = &x->csv->rows[0];
	size_t i;
	int c;

	for (c = 0; c < C_N; c++)
		x->col[c] = -1;
	for (i = 0; i < h->ncells; i++) {
		if ((c = column_of(h->cell[i])) < 0) {
			char clip[48];

			ctl_warnx("%s:%zu: column %zu `%s' is not one i40ctl "
			    "reads: ignored", file, h->line, i + 1,
			    looks_personal(h->cell[i]) ? "(a personal number? "
			    "not shown; is the header row missing?)" :
			    ctl_clip(h->cell[i], 32, clip, sizeof(clip)));
			continue;
		}
		if (x->col[c] >= 0) {
			snprintf(why, cap, "%s:%zu: columns %d and %zu both "
			    "are `%s': give each once", file, h->line,
			    x->col[c] + 1, i + 1, cols[c].name);
			return I40_E_VALUE;
		}
		x->col[c] = (int)i;
	}
	for (c = 0; c < C_N; c++)
		if (cols[c].required && x->col[c] < 0) {
			snprintf(why, cap, "%s:%zu: the header has no column "
			    "%s (or %s); the first row names the columns "
			    "(i40ctl completion import --help lists them)",
			    file, h->line, cols[c].name, cols[c].alias[0]);
			return I40_E_MISSING_FIELD;
		}
	if (x->col[C_LEARNER] < 0 && x->col[C_PNR] < 0 &&
	    x->col[C_EMAIL] < 0) {
		snprintf(why, cap, "%s:%zu: the header has no column for the "
		    "learner: learner (a pseudonym), pnr or email", file,
		    h->line);
		return I40_E_MISSING_FIELD;
	}
	return 0;
}

static void problem(struct ctx *x, size_t line, int c, const char *value,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A problem of the row at line, in column c (or -1: the whole row). */
static void
problem(struct ctx *x, size_t line, int c, const char *value,
    const char *fmt, ...)
{
	struct imp_plan *pl = x->pl;
	struct imp_problem *p;
	char clip[72];
	va_list ap;

	if (pl->nproblems == x->probcap) {
		size_t ncap = x->probcap ? 2 * x->probcap : 64;

		if ((p = realloc(pl->problems, ncap * sizeof(*p))) == NULL) {
			pl->lost++;	/* still a problem: nothing is written */
			return;
		}
		pl->problems = p;
		x->probcap = ncap;
	}
	p = &pl->problems[pl->nproblems++];
	memset(p, 0, sizeof(*p));
	p->line = line;
	if (c >= 0) {
		snprintf(p->column, sizeof(p->column), "%s",
		    x->csv->rows[0].cell[x->col[c]]);
		p->colno = (size_t)x->col[c] + 1;
		if (c == C_PNR || c == C_EMAIL || looks_personal(value))
			snprintf(p->value, sizeof(p->value), "(not shown)");
		else
			snprintf(p->value, sizeof(p->value), "`%s'",
			    ctl_clip(value, 64, clip, sizeof(clip)));
	}
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
}

static const char *
cell(const struct ctx *x, const struct ctl_csv_row *r, int c)
{
	if (x->col[c] < 0 || (size_t)x->col[c] >= r->ncells)
		return "";
	return r->cell[x->col[c]];
}

/* The row's learner: a pseudonym, or one this node added. */
static int
row_learner(struct ctx *x, const struct ctl_csv_row *r, uint8_t p[16])
{
	const char *l = cell(x, r, C_LEARNER), *n = cell(x, r, C_PNR),
	    *e = cell(x, r, C_EMAIL);
	struct ctl_learner_key id;
	char why[200];
	int given = (*l != '\0') + (*n != '\0') + (*e != '\0'), c, rc;

	if (given != 1) {
		problem(x, r->line, -1, NULL, "%s", given == 0 ?
		    "no learner: give a pseudonym (learner), a number (pnr) "
		    "or an address (email)" : "more than one of learner, pnr "
		    "and email: give one per row");
		return -1;
	}
	if (*l != '\0') {
		if (strlen(l) == 32 && ctl_unhex(l, p, 16) == 0)
			return 0;
		if (pseudonym_parse(l, p, why, sizeof(why)) == 0)
			return 0;
		problem(x, r->line, C_LEARNER, l, "not a pseudonym: %s", why);
		return -1;
	}
	c = *n != '\0' ? C_PNR : C_EMAIL;
	if (ctl_learner_norm(*n != '\0' ? n : NULL, e, &id, why,
	    sizeof(why)) != 0) {
		problem(x, r->line, c, NULL, "%s", why);
		return -1;
	}
	rc = store_learner_find(x->st, id.key, p);
	sodium_memzero(&id, sizeof(id));
	if (rc == 0)
		return 0;
	if (rc == I40_E_NOT_FOUND)
		problem(x, r->line, c, NULL, "this node added no learner of "
		    "that %s: `i40ctl learner add` issues a pseudonym",
		    c == C_PNR ? "number" : "address");
	else
		problem(x, r->line, c, NULL, "cannot read the private store: "
		    "%s", i40_strerror(rc));
	return -1;
}

/* The current version of this node's module code. */
static const struct store_module *
row_module(struct ctx *x, const struct ctl_csv_row *r)
{
	const char *code = cell(x, r, C_MODULE);
	size_t i;

	for (i = 0; i < x->nms; i++)
		if (memcmp(x->ms[i].author, x->inst, KEY_PK_BYTES) == 0 &&
		    strcmp(x->ms[i].code, code) == 0)
			break;
	if (*code == '\0')
		problem(x, r->line, C_MODULE, code, "empty: the module's code "
		    "is required");
	else if (i == x->nms)
		problem(x, r->line, C_MODULE, code, "not the code of one of "
		    "this node's modules (see `i40ctl catalog`)");
	else if (x->ms[i].retired)
		problem(x, r->line, C_MODULE, code, "the module is retired: a "
		    "result recorded now counts on no node (docs/protocol.md "
		    "§5.13)");
	else
		return &x->ms[i];
	return NULL;
}

static void
err_problem(struct ctx *x, size_t line, int c, const char *value,
    const struct ctl_err *err)
{
	if (err->whole)
		problem(x, line, c, value, "%s", err->text);
	else if (err->text[0] != '\0')
		problem(x, line, c, value, "%s; %s", i40_strerror(err->code),
		    err->text);
	else
		problem(x, line, c, value, "%s", i40_strerror(err->code));
}

/* The column whose body key is key, or -1. */
static int
column_of_key(const struct ctx *x, const char *key)
{
	int c;

	for (c = 0; c < C_N; c++)
		if (cols[c].key != NULL && strcmp(cols[c].key, key) == 0)
			return x->col[c] >= 0 ? c : -1;
	return -1;
}

/* One data row into out: 0, or -1 with its problems said. */
static int
row_check(struct ctx *x, const struct ctl_csv_row *r, struct imp_row *out)
{
	const struct ctl_csv_row *h = &x->csv->rows[0];
	const struct store_module *m;
	struct ctl_record rec;
	struct ctl_err err;
	struct body_ctx bctx = { store_fed_id(x->st), x->pk };
	char hex[2 * EV_ID_BYTES + 1];
	uint8_t buf[EV_MAX_BYTES];
	size_t before = x->pl->nproblems, len, nc = r->ncells;
	int c, bad = 0;

	out->line = r->line;
	/* Spreadsheets write empty cells past the last column: not extra. */
	while (nc > h->ncells && r->cell[nc - 1][0] == '\0')
		nc--;
	if (nc > h->ncells) {
		problem(x, r->line, -1, NULL, "%zu fields, but the header has "
		    "%zu columns: a value holding the separator `%c' must be "
		    "quoted (\"...\")", nc, h->ncells, x->csv->delim);
		return -1;
	}
	if (ctl_record_init(&rec, BODY_COMPLETION_RECORD) != 0) {
		problem(x, r->line, -1, NULL, "out of memory");
		return -1;
	}
	bad |= row_learner(x, r, out->learner) != 0;
	if ((m = row_module(x, r)) == NULL)
		bad = 1;
	memset(&err, 0, sizeof(err));
	for (c = 0; c < C_N; c++) {
		const char *v = cell(x, r, c);

		if (cols[c].key == NULL || x->col[c] < 0 ||
		    (*v == '\0' && !cols[c].required))
			continue;
		if (*v == '\0') {
			problem(x, r->line, c, v, "empty: a value is required");
			bad = 1;
		} else if (ctl_record_set(&rec, cols[c].key, v, &err) != 0) {
			err_problem(x, r->line, c, v, &err);
			bad = 1;
		}
	}
	if (!bad && strcmp(cell(x, r, C_DECISION), x->today) > 0) {
		problem(x, r->line, C_DECISION, cell(x, r, C_DECISION),
		    "after today (%s): a result is recorded once it has been "
		    "decided", x->today);
		bad = 1;
	}
	if (!bad) {
		ctl_hex(out->learner, 16, hex);
		bad |= ctl_record_set(&rec, "learner", hex, &err) != 0;
		ctl_hex(m->id, EV_ID_BYTES, hex);
		bad |= ctl_record_set(&rec, "module", hex, &err) != 0;
		if (bad)
			err_problem(x, r->line, -1, NULL, &err);
	}
	if (!bad && ctl_record_encode(&rec, &bctx, buf, sizeof(buf), &len,
	    &err) != 0) {
		c = column_of_key(x, err.field);
		err_problem(x, r->line, c, c >= 0 ? cell(x, r, c) : NULL, &err);
		bad = 1;
	}
	if (!bad && (out->body = malloc(len)) == NULL) {
		problem(x, r->line, -1, NULL, "out of memory");
		bad = 1;
	}
	if (!bad) {
		memcpy(out->body, buf, len);
		out->len = len;
		snprintf(out->code, sizeof(out->code), "%s", m->code);
		snprintf(out->exam, sizeof(out->exam), "%s",
		    cell(x, r, C_EXAM));
		snprintf(out->grade, sizeof(out->grade), "%s",
		    cell(x, r, C_GRADE));
		snprintf(out->scale, sizeof(out->scale), "%s",
		    cell(x, r, C_SCALE));
	}
	ctl_record_free(&rec);
	return bad || x->pl->nproblems != before ? -1 : 0;
}

/* Rows in key order, for the duplicate check. */
static int
key_cmp(const void *a, const void *b)
{
	const struct imp_row *ra = *(const struct imp_row *const *)a,
	    *rb = *(const struct imp_row *const *)b;
	int c;

	if ((c = memcmp(ra->learner, rb->learner, 16)) != 0 ||
	    (c = strcmp(ra->code, rb->code)) != 0 ||
	    (c = strcmp(ra->exam, rb->exam)) != 0)
		return c;
	return ra->line < rb->line ? -1 : ra->line > rb->line;
}

static int
duplicates(struct ctx *x)
{
	struct imp_plan *pl = x->pl;
	struct imp_row **by;
	size_t i, n = 0;

	if ((by = malloc((pl->nrows + 1) * sizeof(*by))) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < pl->nrows; i++)
		if (pl->rows[i].body != NULL)
			by[n++] = &pl->rows[i];
	qsort(by, n, sizeof(*by), key_cmp);
	for (i = 1; i < n; i++) {
		if (memcmp(by[i]->learner, by[i - 1]->learner, 16) != 0 ||
		    strcmp(by[i]->code, by[i - 1]->code) != 0 ||
		    strcmp(by[i]->exam, by[i - 1]->exam) != 0)
			continue;
		problem(x, by[i]->line, -1, NULL, "the same learner, module "
		    "(%s) and examination date (%s) as line %zu: one result "
		    "per examination", by[i]->code, by[i]->exam,
		    by[i - 1]->line);
		by[i]->bad = 1;
	}
	free(by);
	return 0;
}

struct seen {
	struct ctx *x;
	struct imp_row *row;
	int found;		/* 1 the same result; -1 another grade */
	uint8_t id[EV_ID_BYTES];
	char grade[16];
};

/* One counting completion of the row's learner: the row's result? */
static int
seen_cb(void *arg, const struct store_completion *c)
{
	struct seen *s = arg;
	struct ev_signed e, me;
	struct body *b = s->x->b;
	uint8_t *buf = NULL, *mbuf = NULL;
	char code[33];
	int rc;

	if (c->revoked || s->found != 0)
		return 0;
	rc = ctl_own_event(s->x->st, s->x->pk, c->module, &mbuf, &me, b);
	if (rc == I40_E_UNKNOWN_AUTHOR || rc == I40_E_NOT_FOUND)
		return 0;	/* another university's */
	if (rc != 0)
		return rc;
	ctl_module_code(b->u.module.code, code);
	free(mbuf);
	if (strcmp(code, s->row->code) != 0)
		return 0;
	if ((rc = ctl_own_event(s->x->st, s->x->pk, c->id, &buf, &e, b)) != 0)
		return rc == I40_E_UNKNOWN_AUTHOR ? 0 : rc;
	if (b->u.completion.exam_date.len == 10 &&
	    memcmp(b->u.completion.exam_date.p, s->row->exam, 10) == 0) {
		const struct body_completion *bc = &b->u.completion;

		memcpy(s->id, c->id, EV_ID_BYTES);
		snprintf(s->grade, sizeof(s->grade), "%.*s (%.*s)",
		    (int)bc->grade.len, (const char *)bc->grade.p,
		    (int)bc->scale.len, (const char *)bc->scale.p);
		s->found = bc->grade.len == strlen(s->row->grade) &&
		    memcmp(bc->grade.p, s->row->grade, bc->grade.len) == 0 &&
		    bc->scale.len == strlen(s->row->scale) &&
		    memcmp(bc->scale.p, s->row->scale, bc->scale.len) == 0 ?
		    1 : -1;
	}
	free(buf);
	return 0;
}

/* Rows this university has recorded already: skipped, or a problem. */
static int
recorded(struct ctx *x)
{
	struct imp_plan *pl = x->pl;
	char hex[2 * EV_ID_BYTES + 1];
	struct seen s;
	size_t i;
	int rc;

	for (i = 0; i < pl->nrows; i++) {
		struct imp_row *r = &pl->rows[i];

		if (r->body == NULL)
			continue;
		memset(&s, 0, sizeof(s));
		s.x = x;
		s.row = r;
		if ((rc = store_completions(x->st, STORE_BY_LEARNER,
		    r->learner, seen_cb, &s)) != 0)
			return rc;
		if (s.found == 1) {
			free(r->body);
			r->body = NULL;
			pl->nnew--;
			pl->nalready++;
		} else if (s.found == -1) {
			ctl_hex(s.id, EV_ID_BYTES, hex);
			problem(x, r->line, C_GRADE, cell(x,
			    &x->csv->rows[i + 1], C_GRADE), "this learner's "
			    "result on %s of %s is recorded already, with grade "
			    "%s, as %s; to correct it, revoke that record first "
			    "(i40ctl completion revoke --id %s --reason ...)",
			    r->code, r->exam, s.grade, hex, hex);
			r->bad = 1;
		}
	}
	return 0;
}

void
imp_plan_free(struct imp_plan *pl)
{
	size_t i;

	for (i = 0; i < pl->nrows; i++)
		free(pl->rows[i].body);
	free(pl->rows);
	free(pl->problems);
	memset(pl, 0, sizeof(*pl));
}

/* Who this node is: the daemon's key, or with --dry-run its key file. */
static int
node_key(const char *datadir, int dry, int timeout_ms, uint8_t pk[32],
    char *why, size_t cap)
{
	int rc = ctl_daemon_running(datadir, NULL);

	if (!dry || rc == 1)
		return ctl_node_key(datadir, timeout_ms, pk);
	if ((rc = ctl_node_key_file(datadir, pk)) != 0)
		snprintf(why, cap, "no i40d runs on %s and %s/node.key cannot "
		    "be read (%s): run as the node's user, or start i40d",
		    datadir, datadir, i40_strerror(rc));
	return rc;
}

int
imp_plan_make(const char *file, const char *datadir, int dry,
    int timeout_ms, struct imp_plan *pl, char *why, size_t cap)
{
	struct ctl_csv csv;
	struct ctx x;
	size_t i;
	int rc;

	memset(pl, 0, sizeof(*pl));
	memset(&x, 0, sizeof(x));
	why[0] = '\0';
	if ((rc = ctl_csv_read(file, &csv, why, cap)) != 0)
		return rc;
	x.csv = &csv;
	x.pl = pl;
	ctl_today(x.today);
	if ((rc = header(&x, file, why, cap)) != 0)
		goto out;
	if ((rc = node_key(datadir, dry, timeout_ms, x.pk, why, cap)) != 0)
		goto out;
	if ((rc = ctl_store_open_with(datadir, x.col[C_PNR] >= 0 ||
	    x.col[C_EMAIL] >= 0, &x.st)) != 0)
		goto out;
	if ((rc = store_university_key(x.st, x.pk, x.inst)) != 0 ||
	    (rc = store_modules(x.st, &x.ms, &x.nms)) != 0) {
		snprintf(why, cap, "cannot read the catalog in %s: %s",
		    datadir, i40_strerror(rc));
		goto out;
	}
	if ((x.b = malloc(sizeof(*x.b))) == NULL ||
	    (pl->rows = calloc(csv.nrows, sizeof(*pl->rows))) == NULL) {
		rc = I40_E_NOMEM;
		snprintf(why, cap, "out of memory");
		goto out;
	}
	pl->nrows = csv.nrows - 1;
	for (i = 1; i < csv.nrows; i++) {
		if (row_check(&x, &csv.rows[i], &pl->rows[i - 1]) != 0)
			pl->rows[i - 1].bad = 1;
		else
			pl->nnew++;
	}
	if (pl->nrows == 0)
		problem(&x, csv.rows[0].line, -1, NULL, "no rows after the "
		    "header: nothing to import");
	/* Among the rows good by themselves, so every bad row is said. */
	if ((rc = duplicates(&x)) != 0 || (rc = recorded(&x)) != 0) {
		snprintf(why, cap, "cannot check the rows against the store: "
		    "%s", i40_strerror(rc));
		goto out;
	}
	/* A row with two problems is one bad row. */
	for (i = 0; i < pl->nrows; i++)
		if (pl->rows[i].bad)
			pl->nbad++;
out:
	free(x.b);
	store_modules_free(x.ms, x.nms);
	store_close(x.st);
	ctl_csv_free(&csv);
	if (rc != 0)
		imp_plan_free(pl);
	return rc;
}
