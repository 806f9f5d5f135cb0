/*
 * fuzz_incus_events.c - libFuzzer target for incus_events_decode(): the
 * input is one websocket text message from Incus's /1.0/events. Any input
 * must give 0 or -EPROTO, and a decoded event's names must obey the rule
 * the cache relies on (letters, digits and '-', at most 63 bytes).
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "incus/incus_events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char allowed[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
	struct incus_event ev;
	json_t *root;

	if (incus_events_decode((const char *)data, size, &ev, &root) < 0)
		return 0;
	if (ev.instance_count > INCUS_EVENT_INSTANCES_MAX)
		abort();
	for (size_t i = 0; i < ev.instance_count; i++) {
		size_t len = strlen(ev.instances[i]);

		if (len == 0 || len > INCUS_EVENT_NAME_MAX || strspn(ev.instances[i], allowed) != len)
			abort();
	}
	if (!ev.type || !ev.action || !ev.project)
		abort();
	json_decref(root);
	return 0;
}
