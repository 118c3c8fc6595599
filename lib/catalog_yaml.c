/*
 * catalog_yaml.c: license types (目录) from strict YAML.
 *
 * The parser walks libyaml's events against the schema, so nothing the
 * schema does not expect is ever built: an alias is refused when it is
 * seen and a wrong shape fails at its first event.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ecert_priv.h"

#define CATALOG_MAX_BYTES (1024 * 1024)
#define CATALOG_MAX_ITEMS 64
#define CATALOG_MAX_VALUES 256
/* integers beyond 2^53 are not exact in every JSON reader */
#define CATALOG_INT_LIMIT 9007199254740991LL

enum kind {
	K_LINE,		/* one-line string */
	K_TEXT,		/* string, line breaks and tabs allowed */
	K_BOOL,
	K_INT,
	K_ITEMS,
	K_VALUES
};

struct parse;

struct field {
	const char *name;
	enum kind kind;
	int required;
	long long lo, hi;	/* code points for strings, values for integers */
	int (*check)(struct parse *, const char *, const yaml_mark_t *);
};

struct parse {
	yaml_parser_t parser;
	yaml_event_t ev;
	int have_ev;
	const char *path;
	struct ecert_error *e;
};

static const char *reserved_keys[] = {
	"type", "id", "number", "holder", "holder_id", "issue_date",
	"valid_from", "valid_until", "items"
};

static const char *item_kinds[] = {
	"string", "text", "date", "integer", "enum", "uscc", "citizen_id"
};

