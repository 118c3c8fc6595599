/*
 * face.c: the printable license face (article 19).  A type's SVG template
 * from $ECERT_SHARE/templates, with its {{placeholders}} filled from a
 * signed license, the issuer's red seal and the QR code.
 *
 * Placeholders: id number type type_name version issue_date valid_from
 * valid_until (长期 when none) signed_at status holder.name holder.id
 * issuer.name issuer.code holder_label holder_id_label items.KEY label.KEY,
 * then the drawn ones: seal (centred on the origin, 160 across), qr (its
 * modules 100 by 100 from the origin, the white quiet zone of 4 modules
 * around them; a template scales it so that a module is 2 pixels or more
 * at 96 dpi) and status_mark (centred; only when not valid).
 * Filters, in order: |default:TEXT when empty, |date for 2019年03月18日,
 * |wrap:EMS or |wrap:EMS:LINES, last, inside a <text x="...">.  Braces
 * count anywhere in the file, comments included.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ecert_priv.h"

#define FACE_FONTS "Noto Sans CJK SC, WenQuanYi Zen Hei, SimSun, serif"
#define FACE_MAX_TEMPLATE (4 << 20)
#define FACE_LINE_HEIGHT "1.5em"
#define FACE_MORE "…（全文见电子证照）"

/* Until lib/ecert.h declares it. */
int ecert_face_svg(FILE *out, const json_t *type, const json_t *signed_doc,
    const char *status, const char *qr_svg, struct ecert_error *e);

struct buf {
	char *s;
	size_t len, cap;
};

struct face {
	const json_t *type, *doc;
	const char *status, *qr;
	const char *name;	/* template path, for messages */
	const char *text;	/* the template */
	struct buf out;
	struct ecert_error *e;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 16384;
		b->s = ecert_xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
buf_printf(struct buf *b, const char *fmt, ...)
{
	char small[256], *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		buf_add(b, small, (size_t)n);
		return;
	}
	big = ecert_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_add(b, big, (size_t)n);
	free(big);
}

/* Two decimals whatever LC_NUMERIC says: SVG wants a dot. */
static void
buf_num(struct buf *b, double v)
{
	long h = lround(fabs(v) * 100);

	buf_printf(b, "%s%ld.%02ld", v < 0 && h != 0 ? "-" : "", h / 100,
	    h % 100);
}

/* Bytes of the UTF-8 character at s; jansson strings are valid UTF-8. */
static size_t
char_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	size_t n, i;

	n = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	for (i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			return i;
	return n;
}

/* Width in half ems: ASCII half an em, everything else (CJK) one em. */
static int
char_width(const char *s)
{
	return (unsigned char)s[0] < 0x80 ? 1 : 2;
}

static int
str_width(const char *s)
{
	int w = 0;

	for (; *s != '\0'; s += char_len(s))
		w += char_width(s);
	return w;
}

static void
escape(struct buf *b, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *rep;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		rep = NULL;
		if (c == '&')
			rep = "&amp;";
		else if (c == '<')
			rep = "&lt;";
		else if (c == '>')
			rep = "&gt;";
		else if (c == '"')
			rep = "&quot;";
		else if (c == '\'')
			rep = "&#39;";
		else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f)
			rep = "";	/* not allowed in XML 1.0 */
		else if (c == 0xef && i + 2 < n && s[i + 1] == '\xbf' &&
		    (s[i + 2] == '\xbe' || s[i + 2] == '\xbf')) {
			buf_add(b, s + run, i - run);
			i += 2;		/* U+FFFE, U+FFFF: not XML either */
			run = i + 1;
			continue;
		}
		if (rep != NULL) {
			buf_add(b, s + run, i - run);
			buf_str(b, rep);
			run = i + 1;
		}
	}
	buf_add(b, s + run, n - run);
}

