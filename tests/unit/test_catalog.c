/* test_catalog.c: license types from strict YAML (catalog_yaml.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecert.h"
#include "ecert_priv.h"
#include "fixture.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif
#define SHIPPED SRCDIR "/share/catalog/"
#define FIXTURES SRCDIR "/tests/data/catalog/"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A good type, nine lines; cases below add to it or break it. */
#define HEAD \
	"code: 11100000000013338W011\n" \
	"name: 营业执照\n" \
	"issuer: 11420600MB1234567T\n" \
	"holder: legal\n" \
	"public: true\n" \
	"items:\n"
#define ITEM \
	"  - key: legal_representative\n" \
	"    label: 法定代表人\n" \
	"    type: string\n"

static int
make_scratch(void **state)
{
	(void)state;
	return fixture_scratch("test_catalog");
}

static int
remove_scratch(void **state)
{
	(void)state;
	return fixture_teardown();
}

static const char *
write_case(const char *text, size_t n)
{
	static char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s", fixture_at("case.yaml"));
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* Refused as bad input, at path:line:column, for the reason given. */
static int
refused(const char *path, int line, int column, const char *why,
    char *got, size_t n)
{
	struct ecert_error e = { 0, "" };
	char prefix[512];
	json_t *types;

	types = ecert_catalog_parse(path, &e);
	if (types != NULL) {
		json_decref(types);
		snprintf(got, n, "accepted");
		return 0;
	}
	snprintf(got, n, "status %d: %s", e.status, e.msg);
	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, line, column);
	return e.status == ECERT_DATAERR &&
	    strncmp(e.msg, prefix, strlen(prefix)) == 0 &&
	    strstr(e.msg + strlen(prefix), why) != NULL;
}

static void
expect_refusal(const char *path, int line, int column, const char *why)
{
	char got[1100];

	if (!refused(path, line, column, why, got, sizeof(got)))
		fail_msg("want %s:%d:%d: %s...; got %s", path, line, column,
		    why, got);
}

static void
expect_fixture(const char *name, int line, int column, const char *why)
{
	char path[256];

	snprintf(path, sizeof(path), "%s%s", FIXTURES, name);
	expect_refusal(path, line, column, why);
}

static json_t *
parse_ok(const char *path, size_t ntypes)
{
	struct ecert_error e = { 0, "" };
	json_t *types;

	types = ecert_catalog_parse(path, &e);
	if (types == NULL)
		fail_msg("%s: %s", path, e.msg);
	assert_true(json_is_array(types));
	assert_int_equal(json_array_size(types), ntypes);
	return types;
}

static const char *
str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

static long long
num(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static size_t
nitems(const json_t *type)
{
	return json_array_size(json_object_get(type, "items"));
}

/* Every type object has exactly the documented keys. */
static void
assert_shape(const json_t *type)
{
	static const char *type_keys[] = {
		"code", "name", "issuer", "holder", "holder_label",
		"holder_id_label", "public", "review", "validity_years",
		"objection_days", "template", "description", "items"
	};
	static const char *item_keys[] = {
		"key", "label", "type", "required", "public", "max", "min",
		"values"
	};
	const json_t *item;
	size_t i, k;

	assert_int_equal(json_object_size(type), NELEM(type_keys));
	for (k = 0; k < NELEM(type_keys); k++)
		assert_non_null(json_object_get(type, type_keys[k]));
	json_array_foreach(json_object_get(type, "items"), i, item) {
		assert_int_equal(json_object_size(item), NELEM(item_keys));
		for (k = 0; k < NELEM(item_keys); k++)
			assert_non_null(json_object_get(item, item_keys[k]));
		assert_true(json_is_boolean(json_object_get(item,
		    "required")));
		assert_true(json_is_boolean(json_object_get(item, "public")));
	}
}

static const json_t *
item(const json_t *type, const char *key_or_label)
{
	const json_t *it = ecert_catalog_item(type, key_or_label);

	if (it == NULL)
		fail_msg("no item \"%s\"", key_or_label);
	return it;
}

static void
test_business_license(void **state)
{
	json_t *types = parse_ok(SHIPPED "business-license.yaml", 1);
	const json_t *t = json_array_get(types, 0), *it;

	(void)state;
	assert_shape(t);
	assert_string_equal(str(t, "code"), "11100000000013338W011");
	assert_string_equal(str(t, "name"), "营业执照");
	assert_string_equal(str(t, "issuer"), "11420600MB1234567T");
	assert_string_equal(str(t, "holder"), "legal");
	assert_string_equal(str(t, "holder_label"), "名称");
	assert_true(json_is_true(json_object_get(t, "public")));
	assert_int_equal(nitems(t), 7);
	it = item(t, "类型");
	assert_string_equal(str(it, "key"), "entity_type");
	assert_string_equal(str(it, "type"), "enum");
	assert_int_equal(json_array_size(json_object_get(it, "values")), 11);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(it, "values"), 0)), "有限责任公司（自然人投资或控股）");
	assert_ptr_equal(item(t, "legal_representative"), item(t, "法定代表人"));
	assert_int_equal(num(item(t, "注册资本"), "max"), 50);
	assert_string_equal(str(item(t, "established"), "label"), "成立日期");
	assert_string_equal(str(item(t, "established"), "type"), "date");
	assert_string_equal(str(item(t, "经营范围"), "type"), "text");
	assert_true(json_is_true(json_object_get(item(t, "住所"), "public")));
	assert_null(ecert_catalog_item(t, "登记机关"));
	assert_null(ecert_catalog_item(t, "holder"));
	json_decref(types);
}

