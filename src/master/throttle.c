/*
 * throttle.c - login failure counting; see throttle.h.
 *
 * A plain array searched linearly: THROTTLE_ENTRIES is small, and each
 * search is dwarfed by the password hash every login computes.
 */
#include "throttle.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct throttle_entry {
	char key[THROTTLE_KEY_MAX];
	unsigned failures;
	time_t first_failure, last_failure, locked_until;
};

struct throttle {
	pthread_mutex_t lock;
	unsigned max_failures, lockout;
	struct throttle_entry entries[THROTTLE_ENTRIES];
};

struct throttle *throttle_new(unsigned max_failures, unsigned lockout)
{
	struct throttle *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->max_failures = max_failures ? max_failures : 1;
	t->lockout = lockout;
	return t;
}

void throttle_free(struct throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static struct throttle_entry *throttle_find(struct throttle *t, const char *key)
{
	for (size_t i = 0; i < THROTTLE_ENTRIES; i++)
		if (t->entries[i].key[0] && strcmp(t->entries[i].key, key) == 0)
			return &t->entries[i];
	return NULL;
}

/* Forgets an entry whose failures are older than the lockout window. */
static void throttle_expire(struct throttle *t, struct throttle_entry *e, time_t now)
{
	if (e->locked_until <= now && now - e->last_failure >= (time_t)t->lockout)
		memset(e, 0, sizeof(*e));
}

/* A free entry, or the one whose last failure is oldest. */
static struct throttle_entry *throttle_slot(struct throttle *t)
{
	struct throttle_entry *oldest = &t->entries[0];

	for (size_t i = 0; i < THROTTLE_ENTRIES; i++) {
		if (!t->entries[i].key[0])
			return &t->entries[i];
		if (t->entries[i].last_failure < oldest->last_failure)
			oldest = &t->entries[i];
	}
	return oldest;
}

unsigned throttle_locked(struct throttle *t, const char *key, time_t now)
{
	struct throttle_entry *e;
	unsigned left = 0;

	pthread_mutex_lock(&t->lock);
	e = throttle_find(t, key);
	if (e) {
		throttle_expire(t, e, now);
		if (e->key[0] && e->locked_until > now)
			left = (unsigned)(e->locked_until - now);
	}
	pthread_mutex_unlock(&t->lock);
	return left;
}

unsigned throttle_fail(struct throttle *t, const char *key, time_t now, bool *ret_locked)
{
	struct throttle_entry *e;
	unsigned delay;

	pthread_mutex_lock(&t->lock);
	e = throttle_find(t, key);
	if (e)
		throttle_expire(t, e, now);
	if (!e || !e->key[0]) {
		e = throttle_slot(t);
		memset(e, 0, sizeof(*e));
		strncpy(e->key, key, sizeof(e->key) - 1);
		e->first_failure = now;
	}
	e->failures++;
	e->last_failure = now;
	delay = e->failures * THROTTLE_DELAY_STEP_MS;
	*ret_locked = false;
	if (e->failures >= t->max_failures && e->locked_until <= now) {
		e->locked_until = now + (time_t)t->lockout;
		e->failures = 0;
		*ret_locked = true;
	}
	pthread_mutex_unlock(&t->lock);
	return delay < THROTTLE_DELAY_MAX_MS ? delay : THROTTLE_DELAY_MAX_MS;
}

void throttle_clear(struct throttle *t, const char *key)
{
	struct throttle_entry *e;

	pthread_mutex_lock(&t->lock);
	e = throttle_find(t, key);
	if (e)
		memset(e, 0, sizeof(*e));
	pthread_mutex_unlock(&t->lock);
}
