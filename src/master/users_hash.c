/*
 * users_hash.c - credential hashes and API keys; see users_hash.h.
 */
#include "users_hash.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static pthread_once_t users_hash_dummy_once = PTHREAD_ONCE_INIT;
static char users_hash_dummy[USERS_HASH_MAX];

int users_hash_make(const char *secret, char ret[static USERS_HASH_MAX])
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data;
	int r = 0;

	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)))
		return errno ? -errno : -EINVAL;
	data = calloc(1, sizeof(*data));
	if (!data)
		return -ENOMEM;
	if (!crypt_rn(secret, salt, data, sizeof(*data)) || data->output[0] == '*')
		r = -EINVAL;
	else
		memcpy(ret, data->output, USERS_HASH_MAX);
	explicit_bzero(data, sizeof(*data));
	free(data);
	return r;
}

/* Makes the dummy hash of a random string, once. */
static void users_hash_dummy_init(void)
{
	unsigned char noise[16];
	char text[33];

	if (getrandom(noise, sizeof(noise), 0) != (ssize_t)sizeof(noise))
		memset(noise, 0x5a, sizeof(noise));
	for (size_t i = 0; i < sizeof(noise); i++) {
		text[2 * i] = "0123456789abcdef"[noise[i] >> 4];
		text[2 * i + 1] = "0123456789abcdef"[noise[i] & 15];
	}
	text[32] = '\0';
	if (users_hash_make(text, users_hash_dummy) < 0)
		strcpy(users_hash_dummy, "$6$dummysalt$");
	explicit_bzero(text, sizeof(text));
}

void users_hash_init(void)
{
	pthread_once(&users_hash_dummy_once, users_hash_dummy_init);
}

bool users_hash_valid(const char *hash)
{
	return hash && hash[0] == '$' && strlen(hash) < USERS_HASH_MAX &&
	    crypt_checksalt(hash) == CRYPT_SALT_OK;
}

bool users_hash_check(const char *secret, const char *hash)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	bool real = users_hash_valid(hash), ok = false;

	if (!data)
		return false;
	pthread_once(&users_hash_dummy_once, users_hash_dummy_init);
	if (crypt_rn(secret, real ? hash : users_hash_dummy, data, sizeof(*data)) &&
	    data->output[0] != '*') {
		size_t len = strlen(data->output);
		const char *want = real ? hash : users_hash_dummy;
		unsigned char diff = len != strlen(want);

		for (size_t i = 0; i < len && want[i]; i++)
			diff |= (unsigned char)(data->output[i] ^ want[i]);
		ok = real && diff == 0;
	}
	explicit_bzero(data, sizeof(*data));
	free(data);
	return ok;
}

int users_api_key_new(char *ret, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[33];   /* 32 random bytes, read as 44 sextets; 43 used */
	size_t o = 4;

	if (len < 48)
		return -ENOBUFS;
	if (getrandom(raw, 32, 0) != 32)
		return -EIO;
	raw[32] = 0;
	memcpy(ret, "ctr_", 4);
	for (size_t i = 0; i < 33 && o < 47; i += 3) {
		unsigned v = (unsigned)raw[i] << 16 | (unsigned)(i + 1 < 33 ? raw[i + 1] : 0) << 8 |
		    (i + 2 < 33 ? raw[i + 2] : 0);

		for (int k = 3; k >= 0 && o < 47; k--)
			ret[o++] = b64[(v >> (6 * k)) & 63];
	}
	ret[o] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
}
