/*
 * cli_listall.c - list-all over many servers in parallel; see
 * cli_listall.h.
 *
 * Threads, not one completion queue: cli_rpc_call() is a blocking call
 * that owns its channel and queue, and a thread per server reuses it
 * unchanged. grpc is held initialised by the main thread around them
 * (cli_rpc_hold), so no thread's shutdown tears it down for another.
 */
#include "cli_listall.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/status.h>

#include "cli.h"
#include "cli_commands.h"
#include "cli_endpoint.h"
#include "cli_file.h"
#include "cli_output.h"
#include "cli_rpc.h"
#include "common/validate.h"

/* One server: its address, its endpoint, and the outcome. */
struct cli_listall_server {
	char given[CLI_SERVER_MAX + 1];
	char target[CLI_SERVER_MAX + sizeof(":" CLI_DEFAULT_PORT)];
	struct cli_endpoint endpoint;
	const ProtobufCMessage *request;
	pthread_t thread;
	bool started;
	int code;                               /* grpc status */
	struct cli_rpc_status status;
	ProtobufCMessage *reply;
};

struct cli_listall {
	struct cli_listall_server servers[CLI_LISTALL_SERVERS_MAX];
	size_t n;
	struct cli_tls tls;
};

/* Writes a formatted reason into err; returns code. */
__attribute__((format(printf, 4, 5)))
static int cli_listall_fail(int code, char *err, size_t errlen, const char *format, ...)
{
	va_list ap;

	if (errlen == 0)
		return code;
	va_start(ap, format);
	(void)vsnprintf(err, errlen, format, ap);
	va_end(ap);
	return code;
}

/*
 * Adds the server named by [word, word+len) (blanks around it trimmed,
 * empty skipped). Returns 0 or -EINVAL with a reason in err.
 */
static int cli_listall_add(struct cli_listall *all, const char *word, size_t len,
    char *err, size_t errlen)
{
	struct cli_listall_server *s;
	char echo[VALIDATE_ECHO_SIZE];

	while (len > 0 && (word[0] == ' ' || word[0] == '\t' || word[0] == '\r'))
		word++, len--;
	while (len > 0 && (word[len - 1] == ' ' || word[len - 1] == '\t' || word[len - 1] == '\r'))
		len--;
	if (len == 0 || word[0] == '#')
		return 0;
	if (all->n >= CLI_LISTALL_SERVERS_MAX)
		return cli_listall_fail(-EINVAL, err, errlen, "more than %d servers",
		    CLI_LISTALL_SERVERS_MAX);
	s = &all->servers[all->n];
	if (len > CLI_SERVER_MAX)
		len = CLI_SERVER_MAX;
	memcpy(s->given, word, len);
	s->given[len] = '\0';
	if (cli_args_server_target(s->given, s->target, sizeof(s->target)) < 0)
		return cli_listall_fail(-EINVAL, err, errlen, "%s is not a server address",
		    validate_echo(echo, s->given));
	all->n++;
	return 0;
}

/* Adds every server of text, separated by sep. Returns 0 or -EINVAL. */
static int cli_listall_split(struct cli_listall *all, const char *text, char sep,
    char *err, size_t errlen)
{
	while (*text) {
		const char *end = strchr(text, sep);
		size_t len = end ? (size_t)(end - text) : strlen(text);

		if (cli_listall_add(all, text, len, err, errlen) < 0)
			return -EINVAL;
		text += len + (end ? 1 : 0);
	}
	return 0;
}

/* Fills all->servers from --servers or --servers-file. 0 or -errno with err. */
static int cli_listall_servers(const struct cli_args *args, struct cli_listall *all,
    char *err, size_t errlen)
{
	char *text;
	int r;

	if (args->servers)
		r = cli_listall_split(all, args->servers, ',', err, errlen);
	else {
		r = cli_file_read(args->servers_file, CLI_LISTALL_FILE_MAX, &text, NULL);
		if (r < 0)
			return cli_listall_fail(r, err, errlen, "--servers-file %.200s: %s",
			    args->servers_file, r == -EFBIG ? "too large" : strerror(-r));
		r = cli_listall_split(all, text, '\n', err, errlen);
		free(text);
	}
	if (r == 0 && all->n == 0)
		return cli_listall_fail(-EINVAL, err, errlen, "no server given");
	return r;
}

/* Thread body: one ListContainers call. */
static void *cli_listall_thread(void *data)
{
	struct cli_listall_server *s = data;

	s->code = cli_rpc_call(&s->endpoint.rpc, method_lookup(METHOD_LIST_CONTAINERS),
	    s->request, &s->reply, &s->status);
	return NULL;
}

/*
 * Opens every server's endpoint. Returns CLI_EXIT_OK, or prints the
 * error (a usage error for the plaintext rule) and returns its code.
 */
static int cli_listall_open(const struct cli_args *args, struct cli_listall *all,
    const ProtobufCMessage *request)
{
	unsigned timeout = cli_commands_deadline(args);
	char err[512];

	for (size_t i = 0; i < all->n; i++) {
		struct cli_listall_server *s = &all->servers[i];
		int r = cli_endpoint_open(args, s->target, &all->tls, timeout, true, &s->endpoint,
		    err, sizeof(err));

		if (r == -EPERM) {
			cli_output_usage_error(stderr, args->command_name, err);
			return CLI_EXIT_USAGE;
		}
		if (r < 0) {
			cli_output_error(stderr, args->command_name, err, NULL, NULL);
			return CLI_EXIT_FAILURE;
		}
		s->request = request;
	}
	return CLI_EXIT_OK;
}

