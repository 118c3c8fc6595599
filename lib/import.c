/*
 * import.c: bulk historical import (article 10).
 *
 * Three stages overlap: a reader thread splits the input into records
 * (JSON Lines or CSV, converted from GB18030 when asked), worker threads
 * validate, sign and seal them with the same code ecert-issue uses, and
 * the calling thread writes them to the store in input order, one
 * transaction per batch.  The ring between them is bounded in records and
 * in bytes, so memory stays flat whatever the input's size.
 *
 * Every record ends in exactly one place: imported, already present (the
 * same type, number and content: this makes a re-run after a crash finish
 * the job), or rejected (reported with its line and reason, and copied
 * verbatim to the rejects file).
 */
#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <sodium.h>

#include "ecert_priv.h"

#define RING 1024
#define RING_BYTES (32L << 20)
#define CHUNK 64
#define WORK_CHUNK 16
#define WRITE_CHUNK 256
/*
 * A transaction holds the store's write lock, and readers record their
 * access in the audit log, so none may wait long behind an import: a
 * process that waits for the lock says so (store.c), and the writer
 * looks every PROBE_RECORDS records (or PROBE_SECONDS while it waits
 * for records) and ends its batch when one does, leaving the lock free
 * a moment (GAP_US; it tries for it less often than they do).  Nobody
 * waiting, a batch runs to --batch records, at most BATCH_SECONDS, and
 * COMMIT_SECONDS without a record to write.
 */
#define PROBE_RECORDS 64
#define PROBE_SECONDS 0.01
#define BATCH_SECONDS 1.0
#define COMMIT_SECONDS 0.05
#define GAP_US 10000
#define IMPORT_POLL_US 20000
/* pages in the write-ahead log before a checkpoint (SQLite: 1000) */
#define WAL_PAGES "100000"

enum { EMPTY, READY, WORKING, DONE };

struct job {
	long line;
	char *raw;		/* the record as it came, for the rejects */
	size_t rawlen;
	char *text;		/* JSON Lines: the line in UTF-8 */
	json_t *record;		/* CSV: the mapped record */
	int status, crlf;
	char msg[1024];
	struct ecert_prepared p;
	int state;
};

struct import {
	struct ecert_store *s;
	const struct ecert_actor *a;
	const json_t *type;
	const struct ecert_import_opts *o;
	iconv_t cd;
	char **columns;		/* CSV: the item key of each column */
	char **heads;		/* CSV: each column's name, in UTF-8 */
	size_t ncolumns;
	char *header;		/* CSV: the header line as it came */
	size_t headerlen;
	int header_crlf;
	json_t *set;		/* item key -> the value --set gives */
	long rejects_line;	/* the lines written to the rejects file */
	long batches;		/* committed */
	double batch_seconds;	/* BATCH_SECONDS, or as a test says */

	pthread_mutex_t mu;
	pthread_cond_t can_read, can_work, can_write;
	struct job ring[RING];
	long next_read, next_work, next_write;
	long fill, limit, pending_bytes;	/* the reader's own */
	long bytes;		/* raw bytes in the ring */
	int eof, stop;
	struct ecert_error read_error;	/* status 0 unless reading failed */
};

/* The GB/T 36903 element names, and the words of paper registers. */
static const char *aliases[][2] = {
	{ "证照编号", "number" }, { "持证主体", "holder" },
	{ "持证主体代码", "holder_id" }, { "证照颁发日期", "issue_date" },
	{ "颁发日期", "issue_date" }, { "发证日期", "issue_date" },
	{ "证照有效期起始日期", "valid_from" }, { "有效期起始日期", "valid_from" },
	{ "证照有效期截止日期", "valid_until" }, { "有效期截止日期", "valid_until" },
	{ "有效期至", "valid_until" }, { NULL, NULL }
};

static int
str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* How a message names an item: its Chinese label, else the key. */
static const char *
key_label(const json_t *type, const char *key)
{
	const json_t *item = ecert_catalog_item(type, key);

	if (item != NULL)
		return ecert_json_str(item, "label");
	if (strcmp(key, "holder") == 0)
		return ecert_json_str(type, "holder_label");
	if (strcmp(key, "holder_id") == 0)
		return ecert_json_str(type, "holder_id_label");
	return key;
}

/* What NAME (a reserved key, an element name, an item's key or label)
 * is in a record of the type, or NULL. */
static const char *
record_key(const json_t *type, const char *name)
{
	static const char *reserved[] = { "type", "number", "holder",
	    "holder_id", "issue_date", "valid_from", "valid_until", NULL };
	const json_t *item;
	int r;

	for (r = 0; reserved[r] != NULL; r++)
		if (strcmp(name, reserved[r]) == 0)
			return reserved[r];
	for (r = 0; aliases[r][0] != NULL; r++)
		if (strcmp(name, aliases[r][0]) == 0)
			return aliases[r][1];
	if (str_eq(name, ecert_json_str(type, "holder_label")))
		return "holder";
	if (str_eq(name, ecert_json_str(type, "holder_id_label")))
		return "holder_id";
	if ((item = ecert_catalog_item(type, name)) != NULL)
		return ecert_json_str(item, "key");
	return NULL;
}

