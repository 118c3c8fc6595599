/* test_codes.c: check characters, dates, identifiers and UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ecert.h"
#include "ecert_priv.h"

#define VECTOR1 \
	"1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
#define VECTOR2 \
	"1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0"

/* Real-shaped: authority, category, region 4206xx, GB 11714 org code. */
static const char *good_uscc[] = {
	"91350100M000100Y43",
	"91420600615487636D",
	"114206000110865325",
	"1242060042001234XH",
	"91420602MA48A7X21W",
	"52420600MJH123457W",
	"914201003000882519",
	"31420000K12345677W",
	"11100000000013338W",
	"11430000006122244L",
	"11330105002500287C",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
test_uscc_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(good_uscc); i++) {
		assert_true(ecert_uscc_valid(good_uscc[i]));
		assert_int_equal(ecert_uscc_check(good_uscc[i]),
		    good_uscc[i][17]);
	}
	assert_int_equal(ecert_uscc_check("91350100M000100Y4"), '3');
}

/* Every one-character substitution within the charset is caught. */
static void
test_uscc_forgeries(void **state)
{
	const char *charset = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	char forged[19];
	size_t i, pos, k;

	(void)state;
	for (i = 0; i < NELEM(good_uscc); i++) {
		for (pos = 0; pos < 18; pos++) {
			for (k = 0; charset[k] != '\0'; k++) {
				if (charset[k] == good_uscc[i][pos])
					continue;
				strcpy(forged, good_uscc[i]);
				forged[pos] = charset[k];
				assert_false(ecert_uscc_valid(forged));
			}
		}
	}
}

static void
test_uscc_malformed(void **state)
{
	(void)state;
	assert_false(ecert_uscc_valid(NULL));
	assert_false(ecert_uscc_valid(""));
	assert_false(ecert_uscc_valid("91350100M000100Y4"));
	assert_false(ecert_uscc_valid("91350100M000100Y433"));
	assert_false(ecert_uscc_valid("91350100m000100Y43"));
	/* I, O, S, V, Z are not in the charset. */
	assert_int_equal(ecert_uscc_check("91350100I000100Y4"), 0);
	assert_int_equal(ecert_uscc_check("91350100O000100Y4"), 0);
	assert_int_equal(ecert_uscc_check("9135010"), 0);
	assert_int_equal(ecert_uscc_check(NULL), 0);
}

static void
test_citizen_id(void **state)
{
	static const char *good[] = {
		"11010519491231002X",
		"420602198503151231",
		"420602200002290022",
		"420602190001010029",
	};
	char forged[19];
	size_t i, pos;
	char c;

	(void)state;
	setenv("ECERT_TODAY", "2025-06-01", 1);
	for (i = 0; i < NELEM(good); i++) {
		assert_true(ecert_citizen_id_valid(good[i]));
		for (pos = 0; pos < 17; pos++) {
			for (c = '0'; c <= '9'; c++) {
				if (c == good[i][pos])
					continue;
				strcpy(forged, good[i]);
				forged[pos] = c;
				assert_false(ecert_citizen_id_valid(forged));
			}
		}
	}
	assert_int_equal(ecert_citizen_id_check("11010519491231002"), 'X');
	/* Bad check character. */
	assert_false(ecert_citizen_id_valid("110105194912310021"));
	assert_false(ecert_citizen_id_valid("420602198503151230"));
	/* Lowercase x. */
	assert_false(ecert_citizen_id_valid("11010519491231002x"));
	/* Right checksum, but born on 1999-02-30. */
	assert_int_equal(ecert_citizen_id_check("42060219990230002"), '4');
	assert_false(ecert_citizen_id_valid("420602199902300024"));
	/* Right checksum, but born in 2099 or before 1900. */
	assert_false(ecert_citizen_id_valid("420602209901010021"));
	assert_false(ecert_citizen_id_valid("420602189912310024"));
	/* Born tomorrow, then today. */
	setenv("ECERT_TODAY", "2099-12-31", 1);
	assert_true(ecert_citizen_id_valid("420602209901010021"));
	setenv("ECERT_TODAY", "2099-01-01", 1);
	assert_true(ecert_citizen_id_valid("420602209901010021"));
	setenv("ECERT_TODAY", "2098-12-31", 1);
	assert_false(ecert_citizen_id_valid("420602209901010021"));
	unsetenv("ECERT_TODAY");
	/* Malformed. */
	assert_false(ecert_citizen_id_valid(NULL));
	assert_false(ecert_citizen_id_valid("11010519491231002"));
	assert_false(ecert_citizen_id_valid("11010519491231002X0"));
	assert_int_equal(ecert_citizen_id_check("1101051949123100A"), 0);
	assert_int_equal(ecert_citizen_id_check("110105"), 0);
}

