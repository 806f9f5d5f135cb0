/*
 * dispatch.c - worker requests in, replies out; see dispatch.h.
 */
#include "dispatch.h"

#include <errno.h>
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ipc.h"
#include "common/log.h"
#include "common/validate.h"
#include "common/wire_check.h"
#include "audit.h"
#include "auth_admin.h"
#include "auth_context.h"
#include "ops.h"

#define DISPATCH_MAX_PACKETS_PER_WAKE 64
#define DISPATCH_LOG_MAX 4096
#define DISPATCH_MAX_CONNECTIONS 1000000

int dispatch_init(struct dispatch *d, struct supervisor *supervisor, struct op_pool *pool)
{
	*d = (struct dispatch){ .supervisor = supervisor, .pool = pool, .passed_fd = -1 };
	d->buffer = malloc(IPC_MAX_PACKET);
	return d->buffer ? 0 : -ENOMEM;
}

void dispatch_done(struct dispatch *d)
{
	free(d->buffer);
	d->buffer = NULL;
}

/* Sends a reply for request_id to the worker in slot, if it is still the
 * same worker. A reply that cannot be sent is logged, not retried. */
static void dispatch_send_reply(struct dispatch *d, unsigned slot, uint64_t generation,
    uint32_t request_id, int status, const char *message, const ProtobufCMessage *response)
{
	struct worker *w = &d->supervisor->workers[slot];
	Containarium__Ipc__Reply reply = CONTAINARIUM__IPC__REPLY__INIT;
	uint8_t *body = NULL, *packet = NULL;
	size_t len, body_len = 0;
	int r;

	if (w->generation != generation || w->ipc_fd < 0)
		return;
	if (response && status == GRPC_STATUS_OK) {
		len = protobuf_c_message_get_packed_size(response);
		body = malloc(len ? len : 1);
		if (!body) {
			status = GRPC_STATUS_RESOURCE_EXHAUSTED;
			message = "out of memory encoding the reply";
		} else {
			reply.body.data = body;
			reply.body.len = body_len = protobuf_c_message_pack(response, body);
		}
	}
	reply.status = status;
	reply.message = (char *)(message ? message : "");
	len = containarium__ipc__reply__get_packed_size(&reply);
	if (len > IPC_MAX_PAYLOAD) {
		reply.status = GRPC_STATUS_RESOURCE_EXHAUSTED;
		reply.message = "reply too large";
		reply.body.len = 0;
		len = containarium__ipc__reply__get_packed_size(&reply);
	}
	packet = malloc(len ? len : 1);
	if (packet) {
		containarium__ipc__reply__pack(&reply, packet);
		r = ipc_send(w->ipc_fd, IPC_TYPE_REPLY, request_id, packet, len);
		if (r < 0)
			log_warning_errno(r, "Failed to send a reply to worker %u: %m", slot);
	}
	/* A reply may hold a token or a new API key. */
	if (packet)
		explicit_bzero(packet, len);
	if (body)
		explicit_bzero(body, body_len);
	free(packet);
	free(body);
}

