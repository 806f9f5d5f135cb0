/*
 * incus_http.h - one HTTP/1.1 exchange with Incus over its Unix socket.
 *
 * Private to src/incus. A thin, bounded layer over a libcurl easy handle:
 * no knowledge of JSON or of Incus semantics, only of what a failed
 * exchange means (Incus unreachable, too slow, or not speaking HTTP).
 */
#ifndef CONTAINARIUM_INCUS_HTTP_H
#define CONTAINARIUM_INCUS_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#define INCUS_HTTP_HEADERS_MAX 32u       /* X-Incus-* / X-LXD-* kept */
#define INCUS_HTTP_HEADER_VALUE_MAX 256u
#define INCUS_HTTP_ERROR_MAX CURL_ERROR_SIZE

struct incus_http_request {
	const char *socket_path;
	const char *method;          /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *url;             /* path and query: "/1.0?project=p" */
	const char *content_type;    /* NULL: no body is sent */
	const void *body;
	size_t body_size;
	const char *const *headers;  /* extra "Name: value", NULL-terminated */
	size_t response_max;         /* body bytes accepted */
	bool truncate_ok;            /* over response_max: keep, set truncated */
	long connect_timeout_ms;
	long timeout_ms;             /* the whole exchange, > 0 */
};

/* A response header kept because its name starts X-Incus- or X-LXD-. */
struct incus_http_header {
	char *name;
	char *value;
};

struct incus_http_response {
	long status;                 /* HTTP status */
	char *body;                  /* NUL-terminated; never NULL on success */
	size_t body_size;
	bool truncated;
	struct incus_http_header *headers;
	size_t header_count;
	char error[INCUS_HTTP_ERROR_MAX]; /* libcurl's text on failure */
};

/*
 * Performs req on curl (reset first; a kept-alive connection is reused).
 * Returns 0 when a complete HTTP response arrived, whatever its status,
 * with *ret filled (release with incus_http_response_free()). Otherwise
 * *ret holds only error and the return is:
 *   -EHOSTDOWN  cannot connect (no socket, refused, connect timeout) or the
 *               connection broke before the response was complete
 *   -ETIMEDOUT  connected, but the exchange outlived timeout_ms
 *   -EMSGSIZE   the body exceeded response_max (and !truncate_ok)
 *   -EPROTO     the peer does not speak HTTP, or sent headers over bounds
 *   -ENOMEM, -EINVAL (bad request fields), -EIO (other libcurl failure)
 */
int incus_http_perform(CURL *curl, const struct incus_http_request *req,
    struct incus_http_response *ret);

/* The value of header name (case-insensitive), or NULL. */
const char *incus_http_response_header(const struct incus_http_response *r,
    const char *name);

void incus_http_response_free(struct incus_http_response *response);

#endif
