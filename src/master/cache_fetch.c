/*
 * cache_fetch.c - Incus into the cache; see cache_fetch.h.
 */
#include "cache_fetch.h"

#include <errno.h>
#include <string.h>

int cache_fetch_instance(struct cache *cache, struct incus_client *incus,
    const char *name, uint64_t ticket)
{
	int64_t at = cache_now_ns();
	struct incus_instance instance;
	int r;

	r = incus_instance_get(incus, name, &instance);
	if (r == -ENOENT) {
		cache_swap(cache, name, ticket, NULL, at);
		return 0;
	}
	if (r < 0)
		return r;
	cache_swap(cache, name, ticket, &instance, at);
	return 0;
}

int cache_fetch_after_change(struct cache *cache, struct incus_client *incus,
    const char *name)
{
	uint64_t ticket = cache_invalidate(cache, name);
	int r;

	if (ticket == 0)
		return -ENOMEM;
	/* Untrusted: the resync that restores trust reads it anyway, and an
	 * instance invalidated during that resync stays bypassed until its
	 * event's refetch. */
	if (!cache_is_trusted(cache))
		return 0;
	r = cache_fetch_instance(cache, incus, name, ticket);
	if (r < 0)
		cache_distrust(cache);
	return r;
}

int cache_fetch_resources(struct cache *cache, struct incus_client *incus,
    const char *pool)
{
	int64_t at = cache_now_ns();
	struct incus_host_resources host;
	struct incus_pool_resources pool_resources;
	bool has_pool = false;
	int r;

	r = incus_resources_host(incus, &host);
	if (r < 0)
		return r;
	if (pool && pool[0])
		has_pool = incus_resources_pool(incus, pool, &pool_resources) == 0;
	cache_set_resources(cache, &host, has_pool ? &pool_resources : NULL, at);
	return 0;
}

int cache_fetch_instances(struct cache *cache, struct incus_client *incus)
{
	struct cache_resync_token token = cache_resync_begin(cache);
	struct incus_instance_list list;
	int64_t at = cache_now_ns();
	int r;

	r = incus_instance_list(incus, &list);
	if (r < 0)
		return r;
	return cache_resync_commit(cache, token, &list, at, false);
}

int cache_fetch_all(struct cache *cache, struct incus_client *incus,
    const char *pool, bool restore_trust)
{
	struct cache_resync_token token = cache_resync_begin(cache);
	struct incus_server_info server;
	struct incus_instance_list list;
	int64_t at;
	int r;

	r = incus_client_server_info(incus, &server);
	if (r < 0)
		return r;
	cache_set_server(cache, &server);
	r = cache_fetch_resources(cache, incus, pool);
	if (r < 0)
		return r;
	at = cache_now_ns();
	r = incus_instance_list(incus, &list);
	if (r < 0)
		return r;
	return cache_resync_commit(cache, token, &list, at, restore_trust);
}
