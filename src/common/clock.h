/*
 * clock.h - monotonic time as the daemon's processes use it: deadlines,
 * backoffs, ages. Never the wall clock, which an admin may set back.
 */
#ifndef CONTAINARIUM_CLOCK_H
#define CONTAINARIUM_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Now, on CLOCK_MONOTONIC. */
struct timespec clock_now(void);

/* Now, on CLOCK_MONOTONIC, in nanoseconds. */
int64_t clock_now_ns(void);

/* t plus ms milliseconds (ms >= 0). */
struct timespec clock_after_ms(struct timespec t, long ms);

/* a minus b, in whole milliseconds (negative when a is earlier). */
long clock_diff_ms(const struct timespec *a, const struct timespec *b);

#endif
