/*
 * cli_users.c - the user commands; see cli_users.h.
 *
 * Replies are printed here rather than in cli_output.c: they are the only
 * users of admin.proto's messages on this side, and cli_output.c stays
 * about the published API. The table and JSON helpers are cli_output's.
 */
#include "cli_users.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "cli_commands.h"
#include "cli_output.h"
#include "cli_password.h"
#include "containarium/v1/admin.pb-c.h"

static const char *const cli_users_roles[] = {
	[CONTAINARIUM__V1__USER_ROLE__USER_ROLE_UNSPECIFIED] = "unspecified",
	[CONTAINARIUM__V1__USER_ROLE__USER_ROLE_ADMIN] = "admin",
	[CONTAINARIUM__V1__USER_ROLE__USER_ROLE_USER] = "user",
	[CONTAINARIUM__V1__USER_ROLE__USER_ROLE_VIEWER] = "viewer",
};

/* "admin" ... for a UserRole, "unknown" for another number. */
static const char *cli_users_role(int role)
{
	if (role < 0 || (size_t)role >= sizeof(cli_users_roles) / sizeof(cli_users_roles[0]))
		return "unknown";
	return cli_users_roles[role];
}

/* Returns the JSON object of user (json_null() for NULL), or NULL. */
static json_t *cli_users_json(const Containarium__V1__User *user)
{
	char *name;
	json_t *obj;

	if (!user)
		return json_null();
	name = cli_output_clean(user->username, 0);
	obj = name ? json_pack("{s:s, s:s, s:b, s:b}", "username", name,
	    "role", cli_users_role(user->role), "has_password", user->has_password,
	    "has_api_key", user->has_api_key) : NULL;
	free(name);
	return obj;
}

/* Writes root as indented JSON and drops it; 0 or -EIO/-ENOMEM. */
static int cli_users_json_write(json_t *root)
{
	int r;

	if (!root)
		return -ENOMEM;
	r = json_dumpf(root, stdout, JSON_INDENT(2)) < 0 || fputc('\n', stdout) == EOF ? -EIO : 0;
	json_decref(root);
	return r == 0 && fflush(stdout) != 0 ? -EIO : r;
}

