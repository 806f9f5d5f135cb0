/*
 * ops_user.h - the developer's account inside a container: creating it
 * with sudo rights, and reading and writing its authorized_keys through
 * the Incus file API (never through a shell: a key is data).
 */
#ifndef CONTAINARIUM_OPS_USER_H
#define CONTAINARIUM_OPS_USER_H

#include <stddef.h>

#include "key_list.h"
#include "ops_internal.h"

/*
 * Creates username in container name (useradd, argv only) with a home,
 * a login shell and passwordless sudo. An existing account is kept.
 * Returns 0, or fails job and returns a negative errno.
 */
int ops_user_create(struct job *job, struct ops_context *ctx, const char *name,
    const char *username);

/*
 * Writes keys as ~username/.ssh/authorized_keys (0600, the user's) and
 * returns them newline-joined in *ret_joined (for the container's record).
 */
int ops_user_install_keys(struct job *job, struct ops_context *ctx, const char *name,
    const char *username, const char *const *keys, size_t n_keys, char **ret_joined);

/* Reads username's authorized_keys into list (empty when there is none). */
int ops_user_read_keys(struct job *job, struct ops_context *ctx, const char *name,
    const char *username, struct key_list *list);

/* Writes list as username's authorized_keys and records it on the container. */
int ops_user_write_keys(struct job *job, struct ops_context *ctx, const char *name,
    const char *username, const struct key_list *list);

#endif
