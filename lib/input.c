/*
 * input.c: readers take identifiers or JSON Lines, one per line.  A line
 * longer than ECERT_MAX_LINE is skipped and reported, never buffered
 * whole, so memory stays flat whatever comes in.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "ecert_priv.h"

/* Where UTF-8 goes wrong first (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF). */
static size_t
utf8_bad_at(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4, cp = s[i] & 0x07;
		else
			return i;
		if (i + len > n)
			return i;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 &&
		    cp <= 0xdfff))) || (len == 4 && (cp < 0x10000 ||
		    cp > 0x10ffff)))
			return i;
		i += len;
	}
	return n ? n - 1 : 0;
}

/* The converter from --encoding to UTF-8 into *cd; (iconv_t)-1 when the
 * input is UTF-8 already (none given).  ECERT_USAGE for an encoding iconv
 * does not know. */
int
ecert_encoding_open(const char *encoding, iconv_t *cd, struct ecert_error *e)
{
	*cd = (iconv_t)-1;
	if (encoding != NULL && strcasecmp(encoding, "UTF-8") != 0 &&
	    (*cd = iconv_open("UTF-8", encoding)) == (iconv_t)-1)
		return ecert_fail(e, ECERT_USAGE, "--encoding %s: %s",
		    encoding, strerror(errno));
	return 0;
}

/* A CSV reader on fp, its first record (the header) read: what
 * ecert_csv_read returns, -1 for an empty file. */
int
ecert_csv_header(struct ecert_csv *c, FILE *fp, struct ecert_error *e)
{
	memset(c, 0, sizeof(*c));
	c->fp = fp;
	c->next_line = 1;
	return ecert_csv_read(c, e);
}

/*
 * Converts a field or line of an input file to UTF-8 with cd (opened for
 * encoding), or checks that it is UTF-8 when cd is (iconv_t)-1; NULL with
 * e on a bad byte, naming it and where.  Import and reconcile read the
 * same exports through it.
 */
char *
ecert_to_utf8(iconv_t cd, const char *encoding, const char *in, size_t n,
    struct ecert_error *e)
{
	char *out, *op, *ip = (char *)in;
	size_t cap, il = n, ol;

	if (cd == (iconv_t)-1) {
		if (!ecert_utf8_valid(in, n)) {
			size_t at = utf8_bad_at((const unsigned char *)in, n);
			ecert_fail(e, ECERT_DATAERR, "invalid UTF-8 (byte 0x%02X "
			    "at offset %zu); an export saved by a spreadsheet "
			    "in China is often GB18030: try --encoding GB18030",
			    (unsigned char)in[at], at);
			return NULL;
		}
		out = ecert_xmalloc(n + 1);
		memcpy(out, in, n);
		out[n] = '\0';
		return out;
	}
	cap = n * 2 + 1;
	out = op = ecert_xmalloc(cap);
	ol = cap - 1;
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
		ecert_fail(e, ECERT_DATAERR, "invalid %s byte at offset %zu",
		    encoding, (size_t)(ip - in));
		free(out);
		return NULL;
	}
	*op = '\0';
	return out;
}

/* Returns 0 with a line, -1 at the end, or an exit status for a bad line
 * (the reader is then positioned at the next line). */
int
ecert_read_line(struct ecert_reader *r, char **line, size_t *len,
    struct ecert_error *e)
{
	size_t n = 0;
	int c, toolong = 0;

