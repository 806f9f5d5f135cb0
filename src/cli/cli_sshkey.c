/*
 * cli_sshkey.c - ssh-key add and remove; see cli_sshkey.h.
 */
#include "cli_sshkey.h"

#include <stdio.h>

#include "cli.h"
#include "cli_commands.h"
#include "cli_keys.h"
#include "cli_output.h"

/*
 * Adds or removes one key. Returns CLI_EXIT_OK with the reply's message
 * (owned by *ret_reply) and total count, or the exit code of the failure.
 */
static int cli_sshkey_one(const struct cli_args *args, char *key, ProtobufCMessage **ret_reply)
{
	Containarium__V1__AddSSHKeyRequest add = CONTAINARIUM__V1__ADD_SSHKEY_REQUEST__INIT;
	Containarium__V1__RemoveSSHKeyRequest remove = CONTAINARIUM__V1__REMOVE_SSHKEY_REQUEST__INIT;

	if (args->sub == CLI_SUB_ADD) {
		add.username = (char *)args->username;
		add.ssh_public_key = key;
		return cli_commands_call(args, METHOD_ADD_SSH_KEY, &add.base, args->username, NULL,
		    ret_reply);
	}
	remove.username = (char *)args->username;
	remove.ssh_public_key = key;
	return cli_commands_call(args, METHOD_REMOVE_SSH_KEY, &remove.base, args->username, NULL,
	    ret_reply);
}

/* Prints the last reply (both reply types share message=1, total_keys=2). */
static int cli_sshkey_print(const struct cli_args *args, ProtobufCMessage *message)
{
	const char *text;
	int32_t total;

	if (args->sub == CLI_SUB_ADD) {
		text = ((Containarium__V1__AddSSHKeyResponse *)message)->message;
		total = ((Containarium__V1__AddSSHKeyResponse *)message)->total_keys;
	} else {
		text = ((Containarium__V1__RemoveSSHKeyResponse *)message)->message;
		total = ((Containarium__V1__RemoveSSHKeyResponse *)message)->total_keys;
	}
	return args->output == CLI_OUTPUT_JSON ? cli_output_sshkey_json(stdout, text, total)
	    : cli_output_sshkey_text(stdout, text, total);
}

int cli_sshkey_run(const struct cli_args *args)
{
	struct cli_keys keys = { .n_keys = 0 };
	ProtobufCMessage *message = NULL;
	char err[512];
	int code = CLI_EXIT_OK;

	if (cli_keys_read_file(args->ssh_key_file, &keys, err, sizeof(err)) < 0) {
		cli_keys_free(&keys);
		cli_output_usage_error(stderr, args->command_name, err);
		return CLI_EXIT_USAGE;
	}
	for (size_t i = 0; code == CLI_EXIT_OK && i < keys.n_keys; i++) {
		if (message)
			protobuf_c_message_free_unpacked(message, NULL);
		message = NULL;
		code = cli_sshkey_one(args, keys.keys[i], &message);
	}
	cli_keys_free(&keys);
	if (code != CLI_EXIT_OK) {
		if (message)
			protobuf_c_message_free_unpacked(message, NULL);
		return code;
	}
	return cli_commands_done(args, cli_sshkey_print(args, message), message);
}
