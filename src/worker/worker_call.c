/*
 * worker_call.c - per-call state: decode, validate, forward, answer; see
 * worker_call.h.
 *
 * A struct worker_call is reference counted; each reference is one of:
 *   - the outstanding request for a new call (becomes the arrival's own),
 *   - the RECV_CLOSE_ON_SERVER batch started on arrival (tells the worker
 *     when the client cancels or the deadline passes),
 *   - the pending table's entry while the master works on the call,
 *   - the answer batch (SEND_INITIAL_METADATA, SEND_MESSAGE when OK,
 *     SEND_STATUS_FROM_SERVER).
 * Exactly one answer is sent per call: by this thread when the call fails
 * a check, otherwise by whoever takes the call out of the pending table.
 * Receive batches start on this thread only and send batches on the one
 * thread that answers, which is the synchronization grpc_call_start_batch
 * asks for. The last reference unrefs the grpc_call.
 */
#include "worker_call.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "common/log.h"
#include "common/methods.h"
#include "common/validate.h"
#include "common/wire_check.h"
#include "containarium/ipc/ipc.pb-c.h"
#include "worker_ipc.h"
#include "worker_metadata.h"
#include "worker_peer.h"
#include "worker_tls.h"
#include "worker_pending.h"

#define WORKER_CALL_MESSAGE_MAX 512    /* status messages written here */
#define WORKER_CALL_DETAILS_MAX 1024   /* status messages relayed from the master */

enum worker_call_event {
	WORKER_CALL_ARRIVED,
	WORKER_CALL_CLOSED,
	WORKER_CALL_ANSWERED,
};

struct worker_call_tag {
	enum worker_call_event event;
	struct worker_call *call;
};

struct worker_call {
	struct worker_call_tag arrived, closed, answered;
	atomic_uint refs;
	const struct method_info *method;
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array metadata;
	grpc_byte_buffer *payload;
	int cancelled;               /* set by RECV_CLOSE_ON_SERVER */
	uint32_t request_id;         /* 0 until forwarded */
	grpc_slice details;          /* status message of the answer */
	grpc_byte_buffer *body;      /* response of the answer */
};

/* What a call that passed every check sends to the master. */
struct worker_call_request {
	struct worker_peer peer;
	char *token;                 /* NULL without authorization; a secret */
	grpc_slice body;             /* the request exactly as received */
};

static grpc_server *worker_call_server;
static grpc_completion_queue *worker_call_cq;
static size_t worker_call_max_message_bytes;
static void *worker_call_methods[METHOD_MAX + 1];
static atomic_bool worker_call_broken;
static bool worker_call_stopping;

bool worker_call_is_broken(void)
{
	return atomic_load(&worker_call_broken);
}

static void worker_call_ref(struct worker_call *c)
{
	atomic_fetch_add(&c->refs, 1);
}

/* Drops a reference; the last one releases the grpc call and frees c. */
static void worker_call_unref(struct worker_call *c)
{
	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	if (c->call)
		grpc_call_unref(c->call);
	grpc_metadata_array_destroy(&c->metadata);
	if (c->payload)
		grpc_byte_buffer_destroy(c->payload);
	if (c->body)
		grpc_byte_buffer_destroy(c->body);
	grpc_slice_unref(c->details);
	free(c);
}

/* Returns a new call object for method holding one reference, or NULL. */
static struct worker_call *worker_call_new(const struct method_info *method)
{
	struct worker_call *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->arrived = (struct worker_call_tag){ WORKER_CALL_ARRIVED, c };
	c->closed = (struct worker_call_tag){ WORKER_CALL_CLOSED, c };
	c->answered = (struct worker_call_tag){ WORKER_CALL_ANSWERED, c };
	atomic_init(&c->refs, 1);
	c->method = method;
	c->details = grpc_empty_slice();
	grpc_metadata_array_init(&c->metadata);
	return c;
}

/*
 * Asks grpc for the next call of method. Returns 0, or -EIO after which
 * the method is no longer served and the module reports itself broken.
 */
static int worker_call_request(const struct method_info *method)
{
	struct worker_call *c = worker_call_new(method);
	grpc_call_error e;

	if (!c) {
		atomic_store(&worker_call_broken, true);
		return log_error_errno(-ENOMEM, "Cannot wait for %s calls: %m", method->name);
	}
	e = grpc_server_request_registered_call(worker_call_server,
	    worker_call_methods[method->id], &c->call, &c->deadline, &c->metadata,
	    &c->payload, worker_call_cq, worker_call_cq, &c->arrived);
	if (e != GRPC_CALL_OK) {
		worker_call_unref(c);
		atomic_store(&worker_call_broken, true);
		log_error("Cannot wait for %s calls: grpc error %d", method->name, e);
		return -EIO;
	}
	return 0;
}

