/*
 * test_audit.c: `i40ctl audit` (tools/audit.c) finds and names each kind
 * of tampering the audit issue lists, in an export file and in a data
 * directory, and a clean log audits clean with the store's own roots.
 *
 * A federation of three founders (keys 0, 1, 2) and two keys outside it
 * (3, a stranger; 4, key 1's next key after a rotation).  The clean log:
 *   key 0: genesis, publish M0, completion C0 of M0, revoke C0, remove
 *          key 2 up to seq 1, completion C0b of M0
 *   key 1: publish M1, completion C1 of M1, rotate to key 4, endorse the
 *          removal (signed with key 4)
 *   key 2: publish M2
 * Keys 6 and 7 are admitted in a log of their own (test_admissions).
 * Each tampered file is the clean export changed as an attacker would,
 * with its digest made anew (anyone can: it is not keyed), so that the
 * audit must find the change in the events themselves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <lmdb.h>

#include "protocol/be.h"
#include "protocol/errors.h"
#include "protocol/export.h"
#include "store/store.h"
#include "tests/lib/chain.h"
#include "tests/lib/sample.h"
#include "tools/audit.h"

#define FOUNDERS 3
#define KEYS 8
#define MAXREC 64

static struct sample_fed fed;		/* the founders' charter */
static struct sample_fed all;		/* every key, fed's fed_id */
static struct sample_fed rotf;		/* key 1 signing with key 4 */
static char base[] = "/tmp/i40-test-audit-XXXXXX";
static struct sample_chain ch[FOUNDERS];
static uint8_t m0[32], c0[32], removal[32];
static char clean_dir[128], clean_file[160];
static struct body *bb;
static char arena[SAMPLE_ARENA];
static int nfiles;

/* The order the clean events were made in, for the store. */
static struct { size_t a, i; } made[32];
static size_t nmade;

static size_t
emit_with(const struct sample_fed *f, size_t a, const struct body *b,
    uint8_t *id)
{
	size_t i;

	assert_int_equal(sample_chain_next(&ch[a], f, b, &i), 0);
	if (id != NULL)
		memcpy(id, ch[a].id[i], 32);
	made[nmade].a = a;
	made[nmade++].i = i;
	return i;
}

static void
body_of(size_t a, uint32_t type, uint64_t seed)
{
	struct sample_rng r;

	sample_seed(&r, seed);
	assert_int_equal(sample_body(&all, a, type, &r, bb, arena), 0);
}

/* Offer one signed event with the key in force, as ingest does. */
static void
offer(struct store *st, const uint8_t *buf, size_t len, int want)
{
	struct store_item it;
	struct store_outcome o;

	assert_int_equal(ev_decode(buf, len, fed.fed_id, &it.ev, NULL, NULL),
	    0);
	assert_int_equal(store_keys_in_force(st, &it, 1), 0);
	assert_int_equal(store_append(st, &it, 1, &o), 0);
	assert_int_equal(o.result, want);
}

struct fw {
	struct exp_writer w;
};

static int
on_rec(void *arg, int type, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	struct fw *x = arg;

	if (type == EXP_REC_GENESIS)
		return exp_write_begin(&x->w, x->w.f, a, alen);
	if (type == EXP_REC_EVIDENCE)
		return exp_write_evidence(&x->w, a, alen, b, blen);
	return exp_write_event(&x->w, a, alen);
}

static int
setup(void **state)
{
	struct store_export_sel sel = { NULL, 1, NULL, 0, 0 };
	struct store *st;
	struct fw x;
	uint8_t root[32];
	size_t i;

	(void)state;
	if (sample_scratch_init(&fed, FOUNDERS, base) != 0 ||
	    sample_fed_init(&all, KEYS) != 0 ||
	    (bb = malloc(sizeof(*bb))) == NULL)
		return -1;
	memcpy(all.fed_id, fed.fed_id, 32);
	rotf = all;
	rotf.keys[1] = all.keys[4];

	if (sample_chain_genesis(&ch[0], &fed) != 0)
		return -1;
	made[nmade].a = 0;
	made[nmade++].i = 0;
	sample_chain_init(&ch[1], 1);
	sample_chain_init(&ch[2], 2);
	body_of(0, BODY_MODULE_PUBLISH, 10);
	emit_with(&all, 0, bb, m0);
	body_of(1, BODY_MODULE_PUBLISH, 11);
	uint8_t m1[32];
	emit_with(&all, 1, bb, m1);
	body_of(2, BODY_MODULE_PUBLISH, 12);
	emit_with(&all, 2, bb, NULL);
	body_of(0, BODY_COMPLETION_RECORD, 13);
	memcpy(bb->u.completion.module, m0, 32);
	emit_with(&all, 0, bb, c0);
	body_of(0, BODY_COMPLETION_REVOKE, 14);
	memcpy(bb->u.revoke.completion, c0, 32);
	emit_with(&all, 0, bb, NULL);
	body_of(1, BODY_COMPLETION_RECORD, 15);
	memcpy(bb->u.completion.module, m1, 32);
	emit_with(&all, 1, bb, NULL);
	if (body_rotate_make(fed.fed_id, all.pk[1], all.keys[4], bb) != 0)
		return -1;
	emit_with(&all, 1, bb, NULL);
	if (sample_chain_remove(&ch[0], &all, 2, 1, "Leaves the programme.",
	    &i) != 0)
		return -1;
	memcpy(removal, ch[0].id[i], 32);
	made[nmade].a = 0;
	made[nmade++].i = i;
	memset(bb, 0, sizeof(*bb));
	bb->type = BODY_MEMBER_ENDORSE;
	memcpy(bb->u.endorse.proposal, removal, 32);
	emit_with(&rotf, 1, bb, NULL);
	body_of(0, BODY_COMPLETION_RECORD, 16);
	memcpy(bb->u.completion.module, m0, 32);
	emit_with(&all, 0, bb, NULL);

	/* The node that holds it, and its export. */
	snprintf(clean_dir, sizeof(clean_dir), "%s/node", base);
	if (store_create(clean_dir, ch[0].buf[0], ch[0].len[0], NULL) != 0 ||
	    store_open(clean_dir, NULL, &st) != 0)
		return -1;
	for (i = 1; i < nmade; i++)
		offer(st, ch[made[i].a].buf[made[i].i],
		    ch[made[i].a].len[made[i].i], STORE_STORED);
	snprintf(clean_file, sizeof(clean_file), "%s/clean.i40x", base);
	memset(&x, 0, sizeof(x));
	if ((x.w.f = fopen(clean_file, "wb")) == NULL ||
	    store_export(st, &sel, on_rec, &x, root) != 0 ||
	    exp_write_end(&x.w, root) != 0 || fclose(x.w.f) != 0)
		return -1;
	store_close(st);
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < FOUNDERS; i++)
		sample_chain_free(&ch[i]);
	free(bb);
	sample_fed_free(&all);
	sample_scratch_free(&fed, base);
	return 0;
}

