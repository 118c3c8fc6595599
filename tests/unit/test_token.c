/*
 * Unit tests of token.c: base45 (RFC 9285 vectors), the status-list
 * permutation, and a presentation token made and checked end to end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "ecert.h"
#include "ecert_priv.h"
#include "fixture.h"

static struct ecert_store *store;

static int
setup(void **state)
{
	struct ecert_error e;

	(void)state;
	if (fixture_scratch("test_token") != 0 ||
	    fixture_store_create("t.db", &fixture_store, &e) != 0)
		return -1;
	store = fixture_store;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return fixture_teardown();
}

static void
test_base45_vectors(void **state)
{
	static const char *vec[][2] = {
		{ "AB", "BB8" }, { "Hello!!", "%69 VD92EX0" },
		{ "base-45", "UJCLQE7W581" }, { "ietf!", "QED8WEX0" },
		{ "", "" },
	};
	unsigned char out[64];
	size_t i;
	long n;

	(void)state;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		char *enc = ecert_base45_encode((const unsigned char *)vec[i][0],
		    strlen(vec[i][0]));
		assert_string_equal(enc, vec[i][1]);
		free(enc);
		n = ecert_base45_decode(vec[i][1], out, sizeof(out));
		assert_int_equal(n, (long)strlen(vec[i][0]));
		assert_memory_equal(out, vec[i][0], (size_t)n);
	}
	/* RFC 9285 section 4.3: invalid groups are refused */
	assert_int_equal(ecert_base45_decode("GGW", out, sizeof(out)), -1);
	assert_int_equal(ecert_base45_decode("ZZZ", out, sizeof(out)), -1);
	assert_int_equal(ecert_base45_decode("A", out, sizeof(out)), -1);
	assert_int_equal(ecert_base45_decode("ab", out, sizeof(out)), -1);
}

static void
test_base45_round_trip(void **state)
{
	unsigned char in[257], out[300];
	size_t n;
	char *enc;

	(void)state;
	for (n = 0; n < sizeof(in); n++) {
		randombytes_buf(in, n);
		enc = ecert_base45_encode(in, n);
		assert_int_equal(strlen(enc), n / 2 * 3 + (n % 2) * 2);
		assert_int_equal(ecert_base45_decode(enc, out, sizeof(out)),
		    (long)n);
		assert_memory_equal(in, out, n);
		free(enc);
	}
}

/* A permutation: no two sequence numbers share a place. */
static void
test_status_index_unique(void **state)
{
	unsigned char *seen = calloc(ECERT_STATUS_BITS / 8, 1);
	uint64_t seq;
	uint32_t i, prev = 0, ascending = 0;

	(void)state;
	assert_non_null(seen);
	for (seq = 0; seq < 200000; seq++) {
		i = ecert_status_index(store, seq);
		assert_true(i < ECERT_STATUS_BITS);
		assert_false(seen[i / 8] & (1 << (i % 8)));
		seen[i / 8] |= (unsigned char)(1 << (i % 8));
		ascending += i > prev;
		prev = i;
	}
	/* and it does not follow the order of issue */
	assert_true(ascending > 90000 && ascending < 110000);
	free(seen);
}

static json_t *
key_json(const struct ecert_key *k, int admin)
{
	char pub[64];

	ecert_b64_encode(k->pk, 32, pub, sizeof(pub));
	return json_pack("{s:s, s:s, s:s, s:s, s:n, s:b}", "key_id", k->key_id,
	    "unit", k->unit, "public_key", pub, "not_before",
	    "2020-01-01T00:00:00Z", "not_after", "admin", admin);
}

