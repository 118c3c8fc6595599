/* sign.c: Ed25519 signatures over a domain-separated message. */
#include <string.h>

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

/*
 * Plain Ed25519 (not Ed25519ph) over prefix || NUL || message: sign the
 * concatenation in one buffer so that any Ed25519 verifier can check it.
 */
void
ecert_sign(const struct ecert_key *k, const char *domain, const char *msg,
    size_t n, char out[89])
{
	unsigned char sig[crypto_sign_BYTES];
	size_t dl = strlen(domain) + 1;
	unsigned char *buf = ecert_xmalloc(dl + n);

	memcpy(buf, domain, dl);
	memcpy(buf + dl, msg, n);
	crypto_sign_detached(sig, NULL, buf, dl + n, k->sk);
	free(buf);
	ecert_b64_encode(sig, sizeof(sig), out, 89);
}

int
ecert_sig_ok(const unsigned char pk[32], const char *domain, const char *msg,
    size_t n, const char *sig_b64)
{
	unsigned char sig[crypto_sign_BYTES + 1];
	size_t len, dl = strlen(domain) + 1;
	unsigned char *buf;
	int ok;

	if (sig_b64 == NULL || ecert_b64_decode(sig_b64, sig, sizeof(sig),
	    &len) != 0 || len != crypto_sign_BYTES)
		return 0;
	buf = ecert_xmalloc(dl + n);
	memcpy(buf, domain, dl);
	memcpy(buf + dl, msg, n);
	ok = crypto_sign_verify_detached(sig, buf, dl + n, pk) == 0;
	free(buf);
	return ok;
}