/* The clean file's records, to change and write again. */
struct recs {
	int type[MAXREC];
	uint8_t *p[MAXREC];
	size_t len[MAXREC];
	size_t n;
	uint8_t genesis[EV_MAX_BYTES];
	size_t glen;
	uint8_t root[32];
};

static void
recs_load(struct recs *r)
{
	struct exp_reader rd;
	struct exp_record g, rec;
	FILE *f = fopen(clean_file, "rb");
	int rc;

	assert_non_null(f);
	memset(r, 0, sizeof(*r));
	assert_int_equal(exp_read_begin(&rd, f, &g), 0);
	memcpy(r->genesis, g.p, g.len);
	r->glen = g.len;
	while ((rc = exp_next(&rd, &rec)) == 0) {
		assert_true(r->n < MAXREC);
		r->type[r->n] = rec.type;
		r->p[r->n] = malloc(rec.len);
		assert_non_null(r->p[r->n]);
		memcpy(r->p[r->n], rec.p, rec.len);
		r->len[r->n++] = rec.len;
	}
	assert_int_equal(rc, 1);
	memcpy(r->root, rd.trailer.log_root, 32);
	exp_read_end(&rd);
	fclose(f);
}

static void
recs_free(struct recs *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->p[i]);
}

/* Where author a's event at seq is among the records. */
static size_t
recs_find(const struct recs *r, size_t a, uint64_t seq)
{
	struct ev_signed e;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (ev_decode(r->p[i], r->len[i], NULL, &e, NULL, NULL) == 0 &&
		    memcmp(e.h.author, all.pk[a], 32) == 0 && e.h.seq == seq)
			return i;
	fail_msg("no event of key %zu at seq %llu", a,
	    (unsigned long long)seq);
	return 0;
}

/*
 * Put buf as an E record where its log's seq order puts it: after the
 * log's last event below its seq, else before the log's first, else after
 * the last E record (the logs are interleaved, §13.1).
 */
static void
recs_insert(struct recs *r, const uint8_t *buf, size_t len)
{
	struct ev_signed e, x;
	size_t at, i, first = SIZE_MAX, below = SIZE_MAX, lastev = SIZE_MAX;

	assert_int_equal(ev_decode(buf, len, NULL, &e, NULL, NULL), 0);
	for (i = 0; i < r->n; i++) {
		if (r->type[i] != EXP_REC_EVENT)
			continue;
		lastev = i;
		assert_int_equal(ev_decode(r->p[i], r->len[i], NULL, &x,
		    NULL, NULL), 0);
		if (memcmp(x.h.author, e.h.author, 32) != 0)
			continue;
		if (first == SIZE_MAX)
			first = i;
		if (x.h.seq < e.h.seq)
			below = i;
	}
	at = below != SIZE_MAX ? below + 1 : first != SIZE_MAX ? first :
	    lastev != SIZE_MAX ? lastev + 1 : 0;
	memmove(&r->type[at + 1], &r->type[at], (r->n - at) * sizeof(int));
	memmove(&r->p[at + 1], &r->p[at], (r->n - at) * sizeof(uint8_t *));
	memmove(&r->len[at + 1], &r->len[at], (r->n - at) * sizeof(size_t));
	r->type[at] = EXP_REC_EVENT;
	assert_non_null(r->p[at] = malloc(len));
	memcpy(r->p[at], buf, len);
	r->len[at] = len;
	r->n++;
}

/* Write the records as a whole file, digest and all; its path. */
static const char *
recs_write(struct recs *r)
{
	static char path[200];
	struct exp_writer w;
	size_t i;

	snprintf(path, sizeof(path), "%s/t%d.i40x", base, nfiles++);
	memset(&w, 0, sizeof(w));
	assert_non_null(w.f = fopen(path, "wb"));
	assert_int_equal(exp_write_begin(&w, w.f, r->genesis, r->glen), 0);
	for (i = 0; i < r->n; i++)
		assert_int_equal(r->type[i] == EXP_REC_EVENT ?
		    exp_write_event(&w, r->p[i], r->len[i]) :
		    exp_write_evidence(&w, r->p[i] + 4, be_get32(r->p[i]),
		    r->p[i] + 4 + be_get32(r->p[i]), r->len[i] - 4 -
		    be_get32(r->p[i])), 0);
	assert_int_equal(exp_write_end(&w, r->root), 0);
	assert_int_equal(fclose(w.f), 0);
	return path;
}

static void
run(struct audit *a, const char *file, const char *dir)
{
	struct audit_opts o;
	char why[400];

	memset(&o, 0, sizeof(o));
	o.file = file;
	o.datadir = dir;
	o.tmpdir = base;
	o.nthreads = 2;
	if (audit_run(&o, a, why, sizeof(why)) != 0)
		fail_msg("audit_run: %s", why);
}

/* The finding of kind about key's seq (0: any), with code (0: any). */
static const struct audit_finding *
find(const struct audit *a, enum audit_kind kind, int key, uint64_t seq,
    int code, const char *words)
{
	size_t i;

	for (i = 0; i < a->nf; i++) {
		const struct audit_finding *f = &a->f[i];

		if (f->kind != kind || (code != 0 && f->code != code) ||
		    (key >= 0 && (!f->has_author ||
		    memcmp(f->author, all.pk[key], 32) != 0)) ||
		    (seq != 0 && f->seq != seq) ||
		    (words != NULL && strstr(f->what, words) == NULL))
			continue;
		return f;
	}
	for (i = 0; i < a->nf; i++)
		fprintf(stderr, "# finding: %s seq %llu..%llu code %d: %s\n",
		    audit_kind_name(a->f[i].kind),
		    (unsigned long long)a->f[i].seq,
		    (unsigned long long)a->f[i].to, a->f[i].code,
		    a->f[i].what);
	fail_msg("no %s finding for key %d seq %llu", audit_kind_name(kind),
	    key, (unsigned long long)seq);
	return NULL;
}

/* A clean log is clean, with the roots the node itself computes. */
/* What a selection of store_export gives: each record's made[] index. */
struct picked {
	size_t at[32];
	size_t n;
	int genesis, evidence;
};

