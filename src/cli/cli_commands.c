/*
 * cli_commands.c - create, list, info, delete, start, stop; see
 * cli_commands.h.
 *
 * A command owns what it builds: requests live on its stack and point into
 * argv (protobuf-c only reads them while packing), the decoded reply is
 * freed before returning. Failures are reported here, once, as the single
 * line "containarium: COMMAND: WHAT: STATUS: MESSAGE".
 */
#include "cli_commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/status.h>

#include "cli.h"
#include "cli_endpoint.h"
#include "cli_keys.h"
#include "cli_progress.h"
#include "cli_output.h"
#include "cli_rpc.h"
#include "common/methods.h"

unsigned cli_commands_deadline(const struct cli_args *args)
{
	if (args->timeout)
		return args->timeout;
	if (args->command == CLI_COMMAND_CREATE)
		return CLI_COMMANDS_TIMEOUT_CREATE;
	if (args->command == CLI_COMMAND_LIST_ALL)
		return CLI_COMMANDS_TIMEOUT_LIST_ALL;
	if (args->command == CLI_COMMAND_COMPLETE)
		return CLI_COMMANDS_TIMEOUT_COMPLETE;
	if (args->command == CLI_COMMAND_STOP && args->stop_timeout_set)
		return args->stop_timeout + CLI_COMMANDS_TIMEOUT_STOP_GRACE;
	return CLI_COMMANDS_TIMEOUT_DEFAULT;
}

/*
 * Prints the error line of a failed call of method (status code and
 * message) about subject at target. Returns the exit code.
 */
static int cli_commands_report(const struct cli_args *args, const struct method_info *method,
    const char *subject, const char *target, int code, const char *message)
{
	char what[CLI_SERVER_MAX + 128];

	if (code == GRPC_STATUS_UNAVAILABLE || code == GRPC_STATUS_DEADLINE_EXCEEDED ||
	    code == GRPC_STATUS_UNAUTHENTICATED)
		(void)snprintf(what, sizeof(what), "%s%s%s at %s", method->name,
		    subject ? " " : "", subject ? subject : "", target);
	else
		(void)snprintf(what, sizeof(what), "%s%s%s", method->name,
		    subject ? " " : "", subject ? subject : "");
	cli_output_error(stderr, args->command_name, what, cli_rpc_status_name(code), message);
	return cli_exit_from_status(code);
}

/*
 * Sets up TLS and the endpoint for args' server. Returns CLI_EXIT_OK, or
 * prints the error (a usage error for the plaintext rule and bad PEM
 * files) and returns its exit code; tls and endpoint are then empty.
 */
static int cli_commands_connect(const struct cli_args *args, unsigned timeout, bool use_token,
    struct cli_tls *tls, struct cli_endpoint *endpoint)
{
	char err[512];
	int r;

	if (cli_endpoint_tls_load(args, tls, err, sizeof(err)) < 0) {
		cli_output_usage_error(stderr, args->command_name, err);
		return CLI_EXIT_USAGE;
	}
	r = cli_endpoint_open(args, args->target, tls, timeout, use_token, endpoint, err,
	    sizeof(err));
	if (r == 0)
		return CLI_EXIT_OK;
	cli_endpoint_tls_free(tls);
	if (r == -EPERM) {
		cli_output_usage_error(stderr, args->command_name, err);
		return CLI_EXIT_USAGE;
	}
	cli_output_error(stderr, args->command_name, err, NULL, NULL);
	return CLI_EXIT_FAILURE;
}

int cli_commands_call(const struct cli_args *args, enum method id,
    const ProtobufCMessage *request, const char *subject,
    const struct cli_call_extra *extra, ProtobufCMessage **ret_reply)
{
	static const struct cli_call_extra none;
	const struct method_info *method = method_lookup(id);
	struct cli_rpc_status status = { 0 };
	struct cli_endpoint endpoint;
	struct cli_tls tls;
	int code;

	if (!extra)
		extra = &none;
	code = cli_commands_connect(args, cli_commands_deadline(args), !extra->no_token, &tls,
	    &endpoint);
	if (code != CLI_EXIT_OK)
		return code;
	endpoint.rpc.progress = extra->progress;
	endpoint.rpc.progress_data = extra->progress_data;
	code = cli_rpc_call(&endpoint.rpc, method, request, ret_reply, &status);
	cli_endpoint_close(&endpoint);
	cli_endpoint_tls_free(&tls);
	if (code == GRPC_STATUS_OK)
		return CLI_EXIT_OK;
	if (extra->quiet)
		code = cli_exit_from_status(code);
	else
		code = cli_commands_report(args, method, subject, args->target, code,
		    status.message);
	cli_rpc_status_clear(&status);
	return code;
}

