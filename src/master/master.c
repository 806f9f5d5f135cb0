/*
 * master.c - `containarium daemon`: the privileged master.
 *
 * Reads the config, binds the listeners, starts the operation threads and
 * the workers, then runs one poll() loop over: signals, finished jobs and
 * every worker channel. The loop never talks to Incus (op_pool.h).
 */
#include "master.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "cache.h"
#include "cache_thread.h"
#include "dispatch.h"
#include "incus/incus.h"
#include "listen.h"
#include "op_pool.h"
#include "ops.h"
#include "supervisor.h"

#define MASTER_STOP_TIMEOUT_MS 10000
#define MASTER_JOBS_PER_THREAD 256

struct master {
	struct config *config;
	struct supervisor supervisor;
	struct op_pool *pool;
	struct dispatch dispatch;
	struct cache *cache;            /* NULL when [cache] enabled = false */
	struct cache_thread *cache_thread;
	int signal_fd;
	bool stopping;
};

static void master_usage(FILE *out)
{
	fprintf(out,
	    "Usage: containarium daemon [--config PATH]\n"
	    "\n"
	    "Runs the Containarium daemon in the foreground.\n"
	    "\n"
	    "  -c, --config PATH   configuration file (default %s)\n"
	    "  -t, --check-config  read the configuration, report, and exit\n"
	    "  -h, --help          show this help\n", CONFIG_DEFAULT_PATH);
}