	if (r->buf == NULL) {
		r->cap = 4096;
		r->buf = ecert_xmalloc(r->cap);
	}
	while ((c = getc_unlocked(r->fp)) != EOF) {
		if (c == '\n')
			break;
		if (toolong)
			continue;
		if (n >= ECERT_MAX_LINE) {
			toolong = 1;
			continue;
		}
		if (n + 2 > r->cap) {
			r->cap *= 2;
			if (r->cap > ECERT_MAX_LINE + 2)
				r->cap = ECERT_MAX_LINE + 2;
			r->buf = ecert_xrealloc(r->buf, r->cap);
		}
		r->buf[n++] = (char)c;
	}
	if (c == EOF && n == 0 && !toolong) {
		if (ferror(r->fp))
			return ecert_fail(e, ECERT_IOERR, "%s: read error",
			    r->name);
		return -1;
	}
	r->line++;
	if (toolong) {
		/* keep a little buffer for the next lines */
		free(r->buf);
		r->buf = NULL;
		return ecert_fail(e, ECERT_DATAERR, "line longer than %d bytes",
		    ECERT_MAX_LINE);
	}
	r->crlf = n > 0 && r->buf[n - 1] == '\r';
	if (r->crlf)
		n--;
	r->buf[n] = '\0';
	/* a file saved by Windows tools may start with a byte-order mark */
	if (r->line == 1 && n >= 3 && memcmp(r->buf, "\xef\xbb\xbf", 3) == 0) {
		memmove(r->buf, r->buf + 3, n - 3 + 1);
		n -= 3;
	}
	*line = r->buf;
	*len = n;
	if (memchr(r->buf, '\0', n) != NULL)
		return ecert_fail(e, ECERT_DATAERR, "NUL byte in line");
	return 0;
}

void
ecert_reader_free(struct ecert_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

int
ecert_id_from_line(const char *line, size_t len, char *id, size_t n,
    struct ecert_error *e)
{
	const char *v;
	char why[128];
	json_t *o;

	while (len > 0 && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len > 0 && *line == '{') {
		if ((o = ecert_json_parse(line, len, e)) == NULL)
			return e->status;
		v = ecert_json_str(o, "id");
		if (v == NULL) {
			json_decref(o);
			return ecert_fail(e, ECERT_DATAERR, "field id: "
			    "required");
		}
		snprintf(id, n, "%s", v);
		json_decref(o);
	} else {
		if (len >= n)
			return ecert_fail(e, ECERT_DATAERR, "not a license "
			    "identifier");
		memcpy(id, line, len);
		id[len] = '\0';
	}
	if (!ecert_identifier_valid(id))
		return ecert_fail(e, ECERT_DATAERR, "%s: not a license "
		    "identifier (1.2.156.3005.2...): %s", id,
		    ecert_identifier_why(id, why, sizeof(why)));
	return 0;
}

void
ecert_ids_init(struct ecert_ids *it, int argc, char **argv)
{
	memset(it, 0, sizeof(*it));
	it->argc = argc;
	it->argv = argv;
	it->r.fp = stdin;
	it->r.name = "<stdin>";
}

/*
 * The identifiers a reader works on: its arguments, or with none, one a
 * line from standard input (a plain identifier or a JSON object with
 * "id").  Returns 0 with one, -1 at the end, or the status of a bad one
 * (e says which line, and why).
 */
int
ecert_ids_next(struct ecert_ids *it, char *id, size_t n, struct ecert_error *e)
{
	char *line, msg[sizeof(e->msg)];
	size_t len;
	int rc;

	if (it->argc > 0) {
		if (it->i >= it->argc)
			return -1;
		it->i++;
		return ecert_id_from_line(it->argv[it->i - 1],
		    strlen(it->argv[it->i - 1]), id, n, e);
	}
	do {
		rc = ecert_read_line(&it->r, &line, &len, e);
	} while (rc == 0 && len == 0);
	if (rc == -1)
		return -1;
	if (rc == 0)
		rc = ecert_id_from_line(line, len, id, n, e);
	if (rc != 0 && rc != ECERT_IOERR) {
		snprintf(msg, sizeof(msg), "%s", e->msg);
		ecert_fail(e, rc, "%s:%ld: %s", it->r.name, it->r.line, msg);
	}
	return rc;
}

void
ecert_ids_free(struct ecert_ids *it)
{
	ecert_reader_free(&it->r);
}
