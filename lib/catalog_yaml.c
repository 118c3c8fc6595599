/*
 * catalog_yaml.c: license types (目录) from strict YAML.
 *
 * The strict reading of YAML is yaml.c's; the tables here are the schema.
 */
#include <string.h>

#include <yaml.h>

#include "ecert_priv.h"

#define CATALOG_MAX_ITEMS 64
#define CATALOG_MAX_VALUES 256
/* integers beyond 2^53 are not exact in every JSON reader */
#define CATALOG_INT_LIMIT 9007199254740991LL

static const char *reserved_keys[] = {
	"type", "id", "number", "holder", "holder_id", "issue_date",
	"valid_from", "valid_until", "items"
};

static const char *item_kinds[] = {
	"string", "text", "date", "integer", "enum", "uscc", "citizen_id"
};

static int
want_values(struct ecert_yaml *y, const struct ecert_yaml_field *f,
    json_t **out)
{
	static const struct ecert_yaml_field value = {
		"values", ECERT_YAML_LINE, 1, 1, 64, NULL, NULL
	};
	yaml_mark_t start = y->ev.start_mark;
	json_t *values, *v;
	size_t i;
	char shown[96];

	if (y->ev.type != YAML_SEQUENCE_START_EVENT)
		return ecert_yaml_fail(y, &y->ev.start_mark,
		    "%s: expected a sequence of strings, found %s", f->name,
		    ecert_yaml_shape(&y->ev));
	values = json_array();
	for (;;) {
		if (ecert_yaml_next(y) == -1)
			goto fail;
		if (y->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (json_array_size(values) == CATALOG_MAX_VALUES) {
			ecert_yaml_fail(y, &y->ev.start_mark,
			    "values: more than %d values", CATALOG_MAX_VALUES);
			goto fail;
		}
		if (ecert_yaml_want_string(y, &value, &v) == -1)
			goto fail;
		for (i = 0; i < json_array_size(values); i++)
			if (json_equal(json_array_get(values, i), v)) {
				ecert_yaml_quote(shown, sizeof(shown),
				    json_string_value(v),
				    json_string_length(v));
				json_decref(v);
				ecert_yaml_fail(y, &y->ev.start_mark,
				    "values: duplicate value \"%s\"", shown);
				goto fail;
			}
		json_array_append_new(values, v);
	}
	if (json_array_size(values) == 0) {
		ecert_yaml_fail(y, &start, "values: must not be empty");
		goto fail;
	}
	*out = values;
	return 0;
fail:
	json_decref(values);
	return -1;
}

static int
check_type_code(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
{
	if (!ecert_type_code_valid(s))
		return ecert_yaml_fail(y, m, "code: \"%s\" is not a type code "
		    "(a unified social credit code with a valid check "
		    "character, then 3 digits)", s);
	return 0;
}

static int
check_uscc(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
{
	if (!ecert_uscc_valid(s))
		return ecert_yaml_fail(y, m, "issuer: \"%s\" is not a unified "
		    "social credit code with a valid check character", s);
	return 0;
}

static int
check_holder(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
{
	if (strcmp(s, "legal") != 0 && strcmp(s, "natural") != 0)
		return ecert_yaml_fail(y, m,
		    "holder: \"%s\" is not legal or natural", s);
	return 0;
}

/* A file name in the template folder, never a path. */
static int
check_template(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
{
	size_t i;

	if (s[0] == '.' || s[0] == '-')
		goto bad;
	for (i = 0; s[i] != '\0'; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '.' && s[i] != '-' && s[i] != '_')
			goto bad;
	return 0;
bad:
	return ecert_yaml_fail(y, m, "template: \"%s\" is not a file name "
	    "([A-Za-z0-9._-], not starting with a dot or dash)", s);
}

static int
check_item_key(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
{
	size_t i;

	if (!(s[0] >= 'a' && s[0] <= 'z'))
		goto bad;
	for (i = 1; s[i] != '\0'; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '_')
			goto bad;
	if (i > 32)
		goto bad;
	for (i = 0; i < sizeof(reserved_keys) / sizeof(reserved_keys[0]); i++)
		if (strcmp(s, reserved_keys[i]) == 0)
			return ecert_yaml_fail(y, m, "key: \"%s\" is reserved "
			    "for the license record", s);
	return 0;
bad:
	return ecert_yaml_fail(y, m, "key: \"%s\" is not [a-z][a-z0-9_]{0,31}",
	    s);
}

static int
check_item_kind(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
{
	size_t i;

	for (i = 0; i < sizeof(item_kinds) / sizeof(item_kinds[0]); i++)
		if (strcmp(s, item_kinds[i]) == 0)
			return 0;
	return ecert_yaml_fail(y, m, "type: \"%s\" is not one of string, "
	    "text, date, integer, enum, uscc, citizen_id", s);
}

enum {
	I_KEY, I_LABEL, I_TYPE, I_REQUIRED, I_HISTORY_REQUIRED, I_PUBLIC,
	I_MAX, I_MIN, I_VALUES, I_N
};

static const struct ecert_yaml_field item_fields[I_N] = {
	{ "key", ECERT_YAML_LINE, 1, 1, 64, check_item_key, NULL },
	{ "label", ECERT_YAML_LINE, 1, 1, 32, NULL, NULL },
	{ "type", ECERT_YAML_LINE, 1, 1, 64, check_item_kind, NULL },
	{ "required", ECERT_YAML_BOOL, 0, 0, 0, NULL, NULL },
	{ "history_required", ECERT_YAML_BOOL, 0, 0, 0, NULL, NULL },
	{ "public", ECERT_YAML_BOOL, 0, 0, 0, NULL, NULL },
	{ "max", ECERT_YAML_INT, 0, -CATALOG_INT_LIMIT, CATALOG_INT_LIMIT,
	    NULL, NULL },
	{ "min", ECERT_YAML_INT, 0, -CATALOG_INT_LIMIT, CATALOG_INT_LIMIT,
	    NULL, NULL },
	{ "values", ECERT_YAML_OWN, 0, 0, 0, NULL, want_values }
};

static const char *
member_str(const json_t *item, const char *key)
{
	return json_string_value(json_object_get(item, key));
}

/* Keys and labels name items in records, so none may name two. */
static int
check_item_names(struct ecert_yaml *y, const json_t *items, json_t **val,
    const yaml_mark_t *mark)
{
	const char *key = json_string_value(val[I_KEY]);
	const char *label = json_string_value(val[I_LABEL]);
	const json_t *other;
	size_t i;

	json_array_foreach(items, i, other) {
		if (strcmp(key, member_str(other, "key")) == 0)
			return ecert_yaml_fail(y, &mark[I_KEY],
			    "duplicate item key \"%s\"", key);
		if (strcmp(key, member_str(other, "label")) == 0)
			return ecert_yaml_fail(y, &mark[I_KEY],
			    "item key \"%s\" is the label of another item",
			    key);
		if (strcmp(label, member_str(other, "label")) == 0)
			return ecert_yaml_fail(y, &mark[I_LABEL],
			    "duplicate item label \"%s\"", label);
		if (strcmp(label, member_str(other, "key")) == 0)
			return ecert_yaml_fail(y, &mark[I_LABEL],
			    "item label \"%s\" is the key of another item",
			    label);
	}
	return 0;
}

/*
 * The fields an item's kind allows: values for enum, min for integer,
 * max for string, text (a length) and integer; the default min and max
 * filled in.
 */
static int
check_item_bounds(struct ecert_yaml *y, json_t **val,
    const yaml_mark_t *mark, const yaml_mark_t *start)
{
	const char *kind = json_string_value(val[I_TYPE]);
	const char *key = json_string_value(val[I_KEY]);
	int is_string = strcmp(kind, "string") == 0;
	int is_text = strcmp(kind, "text") == 0;
	int is_int = strcmp(kind, "integer") == 0;
	int is_enum = strcmp(kind, "enum") == 0;

	if (is_enum && val[I_VALUES] == NULL)
		return ecert_yaml_fail(y, start, "enum item \"%s\" needs "
		    "values", key);
	if (!is_enum && val[I_VALUES] != NULL)
		return ecert_yaml_fail(y, &mark[I_VALUES], "values: only enum "
		    "items have values, \"%s\" is %s", key, kind);
	if (!is_int && val[I_MIN] != NULL)
		return ecert_yaml_fail(y, &mark[I_MIN], "min: only integer "
		    "items have a minimum, \"%s\" is %s", key, kind);
	if (!is_string && !is_text && !is_int && val[I_MAX] != NULL)
		return ecert_yaml_fail(y, &mark[I_MAX], "max: only string, "
		    "text and integer items have a maximum, \"%s\" is %s", key,
		    kind);
	if ((is_string || is_text) && val[I_MAX] != NULL &&
	    (json_integer_value(val[I_MAX]) < 1 ||
	    json_integer_value(val[I_MAX]) > 4000))
		return ecert_yaml_fail(y, &mark[I_MAX], "max: the length of a "
		    "%s item is from 1 to 4000 characters", kind);
	if (is_int && val[I_MIN] == NULL)
		val[I_MIN] = json_integer(0);
	if (is_int && val[I_MAX] != NULL && json_integer_value(val[I_MAX]) <
	    json_integer_value(val[I_MIN]))
		return ecert_yaml_fail(y, &mark[I_MAX], "max: %lld is less "
		    "than min %lld", (long long)json_integer_value(val[I_MAX]),
		    (long long)json_integer_value(val[I_MIN]));
	if (is_string && val[I_MAX] == NULL)
		val[I_MAX] = json_integer(200);
	if (is_text && val[I_MAX] == NULL)
		val[I_MAX] = json_integer(2000);
	return 0;
}

static json_t *
item_build(struct ecert_yaml *y, const json_t *items, json_t **val,
    const yaml_mark_t *mark, const yaml_mark_t *start)
{
	json_t *item;

	if (check_item_names(y, items, val, mark) == -1)
		return NULL;
	if (json_is_true(val[I_HISTORY_REQUIRED]) &&
	    !json_is_true(val[I_REQUIRED])) {
		ecert_yaml_fail(y, &mark[I_HISTORY_REQUIRED], "history_required:"
		    " \"%s\" is not required of new licenses either (add "
		    "required: true)", json_string_value(val[I_KEY]));
		return NULL;
	}
	if (check_item_bounds(y, val, mark, start) == -1)
		return NULL;
	item = json_object();
	json_object_set(item, "key", val[I_KEY]);
	json_object_set(item, "label", val[I_LABEL]);
	json_object_set(item, "type", val[I_TYPE]);
	json_object_set_new(item, "required",
	    val[I_REQUIRED] ? json_incref(val[I_REQUIRED]) : json_false());
	/* only when set: the definitions of existing types stay the same */
	if (json_is_true(val[I_HISTORY_REQUIRED]))
		json_object_set_new(item, "history_required", json_true());
	json_object_set_new(item, "public",
	    val[I_PUBLIC] ? json_incref(val[I_PUBLIC]) : json_false());
	json_object_set_new(item, "max",
	    val[I_MAX] ? json_incref(val[I_MAX]) : json_null());
	json_object_set_new(item, "min",
	    val[I_MIN] ? json_incref(val[I_MIN]) : json_null());
	json_object_set_new(item, "values",
	    val[I_VALUES] ? json_incref(val[I_VALUES]) : json_null());
	return item;
}

static int
want_items(struct ecert_yaml *y, const struct ecert_yaml_field *f,
    json_t **out)
{
	yaml_mark_t start = y->ev.start_mark, item_start;
	yaml_mark_t mark[I_N];
	json_t *items, *val[I_N] = { NULL }, *item;

	if (y->ev.type != YAML_SEQUENCE_START_EVENT)
		return ecert_yaml_fail(y, &start, "%s: expected a sequence of "
		    "items, found %s", f->name, ecert_yaml_shape(&y->ev));
	items = json_array();
	for (;;) {
		if (ecert_yaml_next(y) == -1)
			goto fail;
		if (y->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (json_array_size(items) == CATALOG_MAX_ITEMS) {
			ecert_yaml_fail(y, &y->ev.start_mark, "items: more "
			    "than %d items", CATALOG_MAX_ITEMS);
			goto fail;
		}
		item_start = y->ev.start_mark;
		if (ecert_yaml_want_mapping(y, "an item", item_fields, I_N,
		    val, mark) == -1)
			goto fail;
		if ((item = item_build(y, items, val, mark,
		    &item_start)) == NULL)
			goto fail;
		json_array_append_new(items, item);
		ecert_yaml_release(val, I_N);
	}
	if (json_array_size(items) == 0) {
		ecert_yaml_fail(y, &start,
		    "items: a type needs at least one item");
		goto fail;
	}
	*out = items;
	return 0;
fail:
	ecert_yaml_release(val, I_N);
	json_decref(items);
	return -1;
}

enum {
	T_CODE, T_NAME, T_ISSUER, T_HOLDER, T_HOLDER_LABEL, T_HOLDER_ID_LABEL,
	T_PUBLIC, T_REVIEW, T_VALIDITY_YEARS, T_OBJECTION_DAYS, T_TEMPLATE,
	T_DESCRIPTION, T_ITEMS, T_N
};

static const struct ecert_yaml_field type_fields[T_N] = {
	{ "code", ECERT_YAML_LINE, 1, 1, 64, check_type_code, NULL },
	{ "name", ECERT_YAML_LINE, 1, 1, 64, NULL, NULL },
	{ "issuer", ECERT_YAML_LINE, 1, 1, 64, check_uscc, NULL },
	{ "holder", ECERT_YAML_LINE, 1, 1, 64, check_holder, NULL },
	{ "holder_label", ECERT_YAML_LINE, 0, 1, 32, NULL, NULL },
	{ "holder_id_label", ECERT_YAML_LINE, 0, 1, 32, NULL, NULL },
	{ "public", ECERT_YAML_BOOL, 1, 0, 0, NULL, NULL },
	{ "review", ECERT_YAML_BOOL, 0, 0, 0, NULL, NULL },
	{ "validity_years", ECERT_YAML_INT, 0, 0, 100, NULL, NULL },
	{ "objection_days", ECERT_YAML_INT, 0, 1, 60, NULL, NULL },
	{ "template", ECERT_YAML_LINE, 0, 1, 128, check_template, NULL },
	{ "description", ECERT_YAML_TEXT, 0, 1, 2000, NULL, NULL },
	{ "items", ECERT_YAML_OWN, 1, 0, 0, NULL, want_items }
};

static json_t *
or_default(json_t *v, json_t *dflt)
{
	if (v == NULL)
		return dflt;
	json_decref(dflt);
	return json_incref(v);
}

static int
want_type(struct ecert_yaml *y, json_t *types)
{
	json_t *val[T_N] = { NULL }, *type, *other;
	yaml_mark_t mark[T_N];
	const char *code;
	int natural;
	size_t i;

	if (ecert_yaml_want_mapping(y, "a license type", type_fields, T_N, val,
	    mark) == -1)
		goto fail;
	code = json_string_value(val[T_CODE]);
	json_array_foreach(types, i, other) {
		if (strcmp(code, member_str(other, "code")) == 0) {
			ecert_yaml_fail(y, &mark[T_CODE], "code: duplicate "
			    "type code \"%s\" in this file", code);
			goto fail;
		}
	}
	natural = strcmp(json_string_value(val[T_HOLDER]), "natural") == 0;
	type = json_object();
	json_object_set(type, "code", val[T_CODE]);
	json_object_set(type, "name", val[T_NAME]);
	json_object_set(type, "issuer", val[T_ISSUER]);
	json_object_set(type, "holder", val[T_HOLDER]);
	json_object_set_new(type, "holder_label",
	    or_default(val[T_HOLDER_LABEL], json_string("持证主体")));
	json_object_set_new(type, "holder_id_label",
	    or_default(val[T_HOLDER_ID_LABEL],
	    json_string(natural ? "公民身份号码" : "统一社会信用代码")));
	json_object_set(type, "public", val[T_PUBLIC]);
	json_object_set_new(type, "review",
	    or_default(val[T_REVIEW], json_false()));
	json_object_set_new(type, "validity_years",
	    or_default(val[T_VALIDITY_YEARS], json_integer(0)));
	json_object_set_new(type, "objection_days",
	    or_default(val[T_OBJECTION_DAYS], json_integer(15)));
	json_object_set_new(type, "template",
	    or_default(val[T_TEMPLATE], json_null()));
	json_object_set_new(type, "description",
	    or_default(val[T_DESCRIPTION], json_null()));
	json_object_set(type, "items", val[T_ITEMS]);
	json_array_append_new(types, type);
	ecert_yaml_release(val, T_N);
	return 0;
fail:
	ecert_yaml_release(val, T_N);
	return -1;
}

json_t *
ecert_catalog_parse(const char *path, struct ecert_error *e)
{
	struct ecert_yaml y;
	json_t *types;
	yaml_mark_t origin = { 0, 0, 0 };

	memset(&y, 0, sizeof(y));
	y.path = path;
	y.e = e;
	types = json_array();
	if (ecert_yaml_read(&y, "a license type", want_type, types) == -1)
		goto fail;
	if (json_array_size(types) > 0)
		return types;
	ecert_yaml_fail(&y, &origin, "no license type in this file");
fail:
	json_decref(types);
	return NULL;
}

const json_t *
ecert_catalog_item(const json_t *type, const char *key_or_label)
{
	const json_t *items, *item;
	const char *s;
	size_t i;

	if (type == NULL || key_or_label == NULL)
		return NULL;
	items = json_object_get(type, "items");
	json_array_foreach(items, i, item) {
		if ((s = member_str(item, "key")) != NULL &&
		    strcmp(s, key_or_label) == 0)
			return item;
		if ((s = member_str(item, "label")) != NULL &&
		    strcmp(s, key_or_label) == 0)
			return item;
	}
	return NULL;
}
