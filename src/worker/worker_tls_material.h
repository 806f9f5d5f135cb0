/*
 * worker_tls_material.h - the TLS material the master hands a worker.
 *
 * The master puts the certificate chain, the private key and the client CA
 * in a sealed memfd (src/master/tls_material.h) which the worker inherits
 * as fd 6. The worker reads it once, before it drops privileges, and keeps
 * the PEM strings only until grpc has made its credentials from them.
 */
#ifndef CONTAINARIUM_WORKER_TLS_MATERIAL_H
#define CONTAINARIUM_WORKER_TLS_MATERIAL_H

#define WORKER_FD_TLS 6
/* Bound on the memfd: three files of at most 1 MiB each, and framing. */
#define WORKER_TLS_MATERIAL_MAX (3 * 1024 * 1024 + 4096)

enum worker_tls_mode {
	WORKER_TLS_OFF = 0,
	WORKER_TLS_ON = 1,      /* same numbers as TlsMaterial.Mode */
	WORKER_TLS_MUTUAL = 2,
};

struct worker_tls_material {
	enum worker_tls_mode mode;
	char *cert_chain;       /* NUL-terminated PEM */
	char *private_key;      /* NUL-terminated PEM; a secret */
	char *client_ca;        /* NUL-terminated PEM; NULL unless mutual */
};

/*
 * Reads the material from the sealed memfd fd. Returns 0 and fills *ret
 * (the caller clears it with worker_tls_material_clear()), -EBADF when fd
 * is not a sealed memfd, -EFBIG when it is over WORKER_TLS_MATERIAL_MAX,
 * -EINVAL when its contents do not decode or are incomplete for the mode,
 * -ENOMEM, or another negative errno from reading.
 */
int worker_tls_material_read(int fd, struct worker_tls_material *ret);

/*
 * Reads the material from fd when the master passed one (then closes fd),
 * else sets *ret to TLS off. Returns 0 or worker_tls_material_read()'s
 * error.
 */
int worker_tls_material_inherit(int fd, struct worker_tls_material *ret);

/* Wipes the key and frees everything; m may be all zero. */
void worker_tls_material_clear(struct worker_tls_material *m);

#endif
