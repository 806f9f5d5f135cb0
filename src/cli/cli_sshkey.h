/*
 * cli_sshkey.h - "ssh-key add|remove USER KEYFILE": every key line of
 * KEYFILE (read and checked as --ssh-key files are, cli_keys.h) is added
 * to or removed from USER's container, one AddSSHKey/RemoveSSHKey call
 * per key, in file order; the first failure stops.
 */
#ifndef CONTAINARIUM_CLI_SSHKEY_H
#define CONTAINARIUM_CLI_SSHKEY_H

#include "cli_args.h"

/* Returns an exit code (enum cli_exit). */
int cli_sshkey_run(const struct cli_args *args);

#endif
