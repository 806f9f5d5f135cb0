/*
 * config.c - conf/containarium.ini, read with inih; see config.h.
 *
 * inih splits the file into "key = value" pairs and hands each one to
 * config_handler(), which finds the key in config_keys[] and lets that
 * key's parser check and store the value. inih tells a handler neither the
 * line number nor when a section starts, so lines reach inih through
 * config_read_line(), which counts them, refuses over-long lines and NUL
 * bytes, and checks every section header (an empty unknown section would
 * otherwise pass unseen). The first error wins and becomes
 * "path:line: [section] key: reason"; the config is then freed whole.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "validate.h"

#define CONFIG_WORKERS_MAX 64
#define CONFIG_SOCKET_PATH_MAX 107      /* sun_path is 108 bytes with the NUL */
#define CONFIG_NAME_MAX 63              /* Incus project and pool names */
#define CONFIG_REMOTE_NAME_MAX 32
#define CONFIG_HOST_MAX 253
#define CONFIG_USER_MAX 32
#define CONFIG_MESSAGE_MAX 512
#define CONFIG_FIELD_MAX 256

typedef int (*config_parse_fn)(struct config *config, const char *field,
    const char *value, char *err, size_t errlen);

struct config_key {
	const char *section;
	const char *name;
	config_parse_fn parse;
};

static const char *const config_sections[] = {
	"server", "incus", "containers", "logging", "remotes", "auth", "tls", "cache",
};

static const struct {
	size_t offset;
	const char *value;
} config_string_defaults[] = {
	{ offsetof(struct config, listen), "0.0.0.0:50051" },
	{ offsetof(struct config, admin_socket), "/run/containarium.sock" },
	{ offsetof(struct config, incus_socket), "/var/lib/incus/unix.socket" },
	{ offsetof(struct config, incus_project), "default" },
	{ offsetof(struct config, default_image), "ubuntu:24.04" },
	{ offsetof(struct config, default_cpu), "4" },
	{ offsetof(struct config, default_memory), "4GB" },
	{ offsetof(struct config, default_disk), "50GB" },
	{ offsetof(struct config, storage_pool), "default" },
	{ offsetof(struct config, ssh_jump_host), "" },
	{ offsetof(struct config, worker_user), "containarium" },
	{ offsetof(struct config, admin_group), "containarium" },
	{ offsetof(struct config, auth_secret_file), "/etc/containarium/jwt.secret" },
	{ offsetof(struct config, auth_users_file), "/etc/containarium/users" },
	{ offsetof(struct config, auth_issuer), "containarium" },
	{ offsetof(struct config, tls_cert), "" },
	{ offsetof(struct config, tls_key), "" },
	{ offsetof(struct config, tls_client_ca), "" },
};

/* The standard public image servers, under their usual names. */
static const struct config_remote config_default_remotes[] = {
	{ "images", "https://images.linuxcontainers.org" },
	{ "ubuntu", "https://cloud-images.ubuntu.com/releases" },
};

#define CONFIG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))


/* Replaces *slot with a copy of value. Returns 0 or -ENOMEM (slot kept). */
static int config_set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

static char **config_string_slot(struct config *config, size_t offset)
{
	return (char **)(void *)((char *)config + offset);
}

/*
 * Parses value as a decimal number min..max: digits only, no sign, no
 * space, checked for overflow. Stores it in *ret on success.
 */
static int config_parse_number(const char *field, const char *value,
    unsigned long min, unsigned long max, unsigned long *ret,
    char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE], *end;
	unsigned long n;

	if (value[0] < '0' || value[0] > '9')
		return validate_fail(err, errlen, field, "%s is not a number",
		    validate_echo(echo, value));
	errno = 0;
	n = strtoul(value, &end, 10);
	if (*end != '\0')
		return validate_fail(err, errlen, field, "%s is not a number",
		    validate_echo(echo, value));
	if (errno == ERANGE || n < min || n > max)
		return validate_fail(err, errlen, field, "%s is out of range (%lu..%lu)",
		    validate_echo(echo, value), min, max);
	*ret = n;
	return 0;
}

/* Parses a number min..max into an unsigned slot. */
static int config_parse_unsigned(const char *field, const char *value,
    unsigned long min, unsigned long max, unsigned *slot, char *err, size_t errlen)
{
	unsigned long n;
	int r = config_parse_number(field, value, min, max, &n, err, errlen);

	if (r == 0)
		*slot = (unsigned)n;
	return r;
}

