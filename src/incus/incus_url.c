/*
 * incus_url.c - building request URLs for Incus; see incus_url.h.
 */
#include "incus_url.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for n more bytes and the NUL; sets the sticky error. */
static bool incus_url_reserve(struct incus_url *url, size_t n)
{
	size_t need, cap;
	char *text;

	if (url->error < 0)
		return false;
	if (n > INCUS_URL_MAX || url->len + n > INCUS_URL_MAX) {
		url->error = -EINVAL;
		return false;
	}
	need = url->len + n + 1;
	if (need <= url->cap)
		return true;
	cap = url->cap ? url->cap : 128;
	while (cap < need)
		cap *= 2;
	text = realloc(url->text, cap);
	if (!text) {
		url->error = -ENOMEM;
		return false;
	}
	url->text = text;
	url->cap = cap;
	return true;
}

static void incus_url_put(struct incus_url *url, const char *bytes, size_t n)
{
	if (!incus_url_reserve(url, n))
		return;
	memcpy(url->text + url->len, bytes, n);
	url->len += n;
	url->text[url->len] = '\0';
}

void incus_url_append(struct incus_url *url, const char *literal)
{
	if (strchr(literal, '?'))
		url->has_query = true;
	incus_url_put(url, literal, strlen(literal));
}

static bool incus_url_is_unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' ||
	    ch == '~';
}

void incus_url_append_escaped(struct incus_url *url, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0' && url->error == 0; s++) {
		unsigned char ch = (unsigned char)*s;
		char escaped[3] = { '%', hex[ch >> 4], hex[ch & 15] };

		if (incus_url_is_unreserved(ch))
			incus_url_put(url, s, 1);
		else
			incus_url_put(url, escaped, sizeof(escaped));
	}
}

void incus_url_add_query(struct incus_url *url, const char *key,
    const char *value)
{
	incus_url_put(url, url->has_query ? "&" : "?", 1);
	url->has_query = true;
	incus_url_append_escaped(url, key);
	incus_url_put(url, "=", 1);
	incus_url_append_escaped(url, value);
}

int incus_url_finish(struct incus_url *url, char **ret)
{
	int r = url->error;

	if (r == 0 && !url->text)
		r = incus_url_reserve(url, 0) ? 0 : url->error;
	if (r < 0) {
		incus_url_done(url);
		return r;
	}
	url->text[url->len] = '\0';
	*ret = url->text;
	*url = (struct incus_url){ 0 };
	return 0;
}

void incus_url_done(struct incus_url *url)
{
	free(url->text);
	*url = (struct incus_url){ 0 };
}

int incus_url_instance(const char *name, const char *suffix, char **ret)
{
	struct incus_url url = { 0 };

	incus_url_append(&url, "/1.0/instances/");
	incus_url_append_escaped(&url, name);
	incus_url_append(&url, suffix);
	return incus_url_finish(&url, ret);
}
