/*
 * ipc.c - framing of the worker <-> master channel; see ipc.h.
 */
#include "ipc.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static void ipc_header_encode(uint8_t out[IPC_HEADER_SIZE], uint16_t type,
    uint32_t request_id, uint32_t payload_len)
{
	uint16_t t = htole16(type), f = 0;
	uint32_t id = htole32(request_id), len = htole32(payload_len);

	memcpy(out, &t, 2);
	memcpy(out + 2, &f, 2);
	memcpy(out + 4, &id, 4);
	memcpy(out + 8, &len, 4);
}

int ipc_send(int fd, uint16_t type, uint32_t request_id,
    const void *payload, size_t payload_len)
{
	return ipc_send_fd(fd, type, request_id, payload, payload_len, -1);
}

int ipc_send_fd(int fd, uint16_t type, uint32_t request_id,
    const void *payload, size_t payload_len, int pass_fd)
{
	uint8_t header[IPC_HEADER_SIZE];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov[2];
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	if (payload_len > IPC_MAX_PAYLOAD)
		return -EMSGSIZE;
	ipc_header_encode(header, type, request_id, (uint32_t)payload_len);
	iov[0] = (struct iovec){ header, sizeof(header) };
	iov[1] = (struct iovec){ (void *)payload, payload_len };
	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(header) + payload_len)
		return -EMSGSIZE;
	return 0;
}

int ipc_parse(const uint8_t *buf, size_t len, struct ipc_packet *ret)
{
	struct ipc_header h;
	uint16_t v16;
	uint32_t v32;

	if (len < IPC_HEADER_SIZE || len > IPC_MAX_PACKET)
		return -EBADMSG;
	memcpy(&v16, buf, 2);
	h.type = le16toh(v16);
	memcpy(&v16, buf + 2, 2);
	h.flags = le16toh(v16);
	memcpy(&v32, buf + 4, 4);
	h.request_id = le32toh(v32);
	memcpy(&v32, buf + 8, 4);
	h.payload_len = le32toh(v32);
	if (h.flags != 0 || h.payload_len != len - IPC_HEADER_SIZE)
		return -EBADMSG;
	ret->header = h;
	ret->payload = buf + IPC_HEADER_SIZE;
	ret->payload_len = h.payload_len;
	return 0;
}

int ipc_recv(int fd, uint8_t *buf, struct ipc_packet *ret)
{
	struct iovec iov = { buf, IPC_MAX_PACKET };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		return -ECONNRESET;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EBADMSG;
	return ipc_parse(buf, (size_t)n, ret);
}

/*
 * Takes the descriptors of an SCM_RIGHTS message: exactly one is kept in
 * *ret_fd; with more than one, or any other control message, every
 * descriptor is closed and -EBADMSG returned.
 */
static int ipc_take_fd(struct msghdr *msg, int *ret_fd)
{
	int found = -1, bad = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (found < 0 && !bad)
				found = fd;
			else {
				close(fd);
				bad = 1;
			}
		}
	}
	if (bad) {
		if (found >= 0)
			close(found);
		return -EBADMSG;
	}
	*ret_fd = found;
	return 0;
}

int ipc_recv_fd(int fd, uint8_t *buf, struct ipc_packet *ret, int *ret_fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} control;
	struct iovec iov = { buf, IPC_MAX_PACKET };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	int passed = -1, r;
	ssize_t n;

	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	r = ipc_take_fd(&msg, &passed);
	if (r == 0 && n == 0)
		r = -ECONNRESET;
	if (r == 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		r = -EBADMSG;
	if (r == 0)
		r = ipc_parse(buf, (size_t)n, ret);
	if (r < 0) {
		if (passed >= 0)
			close(passed);
		return r;
	}
	*ret_fd = passed;
	return 0;
}

int ipc_socket_tune(int fd)
{
	int size = (int)IPC_MAX_PACKET + 4096;

	/* Root may exceed wmem_max; anyone else gets what the kernel allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		return -errno;
	return 0;
}