/* --map's pairs, column then item; 0, or 64 for one that is no pair. */
static int
parse_map(const char *map, char ***pairs, size_t *n, struct ecert_error *e)
{
	char *list, *tok, *save = NULL, *eq;
	int rc = 0;

	*pairs = NULL;
	*n = 0;
	if (map == NULL)
		return 0;
	list = ecert_xstrdup(map);
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL || eq == tok ||
		    eq[1] == '\0') {
			rc = ecert_fail(e, ECERT_USAGE, "--map %s: expected "
			    "column=item", tok);
			break;
		}
		*eq = '\0';
		*pairs = ecert_xrealloc(*pairs, (*n + 2) * sizeof(char *));
		(*pairs)[(*n)++] = ecert_xstrdup(tok);
		(*pairs)[(*n)++] = ecert_xstrdup(eq + 1);
	}
	free(list);
	return rc;
}

/* CSV header: each column names a reserved key, an item key or label, or
 * is renamed by --map; every --map names a column of the header. */
static int
map_header(struct import *im, struct ecert_csv *c, struct ecert_error *e)
{
	struct ecert_error ce;
	char **pairs = NULL, *name;
	const char *target, *key;
	size_t i, k, r, npairs = 0;
	int rc, *used = NULL;

	if ((rc = parse_map(im->o->map, &pairs, &npairs, e)) != 0)
		goto out;
	used = calloc(npairs / 2 + 1, sizeof(int));
	im->ncolumns = c->nfields;
	im->columns = calloc(c->nfields, sizeof(char *));
	im->heads = calloc(c->nfields, sizeof(char *));
	if (used == NULL || im->columns == NULL || im->heads == NULL) {
		rc = ecert_fail(e, ECERT_IOERR, "calloc: %s", strerror(errno));
		goto out;
	}
	for (i = 0; i < c->nfields; i++) {
		const char *raw = ecert_csv_field(c, i);

		/* Excel's "CSV UTF-8" starts with a byte-order mark */
		if (i == 0 && strncmp(raw, "\xef\xbb\xbf", 3) == 0)
			raw += 3;
		if ((name = ecert_to_utf8(im->cd, im->o->encoding, raw, strlen(raw), &ce)) == NULL) {
			rc = ecert_fail(e, ECERT_DATAERR, "%s:1: column %zu: "
			    "%s", im->o->name, i + 1, ce.msg);
			goto out;
		}
		im->heads[i] = name;
		target = name;
		for (k = 0; k < npairs; k += 2)
			if (strcmp(pairs[k], name) == 0) {
				target = pairs[k + 1];
				used[k / 2] = 1;
				break;
			}
		if ((key = record_key(im->type, target)) == NULL) {
			rc = ecert_fail(e, ECERT_DATAERR, "%s:1: column %zu "
			    "(%s): not a data item of type %s; name it with "
			    "--map", im->o->name, i + 1, target,
			    ecert_json_str(im->type, "code"));
			goto out;
		}
		for (r = 0; r < i; r++)
			if (strcmp(im->columns[r], key) == 0) {
				rc = ecert_fail(e, ECERT_DATAERR, "%s:1: column "
				    "%zu (%s): %s is also column %zu (%s)",
				    im->o->name, i + 1, name,
				    key_label(im->type, key), r + 1,
				    im->heads[r]);
				goto out;
			}
		if (json_object_get(im->set, key) != NULL) {
			rc = ecert_fail(e, ECERT_USAGE, "--set %s: the file "
			    "gives it too, in column %zu (%s)",
			    key_label(im->type, key), i + 1, name);
			goto out;
		}
		im->columns[i] = ecert_xstrdup(key);
	}
	for (k = 0; k < npairs; k += 2)
		if (!used[k / 2]) {
			rc = ecert_fail(e, ECERT_DATAERR, "--map %s=%s: %s has "
			    "no column %s", pairs[k], pairs[k + 1],
			    im->o->name, pairs[k]);
			goto out;
		}
out:
	for (k = 0; k < npairs; k++)
		free(pairs[k]);
	free(pairs);
	free(used);
	return rc;
}

/* The values of --set, by the item's key; 64 for one that is no item. */
static int
set_values(struct import *im, struct ecert_error *e)
{
	const char *name, *key;
	json_t *v;

	im->set = json_object();
	json_object_foreach((json_t *)im->o->set, name, v) {
		if ((key = record_key(im->type, name)) == NULL ||
		    strcmp(key, "type") == 0)
			return ecert_fail(e, ECERT_USAGE, "--set %s: not a data "
			    "item of type %s", name,
			    ecert_json_str(im->type, "code"));
		if (json_object_get(im->set, key) != NULL)
			return ecert_fail(e, ECERT_USAGE, "--set %s: given "
			    "twice", key_label(im->type, key));
		json_object_set(im->set, key, v);
	}
	return 0;
}

/* --set's values into a record that did not come from CSV columns: a
 * record may give the same value, not another. */
