/* test_json.c: strict parsing and the RFC 8785 canonical form. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ecert.h"
#include "ecert_priv.h"

static json_t *
parse(const char *text)
{
	struct ecert_error e;
	json_t *v;

	memset(&e, 0, sizeof(e));
	v = ecert_json_parse(text, strlen(text), &e);
	if (v == NULL)
		fail_msg("parse \"%s\": %s", text, e.msg);
	return v;
}

/* Parse text, canonicalize, compare; the canonical form is a fixed point. */
static void
same_canonical(const char *text, const char *want)
{
	json_t *v, *again;
	char *got, *got2;

	v = parse(text);
	got = ecert_json_canonical(v);
	assert_non_null(got);
	assert_string_equal(got, want);
	again = parse(got);
	got2 = ecert_json_canonical(again);
	assert_non_null(got2);
	assert_string_equal(got2, want);
	free(got);
	free(got2);
	json_decref(v);
	json_decref(again);
}

/* Parse must refuse text (of n bytes) with ECERT_DATAERR and a message. */
static void
refused(const char *text, size_t n, const char *msg_part)
{
	struct ecert_error e;
	json_t *v;

	memset(&e, 0, sizeof(e));
	v = ecert_json_parse(text, n, &e);
	if (v != NULL)
		fail_msg("accepted: %.*s", (int)n, text);
	assert_int_equal(e.status, ECERT_DATAERR);
	if (strstr(e.msg, msg_part) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, msg_part);
}

static void
test_sorting(void **state)
{
	(void)state;
	same_canonical("{\"b\": 1, \"a\": 2, \"aa\": 3, \"B\": 4, \"\": 5}",
	    "{\"\":5,\"B\":4,\"a\":2,\"aa\":3,\"b\":1}");
	same_canonical("{\"z\": {\"y\": [3, {\"d\": null, \"c\": true}], "
	    "\"x\": false}, \"a\": []}",
	    "{\"a\":[],\"z\":{\"x\":false,\"y\":[3,{\"c\":true,\"d\":null}]}}");
	same_canonical("{}", "{}");
	same_canonical("[]", "[]");
	same_canonical("  [ 1 , -2 , 0 ]  \n", "[1,-2,0]");
	same_canonical("\"x\"", "\"x\"");
	same_canonical("null", "null");
}

/* RFC 8785 3.2.3: names sort as UTF-16 code units, not as UTF-8 bytes. */
static void
test_utf16_order(void **state)
{
	(void)state;
	same_canonical("{"
	    "\"\\u20ac\": \"Euro Sign\","
	    "\"\\r\": \"Carriage Return\","
	    "\"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\","
	    "\"1\": \"One\","
	    "\"\\ud83d\\ude00\": \"Emoji: Grinning Face\","
	    "\"\\u0080\": \"Control\","
	    "\"\\u00f6\": \"Latin Small Letter O With Diaeresis\""
	    "}",
	    "{"
	    "\"\\r\":\"Carriage Return\","
	    "\"1\":\"One\","
	    "\"\xc2\x80\":\"Control\","
	    "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
	    "\"\xe2\x82\xac\":\"Euro Sign\","
	    "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
	    "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\""
	    "}");
}

/* The same, where names share a prefix before they differ: in a
 * code point below U+E000 (byte order holds), at one above (it does not),
 * or by one being the other's start. */
static void
test_utf16_order_prefix(void **state)
{
	(void)state;
	same_canonical("{"
	    "\"\\u8bc1\\uff01\": 1,"
	    "\"\\u8bc1\\ud83d\\ude00\": 2,"
	    "\"\\u8bc1\\u7167\": 3,"
	    "\"\\u8bc1\\u7167b\": 4,"
	    "\"\\u8bc1\\u7166\": 5,"
	    "\"\\u8bc1\": 6,"
	    "\"\\u8bc1\\ue000\": 7,"
	    "\"\\u8bc1\\ud7ff\": 8"
	    "}",
	    "{"
	    "\"\xe8\xaf\x81\":6,"
	    "\"\xe8\xaf\x81\xe7\x85\xa6\":5,"
	    "\"\xe8\xaf\x81\xe7\x85\xa7\":3,"
	    "\"\xe8\xaf\x81\xe7\x85\xa7" "b\":4,"
	    "\"\xe8\xaf\x81\xed\x9f\xbf\":8,"
	    "\"\xe8\xaf\x81\xf0\x9f\x98\x80\":2,"
	    "\"\xe8\xaf\x81\xee\x80\x80\":7,"
	    "\"\xe8\xaf\x81\xef\xbc\x81\":1"
	    "}");
}

