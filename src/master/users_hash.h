/*
 * users_hash.h - salted credential hashes (libcrypt) and API keys.
 *
 * New hashes are yescrypt ("$y$") with a random salt; checking accepts any
 * method libcrypt knows (SHA-512-crypt "$6$" for hand-made entries).
 * Library-like: never logs. Thread-safe.
 */
#ifndef CONTAINARIUM_USERS_HASH_H
#define CONTAINARIUM_USERS_HASH_H

#include <stdbool.h>
#include <stddef.h>

#define USERS_HASH_MAX 384       /* CRYPT_OUTPUT_SIZE */

/*
 * Hashes secret with a fresh salt into ret (USERS_HASH_MAX bytes).
 * Returns 0 or a negative errno.
 */
int users_hash_make(const char *secret, char ret[static USERS_HASH_MAX]);

/*
 * True when secret matches hash. An empty or invalid hash is checked
 * against a dummy hash made once per process, so the work done is the
 * same, and false is returned.
 */
bool users_hash_check(const char *secret, const char *hash);

/* Makes the dummy hash now (it is otherwise made at the first check,
 * which would make that one check slower). */
void users_hash_init(void);

/* True when hash is a crypt(3) string libcrypt can check. */
bool users_hash_valid(const char *hash);

/* Writes a new random API key ("ctr_" + 43 base64url chars) into ret
 * (len bytes, at least 48). Returns 0 or a negative errno. */
int users_api_key_new(char *ret, size_t len);

#endif
