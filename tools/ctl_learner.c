/*
 * ctl_learner.c: a learner as a registrar names one, by personal identity
 * number or e-mail address, and the pseudonym this node issued to it
 * (ctl_learner.h).
 */
#include "ctl_learner.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ctl.h"
#include "ctl_node.h"
#include "pnr.h"

/* Today, as the machine's clock and time zone say. */
static void
today_of(struct pnr_date *d)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	d->year = tm.tm_year + 1900;
	d->month = tm.tm_mon + 1;
	d->day = tm.tm_mday;
}

int
ctl_learner_norm(const char *pnr, const char *email,
    struct ctl_learner_key *id, char *why, size_t cap)
{
	struct pnr_date today;
	char norm[PNR_LEN + 1];
	const char *at;
	size_t i, len;
	int rc;

	if (pnr != NULL) {
		today_of(&today);
		rc = pnr_parse(pnr, &today, norm, NULL, why, cap);
		if (rc != 0) {
			sodium_memzero(norm, sizeof(norm));
			return rc;
		}
		snprintf(id->key, sizeof(id->key), "pnr:%s", norm);
		sodium_memzero(norm, sizeof(norm));
		return 0;
	}
	len = strlen(email);
	at = strchr(email, '@');
	if (len == 0 || len > CTL_EMAIL_MAX_BYTES || at == NULL || at == email ||
	    strchr(at + 1, '@') != NULL || strchr(at + 1, '.') == NULL ||
	    at[1] == '.' || email[len - 1] == '.') {
		snprintf(why, cap, "not an e-mail address (local@domain.tld, "
		    "at most %d bytes)", CTL_EMAIL_MAX_BYTES);
		return I40_E_VALUE;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)email[i] <= ' ' || email[i] == 0x7f) {
			snprintf(why, cap, "an e-mail address holds no spaces "
			    "or control characters");
			return I40_E_VALUE;
		}
	/* The domain is case-blind; the local part is the mail server's. */
	snprintf(id->key, sizeof(id->key), "email:%s", email);
	for (i = 6 + (size_t)(at - email); id->key[i] != '\0'; i++)
		if (id->key[i] >= 'A' && id->key[i] <= 'Z')
			id->key[i] = (char)(id->key[i] - 'A' + 'a');
	return 0;
}

int
ctl_learner_key(const char *pnr, const char *email, const char *usage,
    struct ctl_learner_key *id)
{
	char why[200], line[64];
	int rc;

	if ((pnr == NULL) == (email == NULL)) {
		if (usage == NULL) {
			ctl_errx("give --pnr NUMBER or --email ADDRESS (one of "
			    "them)");
			return CTL_EXIT_USAGE;
		}
		return ctl_usage_error(usage, "give --pnr NUMBER or --email "
		    "ADDRESS (one of them)");
	}
	if (pnr != NULL && strcmp(pnr, "-") == 0) {
		/* Out of `ps' and the shell's history: read it from stdin. */
		if (fgets(line, sizeof(line), stdin) == NULL) {
			ctl_errx("--pnr -: no number on standard input");
			return CTL_EXIT_ERR;
		}
		line[strcspn(line, "\r\n")] = '\0';
		pnr = line;
	}
	rc = ctl_learner_norm(pnr, email, id, why, sizeof(why));
	sodium_memzero(line, sizeof(line));
	if (rc == 0)
		return 0;
	if (pnr != NULL)
		ctl_errx("--pnr: not a personal identity number: %s", why);
	else
		ctl_errx("--email: %s", why);
	return CTL_EXIT_ERR;
}

int
ctl_learner_lookup(const char *datadir, const char *pnr, const char *email,
    uint8_t p[PSEUDONYM_BYTES])
{
	struct ctl_learner_key id;
	struct store *st;
	int rc;

	if ((rc = ctl_learner_key(pnr, email, NULL, &id)) != 0)
		return rc;
	if (ctl_store_open_with(ctl_datadir(datadir), 1, &st) != 0)
		return CTL_EXIT_ERR;
	rc = store_learner_find(st, id.key, p);
	sodium_memzero(&id, sizeof(id));
	store_close(st);
	if (rc == I40_E_NOT_FOUND) {
		ctl_errx("--%s: this node added no learner of that %s: `i40ctl "
		    "learner add` issues a pseudonym", pnr != NULL ? "pnr" :
		    "email", pnr != NULL ? "number" : "address");
		return CTL_EXIT_ERR;
	}
	if (rc != 0) {
		ctl_err(rc, "cannot read the private store");
		return CTL_EXIT_ERR;
	}
	return 0;
}
