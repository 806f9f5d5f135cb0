/*
 * incus_decode.h - Incus JSON (and header values) into C structs.
 *
 * These functions see everything Incus sends, so they are written to be
 * fuzzed: any input gives 0 or a negative errno (-EPROTO for anything
 * malformed, -ENOMEM), never a crash, a leak or an unbounded allocation.
 * They never perform I/O. Output arguments are written only on success.
 *
 * Used inside src/incus and by tests and fuzz targets; the master needs
 * only incus.h.
 */
#ifndef CONTAINARIUM_INCUS_DECODE_H
#define CONTAINARIUM_INCUS_DECODE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incus.h"

#define INCUS_OPERATION_SUCCESS 200
#define INCUS_OPERATION_FAILURE 400
#define INCUS_OPERATION_CANCELLED 401

enum incus_response_type {
	INCUS_RESPONSE_SYNC = 1,
	INCUS_RESPONSE_ASYNC,
	INCUS_RESPONSE_ERROR,
};

/*
 * The envelope of every JSON response:
 * {"type", "status_code", "error_code", "error", "operation", "metadata"}.
 * Strings and metadata are borrowed from root.
 */
struct incus_response {
	json_t *root;                /* owned reference */
	enum incus_response_type type;
	int status_code;             /* 200 sync, 100 async, 0 error */
	int error_code;              /* HTTP-like code of an error response */
	const char *error;           /* Incus's text; NULL or "" when none */
	const char *operation;       /* async: "/1.0/operations/<id>" */
	json_t *metadata;            /* NULL when null or absent */
};

/*
 * The metadata of an operation ({"id", "status_code", "err", "metadata",
 * ...}). Fields are borrowed from root.
 */
struct incus_operation {
	json_t *root;                /* owned reference */
	const char *id;
	const char *status;          /* "Running", "Success", "Failure", ... */
	int status_code;             /* 103 running, 200 / 400 / 401 final */
	const char *err;             /* failure text; NULL or "" when none */
	json_t *metadata;            /* NULL when null */
};

/* Parses a response body of len bytes into *ret. */
int incus_decode_response(const char *text, size_t len,
    struct incus_response *ret);
void incus_decode_response_free(struct incus_response *response);

/* Decodes an operation object (takes its own reference on object). */
int incus_decode_operation(json_t *object, struct incus_operation *ret);
void incus_decode_operation_free(struct incus_operation *operation);

/* True when status_code is final (success, failure or cancelled). */
bool incus_decode_operation_is_final(int status_code);

/*
 * Checks an operation path from Incus: "/1.0/operations/<id>" with id made
 * of [A-Za-z0-9-]. Returns 0 or -EPROTO.
 */
int incus_decode_operation_path(const char *path);

/* GET /1.0 metadata into *ret (kind set from environment.server). */
int incus_decode_server_info(json_t *metadata, struct incus_server_info *ret);

/*
 * Exec operation metadata: *ret_status = metadata.return (-1..255),
 * output paths from metadata.output {"1", "2"} (borrowed; NULL when not
 * recorded). -ENOENT when metadata has no "return" (the command never ran).
 */
int incus_decode_exec(json_t *metadata, int *ret_status,
    const char **ret_stdout_path, const char **ret_stderr_path);

/*
 * Checks that path names a log file of instance name:
 * "/1.0/instances/<name>/logs/[exec-output/]<file>", file made of
 * [A-Za-z0-9._-] and not "." or "..". Returns 0 or -EPROTO.
 */
int incus_decode_exec_output_path(const char *path, const char *name);

/* An instance object (GET /1.0/instances/<name>?recursion=1). */
int incus_decode_instance(json_t *object, struct incus_instance *ret);

/* A state object (GET .../state, or the "state" of an instance). */
int incus_decode_instance_state(json_t *object,
    struct incus_instance_state *ret);

/* An array of instance objects, at most INCUS_INSTANCES_MAX. */
int incus_decode_instance_list(json_t *array, struct incus_instance_list *ret);

/* GET /1.0/resources metadata. */
int incus_decode_host_resources(json_t *metadata,
    struct incus_host_resources *ret);

/* GET /1.0/storage-pools/<pool>/resources metadata. */
int incus_decode_pool_resources(json_t *metadata,
    struct incus_pool_resources *ret);

/* A directory listing: array of at most INCUS_DIRECTORY_ENTRIES_MAX names. */
int incus_decode_directory(json_t *array, char ***ret_entries,
    size_t *ret_count);

/*
 * RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)" into seconds since
 * the epoch; times before 1970 (Go's zero time, "never") give 0.
 */
int incus_decode_timestamp(const char *text, int64_t *ret);

/*
 * A size as Incus writes it: digits with an optional unit, "B", "kB", "MB",
 * ..., "EB" (powers of 1000) or "KiB", "MiB", ..., "EiB" (powers of 1024).
 * -EPROTO when malformed or over UINT64_MAX.
 */
int incus_decode_size(const char *text, uint64_t *ret);

/* The value of a file-API type header: "file", "directory", "symlink". */
int incus_decode_file_type(const char *text, enum incus_file_type *ret);

/* A decimal uid/gid header value (at most UINT32_MAX). */
int incus_decode_file_id(const char *text, uint32_t *ret);

/* An octal mode header value ("0644", "644"), at most 07777. */
int incus_decode_file_mode(const char *text, uint32_t *ret);

#endif
