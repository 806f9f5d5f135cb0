/*
 * test_auth_admin.c - checking an admin-socket connection a worker passes
 * (master/auth_admin) and passing it over the channel (common/ipc).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/ipc.h"
#include "master/auth_admin.h"

static char dir[] = "/tmp/test_auth_admin.XXXXXX";
static char path[200];
static int listener = -1;

static int connect_client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void test_only_accepted_live_connections_count(void **state)
{
	struct auth_admin_peer peer;
	int client = connect_client(), server = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	int pair[2], file;

	(void)state;
	assert_true(server >= 0);
	assert_int_equal(auth_admin_verify_fd(server, path, &peer), 0);
	assert_int_equal(peer.uid, getuid());
	assert_int_equal(peer.pid, getpid());
	/* The client end: SO_PEERCRED there names whoever listens. */
	assert_int_equal(auth_admin_verify_fd(client, path, &peer), -EADDRNOTAVAIL);
	assert_int_equal(auth_admin_verify_fd(listener, path, &peer), -EADDRNOTAVAIL);
	assert_int_equal(auth_admin_verify_fd(server, "/run/other.sock", &peer), -EADDRNOTAVAIL);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	assert_int_equal(auth_admin_verify_fd(pair[0], path, &peer), -EADDRNOTAVAIL);
	close(pair[0]);
	close(pair[1]);
	file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(auth_admin_verify_fd(file, path, &peer), -ENOTSOCK);
	close(file);
	/* Once the client hangs up, the connection proves nothing. */
	close(client);
	assert_int_equal(auth_admin_verify_fd(server, path, &peer), -ECONNRESET);
	close(server);
}

static void test_group_membership_from_peer_credentials(void **state)
{
	struct auth_admin_peer peer = { .uid = 1000, .gid = 100, .groups = { 4, 27 }, .n_groups = 2 };

	(void)state;
	assert_true(auth_admin_peer_in_group(&peer, 100));
	assert_true(auth_admin_peer_in_group(&peer, 27));
	assert_false(auth_admin_peer_in_group(&peer, 0));
}

static void test_channel_passes_one_descriptor(void **state)
{
	static uint8_t buf[IPC_MAX_PACKET];
	struct ipc_packet p;
	int pair[2], extra[2], got = -2;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, extra), 0);
	assert_int_equal(ipc_send_fd(pair[0], 15, 7, "abc", 3, extra[0]), 0);
	assert_int_equal(ipc_recv_fd(pair[1], buf, &p, &got), 0);
	assert_true(got >= 0 && got != extra[0]);
	assert_int_equal(p.header.request_id, 7);
	assert_true(fcntl(got, F_GETFD) & FD_CLOEXEC);
	close(got);
	/* No descriptor: -1. */
	assert_int_equal(ipc_send(pair[0], 15, 8, "abc", 3), 0);
	assert_int_equal(ipc_recv_fd(pair[1], buf, &p, &got), 0);
	assert_int_equal(got, -1);
	/* ipc_recv accepts none at all. */
	assert_int_equal(ipc_send_fd(pair[0], 15, 9, "abc", 3, extra[0]), 0);
	assert_int_equal(ipc_recv(pair[1], buf, &p), -EBADMSG);
	close(pair[0]);
	close(pair[1]);
	close(extra[0]);
	close(extra[1]);
}

/* Two descriptors in one packet: refused, and neither is left open. */
static void test_channel_refuses_two_descriptors(void **state)
{
	static uint8_t buf[IPC_MAX_PACKET];
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(2 * sizeof(int))];
	} u;
	uint8_t packet[IPC_HEADER_SIZE] = { 15, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
	struct iovec iov = { packet, sizeof(packet) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
		.msg_controllen = sizeof(u.b) };
	struct cmsghdr *c;
	struct ipc_packet p;
	int pair[2], fds[2] = { 0, 1 }, got = -2, before, after;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	assert_true(sendmsg(pair[0], &msg, 0) >= 0);
	before = dup(0);
	close(before);
	assert_int_equal(ipc_recv_fd(pair[1], buf, &p, &got), -EBADMSG);
	assert_int_equal(got, -2);
	after = dup(0);
	close(after);
	assert_int_equal(before, after);   /* nothing received stayed open */
	close(pair[0]);
	close(pair[1]);
}

static int setup(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/admin.sock", dir);
	strcpy(sa.sun_path, path);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(listener, 8) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(listener);
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_accepted_live_connections_count),
		cmocka_unit_test(test_group_membership_from_peer_credentials),
		cmocka_unit_test(test_channel_passes_one_descriptor),
		cmocka_unit_test(test_channel_refuses_two_descriptors),
	};

	return cmocka_run_group_tests_name("auth_admin", tests, setup, teardown);
}
