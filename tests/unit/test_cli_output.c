/*
 * test_cli_output.c - tables, key: value lines, JSON and error lines
 * (src/cli/cli_output.c), written into memory streams.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cli/cli_output.h"

/* A memory stream and what was written to it. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static void capture_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

/* Closes the stream; c->buf then holds the text, freed by capture_free. */
static const char *capture_close(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	return c->buf;
}

static void capture_free(struct capture *c)
{
	free(c->buf);
}

/* Containers for the tests, on the stack of each test. */
struct fixture_container {
	Containarium__V1__Container c;
	Containarium__V1__ResourceLimits res;
	Containarium__V1__NetworkInfo net;
	Containarium__V1__Container__LabelsEntry label[2];
	Containarium__V1__Container__LabelsEntry *labels[2];
	char *keys[1];
};

static void fixture_init(struct fixture_container *f, char *user, char *name, int state,
    char *ip, char *cpu, char *memory, char *image)
{
	containarium__v1__container__init(&f->c);
	containarium__v1__resource_limits__init(&f->res);
	containarium__v1__network_info__init(&f->net);
	f->c.name = name;
	f->c.username = user;
	f->c.state = state;
	f->c.image = image;
	f->c.created_at = 1714564800;
	f->c.updated_at = 1714568400;
	f->c.docker_enabled = 1;
	f->res.cpu = cpu;
	f->res.memory = memory;
	f->res.disk = "50GB";
	f->net.ip_address = ip;
	f->net.mac_address = "00:16:3e:00:00:01";
	f->net.interface = "eth0";
	f->net.bridge = "incusbr0";
	f->c.resources = &f->res;
	f->c.network = &f->net;
	for (int i = 0; i < 2; i++) {
		containarium__v1__container__labels_entry__init(&f->label[i]);
		f->labels[i] = &f->label[i];
	}
	f->label[0].key = "team";     /* deliberately out of order */
	f->label[0].value = "infra";
	f->label[1].key = "env";
	f->label[1].value = "dev";
	f->c.labels = f->labels;
	f->c.n_labels = 2;
	f->keys[0] = "ssh-ed25519 AAAA me";
	f->c.ssh_keys = f->keys;
	f->c.n_ssh_keys = 1;
}

#define RUNNING CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_RUNNING
#define STOPPED CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_STOPPED

static void test_list_table(void **state)
{
	struct fixture_container a, b;
	Containarium__V1__Container *list[2] = { &a.c, &b.c };
	Containarium__V1__ListContainersResponse reply = CONTAINARIUM__V1__LIST_CONTAINERS_RESPONSE__INIT;
	struct capture out;

	(void)state;
	fixture_init(&a, "alice", "alice-container", RUNNING, "10.100.0.11", "4", "4GB",
	    "ubuntu:24.04");
	fixture_init(&b, "bob", "bob-container", STOPPED, "", "2", "512MiB", "images:debian/12");
	reply.containers = list;
	reply.n_containers = 2;
	reply.total_count = 2;
	capture_open(&out);
	assert_int_equal(cli_output_list_table(out.f, &reply), 0);
	assert_string_equal(capture_close(&out),
	    "NAME              USER    STATE     IPV4          CPU   MEMORY   IMAGE\n"
	    "alice-container   alice   RUNNING   10.100.0.11   4     4GB      ubuntu:24.04\n"
	    "bob-container     bob     STOPPED   -             2     512MiB   images:debian/12\n");
	capture_free(&out);
}

static void test_list_table_empty_and_sparse(void **state)
{
	Containarium__V1__Container bare = CONTAINARIUM__V1__CONTAINER__INIT;
	Containarium__V1__Container *list[2] = { &bare, NULL };
	Containarium__V1__ListContainersResponse reply = CONTAINARIUM__V1__LIST_CONTAINERS_RESPONSE__INIT;
	struct capture out;

	(void)state;
	capture_open(&out);
	assert_int_equal(cli_output_list_table(out.f, &reply), 0);
	assert_string_equal(capture_close(&out), "");
	capture_free(&out);

	bare.state = 42;        /* a state from a newer server */
	reply.containers = list;
	reply.n_containers = 2; /* and a NULL entry, which a decoder never makes */
	capture_open(&out);
	assert_int_equal(cli_output_list_table(out.f, &reply), 0);
	assert_string_equal(capture_close(&out),
	    "NAME   USER   STATE     IPV4   CPU   MEMORY   IMAGE\n"
	    "-      -      UNKNOWN   -      -     -        -\n"
	    "-      -      -         -      -     -        -\n");
	capture_free(&out);
}