/* RFC 8785 3.2.2.2 and the sample of 3.2.4, without its numbers. */
static void
test_string_escapes(void **state)
{
	json_t *v;
	char *got;

	(void)state;
	same_canonical("{\"string\": "
	    "\"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\", "
	    "\"literals\": [null, true, false]}",
	    "{\"literals\":[null,true,false],"
	    "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
	same_canonical("\"\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \\u007f~\"",
	    "\"\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \x7f~\"");
	/* Escapes in names too. */
	same_canonical("{\"a\\tb\": \"\\u00e9\"}", "{\"a\\tb\":\"\xc3\xa9\"}");

	v = json_pack("{s:s}", "k", "\x1b[0m/");
	got = ecert_json_canonical(v);
	assert_string_equal(got, "{\"k\":\"\\u001b[0m/\"}");
	free(got);
	json_decref(v);
}

static void
test_chinese(void **state)
{
	(void)state;
	same_canonical("{\"证照名称\": \"营业执照\", "
	    "\"持证主体\": \"襄阳市某某有限公司\"}",
	    "{\"持证主体\":\"襄阳市某某有限公司\",\"证照名称\":\"营业执照\"}");
	same_canonical("{\"\\u8bc1\\u7167\": \"\\u8425\"}",
	    "{\"证照\":\"营\"}");
}

static void
test_numbers(void **state)
{
	json_t *v;
	char *got;

	(void)state;
	same_canonical("[9007199254740991, -9007199254740991]",
	    "[9007199254740991,-9007199254740991]");
	/* Not exact as a double: another JCS would print it differently. */
	v = parse("[9007199254740992]");
	assert_null(ecert_json_canonical(v));
	json_decref(v);
	/* Reals parse, but are never signed. */
	v = parse("{\"n\": 1.5}");
	assert_true(json_is_real(json_object_get(v, "n")));
	assert_null(ecert_json_canonical(v));
	json_decref(v);
	v = json_pack("[i, f]", 1, 2.0);
	assert_null(ecert_json_canonical(v));
	json_decref(v);
	v = json_integer(-42);
	got = ecert_json_canonical(v);
	assert_string_equal(got, "-42");
	free(got);
	json_decref(v);
	assert_null(ecert_json_canonical(NULL));
}

static void
test_refusals(void **state)
{
	static const char nul[] = "{\"a\":1}\0";

	(void)state;
	refused("{\"a\": 1, \"a\": 2}", 16, "duplicate");
	refused("{\"a\": {\"b\": 1, \"b\": 1}}", 23, "duplicate");
	refused("{\"a\":\"\xff\"}", 9, "invalid UTF-8 at byte 7");
	refused("{\"a\":\"\xc0\x80\"}", 10, "invalid UTF-8 at byte 7");
	refused("[\"\xed\xa0\x80\"]", 7, "invalid UTF-8 at byte 3");
	refused("[\"\xe8\x90\"]", 6, "invalid UTF-8 at byte 3");
	refused("\"\xe8\x90", 3, "invalid UTF-8 at byte 2");
	refused(nul, sizeof(nul) - 1, "NUL byte at byte 8");
	refused("{} x", 4, "column ");
	refused("{}{}", 4, "column ");
	refused("[1] ]", 5, "column ");
	refused("", 0, "column ");
	refused("   ", 3, "column ");
	refused("{\"a\": 1,}", 9, "column ");
	refused("[\"\\ud800\"]", 10, "column ");
	refused("[\"\\u0000\"]", 10, "column ");
	refused("[01]", 4, "column ");
	refused("\xef\xbb\xbf{}", 5, "column ");
	refused("{'a': 1}", 8, "column ");
}

/* depth containers, objects and arrays taking turns, around an empty one. */
static void
nest(char *buf, size_t size, int depth)
{
	size_t n = 0;
	int i;

	for (i = 0; i < depth - 1; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s",
		    i % 2 ? "[" : "{\"k\":");
	n += (size_t)snprintf(buf + n, size - n, "%s",
	    (depth - 1) % 2 ? "[]" : "{}");
	for (i = depth - 2; i >= 0; i--)
		n += (size_t)snprintf(buf + n, size - n, "%s",
		    i % 2 ? "]" : "}");
	assert_true(n < size);
}

static void
test_depth(void **state)
{
	char buf[256];
	json_t *v;

	(void)state;
	nest(buf, sizeof(buf), 1);
	assert_string_equal(buf, "{}");
	nest(buf, sizeof(buf), 3);
	assert_string_equal(buf, "{\"k\":[{}]}");
	nest(buf, sizeof(buf), 32);
	v = parse(buf);
	json_decref(v);
	nest(buf, sizeof(buf), 33);
	refused(buf, strlen(buf), "deeper than 32");
	nest(buf, sizeof(buf), 60);
	refused(buf, strlen(buf), "deeper than 32");
	/* A deep branch after shallow ones. */
	memcpy(buf, "[1,[2],", 7);
	nest(buf + 7, sizeof(buf) - 8, 32);
	strcat(buf, "]");
	refused(buf, strlen(buf), "deeper than 32");
}

static void
test_size_limit(void **state)
{
	struct ecert_error e;
	char *big;
	json_t *v;

	(void)state;
	big = malloc(ECERT_MAX_LINE + 1);
	assert_non_null(big);
	memset(big, ' ', ECERT_MAX_LINE + 1);
	big[0] = '[';
	big[ECERT_MAX_LINE - 1] = ']';
	memset(&e, 0, sizeof(e));
	v = ecert_json_parse(big, ECERT_MAX_LINE, &e);
	assert_non_null(v);
	json_decref(v);
	refused(big, ECERT_MAX_LINE + 1, "longer than");
	free(big);
}

static void
test_json_str(void **state)
{
	json_t *v;

	(void)state;
	v = parse("{\"name\": \"营业执照\", \"n\": 1, \"z\": null}");
	assert_string_equal(ecert_json_str(v, "name"), "营业执照");
	assert_null(ecert_json_str(v, "n"));
	assert_null(ecert_json_str(v, "z"));
	assert_null(ecert_json_str(v, "missing"));
	assert_null(ecert_json_str(v, NULL));
	assert_null(ecert_json_str(NULL, "name"));
	json_decref(v);
	v = parse("[\"name\"]");
	assert_null(ecert_json_str(v, "name"));
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sorting),
		cmocka_unit_test(test_utf16_order),
		cmocka_unit_test(test_utf16_order_prefix),
		cmocka_unit_test(test_string_escapes),
		cmocka_unit_test(test_chinese),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_json_str),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
