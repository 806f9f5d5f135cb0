/*
 * test_incus_decode.c - decoding of real LXD 5.0 responses (fixtures in
 * tests/unit/fixtures/incus, see its README) and of malformed input, which
 * must give -EPROTO, never a crash; plus the error mapping and URL escaping.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "incus/incus_decode.h"
#include "incus/incus_error.h"
#include "incus/incus_json.h"
#include "incus/incus_url.h"

/* ---- helpers ------------------------------------------------------- */

/* Reads fixture name (from the directory next to this file) into memory. */
static char *fixture_load(const char *name, size_t *ret_size)
{
	const char *dir = getenv("CONTAINARIUM_INCUS_FIXTURES");
	char path[4096];
	size_t size = 0, cap = 0, n;
	char *data = NULL;
	FILE *f;

	if (!dir)
		dir = "tests/unit/fixtures/incus";
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	do {
		if (size + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			data = realloc(data, cap);
			assert_non_null(data);
		}
		n = fread(data + size, 1, cap - size - 1, f);
		size += n;
	} while (n > 0);
	fclose(f);
	data[size] = '\0';
	*ret_size = size;
	return data;
}

/* Decodes the envelope of a fixture; the caller frees it. */
static void fixture_response(const char *name, struct incus_response *ret)
{
	size_t size;
	char *text = fixture_load(name, &size);

	assert_int_equal(incus_decode_response(text, size, ret), 0);
	free(text);
}

static int decode_text(const char *text, struct incus_response *ret)
{
	return incus_decode_response(text, strlen(text), ret);
}

/* Decodes an instance object given as JSON text. */
static int decode_instance_text(const char *json, struct incus_instance *ret)
{
	json_t *object = json_loads(json, 0, NULL);
	int r;

	assert_non_null(object);
	r = incus_decode_instance(object, ret);
	json_decref(object);
	return r;
}

/* ---- server info ------------------------------------------------- */

static void test_server_info_lxd(void **state)
{
	struct incus_response response;
	struct incus_server_info info;

	(void)state;
	fixture_response("server_info.json", &response);
	assert_int_equal(response.type, INCUS_RESPONSE_SYNC);
	assert_int_equal(response.status_code, 200);
	assert_int_equal(incus_decode_server_info(response.metadata, &info), 0);
	assert_int_equal(info.kind, INCUS_SERVER_LXD);
	assert_string_equal(info.server, "lxd");
	assert_string_equal(info.server_version, "5.0.2");
	assert_string_equal(info.api_version, "1.0");
	assert_string_equal(info.server_name, "vm");
	assert_string_equal(info.kernel_version, "6.18.44-fc-v669");
	assert_string_equal(info.os_name, "Debian GNU/Linux");
	assert_string_equal(info.os_version, "12");
	assert_string_equal(info.storage_driver, "dir");
	assert_false(info.clustered);
	incus_client_server_info_free(&info);
	incus_decode_response_free(&response);
}

static void test_server_info_incus(void **state)
{
	struct incus_response response;
	struct incus_server_info info;

	(void)state;
	fixture_response("synthetic_incus_server_info.json", &response);
	assert_int_equal(incus_decode_server_info(response.metadata, &info), 0);
	assert_int_equal(info.kind, INCUS_SERVER_INCUS);
	assert_string_equal(info.server, "incus");
	assert_string_equal(info.server_version, "6.0.3");
	assert_string_equal(info.server_name, "host1");
	assert_string_equal(info.storage_driver, "zfs");
	assert_true(info.clustered);
	incus_client_server_info_free(&info);
	incus_decode_response_free(&response);
}

#define ENV(json) "{\"type\":\"sync\",\"metadata\":{\"environment\":" json "}}"

static void test_server_info_malformed(void **state)
{
	static const char *const bad[] = {
		"{\"type\":\"sync\",\"metadata\":{}}",
		"{\"type\":\"sync\",\"metadata\":{\"environment\":[]}}",
		ENV("{\"server\":\"docker\"}"),
		ENV("{\"server\":1}"),
		ENV("{\"server_clustered\":\"yes\"}"),
		"{\"type\":\"sync\",\"metadata\":null}",
	};
	struct incus_response response;
	struct incus_server_info info;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(decode_text(bad[i], &response), 0);
		assert_int_equal(incus_decode_server_info(response.metadata, &info),
		    -EPROTO);
		incus_decode_response_free(&response);
	}
}

/* ---- instances --------------------------------------------------- */

static void assert_config_sorted(const struct incus_instance *in)
{
	for (size_t i = 1; i < in->config_count; i++)
		assert_true(strcmp(in->config[i - 1].key, in->config[i].key) < 0);
}