static void test_list_table_hostile_strings(void **state)
{
	struct fixture_container a;
	Containarium__V1__Container *list[1] = { &a.c };
	Containarium__V1__ListContainersResponse reply = CONTAINARIUM__V1__LIST_CONTAINERS_RESPONSE__INIT;
	struct capture out;

	(void)state;
	/* "é" is two bytes, one column; ESC, CSI (C1) and a stray byte are '?' */
	fixture_init(&a, "\xc3\xa9", "x\x1b[2Jy\xc2\x9b\xff", RUNNING, "1.2.3.4\r\n", "1", "1GB", "i");
	reply.containers = list;
	reply.n_containers = 1;
	capture_open(&out);
	assert_int_equal(cli_output_list_table(out.f, &reply), 0);
	assert_string_equal(capture_close(&out),
	    "NAME       USER   STATE     IPV4        CPU   MEMORY   IMAGE\n"
	    "x?[2Jy??   \xc3\xa9      RUNNING   1.2.3.4??   1     1GB      i\n");
	capture_free(&out);
}

/* Parses text as JSON, failing the test when it is not. */
static json_t *parse_json(const char *text)
{
	json_error_t error;
	json_t *root = json_loads(text, 0, &error);

	if (!root)
		fail_msg("not JSON (%s): %s", error.text, text);
	return root;
}

static void test_list_json(void **state)
{
	struct fixture_container a, b;
	Containarium__V1__Container *list[2] = { &a.c, &b.c };
	Containarium__V1__ListContainersResponse reply = CONTAINARIUM__V1__LIST_CONTAINERS_RESPONSE__INIT;
	struct capture out;
	json_t *root, *c, *labels;
	const char *key;
	json_t *value;
	size_t n = 0;
	static const char *const fields[] = {
		"name", "username", "state", "ip_address", "cpu", "memory", "disk",
		"image", "labels", "docker_enabled", "created_at",
	};

	(void)state;
	fixture_init(&a, "alice", "alice-container", RUNNING, "10.0.0.1", "4", "4GB", "u:24.04");
	fixture_init(&b, "bob", "bob\x1b-container", STOPPED, "", "2", "1GB", "bad\xff");
	reply.containers = list;
	reply.n_containers = 2;
	reply.total_count = 2;
	capture_open(&out);
	assert_int_equal(cli_output_list_json(out.f, &reply), 0);
	root = parse_json(capture_close(&out));
	assert_null(strchr(out.buf, '\x1b'));   /* escaped as \u001b */
	assert_int_equal(json_integer_value(json_object_get(root, "total_count")), 2);
	assert_int_equal(json_array_size(json_object_get(root, "containers")), 2);
	c = json_array_get(json_object_get(root, "containers"), 0);
	/* exactly the documented fields, in the documented order */
	json_object_foreach(c, key, value) {
		assert_true(n < sizeof(fields) / sizeof(fields[0]));
		assert_string_equal(key, fields[n++]);
	}
	assert_int_equal(n, sizeof(fields) / sizeof(fields[0]));
	assert_string_equal(json_string_value(json_object_get(c, "state")), "running");
	assert_true(json_is_true(json_object_get(c, "docker_enabled")));
	assert_int_equal(json_integer_value(json_object_get(c, "created_at")), 1714564800);
	labels = json_object_get(c, "labels");
	assert_string_equal(json_string_value(json_object_get(labels, "team")), "infra");
	assert_non_null(strstr(out.buf, "\"env\": \"dev\",\n"));  /* sorted: env first */
	c = json_array_get(json_object_get(root, "containers"), 1);
	assert_string_equal(json_string_value(json_object_get(c, "name")), "bob\x1b-container");
	assert_string_equal(json_string_value(json_object_get(c, "image")), "bad?");
	assert_string_equal(json_string_value(json_object_get(c, "ip_address")), "");
	json_decref(root);
	capture_free(&out);

	reply.n_containers = 0;
	reply.total_count = 0;
	capture_open(&out);
	assert_int_equal(cli_output_list_json(out.f, &reply), 0);
	assert_string_equal(capture_close(&out), "{\n  \"containers\": [],\n  \"total_count\": 0\n}\n");
	capture_free(&out);
}

