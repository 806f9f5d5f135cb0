/*
 * cli_sshconfig.h - commands that turn the container list into input for
 * other tools:
 *
 *   ssh-config [--jump-user U] [--user USER]  ~/.ssh/config entries, one
 *       per container with an IPv4 address:
 *           Host alice-container
 *               HostName 10.77.13.5
 *               User alice
 *               ProxyJump alice@jump-1
 *       ProxyJump goes through the server's host (this machine's name for
 *       a local socket) as --jump-user, or as the container's own user.
 *   __complete-containers  (hidden, for shell completion) the usernames of
 *       the server's containers, one a line, with a short deadline and no
 *       error output.
 */
#ifndef CONTAINARIUM_CLI_SSHCONFIG_H
#define CONTAINARIUM_CLI_SSHCONFIG_H

#include <stdio.h>

#include "cli_args.h"
#include "containarium/v1/service.pb-c.h"

/*
 * Writes the Host entries for reply's containers to out; jump_host is
 * the host to jump through, jump_user NULL for each container's user.
 * Containers without an address get a comment line. Returns 0 or -EIO.
 */
int cli_sshconfig_write(FILE *out, const Containarium__V1__ListContainersResponse *reply,
    const char *jump_host, const char *jump_user);

/* Each returns an exit code (enum cli_exit). */
int cli_sshconfig_run(const struct cli_args *args);
int cli_sshconfig_complete(const struct cli_args *args);

#endif
