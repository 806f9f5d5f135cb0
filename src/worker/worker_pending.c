/*
 * worker_pending.c - the table of calls waiting for the master; see
 * worker_pending.h.
 *
 * Request ids come from a 32-bit counter; an id lives in slot
 * (id & mask) of a power-of-two table at least twice max_calls, so a lookup
 * is one comparison. A new id skips counter values whose slot is busy (and
 * 0, which IPC reserves for messages that answer no request), so ids of
 * live entries never collide and a stale id finds nothing.
 */
#include "worker_pending.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct worker_pending_slot {
	uint32_t id;                 /* 0: free */
	struct worker_call *call;
};

static pthread_mutex_t worker_pending_lock = PTHREAD_MUTEX_INITIALIZER;
static struct worker_pending_slot *worker_pending_slots;
static uint32_t worker_pending_mask;
static unsigned worker_pending_max, worker_pending_live;
static uint32_t worker_pending_next_id = 1;

int worker_pending_setup(unsigned max_calls)
{
	uint32_t size = 2;

	while (size < 2u * max_calls)
		size <<= 1;
	free(worker_pending_slots);
	worker_pending_slots = calloc(size, sizeof(*worker_pending_slots));
	if (!worker_pending_slots)
		return -ENOMEM;
	worker_pending_mask = size - 1;
	worker_pending_max = max_calls;
	worker_pending_live = 0;
	return 0;
}

int worker_pending_add(struct worker_call *call, uint32_t *ret_id)
{
	struct worker_pending_slot *slot;
	uint32_t id;

	pthread_mutex_lock(&worker_pending_lock);
	if (worker_pending_live >= worker_pending_max) {
		pthread_mutex_unlock(&worker_pending_lock);
		return -EBUSY;
	}
	/* At most half the slots are busy, so this ends within a few steps. */
	do
		id = worker_pending_next_id++;
	while (id == 0 || worker_pending_slots[id & worker_pending_mask].id != 0);
	slot = &worker_pending_slots[id & worker_pending_mask];
	slot->id = id;
	slot->call = call;
	worker_pending_live++;
	pthread_mutex_unlock(&worker_pending_lock);
	*ret_id = id;
	return 0;
}

/* Empties slot and returns its call. Requires worker_pending_lock. */
static struct worker_call *worker_pending_clear(struct worker_pending_slot *slot)
{
	struct worker_call *call = slot->call;

	slot->id = 0;
	slot->call = NULL;
	worker_pending_live--;
	return call;
}

struct worker_call *worker_pending_take(uint32_t id)
{
	struct worker_pending_slot *slot;
	struct worker_call *call = NULL;

	if (id == 0)
		return NULL;
	pthread_mutex_lock(&worker_pending_lock);
	slot = &worker_pending_slots[id & worker_pending_mask];
	if (slot->id == id)
		call = worker_pending_clear(slot);
	pthread_mutex_unlock(&worker_pending_lock);
	return call;
}

bool worker_pending_remove(uint32_t id, const struct worker_call *call)
{
	struct worker_pending_slot *slot;
	bool removed = false;

	if (id == 0)
		return false;
	pthread_mutex_lock(&worker_pending_lock);
	slot = &worker_pending_slots[id & worker_pending_mask];
	if (slot->id == id && slot->call == call) {
		(void)worker_pending_clear(slot);
		removed = true;
	}
	pthread_mutex_unlock(&worker_pending_lock);
	return removed;
}

struct worker_call *worker_pending_take_any(void)
{
	struct worker_call *call = NULL;

	pthread_mutex_lock(&worker_pending_lock);
	for (uint32_t i = 0; worker_pending_live > 0 && i <= worker_pending_mask; i++)
		if (worker_pending_slots[i].id != 0) {
			call = worker_pending_clear(&worker_pending_slots[i]);
			break;
		}
	pthread_mutex_unlock(&worker_pending_lock);
	return call;
}

unsigned worker_pending_count(void)
{
	unsigned n;

	pthread_mutex_lock(&worker_pending_lock);
	n = worker_pending_live;
	pthread_mutex_unlock(&worker_pending_lock);
	return n;
}
