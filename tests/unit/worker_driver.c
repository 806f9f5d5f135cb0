/*
 * worker_driver.c - a test-only main for worker_main().
 *
 *     worker_driver IPC_FD TCP_FD ADMIN_FD -- --id N --max-message-bytes B ...
 *
 * moves the three inherited descriptors (-1: absent) to 3, 4 and 5, closes
 * the originals, and runs the worker as the master would have started it.
 * tests/worker/test_worker_standalone.py plays the master around it.
 * Not a unit test itself (no test_ prefix): build it with
 *     make BUILD=build-worker build-worker/tests/worker_driver
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker/worker.h"

/* Parses a descriptor number or -1. Returns 0 or -EINVAL. */
static int driver_parse_fd(const char *s, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < -1 || v > 65535)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

/* Moves fds[i] to 3 + i for i in 0..2; -1 leaves 3 + i closed. */
static int driver_move_fds(const int fds[3])
{
	int high[3];

	for (int i = 0; i < 3; i++) {
		high[i] = fds[i] >= 0 ? fcntl(fds[i], F_DUPFD_CLOEXEC, 10) : -1;
		if (fds[i] >= 0 && high[i] < 0)
			return -errno;
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (int i = 0; i < 3; i++) {
		if (high[i] < 0) {
			close(3 + i);
			continue;
		}
		if (dup2(high[i], 3 + i) < 0)
			return -errno;
		close(high[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int fds[3];

	if (argc < 5 || strcmp(argv[4], "--") != 0 ||
	    driver_parse_fd(argv[1], &fds[0]) < 0 ||
	    driver_parse_fd(argv[2], &fds[1]) < 0 ||
	    driver_parse_fd(argv[3], &fds[2]) < 0) {
		fprintf(stderr, "usage: %s IPC_FD TCP_FD ADMIN_FD -- WORKER-OPTIONS\n", argv[0]);
		return 2;
	}
	if (driver_move_fds(fds) < 0) {
		perror("worker_driver: moving descriptors");
		return 2;
	}
	argv[4] = "__worker";
	return worker_main(argc - 4, argv + 4);
}