static int
apply_set(struct import *im, json_t *record, struct ecert_error *e)
{
	const char *key, *label;
	json_t *v, *given;

	json_object_foreach(im->set, key, v) {
		label = key_label(im->type, key);
		given = json_object_get(record, key);
		if (given == NULL && ecert_catalog_item(im->type, key) != NULL)
			given = json_object_get(record, label);
		if (given == NULL)
			json_object_set(record, key, v);
		else if (!json_equal(given, v))
			return ecert_fail(e, ECERT_DATAERR, "field %s: %s in "
			    "the record, %s by --set", label,
			    json_is_string(given) ? json_string_value(given) :
			    "(not a string)", json_string_value(v));
	}
	return 0;
}

static json_t *
csv_record(struct import *im, struct ecert_csv *c, struct ecert_error *e)
{
	struct ecert_error ce;
	json_t *record;
	size_t i;

	if (c->nfields != im->ncolumns) {
		ecert_fail(e, ECERT_DATAERR, "%zu fields, the header has %zu",
		    c->nfields, im->ncolumns);
		return NULL;
	}
	record = json_deep_copy(im->set);
	for (i = 0; i < c->nfields; i++) {
		const char *raw = ecert_csv_field(c, i);
		char *v;

		if (*raw == '\0')
			continue;	/* an empty cell is an absent item */
		if ((v = ecert_to_utf8(im->cd, im->o->encoding, raw, strlen(raw), &ce)) == NULL) {
			ecert_fail(e, ECERT_DATAERR, "column %zu (%s): %s",
			    i + 1, im->heads[i], ce.msg);
			json_decref(record);
			return NULL;
		}
		json_object_set_new(record, im->columns[i], json_string(v));
		free(v);
	}
	return record;
}

/* Frees what a slot held, on the reader's side, off the writer's path. */
static void
clear(struct job *j)
{
	ecert_prepared_free(&j->p);
	free(j->raw);
	free(j->text);
	json_decref(j->record);
	j->raw = j->text = NULL;
	j->record = NULL;
}

/*
 * The reader fills slots it has reserved without the lock and hands them
 * over CHUNK at a time: one lock and one wake-up per chunk, not per record.
 */
static void
flush(struct import *im)
{
	if (im->fill == im->next_read)
		return;
	pthread_mutex_lock(&im->mu);
	im->next_read = im->fill;
	im->bytes += im->pending_bytes;
	im->pending_bytes = 0;
	pthread_cond_broadcast(&im->can_work);
	pthread_cond_signal(&im->can_write);
	pthread_mutex_unlock(&im->mu);
}

/* Returns a free slot, or NULL when told to stop. */
static struct job *
slot_for_reading(struct import *im, size_t bytes)
{
	struct job *j;

	if (im->fill == im->limit || im->pending_bytes > RING_BYTES / 8) {
		flush(im);
		pthread_mutex_lock(&im->mu);
		while (!im->stop && (im->fill - im->next_write >= RING ||
		    (im->bytes > RING_BYTES && im->fill > im->next_write)))
			pthread_cond_wait(&im->can_read, &im->mu);
		im->limit = im->next_write + RING;
		if (im->limit > im->fill + CHUNK)
			im->limit = im->fill + CHUNK;
		pthread_mutex_unlock(&im->mu);
		if (im->stop)
			return NULL;
	}
	j = &im->ring[im->fill % RING];
	clear(j);
	im->pending_bytes += (long)bytes;
	return j;
}

static void
publish(struct import *im, struct job *j)
{
	j->state = j->status == 0 ? READY : DONE;
	im->fill++;
}

static void
fill_raw(struct job *j, long line, const char *raw, size_t n)
{
	j->line = line;
	j->raw = ecert_xmalloc(n + 1);
	memcpy(j->raw, raw, n);
	j->raw[n] = '\0';
	j->rawlen = n;
	j->text = NULL;
	j->record = NULL;
	j->status = 0;
	j->crlf = 0;
	j->msg[0] = '\0';
}

/*
 * The writer is the one stage that cannot be shared out: the reader
 * and the workers take only the processor time it leaves (Linux: a
 * thread's own nice value, 19).
 */
static void
lower_priority(void)
{
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
}

