/*
 * test_key_list.c - authorized_keys handling in the master.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "master/key_list.h"

#define K1 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK1111111111111111111111111111111111111111111 alice@laptop"
#define K1_OTHER_COMMENT "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK1111111111111111111111111111111111111111111 '; touch /tmp/pwned #"
#define K2 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK2222222222222222222222222222222222222222222"

static void test_parse_skips_empty_lines_and_cr(void **state)
{
	const char text[] = "\n" K1 "\r\n\n# a comment\n" K2;
	struct key_list l;

	(void)state;
	assert_int_equal(key_list_parse(text, strlen(text), &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.lines[0], K1);
	assert_string_equal(l.lines[1], "# a comment");
	assert_string_equal(l.lines[2], K2);
	assert_int_equal(key_list_count(&l), 2);
	key_list_clear(&l);
	assert_int_equal(l.n, 0);
}

static void test_add_is_idempotent_whatever_the_comment(void **state)
{
	struct key_list l = { 0 };

	(void)state;
	assert_int_equal(key_list_add(&l, K1), 1);
	assert_int_equal(key_list_add(&l, K1), 0);
	assert_int_equal(key_list_add(&l, K1_OTHER_COMMENT), 0);
	assert_int_equal(key_list_add(&l, K2), 1);
	assert_int_equal(key_list_count(&l), 2);
	assert_int_equal(key_list_find(&l, K2), 1);
	key_list_clear(&l);
}

static void test_remove_matches_key_not_comment(void **state)
{
	struct key_list l = { 0 };

	(void)state;
	assert_int_equal(key_list_add(&l, K1), 1);
	assert_int_equal(key_list_add(&l, K2), 1);
	assert_int_equal(key_list_remove(&l, K1_OTHER_COMMENT), 1);
	assert_int_equal(key_list_remove(&l, K1), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.lines[0], K2);
	key_list_clear(&l);
}

static void test_render_round_trips_byte_for_byte(void **state)
{
	struct key_list l = { 0 }, again;
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(key_list_add(&l, K1_OTHER_COMMENT), 1);
	assert_int_equal(key_list_add(&l, K2), 1);
	assert_int_equal(key_list_render(&l, &text, &len), 0);
	assert_string_equal(text, K1_OTHER_COMMENT "\n" K2 "\n");
	assert_int_equal(len, strlen(text));
	assert_int_equal(key_list_parse(text, len, &again), 0);
	assert_string_equal(again.lines[0], K1_OTHER_COMMENT);
	free(text);
	key_list_clear(&again);
	key_list_clear(&l);
}

static void test_parse_refuses_too_many_lines(void **state)
{
	size_t n = KEY_LIST_MAX + 1;
	char *text = malloc(n * 2 + 1);
	struct key_list l;

	(void)state;
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * 2, "x\n", 2);
	text[n * 2] = '\0';
	assert_int_equal(key_list_parse(text, n * 2, &l), -E2BIG);
	assert_int_equal(l.n, 0);
	free(text);
}

static void test_comment_and_one_field_lines_are_no_keys(void **state)
{
	struct key_list l = { 0 };

	(void)state;
	assert_int_equal(key_list_parse("# ssh-ed25519 AAAA\nssh-ed25519\n", 31, &l), 0);
	assert_int_equal(key_list_count(&l), 0);
	assert_int_equal(key_list_find(&l, "ssh-ed25519"), -1);
	key_list_clear(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_skips_empty_lines_and_cr),
		cmocka_unit_test(test_add_is_idempotent_whatever_the_comment),
		cmocka_unit_test(test_remove_matches_key_not_comment),
		cmocka_unit_test(test_render_round_trips_byte_for_byte),
		cmocka_unit_test(test_parse_refuses_too_many_lines),
		cmocka_unit_test(test_comment_and_one_field_lines_are_no_keys),
	};

	return cmocka_run_group_tests_name("key_list", tests, NULL, NULL);
}
