/*
 * worker_call.h - the life of one RPC inside a worker.
 *
 * For every method of the method table one request for a new call is kept
 * outstanding on the server's completion queue. When a call arrives it is
 * checked (deadline, authorization, protobuf decode, validate_request());
 * a bad call is answered at once, a good one is forwarded to the master as
 * a containarium.ipc.Request and waits in the pending table until the
 * master's Reply comes back through worker_call_reply().
 *
 * Every function except worker_call_reply() runs on the thread that polls
 * the completion queue.
 */
#ifndef CONTAINARIUM_WORKER_CALL_H
#define CONTAINARIUM_WORKER_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

/*
 * Registers every method with server and remembers server and cq for the
 * calls to come. Call before grpc_server_start(). Returns 0 or -EINVAL.
 */
int worker_call_register(grpc_server *server, grpc_completion_queue *cq,
    size_t max_message_bytes);

/* Requests the first call of every method. Call after grpc_server_start().
 * Returns 0 or -EIO. */
int worker_call_request_all(void);

/* Handles a completion event whose tag this module created. */
void worker_call_handle_event(void *tag, bool ok);

/*
 * Delivers the master's answer to the call forwarded as request_id: status
 * and message, and body (the serialized response) when status is OK. Any
 * thread. Returns 0, or -ENOENT when no such call waits (it was cancelled
 * or has finished), in which case nothing happens.
 */
int worker_call_reply(uint32_t request_id, int status, const char *message,
    const uint8_t *body, size_t body_len);

/*
 * From now on answers new calls UNAVAILABLE "worker shutting down" instead
 * of forwarding them, so the pending table only shrinks.
 */
void worker_call_stop_forwarding(void);

/* Answers every call still waiting for the master with status and message. */
void worker_call_fail_pending(grpc_status_code status, const char *message);

/* Returns true once the module failed to keep serving a method. */
bool worker_call_is_broken(void);

#endif
