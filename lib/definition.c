/*
 * definition.c: definitions that change by versions, license types
 * (catalog.c) and service matters (matter.c).  Both come from YAML files,
 * loaded all or nothing: a changed definition gets the next version, its
 * current row in the kind's table and the version in its history table,
 * and an audit entry.  A struct ecert_definition_kind says what differs;
 * each kind reads and checks its own content.
 */
#include <string.h>

#include "ecert_priv.h"

/*
 * The current version of CODE in TABLE and its canonical definition
 * (*def, to be freed); 0 with *version 0 when there is none.  The table
 * names are the callers' constants, never input.
 */
int
ecert_definition_read(struct ecert_store *s, const char *table,
    const char *code, int *version, char **def, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char sql[128];

	*version = 0;
	*def = NULL;
	snprintf(sql, sizeof(sql), "SELECT version, definition FROM %s"
	    " WHERE code = ?", table);
	if ((st = ecert_prepare(s, sql, e)) == NULL)
		return e != NULL ? e->status : ECERT_IOERR;
	ecert_bind_text(st, 1, code);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		if (sqlite3_column_text(st, 1) != NULL)
			*def = ecert_xstrdup((const char *)
			    sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}

/* The current definition of CODE as JSON, *version its version. */
json_t *
ecert_definition_get(struct ecert_store *s,
    const struct ecert_definition_kind *k, const char *code, int *version)
{
	json_t *def = NULL;
	char *text;

	if (ecert_definition_read(s, k->table, code, version, &text,
	    NULL) != 0 || text == NULL)
		return NULL;
	def = json_loads(text, 0, NULL);
	free(text);
	return def;
}

/* The record of a new version in the kind's history table. */
static int
insert_history(struct ecert_store *s, const struct ecert_definition_kind *k,
    const char *code, int version, const char *def, const char *when,
    const char *actor_unit, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char sql[160];

	snprintf(sql, sizeof(sql), "INSERT INTO %s(code, version, definition,"
	    " loaded_at, loaded_by) VALUES (?,?,?,?,?)", k->history);
	if ((st = ecert_prepare(s, sql, e)) == NULL)
		return e->status;
	ecert_bind_text(st, 1, code);
	sqlite3_bind_int(st, 2, version);
	ecert_bind_text(st, 3, def);
	ecert_bind_text(st, 4, when);
	ecert_bind_text(st, 5, actor_unit);
	return ecert_step_once(s, st, k->history, e);
}

/* The current row: code, definition, version, loaded_at, then the kind's
 * own columns. */
static int
upsert_current(struct ecert_store *s, const struct ecert_definition_kind *k,
    const json_t *d, const char *def, int version, const char *now,
    struct ecert_error *e)
{
	sqlite3_stmt *st;

	if ((st = ecert_prepare(s, k->upsert, e)) == NULL)
		return e->status;
	ecert_bind_text(st, 1, ecert_json_str(d, "code"));
	ecert_bind_text(st, 2, def);
	sqlite3_bind_int(st, 3, version);
	ecert_bind_text(st, 4, now);
	k->bind(st, d);
	return ecert_step_once(s, st, k->sql_what, e);
}

/* Stores D when it is not what the table holds; *stored: its version,
 * 0 when unchanged. */
static int
store_definition(struct ecert_store *s, const struct ecert_definition_kind *k,
    const char *actor_unit, const json_t *d, int *stored,
    struct ecert_error *e)
{
	const char *code = ecert_json_str(d, "code");
	char *def, *cur = NULL, now[21];
	int version, rc;

	*stored = 0;
	if ((def = ecert_json_canonical(d)) == NULL)
		return ecert_fail(e, ECERT_DATAERR, k->cannot_encode, code);
	if ((rc = ecert_definition_read(s, k->table, code, &version, &cur,
	    e)) != 0 || (cur != NULL && strcmp(cur, def) == 0))
		goto done;
	ecert_now_iso(now);
	if ((rc = upsert_current(s, k, d, def, version + 1, now, e)) != 0 ||
	    (rc = insert_history(s, k, code, version + 1, def, now,
	    actor_unit, e)) != 0 ||
	    (k->sign != NULL && (rc = k->sign(s, code, version + 1, e)) != 0))
		goto done;
	*stored = version + 1;
done:
	free(cur);
	free(def);
	return rc;
}

/*
 * Every definition of every file, read and checked, none defined twice;
 * NULL when one is not.
 */
static json_t *
read_all(struct ecert_store *s, const struct ecert_definition_kind *k,
    char **paths, int npaths, struct ecert_error *e)
{
	json_t *all = json_array(), *seen = json_object(), *defs, *d, *prev;
	const char *code;
	size_t i;
	int f;

	for (f = 0; f < npaths && all != NULL; f++) {
		if ((defs = k->parse(s, paths[f], e)) == NULL) {
			json_decref(all);
			all = NULL;
			break;
		}
		json_array_foreach(defs, i, d) {
			code = ecert_json_str(d, "code");
			if ((prev = json_object_get(seen, code)) != NULL)
				ecert_fail(e, ECERT_DATAERR, k->also_defined,
				    paths[f], code, json_string_value(prev));
			if (prev != NULL || (k->check != NULL &&
			    k->check(s, paths[f], d, e) != 0)) {
				json_decref(all);
				all = NULL;
				break;
			}
			json_object_set_new(seen, code, json_string(paths[f]));
			json_array_append(all, d);
		}
		json_decref(defs);
	}
	json_decref(seen);
	return all;
}

/* All files or nothing: every file is parsed and checked before any write. */
int
ecert_definition_load(struct ecert_store *s,
    const struct ecert_definition_kind *k, const char *actor_unit,
    char **paths, int npaths, int *nloaded, struct ecert_error *e)
{
	json_t *all, *d;
	const char *code;
	char detail[256];
	size_t i;
	int stored, rc;

	*nloaded = 0;
	if ((all = read_all(s, k, paths, npaths, e)) == NULL)
		return e->status;
	if ((rc = ecert_begin(s, e)) != 0)
		goto out;
	json_array_foreach(all, i, d) {
		code = ecert_json_str(d, "code");
		if ((rc = store_definition(s, k, actor_unit, d, &stored,
		    e)) != 0) {
			ecert_rollback(s);
			goto out;
		}
		if (stored == 0)
			continue;
		k->detail(d, stored, detail, sizeof(detail));
		if ((rc = ecert_audit(s, actor_unit, k->action, code, "ok",
		    detail)) != 0) {
			ecert_rollback(s);
			rc = ecert_fail(e, rc, k->not_audited, code);
			goto out;
		}
		(*nloaded)++;
	}
	rc = ecert_commit(s, e);
out:
	json_decref(all);
	return rc;
}
