/*
 * worker_pending.h - calls forwarded to the master and not yet answered.
 *
 * Each entry maps a request id, unique among live entries, to its call.
 * Taking an entry out is how a thread claims the right to answer the call:
 * the IPC reader takes it to deliver the master's reply, the main loop takes
 * it when the call ends first (client cancelled, deadline) or at shutdown.
 * Whoever takes it answers; the other finds nothing. Thread-safe.
 */
#ifndef CONTAINARIUM_WORKER_PENDING_H
#define CONTAINARIUM_WORKER_PENDING_H

#include <stdbool.h>
#include <stdint.h>

struct worker_call;

/* Sizes the table for at most max_calls entries. Returns 0 or -ENOMEM. */
int worker_pending_setup(unsigned max_calls);

/*
 * Adds call under a fresh non-zero request id stored in *ret_id. Returns 0,
 * or -EBUSY when max_calls entries are live.
 */
int worker_pending_add(struct worker_call *call, uint32_t *ret_id);

/* Takes out the entry of id. Returns its call, or NULL if there is none. */
struct worker_call *worker_pending_take(uint32_t id);

/* Takes out the entry of id only if it is call. Returns true if it did. */
bool worker_pending_remove(uint32_t id, const struct worker_call *call);

/* Takes out any entry. Returns its call, or NULL when the table is empty. */
struct worker_call *worker_pending_take_any(void);

/* Returns the number of live entries. */
unsigned worker_pending_count(void);

#endif
