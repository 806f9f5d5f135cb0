/*
 * incus_file.c - the file API of an instance: push a file or a directory,
 * read a file, a directory listing or a symlink, delete; see incus.h.
 *
 * Ownership and mode travel in headers named after the server: X-Incus-uid
 * on Incus, X-LXD-uid on LXD (the prefix comes from GET /1.0, asked once
 * per client). The content is sent as application/octet-stream: LXD 5.0
 * reads a body sent as a form (curl's default content type for POST data)
 * as form fields and writes an EMPTY file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incus_client_internal.h"
#include "incus_decode.h"
#include "incus_operation.h"
#include "incus_url.h"

#define FILE_PATH_MAX 4096u
#define HEADER_MAX 64u

/* The header prefix of the server, asking it under the current deadline. */
static int incus_file_prefix(struct incus_client *c, const char **ret)
{
	enum incus_server_kind kind;
	int r;

	r = incus_client_kind(c, &kind);
	if (r < 0)
		return r;
	*ret = kind == INCUS_SERVER_INCUS ? "X-Incus-" : "X-LXD-";
	return 0;
}

/* Checks an instance path: absolute, at most FILE_PATH_MAX bytes. */
static int incus_file_check_path(struct incus_client *c, const char *path)
{
	if (!path || path[0] != '/' || strlen(path) > FILE_PATH_MAX)
		return incus_client_fail(c, -EINVAL, "invalid path in instance");
	return 0;
}

/* Builds "/1.0/instances/<name>/files?path=<path>". */
static int incus_file_url(struct incus_client *c, const char *name,
    const char *path, char **ret)
{
	struct incus_url url = { 0 };
	int r;

	incus_url_append(&url, "/1.0/instances/");
	incus_url_append_escaped(&url, name);
	incus_url_append(&url, "/files");
	incus_url_add_query(&url, "path", path);
	r = incus_url_finish(&url, ret);
	return r < 0 ? incus_client_fail(c, r, "cannot build URL") : 0;
}

/* Checks a caller's name, path and URL them; *ret is the request path. */
static int incus_file_target(struct incus_client *c, const char *name,
    const char *path, char **ret)
{
	int r;

	r = incus_client_check_name(c, name);
	if (r >= 0)
		r = incus_file_check_path(c, path);
	if (r >= 0)
		r = incus_file_url(c, name, path, ret);
	return r;
}

static int incus_file_check_spec(struct incus_client *c,
    const struct incus_file_spec *spec)
{
	if (!spec)
		return incus_client_fail(c, -EINVAL, "no file spec");
	if (spec->type != INCUS_FILE_REGULAR &&
	    spec->type != INCUS_FILE_DIRECTORY)
		return incus_client_fail(c, -EINVAL, "cannot push this file type");
	if (spec->mode > 07777 || (spec->size && !spec->data) ||
	    (spec->type == INCUS_FILE_DIRECTORY && spec->size))
		return incus_client_fail(c, -EINVAL, "invalid file spec");
	return 0;
}

/* The ownership/mode/type headers, written into lines (5 x HEADER_MAX). */
static void incus_file_headers(const char *prefix,
    const struct incus_file_spec *spec, char lines[][HEADER_MAX],
    const char *ret[6])
{
	bool regular = spec->type == INCUS_FILE_REGULAR;
	size_t n = 0;

	snprintf(lines[0], HEADER_MAX, "%suid: %u", prefix, spec->uid);
	snprintf(lines[1], HEADER_MAX, "%sgid: %u", prefix, spec->gid);
	snprintf(lines[2], HEADER_MAX, "%smode: %04o", prefix, spec->mode);
	snprintf(lines[3], HEADER_MAX, "%stype: %s", prefix,
	    regular ? "file" : "directory");
	snprintf(lines[4], HEADER_MAX, "%swrite: overwrite", prefix);
	for (; n < (regular ? 5u : 4u); n++)
		ret[n] = lines[n];
	ret[n] = NULL;
}

