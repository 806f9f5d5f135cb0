/*
 * cli.h - the containarium command line, entry point and exit codes.
 *
 * main() hands every argv whose argv[1] is neither "daemon" nor "__worker"
 * to cli_main(). The CLI is a gRPC client of the daemon: by default of the
 * local admin socket (unix:/run/containarium.sock), else of --server
 * ADDR or $CONTAINARIUM_SERVER.
 *
 * Exit codes (also printed by "containarium help"); scripts may rely on
 * them, so a number, once given, keeps its meaning:
 *
 *   0   success
 *   1   any other failure (INTERNAL, UNKNOWN, CANCELLED, DATA_LOSS, a
 *       malformed reply, output that cannot be written)
 *   2   usage error: unknown command or flag, missing or bad argument,
 *       an --ssh-key file that cannot be read or holds a bad line;
 *       nothing was sent to the server
 *   3   INVALID_ARGUMENT, OUT_OF_RANGE: the server refused a value
 *   4   NOT_FOUND: no such container
 *   5   ALREADY_EXISTS: the user already has a container
 *   6   PERMISSION_DENIED, UNAUTHENTICATED
 *   7   UNAVAILABLE: daemon not reachable, or Incus down behind it
 *   8   DEADLINE_EXCEEDED: no answer within --timeout
 *   9   FAILED_PRECONDITION, ABORTED: wrong state for the operation
 *   10  RESOURCE_EXHAUSTED: quota, limits, or host resources
 *   11  UNIMPLEMENTED: the server does not know this call
 */
#ifndef CONTAINARIUM_CLI_H
#define CONTAINARIUM_CLI_H

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_INVALID_ARGUMENT = 3,
	CLI_EXIT_NOT_FOUND = 4,
	CLI_EXIT_ALREADY_EXISTS = 5,
	CLI_EXIT_PERMISSION_DENIED = 6,
	CLI_EXIT_UNAVAILABLE = 7,
	CLI_EXIT_DEADLINE_EXCEEDED = 8,
	CLI_EXIT_FAILED_PRECONDITION = 9,
	CLI_EXIT_RESOURCE_EXHAUSTED = 10,
	CLI_EXIT_UNIMPLEMENTED = 11,
	CLI_EXIT_PARTIAL = 12,          /* list-all: some servers did not answer */
};

/*
 * Runs the command line: argv[0] is the program name, argv[1] the first
 * option or the command. Returns an enum cli_exit value for main() to
 * return; never calls exit() itself.
 */
int cli_main(int argc, char **argv);

/* Maps a gRPC status code (grpc_status_code) to its exit code. */
int cli_exit_from_status(int status);

#endif