static void test_info_text(void **state)
{
	struct fixture_container a;
	Containarium__V1__ContainerMetrics m = CONTAINARIUM__V1__CONTAINER_METRICS__INIT;
	Containarium__V1__GetContainerResponse reply = CONTAINARIUM__V1__GET_CONTAINER_RESPONSE__INIT;
	struct capture out;

	(void)state;
	fixture_init(&a, "alice", "alice-container", RUNNING, "10.0.0.1", "4", "4GB", "ubuntu:24.04");
	m.cpu_usage_percent = 12.5;
	m.memory_usage_bytes = 1288490188;
	m.memory_limit_bytes = 4294967296;
	m.disk_usage_bytes = 3221225472;
	m.disk_limit_bytes = 0;
	m.network_rx_bytes = 1048576;
	m.network_tx_bytes = 512;
	m.process_count = 42;
	reply.container = &a.c;
	reply.metrics = &m;
	capture_open(&out);
	assert_int_equal(cli_output_info_text(out.f, &reply), 0);
	assert_string_equal(capture_close(&out),
	    "name:         alice-container\n"
	    "username:     alice\n"
	    "state:        RUNNING\n"
	    "image:        ubuntu:24.04\n"
	    "ipv4:         10.0.0.1\n"
	    "mac_address:  00:16:3e:00:00:01\n"
	    "interface:    eth0\n"
	    "bridge:       incusbr0\n"
	    "cpu:          4\n"
	    "memory:       4GB\n"
	    "disk:         50GB\n"
	    "docker:       yes\n"
	    "labels:       env=dev, team=infra\n"
	    "ssh_keys:     1\n"
	    "created:      2024-05-01 12:00:00 UTC\n"
	    "updated:      2024-05-01 13:00:00 UTC\n"
	    "cpu_usage:    12.5%\n"
	    "memory_usage: 1.2 GiB of 4.0 GiB\n"
	    "disk_usage:   3.0 GiB\n"
	    "network_rx:   1.0 MiB\n"
	    "network_tx:   512 B\n"
	    "processes:    42\n");
	capture_free(&out);
}

static void test_info_sparse_and_odd_numbers(void **state)
{
	Containarium__V1__Container bare = CONTAINARIUM__V1__CONTAINER__INIT;
	Containarium__V1__ContainerMetrics m = CONTAINARIUM__V1__CONTAINER_METRICS__INIT;
	Containarium__V1__GetContainerResponse reply = CONTAINARIUM__V1__GET_CONTAINER_RESPONSE__INIT;
	struct capture out;
	json_t *root;

	(void)state;
	capture_open(&out);
	assert_int_equal(cli_output_info_text(out.f, &reply), 0);     /* nothing at all */
	assert_string_equal(capture_close(&out), "");
	capture_free(&out);

	bare.created_at = -5;
	m.cpu_usage_percent = NAN;
	m.memory_usage_bytes = -1;
	reply.container = &bare;
	reply.metrics = &m;
	capture_open(&out);
	assert_int_equal(cli_output_info_text(out.f, &reply), 0);
	capture_close(&out);
	assert_non_null(strstr(out.buf, "name:         -\n"));
	assert_non_null(strstr(out.buf, "labels:       -\n"));
	assert_non_null(strstr(out.buf, "created:      -\n"));
	assert_non_null(strstr(out.buf, "cpu_usage:    -\n"));
	assert_non_null(strstr(out.buf, "memory_usage: -\n"));
	capture_free(&out);

	m.cpu_usage_percent = INFINITY;
	capture_open(&out);
	assert_int_equal(cli_output_info_json(out.f, &reply), 0);
	root = parse_json(capture_close(&out));
	assert_true(json_is_null(json_object_get(json_object_get(root, "metrics"),
	    "cpu_usage_percent")));
	assert_int_equal(json_object_size(json_object_get(json_object_get(root, "container"),
	    "labels")), 0);
	json_decref(root);
	capture_free(&out);

	reply.container = NULL;
	reply.metrics = NULL;
	capture_open(&out);
	assert_int_equal(cli_output_info_json(out.f, &reply), 0);
	assert_string_equal(capture_close(&out), "{\n  \"container\": null,\n  \"metrics\": null\n}\n");
	capture_free(&out);
}

