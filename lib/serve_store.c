/*
 * serve_store.c: what ecert-serve asks of the store beyond the verbs the
 * other programs use.  First the systems that call it: each registered by
 * the platform to one unit with its own Ed25519 or SM2 request key (the
 * key as the trust list gives a unit's: 32 bytes, or SM2's 65-byte point
 * 04||x||y, in base64); the row is signed by the platform key, so that a
 * row written by other means (or a revocation undone with sqlite3) is
 * refused, not believed.  Then the few facts its routes read.
 */
#include <string.h>

#include "ecert_priv.h"

#define CLIENT_DOMAIN "ecert-serve-client-v1"

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

/* The platform's signature over the facts, which it frees. */
static void
client_sign(const struct ecert_actor *a, char *facts, char sig[89])
{
	ecert_sign(&a->key, CLIENT_DOMAIN, facts, strlen(facts), sig);
	free(facts);
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

/* A new client's id, algorithm, key and unit. */
static int
client_check(struct ecert_store *s, const char *id, const char *unit,
    const char *alg, const char *pubkey_b64, struct ecert_error *e)
{
	struct ecert_pub pk;
	char name[256];
	int roles, good;

	if (!client_id_valid(id))
		return ecert_fail(e, ECERT_DATAERR, "client %s: an id is 1 to 64 "
		    "letters, digits, '-', '_' or '.'", id);
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
	return 0;
}

/* Client id's row written, its n text columns bound in order. */
static int
client_write(struct ecert_store *s, const char *sql, const char *const *v,
    int n, const char *id, struct ecert_error *e)
{
	sqlite3_stmt *st;
	int i, rc;

	if ((st = ecert_prepare(s, sql, e)) == NULL)
		return e->status;
	for (i = 0; i < n; i++)
		ecert_bind_text(st, i + 1, v[i]);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    rc == SQLITE_CONSTRAINT_UNIQUE)
		return ecert_fail(e, ECERT_NO, "client %s: the id or the key "
		    "is already registered", id);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "client");
	return 0;
}

