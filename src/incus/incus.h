/*
 * incus.h - a client for the Incus REST API over the daemon's Unix socket.
 *
 * The same API is served by Incus and by LXD, its ancestor; this client
 * speaks both (GET /1.0 tells which, and file-API headers are named
 * X-Incus-* or X-LXD-* accordingly). Only the master process uses it.
 *
 * Threads: one struct incus_client per thread. A client is not thread-safe;
 * it owns one libcurl easy handle (and the kept-alive connection in it).
 * Call incus_client_global_init() once, before any thread creates a client.
 *
 * Deadlines: every public call that takes a client runs under one deadline,
 * now + the client's timeout (incus_client_set_timeout()). The HTTP
 * exchanges of the call, the waits on Incus operations and the follow-up
 * requests (exec output, state fallback) all share it. Connecting to the
 * socket is bounded separately by INCUS_CONNECT_TIMEOUT_MS. When a deadline
 * expires while Incus is still working, the Incus operation carries on
 * (Incus cannot cancel most of them); the call returns -ETIMEDOUT.
 *
 * Errors: functions return 0 or a negative errno with one meaning each:
 *
 *   errno         meaning                                   suggested gRPC code
 *   -ENOENT       Incus said 404 / "... not found" (an      NOT_FOUND
 *                 instance, an image alias, a file, a pool)
 *   -EEXIST       409, or "already exists"                  ALREADY_EXISTS
 *   -EBUSY        the instance is in the wrong state for    FAILED_PRECONDITION
 *                 the request: "already running", "already
 *                 stopped", "is running" (delete), "is not
 *                 running" (exec, freeze), 412
 *   -EINVAL       400 Bad Request; "Invalid config: ..." on  INVALID_ARGUMENT
 *                 a 500; also a bad argument to this API
 *                 (e.g. a string that is not UTF-8)
 *   -EACCES       401/403 from Incus                        PERMISSION_DENIED
 *   -EHOSTDOWN    Incus unreachable: socket missing,         UNAVAILABLE
 *                 connection refused, dropped mid-response,
 *                 503
 *   -ETIMEDOUT    the call's deadline expired (HTTP request  DEADLINE_EXCEEDED
 *                 or operation wait), or Incus said 504
 *   -EPROTO       a response we cannot trust: not JSON,      UNAVAILABLE (an
 *                 truncated, wrong field types, missing      Incus answering
 *                 required fields, counts or sizes over      garbage is as
 *                 our bounds, a 500 whose body is not JSON   good as none)
 *   -EFBIG        incus_file_get(): the file is larger than  FAILED_PRECONDITION
 *                 the caller's limit
 *   -ECANCELED    the Incus operation was cancelled          ABORTED
 *   -EOPNOTSUPP   501 from Incus                             UNIMPLEMENTED
 *   -EIO          Incus reported a failure of its own (a     INTERNAL, carrying
 *                 500 or a failed operation whose text       the Incus message
 *                 matches nothing above)
 *   -ENOMEM       allocation failure                         RESOURCE_EXHAUSTED
 *
 * After any failure incus_client_error_message() holds a one-line message:
 * Incus's own "error"/"err" text when Incus sent one (so the master can put
 * it in the status message), else a description of the local failure.
 *
 * Ownership: structs filled by this API (ret_ / *ret arguments) are written
 * only on success and are released with their _free() function, which
 * accepts a NULL or zeroed struct. Strings in them are NUL-terminated,
 * contain no NUL, and may be NULL when Incus did not send the field.
 */
#ifndef CONTAINARIUM_INCUS_H
#define CONTAINARIUM_INCUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INCUS_DEFAULT_SOCKET "/var/lib/incus/unix.socket"
#define INCUS_DEFAULT_PROJECT "default"
#define INCUS_DEFAULT_TIMEOUT_SEC 60u
#define INCUS_TIMEOUT_MAX_SEC 86400u
#define INCUS_CONNECT_TIMEOUT_MS 3000L

