/*
 * cli_password.h - read a password: from the terminal without echo, or
 * one line from standard input when it is not a terminal (or when the
 * caller asks for stdin: --password-stdin).
 */
#ifndef CONTAINARIUM_CLI_PASSWORD_H
#define CONTAINARIUM_CLI_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_PASSWORD_MAX 1024u  /* bytes of a password, newline excluded */

/*
 * Reads a password into buf (buflen > CLI_PASSWORD_MAX), prompting with
 * prompt on the terminal. Echo is turned off while the terminal is read
 * and restored afterwards. Returns 0; -ENODATA for an empty password or
 * end of input; -E2BIG when the line is longer than CLI_PASSWORD_MAX;
 * another negative errno. buf is wiped on failure.
 */
int cli_password_read(const char *prompt, bool from_stdin, char *buf, size_t buflen);

#endif