static void
test_food_business_license(void **state)
{
	json_t *types = parse_ok(SHIPPED "food-business-license.yaml", 1);
	const json_t *t = json_array_get(types, 0);

	(void)state;
	assert_shape(t);
	assert_string_equal(str(t, "name"), "食品经营许可证");
	assert_string_equal(str(t, "issuer"), "11420600MB1234567T");
	assert_string_equal(str(t, "holder_label"), "经营者名称");
	assert_int_equal(num(t, "validity_years"), 5);
	assert_true(json_is_false(json_object_get(t, "review")));
	assert_int_equal(nitems(t), 8);
	assert_string_equal(str(item(t, "legal_representative"), "label"),
	    "法定代表人（负责人）");
	assert_int_equal(json_array_size(json_object_get(item(t, "主体业态"),
	    "values")), 5);
	assert_string_equal(str(item(t, "complaint_phone"), "label"),
	    "投诉举报电话");
	assert_true(json_is_false(json_object_get(item(t, "日常监督管理人员"),
	    "public")));
	json_decref(types);
}

static void
test_construction_permit(void **state)
{
	json_t *types = parse_ok(SHIPPED "construction-permit.yaml", 1);
	const json_t *t = json_array_get(types, 0), *it;

	(void)state;
	assert_shape(t);
	assert_string_equal(str(t, "code"), "111000000000246809001");
	assert_string_equal(str(t, "name"), "建筑工程施工许可证");
	assert_string_equal(str(t, "issuer"), "11420600MB2345678C");
	assert_string_equal(str(t, "holder_label"), "建设单位");
	assert_int_equal(nitems(t), 15);
	it = item(t, "合同工期（日历天）");
	assert_string_equal(str(it, "type"), "integer");
	assert_int_equal(num(it, "min"), 1);
	assert_int_equal(num(it, "max"), 3650);
	assert_string_equal(str(item(t, "施工单位统一社会信用代码"), "type"),
	    "uscc");
	assert_true(json_is_null(json_object_get(
	    item(t, "contractor_code"), "max")));
	assert_string_equal(str(item(t, "project_name"), "label"), "工程名称");
	json_decref(types);
}

static void
test_real_estate_certificate(void **state)
{
	json_t *types = parse_ok(SHIPPED "real-estate-certificate.yaml", 1);
	const json_t *t = json_array_get(types, 0), *it;

	(void)state;
	assert_shape(t);
	assert_string_equal(str(t, "code"), "11100000000013579F001");
	assert_string_equal(str(t, "name"), "不动产权证书");
	assert_string_equal(str(t, "holder"), "natural");
	assert_string_equal(str(t, "holder_label"), "权利人");
	assert_string_equal(str(t, "holder_id_label"), "公民身份号码");
	assert_true(json_is_false(json_object_get(t, "public")));
	assert_int_equal(num(t, "validity_years"), 0);
	assert_int_equal(nitems(t), 10);
	it = item(t, "共有情况");
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(it, "values"), 2)), "按份共有");
	assert_string_equal(str(item(t, "unit_number"), "label"),
	    "不动产单元号");
	assert_int_equal(num(item(t, "不动产单元号"), "max"), 28);
	assert_string_equal(str(item(t, "权利类型"), "type"), "enum");
	json_decref(types);
}

