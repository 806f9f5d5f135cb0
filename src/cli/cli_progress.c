/*
 * cli_progress.c - the progress line on a terminal; see cli_progress.h.
 *
 * It writes with write(2) on fd 2, not through stdio, so that it never
 * interleaves with a buffered error line.
 */
#include "cli_progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void cli_progress_start(struct cli_progress *p, const char *verb, const char *username)
{
	memset(p, 0, sizeof(*p));
	p->enabled = isatty(STDERR_FILENO) == 1;
	(void)clock_gettime(CLOCK_MONOTONIC, &p->start);
	(void)snprintf(p->label, sizeof(p->label), "%s %.32s-container", verb, username);
}

void cli_progress_tick(void *data)
{
	static const char spinner[] = "|/-\\";
	struct cli_progress *p = data;
	struct timespec now;
	char line[160];
	int n;

	if (!p->enabled)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	n = snprintf(line, sizeof(line), "\r%s... %c %lds", p->label,
	    spinner[p->ticks++ % 4], (long)(now.tv_sec - p->start.tv_sec));
	if (n > 0 && (size_t)n < sizeof(line) && write(STDERR_FILENO, line, (size_t)n) == n)
		p->drawn = true;
}

void cli_progress_end(struct cli_progress *p)
{
	static const char clear[] = "\r\033[K";

	if (!p->drawn)
		return;
	if (write(STDERR_FILENO, clear, sizeof(clear) - 1) < 0)
		return;
	p->drawn = false;
}