/* Starts a thread per server, then joins them all. */
static void cli_listall_ask(struct cli_listall *all)
{
	for (size_t i = 0; i < all->n; i++) {
		struct cli_listall_server *s = &all->servers[i];

		s->started = pthread_create(&s->thread, NULL, cli_listall_thread, s) == 0;
		if (!s->started)        /* no thread: ask from here */
			(void)cli_listall_thread(s);
	}
	for (size_t i = 0; i < all->n; i++)
		if (all->servers[i].started)
			(void)pthread_join(all->servers[i].thread, NULL);
}

/*
 * Prints the merged rows and one stderr line per server that did not
 * answer. Returns the exit code.
 */
static int cli_listall_report(const struct cli_args *args, struct cli_listall *all)
{
	struct cli_output_server rows[CLI_LISTALL_SERVERS_MAX];
	size_t failed = 0, first_failed = 0;
	char what[CLI_SERVER_MAX + 64];
	int r;

	for (size_t i = 0; i < all->n; i++) {
		struct cli_listall_server *s = &all->servers[i];
		bool ok = s->code == GRPC_STATUS_OK;

		rows[i] = (struct cli_output_server){
			.server = s->given,
			.status = ok ? NULL : cli_rpc_status_name(s->code),
			.message = ok ? NULL : s->status.message,
			.reply = ok ? (const void *)s->reply : NULL,
		};
		if (ok)
			continue;
		if (failed++ == 0)
			first_failed = i;
		(void)snprintf(what, sizeof(what), "ListContainers at %s", s->target);
		cli_output_error(stderr, args->command_name, what, rows[i].status, rows[i].message);
	}
	r = args->output == CLI_OUTPUT_JSON ? cli_output_listall_json(stdout, rows, all->n)
	    : cli_output_listall_table(stdout, rows, all->n);
	if (cli_commands_done(args, r, NULL) != CLI_EXIT_OK)
		return CLI_EXIT_FAILURE;
	if (failed == 0)
		return CLI_EXIT_OK;
	if (failed < all->n)
		return CLI_EXIT_PARTIAL;
	return cli_exit_from_status(all->servers[first_failed].code);
}

/* Releases what all holds. */
static void cli_listall_free(struct cli_listall *all)
{
	for (size_t i = 0; i < all->n; i++) {
		cli_endpoint_close(&all->servers[i].endpoint);
		cli_rpc_status_clear(&all->servers[i].status);
		if (all->servers[i].reply)
			protobuf_c_message_free_unpacked(all->servers[i].reply, NULL);
	}
	cli_endpoint_tls_free(&all->tls);
	free(all);
}

/* Builds the filter request of args into request and its label entries. */
static void cli_listall_request(const struct cli_args *args,
    Containarium__V1__ListContainersRequest *request,
    Containarium__V1__ListContainersRequest__LabelFilterEntry *entries,
    Containarium__V1__ListContainersRequest__LabelFilterEntry **entry_list)
{
	request->state = (Containarium__V1__ContainerState)args->state;
	request->username = (char *)(args->user_filter ? args->user_filter : "");
	for (size_t i = 0; i < args->n_labels; i++) {
		containarium__v1__list_containers_request__label_filter_entry__init(&entries[i]);
		entries[i].key = (char *)args->labels[i].key;
		entries[i].value = (char *)args->labels[i].value;
		entry_list[i] = &entries[i];
	}
	request->label_filter = entry_list;
	request->n_label_filter = args->n_labels;
}

int cli_listall_run(const struct cli_args *args)
{
	Containarium__V1__ListContainersRequest request = CONTAINARIUM__V1__LIST_CONTAINERS_REQUEST__INIT;
	Containarium__V1__ListContainersRequest__LabelFilterEntry entries[VALIDATE_LABELS_MAX];
	Containarium__V1__ListContainersRequest__LabelFilterEntry *entry_list[VALIDATE_LABELS_MAX];
	struct cli_listall *all = calloc(1, sizeof(*all));
	char err[512];
	int code;

	if (!all)
		return CLI_EXIT_FAILURE;
	if (cli_listall_servers(args, all, err, sizeof(err)) < 0 ||
	    cli_endpoint_tls_load(args, &all->tls, err, sizeof(err)) < 0) {
		cli_output_usage_error(stderr, args->command_name, err);
		cli_listall_free(all);
		return CLI_EXIT_USAGE;
	}
	cli_listall_request(args, &request, entries, entry_list);
	code = cli_listall_open(args, all, &request.base);
	if (code == CLI_EXIT_OK) {
		cli_rpc_hold(getenv(CLI_COMMANDS_DEBUG_ENV) != NULL);
		cli_listall_ask(all);
		cli_rpc_release();
		code = cli_listall_report(args, all);
	}
	cli_listall_free(all);
	return code;
}
