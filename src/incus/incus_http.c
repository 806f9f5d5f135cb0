/*
 * incus_http.c - one bounded HTTP exchange over Incus's Unix socket; see
 * incus_http.h.
 *
 * Why libcurl's easy interface: one client per thread, one request at a
 * time, and the connection kept alive between requests. curl_easy_reset()
 * clears every option between exchanges but keeps that connection.
 */
#include "incus_http.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* State shared with libcurl's callbacks during one exchange. */
struct incus_http_transfer {
	const struct incus_http_request *req;
	struct incus_http_response *res;
	size_t body_cap;
	bool overflow;        /* body over response_max */
	bool header_error;    /* a kept header over bounds */
	bool connected;       /* the request is about to be sent */
};

static void incus_http_headers_clear(struct incus_http_response *res)
{
	for (size_t i = 0; i < res->header_count; i++) {
		free(res->headers[i].name);
		free(res->headers[i].value);
	}
	free(res->headers);
	res->headers = NULL;
	res->header_count = 0;
}

void incus_http_response_free(struct incus_http_response *response)
{
	if (!response)
		return;
	incus_http_headers_clear(response);
	free(response->body);
	response->body = NULL;
	response->body_size = 0;
}

const char *incus_http_response_header(const struct incus_http_response *r,
    const char *name)
{
	for (size_t i = 0; i < r->header_count; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* Grows the body buffer to hold n more bytes and a NUL. */
static bool incus_http_body_reserve(struct incus_http_transfer *t, size_t n)
{
	size_t need = t->res->body_size + n + 1, cap;
	char *body;

	if (need <= t->body_cap)
		return true;
	cap = t->body_cap ? t->body_cap : 4096;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	body = realloc(t->res->body, cap);
	if (!body)
		return false;
	t->res->body = body;
	t->body_cap = cap;
	return true;
}

/*
 * libcurl write callback: appends up to response_max bytes in all. Past
 * that it keeps what fits, marks the overflow and stops the transfer.
 */
static size_t incus_http_on_body(char *data, size_t size, size_t nmemb,
    void *userdata)
{
	struct incus_http_transfer *t = userdata;
	size_t n = size * nmemb, room, take;

	room = t->req->response_max - t->res->body_size;
	take = n < room ? n : room;
	if (!incus_http_body_reserve(t, take))
		return 0;
	memcpy(t->res->body + t->res->body_size, data, take);
	t->res->body_size += take;
	t->res->body[t->res->body_size] = '\0';
	if (take < n) {
		t->overflow = true;
		return 0;
	}
	return n;
}

static bool incus_http_is_kept_header(const char *line, size_t len)
{
	return (len > 8 && strncasecmp(line, "X-Incus-", 8) == 0) ||
	    (len > 6 && strncasecmp(line, "X-LXD-", 6) == 0);
}

/* Trims spaces and CR/LF at both ends of [*start, *start + *len). */
static void incus_http_trim(const char **start, size_t *len)
{
	while (*len > 0 && ((*start)[0] == ' ' || (*start)[0] == '\t')) {
		(*start)++;
		(*len)--;
	}
	while (*len > 0 && strchr(" \t\r\n", (*start)[*len - 1]))
		(*len)--;
}

/* Stores "Name: value" (already known to be a kept header). */
static int incus_http_keep_header(struct incus_http_response *res,
    const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len), *value;
	struct incus_http_header *headers, *h;
	size_t name_len, value_len;

	if (!colon || res->header_count >= INCUS_HTTP_HEADERS_MAX)
		return -EPROTO;
	name_len = (size_t)(colon - line);
	value = colon + 1;
	value_len = len - name_len - 1;
	incus_http_trim(&value, &value_len);
	if (name_len > INCUS_HTTP_HEADER_VALUE_MAX ||
	    value_len > INCUS_HTTP_HEADER_VALUE_MAX ||
	    memchr(value, '\0', value_len))
		return -EPROTO;
	headers = realloc(res->headers, (res->header_count + 1) * sizeof(*h));
	if (!headers)
		return -ENOMEM;
	res->headers = headers;
	h = &headers[res->header_count];
	h->name = strndup(line, name_len);
	h->value = strndup(value, value_len);
	if (!h->name || !h->value) {
		free(h->name);
		free(h->value);
		return -ENOMEM;
	}
	res->header_count++;
	return 0;
}

/*
 * libcurl header callback, one line at a time. A status line starts a new
 * response (after "100 Continue" or a redirect): headers kept so far are
 * dropped. Only X-Incus-* / X-LXD-* headers are kept, within bounds.
 */
static size_t incus_http_on_header(char *line, size_t size, size_t nmemb,
    void *userdata)
{
	struct incus_http_transfer *t = userdata;
	size_t n = size * nmemb;

	if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		incus_http_headers_clear(t->res);
		return n;
	}
	if (!incus_http_is_kept_header(line, n))
		return n;
	if (incus_http_keep_header(t->res, line, n) < 0) {
		t->header_error = true;
		return 0;
	}
	return n;
}

