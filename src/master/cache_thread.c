/*
 * cache_thread.c - follows Incus's events into the cache; see
 * cache_thread.h.
 *
 * One loop: connect to /1.0/events, resync, trust, then for each batch of
 * events invalidate every instance they name and refetch them one by one.
 * Any failure of the stream or of a refetch distrusts the cache and starts
 * over from the connection, after a growing pause.
 */
#include "cache_thread.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cache_fetch.h"
#include "common/log.h"
#include "incus/incus.h"
#include "incus/incus_events.h"

#define CACHE_THREAD_BATCH_MAX 1024u   /* instances refetched per batch */
#define CACHE_THREAD_WATCH_MAX 256u
#define CACHE_THREAD_CONNECT_MS 3000

/* An instance to refetch. */
struct cache_thread_item {
	char name[INCUS_EVENT_NAME_MAX + 1];
	uint64_t ticket;
	int64_t due_ns;      /* watch: next refetch */
	int64_t until_ns;    /* watch: give up after */
};

struct cache_thread {
	const struct config *config;
	struct cache *cache;
	struct incus_client *incus;
	pthread_t thread;
	int stop_fd;                   /* eventfd: written to stop */
	struct cache_thread_item batch[CACHE_THREAD_BATCH_MAX];
	size_t batch_count;
	bool batch_overflow;           /* more names than fit: resync instead */
	struct cache_thread_item watch[CACHE_THREAD_WATCH_MAX];
	size_t watch_count;
};

