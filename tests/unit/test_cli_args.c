/*
 * test_cli_args.c - the command line parser (src/cli/cli_args.c) and the
 * deadline each command uses (cli_commands_deadline).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli_args.h"
#include "cli/cli_commands.h"
#include "containarium/v1/container.pb-c.h"

#define ARGV(...) ((char *const[]){ "containarium", __VA_ARGS__, NULL })
#define ARGC(argv) ((int)(sizeof(argv) / sizeof(char *) - 1))

static char err[512];

/* Parses a NULL-terminated argv (argv[0] included) with env_server. */
static int parse_env(char *const *argv, const char *env_server, struct cli_args *a)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	memset(err, 0, sizeof(err));
	return cli_args_parse(argc, argv, env_server, a, err, sizeof(err));
}

static int parse(char *const *argv, struct cli_args *a)
{
	return parse_env(argv, NULL, a);
}

/* Asserts that argv is refused and that the reason holds needle. */
static void assert_refused(char *const *argv, const char *needle)
{
	struct cli_args a;

	if (parse(argv, &a) != -EINVAL)
		fail_msg("accepted: %s %s", argv[1], argv[2] ? argv[2] : "");
	if (!strstr(err, needle))
		fail_msg("reason \"%s\" lacks \"%s\"", err, needle);
}

static void test_defaults(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(ARGV("list"), &a), 0);
	assert_int_equal(a.command, CLI_COMMAND_LIST);
	assert_string_equal(a.command_name, "list");
	assert_string_equal(a.server, CLI_SERVER_DEFAULT);
	assert_string_equal(a.target, "unix:/run/containarium.sock");
	assert_int_equal(a.output, CLI_OUTPUT_TABLE);
	assert_int_equal(a.timeout, 0);
	assert_int_equal(a.state, 0);
	assert_null(a.user_filter);
	assert_int_equal(a.n_labels, 0);
	assert_false(a.help);
}

static void test_no_command(void **state)
{
	struct cli_args a;
	char *argv0[] = { "containarium", NULL };

	(void)state;
	assert_int_equal(parse(argv0, &a), 0);
	assert_int_equal(a.command, CLI_COMMAND_NONE);
	assert_null(a.command_name);
	assert_false(a.help);
	assert_int_equal(parse(ARGV("--help"), &a), 0);
	assert_int_equal(a.command, CLI_COMMAND_NONE);
	assert_true(a.help);
	/* argc 0, as execve() allows */
	assert_int_equal(cli_args_parse(0, argv0, NULL, &a, err, sizeof(err)), 0);
	assert_int_equal(a.command, CLI_COMMAND_NONE);
}

static void test_global_options_before_and_after(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(ARGV("--server", "10.0.0.1:7000", "--timeout", "9",
	    "--output", "json", "info", "alice"), &a), 0);
	assert_string_equal(a.target, "10.0.0.1:7000");
	assert_int_equal(a.timeout, 9);
	assert_int_equal(a.output, CLI_OUTPUT_JSON);
	assert_string_equal(a.username, "alice");

	assert_int_equal(parse(ARGV("info", "alice", "--server=/tmp/s.sock", "-o", "json"), &a), 0);
	assert_string_equal(a.server, "/tmp/s.sock");
	assert_string_equal(a.target, "unix:/tmp/s.sock");
	assert_int_equal(a.output, CLI_OUTPUT_JSON);

	assert_int_equal(parse(ARGV("-s", "host", "--output=table", "list", "-o", "json"), &a), 0);
	assert_string_equal(a.target, "host:50051");
	assert_int_equal(a.output, CLI_OUTPUT_JSON); /* the last one wins */

	assert_int_equal(parse(ARGV("--", "list"), &a), 0);
	assert_int_equal(a.command, CLI_COMMAND_LIST);
}

