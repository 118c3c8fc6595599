/*
 * reconcile.c: a department's own export of one license type against the
 * store (article 8: the library's data must agree with the department's
 * business system).
 *
 * One streaming pass: each record is validated as an import would take
 * it, looked up by (type, number) through the licenses' unique index and
 * compared with the latest version that is not a draft; its number goes
 * into a TEMP table kept on disk.  At the end one anti-join over that
 * table finds the licenses in force that the export left out.  Neither
 * side is held in memory, so a million records cost what ten do.  The
 * whole pass reads one snapshot of the store, so a license issued
 * meanwhile cannot show up as missing on one side only.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "ecert_priv.h"

struct reconcile {
	struct ecert_store *s;
	const json_t *type;
	const struct ecert_import_opts *o;
	iconv_t cd;
	char **columns;		/* CSV: the item key of each column */
	size_t ncolumns;
	sqlite3_stmt *latest, *seen;
	int (*fn)(const json_t *finding, void *arg);
	void *arg;
	struct ecert_reconcile_counts *n;
};

/* Hands a finding to the caller, which may stop the pass. */
static int
report(struct reconcile *r, json_t *finding, struct ecert_error *e)
{
	int rc = r->fn != NULL ? r->fn(finding, r->arg) : 0;

	json_decref(finding);
	if (rc != 0)
		return ecert_fail(e, rc, "%s: stopped after %ld records: the "
		    "findings could not be written", r->o->name,
		    r->n->records);
	return 0;
}

/* The export has this number: the anti-join must not report it. */
static int
remember(struct reconcile *r, const char *number, struct ecert_error *e)
{
	int rc;

	ecert_bind_text(r->seen, 1, number);
	rc = sqlite3_step(r->seen);
	sqlite3_reset(r->seen);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(r->s, e, rc, "store: temporary table");
	return 0;
}

/*
 * A record that cannot be compared.  When its number can be read, the
 * export still has that number: the license is not also missing from it.
 */
static int
invalid(struct reconcile *r, long line, const char *number, const char *why,
    struct ecert_error *e)
{
	json_t *f = json_pack("{s:s, s:I, s:s}", "kind", "invalid", "line",
	    (json_int_t)line, "reason", why);
	int rc;

	r->n->invalid++;
	if (number != NULL) {
		json_object_set_new(f, "number", json_string(number));
		if ((rc = remember(r, number, e)) != 0) {
			json_decref(f);
			return rc;
		}
	}
	return report(r, f, e);
}

static int
same(const json_t *a, const json_t *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return json_equal(a, b);
}

/* The names of what differs, in the order of the type's catalog entry. */
static json_t *
differences(const json_t *type, const json_t *now, const json_t *stored)
{
	static const char *dates[] = { "issue_date", "valid_from",
	    "valid_until", NULL };
	const json_t *nh = json_object_get(now, "holder");
	const json_t *sh = json_object_get(stored, "holder");
	const json_t *ni = json_object_get(now, "items");
	const json_t *si = json_object_get(stored, "items");
	const json_t *item, *v;
	json_t *fields = json_array();
	const char *key;
	size_t i;

	if (!same(json_object_get(nh, "name"), json_object_get(sh, "name")))
		json_array_append_new(fields, json_string("holder"));
	if (!same(json_object_get(nh, "id"), json_object_get(sh, "id")))
		json_array_append_new(fields, json_string("holder_id"));
	for (i = 0; dates[i] != NULL; i++)
		if (!same(json_object_get(now, dates[i]),
		    json_object_get(stored, dates[i])))
			json_array_append_new(fields, json_string(dates[i]));
	json_array_foreach(json_object_get(type, "items"), i, item) {
		key = ecert_json_str(item, "key");
		if (!same(json_object_get(ni, key), json_object_get(si, key)))
			json_array_append_new(fields, json_string(key));
	}
	/* items of an older catalog entry that the type no longer has */
	json_object_foreach((json_t *)si, key, v)
		if (ecert_catalog_item(type, key) == NULL)
			json_array_append_new(fields, json_string(key));
	return fields;
}