static int
on_pick(void *arg, int type, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	struct picked *pk = arg;
	size_t i;

	(void)b;
	(void)blen;
	if (type == EXP_REC_GENESIS) {
		pk->genesis++;
		return 0;
	}
	if (type != EXP_REC_EVENT || pk->genesis != 1) {
		pk->evidence++;
		return 0;
	}
	for (i = 0; i < nmade; i++)
		if (ch[made[i].a].len[made[i].i] == alen &&
		    memcmp(ch[made[i].a].buf[made[i].i], a, alen) == 0)
			break;
	if (i == nmade)
		fail_msg("an event not made, of %zu bytes, after %zu", alen,
		    pk->n);
	assert_true(pk->n < 32);
	pk->at[pk->n++] = i;
	return 0;
}

/*
 * store_export gives the events in the order the node stored them (the
 * logs interleaved, each in seq order), and its selections take exactly
 * the events after a log's position.
 */
static void
test_export_in_arrival_order(void **state)
{
	struct store_export_sel sel = { NULL, 1, NULL, 0, 0 };
	struct store_head since[2];
	struct picked pk;
	struct store *st;
	uint8_t root[32];
	size_t i, want;

	(void)state;
	assert_int_equal(store_open(clean_dir, NULL, &st), 0);
	memset(&pk, 0, sizeof(pk));
	assert_int_equal(store_export(st, &sel, on_pick, &pk, root), 0);
	assert_int_equal(pk.genesis, 1);
	assert_int_equal(pk.evidence, 0);
	/* Every event stored, the genesis again among them (§13.1). */
	assert_int_equal(pk.n, nmade);
	for (i = 0; i < pk.n; i++)
		assert_int_equal(pk.at[i], i);

	/* --author 0 --from 3: its events from seq 3, nothing else. */
	sel.author = all.pk[0];
	sel.from = 3;
	memset(&pk, 0, sizeof(pk));
	assert_int_equal(store_export(st, &sel, on_pick, &pk, root), 0);
	for (i = 0, want = 0; i < nmade; i++)
		if (made[i].a == 0 && made[i].i + 1 >= 3)
			assert_int_equal(pk.at[want++], i);
	assert_true(want > 0);
	assert_int_equal(pk.n, want);

	/* --since: key 0 past seq 2, key 1 past seq 1, key 2 all. */
	memset(since, 0, sizeof(since));
	memcpy(since[0].author, all.pk[0], 32);
	since[0].seq = 2;
	memcpy(since[1].author, all.pk[1], 32);
	since[1].seq = 1;
	sel.author = NULL;
	sel.since = since;
	sel.nsince = 2;
	memset(&pk, 0, sizeof(pk));
	assert_int_equal(store_export(st, &sel, on_pick, &pk, root), 0);
	for (i = 0, want = 0; i < nmade; i++)
		if (made[i].i + 1 > (made[i].a == 0 ? 2u :
		    made[i].a == 1 ? 1u : 0u))
			assert_int_equal(pk.at[want++], i);
	assert_int_equal(pk.n, want);
	store_close(st);
}

static void
test_clean_export_and_datadir(void **state)
{
	struct store_opts so = { 0 };
	struct store *st;
	struct audit a, d;
	uint8_t lr[32], sr[32];
	const struct store_member *m;

	(void)state;
	run(&a, clean_file, NULL);
	if (a.nf_total != 0)
		find(&a, AUDIT_KINDS, -1, 0, 0, NULL);
	assert_int_equal(a.nf_total, 0);
	so.readonly = 1;
	assert_int_equal(store_open(clean_dir, &so, &st), 0);
	assert_int_equal(store_log_root(st, lr), 0);
	assert_int_equal(store_state_root(st, sr), 0);
	store_close(st);
	assert_memory_equal(a.log_root, lr, 32);
	assert_memory_equal(a.state_root, sr, 32);
	assert_memory_equal(a.trailer_root, lr, 32);
	assert_int_equal(a.stored, nmade);
	assert_int_equal(a.nrevs, 1);
	assert_true(a.revs[0].counted);
	assert_non_null(m = audit_member(&a, all.pk[2]));
	assert_int_equal(m->active, 0);
	assert_int_equal(m->upto, 1);
	assert_int_equal(audit_log_find(&a, all.pk[1])->nkeys, 2);
	run(&d, NULL, clean_dir);
	assert_int_equal(d.nf_total, 0);
	assert_true(d.datadir_roots);
	assert_memory_equal(d.dd_log_root, lr, 32);
	assert_memory_equal(d.dd_state_root, sr, 32);
	audit_free(&a);
	audit_free(&d);
}

static void
test_flipped_byte_in_an_event(void **state)
{
	struct recs r;
	struct audit a;
	size_t i;

	(void)state;
	recs_load(&r);
	i = recs_find(&r, 0, 3);
	r.p[i][r.len[i] - 1] ^= 0x01;	/* the signature's last byte */
	run(&a, recs_write(&r), NULL);
	find(&a, AUDIT_REFUSED, 0, 3, I40_E_SIG, "does not verify");
	/* What follows in that log no longer links: named too. */
	find(&a, AUDIT_REFUSED, 0, 4, I40_E_GAP, NULL);
	find(&a, AUDIT_TRAILER, -1, 0, 0, NULL);
	audit_free(&a);
	recs_free(&r);
}

static void
test_event_removed_from_the_middle(void **state)
{
	struct recs r;
	struct audit a;
	size_t i;

	(void)state;
	recs_load(&r);
	i = recs_find(&r, 0, 3);
	free(r.p[i]);
	memmove(&r.p[i], &r.p[i + 1], (r.n - i - 1) * sizeof(uint8_t *));
	memmove(&r.len[i], &r.len[i + 1], (r.n - i - 1) * sizeof(size_t));
	memmove(&r.type[i], &r.type[i + 1], (r.n - i - 1) * sizeof(int));
	r.n--;
	run(&a, recs_write(&r), NULL);
	find(&a, AUDIT_REFUSED, 0, 4, I40_E_GAP, "(seq 2)");
	assert_int_equal(a.f[0].to, 6);		/* 4, 5 and 6 */
	audit_free(&a);
	recs_free(&r);
}

static void
test_two_events_swapped(void **state)
{
	struct recs r;
	struct audit a;
	uint8_t *p;
	size_t i, j, l;

	(void)state;
	recs_load(&r);
	i = recs_find(&r, 0, 3);
	j = recs_find(&r, 0, 4);
	p = r.p[i];
	l = r.len[i];
	r.p[i] = r.p[j];
	r.len[i] = r.len[j];
	r.p[j] = p;
	r.len[j] = l;
	run(&a, recs_write(&r), NULL);
	find(&a, AUDIT_ORDER, 0, 3, 0, "after");
	find(&a, AUDIT_REFUSED, 0, 4, I40_E_GAP, NULL);
	audit_free(&a);
	recs_free(&r);
}

