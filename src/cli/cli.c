/*
 * cli.c - the command line's entry point: parse, dispatch, usage, exit
 * codes; see cli.h.
 *
 * Usage errors are decided here (or, for --ssh-key files, in the create
 * command) and printed as one line plus a "Try 'containarium help CMD'"
 * hint; nothing is sent to the server for them.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

#include <grpc/status.h>

#include "cli_args.h"
#include "cli_commands.h"
#include "cli_listall.h"
#include "cli_output.h"
#include "cli_session.h"
#include "cli_sshconfig.h"
#include "cli_sshkey.h"
#include "cli_stats.h"
#include "cli_users.h"

#ifndef CONTAINARIUM_VERSION
#define CONTAINARIUM_VERSION "0.1.0"
#endif

static const char cli_usage_general[] =
	"Usage: containarium [OPTIONS] COMMAND [ARGS]\n"
	"       containarium remote COMMAND HOST:PORT [ARGS]\n"
	"\n"
	"Manage per-user Incus containers through the containarium daemon: the\n"
	"local one by default, a remote one with 'remote' or --server.\n"
	"\n"
	"Commands:\n"
	"  create USER              create USER's container\n"
	"  list                     list containers\n"
	"  info USER                show a container and its metrics\n"
	"  delete USER              delete a container\n"
	"  start USER               start a container\n"
	"  stop USER                stop a container\n"
	"  ssh-key add|remove USER KEYFILE   add or remove SSH keys\n"
	"  metrics [USER]           resource usage of all containers, or USER's\n"
	"  system-info              the host: CPUs, memory, disk, containers\n"
	"  login USER               get a token for the server and keep it\n"
	"  logout                   forget the server's token\n"
	"  user add|remove|list|passwd [USER]   manage API users (admin socket)\n"
	"  ssh-config               ~/.ssh/config entries with ProxyJump\n"
	"  list-all --servers A,B   list containers of many servers at once\n"
	"  help [COMMAND]           show this text, or a command's\n"
	"  version                  show the version of this program\n"
	"\n"
	"Options (anywhere on the line; stop's --timeout is its own):\n"
	"  -s, --server ADDR   daemon address: unix:/PATH or /PATH (a local socket),\n"
	"                      HOST or HOST:PORT (port 50051 by default);\n"
	"                      default $" CLI_SERVER_ENV " or " CLI_SERVER_DEFAULT "\n"
	"  --timeout SEC       give up after SEC seconds (default 30, create 300,\n"
	"                      list-all 10 per server)\n"
	"  -o, --output FMT    'table' (default) or 'json'\n"
	"  --ca FILE           TLS: trust the CA certificates in FILE (PEM)\n"
	"  --cert FILE, --key FILE   mTLS: client certificate and key (PEM)\n"
	"  --insecure          allow plaintext to a server that is not on this\n"
	"                      machine (without TLS it is refused: exit 2)\n"
	"  -h, --help          show help\n"
	"\n"
	"A token saved by 'login' is sent to its server on every call, from\n"
	"$XDG_CONFIG_HOME/containarium/tokens/ (or ~/.config/containarium/tokens/).\n"
	"\n"
	"Exit codes:\n"
	"  0  success                     7  UNAVAILABLE (daemon not reachable)\n"
	"  1  other failure               8  DEADLINE_EXCEEDED\n"
	"  2  usage error, nothing sent   9  FAILED_PRECONDITION, ABORTED\n"
	"  3  INVALID_ARGUMENT           10  RESOURCE_EXHAUSTED\n"
	"  4  NOT_FOUND                  11  UNIMPLEMENTED\n"
	"  5  ALREADY_EXISTS             12  list-all: some servers did not answer\n"
	"  6  PERMISSION_DENIED, UNAUTHENTICATED\n"
	"\n"
	"Set " CLI_COMMANDS_DEBUG_ENV "=1 to see grpc's own log.\n";

struct cli_usage_text {
	enum cli_command command;
	const char *text;
};

static const struct cli_usage_text cli_usage_texts[] = {
	{ CLI_COMMAND_CREATE,
	  "Usage: containarium create USER [OPTIONS]\n"
	  "       containarium remote create HOST:PORT USER [OPTIONS]\n"
	  "\n"
	  "Create the container USER-container and print its name, state, IPv4\n"
	  "address and the ssh command that reaches it.\n"
	  "\n"
	  "  --image IMG       image, e.g. ubuntu:24.04 (default: the server's)\n"
	  "  --cpu N           number of CPUs, 1..1024\n"
	  "  --memory SIZE     memory limit, e.g. 4GB, 512MiB\n"
	  "  --disk SIZE       root disk size, e.g. 50GB\n"
	  "  --docker          allow Docker inside the container (default)\n"
	  "  --no-docker       do not\n"
	  "  --ssh-key FILE    authorized keys, one OpenSSH public key a line\n"
	  "                    (# comments and blank lines skipped); repeatable\n"
	  "  --label KEY=VALUE attach a label; repeatable\n"
	  "\n"
	  "On a terminal, a progress line is shown on stderr while it runs.\n" },
	{ CLI_COMMAND_LIST,
	  "Usage: containarium list [--state STATE] [--user USER] [--label KEY=VALUE]...\n"
	  "\n"
	  "List containers as a table NAME USER STATE IPV4 CPU MEMORY IMAGE.\n"
	  "\n"
	  "  --state STATE     only running, stopped, frozen, creating or error ones\n"
	  "  --user USER       only USER's\n"
	  "  --label KEY=VALUE only those carrying this label; repeatable\n" },
	{ CLI_COMMAND_INFO,
	  "Usage: containarium info USER\n"
	  "\n"
	  "Show USER's container and its metrics as key: value lines.\n" },
	{ CLI_COMMAND_DELETE,
	  "Usage: containarium delete USER [--force]\n"
	  "\n"
	  "Delete USER's container.\n"
	  "\n"
	  "  -f, --force       delete it even while it runs\n" },
	{ CLI_COMMAND_START,
	  "Usage: containarium start USER\n"
	  "\n"
	  "Start USER's container.\n" },
	{ CLI_COMMAND_STOP,
	  "Usage: containarium stop USER [--force] [--timeout SEC]\n"
	  "\n"
	  "Stop USER's container.\n"
	  "\n"
	  "  -f, --force       kill it rather than shut it down\n"
	  "  --timeout SEC     wait at most SEC seconds (1..3600) for a clean\n"
	  "                    shutdown; the call's own deadline becomes SEC + 30\n"
	  "                    unless --timeout is also given before 'stop'\n" },
	{ CLI_COMMAND_SSH_KEY,
	  "Usage: containarium ssh-key add|remove USER KEYFILE\n"
	  "\n"
	  "Add to or remove from USER's container every key in KEYFILE (OpenSSH\n"
	  "public keys, one a line; # comments and blank lines skipped), one call\n"
	  "per key; keys are matched by type and blob, whatever the comment. Prints\n"
	  "the server's message and total_keys, the number of keys afterwards.\n" },
	{ CLI_COMMAND_METRICS,
	  "Usage: containarium metrics [USER]\n"
	  "\n"
	  "Show resource usage as a table NAME CPU MEMORY DISK RX TX PROCS: of\n"
	  "every container, or of USER's.\n" },
	{ CLI_COMMAND_SYSTEM_INFO,
	  "Usage: containarium system-info\n"
	  "\n"
	  "Show the host: name, OS, kernel, Incus version, CPUs, memory, disk,\n"
	  "containers running and stopped, uptime in seconds.\n" },
	{ CLI_COMMAND_LOGIN,
	  "Usage: containarium login USER [--password-stdin]\n"
	  "       containarium remote login HOST:PORT USER\n"
	  "\n"
	  "Ask the server for a token with USER's password or API key and keep it\n"
	  "(mode 0600) for this server; later calls to it send it. The password\n"
	  "is read from the terminal without echo, or as one line from standard\n"
	  "input when that is not a terminal or with --password-stdin.\n" },
	{ CLI_COMMAND_LOGOUT,
	  "Usage: containarium logout\n"
	  "\n"
	  "Forget the token kept for the server.\n" },
	{ CLI_COMMAND_USER,
	  "Usage: containarium user add USER [--role ROLE] [--generate-api-key] [--password-stdin]\n"
	  "       containarium user remove USER\n"
	  "       containarium user list\n"
	  "       containarium user passwd USER [--generate-api-key] [--password-stdin]\n"
	  "\n"
	  "Manage the users who may log in over TCP. Served only on the admin\n"
	  "socket, to root and the admin group. A password is asked for (without\n"
	  "echo) unless --generate-api-key is given alone; a generated API key is\n"
	  "printed once.\n"
	  "\n"
	  "  --role ROLE         admin, user (only their own container; the default)\n"
	  "                      or viewer (read-only)\n" },
	{ CLI_COMMAND_SSH_CONFIG,
	  "Usage: containarium ssh-config [--jump-user USER] [--user USER]\n"
	  "\n"
	  "Print ~/.ssh/config entries for the containers with an address:\n"
	  "  Host alice-container\n"
	  "      HostName 10.0.0.5\n"
	  "      User alice\n"
	  "      ProxyJump alice@SERVER-HOST\n"
	  "\n"
	  "  --jump-user USER    log in to the server's host as USER (default:\n"
	  "                      each container's own user)\n"
	  "  --user USER         only USER's container\n" },
	{ CLI_COMMAND_LIST_ALL,
	  "Usage: containarium [remote] list-all --servers HOST:PORT,... [--timeout SEC]\n"
	  "       containarium [remote] list-all --servers-file FILE\n"
	  "\n"
	  "Ask every server at once and list their containers with a SERVER\n"
	  "column. FILE has one server a line (# comments allowed); at most 64.\n"
	  "Each server has its own deadline (--timeout, default 10 s); one that\n"
	  "does not answer shows as an error row, and the exit code is then 12\n"
	  "when others answered, that server's own code when none did.\n"
	  "--state, --user and --label filter as for list.\n" },
	{ CLI_COMMAND_COMPLETE,
	  "Usage: containarium __complete-containers\n"
	  "\n"
	  "For shell completion: the usernames of the server's containers.\n" },
	{ CLI_COMMAND_HELP,
	  "Usage: containarium help [COMMAND]\n"
	  "\n"
	  "Show the general help, or COMMAND's.\n" },
	{ CLI_COMMAND_VERSION,
	  "Usage: containarium version\n"
	  "\n"
	  "Show the version of this program.\n" },
};

int cli_exit_from_status(int status)
{
	switch (status) {
	case GRPC_STATUS_OK:
		return CLI_EXIT_OK;
	case GRPC_STATUS_INVALID_ARGUMENT:
	case GRPC_STATUS_OUT_OF_RANGE:
		return CLI_EXIT_INVALID_ARGUMENT;
	case GRPC_STATUS_NOT_FOUND:
		return CLI_EXIT_NOT_FOUND;
	case GRPC_STATUS_ALREADY_EXISTS:
		return CLI_EXIT_ALREADY_EXISTS;
	case GRPC_STATUS_PERMISSION_DENIED:
	case GRPC_STATUS_UNAUTHENTICATED:
		return CLI_EXIT_PERMISSION_DENIED;
	case GRPC_STATUS_UNAVAILABLE:
		return CLI_EXIT_UNAVAILABLE;
	case GRPC_STATUS_DEADLINE_EXCEEDED:
		return CLI_EXIT_DEADLINE_EXCEEDED;
	case GRPC_STATUS_FAILED_PRECONDITION:
	case GRPC_STATUS_ABORTED:
		return CLI_EXIT_FAILED_PRECONDITION;
	case GRPC_STATUS_RESOURCE_EXHAUSTED:
		return CLI_EXIT_RESOURCE_EXHAUSTED;
	case GRPC_STATUS_UNIMPLEMENTED:
		return CLI_EXIT_UNIMPLEMENTED;
	default:
		return CLI_EXIT_FAILURE;
	}
}

/*
 * Prints the help of command (the general one for CLI_COMMAND_NONE) on
 * stdout. Returns the exit code.
 */