static void *
reader(void *arg)
{
	struct import *im = arg;
	struct ecert_error e;
	struct ecert_reader r = { 0 };
	struct ecert_csv c = { 0 };
	struct job *j;
	char *line;
	size_t len;
	int rc;

	lower_priority();	/* the writer first */
	r.fp = c.fp = im->o->in;
	r.name = im->o->name;
	c.next_line = 1;
	if (im->o->csv)
		c.next_line = 2;	/* the header was line 1 */
	for (;;) {
		if (im->o->csv) {
			rc = ecert_csv_read(&c, &e);
			if (rc == -1)
				break;
			if (rc == 0 && c.nfields == 1 &&
			    *ecert_csv_field(&c, 0) == '\0' && c.rawlen == 0)
				continue;	/* a blank line ends no record */
			if ((j = slot_for_reading(im, c.rawlen)) == NULL)
				break;
			fill_raw(j, c.line, c.raw, c.rawlen);
			j->crlf = c.crlf;
			if (rc == 0 && (j->record = csv_record(im, &c, &e)) ==
			    NULL)
				rc = e.status;
			else if (rc != 0 && c.nul_field != 0 &&
			    c.nul_field <= im->ncolumns)
				ecert_fail(&e, rc, "column %zu (%s): NUL byte",
				    c.nul_field, im->heads[c.nul_field - 1]);
		} else {
			rc = ecert_read_line(&r, &line, &len, &e);
			if (rc == -1)
				break;
			if (rc == ECERT_IOERR) {
				pthread_mutex_lock(&im->mu);
				im->read_error = e;
				pthread_mutex_unlock(&im->mu);
				break;
			}
			if ((j = slot_for_reading(im, rc == 0 ? len : 0)) ==
			    NULL)
				break;
			if (rc == 0) {
				fill_raw(j, r.line, line, len);
				j->crlf = r.crlf;
				if (len == 0)
					rc = ecert_fail(&e, ECERT_DATAERR,
					    "empty line");
				else if ((j->text = ecert_to_utf8(im->cd, im->o->encoding, line, len,
				    &e)) == NULL)
					rc = e.status;
			} else if (r.buf != NULL)
				fill_raw(j, r.line, line, len); /* a NUL byte */
			else
				fill_raw(j, r.line, "", 0); /* too long to keep */
		}
		if (rc != 0) {
			j->status = rc;
			snprintf(j->msg, sizeof(j->msg), "%s", e.msg);
		}
		publish(im, j);
	}
	ecert_reader_free(&r);
	ecert_csv_free(&c);
	flush(im);
	pthread_mutex_lock(&im->mu);
	im->eof = 1;
	pthread_cond_broadcast(&im->can_work);
	pthread_cond_broadcast(&im->can_write);
	pthread_mutex_unlock(&im->mu);
	return NULL;
}

static void
work(struct import *im, struct job *j)
{
	struct ecert_error e;
	json_t *record = j->record;

	if (record == NULL) {
		record = ecert_json_parse(j->text, strlen(j->text), &e);
		if (record == NULL)
			goto fail;
		if (!json_is_object(record)) {
			ecert_fail(&e, ECERT_DATAERR, "not a JSON object");
			goto fail;
		}
		if (apply_set(im, record, &e) != 0)
			goto fail;
	}
	if (ecert_license_prepare(im->s, im->a, im->type, record,
	    ECERT_PREP_HISTORICAL, 1, &j->p,
	    &e) != 0)
		goto fail;
	json_decref(record);
	j->record = NULL;
	return;
fail:
	json_decref(record);
	j->record = NULL;
	j->status = e.status;
	snprintf(j->msg, sizeof(j->msg), "%s", e.msg);
}

static void *
worker(void *arg)
{
	struct import *im = arg;
	long first, end, k;

	lower_priority();	/* the writer first */
	pthread_mutex_lock(&im->mu);
	for (;;) {
		if (im->next_work < im->next_write)
			im->next_work = im->next_write;
		while (!im->stop && im->next_work < im->next_read &&
		    im->ring[im->next_work % RING].state != READY)
			im->next_work++;	/* bad records skip the workers */
		if (im->stop || (im->eof && im->next_work >= im->next_read))
			break;
		if (im->next_work >= im->next_read) {
			pthread_cond_wait(&im->can_work, &im->mu);
			continue;
		}
		first = im->next_work;
		for (end = first; end < im->next_read && end - first <
		    WORK_CHUNK && im->ring[end % RING].state == READY; end++)
			im->ring[end % RING].state = WORKING;
		im->next_work = end;
		pthread_mutex_unlock(&im->mu);
		for (k = first; k < end; k++)
			work(im, &im->ring[k % RING]);
		pthread_mutex_lock(&im->mu);
		for (k = first; k < end; k++)
			im->ring[k % RING].state = DONE;
		if (first <= im->next_write + WRITE_CHUNK)
			pthread_cond_signal(&im->can_write);
	}
	pthread_mutex_unlock(&im->mu);
	return NULL;
}

static void
add_name(char *why, size_t n, size_t *used, const char *name)
{
	if (*used < n)
		*used += (size_t)snprintf(why + *used, n - *used, " %s", name);
}

/* The Chinese names of the document's own members (GB/T 36903). */
static const char *
doc_label(const char *key)
{
	static const char *names[][2] = {
		{ "number", "证照编号" }, { "issue_date", "证照颁发日期" },
		{ "valid_from", "证照有效期起始日期" },
		{ "valid_until", "证照有效期截止日期" },
		{ "type", "证照类型代码" }, { "type_name", "证照类型名称" },
		{ NULL, NULL }
	};
	int i;

	for (i = 0; names[i][0] != NULL; i++)
		if (strcmp(key, names[i][0]) == 0)
			return names[i][1];
	return key;
}

/* The stored document of the same license (its identifier, or its
 * number's first version); NULL with why. */
