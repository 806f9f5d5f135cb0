/*
 * auth_context.h - the master's authentication state, shared by the
 * operation threads: settings copied from the config, the token secret,
 * the users file and the login throttle.
 *
 * Set up once in the master before the operation threads start, freed
 * after they stop; read-only in between (users and throttle lock inside).
 */
#ifndef CONTAINARIUM_AUTH_CONTEXT_H
#define CONTAINARIUM_AUTH_CONTEXT_H

#include <stdbool.h>
#include <sys/types.h>

#include "auth_token.h"
#include "common/config.h"
#include "throttle.h"
#include "users.h"

struct auth_context {
	int method;                   /* enum config_auth_method */
	int tls_mode;                 /* enum config_tls_mode */
	char *issuer;
	unsigned token_lifetime;
	char *admin_socket;           /* path of the served admin socket, or "" */
	char *admin_socket_previous;  /* after a reload moved it: the old path,
	                               * which draining workers still serve */
	char *admin_group;
	bool have_admin_gid;          /* admin_group exists: its gid */
	gid_t admin_gid;
	bool have_worker_uid;         /* worker_user exists: its uid, never an admin */
	uid_t worker_uid;
	bool have_secret;             /* method token: the secret is loaded */
	struct auth_secret secret;
	struct users *users;
	struct throttle *throttle;
};

/*
 * Builds the context from c: copies the settings, opens the users file
 * (whose problems are logged, and fail closed until fixed), and with
 * method token loads the secret, creating it when missing. A secret that
 * is group/world accessible, not owned by us, or of a bad size is
 * refused. tcp_listener (or -1) is the TCP socket being served: with
 * method none it must be bound to a loopback address (it may come from
 * systemd, whatever [server] listen says). admin_listener (or -1) is the
 * admin socket being served: its bound path is what admin connections are
 * checked against; when we_bound_it, it is also given [server]
 * admin_socket_mode and admin_group (systemd sets those of a socket it
 * passes). Logs why and returns a negative errno on failure.
 */
int auth_context_setup(const struct config *c, int tcp_listener, int admin_listener,
    bool we_bound_it);

/*
 * After a reload bound a new admin socket (admin_listener, or -1 for none)
 * for next: records its path, keeping the one before for the workers that
 * still drain, and gives it next's mode and group. Only the event loop
 * reads these paths. Logs and returns a negative errno on failure.
 */
int auth_context_admin_moved(const struct config *next, int admin_listener);

/* Frees the context (wiping the secret). */
void auth_context_done(void);

/* The context; NULL before setup. */
const struct auth_context *auth_context_get(void);

#endif
