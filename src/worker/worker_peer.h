/*
 * worker_peer.h - who is at the other end of each accepted connection.
 *
 * grpc_server_add_channel_from_fd() names a connection "fd:N" and nothing
 * else, so the acceptor records each connection's identity here, keyed by
 * its descriptor, before handing the descriptor to grpc; a call's peer
 * string then finds it. An entry is overwritten when its descriptor number
 * is accepted again. This is sound because grpc keeps a connection's
 * descriptor open while any call on it is alive, and a lookup is only made
 * while the worker holds such a call.
 */
#ifndef CONTAINARIUM_WORKER_PEER_H
#define CONTAINARIUM_WORKER_PEER_H

#include <stdint.h>
#include <sys/socket.h>

/* Connections per worker; a descriptor at or above this is refused. */
#define WORKER_PEER_FD_MAX 4160
#define WORKER_PEER_NAME_MAX 96
/* A certificate's common name is at most 64 characters (RFC 5280). */
#define WORKER_PEER_TLS_IDENTITY_MAX 65

enum worker_transport {
	WORKER_TRANSPORT_TCP = 1,    /* same numbers as Caller.Transport */
	WORKER_TRANSPORT_ADMIN = 2,
};

struct worker_peer {
	enum worker_transport transport;
	char name[WORKER_PEER_NAME_MAX];  /* "ipv4:1.2.3.4:5", "unix:uid=0" */
	int64_t uid, gid, pid;            /* -1 unless admin */
	char tls_identity[WORKER_PEER_TLS_IDENTITY_MAX]; /* verified client CN, or "" */
	int fd;                           /* "fd:N" connections: N (worker_peer_set) */
};

/* Allocates the table. Returns 0 or -ENOMEM. */
int worker_peer_setup(void);

/*
 * Fills *ret with the identity of the connected socket fd accepted on a
 * listener of the given transport (getpeername / SO_PEERCRED). Returns 0,
 * or a negative errno (the peer may already be gone).
 */
int worker_peer_from_socket(int fd, enum worker_transport transport,
    struct worker_peer *ret);

/*
 * Formats a TCP peer address as grpc does: "ipv4:a.b.c.d:port" or
 * "ipv6:[addr]:port" (v4-mapped addresses as ipv4). Returns 0 or -EAFNOSUPPORT.
 */
int worker_peer_format_inet(const struct sockaddr *sa, socklen_t len,
    char *buf, size_t buflen);

/* Records peer as the identity of descriptor fd. Returns 0 or -EBADF. */
int worker_peer_set(int fd, const struct worker_peer *peer);

/*
 * Finds the identity behind a grpc peer string "fd:N". Returns 0 and
 * copies it to *ret, -EINVAL for another form, -ENOENT when unknown.
 */
int worker_peer_lookup(const char *grpc_peer, struct worker_peer *ret);

/*
 * Fills *ret for a TCP connection that grpc names by its address,
 * "ipv4:a.b.c.d:port" or "ipv6:[addr]:port", as it does the connections
 * handed over for TLS (worker_tls.h; grpc read the address itself with
 * getpeername). Returns 0, or -EINVAL for another form or a name too long.
 */
int worker_peer_from_grpc_address(const char *grpc_peer, struct worker_peer *ret);

#endif