static bool config_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Returns whether s[0..len) is 1..max bytes of alnum and chars in extra. */
static bool config_is_word(const char *s, size_t len, size_t max, const char *extra)
{
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!config_is_alnum(s[i]) && (s[i] == '\0' || !strchr(extra, s[i])))
			return false;
	return true;
}

/* A host name or IPv4 address: [A-Za-z0-9.-], alnum first, at most 253. */
static bool config_is_host(const char *s, size_t len)
{
	return config_is_word(s, len, CONFIG_HOST_MAX, ".-") && config_is_alnum(s[0]);
}

/* Checks "[addr]:port" and returns the port part, or NULL. */
static const char *config_split_ipv6(const char *value)
{
	char addr[INET6_ADDRSTRLEN];
	struct in6_addr parsed;
	const char *close = strchr(value, ']');
	size_t len;

	if (!close || close[1] != ':')
		return NULL;
	len = (size_t)(close - value) - 1;
	if (len == 0 || len >= sizeof(addr))
		return NULL;
	memcpy(addr, value + 1, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET6, addr, &parsed) != 1)
		return NULL;
	return close + 2;
}

/* Checks "host:port" (host name or IPv4) and returns the port part, or NULL. */
static const char *config_split_host(const char *value)
{
	const char *colon = strchr(value, ':');

	if (!colon || strchr(colon + 1, ':') ||
	    !config_is_host(value, (size_t)(colon - value)))
		return NULL;
	return colon + 1;
}

static int config_parse_listen(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];
	const char *port;
	unsigned long n;
	int r;

	if (value[0] != '\0') {
		port = value[0] == '[' ? config_split_ipv6(value) : config_split_host(value);
		if (!port)
			return validate_fail(err, errlen, field,
			    "%s is not host:port or [ipv6]:port",
			    validate_echo(echo, value));
		r = config_parse_number(field, port, 1, 65535, &n, err, errlen);
		if (r < 0)
			return r;
	}
	return config_set_string(&config->listen, value);
}

/* Checks a Unix socket path: absolute and short enough for sun_path. */
static int config_check_socket_path(const char *field, const char *value,
    char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	if (value[0] != '/')
		return validate_fail(err, errlen, field, "%s is not an absolute path",
		    validate_echo(echo, value));
	if (strlen(value) > CONFIG_SOCKET_PATH_MAX)
		return validate_fail(err, errlen, field,
		    "longer than %d bytes (the limit of a Unix socket path)",
		    CONFIG_SOCKET_PATH_MAX);
	return 0;
}

static int config_parse_admin_socket(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	int r = value[0] ? config_check_socket_path(field, value, err, errlen) : 0;

	return r < 0 ? r : config_set_string(&config->admin_socket, value);
}

static int config_parse_workers(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	return config_parse_unsigned(field, value, 0, CONFIG_WORKERS_MAX,
	    &config->workers, err, errlen);
}

static int config_parse_max_message_bytes(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];
	uint64_t bytes;
	int r;

	r = validate_size(field, value, &bytes, err, errlen);
	if (r < 0)
		return r;
	if (bytes < 1024 || bytes > 4128768)
		return validate_fail(err, errlen, field,
		    "%s is out of range (1KiB..4032KiB)", validate_echo(echo, value));
	config->max_message_bytes = (size_t)bytes;
	return 0;
}

static int config_parse_max_calls(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	return config_parse_unsigned(field, value, 1, 10000,
	    &config->max_calls_per_worker, err, errlen);
}

static int config_parse_operation_threads(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	return config_parse_unsigned(field, value, 1, 64,
	    &config->operation_threads, err, errlen);
}

static int config_parse_incus_socket(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	int r = config_check_socket_path(field, value, err, errlen);

	return r < 0 ? r : config_set_string(&config->incus_socket, value);
}

/* Checks an Incus object name: [a-zA-Z0-9_-], 1 to 63 bytes. */
static int config_check_name(const char *field, const char *value,
    char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	if (!config_is_word(value, strlen(value), CONFIG_NAME_MAX, "_-"))
		return validate_fail(err, errlen, field,
		    "%s is not a name ([a-zA-Z0-9_-], 1 to %d bytes)",
		    validate_echo(echo, value), CONFIG_NAME_MAX);
	return 0;
}

static int config_parse_incus_project(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	int r = config_check_name(field, value, err, errlen);

	return r < 0 ? r : config_set_string(&config->incus_project, value);
}

