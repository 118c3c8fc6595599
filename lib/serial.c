/*
 * serial.c: the identifier's serial and the store's clear number column,
 * neither of which may carry a holder's citizen ID number.
 *
 * Some license numbers embed the holder's citizen ID (a 残疾人证 number is
 * the ID plus two digits).  The identifier is printed on the face, in
 * tokens and in the audit log, and the number column is kept in clear for
 * lookups, so for a natural person's license whose number contains a valid
 * citizen ID (GB 11643: 18 characters, check character and birth date)
 * both are made from a keyed digest (BLAKE2b keyed with the store's index
 * key) of the type and number instead.  Without the key file the digest
 * cannot be tried against the few billion possible ID numbers.  ecert(5)
 * documents the forms.
 */
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"

int
ecert_number_has_cid(const char *number)
{
	char part[19];
	size_t n, i;

	if (number == NULL || (n = strlen(number)) < 18)
		return 0;
	for (i = 0; i + 18 <= n; i++) {
		memcpy(part, number + i, 18);
		part[18] = '\0';
		if (ecert_citizen_id_valid(part))
			return 1;
	}
	return 0;
}

static void
digest_hex(const unsigned char *key, size_t keyn, const char *type,
    const char *number, char *hx, size_t hxn)
{
	unsigned char h[16];
	crypto_generichash_state st;

	crypto_generichash_init(&st, key, keyn, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)type,
	    strlen(type) + 1);
	crypto_generichash_update(&st, (const unsigned char *)number,
	    strlen(number));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hx, hxn, h, sizeof(h));
	for (size_t i = 0; hx[i]; i++)
		hx[i] = (char)toupper((unsigned char)hx[i]);
}

/*
 * The identifier's serial: the paper number where it fits (and carries no
 * citizen ID), else "H" and 15 hex digits of a digest of the type and
 * number: unkeyed for other numbers (so the same number gives the same
 * identifier in every store), keyed for a natural person's number with an
 * ID in it.
 */
void
ecert_serial_make(const struct ecert_store *s, const char *type, int natural,
    const char *number, char out[33])
{
	char hx[33];

	if (natural && ecert_number_has_cid(number)) {
		digest_hex(s->index_key, sizeof(s->index_key), type, number, hx,
		    sizeof(hx));
		snprintf(out, 33, "K%.15s", hx);
		return;
	}
	if (ecert_serial_valid(number)) {
		snprintf(out, 33, "%s", number);
		return;
	}
	digest_hex(NULL, 0, type, number, hx, sizeof(hx));
	snprintf(out, 33, "H%.15s", hx);
}

/* What the clear number column holds: the number, or for a natural
 * person's number with an ID in it "~" and 32 hex digits of the keyed
 * digest, which the unique index and every lookup use alike. */
void
ecert_number_column(const struct ecert_store *s, const char *type,
    int natural, const char *number, char *out, size_t n)
{
	char hx[33];

	if (number != NULL && natural && ecert_number_has_cid(number)) {
		digest_hex(s->index_key, sizeof(s->index_key), type, number, hx,
		    sizeof(hx));
		snprintf(out, n, "~%s", hx);
		return;
	}
	snprintf(out, n, "%s", number != NULL ? number : "");
}
