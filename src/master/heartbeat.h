/*
 * heartbeat.h - the master's periodic look at its workers, for systemd.
 *
 * Every period the master pings each ready worker over its channel; the
 * worker's main loop answers with its open-connection count (worker_status.h).
 * From that the heartbeat:
 *   - sends STATUS= (workers serving, connections, requests served) when it
 *     changed;
 *   - sends WATCHDOG=1 at half of WATCHDOG_USEC, but only while every
 *     running worker answers: a stuck worker (or a stuck master loop, which
 *     then sends nothing at all) lets systemd's watchdog fire. Incus being
 *     down does not matter here: pings never touch Incus.
 */
#ifndef CONTAINARIUM_HEARTBEAT_H
#define CONTAINARIUM_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "dispatch.h"
#include "supervisor.h"

struct heartbeat {
	uint64_t sequence;          /* last Ping sent */
	long ping_ms;               /* ping period */
	long silence_ms;            /* a worker silent longer is stuck */
	long watchdog_ms;           /* WATCHDOG=1 period; 0 = no watchdog */
	struct timespec next_ping, next_watchdog;
	bool withholding;           /* the watchdog is held back (logged once) */
	char status[160];           /* last STATUS= sent */
};

/* Sets the periods from the watchdog interval systemd asked for (notify.h). */
void heartbeat_init(struct heartbeat *h);

/* Milliseconds until heartbeat_tick has work (>= 0). */
int heartbeat_timeout_ms(const struct heartbeat *h);

/* Does what is due: pings, STATUS=, WATCHDOG=1. */
void heartbeat_tick(struct heartbeat *h, struct supervisor *s, const struct dispatch *d);

/* Sends STATUS= now if the numbers changed (after a state change). */
void heartbeat_status(struct heartbeat *h, const struct supervisor *s, const struct dispatch *d);

#endif
