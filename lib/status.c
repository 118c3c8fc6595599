/*
 * status.c: the status list (articles 16, 19), signed by the platform
 * (its signature and format shared with the trust list: trust.c), and
 * the places in it.  The status list (version 2) has two bits per place,
 * every license version its own place, with the IETF Token Status List's
 * values (0 valid, 1 revoked, 2 suspended, 3 superseded), zlib-compressed
 * as the IETF and W3C lists are; version 1 (one bit, revoked or
 * suspended or superseded) is still read.  A place is a keyed
 * permutation of a sequence number, reserved in blocks.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zlib.h>

#include "ecert_priv.h"

#define RESERVE 256

/* The status list's: 1 (one bit) or 2 (two bits, compressed). */
static int
status_version_ok(const json_t *obj)
{
	const json_t *v = json_object_get(obj, "version");

	return ecert_list_version_ok(obj) || (json_is_integer(v) &&
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
 * A license's place in the status list: a keyed permutation (a 4-round
 * Feistel network over 24 bits) of its sequence number, so places are
 * unique yet reveal nothing of the order of issue.
 */
uint32_t
ecert_status_index(const struct ecert_store *s, uint64_t seq)
{
	unsigned char key[32], msg[5], h[16];
	uint32_t l = (uint32_t)(seq >> 12) & 0xfff, r = (uint32_t)seq & 0xfff;
	uint32_t t;
	int round;

	crypto_generichash(key, sizeof(key),
	    (const unsigned char *)"ecert-status-index", 18, s->index_key,
	    sizeof(s->index_key));
	for (round = 0; round < 4; round++) {
		msg[0] = (unsigned char)round;
		msg[1] = (unsigned char)(r >> 8);
		msg[2] = (unsigned char)r;
		msg[3] = msg[4] = 0;
		crypto_generichash(h, sizeof(h), msg, sizeof(msg), key,
		    sizeof(key));
		t = l ^ (((uint32_t)h[0] << 8 | h[1]) & 0xfff);
		l = r;
		r = t;
	}
	sodium_memzero(key, sizeof(key));
	return l << 12 | r;
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
	if (ecert_list_write(obj, a, ECERT_DOMAIN_STATUS, out) != 0)
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
	if (obj == NULL || !ecert_json_is(obj, "type", "ecert-status-list")) {
		ecert_whyf(why, n, "status list %s: %s", path, obj ? "not a "
		    "status list" : jerr.text);
		json_decref(obj);
		return ECERT_DATAERR;
	}
	until = ecert_json_str(obj, "valid_until");
	if (!status_version_ok(obj) || !ecert_list_time_ok(until)) {
		ecert_whyf(why, n, "status list %s: %s", path,
		    !status_version_ok(obj) ?
		    "version not understood (this program reads versions 1 "
		    "and 2)" : "valid_until is not a time "
		    "(YYYY-MM-DDTHH:MM:SSZ)");
		json_decref(obj);
		return ECERT_DATAERR;
	}
	if ((bad = ecert_list_check(obj, keys, ECERT_DOMAIN_STATUS)) != NULL) {
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
