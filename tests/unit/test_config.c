/*
 * test_config.c - unit tests of src/common/config.c.
 *
 * Each test writes its config to a temporary file made with mkstemp and
 * checks what config_load() makes of it. The shipped conf/containarium.ini
 * is read from the source tree (make runs the tests from there).
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/config.h"
#include "common/log.h"

#define SHIPPED_CONFIG "conf/containarium.ini"
#define ERR_SIZE 1024

/* Writes content (len bytes) to a new temporary file; returns its path. */
static char *write_temp_len(const char *content, size_t len)
{
	char *path = strdup("/tmp/containarium-test-config-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

static char *write_temp(const char *content)
{
	return write_temp_len(content, strlen(content));
}

static void remove_temp(char *path)
{
	assert_int_equal(unlink(path), 0);
	free(path);
}

static unsigned expected_workers(void)
{
	cpu_set_t set;
	long n;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	n = CPU_COUNT(&set);
	return n > 64 ? 64 : (unsigned)n;
}

/*
 * Loads content; expects failure with -EINVAL and a message that starts
 * with "path:line: " followed by want.
 */
static void assert_load_fails(const char *content, unsigned line, const char *want)
{
	struct config *sentinel = (struct config *)0x1, *config = sentinel;
	char err[ERR_SIZE], *prefix, *path = write_temp(content);

	err[0] = '\0';
	assert_int_equal(config_load(path, &config, err, sizeof(err)), -EINVAL);
	assert_ptr_equal(config, sentinel);
	assert_true(asprintf(&prefix, "%s:%u: ", path, line) > 0);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err + strlen(prefix), want))
		fail_msg("message \"%s\" is not \"%s%s...\"", err, prefix, want);
	free(prefix);
	remove_temp(path);
}

/* Loads content, which must parse; returns the config. */
static struct config *load_ok(const char *content)
{
	struct config *config = NULL;
	char err[ERR_SIZE] = "", *path = write_temp(content);
	int r = config_load(path, &config, err, sizeof(err));

	if (r != 0)
		fail_msg("config_load: %d: %s", r, err);
	assert_non_null(config);
	assert_string_equal(config->path, path);
	remove_temp(path);
	return config;
}

/* Asserts that every field but path is equal in a and b. */
static void assert_config_equal(const struct config *a, const struct config *b)
{
	assert_string_equal(a->listen, b->listen);
	assert_string_equal(a->admin_socket, b->admin_socket);
	assert_int_equal(a->workers, b->workers);
	assert_int_equal(a->max_message_bytes, b->max_message_bytes);
	assert_int_equal(a->max_calls_per_worker, b->max_calls_per_worker);
	assert_int_equal(a->operation_threads, b->operation_threads);
	assert_string_equal(a->incus_socket, b->incus_socket);
	assert_string_equal(a->incus_project, b->incus_project);
	assert_int_equal(a->incus_timeout, b->incus_timeout);
	assert_string_equal(a->default_image, b->default_image);
	assert_string_equal(a->default_cpu, b->default_cpu);
	assert_string_equal(a->default_memory, b->default_memory);
	assert_string_equal(a->default_disk, b->default_disk);
	assert_int_equal(a->default_docker, b->default_docker);
	assert_string_equal(a->storage_pool, b->storage_pool);
	assert_string_equal(a->ssh_jump_host, b->ssh_jump_host);
	assert_int_equal(a->log_level, b->log_level);
	assert_int_equal(a->log_target, b->log_target);
	assert_int_equal(a->n_remotes, b->n_remotes);
	for (size_t i = 0; i < a->n_remotes; i++) {
		assert_string_equal(a->remotes[i].name, b->remotes[i].name);
		assert_string_equal(a->remotes[i].url, b->remotes[i].url);
	}
}

