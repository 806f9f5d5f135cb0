/*
 * bench_server.c - a grpc server that answers every call at once, served
 * the ways the TLS benchmark compares (bench/tls/run.sh):
 *
 *   plain      a listener we bind; the worker's acceptor hands each
 *              connection to grpc_server_add_channel_from_fd (as today)
 *   tls        a listener we bind; the worker's acceptor hands each
 *              connection to grpc's TLS handshake (src/worker/worker_tls.c)
 *   grpc-tls   grpc binds the port itself with SSL server credentials
 *   grpc-plain grpc binds the port itself, insecure
 *
 * The acceptor and the TLS path are the daemon's own code (libworker.a);
 * only the call handling is trivial, so the figures show the transport.
 *
 * Usage: bench_server MODE CERT KEY   (prints the port on stdout, then
 * serves until killed)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>

#include "common/log.h"
#include "worker/worker_accept.h"
#include "worker/worker_peer.h"
#include "worker/worker_tls.h"

struct bench_call {
	grpc_call *call;
	grpc_call_details details;
	grpc_metadata_array metadata;
	grpc_byte_buffer *request;
	int cancelled;
	int answering;
};

static grpc_server *bench_server;
static grpc_completion_queue *bench_cq;

/* Reads a whole file into a NUL-terminated string, or exits. */
static char *bench_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	if (!f || !buf) {
		perror(path);
		exit(1);
	}
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Binds 127.0.0.1:0 and listens. Returns the fd and sets *ret_port. */
static int bench_listen(int *ret_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 512) < 0 || getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		perror("listen");
		exit(1);
	}
	*ret_port = ntohs(sa.sin_port);
	return fd;
}

/* Asks grpc for the next call. */
static void bench_request(void)
{
	struct bench_call *c = calloc(1, sizeof(*c));

	grpc_call_details_init(&c->details);
	grpc_metadata_array_init(&c->metadata);
	if (grpc_server_request_call(bench_server, &c->call, &c->details, &c->metadata,
	    bench_cq, bench_cq, c) != GRPC_CALL_OK)
		exit(1);
}

/* Answers call c with OK and an empty message, all in one batch. */
static void bench_answer(struct bench_call *c)
{
	grpc_slice empty = grpc_empty_slice();
	grpc_byte_buffer *reply = grpc_raw_byte_buffer_create(&empty, 0);
	grpc_op ops[5];

	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_RECV_MESSAGE;
	ops[1].data.recv_message.recv_message = &c->request;
	ops[2].op = GRPC_OP_SEND_MESSAGE;
	ops[2].data.send_message.send_message = reply;
	ops[3].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[3].data.send_status_from_server.status = GRPC_STATUS_OK;
	ops[4].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[4].data.recv_close_on_server.cancelled = &c->cancelled;
	c->answering = 1;
	if (grpc_call_start_batch(c->call, ops, 5, c, NULL) != GRPC_CALL_OK)
		exit(1);
	grpc_byte_buffer_destroy(reply);
}

static void bench_free(struct bench_call *c)
{
	grpc_byte_buffer_destroy(c->request);
	grpc_call_details_destroy(&c->details);
	grpc_metadata_array_destroy(&c->metadata);
	grpc_call_unref(c->call);
	free(c);
}

/* Returns SSL server credentials for the PEM files, TLS only. */
static grpc_server_credentials *bench_ssl_credentials(const char *cert, const char *key)
{
	grpc_ssl_pem_key_cert_pair pair = { bench_read_file(key), bench_read_file(cert) };

	return grpc_ssl_server_credentials_create_ex(NULL, &pair, 1,
	    GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE, NULL);
}

/* Sets up the server for mode; returns the port clients should use. */
static int bench_setup(const char *mode, const char *cert, const char *key, int *ret_fd)
{
	int port = 0;

	*ret_fd = -1;
	if (strcmp(mode, "tls") == 0) {
		struct worker_tls_material m = { WORKER_TLS_ON, bench_read_file(cert),
			bench_read_file(key), NULL };

		if (worker_tls_start(bench_server, &m) < 0) {
			fprintf(stderr, "worker_tls_start failed\n");
			exit(1);
		}
		worker_tls_material_clear(&m);
	} else if (strcmp(mode, "grpc-tls") == 0) {
		grpc_server_credentials *creds = bench_ssl_credentials(cert, key);

		port = grpc_server_add_http2_port(bench_server, "127.0.0.1:0", creds);
		grpc_server_credentials_release(creds);
	} else if (strcmp(mode, "grpc-plain") == 0) {
		grpc_server_credentials *creds = grpc_insecure_server_credentials_create();

		port = grpc_server_add_http2_port(bench_server, "127.0.0.1:0", creds);
		grpc_server_credentials_release(creds);
	} else if (strcmp(mode, "plain") != 0) {
		fprintf(stderr, "unknown mode %s\n", mode);
		exit(2);
	}
	if (strncmp(mode, "grpc-", 5) != 0)
		*ret_fd = bench_listen(&port);
	return port;
}

int main(int argc, char **argv)
{
	grpc_arg arg;
	grpc_channel_args args = { 1, &arg };
	int port, listen_fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s plain|tls|grpc-tls|grpc-plain CERT KEY\n", argv[0]);
		return 2;
	}
	log_setup(LOG_TARGET_STDERR, LOG_WARNING);
	grpc_init();
	arg = worker_tls_server_arg();
	bench_server = grpc_server_create(&args, NULL);
	bench_cq = grpc_completion_queue_create_for_next(NULL);
	grpc_server_register_completion_queue(bench_server, bench_cq, NULL);
	port = bench_setup(argv[1], argv[2], argv[3], &listen_fd);
	grpc_server_start(bench_server);
	if (port <= 0 || worker_peer_setup() < 0 ||
	    (listen_fd >= 0 && worker_accept_start(bench_server, listen_fd, -1) < 0))
		return 1;
	for (int i = 0; i < 64; i++)
		bench_request();
	printf("%d\n", port);
	fflush(stdout);
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(bench_cq,
		    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
		struct bench_call *c = ev.tag;

		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		if (c->answering) {
			bench_free(c);
		} else if (ev.success) {
			bench_answer(c);
			bench_request();
		} else {
			bench_free(c);
			bench_request();
		}
	}
}
