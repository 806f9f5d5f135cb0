/*
 * auth_ops.c - Login and ValidateToken; see auth_ops.h.
 */
#include "auth_ops.h"

#include <errno.h>
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth_context.h"
#include "common/log.h"

void auth_ops_wipe(char *secret)
{
	if (secret && secret != protobuf_c_empty_string)
		explicit_bzero(secret, strlen(secret));
}

/* The throttle key of a peer: its address without the port. */
static void auth_ops_peer_key(const char *peer, char *buf, size_t len)
{
	const char *colon = strrchr(peer, ':');
	int n = (int)strlen(peer);

	if ((strncmp(peer, "ipv4:", 5) == 0 || strncmp(peer, "ipv6:", 5) == 0) && colon)
		n = (int)(colon - peer);
	snprintf(buf, len, "peer %.*s", n > 100 ? 100 : n, peer);
}

static void auth_ops_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Refuses a login while the user or the peer is locked out. */
static bool auth_ops_locked(struct job *job, struct throttle *t, const char *user_key,
    const char *peer_key, time_t now)
{
	unsigned a = throttle_locked(t, user_key, now), b = throttle_locked(t, peer_key, now);
	unsigned left = a > b ? a : b;

	if (!left)
		return false;
	log_notice("Login refused for %s from %s: locked out for %u more s after too "
	    "many failures", user_key, job->caller->peer, left);
	job_fail(job, GRPC_STATUS_RESOURCE_EXHAUSTED,
	    "too many failed logins; retry in %u s", left);
	return true;
}

/* Counts a failed login, logs it, waits the throttle's delay. */
static void auth_ops_failed(struct job *job, struct throttle *t, const char *user_key,
    const char *peer_key, time_t now)
{
	bool locked_user = false, locked_peer = false;
	unsigned d1 = throttle_fail(t, user_key, now, &locked_user);
	unsigned d2 = throttle_fail(t, peer_key, now, &locked_peer);

	log_notice("Login failed for %s from %s%s%s", user_key, job->caller->peer,
	    locked_user ? "; the user is now locked out" : "",
	    locked_peer ? "; the peer is now locked out" : "");
	auth_ops_sleep_ms(d1 > d2 ? d1 : d2);
	job_fail(job, GRPC_STATUS_UNAUTHENTICATED, "invalid username or password");
}

/* Issues the token for a good login. */
static void auth_ops_issue(struct job *job, const struct auth_context *a, const char *user)
{
	Containarium__V1__LoginResponse *resp;
	char *token = NULL;
	int64_t expires;
	int r;

	r = auth_token_issue(&a->secret, a->issuer, user, a->token_lifetime, time(NULL),
	    &token, &expires);
	if (r < 0) {
		log_error_errno(r, "Cannot issue a token for %s: %m", user);
		job_fail(job, GRPC_STATUS_INTERNAL, "cannot issue a token");
		return;
	}
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__login_response__init(resp);
	resp->token = token;
	resp->expires_at = expires;
	job_succeed(job, &resp->base);
}

void auth_ops_login(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__LoginRequest *req = (const void *)job->request;
	const struct auth_context *a = auth_context_get();
	char user_key[64], peer_key[128];
	struct users_info info;
	time_t now = time(NULL);
	int r;

	(void)ctx;
	if (!a->have_secret) {
		job_fail(job, GRPC_STATUS_FAILED_PRECONDITION,
		    "token authentication is disabled ([auth] method = none)");
		return;
	}
	snprintf(user_key, sizeof(user_key), "user %s", req->username);
	auth_ops_peer_key(job->caller->peer, peer_key, sizeof(peer_key));
	if (auth_ops_locked(job, a->throttle, user_key, peer_key, now))
		return;
	r = users_verify(a->users, req->username, req->password, &info);
	auth_ops_wipe(req->password);
	if (r == -EACCES) {
		auth_ops_failed(job, a->throttle, user_key, peer_key, now);
		return;
	}
	if (r < 0) {
		log_error_errno(r, "Users file unusable, refusing a login: %m");
		job_fail(job, GRPC_STATUS_UNAVAILABLE, "users file unusable");
		return;
	}
	throttle_clear(a->throttle, user_key);
	snprintf(job->identity, sizeof(job->identity), "%s", info.name);
	auth_ops_issue(job, a, info.name);
}

void auth_ops_validate_token(struct job *job, struct ops_context *ctx)
{
	const Containarium__V1__ValidateTokenRequest *req = (const void *)job->request;
	const struct auth_context *a = auth_context_get();
	Containarium__V1__ValidateTokenResponse *resp;
	char user[USERS_NAME_MAX + 1];
	struct users_info info;
	bool valid;

	(void)ctx;
	valid = a->have_secret && auth_token_verify(&a->secret, a->issuer, req->token,
	    time(NULL), user, sizeof(user)) == 0 && users_lookup(a->users, user, &info) == 0;
	auth_ops_wipe(req->token);
	resp = malloc(sizeof(*resp));
	if (!resp)
		abort();
	containarium__v1__validate_token_response__init(resp);
	resp->valid = valid;
	resp->username = ops_strdup(valid ? user : "");
	job_succeed(job, &resp->base);
}
