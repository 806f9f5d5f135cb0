/*
 * op_pool.c - operation threads with per-container ordering; see op_pool.h.
 */
#include "op_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define OP_POOL_MAX_THREADS 64

struct op_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job *queue_head, *queue_tail;   /* waiting, arrival order */
	struct job *done_head, *done_tail;     /* finished, for the loop */
	/* Containers with a job running now: at most one per container. */
	char busy[OP_POOL_MAX_THREADS][sizeof(((struct job *)0)->container)];
	size_t pending, max_queued;
	bool stopping;
	int done_fd;
	struct op_pool_ops ops;
	pthread_t threads[OP_POOL_MAX_THREADS];
	unsigned n_threads;
};

static bool op_pool_is_busy(struct op_pool *pool, const char *container)
{
	if (container[0] == '\0')
		return false;
	for (unsigned i = 0; i < pool->n_threads; i++)
		if (strcmp(pool->busy[i], container) == 0)
			return true;
	return false;
}

/*
 * Unlinks and returns the oldest waiting job whose container has no job
 * running, or NULL. Called with the lock held.
 */
static struct job *op_pool_pick(struct op_pool *pool)
{
	struct job *prev = NULL;

	for (struct job *j = pool->queue_head; j; prev = j, j = j->next) {
		if (op_pool_is_busy(pool, j->container))
			continue;
		if (prev)
			prev->next = j->next;
		else
			pool->queue_head = j->next;
		if (pool->queue_tail == j)
			pool->queue_tail = prev;
		j->next = NULL;
		return j;
	}
	return NULL;
}

static void op_pool_finish(struct op_pool *pool, unsigned slot, struct job *job)
{
	uint64_t one = 1;

	pthread_mutex_lock(&pool->lock);
	pool->busy[slot][0] = '\0';
	if (pool->done_tail)
		pool->done_tail->next = job;
	else
		pool->done_head = job;
	pool->done_tail = job;
	pool->pending--;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	/* A full eventfd counter still wakes the loop: nothing to handle. */
	(void)!write(pool->done_fd, &one, sizeof(one));
}

struct op_pool_thread_arg {
	struct op_pool *pool;
	unsigned slot;
};

static void *op_pool_thread(void *arg_)
{
	struct op_pool_thread_arg *arg = arg_;
	struct op_pool *pool = arg->pool;
	unsigned slot = arg->slot;
	void *state;

	free(arg);
	state = pool->ops.thread_init ? pool->ops.thread_init(pool->ops.userdata) : NULL;
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct job *job = op_pool_pick(pool);

		if (!job) {
			if (pool->stopping)
				break;
			pthread_cond_wait(&pool->wake, &pool->lock);
			continue;
		}
		memcpy(pool->busy[slot], job->container, sizeof(pool->busy[slot]));
		pthread_mutex_unlock(&pool->lock);
		pool->ops.run(job, state);
		op_pool_finish(pool, slot, job);
		pthread_mutex_lock(&pool->lock);
	}
	pthread_mutex_unlock(&pool->lock);
	if (pool->ops.thread_free)
		pool->ops.thread_free(state);
	return NULL;
}

static int op_pool_start_threads(struct op_pool *pool, unsigned threads)
{
	for (unsigned i = 0; i < threads; i++) {
		struct op_pool_thread_arg *arg = malloc(sizeof(*arg));
		int r;

		if (!arg)
			return -ENOMEM;
		*arg = (struct op_pool_thread_arg){ pool, i };
		r = pthread_create(&pool->threads[i], NULL, op_pool_thread, arg);
		if (r != 0) {
			free(arg);
			return -r;
		}
		pool->n_threads++;
	}
	return 0;
}

int op_pool_new(unsigned threads, size_t max_queued,
    const struct op_pool_ops *ops, struct op_pool **ret)
{
	struct op_pool *pool;
	int r;

	if (threads == 0 || threads > OP_POOL_MAX_THREADS || !ops->run)
		return -EINVAL;
	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return -ENOMEM;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	pool->max_queued = max_queued;
	pool->ops = *ops;
	pool->done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pool->done_fd < 0) {
		r = -errno;
		free(pool);
		return r;
	}
	r = op_pool_start_threads(pool, threads);
	if (r < 0) {
		op_pool_free(pool);
		return r;
	}
	*ret = pool;
	return 0;
}

static void op_pool_free_list(struct job *j)
{
	while (j) {
		struct job *next = j->next;

		job_free(j);
		j = next;
	}
}

void op_pool_free(struct op_pool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->n_threads; i++)
		pthread_join(pool->threads[i], NULL);
	op_pool_free_list(pool->queue_head);
	op_pool_free_list(pool->done_head);
	close(pool->done_fd);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

int op_pool_submit(struct op_pool *pool, struct job *job)
{
	pthread_mutex_lock(&pool->lock);
	if (pool->stopping || pool->pending >= pool->max_queued) {
		pthread_mutex_unlock(&pool->lock);
		return -EAGAIN;
	}
	job->next = NULL;
	if (pool->queue_tail)
		pool->queue_tail->next = job;
	else
		pool->queue_head = job;
	pool->queue_tail = job;
	pool->pending++;
	pthread_cond_signal(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

int op_pool_done_fd(struct op_pool *pool)
{
	return pool->done_fd;
}

struct job *op_pool_take_done(struct op_pool *pool)
{
	struct job *list;
	uint64_t count;

	(void)!read(pool->done_fd, &count, sizeof(count));
	pthread_mutex_lock(&pool->lock);
	list = pool->done_head;
	pool->done_head = pool->done_tail = NULL;
	pthread_mutex_unlock(&pool->lock);
	return list;
}

size_t op_pool_pending(struct op_pool *pool)
{
	size_t n;

	pthread_mutex_lock(&pool->lock);
	n = pool->pending;
	pthread_mutex_unlock(&pool->lock);
	return n;
}