/* The shipped units are the issuers of the shipped types. */
static void
test_units(void **state)
{
	static const char *files[] = {
		"business-license.yaml", "food-business-license.yaml",
		"construction-permit.yaml", "real-estate-certificate.yaml"
	};
	char line[512], path[256], *code, *name, *roles, *save;
	FILE *fp;
	json_t *types;
	size_t i;
	int nunits = 0, found;

	(void)state;
	fp = fopen(SHIPPED "units.tsv", "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		code = strtok_r(line, "\t", &save);
		name = strtok_r(NULL, "\t", &save);
		roles = strtok_r(NULL, "\t", &save);
		assert_non_null(roles);
		assert_true(ecert_uscc_valid(code));
		assert_non_null(strstr(name, "襄阳市"));
		nunits++;
	}
	fclose(fp);
	assert_int_equal(nunits, 4);
	for (i = 0; i < NELEM(files); i++) {
		snprintf(path, sizeof(path), "%s%s", SHIPPED, files[i]);
		types = parse_ok(path, 1);
		fp = fopen(SHIPPED "units.tsv", "r");
		assert_non_null(fp);
		found = 0;
		while (fgets(line, sizeof(line), fp) != NULL)
			if (strncmp(line, str(json_array_get(types, 0),
			    "issuer"), 18) == 0 && strstr(line, "issuer"))
				found = 1;
		fclose(fp);
		assert_true(found);
		json_decref(types);
	}
}

static void
test_multi_good(void **state)
{
	json_t *types = parse_ok(FIXTURES "multi-good.yaml", 2);
	const json_t *t, *it;

	(void)state;
	t = json_array_get(types, 0);
	assert_shape(t);
	assert_string_equal(str(t, "name"), "营业执照");
	assert_string_equal(str(t, "holder_id_label"), "统一社会信用代码");
	assert_true(json_is_false(json_object_get(t, "review")));
	assert_int_equal(num(t, "validity_years"), 0);
	assert_int_equal(num(t, "objection_days"), 15);
	assert_true(json_is_null(json_object_get(t, "template")));
	assert_true(json_is_null(json_object_get(t, "description")));
	assert_int_equal(nitems(t), 2);
	assert_int_equal(num(item(t, "法定代表人"), "max"), 50);
	assert_true(json_is_null(json_object_get(item(t, "成立日期"), "max")));
	assert_true(json_is_null(json_object_get(item(t, "成立日期"),
	    "values")));

	t = json_array_get(types, 1);
	assert_shape(t);
	assert_string_equal(str(t, "name"), "不动产权证书");
	assert_string_equal(str(t, "holder_label"), "持证主体");
	assert_string_equal(str(t, "holder_id_label"), "公民身份号码");
	assert_true(json_is_true(json_object_get(t, "review")));
	assert_int_equal(nitems(t), 3);
	it = item(t, "共有情况");
	assert_true(json_is_false(json_object_get(it, "required")));
	assert_true(json_is_false(json_object_get(it, "public")));
	assert_int_equal(json_array_size(json_object_get(it, "values")), 3);
	it = item(t, "floor_area");
	assert_int_equal(num(it, "min"), 1);
	assert_int_equal(num(it, "max"), 100000);
	assert_int_equal(num(item(t, "附记"), "max"), 2000);
	assert_true(json_is_null(json_object_get(item(t, "附记"), "min")));
	json_decref(types);
}

static void
test_multi_docs_good(void **state)
{
	json_t *types = parse_ok(FIXTURES "multi-docs-good.yaml", 2);

	(void)state;
	assert_string_equal(str(json_array_get(types, 0), "name"), "营业执照");
	assert_string_equal(str(json_array_get(types, 1), "name"),
	    "建筑工程施工许可证");
	json_decref(types);
}

/* Windows editors write CRLF and a byte order mark. */
static void
test_crlf_bom(void **state)
{
	static const char text[] = "\xef\xbb\xbf"
	    "code: 11100000000013338W011\r\nname: 营业执照\r\n"
	    "issuer: 11420600MB1234567T\r\nholder: legal\r\npublic: true\r\n"
	    "items:\r\n  - key: a\r\n    label: 甲\r\n    type: string\r\n";
	static const char bad[] = "code: 11100000000013338W011\r\n"
	    "name: 营业执照\r\nissuer: 11420600MB1234567T\r\n"
	    "holder: legal\r\npublic: yes\r\n";
	json_t *types;

	(void)state;
	types = parse_ok(write_case(text, sizeof(text) - 1), 1);
	assert_string_equal(str(json_array_get(types, 0), "name"), "营业执照");
	json_decref(types);
	expect_refusal(write_case(bad, sizeof(bad) - 1), 5, 9, "true or false");
}

