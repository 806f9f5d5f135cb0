/*
 * auth_admin.h - who is on the admin socket, as the kernel says.
 *
 * A worker serves the admin socket, but the master does not take its word
 * for who is calling: with every admin-socket request the worker passes
 * the connection itself (SCM_RIGHTS), and the master asks the kernel. A
 * descriptor proves an admin call only when it is the accepted (server)
 * end of a Unix stream connection on the configured admin socket path
 * whose client is still connected; its SO_PEERCRED then names the caller.
 * A worker can thus act for an admin only while that admin's connection
 * to it is open. See docs/security.md. Admins are root and the processes
 * whose groups (as the kernel recorded them when they connected) include
 * [server] admin_group, never the worker user.
 */
#ifndef CONTAINARIUM_AUTH_ADMIN_H
#define CONTAINARIUM_AUTH_ADMIN_H

#include <stdbool.h>
#include <sys/types.h>

#define AUTH_ADMIN_PEER_GROUPS_MAX 64

struct auth_admin_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	gid_t groups[AUTH_ADMIN_PEER_GROUPS_MAX];  /* supplementary (SO_PEERGROUPS) */
	size_t n_groups;
};

/*
 * Checks fd as described above against admin_path. Returns 0 and the
 * peer's credentials, -ENOTSOCK/-EPROTOTYPE for another kind of
 * descriptor, -EADDRNOTAVAIL when it is not a connection accepted on
 * admin_path (a client end, a socketpair, another socket), -ECONNRESET
 * when the client has hung up, or another negative errno. Never blocks.
 */
int auth_admin_verify_fd(int fd, const char *admin_path, struct auth_admin_peer *ret);

/*
 * Gives the admin socket at path its mode and group (group name, or "" for
 * root's group). Returns 0, -ENOENT when the group does not exist, or a
 * negative errno from chown/chmod.
 */
int auth_admin_secure_socket(const char *path, unsigned mode, const char *group);

/*
 * Resolves a group name into *ret. Returns 0, -ENOENT, or a negative
 * errno. Consults NSS: call it at start, never in the event loop.
 */
int auth_admin_group_gid(const char *group, gid_t *ret);

/*
 * True when the kernel's credentials of peer put it in group gid: its
 * primary group or one of its supplementary groups at connect time.
 */
bool auth_admin_peer_in_group(const struct auth_admin_peer *peer, gid_t gid);

#endif
