/*
 * cli_token.h - the bearer tokens "containarium login" keeps, one per
 * server.
 *
 * A token lives in $XDG_CONFIG_HOME/containarium/tokens/SERVER (or
 * ~/.config/containarium/tokens/SERVER), where SERVER is the gRPC target
 * ("jump-1:50051") with every byte other than letters, digits, '.', '-'
 * and '_' written as %XX. The directories are made mode 0700, the file
 * 0600; a token file that others may read is refused, as ssh refuses a
 * readable private key.
 */
#ifndef CONTAINARIUM_CLI_TOKEN_H
#define CONTAINARIUM_CLI_TOKEN_H

#include <stddef.h>

#define CLI_TOKEN_MAX 8192u     /* bytes of a token, the file's size cap */

/*
 * Writes the path of target's token file into buf. env_config is
 * $XDG_CONFIG_HOME and env_home $HOME (either may be NULL or empty; a
 * relative XDG_CONFIG_HOME is ignored, as the spec says). Returns 0,
 * -ENOENT when neither gives a directory, -ENAMETOOLONG.
 */
int cli_token_path(const char *env_config, const char *env_home, const char *target,
    char *buf, size_t buflen);

/*
 * Reads target's token into *ret (malloc'd, trailing newline removed).
 * Returns 0, -ENOENT when there is none, -EPERM when the file is readable
 * by others or not owned by the caller, or another negative errno.
 */
int cli_token_load(const char *target, char **ret);

/*
 * Stores token for target, replacing any older one atomically (write to a
 * temporary file, fsync, rename). Returns 0 or a negative errno.
 */
int cli_token_save(const char *target, const char *token);

/* Removes target's token. Returns 0, -ENOENT when there was none, -errno. */
int cli_token_remove(const char *target);

#endif