static void
test_unreadable(void **state)
{
	struct ecert_error e = { 0, "" };

	(void)state;
	assert_null(ecert_catalog_parse(FIXTURES "no-such-file.yaml", &e));
	assert_int_equal(e.status, ECERT_IOERR);
	assert_non_null(strstr(e.msg, "No such file"));
}

static void
test_bad_unknown_key(void **state)
{
	(void)state;
	expect_fixture("bad-unknown-key.yaml", 9, 5, "unknown key \"lable\"");
}

static void
test_bad_wrong_type(void **state)
{
	(void)state;
	expect_fixture("bad-wrong-type.yaml", 6, 9,
	    "public: expected true or false, found \"yes\"");
}

static void
test_bad_duplicate_item(void **state)
{
	(void)state;
	expect_fixture("bad-duplicate-item.yaml", 14, 10,
	    "duplicate item key \"legal_representative\"");
}

static void
test_bad_duplicate_key(void **state)
{
	(void)state;
	expect_fixture("bad-duplicate-key.yaml", 6, 1,
	    "duplicate key \"name\" (first at line 3)");
}

static void
test_bad_duplicate_code(void **state)
{
	(void)state;
	expect_fixture("bad-duplicate-code.yaml", 12, 7,
	    "duplicate type code");
}

static void
test_bad_alias_bomb(void **state)
{
	(void)state;
	expect_fixture("bad-alias-bomb.yaml", 2, 3, "anchors are not allowed");
}

static void
test_bad_alias(void **state)
{
	(void)state;
	expect_fixture("bad-alias.yaml", 5, 9, "aliases are not allowed");
}

static void
test_bad_anchor(void **state)
{
	(void)state;
	expect_fixture("bad-anchor.yaml", 3, 7, "anchors are not allowed");
}

static void
test_bad_tag(void **state)
{
	(void)state;
	expect_fixture("bad-tag.yaml", 6, 9, "tags are not allowed");
}

static void
test_bad_type_code(void **state)
{
	(void)state;
	expect_fixture("bad-type-code.yaml", 2, 7,
	    "\"11100000000013338X011\" is not a type code");
}

static void
test_bad_issuer_uscc(void **state)
{
	(void)state;
	expect_fixture("bad-issuer-uscc.yaml", 4, 9,
	    "\"91420600MA4F12345X\" is not a unified social credit code");
}

static void
test_bad_enum_no_values(void **state)
{
	(void)state;
	expect_fixture("bad-enum-no-values.yaml", 11, 5,
	    "enum item \"entity_type\" needs values");
}

static void
test_bad_syntax(void **state)
{
	(void)state;
	expect_fixture("bad-syntax.yaml", 12, 8,
	    "syntax error: did not find expected ',' or ']'");
}

static void
test_bad_utf8(void **state)
{
	(void)state;
	expect_fixture("bad-utf8.yaml", 3, 11, "invalid UTF-8");
}

static void
test_bad_reserved_key(void **state)
{
	(void)state;
	expect_fixture("bad-reserved-key.yaml", 11, 10,
	    "key: \"holder\" is reserved");
}

struct bad_text {
	const char *text;
	int line, column;
	const char *why;
};