int incus_file_push(struct incus_client *c, const char *name,
    const struct incus_file_spec *spec)
{
	char lines[5][HEADER_MAX], *path = NULL;
	struct incus_call call = { .method = "POST" };
	const char *headers[6], *prefix;
	int r;

	incus_client_begin(c);
	r = incus_file_check_spec(c, spec);
	if (r >= 0)
		r = incus_file_target(c, name, spec->path, &path);
	if (r >= 0)
		r = incus_file_prefix(c, &prefix);
	if (r < 0)
		goto out;
	incus_file_headers(prefix, spec, lines, headers);
	call.path = path;
	call.content_type = "application/octet-stream";
	call.body = spec->data;
	call.body_size = spec->size;
	call.headers = headers;
	r = incus_operation_run(c, &call);
out:
	free(path);
	return r;
}

/* Reads type, uid, gid and mode from the file headers into *file. */
static int incus_file_decode_headers(const struct incus_http_response *http,
    const char *prefix, struct incus_file *file)
{
	static const char *const names[] = { "type", "uid", "gid", "mode" };
	const char *values[4];
	char header[HEADER_MAX];
	int r;

	for (size_t i = 0; i < 4; i++) {
		snprintf(header, sizeof(header), "%s%s", prefix, names[i]);
		values[i] = incus_http_response_header(http, header);
	}
	r = incus_decode_file_type(values[0], &file->type);
	if (r >= 0 && values[1])
		r = incus_decode_file_id(values[1], &file->uid);
	if (r >= 0 && values[2])
		r = incus_decode_file_id(values[2], &file->gid);
	if (r >= 0 && values[3])
		r = incus_decode_file_mode(values[3], &file->mode);
	return r;
}

/* A directory's body: a JSON response whose metadata lists the names. */
static int incus_file_decode_directory(const struct incus_http_response *http,
    struct incus_file *file)
{
	struct incus_response response;
	int r;

	r = incus_decode_response(http->body, http->body_size, &response);
	if (r < 0)
		return r;
	r = incus_decode_directory(response.metadata, &file->entries,
	    &file->entry_count);
	incus_decode_response_free(&response);
	return r;
}

/* Turns a 2xx file response into *file (taking the body when content). */
static int incus_file_decode(struct incus_client *c,
    struct incus_http_response *http, const char *prefix,
    struct incus_file *file)
{
	int r;

	r = incus_file_decode_headers(http, prefix, file);
	if (r < 0)
		return incus_client_fail(c, r, "malformed file headers");
	if (file->type == INCUS_FILE_DIRECTORY) {
		r = incus_file_decode_directory(http, file);
		return r < 0 ? incus_client_fail(c, r, "malformed listing") : 0;
	}
	file->data = http->body;
	file->size = http->body_size;
	http->body = NULL;
	return 0;
}

int incus_file_get(struct incus_client *c, const char *name, const char *path,
    size_t max_size, struct incus_file *ret)
{
	struct incus_call call = { .method = "GET", .truncate_ok = true };
	struct incus_http_response http;
	struct incus_file file = { 0 };
	char *url_path = NULL;
	const char *prefix;
	int r;

	incus_client_begin(c);
	max_size = max_size ? max_size : INCUS_FILE_MAX;
	r = incus_file_target(c, name, path, &url_path);
	if (r >= 0)
		r = incus_file_prefix(c, &prefix);
	if (r < 0)
		goto out;
	call.path = url_path;
	call.response_max = max_size < SIZE_MAX ? max_size + 1 : max_size;
	r = incus_client_request_raw(c, &call, &http);
	if (r < 0)
		goto out;
	if (http.truncated || http.body_size > max_size)
		r = incus_client_fail(c, -EFBIG, "%s is larger than %zu bytes",
		    path, max_size);
	else
		r = incus_file_decode(c, &http, prefix, &file);
	incus_http_response_free(&http);
	if (r < 0)
		incus_file_free(&file);
	else
		*ret = file;
out:
	free(url_path);
	return r;
}

int incus_file_delete(struct incus_client *c, const char *name,
    const char *path)
{
	struct incus_call call = { .method = "DELETE" };
	char *url_path = NULL;
	int r;

	incus_client_begin(c);
	r = incus_file_target(c, name, path, &url_path);
	if (r < 0)
		return r;
	call.path = url_path;
	r = incus_operation_run(c, &call);
	free(url_path);
	return r;
}

void incus_file_free(struct incus_file *file)
{
	if (!file)
		return;
	free(file->data);
	for (size_t i = 0; i < file->entry_count; i++)
		free(file->entries[i]);
	free(file->entries);
	*file = (struct incus_file){ 0 };
}
