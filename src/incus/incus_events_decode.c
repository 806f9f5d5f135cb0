/*
 * incus_events_decode.c - one event message from /1.0/events into a
 * struct incus_event; see incus_events.h.
 *
 * What Incus sends (LXD sends the same):
 *   {"type": "lifecycle", "project": "p", "metadata": {"action":
 *    "instance-started", "source": "/1.0/instances/c1?project=p", ...}}
 *   {"type": "operation", "project": "p", "metadata": {"status_code": 200,
 *    "resources": {"instances": ["/1.0/instances/c1?project=p"]}, ...}}
 * Everything else is passed on with no instance names. Written to be fed
 * anything: malformed input gives -EPROTO, never a crash.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "incus_events.h"
#include "incus_json.h"

/*
 * If path is "/1.0/instances/<name>[/...][?...]" (or the older
 * "/1.0/containers/..."), records <name> in ev. Paths naming anything else,
 * or a name Incus would not accept, are ignored.
 */
static void incus_events_add_path(struct incus_event *ev, const char *path)
{
	static const char *const prefixes[] = { "/1.0/instances/", "/1.0/containers/" };
	size_t len;

	for (size_t i = 0; i < 2; i++) {
		size_t plen = strlen(prefixes[i]);

		if (strncmp(path, prefixes[i], plen) != 0)
			continue;
		path += plen;
		len = strcspn(path, "/?");
		if (len == 0 || len > INCUS_EVENT_NAME_MAX ||
		    strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") < len)
			return;
		if (ev->instance_count >= INCUS_EVENT_INSTANCES_MAX)
			return;
		memcpy(ev->instances[ev->instance_count], path, len);
		ev->instances[ev->instance_count][len] = '\0';
		ev->instance_count++;
		return;
	}
}

/* Operation events: every instance path in metadata.resources.instances. */
static int incus_events_operation(json_t *metadata, struct incus_event *ev)
{
	json_t *resources, *instances, *item;
	size_t i;
	int r;

	r = incus_json_int_range(metadata, "status_code", false, 0, 1000, &ev->status_code);
	if (r < 0)
		return r;
	r = incus_json_object(metadata, "resources", false, &resources);
	if (r < 0 || !resources)
		return r;
	r = incus_json_array(resources, "instances", false, 10000, &instances);
	if (r < 0 || !instances)
		return r;
	json_array_foreach(instances, i, item) {
		if (!json_is_string(item))
			return -EPROTO;
		incus_events_add_path(ev, json_string_value(item));
	}
	return 0;
}

/* Lifecycle events: the action and the instance named by "source". */
static int incus_events_lifecycle(json_t *metadata, struct incus_event *ev)
{
	const char *source = NULL;
	int r;

	r = incus_json_string(metadata, "action", false, INCUS_JSON_NAME_MAX, &ev->action);
	if (r < 0)
		return r;
	if (!ev->action)
		ev->action = "";
	r = incus_json_string(metadata, "source", false, INCUS_JSON_NAME_MAX, &source);
	if (r < 0)
		return r;
	if (source)
		incus_events_add_path(ev, source);
	return 0;
}

static int incus_events_fill(json_t *root, struct incus_event *ev)
{
	json_t *metadata;
	int r;

	if ((r = incus_json_string(root, "type", true, INCUS_JSON_NAME_MAX, &ev->type)) < 0 ||
	    (r = incus_json_string(root, "project", false, INCUS_JSON_NAME_MAX, &ev->project)) < 0 ||
	    (r = incus_json_object(root, "metadata", false, &metadata)) < 0)
		return r;
	if (!ev->project)
		ev->project = "";
	ev->action = "";
	if (!metadata)
		return 0;
	if (strcmp(ev->type, "lifecycle") == 0)
		return incus_events_lifecycle(metadata, ev);
	if (strcmp(ev->type, "operation") == 0)
		return incus_events_operation(metadata, ev);
	return 0;
}

int incus_events_decode(const char *text, size_t len, struct incus_event *ret,
    struct json_t **ret_root)
{
	struct incus_event ev = { 0 };
	json_t *root;
	int r;

	r = incus_json_parse_object(text, len, &root);
	if (r < 0)
		return r;
	r = incus_events_fill(root, &ev);
	if (r < 0) {
		json_decref(root);
		return -EPROTO;
	}
	*ret = ev;
	*ret_root = root;
	return 0;
}
