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
#include "cli_output.h"

#ifndef CONTAINARIUM_VERSION
#define CONTAINARIUM_VERSION "0.1.0"
#endif

static const char cli_usage_general[] =
	"Usage: containarium [--server ADDR] [--timeout SEC] [--output table|json] COMMAND [ARGS]\n"
	"\n"
	"Manage per-user Incus containers through the containarium daemon.\n"
	"\n"
	"Commands:\n"
	"  create USER   create USER's container\n"
	"  list          list containers\n"
	"  info USER     show a container and its metrics\n"
	"  delete USER   delete a container\n"
	"  start USER    start a container\n"
	"  stop USER     stop a container\n"
	"  help [CMD]    show this text, or a command's\n"
	"  version       show the version of this program\n"
	"\n"
	"Global options (--server and --output may also follow the command):\n"
	"  -s, --server ADDR   daemon address: unix:/PATH or /PATH (a local socket),\n"
	"                      HOST or HOST:PORT (port 50051 by default);\n"
	"                      default $" CLI_SERVER_ENV " or " CLI_SERVER_DEFAULT "\n"
	"  --timeout SEC       give up after SEC seconds (default 30, create 300)\n"
	"  -o, --output FMT    'table' (default) or 'json'\n"
	"  -h, --help          show help\n"
	"\n"
	"Exit codes:\n"
	"  0  success                     6  PERMISSION_DENIED, UNAUTHENTICATED\n"
	"  1  other failure               7  UNAVAILABLE (daemon not reachable)\n"
	"  2  usage error, nothing sent   8  DEADLINE_EXCEEDED\n"
	"  3  INVALID_ARGUMENT            9  FAILED_PRECONDITION, ABORTED\n"
	"  4  NOT_FOUND                  10  RESOURCE_EXHAUSTED\n"
	"  5  ALREADY_EXISTS             11  UNIMPLEMENTED\n"
	"\n"
	"Set " CLI_COMMANDS_DEBUG_ENV "=1 to see grpc's own log.\n";

struct cli_usage_text {
	enum cli_command command;
	const char *text;
};

static const struct cli_usage_text cli_usage_texts[] = {
	{ CLI_COMMAND_CREATE,
	  "Usage: containarium create USER [OPTIONS]\n"
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
	  "  --label KEY=VALUE attach a label; repeatable\n" },
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
