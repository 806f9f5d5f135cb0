/*
 * ops_query.c - the read-only RPCs: ListContainers, GetContainer,
 * GetMetrics and GetSystemInfo.
 */
#include <errno.h>
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

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

void ops_list_containers(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__ListContainersRequest *req = (const void *)job->request;
	Containarium__V1__ListContainersResponse *resp;
	struct incus_instance_list list;
	int r;

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

static void ops_metrics_all(struct job *job, struct ops_context *ctx,
    Containarium__V1__GetMetricsResponse *resp)
{
	struct incus_instance_list list;
	int r;

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

void ops_get_system_info(struct job *job, struct ops_context *ctx)
{
	Containarium__V1__GetSystemInfoResponse *resp = malloc(sizeof(*resp));
	Containarium__V1__SystemInfo *info = malloc(sizeof(*info));
	char hostname[256] = "";
	struct sysinfo si;

	if (!resp || !info)
		abort();
	containarium__v1__get_system_info_response__init(resp);
	containarium__v1__system_info__init(info);
	resp->info = info;
	if (ops_system_from_incus(job, ctx, info) < 0) {
		protobuf_c_message_free_unpacked(&resp->base, NULL);
		return;
	}
	(void)gethostname(hostname, sizeof(hostname) - 1);
	info->hostname = ops_strdup(hostname);
	if (sysinfo(&si) == 0)
		info->uptime_seconds = si.uptime;
	job_succeed(job, &resp->base);
}