static int
fail_at(struct parse *p, const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail_at(struct parse *p, const yaml_mark_t *mark, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ecert_fail(p->e, ECERT_DATAERR, "%s:%lu:%lu: %s", p->path,
	    (unsigned long)mark->line + 1, (unsigned long)mark->column + 1,
	    why);
	return -1;
}

/* A short, printable copy of a scalar for messages, cut at a character. */
static void
quote(char *out, size_t n, const char *s, size_t len)
{
	size_t i = 0, o = 0, clen;
	unsigned char c;

	while (i < len) {
		c = (unsigned char)s[i];
		clen = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		if (i + clen > len || o + clen + 4 > n)
			break;
		if (c < 0x20 || c == 0x7f) {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, s + i, clen);
		o += clen;
		i += clen;
	}
	if (i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static int
yaml_error(struct parse *p)
{
	yaml_parser_t *y = &p->parser;

	if (y->error == YAML_MEMORY_ERROR) {
		ecert_fail(p->e, ECERT_IOERR, "%s: out of memory", p->path);
		return -1;
	}
	if (y->error == YAML_READER_ERROR) {
		/* the input was checked before, so this is unexpected */
		yaml_mark_t m = { 0, 0, 0 };

		return fail_at(p, &m, "%s at byte %lu", y->problem ?
		    y->problem : "unreadable input",
		    (unsigned long)y->problem_offset);
	}
	if (y->context != NULL)
		return fail_at(p, &y->problem_mark,
		    "syntax error: %s (%s at line %lu, column %lu)",
		    y->problem ? y->problem : "unknown", y->context,
		    (unsigned long)y->context_mark.line + 1,
		    (unsigned long)y->context_mark.column + 1);
	return fail_at(p, &y->problem_mark, "syntax error: %s",
	    y->problem ? y->problem : "unknown");
}

/* The next event; anchors, aliases and tags stop the parse here. */
static int
next(struct parse *p)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;

	if (p->have_ev)
		yaml_event_delete(&p->ev);
	p->have_ev = 0;
	if (!yaml_parser_parse(&p->parser, &p->ev))
		return yaml_error(p);
	p->have_ev = 1;
	switch (p->ev.type) {
	case YAML_ALIAS_EVENT:
		return fail_at(p, &p->ev.start_mark,
		    "aliases are not allowed");
	case YAML_SCALAR_EVENT:
		anchor = p->ev.data.scalar.anchor;
		tag = p->ev.data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = p->ev.data.sequence_start.anchor;
		tag = p->ev.data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = p->ev.data.mapping_start.anchor;
		tag = p->ev.data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor != NULL)
		return fail_at(p, &p->ev.start_mark,
		    "anchors are not allowed");
	if (tag != NULL)
		return fail_at(p, &p->ev.start_mark, "tags are not allowed");
	return 0;
}

static int
is_plain(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static int
is_plain_word(const yaml_event_t *ev, const char *word)
{
	return is_plain(ev) && ev->data.scalar.length == strlen(word) &&
	    memcmp(ev->data.scalar.value, word, strlen(word)) == 0;
}

static int
is_null(const yaml_event_t *ev)
{
	return is_plain_word(ev, "") || is_plain_word(ev, "~") ||
	    is_plain_word(ev, "null") || is_plain_word(ev, "Null") ||
	    is_plain_word(ev, "NULL");
}

static const char *
shape(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return is_null(ev) ? "null" : "a scalar";
	case YAML_SEQUENCE_START_EVENT:
		return "a sequence";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	default:
		return "nothing";
	}
}

/*
 * Any scalar but a plain null is a string, taken literally: YAML 1.1
 * would turn a plain `no` into false, the schema wants the word.
 */
static int
want_string(struct parse *p, const struct field *f, json_t **out)
{
	const yaml_event_t *ev = &p->ev;
	const char *s = (const char *)ev->data.scalar.value;
	size_t len, i, chars;
	char shown[64];

	if (ev->type != YAML_SCALAR_EVENT)
		return fail_at(p, &ev->start_mark,
		    "%s: expected a string, found %s", f->name, shape(ev));
	if (is_null(ev))
		return fail_at(p, &ev->start_mark,
		    "%s: expected a string, found null", f->name);
	len = ev->data.scalar.length;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\t') {
			if (f->kind == K_TEXT)
				continue;
			return fail_at(p, &ev->start_mark,
			    "%s: line breaks and tabs are not allowed",
			    f->name);
		}
		if (c < 0x20 || c == 0x7f)
			return fail_at(p, &ev->start_mark,
			    "%s: control character 0x%02x is not allowed",
			    f->name, c);
	}
	chars = ecert_utf8_chars(s);
	if ((long long)chars < f->lo || (long long)chars > f->hi) {
		quote(shown, sizeof(shown), s, len);
		return fail_at(p, &ev->start_mark,
		    "%s: \"%s\" has %zu characters, want %lld to %lld",
		    f->name, shown, chars, f->lo, f->hi);
	}
	if (f->check != NULL && f->check(p, s, &ev->start_mark) == -1)
		return -1;
	if ((*out = json_stringn(s, len)) == NULL)
		return fail_at(p, &ev->start_mark, "%s: invalid string",
		    f->name);
	return 0;
}