static int config_parse_incus_timeout(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	return config_parse_unsigned(field, value, 1, 3600, &config->incus_timeout,
	    err, errlen);
}

static int config_parse_image(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	int r = validate_image(field, value, err, errlen);

	return r < 0 ? r : config_set_string(&config->default_image, value);
}

static int config_parse_cpu(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	int r = validate_cpu(field, value, err, errlen);

	return r < 0 ? r : config_set_string(&config->default_cpu, value);
}

static int config_parse_memory(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	int r = validate_size(field, value, NULL, err, errlen);

	return r < 0 ? r : config_set_string(&config->default_memory, value);
}

static int config_parse_disk(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	int r = value[0] ? validate_size(field, value, NULL, err, errlen) : 0;

	return r < 0 ? r : config_set_string(&config->default_disk, value);
}

/* Parses a boolean (true/false, yes/no, on/off, 1/0) into *slot. */
static int config_parse_bool(const char *field, const char *value, bool *slot,
    char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	char echo[VALIDATE_ECHO_SIZE];

	for (size_t i = 0; i < CONFIG_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*slot = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*slot = false;
			return 0;
		}
	}
	return validate_fail(err, errlen, field,
	    "%s is not a boolean (true/false, yes/no, on/off, 1/0)",
	    validate_echo(echo, value));
}

static int config_parse_docker(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	return config_parse_bool(field, value, &config->default_docker, err, errlen);
}

static int config_parse_storage_pool(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	int r = config_check_name(field, value, err, errlen);

	return r < 0 ? r : config_set_string(&config->storage_pool, value);
}

/*
 * Checks "user@host[:port]": user of [A-Za-z0-9._-] not starting with '-',
 * host name or IPv4, port 1..65535. Nothing a shell or ssh would read as
 * an option or metacharacter can get through.
 */
static bool config_is_jump_host(const char *value)
{
	const char *at = strchr(value, '@'), *host, *colon;
	unsigned long port;
	char *end;

	if (!at || !config_is_word(value, (size_t)(at - value), CONFIG_USER_MAX, "._-") ||
	    value[0] == '-')
		return false;
	host = at + 1;
	colon = strchr(host, ':');
	if (!colon)
		return config_is_host(host, strlen(host));
	if (!config_is_host(host, (size_t)(colon - host)) || colon[1] < '0' || colon[1] > '9')
		return false;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	return *end == '\0' && errno == 0 && port >= 1 && port <= 65535;
}

static int config_parse_ssh_jump_host(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	if (value[0] && !config_is_jump_host(value))
		return validate_fail(err, errlen, field,
		    "%s is not user@host[:port]", validate_echo(echo, value));
	return config_set_string(&config->ssh_jump_host, value);
}

static int config_parse_level(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];
	int level = log_level_from_string(value);

	if (level < 0)
		return validate_fail(err, errlen, field,
		    "%s is not a level (error, warning, notice, info, debug)",
		    validate_echo(echo, value));
	config->log_level = level;
	return 0;
}

static int config_parse_target(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	static const struct { const char *name; enum log_target target; } targets[] = {
		{ "auto", LOG_TARGET_AUTO },
		{ "journal", LOG_TARGET_JOURNAL },
		{ "stderr", LOG_TARGET_STDERR },
	};
	char echo[VALIDATE_ECHO_SIZE];

	for (size_t i = 0; i < CONFIG_ARRAY_SIZE(targets); i++) {
		if (strcmp(value, targets[i].name) == 0) {
			config->log_target = (int)targets[i].target;
			return 0;
		}
	}
	return validate_fail(err, errlen, field,
	    "%s is not a target (auto, journal, stderr)", validate_echo(echo, value));
}

/* A user or group name: [a-z_][a-z0-9_-]*, at most 32 bytes. */
static int config_check_account(const char *field, const char *value,
    char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	if (!config_is_word(value, strlen(value), CONFIG_USER_MAX, "_-") ||
	    !((value[0] >= 'a' && value[0] <= 'z') || value[0] == '_'))
		return validate_fail(err, errlen, field, "%s is not a user or group name",
		    validate_echo(echo, value));
	for (const char *c = value; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			return validate_fail(err, errlen, field, "%s is not a user or group name",
			    validate_echo(echo, value));
	return 0;
}

static int config_parse_worker_user(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	int r = config_check_account(field, value, err, errlen);

	return r < 0 ? r : config_set_string(&config->worker_user, value);
}

static int config_parse_drain_timeout(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	return config_parse_unsigned(field, value, 1, 3600, &config->drain_timeout,
	    err, errlen);
}

static int config_parse_admin_socket_mode(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE], *end;
	unsigned long mode;

	errno = 0;
	mode = strtoul(value, &end, 8);
	if (value[0] < '0' || value[0] > '7' || *end || errno || mode > 0777 ||
	    (mode & 0600) != 0600 || (mode & 0007))
		return validate_fail(err, errlen, field, "%s is not an octal mode from 0600 "
		    "to 0770 with the owner's rw bits set and nothing for others",
		    validate_echo(echo, value));
	config->admin_socket_mode = (unsigned)mode;
	return 0;
}

