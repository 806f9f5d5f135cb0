/*
 * fuzz_incus_decode.c - libFuzzer target for everything that decodes what
 * Incus sends: the response envelope, then every incus_decode_* function
 * on its metadata and on the whole document (so a decoder also meets the
 * shapes meant for the others), an event of the /1.0/events stream
 * (incus_events_decode), and the header-value decoders on the raw input as
 * a string.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "incus/incus.h"
#include "incus/incus_decode.h"
#include "incus/incus_events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every decoder of a JSON value; outputs are released when produced. */
static void fuzz_decode_value(json_t *value)
{
	struct incus_instance_list list;
	struct incus_instance_state st;
	struct incus_host_resources host;
	struct incus_pool_resources pool;
	struct incus_server_info info;
	struct incus_instance in;
	struct incus_operation op;
	const char *out, *err;
	char **entries;
	size_t count;
	int status;

	if (incus_decode_instance(value, &in) == 0)
		incus_instance_free(&in);
	if (incus_decode_instance_state(value, &st) == 0)
		incus_instance_state_free(&st);
	if (incus_decode_instance_list(value, &list) == 0)
		incus_instance_list_free(&list);
	if (incus_decode_server_info(value, &info) == 0)
		incus_client_server_info_free(&info);
	if (incus_decode_operation(value, &op) == 0) {
		(void)incus_decode_exec(op.metadata, &status, &out, &err);
		incus_decode_operation_free(&op);
	}
	(void)incus_decode_exec(value, &status, &out, &err);
	(void)incus_decode_host_resources(value, &host);
	(void)incus_decode_pool_resources(value, &pool);
	if (incus_decode_directory(value, &entries, &count) == 0) {
		for (size_t i = 0; i < count; i++)
			free(entries[i]);
		free(entries);
	}
}

/* The decoders of header values and paths on one string. */
static void fuzz_decode_string(const char *s)
{
	enum incus_file_type type;
	uint32_t u32;
	uint64_t u64;
	int64_t i64;

	(void)incus_decode_timestamp(s, &i64);
	(void)incus_decode_size(s, &u64);
	(void)incus_decode_file_type(s, &type);
	(void)incus_decode_file_id(s, &u32);
	(void)incus_decode_file_mode(s, &u32);
	(void)incus_decode_operation_path(s);
	(void)incus_decode_exec_output_path(s, "alice-container");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct incus_response response;
	struct incus_event event;
	json_t *root;
	char *s;

	if (incus_decode_response((const char *)data, size, &response) == 0) {
		if (response.metadata)
			fuzz_decode_value(response.metadata);
		incus_decode_response_free(&response);
	}
	if (incus_events_decode((const char *)data, size, &event, &root) == 0) {
		for (size_t i = 0; i < event.instance_count; i++)
			if (strnlen(event.instances[i], sizeof(event.instances[i])) ==
			    sizeof(event.instances[i]))
				__builtin_trap();   /* a name must end inside its slot */
		json_decref(root);
	}
	root = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (root) {
		fuzz_decode_value(root);
		json_decref(root);
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_decode_string(s);
	free(s);
	return 0;
}
