/*
 * validate.c - field validation shared by worker and master; see validate.h.
 *
 * Every check is a pure function of its input: it allocates nothing, logs
 * nothing and returns 0 or -EINVAL with a message naming the field. Values
 * quoted back in a message go through validate_echo(), so a message never
 * carries a whole SSH key, a control character or more than
 * VALIDATE_ECHO_MAX bytes of what a client sent; passwords and tokens are
 * never quoted at all.
 */
#include "validate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "methods.h"

/* A decoded key blob is at most 3/4 of the longest key line. */
#define VALIDATE_SSH_BLOB_MAX (VALIDATE_SSH_KEY_MAX / 4 * 3)
/* Length-prefixed fields a known key blob holds, at most. */
#define VALIDATE_SSH_FIELDS_MAX 4
/* "labels[" + an echoed key + "]" or "ssh_keys[" + an index + "]". */
#define VALIDATE_FIELD_MAX (32 + VALIDATE_ECHO_SIZE)

typedef int (*validate_method_fn)(const ProtobufCMessage *request,
    char *err, size_t errlen);

static const char *validate_string(const char *value)
{
	return value ? value : "";
}

static bool validate_is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool validate_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool validate_is_alnum(char c)
{
	return validate_is_lower(c) || validate_is_digit(c) || (c >= 'A' && c <= 'Z');
}

int validate_fail(char *err, size_t errlen, const char *field,
    const char *format, ...)
{
	va_list ap;
	int n;

	if (!err || errlen == 0)
		return -EINVAL;
	n = snprintf(err, errlen, "%s: ", field);
	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_start(ap, format);
	vsnprintf(err + n, errlen - (size_t)n, format, ap);
	va_end(ap);
	return -EINVAL;
}

/* Appends byte c to buf at *pos, escaped when it is not plain printable. */
static void validate_echo_byte(char *buf, size_t *pos, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '"' || c == '\\') {
		buf[(*pos)++] = '\\';
		buf[(*pos)++] = (char)c;
	} else if (c >= 0x20 && c < 0x7f) {
		buf[(*pos)++] = (char)c;
	} else {
		buf[(*pos)++] = '\\';
		buf[(*pos)++] = 'x';
		buf[(*pos)++] = hex[c >> 4];
		buf[(*pos)++] = hex[c & 15];
	}
}

/*
 * Writes s[0..len) into buf as validate_echo() does; "..." is appended when
 * len exceeds VALIDATE_ECHO_MAX.
 */
static const char *validate_echo_span(char buf[static VALIDATE_ECHO_SIZE],
    const char *s, size_t len)
{
	size_t pos = 0;

	buf[pos++] = '"';
	for (size_t i = 0; i < len && i < VALIDATE_ECHO_MAX; i++)
		validate_echo_byte(buf, &pos, (unsigned char)s[i]);
	buf[pos++] = '"';
	if (len > VALIDATE_ECHO_MAX) {
		memcpy(buf + pos, "...", 3);
		pos += 3;
	}
	buf[pos] = '\0';
	return buf;
}

const char *validate_echo(char buf[static VALIDATE_ECHO_SIZE], const char *value)
{
	const char *s = validate_string(value);

	return validate_echo_span(buf, s, strnlen(s, VALIDATE_ECHO_MAX + 1));
}

/*
 * Finds the first byte of value[0..len) outside the set accepted by
 * allowed(). Returns its offset, or len when every byte is accepted.
 */
static size_t validate_find_bad(const char *value, size_t len,
    bool (*allowed)(char c))
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!allowed(value[i]))
			return i;
	return len;
}

/* Reports the byte at offset i of value as not allowed in field. */
static int validate_fail_char(char *err, size_t errlen, const char *field,
    const char *value, size_t i, const char *allowed)
{
	char echo[VALIDATE_ECHO_SIZE];

	return validate_fail(err, errlen, field,
	    "invalid character %s at offset %zu (allowed: %s)",
	    validate_echo_span(echo, value + i, 1), i, allowed);
}

