/*
 * cli_args.c - parse the command line into a struct cli_args; see
 * cli_args.h.
 *
 * Each command lists the options it takes in a table; --server, --output
 * and --help are accepted everywhere, --timeout before the command (after
 * "stop" it is the stop timeout). Both "--flag value" and "--flag=value"
 * work, "--" ends the options. Every value is checked here, so a command
 * that parses never sends the server something it would refuse by form.
 */
#include "cli_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "containarium/v1/container.pb-c.h"

enum cli_option_id {
	OPT_SERVER,
	OPT_OUTPUT,
	OPT_TIMEOUT,
	OPT_HELP,
	OPT_IMAGE,
	OPT_CPU,
	OPT_MEMORY,
	OPT_DISK,
	OPT_DOCKER,
	OPT_NO_DOCKER,
	OPT_SSH_KEY,
	OPT_LABEL,
	OPT_STATE,
	OPT_USER,
	OPT_FORCE,
	OPT_STOP_TIMEOUT,
	OPT_CA,
	OPT_CERT,
	OPT_KEY,
	OPT_INSECURE,
	OPT_SERVERS,
	OPT_SERVERS_FILE,
	OPT_JUMP_USER,
	OPT_PASSWORD_STDIN,
	OPT_ROLE,
	OPT_GENERATE_API_KEY,
};

#define OPT_BIT(id) (1u << (id))
#define OPTS_ANYWHERE (OPT_BIT(OPT_SERVER) | OPT_BIT(OPT_OUTPUT) | OPT_BIT(OPT_HELP) | \
	OPT_BIT(OPT_CA) | OPT_BIT(OPT_CERT) | OPT_BIT(OPT_KEY) | OPT_BIT(OPT_INSECURE))
#define OPTS_GLOBAL (OPTS_ANYWHERE | OPT_BIT(OPT_TIMEOUT))

struct cli_option {
	const char *name;       /* "--memory" */
	char short_name;        /* 'h', or 0 */
	enum cli_option_id id;
	bool takes_value;
};

/* Two entries share "--timeout": which one applies depends on the command. */
static const struct cli_option cli_options[] = {
	{ "--server", 's', OPT_SERVER, true },
	{ "--output", 'o', OPT_OUTPUT, true },
	{ "--timeout", 0, OPT_TIMEOUT, true },
	{ "--help", 'h', OPT_HELP, false },
	{ "--image", 0, OPT_IMAGE, true },
	{ "--cpu", 0, OPT_CPU, true },
	{ "--memory", 0, OPT_MEMORY, true },
	{ "--disk", 0, OPT_DISK, true },
	{ "--docker", 0, OPT_DOCKER, false },
	{ "--no-docker", 0, OPT_NO_DOCKER, false },
	{ "--ssh-key", 0, OPT_SSH_KEY, true },
	{ "--label", 0, OPT_LABEL, true },
	{ "--state", 0, OPT_STATE, true },
	{ "--user", 0, OPT_USER, true },
	{ "--force", 'f', OPT_FORCE, false },
	{ "--timeout", 0, OPT_STOP_TIMEOUT, true },
	{ "--ca", 0, OPT_CA, true },
	{ "--cert", 0, OPT_CERT, true },
	{ "--key", 0, OPT_KEY, true },
	{ "--insecure", 0, OPT_INSECURE, false },
	{ "--servers", 0, OPT_SERVERS, true },
	{ "--servers-file", 0, OPT_SERVERS_FILE, true },
	{ "--jump-user", 0, OPT_JUMP_USER, true },
	{ "--password-stdin", 0, OPT_PASSWORD_STDIN, false },
	{ "--role", 0, OPT_ROLE, true },
	{ "--generate-api-key", 0, OPT_GENERATE_API_KEY, false },
};

struct cli_command_spec {
	enum cli_command command;
	const char *name;
	unsigned options;       /* OPT_BIT set, besides OPTS_ANYWHERE */
	unsigned min_args;      /* positional arguments (HOST:PORT of remote not counted) */
	unsigned max_args;
	bool remote;            /* may follow "remote", which then takes HOST:PORT */
	const char *missing;    /* what a missing argument is called */
};

