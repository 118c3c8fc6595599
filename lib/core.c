/*
 * core.c: format 2, one issuer signature per license version.
 *
 * The issuer signs a compact binary core: the identifier's parts, the key
 * id, the validity, the time of signing, and one salted digest per data
 * item (the holder's name and code, the number and every catalog item are
 * items), in the manner of SD-JWT (RFC 9901) and ISO 18013-5's Mobile
 * Security Object.  An item's disclosure is its salt (16 random bytes),
 * its path (a short name) and its value (canonical JSON); its digest is
 *
 *	H(salt || len(path) || path || value) cut to 16 bytes
 *
 * with H SHA-256 for an Ed25519 issuer and SM3 for an SM2 issuer (the core
 * names which).  The stored document is the JSON license with a "salts"
 * member (every item's salt): the core is rebuilt from it and checked
 * against the one signature.  A token carries the core, its signature and
 * only the disclosures chosen; a withheld item's digest is salted, so its
 * value cannot be tried from the token.  ecert(5) gives the layout.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ecert_priv.h"

/* Members the fixed part of the core carries; everything else of the
 * document is an item with a digest. */
static const char *const in_core[] = {
	"format", "id", "version", "type", "valid_from", "valid_until",
	"signed_at", "historical", "partial", "salts", NULL
};

static int
is_core(const char *key)
{
	for (int i = 0; in_core[i] != NULL; i++)
		if (strcmp(key, in_core[i]) == 0)
			return 1;
	return 0;
}

static int
item_key_plain(const char *k)
{
	return k[0] != '\0' && strchr("#@^%!~", k[0]) == NULL;
}

/* prefix then key into out (n bytes), cut to fit (on an import's hot
 * path: no snprintf) */
static void
path_put(char *out, size_t n, const char *prefix, const char *key)
{
	size_t pl = strlen(prefix), kl = strlen(key);

	if (pl >= n)
		pl = n - 1;
	memcpy(out, prefix, pl);
	if (kl > n - 1 - pl)
		kl = n - 1 - pl;
	memcpy(out + pl, key, kl);
	out[pl + kl] = '\0';
}

/* The short path of a document member (section NULL: top level). */
static void
path_of(const char *section, const char *key, char *out, size_t n)
{
	if (section == NULL) {
		if (strcmp(key, "number") == 0)
			path_put(out, n, "#", "");
		else if (strcmp(key, "issue_date") == 0)
			path_put(out, n, "%d", "");
		else
			path_put(out, n, "!", key);
	} else if (strcmp(section, "holder") == 0) {
		if (strcmp(key, "name") == 0)
			path_put(out, n, "@n", "");
		else if (strcmp(key, "id") == 0)
			path_put(out, n, "@i", "");
		else if (strcmp(key, "id_type") == 0)
			path_put(out, n, "@t", "");
		else
			path_put(out, n, "@.", key);
	} else if (strcmp(section, "issuer") == 0) {
		if (strcmp(key, "name") == 0)
			path_put(out, n, "^n", "");
		else
			path_put(out, n, "^.", key);
	} else
		path_put(out, n, item_key_plain(key) ? "" : "~", key);
}

int
ecert_core_place(const char *path, char *section, size_t sn, char *key,
    size_t kn)
{
	static const struct { const char *path, *section, *key; } fixed[] = {
		{ "#", "", "number" }, { "%d", "", "issue_date" },
		{ "@n", "holder", "name" }, { "@i", "holder", "id" },
		{ "@t", "holder", "id_type" }, { "^n", "issuer", "name" },
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(path, fixed[i].path) == 0) {
			snprintf(section, sn, "%s", fixed[i].section);
			snprintf(key, kn, "%s", fixed[i].key);
			return 0;
		}
	if (path[0] == '!' && path[1] != '\0') {
		snprintf(section, sn, "%s", "");
		snprintf(key, kn, "%s", path + 1);
	} else if (strncmp(path, "@.", 2) == 0 && path[2] != '\0') {
		snprintf(section, sn, "holder");
		snprintf(key, kn, "%s", path + 2);
	} else if (strncmp(path, "^.", 2) == 0 && path[2] != '\0') {
		snprintf(section, sn, "issuer");
		snprintf(key, kn, "%s", path + 2);
	} else if (path[0] == '~' && path[1] != '\0') {
		snprintf(section, sn, "items");
		snprintf(key, kn, "%s", path + 1);
	} else if (item_key_plain(path)) {
		snprintf(section, sn, "items");
		snprintf(key, kn, "%s", path);
	} else
		return -1;
	if (is_core(key) && section[0] == '\0')
		return -1;
	return 0;
}

