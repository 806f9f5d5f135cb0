/*
 * listen.h - the listening sockets the master binds and hands to workers.
 */
#ifndef CONTAINARIUM_LISTEN_H
#define CONTAINARIUM_LISTEN_H

/*
 * Binds and listens on "host:port" ("[v6addr]:port" for IPv6). The fd is
 * close-on-exec and numbered at least 10, clear of the workers' fixed
 * layout. Returns the fd or a negative errno.
 */
int listen_tcp(const char *address);

/*
 * Binds and listens on a Unix socket at path, replacing a stale socket
 * file (never another kind of file), with mode 0660. Returns the fd
 * (numbered at least 10) or a negative errno.
 */
int listen_unix(const char *path);

#endif