static int config_parse_admin_group(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	int r = value[0] ? config_check_account(field, value, err, errlen) : 0;

	return r < 0 ? r : config_set_string(&config->admin_group, value);
}

static int config_parse_auth_method(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	if (strcmp(value, "token") == 0)
		config->auth_method = CONFIG_AUTH_TOKEN;
	else if (strcmp(value, "none") == 0)
		config->auth_method = CONFIG_AUTH_NONE;
	else
		return validate_fail(err, errlen, field, "%s is not a method (token, none)",
		    validate_echo(echo, value));
	return 0;
}

/* Checks an absolute path of at most PATH_MAX bytes; "" when allow_empty. */
static int config_check_path(const char *field, const char *value, bool allow_empty,
    char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	if (allow_empty && value[0] == '\0')
		return 0;
	if (value[0] != '/' || strlen(value) >= 4096)
		return validate_fail(err, errlen, field, "%s is not an absolute path",
		    validate_echo(echo, value));
	return 0;
}

#define CONFIG_PATH_PARSER(fn, member, allow_empty) \
	static int fn(struct config *config, const char *field, \
	    const char *value, char *err, size_t errlen) \
	{ \
		int r = config_check_path(field, value, allow_empty, err, errlen); \
		return r < 0 ? r : config_set_string(&config->member, value); \
	}

CONFIG_PATH_PARSER(config_parse_secret_file, auth_secret_file, false)
CONFIG_PATH_PARSER(config_parse_users_file, auth_users_file, false)
CONFIG_PATH_PARSER(config_parse_tls_cert, tls_cert, true)
CONFIG_PATH_PARSER(config_parse_tls_key, tls_key, true)
CONFIG_PATH_PARSER(config_parse_tls_client_ca, tls_client_ca, true)

static int config_parse_issuer(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	if (!config_is_word(value, strlen(value), 64, "._-:"))
		return validate_fail(err, errlen, field, "%s is not an issuer name "
		    "([A-Za-z0-9._:-], 1 to 64 bytes)", validate_echo(echo, value));
	return config_set_string(&config->auth_issuer, value);
}

static int config_parse_token_lifetime(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	return config_parse_unsigned(field, value, 60, 86400, &config->token_lifetime,
	    err, errlen);
}

static int config_parse_login_max_failures(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	return config_parse_unsigned(field, value, 1, 100, &config->login_max_failures,
	    err, errlen);
}

static int config_parse_login_lockout(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	return config_parse_unsigned(field, value, 1, 86400, &config->login_lockout,
	    err, errlen);
}

static int config_parse_tls_mode(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	if (strcmp(value, "off") == 0)
		config->tls_mode = CONFIG_TLS_OFF;
	else if (strcmp(value, "tls") == 0)
		config->tls_mode = CONFIG_TLS_ON;
	else if (strcmp(value, "mtls") == 0)
		config->tls_mode = CONFIG_TLS_MUTUAL;
	else
		return validate_fail(err, errlen, field, "%s is not a mode (off, tls, mtls)",
		    validate_echo(echo, value));
	return 0;
}

static int config_parse_cache_enabled(struct config *config, const char *field,
    const char *value, char *err, size_t errlen)
{
	return config_parse_bool(field, value, &config->cache_enabled, err, errlen);
}

