/*
 * incus_resources.c - host and storage-pool capacity; see incus.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "incus_client_internal.h"
#include "incus_decode.h"
#include "incus_url.h"

int incus_resources_host(struct incus_client *c,
    struct incus_host_resources *ret)
{
	const struct incus_call call = { .method = "GET",
		.path = "/1.0/resources" };
	struct incus_response response;
	int r;

	incus_client_begin(c);
	r = incus_client_request(c, &call, &response);
	if (r < 0)
		return r;
	r = incus_decode_host_resources(response.metadata, ret);
	incus_decode_response_free(&response);
	return r < 0 ? incus_client_fail(c, r, "malformed host resources") : 0;
}

/* Builds "/1.0/storage-pools/<pool>/resources". */
static int incus_resources_pool_path(const char *pool, char **ret)
{
	struct incus_url url = { 0 };

	incus_url_append(&url, "/1.0/storage-pools/");
	incus_url_append_escaped(&url, pool);
	incus_url_append(&url, "/resources");
	return incus_url_finish(&url, ret);
}

int incus_resources_pool(struct incus_client *c, const char *pool,
    struct incus_pool_resources *ret)
{
	struct incus_call call = { .method = "GET" };
	struct incus_response response;
	char *path = NULL;
	int r;

	incus_client_begin(c);
	r = incus_client_check_name(c, pool);
	if (r < 0)
		return r;
	r = incus_resources_pool_path(pool, &path);
	if (r < 0)
		return incus_client_fail(c, r, "cannot build URL");
	call.path = path;
	r = incus_client_request(c, &call, &response);
	free(path);
	if (r < 0)
		return r;
	r = incus_decode_pool_resources(response.metadata, ret);
	incus_decode_response_free(&response);
	return r < 0 ? incus_client_fail(c, r, "malformed pool resources") : 0;
}
