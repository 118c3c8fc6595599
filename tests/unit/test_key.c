/* test_key.c: sealed key files (key.c) and domain-separated signatures
 * (sign.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ecert.h"
#include "ecert_priv.h"
#include "fixture.h"

#define ISSUER "11420600MB1234567T"
#define COMPANY "91420600MA49ABCD1A"
#define PASS "汉江长流 passphrase"

static char keyfile[128];	/* written once, read by every case */
static struct ecert_key key;	/* what it holds */

static int
make_scratch(void **state)
{
	struct ecert_error e = { 0, "" };

	(void)state;
	unsetenv("ECERT_PASSPHRASE_FILE");
	if (fixture_scratch("test_key") != 0)
		return -1;
	snprintf(keyfile, sizeof(keyfile), "%s", fixture_at("issuer.key"));
	if (ecert_key_generate(&key, ISSUER) != 0 ||
	    ecert_key_write(keyfile, &key, PASS, &e) != 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int
remove_scratch(void **state)
{
	(void)state;
	ecert_key_wipe(&key);
	return fixture_teardown();
}

/* The key file's 11 lines. */
static int
read_lines(const char *path, char lines[12][256])
{
	FILE *fp = fopen(path, "r");
	int n = 0;

	assert_non_null(fp);
	while (n < 12 && fgets(lines[n], 256, fp) != NULL)
		n++;
	fclose(fp);
	return n;
}

static const char *
write_lines(const char *name, char lines[12][256], int n)
{
	const char *path = fixture_at(name);
	FILE *fp = fopen(path, "w");
	int i;

	assert_non_null(fp);
	for (i = 0; i < n; i++)
		fputs(lines[i], fp);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static void
expect_read_fails(const char *path, const char *pass, int status,
    const char *why)
{
	struct ecert_error e = { 0, "" };
	struct ecert_key k;
	static const unsigned char zero[64];
	int rc;

	memset(&k, 0xa5, sizeof(k));
	rc = ecert_key_read(path, pass, &k, &e);
	if (rc != status || e.status != status || strstr(e.msg, why) == NULL)
		fail_msg("read %s: want %d (%s), got %d: %s", path, status,
		    why, rc, e.msg);
	/* no secret is left behind on failure */
	assert_memory_equal(k.sk, zero, sizeof(zero));
}

static void
test_generate(void **state)
{
	struct ecert_key k, other;
	char id[17];

	(void)state;
	assert_int_equal(ecert_key_generate(&k, COMPANY), 0);
	assert_string_equal(k.unit, COMPANY);
	assert_string_equal(k.alg, "ed25519");
	assert_int_equal(strlen(k.key_id), 16);
	ecert_key_id(k.pk, id);
	assert_string_equal(id, k.key_id);
	assert_memory_equal(k.sk + 32, k.pk, 32);
	assert_int_equal(ecert_key_generate(&other, COMPANY), 0);
	assert_string_not_equal(k.key_id, other.key_id);
	assert_memory_not_equal(k.pk, other.pk, 32);
	ecert_key_wipe(&k);
	assert_int_equal(k.key_id[0], '\0');
	ecert_key_wipe(&other);
}

static void
test_round_trip(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_key k;
	struct stat sb;
	char lines[12][256];

	(void)state;
	assert_int_equal(stat(keyfile, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(read_lines(keyfile, lines), 11);
	assert_string_equal(lines[0], "ecert-secret-key-v1\n");
	assert_string_equal(lines[2], "unit " ISSUER "\n");
	assert_string_equal(lines[5], "kdf argon2id13\n");
	assert_string_equal(lines[6], "opslimit 3\n");
	assert_string_equal(lines[7], "memlimit 33554432\n");
	assert_int_equal(strncmp(lines[10], "sealed ", 7), 0);

	if (ecert_key_read(keyfile, PASS, &k, &e) != 0)
		fail_msg("read: %s", e.msg);
	assert_string_equal(k.unit, key.unit);
	assert_string_equal(k.key_id, key.key_id);
	assert_string_equal(k.alg, "ed25519");
	assert_memory_equal(k.pk, key.pk, 32);
	assert_memory_equal(k.sk, key.sk, 64);
	ecert_key_wipe(&k);
}

static void
test_pub_file(void **state)
{
	json_error_t jerr;
	json_t *pub;
	char b64[64], path[160];
	struct stat sb;

	(void)state;
	snprintf(path, sizeof(path), "%s.pub", keyfile);
	pub = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (pub == NULL)
		fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
	assert_int_equal(json_object_size(pub), 4);
	assert_string_equal(ecert_json_str(pub, "alg"), "ed25519");
	assert_string_equal(ecert_json_str(pub, "key_id"), key.key_id);
	assert_string_equal(ecert_json_str(pub, "unit"), ISSUER);
	assert_int_equal(ecert_b64_encode(key.pk, 32, b64, sizeof(b64)), 0);
	assert_string_equal(ecert_json_str(pub, "public_key"), b64);
	json_decref(pub);
	/* the public half, and not the secret, is what others may read */
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
}

static void
test_wrong_passphrase(void **state)
{
	(void)state;
	expect_read_fails(keyfile, "汉江长流 passphrasE", ECERT_NOPERM,
	    "wrong passphrase");
	expect_read_fails(keyfile, "", ECERT_NOPERM, "wrong passphrase");
}

static void
test_short_passphrase(void **state)
{
	struct ecert_error e = { 0, "" };
	const char *path = fixture_at("short.key");

	(void)state;
	assert_int_equal(ecert_key_write(path, &key, "1234567", &e),
	    ECERT_USAGE);
	assert_non_null(strstr(e.msg, "at least 8 characters"));
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(ecert_key_write(path, &key, "", &e), ECERT_USAGE);
	assert_int_not_equal(access(path, F_OK), 0);
}

static void
test_write_refuses_existing(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_key k;
	char before[12][256], after[12][256];

	(void)state;
	assert_int_equal(read_lines(keyfile, before), 11);
	assert_int_equal(ecert_key_generate(&k, ISSUER), 0);
	assert_int_equal(ecert_key_write(keyfile, &k, PASS, &e), ECERT_IOERR);
	assert_non_null(strstr(e.msg, "File exists"));
	assert_int_equal(read_lines(keyfile, after), 11);
	for (int i = 0; i < 11; i++)
		assert_string_equal(before[i], after[i]);
	ecert_key_wipe(&k);
}

/* One character of the sealed box changed. */
static void
test_sealed_altered(void **state)
{
	char lines[12][256];
	char *v;

	(void)state;
	assert_int_equal(read_lines(keyfile, lines), 11);
	v = lines[10] + strlen("sealed ") + 20;
	*v = *v == 'A' ? 'B' : 'A';
	expect_read_fails(write_lines("sealed.key", lines, 11), PASS,
	    ECERT_NOPERM, "altered key file");

	/* salt and nonce are bound too */
	assert_int_equal(read_lines(keyfile, lines), 11);
	v = lines[8] + strlen("salt ");
	*v = *v == '0' ? '1' : '0';
	expect_read_fails(write_lines("salt.key", lines, 11), PASS,
	    ECERT_NOPERM, "altered key file");
	assert_int_equal(read_lines(keyfile, lines), 11);
	v = lines[9] + strlen("nonce ");
	*v = *v == '0' ? '1' : '0';
	expect_read_fails(write_lines("nonce.key", lines, 11), PASS,
	    ECERT_NOPERM, "altered key file");
}

/*
 * The clear header is authenticated: another unit (a valid code), a
 * weaker key derivation or another public key all fail to open, even
 * with the right passphrase.
 */
static void
test_header_altered(void **state)
{
	struct ecert_key other;
	char lines[12][256], pub[64];

	(void)state;
	assert_int_equal(read_lines(keyfile, lines), 11);
	snprintf(lines[2], 256, "unit %s\n", COMPANY);
	expect_read_fails(write_lines("unit.key", lines, 11), PASS,
	    ECERT_NOPERM, "altered key file");

	assert_int_equal(read_lines(keyfile, lines), 11);
	snprintf(lines[6], 256, "opslimit 2\n");
	expect_read_fails(write_lines("ops.key", lines, 11), PASS,
	    ECERT_NOPERM, "altered key file");

	assert_int_equal(ecert_key_generate(&other, ISSUER), 0);
	assert_int_equal(read_lines(keyfile, lines), 11);
	ecert_b64_encode(other.pk, 32, pub, sizeof(pub));
	snprintf(lines[3], 256, "key-id %s\n", other.key_id);
	snprintf(lines[4], 256, "public %s\n", pub);
	expect_read_fails(write_lines("pub.key", lines, 11), PASS,
	    ECERT_NOPERM, "altered key file");
	ecert_key_wipe(&other);
}

/* Header lines that do not parse are bad input, before any derivation. */
static void
test_header_malformed(void **state)
{
	static const struct {
		int line;
		const char *text, *why;
	} cases[] = {
		{ 1, "alg rsa\n", ":2: alg" },
		{ 2, "unit 11420600MB1234567X\n", ":3: unit" },
		{ 2, "unit: " ISSUER "\n", ":3: unit" },
		{ 3, "key-id 0123\n", ":4: key-id" },
		{ 4, "public not base64!\n", ":5: public" },
		{ 6, "opslimit 0\n", ":7: opslimit" },
		{ 7, "memlimit 1\n", ":8: memlimit" },
		{ 7, "memlimit 99999999999999\n", ":8: memlimit" },
		{ 8, "salt 00\n", ":9: salt" },
		{ 9, "nonce zz\n", ":10: nonce" },
		{ 10, "sealed AAAA\n", ":11: sealed" },
	};
	char lines[12][256], name[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(read_lines(keyfile, lines), 11);
		snprintf(lines[cases[i].line], 256, "%s", cases[i].text);
		snprintf(name, sizeof(name), "malformed%zu.key", i);
		expect_read_fails(write_lines(name, lines, 11), PASS,
		    ECERT_DATAERR, cases[i].why);
	}
}

static void
test_not_a_key_file(void **state)
{
	char lines[12][256];
	FILE *fp;

	(void)state;
	snprintf(lines[0], 256, "襄阳汉江食品有限公司\n");
	expect_read_fails(write_lines("text.key", lines, 1), PASS,
	    ECERT_DATAERR, "not an ecert secret key file");
	expect_read_fails(write_lines("empty.key", lines, 0), PASS,
	    ECERT_DATAERR, "not an ecert secret key file");
	/* the public half is not the key */
	snprintf(lines[0], 256, "%s.pub", keyfile);
	expect_read_fails(lines[0], PASS, ECERT_DATAERR,
	    "not an ecert secret key file");
	/* a truncated key file */
	assert_int_equal(read_lines(keyfile, lines), 11);
	expect_read_fails(write_lines("short.key", lines, 10), PASS,
	    ECERT_DATAERR, "not an ecert secret key file");
	/* a store key file */
	fp = fopen(fixture_at("store.key"), "w");
	assert_non_null(fp);
	fputs("ecert-store-key-v1\nindex 00\ndata 00\naudit 00\n", fp);
	fclose(fp);
	expect_read_fails(fixture_at("store.key"), PASS, ECERT_DATAERR,
	    "not an ecert secret key file");
	expect_read_fails(fixture_at("no-such.key"), PASS, ECERT_IOERR,
	    "No such file");
}

static void
test_passphrase_file(void **state)
{
	struct ecert_error e = { 0, "" };
	char buf[256];
	FILE *fp;

	(void)state;
	fp = fopen(fixture_at("pass"), "w");
	assert_non_null(fp);
	fputs(PASS "\r\nsecond line\n", fp);
	fclose(fp);
	assert_int_equal(ecert_passphrase(fixture_at("pass"), "? ", 0, buf,
	    sizeof(buf), &e), 0);
	assert_string_equal(buf, PASS);

	setenv("ECERT_PASSPHRASE_FILE", fixture_at("pass"), 1);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(ecert_passphrase(NULL, "? ", 0, buf, sizeof(buf),
	    &e), 0);
	assert_string_equal(buf, PASS);
	unsetenv("ECERT_PASSPHRASE_FILE");

	fp = fopen(fixture_at("empty-pass"), "w");
	assert_non_null(fp);
	fputs("\n", fp);
	fclose(fp);
	assert_int_equal(ecert_passphrase(fixture_at("empty-pass"), "? ", 0, buf,
	    sizeof(buf), &e), ECERT_DATAERR);
	assert_non_null(strstr(e.msg, "empty"));
	assert_int_equal(ecert_passphrase(fixture_at("no-pass"), "? ", 0, buf,
	    sizeof(buf), &e), ECERT_IOERR);
	assert_non_null(strstr(e.msg, "No such file"));
}

/* sign.c */

static const char message[] = "{\"holder\":{\"name\":\"襄阳汉江食品有限公司\"},"
    "\"住所\":\"湖北省襄阳市樊城区长虹北路16号\"}";

static void
test_sign_round_trip(void **state)
{
	char sig[89], again[89];

	(void)state;
	ecert_sign(&key, ECERT_DOMAIN_LICENSE, message, strlen(message), sig);
	assert_int_equal(strlen(sig), 88);
	assert_true(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message,
	    strlen(message), sig));
	/* Ed25519 is deterministic */
	ecert_sign(&key, ECERT_DOMAIN_LICENSE, message, strlen(message), again);
	assert_string_equal(sig, again);
	/* an empty message signs too */
	ecert_sign(&key, ECERT_DOMAIN_EVENT, "", 0, again);
	assert_true(ecert_sig_ok(key.pk, ECERT_DOMAIN_EVENT, "", 0, again));
}

/* Any Ed25519 verifier checks prefix || NUL || message. */
static void
test_sign_plain_ed25519(void **state)
{
	unsigned char raw[64], buf[512];
	size_t len, dl = strlen(ECERT_DOMAIN_LICENSE) + 1;
	char sig[89];

	(void)state;
	ecert_sign(&key, ECERT_DOMAIN_LICENSE, message, strlen(message), sig);
	assert_int_equal(ecert_b64_decode(sig, raw, sizeof(raw), &len), 0);
	assert_int_equal(len, 64);
	memcpy(buf, ECERT_DOMAIN_LICENSE, dl);
	memcpy(buf + dl, message, strlen(message));
	assert_int_equal(crypto_sign_verify_detached(raw, buf,
	    dl + strlen(message), key.pk), 0);
	/* and not the message alone */
	assert_int_not_equal(crypto_sign_verify_detached(raw,
	    (const unsigned char *)message, strlen(message), key.pk), 0);
}

static void
test_sign_wrong_domain(void **state)
{
	char sig[89];

	(void)state;
	ecert_sign(&key, ECERT_DOMAIN_LICENSE, message, strlen(message), sig);
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_EVENT, message,
	    strlen(message), sig));
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_KEY, message,
	    strlen(message), sig));
	assert_false(ecert_sig_ok(key.pk, "ecert-license-v", message,
	    strlen(message), sig));
}