static bool validate_username_char(char c)
{
	return validate_is_lower(c) || validate_is_digit(c) || c == '_' || c == '-';
}

int validate_username(const char *field, const char *value, char *err, size_t errlen)
{
	size_t len, bad;

	value = validate_string(value);
	len = strnlen(value, VALIDATE_USERNAME_MAX + 1);
	if (len == 0)
		return validate_fail(err, errlen, field, "must not be empty");
	if (len > VALIDATE_USERNAME_MAX)
		return validate_fail(err, errlen, field, "longer than %d bytes",
		    VALIDATE_USERNAME_MAX);
	if (!validate_is_lower(value[0]))
		return validate_fail(err, errlen, field,
		    "must start with a lowercase letter");
	bad = validate_find_bad(value, len, validate_username_char);
	if (bad < len)
		return validate_fail_char(err, errlen, field, value, bad,
		    "a-z, 0-9, _ and -");
	return 0;
}

/*
 * Reads the decimal digits at *p into *ret and advances *p past them.
 * Returns 0, -EINVAL when there is no digit, -ERANGE when the number does
 * not fit in 64 bits.
 */
static int validate_parse_digits(const char **p, uint64_t *ret)
{
	const char *s = *p;
	uint64_t n = 0;

	if (!validate_is_digit(*s))
		return -EINVAL;
	for (; validate_is_digit(*s); s++)
		if (__builtin_mul_overflow(n, 10, &n) ||
		    __builtin_add_overflow(n, (uint64_t)(*s - '0'), &n))
			return -ERANGE;
	*p = s;
	*ret = n;
	return 0;
}

/* Returns the factor of a size unit ("" is bytes), or 0 if unknown. */
static uint64_t validate_size_unit(const char *unit)
{
	static const struct { const char *name; uint64_t factor; } units[] = {
		{ "", 1 }, { "B", 1 },
		{ "kB", 1000 }, { "KB", 1000 }, { "MB", 1000000 },
		{ "GB", 1000000000 }, { "TB", 1000000000000 },
		{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 },
		{ "GiB", 1ULL << 30 }, { "TiB", 1ULL << 40 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].name) == 0)
			return units[i].factor;
	return 0;
}

/* Returns the length of the run of decimal digits value starts with. */
static size_t validate_digits_span(const char *value)
{
	return strspn(value, "0123456789");
}

int validate_size(const char *field, const char *value, uint64_t *ret_bytes,
    char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];
	const char *p;
	uint64_t number, factor, bytes;

	p = value = validate_string(value);
	factor = validate_size_unit(value + validate_digits_span(value));
	if (!validate_is_digit(value[0]) || factor == 0)
		return validate_fail(err, errlen, field,
		    "%s is not a size (use e.g. 4GB or 512MiB)",
		    validate_echo(echo, value));
	if (validate_parse_digits(&p, &number) < 0 ||
	    __builtin_mul_overflow(number, factor, &bytes) || bytes > INT64_MAX)
		return validate_fail(err, errlen, field, "%s is too large",
		    validate_echo(echo, value));
	if (bytes == 0)
		return validate_fail(err, errlen, field, "must not be zero");
	if (ret_bytes)
		*ret_bytes = bytes;
	return 0;
}

int validate_cpu(const char *field, const char *value, char *err, size_t errlen)
{
	char echo[VALIDATE_ECHO_SIZE];
	const char *p;
	uint64_t n;
	size_t digits;

	p = value = validate_string(value);
	digits = validate_digits_span(value);
	if (digits == 0 || value[digits] != '\0' || (value[0] == '0' && digits > 1))
		return validate_fail(err, errlen, field,
		    "%s is not a CPU count (use a whole number from 1 to %d)",
		    validate_echo(echo, value), VALIDATE_CPU_MAX);
	if (validate_parse_digits(&p, &n) < 0 || n < 1 || n > VALIDATE_CPU_MAX)
		return validate_fail(err, errlen, field,
		    "%s is out of range (1..%d)", validate_echo(echo, value),
		    VALIDATE_CPU_MAX);
	return 0;
}

