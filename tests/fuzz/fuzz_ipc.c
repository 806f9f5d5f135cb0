/*
 * fuzz_ipc.c - libFuzzer target: one IPC packet as the master or a worker
 * receives it. ipc_parse() on the bytes, then the protobuf-c message the
 * header's type announces; for a request, the containarium.v1 body the
 * master unpacks and re-validates (validate_request, method_request_username).
 * Only crashes, leaks and undefined behaviour matter; results are ignored.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/ipc.h"
#include "common/methods.h"
#include "common/validate.h"
#include "containarium/ipc/ipc.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A request: the envelope, then the method's own message, as dispatch.c. */
static void fuzz_ipc_request(const struct method_info *method,
    const struct ipc_packet *p)
{
	Containarium__Ipc__Request *req;
	ProtobufCMessage *body;
	char err[256];

	req = containarium__ipc__request__unpack(NULL, p->payload_len, p->payload);
	if (!req)
		return;
	body = protobuf_c_message_unpack(method->request, NULL, req->body.len, req->body.data);
	if (body) {
		(void)validate_request(method->id, body, err, sizeof(err));
		(void)method_request_username(method->id, body);
		protobuf_c_message_free_unpacked(body, NULL);
	}
	containarium__ipc__request__free_unpacked(req, NULL);
}

/* A reply: the envelope, then every method's response type on its body. */
static void fuzz_ipc_reply(const struct ipc_packet *p)
{
	Containarium__Ipc__Reply *reply;

	reply = containarium__ipc__reply__unpack(NULL, p->payload_len, p->payload);
	if (!reply)
		return;
	for (unsigned id = 1; id <= METHOD_MAX; id++) {
		const struct method_info *m = method_lookup(id);
		ProtobufCMessage *body;

		if (!m)
			continue;
		body = protobuf_c_message_unpack(m->response, NULL, reply->body.len,
		    reply->body.data);
		if (body)
			protobuf_c_message_free_unpacked(body, NULL);
	}
	containarium__ipc__reply__free_unpacked(reply, NULL);
}

/* The other types: unpack and free. */
static void fuzz_ipc_other(uint16_t type, const struct ipc_packet *p)
{
	static const struct {
		uint16_t type;
		const ProtobufCMessageDescriptor *descriptor;
	} types[] = {
		{ IPC_TYPE_LOG, &containarium__ipc__log_line__descriptor },
		{ IPC_TYPE_READY, &containarium__ipc__ready__descriptor },
		{ IPC_TYPE_PING, &containarium__ipc__ping__descriptor },
		{ IPC_TYPE_PONG, &containarium__ipc__pong__descriptor },
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ProtobufCMessage *m;

		if (types[i].type != type)
			continue;
		m = protobuf_c_message_unpack(types[i].descriptor, NULL, p->payload_len,
		    p->payload);
		if (m)
			protobuf_c_message_free_unpacked(m, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct method_info *method;
	struct ipc_packet p;

	if (ipc_parse(data, size, &p) < 0)
		return 0;
	method = method_lookup(p.header.type);
	if (method)
		fuzz_ipc_request(method, &p);
	else if (p.header.type == IPC_TYPE_REPLY)
		fuzz_ipc_reply(&p);
	else
		fuzz_ipc_other(p.header.type, &p);
	return 0;
}
