/*
 * cache.c - the instance cache's data structure and its trust rules; see
 * cache.h for the contract.
 *
 * Entries live in one array sorted by name (binary search; a few thousand
 * instances at most). An entry without a record is a tombstone: Incus has
 * no such instance, or it is being created and its refetch is pending.
 * One rwlock guards everything (writers preferred, so a stream of readers
 * cannot starve the event thread).
 */
#include "cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cache_entry {
	char *name;
	struct cache_record *record;  /* NULL: no such instance */
	uint64_t epoch;               /* clock at the last invalidation; 0: none */
	bool pending;                 /* invalidated, no swap since */
};

struct cache {
	pthread_rwlock_t lock;
	struct cache_entry *entries;
	size_t count, capacity;
	size_t pending_count;
	uint64_t clock;
	bool trusted;
	uint64_t trust_generation;
	bool has_server;
	struct cache_system system;
};

int64_t cache_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int cache_new(struct cache **ret)
{
	pthread_rwlockattr_t attr;
	struct cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&c->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	*ret = c;
	return 0;
}

/* Takes instance (zeroing the caller's copy) into a record with one reference. */
static struct cache_record *cache_record_new(struct incus_instance *instance, int64_t fetched_ns)
{
	struct cache_record *r = malloc(sizeof(*r));

	if (!r) {
		incus_instance_free(instance);
		memset(instance, 0, sizeof(*instance));
		return NULL;
	}
	r->instance = *instance;
	r->fetched_ns = fetched_ns;
	r->refs = 1;
	memset(instance, 0, sizeof(*instance));
	return r;
}

