/*
 * reload.h - what a configuration reload (SIGHUP) can and cannot change.
 *
 * A reload applies [server] workers, listen, admin_socket, max_message_bytes,
 * max_calls_per_worker, drain_timeout, [logging] and [tls] (new workers
 * get the new settings). Other keys are read once at start by long-lived
 * parts of the master (the operation threads and their Incus clients,
 * the authentication state, the cache, the worker user): a change to one
 * of those is reported and takes effect at the next restart.
 */
#ifndef CONTAINARIUM_RELOAD_H
#define CONTAINARIUM_RELOAD_H

#include <stddef.h>

#include "common/config.h"

/*
 * Writes the names of the keys that differ between running and next but
 * need a restart, as "[section] key, ..." into buf (len bytes; "" when
 * none). Returns how many differ. Never logs.
 */
int reload_restart_keys(const struct config *running, const struct config *next,
    char *buf, size_t len);

#endif
