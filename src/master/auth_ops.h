/*
 * auth_ops.h - AuthService (Login, ValidateToken) and UserService
 * (AddUser, RemoveUser, ListUsers, SetPassword) as operations: run on the
 * operation threads after authz_admit(), since hashing is slow and must
 * never run in the event loop.
 */
#ifndef CONTAINARIUM_AUTH_OPS_H
#define CONTAINARIUM_AUTH_OPS_H

#include "ops_internal.h"

/*
 * Login: checks the password or API key, throttled per user and per peer
 * address (RESOURCE_EXHAUSTED while locked out); a failure answers
 * UNAUTHENTICATED after a delay that grows with the failures, the same
 * whether or not the user exists. Success returns a token.
 */
void auth_ops_login(struct job *job, struct ops_context *ctx);

/* ValidateToken: valid and the username, or valid = false. */
void auth_ops_validate_token(struct job *job, struct ops_context *ctx);

/* Wipes a secret a request carried, once it has been used (the request's
 * memory is freed later without being cleared). */
void auth_ops_wipe(char *secret);

void auth_ops_add_user(struct job *job, struct ops_context *ctx);
void auth_ops_remove_user(struct job *job, struct ops_context *ctx);
void auth_ops_list_users(struct job *job, struct ops_context *ctx);
void auth_ops_set_password(struct job *job, struct ops_context *ctx);

#endif
