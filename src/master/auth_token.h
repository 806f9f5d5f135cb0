/*
 * auth_token.h - the token secret and the bearer tokens (JWT, HS256).
 *
 * Tokens are made and checked only in the master. The algorithm is pinned
 * to HS256: a token whose header names another algorithm ("none", HS512,
 * RS256...) is refused whatever its signature. "iss", "sub", "iat" and
 * "exp" are all required and checked. Library-like: never logs.
 */
#ifndef CONTAINARIUM_AUTH_TOKEN_H
#define CONTAINARIUM_AUTH_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define AUTH_SECRET_MIN 32u
#define AUTH_SECRET_MAX 4096u
#define AUTH_SECRET_NEW 64u        /* bytes of a secret the daemon makes */
#define AUTH_TOKEN_LIFETIME_MAX 86400
#define AUTH_TOKEN_CLOCK_SKEW 60   /* seconds an "iat" may lie in the future */

struct auth_secret {
	unsigned char key[AUTH_SECRET_MAX];
	size_t len;
};

/*
 * Reads the secret at path into *ret. The file must be a regular file (no
 * symlink) owned by this process's effective uid, with no permission bits
 * for group or others, and hold AUTH_SECRET_MIN..AUTH_SECRET_MAX bytes.
 * When it does not exist and create is true, a new random secret of
 * AUTH_SECRET_NEW bytes is written there first (mode 0600, O_EXCL).
 * Returns 0, -EPERM (ownership or permissions), -EBADMSG (size), -ENOENT,
 * or another negative errno. On error *ret is untouched.
 */
int auth_secret_load(const char *path, int create, struct auth_secret *ret);

/* Wipes a secret. */
void auth_secret_wipe(struct auth_secret *secret);

/*
 * Issues a token for username from issuer, valid lifetime seconds (at most
 * AUTH_TOKEN_LIFETIME_MAX) from now. Returns 0 and a malloc'd token in
 * *ret_token and its expiry in *ret_expires, or a negative errno.
 */
int auth_token_issue(const struct auth_secret *secret, const char *issuer,
    const char *username, unsigned lifetime, time_t now,
    char **ret_token, int64_t *ret_expires);

/*
 * Verifies token: HS256 signature with secret, "iss" == issuer, "sub" a
 * username of at most ret_len - 1 bytes, "iat" not in the future (beyond
 * AUTH_TOKEN_CLOCK_SKEW), "exp" after now, and exp - iat at most
 * AUTH_TOKEN_LIFETIME_MAX. Returns 0 and copies the subject into ret_user,
 * -EKEYEXPIRED when it has expired, or -EKEYREJECTED for anything else.
 */
int auth_token_verify(const struct auth_secret *secret, const char *issuer,
    const char *token, time_t now, char *ret_user, size_t ret_len);

#endif
