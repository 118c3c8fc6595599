/* err.c: one way to report errors, `ecert-X: what failed: why`. */
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
}

void
ecert_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", ecert_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
ecert_die(int status, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", ecert_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
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
