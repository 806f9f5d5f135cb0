/*
 * test_wire_check.c - strings with NUL bytes or bad UTF-8 are found in the
 * encoded request, wherever they are nested.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "common/wire_check.h"
#include "containarium/v1/service.pb-c.h"

#define CREATE (&containarium__v1__create_container_request__descriptor)

static int check(const uint8_t *data, size_t len, char *err, size_t errlen)
{
	return wire_check_strings(CREATE, data, len, err, errlen);
}

static void test_clean_request_passes(void **state)
{
	/* username "bob", resources { memory "1GB" }, labels { "k": "é" } */
	static const uint8_t msg[] = { 0x0a, 3, 'b', 'o', 'b',
		0x12, 5, 0x12, 3, '1', 'G', 'B',
		0x22, 7, 0x0a, 1, 'k', 0x12, 2, 0xc3, 0xa9,
		0x30, 1 /* enable_docker: a varint, skipped */ };
	char err[128] = "";

	(void)state;
	assert_int_equal(check(msg, sizeof(msg), err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

static void test_nul_in_top_level_string(void **state)
{
	static const uint8_t msg[] = { 0x0a, 8, 'b', 'o', 'b', 0, 'e', 'v', 'i', 'l' };
	char err[128];

	(void)state;
	assert_int_equal(check(msg, sizeof(msg), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "username: contains a NUL byte");
}

static void test_nul_in_nested_and_repeated(void **state)
{
	static const uint8_t nested[] = { 0x12, 5, 0x12, 3, '1', 0, 'B' };
	static const uint8_t repeated[] = { 0x1a, 1, 'a', 0x1a, 2, 'b', 0 };
	static const uint8_t map[] = { 0x22, 6, 0x0a, 1, 'k', 0x12, 1, 0 };
	char err[128];

	(void)state;
	assert_int_equal(check(nested, sizeof(nested), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "resources.memory: contains a NUL byte");
	assert_int_equal(check(repeated, sizeof(repeated), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "ssh_keys[1]: contains a NUL byte");
	assert_int_equal(check(map, sizeof(map), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "labels[0].value: contains a NUL byte");
}

static void test_bad_utf8(void **state)
{
	static const uint8_t invalid[] = { 0x2a, 2, 'x', 0xff };
	static const uint8_t overlong[] = { 0x2a, 2, 0xc0, 0x80 };
	static const uint8_t surrogate[] = { 0x2a, 3, 0xed, 0xa0, 0x80 };
	static const uint8_t cut[] = { 0x2a, 2, 'x', 0xc3 };
	char err[128];

	(void)state;
	assert_int_equal(check(invalid, sizeof(invalid), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "image: is not valid UTF-8");
	assert_int_equal(check(overlong, sizeof(overlong), err, sizeof(err)), -EINVAL);
	assert_int_equal(check(surrogate, sizeof(surrogate), err, sizeof(err)), -EINVAL);
	assert_int_equal(check(cut, sizeof(cut), err, sizeof(err)), -EINVAL);
}

static void test_malformed_and_unknown(void **state)
{
	static const uint8_t truncated[] = { 0x0a, 9, 'b', 'o', 'b' };
	static const uint8_t group[] = { 0x0b };  /* wire type 3: start group */
	static const uint8_t unknown[] = { 0xf2, 0x07, 2, 0, 0xff, 0x0a, 1, 'b' };
	char err[128];

	(void)state;
	assert_int_equal(check(truncated, sizeof(truncated), err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "request: malformed protobuf");
	assert_int_equal(check(group, sizeof(group), err, sizeof(err)), -EBADMSG);
	/* An unknown field (number 126) is skipped, whatever it holds. */
	assert_int_equal(check(unknown, sizeof(unknown), err, sizeof(err)), 0);
	assert_int_equal(check(unknown, sizeof(unknown), NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_request_passes),
		cmocka_unit_test(test_nul_in_top_level_string),
		cmocka_unit_test(test_nul_in_nested_and_repeated),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_malformed_and_unknown),
	};

	return cmocka_run_group_tests_name("wire_check", tests, NULL, NULL);
}
