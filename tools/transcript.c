/* transcript.c: transcripts built and verified (see transcript.h). */
#include "transcript.h"
#include "transcript_int.h"

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

void
tr_dev_free(struct tr_dev *d)
{
	free(d->bytes);
	free(d->b);
	memset(d, 0, sizeof(*d));
}

/* Decode bytes (taken over) as an event of fed_id. */
int
tr_dev_decode(struct tr_dev *d, uint8_t *bytes, size_t len, const uint8_t *fed_id)
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

json_t *
tr_b64(const uint8_t *p, size_t n)
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
uint8_t *
tr_unb64(const json_t *j, size_t *n)
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

/*
 * The summary of an entry: what a person reads, all of it taken from the
 * completion c, the module m and the author's member record u, so that a
 * verifier recomputes it and refuses an entry whose summary was changed.
 */
json_t *
tr_summary(const struct body_completion *c, const struct body_module *m,
    const struct tr_univ *u)
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
	uint8_t author[32];		/* the completion's */
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
	    json_pack("[I, o]", (json_int_t)e.h.seq, tr_b64(bytes, len))) != 0)
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
    struct tr_univ *u)
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

static uint64_t
rotated_of(const struct store_member *ms, size_t nm, const uint8_t key[32])
{
	size_t i;

	for (i = 0; i < nm; i++)
		if (memcmp(ms[i].key, key, 32) == 0)
			return ms[i].rotated;
	return 0;
}

/* One entry for h: its events, the author's rotations before them. */
static int
entry_of(struct build *bd, struct store_member *ms, size_t nm,
    struct hit *h)
{
	struct store_event ce, me;
	struct tr_dev c, m;
	struct tr_univ u;
	json_t *e, *proof;
	uint64_t last = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&m, 0, sizeof(m));
	if ((rc = store_get_id(bd->st, h->c.id, &ce)) != 0)
		return rc;
	if ((rc = tr_dev_decode(&c, ce.bytes, ce.len, NULL)) != 0)
		goto out;
	if ((rc = store_get_id(bd->st, c.b->u.completion.module, &me)) != 0)
		goto out;
	if ((rc = tr_dev_decode(&m, me.bytes, me.len, NULL)) != 0)
		goto out;
	(void)univ_of(ms, nm, c.e.h.author, &u);
	last = rotated_of(ms, nm, c.e.h.author);
	memcpy(h->author, c.e.h.author, 32);
	snprintf(h->decided, sizeof(h->decided), "%.*s",
	    (int)c.b->u.completion.decision_date.len,
	    (const char *)c.b->u.completion.decision_date.p);
	ctl_module_code(m.b->u.module.code, h->code);
	if ((proof = json_array()) == NULL) {
		rc = I40_E_NOMEM;
		goto out;
	}
	/*
	 * The key in force needs the rotations before both events; a
	 * successor's result on its predecessor's module (§12.7) needs
	 * both authors'.
	 */
	if (memcmp(c.e.h.author, m.e.h.author, 32) == 0)
		rc = rotations(bd, c.e.h.author, last, c.e.h.seq > m.e.h.seq ?
		    c.e.h.seq : m.e.h.seq, proof);
	else if ((rc = rotations(bd, c.e.h.author, last, c.e.h.seq,
	    proof)) == 0)
		rc = rotations(bd, m.e.h.author, rotated_of(ms, nm,
		    m.e.h.author), m.e.h.seq, proof);
	if (rc != 0) {
		json_decref(proof);
		goto out;
	}
	e = json_pack("{s:o, s:o, s:o, s:o}", "summary",
	    tr_summary(&c.b->u.completion, &m.b->u.module, &u), "completion",
	    tr_b64(c.bytes, c.len), "module", tr_b64(m.bytes, m.len), "proof",
	    proof);
	if (e != NULL && bd->all && h->c.revoked)
		json_object_set_new(e, "revoked", json_true());
	if ((h->entry = e) == NULL)
		rc = I40_E_NOMEM;
out:
	tr_dev_free(&c);
	tr_dev_free(&m);
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
	json_t *doc = NULL, *entries, *vec, *members = NULL;
	uint8_t (*authors)[32] = NULL;
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
	/* Who the genesis does not prove a university is proven here. */
	if ((authors = calloc(bd.n + 1, 32)) == NULL) {
		rc = I40_E_NOMEM;
		snprintf(why, cap, "out of memory");
		goto out;
	}
	for (i = 0; i < bd.n; i++)
		memcpy(authors[i], bd.hits[i].author, 32);
	if ((rc = tr_members_build(st, (const uint8_t (*)[32])authors, bd.n,
	    &members)) != 0) {
		snprintf(why, cap, "cannot read the membership evidence: %s",
		    i40_strerror(rc));
		goto out;
	}
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
	/* Founders only: nothing to prove, and the file stays as it was. */
	if (doc != NULL && json_array_size(members) > 0)
		json_object_set(doc, "members", members);
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
	free(authors);
	json_decref(members);
	free(ms);
	free(hs);
	if (rc == 0)
		*out = doc;
	return rc;
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
	struct tr_dev d;
	uint8_t *p;

	*n = 0;
	if ((*ids = calloc(json_array_size(entries) + 1, EV_ID_BYTES)) == NULL)
		return I40_E_NOMEM;
	json_array_foreach(entries, i, e) {
		if ((p = tr_unb64(json_object_get(e, "completion"), &len)) == NULL)
			continue;
		if (tr_dev_decode(&d, p, len, NULL) == 0)
			memcpy((*ids)[(*n)++], d.e.id, EV_ID_BYTES);
		tr_dev_free(&d);
	}
	return 0;
}
