/*
 * worker_metadata.h - what the worker takes from a call's initial metadata.
 */
#ifndef CONTAINARIUM_WORKER_METADATA_H
#define CONTAINARIUM_WORKER_METADATA_H

#include <grpc/grpc.h>

/* The longest "authorization" value accepted, in bytes. */
#define WORKER_AUTHORIZATION_MAX 8192

/*
 * Finds "authorization: Bearer <token>" in md (the scheme is matched
 * case-insensitively; the token is printable ASCII without spaces).
 * Returns 0 and sets *ret_token to a malloc'd copy, or to NULL when there
 * is no authorization header; the caller wipes and frees it. Returns
 * -E2BIG when the value is longer than WORKER_AUTHORIZATION_MAX, -ENOTUNIQ
 * when the header appears twice, -EBADMSG when it is not a bearer token,
 * -ENOMEM. Never logs: the value is a secret.
 */
int worker_metadata_bearer(const grpc_metadata_array *md, char **ret_token);

#endif
