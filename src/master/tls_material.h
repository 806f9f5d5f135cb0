/*
 * tls_material.h - the TLS certificate, key and client CA for the workers.
 *
 * Workers terminate TLS, but they drop privileges and load a seccomp filter
 * before serving, and the key file is readable by root only. So the master
 * reads the files named by [tls], checks that they parse and that the key
 * belongs to the certificate, and puts them in a sealed memfd
 * (proto/containarium/ipc/tls.proto) that every worker it spawns inherits
 * as fd 6 (WORKER_FD_TLS). A worker reads it once at start.
 *
 * A renewed certificate is picked up by calling tls_material_refresh() with
 * the configuration being loaded (on SIGHUP): workers spawned afterwards get
 * the new material; workers already running keep the one they read.
 */
#ifndef CONTAINARIUM_TLS_MATERIAL_H
#define CONTAINARIUM_TLS_MATERIAL_H

#include <stddef.h>

#include "common/config.h"

/* Largest certificate, key or CA file accepted. */
#define TLS_MATERIAL_FILE_MAX (1024 * 1024)

/*
 * Reads and checks the files named by c (whose tls_mode is not off) and
 * returns a sealed, read-only memfd holding them in *ret_fd (CLOEXEC; the
 * spawn dup2s it). Returns 0, or a negative errno with the reason, naming
 * the file, in err: -ENOENT/-EACCES... from open, -EFBIG for a file over
 * TLS_MATERIAL_FILE_MAX, -EPERM for a world-readable key, -EINVAL for a
 * file that does not parse or a key that does not match the certificate.
 */
int tls_material_load(const struct config *c, int *ret_fd, char *err, size_t errlen);

/*
 * Makes *fd_slot the material for c: a new memfd from tls_material_load(),
 * or -1 when c's TLS mode is off. The old descriptor is closed only on
 * success; on failure *fd_slot is untouched (the old material keeps being
 * handed out) and the negative errno and err are tls_material_load()'s.
 */
int tls_material_refresh(const struct config *c, int *fd_slot, char *err, size_t errlen);

#endif
