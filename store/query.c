/*
 * query.c: the derived state as the daemon and i40ctl read it: the
 * membership with each node's record, the catalog, one completion.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Copy a decoded string into a fixed, NUL-terminated field. */
static void
copy_str(char *dst, size_t cap, struct codec_bytes s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	/* An absent optional field has no pointer at all. */
	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void
fill_member(struct store_member *m, const struct body_member *b)
{
	copy_str(m->schac, sizeof(m->schac), b->schac);
	copy_str(m->org_no, sizeof(m->org_no), b->org_no);
	copy_str(m->country, sizeof(m->country), b->country);
	copy_str(m->name_en, sizeof(m->name_en), b->name_en);
	copy_str(m->name_sv, sizeof(m->name_sv), b->name_sv);
	copy_str(m->endpoint, sizeof(m->endpoint), b->endpoint);
	memcpy(m->transport, b->transport, sizeof(m->transport));
}

/* Room for one more element of `size` bytes in *arr (cnt used of *cap). */
static int
grow(void **arr, size_t *cap, size_t cnt, size_t size)
{
	size_t ncap;
	void *p;

	if (cnt < *cap)
		return 0;
	ncap = *cap ? 2 * *cap : 16;
	if ((p = realloc(*arr, ncap * size)) == NULL)
		return I40_E_NOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* The event at arrival number `arrival`, decoded into e and b. */
static int
load_arrival(MDB_txn *txn, struct store *st, uint64_t arrival,
    struct ev_signed *e, struct body *b)
{
	uint8_t num[8];
	MDB_val k = { 8, num }, v;
	int rc;

	store_put64(num, arrival);
	if ((rc = mdb_get(txn, st->dbi[DB_EV], &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? I40_E_CORRUPT : store_err(rc);
	return ev_decode(v.mv_data, v.mv_size, st->fed_id, e, b, NULL) == 0 ?
	    0 : I40_E_CORRUPT;
}

/*
 * The record that admitted m: a charter entry or a proposal's body.  b
 * is scratch; gb holds the genesis body once *gok (decoding it checks
 * every key in it: once per listing, not once per member).
 */
static int
member_record(MDB_txn *txn, struct store *st, struct store_member *m,
    struct body *b, struct body *gb, int *gok)
{
	static const uint8_t charter[EV_ID_BYTES];
	MDB_val k, v;
	struct ev_signed e;
	uint64_t arrival;
	uint32_t i;
	int rc;

	if (memcmp(m->admitted_by, charter, EV_ID_BYTES) != 0) {
		if ((rc = index_find_id(txn, st, m->admitted_by,
		    &arrival)) != 0)
			return rc == I40_E_NOT_FOUND ? I40_E_CORRUPT : rc;
		if ((rc = load_arrival(txn, st, arrival, &e, b)) != 0)
			return rc;
		if (b->type != BODY_MEMBER_PROPOSE ||
		    memcmp(b->u.member.key, m->key, 32) != 0)
			return I40_E_CORRUPT;
		fill_member(m, &b->u.member);
		return 0;
	}
	if (!*gok) {
		k.mv_size = 7;
		k.mv_data = "genesis";
		if ((rc = mdb_get(txn, st->dbi[DB_META], &k, &v)) != 0)
			return store_err(rc);
		if (v.mv_size != K_LOG)
			return I40_E_CORRUPT;
		if ((rc = derive_load(txn, st, v.mv_data, &e, gb)) != 0)
			return rc;
		*gok = 1;
	}
	for (i = 0; i < gb->u.charter.nmembers; i++)
		if (memcmp(gb->u.charter.members[i].key, m->key, 32) == 0) {
			fill_member(m, &gb->u.charter.members[i]);
			return 0;
		}
	return I40_E_CORRUPT;
}

int
store_members(struct store *st, struct store_member **out, size_t *n)
{
	struct store_member *ms = NULL;
	struct body *b = NULL;
	size_t cap = 0, cnt = 0;
	MDB_cursor *c = NULL;
	MDB_txn *txn;
	MDB_val k, v;
	const uint8_t *r;
	int rc, gok = 0;

	*out = NULL;
	*n = 0;
	/* b[0] scratch, b[1] the genesis body. */
	if ((b = malloc(2 * sizeof(*b))) == NULL)
		return I40_E_NOMEM;
	if ((rc = store_rtxn(st, &txn)) != 0) {
		free(b);
		return rc;
	}
	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_D_MEMBER],
	    &c))) != 0)
		goto out;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 32 || v.mv_size != D_MEMBER_BYTES) {
			rc = I40_E_CORRUPT;
			break;
		}
		if ((rc = grow((void **)&ms, &cap, cnt, sizeof(*ms))) != 0)
			break;
		memset(&ms[cnt], 0, sizeof(ms[cnt]));
		r = v.mv_data;
		memcpy(ms[cnt].key, k.mv_data, 32);
		ms[cnt].observer = r[0] == 'o';
		ms[cnt].active = r[1] != 0;
		ms[cnt].upto = store_be64(r + 2);
		memcpy(ms[cnt].admitted_by, r + 10, EV_ID_BYTES);
		memcpy(ms[cnt].removed_by, r + 42, EV_ID_BYTES);
		ms[cnt].succession = r[DM_SUCC] == SUCC_HOLDS ? 2 :
		    r[DM_SUCC] == SUCC_PENDING ? 1 : 0;
		memcpy(ms[cnt].succeeds, r + DM_PRED, KEY_PK_BYTES);
		if ((rc = member_record(txn, st, &ms[cnt], &b[0], &b[1],
		    &gok)) != 0 ||
		    (rc = store_rot_at(txn, st, ms[cnt].key, UINT64_MAX,
		    ms[cnt].signing, ms[cnt].transport,
		    &ms[cnt].rotated)) != 0)
			break;
		cnt++;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc > 0)
		rc = store_err(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	store_rtxn_end(st, txn);
	free(b);
	if (rc != 0) {
		free(ms);
		return rc;
	}
	*out = ms;
	*n = cnt;
	return 0;
}

