/*
 * incus_operation.c - async requests and waiting for Incus operations; see
 * incus_operation.h.
 *
 * Incus's wait endpoint takes a timeout in whole seconds and answers with
 * the operation still "Running" when it expires (LXD 5.0 verified). We ask
 * for what is left of our deadline minus a margin for the answer, poll
 * without waiting near the end, and give up with -ETIMEDOUT at the deadline.
 */
#include "incus_operation.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "incus_error.h"
#include "incus_url.h"

#define WAIT_MARGIN_MS 500
#define WAIT_MAX_SEC 3600
#define POLL_INTERVAL_MS 100

/* Seconds to let Incus wait for: 0 asks for an immediate answer. */
static long incus_operation_wait_seconds(int64_t remaining_ms)
{
	int64_t seconds = (remaining_ms - WAIT_MARGIN_MS) / 1000;

	if (seconds < 0)
		return 0;
	return seconds > WAIT_MAX_SEC ? WAIT_MAX_SEC : (long)seconds;
}

static void incus_operation_sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Builds "<path>/wait?timeout=<seconds>". */
static int incus_operation_wait_path(const char *path, long seconds,
    char **ret)
{
	struct incus_url url = { 0 };
	char timeout[24];

	snprintf(timeout, sizeof(timeout), "%ld", seconds);
	incus_url_append(&url, path);
	incus_url_append(&url, "/wait");
	incus_url_add_query(&url, "timeout", timeout);
	return incus_url_finish(&url, ret);
}

/* One wait request; *ret gets the operation in whatever state it is. */
static int incus_operation_wait_once(struct incus_client *c, const char *path,
    long seconds, struct incus_operation *ret)
{
	struct incus_response response;
	struct incus_call call = { .method = "GET" };
	char *wait_path = NULL;
	int r;

	r = incus_operation_wait_path(path, seconds, &wait_path);
	if (r < 0)
		return incus_client_fail(c, r, "%s: cannot build URL", path);
	call.path = wait_path;
	r = incus_client_request(c, &call, &response);
	free(wait_path);
	if (r == -ENOENT) {
		incus_client_clear_error(c);
		return incus_client_fail(c, -EHOSTDOWN,
		    "Incus no longer knows operation %s (restarted?)", path);
	}
	if (r < 0)
		return r;
	r = incus_decode_operation(response.metadata, ret);
	incus_decode_response_free(&response);
	if (r < 0)
		return incus_client_fail(c, r, "%s: malformed operation", path);
	return 0;
}

int incus_operation_wait(struct incus_client *c, const char *path,
    struct incus_operation *ret)
{
	struct incus_operation op;
	int64_t remaining;
	long seconds;
	int r;

	if (incus_decode_operation_path(path) < 0)
		return incus_client_fail(c, -EPROTO,
		    "malformed operation path from Incus");
	for (;;) {
		remaining = incus_client_remaining_ms(c);
		if (remaining <= 0)
			return incus_client_fail(c, -ETIMEDOUT,
			    "operation %s still running at the deadline", path);
		seconds = incus_operation_wait_seconds(remaining);
		r = incus_operation_wait_once(c, path, seconds, &op);
		if (r < 0)
			return r;
		if (incus_decode_operation_is_final(op.status_code)) {
			*ret = op;
			return 0;
		}
		incus_decode_operation_free(&op);
		remaining = incus_client_remaining_ms(c);
		incus_operation_sleep_ms(remaining < POLL_INTERVAL_MS ?
		    (remaining > 0 ? remaining : 0) : POLL_INTERVAL_MS);
	}
}

int incus_operation_result(struct incus_client *c,
    const struct incus_operation *op)
{
	int r;

	if (op->status_code == INCUS_OPERATION_SUCCESS)
		return 0;
	r = incus_error_from_operation(op->status_code, op->err);
	if (!op->err || op->err[0] == '\0')
		return incus_client_fail(c, r, "operation %s ended with status %d",
		    op->id ? op->id : "?", op->status_code);
	return incus_client_fail_incus(c, r, op->err);
}

int incus_operation_submit(struct incus_client *c,
    const struct incus_call *call, struct incus_operation *ret)
{
	struct incus_response response;
	int r;

	r = incus_client_request(c, call, &response);
	if (r < 0)
		return r;
	if (response.type == INCUS_RESPONSE_ASYNC) {
		r = incus_operation_wait(c, response.operation, ret);
	} else {
		*ret = (struct incus_operation){
			.status_code = INCUS_OPERATION_SUCCESS,
		};
	}
	incus_decode_response_free(&response);
	return r;
}

int incus_operation_run(struct incus_client *c, const struct incus_call *call)
{
	struct incus_operation op;
	int r;

	r = incus_operation_submit(c, call, &op);
	if (r < 0)
		return r;
	r = incus_operation_result(c, &op);
	incus_decode_operation_free(&op);
	return r;
}

/* Serializes body into a call with a JSON content type. */
static int incus_operation_json_call(struct incus_client *c, const char *method,
    const char *path, json_t *body, struct incus_call *call, char **ret_text)
{
	char *text;

	text = json_dumps(body, JSON_COMPACT);
	if (!text)
		return incus_client_fail(c, -ENOMEM, "%s %s: cannot encode body",
		    method, path);
	*call = (struct incus_call){
		.method = method,
		.path = path,
		.content_type = "application/json",
		.body = text,
		.body_size = strlen(text),
	};
	*ret_text = text;
	return 0;
}

int incus_operation_submit_json(struct incus_client *c, const char *method,
    const char *path, json_t *body, struct incus_operation *ret)
{
	struct incus_call call;
	char *text = NULL;
	int r;

	r = incus_operation_json_call(c, method, path, body, &call, &text);
	if (r < 0)
		return r;
	r = incus_operation_submit(c, &call, ret);
	free(text);
	return r;
}

int incus_operation_run_json(struct incus_client *c, const char *method,
    const char *path, json_t *body)
{
	struct incus_call call;
	char *text = NULL;
	int r;

	r = incus_operation_json_call(c, method, path, body, &call, &text);
	if (r < 0)
		return r;
	r = incus_operation_run(c, &call);
	free(text);
	return r;
}
