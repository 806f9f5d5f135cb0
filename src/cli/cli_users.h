/*
 * cli_users.h - "user add|remove|list|passwd": the daemon's UserService,
 * which it serves only on the admin Unix socket to root and the admin
 * group (so these commands use the default local socket unless --server
 * says otherwise).
 *
 *   user add USER [--role admin|user|viewer (default user)] [--generate-api-key]
 *       [--password-stdin]   a password is asked for unless
 *                            --generate-api-key is given alone
 *   user remove USER
 *   user list                table USERNAME ROLE PASSWORD API_KEY
 *   user passwd USER [--generate-api-key] [--password-stdin]
 *
 * A generated API key is printed once, on its own line "api_key: KEY".
 */
#ifndef CONTAINARIUM_CLI_USERS_H
#define CONTAINARIUM_CLI_USERS_H

#include "cli_args.h"

/* Returns an exit code (enum cli_exit). */
int cli_users_run(const struct cli_args *args);

#endif