/* Prints the list of users as a table or JSON. */
static int cli_users_print_list(const struct cli_args *args,
    const Containarium__V1__ListUsersResponse *reply)
{
	size_t n = reply->n_users + 1;
	const char **cells;
	json_t *array;
	int r;

	if (args->output == CLI_OUTPUT_JSON) {
		array = json_array();
		for (size_t i = 0; array && i < reply->n_users; i++)
			(void)json_array_append_new(array, cli_users_json(reply->users[i]));
		return cli_users_json_write(json_pack("{s:o}", "users", array));
	}
	cells = calloc(n * 4, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	cells[0] = "USERNAME", cells[1] = "ROLE", cells[2] = "PASSWORD", cells[3] = "API_KEY";
	for (size_t i = 0; i < reply->n_users; i++) {
		const Containarium__V1__User *u = reply->users[i];

		cells[(i + 1) * 4] = u ? u->username : NULL;
		cells[(i + 1) * 4 + 1] = u ? cli_users_role(u->role) : NULL;
		cells[(i + 1) * 4 + 2] = u && u->has_password ? "yes" : "no";
		cells[(i + 1) * 4 + 3] = u && u->has_api_key ? "yes" : "no";
	}
	r = cli_output_table(stdout, 4, n, cells, NULL);
	free(cells);
	return r;
}

/* Prints the user and the generated key of add/passwd. */
static int cli_users_print_user(const struct cli_args *args, const char *verb,
    const Containarium__V1__User *user, const char *api_key)
{
	char *key = cli_output_clean(api_key, 1);
	int r;

	if (!key)
		return -ENOMEM;
	if (args->output == CLI_OUTPUT_JSON)
		r = cli_users_json_write(json_pack("{s:o, s:s}", "user", cli_users_json(user),
		    "api_key", key));
	else {
		r = printf("%s %s (%s).\n", verb, args->username,
		    cli_users_role(user ? user->role : 0)) < 0 ? -EIO : 0;
		if (r == 0 && key[0])
			r = printf("api_key: %s\n", key) < 0 ? -EIO : 0;
		r = r == 0 && fflush(stdout) != 0 ? -EIO : r;
	}
	explicit_bzero(key, strlen(key));
	free(key);
	return r;
}

/*
 * Reads the new password into buf unless --generate-api-key alone was
 * given (buf is then ""). Returns CLI_EXIT_OK or prints a usage error.
 */
static int cli_users_password(const struct cli_args *args, char *buf, size_t buflen)
{
	char prompt[128];
	int r;

	buf[0] = '\0';
	if (args->generate_api_key && !args->password_stdin)
		return CLI_EXIT_OK;
	(void)snprintf(prompt, sizeof(prompt), "New password for %s: ", args->username);
	r = cli_password_read(prompt, args->password_stdin, buf, buflen);
	if (r == 0)
		return CLI_EXIT_OK;
	cli_output_usage_error(stderr, args->command_name, r == -E2BIG ? "the password is too long"
	    : r == -ENODATA ? "no password given" : "cannot read the password");
	return CLI_EXIT_USAGE;
}

/* user add and user passwd: both take a password and may generate a key. */
static int cli_users_set(const struct cli_args *args)
{
	Containarium__V1__AddUserRequest add = CONTAINARIUM__V1__ADD_USER_REQUEST__INIT;
	Containarium__V1__SetPasswordRequest set = CONTAINARIUM__V1__SET_PASSWORD_REQUEST__INIT;
	char password[CLI_PASSWORD_MAX + 2];
	ProtobufCMessage *message = NULL;
	int code, r;

	code = cli_users_password(args, password, sizeof(password));
	if (code != CLI_EXIT_OK)
		return code;
	if (args->sub == CLI_SUB_ADD) {
		add.username = (char *)args->username;
		add.role = args->role ? (Containarium__V1__UserRole)args->role
		    : CONTAINARIUM__V1__USER_ROLE__USER_ROLE_USER;
		add.password = password;
		add.generate_api_key = args->generate_api_key;
		code = cli_commands_call(args, METHOD_ADD_USER, &add.base, args->username, NULL,
		    &message);
	} else {
		set.username = (char *)args->username;
		set.password = password;
		set.generate_api_key = args->generate_api_key;
		code = cli_commands_call(args, METHOD_SET_PASSWORD, &set.base, args->username, NULL,
		    &message);
	}
	explicit_bzero(password, sizeof(password));
	if (code != CLI_EXIT_OK)
		return code;
	if (args->sub == CLI_SUB_ADD)
		r = cli_users_print_user(args, "Added", ((Containarium__V1__AddUserResponse *)
		    (void *)message)->user, ((Containarium__V1__AddUserResponse *)(void *)message)->api_key);
	else
		r = cli_users_print_user(args, "Updated", ((Containarium__V1__SetPasswordResponse *)
		    (void *)message)->user,
		    ((Containarium__V1__SetPasswordResponse *)(void *)message)->api_key);
	return cli_commands_done(args, r, message);
}

/* user remove. */
static int cli_users_remove(const struct cli_args *args)
{
	Containarium__V1__RemoveUserRequest request = CONTAINARIUM__V1__REMOVE_USER_REQUEST__INIT;
	Containarium__V1__RemoveUserResponse *reply;
	ProtobufCMessage *message = NULL;
	char *text;
	int code, r;

	request.username = (char *)args->username;
	code = cli_commands_call(args, METHOD_REMOVE_USER, &request.base, args->username, NULL,
	    &message);
	if (code != CLI_EXIT_OK)
		return code;
	reply = (void *)message;
	text = cli_output_clean(reply->message && reply->message[0] ? reply->message : "removed", 1);
	if (!text)
		r = -ENOMEM;
	else if (args->output == CLI_OUTPUT_JSON)
		r = cli_users_json_write(json_pack("{s:s}", "message", text));
	else
		r = printf("%s\n", text) < 0 || fflush(stdout) != 0 ? -EIO : 0;
	free(text);
	return cli_commands_done(args, r, message);
}

int cli_users_run(const struct cli_args *args)
{
	Containarium__V1__ListUsersRequest request = CONTAINARIUM__V1__LIST_USERS_REQUEST__INIT;
	ProtobufCMessage *message = NULL;
	int code;

	switch (args->sub) {
	case CLI_SUB_ADD:
	case CLI_SUB_PASSWD:
		return cli_users_set(args);
	case CLI_SUB_REMOVE:
		return cli_users_remove(args);
	case CLI_SUB_LIST:
		code = cli_commands_call(args, METHOD_LIST_USERS, &request.base, NULL, NULL, &message);
		if (code != CLI_EXIT_OK)
			return code;
		return cli_commands_done(args, cli_users_print_list(args, (void *)message), message);
	case CLI_SUB_NONE:
		break;
	}
	return CLI_EXIT_USAGE;
}
