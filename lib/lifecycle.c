/*
 * lifecycle.c: what happens to a license after its issue: review of a
 * draft (approve, reject), amendment into a new version, status changes
 * (suspend, reinstate, revoke, expire), each a signed event, and the
 * history of versions and events.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"
#include "license_priv.h"

static int
insert_event(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *action, const char *status,
    const char *reason, struct ecert_error *e)
{
	return ecert_event_append(s, a, id, action, status, reason, e);
}

static int
set_row_status(struct ecert_store *s, const char *id, const char *status,
    struct ecert_error *e)
{
	sqlite3_stmt *st;

	st = ecert_prepare(s, "UPDATE licenses SET status = ? WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, status);
	ecert_bind_text(st, 2, id);
	return ecert_step_once(s, st, "license", e);
}

static int
transition(const char *from, const char *action, const char **to)
{
	if (strcmp(action, "revoke") == 0) {
		*to = "revoked";
		return strcmp(from, "valid") == 0 ||
		    strcmp(from, "suspended") == 0 ||
		    strcmp(from, "expired") == 0;
	}
	if (strcmp(action, "suspend") == 0) {
		*to = "suspended";
		return strcmp(from, "valid") == 0;
	}
	if (strcmp(action, "reinstate") == 0) {
		*to = "valid";
		return strcmp(from, "suspended") == 0;
	}
	*to = NULL;
	return 0;
}

int
ecert_license_set_status(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *action, const char *reason,
    struct ecert_error *e)
{
	struct license_row r;
	const char *to;
	char audit_action[32];
	int rc;

	snprintf(audit_action, sizeof(audit_action), "license.%s", action);
	if (reason == NULL || *reason == '\0')
		return ecert_fail(e, ECERT_USAGE, "%s: a reason is required",
		    action);
	if (lic_check_text("reason", reason, 500, 0, e) != 0)
		return e->status;
	if ((rc = lic_row_load(s, id, &r, e)) != 0)
		return rc;
	{
		/* a change is made only on facts that hold */
		json_t *doc = r.canon ? json_loads(r.canon, 0, NULL) : NULL;
		char why[512] = "stored document altered";

		if (doc == NULL || lic_row_tampered(s, &r, doc, why,
		    sizeof(why)) != NULL) {
			json_decref(doc);
			free(r.canon);
			ecert_facts_tampered(s, id, why);
			return ecert_fail(e, ECERT_NO, "%s: tampering: %s", id,
			    why);
		}
		json_decref(doc);
	}
	free(r.canon);
	if (strcmp(r.issuer, a->unit) != 0 || !(a->roles & ECERT_ROLE_ISSUER))
		return ecert_fail(e, ECERT_NOPERM, "%s: issued by %s; only the "
		    "issuing unit may %s it", id, r.issuer, action);
	if (!transition(r.status, action, &to))
		return ecert_fail(e, ECERT_NO, "%s: is %s; cannot %s it", id,
		    r.status, action);
	if ((rc = insert_event(s, a, id, action, to, reason, e)) != 0 ||
	    (rc = set_row_status(s, id, to, e)) != 0)
		return rc;
	if ((rc = ecert_audit(s, a->unit, audit_action, id, "ok", reason)) != 0)
		return ecert_fail(e, rc, "audit: cannot record the change");
	return 0;
}

/* Loads a draft the acting unit may review. */
static int
draft_load(struct ecert_store *s, const struct ecert_actor *a, const char *id,
    struct license_row *r, struct ecert_error *e)
{
	int rc;

	if ((rc = lic_row_load(s, id, r, e)) != 0)
		return rc;
	if (strcmp(r->issuer, a->unit) != 0 || !(a->roles & ECERT_ROLE_ISSUER))
		return ecert_fail(e, ECERT_NOPERM, "%s: drafted for %s; only "
		    "that unit reviews it", id, r->issuer);
	if (strcmp(r->status, "draft") != 0)
		return ecert_fail(e, ECERT_NO, "%s: is %s, not a draft", id,
		    r->status);
	if (r->review[0] != '\0')
		return ecert_fail(e, ECERT_NO, "%s: the draft was %s", id,
		    r->review);
	/* 审核、签发 (article 9): four eyes, not two */
	if (strcmp(r->drafted_by, s->os_user) == 0)
		return ecert_fail(e, ECERT_NOPERM, "%s: drafted by %s, who may "
		    "not also approve or reject it", id, r->drafted_by);
	if (r->canon == NULL)
		return ecert_fail(e, ECERT_NO, "%s: stored draft altered", id);
	return 0;
}

