/*
 * ops_user.c - accounts and keys inside containers; see ops_user.h.
 */
#include "ops_user.h"

#include <errno.h>
#include <grpc/status.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USERADD_EXIT_BAD_GROUP 6
#define USERADD_EXIT_EXISTS 9
#define EXIT_NOT_FOUND 127
#define PASSWD_MAX (1024 * 1024)

struct account {
	unsigned uid, gid;
	char home[256];
};

static bool ops_user_path_exists(struct ops_context *ctx, const char *name, const char *path)
{
	struct incus_file f;

	if (incus_file_get(ctx->incus, name, path, 1024 * 1024, &f) < 0)
		return false;
	incus_file_free(&f);
	return true;
}

/* Runs useradd; groups may be NULL. Returns its exit status or an errno. */
static int ops_user_useradd(struct job *job, struct ops_context *ctx, const char *name,
    const char *username, const char *shell, const char *groups)
{
	const char *argv[] = { "useradd", "-m", "-s", shell, "-U",
		groups ? "-G" : username, groups ? groups : NULL, groups ? username : NULL, NULL };
	struct incus_exec_spec spec = { .argv = argv, .output_max = 4096 };
	struct incus_exec_result result;
	int r, status;

	r = incus_exec(ctx->incus, name, &spec, &result);
	if (r < 0)
		return ops_fail_incus(job, ctx, r, "Failed to run useradd in %s", name), r;
	status = result.exit_status;
	if (status != 0 && status != USERADD_EXIT_EXISTS && status != USERADD_EXIT_BAD_GROUP)
		job_fail(job, GRPC_STATUS_FAILED_PRECONDITION, status == EXIT_NOT_FOUND ?
		    "the image of %s has no useradd command" :
		    "useradd failed in %s with status %d: %.200s", name, status,
		    result.stderr_data ? result.stderr_data : "");
	incus_exec_result_free(&result);
	return status;
}

/* Grants username passwordless sudo with a file in /etc/sudoers.d. */
static int ops_user_sudoers(struct job *job, struct ops_context *ctx, const char *name,
    const char *username)
{
	char path[128], *rule = NULL;
	struct incus_file_spec dir = { .path = "/etc/sudoers.d",
		.type = INCUS_FILE_DIRECTORY, .mode = 0750 };
	struct incus_file_spec file = { .path = path, .type = INCUS_FILE_REGULAR, .mode = 0440 };
	int r;

	snprintf(path, sizeof(path), "/etc/sudoers.d/containarium-%s", username);
	if (asprintf(&rule, "%s ALL=(ALL) NOPASSWD:ALL\n", username) < 0)
		abort();
	file.data = rule;
	file.size = strlen(rule);
	r = incus_file_push(ctx->incus, name, &file);
	if (r == -ENOENT && incus_file_push(ctx->incus, name, &dir) == 0)
		r = incus_file_push(ctx->incus, name, &file);
	free(rule);
	if (r < 0)
		return ops_fail_incus(job, ctx, r, "Failed to grant sudo to %s in %s", username, name), r;
	return 0;
}

int ops_user_create(struct job *job, struct ops_context *ctx, const char *name,
    const char *username)
{
	const char *shell = ops_user_path_exists(ctx, name, "/bin/bash") ? "/bin/bash" : "/bin/sh";
	int status;

	status = ops_user_useradd(job, ctx, name, username, shell, "sudo");
	if (status == USERADD_EXIT_BAD_GROUP)
		status = ops_user_useradd(job, ctx, name, username, shell, NULL);
	if (status < 0)
		return status;
	if (status != 0 && status != USERADD_EXIT_EXISTS)
		return -EIO;
	return ops_user_sudoers(job, ctx, name, username);
}

/* Finds username's line in an /etc/passwd text. */
static int ops_user_parse_passwd(const char *text, const char *username, struct account *ret)
{
	size_t ulen = strlen(username);

	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char home[256];
		unsigned uid, gid;

		if (strncmp(line, username, ulen) != 0 || line[ulen] != ':')
			continue;
		if (sscanf(line + ulen, ":%*[^:]:%u:%u:%*[^:]:%255[^:]:", &uid, &gid, home) != 3 &&
		    sscanf(line + ulen, ":%*[^:]:%u:%u::%255[^:]:", &uid, &gid, home) != 3)
			return -EINVAL;
		ret->uid = uid;
		ret->gid = gid;
		snprintf(ret->home, sizeof(ret->home), "%s", home);
		return 0;
	}
	return -ENOENT;
}

