/*
 * worker_accept.h - the acceptor thread.
 *
 * The worker shares the master's listening sockets with its sibling
 * workers. One thread waits on them (EPOLLEXCLUSIVE, so one worker wakes
 * per connection), accepts, records the peer's identity (worker_peer.h) and
 * hands the connection to grpc with grpc_server_add_channel_from_fd().
 */
#ifndef CONTAINARIUM_WORKER_ACCEPT_H
#define CONTAINARIUM_WORKER_ACCEPT_H

#include <grpc/grpc.h>

/*
 * Starts accepting on tcp_fd and admin_fd (either may be -1; the listeners
 * are made non-blocking, which their siblings share) for server. Returns 0
 * or a negative errno.
 */
int worker_accept_start(grpc_server *server, int tcp_fd, int admin_fd);

/* Stops the thread and joins it; no connection is added afterwards. */
void worker_accept_stop(void);

#endif