/* 1 when the n bytes at s are one of the marks. */
static int
is_mark(const char *const *marks, const char *s, size_t n)
{
	int i;

	for (i = 0; marks[i] != NULL; i++)
		if (strlen(marks[i]) == n && memcmp(marks[i], s, n) == 0)
			return 1;
	return 0;
}

/* Marks and units that never start a line. */
static int
is_closing(const char *s, size_t n)
{
	static const char *const marks[] = {
		"，", "。", "、", "；", "：", "！", "？", "）", "》", "」",
		"』", "”", "’", "】", "㎡", "％", "℃", ",", ".", ";", ":", "!",
		"?", ")", "%", NULL
	};

	return is_mark(marks, s, n);
}

static int
is_opening(const char *s, size_t n)
{
	static const char *const marks[] = {
		"（", "《", "「", "『", "“", "‘", "【", "(", NULL
	};

	return is_mark(marks, s, n);
}

static int
is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z') || c == '-' || c == '_' || c == '.' ||
	    c == '/' || c == '@';
}

struct line {
	size_t off, len;
};

/*
 * Lines of at most width half ems.  A line breaks anywhere except inside a
 * run of ASCII letters and digits that fits on a line; closing punctuation
 * hangs rather than start a line, opening punctuation moves on rather than
 * end one, and a newline always breaks.
 */
static size_t
wrap_lines(const char *s, int width, struct line **lines)
{
	size_t cap = 8, n = 0, i = 0, start = 0, word = 0, prev = 0, cut, k;
	int used = 0, word_used = 0, in_word = 0, w;

	*lines = ecert_xmalloc(cap * sizeof(**lines));
	for (;;) {
		int end = s[i] == '\0', hard = s[i] == '\n', soft = 0;

		if (!end && !hard) {
			k = char_len(s + i);
			w = char_width(s + i);
			if (!is_word(s[i]))
				in_word = 0;
			else if (!in_word) {
				in_word = 1;
				word = i;
				word_used = used;
			}
			soft = used + w > width && i > start &&
			    !is_closing(s + i, k);
			if (!soft) {
				used += w;
				prev = i;
				i += k;
				continue;
			}
		}
		cut = i;
		if (soft && in_word && word > start) {
			cut = word;	/* the word starts the next line */
			used -= word_used;
			word_used = 0;
		} else if (soft && prev > start &&
		    is_opening(s + prev, char_len(s + prev))) {
			cut = i = prev;
			used = 0;
		} else
			used = 0;
		if (n == cap)
			*lines = ecert_xrealloc(*lines,
			    (cap *= 2) * sizeof(**lines));
		(*lines)[n].off = start;
		(*lines)[n].len = cut - start;
		if (cut > start && s[cut - 1] == '\r')
			(*lines)[n].len--;
		n++;
		if (end)
			break;
		if (hard || cut == i) {
			if (hard)
				i++;
			while (!hard && s[i] == ' ')
				i++;
			in_word = 0;
			start = i;
		} else
			start = cut;
	}
	return n;
}

/* The x of the <text> element a placeholder sits in, for its line breaks. */
static int
text_x(struct face *f, size_t at, char *x, size_t xn)
{
	const char *t = f->text, *p, *q, *end;
	size_t i;

	for (i = at; i > 0; i--) {
		p = t + i - 1;
		if (strncmp(p, "<text", 5) == 0 &&
		    (p[5] == ' ' || p[5] == '\t' || p[5] == '\n' || p[5] == '\r'))
			break;
	}
	if (i == 0)
		return -1;
	p = t + i - 1;
	end = memchr(p, '>', at - (size_t)(p - t));
	if (end == NULL || memmem(end, at - (size_t)(end - t), "</text>", 7))
		return -1;
	for (q = p + 5; q + 3 < end; q++) {
		if ((q[0] == ' ' || q[0] == '\t' || q[0] == '\n') &&
		    strncmp(q + 1, "x=\"", 3) == 0) {
			const char *v = q + 4, *close = memchr(v, '"',
			    (size_t)(end - v));

			if (close == NULL || (size_t)(close - v) >= xn ||
			    close == v)
				return -1;
			memcpy(x, v, (size_t)(close - v));
			x[close - v] = '\0';
			return 0;
		}
	}
	return -1;
}

