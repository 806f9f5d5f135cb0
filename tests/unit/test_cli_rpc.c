/*
 * test_cli_rpc.c - status names and exit codes (src/cli/cli_rpc.c,
 * src/cli/cli.c), and the unary call's failure paths that need no server.
 * The call against a real server is tested by tests/cli/test_cli_rpc.py.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <grpc/status.h>

#include "cli/cli.h"
#include "cli/cli_rpc.h"

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(cli_rpc_status_name(GRPC_STATUS_OK), "OK");
	assert_string_equal(cli_rpc_status_name(GRPC_STATUS_NOT_FOUND), "NOT_FOUND");
	assert_string_equal(cli_rpc_status_name(GRPC_STATUS_UNAUTHENTICATED), "UNAUTHENTICATED");
	assert_string_equal(cli_rpc_status_name(GRPC_STATUS_DATA_LOSS), "DATA_LOSS");
	assert_string_equal(cli_rpc_status_name(17), "UNKNOWN");
	assert_string_equal(cli_rpc_status_name(-1), "UNKNOWN");
	for (int code = 0; code <= 16; code++)
		assert_non_null(cli_rpc_status_name(code));
}

static void test_exit_codes(void **state)
{
	static const struct { int status, exit; } table[] = {
		{ GRPC_STATUS_OK, 0 },
		{ GRPC_STATUS_CANCELLED, 1 },
		{ GRPC_STATUS_UNKNOWN, 1 },
		{ GRPC_STATUS_INVALID_ARGUMENT, 3 },
		{ GRPC_STATUS_DEADLINE_EXCEEDED, 8 },
		{ GRPC_STATUS_NOT_FOUND, 4 },
		{ GRPC_STATUS_ALREADY_EXISTS, 5 },
		{ GRPC_STATUS_PERMISSION_DENIED, 6 },
		{ GRPC_STATUS_RESOURCE_EXHAUSTED, 10 },
		{ GRPC_STATUS_FAILED_PRECONDITION, 9 },
		{ GRPC_STATUS_ABORTED, 9 },
		{ GRPC_STATUS_OUT_OF_RANGE, 3 },
		{ GRPC_STATUS_UNIMPLEMENTED, 11 },
		{ GRPC_STATUS_INTERNAL, 1 },
		{ GRPC_STATUS_UNAVAILABLE, 7 },
		{ GRPC_STATUS_DATA_LOSS, 1 },
		{ GRPC_STATUS_UNAUTHENTICATED, 6 },
		{ 99, 1 },
		{ -3, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_int_equal(cli_exit_from_status(table[i].status), table[i].exit);
}

static void test_wrong_request_type(void **state)
{
	Containarium__V1__GetContainerRequest request = CONTAINARIUM__V1__GET_CONTAINER_REQUEST__INIT;
	struct cli_rpc_endpoint endpoint = { .target = "unix:/nonexistent", .timeout = 1 };
	struct cli_rpc_status status = { 0 };
	ProtobufCMessage *reply = NULL;

	(void)state;
	assert_int_equal(cli_rpc_call(&endpoint, method_lookup(METHOD_LIST_CONTAINERS),
	    &request.base, &reply, &status), GRPC_STATUS_INTERNAL);
	assert_null(reply);
	assert_int_equal(status.code, GRPC_STATUS_INTERNAL);
	assert_non_null(strstr(status.message, "wrong type"));
	cli_rpc_status_clear(&status);
	assert_null(status.message);
	cli_rpc_status_clear(NULL);
}

static void test_no_server(void **state)
{
	Containarium__V1__GetContainerRequest request = CONTAINARIUM__V1__GET_CONTAINER_REQUEST__INIT;
	struct cli_rpc_endpoint endpoint = {
		.target = "unix:/nonexistent/containarium.sock", .timeout = 5,
	};
	struct cli_rpc_status status = { 0 };
	ProtobufCMessage *reply = NULL;
	struct timespec t0, t1;

	(void)state;
	request.username = "alice";
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cli_rpc_call(&endpoint, method_lookup(METHOD_GET_CONTAINER),
	    &request.base, &reply, &status), GRPC_STATUS_UNAVAILABLE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);         /* fails fast */
	assert_null(reply);
	assert_non_null(status.message);
	assert_null(strchr(status.message, '\n'));
	cli_rpc_status_clear(&status);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_wrong_request_type),
		cmocka_unit_test(test_no_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
