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
#include "common/clock.h"
#include "common/log.h"
#include "containarium/ipc/ipc.pb-c.h"

#define QUICK_DEATH_MS 5000
#define BACKOFF_MAX_MS 30000
/* A reload retires the old generation by then even if the new one is not
 * all ready. */
#define SUPERVISOR_RETIRE_WAIT_MS 30000
/* Past drain_ms, a stopping worker fails what is left, cancels its calls
 * (1 s) and exits; this is how long the master waits for that. */
#define SUPERVISOR_DRAIN_GRACE_MS 3000
/* A starting worker may take this long (beyond a ping period) to be ready. */
#define SUPERVISOR_START_GRACE_MS 10000

extern char **environ;

/* Puts fd at number target in the child, or closes target there when fd
 * is -1: whatever the master holds at that number (a library's socket
 * without CLOEXEC) must not pass for a listener. */
static int supervisor_place_fd(posix_spawn_file_actions_t *fa, int fd, int target)
{
	return fd >= 0 ? posix_spawn_file_actions_adddup2(fa, fd, target) :
	    posix_spawn_file_actions_addclose(fa, target);
}

/* Adds the dup2 actions that build the worker's fd layout. */
static int supervisor_file_actions(const struct supervisor *s, int child_fd,
    posix_spawn_file_actions_t *fa)
{
	int r = posix_spawn_file_actions_adddup2(fa, child_fd, WORKER_FD_IPC);

	if (r == 0)
		r = supervisor_place_fd(fa, s->tcp_fd, WORKER_FD_TCP);
	if (r == 0)
		r = supervisor_place_fd(fa, s->admin_fd, WORKER_FD_ADMIN);
	if (r == 0)
		r = supervisor_place_fd(fa, s->tls_fd, WORKER_FD_TLS);
	/* Nothing else crosses over, whatever a library left open. */
	if (r == 0)
		r = posix_spawn_file_actions_addclosefrom_np(fa, WORKER_FD_TLS + 1);
	return -r;
}

/*
 * Starts the worker process for slot with child_fd as its channel.
 * Returns its pid, or a negative errno.
 */
static pid_t supervisor_exec(const struct supervisor *s, unsigned slot, int child_fd)
{
	char id[16], max_bytes[32], max_calls[16], drain_ms[16], uid[16], gid[16];
	char *argv[] = { "containarium", "__worker", "--id", id,
		"--max-message-bytes", max_bytes, "--max-calls", max_calls,
		"--uid", uid, "--gid", gid, "--drain-ms", drain_ms, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	pid_t pid;
	int r;

	snprintf(id, sizeof(id), "%u", slot);
	snprintf(max_bytes, sizeof(max_bytes), "%zu", s->max_message_bytes);
	snprintf(max_calls, sizeof(max_calls), "%u", s->max_calls);
	snprintf(drain_ms, sizeof(drain_ms), "%u", s->drain_ms);
	snprintf(uid, sizeof(uid), "%u", (unsigned)s->worker_uid);
	snprintf(gid, sizeof(gid), "%u", (unsigned)s->worker_gid);
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

/* Starts the worker process of slot, whose state the caller has set.
 * Returns 0 or a negative errno (logged). */
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
	w->started = clock_now();
	w->ping_sequence = w->pong_sequence = 0;
	w->connections = 0;
	log_debug("Started worker %u as pid %d", slot, (int)pid);
	return 0;
}

/* Marks slot ACTIVE and starts it; a failed start is retried later. */
static void supervisor_activate(struct supervisor *s, unsigned slot)
{
	struct worker *w = &s->workers[slot];

	w->state = WORKER_ACTIVE;
	w->quick_deaths = 0;
	if (supervisor_spawn(s, slot) < 0) {
		w->quick_deaths = 1;
		w->respawn_at = clock_after_ms(clock_now(), 1000);
	}
}

int supervisor_start(struct supervisor *s)
{
	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++)
		s->workers[i] = (struct worker){ .state = WORKER_FREE, .ipc_fd = -1 };
	for (unsigned i = 0; i < s->n_workers; i++) {
		int r;

		s->workers[i].state = WORKER_ACTIVE;
		r = supervisor_spawn(s, i);
		if (r < 0)
			return r;
	}
	return 0;
}

bool supervisor_reloading(const struct supervisor *s)
{
	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++)
		if (s->workers[i].state == WORKER_RETIRING)
			return true;
	return false;
}

bool supervisor_has_room(const struct supervisor *s, unsigned n)
{
	unsigned free_slots = 0;

	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++)
		free_slots += s->workers[i].state == WORKER_FREE ||
		    (s->workers[i].state == WORKER_ACTIVE && s->workers[i].pid == 0);
	return free_slots >= n;
}

