/*
 * test_authz.c - who may make which call (master/authz, auth_context,
 * throttle): roles, transports, the admin socket's kernel credentials.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "master/auth_context.h"
#include "master/authz.h"
#include "master/throttle.h"

static char dir[] = "/tmp/test_authz.XXXXXX";
static char token_alice[1024], token_viewer[1024], token_boss[1024];

/* A heap copy of msg, as dispatch makes it (every field separately owned). */
static ProtobufCMessage *copy_message(const ProtobufCMessage *msg)
{
	uint8_t buf[4096];
	size_t len = protobuf_c_message_pack(msg, buf);

	return protobuf_c_message_unpack(msg->descriptor, NULL, len, buf);
}

static struct job *make_job(enum method id, const ProtobufCMessage *req,
    int transport, const char *token)
{
	Containarium__Ipc__Caller caller = CONTAINARIUM__IPC__CALLER__INIT;
	struct job *job = calloc(1, sizeof(*job));

	caller.transport = transport;
	caller.peer = "ipv4:127.0.0.1:1";
	caller.bearer_token = (char *)(token ? token : "");
	job->method = method_lookup(id);
	job->request = copy_message(req);
	job->caller = (Containarium__Ipc__Caller *)copy_message(&caller.base);
	return job;
}

/* Runs authz on a fresh job; returns the status it leaves (OK = admitted). */
static int admit(enum method id, const ProtobufCMessage *req, int transport, const char *token)
{
	struct job *job = make_job(id, req, transport, token);
	int status = authz_admit(job) ? GRPC_STATUS_OK : job->status;

	job_free(job);
	return status;
}

#define TCP CONTAINARIUM__IPC__CALLER__TRANSPORT__TCP
#define ADMIN CONTAINARIUM__IPC__CALLER__TRANSPORT__ADMIN

static void issue(const char *user, char *out)
{
	const struct auth_context *a = auth_context_get();
	char *t;
	int64_t exp;

	assert_int_equal(auth_token_issue(&a->secret, a->issuer, user, 600, time(NULL), &t, &exp), 0);
	snprintf(out, 1024, "%s", t);
	free(t);
}

static int setup_context(int method, int tls_mode)
{
	struct config *c;
	char path[256];
	int r;

	if (config_defaults(&c) < 0)
		return -1;
	c->auth_method = method;
	c->tls_mode = tls_mode;
	free(c->auth_secret_file);
	snprintf(path, sizeof(path), "%s/secret", dir);
	c->auth_secret_file = strdup(path);
	free(c->auth_users_file);
	snprintf(path, sizeof(path), "%s/users", dir);
	c->auth_users_file = strdup(path);
	free(c->admin_group);
	c->admin_group = strdup("adm");
	free(c->worker_user);
	c->worker_user = strdup("nobody");
	r = auth_context_setup(c, -1, -1, false);
	config_free(c);
	return r;
}

static void test_tokens_and_roles(void **state)
{
	Containarium__V1__ListContainersRequest list = CONTAINARIUM__V1__LIST_CONTAINERS_REQUEST__INIT;
	Containarium__V1__GetContainerRequest get = CONTAINARIUM__V1__GET_CONTAINER_REQUEST__INIT;
	Containarium__V1__CreateContainerRequest create = CONTAINARIUM__V1__CREATE_CONTAINER_REQUEST__INIT;
	Containarium__V1__GetSystemInfoRequest info = CONTAINARIUM__V1__GET_SYSTEM_INFO_REQUEST__INIT;
	Containarium__V1__ListUsersRequest users = CONTAINARIUM__V1__LIST_USERS_REQUEST__INIT;
	Containarium__V1__LoginRequest login = CONTAINARIUM__V1__LOGIN_REQUEST__INIT;

	(void)state;
	assert_int_equal(admit(METHOD_LIST_CONTAINERS, &list.base, TCP, NULL), GRPC_STATUS_UNAUTHENTICATED);
	assert_int_equal(admit(METHOD_LIST_CONTAINERS, &list.base, TCP, "x.y.z"), GRPC_STATUS_UNAUTHENTICATED);
	/* Login needs no token. */
	login.username = "alice";
	login.password = "pw";
	assert_int_equal(admit(METHOD_LOGIN, &login.base, TCP, NULL), GRPC_STATUS_OK);

	/* admin */
	get.username = "carol";
	assert_int_equal(admit(METHOD_GET_CONTAINER, &get.base, TCP, token_boss), GRPC_STATUS_OK);
	assert_int_equal(admit(METHOD_GET_SYSTEM_INFO, &info.base, TCP, token_boss), GRPC_STATUS_OK);
	/* ...but never user management over TCP. */
	assert_int_equal(admit(METHOD_LIST_USERS, &users.base, TCP, token_boss),
	    GRPC_STATUS_PERMISSION_DENIED);

	/* user: their own container only. */
	assert_int_equal(admit(METHOD_GET_CONTAINER, &get.base, TCP, token_alice),
	    GRPC_STATUS_PERMISSION_DENIED);
	get.username = "alice";
	assert_int_equal(admit(METHOD_GET_CONTAINER, &get.base, TCP, token_alice), GRPC_STATUS_OK);
	create.username = "alice";
	assert_int_equal(admit(METHOD_CREATE_CONTAINER, &create.base, TCP, token_alice), GRPC_STATUS_OK);
	create.username = "carol";
	assert_int_equal(admit(METHOD_CREATE_CONTAINER, &create.base, TCP, token_alice),
	    GRPC_STATUS_PERMISSION_DENIED);
	assert_int_equal(admit(METHOD_GET_SYSTEM_INFO, &info.base, TCP, token_alice),
	    GRPC_STATUS_PERMISSION_DENIED);
	list.username = "carol";
	assert_int_equal(admit(METHOD_LIST_CONTAINERS, &list.base, TCP, token_alice),
	    GRPC_STATUS_PERMISSION_DENIED);

	/* viewer: reads only. */
	assert_int_equal(admit(METHOD_LIST_CONTAINERS, &list.base, TCP, token_viewer), GRPC_STATUS_OK);
	create.username = "viewer1";
	assert_int_equal(admit(METHOD_CREATE_CONTAINER, &create.base, TCP, token_viewer),
	    GRPC_STATUS_PERMISSION_DENIED);
}