static void test_info_json_detail(void **state)
{
	struct fixture_container a;
	Containarium__V1__GetContainerResponse reply = CONTAINARIUM__V1__GET_CONTAINER_RESPONSE__INIT;
	struct capture out;
	json_t *root, *c;

	(void)state;
	fixture_init(&a, "alice", "alice-container", RUNNING, "10.0.0.1", "4", "4GB", "ubuntu:24.04");
	reply.container = &a.c;
	capture_open(&out);
	assert_int_equal(cli_output_info_json(out.f, &reply), 0);
	root = parse_json(capture_close(&out));
	c = json_object_get(root, "container");
	assert_int_equal(json_integer_value(json_object_get(c, "updated_at")), 1714568400);
	assert_string_equal(json_string_value(json_object_get(c, "bridge")), "incusbr0");
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "ssh_keys"), 0)),
	    "ssh-ed25519 AAAA me");
	assert_true(json_is_null(json_object_get(root, "metrics")));
	json_decref(root);
	capture_free(&out);
}

static void test_create_delete_lifecycle(void **state)
{
	struct fixture_container a;
	Containarium__V1__CreateContainerResponse created = CONTAINARIUM__V1__CREATE_CONTAINER_RESPONSE__INIT;
	Containarium__V1__DeleteContainerResponse deleted = CONTAINARIUM__V1__DELETE_CONTAINER_RESPONSE__INIT;
	struct capture out;
	json_t *root;

	(void)state;
	fixture_init(&a, "alice", "alice-container", RUNNING, "10.0.0.1", "4", "4GB", "u");
	created.container = &a.c;
	created.message = "Container created\n";
	created.ssh_command = "ssh alice@10.0.0.1";
	capture_open(&out);
	assert_int_equal(cli_output_create_text(out.f, &created), 0);
	assert_string_equal(capture_close(&out),
	    "Container created?\n"
	    "name:         alice-container\n"
	    "state:        RUNNING\n"
	    "ipv4:         10.0.0.1\n"
	    "ssh_command:  ssh alice@10.0.0.1\n");
	capture_free(&out);
	capture_open(&out);
	assert_int_equal(cli_output_create_json(out.f, &created), 0);
	root = parse_json(capture_close(&out));
	assert_string_equal(json_string_value(json_object_get(root, "ssh_command")),
	    "ssh alice@10.0.0.1");
	assert_string_equal(json_string_value(json_object_get(json_object_get(root, "container"),
	    "username")), "alice");
	json_decref(root);
	capture_free(&out);

	deleted.container_name = "alice-container";
	capture_open(&out);
	assert_int_equal(cli_output_delete_text(out.f, &deleted), 0);
	assert_string_equal(capture_close(&out), "Deleted alice-container\n");
	capture_free(&out);
	deleted.message = "gone";
	capture_open(&out);
	assert_int_equal(cli_output_delete_json(out.f, &deleted), 0);
	assert_string_equal(capture_close(&out),
	    "{\n  \"container_name\": \"alice-container\",\n  \"message\": \"gone\"\n}\n");
	capture_free(&out);

	capture_open(&out);
	assert_int_equal(cli_output_lifecycle_text(out.f, "Stopped", "", &a.c), 0);
	assert_string_equal(capture_close(&out), "Stopped alice-container\nstate:        RUNNING\n");
	capture_free(&out);
	capture_open(&out);
	assert_int_equal(cli_output_lifecycle_text(out.f, "Started", NULL, NULL), 0);
	assert_string_equal(capture_close(&out), "Started container\n");
	capture_free(&out);
	capture_open(&out);
	assert_int_equal(cli_output_lifecycle_json(out.f, "ok", NULL), 0);
	assert_string_equal(capture_close(&out), "{\n  \"container\": null,\n  \"message\": \"ok\"\n}\n");
	capture_free(&out);
	capture_open(&out);
	assert_int_equal(cli_output_version_json(out.f, "1.2.3"), 0);
	assert_string_equal(capture_close(&out), "{\n  \"version\": \"1.2.3\"\n}\n");
	capture_free(&out);
}