int supervisor_reload(struct supervisor *s)
{
	unsigned started = 0;

	if (supervisor_reloading(s) || !supervisor_has_room(s, s->n_workers))
		return -EBUSY;
	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++)
		if (s->workers[i].state == WORKER_ACTIVE)
			s->workers[i].state = s->workers[i].pid ? WORKER_RETIRING : WORKER_FREE;
	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS && started < s->n_workers; i++)
		if (s->workers[i].state == WORKER_FREE) {
			supervisor_activate(s, i);
			started++;
		}
	s->retire_deadline = clock_after_ms(clock_now(), SUPERVISOR_RETIRE_WAIT_MS);
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

/* Returns the delay after the n-th quick death in a row: 0.5, 1, 2 ... 30 s. */
static long supervisor_delay_ms(unsigned quick_deaths)
{
	long delay_ms = 250L << (quick_deaths < 8 ? quick_deaths : 8);

	return delay_ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay_ms;
}

/* A spawn that failed (already logged) is retried after a growing delay,
 * like a worker that died at start-up. */
static void supervisor_retry_later(struct worker *w, const struct timespec *now)
{
	w->quick_deaths++;
	w->respawn_at = clock_after_ms(*now, supervisor_delay_ms(w->quick_deaths));
}

/* Returns the respawn delay after a death of w, counting quick deaths. */
static long supervisor_backoff_ms(struct worker *w, const struct timespec *now)
{
	if (clock_diff_ms(now, &w->started) >= QUICK_DEATH_MS) {
		w->quick_deaths = 0;
		return 0;
	}
	w->quick_deaths++;
	return supervisor_delay_ms(w->quick_deaths);
}

/*
 * Clears slot after its worker ended. An ACTIVE worker is scheduled for a
 * respawn (after a growing delay if it died soon after starting); any
 * other slot is freed.
 */
static void supervisor_schedule(struct supervisor *s, unsigned slot, int status)
{
	struct worker *w = &s->workers[slot];
	struct timespec now = clock_now();
	char why[128], field[40], pid_field[48];
	const pid_t pid = w->pid;
	long delay_ms;

	supervisor_describe_exit(status, why, sizeof(why));
	snprintf(pid_field, sizeof(pid_field), "CONTAINARIUM_WORKER_PID=%d", (int)pid);
	if (w->ipc_fd >= 0)
		close(w->ipc_fd);
	w->ipc_fd = -1;
	w->pid = 0;
	w->ready = false;
	snprintf(field, sizeof(field), "CONTAINARIUM_WORKER=%u", slot);
	if (w->state != WORKER_ACTIVE || s->stopping) {
		log_fields(status == 0 ? LOG_INFO : LOG_WARNING,
		    (const char *const[]){ "CONTAINARIUM_WORKER_EVENT=exited", field, NULL },
		    "Worker %u %s after it was told to stop", slot, why);
		w->state = WORKER_FREE;
		return;
	}
	delay_ms = supervisor_backoff_ms(w, &now);
	w->respawn_at = clock_after_ms(now, delay_ms);
	log_fields(LOG_WARNING,
	    (const char *const[]){ "CONTAINARIUM_WORKER_EVENT=died", field, pid_field, NULL },
	    "Worker %u (pid %d) %s; respawning in %ld ms%s", slot, (int)pid, why, delay_ms,
	    w->quick_deaths > 1 ? " (it keeps dying at start-up)" : "");
}

void supervisor_reap(struct supervisor *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++)
			if (s->workers[i].pid == pid)
				supervisor_schedule(s, i, status);
}

/* Sends SIGTERM to the worker in slot and gives it drain_ms and a grace. */
static void supervisor_drain(struct supervisor *s, unsigned slot, const struct timespec *now)
{
	struct worker *w = &s->workers[slot];

	if (w->pid == 0) {
		w->state = WORKER_FREE;
		return;
	}
	kill(w->pid, SIGTERM);
	w->state = WORKER_DRAINING;
	w->kill_at = clock_after_ms(*now, (long)s->drain_ms + SUPERVISOR_DRAIN_GRACE_MS);
}

/* Drains the RETIRING generation once the new one serves (or waited too long). */
static void supervisor_retire_due(struct supervisor *s, const struct timespec *now)
{
	bool late = clock_diff_ms(now, &s->retire_deadline) >= 0;

	if (!supervisor_reloading(s) ||
	    (supervisor_ready_count(s) < s->n_workers && !late))
		return;
	if (late && supervisor_ready_count(s) < s->n_workers)
		log_warning("Only %u of %u new workers serve after %d s; retiring the old ones anyway",
		    supervisor_ready_count(s), s->n_workers, SUPERVISOR_RETIRE_WAIT_MS / 1000);
	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++)
		if (s->workers[i].state == WORKER_RETIRING) {
			log_info("Worker %u (pid %d) is replaced; draining it", i, (int)s->workers[i].pid);
			supervisor_drain(s, i, now);
		}
}

