/* table.c: aligned tables for terminals (a Chinese character is two
 * columns wide) and the choice between a table and JSON Lines. */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ecert_priv.h"

/*
 * Display width, built in rather than wcwidth(3): the programs run as
 * often under LC_ALL=C (cron, scripts, the tests) as under zh_CN.UTF-8,
 * and a table must line up the same in both.  Two columns for the East
 * Asian Wide and Fullwidth characters of Unicode 14 (EastAsianWidth.txt,
 * W and F: CJK ideographs and punctuation, fullwidth forms, kana, Hangul,
 * emoji, with the unassigned code points between them and of planes 2 and
 * 3); none for the combining marks and invisible characters that pasted
 * Chinese text carries (zero-width space and joiner, byte order mark,
 * variation selectors, ideographic tone marks); one for the rest, the
 * ambiguous ones (·, “”, ①) included, as glibc's wcwidth says.
 */
struct range {
	uint32_t lo, hi;
};

static const struct range wide_ranges[] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a },
	{ 0x23e9, 0x23ec }, { 0x23f0, 0x23f0 }, { 0x23f3, 0x23f3 },
	{ 0x25fd, 0x25fe }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 },
	{ 0x267f, 0x267f }, { 0x2693, 0x2693 }, { 0x26a1, 0x26a1 },
	{ 0x26aa, 0x26ab }, { 0x26bd, 0x26be }, { 0x26c4, 0x26c5 },
	{ 0x26ce, 0x26ce }, { 0x26d4, 0x26d4 }, { 0x26ea, 0x26ea },
	{ 0x26f2, 0x26f3 }, { 0x26f5, 0x26f5 }, { 0x26fa, 0x26fa },
	{ 0x26fd, 0x26fd }, { 0x2705, 0x2705 }, { 0x270a, 0x270b },
	{ 0x2728, 0x2728 }, { 0x274c, 0x274c }, { 0x274e, 0x274e },
	{ 0x2753, 0x2755 }, { 0x2757, 0x2757 }, { 0x2795, 0x2797 },
	{ 0x27b0, 0x27b0 }, { 0x27bf, 0x27bf }, { 0x2b1b, 0x2b1c },
	{ 0x2b50, 0x2b50 }, { 0x2b55, 0x2b55 }, { 0x2e80, 0x303e },
	{ 0x3041, 0x3247 }, { 0x3250, 0x4dbf }, { 0x4e00, 0xa4c6 },
	{ 0xa960, 0xa97c }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfad9 },
	{ 0xfe10, 0xfe19 }, { 0xfe30, 0xfe6b }, { 0xff01, 0xff60 },
	{ 0xffe0, 0xffe6 }, { 0x16fe0, 0x1b2fb }, { 0x1f004, 0x1f004 },
	{ 0x1f0cf, 0x1f0cf }, { 0x1f18e, 0x1f18e }, { 0x1f191, 0x1f19a },
	{ 0x1f200, 0x1f320 }, { 0x1f32d, 0x1f335 }, { 0x1f337, 0x1f37c },
	{ 0x1f37e, 0x1f393 }, { 0x1f3a0, 0x1f3ca }, { 0x1f3cf, 0x1f3d3 },
	{ 0x1f3e0, 0x1f3f0 }, { 0x1f3f4, 0x1f3f4 }, { 0x1f3f8, 0x1f43e },
	{ 0x1f440, 0x1f440 }, { 0x1f442, 0x1f4fc }, { 0x1f4ff, 0x1f53d },
	{ 0x1f54b, 0x1f54e }, { 0x1f550, 0x1f567 }, { 0x1f57a, 0x1f57a },
	{ 0x1f595, 0x1f596 }, { 0x1f5a4, 0x1f5a4 }, { 0x1f5fb, 0x1f64f },
	{ 0x1f680, 0x1f6c5 }, { 0x1f6cc, 0x1f6cc }, { 0x1f6d0, 0x1f6d2 },
	{ 0x1f6d5, 0x1f6df }, { 0x1f6eb, 0x1f6ec }, { 0x1f6f4, 0x1f6fc },
	{ 0x1f7e0, 0x1f7f0 }, { 0x1f90c, 0x1f93a }, { 0x1f93c, 0x1f945 },
	{ 0x1f947, 0x1f9ff }, { 0x1fa70, 0x1faf6 }, { 0x20000, 0x3fffd }
};

