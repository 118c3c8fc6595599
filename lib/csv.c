/*
 * csv.c: RFC 4180 records, read as a stream: quoted fields, doubled
 * quotes, embedded newlines, CRLF or LF.  The raw bytes of each record are
 * kept for the rejects file; a record over ECERT_MAX_LINE is skipped to
 * the next line end and reported, so memory stays flat.
 */
#include <string.h>

#include "ecert_priv.h"

static void
raw_put(struct ecert_csv *c, int ch)
{
	if (c->rawlen + 2 > c->rawcap) {
		c->rawcap = c->rawcap ? c->rawcap * 2 : 4096;
		c->raw = ecert_xrealloc(c->raw, c->rawcap);
	}
	c->raw[c->rawlen++] = (char)ch;
}

static void
field_put(struct ecert_csv *c, int ch)
{
	if (c->buflen + 2 > c->bufcap) {
		c->bufcap = c->bufcap ? c->bufcap * 2 : 4096;
		c->buf = ecert_xrealloc(c->buf, c->bufcap);
	}
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

/* Returns 0 with a record, -1 at the end, or ECERT_DATAERR for a bad one
 * (c->line is its first line; reading goes on after it). */
int
ecert_csv_read(struct ecert_csv *c, struct ecert_error *e)
{
	int ch, quoted = 0, after_quote = 0, bad = 0, any = 0, over = 0;

	c->nfields = 0;
	c->nul_field = 0;
	c->crlf = 0;
	c->buflen = c->start = 0;
	c->rawlen = 0;
	c->line = c->next_line;
	/* past the limit nothing more is kept, but quotes are still
	 * followed, so that the record ends where it really ends */
	while ((ch = getc_unlocked(c->fp)) != EOF) {
		any = 1;
		/* a NUL would end the field's text where it stands */
		if (ch == '\0' && c->nul_field == 0)
			c->nul_field = c->nfields + 1;
		if (c->rawlen >= ECERT_MAX_LINE + 2)	/* room for CR LF */
			over = 1;
		if (!over)
			raw_put(c, ch);
		if (ch == '\n')
			c->next_line++;
		if (quoted) {
			if (ch == '"') {
				int next = getc_unlocked(c->fp);
				if (next == '"') {
					if (!over) {
						raw_put(c, next);
						field_put(c, '"');
					}
					continue;
				}
				if (next != EOF)
					ungetc(next, c->fp);
				quoted = 0;
				after_quote = 1;
				continue;
			}
			if (!over)
				field_put(c, ch);
			continue;
		}
		if (ch == '"' && c->buflen == c->start && !after_quote) {
			quoted = 1;
			continue;
		}
		if (ch == ',') {
			if (!over)
				field_end(c);
			after_quote = 0;
			continue;
		}
		if (ch == '\r')
			continue;
		if (ch == '\n')
			break;
		if (after_quote)
			bad = 1;
		if (!over)
			field_put(c, ch);
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
	if (c->rawlen > ECERT_MAX_LINE)
		over = 1;
	if (over)
		return ecert_fail(e, ECERT_DATAERR, "record longer than %d "
		    "bytes", ECERT_MAX_LINE);
	if (quoted)
		return ecert_fail(e, ECERT_DATAERR, "unterminated quoted field");
	if (bad)
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