static json_t *
stored_document(struct import *im, const struct ecert_prepared *p,
    char *why, size_t n)
{
	struct ecert_error e;
	sqlite3_stmt *st;
	json_t *old;
	char *plain = NULL, numcol[260];

	st = ecert_prepare(im->s, "SELECT document FROM licenses WHERE id = ?"
	    " OR (type = ? AND number = ? AND version = 1)", &e);
	if (st == NULL) {
		snprintf(why, n, "%s", e.msg);
		return NULL;
	}
	ecert_bind_text(st, 1, p->id);
	ecert_bind_text(st, 2, ecert_json_str(p->doc, "type"));
	ecert_number_column(im->s, ecert_json_str(p->doc, "type"), !p->legal,
	    ecert_json_str(p->doc, "number"), numcol, sizeof(numcol));
	ecert_bind_text(st, 3, numcol);
	if (sqlite3_step(st) == SQLITE_ROW)
		plain = ecert_pii_open(im->s, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), NULL);
	sqlite3_finalize(st);
	if (plain == NULL || (old = json_loads(plain, 0, NULL)) == NULL) {
		free(plain);
		ecert_whyf(why, n, "license number already in the store, and "
		    "its stored document cannot be read");
		return NULL;
	}
	free(plain);
	return old;
}

/* What is new at every signing taken out: the time, the salts (a
 * format-1 document has none), the format, the issuer's name. */
static void
drop_signing(json_t *doc)
{
	json_object_del(doc, "signed_at");
	json_object_del(doc, "salts");
	json_object_del(doc, "format");
	json_object_del(json_object_get(doc, "issuer"), "name");
}

/* The names, by the catalog's labels, of what differs between the new
 * document and the old, after why's first used bytes. */
static void
name_differences(const json_t *type, const json_t *old, const json_t *new,
    char *why, size_t n, size_t used)
{
	const char *key, *ik;
	json_t *v, *iv;

	json_object_foreach((json_t *)new, key, v) {
		const json_t *ov = json_object_get(old, key);

		if (strcmp(key, "items") == 0 && json_is_object(ov)) {
			json_object_foreach(v, ik, iv)
				if (!json_equal(iv, json_object_get(ov, ik)))
					add_name(why, n, &used,
					    key_label(type, ik));
			json_object_foreach((json_t *)ov, ik, iv)
				if (json_object_get(v, ik) == NULL)
					add_name(why, n, &used,
					    key_label(type, ik));
		} else if (strcmp(key, "holder") == 0 && json_is_object(ov)) {
			if (!json_equal(json_object_get(v, "name"),
			    json_object_get(ov, "name")))
				add_name(why, n, &used, key_label(type,
				    "holder"));
			if (!json_equal(json_object_get(v, "id"),
			    json_object_get(ov, "id")))
				add_name(why, n, &used, key_label(type,
				    "holder_id"));
		} else if (strcmp(key, "partial") != 0 &&
		    strcmp(key, "not_collected") != 0 && !json_equal(v, ov))
			add_name(why, n, &used, doc_label(key));
	}
}

/* The same license number: the same content is "present", anything else
 * a conflict that names what differs, by the catalog's labels. */
static int
compare_stored(struct import *im, const struct ecert_prepared *p, char *why,
    size_t n)
{
	json_t *old, *new;
	int same;

	if ((old = stored_document(im, p, why, n)) == NULL)
		return 0;
	new = json_deep_copy(p->doc);
	drop_signing(old);
	drop_signing(new);
	if (!(same = json_equal(old, new)))
		name_differences(im->type, old, new, why, n,
		    (size_t)ecert_whyf(why, n, "license number %s is already "
		    "in the store with different content:",
		    ecert_json_str(p->doc, "number")));
	json_decref(old);
	json_decref(new);
	return same;
}

struct batch {
	long first_line, last_line, imported, present, rejected;
	double started;
	crypto_generichash_state ids;
};

static void
batch_start(struct batch *b)
{
	memset(b, 0, sizeof(*b));
	b->started = ecert_mono();
	crypto_generichash_init(&b->ids, NULL, 0, 32);
}

/* One audit entry per batch, in the batch's own transaction. */
static int
batch_end(struct import *im, struct batch *b, struct ecert_error *e)
{
	unsigned char h[32];
	char hex[65], *detail;
	json_t *o;
	int rc;

	if (b->first_line == 0)
		return 0;
	crypto_generichash_final(&b->ids, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s}",
	    "file", im->o->name, "type", ecert_json_str(im->type, "code"),
	    "first_line", (json_int_t)b->first_line,
	    "last_line", (json_int_t)b->last_line,
	    "imported", (json_int_t)b->imported,
	    "present", (json_int_t)b->present,
	    "rejected", (json_int_t)b->rejected, "ids_digest", hex);
	detail = ecert_json_canonical(o);
	json_decref(o);
	rc = ecert_audit(im->s, im->a->unit, "license.import", im->o->name,
	    b->rejected ? "partial" : "ok", detail);
	free(detail);
	if (rc != 0)
		return ecert_fail(e, rc, "audit: cannot record the batch");
	return ecert_commit(im->s, e);
}

/*
 * A rejected record goes to the rejects file as it came, in the input's
 * format and encoding (a CSV file's header first), so that it can be
 * fixed and imported again; why goes beside it, a line a record: its
 * line in the rejects file, a tab, file:line of the input, a tab, the
 * reasons.  A write that fails stops the import (74): a rejects file
 * with records missing would say they went in.
 */
