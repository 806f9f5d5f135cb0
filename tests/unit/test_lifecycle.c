/*
 * test_lifecycle.c - unit tests of the master's lifecycle modules:
 * src/master/activation.c (descriptors passed by systemd, with the real
 * LISTEN_* protocol and real sockets at fds 3 and 4), src/master/notify.c
 * (the sd_notify datagrams, read from a socket the test binds) and
 * src/master/reload.c (keys a reload cannot change).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/config.h"
#include "master/activation.h"
#include "master/notify.h"
#include "master/reload.h"

/* Puts a listening socket of the given kind at fd target. */
static void listener_at(int domain, int target, const char *path)
{
	int fd = socket(domain, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	if (domain == AF_INET) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	} else {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		unlink(path);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	assert_int_equal(listen(fd, 4), 0);
	if (fd != target) {
		assert_int_equal(dup2(fd, target), target);
		close(fd);
	}
}

/* Sets the LISTEN_* variables as systemd does for this process. */
static void set_listen_env(int n, const char *names)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	setenv("LISTEN_PID", buf, 1);
	snprintf(buf, sizeof(buf), "%d", n);
	setenv("LISTEN_FDS", buf, 1);
	if (names)
		setenv("LISTEN_FDNAMES", names, 1);
	else
		unsetenv("LISTEN_FDNAMES");
}

static void test_activation_none(void **state)
{
	struct activation a = { 5, 5 };
	char err[256] = "";

	(void)state;
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	assert_int_equal(activation_take(&a, err, sizeof(err)), 0);
	assert_int_equal(a.grpc_fd, -1);
	assert_int_equal(a.admin_fd, -1);
}

static void test_activation_both_by_name(void **state)
{
	struct activation a;
	char err[256] = "";

	(void)state;
	listener_at(AF_UNIX, 3, "/tmp/containarium-test-activation.sock");
	listener_at(AF_INET, 4, NULL);
	set_listen_env(2, "admin:grpc");
	assert_int_equal(activation_take(&a, err, sizeof(err)), 0);
	assert_true(a.grpc_fd >= 10 && a.admin_fd >= 10);
	assert_true(fcntl(a.grpc_fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fcntl(3, F_GETFD), -1);   /* moved away */
	assert_int_equal(fcntl(4, F_GETFD), -1);
	assert_null(getenv("LISTEN_FDS"));         /* no child sees them */
	close(a.grpc_fd);
	close(a.admin_fd);
	unlink("/tmp/containarium-test-activation.sock");
}

static void expect_refusal(const char *names, const char *reason)
{
	struct activation a = { -7, -7 };
	char err[256] = "";

	set_listen_env(2, names);
	assert_true(activation_take(&a, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, reason));
	assert_int_equal(a.grpc_fd, -7);           /* untouched */
	assert_int_equal(fcntl(3, F_GETFD), -1);   /* every passed fd closed */
	assert_int_equal(fcntl(4, F_GETFD), -1);
}

static void test_activation_refusals(void **state)
{
	(void)state;
	listener_at(AF_INET, 3, NULL);
	listener_at(AF_INET, 4, NULL);
	expect_refusal("grpc:web", "named \"web\"");
	listener_at(AF_INET, 3, NULL);
	listener_at(AF_INET, 4, NULL);
	expect_refusal("grpc:grpc", "two sockets named \"grpc\"");
	listener_at(AF_INET, 3, NULL);
	listener_at(AF_INET, 4, NULL);
	expect_refusal("grpc:admin", "not a listening Unix stream socket");
	listener_at(AF_INET, 3, NULL);
	listener_at(AF_INET, 4, NULL);
	expect_refusal(NULL, "named \"unknown\"");
}

/* Binds a datagram socket at path and points NOTIFY_SOCKET at it. */
static int notify_receiver(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct timeval tv = { 2, 0 };

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	setenv("NOTIFY_SOCKET", path, 1);
	return fd;
}

static void expect_datagram(int fd, const char *prefix)
{
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(strncmp(buf, prefix, strlen(prefix)), 0);
}

static void test_notify_protocol(void **state)
{
	const char *path = "/tmp/containarium-test-notify.sock";
	int fd = notify_receiver(path);

	(void)state;
	setenv("WATCHDOG_USEC", "3000000", 1);
	unsetenv("WATCHDOG_PID");
	assert_int_equal(notify_init(), 0);
	assert_null(getenv("NOTIFY_SOCKET"));      /* workers never see it */
	assert_null(getenv("WATCHDOG_USEC"));
	assert_int_equal(notify_watchdog_usec(), 3000000);
	assert_int_equal(notify_send("READY=1"), 0);
	expect_datagram(fd, "READY=1");
	assert_int_equal(notify_reloading(), 0);
	expect_datagram(fd, "RELOADING=1\nMONOTONIC_USEC=");
	assert_int_equal(notify_status("%u of %u workers", 2u, 3u), 0);
	expect_datagram(fd, "STATUS=2 of 3 workers");
	notify_done();
	assert_int_equal(notify_send("READY=1"), 0);  /* no manager: a no-op */
	close(fd);
	unlink(path);
}

static void test_notify_bad_address(void **state)
{
	(void)state;
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(notify_init(), -EINVAL);
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_int_equal(notify_send("READY=1"), 0);
}

static void test_reload_restart_keys(void **state)
{
	struct config *a, *b;
	char buf[256];

	(void)state;
	assert_int_equal(config_defaults(&a), 0);
	assert_int_equal(config_defaults(&b), 0);
	assert_int_equal(reload_restart_keys(a, b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* Reloadable keys are not reported. */
	b->workers = a->workers + 1;
	b->drain_timeout = a->drain_timeout + 1;
	assert_int_equal(reload_restart_keys(a, b, buf, sizeof(buf)), 0);
	b->operation_threads = a->operation_threads + 1;
	b->incus_timeout = a->incus_timeout + 1;
	b->cache_enabled = !a->cache_enabled;
	assert_int_equal(reload_restart_keys(a, b, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "[server] operation_threads, [cache] enabled, [incus] timeout");
	/* A short buffer is cut, the count stays right. */
	assert_int_equal(reload_restart_keys(a, b, buf, 10), 3);
	assert_int_equal(strlen(buf), 9);
	config_free(a);
	config_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activation_none),
		cmocka_unit_test(test_activation_both_by_name),
		cmocka_unit_test(test_activation_refusals),
		cmocka_unit_test(test_notify_protocol),
		cmocka_unit_test(test_notify_bad_address),
		cmocka_unit_test(test_reload_restart_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
