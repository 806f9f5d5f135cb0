/*
 * worker_sandbox.h - takes every power away from a worker before it serves.
 *
 * A worker parses what remote peers send (HTTP/2, gRPC, protobuf), so it is
 * the process an attacker reaches first. Once it holds its descriptors it
 * calls worker_sandbox_apply(), which in this order:
 *   1. sets tight resource limits (no core files, no file growth, a
 *      descriptor limit sized for the connection table, a thread cap);
 *   2. drops to the unprivileged worker user: no supplementary groups, real,
 *      effective and saved ids all changed, then checks root cannot be
 *      regained;
 *   3. makes the process non-dumpable (no ptrace or /proc/PID/mem access by
 *      the other workers, which share the user) and sets NO_NEW_PRIVS;
 *   4. loads a seccomp allow-list whose default action kills the whole
 *      process (one dead thread must not leave a half-alive worker).
 * The allow-list is what grpc 1.51 uses while serving (measured with
 * strace; docs/architecture.md, "Sandbox"): no execve, no new sockets, no
 * connect, no open for writing, no ptrace, no mount, no kill of another
 * process, clone only for threads, clone3 answered with ENOSYS so glibc
 * falls back to clone, whose flags a filter can see.
 *
 * Building with -DWORKER_SANDBOX_DEBUG makes a violation print the system
 * call number on stderr instead of killing: for development only.
 */
#ifndef CONTAINARIUM_WORKER_SANDBOX_H
#define CONTAINARIUM_WORKER_SANDBOX_H

#include <sys/types.h>

/* Threads of the worker user, all workers together (RLIMIT_NPROC). */
#define WORKER_SANDBOX_NPROC 4096

/*
 * Applies the whole sandbox to the calling process, which must run as root,
 * be single-threaded, and hold every descriptor it will ever need except
 * those it accepts. uid and gid must not be 0. Returns 0; or a negative
 * errno and sets *ret_step to a short description of the step that failed
 * (the process is then partly confined and must exit).
 */
int worker_sandbox_apply(uid_t uid, gid_t gid, const char **ret_step);

#endif
