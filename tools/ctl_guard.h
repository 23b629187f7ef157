/*
 * ctl_guard.h: a registrar's guardrails (docs/i40ctl.md, "Guardrails").
 *
 * The protocol takes any two letters as a language and any valid date as
 * a decision date, because no validity rule may depend on a list that
 * changes or on a clock.  A person typing a record makes mistakes those
 * rules cannot catch, and a signed record is never edited, only revoked;
 * so i40ctl refuses (or, where the value may be meant, warns about) what
 * is almost surely a mistake, before anything is signed.  Every function
 * here says what it found on stderr, naming the flag and the value.
 */
#ifndef I40_CTL_GUARD_H
#define I40_CTL_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/codec.h"

/*
 * Is code[0..len) an ISO 639-1 language code?  1 yes, 0 no.  *name gets
 * its English name, or NULL.
 */
int ctl_lang_known(const uint8_t *code, size_t len, const char **name);

/*
 * The languages of a module, as given with --lang or the file's "lang":
 * 0 when each is an ISO 639-1 code (a warning on stderr for one that is
 * more often a country code typed by mistake, such as se for sv), or
 * I40_E_VALUE when one is not (reported, with the code likely meant).
 */
int ctl_lang_check(const struct codec_bytes *lang, uint32_t n)
    I40_MUST_CHECK;

/* Today's date in local time as YYYY-MM-DD (11 bytes with the NUL). */
void ctl_today(char out[11]);

/*
 * A date of a completion (flag names it, e.g. "--decision-date") that
 * lies after today (local time): I40_E_DATE, reported; 0 otherwise.  An
 * examination or a decision cannot have happened yet.
 */
int ctl_date_not_future(const struct codec_bytes *date, const char *flag)
    I40_MUST_CHECK;

#endif
