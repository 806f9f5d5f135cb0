/*
 * users.h - the users file: who may log in, with which role.
 *
 * One line per user, "name:role:password-hash:api-key-hash", where role is
 * admin, user or viewer and each hash is a crypt(3) string (yescrypt, or
 * any method libcrypt verifies, such as SHA-512-crypt "$6$") or empty when
 * the user has no such credential. "#" starts a comment line. The file must
 * be owned by the daemon's uid and not accessible to group or others.
 *
 * The file is the truth: every lookup first checks whether it changed
 * (device, inode, size, modification time) and re-reads it if so, so an
 * edit, or a change made by another instance, applies without a restart.
 * A file that cannot be read or parsed fails closed: no user is known.
 * Changes are written atomically (temporary file, fsync, rename; 0600).
 *
 * Thread-safe: the operation threads share one struct users. Library-like:
 * never logs; slow hashing runs outside the lock.
 */
#ifndef CONTAINARIUM_USERS_H
#define CONTAINARIUM_USERS_H

#include <stdbool.h>
#include <stddef.h>

#define USERS_MAX 10000
#define USERS_FILE_MAX (4u * 1024u * 1024u)
#define USERS_LINE_MAX 1024
#define USERS_NAME_MAX 32
#define USERS_API_KEY_LEN 47        /* "ctr_" and 43 base64url characters */

/* Same numbers as containarium.v1.UserRole. */
enum users_role {
	USERS_ROLE_ADMIN = 1,
	USERS_ROLE_USER = 2,
	USERS_ROLE_VIEWER = 3,
};

struct users_info {
	char name[USERS_NAME_MAX + 1];
	enum users_role role;
	bool has_password, has_api_key;
};

struct users;

/* Makes a handle on the file at path (not read yet). NULL on ENOMEM. */
struct users *users_new(const char *path);
void users_free(struct users *users);

/* "admin", "user", "viewer"; NULL for anything else. */
const char *users_role_name(enum users_role role);

/*
 * Re-reads the file when it changed. Returns 0, or the negative errno of
 * the failed read (-EPERM: ownership/permissions; -EBADMSG: a bad line,
 * whose number goes to *ret_line when ret_line is not NULL).
 */
int users_refresh(struct users *users, unsigned *ret_line);

/* Finds name. Returns 0 and its info, -ENOENT, or a users_refresh error. */
int users_lookup(struct users *users, const char *name, struct users_info *ret);

/*
 * Checks secret (a password or an API key) for name. Always computes two
 * hashes, against a dummy when the user or a credential is missing, so
 * the time taken does not tell whether the user exists. Returns 0 and the
 * user's info, -EACCES when name is unknown or secret does not match, or
 * a users_refresh error.
 */
int users_verify(struct users *users, const char *name, const char *secret,
    struct users_info *ret);

/*
 * Adds name with role and password (may be NULL or "") and, when
 * want_api_key, a new API key returned once in ret_api_key (a buffer of
 * USERS_API_KEY_LEN + 1 bytes). Returns 0, -EEXIST, -ENOSPC (USERS_MAX),
 * or a negative errno from reading or writing the file.
 */
int users_add(struct users *users, const char *name, enum users_role role,
    const char *password, bool want_api_key, char *ret_api_key);

/* Removes name. Returns 0, -ENOENT, or a negative errno. */
int users_remove(struct users *users, const char *name);

/*
 * Replaces name's password (when password is set) and/or API key (when
 * want_api_key). Returns 0 and the user's info, -ENOENT, or an errno.
 */
int users_set_credentials(struct users *users, const char *name,
    const char *password, bool want_api_key, char *ret_api_key,
    struct users_info *ret);

/* Returns 0 and a malloc'd array of every user (sorted by file order). */
int users_list(struct users *users, struct users_info **ret, size_t *ret_count);

#endif