static void
test_resigned_by_a_non_member(void **state)
{
	struct recs r;
	struct audit a;
	struct ev_signed e;
	uint8_t buf[EV_MAX_BYTES], id[32];
	size_t i, len;

	(void)state;
	recs_load(&r);
	/* Key 0's seq 2 (M0), made anew and signed by the stranger. */
	i = recs_find(&r, 0, 2);
	assert_int_equal(ev_decode(r.p[i], r.len[i], NULL, &e, bb, NULL), 0);
	assert_int_equal(sample_sign_body(&all, 3, 1, NULL, bb, buf,
	    sizeof(buf), &len, id), 0);
	recs_insert(&r, buf, len);
	run(&a, recs_write(&r), NULL);
	find(&a, AUDIT_REFUSED, 3, 1, I40_E_UNKNOWN_AUTHOR, "never admitted");
	audit_free(&a);
	recs_free(&r);
}

static void
test_removed_member_after_upto(void **state)
{
	struct recs r;
	struct audit a;
	uint8_t buf[EV_MAX_BYTES], id[32];
	size_t len;

	(void)state;
	recs_load(&r);
	body_of(2, BODY_MODULE_PUBLISH, 20);
	assert_int_equal(sample_sign_body(&all, 2, 2, ch[2].prev, bb, buf,
	    sizeof(buf), &len, id), 0);
	recs_insert(&r, buf, len);
	run(&a, recs_write(&r), NULL);
	find(&a, AUDIT_NOT_COUNTED, 2, 2, I40_E_REMOVED, "after its removal");
	audit_free(&a);
	recs_free(&r);
}

/*
 * A leaving university's node goes on signing checkpoints until it learns
 * of its removal: past upto they are counted, not found; a module it
 * published among them is a finding all the same.
 */
static void
test_checkpoints_after_upto(void **state)
{
	struct recs r;
	struct audit a;
	uint8_t buf[EV_MAX_BYTES], prev[32];
	uint32_t types[3] = { BODY_CHECKPOINT, BODY_MODULE_PUBLISH,
	    BODY_CHECKPOINT };
	const struct audit_log *l;
	size_t len, i;

	(void)state;
	recs_load(&r);
	memcpy(prev, ch[2].prev, 32);
	for (i = 0; i < 3; i++) {
		body_of(2, types[i], 30 + i);
		assert_int_equal(sample_sign_body(&all, 2, 2 + i, prev, bb, buf,
		    sizeof(buf), &len, prev), 0);
		recs_insert(&r, buf, len);
	}
	run(&a, recs_write(&r), NULL);
	assert_int_equal(a.refused, 0);
	assert_non_null(l = audit_log_find(&a, all.pk[2]));
	assert_int_equal(l->head, 4);
	assert_int_equal(l->late_checkpoints, 2);
	find(&a, AUDIT_NOT_COUNTED, 2, 3, I40_E_REMOVED, "after its removal");
	for (i = 0; i < a.nf; i++)
		assert_false(a.f[i].has_author && memcmp(a.f[i].author,
		    all.pk[2], 32) == 0 && (a.f[i].seq <= 2 || a.f[i].to >= 4));
	audit_free(&a);
	recs_free(&r);
}

/*
 * The report's findings: runs of two logs interleaved (as an export
 * interleaves them) are one finding each; a flood of refusals past the
 * listing's limit never hides a finding that closes the audit.
 */
static void
test_findings_listed(void **state)
{
	struct audit a;
	uint8_t ka[32], kb[32];
	uint64_t s, n = AUDIT_MAX_FINDINGS + 500;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(ka, 0xa1, 32);
	memset(kb, 0xb2, 32);
	for (s = 1; s <= 100; s++) {
		assert_non_null(audit_add(&a, AUDIT_REFUSED, ka, s, s, I40_E_SIG,
		    "bad signature"));
		assert_non_null(audit_add(&a, AUDIT_REFUSED, kb, s, s, I40_E_SIG,
		    "bad signature"));
	}
	assert_int_equal(a.nf, 2);
	assert_int_equal(a.nf_total, 2);
	assert_int_equal(a.f[0].seq, 1);
	assert_int_equal(a.f[0].to, 100);
	assert_int_equal(a.f[1].to, 100);
	/* Every other seq: no runs, one finding each. */
	for (s = 0; s < n; s++)
		(void)audit_add(&a, AUDIT_REFUSED, ka, 1000 + 2 * s, s,
		    I40_E_CHAIN, "does not link");
	assert_int_equal(a.nf, AUDIT_MAX_FINDINGS);
	assert_int_equal(a.nf_total, 2 + n);
	assert_non_null(audit_add(&a, AUDIT_TRAILER, NULL, 0, UINT64_MAX, 0,
	    "the trailer's log root is not the root of the events"));
	assert_int_equal(a.nf, AUDIT_MAX_FINDINGS + 1);
	assert_int_equal(a.f[a.nf - 1].kind, AUDIT_TRAILER);
	assert_int_equal(a.by_kind[AUDIT_TRAILER], 1);
	assert_int_equal(a.by_kind[AUDIT_REFUSED], 2 + n);
	free(a.f);
}

/*
 * A file of many strangers (authors that are any 32 bytes, as a forger
 * writes them): each event refused and named, each author's log found,
 * and the logs listed in key order.  (The index behind log_get is keyed
 * at random: a sorted insert, or a hash a file can aim at, made such a
 * file cost n^2.)
 */
