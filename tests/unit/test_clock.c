/*
 * test_clock.c - monotonic time arithmetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/clock.h"

static void test_after_carries_into_seconds(void **state)
{
	struct timespec t = { 10, 999000000 }, u;

	(void)state;
	u = clock_after_ms(t, 2);
	assert_int_equal(u.tv_sec, 11);
	assert_int_equal(u.tv_nsec, 1000000);
	u = clock_after_ms(t, 3500);
	assert_int_equal(u.tv_sec, 14);
	assert_int_equal(u.tv_nsec, 499000000);
}

static void test_diff_is_signed(void **state)
{
	struct timespec a = { 5, 100000000 }, b = { 3, 900000000 };

	(void)state;
	assert_int_equal(clock_diff_ms(&a, &b), 1200);
	assert_int_equal(clock_diff_ms(&b, &a), -1200);
	assert_int_equal(clock_diff_ms(&a, &a), 0);
}

static void test_now_moves_forward(void **state)
{
	struct timespec a = clock_now(), b;
	int64_t ns = clock_now_ns();

	(void)state;
	b = clock_now();
	assert_true(clock_diff_ms(&b, &a) >= 0);
	assert_true(clock_now_ns() >= ns);
	assert_true(ns >= (int64_t)a.tv_sec * 1000000000LL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_after_carries_into_seconds),
		cmocka_unit_test(test_diff_is_signed),
		cmocka_unit_test(test_now_moves_forward),
	};

	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