static bool validate_image_char(char c)
{
	return validate_is_alnum(c) || c == '.' || c == '_' || c == '/' || c == '-';
}

/* Checks one part of an image name: value[0..len), name says which part. */
static int validate_image_part(const char *field, const char *value,
    size_t offset, size_t len, const char *name, char *err, size_t errlen)
{
	size_t bad;

	if (len == 0)
		return validate_fail(err, errlen, field,
		    "the %s is empty (use [remote:]alias, e.g. ubuntu:24.04)", name);
	if (!validate_is_alnum(value[offset]))
		return validate_fail(err, errlen, field,
		    "the %s must start with a letter or digit", name);
	bad = validate_find_bad(value + offset, len, validate_image_char);
	if (bad < len)
		return validate_fail_char(err, errlen, field, value, offset + bad,
		    "A-Z, a-z, 0-9, '.', '_', '/' and '-'");
	return 0;
}

int validate_image(const char *field, const char *value, char *err, size_t errlen)
{
	const char *colon;
	size_t len, alias;
	int r;

	value = validate_string(value);
	len = strnlen(value, VALIDATE_IMAGE_MAX + 1);
	if (len == 0)
		return validate_fail(err, errlen, field, "must not be empty");
	if (len > VALIDATE_IMAGE_MAX)
		return validate_fail(err, errlen, field, "longer than %d bytes",
		    VALIDATE_IMAGE_MAX);
	colon = strchr(value, ':');
	if (!colon)
		return validate_image_part(field, value, 0, len, "alias", err, errlen);
	if (strchr(colon + 1, ':'))
		return validate_fail(err, errlen, field,
		    "holds more than one ':' (use [remote:]alias)");
	r = validate_image_part(field, value, 0, (size_t)(colon - value),
	    "remote", err, errlen);
	if (r < 0)
		return r;
	alias = (size_t)(colon - value) + 1;
	return validate_image_part(field, value, alias, len - alias, "alias",
	    err, errlen);
}

static bool validate_label_key_char(char c)
{
	return validate_is_lower(c) || validate_is_digit(c) || c == '.' ||
	    c == '_' || c == '-';
}

int validate_label_key(const char *field, const char *value, char *err, size_t errlen)
{
	size_t len, bad;

	value = validate_string(value);
	len = strnlen(value, VALIDATE_LABEL_KEY_MAX + 1);
	if (len == 0)
		return validate_fail(err, errlen, field, "key must not be empty");
	if (len > VALIDATE_LABEL_KEY_MAX)
		return validate_fail(err, errlen, field, "key longer than %d bytes",
		    VALIDATE_LABEL_KEY_MAX);
	if (!validate_is_lower(value[0]) && !validate_is_digit(value[0]))
		return validate_fail(err, errlen, field,
		    "key must start with a lowercase letter or digit");
	bad = validate_find_bad(value, len, validate_label_key_char);
	if (bad < len)
		return validate_fail_char(err, errlen, field, value, bad,
		    "a-z, 0-9, '.', '_' and '-'");
	return 0;
}

static bool validate_printable(char c)
{
	return c >= 0x20 && c < 0x7f;
}

int validate_label_value(const char *field, const char *value, char *err, size_t errlen)
{
	size_t len, bad;

	value = validate_string(value);
	len = strnlen(value, VALIDATE_LABEL_VALUE_MAX + 1);
	if (len > VALIDATE_LABEL_VALUE_MAX)
		return validate_fail(err, errlen, field, "value longer than %d bytes",
		    VALIDATE_LABEL_VALUE_MAX);
	bad = validate_find_bad(value, len, validate_printable);
	if (bad < len)
		return validate_fail_char(err, errlen, field, value, bad,
		    "printable ASCII");
	return 0;
}

