/*
 * incus_decode.c - Incus responses, operations, server info, exec results,
 * resources and header values into C structs; see incus_decode.h.
 * Instances are in incus_decode_instance.c.
 *
 * Everything here reads peer data: types are checked at every access,
 * counts and lengths are bounded, numbers are parsed with overflow checks.
 */
#include "incus_decode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "incus_json.h"

#define STATUS_CODE_MAX 999

static bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* Maps the envelope's "type" string. */
static int incus_decode_response_type(const char *text,
    enum incus_response_type *ret)
{
	if (streq(text, "sync"))
		*ret = INCUS_RESPONSE_SYNC;
	else if (streq(text, "async"))
		*ret = INCUS_RESPONSE_ASYNC;
	else if (streq(text, "error"))
		*ret = INCUS_RESPONSE_ERROR;
	else
		return -EPROTO;
	return 0;
}

/* Fills every field of *r but root from r->root. */
static int incus_decode_response_fields(struct incus_response *r)
{
	const char *type;
	int k;

	k = incus_json_string(r->root, "type", true, INCUS_JSON_NAME_MAX, &type);
	if (k >= 0)
		k = incus_decode_response_type(type, &r->type);
	if (k >= 0)
		k = incus_json_int_range(r->root, "status_code", false, 0,
		    STATUS_CODE_MAX, &r->status_code);
	if (k >= 0)
		k = incus_json_int_range(r->root, "error_code", false, 0,
		    STATUS_CODE_MAX, &r->error_code);
	if (k >= 0)
		k = incus_json_string(r->root, "error", false,
		    INCUS_JSON_VALUE_MAX, &r->error);
	if (k >= 0)
		k = incus_json_string(r->root, "operation", false,
		    INCUS_JSON_NAME_MAX, &r->operation);
	if (k < 0)
		return k;
	r->metadata = json_object_get(r->root, "metadata");
	if (json_is_null(r->metadata))
		r->metadata = NULL;
	if (r->type == INCUS_RESPONSE_ASYNC &&
	    (!r->operation || r->operation[0] == '\0'))
		return -EPROTO;
	return 0;
}

int incus_decode_response(const char *text, size_t len,
    struct incus_response *ret)
{
	struct incus_response r = { 0 };
	int k;

	k = incus_json_parse_object(text, len, &r.root);
	if (k < 0)
		return k;
	k = incus_decode_response_fields(&r);
	if (k < 0) {
		json_decref(r.root);
		return k;
	}
	*ret = r;
	return 0;
}

void incus_decode_response_free(struct incus_response *response)
{
	if (!response)
		return;
	json_decref(response->root);
	*response = (struct incus_response){ 0 };
}

int incus_decode_operation(json_t *object, struct incus_operation *ret)
{
	struct incus_operation op = { 0 };
	int k;

	if (!json_is_object(object))
		return -EPROTO;
	k = incus_json_string(object, "id", true, INCUS_JSON_NAME_MAX, &op.id);
	if (k >= 0)
		k = incus_json_string(object, "status", false,
		    INCUS_JSON_NAME_MAX, &op.status);
	if (k >= 0)
		k = incus_json_int_range(object, "status_code", true, 0,
		    STATUS_CODE_MAX, &op.status_code);
	if (k >= 0)
		k = incus_json_string(object, "err", false,
		    INCUS_JSON_VALUE_MAX, &op.err);
	if (k < 0)
		return k;
	op.metadata = json_object_get(object, "metadata");
	if (json_is_null(op.metadata))
		op.metadata = NULL;
	op.root = json_incref(object);
	*ret = op;
	return 0;
}

void incus_decode_operation_free(struct incus_operation *operation)
{
	if (!operation)
		return;
	json_decref(operation->root);
	*operation = (struct incus_operation){ 0 };
}

bool incus_decode_operation_is_final(int status_code)
{
	return status_code == INCUS_OPERATION_SUCCESS ||
	    status_code == INCUS_OPERATION_FAILURE ||
	    status_code == INCUS_OPERATION_CANCELLED;
}

static bool incus_decode_is_id_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '-';
}

