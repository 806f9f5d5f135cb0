/*
 * cli_token.c - per-server token files; see cli_token.h.
 */
#include "cli_token.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_file.h"

#define CLI_TOKEN_SUBDIR "containarium"
#define CLI_TOKEN_DIR "tokens"

/* True for the bytes kept as they are in a token file's name. */
static bool cli_token_name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '-' || c == '_';
}

/* Writes the config base directory ($XDG_CONFIG_HOME or ~/.config) into buf. */
static int cli_token_base(const char *env_config, const char *env_home, char *buf, size_t buflen)
{
	int n;

	if (env_config && env_config[0] == '/')
		n = snprintf(buf, buflen, "%s", env_config);
	else if (env_home && env_home[0] == '/')
		n = snprintf(buf, buflen, "%s/.config", env_home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= buflen ? -ENAMETOOLONG : 0;
}

int cli_token_path(const char *env_config, const char *env_home, const char *target,
    char *buf, size_t buflen)
{
	size_t len;
	int r = cli_token_base(env_config, env_home, buf, buflen);

	if (r < 0)
		return r;
	len = strlen(buf);
	r = snprintf(buf + len, buflen - len, "/" CLI_TOKEN_SUBDIR "/" CLI_TOKEN_DIR "/");
	if (r < 0 || (size_t)r >= buflen - len)
		return -ENAMETOOLONG;
	len += (size_t)r;
	for (const unsigned char *p = (const unsigned char *)target; *p; p++) {
		if (len + 4 > buflen)
			return -ENAMETOOLONG;
		if (cli_token_name_byte(*p))
			buf[len++] = (char)*p;
		else
			len += (size_t)sprintf(buf + len, "%%%02X", *p);
	}
	buf[len] = '\0';
	return 0;
}

/* cli_token_path() with the caller's environment. */
static int cli_token_path_env(const char *target, char *buf, size_t buflen)
{
	return cli_token_path(getenv("XDG_CONFIG_HOME"), getenv("HOME"), target, buf, buflen);
}

int cli_token_load(const char *target, char **ret)
{
	char path[PATH_MAX], *token;
	struct stat st;
	size_t len;
	int r = cli_token_path_env(target, path, sizeof(path));

	if (r < 0)
		return r;
	if (stat(path, &st) < 0)
		return -errno;
	if ((st.st_mode & 077) != 0 || st.st_uid != geteuid())
		return -EPERM;
	r = cli_file_read(path, CLI_TOKEN_MAX, &token, &len);
	if (r < 0)
		return r;
	while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r'))
		token[--len] = '\0';
	if (len == 0) {
		free(token);
		return -ENOENT;
	}
	*ret = token;
	return 0;
}

/* Makes the directory path (mode 0700) unless it exists; 0 or -errno. */
static int cli_token_mkdir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Makes every missing directory above the token file path (mode 0700),
 * like mkdir -p, cutting path at each '/' in turn. Returns 0 or -errno;
 * path is restored.
 */
static int cli_token_mkdirs(char *path)
{
	char *last = strrchr(path, '/');

	for (char *p = strchr(path + 1, '/'); p && p <= last; p = strchr(p + 1, '/')) {
		int r;

		*p = '\0';
		r = cli_token_mkdir(path);
		*p = '/';
		if (r < 0)
			return r;
	}
	return 0;
}

/* Writes all of buf to fd; 0 or -errno. */
static int cli_token_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int cli_token_save(const char *target, const char *token)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	int fd, r = cli_token_path_env(target, path, sizeof(path));

	if (r < 0)
		return r;
	if (strlen(token) > CLI_TOKEN_MAX)
		return -EFBIG;
	r = cli_token_mkdirs(path);
	if (r < 0)
		return r;
	(void)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	r = cli_token_write_all(fd, token, strlen(token));
	if (r == 0)
		r = cli_token_write_all(fd, "\n", 1);
	if (r == 0 && (fchmod(fd, 0600) < 0 || fsync(fd) < 0))
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

int cli_token_remove(const char *target)
{
	char path[PATH_MAX];
	int r = cli_token_path_env(target, path, sizeof(path));

	if (r < 0)
		return r;
	return unlink(path) < 0 ? -errno : 0;
}