static void test_env_server(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse_env(ARGV("list"), "unix:/x.sock", &a), 0);
	assert_string_equal(a.target, "unix:/x.sock");
	assert_int_equal(parse_env(ARGV("list", "--server", "h:1"), "unix:/x.sock", &a), 0);
	assert_string_equal(a.target, "h:1");
	assert_int_equal(parse_env(ARGV("list"), "", &a), 0);   /* empty: unset */
	assert_string_equal(a.target, CLI_SERVER_DEFAULT);
	assert_int_equal(parse_env(ARGV("list"), "bad host", &a), -EINVAL);
	assert_non_null(strstr(err, "CONTAINARIUM_SERVER"));
}

static void test_server_target(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "unix:/run/containarium.sock", "unix:/run/containarium.sock" },
		{ "/run/c.sock", "unix:/run/c.sock" },
		{ "example.org", "example.org:50051" },
		{ "example.org:443", "example.org:443" },
		{ "10.1.2.3", "10.1.2.3:50051" },
		{ "[::1]", "[::1]:50051" },
		{ "[::1]:7", "[::1]:7" },
		{ "dns:///example.org:9", "dns:///example.org:9" },
	};
	static const char *const bad[] = { "", "a b", "host\n", "h\x7f", "h\xc3\xa9" };
	char buf[CLI_SERVER_MAX + 16], *longest;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(cli_args_server_target(ok[i].in, buf, sizeof(buf)), 0);
		assert_string_equal(buf, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cli_args_server_target(bad[i], buf, sizeof(buf)), -EINVAL);
	longest = malloc(CLI_SERVER_MAX + 2);
	assert_non_null(longest);
	memset(longest, 'h', CLI_SERVER_MAX + 1);
	longest[CLI_SERVER_MAX + 1] = '\0';
	assert_int_equal(cli_args_server_target(longest, buf, sizeof(buf)), -EINVAL);
	longest[CLI_SERVER_MAX] = '\0';   /* exactly the maximum: port still fits */
	assert_int_equal(cli_args_server_target(longest, buf, sizeof(buf)), 0);
	assert_int_equal(cli_args_server_target("host", buf, 6), -EINVAL); /* no room */
	free(longest);
}

static void test_create_full(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(ARGV("create", "alice", "--image", "images:debian/12",
	    "--cpu", "8", "--memory", "512MiB", "--disk=20GB", "--no-docker",
	    "--ssh-key", "a.pub", "--ssh-key=b.pub", "--label", "team=infra",
	    "--label", "env="), &a), 0);
	assert_int_equal(a.command, CLI_COMMAND_CREATE);
	assert_string_equal(a.username, "alice");
	assert_string_equal(a.image, "images:debian/12");
	assert_string_equal(a.cpu, "8");
	assert_string_equal(a.memory, "512MiB");
	assert_string_equal(a.disk, "20GB");
	assert_false(a.docker);
	assert_int_equal(a.n_ssh_key_files, 2);
	assert_string_equal(a.ssh_key_files[0], "a.pub");
	assert_string_equal(a.ssh_key_files[1], "b.pub");
	assert_int_equal(a.n_labels, 2);
	assert_string_equal(a.labels[0].key, "team");
	assert_string_equal(a.labels[0].value, "infra");
	assert_string_equal(a.labels[1].key, "env");
	assert_string_equal(a.labels[1].value, "");
}

static void test_create_defaults(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(ARGV("create", "bob"), &a), 0);
	assert_true(a.docker);
	assert_null(a.image);
	assert_null(a.cpu);
	assert_null(a.memory);
	assert_null(a.disk);
	assert_int_equal(parse(ARGV("create", "--no-docker", "bob", "--docker"), &a), 0);
	assert_true(a.docker);
	assert_string_equal(a.username, "bob");
}

static void test_list_filters(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(ARGV("list", "--state", "Running", "--user", "carol",
	    "--label", "a=1"), &a), 0);
	assert_int_equal(a.state, CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_RUNNING);
	assert_string_equal(a.user_filter, "carol");
	assert_int_equal(a.n_labels, 1);
	assert_int_equal(parse(ARGV("list", "--state=error"), &a), 0);
	assert_int_equal(a.state, CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_ERROR);
}