int
store_university_key(struct store *st, const uint8_t author[KEY_PK_BYTES],
    uint8_t inst[KEY_PK_BYTES])
{
	MDB_txn *txn;
	int rc;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	rc = derive_inst(txn, st, author, inst);
	store_rtxn_end(st, txn);
	return rc;
}

/* Does a rotation of author name pk (*yes), and is it the latest (*now)? */
static int
rotated_to(MDB_txn *txn, struct store *st, const uint8_t *author,
    const uint8_t pk[32], int *now)
{
	uint8_t key[32];
	uint64_t at;
	int rc;

	if ((rc = store_rot_at(txn, st, author, UINT64_MAX, key, NULL,
	    &at)) != 0)
		return rc;
	*now = memcmp(key, pk, 32) == 0;
	return 0;
}

int
store_key_owner(struct store *st, const uint8_t pk[KEY_PK_BYTES],
    uint8_t author[KEY_PK_BYTES])
{
	MDB_cursor *c = NULL;
	MDB_txn *txn;
	MDB_val k = { 32, (void *)pk }, v;
	int rc, now = 0, seen = 0;

	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	/* An identity key (charter or admission), in force unless rotated. */
	if ((rc = mdb_get(txn, st->dbi[DB_D_MEMBER], &k, &v)) == 0) {
		if ((rc = rotated_to(txn, st, pk, pk, &now)) == 0) {
			memcpy(author, pk, 32);
			rc = now ? 0 : I40_E_WRONG_KEY;
		}
		goto out;
	}
	if (rc != MDB_NOTFOUND) {
		rc = store_err(rc);
		goto out;
	}
	/* A next key: rotations are few, a scan is cheap. */
	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_ROT], &c))) != 0)
		goto out;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != K_LOG || v.mv_size != 64) {
			rc = I40_E_CORRUPT;
			goto out;
		}
		if (memcmp(v.mv_data, pk, 32) != 0)
			continue;
		seen = 1;
		if ((rc = rotated_to(txn, st, k.mv_data, pk, &now)) != 0)
			goto out;
		if (now) {
			memcpy(author, k.mv_data, 32);
			rc = 0;
			goto out;
		}
	}
	rc = rc == MDB_NOTFOUND || rc == 0 ?
	    (seen ? I40_E_WRONG_KEY : I40_E_NOT_FOUND) : store_err(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	store_rtxn_end(st, txn);
	return rc;
}

void
store_modules_free(struct store_module *ms, size_t n)
{
	size_t i;

	if (ms == NULL)
		return;
	for (i = 0; i < n; i++)
		free(ms[i].bytes);
	free(ms);
}

/*
 * Copy the current version of the d_module entry (k, v) into m, with its
 * signed event if bytes.
 */
