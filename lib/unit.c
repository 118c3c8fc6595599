/* unit.c: units (单位), their roles and public keys, and the acting unit. */
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"

static const struct {
	const char *name;
	int bit;
} role_names[] = {
	{ "admin", ECERT_ROLE_ADMIN },
	{ "issuer", ECERT_ROLE_ISSUER },
	{ "user", ECERT_ROLE_USER },
};

int
ecert_roles_parse(const char *list, int *roles)
{
	char buf[128], *tok, *save = NULL;
	size_t i;
	int found;

	*roles = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		found = 0;
		for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
			if (strcmp(tok, role_names[i].name) == 0) {
				*roles |= role_names[i].bit;
				found = 1;
			}
		if (!found)
			return -1;
	}
	return *roles ? 0 : -1;
}

void
ecert_roles_format(int roles, char *out, size_t n)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (roles & role_names[i].bit) {
			if (out[0] != '\0')
				strncat(out, ",", n - strlen(out) - 1);
			strncat(out, role_names[i].name, n - strlen(out) - 1);
		}
}

/*
 * Runs the INSERT st of a new row named name: one there already is
 * refused with the message exists, other failures name the table what.
 */
static int
insert_new(struct ecert_store *s, sqlite3_stmt *st, const char *what,
    const char *exists, const char *name, struct ecert_error *e)
{
	int rc;

	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return ecert_fail(e, ECERT_DATAERR, exists, name);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, what);
	return 0;
}

int
ecert_unit_add(struct ecert_store *s, const char *code, const char *name,
    int roles, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char why[128];
	char now[21];
	int rc;

	if (!ecert_uscc_valid(code))
		return ecert_fail(e, ECERT_DATAERR, "unit %s: not a valid "
		    "unified social credit code: %s", code,
		    ecert_uscc_why(code, why, sizeof(why)));
	if (*name == '\0' || !ecert_utf8_valid(name, strlen(name)) ||
	    ecert_utf8_chars(name) > 100 || strpbrk(name, "\t\n\r") != NULL)
		return ecert_fail(e, ECERT_DATAERR, "unit %s: name: must be "
		    "1 to 100 characters of UTF-8 on one line", code);
	ecert_now_iso(now);
	st = ecert_prepare(s, "INSERT INTO units(code, name, roles, created_at)"
	    " VALUES (?,?,?,?)", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, code);
	ecert_bind_text(st, 2, name);
	sqlite3_bind_int(st, 3, roles);
	ecert_bind_text(st, 4, now);
	/* xgettext:c-format */
	if ((rc = insert_new(s, st, "unit", N_("unit %s: already registered"),
	    code, e)) != 0)
		return rc;
	/* signed by the acting platform (anchor.c) */
	return ecert_fact_sign_unit(s, code, name, roles, e);
}

/* Returns 1 when the unit exists. */
int
ecert_unit_name(struct ecert_store *s, const char *code, char *name,
    size_t n, int *roles)
{
	static const char sql[] = "SELECT name, roles FROM units WHERE code = ?";
	sqlite3_stmt *st;
	char nm[sizeof(s->snap.name)];
	int found = 0, r = 0, keep = 0;

	if (s->in_tx == ECERT_TX_READ && strcmp(s->snap.code, code) == 0) {
		if (name)
			snprintf(name, n, "%s", s->snap.name);
		if (roles)
			*roles = s->snap.roles;
		return 1;
	}
	st = ecert_prepare_cached(s, sql);
	if (st == NULL)
		return 0;
	ecert_bind_text(st, 1, code);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		if (name)
			snprintf(name, n, "%s", v);
		/* kept for the snapshot only when it fits whole */
		keep = s->in_tx == ECERT_TX_READ && roles != NULL &&
		    snprintf(nm, sizeof(nm), "%s", v) < (int)sizeof(nm);
		r = sqlite3_column_int(st, 1);
		found = 1;
	}
	ecert_cached_done(st);
	if (!found || roles == NULL)
		return found;
	/* roles are believed only as the platform signed them */
	if (!ecert_fact_unit_ok(s, code))
		r = 0;
	else if (keep && strlen(code) < sizeof(s->snap.code)) {
		/* one snapshot: the same answer until it ends */
		snprintf(s->snap.code, sizeof(s->snap.code), "%s", code);
		memcpy(s->snap.name, nm, sizeof(nm));
		s->snap.roles = r;
	}
	*roles = r;
	return 1;
}

