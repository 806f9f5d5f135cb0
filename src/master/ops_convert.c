/*
 * ops_convert.c - Incus instances into containarium.v1 messages.
 *
 * Every string and sub-message is heap-allocated so that the response can
 * be released with protobuf_c_message_free_unpacked() (job.c).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/validate.h"
#include "ops_internal.h"

#define CPU_SAMPLE_SLOTS 256
#define CPU_SAMPLE_MAX_AGE_NS (60LL * 1000000000LL)
#define CPU_SECOND_SAMPLE_US 200000

Containarium__V1__ContainerState ops_state_of(const struct incus_instance *instance)
{
	const char *marker = incus_instance_config_get(instance, KEY_STATE);

	if (marker && strcmp(marker, "creating") == 0)
		return CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_CREATING;
	if (marker && strcmp(marker, "error") == 0)
		return CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_ERROR;
	switch (instance->status_code) {
	case 103: /* Running */
		return CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_RUNNING;
	case 102: /* Stopped */
		return CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_STOPPED;
	case 110: /* Frozen */
		return CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_FROZEN;
	case 112: /* Error */
		return CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_ERROR;
	default:
		return CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_UNSPECIFIED;
	}
}

static Containarium__V1__ResourceLimits *ops_resources(const struct incus_instance *instance)
{
	Containarium__V1__ResourceLimits *r = malloc(sizeof(*r));

	if (!r)
		abort();
	containarium__v1__resource_limits__init(r);
	r->cpu = ops_strdup(incus_instance_config_get(instance, "limits.cpu"));
	r->memory = ops_strdup(incus_instance_config_get(instance, "limits.memory"));
	r->disk = ops_strdup(instance->root_size);
	return r;
}

static Containarium__V1__NetworkInfo *ops_network(const struct incus_instance *instance)
{
	Containarium__V1__NetworkInfo *n = malloc(sizeof(*n));

	if (!n)
		abort();
	containarium__v1__network_info__init(n);
	n->ip_address = ops_strdup(instance->has_state ? instance->state.ipv4_address : NULL);
	n->mac_address = ops_strdup(instance->has_state ? instance->state.hwaddr : NULL);
	n->interface = ops_strdup("eth0");
	n->bridge = ops_strdup(instance->network_parent);
	return n;
}

/* Splits the newline-joined key list kept in the instance's config. */
static void ops_ssh_keys(const struct incus_instance *instance,
    Containarium__V1__Container *c)
{
	const char *keys = incus_instance_config_get(instance, KEY_SSH_KEYS);
	size_t lines = 1;

	if (!keys || !keys[0])
		return;
	for (const char *p = keys; *p; p++)
		lines += *p == '\n';
	c->ssh_keys = calloc(lines, sizeof(char *));
	if (!c->ssh_keys)
		abort();
	while (*keys) {
		size_t len = strcspn(keys, "\n");

		if (len > 0 && !(c->ssh_keys[c->n_ssh_keys++] = strndup(keys, len)))
			abort();
		keys += len + (keys[len] == '\n');
	}
}

static void ops_labels(const struct incus_instance *instance, Containarium__V1__Container *c)
{
	size_t prefix = strlen(KEY_LABEL_PREFIX), n = 0;

	for (size_t i = 0; i < instance->config_count; i++)
		n += strncmp(instance->config[i].key, KEY_LABEL_PREFIX, prefix) == 0;
	if (n == 0)
		return;
	c->labels = calloc(n, sizeof(*c->labels));
	if (!c->labels)
		abort();
	for (size_t i = 0; i < instance->config_count; i++) {
		Containarium__V1__Container__LabelsEntry *e;

		if (strncmp(instance->config[i].key, KEY_LABEL_PREFIX, prefix) != 0)
			continue;
		e = malloc(sizeof(*e));
		if (!e)
			abort();
		containarium__v1__container__labels_entry__init(e);
		e->key = ops_strdup(instance->config[i].key + prefix);
		e->value = ops_strdup(instance->config[i].value);
		c->labels[c->n_labels++] = e;
	}
}

Containarium__V1__Container *ops_container_from_instance(const struct incus_instance *instance)
{
	Containarium__V1__Container *c = malloc(sizeof(*c));
	const char *image = incus_instance_config_get(instance, KEY_IMAGE);
	const char *updated = incus_instance_config_get(instance, KEY_UPDATED_AT);
	const char *nesting = incus_instance_config_get(instance, "security.nesting");

	if (!c)
		abort();
	containarium__v1__container__init(c);
	c->name = ops_strdup(instance->name);
	c->username = ops_strdup(ops_instance_username(instance));
	c->state = ops_state_of(instance);
	c->resources = ops_resources(instance);
	ops_ssh_keys(instance, c);
	c->network = ops_network(instance);
	c->created_at = instance->created_at;
	c->updated_at = updated ? strtoll(updated, NULL, 10) : instance->created_at;
	ops_labels(instance, c);
	c->image = ops_strdup(image ? image : incus_instance_config_get(instance, "image.description"));
	c->docker_enabled = nesting && (strcmp(nesting, "true") == 0 || strcmp(nesting, "1") == 0);
	return c;
}

