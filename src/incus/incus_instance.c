/*
 * incus_instance.c - creating, reading, listing, deleting instances and
 * changing their state and config; see incus.h.
 *
 * LXD 5.0 and Incus return the state inside GET /1.0/instances/<name>
 * ?recursion=1 and in every item of ?recursion=2; older servers leave it
 * out, and then the state is asked for separately.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "incus_client_internal.h"
#include "incus_decode.h"
#include "incus_json.h"
#include "incus_operation.h"
#include "incus_url.h"

/*
 * Adds the object built by build (from spec) as key of object. The
 * builders return 0, -EINVAL (a caller's string not UTF-8) or -ENOMEM.
 */
static int incus_instance_add(json_t *object, const char *key,
    int (*build)(const struct incus_instance_spec *, json_t *),
    const struct incus_instance_spec *spec)
{
	json_t *child = json_object();
	int r;

	if (!child)
		return -ENOMEM;
	r = build(spec, child);
	if (r < 0) {
		json_decref(child);
		return r;
	}
	return incus_json_set(object, key, child);
}

/* The "source" object: a local alias, or an alias on a remote server. */
static int incus_instance_source(const struct incus_instance_spec *spec,
    json_t *source)
{
	int r;

	r = incus_json_set_string(source, "type", "image");
	if (r >= 0)
		r = incus_json_set_string(source, "alias", spec->image_alias);
	if (r >= 0 && spec->image_server)
		r = incus_json_set_string(source, "server", spec->image_server);
	if (r >= 0 && spec->image_server)
		r = incus_json_set_string(source, "protocol",
		    spec->image_protocol ? spec->image_protocol :
		    "simplestreams");
	return r;
}

/* The root disk device: on spec->root_pool, with spec->root_size. */
static int incus_instance_root_disk(const struct incus_instance_spec *spec,
    json_t *root)
{
	int r;

	r = incus_json_set_string(root, "type", "disk");
	if (r >= 0)
		r = incus_json_set_string(root, "path", "/");
	if (r >= 0)
		r = incus_json_set_string(root, "pool", spec->root_pool);
	if (r >= 0 && spec->root_size)
		r = incus_json_set_string(root, "size", spec->root_size);
	return r;
}

/* The "devices" object: just the root disk. */
static int incus_instance_devices(const struct incus_instance_spec *spec,
    json_t *devices)
{
	return incus_instance_add(devices, "root", incus_instance_root_disk,
	    spec);
}

/*
 * A config object from items; a NULL value becomes "" (removal) when
 * allow_removal, else the items are invalid. Returns 0, -EINVAL, -ENOMEM.
 */
static int incus_instance_config_object(const struct incus_key_value *items,
    size_t count, bool allow_removal, json_t **ret)
{
	json_t *config;
	int r = 0;

	if (count > INCUS_CONFIG_KEYS_MAX || (count && !items))
		return -EINVAL;
	config = json_object();
	if (!config)
		return -ENOMEM;
	for (size_t i = 0; i < count && r >= 0; i++) {
		if (!items[i].key || items[i].key[0] == '\0' ||
		    (!items[i].value && !allow_removal))
			r = -EINVAL;
		else
			r = incus_json_set_string(config, items[i].key,
			    items[i].value ? items[i].value : "");
	}
	if (r < 0) {
		json_decref(config);
		return r;
	}
	*ret = config;
	return 0;
}

/* Checks what a caller gave before anything is sent. */
static int incus_instance_spec_check(struct incus_client *c,
    const struct incus_instance_spec *spec)
{
	int r;

	if (!spec)
		return incus_client_fail(c, -EINVAL, "no instance spec");
	r = incus_client_check_name(c, spec->name);
	if (r < 0)
		return r;
	if (!spec->image_alias || spec->image_alias[0] == '\0')
		return incus_client_fail(c, -EINVAL, "no image alias");
	if (spec->root_size && !spec->root_pool)
		return incus_client_fail(c, -EINVAL, "root size without a pool");
	return 0;
}

