/*
 * ops_query.c - the read-only RPCs: ListContainers, GetContainer,
 * GetMetrics and GetSystemInfo.
 *
 * Each is answered from the master's cache (cache.h) when it can be
 * trusted, and from Incus directly otherwise. Counters (memory, CPU,
 * network, disk use) and host resources are served at most
 * CACHE_COUNTERS_MAX_AGE_NS old: older ones are refetched first, since
 * Incus sends no event when they change.
 */
#include <errno.h>
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cache_fetch.h"
#include "ops_internal.h"

/* True when instance passes every filter of a ListContainers request. */
static bool ops_list_matches(const struct incus_instance *instance,
    const Containarium__V1__ListContainersRequest *req)
{
	if (!ops_is_managed(instance))
		return false;
	if (req->state != CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_UNSPECIFIED &&
	    ops_state_of(instance) != req->state)
		return false;
	if (req->username[0] && strcmp(ops_instance_username(instance), req->username) != 0)
		return false;
	for (size_t i = 0; i < req->n_label_filter; i++) {
		char key[256];
		const char *value;

		snprintf(key, sizeof(key), KEY_LABEL_PREFIX "%s", req->label_filter[i]->key);
		value = incus_instance_config_get(instance, key);
		if (!value || strcmp(value, req->label_filter[i]->value) != 0)
			return false;
	}
	return true;
}

/* ListContainers from the cache. Returns true when it answered. */
static bool ops_list_cached(struct job *job, struct ops_context *ctx,
    const Containarium__V1__ListContainersRequest *req)
{
	Containarium__V1__ListContainersResponse *resp;
	struct cache_record **records;
	size_t count;

	if (!ctx->cache || cache_list(ctx->cache, 0, &records, &count) < 0)
		return false;
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__list_containers_response__init(resp);
	resp->containers = calloc(count + 1, sizeof(void *));
	if (!resp->containers)
		abort();
	for (size_t i = 0; i < count; i++)
		if (ops_list_matches(&records[i]->instance, req))
			resp->containers[resp->n_containers++] =
			    ops_container_from_instance(&records[i]->instance);
	resp->total_count = (int32_t)resp->n_containers;
	cache_records_free(records, count);
	job_succeed(job, &resp->base);
	return true;
}

/*
 * The cached record of name with counters at most
 * CACHE_COUNTERS_MAX_AGE_NS old, refetching them when older. Returns 0,
 * -ENOENT (trusted: no such instance), or another errno: bypass the cache.
 */
static int ops_cached_record(struct ops_context *ctx, const char *name,
    struct cache_record **ret)
{
	int r = cache_get(ctx->cache, name, CACHE_COUNTERS_MAX_AGE_NS, ret);
	uint64_t ticket;

	if (r != -EAGAIN)
		return r;
	if (!ctx->incus)
		return -ESTALE;
	ticket = cache_ticket(ctx->cache, name);
	if (ticket == 0 || cache_fetch_instance(ctx->cache, ctx->incus, name, ticket) < 0)
		return -ESTALE;
	return cache_get(ctx->cache, name, CACHE_COUNTERS_MAX_AGE_NS, ret);
}

/*
 * As ops_get_owned(), from the cache. Returns 1 and *ret when found, 0
 * when the job has failed (NOT_FOUND), -ESTALE to bypass the cache.
 */
static int ops_get_owned_cached(struct job *job, struct ops_context *ctx,
    const char *username, struct cache_record **ret)
{
	char name[OPS_NAME_MAX];
	const char *owner;
	int r;

	if (!ctx->cache)
		return -ESTALE;
	ops_container_name(username, name);
	r = ops_cached_record(ctx, name, ret);
	if (r == -ENOENT) {
		job_fail(job, GRPC_STATUS_NOT_FOUND, "container %s not found", name);
		return 0;
	}
	if (r < 0)
		return -ESTALE;
	owner = incus_instance_config_get(&(*ret)->instance, KEY_USERNAME);
	if (owner && strcmp(owner, username) != 0) {
		job_fail(job, GRPC_STATUS_NOT_FOUND, "container %s belongs to user %s, not %s",
		    name, owner, username);
		cache_record_unref(*ret);
		return 0;
	}
	return 1;
}

/* Metrics of a cached record, the CPU rate measured at its reading time. */
static Containarium__V1__ContainerMetrics *ops_metrics_cached(struct ops_context *ctx,
    const struct cache_record *record)
{
	Containarium__V1__ContainerMetrics *m;

	ctx->state_at_ns = record->fetched_ns;
	m = ops_metrics_from_instance(ctx, &record->instance);
	ctx->state_at_ns = 0;
	return m;
}

