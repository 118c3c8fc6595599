/*
 * csv.c: RFC 4180 records, read as a stream: quoted fields, doubled
 * quotes, embedded newlines, CRLF or LF.  The raw bytes of each record are
 * kept for the rejects file; a record over ECERT_MAX_LINE is skipped to
 * the next line end and reported, so memory stays flat.
 */
#include <string.h>

#include "ecert_priv.h"

/* Room for one more byte and a NUL in a buffer of len bytes. */
static void
room(char **buf, size_t *cap, size_t len)
{
	if (len + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		*buf = ecert_xrealloc(*buf, *cap);
	}
}

static void
raw_put(struct ecert_csv *c, int ch)
{
	room(&c->raw, &c->rawcap, c->rawlen);
	c->raw[c->rawlen++] = (char)ch;
}

static void
field_put(struct ecert_csv *c, int ch)
{
	room(&c->buf, &c->bufcap, c->buflen);
	c->buf[c->buflen++] = (char)ch;
}

static void
field_end(struct ecert_csv *c)
{
	if (c->nfields == c->capfields) {
		c->capfields = c->capfields ? c->capfields * 2 : 32;
		c->offsets = ecert_xrealloc(c->offsets,
		    c->capfields * sizeof(size_t));
	}
	field_put(c, '\0');
	c->offsets[c->nfields++] = c->start;
	c->start = c->buflen;
}

/* Where the reading of a record stands.  Past the limit (over) nothing
 * more is kept, but quotes are still followed, so that the record ends
 * where it really ends. */
struct scan {
	int quoted, after_quote, bad, over;
};

/* A byte in a quoted field: a doubled quote is one, a single one ends
 * the quoting. */
static void
scan_quoted(struct ecert_csv *c, struct scan *sc, int ch)
{
	int next;

	if (ch != '"') {
		if (!sc->over)
			field_put(c, ch);
		return;
	}
	next = getc_unlocked(c->fp);
	if (next == '"') {
		if (!sc->over) {
			raw_put(c, next);
			field_put(c, '"');
		}
		return;
	}
	if (next != EOF)
		ungetc(next, c->fp);
	sc->quoted = 0;
	sc->after_quote = 1;
}

/* Takes one byte of the record: 1 at its end. */
static int
scan_byte(struct ecert_csv *c, struct scan *sc, int ch)
{
	/* a NUL would end the field's text where it stands */
	if (ch == '\0' && c->nul_field == 0)
		c->nul_field = c->nfields + 1;
	if (c->rawlen >= ECERT_MAX_LINE + 2)	/* room for CR LF */
		sc->over = 1;
	if (!sc->over)
		raw_put(c, ch);
	if (ch == '\n')
		c->next_line++;
	if (sc->quoted) {
		scan_quoted(c, sc, ch);
		return 0;
	}
	if (ch == '"' && c->buflen == c->start && !sc->after_quote) {
		sc->quoted = 1;
		return 0;
	}
	if (ch == ',') {
		if (!sc->over)
			field_end(c);
		sc->after_quote = 0;
		return 0;
	}
	if (ch == '\r')
		return 0;
	if (ch == '\n')
		return 1;
	if (sc->after_quote)
		sc->bad = 1;
	if (!sc->over)
		field_put(c, ch);
	return 0;
}

/* Returns 0 with a record, -1 at the end, or ECERT_DATAERR for a bad one
 * (c->line is its first line; reading goes on after it). */
int
ecert_csv_read(struct ecert_csv *c, struct ecert_error *e)
{
	struct scan sc = { 0, 0, 0, 0 };
	int ch, any = 0;

	c->nfields = 0;
	c->nul_field = 0;
	c->crlf = 0;
	c->buflen = c->start = 0;
	c->rawlen = 0;
	c->line = c->next_line;
	while ((ch = getc_unlocked(c->fp)) != EOF) {
		any = 1;
		if (scan_byte(c, &sc, ch))
			break;
	}
	if (!any)
		return -1;
	field_end(c);
	c->raw[c->rawlen] = '\0';
	if (c->rawlen > 0 && c->raw[c->rawlen - 1] == '\n')
		c->raw[--c->rawlen] = '\0';
	if (c->rawlen > 0 && c->raw[c->rawlen - 1] == '\r') {
		c->raw[--c->rawlen] = '\0';
		c->crlf = 1;
	}
	if (sc.over || c->rawlen > ECERT_MAX_LINE)
		return ecert_fail(e, ECERT_DATAERR, "record longer than %d "
		    "bytes", ECERT_MAX_LINE);
	if (sc.quoted)
		return ecert_fail(e, ECERT_DATAERR, "unterminated quoted field");
	if (sc.bad)
		return ecert_fail(e, ECERT_DATAERR, "text after a closing "
		    "quote");
	if (c->nul_field != 0)
		return ecert_fail(e, ECERT_DATAERR, "field %zu: NUL byte",
		    c->nul_field);
	return 0;
}

const char *
ecert_csv_field(const struct ecert_csv *c, size_t i)
{
	return i < c->nfields ? c->buf + c->offsets[i] : NULL;
}

void
ecert_csv_free(struct ecert_csv *c)
{
	free(c->raw);
	free(c->buf);
	free(c->offsets);
	memset(c, 0, sizeof(*c));
}
