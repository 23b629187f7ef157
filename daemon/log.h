/*
 * log.h: the daemon's log, to stderr, one line per message, with a level
 * journald understands ("<3>" ... "<7>" prefixes when stderr is the
 * journal, a timestamp otherwise).  Model: bgpd's log.h.
 *
 * Messages say what happened and what to do.  Never log a secret key.
 *
 * THREAD SAFETY: every call writes its line with one write(2), so lines of
 * concurrent threads do not interleave.  log_init and log_set_level are
 * for the main thread, before threads start or between polls.
 */
#ifndef I40_LOG_H
#define I40_LOG_H

#include <stdint.h>

enum log_level {
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7
};

/*
 * name prefixes every line ("i40d"); level is the most verbose level
 * printed.  Lines carry syslog priority prefixes when JOURNAL_STREAM says
 * stderr is the journal.
 */
void log_init(const char *name, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warn", "info", "debug" -> level; -1 if unknown. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level level);

/* log_warn adds the text of errno (rc: 0 or a negative i40/errno code). */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(int rc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For start-up and broken invariants only, never for a peer's bytes. */
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * A rate limit per key: at most one line per `interval_ms` for each of a
 * small set of recent keys (e.g. a peer's public key), counting what it
 * suppressed.  Returns 1 when the caller may log now, with *suppressed
 * set to the number of lines skipped since the last one.  The caller owns
 * the struct; zero it to start.
 */
#define LOG_RL_SLOTS 64
struct log_ratelimit {
	struct {
		uint8_t key[32];
		uint64_t last_ms;
		uint64_t suppressed;
	} slot[LOG_RL_SLOTS];
};
int log_ratelimit(struct log_ratelimit *rl, const uint8_t key[32],
    uint64_t now_ms, uint64_t interval_ms, uint64_t *suppressed);

/* A short hex prefix of a key for log lines: 16 hex digits + NUL. */
void log_keyhex(const uint8_t key[32], char out[17]);

#endif
