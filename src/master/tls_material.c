/*
 * tls_material.c - reading, checking and sealing the TLS material; see
 * tls_material.h.
 *
 * The checks use OpenSSL, the library grpc itself terminates TLS with, so
 * what passes here is what a worker can load; a bad renewal is refused at
 * reload time instead of making every new worker fail at start.
 */
#include "tls_material.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "containarium/ipc/tls.pb-c.h"

#define TLS_MATERIAL_MIN_FD 10

/* One file's bytes; wiped when freed if it is a secret. */
struct tls_material_file {
	uint8_t *data;
	size_t len;
	bool secret;
};

static void tls_material_file_clear(struct tls_material_file *f)
{
	if (f->data && f->secret)
		explicit_bzero(f->data, f->len);
	free(f->data);
	f->data = NULL;
	f->len = 0;
}

static int tls_material_fail(char *err, size_t errlen, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes the reason to err and returns r. */
static int tls_material_fail(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return r;
}

/* Reads all of fd (a regular file of st->st_size bytes) into f. */
static int tls_material_read_all(int fd, const struct stat *st, struct tls_material_file *f)
{
	size_t want = (size_t)st->st_size, got = 0;

	f->data = malloc(want ? want : 1);
	if (!f->data)
		return -ENOMEM;
	while (got < want) {
		ssize_t n = pread(fd, f->data + got, want - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;

			tls_material_file_clear(f);
			return r;
		}
		got += (size_t)n;
		f->len = got;
	}
	return 0;
}

/*
 * Reads the regular file at path into *f (f->secret says whether it is a
 * key: then a world-readable file is refused). Returns 0 or a negative
 * errno with the reason in err.
 */
static int tls_material_read_file(const char *path, struct tls_material_file *f,
    char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return tls_material_fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		r = tls_material_fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		r = tls_material_fail(err, errlen, -EINVAL, "%s: not a regular file", path);
	else if (st.st_size > TLS_MATERIAL_FILE_MAX)
		r = tls_material_fail(err, errlen, -EFBIG, "%s: larger than %d bytes",
		    path, TLS_MATERIAL_FILE_MAX);
	else if (f->secret && (st.st_mode & S_IROTH))
		r = tls_material_fail(err, errlen, -EPERM,
		    "%s: a private key must not be world-readable", path);
	else {
		r = tls_material_read_all(fd, &st, f);
		if (r < 0)
			tls_material_fail(err, errlen, r, "%s: %s", path, strerror(-r));
	}
	close(fd);
	return r;
}

/* Refuses to prompt for the passphrase of an encrypted key. */
static int tls_material_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag; (void)u;
	return -1;
}

/* Returns the first certificate in PEM bytes f, or NULL. */
static X509 *tls_material_first_cert(const struct tls_material_file *f)
{
	BIO *bio = BIO_new_mem_buf(f->data, (int)f->len);
	X509 *x = bio ? PEM_read_bio_X509(bio, NULL, tls_material_no_passphrase, NULL) : NULL;

	BIO_free(bio);
	return x;
}

/* Returns the private key in PEM bytes f, or NULL. */
static EVP_PKEY *tls_material_key(const struct tls_material_file *f)
{
	BIO *bio = BIO_new_mem_buf(f->data, (int)f->len);
	EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, tls_material_no_passphrase, NULL) : NULL;

	BIO_free(bio);
	return k;
}

/*
 * Checks that cert starts with a certificate, key is an unencrypted key of
 * that certificate, and ca (when given) holds a certificate. Returns 0 or
 * -EINVAL with the reason in err.
 */
static int tls_material_check(const struct config *c, const struct tls_material_file *cert,
    const struct tls_material_file *key, const struct tls_material_file *ca,
    char *err, size_t errlen)
{
	X509 *leaf = tls_material_first_cert(cert), *ca_cert = NULL;
	EVP_PKEY *pkey = tls_material_key(key);
	int r = 0;

	if (!leaf)
		r = tls_material_fail(err, errlen, -EINVAL, "%s: no PEM certificate", c->tls_cert);
	else if (!pkey)
		r = tls_material_fail(err, errlen, -EINVAL,
		    "%s: no unencrypted PEM private key", c->tls_key);
	else if (X509_check_private_key(leaf, pkey) != 1)
		r = tls_material_fail(err, errlen, -EINVAL, "%s does not belong to %s",
		    c->tls_key, c->tls_cert);
	else if (ca->data && !(ca_cert = tls_material_first_cert(ca)))
		r = tls_material_fail(err, errlen, -EINVAL, "%s: no PEM certificate",
		    c->tls_client_ca);
	X509_free(ca_cert);
	EVP_PKEY_free(pkey);
	X509_free(leaf);
	ERR_clear_error();
	return r;
}

