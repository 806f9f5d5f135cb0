/*
 * worker_user.c - resolving [server] worker_user; see worker_user.h.
 */
#include "worker_user.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/log.h"

int worker_user_resolve(const char *name, uid_t *ret_uid, gid_t *ret_gid)
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
		*ret_gid = pw.pw_gid;
	}
	free(buf);
	return r;
}
