/*
 * bench_bare_server.c - the ceiling of the gRPC stack on this machine: a
 * grpc core server that answers one method with fixed bytes, with no master
 * behind it.
 *
 * It is shaped like Containarium's workers so the comparison is fair: N
 * processes (one per worker), each a grpc server with one completion queue
 * polled by one thread, payload read before the handler runs, and one
 * batch to answer (initial metadata, message, status) plus one to see the
 * call close. The processes share the port (grpc sets SO_REUSEPORT), so
 * the kernel spreads connections over them, as it does over workers
 * accepting on a shared socket.
 *
 * Usage: bench_bare_server ADDRESS METHOD REPLY_FILE PROCESSES
 *   e.g. bench_bare_server 127.0.0.1:50990 \
 *        /containarium.v1.ContainerService/GetSystemInfo reply.bin 2
 * Prints "READY" on stdout when every process serves; stops on SIGTERM.
 */
#include <errno.h>
#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_SLOTS 256          /* calls waited for at once */
#define BENCH_REPLY_MAX (4u * 1024u * 1024u)

struct bench_call {
	grpc_call *call;
	gpr_timespec deadline;
	grpc_metadata_array metadata;
	grpc_byte_buffer *payload;
	grpc_byte_buffer *reply;
	int cancelled;
	int stage;                   /* 0: waiting for a call, 1: answering */
};

static grpc_server *bench_server;
static grpc_completion_queue *bench_cq;
static void *bench_method;
static grpc_slice bench_reply;
static volatile sig_atomic_t bench_stop;

static void bench_on_signal(int sig)
{
	(void)sig;
	bench_stop = 1;
}

/* Waits for the next call in c (reset first). Exits on failure. */
static void bench_request(struct bench_call *c)
{
	memset(c, 0, sizeof(*c));
	grpc_metadata_array_init(&c->metadata);
	if (grpc_server_request_registered_call(bench_server, bench_method, &c->call,
	    &c->deadline, &c->metadata, &c->payload, bench_cq, bench_cq, c) != GRPC_CALL_OK) {
		fprintf(stderr, "bench_bare_server: cannot request a call\n");
		_exit(1);
	}
}

/* Answers an arrived call with the fixed reply and watches it close. */
static void bench_answer(struct bench_call *c)
{
	grpc_slice details = grpc_empty_slice();
	grpc_op ops[4];

	memset(ops, 0, sizeof(ops));
	c->reply = grpc_raw_byte_buffer_create(&bench_reply, 1);
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = c->reply;
	ops[2].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[2].data.send_status_from_server.status = GRPC_STATUS_OK;
	ops[2].data.send_status_from_server.status_details = &details;
	ops[3].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[3].data.recv_close_on_server.cancelled = &c->cancelled;
	c->stage = 1;
	if (grpc_call_start_batch(c->call, ops, 4, c, NULL) != GRPC_CALL_OK) {
		fprintf(stderr, "bench_bare_server: cannot answer\n");
		_exit(1);
	}
}

/* Frees what an answered call holds and waits for the next one in c. */
static void bench_recycle(struct bench_call *c)
{
	grpc_call_unref(c->call);
	grpc_metadata_array_destroy(&c->metadata);
	if (c->payload)
		grpc_byte_buffer_destroy(c->payload);
	grpc_byte_buffer_destroy(c->reply);
	bench_request(c);
}

static int bench_serve(const char *address, const char *method)
{
	static struct bench_call calls[BENCH_SLOTS];
	grpc_server_credentials *creds;

	grpc_init();
	bench_server = grpc_server_create(NULL, NULL);
	bench_cq = grpc_completion_queue_create_for_next(NULL);
	grpc_server_register_completion_queue(bench_server, bench_cq, NULL);
	bench_method = grpc_server_register_method(bench_server, method, NULL,
	    GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
	creds = grpc_insecure_server_credentials_create();
	if (!grpc_server_add_http2_port(bench_server, address, creds)) {
		fprintf(stderr, "bench_bare_server: cannot listen on %s\n", address);
		return 1;
	}
	grpc_server_credentials_release(creds);
	grpc_server_start(bench_server);
	for (size_t i = 0; i < BENCH_SLOTS; i++)
		bench_request(&calls[i]);
	while (!bench_stop) {
		grpc_event ev = grpc_completion_queue_next(bench_cq,
		    gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(100, GPR_TIMESPAN)),
		    NULL);
		struct bench_call *c = ev.tag;

		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		if (c->stage == 0 && ev.success)
			bench_answer(c);
		else if (c->stage == 1)
			bench_recycle(c);
	}
	return 0;
}

/* Reads the reply bytes (a serialized response message). */
static int bench_read_reply(const char *path)
{
	static char data[BENCH_REPLY_MAX];
	FILE *f = fopen(path, "rbe");
	size_t n;

	if (!f)
		return -errno;
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	bench_reply = grpc_slice_from_copied_buffer(data, n);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = bench_on_signal };
	long processes;
	pid_t pids[64];

	if (argc != 5 || (processes = strtol(argv[4], NULL, 10)) < 1 || processes > 64) {
		fprintf(stderr, "usage: bench_bare_server ADDRESS METHOD REPLY_FILE PROCESSES\n");
		return 2;
	}
	if (bench_read_reply(argv[3]) < 0) {
		fprintf(stderr, "bench_bare_server: cannot read %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Fork before grpc_init(): every process gets a fresh grpc. */
	for (long i = 0; i < processes; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(bench_serve(argv[1], argv[2]));
	}
	usleep(300000);
	printf("READY\n");
	fflush(stdout);
	while (!bench_stop)
		pause();
	for (long i = 0; i < processes; i++)
		kill(pids[i], SIGTERM);
	for (long i = 0; i < processes; i++)
		waitpid(pids[i], NULL, 0);
	return 0;
}