static void dispatch_worker_log(struct dispatch *d, unsigned slot, const struct ipc_packet *p)
{
	Containarium__Ipc__LogLine *line;
	char field[32];

	line = containarium__ipc__log_line__unpack(NULL, p->payload_len, p->payload);
	if (!line || line->priority < 0 || line->priority > LOG_DEBUG ||
	    strlen(line->message) > DISPATCH_LOG_MAX) {
		if (line)
			containarium__ipc__log_line__free_unpacked(line, NULL);
		supervisor_kill(d->supervisor, slot, "malformed log message");
		return;
	}
	/* A worker is not trusted to write the log: no control characters. */
	for (char *c = line->message; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	snprintf(field, sizeof(field), "CONTAINARIUM_WORKER=%u", slot);
	log_fields(line->priority, (const char *const[]){ field, NULL },
	    "worker %u: %s", slot, line->message);
	containarium__ipc__log_line__free_unpacked(line, NULL);
}

static void dispatch_worker_ready(struct dispatch *d, unsigned slot, const struct ipc_packet *p)
{
	struct worker *w = &d->supervisor->workers[slot];
	Containarium__Ipc__Ready *ready;

	ready = containarium__ipc__ready__unpack(NULL, p->payload_len, p->payload);
	if (!ready || ready->pid != w->pid || w->ready) {
		if (ready)
			containarium__ipc__ready__free_unpacked(ready, NULL);
		supervisor_kill(d->supervisor, slot, "unexpected ready message");
		return;
	}
	containarium__ipc__ready__free_unpacked(ready, NULL);
	w->ready = true;
	clock_gettime(CLOCK_MONOTONIC, &w->pong_at);
	log_info("Worker %u (pid %d) is serving", slot, (int)w->pid);
}

/* Records a Pong: it must answer a Ping we sent and came after the last
 * one answered. Anything else kills the worker. */
static void dispatch_worker_pong(struct dispatch *d, unsigned slot, const struct ipc_packet *p)
{
	struct worker *w = &d->supervisor->workers[slot];
	Containarium__Ipc__Pong *pong;
	bool ok;

	pong = containarium__ipc__pong__unpack(NULL, p->payload_len, p->payload);
	ok = pong && pong->sequence > w->pong_sequence && pong->sequence <= w->ping_sequence &&
	    pong->connections <= DISPATCH_MAX_CONNECTIONS;
	if (ok) {
		w->pong_sequence = pong->sequence;
		w->connections = pong->connections;
		clock_gettime(CLOCK_MONOTONIC, &w->pong_at);
	}
	if (pong)
		containarium__ipc__pong__free_unpacked(pong, NULL);
	if (!ok)
		supervisor_kill(d->supervisor, slot, "unexpected pong message");
}

/*
 * Builds a job from a request packet. Returns the job, or NULL after
 * killing the worker (a request a worker could not have made honestly).
 */
static struct job *dispatch_decode(struct dispatch *d, unsigned slot,
    const struct ipc_packet *p, const struct method_info *method)
{
	Containarium__Ipc__Request *req;
	char err[256];
	struct job *job;

	req = containarium__ipc__request__unpack(NULL, p->payload_len, p->payload);
	if (!req || !req->caller) {
		if (req)
			containarium__ipc__request__free_unpacked(req, NULL);
		supervisor_kill(d->supervisor, slot, "malformed request");
		return NULL;
	}
	job = calloc(1, sizeof(*job));
	if (job)
		job->request = protobuf_c_message_unpack(method->request, NULL,
		    req->body.len, req->body.data);
	if (!job || !job->request) {
		free(job);
		containarium__ipc__request__free_unpacked(req, NULL);
		supervisor_kill(d->supervisor, slot, "request body is not a valid message");
		return NULL;
	}
	/* Strings holding a NUL would reach the operation cut short. */
	if (wire_check_strings(method->request, req->body.data, req->body.len,
	    err, sizeof(err)) < 0)
		job_fail(job, GRPC_STATUS_INVALID_ARGUMENT, "%s", err);
	job->caller = req->caller;
	req->caller = NULL;
	containarium__ipc__request__free_unpacked(req, NULL);
	job->method = method;
	job->worker_slot = slot;
	job->worker_generation = d->supervisor->workers[slot].generation;
	job->request_id = p->header.request_id;
	clock_gettime(CLOCK_MONOTONIC, &job->started);
	return job;
}

/* Answers a job at once, from the loop, and frees it. */
static void dispatch_answer_now(struct dispatch *d, struct job *job)
{
	dispatch_send_reply(d, job->worker_slot, job->worker_generation,
	    job->request_id, job->status, job->message, job->response);
	audit_job(job);
	d->requests++;
	job_free(job);
}

/*
 * Takes the connection the worker passed with an admin-socket request and
 * records in job what the kernel says of its peer (auth_admin.h). An
 * admin request without a connection, a connection with any other
 * request, or a descriptor that is no admin-socket client kills the
 * worker: an honest one never sends them. A client that has just hung up
 * leaves the job unverified (authz then refuses it). Returns false after
 * killing the worker and freeing job.
 */
static bool dispatch_admin_peer(struct dispatch *d, unsigned slot, struct job *job)
{
	const struct auth_context *a = auth_context_get();
	bool admin = job->caller->transport == CONTAINARIUM__IPC__CALLER__TRANSPORT__ADMIN;
	int fd = d->passed_fd, r = 0;
	struct auth_admin_peer peer;

	d->passed_fd = -1;
	if (admin && fd >= 0 && a && a->admin_socket[0]) {
		r = auth_admin_verify_fd(fd, a->admin_socket, &peer);
		/* Workers of the generation before a reload serve the old path. */
		if (r == -EADDRNOTAVAIL && a->admin_socket_previous &&
		    a->admin_socket_previous[0])
			r = auth_admin_verify_fd(fd, a->admin_socket_previous, &peer);
	} else if (admin || fd >= 0)
		r = -EBADMSG;
	if (fd >= 0)
		close(fd);
	if (admin && r == 0) {
		job->peer_verified = true;
		job->peer_in_admin_group = a->have_admin_gid &&
		    auth_admin_peer_in_group(&peer, a->admin_gid);
		job->peer_uid = peer.uid;
		job->peer_gid = peer.gid;
		job->peer_pid = peer.pid;
	}
	if (r == 0 || r == -ECONNRESET)
		return true;
	job_free(job);
	supervisor_kill(d->supervisor, slot, r == -EBADMSG ? (admin ?
	    "admin-socket request without its connection" :
	    "descriptor passed with a request not from the admin socket") :
	    "passed a descriptor that is no admin-socket client connection");
	return false;
}

static void dispatch_request(struct dispatch *d, unsigned slot,
    const struct ipc_packet *p, const struct method_info *method)
{
	struct worker *w = &d->supervisor->workers[slot];
	char err[256];
	const char *user;
	struct job *job;

	job = dispatch_decode(d, slot, p, method);
	if (!job || !dispatch_admin_peer(d, slot, job))
		return;
	user = method_request_username(method->id, job->request);
	if (method->mutating && user[0])
		snprintf(job->container, sizeof(job->container), "%s-container", user);
	if (job->status != GRPC_STATUS_OK ||
	    validate_request(method->id, job->request, err, sizeof(err)) < 0) {
		log_warning("Worker %u forwarded an invalid %s request: %s",
		    slot, method->name, job->message ? job->message : err);
		if (job->status == GRPC_STATUS_OK)
			job_fail(job, GRPC_STATUS_INVALID_ARGUMENT, "%s", err);
	} else if (w->in_flight >= d->supervisor->max_calls)
		job_fail(job, GRPC_STATUS_RESOURCE_EXHAUSTED, "worker has too many calls in flight");
	else if (ops_answer_in_loop(job)) {
		/* A read the cache answers alone: no operation-thread round trip. */
	} else if (op_pool_submit(d->pool, job) < 0)
		job_fail(job, GRPC_STATUS_RESOURCE_EXHAUSTED, "too many operations queued; retry later");
	else {
		w->in_flight++;
		return;
	}
	dispatch_answer_now(d, job);
}

/* Routes one packet by type; anything a worker may not send kills it. */
static void dispatch_packet(struct dispatch *d, unsigned slot, const struct ipc_packet *p)
{
	const struct method_info *method = method_lookup(p->header.type);

	if (method)
		dispatch_request(d, slot, p, method);
	else if (p->header.type == IPC_TYPE_LOG)
		dispatch_worker_log(d, slot, p);
	else if (p->header.type == IPC_TYPE_READY)
		dispatch_worker_ready(d, slot, p);
	else if (p->header.type == IPC_TYPE_PONG)
		dispatch_worker_pong(d, slot, p);
	else {
		char why[64];

		snprintf(why, sizeof(why), "message type %u is not allowed", p->header.type);
		supervisor_kill(d->supervisor, slot, why);
	}
}

void dispatch_worker_input(struct dispatch *d, unsigned slot)
{
	struct worker *w = &d->supervisor->workers[slot];

	for (int i = 0; i < DISPATCH_MAX_PACKETS_PER_WAKE && w->ipc_fd >= 0; i++) {
		struct ipc_packet p;
		int r = ipc_recv_fd(w->ipc_fd, d->buffer, &p, &d->passed_fd);

		if (r == -EAGAIN)
			return;
		if (r == -ECONNRESET) {
			/* The worker is exiting; SIGCHLD tells why. */
			close(w->ipc_fd);
			w->ipc_fd = -1;
			return;
		}
		if (r < 0) {
			supervisor_kill(d->supervisor, slot, r == -EBADMSG ?
			    "malformed packet" : "channel read error");
			return;
		}
		dispatch_packet(d, slot, &p);
		if (d->passed_fd >= 0) {
			/* Only a request may carry a descriptor. */
			close(d->passed_fd);
			d->passed_fd = -1;
			if (w->ipc_fd >= 0)
				supervisor_kill(d->supervisor, slot, "descriptor passed with a "
				    "message that is no request");
		}
	}
}

void dispatch_finished_jobs(struct dispatch *d)
{
	struct job *job = op_pool_take_done(d->pool);

	while (job) {
		struct job *next = job->next;
		struct worker *w = &d->supervisor->workers[job->worker_slot];

		if (w->generation == job->worker_generation && w->in_flight > 0)
			w->in_flight--;
		dispatch_send_reply(d, job->worker_slot, job->worker_generation,
		    job->request_id, job->status, job->message, job->response);
		audit_job(job);
		d->requests++;
		job_free(job);
		job = next;
	}
}