/* The last CPU reading per container, shared by every operation thread. */
static struct cpu_sample {
	char name[OPS_NAME_MAX];
	int64_t cpu_ns;
	int64_t at_ns;
	int64_t before_cpu_ns;   /* the reading before, for a repeated one */
	int64_t before_at_ns;
} cpu_samples[CPU_SAMPLE_SLOTS];
static pthread_mutex_t cpu_samples_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Swaps in the new reading for name and returns the previous one in *prev
 * (zeroed when none is recent enough).
 */
static void cpu_sample_swap(const char *name, int64_t cpu_ns, int64_t at_ns,
    struct cpu_sample *prev)
{
	size_t slot = 0;

	memset(prev, 0, sizeof(*prev));
	pthread_mutex_lock(&cpu_samples_lock);
	for (size_t i = 0; i < CPU_SAMPLE_SLOTS; i++) {
		if (strcmp(cpu_samples[i].name, name) == 0) {
			slot = i;
			break;
		}
		if (cpu_samples[i].at_ns < cpu_samples[slot].at_ns)
			slot = i;
	}
	if (strcmp(cpu_samples[slot].name, name) == 0 && at_ns == cpu_samples[slot].at_ns) {
		/* The same (cached) reading again: the rate is over the one before. */
		prev->cpu_ns = cpu_samples[slot].before_cpu_ns;
		prev->at_ns = cpu_samples[slot].before_at_ns;
		pthread_mutex_unlock(&cpu_samples_lock);
		return;
	}
	if (strcmp(cpu_samples[slot].name, name) == 0 &&
	    at_ns - cpu_samples[slot].at_ns < CPU_SAMPLE_MAX_AGE_NS)
		*prev = cpu_samples[slot];
	cpu_samples[slot].before_cpu_ns = prev->cpu_ns;
	cpu_samples[slot].before_at_ns = prev->at_ns;
	snprintf(cpu_samples[slot].name, sizeof(cpu_samples[slot].name), "%s", name);
	cpu_samples[slot].cpu_ns = cpu_ns;
	cpu_samples[slot].at_ns = at_ns;
	pthread_mutex_unlock(&cpu_samples_lock);
}

/* CPU use since the previous reading, in percent of the container's CPUs. */
static double ops_cpu_percent(struct ops_context *ctx, const struct incus_instance *instance)
{
	const char *limit = incus_instance_config_get(instance, "limits.cpu");
	double cpus = limit ? strtod(limit, NULL) : 0;
	int64_t at = ctx->state_at_ns ? ctx->state_at_ns : clock_now_ns();
	int64_t cpu_ns = instance->state.cpu_usage_ns;
	struct cpu_sample prev;

	if (!instance->has_state || instance->status_code != 103)
		return 0;
	cpu_sample_swap(instance->name, cpu_ns, at, &prev);
	if (prev.at_ns == 0 && !ctx->incus) {
		/* The loop may not wait for a second reading: the threads will
		 * (this reading, recorded, is again the first one there). */
		ctx->needs_incus = true;
		return 0;
	}
	if (prev.at_ns == 0) {
		struct incus_instance again;

		/* No recent reading: take a second one a moment later. */
		usleep(CPU_SECOND_SAMPLE_US);
		if (incus_instance_get(ctx->incus, instance->name, &again) < 0)
			return 0;
		prev = (struct cpu_sample){ .cpu_ns = cpu_ns, .at_ns = at };
		cpu_ns = again.state.cpu_usage_ns;
		at = clock_now_ns();
		cpu_sample_swap(instance->name, cpu_ns, at, &(struct cpu_sample){ 0 });
		incus_instance_free(&again);
	}
	if (cpus <= 0)
		cpus = (double)sysconf(_SC_NPROCESSORS_ONLN);
	if (at <= prev.at_ns || cpu_ns < prev.cpu_ns || cpus <= 0)
		return 0;
	return round((double)(cpu_ns - prev.cpu_ns) * 10000.0 /
	    ((double)(at - prev.at_ns) * cpus)) / 100.0;
}

Containarium__V1__ContainerMetrics *ops_metrics_from_instance(
    struct ops_context *ctx, const struct incus_instance *instance)
{
	Containarium__V1__ContainerMetrics *m = malloc(sizeof(*m));
	const char *memory = incus_instance_config_get(instance, "limits.memory");
	uint64_t limit = 0;

	if (!m)
		abort();
	containarium__v1__container_metrics__init(m);
	m->name = ops_strdup(instance->name);
	m->cpu_usage_percent = ops_cpu_percent(ctx, instance);
	if (memory && validate_size("limits.memory", memory, &limit, NULL, 0) < 0)
		limit = 0;
	m->memory_limit_bytes = (int64_t)limit;
	m->disk_limit_bytes = (int64_t)instance->root_size_bytes;
	if (instance->has_state) {
		m->memory_usage_bytes = instance->state.memory_usage;
		m->disk_usage_bytes = instance->state.root_disk_usage;
		m->network_rx_bytes = instance->state.rx_bytes;
		m->network_tx_bytes = instance->state.tx_bytes;
		m->process_count = instance->state.processes > 0 ?
		    (int32_t)instance->state.processes : 0;
	}
	return m;
}
