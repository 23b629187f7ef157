/*
 * log.c: leveled lines on stderr (see log.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "protocol/errors.h"
#include "log.h"

/*
 * The log is process-wide by nature (stderr is), so its two settings are
 * the one piece of file-level state in daemon/.
 */
static const char *log_name = "i40d";
/* Set by the main thread (reload), read by every thread that logs. */
static _Atomic enum log_level log_max = LOG_LVL_INFO;
static int log_journal;

void
log_init(const char *name, enum log_level level)
{
	log_name = name;
	log_max = level;
	/* systemd sets JOURNAL_STREAM when stderr is connected to journald. */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_set_level(enum log_level level)
{
	log_max = level;
}

enum log_level
log_get_level(void)
{
	return log_max;
}

int
log_level_parse(const char *s)
{
	if (strcmp(s, "error") == 0)
		return LOG_LVL_ERROR;
	if (strcmp(s, "warn") == 0 || strcmp(s, "warning") == 0)
		return LOG_LVL_WARN;
	if (strcmp(s, "info") == 0)
		return LOG_LVL_INFO;
	if (strcmp(s, "debug") == 0)
		return LOG_LVL_DEBUG;
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERROR:
		return "error";
	case LOG_LVL_WARN:
		return "warn";
	case LOG_LVL_INFO:
		return "info";
	case LOG_LVL_DEBUG:
		return "debug";
	}
	return "info";
}

static void vlog(enum log_level level, const char *suffix, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void
vlog(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	char line[2048];
	size_t n = 0;
	int w;

	if (level > log_max)
		return;
	if (log_journal) {
		w = snprintf(line, sizeof(line), "<%d>", (int)level);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		w = snprintf(line, sizeof(line),
		    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld] %s: ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_name,
		    (long)getpid(), log_level_name(level));
	}
	if (w > 0)
		n = (size_t)w < sizeof(line) ? (size_t)w : sizeof(line) - 1;
	w = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (w > 0)
		n += (size_t)w < sizeof(line) - n ? (size_t)w :
		    sizeof(line) - n - 1;
	if (suffix != NULL) {
		size_t sl = strlen(suffix);

		if (n + 2 + sl < sizeof(line) - 1) {
			memcpy(line + n, ": ", 2);
			memcpy(line + n + 2, suffix, sl);
			n += 2 + sl;
		}
	}
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line; a failed log write has nowhere to go. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

#define LOGFN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	vlog(level, NULL, fmt, ap);				\
	va_end(ap);						\
}
LOGFN(log_error, LOG_LVL_ERROR)
LOGFN(log_warnx, LOG_LVL_WARN)
LOGFN(log_info, LOG_LVL_INFO)
LOGFN(log_debug, LOG_LVL_DEBUG)
#undef LOGFN

void
log_warn(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, rc != 0 ? i40_strerror(rc) : NULL, fmt, ap);
	va_end(ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

int
log_ratelimit(struct log_ratelimit *rl, const uint8_t key[32],
    uint64_t now_ms, uint64_t interval_ms, uint64_t *suppressed)
{
	size_t i, oldest = 0;

	for (i = 0; i < LOG_RL_SLOTS; i++) {
		if (memcmp(rl->slot[i].key, key, 32) == 0 &&
		    rl->slot[i].last_ms != 0)
			break;
		if (rl->slot[i].last_ms < rl->slot[oldest].last_ms)
			oldest = i;
	}
	if (i == LOG_RL_SLOTS) {
		/* A new key takes the stalest slot. */
		i = oldest;
		memcpy(rl->slot[i].key, key, 32);
		rl->slot[i].last_ms = 0;
		rl->slot[i].suppressed = 0;
	}
	if (rl->slot[i].last_ms != 0 &&
	    now_ms - rl->slot[i].last_ms < interval_ms) {
		rl->slot[i].suppressed++;
		return 0;
	}
	*suppressed = rl->slot[i].suppressed;
	rl->slot[i].suppressed = 0;
	rl->slot[i].last_ms = now_ms ? now_ms : 1;
	return 1;
}

void
log_keyhex(const uint8_t key[32], char out[17])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 8; i++) {
		out[2 * i] = hex[key[i] >> 4];
		out[2 * i + 1] = hex[key[i] & 15];
	}
	out[16] = '\0';
}
