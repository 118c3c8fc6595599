/* test_serve_sig.c: ecert-serve's reading of RFC 9421 Signature-Input and
 * its signature base (cmd/serve/sig.c), against the RFC's own example. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../cmd/serve/sig.c"

/* sig.c's neighbours, not under test here */
const char *
serve_header(struct request *r, const char *name)
{
	(void)r;
	(void)name;
	return NULL;
}

int
ecert_client_lookup(struct ecert_store *s, const char *id,
    struct ecert_pub *pk, char unit[19], char *why, size_t n)
{
	(void)s;
	(void)id;
	(void)pk;
	(void)unit;
	snprintf(why, n, "not here");
	return 1;
}

/* RFC 9421 appendix B.2.6, with test-key-ed25519 of B.1.4 */
static const char b26_input[] = "sig-b26=(\"date\" \"@method\" \"@path\" "
    "\"@authority\" \"content-type\" \"content-length\")"
    ";created=1618884473;keyid=\"test-key-ed25519\"";
static const char b26_spki[] = "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9"
    "CC/oPPsw3c5D0bs=";

static void
test_rfc_example(void **state)
{
	static const char *values[] = { "Tue, 20 Apr 2021 02:07:55 GMT",
	    "POST", "/foo", "example.com", "application/json", "18" };
	struct siginput si;
	unsigned char spki[44], sig[64];
	char why[256], *base;
	size_t len, n;

	(void)state;
	assert_int_equal(parse_input(b26_input, &si, why, sizeof(why)), 0);
	assert_string_equal(si.label, "sig-b26");
	assert_int_equal(si.ncomponents, 6);
	assert_string_equal(si.components[3], "@authority");
	assert_true(si.has_created);
	assert_true(si.created == 1618884473);
	assert_string_equal(si.keyid, "test-key-ed25519");
	base = signature_base(&si, values, &len);
	assert_non_null(base);
	assert_string_equal(base,
	    "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
	    "\"@method\": POST\n"
	    "\"@path\": /foo\n"
	    "\"@authority\": example.com\n"
	    "\"content-type\": application/json\n"
	    "\"content-length\": 18\n"
	    "\"@signature-params\": (\"date\" \"@method\" \"@path\" "
	    "\"@authority\" \"content-type\" \"content-length\")"
	    ";created=1618884473;keyid=\"test-key-ed25519\"");
	/* the raw key is the last 32 bytes of the SubjectPublicKeyInfo */
	assert_int_equal(ecert_b64_decode(b26_spki, spki, sizeof(spki), &n), 0);
	assert_int_equal(n, 44);
	assert_int_equal(signature_bytes("sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYY"
	    "nx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
	    si.label, sig, why, sizeof(why)), 0);
	assert_int_equal(crypto_sign_verify_detached(sig, (unsigned char *)base,
	    len, spki + 12), 0);
	base[5] ^= 1;
	assert_int_not_equal(crypto_sign_verify_detached(sig,
	    (unsigned char *)base, len, spki + 12), 0);
	free(base);
}

static void
test_input_refused(void **state)
{
	static const char *bad[] = {
		"", "sig1", "sig1=", "Sig1=()", "sig1=(\"@method\"",
		"sig1=(@method)", "sig1=(\"@method\" )", "sig1=(\"a\\x\")",
		"sig1=();created=", "sig1=();created=x", "sig1=();created=1.5",
		"sig1=();created=1234567890123456", "sig1=();keyid=\"a",
		"sig1=();color=\"red\"", "sig1=();nonce=1x",
		"sig1=(), sig2=()", "sig1=();keyid=\"\x01\"",
		"sig1=(\"1\" \"2\" \"3\" \"4\" \"5\" \"6\" \"7\" \"8\" \"9\")",
	};
	struct siginput si;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (parse_input(bad[i], &si, why, sizeof(why)) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(why[0] != '\0');
	}
}

static void
test_digest(void **state)
{
	char why[256];

	(void)state;
	/* SHA-256 of the empty body, and of {"hello": "world"} (RFC 9530) */
	assert_true(digest_ok("sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3h"
	    "SuFU=:", "", 0, why, sizeof(why)));
	assert_true(digest_ok("sha-512=:AAAA:, sha-256=:X48E9qOokqqrvdts8nOJRJN3"
	    "OWDUoyWxBf7kbu9DBPE=:", "{\"hello\": \"world\"}", 18, why,
	    sizeof(why)));
	assert_false(digest_ok("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9"
	    "DBPE=:", "{\"hello\": \"world\"}\n", 19, why, sizeof(why)));
	assert_false(digest_ok("sha-512=:AAAA:", "", 0, why, sizeof(why)));
	assert_false(digest_ok("sha-256=:notbase64!:", "", 0, why,
	    sizeof(why)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_example),
		cmocka_unit_test(test_input_refused),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
