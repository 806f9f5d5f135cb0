/*
 * worker_user.h - the unprivileged user workers run as ([server] worker_user).
 *
 * The master resolves the name once at start and passes the numeric ids on
 * each worker's command line (--uid, --gid): a worker never consults the
 * user database, and a missing user stops the daemon at start with a clear
 * message instead of a crash loop of workers.
 */
#ifndef CONTAINARIUM_WORKER_USER_H
#define CONTAINARIUM_WORKER_USER_H

#include <sys/types.h>

#define WORKER_USER_FALLBACK_GID 65534  /* the kernel's overflow group, "nogroup" */

/*
 * Looks up name in the user database. Returns 0 and sets *ret_uid and
 * *ret_gid: the user's primary group, except when that is the admin
 * socket's group (admin_group, "" for none), which would let a worker reach
 * the admin socket: then WORKER_USER_FALLBACK_GID, with a notice. Logs and
 * returns -ENOENT when there is no such user, -EPERM when its uid or gid is
 * 0 (workers never run as root), or another negative errno when the lookup
 * failed.
 */
int worker_user_resolve(const char *name, const char *admin_group, uid_t *ret_uid,
    gid_t *ret_gid);

#endif
