/*
 * test_auth_token.c - the token secret file and JWT checks (master/auth_token).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "master/auth_token.h"

#define NOW 1700000000L

static char dir[] = "/tmp/test_auth_token.XXXXXX";

static void make_secret(struct auth_secret *s, unsigned char fill)
{
	memset(s, 0, sizeof(*s));
	memset(s->key, fill, 48);
	s->len = 48;
}

static char *path_in_dir(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static void write_file(const char *path, mode_t mode, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	char buf[8192];

	assert_true(fd >= 0);
	memset(buf, 'k', sizeof(buf));
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_secret_permissions(void **state)
{
	struct auth_secret s;

	(void)state;
	write_file(path_in_dir("open"), 0644, 64);
	assert_int_equal(auth_secret_load(path_in_dir("open"), 0, &s), -EPERM);
	write_file(path_in_dir("group"), 0640, 64);
	assert_int_equal(auth_secret_load(path_in_dir("group"), 0, &s), -EPERM);
	write_file(path_in_dir("short"), 0600, 16);
	assert_int_equal(auth_secret_load(path_in_dir("short"), 0, &s), -EBADMSG);
	write_file(path_in_dir("good"), 0600, 64);
	assert_int_equal(auth_secret_load(path_in_dir("good"), 0, &s), 0);
	assert_int_equal(s.len, 64);
	assert_int_equal(symlink("good", path_in_dir("link")), 0);
	assert_int_equal(auth_secret_load(path_in_dir("link"), 0, &s), -EPERM);
}

static void test_secret_created_when_missing(void **state)
{
	struct auth_secret a, b;
	struct stat st;

	(void)state;
	assert_int_equal(auth_secret_load(path_in_dir("missing"), 0, &a), -ENOENT);
	assert_int_equal(auth_secret_load(path_in_dir("new"), 1, &a), 0);
	assert_int_equal(stat(path_in_dir("new"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(a.len, AUTH_SECRET_NEW);
	/* Read again: the same key, not a second new one. */
	assert_int_equal(auth_secret_load(path_in_dir("new"), 1, &b), 0);
	assert_memory_equal(a.key, b.key, a.len);
}

static void test_issue_and_verify(void **state)
{
	struct auth_secret s;
	char *token = NULL, user[33];
	int64_t expires;

	(void)state;
	make_secret(&s, 1);
	assert_int_equal(auth_token_issue(&s, "ctr", "alice", 3600, NOW, &token, &expires), 0);
	assert_int_equal(expires, NOW + 3600);
	assert_int_equal(auth_token_verify(&s, "ctr", token, NOW + 10, user, sizeof(user)), 0);
	assert_string_equal(user, "alice");
	/* Expired, wrong issuer, wrong key. */
	assert_int_equal(auth_token_verify(&s, "ctr", token, NOW + 3600, user, sizeof(user)),
	    -EKEYEXPIRED);
	assert_int_equal(auth_token_verify(&s, "other", token, NOW, user, sizeof(user)),
	    -EKEYREJECTED);
	make_secret(&s, 2);
	assert_int_equal(auth_token_verify(&s, "ctr", token, NOW, user, sizeof(user)),
	    -EKEYREJECTED);
	/* A flipped signature byte. */
	make_secret(&s, 1);
	token[strlen(token) - 2] ^= 1;
	assert_int_equal(auth_token_verify(&s, "ctr", token, NOW, user, sizeof(user)),
	    -EKEYREJECTED);
	free(token);
	assert_int_equal(auth_token_issue(&s, "ctr", "alice", AUTH_TOKEN_LIFETIME_MAX + 1,
	    NOW, &token, &expires), -EINVAL);
}

/* Makes a token with libjwt directly: any algorithm, any claims. */
static char *forge(jwt_alg_t alg, const struct auth_secret *s, const char *iss,
    const char *sub, long iat, long exp)
{
	jwt_t *jwt;
	char *t;

	assert_int_equal(jwt_new(&jwt), 0);
	assert_int_equal(jwt_set_alg(jwt, alg, alg == JWT_ALG_NONE ? NULL : s->key,
	    alg == JWT_ALG_NONE ? 0 : (int)s->len), 0);
	if (iss)
		jwt_add_grant(jwt, "iss", iss);
	if (sub)
		jwt_add_grant(jwt, "sub", sub);
	if (iat)
		jwt_add_grant_int(jwt, "iat", iat);
	if (exp)
		jwt_add_grant_int(jwt, "exp", exp);
	t = jwt_encode_str(jwt);
	jwt_free(jwt);
	assert_non_null(t);
	return t;
}

static void expect_rejected(const struct auth_secret *s, char *token)
{
	char user[33];

	assert_int_equal(auth_token_verify(s, "ctr", token, NOW, user, sizeof(user)),
	    -EKEYREJECTED);
	free(token);
}

static void test_algorithm_is_pinned(void **state)
{
	struct auth_secret s;
	char *t, forged[2048];

	(void)state;
	make_secret(&s, 1);
	expect_rejected(&s, forge(JWT_ALG_NONE, &s, "ctr", "alice", NOW, NOW + 60));
	expect_rejected(&s, forge(JWT_ALG_HS512, &s, "ctr", "alice", NOW, NOW + 60));
	expect_rejected(&s, forge(JWT_ALG_HS384, &s, "ctr", "alice", NOW, NOW + 60));
	/* A good HS256 token whose header is rewritten to "none", signature
	 * dropped: the classic downgrade. */
	t = forge(JWT_ALG_HS256, &s, "ctr", "alice", NOW, NOW + 60);
	snprintf(forged, sizeof(forged), "%s.%.*s.",
	    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0",
	    (int)(strrchr(t, '.') - strchr(t, '.') - 1), strchr(t, '.') + 1);
	free(t);
	expect_rejected(&s, strdup(forged));
}

static void test_claims_are_required(void **state)
{
	struct auth_secret s;

	(void)state;
	make_secret(&s, 1);
	expect_rejected(&s, forge(JWT_ALG_HS256, &s, NULL, "alice", NOW, NOW + 60));
	expect_rejected(&s, forge(JWT_ALG_HS256, &s, "ctr", NULL, NOW, NOW + 60));
	expect_rejected(&s, forge(JWT_ALG_HS256, &s, "ctr", "alice", 0, NOW + 60));
	expect_rejected(&s, forge(JWT_ALG_HS256, &s, "ctr", "alice", NOW, 0));
	/* Not a username, a lifetime beyond the maximum, an iat in the future. */
	expect_rejected(&s, forge(JWT_ALG_HS256, &s, "ctr", "../root", NOW, NOW + 60));
	expect_rejected(&s, forge(JWT_ALG_HS256, &s, "ctr", "alice", NOW - 10,
	    NOW - 10 + AUTH_TOKEN_LIFETIME_MAX + 1));
	expect_rejected(&s, forge(JWT_ALG_HS256, &s, "ctr", "alice", NOW + 3600, NOW + 7200));
	expect_rejected(&s, strdup("not a token"));
	expect_rejected(&s, strdup(""));
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_permissions),
		cmocka_unit_test(test_secret_created_when_missing),
		cmocka_unit_test(test_issue_and_verify),
		cmocka_unit_test(test_algorithm_is_pinned),
		cmocka_unit_test(test_claims_are_required),
	};

	return cmocka_run_group_tests_name("auth_token", tests, setup, teardown);
}
