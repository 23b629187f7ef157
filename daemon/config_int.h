/*
 * config_int.h: what config.c shares with the files that check the other
 * sections of the file (config_http.c).  Not an API outside daemon/config*.
 *
 * Each check writes its message into err[0..errlen) without FILE:LINE
 * (the loader adds it) and returns I40_E_CONFIG; c is unchanged then.
 */
#ifndef I40_CONFIG_INT_H
#define I40_CONFIG_INT_H

#include <stddef.h>
#include <stdio.h>

#include "daemon/config.h"

#define QUOTE_MAX 64		/* bytes of a value shown in a message */

/* A value quoted for a message: controls and non-ASCII as \xNN. */
struct config_quoted {
	char s[QUOTE_MAX * 4 + 8];
};

const char *config_quote(struct config_quoted *q, const char *s);
/* The message into err, if there is room (it may be cut); I40_E_CONFIG. */
int config_bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Not empty, not in quotes. */
int config_value_plain(const char *key, const char *v, char *err,
    size_t errlen);
/* "500ms", "5s", "2m", "1h" or seconds: 0, -1 not one, -2 out of range. */
int config_duration(const char *v, unsigned *ms);
/* Replace *out with a copy of v. */
int config_str_set(const char *v, char **out, char *err, size_t errlen);

/* [http]: its keys, each settable once per file. */
enum http_key { H_LISTEN, H_CONNECTIONS, H_TIMEOUT, H_COUNT };
/* The key's number, or -1. */
int config_http_key(const char *key);
#define HTTP_KEYS_TEXT "listen, connections, timeout"
int config_http_set(struct config *c, enum http_key k, const char *v,
    char *err, size_t errlen);
/* The [http] section as config_print writes it: 0, or 1 on a write error. */
int config_http_print(const struct config *c, FILE *f);

#endif
