/*
 * status.c: what an offline verifier needs (articles 16, 19): the trust
 * list (every unit's public keys with their validity) and the status list,
 * both signed by the platform.  The status list (version 2) has two bits
 * per place, every license version its own place, with the IETF Token
 * Status List's values (0 valid, 1 revoked, 2 suspended, 3 superseded),
 * zlib-compressed as the IETF and W3C lists are; version 1 (one bit,
 * revoked or suspended or superseded) is still read.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#include "ecert_priv.h"

#define RESERVE 256

static int
str_eq_json(const json_t *o, const char *key, const char *want)
{
	const char *v = ecert_json_str(o, key);

	return v != NULL && strcmp(v, want) == 0;
}

/* A time as the lists write it (YYYY-MM-DDTHH:MM:SSZ), and nothing else. */
static int
iso_ok(const char *t)
{
	struct tm tm = { 0 };
	const char *rest;

	if (t == NULL || strlen(t) != 20)
		return 0;
	rest = strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return rest != NULL && *rest == '\0';
}

/* The trust list's version: only 1 is understood, anything else is
 * refused. */
static int
version_ok(const json_t *obj)
{
	const json_t *v = json_object_get(obj, "version");

	return json_is_integer(v) && json_integer_value(v) == 1;
}

/* The status list's: 1 (one bit) or 2 (two bits, compressed). */
static int
status_version_ok(const json_t *obj)
{
	const json_t *v = json_object_get(obj, "version");

	return version_ok(obj) || (json_is_integer(v) &&
	    json_integer_value(v) == 2);
}

/* A place's two bits: place i is bits 2(i mod 4) and up of byte i/4, the
 * IETF list's order. */
int
ecert_status_value(const unsigned char *bits, uint32_t index)
{
	return bits[index / 4] >> (index % 4 * 2) & 3;
}

/*
 * The next status place, looked at but not yet taken: a record already
 * present uses none.  Places are reserved from meta in blocks, written
 * only when the first place of a block is taken, inside the caller's
 * transaction (a rollback forgets the block: see ecert_rollback).
 */
int
ecert_status_next(struct ecert_store *s, uint32_t *index,
    struct ecert_error *e)
{
	char val[32];
	uint64_t v;

	if (s->seq_next == s->seq_end) {
		if (!ecert_meta_get(s, "status_seq", val, sizeof(val)))
			snprintf(val, sizeof(val), "0");
		v = strtoull(val, NULL, 10);
		if (v + RESERVE > ECERT_STATUS_BITS)
			return ecert_fail(e, ECERT_IOERR, "status list full "
			    "(%lu places)", ECERT_STATUS_BITS);
		s->seq_next = v;
		s->seq_end = v + RESERVE;
		s->seq_written = 0;
	}
	*index = ecert_status_index(s, s->seq_next);
	return 0;
}

int
ecert_status_taken(struct ecert_store *s, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char val[32];
	int rc;

	if (!s->seq_written) {
		st = ecert_prepare(s, "INSERT INTO meta(name, value)"
		    " VALUES ('status_seq', ?1) ON CONFLICT(name)"
		    " DO UPDATE SET value = ?1", e);
		if (st == NULL)
			return e->status;
		snprintf(val, sizeof(val), "%llu",
		    (unsigned long long)s->seq_end);
		ecert_bind_text(st, 1, val);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return ecert_sql_fail(s, e, rc, "status");
		s->seq_written = 1;
	}
	s->seq_next++;
	return 0;
}

/* Signs obj (a list, without its signature member), adds the signature
 * and writes it as one line; obj is released.  -1 when the write failed. */
static int
signed_write(json_t *obj, const struct ecert_actor *a, const char *domain,
    FILE *out)
{
	char sig[89], *canon;
	int rc;

	json_object_set_new(obj, "key_id", json_string(a->key.key_id));
	json_object_set_new(obj, "unit", json_string(a->unit));
	canon = ecert_json_canonical(obj);
	ecert_sign(&a->key, domain, canon, strlen(canon), sig);
	free(canon);
	json_object_set_new(obj, "signature", json_string(sig));
	canon = ecert_json_canonical(obj);
	json_decref(obj);
	rc = fprintf(out, "%s\n", canon) < 0 || fflush(out) != 0 ? -1 : 0;
	free(canon);
	return rc;
}