/* One record of the export, already a JSON object. */
static int
compare(struct reconcile *r, long line, const json_t *record,
    struct ecert_error *e)
{
	struct ecert_error ve;
	json_t *doc, *stored, *fields, *f;
	const char *number, *id;
	char *plain, numcol[260];
	int rc;

	if (ecert_license_validate(r->type, record, &doc, &ve) != 0)
		return invalid(r, line, ecert_json_str(record, "number"),
		    ve.msg, e);
	number = ecert_json_str(doc, "number");
	/* the clear column's form: no citizen ID in it (serial.c) */
	ecert_number_column(r->s, ecert_json_str(r->type, "code"),
	    !ecert_json_is(r->type, "holder", "legal"), number,
	    numcol, sizeof(numcol));
	if ((rc = remember(r, numcol, e)) != 0)
		goto out;
	ecert_bind_text(r->latest, 1, ecert_json_str(r->type, "code"));
	ecert_bind_text(r->latest, 2, numcol);
	rc = sqlite3_step(r->latest);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(r->latest);
		r->n->missing_in_store++;
		rc = report(r, json_pack("{s:s, s:s, s:I}", "kind",
		    "missing-in-store", "number", number, "line",
		    (json_int_t)line), e);
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = ecert_sql_fail(r->s, e, rc, "store: license");
		sqlite3_reset(r->latest);
		goto out;
	}
	id = (const char *)sqlite3_column_text(r->latest, 0);
	plain = ecert_pii_open(r->s, sqlite3_column_blob(r->latest, 1),
	    (size_t)sqlite3_column_bytes(r->latest, 1), NULL);
	stored = plain != NULL ? json_loads(plain, 0, NULL) : NULL;
	free(plain);
	if (stored == NULL) {
		rc = ecert_fail(e, ECERT_IOERR, "store: %s: stored document "
		    "altered or sealed with another key", id);
		sqlite3_reset(r->latest);
		goto out;
	}
	fields = differences(r->type, doc, stored);
	json_decref(stored);
	if (json_array_size(fields) == 0) {
		r->n->equal++;
		json_decref(fields);
		rc = 0;
	} else {
		r->n->differs++;
		f = json_pack("{s:s, s:s, s:I, s:s, s:o}", "kind", "differs",
		    "number", number, "line", (json_int_t)line, "id", id,
		    "fields", fields);
		rc = report(r, f, e);
	}
	sqlite3_reset(r->latest);
out:
	json_decref(doc);
	return rc;
}

static int
jsonl_record(struct reconcile *r, long line, const char *text, size_t len,
    struct ecert_error *e)
{
	struct ecert_error ve;
	json_t *record;
	char *utf8;
	int rc;

	if (len == 0)
		return invalid(r, line, NULL, "empty line", e);
	if ((utf8 = ecert_to_utf8(r->cd, r->o->encoding, text, len, &ve)) == NULL)
		return invalid(r, line, NULL, ve.msg, e);
	record = ecert_json_parse(utf8, strlen(utf8), &ve);
	free(utf8);
	if (record == NULL)
		return invalid(r, line, NULL, ve.msg, e);
	if (!json_is_object(record))
		rc = invalid(r, line, NULL, "not a JSON object", e);
	else
		rc = compare(r, line, record, e);
	json_decref(record);
	return rc;
}

static int
csv_record(struct reconcile *r, const struct ecert_csv *c,
    struct ecert_error *e)
{
	struct ecert_error ve;
	json_t *record = json_object();
	char why[sizeof(ve.msg) + 64], *v;
	size_t i;
	int rc;