#define INCUS_ERROR_MESSAGE_MAX 1024u     /* bytes kept of an error text */
#define INCUS_INSTANCES_MAX 10000u        /* instances in one list */
#define INCUS_CONFIG_KEYS_MAX 1000u       /* config keys of one instance */
#define INCUS_EXEC_ARGS_MAX 1024u         /* argv and environment entries */
#define INCUS_EXEC_OUTPUT_MAX (1024u * 1024u) /* bytes kept per stream */
#define INCUS_FILE_MAX (1024u * 1024u)    /* default incus_file_get() limit */
#define INCUS_DIRECTORY_ENTRIES_MAX 10000u

/* ---- client (incus_client.c) ------------------------------------------ */

struct incus_client;

struct incus_client_options {
	const char *socket_path; /* NULL: INCUS_DEFAULT_SOCKET */
	const char *project;     /* NULL: INCUS_DEFAULT_PROJECT */
	unsigned timeout_sec;    /* deadline of each call; 0: the default */
};

enum incus_server_kind {
	INCUS_SERVER_UNKNOWN = 0, /* not asked yet */
	INCUS_SERVER_INCUS,
	INCUS_SERVER_LXD,
};

/* GET /1.0, environment part. */
struct incus_server_info {
	enum incus_server_kind kind;
	char *server;          /* "incus" or "lxd" */
	char *server_version;  /* "6.0.1", "5.0.2" */
	char *server_name;     /* host name, or cluster member name */
	char *api_version;     /* "1.0" */
	char *kernel_version;
	char *os_name;         /* may be NULL on old servers */
	char *os_version;
	char *storage_driver;  /* "dir", "zfs", ... */
	bool clustered;
};

/*
 * Initializes libcurl (and jansson's hash seed) for the whole process. Call
 * once from the main thread before any client exists. Returns 0 or -ENOMEM.
 */
int incus_client_global_init(void);

/*
 * Creates a client (no I/O happens yet). options may be NULL for all
 * defaults. Returns 0 and *ret, -EINVAL for an empty project, an empty
 * socket path or one too long for sun_path, or a timeout over
 * INCUS_TIMEOUT_MAX_SEC; or -ENOMEM. The connection to Incus is made
 * close-on-exec: a forked and exec'ed worker never inherits it.
 */
int incus_client_new(const struct incus_client_options *options,
    struct incus_client **ret);

/* Closes the connection and frees the client. Accepts NULL. */
void incus_client_free(struct incus_client *c);

/* Sets the deadline of each following call. Returns 0 or -EINVAL. */
int incus_client_set_timeout(struct incus_client *c, unsigned timeout_sec);

/* The project every request names (project=<p>). */
const char *incus_client_project(const struct incus_client *c);

/*
 * The message of the last failed call: Incus's own error text when it sent
 * one, else a description of the local failure; "" after a success.
 * Printable ASCII/UTF-8 only (control characters replaced), at most
 * INCUS_ERROR_MESSAGE_MAX - 1 bytes. Valid until the next call.
 */
const char *incus_client_error_message(const struct incus_client *c);

/*
 * GET /1.0. Fills *ret and remembers the server kind (the file-API header
 * prefix). Returns 0 or a negative errno (table above).
 */
int incus_client_server_info(struct incus_client *c,
    struct incus_server_info *ret);

/*
 * The file-API header prefix, "X-Incus-" or "X-LXD-", asking the server
 * (GET /1.0) the first time. Returns 0 and *ret (a static string) or a
 * negative errno.
 */
int incus_client_header_prefix(struct incus_client *c, const char **ret);

void incus_client_server_info_free(struct incus_server_info *info);

/* ---- instances (incus_instance.c) ------------------------------------ */

/* One key of a request (config to set). value NULL means "remove". */
struct incus_key_value {
	const char *key;
	const char *value;
};

/* One key of a decoded instance's config. */
struct incus_config_entry {
	char *key;
	char *value;
};

/* What POST /1.0/instances creates. */
struct incus_instance_spec {
	const char *name;
	const char *image_alias;    /* alias on the server, or on image_server */
	const char *image_server;   /* NULL: a local image; else the URL of a
	                               remote image server (the caller resolves
	                               "remote:alias" to URL + alias) */
	const char *image_protocol; /* with image_server; NULL: "simplestreams" */
	const struct incus_key_value *config; /* values must not be NULL */
	size_t config_count;
	const char *root_pool;      /* NULL: the profiles' root disk */
	const char *root_size;      /* "10GiB"; NULL: none; needs root_pool */
	const char *const *profiles; /* NULL-terminated; NULL: server default */
};

