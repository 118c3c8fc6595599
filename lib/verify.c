/*
 * verify.c: a stored license loaded and verified (its seal, its clear
 * columns against the signed document, its signed chain of events, its
 * dates), and a signed document verified with a trust list alone.
 * Nothing is shown or believed on the store's word (article 23).
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"
#include "license_priv.h"

static void
col(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(out, n, "%s", v ? (const char *)v : "");
}

/* Returns 0, ECERT_NO (not found), or ECERT_IOERR/ECERT_BUSY. */
int
lic_row_load(struct ecert_store *s, const char *id, struct license_row *r,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	/* kept: a batch verifies a license a line */
	static const char sql[] = "SELECT id, type, number, version, issuer,"
	    " holder_name, holder_code, holder_hash, issue_date, valid_from,"
	    " valid_until, status, key_id, signature, document,"
	    " drafted_by, review FROM licenses WHERE id = ?";

	memset(r, 0, sizeof(*r));
	if ((st = ecert_prepare_cached(s, sql)) == NULL)
		return ecert_sql_fail(s, e, sqlite3_errcode(s->db), "license");
	ecert_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ecert_cached_done(st);
		return ecert_fail(e, ECERT_NO, "%s: not found", id);
	}
	if (rc != SQLITE_ROW) {
		ecert_sql_fail(s, e, rc, "license");
		ecert_cached_done(st);
		return e->status;
	}
	col(st, 0, r->id, sizeof(r->id));
	col(st, 1, r->type, sizeof(r->type));
	col(st, 2, r->number, sizeof(r->number));
	r->version = sqlite3_column_int(st, 3);
	col(st, 4, r->issuer, sizeof(r->issuer));
	col(st, 5, r->holder_name, sizeof(r->holder_name));
	col(st, 6, r->holder_code, sizeof(r->holder_code));
	col(st, 7, r->holder_hash, sizeof(r->holder_hash));
	col(st, 8, r->issue_date, sizeof(r->issue_date));
	col(st, 9, r->valid_from, sizeof(r->valid_from));
	col(st, 10, r->valid_until, sizeof(r->valid_until));
	col(st, 11, r->status, sizeof(r->status));
	col(st, 12, r->key_id, sizeof(r->key_id));
	col(st, 13, r->signature, sizeof(r->signature));
	r->canon = ecert_pii_open(s, sqlite3_column_blob(st, 14),
	    (size_t)sqlite3_column_bytes(st, 14), NULL);
	col(st, 15, r->drafted_by, sizeof(r->drafted_by));
	col(st, 16, r->review, sizeof(r->review));
	ecert_cached_done(st);
	return 0;
}

int
ecert_license_load(struct ecert_store *s, const char *id, json_t **signed_doc,
    char *status, size_t statusn, struct ecert_error *e)
{
	struct license_row r;
	json_t *doc;
	int rc;

	*signed_doc = NULL;
	if ((rc = lic_row_load(s, id, &r, e)) != 0)
		return rc;
	if (r.canon == NULL || (doc = json_loads(r.canon, 0, NULL)) == NULL) {
		free(r.canon);
		ecert_facts_tampered(s, id, "stored document altered");
		return ecert_fail(e, ECERT_NO, "%s: stored document altered or"
		    " sealed with another key", id);
	}
	if (strcmp(r.status, "draft") != 0) {
		/* nothing is shown on the store's word (article 23) */
		char why[512];

		if (lic_row_tampered(s, &r, doc, why, sizeof(why)) != NULL) {
			free(r.canon);
			json_decref(doc);
			ecert_facts_tampered(s, id, why);
			return ecert_fail(e, ECERT_NO, "%s: tampering: %s", id,
			    why);
		}
	}
	free(r.canon);
	{
		struct ecert_pub p;

		const char *alg = ecert_alg_name(ecert_key_lookup_pub(s,
		    r.key_id, &p, NULL, NULL, NULL) ? p.alg :
		    ECERT_ALG_ED25519);
		unsigned char *core;
		size_t coren;
		char why[160];

		*signed_doc = ecert_signed_form_alg(doc, alg, r.key_id,
		    r.issuer, r.signature);
		/* format 2: the signed core itself, for tools that check the
		 * seal without ecert (verifiers make it again) */
		if (json_object_get(doc, "format") != NULL &&
		    ecert_core_build(doc, alg, r.key_id, &core, &coren, why,
		    sizeof(why)) == 0) {
			char *b64 = ecert_xmalloc(coren * 4 / 3 + 8);
			ecert_b64_encode(core, coren, b64, coren * 4 / 3 + 8);
			json_object_set_new(json_object_get(*signed_doc,
			    "signature"), "core", json_string(b64));
			free(b64);
			free(core);
		}
	}
	json_decref(doc);
	snprintf(status, statusn, "%s", r.status);
	return 0;
}

