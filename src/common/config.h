/*
 * config.h - conf/containarium.ini, read with inih.
 *
 * Every key is documented in conf/containarium.ini itself. An unknown
 * section or key, or a bad value, is an error naming file, line and reason.
 */
#ifndef CONTAINARIUM_CONFIG_H
#define CONTAINARIUM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_DEFAULT_PATH "/etc/containarium/containarium.ini"
#define CONFIG_MAX_REMOTES 16

struct config_remote {
	char *name;             /* "ubuntu" in "ubuntu:24.04" */
	char *url;              /* simplestreams server URL */
};

enum config_auth_method {
	CONFIG_AUTH_TOKEN,              /* bearer JWTs on TCP; admin socket by uid */
	CONFIG_AUTH_NONE,               /* no tokens: only with a loopback listener */
};

enum config_tls_mode {
	CONFIG_TLS_OFF,
	CONFIG_TLS_ON,                  /* server certificate */
	CONFIG_TLS_MUTUAL,              /* and a verified client certificate */
};

struct config {
	char *path;                     /* the file this was read from; "" for defaults */

	/* [server] */
	char *listen;                   /* "0.0.0.0:50051"; "" disables TCP */
	char *admin_socket;             /* "/run/containarium.sock"; "" disables */
	unsigned workers;               /* 1..64; the file's 0 becomes nproc */
	size_t max_message_bytes;       /* largest gRPC request, 1 KiB .. 4 MiB */
	unsigned max_calls_per_worker;  /* in-flight calls a worker accepts */
	unsigned operation_threads;     /* master threads talking to Incus */
	char *worker_user;              /* workers drop to this user */
	unsigned drain_timeout;         /* seconds in-flight calls get to finish */
	unsigned admin_socket_mode;     /* permission bits, 0660 */
	char *admin_group;              /* group of the admin socket; "" = root only */

	/* [auth] */
	int auth_method;                /* enum config_auth_method */
	char *auth_secret_file;         /* HS256 key; must not be group/world readable */
	char *auth_users_file;
	char *auth_issuer;              /* "iss" of issued tokens */
	unsigned token_lifetime;        /* seconds, 60 .. 86400 */
	unsigned login_max_failures;    /* failures before a lockout */
	unsigned login_lockout;         /* seconds */

	/* [tls] */
	int tls_mode;                   /* enum config_tls_mode */
	char *tls_cert;
	char *tls_key;
	char *tls_client_ca;

	/* [cache] */
	bool cache_enabled;             /* serve reads from the event-fed cache */

	/* [incus] */
	char *incus_socket;             /* "/var/lib/incus/unix.socket" */
	char *incus_project;            /* "default" */
	unsigned incus_timeout;         /* seconds an operation may take */

	/* [containers] */
	char *default_image;            /* "ubuntu:24.04" */
	char *default_cpu;              /* "4" */
	char *default_memory;           /* "4GB" */
	char *default_disk;             /* "50GB"; "" leaves the pool's default */
	bool default_docker;
	char *storage_pool;             /* pool of the root disk: "default" */
	char *ssh_jump_host;            /* "" or "admin@host": ProxyJump in ssh_command */

	/* [logging] */
	int log_level;                  /* syslog priority: LOG_ERR .. LOG_DEBUG */
	int log_target;                 /* enum log_target */

	/*
	 * [remotes] name = url: "images" and "ubuntu" by default; a file's
	 * entry replaces the default of its name, "name =" removes it.
	 */
	struct config_remote remotes[CONFIG_MAX_REMOTES];
	size_t n_remotes;
};

/*
 * Reads path into a new config. On error returns a negative errno, writes
 * "path:line: [section] key: reason" (or "path: reason" when no line is to
 * blame) into err (errlen bytes; err may be NULL) and leaves *ret untouched.
 */
int config_load(const char *path, struct config **ret, char *err, size_t errlen);

/* Returns a config holding every default, as if read from an empty file. */
int config_defaults(struct config **ret);

/* Frees config; NULL is fine. */
void config_free(struct config *config);

/* Returns the URL of remote name, or NULL when it is not configured. */
const char *config_remote_url(const struct config *config, const char *name);

#endif
