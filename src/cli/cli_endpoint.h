/*
 * cli_endpoint.h - how a command reaches a server: the TLS material read
 * from --ca/--cert/--key, the rule that plaintext goes only to loopback
 * (or anywhere with --insecure), and the token saved by "login" for that
 * server.
 */
#ifndef CONTAINARIUM_CLI_ENDPOINT_H
#define CONTAINARIUM_CLI_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "cli_args.h"
#include "cli_rpc.h"

#define CLI_ENDPOINT_PEM_MAX (1024u * 1024u)    /* bytes of one PEM file */

/* PEM strings read from the files of --ca, --cert and --key; owned. */
struct cli_tls {
	bool on;                /* --ca or --cert given */
	char *root_pem;
	char *cert_pem;
	char *key_pem;
};

/* A ready struct cli_rpc_endpoint and what it points to. */
struct cli_endpoint {
	struct cli_rpc_endpoint rpc;
	char *token;            /* owned, wiped when closed */
};

/*
 * True when target ("unix:/p", "127.0.0.1:50051", "localhost:1",
 * "[::1]:1", "ipv4:127.0.0.1:1") names this machine: a Unix socket or a
 * loopback address. Anything else, names that only resolve to loopback
 * included, is remote.
 */
bool cli_endpoint_is_loopback(const char *target);

/*
 * Writes the host part of target into buf ("jump-1" of "jump-1:50051",
 * "::1" of "[::1]:50051"); a Unix socket gives "". Returns 0 or -EINVAL
 * when it does not fit.
 */
int cli_endpoint_host(const char *target, char *buf, size_t buflen);

/*
 * Reads the PEM files args names into *ret. Returns 0, or a negative
 * errno with a one-line reason in err (nothing to free then).
 */
int cli_endpoint_tls_load(const struct cli_args *args, struct cli_tls *ret,
    char *err, size_t errlen);

/* Frees and wipes what tls holds; tls may be NULL. */
void cli_endpoint_tls_free(struct cli_tls *tls);

/*
 * Fills *ret to call target within timeout seconds with tls and the token
 * saved for target (none when use_token is false, or when there is none).
 * Returns 0; -EPERM with a reason when target is remote and would be
 * plaintext without --insecure (a usage error); -EACCES when the token
 * file is readable by others or not the caller's, another negative errno
 * when it cannot be read, each with a reason.
 */
int cli_endpoint_open(const struct cli_args *args, const char *target,
    const struct cli_tls *tls, unsigned timeout, bool use_token,
    struct cli_endpoint *ret, char *err, size_t errlen);

/* Releases what endpoint holds; endpoint may be NULL. */
void cli_endpoint_close(struct cli_endpoint *endpoint);

#endif
