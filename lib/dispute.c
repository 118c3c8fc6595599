/*
 * dispute.c: objections (异议核查, article 17).  A holder, through the
 * platform, or a using unit objects to one item of a license; the issuing
 * unit answers within the type's objection_days working days (counted in
 * the store's holiday calendar, holiday.c), either by
 * amending the license (a new version, made with ecert_license_amend) or
 * by rejecting the objection with a reason.  Each answer makes a notice
 * for whoever filed.  Disputes are never deleted.
 */
#include <string.h>

#include "ecert_priv.h"

/* The fields every license has, with their GB/T 36903 names. */
static const struct {
	const char *key, *label;
} fields[] = {
	{ "number", "证照编号" },
	{ "holder", "持证主体" },
	{ "holder_id", "持证主体代码" },
	{ "issue_date", "证照颁发日期" },
	{ "valid_from", "证照有效期起始日期" },
	{ "valid_until", "证照有效期截止日期" },
	{ NULL, NULL }
};

static int
check_text(const char *option, const char *v, struct ecert_error *e)
{
	const unsigned char *p;

	if (v == NULL || *v == '\0')
		return ecert_fail(e, ECERT_USAGE, "%s: required", option);
	if (!ecert_utf8_valid(v, strlen(v)))
		return ecert_fail(e, ECERT_DATAERR, "%s: invalid UTF-8", option);
	for (p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return ecert_fail(e, ECERT_DATAERR, "%s: control "
			    "character", option);
	if (ecert_utf8_chars(v) > 500)
		return ecert_fail(e, ECERT_DATAERR, "%s: longer than 500 "
		    "characters", option);
	return 0;
}

/* An item by key or Chinese label: the type's data items first, then the
 * fields every license has.  Returns the key, or NULL. */
static const char *
item_key(const json_t *type, const char *item)
{
	const json_t *it = ecert_catalog_item(type, item);
	const char *hl = ecert_json_str(type, "holder_label");
	const char *hil = ecert_json_str(type, "holder_id_label");
	int i;

	if (it != NULL)
		return ecert_json_str(it, "key");
	for (i = 0; fields[i].key != NULL; i++)
		if (strcmp(item, fields[i].key) == 0 ||
		    strcmp(item, fields[i].label) == 0)
			return fields[i].key;
	if (hl != NULL && strcmp(item, hl) == 0)
		return "holder";
	if (hil != NULL && strcmp(item, hil) == 0)
		return "holder_id";
	return NULL;
}

static const char *
item_label(const json_t *type, const char *key)
{
	const json_t *it = ecert_catalog_item(type, key);
	int i;

	if (it != NULL && ecert_json_str(it, "label") != NULL)
		return ecert_json_str(it, "label");
	if (strcmp(key, "holder") == 0 && ecert_json_str(type,
	    "holder_label") != NULL)
		return ecert_json_str(type, "holder_label");
	if (strcmp(key, "holder_id") == 0 && ecert_json_str(type,
	    "holder_id_label") != NULL)
		return ecert_json_str(type, "holder_id_label");
	for (i = 0; fields[i].key != NULL; i++)
		if (strcmp(key, fields[i].key) == 0)
			return fields[i].label;
	return key;
}

struct version_row {
	char type[32], number[260], issuer[19], status[16];
	int version;
};

static void
col(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(out, n, "%s", v ? (const char *)v : "");
}

/* Returns 0, ECERT_NO when not in the store, or a store failure. */
static int
version_load(struct ecert_store *s, const char *id, struct version_row *r,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	st = ecert_prepare(s, "SELECT type, number, version, issuer, status"
	    " FROM licenses WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col(st, 0, r->type, sizeof(r->type));
		col(st, 1, r->number, sizeof(r->number));
		r->version = sqlite3_column_int(st, 2);
		col(st, 3, r->issuer, sizeof(r->issuer));
		col(st, 4, r->status, sizeof(r->status));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return ecert_fail(e, ECERT_NO, "%s: not found", id);
	if (rc != SQLITE_ROW)
		return ecert_sql_fail(s, e, rc, "license");
	return 0;
}

/* The newest version of a license, to name it to whoever objects to an
 * older one. */
static void
current_version(struct ecert_store *s, const struct version_row *r,
    char *out, size_t n)
{
	sqlite3_stmt *st;

	out[0] = '\0';
	st = ecert_prepare(s, "SELECT id FROM licenses WHERE type = ? AND"
	    " number = ? AND status <> 'draft' ORDER BY version DESC LIMIT 1",
	    NULL);
	if (st == NULL)
		return;
	ecert_bind_text(st, 1, r->type);
	ecert_bind_text(st, 2, r->number);
	if (sqlite3_step(st) == SQLITE_ROW)
		col(st, 0, out, n);
	sqlite3_finalize(st);
}

/* Who files (a holder through the platform, or a using unit), about
 * which item, why. */
static int
filing_check(const struct ecert_actor *a, const struct ecert_dispute_filing *f,
    struct ecert_error *e)
{
	int rc, holder;

	if (f->by == NULL || (strcmp(f->by, "holder") != 0 &&
	    strcmp(f->by, "unit") != 0))
		return ecert_fail(e, ECERT_USAGE, "--by: holder or unit");
	if (f->item == NULL || *f->item == '\0')
		return ecert_fail(e, ECERT_USAGE, "--item: required");
	if ((rc = check_text("--reason", f->reason, e)) != 0)
		return rc;
	holder = strcmp(f->by, "holder") == 0;
	if (holder && !(a->roles & ECERT_ROLE_ADMIN))
		return ecert_fail(e, ECERT_NOPERM, "unit %s may not file for a "
		    "holder: holders file through the platform", a->unit);
	if (!holder && !(a->roles & ECERT_ROLE_USER))
		return ecert_fail(e, ECERT_NOPERM, "unit %s may not file as a "
		    "using unit: it does not have the user role", a->unit);
	return 0;
}

/* The license objected to: issued, and its current version. */
static int
disputed_load(struct ecert_store *s, const char *license,
    struct version_row *r, struct ecert_error *e)
{
	char current[160];
	int rc;

	if ((rc = version_load(s, license, r, e)) != 0)
		return rc;
	if (strcmp(r->status, "draft") == 0)
		return ecert_fail(e, ECERT_NO, "%s: a draft awaiting review, "
		    "not an issued license", license);
	if (strcmp(r->status, "superseded") == 0) {
		current_version(s, r, current, sizeof(current));
		return ecert_fail(e, ECERT_NO, "%s: superseded by a later "
		    "version; object to the current one (%s)", license,
		    current[0] ? current : "?");
	}
	return 0;
}

/* The open dispute's row, its id in *id. */
static int
dispute_insert(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_dispute_filing *f, const struct version_row *r,
    const char *key, const char *due, long long *id, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char now[21];
	int rc;

	ecert_now_iso(now);
	st = ecert_prepare(s, "INSERT INTO disputes(license, issuer, filed_by,"
	    " filer_unit, item, reason, filed_at, due, status)"
	    " VALUES (?,?,?,?,?,?,?,?,'open')", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, f->license);
	ecert_bind_text(st, 2, r->issuer);
	ecert_bind_text(st, 3, f->by);
	ecert_bind_text(st, 4, strcmp(f->by, "holder") == 0 ? NULL : a->unit);
	ecert_bind_text(st, 5, key);
	ecert_bind_text(st, 6, f->reason);
	ecert_bind_text(st, 7, now);
	ecert_bind_text(st, 8, due);
	if ((rc = ecert_step_once(s, st, "dispute", e)) == 0)
		*id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

int
ecert_dispute_file(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_dispute_filing *f, long long *id, char due[11],
    struct ecert_error *e)
{
	struct version_row r;
	json_t *type = NULL;
	const char *key;
	char today[11], obj[32], detail[400];
	json_int_t days;
	int rc;

	due[0] = '\0';
	if ((rc = filing_check(a, f, e)) != 0 ||
	    (rc = disputed_load(s, f->license, &r, e)) != 0)
		return rc;
	if ((type = ecert_catalog_get(s, r.type)) == NULL)
		return ecert_fail(e, ECERT_NO, "%s: type %s is not in the "
		    "catalog", f->license, r.type);
	if ((key = item_key(type, f->item)) == NULL) {
		rc = ecert_fail(e, ECERT_DATAERR, "--item %s: not an item of "
		    "type %s (%s)", f->item, r.type, ecert_json_str(type,
		    "name"));
		goto out;
	}
	days = json_integer_value(json_object_get(type, "objection_days"));
	if (days < 1)
		days = 15;	/* the catalog's default */
	ecert_today(today);
	if ((rc = ecert_working_days_add(s, today, (int)days, due, e)) != 0 ||
	    (rc = dispute_insert(s, a, f, &r, key, due, id, e)) != 0)
		goto out;
	snprintf(obj, sizeof(obj), "dispute %lld", *id);
	snprintf(detail, sizeof(detail), "%s: item %s, by %s, due %s",
	    f->license, key, f->by, due);
	rc = ecert_audit(s, a->unit, "dispute.file", obj, "ok", detail);
out:
	json_decref(type);
	return rc;
}

#define DISPUTE_SELECT "SELECT d.id, d.license, l.type, t.name, l.number," \
    " l.holder_name, d.issuer, d.filed_by, d.filer_unit, u.name, d.item," \
    " d.reason, d.filed_at, d.due, d.status, d.resolved_at," \
    " d.resolved_by, d.resolution, d.amended, t.definition, l.version" \
    " FROM disputes d JOIN licenses l ON l.id = d.license" \
    " LEFT JOIN license_types t ON t.code = l.type" \
    " LEFT JOIN units u ON u.code = d.filer_unit"

static json_t *
text_or_null(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v ? json_string((const char *)v) : json_null();
}

/* A dispute as JSON: what a clerk or a mailer needs, no ID numbers. */
static json_t *
dispute_row(sqlite3_stmt *st, const char *today)
{
	static const struct {
		const char *name;
		int col;
	} cols[] = {
		{ "license", 1 }, { "type", 2 }, { "type_name", 3 },
		{ "number", 4 }, { "holder", 5 }, { "issuer", 6 },
		{ "filed_by", 7 }, { "filer_unit", 8 }, { "item", 10 },
		{ "reason", 11 }, { "filed_at", 12 }, { "due", 13 },
		{ "status", 14 }, { "resolved_at", 15 }, { "resolved_by", 16 },
		{ "resolution", 17 }, { "amended", 18 }, { NULL, 0 }
	};
	const char *def = (const char *)sqlite3_column_text(st, 19);
	json_t *d = json_object(), *type;
	const char *status, *due;
	int i;

	json_object_set_new(d, "id", json_integer(sqlite3_column_int64(st,
	    0)));
	for (i = 0; cols[i].name != NULL; i++)
		json_object_set_new(d, cols[i].name, text_or_null(st,
		    cols[i].col));
	type = def ? json_loads(def, 0, NULL) : NULL;
	json_object_set_new(d, "item_label", json_string(item_label(type,
	    ecert_json_str(d, "item"))));
	json_decref(type);
	/* who filed: the holder by name, or the using unit by its name */
	json_object_set_new(d, "filer", strcmp(ecert_json_str(d, "filed_by"),
	    "holder") == 0 ? text_or_null(st, 5) : text_or_null(st, 9));
	status = ecert_json_str(d, "status");
	due = ecert_json_str(d, "due");
	json_object_set_new(d, "overdue", json_boolean(strcmp(status,
	    "open") == 0 && strcmp(due, today) < 0));
	return d;
}

int
ecert_dispute_list(struct ecert_store *s, int which, const char *issuer,
    int (*fn)(const json_t *dispute, void *arg), void *arg,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char today[11];
	int rc;

	ecert_today(today);
	st = ecert_prepare(s, DISPUTE_SELECT
	    " WHERE (?1 IS NULL OR d.issuer = ?1)"
	    " AND (?2 = 0 OR d.status = 'open')"
	    " AND (?3 = 0 OR d.due < ?4)"
	    " ORDER BY d.status <> 'open', d.due, d.id", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, issuer);
	sqlite3_bind_int(st, 2, which != ECERT_DISPUTES_ALL);
	sqlite3_bind_int(st, 3, which == ECERT_DISPUTES_OVERDUE);
	ecert_bind_text(st, 4, today);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *d = dispute_row(st, today);

		fn(d, arg);
		json_decref(d);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "dispute");
	return 0;
}

/* --amended names a later version of the disputed license, issued. */
static int
check_amended(struct ecert_store *s, const json_t *d, int version,
    const char *amended, struct ecert_error *e)
{
	struct version_row r;
	const char *license = ecert_json_str(d, "license");
	int rc;

	if (amended == NULL)
		return ecert_fail(e, ECERT_DATAERR, "--corrected needs "
		    "--amended with the identifier of the corrected version of"
		    " %s: amend it first with ecert-amend", license);
	if (!ecert_identifier_valid(amended))
		return ecert_fail(e, ECERT_DATAERR, "--amended %s: not a "
		    "license identifier (1.2.156.3005.2...)", amended);
	if ((rc = version_load(s, amended, &r, e)) == ECERT_NO)
		return ecert_fail(e, ECERT_DATAERR, "--amended %s: not in the "
		    "store: amend it first with ecert-amend", amended);
	if (rc != 0)
		return rc;
	if (strcmp(r.type, ecert_json_str(d, "type")) != 0 ||
	    strcmp(r.number, ecert_json_str(d, "number")) != 0 ||
	    strcmp(r.issuer, ecert_json_str(d, "issuer")) != 0 ||
	    r.version <= version)
		return ecert_fail(e, ECERT_DATAERR, "--amended %s: not a later "
		    "version of %s: amend it first with ecert-amend", amended,
		    license);
	if (strcmp(r.status, "draft") == 0)
		return ecert_fail(e, ECERT_DATAERR, "--amended %s: a draft, "
		    "not issued: amend it first with ecert-amend", amended);
	return 0;
}

/* The outcome is corrected or rejected; a rejection says why; only a
 * correction names the amended version. */
static int
resolution_check(const struct ecert_resolution *res, struct ecert_error *e)
{
	int corrected, rc;

	if (res->outcome == NULL || (strcmp(res->outcome, "corrected") != 0 &&
	    strcmp(res->outcome, "rejected") != 0))
		return ecert_fail(e, ECERT_USAGE, "resolve: --corrected or "
		    "--rejected");
	corrected = res->outcome[0] == 'c';
	if ((!corrected || res->reason != NULL) &&
	    (rc = check_text("--reason", res->reason, e)) != 0)
		return rc;
	if (!corrected && res->amended != NULL)
		return ecert_fail(e, ECERT_USAGE, "--amended goes with "
		    "--corrected");
	return 0;
}

/* The dispute as JSON and the disputed license's version. */
static int
dispute_load(struct ecert_store *s, long long id, json_t **d, int *version,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char today[11];
	int rc;

	ecert_today(today);
	st = ecert_prepare(s, DISPUTE_SELECT " WHERE d.id = ?", e);
	if (st == NULL)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*d = dispute_row(st, today);
		*version = sqlite3_column_int(st, 20);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return ecert_fail(e, ECERT_NO, "dispute %lld: not found", id);
	if (rc != SQLITE_ROW)
		return ecert_sql_fail(s, e, rc, "dispute");
	return 0;
}

/* The open dispute closed with the outcome, unless resolved meanwhile. */
static int
dispute_close(struct ecert_store *s, const struct ecert_actor *a,
    long long id, const struct ecert_resolution *res, const char *now,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(s, "UPDATE disputes SET status = ?,"
	    " resolved_at = ?, resolved_by = ?, resolution = ?, amended = ?"
	    " WHERE id = ? AND status = 'open'", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, res->outcome);
	ecert_bind_text(st, 2, now);
	ecert_bind_text(st, 3, a->unit);
	ecert_bind_text(st, 4, res->reason);
	ecert_bind_text(st, 5, res->outcome[0] == 'c' ? res->amended : NULL);
	sqlite3_bind_int64(st, 6, id);
	if ((rc = ecert_step_once(s, st, "dispute", e)) != 0)
		return rc;
	if (sqlite3_changes(s->db) != 1)
		return ecert_fail(e, ECERT_NO, "dispute %lld: resolved meanwhile",
		    id);
	return 0;
}

/* The notice for the filer: the outcome, and what the dispute was. */
static json_t *
resolution_notice(const struct ecert_actor *a, long long id,
    const struct ecert_resolution *res, const json_t *d, const char *now)
{
	static const char *keep[] = { "license", "type", "type_name",
	    "number", "holder", "item", "item_label", "filed_by", "filer",
	    "filer_unit", "filed_at", "due", NULL };
	int corrected = res->outcome[0] == 'c', i;
	json_t *notice;

	notice = json_pack("{s:s, s:I, s:s, s:o, s:o, s:s, s:s}", "notice",
	    "dispute-resolved", "dispute", (json_int_t)id, "outcome",
	    res->outcome, "reason", res->reason ? json_string(res->reason) :
	    json_null(), "amended", corrected ? json_string(res->amended) :
	    json_null(), "resolved_at", now, "resolved_by", a->unit);
	json_object_set_new(notice, "issuer_name", json_string(a->name));
	for (i = 0; keep[i] != NULL; i++)
		json_object_set(notice, keep[i], json_object_get(d, keep[i]));
	return notice;
}

int
ecert_dispute_resolve(struct ecert_store *s, const struct ecert_actor *a,
    long long id, const struct ecert_resolution *res, json_t **notice,
    struct ecert_error *e)
{
	json_t *d = NULL;
	char now[21], obj[32], detail[700];
	const char *issuer, *status;
	int corrected, version = 0, rc;

	*notice = NULL;
	if ((rc = resolution_check(res, e)) != 0 ||
	    (rc = dispute_load(s, id, &d, &version, e)) != 0)
		return rc;
	corrected = res->outcome[0] == 'c';
	issuer = ecert_json_str(d, "issuer");
	status = ecert_json_str(d, "status");
	if (strcmp(issuer, a->unit) != 0 || !(a->roles & ECERT_ROLE_ISSUER)) {
		rc = ecert_fail(e, ECERT_NOPERM, "dispute %lld: about a license "
		    "issued by %s; only that unit may resolve it", id, issuer);
		goto out;
	}
	if (strcmp(status, "open") != 0) {
		rc = ecert_fail(e, ECERT_NO, "dispute %lld: already %s on %s",
		    id, status, ecert_json_str(d, "resolved_at") ?
		    ecert_json_str(d, "resolved_at") : "?");
		goto out;
	}
	if (corrected && (rc = check_amended(s, d, version, res->amended,
	    e)) != 0)
		goto out;
	ecert_now_iso(now);
	if ((rc = dispute_close(s, a, id, res, now, e)) != 0)
		goto out;
	snprintf(obj, sizeof(obj), "dispute %lld", id);
	if (corrected)
		snprintf(detail, sizeof(detail), "corrected by %s%s%s",
		    res->amended, res->reason ? ": " : "",
		    res->reason ? res->reason : "");
	else
		snprintf(detail, sizeof(detail), "rejected: %s", res->reason);
	if ((rc = ecert_audit(s, a->unit, "dispute.resolve", obj, "ok",
	    detail)) == 0)
		*notice = resolution_notice(a, id, res, d, now);
out:
	json_decref(d);
	return rc;
}