#define OPTS_TIMEOUT OPT_BIT(OPT_TIMEOUT)

static const struct cli_command_spec cli_command_specs[] = {
	{ CLI_COMMAND_CREATE, "create",
	  OPTS_TIMEOUT | OPT_BIT(OPT_IMAGE) | OPT_BIT(OPT_CPU) | OPT_BIT(OPT_MEMORY) |
	  OPT_BIT(OPT_DISK) | OPT_BIT(OPT_DOCKER) | OPT_BIT(OPT_NO_DOCKER) |
	  OPT_BIT(OPT_SSH_KEY) | OPT_BIT(OPT_LABEL), 1, 1, true, "USER" },
	{ CLI_COMMAND_LIST, "list", OPTS_TIMEOUT |
	  OPT_BIT(OPT_STATE) | OPT_BIT(OPT_USER) | OPT_BIT(OPT_LABEL), 0, 0, true, NULL },
	{ CLI_COMMAND_INFO, "info", OPTS_TIMEOUT, 1, 1, true, "USER" },
	{ CLI_COMMAND_DELETE, "delete", OPTS_TIMEOUT | OPT_BIT(OPT_FORCE), 1, 1, true, "USER" },
	{ CLI_COMMAND_START, "start", OPTS_TIMEOUT, 1, 1, true, "USER" },
	{ CLI_COMMAND_STOP, "stop", OPT_BIT(OPT_FORCE) | OPT_BIT(OPT_STOP_TIMEOUT), 1, 1, true,
	  "USER" },
	{ CLI_COMMAND_HELP, "help", 0, 0, 1, false, NULL },
	{ CLI_COMMAND_VERSION, "version", 0, 0, 0, false, NULL },
	{ CLI_COMMAND_SSH_KEY, "ssh-key", OPTS_TIMEOUT, 3, 3, true, "add|remove USER KEYFILE" },
	{ CLI_COMMAND_METRICS, "metrics", OPTS_TIMEOUT, 0, 1, true, NULL },
	{ CLI_COMMAND_SYSTEM_INFO, "system-info", OPTS_TIMEOUT, 0, 0, true, NULL },
	{ CLI_COMMAND_LOGIN, "login", OPTS_TIMEOUT | OPT_BIT(OPT_PASSWORD_STDIN), 1, 1, true,
	  "USER" },
	{ CLI_COMMAND_LOGOUT, "logout", 0, 0, 0, true, NULL },
	{ CLI_COMMAND_USER, "user", OPTS_TIMEOUT | OPT_BIT(OPT_PASSWORD_STDIN) |
	  OPT_BIT(OPT_ROLE) | OPT_BIT(OPT_GENERATE_API_KEY), 1, 2, true,
	  "add|remove|list|passwd" },
	{ CLI_COMMAND_SSH_CONFIG, "ssh-config", OPTS_TIMEOUT | OPT_BIT(OPT_JUMP_USER) |
	  OPT_BIT(OPT_USER), 0, 0, true, NULL },
	{ CLI_COMMAND_LIST_ALL, "list-all", OPTS_TIMEOUT | OPT_BIT(OPT_SERVERS) |
	  OPT_BIT(OPT_SERVERS_FILE) | OPT_BIT(OPT_STATE) | OPT_BIT(OPT_USER) |
	  OPT_BIT(OPT_LABEL), 0, 0, false, NULL },
	{ CLI_COMMAND_COMPLETE, "__complete-containers", OPTS_TIMEOUT, 0, 0, true, NULL },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const cli_state_names[] = {
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_RUNNING] = "running",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_STOPPED] = "stopped",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_FROZEN] = "frozen",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_CREATING] = "creating",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_ERROR] = "error",
};

/* Writes a formatted reason into err; returns -EINVAL for the caller. */
__attribute__((format(printf, 3, 4)))
static int cli_args_fail(char *err, size_t errlen, const char *format, ...)
{
	va_list ap;

	if (errlen == 0)
		return -EINVAL;
	va_start(ap, format);
	(void)vsnprintf(err, errlen, format, ap);
	va_end(ap);
	return -EINVAL;
}

