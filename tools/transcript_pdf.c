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

/* One line of tr_render() on the page: its size, weight and indent. */
static void
pdf_line(void *arg, enum tr_style style, const char *text)
{
	static const struct {
		double size, indent;
		int bold;
		double before;
	} look[] = {
		[TR_S_TITLE] = { 16, 0, 1, 0 }, [TR_S_META] = { 9.5, 0, 0, 0 },
		[TR_S_CODE] = { 12, 0, 1, 4 }, [TR_S_NOTE] = { 8.5, 0, 0, 0 },
		[TR_S_ENTRY] = { 11, 0, 1, 0 }, [TR_S_DETAIL] = { 9, 12, 0, 0 },
		[TR_S_ITEM] = { 8.5, 20, 0, 0 }, [TR_S_GAP] = { 0, 0, 0, 8 },
		[TR_S_TOTAL] = { 11, 0, 1, 4 },
	};
	struct pen *p = arg;

	p->y += look[style].before;
	if (style == TR_S_ENTRY)
		room(p, 70);	/* an entry's head not alone at a page's foot */
	if (look[style].size > 0)
		para(p, MARGIN + look[style].indent, look[style].size,
		    look[style].bold, text);
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
	cairo_surface_t *sf;
	cairo_status_t cs;
	struct pen p;
	FILE *f;
	int fd, rc;

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
	rc = tr_render(doc, pdf_line, &p);
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
	if (rc != 0 || cs != CAIRO_STATUS_SUCCESS) {
		snprintf(why, cap, "cannot draw %s: %s", path, rc != 0 ?
		    i40_strerror(rc) : cairo_status_to_string(cs));
		(void)unlink(path);
		return rc != 0 ? rc : -EIO;
	}
	return 0;
}
