/*
 * cli_rpc.c - a unary gRPC call over the grpc core C API; see cli_rpc.h.
 *
 * The whole call is one batch of six operations on a completion queue of
 * its own: send the (empty) initial metadata, the request and the
 * half-close, receive the server's initial metadata, the reply and the
 * status. The call's deadline guarantees the batch completes; a wait a
 * little longer than the deadline cancels the call if grpc ever failed to.
 * The reply size is capped by a channel argument, so a hostile server
 * cannot make the client allocate more than CLI_RPC_REPLY_MAX.
 */
#include "cli_rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/log.h>
#include <grpc/support/time.h>

#define CLI_RPC_GRACE_SECONDS 5 /* waited past the deadline before cancelling */

/* What one call holds; everything is released by cli_rpc_call_free(). */
struct cli_rpc_call {
	grpc_channel_credentials *credentials;
	grpc_channel *channel;
	grpc_completion_queue *queue;
	grpc_call *call;
	grpc_byte_buffer *request;
	grpc_byte_buffer *reply;
	grpc_metadata_array initial_metadata;
	grpc_metadata_array trailing_metadata;
	grpc_status_code code;
	grpc_slice details;
	gpr_timespec deadline;
};

static const char *const cli_rpc_status_names[] = {
	[GRPC_STATUS_OK] = "OK",
	[GRPC_STATUS_CANCELLED] = "CANCELLED",
	[GRPC_STATUS_UNKNOWN] = "UNKNOWN",
	[GRPC_STATUS_INVALID_ARGUMENT] = "INVALID_ARGUMENT",
	[GRPC_STATUS_DEADLINE_EXCEEDED] = "DEADLINE_EXCEEDED",
	[GRPC_STATUS_NOT_FOUND] = "NOT_FOUND",
	[GRPC_STATUS_ALREADY_EXISTS] = "ALREADY_EXISTS",
	[GRPC_STATUS_PERMISSION_DENIED] = "PERMISSION_DENIED",
	[GRPC_STATUS_RESOURCE_EXHAUSTED] = "RESOURCE_EXHAUSTED",
	[GRPC_STATUS_FAILED_PRECONDITION] = "FAILED_PRECONDITION",
	[GRPC_STATUS_ABORTED] = "ABORTED",
	[GRPC_STATUS_OUT_OF_RANGE] = "OUT_OF_RANGE",
	[GRPC_STATUS_UNIMPLEMENTED] = "UNIMPLEMENTED",
	[GRPC_STATUS_INTERNAL] = "INTERNAL",
	[GRPC_STATUS_UNAVAILABLE] = "UNAVAILABLE",
	[GRPC_STATUS_DATA_LOSS] = "DATA_LOSS",
	[GRPC_STATUS_UNAUTHENTICATED] = "UNAUTHENTICATED",
};

const char *cli_rpc_status_name(int code)
{
	if (code < 0 || (size_t)code >= sizeof(cli_rpc_status_names) / sizeof(cli_rpc_status_names[0]))
		return "UNKNOWN";
	return cli_rpc_status_names[code];
}

/* Drops grpc's own log lines: the CLI reports one line per failure. */
static void cli_rpc_log_discard(gpr_log_func_args *args)
{
	(void)args;
}

/* Set by cli_rpc_hold() before any thread starts; read by the calls. */
static bool cli_rpc_held;

void cli_rpc_hold(bool verbose)
{
	cli_rpc_held = true;
	if (!verbose)
		gpr_set_log_function(cli_rpc_log_discard);
	grpc_init();
}

void cli_rpc_release(void)
{
	grpc_shutdown_blocking();
	cli_rpc_held = false;
}

void cli_rpc_status_clear(struct cli_rpc_status *status)
{
	if (!status)
		return;
	free(status->message);
	status->message = NULL;
}

/*
 * Stores code and a copy of len bytes of text in *status, cut at
 * CLI_RPC_MESSAGE_MAX and with every control or non-ASCII byte turned
 * into '?', so that a server's message prints as one harmless line.
 * Returns code.
 */
static int cli_rpc_status_set(struct cli_rpc_status *status, int code,
    const char *text, size_t len)
{
	if (len > CLI_RPC_MESSAGE_MAX)
		len = CLI_RPC_MESSAGE_MAX;
	status->code = code;
	status->message = malloc(len + 1);
	if (!status->message)
		return code;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		status->message[i] = c < ' ' || c >= 0x7f ? '?' : (char)c;
	}
	status->message[len] = '\0';
	return code;
}

/* Like cli_rpc_status_set() for a NUL-terminated client-side message. */
static int cli_rpc_status_local(struct cli_rpc_status *status, int code, const char *text)
{
	return cli_rpc_status_set(status, code, text, strlen(text));
}