/* Parses argv; returns 0, 1 to exit successfully, or -EINVAL. */
static int master_parse_args(int argc, char **argv, const char **ret_config, bool *ret_check)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:th", options, NULL)) != -1)
		switch (c) {
		case 'c':
			*ret_config = optarg;
			break;
		case 't':
			*ret_check = true;
			break;
		case 'h':
			master_usage(stdout);
			return 1;
		default:
			master_usage(stderr);
			return -EINVAL;
		}
	if (optind < argc) {
		fprintf(stderr, "containarium daemon: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int master_signals(struct master *m)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	m->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return m->signal_fd < 0 ? -errno : 0;
}

/* Binds the listeners the config asks for. */
static int master_listen(struct master *m)
{
	const struct config *c = m->config;
	struct supervisor *s = &m->supervisor;

	s->tcp_fd = s->admin_fd = -1;
	if (c->listen[0]) {
		s->tcp_fd = listen_tcp(c->listen);
		if (s->tcp_fd < 0)
			return log_error_errno(s->tcp_fd, "Failed to listen on %s: %m", c->listen);
	}
	if (c->admin_socket[0]) {
		s->admin_fd = listen_unix(c->admin_socket);
		if (s->admin_fd < 0)
			return log_error_errno(s->admin_fd, "Failed to listen on %s: %m", c->admin_socket);
	}
	if (s->tcp_fd < 0 && s->admin_fd < 0) {
		log_error("Nothing to serve: [server] listen and admin_socket are both empty");
		return -EINVAL;
	}
	return 0;
}

static int master_start(struct master *m)
{
	struct op_pool_ops ops = { ops_run, ops_thread_init, ops_thread_free, m->config };
	const struct config *c = m->config;
	int r;

	r = master_signals(m);
	if (r < 0)
		return log_error_errno(r, "Failed to set up signal handling: %m");
	r = incus_client_global_init();
	if (r < 0)
		return log_error_errno(r, "Failed to initialize the Incus client: %m");
	r = master_listen(m);
	if (r < 0)
		return r;
	if (c->cache_enabled) {
		r = cache_new(&m->cache);
		if (r == 0)
			r = cache_thread_start(c, m->cache, &m->cache_thread);
		if (r < 0)
			return log_error_errno(r, "Failed to start the cache thread: %m");
		ops_set_cache(m->cache);
	}
	r = op_pool_new(c->operation_threads,
	    (size_t)c->operation_threads * MASTER_JOBS_PER_THREAD, &ops, &m->pool);
	if (r < 0)
		return log_error_errno(r, "Failed to start the operation threads: %m");
	r = dispatch_init(&m->dispatch, &m->supervisor, m->pool);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate the channel buffer: %m");
	m->supervisor.n_workers = c->workers;
	m->supervisor.max_message_bytes = c->max_message_bytes;
	m->supervisor.max_calls = c->max_calls_per_worker;
	return supervisor_start(&m->supervisor);
}

static void master_handle_signals(struct master *m)
{
	struct signalfd_siginfo si;

	while (read(m->signal_fd, &si, sizeof(si)) == sizeof(si))
		switch (si.ssi_signo) {
		case SIGCHLD:
			supervisor_reap(&m->supervisor);
			break;
		case SIGTERM:
		case SIGINT:
			log_notice("Received %s from pid %u; stopping",
			    strsignal((int)si.ssi_signo), si.ssi_pid);
			m->stopping = true;
			break;
		case SIGHUP:
			log_notice("Received SIGHUP; this version reads its configuration "
			    "only at start, so it keeps the current one");
			break;
		}
}

/* Fills fds: signals, finished jobs, then one per running worker. */
static nfds_t master_poll_fds(struct master *m, struct pollfd *fds, int *slots)
{
	nfds_t n = 0;

	fds[n++] = (struct pollfd){ .fd = m->signal_fd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = op_pool_done_fd(m->pool), .events = POLLIN };
	for (unsigned i = 0; i < m->supervisor.n_workers; i++) {
		if (m->supervisor.workers[i].ipc_fd < 0)
			continue;
		slots[n] = (int)i;
		fds[n++] = (struct pollfd){ .fd = m->supervisor.workers[i].ipc_fd, .events = POLLIN };
	}
	return n;
}

static int master_loop(struct master *m)
{
	struct pollfd fds[SUPERVISOR_MAX_WORKERS + 2];
	int slots[SUPERVISOR_MAX_WORKERS + 2];

	while (!m->stopping) {
		nfds_t n = master_poll_fds(m, fds, slots);
		int r = poll(fds, n, supervisor_next_timeout_ms(&m->supervisor));

		if (r < 0 && errno != EINTR)
			return log_error_errno(-errno, "poll failed: %m");
		if (fds[0].revents)
			master_handle_signals(m);
		if (fds[1].revents)
			dispatch_finished_jobs(&m->dispatch);
		for (nfds_t i = 2; i < n; i++)
			if (fds[i].revents)
				dispatch_worker_input(&m->dispatch, (unsigned)slots[i]);
		supervisor_respawn_due(&m->supervisor);
	}
	return 0;
}

static void master_stop(struct master *m)
{
	supervisor_stop(&m->supervisor, MASTER_STOP_TIMEOUT_MS);
	op_pool_free(m->pool);
	cache_thread_stop(m->cache_thread);
	cache_free(m->cache);
	dispatch_done(&m->dispatch);
	if (m->supervisor.tcp_fd >= 0)
		close(m->supervisor.tcp_fd);
	if (m->supervisor.admin_fd >= 0) {
		close(m->supervisor.admin_fd);
		(void)unlink(m->config->admin_socket);
	}
	if (m->signal_fd >= 0)
		close(m->signal_fd);
}

int master_main(int argc, char **argv)
{
	struct master m = { .signal_fd = -1, .supervisor = { .tcp_fd = -1, .admin_fd = -1 } };
	const char *path = CONFIG_DEFAULT_PATH;
	bool check_only = false;
	char err[512];
	int r;

	r = master_parse_args(argc, argv, &path, &check_only);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : 2;
	if (config_load(path, &m.config, err, sizeof(err)) < 0) {
		fprintf(stderr, "containarium daemon: %s\n", err);
		return EXIT_FAILURE;
	}
	if (check_only) {
		printf("%s: configuration is valid\n", path);
		config_free(m.config);
		return EXIT_SUCCESS;
	}
	log_setup(m.config->log_target, m.config->log_level);
	r = master_start(&m);
	if (r == 0) {
		log_notice("Containarium started: %u workers, listening on %s%s%s",
		    m.config->workers, m.config->listen[0] ? m.config->listen : "(no TCP)",
		    m.config->admin_socket[0] ? " and " : "", m.config->admin_socket);
		r = master_loop(&m);
	}
	master_stop(&m);
	log_notice("Containarium stopped");
	config_free(m.config);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