/* Returns the 6-bit value of a base64 character, or -1. */
static int validate_base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (validate_is_digit(c))
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decodes one 4-character group of padded base64 into out. last says
 * whether it ends the input ('=' is allowed only there, in positions 3-4).
 * Returns the number of bytes written (1..3), or -EINVAL on a bad character,
 * misplaced padding or non-zero bits under the padding.
 */
static int validate_base64_group(const char in[4], bool last, uint8_t out[3])
{
	uint32_t group = 0;
	int pad = 0, v;

	for (int j = 0; j < 4; j++) {
		if (last && j >= 2 && in[j] == '=') {
			pad++;
			group <<= 6;
			continue;
		}
		v = validate_base64_value(in[j]);
		if (v < 0 || pad > 0)
			return -EINVAL;
		group = group << 6 | (uint32_t)v;
	}
	if ((pad == 1 && (group & 0xff)) || (pad == 2 && (group & 0xffff)))
		return -EINVAL;
	out[0] = (uint8_t)(group >> 16);
	out[1] = (uint8_t)(group >> 8);
	out[2] = (uint8_t)group;
	return 3 - pad;
}

/*
 * Strictly decodes len bytes of standard padded base64 into out, which
 * holds len / 4 * 3 bytes. Returns the decoded length or -EINVAL.
 */
static int validate_base64_decode(const char *in, size_t len, uint8_t *out)
{
	size_t n = 0;
	int r;

	if (len == 0 || len % 4 != 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 4) {
		r = validate_base64_group(in + i, i + 4 == len, out + n);
		if (r < 0)
			return r;
		n += (size_t)r;
	}
	return (int)n;
}

struct validate_key_type {
	const char *name;
	const char *curve;      /* second field of an ECDSA blob, else NULL */
	unsigned fields;        /* length-prefixed fields in the blob */
	uint32_t key_len;       /* length of the second field if fixed, else 0 */
};

static const struct validate_key_type validate_key_types[] = {
	{ "ssh-ed25519", NULL, 2, 32 },
	{ "ssh-rsa", NULL, 3, 0 },
	{ "ecdsa-sha2-nistp256", "nistp256", 3, 0 },
	{ "ecdsa-sha2-nistp384", "nistp384", 3, 0 },
	{ "ecdsa-sha2-nistp521", "nistp521", 3, 0 },
	{ "sk-ssh-ed25519@openssh.com", NULL, 3, 32 },
	{ "sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", 4, 0 },
};

/* Returns the known key type named by s[0..len), or NULL. */
static const struct validate_key_type *validate_key_type_find(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(validate_key_types) / sizeof(validate_key_types[0]); i++)
		if (strlen(validate_key_types[i].name) == len &&
		    memcmp(validate_key_types[i].name, s, len) == 0)
			return &validate_key_types[i];
	return NULL;
}

struct validate_blob_field {
	const uint8_t *data;
	uint32_t len;
};

/*
 * Splits a key blob into its uint32-length-prefixed fields, which must fill
 * it exactly. Stores them in fields and returns how many there are, or
 * -EINVAL when a length overruns the blob or there are more than
 * VALIDATE_SSH_FIELDS_MAX (no known key type has more).
 */
static int validate_blob_split(const uint8_t *blob, size_t len,
    struct validate_blob_field fields[VALIDATE_SSH_FIELDS_MAX])
{
	size_t off = 0;
	uint32_t n;
	int count = 0;

	while (off < len) {
		if (len - off < 4)
			return -EINVAL;
		n = (uint32_t)blob[off] << 24 | (uint32_t)blob[off + 1] << 16 |
		    (uint32_t)blob[off + 2] << 8 | blob[off + 3];
		off += 4;
		if (n > len - off || count == VALIDATE_SSH_FIELDS_MAX)
			return -EINVAL;
		fields[count++] = (struct validate_blob_field){ blob + off, n };
		off += n;
	}
	return count;
}

