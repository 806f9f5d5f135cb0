/*
 * ops_create.c - CreateContainer: the whole job, or nothing left behind.
 *
 * Steps: create the container from the image with limits, labels and the
 * Docker settings; start it; wait for an address; make the user with sudo
 * rights; install the SSH keys through the file API; clear the "creating"
 * marker. A failure after the container exists deletes it; if even that
 * fails the container is marked "error" so that List shows it and Delete
 * removes it.
 */
#include <errno.h>
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "ops_internal.h"
#include "ops_user.h"

#define CREATE_MAX_CONFIG (16 + 2 * 32)
#define CREATE_ADDRESS_WAIT_MS 30000
#define CREATE_ADDRESS_POLL_MS 200

struct create_plan {
	char name[OPS_NAME_MAX];
	const char *username;
	char image[160];                /* as requested, for the record */
	char alias[160];
	const char *server;             /* NULL for a local image */
	char created[32];
	char memory[40];
	char disk[40];
	char *label_keys[32];
	struct incus_key_value config[CREATE_MAX_CONFIG];
	size_t n_config;
};

static void create_plan_free(struct create_plan *plan)
{
	for (size_t i = 0; i < sizeof(plan->label_keys) / sizeof(plan->label_keys[0]); i++)
		free(plan->label_keys[i]);
}

static void create_plan_set(struct create_plan *plan, const char *key, const char *value)
{
	if (value && value[0] && plan->n_config < CREATE_MAX_CONFIG)
		plan->config[plan->n_config++] = (struct incus_key_value){ key, value };
}

/* Splits "remote:alias" against the configured remotes. */
static int create_plan_image(struct job *job, struct ops_context *ctx,
    const char *image, struct create_plan *plan)
{
	const char *colon = strchr(image, ':');
	char remote[64];

	snprintf(plan->image, sizeof(plan->image), "%s", image);
	if (!colon) {
		snprintf(plan->alias, sizeof(plan->alias), "%s", image);
		return 0;
	}
	snprintf(remote, sizeof(remote), "%.*s", (int)(colon - image), image);
	plan->server = config_remote_url(ctx->config, remote);
	if (!plan->server)
		return job_fail(job, GRPC_STATUS_INVALID_ARGUMENT,
		    "image: unknown image server \"%s\" (configure it under [remotes])", remote),
		    -EINVAL;
	snprintf(plan->alias, sizeof(plan->alias), "%s", colon + 1);
	return 0;
}

static const char *first_nonempty(const char *a, const char *b)
{
	return a && a[0] ? a : b;
}

/*
 * Copies a validated size for Incus, which spells kilobytes "kB": "512KB"
 * becomes "512kB". Returns out, or NULL for an empty size.
 */
static const char *create_size_for_incus(const char *size, char out[40])
{
	size_t len = strlen(size);

	if (len == 0)
		return NULL;
	snprintf(out, 40, "%s", size);
	if (len >= 2 && strcmp(out + len - 2, "KB") == 0)
		out[len - 2] = 'k';
	return out;
}

/* Fills plan from the request and the configured defaults. */
static int create_plan_make(struct job *job, struct ops_context *ctx, struct create_plan *plan)
{
	const Containarium__V1__CreateContainerRequest *req = (const void *)job->request;
	const struct config *c = ctx->config;
	const Containarium__V1__ResourceLimits *res = req->resources;
	/* proto3 cannot tell an unset enable_docker from false: the configured
	 * default applies whenever the request leaves it false. */
	bool docker = req->enable_docker || c->default_docker;

	plan->username = req->username;
	ops_container_name(req->username, plan->name);
	if (create_plan_image(job, ctx, first_nonempty(req->image, c->default_image), plan) < 0)
		return -EINVAL;
	snprintf(plan->created, sizeof(plan->created), "%lld", (long long)time(NULL));
	create_plan_set(plan, KEY_USERNAME, req->username);
	create_plan_set(plan, KEY_IMAGE, plan->image);
	create_plan_set(plan, KEY_STATE, "creating");
	create_plan_set(plan, KEY_UPDATED_AT, plan->created);
	create_plan_set(plan, "limits.cpu", first_nonempty(res ? res->cpu : NULL, c->default_cpu));
	create_plan_set(plan, "limits.memory", create_size_for_incus(
	    first_nonempty(res ? res->memory : NULL, c->default_memory), plan->memory));
	create_size_for_incus(first_nonempty(res ? res->disk : NULL, c->default_disk), plan->disk);
	if (docker) {
		create_plan_set(plan, "security.nesting", "true");
		create_plan_set(plan, "security.syscalls.intercept.mknod", "true");
		create_plan_set(plan, "security.syscalls.intercept.setxattr", "true");
	}
	for (size_t i = 0; i < req->n_labels && i < 32; i++) {
		if (asprintf(&plan->label_keys[i], KEY_LABEL_PREFIX "%s", req->labels[i]->key) < 0)
			abort();
		create_plan_set(plan, plan->label_keys[i], req->labels[i]->value);
	}
	return 0;
}

/* Polls until the container has an IPv4 address (or the wait ends). */
static int create_wait_address(struct ops_context *ctx, const char *name,
    struct incus_instance *ret)
{
	for (int waited = 0;; waited += CREATE_ADDRESS_POLL_MS) {
		int r = incus_instance_get(ctx->incus, name, ret);

		if (r < 0)
			return r;
		if ((ret->has_state && ret->state.ipv4_address) || waited >= CREATE_ADDRESS_WAIT_MS)
			return 0;
		incus_instance_free(ret);
		usleep(CREATE_ADDRESS_POLL_MS * 1000);
	}
}