/* libcurl pre-request callback: the connection is up. */
static int incus_http_on_connected(void *userdata, char *conn_primary_ip,
    char *conn_local_ip, int conn_primary_port, int conn_local_port)
{
	struct incus_http_transfer *t = userdata;

	(void)conn_primary_ip;
	(void)conn_local_ip;
	(void)conn_primary_port;
	(void)conn_local_port;
	t->connected = true;
	return CURL_PREREQFUNC_OK;
}

/*
 * libcurl open-socket callback: the connection to Incus is made
 * close-on-exec atomically. libcurl's own socket() does not set it, and the
 * master forks workers: a worker must never inherit a connection to the
 * root-equivalent Incus API.
 */
static curl_socket_t incus_http_open_socket(void *userdata,
    curlsocktype purpose, struct curl_sockaddr *address)
{
	(void)userdata;
	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	return socket(address->family, address->socktype | SOCK_CLOEXEC,
	    address->protocol);
}

/* Builds the request header list. Returns 0 or -ENOMEM. */
static int incus_http_header_list(const struct incus_http_request *req,
    struct curl_slist **ret)
{
	struct curl_slist *list = NULL, *next;
	char content_type[128];

	/* No "Expect: 100-continue" round trip for large bodies. */
	list = curl_slist_append(list, "Expect:");
	if (list && req->content_type) {
		if ((size_t)snprintf(content_type, sizeof(content_type),
		    "Content-Type: %s", req->content_type) >= sizeof(content_type))
			goto fail;
		next = curl_slist_append(list, content_type);
		if (!next)
			goto fail;
		list = next;
	}
	for (size_t i = 0; list && req->headers && req->headers[i]; i++) {
		next = curl_slist_append(list, req->headers[i]);
		if (!next)
			goto fail;
		list = next;
	}
	if (!list)
		return -ENOMEM;
	*ret = list;
	return 0;
fail:
	curl_slist_free_all(list);
	return -ENOMEM;
}

/* Sets the method and body options. */
static CURLcode incus_http_set_method(CURL *curl,
    const struct incus_http_request *req)
{
	CURLcode rc = CURLE_OK;

	if (strcmp(req->method, "GET") == 0)
		return curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	if (strcmp(req->method, "POST") != 0)
		rc = curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	if (rc == CURLE_OK && req->content_type) {
		rc = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->body_size);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
			    req->body ? req->body : "");
	} else if (rc == CURLE_OK && strcmp(req->method, "POST") == 0) {
		rc = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)0);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
	}
	return rc;
}

/* Sets transport options: socket, URL, no proxy, HTTP only, timeouts. */
static CURLcode incus_http_set_transport(CURL *curl,
    const struct incus_http_request *req, const char *full_url)
{
	CURLcode rc;

	rc = curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, req->socket_path);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_URL, full_url);
	/* http_proxy in the environment must not divert the socket. */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_PROXY, "");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION,
		    incus_http_open_socket);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
		    req->connect_timeout_ms);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	return rc;
}

/* Sets the callbacks that fill t. */
static CURLcode incus_http_set_callbacks(CURL *curl,
    struct incus_http_transfer *t)
{
	CURLcode rc;

