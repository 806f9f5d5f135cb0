/*
 * cli_rpc.h - one unary gRPC call, from a protobuf-c request to a decoded
 * reply or a status, over the grpc core C API.
 *
 * Each call sets up and tears down grpc, its own channel and completion
 * queue: the CLI makes one call per run, and nothing lingers into the
 * caller's exit path.
 */
#ifndef CONTAINARIUM_CLI_RPC_H
#define CONTAINARIUM_CLI_RPC_H

#include <stdbool.h>
#include <protobuf-c/protobuf-c.h>

#include "common/methods.h"

#define CLI_RPC_MESSAGE_MAX 512u                 /* status message bytes kept */
#define CLI_RPC_REPLY_MAX (4u * 1024u * 1024u)   /* largest reply accepted */

#define CLI_RPC_PROGRESS_MS 200u /* interval of the progress callback */

/* Where and how to call. Every pointer is borrowed for the call. */
struct cli_rpc_endpoint {
	const char *target;     /* "unix:/run/containarium.sock", "host:port" */
	unsigned timeout;       /* seconds the whole call may take, >= 1 */
	bool verbose;           /* let grpc log to stderr */
	const char *token;      /* sent as "authorization: Bearer TOKEN"; NULL: none */
	bool tls;               /* TLS with the PEM strings below */
	const char *root_pem;   /* CA certificates; NULL: grpc's default roots */
	const char *cert_pem;   /* client certificate chain and its key (mTLS), */
	const char *key_pem;    /* both or neither */
	/* Called every CLI_RPC_PROGRESS_MS while the call runs; may be NULL. */
	void (*progress)(void *data);
	void *progress_data;
};

/* The outcome of a call that did not succeed. */
struct cli_rpc_status {
	int code;               /* grpc_status_code */
	char *message;          /* owned; printable, at most CLI_RPC_MESSAGE_MAX */
};

/*
 * Calls method at endpoint with request, which must be of the method's
 * request type. Returns the gRPC status code. On GRPC_STATUS_OK, *ret_reply
 * is the decoded reply, owned by the caller (protobuf_c_message_free_
 * unpacked(reply, NULL)), and *status is untouched. Otherwise *ret_reply is
 * untouched and *status holds the code and the server's message, or a
 * client-side one ("reply is not a valid ..." with GRPC_STATUS_INTERNAL);
 * release it with cli_rpc_status_clear().
 */
int cli_rpc_call(const struct cli_rpc_endpoint *endpoint, const struct method_info *method,
    const ProtobufCMessage *request, ProtobufCMessage **ret_reply,
    struct cli_rpc_status *status);

/*
 * Keeps grpc initialised between cli_rpc_hold() and cli_rpc_release(), so
 * that calls made from several threads at once share one grpc instance
 * and none of them tears it down under the others. Call both from the
 * main thread, before the threads start and after they are joined.
 */
void cli_rpc_hold(bool verbose);
void cli_rpc_release(void);

/* Frees status->message; status may be NULL. */
void cli_rpc_status_clear(struct cli_rpc_status *status);

/* Returns the canonical name of a status code ("NOT_FOUND"), "UNKNOWN" else. */
const char *cli_rpc_status_name(int code);

#endif
