/*
 * incus_error.c - Incus error codes and texts into negative errnos; see
 * incus_error.h and the table in incus.h.
 */
#include "incus_error.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/*
 * Phrases of instance state conflicts (LXD 5.0 and Incus): "The instance is
 * already running", "Instance is running" (delete), "Instance is not
 * running" (exec), "The container isn't running" (freeze), "The instance
 * is already stopped", "The instance is already frozen", "Instance is busy
 * running a ... operation".
 */
static const char *const state_conflict_phrases[] = {
	"already running",
	"already stopped",
	"already frozen",
	"is running",
	"is not running",
	"isn't running",
	"is stopped",
	"is frozen",
	"is not frozen",
	"isn't frozen",
	"is busy",
};

static bool incus_error_contains(const char *text, const char *phrase)
{
	return strcasestr(text, phrase) != NULL;
}

static bool incus_error_is_state_conflict(const char *text)
{
	size_t n = sizeof(state_conflict_phrases) / sizeof(*state_conflict_phrases);

	for (size_t i = 0; i < n; i++)
		if (incus_error_contains(text, state_conflict_phrases[i]))
			return true;
	return false;
}

int incus_error_from_text(const char *text, bool allow_not_found,
    bool allow_invalid)
{
	if (!text || text[0] == '\0')
		return 0;
	if (incus_error_contains(text, "already exists"))
		return -EEXIST;
	if (incus_error_is_state_conflict(text))
		return -EBUSY;
	if (allow_not_found && incus_error_contains(text, "not found"))
		return -ENOENT;
	if (allow_invalid && strncasecmp(text, "invalid ", 8) == 0)
		return -EINVAL;
	return 0;
}

/* The errno of a status code alone, for codes whose text adds nothing. */
static int incus_error_from_code(int code)
{
	switch (code) {
	case 401:
	case 403:
		return -EACCES;
	case 404:
		return -ENOENT;
	case 409:
		return -EEXIST;
	case 412:
		return -EBUSY;
	case 501:
		return -EOPNOTSUPP;
	case 502:
	case 503:
		return -EHOSTDOWN;
	case 504:
		return -ETIMEDOUT;
	default:
		return 0;
	}
}

int incus_error_from_status(int code, const char *text)
{
	int r;

	r = incus_error_from_code(code);
	if (r < 0)
		return r;
	if (code >= 400 && code < 500) {
		r = incus_error_from_text(text, false, false);
		return r < 0 ? r : -EINVAL;
	}
	r = incus_error_from_text(text, true, true);
	return r < 0 ? r : -EIO;
}

int incus_error_from_operation(int status_code, const char *err)
{
	int r;

	if (status_code == 401)
		return -ECANCELED;
	r = incus_error_from_text(err, true, true);
	return r < 0 ? r : -EIO;
}