static void
test_date_parse(void **state)
{
	int y = 0, m = 0, d = 0;

	(void)state;
	assert_true(ecert_date_parse("2024-02-29", &y, &m, &d));
	assert_int_equal(y, 2024);
	assert_int_equal(m, 2);
	assert_int_equal(d, 29);
	assert_true(ecert_date_valid("2000-02-29"));
	assert_true(ecert_date_valid("1000-01-01"));
	assert_true(ecert_date_valid("9999-12-31"));
	assert_true(ecert_date_valid("2023-12-31"));
	assert_false(ecert_date_valid("2023-02-29"));
	assert_false(ecert_date_valid("1900-02-29"));
	assert_false(ecert_date_valid("2023-13-01"));
	assert_false(ecert_date_valid("2023-00-10"));
	assert_false(ecert_date_valid("2023-04-31"));
	assert_false(ecert_date_valid("2023-04-00"));
	assert_false(ecert_date_valid("2023-1-01"));
	assert_false(ecert_date_valid("2023-01-1"));
	assert_false(ecert_date_valid("2023-01-01 "));
	assert_false(ecert_date_valid("2023-01-01x"));
	assert_false(ecert_date_valid("2023-01-01T00:00:00Z"));
	assert_false(ecert_date_valid(" 2023-01-01"));
	assert_false(ecert_date_valid("2023/01/01"));
	assert_false(ecert_date_valid("20230101"));
	assert_false(ecert_date_valid("0999-12-31"));
	assert_false(ecert_date_valid("+023-01-01"));
	assert_false(ecert_date_valid("2023-+1-01"));
	assert_false(ecert_date_valid(""));
	assert_false(ecert_date_valid(NULL));
}

static void
test_date_days(void **state)
{
	char out[11], prev[11];
	long days, first, last;

	(void)state;
	assert_int_equal(ecert_date_days("1970-01-01"), 0);
	assert_int_equal(ecert_date_days("1969-12-31"), -1);
	assert_int_equal(ecert_date_days("2000-03-01"), 11017);
	assert_int_equal(ecert_date_days("2024-02-29"), 19782);
	assert_int_equal(ecert_date_days("1900-01-01"), -25567);
	assert_int_equal(ecert_date_days("2023-02-29"), -1);
	first = ecert_date_days("1000-01-01");
	last = ecert_date_days("9999-12-31");
	assert_int_equal(first, -354285);
	assert_int_equal(last, 2932896);

	/* Every day of the range, in order, and back again. */
	prev[0] = '\0';
	for (days = first; days <= last; days++) {
		ecert_date_from_days(days, out);
		if (!ecert_date_valid(out) || ecert_date_days(out) != days ||
		    strcmp(prev, out) >= 0)
			fail_msg("day %ld gave \"%s\" after \"%s\"", days, out,
			    prev);
		memcpy(prev, out, sizeof(out));
	}
	ecert_date_from_days(0, out);
	assert_string_equal(out, "1970-01-01");
	ecert_date_from_days(19782, out);
	assert_string_equal(out, "2024-02-29");
	ecert_date_from_days(19783, out);
	assert_string_equal(out, "2024-03-01");
	ecert_date_from_days(first - 1, out);
	assert_string_equal(out, "");
	ecert_date_from_days(last + 1, out);
	assert_string_equal(out, "");
}

static void
test_today_now(void **state)
{
	char today[11], now[21];

	(void)state;
	setenv("ECERT_TODAY", "2024-02-29", 1);
	ecert_today(today);
	assert_string_equal(today, "2024-02-29");
	setenv("ECERT_TODAY", "2023-02-29", 1);
	ecert_today(today);
	assert_true(ecert_date_valid(today));
	assert_string_not_equal(today, "2023-02-29");
	unsetenv("ECERT_TODAY");
	ecert_today(today);
	assert_true(ecert_date_valid(today));

	setenv("ECERT_NOW", "2026-11-27T20:48:58Z", 1);
	ecert_now_iso(now);
	assert_string_equal(now, "2026-11-27T20:48:58Z");
	setenv("ECERT_NOW", "2026-11-27T24:48:58Z", 1);
	ecert_now_iso(now);
	assert_string_not_equal(now, "2026-11-27T24:48:58Z");
	unsetenv("ECERT_NOW");
	ecert_now_iso(now);
	assert_int_equal(strlen(now), 20);
	assert_int_equal(now[10], 'T');
	assert_int_equal(now[19], 'Z');
	now[10] = '\0';
	assert_true(ecert_date_valid(now));
}