static const struct config_key config_keys[] = {
	{ "server", "listen", config_parse_listen },
	{ "server", "admin_socket", config_parse_admin_socket },
	{ "server", "workers", config_parse_workers },
	{ "server", "max_message_bytes", config_parse_max_message_bytes },
	{ "server", "max_calls_per_worker", config_parse_max_calls },
	{ "server", "operation_threads", config_parse_operation_threads },
	{ "incus", "socket", config_parse_incus_socket },
	{ "incus", "project", config_parse_incus_project },
	{ "incus", "timeout", config_parse_incus_timeout },
	{ "containers", "image", config_parse_image },
	{ "containers", "cpu", config_parse_cpu },
	{ "containers", "memory", config_parse_memory },
	{ "containers", "disk", config_parse_disk },
	{ "containers", "docker", config_parse_docker },
	{ "containers", "storage_pool", config_parse_storage_pool },
	{ "containers", "ssh_jump_host", config_parse_ssh_jump_host },
	{ "logging", "level", config_parse_level },
	{ "logging", "target", config_parse_target },
	{ "server", "worker_user", config_parse_worker_user },
	{ "server", "drain_timeout", config_parse_drain_timeout },
	{ "server", "admin_socket_mode", config_parse_admin_socket_mode },
	{ "server", "admin_group", config_parse_admin_group },
	{ "auth", "method", config_parse_auth_method },
	{ "auth", "secret_file", config_parse_secret_file },
	{ "auth", "users_file", config_parse_users_file },
	{ "auth", "issuer", config_parse_issuer },
	{ "auth", "token_lifetime", config_parse_token_lifetime },
	{ "auth", "login_max_failures", config_parse_login_max_failures },
	{ "auth", "login_lockout", config_parse_login_lockout },
	{ "tls", "mode", config_parse_tls_mode },
	{ "tls", "cert", config_parse_tls_cert },
	{ "tls", "key", config_parse_tls_key },
	{ "tls", "client_ca", config_parse_tls_client_ca },
	{ "cache", "enabled", config_parse_cache_enabled },
};

/* What config_read_line() and config_handler() share while inih runs. */
struct config_parser {
	FILE *file;
	struct config *config;
	unsigned line;                  /* the line inih is working on */
	int read_errno;                 /* set when reading the file failed */
	bool line_indented;             /* the line starts with whitespace */
	bool section_has_key;           /* a key was seen since the last [section] */
	bool failed;                    /* an error was recorded */
	unsigned error_line;            /* its line, 0 when no line is to blame */
	int error_code;                 /* its negative errno */
	char error[CONFIG_MESSAGE_MAX]; /* its "[section] key: reason" */
	unsigned key_line[CONFIG_ARRAY_SIZE(config_keys)]; /* line each key was set on */
	unsigned remote_line[CONFIG_MAX_REMOTES]; /* same, per config->remotes[] */
};

/* Returns the index of section.name in config_keys[], or -1. */
static int config_key_find(const char *section, const char *name)
{
	for (size_t i = 0; i < CONFIG_ARRAY_SIZE(config_keys); i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Returns whether s[0..len) names a known section. */
static bool config_section_known(const char *s, size_t len)
{
	for (size_t i = 0; i < CONFIG_ARRAY_SIZE(config_sections); i++)
		if (strlen(config_sections[i]) == len &&
		    memcmp(config_sections[i], s, len) == 0)
			return true;
	return false;
}

/* Returns the index of the remote named s[0..len), or -1. */
static int config_remote_find(const struct config *config, const char *s, size_t len)
{
	for (size_t i = 0; i < config->n_remotes; i++)
		if (strlen(config->remotes[i].name) == len &&
		    memcmp(config->remotes[i].name, s, len) == 0)
			return (int)i;
	return -1;
}

/*
 * Records the first error of the parse, at the current line; later ones
 * are dropped. Returns 0, which tells inih the handler failed.
 */
__attribute__((format(printf, 3, 4)))
static int config_parser_fail(struct config_parser *p, int error,
    const char *format, ...)
{
	va_list ap;

	if (p->failed)
		return 0;
	p->failed = true;
	p->error_line = p->line;
	p->error_code = error;
	va_start(ap, format);
	vsnprintf(p->error, sizeof(p->error), format, ap);
	va_end(ap);
	return 0;
}

/* A remote name: [a-z0-9-], 1 to 32 bytes. */
static bool config_is_remote_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > CONFIG_REMOTE_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '-'))
			return false;
	return true;
}

