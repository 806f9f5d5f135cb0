/*
 * cli_stats.h - the read-only host commands: "metrics [USER]" (all
 * containers' usage, or one's) and "system-info" (the host).
 */
#ifndef CONTAINARIUM_CLI_STATS_H
#define CONTAINARIUM_CLI_STATS_H

#include "cli_args.h"

/* Each returns an exit code (enum cli_exit). */
int cli_stats_metrics(const struct cli_args *args);
int cli_stats_system_info(const struct cli_args *args);

#endif
