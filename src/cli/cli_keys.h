/*
 * cli_keys.h - SSH public keys read from the files named by --ssh-key.
 *
 * A file is read whole but bounded (CLI_KEYS_FILE_MAX bytes); it holds one
 * OpenSSH public key per line; empty lines and lines starting with '#'
 * are skipped, and every other line must pass validate_ssh_public_key()
 * or the whole set is refused, naming FILE:LINE.
 */
#ifndef CONTAINARIUM_CLI_KEYS_H
#define CONTAINARIUM_CLI_KEYS_H

#include <stddef.h>

#include "common/validate.h"

#define CLI_KEYS_FILE_MAX (64u * 1024u)

/* The keys gathered so far; each string is owned by the set. */
struct cli_keys {
	char *keys[VALIDATE_SSH_KEYS_MAX];
	size_t n_keys;
};

/*
 * Appends to keys every key line of buf (len bytes, need not be
 * NUL-terminated); name is the file's name for messages. Returns 0, or
 * -EINVAL (bad line, NUL byte, too many keys) or -ENOMEM with a reason
 * in err. On error keys may hold the lines appended before the bad one;
 * cli_keys_free() releases them either way.
 */
int cli_keys_parse(const char *buf, size_t len, const char *name,
    struct cli_keys *keys, char *err, size_t errlen);

/*
 * Reads the file at path (at most CLI_KEYS_FILE_MAX bytes, else -EFBIG)
 * and appends its keys as cli_keys_parse() does; a file with no key is
 * -EINVAL. Returns 0 or a negative errno with a reason in err.
 */
int cli_keys_read_file(const char *path, struct cli_keys *keys, char *err, size_t errlen);

/* Frees every key and empties the set; keys may be NULL. */
void cli_keys_free(struct cli_keys *keys);

#endif
