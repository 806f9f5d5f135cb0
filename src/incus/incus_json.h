/*
 * incus_json.h - type-checked access to JSON received from Incus.
 *
 * Private to src/incus. Every getter follows one rule: a key that is absent
 * or null is "not sent" (an error only when required); a key present with
 * another type is -EPROTO. Strings are bounded and never contain NUL
 * (jansson rejects \u0000 unless asked not to). Returned pointers are
 * borrowed from the JSON tree and live as long as it does.
 */
#ifndef CONTAINARIUM_INCUS_JSON_H
#define CONTAINARIUM_INCUS_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INCUS_JSON_NAME_MAX 1024u           /* names, statuses, paths */
#define INCUS_JSON_VALUE_MAX (1024u * 1024u) /* config values, error texts */

/*
 * Parses len bytes of JSON text whose top level must be an object.
 * Duplicate keys are rejected; nesting is bounded by jansson
 * (JSON_PARSER_MAX_DEPTH). Returns 0 and a new reference, or -EPROTO.
 */
int incus_json_parse_object(const char *text, size_t len, json_t **ret);

/* *ret = object[key] if a string of at most max_len bytes, else NULL. */
int incus_json_string(json_t *object, const char *key, bool required,
    size_t max_len, const char **ret);

/* As incus_json_string(), then a malloc'ed copy (NULL when not sent). */
int incus_json_strdup(json_t *object, const char *key, bool required,
    size_t max_len, char **ret);

/* *ret = object[key] if an integer, else 0 when not sent. */
int incus_json_int64(json_t *object, const char *key, bool required,
    int64_t *ret);

/* As incus_json_int64() and -EPROTO when negative. */
int incus_json_uint64(json_t *object, const char *key, bool required,
    uint64_t *ret);

/* As incus_json_int64() and -EPROTO outside [min, max]. */
int incus_json_int_range(json_t *object, const char *key, bool required,
    int min, int max, int *ret);

int incus_json_bool(json_t *object, const char *key, bool required,
    bool *ret);

/* *ret = object[key] if an object, else NULL when not sent. */
int incus_json_object(json_t *object, const char *key, bool required,
    json_t **ret);

/* *ret = object[key] if an array of at most max_count items. */
int incus_json_array(json_t *object, const char *key, bool required,
    size_t max_count, json_t **ret);

/* malloc'ed copy of a JSON string value of at most max_len bytes. */
int incus_json_value_strdup(json_t *value, size_t max_len, char **ret);

/*
 * For building requests: true when text is valid UTF-8 (no overlong form,
 * no surrogate, nothing over U+10FFFF), which JSON strings must be.
 */
bool incus_json_utf8_valid(const char *text);

/*
 * Adds key: text to object. Returns 0, -EINVAL when either is NULL or not
 * UTF-8 (a caller's bad argument), or -ENOMEM.
 */
int incus_json_set_string(json_t *object, const char *key, const char *text);

/*
 * A new array of the strings of a NULL-terminated vector. Returns 0, or
 * -EINVAL (more than max entries, or one not UTF-8), -ENOMEM.
 */
int incus_json_string_array(const char *const *strv, size_t max,
    json_t **ret);

/* Adds key: value to object, taking value (NULL: -ENOMEM). */
int incus_json_set(json_t *object, const char *key, json_t *value);

#endif
