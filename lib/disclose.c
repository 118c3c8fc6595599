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

/* The public items, as many as fit in room, the shortest first so that
 * as many as can be are shown; the rest are withheld and still counted
 * by the verifier.  The disclosures, or NULL with why. */
static unsigned char *
disclose_public(const json_t *type, const json_t *doc, size_t room,
    size_t *discn, int *withheld, char *why, size_t whyn)
{
	json_t *all = ecert_core_public_paths(type, doc), *want = json_array();
	json_t *p;
	unsigned char *disc = NULL, *try;
	size_t i, len;

	sort_by_size(doc, all);
	json_array_foreach(all, i, p) {
		json_array_append(want, p);
		try = ecert_core_disclose(doc, want, room, &len, withheld, why,
		    whyn);
		if (try == NULL) {
			json_array_remove(want, json_array_size(want) - 1);
			continue;
		}
		free(disc);
		disc = try;
		*discn = len;
	}
	if (disc == NULL)
		disc = ecert_core_disclose(doc, want, room, discn, withheld,
		    why, whyn);
	json_decref(all);
	json_decref(want);
	return disc;
}

/* The disclosures for the names given (NULL: the public items), in what
 * room is left; NULL with e. */
static unsigned char *
disclose_chosen(const char *id, const json_t *type, const json_t *doc,
    const char *names, size_t room, size_t *discn, struct ecert_error *e)
{
	json_t *paths;
	unsigned char *disc;
	char why[300];
	int withheld;

	if (names == NULL) {
		if ((disc = disclose_public(type, doc, room, discn, &withheld,
		    why, sizeof(why))) == NULL)
			ecert_fail(e, ECERT_NO, "%s: %s", id, why);
		return disc;
	}
	if ((paths = paths_named(type, names, e)) == NULL)
		return NULL;
	if ((disc = ecert_core_disclose(doc, paths, room, discn, &withheld,
	    why, sizeof(why))) == NULL)
		ecert_fail(e, ECERT_DATAERR, "%s: --disclose %s", id, why);
	json_decref(paths);
	return disc;
}

/* The issuer's part: the core made again from the stored document and
 * its 64-byte signature (raw).  The core, or NULL with e. */
static unsigned char *
issuer_part(const char *id, const json_t *signed_doc, size_t *coren,
    unsigned char raw[65], struct ecert_error *e)
{
	const json_t *doc = json_object_get(signed_doc, "document");
	const json_t *sig = json_object_get(signed_doc, "signature");
	unsigned char *core = NULL;
	char why[300] = "";
	size_t len;

	if (ecert_core_build(doc, ecert_json_str(sig, "alg"),
	    ecert_json_str(sig, "key_id"), &core, coren, why,
	    sizeof(why)) != 0 || ecert_b64_decode(ecert_json_str(sig,
	    "value") ? ecert_json_str(sig, "value") : "", raw, 65,
	    &len) != 0 || len != 64) {
		ecert_fail(e, ECERT_NO, "%s: stored document altered (%s)", id,
		    why);
		free(core);
		return NULL;
	}
	if (*coren + 64 + 1 + PRESENT > MAX_TOKEN_BYTES) {
		ecert_fail(e, ECERT_NO, "%s: too many items for a QR code", id);
		free(core);
		return NULL;
	}
	return core;
}

/* The license's place in the status list (0 when it has none). */
static uint32_t
status_place(struct ecert_store *s, const char *id, struct ecert_error *e)
{
	sqlite3_stmt *st;
	uint32_t index = 0;

	if ((st = ecert_prepare(s, "SELECT status_index FROM licenses"
	    " WHERE id = ?", e)) == NULL)
		return UINT32_MAX;
	ecert_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		index = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return index;
}

char *
ecert_license_token_disclose(struct ecert_store *s, const char *id,
    const struct ecert_actor *platform, long ttl, const char *names,
    struct ecert_error *e)
{
	json_t *signed_doc = NULL, *type = NULL;
	const json_t *doc;
	unsigned char *core = NULL, *disc = NULL, *buf = NULL, raw[65];
	size_t coren = 0, discn = 0;
	char status[16], *token = NULL;
	uint32_t index;

	if (ecert_license_load(s, id, &signed_doc, status, sizeof(status),
	    e) != 0)
		return NULL;
	doc = json_object_get(signed_doc, "document");
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
	if ((index = status_place(s, id, e)) == UINT32_MAX ||
	    (core = issuer_part(id, signed_doc, &coren, raw, e)) == NULL ||
	    (disc = disclose_chosen(id, type, doc, names, MAX_TOKEN_BYTES -
	    coren - 64 - PRESENT, &discn, e)) == NULL)
		goto out;
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
	json_decref(type);
	json_decref(signed_doc);
	return token;
}

