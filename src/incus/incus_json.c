/*
 * incus_json.c - type-checked access to JSON received from Incus; see
 * incus_json.h. Incus is a peer: nothing it sends is trusted to have the
 * type or size we expect.
 */
#include "incus_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int incus_json_parse_object(const char *text, size_t len, json_t **ret)
{
	json_error_t error;
	json_t *root;

	if (!text)
		return -EPROTO;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
	if (!root)
		return -EPROTO;
	if (!json_is_object(root)) {
		json_decref(root);
		return -EPROTO;
	}
	*ret = root;
	return 0;
}

/*
 * Looks key up in object. Returns 1 and *ret when sent (present, not
 * null), 0 when not sent and not required, -EPROTO otherwise.
 */
static int incus_json_lookup(json_t *object, const char *key, bool required,
    json_t **ret)
{
	json_t *value;

	if (!json_is_object(object))
		return -EPROTO;
	value = json_object_get(object, key);
	if (!value || json_is_null(value))
		return required ? -EPROTO : 0;
	*ret = value;
	return 1;
}

int incus_json_string(json_t *object, const char *key, bool required,
    size_t max_len, const char **ret)
{
	json_t *value = NULL;
	int r;

	r = incus_json_lookup(object, key, required, &value);
	if (r < 0)
		return r;
	if (r == 0) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(value) || json_string_length(value) > max_len)
		return -EPROTO;
	*ret = json_string_value(value);
	return 0;
}

int incus_json_value_strdup(json_t *value, size_t max_len, char **ret)
{
	char *copy;

	if (!json_is_string(value) || json_string_length(value) > max_len)
		return -EPROTO;
	copy = strdup(json_string_value(value));
	if (!copy)
		return -ENOMEM;
	*ret = copy;
	return 0;
}

int incus_json_strdup(json_t *object, const char *key, bool required,
    size_t max_len, char **ret)
{
	json_t *value = NULL;
	int r;

	r = incus_json_lookup(object, key, required, &value);
	if (r < 0)
		return r;
	if (r == 0) {
		*ret = NULL;
		return 0;
	}
	return incus_json_value_strdup(value, max_len, ret);
}

int incus_json_int64(json_t *object, const char *key, bool required,
    int64_t *ret)
{
	json_t *value = NULL;
	int r;

	r = incus_json_lookup(object, key, required, &value);
	if (r < 0)
		return r;
	if (r == 0) {
		*ret = 0;
		return 0;
	}
	if (!json_is_integer(value))
		return -EPROTO;
	*ret = (int64_t)json_integer_value(value);
	return 0;
}

int incus_json_uint64(json_t *object, const char *key, bool required,
    uint64_t *ret)
{
	int64_t v;
	int r;

	r = incus_json_int64(object, key, required, &v);
	if (r < 0)
		return r;
	if (v < 0)
		return -EPROTO;
	*ret = (uint64_t)v;
	return 0;
}

int incus_json_int_range(json_t *object, const char *key, bool required,
    int min, int max, int *ret)
{
	int64_t v;
	int r;

	r = incus_json_int64(object, key, required, &v);
	if (r < 0)
		return r;
	if (v < min || v > max)
		return -EPROTO;
	*ret = (int)v;
	return 0;
}

int incus_json_bool(json_t *object, const char *key, bool required, bool *ret)
{
	json_t *value = NULL;
	int r;

	r = incus_json_lookup(object, key, required, &value);
	if (r < 0)
		return r;
	if (r == 0) {
		*ret = false;
		return 0;
	}
	if (!json_is_boolean(value))
		return -EPROTO;
	*ret = json_is_true(value);
	return 0;
}

int incus_json_object(json_t *object, const char *key, bool required,
    json_t **ret)
{
	json_t *value = NULL;
	int r;

	r = incus_json_lookup(object, key, required, &value);
	if (r < 0)
		return r;
	if (r > 0 && !json_is_object(value))
		return -EPROTO;
	*ret = value;
	return 0;
}

int incus_json_array(json_t *object, const char *key, bool required,
    size_t max_count, json_t **ret)
{
	json_t *value = NULL;
	int r;

	r = incus_json_lookup(object, key, required, &value);
	if (r < 0)
		return r;
	if (r > 0 && (!json_is_array(value) || json_array_size(value) > max_count))
		return -EPROTO;
	*ret = value;
	return 0;
}

/* The length of a UTF-8 sequence starting with b; 0 if b cannot start one. */
static size_t incus_json_utf8_length(unsigned char b)
{
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

/* Checks the n-byte sequence at s (stops at a NUL: not a continuation). */
static bool incus_json_utf8_sequence(const unsigned char *s, size_t n)
{
	uint32_t cp;

	if (n == 1)
		return true;
	cp = s[0] & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return false;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
		return false;
	return cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

bool incus_json_utf8_valid(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	while (*s != '\0') {
		size_t n = incus_json_utf8_length(*s);

		if (n == 0 || !incus_json_utf8_sequence(s, n))
			return false;
		s += n;
	}
	return true;
}

int incus_json_set(json_t *object, const char *key, json_t *value)
{
	if (!value)
		return -ENOMEM;
	return json_object_set_new(object, key, value) == 0 ? 0 : -ENOMEM;
}

int incus_json_set_string(json_t *object, const char *key, const char *text)
{
	if (!key || !text || !incus_json_utf8_valid(key) ||
	    !incus_json_utf8_valid(text))
		return -EINVAL;
	return incus_json_set(object, key, json_string(text));
}

int incus_json_string_array(const char *const *strv, size_t max,
    json_t **ret)
{
	json_t *array = json_array();
	int r = array ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && strv[i]; i++) {
		if (i >= max || !incus_json_utf8_valid(strv[i]))
			r = -EINVAL;
		else if (json_array_append_new(array, json_string(strv[i])) < 0)
			r = -ENOMEM;
	}
	if (r < 0) {
		json_decref(array);
		return r;
	}
	*ret = array;
	return 0;
}