static void
test_mod3736(void **state)
{
	(void)state;
	assert_int_equal(ecert_mod3736_check("11100000000013338W011"
	    "11430000006122244L" "20230000403" "001"), 'U');
	assert_int_equal(ecert_mod3736_check("11100000000013338W009"
	    "11330105002500287C" "2025052201" "002"), '0');
	assert_int_equal(ecert_mod3736_check("abc"), 0);
	assert_int_equal(ecert_mod3736_check("12.3"), 0);
	assert_int_equal(ecert_mod3736_check(""), 0);
}

static void
test_type_code_serial(void **state)
{
	(void)state;
	assert_true(ecert_type_code_valid("11100000000013338W011"));
	assert_true(ecert_type_code_valid("11100000000013338W009"));
	assert_false(ecert_type_code_valid("11100000000013338X011"));
	assert_false(ecert_type_code_valid("11100000000013338W01"));
	assert_false(ecert_type_code_valid("11100000000013338W0111"));
	assert_false(ecert_type_code_valid("11100000000013338W01A"));
	assert_false(ecert_type_code_valid(NULL));

	assert_true(ecert_serial_valid("2025052"));
	assert_true(ecert_serial_valid("20230000403"));
	assert_true(ecert_serial_valid("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"));
	assert_false(ecert_serial_valid("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"));
	assert_false(ecert_serial_valid("202505"));
	assert_false(ecert_serial_valid("2025052a"));
	assert_false(ecert_serial_valid("2025-052"));
	assert_false(ecert_serial_valid(""));
	assert_false(ecert_serial_valid(NULL));
}

static void
test_identifier_vectors(void **state)
{
	static const char *vectors[] = { VECTOR1, VECTOR2 };
	static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.";
	char forged[128];
	size_t i, pos, k, n;

	(void)state;
	for (i = 0; i < NELEM(vectors); i++) {
		assert_true(ecert_identifier_valid(vectors[i]));
		n = strlen(vectors[i]);
		for (pos = 0; pos < n; pos++) {
			for (k = 0; alphabet[k] != '\0'; k++) {
				if (alphabet[k] == vectors[i][pos])
					continue;
				strcpy(forged, vectors[i]);
				forged[pos] = alphabet[k];
				if (ecert_identifier_valid(forged))
					fail_msg("forgery accepted: %s", forged);
			}
		}
		/* Dropped and added characters. */
		strcpy(forged, vectors[i]);
		forged[n - 1] = '\0';
		assert_false(ecert_identifier_valid(forged));
		strcpy(forged, vectors[i]);
		strcat(forged, "0");
		assert_false(ecert_identifier_valid(forged));
	}
	assert_false(ecert_identifier_valid(NULL));
	assert_false(ecert_identifier_valid(""));
	assert_false(ecert_identifier_valid("1.2.156.3005.2."));
	/* Lowercase check character. */
	assert_false(ecert_identifier_valid("1.2.156.3005.2.11100000000013338W011."
	    "11430000006122244L.20230000403.001.u"));
	/* Version 000. */
	assert_false(ecert_identifier_valid("1.2.156.3005.2.11100000000013338W011."
	    "11430000006122244L.20230000403.000.W"));
	/* An extra part. */
	assert_false(ecert_identifier_valid("1.2.156.3005.2.11100000000013338W011."
	    "11430000006122244L.20230000403.001.U.U"));
}

static void
test_identifier_make(void **state)
{
	char id[128], small[sizeof(VECTOR1) - 1];

	(void)state;
	assert_int_equal(ecert_identifier_make(id, sizeof(id),
	    "11100000000013338W011", "11430000006122244L", "20230000403", 1), 0);
	assert_string_equal(id, VECTOR1);
	assert_int_equal(ecert_identifier_make(id, sizeof(id),
	    "11100000000013338W009", "11330105002500287C", "2025052201", 2), 0);
	assert_string_equal(id, VECTOR2);

	/* Exactly big enough, then one byte short. */
	assert_int_equal(ecert_identifier_make(id, sizeof(VECTOR1),
	    "11100000000013338W011", "11430000006122244L", "20230000403", 1), 0);
	assert_int_equal(ecert_identifier_make(small, sizeof(small),
	    "11100000000013338W011", "11430000006122244L", "20230000403", 1),
	    -1);

	assert_int_equal(ecert_identifier_make(id, sizeof(id),
	    "11100000000013338W011", "11430000006122244L", "20230000403", 999),
	    0);
	assert_true(ecert_identifier_valid(id));
	assert_non_null(strstr(id, ".999."));
	assert_int_equal(ecert_identifier_make(id, sizeof(id),
	    "11100000000013338W011", "11430000006122244L", "20230000403", 0),
	    -1);
	assert_int_equal(ecert_identifier_make(id, sizeof(id),
	    "11100000000013338W011", "11430000006122244L", "20230000403",
	    1000), -1);
	assert_int_equal(ecert_identifier_make(id, sizeof(id),
	    "11100000000013338X011", "11430000006122244L", "20230000403", 1),
	    -1);
	assert_int_equal(ecert_identifier_make(id, sizeof(id),
	    "11100000000013338W011", "11430000006122244M", "20230000403", 1),
	    -1);
	assert_int_equal(ecert_identifier_make(id, sizeof(id),
	    "11100000000013338W011", "11430000006122244L", "2023-0403", 1),
	    -1);
	assert_int_equal(ecert_identifier_make(id, sizeof(id),
	    "11100000000013338W011", "11430000006122244L", NULL, 1), -1);
}

