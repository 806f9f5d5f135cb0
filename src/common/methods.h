/*
 * methods.h - the table of RPC methods every process agrees on.
 *
 * A method's number is its IPC message type (ipc.h), so the worker, the
 * master and the CLI name a call the same way; its path is the gRPC
 * method path; its descriptors decode the request and encode the reply.
 */
#ifndef CONTAINARIUM_METHODS_H
#define CONTAINARIUM_METHODS_H

#include <stdbool.h>
#include <protobuf-c/protobuf-c.h>

#include "containarium/v1/admin.pb-c.h"
#include "containarium/v1/service.pb-c.h"

enum method {
	METHOD_CREATE_CONTAINER = 1,
	METHOD_LIST_CONTAINERS,
	METHOD_GET_CONTAINER,
	METHOD_DELETE_CONTAINER,
	METHOD_START_CONTAINER,
	METHOD_STOP_CONTAINER,
	METHOD_ADD_SSH_KEY,
	METHOD_REMOVE_SSH_KEY,
	METHOD_GET_METRICS,
	METHOD_GET_SYSTEM_INFO,
	METHOD_LOGIN,
	METHOD_VALIDATE_TOKEN,
	METHOD_ADD_USER,        /* UserService: admin socket only */
	METHOD_REMOVE_USER,
	METHOD_LIST_USERS,
	METHOD_SET_PASSWORD,
	METHOD_MAX = METHOD_SET_PASSWORD,
};

struct method_info {
	enum method id;
	const char *name;       /* "CreateContainer" */
	const char *path;       /* "/containarium.v1.ContainerService/CreateContainer" */
	const ProtobufCMessageDescriptor *request;
	const ProtobufCMessageDescriptor *response;
	bool mutating;          /* changes state: audited, serialized per container */
};

/* Returns the entry for id, or NULL when id is not a method. */
const struct method_info *method_lookup(unsigned id);

/* Returns the entry whose gRPC path is path, or NULL. */
const struct method_info *method_lookup_path(const char *path);

/*
 * Returns the username a request targets ("" for none: List with no
 * filter, GetSystemInfo, GetMetrics of all). The string belongs to req.
 */
const char *method_request_username(enum method id, const ProtobufCMessage *req);

#endif
