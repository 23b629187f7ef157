/* chain.c: one author's chain of signed events (see chain.h). */
#include "chain.h"

#include <stdlib.h>
#include <string.h>

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
