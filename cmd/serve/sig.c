/*
 * sig.c: RFC 9421 HTTP Message Signatures on every request of a calling
 * system, over "@method", "@path", "@query" and "content-digest" (RFC
 * 9530, sha-256), with "created", "keyid" (the client's id) and "nonce".
 * The algorithm is the client's key's: "ed25519" (RFC 9421 3.3.6), or
 * "sm2-sm3", a name of ecert's own for SM2 with SM3 and GB/T 35276's
 * default identifier over the signature base, the signature r||s in 64
 * bytes as RFC 9421 3.3.4 gives ECDSA's.
 * A nonce is accepted once; "created" must lie at most SERVE_WINDOW
 * seconds in the past, at most SERVE_SKEW seconds in the future, and not
 * before the server started.  The nonces are kept in memory only: a
 * server starts SERVE_SKEW + 1 seconds after it was launched (main), so
 * that no request its predecessor could have accepted, created at most
 * SERVE_SKEW seconds after the predecessor's last moment, is accepted
 * again after a restart.
 */
#include <string.h>

#include <sodium.h>

#include "serve.h"

#define MAX_COMPONENTS 8

struct nonce {
	struct nonce *next;
	time_t until;
	char key[];	/* keyid NUL nonce */
};

struct siginput {
	char label[64];
	char components[MAX_COMPONENTS][32];
	int ncomponents;
	const char *params;	/* the raw inner list and parameters */
	long long created, expires;
	int has_created, has_expires;
	char keyid[65], nonce[129], alg[32];
};

static int
lcalpha(char c)
{
	return c >= 'a' && c <= 'z';
}

/* An RFC 8941 key: lcalpha / "*", then lcalpha / DIGIT / "_-.*". */
static const char *
sf_key(const char *p, char *out, size_t n)
{
	size_t i = 0;

	if (!lcalpha(*p) && *p != '*')
		return NULL;
	while (lcalpha(*p) || (*p >= '0' && *p <= '9') || strchr("_-.*",
	    *p) != NULL) {
		if (*p == '\0' || i + 1 >= n)
			return NULL;
		out[i++] = *p++;
	}
	out[i] = '\0';
	return p;
}

/* An RFC 8941 string, without escapes beyond \" and \\. */
static const char *
sf_string(const char *p, char *out, size_t n)
{
	size_t i = 0;

	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if (*p == '\\') {
			p++;
			if (*p != '"' && *p != '\\')
				return NULL;
		}
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e ||
		    i + 1 >= n)
			return NULL;
		out[i++] = *p++;
	}
	out[i] = '\0';
	return p + 1;
}

static const char *
sf_integer(const char *p, long long *v)
{
	int digits = 0, neg = 0;

	*v = 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	while (*p >= '0' && *p <= '9') {
		if (++digits > 15)
			return NULL;
		*v = *v * 10 + (*p++ - '0');
	}
	if (digits == 0)
		return NULL;
	if (neg)
		*v = -*v;
	return p;
}

/* The label and the inner list of components: label=("c1" "c2" ...). */
static const char *
parse_components(const char *p, struct siginput *si, char *why, size_t n)
{
	if ((p = sf_key(p, si->label, sizeof(si->label))) == NULL ||
	    *p++ != '=' || *p != '(') {
		snprintf(why, n, "Signature-Input: expected label=(...)");
		return NULL;
	}
	si->params = p++;
	while (*p != ')') {
		if (si->ncomponents == MAX_COMPONENTS) {
			snprintf(why, n, "Signature-Input: too many components");
			return NULL;
		}
		p = sf_string(p, si->components[si->ncomponents],
		    sizeof(si->components[0]));
		if (p == NULL || (*p != ' ' && *p != ')') ||
		    (*p == ' ' && p[1] == ')')) {
			snprintf(why, n, "Signature-Input: a component is not "
			    "a string");
			return NULL;
		}
		si->ncomponents++;
		if (*p == ' ')
			p++;
	}
	return p + 1;
}

