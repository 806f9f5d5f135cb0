/*
 * cli_output.h - what the CLI prints: aligned tables and key: value lines
 * for people, JSON for programs, and the one-line error.
 *
 * Every function writes to the FILE it is given and reads only the decoded
 * reply, so tests can format into a memory stream. Strings from the server
 * are data: control characters and invalid UTF-8 are printed as '?', never
 * passed to the terminal; JSON strings are always valid UTF-8.
 *
 * JSON schema (--output json), stable: fields may be added, none renamed,
 * retyped or removed. Absent strings are "", absent numbers 0.
 *
 *   container object:
 *     { "name": str, "username": str,
 *       "state": "unspecified"|"running"|"stopped"|"frozen"|"creating"|"error"|"unknown",
 *       "ip_address": str, "cpu": str, "memory": str, "disk": str,
 *       "image": str, "labels": {str: str} (keys sorted),
 *       "docker_enabled": bool, "created_at": int (seconds since the epoch) }
 *     info, create, start and stop add:
 *       "updated_at": int, "mac_address": str, "interface": str,
 *       "bridge": str, "ssh_keys": [str]
 *   metrics object:
 *     { "cpu_usage_percent": number|null, "memory_usage_bytes": int,
 *       "memory_limit_bytes": int, "disk_usage_bytes": int,
 *       "disk_limit_bytes": int, "network_rx_bytes": int,
 *       "network_tx_bytes": int, "process_count": int }
 *
 *   list:    { "containers": [container...], "total_count": int }
 *   info:    { "container": container|null, "metrics": metrics|null }
 *   create:  { "container": container|null, "message": str, "ssh_command": str }
 *   delete:  { "container_name": str, "message": str }
 *   start, stop: { "container": container|null, "message": str }
 *   version: { "version": str }
 *
 * Errors are never JSON: one line on stderr and the exit code (cli.h).
 */
#ifndef CONTAINARIUM_CLI_OUTPUT_H
#define CONTAINARIUM_CLI_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "containarium/v1/service.pb-c.h"

/* "RUNNING" ... for tables; "UNKNOWN" for a value this CLI does not know. */
const char *cli_output_state_label(int state);

/* "running" ... for JSON and --state; "unknown" likewise. */
const char *cli_output_state_json(int state);

/*
 * Writes bytes as "1.5 GiB" (binary units, "512 B" below 1 KiB) into buf.
 * A negative value is written as "-". Returns buf.
 */
char *cli_output_format_bytes(int64_t bytes, char *buf, size_t buflen);

/*
 * Returns a copy of s (NULL reads as "") that is valid UTF-8, with each
 * invalid byte turned into '?', and with control characters (C0, DEL,
 * C1) turned into '?' too when strip_controls is set. NULL when out of
 * memory. The caller frees it.
 */
char *cli_output_clean(const char *s, int strip_controls);

/*
 * Each writer below returns 0, -ENOMEM, or -EIO when out could not be
 * written; it writes nothing else anywhere.
 */

/* Table NAME USER STATE IPV4 CPU MEMORY IMAGE; nothing for no containers. */
int cli_output_list_table(FILE *out, const Containarium__V1__ListContainersResponse *reply);
int cli_output_list_json(FILE *out, const Containarium__V1__ListContainersResponse *reply);

/* key: value lines of the container, then of its metrics. */
int cli_output_info_text(FILE *out, const Containarium__V1__GetContainerResponse *reply);
int cli_output_info_json(FILE *out, const Containarium__V1__GetContainerResponse *reply);

/* The server's message, then name, state, ipv4 and ssh_command. */
int cli_output_create_text(FILE *out, const Containarium__V1__CreateContainerResponse *reply);
int cli_output_create_json(FILE *out, const Containarium__V1__CreateContainerResponse *reply);

/* The server's message, or "Deleted NAME". */
int cli_output_delete_text(FILE *out, const Containarium__V1__DeleteContainerResponse *reply);
int cli_output_delete_json(FILE *out, const Containarium__V1__DeleteContainerResponse *reply);

/*
 * Start and stop: the server's message (or "<verb> NAME") and the state.
 * verb is "Started" or "Stopped"; container may be NULL.
 */
int cli_output_lifecycle_text(FILE *out, const char *verb, const char *message,
    const Containarium__V1__Container *container);
int cli_output_lifecycle_json(FILE *out, const char *message,
    const Containarium__V1__Container *container);

int cli_output_version_json(FILE *out, const char *version);

/*
 * Writes "containarium: COMMAND: WHAT: STATUS: MESSAGE\n" as one line
 * (STATUS and MESSAGE left out when NULL or empty); WHAT and MESSAGE are
 * cleaned of control characters.
 */
void cli_output_error(FILE *out, const char *command, const char *what,
    const char *status, const char *message);

/*
 * Writes a usage error: "containarium: COMMAND: REASON" (COMMAND left out
 * when NULL) and "Try 'containarium help [COMMAND]'.".
 */
void cli_output_usage_error(FILE *out, const char *command, const char *reason);

#endif
