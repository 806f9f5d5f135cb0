/*
 * cli_output.c - tables, key: value lines, JSON and the error line; see
 * cli_output.h for the JSON schema.
 *
 * Everything printed from a reply goes through cli_output_clean() first:
 * a server (or whoever named a container or set a label) must not be able
 * to move the cursor or retitle the terminal of the admin who lists it,
 * and jansson refuses strings that are not UTF-8.
 */
#include "cli_output.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CLI_OUTPUT_COLUMN_GAP 3
#define CLI_OUTPUT_KEY_WIDTH 14 /* "memory_usage:" and a space */

static const char *const cli_output_state_labels[] = {
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_UNSPECIFIED] = "UNSPECIFIED",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_RUNNING] = "RUNNING",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_STOPPED] = "STOPPED",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_FROZEN] = "FROZEN",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_CREATING] = "CREATING",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_ERROR] = "ERROR",
};

static const char *const cli_output_state_names[] = {
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_UNSPECIFIED] = "unspecified",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_RUNNING] = "running",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_STOPPED] = "stopped",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_FROZEN] = "frozen",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_CREATING] = "creating",
	[CONTAINARIUM__V1__CONTAINER_STATE__CONTAINER_STATE_ERROR] = "error",
};

const char *cli_output_state_label(int state)
{
	if (state < 0 || (size_t)state >= ARRAY_SIZE(cli_output_state_labels))
		return "UNKNOWN";
	return cli_output_state_labels[state];
}

const char *cli_output_state_json(int state)
{
	if (state < 0 || (size_t)state >= ARRAY_SIZE(cli_output_state_names))
		return "unknown";
	return cli_output_state_names[state];
}

char *cli_output_format_bytes(int64_t bytes, char *buf, size_t buflen)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double value = (double)bytes;
	size_t unit = 0;

	if (bytes < 0) {
		(void)snprintf(buf, buflen, "-");
		return buf;
	}
	if (bytes < 1024) {
		(void)snprintf(buf, buflen, "%" PRId64 " B", bytes);
		return buf;
	}
	while (value >= 1024.0 && unit + 1 < ARRAY_SIZE(units)) {
		value /= 1024.0;
		unit++;
	}
	(void)snprintf(buf, buflen, "%.1f %s", value, units[unit]);
	return buf;
}

/*
 * Returns the length (1..4) of the valid UTF-8 sequence at s and stores
 * its code point in *ret, or returns 0 for an invalid sequence. Reads no
 * further than a NUL byte.
 */
static size_t cli_output_utf8_decode(const unsigned char *s, uint32_t *ret)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80) {
		*ret = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret = cp;
	return n;
}

/* True for C0 controls, DEL and C1 controls. */
static bool cli_output_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

char *cli_output_clean(const char *s, int strip_controls)
{
	const unsigned char *in = (const unsigned char *)(s ? s : "");
	char *clean = malloc(strlen((const char *)in) + 1), *p = clean;

	if (!clean)
		return NULL;
	while (*in) {
		uint32_t cp;
		size_t n = cli_output_utf8_decode(in, &cp);

		if (n == 0 || (strip_controls && cli_output_is_control(cp))) {
			*p++ = '?';
			in += n ? n : 1;
			continue;
		}
		memcpy(p, in, n);
		p += n;
		in += n;
	}
	*p = '\0';
	return clean;
}

/* Returns the number of code points of the valid UTF-8 string s. */
static size_t cli_output_width(const char *s)
{
	size_t width = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			width++;
	return width;
}

/* Returns -EIO when out has seen a write error, else r. */
static int cli_output_status(FILE *out, int r)
{
	if (r == 0 && (ferror(out) || fflush(out) != 0))
		return -EIO;
	return r;
}

/* Returns s, or "-" when s is NULL or empty: a table cell is never blank. */
static const char *cli_output_cell(const char *s)
{
	return s && s[0] ? s : "-";
}

/* ---- tables ---- */

/*
 * Fills clean (n_rows * n_cols) with cleaned copies of cells and widths
 * with each column's widest cell (span rows count for column 0 only).
 * Returns 0 or -ENOMEM; the caller frees clean either way.
 */
static int cli_output_table_cells(size_t n_cols, size_t n_rows, const char *const *cells,
    const bool *span, char **clean, size_t *widths)
{
	for (size_t row = 0; row < n_rows; row++)
		for (size_t col = 0; col < n_cols; col++) {
			size_t i = row * n_cols + col, width;

			if (span && span[row] && col > 1)
				continue;
			clean[i] = cli_output_clean(cli_output_cell(cells[i]), 1);
			if (!clean[i])
				return -ENOMEM;
			width = cli_output_width(clean[i]);
			if ((!span || !span[row] || col == 0) && width > widths[col])
				widths[col] = width;
		}
	return 0;
}

