/*
 * worker_tls_material.c - reading the TLS material from its memfd; see
 * worker_tls_material.h.
 *
 * The memfd comes from the master, which the worker trusts, but its
 * contents are still bounded and checked: the worker refuses to start
 * rather than serve TLS with half of what it was given.
 */
#include "worker_tls_material.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "containarium/ipc/tls.pb-c.h"

#define WORKER_TLS_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* Reads all of sealed memfd fd into a new buffer *ret of *ret_len bytes. */
static int worker_tls_material_slurp(int fd, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0 || (seals & WORKER_TLS_SEALS) != WORKER_TLS_SEALS || fstat(fd, &st) < 0)
		return -EBADF;
	if (st.st_size <= 0 || st.st_size > WORKER_TLS_MATERIAL_MAX)
		return -EFBIG;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		/* pread: the file offset is shared with every sibling worker. */
		ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;

			explicit_bzero(buf, got);
			free(buf);
			return r;
		}
		got += (size_t)n;
	}
	*ret = buf;
	*ret_len = got;
	return 0;
}

/* Returns a NUL-terminated copy of b, or NULL when b holds a NUL or is empty. */
static char *worker_tls_material_string(const ProtobufCBinaryData *b)
{
	char *s;

	if (b->len == 0 || memchr(b->data, '\0', b->len))
		return NULL;
	s = malloc(b->len + 1);
	if (!s)
		return NULL;
	memcpy(s, b->data, b->len);
	s[b->len] = '\0';
	return s;
}

/* Fills *m from the decoded message. Returns 0, -EINVAL or -ENOMEM. */
static int worker_tls_material_copy(const Containarium__Ipc__TlsMaterial *msg,
    struct worker_tls_material *m)
{
	bool mutual = msg->mode == CONTAINARIUM__IPC__TLS_MATERIAL__MODE__MTLS;

	if (msg->mode != CONTAINARIUM__IPC__TLS_MATERIAL__MODE__TLS && !mutual)
		return -EINVAL;
	if ((msg->client_ca.len != 0) != mutual)
		return -EINVAL;
	m->mode = mutual ? WORKER_TLS_MUTUAL : WORKER_TLS_ON;
	m->cert_chain = worker_tls_material_string(&msg->cert_chain);
	m->private_key = worker_tls_material_string(&msg->private_key);
	m->client_ca = mutual ? worker_tls_material_string(&msg->client_ca) : NULL;
	if (!m->cert_chain || !m->private_key || (mutual && !m->client_ca))
		return -EINVAL;
	return 0;
}

int worker_tls_material_read(int fd, struct worker_tls_material *ret)
{
	struct worker_tls_material m = { 0 };
	Containarium__Ipc__TlsMaterial *msg;
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	r = worker_tls_material_slurp(fd, &buf, &len);
	if (r < 0)
		return r;
	msg = containarium__ipc__tls_material__unpack(NULL, len, buf);
	explicit_bzero(buf, len);
	free(buf);
	if (!msg)
		return -EINVAL;
	r = worker_tls_material_copy(msg, &m);
	if (msg->private_key.len)
		explicit_bzero(msg->private_key.data, msg->private_key.len);
	containarium__ipc__tls_material__free_unpacked(msg, NULL);
	if (r < 0) {
		worker_tls_material_clear(&m);
		return r;
	}
	*ret = m;
	return 0;
}

void worker_tls_material_clear(struct worker_tls_material *m)
{
	if (m->private_key)
		explicit_bzero(m->private_key, strlen(m->private_key));
	free(m->private_key);
	free(m->cert_chain);
	free(m->client_ca);
	*m = (struct worker_tls_material){ 0 };
}

int worker_tls_material_inherit(int fd, struct worker_tls_material *ret)
{
	int r;

	if (fcntl(fd, F_GETFD) < 0) {
		*ret = (struct worker_tls_material){ .mode = WORKER_TLS_OFF };
		return 0;
	}
	r = worker_tls_material_read(fd, ret);
	close(fd);
	return r;
}