/* Writes len bytes of buf to memfd fd and seals it. Returns 0 or -errno. */
static int tls_material_fill(int fd, const uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return -errno;
	return 0;
}

/*
 * Moves fd to a number >= TLS_MATERIAL_MIN_FD (keeping CLOEXEC), so that
 * building a worker's fd layout (3..6) with dup2 never overwrites it.
 * Returns the new fd or a negative errno; fd is closed either way.
 */
static int tls_material_move_fd(int fd)
{
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, TLS_MATERIAL_MIN_FD);
	int r = moved < 0 ? -errno : moved;

	close(fd);
	return r;
}

/* Packs msg into a new sealed memfd. Returns the fd or a negative errno. */
static int tls_material_seal(const Containarium__Ipc__TlsMaterial *msg)
{
	size_t len = containarium__ipc__tls_material__get_packed_size(msg);
	uint8_t *buf = malloc(len ? len : 1);
	int fd, r;

	if (!buf)
		return -ENOMEM;
	containarium__ipc__tls_material__pack(msg, buf);
	fd = memfd_create("containarium-tls", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	r = fd < 0 ? -errno : tls_material_fill(fd, buf, len);
	explicit_bzero(buf, len);
	free(buf);
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return r;
	}
	return tls_material_move_fd(fd);
}

/* Reads the three files of c into cert, key and ca (ca only for mtls). */
static int tls_material_read(const struct config *c, struct tls_material_file *cert,
    struct tls_material_file *key, struct tls_material_file *ca, char *err, size_t errlen)
{
	int r = tls_material_read_file(c->tls_cert, cert, err, errlen);

	if (r == 0)
		r = tls_material_read_file(c->tls_key, key, err, errlen);
	if (r == 0 && c->tls_mode == CONFIG_TLS_MUTUAL)
		r = tls_material_read_file(c->tls_client_ca, ca, err, errlen);
	return r;
}

int tls_material_load(const struct config *c, int *ret_fd, char *err, size_t errlen)
{
	Containarium__Ipc__TlsMaterial msg = CONTAINARIUM__IPC__TLS_MATERIAL__INIT;
	struct tls_material_file cert = { 0 }, key = { .secret = true }, ca = { 0 };
	int r;

	if (c->tls_mode == CONFIG_TLS_OFF)
		return tls_material_fail(err, errlen, -EINVAL, "TLS is off");
	r = tls_material_read(c, &cert, &key, &ca, err, errlen);
	if (r == 0)
		r = tls_material_check(c, &cert, &key, &ca, err, errlen);
	if (r == 0) {
		msg.mode = c->tls_mode == CONFIG_TLS_MUTUAL ?
		    CONTAINARIUM__IPC__TLS_MATERIAL__MODE__MTLS :
		    CONTAINARIUM__IPC__TLS_MATERIAL__MODE__TLS;
		msg.cert_chain = (ProtobufCBinaryData){ cert.len, cert.data };
		msg.private_key = (ProtobufCBinaryData){ key.len, key.data };
		msg.client_ca = (ProtobufCBinaryData){ ca.len, ca.data };
		r = tls_material_seal(&msg);
		if (r < 0)
			tls_material_fail(err, errlen, r, "Cannot seal the TLS material: %s",
			    strerror(-r));
	}
	tls_material_file_clear(&cert);
	tls_material_file_clear(&key);
	tls_material_file_clear(&ca);
	if (r < 0)
		return r;
	*ret_fd = r;
	return 0;
}

int tls_material_refresh(const struct config *c, int *fd_slot, char *err, size_t errlen)
{
	int fd = -1, r;

	if (c->tls_mode != CONFIG_TLS_OFF) {
		r = tls_material_load(c, &fd, err, errlen);
		if (r < 0)
			return r;
	}
	if (*fd_slot >= 0)
		close(*fd_slot);
	*fd_slot = fd;
	return 0;
}
