/*
 * worker_tls.c - TLS through grpc's external-connection handler; see
 * worker_tls.h.
 *
 * What this relies on in grpc 1.51 (src/core/ext/transport/chttp2/server/
 * chttp2_server.cc, src/core/lib/iomgr/tcp_server{.h,_posix.cc}):
 *   - grpc_server_add_http2_port() with an address starting "external:"
 *     creates a listener that binds nothing, with the port's credentials
 *     (here SSL server credentials) as its security connector;
 *   - it finds a pointer channel argument named exactly like the address,
 *     whose value points to a `grpc_core::TcpServerFdHandler *`, and
 *     stores there a handler of that listener (grpc owns and frees it when
 *     the server shuts down);
 *   - TcpServerFdHandler is a C++ class with a virtual destructor and one
 *     virtual method, Handle(int listener_fd, int fd, grpc_byte_buffer
 *     *pending_read), which takes ownership of fd, reads its peer address
 *     and runs the listener's accept path: security handshake, then HTTP/2.
 * The C++ API (grpc::experimental::ExternalConnectionAcceptor) is a thin
 * wrapper around exactly this. The class's vtable is laid out by the
 * Itanium C++ ABI: complete-object destructor, deleting destructor, Handle.
 * worker_tls_start() refuses a grpc core other than 29.x (grpc 1.51), the
 * one this layout was checked against.
 */
#include "worker_tls.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <grpc/grpc_security.h>
#include <openssl/ssl.h>

#define WORKER_TLS_PORT "external:containarium-tls"
#define WORKER_TLS_GRPC_CORE "29."

/* grpc_core::TcpServerFdHandler as the Itanium C++ ABI lays it out. */
struct worker_tls_fd_handler;
struct worker_tls_fd_handler_vtable {
	void (*destroy)(struct worker_tls_fd_handler *self);
	void (*destroy_and_free)(struct worker_tls_fd_handler *self);
	void (*handle)(struct worker_tls_fd_handler *self, int listener_fd, int fd,
	    grpc_byte_buffer *pending_read);
};
struct worker_tls_fd_handler {
	const struct worker_tls_fd_handler_vtable *vtable;
};

/*
 * grpc's one-time check whether SO_REUSEPORT works: it opens a socket.
 * A C++ function of libgrpc (src/core/lib/iomgr/socket_utils_posix.h),
 * exported; declared here by its mangled name, weak, so that a grpc
 * without it still links (worker_tls_start() then refuses that grpc).
 */
extern bool worker_tls_grpc_reuse_port_probe(void)
    __asm__("_Z35grpc_is_socket_reuse_port_supportedv") __attribute__((weak));

/* Written by grpc inside grpc_server_add_http2_port(WORKER_TLS_PORT). */
static struct worker_tls_fd_handler *worker_tls_handler;
static bool worker_tls_on;

/* The channel argument holds a plain pointer: copies share it. */
static void *worker_tls_arg_copy(void *p)
{
	return p;
}

static void worker_tls_arg_destroy(void *p)
{
	(void)p;
}

static int worker_tls_arg_compare(void *a, void *b)
{
	return a < b ? -1 : a > b;
}

static const grpc_arg_pointer_vtable worker_tls_arg_vtable = {
	worker_tls_arg_copy, worker_tls_arg_destroy, worker_tls_arg_compare,
};

grpc_arg worker_tls_server_arg(void)
{
	grpc_arg arg = { .type = GRPC_ARG_POINTER, .key = (char *)WORKER_TLS_PORT };

	arg.value.pointer.p = &worker_tls_handler;
	arg.value.pointer.vtable = &worker_tls_arg_vtable;
	return arg;
}

int worker_tls_prepare(void)
{
	/* Loads OpenSSL's configuration and strings; glibc's qsort, which
	 * OpenSSL uses here, asks sysinfo() once for the memory size. */
	if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1)
		return -EIO;
	/* The probe is a gpr_once: later calls, under the sandbox, only read
	 * its result. Its answer does not matter (no port is bound). */
	if (worker_tls_grpc_reuse_port_probe)
		(void)worker_tls_grpc_reuse_port_probe();
	return 0;
}

/* Returns new SSL server credentials for m, or NULL. */
static grpc_server_credentials *worker_tls_credentials(const struct worker_tls_material *m)
{
	grpc_ssl_pem_key_cert_pair pair = { m->private_key, m->cert_chain };
	grpc_ssl_server_certificate_config *config;
	grpc_ssl_server_credentials_options *options;

	/* grpc copies the PEM strings; the caller wipes its own. */
	config = grpc_ssl_server_certificate_config_create(
	    m->mode == WORKER_TLS_MUTUAL ? m->client_ca : NULL, &pair, 1);
	if (!config)
		return NULL;
	options = grpc_ssl_server_credentials_create_options_using_config(
	    m->mode == WORKER_TLS_MUTUAL ?
	    GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY :
	    GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE, config);
	if (!options) {
		grpc_ssl_server_certificate_config_destroy(config);
		return NULL;
	}
	return grpc_ssl_server_credentials_create_with_options(options);
}

int worker_tls_start(grpc_server *server, const struct worker_tls_material *m)
{
	grpc_server_credentials *creds;

	if (strncmp(grpc_version_string(), WORKER_TLS_GRPC_CORE,
	    strlen(WORKER_TLS_GRPC_CORE)) != 0)
		return -ENOTSUP;
	creds = worker_tls_credentials(m);
	if (!creds)
		return -EINVAL;
	/* An external port has no number: grpc returns 0 whatever happens.
	 * It fails before writing the handler (credentials refused) or not
	 * at all, so the handler is the sign of success. */
	(void)grpc_server_add_http2_port(server, WORKER_TLS_PORT, creds);
	grpc_server_credentials_release(creds);
	if (!worker_tls_handler)
		return -EINVAL;
	worker_tls_on = true;
	return 0;
}

bool worker_tls_enabled(void)
{
	return worker_tls_on;
}

void worker_tls_handoff(int listener_fd, int fd)
{
	worker_tls_handler->vtable->handle(worker_tls_handler, listener_fd, fd, NULL);
}

int worker_tls_call_identity(grpc_call *call, char *buf, size_t len)
{
	grpc_auth_context *ctx = grpc_call_auth_context(call);
	grpc_auth_property_iterator it;
	const grpc_auth_property *prop;
	int r = -ENOENT;

	if (!ctx)
		return -ENOENT;
	it = grpc_auth_context_find_properties_by_name(ctx, GRPC_X509_CN_PROPERTY_NAME);
	prop = grpc_auth_property_iterator_next(&it);
	if (prop && grpc_auth_context_peer_is_authenticated(ctx)) {
		if (prop->value_length >= len || memchr(prop->value, '\0', prop->value_length)) {
			r = -ENAMETOOLONG;
		} else {
			memcpy(buf, prop->value, prop->value_length);
			buf[prop->value_length] = '\0';
			r = 0;
		}
	}
	grpc_auth_context_release(ctx);
	return r;
}
