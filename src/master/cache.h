/*
 * cache.h - the master's model of the project's instances, kept coherent
 * with Incus so List, Get, GetMetrics and GetSystemInfo need not ask it.
 *
 * The cache is a plain data structure (no I/O, no logging): the cache
 * thread (cache_thread.h) fills it from a full resync and from Incus's
 * event stream, and the operation threads read it and, after a mutation of
 * their own, refetch what they changed.
 *
 * Trust. A cache that cannot be trusted is bypassed, never served stale:
 * readers get -ESTALE and ask Incus themselves. The cache is untrusted
 * until the first resync commits, after cache_distrust() (the event stream
 * dropped, a refetch failed) until the next resync commits, and for any
 * one instance between cache_invalidate() and the cache_swap() that
 * answers it.
 *
 * Races. Every invalidation stamps the instance with a new epoch from one
 * counter; cache_swap() applies only when the instance still has the epoch
 * its ticket was taken at, so a reply that raced with a newer change is
 * dropped (the newer change's own refetch follows). A resync keeps any
 * instance stamped after the resync began.
 *
 * Records are immutable once published and reference-counted: a reader
 * holds them without the lock while it converts them.
 *
 * Threads: every function may be called from any thread.
 */
#ifndef CONTAINARIUM_CACHE_H
#define CONTAINARIUM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incus/incus.h"

struct cache;

/* One instance as Incus last described it. */
struct cache_record {
	struct incus_instance instance;
	int64_t fetched_ns;     /* CLOCK_MONOTONIC when Incus was asked */
	int refs;               /* private: use cache_record_unref() */
};

/* The server-wide figures GetSystemInfo reports. */
struct cache_system {
	struct incus_server_info server;   /* as of the last resync */
	struct incus_host_resources host;
	struct incus_pool_resources pool;
	bool has_pool;
	int64_t resources_ns;              /* when host and pool were read */
};

/* What cache_resync_begin() hands to cache_resync_commit(). */
struct cache_resync_token {
	uint64_t clock;
	uint64_t trust_generation;
};

int cache_new(struct cache **ret);
void cache_free(struct cache *cache);

/* CLOCK_MONOTONIC in nanoseconds: the time base of fetched_ns. */
int64_t cache_now_ns(void);

/* ---- readers ---------------------------------------------------------- */

/*
 * The record of name (a new reference). Returns 0; -ENOENT when the cache
 * is trusted and Incus has no such instance; -ESTALE when the cache is
 * untrusted or the instance awaits a refetch; -EAGAIN when the record is
 * older than max_age_ns (0: any age).
 */
int cache_get(struct cache *cache, const char *name, int64_t max_age_ns,
    struct cache_record **ret);

/*
 * Every present record in name order (new references, in a new array;
 * release with cache_records_free()). Returns 0; -ESTALE when the cache is
 * untrusted or any instance awaits a refetch; -EAGAIN when a record is
 * older than max_age_ns (0: any age); -ENOMEM.
 */
int cache_list(struct cache *cache, int64_t max_age_ns,
    struct cache_record ***ret, size_t *ret_count);

void cache_record_unref(struct cache_record *record);
void cache_records_free(struct cache_record **records, size_t count);

/*
 * Copies the server-wide figures into *ret (strings duplicated; release
 * with cache_system_free()). Returns 0, -ESTALE when untrusted, -EAGAIN
 * when the resources are older than max_age_ns, -ENOMEM.
 */
int cache_system_get(struct cache *cache, int64_t max_age_ns,
    struct cache_system *ret);
void cache_system_free(struct cache_system *system);

/* ---- writers ---------------------------------------------------------- */

/* Marks the whole cache untrusted until the next resync commits. */
void cache_distrust(struct cache *cache);

bool cache_is_trusted(struct cache *cache);

/*
 * Marks name as changed: readers bypass it until a cache_swap() with the
 * returned ticket (or a later one). Returns the ticket, or 0 on allocation
 * failure (the cache is then distrusted).
 */
uint64_t cache_invalidate(struct cache *cache, const char *name);

/*
 * A ticket for refreshing name without marking it changed (counters grown
 * old). Returns the ticket, or 0 on allocation failure.
 */
uint64_t cache_ticket(struct cache *cache, const char *name);

/*
 * Installs what Incus said about name when it was asked at fetched_ns:
 * *instance (taken: zeroed on return whatever happens), or NULL when Incus
 * has no such instance. Applies only if no invalidation of name happened
 * since ticket was taken. Returns true when applied.
 */
bool cache_swap(struct cache *cache, const char *name, uint64_t ticket,
    struct incus_instance *instance, int64_t fetched_ns);

/* Starts a full resync; the token goes to cache_resync_commit(). */
struct cache_resync_token cache_resync_begin(struct cache *cache);

/*
 * Replaces every instance not invalidated since token with list (taken:
 * zeroed on return), read at fetched_ns. With restore_trust, the cache
 * becomes trusted unless cache_distrust() was called since token.
 * Returns 0 or -ENOMEM (the cache is then distrusted).
 */
int cache_resync_commit(struct cache *cache, struct cache_resync_token token,
    struct incus_instance_list *list, int64_t fetched_ns, bool restore_trust);

/* Replaces the server information (taken: zeroed on return). */
void cache_set_server(struct cache *cache, struct incus_server_info *server);

/* Replaces host and pool resources read at fetched_ns (pool may be NULL). */
void cache_set_resources(struct cache *cache, const struct incus_host_resources *host,
    const struct incus_pool_resources *pool, int64_t fetched_ns);

#endif
