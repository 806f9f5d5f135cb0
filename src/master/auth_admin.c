/*
 * auth_admin.c - admin-socket credentials; see auth_admin.h.
 */
#include "auth_admin.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define AUTH_ADMIN_NSS_BUF 16384

/* Reads an int socket option; -errno on failure. */
static int auth_admin_sockopt(int fd, int option, int *ret)
{
	socklen_t len = sizeof(*ret);

	if (getsockopt(fd, SOL_SOCKET, option, ret, &len) < 0)
		return -errno;
	return len == sizeof(*ret) ? 0 : -EPROTO;
}

/* True when fd's own address is exactly admin_path (a server end). */
static bool auth_admin_bound_to(int fd, const char *admin_path)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	size_t path_len = strlen(admin_path);

	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 || sa.sun_family != AF_UNIX)
		return false;
	/* A client end or a socketpair has no name (len is just the family). */
	if (len <= offsetof(struct sockaddr_un, sun_path) || sa.sun_path[0] == '\0')
		return false;
	return len - offsetof(struct sockaddr_un, sun_path) >= path_len &&
	    strncmp(sa.sun_path, admin_path, sizeof(sa.sun_path)) == 0 &&
	    path_len < sizeof(sa.sun_path);
}

/* Fills *ret from cred and the peer's supplementary groups. A peer with
 * more groups than we keep gets none counted (never more rights). */
static int auth_admin_groups(int fd, const struct ucred *cred, struct auth_admin_peer *ret)
{
	struct auth_admin_peer peer = { .uid = cred->uid, .gid = cred->gid, .pid = cred->pid };
	socklen_t len = sizeof(peer.groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, peer.groups, &len) == 0)
		peer.n_groups = len / sizeof(gid_t);
	else if (errno != ERANGE)
		return -errno;
	*ret = peer;
	return 0;
}

int auth_admin_verify_fd(int fd, const char *admin_path, struct auth_admin_peer *ret)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int v, r;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	if ((r = auth_admin_sockopt(fd, SO_DOMAIN, &v)) < 0 || v != AF_UNIX)
		return r < 0 ? r : -EPROTOTYPE;
	if ((r = auth_admin_sockopt(fd, SO_TYPE, &v)) < 0 || v != SOCK_STREAM)
		return r < 0 ? r : -EPROTOTYPE;
	if ((r = auth_admin_sockopt(fd, SO_ACCEPTCONN, &v)) < 0 || v != 0)
		return r < 0 ? r : -EADDRNOTAVAIL;   /* a listener, not a connection */
	if (!auth_admin_bound_to(fd, admin_path))
		return -EADDRNOTAVAIL;
	if (poll(&p, 1, 0) < 0)
		return -errno;
	if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
		return -ECONNRESET;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (len != sizeof(cred) || cred.pid <= 0)
		return -ECONNRESET;
	return auth_admin_groups(fd, &cred, ret);
}

int auth_admin_group_gid(const char *group, gid_t *ret)
{
	struct group gr, *found = NULL;
	char *buf = malloc(AUTH_ADMIN_NSS_BUF);
	int r;

	if (!buf)
		return -ENOMEM;
	r = getgrnam_r(group, &gr, buf, AUTH_ADMIN_NSS_BUF, &found);
	if (r == 0 && found)
		*ret = found->gr_gid;
	free(buf);
	if (r != 0)
		return -r;
	return found ? 0 : -ENOENT;
}

int auth_admin_secure_socket(const char *path, unsigned mode, const char *group)
{
	gid_t gid = 0;
	int r;

	if (group && group[0]) {
		r = auth_admin_group_gid(group, &gid);
		if (r < 0)
			return r;
	}
	if (chown(path, 0, gid) < 0 || chmod(path, (mode_t)mode) < 0)
		return -errno;
	return 0;
}

bool auth_admin_peer_in_group(const struct auth_admin_peer *peer, gid_t gid)
{
	if (peer->gid == gid)
		return true;
	for (size_t i = 0; i < peer->n_groups; i++)
		if (peer->groups[i] == gid)
			return true;
	return false;
}
