/*
 * cmd_log.c: i40ctl log export: the federation's log as one export file
 * (docs/protocol.md §13), taken from one read transaction of the data
 * directory, with the daemon running or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_client.h"
#include "ctl_member.h"
#include "ctl_node.h"
#include "ctl_replay.h"
#include "protocol/export.h"
#include "store/keyfile.h"
#include "store/store.h"
#include "subcommands.h"

static const char usage_log[] =
    "usage: i40ctl log export [options]\n"
    "\n"
    "       i40ctl log import FILE [options]\n"
    "\n"
    "The federation's event log as a file.  Commands:\n"
    "  export   write every author's log, with fork evidence, to a file\n"
    "  import   bring a data directory up to date from such a file\n";

static const char usage_import[] =
    "usage: i40ctl log import FILE [-d DIR] [--json]\n"
    "\n"
    "Bring a data directory up to date from an export file (a new node,\n"
    "a restore, an air-gapped mirror), offline: every event goes through\n"
    "the checks a peer's event goes through in i40d (decoding, the key in\n"
    "force, the signature, then the store's rules), verified on every\n"
    "core and stored in large batches.  Importing twice changes nothing.\n"
    "A damaged record stops the import; everything before it is kept, and\n"
    "its offset is said.  i40d must not run on DIR.  FILE - reads\n"
    "standard input (say, from ssh or xz -dc).\n"
    "\n"
    "  -d, --datadir DIR   the data directory, made by i40ctl init from\n"
    "                      the same genesis (default $I40_DATADIR, else\n"
    "                      /var/lib/i40)\n"
    "      --json          print {\"events\", \"stored\", \"duplicate\",\n"
    "                      \"refused\", \"evidence\", \"forks\",\n"
    "                      \"evidence_refused\", \"damaged_at\"?,\n"
    "                      \"log_root\", \"export_log_root\"} when done\n"
    "  -h, --help          print this text\n";

static const char usage_export[] =
    "usage: i40ctl log export [-d DIR] [-o FILE] [--author KEY [--from SEQ] |\n"
    "                         --since FILE] [--salvage] [--json]\n"
    "\n"
    "Write the log this node holds as an export file (docs/protocol.md\n"
    "§13): the genesis, every author's events in seq order with its fork\n"
    "evidence, and a trailer with the counts, the log root and a digest of\n"
    "the file.  One read transaction: the file is the log as of one\n"
    "instant, also while i40d writes.  Memory stays the same whatever the\n"
    "size.\n"
    "\n"
    "  -d, --datadir DIR   the data directory (default $I40_DATADIR, else\n"
    "                      /var/lib/i40)\n"
    "  -o, --output FILE   write to FILE (made anew: an existing FILE is\n"
    "                      refused); default: standard output, unless it\n"
    "                      is a terminal\n"
    "      --author KEY    only that author's log (64 hex digits) ...\n"
    "      --from SEQ      ... from that seq on (default 1)\n"
    "      --since FILE    only what is newer than the heads in FILE, the\n"
    "                      JSON of `i40ctl status --json` of the node that\n"
    "                      is to receive the export\n"
    "      --salvage       from a damaged data directory whose log root\n"
    "                      cannot be computed (its head table): write the\n"
    "                      events all the same, with no log root in the\n"
    "                      trailer, to rebuild the node by `log import`\n"
    "      --json          print {\"file\", \"events\", \"evidence\",\n"
    "                      \"bytes\", \"log_root\"} when done (with -o)\n"
    "  -h, --help          print this text\n";

struct export_run {
	struct exp_writer w;
	int own_file;			/* -o: a file of the export's own */
	uint64_t head;			/* bytes of magic, version, genesis */
	int progress;			/* stderr is a terminal */
	time_t next;			/* when the next progress line is due */
};

static int
on_record(void *arg, int type, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen)
{
	struct export_run *x = arg;
	int rc;

	switch (type) {
	case EXP_REC_GENESIS:
		x->head = 12 + 5 + alen;
		if ((rc = exp_write_begin(&x->w, x->w.f, a, alen)) == 0 &&
		    x->own_file)
			exp_write_direct(&x->w);
		return rc;
	case EXP_REC_EVIDENCE:
		return exp_write_evidence(&x->w, a, alen, b, blen);
	default:
		break;
	}
	if ((rc = exp_write_event(&x->w, a, alen)) != 0)
		return rc;
	if (x->progress && (x->w.events & 1023) == 0 && time(NULL) >= x->next) {
		fprintf(stderr, "\r%s: %llu events, %.1f MB", ctl_cmd(),
		    (unsigned long long)x->w.events,
		    (double)x->w.bytes / 1e6);
		x->next = time(NULL) + 1;
	}
	return 0;
}

