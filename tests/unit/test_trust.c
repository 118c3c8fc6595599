/*
 * Unit tests of the lists an offline verifier loads (status.c): a list
 * correctly signed by the platform but with a version this program does
 * not know, or a time it cannot read, is refused (65), never taken as
 * "no end"; a list with a key twice is refused at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ecert.h"
#include "ecert_priv.h"
#include "fixture.h"

#define PLATFORM FIXTURE_PLATFORM

static char path[128];
static struct ecert_key platform;

static int
setup(void **state)
{
	(void)state;
	if (fixture_scratch("test_trust") != 0)
		return -1;
	snprintf(path, sizeof(path), "%s", fixture_at("list.json"));
	return ecert_key_generate(&platform, PLATFORM);
}

static int
teardown(void **state)
{
	(void)state;
	return fixture_teardown();
}

static json_t *
key_json(const char *not_before, json_t *not_after)
{
	char pub[64];

	ecert_b64_encode(platform.pk, 32, pub, sizeof(pub));
	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}", "key_id",
	    platform.key_id, "unit", PLATFORM, "public_key", pub,
	    "not_before", not_before, "not_after", not_after, "admin", 1);
}

/* Signs obj as the platform does and writes it to path. */
static void
write_signed(json_t *obj, const char *domain)
{
	char sig[89], *canon;
	FILE *fp;

	json_object_set_new(obj, "key_id", json_string(platform.key_id));
	json_object_set_new(obj, "unit", json_string(PLATFORM));
	canon = ecert_json_canonical(obj);
	ecert_sign(&platform, domain, canon, strlen(canon), sig);
	free(canon);
	json_object_set_new(obj, "signature", json_string(sig));
	canon = ecert_json_canonical(obj);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "%s\n", canon);
	fclose(fp);
	free(canon);
	json_decref(obj);
}

static json_t *
trust_list(json_t *version, json_t *keys)
{
	return json_pack("{s:s, s:o, s:s, s:o}", "type", "ecert-trust-list",
	    "version", version, "issued", "2025-06-30T08:00:00Z", "keys",
	    keys);
}

static int
load_trust(struct ecert_error *e)
{
	json_t *keys = ecert_trust_load(path, NULL, e);

	if (keys == NULL)
		return e->status;
	json_decref(keys);
	return 0;
}

static void
test_trust_good(void **state)
{
	struct ecert_error e;

	(void)state;
	write_signed(trust_list(json_integer(1), json_pack("[o]",
	    key_json("2020-01-01T00:00:00Z", json_null()))),
	    ECERT_DOMAIN_TRUST);
	assert_int_equal(load_trust(&e), 0);
	write_signed(trust_list(json_integer(1), json_pack("[o]",
	    key_json("2020-01-01T00:00:00Z",
	    json_string("2099-01-01T00:00:00Z")))), ECERT_DOMAIN_TRUST);
	assert_int_equal(load_trust(&e), 0);
}

static void
test_trust_fails_closed(void **state)
{
	struct ecert_error e;

	(void)state;
	write_signed(trust_list(json_integer(2), json_pack("[o]",
	    key_json("2020-01-01T00:00:00Z", json_null()))),
	    ECERT_DOMAIN_TRUST);
	assert_int_equal(load_trust(&e), ECERT_DATAERR);
	assert_non_null(strstr(e.msg, "version not understood"));

	write_signed(trust_list(json_string("1"), json_pack("[o]",
	    key_json("2020-01-01T00:00:00Z", json_null()))),
	    ECERT_DOMAIN_TRUST);
	assert_int_equal(load_trust(&e), ECERT_DATAERR);

	/* an unreadable end would have been read as "no end" */
	write_signed(trust_list(json_integer(1), json_pack("[o]",
	    key_json("2020-01-01T00:00:00Z", json_string("never")))),
	    ECERT_DOMAIN_TRUST);
	assert_int_equal(load_trust(&e), ECERT_DATAERR);
	assert_non_null(strstr(e.msg, "not_after is not a time"));

	write_signed(trust_list(json_integer(1), json_pack("[o]",
	    key_json("2020-01-01T00:00:00Z",
	    json_string("2099-01-01 00:00:00")))), ECERT_DOMAIN_TRUST);
	assert_int_equal(load_trust(&e), ECERT_DATAERR);

	write_signed(trust_list(json_integer(1), json_pack("[o]",
	    key_json("2020-13-01T00:00:00Z", json_null()))),
	    ECERT_DOMAIN_TRUST);
	assert_int_equal(load_trust(&e), ECERT_DATAERR);
	assert_non_null(strstr(e.msg, "not_before is not a time"));

	write_signed(trust_list(json_integer(1), json_pack("[o, o]",
	    key_json("2020-01-01T00:00:00Z", json_null()),
	    key_json("2020-01-01T00:00:00Z", json_null()))),
	    ECERT_DOMAIN_TRUST);
	assert_int_equal(load_trust(&e), ECERT_DATAERR);
	assert_non_null(strstr(e.msg, "listed twice"));
}

static json_t *
status_list(json_t *version, const char *valid_until)
{
	size_t nbytes = ECERT_STATUS_BITS / 8;
	unsigned char *bits = calloc(nbytes, 1);
	char *b64 = malloc(nbytes * 2);
	json_t *obj;

	ecert_b64_encode(bits, nbytes, b64, nbytes * 2);
	obj = json_pack("{s:s, s:o, s:s, s:s, s:I, s:s}", "type",
	    "ecert-status-list", "version", version, "issued",
	    "2025-06-30T08:00:00Z", "valid_until", valid_until, "size",
	    (json_int_t)ECERT_STATUS_BITS, "bits", b64);
	free(bits);
	free(b64);
	return obj;
}

static void
test_status_fails_closed(void **state)
{
	json_t *keys = json_pack("[o]", key_json("2020-01-01T00:00:00Z",
	    json_null()));
	unsigned char *bits;
	size_t nbits;
	char why[256];

	(void)state;
	setenv("ECERT_NOW", "2025-06-30T09:00:00Z", 1);
	write_signed(status_list(json_integer(1), "2025-07-02T08:00:00Z"),
	    ECERT_DOMAIN_STATUS);
	assert_int_equal(ecert_status_load(path, keys, &bits, &nbits, why,
	    sizeof(why)), 0);
	free(bits);

	/* "zzz" sorts after every time: it was read as valid for ever */
	write_signed(status_list(json_integer(1), "zzz"),
	    ECERT_DOMAIN_STATUS);
	assert_int_equal(ecert_status_load(path, keys, &bits, &nbits, why,
	    sizeof(why)), ECERT_DATAERR);
	assert_non_null(strstr(why, "valid_until is not a time"));
	assert_null(bits);

	write_signed(status_list(json_integer(7), "2025-07-02T08:00:00Z"),
	    ECERT_DOMAIN_STATUS);
	assert_int_equal(ecert_status_load(path, keys, &bits, &nbits, why,
	    sizeof(why)), ECERT_DATAERR);
	assert_non_null(strstr(why, "version not understood"));
	unsetenv("ECERT_NOW");
	json_decref(keys);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trust_good),
		cmocka_unit_test(test_trust_fails_closed),
		cmocka_unit_test(test_status_fails_closed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