/* Writes one row of cleaned cells padded to widths; no trailing blanks. */
static void cli_output_table_row(FILE *out, size_t n_cols, char *const *row,
    const size_t *widths, bool span)
{
	size_t last = span ? 1 : n_cols - 1;

	for (size_t col = 0; col <= last; col++) {
		if (col == last) {
			fprintf(out, "%s\n", row[col]);
			break;
		}
		fprintf(out, "%s%*s", row[col],
		    (int)(widths[col] - cli_output_width(row[col]) + CLI_OUTPUT_COLUMN_GAP), "");
	}
}

int cli_output_table(FILE *out, size_t n_cols, size_t n_rows, const char *const *cells,
    const bool *span)
{
	size_t *widths, n_cells = n_rows * n_cols;
	char **clean;
	int r;

	if (n_cols < 2 || n_rows == 0)
		return 0;
	clean = calloc(n_cells, sizeof(*clean));
	widths = calloc(n_cols, sizeof(*widths));
	r = clean && widths ? cli_output_table_cells(n_cols, n_rows, cells, span, clean, widths)
	    : -ENOMEM;
	if (r == 0)
		for (size_t row = 0; row < n_rows; row++)
			cli_output_table_row(out, n_cols, clean + row * n_cols, widths,
			    span && span[row]);
	for (size_t i = 0; clean && i < n_cells; i++)
		free(clean[i]);
	free(clean);
	free(widths);
	return cli_output_status(out, r);
}

#define CLI_OUTPUT_LIST_COLUMNS 7

static const char *const cli_output_list_headers[CLI_OUTPUT_LIST_COLUMNS] = {
	"NAME", "USER", "STATE", "IPV4", "CPU", "MEMORY", "IMAGE",
};

/* Fills cells with the raw (uncleaned) strings of one container row. */
static void cli_output_list_row(const Containarium__V1__Container *c,
    const char **cells)
{
	if (!c) {
		for (size_t col = 0; col < CLI_OUTPUT_LIST_COLUMNS; col++)
			cells[col] = "-";
		return;
	}
	cells[0] = cli_output_cell(c->name);
	cells[1] = cli_output_cell(c->username);
	cells[2] = cli_output_state_label(c->state);
	cells[3] = cli_output_cell(c->network ? c->network->ip_address : NULL);
	cells[4] = cli_output_cell(c->resources ? c->resources->cpu : NULL);
	cells[5] = cli_output_cell(c->resources ? c->resources->memory : NULL);
	cells[6] = cli_output_cell(c->image);
}

int cli_output_list_table(FILE *out, const Containarium__V1__ListContainersResponse *reply)
{
	size_t n_rows = reply->n_containers + 1;
	const char **cells;
	int r;

	if (reply->n_containers == 0)
		return 0;
	cells = calloc(n_rows * CLI_OUTPUT_LIST_COLUMNS, sizeof(*cells));
	if (!cells)
		return -ENOMEM;
	memcpy(cells, cli_output_list_headers, sizeof(cli_output_list_headers));
	for (size_t i = 0; i < reply->n_containers; i++)
		cli_output_list_row(reply->containers[i], cells + (i + 1) * CLI_OUTPUT_LIST_COLUMNS);
	r = cli_output_table(out, CLI_OUTPUT_LIST_COLUMNS, n_rows, cells, NULL);
	free(cells);
	return r;
}

/* Number of table rows list-all prints for servers. */
static size_t cli_output_listall_rows(const struct cli_output_server *servers, size_t n)
{
	size_t rows = 1;

	for (size_t i = 0; i < n; i++)
		rows += servers[i].reply ? servers[i].reply->n_containers : 1;
	return rows;
}

/*
 * Fills the row of a server that did not answer: SERVER, then one span
 * cell "ERROR STATUS: MESSAGE" kept in *text (the caller frees it).
 */
static int cli_output_listall_error_row(const struct cli_output_server *s, const char **cells,
    char **text)
{
	if (asprintf(text, "ERROR %s: %s", s->status ? s->status : "UNKNOWN",
	    s->message && s->message[0] ? s->message : "no answer") < 0)
		return -ENOMEM;
	cells[0] = s->server;
	cells[1] = *text;
	return 0;
}

int cli_output_listall_table(FILE *out, const struct cli_output_server *servers, size_t n)
{
	const size_t cols = CLI_OUTPUT_LIST_COLUMNS + 1;
	size_t n_rows = cli_output_listall_rows(servers, n), row = 1;
	const char **cells = calloc(n_rows * cols, sizeof(*cells));
	bool *span = calloc(n_rows, sizeof(*span));
	char **texts = calloc(n + 1, sizeof(*texts));
	int r = cells && span && texts ? 0 : -ENOMEM;

	if (r == 0) {
		cells[0] = "SERVER";
		memcpy(cells + 1, cli_output_list_headers, sizeof(cli_output_list_headers));
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (!servers[i].reply) {
			span[row] = true;
			r = cli_output_listall_error_row(&servers[i], cells + row++ * cols, &texts[i]);
			continue;
		}
		for (size_t j = 0; j < servers[i].reply->n_containers; j++, row++) {
			cells[row * cols] = servers[i].server;
			cli_output_list_row(servers[i].reply->containers[j], cells + row * cols + 1);
		}
	}
	if (r == 0)
		r = cli_output_table(out, cols, n_rows, cells, span);
	for (size_t i = 0; texts && i < n; i++)
		free(texts[i]);
	free(texts);
	free(span);
	free(cells);
	return r;
}