/* Each item of the document, its path and value to fn (in the
 * document's order, which says nothing: the core sorts digests). */
static void
core_each(const json_t *doc, void (*fn)(const char *, json_t *, void *),
    void *arg)
{
	json_t *v, *w;
	const char *k, *k2;
	char path[300];

	json_object_foreach((json_t *)doc, k, v) {
		if (is_core(k))
			continue;
		if (json_is_object(v) && (strcmp(k, "holder") == 0 ||
		    strcmp(k, "issuer") == 0 || strcmp(k, "items") == 0)) {
			json_object_foreach(v, k2, w) {
				if (strcmp(k, "issuer") == 0 &&
				    strcmp(k2, "code") == 0)
					continue;
				path_of(k, k2, path, sizeof(path));
				fn(path, w, arg);
			}
		} else {
			path_of(NULL, k, path, sizeof(path));
			fn(path, v, arg);
		}
	}
}

static void
item_into(const char *path, json_t *v, void *out)
{
	json_object_set(out, path, v);
}

/* Every item of the document: path -> value. */
json_t *
ecert_core_items(const json_t *doc)
{
	json_t *out = json_object();

	core_each(doc, item_into, out);
	return out;
}

int
ecert_core_digest(int dalg, const unsigned char salt[ECERT_SALT_BYTES],
    const char *path, const unsigned char *v, size_t vn,
    unsigned char out[ECERT_DIGEST_BYTES])
{
	size_t pn = strlen(path), n = ECERT_SALT_BYTES + 1 + pn + vn;
	unsigned char stack[1024], *m, h[32];
	int rc = 0;

	if (pn > 255)
		return -1;
	m = n <= sizeof(stack) ? stack : ecert_xmalloc(n);
	memcpy(m, salt, ECERT_SALT_BYTES);
	m[ECERT_SALT_BYTES] = (unsigned char)pn;
	memcpy(m + ECERT_SALT_BYTES + 1, path, pn);
	memcpy(m + ECERT_SALT_BYTES + 1 + pn, v, vn);
	if (dalg == ECERT_DIGEST_SM3)
		rc = ecert_sm3(m, n, h);
	else if (dalg == ECERT_DIGEST_SHA256)
		crypto_hash_sha256(h, m, n);
	else
		rc = -1;
	if (m != stack)
		free(m);
	memcpy(out, h, ECERT_DIGEST_BYTES);
	return rc;
}

/* An item's digest: its value's canonical form salted (mostly made on
 * the stack: a license's values are short). */
static int
item_digest(int dalg, const unsigned char *salt, const char *path,
    const json_t *v, unsigned char *out)
{
	char buf[512], *canon;
	size_t len;
	int rc;

	if ((canon = ecert_json_canonical_buf(v, buf, sizeof(buf), &len)) ==
	    NULL)
		return -1;
	rc = ecert_core_digest(dalg, salt, path, (unsigned char *)canon, len,
	    out);
	if (canon != buf)
		free(canon);
	return rc;
}

int
ecert_core_dalg(const char *key_alg)
{
	return key_alg != NULL && strcmp(key_alg, "sm2") == 0 ?
	    ECERT_DIGEST_SM3 : ECERT_DIGEST_SHA256;
}

static int
date_in(const json_t *doc, const char *key, unsigned char *p)
{
	const json_t *v = json_object_get(doc, key);
	long d;

	/* 0xffff: null (no end), 0xfffe: absent */
	if (v == NULL || json_is_null(v)) {
		p[0] = 0xff;
		p[1] = v == NULL ? 0xfe : 0xff;
		return 0;
	}
	if (!json_is_string(v) || strlen(json_string_value(v)) != 10 ||
	    (d = ecert_date_days(json_string_value(v))) < 0 || d >= 0xfffe)
		return -1;
	p[0] = (unsigned char)(d >> 8);
	p[1] = (unsigned char)d;
	return 0;
}

static int
cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, ECERT_DIGEST_BYTES);
}

/* A string with its length before it, at most 255 bytes (cores and
 * format-1 token bodies). */
