/*
 * test_tls_material.c - the TLS material from the master's files to a
 * worker's memory: master/tls_material (read, check, seal) and
 * worker/worker_tls_material (read back, bounds); and how a worker names a
 * TLS connection's peer (worker_peer_from_grpc_address). Certificates are
 * made here with OpenSSL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "containarium/ipc/tls.pb-c.h"
#include "master/tls_material.h"
#include "worker/worker_peer.h"
#include "worker/worker_tls_material.h"

static char dir[] = "/tmp/test_tls_material.XXXXXX";

static char *path_in_dir(const char *name)
{
	static char bufs[4][256];
	static int next;
	char *buf = bufs[next++ % 4];

	snprintf(buf, sizeof(bufs[0]), "%s/%s", dir, name);
	return buf;
}

/* A self-signed certificate for key, with subject CN=cn. */
static X509 *make_cert(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

/* Writes a key and its certificate as dir/<name>.key (mode) and .pem. */
static void write_pair(const char *name, mode_t key_mode)
{
	char file[64];
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert;
	FILE *f;

	assert_non_null(key);
	cert = make_cert(key, name);
	snprintf(file, sizeof(file), "%s.pem", name);
	f = fopen(path_in_dir(file), "w");
	assert_non_null(f);
	assert_true(PEM_write_X509(f, cert));
	fclose(f);
	snprintf(file, sizeof(file), "%s.key", name);
	f = fopen(path_in_dir(file), "w");
	assert_non_null(f);
	assert_true(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	assert_int_equal(chmod(path_in_dir(file), key_mode), 0);
	X509_free(cert);
	EVP_PKEY_free(key);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	write_pair("server", 0600);
	write_pair("other", 0600);
	write_pair("ca", 0600);
	write_pair("loose", 0644);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct config tls_config(int mode, const char *cert, const char *key, const char *ca)
{
	struct config c;

	memset(&c, 0, sizeof(c));
	c.tls_mode = mode;
	c.tls_cert = (char *)cert;
	c.tls_key = (char *)key;
	c.tls_client_ca = (char *)(ca ? ca : "");
	return c;
}

static void test_tls_round_trip(void **state)
{
	struct config c = tls_config(CONFIG_TLS_ON, path_in_dir("server.pem"),
	    path_in_dir("server.key"), NULL);
	struct worker_tls_material m;
	char err[256] = "";
	char *cert = slurp(path_in_dir("server.pem")), *key = slurp(path_in_dir("server.key"));
	int fd = -1, seals;

	(void)state;
	assert_int_equal(tls_material_load(&c, &fd, err, sizeof(err)), 0);
	assert_true(fd >= 10);                       /* clear of the worker fd layout */
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	seals = fcntl(fd, F_GET_SEALS);
	assert_true(seals & F_SEAL_WRITE);
	assert_true(seals & F_SEAL_GROW);
	assert_true(seals & F_SEAL_SEAL);
	assert_int_equal(write(fd, "x", 1), -1);     /* nobody can change it */
	assert_int_equal(worker_tls_material_read(fd, &m), 0);
	assert_int_equal(m.mode, WORKER_TLS_ON);
	assert_string_equal(m.cert_chain, cert);
	assert_string_equal(m.private_key, key);
	assert_null(m.client_ca);
	worker_tls_material_clear(&m);
	assert_null(m.private_key);
	/* Siblings read the same memfd: reading twice gives the same. */
	assert_int_equal(worker_tls_material_read(fd, &m), 0);
	assert_string_equal(m.cert_chain, cert);
	worker_tls_material_clear(&m);
	close(fd);
	free(cert);
	free(key);
}

static void test_mtls_round_trip(void **state)
{
	struct config c = tls_config(CONFIG_TLS_MUTUAL, path_in_dir("server.pem"),
	    path_in_dir("server.key"), path_in_dir("ca.pem"));
	struct worker_tls_material m;
	char err[256] = "";
	char *ca = slurp(path_in_dir("ca.pem"));
	int fd = -1;

	(void)state;
	assert_int_equal(tls_material_load(&c, &fd, err, sizeof(err)), 0);
	assert_int_equal(worker_tls_material_inherit(fd, &m), 0);
	assert_int_equal(fcntl(fd, F_GETFD), -1);    /* inherit closes it */
	assert_int_equal(m.mode, WORKER_TLS_MUTUAL);
	assert_string_equal(m.client_ca, ca);
	worker_tls_material_clear(&m);
	free(ca);
}

static void expect_load_error(int mode, const char *cert, const char *key, const char *ca,
    int error, const char *reason)
{
	struct config c = tls_config(mode, cert, key, ca);
	char err[256] = "";
	int fd = -1;

	assert_int_equal(tls_material_load(&c, &fd, err, sizeof(err)), error);
	assert_int_equal(fd, -1);
	if (!strstr(err, reason))
		fail_msg("reason \"%s\" lacks \"%s\"", err, reason);
}

static void test_load_refusals(void **state)
{
	char big[] = "big.pem";
	int fd;

	(void)state;
	expect_load_error(CONFIG_TLS_ON, path_in_dir("missing.pem"), path_in_dir("server.key"),
	    NULL, -ENOENT, "missing.pem");
	expect_load_error(CONFIG_TLS_ON, path_in_dir("server.pem"), path_in_dir("other.key"),
	    NULL, -EINVAL, "does not belong to");
	expect_load_error(CONFIG_TLS_ON, path_in_dir("loose.pem"), path_in_dir("loose.key"),
	    NULL, -EPERM, "world-readable");
	expect_load_error(CONFIG_TLS_ON, path_in_dir("server.key"), path_in_dir("server.key"),
	    NULL, -EINVAL, "no PEM certificate");
	/* A certificate where the key should be (not world-readable, so the
	 * parse is what fails). */
	assert_int_equal(chmod(path_in_dir("other.pem"), 0600), 0);
	expect_load_error(CONFIG_TLS_ON, path_in_dir("server.pem"), path_in_dir("other.pem"),
	    NULL, -EINVAL, "no unencrypted PEM private key");
	expect_load_error(CONFIG_TLS_MUTUAL, path_in_dir("server.pem"), path_in_dir("server.key"),
	    path_in_dir("server.key"), -EINVAL, "no PEM certificate");
	expect_load_error(CONFIG_TLS_ON, dir, path_in_dir("server.key"), NULL, -EINVAL,
	    "not a regular file");
	fd = open(path_in_dir(big), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, TLS_MATERIAL_FILE_MAX + 1), 0);
	close(fd);
	expect_load_error(CONFIG_TLS_ON, path_in_dir(big), path_in_dir("server.key"), NULL,
	    -EFBIG, "larger than");
}

static void test_refresh_swaps_only_on_success(void **state)
{
	struct config good = tls_config(CONFIG_TLS_ON, path_in_dir("server.pem"),
	    path_in_dir("server.key"), NULL);
	struct config bad = tls_config(CONFIG_TLS_ON, path_in_dir("server.pem"),
	    path_in_dir("other.key"), NULL);
	struct config off = tls_config(CONFIG_TLS_OFF, "", "", NULL);
	char err[256];
	int slot = -1, first;

	(void)state;
	assert_int_equal(tls_material_refresh(&good, &slot, err, sizeof(err)), 0);
	first = slot;
	assert_true(first >= 0);
	assert_int_equal(tls_material_refresh(&bad, &slot, err, sizeof(err)), -EINVAL);
	assert_int_equal(slot, first);
	assert_true(fcntl(first, F_GETFD) >= 0);     /* still open, still handed out */
	assert_int_equal(tls_material_refresh(&off, &slot, err, sizeof(err)), 0);
	assert_int_equal(slot, -1);
}

/* A sealed memfd holding len bytes of data. */
static int sealed(const void *data, size_t len)
{
	int fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE), 0);
	return fd;
}

