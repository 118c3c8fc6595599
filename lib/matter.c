/*
 * matter.c: service matters (政务服务事项) and their materials, for
 * articles 14 and 15.  A matter lists the materials an applicant hands in;
 * a material a license can stand for names the license types, and the
 * department marks it exempt from submission (免提交, article 14).  Before
 * asking for a material, staff search the license library (article 15):
 * ecert_matter_check does that search for one holder.
 *
 * The YAML is read as strictly as the catalog (catalog_yaml.c), by the
 * same walk over libyaml's events.  That file keeps its helpers static, so
 * the ones needed here are copied, not shared.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ecert_priv.h"

#define MATTER_MAX_BYTES (1024 * 1024)
#define MATTER_MAX_MATERIALS 64
#define MATTER_MAX_LICENSES 16

enum kind {
	K_LINE,		/* one-line string */
	K_TEXT,		/* string, line breaks and tabs allowed */
	K_BOOL,
	K_MATERIALS,
	K_LICENSES
};

struct parse;

struct field {
	const char *name;
	enum kind kind;
	int required;
	long long lo, hi;	/* length in code points */
	int (*check)(struct parse *, const char *, const yaml_mark_t *);
};

/* A license type named by a material, kept to check its holder kind. */
struct type_ref {
	yaml_mark_t mark;
	char code[24];
	char name[260];
	int natural;
};