int
ecert_license_approve(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, struct ecert_error *e)
{
	struct license_row r;
	struct ecert_prepared p;
	sqlite3_stmt *st;
	json_t *type = NULL;
	uint32_t index;
	char detail[200];
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = draft_load(s, a, id, &r, e)) != 0)
		goto out;
	if ((type = ecert_catalog_get(s, r.type)) == NULL) {
		rc = ecert_fail(e, ECERT_NO, "%s: type %s is no longer in the "
		    "catalog", id, r.type);
		goto out;
	}
	if ((p.doc = json_loads(r.canon, 0, NULL)) == NULL) {
		rc = ecert_fail(e, ECERT_NO, "%s: stored draft altered", id);
		goto out;
	}
	snprintf(p.id, sizeof(p.id), "%s", id);
	if ((rc = lic_sign_prepared(s, a, type, &p, e)) != 0 ||
	    (rc = ecert_status_next(s, &index, e)) != 0)
		goto out;
	if ((rc = ecert_status_taken(s, e)) != 0)
		goto out;
	st = ecert_prepare(s, "UPDATE licenses SET document = ?, key_id = ?,"
	    " signature = ?, compact = ?, status_index = ?, status = ?,"
	    " review = 'approved' WHERE id = ? AND status = 'draft'", e);
	if (st == NULL) {
		rc = e->status;
		goto out;
	}
	sqlite3_bind_blob(st, 1, p.sealed, (int)p.sealedn, SQLITE_STATIC);
	ecert_bind_text(st, 2, a->key.key_id);
	ecert_bind_text(st, 3, p.sig);
	sqlite3_bind_blob(st, 4, p.compact, (int)p.compactn, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, index);
	ecert_bind_text(st, 6, p.status);
	ecert_bind_text(st, 7, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = ecert_sql_fail(s, e, rc, "license");
		goto out;
	}
	snprintf(detail, sizeof(detail), "drafted by %s, approved by %s",
	    r.drafted_by, s->os_user);
	if ((rc = insert_event(s, a, id, "approve", p.status, detail, e)) == 0)
		rc = ecert_audit(s, a->unit, "license.approve", id, "ok",
		    detail);
out:
	free(r.canon);
	json_decref(type);
	ecert_prepared_free(&p);
	return rc;
}

