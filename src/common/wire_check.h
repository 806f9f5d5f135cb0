/*
 * wire_check.h - checks on a protobuf message's raw bytes that decoding
 * alone cannot make.
 *
 * protobuf-c hands strings to C as NUL-terminated copies: a string that
 * holds a NUL byte would be silently cut short, so "bob\0evil" would act
 * on bob. proto3 also requires strings to be valid UTF-8, which protobuf-c
 * does not check. Both worker and master run this on every request before
 * trusting the decoded message.
 */
#ifndef CONTAINARIUM_WIRE_CHECK_H
#define CONTAINARIUM_WIRE_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#define WIRE_CHECK_MAX_DEPTH 8

/*
 * Walks the encoded message data (len bytes) of type descriptor and checks
 * every string field, nested messages included. Returns 0 when each holds
 * no NUL byte and is valid UTF-8; -EINVAL with "field: reason" in err
 * (the field named as in validate.h: "resources.memory", "ssh_keys[1]",
 * "labels[0].key"); -EBADMSG for bytes that are not a protobuf message.
 */
int wire_check_strings(const ProtobufCMessageDescriptor *descriptor,
    const uint8_t *data, size_t len, char *err, size_t errlen);

#endif