static int
str_is(const json_t *o, const char *key, const char *want)
{
	const char *v = ecert_json_str(o, key);

	if (*want == '\0')
		return json_is_null(json_object_get(o, key));
	return v != NULL && strcmp(v, want) == 0;
}

/* The clear columns say what the signed document says. */
static const char *
row_matches(struct ecert_store *s, const struct license_row *r,
    const json_t *doc)
{
	const json_t *holder = json_object_get(doc, "holder");
	const json_t *issuer = json_object_get(doc, "issuer");
	char hash[65], numcol[260];
	const char *hid = ecert_json_str(holder, "id");

	if (!str_is(doc, "id", r->id))
		return "identifier";
	if (!str_is(doc, "type", r->type))
		return "type";
	ecert_number_column(s, r->type, r->holder_code[0] == '\0',
	    ecert_json_str(doc, "number"), numcol, sizeof(numcol));
	if (strcmp(numcol, r->number) != 0)
		return "number";
	if (json_integer_value(json_object_get(doc, "version")) != r->version)
		return "version";
	if (!str_is(issuer, "code", r->issuer))
		return "issuer";
	if (!str_is(holder, "name", r->holder_name))
		return "holder";
	if (hid == NULL)
		return "holder_id";
	ecert_pii_hash(s, hid, hash);
	if (strcmp(hash, r->holder_hash) != 0)
		return "holder_id";
	if (r->holder_code[0] != '\0' && strcmp(hid, r->holder_code) != 0)
		return "holder_id";
	if (!str_is(doc, "issue_date", r->issue_date))
		return "issue_date";
	if (!str_is(doc, "valid_from", r->valid_from))
		return "valid_from";
	if (!str_is(doc, "valid_until", r->valid_until))
		return "valid_until";
	return NULL;
}

/*
 * The status column must be what the license's signed chain of events
 * says (facts.c); returns NULL when it is, else why not.
 */
static const char *
events_check(struct ecert_store *s, const struct license_row *r,
    char *why, size_t n)
{
	char derived[16];

	return ecert_facts_check(s, r->id, r->canon, r->valid_until,
	    r->status, derived, sizeof(derived), why, n);
}

/*
 * The row against its signatures: the document's seal by a key of the
 * issuer valid when it signed, the clear columns, the chain of events.
 * NULL when all hold, else why not (tampering).
 */
const char *
lic_row_tampered(struct ecert_store *s, const struct license_row *r,
    const json_t *doc, char *why, size_t whyn)
{
	struct ecert_pub pk;
	char unit[19], nb[21], na[21];
	const char *bad, *signed_at;

	if (!ecert_key_lookup_pub(s, r->key_id, &pk, unit, nb, na)) {
		ecert_whyf(why, whyn, "signed with unknown key %s", r->key_id);
		return why;
	}
	if (strcmp(unit, r->issuer) != 0) {
		ecert_whyf(why, whyn, "key %s belongs to %s, not to the issuer %s",
		    r->key_id, unit, r->issuer);
		return why;
	}
	{
		/* the issuer's role as the platform signed it */
		int roles = 0;

		if (!ecert_unit_name(s, r->issuer, NULL, 0, &roles) ||
		    !(roles & ECERT_ROLE_ISSUER)) {
			ecert_whyf(why, whyn, "the issuer %s has no issuer role "
			    "signed by the platform", r->issuer);
			return why;
		}
	}
	if (!ecert_doc_sig_ok(&pk, r->key_id, doc, r->canon, r->signature)) {
		ecert_whyf(why, whyn, "signature does not match the document");
		return why;
	}
	signed_at = ecert_json_str(doc, "signed_at");
	if (signed_at == NULL || strcmp(signed_at, nb) < 0 ||
	    (na[0] != '\0' && strcmp(signed_at, na) > 0)) {
		ecert_whyf(why, whyn, "signed at %s, outside the validity"
		    " of key %s", signed_at ? signed_at : "?", r->key_id);
		return why;
	}
	if ((bad = row_matches(s, r, doc)) != NULL) {
		ecert_whyf(why, whyn, "store row altered: %s differs from the "
		    "signed document", bad);
		return why;
	}
	return events_check(s, r, why, whyn);
}

