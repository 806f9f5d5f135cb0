/*
 * cli_file.h - read a small file whole, with a cap on its size.
 *
 * The CLI reads files the user names (PEM certificates, a servers list)
 * and its own token files; any of them may by mistake be huge, a FIFO or
 * binary, so each read is bounded and the result is NUL-terminated.
 */
#ifndef CONTAINARIUM_CLI_FILE_H
#define CONTAINARIUM_CLI_FILE_H

#include <stddef.h>

/*
 * Reads the file at path, at most max bytes. Returns 0 and stores a
 * malloc'd, NUL-terminated copy in *ret (and its length in *ret_len when
 * not NULL), or -EFBIG when it is larger, -EINVAL when it holds a NUL
 * byte, or another negative errno. Nothing is stored on failure.
 */
int cli_file_read(const char *path, size_t max, char **ret, size_t *ret_len);

#endif