/* The domain and the message cannot trade bytes across the NUL. */
static void
test_sign_domain_boundary(void **state)
{
	char sig[89];

	(void)state;
	ecert_sign(&key, "ab", "c", 1, sig);
	assert_false(ecert_sig_ok(key.pk, "a", "bc", 2, sig));
	assert_false(ecert_sig_ok(key.pk, "abc", "", 0, sig));
}

static void
test_sign_message_changed(void **state)
{
	char sig[89], copy[sizeof(message)];
	size_t i, n = strlen(message);

	(void)state;
	ecert_sign(&key, ECERT_DOMAIN_LICENSE, message, n, sig);
	for (i = 0; i < n; i++) {
		memcpy(copy, message, sizeof(message));
		copy[i] ^= 0x01;
		if (ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, copy, n, sig))
			fail_msg("byte %zu changed: still verifies", i);
	}
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message,
	    n - 1, sig));
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message,
	    n + 1, sig));
}

static void
test_sign_other_key(void **state)
{
	struct ecert_key other;
	char sig[89];

	(void)state;
	assert_int_equal(ecert_key_generate(&other, ISSUER), 0);
	ecert_sign(&key, ECERT_DOMAIN_LICENSE, message, strlen(message), sig);
	assert_false(ecert_sig_ok(other.pk, ECERT_DOMAIN_LICENSE, message,
	    strlen(message), sig));
	ecert_sign(&other, ECERT_DOMAIN_LICENSE, message, strlen(message),
	    sig);
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message,
	    strlen(message), sig));
	ecert_key_wipe(&other);
}

