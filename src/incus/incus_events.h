/*
 * incus_events.h - a follower of Incus's event stream (/1.0/events).
 *
 * Incus publishes lifecycle and operation events on a websocket. libcurl as
 * Debian builds it has no websocket support, so this client connects to the
 * Unix socket itself, performs the HTTP/1.1 Upgrade by hand and lets wslay
 * do the framing. It knows nothing of who consumes the events: the caller
 * polls incus_events_fd() and calls incus_events_process(), which hands
 * each decoded event to a callback.
 *
 * Threads: one struct incus_events belongs to one thread at a time.
 * Errors: negative errno, as in incus.h; this code never logs.
 */
#ifndef CONTAINARIUM_INCUS_EVENTS_H
#define CONTAINARIUM_INCUS_EVENTS_H

#include <stddef.h>

#define INCUS_EVENT_MESSAGE_MAX (1024u * 1024u) /* bytes in one event */
#define INCUS_EVENT_INSTANCES_MAX 64u            /* instances one event names */
#define INCUS_EVENT_HANDSHAKE_MAX 8192u          /* bytes of the 101 response */
#define INCUS_EVENT_NAME_MAX 63u                 /* bytes of an instance name */

/* One event, as far as a cache of instances cares. Strings are borrowed
 * for the duration of the callback. */
struct incus_event {
	const char *type;       /* "lifecycle", "operation", ... */
	const char *action;     /* lifecycle: "instance-started", ...; else "" */
	const char *project;    /* "" when the event names none */
	int status_code;        /* operation: 103 running, 200/400/401 final;
	                           0 for other types */
	/* Instance names the event concerns (from "source" or the operation's
	 * resources); only names of letters, digits and '-' (Incus's own rule),
	 * at most INCUS_EVENT_INSTANCES_MAX. */
	char instances[INCUS_EVENT_INSTANCES_MAX][INCUS_EVENT_NAME_MAX + 1];
	size_t instance_count;
};

typedef void (*incus_events_fn)(const struct incus_event *event, void *userdata);

struct incus_events;

/*
 * Connects to socket_path and subscribes to the event types (a
 * comma-separated list such as "lifecycle,operation") of project.
 * Blocks for at most timeout_ms for the connection and the handshake.
 * Returns 0 and *ret, or -EHOSTDOWN (cannot connect, or the connection
 * closed), -ETIMEDOUT, -EPROTO (no "101 Switching Protocols"), -EINVAL
 * (an argument too long or with a character that needs encoding), -ENOMEM.
 * The socket is close-on-exec and, once connected, non-blocking.
 */
int incus_events_connect(const char *socket_path, const char *project,
    const char *types, int timeout_ms, struct incus_events **ret);

/* The fd to poll for POLLIN (and for POLLOUT when incus_events_want_write()). */
int incus_events_fd(const struct incus_events *events);

/* True when replies (pong, close) are waiting to be written. */
int incus_events_want_write(const struct incus_events *events);

/*
 * Reads what the socket holds, calling fn for each complete event, and
 * writes any pending control reply. Returns 0 when the stream is still
 * open, -ECONNRESET when Incus closed it (or sent a close frame), -EPROTO
 * for a frame or a message that breaks the protocol or our bounds (a
 * message over INCUS_EVENT_MESSAGE_MAX, one that is not a JSON object),
 * or another negative errno from the socket. After any error the stream
 * is done: free it and connect again.
 */
int incus_events_process(struct incus_events *events, incus_events_fn fn,
    void *userdata);

/* Closes the connection and frees. Accepts NULL. */
void incus_events_free(struct incus_events *events);

/*
 * Decodes one event message (JSON text of len bytes) into *ret, whose
 * strings point into *ret_root (a jansson reference the caller releases
 * with json_decref()). Returns 0, or -EPROTO for anything malformed.
 * Exposed for tests and fuzzing.
 */
struct json_t;
int incus_events_decode(const char *text, size_t len, struct incus_event *ret,
    struct json_t **ret_root);

#endif
