/*
 * transcript_pdf.c: a transcript drawn as a PDF for a learner to hand an
 * employer (tr_pdf_write, transcript.h), with cairo's PDF surface and the
 * DejaVu fonts (Debian's libcairo2-dev, fonts-dejavu-core;
 * docs/decisions.md says why).  The paper proves nothing by itself: it
 * carries the verification code of the results it lists, which `i40ctl
 * verify` prints for the JSON file it verified (docs/credentials.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>

#include "ctl.h"
#include "transcript.h"

#define PAGE_W 595.28		/* A4 in points */
#define PAGE_H 841.89
#define MARGIN 56.0
#define FONT "DejaVu Sans"

struct pen {
	cairo_t *cr;
	double y;
	int page;
};

static const char *
sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static void
font(struct pen *p, double size, int bold)
{
	cairo_select_font_face(p->cr, FONT, CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(p->cr, size);
}

/* A new page when fewer than need points are left on this one. */
static void
room(struct pen *p, double need)
{
	char foot[32];

	if (p->y + need <= PAGE_H - MARGIN)
		return;
	font(p, 8, 0);
	snprintf(foot, sizeof(foot), "%d", p->page);
	cairo_move_to(p->cr, PAGE_W - MARGIN - 10, PAGE_H - MARGIN / 2);
	cairo_show_text(p->cr, foot);
	cairo_show_page(p->cr);
	p->page++;
	p->y = MARGIN;
}

/*
 * text at x, wrapped at the right margin on spaces, size points; the pen
 * moves down by its lines.
 */
static void
para(struct pen *p, double x, double size, int bold, const char *text)
{
	cairo_text_extents_t ext;
	char line[1024], word[512];
	const char *s = text;
	size_t n = 0, w;

	font(p, size, bold);
	line[0] = '\0';
	while (*s != '\0') {
		while (*s == ' ')
			s++;
		w = strcspn(s, " ");
		if (w >= sizeof(word))
			w = sizeof(word) - 1;
		memcpy(word, s, w);
		word[w] = '\0';
		s += strcspn(s, " ");
		if (w == 0)
			break;
		if (n > 0) {
			char trial[1024 + 512 + 2];

			snprintf(trial, sizeof(trial), "%s %s", line, word);
			cairo_text_extents(p->cr, trial, &ext);
			if (ext.x_advance <= PAGE_W - MARGIN - x &&
			    strlen(trial) < sizeof(line)) {
				n = strlen(trial);
				memcpy(line, trial, n + 1);
				continue;
			}
			room(p, size * 1.4);
			font(p, size, bold);
			cairo_move_to(p->cr, x, p->y + size);
			cairo_show_text(p->cr, line);
			p->y += size * 1.4;
		}
		snprintf(line, sizeof(line), "%s", word);
		n = strlen(line);
	}
	if (n > 0) {
		room(p, size * 1.4);
		font(p, size, bold);
		cairo_move_to(p->cr, x, p->y + size);
		cairo_show_text(p->cr, line);
		p->y += size * 1.4;
	}
}

static void
entry(struct pen *p, const json_t *e, uint64_t *total)
{
	const json_t *s = json_object_get(e, "summary"), *l;
	const json_t *u = json_object_get(s, "university");
	char buf[1024], h[24];
	size_t j;
	int counts = json_is_true(json_object_get(s, "passed")) &&
	    !json_is_true(json_object_get(e, "revoked"));

	room(p, 70);
	ctl_format_hp((uint64_t)json_integer_value(json_object_get(s,
	    "credits")), h);
	snprintf(buf, sizeof(buf), "%s   %s hp   %s", sget(s, "module"), h,
	    sget(s, "title_en"));
	para(p, MARGIN, 11, 1, buf);
	para(p, MARGIN + 12, 9, 0, sget(s, "title_sv"));
	snprintf(buf, sizeof(buf), "%s / %s (%s), EQF %lld, %s cycle",
	    sget(u, "name_en"), sget(u, "name_sv"), sget(u, "schac"),
	    (long long)json_integer_value(json_object_get(s, "eqf")),
	    sget(s, "cycle"));
	para(p, MARGIN + 12, 9, 0, buf);
	snprintf(buf, sizeof(buf), "Grade %s (%s)%s. Examined %s, decided "
	    "%s, examiner %s.", sget(s, "grade"), sget(s, "scale"),
	    json_is_true(json_object_get(s, "passed")) ? "" : ", NOT PASSED",
	    sget(s, "exam_date"), sget(s, "decision_date"),
	    sget(s, "examiner"));
	para(p, MARGIN + 12, 9, 0, buf);
	if (json_is_true(json_object_get(e, "revoked")))
		para(p, MARGIN + 12, 9, 1, "REVOKED: does not count.");
	l = json_object_get(s, "outcomes_en");
	if (json_array_size(l) == 0)
		l = json_object_get(s, "outcomes_sv");
	for (j = 0; j < json_array_size(l); j++) {
		snprintf(buf, sizeof(buf), "- %s",
		    json_string_value(json_array_get(l, j)) ?
		    json_string_value(json_array_get(l, j)) : "");
		para(p, MARGIN + 20, 8.5, 0, buf);
	}
	p->y += 8;
	if (counts)
		*total += (uint64_t)json_integer_value(json_object_get(s,
		    "credits"));
}

static cairo_status_t
write_cb(void *closure, const unsigned char *data, unsigned int len)
{
	FILE *f = closure;

	return fwrite(data, 1, len, f) == len ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

int
tr_pdf_write(const json_t *doc, const char *path, char *why, size_t cap)
{
	const json_t *entries = json_object_get(doc, "entries"), *e;
	uint8_t (*ids)[EV_ID_BYTES];
	char code[TR_CODE_LEN + 1], buf[512], h[24];
	cairo_surface_t *sf;
	cairo_status_t cs;
	struct pen p;
	uint64_t total = 0;
	size_t i, n;
	FILE *f;
	int fd, rc;

	if ((rc = tr_ids(doc, &ids, &n)) != 0) {
		snprintf(why, cap, "out of memory");
		return rc;
	}
	rc = tr_code((const uint8_t (*)[EV_ID_BYTES])ids, n, code);
	free(ids);
	if (rc != 0) {
		snprintf(why, cap, "out of memory");
		return rc;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0 || (f = fdopen(fd, "wb")) == NULL) {
		rc = -errno;
		snprintf(why, cap, "cannot create %s: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	sf = cairo_pdf_surface_create_for_stream(write_cb, f, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE,
	    "Ingenjör4.0 transcript");
	cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR,
	    "i40ctl transcript");
	memset(&p, 0, sizeof(p));
	p.cr = cairo_create(sf);
	p.y = MARGIN;
	p.page = 1;
	para(&p, MARGIN, 16, 1, "Ingenjör4.0 — Transcript / Studieintyg");
	p.y += 6;
	snprintf(buf, sizeof(buf), "Learner (pseudonym): %s",
	    sget(doc, "learner"));
	para(&p, MARGIN, 10, 0, buf);
	snprintf(buf, sizeof(buf), "Taken %s from the national ledger at log "
	    "root %.16s…", sget(doc, "issued"), sget(doc, "log_root"));
	para(&p, MARGIN, 9, 0, buf);
	snprintf(buf, sizeof(buf), "Verification code: %s", code);
	para(&p, MARGIN, 12, 1, buf);
	para(&p, MARGIN, 8.5, 0, "This paper proves nothing by itself. The "
	    "learner's transcript file (JSON) does: `i40ctl verify FILE "
	    "--genesis GENESIS` checks every result's signature against the "
	    "federation's genesis and prints the verification code of the "
	    "results it verified, which must be the one above.");
	p.y += 12;
	json_array_foreach(entries, i, e)
		entry(&p, e, &total);
	ctl_format_hp(total, h);
	snprintf(buf, sizeof(buf), "Total: %s hp in %zu result%s listed", h,
	    json_array_size(entries), json_array_size(entries) == 1 ? "" :
	    "s");
	room(&p, 30);
	para(&p, MARGIN, 11, 1, buf);
	cairo_show_page(p.cr);
	cs = cairo_status(p.cr);
	cairo_destroy(p.cr);
	cairo_surface_finish(sf);
	if (cs == CAIRO_STATUS_SUCCESS)
		cs = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		cs = CAIRO_STATUS_WRITE_ERROR;
	if (fclose(f) != 0)
		cs = CAIRO_STATUS_WRITE_ERROR;
	if (cs != CAIRO_STATUS_SUCCESS) {
		snprintf(why, cap, "cannot draw %s: %s", path,
		    cairo_status_to_string(cs));
		(void)unlink(path);
		return -EIO;
	}
	return 0;
}
