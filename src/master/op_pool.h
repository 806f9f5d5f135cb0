/*
 * op_pool.h - the master's operation threads.
 *
 * The master's event loop never talks to Incus itself: it queues a job
 * here and goes on. A fixed set of threads takes jobs, runs them (each
 * thread with its own Incus client) and hands finished jobs back through
 * an eventfd the loop polls. Jobs on one container run one at a time, in
 * arrival order; jobs on different containers run concurrently.
 */
#ifndef CONTAINARIUM_OP_POOL_H
#define CONTAINARIUM_OP_POOL_H

#include <stddef.h>

#include "job.h"

struct op_pool;

/* Runs one job on a thread; fills job's status and response. */
typedef void (*op_pool_run_fn)(struct job *job, void *thread_state);
/* Makes and frees a thread's private state (its Incus client). */
typedef void *(*op_pool_thread_init_fn)(void *userdata);
typedef void (*op_pool_thread_free_fn)(void *thread_state);

struct op_pool_ops {
	op_pool_run_fn run;
	op_pool_thread_init_fn thread_init;
	op_pool_thread_free_fn thread_free;
	void *userdata;
};

/*
 * Starts threads threads. max_queued bounds jobs waiting or running.
 * Returns 0 or a negative errno.
 */
int op_pool_new(unsigned threads, size_t max_queued,
    const struct op_pool_ops *ops, struct op_pool **ret);

/* Stops accepting, lets running jobs finish, joins the threads, frees. */
void op_pool_free(struct op_pool *pool);

/*
 * Queues job (ownership passes to the pool). Returns 0, or -EAGAIN when
 * max_queued jobs are already waiting (the job stays the caller's).
 */
int op_pool_submit(struct op_pool *pool, struct job *job);

/* The fd that becomes readable when finished jobs are waiting. */
int op_pool_done_fd(struct op_pool *pool);

/* Takes every finished job, as a list linked by next (oldest first). */
struct job *op_pool_take_done(struct op_pool *pool);

/* Jobs queued or running. */
size_t op_pool_pending(struct op_pool *pool);

#endif
