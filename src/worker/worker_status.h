/*
 * worker_status.h - the worker's answers to the master's liveness pings.
 *
 * The master pings each ready worker periodically (IPC_TYPE_PING). The IPC
 * reader thread only records the ping; the main completion-queue loop,
 * which ticks every 100 ms, sends the Pong. A Pong therefore proves that
 * the loop serving calls still turns, which is what the master's systemd
 * watchdog vouches for. The Pong carries the number of client connections
 * the worker has open (for the master's STATUS= line).
 */
#ifndef CONTAINARIUM_WORKER_STATUS_H
#define CONTAINARIUM_WORKER_STATUS_H

#include <stdint.h>

/* Records an accepted connection on fd (any thread). */
void worker_status_connection_opened(int fd);

/* Returns the connections still open: recorded descriptors that still
 * name the same socket. */
unsigned worker_status_connections(void);

/* Records that the master sent Ping sequence (reader thread). */
void worker_status_ping_received(uint64_t sequence);

/* Sends the Pong for the latest Ping, if one is unanswered (main loop).
 * Returns 0 or a negative errno from the channel. */
int worker_status_tick(void);

#endif