static void test_errors(void **state)
{
	struct capture out;

	(void)state;
	capture_open(&out);
	cli_output_error(out.f, "info", "GetContainer carol", "NOT_FOUND",
	    "container carol-container\nnot found\x1b[0m");
	assert_string_equal(capture_close(&out),
	    "containarium: info: GetContainer carol: NOT_FOUND: "
	    "container carol-container?not found?[0m\n");
	capture_free(&out);
	capture_open(&out);
	cli_output_error(out.f, NULL, "cannot\rdo it", NULL, "");
	assert_string_equal(capture_close(&out), "containarium: cannot?do it\n");
	capture_free(&out);
	capture_open(&out);
	cli_output_usage_error(out.f, "list", "unknown option \"--x\"");
	assert_string_equal(capture_close(&out),
	    "containarium: list: unknown option \"--x\"\nTry 'containarium help list'.\n");
	capture_free(&out);
	capture_open(&out);
	cli_output_usage_error(out.f, NULL, "unknown command \"x\"");
	assert_string_equal(capture_close(&out),
	    "containarium: unknown command \"x\"\nTry 'containarium help'.\n");
	capture_free(&out);
}

static void test_format_bytes(void **state)
{
	static const struct { int64_t in; const char *out; } cases[] = {
		{ 0, "0 B" }, { 1023, "1023 B" }, { 1024, "1.0 KiB" }, { 1536, "1.5 KiB" },
		{ 4294967296, "4.0 GiB" }, { -1, "-" }, { INT64_MAX, "8.0 EiB" },
		{ INT64_MIN, "-" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(cli_output_format_bytes(cases[i].in, buf, sizeof(buf)),
		    cases[i].out);
}

static void test_clean(void **state)
{
	static const struct { const char *in, *strip, *keep; } cases[] = {
		{ "plain", "plain", "plain" },
		{ "tab\there", "tab?here", "tab\there" },
		{ "\x7f", "?", "\x7f" },
		{ "\xc2\x9b" "1m", "?1m", "\xc2\x9b" "1m" },             /* C1 CSI */
		{ "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" }, /* emoji */
		{ "\xc0\xaf", "??", "??" },                              /* overlong */
		{ "\xe0\x80\xaf", "???", "???" },                        /* overlong */
		{ "\xed\xa0\x80", "???", "???" },                        /* surrogate */
		{ "\xf4\x90\x80\x80", "????", "????" },                  /* > U+10FFFF */
		{ "a\xe2\x82", "a??", "a??" },                           /* cut short */
		{ "\xff\xfe", "??", "??" },
	};
	char *s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = cli_output_clean(cases[i].in, 1);
		assert_string_equal(s, cases[i].strip);
		free(s);
		s = cli_output_clean(cases[i].in, 0);
		assert_string_equal(s, cases[i].keep);
		free(s);
	}
	s = cli_output_clean(NULL, 1);
	assert_string_equal(s, "");
	free(s);
}

static void test_states(void **state)
{
	(void)state;
	assert_string_equal(cli_output_state_label(RUNNING), "RUNNING");
	assert_string_equal(cli_output_state_json(STOPPED), "stopped");
	assert_string_equal(cli_output_state_json(0), "unspecified");
	assert_string_equal(cli_output_state_label(6), "UNKNOWN");
	assert_string_equal(cli_output_state_label(-1), "UNKNOWN");
	assert_string_equal(cli_output_state_json(1 << 30), "unknown");
}

static void test_write_error_is_reported(void **state)
{
	struct fixture_container a;
	Containarium__V1__Container *list[1] = { &a.c };
	Containarium__V1__ListContainersResponse reply = CONTAINARIUM__V1__LIST_CONTAINERS_RESPONSE__INIT;
	char small[16];
	FILE *f;

	(void)state;
	fixture_init(&a, "alice", "alice-container", RUNNING, "10.0.0.1", "4", "4GB", "u");
	reply.containers = list;
	reply.n_containers = 1;
	f = fmemopen(small, sizeof(small), "w");
	assert_non_null(f);
	assert_int_equal(cli_output_list_table(f, &reply), -EIO);
	(void)fclose(f);
	f = fmemopen(small, sizeof(small), "w");
	assert_non_null(f);
	assert_int_equal(cli_output_list_json(f, &reply), -EIO);
	(void)fclose(f);
}

/* list-all: merged rows with SERVER, an error row spanning the rest. */
static void test_listall_table_and_json(void **state)
{
	struct fixture_container a, b;
	Containarium__V1__Container *list_a[1] = { &a.c }, *list_b[1] = { &b.c };
	Containarium__V1__ListContainersResponse ra = CONTAINARIUM__V1__LIST_CONTAINERS_RESPONSE__INIT;
	Containarium__V1__ListContainersResponse rb = CONTAINARIUM__V1__LIST_CONTAINERS_RESPONSE__INIT;
	struct cli_output_server servers[3] = {
		{ .server = "jump-1:50051", .reply = &ra },
		{ .server = "jump-2:50051", .status = "UNAVAILABLE", .message = "refused\x1b[2J" },
		{ .server = "j3:1", .reply = &rb },
	};
	struct capture out;
	json_t *doc;

	(void)state;
	fixture_init(&a, "alice", "alice-container", RUNNING, "10.0.0.1", "4", "4GB", "u:24");
	fixture_init(&b, "bob", "bob-container", STOPPED, "", "2", "1GB", "d:12");
	ra.containers = list_a, ra.n_containers = 1, ra.total_count = 1;
	rb.containers = list_b, rb.n_containers = 1, rb.total_count = 1;
	capture_open(&out);
	assert_int_equal(cli_output_listall_table(out.f, servers, 3), 0);
	assert_string_equal(capture_close(&out),
	    "SERVER         NAME              USER    STATE     IPV4       CPU   MEMORY   IMAGE\n"
	    "jump-1:50051   alice-container   alice   RUNNING   10.0.0.1   4     4GB      u:24\n"
	    "jump-2:50051   ERROR UNAVAILABLE: refused?[2J\n"
	    "j3:1           bob-container     bob     STOPPED   -          2     1GB      d:12\n");
	capture_free(&out);

	capture_open(&out);
	assert_int_equal(cli_output_listall_json(out.f, servers, 3), 0);
	doc = json_loads(capture_close(&out), 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "servers"), 1), "status")), "UNAVAILABLE");
	assert_int_equal(json_array_size(json_object_get(doc, "containers")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "containers"), 1), "server")), "j3:1");
	json_decref(doc);
	capture_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_table),
		cmocka_unit_test(test_list_table_empty_and_sparse),
		cmocka_unit_test(test_list_table_hostile_strings),
		cmocka_unit_test(test_list_json),
		cmocka_unit_test(test_info_text),
		cmocka_unit_test(test_info_sparse_and_odd_numbers),
		cmocka_unit_test(test_info_json_detail),
		cmocka_unit_test(test_create_delete_lifecycle),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_write_error_is_reported),
		cmocka_unit_test(test_listall_table_and_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