static void
test_many_strangers(void **state)
{
	enum { N = 3000 };
	struct recs r;
	struct audit a;
	struct exp_writer w;
	struct ev_signed e;
	struct sample_rng rng;
	uint8_t buf[EV_MAX_BYTES], (*who)[32];
	char path[200];
	size_t i, k, at = SIZE_MAX, len = 0;
	uint8_t *p;

	(void)state;
	recs_load(&r);
	for (i = 0; i < r.n && at == SIZE_MAX; i++) {
		if (r.type[i] != EXP_REC_EVENT || ev_decode(r.p[i], r.len[i],
		    NULL, &e, NULL, NULL) != 0 || e.h.seq < 2)
			continue;
		for (p = r.p[i]; p + 32 <= r.p[i] + r.len[i]; p++)
			if (memcmp(p, e.h.author, 32) == 0) {
				at = (size_t)(p - r.p[i]);
				len = r.len[i];
				memcpy(buf, r.p[i], len);
				break;
			}
	}
	assert_true(at != SIZE_MAX);
	assert_non_null(who = malloc(N * sizeof(*who)));
	sample_seed(&rng, 77);
	snprintf(path, sizeof(path), "%s/strangers.i40x", base);
	memset(&w, 0, sizeof(w));
	assert_non_null(w.f = fopen(path, "wb"));
	assert_int_equal(exp_write_begin(&w, w.f, r.genesis, r.glen), 0);
	for (i = 0; i < r.n; i++)
		if (r.type[i] == EXP_REC_EVENT)
			assert_int_equal(exp_write_event(&w, r.p[i], r.len[i]),
			    0);
	for (k = 0; k < N; k++) {
		for (i = 0; i < 32; i += 8) {
			uint64_t v = sample_u64(&rng);

			memcpy(who[k] + i, &v, 8);
		}
		memcpy(buf + at, who[k], 32);
		assert_int_equal(exp_write_event(&w, buf, len), 0);
	}
	assert_int_equal(exp_write_end(&w, r.root), 0);
	assert_int_equal(fclose(w.f), 0);

	run(&a, path, NULL);
	assert_int_equal(a.refused, N);
	for (k = 0; k < N; k++) {
		const struct audit_log *l = audit_log_find(&a, who[k]);

		assert_non_null(l);
		assert_int_equal(l->refused, 1);
		assert_int_equal(l->stored, 0);
	}
	for (i = 1; i < a.nlogs; i++)
		assert_true(memcmp(a.logs[i - 1].author, a.logs[i].author, 32)
		    < 0);
	/* Key 0's signature under another author: it verifies with none. */
	find(&a, AUDIT_REFUSED, -1, 2, I40_E_SIG, NULL);
	free(who);
	audit_free(&a);
	recs_free(&r);
}

/*
 * A file that does not carry the genesis again as an event (a selection
 * of another log, or one cut after G): the replay's store holds it all
 * the same, and the audit's log root is that store's, the genesis as the
 * charter author's seq 1, not the root of an empty log ("internal").
 */
static void
test_genesis_only_in_g(void **state)
{
	struct recs r;
	struct audit a;
	struct exp_writer w;
	struct store *st;
	char path[200], dir[200];
	uint8_t lr[32];
	size_t i;

	(void)state;
	recs_load(&r);
	snprintf(dir, sizeof(dir), "%s/genesis-only", base);
	assert_int_equal(store_create(dir, r.genesis, r.glen, NULL), 0);
	assert_int_equal(store_open(dir, NULL, &st), 0);
	assert_int_equal(store_log_root(st, lr), 0);
	store_close(st);
	snprintf(path, sizeof(path), "%s/g-only.i40x", base);
	memset(&w, 0, sizeof(w));
	assert_non_null(w.f = fopen(path, "wb"));
	assert_int_equal(exp_write_begin(&w, w.f, r.genesis, r.glen), 0);
	assert_int_equal(exp_write_end(&w, lr), 0);
	assert_int_equal(fclose(w.f), 0);
	run(&a, path, NULL);
	for (i = 0; i < a.nf; i++)
		assert_int_not_equal(a.f[i].kind, AUDIT_INTERNAL);
	assert_memory_equal(a.log_root, lr, 32);
	assert_int_equal(a.nf_total, 0);
	assert_int_equal(a.nlogs, 1);
	assert_int_equal(a.logs[0].head, 1);
	audit_free(&a);
	recs_free(&r);
}

static void
test_signed_with_a_rotated_out_key(void **state)
{
	struct recs r;
	struct audit a;
	uint8_t buf[EV_MAX_BYTES], id[32];
	size_t len;

	(void)state;
	recs_load(&r);
	body_of(1, BODY_MODULE_PUBLISH, 21);
	/* all signs with key 1's identity key, replaced at seq 4. */
	assert_int_equal(sample_sign_body(&all, 1, ch[1].seq + 1, ch[1].prev,
	    bb, buf, sizeof(buf), &len, id), 0);
	recs_insert(&r, buf, len);
	run(&a, recs_write(&r), NULL);
	find(&a, AUDIT_REFUSED, 1, ch[1].seq + 1, I40_E_SIG,
	    "which a rotation replaced from seq 4");
	audit_free(&a);
	recs_free(&r);
}

static void
test_completion_for_another_universitys_module(void **state)
{
	struct recs r;
	struct audit a;
	uint8_t buf[EV_MAX_BYTES], id[32];
	size_t len;

	(void)state;
	recs_load(&r);
	body_of(1, BODY_COMPLETION_RECORD, 22);
	memcpy(bb->u.completion.module, m0, 32);	/* key 0's module */
	assert_int_equal(sample_sign_body(&rotf, 1, ch[1].seq + 1, ch[1].prev,
	    bb, buf, sizeof(buf), &len, id), 0);
	recs_insert(&r, buf, len);
	run(&a, recs_write(&r), NULL);
	find(&a, AUDIT_NOT_COUNTED, 1, ch[1].seq + 1, 0,
	    "only the university that owns a module");
	audit_free(&a);
	recs_free(&r);
}

/* Key 0's next event, of body bb, into r: its seq. */
static uint64_t
append0(struct recs *r, uint64_t seq, uint8_t prev[32])
{
	uint8_t buf[EV_MAX_BYTES];
	size_t len;

	assert_int_equal(sample_sign_body(&all, 0, seq, prev, bb, buf,
	    sizeof(buf), &len, prev), 0);
	recs_insert(r, buf, len);
	return seq;
}

static void
retire_body(const char *code)
{
	memset(bb, 0, sizeof(*bb));
	bb->type = BODY_MODULE_RETIRE;
	bb->u.retire.code.p = (const uint8_t *)code;
	bb->u.retire.code.len = strlen(code);
}

/*
 * Retirements that count not are each named (§5.13): of a code never
 * published, of one before it was published, of one retired already; the
 * two that retire a module are not findings.
 */
