/*
 * ops.h - the operations behind each RPC, run on the operation threads.
 *
 * Each thread owns an ops context (its own Incus client); ops_run() reads
 * job->request, talks to Incus and fills job's status and response. The
 * request has already been validated by the master.
 */
#ifndef CONTAINARIUM_OPS_H
#define CONTAINARIUM_OPS_H

#include <stdbool.h>

#include "common/config.h"
#include "job.h"

/* Makes a thread's context for config (which must outlive it); NULL on
 * allocation failure, in which case ops_run answers UNAVAILABLE. */
void *ops_thread_init(void *config);
void ops_thread_free(void *context);

struct cache;

/* Makes the operation threads started from now on read and refresh cache
 * (NULL: none). Call before op_pool_new(). */
void ops_set_cache(struct cache *cache);

/* Carries out job; never fails to set a status. */
void ops_run(struct job *job, void *context);

/*
 * For the master's poll loop: answers a read (ListContainers,
 * GetContainer, GetMetrics, GetSystemInfo) at once when the cache set by
 * ops_set_cache() is trusted and fresh enough to answer it alone, after
 * the same authorization ops_run() applies (authz_admit()). Never talks
 * to Incus, sleeps or hashes a password. Returns true when job's status
 * is set (answered, or refused by authz); false, with job as it came
 * (possibly narrowed by authz_admit(), which ops_run() repeats), when it
 * must go to the operation threads.
 */
bool ops_answer_in_loop(struct job *job);

#endif
