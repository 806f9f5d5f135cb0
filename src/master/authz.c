/*
 * authz.c - authentication and roles per call; see authz.h.
 */
#include "authz.h"

#include <errno.h>
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth_context.h"
#include "common/log.h"
#include "users.h"

#define ADMIN_TRANSPORT CONTAINARIUM__IPC__CALLER__TRANSPORT__ADMIN
#define TCP_TRANSPORT CONTAINARIUM__IPC__CALLER__TRANSPORT__TCP

static bool authz_is_user_service(const struct method_info *m)
{
	return m->id == METHOD_ADD_USER || m->id == METHOD_REMOVE_USER ||
	    m->id == METHOD_LIST_USERS || m->id == METHOD_SET_PASSWORD;
}

static bool authz_fail(struct job *job, int status, const char *message)
{
	job_fail(job, status, "%s", message);
	return false;
}

/* An admin-socket call: the kernel's uid decides. */
static bool authz_admin_socket(struct job *job, const struct auth_context *a)
{
	if (!job->peer_verified)
		return authz_fail(job, GRPC_STATUS_UNAUTHENTICATED,
		    "admin socket call without a verified connection");
	snprintf(job->identity, sizeof(job->identity), "uid=%lld", (long long)job->peer_uid);
	if (job->peer_uid != 0 && (!job->peer_in_admin_group ||
	    (a->have_worker_uid && job->peer_uid == (int64_t)a->worker_uid))) {
		job_fail(job, GRPC_STATUS_PERMISSION_DENIED, "uid %lld is not an admin "
		    "(root or a member of group \"%s\")", (long long)job->peer_uid,
		    a->admin_group);
		return false;
	}
	return true;
}

/* Finds the role of a user named by a verified credential. */
static bool authz_user_role(struct job *job, const struct auth_context *a,
    const char *name, struct users_info *ret)
{
	struct users_info info;
	int r = users_lookup(a->users, name, &info);

	if (r == -ENOENT)
		return authz_fail(job, GRPC_STATUS_UNAUTHENTICATED, "no such user");
	if (r < 0) {
		log_error_errno(r, "Users file unusable, refusing %s: %m", job->method->name);
		return authz_fail(job, GRPC_STATUS_UNAVAILABLE, "users file unusable");
	}
	*ret = info;
	return true;
}

/* A TCP call: a bearer token, else an mTLS identity. */
static bool authz_tcp_identity(struct job *job, const struct auth_context *a,
    struct users_info *ret)
{
	const char *token = job->caller->bearer_token;
	const char *cert = job->caller->tls_identity;
	char user[USERS_NAME_MAX + 1];
	int r;

	if (token && token[0]) {
		if (!a->have_secret)
			return authz_fail(job, GRPC_STATUS_UNAUTHENTICATED,
			    "this daemon issues no tokens ([auth] method = none)");
		r = auth_token_verify(&a->secret, a->issuer, token, time(NULL), user, sizeof(user));
		if (r == -EKEYEXPIRED)
			return authz_fail(job, GRPC_STATUS_UNAUTHENTICATED, "token expired");
		if (r < 0)
			return authz_fail(job, GRPC_STATUS_UNAUTHENTICATED, "invalid token");
		return authz_user_role(job, a, user, ret);
	}
	if (a->tls_mode == CONFIG_TLS_MUTUAL && cert && cert[0]) {
		if (strlen(cert) > USERS_NAME_MAX)
			return authz_fail(job, GRPC_STATUS_UNAUTHENTICATED,
			    "client certificate names no user");
		return authz_user_role(job, a, cert, ret);
	}
	return authz_fail(job, GRPC_STATUS_UNAUTHENTICATED,
	    "missing \"authorization: Bearer <token>\"");
}

/* Replaces a request's username string (owned by the request) with name. */
static void authz_set_username(char **field, const char *name)
{
	char *copy = strdup(name);

	if (!copy)
		abort();
	if (*field && *field != protobuf_c_empty_string)
		free(*field);
	*field = copy;
}

/*
 * Narrows a user's List or GetMetrics to their own container; any other
 * username is refused. Returns false after failing job.
 */
static bool authz_narrow(struct job *job, char **field, const char *self)
{
	if ((*field)[0] && strcmp(*field, self) != 0)
		return authz_fail(job, GRPC_STATUS_PERMISSION_DENIED,
		    "users may see only their own container");
	if (!(*field)[0])
		authz_set_username(field, self);
	return true;
}

/* Role "user": their own container only. */
static bool authz_own_container(struct job *job, const char *self)
{
	const char *target;

	switch (job->method->id) {
	case METHOD_LIST_CONTAINERS:
		return authz_narrow(job,
		    &((Containarium__V1__ListContainersRequest *)job->request)->username, self);
	case METHOD_GET_METRICS:
		return authz_narrow(job,
		    &((Containarium__V1__GetMetricsRequest *)job->request)->username, self);
	case METHOD_GET_SYSTEM_INFO:
		return authz_fail(job, GRPC_STATUS_PERMISSION_DENIED,
		    "users may see only their own container");
	default:
		target = method_request_username(job->method->id, job->request);
		if (strcmp(target, self) != 0)
			return authz_fail(job, GRPC_STATUS_PERMISSION_DENIED,
			    "users may manage only their own container");
		return true;
	}
}

static bool authz_role(struct job *job, const struct users_info *who)
{
	switch (who->role) {
	case USERS_ROLE_ADMIN:
		return true;
	case USERS_ROLE_VIEWER:
		if (job->method->mutating)
			return authz_fail(job, GRPC_STATUS_PERMISSION_DENIED,
			    "viewers may only read");
		return true;
	case USERS_ROLE_USER:
		return authz_own_container(job, who->name);
	}
	return authz_fail(job, GRPC_STATUS_PERMISSION_DENIED, "unknown role");
}

bool authz_admit(struct job *job)
{
	const struct auth_context *a = auth_context_get();
	const struct method_info *m = job->method;
	struct users_info who;

	snprintf(job->identity, sizeof(job->identity), "anonymous");
	if (!a)
		return authz_fail(job, GRPC_STATUS_UNAVAILABLE, "authentication not set up");
	if (job->caller->transport == ADMIN_TRANSPORT)
		return authz_admin_socket(job, a);
	if (job->caller->transport != TCP_TRANSPORT)
		return authz_fail(job, GRPC_STATUS_UNAUTHENTICATED, "unknown transport");
	if (authz_is_user_service(m))
		return authz_fail(job, GRPC_STATUS_PERMISSION_DENIED,
		    "user management is served only on the admin socket");
	/* Login and ValidateToken check their own credentials. */
	if (m->id == METHOD_LOGIN || m->id == METHOD_VALIDATE_TOKEN)
		return true;
	if (a->method == CONFIG_AUTH_NONE)
		return true;
	if (!authz_tcp_identity(job, a, &who))
		return false;
	snprintf(job->identity, sizeof(job->identity), "%s", who.name);
	return authz_role(job, &who);
}
