/*
 * clients.c: the systems that call ecert-serve.  Each is registered by
 * the platform to one unit with its own Ed25519 or SM2 request key (the
 * key as the trust list gives a unit's: 32 bytes, or SM2's 65-byte point
 * 04||x||y, in base64); the row is
 * signed by the platform key, so that a row written by other means (or a
 * revocation undone with sqlite3) is refused, not believed.
 */
#include <string.h>

#include <sodium.h>

#include "serve.h"

static int
client_id_valid(const char *id)
{
	size_t i, n = strlen(id);

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!(id[i] >= 'a' && id[i] <= 'z') &&
		    !(id[i] >= 'A' && id[i] <= 'Z') &&
		    !(id[i] >= '0' && id[i] <= '9') && strchr("-_.", id[i]) ==
		    NULL)
			return 0;
	return 1;
}

/* What the platform signs: the row's facts in canonical JSON. */
static char *
client_facts(const char *id, const char *unit, const char *alg,
    const char *pk, const char *added, const char *revoked)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", id,
	    "unit", unit, "alg", alg, "public_key", pk, "added_at", added,
	    "revoked_at", revoked ? json_string(revoked) : json_null());
	char *c = ecert_json_canonical(o);

	json_decref(o);
	return c;
}

static int
need_platform(struct ecert_store *s, const struct ecert_actor *a,
    const char *action, const char *id, struct ecert_error *e)
{
	if (a->roles & ECERT_ROLE_ADMIN)
		return 0;
	ecert_fail(e, ECERT_NOPERM, "unit %s is not the platform; only the "
	    "platform registers calling systems", a->unit);
	ecert_audit_refusal(s, a->unit, action, id, e);
	return ECERT_NOPERM;
}

int
serve_client_add(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *unit, const char *alg,
    const char *pubkey_b64, struct ecert_error *e)
{
	struct ecert_pub pk;
	char now[21], name[256], sig[89], *facts;
	sqlite3_stmt *st;
	int rc, roles, good;

	if ((rc = need_platform(s, a, "client.add", id, e)) != 0)
		return rc;
	if (!client_id_valid(id))
		return ecert_fail(e, ECERT_DATAERR, "client %s: an id is 1 to 64 "
		    "letters, digits, '-', '_' or '.'", id);
	if (alg == NULL)
		alg = "ed25519";
	if (strcmp(alg, "ed25519") != 0 && strcmp(alg, "sm2") != 0)
		return ecert_fail(e, ECERT_USAGE, "--alg %s: ed25519 or sm2",
		    alg);
	good = ecert_pub_parse(alg, pubkey_b64, &pk) &&
	    ecert_pub_prepare(&pk);
	ecert_pub_free(&pk);
	if (!good)
		return ecert_fail(e, ECERT_DATAERR, "client %s: the public key "
		    "is not %s", id, strcmp(alg, "sm2") == 0 ? "65 bytes of "
		    "base64, an SM2 point 04||x||y on the curve" : "32 bytes of "
		    "base64 (a raw Ed25519 key)");
	if (!ecert_unit_name(s, unit, name, sizeof(name), &roles))
		return ecert_fail(e, ECERT_NO, "unit %s: not registered", unit);
	ecert_clock_iso(now);
	facts = client_facts(id, unit, alg, pubkey_b64, now, NULL);
	ecert_sign(&a->key, SERVE_DOMAIN_CLIENT, facts, strlen(facts), sig);
	free(facts);
	if ((rc = ecert_begin(s, e)) != 0)
		return rc;
	st = ecert_prepare(s, "INSERT INTO serve_clients(id, unit,"
	    " public_key, added_at, sig_key, sig, alg) VALUES (?, ?, ?, ?, ?,"
	    " ?, ?)", e);
	if (st == NULL) {
		ecert_rollback(s);
		return e->status;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pubkey_b64, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->key.key_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, sig, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, alg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    rc == SQLITE_CONSTRAINT_UNIQUE) {
		ecert_rollback(s);
		return ecert_fail(e, ECERT_NO, "client %s: the id or the key "
		    "is already registered", id);
	}
	if (rc != SQLITE_DONE) {
		rc = ecert_sql_fail(s, e, rc, "client");
		ecert_rollback(s);
		return rc;
	}
	snprintf(name, sizeof(name), "%s %s", unit, alg);
	if ((rc = ecert_audit(s, a->unit, "client.add", id, "ok",
	    strcmp(alg, "ed25519") == 0 ? unit : name)) != 0) {
		ecert_rollback(s);
		return ecert_fail(e, rc, "audit: cannot record the client");
	}
	return ecert_commit(s, e);
}

