/*
 * token.c: presentation tokens for 扫码亮证 (article 16).
 *
 * At issue the issuer signs a compact binary body of the license (its
 * essential items); when a holder shows the license, the platform appends
 * the license's place in the status list, a presentation time and an
 * expiry, and signs the whole, so that a screenshot cannot be replayed
 * later.  The text is a prefix and base45
 * (RFC 9285), which QR codes carry in their dense alphanumeric mode.
 * ecert(5) gives the layout byte by byte.
 */
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ecert_priv.h"

#define HEAD 19			/* fixed part of the body */
#define PRESENT 84		/* index, presented, expires, key id, signature */
#define MAX_TOKEN_BYTES 664	/* "EC1:" + base45: at most 1000 */
#define MAX_BODY (MAX_TOKEN_BYTES - 64 - PRESENT)

static const char b45[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

char *
ecert_base45_encode(const unsigned char *in, size_t n)
{
	char *out = ecert_xmalloc(n / 2 * 3 + 3), *o = out;
	size_t i;
	unsigned v;

	for (i = 0; i + 1 < n; i += 2) {
		v = (unsigned)in[i] * 256 + in[i + 1];
		*o++ = b45[v % 45];
		*o++ = b45[v / 45 % 45];
		*o++ = b45[v / 2025];
	}
	if (i < n) {
		*o++ = b45[in[i] % 45];
		*o++ = b45[in[i] / 45];
	}
	*o = '\0';
	return out;
}

/* Returns the length, or -1 on a character or group that is not base45. */
long
ecert_base45_decode(const char *in, unsigned char *out, size_t outn)
{
	static signed char value[256];
	static int ready;
	size_t n = strlen(in), i, o = 0;
	unsigned v, d[3];
	int k, len;

	if (!ready) {
		memset(value, -1, sizeof(value));
		for (k = 0; k < 45; k++)
			value[(unsigned char)b45[k]] = (signed char)k;
		ready = 1;
	}
	for (i = 0; i < n; i += 3) {
		len = n - i >= 3 ? 3 : (int)(n - i);
		if (len == 1)
			return -1;
		for (k = 0; k < len; k++) {
			if (value[(unsigned char)in[i + k]] < 0)
				return -1;
			d[k] = (unsigned)value[(unsigned char)in[i + k]];
		}
		v = d[0] + d[1] * 45 + (len == 3 ? d[2] * 2025 : 0);
		if (len == 3) {
			if (v > 0xffff || o + 2 > outn)
				return -1;
			out[o++] = (unsigned char)(v >> 8);
			out[o++] = (unsigned char)(v & 0xff);
		} else {
			if (v > 0xff || o + 1 > outn)
				return -1;
			out[o++] = (unsigned char)v;
		}
	}
	return (long)o;
}


static uint16_t
days16(const char *date)
{
	long d = date ? ecert_date_days(date) : -1;

	return d < 0 || d >= 0xffff ? 0xffff : (uint16_t)d;
}

static time_t
iso_time(const char *iso)
{
	struct tm tm = { 0 };

	if (iso == NULL || strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

/* The identifier's serial and version, taken back apart. */
static int
id_parts(const char *id, char *serial, size_t n, int *version)
{
	char buf[160], *parts[9], *save = NULL, *tok;
	int k = 0;

	snprintf(buf, sizeof(buf), "%s", id);
	for (tok = strtok_r(buf, ".", &save); tok != NULL && k < 9;
	    tok = strtok_r(NULL, ".", &save))
		parts[k++] = tok;
	if (k != 9)
		return -1;
	snprintf(serial, n, "%s", parts[7]);
	*version = atoi(parts[8]);
	return 0;
}

int
ecert_compact_build(const json_t *type, const json_t *doc,
    const struct ecert_key *k, unsigned char **out, size_t *outn,
    struct ecert_error *e)
{
	unsigned char body[MAX_BODY + 64], kid[8], *countp;
	unsigned char sig[64];
	const json_t *holder = json_object_get(doc, "holder");
	const json_t *items = json_object_get(doc, "items"), *item;
	const char *v;
	char serial[40], num[32];
	size_t n = HEAD, i, len;
	int version, count = 0;

	if (id_parts(ecert_json_str(doc, "id"), serial, sizeof(serial),
	    &version) != 0 || version < 1 || version > 255)
		return ecert_fail(e, ECERT_DATAERR, "token: version beyond what "
		    "a token carries");
	memset(body, 0, sizeof(body));
	body[0] = 1;
	body[1] = json_is_true(json_object_get(doc, "historical")) ? 1 : 0;
	ecert_put32(body + 2, (uint32_t)iso_time(ecert_json_str(doc, "signed_at")));
	sodium_hex2bin(kid, sizeof(kid), k->key_id, 16, NULL, &len, NULL);
	memcpy(body + 6, kid, 8);
	body[14] = (unsigned char)(days16(ecert_json_str(doc, "valid_from")) >> 8);
	body[15] = (unsigned char)days16(ecert_json_str(doc, "valid_from"));
	body[16] = (unsigned char)(days16(ecert_json_str(doc, "valid_until")) >> 8);
	body[17] = (unsigned char)days16(ecert_json_str(doc, "valid_until"));
	body[18] = (unsigned char)version;
	if (ecert_put_str(body, &n, MAX_BODY, ecert_json_str(doc, "type")) ||
	    ecert_put_str(body, &n, MAX_BODY, ecert_json_str(json_object_get(doc,
	    "issuer"), "code")) ||
	    ecert_put_str(body, &n, MAX_BODY, serial) ||
	    ecert_put_str(body, &n, MAX_BODY, ecert_json_str(doc, "number")) ||
	    ecert_put_str(body, &n, MAX_BODY, ecert_json_str(holder, "name")) ||
	    ecert_put_str(body, &n, MAX_BODY, ecert_json_str(holder, "id")) ||
	    n + 1 > MAX_BODY)
		return ecert_fail(e, ECERT_DATAERR, "token: the license's "
		    "names and numbers are too long for a QR code");
	countp = body + n++;
	/* the essential items, in catalog order, as many as fit; long
	 * free text is left to the full document */
	json_array_foreach(json_object_get(type, "items"), i, item) {
		const char *key = ecert_json_str(item, "key");
		const json_t *val = json_object_get(items, key);
		size_t save = n;

		if (val == NULL || strcmp(ecert_json_str(item, "type"),
		    "text") == 0 || count == 255)
			continue;
		if (json_is_integer(val)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(val));
			v = num;
		} else
			v = json_string_value(val);
		if (ecert_put_str(body, &n, MAX_BODY, key) != 0 ||
		    ecert_put_str(body, &n, MAX_BODY, v) != 0) {
			n = save;
			body[1] |= 2;	/* items omitted */
			continue;
		}
		count++;
	}
	*countp = (unsigned char)count;
	if (ecert_sign_raw(k, ECERT_DOMAIN_TOKEN, body, n, sig) != 0)
		return ecert_fail(e, ECERT_IOERR, "token: OpenSSL cannot "
		    "sign");
	*out = ecert_xmalloc(n + 64);
	memcpy(*out, body, n);
	memcpy(*out + n, sig, 64);
	*outn = n + 64;
	return 0;
}

char *
ecert_token_present(const unsigned char *compact, size_t n,
    uint32_t status_index, const struct ecert_key *platform, long ttl,
    time_t now)
{
	unsigned char *buf, kid[8];
	size_t len;
	char *b, *text;

	buf = ecert_xmalloc(n + PRESENT);
	memcpy(buf, compact, n);
	ecert_put32(buf + n, status_index);
	ecert_put32(buf + n + 4, (uint32_t)now);
	ecert_put32(buf + n + 8, (uint32_t)(now + ttl));
	sodium_hex2bin(kid, sizeof(kid), platform->key_id, 16, NULL, &len,
	    NULL);
	memcpy(buf + n + 12, kid, 8);
	if (ecert_sign_raw(platform, ECERT_DOMAIN_PRESENT, buf, n + 20,
	    buf + n + 20) != 0) {
		free(buf);
		return NULL;
	}
	b = ecert_base45_encode(buf, n + PRESENT);
	free(buf);
	text = ecert_xasprintf("%s%s", ECERT_TOKEN_PREFIX, b);
	free(b);
	return text;
}

static const json_t *
trust_find(const json_t *keys, const unsigned char kid[8])
{
	char hex[17];
	size_t i;
	const json_t *k;

	sodium_bin2hex(hex, sizeof(hex), kid, 8);
	json_array_foreach(keys, i, k) {
		const char *id = ecert_json_str(k, "key_id");
		if (id != NULL && strcmp(id, hex) == 0)
			return k;
	}
	return NULL;
}

/*
 * A trusted key, decoded and its id checked once (remembered by the key
 * text itself): a scanner verifies thousands of tokens against the same
 * few keys.  One thread only.
 */
static int
trusted_pk(const json_t *key, struct ecert_pub *pk, time_t *nb, time_t *na)
{
	static struct {
		char b64[96], kid[17], alg[16];
		struct ecert_pub pk;	/* its OpenSSL form kept for SM2 */
		time_t nb, na;	/* na 0: no end */
		int ok;
	} cache[64];
	static int n;
	const char *claimed = ecert_json_str(key, "key_id");
	const char *b64 = ecert_json_str(key, "public_key");
	const char *alg = ecert_json_str(key, "alg");
	char kid[17];
	int i, ok;

	if (alg == NULL)
		alg = "ed25519";
	if (b64 == NULL || claimed == NULL || strlen(b64) >= 96 ||
	    strlen(claimed) >= 17 || strlen(alg) >= 16)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(cache[i].b64, b64) == 0 &&
		    strcmp(cache[i].kid, claimed) == 0 &&
		    strcmp(cache[i].alg, alg) == 0) {
			*pk = cache[i].pk;
			*nb = cache[i].nb;
			*na = cache[i].na;
			return cache[i].ok;
		}
	ok = ecert_pub_parse(alg, b64, pk);
	*nb = iso_time(ecert_json_str(key, "not_before"));
	*na = ecert_json_str(key, "not_after") ? iso_time(ecert_json_str(key,
	    "not_after")) : 0;
	/* a key id is the key's own digest, never just a label */
	if (ok) {
		ecert_pub_id(pk, kid);
		ok = claimed != NULL && strcmp(kid, claimed) == 0;
	}
	if (n < 64) {
		if (ok)
			ok = ecert_pub_prepare(pk);
		snprintf(cache[n].b64, sizeof(cache[n].b64), "%s", b64);
		snprintf(cache[n].kid, sizeof(cache[n].kid), "%s", claimed);
		snprintf(cache[n].alg, sizeof(cache[n].alg), "%s", alg);
		cache[n].pk = *pk;
		cache[n].nb = *nb;
		cache[n].na = *na;
		cache[n].ok = ok;
		n++;
	}
	return ok;
}

static int
sig_ok(const json_t *key, const char *domain, const unsigned char *m,
    size_t n, const unsigned char *sig)
{
	struct ecert_pub pk;
	time_t nb, na;

	if (!trusted_pk(key, &pk, &nb, &na))
		return 0;
	return ecert_verify_raw(&pk, domain, m, n, sig);
}

static int
get_str(const unsigned char *b, size_t n, size_t *at, char *out, size_t max)
{
	size_t len;

	if (*at >= n)
		return -1;
	len = b[(*at)++];
	if (*at + len > n || len >= max)
		return -1;
	memcpy(out, b + *at, len);
	out[len] = '\0';
	*at += len;
	return ecert_utf8_valid(out, len) ? 0 : -1;
}

static void
date_of(const unsigned char *p, char out[11])
{
	unsigned d = (unsigned)p[0] << 8 | p[1];

	if (d >= 0xfffe)	/* no end, or none given */
		out[0] = '\0';
	else
		ecert_date_from_days((long)d, out);
}

static int
key_in_force(const json_t *key, time_t at)
{
	struct ecert_pub pk;
	time_t nb, na;

	if (!trusted_pk(key, &pk, &nb, &na))
		return 0;
	return at >= nb && (na == 0 || at <= na);
}

/* What a token is checked against: the trust list, the status list (NULL:
 * not checked), the time; why says what failed. */
struct token_check {
	const json_t *keys;
	const unsigned char *bits;
	size_t nbits;
	time_t now;
	char *why;
	size_t whyn;
};

/*
 * The presentation part at pres (status place, times, platform key and
 * signature over everything before it), then expiry, status and dates.
 */
static int
present_check(const unsigned char *buf, size_t pres,
    const struct token_check *c, struct ecert_token *t)
{
	const json_t *pk;

	t->status_index = ecert_get32(buf + pres);
	t->presented_at = (time_t)ecert_get32(buf + pres + 4);
	t->expires_at = (time_t)ecert_get32(buf + pres + 8);
	sodium_bin2hex(t->platform_key, sizeof(t->platform_key),
	    buf + pres + 12, 8);

	if ((pk = trust_find(c->keys, buf + pres + 12)) == NULL) {
		ecert_whyf(c->why, c->whyn, "presented with key %s, not in "
		    "the trust list", t->platform_key);
		return ECERT_NO;
	}
	if (!sig_ok(pk, ECERT_DOMAIN_PRESENT, buf, pres + 20,
	    buf + pres + 20)) {
		ecert_whyf(c->why, c->whyn, "presentation signature does not "
		    "match");
		return ECERT_NO;
	}
	if (!json_is_true(json_object_get(pk, "admin"))) {
		ecert_whyf(c->why, c->whyn, "presented by %s, not the platform",
		    ecert_json_str(pk, "unit"));
		return ECERT_NO;
	}
	if (!key_in_force(pk, t->presented_at)) {
		ecert_whyf(c->why, c->whyn, "presented with platform key %s "
		    "outside its validity", t->platform_key);
		return ECERT_NO;
	}
	return 0;
}

static int
after_check(const struct token_check *c, struct ecert_token *t)
{
	char today[11];

	if (c->now > t->expires_at) {
		ecert_whyf(c->why, c->whyn, "presentation expired %ld s ago",
		    (long)(c->now - t->expires_at));
		return ECERT_NO;
	}
	if (t->presented_at > c->now + 300) {
		ecert_whyf(c->why, c->whyn, "presented in the future");
		return ECERT_NO;
	}
	if (c->bits != NULL) {
		if (t->status_index >= c->nbits) {
			ecert_whyf(c->why, c->whyn, "status index %u beyond "
			    "the status list", t->status_index);
			return ECERT_NO;
		}
		switch (ecert_status_value(c->bits, t->status_index)) {
		case ECERT_STATUS_VALID:
			break;
		case ECERT_STATUS_REVOKED:
			t->verdict = ECERT_VERDICT_REVOKED;
			ecert_whyf(c->why, c->whyn, "revoked (status list)");
			return ECERT_NO;
		case ECERT_STATUS_SUSPENDED:
			t->verdict = ECERT_VERDICT_SUSPENDED;
			ecert_whyf(c->why, c->whyn, "suspended (status list)");
			return ECERT_NO;
		default:
			t->verdict = ECERT_VERDICT_SUPERSEDED;
			ecert_whyf(c->why, c->whyn, "superseded by a newer "
			    "version (status list)");
			return ECERT_NO;
		}
	}
	/* the same dates, the same words as a document's */
	ecert_today(today);
	if (t->valid_from[0] != '\0' && strcmp(today, t->valid_from) < 0) {
		t->verdict = ECERT_VERDICT_NOT_YET_VALID;
		ecert_whyf(c->why, c->whyn, "not valid before %s",
		    t->valid_from);
		return ECERT_NO;
	}
	if (t->valid_until[0] != '\0' && strcmp(today, t->valid_until) > 0) {
		t->verdict = ECERT_VERDICT_EXPIRED;
		ecert_whyf(c->why, c->whyn, "expired on %s", t->valid_until);
		return ECERT_NO;
	}
	t->verdict = ECERT_VERDICT_VALID;
	return 0;
}


/* The issuer's key in the trust list, by its id at kid; NULL with why. */
static const json_t *
issuer_key(const struct token_check *c, const struct ecert_token *t,
    const unsigned char *kid)
{
	const json_t *ik = trust_find(c->keys, kid);

	if (ik == NULL)
		ecert_whyf(c->why, c->whyn, "signed with key %s, not in the "
		    "trust list", t->issuer_key);
	return ik;
}

/* The issuer's key belongs to the issuer named and was in force when
 * the license was signed.  0, or -1 with why. */
static int
issuer_key_check(const json_t *ik, const struct ecert_token *t, char *why,
    size_t whyn)
{
	if (strcmp(ecert_json_str(ik, "unit") ? ecert_json_str(ik, "unit") :
	    "", t->issuer) != 0) {
		ecert_whyf(why, whyn, "key %s does not belong to the issuer %s",
		    t->issuer_key, t->issuer);
		return -1;
	}
	if (!key_in_force(ik, t->signed_at)) {
		ecert_whyf(why, whyn, "signed outside the validity of key %s",
		    t->issuer_key);
		return -1;
	}
	return 0;
}

/*
 * The fixed head both token formats share, from byte at: the signing
 * time (4 bytes), the issuer key id (8), the validity dates (2 + 2) and
 * the version (1); format 2 has its digest algorithm before it, so its
 * head starts a byte later.  The identifier is made again from the
 * parts read before.
 */
static int
token_head(struct ecert_token *t, const unsigned char *buf, size_t at,
    char *why, size_t whyn)
{
	t->historical = buf[1] & 1;
	t->signed_at = (time_t)ecert_get32(buf + at);
	sodium_bin2hex(t->issuer_key, sizeof(t->issuer_key), buf + at + 4, 8);
	date_of(buf + at + 12, t->valid_from);
	date_of(buf + at + 14, t->valid_until);
	t->version = buf[at + 16];
	if (ecert_identifier_make(t->id, sizeof(t->id), t->type, t->issuer,
	    t->serial, t->version) != 0) {
		ecert_whyf(why, whyn, "token damaged: bad identifier parts");
		return -1;
	}
	return 0;
}

/* Format 1: the fields and items in clear, up to the issuer's signature;
 * body is where that signature starts.  0, or -1 with why. */
static int
token1_read(const unsigned char *buf, size_t n, struct ecert_token *t,
    size_t *body, char *why, size_t whyn)
{
	size_t at = HEAD;
	int i, count;

	if (get_str(buf, n, &at, t->type, sizeof(t->type)) ||
	    get_str(buf, n, &at, t->issuer, sizeof(t->issuer)) ||
	    get_str(buf, n, &at, t->serial, sizeof(t->serial)) ||
	    get_str(buf, n, &at, t->number, sizeof(t->number)) ||
	    get_str(buf, n, &at, t->holder, sizeof(t->holder)) ||
	    get_str(buf, n, &at, t->holder_id, sizeof(t->holder_id)) ||
	    at >= n) {
		ecert_whyf(why, whyn, "token damaged: bad field");
		return -1;
	}
	count = buf[at++];
	for (i = 0; i < count; i++) {
		char key[256], val[256];
		if (get_str(buf, n, &at, key, sizeof(key)) ||
		    get_str(buf, n, &at, val, sizeof(val))) {
			ecert_whyf(why, whyn, "token damaged: bad item");
			return -1;
		}
		json_object_set_new(t->items, key, json_string(val));
	}
	*body = at;
	if (at + 64 + PRESENT != n) {
		ecert_whyf(why, whyn, "token damaged: wrong length");
		return -1;
	}
	return 0;
}

/* Format 1: the fields, the presentation, the issuer's own signature. */
static int
verify1(const unsigned char *buf, size_t n, const struct token_check *c,
    struct ecert_token *t)
{
	const json_t *ik;
	size_t body;
	int rc;

	if (token1_read(buf, n, t, &body, c->why, c->whyn) != 0 ||
	    token_head(t, buf, 2, c->why, c->whyn) != 0)
		return ECERT_NO;
	if ((rc = present_check(buf, body + 64, c, t)) != 0)
		return rc;
	if ((ik = issuer_key(c, t, buf + 6)) == NULL)
		return ECERT_NO;
	if (!sig_ok(ik, ECERT_DOMAIN_TOKEN, buf, body, buf + body)) {
		ecert_whyf(c->why, c->whyn, "issuer signature does not match");
		return ECERT_NO;
	}
	if (issuer_key_check(ik, t, c->why, c->whyn) != 0)
		return ECERT_NO;
	return after_check(c, t);
}

/* Format 2: the core, its one issuer signature, the disclosures. */
static int
verify2(const unsigned char *buf, size_t n, const struct token_check *c,
    struct ecert_token *t)
{
	const json_t *ik;
	struct ecert_pub ipk;
	time_t nb, na;
	size_t at = 20, body;
	int rc;

	if (n < 21 + 64 + PRESENT || get_str(buf, n, &at, t->type,
	    sizeof(t->type)) || get_str(buf, n, &at, t->issuer,
	    sizeof(t->issuer)) || get_str(buf, n, &at, t->serial,
	    sizeof(t->serial))) {
		ecert_whyf(c->why, c->whyn, "token damaged: bad field");
		return ECERT_NO;
	}
	if (token_head(t, buf, 3, c->why, c->whyn) != 0)
		return ECERT_NO;
	if ((ik = issuer_key(c, t, buf + 7)) == NULL)
		return ECERT_NO;
	if (!trusted_pk(ik, &ipk, &nb, &na)) {
		ecert_whyf(c->why, c->whyn, "trust list: key %s: bad public "
		    "key", t->issuer_key);
		return ECERT_NO;
	}
	if ((buf[2] == ECERT_DIGEST_SM3) != (ipk.alg == ECERT_ALG_SM2)) {
		ecert_whyf(c->why, c->whyn, "digest algorithm %d does not go "
		    "with key %s", buf[2], t->issuer_key);
		return ECERT_NO;
	}
	if (ecert_token2_read(buf, n, ik, &ipk, t, &body, c->why,
	    c->whyn) != 0)
		return ECERT_NO;
	if (body + PRESENT != n) {
		ecert_whyf(c->why, c->whyn, "token damaged: wrong length");
		return ECERT_NO;
	}
	if (issuer_key_check(ik, t, c->why, c->whyn) != 0)
		return ECERT_NO;
	if ((rc = present_check(buf, body, c, t)) != 0)
		return rc;
	return after_check(c, t);
}

/*
 * Checks a scanned token with no store: the issuer's signature and key,
 * the platform's presentation signature and expiry, the status list and
 * the validity dates.  Returns 0 valid, ECERT_NO not valid, ECERT_DATAERR
 * not a token; fills t as far as it could read, and t->verdict.
 */
int
ecert_token_verify(const char *text, const json_t *keys,
    const unsigned char *bits, size_t nbits, time_t now,
    struct ecert_token *t, char *why, size_t whyn)
{
	struct token_check c = { keys, bits, nbits, now, why, whyn };
	unsigned char buf[1024];
	long len;

	memset(t, 0, sizeof(*t));
	t->items = json_object();
	t->verdict = ECERT_VERDICT_INVALID;
	if (strncmp(text, ECERT_TOKEN_PREFIX, strlen(ECERT_TOKEN_PREFIX)) != 0) {
		ecert_whyf(why, whyn, "not an ecert token (no %s prefix)",
		    ECERT_TOKEN_PREFIX);
		return ECERT_DATAERR;
	}
	len = ecert_base45_decode(text + strlen(ECERT_TOKEN_PREFIX), buf,
	    sizeof(buf));
	if (len < HEAD + 64 + PRESENT) {
		ecert_whyf(why, whyn, "token damaged: not base45 or too short");
		return ECERT_NO;
	}
	if (buf[0] == 2)
		return verify2(buf, (size_t)len, &c, t);
	if (buf[0] != 1) {
		ecert_whyf(why, whyn, "token version %d unknown", buf[0]);
		return ECERT_NO;
	}
	return verify1(buf, (size_t)len, &c, t);
}

void
ecert_token_free(struct ecert_token *t)
{
	json_decref(t->items);
	t->items = NULL;
}

/* Now, or $ECERT_NOW (the same clock as ecert_now_iso). */
time_t
ecert_now_time(void)
{
	char now[21];

	ecert_now_iso(now);
	return iso_time(now);
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