/* A parameter's string value: keyid, nonce, alg (or tag, ignored). */
static const char *
param_string(const char *p, const char *name, struct siginput *si,
    char *why, size_t n)
{
	char sval[130];

	if ((p = sf_string(p, sval, sizeof(sval))) == NULL) {
		snprintf(why, n, "Signature-Input: %s: bad string", name);
		return NULL;
	}
	if (strcmp(name, "keyid") == 0)
		snprintf(si->keyid, sizeof(si->keyid), "%s", sval);
	else if (strcmp(name, "nonce") == 0)
		snprintf(si->nonce, sizeof(si->nonce), "%s", sval);
	else if (strcmp(name, "alg") == 0)
		snprintf(si->alg, sizeof(si->alg), "%s", sval);
	else if (strcmp(name, "tag") != 0) {
		snprintf(why, n, "Signature-Input: unknown parameter %s", name);
		return NULL;
	}
	return p;
}

/* A parameter's integer value: created or expires. */
static const char *
param_integer(const char *p, const char *name, struct siginput *si,
    char *why, size_t n)
{
	long long iv;

	if ((p = sf_integer(p, &iv)) == NULL) {
		snprintf(why, n, "Signature-Input: %s: bad integer", name);
		return NULL;
	}
	if (strcmp(name, "created") == 0) {
		si->created = iv;
		si->has_created = 1;
	} else if (strcmp(name, "expires") == 0) {
		si->expires = iv;
		si->has_expires = 1;
	} else {
		snprintf(why, n, "Signature-Input: unknown parameter %s", name);
		return NULL;
	}
	return p;
}

/* Signature-Input: exactly one member, label=(components);params. */
static int
parse_input(const char *h, struct siginput *si, char *why, size_t n)
{
	const char *p;
	char name[32];

	memset(si, 0, sizeof(*si));
	if ((p = parse_components(h, si, why, n)) == NULL)
		return -1;
	while (*p == ';') {
		p = sf_key(p + 1, name, sizeof(name));
		if (p == NULL || *p++ != '=') {
			snprintf(why, n, "Signature-Input: bad parameter");
			return -1;
		}
		p = *p == '"' ? param_string(p, name, si, why, n) :
		    param_integer(p, name, si, why, n);
		if (p == NULL)
			return -1;
	}
	if (*p != '\0') {
		snprintf(why, n, "Signature-Input: one signature expected");
		return -1;
	}
	return 0;
}

static int
covers(const struct siginput *si, const char *c)
{
	int i;

	for (i = 0; i < si->ncomponents; i++)
		if (strcmp(si->components[i], c) == 0)
			return 1;
	return 0;
}

/* Content-Digest: the sha-256 member must match the body. */
static int
digest_ok(const char *h, const char *body, size_t len, char *why, size_t n)
{
	unsigned char want[crypto_hash_sha256_BYTES], got[64];
	char b64[128];
	const char *p = h, *end;
	size_t glen;

	crypto_hash_sha256(want, (const unsigned char *)body, len);
	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, "sha-256=:", 9) == 0) {
			p += 9;
			if ((end = strchr(p, ':')) == NULL ||
			    (size_t)(end - p) >= sizeof(b64))
				break;
			memcpy(b64, p, (size_t)(end - p));
			b64[end - p] = '\0';
			if (ecert_b64_decode(b64, got, sizeof(got), &glen) != 0 ||
			    glen != sizeof(want)) {
				snprintf(why, n, "Content-Digest: sha-256 is "
				    "not base64 of 32 bytes");
				return 0;
			}
			if (memcmp(got, want, sizeof(want)) != 0) {
				snprintf(why, n, "Content-Digest: does not "
				    "match the body");
				return 0;
			}
			return 1;
		}
		p = strchr(p, ',');
	}
	snprintf(why, n, "Content-Digest: no sha-256 member");
	return 0;
}

/* Signature: label=:base64:, the label of Signature-Input. */
static int
signature_bytes(const char *h, const char *label, unsigned char sig[64],
    char *why, size_t n)
{
	char b64[128];
	size_t ll = strlen(label), len;
	const char *p, *end;

	if (strncmp(h, label, ll) != 0 || h[ll] != '=' || h[ll + 1] != ':') {
		snprintf(why, n, "Signature: no member %s", label);
		return -1;
	}
	p = h + ll + 2;
	if ((end = strchr(p, ':')) == NULL || end[1] != '\0' ||
	    (size_t)(end - p) >= sizeof(b64)) {
		snprintf(why, n, "Signature: expected %s=:base64:", label);
		return -1;
	}
	memcpy(b64, p, (size_t)(end - p));
	b64[end - p] = '\0';
	if (ecert_b64_decode(b64, sig, 64, &len) != 0 || len != 64) {
		snprintf(why, n, "Signature: not 64 bytes of base64");
		return -1;
	}
	return 0;
}

