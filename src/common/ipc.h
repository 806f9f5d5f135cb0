/*
 * ipc.h - framing of the worker <-> master channel.
 *
 * Each worker owns one end of a SOCK_SEQPACKET socketpair. One packet is one
 * message: a fixed header followed by exactly header.payload_len bytes of a
 * protobuf-c encoded message (proto/containarium/ipc/ipc.proto). A packet
 * that is short, longer than IPC_MAX_PACKET, or whose length disagrees with
 * its header is a protocol violation: the receiver closes that channel.
 */
#ifndef CONTAINARIUM_IPC_H
#define CONTAINARIUM_IPC_H

#include <stddef.h>
#include <stdint.h>

#define IPC_HEADER_SIZE 12u
#define IPC_MAX_PAYLOAD (4u * 1024u * 1024u)
#define IPC_MAX_PACKET (IPC_HEADER_SIZE + IPC_MAX_PAYLOAD)

/* Message types. 1..63 are RPC requests (enum method, methods.h). */
enum ipc_type {
	IPC_TYPE_REPLY = 64,  /* master -> worker: containarium.ipc.Reply */
	IPC_TYPE_LOG = 65,    /* worker -> master: containarium.ipc.LogLine */
	IPC_TYPE_READY = 66,  /* worker -> master: containarium.ipc.Ready */
	IPC_TYPE_PING = 67,   /* master -> worker: containarium.ipc.Ping */
	IPC_TYPE_PONG = 68,   /* worker -> master: containarium.ipc.Pong */
};

struct ipc_header {
	uint16_t type;
	uint16_t flags;       /* must be 0 */
	uint32_t request_id;
	uint32_t payload_len;
};

/* One received packet. payload points into the caller's buffer. */
struct ipc_packet {
	struct ipc_header header;
	const uint8_t *payload;
	size_t payload_len;
};

/*
 * Encodes header and payload into one packet and sends it on fd.
 * Returns 0, or a negative errno (-EMSGSIZE if payload_len is too large,
 * -EPIPE when the peer is gone).
 */
int ipc_send(int fd, uint16_t type, uint32_t request_id,
    const void *payload, size_t payload_len);

/*
 * ipc_send, passing the descriptor pass_fd along with the packet
 * (SCM_RIGHTS) when it is not -1: a worker's admin-socket connection, so
 * the master can ask the kernel who is calling (docs/security.md).
 */
int ipc_send_fd(int fd, uint16_t type, uint32_t request_id,
    const void *payload, size_t payload_len, int pass_fd);

/*
 * ipc_recv that also accepts one passed descriptor: *ret_fd is it
 * (O_CLOEXEC, now the caller's) or -1. More than one descriptor, or any
 * other control message, is -EBADMSG (and whatever came is closed).
 * ipc_recv itself accepts none: a packet carrying one is -EBADMSG.
 */
int ipc_recv_fd(int fd, uint8_t *buf, struct ipc_packet *ret, int *ret_fd);

/*
 * Parses one packet of len bytes held in buf. Returns 0 and fills *ret,
 * or -EBADMSG when the packet is malformed (short, bad flags, length
 * mismatch, oversized).
 */
int ipc_parse(const uint8_t *buf, size_t len, struct ipc_packet *ret);

/*
 * Receives one packet from fd into buf (which must hold IPC_MAX_PACKET
 * bytes) and parses it. Returns 0, -EAGAIN if nothing is waiting on a
 * non-blocking fd, -ECONNRESET on end of stream, -EBADMSG on a malformed
 * or truncated packet, or another negative errno.
 */
int ipc_recv(int fd, uint8_t *buf, struct ipc_packet *ret);

/* Sets both buffer sizes of a channel socket so one IPC_MAX_PACKET fits. */
int ipc_socket_tune(int fd);

#endif
