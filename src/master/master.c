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
#include "activation.h"
#include "cache.h"
#include "cache_thread.h"
#include "auth_context.h"
#include "dispatch.h"
#include "heartbeat.h"
#include "incus/incus.h"
#include "listen.h"
#include "notify.h"
#include "op_pool.h"
#include "ops.h"
#include "reload.h"
#include "supervisor.h"
#include "tls_material.h"
#include "worker_user.h"

#define MASTER_STOP_TIMEOUT_MS 10000
#define MASTER_JOBS_PER_THREAD 256

struct master {
	const char *config_path;
	struct config *config;          /* the running configuration */
	struct config *start_config;    /* the one the operation threads use */
	struct supervisor supervisor;
	struct op_pool *pool;
	struct dispatch dispatch;
	struct heartbeat heartbeat;
	struct cache *cache;            /* NULL when [cache] enabled = false */
	struct cache_thread *cache_thread;
	int signal_fd;
	bool tcp_activated, admin_activated; /* passed by systemd: not ours */
	bool ready_sent;                /* READY=1 sent for the current state */
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

/* Binds what the config asks for where systemd passed nothing. */
static int master_listen(struct master *m)
{
	const struct config *c = m->config;
	struct supervisor *s = &m->supervisor;
	struct activation a;
	char err[256];
	int r;

	r = activation_take(&a, err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "Refusing to start: %s", err);
	s->tcp_fd = a.grpc_fd;
	s->admin_fd = a.admin_fd;
	m->tcp_activated = a.grpc_fd >= 0;
	m->admin_activated = a.admin_fd >= 0;
	if (m->tcp_activated || m->admin_activated)
		log_info("Serving on the sockets systemd passed:%s%s",
		    m->tcp_activated ? " grpc" : "", m->admin_activated ? " admin" : "");
	if (!m->tcp_activated && c->listen[0]) {
		s->tcp_fd = listen_tcp(c->listen);
		if (s->tcp_fd < 0)
			return log_error_errno(s->tcp_fd, "Failed to listen on %s: %m", c->listen);
	}
	if (!m->admin_activated && c->admin_socket[0]) {
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
	char err[256];
	int r;

	r = notify_init();
	if (r < 0)
		log_warning_errno(r, "Cannot use NOTIFY_SOCKET: %m");
	heartbeat_init(&m->heartbeat);
	r = master_signals(m);
	if (r < 0)
		return log_error_errno(r, "Failed to set up signal handling: %m");
	r = incus_client_global_init();
	if (r < 0)
		return log_error_errno(r, "Failed to initialize the Incus client: %m");
	r = worker_user_resolve(c->worker_user, c->admin_group, &m->supervisor.worker_uid,
	    &m->supervisor.worker_gid);
	if (r < 0)
		return r;
	r = master_listen(m);
	if (r < 0)
		return r;
	r = auth_context_setup(c, m->supervisor.tcp_fd, m->supervisor.admin_fd,
	    !m->admin_activated);
	if (r < 0)
		return r;
	m->supervisor.tls_fd = -1;
	r = tls_material_refresh(c, &m->supervisor.tls_fd, err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "Cannot load the TLS material: %s", err);
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
	m->supervisor.drain_ms = c->drain_timeout * 1000;
	return supervisor_start(&m->supervisor);
}

/* Listeners for a reloaded config: the running fds, or new ones where
 * the config changed them (tcp_new, admin_new). */
struct master_listeners {
	int tcp_fd, admin_fd;
	bool tcp_new, admin_new;
};

static void master_listeners_drop(struct master_listeners *l)
{
	if (l->tcp_new && l->tcp_fd >= 0)
		close(l->tcp_fd);
	if (l->admin_new && l->admin_fd >= 0)
		close(l->admin_fd);
}

/*
 * Binds what next asks for where it differs from the running config and
 * systemd did not pass the socket. Returns 0 with *l filled, or a negative
 * errno (logged) with nothing new left open.
 */
static int master_listen_next(struct master *m, const struct config *next,
    struct master_listeners *l)
{
	const struct config *c = m->config;
	int fd;

	*l = (struct master_listeners){ m->supervisor.tcp_fd, m->supervisor.admin_fd, false, false };
	if (!m->tcp_activated && strcmp(c->listen, next->listen) != 0) {
		fd = next->listen[0] ? listen_tcp(next->listen) : -1;
		if (next->listen[0] && fd < 0)
			return log_error_errno(fd, "Reload refused: cannot listen on %s: %m", next->listen);
		l->tcp_fd = fd;
		l->tcp_new = true;
	}
	if (!m->admin_activated && strcmp(c->admin_socket, next->admin_socket) != 0) {
		fd = next->admin_socket[0] ? listen_unix(next->admin_socket) : -1;
		if (next->admin_socket[0] && fd < 0) {
			master_listeners_drop(l);
			return log_error_errno(fd, "Reload refused: cannot listen on %s: %m",
			    next->admin_socket);
		}
		l->admin_fd = fd;
		l->admin_new = true;
	}
	if (l->tcp_fd < 0 && l->admin_fd < 0) {
		master_listeners_drop(l);
		log_error("Reload refused: [server] listen and admin_socket are both empty");
		return -EINVAL;
	}
	return 0;
}

/* Makes l the listeners new workers get, closing (and unlinking) the
 * replaced ones; running workers keep their own copies. */
static void master_listeners_commit(struct master *m, const struct master_listeners *l)
{
	struct supervisor *s = &m->supervisor;

	if (l->tcp_new && s->tcp_fd >= 0)
		close(s->tcp_fd);
	if (l->admin_new && s->admin_fd >= 0) {
		close(s->admin_fd);
		(void)unlink(m->config->admin_socket);
	}
	s->tcp_fd = l->tcp_fd;
	s->admin_fd = l->admin_fd;
}

/* Checks what a reload to next needs beyond listeners. Returns 0 or a
 * negative errno (logged); changes nothing. */
static int master_reload_check(struct master *m, const struct config *next)
{
	char keys[512];

	if (!supervisor_has_room(&m->supervisor, next->workers)) {
		log_error("Reload refused: older workers still drain; send SIGHUP again later");
		return -EBUSY;
	}
	if (reload_restart_keys(m->config, next, keys, sizeof(keys)) > 0)
		log_warning("Reload: %s changed; that takes effect at the next restart", keys);
	return 0;
}

/* Starts workers with next's settings; the old ones drain. Takes next. */
static void master_reload_apply(struct master *m, struct config *next,
    const struct master_listeners *l)
{
	struct supervisor *s = &m->supervisor;

	master_listeners_commit(m, l);
	if (l->admin_new)
		(void)auth_context_admin_moved(next, l->admin_fd);
	log_setup(next->log_target, next->log_level);
	s->n_workers = next->workers;
	s->max_message_bytes = next->max_message_bytes;
	s->max_calls = next->max_calls_per_worker;
	s->drain_ms = next->drain_timeout * 1000;
	if (m->config != m->start_config)
		config_free(m->config);
	m->config = next;
	(void)supervisor_reload(s);
	log_notice("Reloaded %s: starting %u new workers; the old ones stop accepting "
	    "and get up to %u s to finish their calls", m->config_path, s->n_workers,
	    next->drain_timeout);
}

/*
 * SIGHUP: reads the configuration again. A file that does not load, or
 * listeners or TLS files that cannot be used, leave everything as it was
 * (the reason is logged); otherwise a new generation of workers replaces
 * the old one.
 */
static void master_reload(struct master *m)
{
	struct master_listeners l;
	struct config *next = NULL;
	char err[512];
	int r;

	(void)notify_reloading();
	m->ready_sent = false;
	log_notice("Received SIGHUP; reloading %s", m->config_path);
	if (supervisor_reloading(&m->supervisor)) {
		log_error("Reload refused: the previous reload is still replacing workers");
		return;
	}
	r = config_load(m->config_path, &next, err, sizeof(err));
	if (r < 0) {
		log_fields(LOG_ERR, (const char *const[]){ "CONTAINARIUM_RELOAD=refused", NULL },
		    "Reload refused, keeping the running configuration: %s", err);
		return;
	}
	r = master_reload_check(m, next);
	if (r == 0)
		r = master_listen_next(m, next, &l);
	if (r == 0 && tls_material_refresh(next, &m->supervisor.tls_fd, err, sizeof(err)) < 0) {
		log_error("Reload refused: %s", err);
		master_listeners_drop(&l);
		r = -EINVAL;
	}
	if (r < 0) {
		config_free(next);
		return;
	}
	master_reload_apply(m, next, &l);
}

/* SIGTERM: no new connections; workers drain; the loop ends when they are gone. */
static void master_begin_stop(struct master *m)
{
	if (m->stopping)
		return;
	m->stopping = true;
	(void)notify_send("STOPPING=1");
	log_notice("Stopping: workers stop accepting and get up to %u s to finish their calls",
	    m->supervisor.drain_ms / 1000);
	supervisor_stop_begin(&m->supervisor);
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
			log_notice("Received %s from pid %u",
			    strsignal((int)si.ssi_signo), si.ssi_pid);
			master_begin_stop(m);
			break;
		case SIGHUP:
			if (!m->stopping)
				master_reload(m);
			break;
		}
}

/* Sends READY=1 once every worker of the current generation serves. */
static void master_notify_ready(struct master *m)
{
	struct supervisor *s = &m->supervisor;

	if (m->ready_sent || m->stopping || supervisor_reloading(s) ||
	    supervisor_ready_count(s) < s->n_workers)
		return;
	m->ready_sent = true;
	(void)notify_send("READY=1");
	heartbeat_status(&m->heartbeat, s, &m->dispatch);
	log_info("All %u workers serve", s->n_workers);
}

/* Fills fds: signals, finished jobs, then one per worker channel. */
static nfds_t master_poll_fds(struct master *m, struct pollfd *fds, int *slots)
{
	nfds_t n = 0;

	fds[n++] = (struct pollfd){ .fd = m->signal_fd, .events = POLLIN };
	fds[n++] = (struct pollfd){ .fd = op_pool_done_fd(m->pool), .events = POLLIN };
	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++) {
		if (m->supervisor.workers[i].ipc_fd < 0)
			continue;
		slots[n] = (int)i;
		fds[n++] = (struct pollfd){ .fd = m->supervisor.workers[i].ipc_fd, .events = POLLIN };
	}
	return n;
}

