/*
 * catalog.c: the catalog (目录) in the store.  Types come from YAML
 * (catalog_yaml.c); each names the unit responsible for issuing it, which
 * together make the responsibility list of article 5.  A changed type gets
 * a new version; the old definitions stay in license_type_history, each
 * signed by the platform (schema 10) and named by its catalog.load audit
 * entry, so that a past version edited, removed or replayed shows.
 */
#include <string.h>

#include "ecert_priv.h"

/*
 * Definitions that change by versions (license types, service matters):
 * the current version of CODE in TABLE and whether DEF is what it holds
 * already; and the record of a new version in its history table.  The
 * table names are the callers' constants, never input.
 */
int
ecert_definition_current(struct ecert_store *s, const char *table,
    const char *code, const char *def, int *version, int *same,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char sql[128];

	*version = 0;
	*same = 0;
	snprintf(sql, sizeof(sql), "SELECT version, definition FROM %s"
	    " WHERE code = ?", table);
	if ((st = ecert_prepare(s, sql, e)) == NULL)
		return e->status;
	ecert_bind_text(st, 1, code);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		*same = strcmp((const char *)sqlite3_column_text(st, 1),
		    def) == 0;
	}
	sqlite3_finalize(st);
	return 0;
}

int
ecert_definition_history(struct ecert_store *s, const char *table,
    const char *code, int version, const char *def, const char *when,
    const char *actor_unit, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char sql[160];
	int rc;

	snprintf(sql, sizeof(sql), "INSERT INTO %s(code, version, definition,"
	    " loaded_at, loaded_by) VALUES (?,?,?,?,?)", table);
	if ((st = ecert_prepare(s, sql, e)) == NULL)
		return e->status;
	ecert_bind_text(st, 1, code);
	sqlite3_bind_int(st, 2, version);
	ecert_bind_text(st, 3, def);
	ecert_bind_text(st, 4, when);
	ecert_bind_text(st, 5, actor_unit);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, table);
	return 0;
}

static int
store_type(struct ecert_store *s, const char *actor_unit, const json_t *type,
    int *changed, int *stored, struct ecert_error *e)
{
	sqlite3_stmt *st;
	const char *code = ecert_json_str(type, "code");
	char *def, now[21];
	int version = 0, rc, same = 0;

	*changed = 0;
	def = ecert_json_canonical(type);
	if (def == NULL)
		return ecert_fail(e, ECERT_DATAERR, "type %s: cannot encode",
		    code);
	if (ecert_definition_current(s, "license_types", code, def, &version,
	    &same, e) != 0)
		goto fail;
	if (same) {
		free(def);
		return 0;
	}
	ecert_now_iso(now);
	st = ecert_prepare(s, "INSERT INTO license_types(code, name, issuer,"
	    " public, definition, version, loaded_at) VALUES (?1,?2,?3,?4,?5,?6,?7)"
	    " ON CONFLICT(code) DO UPDATE SET name = ?2, issuer = ?3,"
	    " public = ?4, definition = ?5, version = ?6, loaded_at = ?7", e);
	if (st == NULL)
		goto fail;
	ecert_bind_text(st, 1, code);
	ecert_bind_text(st, 2, ecert_json_str(type, "name"));
	ecert_bind_text(st, 3, ecert_json_str(type, "issuer"));
	sqlite3_bind_int(st, 4, json_is_true(json_object_get(type, "public")));
	ecert_bind_text(st, 5, def);
	sqlite3_bind_int(st, 6, version + 1);
	ecert_bind_text(st, 7, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ecert_sql_fail(s, e, rc, "catalog");
		goto fail;
	}
	if (ecert_definition_history(s, "license_type_history", code,
	    version + 1, def, now, actor_unit, e) != 0 ||
	    ecert_fact_sign_history(s, code, version + 1, e) != 0 ||
	    ecert_fact_sign_type(s, code, e) != 0)
		goto fail;
	free(def);
	*changed = 1;
	*stored = version + 1;
	return 0;
fail:
	free(def);
	return e->status;
}

