/*
 * sign.c: signatures over a domain-separated message, by a key of one of
 * two algorithms: Ed25519 (libsodium) or SM2 with SM3 and the default
 * distinguishing identifier of GB/T 35276 (OpenSSL 3's libcrypto; no SM2
 * or SM3 arithmetic here).  Both give 64 bytes: Ed25519's R||S, and SM2's
 * r||s, each 32 bytes big-endian, so that every signature field, the QR
 * token and the key file keep their shape whichever algorithm signed.
 */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include "ecert_priv.h"

int
ecert_b64_encode(const unsigned char *in, size_t n, char *out, size_t outn)
{
	if (outn < sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_ORIGINAL))
		return -1;
	sodium_bin2base64(out, outn, in, n, sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

int
ecert_b64_decode(const char *in, unsigned char *out, size_t outn, size_t *len)
{
	const char *end;

	if (sodium_base642bin(out, outn, in, strlen(in), NULL, len, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || *end != '\0')
		return -1;
	return 0;
}

int
ecert_alg_parse(const char *name)
{
	if (name == NULL || strcmp(name, "ed25519") == 0)
		return ECERT_ALG_ED25519;
	if (strcmp(name, "sm2") == 0)
		return ECERT_ALG_SM2;
	return -1;
}

const char *
ecert_alg_name(int alg)
{
	return alg == ECERT_ALG_SM2 ? "sm2" : "ed25519";
}

/* SM3 fetched once: an implicit fetch on every signature costs a lock. */
static EVP_MD *sm3_md;
static pthread_once_t sm3_once = PTHREAD_ONCE_INIT;

static void
sm3_fetch(void)
{
	sm3_md = EVP_MD_fetch(NULL, "SM3", NULL);
}

static const EVP_MD *
sm3(void)
{
	pthread_once(&sm3_once, sm3_fetch);
	return sm3_md;
}

int
ecert_sm3(const void *m, size_t n, unsigned char out[32])
{
	unsigned int len = 0;

	if (sm3() == NULL || EVP_Digest(m, n, out, &len, sm3(), NULL) != 1 ||
	    len != 32)
		return -1;
	return 0;
}

/*
 * OpenSSL's key for an SM2 point (04||x||y), with the private scalar d
 * when d is not NULL.  The point is checked to be on the curve.
 */
void *
ecert_sm2_evp(const unsigned char pk[65], const unsigned char *d)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	BIGNUM *bn = NULL;

	if (pk[0] != 0x04 || bld == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "SM2", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pk, 65))
		goto out;
	if (d != NULL && ((bn = BN_secure_new()) == NULL ||
	    BN_bin2bn(d, 32, bn) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bn)))
		goto out;
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, d ? EVP_PKEY_KEYPAIR :
	    EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bn);
	return key;
}

/* d·G as 04||x||y: the public half of an SM2 secret scalar. */
int
ecert_sm2_public(const unsigned char d[32], unsigned char pk[65])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_sm2);
	EC_POINT *p = g ? EC_POINT_new(g) : NULL;
	BIGNUM *bn = BN_secure_new();
	int ok = 0;

	if (g != NULL && p != NULL && bn != NULL &&
	    BN_bin2bn(d, 32, bn) != NULL && !BN_is_zero(bn) &&
	    BN_cmp(bn, EC_GROUP_get0_order(g)) < 0 &&
	    EC_POINT_mul(g, p, bn, NULL, NULL, NULL) == 1 &&
	    EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, pk, 65,
	    NULL) == 65)
		ok = 1;
	BN_clear_free(bn);
	EC_POINT_free(p);
	EC_GROUP_free(g);
	return ok ? 0 : -1;
}

int
ecert_sm2_generate(unsigned char pk[65], unsigned char d[32], void **evp)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	BIGNUM *bn = NULL;
	size_t len = 0;
	int ok;

	ok = key != NULL && EVP_PKEY_get_octet_string_param(key,
	    OSSL_PKEY_PARAM_PUB_KEY, pk, 65, &len) == 1 && len == 65 &&
	    pk[0] == 0x04 && EVP_PKEY_get_bn_param(key,
	    OSSL_PKEY_PARAM_PRIV_KEY, &bn) == 1 &&
	    BN_bn2binpad(bn, d, 32) == 32;
	BN_clear_free(bn);
	if (!ok) {
		EVP_PKEY_free(key);
		return -1;
	}
	*evp = key;
	return 0;
}

void
ecert_sm2_free(void *evp)
{
	EVP_PKEY_free(evp);
}