int
serve_client_revoke(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char now[21], sig[89], *facts = NULL;
	int rc;

	if ((rc = need_platform(s, a, "client.revoke", id, e)) != 0)
		return rc;
	if ((rc = ecert_begin(s, e)) != 0)
		return rc;
	st = ecert_prepare(s, "SELECT unit, alg, public_key, added_at,"
	    " revoked_at FROM serve_clients WHERE id = ?", e);
	if (st == NULL) {
		ecert_rollback(s);
		return e->status;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	ecert_clock_iso(now);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 4) == SQLITE_NULL)
		facts = client_facts(id, (const char *)sqlite3_column_text(st,
		    0), (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), now);
	sqlite3_finalize(st);
	if (facts == NULL) {
		ecert_rollback(s);
		ecert_fail(e, ECERT_NO, "client %s: not registered, or "
		    "already revoked", id);
		ecert_audit_refusal(s, a->unit, "client.revoke", id, e);
		return ECERT_NO;
	}
	ecert_sign(&a->key, SERVE_DOMAIN_CLIENT, facts, strlen(facts), sig);
	free(facts);
	st = ecert_prepare(s, "UPDATE serve_clients SET revoked_at = ?,"
	    " sig_key = ?, sig = ? WHERE id = ?", e);
	if (st == NULL) {
		ecert_rollback(s);
		return e->status;
	}
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->key.key_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sig, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = ecert_sql_fail(s, e, rc, "client");
		ecert_rollback(s);
		return rc;
	}
	if ((rc = ecert_audit(s, a->unit, "client.revoke", id, "ok",
	    NULL)) != 0) {
		ecert_rollback(s);
		return ecert_fail(e, rc, "audit: cannot record the revocation");
	}
	return ecert_commit(s, e);
}

int
serve_client_list(struct ecert_store *s,
    int (*fn)(const json_t *client, void *arg), void *arg,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(s, "SELECT id, unit, alg, public_key, added_at,"
	    " revoked_at FROM serve_clients ORDER BY id", e);
	if (st == NULL)
		return e->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *revoked = (const char *)sqlite3_column_text(st, 5);
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id",
		    sqlite3_column_text(st, 0), "unit",
		    sqlite3_column_text(st, 1), "alg",
		    sqlite3_column_text(st, 2), "public_key",
		    sqlite3_column_text(st, 3), "added_at",
		    sqlite3_column_text(st, 4), "revoked_at",
		    revoked ? json_string(revoked) : json_null());

		fn(o, arg);
		json_decref(o);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "clients");
	return 0;
}

/*
 * The key of a client in good standing.  0 when it may call; otherwise 1
 * with the reason: unknown, revoked, or a row the platform did not sign.
 */
int
serve_client_lookup(struct ecert_store *s, const char *id,
    struct ecert_pub *pk, char unit[19], char *why, size_t n)
{
	sqlite3_stmt *st;
	unsigned char ppk[32];
	char punit[19], nb[21], na[21], *facts;
	const char *col[8];
	int i, ok = 0, roles = 0;

	st = ecert_prepare(s, "SELECT id, unit, alg, public_key, added_at,"
	    " revoked_at, sig_key, sig FROM serve_clients WHERE id = ?", NULL);
	if (st == NULL) {
		ecert_whyf(why, n, "store: %s", ecert_store_errmsg(s));
		return 1;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		ecert_whyf(why, n, "client %s: not registered", id);
		return 1;
	}
	for (i = 0; i < 8; i++)
		col[i] = (const char *)sqlite3_column_text(st, i);
	facts = client_facts(col[0], col[1], col[2], col[3], col[4], col[5]);
	if (col[6] != NULL && col[7] != NULL &&
	    ecert_key_lookup(s, col[6], ppk, punit, nb, na) &&
	    ecert_unit_name(s, punit, nb, sizeof(nb), &roles) &&
	    (roles & ECERT_ROLE_ADMIN) &&
	    ecert_sig_ok(ppk, SERVE_DOMAIN_CLIENT, facts, strlen(facts),
	    col[7]))
		ok = 1;
	free(facts);
	if (!ok)
		ecert_whyf(why, n, "client %s: its registration is not signed by "
		    "the platform", id);
	else if (col[5] != NULL) {
		ecert_whyf(why, n, "client %s: key revoked on %s", id, col[5]);
		ok = 0;
	} else if ((strcmp(col[2], "ed25519") != 0 &&
	    strcmp(col[2], "sm2") != 0) || !ecert_pub_parse(col[2], col[3],
	    pk) || !ecert_pub_prepare(pk)) {
		ecert_pub_free(pk);
		ecert_whyf(why, n, "client %s: unusable key", id);
		ok = 0;
	} else
		snprintf(unit, 19, "%s", col[1]);
	sqlite3_finalize(st);
	return ok ? 0 : 1;
}