enum cli_command cli_args_command_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cli_command_specs); i++)
		if (strcmp(cli_command_specs[i].name, name) == 0)
			return cli_command_specs[i].command;
	return CLI_COMMAND_NONE;
}

/* Returns the spec of command, or NULL for CLI_COMMAND_NONE. */
static const struct cli_command_spec *cli_args_spec(enum cli_command command)
{
	for (size_t i = 0; i < ARRAY_SIZE(cli_command_specs); i++)
		if (cli_command_specs[i].command == command)
			return &cli_command_specs[i];
	return NULL;
}

const char *cli_args_command_name(enum cli_command command)
{
	const struct cli_command_spec *spec = cli_args_spec(command);

	return spec ? spec->name : NULL;
}

int cli_args_parse_seconds(const char *value, unsigned max, unsigned *ret)
{
	unsigned long n;
	char *end;

	if (value[0] < '0' || value[0] > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(value, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > max)
		return -EINVAL;
	*ret = (unsigned)n;
	return 0;
}

/* UserRole numbers of admin.proto. */
static const char *const cli_role_names[] = {
	[1] = "admin",
	[2] = "user",
	[3] = "viewer",
};

int cli_args_parse_role(const char *value, int *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(cli_role_names); i++)
		if (cli_role_names[i] && strcasecmp(cli_role_names[i], value) == 0) {
			*ret = (int)i;
			return 0;
		}
	return -EINVAL;
}

int cli_args_parse_state(const char *value, int *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(cli_state_names); i++)
		if (cli_state_names[i] && strcasecmp(cli_state_names[i], value) == 0) {
			*ret = (int)i;
			return 0;
		}
	return -EINVAL;
}

/* True when s holds a space, a control character or a non-ASCII byte. */
static bool cli_args_has_unsafe_bytes(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return true;
	return false;
}

/* True when server names a port or a scheme, i.e. holds a ':' outside []. */
static bool cli_args_has_port_or_scheme(const char *server)
{
	const char *close;

	if (server[0] != '[')
		return strchr(server, ':') != NULL;
	close = strchr(server, ']');
	return close && close[1] == ':';
}

int cli_args_server_target(const char *server, char *buf, size_t buflen)
{
	const char *prefix = "", *suffix = "";
	int n;

	if (server[0] == '\0' || strlen(server) > CLI_SERVER_MAX ||
	    cli_args_has_unsafe_bytes(server))
		return -EINVAL;
	if (server[0] == '/')
		prefix = "unix:";
	else if (!cli_args_has_port_or_scheme(server))
		suffix = ":" CLI_DEFAULT_PORT;
	n = snprintf(buf, buflen, "%s%s%s", prefix, server, suffix);
	if (n < 0 || (size_t)n >= buflen)
		return -EINVAL;
	return 0;
}

/*
 * Finds the option called arg (up to an '=' in "--name=value") among those
 * allowed (an OPT_BIT set). Returns it, or NULL.
 */
static const struct cli_option *cli_args_find_option(const char *arg, unsigned allowed)
{
	size_t len = strcspn(arg, "=");

	for (size_t i = 0; i < ARRAY_SIZE(cli_options); i++) {
		const struct cli_option *o = &cli_options[i];

		if (!(allowed & OPT_BIT(o->id)))
			continue;
		if (arg[1] != '-' && arg[1] == o->short_name && arg[2] == '\0')
			return o;
		if (strlen(o->name) == len && strncmp(o->name, arg, len) == 0)
			return o;
	}
	return NULL;
}

