/* transcript.c: transcripts built and verified (see transcript.h). */
#include "transcript.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_node.h"
#include "protocol/body.h"
#include "protocol/pseudonym.h"

/* A decoded event with its bytes (owned) and body. */
struct dev {
	uint8_t *bytes;
	size_t len;
	struct ev_signed e;
	struct body *b;
};

static void
dev_free(struct dev *d)
{
	free(d->bytes);
	free(d->b);
	memset(d, 0, sizeof(*d));
}

/* Decode bytes (taken over) as an event of fed_id. */
static int
dev_decode(struct dev *d, uint8_t *bytes, size_t len, const uint8_t *fed_id)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->bytes = bytes;
	d->len = len;
	if ((d->b = malloc(sizeof(*d->b))) == NULL)
		return I40_E_NOMEM;
	if ((rc = ev_decode(bytes, len, fed_id, &d->e, d->b, NULL)) != 0)
		return rc;
	return 0;
}

static json_t *
b64(const uint8_t *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(cap);
	json_t *j;

	if (s == NULL)
		return NULL;
	sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
	j = json_string(s);
	free(s);
	return j;
}

/* A base64 string into a new buffer; NULL when it is none. */
static uint8_t *
unb64(const json_t *j, size_t *n)
{
	const char *s = json_string_value(j);
	size_t len, cap;
	uint8_t *out;

	if (s == NULL || (len = strlen(s)) == 0 ||
	    len > 2 * EV_MAX_BYTES)
		return NULL;
	cap = len / 4 * 3 + 3;
	if ((out = malloc(cap)) == NULL)
		return NULL;
	if (sodium_base642bin(out, cap, s, len, NULL, n, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || *n > EV_MAX_BYTES) {
		free(out);
		return NULL;
	}
	return out;
}

static json_t *
jstr(struct codec_bytes s)
{
	return json_stringn((const char *)s.p, s.len);
}

static json_t *
jlist(const struct codec_bytes *l, uint32_t n)
{
	json_t *a = json_array();
	uint32_t i;

	for (i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, jstr(l[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The university behind a member record, for people. */
struct univ {
	char schac[65], name_en[201], name_sv[201];
};

/*
 * The summary of an entry: what a person reads, all of it taken from the
 * completion c, the module m and the author's member record u, so that a
 * verifier recomputes it and refuses an entry whose summary was changed.
 */
static json_t *
summary(const struct body_completion *c, const struct body_module *m,
    const struct univ *u)
{
	int pass = 0;
	json_t *o;

	(void)body_grade_valid(c->scale, c->grade, &pass);
	o = json_object();
	if (o == NULL ||
	    json_object_set_new(o, "module", jstr(m->code)) != 0 ||
	    json_object_set_new(o, "title_en", jstr(m->title_en)) != 0 ||
	    json_object_set_new(o, "title_sv", jstr(m->title_sv)) != 0 ||
	    json_object_set_new(o, "credits", json_integer(
	    (json_int_t)m->credits)) != 0 ||
	    json_object_set_new(o, "eqf", json_integer((json_int_t)m->eqf)) !=
	    0 ||
	    json_object_set_new(o, "cycle", jstr(m->cycle)) != 0 ||
	    json_object_set_new(o, "university", json_pack("{s:s, s:s, s:s}",
	    "schac", u->schac, "name_en", u->name_en, "name_sv",
	    u->name_sv)) != 0 ||
	    json_object_set_new(o, "grade", jstr(c->grade)) != 0 ||
	    json_object_set_new(o, "scale", jstr(c->scale)) != 0 ||
	    json_object_set_new(o, "passed", json_boolean(pass)) != 0 ||
	    json_object_set_new(o, "examiner", jstr(c->examiner)) != 0 ||
	    json_object_set_new(o, "exam_date", jstr(c->exam_date)) != 0 ||
	    json_object_set_new(o, "decision_date", jstr(c->decision_date)) !=
	    0 ||
	    json_object_set_new(o, "supervision", jstr(c->supervision.len ?
	    c->supervision : m->supervision)) != 0 ||
	    json_object_set_new(o, "outcomes_en", jlist(m->outcomes_en,
	    m->noutcomes_en)) != 0 ||
	    json_object_set_new(o, "outcomes_sv", jlist(m->outcomes_sv,
	    m->noutcomes_sv)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- building ------------------------------------------------------ */

struct hit {
	struct store_completion c;
	char decided[11];
	char code[33];
	json_t *entry;
};

/*
 * An author's key rotations, read once per transcript however many of
 * its results it lists: [[seq, base64], ...] in seq order.
 */
struct rots {
	uint8_t author[32];
	json_t *list;
};

struct build {
	struct store *st;
	const uint8_t *learner;
	int all;
	struct hit *hits;
	size_t n, cap;
	struct rots *rots;
	size_t nrots;
};

static int
collect_cb(void *arg, const struct store_completion *c)
{
	struct build *bd = arg;
	struct hit *h;

	if (!bd->all && (c->revoked || !c->passed))
		return 0;
	if (bd->n == bd->cap) {
		size_t ncap = bd->cap ? 2 * bd->cap : 16;

		if ((h = realloc(bd->hits, ncap * sizeof(*h))) == NULL)
			return I40_E_NOMEM;
		bd->hits = h;
		bd->cap = ncap;
	}
	memset(&bd->hits[bd->n], 0, sizeof(*h));
	bd->hits[bd->n++].c = *c;
	return 0;
}

static int
rot_cb(void *arg, const uint8_t *bytes, size_t len)
{
	json_t *list = arg;
	struct ev_signed e;

	if (ev_decode(bytes, len, NULL, &e, NULL, NULL) != 0)
		return I40_E_CORRUPT;
	if (e.h.type == BODY_KEY_ROTATE && json_array_append_new(list,
	    json_pack("[I, o]", (json_int_t)e.h.seq, b64(bytes, len))) != 0)
		return I40_E_NOMEM;
	return 0;
}

/*
 * The rotations of author below seq into proof; last is the seq of its
 * latest rotation (0: none, nothing to read).
 */
static int
rotations(struct build *bd, const uint8_t author[32], uint64_t last,
    uint64_t seq, json_t *proof)
{
	struct rots *r = NULL, *nr;
	const json_t *it;
	size_t i;
	int rc;

	if (last == 0)
		return 0;
	for (i = 0; i < bd->nrots && r == NULL; i++)
		if (memcmp(bd->rots[i].author, author, 32) == 0)
			r = &bd->rots[i];
	if (r == NULL) {
		if ((nr = realloc(bd->rots, (bd->nrots + 1) *
		    sizeof(*nr))) == NULL)
			return I40_E_NOMEM;
		bd->rots = nr;
		r = &bd->rots[bd->nrots];
		memcpy(r->author, author, 32);
		if ((r->list = json_array()) == NULL)
			return I40_E_NOMEM;
		bd->nrots++;
		/* The log up to its latest rotation, once. */
		if ((rc = store_walk(bd->st, author, 1, last, rot_cb,
		    r->list)) != 0)
			return rc;
	}
	json_array_foreach(r->list, i, it)
		if ((uint64_t)json_integer_value(json_array_get(it, 0)) < seq &&
		    json_array_append(proof, json_array_get(it, 1)) != 0)
			return I40_E_NOMEM;
	return 0;
}

static int
univ_of(struct store_member *ms, size_t nm, const uint8_t key[32],
    struct univ *u)
{
	size_t i;

	for (i = 0; i < nm; i++)
		if (memcmp(ms[i].key, key, 32) == 0) {
			snprintf(u->schac, sizeof(u->schac), "%s", ms[i].schac);
			snprintf(u->name_en, sizeof(u->name_en), "%s",
			    ms[i].name_en);
			snprintf(u->name_sv, sizeof(u->name_sv), "%s",
			    ms[i].name_sv);
			return 0;
		}
	memset(u, 0, sizeof(*u));
	return I40_E_NOT_FOUND;
}

/* One entry for h: its events, the author's rotations before them. */
static int
entry_of(struct build *bd, struct store_member *ms, size_t nm,
    struct hit *h)
{
	struct store_event ce, me;
	struct dev c, m;
	struct univ u;
	json_t *e, *proof;
	uint64_t last = 0;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&m, 0, sizeof(m));
	if ((rc = store_get_id(bd->st, h->c.id, &ce)) != 0)
		return rc;
	if ((rc = dev_decode(&c, ce.bytes, ce.len, NULL)) != 0)
		goto out;
	if ((rc = store_get_id(bd->st, c.b->u.completion.module, &me)) != 0)
		goto out;
	if ((rc = dev_decode(&m, me.bytes, me.len, NULL)) != 0)
		goto out;
	(void)univ_of(ms, nm, c.e.h.author, &u);
	for (i = 0; i < nm; i++)
		if (memcmp(ms[i].key, c.e.h.author, 32) == 0)
			last = ms[i].rotated;
	snprintf(h->decided, sizeof(h->decided), "%.*s",
	    (int)c.b->u.completion.decision_date.len,
	    (const char *)c.b->u.completion.decision_date.p);
	ctl_module_code(m.b->u.module.code, h->code);
	if ((proof = json_array()) == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	/* The key in force needs the rotations before both events. */
	if ((rc = rotations(bd, c.e.h.author, last, c.e.h.seq > m.e.h.seq ?
	    c.e.h.seq : m.e.h.seq, proof)) != 0) {
		json_decref(proof);
		goto out;
	}
	e = json_pack("{s:o, s:o, s:o, s:o}", "summary",
	    summary(&c.b->u.completion, &m.b->u.module, &u), "completion",
	    b64(c.bytes, c.len), "module", b64(m.bytes, m.len), "proof",
	    proof);
	if (e != NULL && bd->all && h->c.revoked)
		json_object_set_new(e, "revoked", json_true());
	if ((h->entry = e) == NULL)
		rc = I40_E_NOMEM;
out:
	dev_free(&c);
	dev_free(&m);
	return rc;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	int c;

	if ((c = strcmp(x->decided, y->decided)) != 0 ||
	    (c = strcmp(x->code, y->code)) != 0)
		return c;
	return memcmp(x->c.id, y->c.id, EV_ID_BYTES);
}

int
tr_build(struct store *st, const uint8_t learner[16],
    const uint8_t *issuer, int all, json_t **out, char *why, size_t cap)
{
	struct build bd;
	struct store_member *ms = NULL;
	struct store_head *hs = NULL;
	char text[PSEUDONYM_TEXT_LEN + 1], when[32];
	uint8_t root[32];
	json_t *doc = NULL, *entries, *vec;
	size_t nm = 0, nh = 0, i;
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	*out = NULL;
	memset(&bd, 0, sizeof(bd));
	bd.st = st;
	bd.learner = learner;
	bd.all = all;
	if ((rc = store_completions(st, STORE_BY_LEARNER, learner,
	    collect_cb, &bd)) != 0 ||
	    (rc = store_members(st, &ms, &nm)) != 0 ||
	    (rc = store_heads(st, &hs, &nh)) != 0 ||
	    (rc = store_log_root(st, root)) != 0) {
		snprintf(why, cap, "cannot read the store: %s",
		    i40_strerror(rc));
		goto out;
	}
	for (i = 0; i < bd.n; i++)
		if ((rc = entry_of(&bd, ms, nm, &bd.hits[i])) != 0) {
			snprintf(why, cap, "cannot read a completion's events: "
			    "%s", i40_strerror(rc));
			goto out;
		}
	qsort(bd.hits, bd.n, sizeof(*bd.hits), hit_cmp);
	pseudonym_format(learner, text);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	entries = json_array();
	vec = json_object();
	for (i = 0; i < nh && vec != NULL; i++) {
		char hex[65];

		ctl_hex(hs[i].author, 32, hex);
		json_object_set_new(vec, hex, ctl_json_u64(hs[i].seq));
	}
	for (i = 0; i < bd.n && entries != NULL; i++) {
		json_array_append_new(entries, bd.hits[i].entry);
		bd.hits[i].entry = NULL;
	}
	doc = json_pack("{s:s, s:i, s:o, s:s, s:s, s:o, s:o, s:o}", "format",
	    TR_FORMAT, "version", TR_VERSION, "federation",
	    ctl_json_hex(store_fed_id(st), 32), "learner", text, "issued",
	    when, "log_root", ctl_json_hex(root, 32), "vector", vec,
	    "entries", entries);
	if (doc != NULL && issuer != NULL)
		json_object_set_new(doc, "issuer", ctl_json_hex(issuer, 32));
	if (doc == NULL) {
		rc = I40_E_NOMEM;
		snprintf(why, cap, "out of memory");
	}
out:
	for (i = 0; i < bd.n; i++)
		json_decref(bd.hits[i].entry);
	for (i = 0; i < bd.nrots; i++)
		json_decref(bd.rots[i].list);
	free(bd.rots);
	free(bd.hits);
	free(ms);
	free(hs);
	if (rc == 0)
		*out = doc;
	return rc;
}

/* ---- verifying ----------------------------------------------------- */

/*
 * Module events verified in this run, by id, signature and the key that
 * verified them (the id leaves the signature out, and any byte changed
 * must fail its entry): thirty results on three modules verify three module signatures,
 * not thirty.  Each entry still derives the key from its own proof.
 */
#define TR_SEEN 64
/* Rotations are rare: a proof this long is an attack on the verifier. */
#define TR_MAX_PROOF 64

struct fed {
	uint8_t fed_id[32];
	struct dev g;			/* the genesis */
	struct {
		uint8_t id[32], key[32], sig[64];
	} seen[TR_SEEN];
	size_t nseen;
};

static int
seen_verify(struct fed *f, const struct ev_signed *e, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < f->nseen; i++)
		if (memcmp(f->seen[i].id, e->id, 32) == 0 &&
		    memcmp(f->seen[i].key, key, 32) == 0 &&
		    memcmp(f->seen[i].sig, e->sig, 64) == 0)
			return 0;
	if (ev_verify(e, key) != 0)
		return I40_E_SIG;
	if (f->nseen < TR_SEEN) {
		memcpy(f->seen[f->nseen].id, e->id, 32);
		memcpy(f->seen[f->nseen].sig, e->sig, 64);
		memcpy(f->seen[f->nseen++].key, key, 32);
	}
	return 0;
}

static int
member_of(const struct fed *f, const uint8_t key[32], struct univ *u)
{
	const struct body_charter *ch = &f->g.b->u.charter;
	uint32_t i;

	for (i = 0; i < ch->nmembers; i++) {
		const struct body_member *m = &ch->members[i];

		if (memcmp(m->key, key, 32) != 0)
			continue;
		snprintf(u->schac, sizeof(u->schac), "%.*s",
		    (int)m->schac.len, (const char *)m->schac.p);
		snprintf(u->name_en, sizeof(u->name_en), "%.*s",
		    (int)m->name_en.len, (const char *)m->name_en.p);
		snprintf(u->name_sv, sizeof(u->name_sv), "%.*s",
		    (int)m->name_sv.len, (const char *)m->name_sv.p);
		return m->role.len == 6 && memcmp(m->role.p, "member", 6) == 0 ?
		    1 : -1;
	}
	return 0;
}

static int
rot_cmp(const void *a, const void *b)
{
	const struct dev *x = a, *y = b;

	return x->e.h.seq < y->e.h.seq ? -1 : x->e.h.seq > y->e.h.seq;
}

/*
 * The key in force for author at seq, from the rotations in proof: each
 * of the author's key_rotate events below seq, in seq order, signed by
 * the key before it (docs/protocol.md §16.3).  0 and key, or a reason.
 */
static int
key_at(const struct fed *f, const json_t *proof, const uint8_t author[32],
    uint64_t seq, uint8_t key[32], char *why, size_t cap)
{
	struct dev *r;
	size_t i, n = json_array_size(proof), k = 0;
	int rc = 0;

	memcpy(key, author, 32);
	if (proof != NULL && !json_is_array(proof)) {
		snprintf(why, cap, "its proof is not a list");
		return I40_E_TYPE;
	}
	if (n > TR_MAX_PROOF) {
		snprintf(why, cap, "its proof holds more than %d events",
		    TR_MAX_PROOF);
		return I40_E_TOO_LONG;
	}
	if (n == 0)
		return 0;
	if ((r = calloc(n, sizeof(*r))) == NULL)
		return I40_E_NOMEM;
	for (i = 0; i < n && rc == 0; i++) {
		uint8_t *p;
		size_t len;

		if ((p = unb64(json_array_get(proof, i), &len)) == NULL) {
			snprintf(why, cap, "proof %zu is not base64", i + 1);
			rc = I40_E_VALUE;
		} else if ((rc = dev_decode(&r[k], p, len, f->fed_id)) != 0) {
			snprintf(why, cap, "proof %zu is no event of this "
			    "federation: %s", i + 1, i40_strerror(rc));
			k++;
		} else if (r[k].e.h.type == BODY_KEY_ROTATE &&
		    memcmp(r[k].e.h.author, author, 32) == 0 &&
		    r[k].e.h.seq < seq) {
			k++;
		} else {
			dev_free(&r[k]);
		}
	}
	qsort(r, k, sizeof(*r), rot_cmp);
	for (i = 0; i < k && rc == 0; i++) {
		if (i > 0 && r[i].e.h.seq == r[i - 1].e.h.seq) {
			if (memcmp(r[i].e.id, r[i - 1].e.id, 32) == 0)
				continue;	/* the same event twice */
			snprintf(why, cap, "its proof holds two key rotations "
			    "at seq %llu (a fork)",
			    (unsigned long long)r[i].e.h.seq);
			rc = I40_E_VALUE;
		} else if ((rc = ev_verify(&r[i].e, key)) != 0) {
			snprintf(why, cap, "its key rotation at seq %llu is not "
			    "signed by the key in force before it",
			    (unsigned long long)r[i].e.h.seq);
		} else {
			memcpy(key, r[i].b->u.rotate.next, 32);
		}
	}
	for (i = 0; i < k; i++)
		dev_free(&r[i]);
	free(r);
	return rc;
}

static int
entry_fail(struct tr_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
entry_fail(struct tr_check *c, const char *fmt, ...)
{
	va_list ap;

	c->ok = 0;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	return 0;
}

/* One entry against the federation f (and st). */
static int
verify_entry(struct fed *f, const uint8_t learner[16],
    const json_t *e, struct store *st, struct tr_check *out)
{
	struct dev c, m;
	struct univ u;
	struct store_completion sc;
	uint8_t key[32], rb[32], kst[32], *p;
	char why[300], hex[65];
	json_t *sum = NULL;
	size_t len;
	int rc, role;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	memset(&m, 0, sizeof(m));
	if (!json_is_object(e))
		return entry_fail(out, "not an object");
	if ((p = unb64(json_object_get(e, "completion"), &len)) == NULL) {
		entry_fail(out, "no completion event (base64)");
		goto out;
	}
	if ((rc = dev_decode(&c, p, len, f->fed_id)) != 0 ||
	    c.e.h.type != BODY_COMPLETION_RECORD) {
		entry_fail(out, "its completion is no completion_record of "
		    "this federation%s%s", rc ? ": " : "",
		    rc ? i40_strerror(rc) : "");
		goto out;
	}
	if ((p = unb64(json_object_get(e, "module"), &len)) == NULL) {
		entry_fail(out, "no module event (base64)");
		goto out;
	}
	if ((rc = dev_decode(&m, p, len, f->fed_id)) != 0 ||
	    (m.e.h.type != BODY_MODULE_PUBLISH &&
	    m.e.h.type != BODY_MODULE_UPDATE)) {
		entry_fail(out, "its module is no module event of this "
		    "federation%s%s", rc ? ": " : "", rc ? i40_strerror(rc) :
		    "");
		goto out;
	}
	ctl_module_code(m.b->u.module.code, out->code);
	out->credits = m.b->u.module.credits;
	memcpy(out->id, c.e.id, EV_ID_BYTES);
	(void)body_grade_valid(c.b->u.completion.scale,
	    c.b->u.completion.grade, &out->passed);
	if (json_is_true(json_object_get(e, "revoked"))) {
		entry_fail(out, "marked revoked by the node it was taken from: "
		    "it does not count");
		goto out;
	}
	if (memcmp(c.b->u.completion.learner, learner, 16) != 0) {
		entry_fail(out, "the result is another learner's");
		goto out;
	}
	if (memcmp(c.b->u.completion.module, m.e.id, 32) != 0) {
		entry_fail(out, "the result was not earned against that module "
		    "event");
		goto out;
	}
	if (memcmp(c.e.h.author, m.e.h.author, 32) != 0) {
		entry_fail(out, "the module is not the recording university's "
		    "own (a successor key's result on its predecessor's "
		    "module, docs/protocol.md §12.7, is not verifiable from a "
		    "transcript yet)");
		goto out;
	}
	if ((role = member_of(f, c.e.h.author, &u)) != 1 && st == NULL) {
		entry_fail(out, "%s", role < 0 ? "the signer is an observer, "
		    "not a university" : "the signer is not a founding member "
		    "of the federation; its admission is checked only against "
		    "a node's store (verify with --datadir)");
		goto out;
	}
	if (role != 1) {
		/*
		 * Not a founder: the store says who it is, before any proof
		 * is decoded (a stranger's key must cost nothing).
		 */
		struct store_member *ms = NULL;
		size_t nm = 0, i;
		int known = 0;

		if (role < 0 || store_members(st, &ms, &nm) != 0) {
			free(ms);
			entry_fail(out, "%s", role < 0 ? "the signer is an "
			    "observer, not a university" : "cannot read the "
			    "store's members");
			goto out;
		}
		for (i = 0; i < nm; i++)
			if (memcmp(ms[i].key, c.e.h.author, 32) == 0 &&
			    !ms[i].observer)
				known = 1;
		if (known)
			(void)univ_of(ms, nm, c.e.h.author, &u);
		free(ms);
		if (!known) {
			entry_fail(out, "the signer is no university of this "
			    "federation (neither founded nor admitted)");
			goto out;
		}
	}
	if (key_at(f, json_object_get(e, "proof"), m.e.h.author, m.e.h.seq,
	    key, why, sizeof(why)) != 0 || seen_verify(f, &m.e, key) != 0) {
		entry_fail(out, "the module event's signature does not verify "
		    "under its author's key in force%s%s", why[0] ? ": " : "",
		    why);
		goto out;
	}
	why[0] = '\0';
	if (key_at(f, json_object_get(e, "proof"), c.e.h.author, c.e.h.seq,
	    key, why, sizeof(why)) != 0 || ev_verify(&c.e, key) != 0) {
		entry_fail(out, "the completion's signature does not verify "
		    "under its author's key in force%s%s", why[0] ? ": " : "",
		    why);
		goto out;
	}
	sum = summary(&c.b->u.completion, &m.b->u.module, &u);
	if (sum == NULL || !json_equal(sum, json_object_get(e, "summary"))) {
		entry_fail(out, "its summary does not say what the signed "
		    "events say (it was changed after it was issued)");
		goto out;
	}
	if (st != NULL) {
		rc = store_completion_get(st, c.e.id, &sc, rb);
		ctl_hex(rb, 32, hex);
		if (rc == I40_E_NOT_FOUND) {
			entry_fail(out, "the node holds no counting record of "
			    "it (not replicated there yet, or it counts not)");
			goto out;
		} else if (rc != 0) {
			entry_fail(out, "cannot read the store: %s",
			    i40_strerror(rc));
			goto out;
		} else if (sc.revoked) {
			entry_fail(out, "revoked since, by %s", hex);
			goto out;
		}
		if (store_key_in_force(st, c.e.h.author, c.e.h.seq, kst) !=
		    0 || memcmp(kst, key, 32) != 0) {
			entry_fail(out, "the node's log puts another key in "
			    "force at its seq: a rotation was left out");
			goto out;
		}
	}
	out->ok = 1;
out:
	json_decref(sum);
	dev_free(&c);
	dev_free(&m);
	return 0;
}

int
tr_verify(const json_t *doc, const uint8_t *genesis, size_t glen,
    struct store *st, struct tr_check **res, size_t *n, char *why,
    size_t cap)
{
	const json_t *entries;
	uint8_t fid[32], learner[16], *g;
	struct fed f;
	char pwhy[200];
	size_t i;
	int rc;

	*res = NULL;
	*n = 0;
	memset(&f, 0, sizeof(f));
	if (!json_is_object(doc) || json_string_value(json_object_get(doc,
	    "format")) == NULL || strcmp(json_string_value(
	    json_object_get(doc, "format")), TR_FORMAT) != 0) {
		snprintf(why, cap, "not an i40 transcript (no \"format\": "
		    "\"%s\")", TR_FORMAT);
		return I40_E_VALUE;
	}
	if (json_integer_value(json_object_get(doc, "version")) !=
	    TR_VERSION) {
		snprintf(why, cap, "a transcript of version %lld; this i40ctl "
		    "reads version %d", (long long)json_integer_value(
		    json_object_get(doc, "version")), TR_VERSION);
		return I40_E_VERSION;
	}
	if ((g = malloc(glen)) == NULL)
		return I40_E_NOMEM;
	memcpy(g, genesis, glen);
	if ((rc = dev_decode(&f.g, g, glen, NULL)) != 0 ||
	    f.g.e.h.type != BODY_GENESIS) {
		dev_free(&f.g);
		snprintf(why, cap, "the genesis does not decode");
		return rc != 0 ? rc : I40_E_VALUE;
	}
	memcpy(f.fed_id, f.g.e.h.fed_id, 32);
	if (json_string_value(json_object_get(doc, "federation")) == NULL ||
	    ctl_unhex(json_string_value(json_object_get(doc, "federation")),
	    fid, 32) != 0 || memcmp(fid, f.fed_id, 32) != 0) {
		dev_free(&f.g);
		snprintf(why, cap, "the transcript is not of this genesis's "
		    "federation");
		return I40_E_FED_ID;
	}
	if (json_string_value(json_object_get(doc, "learner")) == NULL ||
	    pseudonym_parse(json_string_value(json_object_get(doc,
	    "learner")), learner, pwhy, sizeof(pwhy)) != 0) {
		dev_free(&f.g);
		snprintf(why, cap, "its learner is not a pseudonym");
		return I40_E_VALUE;
	}
	entries = json_object_get(doc, "entries");
	if (!json_is_array(entries)) {
		dev_free(&f.g);
		snprintf(why, cap, "it has no list of entries");
		return I40_E_TYPE;
	}
	if ((*res = calloc(json_array_size(entries) + 1, sizeof(**res))) ==
	    NULL) {
		dev_free(&f.g);
		return I40_E_NOMEM;
	}
	for (i = 0; i < json_array_size(entries); i++) {
		struct tr_check *r = &(*res)[i];
		size_t j;

		(void)verify_entry(&f, learner, json_array_get(entries, i), st,
		    r);
		/* One result counts once, however often it is copied in. */
		for (j = 0; r->ok && j < i; j++)
			if ((*res)[j].ok && memcmp((*res)[j].id, r->id,
			    EV_ID_BYTES) == 0) {
				r->ok = 0;
				snprintf(r->reason, sizeof(r->reason), "the same "
				    "result as entry %zu", j + 1);
			}
	}
	*n = json_array_size(entries);
	dev_free(&f.g);
	return 0;
}

/* ---- the verification code ---------------------------------------- */

#define TR_CODE_TAG "i40/transcript-code/v1"

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, EV_ID_BYTES);
}

int
tr_code(const uint8_t (*ids)[EV_ID_BYTES], size_t n,
    char out[TR_CODE_LEN + 1])
{
	static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	crypto_generichash_state h;
	uint8_t (*sorted)[EV_ID_BYTES] = NULL, d[32];
	uint64_t v = 0;
	size_t i, o = 0;

	crypto_generichash_init(&h, NULL, 0, 32);
	crypto_generichash_update(&h, (const uint8_t *)TR_CODE_TAG,
	    sizeof(TR_CODE_TAG) - 1);
	if (n > 0 && (sorted = malloc(n * EV_ID_BYTES)) != NULL) {
		memcpy(sorted, ids, n * EV_ID_BYTES);
		qsort(sorted, n, EV_ID_BYTES, id_cmp);
		for (i = 0; i < n; i++)
			crypto_generichash_update(&h, sorted[i], EV_ID_BYTES);
	} else if (n > 0) {
		out[0] = '\0';
		return I40_E_NOMEM;
	}
	free(sorted);
	crypto_generichash_final(&h, d, sizeof(d));
	for (i = 0; i < 8; i++)
		v = v << 8 | d[i];
	for (i = 0; i < 12; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = b32[(v >> (59 - 5 * i)) & 31];
	}
	out[o] = '\0';
	return 0;
}

int
tr_ids(const json_t *doc, uint8_t (**ids)[EV_ID_BYTES], size_t *n)
{
	const json_t *entries = json_object_get(doc, "entries"), *e;
	size_t i, len;
	struct dev d;
	uint8_t *p;

	*n = 0;
	if ((*ids = calloc(json_array_size(entries) + 1, EV_ID_BYTES)) == NULL)
		return I40_E_NOMEM;
	json_array_foreach(entries, i, e) {
		if ((p = unb64(json_object_get(e, "completion"), &len)) == NULL)
			continue;
		if (dev_decode(&d, p, len, NULL) == 0)
			memcpy((*ids)[(*n)++], d.e.id, EV_ID_BYTES);
		dev_free(&d);
	}
	return 0;
}