int
ecert_license_facts(struct ecert_store *s, const char *id, char *derived,
    size_t derivedn, char *why, size_t whyn, struct ecert_error *e)
{
	struct license_row r;
	json_t *doc = NULL;
	int rc;

	snprintf(derived, derivedn, "invalid");
	why[0] = '\0';
	if ((rc = lic_row_load(s, id, &r, e)) != 0)
		return rc;
	rc = 0;
	if (strcmp(r.status, "draft") == 0) {
		snprintf(derived, derivedn, "draft");
		goto out;
	}
	if (r.canon == NULL || (doc = json_loads(r.canon, 0, NULL)) == NULL) {
		ecert_whyf(why, whyn, "stored document altered");
		rc = ECERT_NO;
	} else if (lic_row_tampered(s, &r, doc, why, whyn) != NULL)
		rc = ECERT_NO;
	else
		ecert_facts_check(s, r.id, r.canon, r.valid_until, r.status,
		    derived, derivedn, why, whyn);
	if (rc != 0) {
		ecert_facts_tampered(s, id, why);
		snprintf(derived, derivedn, "invalid");
	}
out:
	json_decref(doc);
	free(r.canon);
	return rc;
}

/* The words for the verdicts: the one place they are made. */
static const char *const verdict_words[] = {
	[ECERT_VERDICT_INVALID] = "invalid",
	[ECERT_VERDICT_VALID] = "valid",
	[ECERT_VERDICT_NOT_YET_VALID] = "not-yet-valid",
	[ECERT_VERDICT_SUSPENDED] = "suspended",
	[ECERT_VERDICT_EXPIRED] = "expired",
	[ECERT_VERDICT_REVOKED] = "revoked",
	[ECERT_VERDICT_SUPERSEDED] = "superseded",
	[ECERT_VERDICT_DRAFT] = "draft",
	[ECERT_VERDICT_NOT_FOUND] = "not-found"
};

const char *
ecert_verdict_word(enum ecert_verdict v)
{
	if ((size_t)v >= sizeof(verdict_words) / sizeof(verdict_words[0]))
		return verdict_words[ECERT_VERDICT_INVALID];
	return verdict_words[v];
}

/* The verdict a stored status column names (valid, draft, revoked...);
 * a word that is none of them is invalid. */
enum ecert_verdict
ecert_verdict_of(const char *word)
{
	size_t i;

	for (i = 0; i < sizeof(verdict_words) / sizeof(verdict_words[0]); i++)
		if (strcmp(word, verdict_words[i]) == 0)
			return (enum ecert_verdict)i;
	return ECERT_VERDICT_INVALID;
}

/* Validity dates against today; NULL when in force, else the reason,
 * with *v not-yet-valid or expired. */
static const char *
dates_check(const json_t *doc, enum ecert_verdict *v, char *why, size_t n)
{
	char today[11];
	const char *from = ecert_json_str(doc, "valid_from");
	const char *until = ecert_json_str(doc, "valid_until");

	ecert_today(today);
	if (from != NULL && strcmp(today, from) < 0) {
		*v = ECERT_VERDICT_NOT_YET_VALID;
		ecert_whyf(why, n, "not valid before %s", from);
		return why;
	}
	if (until != NULL && strcmp(today, until) > 0) {
		*v = ECERT_VERDICT_EXPIRED;
		ecert_whyf(why, n, "expired on %s", until);
		return why;
	}
	return NULL;
}

int
ecert_license_verify(struct ecert_store *s, const char *id,
    enum ecert_verdict *v, char *why, size_t whyn, struct ecert_error *e)
{
	struct license_row r;
	json_t *doc = NULL;
	int rc;

	*v = ECERT_VERDICT_INVALID;
	why[0] = '\0';
	if ((rc = lic_row_load(s, id, &r, e)) != 0) {
		if (rc == ECERT_NO) {
			*v = ECERT_VERDICT_NOT_FOUND;
			ecert_whyf(why, whyn, "not in the store");
		}
		return rc;
	}
	rc = ECERT_NO;
	if (strcmp(r.status, "draft") == 0) {
		/* drafts are never shown to verification as licenses */
		*v = ECERT_VERDICT_DRAFT;
		if (r.review[0] != '\0')
			ecert_whyf(why, whyn, "a draft, not signed: %s", r.review);
		else
			ecert_whyf(why, whyn, "a draft awaiting review, not "
			    "signed");
		goto out;
	}
	if (r.canon == NULL || (doc = json_loads(r.canon, 0, NULL)) == NULL)
		ecert_whyf(why, whyn, "stored document altered");
	if (doc == NULL || lic_row_tampered(s, &r, doc, why, whyn) != NULL) {
		/* tampering (article 23): never valid, and on the record */
		ecert_facts_tampered(s, id, why);
		goto out;
	}
	if (strcmp(r.status, "valid") != 0 && strcmp(r.status, "expired") != 0) {
		*v = ecert_verdict_of(r.status);
		snprintf(why, whyn, "%s", r.status);
		goto out;
	}
	if (dates_check(doc, v, why, whyn) != NULL)
		goto out;
	*v = ECERT_VERDICT_VALID;
	rc = 0;
out:
	json_decref(doc);
	free(r.canon);
	return rc;
}

