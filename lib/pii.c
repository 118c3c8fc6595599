/*
 * pii.c: personal data at rest.  ID numbers are kept only as a keyed hash
 * (for lookup) and sealed with the store's data key, which lives in the
 * key file outside the store.
 */
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"

void
ecert_pii_hash(const struct ecert_store *s, const char *value, char out[65])
{
	unsigned char h[16];	/* a lookup key: 128 bits are plenty */

	crypto_generichash(h, sizeof(h), (const unsigned char *)value,
	    strlen(value), s->index_key, sizeof(s->index_key));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/*
 * A nonce per box without a system call per box: 16 random bytes drawn
 * once per thread, then a counter.  Unique across threads and processes
 * with overwhelming probability, which is all XSalsa20 asks.
 */
static void
nonce(unsigned char out[crypto_secretbox_NONCEBYTES])
{
	static __thread unsigned char prefix[16];
	static __thread uint64_t counter;

	if (counter == 0)
		randombytes_buf(prefix, sizeof(prefix));
	counter++;
	memcpy(out, prefix, sizeof(prefix));
	memcpy(out + sizeof(prefix), &counter, sizeof(counter));
}

char *
ecert_pii_seal(const struct ecert_store *s, const char *plain, size_t n,
    size_t *outn)
{
	unsigned char *out;

	*outn = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	out = ecert_xmalloc(*outn);
	nonce(out);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES,
	    (const unsigned char *)plain, n, out, s->data_key);
	return (char *)out;
}

/* Returns a NUL-terminated copy, or NULL when the box was altered. */
char *
ecert_pii_open(const struct ecert_store *s, const void *sealed, size_t n,
    size_t *outn)
{
	const unsigned char *in = sealed;
	unsigned char *out;
	size_t len;

	if (n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return NULL;
	len = n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	out = ecert_xmalloc(len + 1);
	if (crypto_secretbox_open_easy(out, in + crypto_secretbox_NONCEBYTES,
	    n - crypto_secretbox_NONCEBYTES, in, s->data_key) != 0) {
		free(out);
		return NULL;
	}
	out[len] = '\0';
	if (outn)
		*outn = len;
	return (char *)out;
}
