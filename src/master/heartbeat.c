/*
 * heartbeat.c - pings, STATUS= and the watchdog; see heartbeat.h.
 */
#include "heartbeat.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "notify.h"

#define HEARTBEAT_PING_MS 1000
/* Pings a worker may miss before it counts as stuck. */
#define HEARTBEAT_MISSED_PINGS 3

void heartbeat_init(struct heartbeat *h)
{
	uint64_t usec = notify_watchdog_usec();
	struct timespec now = clock_now();

	*h = (struct heartbeat){ .ping_ms = HEARTBEAT_PING_MS };
	if (usec > 0) {
		h->watchdog_ms = (long)(usec / 2000);
		if (h->watchdog_ms < 1)
			h->watchdog_ms = 1;
		if (h->watchdog_ms < h->ping_ms)
			h->ping_ms = h->watchdog_ms;
	}
	h->silence_ms = h->ping_ms * HEARTBEAT_MISSED_PINGS + 100;
	h->next_ping = clock_after_ms(now, h->ping_ms);
	h->next_watchdog = clock_after_ms(now, h->watchdog_ms);
}

int heartbeat_timeout_ms(const struct heartbeat *h)
{
	struct timespec now = clock_now();
	long ms = clock_diff_ms(&h->next_ping, &now);

	if (h->watchdog_ms > 0 && clock_diff_ms(&h->next_watchdog, &now) < ms)
		ms = clock_diff_ms(&h->next_watchdog, &now);
	return ms < 0 ? 0 : (int)ms + 1;
}

void heartbeat_status(struct heartbeat *h, const struct supervisor *s, const struct dispatch *d)
{
	char status[sizeof(h->status)];

	snprintf(status, sizeof(status), "%u of %u workers serving, %u connections, "
	    "%llu requests served", supervisor_ready_count(s), s->n_workers,
	    supervisor_connections(s), (unsigned long long)d->requests);
	if (strcmp(status, h->status) == 0)
		return;
	memcpy(h->status, status, sizeof(status));
	(void)notify_status("%s", status);
}

/* Sends WATCHDOG=1 if every worker answers; logs when that changes. */
static void heartbeat_watchdog(struct heartbeat *h, const struct supervisor *s)
{
	if (supervisor_healthy(s, h->silence_ms)) {
		if (h->withholding)
			log_notice("Workers answer again; the watchdog is fed again");
		h->withholding = false;
		(void)notify_send("WATCHDOG=1");
		return;
	}
	if (!h->withholding)
		log_warning("A worker has not answered for %ld ms (or none runs); "
		    "withholding the watchdog", h->silence_ms);
	h->withholding = true;
}

void heartbeat_tick(struct heartbeat *h, struct supervisor *s, const struct dispatch *d)
{
	struct timespec now = clock_now();

	if (clock_diff_ms(&h->next_ping, &now) <= 0) {
		supervisor_ping(s, ++h->sequence);
		heartbeat_status(h, s, d);
		h->next_ping = clock_after_ms(now, h->ping_ms);
	}
	if (h->watchdog_ms > 0 && clock_diff_ms(&h->next_watchdog, &now) <= 0) {
		heartbeat_watchdog(h, s);
		h->next_watchdog = clock_after_ms(now, h->watchdog_ms);
	}
}
