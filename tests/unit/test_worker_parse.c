/*
 * test_worker_parse.c - the worker's pure pieces: command line, bearer
 * token, peer names and table, pending-call table.
 *
 * The worker process as a whole is exercised by
 * tests/worker/test_worker_standalone.py.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <grpc/slice.h>

#include "worker/worker_args.h"
#include "worker/worker_metadata.h"
#include "worker/worker_peer.h"
#include "worker/worker_pending.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void test_args_ok(void **state)
{
	char *argv[] = { "__worker", "--id", "3", "--max-message-bytes=65536",
		"--max-calls", "128", "--uid", "995", "--gid=996" };
	struct worker_args args;
	char err[128];

	(void)state;
	assert_int_equal(worker_args_parse(N(argv), argv, &args, err, sizeof(err)), 0);
	assert_int_equal(args.id, 3);
	assert_int_equal(args.max_message_bytes, 65536);
	assert_int_equal(args.max_calls, 128);
	assert_int_equal(args.uid, 995);
	assert_int_equal(args.gid, 996);
}

static void test_args_bad(void **state)
{
	static const struct {
		int argc;
		char *argv[8];
		const char *message;
	} cases[] = {
		{ 1, { "__worker" }, "--id: missing" },
		{ 2, { "__worker", "--id" }, "bad argument: --id" },
		{ 7, { "__worker", "--id", "1", "--max-message-bytes", "65536",
		       "--max-calls", "0" }, "--max-calls: expected a number in 1..65536" },
		{ 7, { "__worker", "--id", "1", "--max-message-bytes", "+65536",
		       "--max-calls", "4" }, "--max-message-bytes: expected a number" },
		{ 7, { "__worker", "--id", "1", "--max-message-bytes", "9999999999",
		       "--max-calls", "4" }, "--max-message-bytes: expected a number" },
		{ 5, { "__worker", "--id", "1", "--id", "2" }, "--id: given twice" },
		{ 3, { "__worker", "--verbose", "1" }, "unknown option: --verbose" },
		{ 3, { "__worker", "id", "1" }, "bad argument: id" },
		{ 3, { "__worker", "--id", "1x" }, "--id: expected a number" },
		{ 3, { "__worker", "--id", " 1" }, "--id: expected a number" },
		{ 3, { "__worker", "--id", "" }, "--id: expected a number" },
		{ 7, { "__worker", "--id", "1", "--max-message-bytes", "65536",
		       "--max-calls", "4" }, "--uid: missing" },
		{ 3, { "__worker", "--uid", "0" }, "--uid: expected a number in 1..4294967294" },
		{ 3, { "__worker", "--gid", "4294967295" }, "--gid: expected a number" },
	};
	struct worker_args args;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(worker_args_parse(cases[i].argc, cases[i].argv, &args,
		    err, sizeof(err)), -EINVAL);
		if (strncmp(err, cases[i].message, strlen(cases[i].message)) != 0)
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err,
			    cases[i].message);
	}
}

static void test_parse_number(void **state)
{
	unsigned long long v = 7;

	(void)state;
	assert_int_equal(worker_args_parse_number("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(worker_args_parse_number("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(worker_args_parse_number("11", 0, 10, &v), -ERANGE);
	assert_int_equal(worker_args_parse_number("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(worker_args_parse_number("99999999999999999999999", 0,
	    ~0ULL, &v), -ERANGE);
	assert_int_equal(v, 10);   /* untouched on failure */
}

/* Runs worker_metadata_bearer over one "key: value" pair. */
static int bearer_of(const char *key, const char *value, char **ret)
{
	grpc_metadata md[1];
	grpc_metadata_array array = { .count = 1, .capacity = 1, .metadata = md };

	memset(md, 0, sizeof(md));
	md[0].key = grpc_slice_from_static_string(key);
	md[0].value = grpc_slice_from_static_string(value);
	return worker_metadata_bearer(&array, ret);
}

