/*
 * fuzz_config.c - libFuzzer target for config_load(): the input is a whole
 * config file, read back through a memfd by the same path-based entry
 * point the daemon uses. A loaded config also answers config_remote_url().
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_config_fd = -1;
static char fuzz_config_path[64];

/* Replaces the memfd's content with data. Returns 0 or -1. */
static int fuzz_config_write(const uint8_t *data, size_t size)
{
	if (fuzz_config_fd < 0) {
		fuzz_config_fd = memfd_create("fuzz_config", MFD_CLOEXEC);
		if (fuzz_config_fd < 0)
			return -1;
		snprintf(fuzz_config_path, sizeof(fuzz_config_path), "/proc/self/fd/%d",
		    fuzz_config_fd);
	}
	if (ftruncate(fuzz_config_fd, 0) < 0)
		return -1;
	return pwrite(fuzz_config_fd, data, size, 0) == (ssize_t)size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *config = NULL;
	char err[512];

	if (fuzz_config_write(data, size) < 0)
		return 0;
	if (config_load(fuzz_config_path, &config, err, sizeof(err)) == 0) {
		(void)config_remote_url(config, "default");
		(void)config_remote_url(config, "");
		config_free(config);
	}
	return 0;
}
