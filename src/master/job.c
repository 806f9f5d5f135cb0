/*
 * job.c - one RPC's state in the master; see job.h.
 */
#include "job.h"

#include <grpc/status.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void job_free(struct job *job)
{
	if (!job)
		return;
	if (job->request)
		protobuf_c_message_free_unpacked(job->request, NULL);
	if (job->caller)
		containarium__ipc__caller__free_unpacked(job->caller, NULL);
	if (job->response)
		protobuf_c_message_free_unpacked(job->response, NULL);
	free(job->message);
	free(job);
}

int job_fail(struct job *job, int status, const char *format, ...)
{
	va_list ap;

	free(job->message);
	job->message = NULL;
	job->status = status;
	va_start(ap, format);
	if (vasprintf(&job->message, format, ap) < 0)
		job->message = NULL;
	va_end(ap);
	return status;
}

int job_succeed(struct job *job, ProtobufCMessage *response)
{
	job->status = GRPC_STATUS_OK;
	job->response = response;
	return 0;
}
