/*
 * trust.c: the trust list (articles 16, 19): every unit's public keys
 * with their validity, signed by the platform, for verifiers with no
 * store; and what every platform-signed list shares (the status list's
 * too, status.c): its time format, its version, its signature made and
 * checked.  The list is believed only when its signer is the key pinned
 * by the anchor (ecert(7)).
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ecert_priv.h"

/* A time as the lists write it (YYYY-MM-DDTHH:MM:SSZ), and nothing else. */
int
ecert_list_time_ok(const char *t)
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
int
ecert_list_version_ok(const json_t *obj)
{
	const json_t *v = json_object_get(obj, "version");

	return json_is_integer(v) && json_integer_value(v) == 1;
}

/* Signs obj (a list, without its signature member), adds the signature
 * and writes it as one line; obj is released.  -1 when the write failed. */
int
ecert_list_write(json_t *obj, const struct ecert_actor *a, const char *domain,
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
const char *
ecert_list_check(const json_t *obj, const json_t *keys, const char *domain)
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
		if (kid == NULL || !ecert_json_is(k, "key_id", kid))
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

int
ecert_trust_export(struct ecert_store *s, const struct ecert_actor *a,
    FILE *out, struct ecert_error *e)
{
	json_t *obj;
	char now[21];

	ecert_now_iso(now);
	obj = json_pack("{s:s, s:i, s:s, s:o}", "type", "ecert-trust-list",
	    "version", 1, "issued", now, "keys", ecert_key_export(s, NULL));
	if (ecert_list_write(obj, a, ECERT_DOMAIN_TRUST, out) != 0)
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
		else if (!ecert_list_time_ok(ecert_json_str(k, "not_before")))
			rc = ecert_fail(e, ECERT_DATAERR, "trust %s: key %s: "
			    "not_before is not a time (YYYY-MM-DDTHH:MM:SSZ)",
			    path, kid);
		else if (!json_is_null(na) && na != NULL &&
		    !ecert_list_time_ok(json_string_value(na)))
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
	if (!ecert_json_is(obj, "type", "ecert-trust-list")) {
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
	if (!ecert_list_version_ok(obj))
		rc = ecert_fail(e, ECERT_DATAERR, "trust %s: version not "
		    "understood (this program reads version 1)", path);
	else if (!json_is_array(keys))
		rc = ecert_fail(e, ECERT_DATAERR, "trust %s: no keys", path);
	else if ((rc = keys_sane(keys, path, e)) != 0)
		;
	else if ((bad = ecert_list_check(obj, keys, ECERT_DOMAIN_TRUST)) != NULL)
		rc = ecert_fail(e, ECERT_NO, "trust %s: %s", path, bad);
	else if (pin != NULL) {
		json_array_foreach(keys, i, kk)
			if (kid != NULL && ecert_json_is(kk, "key_id", kid))
				signer = kk;
		/* pinned by the public key itself, not by its id */
		if (signer == NULL || !ecert_json_is(signer, "public_key",
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