static const struct range zero_ranges[] = {
	{ 0x0300, 0x036f }, { 0x1160, 0x11ff }, { 0x1ab0, 0x1aff },
	{ 0x1dc0, 0x1dff }, { 0x200b, 0x200f }, { 0x202a, 0x202e },
	{ 0x2060, 0x206f }, { 0x20d0, 0x20ff }, { 0x302a, 0x302d },
	{ 0x3099, 0x309a }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f },
	{ 0xfeff, 0xfeff }, { 0xe0000, 0xe007f }, { 0xe0100, 0xe01ef }
};

static int
in_ranges(uint32_t c, const struct range *r, size_t n)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c > r[mid].hi)
			lo = mid + 1;
		else if (c < r[mid].lo)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

static int
char_width(uint32_t c)
{
	if (in_ranges(c, zero_ranges, sizeof(zero_ranges) /
	    sizeof(zero_ranges[0])))
		return 0;
	return in_ranges(c, wide_ranges, sizeof(wide_ranges) /
	    sizeof(wide_ranges[0])) ? 2 : 1;
}

/* Invalid bytes count one column each, as a replacement mark would. */
size_t
ecert_utf8_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, len, width = 0;
	uint32_t c;

	if (s == NULL)
		return 0;
	n = strlen(s);
	while (n > 0) {
		if ((len = ecert_utf8_decode(u, n, &c)) == 0) {
			len = 1;
			width++;
		} else
			width += (size_t)char_width(c);
		u += len;
		n -= len;
	}
	return width;
}

struct ecert_table {
	int ncols;
	size_t nrows, cap;
	char **cells;		/* row-major, row 0 the headers */
	size_t *width;
};

struct ecert_table *
ecert_table_new(int ncols, const char **headers)
{
	struct ecert_table *t = ecert_xmalloc(sizeof(*t));

	t->ncols = ncols;
	t->nrows = 0;
	t->cap = 0;
	t->cells = NULL;
	t->width = calloc((size_t)ncols, sizeof(size_t));
	if (t->width == NULL)
		ecert_die(ECERT_IOERR, "calloc: out of memory");
	if (headers != NULL)
		ecert_table_add(t, headers);
	return t;
}

void
ecert_table_add(struct ecert_table *t, const char *const *cells)
{
	int i;
	size_t w;

	if ((t->nrows + 1) * (size_t)t->ncols > t->cap) {
		t->cap = (t->cap ? t->cap * 2 : 16 * (size_t)t->ncols);
		t->cells = ecert_xrealloc(t->cells, t->cap * sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++) {
		const char *c = cells[i] ? cells[i] : "";
		char *copy = ecert_xstrdup(c), *p;

		/* no line breaks, tabs or terminal escapes in a cell */
		for (p = copy; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = copy;
		w = ecert_utf8_width(copy);
		if (w > t->width[i])
			t->width[i] = w;
	}
	t->nrows++;
}

void
ecert_table_print(struct ecert_table *t, FILE *fp)
{
	size_t r, w;
	int i;

	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * (size_t)t->ncols +
			    (size_t)i];
			fputs(c, fp);
			if (i == t->ncols - 1)
				break;
			for (w = ecert_utf8_width(c); w < t->width[i] + 2; w++)
				fputc(' ', fp);
		}
		fputc('\n', fp);
	}
}

void
ecert_table_free(struct ecert_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->width);
	free(t);
}

/* The table on standard output, then freed; nothing when there is none
 * (the rows went out as JSON Lines). */
void
ecert_table_done(struct ecert_table *t)
{
	if (t == NULL)
		return;
	ecert_table_print(t, stdout);
	ecert_table_free(t);
}

int
ecert_want_table(int force_json, int force_table)
{
	if (force_json)
		return 0;
	if (force_table)
		return 1;
	return isatty(STDOUT_FILENO);
}
