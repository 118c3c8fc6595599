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
want_value(struct ecert_yaml *y, const void *arg, json_t *values)
{
	static const struct ecert_yaml_field value = {
		"values", ECERT_YAML_LINE, 1, 1, 64, NULL, NULL
	};
	json_t *v;
	char shown[96];

	(void)arg;
	if (ecert_yaml_want_string(y, &value, &v) == -1)
		return -1;
	if (ecert_yaml_seen(values, v)) {
		ecert_yaml_quote(shown, sizeof(shown), json_string_value(v),
		    json_string_length(v));
		json_decref(v);
		return ecert_yaml_fail(y, &y->ev.start_mark,
		    "values: duplicate value \"%s\"", shown);
	}
	json_array_append_new(values, v);
	return 0;
}

static int
want_values(struct ecert_yaml *y, const struct ecert_yaml_field *f,
    json_t **out)
{
	static const struct ecert_yaml_seq values = {
		"strings", "values", CATALOG_MAX_VALUES, want_value, NULL,
		"values: must not be empty"
	};

	return ecert_yaml_want_sequence(y, f, &values, out);
}

static int
check_type_code(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
{
	return ecert_yaml_check_type_code(y, "code", s, m);
}

static int
check_uscc(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
{
	return ecert_yaml_check_uscc(y, "issuer", s, m);
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

	if (ecert_yaml_check_key(y, s, m) == -1)
		return -1;
	for (i = 0; i < sizeof(reserved_keys) / sizeof(reserved_keys[0]); i++)
		if (strcmp(s, reserved_keys[i]) == 0)
			return ecert_yaml_fail(y, m, "key: \"%s\" is reserved "
			    "for the license record", s);
	return 0;
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
	static const struct ecert_yaml_map item = {
		"an item", item_fields, I_N, item_build
	};
	static const struct ecert_yaml_seq items = {
		"items", "items", CATALOG_MAX_ITEMS, ecert_yaml_want_map, &item,
		"items: a type needs at least one item"
	};

	return ecert_yaml_want_sequence(y, f, &items, out);
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
	{ "holder", ECERT_YAML_LINE, 1, 1, 64, ecert_yaml_check_holder,
	    NULL },
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
	json_t *val[T_N] = { NULL }, *type;
	yaml_mark_t mark[T_N];
	int natural;

	if (ecert_yaml_want_mapping(y, "a license type", type_fields, T_N, val,
	    mark) == -1)
		goto fail;
	if (ecert_yaml_check_unique(y, types, val[T_CODE], &mark[T_CODE],
	    "type") == -1)
		goto fail;
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

	memset(&y, 0, sizeof(y));
	y.path = path;
	y.e = e;
	return ecert_yaml_read_all(&y, "a license type", want_type,
	    "no license type in this file");
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
