/*
 * status.c - gRPC status names and the Incus errno mapping; see status.h.
 */
#include "status.h"

#include <errno.h>
#include <grpc/status.h>

const char *status_name(int status)
{
	static const char *const names[] = {
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
		"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
		"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
		"INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
	};

	if (status < 0 || status >= (int)(sizeof(names) / sizeof(names[0])))
		return "UNKNOWN";
	return names[status];
}

int status_from_incus_errno(int err)
{
	switch (-err) {
	case 0:
		return GRPC_STATUS_OK;
	case ENOENT:
		return GRPC_STATUS_NOT_FOUND;
	case EEXIST:
		return GRPC_STATUS_ALREADY_EXISTS;
	case EBUSY:
	case EALREADY:
	case EFBIG:
		return GRPC_STATUS_FAILED_PRECONDITION;
	case ECANCELED:
		return GRPC_STATUS_ABORTED;
	case EOPNOTSUPP:
		return GRPC_STATUS_UNIMPLEMENTED;
	case EINVAL:
		return GRPC_STATUS_INVALID_ARGUMENT;
	case ETIMEDOUT:
		return GRPC_STATUS_DEADLINE_EXCEEDED;
	case EACCES:
	case EPERM:
		return GRPC_STATUS_PERMISSION_DENIED;
	case ENOMEM:
	case ENOSPC:
		return GRPC_STATUS_RESOURCE_EXHAUSTED;
	case EHOSTDOWN:
	case ECONNREFUSED:
	case ECONNRESET:
	case EPIPE:
	case EPROTO:
	case EIO:
		/* Incus is down, unreachable, answered with garbage, or failed
		 * in a way of its own (its message goes with the status): a
		 * broken upstream, not a bug here. */
		return GRPC_STATUS_UNAVAILABLE;
	default:
		return GRPC_STATUS_INTERNAL;
	}
}
