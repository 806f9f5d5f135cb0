/*
 * audit.h - one journal entry per answered RPC.
 *
 * Mutating calls and denials are logged at notice level, reads at debug,
 * with structured fields: CONTAINARIUM_OP, CONTAINARIUM_CALLER (the
 * identity the master established: a username, "uid=N" on the admin
 * socket, "anonymous"), CONTAINARIUM_PEER, CONTAINARIUM_TARGET
 * ("alice-container", "user alice"), CONTAINARIUM_CONTAINER (calls on a
 * container: "alice-container"), CONTAINARIUM_RESULT,
 * CONTAINARIUM_DURATION_MS, CONTAINARIUM_WORKER. Never a secret: no
 * password, token or key is in a job's messages or fields.
 */
#ifndef CONTAINARIUM_AUDIT_H
#define CONTAINARIUM_AUDIT_H

#include "job.h"

/* Logs job's outcome; job must have its status set. */
void audit_job(const struct job *job);

/* Describes who the worker says made the call, before the master has
 * verified it ("unverified uid=0", "anonymous"), into buf. */
void audit_caller(const Containarium__Ipc__Caller *caller, char *buf, size_t len);

#endif
