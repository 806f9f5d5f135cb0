/*
 * cli_listall.h - "list-all": ListContainers on many servers at once.
 *
 * The servers come from --servers A,B,C or --servers-file FILE (one a
 * line; blank lines and '#' comments skipped), at most
 * CLI_LISTALL_SERVERS_MAX. Each is asked from a thread of its own over a
 * channel of its own, with its own deadline (--timeout, default
 * CLI_COMMANDS_TIMEOUT_LIST_ALL), TLS files and saved token; so a slow or
 * dead server costs at most its deadline and never delays the others'
 * answers beyond it. The rows are merged in the order the servers were
 * given, with a SERVER column; a server that did not answer is one error
 * row (and one error line on stderr).
 *
 * Exit: 0 when every server answered; CLI_EXIT_PARTIAL (12) when some
 * did and some did not; when none did, the exit code of the first
 * server's status (7 for UNAVAILABLE, 8 for DEADLINE_EXCEEDED, ...).
 */
#ifndef CONTAINARIUM_CLI_LISTALL_H
#define CONTAINARIUM_CLI_LISTALL_H

#include "cli_args.h"

#define CLI_LISTALL_SERVERS_MAX 64
#define CLI_LISTALL_FILE_MAX (64u * 1024u)

/* Returns an exit code (enum cli_exit). */
int cli_listall_run(const struct cli_args *args);

#endif