/*
 * --since FILE: the heads of `i40ctl status --json`, into *out; refused
 * when FILE names another federation than fed_id (its heads would select
 * every event of this one).
 */
static int
load_since(const char *path, const uint8_t *fed_id, struct store_head **out,
    size_t *n)
{
	json_error_t je;
	json_t *doc, *heads, *h;
	const char *fed;
	uint8_t other[32];
	size_t i;

	*out = NULL;
	*n = 0;
	if ((doc = json_load_file(path, 0, &je)) == NULL) {
		if (je.line > 0)
			ctl_errx("--since %s: line %d: %s", path, je.line,
			    je.text);
		else
			ctl_errx("--since: %s", je.text);
		return I40_E_VALUE;
	}
	fed = json_string_value(json_object_get(doc, "fed_id"));
	if (fed != NULL && (ctl_unhex(fed, other, 32) != 0 ||
	    sodium_memcmp(other, fed_id, 32) != 0)) {
		ctl_errx("--since %s: the status of a node of another "
		    "federation (fed_id %.16s…, this node's differs): an "
		    "export for it would hold nothing it can take", path, fed);
		json_decref(doc);
		return I40_E_FED_ID;
	}
	heads = json_object_get(doc, "heads");
	if (!json_is_array(heads)) {
		ctl_errx("--since %s: no \"heads\" list: give the output of "
		    "`i40ctl status --json` of the receiving node", path);
		json_decref(doc);
		return I40_E_VALUE;
	}
	if (json_array_size(heads) > 0 &&
	    (*out = calloc(json_array_size(heads), sizeof(**out))) == NULL) {
		json_decref(doc);
		return I40_E_NOMEM;
	}
	json_array_foreach(heads, i, h) {
		const char *a = json_string_value(json_object_get(h, "author"));
		json_t *s = json_object_get(h, "seq");

		if (a == NULL || ctl_parse_key(a, (*out)[i].author) != 0 ||
		    ctl_json_get_u64(s, &(*out)[i].seq) != 0) {
			ctl_errx("--since %s: heads[%zu]: needs \"author\" (64 "
			    "hex digits) and \"seq\" (a whole number)", path,
			    i);
			free(*out);
			*out = NULL;
			json_decref(doc);
			return I40_E_VALUE;
		}
	}
	*n = json_array_size(heads);
	json_decref(doc);
	return 0;
}

/* --author KEY: its stored head into *seq; refused if no log of it is held. */
static int
author_head(struct store *st, const uint8_t *author, uint64_t *seq)
{
	struct store_head *heads;
	size_t i, n;
	char fp[24];
	int rc;

	if ((rc = store_head_table(st, &heads, &n)) != 0) {
		ctl_err(rc, "cannot read the data directory's heads");
		return rc;
	}
	for (i = 0; i < n && memcmp(heads[i].author, author, 32) != 0; i++)
		;
	*seq = i < n ? heads[i].seq : 0;
	free(heads);
	if (i < n)
		return 0;
	ctl_fingerprint(author, fp);
	ctl_errx("--author %s…: the node holds no log of this key (a typo? "
	    "`i40ctl status` lists every author)", fp);
	return I40_E_NOT_FOUND;
}

/*
 * Ctrl-C or a stop during an import: said, then gone.  Each batch is one
 * transaction, so what was stored stays and the batch under way leaves
 * nothing; a second run of the same import finishes it.  Only
 * async-signal-safe calls here.
 */
static const char import_stopped[] = "\ni40ctl log import: interrupted: "
    "every batch stored before stays stored, the one under way left "
    "nothing; run the same import again to finish it\n";
static const char export_stopped[] = "\ni40ctl log export: interrupted: "
    "the file was not finished, and nothing is left of it\n";
/*
 * What the handler says, and the part file it removes: set before the
 * handler is installed, read only by it (a handler sees no arguments).
 */
static const char *volatile stopped_msg = import_stopped;
static const char *volatile stopped_part;

static void
interrupted(int sig)
{
	const char *msg = stopped_msg;

	if (stopped_part != NULL)
		(void)unlink(stopped_part);
	(void)!write(STDERR_FILENO, msg, strlen(msg));
	/* Die of the signal (SA_RESETHAND), so a calling script stops too. */
	(void)raise(sig);
	_exit(128 + sig);
}

