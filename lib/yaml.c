/*
 * yaml.c: strict YAML, read by the catalog (catalog_yaml.c) and the
 * matters (matter.c).
 *
 * The reader walks libyaml's events against a field table, so nothing
 * the schema does not expect is ever built: an alias is refused when it
 * is seen and a wrong shape fails at its first event.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ecert_priv.h"

#define YAML_MAX_BYTES (1024 * 1024)

int
ecert_yaml_fail(struct ecert_yaml *y, const yaml_mark_t *mark,
    const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ecert_fail(y->e, ECERT_DATAERR, "%s:%lu:%lu: %s", y->path,
	    (unsigned long)mark->line + 1, (unsigned long)mark->column + 1,
	    why);
	return -1;
}

/* A short, printable copy of a scalar for messages, cut at a character. */
void
ecert_yaml_quote(char *out, size_t n, const char *s, size_t len)
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
syntax_error(struct ecert_yaml *y)
{
	yaml_parser_t *yp = &y->parser;

	if (yp->error == YAML_MEMORY_ERROR) {
		ecert_fail(y->e, ECERT_IOERR, "%s: out of memory", y->path);
		return -1;
	}
	if (yp->error == YAML_READER_ERROR) {
		/* the input was checked before, so this is unexpected */
		yaml_mark_t m = { 0, 0, 0 };

		return ecert_yaml_fail(y, &m, "%s at byte %lu", yp->problem ?
		    yp->problem : "unreadable input",
		    (unsigned long)yp->problem_offset);
	}
	if (yp->context != NULL)
		return ecert_yaml_fail(y, &yp->problem_mark,
		    "syntax error: %s (%s at line %lu, column %lu)",
		    yp->problem ? yp->problem : "unknown", yp->context,
		    (unsigned long)yp->context_mark.line + 1,
		    (unsigned long)yp->context_mark.column + 1);
	return ecert_yaml_fail(y, &yp->problem_mark, "syntax error: %s",
	    yp->problem ? yp->problem : "unknown");
}

/* The next event; anchors, aliases and tags stop the parse here. */
int
ecert_yaml_next(struct ecert_yaml *y)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;

	if (y->have_ev)
		yaml_event_delete(&y->ev);
	y->have_ev = 0;
	if (!yaml_parser_parse(&y->parser, &y->ev))
		return syntax_error(y);
	y->have_ev = 1;
	switch (y->ev.type) {
	case YAML_ALIAS_EVENT:
		return ecert_yaml_fail(y, &y->ev.start_mark,
		    "aliases are not allowed");
	case YAML_SCALAR_EVENT:
		anchor = y->ev.data.scalar.anchor;
		tag = y->ev.data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = y->ev.data.sequence_start.anchor;
		tag = y->ev.data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = y->ev.data.mapping_start.anchor;
		tag = y->ev.data.mapping_start.tag;
		break;
	default:
		break;
	}
	if (anchor != NULL)
		return ecert_yaml_fail(y, &y->ev.start_mark,
		    "anchors are not allowed");
	if (tag != NULL)
		return ecert_yaml_fail(y, &y->ev.start_mark,
		    "tags are not allowed");
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

const char *
ecert_yaml_shape(const yaml_event_t *ev)
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
int
ecert_yaml_want_string(struct ecert_yaml *y, const struct ecert_yaml_field *f,
    json_t **out)
{
	const yaml_event_t *ev = &y->ev;
	const char *s = (const char *)ev->data.scalar.value;
	size_t len, i, chars;
	char shown[64];

	if (ev->type != YAML_SCALAR_EVENT)
		return ecert_yaml_fail(y, &ev->start_mark,
		    "%s: expected a string, found %s", f->name,
		    ecert_yaml_shape(ev));
	if (is_null(ev))
		return ecert_yaml_fail(y, &ev->start_mark,
		    "%s: expected a string, found null", f->name);
	len = ev->data.scalar.length;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\t') {
			if (f->kind == ECERT_YAML_TEXT)
				continue;
			return ecert_yaml_fail(y, &ev->start_mark,
			    "%s: line breaks and tabs are not allowed",
			    f->name);
		}
		if (c < 0x20 || c == 0x7f)
			return ecert_yaml_fail(y, &ev->start_mark,
			    "%s: control character 0x%02x is not allowed",
			    f->name, c);
	}
	chars = ecert_utf8_chars(s);
	if ((long long)chars < f->lo || (long long)chars > f->hi) {
		ecert_yaml_quote(shown, sizeof(shown), s, len);
		return ecert_yaml_fail(y, &ev->start_mark,
		    "%s: \"%s\" has %zu characters, want %lld to %lld",
		    f->name, shown, chars, f->lo, f->hi);
	}
	if (f->check != NULL && f->check(y, s, &ev->start_mark) == -1)
		return -1;
	if ((*out = json_stringn(s, len)) == NULL)
		return ecert_yaml_fail(y, &ev->start_mark,
		    "%s: invalid string", f->name);
	return 0;
}

