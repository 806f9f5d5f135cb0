/*
 * users.c - the users file; see users.h.
 */
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/validate.h"
#include "users_hash.h"

struct users_entry {
	char name[USERS_NAME_MAX + 1];
	enum users_role role;
	char password_hash[USERS_HASH_MAX];   /* "" for none */
	char key_hash[USERS_HASH_MAX];
};

struct users {
	pthread_mutex_t lock;
	char *path;
	struct users_entry *entries;
	size_t count;
	int error;                /* of the last read: 0 or a negative errno */
	unsigned error_line;
	bool known;               /* identity below describes what we hold */
	struct stat identity;
};

static const char *const users_roles[] = {
	[USERS_ROLE_ADMIN] = "admin", [USERS_ROLE_USER] = "user", [USERS_ROLE_VIEWER] = "viewer",
};

const char *users_role_name(enum users_role role)
{
	if (role < USERS_ROLE_ADMIN || role > USERS_ROLE_VIEWER)
		return NULL;
	return users_roles[role];
}

static int users_role_parse(const char *s, enum users_role *ret)
{
	for (int r = USERS_ROLE_ADMIN; r <= USERS_ROLE_VIEWER; r++)
		if (strcmp(s, users_roles[r]) == 0) {
			*ret = (enum users_role)r;
			return 0;
		}
	return -EINVAL;
}

struct users *users_new(const char *path)
{
	struct users *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->path = strdup(path);
	if (!u->path) {
		free(u);
		return NULL;
	}
	pthread_mutex_init(&u->lock, NULL);
	return u;
}

static void users_clear(struct users *u)
{
	if (u->entries)
		explicit_bzero(u->entries, u->count * sizeof(*u->entries));
	free(u->entries);
	u->entries = NULL;
	u->count = 0;
}

void users_free(struct users *u)
{
	if (!u)
		return;
	users_clear(u);
	pthread_mutex_destroy(&u->lock);
	free(u->path);
	free(u);
}

/* A hash field: empty, or a crypt string with no ':' or whitespace. */
static int users_hash_field(const char *s, char out[static USERS_HASH_MAX])
{
	if (s[0] && !users_hash_valid(s))
		return -EINVAL;
	strcpy(out, s);
	return 0;
}

/* Parses one "name:role:hash:hash" line (modified in place) into *e. */
static int users_parse_line(char *line, struct users_entry *e)
{
	char *fields[4], *p = line;
	int n = 0;

	for (; n < 4; n++) {
		fields[n] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = '\0';
	}
	if (n != 3 || strchr(fields[3], ':'))
		return -EINVAL;
	if (validate_username("name", fields[0], NULL, 0) < 0 ||
	    users_role_parse(fields[1], &e->role) < 0 ||
	    users_hash_field(fields[2], e->password_hash) < 0 ||
	    users_hash_field(fields[3], e->key_hash) < 0)
		return -EINVAL;
	strcpy(e->name, fields[0]);
	return 0;
}

static struct users_entry *users_find(struct users *u, const char *name)
{
	for (size_t i = 0; i < u->count; i++)
		if (strcmp(u->entries[i].name, name) == 0)
			return &u->entries[i];
	return NULL;
}

/* Parses the whole file content; replaces the entries on success. */
static int users_parse(struct users *u, char *text, unsigned *ret_line)
{
	struct users_entry *entries;
	unsigned line_no = 0;
	size_t count = 0, lines = 1;
	char *line, *next;

	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	entries = calloc(lines < USERS_MAX ? lines : USERS_MAX, sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line_no++;
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (strlen(line) > USERS_LINE_MAX || count == USERS_MAX ||
		    users_parse_line(line, &entries[count]) < 0) {
			*ret_line = line_no;
			free(entries);
			return -EBADMSG;
		}
		for (size_t i = 0; i < count; i++)
			if (strcmp(entries[i].name, entries[count].name) == 0) {
				*ret_line = line_no;
				free(entries);
				return -EBADMSG;
			}
		count++;
	}
	users_clear(u);
	u->entries = entries;
	u->count = count;
	return 0;
}

