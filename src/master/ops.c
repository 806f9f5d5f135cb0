/*
 * ops.c - per-thread contexts, dispatch by method, and the helpers every
 * operation shares; see ops.h and ops_internal.h.
 */
#include "ops.h"

#include <errno.h>
#include <grpc/status.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_ops.h"
#include "authz.h"
#include "cache_fetch.h"
#include "common/log.h"
#include "ops_internal.h"
#include "status.h"

/* The cache every operation thread reads and refreshes; NULL: none. */
static struct cache *ops_shared_cache;

void ops_set_cache(struct cache *cache)
{
	ops_shared_cache = cache;
}

void *ops_thread_init(void *config_)
{
	const struct config *config = config_;
	struct incus_client_options options = {
		.socket_path = config->incus_socket,
		.project = config->incus_project,
		.timeout_sec = config->incus_timeout,
	};
	struct ops_context *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->config = config;
	ctx->cache = ops_shared_cache;
	if (incus_client_new(&options, &ctx->incus) < 0) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

void ops_thread_free(void *context)
{
	struct ops_context *ctx = context;

	if (!ctx)
		return;
	incus_client_free(ctx->incus);
	free(ctx);
}

static bool ops_changes_container(enum method id)
{
	return id == METHOD_CREATE_CONTAINER || id == METHOD_DELETE_CONTAINER ||
	    id == METHOD_START_CONTAINER || id == METHOD_STOP_CONTAINER ||
	    id == METHOD_ADD_SSH_KEY || id == METHOD_REMOVE_SSH_KEY;
}

/*
 * After a call that may have changed a container, refetches it into the
 * cache before the reply goes out, so the caller's next read sees its own
 * change. A failed refetch distrusts the cache (reads then go to Incus).
 */
static void ops_cache_after(struct job *job, struct ops_context *ctx)
{
	char name[OPS_NAME_MAX];
	size_t len = strlen(job->container);
	int r;

	if (!ctx->cache || len <= 10 || !ops_changes_container(job->method->id))
		return;
	/* job->container is "<username>-container"; Incus's name maps '_'. */
	job->container[len - 10] = '\0';
	ops_container_name(job->container, name);
	job->container[len - 10] = '-';
	r = cache_fetch_after_change(ctx->cache, ctx->incus, name);
	if (r < 0)
		log_warning_errno(r, "Cache: failed to refetch %s after %s: %m; reads go to "
		    "Incus until the cache is resynced", name, job->method->name);
}

void ops_run(struct job *job, void *context)
{
	static void (*const table[METHOD_MAX + 1])(struct job *, struct ops_context *) = {
		[METHOD_CREATE_CONTAINER] = ops_create_container,
		[METHOD_LIST_CONTAINERS] = ops_list_containers,
		[METHOD_GET_CONTAINER] = ops_get_container,
		[METHOD_DELETE_CONTAINER] = ops_delete_container,
		[METHOD_START_CONTAINER] = ops_start_container,
		[METHOD_STOP_CONTAINER] = ops_stop_container,
		[METHOD_ADD_SSH_KEY] = ops_add_ssh_key,
		[METHOD_REMOVE_SSH_KEY] = ops_remove_ssh_key,
		[METHOD_GET_METRICS] = ops_get_metrics,
		[METHOD_GET_SYSTEM_INFO] = ops_get_system_info,
		[METHOD_LOGIN] = auth_ops_login,
		[METHOD_VALIDATE_TOKEN] = auth_ops_validate_token,
		[METHOD_ADD_USER] = auth_ops_add_user,
		[METHOD_REMOVE_USER] = auth_ops_remove_user,
		[METHOD_LIST_USERS] = auth_ops_list_users,
		[METHOD_SET_PASSWORD] = auth_ops_set_password,
	};
	struct ops_context *ctx = context;

	/* Every call is authenticated and authorized here, by the master,
	 * before anything runs (authz.h). */
	if (!authz_admit(job))
		return;
	if (!ctx) {
		job_fail(job, GRPC_STATUS_UNAVAILABLE, "operation thread has no Incus client");
		return;
	}
	if (!table[job->method->id]) {
		/* Every method in methods.c has an operation: this is a bug. */
		job_fail(job, GRPC_STATUS_INTERNAL, "%s has no operation in the master",
		    job->method->name);
		return;
	}
	table[job->method->id](job, ctx);
	ops_cache_after(job, ctx);
}

static bool ops_is_read(enum method id)
{
	return id == METHOD_LIST_CONTAINERS || id == METHOD_GET_CONTAINER ||
	    id == METHOD_GET_METRICS || id == METHOD_GET_SYSTEM_INFO;
}

bool ops_answer_in_loop(struct job *job)
{
	/* No Incus client: ops_query_from_cache() then only reads the cache. */
	static struct ops_context loop_ctx;

	if (!ops_shared_cache || !ops_is_read(job->method->id) ||
	    !cache_is_trusted(ops_shared_cache))
		return false;
	loop_ctx.cache = ops_shared_cache;
	if (!authz_admit(job))
		return true;
	return ops_query_from_cache(job, &loop_ctx);
}

void ops_container_name(const char *username, char name[OPS_NAME_MAX])
{
	size_t i;

	for (i = 0; username[i] && i < OPS_NAME_MAX - sizeof("-container"); i++)
		name[i] = username[i] == '_' ? '-' : username[i];
	strcpy(name + i, "-container");
}

int ops_fail_incus(struct job *job, struct ops_context *ctx, int r,
    const char *format, ...)
{
	const char *incus_message = incus_client_error_message(ctx->incus);
	char what[256];
	va_list ap;

	va_start(ap, format);
	vsnprintf(what, sizeof(what), format, ap);
	va_end(ap);
	if (-r == EHOSTDOWN)
		return job_fail(job, GRPC_STATUS_UNAVAILABLE, "%s: Incus is unavailable: %s",
		    what, incus_message);
	return job_fail(job, status_from_incus_errno(r), "%s: %s", what,
	    incus_message[0] ? incus_message : strerror(-r));
}

const char *ops_instance_username(const struct incus_instance *instance)
{
	const char *user = incus_instance_config_get(instance, KEY_USERNAME);
	static __thread char derived[OPS_NAME_MAX];
	size_t len;

	if (user)
		return user;
	len = strlen(instance->name);
	if (len > 10 && len - 10 < sizeof(derived) &&
	    strcmp(instance->name + len - 10, "-container") == 0) {
		memcpy(derived, instance->name, len - 10);
		derived[len - 10] = '\0';
		return derived;
	}
	return "";
}

bool ops_is_managed(const struct incus_instance *instance)
{
	return ops_instance_username(instance)[0] != '\0';
}

int ops_get_owned(struct job *job, struct ops_context *ctx, const char *username,
    struct incus_instance *ret)
{
	char name[OPS_NAME_MAX];
	const char *owner;
	int r;

	ops_container_name(username, name);
	r = incus_instance_get(ctx->incus, name, ret);
	if (r == -ENOENT) {
		job_fail(job, GRPC_STATUS_NOT_FOUND, "container %s not found", name);
		return r;
	}
	if (r < 0) {
		ops_fail_incus(job, ctx, r, "Failed to get container %s", name);
		return r;
	}
	owner = incus_instance_config_get(ret, KEY_USERNAME);
	if (owner && strcmp(owner, username) != 0) {
		incus_instance_free(ret);
		job_fail(job, GRPC_STATUS_NOT_FOUND, "container %s belongs to user %s, not %s",
		    name, owner, username);
		return -ENOENT;
	}
	return 0;
}

char *ops_strdup(const char *s)
{
	char *copy = strdup(s ? s : "");

	if (!copy)
		abort();
	return copy;
}
