/*
 * incus_events.c - the websocket connection to /1.0/events; see
 * incus_events.h.
 *
 * The Upgrade handshake is written by hand (a request of a few lines and a
 * status line to check); wslay does the framing, masking, ping/pong and
 * close. Sec-WebSocket-Accept is not verified: the peer is the local Incus
 * daemon behind a root-only Unix socket, not a proxy that could replay.
 */
#include "incus_events.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <wslay/wslay.h>

#define INCUS_EVENTS_QUERY_MAX 256u

struct incus_events {
	int fd;
	wslay_event_context_ptr ws;
	/* Bytes read past the end of the handshake, fed to wslay first. */
	char early[INCUS_EVENT_HANDSHAKE_MAX];
	size_t early_size, early_used;
	/* The callback of the incus_events_process() call running now. */
	incus_events_fn fn;
	void *userdata;
	int error;             /* first failure seen in a callback */
};

static int64_t incus_events_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events on fd until deadline_ms. Returns 0, -ETIMEDOUT or -errno. */
static int incus_events_wait(int fd, short events, int64_t deadline_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left = deadline_ms - incus_events_now_ms();
	int r;

	if (left <= 0)
		return -ETIMEDOUT;
	r = poll(&p, 1, (int)left);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

/* A non-blocking, close-on-exec connection to path. */
static int incus_events_dial(const char *path, int64_t deadline_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -EINVAL;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS &&
	    errno != EAGAIN) {
		close(fd);
		return -EHOSTDOWN;
	}
	r = incus_events_wait(fd, POLLOUT, deadline_ms);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* Writes all of data before the deadline. */
static int incus_events_write_all(int fd, const char *data, size_t size, int64_t deadline_ms)
{
	while (size > 0) {
		ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
		int r;

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -EHOSTDOWN;
		if (n > 0) {
			data += n;
			size -= (size_t)n;
			continue;
		}
		if ((r = incus_events_wait(fd, POLLOUT, deadline_ms)) < 0)
			return r;
	}
	return 0;
}

/* True for a string that may go into the query without encoding. */
static bool incus_events_plain(const char *s)
{
	return s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,")] == '\0';
}

static int incus_events_send_upgrade(int fd, const char *project, const char *types,
    int64_t deadline_ms)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char nonce[16];
	char request[INCUS_EVENTS_QUERY_MAX * 2 + 512], key[25];
	int n;

	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		return -EIO;
	/* 16 random bytes in base64: 21 characters of 6 bits, then "==". */
	for (size_t i = 0; i < 22; i++) {
		size_t bit = i * 6, byte = bit / 8, shift = bit % 8;
		unsigned v = (unsigned)nonce[byte] << 8 | (byte + 1 < 16 ? nonce[byte + 1] : 0);

		key[i] = alphabet[(v >> (10 - shift)) & 63];
	}
	memcpy(key + 22, "==", 3);
	n = snprintf(request, sizeof(request),
	    "GET /1.0/events?type=%s&project=%s HTTP/1.1\r\n"
	    "Host: localhost\r\n"
	    "Upgrade: websocket\r\n"
	    "Connection: Upgrade\r\n"
	    "Sec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\n"
	    "\r\n", types, project, key);
	if (n < 0 || (size_t)n >= sizeof(request))
		return -EINVAL;
	return incus_events_write_all(fd, request, (size_t)n, deadline_ms);
}

/*
 * Reads the response head (up to the blank line) and checks for 101. Bytes
 * after the head are kept in e->early.
 */
static int incus_events_read_upgrade(struct incus_events *e, int64_t deadline_ms)
{
	size_t size = 0;
	char *end;
	int r;

	for (;;) {
		ssize_t n = recv(e->fd, e->early + size, sizeof(e->early) - 1 - size, 0);

		if (n == 0)
			return -EHOSTDOWN;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -EHOSTDOWN;
		if (n < 0) {
			if ((r = incus_events_wait(e->fd, POLLIN, deadline_ms)) < 0)
				return r;
			continue;
		}
		size += (size_t)n;
		e->early[size] = '\0';
		end = strstr(e->early, "\r\n\r\n");
		if (end)
			break;
		if (size >= sizeof(e->early) - 1)
			return -EPROTO;
	}
	if (strncmp(e->early, "HTTP/1.1 101", 12) != 0)
		return -EPROTO;
	e->early_used = 0;
	e->early_size = size - (size_t)(end + 4 - e->early);
	memmove(e->early, end + 4, e->early_size);
	return 0;
}

