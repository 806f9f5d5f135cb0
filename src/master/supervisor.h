/*
 * supervisor.h - the master's workers: spawn, watch, respawn, stop.
 *
 * A worker is this same binary run as `containarium __worker` by
 * posix_spawn with a fixed fd layout: 3 = its end of a SOCK_SEQPACKET
 * socketpair, 4 = the TCP listener, 5 = the admin socket listener (either
 * may be absent), 6 = the TLS material when TLS is on; its --id is its slot. A worker that dies is respawned; one that dies soon after
 * starting is respawned after a growing delay, so a crash loop never spins.
 *
 * Workers live in slots; a job remembers its worker's slot and generation,
 * so a reply reaches the worker that asked or no one. A reload starts a
 * new generation in free slots next to the old one, which keeps its slots
 * (and gets its replies) until it has drained and exited.
 */
#ifndef CONTAINARIUM_SUPERVISOR_H
#define CONTAINARIUM_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define SUPERVISOR_MAX_WORKERS 64
/* Room for a generation being retired next to its replacement. */
#define SUPERVISOR_MAX_SLOTS (2 * SUPERVISOR_MAX_WORKERS)
#define WORKER_FD_IPC 3
#define WORKER_FD_TCP 4
#define WORKER_FD_ADMIN 5
#define WORKER_FD_TLS 6     /* sealed memfd of TLS material (tls_material.h) */

enum worker_state {
	WORKER_FREE,        /* slot unused */
	WORKER_ACTIVE,      /* current generation: respawned when it dies */
	WORKER_RETIRING,    /* old generation, serving until the new one is ready */
	WORKER_DRAINING,    /* told to stop (SIGTERM); its slot frees when it exits */
};

struct worker {
	enum worker_state state;
	pid_t pid;                  /* 0 when not running */
	int ipc_fd;                 /* master's end; -1 when not running */
	uint64_t generation;        /* changes at every spawn */
	bool ready;                 /* sent IPC_TYPE_READY */
	size_t in_flight;           /* jobs of this worker in the master */
	struct timespec started;
	unsigned quick_deaths;      /* consecutive deaths soon after start */
	struct timespec respawn_at; /* when pid is 0: not before this */
	struct timespec kill_at;    /* DRAINING: SIGKILL if still running then */
	uint64_t ping_sequence;     /* last Ping sent */
	uint64_t pong_sequence;     /* last Pong received */
	struct timespec pong_at;    /* when it came (or when ready) */
	unsigned connections;       /* open client connections, from its last Pong */
};

struct supervisor {
	struct worker workers[SUPERVISOR_MAX_SLOTS];
	unsigned n_workers;         /* workers per generation */
	int tcp_fd, admin_fd;       /* listeners handed to new workers, or -1 */
	int tls_fd;                 /* TLS material for new workers, or -1 */
	size_t max_message_bytes;
	unsigned max_calls;
	unsigned drain_ms;          /* a stopping worker's time for its calls */
	uid_t worker_uid;           /* workers drop to these (never 0) */
	gid_t worker_gid;
	uint64_t next_generation;
	struct timespec retire_deadline; /* retire the old generation by then */
	bool stopping;              /* no respawns */
};

/* Spawns every worker of the first generation. Returns 0 or the first
 * negative errno. */
int supervisor_start(struct supervisor *s);

/*
 * Starts a new generation of n_workers with the current settings; the
 * running ones become RETIRING and keep serving until every new worker is
 * ready (or a deadline passes), then drain. Returns 0, or -EBUSY while a
 * previous generation still occupies the slots needed (nothing changed).
 */
int supervisor_reload(struct supervisor *s);

/* True when n more workers fit next to those that have not exited. */
bool supervisor_has_room(const struct supervisor *s, unsigned n);

/* True while a generation waits to be retired. */
bool supervisor_reloading(const struct supervisor *s);

/* Reaps every exited child, logging why each ended, and schedules
 * respawns of ACTIVE workers; other slots are freed. */
void supervisor_reap(struct supervisor *s);

/* The timed work: respawns that are due, retiring the old generation once
 * the new one serves, SIGKILL of workers past their drain time. */
void supervisor_tick(struct supervisor *s);

/* Milliseconds until supervisor_tick has work, or -1 for none. */
int supervisor_next_timeout_ms(const struct supervisor *s);

/* Kills the worker in slot for a protocol violation, logging why. */
void supervisor_kill(struct supervisor *s, unsigned slot, const char *why);

/* ACTIVE workers that have said they are serving. */
unsigned supervisor_ready_count(const struct supervisor *s);

/* Worker processes still running, of any generation. */
unsigned supervisor_running(const struct supervisor *s);

/* Sum of the open connections the running workers last reported. */
unsigned supervisor_connections(const struct supervisor *s);

/* Sends Ping sequence to every ready worker; a send failure is logged. */
void supervisor_ping(struct supervisor *s, uint64_t sequence);

/*
 * True when every running ready worker answered a Ping in the last
 * max_silence_ms and no worker that is starting has taken longer than
 * max_silence_ms plus start-up grace to be ready, and at least one worker
 * of the current generation runs (or the daemon is stopping).
 */
bool supervisor_healthy(const struct supervisor *s, long max_silence_ms);

/* Begins a stop: no more respawns; every worker gets SIGTERM and
 * drain_ms (plus a grace) before SIGKILL. Returns at once. */
void supervisor_stop_begin(struct supervisor *s);

/* Ends a stop: kills what still runs after timeout_ms and reaps it. */
void supervisor_stop(struct supervisor *s, int timeout_ms);

#endif