enum incus_state_action {
	INCUS_STATE_START = 1,
	INCUS_STATE_STOP,
	INCUS_STATE_RESTART,
	INCUS_STATE_FREEZE,
	INCUS_STATE_UNFREEZE,
};

/*
 * Live state of an instance (the "state" object). Counters are 0 and
 * strings NULL when the instance is stopped or Incus omits them.
 */
struct incus_instance_state {
	char *status;            /* "Running", "Stopped", "Frozen", ... */
	int status_code;         /* 103 running, 102 stopped, 110 frozen */
	int64_t pid;             /* init's pid on the host */
	int64_t processes;       /* Incus reports -1 when unknown */
	int64_t memory_usage;    /* bytes */
	int64_t memory_usage_peak;
	int64_t cpu_usage_ns;
	int64_t root_disk_usage; /* bytes; 0 where the pool cannot say (dir) */
	char *ipv4_address;      /* first global inet address of eth0 */
	char *ipv6_address;      /* first global inet6 address of eth0 */
	char *hwaddr;            /* MAC of eth0 */
	char *host_name;         /* host-side veth of eth0 */
	int64_t rx_bytes;        /* eth0 counters */
	int64_t tx_bytes;
};

struct incus_instance {
	char *name;
	char *status;            /* as the state's, from the instance itself */
	int status_code;
	char *type;              /* "container", "virtual-machine" */
	char *architecture;
	char *description;
	char *location;          /* cluster member; "none" when standalone */
	int64_t created_at;      /* seconds since the epoch; 0: unknown */
	int64_t last_used_at;    /* 0: never used */
	/* expanded_config (profiles applied; config when absent), sorted by
	 * key, every key including volatile.* */
	struct incus_config_entry *config;
	size_t config_count;
	char *root_pool;         /* expanded_devices disk with path "/" */
	char *root_size;         /* its "size" text, e.g. "10GiB"; may be NULL */
	uint64_t root_size_bytes; /* parsed; 0 when absent or not parsable */
	char *network_parent;    /* eth0 nic's "parent" or "network" (bridge) */
	bool has_state;
	struct incus_instance_state state;
};

struct incus_instance_list {
	struct incus_instance *items;
	size_t count;
};

/*
 * Creates a container from spec and waits for Incus to finish. Returns 0,
 * -EEXIST when the name is taken, -ENOENT when the image alias is unknown,
 * -EINVAL for bad arguments (or Incus rejecting them), or another errno.
 */
int incus_instance_create(struct incus_client *c,
    const struct incus_instance_spec *spec);

/*
 * GET /1.0/instances/<name>?recursion=1, with state (also asking
 * .../state when the server leaves it out). Returns 0 or -ENOENT, ...
 */
int incus_instance_get(struct incus_client *c, const char *name,
    struct incus_instance *ret);

/* GET /1.0/instances?recursion=2: every instance of the project, with state. */
int incus_instance_list(struct incus_client *c,
    struct incus_instance_list *ret);

/* Deletes a stopped instance; -EBUSY when it is running, -ENOENT, ... */
int incus_instance_delete(struct incus_client *c, const char *name);

/*
 * PUT /1.0/instances/<name>/state and waits. stop_timeout_sec is how long a
 * stop or restart waits for a clean shutdown before Incus fails it (-1: the
 * Incus default); force kills at once. Returns 0, -EBUSY when the instance
 * is already in that state or cannot take the action in its state,
 * -ENOENT, ...
 */
int incus_instance_set_state(struct incus_client *c, const char *name,
    enum incus_state_action action, int stop_timeout_sec, bool force);

/*
 * PATCH /1.0/instances/<name> {"config": {...}}: sets each key, removes
 * those whose value is NULL (sent as "", which Incus treats as removal).
 * Other keys are left alone. At most INCUS_CONFIG_KEYS_MAX items.
 */
int incus_instance_update_config(struct incus_client *c, const char *name,
    const struct incus_key_value *items, size_t count);

/* The value of key in instance's config, or NULL. */
const char *incus_instance_config_get(const struct incus_instance *instance,
    const char *key);