static int
want_bool(struct ecert_yaml *y, const struct ecert_yaml_field *f,
    json_t **out)
{
	const yaml_event_t *ev = &y->ev;
	char shown[64];

	if (is_plain_word(ev, "true"))
		*out = json_true();
	else if (is_plain_word(ev, "false"))
		*out = json_false();
	else if (ev->type != YAML_SCALAR_EVENT)
		return ecert_yaml_fail(y, &ev->start_mark,
		    "%s: expected true or false, found %s", f->name,
		    ecert_yaml_shape(ev));
	else {
		ecert_yaml_quote(shown, sizeof(shown),
		    (const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		return ecert_yaml_fail(y, &ev->start_mark,
		    "%s: expected true or false, found \"%s\"", f->name,
		    shown);
	}
	return 0;
}

/* Plain -?(0|[1-9][0-9]*): YAML 1.1 reads a leading zero as octal. */
static int
want_int(struct ecert_yaml *y, const struct ecert_yaml_field *f,
    json_t **out)
{
	const yaml_event_t *ev = &y->ev;
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length, i = 0;
	long long v;
	char shown[64];

	if (!is_plain(ev)) {
		if (ev->type == YAML_SCALAR_EVENT)
			goto bad;
		return ecert_yaml_fail(y, &ev->start_mark,
		    "%s: expected an integer, found %s", f->name,
		    ecert_yaml_shape(ev));
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
	ecert_yaml_quote(shown, sizeof(shown), s, len);
	return ecert_yaml_fail(y, &ev->start_mark,
	    "%s: expected an integer from %lld to %lld, found \"%s\"",
	    f->name, f->lo, f->hi, shown);
}

/*
 * Reads the mapping that starts at the current event into val[] and
 * mark[] (the mark of each value), by the field table.
 */
int
ecert_yaml_want_mapping(struct ecert_yaml *y, const char *what,
    const struct ecert_yaml_field *fields, size_t nfields, json_t **val,
    yaml_mark_t *mark)
{
	yaml_mark_t start = y->ev.start_mark;
	const struct ecert_yaml_field *f;
	unsigned long keyline[16];
	size_t i;
	char shown[64];
	int rc = -1;

	if (nfields > sizeof(keyline) / sizeof(keyline[0]))
		abort();
	if (y->ev.type != YAML_MAPPING_START_EVENT)
		return ecert_yaml_fail(y, &start,
		    "expected %s (a mapping), found %s", what,
		    ecert_yaml_shape(&y->ev));
	for (;;) {
		if (ecert_yaml_next(y) == -1)
			return -1;
		if (y->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if (y->ev.type != YAML_SCALAR_EVENT)
			return ecert_yaml_fail(y, &y->ev.start_mark,
			    "expected a key, found %s",
			    ecert_yaml_shape(&y->ev));
		f = NULL;
		for (i = 0; i < nfields; i++)
			if (y->ev.data.scalar.length ==
			    strlen(fields[i].name) &&
			    memcmp(y->ev.data.scalar.value, fields[i].name,
			    y->ev.data.scalar.length) == 0) {
				f = &fields[i];
				break;
			}
		if (f == NULL) {
			ecert_yaml_quote(shown, sizeof(shown),
			    (const char *)y->ev.data.scalar.value,
			    y->ev.data.scalar.length);
			return ecert_yaml_fail(y, &y->ev.start_mark,
			    "unknown key \"%s\" in %s", shown, what);
		}
		if (val[i] != NULL)
			return ecert_yaml_fail(y, &y->ev.start_mark,
			    "duplicate key \"%s\" (first at line %lu)",
			    f->name, keyline[i]);
		keyline[i] = (unsigned long)y->ev.start_mark.line + 1;
		if (ecert_yaml_next(y) == -1)
			return -1;
		mark[i] = y->ev.start_mark;
		switch (f->kind) {
		case ECERT_YAML_LINE:
		case ECERT_YAML_TEXT:
			rc = ecert_yaml_want_string(y, f, &val[i]);
			break;
		case ECERT_YAML_BOOL:
			rc = want_bool(y, f, &val[i]);
			break;
		case ECERT_YAML_INT:
			rc = want_int(y, f, &val[i]);
			break;
		case ECERT_YAML_OWN:
			rc = f->want(y, f, &val[i]);
			break;
		}
		if (rc == -1)
			return -1;
	}
	for (i = 0; i < nfields; i++)
		if (fields[i].required && val[i] == NULL)
			return ecert_yaml_fail(y, &start,
			    "%s: missing required key \"%s\"", what,
			    fields[i].name);
	return 0;
}

void
ecert_yaml_release(json_t **val, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		json_decref(val[i]);
		val[i] = NULL;
	}
}

/*
 * libyaml reports bad input bytes without a line, so the bytes are
 * checked first, with the characters YAML allows.
 */
static int
check_bytes(struct ecert_yaml *y, const unsigned char *s, size_t n)
{
	yaml_mark_t m = { 0, 0, 0 };
	size_t i = 0, len;
	uint32_t c;

	while (i < n) {
		if ((len = ecert_utf8_decode(s + i, n - i, &c)) == 0)
			return ecert_yaml_fail(y, &m, "invalid UTF-8");
		if (!(c == 0x09 || c == 0x0a || c == 0x0d ||
		    (c >= 0x20 && c <= 0x7e) || c == 0x85 ||
		    (c >= 0xa0 && c <= 0xd7ff) ||
		    (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000))
			return ecert_yaml_fail(y, &m, "control character "
			    "U+%04lX is not allowed", (unsigned long)c);
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
}

static int
read_file(struct ecert_yaml *y, unsigned char **buf, size_t *len)
{
	FILE *fp;
	size_t n;
	int saved;

	if (strcmp(y->path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(y->path, "rb")) == NULL) {
		ecert_fail(y->e, ECERT_IOERR, "%s: %s", y->path,
		    strerror(errno));
		return -1;
	}
	/* one byte more than allowed tells a full file from a long one */
	*buf = ecert_xmalloc(YAML_MAX_BYTES + 1);
	n = fread(*buf, 1, YAML_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		saved = errno;
		if (fp != stdin)
			fclose(fp);
		free(*buf);
		ecert_fail(y->e, ECERT_IOERR, "%s: %s", y->path,
		    strerror(saved));
		return -1;
	}
	if (fp != stdin)
		fclose(fp);
	if (n > YAML_MAX_BYTES) {
		yaml_mark_t m = { 0, 0, 0 };

		free(*buf);
		return ecert_yaml_fail(y, &m, "larger than %d bytes (1 MiB)",
		    YAML_MAX_BYTES);
	}
	*len = n;
	return 0;
}

/* Each document is one thing or a sequence of them. */
static int
want_document(struct ecert_yaml *y, const char *what,
    int (*want_one)(struct ecert_yaml *, json_t *), json_t *list)
{
	if (y->ev.type == YAML_MAPPING_START_EVENT)
		return want_one(y, list);
	if (y->ev.type != YAML_SEQUENCE_START_EVENT)
		return ecert_yaml_fail(y, &y->ev.start_mark, "expected %s "
		    "or a sequence of them, found %s", what,
		    ecert_yaml_shape(&y->ev));
	for (;;) {
		if (ecert_yaml_next(y) == -1)
			return -1;
		if (y->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (want_one(y, list) == -1)
			return -1;
	}
}

/*
 * Reads the file y->path ("-": stdin), at most 1 MiB, appending to list
 * what want_one reads from each mapping at the top of a document.
 */
int
ecert_yaml_read(struct ecert_yaml *y, const char *what,
    int (*want_one)(struct ecert_yaml *, json_t *), json_t *list)
{
	unsigned char *buf = NULL, *text;
	size_t len = 0;
	int rc = -1;

	y->have_ev = 0;
	if (read_file(y, &buf, &len) == -1)
		return -1;
	/* a byte order mark would shift libyaml's columns on line 1 */
	text = buf;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (check_bytes(y, text, len) == -1) {
		free(buf);
		return -1;
	}
	if (!yaml_parser_initialize(&y->parser)) {
		free(buf);
		ecert_fail(y->e, ECERT_IOERR, "%s: out of memory", y->path);
		return -1;
	}
	yaml_parser_set_input_string(&y->parser, text, len);
	yaml_parser_set_encoding(&y->parser, YAML_UTF8_ENCODING);
	if (ecert_yaml_next(y) == -1)
		goto done;
	for (;;) {
		if (ecert_yaml_next(y) == -1)
			goto done;
		if (y->ev.type == YAML_STREAM_END_EVENT)
			break;
		/* DOCUMENT-START, the root node, DOCUMENT-END */
		if (ecert_yaml_next(y) == -1 ||
		    want_document(y, what, want_one, list) == -1 ||
		    ecert_yaml_next(y) == -1)
			goto done;
	}
	rc = 0;
done:
	if (y->have_ev)
		yaml_event_delete(&y->ev);
	y->have_ev = 0;
	yaml_parser_delete(&y->parser);
	free(buf);
	return rc;
}

/*
 * A sequence at the current event of at most q->max elements, each read
 * by q->one at its first event into the list; *out the list.  An empty
 * one fails with q->empty when it is set.
 */
int
ecert_yaml_want_sequence(struct ecert_yaml *y, const struct ecert_yaml_field *f,
    const struct ecert_yaml_seq *q, json_t **out)
{
	yaml_mark_t start = y->ev.start_mark;
	json_t *list;

	if (y->ev.type != YAML_SEQUENCE_START_EVENT)
		return ecert_yaml_fail(y, &y->ev.start_mark,
		    "%s: expected a sequence of %s, found %s", f->name, q->of,
		    ecert_yaml_shape(&y->ev));
	list = json_array();
	for (;;) {
		if (ecert_yaml_next(y) == -1)
			break;
		if (y->ev.type == YAML_SEQUENCE_END_EVENT &&
		    json_array_size(list) == 0 && q->empty != NULL) {
			ecert_yaml_fail(y, &start, "%s", q->empty);
			break;
		}
		if (y->ev.type == YAML_SEQUENCE_END_EVENT) {
			*out = list;
			return 0;
		}
		if (json_array_size(list) == q->max) {
			ecert_yaml_fail(y, &y->ev.start_mark, "%s: more than "
			    "%zu %s", f->name, q->max, q->plural);
			break;
		}
		if (q->one(y, q->arg, list) == -1)
			break;
	}
	json_decref(list);
	return -1;
}

/*
 * One element of a sequence of mappings, arg a struct ecert_yaml_map:
 * read by its fields, made by its build, appended to list.
 */
int
ecert_yaml_want_map(struct ecert_yaml *y, const void *arg, json_t *list)
{
	const struct ecert_yaml_map *map = arg;
	yaml_mark_t start = y->ev.start_mark, mark[16];
	json_t *val[16] = { NULL }, *built = NULL;

	if (map->nfields > sizeof(val) / sizeof(val[0]))
		abort();
	if (ecert_yaml_want_mapping(y, map->what, map->fields, map->nfields,
	    val, mark) == 0 && (built = map->build(y, list, val, mark,
	    &start)) != NULL)
		json_array_append_new(list, built);
	ecert_yaml_release(val, map->nfields);
	return built != NULL ? 0 : -1;
}

/* Whether list holds v already. */
int
ecert_yaml_seen(const json_t *list, const json_t *v)
{
	size_t i;

	for (i = 0; i < json_array_size(list); i++)
		if (json_equal(json_array_get(list, i), v))
			return 1;
	return 0;
}

/* The code of one definition is not that of another in the same file. */
int
ecert_yaml_check_unique(struct ecert_yaml *y, const json_t *defs,
    const json_t *code, const yaml_mark_t *m, const char *what)
{
	const json_t *other;
	size_t i;

	json_array_foreach(defs, i, other)
		if (json_equal(json_object_get(other, "code"), code))
			return ecert_yaml_fail(y, m, "code: duplicate %s code "
			    "\"%s\" in this file", what,
			    json_string_value(code));
	return 0;
}

/*
 * Reads every definition of y->path into a list, each by want_one; NULL
 * when the file fails or holds none ("no matter in this file").
 */
json_t *
ecert_yaml_read_all(struct ecert_yaml *y, const char *what,
    int (*want_one)(struct ecert_yaml *, json_t *), const char *none)
{
	yaml_mark_t origin = { 0, 0, 0 };
	json_t *list = json_array();

	if (ecert_yaml_read(y, what, want_one, list) == -1)
		goto fail;
	if (json_array_size(list) > 0)
		return list;
	ecert_yaml_fail(y, &origin, "%s", none);
fail:
	json_decref(list);
	return NULL;
}

/* Checks that the schemas share: field names the field in messages. */
int
ecert_yaml_check_uscc(struct ecert_yaml *y, const char *field, const char *s,
    const yaml_mark_t *m)
{
	if (!ecert_uscc_valid(s))
		return ecert_yaml_fail(y, m, "%s: \"%s\" is not a unified "
		    "social credit code with a valid check character", field,
		    s);
	return 0;
}

int
ecert_yaml_check_type_code(struct ecert_yaml *y, const char *field,
    const char *s, const yaml_mark_t *m)
{
	if (!ecert_type_code_valid(s))
		return ecert_yaml_fail(y, m, "%s: \"%s\" is not a type code "
		    "(a unified social credit code with a valid check "
		    "character, then 3 digits)", field, s);
	return 0;
}

int
ecert_yaml_check_holder(struct ecert_yaml *y, const char *s,
    const yaml_mark_t *m)
{
	if (strcmp(s, "legal") != 0 && strcmp(s, "natural") != 0)
		return ecert_yaml_fail(y, m,
		    "holder: \"%s\" is not legal or natural", s);
	return 0;
}

/* A key of an item or a material: [a-z][a-z0-9_]{0,31}. */
int
ecert_yaml_check_key(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
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
	return ecert_yaml_fail(y, m, "key: \"%s\" is not [a-z][a-z0-9_]{0,31}",
	    s);
}