static void
test_sign_bad_base64(void **state)
{
	char sig[89], bad[100];
	size_t n = strlen(message);

	(void)state;
	ecert_sign(&key, ECERT_DOMAIN_LICENSE, message, n, sig);
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message, n,
	    NULL));
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message, n,
	    ""));
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message, n,
	    "not base64 at all!"));
	/* one character cut, one added, one out of the alphabet */
	snprintf(bad, sizeof(bad), "%.86s=", sig);
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message, n,
	    bad));
	snprintf(bad, sizeof(bad), "%sA", sig);
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message, n,
	    bad));
	snprintf(bad, sizeof(bad), "%s", sig);
	bad[10] = '*';
	assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message, n,
	    bad));
	/* URL-safe base64 is another encoding */
	snprintf(bad, sizeof(bad), "%s", sig);
	for (char *p = bad; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	if (strcmp(bad, sig) != 0)
		assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE,
		    message, n, bad));
	/* 65 bytes, base64 of a signature and one byte more */
	{
		unsigned char raw[65];
		size_t len;
		char b64[100];

		assert_int_equal(ecert_b64_decode(sig, raw, 64, &len), 0);
		raw[64] = 0;
		assert_int_equal(ecert_b64_encode(raw, 65, b64, sizeof(b64)),
		    0);
		assert_false(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE,
		    message, n, b64));
	}
	assert_true(ecert_sig_ok(key.pk, ECERT_DOMAIN_LICENSE, message, n,
	    sig));
}