struct parse {
	yaml_parser_t parser;
	yaml_event_t ev;
	int have_ev;
	const char *path;
	struct ecert_store *store;	/* NULL: no checks against the store */
	struct ecert_error *e;
	struct type_ref *refs;		/* of the matter being read */
	size_t nrefs, caprefs;
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
is_plain_word(const yaml_event_t *ev, const char *word)
{
	return ev->type == YAML_SCALAR_EVENT &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    ev->data.scalar.length == strlen(word) &&
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

/* Any scalar but a plain null is a string, taken literally. */
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
	char shown[64];

	if (is_plain_word(ev, "true"))
		*out = json_true();
	else if (is_plain_word(ev, "false"))
		*out = json_false();
	else if (ev->type != YAML_SCALAR_EVENT)
		return fail_at(p, &ev->start_mark,
		    "%s: expected true or false, found %s", f->name,
		    shape(ev));
	else {
		quote(shown, sizeof(shown),
		    (const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		return fail_at(p, &ev->start_mark,
		    "%s: expected true or false, found \"%s\"", f->name,
		    shown);
	}
	return 0;
}

static int want_materials(struct parse *, const struct field *, json_t **);
static int want_licenses(struct parse *, const struct field *, json_t **);

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
		case K_MATERIALS:
			rc = want_materials(p, f, &val[i]);
			break;
		case K_LICENSES:
			rc = want_licenses(p, f, &val[i]);
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

static void
release(json_t **val, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_decref(val[i]);
		val[i] = NULL;
	}
}

/* [0-9A-Z]+(-[0-9A-Z]+)*, at most 64 characters. */
int
ecert_matter_code_valid(const char *code)
{
	size_t i, n = strlen(code);

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = code[i];

		if (c == '-') {
			if (i == 0 || i == n - 1 || code[i - 1] == '-')
				return 0;
		} else if (!(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z'))
			return 0;
	}
	return 1;
}

static int
check_code(struct parse *p, const char *s, const yaml_mark_t *m)
{
	if (!ecert_matter_code_valid(s))
		return fail_at(p, m, "code: \"%s\" is not a matter code "
		    "(digits and capital letters in groups joined by single "
		    "dashes, as 11420600MB1234567T-XK-0001)", s);
	return 0;
}

static int
check_department(struct parse *p, const char *s, const yaml_mark_t *m)
{
	if (!ecert_uscc_valid(s))
		return fail_at(p, m, "department: \"%s\" is not a unified "
		    "social credit code with a valid check character", s);
	if (p->store != NULL && !ecert_unit_name(p->store, s, NULL, 0, NULL))
		return fail_at(p, m, "department: %s is not a registered "
		    "unit", s);
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

static int
check_material_key(struct parse *p, const char *s, const yaml_mark_t *m)
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
	return 0;
bad:
	return fail_at(p, m, "key: \"%s\" is not [a-z][a-z0-9_]{0,31}", s);
}

/* A type of the catalog; its holder kind is checked with the matter's. */
static int
check_license_type(struct parse *p, const char *s, const yaml_mark_t *m)
{
	struct type_ref *r;
	json_t *type;

	if (!ecert_type_code_valid(s))
		return fail_at(p, m, "licenses: \"%s\" is not a type code "
		    "(a unified social credit code with a valid check "
		    "character, then 3 digits)", s);
	if (p->store == NULL)
		return 0;
	if ((type = ecert_catalog_get(p->store, s)) == NULL)
		return fail_at(p, m, "licenses: type %s is not in the "
		    "catalog", s);
	if (p->nrefs == p->caprefs) {
		p->caprefs = p->caprefs ? 2 * p->caprefs : 16;
		p->refs = ecert_xrealloc(p->refs,
		    p->caprefs * sizeof(*p->refs));
	}
	r = &p->refs[p->nrefs++];
	r->mark = *m;
	snprintf(r->code, sizeof(r->code), "%s", s);
	snprintf(r->name, sizeof(r->name), "%s",
	    ecert_json_str(type, "name") ? ecert_json_str(type, "name") : "");
	r->natural = strcmp(ecert_json_str(type, "holder") ?
	    ecert_json_str(type, "holder") : "", "natural") == 0;
	json_decref(type);
	return 0;
}

static int
want_licenses(struct parse *p, const struct field *f, json_t **out)
{
	static const struct field code = { "licenses", K_LINE, 1, 1, 64,
	    check_license_type };
	json_t *list, *v;
	size_t i;

	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_at(p, &p->ev.start_mark,
		    "%s: expected a sequence of type codes, found %s",
		    f->name, shape(&p->ev));
	list = json_array();
	for (;;) {
		if (next(p) == -1)
			goto fail;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (json_array_size(list) == MATTER_MAX_LICENSES) {
			fail_at(p, &p->ev.start_mark, "licenses: more than %d "
			    "types", MATTER_MAX_LICENSES);
			goto fail;
		}
		if (want_string(p, &code, &v) == -1)
			goto fail;
		for (i = 0; i < json_array_size(list); i++)
			if (json_equal(json_array_get(list, i), v)) {
				fail_at(p, &p->ev.start_mark, "licenses: "
				    "duplicate type %s", json_string_value(v));
				json_decref(v);
				goto fail;
			}
		json_array_append_new(list, v);
	}
	*out = list;
	return 0;
fail:
	json_decref(list);
	return -1;
}

enum {
	M_KEY, M_NAME, M_REQUIRED, M_LICENSES, M_EXEMPT, M_N
};

static const struct field material_fields[M_N] = {
	{ "key", K_LINE, 1, 1, 64, check_material_key },
	{ "name", K_LINE, 1, 1, 100, NULL },
	{ "required", K_BOOL, 1, 0, 0, NULL },
	{ "licenses", K_LICENSES, 0, 0, 0, NULL },
	{ "exempt", K_BOOL, 0, 0, 0, NULL }
};

static json_t *
material_build(struct parse *p, const json_t *materials, json_t **val,
    const yaml_mark_t *mark)
{
	const char *key = json_string_value(val[M_KEY]);
	const char *name = json_string_value(val[M_NAME]);
	const json_t *other;
	json_t *material;
	size_t i;

	json_array_foreach(materials, i, other) {
		if (strcmp(key, ecert_json_str(other, "key")) == 0) {
			fail_at(p, &mark[M_KEY], "duplicate material key "
			    "\"%s\"", key);
			return NULL;
		}
		if (strcmp(name, ecert_json_str(other, "name")) == 0) {
			fail_at(p, &mark[M_NAME], "duplicate material name "
			    "\"%s\"", name);
			return NULL;
		}
	}
	if (json_is_true(val[M_EXEMPT]) && (val[M_LICENSES] == NULL ||
	    json_array_size(val[M_LICENSES]) == 0)) {
		fail_at(p, &mark[M_EXEMPT], "exempt: material \"%s\" names no "
		    "license that could stand for it", key);
		return NULL;
	}
	material = json_object();
	json_object_set(material, "key", val[M_KEY]);
	json_object_set(material, "name", val[M_NAME]);
	json_object_set(material, "required", val[M_REQUIRED]);
	json_object_set_new(material, "licenses", val[M_LICENSES] ?
	    json_incref(val[M_LICENSES]) : json_array());
	json_object_set_new(material, "exempt", val[M_EXEMPT] ?
	    json_incref(val[M_EXEMPT]) : json_false());
	return material;
}

static int
want_materials(struct parse *p, const struct field *f, json_t **out)
{
	yaml_mark_t start = p->ev.start_mark;
	yaml_mark_t mark[M_N];
	json_t *materials, *val[M_N] = { NULL }, *material;

	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_at(p, &start, "%s: expected a sequence of "
		    "materials, found %s", f->name, shape(&p->ev));
	materials = json_array();
	for (;;) {
		if (next(p) == -1)
			goto fail;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (json_array_size(materials) == MATTER_MAX_MATERIALS) {
			fail_at(p, &p->ev.start_mark, "materials: more than "
			    "%d materials", MATTER_MAX_MATERIALS);
			goto fail;
		}
		if (want_mapping(p, "a material", material_fields, M_N, val,
		    mark) == -1)
			goto fail;
		if ((material = material_build(p, materials, val,
		    mark)) == NULL)
			goto fail;
		json_array_append_new(materials, material);
		release(val, M_N);
	}
	if (json_array_size(materials) == 0) {
		fail_at(p, &start, "materials: a matter needs at least one "
		    "material");
		goto fail;
	}
	*out = materials;
	return 0;
fail:
	release(val, M_N);
	json_decref(materials);
	return -1;
}

enum {
	D_CODE, D_NAME, D_DEPARTMENT, D_HOLDER, D_HIGH_FREQUENCY, D_BASIS,
	D_MATERIALS, D_N
};

static const struct field matter_fields[D_N] = {
	{ "code", K_LINE, 1, 1, 64, check_code },
	{ "name", K_LINE, 1, 1, 100, NULL },
	{ "department", K_LINE, 1, 1, 64, check_department },
	{ "holder", K_LINE, 1, 1, 64, check_holder },
	{ "high_frequency", K_BOOL, 1, 0, 0, NULL },
	{ "basis", K_TEXT, 0, 1, 2000, NULL },
	{ "materials", K_MATERIALS, 1, 0, 0, NULL }
};

static int
want_matter(struct parse *p, json_t *matters)
{
	json_t *val[D_N] = { NULL }, *matter, *other;
	yaml_mark_t mark[D_N];
	const char *code;
	int natural;
	size_t i;

	p->nrefs = 0;
	if (want_mapping(p, "a matter", matter_fields, D_N, val, mark) == -1)
		goto fail;
	code = json_string_value(val[D_CODE]);
	json_array_foreach(matters, i, other) {
		if (strcmp(code, ecert_json_str(other, "code")) == 0) {
			fail_at(p, &mark[D_CODE], "code: duplicate matter "
			    "code \"%s\" in this file", code);
			goto fail;
		}
	}
	/* a license held by the other kind of holder is never found */
	natural = strcmp(json_string_value(val[D_HOLDER]), "natural") == 0;
	for (i = 0; i < p->nrefs; i++)
		if (p->refs[i].natural != natural) {
			fail_at(p, &p->refs[i].mark, "licenses: type %s (%s) "
			    "is held by %s, the holder of this matter is %s",
			    p->refs[i].code, p->refs[i].name,
			    p->refs[i].natural ? "natural persons" :
			    "legal persons", natural ? "a natural person" :
			    "a legal person");
			goto fail;
		}
	matter = json_object();
	json_object_set(matter, "code", val[D_CODE]);
	json_object_set(matter, "name", val[D_NAME]);
	json_object_set(matter, "department", val[D_DEPARTMENT]);
	json_object_set(matter, "holder", val[D_HOLDER]);
	json_object_set(matter, "high_frequency", val[D_HIGH_FREQUENCY]);
	json_object_set_new(matter, "basis", val[D_BASIS] ?
	    json_incref(val[D_BASIS]) : json_null());
	json_object_set(matter, "materials", val[D_MATERIALS]);
	json_array_append_new(matters, matter);
	release(val, D_N);
	return 0;
fail:
	release(val, D_N);
	return -1;
}

/* Each document is one matter or a sequence of them. */
static int
want_document(struct parse *p, json_t *matters)
{
	if (p->ev.type == YAML_MAPPING_START_EVENT)
		return want_matter(p, matters);
	if (p->ev.type != YAML_SEQUENCE_START_EVENT)
		return fail_at(p, &p->ev.start_mark, "expected a matter or a "
		    "sequence of them, found %s", shape(&p->ev));
	for (;;) {
		if (next(p) == -1)
			return -1;
		if (p->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (want_matter(p, matters) == -1)
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
	*buf = ecert_xmalloc(MATTER_MAX_BYTES + 1);
	n = fread(*buf, 1, MATTER_MAX_BYTES + 1, fp);
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
	if (n > MATTER_MAX_BYTES) {
		yaml_mark_t m = { 0, 0, 0 };

		free(*buf);
		return fail_at(p, &m, "larger than %d bytes (1 MiB)",
		    MATTER_MAX_BYTES);
	}
	*len = n;
	return 0;
}

/*
 * With a store, departments must be registered units and license types
 * must be in the catalog, each reported at its place in the file.
 */
json_t *
ecert_matter_parse(struct ecert_store *s, const char *path,
    struct ecert_error *e)
{
	struct parse p;
	unsigned char *buf = NULL, *text;
	size_t len = 0;
	json_t *matters = NULL;
	yaml_mark_t origin = { 0, 0, 0 };

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.store = s;
	p.e = e;
	if (read_file(&p, &buf, &len) == -1)
		return NULL;
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
	matters = json_array();
	if (next(&p) == -1)
		goto fail;
	for (;;) {
		if (next(&p) == -1)
			goto fail;
		if (p.ev.type == YAML_STREAM_END_EVENT)
			break;
		/* DOCUMENT-START, the root node, DOCUMENT-END */
		if (next(&p) == -1 || want_document(&p, matters) == -1 ||
		    next(&p) == -1)
			goto fail;
	}
	if (json_array_size(matters) > 0)
		goto done;
	fail_at(&p, &origin, "no matter in this file");
fail:
	json_decref(matters);
	matters = NULL;
done:
	if (p.have_ev)
		yaml_event_delete(&p.ev);
	yaml_parser_delete(&p.parser);
	free(p.refs);
	free(buf);
	return matters;
}

static int
store_matter(struct ecert_store *s, const char *actor_unit,
    const json_t *matter, int *changed, struct ecert_error *e)
{
	sqlite3_stmt *st;
	const char *code = ecert_json_str(matter, "code");
	char *def, now[21];
	int version = 0, rc, same = 0;

	*changed = 0;
	if ((def = ecert_json_canonical(matter)) == NULL)
		return ecert_fail(e, ECERT_DATAERR, "matter %s: cannot encode",
		    code);
	st = ecert_prepare(s, "SELECT version, definition FROM matters"
	    " WHERE code = ?", e);
	if (st == NULL)
		goto fail;
	ecert_bind_text(st, 1, code);
	if (sqlite3_step(st) == SQLITE_ROW) {
		version = sqlite3_column_int(st, 0);
		same = strcmp((const char *)sqlite3_column_text(st, 1),
		    def) == 0;
	}
	sqlite3_finalize(st);
	if (same) {
		free(def);
		return 0;
	}
	ecert_now_iso(now);
	st = ecert_prepare(s, "INSERT INTO matters(code, name, definition,"
	    " version, loaded_at) VALUES (?1,?2,?3,?4,?5)"
	    " ON CONFLICT(code) DO UPDATE SET name = ?2, definition = ?3,"
	    " version = ?4, loaded_at = ?5", e);
	if (st == NULL)
		goto fail;
	ecert_bind_text(st, 1, code);
	ecert_bind_text(st, 2, ecert_json_str(matter, "name"));
	ecert_bind_text(st, 3, def);
	sqlite3_bind_int(st, 4, version + 1);
	ecert_bind_text(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ecert_sql_fail(s, e, rc, "matters");
		goto fail;
	}
	st = ecert_prepare(s, "INSERT INTO matter_history(code, version,"
	    " definition, loaded_at, loaded_by) VALUES (?,?,?,?,?)", e);
	if (st == NULL)
		goto fail;
	ecert_bind_text(st, 1, code);
	sqlite3_bind_int(st, 2, version + 1);
	ecert_bind_text(st, 3, def);
	ecert_bind_text(st, 4, now);
	ecert_bind_text(st, 5, actor_unit);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ecert_sql_fail(s, e, rc, "matters");
		goto fail;
	}
	free(def);
	*changed = 1;
	return 0;
fail:
	free(def);
	return e->status;
}

/* All files or nothing: every file is parsed and checked before any write. */
int
ecert_matter_load(struct ecert_store *s, const char *actor_unit,
    char **paths, int npaths, int *nloaded, struct ecert_error *e)
{
	json_t *all = json_array(), *seen = json_object(), *matters, *matter;
	size_t i;
	int f, changed, rc = 0;
	char detail[256];

	*nloaded = 0;
	for (f = 0; f < npaths; f++) {
		if ((matters = ecert_matter_parse(s, paths[f], e)) == NULL) {
			rc = e->status;
			goto out;
		}
		json_array_foreach(matters, i, matter) {
			const char *code = ecert_json_str(matter, "code");
			json_t *prev = json_object_get(seen, code);

			if (prev != NULL) {
				rc = ecert_fail(e, ECERT_DATAERR, "%s: matter "
				    "%s: also defined in %s", paths[f], code,
				    json_string_value(prev));
				json_decref(matters);
				goto out;
			}
			json_object_set_new(seen, code, json_string(paths[f]));
			json_array_append(all, matter);
		}
		json_decref(matters);
	}
	if ((rc = ecert_begin(s, e)) != 0)
		goto out;
	json_array_foreach(all, i, matter) {
		if ((rc = store_matter(s, actor_unit, matter, &changed,
		    e)) != 0) {
			ecert_rollback(s);
			goto out;
		}
		if (changed) {
			snprintf(detail, sizeof(detail), "department %s",
			    ecert_json_str(matter, "department"));
			ecert_audit(s, actor_unit, "matter.load",
			    ecert_json_str(matter, "code"), "ok", detail);
			(*nloaded)++;
		}
	}
	rc = ecert_commit(s, e);
out:
	json_decref(all);
	json_decref(seen);
	return rc;
}

/* The definition, with "version" added; NULL when there is none. */
json_t *
ecert_matter_get(struct ecert_store *s, const char *code)
{
	sqlite3_stmt *st;
	json_t *matter = NULL;

	st = ecert_prepare(s, "SELECT definition, version FROM matters"
	    " WHERE code = ?", NULL);
	if (st == NULL)
		return NULL;
	ecert_bind_text(st, 1, code);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (matter = json_loads((const char *)sqlite3_column_text(st, 0), 0,
	    NULL)) != NULL)
		json_object_set_new(matter, "version",
		    json_integer(sqlite3_column_int(st, 1)));
	sqlite3_finalize(st);
	return matter;
}

/* What ecert_license_verify says, best first: the one to name. */
static int
rank(const char *status)
{
	static const char *order[] = {
		"valid", "not-yet-valid", "suspended", "expired", "revoked",
		"invalid"
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (strcmp(status, order[i]) == 0)
			return (int)i;
	return -1;
}

struct found {
	char id[160], type[32], status[32], valid_until[11];
	int rank;		/* -1: nothing found */
};

/*
 * The holder's best license of one type: every version that is neither
 * superseded nor a draft is verified (signature, events, dates today),
 * and the best outcome kept; the newest wins a tie.
 */
static int
search_type(struct ecert_store *s, const char *hash, const char *holder,
    const char *type, struct found *best, struct ecert_error *e)
{
	sqlite3_stmt *st;
	json_t *ids = json_array(), *row;
	char status[32], why[256];
	size_t i;
	int rc, r;

	st = ecert_prepare(s, "SELECT id, valid_until FROM licenses"
	    " WHERE holder_hash = ?1 AND type = ?2"
	    " AND status NOT IN ('superseded', 'draft')"
	    " AND (?3 IS NULL OR holder_name = ?3)"
	    " ORDER BY issue_date DESC, id DESC", e);
	if (st == NULL) {
		json_decref(ids);
		return e->status;
	}
	ecert_bind_text(st, 1, hash);
	ecert_bind_text(st, 2, type);
	ecert_bind_text(st, 3, holder);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(ids, json_pack("{s:s, s:s?}", "id",
		    (const char *)sqlite3_column_text(st, 0), "valid_until",
		    (const char *)sqlite3_column_text(st, 1)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(ids);
		return ecert_sql_fail(s, e, rc, "licenses");
	}
	json_array_foreach(ids, i, row) {
		const char *id = ecert_json_str(row, "id");
		const char *until = ecert_json_str(row, "valid_until");

		rc = ecert_license_verify(s, id, status, sizeof(status), why,
		    sizeof(why), e);
		if (rc != 0 && rc != ECERT_NO) {
			json_decref(ids);
			return rc;
		}
		if ((r = rank(status)) == -1)
			continue;
		if (best->rank != -1 && r >= best->rank)
			continue;
		best->rank = r;
		snprintf(best->id, sizeof(best->id), "%s", id);
		snprintf(best->type, sizeof(best->type), "%s", type);
		snprintf(best->status, sizeof(best->status), "%s", status);
		snprintf(best->valid_until, sizeof(best->valid_until), "%s",
		    until ? until : "");
	}
	json_decref(ids);
	return 0;
}

static const char *
reason_of(const struct found *f)
{
	if (f->rank == -1)
		return "none";
	if (strcmp(f->status, "not-yet-valid") == 0)
		return "not yet valid";
	return f->status;
}

/*
 * Article 15 for one holder: each material of the matter, exempt or to be
 * submitted, and why.  Returns 0 when no required material marked exempt
 * must be submitted, ECERT_NO when one must (*results is filled for
 * both), or the status of a failure.  Messages never carry the ID number.
 */
int
ecert_matter_check(struct ecert_store *s, const json_t *matter,
    const char *holder_id, const char *holder, json_t **results,
    struct ecert_error *e)
{
	const char *code = ecert_json_str(matter, "code");
	const json_t *material, *types, *type;
	char id[20], hash[65];
	size_t i, k, n;
	int natural, nsubmit = 0, rc;

	*results = NULL;
	if (code == NULL || ecert_json_str(matter, "holder") == NULL)
		return ecert_fail(e, ECERT_IOERR, "matters: a stored "
		    "definition lacks its code or holder");
	natural = strcmp(ecert_json_str(matter, "holder"), "natural") == 0;
	n = strlen(holder_id);
	if (n != 18)
		goto bad_id;
	memcpy(id, holder_id, n + 1);
	if (natural && id[17] == 'x')
		id[17] = 'X';
	if (natural ? !ecert_citizen_id_valid(id) : !ecert_uscc_valid(id))
		goto bad_id;
	ecert_pii_hash(s, id, hash);
	*results = json_array();
	json_array_foreach(json_object_get(matter, "materials"), i,
	    material) {
		struct found best = { .rank = -1 };
		int marked = json_is_true(json_object_get(material, "exempt"));
		int required = json_is_true(json_object_get(material,
		    "required"));
		const char *outcome = "submit", *reason;
		json_t *row;

		types = json_object_get(material, "licenses");
		json_array_foreach(types, k, type) {
			rc = search_type(s, hash, holder,
			    json_string_value(type), &best, e);
			if (rc != 0) {
				json_decref(*results);
				*results = NULL;
				return rc;
			}
		}
		if (json_array_size(types) == 0)
			reason = "not replaceable";
		else if (!marked)
			reason = "not marked exempt";
		else if (best.rank == 0) {
			outcome = "exempt";
			reason = "valid";
		} else
			reason = reason_of(&best);
		if (marked && required && strcmp(outcome, "submit") == 0)
			nsubmit++;
		row = json_pack("{s:s, s:s, s:b, s:b, s:s, s:s}",
		    "material", ecert_json_str(material, "key"),
		    "name", ecert_json_str(material, "name"),
		    "required", required, "marked", marked,
		    "outcome", outcome, "reason", reason);
		json_object_set_new(row, "license", best.rank == -1 ?
		    json_null() : json_string(best.id));
		json_object_set_new(row, "type", best.rank == -1 ?
		    json_null() : json_string(best.type));
		json_object_set_new(row, "status", best.rank == -1 ?
		    json_null() : json_string(best.status));
		json_object_set_new(row, "valid_until",
		    best.rank == -1 || best.valid_until[0] == '\0' ?
		    json_null() : json_string(best.valid_until));
		json_array_append_new(*results, row);
	}
	if (nsubmit == 0)
		return 0;
	return ecert_fail(e, ECERT_NO, "matter %s: %d required material%s "
	    "marked exempt must be submitted", code, nsubmit,
	    nsubmit == 1 ? "" : "s");
bad_id:
	/* the value is not echoed: refusals are audited */
	return ecert_fail(e, ECERT_DATAERR, "--holder-id: not a valid %s "
	    "(the holder of matter %s is a %s person)", natural ?
	    "citizen ID number" : "unified social credit code", code,
	    natural ? "natural" : "legal");
}
