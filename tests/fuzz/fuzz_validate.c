/*
 * fuzz_validate.c - libFuzzer target for the validators both processes run
 * on what clients send. The first byte picks a method; the rest is that
 * method's request, unpacked with protobuf-c as the worker and the master
 * do, then given to validate_request(). The whole input, as a string, also
 * goes through every single-field validator and validate_echo().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/methods.h"
#include "common/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The body as the request of method (data[0] % METHOD_MAX) + 1. */
static void fuzz_validate_request(const uint8_t *data, size_t size)
{
	const struct method_info *method;
	ProtobufCMessage *request;
	char err[256];

	if (size < 1)
		return;
	method = method_lookup(data[0] % METHOD_MAX + 1u);
	if (!method)
		return;
	request = protobuf_c_message_unpack(method->request, NULL, size - 1, data + 1);
	if (!request)
		return;
	(void)validate_request(method->id, request, err, sizeof(err));
	(void)method_request_username(method->id, request);
	protobuf_c_message_free_unpacked(request, NULL);
}

/* Every field validator on one NUL-terminated string. */
static void fuzz_validate_fields(const char *s)
{
	char err[256], echo[VALIDATE_ECHO_SIZE];
	uint64_t bytes;

	(void)validate_username("username", s, err, sizeof(err));
	(void)validate_size("resources.memory", s, &bytes, err, sizeof(err));
	(void)validate_cpu("resources.cpu", s, err, sizeof(err));
	(void)validate_image("image", s, err, sizeof(err));
	(void)validate_label_key("labels", s, err, sizeof(err));
	(void)validate_label_value("labels", s, err, sizeof(err));
	(void)validate_ssh_public_key("ssh_keys[0]", s, err, sizeof(err));
	(void)validate_echo(echo, s);
	/* A tiny error buffer must be cut, never overrun. */
	(void)validate_ssh_public_key("ssh_keys[0]", s, err, 3);
	(void)validate_size("resources.disk", s, NULL, err, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	fuzz_validate_request(data, size);
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_validate_fields(s);
	free(s);
	return 0;
}
