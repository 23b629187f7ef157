/* transcript_verify.c: a transcript checked (docs/protocol.md §16.3). */
#include "transcript.h"
#include "transcript_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_node.h"
#include "protocol/body.h"
#include "protocol/pseudonym.h"


/*
 * Module events verified in this run, by id, signature and the key that
 * verified them (the id leaves the signature out, and any byte changed
 * must fail its entry): thirty results on three modules verify three module signatures,
 * not thirty.  Each entry still derives the key from its own proof.
 */
#define TR_SEEN 64

struct fed {
	uint8_t fed_id[32];
	struct tr_dev g;			/* the genesis */
	struct tr_mset ms;		/* who its evidence proves a member */
	struct {
		uint8_t id[32], key[32], sig[64];
	} seen[TR_SEEN];
	size_t nseen;
};

static void
fed_free(struct fed *f)
{
	tr_dev_free(&f->g);
	tr_mset_free(&f->ms);
}

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
rot_cmp(const void *a, const void *b)
{
	const struct tr_dev *x = a, *y = b;

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
	struct tr_dev *r;
	size_t i, j, n = json_array_size(proof), k = 0;
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

		if ((p = tr_unb64(json_array_get(proof, i), &len)) == NULL) {
			snprintf(why, cap, "proof %zu is not base64", i + 1);
			rc = I40_E_VALUE;
		} else if ((rc = tr_dev_decode(&r[k], p, len, f->fed_id)) != 0) {
			snprintf(why, cap, "proof %zu is no event of this "
			    "federation: %s", i + 1, i40_strerror(rc));
			k++;
		} else if (r[k].e.h.type == BODY_KEY_ROTATE &&
		    memcmp(r[k].e.h.author, author, 32) == 0 &&
		    r[k].e.h.seq < seq) {
			k++;
		} else {
			tr_dev_free(&r[k]);
		}
	}
	qsort(r, k, sizeof(*r), rot_cmp);
	/*
	 * At each seq, the copies that verify under the key before must be
	 * one event (one id); two that verify with different ids are a fork,
	 * none a broken chain.  A copy that does not verify beside one that
	 * does is ignored (§16.3 rule 5).
	 */
	for (i = 0; i < k && rc == 0; i = j) {
		const struct tr_dev *ok = NULL;

		for (j = i; j < k && r[j].e.h.seq == r[i].e.h.seq; j++) {
			if (ev_verify(&r[j].e, key) != 0)
				continue;
			if (ok != NULL && memcmp(ok->e.id, r[j].e.id, 32) != 0) {
				snprintf(why, cap, "its proof holds two key "
				    "rotations at seq %llu (a fork)",
				    (unsigned long long)r[i].e.h.seq);
				rc = I40_E_VALUE;
			}
			ok = &r[j];
		}
		if (rc == 0 && ok == NULL) {
			snprintf(why, cap, "its key rotation at seq %llu is not "
			    "signed by the key in force before it",
			    (unsigned long long)r[i].e.h.seq);
			rc = I40_E_SIG;
		}
		if (rc == 0)
			memcpy(key, ok->b->u.rotate.next, 32);
	}
	for (i = 0; i < k; i++)
		tr_dev_free(&r[i]);
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

/* The upto of key's removal in st; UINT64_MAX if none or unknown. */
static uint64_t
store_upto(struct store *st, const uint8_t key[32])
{
	struct store_member *ms = NULL;
	uint64_t upto = UINT64_MAX;
	size_t nm = 0, i;

	if (store_members(st, &ms, &nm) == 0)
		for (i = 0; i < nm; i++)
			if (memcmp(ms[i].key, key, 32) == 0 && !ms[i].active)
				upto = ms[i].upto;
	free(ms);
	return upto;
}

/*
 * A signer that the evidence does not prove, looked up in st before any
 * proof is decoded (a stranger's key must cost nothing).  Whether its
 * result counts, module and all, the store says later.
 */
static int
store_member_rule(const struct tr_dev *c, const struct tr_dev *m,
    struct store *st, struct tr_univ *u, struct tr_check *out)
{
	struct store_member *ms = NULL;
	size_t nm = 0, i;
	int known = 0;