static const struct bad_text bad_texts[] = {
	{ "", 1, 1, "no license type" },
	{ "# nothing but a comment\n", 1, 1, "no license type" },
	{ "营业执照\n", 1, 1, "expected a license type or a sequence" },
	{ "- 营业执照\n", 1, 3, "expected a license type (a mapping)" },
	{ "code: 11100000000013338W011\nname: 营业执照\n", 1, 1,
	    "missing required key \"issuer\"" },
	{ "code: 11100000000013338W011\nname: {zh: 营业执照}\n", 2, 7,
	    "name: expected a string, found a mapping" },
	{ "code: 11100000000013338W011\nname: [营业执照]\n", 2, 7,
	    "name: expected a string, found a sequence" },
	{ "code: 11100000000013338W011\nname: ~\n", 2, 7,
	    "name: expected a string, found null" },
	{ "code: 11100000000013338W011\nname:\nissuer: x\n", 2, 6,
	    "name: expected a string, found null" },
	{ "code: 11100000000013338W011\nname: \"\"\n", 2, 7,
	    "has 0 characters, want 1 to 64" },
	{ "code: 11100000000013338W011\nname: \"营业\\n执照\"\n", 2, 7,
	    "line breaks and tabs are not allowed" },
	{ "code: 11100000000013338W011\nname: \"营业\\x01执照\"\n", 2, 7,
	    "control character 0x01" },
	{ "code: 11100000000013338W011\nname: 营业执照\x01\n", 2, 11,
	    "control character U+0001" },
	{ "code: 11100000000013338W011\n? [a]\n: b\n", 2, 3,
	    "expected a key, found a sequence" },
	{ "code: 11100000000013338W\n", 1, 7, "is not a type code" },
	{ "holder: company\n", 1, 9, "\"company\" is not legal or natural" },
	{ "public: \"true\"\n", 1, 9, "expected true or false" },
	{ "public: True\n", 1, 9, "expected true or false" },
	{ "validity_years: 05\n", 1, 17, "expected an integer from 0 to 100" },
	{ "validity_years: \"5\"\n", 1, 17, "expected an integer" },
	{ "validity_years: 101\n", 1, 17, "found \"101\"" },
	{ "validity_years: 5.0\n", 1, 17, "expected an integer" },
	{ "validity_years: 0x10\n", 1, 17, "expected an integer" },
	{ "objection_days: 0\n", 1, 17, "from 1 to 60" },
	{ "objection_days: 99999999999999999999999\n", 1, 17, "from 1 to 60" },
	{ "template: ../../etc/passwd\n", 1, 11, "is not a file name" },
	{ "description: |\n  a\n  b\nsummary: x\n", 4, 1,
	    "unknown key \"summary\" in a license type" },
	{ HEAD, 6, 7, "items: expected a sequence of items, found null" },
	{ HEAD "  []\n", 7, 3, "items: a type needs at least one item" },
	{ HEAD "  - legal_representative\n", 7, 5,
	    "expected an item (a mapping), found a scalar" },
	{ HEAD "  - key: a\n    label: 甲\n", 7, 5,
	    "an item: missing required key \"type\"" },
	{ HEAD "  - key: Legal\n", 7, 10, "is not [a-z][a-z0-9_]{0,31}" },
	{ HEAD "  - key: a23456789012345678901234567890123\n", 7, 10,
	    "is not [a-z][a-z0-9_]{0,31}" },
	{ HEAD "  - key: valid_until\n", 7, 10, "is reserved" },
	{ HEAD "  - key: a\n    label: 甲\n    type: money\n", 9, 11,
	    "\"money\" is not one of string" },
	{ HEAD "  - key: a\n    label: 一二三四五六七八九十一二三四五六七八九十"
	    "一二三四五六七八九十一二三\n", 8, 12,
	    "has 33 characters, want 1 to 32" },
	{ HEAD ITEM "  - key: a\n    label: 法定代表人\n    type: string\n",
	    11, 12, "duplicate item label \"法定代表人\"" },
	{ HEAD ITEM "  - key: a\n    label: legal_representative\n"
	    "    type: string\n", 11, 12,
	    "label \"legal_representative\" is the key of another item" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: string\n"
	    "    min: 1\n", 13, 10, "min: only integer items" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: date\n"
	    "    max: 10\n", 13, 10, "max: only string, text and integer" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: text\n"
	    "    max: 4001\n", 13, 10, "from 1 to 4000 characters" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: string\n"
	    "    max: 0\n", 13, 10, "from 1 to 4000 characters" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: integer\n"
	    "    min: 10\n    max: 5\n", 14, 10, "max: 5 is less than min 10" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: integer\n"
	    "    max: -1\n", 13, 10, "max: -1 is less than min 0" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: integer\n"
	    "    max: 9007199254740992\n", 13, 10, "expected an integer" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: string\n"
	    "    values: [x]\n", 13, 13, "values: only enum items" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: enum\n"
	    "    values: []\n", 13, 13, "values: must not be empty" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: enum\n"
	    "    values: [是, 否, 是]\n", 13, 20,
	    "values: duplicate value \"是\"" },
	{ HEAD ITEM "  - key: a\n    label: 甲\n    type: enum\n"
	    "    values: {是: 1}\n", 13, 13,
	    "values: expected a sequence of strings, found a mapping" },
	{ HEAD ITEM "    required: yes\n", 10, 15, "expected true or false" },
	{ HEAD ITEM "    required: true\n    required: false\n", 11, 5,
	    "duplicate key \"required\" (first at line 10)" },
	{ "- code: 11100000000013338W011\n  name: !!str b\n", 2, 9,
	    "tags are not allowed" },
	{ "%TAG !e! tag:example.com,2000:\n---\ncode: !e!code x\n", 3, 7,
	    "tags are not allowed" },
	{ "code: 11100000000013338W011\n- y\n", 2, 1, "syntax error" },
	{ "code: \"unterminated\n", 2, 1, "syntax error" },
	{ "code: 11100000000013338W011\nname:\n\t- y\n", 3, 1,
	    "syntax error" },
	{ "code: x\xc0\xaf\n", 1, 8, "invalid UTF-8" },
	{ "code: x\xed\xa0\x80\n", 1, 8, "invalid UTF-8" },
	{ "code: x\xf4\x90\x80\x80\n", 1, 8, "invalid UTF-8" },
	{ "\xff\xfe" "c\0o\0", 1, 1, "invalid UTF-8" },
	{ "name: 营业\r\ncode: x\xe8\n", 2, 8, "invalid UTF-8" },
};