static void test_instance_running(void **state)
{
	struct incus_response response;
	struct incus_instance in;

	(void)state;
	fixture_response("instance_running.json", &response);
	assert_int_equal(incus_decode_instance(response.metadata, &in), 0);
	assert_string_equal(in.name, "incusdev-a");
	assert_string_equal(in.status, "Running");
	assert_int_equal(in.status_code, 103);
	assert_string_equal(in.type, "container");
	assert_string_equal(in.architecture, "x86_64");
	assert_string_equal(in.location, "none");
	assert_string_equal(in.description, "");
	assert_int_equal(in.created_at, 1796007949);
	assert_int_equal(in.last_used_at, 1796007954);
	assert_int_equal(in.config_count, 17);
	assert_config_sorted(&in);
	assert_string_equal(incus_instance_config_get(&in,
	    "user.containarium.owner"), "alice");
	assert_string_equal(incus_instance_config_get(&in, "limits.cpu"), "1");
	assert_string_equal(incus_instance_config_get(&in, "image.os"),
	    "busybox");
	assert_string_equal(incus_instance_config_get(&in,
	    "volatile.eth0.hwaddr"), "00:16:3e:c8:ae:38");
	assert_null(incus_instance_config_get(&in, "user.missing"));
	assert_string_equal(in.root_pool, "default");
	assert_string_equal(in.root_size, "1GiB");
	assert_int_equal(in.root_size_bytes, 1ULL << 30);
	assert_string_equal(in.network_parent, "ctrbr0");
	assert_true(in.has_state);
	assert_string_equal(in.state.status, "Running");
	assert_int_equal(in.state.status_code, 103);
	assert_int_equal(in.state.pid, 8660);
	assert_int_equal(in.state.processes, 3);
	assert_int_equal(in.state.memory_usage, 897024);
	assert_int_equal(in.state.memory_usage_peak, 1826816);
	assert_int_equal(in.state.cpu_usage_ns, 12371409);
	assert_int_equal(in.state.root_disk_usage, 0);
	assert_string_equal(in.state.ipv4_address, "10.77.13.201");
	assert_null(in.state.ipv6_address); /* only link-local */
	assert_string_equal(in.state.hwaddr, "00:16:3e:c8:ae:38");
	assert_string_equal(in.state.host_name, "veth838c2699");
	assert_int_equal(in.state.rx_bytes, 1042);
	assert_int_equal(in.state.tx_bytes, 1204);
	incus_instance_free(&in);
	incus_instance_free(&in); /* a freed instance is zeroed */
	incus_decode_response_free(&response);
}

static void test_instance_stopped(void **state)
{
	struct incus_response response;
	struct incus_instance in;

	(void)state;
	fixture_response("instance_stopped.json", &response);
	assert_int_equal(incus_decode_instance(response.metadata, &in), 0);
	assert_string_equal(in.status, "Stopped");
	assert_int_equal(in.status_code, 102);
	assert_int_equal(in.last_used_at, 0); /* 1970-01-01T00:00:00Z: never */
	assert_true(in.has_state);
	assert_int_equal(in.state.status_code, 102);
	assert_int_equal(in.state.pid, 0);
	assert_int_equal(in.state.memory_usage, 0);
	assert_null(in.state.ipv4_address);
	assert_null(in.state.hwaddr);
	assert_null(in.state.host_name);
	assert_string_equal(in.network_parent, "ctrbr0");
	assert_string_equal(incus_instance_config_get(&in,
	    "volatile.apply_template"), "create");
	incus_instance_free(&in);
	incus_decode_response_free(&response);
}

static void test_instance_frozen(void **state)
{
	struct incus_response response;
	struct incus_instance in;

	(void)state;
	fixture_response("instance_frozen.json", &response);
	assert_int_equal(incus_decode_instance(response.metadata, &in), 0);
	assert_string_equal(in.status, "Frozen");
	assert_int_equal(in.status_code, 110);
	assert_int_equal(in.state.memory_usage, 569344);
	incus_instance_free(&in);
	incus_decode_response_free(&response);
}

static void test_instance_synthetic_incus(void **state)
{
	struct incus_response response;
	struct incus_instance in;

	(void)state;
	fixture_response("synthetic_instance_incus.json", &response);
	assert_int_equal(incus_decode_instance(response.metadata, &in), 0);
	assert_string_equal(in.name, "alice-container");
	assert_string_equal(in.description, "alice's box");
	assert_string_equal(in.location, "member2");
	assert_int_equal(in.created_at, 1740823200);   /* +02:00 */
	assert_int_equal(in.last_used_at, 1740879000); /* -01:30 */
	assert_int_equal(in.config_count, 5);          /* expanded_config */
	assert_config_sorted(&in);
	assert_string_equal(in.config[0].key, "image.os");
	assert_string_equal(incus_instance_config_get(&in, "limits.memory"),
	    "4GiB");
	assert_string_equal(in.root_pool, "fast");
	assert_string_equal(in.root_size, "20GB");
	assert_int_equal(in.root_size_bytes, 20000000000ULL);
	assert_string_equal(in.network_parent, "incusbr0");
	assert_int_equal(in.state.root_disk_usage, 123456789);
	assert_string_equal(in.state.ipv4_address, "10.0.0.5");
	assert_string_equal(in.state.ipv6_address, "fd42::10");
	assert_int_equal(in.state.processes, -1);
	assert_int_equal(in.state.rx_bytes, 5000000000LL);
	assert_int_equal(in.state.cpu_usage_ns, 987654321000LL);
	incus_instance_free(&in);
	incus_decode_response_free(&response);
}

static const struct incus_instance *list_find(
    const struct incus_instance_list *list, const char *name)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].name, name) == 0)
			return &list->items[i];
	fail_msg("%s not in list", name);
	return NULL;
}

static void test_instance_list(void **state)
{
	const struct incus_instance *a, *b, *t2;
	struct incus_instance_list list;
	struct incus_response response;

	(void)state;
	fixture_response("instance_list.json", &response);
	assert_int_equal(incus_decode_instance_list(response.metadata, &list), 0);
	assert_int_equal(list.count, 6);
	a = list_find(&list, "incusdev-a");
	b = list_find(&list, "incusdev-b");
	t2 = list_find(&list, "t2");
	assert_int_equal(a->status_code, 103);
	assert_true(a->has_state);
	assert_int_equal(a->state.pid, 11421);
	assert_string_equal(a->state.host_name, "vethc2670810");
	assert_int_equal(a->last_used_at, 1796007986);
	assert_int_equal(b->status_code, 102);
	assert_int_equal(b->created_at, 1796008019);
	assert_int_equal(b->config_count, 15);
	assert_string_equal(incus_instance_config_get(b,
	    "user.containarium.label.team"), "infra");
	assert_string_equal(incus_instance_config_get(b, "security.nesting"),
	    "true");
	assert_string_equal(b->root_pool, "default");
	assert_null(b->root_size);
	assert_int_equal(b->root_size_bytes, 0);
	assert_null(b->state.ipv4_address);
	assert_string_equal(t2->root_size, "2GB");
	assert_int_equal(t2->root_size_bytes, 2000000000ULL);
	assert_string_equal(t2->state.ipv4_address, "10.77.13.163");
	incus_instance_list_free(&list);
	incus_decode_response_free(&response);
}