static int ops_user_lookup(struct job *job, struct ops_context *ctx, const char *name,
    const char *username, struct account *ret)
{
	struct incus_file passwd;
	int r;

	r = incus_file_get(ctx->incus, name, "/etc/passwd", PASSWD_MAX, &passwd);
	if (r < 0)
		return ops_fail_incus(job, ctx, r, "Failed to read /etc/passwd of %s", name), r;
	r = ops_user_parse_passwd(passwd.data ? passwd.data : "", username, ret);
	incus_file_free(&passwd);
	if (r < 0)
		return job_fail(job, GRPC_STATUS_FAILED_PRECONDITION,
		    "user %s has no usable account in %s", username, name), r;
	return 0;
}

/* Makes ~/.ssh and writes content as ~/.ssh/authorized_keys. */
static int ops_user_push_keys(struct job *job, struct ops_context *ctx, const char *name,
    const char *username, const char *content, size_t len)
{
	struct account a;
	char dir[300], path[330];
	struct incus_file_spec d = { .path = dir, .type = INCUS_FILE_DIRECTORY, .mode = 0700 };
	struct incus_file_spec f = { .path = path, .type = INCUS_FILE_REGULAR, .mode = 0600,
		.data = content, .size = len };
	int r;

	if ((r = ops_user_lookup(job, ctx, name, username, &a)) < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s/.ssh", a.home);
	snprintf(path, sizeof(path), "%s/.ssh/authorized_keys", a.home);
	d.uid = f.uid = a.uid;
	d.gid = f.gid = a.gid;
	r = incus_file_push(ctx->incus, name, &d);
	if (r == 0)
		r = incus_file_push(ctx->incus, name, &f);
	if (r < 0)
		return ops_fail_incus(job, ctx, r, "Failed to install SSH keys for %s in %s",
		    username, name), r;
	return 0;
}

int ops_user_install_keys(struct job *job, struct ops_context *ctx, const char *name,
    const char *username, const char *const *keys, size_t n_keys, char **ret_joined)
{
	struct key_list list = { 0 };
	char *content = NULL;
	size_t len;
	int r = 0;

	for (size_t i = 0; i < n_keys && r >= 0; i++)
		r = key_list_add(&list, keys[i]);
	if (r >= 0)
		r = key_list_render(&list, &content, &len);
	key_list_clear(&list);
	if (r < 0)
		return job_fail(job, GRPC_STATUS_RESOURCE_EXHAUSTED, "ssh_keys: too many keys"), r;
	r = ops_user_push_keys(job, ctx, name, username, content, len);
	if (r == 0 && len > 0)
		content[len - 1] = '\0';   /* the record has no final newline */
	if (r == 0)
		*ret_joined = content;
	else
		free(content);
	return r;
}

int ops_user_read_keys(struct job *job, struct ops_context *ctx, const char *name,
    const char *username, struct key_list *list)
{
	struct incus_file f;
	struct account a;
	char path[330];
	int r;

	if ((r = ops_user_lookup(job, ctx, name, username, &a)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/.ssh/authorized_keys", a.home);
	r = incus_file_get(ctx->incus, name, path, PASSWD_MAX, &f);
	if (r == -ENOENT) {
		*list = (struct key_list){ 0 };
		return 0;
	}
	if (r < 0)
		return ops_fail_incus(job, ctx, r, "Failed to read %s in %s", path, name), r;
	r = key_list_parse(f.data ? f.data : "", f.size, list);
	incus_file_free(&f);
	if (r < 0)
		return job_fail(job, GRPC_STATUS_FAILED_PRECONDITION,
		    "%s in %s has too many lines", path, name), r;
	return 0;
}

int ops_user_write_keys(struct job *job, struct ops_context *ctx, const char *name,
    const char *username, const struct key_list *list)
{
	struct incus_key_value record[2] = { { KEY_SSH_KEYS, NULL }, { KEY_UPDATED_AT, NULL } };
	char *content = NULL, now[32];
	size_t len;
	int r;

	if (key_list_render(list, &content, &len) < 0)
		abort();
	r = ops_user_push_keys(job, ctx, name, username, content, len);
	if (r == 0) {
		if (len > 0)
			content[len - 1] = '\0';
		snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
		record[0].value = content;
		record[1].value = now;
		r = incus_instance_update_config(ctx->incus, name, record, 2);
		if (r < 0)
			ops_fail_incus(job, ctx, r, "Failed to record the keys of %s", name);
	}
	free(content);
	return r;
}
