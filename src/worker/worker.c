/*
 * worker.c - the worker process from start to exit; see worker.h.
 *
 * Start-up order matters: the command line and the descriptor layout are
 * checked first, then logging moves onto the IPC channel, then
 * worker_sandbox_apply() drops privileges and loads the seccomp filter,
 * and only after that does grpc start. Nothing after that point
 * needs a privilege.
 */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <grpc/grpc.h>

#include "common/ipc.h"
#include "common/log.h"
#include "worker_accept.h"
#include "worker_args.h"
#include "worker_call.h"
#include "worker_ipc.h"
#include "worker_loop.h"
#include "worker_peer.h"
#include "worker_pending.h"
#include "worker_tls.h"
#include "worker_sandbox.h"

#define WORKER_FD_IPC 3
#define WORKER_FD_TCP 4
#define WORKER_FD_ADMIN 5

/* What one of the inherited descriptors must be. */
struct worker_fd_spec {
	int fd;
	const char *name;
	bool required;
	int type;
	bool listening;
	int domains[2];
};

/* Returns the socket option opt of fd, or -1. */
static int worker_sockopt(int fd, int opt)
{
	int value;
	socklen_t len = sizeof(value);

	if (getsockopt(fd, SOL_SOCKET, opt, &value, &len) < 0)
		return -1;
	return value;
}

/*
 * Checks that spec->fd is the socket spec describes and marks it CLOEXEC.
 * Returns 1 when it is, 0 when it is absent and optional, -EBADF otherwise.
 */
static int worker_fd_check(const struct worker_fd_spec *spec)
{
	int domain;

	if (fcntl(spec->fd, F_GETFD) < 0) {
		if (!spec->required)
			return 0;
		log_error("fd %d (%s) is missing", spec->fd, spec->name);
		return -EBADF;
	}
	domain = worker_sockopt(spec->fd, SO_DOMAIN);
	if (worker_sockopt(spec->fd, SO_TYPE) != spec->type ||
	    (domain != spec->domains[0] && domain != spec->domains[1]) ||
	    worker_sockopt(spec->fd, SO_ACCEPTCONN) != (int)spec->listening) {
		log_error("fd %d is not the %s socket", spec->fd, spec->name);
		return -EBADF;
	}
	if (fcntl(spec->fd, F_SETFD, FD_CLOEXEC) < 0)
		return log_error_errno(-errno, "fd %d: %m", spec->fd);
	return 1;
}

/* Checks fds 3, 4 and 5. Sets *ret_tcp and *ret_admin to 4 and 5 or -1. */
static int worker_fds_check(int *ret_tcp, int *ret_admin)
{
	static const struct worker_fd_spec specs[] = {
		{ WORKER_FD_IPC, "IPC", true, SOCK_SEQPACKET, false, { AF_UNIX, AF_UNIX } },
		{ WORKER_FD_TCP, "TCP listening", false, SOCK_STREAM, true, { AF_INET, AF_INET6 } },
		{ WORKER_FD_ADMIN, "admin listening", false, SOCK_STREAM, true, { AF_UNIX, AF_UNIX } },
	};
	int present[3];

	for (int i = 0; i < 3; i++) {
		present[i] = worker_fd_check(&specs[i]);
		if (present[i] < 0)
			return present[i];
	}
	*ret_tcp = present[1] ? WORKER_FD_TCP : -1;
	*ret_admin = present[2] ? WORKER_FD_ADMIN : -1;
	return 0;
}

/* Lets the process hold the descriptors its connection bound needs. */
static void worker_raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t want = WORKER_PEER_FD_MAX + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warning("Cannot raise the descriptor limit: %m");
}

/* Returns a server configured from args, with no port. NULL on failure. */
static grpc_server *worker_server_create(const struct worker_args *args)
{
	grpc_arg a[] = {
		{ GRPC_ARG_INTEGER, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
		  { .integer = (int)args->max_message_bytes } },
		{ GRPC_ARG_INTEGER, GRPC_ARG_MAX_SEND_MESSAGE_LENGTH,
		  { .integer = (int)IPC_MAX_PAYLOAD } },
		{ GRPC_ARG_INTEGER, GRPC_ARG_MAX_METADATA_SIZE, { .integer = 16384 } },
		{ GRPC_ARG_INTEGER, GRPC_ARG_MAX_CONCURRENT_STREAMS, { .integer = 100 } },
		{ GRPC_ARG_INTEGER, GRPC_ARG_KEEPALIVE_TIME_MS, { .integer = 300000 } },
		{ GRPC_ARG_INTEGER, GRPC_ARG_KEEPALIVE_TIMEOUT_MS, { .integer = 20000 } },
		{ GRPC_ARG_INTEGER, GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
		  { .integer = 10000 } },
		{ GRPC_ARG_INTEGER, GRPC_ARG_MAX_CONNECTION_IDLE_MS, { .integer = 600000 } },
		/* Connections are recycled (graceful GOAWAY) often enough that a
		 * draining worker's clients move on before it stops (worker_loop.h). */
		{ GRPC_ARG_INTEGER, GRPC_ARG_MAX_CONNECTION_AGE_MS,
		  { .integer = worker_loop_connection_age_ms(args->drain_ms) } },
		/* No grace limit: a long create on an aged connection runs to its
		 * end; a draining worker bounds its calls itself. */
		{ GRPC_ARG_INTEGER, GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, { .integer = INT_MAX } },
		/* A TLS handshake must be over in this time (worker_tls.h). */
		{ GRPC_ARG_INTEGER, GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, { .integer = 10000 } },
		worker_tls_server_arg(),
	};
	grpc_channel_args channel_args = { sizeof(a) / sizeof(a[0]), a };

	return grpc_server_create(&channel_args, NULL);
}