int cli_commands_done(const struct cli_args *args, int r, ProtobufCMessage *reply)
{
	if (reply)
		protobuf_c_message_free_unpacked(reply, NULL);
	if (r == 0)
		return CLI_EXIT_OK;
	cli_output_error(stderr, args->command_name, "cannot write the output", NULL, strerror(-r));
	return CLI_EXIT_FAILURE;
}

/*
 * Reads the keys of every --ssh-key file into keys. Returns CLI_EXIT_OK,
 * or prints a usage error and returns CLI_EXIT_USAGE.
 */
static int cli_commands_read_keys(const struct cli_args *args, struct cli_keys *keys)
{
	char err[512];

	for (size_t i = 0; i < args->n_ssh_key_files; i++)
		if (cli_keys_read_file(args->ssh_key_files[i], keys, err, sizeof(err)) < 0) {
			cli_output_usage_error(stderr, args->command_name, err);
			return CLI_EXIT_USAGE;
		}
	return CLI_EXIT_OK;
}

/* Sends the CreateContainer request built from args and keys; prints the reply. */
static int cli_commands_create_send(const struct cli_args *args, struct cli_keys *keys)
{
	Containarium__V1__CreateContainerRequest request = CONTAINARIUM__V1__CREATE_CONTAINER_REQUEST__INIT;
	Containarium__V1__ResourceLimits resources = CONTAINARIUM__V1__RESOURCE_LIMITS__INIT;
	Containarium__V1__CreateContainerRequest__LabelsEntry entries[VALIDATE_LABELS_MAX];
	Containarium__V1__CreateContainerRequest__LabelsEntry *entry_list[VALIDATE_LABELS_MAX];
	Containarium__V1__CreateContainerResponse *reply;
	struct cli_progress progress;
	struct cli_call_extra extra = { .progress_data = &progress };
	ProtobufCMessage *message = NULL;
	int code, r;

	request.username = (char *)args->username;
	request.image = (char *)(args->image ? args->image : "");
	request.enable_docker = args->docker;
	request.ssh_keys = keys->keys;
	request.n_ssh_keys = keys->n_keys;
	if (args->cpu || args->memory || args->disk) {
		resources.cpu = (char *)(args->cpu ? args->cpu : "");
		resources.memory = (char *)(args->memory ? args->memory : "");
		resources.disk = (char *)(args->disk ? args->disk : "");
		request.resources = &resources;
	}
	for (size_t i = 0; i < args->n_labels; i++) {
		containarium__v1__create_container_request__labels_entry__init(&entries[i]);
		entries[i].key = (char *)args->labels[i].key;
		entries[i].value = (char *)args->labels[i].value;
		entry_list[i] = &entries[i];
	}
	request.labels = entry_list;
	request.n_labels = args->n_labels;
	cli_progress_start(&progress, "Creating", args->username);
	extra.progress = progress.enabled ? cli_progress_tick : NULL;
	code = cli_commands_call(args, METHOD_CREATE_CONTAINER, &request.base, args->username,
	    &extra, &message);
	cli_progress_end(&progress);
	if (code != CLI_EXIT_OK)
		return code;
	reply = (void *)message;
	r = args->output == CLI_OUTPUT_JSON ? cli_output_create_json(stdout, reply)
	    : cli_output_create_text(stdout, reply);
	return cli_commands_done(args, r, &reply->base);
}

int cli_commands_create(const struct cli_args *args)
{
	struct cli_keys keys = { .n_keys = 0 };
	int code;

	code = cli_commands_read_keys(args, &keys);
	if (code == CLI_EXIT_OK)
		code = cli_commands_create_send(args, &keys);
	cli_keys_free(&keys);
	return code;
}

