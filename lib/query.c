/* query.c: searching licenses by their clear columns. */
#include <string.h>

#include "ecert_priv.h"

static const char *statuses[] = {
	"valid", "suspended", "revoked", "expired", "superseded", "draft",
	"rejected", NULL
};

int
ecert_status_valid(const char *status)
{
	int i;

	for (i = 0; statuses[i] != NULL; i++)
		if (strcmp(status, statuses[i]) == 0)
			return 1;
	return 0;
}

/* The words of the ministries' exchange formats. */
const char *
ecert_status_label(const char *status)
{
	static const char *labels[][2] = {
		{ "valid", "有效" }, { "suspended", "停用" },
		{ "revoked", "注销" }, { "expired", "失效" },
		{ "superseded", "已变更" }, { "draft", "待签发" },
		{ "rejected", "已驳回" },
	};
	size_t i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(status, labels[i][0]) == 0)
			return labels[i][1];
	return status;
}

int
ecert_query(struct ecert_store *s, const struct ecert_query *q,
    int (*fn)(const json_t *row, void *arg), void *arg,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char hash[65];
	int rc, stop = 0;

	if (q->holder_id != NULL)
		ecert_pii_hash(s, q->holder_id, hash);
	/* a rejected draft is no longer waiting: it shows as rejected */
	st = ecert_prepare(s, "SELECT l.id, l.type, t.name, l.number,"
	    " l.holder_name, l.issuer, l.issue_date, l.valid_from,"
	    " l.valid_until, CASE WHEN l.status = 'draft' AND l.review LIKE"
	    " 'rejected%' THEN 'rejected' ELSE l.status END FROM licenses l"
	    " JOIN license_types t ON t.code = l.type"
	    " WHERE (?1 IS NULL OR l.holder_name = ?1)"
	    " AND (?2 IS NULL OR l.holder_hash = ?2)"
	    " AND (?3 IS NULL OR l.type = ?3)"
	    " AND (?4 IS NULL OR l.issuer = ?4)"
	    " AND (?5 IS NULL OR (l.status = ?5 AND NOT (?5 = 'draft'"
	    "  AND coalesce(l.review, '') LIKE 'rejected%'))"
	    " OR (?5 = 'rejected' AND l.status = 'draft'"
	    "  AND l.review LIKE 'rejected%'))"
	    " AND (?6 IS NULL OR l.issue_date >= ?6)"
	    " AND (?7 IS NULL OR l.issue_date <= ?7)"
	    " ORDER BY l.issue_date, l.id", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, q->holder);
	ecert_bind_text(st, 2, q->holder_id ? hash : NULL);
	ecert_bind_text(st, 3, q->type);
	ecert_bind_text(st, 4, q->issuer);
	ecert_bind_text(st, 5, q->status);
	ecert_bind_text(st, 6, q->from);
	ecert_bind_text(st, 7, q->to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		static const char *names[] = { "id", "type", "type_name",
		    "number", "holder", "issuer", "issue_date", "valid_from",
		    "valid_until", "status" };
		json_t *row = json_object();
		int i;

		for (i = 0; i < 10; i++)
			json_object_set_new(row, names[i],
			    sqlite3_column_type(st, i) == SQLITE_NULL ?
			    json_null() : json_string((const char *)
			    sqlite3_column_text(st, i)));
		stop = fn(row, arg);
		json_decref(row);
		if (stop != 0)
			break;
	}
	if (stop == 0 && rc != SQLITE_DONE) {
		ecert_sql_fail(s, e, rc, "query");
		sqlite3_finalize(st);
		return e->status;
	}
	sqlite3_finalize(st);
	return stop;
}

/*
 * The public query (article 12): anyone, by company name and unified
 * social credit code together, sees the disclosable types' licenses and
 * only their disclosable items.  Natural persons never appear: their
 * licenses have no clear holder code.
 */
int
ecert_public_query(struct ecert_store *s, const char *name, const char *uscc,
    int (*fn)(const json_t *row, void *arg), void *arg, long *count,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char why[128];
	int rc;

	*count = 0;
	if (name == NULL || uscc == NULL || *name == '\0')
		return ecert_fail(e, ECERT_USAGE, "the public query needs both "
		    "--name and --uscc");
	if (!ecert_uscc_valid(uscc))
		return ecert_fail(e, ECERT_DATAERR, "--uscc %s: not a valid "
		    "unified social credit code: %s", uscc,
		    ecert_uscc_why(uscc, why, sizeof(why)));
	st = ecert_prepare(s, "SELECT l.id, t.definition, l.status"
	    " FROM licenses l JOIN license_types t ON t.code = l.type"
	    " WHERE l.holder_code = ? AND l.holder_name = ? AND t.public = 1"
	    " AND l.status IN ('valid','suspended','revoked','expired')"
	    " ORDER BY l.issue_date, l.id", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, uscc);
	ecert_bind_text(st, 2, name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		json_t *type = json_loads((const char *)sqlite3_column_text(st,
		    1), 0, NULL), *signed_doc, *row, *items, *item;
		const json_t *doc, *have;
		char status[16];
		struct ecert_error le;
		size_t i;

		if (type == NULL || ecert_license_load(s, id, &signed_doc,
		    status, sizeof(status), &le) != 0) {
			json_decref(type);
			continue;
		}
		doc = json_object_get(signed_doc, "document");
		items = json_object();
		json_array_foreach(json_object_get(type, "items"), i, item) {
			const char *key = ecert_json_str(item, "key");

			if (json_is_true(json_object_get(item, "public")) &&
			    (have = json_object_get(json_object_get(doc,
			    "items"), key)) != NULL)
				json_object_set(items, key, (json_t *)have);
		}
		row = json_pack("{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O,"
		    " s:s, s:o}", "id", id,
		    "type", json_object_get(doc, "type"),
		    "type_name", json_object_get(doc, "type_name"),
		    "number", json_object_get(doc, "number"),
		    "holder", json_object_get(json_object_get(doc, "holder"),
		    "name"),
		    "issuer", json_object_get(json_object_get(doc, "issuer"),
		    "name"),
		    "issue_date", json_object_get(doc, "issue_date"),
		    "valid_from", json_object_get(doc, "valid_from"),
		    "valid_until", json_object_get(doc, "valid_until"),
		    "status", status, "items", items);
		fn(row, arg);
		(*count)++;
		json_decref(row);
		json_decref(signed_doc);
		json_decref(type);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "public query");
	return 0;
}
