/*
 * incus_operation.h - requests that Incus answers with an operation, and
 * waiting for operations under the call's deadline.
 *
 * Private to src/incus.
 */
#ifndef CONTAINARIUM_INCUS_OPERATION_H
#define CONTAINARIUM_INCUS_OPERATION_H

#include "incus_client_internal.h"
#include "incus_decode.h"

/*
 * Waits for the operation at path ("/1.0/operations/<id>") to end, with
 * GET <path>/wait?timeout=N, N bounded by what is left of the deadline.
 * Returns 0 and the final operation in *ret (succeeded, failed or
 * cancelled: see incus_operation_result()), -ETIMEDOUT when the deadline
 * passes first, -EPROTO for a malformed path or answer, or a transport
 * errno. An operation Incus no longer knows (it restarted) is -EHOSTDOWN.
 */
int incus_operation_wait(struct incus_client *c, const char *path,
    struct incus_operation *ret);

/*
 * 0 when op succeeded; else records its err text and returns the errno it
 * means (incus_error_from_operation()).
 */
int incus_operation_result(struct incus_client *c,
    const struct incus_operation *op);

/*
 * Sends call; an async answer is waited for. Returns 0 and the final
 * operation in *ret whatever its outcome (a sync answer gives a zeroed
 * operation with status_code 200), or a negative errno.
 */
int incus_operation_submit(struct incus_client *c,
    const struct incus_call *call, struct incus_operation *ret);

/* incus_operation_submit() then incus_operation_result(). */
int incus_operation_run(struct incus_client *c, const struct incus_call *call);

/* As incus_operation_submit() with body (borrowed) sent as JSON. */
int incus_operation_submit_json(struct incus_client *c, const char *method,
    const char *path, json_t *body, struct incus_operation *ret);

/* As incus_operation_run() with body (borrowed) sent as JSON. */
int incus_operation_run_json(struct incus_client *c, const char *method,
    const char *path, json_t *body);

#endif
