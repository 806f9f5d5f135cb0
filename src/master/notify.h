/*
 * notify.h - telling the service manager how the daemon is (sd_notify).
 *
 * Only the master speaks to the service manager: notify_init() takes
 * NOTIFY_SOCKET and WATCHDOG_USEC out of the environment, so workers
 * (started with the master's environment) never see them. Without a
 * NOTIFY_SOCKET every call is a no-op. Messages follow sd_notify(3):
 * READY=1, RELOADING=1 with MONOTONIC_USEC=, STOPPING=1, STATUS=,
 * WATCHDOG=1.
 */
#ifndef CONTAINARIUM_NOTIFY_H
#define CONTAINARIUM_NOTIFY_H

#include <stdint.h>

/*
 * Reads and unsets NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, and
 * opens the notification socket. Returns 0 (also when there is no service
 * manager) or a negative errno (a NOTIFY_SOCKET that cannot be used).
 * Never logs.
 */
int notify_init(void);

/* The watchdog interval systemd asked for, in microseconds; 0 if none. */
uint64_t notify_watchdog_usec(void);

/* Sends state, one or more "KEY=value" lines. Returns 0 or a negative
 * errno; 0 when there is no service manager. */
int notify_send(const char *state);

/* Sends "RELOADING=1" with MONOTONIC_USEC= now, as systemd requires. */
int notify_reloading(void);

/* Sends "STATUS=" followed by the formatted text. */
int notify_status(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* Closes the notification socket. */
void notify_done(void);

#endif
