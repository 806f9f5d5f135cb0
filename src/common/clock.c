/*
 * clock.c - monotonic time helpers; see clock.h.
 */
#include "clock.h"

struct timespec clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

int64_t clock_now_ns(void)
{
	struct timespec ts = clock_now();

	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct timespec clock_after_ms(struct timespec t, long ms)
{
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

long clock_diff_ms(const struct timespec *a, const struct timespec *b)
{
	return (long)(a->tv_sec - b->tv_sec) * 1000 + (a->tv_nsec - b->tv_nsec) / 1000000;
}