static void
test_retirements_that_count_not(void **state)
{
	struct recs r;
	struct audit a;
	uint8_t prev[32];
	char code0[33], later[33];
	uint64_t seq = ch[0].seq, never, early, first, again, pub;
	size_t i;

	(void)state;
	recs_load(&r);
	memcpy(prev, ch[0].prev, 32);
	body_of(0, BODY_MODULE_PUBLISH, 10);	/* m0, key 0's module */
	snprintf(code0, sizeof(code0), "%.*s", (int)bb->u.module.code.len,
	    (const char *)bb->u.module.code.p);
	snprintf(later, sizeof(later), "%s", strcmp(code0, "I40-LATE") != 0 ?
	    "I40-LATE" : "I40-LATER");
	retire_body("I40-NEVER");
	never = append0(&r, ++seq, prev);
	retire_body(later);
	early = append0(&r, ++seq, prev);
	body_of(0, BODY_MODULE_PUBLISH, 10);
	bb->u.module.code.p = (const uint8_t *)later;
	bb->u.module.code.len = strlen(later);
	pub = append0(&r, ++seq, prev);
	retire_body(code0);
	first = append0(&r, ++seq, prev);
	retire_body(code0);
	again = append0(&r, ++seq, prev);
	run(&a, recs_write(&r), NULL);
	find(&a, AUDIT_NOT_COUNTED, 0, never, 0,
	    "retires module I40-NEVER, which its university never published");
	find(&a, AUDIT_NOT_COUNTED, 0, early, 0,
	    "before its university published it");
	find(&a, AUDIT_NOT_COUNTED, 0, again, 0,
	    "which its university retired already");
	for (i = 0; i < a.nf; i++)
		assert_false(a.f[i].kind == AUDIT_NOT_COUNTED &&
		    memcmp(a.f[i].author, all.pk[0], 32) == 0 &&
		    (a.f[i].seq == first || a.f[i].seq == pub));
	audit_free(&a);
	recs_free(&r);
}

static void
test_revocation_of_a_nonexistent_completion(void **state)
{
	struct recs r;
	struct audit a;
	uint8_t buf[EV_MAX_BYTES], id[32];
	size_t len;

	(void)state;
	recs_load(&r);
	body_of(0, BODY_COMPLETION_REVOKE, 23);
	memset(bb->u.revoke.completion, 0x5a, 32);
	assert_int_equal(sample_sign_body(&all, 0, ch[0].seq + 1, ch[0].prev,
	    bb, buf, sizeof(buf), &len, id), 0);
	recs_insert(&r, buf, len);
	run(&a, recs_write(&r), NULL);
	find(&a, AUDIT_NOT_COUNTED, 0, ch[0].seq + 1, 0,
	    "revokes a completion that does not exist");
	audit_free(&a);
	recs_free(&r);
}

static void
test_truncated_export(void **state)
{
	struct audit a;
	struct stat sb;
	char path[200];
	uint8_t *buf;
	FILE *f;

	(void)state;
	assert_int_equal(stat(clean_file, &sb), 0);
	assert_non_null(buf = malloc((size_t)sb.st_size));
	assert_non_null(f = fopen(clean_file, "rb"));
	assert_int_equal(fread(buf, 1, (size_t)sb.st_size, f),
	    (size_t)sb.st_size);
	fclose(f);
	snprintf(path, sizeof(path), "%s/cut.i40x", base);
	assert_non_null(f = fopen(path, "wb"));
	/* Cut in the middle of the file: within some event's record. */
	assert_int_equal(fwrite(buf, 1, (size_t)sb.st_size / 2, f),
	    (size_t)sb.st_size / 2);
	fclose(f);
	free(buf);
	run(&a, path, NULL);
	assert_non_null(find(&a, AUDIT_DAMAGED, -1, 0, I40_E_EXPORT, NULL));
	assert_true(a.f[a.nf - 1].offset < (uint64_t)sb.st_size / 2 ||
	    a.by_kind[AUDIT_DAMAGED] == 1);
	assert_false(a.trailer_ok);
	assert_true(a.stored > 1);		/* what came before it */
	audit_free(&a);
}

/* The node's data directory, copied so that it can be damaged. */
static void
copy_node(const char *to)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s'", clean_dir, to);
	assert_int_equal(system(cmd), 0);
}