/* Releases what c holds, in the order grpc requires; c may be partial. */
static void cli_rpc_call_free(struct cli_rpc_call *c)
{
	grpc_metadata_array_destroy(&c->initial_metadata);
	grpc_metadata_array_destroy(&c->trailing_metadata);
	grpc_slice_unref(c->details);
	if (c->request)
		grpc_byte_buffer_destroy(c->request);
	if (c->reply)
		grpc_byte_buffer_destroy(c->reply);
	if (c->call)
		grpc_call_unref(c->call);
	if (c->queue) {
		grpc_completion_queue_shutdown(c->queue);
		while (grpc_completion_queue_next(c->queue, gpr_inf_future(GPR_CLOCK_REALTIME),
		    NULL).type != GRPC_QUEUE_SHUTDOWN)
			;
		grpc_completion_queue_destroy(c->queue);
	}
	if (c->channel)
		grpc_channel_destroy(c->channel);
	if (c->credentials)
		grpc_channel_credentials_release(c->credentials);
}

/* Returns the channel credentials endpoint asks for, or NULL. */
static grpc_channel_credentials *cli_rpc_credentials(const struct cli_rpc_endpoint *endpoint)
{
	grpc_ssl_pem_key_cert_pair pair = {
		.private_key = endpoint->key_pem,
		.cert_chain = endpoint->cert_pem,
	};

	if (!endpoint->tls)
		return grpc_insecure_credentials_create();
	return grpc_ssl_credentials_create(endpoint->root_pem,
	    endpoint->cert_pem && endpoint->key_pem ? &pair : NULL, NULL, NULL);
}

/*
 * Opens the channel, queue and call of method at endpoint into c.
 * Returns 0, or -1 when grpc refused (a target it cannot parse).
 */
static int cli_rpc_call_open(struct cli_rpc_call *c, const struct cli_rpc_endpoint *endpoint,
    const struct method_info *method)
{
	grpc_arg arg = {
		.type = GRPC_ARG_INTEGER,
		.key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
		.value.integer = (int)CLI_RPC_REPLY_MAX,
	};
	grpc_channel_args args = { .num_args = 1, .args = &arg };

	c->deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	    gpr_time_from_seconds(endpoint->timeout, GPR_TIMESPAN));
	c->credentials = cli_rpc_credentials(endpoint);
	c->channel = grpc_channel_create(endpoint->target, c->credentials, &args);
	c->queue = grpc_completion_queue_create_for_next(NULL);
	if (!c->credentials || !c->channel || !c->queue)
		return -1;
	c->call = grpc_channel_create_call(c->channel, NULL, GRPC_PROPAGATE_DEFAULTS, c->queue,
	    grpc_slice_from_static_string(method->path), NULL, c->deadline, NULL);
	return c->call ? 0 : -1;
}

/* Encodes request into c->request. Returns 0, or -1 when out of memory. */
static int cli_rpc_encode(struct cli_rpc_call *c, const ProtobufCMessage *request)
{
	size_t len = protobuf_c_message_get_packed_size(request);
	grpc_slice slice = grpc_slice_malloc(len);

	(void)protobuf_c_message_pack(request, GRPC_SLICE_START_PTR(slice));
	c->request = grpc_raw_byte_buffer_create(&slice, 1);
	grpc_slice_unref(slice);
	return c->request ? 0 : -1;
}

/*
 * Waits for the batch tagged tag until the deadline and a grace period,
 * calling endpoint's progress callback every CLI_RPC_PROGRESS_MS. Returns
 * the last event (GRPC_QUEUE_TIMEOUT when the wait ran out).
 */
static grpc_event cli_rpc_wait(struct cli_rpc_call *c, const struct cli_rpc_endpoint *endpoint)
{
	gpr_timespec limit = gpr_time_add(c->deadline,
	    gpr_time_from_seconds(CLI_RPC_GRACE_SECONDS, GPR_TIMESPAN));
	grpc_event ev;

	for (;;) {
		gpr_timespec until = limit;

		if (endpoint->progress) {
			until = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
			    gpr_time_from_millis(CLI_RPC_PROGRESS_MS, GPR_TIMESPAN));
			if (gpr_time_cmp(until, limit) > 0)
				until = limit;
		}
		ev = grpc_completion_queue_next(c->queue, until, NULL);
		if (ev.type != GRPC_QUEUE_TIMEOUT || gpr_time_cmp(until, limit) >= 0)
			return ev;
		endpoint->progress(endpoint->progress_data);
	}
}

