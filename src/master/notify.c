/*
 * notify.c - the sd_notify protocol, from the master only; see notify.h.
 *
 * Written against the protocol rather than with sd_notify() because
 * sd_notify() reads NOTIFY_SOCKET from the environment at every call,
 * and the environment is what workers inherit: taking the address once
 * and removing it keeps the channel to the service manager the master's
 * alone (the unit also says NotifyAccess=main).
 */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#define NOTIFY_STATUS_MAX 512

static int notify_fd = -1;
static uint64_t notify_watchdog;

/* Fills sa from a NOTIFY_SOCKET value ("/path" or "@abstract"). Returns
 * the address length or a negative errno. */
static int notify_address(const char *value, struct sockaddr_un *sa)
{
	size_t len = strlen(value);

	if ((value[0] != '/' && value[0] != '@') || len < 2 || len >= sizeof(sa->sun_path))
		return -EINVAL;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, value, len);
	if (value[0] == '@')
		sa->sun_path[0] = '\0';
	return (int)(offsetof(struct sockaddr_un, sun_path) + len + (value[0] == '/'));
}

int notify_init(void)
{
	const char *value = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	int len, fd, r;

	if (sd_watchdog_enabled(1, &notify_watchdog) <= 0)
		notify_watchdog = 0;
	if (!value)
		return 0;
	len = notify_address(value, &sa);
	(void)unsetenv("NOTIFY_SOCKET");
	if (len < 0)
		return len;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, (socklen_t)len) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	notify_fd = fd;
	return 0;
}

uint64_t notify_watchdog_usec(void)
{
	return notify_watchdog;
}

int notify_send(const char *state)
{
	if (notify_fd < 0)
		return 0;
	if (send(notify_fd, state, strlen(state), MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

int notify_reloading(void)
{
	char buf[64];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	return notify_send(buf);
}

int notify_status(const char *format, ...)
{
	char buf[NOTIFY_STATUS_MAX];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "STATUS=");
	va_start(ap, format);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, format, ap);
	va_end(ap);
	return notify_send(buf);
}

void notify_done(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}