	rc = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, incus_http_on_body);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_WRITEDATA, t);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION,
		    incus_http_on_header);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_HEADERDATA, t);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION,
		    incus_http_on_connected);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_PREREQDATA, t);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, t->res->error);
	return rc;
}

/* What a failed curl_easy_perform() means (see incus_http.h). */
static int incus_http_error(CURLcode rc, const struct incus_http_transfer *t)
{
	switch (rc) {
	case CURLE_WRITE_ERROR:
		if (t->header_error)
			return -EPROTO;
		return t->overflow ? -EMSGSIZE : -ENOMEM;
	case CURLE_OPERATION_TIMEDOUT:
		return t->connected ? -ETIMEDOUT : -EHOSTDOWN;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return -EHOSTDOWN;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP2:
	case CURLE_HTTP3:
		return -EPROTO;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_URL_MALFORMAT:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static bool incus_http_request_valid(const struct incus_http_request *req)
{
	return req->socket_path && req->method && req->url &&
	    req->url[0] == '/' && req->timeout_ms > 0 &&
	    req->connect_timeout_ms > 0 && req->response_max > 0 &&
	    (req->body || req->body_size == 0);
}

/* Configures curl for req and performs it; returns the CURLcode. */
static CURLcode incus_http_run(CURL *curl, const struct incus_http_request *req,
    struct incus_http_transfer *t, struct curl_slist *headers,
    const char *full_url)
{
	CURLcode rc;

	curl_easy_reset(curl);
	rc = incus_http_set_transport(curl, req, full_url);
	if (rc == CURLE_OK)
		rc = incus_http_set_method(curl, req);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	if (rc == CURLE_OK)
		rc = incus_http_set_callbacks(curl, t);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(curl);
	/* Known even when a callback stopped the transfer (overflow). */
	if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE,
	    &t->res->status) != CURLE_OK)
		t->res->status = 0;
	/* Nothing may point at our stack or buffers after we return. */
	curl_easy_reset(curl);
	return rc;
}

/* Builds "http://incus" + url. */
static int incus_http_full_url(const char *url, char **ret)
{
	static const char base[] = "http://incus";
	size_t n = strlen(url);
	char *full;

	full = malloc(sizeof(base) + n);
	if (!full)
		return -ENOMEM;
	memcpy(full, base, sizeof(base) - 1);
	memcpy(full + sizeof(base) - 1, url, n + 1);
	*ret = full;
	return 0;
}

int incus_http_perform(CURL *curl, const struct incus_http_request *req,
    struct incus_http_response *ret)
{
	struct incus_http_response res = { 0 };
	struct incus_http_transfer t = { .req = req, .res = &res };
	struct curl_slist *headers = NULL;
	char *full_url = NULL;
	CURLcode rc;
	int r;

	if (!curl || !incus_http_request_valid(req))
		return -EINVAL;
	r = incus_http_header_list(req, &headers);
	if (r >= 0)
		r = incus_http_full_url(req->url, &full_url);
	if (r < 0)
		goto out;
	rc = incus_http_run(curl, req, &t, headers, full_url);
	if (rc == CURLE_WRITE_ERROR && t.overflow && req->truncate_ok &&
	    res.status > 0) {
		res.truncated = true;
		rc = CURLE_OK;
	}
	if (rc == CURLE_OK && res.status <= 0)
		rc = CURLE_WEIRD_SERVER_REPLY;
	if (rc != CURLE_OK) {
		r = incus_http_error(rc, &t);
		if (res.error[0] == '\0')
			snprintf(res.error, sizeof(res.error), "%s",
			    curl_easy_strerror(rc));
	} else if (!res.body) {
		r = incus_http_body_reserve(&t, 0) ? 0 : -ENOMEM;
		if (r >= 0)
			res.body[0] = '\0';
	}
out:
	curl_slist_free_all(headers);
	free(full_url);
	if (r < 0) {
		memcpy(ret->error, res.error, sizeof(ret->error));
		incus_http_response_free(&res);
		return r;
	}
	*ret = res;
	return 0;
}
