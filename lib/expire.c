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

/* The sweep under way: the statements it runs, what it has expired. */
struct sweep {
	struct ecert_store *s;
	sqlite3_stmt *sel, *upd;
	char at[21];			/* the date of its events */
	int dry_run;
	json_t *rows;			/* the licenses expired, for fn */
	crypto_generichash_state ids;	/* ... and their digest */
	long count;
};

/* Expires one license (the row sel stands on): its status, and an
 * event unsigned, chained, and checked against the signed validity date
 * (facts.c). */
static int
expire_one(struct sweep *w, const char *id, struct ecert_error *e)
{
	char reason[64];

	snprintf(reason, sizeof(reason), "validity ended %s",
	    (const char *)sqlite3_column_text(w->sel, 5));
	ecert_bind_text(w->upd, 1, id);
	if (sqlite3_step(w->upd) != SQLITE_DONE)
		return ecert_sql_fail(w->s, e, sqlite3_errcode(w->s->db),
		    "expire");
	sqlite3_reset(w->upd);
	return ecert_event_append_at(w->s, NULL, id, "expire", "expired",
	    reason, w->at, e);
}

/* Expires every license due by as_of, or, dry, only lists them. */
static int
expire_due(struct sweep *w, const char *as_of, struct ecert_error *e)
{
	static const char *names[] = { "id", "type", "number", "holder",
	    "issuer", "valid_until" };
	json_t *row;
	int rc, k;

	w->sel = ecert_prepare(w->s, ecert_expire_sql, e);
	w->upd = ecert_prepare(w->s, "UPDATE licenses SET status = 'expired'"
	    " WHERE id = ?", e);
	if (w->sel == NULL || w->upd == NULL)
		return e->status;
	ecert_bind_text(w->sel, 1, as_of);
	while ((rc = sqlite3_step(w->sel)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(w->sel, 0);

		row = json_object();
		for (k = 0; k < 6; k++)
			json_object_set_new(row, names[k], json_string(
			    (const char *)sqlite3_column_text(w->sel, k)));
		json_array_append_new(w->rows, row);
		if (!w->dry_run && expire_one(w, id, e) != 0)
			return e->status;
		crypto_generichash_update(&w->ids, (const unsigned char *)id,
		    strlen(id) + 1);
		w->count++;
	}
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(w->s, e, rc, "expire");
	return 0;
}

/* The sweep's audit entry: its date, count and the digest of the ids. */
static int
sweep_audit(struct sweep *w, const char *as_of, struct ecert_error *e)
{
	unsigned char h[32];
	char hex[65], *detail;
	int rc;

	crypto_generichash_final(&w->ids, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	detail = ecert_json_canonical_take(json_pack("{s:s, s:I, s:s}",
	    "as_of", as_of, "expired", (json_int_t)w->count, "ids_digest",
	    hex));
	rc = ecert_audit(w->s, NULL, "license.expire", "sweep", "ok", detail);
	free(detail);
	if (rc != 0)
		return ecert_fail(e, rc, "audit: cannot record the sweep");
	return 0;
}

int
ecert_expire(struct ecert_store *s, const char *as_of, int dry_run,
    int (*fn)(const json_t *row, void *arg), void *arg, long *count,
    struct ecert_error *e)
{
	struct sweep w;
	char now[21];
	json_t *row;
	size_t i;
	int rc;

	*count = 0;
	if ((rc = ecert_begin(s, e)) != 0)
		return rc;
	memset(&w, 0, sizeof(w));
	w.s = s;
	w.dry_run = dry_run;
	w.rows = json_array();
	crypto_generichash_init(&w.ids, NULL, 0, 32);
	ecert_now_iso(now);
	/* an expiry is dated by the sweep's day: valid_until is before it */
	if (strncmp(as_of, now, 10) > 0)
		snprintf(w.at, sizeof(w.at), "%.10sT00:00:00Z", as_of);
	else
		snprintf(w.at, sizeof(w.at), "%s", now);
	rc = expire_due(&w, as_of, e);
	sqlite3_finalize(w.sel);
	sqlite3_finalize(w.upd);
	if (rc != 0 || dry_run || (rc = sweep_audit(&w, as_of, e)) != 0)
		ecert_rollback(s);
	else
		rc = ecert_commit(s, e);
	if (rc == 0) {
		json_array_foreach(w.rows, i, row)
			fn(row, arg);
		*count = w.count;
	}
	json_decref(w.rows);
	return rc;
}