/* Reads the open file fd (already checked) into the table. */
static int users_read_fd(struct users *u, int fd, const struct stat *st, unsigned *ret_line)
{
	char *text = malloc((size_t)st->st_size + 1);
	ssize_t n;
	int r;

	if (!text)
		return -ENOMEM;
	n = read(fd, text, (size_t)st->st_size + 1);
	if (n != st->st_size) {
		free(text);
		return n < 0 ? -errno : -EAGAIN;   /* changed under us: next time */
	}
	text[n] = '\0';
	r = memchr(text, '\0', (size_t)n) ? -EBADMSG : users_parse(u, text, ret_line);
	explicit_bzero(text, (size_t)n);
	free(text);
	return r;
}

static bool users_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_mode == b->st_mode &&
	    a->st_uid == b->st_uid;
}

/* users_refresh with the lock held. */
static int users_refresh_locked(struct users *u)
{
	struct stat st;
	unsigned line = 0;
	int fd, r;

	fd = open(u->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* No file yet: no users, and nothing wrong. */
		users_clear(u);
		u->known = false;
		u->error = 0;
		return 0;
	}
	if (fd < 0)
		r = errno == ELOOP ? -EPERM : -errno;
	else if (fstat(fd, &st) < 0)
		r = -errno;
	else if (u->known && users_same_file(&st, &u->identity))
		r = 1;
	else if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		r = -EPERM;
	else if (st.st_size > (off_t)USERS_FILE_MAX)
		r = -EFBIG;
	else
		r = users_read_fd(u, fd, &st, &line);
	if (fd >= 0)
		close(fd);
	if (r == 1)
		return u->error;
	u->error = r;
	u->error_line = line;
	u->known = r == 0;
	if (r == 0)
		u->identity = st;
	else
		users_clear(u);   /* fail closed */
	return r;
}

int users_refresh(struct users *u, unsigned *ret_line)
{
	int r;

	pthread_mutex_lock(&u->lock);
	r = users_refresh_locked(u);
	if (ret_line)
		*ret_line = u->error_line;
	pthread_mutex_unlock(&u->lock);
	return r;
}

static void users_info_of(const struct users_entry *e, struct users_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	strcpy(ret->name, e->name);
	ret->role = e->role;
	ret->has_password = e->password_hash[0] != '\0';
	ret->has_api_key = e->key_hash[0] != '\0';
}

int users_lookup(struct users *u, const char *name, struct users_info *ret)
{
	struct users_entry *e;
	int r;

	pthread_mutex_lock(&u->lock);
	r = users_refresh_locked(u);
	if (r == 0) {
		e = users_find(u, name);
		if (e)
			users_info_of(e, ret);
		else
			r = -ENOENT;
	}
	pthread_mutex_unlock(&u->lock);
	return r;
}

int users_verify(struct users *u, const char *name, const char *secret,
    struct users_info *ret)
{
	struct users_entry copy = { .role = 0 };
	struct users_entry *e;
	bool found = false, match;
	int r;

	pthread_mutex_lock(&u->lock);
	r = users_refresh_locked(u);
	e = r == 0 ? users_find(u, name) : NULL;
	if (e) {
		copy = *e;
		found = true;
	}
	pthread_mutex_unlock(&u->lock);
	/* Two hashes whatever happens: the timing tells nothing. */
	match = users_hash_check(secret, copy.password_hash);
	match |= users_hash_check(secret, copy.key_hash);
	if (found)
		users_info_of(&copy, ret);
	explicit_bzero(&copy, sizeof(copy));
	if (r < 0)
		return r;
	return found && match ? 0 : -EACCES;
}

/* Writes every entry to a temporary file next to the users file, then
 * renames it over; the lock is held. */
static int users_write_locked(struct users *u)
{
	size_t len = strlen(u->path);
	char *tmp = malloc(len + 8);
	FILE *f = NULL;
	int fd, r = 0;

	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len + 8, "%s.XXXXXX", u->path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		free(tmp);
		return r;
	}
	if (fchmod(fd, 0600) < 0 || !(f = fdopen(fd, "w")))
		r = -errno;
	else {
		fprintf(f, "# Containarium users: name:role:password-hash:api-key-hash\n"
		    "# Managed with \"containarium user ...\"; edits apply at once.\n");
		for (size_t i = 0; i < u->count; i++)
			fprintf(f, "%s:%s:%s:%s\n", u->entries[i].name,
			    users_roles[u->entries[i].role], u->entries[i].password_hash,
			    u->entries[i].key_hash);
		if (fflush(f) != 0 || fsync(fd) < 0)
			r = -errno;
	}
	if (f)
		r = fclose(f) != 0 && r == 0 ? -errno : r;
	else
		close(fd);
	if (r == 0 && rename(tmp, u->path) < 0)
		r = -errno;
	if (r < 0)
		(void)unlink(tmp);
	free(tmp);
	u->known = false;   /* re-read what is on disk next time */
	return r;
}