static void test_instance_state_endpoint(void **state)
{
	struct incus_instance_state st;
	struct incus_response response;

	(void)state;
	fixture_response("instance_state_running.json", &response);
	assert_int_equal(incus_decode_instance_state(response.metadata, &st), 0);
	assert_string_equal(st.status, "Running");
	assert_int_equal(st.pid, 11421);
	assert_string_equal(st.ipv4_address, "10.77.13.201");
	assert_string_equal(st.hwaddr, "00:16:3e:c8:ae:38");
	assert_true(st.rx_bytes > 0);
	incus_instance_state_free(&st);
	incus_decode_response_free(&response);
}

static void test_instance_minimal(void **state)
{
	struct incus_instance in;

	(void)state;
	assert_int_equal(decode_instance_text("{\"name\":\"x\",\"status\":\"Stopped\","
	    "\"status_code\":102,\"config\":null,\"state\":null,"
	    "\"expanded_devices\":null}", &in), 0);
	assert_string_equal(in.name, "x");
	assert_int_equal(in.config_count, 0);
	assert_null(in.config);
	assert_false(in.has_state);
	assert_null(in.root_pool);
	assert_null(incus_instance_config_get(&in, "a"));
	incus_instance_free(&in);
	/* config used when there is no expanded_config; odd size kept as text */
	assert_int_equal(decode_instance_text("{\"name\":\"x\",\"status\":\"S\","
	    "\"status_code\":1,\"config\":{\"b\":\"2\",\"a\":\"1\"},"
	    "\"devices\":{\"r\":{\"type\":\"disk\",\"path\":\"/\","
	    "\"pool\":\"p\",\"size\":\"lots\"}}}", &in), 0);
	assert_int_equal(in.config_count, 2);
	assert_string_equal(in.config[0].key, "a");
	assert_string_equal(in.root_size, "lots");
	assert_int_equal(in.root_size_bytes, 0);
	incus_instance_free(&in);
}

/* An instance with the required fields and json (members) after them. */
#define BASE(json) "{\"name\":\"x\",\"status\":\"R\",\"status_code\":1," json "}"

static void test_instance_wrong_types(void **state)
{
	static const char *const bad[] = {
		"{\"status\":\"Running\",\"status_code\":103}",
		"{\"name\":1,\"status\":\"Running\",\"status_code\":103}",
		"{\"name\":\"x\",\"status_code\":103}",
		"{\"name\":\"x\",\"status\":\"R\",\"status_code\":\"103\"}",
		"{\"name\":\"x\",\"status\":\"R\",\"status_code\":1000}",
		"{\"name\":\"x\",\"status\":\"R\",\"status_code\":-1}",
		"{\"name\":\"x\",\"status\":\"R\",\"status_code\":1.5}",
		"{\"name\":null,\"status\":\"R\",\"status_code\":1}",
		BASE("\"config\":[]"),
		BASE("\"config\":{\"a\":1}"),
		BASE("\"config\":{\"a\":\"1\",\"b\":null}"),
		BASE("\"created_at\":5"),
		BASE("\"created_at\":\"yesterday\""),
		BASE("\"expanded_devices\":{\"root\":\"disk\"}"),
		BASE("\"expanded_devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":7}}"),
		BASE("\"expanded_devices\":{\"eth0\":{\"type\":\"nic\",\"parent\":[]}}"),
		BASE("\"state\":[]"),
		BASE("\"state\":{\"pid\":\"1\"}"),
		BASE("\"state\":{\"memory\":{\"usage\":\"1\"}}"),
		BASE("\"state\":{\"memory\":5}"),
		BASE("\"state\":{\"cpu\":{\"usage\":true}}"),
		BASE("\"state\":{\"disk\":{\"root\":{\"usage\":[]}}}"),
		BASE("\"state\":{\"network\":{\"eth0\":{\"addresses\":{}}}}"),
		BASE("\"state\":{\"network\":{\"eth0\":{\"addresses\":[1]}}}"),
		BASE("\"state\":{\"network\":{\"eth0\":{\"addresses\":[{\"family\":\"inet\",\"address\":5}]}}}"),
		BASE("\"state\":{\"network\":{\"eth0\":{\"counters\":{\"bytes_sent\":\"1\"}}}}"),
		BASE("\"state\":{\"network\":{\"eth0\":\"up\"}}"),
	};
	struct incus_instance in;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (decode_instance_text(bad[i], &in) != -EPROTO)
			fail_msg("accepted: %s", bad[i]);
	}
}

/* Builds {"name":..,"config":{k0..kN-1}} with n keys. */
static char *instance_with_keys(size_t n)
{
	size_t cap = 128 + n * 32, len;
	char *text = malloc(cap);

	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "{\"name\":\"x\",\"status\":\"R\","
	    "\"status_code\":1,\"config\":{");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s\"k%zu\":\"v\"",
		    i ? "," : "", i);
	snprintf(text + len, cap - len, "}}");
	return text;
}

static void test_instance_config_bounds(void **state)
{
	struct incus_instance in;
	char *text;

	(void)state;
	text = instance_with_keys(INCUS_CONFIG_KEYS_MAX);
	assert_int_equal(decode_instance_text(text, &in), 0);
	assert_int_equal(in.config_count, INCUS_CONFIG_KEYS_MAX);
	assert_string_equal(incus_instance_config_get(&in, "k999"), "v");
	incus_instance_free(&in);
	free(text);
	text = instance_with_keys(INCUS_CONFIG_KEYS_MAX + 1);
	assert_int_equal(decode_instance_text(text, &in), -EPROTO);
	free(text);
}

