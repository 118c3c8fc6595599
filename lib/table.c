/* table.c: aligned tables for terminals (a Chinese character is two
 * columns wide) and the choice between a table and JSON Lines. */
#include <string.h>
#include <unistd.h>

#include "ecert_priv.h"

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
ecert_table_add(struct ecert_table *t, const char **cells)
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

		for (p = copy; *p; p++)
			if (*p == '\n' || *p == '\t')
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

int
ecert_want_table(int force_json, int force_table)
{
	if (force_json)
		return 0;
	if (force_table)
		return 1;
	return isatty(STDOUT_FILENO);
}
