/*
 * worker_metadata.c - bearer token extraction; see worker_metadata.h.
 */
#include "worker_metadata.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <grpc/slice.h>

/* Finds the single "authorization" entry of md. Returns 0 (*ret NULL if
 * absent) or -ENOTUNIQ. */
static int worker_metadata_find(const grpc_metadata_array *md,
    const grpc_metadata **ret)
{
	const grpc_metadata *found = NULL;

	for (size_t i = 0; i < md->count; i++) {
		if (grpc_slice_str_cmp(md->metadata[i].key, "authorization") != 0)
			continue;
		if (found)
			return -ENOTUNIQ;
		found = &md->metadata[i];
	}
	*ret = found;
	return 0;
}

/* Returns true when value[0..len) is a non-empty run of printable ASCII
 * bytes other than space. */
static bool worker_metadata_is_token(const char *value, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (value[i] <= 0x20 || value[i] >= 0x7f)
			return false;
	return true;
}

int worker_metadata_bearer(const grpc_metadata_array *md, char **ret_token)
{
	const grpc_metadata *entry;
	const char *value;
	size_t len, skip;
	char *token;
	int r;

	r = worker_metadata_find(md, &entry);
	if (r < 0)
		return r;
	if (!entry) {
		*ret_token = NULL;
		return 0;
	}
	value = (const char *)GRPC_SLICE_START_PTR(entry->value);
	len = GRPC_SLICE_LENGTH(entry->value);
	if (len > WORKER_AUTHORIZATION_MAX)
		return -E2BIG;
	if (len < 7 || strncasecmp(value, "Bearer ", 7) != 0)
		return -EBADMSG;
	for (skip = 7; skip < len && value[skip] == ' '; skip++)
		;
	if (!worker_metadata_is_token(value + skip, len - skip))
		return -EBADMSG;
	token = strndup(value + skip, len - skip);
	if (!token)
		return -ENOMEM;
	*ret_token = token;
	return 0;
}