int cli_commands_list(const struct cli_args *args)
{
	Containarium__V1__ListContainersRequest request = CONTAINARIUM__V1__LIST_CONTAINERS_REQUEST__INIT;
	Containarium__V1__ListContainersRequest__LabelFilterEntry entries[VALIDATE_LABELS_MAX];
	Containarium__V1__ListContainersRequest__LabelFilterEntry *entry_list[VALIDATE_LABELS_MAX];
	Containarium__V1__ListContainersResponse *reply;
	ProtobufCMessage *message = NULL;
	int code, r;

	request.state = (Containarium__V1__ContainerState)args->state;
	request.username = (char *)(args->user_filter ? args->user_filter : "");
	for (size_t i = 0; i < args->n_labels; i++) {
		containarium__v1__list_containers_request__label_filter_entry__init(&entries[i]);
		entries[i].key = (char *)args->labels[i].key;
		entries[i].value = (char *)args->labels[i].value;
		entry_list[i] = &entries[i];
	}
	request.label_filter = entry_list;
	request.n_label_filter = args->n_labels;
	code = cli_commands_call(args, METHOD_LIST_CONTAINERS, &request.base, NULL, NULL, &message);
	if (code != CLI_EXIT_OK)
		return code;
	reply = (void *)message;
	if (args->output == CLI_OUTPUT_JSON)
		r = cli_output_list_json(stdout, reply);
	else if (reply->n_containers == 0)
		r = fprintf(stderr, "No containers.\n") < 0 ? -EIO : 0;
	else
		r = cli_output_list_table(stdout, reply);
	return cli_commands_done(args, r, &reply->base);
}

int cli_commands_info(const struct cli_args *args)
{
	Containarium__V1__GetContainerRequest request = CONTAINARIUM__V1__GET_CONTAINER_REQUEST__INIT;
	Containarium__V1__GetContainerResponse *reply;
	ProtobufCMessage *message = NULL;
	int code, r;

	request.username = (char *)args->username;
	code = cli_commands_call(args, METHOD_GET_CONTAINER, &request.base, args->username, NULL, &message);
	if (code != CLI_EXIT_OK)
		return code;
	reply = (void *)message;
	r = args->output == CLI_OUTPUT_JSON ? cli_output_info_json(stdout, reply)
	    : cli_output_info_text(stdout, reply);
	return cli_commands_done(args, r, &reply->base);
}

int cli_commands_delete(const struct cli_args *args)
{
	Containarium__V1__DeleteContainerRequest request = CONTAINARIUM__V1__DELETE_CONTAINER_REQUEST__INIT;
	Containarium__V1__DeleteContainerResponse *reply;
	ProtobufCMessage *message = NULL;
	int code, r;

	request.username = (char *)args->username;
	request.force = args->force;
	code = cli_commands_call(args, METHOD_DELETE_CONTAINER, &request.base, args->username, NULL, &message);
	if (code != CLI_EXIT_OK)
		return code;
	reply = (void *)message;
	r = args->output == CLI_OUTPUT_JSON ? cli_output_delete_json(stdout, reply)
	    : cli_output_delete_text(stdout, reply);
	return cli_commands_done(args, r, &reply->base);
}

int cli_commands_start(const struct cli_args *args)
{
	Containarium__V1__StartContainerRequest request = CONTAINARIUM__V1__START_CONTAINER_REQUEST__INIT;
	Containarium__V1__StartContainerResponse *reply;
	ProtobufCMessage *message = NULL;
	int code, r;

	request.username = (char *)args->username;
	code = cli_commands_call(args, METHOD_START_CONTAINER, &request.base, args->username, NULL, &message);
	if (code != CLI_EXIT_OK)
		return code;
	reply = (void *)message;
	r = args->output == CLI_OUTPUT_JSON
	    ? cli_output_lifecycle_json(stdout, reply->message, reply->container)
	    : cli_output_lifecycle_text(stdout, "Started", reply->message, reply->container);
	return cli_commands_done(args, r, &reply->base);
}

int cli_commands_stop(const struct cli_args *args)
{
	Containarium__V1__StopContainerRequest request = CONTAINARIUM__V1__STOP_CONTAINER_REQUEST__INIT;
	Containarium__V1__StopContainerResponse *reply;
	ProtobufCMessage *message = NULL;
	int code, r;

	request.username = (char *)args->username;
	request.force = args->force;
	request.timeout = args->stop_timeout_set ? (int32_t)args->stop_timeout : 0;
	code = cli_commands_call(args, METHOD_STOP_CONTAINER, &request.base, args->username, NULL, &message);
	if (code != CLI_EXIT_OK)
		return code;
	reply = (void *)message;
	r = args->output == CLI_OUTPUT_JSON
	    ? cli_output_lifecycle_json(stdout, reply->message, reply->container)
	    : cli_output_lifecycle_text(stdout, "Stopped", reply->message, reply->container);
	return cli_commands_done(args, r, &reply->base);
}
