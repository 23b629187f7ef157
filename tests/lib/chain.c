/* chain.c: one author's chain of signed events (see chain.h). */
#include "chain.h"

#include <stdlib.h>
#include <string.h>

#include "store/store.h"

void
sample_chain_init(struct sample_chain *c, size_t author)
{
	memset(c, 0, sizeof(*c));
	c->author = author;
}

int
sample_chain_genesis(struct sample_chain *c, const struct sample_fed *f)
{
	struct sample_rng r;
	int rc;

	sample_chain_init(c, 0);
	if ((c->buf[0] = malloc(EV_MAX_BYTES)) == NULL)
		return I40_E_NOMEM;
	sample_seed(&r, 1);
	if ((rc = sample_event(f, 0, 1, NULL, BODY_GENESIS, &r, c->buf[0],
	    EV_MAX_BYTES, &c->len[0], c->id[0])) != 0) {
		free(c->buf[0]);
		c->buf[0] = NULL;
		return rc;
	}
	memcpy(c->prev, c->id[0], EV_ID_BYTES);
	c->seq = 1;
	return 0;
}

int
sample_chain_next(struct sample_chain *c, const struct sample_fed *f,
    const struct body *b, size_t *i)
{
	size_t n = (size_t)c->seq;
	int rc;

	if (n >= SAMPLE_CHAIN_MAX)
		return I40_E_TOO_LONG;
	if ((c->buf[n] = malloc(EV_MAX_BYTES + 64)) == NULL)
		return I40_E_NOMEM;
	if ((rc = sample_sign_body(f, c->author, c->seq + 1, c->prev, b,
	    c->buf[n], EV_MAX_BYTES + 64, &c->len[n], c->id[n])) != 0) {
		free(c->buf[n]);
		c->buf[n] = NULL;
		return rc;
	}
	memcpy(c->prev, c->id[n], EV_ID_BYTES);
	c->seq++;
	*i = n;
	return 0;
}

void
sample_chain_free(struct sample_chain *c)
{
	while (c->seq > 0)
		free(c->buf[--c->seq]);
}

int
sample_chain_endorse(struct sample_chain *c, const struct sample_fed *f,
    const uint8_t proposal[EV_ID_BYTES], size_t *i)
{
	struct body b;

	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_ENDORSE;
	memcpy(b.u.endorse.proposal, proposal, EV_ID_BYTES);
	return sample_chain_next(c, f, &b, i);
}

int
sample_chain_remove(struct sample_chain *c, const struct sample_fed *f,
    size_t key, uint64_t upto, const char *reason, size_t *i)
{
	struct body b;

	memset(&b, 0, sizeof(b));
	b.type = BODY_MEMBER_REMOVE;
	memcpy(b.u.remove.key, f->pk[key], KEY_PK_BYTES);
	b.u.remove.upto = upto;
	b.u.remove.reason.p = (const uint8_t *)reason;
	b.u.remove.reason.len = strlen(reason);
	return sample_chain_next(c, f, &b, i);
}

int
sample_chain_offer(struct store *st, const struct sample_chain *c,
    const struct sample_fed *f, size_t from, size_t to,
    struct store_outcome *out)
{
	struct store_item *items;
	size_t i;
	int rc = 0;

	if (to <= from)
		return 0;
	if ((items = calloc(to - from, sizeof(*items))) == NULL)
		return I40_E_NOMEM;
	for (i = from; i < to && rc == 0; i++) {
		rc = ev_decode(c->buf[i], c->len[i], f->fed_id,
		    &items[i - from].ev, NULL, NULL);
		memcpy(items[i - from].key, f->pk[c->author], KEY_PK_BYTES);
	}
	if (rc == 0)
		rc = store_append(st, items, to - from, out);
	free(items);
	return rc;
}