/*
 * Wrapped text as <tspan> lines.  With a line limit, the font shrinks in
 * steps down to 60%; what still does not fit is cut and points to the
 * electronic license, which the printout's QR code leads to.
 */
static void
emit_wrapped(struct buf *b, const char *s, const char *x, int width,
    int max_lines)
{
	static const int scales[] = { 100, 90, 80, 70, 60 };
	struct line *lines;
	size_t n, i, keep;
	int scale = 100, w = width * 2, cut = 0;
	size_t k;

	n = wrap_lines(s, w, &lines);
	for (k = 1; max_lines > 0 && n > (size_t)max_lines &&
	    k < sizeof(scales) / sizeof(scales[0]); k++) {
		free(lines);
		scale = scales[k];
		w = width * 2 * 100 / scale;
		n = wrap_lines(s, w, &lines);
	}
	keep = n;
	if (max_lines > 0 && n > (size_t)max_lines) {
		keep = (size_t)max_lines;
		cut = 1;
	}
	if (scale != 100)
		buf_printf(b, "<tspan font-size=\"%d%%\">", scale);
	for (i = 0; i < keep; i++) {
		size_t len = lines[i].len;

		buf_printf(b, "<tspan x=\"%s\" dy=\"%s\">", x,
		    i == 0 ? "0" : FACE_LINE_HEIGHT);
		if (cut && i + 1 == keep) {
			const char *more = str_width(FACE_MORE) <= w / 2 ?
			    FACE_MORE : "…";
			int room = w - str_width(more), used = 0;
			size_t j = 0;

			while (j < len && used + char_width(s +
			    lines[i].off + j) <= room) {
				used += char_width(s + lines[i].off + j);
				j += char_len(s + lines[i].off + j);
			}
			escape(b, s + lines[i].off, j);
			buf_str(b, more);
		} else
			escape(b, s + lines[i].off, len);
		buf_str(b, "</tspan>");
	}
	if (scale != 100)
		buf_str(b, "</tspan>");
	free(lines);
}

/* 2019-03-18 as 2019年03月18日, the way licenses print dates. */
static const char *
chinese_date(const char *s, char *out, size_t n)
{
	int y, m, d;

	if (!ecert_date_parse(s, &y, &m, &d))
		return s;
	snprintf(out, n, "%04d年%02d月%02d日", y, m, d);
	return out;
}

/*
 * The issuer's red seal, centred on the origin, 160 across: the ring, a
 * star, the issuer's name along the upper arc (each character turned to
 * face outward) and the use under the star.
 */