/* GetContainer from the cache. Returns true when it answered. */
static bool ops_get_cached(struct job *job, struct ops_context *ctx,
    const Containarium__V1__GetContainerRequest *req)
{
	Containarium__V1__GetContainerResponse *resp;
	struct cache_record *record;
	int r = ops_get_owned_cached(job, ctx, req->username, &record);

	if (r <= 0)
		return r == 0;
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__get_container_response__init(resp);
	resp->container = ops_container_from_instance(&record->instance);
	resp->metrics = ops_metrics_cached(ctx, record);
	cache_record_unref(record);
	if (ctx->needs_incus) {
		protobuf_c_message_free_unpacked(&resp->base, NULL);
		return false;
	}
	job_succeed(job, &resp->base);
	return true;
}

void ops_list_containers(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__ListContainersRequest *req = (const void *)job->request;
	Containarium__V1__ListContainersResponse *resp;
	struct incus_instance_list list;
	int r;

	if (ops_list_cached(job, ctx, req))
		return;
	r = incus_instance_list(ctx->incus, &list);
	if (r < 0) {
		ops_fail_incus(job, ctx, r, "Failed to list containers");
		return;
	}
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__list_containers_response__init(resp);
	resp->containers = calloc(list.count + 1, sizeof(void *));
	if (!resp->containers)
		abort();
	for (size_t i = 0; i < list.count; i++)
		if (ops_list_matches(&list.items[i], req))
			resp->containers[resp->n_containers++] =
			    ops_container_from_instance(&list.items[i]);
	resp->total_count = (int32_t)resp->n_containers;
	incus_instance_list_free(&list);
	job_succeed(job, &resp->base);
}

void ops_get_container(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__GetContainerRequest *req = (const void *)job->request;
	Containarium__V1__GetContainerResponse *resp;
	struct incus_instance instance;

	if (ops_get_cached(job, ctx, req))
		return;
	if (ops_get_owned(job, ctx, req->username, &instance) < 0)
		return;
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__get_container_response__init(resp);
	resp->container = ops_container_from_instance(&instance);
	resp->metrics = ops_metrics_from_instance(ctx, &instance);
	incus_instance_free(&instance);
	job_succeed(job, &resp->base);
}

/*
 * Every managed container's metrics from the cache, refreshing all counters
 * with one list when any is too old. Returns true when it answered.
 */
static bool ops_metrics_all_cached(struct job *job, struct ops_context *ctx,
    Containarium__V1__GetMetricsResponse *resp)
{
	struct cache_record **records;
	size_t count;
	int r;

	if (!ctx->cache)
		return false;
	r = cache_list(ctx->cache, CACHE_COUNTERS_MAX_AGE_NS, &records, &count);
	if (r == -EAGAIN && ctx->incus && cache_fetch_instances(ctx->cache, ctx->incus) == 0)
		r = cache_list(ctx->cache, CACHE_COUNTERS_MAX_AGE_NS, &records, &count);
	if (r < 0)
		return false;
	resp->metrics = calloc(count + 1, sizeof(void *));
	if (!resp->metrics)
		abort();
	for (size_t i = 0; i < count; i++)
		if (ops_is_managed(&records[i]->instance))
			resp->metrics[resp->n_metrics++] = ops_metrics_cached(ctx, records[i]);
	cache_records_free(records, count);
	if (ctx->needs_incus)
		return false;   /* the caller frees resp */
	job_succeed(job, &resp->base);
	return true;
}

static void ops_metrics_all(struct job *job, struct ops_context *ctx,
    Containarium__V1__GetMetricsResponse *resp)
{
	struct incus_instance_list list;
	int r;

	if (ops_metrics_all_cached(job, ctx, resp))
		return;
	r = incus_instance_list(ctx->incus, &list);
	if (r < 0) {
		ops_fail_incus(job, ctx, r, "Failed to list containers");
		return;
	}
	resp->metrics = calloc(list.count + 1, sizeof(void *));
	if (!resp->metrics)
		abort();
	for (size_t i = 0; i < list.count; i++)
		if (ops_is_managed(&list.items[i]))
			resp->metrics[resp->n_metrics++] =
			    ops_metrics_from_instance(ctx, &list.items[i]);
	incus_instance_list_free(&list);
	job_succeed(job, &resp->base);
}

