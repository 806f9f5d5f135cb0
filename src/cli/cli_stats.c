/*
 * cli_stats.c - metrics and system-info; see cli_stats.h.
 */
#include "cli_stats.h"

#include <errno.h>
#include <stdio.h>

#include "cli.h"
#include "cli_commands.h"
#include "cli_output.h"

int cli_stats_metrics(const struct cli_args *args)
{
	Containarium__V1__GetMetricsRequest request = CONTAINARIUM__V1__GET_METRICS_REQUEST__INIT;
	Containarium__V1__GetMetricsResponse *reply;
	ProtobufCMessage *message = NULL;
	int code, r;

	request.username = (char *)(args->username ? args->username : "");
	code = cli_commands_call(args, METHOD_GET_METRICS, &request.base, args->username, NULL,
	    &message);
	if (code != CLI_EXIT_OK)
		return code;
	reply = (void *)message;
	if (args->output == CLI_OUTPUT_JSON)
		r = cli_output_metrics_json(stdout, reply);
	else if (reply->n_metrics == 0)
		r = fprintf(stderr, "No containers.\n") < 0 ? -EIO : 0;
	else
		r = cli_output_metrics_table(stdout, reply);
	return cli_commands_done(args, r, message);
}

int cli_stats_system_info(const struct cli_args *args)
{
	Containarium__V1__GetSystemInfoRequest request = CONTAINARIUM__V1__GET_SYSTEM_INFO_REQUEST__INIT;
	ProtobufCMessage *message = NULL;
	int code, r;

	code = cli_commands_call(args, METHOD_GET_SYSTEM_INFO, &request.base, NULL, NULL, &message);
	if (code != CLI_EXIT_OK)
		return code;
	r = args->output == CLI_OUTPUT_JSON ? cli_output_system_info_json(stdout, (void *)message)
	    : cli_output_system_info_text(stdout, (void *)message);
	return cli_commands_done(args, r, message);
}