	why[0] = '\0';
	if (c->nfields != r->ncolumns)
		ecert_whyf(why, sizeof(why), "%zu fields, the header has %zu",
		    c->nfields, r->ncolumns);
	/* every cell, even after a bad one: the number may still be read */
	for (i = 0; i < c->nfields && i < r->ncolumns; i++) {
		const char *raw = ecert_csv_field(c, i);

		if (*raw == '\0')
			continue;	/* an empty cell is an absent item */
		if ((v = ecert_to_utf8(r->cd, r->o->encoding, raw, strlen(raw), &ve)) == NULL) {
			if (why[0] == '\0')
				ecert_whyf(why, sizeof(why), "column %s: %s",
				    r->columns[i], ve.msg);
			continue;
		}
		json_object_set_new(record, r->columns[i], json_string(v));
		free(v);
	}
	if (why[0] != '\0')
		rc = invalid(r, c->line, ecert_json_str(record, "number"), why,
		    e);
	else
		rc = compare(r, c->line, record, e);
	json_decref(record);
	return rc;
}

static int
read_csv(struct reconcile *r, struct ecert_error *e)
{
	struct ecert_csv c;
	struct ecert_error ve;
	int rc;

	if ((rc = ecert_csv_header(&c, r->o->in, e)) == -1)
		rc = ecert_fail(e, ECERT_DATAERR, "%s: no header line",
		    r->o->name);
	else if (rc != 0) {
		ve = *e;
		ecert_fail(e, rc, "%s:1: %s", r->o->name, ve.msg);
	} else
		rc = ecert_import_map_header(r->type, r->o, &c, &r->columns,
		    &r->ncolumns, e);
	while (rc == 0) {
		rc = ecert_csv_read(&c, &ve);
		if (rc == -1) {
			rc = 0;
			break;
		}
		if (rc == 0 && c.nfields == 1 &&
		    *ecert_csv_field(&c, 0) == '\0' && c.rawlen == 0)
			continue;	/* a blank line ends no record */
		r->n->records++;
		if (rc != 0)
			rc = invalid(r, c.line, NULL, ve.msg, e);
		else
			rc = csv_record(r, &c, e);
	}
	if (rc == 0 && ferror(r->o->in))
		rc = ecert_fail(e, ECERT_IOERR, "%s: read error", r->o->name);
	ecert_csv_free(&c);
	return rc;
}

static int
read_jsonl(struct reconcile *r, struct ecert_error *e)
{
	struct ecert_reader rd = { 0 };
	struct ecert_error ve;
	char *line;
	size_t len;
	int rc;

	rd.fp = r->o->in;
	rd.name = r->o->name;
	for (;;) {
		rc = ecert_read_line(&rd, &line, &len, &ve);
		if (rc == -1) {
			rc = 0;
			break;
		}
		if (rc == ECERT_IOERR) {
			*e = ve;
			break;
		}
		r->n->records++;
		if (rc != 0)
			rc = invalid(r, rd.line, NULL, ve.msg, e);
		else
			rc = jsonl_record(r, rd.line, line, len, e);
		if (rc != 0)
			break;
	}
	ecert_reader_free(&rd);
	return rc;
}

