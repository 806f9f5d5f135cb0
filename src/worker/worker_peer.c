/*
 * worker_peer.c - the table of connection identities; see worker_peer.h.
 *
 * The acceptor thread writes entries and the completion-queue thread reads
 * them, so every access holds worker_peer_lock.
 */
#include "worker_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker_args.h"

struct worker_peer_slot {
	bool used;
	struct worker_peer peer;
};

static pthread_mutex_t worker_peer_lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker_peer_slot *worker_peer_table;

int worker_peer_setup(void)
{
	if (!worker_peer_table)
		worker_peer_table = calloc(WORKER_PEER_FD_MAX, sizeof(*worker_peer_table));
	return worker_peer_table ? 0 : -ENOMEM;
}

int worker_peer_format_inet(const struct sockaddr *sa, socklen_t len,
    char *buf, size_t buflen)
{
	char addr[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, addr, sizeof(addr));
		snprintf(buf, buflen, "ipv4:%s:%u", addr, ntohs(in->sin_port));
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], addr, sizeof(addr));
			snprintf(buf, buflen, "ipv4:%s:%u", addr, ntohs(in6->sin6_port));
		} else if (in6->sin6_scope_id != 0) {
			inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
			snprintf(buf, buflen, "ipv6:[%s%%%u]:%u", addr,
			    (unsigned)in6->sin6_scope_id, ntohs(in6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &in6->sin6_addr, addr, sizeof(addr));
			snprintf(buf, buflen, "ipv6:[%s]:%u", addr, ntohs(in6->sin6_port));
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* Fills *ret from SO_PEERCRED of a Unix stream socket. */
static int worker_peer_from_unix(int fd, struct worker_peer *ret)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (len != sizeof(cred))
		return -EPROTO;
	ret->transport = WORKER_TRANSPORT_ADMIN;
	ret->uid = cred.uid;
	ret->gid = cred.gid;
	ret->pid = cred.pid;
	snprintf(ret->name, sizeof(ret->name), "unix:uid=%u", (unsigned)cred.uid);
	return 0;
}

/* Fills *ret from getpeername of a TCP socket. */
static int worker_peer_from_tcp(int fd, struct worker_peer *ret)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	ret->transport = WORKER_TRANSPORT_TCP;
	ret->uid = ret->gid = ret->pid = -1;
	return worker_peer_format_inet((struct sockaddr *)&ss, len, ret->name,
	    sizeof(ret->name));
}

int worker_peer_from_socket(int fd, enum worker_transport transport,
    struct worker_peer *ret)
{
	struct worker_peer peer = { 0 };
	int r;

	if (transport == WORKER_TRANSPORT_ADMIN)
		r = worker_peer_from_unix(fd, &peer);
	else
		r = worker_peer_from_tcp(fd, &peer);
	if (r < 0)
		return r;
	*ret = peer;
	return 0;
}

int worker_peer_set(int fd, const struct worker_peer *peer)
{
	if (fd < 0 || fd >= WORKER_PEER_FD_MAX)
		return -EBADF;
	pthread_mutex_lock(&worker_peer_lock);
	worker_peer_table[fd].used = true;
	worker_peer_table[fd].peer = *peer;
	worker_peer_table[fd].peer.fd = fd;
	pthread_mutex_unlock(&worker_peer_lock);
	return 0;
}

int worker_peer_from_grpc_address(const char *grpc_peer, struct worker_peer *ret)
{
	size_t len = strlen(grpc_peer);

	if ((strncmp(grpc_peer, "ipv4:", 5) != 0 && strncmp(grpc_peer, "ipv6:", 5) != 0) ||
	    len >= WORKER_PEER_NAME_MAX)
		return -EINVAL;
	*ret = (struct worker_peer){ .transport = WORKER_TRANSPORT_TCP,
		.uid = -1, .gid = -1, .pid = -1, .fd = -1 };
	memcpy(ret->name, grpc_peer, len + 1);
	return 0;
}

int worker_peer_lookup(const char *grpc_peer, struct worker_peer *ret)
{
	unsigned long long fd;
	int r = -ENOENT;

	if (strncmp(grpc_peer, "fd:", 3) != 0 ||
	    worker_args_parse_number(grpc_peer + 3, 0, WORKER_PEER_FD_MAX - 1, &fd) < 0)
		return -EINVAL;
	pthread_mutex_lock(&worker_peer_lock);
	if (worker_peer_table[fd].used) {
		*ret = worker_peer_table[fd].peer;
		r = 0;
	}
	pthread_mutex_unlock(&worker_peer_lock);
	return r;
}
