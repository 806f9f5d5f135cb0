/*
 * key_list.h - an authorized_keys file as a list of lines.
 *
 * Keys are data: lines are kept byte for byte, never interpreted beyond
 * their first two fields (type and base64 blob), which say whether two
 * lines hold the same key whatever their comments.
 */
#ifndef CONTAINARIUM_KEY_LIST_H
#define CONTAINARIUM_KEY_LIST_H

#include <stdbool.h>
#include <stddef.h>

#define KEY_LIST_MAX 1000

struct key_list {
	char **lines;
	size_t n;
};

/*
 * Splits content (len bytes, need not be NUL-terminated) into its
 * non-empty lines; a trailing "\r" is dropped. Returns 0, -E2BIG past
 * KEY_LIST_MAX lines, or -ENOMEM. On error *list is left empty.
 */
int key_list_parse(const char *content, size_t len, struct key_list *list);

/* Frees every line; the list is then empty. */
void key_list_clear(struct key_list *list);

/* Index of the line holding the same key as key (type and blob), or -1. */
long key_list_find(const struct key_list *list, const char *key);

/* Appends key unless already present. Returns 1 if added, 0 if present,
 * -E2BIG when full, -ENOMEM. */
int key_list_add(struct key_list *list, const char *key);

/* Removes every line holding key. Returns how many were removed. */
size_t key_list_remove(struct key_list *list, const char *key);

/* Lines that hold keys (not comments). */
size_t key_list_count(const struct key_list *list);

/* Joins the lines, each ending in "\n", into a new string (*ret_len bytes). */
int key_list_render(const struct key_list *list, char **ret, size_t *ret_len);

#endif