int
ecert_license_reject(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *reason, struct ecert_error *e)
{
	struct license_row r;
	sqlite3_stmt *st;
	char review[600], detail[700];
	int rc;

	memset(&r, 0, sizeof(r));
	if (reason == NULL || *reason == '\0')
		return ecert_fail(e, ECERT_USAGE, "reject: a reason is required");
	if (lic_check_text("reason", reason, 500, 0, e) != 0)
		return e->status;
	if ((rc = draft_load(s, a, id, &r, e)) != 0) {
		free(r.canon);
		return rc;
	}
	free(r.canon);
	snprintf(review, sizeof(review), "rejected by %s: %s", s->os_user,
	    reason);
	st = ecert_prepare(s, "UPDATE licenses SET review = ? WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, review);
	ecert_bind_text(st, 2, id);
	if ((rc = ecert_step_once(s, st, "license", e)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "drafted by %s, %s", r.drafted_by,
	    review);
	return ecert_audit(s, a->unit, "license.reject", id, "ok", detail);
}

/* The record a document was made from, to amend it. */
static json_t *
record_of(const json_t *doc)
{
	static const char *fields[] = { "type", "number", "issue_date",
	    "valid_from", "valid_until", NULL };
	const json_t *holder = json_object_get(doc, "holder");
	json_t *r = json_object(), *v;
	const char *key;
	int i;

	for (i = 0; fields[i] != NULL; i++)
		if (json_is_string(v = json_object_get(doc, fields[i])))
			json_object_set(r, fields[i], v);
	json_object_set(r, "holder", json_object_get(holder, "name"));
	json_object_set(r, "holder_id", json_object_get(holder, "id"));
	json_object_foreach(json_object_get(doc, "items"), key, v)
		json_object_set(r, key, v);
	return r;
}

/* The issuing unit amends, and only a valid license. */
static int
amend_allowed(const struct ecert_actor *a, const struct license_row *r,
    struct ecert_error *e)
{
	if (strcmp(r->issuer, a->unit) != 0 || !(a->roles & ECERT_ROLE_ISSUER))
		return ecert_fail(e, ECERT_NOPERM, "%s: issued by %s; only the "
		    "issuing unit may amend it", r->id, r->issuer);
	if (strcmp(r->status, "valid") != 0)
		return ecert_fail(e, ECERT_NO, "%s: is %s; only a valid license "
		    "can be amended%s", r->id, r->status, strcmp(r->status,
		    "suspended") == 0 ? " (reinstate it first)" : "");
	return 0;
}

/* The changes put into the record (an item by label or key replaces it);
 * the license's identity cannot change. */
static int
changes_apply(const json_t *type, const json_t *changes, json_t *record,
    struct ecert_error *e)
{
	const json_t *item;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)changes, key, v) {
		if (strcmp(key, "number") == 0 || strcmp(key, "holder_id") == 0 ||
		    strcmp(key, "type") == 0 || strcmp(key, "id") == 0)
			return ecert_fail(e, ECERT_DATAERR, "field %s: cannot be "
			    "amended: revoke the license and issue a new one",
			    key);
		item = ecert_catalog_item(type, key);
		if (item != NULL) {
			json_object_del(record, ecert_json_str(item, "key"));
			json_object_set(record, ecert_json_str(item, "key"), v);
		} else
			json_object_set(record, key, v);
	}
	return 0;
}

/* Whether two versions say the same, their identity and signing apart. */
static int
same_content(const json_t *doc, const json_t *next)
{
	static const char *meta[] = { "id", "version", "signed_at", "issuer",
	    "historical", "format", "salts", NULL };
	json_t *was = json_deep_copy(doc), *now = json_deep_copy(next);
	int i, same;

	for (i = 0; meta[i] != NULL; i++) {
		json_object_del(was, meta[i]);
		json_object_del(now, meta[i]);
	}
	same = json_equal(was, now);
	json_decref(was);
	json_decref(now);
	return same;
}

/* The old version superseded by the new one stored: its event, its
 * column and the audit entry. */
static int
supersede(struct ecert_store *s, const struct ecert_actor *a,
    const struct license_row *r, const char *newid, const char *reason,
    struct ecert_error *e)
{
	char detail[700];
	int rc;