static void test_delete_stop_flags(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(ARGV("delete", "-f", "dave"), &a), 0);
	assert_true(a.force);
	assert_int_equal(parse(ARGV("--timeout", "5", "stop", "dave", "--timeout", "120",
	    "--force"), &a), 0);
	assert_int_equal(a.timeout, 5);
	assert_true(a.stop_timeout_set);
	assert_int_equal(a.stop_timeout, 120);
	assert_true(a.force);
	assert_int_equal(parse(ARGV("stop", "dave"), &a), 0);
	assert_false(a.stop_timeout_set);
	assert_false(a.force);
}

static void test_help_forms(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(ARGV("help"), &a), 0);
	assert_int_equal(a.command, CLI_COMMAND_HELP);
	assert_int_equal(a.help_topic, CLI_COMMAND_NONE);
	assert_int_equal(parse(ARGV("help", "stop"), &a), 0);
	assert_int_equal(a.help_topic, CLI_COMMAND_STOP);
	assert_int_equal(parse(ARGV("create", "--help"), &a), 0); /* USER not needed */
	assert_int_equal(a.command, CLI_COMMAND_CREATE);
	assert_true(a.help);
	assert_int_equal(parse(ARGV("info", "-h"), &a), 0);
	assert_true(a.help);
	assert_int_equal(parse(ARGV("version"), &a), 0);
	assert_int_equal(a.command, CLI_COMMAND_VERSION);
}