/* Stops and deletes a half-made container; marks it "error" if it stays. */
static void create_undo(struct ops_context *ctx, const char *name)
{
	struct incus_key_value mark = { KEY_STATE, "error" };
	int r;

	(void)incus_instance_set_state(ctx->incus, name, INCUS_STATE_STOP, -1, true);
	r = incus_instance_delete(ctx->incus, name);
	if (r == 0 || r == -ENOENT) {
		log_info("Removed half-made container %s", name);
		return;
	}
	log_error("Failed to remove half-made container %s: %s; marking it as in error",
	    name, incus_client_error_message(ctx->incus));
	(void)incus_instance_update_config(ctx->incus, name, &mark, 1);
}

static int create_instance(struct job *job, struct ops_context *ctx,
    const struct create_plan *plan)
{
	const char *disk = plan->disk;
	struct incus_instance_spec spec = {
		.name = plan->name,
		.image_alias = plan->alias,
		.image_server = plan->server,
		.config = plan->config,
		.config_count = plan->n_config,
		.root_pool = disk && disk[0] ? ctx->config->storage_pool : NULL,
		.root_size = disk && disk[0] ? disk : NULL,
	};
	int r = incus_instance_create(ctx->incus, &spec);

	if (r == -EEXIST)
		return job_fail(job, GRPC_STATUS_ALREADY_EXISTS, "container %s already exists",
		    plan->name), r;
	if (r == -ENOENT)
		return job_fail(job, GRPC_STATUS_NOT_FOUND, "image \"%s\" not found: %s",
		    plan->image, incus_client_error_message(ctx->incus)), r;
	if (r < 0)
		return ops_fail_incus(job, ctx, r, "Failed to create container %s", plan->name), r;
	return 0;
}

/* Everything after the container exists; on failure job says why. */
static int create_finish(struct job *job, struct ops_context *ctx,
    const struct create_plan *plan, struct incus_instance *ret)
{
	const Containarium__V1__CreateContainerRequest *req = (const void *)job->request;
	struct incus_key_value done[2] = { { KEY_STATE, NULL }, { KEY_SSH_KEYS, NULL } };
	char *keys = NULL;
	int r;

	r = incus_instance_set_state(ctx->incus, plan->name, INCUS_STATE_START, -1, false);
	if (r < 0)
		return ops_fail_incus(job, ctx, r, "Failed to start container %s", plan->name), r;
	r = ops_user_create(job, ctx, plan->name, plan->username);
	if (r < 0)
		return r;
	r = ops_user_install_keys(job, ctx, plan->name, plan->username,
	    (const char *const *)req->ssh_keys, req->n_ssh_keys, &keys);
	if (r < 0)
		return r;
	done[1].value = keys;
	r = incus_instance_update_config(ctx->incus, plan->name, done, 2);
	free(keys);
	if (r < 0)
		return ops_fail_incus(job, ctx, r, "Failed to record container %s as ready", plan->name), r;
	r = create_wait_address(ctx, plan->name, ret);
	if (r < 0)
		return ops_fail_incus(job, ctx, r, "Failed to read container %s", plan->name), r;
	return 0;
}

static void create_reply(struct job *job, struct ops_context *ctx,
    const struct incus_instance *instance, const char *username)
{
	Containarium__V1__CreateContainerResponse *resp = malloc(sizeof(*resp));
	const char *ip = instance->has_state ? instance->state.ipv4_address : NULL;
	const char *jump = ctx->config->ssh_jump_host;
	char *command = NULL, message[160];

	if (!resp)
		abort();
	containarium__v1__create_container_response__init(resp);
	resp->container = ops_container_from_instance(instance);
	if (asprintf(&command, "ssh %s%s%s%s@%s", jump[0] ? "-J " : "", jump,
	    jump[0] ? " " : "", username, ip ? ip : instance->name) < 0)
		abort();
	resp->ssh_command = command;
	snprintf(message, sizeof(message), "container %s created%s", instance->name,
	    ip ? "" : "; it has no IPv4 address yet");
	resp->message = ops_strdup(message);
	job_succeed(job, &resp->base);
}

void ops_create_container(struct job *job, struct ops_context *ctx)
{
	struct create_plan plan = { 0 };
	struct incus_instance instance;
	int r;

	if (create_plan_make(job, ctx, &plan) < 0)
		goto out;
	r = incus_instance_get(ctx->incus, plan.name, &instance);
	if (r == 0) {
		incus_instance_free(&instance);
		job_fail(job, GRPC_STATUS_ALREADY_EXISTS, "container %s already exists", plan.name);
		goto out;
	}
	if (r != -ENOENT) {
		ops_fail_incus(job, ctx, r, "Failed to check for container %s", plan.name);
		goto out;
	}
	if (create_instance(job, ctx, &plan) < 0)
		goto out;
	if (create_finish(job, ctx, &plan, &instance) < 0) {
		create_undo(ctx, plan.name);
		goto out;
	}
	create_reply(job, ctx, &instance, plan.username);
	incus_instance_free(&instance);
out:
	create_plan_free(&plan);
}