int incus_decode_operation_path(const char *path)
{
	static const char prefix[] = "/1.0/operations/";
	const char *id;
	size_t n = 0;

	if (!path || strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return -EPROTO;
	id = path + sizeof(prefix) - 1;
	for (; id[n] != '\0'; n++)
		if (!incus_decode_is_id_char(id[n]))
			return -EPROTO;
	return n > 0 && n <= 128 ? 0 : -EPROTO;
}

/* Maps environment.server; an old LXD that does not say is LXD. */
static int incus_decode_server_kind(const char *server,
    enum incus_server_kind *ret)
{
	if (!server || streq(server, "lxd"))
		*ret = INCUS_SERVER_LXD;
	else if (streq(server, "incus"))
		*ret = INCUS_SERVER_INCUS;
	else
		return -EPROTO;
	return 0;
}

/* Copies the string fields of environment into *info. */
static int incus_decode_server_strings(json_t *env,
    struct incus_server_info *info)
{
	static const size_t max = INCUS_JSON_NAME_MAX;
	int k;

	k = incus_json_strdup(env, "server", false, max, &info->server);
	if (k >= 0)
		k = incus_json_strdup(env, "server_version", false, max,
		    &info->server_version);
	if (k >= 0)
		k = incus_json_strdup(env, "server_name", false, max,
		    &info->server_name);
	if (k >= 0)
		k = incus_json_strdup(env, "kernel_version", false, max,
		    &info->kernel_version);
	if (k >= 0)
		k = incus_json_strdup(env, "os_name", false, max, &info->os_name);
	if (k >= 0)
		k = incus_json_strdup(env, "os_version", false, max,
		    &info->os_version);
	if (k >= 0)
		k = incus_json_strdup(env, "storage", false, max,
		    &info->storage_driver);
	return k;
}

int incus_decode_server_info(json_t *metadata, struct incus_server_info *ret)
{
	struct incus_server_info info = { 0 };
	json_t *env = NULL;
	int k;

	k = incus_json_object(metadata, "environment", true, &env);
	if (k >= 0)
		k = incus_json_strdup(metadata, "api_version", false,
		    INCUS_JSON_NAME_MAX, &info.api_version);
	if (k >= 0)
		k = incus_decode_server_strings(env, &info);
	if (k >= 0)
		k = incus_json_bool(env, "server_clustered", false,
		    &info.clustered);
	if (k >= 0)
		k = incus_decode_server_kind(info.server, &info.kind);
	if (k < 0) {
		incus_client_server_info_free(&info);
		return k;
	}
	*ret = info;
	return 0;
}

int incus_decode_exec(json_t *metadata, int *ret_status,
    const char **ret_stdout_path, const char **ret_stderr_path)
{
	const char *out = NULL, *err = NULL;
	json_t *output = NULL;
	int status, k;

	if (!metadata)
		return -ENOENT;
	if (!json_is_object(metadata))
		return -EPROTO;
	if (!json_object_get(metadata, "return"))
		return -ENOENT;
	k = incus_json_int_range(metadata, "return", true, -1, 255, &status);
	if (k >= 0)
		k = incus_json_object(metadata, "output", false, &output);
	if (k >= 0 && output)
		k = incus_json_string(output, "1", false, INCUS_JSON_NAME_MAX,
		    &out);
	if (k >= 0 && output)
		k = incus_json_string(output, "2", false, INCUS_JSON_NAME_MAX,
		    &err);
	if (k < 0)
		return k;
	*ret_status = status;
	*ret_stdout_path = out;
	*ret_stderr_path = err;
	return 0;
}

static bool incus_decode_is_file_char(char ch)
{
	return incus_decode_is_id_char(ch) || ch == '.' || ch == '_';
}

/* Checks a single file name: [A-Za-z0-9._-]+, not "." or "..". */
static int incus_decode_log_file_name(const char *file)
{
	size_t n;

	if (streq(file, ".") || streq(file, ".."))
		return -EPROTO;
	for (n = 0; file[n] != '\0'; n++)
		if (!incus_decode_is_file_char(file[n]))
			return -EPROTO;
	return n > 0 && n <= 255 ? 0 : -EPROTO;
}

int incus_decode_exec_output_path(const char *path, const char *name)
{
	static const char instances[] = "/1.0/instances/";
	static const char logs[] = "/logs/";
	static const char exec_output[] = "exec-output/";
	size_t name_len;

	if (!path || !name || name[0] == '\0')
		return -EPROTO;
	name_len = strlen(name);
	if (strncmp(path, instances, sizeof(instances) - 1) != 0)
		return -EPROTO;
	path += sizeof(instances) - 1;
	if (strncmp(path, name, name_len) != 0)
		return -EPROTO;
	path += name_len;
	if (strncmp(path, logs, sizeof(logs) - 1) != 0)
		return -EPROTO;
	path += sizeof(logs) - 1;
	if (strncmp(path, exec_output, sizeof(exec_output) - 1) == 0)
		path += sizeof(exec_output) - 1;
	return incus_decode_log_file_name(path);
}

int incus_decode_host_resources(json_t *metadata,
    struct incus_host_resources *ret)
{
	struct incus_host_resources res = { 0 };
	json_t *cpu = NULL, *memory = NULL;
	int k;

	k = incus_json_object(metadata, "cpu", true, &cpu);
	if (k >= 0)
		k = incus_json_object(metadata, "memory", true, &memory);
	if (k >= 0)
		k = incus_json_uint64(cpu, "total", true, &res.cpu_total);
	if (k >= 0)
		k = incus_json_uint64(memory, "total", true, &res.memory_total);
	if (k >= 0)
		k = incus_json_uint64(memory, "used", true, &res.memory_used);
	if (k < 0)
		return k;
	*ret = res;
	return 0;
}

int incus_decode_pool_resources(json_t *metadata,
    struct incus_pool_resources *ret)
{
	struct incus_pool_resources res = { 0 };
	json_t *space = NULL, *inodes = NULL;
	int k;

	k = incus_json_object(metadata, "space", true, &space);
	if (k >= 0)
		k = incus_json_object(metadata, "inodes", false, &inodes);
	if (k >= 0)
		k = incus_json_uint64(space, "total", true, &res.space_total);
	if (k >= 0)
		k = incus_json_uint64(space, "used", false, &res.space_used);
	if (k >= 0 && inodes)
		k = incus_json_uint64(inodes, "total", false, &res.inodes_total);
	if (k >= 0 && inodes)
		k = incus_json_uint64(inodes, "used", false, &res.inodes_used);
	if (k < 0)
		return k;
	*ret = res;
	return 0;
}

static void incus_decode_strv_free(char **strv, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(strv[i]);
	free(strv);
}

int incus_decode_directory(json_t *array, char ***ret_entries,
    size_t *ret_count)
{
	size_t count, i;
	char **entries;
	int k = 0;

	if (!json_is_array(array))
		return -EPROTO;
	count = json_array_size(array);
	if (count > INCUS_DIRECTORY_ENTRIES_MAX)
		return -EPROTO;
	entries = calloc(count + 1, sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	for (i = 0; i < count && k >= 0; i++)
		k = incus_json_value_strdup(json_array_get(array, i),
		    INCUS_JSON_NAME_MAX, &entries[i]);
	if (k < 0) {
		incus_decode_strv_free(entries, count);
		return k;
	}
	*ret_entries = entries;
	*ret_count = count;
	return 0;
}

/* The value of width decimal digits at p (already checked to be digits). */
static int incus_decode_number(const char *p, int width)
{
	int v = 0;

	for (int i = 0; i < width; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

/*
 * Checks that text starts with pattern, where 'd' stands for a digit and
 * 'T' for 'T', 't' or ' '. Stops at the first mismatch, so a short text
 * (its NUL) is refused without reading past it.
 */
static bool incus_decode_match(const char *text, const char *pattern)
{
	for (size_t i = 0; pattern[i] != '\0'; i++) {
		char ch = text[i], want = pattern[i];
		bool ok;

		if (want == 'd')
			ok = ch >= '0' && ch <= '9';
		else if (want == 'T')
			ok = ch == 'T' || ch == 't' || ch == ' ';
		else
			ok = ch == want;
		if (!ok)
			return false;
	}
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t incus_decode_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool incus_decode_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Checks month/day/time ranges (a leap second, :60, is refused). */
static int incus_decode_check_date(int y, int mo, int d, int h, int mi, int s)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int max_day;

	if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59)
		return -EPROTO;
	max_day = days[mo - 1] + (mo == 2 && incus_decode_is_leap(y));
	return d >= 1 && d <= max_day ? 0 : -EPROTO;
}

/* Parses "[.frac](Z|+hh:mm|-hh:mm)" at p into an offset in seconds. */
static int incus_decode_zone(const char *p, int64_t *ret_offset)
{
	int oh, om;

	if (*p == '.') {
		size_t n = 1;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
		if (n == 1 || n > 10)
			return -EPROTO;
		p += n;
	}
	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
		*ret_offset = 0;
		return 0;
	}
	if ((p[0] != '+' && p[0] != '-') || !incus_decode_match(p + 1, "dd:dd") ||
	    p[6] != '\0')
		return -EPROTO;
	oh = incus_decode_number(p + 1, 2);
	om = incus_decode_number(p + 4, 2);
	if (oh > 23 || om > 59)
		return -EPROTO;
	*ret_offset = (p[0] == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
	return 0;
}

int incus_decode_timestamp(const char *text, int64_t *ret)
{
	int y, mo, d, h, mi, s;
	int64_t offset, t;

	if (!text || !incus_decode_match(text, "dddd-dd-ddTdd:dd:dd"))
		return -EPROTO;
	y = incus_decode_number(text, 4);
	mo = incus_decode_number(text + 5, 2);
	d = incus_decode_number(text + 8, 2);
	h = incus_decode_number(text + 11, 2);
	mi = incus_decode_number(text + 14, 2);
	s = incus_decode_number(text + 17, 2);
	if (incus_decode_check_date(y, mo, d, h, mi, s) < 0 ||
	    incus_decode_zone(text + 19, &offset) < 0)
		return -EPROTO;
	t = incus_decode_days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + s - offset;
	*ret = t > 0 ? t : 0;
	return 0;
}

/* The multiplier of a size unit, or 0 when unknown. */
static uint64_t incus_decode_size_unit(const char *unit)
{
	static const struct {
		const char *name;
		uint64_t factor;
	} units[] = {
		{ "", 1 }, { "B", 1 },
		{ "kB", 1000ULL }, { "KB", 1000ULL },
		{ "MB", 1000ULL * 1000 }, { "GB", 1000ULL * 1000 * 1000 },
		{ "TB", 1000ULL * 1000 * 1000 * 1000 },
		{ "PB", 1000ULL * 1000 * 1000 * 1000 * 1000 },
		{ "EB", 1000ULL * 1000 * 1000 * 1000 * 1000 * 1000 },
		{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 },
		{ "GiB", 1ULL << 30 }, { "TiB", 1ULL << 40 },
		{ "PiB", 1ULL << 50 }, { "EiB", 1ULL << 60 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (streq(unit, units[i].name))
			return units[i].factor;
	return 0;
}

int incus_decode_size(const char *text, uint64_t *ret)
{
	uint64_t value = 0, factor;
	const char *p = text;

	if (!text || *p < '0' || *p > '9')
		return -EPROTO;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (value > (UINT64_MAX - digit) / 10)
			return -EPROTO;
		value = value * 10 + digit;
	}
	if (*p == ' ' && p[1] != '\0')
		p++;
	factor = incus_decode_size_unit(p);
	if (factor == 0 || (value != 0 && value > UINT64_MAX / factor))
		return -EPROTO;
	*ret = value * factor;
	return 0;
}

int incus_decode_file_type(const char *text, enum incus_file_type *ret)
{
	if (!text)
		return -EPROTO;
	if (streq(text, "file"))
		*ret = INCUS_FILE_REGULAR;
	else if (streq(text, "directory"))
		*ret = INCUS_FILE_DIRECTORY;
	else if (streq(text, "symlink"))
		*ret = INCUS_FILE_SYMLINK;
	else
		return -EPROTO;
	return 0;
}

/* Parses digits of base 8 or 10 into *ret, refusing values over max. */
static int incus_decode_unsigned(const char *text, unsigned base,
    uint64_t max, uint64_t *ret)
{
	uint64_t value = 0;
	const char *p = text;

	if (!text || *p == '\0' || strlen(text) > 24)
		return -EPROTO;
	for (; *p != '\0'; p++) {
		unsigned digit = (unsigned)(*p - '0');
		if (*p < '0' || *p > '9' || digit >= base)
			return -EPROTO;
		value = value * base + digit;
		if (value > max)
			return -EPROTO;
	}
	*ret = value;
	return 0;
}

int incus_decode_file_id(const char *text, uint32_t *ret)
{
	uint64_t v;
	int k;

	k = incus_decode_unsigned(text, 10, UINT32_MAX, &v);
	if (k < 0)
		return k;
	*ret = (uint32_t)v;
	return 0;
}

int incus_decode_file_mode(const char *text, uint32_t *ret)
{
	uint64_t v;
	int k;

	k = incus_decode_unsigned(text, 8, 07777, &v);
	if (k < 0)
		return k;
	*ret = (uint32_t)v;
	return 0;
}