/* An array of n minimal instances as JSON text. */
static char *instance_array(size_t n)
{
	static const char item[] =
	    "{\"name\":\"i\",\"status\":\"R\",\"status_code\":1}";
	size_t cap = 16 + n * sizeof(item), len = 1;
	char *text = malloc(cap);

	assert_non_null(text);
	text[0] = '[';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s%s",
		    i ? "," : "", item);
	snprintf(text + len, cap - len, "]");
	return text;
}

static void test_instance_list_bounds(void **state)
{
	struct incus_instance_list list;
	json_t *array;
	char *text;

	(void)state;
	text = instance_array(INCUS_INSTANCES_MAX + 1);
	array = json_loads(text, 0, NULL);
	assert_non_null(array);
	assert_int_equal(incus_decode_instance_list(array, &list), -EPROTO);
	json_decref(array);
	free(text);
	text = instance_array(3);
	array = json_loads(text, 0, NULL);
	assert_int_equal(incus_decode_instance_list(array, &list), 0);
	assert_int_equal(list.count, 3);
	incus_instance_list_free(&list);
	json_decref(array);
	free(text);
	/* one bad item fails the list, freeing the good ones */
	array = json_loads("[{\"name\":\"a\",\"status\":\"R\",\"status_code\":1},"
	    "{\"name\":\"b\"}]", 0, NULL);
	assert_int_equal(incus_decode_instance_list(array, &list), -EPROTO);
	json_decref(array);
	array = json_loads("{}", 0, NULL);
	assert_int_equal(incus_decode_instance_list(array, &list), -EPROTO);
	json_decref(array);
	assert_int_equal(incus_decode_instance_list(NULL, &list), -EPROTO);
}

/* ---- responses and operations ------------------------------------ */

static void test_response_async(void **state)
{
	struct incus_response response;
	struct incus_operation op;

	(void)state;
	fixture_response("operation_create_async.json", &response);
	assert_int_equal(response.type, INCUS_RESPONSE_ASYNC);
	assert_int_equal(response.status_code, 100);
	assert_string_equal(response.operation,
	    "/1.0/operations/2a7d56ec-6674-435a-99cc-d0f3cccf9d1e");
	assert_int_equal(incus_decode_operation_path(response.operation), 0);
	assert_int_equal(incus_decode_operation(response.metadata, &op), 0);
	assert_int_equal(op.status_code, 103);
	assert_false(incus_decode_operation_is_final(op.status_code));
	assert_null(op.metadata);
	incus_decode_response_free(&response);
	/* the operation keeps its own reference to the tree */
	assert_string_equal(op.id, "2a7d56ec-6674-435a-99cc-d0f3cccf9d1e");
	assert_string_equal(op.status, "Running");
	incus_decode_operation_free(&op);
}

/* Decodes the operation inside fixture name; *ret must be freed. */
static void fixture_operation(const char *name, struct incus_operation *ret)
{
	struct incus_response response;

	fixture_response(name, &response);
	assert_int_equal(response.type, INCUS_RESPONSE_SYNC);
	assert_int_equal(incus_decode_operation(response.metadata, ret), 0);
	incus_decode_response_free(&response);
}

static void test_operation_outcomes(void **state)
{
	struct incus_operation op;

	(void)state;
	fixture_operation("operation_create_success.json", &op);
	assert_int_equal(op.status_code, INCUS_OPERATION_SUCCESS);
	assert_true(incus_decode_operation_is_final(op.status_code));
	assert_string_equal(op.err, "");
	incus_decode_operation_free(&op);

	fixture_operation("operation_create_exists.json", &op);
	assert_int_equal(op.status_code, INCUS_OPERATION_FAILURE);
	assert_int_equal(incus_error_from_operation(op.status_code, op.err),
	    -EEXIST);
	incus_decode_operation_free(&op);

	fixture_operation("operation_start_already_running.json", &op);
	assert_string_equal(op.err, "The instance is already running");
	assert_int_equal(incus_error_from_operation(op.status_code, op.err),
	    -EBUSY);
	incus_decode_operation_free(&op);

	fixture_operation("operation_stop_already_stopped.json", &op);
	assert_int_equal(incus_error_from_operation(op.status_code, op.err),
	    -EBUSY);
	incus_decode_operation_free(&op);

	fixture_operation("operation_running.json", &op);
	assert_int_equal(op.status_code, 103);
	assert_false(incus_decode_operation_is_final(op.status_code));
	incus_decode_operation_free(&op);

	fixture_operation("operation_delete_success.json", &op);
	assert_int_equal(op.status_code, 200);
	incus_decode_operation_free(&op);
}

static void test_operation_malformed(void **state)
{
	static const char *const bad[] = {
		"{}",
		"{\"id\":\"x\"}",
		"{\"id\":1,\"status_code\":200}",
		"{\"id\":\"x\",\"status_code\":\"200\"}",
		"{\"id\":\"x\",\"status_code\":200,\"err\":5}",
		"{\"id\":\"x\",\"status_code\":200,\"status\":[]}",
		"[]",
		"null",
	};
	struct incus_operation op;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *v = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		assert_int_equal(incus_decode_operation(v, &op), -EPROTO);
		json_decref(v);
	}
	assert_int_equal(incus_decode_operation(NULL, &op), -EPROTO);
}

static void test_operation_path(void **state)
{
	(void)state;
	assert_int_equal(incus_decode_operation_path("/1.0/operations/abc-123"), 0);
	assert_int_equal(incus_decode_operation_path("/1.0/operations/"), -EPROTO);
	assert_int_equal(incus_decode_operation_path("/1.0/operations/../x"),
	    -EPROTO);
	assert_int_equal(incus_decode_operation_path("/1.0/operations/a?b=c"),
	    -EPROTO);
	assert_int_equal(incus_decode_operation_path("/1.0/operations/a/wait"),
	    -EPROTO);
	assert_int_equal(incus_decode_operation_path("http://x/1.0/operations/a"),
	    -EPROTO);
	assert_int_equal(incus_decode_operation_path("/1.0/instances/a"), -EPROTO);
	assert_int_equal(incus_decode_operation_path(""), -EPROTO);
	assert_int_equal(incus_decode_operation_path(NULL), -EPROTO);
}

