/*
 * test_op_pool.c - operation threads: per-container order, concurrency
 * across containers, bounded queue.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "master/op_pool.h"

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static int running_now, running_max, per_container_running[4], per_container_max;
static uint32_t finish_order[64];
static int finished;

/* Each job sleeps 30 ms while counting how many run at once. */
static void run_counting(struct job *job, void *state)
{
	int c = job->container[0] ? job->container[0] - 'a' : 3;

	(void)state;
	pthread_mutex_lock(&trace_lock);
	running_now++;
	if (running_now > running_max)
		running_max = running_now;
	per_container_running[c]++;
	if (job->container[0] && per_container_running[c] > per_container_max)
		per_container_max = per_container_running[c];
	pthread_mutex_unlock(&trace_lock);
	usleep(30000);
	pthread_mutex_lock(&trace_lock);
	running_now--;
	per_container_running[c]--;
	finish_order[finished++] = job->request_id;
	pthread_mutex_unlock(&trace_lock);
	job->status = 0;
}

static struct job *make_job(uint32_t id, const char *container)
{
	struct job *job = calloc(1, sizeof(*job));

	job->request_id = id;
	strcpy(job->container, container);
	return job;
}

static size_t wait_done(struct op_pool *pool, size_t want, uint32_t *ids)
{
	size_t got = 0;

	while (got < want) {
		struct pollfd pfd = { op_pool_done_fd(pool), POLLIN, 0 };

		assert_int_equal(poll(&pfd, 1, 5000), 1);
		for (struct job *j = op_pool_take_done(pool), *next; j; j = next) {
			next = j->next;
			ids[got++] = j->request_id;
			job_free(j);
		}
	}
	return got;
}

static void reset(void)
{
	running_now = running_max = per_container_max = finished = 0;
	memset(per_container_running, 0, sizeof(per_container_running));
}

static void test_same_container_runs_one_at_a_time_in_order(void **state)
{
	struct op_pool_ops ops = { .run = run_counting };
	struct op_pool *pool;
	uint32_t ids[8];

	(void)state;
	reset();
	assert_int_equal(op_pool_new(4, 64, &ops, &pool), 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(op_pool_submit(pool, make_job(i, "a-container")), 0);
	assert_int_equal(wait_done(pool, 4, ids), 4);
	assert_int_equal(per_container_max, 1);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(finish_order[i], i);
	op_pool_free(pool);
}

static void test_different_containers_run_concurrently(void **state)
{
	struct op_pool_ops ops = { .run = run_counting };
	struct op_pool *pool;
	uint32_t ids[8];

	(void)state;
	reset();
	assert_int_equal(op_pool_new(4, 64, &ops, &pool), 0);
	assert_int_equal(op_pool_submit(pool, make_job(1, "a-container")), 0);
	assert_int_equal(op_pool_submit(pool, make_job(2, "b-container")), 0);
	assert_int_equal(op_pool_submit(pool, make_job(3, "c-container")), 0);
	assert_int_equal(op_pool_submit(pool, make_job(4, "")), 0);
	assert_int_equal(wait_done(pool, 4, ids), 4);
	assert_true(running_max >= 3);
	op_pool_free(pool);
}

static void test_a_busy_container_does_not_block_others(void **state)
{
	struct op_pool_ops ops = { .run = run_counting };
	struct op_pool *pool;
	uint32_t ids[8];

	(void)state;
	reset();
	assert_int_equal(op_pool_new(2, 64, &ops, &pool), 0);
	assert_int_equal(op_pool_submit(pool, make_job(1, "a-container")), 0);
	assert_int_equal(op_pool_submit(pool, make_job(2, "a-container")), 0);
	assert_int_equal(op_pool_submit(pool, make_job(3, "b-container")), 0);
	assert_int_equal(wait_done(pool, 3, ids), 3);
	/* b ran beside the first a, before the second a. */
	assert_int_equal(finish_order[2], 2);
	op_pool_free(pool);
}

static void test_queue_is_bounded(void **state)
{
	struct op_pool_ops ops = { .run = run_counting };
	struct op_pool *pool;
	struct job *extra;
	uint32_t ids[8];

	(void)state;
	reset();
	assert_int_equal(op_pool_new(1, 2, &ops, &pool), 0);
	assert_int_equal(op_pool_submit(pool, make_job(1, "a-container")), 0);
	assert_int_equal(op_pool_submit(pool, make_job(2, "a-container")), 0);
	extra = make_job(3, "a-container");
	assert_int_equal(op_pool_submit(pool, extra), -EAGAIN);
	job_free(extra);
	assert_int_equal(wait_done(pool, 2, ids), 2);
	assert_int_equal(op_pool_pending(pool), 0);
	op_pool_free(pool);
}

static void test_bad_arguments_refused(void **state)
{
	struct op_pool_ops ops = { .run = run_counting }, none = { 0 };
	struct op_pool *pool = NULL;

	(void)state;
	assert_int_equal(op_pool_new(0, 8, &ops, &pool), -EINVAL);
	assert_int_equal(op_pool_new(65, 8, &ops, &pool), -EINVAL);
	assert_int_equal(op_pool_new(1, 8, &none, &pool), -EINVAL);
	assert_null(pool);
	op_pool_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_container_runs_one_at_a_time_in_order),
		cmocka_unit_test(test_different_containers_run_concurrently),
		cmocka_unit_test(test_a_busy_container_does_not_block_others),
		cmocka_unit_test(test_queue_is_bounded),
		cmocka_unit_test(test_bad_arguments_refused),
	};

	return cmocka_run_group_tests_name("op_pool", tests, NULL, NULL);
}