static void
test_b64(void **state)
{
	unsigned char out[8];
	char b64[16];
	size_t len;

	(void)state;
	assert_int_equal(ecert_b64_encode((const unsigned char *)"汉", 3, b64,
	    sizeof(b64)), 0);
	assert_string_equal(b64, "5rGJ");
	assert_int_equal(ecert_b64_encode((const unsigned char *)"汉", 3, b64,
	    4), -1);
	assert_int_equal(ecert_b64_decode("5rGJ", out, sizeof(out), &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "汉", 3);
	assert_int_equal(ecert_b64_decode("5rGJ5rGJ5rGJ", out, 8, &len), -1);
	assert_int_equal(ecert_b64_decode("5rGJ ", out, sizeof(out), &len), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_pub_file),
		cmocka_unit_test(test_wrong_passphrase),
		cmocka_unit_test(test_short_passphrase),
		cmocka_unit_test(test_write_refuses_existing),
		cmocka_unit_test(test_sealed_altered),
		cmocka_unit_test(test_header_altered),
		cmocka_unit_test(test_header_malformed),
		cmocka_unit_test(test_not_a_key_file),
		cmocka_unit_test(test_passphrase_file),
		cmocka_unit_test(test_sign_round_trip),
		cmocka_unit_test(test_sign_plain_ed25519),
		cmocka_unit_test(test_sign_wrong_domain),
		cmocka_unit_test(test_sign_domain_boundary),
		cmocka_unit_test(test_sign_message_changed),
		cmocka_unit_test(test_sign_other_key),
		cmocka_unit_test(test_sign_bad_base64),
		cmocka_unit_test(test_b64),
	};

	return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
