/*
 * supervisor.c - worker processes; see supervisor.h.
 */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/ipc.h"
#include "common/log.h"

#define QUICK_DEATH_MS 5000
#define BACKOFF_MAX_MS 30000

extern char **environ;

static long timespec_diff_ms(const struct timespec *a, const struct timespec *b)
{
	return (a->tv_sec - b->tv_sec) * 1000 + (a->tv_nsec - b->tv_nsec) / 1000000;
}

static struct timespec now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

/* Adds the dup2 actions that build the worker's fd layout. */
static int supervisor_file_actions(const struct supervisor *s, int child_fd,
    posix_spawn_file_actions_t *fa)
{
	int r = posix_spawn_file_actions_adddup2(fa, child_fd, WORKER_FD_IPC);

	if (r == 0 && s->tcp_fd >= 0)
		r = posix_spawn_file_actions_adddup2(fa, s->tcp_fd, WORKER_FD_TCP);
	if (r == 0 && s->admin_fd >= 0)
		r = posix_spawn_file_actions_adddup2(fa, s->admin_fd, WORKER_FD_ADMIN);
	/* Nothing else crosses over, whatever a library left open. */
	if (r == 0)
		r = posix_spawn_file_actions_addclosefrom_np(fa, WORKER_FD_ADMIN + 1);
	return -r;
}

/*
 * Starts the worker process for slot with child_fd as its channel.
 * Returns its pid, or a negative errno.
 */
static pid_t supervisor_exec(const struct supervisor *s, unsigned slot, int child_fd)
{
	char id[16], max_bytes[32], max_calls[16];
	char *argv[] = { "containarium", "__worker", "--id", id,
		"--max-message-bytes", max_bytes, "--max-calls", max_calls, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	pid_t pid;
	int r;

	snprintf(id, sizeof(id), "%u", slot);
	snprintf(max_bytes, sizeof(max_bytes), "%zu", s->max_message_bytes);
	snprintf(max_calls, sizeof(max_calls), "%u", s->max_calls);
	/* The master blocks the signals it reads through signalfd; a worker
	 * starts with none blocked and default dispositions. */
	sigemptyset(&none);
	sigfillset(&defaults);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	r = supervisor_file_actions(s, child_fd, &fa);
	if (r == 0)
		r = -posix_spawn(&pid, "/proc/self/exe", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return r < 0 ? r : pid;
}

static int supervisor_spawn(struct supervisor *s, unsigned slot)
{
	struct worker *w = &s->workers[slot];
	int pair[2], r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return log_error_errno(-errno, "Failed to create the channel for worker %u: %m", slot);
	if ((r = ipc_socket_tune(pair[0])) < 0 || (r = ipc_socket_tune(pair[1])) < 0)
		log_warning_errno(r, "Cannot enlarge the channel buffers of worker %u: %m", slot);
	/* The loop must never block on one worker: a reply that does not fit
	 * is dropped with a warning rather than waited for. */
	if (fcntl(pair[0], F_SETFL, O_NONBLOCK) < 0)
		log_warning_errno(-errno, "Cannot make worker %u's channel non-blocking: %m", slot);
	pid = supervisor_exec(s, slot, pair[1]);
	close(pair[1]);
	if (pid < 0) {
		close(pair[0]);
		return log_error_errno(pid, "Failed to start worker %u: %m", slot);
	}
	w->pid = pid;
	w->ipc_fd = pair[0];
	w->generation = ++s->next_generation;
	w->ready = false;
	w->in_flight = 0;
	w->started = now_monotonic();
	log_debug("Started worker %u as pid %d", slot, (int)pid);
	return 0;
}

int supervisor_start(struct supervisor *s)
{
	for (unsigned i = 0; i < s->n_workers; i++) {
		s->workers[i].ipc_fd = -1;
		s->workers[i].pid = 0;
	}
	for (unsigned i = 0; i < s->n_workers; i++) {
		int r = supervisor_spawn(s, i);

		if (r < 0)
			return r;
	}
	return 0;
}

static void supervisor_describe_exit(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)%s", WTERMSIG(status),
		    strsignal(WTERMSIG(status)),
		    WTERMSIG(status) == SIGSYS ? ": a forbidden system call" : "");
	else
		snprintf(buf, len, "ended with wait status %d", status);
}

