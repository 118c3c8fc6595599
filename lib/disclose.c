/*
 * disclose.c: format-2 tokens, the core and only the items chosen.
 *
 * A token of format 2 is the signed core (core.c), the issuer's one
 * signature over it, the disclosures chosen (salt, path, value) and the
 * platform's presentation part as in format 1 (status place, times, key
 * id, signature over all before it).  No second issuer signature: the
 * verifier checks the core's signature and that every disclosure's digest
 * is one of the core's.  ecert(5) gives the layout.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ecert_priv.h"

#define MAX_TOKEN_BYTES 663	/* "EC1:" + base45: under 1000 (999) */
#define PRESENT 84

/* The paths for a comma list of names (labels or keys). */
static json_t *
paths_named(const json_t *type, const char *names, struct ecert_error *e)
{
	json_t *out = json_array();
	char *copy = ecert_xstrdup(names), *save = NULL, *tok, path[300];

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (ecert_core_path_for(type, tok, path, sizeof(path)) != 0) {
			ecert_fail(e, ECERT_DATAERR, "--disclose %s: not an "
			    "item of type %s (%s)", tok, ecert_json_str(type,
			    "code"), ecert_json_str(type, "name"));
			json_decref(out);
			free(copy);
			return NULL;
		}
		json_array_append_new(out, json_string(path));
	}
	free(copy);
	return out;
}

/* Paths in the order of their disclosure's size, shortest first, the
 * holder's and the number first of all (a stable insertion sort: a few
 * dozen items). */
static void
sort_by_size(const json_t *doc, json_t *paths)
{
	json_t *items = ecert_core_items(doc);
	size_t n = json_array_size(paths), i, j, *size;
	char *canon;

	size = ecert_xmalloc((n + 1) * sizeof(*size));
	for (i = 0; i < n; i++) {
		const char *path = json_string_value(json_array_get(paths, i));
		canon = ecert_json_canonical(json_object_get(items, path));
		/* the holder and the number first, whatever their size */
		size[i] = path[0] == '#' || path[0] == '@' ? 0 :
		    strlen(path) + (canon ? strlen(canon) : 0);
		free(canon);
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && size[j - 1] > size[j]; j--) {
			size_t t = size[j];
			json_t *a = json_incref(json_array_get(paths, j - 1));
			json_t *b = json_incref(json_array_get(paths, j));
			size[j] = size[j - 1];
			size[j - 1] = t;
			json_array_set_new(paths, j - 1, b);
			json_array_set_new(paths, j, a);
		}
	free(size);
	json_decref(items);
}

char *
ecert_license_token_disclose(struct ecert_store *s, const char *id,
    const struct ecert_actor *platform, long ttl, const char *names,
    struct ecert_error *e)
{
	json_t *signed_doc = NULL, *type = NULL, *paths = NULL, *want = NULL;
	const json_t *doc, *sig;
	unsigned char *core = NULL, *disc = NULL, *buf = NULL, raw[65];
	size_t coren = 0, discn = 0, len, i, room;
	char status[16], why[300], *token = NULL;
	sqlite3_stmt *st;
	uint32_t index = 0;
	int withheld;

	if (ecert_license_load(s, id, &signed_doc, status, sizeof(status),
	    e) != 0)
		return NULL;
	doc = json_object_get(signed_doc, "document");
	sig = json_object_get(signed_doc, "signature");
	if (json_object_get(doc, "format") == NULL) {
		json_decref(signed_doc);
		if (names != NULL) {
			ecert_fail(e, ECERT_DATAERR, "%s: a format-1 license "
			    "shows all its items; --disclose needs format 2",
			    id);
			return NULL;
		}
		return ecert_license_token1(s, id, platform, ttl, e);
	}
	if (strcmp(status, "valid") != 0) {
		ecert_fail(e, ECERT_NO, "%s: is %s; only a valid license can "
		    "be shown", id, status);
		goto out;
	}
	if ((type = ecert_catalog_get(s, ecert_json_str(doc, "type"))) ==
	    NULL) {
		ecert_fail(e, ECERT_DATAERR, "%s: type %s not in the catalog",
		    id, ecert_json_str(doc, "type"));
		goto out;
	}
	if ((st = ecert_prepare(s, "SELECT status_index FROM licenses"
	    " WHERE id = ?", e)) == NULL)
		goto out;
	ecert_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		index = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (ecert_core_build(doc, ecert_json_str(sig, "alg"),
	    ecert_json_str(sig, "key_id"), &core, &coren, why,
	    sizeof(why)) != 0 || ecert_b64_decode(ecert_json_str(sig,
	    "value") ? ecert_json_str(sig, "value") : "", raw, sizeof(raw),
	    &len) != 0 || len != 64) {
		ecert_fail(e, ECERT_NO, "%s: stored document altered (%s)", id,
		    why);
		goto out;
	}
	if (coren + 64 + 1 + PRESENT > MAX_TOKEN_BYTES) {
		ecert_fail(e, ECERT_NO, "%s: too many items for a QR code", id);
		goto out;
	}
	room = MAX_TOKEN_BYTES - coren - 64 - PRESENT;
	if (names != NULL) {
		if ((paths = paths_named(type, names, e)) == NULL)
			goto out;
		if ((disc = ecert_core_disclose(doc, paths, room, &discn,
		    &withheld, why, sizeof(why))) == NULL) {
			ecert_fail(e, ECERT_DATAERR, "%s: --disclose %s", id,
			    why);
			goto out;
		}
	} else {
		/* the public items, as many as fit, the shortest first so
		 * that as many as can be are shown; the rest are withheld
		 * and still counted by the verifier */
		json_t *all = ecert_core_public_paths(type, doc), *p;
		sort_by_size(doc, all);
		want = json_array();
		json_array_foreach(all, i, p) {
			unsigned char *try;
			json_array_append(want, p);
			try = ecert_core_disclose(doc, want, room, &len,
			    &withheld, why, sizeof(why));
			if (try == NULL) {
				json_array_remove(want, json_array_size(want) -
				    1);
				continue;
			}
			free(disc);
			disc = try;
			discn = len;
		}
		json_decref(all);
		if (disc == NULL && (disc = ecert_core_disclose(doc, want,
		    room, &discn, &withheld, why, sizeof(why))) == NULL) {
			ecert_fail(e, ECERT_NO, "%s: %s", id, why);
			goto out;
		}
	}
	buf = ecert_xmalloc(coren + 64 + discn);
	memcpy(buf, core, coren);
	memcpy(buf + coren, raw, 64);
	memcpy(buf + coren + 64, disc, discn);
	if ((token = ecert_token_present(buf, coren + 64 + discn, index,
	    &platform->key, ttl, ecert_now_time())) == NULL)
		ecert_fail(e, ECERT_IOERR, "%s: the platform's key cannot sign",
		    id);
out:
	free(buf);
	free(core);
	free(disc);
	json_decref(paths);
	json_decref(want);
	json_decref(type);
	json_decref(signed_doc);
	return token;
}