static int sealed_message(int mode, const char *cert, const char *key, const char *ca)
{
	Containarium__Ipc__TlsMaterial msg = CONTAINARIUM__IPC__TLS_MATERIAL__INIT;
	uint8_t buf[4096];
	size_t len;

	msg.mode = mode;
	msg.cert_chain = (ProtobufCBinaryData){ strlen(cert), (uint8_t *)cert };
	msg.private_key = (ProtobufCBinaryData){ strlen(key), (uint8_t *)key };
	msg.client_ca = (ProtobufCBinaryData){ strlen(ca), (uint8_t *)ca };
	len = containarium__ipc__tls_material__pack(&msg, buf);
	return sealed(buf, len);
}

static void expect_read_error(int fd, int error)
{
	struct worker_tls_material m;

	assert_int_equal(worker_tls_material_read(fd, &m), error);
	close(fd);
}

static void test_worker_read_refusals(void **state)
{
	int fd;

	(void)state;
	/* Not sealed: not from the master. */
	fd = memfd_create("t", MFD_CLOEXEC);
	assert_int_equal(write(fd, "x", 1), 1);
	expect_read_error(fd, -EBADF);
	expect_read_error(sealed("", 0), -EFBIG);
	expect_read_error(sealed("\xff\xff\xff", 3), -EINVAL);
	expect_read_error(sealed_message(0, "c", "k", ""), -EINVAL);     /* no mode */
	expect_read_error(sealed_message(1, "c", "k", "ca"), -EINVAL);   /* CA without mtls */
	expect_read_error(sealed_message(2, "c", "k", ""), -EINVAL);     /* mtls without CA */
	expect_read_error(sealed_message(1, "", "k", ""), -EINVAL);      /* no certificate */
	expect_read_error(sealed_message(1, "c", "", ""), -EINVAL);      /* no key */
	fd = sealed_message(1, "c", "k", "");
	{
		struct worker_tls_material m;

		assert_int_equal(worker_tls_material_read(fd, &m), 0);
		assert_string_equal(m.cert_chain, "c");
		worker_tls_material_clear(&m);
	}
	close(fd);
}