/* SM2 with SM3 and the default identifier; r||s out, or -1. */
static int
sm2_sign(EVP_PKEY *key, const unsigned char *m, size_t n,
    unsigned char out[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	unsigned char der[80];
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *sig = NULL;
	size_t len = sizeof(der);
	int ok = 0;

	if (md != NULL && EVP_DigestSignInit(md, &pc, sm3(), NULL, key) == 1
	    && EVP_PKEY_CTX_set1_id(pc, ECERT_SM2_ID,
	    strlen(ECERT_SM2_ID)) == 1 &&
	    EVP_DigestSign(md, der, &len, m, n) == 1 &&
	    (sig = d2i_ECDSA_SIG(NULL, &p, (long)len)) != NULL) {
		ECDSA_SIG_get0(sig, &r, &s);
		ok = BN_bn2binpad(r, out, 32) == 32 &&
		    BN_bn2binpad(s, out + 32, 32) == 32;
	}
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

static int
sm2_verify(EVP_PKEY *key, const unsigned char *m, size_t n,
    const unsigned char raw[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32,
	    NULL);
	unsigned char *der = NULL;
	int len, ok = 0;

	if (sig == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(sig, r,
	    s)) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	if ((len = i2d_ECDSA_SIG(sig, &der)) > 0 && md != NULL &&
	    EVP_DigestVerifyInit(md, &pc, sm3(), NULL, key) == 1 &&
	    EVP_PKEY_CTX_set1_id(pc, ECERT_SM2_ID,
	    strlen(ECERT_SM2_ID)) == 1)
		ok = EVP_DigestVerify(md, der, (size_t)len, m, n) == 1;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return ok;
}

static unsigned char *
prefixed(const char *domain, const unsigned char *m, size_t n, size_t *len)
{
	/* no domain: the message alone (a signed note's text) */
	size_t dl = domain != NULL ? strlen(domain) + 1 : 0;
	unsigned char *buf = ecert_xmalloc(dl + n + 1);

	if (dl > 0)
		memcpy(buf, domain, dl);
	memcpy(buf + dl, m, n);
	*len = dl + n;
	return buf;
}

/*
 * The 64 raw bytes of a signature by k over domain || NUL || m (m alone
 * when domain is NULL): plain
 * Ed25519 (not Ed25519ph), or SM2 over the same bytes, so that any
 * Ed25519 verifier, or `openssl pkeyutl -verify -rawin -digest sm3`, can
 * check it.  Returns -1 only when OpenSSL fails.
 */
int
ecert_sign_raw(const struct ecert_key *k, const char *domain,
    const unsigned char *m, size_t n, unsigned char sig[64])
{
	size_t len;
	unsigned char *buf = prefixed(domain, m, n, &len);
	void *evp = k->evp;
	int rc = 0;

	if (strcmp(k->alg, "sm2") != 0)
		crypto_sign_detached(sig, NULL, buf, len, k->sk);
	else {
		if (evp == NULL)
			evp = ecert_sm2_evp(k->pk, k->sk);
		rc = evp == NULL ? -1 : sm2_sign(evp, buf, len, sig);
		if (evp != k->evp)
			EVP_PKEY_free(evp);
	}
	free(buf);
	return rc;
}

void
ecert_sign(const struct ecert_key *k, const char *domain, const char *msg,
    size_t n, char out[89])
{
	unsigned char sig[64];

	if (ecert_sign_raw(k, domain, (const unsigned char *)msg, n, sig) != 0)
		ecert_die(ECERT_IOERR, "sign: OpenSSL cannot make an SM2 "
		    "signature");
	ecert_b64_encode(sig, sizeof(sig), out, 89);
}

int
ecert_sig_ok(const unsigned char pk[32], const char *domain, const char *msg,
    size_t n, const char *sig_b64)
{
	struct ecert_pub p = { ECERT_ALG_ED25519, 32, { 0 }, NULL };

	memcpy(p.pk, pk, 32);
	return ecert_verify(&p, domain, msg, n, sig_b64);
}

/* A public key from its algorithm name (absent: ed25519) and base64. */
int
ecert_pub_parse(const char *alg, const char *b64, struct ecert_pub *p)
{
	size_t len, want;

	memset(p, 0, sizeof(*p));
	if ((p->alg = ecert_alg_parse(alg)) < 0 || b64 == NULL)
		return 0;
	want = p->alg == ECERT_ALG_SM2 ? 65 : 32;
	if (ecert_b64_decode(b64, p->pk, sizeof(p->pk), &len) != 0 ||
	    len != want || (p->alg == ECERT_ALG_SM2 && p->pk[0] != 0x04))
		return 0;
	p->n = len;
	return 1;
}

/* OpenSSL's form of an SM2 key, kept for many verifications. */
int
ecert_pub_prepare(struct ecert_pub *p)
{
	if (p->alg != ECERT_ALG_SM2 || p->evp != NULL)
		return 1;
	p->evp = ecert_sm2_evp(p->pk, NULL);
	return p->evp != NULL;
}

void
ecert_pub_free(struct ecert_pub *p)
{
	EVP_PKEY_free(p->evp);
	p->evp = NULL;
}

/* A key id: 8 bytes of the key's digest, BLAKE2b for Ed25519, SM3 for SM2. */
void
ecert_pub_id(const struct ecert_pub *p, char out[17])
{
	unsigned char h[32];

	if (p->alg != ECERT_ALG_SM2) {
		ecert_key_id(p->pk, out);
		return;
	}
	if (ecert_sm3(p->pk, p->n, h) != 0)
		memset(h, 0, sizeof(h));
	sodium_bin2hex(out, 17, h, 8);
}

int
ecert_verify_raw(const struct ecert_pub *p, const char *domain,
    const unsigned char *m, size_t n, const unsigned char sig[64])
{
	size_t len;
	unsigned char *buf;
	void *evp = p->evp;
	int ok = 0;

	if (p->alg == ECERT_ALG_SM2 && evp == NULL &&
	    (evp = ecert_sm2_evp(p->pk, NULL)) == NULL)
		return 0;
	buf = prefixed(domain, m, n, &len);
	if (p->alg == ECERT_ALG_SM2)
		ok = sm2_verify(evp, buf, len, sig);
	else
		ok = p->n == 32 &&
		    crypto_sign_verify_detached(sig, buf, len, p->pk) == 0;
	free(buf);
	if (evp != p->evp)
		EVP_PKEY_free(evp);
	return ok;
}

int
ecert_verify(const struct ecert_pub *p, const char *domain, const char *msg,
    size_t n, const char *sig_b64)
{
	unsigned char sig[65];
	size_t len;

	if (sig_b64 == NULL || ecert_b64_decode(sig_b64, sig, sizeof(sig),
	    &len) != 0 || len != 64)
		return 0;
	return ecert_verify_raw(p, domain, (const unsigned char *)msg, n, sig);
}
