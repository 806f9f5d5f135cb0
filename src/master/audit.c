/*
 * audit.c - the audit trail of RPCs; see audit.h.
 */
#include "audit.h"

#include <grpc/status.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "status.h"

void audit_caller(const Containarium__Ipc__Caller *caller, char *buf, size_t len)
{
	/* Before authentication only the worker's claim is known: say so. */
	if (caller->transport == CONTAINARIUM__IPC__CALLER__TRANSPORT__ADMIN)
		snprintf(buf, len, "unverified uid=%lld", (long long)caller->uid);
	else if (caller->tls_identity && caller->tls_identity[0])
		snprintf(buf, len, "cert:%.64s", caller->tls_identity);
	else
		snprintf(buf, len, "anonymous");
}

static long audit_elapsed_ms(const struct job *job)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - job->started.tv_sec) * 1000 +
	    (now.tv_nsec - job->started.tv_nsec) / 1000000;
}

/* What a call acts on: "alice-container", "user alice", or "". */
static void audit_target(const struct job *job, char *buf, size_t len)
{
	const char *user = method_request_username(job->method->id, job->request);

	switch (job->method->id) {
	case METHOD_LOGIN:
		user = ((const Containarium__V1__LoginRequest *)job->request)->username;
		break;
	case METHOD_ADD_USER:
		user = ((const Containarium__V1__AddUserRequest *)job->request)->username;
		break;
	case METHOD_REMOVE_USER:
		user = ((const Containarium__V1__RemoveUserRequest *)job->request)->username;
		break;
	case METHOD_SET_PASSWORD:
		user = ((const Containarium__V1__SetPasswordRequest *)job->request)->username;
		break;
	default:
		snprintf(buf, len, "%s%s", user, user[0] ? "-container" : "");
		return;
	}
	snprintf(buf, len, "user %.32s", user);
}

void audit_job(const struct job *job)
{
	char op[64], who[96], caller[128], peer[160], what[64], target[96], result[64],
	    duration[48], worker[40], container[96];
	const char *user = method_request_username(job->method->id, job->request);
	bool notable = job->method->mutating || job->status != GRPC_STATUS_OK;
	long ms = audit_elapsed_ms(job);

	if (job->identity[0])
		snprintf(who, sizeof(who), "%s", job->identity);
	else
		audit_caller(job->caller, who, sizeof(who));
	audit_target(job, what, sizeof(what));
	snprintf(op, sizeof(op), "CONTAINARIUM_OP=%s", job->method->name);
	snprintf(caller, sizeof(caller), "CONTAINARIUM_CALLER=%s", who);
	snprintf(peer, sizeof(peer), "CONTAINARIUM_PEER=%.128s", job->caller->peer);
	snprintf(target, sizeof(target), "CONTAINARIUM_TARGET=%s", what);
	snprintf(result, sizeof(result), "CONTAINARIUM_RESULT=%s", status_name(job->status));
	snprintf(duration, sizeof(duration), "CONTAINARIUM_DURATION_MS=%ld", ms);
	snprintf(worker, sizeof(worker), "CONTAINARIUM_WORKER=%u", job->worker_slot);
	/* Calls on a container also name it in a field of its own. */
	snprintf(container, sizeof(container), "CONTAINARIUM_CONTAINER=%.32s-container", user);
	log_fields(notable ? LOG_NOTICE : LOG_DEBUG,
	    (const char *const[]){ op, caller, peer, target, result, duration, worker,
	    user[0] ? container : NULL, NULL },
	    "%s%s%s by %s from %.128s: %s%s%s (%ld ms)", job->method->name,
	    what[0] ? " " : "", what, who, job->caller->peer, status_name(job->status),
	    job->message ? ": " : "", job->message ? job->message : "", ms);
}