/* Makes the hashes an add or a change asks for, before taking the lock. */
static int users_make_credentials(const char *password, bool want_api_key,
    char *ret_api_key, char pw_hash[static USERS_HASH_MAX],
    char key_hash[static USERS_HASH_MAX])
{
	int r = 0;

	pw_hash[0] = key_hash[0] = '\0';
	if (password && password[0])
		r = users_hash_make(password, pw_hash);
	if (r == 0 && want_api_key) {
		r = users_api_key_new(ret_api_key, USERS_API_KEY_LEN + 1);
		if (r == 0)
			r = users_hash_make(ret_api_key, key_hash);
	}
	return r;
}

int users_add(struct users *u, const char *name, enum users_role role,
    const char *password, bool want_api_key, char *ret_api_key)
{
	struct users_entry e = { .role = role };
	struct users_entry *grown;
	int r;

	if (!users_role_name(role) || strlen(name) > USERS_NAME_MAX)
		return -EINVAL;
	strcpy(e.name, name);
	r = users_make_credentials(password, want_api_key, ret_api_key,
	    e.password_hash, e.key_hash);
	if (r < 0)
		return r;
	pthread_mutex_lock(&u->lock);
	r = users_refresh_locked(u);
	if (r == 0 && users_find(u, name))
		r = -EEXIST;
	else if (r == 0 && u->count >= USERS_MAX)
		r = -ENOSPC;
	if (r == 0) {
		grown = realloc(u->entries, (u->count + 1) * sizeof(*grown));
		if (!grown)
			r = -ENOMEM;
		else {
			u->entries = grown;
			u->entries[u->count++] = e;
			r = users_write_locked(u);
		}
	}
	pthread_mutex_unlock(&u->lock);
	explicit_bzero(&e, sizeof(e));
	return r;
}

int users_remove(struct users *u, const char *name)
{
	struct users_entry *e;
	int r;

	pthread_mutex_lock(&u->lock);
	r = users_refresh_locked(u);
	e = r == 0 ? users_find(u, name) : NULL;
	if (r == 0 && !e)
		r = -ENOENT;
	if (e) {
		size_t i = (size_t)(e - u->entries);

		memmove(e, e + 1, (u->count - i - 1) * sizeof(*e));
		u->count--;
		r = users_write_locked(u);
	}
	pthread_mutex_unlock(&u->lock);
	return r;
}

int users_set_credentials(struct users *u, const char *name,
    const char *password, bool want_api_key, char *ret_api_key,
    struct users_info *ret)
{
	char pw_hash[USERS_HASH_MAX], key_hash[USERS_HASH_MAX];
	struct users_entry *e;
	int r;

	r = users_make_credentials(password, want_api_key, ret_api_key, pw_hash, key_hash);
	if (r < 0)
		return r;
	pthread_mutex_lock(&u->lock);
	r = users_refresh_locked(u);
	e = r == 0 ? users_find(u, name) : NULL;
	if (r == 0 && !e)
		r = -ENOENT;
	if (e) {
		if (password && password[0])
			strcpy(e->password_hash, pw_hash);
		if (want_api_key)
			strcpy(e->key_hash, key_hash);
		users_info_of(e, ret);
		r = users_write_locked(u);
	}
	pthread_mutex_unlock(&u->lock);
	return r;
}

int users_list(struct users *u, struct users_info **ret, size_t *ret_count)
{
	struct users_info *list = NULL;
	size_t n = 0;
	int r;

	pthread_mutex_lock(&u->lock);
	r = users_refresh_locked(u);
	if (r == 0) {
		n = u->count;
		list = calloc(n ? n : 1, sizeof(*list));
		if (!list)
			r = -ENOMEM;
		for (size_t i = 0; list && i < n; i++)
			users_info_of(&u->entries[i], &list[i]);
	}
	pthread_mutex_unlock(&u->lock);
	if (r < 0)
		return r;
	*ret = list;
	*ret_count = n;
	return 0;
}
