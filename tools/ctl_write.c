/* ctl_write.c: what the write commands share (see ctl_write.h). */
#include "ctl_write.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_node.h"

/* Option values of the common options; field flags count from FLAG0. */
enum {
	OPT_JSON = 1000,
	OPT_TIMEOUT,
	OPT_FILE,
	FLAG0 = 2000
};

int
ctl_write_parse(int argc, char *argv[], const char *usage,
    const struct ctl_flag *flags, size_t nflags, int file_ok,
    int default_timeout_ms, struct ctl_write_args *a, int *exit_code)
{
	struct option *opts;
	size_t i, n = 0;
	int c, rc;

	memset(a, 0, sizeof(*a));
	a->timeout_ms = default_timeout_ms;
	*exit_code = CTL_EXIT_ERR;
	if ((opts = calloc(nflags + 6, sizeof(*opts))) == NULL ||
	    (a->given = calloc((size_t)argc + 1, sizeof(*a->given))) == NULL) {
		free(opts);
		ctl_err(I40_E_NOMEM, "cannot start");
		return 0;
	}
	opts[n++] = (struct option){ "datadir", required_argument, NULL, 'd' };
	opts[n++] = (struct option){ "timeout", required_argument, NULL,
	    OPT_TIMEOUT };
	opts[n++] = (struct option){ "json", no_argument, NULL, OPT_JSON };
	opts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	if (file_ok)
		opts[n++] = (struct option){ "file", required_argument, NULL,
		    OPT_FILE };
	for (i = 0; i < nflags; i++)
		opts[n++] = (struct option){ flags[i].name, required_argument,
		    NULL, FLAG0 + (int)i };
	optind = 0;
	while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->datadir = optarg;
			break;
		case OPT_TIMEOUT:
			if (ctl_parse_timeout(optarg, &a->timeout_ms) != 0) {
				*exit_code = ctl_usage_error(usage, "--timeout "
				    "takes whole seconds from 1 to %d, not "
				    "`%s'", CTL_TIMEOUT_MAX_S, optarg);
				goto stop;
			}
			break;
		case OPT_JSON:
			a->json = 1;
			break;
		case OPT_FILE:
			a->file = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			*exit_code = CTL_EXIT_OK;
			goto stop;
		default:
			if (c >= FLAG0 && (size_t)(c - FLAG0) < nflags) {
				a->given[a->ngiven].flag = (size_t)(c - FLAG0);
				a->given[a->ngiven++].value = optarg;
				break;
			}
			*exit_code = ctl_bad_option(c, argv, usage);
			goto stop;
		}
	}
	if ((rc = ctl_no_operands(argc, argv, usage)) != 0) {
		*exit_code = rc;
		goto stop;
	}
	a->datadir = ctl_datadir(a->datadir);
	free(opts);
	return 1;
stop:
	free(opts);
	free(a->given);
	a->given = NULL;
	return 0;
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
ctl_write_apply(struct ctl_record *r, const struct ctl_write_args *a,
    const struct ctl_flag *flags)
{
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
			snprintf(source, sizeof(source), "--%s `%.40s%s'",
			    f->name, a->given[i].value,
			    strlen(a->given[i].value) > 40 ? "..." : "");
			ctl_err_report(&err, r->body->type, source);
			return rc;
		}
	}
	return 0;
}

int
ctl_write_file(struct ctl_record *r, const struct ctl_write_args *a,
    json_t **doc)
{
	struct ctl_err err;
	int rc;

	*doc = NULL;
	if (a->file == NULL)
		return 0;
	memset(&err, 0, sizeof(err));
	if ((rc = ctl_json_load(a->file, doc, &err)) != 0 ||
	    (rc = ctl_record_json(r, *doc, &err)) != 0) {
		ctl_err_report(&err, r->body->type, a->file);
		return rc;
	}
	return 0;
}

int
ctl_write_encode(struct ctl_record *r, uint8_t **body, size_t *len)
{
	struct ctl_err err;
	int rc;

	if ((*body = malloc(EV_MAX_BYTES)) == NULL) {
		ctl_err(I40_E_NOMEM, "cannot encode the event");
		return I40_E_NOMEM;
	}
	memset(&err, 0, sizeof(err));
	if ((rc = ctl_record_encode(r, NULL, *body, EV_MAX_BYTES, len,
	    &err)) != 0) {
		ctl_err_report(&err, r->body->type, NULL);
		free(*body);
		*body = NULL;
	}
	return rc;
}

int
ctl_write_send(const struct ctl_write_args *a, uint32_t type,
    const uint8_t *body, size_t len, const char *what)
{
	struct msg_appended ap;
	char hex[2 * EV_ID_BYTES + 1];
	json_t *doc;
	int rc;

	if ((rc = ctl_append(a->datadir, type, body, len, a->timeout_ms,
	    &ap)) != 0)
		return rc;
	if (a->json) {
		doc = json_object();
		if (doc == NULL ||
		    json_object_set_new(doc, "id", ctl_json_hex(ap.id,
		    EV_ID_BYTES)) != 0 ||
		    json_object_set_new(doc, "seq",
		    json_integer((json_int_t)ap.seq)) != 0) {
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