void incus_instance_free(struct incus_instance *instance);
void incus_instance_state_free(struct incus_instance_state *state);
void incus_instance_list_free(struct incus_instance_list *list);

/* ---- exec (incus_exec.c) --------------------------------------------- */

struct incus_exec_spec {
	const char *const *argv;        /* NULL-terminated; argv[0] required */
	const char *const *environment; /* "KEY=VALUE", NULL-terminated; or NULL */
	const char *cwd;                /* NULL: the instance's default */
	uint32_t uid;                   /* 0: root */
	uint32_t gid;
	size_t output_max;              /* per stream; 0: INCUS_EXEC_OUTPUT_MAX */
};

struct incus_exec_result {
	int exit_status;         /* 0..255 (127: not found, 128+n: signal n);
	                            -1 when Incus could not tell */
	char *stdout_data;       /* NUL-terminated for convenience; may hold NULs */
	size_t stdout_size;
	bool stdout_truncated;   /* more than output_max bytes were written */
	char *stderr_data;
	size_t stderr_size;
	bool stderr_truncated;
};

/*
 * Runs argv in the instance (never through a shell) with stdin empty,
 * waits, and collects the recorded stdout/stderr (deleting Incus's copies).
 * Returns 0 whenever the command ran, whatever its exit status (including
 * 127 when it is not found); -EBUSY when the instance is not running;
 * -ENOENT; -EINVAL for a bad spec; ...
 */
int incus_exec(struct incus_client *c, const char *name,
    const struct incus_exec_spec *spec, struct incus_exec_result *ret);

void incus_exec_result_free(struct incus_exec_result *result);

/* ---- files (incus_file.c) -------------------------------------------- */

enum incus_file_type {
	INCUS_FILE_REGULAR = 1,
	INCUS_FILE_DIRECTORY,
	INCUS_FILE_SYMLINK,
};

struct incus_file_spec {
	const char *path;          /* absolute path in the instance */
	enum incus_file_type type; /* REGULAR or DIRECTORY */
	uint32_t uid;
	uint32_t gid;
	uint32_t mode;             /* permission bits, e.g. 0600 */
	const void *data;          /* REGULAR: the content (may be empty) */
	size_t size;
};

struct incus_file {
	enum incus_file_type type;
	uint32_t uid;
	uint32_t gid;
	uint32_t mode;
	char *data;        /* REGULAR: content; SYMLINK: target; NUL-terminated */
	size_t size;
	char **entries;    /* DIRECTORY: entry names */
	size_t entry_count;
};

/*
 * Writes a file (overwriting, with exactly uid, gid, mode) or creates a
 * directory. The parent directory must exist (-ENOENT otherwise). The data
 * is sent as bytes, never interpreted.
 */
int incus_file_push(struct incus_client *c, const char *name,
    const struct incus_file_spec *spec);

/*
 * Reads a file, a directory listing or a symlink target. max_size bounds
 * the content or the listing (0: INCUS_FILE_MAX); more gives -EFBIG.
 * Returns 0, -ENOENT, ...
 */
int incus_file_get(struct incus_client *c, const char *name, const char *path,
    size_t max_size, struct incus_file *ret);

/* Removes a file or an empty directory. Returns 0, -ENOENT, ... */
int incus_file_delete(struct incus_client *c, const char *name,
    const char *path);

void incus_file_free(struct incus_file *file);

/* ---- resources (incus_resources.c) ----------------------------------- */

struct incus_host_resources {
	uint64_t cpu_total;      /* logical CPUs (threads) */
	uint64_t memory_total;   /* bytes */
	uint64_t memory_used;
};

struct incus_pool_resources {
	uint64_t space_total;    /* bytes */
	uint64_t space_used;
	uint64_t inodes_total;   /* 0 when the driver cannot say */
	uint64_t inodes_used;
};

/* GET /1.0/resources. */
int incus_resources_host(struct incus_client *c,
    struct incus_host_resources *ret);

/* GET /1.0/storage-pools/<pool>/resources. -ENOENT for an unknown pool. */
int incus_resources_pool(struct incus_client *c, const char *pool,
    struct incus_pool_resources *ret);

#endif