static bool validate_field_is(const struct validate_blob_field *f, const char *s)
{
	return f->len == strlen(s) && memcmp(f->data, s, f->len) == 0;
}

/* Checks that a decoded blob is a well-formed key of type. */
static int validate_blob(const char *field, const struct validate_key_type *type,
    const uint8_t *blob, size_t len, char *err, size_t errlen)
{
	struct validate_blob_field f[VALIDATE_SSH_FIELDS_MAX];
	int count = validate_blob_split(blob, len, f);

	if (count < 1)
		return validate_fail(err, errlen, field,
		    "not an OpenSSH public key: key data is truncated or malformed");
	if (!validate_field_is(&f[0], type->name))
		return validate_fail(err, errlen, field,
		    "not an OpenSSH public key: key data does not match key type \"%s\"",
		    type->name);
	if ((unsigned)count != type->fields ||
	    (type->curve && !validate_field_is(&f[1], type->curve)) ||
	    (type->key_len && f[1].len != type->key_len))
		return validate_fail(err, errlen, field,
		    "not an OpenSSH public key: key data is truncated or malformed");
	return 0;
}

/*
 * Checks that value holds no newline, carriage return or other control
 * character (a tab is fine) and is not longer than max bytes.
 */
static int validate_one_line(const char *field, const char *value, size_t max,
    char *err, size_t errlen)
{
	size_t len = strnlen(value, max + 1);

	if (len == 0)
		return validate_fail(err, errlen, field, "must not be empty");
	if (len > max)
		return validate_fail(err, errlen, field, "longer than %zu bytes", max);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if (c == '\n')
			return validate_fail(err, errlen, field, "contains a newline");
		if (c == '\r')
			return validate_fail(err, errlen, field, "contains a carriage return");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return validate_fail(err, errlen, field,
			    "contains a control character at offset %zu", i);
	}
	return 0;
}

int validate_ssh_public_key(const char *field, const char *value, char *err, size_t errlen)
{
	uint8_t blob[VALIDATE_SSH_BLOB_MAX];
	char echo[VALIDATE_ECHO_SIZE];
	const struct validate_key_type *type;
	size_t type_len, data_start, data_len;
	int r, blob_len;

	value = validate_string(value);
	r = validate_one_line(field, value, VALIDATE_SSH_KEY_MAX, err, errlen);
	if (r < 0)
		return r;
	type_len = strcspn(value, " \t");
	if (type_len == 0)
		return validate_fail(err, errlen, field,
		    "not an OpenSSH public key: expected \"type base64 [comment]\"");
	type = validate_key_type_find(value, type_len);
	if (!type)
		return validate_fail(err, errlen, field,
		    "not an OpenSSH public key: unknown key type %s",
		    validate_echo_span(echo, value, type_len));
	data_start = type_len + strspn(value + type_len, " \t");
	data_len = strcspn(value + data_start, " \t");
	if (data_start == type_len || data_len == 0)
		return validate_fail(err, errlen, field,
		    "not an OpenSSH public key: the base64 key data is missing");
	blob_len = validate_base64_decode(value + data_start, data_len, blob);
	if (blob_len < 0)
		return validate_fail(err, errlen, field,
		    "not an OpenSSH public key: key data is not valid base64");
	return validate_blob(field, type, blob, (size_t)blob_len, err, errlen);
}

/* Returns the string field name ("key" or "value") of a map entry, or NULL. */
static const char *validate_entry_string(const ProtobufCMessage *entry, const char *name)
{
	const ProtobufCFieldDescriptor *f;

	f = protobuf_c_message_descriptor_get_field_by_name(entry->descriptor, name);
	if (!f || f->type != PROTOBUF_C_TYPE_STRING)
		return NULL;
	return *(char *const *)(const void *)((const char *)entry + f->offset);
}

