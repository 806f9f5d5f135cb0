/*
 * worker_args.c - parsing of the worker's command line; see worker_args.h.
 *
 * The master builds this command line, so anything odd in it is a bug on
 * the master's side: the worker refuses to start rather than guess.
 */
#include "worker_args.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int worker_args_parse_number(const char *s, unsigned long long min,
    unsigned long long max, unsigned long long *ret)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* The first options of the table below must all be given. */
#define WORKER_ARGS_REQUIRED 5

struct worker_option {
	const char *name;
	unsigned long long min, max;
	unsigned long long value;
	bool seen;
};

/*
 * Splits argv[*i] (and possibly argv[*i + 1]) into an option name and its
 * value; advances *i past what it used. Returns 0, or -EINVAL when the word
 * is not "--name" or "--name=value" or the value is missing.
 */
static int worker_args_split(int argc, char *const *argv, int *i,
    char *name, size_t namelen, const char **ret_value)
{
	const char *word = argv[*i], *eq;
	size_t len;

	if (strncmp(word, "--", 2) != 0)
		return -EINVAL;
	eq = strchr(word, '=');
	len = eq ? (size_t)(eq - word) : strlen(word);
	if (len >= namelen)
		return -EINVAL;
	memcpy(name, word, len);
	name[len] = '\0';
	if (eq) {
		*ret_value = eq + 1;
	} else {
		if (*i + 1 >= argc)
			return -EINVAL;
		*ret_value = argv[++*i];
	}
	(*i)++;
	return 0;
}

/* Stores value into the option called name. Returns 0 or -EINVAL. */
static int worker_args_store(struct worker_option *options, size_t n,
    const char *name, const char *value, char *err, size_t errlen)
{
	for (size_t k = 0; k < n; k++) {
		if (strcmp(options[k].name, name) != 0)
			continue;
		if (options[k].seen) {
			snprintf(err, errlen, "%s: given twice", name);
			return -EINVAL;
		}
		if (worker_args_parse_number(value, options[k].min, options[k].max,
		    &options[k].value) < 0) {
			snprintf(err, errlen, "%s: expected a number in %llu..%llu",
			    name, options[k].min, options[k].max);
			return -EINVAL;
		}
		options[k].seen = true;
		return 0;
	}
	snprintf(err, errlen, "unknown option: %.64s", name);
	return -EINVAL;
}

int worker_args_parse(int argc, char *const *argv, struct worker_args *ret,
    char *err, size_t errlen)
{
	struct worker_option options[] = {
		{ "--id", 0, WORKER_ID_MAX, 0, false },
		{ "--max-message-bytes", WORKER_MESSAGE_BYTES_MIN,
		  WORKER_MESSAGE_BYTES_MAX, 0, false },
		{ "--max-calls", 1, WORKER_CALLS_MAX, 0, false },
		/* The unprivileged ids the sandbox drops to; never root. */
		{ "--uid", 1, WORKER_ID_UNPRIVILEGED_MAX, 0, false },
		{ "--gid", 1, WORKER_ID_UNPRIVILEGED_MAX, 0, false },
		/* Optional: how long a graceful stop waits for the master. */
		{ "--drain-ms", 0, WORKER_DRAIN_MS_MAX, WORKER_DRAIN_MS_DEFAULT, false },
	};
	const size_t n = sizeof(options) / sizeof(options[0]);
	char name[32];
	const char *value;
	int i = 1;

	while (i < argc) {
		if (worker_args_split(argc, argv, &i, name, sizeof(name), &value) < 0) {
			snprintf(err, errlen, "bad argument: %.64s", argv[i]);
			return -EINVAL;
		}
		if (worker_args_store(options, n, name, value, err, errlen) < 0)
			return -EINVAL;
	}
	for (size_t k = 0; k < WORKER_ARGS_REQUIRED; k++)
		if (!options[k].seen) {
			snprintf(err, errlen, "%s: missing", options[k].name);
			return -EINVAL;
		}
	ret->id = (unsigned)options[0].value;
	ret->max_message_bytes = (size_t)options[1].value;
	ret->max_calls = (unsigned)options[2].value;
	ret->uid = (uid_t)options[3].value;
	ret->gid = (gid_t)options[4].value;
	ret->drain_ms = (unsigned)options[5].value;
	return 0;
}
