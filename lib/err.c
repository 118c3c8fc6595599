/*
 * err.c: one way to report errors, `ecert-X: what failed: why`, on stderr
 * in the reader's language (i18n.c); ecert_fail's message stays English.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecert_priv.h"

const char *ecert_progname = "ecert";

void
ecert_setprogname(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL)
		return;
	slash = strrchr(argv0, '/');
	ecert_progname = slash ? slash + 1 : argv0;
	ecert_locale_init();
}

/* fmt translated, the English messages in its arguments too */
static void
say(const char *fmt, va_list ap)
{
	char *text, *shown;

	fflush(stdout);
	if (vasprintf(&text, ecert_gettext(fmt), ap) < 0) {
		fprintf(stderr, "%s: %s\n", ecert_progname, fmt);
		return;
	}
	shown = ecert_shown(text);
	fprintf(stderr, "%s: %s\n", ecert_progname, shown);
	free(shown);
	free(text);
}

void
ecert_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

void
ecert_die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	exit(status);
}

void
ecert_die_error(const struct ecert_error *e)
{
	ecert_die(e->status ? e->status : ECERT_IOERR, "%s", e->msg);
}

int
ecert_fail(struct ecert_error *e, int status, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return status;
	e->status = status;
	va_start(ap, fmt);
	ecert_vsay(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return status;
}

void *
ecert_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		ecert_die(ECERT_IOERR, "malloc: %s", strerror(errno));
	return p;
}

void *
ecert_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		ecert_die(ECERT_IOERR, "realloc: %s", strerror(errno));
	return q;
}

char *
ecert_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		ecert_die(ECERT_IOERR, "strdup: %s", strerror(errno));
	return p;
}

char *
ecert_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		ecert_die(ECERT_IOERR, "vasprintf: %s", strerror(errno));
	return p;
}