int
ecert_key_register(struct ecert_store *s, const struct ecert_key *k,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	struct ecert_pub p;
	char pub[96], now[21];
	int rc;

	if (!ecert_unit_name(s, k->unit, NULL, 0, NULL))
		return ecert_fail(e, ECERT_NO, "unit %s: not registered",
		    k->unit);
	ecert_key_pub(k, &p);
	ecert_b64_encode(p.pk, p.n, pub, sizeof(pub));
	ecert_now_iso(now);
	st = ecert_prepare(s, "INSERT INTO keys(key_id, unit, alg, public_key,"
	    " not_before) VALUES (?,?,?,?,?)", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, k->key_id);
	ecert_bind_text(st, 2, k->unit);
	ecert_bind_text(st, 3, k->alg);
	ecert_bind_text(st, 4, pub);
	ecert_bind_text(st, 5, now);
	/* xgettext:c-format */
	if ((rc = insert_new(s, st, "key", N_("key %s: already registered"),
	    k->key_id, e)) != 0)
		return rc;
	/* signed by the platform, or by the unit's own current key */
	return ecert_fact_sign_key(s, k->key_id, e);
}

int
ecert_key_parse_pub(const char *b64, unsigned char pk[32])
{
	size_t len;

	return b64 != NULL && ecert_b64_decode(b64, pk, 32, &len) == 0 &&
	    len == 32;
}

/* An Ed25519 key only: see ecert_key_lookup_pub for either algorithm. */
int
ecert_key_lookup(struct ecert_store *s, const char *key_id,
    unsigned char pk[32], char *unit, char *not_before, char *not_after)
{
	struct ecert_pub p;

	if (!ecert_key_lookup_pub(s, key_id, &p, unit, not_before,
	    not_after) || p.alg != ECERT_ALG_ED25519)
		return 0;
	memcpy(pk, p.pk, 32);
	return 1;
}

/* The key found sound earlier in the same snapshot. */
static int
snap_key(const struct ecert_store *s, struct ecert_pub *p, char *unit,
    char *not_before, char *not_after)
{
	*p = s->snap.p;
	if (unit)
		memcpy(unit, s->snap.unit, sizeof(s->snap.unit));
	if (not_before)
		memcpy(not_before, s->snap.nb, sizeof(s->snap.nb));
	if (not_after)
		memcpy(not_after, s->snap.na, sizeof(s->snap.na));
	return 1;
}

/* Returns 1 when found; not_after is "" for a current key. */
int
ecert_key_lookup_pub(struct ecert_store *s, const char *key_id,
    struct ecert_pub *p, char *unit, char *not_before, char *not_after)
{
	sqlite3_stmt *st;
	int found = 0;

	static const char sql[] = "SELECT unit, public_key, not_before,"
	    " coalesce(not_after, ''), alg FROM keys WHERE key_id = ?";

	memset(p, 0, sizeof(*p));
	if (s->in_tx == ECERT_TX_READ && strcmp(s->snap.key_id, key_id) == 0)
		return snap_key(s, p, unit, not_before, not_after);
	st = ecert_prepare_cached(s, sql);
	if (st == NULL)
		return 0;
	ecert_bind_text(st, 1, key_id);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    ecert_pub_parse((const char *)sqlite3_column_text(st, 4),
	    (const char *)sqlite3_column_text(st, 1), p)) {
		if (unit)
			snprintf(unit, 19, "%s",
			    (const char *)sqlite3_column_text(st, 0));
		if (not_before)
			snprintf(not_before, 21, "%s",
			    (const char *)sqlite3_column_text(st, 2));
		if (not_after)
			snprintf(not_after, 21, "%s",
			    (const char *)sqlite3_column_text(st, 3));
		found = 1;
	}
	ecert_cached_done(st);
	/* a key is believed only as the platform signed it (anchor.c) */
	if (found && !ecert_fact_key_ok(s, key_id))
		found = 0;
	if (found && unit && not_before && not_after &&
	    s->in_tx == ECERT_TX_READ &&
	    strlen(key_id) < sizeof(s->snap.key_id)) {
		/* one snapshot: the same answer until it ends */
		snprintf(s->snap.key_id, sizeof(s->snap.key_id), "%s", key_id);
		s->snap.p = *p;
		memcpy(s->snap.unit, unit, sizeof(s->snap.unit));
		memcpy(s->snap.nb, not_before, sizeof(s->snap.nb));
		memcpy(s->snap.na, not_after, sizeof(s->snap.na));
	}
	return found;
}

/*
 * The acting unit is the one whose current key opens with the
 * passphrase: holding the key file is how a unit proves who it is.
 */
