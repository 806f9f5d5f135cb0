/*
 * rogue_daemon.c - the real master with rogue workers, for
 * tests/security/test_rogue_worker.py. Never installed, never linked into
 * build/containarium.
 *
 * `rogue_daemon daemon --config F` is exactly `containarium daemon`: the
 * same master_main() from the same libmaster.a. The one difference is the
 * process the master spawns as a worker. The supervisor runs
 * /proc/self/exe (this harness) with "__worker"; here that does not serve
 * gRPC but hands the worker's inherited descriptors (3 = its IPC channel,
 * 4 = TCP listener, 5 = admin listener) to the test over the Unix socket
 * named by ROGUE_CONTROL, then waits to be killed. The test then speaks
 * the IPC protocol on the worker's channel as a worker taken over by an
 * attacker would: whatever bytes it likes.
 *
 * The production binary has no such hook: no environment variable and no
 * config key changes what it runs as a worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "master/master.h"

/* Sends "pid N" with descriptors 3, 4 and 5 (those open) over control. */
static int rogue_hand_over(int control)
{
	int fds[3], n = 0;
	char data[32];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(fds))];
	} u;
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	for (int fd = 3; fd <= 5; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			fds[n++] = fd;
	snprintf(data, sizeof(data), "pid %d fds %d", (int)getpid(), n);
	iov = (struct iovec){ data, strlen(data) };
	memset(&u, 0, sizeof(u));
	msg.msg_control = u.buf;
	msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(control, &msg, 0) < 0 ? -errno : 0;
}

/* The "worker": hand everything to the test, then wait for SIGKILL or
 * SIGTERM (from the master) or for the test to close the control socket. */
static int rogue_worker(void)
{
	const char *path = getenv("ROGUE_CONTROL");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int control;
	char byte;

	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return 70;
	strcpy(sa.sun_path, path);
	control = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (control < 0 || connect(control, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    rogue_hand_over(control) < 0)
		return 71;
	while (read(control, &byte, 1) > 0)
		;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "__worker") == 0)
		return rogue_worker();
	if (argc > 1 && strcmp(argv[1], "daemon") == 0)
		return master_main(argc - 1, argv + 1);
	fprintf(stderr, "usage: rogue_daemon daemon --config FILE\n");
	return 2;
}
