/*
 * cli_session.c - login and logout; see cli_session.h.
 *
 * The password lives only on this function's stack and in the request,
 * and is wiped as soon as the call returns.
 */
#include "cli_session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_commands.h"
#include "cli_output.h"
#include "cli_password.h"
#include "cli_token.h"

/* Prints what login did. Returns 0 or a negative errno. */
static int cli_session_print(const struct cli_args *args,
    const Containarium__V1__LoginResponse *reply)
{
	char when[64] = "";
	time_t t = (time_t)reply->expires_at;
	struct tm tm;

	if (args->output == CLI_OUTPUT_JSON)
		return cli_output_login_json(stdout, args->target, args->username, reply->expires_at);
	if (reply->expires_at > 0 && gmtime_r(&t, &tm))
		(void)strftime(when, sizeof(when), " until %Y-%m-%d %H:%M:%S UTC", &tm);
	if (printf("Logged in to %s as %s%s.\n", args->target, args->username, when) < 0 ||
	    fflush(stdout) != 0)
		return -EIO;
	return 0;
}

/* Stores the token of reply; prints the error and returns an exit code. */
static int cli_session_store(const struct cli_args *args,
    const Containarium__V1__LoginResponse *reply)
{
	int r;

	if (!reply->token || reply->token[0] == '\0' || strpbrk(reply->token, "\r\n")) {
		cli_output_error(stderr, args->command_name, "Login", NULL,
		    "the server answered no usable token");
		return CLI_EXIT_FAILURE;
	}
	r = cli_token_save(args->target, reply->token);
	if (r < 0) {
		cli_output_error(stderr, args->command_name, "cannot save the token", NULL,
		    strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}

/* Wipes the token in reply before it is freed. */
static void cli_session_wipe(Containarium__V1__LoginResponse *reply)
{
	if (reply->token)
		explicit_bzero(reply->token, strlen(reply->token));
}

int cli_session_login(const struct cli_args *args)
{
	Containarium__V1__LoginRequest request = CONTAINARIUM__V1__LOGIN_REQUEST__INIT;
	struct cli_call_extra extra = { .no_token = true };
	char password[CLI_PASSWORD_MAX + 2], prompt[CLI_SERVER_MAX + 64];
	ProtobufCMessage *message = NULL;
	int code, r;

	(void)snprintf(prompt, sizeof(prompt), "Password for %s at %s: ", args->username,
	    args->target);
	r = cli_password_read(prompt, args->password_stdin, password, sizeof(password));
	if (r < 0) {
		cli_output_usage_error(stderr, args->command_name, r == -E2BIG
		    ? "the password is too long" : r == -ENODATA ? "no password given"
		    : "cannot read the password");
		return CLI_EXIT_USAGE;
	}
	request.username = (char *)args->username;
	request.password = password;
	code = cli_commands_call(args, METHOD_LOGIN, &request.base, args->username, &extra,
	    &message);
	explicit_bzero(password, sizeof(password));
	if (code != CLI_EXIT_OK)
		return code;
	code = cli_session_store(args, (void *)message);
	r = code == CLI_EXIT_OK ? cli_session_print(args, (void *)message) : 0;
	cli_session_wipe((void *)message);
	if (code != CLI_EXIT_OK) {
		protobuf_c_message_free_unpacked(message, NULL);
		return code;
	}
	return cli_commands_done(args, r, message);
}

int cli_session_logout(const struct cli_args *args)
{
	int r = cli_token_remove(args->target);

	if (r < 0 && r != -ENOENT) {
		cli_output_error(stderr, args->command_name, "cannot remove the token", NULL,
		    strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	if (args->output == CLI_OUTPUT_JSON)
		r = cli_output_logout_json(stdout, args->target, r == 0);
	else
		r = printf(r == 0 ? "Logged out of %s.\n" : "Not logged in to %s.\n",
		    args->target) < 0 ? -EIO : 0;
	return cli_commands_done(args, r, NULL);
}