/* Checks and stores one --label k=v, refusing a repeated key. */
static int cli_args_add_label(struct cli_args *a, const char *value,
    char *err, size_t errlen)
{
	const char *eq = strchr(value, '=');
	char key[VALIDATE_LABEL_KEY_MAX + 2], echo[VALIDATE_ECHO_SIZE];
	size_t key_len;

	if (!eq)
		return cli_args_fail(err, errlen, "--label: %s is not KEY=VALUE",
		    validate_echo(echo, value));
	key_len = (size_t)(eq - value);
	if (key_len > VALIDATE_LABEL_KEY_MAX)
		key_len = VALIDATE_LABEL_KEY_MAX + 1; /* validate refuses it */
	memcpy(key, value, key_len);
	key[key_len] = '\0';
	if (validate_label_key("--label", key, err, errlen) < 0 ||
	    validate_label_value("--label", eq + 1, err, errlen) < 0)
		return -EINVAL;
	for (size_t i = 0; i < a->n_labels; i++)
		if (strcmp(a->labels[i].key, key) == 0)
			return cli_args_fail(err, errlen, "--label: key %s given twice",
			    validate_echo(echo, key));
	if (a->n_labels >= VALIDATE_LABELS_MAX)
		return cli_args_fail(err, errlen, "--label: more than %d labels",
		    VALIDATE_LABELS_MAX);
	memcpy(a->labels[a->n_labels].key, key, key_len + 1);
	a->labels[a->n_labels++].value = eq + 1;
	return 0;
}

/* Checks and stores the value of a global option. */
static int cli_args_set_global(struct cli_args *a, enum cli_option_id id,
    const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	switch (id) {
	case OPT_SERVER:
		if (cli_args_server_target(value, a->target, sizeof(a->target)) < 0)
			return cli_args_fail(err, errlen,
			    "--server: %s is not an address (unix:/PATH, /PATH, HOST or HOST:PORT)",
			    validate_echo(echo, value));
		a->server = value;
		a->server_given = true;
		return 0;
	case OPT_OUTPUT:
		if (strcmp(value, "table") == 0)
			a->output = CLI_OUTPUT_TABLE;
		else if (strcmp(value, "json") == 0)
			a->output = CLI_OUTPUT_JSON;
		else
			return cli_args_fail(err, errlen,
			    "--output: %s is neither table nor json", validate_echo(echo, value));
		return 0;
	case OPT_TIMEOUT:
		if (cli_args_parse_seconds(value, CLI_TIMEOUT_MAX, &a->timeout) < 0)
			return cli_args_fail(err, errlen,
			    "--timeout: %s is not a number of seconds in 1..%u",
			    validate_echo(echo, value), CLI_TIMEOUT_MAX);
		return 0;
	default:
		return cli_args_fail(err, errlen, "internal: option %d is not global", id);
	}
}

/* Returns -EINVAL with "OPTION: empty file name" when value is empty. */
static int cli_args_file(const char **slot, const char *option, const char *value,
    char *err, size_t errlen)
{
	if (value[0] == '\0')
		return cli_args_fail(err, errlen, "%s: empty file name", option);
	*slot = value;
	return 0;
}

/* Checks and stores the TLS, list-all and login options, else a global one. */
static int cli_args_set_more(struct cli_args *a, enum cli_option_id id,
    const char *value, char *err, size_t errlen)
{
	switch (id) {
	case OPT_CA:
		return cli_args_file(&a->ca_file, "--ca", value, err, errlen);
	case OPT_CERT:
		return cli_args_file(&a->cert_file, "--cert", value, err, errlen);
	case OPT_KEY:
		return cli_args_file(&a->key_file, "--key", value, err, errlen);
	case OPT_SERVERS_FILE:
		return cli_args_file(&a->servers_file, "--servers-file", value, err, errlen);
	case OPT_SERVERS:
		if (value[0] == '\0')
			return cli_args_fail(err, errlen, "--servers: empty list");
		a->servers = value;
		return 0;
	case OPT_INSECURE:
		a->insecure = true;
		return 0;
	case OPT_PASSWORD_STDIN:
		a->password_stdin = true;
		return 0;
	case OPT_GENERATE_API_KEY:
		a->generate_api_key = true;
		return 0;
	default:
		return cli_args_set_global(a, id, value, err, errlen);
	}
}

