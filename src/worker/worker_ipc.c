/*
 * worker_ipc.c - sending to and reading from the master; see worker_ipc.h.
 *
 * The master is the only legitimate peer of this channel, so the reader
 * treats anything but a well-formed Reply as a protocol violation: it stops
 * reading, marks the channel broken and lets the main loop shut down.
 */
#include "worker_ipc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <grpc/status.h>
#include <grpc/support/log.h>

#include "common/ipc.h"
#include "common/log.h"
#include "containarium/ipc/ipc.pb-c.h"
#include "worker_call.h"
#include "worker_status.h"

#define WORKER_IPC_LOG_LINE_MAX 4096

static int worker_ipc_fd = -1;
static atomic_int worker_ipc_state_current = WORKER_IPC_OPEN;
static atomic_bool worker_ipc_stopping;
static pthread_t worker_ipc_reader;
static bool worker_ipc_reader_running;

enum worker_ipc_state worker_ipc_get_state(void)
{
	return (enum worker_ipc_state)atomic_load(&worker_ipc_state_current);
}

int worker_ipc_send(uint16_t type, uint32_t request_id, const ProtobufCMessage *msg)
{
	return worker_ipc_send_fd(type, request_id, msg, -1);
}

int worker_ipc_send_fd(uint16_t type, uint32_t request_id, const ProtobufCMessage *msg,
    int pass_fd)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf;
	int r;

	if (len > IPC_MAX_PAYLOAD)
		return -EMSGSIZE;
	buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(msg, buf);
	r = ipc_send_fd(worker_ipc_fd, type, request_id, buf, len, pass_fd);
	explicit_bzero(buf, len);
	free(buf);
	return r;
}

int worker_ipc_send_ready(void)
{
	Containarium__Ipc__Ready ready = CONTAINARIUM__IPC__READY__INIT;

	ready.pid = (int32_t)getpid();
	return worker_ipc_send(IPC_TYPE_READY, 0, &ready.base);
}

/*
 * Copies line into out (outlen bytes), replacing every byte that is not
 * printable ASCII by '?', so a peer-controlled byte can never make the
 * LogLine an invalid proto3 string or forge a line break.
 */
static void worker_ipc_sanitize(const char *line, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; line[i] && i + 1 < outlen; i++)
		out[i] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
	out[i] = '\0';
}

/* log_forwarder: ships one line to the master, or to stderr if that fails. */
static void worker_ipc_forward_log(int priority, const char *message)
{
	Containarium__Ipc__LogLine line = CONTAINARIUM__IPC__LOG_LINE__INIT;
	char clean[WORKER_IPC_LOG_LINE_MAX];

	worker_ipc_sanitize(message, clean, sizeof(clean));
	line.priority = priority;
	line.message = clean;
	if (worker_ipc_send(IPC_TYPE_LOG, 0, &line.base) < 0)
		dprintf(STDERR_FILENO, "containarium-worker[%d]: <%d> %s\n",
		    (int)getpid(), priority, clean);
}

/*
 * Any network peer can fail a TLS handshake at will, and grpc logs each
 * failure as an error: such lines are warnings, at most one a second per
 * worker. Returns false for a line to drop. Called on grpc's threads.
 */
static bool worker_ipc_grpc_line_wanted(const char *message, int *priority)
{
	static _Atomic time_t last;
	time_t now;

	if (strncmp(message, "Handshake failed", 16) != 0)
		return true;
	*priority = LOG_WARNING;
	now = time(NULL);
	return atomic_exchange(&last, now) != now;
}

/* gpr_log_func: grpc's own lines take the same path as ours. */
static void worker_ipc_forward_grpc_log(gpr_log_func_args *args)
{
	int priority = args->severity == GPR_LOG_SEVERITY_ERROR ? LOG_ERR :
	    args->severity == GPR_LOG_SEVERITY_INFO ? LOG_INFO : LOG_DEBUG;

	if (!worker_ipc_grpc_line_wanted(args->message, &priority))
		return;

	log_internal(priority, "grpc: %s (%s:%d)", args->message,
	    args->file, args->line);
}