static void test_defaults(void **state)
{
	struct config *config = NULL;

	(void)state;
	assert_int_equal(config_defaults(&config), 0);
	assert_string_equal(config->path, "");
	assert_string_equal(config->listen, "0.0.0.0:50051");
	assert_string_equal(config->admin_socket, "/run/containarium.sock");
	assert_int_equal(config->workers, expected_workers());
	assert_int_equal(config->max_message_bytes, 1048576);
	assert_int_equal(config->max_calls_per_worker, 256);
	assert_int_equal(config->operation_threads, 8);
	assert_string_equal(config->incus_socket, "/var/lib/incus/unix.socket");
	assert_string_equal(config->incus_project, "default");
	assert_int_equal(config->incus_timeout, 60);
	assert_string_equal(config->default_image, "ubuntu:24.04");
	assert_string_equal(config->default_cpu, "4");
	assert_string_equal(config->default_memory, "4GB");
	assert_string_equal(config->default_disk, "50GB");
	assert_true(config->default_docker);
	assert_string_equal(config->storage_pool, "default");
	assert_string_equal(config->ssh_jump_host, "");
	assert_int_equal(config->log_level, LOG_INFO);
	assert_int_equal(config->log_target, LOG_TARGET_AUTO);
	assert_int_equal(config->n_remotes, 2);
	/* The two public image servers; test_shipped_file checks that the
	 * shipped file names the same ones. */
	assert_int_equal(strncmp(config_remote_url(config, "images"), "https://images.", 15), 0);
	assert_int_equal(strncmp(config_remote_url(config, "ubuntu"), "https://cloud-images.", 21), 0);
	assert_null(config_remote_url(config, "local"));
	assert_null(config_remote_url(config, ""));
	assert_null(config_remote_url(NULL, "ubuntu"));
	config_free(config);
	config_free(NULL);
}