/* Checks obj's signature with its signer's key from keys; NULL when good. */
static const char *
check_object(const json_t *obj, const json_t *keys, const char *domain)
{
	json_t *copy = json_deep_copy(obj);
	const char *kid = ecert_json_str(obj, "key_id");
	const char *sig = ecert_json_str(obj, "signature");
	const json_t *k;
	struct ecert_pub pk;
	char *canon;
	size_t i;
	int ok = 0, found = 0;

	json_object_del(copy, "signature");
	canon = ecert_json_canonical(copy);
	json_decref(copy);
	json_array_foreach(keys, i, k) {
		if (kid == NULL || !str_eq_json(k, "key_id", kid))
			continue;
		found = 1;
		if (!json_is_true(json_object_get(k, "admin")))
			break;
		if (ecert_pub_parse(ecert_json_str(k, "alg"), ecert_json_str(k,
		    "public_key"), &pk)) {
			char id[17];
			const char *na = ecert_json_str(k, "not_after");
			const char *issued = ecert_json_str(obj, "issued");

			/* the id must be the key's digest, and the key in
			 * force when it signed */
			ecert_pub_id(&pk, id);
			if (strcmp(id, kid) == 0 && canon != NULL &&
			    (na == NULL || (issued && strcmp(issued, na) <= 0))
			    && ecert_verify(&pk, domain, canon, strlen(canon),
			    sig))
				ok = 1;
		}
	}
	free(canon);
	if (!found)
		return "signed with a key not in the trust list";
	return ok ? NULL : "platform signature does not match";
}

/*
 * The clear status column is not believed alone (article 23): every
 * license with a status event, or with a change in the audit log, has its
 * signed chain walked; one it says is not valid, or whose facts do not
 * hold, is listed as revoked.
 */
static int
status_from_facts(struct ecert_store *s, unsigned char *bits,
    struct ecert_error *e)
{
	sqlite3_stmt *st, *row;
	int rc;

	st = ecert_prepare(s, "SELECT license FROM license_events UNION"
	    " SELECT object FROM audit WHERE action IN ('license.revoke',"
	    "'license.suspend','license.reinstate','license.approve')", e);
	row = ecert_prepare(s, "SELECT status_index FROM licenses WHERE id = ?"
	    " AND status_index IS NOT NULL", e);
	if (st == NULL || row == NULL) {
		sqlite3_finalize(st);
		sqlite3_finalize(row);
		return e->status;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		char derived[16], why[512];
		struct ecert_error le;
		uint32_t i;
		unsigned v;
		int frc;

		ecert_bind_text(row, 1, id);
		if (sqlite3_step(row) != SQLITE_ROW) {
			sqlite3_reset(row);
			continue;
		}
		i = (uint32_t)sqlite3_column_int64(row, 0);
		sqlite3_reset(row);
		frc = ecert_license_facts(s, id, derived, sizeof(derived), why,
		    sizeof(why), &le);
		if (frc == ECERT_IOERR || frc == ECERT_BUSY) {
			sqlite3_finalize(st);
			sqlite3_finalize(row);
			*e = le;
			return frc;
		}
		if (frc != 0)
			ecert_warn("status list: %s: tampering: %s; listed as "
			    "revoked", id, why);
		v = frc != 0 || strcmp(derived, "revoked") == 0 ?
		    ECERT_STATUS_REVOKED : strcmp(derived, "suspended") == 0 ?
		    ECERT_STATUS_SUSPENDED : strcmp(derived, "superseded") == 0 ?
		    ECERT_STATUS_SUPERSEDED : 0;
		/* two bits a place: what the signed facts say replaces what
		 * the status column said */
		if (i < ECERT_STATUS_BITS)
			bits[i / 4] = (unsigned char)((bits[i / 4] &
			    ~(3u << (i % 4 * 2))) | (v << (i % 4 * 2)));
	}
	sqlite3_finalize(st);
	sqlite3_finalize(row);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "status");
	return 0;
}

