/*
 * log.h - the one logging path of every process.
 *
 * The master writes to the journal (structured fields, sd_journal_sendv)
 * or to stderr when there is no journal. A sandboxed worker cannot reach
 * the journal: it installs a forwarder that ships each line to the master.
 * Library-like code (src/incus, parsers, validators) never logs.
 */
#ifndef CONTAINARIUM_LOG_H
#define CONTAINARIUM_LOG_H

#include <stdarg.h>
#include <stdnoreturn.h>
#include <syslog.h>

enum log_target {
	LOG_TARGET_AUTO,     /* journal if its socket exists, else stderr */
	LOG_TARGET_JOURNAL,
	LOG_TARGET_STDERR,
};

typedef void (*log_forwarder)(int priority, const char *message);

/* Chooses where lines go and the least important priority still written. */
void log_setup(enum log_target target, int max_priority);

/* Returns the current maximum priority (LOG_DEBUG writes everything). */
int log_get_max_priority(void);

/* Sends every line to fn instead (NULL restores the target). */
void log_set_forwarder(log_forwarder fn);

/* Parses "error", "warning", "info", "debug"; returns -EINVAL otherwise. */
int log_level_from_string(const char *s);

/*
 * Writes one line. "%m" is errno at the time of the call. Fields are extra
 * "KEY=value" journal fields, NULL-terminated (log_fields only).
 */
void log_internal(int priority, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
void log_fields(int priority, const char *const *fields, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Logs with errno set to -err (for %m) and returns err, which is negative. */
int log_errno(int priority, int err, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

noreturn void log_fatal(const char *format, ...)
	__attribute__((format(printf, 1, 2)));

#define log_debug(...) log_internal(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_internal(LOG_ERR, __VA_ARGS__)
#define log_error_errno(err, ...) log_errno(LOG_ERR, (err), __VA_ARGS__)
#define log_warning_errno(err, ...) log_errno(LOG_WARNING, (err), __VA_ARGS__)

#endif
