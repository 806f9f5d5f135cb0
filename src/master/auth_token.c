/*
 * auth_token.c - token secret and JWTs; see auth_token.h.
 */
#include "auth_token.h"

#include <errno.h>
#include <fcntl.h>
#include <jwt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/validate.h"

/* Writes a fresh random secret to path, which must not exist yet. */
static int auth_secret_create(const char *path)
{
	unsigned char key[AUTH_SECRET_NEW];
	int fd, r = 0;

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return -EIO;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		r = -errno;
	else {
		if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) < 0)
			r = -EIO;
		close(fd);
		if (r < 0)
			(void)unlink(path);
	}
	explicit_bzero(key, sizeof(key));
	return r;
}

/* Checks that the open secret file is ours alone and of a sane size. */
static int auth_secret_check(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return -EPERM;
	if (st.st_size < (off_t)AUTH_SECRET_MIN || st.st_size > (off_t)AUTH_SECRET_MAX)
		return -EBADMSG;
	return 0;
}

int auth_secret_load(const char *path, int create, struct auth_secret *ret)
{
	struct auth_secret s;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		r = auth_secret_create(path);
		if (r < 0 && r != -EEXIST)
			return r;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return errno == ELOOP ? -EPERM : -errno;
	r = auth_secret_check(fd);
	if (r == 0) {
		n = read(fd, s.key, sizeof(s.key));
		if (n < (ssize_t)AUTH_SECRET_MIN)
			r = n < 0 ? -errno : -EBADMSG;
		else
			s.len = (size_t)n;
	}
	close(fd);
	if (r == 0)
		memcpy(ret, &s, sizeof(s));
	explicit_bzero(&s, sizeof(s));
	return r;
}

void auth_secret_wipe(struct auth_secret *secret)
{
	explicit_bzero(secret, sizeof(*secret));
}

int auth_token_issue(const struct auth_secret *secret, const char *issuer,
    const char *username, unsigned lifetime, time_t now,
    char **ret_token, int64_t *ret_expires)
{
	jwt_t *jwt = NULL;
	char *token;
	int r;

	if (lifetime == 0 || lifetime > AUTH_TOKEN_LIFETIME_MAX)
		return -EINVAL;
	r = -jwt_new(&jwt);
	if (r == 0)
		r = -jwt_set_alg(jwt, JWT_ALG_HS256, secret->key, (int)secret->len);
	if (r == 0)
		r = -jwt_add_grant(jwt, "iss", issuer);
	if (r == 0)
		r = -jwt_add_grant(jwt, "sub", username);
	if (r == 0)
		r = -jwt_add_grant_int(jwt, "iat", (long)now);
	if (r == 0)
		r = -jwt_add_grant_int(jwt, "exp", (long)now + (long)lifetime);
	token = r == 0 ? jwt_encode_str(jwt) : NULL;
	jwt_free(jwt);
	if (r == 0 && !token)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret_token = token;
	*ret_expires = (int64_t)now + lifetime;
	return 0;
}

/* Reads a required integer claim; false when it is missing or not one. */
static bool auth_token_int_claim(jwt_t *jwt, const char *name, long *ret)
{
	long v;

	errno = 0;
	v = jwt_get_grant_int(jwt, name);
	if (errno != 0)
		return false;
	*ret = v;
	return true;
}

/* Checks the claims of a token whose signature is good. */
static int auth_token_check_claims(jwt_t *jwt, const char *issuer, time_t now,
    char *ret_user, size_t ret_len)
{
	const char *iss = jwt_get_grant(jwt, "iss"), *sub = jwt_get_grant(jwt, "sub");
	long iat, exp;

	if (!iss || strcmp(iss, issuer) != 0 || !sub || !sub[0] ||
	    strlen(sub) >= ret_len || validate_username("sub", sub, NULL, 0) < 0)
		return -EKEYREJECTED;
	if (!auth_token_int_claim(jwt, "iat", &iat) || !auth_token_int_claim(jwt, "exp", &exp))
		return -EKEYREJECTED;
	if (iat > (long)now + AUTH_TOKEN_CLOCK_SKEW || exp <= iat ||
	    exp - iat > AUTH_TOKEN_LIFETIME_MAX)
		return -EKEYREJECTED;
	if (exp <= (long)now)
		return -EKEYEXPIRED;
	strcpy(ret_user, sub);
	return 0;
}

int auth_token_verify(const struct auth_secret *secret, const char *issuer,
    const char *token, time_t now, char *ret_user, size_t ret_len)
{
	jwt_t *jwt = NULL;
	int r;

	if (!token || strlen(token) > VALIDATE_TOKEN_MAX)
		return -EKEYREJECTED;
	if (jwt_decode(&jwt, token, secret->key, (int)secret->len) != 0 || !jwt)
		return -EKEYREJECTED;
	/* The pin: whatever the header says, only HS256 under our key. */
	if (jwt_get_alg(jwt) != JWT_ALG_HS256)
		r = -EKEYREJECTED;
	else
		r = auth_token_check_claims(jwt, issuer, now, ret_user, ret_len);
	jwt_free(jwt);
	return r;
}
