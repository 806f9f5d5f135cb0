/*
 * ops_sshkey.c - AddSSHKey and RemoveSSHKey: idempotent edits of the
 * user's authorized_keys, read and written through the Incus file API.
 */
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>

#include "ops_internal.h"
#include "ops_user.h"

/* Reads, edits (add or remove key) and writes back; fills the reply. */
static void ops_edit_keys(struct job *job, struct ops_context *ctx, const char *username,
    const char *key, bool add)
{
	struct incus_instance instance;
	struct key_list list;
	char name[OPS_NAME_MAX], message[160];
	bool changed;
	int r;

	if (ops_get_owned(job, ctx, username, &instance) < 0)
		return;
	snprintf(name, sizeof(name), "%s", instance.name);
	incus_instance_free(&instance);
	if (ops_user_read_keys(job, ctx, name, username, &list) < 0)
		return;
	if (add) {
		r = key_list_add(&list, key);
		if (r < 0) {
			job_fail(job, GRPC_STATUS_RESOURCE_EXHAUSTED,
			    "ssh_public_key: %s already holds %d lines", name, KEY_LIST_MAX);
			goto out;
		}
		changed = r > 0;
	} else
		changed = key_list_remove(&list, key) > 0;
	if (changed && ops_user_write_keys(job, ctx, name, username, &list) < 0)
		goto out;
	snprintf(message, sizeof(message), "%s %s %s", changed ? "key" : "key was already",
	    add ? (changed ? "added to" : "present in") : (changed ? "removed from" : "absent from"),
	    name);
	if (add) {
		Containarium__V1__AddSSHKeyResponse *resp = malloc(sizeof(*resp));

		if (!resp)
			abort();
		containarium__v1__add_sshkey_response__init(resp);
		resp->message = ops_strdup(message);
		resp->total_keys = (int32_t)key_list_count(&list);
		job_succeed(job, &resp->base);
	} else {
		Containarium__V1__RemoveSSHKeyResponse *resp = malloc(sizeof(*resp));

		if (!resp)
			abort();
		containarium__v1__remove_sshkey_response__init(resp);
		resp->message = ops_strdup(message);
		resp->total_keys = (int32_t)key_list_count(&list);
		job_succeed(job, &resp->base);
	}
out:
	key_list_clear(&list);
}

void ops_add_ssh_key(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__AddSSHKeyRequest *req = (const void *)job->request;

	ops_edit_keys(job, ctx, req->username, req->ssh_public_key, true);
}

void ops_remove_ssh_key(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__RemoveSSHKeyRequest *req = (const void *)job->request;

	ops_edit_keys(job, ctx, req->username, req->ssh_public_key, false);
}
