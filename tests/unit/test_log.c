/*
 * test_log.c - unit tests of src/common/log.c: levels, filtering, %m,
 * the forwarder, the stderr line format and log_fatal's exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/log.h"

static int captured_priority;
static char captured[8192];
static unsigned captured_count;

static void capture(int priority, const char *message)
{
	captured_priority = priority;
	snprintf(captured, sizeof(captured), "%s", message);
	captured_count++;
}

static int forwarder_setup(void **state)
{
	(void)state;
	captured_count = 0;
	captured[0] = '\0';
	log_setup(LOG_TARGET_STDERR, LOG_INFO);
	log_set_forwarder(capture);
	return 0;
}

static int forwarder_teardown(void **state)
{
	(void)state;
	log_set_forwarder(NULL);
	log_setup(LOG_TARGET_STDERR, LOG_INFO);
	return 0;
}

static void test_level_from_string(void **state)
{
	(void)state;
	assert_int_equal(log_level_from_string("error"), LOG_ERR);
	assert_int_equal(log_level_from_string("warning"), LOG_WARNING);
	assert_int_equal(log_level_from_string("notice"), LOG_NOTICE);
	assert_int_equal(log_level_from_string("info"), LOG_INFO);
	assert_int_equal(log_level_from_string("debug"), LOG_DEBUG);
	assert_int_equal(log_level_from_string("DEBUG"), LOG_DEBUG);
	assert_int_equal(log_level_from_string(""), -EINVAL);
	assert_int_equal(log_level_from_string("err"), -EINVAL);
	assert_int_equal(log_level_from_string("info "), -EINVAL);
}

static void test_filter(void **state)
{
	(void)state;
	assert_int_equal(log_get_max_priority(), LOG_INFO);
	log_info("shown %d", 1);
	assert_int_equal(captured_count, 1);
	assert_int_equal(captured_priority, LOG_INFO);
	assert_string_equal(captured, "shown 1");
	log_debug("hidden");
	assert_int_equal(captured_count, 1);

	log_setup(LOG_TARGET_STDERR, LOG_WARNING);
	assert_int_equal(log_get_max_priority(), LOG_WARNING);
	log_notice("hidden");
	log_info("hidden");
	assert_int_equal(captured_count, 1);
	log_warning("warned");
	log_error("failed");
	assert_int_equal(captured_count, 3);
	assert_int_equal(captured_priority, LOG_ERR);
	assert_string_equal(captured, "failed");

	log_setup(LOG_TARGET_STDERR, LOG_DEBUG);
	log_debug("now shown");
	assert_int_equal(captured_count, 4);
	assert_int_equal(captured_priority, LOG_DEBUG);
}

static void test_errno(void **state)
{
	(void)state;
	assert_int_equal(log_error_errno(-ENOENT, "open %s: %m", "/x"), -ENOENT);
	assert_string_equal(captured, "open /x: No such file or directory");
	assert_int_equal(captured_priority, LOG_ERR);
	/* A positive error is accepted and still returned negative. */
	assert_int_equal(log_warning_errno(EACCES, "%m"), -EACCES);
	assert_string_equal(captured, "Permission denied");
	assert_int_equal(captured_priority, LOG_WARNING);
	/* Filtered out, it still returns the error. */
	assert_int_equal(log_errno(LOG_DEBUG, -EIO, "quiet"), -EIO);
	assert_string_equal(captured, "Permission denied");

	/* Plain logging keeps errno, and %m reads it. */
	errno = EPERM;
	log_info("was %m");
	assert_int_equal(errno, EPERM);
	assert_string_equal(captured, "was Operation not permitted");
}

static void test_fields_and_long_lines(void **state)
{
	static const char *const fields[] = { "CONTAINER=alice-container", NULL };
	char *longer = malloc(10000);

	(void)state;
	assert_non_null(longer);
	log_fields(LOG_NOTICE, fields, "created %s", "alice");
	assert_int_equal(captured_priority, LOG_NOTICE);
	assert_string_equal(captured, "created alice");

	memset(longer, 'y', 9999);
	longer[9999] = '\0';
	log_info("%s", longer);
	assert_int_equal(strlen(captured), 4095);   /* cut at LOG_LINE_MAX - 1 */
	free(longer);
}

/* Without a forwarder, a stderr line is "containarium[pid]: level: text". */
static void test_stderr_format(void **state)
{
	char line[256] = "", want[128];
	int pipe_fd[2], saved;
	ssize_t n;

	(void)state;
	log_set_forwarder(NULL);
	log_setup(LOG_TARGET_STDERR, LOG_INFO);
	assert_int_equal(pipe2(pipe_fd, O_CLOEXEC), 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(pipe_fd[1], STDERR_FILENO), STDERR_FILENO);
	log_warning("disk %s is %d%% full", "sda", 93);
	log_debug("not written");
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(pipe_fd[1]);
	n = read(pipe_fd[0], line, sizeof(line) - 1);
	close(pipe_fd[0]);
	assert_true(n > 0);
	line[n] = '\0';
	snprintf(want, sizeof(want), "containarium[%d]: warning: disk sda is 93%% full\n",
	    (int)getpid());
	assert_string_equal(line, want);
}

static void test_fatal_exits(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		log_setup(LOG_TARGET_STDERR, LOG_EMERG);   /* keep the test output clean */
		log_fatal("giving up: %s", "test");
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EXIT_FAILURE);
}

#define FORWARDED_TEST(fn) cmocka_unit_test_setup_teardown(fn, forwarder_setup, forwarder_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_from_string),
		FORWARDED_TEST(test_filter),
		FORWARDED_TEST(test_errno),
		FORWARDED_TEST(test_fields_and_long_lines),
		cmocka_unit_test(test_stderr_format),
		cmocka_unit_test(test_fatal_exits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