static void
test_bad_texts(void **state)
{
	const struct bad_text *b;
	size_t i;
	char got[1100];

	(void)state;
	for (i = 0; i < NELEM(bad_texts); i++) {
		b = &bad_texts[i];
		if (!refused(write_case(b->text, strlen(b->text)), b->line,
		    b->column, b->why, got, sizeof(got)))
			fail_msg("bad_texts[%zu]: want %d:%d: %s...; got %s",
			    i, b->line, b->column, b->why, got);
	}
}

static void
test_too_many_items(void **state)
{
	char *text;
	size_t n = 0, cap = 64 * 1024;
	int i;

	(void)state;
	text = malloc(cap);
	assert_non_null(text);
	n += snprintf(text + n, cap - n, "%s", HEAD);
	for (i = 0; i < 65; i++)
		n += snprintf(text + n, cap - n, "  - key: k%d\n"
		    "    label: 项%d\n    type: string\n", i, i);
	/* 64 items pass; the 65th, at line 6 + 64 * 3 + 1, is refused */
	expect_refusal(write_case(text, n), 199, 5, "more than 64 items");
	free(text);
}

static void
test_size_limit(void **state)
{
	size_t limit = 1024 * 1024, n;
	char *text;
	json_t *types;

	(void)state;
	text = malloc(limit + 1);
	assert_non_null(text);
	n = (size_t)snprintf(text, limit, "%s%s", HEAD, ITEM);
	memset(text + n, ' ', limit - n - 1);
	text[n] = '#';
	text[limit - 1] = '\n';
	types = parse_ok(write_case(text, limit), 1);
	json_decref(types);
	text[limit - 1] = ' ';
	text[limit] = '\n';
	expect_refusal(write_case(text, limit + 1), 1, 1, "1 MiB");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_business_license),
		cmocka_unit_test(test_food_business_license),
		cmocka_unit_test(test_construction_permit),
		cmocka_unit_test(test_real_estate_certificate),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_multi_good),
		cmocka_unit_test(test_multi_docs_good),
		cmocka_unit_test(test_crlf_bom),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_bad_unknown_key),
		cmocka_unit_test(test_bad_wrong_type),
		cmocka_unit_test(test_bad_duplicate_item),
		cmocka_unit_test(test_bad_duplicate_key),
		cmocka_unit_test(test_bad_duplicate_code),
		cmocka_unit_test(test_bad_alias_bomb),
		cmocka_unit_test(test_bad_alias),
		cmocka_unit_test(test_bad_anchor),
		cmocka_unit_test(test_bad_tag),
		cmocka_unit_test(test_bad_type_code),
		cmocka_unit_test(test_bad_issuer_uscc),
		cmocka_unit_test(test_bad_enum_no_values),
		cmocka_unit_test(test_bad_syntax),
		cmocka_unit_test(test_bad_utf8),
		cmocka_unit_test(test_bad_reserved_key),
		cmocka_unit_test(test_bad_texts),
		cmocka_unit_test(test_too_many_items),
		cmocka_unit_test(test_size_limit),
	};

	return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