static int
put_rejected(struct import *im, const char *raw, size_t n, int crlf)
{
	const char *p;

	fwrite(raw, 1, n, im->o->rejects);
	fputs(crlf ? "\r\n" : "\n", im->o->rejects);
	im->rejects_line++;
	for (p = raw; (p = memchr(p, '\n', n - (size_t)(p - raw))) != NULL;
	    p++)
		im->rejects_line++;
	return ferror(im->o->rejects) ? -1 : 0;
}

static int
reject(struct import *im, struct job *j, const char *msg,
    struct ecert_error *e)
{
	const char *file = im->o->rejects_name, *c;
	long at;

	ecert_warn("%s:%ld: %s", im->o->name, j->line, msg);
	if (im->o->rejects == NULL)
		return 0;
	if (im->rejects_line == 0 && im->header != NULL &&
	    put_rejected(im, im->header, im->headerlen, im->header_crlf) != 0)
		goto fail;
	at = im->rejects_line + 1;
	if (put_rejected(im, j->raw, j->rawlen, j->crlf) != 0 ||
	    fflush(im->o->rejects) != 0)
		goto fail;
	if (im->o->why != NULL) {
		file = im->o->why_name;
		fprintf(im->o->why, "%ld\t%s:%ld\t", at, im->o->name, j->line);
		for (c = msg; *c != '\0'; c++)
			putc((unsigned char)*c < 0x20 ? ' ' : *c, im->o->why);
		putc('\n', im->o->why);
		if (fflush(im->o->why) != 0)
			goto fail;
	}
	return 0;
fail:
	return ecert_fail(e, ECERT_IOERR, "--rejects %s: %s", file ? file : "",
	    strerror(errno ? errno : EIO));
}

static void
progress(struct import *im, const struct ecert_import_counts *n,
    double start, int last)
{
	double el = ecert_mono() - start;
	double rate = el > 0 ? (double)n->records / el : 0;
	long long pos;

	fputc('\r', stderr);
	fprintf(stderr, _("%s: %ld records (%ld imported, %ld present, %ld "
	    "rejected), %.0f/s"), ecert_progname, n->records, n->imported,
	    n->present, n->rejected, rate);
	if (im->o->input_size > 0 && rate > 0 && !last &&
	    (pos = ftello(im->o->in)) > 0)
		fprintf(stderr, _(", ETA %.0f s"), el * (double)(im->o->input_size -
		    pos) / (double)pos);
	fprintf(stderr, "\033[K%s", last ? "\n" : "");
}

static int
write_one(struct import *im, struct job *j, struct batch *b,
    struct ecert_import_counts *n, struct ecert_error *e)
{
	char why[700];
	int rc = 0;

	n->records++;
	if (b->first_line == 0)
		b->first_line = j->line;
	b->last_line = j->line;
	if (j->status != 0) {
		rc = reject(im, j, j->msg, e);
		n->rejected++;
		b->rejected++;
	} else if ((rc = ecert_license_store(im->s, im->a, &j->p, e)) == 0) {
		n->imported++;
		b->imported++;
		crypto_generichash_update(&b->ids, (unsigned char *)j->p.id,
		    strlen(j->p.id) + 1);
	} else if (rc == ECERT_NO) {
		rc = 0;
		if (compare_stored(im, &j->p, why, sizeof(why))) {
			n->present++;
			b->present++;
		} else {
			rc = reject(im, j, why, e);
			n->rejected++;
			b->rejected++;
		}
	}
	return rc;	/* the reader frees the slot when it reuses it */
}

/* Ends the batch (when one is open): its audit entry and its commit.
 * The counts that reach the caller are the committed ones. */
static int
end_batch(struct import *im, struct batch *b, struct ecert_import_counts *n,
    struct ecert_import_counts *committed, struct ecert_error *e)
{
	int rc;

	if (b->first_line == 0)
		return 0;
	if ((rc = batch_end(im, b, e)) == 0) {
		*committed = *n;
		im->batches++;
		if (ecert_store_others_wait(im->s))
			usleep(GAP_US);
	}
	batch_start(b);
	return rc;
}

/* Waits for records to write, but not past the open batch's time. */
static long
wait_for_records(struct import *im, const struct batch *b, double *waited)
{
	struct timespec until;
	double left, since = 0;
	long k;

	pthread_mutex_lock(&im->mu);
	for (;;) {
		for (k = 0; k < WRITE_CHUNK && im->next_write + k <
		    im->next_read && im->ring[(im->next_write + k) %
		    RING].state == DONE; k++)
			;
		if (k > 0 || (im->eof && im->next_write >= im->next_read))
			break;
		*waited -= ecert_mono();
		if (b->first_line != 0) {
			/* an open batch holds the store's write lock: not
			 * while somebody waits for it, nor for long */
			if (since == 0)
				since = ecert_mono();
			left = since + COMMIT_SECONDS - ecert_mono();
			if (left <= 0 || ecert_mono() - b->started >=
			    im->batch_seconds ||
			    ecert_store_others_wait(im->s)) {
				*waited += ecert_mono();
				k = -1;
				break;
			}
			if (left > PROBE_SECONDS)
				left = PROBE_SECONDS;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += (long)(left * 1e9);
			until.tv_sec += until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&im->can_write, &im->mu, &until);
		} else
			pthread_cond_wait(&im->can_write, &im->mu);
		*waited += ecert_mono();
	}
	pthread_mutex_unlock(&im->mu);
	return k;
}