/* Checks entry i of map name against entries 0..i-1 for a repeated key. */
static bool validate_key_repeated(ProtobufCMessage *const *entries, size_t i,
    const char *key)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(validate_string(validate_entry_string(entries[j], "key")), key) == 0)
			return true;
	return false;
}

/* Checks one label entry; field becomes "name[key]" for messages. */
static int validate_label_entry(const char *name, ProtobufCMessage *const *entries,
    size_t i, char *err, size_t errlen)
{
	char field[VALIDATE_FIELD_MAX], echo[VALIDATE_ECHO_SIZE];
	const char *key, *value;
	int r;

	if (!entries[i])
		return validate_fail(err, errlen, name, "entry %zu is missing", i);
	key = validate_string(validate_entry_string(entries[i], "key"));
	value = validate_string(validate_entry_string(entries[i], "value"));
	snprintf(field, sizeof(field), "%s[%s]", name, validate_echo(echo, key));
	r = validate_label_key(field, key, err, errlen);
	if (r < 0)
		return r;
	snprintf(field, sizeof(field), "%s[%s]", name, key);
	r = validate_label_value(field, value, err, errlen);
	if (r < 0)
		return r;
	if (validate_key_repeated(entries, i, key))
		return validate_fail(err, errlen, field, "key given more than once");
	return 0;
}

/*
 * Checks a map<string, string> of labels (protobuf-c map entries, each a
 * message with "key" and "value"): count, every key and value, no key twice.
 */
