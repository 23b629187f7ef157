/* ctl_genesis.c: a genesis event from a JSON charter (see ctl_genesis.h). */
#include "ctl_genesis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static void
set_err(struct ctl_err *err, int code, const char *field)
{
	err->code = code;
	err->whole = 0;
	snprintf(err->field, sizeof(err->field), "%s", field);
	err->text[0] = '\0';
}

/* The signer must found the federation as a member (§4.6, rule 3). */
static int
check_signer(const struct body_charter *c, const uint8_t pk[KEY_PK_BYTES],
    struct ctl_err *err)
{
	char hex[2 * KEY_PK_BYTES + 1], field[32];
	uint32_t i, j;

	for (i = 0; i < c->nmembers; i++)
		for (j = 0; j < i; j++)
			if (memcmp(c->members[i].key, c->members[j].key,
			    KEY_PK_BYTES) == 0) {
				snprintf(field, sizeof(field),
				    "members[%u].key", i);
				set_err(err, I40_E_VALUE, field);
				snprintf(err->text, sizeof(err->text), "the "
				    "same key as members[%u]; each member "
				    "needs its own key (i40ctl keygen)", j);
				return I40_E_VALUE;
			}
	ctl_hex(pk, KEY_PK_BYTES, hex);
	for (i = 0; i < c->nmembers; i++) {
		if (memcmp(c->members[i].key, pk, KEY_PK_BYTES) != 0)
			continue;
		if (c->members[i].role.len == 6 &&
		    memcmp(c->members[i].role.p, "member", 6) == 0)
			return 0;
		snprintf(field, sizeof(field), "members[%u].role", i);
		set_err(err, I40_E_VALUE, field);
		snprintf(err->text, sizeof(err->text), "the signing key %s "
		    "belongs to an observer; a genesis must be signed by a "
		    "founding member with role \"member\"", hex);
		return I40_E_VALUE;
	}
	set_err(err, I40_E_UNKNOWN_AUTHOR, "members");
	snprintf(err->text, sizeof(err->text), "the signing key %s is not a "
	    "founding member; add it to \"members\" with role \"member\", or "
	    "sign with the key file of a founding member", hex);
	return I40_E_UNKNOWN_AUTHOR;
}

int
ctl_genesis_build(const json_t *charter, const struct key_secret *k,
    uint64_t time_ms, uint8_t *out, size_t cap, size_t *len,
    uint8_t fed_id[EV_FED_ID_BYTES], struct ctl_err *err)
{
	struct ctl_record rec;
	struct ev_header h;
	struct ev_signed e;
	struct codec_err ce;
	uint8_t *body = NULL, id[EV_ID_BYTES];
	size_t blen;
	int rc;

	memset(err, 0, sizeof(*err));
	if ((rc = ctl_record_init(&rec, BODY_GENESIS)) != 0) {
		set_err(err, rc, "");
		return rc;
	}
	if ((rc = ctl_record_json(&rec, charter, err)) != 0)
		goto out;
	memset(&h, 0, sizeof(h));
	key_public(k, h.author);
	if ((rc = check_signer(&rec.body->u.charter, h.author, err)) != 0)
		goto out;
	if ((body = malloc(EV_MAX_BYTES)) == NULL) {
		rc = I40_E_NOMEM;
		set_err(err, rc, "");
		goto out;
	}
	if ((rc = ctl_record_encode(&rec, NULL, body, EV_MAX_BYTES, &blen,
	    err)) != 0)
		goto out;
	ev_fed_id(body, blen, h.fed_id);
	h.seq = 1;
	h.time_ms = time_ms > EV_TIME_MAX ? EV_TIME_MAX : time_ms;
	h.type = BODY_GENESIS;
	if ((rc = ev_sign(&h, body, blen, k, out, cap, len, id)) != 0) {
		set_err(err, rc, "");
		goto out;
	}
	/* Read it back as every node will: decode, then verify. */
	memset(&ce, 0, sizeof(ce));
	if ((rc = ev_decode(out, *len, NULL, &e, NULL, &ce)) != 0 ||
	    (rc = ev_verify(&e, h.author)) != 0) {
		set_err(err, rc, ce.field);
		snprintf(err->text, sizeof(err->text), "the genesis i40ctl "
		    "made does not decode; this is a bug, please report it");
		goto out;
	}
	memcpy(fed_id, h.fed_id, EV_FED_ID_BYTES);
out:
	free(body);
	ctl_record_free(&rec);
	return rc;
}
