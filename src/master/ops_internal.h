/*
 * ops_internal.h - what the ops_*.c files share: the per-thread context,
 * container naming, failure reporting and the Incus -> API conversions.
 */
#ifndef CONTAINARIUM_OPS_INTERNAL_H
#define CONTAINARIUM_OPS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "containarium/v1/service.pb-c.h"
#include "incus/incus.h"
#include "job.h"

/* Incus config keys Containarium keeps on each container. */
#define KEY_USERNAME "user.containarium.username"
#define KEY_IMAGE "user.containarium.image"
#define KEY_STATE "user.containarium.state"      /* "creating", "error" */
#define KEY_SSH_KEYS "user.containarium.ssh_keys" /* newline-joined */
#define KEY_UPDATED_AT "user.containarium.updated_at"
#define KEY_LABEL_PREFIX "user.containarium.label."

#define OPS_NAME_MAX 64

struct ops_context {
	const struct config *config;    /* NULL in the loop's context */
	/* NULL in the master loop's context (ops_answer_in_loop()): nothing
	 * may then talk to Incus, sleep or wait; what would need to sets
	 * needs_incus instead and the call goes to the operation threads. */
	struct incus_client *incus;
	struct cache *cache;            /* NULL when [cache] enabled = false */
	/* When the instance state being converted was read (CLOCK_MONOTONIC
	 * ns); 0: just now. Set while converting a cached record. */
	int64_t state_at_ns;
	bool needs_incus;
};

/*
 * Writes the Incus name of username's container ("alice-container"; an
 * underscore becomes a hyphen, which Incus names allow).
 */
void ops_container_name(const char *username, char name[OPS_NAME_MAX]);

/*
 * Fails job with the gRPC status for an Incus errno r, the action that
 * failed and Incus's own message. Returns the status.
 */
int ops_fail_incus(struct job *job, struct ops_context *ctx, int r,
    const char *format, ...) __attribute__((format(printf, 4, 5)));

/*
 * Gets username's container. Returns 0 and *ret; otherwise fails job
 * (NOT_FOUND when missing or owned by another username) and returns the
 * negative errno.
 */
int ops_get_owned(struct job *job, struct ops_context *ctx, const char *username,
    struct incus_instance *ret);

/* True for instances Containarium manages (username key or "-container"). */
bool ops_is_managed(const struct incus_instance *instance);

/* The username an instance belongs to, borrowed, or "" when unknown. */
const char *ops_instance_username(const struct incus_instance *instance);

/* A heap copy of s (never NULL: aborts on allocation failure). */
char *ops_strdup(const char *s);

/* Converts an instance into a newly allocated API message. */
Containarium__V1__Container *ops_container_from_instance(const struct incus_instance *instance);
Containarium__V1__ContainerState ops_state_of(const struct incus_instance *instance);

/*
 * Builds metrics for instance; cpu percentage from the sample taken at the
 * previous call for the same container, or from a short second sample.
 */
Containarium__V1__ContainerMetrics *ops_metrics_from_instance(
    struct ops_context *ctx, const struct incus_instance *instance);

/*
 * Answers a read (List, Get, GetMetrics, GetSystemInfo) from ctx's cache
 * alone, with ctx->incus NULL. Returns true when it answered (job's status
 * set: OK, or NOT_FOUND from a trusted cache); false, with job untouched,
 * when the answer needs Incus (cache untrusted, counters too old, no
 * recent CPU reading) or job is no read.
 */
bool ops_query_from_cache(struct job *job, struct ops_context *ctx);

/* The RPCs, one per function; each sets job's status. */
void ops_create_container(struct job *job, struct ops_context *ctx);
void ops_delete_container(struct job *job, struct ops_context *ctx);
void ops_start_container(struct job *job, struct ops_context *ctx);
void ops_stop_container(struct job *job, struct ops_context *ctx);
void ops_list_containers(struct job *job, struct ops_context *ctx);
void ops_get_container(struct job *job, struct ops_context *ctx);
void ops_get_metrics(struct job *job, struct ops_context *ctx);
void ops_get_system_info(struct job *job, struct ops_context *ctx);
void ops_add_ssh_key(struct job *job, struct ops_context *ctx);
void ops_remove_ssh_key(struct job *job, struct ops_context *ctx);

#endif