/* A URL of a remote: https://, a host, then no space or control byte. */
static bool config_is_url(const char *value)
{
	size_t prefix = strlen("https://");

	if (strncmp(value, "https://", prefix) != 0 || !config_is_alnum(value[prefix]))
		return false;
	for (const char *s = value; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* Adds remote name with url (copied) as the last entry. Returns its index. */
static int config_remote_add(struct config *config, const char *name, const char *url)
{
	struct config_remote *remote;

	if (config->n_remotes == CONFIG_MAX_REMOTES)
		return -E2BIG;
	remote = &config->remotes[config->n_remotes];
	remote->name = strdup(name);
	remote->url = strdup(url);
	if (!remote->name || !remote->url) {
		free(remote->name);
		free(remote->url);
		*remote = (struct config_remote){ NULL, NULL };
		return -ENOMEM;
	}
	return (int)config->n_remotes++;
}

/*
 * Handles "name = url" in [remotes]: a file's entry replaces a default of
 * the same name, an empty url removes it (see config_remotes_compact()).
 */
static int config_handle_remote(struct config_parser *p, const char *field,
    const char *name, const char *value)
{
	char echo[VALIDATE_ECHO_SIZE];
	int i, r;

	if (!config_is_remote_name(name))
		return config_parser_fail(p, -EINVAL,
		    "%s: a remote name is [a-z0-9-], 1 to %d bytes", field,
		    CONFIG_REMOTE_NAME_MAX);
	if (value[0] && !config_is_url(value))
		return config_parser_fail(p, -EINVAL,
		    "%s: %s is not an https:// URL without spaces", field,
		    validate_echo(echo, value));
	i = config_remote_find(p->config, name, strlen(name));
	if (i >= 0 && p->remote_line[i])
		return config_parser_fail(p, -EINVAL, "%s: set twice (first on line %u)",
		    field, p->remote_line[i]);
	if (i >= 0) {
		r = config_set_string(&p->config->remotes[i].url, value);
		if (r < 0)
			return config_parser_fail(p, r, "%s: %s", field, strerror(-r));
	} else {
		i = config_remote_add(p->config, name, value);
		if (i == -E2BIG)
			return config_parser_fail(p, -EINVAL, "%s: more than %d remotes",
			    field, CONFIG_MAX_REMOTES);
		if (i < 0)
			return config_parser_fail(p, i, "%s: %s", field, strerror(-i));
	}
	p->remote_line[i] = p->line;
	return 1;
}

/* Handles one key of a known section other than [remotes]. */
static int config_handle_key(struct config_parser *p, const char *field,
    const char *section, const char *name, const char *value)
{
	char reason[CONFIG_MESSAGE_MAX];
	int i = config_key_find(section, name), r;

	if (i < 0)
		return config_parser_fail(p, -EINVAL, "%s: unknown key", field);
	if (p->key_line[i])
		return config_parser_fail(p, -EINVAL, "%s: set twice (first on line %u)",
		    field, p->key_line[i]);
	p->key_line[i] = p->line;
	r = config_keys[i].parse(p->config, field, value, reason, sizeof(reason));
	if (r == -ENOMEM)
		return config_parser_fail(p, r, "%s: %s", field, strerror(-r));
	if (r < 0)
		return config_parser_fail(p, r, "%s", reason);
	return 1;
}

/* The inih handler: one "name = value" of section. Returns 1, or 0 on error. */
static int config_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct config_parser *p = user;
	char field[CONFIG_FIELD_MAX];

	if (p->failed)
		return 1;
	snprintf(field, sizeof(field), "[%s] %s", section, name);
	if (section[0] == '\0')
		return config_parser_fail(p, -EINVAL, "%s: key outside of any section", name);
	if (!config_section_known(section, strlen(section)))
		return config_parser_fail(p, -EINVAL, "[%s]: unknown section", section);
	if (p->line_indented && p->section_has_key)
		return config_parser_fail(p, -EINVAL,
		    "%s: continuation lines are not supported (the line starts with whitespace)",
		    field);
	p->section_has_key = true;
	if (strcmp(section, "remotes") == 0)
		return config_handle_remote(p, field, name, value);
	return config_handle_key(p, field, section, name, value);
}

/*
 * Notes what inih will need to know about line: whether it is indented
 * (a continuation, for inih, when it follows a key) and, for a section
 * header, that a new section starts and whether it is a known one.
 */
static void config_note_line(struct config_parser *p, const char *line)
{
	const char *s = line, *close;

	if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;             /* inih skips a UTF-8 byte order mark */
	p->line_indented = s[0] == ' ' || s[0] == '\t';
	s += strspn(s, " \t");
	if (*s != '[' || !(close = strchr(s, ']')))
		return;
	p->section_has_key = false;
	if (!config_section_known(s + 1, (size_t)(close - s - 1)))
		config_parser_fail(p, -EINVAL, "[%.*s]: unknown section",
		    (int)(close - s - 1), s + 1);
}

/*
 * The inih reader: copies the next line of p->file, without its newline,
 * into str (num bytes). Returns str, or NULL at the end of the file or on a
 * read error (then p->read_errno is set). A line too long for str or
 * holding a NUL byte is recorded as an error and handed to inih empty.
 */
static char *config_read_line(char *str, int num, void *stream)
{
	struct config_parser *p = stream;
	size_t len = 0, max = num > 2 ? (size_t)num - 2 : 0;
	bool too_long = false, nul = false;
	int c;

	errno = 0;
	while ((c = getc(p->file)) != EOF && c != '\n') {
		if (c == '\0')
			nul = true;
		else if (len < max)
			str[len++] = (char)c;
		else
			too_long = true;
	}
	if (c == EOF && ferror(p->file)) {
		p->read_errno = errno ? errno : EIO;
		return NULL;
	}
	if (c == EOF && len == 0 && !too_long && !nul)
		return NULL;
	p->line++;
	str[too_long || nul ? 0 : len] = '\0';
	if (too_long)
		config_parser_fail(p, -EINVAL, "line longer than %zu bytes", max);
	else if (nul)
		config_parser_fail(p, -EINVAL, "line holds a NUL byte");
	config_note_line(p, str);
	return str;
}

/* Returns the CPUs this process may run on (as nproc does), 1..64. */
static unsigned config_online_cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > CONFIG_WORKERS_MAX ? CONFIG_WORKERS_MAX : (unsigned)n;
}