/*
 * The issuer's part of a format-2 token: the core's signature and every
 * disclosure against the core.  Fills t; body is where the presentation
 * part starts.  Returns 0, or -1 with why.
 */
int
ecert_token2_read(const unsigned char *buf, size_t n, const json_t *ik,
    const struct ecert_pub *pk, struct ecert_token *t, size_t *body,
    char *why, size_t whyn)
{
	size_t coren = ecert_core_length(buf, n), at, k, pn, vn, ndig;
	const unsigned char *digests;
	unsigned char d[ECERT_DIGEST_BYTES];
	int count, dalg;
	char path[256], section[64], key[256], *val;
	json_t *v, *seen = json_object();

	(void)ik;
	if (coren == 0 || coren + 64 + 1 > n) {
		ecert_whyf(why, whyn, "token damaged: bad core");
		goto fail;
	}
	if (pk != NULL && !ecert_verify_raw(pk, ECERT_DOMAIN_CORE, buf, coren,
	    buf + coren)) {
		ecert_whyf(why, whyn, "issuer signature does not match");
		goto fail;
	}
	dalg = buf[2];
	{
		size_t a2 = 20;
		for (int i = 0; i < 3; i++)
			a2 += 1 + buf[a2];
		ndig = buf[a2];
		digests = buf + a2 + 1;
	}
	at = coren + 64;
	count = buf[at++];
	for (int i = 0; i < count; i++) {
		const unsigned char *salt = buf + at;
		if (at + ECERT_SALT_BYTES + 1 > n)
			goto damaged;
		at += ECERT_SALT_BYTES;
		pn = buf[at++];
		if (at + pn + 2 > n)
			goto damaged;
		memcpy(path, buf + at, pn);
		path[pn] = '\0';
		at += pn;
		vn = (size_t)buf[at] << 8 | buf[at + 1];
		at += 2;
		if (at + vn > n)
			goto damaged;
		if (ecert_core_digest(dalg, salt, path, buf + at, vn, d) != 0) {
			ecert_whyf(why, whyn, "digest algorithm %d unknown", dalg);
			goto fail;
		}
		for (k = 0; k < ndig; k++)
			if (memcmp(digests + k * ECERT_DIGEST_BYTES, d,
			    ECERT_DIGEST_BYTES) == 0)
				break;
		if (k == ndig) {
			ecert_whyf(why, whyn, "disclosure %s: its digest is not "
			    "in the signed core (wrong salt or value)", path);
			goto fail;
		}
		if (json_object_get(seen, path) != NULL ||
		    ecert_core_place(path, section, sizeof(section), key,
		    sizeof(key)) != 0) {
			ecert_whyf(why, whyn, "disclosure %s: repeated or "
			    "unknown", path);
			goto fail;
		}
		val = ecert_xmalloc(vn + 1);
		memcpy(val, buf + at, vn);
		val[vn] = '\0';
		at += vn;
		v = json_loads(val, JSON_DECODE_ANY, NULL);
		free(val);
		if (v == NULL) {
			ecert_whyf(why, whyn, "disclosure %s: not JSON", path);
			goto fail;
		}
		json_object_set_new(seen, path, json_true());
		if (strcmp(section, "items") == 0)
			json_object_set(t->items, key, v);
		else if (strcmp(path, "#") == 0 && json_is_string(v))
			snprintf(t->number, sizeof(t->number), "%s",
			    json_string_value(v));
		else if (strcmp(path, "@n") == 0 && json_is_string(v))
			snprintf(t->holder, sizeof(t->holder), "%s",
			    json_string_value(v));
		else if (strcmp(path, "@i") == 0 && json_is_string(v))
			snprintf(t->holder_id, sizeof(t->holder_id), "%s",
			    json_string_value(v));
		json_decref(v);
	}
	t->format = 2;
	t->disclosed = count;
	t->withheld = (int)ndig - count;
	*body = at;
	json_decref(seen);
	return 0;
damaged:
	ecert_whyf(why, whyn, "token damaged: bad disclosure");
fail:
	json_decref(seen);
	return -1;
}