/* Change one entry of the ledger's database db, as a thief of the disk. */
static void
poke(const char *dir, const char *db, const void *key, size_t klen,
    int first, size_t at, uint8_t x)
{
	char path[300];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *c;
	MDB_val k = { klen, (void *)key }, v;
	uint8_t val[EV_MAX_BYTES];

	snprintf(path, sizeof(path), "%s/ledger", dir);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 1u << 30), 0);
	assert_int_equal(mdb_env_open(env, path, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
	if (first) {
		assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
		assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
		mdb_cursor_close(c);
	} else
		assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	if (at == SIZE_MAX)
		at = v.mv_size - 1;
	assert_true(at < v.mv_size);
	memcpy(val, v.mv_data, v.mv_size);
	val[at] ^= x;
	v.mv_data = val;
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
test_forged_head_in_a_datadir(void **state)
{
	struct audit a;
	char dir[200];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/forged-head", base);
	copy_node(dir);
	/* Key 1's head: seq(8) ‖ id(32) ‖ fork(8); change its id. */
	poke(dir, "head", all.pk[1], 32, 0, 8 + 5, 0x40);
	run(&a, NULL, dir);
	find(&a, AUDIT_DIFFERS, 1, 0, 0, "forged or damaged head");
	audit_free(&a);
}

/*
 * A head marked frozen with no fork behind it: the node cannot compute its
 * own log root, yet every event is read and the head is named.
 */
static void
test_forged_frozen_head_in_a_datadir(void **state)
{
	struct store_opts so = { 0 };
	struct store *st;
	struct audit a;
	char dir[200];
	uint8_t lr[32];

	(void)state;
	so.readonly = 1;
	assert_int_equal(store_open(clean_dir, &so, &st), 0);
	assert_int_equal(store_log_root(st, lr), 0);
	store_close(st);
	snprintf(dir, sizeof(dir), "%s/forged-frozen", base);
	copy_node(dir);
	poke(dir, "head", all.pk[1], 32, 0, 47, 0x01);
	run(&a, NULL, dir);
	assert_true(a.datadir_roots);
	assert_true(a.dd_log_root_bad);
	assert_false(a.datadir_moved);
	find(&a, AUDIT_DIFFERS, -1, 0, I40_E_CORRUPT, "cannot be computed");
	find(&a, AUDIT_DIFFERS, 1, 0, 0, "has this log frozen");
	/* Every event was replayed: nothing refused, the roots as clean. */
	assert_int_equal(a.refused, 0);
	assert_memory_equal(a.log_root, lr, 32);
	audit_free(&a);

	/*
	 * Its export fails on the root; --salvage takes every event out with
	 * no root in the trailer, and that file audits to the clean roots,
	 * the missing root named.
	 */
	{
		struct store_export_sel sel = { NULL, 1, NULL, 0, 0 };
		char file[240];
		uint8_t root[32];
		struct fw x;

		so.readonly = 1;
		assert_int_equal(store_open(dir, &so, &st), 0);
		memset(&x, 0, sizeof(x));
		snprintf(file, sizeof(file), "%s/salvage.i40x", base);
		assert_non_null(x.w.f = fopen(file, "wb"));
		assert_int_equal(store_export(st, &sel, on_rec, &x, root),
		    I40_E_CORRUPT);
		exp_write_free(&x.w);
		assert_int_equal(fclose(x.w.f), 0);
		memset(&x, 0, sizeof(x));
		assert_non_null(x.w.f = fopen(file, "wb"));
		sel.salvage = 1;
		memset(root, 0xee, sizeof(root));
		assert_int_equal(store_export(st, &sel, on_rec, &x, root), 0);
		assert_true(sodium_is_zero(root, 32));
		assert_int_equal(exp_write_end(&x.w, root), 0);
		assert_int_equal(fclose(x.w.f), 0);
		store_close(st);
		run(&a, file, NULL);
		assert_int_equal(a.refused, 0);
		assert_memory_equal(a.log_root, lr, 32);
		find(&a, AUDIT_TRAILER, -1, 0, 0, "carries no log root");
		assert_int_equal(a.nf_total, 1);
		audit_free(&a);
	}
}

static void
test_forged_state_in_a_datadir(void **state)
{
	struct audit a;
	char dir[200];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/forged-state", base);
	copy_node(dir);
	/*
	 * The first completion's pass flag (learner 16 ‖ module 32 ‖ pass):
	 * a failed result made a pass, or a pass made a fail.
	 */
	poke(dir, "d_compl", NULL, 0, 1, 48, 0x01);
	run(&a, NULL, dir);
	find(&a, AUDIT_DIFFERS, 0, 3, 0, "d_compl entry of this event differs");
	assert_memory_not_equal(a.dd_state_root, a.state_root, 32);
	assert_memory_equal(a.dd_log_root, a.log_root, 32);
	audit_free(&a);
}

/*
 * A d_compl entry that no event leads to (a copy of the first, under an
 * arrival number nothing has): the node's state cannot be walked past
 * it, and the audit says where the comparison stopped rather than
 * passing over the tables after it as if they agreed.
 */
static void
test_orphan_state_in_a_datadir(void **state)
{
	char path[300], dir[200];
	uint8_t num[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	MDB_val k = { 8, num }, v, fk;
	MDB_cursor *c;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	struct audit a;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/orphan-state", base);
	copy_node(dir);
	snprintf(path, sizeof(path), "%s/ledger", dir);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 64), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 1u << 30), 0);
	assert_int_equal(mdb_env_open(env, path, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "d_compl", 0, &dbi), 0);
	assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
	assert_int_equal(mdb_cursor_get(c, &fk, &v, MDB_FIRST), 0);
	mdb_cursor_close(c);
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	run(&a, NULL, dir);
	find(&a, AUDIT_DIFFERS, -1, 0, I40_E_CORRUPT, "cannot be read through");
	find(&a, AUDIT_DIFFERS, -1, 0, I40_E_CORRUPT,
	    "stopped after the data directory's table d_compl");
	assert_int_equal(a.refused, 0);
	audit_free(&a);
}

static void
test_flipped_event_in_a_datadir(void **state)
{
	struct audit a;
	char dir[200];
	uint8_t arrival[8];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/flipped-event", base);
	copy_node(dir);
	/*
	 * The third event stored (key 1's M1; arrivals count from the
	 * genesis) loses its signature's last bit.
	 */
	be_put64(arrival, 3);
	poke(dir, "ev", arrival, 8, 0, SIZE_MAX, 0x01);
	run(&a, NULL, dir);
	find(&a, AUDIT_REFUSED, 1, 1, I40_E_SIG, NULL);
	audit_free(&a);
}

static void
test_wrong_genesis(void **state)
{
	struct audit_opts o;
	struct audit a;
	char why[400];
	uint8_t g[16] = { 1, 2, 3 };

	(void)state;
	memset(&o, 0, sizeof(o));
	o.file = clean_file;
	o.tmpdir = base;
	o.genesis = g;
	o.genesis_len = sizeof(g);
	assert_int_equal(audit_run(&o, &a, why, sizeof(why)), 0);
	find(&a, AUDIT_GENESIS, -1, 0, 0, "another genesis");
	assert_int_equal(a.stored, 0);
	audit_free(&a);
	o.genesis = ch[0].buf[0];
	o.genesis_len = ch[0].len[0];
	assert_int_equal(audit_run(&o, &a, why, sizeof(why)), 0);
	assert_int_equal(a.nf_total, 0);
	assert_true(a.genesis_given);
	audit_free(&a);
}

/* Export st into path. */
static void
export_to(struct store *st, const char *path)
{
	struct store_export_sel sel = { NULL, 1, NULL, 0, 0 };
	struct fw x;
	uint8_t root[32];

	memset(&x, 0, sizeof(x));
	assert_non_null(x.w.f = fopen(path, "wb"));
	assert_int_equal(store_export(st, &sel, on_rec, &x, root), 0);
	assert_int_equal(exp_write_end(&x.w, root), 0);
	assert_int_equal(fclose(x.w.f), 0);
}

/*
 * Members admitted after the genesis: key 7, whose key sorts before those
 * of its proposer (0) and endorsers (1, 2), so that its events come first
 * in the export, before the events that make it known and admit it; and
 * key 6, proposed by 1 and endorsed by 0 and 7, whose key sorts after
 * theirs.  Whichever admission takes effect first, the other needs 3 of
 * 4.  Both logs audit clean, every event stored and counted, as on the
 * node.
 */
