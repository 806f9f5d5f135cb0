/*
 * activation.h - listening sockets passed by systemd (socket activation).
 *
 * containarium.socket passes up to two listeners, named by FileDescriptorName=:
 * "grpc" (a TCP stream listener) and "admin" (a Unix stream listener). The
 * master takes them with sd_listen_fds_with_names() and hands them to the
 * workers exactly as it hands sockets it binds itself. Anything else passed
 * (an unknown name, a second socket of one name, a socket of the wrong
 * kind) is refused: the daemon does not start.
 */
#ifndef CONTAINARIUM_ACTIVATION_H
#define CONTAINARIUM_ACTIVATION_H

#include <stddef.h>

struct activation {
	int grpc_fd;    /* TCP listener, numbered >= 10, close-on-exec; or -1 */
	int admin_fd;   /* Unix listener, likewise; or -1 */
};

/*
 * Takes the sockets systemd passed, if any, and unsets LISTEN_* so no
 * child sees them. Returns 0 with both fds -1 when nothing was passed,
 * 0 with the fds set, or a negative errno with a reason in err (errlen
 * bytes), every passed fd closed. Never logs.
 */
int activation_take(struct activation *ret, char *err, size_t errlen);

#endif
