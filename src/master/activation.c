/*
 * activation.c - taking systemd's listeners; see activation.h.
 */
#include "activation.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#define ACTIVATION_MIN_FD 10

/* Closes fds [SD_LISTEN_FDS_START, +n) and frees names (NULL-terminated). */
static void activation_discard(int n, char **names)
{
	for (int i = 0; i < n; i++)
		close(SD_LISTEN_FDS_START + i);
	if (names)
		for (int i = 0; names[i]; i++)
			free(names[i]);
	free(names);
}

/*
 * Checks that fd is the listener called name and moves it to a number at
 * or above ACTIVATION_MIN_FD, close-on-exec, into *slot. Returns 0 or a
 * negative errno with the reason in err.
 */
static int activation_adopt(int fd, const char *name, int *slot, char *err, size_t errlen)
{
	int ok, moved;

	if (*slot >= 0) {
		snprintf(err, errlen, "systemd passed two sockets named \"%s\"", name);
		return -EEXIST;
	}
	ok = strcmp(name, "grpc") == 0 ?
	    sd_is_socket_inet(fd, AF_UNSPEC, SOCK_STREAM, 1, 0) :
	    sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0);
	if (ok <= 0) {
		snprintf(err, errlen, "the socket systemd passed as \"%s\" (fd %d) is not a "
		    "listening %s stream socket", name, fd,
		    strcmp(name, "grpc") == 0 ? "TCP" : "Unix");
		return ok < 0 ? ok : -ENOTSOCK;
	}
	moved = fcntl(fd, F_DUPFD_CLOEXEC, ACTIVATION_MIN_FD);
	if (moved < 0) {
		snprintf(err, errlen, "cannot move the \"%s\" socket: %s", name, strerror(errno));
		return -errno;
	}
	*slot = moved;
	return 0;
}

/* Adopts every passed fd by name. Returns 0 or a negative errno. */
static int activation_adopt_all(int n, char **names, struct activation *a,
    char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		const char *name = names && names[i] ? names[i] : "unknown";
		int fd = SD_LISTEN_FDS_START + i, r;

		if (strcmp(name, "grpc") == 0)
			r = activation_adopt(fd, name, &a->grpc_fd, err, errlen);
		else if (strcmp(name, "admin") == 0)
			r = activation_adopt(fd, name, &a->admin_fd, err, errlen);
		else {
			snprintf(err, errlen, "systemd passed a socket named \"%.64s\" (fd %d); "
			    "only \"grpc\" and \"admin\" are known (FileDescriptorName=)", name, fd);
			r = -EINVAL;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int activation_take(struct activation *ret, char *err, size_t errlen)
{
	struct activation a = { .grpc_fd = -1, .admin_fd = -1 };
	char **names = NULL;
	int n, r;

	n = sd_listen_fds_with_names(1, &names);
	if (n < 0) {
		snprintf(err, errlen, "cannot read the sockets systemd passed: %s", strerror(-n));
		return n;
	}
	r = activation_adopt_all(n, names, &a, err, errlen);
	activation_discard(n, names);
	if (r < 0) {
		if (a.grpc_fd >= 0)
			close(a.grpc_fd);
		if (a.admin_fd >= 0)
			close(a.admin_fd);
		return r;
	}
	*ret = a;
	return 0;
}