static void test_user_list_is_narrowed(void **state)
{
	Containarium__V1__ListContainersRequest list = CONTAINARIUM__V1__LIST_CONTAINERS_REQUEST__INIT;
	struct job *job = make_job(METHOD_LIST_CONTAINERS, &list.base, TCP, token_alice);

	(void)state;
	assert_true(authz_admit(job));
	assert_string_equal(((Containarium__V1__ListContainersRequest *)job->request)->username,
	    "alice");
	assert_string_equal(job->identity, "alice");
	job_free(job);
}

static void test_removed_user_token_stops_working(void **state)
{
	Containarium__V1__ListContainersRequest list = CONTAINARIUM__V1__LIST_CONTAINERS_REQUEST__INIT;
	char token[1024];

	(void)state;
	assert_int_equal(users_add(auth_context_get()->users, "gone", USERS_ROLE_ADMIN, "pw",
	    false, NULL), 0);
	issue("gone", token);
	assert_int_equal(admit(METHOD_LIST_CONTAINERS, &list.base, TCP, token), GRPC_STATUS_OK);
	assert_int_equal(users_remove(auth_context_get()->users, "gone"), 0);
	assert_int_equal(admit(METHOD_LIST_CONTAINERS, &list.base, TCP, token),
	    GRPC_STATUS_UNAUTHENTICATED);
}

/* Admin socket: only what dispatch verified from the kernel counts. */
static void test_admin_socket_needs_kernel_credentials(void **state)
{
	Containarium__V1__ListUsersRequest users = CONTAINARIUM__V1__LIST_USERS_REQUEST__INIT;
	struct job *job;

	(void)state;
	/* The worker's claim alone (uid 0 in Caller) is nothing. */
	job = make_job(METHOD_LIST_USERS, &users.base, ADMIN, NULL);
	job->caller->uid = 0;
	assert_false(authz_admit(job));
	assert_int_equal(job->status, GRPC_STATUS_UNAUTHENTICATED);
	job_free(job);

	job = make_job(METHOD_LIST_USERS, &users.base, ADMIN, NULL);
	job->peer_verified = true;
	job->peer_uid = 0;
	assert_true(authz_admit(job));
	assert_string_equal(job->identity, "uid=0");
	job_free(job);

	job = make_job(METHOD_LIST_USERS, &users.base, ADMIN, NULL);
	job->peer_verified = true;
	job->peer_uid = 1000;
	assert_false(authz_admit(job));
	assert_int_equal(job->status, GRPC_STATUS_PERMISSION_DENIED);
	job->peer_in_admin_group = true;
	assert_true(authz_admit(job));
	/* The worker user is never an admin, whatever its groups. */
	job->peer_uid = 65534;
	assert_false(authz_admit(job));
	assert_int_equal(job->status, GRPC_STATUS_PERMISSION_DENIED);
	job_free(job);
}