static int
module_at(MDB_txn *txn, struct store *st, const MDB_val *k, const MDB_val *v,
    int bytes, struct store_module *m)
{
	uint8_t num[8];
	MDB_val ek = { 8, num }, ev;
	uint64_t arrival;
	int rc;

	if (k->mv_size < 32 + 2 || k->mv_size > 32 + 32 || v->mv_size != 33)
		return I40_E_CORRUPT;
	memcpy(m->author, k->mv_data, 32);
	memcpy(m->code, (const uint8_t *)k->mv_data + 32, k->mv_size - 32);
	m->code[k->mv_size - 32] = '\0';
	memcpy(m->id, v->mv_data, 32);
	m->retired = ((const uint8_t *)v->mv_data)[32] != 0;
	if (!bytes)
		return 0;
	if ((rc = index_find_id(txn, st, m->id, &arrival)) != 0)
		return rc == I40_E_NOT_FOUND ? I40_E_CORRUPT : rc;
	store_put64(num, arrival);
	if ((rc = mdb_get(txn, st->dbi[DB_EV], &ek, &ev)) != 0)
		return rc == MDB_NOTFOUND ? I40_E_CORRUPT : store_err(rc);
	if ((m->bytes = malloc(ev.mv_size)) == NULL)
		return I40_E_NOMEM;
	memcpy(m->bytes, ev.mv_data, ev.mv_size);
	m->len = ev.mv_size;
	return 0;
}

static int
modules(struct store *st, int bytes, struct store_module **out, size_t *n)
{
	struct store_module *ms = NULL;
	size_t cap = 0, cnt = 0;
	MDB_cursor *c = NULL;
	MDB_txn *txn;
	MDB_val k, v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = store_err(mdb_cursor_open(txn, st->dbi[DB_D_MODULE],
	    &c))) != 0)
		goto out;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((rc = grow((void **)&ms, &cap, cnt, sizeof(*ms))) != 0)
			break;
		memset(&ms[cnt], 0, sizeof(ms[cnt]));
		rc = module_at(txn, st, &k, &v, bytes, &ms[cnt]);
		cnt++;
		if (rc != 0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc > 0)
		rc = store_err(rc);
out:
	if (c != NULL)
		mdb_cursor_close(c);
	store_rtxn_end(st, txn);
	if (rc != 0) {
		store_modules_free(ms, cnt);
		return rc;
	}
	*out = ms;
	*n = cnt;
	return 0;
}

int
store_modules(struct store *st, struct store_module **out, size_t *n)
{
	return modules(st, 1, out, n);
}

int
store_module_ids(struct store *st, struct store_module **out, size_t *n)
{
	return modules(st, 0, out, n);
}

int
store_completion_get(struct store *st, const uint8_t id[EV_ID_BYTES],
    struct store_completion *out, uint8_t revoked_by[EV_ID_BYTES])
{
	uint8_t num[8], lk[K_LOG];
	MDB_val k = { 8, num }, v;
	struct ev_signed e;
	const uint8_t *p;
	uint64_t arrival;
	MDB_txn *txn;
	int rc;

	memset(out, 0, sizeof(*out));
	if (revoked_by != NULL)
		memset(revoked_by, 0, EV_ID_BYTES);
	if ((rc = store_rtxn(st, &txn)) != 0)
		return rc;
	if ((rc = index_find_id(txn, st, id, &arrival)) != 0)
		goto out;
	store_put64(num, arrival);
	/* d_compl holds exactly the completions that count. */
	if ((rc = mdb_get(txn, st->dbi[DB_D_COMPL], &k, &v)) != 0) {
		rc = rc == MDB_NOTFOUND ? I40_E_NOT_FOUND : store_err(rc);
		goto out;
	}
	if (v.mv_size != COMPL_BYTES) {
		rc = I40_E_CORRUPT;
		goto out;
	}
	p = v.mv_data;
	memcpy(out->learner, p, 16);
	memcpy(out->module, p + 16, 32);
	out->passed = p[48];
	out->revoked = p[49];
	k.mv_size = 8;
	k.mv_data = num;
	if ((rc = mdb_get(txn, st->dbi[DB_EV], &k, &v)) != 0 ||
	    ev_decode(v.mv_data, v.mv_size, st->fed_id, &e, NULL, NULL) != 0) {
		rc = rc == 0 || rc == MDB_NOTFOUND ? I40_E_CORRUPT :
		    store_err(rc);
		goto out;
	}
	memcpy(out->author, e.h.author, 32);
	out->seq = e.h.seq;
	memcpy(out->id, e.id, 32);
	if (out->revoked && revoked_by != NULL) {
		store_logkey(lk, e.h.author, e.h.seq);
		k.mv_size = K_LOG;
		k.mv_data = lk;
		if ((rc = mdb_get(txn, st->dbi[DB_D_REVOKE], &k, &v)) != 0 ||
		    v.mv_size != EV_ID_BYTES) {
			rc = rc == 0 || rc == MDB_NOTFOUND ? I40_E_CORRUPT :
			    store_err(rc);
			goto out;
		}
		memcpy(revoked_by, v.mv_data, EV_ID_BYTES);
	}
out:
	store_rtxn_end(st, txn);
	return rc;
}
