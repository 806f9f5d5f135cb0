/*
 * worker_ipc.h - the worker's end of its channel to the master.
 *
 * Sending (requests, log lines, Ready) may happen from any thread: one
 * SOCK_SEQPACKET packet is one atomic sendmsg. Receiving happens on one
 * reader thread, which accepts nothing but Reply and Ping packets; anything else
 * breaks the channel and the worker exits.
 */
#ifndef CONTAINARIUM_WORKER_IPC_H
#define CONTAINARIUM_WORKER_IPC_H

#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

enum worker_ipc_state {
	WORKER_IPC_OPEN,
	WORKER_IPC_CLOSED,   /* the master closed the channel: exit 0 */
	WORKER_IPC_BROKEN,   /* the master broke the protocol: exit 1 */
};

/*
 * Adopts fd as the channel and routes every log line of the process (ours
 * and grpc's) to the master. Lines that cannot be sent go to stderr.
 */
void worker_ipc_setup(int fd);

/*
 * Packs msg and sends it as one packet of the given type and request id.
 * The packed copy is wiped before it is freed (it may hold a token).
 * Returns 0 or a negative errno. Never logs (it carries the log).
 */
int worker_ipc_send(uint16_t type, uint32_t request_id, const ProtobufCMessage *msg);

/*
 * worker_ipc_send, passing descriptor pass_fd (unless -1) with the packet:
 * an admin-socket connection, which the master checks itself.
 */
int worker_ipc_send_fd(uint16_t type, uint32_t request_id, const ProtobufCMessage *msg,
    int pass_fd);

/* Tells the master this worker serves. Returns 0 or a negative errno. */
int worker_ipc_send_ready(void);

/* Starts the reader thread. Returns 0 or a negative errno. */
int worker_ipc_reader_start(void);

/* Stops the reader thread (shuts down our receiving side) and joins it. */
void worker_ipc_reader_stop(void);

/* Returns the channel's state; any thread. */
enum worker_ipc_state worker_ipc_get_state(void);

#endif