/* Checks and stores the value of a command's option (a global one too). */
static int cli_args_set(struct cli_args *a, enum cli_option_id id,
    const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	switch (id) {
	case OPT_HELP:
		a->help = true;
		return 0;
	case OPT_IMAGE:
		a->image = value;
		return validate_image("--image", value, err, errlen);
	case OPT_CPU:
		a->cpu = value;
		return validate_cpu("--cpu", value, err, errlen);
	case OPT_MEMORY:
		a->memory = value;
		return validate_size("--memory", value, NULL, err, errlen);
	case OPT_DISK:
		a->disk = value;
		return validate_size("--disk", value, NULL, err, errlen);
	case OPT_DOCKER:
	case OPT_NO_DOCKER:
		a->docker = id == OPT_DOCKER;
		return 0;
	case OPT_SSH_KEY:
		if (value[0] == '\0')
			return cli_args_fail(err, errlen, "--ssh-key: empty file name");
		if (a->n_ssh_key_files >= CLI_SSH_KEY_FILES_MAX)
			return cli_args_fail(err, errlen, "--ssh-key: more than %d files",
			    CLI_SSH_KEY_FILES_MAX);
		a->ssh_key_files[a->n_ssh_key_files++] = value;
		return 0;
	case OPT_LABEL:
		return cli_args_add_label(a, value, err, errlen);
	case OPT_STATE:
		if (cli_args_parse_state(value, &a->state) < 0)
			return cli_args_fail(err, errlen,
			    "--state: %s is not one of running, stopped, frozen, creating, error",
			    validate_echo(echo, value));
		return 0;
	case OPT_USER:
		a->user_filter = value;
		return validate_username("--user", value, err, errlen);
	case OPT_FORCE:
		a->force = true;
		return 0;
	case OPT_JUMP_USER:
		a->jump_user = value;
		return validate_username("--jump-user", value, err, errlen);
	case OPT_ROLE:
		if (cli_args_parse_role(value, &a->role) < 0)
			return cli_args_fail(err, errlen,
			    "--role: %s is not one of admin, user, viewer", validate_echo(echo, value));
		return 0;
	case OPT_STOP_TIMEOUT:
		if (cli_args_parse_seconds(value, VALIDATE_STOP_TIMEOUT_MAX, &a->stop_timeout) < 0)
			return cli_args_fail(err, errlen,
			    "--timeout: %s is not a number of seconds in 1..%d",
			    validate_echo(echo, value), VALIDATE_STOP_TIMEOUT_MAX);
		a->stop_timeout_set = true;
		return 0;
	default:
		return cli_args_set_more(a, id, value, err, errlen);
	}
}

/* Echoes the name part of an option argument ("--name" of "--name=value"). */
static const char *cli_args_echo_name(char echo[static VALIDATE_ECHO_SIZE], const char *arg)
{
	char name[VALIDATE_ECHO_MAX + 2];
	size_t len = arg[1] == '-' ? strcspn(arg, "=") : strlen(arg);

	if (len > VALIDATE_ECHO_MAX + 1)
		len = VALIDATE_ECHO_MAX + 1;    /* still long enough to be cut */
	memcpy(name, arg, len);
	name[len] = '\0';
	return validate_echo(echo, name);
}

/*
 * Handles the option at argv[*i] among those allowed, taking its value
 * from "=value" or from the next argument (advancing *i). Returns 0 or
 * -EINVAL with a reason in err.
 */
static int cli_args_option(struct cli_args *a, int argc, char *const *argv, int *i,
    unsigned allowed, char *err, size_t errlen)
{
	const char *arg = argv[*i], *eq = strchr(arg, '='), *value = NULL;
	const struct cli_option *o = cli_args_find_option(arg, allowed);
	char echo[VALIDATE_ECHO_SIZE];

	if (!o) {
		return cli_args_fail(err, errlen, "unknown option %s", cli_args_echo_name(echo, arg));
	}
	if (!o->takes_value) {
		if (eq && arg[1] == '-')
			return cli_args_fail(err, errlen, "option '%s' takes no value", o->name);
		return cli_args_set(a, o->id, NULL, err, errlen);
	}
	if (eq && arg[1] == '-')
		value = eq + 1;
	else if (*i + 1 < argc)
		value = argv[++*i];
	else
		return cli_args_fail(err, errlen, "option '%s' needs a value", o->name);
	return cli_args_set(a, o->id, value, err, errlen);
}