static void
emit_seal(struct buf *b, const char *issuer)
{
	const double pi = 3.14159265358979323846;
	const double ring = 76, inner = 70, maxspan = 240 * pi / 180;
	double font = 20, base = 0, step = 0, angle;
	size_t nchars = ecert_utf8_chars(issuer), i, k;
	const char *p;
	int j;

	for (; font >= 8; font -= 0.5) {
		base = inner - 0.88 * font;
		step = 1.1 * font / (base + 0.38 * font);
		if (nchars * step <= maxspan)
			break;
	}
	if (nchars > 0 && nchars * step < 150 * pi / 180)
		step = fmin(1.6 * step, 150 * pi / 180 / nchars);
	buf_str(b, "<g class=\"seal\" opacity=\"0.88\" fill=\"#d00\" "
	    "font-family=\"" FACE_FONTS "\" font-weight=\"bold\">");
	buf_printf(b, "<circle cx=\"0\" cy=\"0\" r=\"%d\" fill=\"none\" "
	    "stroke=\"#d00\" stroke-width=\"4\"/>", (int)ring);
	buf_str(b, "<polygon points=\"");
	for (j = 0; j < 10; j++) {
		double r = j % 2 ? 22 * 0.382 : 22;
		double a = -pi / 2 + j * pi / 5;

		buf_num(b, r * cos(a));
		buf_str(b, ",");
		buf_num(b, r * sin(a) - 4);
		buf_str(b, j < 9 ? " " : "\"/>");
	}
	buf_str(b, "<g font-size=\"");
	buf_num(b, font);
	buf_str(b, "\" text-anchor=\"middle\">");
	for (i = 0, p = issuer; *p != '\0'; i++, p += k) {
		k = char_len(p);
		angle = (-(double)nchars / 2 + i + 0.5) * step * 180 / pi;
		buf_str(b, "<text x=\"0\" y=\"");
		buf_num(b, -base);
		buf_str(b, "\" transform=\"rotate(");
		buf_num(b, angle);
		buf_str(b, ")\">");
		escape(b, p, k);
		buf_str(b, "</text>");
	}
	buf_str(b, "</g><text x=\"0\" y=\"46\" font-size=\"13\" "
	    "text-anchor=\"middle\">电子证照专用章</text></g>");
}

/* Across the face when the license is not in force at printing time. */
static void
emit_status_mark(struct buf *b, const char *status)
{
	if (status == NULL || strcmp(status, "valid") == 0)
		return;
	buf_str(b, "<g class=\"status-mark\" fill=\"#d00\" fill-opacity=\"0.3\" "
	    "font-family=\"" FACE_FONTS "\" font-weight=\"bold\" "
	    "text-anchor=\"middle\"><text x=\"0\" y=\"0\" font-size=\"96\">");
	escape(b, ecert_status_label(status), strlen(ecert_status_label(status)));
	buf_str(b, "</text><text x=\"0\" y=\"62\" font-size=\"28\">"
	    "本证照打印时不在有效状态，此件不作为有效证照使用</text></g>");
}

static const json_t *
type_item(const json_t *type, const char *key)
{
	const json_t *item;
	size_t i;

	json_array_foreach(json_object_get(type, "items"), i, item) {
		const char *k = ecert_json_str(item, "key");

		if (k != NULL && strcmp(k, key) == 0)
			return item;
	}
	return NULL;
}

static const char *
or_empty(const char *s)
{
	return s ? s : "";
}