static void test_worker_inherit_without_material(void **state)
{
	struct worker_tls_material m = { .mode = WORKER_TLS_MUTUAL };
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	close(fd);                                   /* a number that is surely closed */
	assert_int_equal(worker_tls_material_inherit(fd, &m), 0);
	assert_int_equal(m.mode, WORKER_TLS_OFF);
	assert_null(m.cert_chain);
}

/* The peer of a TLS connection, as grpc names it. */
static void test_peer_from_grpc_address(void **state)
{
	struct worker_peer p;
	char long_name[WORKER_PEER_NAME_MAX + 8];

	(void)state;
	assert_int_equal(worker_peer_from_grpc_address("ipv4:127.0.0.1:5000", &p), 0);
	assert_int_equal(p.transport, WORKER_TRANSPORT_TCP);
	assert_string_equal(p.name, "ipv4:127.0.0.1:5000");
	assert_int_equal(p.uid, -1);
	assert_int_equal(p.fd, -1);
	assert_int_equal(worker_peer_from_grpc_address("ipv6:[::1]:5000", &p), 0);
	assert_int_equal(worker_peer_from_grpc_address("fd:7", &p), -EINVAL);
	assert_int_equal(worker_peer_from_grpc_address("unix:/x", &p), -EINVAL);
	memset(long_name, '1', sizeof(long_name));
	memcpy(long_name, "ipv4:", 5);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_int_equal(worker_peer_from_grpc_address(long_name, &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_round_trip),
		cmocka_unit_test(test_mtls_round_trip),
		cmocka_unit_test(test_load_refusals),
		cmocka_unit_test(test_refresh_swaps_only_on_success),
		cmocka_unit_test(test_worker_read_refusals),
		cmocka_unit_test(test_worker_inherit_without_material),
		cmocka_unit_test(test_peer_from_grpc_address),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
