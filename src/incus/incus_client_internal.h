/*
 * incus_client_internal.h - what the files of src/incus share about a
 * client: starting a call under a deadline, recording the error message,
 * and sending one request through the client's connection.
 *
 * Private to src/incus.
 */
#ifndef CONTAINARIUM_INCUS_CLIENT_INTERNAL_H
#define CONTAINARIUM_INCUS_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incus.h"
#include "incus_decode.h"
#include "incus_http.h"

#define INCUS_RESPONSE_MAX (4u * 1024u * 1024u)   /* JSON body, default */
#define INCUS_LIST_RESPONSE_MAX (64u * 1024u * 1024u)
#define INCUS_NAME_MAX 255u

/* One request, as the files of src/incus describe it. */
struct incus_call {
	const char *method;          /* "GET", "POST", ... */
	const char *path;            /* percent-encoded path and query; the
	                                client adds project=<p> */
	const char *content_type;    /* NULL: no body */
	const void *body;
	size_t body_size;
	const char *const *headers;  /* extra "Name: value", NULL-terminated */
	size_t response_max;         /* 0: INCUS_RESPONSE_MAX */
	bool truncate_ok;            /* raw only: keep a prefix of a big body */
	long timeout_ms;             /* 0: what is left of the deadline */
};

/* Starts a public call: clears the error message and sets the deadline. */
void incus_client_begin(struct incus_client *c);

/* Milliseconds left before the call's deadline (<= 0: expired). */
int64_t incus_client_remaining_ms(const struct incus_client *c);

/*
 * Records a message of our own (unless one is already recorded for this
 * call) and returns err, which is negative.
 */
int incus_client_fail(struct incus_client *c, int err, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Forgets the message of a failure the caller chose to ignore. */
void incus_client_clear_error(struct incus_client *c);

/* Records Incus's own error text (replacing ours) and returns err. */
int incus_client_fail_incus(struct incus_client *c, int err,
    const char *text);

/*
 * Sends call and decodes the JSON envelope of the response into *ret
 * (type sync or async). An HTTP error, an error envelope, a transport
 * failure or a malformed body gives a negative errno with the message
 * recorded.
 */
int incus_client_request(struct incus_client *c, const struct incus_call *call,
    struct incus_response *ret);

/*
 * Sends call and hands a 2xx response over raw (body and X-Incus-/X-LXD-
 * headers). Error statuses are decoded as for incus_client_request().
 */
int incus_client_request_raw(struct incus_client *c,
    const struct incus_call *call, struct incus_http_response *ret);

/*
 * Checks a caller's instance (or pool) name: 1..INCUS_NAME_MAX bytes.
 * Returns 0 or -EINVAL with the message recorded.
 */
int incus_client_check_name(struct incus_client *c, const char *name);

/*
 * The server kind, asking GET /1.0 the first time (without starting a new
 * call: the caller's deadline applies).
 */
int incus_client_kind(struct incus_client *c, enum incus_server_kind *ret);

#endif