/* Checks and stores a USER argument. */
static int cli_args_username(struct cli_args *a, const char *arg, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE], field[sizeof("USER ") + VALIDATE_ECHO_SIZE];

	a->username = arg;
	(void)snprintf(field, sizeof(field), "USER %s", validate_echo(echo, arg));
	return validate_username(field, arg, err, errlen);
}

/* Parses the subcommand word of ssh-key (add, remove) or user (all four). */
static int cli_args_subcommand(struct cli_args *a, const char *arg, char *err, size_t errlen)
{
	static const struct { const char *name; enum cli_subcommand sub; bool user_only; } subs[] = {
		{ "add", CLI_SUB_ADD, false }, { "remove", CLI_SUB_REMOVE, false },
		{ "list", CLI_SUB_LIST, true }, { "passwd", CLI_SUB_PASSWD, true },
	};
	char echo[VALIDATE_ECHO_SIZE];

	for (size_t i = 0; i < ARRAY_SIZE(subs); i++)
		if (strcmp(subs[i].name, arg) == 0 &&
		    (!subs[i].user_only || a->command == CLI_COMMAND_USER)) {
			a->sub = subs[i].sub;
			a->sub_name = subs[i].name;
			return 0;
		}
	return cli_args_fail(err, errlen, "%s: unknown subcommand %s (%s)", a->command_name,
	    validate_echo(echo, arg), a->command == CLI_COMMAND_USER
	    ? "add, remove, list or passwd" : "add or remove");
}

/*
 * Checks and stores positional argument number index (0-based, after a
 * remote's HOST:PORT) of the command.
 */
static int cli_args_positional(struct cli_args *a, unsigned index, const char *arg,
    char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	switch (a->command) {
	case CLI_COMMAND_HELP:
		a->help_topic = cli_args_command_from_name(arg);
		if (a->help_topic == CLI_COMMAND_NONE && strcmp(arg, CLI_REMOTE_WORD) != 0)
			return cli_args_fail(err, errlen, "unknown command %s", validate_echo(echo, arg));
		return 0;
	case CLI_COMMAND_SSH_KEY:
		if (index == 0)
			return cli_args_subcommand(a, arg, err, errlen);
		if (index == 1)
			return cli_args_username(a, arg, err, errlen);
		return cli_args_file(&a->ssh_key_file, "KEYFILE", arg, err, errlen);
	case CLI_COMMAND_USER:
		if (index == 0)
			return cli_args_subcommand(a, arg, err, errlen);
		if (a->sub == CLI_SUB_LIST)
			return cli_args_fail(err, errlen, "unexpected argument %s",
			    validate_echo(echo, arg));
		return cli_args_username(a, arg, err, errlen);
	default:
		return cli_args_username(a, arg, err, errlen);
	}
}

/* Takes "remote CMD HOST:PORT"'s HOST:PORT as the server. */
static int cli_args_remote_server(struct cli_args *a, const char *arg, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	if (cli_args_server_target(arg, a->target, sizeof(a->target)) < 0)
		return cli_args_fail(err, errlen,
		    "%s is not a server address (HOST:PORT, HOST or unix:/PATH)",
		    validate_echo(echo, arg));
	a->server = arg;
	a->server_given = true;
	return 0;
}

/* Checks that the command got all it needs; -EINVAL with a reason if not. */
static int cli_args_complete(const struct cli_args *a, const struct cli_command_spec *spec,
    unsigned n_args, bool server_seen, char *err, size_t errlen)
{
	if (a->help)
		return 0;
	if (a->remote && !server_seen)
		return cli_args_fail(err, errlen, "missing argument HOST:PORT after 'remote %s'",
		    spec->name);
	if (n_args < spec->min_args)
		return cli_args_fail(err, errlen, "missing argument %s",
		    n_args == 0 || spec->command != CLI_COMMAND_SSH_KEY ? spec->missing
		    : n_args == 1 ? "USER" : "KEYFILE");
	if (spec->command == CLI_COMMAND_USER && a->sub != CLI_SUB_LIST && n_args < 2)
		return cli_args_fail(err, errlen, "missing argument USER");
	if (spec->command == CLI_COMMAND_LIST_ALL && !a->servers == !a->servers_file)
		return cli_args_fail(err, errlen, "give either --servers or --servers-file");
	if ((a->cert_file != NULL) != (a->key_file != NULL))
		return cli_args_fail(err, errlen, "--cert and --key go together");
	return 0;
}