static void test_bad_values_name_the_flag(void **state)
{
	(void)state;
	assert_refused(ARGV("create", "alice", "--memory", "4XB"), "--memory");
	assert_refused(ARGV("create", "alice", "--disk", "-1GB"), "--disk");
	assert_refused(ARGV("create", "alice", "--cpu", "abc"), "--cpu");
	assert_refused(ARGV("create", "alice", "--cpu", "0"), "--cpu");
	assert_refused(ARGV("create", "alice", "--cpu", "1025"), "--cpu");
	assert_refused(ARGV("create", "alice", "--image", "a;b"), "--image");
	assert_refused(ARGV("create", "Alice"), "USER \"Alice\"");
	assert_refused(ARGV("create", "a_very_long_username_of_33_chars_"), "USER");
	assert_refused(ARGV("create", "alice", "--label", "novalue"), "--label");
	assert_refused(ARGV("create", "alice", "--label", "=v"), "--label");
	assert_refused(ARGV("create", "alice", "--label", "UP=v"), "--label");
	assert_refused(ARGV("create", "alice", "--label", "k=\x1b[31m"), "--label");
	assert_refused(ARGV("create", "alice", "--label", "k=1", "--label", "k=2"), "twice");
	assert_refused(ARGV("create", "alice", "--label",
	    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk=v"), "--label");
	assert_refused(ARGV("create", "alice", "--ssh-key", ""), "--ssh-key");
	assert_refused(ARGV("list", "--state", "sleeping"), "--state");
	assert_refused(ARGV("list", "--user", "Root"), "--user");
	assert_refused(ARGV("--timeout", "0", "list"), "--timeout");
	assert_refused(ARGV("--timeout", "86401", "list"), "--timeout");
	assert_refused(ARGV("--timeout", "-5", "list"), "--timeout");
	assert_refused(ARGV("--timeout", " 5", "list"), "--timeout");
	assert_refused(ARGV("--timeout", "5s", "list"), "--timeout");
	assert_refused(ARGV("--timeout", "99999999999999999999", "list"), "--timeout");
	assert_refused(ARGV("--output", "yaml", "list"), "--output");
	assert_refused(ARGV("--server", "", "list"), "--server");
	assert_refused(ARGV("stop", "alice", "--timeout", "3601"), "--timeout");
}

static void test_usage_errors(void **state)
{
	struct cli_args a;

	(void)state;
	assert_refused(ARGV("frobnicate"), "unknown command \"frobnicate\"");
	assert_refused(ARGV("help", "frobnicate"), "unknown command");
	assert_refused(ARGV("list", "--bogus"), "unknown option \"--bogus\"");
	assert_refused(ARGV("list", "--bogus=1"), "unknown option \"--bogus\"");
	assert_refused(ARGV("list", "-x"), "unknown option \"-x\"");
	assert_refused(ARGV("list", "--force"), "unknown option");
	assert_refused(ARGV("list", "--image", "x"), "unknown option");
	assert_refused(ARGV("--force", "list"), "unknown option");
	assert_refused(ARGV("version", "--timeout", "5"), "unknown option");
	assert_refused(ARGV("info"), "missing argument USER");
	assert_refused(ARGV("create", "--cpu", "2"), "missing argument USER");
	assert_refused(ARGV("info", "alice", "bob"), "unexpected argument \"bob\"");
	assert_refused(ARGV("list", "alice"), "unexpected argument");
	assert_refused(ARGV("version", "x"), "unexpected argument");
	assert_refused(ARGV("list", "--", "--state"), "unexpected argument");
	assert_refused(ARGV("info", "--", "-x"), "USER");
	assert_refused(ARGV("--server"), "needs a value");
	assert_refused(ARGV("create", "alice", "--memory"), "needs a value");
	assert_refused(ARGV("delete", "alice", "--force=yes"), "takes no value");
	/* the command is known even when its arguments are not: for the hint */
	assert_int_equal(parse(ARGV("stop", "--bogus"), &a), -EINVAL);
	assert_string_equal(a.command_name, "stop");
}

static void test_remote_and_new_commands(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(ARGV("remote", "create", "jump-1:50051", "alice", "--ssh-key",
	    "/k.pub"), &a), 0);
	assert_int_equal(a.command, CLI_COMMAND_CREATE);
	assert_true(a.remote);
	assert_string_equal(a.target, "jump-1:50051");
	assert_string_equal(a.username, "alice");
	assert_string_equal(a.ssh_key_files[0], "/k.pub");
	assert_int_equal(parse(ARGV("remote", "list", "jump-2"), &a), 0);
	assert_string_equal(a.target, "jump-2:50051");
	assert_int_equal(parse(ARGV("remote", "info", "--output", "json", "jump-3:1", "bob"), &a), 0);
	assert_string_equal(a.target, "jump-3:1");
	assert_string_equal(a.username, "bob");
	assert_int_equal(a.output, CLI_OUTPUT_JSON);
	/* remote HOST:PORT wins over the environment */
	assert_int_equal(parse_env(ARGV("remote", "list", "h:2"), "e:1", &a), 0);
	assert_string_equal(a.target, "h:2");
	assert_int_equal(parse(ARGV("ssh-key", "remove", "carol", "/id.pub"), &a), 0);
	assert_int_equal(a.sub, CLI_SUB_REMOVE);
	assert_string_equal(a.ssh_key_file, "/id.pub");
	assert_int_equal(parse(ARGV("user", "add", "dan", "--role", "VIEWER",
	    "--generate-api-key"), &a), 0);
	assert_int_equal(a.sub, CLI_SUB_ADD);
	assert_int_equal(a.role, 3);
	assert_true(a.generate_api_key);
	assert_int_equal(parse(ARGV("user", "list"), &a), 0);
	assert_null(a.username);
	assert_int_equal(parse(ARGV("list-all", "--servers", "a:1,b:2", "--timeout", "3"), &a), 0);
	assert_string_equal(a.servers, "a:1,b:2");
	assert_int_equal(a.timeout, 3);
	assert_int_equal(cli_commands_deadline(&a), 3);
	assert_int_equal(parse(ARGV("remote", "list-all", "--servers-file", "/s"), &a), 0);
	assert_false(a.remote);
	a.timeout = 0;
	assert_int_equal(cli_commands_deadline(&a), CLI_COMMANDS_TIMEOUT_LIST_ALL);
	assert_int_equal(parse(ARGV("list", "--ca", "/ca", "--cert", "/c", "--key", "/k",
	    "--insecure"), &a), 0);
	assert_string_equal(a.ca_file, "/ca");
	assert_true(a.insecure);
	assert_int_equal(parse(ARGV("metrics"), &a), 0);
	assert_null(a.username);
	assert_int_equal(parse(ARGV("ssh-config", "--jump-user", "ops"), &a), 0);
	assert_string_equal(a.jump_user, "ops");
	assert_int_equal(parse(ARGV("login", "alice", "--password-stdin"), &a), 0);
	assert_true(a.password_stdin);

	assert_refused(ARGV("remote"), "missing command");
	assert_refused(ARGV("remote", "list"), "missing argument HOST:PORT");
	assert_refused(ARGV("remote", "help"), "does not take 'remote'");
	assert_refused(ARGV("remote", "info", "a b", "x"), "not a server address");
	assert_refused(ARGV("ssh-key", "list", "alice", "/f"), "unknown subcommand");
	assert_refused(ARGV("ssh-key", "add", "alice"), "missing argument KEYFILE");
	assert_refused(ARGV("ssh-key", "add", "Alice", "/f"), "USER");
	assert_refused(ARGV("user", "passwd"), "missing argument USER");
	assert_refused(ARGV("user", "list", "x"), "unexpected argument");
	assert_refused(ARGV("list-all"), "--servers");
	assert_refused(ARGV("list-all", "--servers", "a", "--servers-file", "f"), "--servers");
	assert_refused(ARGV("list", "--key", "/k"), "go together");
	assert_refused(ARGV("list", "--ca", ""), "--ca");
	assert_refused(ARGV("create", "alice", "--role", "admin"), "unknown option");
}

static void test_limits(void **state)
{
	char *argv[2 + 2 * 40 + 1];
	char values[40][16];
	struct cli_args a;
	int argc = 2;

	(void)state;
	argv[0] = "containarium";
	argv[1] = "create";
	for (int i = 0; i < 40; i++) {
		(void)snprintf(values[i], sizeof(values[i]), "k%d=v", i);
		argv[argc++] = "--label";
		argv[argc++] = values[i];
	}
	argv[argc] = NULL;
	assert_int_equal(cli_args_parse(2 + 2 * VALIDATE_LABELS_MAX, argv, NULL, &a,
	    err, sizeof(err)), -EINVAL);        /* 32 labels and no USER */
	assert_non_null(strstr(err, "USER"));
	assert_int_equal(cli_args_parse(argc, argv, NULL, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 32 labels"));
	for (int i = 0; i < 40; i++) {
		argv[2 + 2 * i] = "--ssh-key";
		argv[3 + 2 * i] = "f";
	}
	assert_int_equal(cli_args_parse(argc, argv, NULL, &a, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 32 files"));
}

static void test_small_error_buffer(void **state)
{
	struct cli_args a;
	char small[8];

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(cli_args_parse(3, ARGV("list", "--bogus-option-name"), NULL, &a,
	    small, sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(cli_args_parse(3, ARGV("list", "--bogus"), NULL, &a, NULL, 0), -EINVAL);
}

static void test_parse_helpers(void **state)
{
	unsigned n = 7;
	int st = -1;

	(void)state;
	assert_int_equal(cli_args_parse_seconds("1", 10, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cli_args_parse_seconds("10", 10, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(cli_args_parse_seconds("11", 10, &n), -EINVAL);
	assert_int_equal(cli_args_parse_seconds("", 10, &n), -EINVAL);
	assert_int_equal(cli_args_parse_seconds("+1", 10, &n), -EINVAL);
	assert_int_equal(cli_args_parse_seconds("0x5", 10, &n), -EINVAL);
	assert_int_equal(n, 10);        /* untouched on error */
	assert_int_equal(cli_args_parse_state("FROZEN", &st), 0);
	assert_int_equal(st, CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_FROZEN);
	assert_int_equal(cli_args_parse_state("unspecified", &st), -EINVAL);
	assert_int_equal(cli_args_parse_state("", &st), -EINVAL);
	assert_int_equal(cli_args_command_from_name("delete"), CLI_COMMAND_DELETE);
	assert_int_equal(cli_args_command_from_name("Delete"), CLI_COMMAND_NONE);
	assert_string_equal(cli_args_command_name(CLI_COMMAND_START), "start");
	assert_null(cli_args_command_name(CLI_COMMAND_NONE));
}

static void test_deadlines(void **state)
{
	struct cli_args a;

	(void)state;
	assert_int_equal(parse(ARGV("list"), &a), 0);
	assert_int_equal(cli_commands_deadline(&a), CLI_COMMANDS_TIMEOUT_DEFAULT);
	assert_int_equal(parse(ARGV("create", "alice"), &a), 0);
	assert_int_equal(cli_commands_deadline(&a), CLI_COMMANDS_TIMEOUT_CREATE);
	assert_int_equal(parse(ARGV("stop", "alice", "--timeout", "100"), &a), 0);
	assert_int_equal(cli_commands_deadline(&a), 100 + CLI_COMMANDS_TIMEOUT_STOP_GRACE);
	assert_int_equal(parse(ARGV("--timeout", "7", "stop", "alice", "--timeout", "100"), &a), 0);
	assert_int_equal(cli_commands_deadline(&a), 7);
	assert_int_equal(parse(ARGV("--timeout", "7", "create", "alice"), &a), 0);
	assert_int_equal(cli_commands_deadline(&a), 7);
}

/*
 * Parses many argv made of words that matter to the parser, in a fixed
 * pseudo-random order: every one must be accepted or refused with a
 * terminated reason, never crash (run it under SANITIZE=address,undefined).
 */
static void test_never_crashes(void **state)
{
	static char *const words[] = {
		"create", "list", "info", "delete", "start", "stop", "help", "version",
		"alice", "Alice", "--", "-", "-h", "--help", "-s", "--server", "--server=",
		"unix:", "/", "[", "[::1", "--timeout", "--timeout=", "0", "3600", "--output",
		"json", "-o", "--image", "--cpu", "--memory", "4XB", "--disk", "--docker",
		"--no-docker", "--ssh-key", "--label", "=", "k=v", "--state", "running",
		"--user", "--force", "-f", "--force=1", "", "\xff", "\x1b[2J",
		"remote", "h:1", "list-all", "--servers", "a:1,b:2", "--servers-file",
		"ssh-key", "add", "remove", "passwd", "user", "login", "logout", "metrics",
		"system-info", "ssh-config", "--jump-user", "--role", "viewer", "--ca", "--cert",
		"--key", "--insecure", "--password-stdin", "--generate-api-key",
		"__complete-containers",
	};
	const size_t n_words = sizeof(words) / sizeof(words[0]);
	uint32_t seed = 12345;

	(void)state;
	for (int round = 0; round < 50000; round++) {
		char *argv[9] = { "containarium" };
		int argc = 1 + (int)(seed % 8);
		struct cli_args a;
		int r;

		for (int i = 1; i < argc; i++) {
			seed = seed * 1103515245u + 12345u;
			argv[i] = words[(seed >> 8) % n_words];
		}
		argv[argc] = NULL;
		seed = seed * 1103515245u + 12345u;
		err[0] = '\0';
		r = cli_args_parse(argc, argv, NULL, &a, err, sizeof(err));
		assert_true(r == 0 || r == -EINVAL);
		assert_true(r == 0 || (err[0] != '\0' && strlen(err) < sizeof(err)));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_no_command),
		cmocka_unit_test(test_global_options_before_and_after),
		cmocka_unit_test(test_env_server),
		cmocka_unit_test(test_server_target),
		cmocka_unit_test(test_create_full),
		cmocka_unit_test(test_create_defaults),
		cmocka_unit_test(test_list_filters),
		cmocka_unit_test(test_delete_stop_flags),
		cmocka_unit_test(test_help_forms),
		cmocka_unit_test(test_bad_values_name_the_flag),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_remote_and_new_commands),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_small_error_buffer),
		cmocka_unit_test(test_parse_helpers),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
