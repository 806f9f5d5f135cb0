/*
 * cli_commands.h - the commands that talk to the daemon.
 *
 * Each takes the parsed command line (cli_args.h; every value is already
 * checked), builds the request, makes one call (cli_rpc.h), prints the
 * reply as a table/lines or JSON (cli_output.h) on stdout, or one error
 * line on stderr, and returns an exit code (enum cli_exit, cli.h).
 */
#ifndef CONTAINARIUM_CLI_COMMANDS_H
#define CONTAINARIUM_CLI_COMMANDS_H

#include "cli_args.h"

/* RPC deadlines used when --timeout is not given, in seconds. */
#define CLI_COMMANDS_TIMEOUT_DEFAULT 30u
#define CLI_COMMANDS_TIMEOUT_CREATE 300u        /* may download an image */
#define CLI_COMMANDS_TIMEOUT_STOP_GRACE 30u     /* past stop --timeout */

/* Environment variable that lets grpc log to stderr when set. */
#define CLI_COMMANDS_DEBUG_ENV "CONTAINARIUM_DEBUG"

int cli_commands_create(const struct cli_args *args);
int cli_commands_list(const struct cli_args *args);
int cli_commands_info(const struct cli_args *args);
int cli_commands_delete(const struct cli_args *args);
int cli_commands_start(const struct cli_args *args);
int cli_commands_stop(const struct cli_args *args);

/*
 * The RPC deadline of a command: --timeout when given, else the command's
 * default (for stop with --timeout T: T + CLI_COMMANDS_TIMEOUT_STOP_GRACE).
 */
unsigned cli_commands_deadline(const struct cli_args *args);

#endif