/* The poll timeout: the earliest of the supervisor's and heartbeat's. */
static int master_timeout_ms(const struct master *m)
{
	int a = supervisor_next_timeout_ms(&m->supervisor);
	int b = heartbeat_timeout_ms(&m->heartbeat);

	return a < 0 || b < a ? b : a;
}

/* Runs until a stop has begun and every worker is gone. */
static int master_loop(struct master *m)
{
	struct pollfd fds[SUPERVISOR_MAX_SLOTS + 2];
	int slots[SUPERVISOR_MAX_SLOTS + 2];

	while (!m->stopping || supervisor_running(&m->supervisor) > 0) {
		nfds_t n = master_poll_fds(m, fds, slots);
		int r = poll(fds, n, master_timeout_ms(m));

		if (r < 0 && errno != EINTR)
			return log_error_errno(-errno, "poll failed: %m");
		if (fds[0].revents)
			master_handle_signals(m);
		if (fds[1].revents)
			dispatch_finished_jobs(&m->dispatch);
		for (nfds_t i = 2; i < n; i++)
			if (fds[i].revents)
				dispatch_worker_input(&m->dispatch, (unsigned)slots[i]);
		supervisor_tick(&m->supervisor);
		heartbeat_tick(&m->heartbeat, &m->supervisor, &m->dispatch);
		master_notify_ready(m);
	}
	return 0;
}