int
ecert_actor_load(struct ecert_store *s, const char *keyfile,
    const char *passfile, struct ecert_actor *a, struct ecert_error *e)
{
	struct ecert_pub pk, mine;
	char pass[256], unit[19], nb[21], na[21], why[256];
	int rc, found;

	memset(a, 0, sizeof(*a));
	if (keyfile == NULL || *keyfile == '\0')
		keyfile = getenv("ECERT_KEY");
	if (keyfile == NULL || *keyfile == '\0')
		return ecert_fail(e, ECERT_USAGE, "no key: give -k KEYFILE or "
		    "set ECERT_KEY");
	if ((rc = ecert_passphrase(passfile, "passphrase: ", 0, pass,
	    sizeof(pass), e)) != 0)
		return rc;
	rc = ecert_key_read(keyfile, pass, &a->key, e);
	sodium_memzero(pass, sizeof(pass));
	if (rc != 0) {
		ecert_audit(s, "", "key.open", keyfile, "denied", e->msg);
		return rc;
	}
	ecert_key_pub(&a->key, &mine);
	found = ecert_key_lookup_pub(s, a->key.key_id, &pk, unit, nb, na);
	if (!found && ecert_fact_key_tampered(a->key.key_id, why,
	    sizeof(why))) {
		/* its row or retirement is not as signed (anchor.c) */
		ecert_audit(s, a->key.unit, "key.open", a->key.key_id, "denied",
		    why);
		ecert_key_wipe(&a->key);
		return ecert_fail(e, ECERT_NO, "key %s: tampered: %s", keyfile,
		    why);
	}
	if (!found || pk.alg != mine.alg || pk.n != mine.n ||
	    memcmp(pk.pk, mine.pk, pk.n) != 0 ||
	    strcmp(unit, a->key.unit) != 0) {
		ecert_audit(s, a->key.unit, "key.open", a->key.key_id, "denied",
		    "key not registered in this store");
		ecert_key_wipe(&a->key);
		return ecert_fail(e, ECERT_NOPERM, "key %s: not registered in "
		    "store %s", keyfile, s->path);
	}
	if (na[0] != '\0') {
		ecert_audit(s, unit, "key.open", a->key.key_id, "denied",
		    "key retired");
		ecert_key_wipe(&a->key);
		return ecert_fail(e, ECERT_NOPERM, "key %s: retired on %s; use"
		    " the unit's current key", keyfile, na);
	}
	snprintf(a->unit, sizeof(a->unit), "%s", unit);
	ecert_unit_name(s, unit, a->name, sizeof(a->name), &a->roles);
	ecert_facts_signer(a);
	return 0;
}

json_t *
ecert_key_export(struct ecert_store *s, const char *unit)
{
	sqlite3_stmt *st;
	json_t *list = json_array();

	st = ecert_prepare(s, "SELECT k.key_id, k.unit, u.name, k.alg,"
	    " k.public_key, k.not_before, k.not_after, u.roles FROM keys k"
	    " JOIN units u ON u.code = k.unit"
	    " WHERE ?1 IS NULL OR k.unit = ?1 ORDER BY k.unit, k.not_before",
	    NULL);
	if (st == NULL)
		return list;
	ecert_bind_text(st, 1, unit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *k;

		/* only keys the platform signed are trusted outside */
		if (!ecert_fact_key_ok(s, (const char *)sqlite3_column_text(st,
		    0)))
			continue;
		k = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
		    "key_id", sqlite3_column_text(st, 0),
		    "unit", sqlite3_column_text(st, 1),
		    "unit_name", sqlite3_column_text(st, 2),
		    "alg", sqlite3_column_text(st, 3),
		    "public_key", sqlite3_column_text(st, 4),
		    "not_before", sqlite3_column_text(st, 5));
		if (sqlite3_column_type(st, 6) == SQLITE_NULL)
			json_object_set_new(k, "not_after", json_null());
		else
			json_object_set_new(k, "not_after", json_string(
			    (const char *)sqlite3_column_text(st, 6)));
		json_object_set_new(k, "admin", json_boolean(
		    sqlite3_column_int(st, 7) & ECERT_ROLE_ADMIN));
		json_array_append_new(list, k);
	}
	sqlite3_finalize(st);
	return list;
}

/* Every unit, in code order, with its roles and how many keys it has in
 * force. */
int
ecert_unit_each(struct ecert_store *s,
    int (*fn)(const struct ecert_unit_row *r, void *arg), void *arg,
    struct ecert_error *e)
{
	struct ecert_unit_row r;
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(s, "SELECT u.code, u.name, u.roles,"
	    " (SELECT count(*) FROM keys k WHERE k.unit = u.code"
	    "  AND k.not_after IS NULL) FROM units u ORDER BY u.code", e);
	if (st == NULL)
		return e->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.code = (const char *)sqlite3_column_text(st, 0);
		r.name = (const char *)sqlite3_column_text(st, 1);
		r.roles = sqlite3_column_int(st, 2);
		r.keys = sqlite3_column_int(st, 3);
		if (fn(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ecert_sql_fail(s, e, rc, "units");
}
