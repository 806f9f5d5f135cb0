/*
 * incus_exec.c - running a command in an instance and collecting its
 * output; see incus.h.
 *
 * POST /1.0/instances/<name>/exec with "record-output": true and no
 * websockets: stdin is empty, Incus writes stdout/stderr to log files of
 * the instance and names them in the operation's metadata.output
 * {"1": path, "2": path}; metadata.return is the exit status. We fetch
 * both logs (bounded) and delete them. The command is an argv array: it is
 * never given to a shell.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "incus_client_internal.h"
#include "incus_decode.h"
#include "incus_json.h"
#include "incus_operation.h"
#include "incus_url.h"

/* Adds one "KEY=VALUE" to the environment object. */
static int incus_exec_env_entry(json_t *object, const char *entry)
{
	const char *eq = strchr(entry, '=');
	char *key;
	int r;

	if (!eq || eq == entry)
		return -EINVAL;
	key = strndup(entry, (size_t)(eq - entry));
	if (!key)
		return -ENOMEM;
	r = incus_json_set_string(object, key, eq + 1);
	free(key);
	return r;
}

/* environment ("KEY=VALUE" strings, or NULL) as a JSON object. */
static int incus_exec_environment(const char *const *environment,
    json_t **ret)
{
	json_t *object = json_object();
	int r = object ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && environment && environment[i]; i++)
		r = i < INCUS_EXEC_ARGS_MAX ?
		    incus_exec_env_entry(object, environment[i]) : -EINVAL;
	if (r < 0) {
		json_decref(object);
		return r;
	}
	*ret = object;
	return 0;
}

/* Adds the fixed fields (no websockets, no terminal, output recorded),
 * the working directory and the user. */
static int incus_exec_set_mode(json_t *body, const struct incus_exec_spec *spec)
{
	int r;

	r = incus_json_set(body, "record-output", json_true());
	if (r >= 0)
		r = incus_json_set(body, "interactive", json_false());
	if (r >= 0)
		r = incus_json_set(body, "wait-for-websocket", json_false());
	if (r >= 0 && spec->cwd)
		r = incus_json_set_string(body, "cwd", spec->cwd);
	if (r >= 0 && spec->uid)
		r = incus_json_set(body, "user", json_integer(spec->uid));
	if (r >= 0 && spec->gid)
		r = incus_json_set(body, "group", json_integer(spec->gid));
	return r;
}

/* The request body. Returns 0, -EINVAL (bad spec) or -ENOMEM. */
static int incus_exec_body(const struct incus_exec_spec *spec, json_t **ret)
{
	json_t *body, *command = NULL, *environment = NULL;
	int r;

	if (!spec->argv[0] || spec->argv[0][0] == '\0')
		return -EINVAL;
	body = json_object();
	if (!body)
		return -ENOMEM;
	r = incus_json_string_array(spec->argv, INCUS_EXEC_ARGS_MAX, &command);
	if (r >= 0)
		r = incus_json_set(body, "command", command);
	if (r >= 0)
		r = incus_exec_environment(spec->environment, &environment);
	if (r >= 0)
		r = incus_json_set(body, "environment", environment);
	if (r >= 0)
		r = incus_exec_set_mode(body, spec);
	if (r < 0) {
		json_decref(body);
		return r;
	}
	*ret = body;
	return 0;
}

/*
 * GETs one recorded log (at most max bytes, the rest cut off) into *ret,
 * then DELETEs it. A NULL path (nothing recorded) gives an empty buffer.
 */
static int incus_exec_fetch_log(struct incus_client *c, const char *name,
    const char *path, size_t max, char **ret, size_t *ret_size,
    bool *ret_truncated)
{
	struct incus_call call = { .method = "GET", .path = path,
		.response_max = max, .truncate_ok = true };
	struct incus_http_response http;
	int r;

	if (!path) {
		*ret = calloc(1, 1);
		*ret_size = 0;
		*ret_truncated = false;
		return *ret ? 0 : incus_client_fail(c, -ENOMEM, "out of memory");
	}
	if (incus_decode_exec_output_path(path, name) < 0)
		return incus_client_fail(c, -EPROTO,
		    "exec output path from Incus is not a log of %s", name);
	r = incus_client_request_raw(c, &call, &http);
	if (r < 0)
		return r;
	*ret = http.body;
	*ret_size = http.body_size;
	*ret_truncated = http.truncated;
	http.body = NULL;
	incus_http_response_free(&http);
	/* The command ran; a log left behind is not worth failing the call. */
	call = (struct incus_call){ .method = "DELETE", .path = path };
	if (incus_client_request_raw(c, &call, &http) >= 0)
		incus_http_response_free(&http);
	else
		incus_client_clear_error(c);
	return 0;
}

/* Collects exit status and both outputs of a finished exec operation. */
static int incus_exec_collect(struct incus_client *c, const char *name,
    const struct incus_exec_spec *spec, const struct incus_operation *op,
    struct incus_exec_result *ret)
{
	struct incus_exec_result result = { 0 };
	const char *out_path, *err_path;
	size_t max = spec->output_max ? spec->output_max : INCUS_EXEC_OUTPUT_MAX;
	int r;

	r = incus_decode_exec(op->metadata, &result.exit_status, &out_path,
	    &err_path);
	if (r == -ENOENT) {  /* no exit status: the command never ran */
		r = incus_operation_result(c, op);
		return r < 0 ? r :
		    incus_client_fail(c, -EPROTO, "exec without exit status");
	}
	if (r < 0)
		return incus_client_fail(c, r, "malformed exec result");
	r = incus_exec_fetch_log(c, name, out_path, max, &result.stdout_data,
	    &result.stdout_size, &result.stdout_truncated);
	if (r >= 0)
		r = incus_exec_fetch_log(c, name, err_path, max,
		    &result.stderr_data, &result.stderr_size,
		    &result.stderr_truncated);
	if (r < 0) {
		incus_exec_result_free(&result);
		return r;
	}
	*ret = result;
	return 0;
}

/* POSTs the exec request and waits for the command to end. */
static int incus_exec_submit(struct incus_client *c, const char *name,
    const struct incus_exec_spec *spec, struct incus_operation *ret)
{
	json_t *body = NULL;
	char *path = NULL;
	int r;

	r = incus_exec_body(spec, &body);
	if (r < 0)
		return incus_client_fail(c, r, "invalid exec request");
	r = incus_url_instance(name, "/exec", &path);
	if (r < 0)
		r = incus_client_fail(c, r, "cannot build URL");
	else
		r = incus_operation_submit_json(c, "POST", path, body, ret);
	free(path);
	json_decref(body);
	return r;
}

int incus_exec(struct incus_client *c, const char *name,
    const struct incus_exec_spec *spec, struct incus_exec_result *ret)
{
	struct incus_operation op;
	int r;

	incus_client_begin(c);
	r = incus_client_check_name(c, name);
	if (r < 0)
		return r;
	if (!spec || !spec->argv)
		return incus_client_fail(c, -EINVAL, "no command");
	r = incus_exec_submit(c, name, spec, &op);
	if (r < 0)
		return r;
	/* A failed operation may still carry an exit status (127: not found). */
	r = incus_exec_collect(c, name, spec, &op, ret);
	incus_decode_operation_free(&op);
	return r;
}

void incus_exec_result_free(struct incus_exec_result *result)
{
	if (!result)
		return;
	free(result->stdout_data);
	free(result->stderr_data);
	*result = (struct incus_exec_result){ 0 };
}
