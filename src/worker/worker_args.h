/*
 * worker_args.h - the worker's command line.
 */
#ifndef CONTAINARIUM_WORKER_ARGS_H
#define CONTAINARIUM_WORKER_ARGS_H

#include <stddef.h>
#include <sys/types.h>

#include "common/ipc.h"

#define WORKER_ID_MAX 65535u
#define WORKER_MESSAGE_BYTES_MIN 1024u
/* A request body plus its Caller (token <= 8 KiB) must fit in one packet. */
#define WORKER_MESSAGE_BYTES_MAX (IPC_MAX_PAYLOAD - 64u * 1024u)
#define WORKER_CALLS_MAX 65536u
/* uid_t and gid_t are 32 bits; (uid_t)-1 means "no change" to the kernel. */
#define WORKER_ID_UNPRIVILEGED_MAX 4294967294u
#define WORKER_DRAIN_MS_DEFAULT 5000u
#define WORKER_DRAIN_MS_MAX 3600000u

struct worker_args {
	unsigned id;
	size_t max_message_bytes;
	unsigned max_calls;
	uid_t uid;                  /* the sandbox drops to uid:gid */
	gid_t gid;
	unsigned drain_ms;          /* optional; WORKER_DRAIN_MS_DEFAULT */
};

/*
 * Parses "--id N --max-message-bytes B --max-calls C --uid U --gid G
 * [--drain-ms D]" (each also as "--name=value"); argv[0] is skipped. All but
 * --drain-ms are required (U and G never 0), numbers are
 * plain decimal within the limits above. Returns 0 and fills *ret, or
 * -EINVAL with a message in err (errlen bytes) naming the option.
 */
int worker_args_parse(int argc, char *const *argv, struct worker_args *ret,
    char *err, size_t errlen);

/*
 * Parses a decimal number with no sign, spaces or trailing bytes, in
 * [min, max]. Returns 0 and stores it in *ret, -EINVAL or -ERANGE.
 */
int worker_args_parse_number(const char *s, unsigned long long min,
    unsigned long long max, unsigned long long *ret);

#endif
