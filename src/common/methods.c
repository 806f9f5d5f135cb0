/*
 * methods.c - the RPC method table; see methods.h.
 */
#include "methods.h"

#include <string.h>

#define CS "/containarium.v1.ContainerService/"
#define AS "/containarium.v1.AuthService/"
#define US "/containarium.v1.UserService/"
#define M(id, name, svc, req, resp, mut) \
	[id] = { id, #name, svc #name, &containarium__v1__##req##__descriptor, \
		 &containarium__v1__##resp##__descriptor, mut }

static const struct method_info method_table[METHOD_MAX + 1] = {
	M(METHOD_CREATE_CONTAINER, CreateContainer, CS, create_container_request, create_container_response, true),
	M(METHOD_LIST_CONTAINERS, ListContainers, CS, list_containers_request, list_containers_response, false),
	M(METHOD_GET_CONTAINER, GetContainer, CS, get_container_request, get_container_response, false),
	M(METHOD_DELETE_CONTAINER, DeleteContainer, CS, delete_container_request, delete_container_response, true),
	M(METHOD_START_CONTAINER, StartContainer, CS, start_container_request, start_container_response, true),
	M(METHOD_STOP_CONTAINER, StopContainer, CS, stop_container_request, stop_container_response, true),
	M(METHOD_ADD_SSH_KEY, AddSSHKey, CS, add_sshkey_request, add_sshkey_response, true),
	M(METHOD_REMOVE_SSH_KEY, RemoveSSHKey, CS, remove_sshkey_request, remove_sshkey_response, true),
	M(METHOD_GET_METRICS, GetMetrics, CS, get_metrics_request, get_metrics_response, false),
	M(METHOD_GET_SYSTEM_INFO, GetSystemInfo, CS, get_system_info_request, get_system_info_response, false),
	M(METHOD_LOGIN, Login, AS, login_request, login_response, false),
	M(METHOD_VALIDATE_TOKEN, ValidateToken, AS, validate_token_request, validate_token_response, false),
	M(METHOD_ADD_USER, AddUser, US, add_user_request, add_user_response, true),
	M(METHOD_REMOVE_USER, RemoveUser, US, remove_user_request, remove_user_response, true),
	M(METHOD_LIST_USERS, ListUsers, US, list_users_request, list_users_response, false),
	M(METHOD_SET_PASSWORD, SetPassword, US, set_password_request, set_password_response, true),
};

const struct method_info *method_lookup(unsigned id)
{
	if (id == 0 || id > METHOD_MAX)
		return NULL;
	return &method_table[id];
}

const struct method_info *method_lookup_path(const char *path)
{
	for (unsigned i = 1; i <= METHOD_MAX; i++)
		if (strcmp(method_table[i].path, path) == 0)
			return &method_table[i];
	return NULL;
}

const char *method_request_username(enum method id, const ProtobufCMessage *req)
{
	switch (id) {
	case METHOD_CREATE_CONTAINER:
		return ((const Containarium__V1__CreateContainerRequest *)req)->username;
	case METHOD_LIST_CONTAINERS:
		return ((const Containarium__V1__ListContainersRequest *)req)->username;
	case METHOD_GET_CONTAINER:
		return ((const Containarium__V1__GetContainerRequest *)req)->username;
	case METHOD_DELETE_CONTAINER:
		return ((const Containarium__V1__DeleteContainerRequest *)req)->username;
	case METHOD_START_CONTAINER:
		return ((const Containarium__V1__StartContainerRequest *)req)->username;
	case METHOD_STOP_CONTAINER:
		return ((const Containarium__V1__StopContainerRequest *)req)->username;
	case METHOD_ADD_SSH_KEY:
		return ((const Containarium__V1__AddSSHKeyRequest *)req)->username;
	case METHOD_REMOVE_SSH_KEY:
		return ((const Containarium__V1__RemoveSSHKeyRequest *)req)->username;
	case METHOD_GET_METRICS:
		return ((const Containarium__V1__GetMetricsRequest *)req)->username;
	case METHOD_LOGIN:
	case METHOD_VALIDATE_TOKEN:
	case METHOD_GET_SYSTEM_INFO:
	case METHOD_ADD_USER:
	case METHOD_REMOVE_USER:
	case METHOD_LIST_USERS:
	case METHOD_SET_PASSWORD:
		return "";
	}
	return "";
}
