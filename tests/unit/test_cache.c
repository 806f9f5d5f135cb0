/*
 * test_cache.c - the master's instance cache: trust, invalidation, tickets,
 * swaps, resync merges, ages; and the decoding of Incus event messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incus/incus_events.h"
#include "master/cache.h"

/* An instance named name in status (103 running, 102 stopped) with one
 * config key "user.test" = value. */
static struct incus_instance make_instance(const char *name, int status, const char *value)
{
	struct incus_instance i = { 0 };

	i.name = strdup(name);
	i.status_code = status;
	i.config = calloc(1, sizeof(*i.config));
	i.config[0].key = strdup("user.test");
	i.config[0].value = strdup(value);
	i.config_count = 1;
	return i;
}

/* A resynced (trusted) cache holding the given names, all running, "v0". */
static struct cache *make_cache(const char *const *names, size_t n)
{
	struct incus_instance_list list = { calloc(n + 1, sizeof(struct incus_instance)), n };
	struct cache *c;

	assert_int_equal(cache_new(&c), 0);
	for (size_t i = 0; i < n; i++)
		list.items[i] = make_instance(names[i], 103, "v0");
	assert_int_equal(cache_resync_commit(c, cache_resync_begin(c), &list,
	    cache_now_ns(), true), 0);
	assert_null(list.items);
	return c;
}

/* The "user.test" value of name in the cache, or NULL with *err set. */
static const char *value_of(struct cache *c, const char *name, int *err)
{
	static char value[64];
	struct cache_record *r;

	*err = cache_get(c, name, 0, &r);
	if (*err < 0)
		return NULL;
	snprintf(value, sizeof(value), "%s", incus_instance_config_get(&r->instance, "user.test"));
	cache_record_unref(r);
	return value;
}

static void test_untrusted_until_first_resync(void **state)
{
	struct incus_instance_list empty = { 0 };
	struct cache_record **records;
	struct cache_record *r;
	struct cache *c;
	size_t n;

	(void)state;
	assert_int_equal(cache_new(&c), 0);
	assert_false(cache_is_trusted(c));
	assert_int_equal(cache_get(c, "a", 0, &r), -ESTALE);
	assert_int_equal(cache_list(c, 0, &records, &n), -ESTALE);
	/* A commit that does not restore trust leaves it untrusted. */
	assert_int_equal(cache_resync_commit(c, cache_resync_begin(c), &empty, cache_now_ns(),
	    false), 0);
	assert_false(cache_is_trusted(c));
	assert_int_equal(cache_resync_commit(c, cache_resync_begin(c), &empty, cache_now_ns(),
	    true), 0);
	assert_true(cache_is_trusted(c));
	assert_int_equal(cache_get(c, "a", 0, &r), -ENOENT);
	cache_free(c);
}

