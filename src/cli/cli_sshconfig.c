/*
 * cli_sshconfig.c - ssh-config and __complete-containers; see
 * cli_sshconfig.h.
 *
 * Names and addresses come from the server and end up in a file ssh
 * parses: a value holding anything but the bytes a hostname, username or
 * address may hold is left out (with a comment), never written through.
 */
#include "cli_sshconfig.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_commands.h"
#include "cli_endpoint.h"

/* True when s is non-empty and holds only [A-Za-z0-9._:-]. */
static bool cli_sshconfig_safe(const char *s)
{
	if (!s || !s[0])
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == ':' || *s == '-'))
			return false;
	return true;
}

/* Writes the entry of one container (or a comment when it has none). */
static void cli_sshconfig_entry(FILE *out, const Containarium__V1__Container *c,
    const char *jump_host, const char *jump_user)
{
	const char *ip = c->network ? c->network->ip_address : NULL;
	const char *user = jump_user ? jump_user : c->username;

	if (!cli_sshconfig_safe(c->name) || !cli_sshconfig_safe(c->username) ||
	    !cli_sshconfig_safe(user)) {
		fprintf(out, "# a container with an unusable name was left out\n");
		return;
	}
	if (!cli_sshconfig_safe(ip)) {
		fprintf(out, "# %s: no IPv4 address (not running?)\n", c->name);
		return;
	}
	fprintf(out, "Host %s\n    HostName %s\n    User %s\n", c->name, ip, c->username);
	if (jump_host[0])
		fprintf(out, "    ProxyJump %s@%s\n", user, jump_host);
	fputc('\n', out);
}

int cli_sshconfig_write(FILE *out, const Containarium__V1__ListContainersResponse *reply,
    const char *jump_host, const char *jump_user)
{
	if (!cli_sshconfig_safe(jump_host))
		jump_host = "";
	for (size_t i = 0; i < reply->n_containers; i++)
		if (reply->containers[i])
			cli_sshconfig_entry(out, reply->containers[i], jump_host, jump_user);
	return ferror(out) || fflush(out) != 0 ? -EIO : 0;
}

/* Makes one ListContainers call (filtered by --user); see cli_commands_call. */
static int cli_sshconfig_list(const struct cli_args *args, bool quiet, ProtobufCMessage **ret)
{
	Containarium__V1__ListContainersRequest request = CONTAINARIUM__V1__LIST_CONTAINERS_REQUEST__INIT;
	struct cli_call_extra extra = { .quiet = quiet };

	request.username = (char *)(args->user_filter ? args->user_filter : "");
	return cli_commands_call(args, METHOD_LIST_CONTAINERS, &request.base, NULL, &extra, ret);
}

/* Writes the host to jump through for args' server into buf. */
static void cli_sshconfig_jump_host(const struct cli_args *args, char *buf, size_t buflen)
{
	if (cli_endpoint_host(args->target, buf, buflen) < 0)
		buf[0] = '\0';
	if (buf[0] == '\0' && gethostname(buf, buflen) < 0)
		buf[0] = '\0';
	buf[buflen - 1] = '\0';
}

int cli_sshconfig_run(const struct cli_args *args)
{
	ProtobufCMessage *message = NULL;
	char host[256];
	int code;

	code = cli_sshconfig_list(args, false, &message);
	if (code != CLI_EXIT_OK)
		return code;
	cli_sshconfig_jump_host(args, host, sizeof(host));
	return cli_commands_done(args, cli_sshconfig_write(stdout, (void *)message, host,
	    args->jump_user), message);
}

int cli_sshconfig_complete(const struct cli_args *args)
{
	Containarium__V1__ListContainersResponse *reply;
	ProtobufCMessage *message = NULL;
	int code;

	code = cli_sshconfig_list(args, true, &message);
	if (code != CLI_EXIT_OK)
		return code;
	reply = (void *)message;
	for (size_t i = 0; i < reply->n_containers; i++)
		if (reply->containers[i] && cli_sshconfig_safe(reply->containers[i]->username))
			printf("%s\n", reply->containers[i]->username);
	return cli_commands_done(args, ferror(stdout) || fflush(stdout) ? -EIO : 0, message);
}
