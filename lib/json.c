/*
 * json.c: strict JSON input and the RFC 8785 (JCS) canonical form that
 * signatures are computed over.
 */
#include <stdlib.h>
#include <string.h>

#include "ecert_priv.h"

#define JSON_MAX_DEPTH 32

/*
 * Containers nest a few levels deeper in signed documents than in parsed
 * input; this bound only keeps a cyclic or absurd value off the stack.
 */
#define CANON_MAX_DEPTH 256

/*
 * Integers outside +-(2^53 - 1) are not exact as IEEE doubles, so another
 * JCS implementation would write them differently; refuse them.
 */
#define CANON_MAX_INT 9007199254740991LL

struct canon {
	char *buf;
	size_t len;
	size_t cap;
	int failed;
	int borrowed;	/* buf is the caller's: grown by copying */
};

struct member {
	const char *key;
	size_t keylen;
	json_t *value;
};

static void
put(struct canon *c, const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (c->failed)
		return;
	if (c->cap - c->len <= n) {
		cap = c->cap ? c->cap : 256;
		while (cap - c->len <= n)
			cap *= 2;
		if ((p = c->borrowed ? malloc(cap) : realloc(c->buf, cap)) ==
		    NULL) {
			c->failed = 1;
			return;
		}
		if (c->borrowed)
			memcpy(p, c->buf, c->len);
		c->borrowed = 0;
		c->buf = p;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

static void
puts_canon(struct canon *c, const char *s)
{
	put(c, s, strlen(s));
}

static void
put_string(struct canon *c, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7];
	size_t i, run;

	if (!ecert_utf8_valid(s, n)) {
		c->failed = 1;
		return;
	}
	put(c, "\"", 1);
	for (i = 0; i < n; i += run) {
		/* Copy everything that needs no escape in one go. */
		for (run = 0; i + run < n; run++) {
			unsigned char u = (unsigned char)s[i + run];

			if (u < 0x20 || u == '"' || u == '\\')
				break;
		}
		if (run > 0) {
			put(c, s + i, run);
			continue;
		}
		run = 1;
		switch (s[i]) {
		case '"':
			puts_canon(c, "\\\"");
			break;
		case '\\':
			puts_canon(c, "\\\\");
			break;
		case '\b':
			puts_canon(c, "\\b");
			break;
		case '\f':
			puts_canon(c, "\\f");
			break;
		case '\n':
			puts_canon(c, "\\n");
			break;
		case '\r':
			puts_canon(c, "\\r");
			break;
		case '\t':
			puts_canon(c, "\\t");
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[(unsigned char)s[i] >> 4];
			esc[5] = hex[(unsigned char)s[i] & 0xf];
			put(c, esc, 6);
			break;
		}
	}
	put(c, "\"", 1);
}

/* The next code point of valid UTF-8 as UTF-16 code units, high first. */
static size_t
next_utf16(const unsigned char *s, size_t n, unsigned *hi, unsigned *lo)
{
	unsigned long cp;
	size_t len, i;

	if (s[0] < 0x80) {
		len = 1;
		cp = s[0];
	} else if (s[0] < 0xe0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] < 0xf0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else {
		len = 4;
		cp = s[0] & 0x07;
	}
	if (len > n)
		len = n;
	for (i = 1; i < len; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	if (cp >= 0x10000) {
		cp -= 0x10000;
		*hi = 0xd800 + (unsigned)(cp >> 10);
		*lo = 0xdc00 + (unsigned)(cp & 0x3ff);
	} else {
		*hi = (unsigned)cp;
		*lo = 0;
	}
	return len;
}

/*
 * RFC 8785 3.2.3: member names compare as arrays of UTF-16 code units.
 * Up to the first byte of 0xee or more (U+E000 and above, where UTF-16
 * order and code point order part), that is the order of the UTF-8
 * bytes: only a difference at or past such a byte needs the slow way.
 */
static int
member_cmp(const void *a, const void *b)
{
	const struct member *ma = a, *mb = b;
	const unsigned char *sa = (const unsigned char *)ma->key;
	const unsigned char *sb = (const unsigned char *)mb->key;
	size_t na = ma->keylen, nb = mb->keylen, la, lb, i;
	unsigned ha, lo_a, hb, lo_b;

	for (i = 0; i < na && i < nb && sa[i] == sb[i] && sa[i] < 0xee; i++)
		;
	if (i == na || i == nb)
		return na == nb ? 0 : i == na ? -1 : 1;
	if (sa[i] < 0xee && sb[i] < 0xee)
		return sa[i] < sb[i] ? -1 : 1;
	while (i > 0 && (sa[i] & 0xc0) == 0x80)
		i--;		/* back to the code point's first byte */
	sa += i;
	sb += i;
	na -= i;
	nb -= i;
	while (na > 0 && nb > 0) {
		la = next_utf16(sa, na, &ha, &lo_a);
		lb = next_utf16(sb, nb, &hb, &lo_b);
		if (ha != hb)
			return ha < hb ? -1 : 1;
		/* Equal high units: both are pairs, or the same BMP point. */
		if (lo_a != lo_b)
			return lo_a < lo_b ? -1 : 1;
		sa += la;
		na -= la;
		sb += lb;
		nb -= lb;
	}
	if (na == nb)
		return 0;
	return na == 0 ? -1 : 1;
}

static void put_value(struct canon *, const json_t *, int);

/* An object, its members sorted by their keys' UTF-16 code units. */
static void
put_object(struct canon *c, const json_t *v, int depth)
{
	struct member few[24], *m;
	const char *key;
	json_t *value;
	size_t i, n;

	n = json_object_size(v);
	if (n <= sizeof(few) / sizeof(few[0]))
		m = few;	/* a license's objects: no allocation */
	else if ((m = calloc(n, sizeof(*m))) == NULL) {
		c->failed = 1;
		return;
	}
	i = 0;
	json_object_foreach((json_t *)v, key, value) {
		m[i].key = key;
		m[i].keylen = json_object_iter_key_len(
		    json_object_key_to_iter(key));
		m[i].value = value;
		i++;
	}
	n = i;
	qsort(m, n, sizeof(*m), member_cmp);
	put(c, "{", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			put(c, ",", 1);
		put_string(c, m[i].key, m[i].keylen);
		put(c, ":", 1);
		put_value(c, m[i].value, depth + 1);
	}
	put(c, "}", 1);
	if (m != few)
		free(m);
}

static void
put_array(struct canon *c, const json_t *v, int depth)
{
	size_t i, n = json_array_size(v);

	put(c, "[", 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			put(c, ",", 1);
		put_value(c, json_array_get(v, i), depth + 1);
	}
	put(c, "]", 1);
}

static void
put_integer(struct canon *c, const json_t *v)
{
	json_int_t iv = json_integer_value(v);
	char num[32];

	if (iv > CANON_MAX_INT || iv < -CANON_MAX_INT) {
		c->failed = 1;
		return;
	}
	snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, iv);
	puts_canon(c, num);
}

static void
put_value(struct canon *c, const json_t *v, int depth)
{
	if (c->failed)
		return;
	if (depth > CANON_MAX_DEPTH) {
		c->failed = 1;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		put_object(c, v, depth);
		break;
	case JSON_ARRAY:
		put_array(c, v, depth);
		break;
	case JSON_STRING:
		put_string(c, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		put_integer(c, v);
		break;
	case JSON_REAL:
		/*
		 * Licenses carry no fractions, and JCS's shortest round-trip
		 * form of a double (ECMAScript Number.prototype.toString) is
		 * easy to get subtly wrong; refuse to sign reals at all.
		 */
		c->failed = 1;
		break;
	case JSON_TRUE:
		puts_canon(c, "true");
		break;
	case JSON_FALSE:
		puts_canon(c, "false");
		break;
	case JSON_NULL:
		puts_canon(c, "null");
		break;
	default:
		c->failed = 1;
		break;
	}
}

char *
ecert_json_canonical(const json_t *v)
{
	struct canon c;

	if (v == NULL)
		return NULL;
	memset(&c, 0, sizeof(c));
	/* a license's document fits without growing the buffer */
	if (json_is_object(v) && (c.buf = malloc(2048)) != NULL)
		c.cap = 2048;
	put_value(&c, v, 1);
	if (c.failed || c.buf == NULL) {
		free(c.buf);
		return NULL;
	}
	return c.buf;
}

/*
 * The canonical form of v in buf (cap bytes) when it fits there, else
 * in memory of its own; *len its length.  NULL on error.  Free the
 * result when it is not buf.
 */
char *
ecert_json_canonical_buf(const json_t *v, char *buf, size_t cap,
    size_t *len)
{
	struct canon c;

	if (v == NULL || cap == 0)
		return NULL;
	memset(&c, 0, sizeof(c));
	c.buf = buf;
	c.cap = cap;
	c.borrowed = 1;
	put_value(&c, v, 1);
	if (c.failed || c.len == 0) {
		if (!c.borrowed)
			free(c.buf);
		return NULL;
	}
	*len = c.len;
	return c.buf;
}

/* 1-based offset of the first byte that is not UTF-8 (ecert_utf8_valid). */
static size_t
bad_utf8_at(const char *text, size_t n)
{
	size_t i = 0, len;

	while (i < n) {
		for (len = 1; len <= 4 && i + len <= n; len++)
			if (ecert_utf8_valid(text + i, len))
				break;
		if (len > 4 || i + len > n)
			break;
		i += len;
	}
	return i + 1;
}

/* Whether containers nest more than budget levels deep in v. */
static int
too_deep(const json_t *v, int budget)
{
	const char *key;
	json_t *value;
	size_t i;

	if (!json_is_object(v) && !json_is_array(v))
		return 0;
	if (budget == 0)
		return 1;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, value)
			if (too_deep(value, budget - 1))
				return 1;
	} else {
		json_array_foreach(v, i, value)
			if (too_deep(value, budget - 1))
				return 1;
	}
	return 0;
}

