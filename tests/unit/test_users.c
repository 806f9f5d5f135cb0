/*
 * test_users.c - the users file (master/users) and credential hashes
 * (master/users_hash).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "master/users.h"
#include "master/users_hash.h"

static char dir[] = "/tmp/test_users.XXXXXX";
static char path[256];

static struct users *fresh(void)
{
	static int n;

	snprintf(path, sizeof(path), "%s/users%d", dir, n++);
	return users_new(path);
}

static char *read_all(const char *p)
{
	static char buf[65536];
	int fd = open(p, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void write_text(const char *p, const char *text, mode_t mode)
{
	char tmp[300];
	int fd;

	/* Like an editor: a new file renamed over, so the inode changes. */
	snprintf(tmp, sizeof(tmp), "%s.edit", p);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	assert_int_equal(rename(tmp, p), 0);
}

static void test_missing_file_is_no_users(void **state)
{
	struct users *u = fresh();
	struct users_info info;

	(void)state;
	assert_int_equal(users_refresh(u, NULL), 0);
	assert_int_equal(users_lookup(u, "alice", &info), -ENOENT);
	assert_int_equal(users_verify(u, "alice", "pw", &info), -EACCES);
	users_free(u);
}

static void test_add_verify_and_file_format(void **state)
{
	struct users *u = fresh();
	struct users_info info;
	char key[USERS_API_KEY_LEN + 1];
	struct stat st;
	char *text;

	(void)state;
	assert_int_equal(users_add(u, "alice", USERS_ROLE_USER, "s3cret-pw", true, key), 0);
	assert_int_equal(strlen(key), USERS_API_KEY_LEN);
	assert_memory_equal(key, "ctr_", 4);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = read_all(path);
	/* Hashes only: neither secret is in the file. */
	assert_null(strstr(text, "s3cret-pw"));
	assert_null(strstr(text, key + 4));
	assert_non_null(strstr(text, "alice:user:$y$"));
	assert_int_equal(users_verify(u, "alice", "s3cret-pw", &info), 0);
	assert_string_equal(info.name, "alice");
	assert_int_equal(info.role, USERS_ROLE_USER);
	assert_true(info.has_password && info.has_api_key);
	assert_int_equal(users_verify(u, "alice", key, &info), 0);
	assert_int_equal(users_verify(u, "alice", "wrong", &info), -EACCES);
	assert_int_equal(users_verify(u, "bob", "s3cret-pw", &info), -EACCES);
	assert_int_equal(users_add(u, "alice", USERS_ROLE_ADMIN, "x", false, key), -EEXIST);
	users_free(u);
}

