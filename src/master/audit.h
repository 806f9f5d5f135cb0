/*
 * audit.h - one journal entry per answered RPC.
 *
 * Mutating calls and denials are logged at notice level, reads at debug,
 * with structured fields: CONTAINARIUM_OP, CONTAINARIUM_CALLER,
 * CONTAINARIUM_PEER, CONTAINARIUM_CONTAINER, CONTAINARIUM_RESULT,
 * CONTAINARIUM_DURATION_MS, CONTAINARIUM_WORKER. Never a secret.
 */
#ifndef CONTAINARIUM_AUDIT_H
#define CONTAINARIUM_AUDIT_H

#include "job.h"

/* Logs job's outcome; job must have its status set. */
void audit_job(const struct job *job);

/* Describes who made the call ("uid=0", "anonymous") into buf. */
void audit_caller(const Containarium__Ipc__Caller *caller, char *buf, size_t len);

#endif