/* The body of POST /1.0/instances. Returns 0, -EINVAL or -ENOMEM. */
static int incus_instance_create_body(const struct incus_instance_spec *spec,
    json_t **ret)
{
	json_t *body = json_object(), *config = NULL, *profiles = NULL;
	int r = body ? 0 : -ENOMEM;

	if (r >= 0)
		r = incus_json_set_string(body, "name", spec->name);
	if (r >= 0)
		r = incus_json_set_string(body, "type", "container");
	if (r >= 0)
		r = incus_instance_add(body, "source", incus_instance_source,
		    spec);
	if (r >= 0)
		r = incus_instance_config_object(spec->config,
		    spec->config_count, false, &config);
	if (r >= 0)
		r = incus_json_set(body, "config", config);
	if (r >= 0 && spec->root_pool)
		r = incus_instance_add(body, "devices", incus_instance_devices,
		    spec);
	if (r >= 0 && spec->profiles)
		r = incus_json_string_array(spec->profiles,
		    INCUS_CONFIG_KEYS_MAX, &profiles);
	if (r >= 0 && spec->profiles)
		r = incus_json_set(body, "profiles", profiles);
	if (r < 0) {
		json_decref(body);
		return r;
	}
	*ret = body;
	return 0;
}

int incus_instance_create(struct incus_client *c,
    const struct incus_instance_spec *spec)
{
	json_t *body;
	int r;

	incus_client_begin(c);
	r = incus_instance_spec_check(c, spec);
	if (r < 0)
		return r;
	r = incus_instance_create_body(spec, &body);
	if (r < 0)
		return incus_client_fail(c, r, "cannot build the create request");
	r = incus_operation_run_json(c, "POST", "/1.0/instances", body);
	json_decref(body);
	return r;
}

/* GETs /1.0/instances/<name><suffix> and hands the response over. */
static int incus_instance_fetch(struct incus_client *c, const char *name,
    const char *suffix, struct incus_response *ret)
{
	struct incus_call call = { .method = "GET" };
	char *path = NULL;
	int r;

	r = incus_url_instance(name, suffix, &path);
	if (r < 0)
		return incus_client_fail(c, r, "cannot build URL");
	call.path = path;
	r = incus_client_request(c, &call, ret);
	free(path);
	return r;
}

/* GET .../state into instance (for servers whose recursion=1 omits it). */
static int incus_instance_fetch_state(struct incus_client *c,
    struct incus_instance *instance)
{
	struct incus_response response;
	int r;

	r = incus_instance_fetch(c, instance->name, "/state", &response);
	if (r < 0)
		return r;
	r = incus_decode_instance_state(response.metadata, &instance->state);
	incus_decode_response_free(&response);
	if (r < 0)
		return incus_client_fail(c, r, "malformed state of %s",
		    instance->name);
	instance->has_state = true;
	return 0;
}

int incus_instance_get(struct incus_client *c, const char *name,
    struct incus_instance *ret)
{
	struct incus_instance instance;
	struct incus_response response;
	int r;

	incus_client_begin(c);
	r = incus_client_check_name(c, name);
	if (r >= 0)
		r = incus_instance_fetch(c, name, "?recursion=1", &response);
	if (r < 0)
		return r;
	r = incus_decode_instance(response.metadata, &instance);
	incus_decode_response_free(&response);
	if (r < 0)
		return incus_client_fail(c, r, "malformed instance %s", name);
	if (!instance.has_state) {
		r = incus_instance_fetch_state(c, &instance);
		if (r < 0) {
			incus_instance_free(&instance);
			return r;
		}
	}
	*ret = instance;
	return 0;
}

int incus_instance_list(struct incus_client *c,
    struct incus_instance_list *ret)
{
	const struct incus_call call = {
		.method = "GET",
		.path = "/1.0/instances?recursion=2",
		.response_max = INCUS_LIST_RESPONSE_MAX,
	};
	struct incus_response response;
	int r;

	incus_client_begin(c);
	r = incus_client_request(c, &call, &response);
	if (r < 0)
		return r;
	r = incus_decode_instance_list(response.metadata, ret);
	incus_decode_response_free(&response);
	if (r < 0)
		return incus_client_fail(c, r, "malformed instance list");
	return 0;
}

/* Runs method on /1.0/instances/<name><suffix> with body (or none). */
static int incus_instance_run(struct incus_client *c, const char *method,
    const char *name, const char *suffix, json_t *body)
{
	struct incus_call call = { .method = method };
	char *path = NULL;
	int r;

	r = incus_client_check_name(c, name);
	if (r < 0)
		return r;
	r = incus_url_instance(name, suffix, &path);
	if (r < 0)
		return incus_client_fail(c, r, "cannot build URL");
	call.path = path;
	if (body)
		r = incus_operation_run_json(c, method, path, body);
	else
		r = incus_operation_run(c, &call);
	free(path);
	return r;
}

