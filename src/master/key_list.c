/*
 * key_list.c - authorized_keys lines; see key_list.h.
 */
#include "key_list.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int key_list_append(struct key_list *list, const char *line, size_t len)
{
	char **lines, *copy;

	if (list->n >= KEY_LIST_MAX)
		return -E2BIG;
	copy = strndup(line, len);
	if (!copy)
		return -ENOMEM;
	lines = realloc(list->lines, (list->n + 1) * sizeof(*lines));
	if (!lines) {
		free(copy);
		return -ENOMEM;
	}
	lines[list->n++] = copy;
	list->lines = lines;
	return 0;
}

int key_list_parse(const char *content, size_t len, struct key_list *list)
{
	size_t start = 0;

	*list = (struct key_list){ 0 };
	while (start < len) {
		const char *nl = memchr(content + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - content) : len;
		size_t line_len = end - start;
		int r;

		if (line_len > 0 && content[start + line_len - 1] == '\r')
			line_len--;
		if (line_len > 0 && (r = key_list_append(list, content + start, line_len)) < 0) {
			key_list_clear(list);
			return r;
		}
		start = end + 1;
	}
	return 0;
}

void key_list_clear(struct key_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->lines[i]);
	free(list->lines);
	*list = (struct key_list){ 0 };
}

/*
 * Finds the span "type blob" of a key line: the first two space-separated
 * fields. Returns its length, or 0 for a comment or a line with one field.
 */
static size_t key_identity_len(const char *line)
{
	const char *p = line, *blob_end;

	if (*p == '#' || *p == '\0')
		return 0;
	p = strchr(p, ' ');
	if (!p)
		return 0;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 0;
	blob_end = p + strcspn(p, " \t");
	return (size_t)(blob_end - line);
}

static bool key_same(const char *a, const char *b)
{
	size_t la = key_identity_len(a), lb = key_identity_len(b);
	const char *sa = a, *sb = b;

	if (la == 0 || lb == 0)
		return false;
	/* Compare type and blob, ignoring how many spaces separate them. */
	size_t ta = strcspn(a, " "), tb = strcspn(b, " ");
	if (ta != tb || memcmp(a, b, ta) != 0)
		return false;
	sa += ta + strspn(a + ta, " ");
	sb += tb + strspn(b + tb, " ");
	return (size_t)(a + la - sa) == (size_t)(b + lb - sb) &&
	    memcmp(sa, sb, (size_t)(a + la - sa)) == 0;
}

long key_list_find(const struct key_list *list, const char *key)
{
	for (size_t i = 0; i < list->n; i++)
		if (key_same(list->lines[i], key))
			return (long)i;
	return -1;
}

int key_list_add(struct key_list *list, const char *key)
{
	int r;

	if (key_list_find(list, key) >= 0)
		return 0;
	r = key_list_append(list, key, strlen(key));
	return r < 0 ? r : 1;
}

size_t key_list_remove(struct key_list *list, const char *key)
{
	size_t kept = 0, removed = 0;

	for (size_t i = 0; i < list->n; i++) {
		if (key_same(list->lines[i], key)) {
			free(list->lines[i]);
			removed++;
		} else
			list->lines[kept++] = list->lines[i];
	}
	list->n = kept;
	return removed;
}

size_t key_list_count(const struct key_list *list)
{
	size_t n = 0;

	for (size_t i = 0; i < list->n; i++)
		n += key_identity_len(list->lines[i]) > 0;
	return n;
}

int key_list_render(const struct key_list *list, char **ret, size_t *ret_len)
{
	size_t len = 0, pos = 0;
	char *out;

	for (size_t i = 0; i < list->n; i++)
		len += strlen(list->lines[i]) + 1;
	out = malloc(len + 1);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < list->n; i++) {
		size_t l = strlen(list->lines[i]);

		memcpy(out + pos, list->lines[i], l);
		pos += l;
		out[pos++] = '\n';
	}
	out[pos] = '\0';
	*ret = out;
	*ret_len = len;
	return 0;
}
