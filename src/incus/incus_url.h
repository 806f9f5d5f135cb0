/*
 * incus_url.h - building request URLs (path and query) for Incus.
 *
 * Private to src/incus. Names, paths and values given by callers are
 * percent-encoded (everything but RFC 3986 unreserved characters), so an
 * instance name or a file path can never add a path segment or a query
 * parameter. Errors are sticky: the first failure is what
 * incus_url_finish() returns, and later appends do nothing.
 */
#ifndef CONTAINARIUM_INCUS_URL_H
#define CONTAINARIUM_INCUS_URL_H

#include <stdbool.h>
#include <stddef.h>

#define INCUS_URL_MAX 16384u

struct incus_url {
	char *text;
	size_t len;
	size_t cap;
	bool has_query;
	int error;       /* 0, -ENOMEM, or -EINVAL (over INCUS_URL_MAX) */
};

/* Appends literal text as is ("/1.0/instances/"); a '?' starts the query. */
void incus_url_append(struct incus_url *url, const char *literal);

/* Appends s percent-encoded (one path segment, or a query value). */
void incus_url_append_escaped(struct incus_url *url, const char *s);

/* Appends "?key=value" or "&key=value", value percent-encoded. */
void incus_url_add_query(struct incus_url *url, const char *key,
    const char *value);

/*
 * Hands the text over in *ret (malloc'ed) and resets url. Returns 0, or
 * the sticky error (url freed; *ret untouched).
 */
int incus_url_finish(struct incus_url *url, char **ret);

/*
 * Builds "/1.0/instances/<name><suffix>" with name percent-encoded and
 * suffix ("", "/state", "/files?...") appended as is.
 */
int incus_url_instance(const char *name, const char *suffix, char **ret);

/* Frees an unfinished url. Accepts a zeroed one. */
void incus_url_done(struct incus_url *url);

#endif