static void test_list_is_sorted_and_complete(void **state)
{
	static const char *const names[] = { "c-container", "a-container", "b-container" };
	struct cache_record **records;
	struct cache *c = make_cache(names, 3);
	size_t n;

	(void)state;
	assert_int_equal(cache_list(c, 0, &records, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(records[0]->instance.name, "a-container");
	assert_string_equal(records[1]->instance.name, "b-container");
	assert_string_equal(records[2]->instance.name, "c-container");
	cache_records_free(records, n);
	cache_free(c);
}

static void test_invalidate_bypasses_until_swap(void **state)
{
	static const char *const names[] = { "a", "b" };
	struct cache *c = make_cache(names, 2);
	struct cache_record **records;
	struct incus_instance fresh = make_instance("a", 102, "v1");
	uint64_t ticket;
	size_t n;
	int err;

	(void)state;
	ticket = cache_invalidate(c, "a");
	assert_true(ticket != 0);
	/* The changed instance and any listing are bypassed; others are served. */
	assert_null(value_of(c, "a", &err));
	assert_int_equal(err, -ESTALE);
	assert_int_equal(cache_list(c, 0, &records, &n), -ESTALE);
	assert_string_equal(value_of(c, "b", &err), "v0");
	assert_true(cache_swap(c, "a", ticket, &fresh, cache_now_ns()));
	assert_null(fresh.name); /* taken */
	assert_string_equal(value_of(c, "a", &err), "v1");
	assert_int_equal(cache_list(c, 0, &records, &n), 0);
	cache_records_free(records, n);
	cache_free(c);
}

static void test_stale_ticket_is_refused(void **state)
{
	static const char *const names[] = { "a" };
	struct cache *c = make_cache(names, 1);
	struct incus_instance old = make_instance("a", 103, "old");
	struct incus_instance new = make_instance("a", 102, "new");
	uint64_t refresh, change;
	int err;

	(void)state;
	/* A refresh starts, then a change is announced: the refresh's answer
	 * may predate the change and must not be installed. */
	refresh = cache_ticket(c, "a");
	change = cache_invalidate(c, "a");
	assert_false(cache_swap(c, "a", refresh, &old, cache_now_ns()));
	assert_null(old.name); /* freed even when refused */
	assert_null(value_of(c, "a", &err));
	assert_int_equal(err, -ESTALE);
	assert_true(cache_swap(c, "a", change, &new, cache_now_ns()));
	assert_string_equal(value_of(c, "a", &err), "new");
	cache_free(c);
}

static void test_older_reading_does_not_replace_newer(void **state)
{
	static const char *const names[] = { "a" };
	struct cache *c = make_cache(names, 1);
	int64_t t0 = cache_now_ns();
	struct incus_instance early = make_instance("a", 103, "early");
	struct incus_instance late = make_instance("a", 103, "late");
	uint64_t t1 = cache_ticket(c, "a"), t2 = cache_ticket(c, "a");
	int err;

	(void)state;
	assert_true(cache_swap(c, "a", t2, &late, t0 + 2000));
	assert_false(cache_swap(c, "a", t1, &early, t0 + 1000));
	assert_string_equal(value_of(c, "a", &err), "late");
	cache_free(c);
}

static void test_swap_absent_and_created(void **state)
{
	static const char *const names[] = { "a" };
	struct cache *c = make_cache(names, 1);
	struct incus_instance born = make_instance("n", 103, "born");
	uint64_t ticket;
	int err;

	(void)state;
	ticket = cache_invalidate(c, "a");
	assert_true(cache_swap(c, "a", ticket, NULL, cache_now_ns()));
	assert_null(value_of(c, "a", &err));
	assert_int_equal(err, -ENOENT);
	/* An instance made outside: known only once its refetch lands. */
	ticket = cache_invalidate(c, "n");
	assert_null(value_of(c, "n", &err));
	assert_int_equal(err, -ESTALE);
	assert_true(cache_swap(c, "n", ticket, &born, cache_now_ns()));
	assert_string_equal(value_of(c, "n", &err), "born");
	cache_free(c);
}

static void test_distrust_and_resync(void **state)
{
	static const char *const names[] = { "a" };
	struct cache *c = make_cache(names, 1);
	struct incus_instance_list list = { calloc(1, sizeof(struct incus_instance)), 1 };
	struct cache_resync_token token;
	int err;

	(void)state;
	cache_distrust(c);
	assert_null(value_of(c, "a", &err));
	assert_int_equal(err, -ESTALE);
	/* Distrusted again during the resync: it must not restore trust. */
	token = cache_resync_begin(c);
	cache_distrust(c);
	list.items[0] = make_instance("a", 102, "v2");
	assert_int_equal(cache_resync_commit(c, token, &list, cache_now_ns(), true), 0);
	assert_false(cache_is_trusted(c));
	list.items = calloc(1, sizeof(struct incus_instance));
	list.count = 1;
	list.items[0] = make_instance("a", 102, "v3");
	assert_int_equal(cache_resync_commit(c, cache_resync_begin(c), &list, cache_now_ns(), true), 0);
	assert_true(cache_is_trusted(c));
	assert_string_equal(value_of(c, "a", &err), "v3");
	cache_free(c);
}

static void test_resync_keeps_changes_made_during_it(void **state)
{
	static const char *const names[] = { "a", "b", "gone" };
	struct cache *c = make_cache(names, 3);
	struct incus_instance_list list = { calloc(3, sizeof(struct incus_instance)), 3 };
	struct incus_instance during = make_instance("a", 102, "during");
	struct cache_resync_token token;
	uint64_t ticket;
	int err;

	(void)state;
	token = cache_resync_begin(c);
	ticket = cache_invalidate(c, "a");
	assert_true(cache_swap(c, "a", ticket, &during, cache_now_ns()));
	/* The resync's reading of "a" may predate that change. */
	list.items[0] = make_instance("b", 103, "b-resync");
	list.items[1] = make_instance("a", 103, "a-resync");
	list.items[2] = make_instance("new", 103, "new-resync");
	assert_int_equal(cache_resync_commit(c, token, &list, cache_now_ns(), true), 0);
	assert_string_equal(value_of(c, "a", &err), "during");
	assert_string_equal(value_of(c, "b", &err), "b-resync");
	assert_string_equal(value_of(c, "new", &err), "new-resync");
	assert_null(value_of(c, "gone", &err));
	assert_int_equal(err, -ENOENT);
	cache_free(c);
}

static void test_pending_invalidation_resolved_by_later_resync(void **state)
{
	static const char *const names[] = { "a" };
	struct cache *c = make_cache(names, 1);
	struct incus_instance_list list = { calloc(1, sizeof(struct incus_instance)), 1 };
	struct cache_record **records;
	size_t n;
	int err;

	(void)state;
	/* Invalidated while the stream was down; the resync after reconnecting
	 * began later, so its reading answers the invalidation. */
	cache_distrust(c);
	(void)cache_invalidate(c, "a");
	list.items[0] = make_instance("a", 102, "after");
	assert_int_equal(cache_resync_commit(c, cache_resync_begin(c), &list, cache_now_ns(), true), 0);
	assert_string_equal(value_of(c, "a", &err), "after");
	assert_int_equal(cache_list(c, 0, &records, &n), 0);
	cache_records_free(records, n);
	cache_free(c);
}

static void test_max_age(void **state)
{
	static const char *const names[] = { "a" };
	struct cache *c = make_cache(names, 1);
	struct incus_instance old = make_instance("a", 103, "old");
	struct cache_record **records;
	struct cache_record *r;
	struct cache_system sys;
	struct incus_host_resources host = { .cpu_total = 2 };
	size_t n;

	(void)state;
	assert_true(cache_swap(c, "a", cache_ticket(c, "a"), &old, cache_now_ns() - 3000000000LL) ==
	    false); /* older than the resync's reading */
	assert_int_equal(cache_get(c, "a", 1000000000LL, &r), 0);
	cache_record_unref(r);
	assert_int_equal(cache_get(c, "a", 1, &r), -EAGAIN);
	assert_int_equal(cache_list(c, 1, &records, &n), -EAGAIN);
	/* No server information yet: system figures are bypassed. */
	assert_int_equal(cache_system_get(c, 0, &sys), -ESTALE);
	cache_set_server(c, &(struct incus_server_info){ .server_version = strdup("5.0.2") });
	assert_int_equal(cache_system_get(c, 0, &sys), -EAGAIN); /* no resources yet */
	cache_set_resources(c, &host, NULL, cache_now_ns());
	assert_int_equal(cache_system_get(c, 1000000000LL, &sys), 0);
	assert_string_equal(sys.server.server_version, "5.0.2");
	assert_int_equal(sys.host.cpu_total, 2);
	assert_false(sys.has_pool);
	cache_system_free(&sys);
	cache_free(c);
}

static void test_reader_keeps_record_across_swap(void **state)
{
	static const char *const names[] = { "a" };
	struct cache *c = make_cache(names, 1);
	struct incus_instance fresh = make_instance("a", 102, "v1");
	struct cache_record *held;

	(void)state;
	assert_int_equal(cache_get(c, "a", 0, &held), 0);
	assert_true(cache_swap(c, "a", cache_invalidate(c, "a"), &fresh, cache_now_ns()));
	cache_free(c);
	/* Still readable: the reader's reference outlives the cache. */
	assert_string_equal(incus_instance_config_get(&held->instance, "user.test"), "v0");
	cache_record_unref(held);
}

/* ---- event messages ---------------------------------------------------- */

/* The tree the last decoded event's strings point into. */
static json_t *last_root;

static void decode_done(void)
{
	json_decref(last_root);
	last_root = NULL;
}

static int decode(const char *text, struct incus_event *ev)
{
	json_t *root;
	int r = incus_events_decode(text, strlen(text), ev, &root);

	decode_done();
	if (r == 0)
		last_root = root;
	return r;
}

static void test_decode_lifecycle(void **state)
{
	struct incus_event ev;

	(void)state;
	assert_int_equal(decode("{\"type\":\"lifecycle\",\"project\":\"p\",\"metadata\":"
	    "{\"action\":\"instance-started\",\"source\":\"/1.0/instances/alice-container"
	    "?project=p\",\"context\":{}}}", &ev), 0);
	assert_int_equal(ev.instance_count, 1);
	assert_string_equal(ev.instances[0], "alice-container");
	assert_int_equal(ev.status_code, 0);
	/* Sub-resources name their instance too; other sources name none. */
	assert_int_equal(decode("{\"type\":\"lifecycle\",\"metadata\":{\"action\":"
	    "\"instance-file-pushed\",\"source\":\"/1.0/instances/b/files?path=/x\"}}", &ev), 0);
	assert_int_equal(ev.instance_count, 1);
	assert_string_equal(ev.instances[0], "b");
	assert_string_equal(ev.project, "");
	assert_int_equal(decode("{\"type\":\"lifecycle\",\"metadata\":{\"action\":"
	    "\"network-updated\",\"source\":\"/1.0/networks/ctrbr0\"}}", &ev), 0);
	assert_int_equal(ev.instance_count, 0);
	decode_done();
}

static void test_decode_operation(void **state)
{
	struct incus_event ev;

	(void)state;
	assert_int_equal(decode("{\"type\":\"operation\",\"metadata\":{\"status_code\":200,"
	    "\"resources\":{\"instances\":[\"/1.0/instances/a?project=p\","
	    "\"/1.0/instances/b\",\"/1.0/instances/bad name\"]}}}", &ev), 0);
	assert_string_equal(ev.type, "operation");
	assert_int_equal(ev.status_code, 200);
	assert_int_equal(ev.instance_count, 2);
	assert_string_equal(ev.instances[0], "a");
	assert_string_equal(ev.instances[1], "b");
	decode_done();
}

static void test_decode_rejects_garbage(void **state)
{
	struct incus_event ev;

	(void)state;
	assert_int_equal(decode("not json", &ev), -EPROTO);
	assert_int_equal(decode("[1]", &ev), -EPROTO);
	assert_int_equal(decode("{\"metadata\":{}}", &ev), -EPROTO); /* no type */
	assert_int_equal(decode("{\"type\":\"operation\",\"metadata\":{\"resources\":"
	    "{\"instances\":[1]}}}", &ev), -EPROTO);
	assert_int_equal(decode("{\"type\":\"lifecycle\",\"metadata\":{\"source\":7}}", &ev),
	    -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untrusted_until_first_resync),
		cmocka_unit_test(test_list_is_sorted_and_complete),
		cmocka_unit_test(test_invalidate_bypasses_until_swap),
		cmocka_unit_test(test_stale_ticket_is_refused),
		cmocka_unit_test(test_older_reading_does_not_replace_newer),
		cmocka_unit_test(test_swap_absent_and_created),
		cmocka_unit_test(test_distrust_and_resync),
		cmocka_unit_test(test_resync_keeps_changes_made_during_it),
		cmocka_unit_test(test_pending_invalidation_resolved_by_later_resync),
		cmocka_unit_test(test_max_age),
		cmocka_unit_test(test_reader_keeps_record_across_swap),
		cmocka_unit_test(test_decode_lifecycle),
		cmocka_unit_test(test_decode_operation),
		cmocka_unit_test(test_decode_rejects_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
