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

struct config {
	char *path;                     /* the file this was read from; "" for defaults */

	/* [server] */
	char *listen;                   /* "0.0.0.0:50051"; "" disables TCP */
	char *admin_socket;             /* "/run/containarium.sock"; "" disables */
	unsigned workers;               /* 1..64; the file's 0 becomes nproc */
	size_t max_message_bytes;       /* largest gRPC request, 1 KiB .. 4 MiB */
	unsigned max_calls_per_worker;  /* in-flight calls a worker accepts */
	unsigned operation_threads;     /* master threads talking to Incus */

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