/* interrupted() on sig, once; what was there before into *old. */
static void
on_interrupt(int sig, struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = interrupted;
	sa.sa_flags = (int)(SA_RESETHAND | SA_NODEFER);
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, old) != 0)
		old->sa_handler = SIG_DFL;
}

/* How many events sel takes from st (0 if the heads cannot be read). */
static uint64_t
selected(struct store *st, const struct store_export_sel *sel)
{
	struct store_head *heads;
	uint64_t sum = 0, from;
	size_t i, j, n;

	if (store_head_table(st, &heads, &n) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (sel->author != NULL &&
		    memcmp(heads[i].author, sel->author, 32) != 0)
			continue;
		from = sel->author != NULL && sel->from > 0 ? sel->from - 1 : 0;
		for (j = 0; j < sel->nsince; j++)
			if (memcmp(sel->since[j].author, heads[i].author,
			    32) == 0)
				from = sel->since[j].seq;
		if (heads[i].seq > from)
			sum += heads[i].seq - from;
	}
	free(heads);
	return sum;
}

/*
 * FILE.XXXXXX.part, a name of this export's own (two exports to one FILE
 * at once never share one), mode 0644: the export holds nothing secret.
 */
static FILE *
open_part(const char *file, char *part, size_t cap)
{
	char dir[4096], *slash;
	int fd;
	FILE *f;

	if (snprintf(part, cap, "%s.XXXXXX.part", file) >= (int)cap) {
		ctl_err(-ENAMETOOLONG, "-o %s", file);
		return NULL;
	}
	if (access(file, F_OK) == 0) {
		ctl_errx("-o %s: the file exists; give another name or remove "
		    "it first", file);
		return NULL;
	}
	if ((fd = mkstemps(part, 5)) < 0) {
		snprintf(dir, sizeof(dir), "%s", file);
		slash = strrchr(dir, '/');
		if (errno == ENOENT && slash != NULL) {
			*slash = '\0';
			ctl_errx("-o %s: the directory %s does not exist; make "
			    "it first", file, dir[0] != '\0' ? dir : "/");
		} else
			ctl_err(-errno, "-o %s: cannot create a file beside it",
			    file);
		return NULL;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 || fchmod(fd, 0644) != 0 ||
	    (f = fdopen(fd, "wb")) == NULL) {
		ctl_err(-errno, "-o: %s", part);
		close(fd);
		unlink(part);
		return NULL;
	}
	return f;
}

/*
 * The finished part under FILE's name, never over a file that appeared
 * meanwhile (another export to the same FILE): link() fails if FILE
 * exists, where rename() would replace it.
 */
static int
publish(const char *part, const char *file)
{
	int rc = 0;

	if (link(part, file) != 0)
		rc = errno == EEXIST ? I40_E_EXISTS : -errno;
	/* A filesystem without hard links (vfat, some FUSE): rename. */
	if (rc == -EPERM || rc == -EOPNOTSUPP || rc == -ENOTSUP ||
	    rc == -EMLINK) {
		if (access(file, F_OK) == 0)
			rc = I40_E_EXISTS;
		else if ((rc = rename(part, file) != 0 ? -errno : 0) != 0)
			return rc;
	}
	if (rc != 0 && rc != I40_E_EXISTS)
		return rc;
	(void)unlink(part);
	/* The file is whole and in place; only its name may not be durable. */
	if (rc == 0 && (rc = keyfile_sync_dir(file)) != 0) {
		ctl_err(rc, "warning: %s is written, but its directory could "
		    "not be synced: run sync before relying on it", file);
		rc = 0;
	}
	return rc;
}

