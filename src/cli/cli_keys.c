/*
 * cli_keys.c - read SSH public keys from --ssh-key files; see cli_keys.h.
 *
 * The file is the user's, but it may be anything (a 4 GB log by mistake,
 * a FIFO, a binary): it is read with a fixed cap and never interpreted
 * beyond splitting lines and handing each one to the same validator the
 * daemon applies.
 */
#include "cli_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes a formatted reason into err; returns err_code for the caller. */
__attribute__((format(printf, 4, 5)))
static int cli_keys_fail(int err_code, char *err, size_t errlen, const char *format, ...)
{
	va_list ap;

	if (errlen == 0)
		return err_code;
	va_start(ap, format);
	(void)vsnprintf(err, errlen, format, ap);
	va_end(ap);
	return err_code;
}

/* True for the bytes trimmed around a line: space, tab, CR. */
static int cli_keys_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * Checks the trimmed line [start, start+len) numbered line_no and, unless
 * it is a comment, copies it into keys. Returns 0 or a negative errno.
 */
static int cli_keys_add_line(const char *start, size_t len, const char *name,
    unsigned line_no, struct cli_keys *keys, char *err, size_t errlen)
{
	char field[96], *key;

	if (len == 0 || start[0] == '#')
		return 0;
	if (memchr(start, '\0', len))
		return cli_keys_fail(-EINVAL, err, errlen,
		    "--ssh-key %.64s:%u: NUL byte in line", name, line_no);
	if (keys->n_keys >= VALIDATE_SSH_KEYS_MAX)
		return cli_keys_fail(-EINVAL, err, errlen,
		    "--ssh-key %.64s:%u: more than %d keys in all", name, line_no,
		    VALIDATE_SSH_KEYS_MAX);
	key = strndup(start, len);
	if (!key)
		return cli_keys_fail(-ENOMEM, err, errlen, "--ssh-key: out of memory");
	(void)snprintf(field, sizeof(field), "--ssh-key %.64s:%u", name, line_no);
	if (validate_ssh_public_key(field, key, err, errlen) < 0) {
		free(key);
		return -EINVAL;
	}
	keys->keys[keys->n_keys++] = key;
	return 0;
}

int cli_keys_parse(const char *buf, size_t len, const char *name,
    struct cli_keys *keys, char *err, size_t errlen)
{
	size_t pos = 0;
	unsigned line_no = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, start = pos;
		int r;

		line_no++;
		pos = end + 1;
		while (start < end && cli_keys_is_blank(buf[start]))
			start++;
		while (end > start && cli_keys_is_blank(buf[end - 1]))
			end--;
		r = cli_keys_add_line(buf + start, end - start, name, line_no, keys, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Reads at most max bytes of fd into buf (max + 1 bytes long) and stores
 * the count in *ret_len. Returns 0, -EFBIG when there is more, or -errno.
 */
static int cli_keys_read_bounded(int fd, char *buf, size_t max, size_t *ret_len)
{
	size_t got = 0;

	while (got <= max) {
		ssize_t n = read(fd, buf + got, max + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max)
		return -EFBIG;
	*ret_len = got;
	return 0;
}

int cli_keys_read_file(const char *path, struct cli_keys *keys, char *err, size_t errlen)
{
	size_t len = 0, before = keys->n_keys;
	char *buf = NULL;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return cli_keys_fail(-errno, err, errlen, "--ssh-key %.200s: %s", path,
		    strerror(errno));
	buf = malloc(CLI_KEYS_FILE_MAX + 1);
	if (!buf) {
		r = cli_keys_fail(-ENOMEM, err, errlen, "--ssh-key: out of memory");
		goto out;
	}
	r = cli_keys_read_bounded(fd, buf, CLI_KEYS_FILE_MAX, &len);
	if (r == -EFBIG)
		r = cli_keys_fail(r, err, errlen, "--ssh-key %.200s: larger than %u bytes",
		    path, CLI_KEYS_FILE_MAX);
	else if (r < 0)
		r = cli_keys_fail(r, err, errlen, "--ssh-key %.200s: %s", path, strerror(-r));
	else
		r = cli_keys_parse(buf, len, path, keys, err, errlen);
	if (r == 0 && keys->n_keys == before)
		r = cli_keys_fail(-EINVAL, err, errlen, "--ssh-key %.200s: no key in file", path);
out:
	free(buf);
	(void)close(fd);
	return r;
}

void cli_keys_free(struct cli_keys *keys)
{
	if (!keys)
		return;
	for (size_t i = 0; i < keys->n_keys; i++)
		free(keys->keys[i]);
	keys->n_keys = 0;
}