static void test_bearer(void **state)
{
	static char long_value[WORKER_AUTHORIZATION_MAX + 2];
	char *token = (char *)1;

	(void)state;
	assert_int_equal(bearer_of("authorization", "Bearer abc.DEF-123_~+/=", &token), 0);
	assert_string_equal(token, "abc.DEF-123_~+/=");
	free(token);
	assert_int_equal(bearer_of("authorization", "bearer   tok", &token), 0);
	assert_string_equal(token, "tok");
	free(token);
	assert_int_equal(bearer_of("x-other", "Bearer tok", &token), 0);
	assert_null(token);
	assert_int_equal(bearer_of("authorization", "Basic dXNlcjpwdw==", &token), -EBADMSG);
	assert_int_equal(bearer_of("authorization", "Bearer", &token), -EBADMSG);
	assert_int_equal(bearer_of("authorization", "Bearer ", &token), -EBADMSG);
	assert_int_equal(bearer_of("authorization", "Bearer a b", &token), -EBADMSG);
	assert_int_equal(bearer_of("authorization", "Bearer a\x01", &token), -EBADMSG);
	assert_int_equal(bearer_of("authorization", "Bearer \xc3\xa9", &token), -EBADMSG);
	memcpy(long_value, "Bearer ", 7);
	memset(long_value + 7, 'a', sizeof(long_value) - 8);
	assert_int_equal(bearer_of("authorization", long_value, &token), -E2BIG);
	long_value[WORKER_AUTHORIZATION_MAX] = '\0';   /* exactly the limit */
	assert_int_equal(bearer_of("authorization", long_value, &token), 0);
	assert_int_equal(strlen(token), WORKER_AUTHORIZATION_MAX - 7);
	free(token);
}

static void test_bearer_twice(void **state)
{
	grpc_metadata md[2];
	grpc_metadata_array array = { .count = 2, .capacity = 2, .metadata = md };
	char *token = NULL;

	(void)state;
	memset(md, 0, sizeof(md));
	for (int i = 0; i < 2; i++) {
		md[i].key = grpc_slice_from_static_string("authorization");
		md[i].value = grpc_slice_from_static_string("Bearer tok");
	}
	assert_int_equal(worker_metadata_bearer(&array, &token), -ENOTUNIQ);
	assert_null(token);
}