static int cli_help(enum cli_command command)
{
	const char *text = cli_usage_general;

	for (size_t i = 0; i < sizeof(cli_usage_texts) / sizeof(cli_usage_texts[0]); i++)
		if (cli_usage_texts[i].command == command)
			text = cli_usage_texts[i].text;
	if (fputs(text, stdout) == EOF || fflush(stdout) != 0)
		return CLI_EXIT_FAILURE;
	return CLI_EXIT_OK;
}

/* Prints the version, as text or JSON. Returns the exit code. */
static int cli_version(const struct cli_args *args)
{
	int r;

	if (args->output == CLI_OUTPUT_JSON)
		r = cli_output_version_json(stdout, CONTAINARIUM_VERSION);
	else
		r = printf("containarium %s\n", CONTAINARIUM_VERSION) < 0 || fflush(stdout) != 0;
	return r == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

/* Runs the parsed command. Returns the exit code. */
static int cli_dispatch(const struct cli_args *args)
{
	if (args->help)
		return cli_help(args->command);
	switch (args->command) {
	case CLI_COMMAND_NONE:
		(void)fputs(cli_usage_general, stderr);
		return CLI_EXIT_USAGE;
	case CLI_COMMAND_HELP:
		return cli_help(args->help_topic);
	case CLI_COMMAND_VERSION:
		return cli_version(args);
	case CLI_COMMAND_CREATE:
		return cli_commands_create(args);
	case CLI_COMMAND_LIST:
		return cli_commands_list(args);
	case CLI_COMMAND_INFO:
		return cli_commands_info(args);
	case CLI_COMMAND_DELETE:
		return cli_commands_delete(args);
	case CLI_COMMAND_START:
		return cli_commands_start(args);
	case CLI_COMMAND_STOP:
		return cli_commands_stop(args);
	case CLI_COMMAND_SSH_KEY:
		return cli_sshkey_run(args);
	case CLI_COMMAND_METRICS:
		return cli_stats_metrics(args);
	case CLI_COMMAND_SYSTEM_INFO:
		return cli_stats_system_info(args);
	case CLI_COMMAND_LOGIN:
		return cli_session_login(args);
	case CLI_COMMAND_LOGOUT:
		return cli_session_logout(args);
	case CLI_COMMAND_USER:
		return cli_users_run(args);
	case CLI_COMMAND_SSH_CONFIG:
		return cli_sshconfig_run(args);
	case CLI_COMMAND_LIST_ALL:
		return cli_listall_run(args);
	case CLI_COMMAND_COMPLETE:
		return cli_sshconfig_complete(args);
	}
	return CLI_EXIT_FAILURE;
}

int cli_main(int argc, char **argv)
{
	struct cli_args args;
	char err[512];

	if (argc < 1 || !argv)
		argc = 0;
	if (cli_args_parse(argc, argv, getenv(CLI_SERVER_ENV), &args, err, sizeof(err)) < 0) {
		cli_output_usage_error(stderr, args.command_name, err);
		return CLI_EXIT_USAGE;
	}
	return cli_dispatch(&args);
}
