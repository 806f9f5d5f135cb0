/*
 * cache_thread.h - the thread that keeps the cache coherent with Incus.
 *
 * It subscribes to Incus's event stream (lifecycle and operation events of
 * the configured project) first, then resyncs everything, and only then
 * lets the cache be trusted; from there each event naming an instance
 * invalidates it and refetches it. When the stream drops, the cache is
 * distrusted (reads go to Incus) until a reconnect and a resync complete.
 * A running instance without an IPv4 address yet is refetched every
 * CACHE_THREAD_WATCH_MS for up to a minute: DHCP leases come without an
 * event.
 */
#ifndef CONTAINARIUM_CACHE_THREAD_H
#define CONTAINARIUM_CACHE_THREAD_H

#include "cache.h"
#include "common/config.h"

#define CACHE_THREAD_WATCH_MS 500
#define CACHE_THREAD_WATCH_FOR_MS 60000
#define CACHE_THREAD_RETRY_MIN_MS 100
#define CACHE_THREAD_RETRY_MAX_MS 5000

struct cache_thread;

/*
 * Starts the thread for cache, with config (both must outlive it).
 * Returns 0 and *ret, or a negative errno.
 */
int cache_thread_start(const struct config *config, struct cache *cache,
    struct cache_thread **ret);

/* Stops and joins the thread, and frees it. Accepts NULL. */
void cache_thread_stop(struct cache_thread *thread);

#endif
