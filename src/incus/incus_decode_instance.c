/*
 * incus_decode_instance.c - instance, state and instance-list JSON into
 * struct incus_instance; see incus_decode.h.
 *
 * Required: name, status, status_code. Everything else is optional (absent
 * or null gives 0/NULL) but, when sent, must have its documented type.
 * Counts are bounded (INCUS_CONFIG_KEYS_MAX keys and devices,
 * INCUS_INSTANCES_MAX instances).
 */
#include "incus_decode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "incus_json.h"

#define STATUS_CODE_MAX 999
#define ADDRESSES_MAX 1024u

static bool streq_or_null(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

static int incus_decode_instance_config_compare(const void *a, const void *b)
{
	const struct incus_config_entry *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* Copies one key/value pair of a config object into *ret. */
static int incus_decode_instance_config_entry(const char *key, json_t *value,
    struct incus_config_entry *ret)
{
	int k;

	if (strlen(key) > INCUS_JSON_NAME_MAX)
		return -EPROTO;
	k = incus_json_value_strdup(value, INCUS_JSON_VALUE_MAX, &ret->value);
	if (k < 0)
		return k;
	ret->key = strdup(key);
	if (!ret->key) {
		free(ret->value);
		ret->value = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Decodes a config object (string values only) into a sorted array. */
static int incus_decode_instance_config(json_t *object,
    struct incus_instance *instance)
{
	struct incus_config_entry *entries;
	size_t count, n = 0;
	const char *key;
	json_t *value;
	int k = 0;

	count = json_object_size(object);
	if (count == 0)
		return 0;
	if (count > INCUS_CONFIG_KEYS_MAX)
		return -EPROTO;
	entries = calloc(count, sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	json_object_foreach(object, key, value) {
		if (n >= count || k < 0)
			break;
		k = incus_decode_instance_config_entry(key, value, &entries[n]);
		if (k >= 0)
			n++;
	}
	instance->config = entries;
	instance->config_count = n;
	if (k < 0)
		return k;
	qsort(entries, n, sizeof(*entries), incus_decode_instance_config_compare);
	return 0;
}

/* Records pool and size of the disk device mounted at "/". */
static int incus_decode_instance_root_disk(json_t *device,
    struct incus_instance *instance)
{
	int k;

	k = incus_json_strdup(device, "pool", false, INCUS_JSON_NAME_MAX,
	    &instance->root_pool);
	if (k >= 0)
		k = incus_json_strdup(device, "size", false, INCUS_JSON_NAME_MAX,
		    &instance->root_size);
	if (k < 0)
		return k;
	/* A size Incus accepted but we cannot parse is reported as text only. */
	if (instance->root_size &&
	    incus_decode_size(instance->root_size, &instance->root_size_bytes) < 0)
		instance->root_size_bytes = 0;
	return 0;
}

/* Records the bridge of the nic device that is eth0 in the instance. */
static int incus_decode_instance_nic(json_t *device,
    struct incus_instance *instance)
{
	const char *parent = NULL, *network = NULL;
	int k;

	k = incus_json_string(device, "parent", false, INCUS_JSON_NAME_MAX,
	    &parent);
	if (k >= 0)
		k = incus_json_string(device, "network", false,
		    INCUS_JSON_NAME_MAX, &network);
	if (k < 0)
		return k;
	if (!parent)
		parent = network;
	if (!parent)
		return 0;
	instance->network_parent = strdup(parent);
	return instance->network_parent ? 0 : -ENOMEM;
}

/* Looks at one device for the root disk or the eth0 nic. */
static int incus_decode_instance_device(const char *device_name,
    json_t *device, struct incus_instance *instance)
{
	const char *type = NULL, *path = NULL, *name = NULL;
	int k;

	if (!json_is_object(device))
		return -EPROTO;
	k = incus_json_string(device, "type", false, INCUS_JSON_NAME_MAX, &type);
	if (k >= 0)
		k = incus_json_string(device, "path", false, INCUS_JSON_NAME_MAX,
		    &path);
	if (k >= 0)
		k = incus_json_string(device, "name", false, INCUS_JSON_NAME_MAX,
		    &name);
	if (k < 0)
		return k;
	if (streq_or_null(type, "disk") && streq_or_null(path, "/") &&
	    !instance->root_pool && !instance->root_size)
		return incus_decode_instance_root_disk(device, instance);
	if (streq_or_null(type, "nic") && !instance->network_parent &&
	    (streq_or_null(name, "eth0") ||
	    (!name && strcmp(device_name, "eth0") == 0)))
		return incus_decode_instance_nic(device, instance);
	return 0;
}

/* Walks the devices object (at most INCUS_CONFIG_KEYS_MAX entries). */
static int incus_decode_instance_devices(json_t *devices,
    struct incus_instance *instance)
{
	const char *device_name;
	json_t *device;
	int k;

	if (json_object_size(devices) > INCUS_CONFIG_KEYS_MAX)
		return -EPROTO;
	json_object_foreach(devices, device_name, device) {
		k = incus_decode_instance_device(device_name, device, instance);
		if (k < 0)
			return k;
	}
	return 0;
}

/* Prefers the expanded_ form of a map (profiles applied) when sent. */
static int incus_decode_instance_pick(json_t *object, const char *expanded,
    const char *local, json_t **ret)
{
	int k;

	k = incus_json_object(object, expanded, false, ret);
	if (k >= 0 && !*ret)
		k = incus_json_object(object, local, false, ret);
	return k;
}

/* Decodes one "YYYY-MM-DDThh:mm:ssZ" field when sent. */
static int incus_decode_instance_time(json_t *object, const char *key,
    int64_t *ret)
{
	const char *text = NULL;
	int k;

	k = incus_json_string(object, key, false, INCUS_JSON_NAME_MAX, &text);
	if (k < 0 || !text)
		return k;
	return incus_decode_timestamp(text, ret);
}

/* Decodes the scalar fields of an instance. */
static int incus_decode_instance_scalars(json_t *object,
    struct incus_instance *in)
{
	static const size_t max = INCUS_JSON_NAME_MAX;
	int k;

	k = incus_json_strdup(object, "name", true, max, &in->name);
	if (k >= 0)
		k = incus_json_strdup(object, "status", true, max, &in->status);
	if (k >= 0)
		k = incus_json_int_range(object, "status_code", true, 0,
		    STATUS_CODE_MAX, &in->status_code);
	if (k >= 0)
		k = incus_json_strdup(object, "type", false, max, &in->type);
	if (k >= 0)
		k = incus_json_strdup(object, "architecture", false, max,
		    &in->architecture);
	if (k >= 0)
		k = incus_json_strdup(object, "description", false,
		    INCUS_JSON_VALUE_MAX, &in->description);
	if (k >= 0)
		k = incus_json_strdup(object, "location", false, max,
		    &in->location);
	if (k >= 0)
		k = incus_decode_instance_time(object, "created_at",
		    &in->created_at);
	if (k >= 0)
		k = incus_decode_instance_time(object, "last_used_at",
		    &in->last_used_at);
	return k;
}

/* Decodes config, devices and state of an instance. */
static int incus_decode_instance_maps(json_t *object,
    struct incus_instance *in)
{
	json_t *config = NULL, *devices = NULL, *state = NULL;
	int k;

	k = incus_decode_instance_pick(object, "expanded_config", "config",
	    &config);
	if (k >= 0)
		k = incus_decode_instance_pick(object, "expanded_devices",
		    "devices", &devices);
	if (k >= 0)
		k = incus_json_object(object, "state", false, &state);
	if (k >= 0 && config)
		k = incus_decode_instance_config(config, in);
	if (k >= 0 && devices)
		k = incus_decode_instance_devices(devices, in);
	if (k >= 0 && state) {
		k = incus_decode_instance_state(state, &in->state);
		in->has_state = k >= 0;
	}
	return k;
}

int incus_decode_instance(json_t *object, struct incus_instance *ret)
{
	struct incus_instance instance = { 0 };
	int k;

	if (!json_is_object(object))
		return -EPROTO;
	k = incus_decode_instance_scalars(object, &instance);
	if (k >= 0)
		k = incus_decode_instance_maps(object, &instance);
	if (k < 0) {
		incus_instance_free(&instance);
		return k;
	}
	*ret = instance;
	return 0;
}

/*
 * Takes the first address of family ("inet"/"inet6") with scope global
 * into *slot, unless *slot is already set.
 */
static int incus_decode_instance_address(json_t *address, char **ret_inet,
    char **ret_inet6)
{
	const char *family = NULL, *scope = NULL, *text = NULL;
	char **slot = NULL;
	int k;

	if (!json_is_object(address))
		return -EPROTO;
	k = incus_json_string(address, "family", false, INCUS_JSON_NAME_MAX,
	    &family);
	if (k >= 0)
		k = incus_json_string(address, "scope", false,
		    INCUS_JSON_NAME_MAX, &scope);
	if (k >= 0)
		k = incus_json_string(address, "address", false,
		    INCUS_JSON_NAME_MAX, &text);
	if (k < 0)
		return k;
	if (streq_or_null(family, "inet"))
		slot = ret_inet;
	else if (streq_or_null(family, "inet6"))
		slot = ret_inet6;
	if (!slot || *slot || !text || !streq_or_null(scope, "global"))
		return 0;
	*slot = strdup(text);
	return *slot ? 0 : -ENOMEM;
}

/* Decodes the addresses array of eth0. */
static int incus_decode_instance_addresses(json_t *nic,
    struct incus_instance_state *state)
{
	json_t *addresses = NULL, *address;
	size_t i;
	int k;

	k = incus_json_array(nic, "addresses", false, ADDRESSES_MAX, &addresses);
	if (k < 0 || !addresses)
		return k;
	json_array_foreach(addresses, i, address) {
		k = incus_decode_instance_address(address, &state->ipv4_address,
		    &state->ipv6_address);
		if (k < 0)
			return k;
	}
	return 0;
}

/* Decodes network.eth0 of a state object. */
static int incus_decode_instance_eth0(json_t *nic,
    struct incus_instance_state *state)
{
	json_t *counters = NULL;
	int k;

	k = incus_decode_instance_addresses(nic, state);
	if (k >= 0)
		k = incus_json_strdup(nic, "hwaddr", false, INCUS_JSON_NAME_MAX,
		    &state->hwaddr);
	if (k >= 0)
		k = incus_json_strdup(nic, "host_name", false,
		    INCUS_JSON_NAME_MAX, &state->host_name);
	if (k >= 0)
		k = incus_json_object(nic, "counters", false, &counters);
	if (k >= 0 && counters)
		k = incus_json_int64(counters, "bytes_received", false,
		    &state->rx_bytes);
	if (k >= 0 && counters)
		k = incus_json_int64(counters, "bytes_sent", false,
		    &state->tx_bytes);
	return k;
}

/* Decodes memory, cpu and disk of a state object. */
static int incus_decode_instance_usage(json_t *object,
    struct incus_instance_state *state)
{
	json_t *memory = NULL, *cpu = NULL, *disk = NULL, *root = NULL;
	int k;

	k = incus_json_object(object, "memory", false, &memory);
	if (k >= 0)
		k = incus_json_object(object, "cpu", false, &cpu);
	if (k >= 0)
		k = incus_json_object(object, "disk", false, &disk);
	if (k >= 0 && disk)
		k = incus_json_object(disk, "root", false, &root);
	if (k >= 0 && memory)
		k = incus_json_int64(memory, "usage", false, &state->memory_usage);
	if (k >= 0 && memory)
		k = incus_json_int64(memory, "usage_peak", false,
		    &state->memory_usage_peak);
	if (k >= 0 && cpu)
		k = incus_json_int64(cpu, "usage", false, &state->cpu_usage_ns);
	if (k >= 0 && root)
		k = incus_json_int64(root, "usage", false,
		    &state->root_disk_usage);
	return k;
}

/* Decodes the state fields into *state (which owns what it got so far). */
static int incus_decode_instance_state_fields(json_t *object,
    struct incus_instance_state *state)
{
	json_t *network = NULL, *eth0 = NULL;
	int k;

	k = incus_json_strdup(object, "status", false, INCUS_JSON_NAME_MAX,
	    &state->status);
	if (k >= 0)
		k = incus_json_int_range(object, "status_code", false, 0,
		    STATUS_CODE_MAX, &state->status_code);
	if (k >= 0)
		k = incus_json_int64(object, "pid", false, &state->pid);
	if (k >= 0)
		k = incus_json_int64(object, "processes", false,
		    &state->processes);
	if (k >= 0)
		k = incus_decode_instance_usage(object, state);
	if (k >= 0)
		k = incus_json_object(object, "network", false, &network);
	if (k >= 0 && network)
		k = incus_json_object(network, "eth0", false, &eth0);
	if (k >= 0 && eth0)
		k = incus_decode_instance_eth0(eth0, state);
	return k;
}

int incus_decode_instance_state(json_t *object,
    struct incus_instance_state *ret)
{
	struct incus_instance_state state = { 0 };
	int k;

	if (!json_is_object(object))
		return -EPROTO;
	k = incus_decode_instance_state_fields(object, &state);
	if (k < 0) {
		incus_instance_state_free(&state);
		return k;
	}
	*ret = state;
	return 0;
}

int incus_decode_instance_list(json_t *array, struct incus_instance_list *ret)
{
	struct incus_instance_list list = { 0 };
	json_t *object;
	size_t count, i;
	int k = 0;

	if (!json_is_array(array))
		return -EPROTO;
	count = json_array_size(array);
	if (count > INCUS_INSTANCES_MAX)
		return -EPROTO;
	list.items = calloc(count ? count : 1, sizeof(*list.items));
	if (!list.items)
		return -ENOMEM;
	json_array_foreach(array, i, object) {
		k = incus_decode_instance(object, &list.items[i]);
		if (k < 0)
			break;
		list.count++;
	}
	if (k < 0) {
		incus_instance_list_free(&list);
		return k;
	}
	*ret = list;
	return 0;
}
