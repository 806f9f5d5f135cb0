/*
 * cli_password.c - read a password without echo; see cli_password.h.
 *
 * The terminal is /dev/tty, not fd 0, so "containarium login" keeps
 * working when stdin is redirected on purpose; read(2) a byte at a time
 * so that nothing past the newline is taken from a pipe.
 */
#include "cli_password.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/*
 * Reads one line from fd into buf, without the newline. Returns 0,
 * -ENODATA (nothing read), -E2BIG, or -errno.
 */
static int cli_password_line(int fd, char *buf, size_t buflen)
{
	size_t len = 0;

	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0 || c == '\n')
			break;
		if (len >= CLI_PASSWORD_MAX || len + 1 >= buflen)
			return -E2BIG;
		buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return len == 0 ? -ENODATA : 0;
}

/*
 * Turns echo off on the terminal tty (discarding typeahead, as getpass
 * does), then prompts and reads a line; the prompt comes after, so that
 * whatever is typed once it shows is kept.
 */
static int cli_password_tty(int tty, const char *prompt, char *buf, size_t buflen)
{
	struct termios saved, quiet;
	int r;

	if (tcgetattr(tty, &saved) < 0)
		return -errno;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(tty, TCSAFLUSH, &quiet) < 0)
		return -errno;
	if (write(tty, prompt, strlen(prompt)) < 0)
		r = -errno;
	else
		r = cli_password_line(tty, buf, buflen);
	(void)tcsetattr(tty, TCSAFLUSH, &saved);
	(void)!write(tty, "\n", 1);
	return r;
}

int cli_password_read(const char *prompt, bool from_stdin, char *buf, size_t buflen)
{
	int tty, r;

	if (from_stdin || isatty(STDIN_FILENO) != 1) {
		r = cli_password_line(STDIN_FILENO, buf, buflen);
	} else {
		tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (tty < 0)
			return -errno;
		r = cli_password_tty(tty, prompt, buf, buflen);
		(void)close(tty);
	}
	if (r < 0)
		explicit_bzero(buf, buflen);
	return r;
}
