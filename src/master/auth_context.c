/*
 * auth_context.c - the master's authentication state; see auth_context.h.
 */
#include "auth_context.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "auth_admin.h"
#include "common/log.h"
#include "users_hash.h"

static struct auth_context *auth_context_current;

static void auth_context_free(struct auth_context *a)
{
	if (!a)
		return;
	auth_secret_wipe(&a->secret);
	users_free(a->users);
	throttle_free(a->throttle);
	free(a->issuer);
	free(a->admin_socket);
	free(a->admin_socket_previous);
	free(a->admin_group);
	(void)munlock(a, sizeof(*a));
	free(a);
}

/* Copies the settings of c into a. */
static int auth_context_copy(struct auth_context *a, const struct config *c)
{
	a->method = c->auth_method;
	a->tls_mode = c->tls_mode;
	a->token_lifetime = c->token_lifetime;
	a->issuer = strdup(c->auth_issuer);
	a->admin_socket = strdup("");
	a->admin_group = strdup(c->admin_group);
	a->users = users_new(c->auth_users_file);
	a->throttle = throttle_new(c->login_max_failures, c->login_lockout);
	if (!a->issuer || !a->admin_socket || !a->admin_group ||
	    !a->users || !a->throttle)
		return -ENOMEM;
	return 0;
}

/* Resolves admin_group and worker_user now, so no call ever waits on
 * NSS: a missing group makes root the only admin, a missing worker user
 * excludes no one (the supervisor refuses to start without one anyway). */
static void auth_context_resolve(struct auth_context *a, const struct config *c)
{
	struct passwd *pw;

	if (c->admin_group[0])
		a->have_admin_gid = auth_admin_group_gid(c->admin_group, &a->admin_gid) == 0;
	pw = getpwnam(c->worker_user);
	if (pw) {
		a->have_worker_uid = true;
		a->worker_uid = pw->pw_uid;
	}
}

/* Loads the secret for method token; logs why it cannot. */
static int auth_context_secret(struct auth_context *a, const char *path)
{
	int r = auth_secret_load(path, 1, &a->secret);

	if (r == -EPERM)
		return log_error_errno(r, "Refusing the token secret %s: it must be a regular "
		    "file owned by uid %u with no access for group or others (chmod 0600)",
		    path, (unsigned)geteuid());
	if (r == -EBADMSG)
		return log_error_errno(r, "Refusing the token secret %s: it must hold %u to %u "
		    "bytes", path, AUTH_SECRET_MIN, AUTH_SECRET_MAX);
	if (r < 0)
		return log_error_errno(r, "Cannot read or create the token secret %s: %m", path);
	a->have_secret = true;
	return 0;
}

/* Records the path admin_listener is bound to and, when we bound it,
 * gives the socket file its mode and group. */
static int auth_context_admin_socket(struct auth_context *a, const struct config *c,
    int admin_listener, bool we_bound_it)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int r;

	memset(&sa, 0, sizeof(sa));
	if (getsockname(admin_listener, (struct sockaddr *)&sa, &len) < 0)
		return log_error_errno(-errno, "Cannot read the admin socket's address: %m");
	if (sa.sun_family != AF_UNIX || sa.sun_path[0] == '\0' ||
	    len <= offsetof(struct sockaddr_un, sun_path)) {
		log_error("The admin socket must be a Unix socket with a path");
		return -EINVAL;
	}
	free(a->admin_socket);
	a->admin_socket = strndup(sa.sun_path, sizeof(sa.sun_path));
	if (!a->admin_socket)
		return log_error_errno(-ENOMEM, "Cannot set up authentication: %m");
	if (!we_bound_it)
		return 0;
	r = auth_admin_secure_socket(a->admin_socket, c->admin_socket_mode, c->admin_group);
	if (r == -ENOENT) {
		/* Fail safe: the socket stays root's alone. */
		log_warning("Admin group \"%s\" does not exist ([server] admin_group): only "
		    "root may use %s", c->admin_group, a->admin_socket);
		r = auth_admin_secure_socket(a->admin_socket, c->admin_socket_mode, "");
	}
	if (r < 0)
		return log_error_errno(r, "Cannot set the owner and mode of %s: %m",
		    a->admin_socket);
	return 0;
}

/* With method none, refuses a TCP listener not bound to loopback. */
static int auth_context_check_none(int tcp_listener)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	bool loopback = false;

	if (getsockname(tcp_listener, (struct sockaddr *)&ss, &len) < 0)
		return log_error_errno(-errno, "Cannot read the TCP listener's address: %m");
	if (ss.ss_family == AF_INET)
		loopback = (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	else if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;

		loopback = IN6_IS_ADDR_LOOPBACK(a) ||
		    (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	if (!loopback) {
		log_error("Refusing to start: [auth] method = none, but the TCP listener is "
		    "not on a loopback address");
		return -EPERM;
	}
	return 0;
}

int auth_context_setup(const struct config *c, int tcp_listener, int admin_listener,
    bool we_bound_it)
{
	struct auth_context *a = calloc(1, sizeof(*a));
	unsigned line = 0;
	int r;

	if (!a)
		return log_error_errno(-ENOMEM, "Cannot set up authentication: %m");
	(void)mlock(a, sizeof(*a));   /* keep the secret out of swap when we may */
	r = auth_context_copy(a, c);
	auth_context_resolve(a, c);
	if (r < 0)
		log_error_errno(r, "Cannot set up authentication: %m");
	if (r == 0 && c->auth_method == CONFIG_AUTH_NONE && tcp_listener >= 0)
		r = auth_context_check_none(tcp_listener);
	if (r == 0 && admin_listener >= 0)
		r = auth_context_admin_socket(a, c, admin_listener, we_bound_it);
	if (r == 0 && c->auth_method == CONFIG_AUTH_TOKEN)
		r = auth_context_secret(a, c->auth_secret_file);
	if (r < 0) {
		auth_context_free(a);
		return r;
	}
	users_hash_init();
	r = users_refresh(a->users, &line);
	if (r == -EBADMSG)
		log_error("Users file %s:%u: bad line; no user can log in until it is fixed",
		    c->auth_users_file, line);
	else if (r < 0)
		log_error_errno(r, "Users file %s unusable (it must be owned by us, mode 0600): "
		    "%m; no user can log in until it is fixed", c->auth_users_file);
	auth_context_current = a;
	return 0;
}

int auth_context_admin_moved(const struct config *next, int admin_listener)
{
	struct auth_context *a = auth_context_current;
	char *old;
	int r;

	if (!a)
		return 0;
	old = a->admin_socket;
	a->admin_socket = strdup("");
	if (!a->admin_socket) {
		a->admin_socket = old;
		return log_error_errno(-ENOMEM, "Cannot record the new admin socket: %m");
	}
	r = admin_listener >= 0 ? auth_context_admin_socket(a, next, admin_listener, true) : 0;
	free(a->admin_socket_previous);
	a->admin_socket_previous = old;
	return r;
}

void auth_context_done(void)
{
	auth_context_free(auth_context_current);
	auth_context_current = NULL;
}

const struct auth_context *auth_context_get(void)
{
	return auth_context_current;
}
