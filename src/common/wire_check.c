/*
 * wire_check.c - string checks on encoded protobuf messages; see
 * wire_check.h. Only the wire format is read: a varint key, then a value
 * whose size the wire type gives. Unknown fields are skipped.
 */
#include "wire_check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define WIRE_VARINT 0
#define WIRE_FIXED64 1
#define WIRE_LENGTH 2
#define WIRE_FIXED32 5
#define WIRE_PATH_MAX 128
#define WIRE_REPEATED_MAX 64    /* fields tracked for [i] numbering */

/* Reads a varint at *p; returns 0 and advances, or -EBADMSG. */
static int wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -EBADMSG;
		v |= (uint64_t)(**p & 0x7f) << shift;
		if (!(*(*p)++ & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -EBADMSG;
}

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
static bool wire_utf8_valid(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		    (c & 0xf8) == 0xf0 ? 4 : 0;
		uint32_t cp;

		if (n == 0 || i + n > len)
			return false;
		cp = n == 1 ? c : c & (0x7f >> n);
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

/* Skips a value of wire type type. Returns 0 or -EBADMSG. */
static int wire_skip(const uint8_t **p, const uint8_t *end, unsigned type)
{
	uint64_t v;

	switch (type) {
	case WIRE_VARINT:
		return wire_varint(p, end, &v);
	case WIRE_FIXED64:
	case WIRE_FIXED32: {
		size_t n = type == WIRE_FIXED64 ? 8 : 4;

		if ((size_t)(end - *p) < n)
			return -EBADMSG;
		*p += n;
		return 0;
	}
	default:
		return -EBADMSG;
	}
}

struct wire_walk {
	char *err;
	size_t errlen;
	unsigned depth;
};

static int wire_walk_message(struct wire_walk *w, const ProtobufCMessageDescriptor *d,
    const uint8_t *p, const uint8_t *end, const char *prefix);

/* Names field f (its n-th occurrence) under prefix into path. */
static void wire_path(char path[WIRE_PATH_MAX], const char *prefix,
    const ProtobufCFieldDescriptor *f, unsigned n)
{
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		snprintf(path, WIRE_PATH_MAX, "%s%s%s[%u]", prefix, prefix[0] ? "." : "",
		    f->name, n);
	else
		snprintf(path, WIRE_PATH_MAX, "%s%s%s", prefix, prefix[0] ? "." : "", f->name);
}

/* Checks one length-delimited value of field f. */
static int wire_check_value(struct wire_walk *w, const ProtobufCFieldDescriptor *f,
    const uint8_t *value, size_t len, const char *path)
{
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		if (memchr(value, '\0', len)) {
			snprintf(w->err, w->errlen, "%s: contains a NUL byte", path);
			return -EINVAL;
		}
		if (!wire_utf8_valid(value, len)) {
			snprintf(w->err, w->errlen, "%s: is not valid UTF-8", path);
			return -EINVAL;
		}
		return 0;
	}
	if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		int r;

		if (++w->depth > WIRE_CHECK_MAX_DEPTH)
			return -EBADMSG;
		r = wire_walk_message(w, f->descriptor, value, value + len, path);
		w->depth--;
		return r;
	}
	return 0;
}

static int wire_walk_message(struct wire_walk *w, const ProtobufCMessageDescriptor *d,
    const uint8_t *p, const uint8_t *end, const char *prefix)
{
	unsigned seen[WIRE_REPEATED_MAX] = { 0 };

	while (p < end) {
		const ProtobufCFieldDescriptor *f;
		char path[WIRE_PATH_MAX];
		uint64_t key, len;
		int r;

		if (wire_varint(&p, end, &key) < 0 || key >> 3 == 0 || key >> 3 > UINT32_MAX)
			return -EBADMSG;
		if ((key & 7) != WIRE_LENGTH) {
			if (wire_skip(&p, end, (unsigned)(key & 7)) < 0)
				return -EBADMSG;
			continue;
		}
		if (wire_varint(&p, end, &len) < 0 || len > (uint64_t)(end - p))
			return -EBADMSG;
		f = protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3));
		if (f) {
			unsigned index = (unsigned)(f - d->fields);
			unsigned n = index < WIRE_REPEATED_MAX ? seen[index]++ : 0;

			wire_path(path, prefix, f, n);
			r = wire_check_value(w, f, p, (size_t)len, path);
			if (r < 0)
				return r;
		}
		p += len;
	}
	return 0;
}

int wire_check_strings(const ProtobufCMessageDescriptor *descriptor,
    const uint8_t *data, size_t len, char *err, size_t errlen)
{
	char scratch[1];
	struct wire_walk w = { err ? err : scratch, err ? errlen : sizeof(scratch), 0 };
	int r = wire_walk_message(&w, descriptor, data, data + len, "");

	if (r == -EBADMSG)
		snprintf(w.err, w.errlen, "request: malformed protobuf");
	return r;
}
