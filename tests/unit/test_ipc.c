/*
 * test_ipc.c - unit tests of src/common/ipc.c over real SOCK_SEQPACKET
 * socketpairs.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/ipc.h"

struct channel {
	int fd[2];
	uint8_t *buf;          /* IPC_MAX_PACKET bytes for ipc_recv() */
};

static int channel_setup(void **state)
{
	struct channel *c = calloc(1, sizeof(*c));

	if (!c || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->fd) < 0)
		return -1;
	c->buf = malloc(IPC_MAX_PACKET);
	if (!c->buf)
		return -1;
	*state = c;
	return 0;
}

static int channel_teardown(void **state)
{
	struct channel *c = *state;

	if (c->fd[0] >= 0)
		close(c->fd[0]);
	if (c->fd[1] >= 0)
		close(c->fd[1]);
	free(c->buf);
	free(c);
	return 0;
}

/* Builds a raw packet header in out (IPC_HEADER_SIZE bytes). */
static void header_put(uint8_t *out, uint16_t type, uint16_t flags, uint32_t id, uint32_t len)
{
	uint16_t t = htole16(type), f = htole16(flags);
	uint32_t i = htole32(id), l = htole32(len);

	memcpy(out, &t, 2);
	memcpy(out + 2, &f, 2);
	memcpy(out + 4, &i, 4);
	memcpy(out + 8, &l, 4);
}

/* Tunes both ends for IPC_MAX_PACKET; skips the test if the kernel won't. */
static void channel_tune(struct channel *c)
{
	int size = 0;
	socklen_t len = sizeof(size);

	assert_int_equal(ipc_socket_tune(c->fd[0]), 0);
	assert_int_equal(ipc_socket_tune(c->fd[1]), 0);
	assert_int_equal(getsockopt(c->fd[0], SOL_SOCKET, SO_SNDBUF, &size, &len), 0);
	if ((size_t)size < IPC_MAX_PACKET + 64)
		skip();   /* not root: SO_SNDBUFFORCE refused, wmem_max too small */
}

static void test_round_trip(void **state)
{
	struct channel *c = *state;
	static const char payload[] = "hello master";
	struct ipc_packet packet;

	assert_int_equal(ipc_send(c->fd[0], 3, 0xdeadbeef, payload, sizeof(payload)), 0);
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), 0);
	assert_int_equal(packet.header.type, 3);
	assert_int_equal(packet.header.flags, 0);
	assert_int_equal(packet.header.request_id, 0xdeadbeef);
	assert_int_equal(packet.header.payload_len, sizeof(payload));
	assert_int_equal(packet.payload_len, sizeof(payload));
	assert_ptr_equal(packet.payload, c->buf + IPC_HEADER_SIZE);
	assert_memory_equal(packet.payload, payload, sizeof(payload));

	/* An empty payload, the other way round; packets stay separate. */
	assert_int_equal(ipc_send(c->fd[1], IPC_TYPE_READY, 7, NULL, 0), 0);
	assert_int_equal(ipc_send(c->fd[1], IPC_TYPE_LOG, 8, "x", 1), 0);
	assert_int_equal(ipc_recv(c->fd[0], c->buf, &packet), 0);
	assert_int_equal(packet.header.type, IPC_TYPE_READY);
	assert_int_equal(packet.header.request_id, 7);
	assert_int_equal(packet.payload_len, 0);
	assert_int_equal(ipc_recv(c->fd[0], c->buf, &packet), 0);
	assert_int_equal(packet.header.type, IPC_TYPE_LOG);
	assert_int_equal(packet.payload_len, 1);
	assert_int_equal(packet.payload[0], 'x');
}

/* The header is little-endian on the wire, whatever the host. */
static void test_wire_format(void **state)
{
	struct channel *c = *state;
	uint8_t raw[IPC_HEADER_SIZE + 2];
	static const uint8_t want[] = { 0x40, 0x00, 0x00, 0x00, 0x04, 0x03, 0x02, 0x01,
		0x02, 0x00, 0x00, 0x00, 'o', 'k' };

	assert_int_equal(ipc_send(c->fd[0], IPC_TYPE_REPLY, 0x01020304, "ok", 2), 0);
	assert_int_equal(recv(c->fd[1], raw, sizeof(raw), 0), sizeof(raw));
	assert_memory_equal(raw, want, sizeof(want));
}

static void test_max_payload(void **state)
{
	struct channel *c = *state;
	struct ipc_packet packet;
	uint8_t *payload = malloc(IPC_MAX_PAYLOAD);

	assert_non_null(payload);
	channel_tune(c);
	for (size_t i = 0; i < IPC_MAX_PAYLOAD; i++)
		payload[i] = (uint8_t)(i * 7);
	assert_int_equal(ipc_send(c->fd[0], 1, 42, payload, IPC_MAX_PAYLOAD), 0);
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), 0);
	assert_int_equal(packet.payload_len, IPC_MAX_PAYLOAD);
	assert_memory_equal(packet.payload, payload, IPC_MAX_PAYLOAD);
	free(payload);
}