/* Drops the remotes a file removed with "name =" (an empty url). */
static void config_remotes_compact(struct config *config)
{
	size_t kept = 0;

	for (size_t i = 0; i < config->n_remotes; i++) {
		if (config->remotes[i].url[0] == '\0') {
			free(config->remotes[i].name);
			free(config->remotes[i].url);
			continue;
		}
		config->remotes[kept++] = config->remotes[i];
	}
	for (size_t i = kept; i < config->n_remotes; i++)
		config->remotes[i] = (struct config_remote){ NULL, NULL };
	config->n_remotes = kept;
}

/* Checks that the remote the default image names is configured. */
static int config_check_image_remote(struct config_parser *p)
{
	const char *image = p->config->default_image, *colon = strchr(image, ':');
	char echo[VALIDATE_ECHO_SIZE];
	int image_key = config_key_find("containers", "image");

	if (!colon || config_remote_find(p->config, image, (size_t)(colon - image)) >= 0)
		return 0;
	p->line = p->key_line[image_key];
	config_parser_fail(p, -EINVAL,
	    "[containers] image: the remote of %s is not in [remotes]",
	    validate_echo(echo, image));
	return -EINVAL;
}

/* Fails p at the line of [section] key with reason; returns -EINVAL. */
__attribute__((format(printf, 4, 5)))
static int config_fail_at(struct config_parser *p, const char *section,
    const char *key, const char *format, ...)
{
	char reason[CONFIG_MESSAGE_MAX / 2];
	va_list ap;

	va_start(ap, format);
	vsnprintf(reason, sizeof(reason), format, ap);
	va_end(ap);
	p->line = p->key_line[config_key_find(section, key)];
	config_parser_fail(p, -EINVAL, "[%s] %s: %s", section, key, reason);
	return -EINVAL;
}

/* True when "host:port" names a loopback address (or localhost). */
static bool config_listen_is_loopback(const char *listen)
{
	return strncmp(listen, "127.", 4) == 0 || strncmp(listen, "localhost:", 10) == 0 ||
	    strncmp(listen, "[::1]:", 6) == 0;
}

/* Checks the rules that tie several keys together. */
static int config_check_combinations(struct config_parser *p)
{
	const struct config *c = p->config;

	if (c->auth_method == CONFIG_AUTH_NONE && c->listen[0] &&
	    !config_listen_is_loopback(c->listen))
		return config_fail_at(p, "auth", "method", "\"none\" is allowed only when "
		    "[server] listen is a loopback address, not \"%.64s\"", c->listen);
	if (c->tls_mode != CONFIG_TLS_OFF && (!c->tls_cert[0] || !c->tls_key[0]))
		return config_fail_at(p, "tls", "mode", "TLS needs [tls] cert and key");
	if (c->tls_mode == CONFIG_TLS_MUTUAL && !c->tls_client_ca[0])
		return config_fail_at(p, "tls", "mode", "mtls needs [tls] client_ca");
	return 0;
}