static void
test_admissions(void **state)
{
	struct sample_chain c[KEYS];
	struct { size_t a, i; } order[16];
	size_t n = 0, i, k;
	uint8_t p6[32], p7[32];
	char dir[200], file[220];
	struct store *st;
	struct audit a;
	const struct store_member *m;

	(void)state;
	assert_true(memcmp(all.pk[7], all.pk[0], 32) < 0 &&
	    memcmp(all.pk[7], all.pk[1], 32) < 0);
	assert_true(memcmp(all.pk[7], all.pk[2], 32) < 0);
	assert_true(memcmp(all.pk[6], all.pk[0], 32) > 0 &&
	    memcmp(all.pk[6], all.pk[1], 32) > 0 &&
	    memcmp(all.pk[6], all.pk[7], 32) > 0);
	assert_int_equal(sample_chain_genesis(&c[0], &fed), 0);
	order[n].a = 0;
	order[n++].i = 0;
	for (k = 1; k < KEYS; k++)
		sample_chain_init(&c[k], k);
#define NEXT(who, f) do {						\
	assert_int_equal(sample_chain_next(&c[who], f, bb, &i), 0);	\
	order[n].a = who;						\
	order[n++].i = i;						\
} while (0)
	assert_int_equal(sample_propose(&all, 6, "member", bb, arena), 0);
	NEXT(1, &all);
	memcpy(p6, c[1].id[i], 32);
	memset(bb, 0, sizeof(*bb));
	bb->type = BODY_MEMBER_ENDORSE;
	memcpy(bb->u.endorse.proposal, p6, 32);
	NEXT(0, &all);
	assert_int_equal(sample_propose(&all, 7, "member", bb, arena), 0);
	NEXT(0, &all);
	memcpy(p7, c[0].id[i], 32);
	memset(bb, 0, sizeof(*bb));
	bb->type = BODY_MEMBER_ENDORSE;
	memcpy(bb->u.endorse.proposal, p7, 32);
	NEXT(1, &all);
	NEXT(2, &all);
	/* The second admission needs 3 of 4: key 7 endorses key 6. */
	memcpy(bb->u.endorse.proposal, p6, 32);
	NEXT(7, &all);
	body_of(7, BODY_MODULE_PUBLISH, 30);
	NEXT(7, &all);
	body_of(7, BODY_MODULE_PUBLISH, 31);
	NEXT(7, &all);
	body_of(6, BODY_MODULE_PUBLISH, 32);
	NEXT(6, &all);
#undef NEXT
	snprintf(dir, sizeof(dir), "%s/admissions", base);
	assert_int_equal(store_create(dir, c[0].buf[0], c[0].len[0], NULL),
	    0);
	assert_int_equal(store_open(dir, NULL, &st), 0);
	for (i = 1; i < n; i++)
		offer(st, c[order[i].a].buf[order[i].i],
		    c[order[i].a].len[order[i].i], STORE_STORED);
	snprintf(file, sizeof(file), "%s.i40x", dir);
	export_to(st, file);
	store_close(st);

	run(&a, file, NULL);
	if (a.nf_total != 0)
		find(&a, AUDIT_KINDS, -1, 0, 0, NULL);
	assert_int_equal(a.nf_total, 0);
	assert_int_equal(a.stored, n);
	assert_non_null(m = audit_member(&a, all.pk[7]));
	assert_int_equal(m->active, 1);
	assert_non_null(m = audit_member(&a, all.pk[6]));
	assert_int_equal(m->active, 1);
	audit_free(&a);
	run(&a, NULL, dir);
	assert_int_equal(a.nf_total, 0);
	audit_free(&a);
	for (k = 0; k < KEYS; k++)
		sample_chain_free(&c[k]);
}

/*
 * A node that holds of key 2 only the evidence of a fork at seq 1 (two
 * signed events, none of its chain): the export carries the F record, and
 * the audit's log root, from §14.1, has the entry the node's has.
 */
static void
test_evidence_only(void **state)
{
	struct store_item pair[2];
	struct store_outcome o;
	struct store *st;
	struct audit a, d;
	uint8_t buf[2][EV_MAX_BYTES], id[32], lr[32];
	size_t len[2], k;
	char dir[200], file[220];

	(void)state;
	for (k = 0; k < 2; k++) {
		body_of(2, BODY_MODULE_PUBLISH, 40 + k);
		assert_int_equal(sample_sign_body(&all, 2, 1, NULL, bb, buf[k],
		    sizeof(buf[k]), &len[k], id), 0);
		assert_int_equal(ev_decode(buf[k], len[k], fed.fed_id,
		    &pair[k].ev, NULL, NULL), 0);
	}
	snprintf(dir, sizeof(dir), "%s/evidence-only", base);
	assert_int_equal(store_create(dir, ch[0].buf[0], ch[0].len[0], NULL),
	    0);
	assert_int_equal(store_open(dir, NULL, &st), 0);
	assert_int_equal(store_keys_in_force(st, pair, 2), 0);
	assert_int_equal(store_evidence(st, pair, &o), 0);
	assert_int_equal(o.result, STORE_FORK);
	assert_int_equal(store_log_root(st, lr), 0);
	snprintf(file, sizeof(file), "%s.i40x", dir);
	export_to(st, file);
	store_close(st);

	run(&a, file, NULL);
	assert_int_equal(a.evidence, 1);
	assert_int_equal(a.nforks, 1);
	find(&a, AUDIT_FORK, 2, 1, I40_E_FORK, NULL);
	assert_int_equal(a.by_kind[AUDIT_INTERNAL], 0);
	assert_int_equal(a.by_kind[AUDIT_TRAILER], 0);
	assert_memory_equal(a.log_root, lr, 32);
	assert_memory_equal(a.trailer_root, lr, 32);
	run(&d, NULL, dir);
	assert_int_equal(d.by_kind[AUDIT_DIFFERS], 0);
	assert_memory_equal(d.dd_log_root, lr, 32);
	assert_memory_equal(d.log_root, lr, 32);
	audit_free(&a);
	audit_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export_in_arrival_order),
		cmocka_unit_test(test_clean_export_and_datadir),
		cmocka_unit_test(test_flipped_byte_in_an_event),
		cmocka_unit_test(test_event_removed_from_the_middle),
		cmocka_unit_test(test_two_events_swapped),
		cmocka_unit_test(test_resigned_by_a_non_member),
		cmocka_unit_test(test_removed_member_after_upto),
		cmocka_unit_test(test_checkpoints_after_upto),
		cmocka_unit_test(test_many_strangers),
		cmocka_unit_test(test_genesis_only_in_g),
		cmocka_unit_test(test_signed_with_a_rotated_out_key),
		cmocka_unit_test(test_completion_for_another_universitys_module),
		cmocka_unit_test(test_revocation_of_a_nonexistent_completion),
		cmocka_unit_test(test_retirements_that_count_not),
		cmocka_unit_test(test_truncated_export),
		cmocka_unit_test(test_forged_head_in_a_datadir),
		cmocka_unit_test(test_forged_frozen_head_in_a_datadir),
		cmocka_unit_test(test_forged_state_in_a_datadir),
		cmocka_unit_test(test_orphan_state_in_a_datadir),
		cmocka_unit_test(test_flipped_event_in_a_datadir),
		cmocka_unit_test(test_wrong_genesis),
		cmocka_unit_test(test_admissions),
		cmocka_unit_test(test_evidence_only),
		cmocka_unit_test(test_findings_listed),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