static void test_certificate_identity_only_with_mtls(void **state)
{
	Containarium__V1__ListContainersRequest list = CONTAINARIUM__V1__LIST_CONTAINERS_REQUEST__INIT;
	struct job *job;

	(void)state;
	job = make_job(METHOD_LIST_CONTAINERS, &list.base, TCP, NULL);
	job->caller->tls_identity = strdup("boss");
	assert_false(authz_admit(job));
	assert_int_equal(job->status, GRPC_STATUS_UNAUTHENTICATED);
	job_free(job);

	auth_context_done();
	assert_int_equal(setup_context(CONFIG_AUTH_TOKEN, CONFIG_TLS_MUTUAL), 0);
	job = make_job(METHOD_LIST_CONTAINERS, &list.base, TCP, NULL);
	job->caller->tls_identity = strdup("boss");
	assert_true(authz_admit(job));
	assert_string_equal(job->identity, "boss");
	job_free(job);
	job = make_job(METHOD_LIST_CONTAINERS, &list.base, TCP, NULL);
	job->caller->tls_identity = strdup("stranger");
	assert_false(authz_admit(job));
	assert_int_equal(job->status, GRPC_STATUS_UNAUTHENTICATED);
	job_free(job);

	/* method = none: every TCP caller is an admin (loopback only, config.c). */
	auth_context_done();
	assert_int_equal(setup_context(CONFIG_AUTH_NONE, CONFIG_TLS_OFF), 0);
	assert_int_equal(admit(METHOD_LIST_CONTAINERS, &list.base, TCP, NULL), GRPC_STATUS_OK);
	auth_context_done();
	assert_int_equal(setup_context(CONFIG_AUTH_TOKEN, CONFIG_TLS_OFF), 0);
}

/* A TCP listener bound to addr (port chosen by the kernel). */
static int listener(const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}

/* method = none needs a loopback listener, whoever bound it (systemd may
 * pass one whatever [server] listen says). */
static void test_method_none_needs_a_loopback_listener(void **state)
{
	struct config *c;
	int any = listener("0.0.0.0"), local = listener("127.0.0.1");

	(void)state;
	auth_context_done();
	assert_int_equal(config_defaults(&c), 0);
	c->auth_method = CONFIG_AUTH_NONE;
	assert_int_equal(auth_context_setup(c, any, -1, false), -EPERM);
	assert_null(auth_context_get());
	assert_int_equal(auth_context_setup(c, local, -1, false), 0);
	auth_context_done();
	config_free(c);
	close(any);
	close(local);
	assert_int_equal(setup_context(CONFIG_AUTH_TOKEN, CONFIG_TLS_OFF), 0);
}

static void test_throttle_locks_and_expires(void **state)
{
	struct throttle *t = throttle_new(3, 10);
	bool locked;

	(void)state;
	assert_int_equal(throttle_locked(t, "user a", 100), 0);
	assert_int_equal(throttle_fail(t, "user a", 100, &locked), THROTTLE_DELAY_STEP_MS);
	assert_false(locked);
	assert_int_equal(throttle_fail(t, "user a", 101, &locked), 2 * THROTTLE_DELAY_STEP_MS);
	assert_false(locked);
	throttle_fail(t, "user a", 102, &locked);
	assert_true(locked);
	assert_int_equal(throttle_locked(t, "user a", 103), 9);
	assert_int_equal(throttle_locked(t, "user b", 103), 0);
	assert_int_equal(throttle_locked(t, "user a", 112), 0);
	/* A success forgets the failures. */
	throttle_fail(t, "user b", 200, &locked);
	throttle_fail(t, "user b", 200, &locked);
	throttle_clear(t, "user b");
	throttle_fail(t, "user b", 200, &locked);
	assert_false(locked);
	/* The table is bounded: many keys never grow it, old ones are forgotten. */
	for (int i = 0; i < THROTTLE_ENTRIES * 2; i++) {
		char key[32];

		snprintf(key, sizeof(key), "peer %d", i);
		throttle_fail(t, key, 300 + i / 100, &locked);
	}
	throttle_free(t);
}

static int setup(void **state)
{
	struct users *u;

	(void)state;
	if (!mkdtemp(dir) || setup_context(CONFIG_AUTH_TOKEN, CONFIG_TLS_OFF) < 0)
		return -1;
	u = auth_context_get()->users;
	if (users_add(u, "alice", USERS_ROLE_USER, "pw", false, NULL) < 0 ||
	    users_add(u, "viewer1", USERS_ROLE_VIEWER, "pw", false, NULL) < 0 ||
	    users_add(u, "boss", USERS_ROLE_ADMIN, "pw", false, NULL) < 0)
		return -1;
	issue("alice", token_alice);
	issue("viewer1", token_viewer);
	issue("boss", token_boss);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	auth_context_done();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_and_roles),
		cmocka_unit_test(test_user_list_is_narrowed),
		cmocka_unit_test(test_removed_user_token_stops_working),
		cmocka_unit_test(test_admin_socket_needs_kernel_credentials),
		cmocka_unit_test(test_certificate_identity_only_with_mtls),
		cmocka_unit_test(test_method_none_needs_a_loopback_listener),
		cmocka_unit_test(test_throttle_locks_and_expires),
	};

	log_setup(LOG_TARGET_STDERR, LOG_ERR);
	return cmocka_run_group_tests_name("authz", tests, setup, teardown);
}