void worker_ipc_setup(int fd)
{
	worker_ipc_fd = fd;
	log_set_forwarder(worker_ipc_forward_log);
	gpr_set_log_function(worker_ipc_forward_grpc_log);
}

/* Records a Ping for the main loop to answer. Returns 0 or -EBADMSG. */
static int worker_ipc_ping(const struct ipc_packet *packet)
{
	Containarium__Ipc__Ping *ping;

	ping = containarium__ipc__ping__unpack(NULL, packet->payload_len, packet->payload);
	if (!ping)
		return log_error_errno(-EBADMSG, "Master sent a Ping that does not decode");
	worker_status_ping_received(ping->sequence);
	containarium__ipc__ping__free_unpacked(ping, NULL);
	return 0;
}

/*
 * Decodes and routes one packet from the master. Returns 0, or -EBADMSG
 * when the packet breaks the protocol (the caller then breaks the channel).
 */
static int worker_ipc_dispatch(const struct ipc_packet *packet)
{
	Containarium__Ipc__Reply *reply;
	int r = 0;

	if (packet->header.type == IPC_TYPE_PING && packet->header.request_id == 0)
		return worker_ipc_ping(packet);
	if (packet->header.type != IPC_TYPE_REPLY || packet->header.request_id == 0)
		return log_error_errno(-EBADMSG, "Master sent packet type %u for request %u, refusing",
		    packet->header.type, packet->header.request_id);
	reply = containarium__ipc__reply__unpack(NULL, packet->payload_len,
	    packet->payload);
	if (!reply)
		return log_error_errno(-EBADMSG, "Master sent a Reply that does not decode");
	if (reply->status < GRPC_STATUS_OK || reply->status > GRPC_STATUS_UNAUTHENTICATED)
		r = log_error_errno(-EBADMSG, "Master sent status %d, refusing", reply->status);
	else if (worker_call_reply(packet->header.request_id, reply->status,
	    reply->message, reply->body.data, reply->body.len) == -ENOENT)
		log_debug("Reply for request %u dropped: the call is gone",
		    packet->header.request_id);
	containarium__ipc__reply__free_unpacked(reply, NULL);
	return r;
}

/* Marks the channel as ended by the master, unless we are stopping it. */
static void worker_ipc_end(enum worker_ipc_state state)
{
	if (atomic_load(&worker_ipc_stopping))
		return;
	atomic_store(&worker_ipc_state_current, state);
	if (state == WORKER_IPC_BROKEN)
		(void)shutdown(worker_ipc_fd, SHUT_RD);
}

/* The reader thread: routes Replies until end of stream or a violation. */
static void *worker_ipc_read_loop(void *arg)
{
	struct ipc_packet packet;
	uint8_t *buf = arg;
	int r;

	for (;;) {
		r = ipc_recv(worker_ipc_fd, buf, &packet);
		if (r == -ECONNRESET) {
			if (!atomic_load(&worker_ipc_stopping))
				log_info("Master closed the channel");
			worker_ipc_end(WORKER_IPC_CLOSED);
			break;
		}
		if (r < 0) {
			if (!atomic_load(&worker_ipc_stopping))
				log_error_errno(r, "Bad packet from master: %m");
			worker_ipc_end(WORKER_IPC_BROKEN);
			break;
		}
		if (worker_ipc_dispatch(&packet) < 0) {
			worker_ipc_end(WORKER_IPC_BROKEN);
			break;
		}
	}
	free(buf);
	return NULL;
}

int worker_ipc_reader_start(void)
{
	uint8_t *buf = malloc(IPC_MAX_PACKET);
	int r;

	if (!buf)
		return -ENOMEM;
	r = pthread_create(&worker_ipc_reader, NULL, worker_ipc_read_loop, buf);
	if (r != 0) {
		free(buf);
		return -r;
	}
	worker_ipc_reader_running = true;
	return 0;
}

void worker_ipc_reader_stop(void)
{
	if (!worker_ipc_reader_running)
		return;
	atomic_store(&worker_ipc_stopping, true);
	(void)shutdown(worker_ipc_fd, SHUT_RD);
	pthread_join(worker_ipc_reader, NULL);
	worker_ipc_reader_running = false;
}