/* One disclosure of a token: its salt, path and value (in the token). */
struct disclosure {
	const unsigned char *salt, *value;
	size_t valuen;
	char path[256];
};

/* The disclosure at *at, *at moved past it; -1 when it overruns. */
static int
disclosure_read(const unsigned char *buf, size_t n, size_t *at,
    struct disclosure *d)
{
	size_t pn;

	if (*at + ECERT_SALT_BYTES + 1 > n)
		return -1;
	d->salt = buf + *at;
	*at += ECERT_SALT_BYTES;
	pn = buf[(*at)++];
	if (*at + pn + 2 > n)
		return -1;
	memcpy(d->path, buf + *at, pn);
	d->path[pn] = '\0';
	*at += pn;
	d->valuen = (size_t)buf[*at] << 8 | buf[*at + 1];
	*at += 2;
	if (*at + d->valuen > n)
		return -1;
	d->value = buf + *at;
	*at += d->valuen;
	return 0;
}

/* The disclosure's digest is one of the ndig the core signed.  0, or -1
 * with why. */
static int
digest_signed(int dalg, const unsigned char *digests, size_t ndig,
    const struct disclosure *d, char *why, size_t whyn)
{
	unsigned char dg[ECERT_DIGEST_BYTES];
	size_t k;

	if (ecert_core_digest(dalg, d->salt, d->path, d->value, d->valuen,
	    dg) != 0) {
		ecert_whyf(why, whyn, "digest algorithm %d unknown", dalg);
		return -1;
	}
	for (k = 0; k < ndig; k++)
		if (memcmp(digests + k * ECERT_DIGEST_BYTES, dg,
		    ECERT_DIGEST_BYTES) == 0)
			return 0;
	ecert_whyf(why, whyn, "disclosure %s: its digest is not in the signed "
	    "core (wrong salt or value)", d->path);
	return -1;
}

/* The disclosed value into t (an item, the number or the holder), each
 * path once (seen).  0, or -1 with why. */
static int
disclosure_take(struct ecert_token *t, json_t *seen,
    const struct disclosure *d, char *why, size_t whyn)
{
	char section[64], key[256], *val;
	json_t *v;

	if (json_object_get(seen, d->path) != NULL ||
	    ecert_core_place(d->path, section, sizeof(section), key,
	    sizeof(key)) != 0) {
		ecert_whyf(why, whyn, "disclosure %s: repeated or unknown",
		    d->path);
		return -1;
	}
	val = ecert_xmalloc(d->valuen + 1);
	memcpy(val, d->value, d->valuen);
	val[d->valuen] = '\0';
	v = json_loads(val, JSON_DECODE_ANY, NULL);
	free(val);
	if (v == NULL) {
		ecert_whyf(why, whyn, "disclosure %s: not JSON", d->path);
		return -1;
	}
	json_object_set_new(seen, d->path, json_true());
	if (strcmp(section, "items") == 0)
		json_object_set(t->items, key, v);
	else if (strcmp(d->path, "#") == 0 && json_is_string(v))
		snprintf(t->number, sizeof(t->number), "%s",
		    json_string_value(v));
	else if (strcmp(d->path, "@n") == 0 && json_is_string(v))
		snprintf(t->holder, sizeof(t->holder), "%s",
		    json_string_value(v));
	else if (strcmp(d->path, "@i") == 0 && json_is_string(v))
		snprintf(t->holder_id, sizeof(t->holder_id), "%s",
		    json_string_value(v));
	json_decref(v);
	return 0;
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
	size_t coren = ecert_core_length(buf, n), at = 20, ndig;
	const unsigned char *digests;
	struct disclosure d;
	json_t *seen = json_object();
	int i, count;

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
	/* the core's digests, after type, issuer and serial */
	for (i = 0; i < 3; i++)
		at += 1 + buf[at];
	ndig = buf[at];
	digests = buf + at + 1;
	at = coren + 64;
	count = buf[at++];
	for (i = 0; i < count; i++) {
		if (disclosure_read(buf, n, &at, &d) != 0) {
			ecert_whyf(why, whyn, "token damaged: bad disclosure");
			goto fail;
		}
		if (digest_signed(buf[2], digests, ndig, &d, why, whyn) != 0 ||
		    disclosure_take(t, seen, &d, why, whyn) != 0)
			goto fail;
	}
	t->format = 2;
	t->disclosed = count;
	t->withheld = (int)ndig - count;
	*body = at;
	json_decref(seen);
	return 0;
fail:
	json_decref(seen);
	return -1;
}

/* A license's token with the catalog's public items disclosed. */
char *
ecert_license_token(struct ecert_store *s, const char *id,
    const struct ecert_actor *platform, long ttl, struct ecert_error *e)
{
	return ecert_license_token_disclose(s, id, platform, ttl, NULL, e);
}