/* The open batch ends here: it is full, old, or somebody waits. */
static int
batch_full(struct import *im, const struct batch *b)
{
	long n = b->imported + b->present + b->rejected;

	return n >= im->o->batch ||
	    ecert_mono() - b->started >= im->batch_seconds ||
	    (n % PROBE_RECORDS == 0 && ecert_store_others_wait(im->s));
}

/*
 * A batch ends as batch_full says, or after COMMIT_SECONDS without a
 * record to write: no transaction stays open while the writer waits
 * for records, and a reader or a clerk waits at most about
 * PROBE_RECORDS records' time.
 */
static int
write_all(struct import *im, struct ecert_import_counts *n,
    struct ecert_error *e)
{
	struct ecert_import_counts committed = *n;
	struct batch b;
	double start = ecert_mono(), shown = start, waited = 0, committing = 0;
	long k, i, done, freed;
	int rc = 0;

	batch_start(&b);
	for (;;) {
		if ((k = wait_for_records(im, &b, &waited)) == -1) {
			committing -= ecert_mono();
			rc = end_batch(im, &b, n, &committed, e);
			committing += ecert_mono();
			if (rc != 0)
				break;
			continue;
		}
		if (k == 0)
			break;
		freed = 0;
		for (i = 0, done = 0; i < k && rc == 0; i++, done++) {
			struct job *j = &im->ring[(im->next_write + i) % RING];

			freed += (long)j->rawlen;
			if (b.first_line == 0) {
				if ((rc = ecert_begin(im->s, e)) != 0)
					break;
				b.started = ecert_mono();
			}
			rc = write_one(im, j, &b, n, e);
			if (rc == 0 && batch_full(im, &b)) {
				committing -= ecert_mono();
				rc = end_batch(im, &b, n, &committed, e);
				committing += ecert_mono();
			}
		}
		pthread_mutex_lock(&im->mu);
		for (i = 0; i < done; i++)
			im->ring[(im->next_write + i) % RING].state = EMPTY;
		im->next_write += done;
		im->bytes -= freed;
		pthread_cond_signal(&im->can_read);
		pthread_mutex_unlock(&im->mu);
		if (rc != 0)
			break;
		if (im->o->progress && ecert_mono() - shown > 0.5) {
			shown = ecert_mono();
			progress(im, n, start, 0);
		}
	}
	if (rc == 0)
		rc = end_batch(im, &b, n, &committed, e);
	if (rc != 0) {
		ecert_rollback(im->s);
		*n = committed;	/* the rolled-back batch is not in */
	}
	/* what was read before a read error has landed; the error is still
	 * the outcome */
	if (rc == 0 && im->read_error.status != 0) {
		*e = im->read_error;
		rc = e->status;
	}
	if (im->o->progress)
		progress(im, n, start, 1);
	if (getenv("ECERT_IMPORT_STATS") != NULL)
		fprintf(stderr, "writer: %.2f s, waiting %.2f s, committing "
		    "%.2f s in %ld batches\n", ecert_mono() - start, waited,
		    committing, im->batches);
	return rc;
}

/* The store set for a long import: its busy waits short, its page cache
 * big enough to keep most index pages from being re-read (28 MiB: the
 * import's peak memory stays under 64 MiB with the ring, the threads'
 * heaps and the write-ahead log's index). */
static void
store_tune(struct ecert_store *s)
{
	const char *pages;
	char sql[64];

	s->busy_poll_us = IMPORT_POLL_US;
	ecert_exec(s, "PRAGMA cache_size = -28672", NULL);
	/* a checkpoint copies each page it finds in the log once: fewer,
	 * larger ones copy an index page that every batch touches fewer
	 * times (1M records: the writer's commits 40 s -> 22-26 s); more
	 * pages would pass 64 MiB with the log's index */
	ecert_exec(s, "PRAGMA wal_autocheckpoint = " WAL_PAGES, NULL);
	/* for tests: a store that fills up as a disk does */
	if ((pages = getenv("ECERT_TEST_MAX_PAGES")) != NULL) {
		snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %ld",
		    atol(pages));
		ecert_exec(s, sql, NULL);
	}
}

/* The CSV header read and mapped to the type's items, and kept for the
 * file of rejected lines.  -1 for an empty file (no records). */
static int
read_header(struct import *im, struct ecert_error *e)
{
	struct ecert_csv header;
	struct ecert_error he;
	int rc;

	if ((rc = ecert_csv_header(&header, im->o->in, &he)) == -1) {
		ecert_csv_free(&header);
		return -1;
	}
	if (rc != 0)
		rc = ecert_fail(e, rc, "%s:1: header: %s", im->o->name,
		    he.msg);
	else if ((rc = map_header(im, &header, e)) == 0) {
		im->header = ecert_xmalloc(header.rawlen + 1);
		memcpy(im->header, header.raw, header.rawlen + 1);
		im->headerlen = header.rawlen;
		im->header_crlf = header.crlf;
	}
	ecert_csv_free(&header);
	return rc;
}