/* RFC 9421 section 2.5: a line `"component": value` for each covered
 * component, in order, then the "@signature-params" line, which is the
 * inner list and its parameters exactly as Signature-Input sent them. */
static char *
signature_base(const struct siginput *si, const char *const *values,
    size_t *len)
{
	char *base = NULL;
	FILE *mem;
	int i;

	if ((mem = open_memstream(&base, len)) == NULL)
		return NULL;
	for (i = 0; i < si->ncomponents; i++)
		fprintf(mem, "\"%s\": %s\n", si->components[i], values[i]);
	fprintf(mem, "\"@signature-params\": %s", si->params);
	fclose(mem);
	return base;
}

/* The nonce is new: remember it until it could no longer be accepted. */
static int
nonce_fresh(struct serve *sv, const char *keyid, const char *nonce,
    time_t until, time_t now)
{
	struct nonce **pp, *x;
	size_t kl = strlen(keyid), nl = strlen(nonce), b;
	uint64_t h = 1469598103934665603ULL;
	const char *c;
	int fresh = 1;

	for (c = keyid; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	h = (h ^ 0) * 1099511628211ULL;
	for (c = nonce; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	pthread_mutex_lock(&sv->lock);
	b = (size_t)(h % sv->nnonce_buckets);
	for (pp = &sv->nonces[b]; (x = *pp) != NULL;) {
		if (x->until < now) {
			*pp = x->next;
			free(x);
			continue;
		}
		if (strcmp(x->key, keyid) == 0 &&
		    strcmp(x->key + kl + 1, nonce) == 0)
			fresh = 0;
		pp = &x->next;
	}
	if (fresh) {
		x = ecert_xmalloc(sizeof(*x) + kl + nl + 2);
		memcpy(x->key, keyid, kl + 1);
		memcpy(x->key + kl + 1, nonce, nl + 1);
		x->until = until;
		x->next = sv->nonces[b];
		sv->nonces[b] = x;
	}
	pthread_mutex_unlock(&sv->lock);
	return fresh;
}

void
serve_nonces_free(struct serve *sv)
{
	struct nonce *x, *next;
	size_t b;

	for (b = 0; b < sv->nnonce_buckets; b++)
		for (x = sv->nonces[b]; x != NULL; x = next) {
			next = x->next;
			free(x);
		}
	free(sv->nonces);
	sv->nonces = NULL;
}

static const char *const required[] = { "@method", "@path", "@query",
    "content-digest" };
#define NREQUIRED (sizeof(required) / sizeof(required[0]))

/* What is signed: the components served, all of them, and the
 * parameters a replay check needs. */
static int
input_acceptable(const struct siginput *si, char *why, size_t n)
{
	size_t i, j;

	for (i = 0; i < NREQUIRED; i++)
		if (!covers(si, required[i])) {
			snprintf(why, n, "Signature-Input: must cover %s",
			    required[i]);
			return 0;
		}
	for (i = 0; i < (size_t)si->ncomponents; i++) {
		for (j = 0; j < NREQUIRED; j++)
			if (strcmp(si->components[i], required[j]) == 0)
				break;
		if (j == NREQUIRED) {
			snprintf(why, n, "Signature-Input: component %s is "
			    "not served", si->components[i]);
			return 0;
		}
	}
	if (!si->has_created || si->keyid[0] == '\0' ||
	    strlen(si->nonce) < 8) {
		snprintf(why, n, "Signature-Input: created, keyid and a nonce "
		    "of at least 8 characters are required");
		return 0;
	}
	if (si->alg[0] != '\0' && strcmp(si->alg, "ed25519") != 0 &&
	    strcmp(si->alg, SERVE_ALG_SM2) != 0) {
		snprintf(why, n, "Signature-Input: alg %s is not served",
		    si->alg);
		return 0;
	}
	return 1;
}

/* The key of the client named by keyid, of the algorithm alg names. */
static int
client_key(struct ecert_store *s, const struct siginput *si,
    struct ecert_pub *pk, char unit[19], char *why, size_t n)
{
	const char *has;

	memset(pk, 0, sizeof(*pk));
	if (ecert_client_lookup(s, si->keyid, pk, unit, why, n) != 0)
		return 0;
	has = pk->alg == ECERT_ALG_SM2 ? SERVE_ALG_SM2 : "ed25519";
	if (si->alg[0] != '\0' && strcmp(si->alg, has) != 0) {
		snprintf(why, n, "Signature-Input: alg %s, but client %s's key "
		    "is %s", si->alg, si->keyid, has);
		ecert_pub_free(pk);
		return 0;
	}
	return 1;
}

/* The signature over the request's signature base (RFC 9421 2.5). */
static int
signature_ok(const struct siginput *si, const struct request *r,
    const char *digest, const struct ecert_pub *pk,
    const unsigned char sig[64], char *why, size_t n)
{
	const char *values[MAX_COMPONENTS];
	char *base, *query;
	size_t i, baselen = 0;
	int ok;

	query = ecert_xasprintf("?%s", r->query ? r->query : "");
	for (i = 0; i < (size_t)si->ncomponents; i++) {
		const char *c = si->components[i];

		values[i] = strcmp(c, "@method") == 0 ? r->method :
		    strcmp(c, "@path") == 0 ? r->path :
		    strcmp(c, "@query") == 0 ? query : digest;
	}
	base = signature_base(si, values, &baselen);
	free(query);
	if (base == NULL) {
		snprintf(why, n, "out of memory");
		return 0;
	}
	/* over the base itself: no domain prefix */
	ok = ecert_verify_raw(pk, NULL, (const unsigned char *)base, baselen,
	    sig);
	free(base);
	if (!ok)
		snprintf(why, n, "bad signature by client %s", si->keyid);
	return ok;
}

/* Not a replay: created within the window, since the server started,
 * not expired, and a nonce not seen before. */
static int
fresh(struct serve *sv, const struct siginput *si, time_t now, char *why,
    size_t n)
{
	if (si->created < (long long)now - SERVE_WINDOW) {
		snprintf(why, n, "replay: created %lld is outside %d s of now",
		    si->created, SERVE_WINDOW);
		return 0;
	}
	if (si->created > (long long)now + SERVE_SKEW) {
		snprintf(why, n, "replay: created %lld is more than %d s in "
		    "the future", si->created, SERVE_SKEW);
		return 0;
	}
	if (si->created < (long long)sv->started) {
		snprintf(why, n, "replay: created %lld is before the server "
		    "started; sign again", si->created);
		return 0;
	}
	if (si->has_expires && si->expires < (long long)now) {
		snprintf(why, n, "signature expired");
		return 0;
	}
	if (!nonce_fresh(sv, si->keyid, si->nonce, (time_t)si->created +
	    SERVE_WINDOW + SERVE_SKEW + 1, now)) {
		snprintf(why, n, "replay: nonce already used by client %s",
		    si->keyid);
		return 0;
	}
	return 1;
}

/*
 * 0 when the request is signed by a registered client in good standing
 * (r->client and r->unit filled); otherwise -1 with the reason.
 */
int
serve_sig_check(struct serve *sv, struct ecert_store *s, struct request *r,
    char *why, size_t n)
{
	struct siginput si;
	const char *input = serve_header(r, "Signature-Input");
	const char *sigh = serve_header(r, "Signature");
	const char *digest = serve_header(r, "Content-Digest");
	struct ecert_pub pk;
	unsigned char sig[64];
	char unit[19];
	time_t now = time(NULL);
	int ok;

	if (input == NULL || sigh == NULL) {
		snprintf(why, n, "unsigned request: Signature-Input and "
		    "Signature are required (RFC 9421)");
		return -1;
	}
	if (parse_input(input, &si, why, n) != 0)
		return -1;
	snprintf(r->client, sizeof(r->client), "%s", si.keyid);
	if (!input_acceptable(&si, why, n))
		return -1;
	if (digest == NULL) {
		snprintf(why, n, "Content-Digest: required (RFC 9530)");
		return -1;
	}
	if (!digest_ok(digest, r->body ? r->body : "", r->len, why, n) ||
	    signature_bytes(sigh, si.label, sig, why, n) != 0 ||
	    !client_key(s, &si, &pk, unit, why, n))
		return -1;
	ok = signature_ok(&si, r, digest, &pk, sig, why, n);
	ecert_pub_free(&pk);
	if (!ok || !fresh(sv, &si, now, why, n))
		return -1;
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	return 0;
}