int
ecert_put_str(unsigned char *b, size_t *n, size_t max, const char *v)
{
	size_t len = v != NULL ? strlen(v) : 0;

	if (v == NULL || len > 255 || *n + 1 + len > max)
		return -1;
	b[(*n)++] = (unsigned char)len;
	memcpy(b + *n, v, len);
	*n += len;
	return 0;
}

/* What the core's fixed head carries of a document. */
struct core_head {
	const char *issuer;
	char serial[40];
	int version;
	time_t signed_at;
};

/* signed_at as the core keeps it: whole seconds, in 32 bits, and back
 * to the same text.  -1 when it is not such a time. */
static time_t
core_time(const char *signed_at)
{
	char iso[21];
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (strptime(signed_at, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL ||
	    (t = timegm(&tm)) < 0 || t > 0xffffffffL)
		return -1;
	gmtime_r(&t, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return strcmp(iso, signed_at) == 0 ? t : -1;
}

/* The document's head checked: format 2, an identifier made again from
 * its type, issuer, serial and version, a signing time the core keeps,
 * flags only true or absent.  0, or -1 with why. */
static int
core_head_of(const json_t *doc, const char *key_id, struct core_head *h,
    char *why, size_t whyn)
{
	const json_t *jv = json_object_get(doc, "version"), *v;
	const char *id = ecert_json_str(doc, "id");
	const char *signed_at = ecert_json_str(doc, "signed_at");
	char buf[160], remade[160], *parts[9], *save = NULL, *tok;
	int np = 0;

	h->issuer = ecert_json_str(json_object_get(doc, "issuer"), "code");
	h->version = json_is_integer(jv) ? (int)json_integer_value(jv) : 0;
	if (json_integer_value(json_object_get(doc, "format")) != 2 ||
	    !json_is_object(json_object_get(doc, "salts")) || id == NULL ||
	    signed_at == NULL || h->issuer == NULL || h->version < 1 ||
	    h->version > 255) {
		ecert_whyf(why, whyn, "not a format-2 document");
		return -1;
	}
	/* the identifier is made again from the core's parts */
	snprintf(buf, sizeof(buf), "%s", id);
	for (tok = strtok_r(buf, ".", &save); tok != NULL && np < 9;
	    tok = strtok_r(NULL, ".", &save))
		parts[np++] = tok;
	if (np != 9) {
		ecert_whyf(why, whyn, "identifier malformed");
		return -1;
	}
	snprintf(h->serial, sizeof(h->serial), "%s", parts[7]);
	if (ecert_identifier_make(remade, sizeof(remade), ecert_json_str(doc,
	    "type") ? ecert_json_str(doc, "type") : "", h->issuer, h->serial,
	    h->version) != 0 || strcmp(remade, id) != 0) {
		ecert_whyf(why, whyn, "identifier does not match its type, "
		    "issuer and version");
		return -1;
	}
	if ((h->signed_at = core_time(signed_at)) == -1 ||
	    strlen(key_id) != 16) {
		ecert_whyf(why, whyn, "signed_at is not a time");
		return -1;
	}
	for (const char *const *f = (const char *const[]){ "historical",
	    "partial", NULL }; *f != NULL; f++)
		if ((v = json_object_get(doc, *f)) != NULL && !json_is_true(v)) {
			ecert_whyf(why, whyn, "%s: only true or absent", *f);
			return -1;
		}
	return 0;
}

/* The fixed head into b (20 bytes, then type, issuer, serial); *n is
 * where the item count goes.  0, or -1 with why. */
static int
core_head_put(unsigned char *b, size_t *n, size_t max, const json_t *doc,
    const struct core_head *h, int dalg, const char *key_id, char *why,
    size_t whyn)
{
	size_t len;

	b[0] = 2;
	b[1] = (json_is_true(json_object_get(doc, "historical")) ? 1 : 0) |
	    (json_is_true(json_object_get(doc, "partial")) ? 2 : 0);
	b[2] = (unsigned char)dalg;
	ecert_put32(b + 3, (uint32_t)h->signed_at);
	sodium_hex2bin(b + 7, 8, key_id, 16, NULL, &len, NULL);
	if (len != 8) {
		ecert_whyf(why, whyn, "key id %s malformed", key_id);
		return -1;
	}
	if (date_in(doc, "valid_from", b + 15) != 0 ||
	    date_in(doc, "valid_until", b + 17) != 0) {
		ecert_whyf(why, whyn, "validity dates malformed");
		return -1;
	}
	b[19] = (unsigned char)h->version;
	*n = 20;
	if (ecert_put_str(b, n, max, ecert_json_str(doc, "type")) != 0 ||
	    ecert_put_str(b, n, max, h->issuer) != 0 ||
	    ecert_put_str(b, n, max, h->serial) != 0) {
		ecert_whyf(why, whyn, "type, issuer or serial too long");
		return -1;
	}
	return 0;
}

/* Each item's salted digest into digests, one after the other.  0, or
 * -1 with why. */
static int
core_digests(const json_t *items, const json_t *salts, int dalg,
    unsigned char *digests, char *why, size_t whyn)
{
	unsigned char salt[ECERT_SALT_BYTES + 4];
	const json_t *v;
	const char *path;
	size_t k = 0, len;

	json_object_foreach((json_t *)items, path, v) {
		const char *sb = ecert_json_str(salts, path);
		if (sb == NULL || ecert_b64_decode(sb, salt, sizeof(salt),
		    &len) != 0 || len != ECERT_SALT_BYTES) {
			ecert_whyf(why, whyn, "item %s: no salt", path);
			return -1;
		}
		if (item_digest(dalg, salt, path, v, digests + k *
		    ECERT_DIGEST_BYTES) != 0) {
			ecert_whyf(why, whyn, "item %s: cannot digest", path);
			return -1;
		}
		k++;
	}
	return 0;
}

/*
 * The core of a salted document, for a key of algorithm key_alg and id
 * key_id.  Fails (why) when the document is not one the core can carry
 * exactly: a member it would lose, a missing salt, a date or time that
 * would not come back the same.
 */
static int
core_build(const json_t *doc, const char *key_alg, const char *key_id,
    int partial, const unsigned char *pre, size_t precount,
    unsigned char **out, size_t *outn, char *why, size_t whyn)
{
	const json_t *salts = json_object_get(doc, "salts");
	struct core_head h;
	json_t *items;
	unsigned char *b, *digests;
	size_t n, max, count;
	int dalg = ecert_core_dalg(key_alg);

	*out = NULL;
	if (core_head_of(doc, key_id, &h, why, whyn) != 0)
		return -1;
	/* pre: the digests, made as the salts were (ecert_core_seal) */
	items = pre != NULL ? json_object() : ecert_core_items(doc);
	count = pre != NULL ? precount : json_object_size(items);
	if (count > 255 || (!partial && json_object_size(salts) != count)) {
		json_decref(items);
		ecert_whyf(why, whyn, "%s", count > 255 ? "more than 255 items" :
		    "not one salt per item");
		return -1;
	}
	max = 20 + 3 * 256 + 1 + count * ECERT_DIGEST_BYTES;
	b = ecert_xmalloc(max);
	if (core_head_put(b, &n, max, doc, &h, dalg, key_id, why, whyn) != 0)
		goto fail;
	b[n++] = (unsigned char)count;
	digests = b + n;
	if (pre != NULL)
		memcpy(digests, pre, count * ECERT_DIGEST_BYTES);
	if (core_digests(items, salts, dalg, digests, why, whyn) != 0)
		goto fail;
	/* in digest order: the order of items says nothing */
	qsort(digests, count, ECERT_DIGEST_BYTES, cmp_digest);
	n += count * ECERT_DIGEST_BYTES;
	json_decref(items);
	*out = b;
	*outn = n;
	return 0;
fail:
	json_decref(items);
	free(b);
	return -1;
}

int
ecert_core_build(const json_t *doc, const char *key_alg, const char *key_id,
    unsigned char **out, size_t *outn, char *why, size_t whyn)
{
	return core_build(doc, key_alg, key_id, 0, NULL, 0, out, outn, why,
	    whyn);
}

/* Where a core's digests start (the count byte), or 0. */
static size_t
digests_at(const unsigned char *b, size_t n)
{
	size_t at = 20;

	if (ecert_core_length(b, n) == 0)
		return 0;
	for (int i = 0; i < 3; i++)
		at += 1 + b[at];
	return at;
}

/*
 * A presented document (some items withheld): the core it came with is
 * signed (sig_b64) by pk, says what the document's fixed members say, and
 * holds the digest of every item the document discloses.  Returns 1 when
 * all holds, else 0 with why.
 */
int
ecert_core_check_partial(const struct ecert_pub *pk, const char *key_id,
    const json_t *doc, const char *core_b64, const char *sig_b64, char *why,
    size_t whyn)
{
	unsigned char *core = NULL, *mine = NULL, raw[65];
	size_t coren, minen, len, at, mat, k, j;
	int ok = 0;

	len = core_b64 != NULL ? strlen(core_b64) : 0;
	core = ecert_xmalloc(len + 1);
	if (len == 0 || ecert_b64_decode(core_b64, core, len, &coren) != 0 ||
	    ecert_core_length(core, coren) != coren) {
		ecert_whyf(why, whyn, "signature.core is not a core");
		goto out;
	}
	if (sig_b64 == NULL || ecert_b64_decode(sig_b64, raw, sizeof(raw),
	    &len) != 0 || len != 64 || !ecert_verify_raw(pk,
	    ECERT_DOMAIN_CORE, core, coren, raw)) {
		ecert_whyf(why, whyn, "signature does not match the core");
		goto out;
	}
	if (core_build(doc, ecert_alg_name(pk->alg), key_id, 1, NULL, 0, &mine,
	    &minen, why, whyn) != 0)
		goto out;
	at = digests_at(core, coren);
	mat = digests_at(mine, minen);
	if (at != mat || memcmp(core, mine, at) != 0) {
		ecert_whyf(why, whyn, "the document's identifier, dates or "
		    "signing time are not the core's");
		goto out;
	}
	for (j = 0; j < mine[mat]; j++) {
		const unsigned char *d = mine + mat + 1 +
		    j * ECERT_DIGEST_BYTES;
		for (k = 0; k < core[at]; k++)
			if (memcmp(core + at + 1 + k * ECERT_DIGEST_BYTES, d,
			    ECERT_DIGEST_BYTES) == 0)
				break;
		if (k == core[at]) {
			ecert_whyf(why, whyn, "a disclosed item's digest is not "
			    "in the signed core (wrong salt or value)");
			goto out;
		}
	}
	ok = 1;
out:
	free(core);
	free(mine);
	return ok;
}

/*
 * A signed document with only some items disclosed (article 12: the
 * using unit gets only what its matter needs): the number and the
 * holder's name, and the paths asked for; every other item and its salt
 * removed, their labels listed in "withheld".  The core stays in the
 * signature, so the result verifies with ecert_core_check_partial.
 */
json_t *
ecert_core_present(const json_t *signed_doc, const json_t *type,
    const json_t *names)
{
	const json_t *doc = json_object_get(signed_doc, "document"), *n;
	json_t *out = json_deep_copy(signed_doc), *keep = json_object();
	json_t *items = ecert_core_items(doc), *d, *salts, *withheld, *v;
	const char *path;
	char p[300], section[64], key[256];
	size_t i;
	void *tmp;

	json_object_set_new(keep, "#", json_true());
	json_object_set_new(keep, "@n", json_true());
	json_object_set_new(keep, "^n", json_true());
	json_object_set_new(keep, "@t", json_true());
	json_object_set_new(keep, "!type_name", json_true());
	json_array_foreach(names, i, n)
		if (ecert_core_path_for(type, json_string_value(n), p,
		    sizeof(p)) == 0)
			json_object_set_new(keep, p, json_true());
	d = json_object_get(out, "document");
	salts = json_object_get(d, "salts");
	withheld = json_array();
	json_object_foreach_safe(items, tmp, path, v) {
		if (json_object_get(keep, path) != NULL ||
		    ecert_core_place(path, section, sizeof(section), key,
		    sizeof(key)) != 0)
			continue;
		if (section[0] == '\0')
			json_object_del(d, key);
		else
			json_object_del(json_object_get(d, section), key);
		json_object_del(salts, path);
		n = strcmp(section, "items") == 0 ? ecert_catalog_item(type,
		    key) : NULL;
		json_array_append_new(withheld, json_string(n != NULL &&
		    ecert_json_str(n, "label") != NULL ? ecert_json_str(n,
		    "label") : strcmp(path, "@i") == 0 ? "holder_id" : key));
	}
	json_object_set_new(out, "withheld", withheld);
	json_decref(keep);
	json_decref(items);
	return out;
}

/* The items as ecert_core_seal gathers them: at most 255 kept (one
 * more only counted, to be refused). */
struct seal_items {
	size_t n;
	char *path[256];
	json_t *value[256];
	unsigned char salt[256 * ECERT_SALT_BYTES];
	unsigned char dig[256 * ECERT_DIGEST_BYTES];
};

static void
seal_item(const char *path, json_t *v, void *arg)
{
	struct seal_items *it = arg;

	if (it->n < 256) {
		it->path[it->n] = ecert_xstrdup(path);
		it->value[it->n] = v;
	}
	it->n++;
}

/*
 * Salts a document and signs its core in one pass (an import's hot path):
 * each item's salt drawn, its digest made from the value canonicalized
 * once, then the core built from those digests and signed.  The result
 * is a salted document whose core verifies (ecert_doc_sig_ok).
 */
int
ecert_core_seal(json_t *doc, const struct ecert_key *k, char sig[89],
    char *why, size_t whyn)
{
	struct seal_items it = { 0 };
	json_t *salts = json_object();
	size_t coren, i;
	unsigned char *core = NULL, raw[64];
	int dalg = ecert_core_dalg(k->alg), rc = -1;
	char b64[32];

	core_each(doc, seal_item, &it);
	if (it.n > 255) {
		json_decref(salts);
		ecert_whyf(why, whyn, "more than 255 items");
		return -1;
	}
	randombytes_buf(it.salt, it.n * ECERT_SALT_BYTES);
	for (i = 0; i < it.n; i++) {
		const unsigned char *salt = it.salt + i * ECERT_SALT_BYTES;

		ecert_b64_encode(salt, ECERT_SALT_BYTES, b64, sizeof(b64));
		/* base64 is ASCII, and the path a key of the document */
		json_object_set_new_nocheck(salts, it.path[i],
		    json_string_nocheck(b64));
		if (item_digest(dalg, salt, it.path[i], it.value[i], it.dig +
		    i * ECERT_DIGEST_BYTES) != 0) {
			json_decref(salts);
			ecert_whyf(why, whyn, "item %s: cannot digest",
			    it.path[i]);
			goto out;
		}
	}
	json_object_set_new(doc, "format", json_integer(2));
	json_object_set_new(doc, "salts", salts);
	if (core_build(doc, k->alg, k->key_id, 0, it.dig, it.n, &core, &coren,
	    why, whyn) != 0)
		goto out;
	if (ecert_sign_raw(k, ECERT_DOMAIN_CORE, core, coren, raw) != 0) {
		ecert_whyf(why, whyn, "OpenSSL cannot sign");
		goto out;
	}
	ecert_b64_encode(raw, sizeof(raw), sig, 89);
	rc = 0;
out:
	sodium_memzero(it.salt, sizeof(it.salt));
	for (i = 0; i < it.n && i < 256; i++)
		free(it.path[i]);
	free(core);
	return rc;
}

/*
 * A stored document's one signature, of either format: format 1 signed
 * the canonical JSON, format 2 the core made again from the document and
 * its salts.  Returns 1 when it holds.
 */
int
ecert_doc_sig_ok(const struct ecert_pub *pk, const char *key_id,
    const json_t *doc, const char *canon, const char *sig_b64)
{
	unsigned char *core, raw[65];
	size_t n, len;
	char why[128];
	int ok;

	if (json_object_get(doc, "format") == NULL &&
	    json_object_get(doc, "salts") == NULL)
		return ecert_verify(pk, ECERT_DOMAIN_LICENSE, canon,
		    strlen(canon), sig_b64);
	if (ecert_core_build(doc, ecert_alg_name(pk->alg), key_id, &core, &n,
	    why, sizeof(why)) != 0)
		return 0;
	ok = sig_b64 != NULL && ecert_b64_decode(sig_b64, raw, sizeof(raw),
	    &len) == 0 && len == 64 &&
	    ecert_verify_raw(pk, ECERT_DOMAIN_CORE, core, n, raw);
	free(core);
	return ok;
}

/* The core's length from its bytes, or 0 when they are not a core. */
size_t
ecert_core_length(const unsigned char *b, size_t n)
{
	size_t at = 20;

	if (n < 21 || b[0] != 2)
		return 0;
	for (int i = 0; i < 3; i++) {
		if (at >= n)
			return 0;
		at += 1 + b[at];
	}
	if (at >= n)
		return 0;
	at += 1 + (size_t)b[at] * ECERT_DIGEST_BYTES;
	return at <= n ? at : 0;
}

/*
 * A token's disclosures for a document: the paths asked for (NULL: the
 * catalog's public items of type, as many as fit in room bytes), each as
 * salt, path and value.  Returns the bytes (count first), or NULL with
 * why when a path asked for is not an item or does not fit.
 */
unsigned char *
ecert_core_disclose(const json_t *doc, const json_t *paths, size_t room,
    size_t *outn, int *withheld, char *why, size_t whyn)
{
	const json_t *salts = json_object_get(doc, "salts"), *v, *p;
	json_t *items = ecert_core_items(doc);
	unsigned char *b = ecert_xmalloc(room + 1), salt[ECERT_SALT_BYTES + 4];
	size_t n = 1, i, len, vn, pn;
	int count = 0;
	char *canon;

	json_array_foreach(paths, i, p) {
		const char *path = json_string_value(p);
		if (path == NULL || (v = json_object_get(items, path)) ==
		    NULL) {
			ecert_whyf(why, whyn, "%s: not an item of this license",
			    path ? path : "?");
			goto fail;
		}
		if (ecert_b64_decode(ecert_json_str(salts, path) ?
		    ecert_json_str(salts, path) : "", salt, sizeof(salt),
		    &len) != 0 || len != ECERT_SALT_BYTES) {
			ecert_whyf(why, whyn, "%s: no salt", path);
			goto fail;
		}
		canon = ecert_json_canonical(v);
		vn = canon ? strlen(canon) : 0;
		pn = strlen(path);
		if (canon == NULL || pn > 255 || vn > 0xffff ||
		    n + ECERT_SALT_BYTES + 1 + pn + 2 + vn > room) {
			free(canon);
			ecert_whyf(why, whyn, "%s: does not fit in a QR code "
			    "with the items before it", path);
			goto fail;
		}
		memcpy(b + n, salt, ECERT_SALT_BYTES);
		n += ECERT_SALT_BYTES;
		b[n++] = (unsigned char)pn;
		memcpy(b + n, path, pn);
		n += pn;
		b[n++] = (unsigned char)(vn >> 8);
		b[n++] = (unsigned char)vn;
		memcpy(b + n, canon, vn);
		n += vn;
		free(canon);
		count++;
	}
	b[0] = (unsigned char)count;
	*withheld = (int)json_object_size(items) - count;
	json_decref(items);
	*outn = n;
	return b;
fail:
	json_decref(items);
	free(b);
	return NULL;
}

/*
 * The paths a token discloses when none are named: the catalog's public
 * items (the holder's name and code for a legal person, the number, the
 * issue date), never a natural person's ID number, in catalog order.
 */
json_t *
ecert_core_public_paths(const json_t *type, const json_t *doc)
{
	json_t *out = json_array(), *items = ecert_core_items(doc);
	const json_t *item;
	char path[300];
	size_t i;
	int legal = ecert_json_is(type, "holder", "legal");

	json_array_append_new(out, json_string("@n"));
	if (legal)
		json_array_append_new(out, json_string("@i"));
	json_array_append_new(out, json_string("#"));
	json_array_foreach(json_object_get(type, "items"), i, item) {
		const char *key = ecert_json_str(item, "key");
		if (key == NULL || !json_is_true(json_object_get(item,
		    "public")))
			continue;
		path_of("items", key, path, sizeof(path));
		if (json_object_get(items, path) != NULL)
			json_array_append_new(out, json_string(path));
	}
	json_decref(items);
	return out;
}

/* A disclosure's path for a name a user gives: a catalog key or label,
 * or number, holder, holder_id, issue_date. */
int
ecert_core_path_for(const json_t *type, const char *name, char *out,
    size_t n)
{
	const json_t *item;
	size_t i;

	if (strcmp(name, "number") == 0 || strcmp(name, "证照编号") == 0)
		snprintf(out, n, "#");
	else if (strcmp(name, "holder") == 0 || strcmp(name, "持证主体") == 0)
		snprintf(out, n, "@n");
	else if (strcmp(name, "holder_id") == 0 ||
	    strcmp(name, "持证主体代码") == 0)
		snprintf(out, n, "@i");
	else if (strcmp(name, "issue_date") == 0 ||
	    strcmp(name, "发证日期") == 0)
		snprintf(out, n, "%%d");
	else {
		json_array_foreach(json_object_get(type, "items"), i, item) {
			const char *key = ecert_json_str(item, "key");
			const char *label = ecert_json_str(item, "label");
			if (key != NULL && (strcmp(key, name) == 0 ||
			    (label != NULL && strcmp(label, name) == 0))) {
				path_of("items", key, out, n);
				return 0;
			}
		}
		return -1;
	}
	return 0;
}