json_t *
ecert_json_parse(const char *text, size_t n, struct ecert_error *e)
{
	json_error_t jerr;
	json_t *v;
	size_t at;

	if (n > ECERT_MAX_LINE) {
		ecert_fail(e, ECERT_DATAERR, "JSON text longer than %d bytes",
		    ECERT_MAX_LINE);
		return NULL;
	}
	if (!ecert_utf8_valid(text, n)) {
		at = bad_utf8_at(text, n);
		if (at <= n && text[at - 1] == '\0')
			ecert_fail(e, ECERT_DATAERR, "NUL byte at byte %zu", at);
		else
			ecert_fail(e, ECERT_DATAERR,
			    "invalid UTF-8 at byte %zu", at);
		return NULL;
	}
	v = json_loadb(text, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	if (v == NULL) {
		/* jansson quotes the text near the fault; it may be an ID
		 * number, and refusals are audited, so it is cut */
		char *near = strstr(jerr.text, " near '");
		if (near != NULL)
			*near = '\0';
		ecert_fail(e, ECERT_DATAERR, "column %d: %s", jerr.column,
		    jerr.text);
		return NULL;
	}
	if (too_deep(v, JSON_MAX_DEPTH)) {
		json_decref(v);
		ecert_fail(e, ECERT_DATAERR,
		    "JSON nested deeper than %d levels", JSON_MAX_DEPTH);
		return NULL;
	}
	return v;
}

/* The canonical form of v, which is then released: for a message made
 * with json_pack at once.  NULL on error. */
char *
ecert_json_canonical_take(json_t *v)
{
	char *m = ecert_json_canonical(v);

	json_decref(v);
	return m;
}

/* Whether the member key of o is the string want. */
int
ecert_json_is(const json_t *o, const char *key, const char *want)
{
	const char *v = ecert_json_str(o, key);

	return v != NULL && strcmp(v, want) == 0;
}

const char *
ecert_json_str(const json_t *obj, const char *key)
{
	const json_t *v;

	if (!json_is_object(obj) || key == NULL)
		return NULL;
	v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}
