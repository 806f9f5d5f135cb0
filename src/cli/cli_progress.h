/*
 * cli_progress.h - a one-line progress indicator on stderr while a long
 * call runs ("Creating alice-container... | 3s"), shown only when stderr
 * is a terminal: scripts and logs see nothing of it.
 */
#ifndef CONTAINARIUM_CLI_PROGRESS_H
#define CONTAINARIUM_CLI_PROGRESS_H

#include <stdbool.h>
#include <time.h>

struct cli_progress {
	bool enabled;           /* stderr is a terminal */
	bool drawn;             /* a line is on screen and must be cleared */
	unsigned ticks;
	struct timespec start;  /* CLOCK_MONOTONIC */
	char label[96];         /* "Creating alice-container" */
};

/* Sets p up for "VERB USER-container"; enabled only when fd 2 is a tty. */
void cli_progress_start(struct cli_progress *p, const char *verb, const char *username);

/* Redraws the line (a struct cli_progress * as void *, for cli_rpc). */
void cli_progress_tick(void *p);

/* Clears the line if one was drawn. */
void cli_progress_end(struct cli_progress *p);

#endif
