/*
 * cli_endpoint.c - TLS material, the plaintext rule and tokens; see
 * cli_endpoint.h.
 *
 * Why a name that resolves to loopback still counts as remote: the CLI
 * cannot know what a resolver will answer tomorrow, and a bearer token
 * sent in clear over a real network is the thing the rule is there to
 * prevent.
 */
#include "cli_endpoint.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_file.h"
#include "cli_token.h"
#include "cli.h"
#include "cli_commands.h"

/* Writes a formatted reason into err; returns code. */
__attribute__((format(printf, 4, 5)))
static int cli_endpoint_fail(int code, char *err, size_t errlen, const char *format, ...)
{
	va_list ap;

	if (errlen == 0)
		return code;
	va_start(ap, format);
	(void)vsnprintf(err, errlen, format, ap);
	va_end(ap);
	return code;
}

/* Returns target past a "dns:///", "dns:", "ipv4:" or "ipv6:" scheme. */
static const char *cli_endpoint_strip_scheme(const char *target)
{
	static const char *const schemes[] = { "dns:///", "dns:", "ipv4:", "ipv6:" };

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncmp(target, schemes[i], strlen(schemes[i])) == 0)
			return target + strlen(schemes[i]);
	return target;
}

int cli_endpoint_host(const char *target, char *buf, size_t buflen)
{
	const char *host = cli_endpoint_strip_scheme(target), *end;
	size_t len;

	if (strncmp(target, "unix:", 5) == 0 || strncmp(target, "unix-abstract:", 14) == 0) {
		if (buflen == 0)
			return -EINVAL;
		buf[0] = '\0';
		return 0;
	}
	if (host[0] == '[') {
		host++;
		end = strchr(host, ']');
		if (!end)
			return -EINVAL;
	} else {
		end = strrchr(host, ':');
	}
	len = end ? (size_t)(end - host) : strlen(host);
	if (len >= buflen)
		return -EINVAL;
	memcpy(buf, host, len);
	buf[len] = '\0';
	return 0;
}

bool cli_endpoint_is_loopback(const char *target)
{
	char host[256];
	struct in_addr v4;
	struct in6_addr v6;

	if (strncmp(target, "unix:", 5) == 0 || strncmp(target, "unix-abstract:", 14) == 0)
		return true;
	if (cli_endpoint_host(target, host, sizeof(host)) < 0)
		return false;
	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &v6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&v6);
	return false;
}

/* Reads one PEM file into *slot; 0 or a negative errno with a reason. */
static int cli_endpoint_pem(const char *option, const char *path, char **slot,
    char *err, size_t errlen)
{
	int r;

	if (!path)
		return 0;
	r = cli_file_read(path, CLI_ENDPOINT_PEM_MAX, slot, NULL);
	if (r == -EFBIG)
		return cli_endpoint_fail(r, err, errlen, "%s %.200s: larger than %u bytes",
		    option, path, CLI_ENDPOINT_PEM_MAX);
	if (r < 0)
		return cli_endpoint_fail(r, err, errlen, "%s %.200s: %s", option, path,
		    r == -EINVAL ? "not a PEM file (NUL byte)" : strerror(-r));
	if (!strstr(*slot, "-----BEGIN ")) {
		free(*slot);
		*slot = NULL;
		return cli_endpoint_fail(-EINVAL, err, errlen, "%s %.200s: not a PEM file",
		    option, path);
	}
	return 0;
}

int cli_endpoint_tls_load(const struct cli_args *args, struct cli_tls *ret,
    char *err, size_t errlen)
{
	struct cli_tls tls = { .on = args->ca_file || args->cert_file };
	int r;

	r = cli_endpoint_pem("--ca", args->ca_file, &tls.root_pem, err, errlen);
	if (r == 0)
		r = cli_endpoint_pem("--cert", args->cert_file, &tls.cert_pem, err, errlen);
	if (r == 0)
		r = cli_endpoint_pem("--key", args->key_file, &tls.key_pem, err, errlen);
	if (r < 0) {
		cli_endpoint_tls_free(&tls);
		return r;
	}
	*ret = tls;
	return 0;
}

/* Wipes and frees a NUL-terminated secret. */
static void cli_endpoint_wipe(char *secret)
{
	if (!secret)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

void cli_endpoint_tls_free(struct cli_tls *tls)
{
	if (!tls)
		return;
	free(tls->root_pem);
	free(tls->cert_pem);
	cli_endpoint_wipe(tls->key_pem);
	*tls = (struct cli_tls){ .on = false };
}

int cli_endpoint_open(const struct cli_args *args, const char *target,
    const struct cli_tls *tls, unsigned timeout, bool use_token,
    struct cli_endpoint *ret, char *err, size_t errlen)
{
	struct cli_endpoint e = { .token = NULL };
	int r;

	if (!tls->on && !args->insecure && !cli_endpoint_is_loopback(target))
		return cli_endpoint_fail(-EPERM, err, errlen,
		    "%.300s is not on this machine: give --ca (TLS) or --insecure (plaintext)",
		    target);
	if (use_token) {
		r = cli_token_load(target, &e.token);
		if (r == -EPERM)
			return cli_endpoint_fail(-EACCES, err, errlen,
			    "the token file of %.300s is readable by others or not yours; "
			    "log in again", target);
		if (r < 0 && r != -ENOENT)
			return cli_endpoint_fail(r, err, errlen, "cannot read the token of %.300s: %s",
			    target, strerror(-r));
	}
	e.rpc = (struct cli_rpc_endpoint){
		.target = target,
		.timeout = timeout,
		.verbose = getenv(CLI_COMMANDS_DEBUG_ENV) != NULL,
		.token = e.token,
		.tls = tls->on,
		.root_pem = tls->root_pem,
		.cert_pem = tls->cert_pem,
		.key_pem = tls->key_pem,
	};
	*ret = e;
	return 0;
}

void cli_endpoint_close(struct cli_endpoint *endpoint)
{
	if (!endpoint)
		return;
	cli_endpoint_wipe(endpoint->token);
	endpoint->token = NULL;
}
