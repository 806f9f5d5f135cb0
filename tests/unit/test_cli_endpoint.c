/*
 * test_cli_endpoint.c - the plaintext rule, host parts of targets
 * (src/cli/cli_endpoint.c) and the per-server token files
 * (src/cli/cli_token.c), on a real temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli_args.h"
#include "cli/cli_endpoint.h"
#include "cli/cli_token.h"

static void test_loopback(void **state)
{
	static const char *const local[] = {
		"unix:/run/containarium.sock", "unix-abstract:x", "127.0.0.1:50051",
		"127.255.0.9:1", "localhost:50051", "[::1]:50051", "ipv4:127.0.0.1:5",
		"dns:///localhost:7", "localhost",
	};
	static const char *const remote[] = {
		"jump-1:50051", "10.0.0.1:50051", "[2001:db8::1]:1", "127.evil.example:1",
		"localhost.example.com:1", "0.0.0.0:1", "[::]:1", "128.0.0.1:1", "",
		"[::1", "ipv6:[::2]:1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (!cli_endpoint_is_loopback(local[i]))
			fail_msg("%s should be loopback", local[i]);
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
		if (cli_endpoint_is_loopback(remote[i]))
			fail_msg("%s should be remote", remote[i]);
}

static void test_host(void **state)
{
	char buf[64], tiny[4];

	(void)state;
	assert_int_equal(cli_endpoint_host("jump-1:50051", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "jump-1");
	assert_int_equal(cli_endpoint_host("[fe80::1]:50051", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fe80::1");
	assert_int_equal(cli_endpoint_host("unix:/run/x.sock", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(cli_endpoint_host("dns:///h.example:1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "h.example");
	assert_int_equal(cli_endpoint_host("long-name:1", tiny, sizeof(tiny)), -EINVAL);
}

/* The plaintext rule, with and without --insecure and TLS. */
static void test_open_rule(void **state)
{
	struct cli_args args = { .insecure = false };
	struct cli_tls plain = { .on = false }, tls = { .on = true };
	struct cli_endpoint e;
	char err[256];

	(void)state;
	assert_int_equal(setenv("XDG_CONFIG_HOME", "/nonexistent-dir", 1), 0);
	assert_int_equal(cli_endpoint_open(&args, "jump-1:50051", &plain, 5, true, &e, err,
	    sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "--insecure"));
	assert_int_equal(cli_endpoint_open(&args, "jump-1:50051", &tls, 5, true, &e, err,
	    sizeof(err)), 0);
	assert_true(e.rpc.tls);
	assert_null(e.rpc.token);
	assert_int_equal(e.rpc.timeout, 5);
	cli_endpoint_close(&e);
	args.insecure = true;
	assert_int_equal(cli_endpoint_open(&args, "jump-1:50051", &plain, 5, true, &e, err,
	    sizeof(err)), 0);
	assert_false(e.rpc.tls);
	cli_endpoint_close(&e);
	args.insecure = false;
	assert_int_equal(cli_endpoint_open(&args, "127.0.0.1:9", &plain, 5, true, &e, err,
	    sizeof(err)), 0);
	cli_endpoint_close(&e);
}

static void test_token_path(void **state)
{
	char buf[PATH_MAX], tiny[24];

	(void)state;
	assert_int_equal(cli_token_path("/x/cfg", "/home/u", "jump-1:50051", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x/cfg/containarium/tokens/jump-1%3A50051");
	assert_int_equal(cli_token_path("relative", "/home/u", "unix:/run/c.sock", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "/home/u/.config/containarium/tokens/unix%3A%2Frun%2Fc.sock");
	assert_int_equal(cli_token_path(NULL, "/h", "../../etc/passwd", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/h/.config/containarium/tokens/..%2F..%2Fetc%2Fpasswd");
	assert_int_equal(cli_token_path(NULL, NULL, "a:1", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cli_token_path("", "", "a:1", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cli_token_path("/x", NULL, "a:1", tiny, sizeof(tiny)), -ENAMETOOLONG);
}

static void test_token_files(void **state)
{
	char dir[] = "/tmp/test-cli-token-XXXXXX", path[PATH_MAX], *token = NULL;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(setenv("XDG_CONFIG_HOME", dir, 1), 0);
	assert_int_equal(cli_token_load("h:1", &token), -ENOENT);
	assert_int_equal(cli_token_save("h:1", "abc.def"), 0);
	assert_int_equal(cli_token_save("h:1", "ghi.jkl"), 0);      /* replaced */
	assert_int_equal(cli_token_load("h:1", &token), 0);
	assert_string_equal(token, "ghi.jkl");
	free(token);
	assert_int_equal(cli_token_path(dir, NULL, "h:1", path, sizeof(path)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	(void)snprintf(path, sizeof(path), "%s/containarium", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(cli_token_path(dir, NULL, "h:1", path, sizeof(path)), 0);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(cli_token_load("h:1", &token), -EPERM);
	{
		struct cli_args args = { .insecure = false };
		struct cli_tls plain = { .on = false };
		struct cli_endpoint e;
		char err[256];

		assert_int_equal(cli_endpoint_open(&args, "h:1", &plain, 5, true, &e, err,
		    sizeof(err)), -EPERM);          /* the plaintext rule comes first */
		args.insecure = true;
		assert_int_equal(cli_endpoint_open(&args, "h:1", &plain, 5, true, &e, err,
		    sizeof(err)), -EACCES);
		assert_non_null(strstr(err, "readable by others"));
		assert_int_equal(cli_endpoint_open(&args, "h:1", &plain, 5, false, &e, err,
		    sizeof(err)), 0);               /* login sends none */
		cli_endpoint_close(&e);
		assert_int_equal(chmod(path, 0600), 0);
		assert_int_equal(cli_endpoint_open(&args, "h:1", &plain, 5, true, &e, err,
		    sizeof(err)), 0);
		assert_string_equal(e.rpc.token, "ghi.jkl");
		cli_endpoint_close(&e);
	}
	assert_int_equal(cli_token_remove("h:1"), 0);
	assert_int_equal(cli_token_remove("h:1"), -ENOENT);
	assert_int_equal(cli_token_load("other:2", &token), -ENOENT);
	(void)snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_open_rule),
		cmocka_unit_test(test_token_path),
		cmocka_unit_test(test_token_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