/* Returns a config holding the defaults, workers still 0; path copied. */
static int config_new(const char *path, struct config **ret)
{
	struct config *config = calloc(1, sizeof(*config));
	int r = 0;

	if (!config)
		return -ENOMEM;
	config->max_message_bytes = 1048576;
	config->max_calls_per_worker = 256;
	config->operation_threads = 8;
	config->incus_timeout = 60;
	config->default_docker = true;
	config->log_level = LOG_INFO;
	config->log_target = LOG_TARGET_AUTO;
	config->drain_timeout = 10;
	config->admin_socket_mode = 0660;
	config->auth_method = CONFIG_AUTH_TOKEN;
	config->token_lifetime = 3600;
	config->login_max_failures = 5;
	config->login_lockout = 300;
	config->tls_mode = CONFIG_TLS_OFF;
	config->cache_enabled = true;
	r = config_set_string(&config->path, path);
	for (size_t i = 0; r == 0 && i < CONFIG_ARRAY_SIZE(config_string_defaults); i++)
		r = config_set_string(config_string_slot(config,
		    config_string_defaults[i].offset), config_string_defaults[i].value);
	for (size_t i = 0; r >= 0 && i < CONFIG_ARRAY_SIZE(config_default_remotes); i++)
		r = config_remote_add(config, config_default_remotes[i].name,
		    config_default_remotes[i].url);
	if (r < 0) {
		config_free(config);
		return r;
	}
	*ret = config;
	return 0;
}

/* Writes the parse's outcome into err; returns 0 or its negative errno. */
static int config_parse_result(const struct config_parser *p, const char *path,
    int ini_result, char *err, size_t errlen)
{
	if (p->read_errno) {
		snprintf(err, errlen, "%s: %s", path, strerror(p->read_errno));
		return -p->read_errno;
	}
	if (ini_result > 0 && (!p->failed || (unsigned)ini_result < p->error_line)) {
		snprintf(err, errlen, "%s:%d: syntax error (expected [section] or key = value)",
		    path, ini_result);
		return -EINVAL;
	}
	if (ini_result < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	if (!p->failed)
		return 0;
	if (p->error_line)
		snprintf(err, errlen, "%s:%u: %s", path, p->error_line, p->error);
	else
		snprintf(err, errlen, "%s: %s", path, p->error);
	return p->error_code;
}

/* Parses the open file into p->config and checks the whole. */
static int config_parse_file(struct config_parser *p, const char *path,
    char *err, size_t errlen)
{
	int ini_result, r;

	ini_result = ini_parse_stream(config_read_line, p, config_handler, p);
	r = config_parse_result(p, path, ini_result, err, errlen);
	if (r < 0)
		return r;
	config_remotes_compact(p->config);
	if (config_check_image_remote(p) < 0 || config_check_combinations(p) < 0)
		return config_parse_result(p, path, 0, err, errlen);
	if (p->config->workers == 0)
		p->config->workers = config_online_cpus();
	return 0;
}

int config_load(const char *path, struct config **ret, char *err, size_t errlen)
{
	struct config_parser p = { .file = NULL };
	char scratch[1];
	int r;

	if (!err || errlen == 0) {
		err = scratch;
		errlen = sizeof(scratch);
	}
	r = config_new(path, &p.config);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	p.file = fopen(path, "re");
	if (!p.file) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	} else {
		r = config_parse_file(&p, path, err, errlen);
		fclose(p.file);
	}
	if (r < 0) {
		config_free(p.config);
		return r;
	}
	*ret = p.config;
	return 0;
}

int config_defaults(struct config **ret)
{
	struct config *config;
	int r = config_new("", &config);

	if (r < 0)
		return r;
	config->workers = config_online_cpus();
	*ret = config;
	return 0;
}

void config_free(struct config *config)
{
	if (!config)
		return;
	for (size_t i = 0; i < CONFIG_ARRAY_SIZE(config_string_defaults); i++)
		free(*config_string_slot(config, config_string_defaults[i].offset));
	for (size_t i = 0; i < config->n_remotes; i++) {
		free(config->remotes[i].name);
		free(config->remotes[i].url);
	}
	free(config->path);
	free(config);
}

const char *config_remote_url(const struct config *config, const char *name)
{
	int i;

	if (!config || !name)
		return NULL;
	i = config_remote_find(config, name, strlen(name));
	return i < 0 ? NULL : config->remotes[i].url;
}