static int
export_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP,
		{ "output", required_argument, NULL, 'o' },
		{ "author", required_argument, NULL, 'a' },
		{ "from", required_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 's' },
		{ "salvage", no_argument, NULL, 'S' }, CTL_OPT_END
	};
	struct store_export_sel sel = { NULL, 1, NULL, 0, 0 };
	struct store_head *since = NULL;
	struct export_run x;
	struct ctl_opts o;
	struct store *st = NULL;
	const char *file = NULL, *from = NULL, *sincef = NULL;
	uint8_t author[32], root[32];
	char part[4096], hex[65], clip[88];
	struct sigaction old_int, old_term;
	int handlers = 0, pub = 0;
	int c, rc, ret = CTL_EXIT_ERR, have_author = 0;
	uint64_t head = 0;
	json_t *doc;

	ctl_set_cmd("i40ctl log export");
	ctl_opts_init(&o, usage_export, CTL_TIMEOUT_MS);
	while ((c = ctl_getopt(argc, argv, ":d:ho:", opts, &o)) > 0) {
		switch (c) {
		case 'o':
			file = optarg;
			break;
		case 'a':
			if (ctl_parse_key(optarg, author) != 0)
				return ctl_usage_error(usage_export, "--author "
				    "%s: not a key (64 hex digits)", ctl_clip(
				    optarg, 80, clip, sizeof(clip)));
			have_author = 1;
			break;
		case 'f':
			from = optarg;
			break;
		case 'S':
			sel.salvage = 1;
			break;
		default:
			sincef = optarg;
			break;
		}
	}
	if (c < 0)
		return o.exit;
	if (from != NULL && (!have_author ||
	    ctl_parse_uint(from, UINT64_MAX, &sel.from) != 0 || sel.from == 0))
		return ctl_usage_error(usage_export, "--from %s: %s",
		    ctl_clip(from, 40, clip, sizeof(clip)), have_author ?
		    "not a seq (1 or more)" : "needs --author");
	if (have_author && sincef != NULL)
		return ctl_usage_error(usage_export, "--author and --since: "
		    "give one of them");
	if (o.json && file == NULL)
		return ctl_usage_error(usage_export, "--json needs -o FILE "
		    "(standard output is the export)");
	if (file == NULL && isatty(STDOUT_FILENO))
		return ctl_usage_error(usage_export, "standard output is a "
		    "terminal: give -o FILE or redirect it");
	if (have_author)
		sel.author = author;
	memset(&x, 0, sizeof(x));
	x.progress = isatty(STDERR_FILENO);
	if (ctl_store_open(ctl_datadir(o.datadir), &st) != 0)
		goto out;
	if (sincef != NULL) {
		if (load_since(sincef, store_fed_id(st), &since,
		    &sel.nsince) != 0)
			goto out;
		sel.since = since;
	}
	if (have_author && author_head(st, author, &head) != 0)
		goto out;
	x.w.f = file != NULL ? open_part(file, part, sizeof(part)) : stdout;
	x.own_file = file != NULL;
	if (x.w.f == NULL)
		goto out;
	if (file != NULL) {
		/* A Ctrl-C leaves no FILE.XXXXXX.part behind. */
		stopped_msg = export_stopped;
		stopped_part = part;
		on_interrupt(SIGINT, &old_int);
		on_interrupt(SIGTERM, &old_term);
		handlers = 1;
	}
	rc = store_export(st, &sel, on_record, &x, root);
	if (rc == 0)
		rc = exp_write_end(&x.w, root);
	else
		exp_write_free(&x.w);
	if (file != NULL) {
		if (rc == 0 && fsync(fileno(x.w.f)) != 0)
			rc = -errno;
		if (fclose(x.w.f) != 0 && rc == 0)
			rc = -errno;
	}
	if (x.progress)
		fputc('\n', stderr);
	if (rc == 0 && file != NULL)
		rc = pub = publish(part, file);
	if (handlers) {
		(void)sigaction(SIGINT, &old_int, NULL);
		(void)sigaction(SIGTERM, &old_term, NULL);
	}
	if (pub == I40_E_EXISTS) {
		ctl_errx("-o %s: the file appeared while the export ran "
		    "(another export to the same name?); it is left as it "
		    "is, and this export is not kept", file);
		goto out;
	}
	if (rc != 0) {
		ctl_err(rc, "the export failed after %llu events%s%s",
		    (unsigned long long)x.w.events, file != NULL ?
		    "; nothing was left at " : "", file != NULL ? file : "");
		if (rc == I40_E_CORRUPT)
			ctl_errx("the data directory is damaged: `i40ctl audit "
			    "-d DIR` names what; if it is its head table (the "
			    "log root cannot be computed), `log export "
			    "--salvage` takes its events out all the same, to "
			    "rebuild the node with `log import` "
			    "(docs/operations.md)");
		else if ((rc == -ENOSPC || rc == -EDQUOT) &&
		    x.w.events + x.w.evidence > 0 && x.w.bytes > x.head) {
			/* The genesis once; the records at their mean size. */
			uint64_t all = selected(st, &sel);
			double each = (double)(x.w.bytes - x.head) /
			    (double)(x.w.events + x.w.evidence);

			ctl_errx("the whole export needs about %.0f MB (%llu "
			    "events at %.0f bytes each): free that much, or "
			    "give -o a file on another disk",
			    ((double)x.head + each * (double)all) / 1e6,
			    (unsigned long long)all, each);
		}
		if (file != NULL)
			(void)unlink(part);
		goto out;
	}
	if (sodium_is_zero(root, 32))
		ctl_errx("warning: the data directory's log root cannot be "
		    "computed (its head table is damaged): the file holds "
		    "every event, its trailer no log root; rebuild the node "
		    "from it with `log import` into a fresh data directory "
		    "(docs/operations.md)");
	ret = CTL_EXIT_OK;
	/* An empty selection is no error, but rarely what was meant. */
	if (have_author && x.w.events == 0)
		ctl_errx("warning: nothing from seq %llu: the node holds this "
		    "author's log up to seq %llu", (unsigned long long)
		    (sel.from != 0 ? sel.from : 1), (unsigned long long)head);
	else if (sincef != NULL && x.w.events == 0 && x.w.evidence == 0)
		ctl_errx("nothing is newer than the heads in %s: that node "
		    "holds every event this one does", sincef);
	ctl_hex(root, 32, hex);
	fprintf(stderr, "%s: %llu events and %llu pieces of fork evidence, "
	    "%llu bytes, log root %s%s%s\n", ctl_cmd(),
	    (unsigned long long)x.w.events, (unsigned long long)x.w.evidence,
	    (unsigned long long)x.w.bytes, sodium_is_zero(root, 32) ?
	    "none" : hex, file != NULL ? ", in " : "",
	    file != NULL ? file : "");
	if (o.json) {
		/* No log root from a salvage of a damaged node: null. */
		doc = json_pack("{s:o, s:o, s:o, s:o, s:o}", "file",
		    ctl_json_text(file), "events", ctl_json_u64(x.w.events),
		    "evidence", ctl_json_u64(x.w.evidence), "bytes",
		    ctl_json_u64(x.w.bytes), "log_root", sodium_is_zero(root,
		    32) ? json_null() : json_string(hex));
		/* ctl_json_print releases doc. */
		if (ctl_json_print(doc) != 0)
			ret = CTL_EXIT_ERR;
	}