void supervisor_tick(struct supervisor *s)
{
	struct timespec now = clock_now();

	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++) {
		struct worker *w = &s->workers[i];

		if (w->state == WORKER_ACTIVE && w->pid == 0 && !s->stopping &&
		    clock_diff_ms(&w->respawn_at, &now) <= 0 && supervisor_spawn(s, i) < 0)
			supervisor_retry_later(w, &now);
		if (w->state == WORKER_DRAINING && w->pid != 0 &&
		    clock_diff_ms(&w->kill_at, &now) <= 0) {
			log_warning("Worker %u (pid %d) did not stop in %u ms; killing it",
			    i, (int)w->pid, s->drain_ms + SUPERVISOR_DRAIN_GRACE_MS);
			kill(w->pid, SIGKILL);
			w->kill_at = clock_after_ms(now, 3600L * 1000);
		}
	}
	supervisor_retire_due(s, &now);
}

/* Folds the time until t (ms, at least 0) into *best. */
static void supervisor_earliest(const struct timespec *t, const struct timespec *now, long *best)
{
	long ms = clock_diff_ms(t, now);

	ms = ms < 0 ? 0 : ms + 1;
	if (*best < 0 || ms < *best)
		*best = ms;
}

int supervisor_next_timeout_ms(const struct supervisor *s)
{
	struct timespec now = clock_now();
	long best = -1;

	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++) {
		const struct worker *w = &s->workers[i];

		if (w->state == WORKER_ACTIVE && w->pid == 0 && !s->stopping)
			supervisor_earliest(&w->respawn_at, &now, &best);
		if (w->state == WORKER_DRAINING && w->pid != 0)
			supervisor_earliest(&w->kill_at, &now, &best);
	}
	if (supervisor_reloading(s))
		supervisor_earliest(&s->retire_deadline, &now, &best);
	return (int)best;
}

void supervisor_kill(struct supervisor *s, unsigned slot, const char *why)
{
	struct worker *w = &s->workers[slot];
	char field[40];

	if (w->pid == 0)
		return;
	snprintf(field, sizeof(field), "CONTAINARIUM_WORKER=%u", slot);
	log_fields(LOG_ERR, (const char *const[]){ "CONTAINARIUM_WORKER_EVENT=killed", field, NULL },
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

	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++)
		n += s->workers[i].state == WORKER_ACTIVE && s->workers[i].ready;
	return n;
}

unsigned supervisor_running(const struct supervisor *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++)
		n += s->workers[i].pid != 0;
	return n;
}

unsigned supervisor_connections(const struct supervisor *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++)
		if (s->workers[i].pid != 0)
			n += s->workers[i].connections;
	return n;
}

void supervisor_ping(struct supervisor *s, uint64_t sequence)
{
	Containarium__Ipc__Ping ping = CONTAINARIUM__IPC__PING__INIT;
	uint8_t buf[16];
	size_t len;

	ping.sequence = sequence;
	len = containarium__ipc__ping__pack(&ping, buf);
	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++) {
		struct worker *w = &s->workers[i];
		int r;

		if (w->pid == 0 || !w->ready || w->ipc_fd < 0)
			continue;
		r = ipc_send(w->ipc_fd, IPC_TYPE_PING, 0, buf, len);
		if (r < 0)
			log_debug("Cannot ping worker %u: %s", i, strerror(-r));
		else
			w->ping_sequence = sequence;
	}
}

bool supervisor_healthy(const struct supervisor *s, long max_silence_ms)
{
	struct timespec now = clock_now();
	unsigned active = 0;

	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++) {
		const struct worker *w = &s->workers[i];

		if (w->pid == 0 || (w->state != WORKER_ACTIVE && w->state != WORKER_RETIRING))
			continue;
		active += w->state == WORKER_ACTIVE;
		if (w->ready && clock_diff_ms(&now, &w->pong_at) > max_silence_ms)
			return false;
		if (!w->ready && clock_diff_ms(&now, &w->started) >
		    max_silence_ms + SUPERVISOR_START_GRACE_MS)
			return false;
	}
	/* While stopping, draining workers are bounded by their kill time. */
	return active > 0 || s->stopping;
}

void supervisor_stop_begin(struct supervisor *s)
{
	struct timespec now = clock_now();

	s->stopping = true;
	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++)
		if (s->workers[i].state != WORKER_FREE && s->workers[i].state != WORKER_DRAINING)
			supervisor_drain(s, i, &now);
}

void supervisor_stop(struct supervisor *s, int timeout_ms)
{
	struct timespec start = clock_now(), now;

	if (!s->stopping)
		supervisor_stop_begin(s);
	do {
		supervisor_reap(s);
		if (supervisor_running(s) == 0)
			return;
		usleep(20000);
		now = clock_now();
	} while (clock_diff_ms(&now, &start) < timeout_ms);
	for (unsigned i = 0; i < SUPERVISOR_MAX_SLOTS; i++) {
		int status;

		if (s->workers[i].pid == 0)
			continue;
		log_warning("Worker %u did not stop in %d ms; killing it", i, timeout_ms);
		kill(s->workers[i].pid, SIGKILL);
		if (waitpid(s->workers[i].pid, &status, 0) > 0)
			supervisor_schedule(s, i, status);
	}
}
