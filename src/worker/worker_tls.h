/*
 * worker_tls.h - TLS and mTLS on the TCP listener.
 *
 * grpc 1.51 takes an accepted descriptor from outside only as plaintext
 * (grpc_server_add_channel_from_fd). For TLS the worker uses grpc's other
 * door for outside connections, the one behind the C++ API's
 * ExternalConnectionAcceptor: a port named "external:<name>" added with
 * grpc_server_add_http2_port() and real SSL server credentials makes grpc
 * write a connection handler into a channel argument of that name; each
 * accepted descriptor given to that handler then goes through grpc's own
 * TLS handshake and HTTP/2 setup, exactly as on a port grpc bound itself.
 * So TLS works the same on a listener the master bound and on one systemd
 * passed: the worker only ever accepts. docs/architecture.md says more.
 *
 * Order: worker_tls_server_arg() goes into grpc_server_create()'s args;
 * worker_tls_start() before grpc_server_start(); worker_tls_handoff() from
 * the acceptor thread only, after grpc_server_start() and before
 * grpc_server_shutdown_and_notify() (worker_accept_stop() joins that
 * thread first).
 */
#ifndef CONTAINARIUM_WORKER_TLS_H
#define CONTAINARIUM_WORKER_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <grpc/grpc.h>

#include "worker_tls_material.h"

/*
 * Does, before the sandbox is applied, the one-time work of TLS set-up
 * that needs system calls a serving worker never makes: OpenSSL's
 * initialisation (its configuration file; glibc's qsort calls sysinfo once)
 * and grpc's SO_REUSEPORT probe (a socket()). Returns 0 or -EIO.
 */
int worker_tls_prepare(void);

/* The channel argument through which grpc hands over its handler. */
grpc_arg worker_tls_server_arg(void);

/*
 * Makes server terminate TLS (mTLS when m->mode says so: a client
 * certificate signed by m->client_ca is required and verified) on the
 * connections worker_tls_handoff() is given. Call before grpc_server_start.
 * Returns 0, -ENOTSUP when the grpc library is not the one this was written
 * against, or -EINVAL when grpc refuses the credentials.
 */
int worker_tls_start(grpc_server *server, const struct worker_tls_material *m);

/* Whether worker_tls_start() succeeded: TCP connections go to TLS. */
bool worker_tls_enabled(void);

/*
 * Gives the accepted TCP connection fd (from listener_fd) to grpc for the
 * TLS handshake. grpc owns fd from here, and closes it if the peer is
 * already gone.
 */
void worker_tls_handoff(int listener_fd, int fd);

/*
 * Copies the subject common name of the verified client certificate of
 * call's connection into buf (len bytes, NUL-terminated). Returns 0,
 * -ENOENT when the connection has no verified client certificate, or
 * -ENAMETOOLONG when the name does not fit (or holds a NUL).
 */
int worker_tls_call_identity(grpc_call *call, char *buf, size_t len);

#endif