static int validate_labels(const char *name, ProtobufCMessage *const *entries,
    size_t n, char *err, size_t errlen)
{
	int r;

	if (n > VALIDATE_LABELS_MAX)
		return validate_fail(err, errlen, name, "more than %d labels",
		    VALIDATE_LABELS_MAX);
	for (size_t i = 0; i < n; i++) {
		r = validate_label_entry(name, entries, i, err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

static int validate_ssh_keys(char *const *keys, size_t n, char *err, size_t errlen)
{
	char field[VALIDATE_FIELD_MAX];
	int r;

	if (n > VALIDATE_SSH_KEYS_MAX)
		return validate_fail(err, errlen, "ssh_keys", "more than %d keys",
		    VALIDATE_SSH_KEYS_MAX);
	for (size_t i = 0; i < n; i++) {
		snprintf(field, sizeof(field), "ssh_keys[%zu]", i);
		r = validate_ssh_public_key(field, keys[i], err, errlen);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool validate_is_set(const char *value)
{
	return value && value[0] != '\0';
}

static int validate_resources(const Containarium__V1__ResourceLimits *res,
    char *err, size_t errlen)
{
	int r = 0;

	if (validate_is_set(res->cpu))
		r = validate_cpu("resources.cpu", res->cpu, err, errlen);
	if (r == 0 && validate_is_set(res->memory))
		r = validate_size("resources.memory", res->memory, NULL, err, errlen);
	if (r == 0 && validate_is_set(res->disk))
		r = validate_size("resources.disk", res->disk, NULL, err, errlen);
	return r;
}

static int validate_create(const ProtobufCMessage *request, char *err, size_t errlen)
{
	const Containarium__V1__CreateContainerRequest *req = (const void *)request;
	int r;

	r = validate_username("username", req->username, err, errlen);
	if (r == 0 && req->resources)
		r = validate_resources(req->resources, err, errlen);
	if (r == 0)
		r = validate_ssh_keys(req->ssh_keys, req->n_ssh_keys, err, errlen);
	if (r == 0)
		r = validate_labels("labels", (ProtobufCMessage *const *)req->labels,
		    req->n_labels, err, errlen);
	if (r == 0 && validate_is_set(req->image))
		r = validate_image("image", req->image, err, errlen);
	return r;
}

static int validate_list(const ProtobufCMessage *request, char *err, size_t errlen)
{
	const Containarium__V1__ListContainersRequest *req = (const void *)request;
	int r = 0;

	if (!protobuf_c_enum_descriptor_get_value(
	    &containarium__v1__container_state__descriptor, (int)req->state))
		return validate_fail(err, errlen, "state",
		    "%d is not a ContainerState", (int)req->state);
	if (validate_is_set(req->username))
		r = validate_username("username", req->username, err, errlen);
	if (r == 0)
		r = validate_labels("label_filter",
		    (ProtobufCMessage *const *)req->label_filter,
		    req->n_label_filter, err, errlen);
	return r;
}

/* Get, Delete and Start: a username and nothing else to check. */
static int validate_get(const ProtobufCMessage *request, char *err, size_t errlen)
{
	return validate_username("username",
	    ((const Containarium__V1__GetContainerRequest *)request)->username, err, errlen);
}

static int validate_delete(const ProtobufCMessage *request, char *err, size_t errlen)
{
	return validate_username("username",
	    ((const Containarium__V1__DeleteContainerRequest *)request)->username, err, errlen);
}

static int validate_start(const ProtobufCMessage *request, char *err, size_t errlen)
{
	return validate_username("username",
	    ((const Containarium__V1__StartContainerRequest *)request)->username, err, errlen);
}

static int validate_stop(const ProtobufCMessage *request, char *err, size_t errlen)
{
	const Containarium__V1__StopContainerRequest *req = (const void *)request;
	int r;

	r = validate_username("username", req->username, err, errlen);
	if (r == 0 && (req->timeout < 0 || req->timeout > VALIDATE_STOP_TIMEOUT_MAX))
		r = validate_fail(err, errlen, "timeout",
		    "%d is out of range (0..%d seconds)", (int)req->timeout,
		    VALIDATE_STOP_TIMEOUT_MAX);
	return r;
}

/* AddSSHKey and RemoveSSHKey: a key to remove is checked like one to add. */
static int validate_key_change(const char *username, const char *key, char *err,
    size_t errlen)
{
	int r = validate_username("username", username, err, errlen);

	return r < 0 ? r : validate_ssh_public_key("ssh_public_key", key, err, errlen);
}

static int validate_add_ssh_key(const ProtobufCMessage *request, char *err, size_t errlen)
{
	const Containarium__V1__AddSSHKeyRequest *req = (const void *)request;

	return validate_key_change(req->username, req->ssh_public_key, err, errlen);
}

static int validate_remove_ssh_key(const ProtobufCMessage *request, char *err, size_t errlen)
{
	const Containarium__V1__RemoveSSHKeyRequest *req = (const void *)request;

	return validate_key_change(req->username, req->ssh_public_key, err, errlen);
}

static int validate_get_metrics(const ProtobufCMessage *request, char *err, size_t errlen)
{
	const Containarium__V1__GetMetricsRequest *req = (const void *)request;

	if (!validate_is_set(req->username))
		return 0;
	return validate_username("username", req->username, err, errlen);
}

static int validate_get_system_info(const ProtobufCMessage *request, char *err,
    size_t errlen)
{
	(void)request;
	(void)err;
	(void)errlen;
	return 0;
}

/* Checks a secret's presence and length; its content is never echoed. */
static int validate_secret(const char *field, const char *value, size_t max,
    char *err, size_t errlen)
{
	size_t len = strnlen(validate_string(value), max + 1);

	if (len == 0)
		return validate_fail(err, errlen, field, "must not be empty");
	if (len > max)
		return validate_fail(err, errlen, field, "longer than %zu bytes", max);
	return 0;
}

static int validate_login(const ProtobufCMessage *request, char *err, size_t errlen)
{
	const Containarium__V1__LoginRequest *req = (const void *)request;
	int r;

	r = validate_username("username", req->username, err, errlen);
	if (r == 0)
		r = validate_secret("password", req->password, VALIDATE_PASSWORD_MAX,
		    err, errlen);
	return r;
}

static int validate_validate_token(const ProtobufCMessage *request, char *err,
    size_t errlen)
{
	const Containarium__V1__ValidateTokenRequest *req = (const void *)request;

	return validate_secret("token", req->token, VALIDATE_TOKEN_MAX, err, errlen);
}

/* A new credential: a password of at most VALIDATE_PASSWORD_MAX bytes
 * and/or a request for a generated API key; at least one. */
static int validate_credential(const char *password, bool generate_api_key,
    char *err, size_t errlen)
{
	if (!validate_is_set(password) && !generate_api_key)
		return validate_fail(err, errlen, "password",
		    "must not be empty unless generate_api_key is set");
	if (!validate_is_set(password))
		return 0;
	return validate_secret("password", password, VALIDATE_PASSWORD_MAX, err, errlen);
}

static int validate_add_user(const ProtobufCMessage *request, char *err, size_t errlen)
{
	const Containarium__V1__AddUserRequest *req = (const void *)request;
	int r;

	r = validate_username("username", req->username, err, errlen);
	if (r == 0 && (req->role < CONTAINARIUM__V1__USER_ROLE__USER_ROLE_ADMIN ||
	    req->role > CONTAINARIUM__V1__USER_ROLE__USER_ROLE_VIEWER))
		r = validate_fail(err, errlen, "role", "must be admin, user or viewer");
	if (r == 0)
		r = validate_credential(req->password, req->generate_api_key, err, errlen);
	return r;
}

static int validate_remove_user(const ProtobufCMessage *request, char *err, size_t errlen)
{
	const Containarium__V1__RemoveUserRequest *req = (const void *)request;

	return validate_username("username", req->username, err, errlen);
}

static int validate_list_users(const ProtobufCMessage *request, char *err, size_t errlen)
{
	(void)request;
	(void)err;
	(void)errlen;
	return 0;
}

static int validate_set_password(const ProtobufCMessage *request, char *err, size_t errlen)
{
	const Containarium__V1__SetPasswordRequest *req = (const void *)request;
	int r;

	r = validate_username("username", req->username, err, errlen);
	if (r == 0)
		r = validate_credential(req->password, req->generate_api_key, err, errlen);
	return r;
}

static const validate_method_fn validate_methods[METHOD_MAX + 1] = {
	[METHOD_CREATE_CONTAINER] = validate_create,
	[METHOD_LIST_CONTAINERS] = validate_list,
	[METHOD_GET_CONTAINER] = validate_get,
	[METHOD_DELETE_CONTAINER] = validate_delete,
	[METHOD_START_CONTAINER] = validate_start,
	[METHOD_STOP_CONTAINER] = validate_stop,
	[METHOD_ADD_SSH_KEY] = validate_add_ssh_key,
	[METHOD_REMOVE_SSH_KEY] = validate_remove_ssh_key,
	[METHOD_GET_METRICS] = validate_get_metrics,
	[METHOD_GET_SYSTEM_INFO] = validate_get_system_info,
	[METHOD_LOGIN] = validate_login,
	[METHOD_VALIDATE_TOKEN] = validate_validate_token,
	[METHOD_ADD_USER] = validate_add_user,
	[METHOD_REMOVE_USER] = validate_remove_user,
	[METHOD_LIST_USERS] = validate_list_users,
	[METHOD_SET_PASSWORD] = validate_set_password,
};

int validate_request(unsigned method, const ProtobufCMessage *request,
    char *err, size_t errlen)
{
	const struct method_info *info = method_lookup(method);

	if (!info || !validate_methods[method])
		return validate_fail(err, errlen, "request", "unknown method %u", method);
	if (!request || request->descriptor != info->request)
		return validate_fail(err, errlen, "request", "is not a %s request",
		    info->name);
	return validate_methods[method](request, err, errlen);
}
