/*
 * status.h - gRPC status codes: names, and the mapping from the Incus
 * client's errno values to the precise code a caller should see.
 */
#ifndef CONTAINARIUM_STATUS_H
#define CONTAINARIUM_STATUS_H

/* "NOT_FOUND" for GRPC_STATUS_NOT_FOUND; "UNKNOWN" for others. */
const char *status_name(int status);

/* Maps a negative errno from src/incus to a grpc_status_code. */
int status_from_incus_errno(int err);

#endif