int
ecert_client_add(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *unit, const char *alg,
    const char *pubkey_b64, struct ecert_error *e)
{
	char now[21], name[256], sig[89];
	const char *row[7];
	int rc;

	if ((rc = need_platform(s, a, "client.add", id, e)) != 0)
		return rc;
	if (alg == NULL)
		alg = "ed25519";
	if ((rc = client_check(s, id, unit, alg, pubkey_b64, e)) != 0)
		return rc;
	ecert_clock_iso(now);
	client_sign(a, client_facts(id, unit, alg, pubkey_b64, now, NULL),
	    sig);
	if ((rc = ecert_begin(s, e)) != 0)
		return rc;
	row[0] = id, row[1] = unit, row[2] = pubkey_b64, row[3] = now;
	row[4] = a->key.key_id, row[5] = sig, row[6] = alg;
	if ((rc = client_write(s, "INSERT INTO serve_clients(id, unit,"
	    " public_key, added_at, sig_key, sig, alg) VALUES (?, ?, ?, ?, ?,"
	    " ?, ?)", row, 7, id, e)) != 0) {
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

/* The platform's signature over client id's row as revoked now;
 * ECERT_NO when there is no such row in good standing. */
static int
sign_revocation(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *now, char sig[89], struct ecert_error *e)
{
	sqlite3_stmt *st;
	char *facts = NULL;

	st = ecert_prepare(s, "SELECT unit, alg, public_key, added_at,"
	    " revoked_at FROM serve_clients WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 4) == SQLITE_NULL)
		facts = client_facts(id, (const char *)sqlite3_column_text(st,
		    0), (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), now);
	sqlite3_finalize(st);
	if (facts == NULL)
		return ecert_fail(e, ECERT_NO, "client %s: not registered, or "
		    "already revoked", id);
	client_sign(a, facts, sig);
	return 0;
}

int
ecert_client_revoke(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, struct ecert_error *e)
{
	char now[21], sig[89];
	const char *row[4];
	int rc;

	if ((rc = need_platform(s, a, "client.revoke", id, e)) != 0)
		return rc;
	if ((rc = ecert_begin(s, e)) != 0)
		return rc;
	ecert_clock_iso(now);
	if ((rc = sign_revocation(s, a, id, now, sig, e)) != 0) {
		ecert_rollback(s);
		if (rc == ECERT_NO)
			ecert_audit_refusal(s, a->unit, "client.revoke", id, e);
		return rc;
	}
	row[0] = now, row[1] = a->key.key_id, row[2] = sig, row[3] = id;
	if ((rc = client_write(s, "UPDATE serve_clients SET revoked_at = ?,"
	    " sig_key = ?, sig = ? WHERE id = ?", row, 4, id, e)) != 0) {
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
ecert_client_list(struct ecert_store *s,
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

/* The row (id, unit, alg, public_key, added_at, revoked_at, sig_key, sig)
 * as signed by a key of the platform's unit. */
static int
client_row_signed(struct ecert_store *s, const char *const col[8])
{
	unsigned char ppk[32];
	char punit[19], nb[21], na[21], *facts;
	int ok, roles = 0;

	if (col[6] == NULL || col[7] == NULL)
		return 0;
	facts = client_facts(col[0], col[1], col[2], col[3], col[4], col[5]);
	ok = ecert_key_lookup(s, col[6], ppk, punit, nb, na) &&
	    ecert_unit_name(s, punit, nb, sizeof(nb), &roles) &&
	    (roles & ECERT_ROLE_ADMIN) &&
	    ecert_sig_ok(ppk, CLIENT_DOMAIN, facts, strlen(facts), col[7]);
	free(facts);
	return ok;
}

/*
 * The key of a client in good standing.  0 when it may call; otherwise 1
 * with the reason: unknown, revoked, or a row the platform did not sign.
 */
int
ecert_client_lookup(struct ecert_store *s, const char *id,
    struct ecert_pub *pk, char unit[19], char *why, size_t n)
{
	sqlite3_stmt *st;
	const char *col[8];
	int i, ok = 0;

	st = ecert_prepare(s, "SELECT id, unit, alg, public_key, added_at,"
	    " revoked_at, sig_key, sig FROM serve_clients WHERE id = ?", NULL);
	if (st == NULL) {
		ecert_whyf(why, n, "store: %s", ecert_store_errmsg(s));
		return 1;
	}
	ecert_bind_text(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		ecert_whyf(why, n, "client %s: not registered", id);
		return 1;
	}
	for (i = 0; i < 8; i++)
		col[i] = (const char *)sqlite3_column_text(st, i);
	if (!client_row_signed(s, col))
		ecert_whyf(why, n, "client %s: its registration is not signed by "
		    "the platform", id);
	else if (col[5] != NULL)
		ecert_whyf(why, n, "client %s: key revoked on %s", id, col[5]);
	else if ((strcmp(col[2], "ed25519") != 0 &&
	    strcmp(col[2], "sm2") != 0) || !ecert_pub_parse(col[2], col[3],
	    pk) || !ecert_pub_prepare(pk)) {
		ecert_pub_free(pk);
		ecert_whyf(why, n, "client %s: unusable key", id);
	} else {
		snprintf(unit, 19, "%s", col[1]);
		ok = 1;
	}
	sqlite3_finalize(st);
	return ok ? 0 : 1;
}

/* 0 when license id is in the store; ECERT_NO when it is not. */
int
ecert_license_exists(struct ecert_store *s, const char *id,
    struct ecert_error *e)
{
	sqlite3_stmt *st = ecert_prepare(s, "SELECT 1 FROM licenses WHERE"
	    " id = ?", e);
	int rc;

	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return ecert_fail(e, ECERT_NO, "%s: no such license", id);
	return ecert_sql_fail(s, e, rc, "license");
}

/*
 * Why a check found no valid license of the type: the holder's latest
 * that lapsed, "suspended", "revoked" or "expired"; else "not found".
 */
const char *
ecert_holder_lapsed(struct ecert_store *s, const char *holder_id,
    const char *type)
{
	static const char *words[] = { "suspended", "revoked", "expired" };
	sqlite3_stmt *st;
	char hh[65];
	const char *found = "not found";
	int i;

	ecert_pii_hash(s, holder_id, hh);
	st = ecert_prepare(s, "SELECT status FROM licenses WHERE holder_hash"
	    " = ? AND type = ? AND status IN ('suspended', 'revoked',"
	    " 'expired') ORDER BY created_at DESC, version DESC LIMIT 1",
	    NULL);
	if (st == NULL)
		return found;
	ecert_bind_text(st, 1, hh);
	ecert_bind_text(st, 2, type);
	if (sqlite3_step(st) == SQLITE_ROW)
		for (i = 0; i < 3; i++)
			if (strcmp((const char *)sqlite3_column_text(st, 0),
			    words[i]) == 0)
				found = words[i];
	sqlite3_finalize(st);
	return found;
}

/* 0 when the store answers a read (a health check). */
int
ecert_store_ready(struct ecert_store *s, struct ecert_error *e)
{
	return ecert_exec(s, "SELECT 1 FROM meta LIMIT 1", e);
}