/* The text of a plain placeholder, or NULL when there is no such name. */
static const char *
lookup(struct face *f, const char *name, char *tmp, size_t tmpn)
{
	static const char *doc_fields[] = {
		"number", "id", "type", "type_name", "issue_date", "valid_from",
		"signed_at", NULL
	};
	const json_t *holder = json_object_get(f->doc, "holder");
	const json_t *issuer = json_object_get(f->doc, "issuer");
	const json_t *item, *v;
	int i;

	for (i = 0; doc_fields[i] != NULL; i++)
		if (strcmp(name, doc_fields[i]) == 0)
			return or_empty(ecert_json_str(f->doc, name));
	if (strcmp(name, "holder.name") == 0)
		return or_empty(ecert_json_str(holder, "name"));
	if (strcmp(name, "holder.id") == 0)
		return or_empty(ecert_json_str(holder, "id"));
	if (strcmp(name, "issuer.name") == 0)
		return or_empty(ecert_json_str(issuer, "name"));
	if (strcmp(name, "issuer.code") == 0)
		return or_empty(ecert_json_str(issuer, "code"));
	if (strcmp(name, "valid_until") == 0) {
		const char *until = ecert_json_str(f->doc, "valid_until");
		return until ? until : "长期";
	}
	if (strcmp(name, "version") == 0) {
		v = json_object_get(f->doc, "version");
		if (!json_is_integer(v))
			return "";
		snprintf(tmp, tmpn, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return tmp;
	}
	if (strcmp(name, "status") == 0)
		return f->status ? ecert_status_label(f->status) : "";
	if (strcmp(name, "holder_label") == 0) {
		const char *l = ecert_json_str(f->type, "holder_label");
		return l ? l : "持证主体";
	}
	if (strcmp(name, "holder_id_label") == 0) {
		const char *l = ecert_json_str(f->type, "holder_id_label");
		return l ? l : "持证主体代码";
	}
	if (strncmp(name, "label.", 6) == 0) {
		if ((item = type_item(f->type, name + 6)) == NULL)
			return NULL;
		return or_empty(ecert_json_str(item, "label"));
	}
	if (strncmp(name, "items.", 6) == 0) {
		if (type_item(f->type, name + 6) == NULL)
			return NULL;
		v = json_object_get(json_object_get(f->doc, "items"), name + 6);
		if (json_is_integer(v)) {
			snprintf(tmp, tmpn, "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
			return tmp;
		}
		return json_is_string(v) ? json_string_value(v) : "";
	}
	return NULL;
}

static int
bad(struct face *f, size_t at, const char *fmt, const char *what)
{
	size_t i;
	int line = 1;
	char why[512];

	for (i = 0; i < at; i++)
		if (f->text[i] == '\n')
			line++;
	snprintf(why, sizeof(why), fmt, what);
	return ecert_fail(f->e, ECERT_DATAERR, "face template %s:%d: %s",
	    f->name, line, why);
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ')
		s++;
	for (end = s + strlen(s); end > s && end[-1] == ' '; end--)
		;
	*end = '\0';
	return s;
}

/* One {{name|filter|...}}: spec is its inside, at its offset. */
static int
placeholder(struct face *f, char *spec, size_t at)
{
	char *name, *filter, *next, tmp[64], date[64], x[32];
	const char *value, *dflt = NULL;
	int want_date = 0, width = 0, max_lines = 0, raw;
	long a, c;

	if ((filter = strchr(spec, '|')) != NULL)
		*filter++ = '\0';
	name = trim(spec);
	for (; filter != NULL; filter = next) {
		if ((next = strchr(filter, '|')) != NULL)
			*next++ = '\0';
		filter = trim(filter);
		if (strcmp(filter, "date") == 0)
			want_date = 1;
		else if (strncmp(filter, "default:", 8) == 0)
			dflt = filter + 8;
		else if (strncmp(filter, "wrap:", 5) == 0) {
			char *end;

			a = strtol(filter + 5, &end, 10);
			c = 0;
			if (*end == ':')
				c = strtol(end + 1, &end, 10);
			if (*end != '\0' || a < 2 || a > 1000 || c < 0 ||
			    c > 1000 || next != NULL)
				return bad(f, at, "bad filter \"%s\" (wrap:EMS "
				    "or wrap:EMS:LINES, and last)", filter);
			width = (int)a;
			max_lines = (int)c;
		} else
			return bad(f, at, "unknown filter \"%s\"", filter);
	}
	raw = strcmp(name, "seal") == 0 || strcmp(name, "qr") == 0 ||
	    strcmp(name, "status_mark") == 0;
	if (raw && (want_date || dflt || width))
		return bad(f, at, "{{%s}} takes no filter", name);
	if (strcmp(name, "seal") == 0) {
		emit_seal(&f->out, or_empty(ecert_json_str(json_object_get(
		    f->doc, "issuer"), "name")));
		return 0;
	}
	if (strcmp(name, "qr") == 0) {
		if (f->qr != NULL)
			buf_str(&f->out, f->qr);
		return 0;
	}
	if (strcmp(name, "status_mark") == 0) {
		emit_status_mark(&f->out, f->status);
		return 0;
	}
	if ((value = lookup(f, name, tmp, sizeof(tmp))) == NULL)
		return bad(f, at, "unknown placeholder {{%s}}", name);
	if (value[0] == '\0' && dflt != NULL)
		value = dflt;
	if (want_date)
		value = chinese_date(value, date, sizeof(date));
	if (width == 0) {
		escape(&f->out, value, strlen(value));
		return 0;
	}
	if (text_x(f, at, x, sizeof(x)) != 0)
		return bad(f, at, "{{%s|wrap}} is not inside a <text> element "
		    "with an x attribute", name);
	emit_wrapped(&f->out, value, x, width, max_lines);
	return 0;
}

static int
render(struct face *f)
{
	const char *t = f->text, *open, *close;
	char spec[256];
	size_t n;

	while ((open = strstr(t, "{{")) != NULL) {
		buf_add(&f->out, t, (size_t)(open - t));
		close = strstr(open + 2, "}}");
		n = close ? (size_t)(close - open - 2) : 0;
		if (close == NULL || n >= sizeof(spec) ||
		    memchr(open + 2, '\n', n) || memchr(open + 2, '<', n))
			return bad(f, (size_t)(open - f->text),
			    "unterminated placeholder%s", "");
		memcpy(spec, open + 2, n);
		spec[n] = '\0';
		if (placeholder(f, spec, (size_t)(open - f->text)) != 0)
			return f->e ? f->e->status : ECERT_DATAERR;
		t = close + 2;
	}
	buf_str(&f->out, t);
	return 0;
}

static char *
read_template(const char *path, struct ecert_error *e)
{
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		ecert_fail(e, ECERT_IOERR, "face template %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	buf_add(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (b.len + n > FACE_MAX_TEMPLATE) {
			ecert_fail(e, ECERT_DATAERR, "face template %s: larger "
			    "than %d bytes", path, FACE_MAX_TEMPLATE);
			goto fail;
		}
		buf_add(&b, chunk, n);
	}
	if (ferror(fp)) {
		ecert_fail(e, ECERT_IOERR, "face template %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (memchr(b.s, '\0', b.len) != NULL) {
		ecert_fail(e, ECERT_DATAERR, "face template %s: not text",
		    path);
		goto fail;
	}
	fclose(fp);
	return b.s;
fail:
	fclose(fp);
	free(b.s);
	return NULL;
}

int
ecert_face_svg(FILE *out, const json_t *type, const json_t *signed_doc,
    const char *status, const char *qr_svg, struct ecert_error *e)
{
	struct face f = { 0 };
	const char *name;
	char *path, *text;
	int rc;

	f.doc = json_object_get(signed_doc, "document");
	if (!json_is_object(f.doc))
		return ecert_fail(e, ECERT_DATAERR,
		    "face: not a signed license document");
	if (!json_is_object(type))
		return ecert_fail(e, ECERT_DATAERR, "face: license %s: no "
		    "catalog type", or_empty(ecert_json_str(f.doc, "id")));
	name = ecert_json_str(type, "template");
	if (name == NULL || name[0] == '\0')
		return ecert_fail(e, ECERT_DATAERR, "face: type %s has no "
		    "face template", or_empty(ecert_json_str(type, "code")));
	if (strchr(name, '/') != NULL || name[0] == '.')
		return ecert_fail(e, ECERT_DATAERR, "face: type %s: template "
		    "\"%s\" is not a file name",
		    or_empty(ecert_json_str(type, "code")), name);
	path = ecert_xasprintf("%s/templates/%s", ecert_share_dir(), name);
	if ((text = read_template(path, e)) == NULL) {
		free(path);
		return e ? e->status : ECERT_IOERR;
	}
	f.type = type;
	f.status = status;
	f.qr = qr_svg;
	f.name = path;
	f.text = text;
	f.e = e;
	rc = render(&f);
	free(text);
	free(path);
	if (rc == 0 && (fwrite(f.out.s, 1, f.out.len, out) != f.out.len ||
	    fflush(out) != 0))
		rc = ecert_fail(e, ECERT_IOERR, "face: write: %s",
		    strerror(errno));
	free(f.out.s);
	return rc;
}