/* Resets *a to the defaults, taking the server from env_server if set. */
static int cli_args_init(struct cli_args *a, const char *env_server, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];

	*a = (struct cli_args){ .server = CLI_SERVER_DEFAULT, .docker = true };
	if (env_server && env_server[0] != '\0') {
		if (cli_args_server_target(env_server, a->target, sizeof(a->target)) < 0)
			return cli_args_fail(err, errlen,
			    "$" CLI_SERVER_ENV ": %s is not an address", validate_echo(echo, env_server));
		a->server = env_server;
		a->server_given = true;
		return 0;
	}
	return cli_args_server_target(a->server, a->target, sizeof(a->target));
}

/* Parses the command word at argv[i]; returns its spec or NULL with err. */
static const struct cli_command_spec *cli_args_command(struct cli_args *a,
    const char *word, char *err, size_t errlen)
{
	const struct cli_command_spec *spec = cli_args_spec(cli_args_command_from_name(word));
	char echo[VALIDATE_ECHO_SIZE];

	if (!spec) {
		(void)cli_args_fail(err, errlen, "unknown command %s", validate_echo(echo, word));
		return NULL;
	}
	a->command = spec->command;
	a->command_name = spec->name;
	return spec;
}

/*
 * Parses the command's options and positional arguments from argv[i] on
 * (after "remote", the first positional one is HOST:PORT). Returns 0 or
 * -EINVAL with a reason in err.
 */
static int cli_args_command_rest(struct cli_args *a, const struct cli_command_spec *spec,
    int argc, char *const *argv, int i, char *err, size_t errlen)
{
	unsigned allowed = spec->options | OPTS_ANYWHERE, n_args = 0;
	bool options_done = false, server_seen = false;
	char echo[VALIDATE_ECHO_SIZE];

	for (; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		if (!options_done && arg[0] == '-' && arg[1] != '\0') {
			if (cli_args_option(a, argc, argv, &i, allowed, err, errlen) < 0)
				return -EINVAL;
			continue;
		}
		if (a->remote && !server_seen) {
			server_seen = true;
			if (cli_args_remote_server(a, arg, err, errlen) < 0)
				return -EINVAL;
			continue;
		}
		if (n_args >= spec->max_args)
			return cli_args_fail(err, errlen, "unexpected argument %s",
			    validate_echo(echo, arg));
		if (cli_args_positional(a, n_args++, arg, err, errlen) < 0)
			return -EINVAL;
	}
	return cli_args_complete(a, spec, n_args, server_seen, err, errlen);
}

int cli_args_parse(int argc, char *const *argv, const char *env_server,
    struct cli_args *ret, char *err, size_t errlen)
{
	const struct cli_command_spec *spec;
	int i;

	if (cli_args_init(ret, env_server, err, errlen) < 0)
		return -EINVAL;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (cli_args_option(ret, argc, argv, &i, OPTS_GLOBAL, err, errlen) < 0)
			return -EINVAL;
	}
	if (i >= argc)
		return 0;       /* no command: usage (or --help) */
	if (strcmp(argv[i], CLI_REMOTE_WORD) == 0) {
		if (++i >= argc)
			return cli_args_fail(err, errlen, "missing command after 'remote'");
		ret->remote = true;
	}
	spec = cli_args_command(ret, argv[i], err, errlen);
	if (!spec)
		return -EINVAL;
	if (ret->remote && !spec->remote && spec->command != CLI_COMMAND_LIST_ALL)
		return cli_args_fail(err, errlen, "'%s' does not take 'remote'", spec->name);
	if (spec->command == CLI_COMMAND_LIST_ALL)
		ret->remote = false;    /* its servers come from --servers */
	return cli_args_command_rest(ret, spec, argc, argv, i + 1, err, errlen);
}