static int
want_bool(struct parse *p, const struct field *f, json_t **out)
{
	const yaml_event_t *ev = &p->ev;

	if (is_plain_word(ev, "true"))
		*out = json_true();
	else if (is_plain_word(ev, "false"))
		*out = json_false();
	else if (ev->type != YAML_SCALAR_EVENT)
		return fail_at(p, &ev->start_mark,
		    "%s: expected true or false, found %s", f->name,
		    shape(ev));
	else {
		char shown[64];

		quote(shown, sizeof(shown),
		    (const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		return fail_at(p, &ev->start_mark,
		    "%s: expected true or false, found \"%s\"", f->name,
		    shown);
	}
	return 0;
}

/* Plain -?(0|[1-9][0-9]*): YAML 1.1 reads a leading zero as octal. */
static int
want_int(struct parse *p, const struct field *f, json_t **out)
{
	const yaml_event_t *ev = &p->ev;
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length, i = 0;
	long long v;
	char shown[64];

	if (!is_plain(ev)) {
		if (ev->type == YAML_SCALAR_EVENT)
			goto bad;
		return fail_at(p, &ev->start_mark,
		    "%s: expected an integer, found %s", f->name, shape(ev));
	}
	if (i < len && s[i] == '-')
		i++;
	if (i == len || len - i > 16 || (s[i] == '0' && len - i > 1))
		goto bad;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			goto bad;
	v = strtoll(s, NULL, 10);
	if (v < f->lo || v > f->hi || strcmp(s, "-0") == 0)
		goto bad;
	*out = json_integer(v);
	return 0;
bad:
	quote(shown, sizeof(shown), s, len);
	return fail_at(p, &ev->start_mark,
	    "%s: expected an integer from %lld to %lld, found \"%s\"",
	    f->name, f->lo, f->hi, shown);
}

static int
want_values(struct parse *p, const struct field *f, json_t **out)
{
	static const struct field value = { "values", K_LINE, 1, 1, 64, NULL };
	yaml_mark_t start = p->ev.start_mark;
	json_t *values, *v;
	size_t i;
	char shown[96];

	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_at(p, &p->ev.start_mark,
		    "%s: expected a sequence of strings, found %s", f->name,
		    shape(&p->ev));
	values = json_array();
	for (;;) {
		if (next(p) == -1)
			goto fail;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (json_array_size(values) == CATALOG_MAX_VALUES) {
			fail_at(p, &p->ev.start_mark,
			    "values: more than %d values", CATALOG_MAX_VALUES);
			goto fail;
		}
		if (want_string(p, &value, &v) == -1)
			goto fail;
		for (i = 0; i < json_array_size(values); i++)
			if (json_equal(json_array_get(values, i), v)) {
				quote(shown, sizeof(shown),
				    json_string_value(v),
				    json_string_length(v));
				json_decref(v);
				fail_at(p, &p->ev.start_mark,
				    "values: duplicate value \"%s\"", shown);
				goto fail;
			}
		json_array_append_new(values, v);
	}
	if (json_array_size(values) == 0) {
		fail_at(p, &start, "values: must not be empty");
		goto fail;
	}
	*out = values;
	return 0;
fail:
	json_decref(values);
	return -1;
}

static int want_items(struct parse *, const struct field *, json_t **);

/*
 * Reads the mapping that starts at the current event into val[] and
 * mark[] (the mark of each value), by the field table.
 */
static int
want_mapping(struct parse *p, const char *what, const struct field *fields,
    size_t nfields, json_t **val, yaml_mark_t *mark)
{
	yaml_mark_t start = p->ev.start_mark;
	const struct field *f;
	unsigned long keyline[16];
	size_t i;
	char shown[64];
	int rc = -1;

	if (nfields > sizeof(keyline) / sizeof(keyline[0]))
		abort();
	if (p->ev.type != YAML_MAPPING_START_EVENT)
		return fail_at(p, &start, "expected %s (a mapping), found %s",
		    what, shape(&p->ev));
	for (;;) {
		if (next(p) == -1)
			return -1;
		if (p->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (p->ev.type != YAML_SCALAR_EVENT)
			return fail_at(p, &p->ev.start_mark,
			    "expected a key, found %s", shape(&p->ev));
		f = NULL;
		for (i = 0; i < nfields; i++)
			if (p->ev.data.scalar.length ==
			    strlen(fields[i].name) &&
			    memcmp(p->ev.data.scalar.value, fields[i].name,
			    p->ev.data.scalar.length) == 0) {
				f = &fields[i];
				break;
			}
		if (f == NULL) {
			quote(shown, sizeof(shown),
			    (const char *)p->ev.data.scalar.value,
			    p->ev.data.scalar.length);
			return fail_at(p, &p->ev.start_mark,
			    "unknown key \"%s\" in %s", shown, what);
		}
		if (val[i] != NULL)
			return fail_at(p, &p->ev.start_mark,
			    "duplicate key \"%s\" (first at line %lu)",
			    f->name, keyline[i]);
		keyline[i] = (unsigned long)p->ev.start_mark.line + 1;
		if (next(p) == -1)
			return -1;
		mark[i] = p->ev.start_mark;
		switch (f->kind) {
		case K_LINE:
		case K_TEXT:
			rc = want_string(p, f, &val[i]);
			break;
		case K_BOOL:
			rc = want_bool(p, f, &val[i]);
			break;
		case K_INT:
			rc = want_int(p, f, &val[i]);
			break;
		case K_VALUES:
			rc = want_values(p, f, &val[i]);
			break;
		case K_ITEMS:
			rc = want_items(p, f, &val[i]);
			break;
		}
		if (rc == -1)
			return -1;
	}
	for (i = 0; i < nfields; i++)
		if (fields[i].required && val[i] == NULL)
			return fail_at(p, &start,
			    "%s: missing required key \"%s\"", what,
			    fields[i].name);
	return 0;
}

static int
check_type_code(struct parse *p, const char *s, const yaml_mark_t *m)
{
	if (!ecert_type_code_valid(s))
		return fail_at(p, m, "code: \"%s\" is not a type code "
		    "(a unified social credit code with a valid check "
		    "character, then 3 digits)", s);
	return 0;
}

static int
check_uscc(struct parse *p, const char *s, const yaml_mark_t *m)
{
	if (!ecert_uscc_valid(s))
		return fail_at(p, m, "issuer: \"%s\" is not a unified social "
		    "credit code with a valid check character", s);
	return 0;
}

static int
check_holder(struct parse *p, const char *s, const yaml_mark_t *m)
{
	if (strcmp(s, "legal") != 0 && strcmp(s, "natural") != 0)
		return fail_at(p, m,
		    "holder: \"%s\" is not legal or natural", s);
	return 0;
}

/* A file name in the template folder, never a path. */
static int
check_template(struct parse *p, const char *s, const yaml_mark_t *m)
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
	return fail_at(p, m, "template: \"%s\" is not a file name "
	    "([A-Za-z0-9._-], not starting with a dot or dash)", s);
}

static int
check_item_key(struct parse *p, const char *s, const yaml_mark_t *m)
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
			return fail_at(p, m, "key: \"%s\" is reserved for "
			    "the license record", s);
	return 0;
bad:
	return fail_at(p, m, "key: \"%s\" is not [a-z][a-z0-9_]{0,31}", s);
}

static int
check_item_kind(struct parse *p, const char *s, const yaml_mark_t *m)
{
	size_t i;

	for (i = 0; i < sizeof(item_kinds) / sizeof(item_kinds[0]); i++)
		if (strcmp(s, item_kinds[i]) == 0)
			return 0;
	return fail_at(p, m, "type: \"%s\" is not one of string, text, date, "
	    "integer, enum, uscc, citizen_id", s);
}

enum {
	I_KEY, I_LABEL, I_TYPE, I_REQUIRED, I_PUBLIC, I_MAX, I_MIN, I_VALUES,
	I_N
};

static const struct field item_fields[I_N] = {
	{ "key", K_LINE, 1, 1, 64, check_item_key },
	{ "label", K_LINE, 1, 1, 32, NULL },
	{ "type", K_LINE, 1, 1, 64, check_item_kind },
	{ "required", K_BOOL, 0, 0, 0, NULL },
	{ "public", K_BOOL, 0, 0, 0, NULL },
	{ "max", K_INT, 0, -CATALOG_INT_LIMIT, CATALOG_INT_LIMIT, NULL },
	{ "min", K_INT, 0, -CATALOG_INT_LIMIT, CATALOG_INT_LIMIT, NULL },
	{ "values", K_VALUES, 0, 0, 0, NULL }
};

static const char *
member_str(const json_t *item, const char *key)
{
	return json_string_value(json_object_get(item, key));
}

/* Keys and labels name items in records, so none may name two. */
static int
check_item_names(struct parse *p, const json_t *items, json_t **val,
    const yaml_mark_t *mark)
{
	const char *key = json_string_value(val[I_KEY]);
	const char *label = json_string_value(val[I_LABEL]);
	const json_t *other;
	size_t i;

	json_array_foreach(items, i, other) {
		if (strcmp(key, member_str(other, "key")) == 0)
			return fail_at(p, &mark[I_KEY],
			    "duplicate item key \"%s\"", key);
		if (strcmp(key, member_str(other, "label")) == 0)
			return fail_at(p, &mark[I_KEY],
			    "item key \"%s\" is the label of another item",
			    key);
		if (strcmp(label, member_str(other, "label")) == 0)
			return fail_at(p, &mark[I_LABEL],
			    "duplicate item label \"%s\"", label);
		if (strcmp(label, member_str(other, "key")) == 0)
			return fail_at(p, &mark[I_LABEL],
			    "item label \"%s\" is the key of another item",
			    label);
	}
	return 0;
}

static json_t *
item_build(struct parse *p, const json_t *items, json_t **val,
    const yaml_mark_t *mark, const yaml_mark_t *start)
{
	const char *kind = json_string_value(val[I_TYPE]);
	const char *key = json_string_value(val[I_KEY]);
	int is_string = strcmp(kind, "string") == 0;
	int is_text = strcmp(kind, "text") == 0;
	int is_int = strcmp(kind, "integer") == 0;
	int is_enum = strcmp(kind, "enum") == 0;
	json_t *item;

	if (check_item_names(p, items, val, mark) == -1)
		return NULL;
	if (is_enum && val[I_VALUES] == NULL) {
		fail_at(p, start, "enum item \"%s\" needs values", key);
		return NULL;
	}
	if (!is_enum && val[I_VALUES] != NULL) {
		fail_at(p, &mark[I_VALUES], "values: only enum items have "
		    "values, \"%s\" is %s", key, kind);
		return NULL;
	}
	if (!is_int && val[I_MIN] != NULL) {
		fail_at(p, &mark[I_MIN], "min: only integer items have a "
		    "minimum, \"%s\" is %s", key, kind);
		return NULL;
	}
	if (!is_string && !is_text && !is_int && val[I_MAX] != NULL) {
		fail_at(p, &mark[I_MAX], "max: only string, text and integer "
		    "items have a maximum, \"%s\" is %s", key, kind);
		return NULL;
	}
	if ((is_string || is_text) && val[I_MAX] != NULL &&
	    (json_integer_value(val[I_MAX]) < 1 ||
	    json_integer_value(val[I_MAX]) > 4000)) {
		fail_at(p, &mark[I_MAX], "max: the length of a %s item is "
		    "from 1 to 4000 characters", kind);
		return NULL;
	}
	if (is_int) {
		if (val[I_MIN] == NULL)
			val[I_MIN] = json_integer(0);
		if (val[I_MAX] != NULL && json_integer_value(val[I_MAX]) <
		    json_integer_value(val[I_MIN])) {
			fail_at(p, &mark[I_MAX], "max: %lld is less than "
			    "min %lld",
			    (long long)json_integer_value(val[I_MAX]),
			    (long long)json_integer_value(val[I_MIN]));
			return NULL;
		}
	}
	if (is_string && val[I_MAX] == NULL)
		val[I_MAX] = json_integer(200);
	if (is_text && val[I_MAX] == NULL)
		val[I_MAX] = json_integer(2000);
	item = json_object();
	json_object_set(item, "key", val[I_KEY]);
	json_object_set(item, "label", val[I_LABEL]);
	json_object_set(item, "type", val[I_TYPE]);
	json_object_set_new(item, "required",
	    val[I_REQUIRED] ? json_incref(val[I_REQUIRED]) : json_false());
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

static void
release(json_t **val, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_decref(val[i]);
		val[i] = NULL;
	}
}

static int
want_items(struct parse *p, const struct field *f, json_t **out)
{
	yaml_mark_t start = p->ev.start_mark, item_start;
	yaml_mark_t mark[I_N];
	json_t *items, *val[I_N] = { NULL }, *item;

	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_at(p, &start, "%s: expected a sequence of items, "
		    "found %s", f->name, shape(&p->ev));
	items = json_array();
	for (;;) {
		if (next(p) == -1)
			goto fail;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (json_array_size(items) == CATALOG_MAX_ITEMS) {
			fail_at(p, &p->ev.start_mark, "items: more than %d "
			    "items", CATALOG_MAX_ITEMS);
			goto fail;
		}
		item_start = p->ev.start_mark;
		if (want_mapping(p, "an item", item_fields, I_N, val,
		    mark) == -1)
			goto fail;
		if ((item = item_build(p, items, val, mark,
		    &item_start)) == NULL)
			goto fail;
		json_array_append_new(items, item);
		release(val, I_N);
	}
	if (json_array_size(items) == 0) {
		fail_at(p, &start, "items: a type needs at least one item");
		goto fail;
	}
	*out = items;
	return 0;
fail:
	release(val, I_N);
	json_decref(items);
	return -1;
}

enum {
	T_CODE, T_NAME, T_ISSUER, T_HOLDER, T_HOLDER_LABEL, T_HOLDER_ID_LABEL,
	T_PUBLIC, T_REVIEW, T_VALIDITY_YEARS, T_OBJECTION_DAYS, T_TEMPLATE,
	T_DESCRIPTION, T_ITEMS, T_N
};

static const struct field type_fields[T_N] = {
	{ "code", K_LINE, 1, 1, 64, check_type_code },
	{ "name", K_LINE, 1, 1, 64, NULL },
	{ "issuer", K_LINE, 1, 1, 64, check_uscc },
	{ "holder", K_LINE, 1, 1, 64, check_holder },
	{ "holder_label", K_LINE, 0, 1, 32, NULL },
	{ "holder_id_label", K_LINE, 0, 1, 32, NULL },
	{ "public", K_BOOL, 1, 0, 0, NULL },
	{ "review", K_BOOL, 0, 0, 0, NULL },
	{ "validity_years", K_INT, 0, 0, 100, NULL },
	{ "objection_days", K_INT, 0, 1, 60, NULL },
	{ "template", K_LINE, 0, 1, 128, check_template },
	{ "description", K_TEXT, 0, 1, 2000, NULL },
	{ "items", K_ITEMS, 1, 0, 0, NULL }
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
want_type(struct parse *p, json_t *types)
{
	json_t *val[T_N] = { NULL }, *type, *other;
	yaml_mark_t mark[T_N];
	const char *code;
	int natural;
	size_t i;

	if (want_mapping(p, "a license type", type_fields, T_N, val,
	    mark) == -1)
		goto fail;
	code = json_string_value(val[T_CODE]);
	json_array_foreach(types, i, other) {
		if (strcmp(code, member_str(other, "code")) == 0) {
			fail_at(p, &mark[T_CODE], "code: duplicate type code "
			    "\"%s\" in this file", code);
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
	release(val, T_N);
	return 0;
fail:
	release(val, T_N);
	return -1;
}

/* Each document is one type or a sequence of types. */
static int
want_document(struct parse *p, json_t *types)
{
	if (p->ev.type == YAML_MAPPING_START_EVENT)
		return want_type(p, types);
	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_at(p, &p->ev.start_mark, "expected a license type "
		    "or a sequence of them, found %s", shape(&p->ev));
	for (;;) {
		if (next(p) == -1)
			return -1;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (want_type(p, types) == -1)
			return -1;
	}
}

/*
 * libyaml reports bad input bytes without a line, so the bytes are
 * checked first, with the characters YAML allows.
 */
static int
check_bytes(struct parse *p, const unsigned char *s, size_t n)
{
	yaml_mark_t m = { 0, 0, 0 };
	size_t i = 0, k, len;
	unsigned long c;

	while (i < n) {
		if (s[i] < 0x80) {
			c = s[i];
			len = 1;
		} else if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			c = s[i] & 0x1f;
			len = 2;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			c = s[i] & 0x0f;
			len = 3;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			c = s[i] & 0x07;
			len = 4;
		} else
			goto bad;
		if (len > n - i)
			goto bad;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			goto bad;
		if (!(c == 0x09 || c == 0x0a || c == 0x0d ||
		    (c >= 0x20 && c <= 0x7e) || c == 0x85 ||
		    (c >= 0xa0 && c <= 0xd7ff) ||
		    (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000))
			return fail_at(p, &m, "control character U+%04lX is "
			    "not allowed", c);
		/* line breaks as libyaml counts them */
		if (c == 0x0a || c == 0x85 || c == 0x2028 || c == 0x2029 ||
		    (c == 0x0d && (i + 1 == n || s[i + 1] != 0x0a))) {
			m.line++;
			m.column = 0;
		} else if (c != 0x0d)
			m.column++;
		i += len;
	}
	return 0;
bad:
	return fail_at(p, &m, "invalid UTF-8");
}

static int
read_file(struct parse *p, unsigned char **buf, size_t *len)
{
	FILE *fp;
	size_t n;
	int saved;

	if (strcmp(p->path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(p->path, "rb")) == NULL) {
		ecert_fail(p->e, ECERT_IOERR, "%s: %s", p->path,
		    strerror(errno));
		return -1;
	}
	/* one byte more than allowed tells a full file from a long one */
	*buf = ecert_xmalloc(CATALOG_MAX_BYTES + 1);
	n = fread(*buf, 1, CATALOG_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		saved = errno;
		if (fp != stdin)
			fclose(fp);
		free(*buf);
		ecert_fail(p->e, ECERT_IOERR, "%s: %s", p->path,
		    strerror(saved));
		return -1;
	}
	if (fp != stdin)
		fclose(fp);
	if (n > CATALOG_MAX_BYTES) {
		yaml_mark_t m = { 0, 0, 0 };

		free(*buf);
		return fail_at(p, &m, "larger than %d bytes (1 MiB)",
		    CATALOG_MAX_BYTES);
	}
	*len = n;
	return 0;
}

json_t *
ecert_catalog_parse(const char *path, struct ecert_error *e)
{
	struct parse p;
	unsigned char *buf = NULL, *text;
	size_t len = 0;
	json_t *types = NULL;
	yaml_mark_t origin = { 0, 0, 0 };

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.e = e;
	if (read_file(&p, &buf, &len) == -1)
		return NULL;
	/* a byte order mark would shift libyaml's columns on line 1 */
	text = buf;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (check_bytes(&p, text, len) == -1) {
		free(buf);
		return NULL;
	}
	if (!yaml_parser_initialize(&p.parser)) {
		free(buf);
		ecert_fail(e, ECERT_IOERR, "%s: out of memory", path);
		return NULL;
	}
	yaml_parser_set_input_string(&p.parser, text, len);
	yaml_parser_set_encoding(&p.parser, YAML_UTF8_ENCODING);
	types = json_array();
	if (next(&p) == -1)
		goto fail;
	for (;;) {
		if (next(&p) == -1)
			goto fail;
		if (p.ev.type == YAML_STREAM_END_EVENT)
			break;
		/* DOCUMENT-START, the root node, DOCUMENT-END */
		if (next(&p) == -1 || want_document(&p, types) == -1 ||
		    next(&p) == -1)
			goto fail;
	}
	if (json_array_size(types) > 0)
		goto done;
	fail_at(&p, &origin, "no license type in this file");
fail:
	json_decref(types);
	types = NULL;
done:
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.parser);
	free(buf);
	return types;
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
