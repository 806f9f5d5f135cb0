/*
 * worker_user.c - resolving [server] worker_user; see worker_user.h.
 */
#include "worker_user.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"

/* The primary group a worker of pw gets: never the admin socket's group. */
static gid_t worker_user_gid(const struct passwd *pw, const char *admin_group)
{
	struct group gr, *found = NULL;
	char buf[16384];

	if (!admin_group[0] || getgrnam_r(admin_group, &gr, buf, sizeof(buf), &found) != 0 ||
	    !found || found->gr_gid != pw->pw_gid)
		return pw->pw_gid;
	log_notice("[server] worker_user \"%s\" has the admin group \"%s\" as its primary "
	    "group; workers run with gid %u instead, so they cannot reach the admin socket",
	    pw->pw_name, admin_group, (unsigned)WORKER_USER_FALLBACK_GID);
	return WORKER_USER_FALLBACK_GID;
}

int worker_user_resolve(const char *name, const char *admin_group, uid_t *ret_uid,
    gid_t *ret_gid)
{
	struct passwd pw, *found = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	char *buf;
	int r;

	buf = malloc(size > 0 ? (size_t)size : 16384);
	if (!buf)
		return log_error_errno(-ENOMEM, "Cannot look up [server] worker_user: %m");
	r = getpwnam_r(name, &pw, buf, size > 0 ? (size_t)size : 16384, &found);
	if (r != 0)
		r = log_error_errno(-r, "Cannot look up [server] worker_user \"%s\": %m", name);
	else if (!found) {
		log_error("[server] worker_user \"%s\" does not exist: create it with "
		    "`useradd --system --no-create-home --shell /usr/sbin/nologin %s` "
		    "(make install prints this hint) or name another user", name, name);
		r = -ENOENT;
	} else if (pw.pw_uid == 0 || pw.pw_gid == 0) {
		log_error("[server] worker_user \"%s\" has uid %u gid %u: workers never "
		    "run as root or in group 0", name, (unsigned)pw.pw_uid, (unsigned)pw.pw_gid);
		r = -EPERM;
	} else {
		*ret_uid = pw.pw_uid;
		*ret_gid = worker_user_gid(&pw, admin_group);
	}
	free(buf);
	return r;
}
