/*
 * cli_session.h - "login USER" asks the server's AuthService for a token
 * with USER's password (or API key) and keeps it for that server
 * (cli_token.h); every later call to that server sends it as
 * "authorization: Bearer TOKEN". "logout" forgets it.
 */
#ifndef CONTAINARIUM_CLI_SESSION_H
#define CONTAINARIUM_CLI_SESSION_H

#include "cli_args.h"

/* Each returns an exit code (enum cli_exit). */
int cli_session_login(const struct cli_args *args);
int cli_session_logout(const struct cli_args *args);

#endif