/* One container's metrics from the cache. Returns true when it answered. */
static bool ops_metrics_one_cached(struct job *job, struct ops_context *ctx,
    const char *username, Containarium__V1__GetMetricsResponse *resp)
{
	struct cache_record *record;
	int r = ops_get_owned_cached(job, ctx, username, &record);

	if (r <= 0)
		return r == 0;
	resp->metrics = calloc(1, sizeof(void *));
	if (!resp->metrics)
		abort();
	resp->metrics[resp->n_metrics++] = ops_metrics_cached(ctx, record);
	cache_record_unref(record);
	if (ctx->needs_incus)
		return false;   /* the caller frees resp */
	job_succeed(job, &resp->base);
	return true;
}

void ops_get_metrics(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__GetMetricsRequest *req = (const void *)job->request;
	Containarium__V1__GetMetricsResponse *resp = malloc(sizeof(*resp));
	struct incus_instance instance;

	if (!resp)
		abort();
	containarium__v1__get_metrics_response__init(resp);
	if (!req->username[0]) {
		ops_metrics_all(job, ctx, resp);
	} else if (ops_metrics_one_cached(job, ctx, req->username, resp)) {
		/* answered from the cache */
	} else if (ops_get_owned(job, ctx, req->username, &instance) == 0) {
		resp->metrics = calloc(1, sizeof(void *));
		if (!resp->metrics)
			abort();
		resp->metrics[resp->n_metrics++] = ops_metrics_from_instance(ctx, &instance);
		incus_instance_free(&instance);
		job_succeed(job, &resp->base);
	}
	if (job->response != &resp->base)
		protobuf_c_message_free_unpacked(&resp->base, NULL);
}

static void ops_system_counts(const struct incus_instance_list *list,
    Containarium__V1__SystemInfo *info)
{
	for (size_t i = 0; i < list->count; i++) {
		if (!ops_is_managed(&list->items[i]))
			continue;
		info->containers_total++;
		if (list->items[i].status_code == 103)
			info->containers_running++;
		else if (list->items[i].status_code == 102)
			info->containers_stopped++;
	}
}

/* Counts the managed containers of the cache into info. */
static int ops_system_counts_cached(struct cache *cache, Containarium__V1__SystemInfo *info)
{
	struct cache_record **records;
	size_t count;
	int r = cache_list(cache, 0, &records, &count);

	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++) {
		if (!ops_is_managed(&records[i]->instance))
			continue;
		info->containers_total++;
		if (records[i]->instance.status_code == 103)
			info->containers_running++;
		else if (records[i]->instance.status_code == 102)
			info->containers_stopped++;
	}
	cache_records_free(records, count);
	return 0;
}

/*
 * Fills the parts of info that come from Incus from the cache, refreshing
 * resources older than CACHE_COUNTERS_MAX_AGE_NS. Returns 0, or a negative
 * errno (info untouched) to bypass the cache.
 */
static int ops_system_cached(struct ops_context *ctx, Containarium__V1__SystemInfo *info)
{
	struct cache_system sys;
	char os[256];
	int r;

	if (!ctx->cache)
		return -ESTALE;
	r = cache_system_get(ctx->cache, CACHE_COUNTERS_MAX_AGE_NS, &sys);
	if (r == -EAGAIN && ctx->incus &&
	    cache_fetch_resources(ctx->cache, ctx->incus, ctx->config->storage_pool) == 0)
		r = cache_system_get(ctx->cache, CACHE_COUNTERS_MAX_AGE_NS, &sys);
	if (r < 0)
		return r;
	r = ops_system_counts_cached(ctx->cache, info);
	if (r < 0) {
		cache_system_free(&sys);
		return r;
	}
	info->incus_version = ops_strdup(sys.server.server_version);
	snprintf(os, sizeof(os), "%s%s%s", sys.server.os_name ? sys.server.os_name : "",
	    sys.server.os_version ? " " : "", sys.server.os_version ? sys.server.os_version : "");
	info->os = ops_strdup(os);
	info->kernel_version = ops_strdup(sys.server.kernel_version);
	info->total_cpus = (int32_t)sys.host.cpu_total;
	info->total_memory_bytes = (int64_t)sys.host.memory_total;
	info->available_memory_bytes = (int64_t)(sys.host.memory_total - sys.host.memory_used);
	if (sys.has_pool) {
		info->total_disk_bytes = (int64_t)sys.pool.space_total;
		info->available_disk_bytes = (int64_t)(sys.pool.space_total - sys.pool.space_used);
	}
	cache_system_free(&sys);
	return 0;
}

