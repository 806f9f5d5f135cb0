/*
 * cli_args.h - the command line parsed into one struct, with no I/O.
 *
 * Parsing is pure: it reads argv and the value of $CONTAINARIUM_SERVER
 * handed in by the caller, checks every value with the validators the
 * daemon itself uses (common/validate.h), and either fills a struct
 * cli_args or writes a one-line reason naming the flag. Strings in the
 * result point into argv, which must outlive it; nothing is allocated.
 */
#ifndef CONTAINARIUM_CLI_ARGS_H
#define CONTAINARIUM_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/validate.h"

#define CLI_SERVER_DEFAULT "unix:/run/containarium.sock"
#define CLI_SERVER_ENV "CONTAINARIUM_SERVER"
#define CLI_SERVER_MAX 1024
#define CLI_DEFAULT_PORT "50051"
#define CLI_TIMEOUT_MAX 86400u          /* --timeout and stop --timeout */
#define CLI_SSH_KEY_FILES_MAX VALIDATE_SSH_KEYS_MAX
#define CLI_REMOTE_WORD "remote"        /* "containarium remote CMD HOST:PORT ..." */

enum cli_command {
	CLI_COMMAND_NONE,       /* no command word: print usage */
	CLI_COMMAND_CREATE,
	CLI_COMMAND_LIST,
	CLI_COMMAND_INFO,
	CLI_COMMAND_DELETE,
	CLI_COMMAND_START,
	CLI_COMMAND_STOP,
	CLI_COMMAND_HELP,
	CLI_COMMAND_VERSION,
	CLI_COMMAND_SSH_KEY,            /* ssh-key add|remove USER KEYFILE */
	CLI_COMMAND_METRICS,            /* metrics [USER] */
	CLI_COMMAND_SYSTEM_INFO,
	CLI_COMMAND_LOGIN,              /* login USER */
	CLI_COMMAND_LOGOUT,
	CLI_COMMAND_USER,               /* user add|remove|list|passwd [USER] */
	CLI_COMMAND_SSH_CONFIG,
	CLI_COMMAND_LIST_ALL,           /* list-all --servers A,B | --servers-file F */
	CLI_COMMAND_COMPLETE,           /* __complete-containers (hidden) */
};

/* The word after "ssh-key" or "user". */
enum cli_subcommand {
	CLI_SUB_NONE,
	CLI_SUB_ADD,
	CLI_SUB_REMOVE,
	CLI_SUB_LIST,
	CLI_SUB_PASSWD,
};

enum cli_output_format {
	CLI_OUTPUT_TABLE,
	CLI_OUTPUT_JSON,
};

/* One --label k=v. The key is copied (it is bounded); the value is argv's. */
struct cli_label {
	char key[VALIDATE_LABEL_KEY_MAX + 1];
	const char *value;
};

struct cli_args {
	/* Global options, accepted before the command (--server and --output
	 * after it too). */
	const char *server;             /* as given: flag, env or default */
	char target[CLI_SERVER_MAX + sizeof(":" CLI_DEFAULT_PORT)]; /* gRPC target */
	unsigned timeout;               /* RPC deadline, seconds; 0: default */
	enum cli_output_format output;

	enum cli_command command;
	const char *command_name;       /* "create", or NULL with no command */
	bool remote;                    /* "remote CMD HOST:PORT": server from argv */
	bool server_given;              /* --server, remote HOST:PORT or the env */
	enum cli_subcommand sub;        /* ssh-key and user */
	const char *sub_name;           /* "add" ... */
	bool help;                      /* --help: print the command's usage */
	enum cli_command help_topic;    /* help COMMAND; NONE: general */

	const char *username;           /* USER of create/info/delete/... */

	/* create */
	const char *image;              /* NULL: the server's default */
	const char *cpu;
	const char *memory;
	const char *disk;
	bool docker;                    /* --docker (default) / --no-docker */
	const char *ssh_key_files[CLI_SSH_KEY_FILES_MAX];
	size_t n_ssh_key_files;
	struct cli_label labels[VALIDATE_LABELS_MAX]; /* also list's filter */
	size_t n_labels;

	/* list */
	int state;                      /* ContainerState; 0: any */
	const char *user_filter;        /* --user */

	/* delete, stop */
	bool force;

	/* stop */
	unsigned stop_timeout;          /* seconds before a forced stop */
	bool stop_timeout_set;

	/* TLS (anywhere): PEM files; plaintext to a remote host needs insecure */
	const char *ca_file;
	const char *cert_file;
	const char *key_file;
	bool insecure;

	/* ssh-key */
	const char *ssh_key_file;       /* KEYFILE */

	/* list-all */
	const char *servers;            /* --servers a:1,b:2 (checked when split) */
	const char *servers_file;       /* --servers-file FILE */

	/* ssh-config */
	const char *jump_user;          /* --jump-user; NULL: each container's user */

	/* login, user add, user passwd */
	bool password_stdin;
	int role;                       /* UserRole; 0: the server's default */
	bool generate_api_key;
};

/*
 * Parses argv[1..argc-1] (argv[0] is the program name). env_server is the
 * value of $CONTAINARIUM_SERVER or NULL. Returns 0 and fills *ret, or
 * -EINVAL and writes a reason (errlen bytes, NUL-terminated) into err;
 * on error *ret holds what was parsed so far, so that ret->command names
 * the command for the "Try 'containarium help CMD'" hint.
 */
int cli_args_parse(int argc, char *const *argv, const char *env_server,
    struct cli_args *ret, char *err, size_t errlen);

/* Returns the command called name ("list"), or CLI_COMMAND_NONE. */
enum cli_command cli_args_command_from_name(const char *name);

/* Returns the name of command ("list"), or NULL for CLI_COMMAND_NONE. */
const char *cli_args_command_name(enum cli_command command);

/*
 * Parses a decimal number of seconds in [1, max] (digits only). Returns 0
 * and stores it in *ret, or -EINVAL.
 */
int cli_args_parse_seconds(const char *value, unsigned max, unsigned *ret);

/*
 * Parses a --role value ("admin", "user", "viewer") into a UserRole.
 * Returns 0 and stores it in *ret, or -EINVAL.
 */
int cli_args_parse_role(const char *value, int *ret);

/*
 * Parses a --state value ("running", case-insensitive) into a
 * ContainerState. Returns 0 and stores it in *ret, or -EINVAL.
 */
int cli_args_parse_state(const char *value, int *ret);

/*
 * Turns a --server value into a gRPC target: "unix:/p" and other
 * "scheme:..." targets stay, "/p" becomes "unix:/p", "host" and "[v6]"
 * gain ":50051", "host:port" stays. Returns 0, or -EINVAL for an empty,
 * over-long or space/control-bearing value.
 */
int cli_args_server_target(const char *server, char *buf, size_t buflen);

#endif