static void test_peer_format(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(50051) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	struct sockaddr_un_like { sa_family_t family; } un = { AF_UNIX };
	char buf[WORKER_PEER_NAME_MAX];

	(void)state;
	inet_pton(AF_INET, "192.0.2.7", &in.sin_addr);
	assert_int_equal(worker_peer_format_inet((struct sockaddr *)&in, sizeof(in),
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ipv4:192.0.2.7:50051");
	inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
	assert_int_equal(worker_peer_format_inet((struct sockaddr *)&in6, sizeof(in6),
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ipv6:[2001:db8::1]:443");
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &in6.sin6_addr);
	assert_int_equal(worker_peer_format_inet((struct sockaddr *)&in6, sizeof(in6),
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ipv4:10.1.2.3:443");
	inet_pton(AF_INET6, "fe80::1", &in6.sin6_addr);
	in6.sin6_scope_id = 4294967295u;
	assert_int_equal(worker_peer_format_inet((struct sockaddr *)&in6, sizeof(in6),
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, "ipv6:[fe80::1%4294967295]:443");
	assert_int_equal(worker_peer_format_inet((struct sockaddr *)&un, sizeof(un),
	    buf, sizeof(buf)), -EAFNOSUPPORT);
}

static void test_peer_table(void **state)
{
	struct worker_peer admin = { .transport = WORKER_TRANSPORT_ADMIN,
		.name = "unix:uid=0", .uid = 0, .gid = 0, .pid = 42 };
	struct worker_peer tcp = { .transport = WORKER_TRANSPORT_TCP,
		.name = "ipv4:127.0.0.1:1", .uid = -1, .gid = -1, .pid = -1 };
	struct worker_peer got;

	(void)state;
	assert_int_equal(worker_peer_setup(), 0);
	assert_int_equal(worker_peer_lookup("fd:9", &got), -ENOENT);
	assert_int_equal(worker_peer_set(9, &admin), 0);
	assert_int_equal(worker_peer_lookup("fd:9", &got), 0);
	assert_string_equal(got.name, "unix:uid=0");
	assert_int_equal(got.pid, 42);
	/* A descriptor accepted again replaces the old identity. */
	assert_int_equal(worker_peer_set(9, &tcp), 0);
	assert_int_equal(worker_peer_lookup("fd:9", &got), 0);
	assert_int_equal(got.transport, WORKER_TRANSPORT_TCP);
	assert_int_equal(got.uid, -1);
	assert_int_equal(worker_peer_set(WORKER_PEER_FD_MAX, &tcp), -EBADF);
	assert_int_equal(worker_peer_set(-1, &tcp), -EBADF);
	assert_int_equal(worker_peer_lookup("ipv4:127.0.0.1:1", &got), -EINVAL);
	assert_int_equal(worker_peer_lookup("fd:", &got), -EINVAL);
	assert_int_equal(worker_peer_lookup("fd:9x", &got), -EINVAL);
	assert_int_equal(worker_peer_lookup("fd:-1", &got), -EINVAL);
	assert_int_equal(worker_peer_lookup("fd:4160", &got), -EINVAL);
}

static void test_pending(void **state)
{
	struct worker_call *a = (struct worker_call *)0x1000;
	struct worker_call *b = (struct worker_call *)0x2000;
	struct worker_call *c = (struct worker_call *)0x3000;
	uint32_t ida, idb, idc;

	(void)state;
	assert_int_equal(worker_pending_setup(2), 0);
	assert_int_equal(worker_pending_add(a, &ida), 0);
	assert_int_equal(worker_pending_add(b, &idb), 0);
	assert_int_not_equal(ida, 0);
	assert_int_not_equal(ida, idb);
	assert_int_equal(worker_pending_add(c, &idc), -EBUSY);
	assert_int_equal(worker_pending_count(), 2);
	assert_ptr_equal(worker_pending_take(ida), a);
	assert_null(worker_pending_take(ida));              /* taken once only */
	assert_false(worker_pending_remove(idb, a));        /* not a's entry */
	assert_true(worker_pending_remove(idb, b));
	assert_false(worker_pending_remove(idb, b));
	assert_null(worker_pending_take(0));
	assert_int_equal(worker_pending_add(c, &idc), 0);
	assert_true(idc != ida && idc != idb);              /* ids are fresh */
	assert_ptr_equal(worker_pending_take_any(), c);
	assert_null(worker_pending_take_any());
	assert_int_equal(worker_pending_count(), 0);
}

static void test_pending_ids_never_collide(void **state)
{
	struct worker_call *calls = (struct worker_call *)0x10000;
	uint32_t ids[64];

	(void)state;
	assert_int_equal(worker_pending_setup(64), 0);
	/* Keep a few entries alive while many others come and go. */
	for (int i = 0; i < 8; i++)
		assert_int_equal(worker_pending_add((struct worker_call *)((char *)calls + i), &ids[i]), 0);
	for (int round = 0; round < 100000; round++) {
		uint32_t id;

		assert_int_equal(worker_pending_add((struct worker_call *)((char *)calls + 100), &id), 0);
		for (int i = 0; i < 8; i++)
			assert_int_not_equal(id, ids[i]);
		assert_ptr_equal(worker_pending_take(id), (char *)calls + 100);
	}
	for (int i = 0; i < 8; i++)
		assert_ptr_equal(worker_pending_take(ids[i]), (char *)calls + i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_ok),
		cmocka_unit_test(test_args_bad),
		cmocka_unit_test(test_parse_number),
		cmocka_unit_test(test_bearer),
		cmocka_unit_test(test_bearer_twice),
		cmocka_unit_test(test_peer_format),
		cmocka_unit_test(test_peer_table),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_pending_ids_never_collide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
