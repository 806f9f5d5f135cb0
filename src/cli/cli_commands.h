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

#include <stdbool.h>
#include <protobuf-c/protobuf-c.h>

#include "cli_args.h"
#include "common/methods.h"

/* RPC deadlines used when --timeout is not given, in seconds. */
#define CLI_COMMANDS_TIMEOUT_DEFAULT 30u
#define CLI_COMMANDS_TIMEOUT_LIST_ALL 10u       /* per server */
#define CLI_COMMANDS_TIMEOUT_COMPLETE 3u        /* shell completion must be quick */
#define CLI_COMMANDS_TIMEOUT_CREATE 300u        /* may download an image */
#define CLI_COMMANDS_TIMEOUT_STOP_GRACE 30u     /* past stop --timeout */

/* Environment variable that lets grpc log to stderr when set. */
#define CLI_COMMANDS_DEBUG_ENV "CONTAINARIUM_DEBUG"

/* How one call differs from the default; a zeroed struct is the default. */
struct cli_call_extra {
	void (*progress)(void *data);   /* see struct cli_rpc_endpoint */
	void *progress_data;
	bool no_token;                  /* send no saved token (login) */
	bool quiet;                     /* print no error line (completion) */
};

/*
 * Calls method id at args' server with request; subject names what the
 * call is about (a username, or NULL) in the error line; extra may be
 * NULL. Returns CLI_EXIT_OK with *ret_reply set (free it with
 * protobuf_c_message_free_unpacked()), or prints one error line and
 * returns the exit code: 2 for a plaintext call to a remote server
 * without --insecure or an unreadable --ca/--cert/--key file, the
 * status's code otherwise.
 */
int cli_commands_call(const struct cli_args *args, enum method id,
    const ProtobufCMessage *request, const char *subject,
    const struct cli_call_extra *extra, ProtobufCMessage **ret_reply);

/*
 * Finishes a command after its output was written with result r (0 or a
 * negative errno) and frees reply (may be NULL). Returns the exit code.
 */
int cli_commands_done(const struct cli_args *args, int r, ProtobufCMessage *reply);

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