/* wslay: read from the early bytes, then from the socket. */
static ssize_t incus_events_on_recv(wslay_event_context_ptr ctx, uint8_t *buf,
    size_t len, int flags, void *userdata)
{
	struct incus_events *e = userdata;
	ssize_t n;

	(void)flags;
	if (e->early_used < e->early_size) {
		size_t take = e->early_size - e->early_used;

		take = take < len ? take : len;
		memcpy(buf, e->early + e->early_used, take);
		e->early_used += take;
		return (ssize_t)take;
	}
	n = recv(e->fd, buf, len, 0);
	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	e->error = n == 0 ? -ECONNRESET : -errno;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t incus_events_on_send(wslay_event_context_ptr ctx, const uint8_t *data,
    size_t len, int flags, void *userdata)
{
	struct incus_events *e = userdata;
	ssize_t n = send(e->fd, data, len, MSG_NOSIGNAL);

	(void)flags;
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR)
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else {
		e->error = -ECONNRESET;
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	}
	return -1;
}

static int incus_events_on_genmask(wslay_event_context_ptr ctx, uint8_t *buf,
    size_t len, void *userdata)
{
	(void)userdata;
	if (getrandom(buf, len, 0) != (ssize_t)len) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return 0;
}

/* A whole message: text frames are events; anything unparsable is fatal. */
static void incus_events_on_message(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *arg, void *userdata)
{
	struct incus_events *e = userdata;
	struct incus_event ev;
	json_t *root;

	(void)ctx;
	if (arg->opcode != WSLAY_TEXT_FRAME || e->error < 0)
		return;
	if (incus_events_decode((const char *)arg->msg, arg->msg_length, &ev, &root) < 0) {
		e->error = -EPROTO;
		return;
	}
	e->fn(&ev, e->userdata);
	json_decref(root);
}

static int incus_events_ws_init(struct incus_events *e)
{
	static const struct wslay_event_callbacks callbacks = {
		.recv_callback = incus_events_on_recv,
		.send_callback = incus_events_on_send,
		.genmask_callback = incus_events_on_genmask,
		.on_msg_recv_callback = incus_events_on_message,
	};

	if (wslay_event_context_client_init(&e->ws, &callbacks, e) != 0)
		return -ENOMEM;
	wslay_event_config_set_max_recv_msg_length(e->ws, INCUS_EVENT_MESSAGE_MAX);
	return 0;
}

int incus_events_connect(const char *socket_path, const char *project,
    const char *types, int timeout_ms, struct incus_events **ret)
{
	int64_t deadline = incus_events_now_ms() + timeout_ms;
	struct incus_events *e;
	int r;

	if (!socket_path || !project || !types || !project[0] || !types[0] ||
	    strlen(project) > INCUS_EVENTS_QUERY_MAX || strlen(types) > INCUS_EVENTS_QUERY_MAX ||
	    !incus_events_plain(project) || !incus_events_plain(types))
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fd = incus_events_dial(socket_path, deadline);
	if (e->fd < 0) {
		r = e->fd;
		free(e);
		return r;
	}
	if ((r = incus_events_send_upgrade(e->fd, project, types, deadline)) < 0 ||
	    (r = incus_events_read_upgrade(e, deadline)) < 0 ||
	    (r = incus_events_ws_init(e)) < 0) {
		incus_events_free(e);
		return r;
	}
	*ret = e;
	return 0;
}

int incus_events_fd(const struct incus_events *events)
{
	return events->fd;
}

int incus_events_want_write(const struct incus_events *events)
{
	return wslay_event_want_write(events->ws);
}

int incus_events_process(struct incus_events *e, incus_events_fn fn, void *userdata)
{
	int r;

	e->fn = fn;
	e->userdata = userdata;
	r = wslay_event_recv(e->ws);
	if (e->error < 0)
		return e->error;
	if (r != 0)
		return -EPROTO;
	if (wslay_event_want_write(e->ws) && wslay_event_send(e->ws) != 0)
		return e->error < 0 ? e->error : -ECONNRESET;
	if (wslay_event_get_close_received(e->ws))
		return -ECONNRESET;
	return 0;
}

void incus_events_free(struct incus_events *events)
{
	if (!events)
		return;
	if (events->ws)
		wslay_event_context_free(events->ws);
	if (events->fd >= 0)
		close(events->fd);
	free(events);
}