out:
	if (st != NULL)
		store_close(st);
	free(since);
	return ret;
}

static int
import_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CTL_OPT_DATADIR, CTL_OPT_JSON, CTL_OPT_HELP, CTL_OPT_END
	};
	static const char *const with_arg[] = { "-d", "--datadir", NULL };
	struct ctl_replay_stats s;
	struct ctl_opts o;
	struct store *st = NULL;
	const char *file, *dir;
	char why[400], hex[65], ehex[65];
	uint8_t root[32];
	long cpus, pid;
	struct sigaction old_int, old_term;
	FILE *f = NULL;
	int c, rc, ret = CTL_EXIT_ERR, lockfd = -1;
	json_t *doc;

	ctl_set_cmd("i40ctl log import");
	if ((ret = ctl_operand(&argc, argv, with_arg, usage_import, "FILE",
	    &file)) != CTL_EXIT_OK)
		return ret;
	ctl_opts_init(&o, usage_import, CTL_TIMEOUT_MS);
	if ((c = ctl_getopt(argc, argv, ":d:h", opts, &o)) != 0)
		return c < 0 ? o.exit : CTL_EXIT_USAGE;
	if (file == NULL)	/* --help */
		return CTL_EXIT_OK;
	ret = CTL_EXIT_ERR;
	dir = ctl_datadir(o.datadir);
	if ((rc = ctl_open_input(file, &f)) == -EISDIR) {
		ctl_errx("%s is a directory, not an export file (i40ctl log "
		    "export makes one)", file);
		return CTL_EXIT_ERR;
	} else if (rc != 0) {
		ctl_err(rc, "cannot open %s", file);
		return CTL_EXIT_ERR;
	}
	if ((rc = store_open(dir, NULL, &st)) != 0) {
		ctl_err(rc, "cannot open the data directory %s (make it with "
		    "i40ctl init from the federation's genesis)", dir);
		goto out;
	}
	/*
	 * i40d's own lock on the pid file, held to the end: no daemon starts
	 * on the store while the import writes it behind its back.
	 */
	if ((lockfd = ctl_datadir_lock(dir, &pid)) == I40_E_BUSY) {
		ctl_errx("i40d runs on %s (pid %ld), or another import does: "
		    "stop it first (an import writes the store directly), or "
		    "import into another data directory and start a node on "
		    "that", dir, pid);
		goto out;
	} else if (lockfd < 0) {
		ctl_err(lockfd, "cannot lock %s/%s (the data directory must "
		    "be yours)", dir, CTL_PIDFILE);
		goto out;
	}
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	on_interrupt(SIGINT, &old_int);
	on_interrupt(SIGTERM, &old_term);
	rc = ctl_replay(st, f, file, cpus < 1 ? 1 : (unsigned)cpus,
	    isatty(STDERR_FILENO), NULL, &s, why, sizeof(why));
	(void)sigaction(SIGINT, &old_int, NULL);
	(void)sigaction(SIGTERM, &old_term, NULL);
	if (rc == I40_E_DISK_FULL || rc == I40_E_MAP_FULL) {
		/* The daemon's wording ("the node resumes") is not this. */
		ctl_errx("the data directory %s is full (%s) after %llu events "
		    "were stored (%llu it held already): free space there (a "
		    "store takes about 800 bytes an event) and run the same "
		    "import again; what is stored is kept, and nothing is "
		    "stored twice", dir, i40_errname(rc),
		    (unsigned long long)s.stored,
		    (unsigned long long)s.duplicate);
		goto out;
	}
	if (rc != 0) {
		ctl_errx("%s; %llu events were stored before it", why,
		    (unsigned long long)s.stored);
		goto out;
	}
	if ((rc = store_log_root(st, root)) != 0) {
		ctl_err(rc, "cannot compute the log root");
		goto out;
	}
	ctl_hex(root, 32, hex);
	ctl_hex(s.trailer.log_root, 32, ehex);
	fprintf(stderr, "%s: %llu events read: %llu stored, %llu already "
	    "held, %llu refused; %llu piece%s of fork evidence (%llu kept, "
	    "%llu refused)\n", ctl_cmd(), (unsigned long long)s.events,
	    (unsigned long long)s.stored, (unsigned long long)s.duplicate,
	    (unsigned long long)s.refused, (unsigned long long)s.evidence,
	    s.evidence == 1 ? "" : "s", (unsigned long long)s.forks,
	    (unsigned long long)s.evidence_refused);
	if (s.damaged)
		ctl_errx("stopped at offset %llu: %s; everything before it is "
		    "imported", (unsigned long long)s.damaged_at, why);
	else if (sodium_is_zero(s.trailer.log_root, 32))
		fprintf(stderr, "%s: the export carries no log root (taken "
		    "with --salvage from a damaged node); this node's is %s: "
		    "compare it with the federation's (`i40ctl status` on "
		    "another node)\n", ctl_cmd(), hex);
	else if (memcmp(root, s.trailer.log_root, 32) == 0)
		fprintf(stderr, "%s: the log root is now the export's: %s\n",
		    ctl_cmd(), hex);
	else
		fprintf(stderr, "%s: the log root %s differs from the "
		    "export's %s: this data directory holds events the export "
		    "does not, or the export was a selection, or events were "
		    "refused\n", ctl_cmd(), hex, ehex);
	ret = s.damaged || s.refused > 0 || s.evidence_refused > 0 ?
	    CTL_EXIT_ERR : CTL_EXIT_OK;
	if (o.json) {
		doc = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s}",
		    "events", ctl_json_u64(s.events),
		    "stored", ctl_json_u64(s.stored),
		    "duplicate", ctl_json_u64(s.duplicate),
		    "refused", ctl_json_u64(s.refused),
		    "evidence", ctl_json_u64(s.evidence),
		    "forks", ctl_json_u64(s.forks),
		    "evidence_refused", ctl_json_u64(s.evidence_refused),
		    "log_root", hex, "export_log_root", s.damaged ? "" : ehex);
		if (doc != NULL && s.damaged)
			json_object_set_new(doc, "damaged_at",
			    ctl_json_u64(s.damaged_at));
		/* ctl_json_print releases doc. */
		if (ctl_json_print(doc) != 0)
			ret = CTL_EXIT_ERR;
	}
out:
	if (st != NULL)
		store_close(st);
	if (lockfd >= 0)
		close(lockfd);
	if (f != stdin)
		fclose(f);
	return ret;
}

int
log_main(int argc, char *argv[])
{
	static const struct ctl_sub subs[] = {
		{ "export", export_main },
		{ "import", import_main },
	};

	ctl_set_cmd("i40ctl log");
	return ctl_dispatch(argc, argv, usage_log, subs,
	    sizeof(subs) / sizeof(subs[0]));
}