/* ---- metrics table ---- */

#define CLI_OUTPUT_METRICS_COLUMNS 7
#define CLI_OUTPUT_METRICS_CELL 32

/* Fills the cell texts of one metrics row into bufs. */
static void cli_output_metrics_row(const Containarium__V1__ContainerMetrics *m,
    char bufs[][CLI_OUTPUT_METRICS_CELL], const char **cells)
{
	cells[0] = cli_output_cell(m ? m->name : NULL);
	if (!m) {
		for (size_t col = 1; col < CLI_OUTPUT_METRICS_COLUMNS; col++)
			cells[col] = "-";
		return;
	}
	if (isfinite(m->cpu_usage_percent))
		(void)snprintf(bufs[0], CLI_OUTPUT_METRICS_CELL, "%.1f%%", m->cpu_usage_percent);
	else
		(void)snprintf(bufs[0], CLI_OUTPUT_METRICS_CELL, "-");
	(void)cli_output_format_bytes(m->memory_usage_bytes, bufs[1], CLI_OUTPUT_METRICS_CELL);
	(void)cli_output_format_bytes(m->disk_usage_bytes, bufs[2], CLI_OUTPUT_METRICS_CELL);
	(void)cli_output_format_bytes(m->network_rx_bytes, bufs[3], CLI_OUTPUT_METRICS_CELL);
	(void)cli_output_format_bytes(m->network_tx_bytes, bufs[4], CLI_OUTPUT_METRICS_CELL);
	(void)snprintf(bufs[5], CLI_OUTPUT_METRICS_CELL, "%" PRId32, m->process_count);
	for (size_t col = 1; col < CLI_OUTPUT_METRICS_COLUMNS; col++)
		cells[col] = bufs[col - 1];
}

int cli_output_metrics_table(FILE *out, const Containarium__V1__GetMetricsResponse *reply)
{
	static const char *const headers[CLI_OUTPUT_METRICS_COLUMNS] = {
		"NAME", "CPU", "MEMORY", "DISK", "RX", "TX", "PROCS",
	};
	size_t n_rows = reply->n_metrics + 1;
	const char **cells = calloc(n_rows * CLI_OUTPUT_METRICS_COLUMNS, sizeof(*cells));
	char (*bufs)[CLI_OUTPUT_METRICS_CELL] = calloc(n_rows * (CLI_OUTPUT_METRICS_COLUMNS - 1),
	    CLI_OUTPUT_METRICS_CELL);
	int r = -ENOMEM;

	if (cells && bufs) {
		memcpy(cells, headers, sizeof(headers));
		for (size_t i = 0; i < reply->n_metrics; i++)
			cli_output_metrics_row(reply->metrics[i],
			    bufs + i * (CLI_OUTPUT_METRICS_COLUMNS - 1),
			    cells + (i + 1) * CLI_OUTPUT_METRICS_COLUMNS);
		r = cli_output_table(out, CLI_OUTPUT_METRICS_COLUMNS, n_rows, cells, NULL);
	}
	free(bufs);
	free(cells);
	return r;
}

/* ---- JSON ---- */

/* Returns a JSON string of the cleaned s (NULL reads as ""), or NULL. */
static json_t *cli_output_json_string(const char *s)
{
	char *clean = cli_output_clean(s, 0);
	json_t *v;

	if (!clean)
		return NULL;
	v = json_string(clean);
	free(clean);
	return v;
}

/* Returns a JSON number for a finite double, null otherwise. */
static json_t *cli_output_json_real(double value)
{
	return isfinite(value) ? json_real(value) : json_null();
}

/* Orders label entries by key, for output that does not depend on the wire. */
static int cli_output_label_compare(const void *a, const void *b)
{
	const Containarium__V1__Container__LabelsEntry *x = *(const void *const *)a;
	const Containarium__V1__Container__LabelsEntry *y = *(const void *const *)b;

	return strcmp(x && x->key ? x->key : "", y && y->key ? y->key : "");
}

/*
 * Returns a sorted copy of the container's label entries (NULL entries
 * dropped) and stores their count in *ret_n; NULL when there are none or
 * no memory (*ret_n tells: 0 for none). The caller frees the array only.
 */