int incus_instance_delete(struct incus_client *c, const char *name)
{
	incus_client_begin(c);
	return incus_instance_run(c, "DELETE", name, "", NULL);
}

static const char *incus_instance_action_name(enum incus_state_action action)
{
	switch (action) {
	case INCUS_STATE_START:
		return "start";
	case INCUS_STATE_STOP:
		return "stop";
	case INCUS_STATE_RESTART:
		return "restart";
	case INCUS_STATE_FREEZE:
		return "freeze";
	case INCUS_STATE_UNFREEZE:
		return "unfreeze";
	default:
		return NULL;
	}
}

/* {"action": ..., "timeout": ..., "force": ...} */
static int incus_instance_state_body(const char *action, int timeout_sec,
    bool force, json_t **ret)
{
	json_t *body = json_object();
	int r = body ? 0 : -ENOMEM;

	if (r >= 0)
		r = incus_json_set_string(body, "action", action);
	if (r >= 0)
		r = incus_json_set(body, "timeout", json_integer(timeout_sec));
	if (r >= 0)
		r = incus_json_set(body, "force", json_boolean(force));
	if (r < 0) {
		json_decref(body);
		return r;
	}
	*ret = body;
	return 0;
}

int incus_instance_set_state(struct incus_client *c, const char *name,
    enum incus_state_action action, int stop_timeout_sec, bool force)
{
	const char *action_name = incus_instance_action_name(action);
	json_t *body;
	int r;

	incus_client_begin(c);
	if (!action_name || stop_timeout_sec < -1)
		return incus_client_fail(c, -EINVAL, "invalid state change");
	r = incus_instance_state_body(action_name, stop_timeout_sec, force,
	    &body);
	if (r < 0)
		return incus_client_fail(c, r, "cannot build the request");
	r = incus_instance_run(c, "PUT", name, "/state", body);
	json_decref(body);
	return r;
}

int incus_instance_update_config(struct incus_client *c, const char *name,
    const struct incus_key_value *items, size_t count)
{
	json_t *body = NULL, *config = NULL;
	int r;

	incus_client_begin(c);
	r = incus_instance_config_object(items, count, true, &config);
	if (r >= 0) {
		body = json_object();
		r = body ? incus_json_set(body, "config", config) : -ENOMEM;
		if (!body)
			json_decref(config);
	}
	if (r < 0) {
		json_decref(body);
		return incus_client_fail(c, r, "invalid config update");
	}
	r = incus_instance_run(c, "PATCH", name, "", body);
	json_decref(body);
	return r;
}

static int incus_instance_config_compare(const void *key, const void *entry)
{
	return strcmp(key, ((const struct incus_config_entry *)entry)->key);
}

const char *incus_instance_config_get(const struct incus_instance *instance,
    const char *key)
{
	const struct incus_config_entry *e;

	if (!instance->config)
		return NULL;
	e = bsearch(key, instance->config, instance->config_count,
	    sizeof(*e), incus_instance_config_compare);
	return e ? e->value : NULL;
}

void incus_instance_state_free(struct incus_instance_state *state)
{
	if (!state)
		return;
	free(state->status);
	free(state->ipv4_address);
	free(state->ipv6_address);
	free(state->hwaddr);
	free(state->host_name);
	*state = (struct incus_instance_state){ 0 };
}

void incus_instance_free(struct incus_instance *instance)
{
	if (!instance)
		return;
	free(instance->name);
	free(instance->status);
	free(instance->type);
	free(instance->architecture);
	free(instance->description);
	free(instance->location);
	for (size_t i = 0; i < instance->config_count; i++) {
		free(instance->config[i].key);
		free(instance->config[i].value);
	}
	free(instance->config);
	free(instance->root_pool);
	free(instance->root_size);
	free(instance->network_parent);
	incus_instance_state_free(&instance->state);
	*instance = (struct incus_instance){ 0 };
}

void incus_instance_list_free(struct incus_instance_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		incus_instance_free(&list->items[i]);
	free(list->items);
	*list = (struct incus_instance_list){ 0 };
}
