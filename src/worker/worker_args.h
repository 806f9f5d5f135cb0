/*
 * worker_args.h - the worker's command line.
 */
#ifndef CONTAINARIUM_WORKER_ARGS_H
#define CONTAINARIUM_WORKER_ARGS_H

#include <stddef.h>

#include "common/ipc.h"

#define WORKER_ID_MAX 65535u
#define WORKER_MESSAGE_BYTES_MIN 1024u
/* A request body plus its Caller (token <= 8 KiB) must fit in one packet. */
#define WORKER_MESSAGE_BYTES_MAX (IPC_MAX_PAYLOAD - 64u * 1024u)
#define WORKER_CALLS_MAX 65536u

struct worker_args {
	unsigned id;
	size_t max_message_bytes;
	unsigned max_calls;
};

/*
 * Parses "--id N --max-message-bytes B --max-calls C" (each also as
 * "--name=value"); argv[0] is skipped. Every option is required, numbers are
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