/* All files or nothing: every file is parsed and checked before any write. */
int
ecert_catalog_load(struct ecert_store *s, const char *actor_unit,
    char **paths, int npaths, int *nloaded, struct ecert_error *e)
{
	json_t *all = json_array(), *seen = json_object(), *types, *type;
	size_t i;
	int f, roles, changed, stored = 0, rc = 0;
	char detail[256];

	*nloaded = 0;
	for (f = 0; f < npaths; f++) {
		types = ecert_catalog_parse(paths[f], e);
		if (types == NULL) {
			rc = e->status;
			goto out;
		}
		json_array_foreach(types, i, type) {
			const char *code = ecert_json_str(type, "code");
			const char *issuer = ecert_json_str(type, "issuer");
			json_t *prev = json_object_get(seen, code);

			if (prev != NULL) {
				rc = ecert_fail(e, ECERT_DATAERR, "%s: type %s:"
				    " also defined in %s", paths[f], code,
				    json_string_value(prev));
				json_decref(types);
				goto out;
			}
			if (!ecert_unit_name(s, issuer, NULL, 0, &roles) ||
			    !(roles & ECERT_ROLE_ISSUER)) {
				rc = ecert_fail(e, ECERT_DATAERR, "%s: type %s:"
				    " issuer %s: not a registered issuing unit",
				    paths[f], code, issuer);
				json_decref(types);
				goto out;
			}
			json_object_set_new(seen, code, json_string(paths[f]));
			json_array_append(all, type);
		}
		json_decref(types);
	}
	if ((rc = ecert_begin(s, e)) != 0)
		goto out;
	json_array_foreach(all, i, type) {
		if ((rc = store_type(s, actor_unit, type, &changed, &stored,
		    e)) != 0) {
			ecert_rollback(s);
			goto out;
		}
		if (changed) {
			snprintf(detail, sizeof(detail), "issuer %s version %d",
			    ecert_json_str(type, "issuer"), stored);
			if ((rc = ecert_audit(s, actor_unit, "catalog.load",
			    ecert_json_str(type, "code"), "ok", detail)) != 0) {
				ecert_rollback(s);
				rc = ecert_fail(e, rc, "type %s: not loaded: "
				    "the change cannot be audited",
				    ecert_json_str(type, "code"));
				goto out;
			}
			(*nloaded)++;
		}
	}
	rc = ecert_commit(s, e);
out:
	json_decref(all);
	json_decref(seen);
	return rc;
}

json_t *
ecert_catalog_get(struct ecert_store *s, const char *code)
{
	sqlite3_stmt *st;
	json_t *type = NULL;

	st = ecert_prepare(s, "SELECT definition FROM license_types"
	    " WHERE code = ?", NULL);
	if (st == NULL)
		return NULL;
	ecert_bind_text(st, 1, code);
	if (sqlite3_step(st) == SQLITE_ROW)
		type = json_loads((const char *)sqlite3_column_text(st, 0), 0,
		    NULL);
	sqlite3_finalize(st);
	/* believed only as the platform signed it (anchor.c) */
	if (type != NULL && !ecert_fact_type_ok(s, code)) {
		json_decref(type);
		type = NULL;
	}
	return type;
}

/*
 * The versions of a type, oldest first, each checked: signed by the
 * platform (a version whose catalog.load entry names it was written from
 * schema 10 on, and must be), numbered 1 to the current version without a
 * gap, as many as the audit log's loads, the newest the current entry.
 * NULL and why (audited as fact.tampered) when they are not.
 */