	(void)m;
	if (store_members(st, &ms, &nm) != 0) {
		free(ms);
		entry_fail(out, "cannot read the store's members");
		return -1;
	}
	for (i = 0; i < nm; i++)
		if (memcmp(ms[i].key, c->e.h.author, 32) == 0 &&
		    !ms[i].observer) {
			known = 1;
			snprintf(u->schac, sizeof(u->schac), "%s", ms[i].schac);
			snprintf(u->name_en, sizeof(u->name_en), "%s",
			    ms[i].name_en);
			snprintf(u->name_sv, sizeof(u->name_sv), "%s",
			    ms[i].name_sv);
		}
	free(ms);
	if (!known) {
		entry_fail(out, "the signer is no university of this "
		    "federation (neither founded nor admitted)");
		return -1;
	}
	return 0;
}

static int
founder(const struct fed *f, const uint8_t key[32])
{
	const struct body_charter *ch = &f->g.b->u.charter;
	uint32_t i;

	for (i = 0; i < ch->nmembers; i++)
		if (memcmp(ch->members[i].key, key, 32) == 0)
			return 1;
	return 0;
}

/*
 * Rule 3 and 4 of §16.3: the signer is a university of the membership
 * the genesis and the evidence prove, the completion is within its
 * removal's upto, and the module is its university's (its own, or of a
 * key it succeeds, within that key's upto).  With a store, a signer the
 * evidence does not prove is looked up there instead.  0 and u, or the
 * entry failed (out says why).
 */
static int
member_rule(struct fed *f, const struct tr_dev *c, const struct tr_dev *m,
    struct store *st, struct tr_univ *u, struct tr_check *out)
{
	const struct tr_mem *b = tr_mset_find(&f->ms, c->e.h.author), *a;
	size_t hops;

	memset(u, 0, sizeof(*u));
	if (b != NULL && !b->member) {
		entry_fail(out, "the signer is an observer, not a university");
		return -1;
	}
	if (b == NULL && st == NULL) {
		entry_fail(out, "the signer is no university the genesis and the "
		    "transcript's membership evidence prove (not a founding "
		    "member, and no admission of it is carried)");
		return -1;
	}
	if (b == NULL) {
		out->admitted = 1;
		return store_member_rule(c, m, st, u, out);
	}
	out->admitted = !founder(f, b->key);
	*u = b->u;
	if (c->e.h.seq > b->upto) {
		entry_fail(out, "signed at seq %llu of its university's log, "
		    "after the federation removed that key counting its log "
		    "up to seq %llu only (docs/protocol.md §12.4)",
		    (unsigned long long)c->e.h.seq,
		    (unsigned long long)b->upto);
		return -1;
	}
	/* The module's author: the signer, or a key it succeeds (§12.7). */
	for (a = b, hops = 0; a != NULL && hops <= f->ms.n &&
	    memcmp(a->key, m->e.h.author, 32) != 0; hops++)
		a = tr_mset_succeeds(&f->ms, a);
	if (a == NULL || hops > f->ms.n) {
		entry_fail(out, "the module is not the recording university's "
		    "(neither its own nor of a key its university had before, "
		    "as the membership evidence proves)");
		return -1;
	}
	if (m->e.h.seq > a->upto) {
		entry_fail(out, "its module event is past the upto (seq %llu) of "
		    "the removed key that signed it", (unsigned long long)
		    a->upto);
		return -1;
	}
	return 0;
}