static Containarium__V1__Container__LabelsEntry **cli_output_labels_sorted(
    const Containarium__V1__Container *c, size_t *ret_n)
{
	Containarium__V1__Container__LabelsEntry **sorted;
	size_t n = 0;

	*ret_n = 0;
	if (c->n_labels == 0)
		return NULL;
	sorted = calloc(c->n_labels, sizeof(*sorted));
	if (!sorted) {
		*ret_n = SIZE_MAX;
		return NULL;
	}
	for (size_t i = 0; i < c->n_labels; i++)
		if (c->labels[i])
			sorted[n++] = c->labels[i];
	qsort(sorted, n, sizeof(*sorted), cli_output_label_compare);
	*ret_n = n;
	return sorted;
}

/* Returns the labels of c as a JSON object with sorted keys, or NULL. */
static json_t *cli_output_labels_json(const Containarium__V1__Container *c)
{
	size_t n;
	Containarium__V1__Container__LabelsEntry **sorted = cli_output_labels_sorted(c, &n);
	json_t *obj = json_object();
	int r = obj ? 0 : -1;

	if (n == SIZE_MAX)
		r = -1;
	for (size_t i = 0; r == 0 && i < n; i++) {
		char *key = cli_output_clean(sorted[i]->key, 0);

		r = key ? json_object_set_new(obj, key, cli_output_json_string(sorted[i]->value)) : -1;
		free(key);
	}
	free(sorted);
	if (r < 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* Returns the ssh_keys of c as a JSON array, or NULL. */
static json_t *cli_output_ssh_keys_json(const Containarium__V1__Container *c)
{
	json_t *array = json_array();

	for (size_t i = 0; array && i < c->n_ssh_keys; i++)
		if (json_array_append_new(array, cli_output_json_string(c->ssh_keys[i])) < 0) {
			json_decref(array);
			return NULL;
		}
	return array;
}

/* Adds the fields of the detailed container object to obj; 0 or -1. */
static int cli_output_container_json_detail(json_t *obj, const Containarium__V1__Container *c)
{
	const Containarium__V1__NetworkInfo *net = c->network;
	int r = 0;

	r |= json_object_set_new(obj, "updated_at", json_integer(c->updated_at));
	r |= json_object_set_new(obj, "mac_address",
	    cli_output_json_string(net ? net->mac_address : NULL));
	r |= json_object_set_new(obj, "interface",
	    cli_output_json_string(net ? net->interface : NULL));
	r |= json_object_set_new(obj, "bridge", cli_output_json_string(net ? net->bridge : NULL));
	r |= json_object_set_new(obj, "ssh_keys", cli_output_ssh_keys_json(c));
	return r ? -1 : 0;
}

/*
 * Returns the container object of the schema (detailed: with the fields
 * of info), json_null() for a NULL container, or NULL when out of memory.
 */
static json_t *cli_output_container_json(const Containarium__V1__Container *c, bool detailed)
{
	const Containarium__V1__ResourceLimits *res;
	json_t *obj;
	int r = 0;

	if (!c)
		return json_null();
	res = c->resources;
	obj = json_object();
	if (!obj)
		return NULL;
	r |= json_object_set_new(obj, "name", cli_output_json_string(c->name));
	r |= json_object_set_new(obj, "username", cli_output_json_string(c->username));
	r |= json_object_set_new(obj, "state", json_string(cli_output_state_json(c->state)));
	r |= json_object_set_new(obj, "ip_address",
	    cli_output_json_string(c->network ? c->network->ip_address : NULL));
	r |= json_object_set_new(obj, "cpu", cli_output_json_string(res ? res->cpu : NULL));
	r |= json_object_set_new(obj, "memory", cli_output_json_string(res ? res->memory : NULL));
	r |= json_object_set_new(obj, "disk", cli_output_json_string(res ? res->disk : NULL));
	r |= json_object_set_new(obj, "image", cli_output_json_string(c->image));
	r |= json_object_set_new(obj, "labels", cli_output_labels_json(c));
	r |= json_object_set_new(obj, "docker_enabled", json_boolean(c->docker_enabled));
	r |= json_object_set_new(obj, "created_at", json_integer(c->created_at));
	if (r == 0 && detailed)
		r = cli_output_container_json_detail(obj, c);
	if (r) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* Returns the metrics object of the schema, json_null() for NULL, or NULL. */
static json_t *cli_output_metrics_object(const Containarium__V1__ContainerMetrics *m)
{
	json_t *obj;
	int r = 0;

	if (!m)
		return json_null();
	obj = json_object();
	if (!obj)
		return NULL;
	r |= json_object_set_new(obj, "name", cli_output_json_string(m->name));
	r |= json_object_set_new(obj, "cpu_usage_percent", cli_output_json_real(m->cpu_usage_percent));
	r |= json_object_set_new(obj, "memory_usage_bytes", json_integer(m->memory_usage_bytes));
	r |= json_object_set_new(obj, "memory_limit_bytes", json_integer(m->memory_limit_bytes));
	r |= json_object_set_new(obj, "disk_usage_bytes", json_integer(m->disk_usage_bytes));
	r |= json_object_set_new(obj, "disk_limit_bytes", json_integer(m->disk_limit_bytes));
	r |= json_object_set_new(obj, "network_rx_bytes", json_integer(m->network_rx_bytes));
	r |= json_object_set_new(obj, "network_tx_bytes", json_integer(m->network_tx_bytes));
	r |= json_object_set_new(obj, "process_count", json_integer(m->process_count));
	if (r) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/*
 * Writes root, indented, and a newline to out, then drops root. r is the
 * result of building root: nonzero (or a NULL root) means out of memory.
 * Returns 0, -ENOMEM or -EIO.
 */
static int cli_output_json_write(FILE *out, json_t *root, int r)
{
	if (!root || r != 0) {
		json_decref(root);
		return -ENOMEM;
	}
	r = json_dumpf(root, out, JSON_INDENT(2)) < 0 ? -EIO : 0;
	json_decref(root);
	if (r == 0 && fputc('\n', out) == EOF)
		r = -EIO;
	return cli_output_status(out, r);
}

int cli_output_list_json(FILE *out, const Containarium__V1__ListContainersResponse *reply)
{
	json_t *root = json_object(), *array = json_array();
	int r = 0;

	for (size_t i = 0; array && r == 0 && i < reply->n_containers; i++)
		r = json_array_append_new(array, cli_output_container_json(reply->containers[i], false));
	r |= json_object_set_new(root, "containers", array);
	r |= json_object_set_new(root, "total_count", json_integer(reply->total_count));
	return cli_output_json_write(out, root, r);
}

int cli_output_info_json(FILE *out, const Containarium__V1__GetContainerResponse *reply)
{
	json_t *root = json_object();
	int r = 0;

	r |= json_object_set_new(root, "container", cli_output_container_json(reply->container, true));
	r |= json_object_set_new(root, "metrics", cli_output_metrics_object(reply->metrics));
	return cli_output_json_write(out, root, r);
}

int cli_output_create_json(FILE *out, const Containarium__V1__CreateContainerResponse *reply)
{
	json_t *root = json_object();
	int r = 0;

	r |= json_object_set_new(root, "container", cli_output_container_json(reply->container, true));
	r |= json_object_set_new(root, "message", cli_output_json_string(reply->message));
	r |= json_object_set_new(root, "ssh_command", cli_output_json_string(reply->ssh_command));
	return cli_output_json_write(out, root, r);
}

int cli_output_delete_json(FILE *out, const Containarium__V1__DeleteContainerResponse *reply)
{
	json_t *root = json_object();
	int r = 0;

	r |= json_object_set_new(root, "container_name", cli_output_json_string(reply->container_name));
	r |= json_object_set_new(root, "message", cli_output_json_string(reply->message));
	return cli_output_json_write(out, root, r);
}

int cli_output_lifecycle_json(FILE *out, const char *message,
    const Containarium__V1__Container *container)
{
	json_t *root = json_object();
	int r = 0;

	r |= json_object_set_new(root, "container", cli_output_container_json(container, true));
	r |= json_object_set_new(root, "message", cli_output_json_string(message));
	return cli_output_json_write(out, root, r);
}

int cli_output_version_json(FILE *out, const char *version)
{
	json_t *root = json_object();

	return cli_output_json_write(out, root,
	    json_object_set_new(root, "version", cli_output_json_string(version)));
}

/* ---- key: value lines ---- */

/* Writes "key: value" with value cleaned ("-" when empty). 0 or -ENOMEM. */
static int cli_output_kv(FILE *out, const char *key, const char *value)
{
	char *clean = cli_output_clean(cli_output_cell(value), 1);

	if (!clean)
		return -ENOMEM;
	fprintf(out, "%-*s%s\n", CLI_OUTPUT_KEY_WIDTH, key, clean);
	free(clean);
	return 0;
}

/* Writes the cleaned message as a line of its own when it is not empty. */
static int cli_output_message(FILE *out, const char *message)
{
	char *clean;

	if (!message || message[0] == '\0')
		return 0;
	clean = cli_output_clean(message, 1);
	if (!clean)
		return -ENOMEM;
	fprintf(out, "%s\n", clean);
	free(clean);
	return 0;
}

/* Formats seconds since the epoch as "YYYY-MM-DD HH:MM:SS UTC", 0 as "". */
static const char *cli_output_time(int64_t seconds, char *buf, size_t buflen)
{
	time_t t = (time_t)seconds;
	struct tm tm;

	buf[0] = '\0';
	if (seconds <= 0)
		return buf;
	if (!gmtime_r(&t, &tm) || strftime(buf, buflen, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		(void)snprintf(buf, buflen, "%" PRId64, seconds);
	return buf;
}

/* Returns s, or "" for NULL. */
static const char *cli_output_str(const char *s)
{
	return s ? s : "";
}

/* Writes "labels: k=v, k=v" in key order. 0 or -ENOMEM. */
static int cli_output_labels_text(FILE *out, const Containarium__V1__Container *c)
{
	size_t n, len = 1;
	Containarium__V1__Container__LabelsEntry **sorted = cli_output_labels_sorted(c, &n);
	char *joined, *p;
	int r;

	if (n == SIZE_MAX)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		len += strlen(cli_output_str(sorted[i]->key)) +
		    strlen(cli_output_str(sorted[i]->value)) + 3;
	joined = malloc(len);
	if (!joined) {
		free(sorted);
		return -ENOMEM;
	}
	p = joined;
	*p = '\0';
	for (size_t i = 0; i < n; i++) {
		p = stpcpy(p, i ? ", " : "");
		p = stpcpy(p, cli_output_str(sorted[i]->key));
		p = stpcpy(p, "=");
		p = stpcpy(p, cli_output_str(sorted[i]->value));
	}
	r = cli_output_kv(out, "labels:", joined);
	free(joined);
	free(sorted);
	return r;
}

/* Writes the key: value lines of a container. 0 or -ENOMEM. */
static int cli_output_container_text(FILE *out, const Containarium__V1__Container *c)
{
	const Containarium__V1__ResourceLimits *res = c->resources;
	const Containarium__V1__NetworkInfo *net = c->network;
	char keys[32], created[64], updated[64];
	int r = 0;

	(void)snprintf(keys, sizeof(keys), "%zu", c->n_ssh_keys);
	r |= cli_output_kv(out, "name:", c->name);
	r |= cli_output_kv(out, "username:", c->username);
	r |= cli_output_kv(out, "state:", cli_output_state_label(c->state));
	r |= cli_output_kv(out, "image:", c->image);
	r |= cli_output_kv(out, "ipv4:", net ? net->ip_address : NULL);
	r |= cli_output_kv(out, "mac_address:", net ? net->mac_address : NULL);
	r |= cli_output_kv(out, "interface:", net ? net->interface : NULL);
	r |= cli_output_kv(out, "bridge:", net ? net->bridge : NULL);
	r |= cli_output_kv(out, "cpu:", res ? res->cpu : NULL);
	r |= cli_output_kv(out, "memory:", res ? res->memory : NULL);
	r |= cli_output_kv(out, "disk:", res ? res->disk : NULL);
	r |= cli_output_kv(out, "docker:", c->docker_enabled ? "yes" : "no");
	r |= cli_output_labels_text(out, c);
	r |= cli_output_kv(out, "ssh_keys:", keys);
	r |= cli_output_kv(out, "created:", cli_output_time(c->created_at, created, sizeof(created)));
	r |= cli_output_kv(out, "updated:", cli_output_time(c->updated_at, updated, sizeof(updated)));
	return r ? -ENOMEM : 0;
}

/* Writes "used of limit" ("used" alone when limit is 0) under key. */
static int cli_output_usage(FILE *out, const char *key, int64_t used, int64_t limit)
{
	char a[32], b[32], line[80];

	if (limit > 0)
		(void)snprintf(line, sizeof(line), "%s of %s",
		    cli_output_format_bytes(used, a, sizeof(a)),
		    cli_output_format_bytes(limit, b, sizeof(b)));
	else
		(void)cli_output_format_bytes(used, line, sizeof(line));
	return cli_output_kv(out, key, line);
}

/* Writes the key: value lines of metrics. 0 or -ENOMEM. */
static int cli_output_metrics_text(FILE *out, const Containarium__V1__ContainerMetrics *m)
{
	char cpu[32], rx[32], tx[32], procs[16];
	int r = 0;

	if (isfinite(m->cpu_usage_percent))
		(void)snprintf(cpu, sizeof(cpu), "%.1f%%", m->cpu_usage_percent);
	else
		(void)snprintf(cpu, sizeof(cpu), "-");
	(void)snprintf(procs, sizeof(procs), "%" PRId32, m->process_count);
	r |= cli_output_kv(out, "cpu_usage:", cpu);
	r |= cli_output_usage(out, "memory_usage:", m->memory_usage_bytes, m->memory_limit_bytes);
	r |= cli_output_usage(out, "disk_usage:", m->disk_usage_bytes, m->disk_limit_bytes);
	r |= cli_output_kv(out, "network_rx:", cli_output_format_bytes(m->network_rx_bytes, rx, sizeof(rx)));
	r |= cli_output_kv(out, "network_tx:", cli_output_format_bytes(m->network_tx_bytes, tx, sizeof(tx)));
	r |= cli_output_kv(out, "processes:", procs);
	return r ? -ENOMEM : 0;
}

int cli_output_info_text(FILE *out, const Containarium__V1__GetContainerResponse *reply)
{
	int r = 0;

	if (reply->container)
		r = cli_output_container_text(out, reply->container);
	if (r == 0 && reply->metrics)
		r = cli_output_metrics_text(out, reply->metrics);
	return cli_output_status(out, r);
}

int cli_output_create_text(FILE *out, const Containarium__V1__CreateContainerResponse *reply)
{
	const Containarium__V1__Container *c = reply->container;
	int r = 0;

	r |= cli_output_message(out, reply->message);
	r |= cli_output_kv(out, "name:", c ? c->name : NULL);
	r |= cli_output_kv(out, "state:", c ? cli_output_state_label(c->state) : NULL);
	r |= cli_output_kv(out, "ipv4:", c && c->network ? c->network->ip_address : NULL);
	r |= cli_output_kv(out, "ssh_command:", reply->ssh_command);
	return cli_output_status(out, r ? -ENOMEM : 0);
}

int cli_output_delete_text(FILE *out, const Containarium__V1__DeleteContainerResponse *reply)
{
	char *name;

	if (reply->message && reply->message[0])
		return cli_output_status(out, cli_output_message(out, reply->message));
	name = cli_output_clean(reply->container_name, 1);
	if (!name)
		return -ENOMEM;
	fprintf(out, "Deleted %s\n", name);
	free(name);
	return cli_output_status(out, 0);
}

int cli_output_lifecycle_text(FILE *out, const char *verb, const char *message,
    const Containarium__V1__Container *container)
{
	char *name;
	int r = 0;

	if (message && message[0]) {
		r = cli_output_message(out, message);
	} else {
		name = cli_output_clean(container ? container->name : "container", 1);
		if (!name)
			return -ENOMEM;
		fprintf(out, "%s %s\n", verb, name);
		free(name);
	}
	if (r == 0 && container)
		r = cli_output_kv(out, "state:", cli_output_state_label(container->state));
	return cli_output_status(out, r);
}

/* ---- metrics, system info, SSH keys, login, list-all ---- */

int cli_output_metrics_json(FILE *out, const Containarium__V1__GetMetricsResponse *reply)
{
	json_t *root = json_object(), *array = json_array();
	int r = 0;

	for (size_t i = 0; array && r == 0 && i < reply->n_metrics; i++)
		r = json_array_append_new(array, cli_output_metrics_object(reply->metrics[i]));
	r |= json_object_set_new(root, "metrics", array);
	return cli_output_json_write(out, root, r);
}

int cli_output_system_info_json(FILE *out, const Containarium__V1__GetSystemInfoResponse *reply)
{
	const Containarium__V1__SystemInfo *i = reply->info;
	json_t *root = json_object(), *obj = i ? json_object() : json_null();
	int r = obj ? 0 : -1;

	if (i && obj) {
		r |= json_object_set_new(obj, "hostname", cli_output_json_string(i->hostname));
		r |= json_object_set_new(obj, "os", cli_output_json_string(i->os));
		r |= json_object_set_new(obj, "kernel_version", cli_output_json_string(i->kernel_version));
		r |= json_object_set_new(obj, "incus_version", cli_output_json_string(i->incus_version));
		r |= json_object_set_new(obj, "total_cpus", json_integer(i->total_cpus));
		r |= json_object_set_new(obj, "total_memory_bytes", json_integer(i->total_memory_bytes));
		r |= json_object_set_new(obj, "available_memory_bytes",
		    json_integer(i->available_memory_bytes));
		r |= json_object_set_new(obj, "total_disk_bytes", json_integer(i->total_disk_bytes));
		r |= json_object_set_new(obj, "available_disk_bytes",
		    json_integer(i->available_disk_bytes));
		r |= json_object_set_new(obj, "containers_running", json_integer(i->containers_running));
		r |= json_object_set_new(obj, "containers_stopped", json_integer(i->containers_stopped));
		r |= json_object_set_new(obj, "containers_total", json_integer(i->containers_total));
		r |= json_object_set_new(obj, "uptime_seconds", json_integer(i->uptime_seconds));
	}
	r |= json_object_set_new(root, "info", obj);
	return cli_output_json_write(out, root, r);
}

/* Writes "key: N" for an integer. */
static int cli_output_kv_int(FILE *out, const char *key, int64_t value)
{
	char buf[32];

	(void)snprintf(buf, sizeof(buf), "%" PRId64, value);
	return cli_output_kv(out, key, buf);
}

int cli_output_system_info_text(FILE *out, const Containarium__V1__GetSystemInfoResponse *reply)
{
	const Containarium__V1__SystemInfo *i = reply->info;
	char a[32], b[32], mem[80], disk[80];
	int r = 0;

	if (!i)
		return cli_output_status(out, 0);
	(void)snprintf(mem, sizeof(mem), "%s available of %s",
	    cli_output_format_bytes(i->available_memory_bytes, a, sizeof(a)),
	    cli_output_format_bytes(i->total_memory_bytes, b, sizeof(b)));
	(void)snprintf(disk, sizeof(disk), "%s available of %s",
	    cli_output_format_bytes(i->available_disk_bytes, a, sizeof(a)),
	    cli_output_format_bytes(i->total_disk_bytes, b, sizeof(b)));
	r |= cli_output_kv(out, "hostname:", i->hostname);
	r |= cli_output_kv(out, "os:", i->os);
	r |= cli_output_kv(out, "kernel:", i->kernel_version);
	r |= cli_output_kv(out, "incus:", i->incus_version);
	r |= cli_output_kv_int(out, "cpus:", i->total_cpus);
	r |= cli_output_kv(out, "memory:", mem);
	r |= cli_output_kv(out, "disk:", disk);
	r |= cli_output_kv_int(out, "running:", i->containers_running);
	r |= cli_output_kv_int(out, "stopped:", i->containers_stopped);
	r |= cli_output_kv_int(out, "containers:", i->containers_total);
	r |= cli_output_kv_int(out, "uptime:", i->uptime_seconds);
	return cli_output_status(out, r ? -ENOMEM : 0);
}

int cli_output_sshkey_text(FILE *out, const char *message, int32_t total_keys)
{
	int r = cli_output_message(out, message);

	if (r == 0)
		r = cli_output_kv_int(out, "total_keys:", total_keys);
	return cli_output_status(out, r);
}

int cli_output_sshkey_json(FILE *out, const char *message, int32_t total_keys)
{
	json_t *root = json_object();
	int r = 0;

	r |= json_object_set_new(root, "message", cli_output_json_string(message));
	r |= json_object_set_new(root, "total_keys", json_integer(total_keys));
	return cli_output_json_write(out, root, r);
}

int cli_output_login_json(FILE *out, const char *server, const char *username,
    int64_t expires_at)
{
	json_t *root = json_object();
	int r = 0;

	r |= json_object_set_new(root, "server", cli_output_json_string(server));
	r |= json_object_set_new(root, "username", cli_output_json_string(username));
	r |= json_object_set_new(root, "expires_at", json_integer(expires_at));
	return cli_output_json_write(out, root, r);
}

int cli_output_logout_json(FILE *out, const char *server, bool removed)
{
	json_t *root = json_object();
	int r = 0;

	r |= json_object_set_new(root, "server", cli_output_json_string(server));
	r |= json_object_set_new(root, "removed", json_boolean(removed));
	return cli_output_json_write(out, root, r);
}

/* Returns the "servers" entry of one list-all server, or NULL. */
static json_t *cli_output_listall_server_json(const struct cli_output_server *s)
{
	json_t *obj = json_object();
	int r = obj ? 0 : -1;

	r |= json_object_set_new(obj, "server", cli_output_json_string(s->server));
	r |= json_object_set_new(obj, "status", json_string(s->reply ? "OK"
	    : s->status ? s->status : "UNKNOWN"));
	r |= json_object_set_new(obj, "message", cli_output_json_string(s->reply ? "" : s->message));
	r |= json_object_set_new(obj, "total_count",
	    json_integer(s->reply ? s->reply->total_count : 0));
	if (r) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

/* Appends server's containers, each with a "server" field, to array. */
static int cli_output_listall_containers_json(json_t *array, const struct cli_output_server *s)
{
	int r = 0;

	for (size_t j = 0; r == 0 && s->reply && j < s->reply->n_containers; j++) {
		json_t *c = cli_output_container_json(s->reply->containers[j], false);

		if (!c || !json_is_object(c)) {
			json_decref(c);
			continue;
		}
		r |= json_object_set_new(c, "server", cli_output_json_string(s->server));
		r |= json_array_append_new(array, c);
	}
	return r;
}

int cli_output_listall_json(FILE *out, const struct cli_output_server *servers, size_t n)
{
	json_t *root = json_object(), *list = json_array(), *containers = json_array();
	int r = root && list && containers ? 0 : -1;

	for (size_t i = 0; r == 0 && i < n; i++) {
		r |= json_array_append_new(list, cli_output_listall_server_json(&servers[i]));
		r |= cli_output_listall_containers_json(containers, &servers[i]);
	}
	r |= json_object_set_new(root, "servers", list);
	r |= json_object_set_new(root, "containers", containers);
	return cli_output_json_write(out, root, r);
}

/* ---- errors ---- */

void cli_output_error(FILE *out, const char *command, const char *what,
    const char *status, const char *message)
{
	char *clean_what = cli_output_clean(what, 1), *clean = cli_output_clean(message, 1);

	fprintf(out, "containarium: ");
	if (command)
		fprintf(out, "%s: ", command);
	fprintf(out, "%s", clean_what ? clean_what : "error");
	if (status)
		fprintf(out, ": %s", status);
	if (clean && clean[0])
		fprintf(out, ": %s", clean);
	fputc('\n', out);
	free(clean_what);
	free(clean);
	(void)fflush(out);
}

void cli_output_usage_error(FILE *out, const char *command, const char *reason)
{
	cli_output_error(out, command, reason, NULL, NULL);
	fprintf(out, "Try 'containarium help%s%s'.\n", command ? " " : "", command ? command : "");
	(void)fflush(out);
}
