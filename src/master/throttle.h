/*
 * throttle.h - login failures per key (a username, a peer address).
 *
 * Each failure within the window makes the next answer slower; after
 * max_failures the key is locked out for lockout seconds, during which
 * logins for it are refused without checking anything. A success clears
 * the key. The table is bounded: when full, the entry whose last failure
 * is oldest is forgotten. Thread-safe; never logs.
 */
#ifndef CONTAINARIUM_THROTTLE_H
#define CONTAINARIUM_THROTTLE_H

#include <stdbool.h>
#include <time.h>

#define THROTTLE_KEY_MAX 128
#define THROTTLE_ENTRIES 4096
#define THROTTLE_DELAY_STEP_MS 200     /* per failure so far */
#define THROTTLE_DELAY_MAX_MS 2000

struct throttle;

/* A table for max_failures (>= 1) and lockout seconds. NULL on ENOMEM. */
struct throttle *throttle_new(unsigned max_failures, unsigned lockout);
void throttle_free(struct throttle *t);

/*
 * Returns the seconds key stays locked out at now (0 when it is not).
 */
unsigned throttle_locked(struct throttle *t, const char *key, time_t now);

/*
 * Records a failure for key at now. Returns the delay in milliseconds the
 * answer should wait, and sets *ret_locked when this failure started a
 * lockout.
 */
unsigned throttle_fail(struct throttle *t, const char *key, time_t now, bool *ret_locked);

/* Forgets key's failures (after a successful login). */
void throttle_clear(struct throttle *t, const char *key);

#endif
