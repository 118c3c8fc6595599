/*
 * issue.c: a license built from a validated record, signed once over its
 * core (format 2, core.c) and stored with its clear columns.  Import
 * workers run ecert_license_prepare in parallel; the writer runs
 * ecert_license_store.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"
#include "license_priv.h"

json_t *
ecert_signed_form(const json_t *doc, const char *key_id, const char *signer,
    const char *sig)
{
	return ecert_signed_form_alg(doc, "ed25519", key_id, signer, sig);
}

json_t *
ecert_signed_form_alg(const json_t *doc, const char *alg, const char *key_id,
    const char *signer, const char *sig)
{
	return json_pack("{s:O, s:{s:s, s:s, s:s, s:s}}", "document", doc,
	    "signature", "alg", alg, "key_id", key_id, "signer", signer,
	    "value", sig);
}

int
ecert_may_issue(struct ecert_store *s, const struct ecert_actor *a,
    const char *type_code, json_t **typep, struct ecert_error *e)
{
	json_t *type;
	const char *issuer;

	*typep = NULL;
	if (type_code == NULL)
		return ecert_fail(e, ECERT_DATAERR, "field type: required");
	if ((type = ecert_catalog_get(s, type_code)) == NULL)
		return ecert_fail(e, ECERT_DATAERR, "field type: %s: not in "
		    "the catalog", type_code);
	issuer = ecert_json_str(type, "issuer");
	if (!(a->roles & ECERT_ROLE_ISSUER) || strcmp(issuer, a->unit) != 0) {
		ecert_fail(e, ECERT_NOPERM, "unit %s may not issue type %s "
		    "(%s): the catalog assigns it to %s", a->unit, type_code,
		    ecert_json_str(type, "name"), issuer);
		json_decref(type);
		return ECERT_NOPERM;
	}
	*typep = type;
	return 0;
}

void
ecert_prepared_free(struct ecert_prepared *p)
{
	json_decref(p->doc);
	free(p->canon);
	free(p->sealed);
	free(p->compact);
	memset(p, 0, sizeof(*p));
}

/* Signs a built document now (format 2): its time, a salt per item, the
 * one seal over its core (core.c), its canonical form sealed. */
int
lic_sign_prepared(const struct ecert_store *s, const struct ecert_actor *a,
    const json_t *type, struct ecert_prepared *p, struct ecert_error *e)
{
	char today[11], why[160];
	const char *until;

	ecert_now_iso(p->signed_at);
	json_object_set_new(p->doc, "signed_at", json_string(p->signed_at));
	free(p->canon);
	free(p->sealed);
	free(p->compact);
	p->sealed = p->compact = NULL;
	/* format 2: a fresh salt per item, one signature over the core;
	 * a token is made from the document when shown (core.c) */
	if (ecert_core_seal(p->doc, &a->key, p->sig, why, sizeof(why)) != 0)
		return ecert_fail(e, ECERT_DATAERR, "license: %s", why);
	if ((p->canon = ecert_json_canonical(p->doc)) == NULL)
		return ecert_fail(e, ECERT_DATAERR, "license: cannot encode");
	p->sealed = ecert_pii_seal(s, p->canon, strlen(p->canon), &p->sealedn);
	(void)type;
	p->draft = 0;
	/* a historical license whose term has ended comes in as expired */
	ecert_today(today);
	until = ecert_json_str(p->doc, "valid_until");
	p->status = until != NULL && strcmp(until, today) < 0 ? "expired" :
	    "valid";
	return 0;
}

/*
 * Everything but the write: validate, build, sign and seal.  It touches
 * no SQLite handle, so import workers run it in parallel.  A draft (asked
 * for, or any license of a type that needs review) is kept unsigned.
 */
int
ecert_license_prepare(const struct ecert_store *s, const struct ecert_actor *a,
    const json_t *type, const json_t *record, int flags, int version,
    struct ecert_prepared *p, struct ecert_error *e)
{
	const char *type_code = ecert_json_str(type, "code");
	const json_t *holder;
	char serial[33];
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = ecert_license_validate_flags(type, record, flags, &p->doc,
	    e)) != 0)
		return rc;
	p->legal = ecert_json_is(type, "holder", "legal");
	ecert_serial_make(s, type_code, !p->legal, ecert_json_str(p->doc,
	    "number"), serial);
	if (ecert_identifier_make(p->id, sizeof(p->id), type_code, a->unit,
	    serial, version) != 0) {
		ecert_prepared_free(p);
		return ecert_fail(e, ECERT_DATAERR, "cannot make an identifier "
		    "from type %s, issuer %s, serial %s", type_code, a->unit,
		    serial);
	}
	p->version = version;
	json_object_set_new(p->doc, "id", json_string(p->id));
	json_object_set_new(p->doc, "version", json_integer(version));
	json_object_set_new(p->doc, "issuer", json_pack("{s:s, s:s}", "code",
	    a->unit, "name", a->name));
	if (flags & ECERT_PREP_HISTORICAL)
		json_object_set_new(p->doc, "historical", json_true());
	holder = json_object_get(p->doc, "holder");
	ecert_pii_hash(s, ecert_json_str(holder, "id"), p->holder_hash);
	p->historical = (flags & ECERT_PREP_HISTORICAL) != 0;
	if ((flags & ECERT_PREP_DRAFT) || json_is_true(json_object_get(type,
	    "review"))) {
		p->draft = 1;
		p->status = "draft";
		if ((p->canon = ecert_json_canonical(p->doc)) == NULL) {
			ecert_prepared_free(p);
			return ecert_fail(e, ECERT_DATAERR, "license: cannot "
			    "encode");
		}
		p->sealed = ecert_pii_seal(s, p->canon, strlen(p->canon),
		    &p->sealedn);
		return 0;
	}
	if ((rc = lic_sign_prepared(s, a, type, p, e)) != 0)
		ecert_prepared_free(p);
	return rc;
}