void cache_record_unref(struct cache_record *record)
{
	if (!record || __atomic_sub_fetch(&record->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	incus_instance_free(&record->instance);
	free(record);
}

static struct cache_record *cache_record_ref(struct cache_record *record)
{
	__atomic_add_fetch(&record->refs, 1, __ATOMIC_RELAXED);
	return record;
}

void cache_records_free(struct cache_record **records, size_t count)
{
	for (size_t i = 0; i < count; i++)
		cache_record_unref(records[i]);
	free(records);
}

void cache_system_free(struct cache_system *system)
{
	if (system)
		incus_client_server_info_free(&system->server);
}

void cache_free(struct cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->count; i++) {
		free(cache->entries[i].name);
		cache_record_unref(cache->entries[i].record);
	}
	free(cache->entries);
	cache_system_free(&cache->system);
	pthread_rwlock_destroy(&cache->lock);
	free(cache);
}

/* Index of name, or of where it would go, with *found set. Lock held. */
static size_t cache_find(const struct cache *c, const char *name, bool *found)
{
	size_t lo = 0, hi = c->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = strcmp(c->entries[mid].name, name);

		if (d == 0) {
			*found = true;
			return mid;
		}
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* The entry of name, inserting a tombstone if needed; NULL on ENOMEM. Write lock held. */
static struct cache_entry *cache_entry_get(struct cache *c, const char *name)
{
	bool found;
	size_t i = cache_find(c, name, &found);
	char *copy;

	if (found)
		return &c->entries[i];
	if (c->count == c->capacity) {
		size_t cap = c->capacity ? c->capacity * 2 : 64;
		struct cache_entry *e = realloc(c->entries, cap * sizeof(*e));

		if (!e)
			return NULL;
		c->entries = e;
		c->capacity = cap;
	}
	if (!(copy = strdup(name)))
		return NULL;
	memmove(&c->entries[i + 1], &c->entries[i], (c->count - i) * sizeof(*c->entries));
	c->entries[i] = (struct cache_entry){ .name = copy };
	c->count++;
	return &c->entries[i];
}

static bool cache_too_old(const struct cache_record *r, int64_t max_age_ns, int64_t now)
{
	return max_age_ns > 0 && now - r->fetched_ns > max_age_ns;
}

int cache_get(struct cache *cache, const char *name, int64_t max_age_ns,
    struct cache_record **ret)
{
	const struct cache_entry *e;
	bool found;
	size_t i;
	int r = 0;

	pthread_rwlock_rdlock(&cache->lock);
	i = cache_find(cache, name, &found);
	e = found ? &cache->entries[i] : NULL;
	if (!cache->trusted || (e && e->pending))
		r = -ESTALE;
	else if (!e || !e->record)
		r = -ENOENT;
	else if (cache_too_old(e->record, max_age_ns, cache_now_ns()))
		r = -EAGAIN;
	else
		*ret = cache_record_ref(e->record);
	pthread_rwlock_unlock(&cache->lock);
	return r;
}

/* Fills records with references to every present entry. Read lock held. */
static int cache_list_locked(struct cache *c, int64_t max_age_ns,
    struct cache_record **records, size_t *n)
{
	int64_t now = cache_now_ns();

	for (size_t i = 0; i < c->count; i++) {
		struct cache_record *r = c->entries[i].record;

		if (!r)
			continue;
		if (cache_too_old(r, max_age_ns, now))
			return -EAGAIN;
		records[(*n)++] = cache_record_ref(r);
	}
	return 0;
}

int cache_list(struct cache *cache, int64_t max_age_ns,
    struct cache_record ***ret, size_t *ret_count)
{
	struct cache_record **records;
	size_t n = 0;
	int r;

	pthread_rwlock_rdlock(&cache->lock);
	if (!cache->trusted || cache->pending_count > 0) {
		pthread_rwlock_unlock(&cache->lock);
		return -ESTALE;
	}
	records = malloc((cache->count + 1) * sizeof(*records));
	r = records ? cache_list_locked(cache, max_age_ns, records, &n) : -ENOMEM;
	pthread_rwlock_unlock(&cache->lock);
	if (r < 0) {
		cache_records_free(records, n);
		return r;
	}
	*ret = records;
	*ret_count = n;
	return 0;
}

static char *cache_strdup_null(const char *s, bool *failed)
{
	char *copy;

	if (!s)
		return NULL;
	copy = strdup(s);
	if (!copy)
		*failed = true;
	return copy;
}

/* A deep copy of the server information. */
static int cache_server_copy(const struct incus_server_info *from, struct incus_server_info *to)
{
	bool failed = false;

	*to = (struct incus_server_info){ .kind = from->kind, .clustered = from->clustered };
	to->server = cache_strdup_null(from->server, &failed);
	to->server_version = cache_strdup_null(from->server_version, &failed);
	to->server_name = cache_strdup_null(from->server_name, &failed);
	to->api_version = cache_strdup_null(from->api_version, &failed);
	to->kernel_version = cache_strdup_null(from->kernel_version, &failed);
	to->os_name = cache_strdup_null(from->os_name, &failed);
	to->os_version = cache_strdup_null(from->os_version, &failed);
	to->storage_driver = cache_strdup_null(from->storage_driver, &failed);
	if (failed) {
		incus_client_server_info_free(to);
		return -ENOMEM;
	}
	return 0;
}

int cache_system_get(struct cache *cache, int64_t max_age_ns, struct cache_system *ret)
{
	struct cache_system copy;
	int r = 0;

	pthread_rwlock_rdlock(&cache->lock);
	if (!cache->trusted || !cache->has_server)
		r = -ESTALE;
	else if (cache->system.resources_ns == 0 ||
	    (max_age_ns > 0 && cache_now_ns() - cache->system.resources_ns > max_age_ns))
		r = -EAGAIN;
	else {
		copy = cache->system;
		r = cache_server_copy(&cache->system.server, &copy.server);
	}
	pthread_rwlock_unlock(&cache->lock);
	if (r == 0)
		*ret = copy;
	return r;
}

void cache_distrust(struct cache *cache)
{
	pthread_rwlock_wrlock(&cache->lock);
	cache->trusted = false;
	cache->trust_generation++;
	pthread_rwlock_unlock(&cache->lock);
}

bool cache_is_trusted(struct cache *cache)
{
	bool trusted;

	pthread_rwlock_rdlock(&cache->lock);
	trusted = cache->trusted;
	pthread_rwlock_unlock(&cache->lock);
	return trusted;
}

/* Distrusts the cache after an allocation failure. Write lock held. */
static uint64_t cache_fail_locked(struct cache *c)
{
	c->trusted = false;
	c->trust_generation++;
	return 0;
}

uint64_t cache_invalidate(struct cache *cache, const char *name)
{
	struct cache_entry *e;
	uint64_t ticket;

	pthread_rwlock_wrlock(&cache->lock);
	e = cache_entry_get(cache, name);
	if (!e)
		ticket = cache_fail_locked(cache);
	else {
		e->epoch = ++cache->clock;
		if (!e->pending)
			cache->pending_count++;
		e->pending = true;
		ticket = e->epoch + 1;
	}
	pthread_rwlock_unlock(&cache->lock);
	return ticket;
}

uint64_t cache_ticket(struct cache *cache, const char *name)
{
	struct cache_entry *e;
	uint64_t ticket;

	pthread_rwlock_wrlock(&cache->lock);
	e = cache_entry_get(cache, name);
	ticket = e ? e->epoch + 1 : cache_fail_locked(cache);
	pthread_rwlock_unlock(&cache->lock);
	return ticket;
}

/* Applies a swap to e, which matched its ticket. Write lock held. */
static void cache_swap_locked(struct cache *c, struct cache_entry *e,
    struct incus_instance *instance, int64_t fetched_ns)
{
	struct cache_record *record = NULL;

	if (instance && !(record = cache_record_new(instance, fetched_ns))) {
		cache_fail_locked(c);
		return;
	}
	cache_record_unref(e->record);
	e->record = record;
	if (e->pending)
		c->pending_count--;
	e->pending = false;
}

bool cache_swap(struct cache *cache, const char *name, uint64_t ticket,
    struct incus_instance *instance, int64_t fetched_ns)
{
	struct cache_entry *e;
	bool found, applied = false;
	size_t i;

	pthread_rwlock_wrlock(&cache->lock);
	i = cache_find(cache, name, &found);
	e = found ? &cache->entries[i] : NULL;
	/* Stale ticket, or an older reading than the one installed. */
	if (e && e->epoch + 1 == ticket &&
	    (e->pending || !e->record || e->record->fetched_ns <= fetched_ns)) {
		cache_swap_locked(cache, e, instance, fetched_ns);
		applied = true;
	}
	pthread_rwlock_unlock(&cache->lock);
	if (instance) {
		incus_instance_free(instance);
		memset(instance, 0, sizeof(*instance));
	}
	return applied;
}

struct cache_resync_token cache_resync_begin(struct cache *cache)
{
	struct cache_resync_token token;

	pthread_rwlock_rdlock(&cache->lock);
	token.clock = cache->clock;
	token.trust_generation = cache->trust_generation;
	pthread_rwlock_unlock(&cache->lock);
	return token;
}

static int cache_compare_instances(const void *a, const void *b)
{
	return strcmp(((const struct incus_instance *)a)->name,
	    ((const struct incus_instance *)b)->name);
}

/*
 * Whether an old entry survives a resync as it is: it changed after the
 * resync began, or holds a newer reading than the resync's.
 */
static bool cache_entry_keeps(const struct cache_entry *e, struct cache_resync_token token,
    int64_t fetched_ns)
{
	if (e->epoch > token.clock)
		return true;
	return !e->pending && e->record && e->record->fetched_ns > fetched_ns;
}

static void cache_entry_drop(struct cache_entry *e)
{
	free(e->name);
	cache_record_unref(e->record);
}

/*
 * Merges the old entries (sorted) with the list (sorted) into out, moving
 * or releasing every old entry. Returns 0 with *n set, or -ENOMEM (out
 * then holds what was merged, and the old entries are all released).
 */
static int cache_merge(struct cache *c, struct cache_resync_token token,
    struct incus_instance_list *list, int64_t fetched_ns, struct cache_entry *out,
    size_t *n)
{
	size_t i = 0, j = 0;

	while (i < c->count || j < list->count) {
		int d = i == c->count ? 1 : j == list->count ? -1 :
		    strcmp(c->entries[i].name, list->items[j].name);
		struct cache_entry *old = d <= 0 ? &c->entries[i] : NULL;

		if (old && (d < 0 || cache_entry_keeps(old, token, fetched_ns))) {
			if (d < 0 && old->epoch <= token.clock) /* gone from Incus */
				cache_entry_drop(old);
			else
				out[(*n)++] = *old;
			i++;
			j += d == 0;
			continue;
		}
		out[*n] = (struct cache_entry){ .name = old ? old->name : strdup(list->items[j].name),
		    .epoch = old ? old->epoch : 0 };
		if (old)
			cache_record_unref(old->record);
		out[*n].record = out[*n].name ? cache_record_new(&list->items[j], fetched_ns) : NULL;
		if (!out[*n].record) {
			free(out[*n].name);
			for (i += old != NULL; i < c->count; i++)
				cache_entry_drop(&c->entries[i]);
			return -ENOMEM;
		}
		(*n)++;
		i += old != NULL;
		j++;
	}
	return 0;
}

int cache_resync_commit(struct cache *cache, struct cache_resync_token token,
    struct incus_instance_list *list, int64_t fetched_ns, bool restore_trust)
{
	struct cache_entry *merged;
	size_t n = 0;
	int r;

	if (list->count > 0)
		qsort(list->items, list->count, sizeof(*list->items), cache_compare_instances);
	pthread_rwlock_wrlock(&cache->lock);
	merged = malloc((list->count + cache->count + 1) * sizeof(*merged));
	if (!merged) {
		cache_fail_locked(cache);
		pthread_rwlock_unlock(&cache->lock);
		incus_instance_list_free(list);
		memset(list, 0, sizeof(*list));
		return -ENOMEM;
	}
	r = cache_merge(cache, token, list, fetched_ns, merged, &n);
	free(cache->entries);
	cache->entries = merged;
	cache->count = cache->capacity = n;
	cache->pending_count = 0;
	for (size_t k = 0; k < n; k++)
		cache->pending_count += merged[k].pending;
	if (r < 0)
		cache_fail_locked(cache);
	else if (restore_trust && cache->trust_generation == token.trust_generation)
		cache->trusted = true;
	pthread_rwlock_unlock(&cache->lock);
	incus_instance_list_free(list);
	memset(list, 0, sizeof(*list));
	return r;
}

void cache_set_server(struct cache *cache, struct incus_server_info *server)
{
	pthread_rwlock_wrlock(&cache->lock);
	incus_client_server_info_free(&cache->system.server);
	cache->system.server = *server;
	cache->has_server = true;
	pthread_rwlock_unlock(&cache->lock);
	memset(server, 0, sizeof(*server));
}

void cache_set_resources(struct cache *cache, const struct incus_host_resources *host,
    const struct incus_pool_resources *pool, int64_t fetched_ns)
{
	pthread_rwlock_wrlock(&cache->lock);
	if (fetched_ns >= cache->system.resources_ns) {
		cache->system.host = *host;
		cache->system.has_pool = pool != NULL;
		if (pool)
			cache->system.pool = *pool;
		cache->system.resources_ns = fetched_ns;
	}
	pthread_rwlock_unlock(&cache->lock);
}
