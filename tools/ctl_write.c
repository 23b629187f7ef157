/* ctl_write.c: what the write commands share (see ctl_write.h). */
#include "ctl_write.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_node.h"

/* Option values of the options ctl_getopt() does not handle. */
enum {
	OPT_JSON = 1000,
	OPT_FILE,
	FLAG0 = 2000	/* field flags count from here */
};

int
ctl_write_start(struct ctl_write *w, int argc, char *argv[],
    const char *usage, const struct ctl_flag *flags, size_t nflags,
    int file_ok, int *exit_code)
{
	struct ctl_write_args *a = &w->a;
	struct option *opts;
	struct ctl_opts o;
	size_t i, n = 0;
	int c;

	memset(w, 0, sizeof(*w));
	*exit_code = CTL_EXIT_ERR;
	if ((opts = calloc(nflags + 6, sizeof(*opts))) == NULL ||
	    (a->given = calloc((size_t)argc + 1, sizeof(*a->given))) == NULL) {
		free(opts);
		ctl_err(I40_E_NOMEM, "cannot start");
		return 0;
	}
	opts[n++] = (struct option)CTL_OPT_DATADIR;
	opts[n++] = (struct option)CTL_OPT_TIMEOUT;
	/*
	 * --json keeps a value of its own: getopt_long reports "--json=X"
	 * through optopt, so CTL_OPT_JSON's 'J' would change that message.
	 */
	opts[n++] = (struct option){ "json", no_argument, NULL, OPT_JSON };
	opts[n++] = (struct option)CTL_OPT_HELP;
	if (file_ok)
		opts[n++] = (struct option){ "file", required_argument, NULL,
		    OPT_FILE };
	for (i = 0; i < nflags; i++)
		opts[n++] = (struct option){ flags[i].name, required_argument,
		    NULL, FLAG0 + (int)i };
	ctl_opts_init(&o, usage, CTL_APPEND_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:h", opts, &o)) > 0) {
		if (c == OPT_JSON) {
			a->json = 1;
		} else if (c == OPT_FILE) {
			a->file = optarg;
		} else {
			a->given[a->ngiven].flag = (size_t)(c - FLAG0);
			a->given[a->ngiven++].value = optarg;
		}
	}
	free(opts);
	if (c < 0) {
		*exit_code = o.exit;
		free(a->given);
		a->given = NULL;
		return 0;
	}
	a->usage = usage;
	a->datadir = ctl_datadir(o.datadir);
	a->timeout_ms = o.timeout_ms;
	return 1;
}

int
ctl_write_body(struct ctl_write *w, uint32_t type)
{
	int rc;

	if ((rc = ctl_record_init(&w->rec, type)) != 0)
		ctl_err(rc, "cannot start");
	return rc;
}

void
ctl_write_free(struct ctl_write *w)
{
	store_close(w->st);
	ctl_record_free(&w->rec);
	free(w->body);
	free(w->a.given);
	memset(w, 0, sizeof(*w));
}

const char *
ctl_write_value(const struct ctl_write_args *a, const struct ctl_flag *flags,
    const char *name)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < a->ngiven; i++)
		if (strcmp(flags[a->given[i].flag].name, name) == 0)
			v = a->given[i].value;
	return v;
}

int
ctl_write_apply(struct ctl_write *w, const struct ctl_flag *flags)
{
	const struct ctl_write_args *a = &w->a;
	struct ctl_record *r = &w->rec;
	struct ctl_err err;
	char source[96];
	size_t i;
	int rc;

	for (i = 0; i < a->ngiven; i++) {
		const struct ctl_flag *f = &flags[a->given[i].flag];

		if (f->key == NULL)
			continue;
		memset(&err, 0, sizeof(err));
		if ((rc = ctl_record_set(r, f->key, a->given[i].value,
		    &err)) != 0) {
			char clip[48];

			snprintf(source, sizeof(source), "--%s `%s'", f->name,
			    ctl_clip(a->given[i].value, 40, clip,
			    sizeof(clip)));
			ctl_err_report(&err, r->body->type, source);
			return rc;
		}
	}
	return 0;
}

int
ctl_write_file(struct ctl_write *w, json_t **doc)
{
	struct ctl_err err;
	int rc;

	*doc = NULL;
	if (w->a.file == NULL)
		return 0;
	memset(&err, 0, sizeof(err));
	if ((rc = ctl_json_load(w->a.file, doc, &err)) != 0 ||
	    (rc = ctl_record_json(&w->rec, *doc, &err)) != 0) {
		ctl_err_report(&err, w->rec.body->type, w->a.file);
		return rc;
	}
	return 0;
}

int
ctl_write_encode(struct ctl_write *w)
{
	struct ctl_err err;
	int rc;

	if ((w->body = malloc(EV_MAX_BYTES)) == NULL) {
		ctl_err(I40_E_NOMEM, "cannot encode the event");
		return I40_E_NOMEM;
	}
	memset(&err, 0, sizeof(err));
	if ((rc = ctl_record_encode(&w->rec, NULL, w->body, EV_MAX_BYTES,
	    &w->len, &err)) != 0) {
		ctl_err_report(&err, w->rec.body->type, NULL);
		if (rc == I40_E_MISSING_FIELD && w->a.file == NULL &&
		    w->a.usage != NULL)
			ctl_usage_late(w->a.usage);
		free(w->body);
		w->body = NULL;
	}
	return rc;
}

int
ctl_write_node(struct ctl_write *w)
{
	int rc;

	if ((rc = ctl_node_key(w->a.datadir, CTL_TIMEOUT_MS, w->pk)) != 0)
		return rc;
	return ctl_store_open(w->a.datadir, &w->st);
}

int
ctl_write_send(const struct ctl_write *w, uint32_t type, const char *what)
{
	const struct ctl_write_args *a = &w->a;
	struct msg_appended ap;
	char hex[2 * EV_ID_BYTES + 1];
	json_t *doc;
	int rc;

	if ((rc = ctl_append(a->datadir, type, w->body, w->len, a->timeout_ms,
	    &ap)) != 0)
		return rc;
	if (a->json) {
		doc = json_object();
		if (doc == NULL ||
		    json_object_set_new(doc, "id", ctl_json_hex(ap.id,
		    EV_ID_BYTES)) != 0 ||
		    json_object_set_new(doc, "seq",
		    ctl_json_u64(ap.seq)) != 0) {
			json_decref(doc);
			rc = I40_E_NOMEM;
		} else {
			rc = ctl_json_print(doc);
		}
	} else {
		ctl_hex(ap.id, EV_ID_BYTES, hex);
		rc = printf("%s as %s (seq %llu)\n", what, hex,
		    (unsigned long long)ap.seq) < 0 || fflush(stdout) != 0 ?
		    -EIO : 0;
	}
	/* The event is appended: only the printing failed. */
	if (rc != 0)
		ctl_err(rc, "the event was appended, but printing the result "
		    "failed");
	return rc;
}