/* Returns ECERT_NO (with e) when the identifier is already taken. */
int
ecert_license_store(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_prepared *p, struct ecert_error *e)
{
	const json_t *doc = p->doc, *holder = json_object_get(doc, "holder");
	sqlite3_stmt *st;
	char numcol[260];
	uint32_t index;
	int rc;

	if (!p->draft && (rc = ecert_status_next(s, &index, e)) != 0)
		return rc;
	if (s->insert_license == NULL)
		s->insert_license = ecert_prepare(s, "INSERT INTO licenses(id,"
		    " type, number, version, issuer, holder_name, holder_code,"
		    " holder_hash, issue_date, valid_from, valid_until, status,"
		    " historical, document, key_id, signature, created_at,"
		    " compact, status_index, drafted_by)"
		    " VALUES (?1,?2,?3,?19,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
		    "?14,?15,?16,?17,?18,?20)", e);
	if ((st = s->insert_license) == NULL)
		return e->status;
	ecert_bind_text(st, 1, p->id);
	ecert_bind_text(st, 2, ecert_json_str(doc, "type"));
	ecert_number_column(s, ecert_json_str(doc, "type"), !p->legal,
	    ecert_json_str(doc, "number"), numcol, sizeof(numcol));
	ecert_bind_text(st, 3, numcol);
	ecert_bind_text(st, 4, a->unit);
	ecert_bind_text(st, 5, ecert_json_str(holder, "name"));
	ecert_bind_text(st, 6, p->legal ? ecert_json_str(holder, "id") : NULL);
	ecert_bind_text(st, 7, p->holder_hash);
	ecert_bind_text(st, 8, ecert_json_str(doc, "issue_date"));
	ecert_bind_text(st, 9, ecert_json_str(doc, "valid_from"));
	ecert_bind_text(st, 10, ecert_json_str(doc, "valid_until"));
	ecert_bind_text(st, 11, p->status);
	sqlite3_bind_int(st, 12, p->historical);
	sqlite3_bind_blob(st, 13, p->sealed, (int)p->sealedn, SQLITE_STATIC);
	ecert_bind_text(st, 14, a->key.key_id);
	ecert_bind_text(st, 15, p->draft ? "" : p->sig);
	if (p->draft) {
		char now[21];
		ecert_now_iso(now);
		ecert_bind_text(st, 16, now);
	} else
		ecert_bind_text(st, 16, p->signed_at);
	if (p->draft) {
		sqlite3_bind_null(st, 17);
		sqlite3_bind_null(st, 18);
		ecert_bind_text(st, 20, s->os_user);
	} else {
		if (p->compact != NULL)
			sqlite3_bind_blob(st, 17, p->compact,
			    (int)p->compactn, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 17);
		sqlite3_bind_int64(st, 18, index);
		sqlite3_bind_null(st, 20);
	}
	sqlite3_bind_int(st, 19, p->version);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE && !p->draft && ecert_status_taken(s, e) != 0)
		return e->status;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return ecert_fail(e, ECERT_NO, "field number: %s: a license of "
		    "type %s with this number is already in the store (%s)",
		    ecert_json_str(doc, "number"), ecert_json_str(doc, "type"),
		    p->id);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "license");
	return 0;
}

/* A number whose draft was rejected is drafted again as the next
 * version: nothing is deleted, and the number is not lost. */
int
ecert_license_version(struct ecert_store *s, const json_t *type,
    const json_t *record)
{
	sqlite3_stmt *st;
	char numcol[260];
	int version = 1;

	st = ecert_prepare(s, "SELECT version, status, coalesce(review, '')"
	    " FROM licenses WHERE type = ? AND number = ?"
	    " ORDER BY version DESC LIMIT 1", NULL);
	if (st == NULL)
		return 1;
	ecert_bind_text(st, 1, ecert_json_str(record, "type"));
	ecert_number_column(s, ecert_json_str(record, "type"),
	    !ecert_json_is(type, "holder", "legal"),
	    ecert_json_str(record, "number"), numcol, sizeof(numcol));
	ecert_bind_text(st, 2, numcol);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 1), "draft") == 0 &&
	    strncmp((const char *)sqlite3_column_text(st, 2), "rejected",
	    8) == 0)
		version = sqlite3_column_int(st, 0) + 1;
	sqlite3_finalize(st);
	return version;
}

int
ecert_license_issue(struct ecert_store *s, const struct ecert_actor *a,
    const json_t *record, int draft, char *id, size_t idn,
    struct ecert_error *e)
{
	struct ecert_prepared p;
	json_t *type;
	int rc;

	if ((rc = ecert_may_issue(s, a, ecert_json_str(record, "type"), &type,
	    e)) != 0)
		return rc;
	rc = ecert_license_prepare(s, a, type, record, draft ? ECERT_PREP_DRAFT :
	    0, ecert_license_version(s, type, record), &p, e);
	json_decref(type);
	if (rc != 0)
		return rc;
	rc = ecert_license_store(s, a, &p, e);
	if (rc == ECERT_NO)
		rc = e->status = ECERT_DATAERR;
	if (rc == 0) {
		snprintf(id, idn, "%s", p.id);
		rc = ecert_audit(s, a->unit, p.draft ? "license.draft" :
		    "license.issue", p.id, "ok", ecert_json_str(p.doc, "type"));
	}
	ecert_prepared_free(&p);
	return rc;
}
