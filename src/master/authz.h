/*
 * authz.h - who is calling, and may they make this call.
 *
 * Runs in the master for every job before its operation, on the
 * operation thread or, for a read answered from the cache, in the loop
 * (ops_answer_in_loop()): nothing a worker claims is taken on trust.
 * Cheap enough for the loop: no Incus I/O and no password hashing. An admin-socket
 * call counts only with the connection the worker passed (job's
 * peer_verified, auth_admin.h); a TCP call is authenticated by its bearer
 * token, which the master verifies itself, or, with [tls] mode = mtls, by
 * its client certificate's CN naming a user; [auth] method = none makes
 * every TCP caller an admin (allowed only on a loopback listener).
 *
 * Roles: admin may do everything; user only reads and manages the
 * container named after them (List and GetMetrics narrowed to it);
 * viewer only reads. UserService is for admins on the admin socket only.
 */
#ifndef CONTAINARIUM_AUTHZ_H
#define CONTAINARIUM_AUTHZ_H

#include <stdbool.h>

#include "job.h"

/*
 * Authenticates job's caller and checks the role for its method; records
 * the caller in job->identity. Returns true when the operation may run,
 * possibly after narrowing job->request; otherwise fails job with
 * UNAUTHENTICATED (no, bad or expired credential), PERMISSION_DENIED (a
 * known caller without the right) or UNAVAILABLE, logs the denial's cause
 * when it is the daemon's (an unusable users file), and returns false.
 */
bool authz_admit(struct job *job);

#endif