int
ecert_status_export(struct ecert_store *s, const struct ecert_actor *a,
    long ttl_hours, FILE *out, struct ecert_error *e)
{
	size_t nbytes = ECERT_STATUS_BITS / 4, b64n;
	unsigned char *bits = calloc(nbytes, 1), *z;
	uLongf zn;
	sqlite3_stmt *st;
	char now[21], until[21], *b64;
	time_t t = ecert_now_time() + ttl_hours * 3600;
	struct tm tm;
	json_t *obj;
	int rc;

	if (bits == NULL)
		return ecert_fail(e, ECERT_IOERR, "calloc: out of memory");
	st = ecert_prepare(s, "SELECT status_index, status FROM licenses"
	    " WHERE status IN ('revoked','suspended','superseded')"
	    " AND status_index IS NOT NULL", e);
	if (st == NULL) {
		free(bits);
		return e->status;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t i = (uint32_t)sqlite3_column_int64(st, 0);
		const char *w = (const char *)sqlite3_column_text(st, 1);
		unsigned v = strcmp(w, "revoked") == 0 ? ECERT_STATUS_REVOKED :
		    strcmp(w, "suspended") == 0 ? ECERT_STATUS_SUSPENDED :
		    ECERT_STATUS_SUPERSEDED;
		if (i < ECERT_STATUS_BITS)
			bits[i / 4] |= (unsigned char)(v << (i % 4 * 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(bits);
		return ecert_sql_fail(s, e, rc, "status");
	}
	if ((rc = status_from_facts(s, bits, e)) != 0) {
		free(bits);
		return rc;
	}
	zn = compressBound(nbytes);
	z = ecert_xmalloc(zn);
	if (compress2(z, &zn, bits, nbytes, 9) != Z_OK) {
		free(bits);
		free(z);
		return ecert_fail(e, ECERT_IOERR, "status list: zlib cannot "
		    "compress");
	}
	free(bits);
	ecert_now_iso(now);
	gmtime_r(&t, &tm);
	strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm);
	b64n = sodium_base64_ENCODED_LEN(zn,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	b64 = ecert_xmalloc(b64n);
	sodium_bin2base64(b64, b64n, z, zn,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(z);
	obj = json_pack("{s:s, s:i, s:s, s:s, s:I, s:i, s:s}", "type",
	    "ecert-status-list", "version", 2, "issued", now, "valid_until",
	    until, "size", (json_int_t)ECERT_STATUS_BITS, "bits", 2, "lst",
	    b64);
	free(b64);
	if (signed_write(obj, a, ECERT_DOMAIN_STATUS, out) != 0)
		return ecert_fail(e, ECERT_IOERR, "status list: write failed");
	ecert_audit(s, a->unit, "status.export", "status-list", "ok",
	    until);
	return 0;
}

/* A version-2 list's places: base64url of zlib of size/4 bytes. */
static unsigned char *
places_v2(const json_t *obj)
{
	const char *b64 = ecert_json_str(obj, "lst");
	size_t want = ECERT_STATUS_BITS / 4, len, b64n;
	unsigned char *z, *bits;
	uLongf outn = want;

	if (b64 == NULL || json_integer_value(json_object_get(obj, "bits")) !=
	    2 || json_integer_value(json_object_get(obj, "size")) !=
	    (json_int_t)ECERT_STATUS_BITS)
		return NULL;
	b64n = strlen(b64);
	z = ecert_xmalloc(b64n);
	if (sodium_base642bin(z, b64n, b64, b64n, NULL, &len, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
		free(z);
		return NULL;
	}
	bits = ecert_xmalloc(want);
	if (uncompress(bits, &outn, z, len) != Z_OK || outn != want) {
		free(z);
		free(bits);
		return NULL;
	}
	free(z);
	return bits;
}

/* A version-1 list: one bit per place, set when not valid; read as
 * revoked (it does not say which). */
static unsigned char *
places_v1(const json_t *obj)
{
	const char *b64 = ecert_json_str(obj, "bits");
	size_t want = ECERT_STATUS_BITS / 8, len;
	unsigned char *one = ecert_xmalloc(want), *bits;

	if (b64 == NULL || sodium_base642bin(one, want, b64, strlen(b64),
	    NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    len != want) {
		free(one);
		return NULL;
	}
	bits = calloc(ECERT_STATUS_BITS / 4, 1);
	if (bits != NULL)
		for (size_t i = 0; i < ECERT_STATUS_BITS; i++)
			if (one[i / 8] & (0x80 >> (i % 8)))
				bits[i / 4] |= (unsigned char)
				    (ECERT_STATUS_REVOKED << (i % 4 * 2));
	free(one);
	return bits;
}

int
ecert_status_load(const char *path, const json_t *keys, unsigned char **bits,
    size_t *nbits, char *why, size_t n)
{
	json_error_t jerr;
	json_t *obj = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	const char *bad, *until;
	char now[21];

	*bits = NULL;
	if (obj == NULL && access(path, R_OK) != 0) {
		ecert_whyf(why, n, "status list %s: %s", path, strerror(errno));
		return ECERT_IOERR;
	}
	if (obj == NULL || !str_eq_json(obj, "type", "ecert-status-list")) {
		ecert_whyf(why, n, "status list %s: %s", path, obj ? "not a "
		    "status list" : jerr.text);
		json_decref(obj);
		return ECERT_DATAERR;
	}
	until = ecert_json_str(obj, "valid_until");
	if (!status_version_ok(obj) || !iso_ok(until)) {
		ecert_whyf(why, n, "status list %s: %s", path,
		    !status_version_ok(obj) ?
		    "version not understood (this program reads versions 1 "
		    "and 2)" : "valid_until is not a time "
		    "(YYYY-MM-DDTHH:MM:SSZ)");
		json_decref(obj);
		return ECERT_DATAERR;
	}
	if ((bad = check_object(obj, keys, ECERT_DOMAIN_STATUS)) != NULL) {
		ecert_whyf(why, n, "status list %s: %s", path, bad);
		json_decref(obj);
		return ECERT_NO;
	}
	ecert_now_iso(now);
	if (strcmp(now, until) > 0) {
		ecert_whyf(why, n, "status list %s: out of date (valid until %s);"
		    " fetch a new one", path, until ? until : "?");
		json_decref(obj);
		return ECERT_NO;
	}
	*bits = json_integer_value(json_object_get(obj, "version")) == 2 ?
	    places_v2(obj) : places_v1(obj);
	json_decref(obj);
	if (*bits == NULL) {
		ecert_whyf(why, n, "status list %s: bad bitstring", path);
		return ECERT_DATAERR;
	}
	*nbits = ECERT_STATUS_BITS;
	return 0;
}

int
ecert_trust_export(struct ecert_store *s, const struct ecert_actor *a,
    FILE *out, struct ecert_error *e)
{
	json_t *obj;
	char now[21];

	ecert_now_iso(now);
	obj = json_pack("{s:s, s:i, s:s, s:o}", "type", "ecert-trust-list",
	    "version", 1, "issued", now, "keys", ecert_key_export(s, NULL));
	if (signed_write(obj, a, ECERT_DOMAIN_TRUST, out) != 0)
		return ecert_fail(e, ECERT_IOERR, "trust list: write failed");
	ecert_audit(s, a->unit, "trust.export", "trust-list", "ok", NULL);
	return 0;
}

/*
 * Each key once, with times that can be read: a key whose not_after
 * could not be read would never end.  Linear: the ids seen are kept in a
 * hash (a signed list is checked against each entry of its signer's id,
 * over the whole list, so duplicates would make the check quadratic).
 */
static int
keys_sane(const json_t *keys, const char *path, struct ecert_error *e)
{
	json_t *seen = json_object(), *k;
	const json_t *na;
	const char *kid;
	size_t i;
	int rc = 0;

	json_array_foreach(keys, i, k) {
		kid = ecert_json_str(k, "key_id");
		na = json_object_get(k, "not_after");
		if (kid == NULL)
			rc = ecert_fail(e, ECERT_DATAERR, "trust %s: key %zu: "
			    "no key_id", path, i + 1);
		else if (json_object_get(seen, kid) != NULL)
			rc = ecert_fail(e, ECERT_DATAERR, "trust %s: key %zu: "
			    "%s listed twice", path, i + 1, kid);
		else if (!iso_ok(ecert_json_str(k, "not_before")))
			rc = ecert_fail(e, ECERT_DATAERR, "trust %s: key %s: "
			    "not_before is not a time (YYYY-MM-DDTHH:MM:SSZ)",
			    path, kid);
		else if (!json_is_null(na) && na != NULL &&
		    !iso_ok(json_string_value(na)))
			rc = ecert_fail(e, ECERT_DATAERR, "trust %s: key %s: "
			    "not_after is not a time (YYYY-MM-DDTHH:MM:SSZ)",
			    path, kid);
		if (rc != 0)
			break;
		json_object_set_new(seen, kid, json_true());
	}
	json_decref(seen);
	return rc;
}

/* The platform's public key file of --anchor: missing 74, garbage 65. */
static json_t *
anchor_load(const char *anchor, struct ecert_error *e)
{
	json_error_t jerr;
	json_t *pin;
	struct ecert_pub pk;
	const char *b64;

	if (access(anchor, R_OK) != 0) {
		ecert_fail(e, ECERT_IOERR, "anchor %s: %s", anchor,
		    strerror(errno));
		return NULL;
	}
	pin = json_load_file(anchor, JSON_DISABLE_EOF_CHECK, &jerr);
	if (pin == NULL) {
		ecert_fail(e, ECERT_DATAERR, "anchor %s:%d: not a public key "
		    "file (%s)", anchor, jerr.line, jerr.text);
		return NULL;
	}
	b64 = ecert_json_str(pin, "public_key");
	if (b64 == NULL || !ecert_pub_parse(ecert_json_str(pin, "alg"), b64,
	    &pk)) {
		ecert_fail(e, ECERT_DATAERR, "anchor %s: not a public key file "
		    "(no valid public_key; give platform.key.pub)", anchor);
		json_decref(pin);
		return NULL;
	}
	return pin;
}

/* JSON Lines of public keys, as `ecert-unit export` writes them. */
static json_t *
trust_lines(const char *path, struct ecert_error *e)
{
	json_t *keys = json_array(), *k;
	FILE *fp = fopen(path, "r");
	struct ecert_reader r = { 0 };
	char *line;
	size_t len;
	int rc;

	if (fp == NULL) {
		ecert_fail(e, ECERT_IOERR, "trust %s: %s", path,
		    strerror(errno));
		json_decref(keys);
		return NULL;
	}
	r.fp = fp;
	r.name = path;
	while ((rc = ecert_read_line(&r, &line, &len, e)) != -1) {
		if (rc == 0 && len == 0)
			continue;
		k = rc == 0 ? ecert_json_parse(line, len, e) : NULL;
		if (k == NULL || ecert_json_str(k, "key_id") == NULL) {
			ecert_fail(e, ECERT_DATAERR, "trust %s:%ld: not a "
			    "public key", path, r.line);
			json_decref(k);
			json_decref(keys);
			keys = NULL;
			break;
		}
		json_array_append_new(keys, k);
	}
	fclose(fp);
	ecert_reader_free(&r);
	if (keys != NULL && keys_sane(keys, path, e) != 0) {
		json_decref(keys);
		keys = NULL;
	}
	return keys;
}

/*
 * A signed trust list (checked against its own platform key, and against
 * the anchor's public key file when one is given), or JSON Lines of
 * public keys as `ecert-unit export` writes them.  What cannot be read is
 * refused (65) before any signature is checked; a signature or an anchor
 * that does not match is a definite no (1).
 */
json_t *
ecert_trust_load(const char *path, const char *anchor, struct ecert_error *e)
{
	json_error_t jerr;
	json_t *obj, *keys, *pin = NULL;
	const json_t *signer = NULL, *kk;
	const char *bad, *kid;
	size_t i;
	int rc = 0;

	if (access(path, R_OK) != 0) {
		ecert_fail(e, ECERT_IOERR, "trust %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (anchor != NULL && (pin = anchor_load(anchor, e)) == NULL)
		return NULL;
	obj = json_load_file(path, JSON_REJECT_DUPLICATES |
	    JSON_DISABLE_EOF_CHECK, &jerr);
	if (obj == NULL) {
		ecert_fail(e, ECERT_DATAERR, "trust %s:%d: %s", path, jerr.line,
		    jerr.text);
		json_decref(pin);
		return NULL;
	}
	if (!str_eq_json(obj, "type", "ecert-trust-list")) {
		json_decref(obj);
		if (pin != NULL) {
			json_decref(pin);
			ecert_fail(e, ECERT_USAGE, "trust %s: --anchor needs a "
			    "signed trust list (ecert-unit export --trust)",
			    path);
			return NULL;
		}
		return trust_lines(path, e);
	}
	keys = json_incref(json_object_get(obj, "keys"));
	kid = ecert_json_str(obj, "key_id");
	if (!version_ok(obj))
		rc = ecert_fail(e, ECERT_DATAERR, "trust %s: version not "
		    "understood (this program reads version 1)", path);
	else if (!json_is_array(keys))
		rc = ecert_fail(e, ECERT_DATAERR, "trust %s: no keys", path);
	else if ((rc = keys_sane(keys, path, e)) != 0)
		;
	else if ((bad = check_object(obj, keys, ECERT_DOMAIN_TRUST)) != NULL)
		rc = ecert_fail(e, ECERT_NO, "trust %s: %s", path, bad);
	else if (pin != NULL) {
		json_array_foreach(keys, i, kk)
			if (kid != NULL && str_eq_json(kk, "key_id", kid))
				signer = kk;
		/* pinned by the public key itself, not by its id */
		if (signer == NULL || !str_eq_json(signer, "public_key",
		    ecert_json_str(pin, "public_key")))
			rc = ecert_fail(e, ECERT_NO, "trust %s: not signed by "
			    "the anchor %s", path, anchor);
	}
	json_decref(pin);
	json_decref(obj);
	if (rc != 0) {
		json_decref(keys);
		return NULL;
	}
	return keys;
}

char *
ecert_license_token(struct ecert_store *s, const char *id,
    const struct ecert_actor *platform, long ttl, struct ecert_error *e)
{
	return ecert_license_token_disclose(s, id, platform, ttl, NULL, e);
}

/* A format-1 license's token: its stored compact body, presented. */
char *
ecert_license_token1(struct ecert_store *s, const char *id,
    const struct ecert_actor *platform, long ttl, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char *body = NULL, *token = NULL, status[16] = "";
	size_t n = 0;
	uint32_t index = 0;
	int rc;

	{
		/* shown only as what its signed facts say (article 23) */
		enum ecert_verdict v;
		char why[512];

		rc = ecert_license_verify(s, id, &v, why, sizeof(why), e);
		if (rc == ECERT_NO && v == ECERT_VERDICT_INVALID) {
			ecert_fail(e, ECERT_NO, "%s: is invalid (%s); only a "
			    "valid license can be shown", id, why);
			return NULL;
		}
		if (rc == ECERT_NO && v != ECERT_VERDICT_NOT_FOUND) {
			ecert_fail(e, ECERT_NO, "%s: is %s; only a valid "
			    "license can be shown", id, ecert_verdict_word(v));
			return NULL;
		}
		if (rc != 0 && rc != ECERT_NO)
			return NULL;
	}
	st = ecert_prepare(s, "SELECT status, compact, status_index"
	    " FROM licenses WHERE id = ?", e);
	if (st == NULL)
		return NULL;
	ecert_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(status, sizeof(status), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		index = (uint32_t)sqlite3_column_int64(st, 2);
		if (sqlite3_column_type(st, 1) == SQLITE_BLOB)
			body = ecert_pii_open(s, sqlite3_column_blob(st, 1),
			    (size_t)sqlite3_column_bytes(st, 1), &n);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		ecert_fail(e, ECERT_NO, "%s: not found", id);
	else if (rc != SQLITE_ROW)
		ecert_sql_fail(s, e, rc, "license");
	else if (strcmp(status, "valid") != 0)
		ecert_fail(e, ECERT_NO, "%s: is %s; only a valid license can "
		    "be shown", id, status);
	else if (body == NULL)
		ecert_fail(e, ECERT_NO, "%s: has no presentation body (issued "
		    "before schema 2, or altered)", id);
	else if ((token = ecert_token_present((unsigned char *)body, n, index,
	    &platform->key, ttl, ecert_now_time())) == NULL)
		ecert_fail(e, ECERT_IOERR, "%s: the platform's key cannot sign",
		    id);
	free(body);
	return token;
}