/* One reader, nw workers (1 to 16) and the writer (this thread), until
 * the input is done or the writer stops. */
static int
run_threads(struct import *im, int nw, struct ecert_import_counts *n,
    struct ecert_error *e)
{
	pthread_t rt, wt[16];
	int i, rc;

	nw = nw < 1 ? 1 : nw > 16 ? 16 : nw;
	pthread_mutex_init(&im->mu, NULL);
	pthread_cond_init(&im->can_read, NULL);
	pthread_cond_init(&im->can_work, NULL);
	pthread_cond_init(&im->can_write, NULL);
	pthread_create(&rt, NULL, reader, im);
	pthread_setname_np(rt, "import-read");
	for (i = 0; i < nw; i++) {
		pthread_create(&wt[i], NULL, worker, im);
		pthread_setname_np(wt[i], "import-work");
	}
	rc = write_all(im, n, e);
	pthread_mutex_lock(&im->mu);
	if (rc != 0)
		im->stop = 1;
	pthread_cond_broadcast(&im->can_read);
	pthread_cond_broadcast(&im->can_work);
	pthread_mutex_unlock(&im->mu);
	pthread_join(rt, NULL);
	for (i = 0; i < nw; i++)
		pthread_join(wt[i], NULL);
	for (i = 0; i < RING; i++)
		clear(&im->ring[i]);
	pthread_mutex_destroy(&im->mu);
	pthread_cond_destroy(&im->can_read);
	pthread_cond_destroy(&im->can_work);
	pthread_cond_destroy(&im->can_write);
	return rc;
}

static void
import_free(struct import *im)
{
	size_t k;

	for (k = 0; k < im->ncolumns; k++) {
		if (im->columns != NULL)
			free(im->columns[k]);
		if (im->heads != NULL)
			free(im->heads[k]);
	}
	free(im->columns);
	free(im->heads);
	free(im->header);
	json_decref(im->set);
	if (im->cd != (iconv_t)-1)
		iconv_close(im->cd);
	free(im);
}

int
ecert_import(struct ecert_store *s, const struct ecert_actor *a,
    const json_t *type, const struct ecert_import_opts *o,
    struct ecert_import_counts *n, struct ecert_error *e)
{
	struct import *im;
	int rc;

	memset(n, 0, sizeof(*n));
	im = calloc(1, sizeof(*im));
	if (im == NULL)
		return ecert_fail(e, ECERT_IOERR, "calloc: %s", strerror(errno));
	im->s = s;
	im->a = a;
	im->type = type;
	im->o = o;
	if ((rc = ecert_encoding_open(o->encoding, &im->cd, e)) != 0) {
		free(im);
		return rc;
	}
	store_tune(s);
	/* for tests: batches that nobody's waiting could end */
	im->batch_seconds = getenv("ECERT_TEST_BATCH_SECONDS") != NULL ?
	    atof(getenv("ECERT_TEST_BATCH_SECONDS")) : BATCH_SECONDS;
	if ((rc = set_values(im, e)) == 0 && o->csv)
		rc = read_header(im, e);
	if (rc == 0)
		rc = run_threads(im, o->workers, n, e);
	else if (rc == -1)
		rc = 0;		/* an empty file: no records */
	import_free(im);
	return rc;
}

/*
 * For ecert-reconcile, until map_header is shared: the item key of each
 * column of the CSV header h, named as an import names them.
 */
int
ecert_import_map_header(const json_t *type, const struct ecert_import_opts *o,
    struct ecert_csv *h, char ***columns, size_t *ncolumns,
    struct ecert_error *e)
{
	struct import *im;
	size_t k;
	int rc;

	*columns = NULL;
	*ncolumns = 0;
	if ((im = calloc(1, sizeof(*im))) == NULL)
		return ecert_fail(e, ECERT_IOERR, "calloc: %s", strerror(errno));
	im->type = type;
	im->o = o;
	if ((rc = ecert_encoding_open(o->encoding, &im->cd, e)) == 0)
		rc = map_header(im, h, e);
	for (k = 0; k < im->ncolumns; k++) {
		if (rc != 0 && im->columns != NULL)
			free(im->columns[k]);
		if (im->heads != NULL)
			free(im->heads[k]);
	}
	free(im->heads);
	if (rc == 0) {
		*columns = im->columns;
		*ncolumns = im->ncolumns;
	} else
		free(im->columns);
	if (im->cd != (iconv_t)-1)
		iconv_close(im->cd);
	free(im);
	return rc;
}

/*
 * For a pushed batch (ecert-serve): the license p, refused by
 * ecert_license_store as already there, is "present" when the stored one
 * has the same content, as ecert-import decides it; 1 then, else 0 with
 * what differs in why.  (compare_stored needs only the store and the
 * type of the struct import, which is too large for a thread's stack.)
 */
int
ecert_import_present(struct ecert_store *s, const json_t *type,
    const struct ecert_prepared *p, char *why, size_t n)
{
	struct import *im = calloc(1, sizeof(*im));
	int same;

	if (im == NULL) {
		ecert_whyf(why, n, "out of memory");
		return 0;
	}
	im->s = s;
	im->type = type;
	same = compare_stored(im, p, why, n);
	free(im);
	return same;
}