/* A trusted key: in the list, of the issuer, valid when it signed. */
static const json_t *
trusted_key(const json_t *trust, const char *key_id)
{
	size_t i;
	const json_t *k;

	json_array_foreach(trust, i, k)
		if (str_is(k, "key_id", key_id))
			return k;
	return NULL;
}

int
ecert_license_verify_doc(const json_t *signed_doc, const json_t *trust,
    enum ecert_verdict *v, char *why, size_t n)
{
	const json_t *doc = json_object_get(signed_doc, "document");
	const json_t *sig = json_object_get(signed_doc, "signature");
	const json_t *k;
	const char *key_id = ecert_json_str(sig, "key_id");
	const char *signed_at = ecert_json_str(doc, "signed_at");
	const char *na, *nb;
	struct ecert_pub pk;
	char *canon;
	int ok;

	*v = ECERT_VERDICT_INVALID;
	if (!json_is_object(doc) || !json_is_object(sig) || key_id == NULL ||
	    signed_at == NULL || ecert_json_str(sig, "alg") == NULL ||
	    ecert_alg_parse(ecert_json_str(sig, "alg")) < 0) {
		ecert_whyf(why, n, "not a signed ecert license document");
		return ECERT_DATAERR;
	}
	if ((k = trusted_key(trust, key_id)) == NULL) {
		ecert_whyf(why, n, "key %s is not in the trust list", key_id);
		return ECERT_NO;
	}
	if (!str_is(json_object_get(doc, "issuer"), "code",
	    ecert_json_str(k, "unit") ? ecert_json_str(k, "unit") : "-")) {
		ecert_whyf(why, n, "key %s does not belong to the issuer", key_id);
		return ECERT_NO;
	}
	if (!ecert_pub_parse(ecert_json_str(k, "alg"), ecert_json_str(k,
	    "public_key"), &pk)) {
		ecert_whyf(why, n, "trust list: key %s: bad public key", key_id);
		return ECERT_NO;
	}
	/* the document says which algorithm; the key must agree */
	if (pk.alg != ecert_alg_parse(ecert_json_str(sig, "alg"))) {
		ecert_whyf(why, n, "signature says %s, key %s is %s",
		    ecert_json_str(sig, "alg"), key_id, ecert_alg_name(pk.alg));
		return ECERT_NO;
	}
	if (json_is_array(json_object_get(signed_doc, "withheld"))) {
		/* some items withheld (ecert-use): the core decides */
		char w[160];
		if (!ecert_core_check_partial(&pk, key_id, doc,
		    ecert_json_str(sig, "core"), ecert_json_str(sig, "value"),
		    w, sizeof(w))) {
			snprintf(why, n, "%s", w);
			return ECERT_NO;
		}
		ok = 1;
	} else if ((canon = ecert_json_canonical(doc)) == NULL) {
		ecert_whyf(why, n, "document cannot be put in canonical form");
		return ECERT_NO;
	} else {
		ok = ecert_doc_sig_ok(&pk, key_id, doc, canon,
		    ecert_json_str(sig, "value"));
		free(canon);
	}
	if (!ok) {
		ecert_whyf(why, n, "signature does not match the document");
		return ECERT_NO;
	}
	nb = ecert_json_str(k, "not_before");
	na = ecert_json_str(k, "not_after");
	if ((nb != NULL && strcmp(signed_at, nb) < 0) ||
	    (na != NULL && strcmp(signed_at, na) > 0)) {
		ecert_whyf(why, n, "signed at %s, outside the validity of key %s",
		    signed_at, key_id);
		return ECERT_NO;
	}
	if (dates_check(doc, v, why, n) != NULL)
		return ECERT_NO;
	*v = ECERT_VERDICT_VALID;
	return 0;
}

/* The status the store's row gives a license just written (a draft,
 * valid or expired), for saying what was made; 0 when found.  Not
 * verification: a license is believed only through ecert_license_verify. */
int
ecert_license_row_status(struct ecert_store *s, const char *id,
    enum ecert_verdict *v)
{
	sqlite3_stmt *st;
	int found = 0;

	if ((st = ecert_prepare(s, "SELECT status FROM licenses WHERE id = ?",
	    NULL)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*v = ecert_verdict_of((const char *)sqlite3_column_text(st,
		    0));
		found = 1;
	}
	sqlite3_finalize(st);
	return found ? 0 : -1;
}
