/*
 * job.h - one RPC as the master carries it: from the worker's request,
 * through an operation thread, to the reply sent back to that worker.
 */
#ifndef CONTAINARIUM_JOB_H
#define CONTAINARIUM_JOB_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "common/methods.h"
#include "containarium/ipc/ipc.pb-c.h"

struct job {
	struct job *next;

	/* Where the reply goes: the worker slot and the generation of the
	 * worker in it when the request arrived, and the worker's id. */
	unsigned worker_slot;
	uint64_t worker_generation;
	uint32_t request_id;

	const struct method_info *method;
	ProtobufCMessage *request;          /* decoded, owned */
	Containarium__Ipc__Caller *caller;  /* owned */
	char container[64];                 /* "" when the call targets none */
	struct timespec started;

	/* Admin-socket calls: the connection's peer as the kernel reports it,
	 * from the descriptor the worker passed along (auth_admin.h). */
	bool peer_verified;
	bool peer_in_admin_group;           /* its groups include admin_group */
	int64_t peer_uid, peer_gid, peer_pid;

	/* Who the master found the caller to be (authz.h): "alice",
	 * "uid=0", "anonymous"; "" before authentication. For the audit. */
	char identity[48];

	/* Filled by the operation. */
	int status;                         /* grpc_status_code */
	char *message;                      /* owned; NULL when OK */
	ProtobufCMessage *response;         /* owned; NULL unless OK */
};

/* Frees job and everything it owns; NULL is fine. */
void job_free(struct job *job);

/*
 * Records a failure: status and a printf-style message. Returns status so
 * operations can `return job_fail(job, GRPC_STATUS_NOT_FOUND, ...)`.
 */
int job_fail(struct job *job, int status, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Records success with response (ownership passes to job). Returns 0. */
int job_succeed(struct job *job, ProtobufCMessage *response);

#endif