/* The licenses in force that the export did not have, by number. */
static int
left_out(struct reconcile *r, struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(r->s, "SELECT l.number, l.id FROM licenses l"
	    " WHERE l.type = ?1 AND l.status IN ('valid', 'suspended')"
	    " AND NOT EXISTS (SELECT 1 FROM licenses n WHERE n.type = l.type"
	    " AND n.number = l.number AND n.version > l.version"
	    " AND n.status != 'draft')"
	    " AND NOT EXISTS (SELECT 1 FROM temp.reconcile_seen t"
	    " WHERE t.number = l.number)", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, ecert_json_str(r->type, "code"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->n->missing_in_export++;
		rc = report(r, json_pack("{s:s, s:s, s:s}", "kind",
		    "missing-in-export", "number",
		    (const char *)sqlite3_column_text(st, 0), "id",
		    (const char *)sqlite3_column_text(st, 1)), e);
		if (rc != 0) {
			sqlite3_finalize(st);
			return rc;
		}
	}
	if (rc != SQLITE_DONE)
		rc = ecert_sql_fail(r->s, e, rc, "store: licenses");
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

static int
audit(struct reconcile *r, const struct ecert_actor *a,
    struct ecert_error *e)
{
	const struct ecert_reconcile_counts *n = r->n;
	json_t *o;
	char *detail;
	int rc;

	o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "file", r->o->name, "type", ecert_json_str(r->type, "code"),
	    "records", (json_int_t)n->records, "equal", (json_int_t)n->equal,
	    "differs", (json_int_t)n->differs,
	    "missing_in_store", (json_int_t)n->missing_in_store,
	    "missing_in_export", (json_int_t)n->missing_in_export,
	    "invalid", (json_int_t)n->invalid);
	detail = ecert_json_canonical(o);
	json_decref(o);
	rc = ecert_audit(r->s, a->unit, "license.reconcile", r->o->name, "ok",
	    detail);
	free(detail);
	if (rc != 0)
		return ecert_fail(e, rc, "audit: cannot record the reconcile");
	return 0;
}

int
ecert_reconcile(struct ecert_store *s, const struct ecert_actor *a,
    const json_t *type, const struct ecert_import_opts *o,
    int (*fn)(const json_t *finding, void *arg), void *arg,
    struct ecert_reconcile_counts *n, struct ecert_error *e)
{
	struct reconcile r = { 0 };
	const char *issuer = ecert_json_str(type, "issuer");
	size_t k;
	int rc;

	memset(n, 0, sizeof(*n));
	/* the department reconciles its own types: it reads personal data */
	if (!(a->roles & ECERT_ROLE_ISSUER) || issuer == NULL ||
	    strcmp(issuer, a->unit) != 0)
		return ecert_fail(e, ECERT_NOPERM, "unit %s may not reconcile "
		    "type %s (%s): the catalog assigns it to %s", a->unit,
		    ecert_json_str(type, "code"), ecert_json_str(type, "name"),
		    issuer ? issuer : "no unit");
	r.s = s;
	r.type = type;
	r.o = o;
	r.fn = fn;
	r.arg = arg;
	r.n = n;
	if ((rc = ecert_encoding_open(o->encoding, &r.cd, e)) != 0)
		return rc;
	if ((rc = ecert_exec(s, "PRAGMA temp_store = FILE", e)) != 0 ||
	    (rc = ecert_exec(s, "DROP TABLE IF EXISTS temp.reconcile_seen",
	    e)) != 0 ||
	    (rc = ecert_exec(s, "CREATE TEMP TABLE reconcile_seen("
	    "number TEXT PRIMARY KEY) WITHOUT ROWID", e)) != 0)
		goto out;
	if ((r.latest = ecert_prepare(s, "SELECT id, document FROM licenses"
	    " WHERE type = ?1 AND number = ?2 AND status != 'draft'"
	    " ORDER BY version DESC LIMIT 1", e)) == NULL ||
	    (r.seen = ecert_prepare(s, "INSERT OR IGNORE INTO"
	    " temp.reconcile_seen(number) VALUES (?1)", e)) == NULL) {
		rc = e->status;
		goto out;
	}
	/* one snapshot, read only: writers go on meanwhile (WAL) */
	if ((rc = ecert_exec(s, "BEGIN DEFERRED", e)) != 0)
		goto out;
	rc = o->csv ? read_csv(&r, e) : read_jsonl(&r, e);
	if (rc == 0)
		rc = left_out(&r, e);
	if (rc == 0)
		rc = ecert_exec(s, "COMMIT", e);
	else
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (rc == 0)
		rc = audit(&r, a, e);
out:
	sqlite3_finalize(r.latest);
	sqlite3_finalize(r.seen);
	sqlite3_exec(s->db, "DROP TABLE IF EXISTS temp.reconcile_seen", NULL,
	    NULL, NULL);
	for (k = 0; k < r.ncolumns; k++)
		free(r.columns[k]);
	free(r.columns);
	if (r.cd != (iconv_t)-1)
		iconv_close(r.cd);
	return rc;
}