static void test_response_errors(void **state)
{
	static const struct {
		const char *fixture;
		int error_code;
		int errno_value;
	} cases[] = {
		{ "error_404_instance.json", 404, -ENOENT },
		{ "error_404_operation.json", 404, -ENOENT },
		{ "error_400_instance_running.json", 400, -EBUSY },
		{ "error_500_pool_not_found.json", 500, -ENOENT },
		{ "error_500_invalid_config.json", 500, -EINVAL },
	};
	struct incus_response response;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fixture_response(cases[i].fixture, &response);
		assert_int_equal(response.type, INCUS_RESPONSE_ERROR);
		assert_int_equal(response.error_code, cases[i].error_code);
		assert_non_null(response.error);
		assert_null(response.metadata);
		assert_int_equal(incus_error_from_status(response.error_code,
		    response.error), cases[i].errno_value);
		incus_decode_response_free(&response);
	}
}

static void test_response_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"\"sync\"",
		"{}",
		"{\"type\":\"sync\"",
		"{\"type\":\"weird\"}",
		"{\"type\":1}",
		"{\"type\":\"sync\",\"status_code\":\"200\"}",
		"{\"type\":\"sync\",\"status_code\":99999}",
		"{\"type\":\"error\",\"error_code\":404.0}",
		"{\"type\":\"error\",\"error\":404}",
		"{\"type\":\"async\"}",
		"{\"type\":\"async\",\"operation\":\"\"}",
		"{\"type\":\"async\",\"operation\":5}",
		"{\"type\":\"sync\",\"type\":\"sync\"}",
		"{\"type\":\"sync\",\"error\":\"a\\u0000b\"}",
		"{\"type\":\"sync\",\"status_code\":99999999999999999999999}",
		"<html>500 Internal Server Error</html>",
		"{\"type\":\"sync\"} trailing",
	};
	struct incus_response response;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (decode_text(bad[i], &response) != -EPROTO)
			fail_msg("accepted: %s", bad[i]);
	}
	assert_int_equal(incus_decode_response(NULL, 0, &response), -EPROTO);
	/* embedded NUL in the body */
	assert_int_equal(incus_decode_response("{\"type\":\"sync\"}\0x", 17,
	    &response), -EPROTO);
}

static void test_response_deep_nesting(void **state)
{
	size_t depth = 100000, len = 0;
	char *text = malloc(depth * 2 + 64);
	struct incus_response response;

	(void)state;
	assert_non_null(text);
	len += (size_t)sprintf(text, "{\"type\":\"sync\",\"metadata\":");
	for (size_t i = 0; i < depth; i++)
		text[len++] = '[';
	for (size_t i = 0; i < depth; i++)
		text[len++] = ']';
	text[len++] = '}';
	assert_int_equal(incus_decode_response(text, len, &response), -EPROTO);
	free(text);
}

/*
 * Every prefix of every fixture must decode as an error (-EPROTO) and
 * never crash or leak (run under ASan).
 */
static void test_truncated_fixtures(void **state)
{
	static const char *const names[] = {
		"server_info.json", "instance_running.json", "instance_list.json",
		"exec_success.json", "operation_create_exists.json",
		"resources.json", "error_404_instance.json",
	};
	struct incus_response response;

	(void)state;
	for (size_t f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		size_t size;
		char *text = fixture_load(names[f], &size);

		while (size > 0 && (text[size - 1] == '\n' || text[size - 1] == ' '))
			size--;
		for (size_t cut = 0; cut < size; cut += cut < 512 ? 1 : 97)
			assert_int_equal(incus_decode_response(text, cut, &response),
			    -EPROTO);
		free(text);
	}
}

/* Runs every decoder on a response's metadata; only crashes matter. */
static void decode_everything(json_t *metadata)
{
	struct incus_instance_list list;
	struct incus_instance_state st;
	struct incus_host_resources host;
	struct incus_pool_resources pool;
	struct incus_server_info info;
	struct incus_instance in;
	struct incus_operation op;
	const char *out, *err;
	char **entries;
	size_t count;
	int status;

	if (incus_decode_instance(metadata, &in) == 0)
		incus_instance_free(&in);
	if (incus_decode_instance_state(metadata, &st) == 0)
		incus_instance_state_free(&st);
	if (incus_decode_instance_list(metadata, &list) == 0)
		incus_instance_list_free(&list);
	if (incus_decode_server_info(metadata, &info) == 0)
		incus_client_server_info_free(&info);
	if (incus_decode_operation(metadata, &op) == 0) {
		(void)incus_decode_exec(op.metadata, &status, &out, &err);
		incus_decode_operation_free(&op);
	}
	(void)incus_decode_host_resources(metadata, &host);
	(void)incus_decode_pool_resources(metadata, &pool);
	if (incus_decode_directory(metadata, &entries, &count) == 0) {
		for (size_t i = 0; i < count; i++)
			free(entries[i]);
		free(entries);
	}
}

/*
 * Deterministic mutations of real fixtures (a byte changed to a JSON
 * delimiter, digit, quote or letter) through every decoder.
 */
static void test_mutated_fixtures(void **state)
{
	static const char *const names[] = {
		"instance_running.json", "instance_list.json", "server_info.json",
		"exec_success.json", "storage_pool_resources.json",
		"file_directory_listing.json", "resources.json",
	};
	static const char replacements[] = "{}[]\",:0-9aZ \\n";
	uint32_t seed = 12345;

	(void)state;
	for (size_t f = 0; f < sizeof(names) / sizeof(names[0]); f++) {
		size_t size;
		char *text = fixture_load(names[f], &size);

		for (int round = 0; round < 400; round++) {
			struct incus_response response;
			size_t at;
			char saved;

			seed = seed * 1103515245u + 12345u;
			at = (seed >> 8) % size;
			saved = text[at];
			text[at] = replacements[(seed >> 3) % (sizeof(replacements) - 1)];
			if (incus_decode_response(text, size, &response) == 0) {
				decode_everything(response.metadata);
				incus_decode_response_free(&response);
			}
			text[at] = saved;
		}
		free(text);
	}
}

