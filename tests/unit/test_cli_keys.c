/*
 * test_cli_keys.c - SSH public keys from --ssh-key files
 * (src/cli/cli_keys.c): line splitting, validation, the size bound.
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
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli_keys.h"

#define KEY1 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB one@test"
#define KEY2 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC two@test"

static char err[512];

static int parse(const char *text, struct cli_keys *keys)
{
	err[0] = '\0';
	return cli_keys_parse(text, strlen(text), "keys.pub", keys, err, sizeof(err));
}

static void test_parse_lines(void **state)
{
	struct cli_keys keys = { .n_keys = 0 };

	(void)state;
	assert_int_equal(parse("# comment\n\n   \n\t" KEY1 "  \r\n" KEY2, &keys), 0);
	assert_int_equal(keys.n_keys, 2);
	assert_string_equal(keys.keys[0], KEY1);
	assert_string_equal(keys.keys[1], KEY2);
	assert_int_equal(parse("", &keys), 0);  /* appends nothing */
	assert_int_equal(keys.n_keys, 2);
	cli_keys_free(&keys);
	assert_int_equal(keys.n_keys, 0);
	cli_keys_free(&keys);
	cli_keys_free(NULL);
}

static void test_parse_not_terminated(void **state)
{
	static const char text[] = KEY1 "\n" KEY2 "garbage";
	struct cli_keys keys = { .n_keys = 0 };

	(void)state;
	/* buf need not be NUL-terminated: stop right after KEY2 */
	assert_int_equal(cli_keys_parse(text, strlen(KEY1) + 1 + strlen(KEY2), "f", &keys,
	    err, sizeof(err)), 0);
	assert_int_equal(keys.n_keys, 2);
	assert_string_equal(keys.keys[1], KEY2);
	cli_keys_free(&keys);
}

static void test_parse_refuses(void **state)
{
	static const char nul[] = KEY1 "\0x\n";
	struct cli_keys keys = { .n_keys = 0 };

	(void)state;
	assert_int_equal(parse(KEY1 "\n\nssh-rsa AAAA\n", &keys), -EINVAL);
	assert_non_null(strstr(err, "--ssh-key keys.pub:3"));
	cli_keys_free(&keys);
	assert_int_equal(parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEB\n", &keys), -EINVAL);
	assert_non_null(strstr(err, ":1"));
	assert_int_equal(parse("command=\"/bin/sh\" " KEY1 "\n", &keys), -EINVAL);
	assert_int_equal(cli_keys_parse(nul, sizeof(nul) - 1, "f", &keys, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(keys.n_keys, 0);
	cli_keys_free(&keys);
}

static void test_parse_too_many(void **state)
{
	struct cli_keys keys = { .n_keys = 0 };
	size_t len = (sizeof(KEY1 "\n") - 1) * (VALIDATE_SSH_KEYS_MAX + 1) + 1;
	char *text = malloc(len);

	(void)state;
	assert_non_null(text);
	text[0] = '\0';
	for (int i = 0; i < VALIDATE_SSH_KEYS_MAX; i++)
		strcat(text, KEY1 "\n");
	assert_int_equal(parse(text, &keys), 0);
	assert_int_equal(keys.n_keys, VALIDATE_SSH_KEYS_MAX);
	assert_int_equal(parse(KEY2, &keys), -EINVAL);
	assert_non_null(strstr(err, "more than 32 keys"));
	assert_int_equal(keys.n_keys, VALIDATE_SSH_KEYS_MAX);
	cli_keys_free(&keys);
	free(text);
}

/* Writes len bytes of text into a new temporary file; returns its path. */
static char *temp_file(const char *text, size_t len)
{
	char *path = strdup("/tmp/test_cli_keys.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

static void test_read_file(void **state)
{
	struct cli_keys keys = { .n_keys = 0 };
	char *path = temp_file("# laptop\n" KEY1 "\n", sizeof("# laptop\n" KEY1 "\n") - 1);

	(void)state;
	assert_int_equal(cli_keys_read_file(path, &keys, err, sizeof(err)), 0);
	assert_int_equal(keys.n_keys, 1);
	assert_string_equal(keys.keys[0], KEY1);
	cli_keys_free(&keys);
	unlink(path);
	free(path);

	path = temp_file("# nothing here\n", 15);
	assert_int_equal(cli_keys_read_file(path, &keys, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no key"));
	unlink(path);
	free(path);

	assert_int_equal(cli_keys_read_file("/nonexistent/k.pub", &keys, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/k.pub"));
	assert_int_equal(cli_keys_read_file("/tmp", &keys, err, sizeof(err)), -EISDIR);
	assert_int_equal(keys.n_keys, 0);
}

static void test_read_file_bound(void **state)
{
	struct cli_keys keys = { .n_keys = 0 };
	size_t len = CLI_KEYS_FILE_MAX + 1;
	char *text = malloc(len), *path;

	(void)state;
	assert_non_null(text);
	/* exactly the bound: comment lines, then one key at the very end */
	memset(text, '#', len);
	for (size_t i = 99; i < len; i += 100)
		text[i] = '\n';
	memcpy(text + CLI_KEYS_FILE_MAX - sizeof(KEY1), "\n" KEY1, sizeof(KEY1));
	path = temp_file(text, CLI_KEYS_FILE_MAX);
	assert_int_equal(cli_keys_read_file(path, &keys, err, sizeof(err)), 0);
	assert_int_equal(keys.n_keys, 1);
	cli_keys_free(&keys);
	unlink(path);
	free(path);
	/* one byte more: refused before anything is parsed */
	path = temp_file(text, len);
	assert_int_equal(cli_keys_read_file(path, &keys, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "larger than 65536 bytes"));
	assert_int_equal(keys.n_keys, 0);
	unlink(path);
	free(path);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_lines),
		cmocka_unit_test(test_parse_not_terminated),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_parse_too_many),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_file_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
