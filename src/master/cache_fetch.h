/*
 * cache_fetch.h - reading Incus into the cache: one instance, the
 * resources, or everything (a resync).
 *
 * Shared by the cache thread and the operation threads; each passes its
 * own Incus client. No logging: failures are returned as the client's
 * negative errno (incus.h), and the caller decides.
 */
#ifndef CONTAINARIUM_CACHE_FETCH_H
#define CONTAINARIUM_CACHE_FETCH_H

#include <stdint.h>

#include "cache.h"
#include "incus/incus.h"

/* How old counters (memory, CPU, network, disk use) and host resources
 * may be when served. */
#define CACHE_COUNTERS_MAX_AGE_NS 1000000000LL

/*
 * GET /1.0/instances/<name> and swaps the answer in under ticket (from
 * cache_invalidate() or cache_ticket()); Incus's 404 swaps in "absent".
 * Returns 0 (whether or not the swap applied), or the client's errno, in
 * which case the cache is left as it was.
 */
int cache_fetch_instance(struct cache *cache, struct incus_client *incus,
    const char *name, uint64_t ticket);

/*
 * Invalidates name and, when the cache is trusted, refetches it, so that
 * the next reader sees what Incus holds now (used after a mutation). On
 * failure the whole cache is distrusted, and the errno returned.
 */
int cache_fetch_after_change(struct cache *cache, struct incus_client *incus,
    const char *name);

/*
 * Every instance with state (recursion=2) into the cache, without
 * touching its trust. Returns 0 or a negative errno.
 */
int cache_fetch_instances(struct cache *cache, struct incus_client *incus);

/* GET /1.0/resources and the pool's resources (pool may be NULL or ""). */
int cache_fetch_resources(struct cache *cache, struct incus_client *incus,
    const char *pool);

/*
 * A full resync: server information, resources and every instance with
 * state (recursion=2). With restore_trust the cache becomes trusted if
 * nothing distrusted it meanwhile. Returns 0 or a negative errno.
 */
int cache_fetch_all(struct cache *cache, struct incus_client *incus,
    const char *pool, bool restore_trust);

#endif