static void test_remove_and_set_credentials(void **state)
{
	struct users *u = fresh();
	struct users_info info, *list;
	char key[USERS_API_KEY_LEN + 1], key2[USERS_API_KEY_LEN + 1];
	size_t n;

	(void)state;
	assert_int_equal(users_add(u, "alice", USERS_ROLE_ADMIN, "one", false, key), 0);
	assert_int_equal(users_add(u, "bob", USERS_ROLE_VIEWER, NULL, true, key), 0);
	assert_int_equal(users_list(u, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[1].name, "bob");
	assert_false(list[1].has_password);
	free(list);
	assert_int_equal(users_set_credentials(u, "alice", "two", false, key2, &info), 0);
	assert_int_equal(users_verify(u, "alice", "one", &info), -EACCES);
	assert_int_equal(users_verify(u, "alice", "two", &info), 0);
	assert_int_equal(users_set_credentials(u, "bob", NULL, true, key2, &info), 0);
	assert_int_equal(users_verify(u, "bob", key, &info), -EACCES);
	assert_int_equal(users_verify(u, "bob", key2, &info), 0);
	assert_int_equal(users_remove(u, "bob"), 0);
	assert_int_equal(users_remove(u, "bob"), -ENOENT);
	assert_int_equal(users_lookup(u, "bob", &info), -ENOENT);
	assert_int_equal(users_set_credentials(u, "bob", "x", false, key2, &info), -ENOENT);
	users_free(u);
}

static void test_edits_apply_without_restart(void **state)
{
	struct users *u = fresh();
	struct users_info info;
	char line[600];
	char hash[USERS_HASH_MAX];

	(void)state;
	assert_int_equal(users_lookup(u, "carol", &info), -ENOENT);
	/* A hand-made SHA-512-crypt entry is accepted too. */
	assert_non_null(crypt_r("hand", "$6$saltsalt$", &(struct crypt_data){ 0 }));
	snprintf(hash, sizeof(hash), "%s", crypt("hand", "$6$saltsalt$"));
	snprintf(line, sizeof(line), "# by hand\n\ncarol:viewer:%s:\n", hash);
	write_text(path, line, 0600);
	assert_int_equal(users_verify(u, "carol", "hand", &info), 0);
	assert_int_equal(info.role, USERS_ROLE_VIEWER);
	snprintf(line, sizeof(line), "carol:admin:%s:\n", hash);
	write_text(path, line, 0600);
	assert_int_equal(users_lookup(u, "carol", &info), 0);
	assert_int_equal(info.role, USERS_ROLE_ADMIN);
	users_free(u);
}

static void test_bad_files_fail_closed(void **state)
{
	struct users *u = fresh();
	struct users_info info;
	unsigned line = 0;
	char key[USERS_API_KEY_LEN + 1];

	(void)state;
	assert_int_equal(users_add(u, "alice", USERS_ROLE_ADMIN, "pw", false, key), 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(users_lookup(u, "alice", &info), -EPERM);
	assert_int_equal(users_verify(u, "alice", "pw", &info), -EPERM);
	write_text(path, "alice:admin::\nbob:superuser::\n", 0600);
	assert_int_equal(users_refresh(u, &line), -EBADMSG);
	assert_int_equal(line, 2);
	assert_int_equal(users_lookup(u, "alice", &info), -EBADMSG);
	write_text(path, "alice:admin::\nalice:user::\n", 0600);
	assert_int_equal(users_refresh(u, &line), -EBADMSG);
	write_text(path, "alice:admin:plaintext:\n", 0600);
	assert_int_equal(users_refresh(u, &line), -EBADMSG);
	write_text(path, "Alice:admin::\n", 0600);
	assert_int_equal(users_refresh(u, &line), -EBADMSG);
	write_text(path, "alice:admin::\n", 0600);
	assert_int_equal(users_refresh(u, &line), 0);
	/* A user without credentials can never log in. */
	assert_int_equal(users_verify(u, "alice", "", &info), -EACCES);
	users_free(u);
}

static void test_hash_is_salted(void **state)
{
	char a[USERS_HASH_MAX], b[USERS_HASH_MAX];

	(void)state;
	assert_int_equal(users_hash_make("same", a), 0);
	assert_int_equal(users_hash_make("same", b), 0);
	assert_string_not_equal(a, b);
	assert_true(users_hash_check("same", a));
	assert_true(users_hash_check("same", b));
	assert_false(users_hash_check("other", a));
	assert_false(users_hash_check("same", ""));
	assert_false(users_hash_check("same", "*"));
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Checking a login costs the same whether or not the user exists, and
 * whether or not they have an API key: always two hashes. */
static void test_verify_time_does_not_tell_existence(void **state)
{
	struct users *u = fresh();
	struct users_info info;
	char key[USERS_API_KEY_LEN + 1];
	double known[9], unknown[9], only_pw[9];

	(void)state;
	assert_int_equal(users_add(u, "alice", USERS_ROLE_USER, "pw", true, key), 0);
	assert_int_equal(users_add(u, "bob", USERS_ROLE_USER, "pw", false, key), 0);
	for (int i = 0; i < 9; i++) {
		double t = now_ms();

		assert_int_equal(users_verify(u, "alice", "wrong", &info), -EACCES);
		known[i] = now_ms() - t;
		t = now_ms();
		assert_int_equal(users_verify(u, "nobody", "wrong", &info), -EACCES);
		unknown[i] = now_ms() - t;
		t = now_ms();
		assert_int_equal(users_verify(u, "bob", "wrong", &info), -EACCES);
		only_pw[i] = now_ms() - t;
	}
	qsort(known, 9, sizeof(double), cmp_double);
	qsort(unknown, 9, sizeof(double), cmp_double);
	qsort(only_pw, 9, sizeof(double), cmp_double);
	print_message("median verify: known %.1f ms, unknown %.1f ms, password only %.1f ms\n",
	    known[4], unknown[4], only_pw[4]);
	/* A check that skipped the hashing for a missing user (or a missing
	 * API key) would take ~0 ms (or half the time); the bounds leave room
	 * for a loaded machine. */
	assert_true(unknown[4] > known[4] * 0.6 && unknown[4] < known[4] * 1.7);
	assert_true(only_pw[4] > known[4] * 0.6 && only_pw[4] < known[4] * 1.7);
	users_free(u);
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
		cmocka_unit_test(test_missing_file_is_no_users),
		cmocka_unit_test(test_add_verify_and_file_format),
		cmocka_unit_test(test_remove_and_set_credentials),
		cmocka_unit_test(test_edits_apply_without_restart),
		cmocka_unit_test(test_bad_files_fail_closed),
		cmocka_unit_test(test_hash_is_salted),
		cmocka_unit_test(test_verify_time_does_not_tell_existence),
	};

	return cmocka_run_group_tests_name("users", tests, setup, teardown);
}
