/*
 * expire.c: the expiry sweep.  It reads only the licenses due, through the
 * partial index licenses_due, so its cost grows with their number and not
 * with the store's size.  The licenses are handed to fn only once the
 * sweep has been committed, so that a reader at the other end of a pipe
 * sees them expired, and a failed sweep lists none.
 */
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"

const char *ecert_expire_sql =
    "SELECT id, type, number, holder_name, issuer, valid_until"
    " FROM licenses WHERE status IN ('valid','suspended')"
    " AND valid_until < ?1 ORDER BY valid_until, id";

int
ecert_expire(struct ecert_store *s, const char *as_of, int dry_run,
    int (*fn)(const json_t *row, void *arg), void *arg, long *count,
    struct ecert_error *e)
{
	sqlite3_stmt *sel = NULL, *upd = NULL, *ev = NULL;
	crypto_generichash_state ids;
	unsigned char h[32];
	char hex[65], now[21], at[21], *detail;
	json_t *o, *rows = json_array(), *row;
	size_t i;
	int rc;

	*count = 0;
	if ((rc = ecert_begin(s, e)) != 0) {
		json_decref(rows);
		return rc;
	}
	crypto_generichash_init(&ids, NULL, 0, sizeof(h));
	ecert_now_iso(now);
	/* an expiry is dated by the sweep's day: valid_until is before it */
	if (strncmp(as_of, now, 10) > 0)
		snprintf(at, sizeof(at), "%.10sT00:00:00Z", as_of);
	else
		snprintf(at, sizeof(at), "%s", now);
	sel = ecert_prepare(s, ecert_expire_sql, e);
	upd = ecert_prepare(s, "UPDATE licenses SET status = 'expired'"
	    " WHERE id = ?", e);
	ev = ecert_prepare(s, "SELECT 1", e);	/* events: facts.c */
	if (sel == NULL || upd == NULL || ev == NULL)
		goto fail;
	ecert_bind_text(sel, 1, as_of);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		static const char *names[] = { "id", "type", "number",
		    "holder", "issuer", "valid_until" };
		const char *id = (const char *)sqlite3_column_text(sel, 0);
		char reason[64];
		int k;

		row = json_object();
		for (k = 0; k < 6; k++)
			json_object_set_new(row, names[k], json_string(
			    (const char *)sqlite3_column_text(sel, k)));
		if (!dry_run) {
			snprintf(reason, sizeof(reason), "validity ended %s",
			    (const char *)sqlite3_column_text(sel, 5));
			ecert_bind_text(upd, 1, id);
			if (sqlite3_step(upd) != SQLITE_DONE) {
				ecert_sql_fail(s, e, sqlite3_errcode(s->db),
				    "expire");
				json_decref(row);
				goto fail;
			}
			sqlite3_reset(upd);
			/* unsigned, chained, and checked against the signed
			 * validity date (facts.c) */
			if (ecert_event_append_at(s, NULL, id, "expire",
			    "expired", reason, at, e) != 0) {
				json_decref(row);
				goto fail;
			}
		}
		crypto_generichash_update(&ids, (const unsigned char *)id,
		    strlen(id) + 1);
		(*count)++;
		json_array_append_new(rows, row);
	}
	if (rc != SQLITE_DONE) {
		ecert_sql_fail(s, e, rc, "expire");
		goto fail;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_finalize(ev);
	sel = upd = ev = NULL;
	if (dry_run) {
		ecert_rollback(s);
		goto done;
	}
	crypto_generichash_final(&ids, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	o = json_pack("{s:s, s:I, s:s}", "as_of", as_of, "expired",
	    (json_int_t)*count, "ids_digest", hex);
	detail = ecert_json_canonical(o);
	json_decref(o);
	rc = ecert_audit(s, NULL, "license.expire", "sweep", "ok", detail);
	free(detail);
	if (rc != 0) {
		ecert_fail(e, rc, "audit: cannot record the sweep");
		goto fail;
	}
	if ((rc = ecert_commit(s, e)) != 0) {
		*count = 0;
		json_decref(rows);
		return rc;
	}
done:
	json_array_foreach(rows, i, row)
		fn(row, arg);
	json_decref(rows);
	return 0;
fail:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	sqlite3_finalize(ev);
	ecert_rollback(s);
	*count = 0;
	json_decref(rows);
	return e->status;
}