static void
test_token_round_trip(void **state)
{
	struct ecert_key issuer, platform;
	struct ecert_error e;
	struct ecert_token t;
	unsigned char *body, *bits;
	size_t n, bn;
	json_t *type, *doc, *keys;
	char *token, why[256];
	time_t now = time(NULL);

	(void)state;
	ecert_key_generate(&issuer, "11420600MB1234567T");
	ecert_key_generate(&platform, "11420600MB00000016");
	type = json_pack("{s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "code",
	    "11100000000013338W011", "items", "key", "legal_representative",
	    "type", "string", "key", "business_scope", "type", "text");
	doc = json_pack("{s:s, s:s, s:s, s:i, s:{s:s, s:s}, s:{s:s, s:s, s:s},"
	    " s:s, s:s, s:n, s:s, s:{s:s, s:s}}",
	    "id", "1.2.156.3005.2.11100000000013338W011.11420600MB1234567T."
	    "91420600MA49ABCD1A.001.O", "type", "11100000000013338W011",
	    "number", "91420600MA49ABCD1A", "version", 1,
	    "issuer", "code", "11420600MB1234567T", "name", "襄阳市市场监督管理局",
	    "holder", "name", "襄阳汉江食品有限公司", "id", "91420600MA49ABCD1A",
	    "id_type", "001", "issue_date", "2024-01-02", "valid_from",
	    "2024-01-02", "valid_until", "signed_at", "2024-01-02T08:00:00Z",
	    "items", "legal_representative", "张汉江", "business_scope",
	    "食品销售");
	assert_int_equal(ecert_compact_build(type, doc, &issuer, &body, &bn, &e),
	    0);
	token = ecert_token_present(body, bn, 4242, &platform, 300, now);
	assert_true(strlen(token) < 1000);
	keys = json_pack("[o, o]", key_json(&issuer, 0), key_json(&platform,
	    1));
	bits = calloc(ECERT_STATUS_BITS / 4, 1);	/* two bits a place */
	unsetenv("ECERT_TODAY");
	assert_int_equal(ecert_token_verify(token, keys, bits,
	    ECERT_STATUS_BITS, now, &t, why, sizeof(why)), 0);
	assert_string_equal(t.id, json_string_value(json_object_get(doc,
	    "id")));
	assert_string_equal(t.holder, "襄阳汉江食品有限公司");
	assert_string_equal(ecert_json_str(t.items, "legal_representative"),
	    "张汉江");
	/* free text is left to the full document */
	assert_null(json_object_get(t.items, "business_scope"));
	assert_int_equal(t.status_index, 4242);
	ecert_token_free(&t);

	/* the place says revoked: refused */
	bits[4242 / 4] |= (unsigned char)(ECERT_STATUS_REVOKED << (4242 % 4 * 2));
	assert_int_equal(ecert_token_verify(token, keys, bits,
	    ECERT_STATUS_BITS, now, &t, why, sizeof(why)), ECERT_NO);
	assert_non_null(strstr(why, "revoked"));
	ecert_token_free(&t);
	memset(bits, 0, ECERT_STATUS_BITS / 4);

	/* expired presentation */
	assert_int_equal(ecert_token_verify(token, keys, bits,
	    ECERT_STATUS_BITS, now + 301, &t, why, sizeof(why)), ECERT_NO);
	assert_non_null(strstr(why, "expired"));
	ecert_token_free(&t);

	/* every single character changed is refused */
	for (n = 4; n < strlen(token); n += 7) {
		char saved = token[n];
		token[n] = saved == 'A' ? 'B' : 'A';
		assert_int_not_equal(ecert_token_verify(token, keys, bits,
		    ECERT_STATUS_BITS, now, &t, why, sizeof(why)), 0);
		ecert_token_free(&t);
		token[n] = saved;
	}

	/* the issuer presenting for itself is not the platform */
	free(token);
	token = ecert_token_present(body, bn, 1, &issuer, 300, now);
	assert_int_equal(ecert_token_verify(token, keys, bits,
	    ECERT_STATUS_BITS, now, &t, why, sizeof(why)), ECERT_NO);
	ecert_token_free(&t);
	free(token);
	free(body);
	free(bits);
	json_decref(keys);
	json_decref(type);
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base45_vectors),
		cmocka_unit_test(test_base45_round_trip),
		cmocka_unit_test(test_status_index_unique),
		cmocka_unit_test(test_token_round_trip),
	};

	return cmocka_run_group_tests_name("token", tests, setup, teardown);
}