static bool cache_thread_stopping(struct cache_thread *t)
{
	struct pollfd p = { .fd = t->stop_fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

/* Sleeps ms unless asked to stop. Returns true when asked to stop. */
static bool cache_thread_pause(struct cache_thread *t, int ms)
{
	struct pollfd p = { .fd = t->stop_fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/* Event callback: invalidates each instance named, once per batch. */
static void cache_thread_on_event(const struct incus_event *ev, void *userdata)
{
	struct cache_thread *t = userdata;

	if (ev->project[0] && strcmp(ev->project, t->config->incus_project) != 0)
		return;
	/* An operation still running changes nothing yet; its end is final. */
	if (strcmp(ev->type, "operation") == 0 && ev->status_code < 200)
		return;
	for (size_t i = 0; i < ev->instance_count; i++) {
		size_t k;

		for (k = 0; k < t->batch_count; k++)
			if (strcmp(t->batch[k].name, ev->instances[i]) == 0)
				break;
		if (k < t->batch_count)
			continue;
		if (t->batch_count == CACHE_THREAD_BATCH_MAX) {
			t->batch_overflow = true;
			continue;
		}
		snprintf(t->batch[k].name, sizeof(t->batch[k].name), "%s", ev->instances[i]);
		t->batch[k].ticket = cache_invalidate(t->cache, ev->instances[i]);
		t->batch_count++;
	}
}

/* Adds name to the watch list when it runs without an IPv4 address yet. */
static void cache_thread_maybe_watch(struct cache_thread *t, const char *name, int64_t until)
{
	struct cache_record *record;
	bool waiting;
	size_t k;

	if (cache_get(t->cache, name, 0, &record) < 0)
		return;
	waiting = record->instance.status_code == 103 &&
	    !(record->instance.has_state && record->instance.state.ipv4_address);
	cache_record_unref(record);
	for (k = 0; k < t->watch_count && strcmp(t->watch[k].name, name) != 0; k++)
		;
	if (!waiting) {
		if (k < t->watch_count)
			t->watch[k] = t->watch[--t->watch_count];
		return;
	}
	if (k == t->watch_count && k == CACHE_THREAD_WATCH_MAX)
		return;
	if (k == t->watch_count) {
		snprintf(t->watch[k].name, sizeof(t->watch[k].name), "%s", name);
		t->watch[k].until_ns = until;
		t->watch_count++;
	}
	t->watch[k].due_ns = cache_now_ns() + CACHE_THREAD_WATCH_MS * 1000000LL;
}

/* Refetches every instance of the batch. Returns 0 or a negative errno. */
static int cache_thread_refetch_batch(struct cache_thread *t)
{
	int64_t until = cache_now_ns() + CACHE_THREAD_WATCH_FOR_MS * 1000000LL;
	int r = 0;

	if (t->batch_overflow) {
		t->batch_count = 0;
		t->batch_overflow = false;
		return cache_fetch_all(t->cache, t->incus, t->config->storage_pool, false);
	}
	for (size_t i = 0; i < t->batch_count && r == 0; i++) {
		r = cache_fetch_instance(t->cache, t->incus, t->batch[i].name, t->batch[i].ticket);
		if (r < 0)
			log_warning_errno(r, "Cache: failed to refetch %s after an event: %m; "
			    "reads bypass the cache until it is resynced", t->batch[i].name);
		else
			cache_thread_maybe_watch(t, t->batch[i].name, until);
	}
	t->batch_count = 0;
	return r;
}

/* Refetches watched instances that are due; drops those past their time. */
static int cache_thread_refetch_watched(struct cache_thread *t)
{
	int64_t now = cache_now_ns();

	for (size_t i = 0; i < t->watch_count;) {
		struct cache_thread_item *w = &t->watch[i];
		int r;

		if (now >= w->until_ns) {
			*w = t->watch[--t->watch_count];
			continue;
		}
		if (w->due_ns <= now) {
			r = cache_fetch_instance(t->cache, t->incus, w->name,
			    cache_ticket(t->cache, w->name));
			if (r < 0)
				return r;
			w->due_ns = now + CACHE_THREAD_WATCH_MS * 1000000LL;
			cache_thread_maybe_watch(t, w->name, w->until_ns);
		}
		i++;
	}
	return 0;
}

/* Milliseconds until the next watched refetch, or -1. */
static int cache_thread_next_timeout(const struct cache_thread *t)
{
	int64_t now = cache_now_ns(), next = -1;

	for (size_t i = 0; i < t->watch_count; i++)
		if (next < 0 || t->watch[i].due_ns < next)
			next = t->watch[i].due_ns;
	if (next < 0)
		return -1;
	return next <= now ? 0 : (int)((next - now) / 1000000 + 1);
}

/* Follows the stream until it fails or the thread is stopped. */
static int cache_thread_follow(struct cache_thread *t, struct incus_events *events)
{
	int r = incus_events_process(events, cache_thread_on_event, t);

	while (r == 0) {
		struct pollfd fds[2] = {
			{ .fd = t->stop_fd, .events = POLLIN },
			{ .fd = incus_events_fd(events), .events = POLLIN },
		};

		if (t->batch_count > 0 || t->batch_overflow)
			r = cache_thread_refetch_batch(t);
		if (r == 0)
			r = cache_thread_refetch_watched(t);
		if (r < 0)
			return r;
		if (incus_events_want_write(events))
			fds[1].events |= POLLOUT;
		if (poll(fds, 2, cache_thread_next_timeout(t)) < 0 && errno != EINTR)
			return -errno;
		if (fds[0].revents)
			return 0;
		if (fds[1].revents)
			r = incus_events_process(events, cache_thread_on_event, t);
	}
	return r;
}

/* One connection: subscribe, resync, follow. Returns why it ended. */
static int cache_thread_session(struct cache_thread *t, bool *resynced)
{
	const struct config *c = t->config;
	struct incus_events *events;
	size_t count = 0;
	int r;

	r = incus_events_connect(c->incus_socket, c->incus_project, "lifecycle,operation",
	    CACHE_THREAD_CONNECT_MS, &events);
	if (r < 0)
		return r;
	t->batch_count = t->watch_count = 0;
	t->batch_overflow = false;
	r = cache_fetch_all(t->cache, t->incus, c->storage_pool, true);
	if (r == 0) {
		struct cache_record **records;

		*resynced = true;
		if (cache_list(t->cache, 0, &records, &count) == 0)
			cache_records_free(records, count);
		log_notice("Cache: following Incus events for project %s (%zu instances); "
		    "reads are served from the cache", c->incus_project, count);
		r = cache_thread_follow(t, events);
	}
	incus_events_free(events);
	return r;
}

static void *cache_thread_main(void *userdata)
{
	struct cache_thread *t = userdata;
	int delay = CACHE_THREAD_RETRY_MIN_MS, last_error = 0;

	while (!cache_thread_stopping(t)) {
		bool resynced = false;
		int r = cache_thread_session(t, &resynced);

		cache_distrust(t->cache);
		if (cache_thread_stopping(t))
			break;
		if (resynced)
			delay = CACHE_THREAD_RETRY_MIN_MS;
		if (resynced || r != last_error)
			log_warning_errno(r, "Cache: lost Incus's event stream or failed to resync: "
			    "%m; reads go to Incus directly until a resync completes");
		last_error = r;
		if (cache_thread_pause(t, delay))
			break;
		delay = delay * 2 > CACHE_THREAD_RETRY_MAX_MS ? CACHE_THREAD_RETRY_MAX_MS : delay * 2;
	}
	return NULL;
}

int cache_thread_start(const struct config *config, struct cache *cache,
    struct cache_thread **ret)
{
	struct incus_client_options options = {
		.socket_path = config->incus_socket,
		.project = config->incus_project,
		.timeout_sec = config->incus_timeout,
	};
	struct cache_thread *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->config = config;
	t->cache = cache;
	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->stop_fd < 0) {
		free(t);
		return -errno;
	}
	r = incus_client_new(&options, &t->incus);
	if (r == 0)
		r = -pthread_create(&t->thread, NULL, cache_thread_main, t);
	if (r < 0) {
		incus_client_free(t->incus);
		close(t->stop_fd);
		free(t);
		return r;
	}
	*ret = t;
	return 0;
}

void cache_thread_stop(struct cache_thread *thread)
{
	uint64_t one = 1;

	if (!thread)
		return;
	if (write(thread->stop_fd, &one, sizeof(one)) < 0)
		log_warning_errno(-errno, "Cache: failed to signal the thread to stop: %m");
	pthread_join(thread->thread, NULL);
	incus_client_free(thread->incus);
	close(thread->stop_fd);
	free(thread);
}
