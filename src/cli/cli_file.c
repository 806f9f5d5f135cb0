/*
 * cli_file.c - bounded whole-file reads; see cli_file.h.
 */
#include "cli_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Reads at most max + 1 bytes of fd into buf (max + 1 bytes long) and
 * stores the count in *ret_len. Returns 0 or -errno.
 */
static int cli_file_read_fd(int fd, char *buf, size_t max, size_t *ret_len)
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
	*ret_len = got;
	return 0;
}

int cli_file_read(const char *path, size_t max, char **ret, size_t *ret_len)
{
	size_t len = 0;
	char *buf;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	buf = malloc(max + 2);
	if (!buf) {
		(void)close(fd);
		return -ENOMEM;
	}
	r = cli_file_read_fd(fd, buf, max, &len);
	(void)close(fd);
	if (r == 0 && len > max)
		r = -EFBIG;
	if (r == 0 && memchr(buf, '\0', len))
		r = -EINVAL;
	if (r < 0) {
		explicit_bzero(buf, max + 2);
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*ret = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}
