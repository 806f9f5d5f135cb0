/*
 * log.c - logging to the journal, stderr or a forwarder; see log.h.
 */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#define LOG_MAX_FIELDS 16
#define LOG_LINE_MAX 4096

static enum log_target log_target_current = LOG_TARGET_STDERR;
static int log_max_priority = LOG_INFO;
static log_forwarder log_forward_fn;

void log_setup(enum log_target target, int max_priority)
{
	if (target == LOG_TARGET_AUTO)
		target = access("/run/systemd/journal/socket", W_OK) == 0 ?
		    LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
	log_target_current = target;
	log_max_priority = max_priority;
}

int log_get_max_priority(void)
{
	return log_max_priority;
}

void log_set_forwarder(log_forwarder fn)
{
	log_forward_fn = fn;
}

int log_level_from_string(const char *s)
{
	static const struct { const char *name; int priority; } levels[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcasecmp(s, levels[i].name) == 0)
			return levels[i].priority;
	return -EINVAL;
}

static void log_write_stderr(int priority, const char *line)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error",
		"warning", "notice", "info", "debug" };

	/* One write per line keeps lines from several threads whole. */
	dprintf(STDERR_FILENO, "containarium[%d]: %s: %s\n", (int)getpid(),
	    names[priority & 7], line);
}

/* Sends line plus fields to the journal; falls back to stderr on error. */
static void log_write_journal(int priority, const char *line,
    const char *const *fields)
{
	struct iovec iov[LOG_MAX_FIELDS + 3];
	char prio[16], *msg = NULL;
	int n = 0;

	snprintf(prio, sizeof(prio), "PRIORITY=%d", priority & 7);
	if (asprintf(&msg, "MESSAGE=%s", line) < 0) {
		log_write_stderr(priority, line);
		return;
	}
	iov[n++] = (struct iovec){ msg, strlen(msg) };
	iov[n++] = (struct iovec){ prio, strlen(prio) };
	iov[n++] = (struct iovec){ "SYSLOG_IDENTIFIER=containarium", 30 };
	for (size_t i = 0; fields && fields[i] && i < LOG_MAX_FIELDS; i++)
		iov[n++] = (struct iovec){ (void *)fields[i], strlen(fields[i]) };
	if (sd_journal_sendv(iov, n) < 0)
		log_write_stderr(priority, line);
	free(msg);
}

static void log_dispatch(int priority, const char *const *fields,
    const char *format, va_list ap)
{
	char line[LOG_LINE_MAX];

	if ((priority & 7) > log_max_priority)
		return;
	vsnprintf(line, sizeof(line), format, ap);
	if (log_forward_fn)
		log_forward_fn(priority & 7, line);
	else if (log_target_current == LOG_TARGET_JOURNAL)
		log_write_journal(priority, line, fields);
	else
		log_write_stderr(priority, line);
}

void log_internal(int priority, const char *format, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, format);
	log_dispatch(priority, NULL, format, ap);
	va_end(ap);
	errno = saved;
}

void log_fields(int priority, const char *const *fields, const char *format, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, format);
	log_dispatch(priority, fields, format, ap);
	va_end(ap);
	errno = saved;
}

int log_errno(int priority, int err, const char *format, ...)
{
	va_list ap;

	errno = err < 0 ? -err : err;
	va_start(ap, format);
	log_dispatch(priority, NULL, format, ap);
	va_end(ap);
	return err < 0 ? err : -err;
}

noreturn void log_fatal(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	log_dispatch(LOG_CRIT, NULL, format, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}