/*
 * Starts the six-operation batch, with the bearer token of endpoint as
 * metadata, and waits for it. Returns 0 when it completed (c->code then
 * holds the call's status), -1 when grpc refused to start it.
 */
static int cli_rpc_run(struct cli_rpc_call *c, const struct cli_rpc_endpoint *endpoint)
{
	static int tag;
	grpc_metadata auth = { .key = grpc_slice_from_static_string("authorization") };
	grpc_op ops[6];
	grpc_event ev;
	int r;

	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (endpoint->token) {
		char *value = NULL;

		if (asprintf(&value, "Bearer %s", endpoint->token) < 0)
			return -1;
		auth.value = grpc_slice_from_copied_string(value);
		explicit_bzero(value, strlen(value));
		free(value);
		ops[0].data.send_initial_metadata.count = 1;
		ops[0].data.send_initial_metadata.metadata = &auth;
	}
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = c->request;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &c->initial_metadata;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &c->reply;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &c->trailing_metadata;
	ops[5].data.recv_status_on_client.status = &c->code;
	ops[5].data.recv_status_on_client.status_details = &c->details;
	r = grpc_call_start_batch(c->call, ops, 6, &tag, NULL);
	grpc_slice_unref(auth.value);
	if (r != GRPC_CALL_OK)
		return -1;
	ev = cli_rpc_wait(c, endpoint);
	if (ev.type == GRPC_QUEUE_TIMEOUT) {
		(void)grpc_call_cancel_with_status(c->call, GRPC_STATUS_DEADLINE_EXCEEDED,
		    "no answer within the deadline", NULL);
		ev = grpc_completion_queue_next(c->queue, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	}
	return ev.type == GRPC_OP_COMPLETE && ev.tag == &tag ? 0 : -1;
}

/*
 * Decodes c->reply as method's reply type into *ret. Returns
 * GRPC_STATUS_OK, or GRPC_STATUS_INTERNAL with a message in *status.
 */
static int cli_rpc_decode(struct cli_rpc_call *c, const struct method_info *method,
    ProtobufCMessage **ret, struct cli_rpc_status *status)
{
	grpc_byte_buffer_reader reader;
	ProtobufCMessage *reply;
	grpc_slice slice;

	if (!c->reply)
		return cli_rpc_status_local(status, GRPC_STATUS_INTERNAL,
		    "client: the server sent no reply message");
	if (!grpc_byte_buffer_reader_init(&reader, c->reply))
		return cli_rpc_status_local(status, GRPC_STATUS_INTERNAL,
		    "client: cannot read the reply");
	slice = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	reply = protobuf_c_message_unpack(method->response, NULL,
	    GRPC_SLICE_LENGTH(slice), GRPC_SLICE_START_PTR(slice));
	grpc_slice_unref(slice);
	if (!reply)
		return cli_rpc_status_local(status, GRPC_STATUS_INTERNAL,
		    "client: the reply is not a valid protobuf message of the expected type");
	*ret = reply;
	return GRPC_STATUS_OK;
}

int cli_rpc_call(const struct cli_rpc_endpoint *endpoint, const struct method_info *method,
    const ProtobufCMessage *request, ProtobufCMessage **ret_reply,
    struct cli_rpc_status *status)
{
	struct cli_rpc_call c = { .details = grpc_empty_slice() };
	int code;

	if (request->descriptor != method->request)
		return cli_rpc_status_local(status, GRPC_STATUS_INTERNAL,
		    "client: request of the wrong type");
	if (!endpoint->verbose && !cli_rpc_held)
		gpr_set_log_function(cli_rpc_log_discard);
	grpc_init();
	grpc_metadata_array_init(&c.initial_metadata);
	grpc_metadata_array_init(&c.trailing_metadata);
	if (cli_rpc_call_open(&c, endpoint, method) < 0)
		code = cli_rpc_status_local(status, GRPC_STATUS_INVALID_ARGUMENT,
		    "client: cannot open a channel to this address");
	else if (cli_rpc_encode(&c, request) < 0)
		code = cli_rpc_status_local(status, GRPC_STATUS_INTERNAL, "client: out of memory");
	else if (cli_rpc_run(&c, endpoint) < 0)
		code = cli_rpc_status_local(status, GRPC_STATUS_INTERNAL,
		    "client: the call could not complete");
	else if (c.code != GRPC_STATUS_OK)
		code = cli_rpc_status_set(status, c.code,
		    (const char *)GRPC_SLICE_START_PTR(c.details), GRPC_SLICE_LENGTH(c.details));
	else
		code = cli_rpc_decode(&c, method, ret_reply, status);
	cli_rpc_call_free(&c);
	grpc_shutdown_blocking();
	return code;
}
