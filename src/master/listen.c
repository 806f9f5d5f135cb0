/*
 * listen.c - binding the TCP and admin listeners; see listen.h.
 */
#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_BACKLOG 512
#define LISTEN_MIN_FD 10

/* Moves fd to a number >= LISTEN_MIN_FD, keeping O_CLOEXEC. */
static int listen_move_fd(int fd)
{
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, LISTEN_MIN_FD);
	int r = moved < 0 ? -errno : moved;

	close(fd);
	return r;
}

/* Splits "host:port" or "[v6]:port" into host and port (both copies). */
static int listen_split(const char *address, char **ret_host, char **ret_port)
{
	const char *colon = strrchr(address, ':');
	const char *host = address;
	size_t host_len;

	if (!colon || colon[1] == '\0')
		return -EINVAL;
	host_len = (size_t)(colon - address);
	if (host_len >= 2 && address[0] == '[' && address[host_len - 1] == ']') {
		host++;
		host_len -= 2;
	}
	*ret_host = strndup(host, host_len);
	*ret_port = strdup(colon + 1);
	if (!*ret_host || !*ret_port) {
		free(*ret_host);
		free(*ret_port);
		return -ENOMEM;
	}
	return 0;
}

static int listen_bind_addrinfo(const struct addrinfo *ai)
{
	int fd, one = 1, r;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return listen_move_fd(fd);
}

int listen_tcp(const char *address)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char *host = NULL, *port = NULL;
	int r;

	r = listen_split(address, &host, &port);
	if (r < 0)
		return r;
	r = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	free(host);
	free(port);
	if (r != 0)
		return r == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
	r = listen_bind_addrinfo(res);
	freeaddrinfo(res);
	return r;
}

/* True when something accepts connections on the socket at sa. */
static int listen_unix_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int in_use;

	if (fd < 0)
		return 0;
	in_use = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return in_use;
}

int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (listen_unix_in_use(&sa))
			return -EADDRINUSE;
		(void)unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0660) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return listen_move_fd(fd);
}