static void
test_utf8(void **state)
{
	static const char license[] = "营业执照";

	(void)state;
	assert_true(ecert_utf8_valid(license, strlen(license)));
	assert_true(ecert_utf8_valid("", 0));
	assert_true(ecert_utf8_valid("\xf0\x9f\x98\x80", 4));	/* U+1F600 */
	assert_true(ecert_utf8_valid("\xf4\x8f\xbf\xbf", 4));	/* U+10FFFF */
	assert_true(ecert_utf8_valid("\xed\x9f\xbf", 3));	/* U+D7FF */
	assert_true(ecert_utf8_valid("\xee\x80\x80", 3));	/* U+E000 */
	assert_false(ecert_utf8_valid("\xc0\x80", 2));		/* overlong NUL */
	assert_false(ecert_utf8_valid("\xc1\xbf", 2));
	assert_false(ecert_utf8_valid("\xe0\x80\xaf", 3));	/* overlong / */
	assert_false(ecert_utf8_valid("\xf0\x80\x80\xaf", 4));
	assert_false(ecert_utf8_valid("\xed\xa0\x80", 3));	/* U+D800 */
	assert_false(ecert_utf8_valid("\xed\xbf\xbf", 3));	/* U+DFFF */
	assert_false(ecert_utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(ecert_utf8_valid("\xf5\x80\x80\x80", 4));
	assert_false(ecert_utf8_valid("\xff", 1));
	assert_false(ecert_utf8_valid("\x80", 1));		/* lone continuation */
	assert_false(ecert_utf8_valid(license, strlen(license) - 1));
	assert_false(ecert_utf8_valid("\xe8\x90", 2));		/* truncated */
	assert_false(ecert_utf8_valid("\xe8\x90" "a", 3));
	assert_false(ecert_utf8_valid("a\0b", 3));		/* NUL byte */

	assert_int_equal(ecert_utf8_chars(license), 4);
	assert_int_equal(ecert_utf8_chars("a营"), 2);
	assert_int_equal(ecert_utf8_chars(""), 0);
	assert_int_equal(ecert_utf8_width(license), 8);
	assert_int_equal(ecert_utf8_width("a营"), 3);
	assert_int_equal(ecert_utf8_width("abc"), 3);
	assert_int_equal(ecert_utf8_width(""), 0);
	assert_int_equal(ecert_utf8_width("\xe3\x80\x81"), 2);	/* 、 U+3001 */
	assert_int_equal(ecert_utf8_width("\xef\xbc\x88"), 2);	/* （ U+FF08 */
	assert_int_equal(ecert_utf8_width("\xea\xb0\x80"), 2);	/* 가 U+AC00 */
	assert_int_equal(ecert_utf8_width("\xf0\xa0\x80\x80"), 2);	/* U+20000 */
	assert_int_equal(ecert_utf8_width("e\xcc\x81"), 1);	/* e + U+0301 */
	assert_int_equal(ecert_utf8_width("\xc3\xa9"), 1);	/* é */
	assert_int_equal(ecert_utf8_width("\xff" "a"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uscc_valid),
		cmocka_unit_test(test_uscc_forgeries),
		cmocka_unit_test(test_uscc_malformed),
		cmocka_unit_test(test_citizen_id),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_date_days),
		cmocka_unit_test(test_today_now),
		cmocka_unit_test(test_mod3736),
		cmocka_unit_test(test_type_code_serial),
		cmocka_unit_test(test_identifier_vectors),
		cmocka_unit_test(test_identifier_make),
		cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests_name("codes", tests, NULL, NULL);
}
