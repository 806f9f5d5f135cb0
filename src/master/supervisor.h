/*
 * supervisor.h - the master's workers: spawn, watch, respawn, stop.
 *
 * A worker is this same binary run as `containarium __worker` by
 * posix_spawn with a fixed fd layout: 3 = its end of a SOCK_SEQPACKET
 * socketpair, 4 = the TCP listener, 5 = the admin socket listener (either
 * may be absent). A worker that dies is respawned; one that dies soon after
 * starting is respawned after a growing delay, so a crash loop never spins.
 */
#ifndef CONTAINARIUM_SUPERVISOR_H
#define CONTAINARIUM_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define SUPERVISOR_MAX_WORKERS 64
#define WORKER_FD_IPC 3
#define WORKER_FD_TCP 4
#define WORKER_FD_ADMIN 5

struct worker {
	pid_t pid;                  /* 0 when not running */
	int ipc_fd;                 /* master's end; -1 when not running */
	uint64_t generation;        /* changes at every spawn */
	bool ready;                 /* sent IPC_TYPE_READY */
	size_t in_flight;           /* jobs of this worker in the master */
	struct timespec started;
	unsigned quick_deaths;      /* consecutive deaths soon after start */
	struct timespec respawn_at; /* when pid is 0: not before this */
};

struct supervisor {
	struct worker workers[SUPERVISOR_MAX_WORKERS];
	unsigned n_workers;
	int tcp_fd, admin_fd;       /* listeners handed to workers, or -1 */
	size_t max_message_bytes;
	unsigned max_calls;
	uint64_t next_generation;
	bool stopping;              /* no respawns */
};

/* Spawns every worker. Returns 0 or the first negative errno. */
int supervisor_start(struct supervisor *s);

/* Reaps every exited child, logging why each ended, and schedules
 * respawns. Returns the slots whose worker ended, as a bit mask. */
uint64_t supervisor_reap(struct supervisor *s);

/* Spawns the workers whose respawn time has come. */
void supervisor_respawn_due(struct supervisor *s);

/* Milliseconds until the next scheduled respawn, or -1 for none. */
int supervisor_next_timeout_ms(const struct supervisor *s);

/* Kills the worker in slot for a protocol violation, logging why. */
void supervisor_kill(struct supervisor *s, unsigned slot, const char *why);

/* Workers that have said they are serving. */
unsigned supervisor_ready_count(const struct supervisor *s);

/* Asks every worker to stop (SIGTERM), waits up to timeout_ms, then
 * kills what is left. No respawns afterwards. */
void supervisor_stop(struct supervisor *s, int timeout_ms);

#endif