/* ---- exec -------------------------------------------------------- */

static void test_exec_result(void **state)
{
	struct incus_operation op;
	const char *out, *err;
	int status;

	(void)state;
	fixture_operation("exec_success.json", &op);
	assert_int_equal(incus_decode_exec(op.metadata, &status, &out, &err), 0);
	assert_int_equal(status, 3);
	assert_string_equal(out, "/1.0/instances/incusdev-a/logs/"
	    "exec_a74f2b01-dc47-45e2-baf5-2f75cd7e84fa.stdout");
	assert_string_equal(err, "/1.0/instances/incusdev-a/logs/"
	    "exec_a74f2b01-dc47-45e2-baf5-2f75cd7e84fa.stderr");
	assert_int_equal(incus_decode_exec_output_path(out, "incusdev-a"), 0);
	assert_int_equal(incus_decode_exec_output_path(err, "incusdev-a"), 0);
	incus_decode_operation_free(&op);

	fixture_operation("exec_missing_command.json", &op);
	assert_int_equal(op.status_code, INCUS_OPERATION_FAILURE);
	assert_string_equal(op.err, "Command not found");
	assert_int_equal(incus_decode_exec(op.metadata, &status, &out, &err), 0);
	assert_int_equal(status, 127);
	incus_decode_operation_free(&op);

	fixture_operation("operation_create_success.json", &op);
	assert_int_equal(incus_decode_exec(op.metadata, &status, &out, &err),
	    -ENOENT);
	incus_decode_operation_free(&op);
}

static void test_exec_malformed(void **state)
{
	static const char *const bad[] = {
		"{\"return\":\"0\"}",
		"{\"return\":256}",
		"{\"return\":-2}",
		"{\"return\":0,\"output\":[]}",
		"{\"return\":0,\"output\":{\"1\":5}}",
		"[]",
	};
	const char *out, *err;
	int status;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *v = json_loads(bad[i], 0, NULL);
		assert_int_equal(incus_decode_exec(v, &status, &out, &err), -EPROTO);
		json_decref(v);
	}
}

