/*
 * grant.c: authorized use (articles 12, 13, 15).  A using unit sees a
 * holder's licenses only under a grant that covers that unit (or that
 * agent), that holder, that license or type, that matter, and now.  A
 * grant is signed by its grantor and checked again at every use, so a
 * grant row written into the store by other means grants nothing.
 */
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"

/* A date alone means the start of that day (from) or its end (until). */
int
ecert_time_arg(const char *arg, int end, char out[21])
{
	struct tm tm;
	char *rest;

	if (ecert_date_valid(arg)) {
		snprintf(out, 21, "%sT%s", arg, end ? "23:59:59Z" :
		    "00:00:00Z");
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	rest = strptime(arg, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (rest == NULL || *rest != '\0' || strlen(arg) != 20)
		return -1;
	snprintf(out, 21, "%s", arg);
	return 0;
}

static json_t *
list_arg(const char *csv)
{
	json_t *a = json_array();
	char *copy, *tok, *save = NULL;

	if (csv == NULL)
		return a;
	copy = ecert_xstrdup(csv);
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(tok));
	free(copy);
	return a;
}

/* What the grantor signs: everything that decides what the grant
 * allows, with ID numbers as their keyed hashes. */
static char *
grant_message(const json_t *g)
{
	static const char *fields[] = { "id", "kind", "grantor", "holder_name",
	    "holder_hash", "grantee", "agent_name", "agent_hash", "types",
	    "licenses", "matter", "not_before", "not_after", "max_uses",
	    "created_at", NULL };
	json_t *m = json_object();
	char *canon;
	int i;

	for (i = 0; fields[i] != NULL; i++) {
		json_t *v = json_object_get(g, fields[i]);
		json_object_set(m, fields[i], v ? v : json_null());
	}
	canon = ecert_json_canonical(m);
	json_decref(m);
	return canon;
}

/*
 * The state's counter (schema 9) only grows: it is the number of the
 * grant's changes the audit log records, this one included, so an old
 * (uses, state) pair put back has a lower one than the log (article 23).
 * States signed before it (counter 0) carry none.
 */
static char *
state_message(long long id, json_int_t uses, const char *withdrawn_at,
    const char *withdrawn_by, const char *reason, json_int_t seq)
{
	json_t *m = json_pack("{s:I, s:I, s:s?, s:s?, s:s?}", "grant",
	    (json_int_t)id, "uses", uses, "withdrawn_at", withdrawn_at,
	    "withdrawn_by", withdrawn_by, "withdrawn_reason", reason);
	char *canon;

	if (seq > 0)
		json_object_set_new(m, "seq", json_integer(seq));
	canon = ecert_json_canonical(m);

	json_decref(m);
	return canon;
}

#define GRANT_CHANGES "'grant.add','grant.use','grant.withdraw'"

/* Signs and writes the grant's state as it now stands in the row. */
static int
sign_state(struct ecert_store *s, const struct ecert_actor *a, long long id,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char sig[89], obj[32], *m = NULL;
	long seq;

	/* this change's audit entry follows it in the same transaction */
	snprintf(obj, sizeof(obj), "grant %lld", id);
	if ((seq = ecert_facts_audited(s, obj, GRANT_CHANGES)) < 0)
		return ecert_fail(e, ECERT_IOERR, "grant %lld: the audit log "
		    "cannot be read", id);
	seq++;
	st = ecert_prepare(s, "SELECT uses, withdrawn_at, withdrawn_by,"
	    " withdrawn_reason FROM grants WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		m = state_message(id, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), seq);
	sqlite3_finalize(st);
	if (m == NULL)
		return ecert_fail(e, ECERT_IOERR, "grant %lld: vanished", id);
	ecert_sign(&a->key, ECERT_DOMAIN_GRANT_STATE, m, strlen(m), sig);
	free(m);
	st = ecert_prepare(s, "UPDATE grants SET state_key = ?, state_sig = ?,"
	    " state_seq = ? WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, a->key.key_id);
	ecert_bind_text(st, 2, sig);
	sqlite3_bind_int64(st, 3, seq);
	sqlite3_bind_int64(st, 4, id);
	return ecert_step_once(s, st, "grant", e);
}

/* The grant's parties, holder and period are sound; from and until get
 * the period in full. */
static int
grant_check_spec(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_grant_spec *g, const char *now, char from[21],
    char until[21], struct ecert_error *e)
{
	if (!(a->roles & (ECERT_ROLE_ADMIN | ECERT_ROLE_ISSUER)))
		return ecert_fail(e, ECERT_NOPERM, "unit %s may not grant: "
		    "grants come from the holder (through the platform), the "
		    "issuing unit or the administration", a->unit);
	if (g->holder_id == NULL || g->holder == NULL || g->matter == NULL ||
	    g->until == NULL || (g->grantee == NULL) == (g->agent_id == NULL))
		return ecert_fail(e, ECERT_USAGE, "a grant needs --holder, "
		    "--holder-id, --matter, --until and either --grantee or "
		    "--agent-id");
	if (!ecert_uscc_valid(g->holder_id) &&
	    !ecert_citizen_id_valid(g->holder_id))
		return ecert_fail(e, ECERT_DATAERR, "--holder-id: neither a "
		    "unified social credit code nor a citizen ID number");
	if (g->grantee != NULL && (!ecert_unit_name(s, g->grantee, NULL, 0,
	    NULL)))
		return ecert_fail(e, ECERT_DATAERR, "--grantee %s: not a "
		    "registered unit", g->grantee);
	if (g->agent_id != NULL && (g->agent == NULL ||
	    !ecert_citizen_id_valid(g->agent_id)))
		return ecert_fail(e, ECERT_DATAERR, "--agent-id: a delegation "
		    "needs the agent's name and a valid citizen ID number");
	if (ecert_time_arg(g->from ? g->from : now, 0, from) != 0 ||
	    ecert_time_arg(g->until, 1, until) != 0)
		return ecert_fail(e, ECERT_DATAERR, "--from, --until: "
		    "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
	if (strcmp(until, from) <= 0)
		return ecert_fail(e, ECERT_DATAERR, "--until %s: not after "
		    "--from %s", until, from);
	return 0;
}

/* An issuing unit grants only what it issues: each type is its own,
 * each license its own and the holder's. */
static int
grant_check_scope(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_grant_spec *g, const json_t *types,
    const json_t *licenses, struct ecert_error *e)
{
	const json_t *t;
	char idv[160], hh[65];
	sqlite3_stmt *q;
	size_t i;
	int rc, found, mine;

	if (json_array_size(types) == 0 && json_array_size(licenses) == 0)
		return ecert_fail(e, ECERT_USAGE, "a grant names the license "
		    "types (--type) or the licenses (--license) it covers");
	json_array_foreach(types, i, t) {
		json_t *type = ecert_catalog_get(s, json_string_value(t));

		if (type == NULL)
			return ecert_fail(e, ECERT_DATAERR, "--type %s: not "
			    "in the catalog", json_string_value(t));
		rc = !(a->roles & ECERT_ROLE_ADMIN) && strcmp(ecert_json_str(
		    type, "issuer"), a->unit) != 0;
		json_decref(type);
		if (rc)
			return ecert_fail(e, ECERT_NOPERM, "unit %s may not "
			    "grant use of type %s: it does not issue it",
			    a->unit, json_string_value(t));
	}
	ecert_pii_hash(s, g->holder_id, hh);
	json_array_foreach(licenses, i, t) {
		if (ecert_id_from_line(json_string_value(t),
		    strlen(json_string_value(t)), idv, sizeof(idv), e) != 0)
			return e->status;
		if ((q = ecert_prepare(s, "SELECT issuer, holder_hash FROM"
		    " licenses WHERE id = ?", e)) == NULL)
			return e->status;
		ecert_bind_text(q, 1, idv);
		found = mine = 0;
		if (sqlite3_step(q) == SQLITE_ROW) {
			found = strcmp((const char *)sqlite3_column_text(q, 1),
			    hh) == 0;
			mine = strcmp((const char *)sqlite3_column_text(q, 0),
			    a->unit) == 0;
		}
		sqlite3_finalize(q);
		if (!found)
			return ecert_fail(e, ECERT_DATAERR, "--license %s: no "
			    "such license of this holder", idv);
		if (!mine && !(a->roles & ECERT_ROLE_ADMIN))
			return ecert_fail(e, ECERT_NOPERM, "unit %s may not "
			    "grant use of %s: it did not issue it", a->unit,
			    idv);
	}
	return 0;
}

/* The grant's row, unsigned yet; *id gets its number. */
static int
grant_insert(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_grant_spec *g, const json_t *o, const char *sealed,
    size_t sealedn, long long *id, struct ecert_error *e)
{
	char *tj = json_dumps(json_object_get(o, "types"), JSON_COMPACT);
	char *lj = json_dumps(json_object_get(o, "licenses"), JSON_COMPACT);
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(s, "INSERT INTO grants(kind, grantor, holder_name,"
	    " holder_hash, grantee, agent_name, agent_hash, agent_sealed,"
	    " types, licenses, matter, not_before, not_after, max_uses,"
	    " created_at, os_user, key_id, signature)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", e);
	if (st == NULL) {
		free(tj);
		free(lj);
		return e->status;
	}
	ecert_bind_text(st, 1, ecert_json_str(o, "kind"));
	ecert_bind_text(st, 2, a->unit);
	ecert_bind_text(st, 3, g->holder);
	ecert_bind_text(st, 4, ecert_json_str(o, "holder_hash"));
	ecert_bind_text(st, 5, g->grantee);
	ecert_bind_text(st, 6, g->agent);
	ecert_bind_text(st, 7, ecert_json_str(o, "agent_hash"));
	if (sealed != NULL)
		sqlite3_bind_blob(st, 8, sealed, (int)sealedn,
		    SQLITE_TRANSIENT);
	ecert_bind_text(st, 9, tj);
	ecert_bind_text(st, 10, lj);
	ecert_bind_text(st, 11, g->matter);
	ecert_bind_text(st, 12, ecert_json_str(o, "not_before"));
	ecert_bind_text(st, 13, ecert_json_str(o, "not_after"));
	if (g->max_uses > 0)
		sqlite3_bind_int64(st, 14, g->max_uses);
	ecert_bind_text(st, 15, ecert_json_str(o, "created_at"));
	ecert_bind_text(st, 16, s->os_user);
	ecert_bind_text(st, 17, a->key.key_id);
	ecert_bind_text(st, 18, "");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(tj);
	free(lj);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "grant");
	*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* The grant's own number is signed too: a copied row is no grant. */
static int
grant_sign(struct ecert_store *s, const struct ecert_actor *a, json_t *o,
    long long id, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char sig[89], *msg;
	int rc;

	json_object_set_new(o, "id", json_integer(id));
	msg = grant_message(o);
	ecert_sign(&a->key, ECERT_DOMAIN_GRANT, msg, strlen(msg), sig);
	free(msg);
	st = ecert_prepare(s, "UPDATE grants SET signature = ? WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, sig);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = ecert_step_once(s, st, "grant", e)) != 0)
		return rc;
	return sign_state(s, a, id, e);
}

int
ecert_grant_add(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_grant_spec *g, long long *id, struct ecert_error *e)
{
	json_t *o = NULL, *types = list_arg(g->types);
	json_t *licenses = list_arg(g->licenses);
	char hh[65], ah[65], from[21], until[21], now[21];
	char obj[32], detail[200], *sealed = NULL;
	size_t sealedn = 0;
	int rc;

	ecert_now_iso(now);
	if ((rc = grant_check_spec(s, a, g, now, from, until, e)) != 0 ||
	    (rc = grant_check_scope(s, a, g, types, licenses, e)) != 0)
		goto out;
	ecert_pii_hash(s, g->holder_id, hh);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:O, s:O, s:s, s:s,"
	    " s:s, s:s}", "kind", g->grantee ? "authorize" : "delegate",
	    "grantor", a->unit, "holder_name", g->holder, "holder_hash", hh,
	    "grantee", g->grantee, "agent_name", g->agent, "types", types,
	    "licenses", licenses, "matter", g->matter, "not_before", from,
	    "not_after", until, "created_at", now);
	if (g->agent_id != NULL) {
		ecert_pii_hash(s, g->agent_id, ah);
		json_object_set_new(o, "agent_hash", json_string(ah));
		sealed = ecert_pii_seal(s, g->agent_id, strlen(g->agent_id),
		    &sealedn);
	}
	json_object_set_new(o, "max_uses", g->max_uses > 0 ?
	    json_integer(g->max_uses) : json_null());
	if ((rc = grant_insert(s, a, g, o, sealed, sealedn, id, e)) != 0 ||
	    (rc = grant_sign(s, a, o, *id, e)) != 0)
		goto out;
	snprintf(obj, sizeof(obj), "grant %lld", *id);
	snprintf(detail, sizeof(detail), "%s %s for matter %s",
	    g->grantee ? "authorize" : "delegate", g->grantee ?
	    g->grantee : "agent", g->matter);
	rc = ecert_audit(s, a->unit, "grant.add", obj, "ok", detail);
out:
	json_decref(o);
	free(sealed);
	json_decref(types);
	json_decref(licenses);
	return rc;
}

/* The first 20 columns of a grant row as JSON; types and licenses are
 * lists. */
static json_t *
grant_json(sqlite3_stmt *st)
{
	static const char *names[] = { "id", "kind", "grantor",
	    "holder_name", "holder_hash", "grantee", "agent_name",
	    "agent_hash", "types", "licenses", "matter", "not_before",
	    "not_after", "max_uses", "uses", "created_at", "withdrawn_at",
	    "withdrawn_reason", "key_id", "signature" };
	json_t *g = json_object();
	int i;

	for (i = 0; i < 20; i++) {
		json_t *v;

		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			v = json_null();
			break;
		case SQLITE_INTEGER:
			v = json_integer(sqlite3_column_int64(st, i));
			break;
		default:
			v = json_string((const char *)sqlite3_column_text(st,
			    i));
		}
		if (i == 8 || i == 9) {
			json_t *list = json_loads(json_string_value(v), 0,
			    NULL);
			json_decref(v);
			v = list ? list : json_array();
		}
		json_object_set_new(g, names[i], v);
	}
	return g;
}

/* The grant itself is as its grantor signed it. */
static int
grant_body_ok(struct ecert_store *s, const json_t *g)
{
	struct ecert_pub pk;
	char unit[19], *msg;
	int ok;

	msg = grant_message(g);
	ok = msg != NULL && ecert_key_lookup_pub(s, ecert_json_str(g,
	    "key_id"), &pk, unit, NULL, NULL) && strcmp(unit,
	    ecert_json_str(g, "grantor")) == 0 && ecert_verify(&pk,
	    ECERT_DOMAIN_GRANT, msg, strlen(msg), ecert_json_str(g,
	    "signature"));
	free(msg);
	return ok;
}

/*
 * Its state, signed by the grantor, the grantee, the platform or (for a
 * delegation) the using unit that last changed it; a state older than
 * the audit log says was put back, and is marked "tampered" in g.
 */
static int
grant_state_ok(struct ecert_store *s, sqlite3_stmt *st, json_t *g)
{
	const char *skey = (const char *)sqlite3_column_text(st, 21);
	const char *ssig = (const char *)sqlite3_column_text(st, 22);
	json_int_t seq = sqlite3_column_int64(st, 23);
	struct ecert_pub pk;
	char unit[19], obj[32], why[200], *msg;
	long audited;
	int ok, roles = 0;

	msg = state_message(json_integer_value(json_object_get(g, "id")),
	    json_integer_value(json_object_get(g, "uses")),
	    ecert_json_str(g, "withdrawn_at"),
	    (const char *)sqlite3_column_text(st, 20),
	    ecert_json_str(g, "withdrawn_reason"), seq);
	ok = skey != NULL && ssig != NULL && msg != NULL &&
	    ecert_key_lookup_pub(s, skey, &pk, unit, NULL, NULL) &&
	    ecert_unit_name(s, unit, NULL, 0, &roles) &&
	    (strcmp(unit, ecert_json_str(g, "grantor")) == 0 ||
	    (ecert_json_str(g, "grantee") && strcmp(unit,
	    ecert_json_str(g, "grantee")) == 0) ||
	    (roles & ECERT_ROLE_ADMIN) || (json_is_null(
	    json_object_get(g, "grantee")) && (roles &
	    ECERT_ROLE_USER))) && ecert_verify(&pk,
	    ECERT_DOMAIN_GRANT_STATE, msg, strlen(msg), ssig);
	free(msg);
	if (!ok || seq <= 0)
		return ok;
	snprintf(obj, sizeof(obj), "grant %" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(g, "id")));
	audited = ecert_facts_audited(s, obj, GRANT_CHANGES);
	if (audited == seq)
		return 1;
	snprintf(why, sizeof(why), "its signed state is change %"
	    JSON_INTEGER_FORMAT ", the audit log records %ld: an old state "
	    "put back", seq, audited);
	json_object_set_new(g, "tampered", json_string(why));
	ecert_facts_tampered(s, obj, why);
	return 0;
}

/* A grant row as JSON (no ID numbers), with its signatures checked. */
static json_t *
grant_row(struct ecert_store *s, sqlite3_stmt *st, int *signed_ok)
{
	json_t *g = grant_json(st);

	*signed_ok = grant_body_ok(s, g) && grant_state_ok(s, st, g);
	json_object_del(g, "signature");
	return g;
}

#define GRANT_COLUMNS "id, kind, grantor, holder_name, holder_hash, grantee," \
    " agent_name, agent_hash, types, licenses, matter, not_before," \
    " not_after, max_uses, uses, created_at, withdrawn_at," \
    " withdrawn_reason, key_id, signature, withdrawn_by, state_key," \
    " state_sig, state_seq"

int
ecert_grant_list(struct ecert_store *s, long long id, const char *holder_id,
    const char *grantee, int active_only,
    int (*fn)(const json_t *grant, void *arg), void *arg,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char hh[65], now[21];
	int rc, ok;

	if (holder_id != NULL)
		ecert_pii_hash(s, holder_id, hh);
	ecert_now_iso(now);
	st = ecert_prepare(s, "SELECT " GRANT_COLUMNS " FROM grants"
	    " WHERE (?1 IS NULL OR holder_hash = ?1)"
	    " AND (?2 IS NULL OR grantee = ?2)"
	    " AND (?3 = 0 OR (withdrawn_at IS NULL AND not_before <= ?4"
	    "  AND not_after >= ?4 AND (max_uses IS NULL OR uses < max_uses)))"
	    " AND (?5 = 0 OR id = ?5) ORDER BY id", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, holder_id ? hh : NULL);
	ecert_bind_text(st, 2, grantee);
	sqlite3_bind_int(st, 3, active_only);
	ecert_bind_text(st, 4, now);
	sqlite3_bind_int64(st, 5, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *g = grant_row(s, st, &ok);

		json_object_set_new(g, "signature_ok", json_boolean(ok));
		json_object_del(g, "holder_hash");
		json_object_del(g, "agent_hash");
		fn(g, arg);
		json_decref(g);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "grant");
	return 0;
}

int
ecert_grant_withdraw(struct ecert_store *s, const struct ecert_actor *a,
    long long id, const char *reason, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char grantor[19] = "", withdrawn[32] = "", now[21], obj[32];
	int rc;

	if (reason == NULL || *reason == '\0')
		return ecert_fail(e, ECERT_USAGE, "withdraw: a reason is "
		    "required");
	st = ecert_prepare(s, "SELECT grantor, coalesce(withdrawn_at, '')"
	    " FROM grants WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(grantor, sizeof(grantor), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		snprintf(withdrawn, sizeof(withdrawn), "%s",
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return ecert_fail(e, ECERT_NO, "grant %lld: not found", id);
	if (strcmp(grantor, a->unit) != 0 && !(a->roles & ECERT_ROLE_ADMIN))
		return ecert_fail(e, ECERT_NOPERM, "grant %lld: made by %s; "
		    "only it or the administration may withdraw it", id,
		    grantor);
	if (withdrawn[0] != '\0')
		return ecert_fail(e, ECERT_NO, "grant %lld: already withdrawn "
		    "on %s", id, withdrawn);
	ecert_now_iso(now);
	st = ecert_prepare(s, "UPDATE grants SET withdrawn_at = ?,"
	    " withdrawn_by = ?, withdrawn_reason = ? WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, now);
	ecert_bind_text(st, 2, a->unit);
	ecert_bind_text(st, 3, reason);
	sqlite3_bind_int64(st, 4, id);
	if ((rc = ecert_step_once(s, st, "grant", e)) != 0)
		return rc;
	if ((rc = sign_state(s, a, id, e)) != 0)
		return rc;
	snprintf(obj, sizeof(obj), "grant %lld", id);
	return ecert_audit(s, a->unit, "grant.withdraw", obj, "ok", reason);
}

static int
list_has(const json_t *list, const char *v)
{
	size_t i;
	const json_t *x;

	json_array_foreach(list, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), v) == 0)
			return 1;
	return 0;
}

/* A license type is covered by the grant's types, or by a license it
 * names (the type is the sixth part of the identifier). */
static int
covers_type(const json_t *types, const json_t *lics, const char *type)
{
	const json_t *l;
	size_t i, tl = strlen(type);

	if (list_has(types, type))
		return 1;
	json_array_foreach(lics, i, l) {
		const char *id = json_string_value(l);
		if (id != NULL && strlen(id) > 15 + tl &&
		    strncmp(id + 15, type, tl) == 0 && id[15 + tl] == '.')
			return 1;
	}
	return 0;
}

/*
 * Finds the grant that lets the acting unit (or the agent) use the
 * holder's licenses for the matter now.  Returns 0 with the grant, or
 * ECERT_NOPERM with the reason the closest grant did not do.
 */
static int
find_grant(struct ecert_store *s, const struct ecert_use *u, json_t **out,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char hh[65], ah[65], now[21];
	const char *why = "no grant from this holder to this unit";
	const char *reason;
	int rc, ok, rank = 0, r;

	*out = NULL;
	ecert_now_iso(now);
	ecert_pii_hash(s, u->holder_id, hh);
	if (u->agent_id != NULL) {
		ecert_pii_hash(s, u->agent_id, ah);
		why = "no delegation from this holder to this agent";
	}
	st = ecert_prepare(s, "SELECT " GRANT_COLUMNS " FROM grants"
	    " WHERE holder_hash = ?1 AND ((?2 IS NULL AND kind = 'authorize'"
	    " AND grantee = ?3) OR (?2 IS NOT NULL AND kind = 'delegate'"
	    " AND agent_hash = ?2)) ORDER BY id DESC", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, hh);
	ecert_bind_text(st, 2, u->agent_id ? ah : NULL);
	ecert_bind_text(st, 3, u->unit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *g = grant_row(s, st, &ok);
		const json_t *types = json_object_get(g, "types");
		const json_t *lics = json_object_get(g, "licenses");
		json_int_t max = json_integer_value(json_object_get(g,
		    "max_uses"));

		/* the reason given is that of the grant that came closest */
		reason = NULL;
		r = 0;
		if (!ok && json_object_get(g, "tampered") != NULL)
			reason = "the grant's state was put back: it is older "
			    "than the audit log", r = 5;
		else if (!ok)
			reason = "the grant's signature does not match it", r = 4;
		else if (strcmp(ecert_json_str(g, "matter"), u->matter) != 0)
			reason = "the grant is for another matter", r = 1;
		else if (!json_is_null(json_object_get(g, "withdrawn_at")))
			reason = "the grant was withdrawn", r = 3;
		else if (strcmp(now, ecert_json_str(g, "not_before")) < 0)
			reason = "the grant is not in force yet", r = 3;
		else if (strcmp(now, ecert_json_str(g, "not_after")) > 0)
			reason = u->agent_id ? "outside the delegation's "
			    "period" : "the grant has ended", r = 3;
		else if (max > 0 && json_integer_value(json_object_get(g,
		    "uses")) >= max)
			reason = "the grant's uses are exhausted", r = 3;
		else if (u->type != NULL && !covers_type(types, lics, u->type))
			reason = "the grant does not cover this license type",
			    r = 2;
		if (reason == NULL) {
			*out = g;
			break;
		}
		if (r > rank) {
			rank = r;
			why = reason;
		}
		json_decref(g);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "grant");
	if (*out == NULL)
		return ecert_fail(e, ECERT_NOPERM, "refused: %s", why);
	return 0;
}

static int
check_items(const json_t *doc, const json_t *checks, json_t *answer)
{
	const json_t *items = json_object_get(doc, "items");
	const json_t *holder = json_object_get(doc, "holder");
	const char *key;
	json_t *want;
	char num[32];
	int all = 1;

	json_object_foreach((json_t *)checks, key, want) {
		const json_t *have = json_object_get(items, key);
		const char *hv = NULL;
		int match;

		if (strcmp(key, "number") == 0 || strcmp(key, "issue_date") ==
		    0 || strcmp(key, "valid_from") == 0 ||
		    strcmp(key, "valid_until") == 0)
			have = json_object_get(doc, key);
		else if (strcmp(key, "holder") == 0)
			have = json_object_get(holder, "name");
		if (json_is_integer(have)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(have));
			hv = num;
		} else if (json_is_string(have))
			hv = json_string_value(have);
		match = hv != NULL && strcmp(hv, json_string_value(want)) == 0;
		json_object_set_new(answer, key, json_boolean(match));
		all &= match;
	}
	return all;
}

/* Items by key or Chinese label, as on the photocopy; reserved fields
 * (number, holder, dates) too. */
static int
normalize_checks(struct ecert_store *s, const struct ecert_use *u,
    json_t **out, struct ecert_error *e)
{
	static const char *fields[] = { "number", "holder", "issue_date",
	    "valid_from", "valid_until", NULL };
	json_t *type = ecert_catalog_get(s, u->type), *v;
	const json_t *item;
	const char *key;
	int i, known;

	*out = NULL;
	if (type == NULL)
		return ecert_fail(e, ECERT_DATAERR, "--type %s: not in the "
		    "catalog", u->type);
	*out = json_object();
	json_object_foreach(u->checks, key, v) {
		known = 0;
		for (i = 0; fields[i] != NULL; i++)
			if (strcmp(key, fields[i]) == 0) {
				json_object_set(*out, key, v);
				known = 1;
			}
		if (!known && (item = ecert_catalog_item(type, key)) != NULL) {
			json_object_set(*out, ecert_json_str(item, "key"), v);
			known = 1;
		}
		if (!known) {
			json_decref(*out);
			*out = NULL;
			json_decref(type);
			return ecert_fail(e, ECERT_DATAERR, "--check %s: not an "
			    "item of type %s", key, u->type);
		}
	}
	json_decref(type);
	return 0;
}

/*
 * What a using unit is given of a license (article 12: only what the
 * matter needs).  When the grant's matter is a loaded matter whose every
 * material taking this type names its items, the signed document with
 * only those items (and the number and the holder's name); otherwise the
 * whole signed document.  Format-1 documents are always whole.
 */
static json_t *
needed_items(struct ecert_store *s, const json_t *matter,
    const char *type_code, json_t *signed_doc)
{
	json_t *names, *type, *out;
	const json_t *material, *code, *name;
	size_t i, k, j;
	int takes, whole = 0;

	if (matter == NULL || json_object_get(json_object_get(signed_doc,
	    "document"), "salts") == NULL)
		return json_incref(signed_doc);
	names = json_array();
	json_array_foreach(json_object_get(matter, "materials"), i,
	    material) {
		takes = 0;
		json_array_foreach(json_object_get(material, "licenses"), k,
		    code)
			if (strcmp(json_string_value(code), type_code) == 0)
				takes = 1;
		if (!takes)
			continue;
		if (json_object_get(material, "items") == NULL)
			whole = 1;
		json_array_foreach(json_object_get(material, "items"), j, name)
			json_array_append(names, (json_t *)name);
	}
	if (whole || json_array_size(names) == 0 ||
	    (type = ecert_catalog_get(s, type_code)) == NULL) {
		json_decref(names);
		return json_incref(signed_doc);
	}
	out = ecert_core_present(signed_doc, type, names);
	json_decref(type);
	json_decref(names);
	return out;
}

/* One run of ecert_use: what it asks and what it has given so far. */
struct use_run {
	const struct ecert_actor *a;
	const struct ecert_use *u;
	const json_t *grant;
	json_t *checks;		/* --check by item key, or NULL */
	json_t *matter;		/* the matter's definition, read once */
	int (*fn)(const json_t *out, void *arg);
	void *arg;
	int given;
};

/* One license of the holder, if the grant covers it and it verifies:
 * its items checked, or as much of it as the matter needs. */
static void
give_license(struct ecert_store *s, struct use_run *r, const char *id,
    const char *type)
{
	json_t *doc, *out, *answer;
	char status[16], why[256];
	enum ecert_verdict v;
	struct ecert_error le;
	int all;

	/* only that holder's licenses that the matter needs */
	if (!list_has(json_object_get(r->grant, "types"), type) &&
	    !list_has(json_object_get(r->grant, "licenses"), id))
		return;
	if (ecert_license_verify(s, id, &v, why, sizeof(why), &le) != 0)
		return;
	if (ecert_license_load(s, id, &doc, status, sizeof(status), &le) != 0)
		return;
	if (r->checks != NULL) {
		answer = json_object();
		all = check_items(json_object_get(doc, "document"), r->checks,
		    answer);
		out = json_pack("{s:s, s:s, s:b, s:o}", "id", id, "type", type,
		    "match", all, "items", answer);
	} else
		out = needed_items(s, r->matter, type, doc);
	r->fn(out, r->arg);
	json_decref(out);
	json_decref(doc);
	ecert_audit(s, r->a->unit, r->u->checks ? "license.check" :
	    "license.use", id, "ok", r->u->matter);
	r->given++;
}

/* The holder's valid licenses (of --type), each offered to give_license. */
static int
give_licenses(struct ecert_store *s, struct use_run *r, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char hh[65];
	int rc;

	ecert_pii_hash(s, r->u->holder_id, hh);
	st = ecert_prepare(s, "SELECT id, type FROM licenses WHERE"
	    " holder_hash = ? AND status = 'valid' AND (? IS NULL OR type = ?)"
	    " ORDER BY type, id", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, hh);
	ecert_bind_text(st, 2, r->u->type);
	ecert_bind_text(st, 3, r->u->type);
	r->matter = r->checks == NULL ? ecert_matter_get(s, r->u->matter) :
	    NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		give_license(s, r, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	json_decref(r->matter);
	r->matter = NULL;
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "use");
	return 0;
}

/* The grant used once more: its count, its signed state, the audit log. */
static int
count_use(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_use *u, long long gid, int n, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char obj[48], detail[300];
	int rc;

	st = ecert_prepare(s, "UPDATE grants SET uses = uses + 1 WHERE id = ?",
	    e);
	if (st == NULL)
		return e->status;
	sqlite3_bind_int64(st, 1, gid);
	if ((rc = ecert_step_once(s, st, "grant", e)) != 0)
		return rc;
	if ((rc = sign_state(s, a, gid, e)) != 0)
		return rc;
	snprintf(obj, sizeof(obj), "grant %lld", gid);
	snprintf(detail, sizeof(detail), "matter %s: %d license%s%s",
	    u->matter, n, n == 1 ? "" : "s", u->agent_id ? " (agent)" : "");
	ecert_audit(s, a->unit, "grant.use", obj, "ok", detail);
	return 0;
}

int
ecert_use(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_use *u, int (*fn)(const json_t *out, void *arg),
    void *arg, struct ecert_error *e)
{
	struct use_run r = { a, u, NULL, NULL, NULL, fn, arg, 0 };
	json_t *g = NULL;
	long long gid;
	int rc;

	if (u->checks != NULL && (rc = normalize_checks(s, u, &r.checks,
	    e)) != 0)
		return rc;
	if ((rc = find_grant(s, u, &g, e)) != 0) {
		json_decref(r.checks);
		return rc;
	}
	gid = json_integer_value(json_object_get(g, "id"));
	r.grant = g;
	rc = give_licenses(s, &r, e);
	json_decref(r.checks);
	json_decref(g);
	if (rc != 0)
		return rc;
	if (r.given == 0)
		return ecert_fail(e, ECERT_NO, "no valid license of this holder"
		    " under grant %lld", gid);
	return count_use(s, a, u, gid, r.given, e);
}