int worker_call_register(grpc_server *server, grpc_completion_queue *cq,
    size_t max_message_bytes)
{
	worker_call_server = server;
	worker_call_cq = cq;
	worker_call_max_message_bytes = max_message_bytes;
	for (unsigned id = 1; id <= METHOD_MAX; id++) {
		const struct method_info *m = method_lookup(id);

		worker_call_methods[id] = grpc_server_register_method(server, m->path,
		    NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
		if (!worker_call_methods[id])
			return -EINVAL;
	}
	return 0;
}

int worker_call_request_all(void)
{
	for (unsigned id = 1; id <= METHOD_MAX; id++)
		if (worker_call_request(method_lookup(id)) < 0)
			return -EIO;
	return 0;
}

/* Returns message cut to WORKER_CALL_DETAILS_MAX bytes on a UTF-8
 * character boundary, as a new slice. */
static grpc_slice worker_call_details(const char *message)
{
	size_t len = strnlen(message, WORKER_CALL_DETAILS_MAX + 1);

	if (len > WORKER_CALL_DETAILS_MAX) {
		len = WORKER_CALL_DETAILS_MAX;
		while (len > 0 && ((unsigned char)message[len] & 0xc0) == 0x80)
			len--;
	}
	return grpc_slice_from_copied_buffer(message, len);
}

/*
 * Sends the call's one answer: status and message, plus body when status
 * is OK. Consumes one reference held by the caller, which the answer batch
 * keeps until it completes.
 */
static void worker_call_answer(struct worker_call *c, grpc_status_code status,
    const char *message, const uint8_t *body, size_t body_len)
{
	grpc_op ops[3];
	grpc_call_error e;
	size_t n = 0;

	memset(ops, 0, sizeof(ops));
	c->details = worker_call_details(message);
	ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
	if (status == GRPC_STATUS_OK) {
		grpc_slice s = grpc_slice_from_copied_buffer((const char *)body, body_len);

		c->body = grpc_raw_byte_buffer_create(&s, 1);
		grpc_slice_unref(s);
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = c->body;
	}
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = status;
	ops[n++].data.send_status_from_server.status_details = &c->details;
	/*
	 * The batch may complete, and the completion thread drop its reference,
	 * before grpc_call_start_batch() returns here: hold one more until then,
	 * so c and its grpc_call outlive the call and our writes above are
	 * ordered before the free by the reference count itself.
	 */
	worker_call_ref(c);
	e = grpc_call_start_batch(c->call, ops, n, &c->answered, NULL);
	if (e != GRPC_CALL_OK) {
		log_error("Cannot answer %s call: grpc error %d", c->method->name, e);
		worker_call_unref(c);
	}
	worker_call_unref(c);
}

/* Starts RECV_CLOSE_ON_SERVER, which completes when the call ends for any
 * reason. Returns 0 (one more reference held) or -EIO. */
static int worker_call_watch_close(struct worker_call *c)
{
	grpc_op op;
	grpc_call_error e;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	op.data.recv_close_on_server.cancelled = &c->cancelled;
	worker_call_ref(c);
	e = grpc_call_start_batch(c->call, &op, 1, &c->closed, NULL);
	if (e != GRPC_CALL_OK) {
		worker_call_unref(c);
		log_error("Cannot watch %s call: grpc error %d", c->method->name, e);
		return -EIO;
	}
	return 0;
}

/* Returns true when the call's deadline has already passed. */
static bool worker_call_expired(const struct worker_call *c)
{
	gpr_timespec deadline = gpr_convert_clock_type(c->deadline, GPR_CLOCK_MONOTONIC);

	return gpr_time_cmp(deadline, gpr_now(GPR_CLOCK_MONOTONIC)) <= 0;
}

/* Takes the bearer token from the metadata into req->token. */
static grpc_status_code worker_call_check_token(struct worker_call *c,
    struct worker_call_request *req, char *message, size_t len)
{
	switch (worker_metadata_bearer(&c->metadata, &req->token)) {
	case 0:
		return GRPC_STATUS_OK;
	case -E2BIG:
		snprintf(message, len, "authorization: longer than %d bytes",
		    WORKER_AUTHORIZATION_MAX);
		return GRPC_STATUS_UNAUTHENTICATED;
	case -ENOTUNIQ:
		snprintf(message, len, "authorization: given more than once");
		return GRPC_STATUS_UNAUTHENTICATED;
	case -ENOMEM:
		snprintf(message, len, "worker out of memory");
		return GRPC_STATUS_RESOURCE_EXHAUSTED;
	default:
		snprintf(message, len, "authorization: expected \"Bearer <token>\"");
		return GRPC_STATUS_UNAUTHENTICATED;
	}
}

/* Decodes and validates the request message; keeps its bytes in req->body. */
static grpc_status_code worker_call_check_body(struct worker_call *c,
    struct worker_call_request *req, char *message, size_t len)
{
	grpc_byte_buffer_reader reader;
	ProtobufCMessage *msg;
	int r;

	if (!c->payload || !grpc_byte_buffer_reader_init(&reader, c->payload)) {
		snprintf(message, len, "request: missing message");
		return GRPC_STATUS_INVALID_ARGUMENT;
	}
	req->body = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	grpc_byte_buffer_destroy(c->payload);
	c->payload = NULL;
	if (GRPC_SLICE_LENGTH(req->body) > worker_call_max_message_bytes) {
		snprintf(message, len, "request: larger than %zu bytes",
		    worker_call_max_message_bytes);
		return GRPC_STATUS_RESOURCE_EXHAUSTED;
	}
	msg = protobuf_c_message_unpack(c->method->request, NULL,
	    GRPC_SLICE_LENGTH(req->body), GRPC_SLICE_START_PTR(req->body));
	if (!msg) {
		snprintf(message, len, "request: malformed protobuf");
		return GRPC_STATUS_INVALID_ARGUMENT;
	}
	r = wire_check_strings(c->method->request, GRPC_SLICE_START_PTR(req->body),
	    GRPC_SLICE_LENGTH(req->body), message, len);
	if (r == 0)
		r = validate_request(c->method->id, msg, message, len);
	protobuf_c_message_free_unpacked(msg, NULL);
	return r < 0 ? GRPC_STATUS_INVALID_ARGUMENT : GRPC_STATUS_OK;
}

/* Adds the verified client certificate's name, if any, to req->peer. */
static grpc_status_code worker_call_check_tls_identity(struct worker_call *c,
    struct worker_call_request *req, char *message, size_t len)
{
	int r;

	req->peer.tls_identity[0] = '\0';
	if (req->peer.transport != WORKER_TRANSPORT_TCP || !worker_tls_enabled())
		return GRPC_STATUS_OK;
	r = worker_tls_call_identity(c->call, req->peer.tls_identity,
	    sizeof(req->peer.tls_identity));
	if (r == -ENAMETOOLONG) {
		snprintf(message, len, "client certificate name too long");
		return GRPC_STATUS_UNAUTHENTICATED;
	}
	return GRPC_STATUS_OK;
}

/* Finds who called, from the connection's grpc peer name. */
static grpc_status_code worker_call_check_peer(struct worker_call *c,
    struct worker_call_request *req, char *message, size_t len)
{
	char *name = grpc_call_get_peer(c->call);
	int r = -EINVAL;

	/* With TLS, grpc names TCP connections by their address. */
	if (worker_tls_enabled())
		r = worker_peer_from_grpc_address(name, &req->peer);
	if (r < 0)
		r = worker_peer_lookup(name, &req->peer);
	if (r < 0) {
		log_error("No identity recorded for connection \"%s\"", name);
		snprintf(message, len, "peer unknown");
	}
	gpr_free(name);
	if (r < 0)
		return GRPC_STATUS_INTERNAL;
	return worker_call_check_tls_identity(c, req, message, len);
}

/* Runs every check a call must pass before it reaches the master. */
static grpc_status_code worker_call_check(struct worker_call *c,
    struct worker_call_request *req, char *message, size_t len)
{
	grpc_status_code status;

	if (worker_call_expired(c)) {
		snprintf(message, len, "deadline exceeded before the call was read");
		return GRPC_STATUS_DEADLINE_EXCEEDED;
	}
	status = worker_call_check_token(c, req, message, len);
	if (status == GRPC_STATUS_OK)
		status = worker_call_check_body(c, req, message, len);
	if (status == GRPC_STATUS_OK)
		status = worker_call_check_peer(c, req, message, len);
	return status;
}

/* Sends the Request under request id id. Returns 0 or a negative errno. */
static int worker_call_send(const struct worker_call *c,
    const struct worker_call_request *req, uint32_t id)
{
	Containarium__Ipc__Caller caller = CONTAINARIUM__IPC__CALLER__INIT;
	Containarium__Ipc__Request request = CONTAINARIUM__IPC__REQUEST__INIT;

	caller.transport = (Containarium__Ipc__Caller__Transport)req->peer.transport;
	caller.peer = (char *)req->peer.name;
	caller.bearer_token = req->token ? req->token : (char *)"";
	caller.uid = req->peer.uid;
	caller.gid = req->peer.gid;
	caller.pid = req->peer.pid;
	caller.tls_identity = (char *)req->peer.tls_identity;
	request.caller = &caller;
	request.body.len = GRPC_SLICE_LENGTH(req->body);
	request.body.data = (uint8_t *)GRPC_SLICE_START_PTR(req->body);
	/* The master asks the kernel who is on an admin connection: it gets
	 * the connection itself, never our word (docs/security.md). */
	return worker_ipc_send_fd((uint16_t)c->method->id, id, &request.base,
	    req->peer.transport == WORKER_TRANSPORT_ADMIN ? req->peer.fd : -1);
}

/*
 * Hands a checked call to the master. Returns OK when the master now owns
 * the answer, else the status (and message) to answer with at once.
 */
static grpc_status_code worker_call_forward(struct worker_call *c,
    const struct worker_call_request *req, char *message, size_t len)
{
	uint32_t id;
	int r;

	if (worker_call_stopping) {
		snprintf(message, len, "worker shutting down");
		return GRPC_STATUS_UNAVAILABLE;
	}
	if (worker_ipc_get_state() != WORKER_IPC_OPEN) {
		snprintf(message, len, "master unavailable");
		return GRPC_STATUS_UNAVAILABLE;
	}
	worker_call_ref(c);
	if (worker_pending_add(c, &id) < 0) {
		worker_call_unref(c);
		snprintf(message, len, "worker busy");
		return GRPC_STATUS_RESOURCE_EXHAUSTED;
	}
	c->request_id = id;
	r = worker_call_send(c, req, id);
	if (r < 0) {
		log_error_errno(r, "Cannot forward %s call to the master: %m", c->method->name);
		if (!worker_pending_remove(id, c))
			return GRPC_STATUS_OK;  /* answered already, however odd */
		worker_call_unref(c);
		snprintf(message, len, "master unavailable");
		return GRPC_STATUS_UNAVAILABLE;
	}
	log_debug("%s call from %s forwarded as request %u", c->method->name,
	    req->peer.name, id);
	return GRPC_STATUS_OK;
}

/* Wipes the token and releases the request bytes. */
static void worker_call_request_clear(struct worker_call_request *req)
{
	if (req->token) {
		explicit_bzero(req->token, strlen(req->token));
		free(req->token);
	}
	grpc_slice_unref(req->body);
}

/* Checks an arrived call and forwards it, or answers it with an error. */
static void worker_call_dispatch(struct worker_call *c)
{
	struct worker_call_request req = { .token = NULL };
	char message[WORKER_CALL_MESSAGE_MAX] = "";
	grpc_status_code status;

	req.body = grpc_empty_slice();
	status = worker_call_check(c, &req, message, sizeof(message));
	if (status == GRPC_STATUS_OK)
		status = worker_call_forward(c, &req, message, sizeof(message));
	if (status != GRPC_STATUS_OK) {
		log_debug("%s call refused: %s (status %d)", c->method->name, message, status);
		worker_call_ref(c);
		worker_call_answer(c, status, message, NULL, 0);
	}
	worker_call_request_clear(&req);
}

/* A call arrived (ok) or the server is shutting down (!ok). */
static void worker_call_arrived(struct worker_call *c, bool ok)
{
	if (ok) {
		(void)worker_call_request(c->method);
		if (worker_call_watch_close(c) == 0)
			worker_call_dispatch(c);
	}
	worker_call_unref(c);
}

/* The call ended: if the master still owes an answer, nobody will take it. */
static void worker_call_closed(struct worker_call *c)
{
	if (c->request_id != 0 && worker_pending_remove(c->request_id, c)) {
		log_debug("%s call (request %u) ended before the master answered",
		    c->method->name, c->request_id);
		worker_call_unref(c);
	}
	worker_call_unref(c);
}

void worker_call_handle_event(void *tag, bool ok)
{
	struct worker_call_tag *t = tag;

	switch (t->event) {
	case WORKER_CALL_ARRIVED:
		worker_call_arrived(t->call, ok);
		break;
	case WORKER_CALL_CLOSED:
		worker_call_closed(t->call);
		break;
	case WORKER_CALL_ANSWERED:
		if (!ok)
			log_debug("%s call: answer not delivered", t->call->method->name);
		worker_call_unref(t->call);
		break;
	}
}

int worker_call_reply(uint32_t request_id, int status, const char *message,
    const uint8_t *body, size_t body_len)
{
	struct worker_call *c = worker_pending_take(request_id);

	if (!c)
		return -ENOENT;
	if (status != GRPC_STATUS_OK)
		body_len = 0;
	/* The pending table's reference becomes the answer's. */
	worker_call_answer(c, (grpc_status_code)status, message, body, body_len);
	return 0;
}

void worker_call_stop_forwarding(void)
{
	worker_call_stopping = true;
}

void worker_call_fail_pending(grpc_status_code status, const char *message)
{
	struct worker_call *c;

	while ((c = worker_pending_take_any()))
		worker_call_answer(c, status, message, NULL, 0);
}
