/*
 * ops_lifecycle.c - DeleteContainer, StartContainer, StopContainer.
 */
#include <errno.h>
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops_internal.h"

#define OPS_STOP_DEFAULT_TIMEOUT 30

void ops_delete_container(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__DeleteContainerRequest *req = (const void *)job->request;
	Containarium__V1__DeleteContainerResponse *resp;
	struct incus_instance instance;
	char message[128];
	int r;

	if (ops_get_owned(job, ctx, req->username, &instance) < 0)
		return;
	if (instance.status_code != 102 && !req->force) {
		job_fail(job, GRPC_STATUS_FAILED_PRECONDITION,
		    "container %s is %s; stop it first or delete with force",
		    instance.name, instance.status ? instance.status : "not stopped");
		goto out;
	}
	if (instance.status_code != 102) {
		r = incus_instance_set_state(ctx->incus, instance.name, INCUS_STATE_STOP, -1, true);
		if (r < 0 && r != -EBUSY) {
			ops_fail_incus(job, ctx, r, "Failed to stop container %s", instance.name);
			goto out;
		}
	}
	r = incus_instance_delete(ctx->incus, instance.name);
	if (r < 0) {
		ops_fail_incus(job, ctx, r, "Failed to delete container %s", instance.name);
		goto out;
	}
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__delete_container_response__init(resp);
	snprintf(message, sizeof(message), "container %s deleted", instance.name);
	resp->message = ops_strdup(message);
	resp->container_name = ops_strdup(instance.name);
	job_succeed(job, &resp->base);
out:
	incus_instance_free(&instance);
}

/*
 * Answers a start or stop with the container as it is now. Sets job's
 * status; message describes what was done.
 */
static void ops_reply_with_container(struct job *job, struct ops_context *ctx,
    const char *username, const char *message, bool start)
{
	struct incus_instance instance;
	Containarium__V1__Container *container;

	if (ops_get_owned(job, ctx, username, &instance) < 0)
		return;
	container = ops_container_from_instance(&instance);
	incus_instance_free(&instance);
	if (start) {
		Containarium__V1__StartContainerResponse *resp = malloc(sizeof(*resp));

		if (!resp)
			abort();
		containarium__v1__start_container_response__init(resp);
		resp->message = ops_strdup(message);
		resp->container = container;
		job_succeed(job, &resp->base);
	} else {
		Containarium__V1__StopContainerResponse *resp = malloc(sizeof(*resp));

		if (!resp)
			abort();
		containarium__v1__stop_container_response__init(resp);
		resp->message = ops_strdup(message);
		resp->container = container;
		job_succeed(job, &resp->base);
	}
}

/* Runs a state change on username's container; fails job on error. */
static int ops_change_state(struct job *job, struct ops_context *ctx, const char *username,
    enum incus_state_action action, int timeout, bool force, char name[OPS_NAME_MAX])
{
	struct incus_instance instance;
	int r;

	if (ops_get_owned(job, ctx, username, &instance) < 0)
		return -ENOENT;
	snprintf(name, OPS_NAME_MAX, "%s", instance.name);
	incus_instance_free(&instance);
	r = incus_instance_set_state(ctx->incus, name, action, timeout, force);
	if (r == -EBUSY)
		return job_fail(job, GRPC_STATUS_FAILED_PRECONDITION, "container %s is already %s",
		    name, action == INCUS_STATE_START ? "running" : "stopped"), r;
	if (r < 0)
		return ops_fail_incus(job, ctx, r, "Failed to %s container %s",
		    action == INCUS_STATE_START ? "start" : "stop", name), r;
	return 0;
}

void ops_start_container(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__StartContainerRequest *req = (const void *)job->request;
	char name[OPS_NAME_MAX], message[128];

	if (ops_change_state(job, ctx, req->username, INCUS_STATE_START, -1, false, name) < 0)
		return;
	snprintf(message, sizeof(message), "container %s started", name);
	ops_reply_with_container(job, ctx, req->username, message, true);
}

void ops_stop_container(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__StopContainerRequest *req = (const void *)job->request;
	int timeout = req->timeout > 0 ? req->timeout : OPS_STOP_DEFAULT_TIMEOUT;
	char name[OPS_NAME_MAX], message[128];

	if ((unsigned)timeout >= ctx->config->incus_timeout)
		timeout = (int)ctx->config->incus_timeout - 1;
	if (ops_change_state(job, ctx, req->username, INCUS_STATE_STOP, timeout, req->force, name) < 0)
		return;
	snprintf(message, sizeof(message), "container %s stopped%s", name,
	    req->force ? " (forced)" : "");
	ops_reply_with_container(job, ctx, req->username, message, false);
}
