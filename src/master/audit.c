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
	if (caller->transport == CONTAINARIUM__IPC__CALLER__TRANSPORT__ADMIN)
		snprintf(buf, len, "uid=%lld", (long long)caller->uid);
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

void audit_job(const struct job *job)
{
	char op[64], who[96], caller[128], peer[160], target[96], result[64],
	    duration[48], worker[40];
	const char *user = method_request_username(job->method->id, job->request);
	bool notable = job->method->mutating || job->status != GRPC_STATUS_OK;
	long ms = audit_elapsed_ms(job);

	audit_caller(job->caller, who, sizeof(who));
	snprintf(op, sizeof(op), "CONTAINARIUM_OP=%s", job->method->name);
	snprintf(caller, sizeof(caller), "CONTAINARIUM_CALLER=%s", who);
	snprintf(peer, sizeof(peer), "CONTAINARIUM_PEER=%.128s", job->caller->peer);
	snprintf(target, sizeof(target), "CONTAINARIUM_CONTAINER=%s%s",
	    user, user[0] ? "-container" : "");
	snprintf(result, sizeof(result), "CONTAINARIUM_RESULT=%s", status_name(job->status));
	snprintf(duration, sizeof(duration), "CONTAINARIUM_DURATION_MS=%ld", ms);
	snprintf(worker, sizeof(worker), "CONTAINARIUM_WORKER=%u", job->worker_slot);
	log_fields(notable ? LOG_NOTICE : LOG_DEBUG,
	    (const char *const[]){ op, caller, peer, target, result, duration, worker, NULL },
	    "%s%s%s%s by %s from %.128s: %s%s%s (%ld ms)", job->method->name,
	    user[0] ? " " : "", user, user[0] ? "-container" : "", who, job->caller->peer, status_name(job->status),
	    job->message ? ": " : "", job->message ? job->message : "", ms);
}