static void test_send_oversized(void **state)
{
	struct channel *c = *state;
	struct ipc_packet packet;
	uint8_t *payload = calloc(1, IPC_MAX_PAYLOAD + 1);

	assert_non_null(payload);
	assert_int_equal(ipc_send(c->fd[0], 1, 1, payload, IPC_MAX_PAYLOAD + 1), -EMSGSIZE);
	assert_int_equal(ipc_send(c->fd[0], 1, 1, payload, SIZE_MAX), -EMSGSIZE);
	free(payload);
	/* Nothing was sent. */
	assert_int_equal(fcntl(c->fd[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), -EAGAIN);
}

static void test_parse_malformed(void **state)
{
	uint8_t buf[IPC_HEADER_SIZE + 8] = { 0 }, *big;
	struct ipc_packet packet, untouched;

	(void)state;
	memset(&packet, 0xa5, sizeof(packet));
	untouched = packet;

	/* Short: no room for a header. */
	header_put(buf, 1, 0, 1, 0);
	assert_int_equal(ipc_parse(buf, 0, &packet), -EBADMSG);
	assert_int_equal(ipc_parse(buf, IPC_HEADER_SIZE - 1, &packet), -EBADMSG);

	/* Flags must be 0. */
	header_put(buf, 1, 1, 1, 0);
	assert_int_equal(ipc_parse(buf, IPC_HEADER_SIZE, &packet), -EBADMSG);
	header_put(buf, 1, 0x8000, 1, 0);
	assert_int_equal(ipc_parse(buf, IPC_HEADER_SIZE, &packet), -EBADMSG);

	/* Length in the header disagrees with the packet, both ways. */
	header_put(buf, 1, 0, 1, 8);
	assert_int_equal(ipc_parse(buf, IPC_HEADER_SIZE + 7, &packet), -EBADMSG);
	header_put(buf, 1, 0, 1, 7);
	assert_int_equal(ipc_parse(buf, IPC_HEADER_SIZE + 8, &packet), -EBADMSG);
	header_put(buf, 1, 0, 1, UINT32_MAX);
	assert_int_equal(ipc_parse(buf, IPC_HEADER_SIZE + 8, &packet), -EBADMSG);

	/* Longer than any packet may be, even with a matching header. */
	big = calloc(1, IPC_MAX_PACKET + 1);
	assert_non_null(big);
	header_put(big, 1, 0, 1, IPC_MAX_PAYLOAD + 1);
	assert_int_equal(ipc_parse(big, IPC_MAX_PACKET + 1, &packet), -EBADMSG);
	free(big);
	assert_memory_equal(&packet, &untouched, sizeof(packet));

	/* And a good one. */
	header_put(buf, 9, 0, 77, 8);
	assert_int_equal(ipc_parse(buf, IPC_HEADER_SIZE + 8, &packet), 0);
	assert_int_equal(packet.header.type, 9);
	assert_int_equal(packet.header.request_id, 77);
	assert_int_equal(packet.payload_len, 8);
}

/* A malformed packet on the socket is reported, not skipped. */
static void test_recv_malformed(void **state)
{
	struct channel *c = *state;
	struct ipc_packet packet;
	uint8_t raw[IPC_HEADER_SIZE + 4];

	assert_int_equal(send(c->fd[0], "short", 5, 0), 5);
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), -EBADMSG);
	header_put(raw, 1, 0, 1, 5);
	assert_int_equal(send(c->fd[0], raw, sizeof(raw), 0), sizeof(raw));
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), -EBADMSG);
	header_put(raw, 1, 2, 1, 4);
	assert_int_equal(send(c->fd[0], raw, sizeof(raw), 0), sizeof(raw));
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), -EBADMSG);
}

/* A packet larger than the receive buffer is refused, not truncated. */
static void test_recv_truncated(void **state)
{
	struct channel *c = *state;
	struct ipc_packet packet;
	size_t len = IPC_MAX_PACKET + 1;
	uint8_t *raw = calloc(1, len);

	assert_non_null(raw);
	channel_tune(c);
	header_put(raw, 1, 0, 1, IPC_MAX_PAYLOAD);
	assert_int_equal(send(c->fd[0], raw, len, 0), (ssize_t)len);
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), -EBADMSG);
	free(raw);
}

/* A file descriptor riding along (SCM_RIGHTS) is a protocol violation. */
static void test_recv_ancillary(void **state)
{
	struct channel *c = *state;
	struct ipc_packet packet;
	uint8_t raw[IPC_HEADER_SIZE];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { raw, sizeof(raw) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	int fd = STDIN_FILENO;

	header_put(raw, 1, 0, 1, 0);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
	assert_int_equal(sendmsg(c->fd[0], &msg, 0), sizeof(raw));
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), -EBADMSG);
}

static void test_peer_closed(void **state)
{
	struct channel *c = *state;
	struct ipc_packet packet;

	assert_int_equal(ipc_send(c->fd[0], 1, 1, "last", 4), 0);
	assert_int_equal(close(c->fd[0]), 0);
	c->fd[0] = -1;
	/* What was sent before the close still arrives, then the end. */
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), 0);
	assert_int_equal(packet.payload_len, 4);
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), -ECONNRESET);
	/* Sending to a closed peer fails without SIGPIPE. */
	assert_int_equal(ipc_send(c->fd[1], 1, 1, "x", 1), -EPIPE);
}

static void test_nonblocking_empty(void **state)
{
	struct channel *c = *state;
	struct ipc_packet packet;

	assert_int_equal(fcntl(c->fd[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(ipc_recv(c->fd[1], c->buf, &packet), -EAGAIN);
	assert_int_equal(ipc_send(-1, 1, 1, "x", 1), -EBADF);
	assert_int_equal(ipc_recv(-1, c->buf, &packet), -EBADF);
}

#define CHANNEL_TEST(fn) cmocka_unit_test_setup_teardown(fn, channel_setup, channel_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CHANNEL_TEST(test_round_trip),
		CHANNEL_TEST(test_wire_format),
		CHANNEL_TEST(test_max_payload),
		CHANNEL_TEST(test_send_oversized),
		cmocka_unit_test(test_parse_malformed),
		CHANNEL_TEST(test_recv_malformed),
		CHANNEL_TEST(test_recv_truncated),
		CHANNEL_TEST(test_recv_ancillary),
		CHANNEL_TEST(test_peer_closed),
		CHANNEL_TEST(test_nonblocking_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
