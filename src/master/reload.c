/*
 * reload.c - keys a reload cannot change; see reload.h.
 */
#include "reload.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool reload_str_differs(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

static bool reload_remotes_differ(const struct config *a, const struct config *b)
{
	if (a->n_remotes != b->n_remotes)
		return true;
	for (size_t i = 0; i < a->n_remotes; i++)
		if (reload_str_differs(a->remotes[i].name, b->remotes[i].name) ||
		    reload_str_differs(a->remotes[i].url, b->remotes[i].url))
			return true;
	return false;
}

/* Appends name to buf when differs; counts it in *n. */
static void reload_note(bool differs, const char *name, char *buf, size_t len, int *n)
{
	size_t used = strlen(buf);

	if (!differs)
		return;
	if (used < len)
		snprintf(buf + used, len - used, "%s%s", *n ? ", " : "", name);
	(*n)++;
}

int reload_restart_keys(const struct config *a, const struct config *b, char *buf, size_t len)
{
	int n = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	reload_note(a->operation_threads != b->operation_threads, "[server] operation_threads", buf, len, &n);
	reload_note(reload_str_differs(a->worker_user, b->worker_user), "[server] worker_user", buf, len, &n);
	reload_note(a->admin_socket_mode != b->admin_socket_mode, "[server] admin_socket_mode", buf, len, &n);
	reload_note(reload_str_differs(a->admin_group, b->admin_group), "[server] admin_group", buf, len, &n);
	reload_note(a->auth_method != b->auth_method, "[auth] method", buf, len, &n);
	reload_note(reload_str_differs(a->auth_secret_file, b->auth_secret_file), "[auth] secret_file", buf, len, &n);
	reload_note(reload_str_differs(a->auth_users_file, b->auth_users_file), "[auth] users_file", buf, len, &n);
	reload_note(reload_str_differs(a->auth_issuer, b->auth_issuer), "[auth] issuer", buf, len, &n);
	reload_note(a->token_lifetime != b->token_lifetime, "[auth] token_lifetime", buf, len, &n);
	reload_note(a->login_max_failures != b->login_max_failures, "[auth] login_max_failures", buf, len, &n);
	reload_note(a->login_lockout != b->login_lockout, "[auth] login_lockout", buf, len, &n);
	reload_note(a->cache_enabled != b->cache_enabled, "[cache] enabled", buf, len, &n);
	reload_note(reload_str_differs(a->incus_socket, b->incus_socket), "[incus] socket", buf, len, &n);
	reload_note(reload_str_differs(a->incus_project, b->incus_project), "[incus] project", buf, len, &n);
	reload_note(a->incus_timeout != b->incus_timeout, "[incus] timeout", buf, len, &n);
	reload_note(reload_str_differs(a->default_image, b->default_image) ||
	    reload_str_differs(a->default_cpu, b->default_cpu) ||
	    reload_str_differs(a->default_memory, b->default_memory) ||
	    reload_str_differs(a->default_disk, b->default_disk) ||
	    a->default_docker != b->default_docker ||
	    reload_str_differs(a->storage_pool, b->storage_pool) ||
	    reload_str_differs(a->ssh_jump_host, b->ssh_jump_host), "[containers]", buf, len, &n);
	reload_note(reload_remotes_differ(a, b), "[remotes]", buf, len, &n);
	return n;
}