/* Fills the parts of info that come from Incus. Returns 0 or an errno. */
static int ops_system_from_incus(struct job *job, struct ops_context *ctx,
    Containarium__V1__SystemInfo *info)
{
	struct incus_server_info server;
	struct incus_host_resources host;
	struct incus_pool_resources pool;
	struct incus_instance_list list;
	char os[256];
	int r;

	if ((r = incus_client_server_info(ctx->incus, &server)) < 0)
		return ops_fail_incus(job, ctx, r, "Failed to read the Incus server information"), r;
	info->incus_version = ops_strdup(server.server_version);
	snprintf(os, sizeof(os), "%s%s%s", server.os_name ? server.os_name : "",
	    server.os_version ? " " : "", server.os_version ? server.os_version : "");
	info->os = ops_strdup(os);
	info->kernel_version = ops_strdup(server.kernel_version);
	incus_client_server_info_free(&server);
	if ((r = incus_resources_host(ctx->incus, &host)) < 0)
		return ops_fail_incus(job, ctx, r, "Failed to read the host resources"), r;
	info->total_cpus = (int32_t)host.cpu_total;
	info->total_memory_bytes = (int64_t)host.memory_total;
	info->available_memory_bytes = (int64_t)(host.memory_total - host.memory_used);
	if (incus_resources_pool(ctx->incus, ctx->config->storage_pool, &pool) == 0) {
		info->total_disk_bytes = (int64_t)pool.space_total;
		info->available_disk_bytes = (int64_t)(pool.space_total - pool.space_used);
	}
	if ((r = incus_instance_list(ctx->incus, &list)) < 0)
		return ops_fail_incus(job, ctx, r, "Failed to list containers"), r;
	ops_system_counts(&list, info);
	incus_instance_list_free(&list);
	return 0;
}

/* A new, empty GetSystemInfo response with its info. */
static Containarium__V1__GetSystemInfoResponse *ops_system_response(void)
{
	Containarium__V1__GetSystemInfoResponse *resp = malloc(sizeof(*resp));
	Containarium__V1__SystemInfo *info = malloc(sizeof(*info));

	if (!resp || !info)
		abort();
	containarium__v1__get_system_info_response__init(resp);
	containarium__v1__system_info__init(info);
	resp->info = info;
	return resp;
}

/* Fills what this host says itself (hostname, uptime) and succeeds job. */
static void ops_system_succeed(struct job *job, Containarium__V1__GetSystemInfoResponse *resp)
{
	char hostname[256] = "";
	struct sysinfo si;

	(void)gethostname(hostname, sizeof(hostname) - 1);
	resp->info->hostname = ops_strdup(hostname);
	if (sysinfo(&si) == 0)
		resp->info->uptime_seconds = si.uptime;
	job_succeed(job, &resp->base);
}

void ops_get_system_info(struct job *job, struct ops_context *ctx)
{
	Containarium__V1__GetSystemInfoResponse *resp = ops_system_response();

	if (ops_system_cached(ctx, resp->info) < 0 &&
	    ops_system_from_incus(job, ctx, resp->info) < 0) {
		protobuf_c_message_free_unpacked(&resp->base, NULL);
		return;
	}
	ops_system_succeed(job, resp);
}

/* GetMetrics from the cache alone. Returns true when it answered. */
static bool ops_metrics_from_cache(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__GetMetricsRequest *req = (const void *)job->request;
	Containarium__V1__GetMetricsResponse *resp = malloc(sizeof(*resp));
	bool answered;

	if (!resp)
		abort();
	containarium__v1__get_metrics_response__init(resp);
	answered = req->username[0] ? ops_metrics_one_cached(job, ctx, req->username, resp) :
	    ops_metrics_all_cached(job, ctx, resp);
	if (job->response != &resp->base)
		protobuf_c_message_free_unpacked(&resp->base, NULL);
	return answered;
}

bool ops_query_from_cache(struct job *job, struct ops_context *ctx)
{
	Containarium__V1__GetSystemInfoResponse *sys;

	ctx->needs_incus = false;
	switch (job->method->id) {
	case METHOD_LIST_CONTAINERS:
		return ops_list_cached(job, ctx, (const void *)job->request);
	case METHOD_GET_CONTAINER:
		return ops_get_cached(job, ctx, (const void *)job->request);
	case METHOD_GET_METRICS:
		return ops_metrics_from_cache(job, ctx);
	case METHOD_GET_SYSTEM_INFO:
		sys = ops_system_response();
		if (ops_system_cached(ctx, sys->info) < 0) {
			protobuf_c_message_free_unpacked(&sys->base, NULL);
			return false;
		}
		ops_system_succeed(job, sys);
		return true;
	default:
		return false;
	}
}
