/*
 * worker_accept.c - the acceptor thread; see worker_accept.h.
 *
 * A connection is bounded by its descriptor number: the worker refuses a
 * descriptor at or above WORKER_PEER_FD_MAX, which also bounds the number
 * of connections it serves, since descriptors are allocated lowest first.
 */
#include "worker_accept.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <grpc/grpc_posix.h>
#include <grpc/grpc_security.h>

#include "common/log.h"
#include "worker_peer.h"
#include "worker_tls.h"
#include "worker_status.h"

#define WORKER_ACCEPT_BATCH 64         /* accepts per wake-up and listener */
#define WORKER_ACCEPT_BACKOFF_MS 100   /* pause when out of descriptors */

struct worker_listener {
	int fd;
	enum worker_transport transport;
};

static grpc_server *worker_accept_server;
static grpc_server_credentials *worker_accept_credentials;
static struct worker_listener worker_accept_listeners[2];
static int worker_accept_epoll_fd = -1, worker_accept_stop_fd = -1;
static pthread_t worker_accept_thread;
static bool worker_accept_running;

/* Returns true at most once per second per caller's clock, to rate-limit
 * log lines a peer can trigger. */
static bool worker_accept_should_log(time_t *last)
{
	time_t now = time(NULL);

	if (now == *last)
		return false;
	*last = now;
	return true;
}

/*
 * Records the connection's identity and gives it to grpc, or closes it.
 * TCP connections go to grpc's TLS handshake when TLS is on (worker_tls.h).
 */
static void worker_accept_adopt(int fd, const struct worker_listener *listener)
{
	enum worker_transport transport = listener->transport;
	static time_t last_full;
	struct worker_peer peer;
	int one = 1, r;

	if (fd >= WORKER_PEER_FD_MAX) {
		if (worker_accept_should_log(&last_full))
			log_warning("Too many connections, refusing a new one");
		close(fd);
		return;
	}
	if (transport == WORKER_TRANSPORT_TCP)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r = worker_peer_from_socket(fd, transport, &peer);
	if (r < 0) {
		log_debug("Dropping connection whose peer is unknown: %s", strerror(-r));
		close(fd);
		return;
	}
	(void)worker_peer_set(fd, &peer);
	worker_status_connection_opened(fd);
	log_debug("Connection from %s on fd %d", peer.name, fd);
	/* grpc owns fd from here and closes it when the connection ends. */
	if (transport == WORKER_TRANSPORT_TCP && worker_tls_enabled())
		worker_tls_handoff(listener->fd, fd);
	else
		grpc_server_add_channel_from_fd(worker_accept_server, fd,
		    worker_accept_credentials);
}

/*
 * Accepts up to WORKER_ACCEPT_BATCH connections waiting on listener.
 * Returns 0, or -EMFILE when the process is out of descriptors.
 */
static int worker_accept_drain(const struct worker_listener *listener)
{
	static time_t last_error;

	for (int i = 0; i < WORKER_ACCEPT_BATCH; i++) {
		int fd = accept4(listener->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd >= 0) {
			worker_accept_adopt(fd, listener);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			if (worker_accept_should_log(&last_error))
				log_warning("Cannot accept a connection: %m");
			return -EMFILE;
		}
		/* EINTR, ECONNABORTED, EPROTO, EPERM...: that one connection. */
	}
	return 0;
}

/* The thread: waits for connections until the stop eventfd fires. */
static void *worker_accept_loop(void *arg)
{
	struct epoll_event events[4];

	(void)arg;
	for (;;) {
		int n = epoll_wait(worker_accept_epoll_fd, events, 4, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_error("epoll_wait failed, acceptor stops: %m");
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			if (events[i].data.ptr == NULL)
				return NULL;   /* the stop eventfd */
			if (worker_accept_drain(events[i].data.ptr) == -EMFILE)
				(void)poll(&(struct pollfd){ worker_accept_stop_fd, POLLIN, 0 },
				    1, WORKER_ACCEPT_BACKOFF_MS);
		}
	}
}

/* Adds fd to the epoll set with ptr as its data. */
static int worker_accept_watch(int fd, void *ptr, uint32_t flags)
{
	struct epoll_event ev = { .events = EPOLLIN | flags, .data.ptr = ptr };

	if (epoll_ctl(worker_accept_epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	return 0;
}

/* Makes listener fd non-blocking and watches it as slot i. */
static int worker_accept_add_listener(int i, int fd, enum worker_transport transport)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	worker_accept_listeners[i] = (struct worker_listener){ fd, transport };
	return worker_accept_watch(fd, &worker_accept_listeners[i], EPOLLEXCLUSIVE);
}

int worker_accept_start(grpc_server *server, int tcp_fd, int admin_fd)
{
	int r;

	worker_accept_server = server;
	worker_accept_credentials = grpc_insecure_server_credentials_create();
	worker_accept_epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	worker_accept_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!worker_accept_credentials || worker_accept_epoll_fd < 0 || worker_accept_stop_fd < 0)
		return log_error_errno(-errno, "Cannot set up the acceptor: %m");
	r = worker_accept_watch(worker_accept_stop_fd, NULL, 0);
	if (r == 0 && tcp_fd >= 0)
		r = worker_accept_add_listener(0, tcp_fd, WORKER_TRANSPORT_TCP);
	if (r == 0 && admin_fd >= 0)
		r = worker_accept_add_listener(1, admin_fd, WORKER_TRANSPORT_ADMIN);
	if (r < 0)
		return log_error_errno(r, "Cannot watch the listeners: %m");
	r = pthread_create(&worker_accept_thread, NULL, worker_accept_loop, NULL);
	if (r != 0)
		return log_error_errno(-r, "Cannot start the acceptor: %m");
	worker_accept_running = true;
	return 0;
}

void worker_accept_stop(void)
{
	uint64_t one = 1;

	if (worker_accept_running) {
		if (write(worker_accept_stop_fd, &one, sizeof(one)) < 0)
			log_error("Cannot stop the acceptor: %m");
		pthread_join(worker_accept_thread, NULL);
		worker_accept_running = false;
	}
	if (worker_accept_epoll_fd >= 0)
		close(worker_accept_epoll_fd);
	if (worker_accept_stop_fd >= 0)
		close(worker_accept_stop_fd);
	worker_accept_epoll_fd = worker_accept_stop_fd = -1;
	if (worker_accept_credentials)
		grpc_server_credentials_release(worker_accept_credentials);
	worker_accept_credentials = NULL;
}