/* The shipped file and an empty file both mean the defaults. */
static void test_shipped_file(void **state)
{
	struct config *defaults = NULL, *shipped = NULL, *empty;
	char err[ERR_SIZE] = "";

	(void)state;
	assert_int_equal(config_defaults(&defaults), 0);
	if (config_load(SHIPPED_CONFIG, &shipped, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(shipped->path, SHIPPED_CONFIG);
	assert_config_equal(shipped, defaults);
	empty = load_ok("");
	assert_config_equal(empty, defaults);
	config_free(empty);
	empty = load_ok("# only a comment\n\n; and another\n[server]\n[logging]\n");
	assert_config_equal(empty, defaults);
	config_free(empty);
	config_free(shipped);
	config_free(defaults);
}

static void test_values(void **state)
{
	struct config *config;

	(void)state;
	config = load_ok(
	    "\xEF\xBB\xBF[server]\n"
	    "listen = [::1]:6000\n"
	    "admin_socket =\n"
	    "workers = 3\n"
	    "max_message_bytes = 2MiB\n"
	    "max_calls_per_worker = 10000\n"
	    "operation_threads = 1\n"
	    "[incus]\n"
	    "socket = /var/snap/lxd/common/lxd/unix.socket\n"
	    "project = dev_team-1\n"
	    "timeout = 3600\n"
	    "[containers]\n"
	    "image = images:debian/12\n"
	    "cpu = 2\n"
	    "memory = 512MiB\n"
	    "disk =\n"
	    "docker = Off\n"
	    "storage_pool = fast-ssd\n"
	    "ssh_jump_host = admin@jump.example.com:2222\n"
	    "[logging]\n"
	    "level = debug\n"
	    "target = stderr\n");
	assert_string_equal(config->listen, "[::1]:6000");
	assert_string_equal(config->admin_socket, "");
	assert_int_equal(config->workers, 3);
	assert_int_equal(config->max_message_bytes, 2 * 1024 * 1024);
	assert_int_equal(config->max_calls_per_worker, 10000);
	assert_int_equal(config->operation_threads, 1);
	assert_string_equal(config->incus_socket, "/var/snap/lxd/common/lxd/unix.socket");
	assert_string_equal(config->incus_project, "dev_team-1");
	assert_int_equal(config->incus_timeout, 3600);
	assert_string_equal(config->default_image, "images:debian/12");
	assert_string_equal(config->default_cpu, "2");
	assert_string_equal(config->default_memory, "512MiB");
	assert_string_equal(config->default_disk, "");
	assert_false(config->default_docker);
	assert_string_equal(config->storage_pool, "fast-ssd");
	assert_string_equal(config->ssh_jump_host, "admin@jump.example.com:2222");
	assert_int_equal(config->log_level, LOG_DEBUG);
	assert_int_equal(config->log_target, LOG_TARGET_STDERR);
	config_free(config);

	config = load_ok("[server]\nlisten =\nmax_message_bytes = 1024\n"
	    "[containers]\ndocker = yes\nssh_jump_host = ops@10.0.0.1\n"
	    "[logging]\nlevel = WARNING\ntarget = journal\n");
	assert_string_equal(config->listen, "");
	assert_int_equal(config->max_message_bytes, 1024);
	assert_true(config->default_docker);
	assert_int_equal(config->log_level, LOG_WARNING);
	assert_int_equal(config->log_target, LOG_TARGET_JOURNAL);
	config_free(config);

	config = load_ok("[server]\nlisten = localhost:1\nmax_message_bytes = 4032KiB\n");
	assert_string_equal(config->listen, "localhost:1");
	assert_int_equal(config->max_message_bytes, 4128768);
	config_free(config);
}

static void test_security_values(void **state)
{
	struct config *config;

	(void)state;
	config = load_ok(
	    "[server]\nlisten = 127.0.0.1:7000\nworker_user = nobody\ndrain_timeout = 30\n"
	    "admin_socket_mode = 0600\nadmin_group =\n"
	    "[auth]\nmethod = none\nsecret_file = /s\nusers_file = /u\nissuer = host-1\n"
	    "token_lifetime = 60\nlogin_max_failures = 3\nlogin_lockout = 10\n"
	    "[tls]\nmode = mtls\ncert = /c.pem\nkey = /k.pem\nclient_ca = /ca.pem\n"
	    "[cache]\nenabled = no\n");
	assert_string_equal(config->worker_user, "nobody");
	assert_int_equal(config->drain_timeout, 30);
	assert_int_equal(config->admin_socket_mode, 0600);
	assert_string_equal(config->admin_group, "");
	assert_int_equal(config->auth_method, CONFIG_AUTH_NONE);
	assert_string_equal(config->auth_secret_file, "/s");
	assert_string_equal(config->auth_users_file, "/u");
	assert_string_equal(config->auth_issuer, "host-1");
	assert_int_equal(config->token_lifetime, 60);
	assert_int_equal(config->login_max_failures, 3);
	assert_int_equal(config->login_lockout, 10);
	assert_int_equal(config->tls_mode, CONFIG_TLS_MUTUAL);
	assert_string_equal(config->tls_cert, "/c.pem");
	assert_string_equal(config->tls_key, "/k.pem");
	assert_string_equal(config->tls_client_ca, "/ca.pem");
	assert_false(config->cache_enabled);
	config_free(config);

	/* "none" is fine with no TCP listener, or on [::1]. */
	config = load_ok("[server]\nlisten =\n[auth]\nmethod = none\n");
	assert_int_equal(config->auth_method, CONFIG_AUTH_NONE);
	config_free(config);
	config = load_ok("[server]\nlisten = [::1]:1\n[auth]\nmethod = none\n");
	config_free(config);
}

static void test_workers(void **state)
{
	struct config *config;

	(void)state;
	config = load_ok("[server]\nworkers = 0\n");
	assert_int_equal(config->workers, expected_workers());
	config_free(config);
	config = load_ok("[server]\nworkers = 64\n");
	assert_int_equal(config->workers, 64);
	config_free(config);
	assert_load_fails("[server]\nworkers = 65\n", 2,
	    "[server] workers: \"65\" is out of range (0..64)");
	assert_load_fails("[server]\nworkers = -1\n", 2, "[server] workers: \"-1\" is not a number");
	assert_load_fails("[server]\nworkers = 4x\n", 2, "[server] workers: \"4x\" is not a number");
	assert_load_fails("[server]\nworkers = +4\n", 2, "[server] workers: \"+4\" is not a number");
	assert_load_fails("[server]\nworkers =\n", 2, "[server] workers: \"\" is not a number");
	assert_load_fails("[server]\nworkers = 99999999999999999999999\n", 2,
	    "[server] workers: \"99999999999999999999999\" is out of range");
}

/* Each bad value names its file, line, section, key and reason. */
static void test_bad_values(void **state)
{
	static const struct {
		const char *content;
		unsigned line;
		const char *want;
	} cases[] = {
		{ "[server]\nlisten = 0.0.0.0\n", 2, "[server] listen: \"0.0.0.0\" is not host:port" },
		{ "[server]\nlisten = 0.0.0.0:0\n", 2, "[server] listen: \"0\" is out of range (1..65535)" },
		{ "[server]\nlisten = :50051\n", 2, "[server] listen: \":50051\" is not host:port" },
		{ "[server]\nlisten = 0.0.0.0:65536\n", 2, "[server] listen: \"65536\" is out of range" },
		{ "[server]\nlisten = ::1:50051\n", 2, "[server] listen: \"::1:50051\" is not host:port" },
		{ "[server]\nlisten = [::zz]:50051\n", 2, "[server] listen: \"[::zz]:50051\" is not" },
		{ "[server]\nlisten = [::1]50051\n", 2, "[server] listen: " },
		{ "[server]\nlisten = a;b:1\n", 2, "[server] listen: " },
		{ "[server]\nadmin_socket = run/x.sock\n", 2,
		  "[server] admin_socket: \"run/x.sock\" is not an absolute path" },
		{ "[server]\nadmin_socket = /"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		  2, "[server] admin_socket: longer than 107 bytes" },
		{ "[server]\nmax_message_bytes = 1023\n", 2,
		  "[server] max_message_bytes: \"1023\" is out of range (1KiB..4032KiB)" },
		{ "[server]\nmax_message_bytes = 5MiB\n", 2, "[server] max_message_bytes: \"5MiB\" is out" },
		{ "[server]\nmax_message_bytes = 1XB\n", 2,
		  "[server] max_message_bytes: \"1XB\" is not a size" },
		{ "[server]\nmax_calls_per_worker = 0\n", 2, "[server] max_calls_per_worker: \"0\" is out" },
		{ "[server]\nmax_calls_per_worker = 10001\n", 2, "[server] max_calls_per_worker: " },
		{ "[server]\noperation_threads = 65\n", 2, "[server] operation_threads: \"65\" is out" },
		{ "[incus]\nsocket =\n", 2, "[incus] socket: \"\" is not an absolute path" },
		{ "[incus]\nproject = my project\n", 2, "[incus] project: \"my project\" is not a name" },
		{ "[incus]\nproject =\n", 2, "[incus] project: \"\" is not a name" },
		{ "[incus]\nproject = "
		  "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp\n",
		  2, "[incus] project: " },
		{ "[incus]\ntimeout = 0\n", 2, "[incus] timeout: \"0\" is out of range (1..3600)" },
		{ "[incus]\ntimeout = 3601\n", 2, "[incus] timeout: \"3601\" is out of range" },
		{ "[containers]\nimage = ubuntu:24.04 && x\n", 2, "[containers] image: invalid character" },
		{ "[containers]\nimage =\n", 2, "[containers] image: must not be empty" },
		{ "[containers]\ncpu = 0\n", 2, "[containers] cpu: \"0\" is out of range (1..1024)" },
		{ "[containers]\ncpu = four\n", 2, "[containers] cpu: \"four\" is not a CPU count" },
		{ "[containers]\nmemory = 4 GB\n", 2, "[containers] memory: \"4 GB\" is not a size" },
		{ "[containers]\nmemory =\n", 2, "[containers] memory: \"\" is not a size" },
		{ "[containers]\ndisk = GB\n", 2, "[containers] disk: \"GB\" is not a size" },
		{ "[containers]\ndocker = maybe\n", 2, "[containers] docker: \"maybe\" is not a boolean" },
		{ "[containers]\nstorage_pool = a/b\n", 2, "[containers] storage_pool: \"a/b\" is not a name" },
		{ "[containers]\nssh_jump_host = jump.example.com\n", 2,
		  "[containers] ssh_jump_host: \"jump.example.com\" is not user@host[:port]" },
		{ "[containers]\nssh_jump_host = -oProxyCommand=x@h\n", 2, "[containers] ssh_jump_host: " },
		{ "[containers]\nssh_jump_host = u@-oProxyCommand=x\n", 2, "[containers] ssh_jump_host: " },
		{ "[containers]\nssh_jump_host = u@h;reboot\n", 2, "[containers] ssh_jump_host: " },
		{ "[containers]\nssh_jump_host = u@h:0\n", 2, "[containers] ssh_jump_host: " },
		{ "[containers]\nssh_jump_host = u@h:22x\n", 2, "[containers] ssh_jump_host: " },
		{ "[containers]\nssh_jump_host = $(id)@h\n", 2, "[containers] ssh_jump_host: " },
		{ "[logging]\nlevel = loud\n", 2, "[logging] level: \"loud\" is not a level" },
		{ "[logging]\ntarget = syslog\n", 2, "[logging] target: \"syslog\" is not a target" },
		{ "[remotes]\nlocal = http://mirror.example\n", 2,
		  "[remotes] local: \"http://mirror.example\" is not an https:// URL" },
		{ "[remotes]\nlocal = https://mirror.example/a b\n", 2, "[remotes] local: " },
		{ "[remotes]\nlocal = https://\n", 2, "[remotes] local: " },
		{ "[remotes]\nLocal = https://mirror.example\n", 2,
		  "[remotes] Local: a remote name is [a-z0-9-], 1 to 32 bytes" },
		{ "[remotes]\nmy_mirror = https://mirror.example\n", 2, "[remotes] my_mirror: " },
		{ "[server]\nworker_user = Root\n", 2, "[server] worker_user: \"Root\" is not a user" },
		{ "[server]\nworker_user =\n", 2, "[server] worker_user: " },
		{ "[server]\ndrain_timeout = 0\n", 2, "[server] drain_timeout: \"0\" is out of range" },
		{ "[server]\nadmin_socket_mode = 0666\n", 2, "[server] admin_socket_mode: \"0666\" is not" },
		{ "[server]\nadmin_socket_mode = 0400\n", 2, "[server] admin_socket_mode: " },
		{ "[server]\nadmin_socket_mode = 660x\n", 2, "[server] admin_socket_mode: " },
		{ "[server]\nadmin_group = wheel!\n", 2, "[server] admin_group: " },
		{ "[auth]\nmethod = password\n", 2, "[auth] method: \"password\" is not a method" },
		{ "[auth]\nsecret_file = jwt.secret\n", 2, "[auth] secret_file: \"jwt.secret\" is not an absolute path" },
		{ "[auth]\nusers_file =\n", 2, "[auth] users_file: " },
		{ "[auth]\nissuer = a b\n", 2, "[auth] issuer: " },
		{ "[auth]\ntoken_lifetime = 86401\n", 2, "[auth] token_lifetime: \"86401\" is out of range (60..86400)" },
		{ "[auth]\nlogin_max_failures = 0\n", 2, "[auth] login_max_failures: " },
		{ "[auth]\nlogin_lockout = 0\n", 2, "[auth] login_lockout: " },
		{ "[server]\nlisten = 0.0.0.0:50051\n[auth]\nmethod = none\n", 4,
		  "[auth] method: \"none\" is allowed only when [server] listen is a loopback address" },
		{ "[tls]\nmode = tls\n", 2, "[tls] mode: TLS needs [tls] cert and key" },
		{ "[tls]\nmode = mtls\ncert = /c\nkey = /k\n", 2, "[tls] mode: mtls needs [tls] client_ca" },
		{ "[tls]\nmode = on\n", 2, "[tls] mode: \"on\" is not a mode (off, tls, mtls)" },
		{ "[tls]\ncert = cert.pem\n", 2, "[tls] cert: " },
		{ "[cache]\nenabled = sometimes\n", 2, "[cache] enabled: \"sometimes\" is not a boolean" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_load_fails(cases[i].content, cases[i].line, cases[i].want);
}

/* The line number is the line of the first error, not of the section. */
static void test_error_line(void **state)
{
	(void)state;
	assert_load_fails("# comment\n\n[server]\nlisten = 0.0.0.0:1\n\nworkers = 1\n"
	    "operation_threads = 0\nworkers = 65\n", 7, "[server] operation_threads: ");
	assert_load_fails("[incus]\ntimeout = 5\n[server]\nworkers = 2\n[incus]\ntimeout = 0\n", 6,
	    "[incus] timeout: ");
}

static void test_structure_errors(void **state)
{
	char *long_line = malloc(400);

	(void)state;
	assert_load_fails("[server]\nworkers = 2\nbogus = 1\n", 3, "[server] bogus: unknown key");
	assert_load_fails("[server]\nsocket = /x\n", 2, "[server] socket: unknown key");
	assert_load_fails("[bogus]\nkey = 1\n", 1, "[bogus]: unknown section");
	assert_load_fails("[server]\n[bogus]\n[logging]\n", 2, "[bogus]: unknown section");
	assert_load_fails("[Server]\n", 1, "[Server]: unknown section");
	assert_load_fails("workers = 2\n[server]\n", 1, "workers: key outside of any section");
	assert_load_fails("[server]\nworkers = 2\nlisten = 0.0.0.0:1\nworkers = 3\n", 4,
	    "[server] workers: set twice (first on line 2)");
	assert_load_fails("[server]\nworkers = 2\n[incus]\n[server]\nworkers = 2\n", 5,
	    "[server] workers: set twice (first on line 2)");
	assert_load_fails("[server]\nworkers = 2\nthis is not a key\n", 3, "syntax error");
	assert_load_fails("[server\nworkers = 2\n", 1, "syntax error");
	assert_load_fails("[server]\nworkers = 2\n  4\n", 3,
	    "[server] workers: continuation lines are not supported");
	assert_load_fails("[server]\nworkers = 2\n  listen = 0.0.0.0:1\n", 3,
	    "continuation lines are not supported");

	/* inih reads at most 198 bytes of a line; longer is refused. */
	assert_non_null(long_line);
	memset(long_line, 'a', 399);
	long_line[399] = '\0';
	memcpy(long_line, "[server]\n# ", 11);
	assert_load_fails(long_line, 2, "line longer than");
	free(long_line);
}

static void test_nul_byte(void **state)
{
	static const char content[] = "[server]\nlisten = 0.0.0.0:1\0; evil\n";
	struct config *config = NULL;
	char err[ERR_SIZE] = "", *path = write_temp_len(content, sizeof(content) - 1);

	(void)state;
	assert_int_equal(config_load(path, &config, err, sizeof(err)), -EINVAL);
	assert_null(config);
	assert_non_null(strstr(err, ":2: line holds a NUL byte"));
	remove_temp(path);
}

static void test_remotes(void **state)
{
	struct config *config;
	char content[2048];
	size_t n;

	(void)state;
	config = load_ok("[remotes]\nlocal = https://mirror.example/images\n"
	    "images = https://images.mirror.example\n");
	assert_int_equal(config->n_remotes, 3);
	assert_string_equal(config_remote_url(config, "local"), "https://mirror.example/images");
	assert_string_equal(config_remote_url(config, "images"), "https://images.mirror.example");
	/* The built-in "ubuntu" server stays. */
	assert_int_equal(strncmp(config_remote_url(config, "ubuntu"), "https://cloud-images.", 21), 0);
	config_free(config);

	/* "name =" removes a remote; the default image must not need it. */
	config = load_ok("[containers]\nimage = images:debian/12\n[remotes]\nubuntu =\n");
	assert_int_equal(config->n_remotes, 1);
	assert_null(config_remote_url(config, "ubuntu"));
	assert_string_equal(config->remotes[0].name, "images");
	config_free(config);
	assert_load_fails("[containers]\nimage = local:x\n", 2,
	    "[containers] image: the remote of \"local:x\" is not in [remotes]");
	config = load_ok("[containers]\nimage = debian\n[remotes]\nubuntu =\nimages =\n");
	assert_int_equal(config->n_remotes, 0);
	config_free(config);

	assert_load_fails("[remotes]\nlocal = https://a.example\nlocal = https://b.example\n", 3,
	    "[remotes] local: set twice (first on line 2)");

	/* Two defaults plus 14 more fit; one more does not. */
	n = (size_t)snprintf(content, sizeof(content), "[remotes]\n");
	for (int i = 0; i < CONFIG_MAX_REMOTES - 2; i++)
		n += (size_t)snprintf(content + n, sizeof(content) - n,
		    "m%d = https://m%d.example\n", i, i);
	config = load_ok(content);
	assert_int_equal(config->n_remotes, CONFIG_MAX_REMOTES);
	assert_string_equal(config_remote_url(config, "m13"), "https://m13.example");
	config_free(config);
	snprintf(content + n, sizeof(content) - n, "extra = https://x.example\n");
	assert_load_fails(content, CONFIG_MAX_REMOTES, "[remotes] extra: more than 16 remotes");
}

static void test_unreadable(void **state)
{
	struct config *sentinel = (struct config *)0x1, *config = sentinel;
	char err[ERR_SIZE] = "";

	(void)state;
	assert_int_equal(config_load("/nonexistent/containarium.ini", &config, err, sizeof(err)),
	    -ENOENT);
	assert_ptr_equal(config, sentinel);
	assert_string_equal(err, "/nonexistent/containarium.ini: No such file or directory");

	assert_int_equal(config_load("/tmp", &config, err, sizeof(err)), -EISDIR);
	assert_ptr_equal(config, sentinel);
	assert_string_equal(err, "/tmp: Is a directory");

	/* No room for a message is fine too. */
	assert_int_equal(config_load("/nonexistent/x.ini", &config, NULL, 0), -ENOENT);
	assert_ptr_equal(config, sentinel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_file),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_workers),
		cmocka_unit_test(test_security_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_error_line),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_remotes),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
