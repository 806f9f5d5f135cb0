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
 *     { "name": str, "cpu_usage_percent": number|null, "memory_usage_bytes": int,
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
 *   metrics: { "metrics": [metrics...] }
 *   system-info: { "info": { "hostname": str, "os": str, "kernel_version": str,
 *       "incus_version": str, "total_cpus": int, "total_memory_bytes": int,
 *       "available_memory_bytes": int, "total_disk_bytes": int,
 *       "available_disk_bytes": int, "containers_running": int,
 *       "containers_stopped": int, "containers_total": int,
 *       "uptime_seconds": int } | null }
 *   ssh-key add, remove: { "message": str, "total_keys": int }
 *   login:   { "server": str, "username": str, "expires_at": int (0: unknown) }
 *   logout:  { "server": str, "removed": bool }
 *   list-all: { "servers": [ { "server": str, "status": "OK"|STATUS,
 *                              "message": str, "total_count": int } ],
 *               "containers": [container + "server": str] }
 *       STATUS is the gRPC status name ("UNAVAILABLE", "DEADLINE_EXCEEDED",
 *       ...) of a server that did not answer; its message says why.
 *   user list: { "users": [ { "username": str, "role": "admin"|"user"|"viewer"|
 *                               "unspecified", "has_password": bool,
 *                               "has_api_key": bool } ] }
 *   user add, passwd: { "user": user|null, "api_key": str ("" unless generated) }
 *   user remove: { "message": str }
 *
 * Errors are never JSON: one line on stderr and the exit code (cli.h).
 */
#ifndef CONTAINARIUM_CLI_OUTPUT_H
#define CONTAINARIUM_CLI_OUTPUT_H

#include <stdbool.h>
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

/*
 * Writes an aligned table of n_rows rows of n_cols raw cells (row-major,
 * row 0 the header; NULL or "" cells print as "-"), cleaned of control
 * characters. A row whose span flag is set (span may be NULL) prints its
 * cell 0 aligned and then cell 1 as free text to the end of the line.
 */
int cli_output_table(FILE *out, size_t n_cols, size_t n_rows, const char *const *cells,
    const bool *span);

/* One server of list-all: its reply, or why there is none. */
struct cli_output_server {
	const char *server;     /* as given */
	const char *status;     /* gRPC status name when reply is NULL */
	const char *message;    /* the reason when reply is NULL */
	const Containarium__V1__ListContainersResponse *reply;
};

/*
 * Table SERVER NAME USER STATE IPV4 CPU MEMORY IMAGE, servers in the
 * order given; a server without a reply is one row "SERVER ERROR
 * STATUS: MESSAGE".
 */
int cli_output_listall_table(FILE *out, const struct cli_output_server *servers, size_t n);
int cli_output_listall_json(FILE *out, const struct cli_output_server *servers, size_t n);

/* Table NAME CPU MEMORY DISK RX TX PROCS. */
int cli_output_metrics_table(FILE *out, const Containarium__V1__GetMetricsResponse *reply);
int cli_output_metrics_json(FILE *out, const Containarium__V1__GetMetricsResponse *reply);

/* key: value lines of the host. */
int cli_output_system_info_text(FILE *out, const Containarium__V1__GetSystemInfoResponse *reply);
int cli_output_system_info_json(FILE *out, const Containarium__V1__GetSystemInfoResponse *reply);

/* The server's message and "total_keys: N". */
int cli_output_sshkey_text(FILE *out, const char *message, int32_t total_keys);
int cli_output_sshkey_json(FILE *out, const char *message, int32_t total_keys);

int cli_output_login_json(FILE *out, const char *server, const char *username,
    int64_t expires_at);
int cli_output_logout_json(FILE *out, const char *server, bool removed);

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
