/*
 * dispatch.h - the master's side of the worker channels.
 *
 * Reads what workers send, enforces the table of what a worker may send,
 * turns each RPC into a job for the operation threads (or answers a read
 * the cache can answer alone at once, ops_answer_in_loop()), and sends
 * every finished job's reply to the worker that asked. A worker that sends
 * anything malformed, oversized or unexpected is killed; the master and
 * the other workers carry on.
 */
#ifndef CONTAINARIUM_DISPATCH_H
#define CONTAINARIUM_DISPATCH_H

#include <stdint.h>

#include "op_pool.h"
#include "supervisor.h"

struct dispatch {
	struct supervisor *supervisor;
	struct op_pool *pool;
	uint8_t *buffer;            /* IPC_MAX_PACKET bytes */
	int passed_fd;              /* came with the packet being handled, or -1 */
	uint64_t requests;          /* RPCs answered */
};

/* Allocates the receive buffer. Returns 0 or -ENOMEM. */
int dispatch_init(struct dispatch *d, struct supervisor *supervisor, struct op_pool *pool);
void dispatch_done(struct dispatch *d);

/* Handles every packet waiting from the worker in slot. */
void dispatch_worker_input(struct dispatch *d, unsigned slot);

/* Sends the replies of every finished job and audits them. */
void dispatch_finished_jobs(struct dispatch *d);

#endif
