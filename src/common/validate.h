/*
 * validate.h - field validation shared by worker and master.
 *
 * The worker validates every request before forwarding it; the master
 * validates it again and trusts no worker. Each check returns 0 when the
 * value is acceptable or -EINVAL, and on error writes into err (errlen
 * bytes) a message that names the field, e.g.
 *   "username: must start with a lowercase letter".
 */
#ifndef CONTAINARIUM_VALIDATE_H
#define CONTAINARIUM_VALIDATE_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#define VALIDATE_USERNAME_MAX 32
#define VALIDATE_IMAGE_MAX 128
#define VALIDATE_LABEL_KEY_MAX 63
#define VALIDATE_LABEL_VALUE_MAX 255
#define VALIDATE_LABELS_MAX 32
#define VALIDATE_SSH_KEY_MAX 16384
#define VALIDATE_SSH_KEYS_MAX 32
#define VALIDATE_CPU_MAX 1024
#define VALIDATE_STOP_TIMEOUT_MAX 3600
#define VALIDATE_PASSWORD_MAX 1024
#define VALIDATE_TOKEN_MAX 8192

/* Values echoed back in messages are cut to this many bytes. */
#define VALIDATE_ECHO_MAX 40
/* Room for an echo: quotes, every byte escaped as \xNN, "..." and NUL. */
#define VALIDATE_ECHO_SIZE (2 + 4 * VALIDATE_ECHO_MAX + 3 + 1)

/*
 * Writes "field: <reason>" into err (errlen bytes; err may be NULL) when
 * there is room, for this file's checks and for config.c's. Returns -EINVAL.
 */
int validate_fail(char *err, size_t errlen, const char *field, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

/* Lowercase letter first, then [a-z0-9_-], at most 32 bytes. */
int validate_username(const char *field, const char *value, char *err, size_t errlen);

/*
 * Writes value into buf as a double-quoted string for a message: quotes,
 * backslashes and bytes outside printable ASCII escaped, cut after
 * VALIDATE_ECHO_MAX bytes with "..." appended. NULL is shown as "".
 * Returns buf. Never echo a password or token, even through this.
 */
const char *validate_echo(char buf[static VALIDATE_ECHO_SIZE], const char *value);

/*
 * A byte size: digits then an optional unit among B, kB, KB, MB, GB, TB,
 * KiB, MiB, GiB, TiB (decimal units are powers of 1000, binary of 1024).
 * The size must be 1 .. INT64_MAX bytes (what Incus can represent).
 * Stores the value in *ret_bytes when ret_bytes is not NULL.
 */
int validate_size(const char *field, const char *value, uint64_t *ret_bytes,
    char *err, size_t errlen);

/* A CPU count: decimal integer 1..VALIDATE_CPU_MAX, no sign or spaces. */
int validate_cpu(const char *field, const char *value, char *err, size_t errlen);

/*
 * An image: "[remote:]alias" of [A-Za-z0-9._/-], at most 128 bytes; the
 * remote and the alias are not empty and start with a letter or digit.
 */
int validate_image(const char *field, const char *value, char *err, size_t errlen);

/* A label key: [a-z0-9] first, then [a-z0-9._-], at most 63 bytes. */
int validate_label_key(const char *field, const char *value, char *err, size_t errlen);

/* A label value: printable ASCII with no control characters, at most 255. */
int validate_label_value(const char *field, const char *value, char *err, size_t errlen);

/*
 * An OpenSSH public key line: "[options-free] type base64 [comment]" with a
 * known type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521,
 * sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com), base64
 * that decodes to a blob whose embedded type string matches, no newline,
 * carriage return or NUL anywhere, at most VALIDATE_SSH_KEY_MAX bytes.
 * The comment may hold any other printable bytes: it is data, never code.
 */
int validate_ssh_public_key(const char *field, const char *value, char *err, size_t errlen);

/*
 * Validates every field of a decoded request of method (enum method) with
 * the checks above; optional fields may be empty. Field names in messages
 * are the proto field names ("resources.memory", "ssh_keys[1]",
 * "labels[team]").
 */
int validate_request(unsigned method, const ProtobufCMessage *request,
    char *err, size_t errlen);

#endif