/* One entry against the federation f (and st). */
static int
verify_entry(struct fed *f, const uint8_t learner[16],
    const json_t *e, struct store *st, struct tr_check *out)
{
	struct tr_dev c, m;
	struct tr_univ u;
	struct store_completion sc;
	uint8_t key[32], rb[32], kst[32], *p;
	char why[300], hex[65];
	json_t *sum = NULL;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	memset(&m, 0, sizeof(m));
	if (!json_is_object(e))
		return entry_fail(out, "not an object");
	if ((p = tr_unb64(json_object_get(e, "completion"), &len)) == NULL) {
		entry_fail(out, "no completion event (base64)");
		goto out;
	}
	if ((rc = tr_dev_decode(&c, p, len, f->fed_id)) != 0 ||
	    c.e.h.type != BODY_COMPLETION_RECORD) {
		entry_fail(out, "its completion is no completion_record of "
		    "this federation%s%s", rc ? ": " : "",
		    rc ? i40_strerror(rc) : "");
		goto out;
	}
	if ((p = tr_unb64(json_object_get(e, "module"), &len)) == NULL) {
		entry_fail(out, "no module event (base64)");
		goto out;
	}
	if ((rc = tr_dev_decode(&m, p, len, f->fed_id)) != 0 ||
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
	if (member_rule(f, &c, &m, st, &u, out) != 0)
		goto out;
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
	sum = tr_summary(&c.b->u.completion, &m.b->u.module, &u);
	if (sum == NULL || !json_equal(sum, json_object_get(e, "summary"))) {
		entry_fail(out, "its summary does not say what the signed "
		    "events say (it was changed after it was issued)");
		goto out;
	}
	if (st != NULL) {
		rc = store_completion_get(st, c.e.id, &sc, rb);
		ctl_hex(rb, 32, hex);
		if (rc == I40_E_NOT_FOUND && store_upto(st, c.e.h.author) <
		    c.e.h.seq) {
			entry_fail(out, "signed at seq %llu, after the node's "
			    "federation removed that key counting its log up to "
			    "seq %llu only", (unsigned long long)c.e.h.seq,
			    (unsigned long long)store_upto(st, c.e.h.author));
			goto out;
		} else if (rc == I40_E_NOT_FOUND) {
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
	tr_dev_free(&c);
	tr_dev_free(&m);
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
	if ((rc = tr_dev_decode(&f.g, g, glen, NULL)) != 0 ||
	    f.g.e.h.type != BODY_GENESIS) {
		fed_free(&f);
		snprintf(why, cap, "the genesis does not decode");
		return rc != 0 ? rc : I40_E_VALUE;
	}
	memcpy(f.fed_id, f.g.e.h.fed_id, 32);
	if (json_string_value(json_object_get(doc, "federation")) == NULL ||
	    ctl_unhex(json_string_value(json_object_get(doc, "federation")),
	    fid, 32) != 0 || memcmp(fid, f.fed_id, 32) != 0) {
		fed_free(&f);
		snprintf(why, cap, "the transcript is not of this genesis's "
		    "federation");
		return I40_E_FED_ID;
	}
	if ((rc = tr_mset_eval(&f.g, json_object_get(doc, "members"), &f.ms,
	    why, cap)) != 0) {
		fed_free(&f);
		return rc;
	}
	if (json_string_value(json_object_get(doc, "learner")) == NULL ||
	    pseudonym_parse(json_string_value(json_object_get(doc,
	    "learner")), learner, pwhy, sizeof(pwhy)) != 0) {
		fed_free(&f);
		snprintf(why, cap, "its learner is not a pseudonym");
		return I40_E_VALUE;
	}
	entries = json_object_get(doc, "entries");
	if (!json_is_array(entries)) {
		fed_free(&f);
		snprintf(why, cap, "it has no list of entries");
		return I40_E_TYPE;
	}
	if ((*res = calloc(json_array_size(entries) + 1, sizeof(**res))) ==
	    NULL) {
		fed_free(&f);
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
	fed_free(&f);
	return 0;
}

json_t *
tr_verdicts_json(const char *file, const json_t *doc,
    const struct tr_check *r, size_t n, int with_node)
{
	json_t *a, *o;
	char code[TR_CODE_LEN + 1];
	uint8_t (*ids)[EV_ID_BYTES];
	const char *learner = json_string_value(json_object_get(doc,
	    "learner"));
	size_t i, good = 0;
	uint64_t total = 0;

	if ((ids = calloc(n + 1, EV_ID_BYTES)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (r[i].ok) {
			memcpy(ids[good++], r[i].id, EV_ID_BYTES);
			/* A failed attempt verifies, but earns nothing. */
			if (r[i].passed)
				total += r[i].credits;
		}
	if (tr_code((const uint8_t (*)[EV_ID_BYTES])ids, good, code) != 0) {
		free(ids);
		return NULL;
	}
	free(ids);
	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		o = json_pack("{s:I, s:s, s:b, s:b, s:I}", "entry",
		    (json_int_t)i + 1, "module", r[i].code,
		    "verified", r[i].ok, "passed", r[i].passed,
		    "credits", (json_int_t)r[i].credits);
		if (o != NULL && r[i].ok)
			json_object_set_new(o, "admitted_per_file",
			    json_boolean(r[i].admitted && !with_node));
		if (o != NULL && !r[i].ok)
			json_object_set_new(o, "reason",
			    json_string(r[i].reason));
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return json_pack("{s:s, s:s, s:b, s:I, s:I, s:I, s:s, s:o}", "file",
	    file, "learner", learner != NULL ? learner : "", "against_node",
	    with_node, "entries", (json_int_t)n, "verified", (json_int_t)good,
	    "credits", (json_int_t)total, "code", code, "verdicts", a);
}