	snprintf(detail, sizeof(detail), "superseded by version %d: %s",
	    r->version + 1, reason);
	if ((rc = insert_event(s, a, r->id, "amend", "superseded", detail,
	    e)) != 0 || (rc = set_row_status(s, r->id, "superseded", e)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "version %d of %s: %s",
	    r->version + 1, r->id, reason);
	return ecert_audit(s, a->unit, "license.amend", newid, "ok", detail);
}

int
ecert_license_amend(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const json_t *changes, const char *reason, char *newid,
    size_t n, struct ecert_error *e)
{
	struct license_row r;
	struct ecert_prepared p;
	json_t *type = NULL, *doc = NULL, *record = NULL;
	int rc;

	memset(&p, 0, sizeof(p));
	if (reason == NULL || *reason == '\0')
		return ecert_fail(e, ECERT_USAGE, "amend: a reason is required");
	if (lic_check_text("reason", reason, 500, 0, e) != 0)
		return e->status;
	if ((rc = lic_row_load(s, id, &r, e)) != 0)
		return rc;
	if ((rc = amend_allowed(a, &r, e)) != 0)
		goto out;
	if (r.canon == NULL || (doc = json_loads(r.canon, 0, NULL)) == NULL) {
		rc = ecert_fail(e, ECERT_NO, "%s: stored document altered", id);
		goto out;
	}
	if ((type = ecert_catalog_get(s, r.type)) == NULL) {
		rc = ecert_fail(e, ECERT_NO, "%s: type %s is no longer in the "
		    "catalog", id, r.type);
		goto out;
	}
	record = record_of(doc);
	if ((rc = changes_apply(type, changes, record, e)) != 0)
		goto out;
	/* a historical license stays one: what it never recorded is still
	 * not collected, unless the amendment gives it */
	if ((rc = ecert_license_prepare(s, a, type, record,
	    json_is_true(json_object_get(doc, "historical")) ?
	    ECERT_PREP_HISTORICAL : 0, r.version + 1, &p, e)) != 0)
		goto out;
	if (same_content(doc, p.doc)) {
		/* a new version must say something new */
		rc = ecert_fail(e, ECERT_DATAERR, "%s: the changes leave the "
		    "license as it is; nothing to amend", id);
		goto out;
	}
	/* amendments are signed directly; review is for new issues */
	if (p.draft && (rc = lic_sign_prepared(s, a, type, &p, e)) != 0)
		goto out;
	if ((rc = ecert_license_store(s, a, &p, e)) != 0) {
		if (rc == ECERT_NO)
			rc = e->status = ECERT_DATAERR;
		goto out;
	}
	if ((rc = supersede(s, a, &r, p.id, reason, e)) == 0)
		snprintf(newid, n, "%s", p.id);
out:
	free(r.canon);
	json_decref(doc);
	json_decref(type);
	json_decref(record);
	ecert_prepared_free(&p);
	return rc;
}

/* Every version of a license and every status event, oldest first. */
/* A version as a history entry: its status, when it was made, who drafted
 * it and what review said. */
static json_t *
version_entry(sqlite3_stmt *st)
{
	json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s}", "kind", "version",
	    "id", sqlite3_column_text(st, 0), "version",
	    sqlite3_column_int(st, 1), "status", sqlite3_column_text(st, 2),
	    "time", sqlite3_column_text(st, 3));

	if (sqlite3_column_type(st, 4) != SQLITE_NULL)
		json_object_set_new(o, "drafted_by", json_string(
		    (const char *)sqlite3_column_text(st, 4)));
	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		json_object_set_new(o, "review", json_string(
		    (const char *)sqlite3_column_text(st, 5)));
	return o;
}

/* The status events of one version, in order, to fn. */
static int
version_events(struct ecert_store *s, const char *vid,
    int (*fn)(const json_t *entry, void *arg), void *arg,
    struct ecert_error *e)
{
	sqlite3_stmt *ev;
	json_t *o;

	ev = ecert_prepare(s, "SELECT time, unit, os_user, status, reason"
	    " FROM license_events WHERE license = ? ORDER BY seq", e);
	if (ev == NULL)
		return e->status;
	ecert_bind_text(ev, 1, vid);
	while (sqlite3_step(ev) == SQLITE_ROW) {
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind",
		    "event", "id", vid, "time", sqlite3_column_text(ev, 0),
		    "unit", sqlite3_column_text(ev, 1), "os_user",
		    sqlite3_column_text(ev, 2), "status",
		    sqlite3_column_text(ev, 3), "reason",
		    sqlite3_column_text(ev, 4));
		fn(o, arg);
		json_decref(o);
	}
	sqlite3_finalize(ev);
	return 0;
}

int
ecert_license_history(struct ecert_store *s, const char *id,
    int (*fn)(const json_t *entry, void *arg), void *arg,
    struct ecert_error *e)
{
	struct license_row r;
	sqlite3_stmt *st;
	json_t *o;
	int rc;

	if ((rc = lic_row_load(s, id, &r, e)) != 0)
		return rc;
	free(r.canon);
	st = ecert_prepare(s, "SELECT id, version, status, created_at,"
	    " drafted_by, review FROM licenses WHERE type = ? AND number = ?"
	    " ORDER BY version", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, r.type);
	ecert_bind_text(st, 2, r.number);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = version_entry(st);
		fn(o, arg);
		json_decref(o);
		if ((rc = version_events(s, (const char *)sqlite3_column_text(st,
		    0), fn, arg, e)) != 0) {
			sqlite3_finalize(st);
			return rc;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "history");
	return 0;
}