static void master_stop(struct master *m)
{
	supervisor_stop(&m->supervisor, MASTER_STOP_TIMEOUT_MS);
	op_pool_free(m->pool);
	cache_thread_stop(m->cache_thread);
	cache_free(m->cache);
	auth_context_done();
	dispatch_done(&m->dispatch);
	if (m->supervisor.tcp_fd >= 0)
		close(m->supervisor.tcp_fd);
	if (m->supervisor.admin_fd >= 0) {
		close(m->supervisor.admin_fd);
		/* A socket systemd passed is systemd's to remove. */
		if (!m->admin_activated)
			(void)unlink(m->config->admin_socket);
	}
	if (m->signal_fd >= 0)
		close(m->signal_fd);
	notify_done();
	if (m->config != m->start_config)
		config_free(m->start_config);
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
	m.config_path = path;
	m.start_config = m.config;
	log_setup(m.config->log_target, m.config->log_level);
	r = master_start(&m);
	if (r == 0) {
		log_notice("Containarium started: %u workers, listening on %s%s%s",
		    m.config->workers, m.tcp_activated ? "the grpc socket from systemd" :
		    m.config->listen[0] ? m.config->listen : "(no TCP)",
		    m.supervisor.admin_fd >= 0 ? " and " : "", m.admin_activated ?
		    "the admin socket from systemd" : m.config->admin_socket);
		r = master_loop(&m);
	}
	master_stop(&m);
	log_notice("Containarium stopped");
	config_free(m.config);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