static void test_exec_output_path(void **state)
{
	static const char *const bad[] = {
		"/1.0/instances/other/logs/exec_1.stdout",
		"/1.0/instances/a/logs/../../../1.0/instances/b/logs/x",
		"/1.0/instances/a/logs/..",
		"/1.0/instances/a/logs/",
		"/1.0/instances/a/logs/x.stdout?project=evil",
		"/1.0/instances/a/logs/x/y",
		"/1.0/instances/a/logs/exec-output/../x",
		"/1.0/instances/ab/logs/x",
		"/1.0/instances/a",
		"/1.0/operations/a/logs/x",
		"",
	};

	(void)state;
	assert_int_equal(incus_decode_exec_output_path(
	    "/1.0/instances/a/logs/exec_1.stdout", "a"), 0);
	assert_int_equal(incus_decode_exec_output_path(
	    "/1.0/instances/a/logs/exec-output/exec_1.stdout", "a"), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (incus_decode_exec_output_path(bad[i], "a") != -EPROTO)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(incus_decode_exec_output_path(NULL, "a"), -EPROTO);
	assert_int_equal(incus_decode_exec_output_path("/x", ""), -EPROTO);
}

/* ---- resources and files ----------------------------------------- */

static void test_resources(void **state)
{
	struct incus_host_resources host;
	struct incus_pool_resources pool;
	struct incus_response response;

	(void)state;
	fixture_response("resources.json", &response);
	assert_int_equal(incus_decode_host_resources(response.metadata, &host), 0);
	assert_int_equal(host.cpu_total, 2);
	assert_int_equal(host.memory_total, 25769803776ULL);
	assert_int_equal(host.memory_used, 779128832ULL);
	incus_decode_response_free(&response);

	fixture_response("storage_pool_resources.json", &response);
	assert_int_equal(incus_decode_pool_resources(response.metadata, &pool), 0);
	assert_int_equal(pool.space_total, 270553174016ULL);
	assert_int_equal(pool.space_used, 17242734592ULL);
	assert_int_equal(pool.inodes_total, 16777216);
	assert_int_equal(pool.inodes_used, 418309);
	incus_decode_response_free(&response);
}

static void test_resources_malformed(void **state)
{
	static const char *const host_bad[] = {
		"{}",
		"{\"cpu\":{\"total\":2}}",
		"{\"cpu\":{\"total\":-2},\"memory\":{\"total\":1,\"used\":1}}",
		"{\"cpu\":{\"total\":\"2\"},\"memory\":{\"total\":1,\"used\":1}}",
		"{\"cpu\":[],\"memory\":{\"total\":1,\"used\":1}}",
		"{\"cpu\":{\"total\":2},\"memory\":{\"total\":1}}",
	};
	static const char *const pool_bad[] = {
		"{}",
		"{\"space\":{}}",
		"{\"space\":{\"total\":1.5}}",
		"{\"space\":{\"total\":1},\"inodes\":7}",
		"{\"space\":{\"total\":1,\"used\":-1}}",
	};
	struct incus_host_resources host;
	struct incus_pool_resources pool;

	(void)state;
	for (size_t i = 0; i < sizeof(host_bad) / sizeof(host_bad[0]); i++) {
		json_t *v = json_loads(host_bad[i], 0, NULL);
		assert_int_equal(incus_decode_host_resources(v, &host), -EPROTO);
		json_decref(v);
	}
	for (size_t i = 0; i < sizeof(pool_bad) / sizeof(pool_bad[0]); i++) {
		json_t *v = json_loads(pool_bad[i], 0, NULL);
		assert_int_equal(incus_decode_pool_resources(v, &pool), -EPROTO);
		json_decref(v);
	}
}

static void test_directory(void **state)
{
	struct incus_response response;
	char **entries;
	size_t count;
	json_t *v;

	(void)state;
	fixture_response("file_directory_listing.json", &response);
	assert_int_equal(incus_decode_directory(response.metadata, &entries,
	    &count), 0);
	assert_int_equal(count, 5);
	assert_string_equal(entries[0], ".ssh");
	assert_string_equal(entries[4], "ak4");
	assert_null(entries[5]);
	for (size_t i = 0; i < count; i++)
		free(entries[i]);
	free(entries);
	incus_decode_response_free(&response);

	v = json_loads("[\"a\", 1]", 0, NULL);
	assert_int_equal(incus_decode_directory(v, &entries, &count), -EPROTO);
	json_decref(v);
	v = json_loads("{}", 0, NULL);
	assert_int_equal(incus_decode_directory(v, &entries, &count), -EPROTO);
	json_decref(v);
	v = json_array();
	for (size_t i = 0; i <= INCUS_DIRECTORY_ENTRIES_MAX; i++)
		json_array_append_new(v, json_string("x"));
	assert_int_equal(incus_decode_directory(v, &entries, &count), -EPROTO);
	json_decref(v);
}

static void test_file_headers(void **state)
{
	enum incus_file_type type;
	uint32_t v;

	(void)state;
	assert_int_equal(incus_decode_file_type("file", &type), 0);
	assert_int_equal(type, INCUS_FILE_REGULAR);
	assert_int_equal(incus_decode_file_type("directory", &type), 0);
	assert_int_equal(type, INCUS_FILE_DIRECTORY);
	assert_int_equal(incus_decode_file_type("symlink", &type), 0);
	assert_int_equal(type, INCUS_FILE_SYMLINK);
	assert_int_equal(incus_decode_file_type("fifo", &type), -EPROTO);
	assert_int_equal(incus_decode_file_type(NULL, &type), -EPROTO);

	assert_int_equal(incus_decode_file_mode("0600", &v), 0);
	assert_int_equal(v, 0600);
	assert_int_equal(incus_decode_file_mode("4755", &v), 0);
	assert_int_equal(v, 04755);
	assert_int_equal(incus_decode_file_mode("0800", &v), -EPROTO);
	assert_int_equal(incus_decode_file_mode("17777", &v), -EPROTO);
	assert_int_equal(incus_decode_file_mode("", &v), -EPROTO);
	assert_int_equal(incus_decode_file_mode("-1", &v), -EPROTO);

	assert_int_equal(incus_decode_file_id("1000", &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(incus_decode_file_id("4294967295", &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(incus_decode_file_id("4294967296", &v), -EPROTO);
	assert_int_equal(incus_decode_file_id("99999999999999999999999", &v),
	    -EPROTO);
	assert_int_equal(incus_decode_file_id("1 ", &v), -EPROTO);
	assert_int_equal(incus_decode_file_id("+1", &v), -EPROTO);
}

/* ---- scalars ------------------------------------------------------ */

static void test_timestamp(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-11-30", "2026-11-30T03:05:49",
		"2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
		"2026-11-31T00:00:00Z", "2026-11-30T24:00:00Z",
		"2026-11-30T23:60:00Z", "2026-11-30T23:59:60Z",
		"2026-11-30T03:05:49.Z", "2026-11-30T03:05:49.1234567890Z",
		"2026-11-30T03:05:49Zjunk", "2026-11-30T03:05:49+1:00",
		"2026-11-30T03:05:49+24:00", "2026-11-30T03:05:49 Z",
		"2026-11-30X03:05:49Z", "２０２６-11-30T03:05:49Z",
		"-026-11-30T03:05:49Z", "2026-00-10T00:00:00Z",
		"2026-01-00T00:00:00Z",
	};
	int64_t t;

	(void)state;
	assert_int_equal(incus_decode_timestamp("2026-11-30T03:05:49.455056931Z",
	    &t), 0);
	assert_int_equal(t, 1796007949);
	assert_int_equal(incus_decode_timestamp("2024-02-29T23:59:59Z", &t), 0);
	assert_int_equal(t, 1709251199);
	assert_int_equal(incus_decode_timestamp("2000-01-01T01:00:00+01:00",
	    &t), 0);
	assert_int_equal(t, 946684800);
	assert_int_equal(incus_decode_timestamp("1970-01-01T00:00:01z", &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(incus_decode_timestamp("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(incus_decode_timestamp("0001-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(incus_decode_timestamp("9999-12-31T23:59:59Z", &t), 0);
	assert_int_equal(t, 253402300799LL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (incus_decode_timestamp(bad[i], &t) != -EPROTO)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(incus_decode_timestamp(NULL, &t), -EPROTO);
}

static void test_size(void **state)
{
	static const struct {
		const char *text;
		uint64_t bytes;
	} good[] = {
		{ "0", 0 }, { "10", 10 }, { "10B", 10 }, { "1kB", 1000 },
		{ "2GB", 2000000000ULL }, { "1GiB", 1ULL << 30 },
		{ "5 MiB", 5ULL << 20 }, { "3TiB", 3ULL << 40 },
		{ "15EiB", 15ULL << 60 }, { "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = {
		"", "GiB", "-1", "1.5GiB", "1XB", "1gib", "1 ", "1  GiB",
		"18446744073709551616", "16EiB", "99999999999999999999999GB",
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(incus_decode_size(good[i].text, &v), 0);
		assert_int_equal(v, good[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (incus_decode_size(bad[i], &v) != -EPROTO)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(incus_decode_size(NULL, &v), -EPROTO);
}

/* ---- error mapping and URLs -------------------------------------- */

static void test_error_from_status(void **state)
{
	(void)state;
	assert_int_equal(incus_error_from_status(404, "Instance not found"),
	    -ENOENT);
	assert_int_equal(incus_error_from_status(404, NULL), -ENOENT);
	assert_int_equal(incus_error_from_status(409, "x"), -EEXIST);
	assert_int_equal(incus_error_from_status(400, "Invalid instance name"),
	    -EINVAL);
	assert_int_equal(incus_error_from_status(400, "Instance is not running"),
	    -EBUSY);
	assert_int_equal(incus_error_from_status(400, "Instance is running"),
	    -EBUSY);
	assert_int_equal(incus_error_from_status(400,
	    "Instance \"a\" already exists"), -EEXIST);
	/* "not found" in a 400 is about the request, not a missing object */
	assert_int_equal(incus_error_from_status(400, "Profile not found"),
	    -EINVAL);
	assert_int_equal(incus_error_from_status(403, "not authorized"), -EACCES);
	assert_int_equal(incus_error_from_status(412, "ETag"), -EBUSY);
	assert_int_equal(incus_error_from_status(500, "Storage pool not found"),
	    -ENOENT);
	assert_int_equal(incus_error_from_status(500, "Invalid config: x"),
	    -EINVAL);
	assert_int_equal(incus_error_from_status(500, "disk I/O error"), -EIO);
	assert_int_equal(incus_error_from_status(500, NULL), -EIO);
	assert_int_equal(incus_error_from_status(501, NULL), -EOPNOTSUPP);
	assert_int_equal(incus_error_from_status(503, "shutting down"),
	    -EHOSTDOWN);
	assert_int_equal(incus_error_from_status(504, NULL), -ETIMEDOUT);
}

static void test_error_from_operation(void **state)
{
	(void)state;
	assert_int_equal(incus_error_from_operation(401, "Cancelled"),
	    -ECANCELED);
	assert_int_equal(incus_error_from_operation(400,
	    "The container is already frozen"), -EBUSY);
	assert_int_equal(incus_error_from_operation(400,
	    "The container isn't running"), -EBUSY);
	assert_int_equal(incus_error_from_operation(400,
	    "Failed creating instance record: Add instance info to the "
	    "database: This \"instances\" entry already exists"), -EEXIST);
	assert_int_equal(incus_error_from_operation(400,
	    "Failed getting image: Image not found"), -ENOENT);
	assert_int_equal(incus_error_from_operation(400, "Failed to run: x"),
	    -EIO);
	assert_int_equal(incus_error_from_operation(400, ""), -EIO);
	assert_int_equal(incus_error_from_operation(400, NULL), -EIO);
}

static void test_url(void **state)
{
	struct incus_url url = { 0 };
	char *text = NULL;
	char big[INCUS_URL_MAX + 2];

	(void)state;
	incus_url_append(&url, "/1.0/instances/");
	incus_url_append_escaped(&url, "a b/../c?d&e=f%");
	incus_url_append(&url, "/files");
	incus_url_add_query(&url, "path", "/home/alice/.ssh/authorized_keys");
	incus_url_add_query(&url, "project", "p&q");
	assert_int_equal(incus_url_finish(&url, &text), 0);
	assert_string_equal(text, "/1.0/instances/a%20b%2F..%2Fc%3Fd%26e%3Df%25"
	    "/files?path=%2Fhome%2Falice%2F.ssh%2Fauthorized_keys&project=p%26q");
	free(text);

	assert_int_equal(incus_url_instance("x", "?recursion=1", &text), 0);
	assert_string_equal(text, "/1.0/instances/x?recursion=1");
	free(text);

	/* a query started by a literal continues with '&' */
	incus_url_append(&url, "/1.0/operations/x/wait?timeout=3");
	incus_url_add_query(&url, "project", "default");
	assert_int_equal(incus_url_finish(&url, &text), 0);
	assert_string_equal(text,
	    "/1.0/operations/x/wait?timeout=3&project=default");
	free(text);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	incus_url_append(&url, "/");
	incus_url_append_escaped(&url, big);
	incus_url_append(&url, "/more");
	assert_int_equal(incus_url_finish(&url, &text), -EINVAL);
	incus_url_done(&url);
}

static void test_utf8(void **state)
{
	static const char *const good[] = {
		"", "abc", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9d\x84\x9e",
		"\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
	};
	static const char *const bad[] = {
		"\x80", "\xc3", "a\xc3", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf",
		"\xed\xa0\x80", "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80", "\xff", "\xe2\x82", "\xe2\x28\xa1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(incus_json_utf8_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (incus_json_utf8_valid(bad[i]))
			fail_msg("accepted bad UTF-8 #%zu", i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_info_lxd),
		cmocka_unit_test(test_server_info_incus),
		cmocka_unit_test(test_server_info_malformed),
		cmocka_unit_test(test_instance_running),
		cmocka_unit_test(test_instance_stopped),
		cmocka_unit_test(test_instance_frozen),
		cmocka_unit_test(test_instance_synthetic_incus),
		cmocka_unit_test(test_instance_list),
		cmocka_unit_test(test_instance_state_endpoint),
		cmocka_unit_test(test_instance_minimal),
		cmocka_unit_test(test_instance_wrong_types),
		cmocka_unit_test(test_instance_config_bounds),
		cmocka_unit_test(test_instance_list_bounds),
		cmocka_unit_test(test_response_async),
		cmocka_unit_test(test_operation_outcomes),
		cmocka_unit_test(test_operation_malformed),
		cmocka_unit_test(test_operation_path),
		cmocka_unit_test(test_response_errors),
		cmocka_unit_test(test_response_malformed),
		cmocka_unit_test(test_response_deep_nesting),
		cmocka_unit_test(test_truncated_fixtures),
		cmocka_unit_test(test_mutated_fixtures),
		cmocka_unit_test(test_exec_result),
		cmocka_unit_test(test_exec_malformed),
		cmocka_unit_test(test_exec_output_path),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_resources_malformed),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_file_headers),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_error_from_status),
		cmocka_unit_test(test_error_from_operation),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
