/*
 * auth_users_ops.c - UserService: the users file managed over the admin
 * socket; see auth_ops.h. authz_admit() has already made sure the caller
 * is an admin on the admin socket.
 */
#include "auth_ops.h"

#include <errno.h>
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_context.h"
#include "common/log.h"

/* Fails job for a users-file error r about name. */
static void auth_users_fail(struct job *job, int r, const char *name)
{
	if (r == -EEXIST)
		job_fail(job, GRPC_STATUS_ALREADY_EXISTS, "user %s already exists", name);
	else if (r == -ENOENT)
		job_fail(job, GRPC_STATUS_NOT_FOUND, "no user %s", name);
	else if (r == -ENOSPC)
		job_fail(job, GRPC_STATUS_RESOURCE_EXHAUSTED, "too many users");
	else {
		log_error_errno(r, "Cannot update the users file for %s: %m", name);
		job_fail(job, GRPC_STATUS_UNAVAILABLE, "users file unusable: %s", strerror(-r));
	}
}

static Containarium__V1__User *auth_users_message(const struct users_info *info)
{
	Containarium__V1__User *u = malloc(sizeof(*u));

	if (!u)
		abort();
	containarium__v1__user__init(u);
	u->username = ops_strdup(info->name);
	u->role = (Containarium__V1__UserRole)info->role;
	u->has_password = info->has_password;
	u->has_api_key = info->has_api_key;
	return u;
}

void auth_ops_add_user(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__AddUserRequest *req = (const void *)job->request;
	Containarium__V1__AddUserResponse *resp;
	char key[USERS_API_KEY_LEN + 1] = "";
	struct users_info info = { .role = (enum users_role)req->role };
	int r;

	(void)ctx;
	r = users_add(auth_context_get()->users, req->username, (enum users_role)req->role,
	    req->password, req->generate_api_key, key);
	info.has_password = req->password[0] != '\0';
	auth_ops_wipe(req->password);
	if (r < 0) {
		auth_users_fail(job, r, req->username);
		return;
	}
	snprintf(info.name, sizeof(info.name), "%s", req->username);
	info.has_api_key = req->generate_api_key;
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__add_user_response__init(resp);
	resp->user = auth_users_message(&info);
	resp->api_key = ops_strdup(key);
	explicit_bzero(key, sizeof(key));
	job_succeed(job, &resp->base);
}

void auth_ops_remove_user(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__RemoveUserRequest *req = (const void *)job->request;
	Containarium__V1__RemoveUserResponse *resp;
	int r;

	(void)ctx;
	r = users_remove(auth_context_get()->users, req->username);
	if (r < 0) {
		auth_users_fail(job, r, req->username);
		return;
	}
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__remove_user_response__init(resp);
	resp->message = ops_strdup("user removed; their tokens stop working now");
	job_succeed(job, &resp->base);
}

void auth_ops_list_users(struct job *job, struct ops_context *ctx)
{
	Containarium__V1__ListUsersResponse *resp;
	struct users_info *list = NULL;
	size_t n = 0;
	int r;

	(void)ctx;
	r = users_list(auth_context_get()->users, &list, &n);
	if (r < 0) {
		auth_users_fail(job, r, "(list)");
		return;
	}
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__list_users_response__init(resp);
	resp->users = calloc(n ? n : 1, sizeof(*resp->users));
	if (!resp->users)
		abort();
	for (size_t i = 0; i < n; i++)
		resp->users[i] = auth_users_message(&list[i]);
	resp->n_users = n;
	free(list);
	job_succeed(job, &resp->base);
}

void auth_ops_set_password(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__SetPasswordRequest *req = (const void *)job->request;
	Containarium__V1__SetPasswordResponse *resp;
	char key[USERS_API_KEY_LEN + 1] = "";
	struct users_info info;
	int r;

	(void)ctx;
	r = users_set_credentials(auth_context_get()->users, req->username, req->password,
	    req->generate_api_key, key, &info);
	auth_ops_wipe(req->password);
	if (r < 0) {
		auth_users_fail(job, r, req->username);
		return;
	}
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__set_password_response__init(resp);
	resp->user = auth_users_message(&info);
	resp->api_key = ops_strdup(key);
	explicit_bzero(key, sizeof(key));
	job_succeed(job, &resp->base);
}