/* Clears slot after its worker ended and decides when to start another. */
static void supervisor_schedule(struct supervisor *s, unsigned slot, int status)
{
	struct worker *w = &s->workers[slot];
	struct timespec now = now_monotonic();
	char why[128];
	long delay_ms = 0;

	supervisor_describe_exit(status, why, sizeof(why));
	if (w->ipc_fd >= 0)
		close(w->ipc_fd);
	w->ipc_fd = -1;
	w->pid = 0;
	w->ready = false;
	if (timespec_diff_ms(&now, &w->started) < QUICK_DEATH_MS) {
		w->quick_deaths++;
		delay_ms = 250L << (w->quick_deaths < 8 ? w->quick_deaths : 8);
		if (delay_ms > BACKOFF_MAX_MS)
			delay_ms = BACKOFF_MAX_MS;
	} else
		w->quick_deaths = 0;
	w->respawn_at = now;
	w->respawn_at.tv_sec += delay_ms / 1000;
	w->respawn_at.tv_nsec += (delay_ms % 1000) * 1000000;
	if (w->respawn_at.tv_nsec >= 1000000000) {
		w->respawn_at.tv_sec++;
		w->respawn_at.tv_nsec -= 1000000000;
	}
	if (s->stopping)
		log_debug("Worker %u %s", slot, why);
	else
		log_fields(LOG_WARNING, (const char *const[]){ "CONTAINARIUM_WORKER_EVENT=died", NULL },
		    "Worker %u %s; respawning in %ld ms", slot, why, delay_ms);
}

uint64_t supervisor_reap(struct supervisor *s)
{
	uint64_t ended = 0;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (unsigned i = 0; i < s->n_workers; i++)
			if (s->workers[i].pid == pid) {
				supervisor_schedule(s, i, status);
				ended |= UINT64_C(1) << i;
			}
	return ended;
}

void supervisor_respawn_due(struct supervisor *s)
{
	struct timespec now = now_monotonic();

	if (s->stopping)
		return;
	for (unsigned i = 0; i < s->n_workers; i++) {
		struct worker *w = &s->workers[i];

		if (w->pid != 0 || timespec_diff_ms(&w->respawn_at, &now) > 0)
			continue;
		if (supervisor_spawn(s, i) < 0)
			supervisor_schedule(s, i, 0);
	}
}

int supervisor_next_timeout_ms(const struct supervisor *s)
{
	struct timespec now = now_monotonic();
	long best = -1;

	if (s->stopping)
		return -1;
	for (unsigned i = 0; i < s->n_workers; i++) {
		long ms;

		if (s->workers[i].pid != 0)
			continue;
		ms = timespec_diff_ms(&s->workers[i].respawn_at, &now);
		ms = ms < 0 ? 0 : ms + 1;
		if (best < 0 || ms < best)
			best = ms;
	}
	return (int)best;
}

void supervisor_kill(struct supervisor *s, unsigned slot, const char *why)
{
	struct worker *w = &s->workers[slot];

	if (w->pid == 0)
		return;
	log_fields(LOG_ERR, (const char *const[]){ "CONTAINARIUM_WORKER_EVENT=killed", NULL },
	    "Killing worker %u (pid %d): %s", slot, (int)w->pid, why);
	kill(w->pid, SIGKILL);
	if (w->ipc_fd >= 0)
		close(w->ipc_fd);
	w->ipc_fd = -1;
	w->ready = false;
}

unsigned supervisor_ready_count(const struct supervisor *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_workers; i++)
		n += s->workers[i].ready;
	return n;
}

static unsigned supervisor_running(const struct supervisor *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_workers; i++)
		n += s->workers[i].pid != 0;
	return n;
}

void supervisor_stop(struct supervisor *s, int timeout_ms)
{
	struct timespec start = now_monotonic(), now;

	s->stopping = true;
	for (unsigned i = 0; i < s->n_workers; i++)
		if (s->workers[i].pid != 0)
			kill(s->workers[i].pid, SIGTERM);
	do {
		supervisor_reap(s);
		if (supervisor_running(s) == 0)
			return;
		usleep(20000);
		now = now_monotonic();
	} while (timespec_diff_ms(&now, &start) < timeout_ms);
	for (unsigned i = 0; i < s->n_workers; i++) {
		int status;

		if (s->workers[i].pid == 0)
			continue;
		log_warning("Worker %u did not stop in %d ms; killing it", i, timeout_ms);
		kill(s->workers[i].pid, SIGKILL);
		if (waitpid(s->workers[i].pid, &status, 0) > 0)
			supervisor_schedule(s, i, status);
	}
}