/*
 * Starts serving: method registration, the server, the first call
 * requests, the IPC reader, the acceptor, Ready. Returns 0 or a negative
 * errno; the server is started even on failure, so the caller shuts it down.
 */
static int worker_start(const struct worker_args *args, grpc_server *server,
    grpc_completion_queue *cq, int tcp_fd, int admin_fd,
    struct worker_tls_material *tls)
{
	int r, r_tls = 0;

	grpc_server_register_completion_queue(server, cq, NULL);
	r = worker_call_register(server, cq, args->max_message_bytes);
	if (tls->mode != WORKER_TLS_OFF)
		r_tls = worker_tls_start(server, tls);
	worker_tls_material_clear(tls);
	grpc_server_start(server);
	if (r < 0)
		return log_error_errno(r, "Cannot register the methods: %m");
	if (r_tls < 0)
		return log_error_errno(r_tls, "Cannot serve TLS (%s): %m", r_tls == -ENOTSUP ?
		    "this grpc is not 1.51" : "grpc refused the certificate or key");
	r = worker_pending_setup(args->max_calls);
	if (r == 0)
		r = worker_peer_setup();
	if (r == 0)
		r = worker_call_request_all();
	if (r == 0)
		r = worker_ipc_reader_start();
	if (r < 0)
		return log_error_errno(r, "Cannot start serving: %m");
	r = worker_accept_start(server, tcp_fd, admin_fd);
	if (r < 0)
		return r;
	r = worker_ipc_send_ready();
	if (r < 0)
		return log_error_errno(r, "Cannot tell the master we are ready: %m");
	log_info("Worker %u serving (pid %d, tcp %s, admin %s)", args->id,
	    (int)getpid(), tcp_fd < 0 ? "no" : worker_tls_enabled() ? "tls" : "yes",
	    admin_fd >= 0 ? "yes" : "no");
	return 0;
}

/* Serves until shutdown, then releases grpc. Returns the exit status. */
static int worker_serve(const struct worker_args *args, int tcp_fd, int admin_fd,
    struct worker_tls_material *tls)
{
	grpc_completion_queue *cq;
	grpc_server *server;
	bool clean;
	int status;

	grpc_init();
	cq = grpc_completion_queue_create_for_next(NULL);
	server = worker_server_create(args);
	status = worker_loop_run(server, cq,
	    worker_start(args, server, cq, tcp_fd, admin_fd, tls) < 0, &clean);
	worker_accept_stop();
	worker_ipc_reader_stop();
	if (!clean)
		return status;
	/* No reply can come in any more: answer whatever still waits. */
	worker_call_fail_pending(GRPC_STATUS_UNAVAILABLE, "worker shutting down");
	grpc_server_destroy(server);
	grpc_completion_queue_shutdown(cq);
	worker_loop_drain(cq);
	grpc_completion_queue_destroy(cq);
	grpc_shutdown();
	return status;
}

int worker_main(int argc, char **argv)
{
	struct worker_args args;
	struct worker_tls_material tls;
	int tcp_fd, admin_fd, r;
	const char *step;
	char err[160];

	log_setup(LOG_TARGET_STDERR, LOG_INFO);
	if (worker_args_parse(argc, argv, &args, err, sizeof(err)) < 0) {
		log_error("Bad worker command line: %s", err);
		return 2;
	}
	if (worker_fds_check(&tcp_fd, &admin_fd) < 0)
		return 2;
	r = worker_tls_material_inherit(WORKER_FD_TLS, &tls);
	if (r < 0) {
		log_error_errno(r, "fd %d is not usable TLS material: %m", WORKER_FD_TLS);
		return 2;
	}
	r = worker_loop_signals_setup();
	if (r < 0) {
		log_error_errno(r, "Cannot set up signals: %m");
		return 1;
	}
	worker_loop_set_drain_ms(args.drain_ms);
	(void)ipc_socket_tune(WORKER_FD_IPC);
	worker_ipc_setup(WORKER_FD_IPC);
	worker_raise_fd_limit();
	if (tls.mode != WORKER_TLS_OFF && worker_tls_prepare() < 0) {
		log_error("Cannot initialise OpenSSL");
		return 1;
	}
	/* Fds in place, nothing served yet: give up every power now. */
	r = worker_sandbox_apply(args.uid, args.gid, &step);
	if (r < 0) {
		log_error_errno(r, "Cannot sandbox the worker (%s): %m", step);
		return 1;
	}
	r = worker_serve(&args, tcp_fd, admin_fd, &tls);
	close(WORKER_FD_IPC);
	if (tcp_fd >= 0)
		close(tcp_fd);
	if (admin_fd >= 0)
		close(admin_fd);
	return r;
}