json_t *
ecert_catalog_history(struct ecert_store *s, const char *code, char *why,
    size_t n)
{
	sqlite3_stmt *st;
	json_t *list, *named;
	const char *current = NULL;
	char *cur = NULL, key[16];
	int version = 0, want = 0, loads = 0;

	*why = '\0';
	st = ecert_prepare(s, "SELECT version, definition FROM license_types"
	    " WHERE code = ?", NULL);
	if (st == NULL) {
		ecert_whyf(why, n, "the catalog cannot be read");
		return NULL;
	}
	ecert_bind_text(st, 1, code);
	if (sqlite3_step(st) == SQLITE_ROW) {
		want = sqlite3_column_int(st, 0);
		cur = ecert_xstrdup((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (cur == NULL || !ecert_fact_type_ok(s, code)) {
		free(cur);
		ecert_whyf(why, n, "not in the catalog");
		return NULL;
	}
	current = cur;
	/* the versions the audit log says were loaded from schema 10 on */
	named = json_object();
	st = ecert_prepare(s, "SELECT detail FROM audit WHERE object = ? AND"
	    " action = 'catalog.load' AND outcome = 'ok'", NULL);
	if (st != NULL) {
		ecert_bind_text(st, 1, code);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 0);
			const char *v = d ? strstr(d, " version ") : NULL;

			loads++;
			if (v != NULL)
				json_object_set_new(named, v + 9, json_true());
		}
		sqlite3_finalize(st);
	}
	list = json_array();
	st = ecert_prepare(s, "SELECT version, definition, loaded_at,"
	    " loaded_by, sig_key, sig FROM license_type_history"
	    " WHERE code = ? ORDER BY version", NULL);
	if (st == NULL)
		ecert_whyf(why, n, "its history cannot be read");
	else
		ecert_bind_text(st, 1, code);
	while (st != NULL && *why == '\0' && sqlite3_step(st) == SQLITE_ROW) {
		int v = sqlite3_column_int(st, 0);
		const char *def = (const char *)sqlite3_column_text(st, 1);
		const char *at = (const char *)sqlite3_column_text(st, 2);
		const char *by = (const char *)sqlite3_column_text(st, 3);
		const char *sk = (const char *)sqlite3_column_text(st, 4);
		const char *sig = (const char *)sqlite3_column_text(st, 5);
		json_t *d;

		snprintf(key, sizeof(key), "%d", v);
		if (v != version + 1) {
			ecert_whyf(why, n, "history: version %d follows version "
			    "%d: one removed or renumbered", v, version);
			break;
		}
		version = v;
		if ((sig != NULL || json_object_get(named, key) != NULL) &&
		    !ecert_fact_history_ok(s, code, v, def, at, by, sk, sig)) {
			ecert_whyf(why, n, "history: version %d is not as the "
			    "platform signed it", v);
			break;
		}
		d = def ? json_loads(def, 0, NULL) : NULL;
		json_array_append_new(list, json_pack("{s:s, s:i, s:s, s:s,"
		    " s:b, s:o}", "code", code, "version", v, "loaded_at",
		    at ? at : "", "loaded_by", by ? by : "", "signed",
		    sig != NULL, "definition", d ? d : json_null()));
		if (v == want && (def == NULL || strcmp(def, current) != 0)) {
			ecert_whyf(why, n, "history: version %d is not the "
			    "current entry", v);
			break;
		}
	}
	sqlite3_finalize(st);
	if (*why == '\0' && version != want)
		ecert_whyf(why, n, "history: %d version%s, the current entry is "
		    "version %d: one removed or added", version, version == 1 ?
		    "" : "s", want);
	else if (*why == '\0' && loads > version)
		ecert_whyf(why, n, "history: the audit log records %d load%s, "
		    "the history holds %d version%s: one removed", loads,
		    loads == 1 ? "" : "s", version, version == 1 ? "" : "s");
	json_decref(named);
	free(cur);
	if (*why != '\0') {
		json_decref(list);
		ecert_facts_tampered(s, code, why);
		return NULL;
	}
	return list;
}

/* Every type of the catalog, in code order, with its issuer's name. */
int
ecert_catalog_each(struct ecert_store *s,
    int (*fn)(const struct ecert_type_row *r, void *arg), void *arg,
    struct ecert_error *e)
{
	struct ecert_type_row r;
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(s, "SELECT t.code, t.name, t.issuer, u.name,"
	    " t.public, t.version FROM license_types t"
	    " JOIN units u ON u.code = t.issuer ORDER BY t.code", e);
	if (st == NULL)
		return e->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.code = (const char *)sqlite3_column_text(st, 0);
		r.name = (const char *)sqlite3_column_text(st, 1);
		r.issuer = (const char *)sqlite3_column_text(st, 2);
		r.issuer_name = (const char *)sqlite3_column_text(st, 3);
		r.public = sqlite3_column_int(st, 4);
		r.version = sqlite3_column_int(st, 5);
		if (fn(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ecert_sql_fail(s, e, rc, "catalog");
}
