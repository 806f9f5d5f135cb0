/*
 * incus_client.c - the client object: options, deadline, error message,
 * requests through its connection, and the server's identity (GET /1.0).
 *
 * A client belongs to one thread. Every public call starts with
 * incus_client_begin(), which fixes the deadline all of the call's
 * requests share, and clears the message of the previous call.
 */
#include "incus_client_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>

#include "incus_error.h"
#include "incus_url.h"

struct incus_client {
	CURL *curl;
	char *socket_path;
	char *project;
	unsigned timeout_sec;
	int64_t deadline_ms;          /* CLOCK_MONOTONIC */
	enum incus_server_kind kind;  /* INCUS_SERVER_UNKNOWN until asked */
	char message[INCUS_ERROR_MESSAGE_MAX];
};

static int64_t incus_client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int incus_client_global_init(void)
{
	/* jansson seeds its hash function on first use; do it before threads. */
	json_object_seed(0);
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

static bool incus_client_timeout_valid(unsigned timeout_sec)
{
	return timeout_sec <= INCUS_TIMEOUT_MAX_SEC;
}

int incus_client_new(const struct incus_client_options *options,
    struct incus_client **ret)
{
	static const struct incus_client_options defaults = { 0 };
	const char *socket_path, *project;
	struct incus_client *c;

	if (!options)
		options = &defaults;
	socket_path = options->socket_path ? options->socket_path :
	    INCUS_DEFAULT_SOCKET;
	project = options->project ? options->project : INCUS_DEFAULT_PROJECT;
	if (socket_path[0] == '\0' || project[0] == '\0' ||
	    strlen(socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path) ||
	    !incus_client_timeout_valid(options->timeout_sec))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->timeout_sec = options->timeout_sec ? options->timeout_sec :
	    INCUS_DEFAULT_TIMEOUT_SEC;
	c->socket_path = strdup(socket_path);
	c->project = strdup(project);
	c->curl = curl_easy_init();
	if (!c->socket_path || !c->project || !c->curl) {
		incus_client_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

void incus_client_free(struct incus_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->socket_path);
	free(c->project);
	free(c);
}

int incus_client_set_timeout(struct incus_client *c, unsigned timeout_sec)
{
	if (!incus_client_timeout_valid(timeout_sec))
		return -EINVAL;
	c->timeout_sec = timeout_sec ? timeout_sec : INCUS_DEFAULT_TIMEOUT_SEC;
	return 0;
}

const char *incus_client_project(const struct incus_client *c)
{
	return c->project;
}

const char *incus_client_error_message(const struct incus_client *c)
{
	return c->message;
}

void incus_client_begin(struct incus_client *c)
{
	c->message[0] = '\0';
	c->deadline_ms = incus_client_now_ms() + (int64_t)c->timeout_sec * 1000;
}

int64_t incus_client_remaining_ms(const struct incus_client *c)
{
	return c->deadline_ms - incus_client_now_ms();
}

/*
 * Copies text into the message buffer: control characters become '?', and
 * a cut never splits a UTF-8 sequence.
 */
static void incus_client_set_message(struct incus_client *c, const char *text)
{
	size_t n = 0, max = sizeof(c->message) - 1;

	for (; text[n] != '\0' && n < max; n++) {
		unsigned char ch = (unsigned char)text[n];
		c->message[n] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	/* Cut before a sequence whose continuation bytes did not fit. */
	while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
		n--;
	c->message[n] = '\0';
}

int incus_client_fail(struct incus_client *c, int err, const char *format, ...)
{
	char text[INCUS_ERROR_MESSAGE_MAX];
	va_list ap;

	if (c->message[0] != '\0')
		return err;
	va_start(ap, format);
	vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);
	incus_client_set_message(c, text);
	return err;
}

void incus_client_clear_error(struct incus_client *c)
{
	c->message[0] = '\0';
}

int incus_client_fail_incus(struct incus_client *c, int err, const char *text)
{
	if (!text || text[0] == '\0')
		return incus_client_fail(c, err, "Incus failed without a message");
	incus_client_set_message(c, text);
	return err;
}

int incus_client_check_name(struct incus_client *c, const char *name)
{
	if (!name || name[0] == '\0' || strlen(name) > INCUS_NAME_MAX)
		return incus_client_fail(c, -EINVAL, "invalid name");
	return 0;
}

/* Builds path + project=<p>. */
static int incus_client_url(const struct incus_client *c, const char *path,
    char **ret)
{
	struct incus_url url = { 0 };

	incus_url_append(&url, path);
	incus_url_add_query(&url, "project", c->project);
	return incus_url_finish(&url, ret);
}

/* Fills the transport part of an HTTP request for call. */
static int incus_client_http_request(struct incus_client *c,
    const struct incus_call *call, const char *url,
    struct incus_http_request *ret)
{
	int64_t remaining = incus_client_remaining_ms(c);
	long timeout_ms;

	if (remaining <= 0)
		return incus_client_fail(c, -ETIMEDOUT,
		    "deadline of %u s exceeded", c->timeout_sec);
	timeout_ms = call->timeout_ms > 0 && call->timeout_ms < remaining ?
	    call->timeout_ms : (long)remaining;
	*ret = (struct incus_http_request){
		.socket_path = c->socket_path,
		.method = call->method,
		.url = url,
		.content_type = call->content_type,
		.body = call->body,
		.body_size = call->body_size,
		.headers = call->headers,
		.response_max = call->response_max ? call->response_max :
		    INCUS_RESPONSE_MAX,
		.truncate_ok = call->truncate_ok,
		.connect_timeout_ms = timeout_ms < INCUS_CONNECT_TIMEOUT_MS ?
		    timeout_ms : INCUS_CONNECT_TIMEOUT_MS,
		.timeout_ms = timeout_ms,
	};
	return 0;
}

/* Records a transport failure's message and returns its errno. */
static int incus_client_transport_error(struct incus_client *c,
    const struct incus_call *call, int err, const char *detail)
{
	switch (err) {
	case -EHOSTDOWN:
		return incus_client_fail(c, err, "Incus unreachable at %s: %s",
		    c->socket_path, detail);
	case -ETIMEDOUT:
		return incus_client_fail(c, err, "%s %s: no answer in time: %s",
		    call->method, call->path, detail);
	case -EMSGSIZE:
		return incus_client_fail(c, -EPROTO,
		    "%s %s: response larger than allowed", call->method,
		    call->path);
	default:
		return incus_client_fail(c, err, "%s %s: %s", call->method,
		    call->path, detail);
	}
}

/* Performs call; *ret holds any complete HTTP response. */
static int incus_client_perform(struct incus_client *c,
    const struct incus_call *call, struct incus_http_response *ret)
{
	struct incus_http_request req;
	char *url = NULL;
	int r;

	r = incus_client_url(c, call->path, &url);
	if (r < 0)
		return incus_client_fail(c, r, "%s: cannot build URL", call->path);
	r = incus_client_http_request(c, call, url, &req);
	if (r >= 0) {
		r = incus_http_perform(c->curl, &req, ret);
		if (r < 0)
			r = incus_client_transport_error(c, call, r, ret->error);
	}
	free(url);
	return r;
}

/*
 * The errno of an HTTP error status whose body is not a JSON envelope:
 * a 4xx or a gateway status still says what happened; a 500 with garbage
 * is a malformed response.
 */
static int incus_client_status_without_body(struct incus_client *c,
    const struct incus_call *call, long status)
{
	int r = incus_error_from_status((int)status, NULL);

	if (status >= 500 && r != -EHOSTDOWN && r != -ETIMEDOUT &&
	    r != -EOPNOTSUPP)
		r = -EPROTO;
	return incus_client_fail(c, r, "%s %s: HTTP %ld with a malformed body",
	    call->method, call->path, status);
}

/* Maps an error response (HTTP >= 400, or an error envelope). */
static int incus_client_error_response(struct incus_client *c,
    const struct incus_call *call, const struct incus_http_response *http)
{
	struct incus_response response;
	int r, code;

	if (incus_decode_response(http->body, http->body_size, &response) < 0)
		return incus_client_status_without_body(c, call, http->status);
	code = response.error_code ? response.error_code : (int)http->status;
	r = incus_error_from_status(code, response.error);
	r = incus_client_fail_incus(c, r, response.error);
	incus_decode_response_free(&response);
	return r;
}

int incus_client_request(struct incus_client *c, const struct incus_call *call,
    struct incus_response *ret)
{
	struct incus_http_response http;
	struct incus_response response;
	int r;

	r = incus_client_perform(c, call, &http);
	if (r < 0)
		return r;
	if (http.status >= 400) {
		r = incus_client_error_response(c, call, &http);
	} else if (http.status < 200 || http.status >= 300 ||
	    incus_decode_response(http.body, http.body_size, &response) < 0) {
		r = incus_client_fail(c, -EPROTO, "%s %s: malformed response "
		    "(HTTP %ld)", call->method, call->path, http.status);
	} else if (response.type == INCUS_RESPONSE_ERROR) {
		incus_decode_response_free(&response);
		r = incus_client_error_response(c, call, &http);
	} else {
		*ret = response;
	}
	incus_http_response_free(&http);
	return r;
}

int incus_client_request_raw(struct incus_client *c,
    const struct incus_call *call, struct incus_http_response *ret)
{
	struct incus_http_response http;
	int r;

	r = incus_client_perform(c, call, &http);
	if (r < 0)
		return r;
	if (http.status >= 400)
		r = incus_client_error_response(c, call, &http);
	else if (http.status < 200 || http.status >= 300)
		r = incus_client_fail(c, -EPROTO, "%s %s: unexpected HTTP %ld",
		    call->method, call->path, http.status);
	if (r < 0) {
		incus_http_response_free(&http);
		return r;
	}
	*ret = http;
	return 0;
}

/* GET /1.0 under the current call's deadline. */
static int incus_client_fetch_server_info(struct incus_client *c,
    struct incus_server_info *ret)
{
	const struct incus_call call = { .method = "GET", .path = "/1.0" };
	struct incus_server_info info;
	struct incus_response response;
	int r;

	r = incus_client_request(c, &call, &response);
	if (r < 0)
		return r;
	r = incus_decode_server_info(response.metadata, &info);
	incus_decode_response_free(&response);
	if (r < 0)
		return incus_client_fail(c, r, "GET /1.0: malformed server info");
	c->kind = info.kind;
	*ret = info;
	return 0;
}

int incus_client_server_info(struct incus_client *c,
    struct incus_server_info *ret)
{
	incus_client_begin(c);
	return incus_client_fetch_server_info(c, ret);
}

int incus_client_kind(struct incus_client *c, enum incus_server_kind *ret)
{
	struct incus_server_info info;
	int r;

	if (c->kind == INCUS_SERVER_UNKNOWN) {
		r = incus_client_fetch_server_info(c, &info);
		if (r < 0)
			return r;
		incus_client_server_info_free(&info);
	}
	*ret = c->kind;
	return 0;
}

int incus_client_header_prefix(struct incus_client *c, const char **ret)
{
	enum incus_server_kind kind;
	int r;

	incus_client_begin(c);
	r = incus_client_kind(c, &kind);
	if (r < 0)
		return r;
	*ret = kind == INCUS_SERVER_INCUS ? "X-Incus-" : "X-LXD-";
	return 0;
}

void incus_client_server_info_free(struct incus_server_info *info)
{
	if (!info)
		return;
	free(info->server);
	free(info->server_version);
	free(info->server_name);
	free(info->api_version);
	free(info->kernel_version);
	free(info->os_name);
	free(info->os_version);
	free(info->storage_driver);
	*info = (struct incus_server_info){ 0 };
}
