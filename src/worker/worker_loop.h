/*
 * worker_loop.h - the completion-queue loop and the shutdown policy.
 */
#ifndef CONTAINARIUM_WORKER_LOOP_H
#define CONTAINARIUM_WORKER_LOOP_H

#include <stdbool.h>

#include <grpc/grpc.h>

/*
 * Polls cq for server until the server has shut down. Shutdown starts on
 * SIGTERM/SIGINT (graceful: the master gets the drain time to answer
 * what it holds), when the master closes the channel, when it breaks the
 * protocol, when the call module breaks, or at once when fail_now is set
 * (a failed start-up). On return grpc_server_shutdown_and_notify has
 * completed unless *ret_clean is false (the server then must not be
 * destroyed). Returns the process exit status.
 */
int worker_loop_run(grpc_server *server, grpc_completion_queue *cq,
    bool fail_now, bool *ret_clean);

/* Sets how long a graceful stop waits for the master's answers (the
 * master passes [server] drain_timeout; 5 s when never called). */
void worker_loop_set_drain_ms(unsigned ms);

/*
 * The GRPC_ARG_MAX_CONNECTION_AGE_MS a worker with this drain time serves
 * with: two fifths of it, so that on a graceful stop every client has been
 * sent a graceful GOAWAY, and moved to another worker, well within the
 * drain time. INT_MAX (no maximum) for a drain under a second.
 */
int worker_loop_connection_age_ms(unsigned drain_ms);

/* Drains cq after grpc_completion_queue_shutdown, handling what remains. */
void worker_loop_drain(grpc_completion_queue *cq);

/* Installs the SIGTERM/SIGINT handlers the loop watches; ignores SIGPIPE. */
int worker_loop_signals_setup(void);

#endif
