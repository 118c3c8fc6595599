/*
 * i18n.c: messages in the reader's language (GNU gettext, domain "ecert").
 *
 * Only what people read on stderr is translated.  A message a library
 * function makes (ecert_fail, ecert_whyf) stays English in its buffer,
 * because the same text goes into the audit log, JSON answers and HTTP
 * bodies, which must not depend on who ran the program; its translation
 * is remembered beside it, and ecert_warn and ecert_die, which alone
 * write to stderr, put the translations in place of the English texts
 * they find in what they print.
 *
 * The process keeps the "C" locale, so numbers, dates, character classes
 * and strerror(3) read the same for everyone; the reader's locale
 * (LC_ALL, LC_MESSAGES, LANG, then LANGUAGE as gettext(3) says) is a
 * locale object that only the translations use.
 *
 * The catalogs are found in $ECERT_LOCALEDIR, else beside the program
 * (../share/locale as `make install` lays them out, ../locale in the
 * build tree), else in the folder compiled in.
 */
#include <glob.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecert_priv.h"

#ifndef ECERT_LOCALEDIR
#define ECERT_LOCALEDIR "/usr/local/share/locale"
#endif

static pthread_once_t bound = PTHREAD_ONCE_INIT;
static char localedir[PATH_MAX];

/* a folder holding at least one catalog of ours */
static int
has_catalog(const char *dir)
{
	char *pattern = ecert_xasprintf("%s/*/LC_MESSAGES/ecert.mo", dir);
	glob_t g;
	int found = glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0;

	if (found)
		globfree(&g);
	free(pattern);
	return found;
}

const char *
ecert_locale_dir(void)
{
	static const char *beside[] = { "../share/locale", "../locale" };
	const char *env = getenv("ECERT_LOCALEDIR");
	char exe[PATH_MAX], *dir;
	size_t i;

	if (env != NULL && env[0] != '\0')
		return env;
	if (localedir[0] != '\0')
		return localedir;
	snprintf(localedir, sizeof(localedir), "%s", ECERT_LOCALEDIR);
	if (ecert_exe_dir(exe, sizeof(exe)) != 0)
		return localedir;
	for (i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
		dir = ecert_xasprintf("%s/%s", exe, beside[i]);
		if (has_catalog(dir) && realpath(dir, exe) != NULL) {
			snprintf(localedir, sizeof(localedir), "%s", exe);
			free(dir);
			break;
		}
		free(dir);
	}
	return localedir;
}

static locale_t reader;	/* the reader's messages, or 0: English */
static locale_t plain;	/* "C", whose strerror the buffers hold */

/* The messages' locale is C or POSIX: gettext(3) then reads no catalog
 * (and no LANGUAGE), so nothing need be looked up. */
static int
reads_english(void)
{
	static const char *order[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((v = getenv(order[i])) != NULL && v[0] != '\0')
			return strcmp(v, "C") == 0 || strcmp(v, "POSIX") == 0;
	return 1;
}

static void
bind_catalog(void)
{
	if (reads_english())
		return;
	bindtextdomain("ecert", ecert_locale_dir());
	bind_textdomain_codeset("ecert", "UTF-8");
	reader = newlocale(LC_MESSAGES_MASK | LC_CTYPE_MASK, "", (locale_t)0);
	plain = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (plain == (locale_t)0 && reader != (locale_t)0) {
		freelocale(reader);
		reader = (locale_t)0;
	}
}

/* Called by each program (from ecert_setprogname), or by the first
 * translation. */
void
ecert_locale_init(void)
{
	pthread_once(&bound, bind_catalog);
}

const char *
ecert_gettext(const char *msgid)
{
	const char *text;
	locale_t was;

	pthread_once(&bound, bind_catalog);
	if (reader == (locale_t)0 || msgid[0] == '\0')	/* "": the header */
		return msgid;
	was = uselocale(reader);
	text = dgettext("ecert", msgid);
	uselocale(was);
	return text;
}

/*
 * The English texts made lately and their translations, newest last.
 * A few dozen cover any message being printed: a message is printed
 * soon after it is made, even in a batch.
 */
#define REMEMBERED 64
static struct said {
	char *english;
	char *shown;
} said[REMEMBERED];
static size_t nsaid;
static pthread_mutex_t said_lock = PTHREAD_MUTEX_INITIALIZER;

static void
remember(const char *english, const char *shown)
{
	size_t i;

	if (strcmp(english, shown) == 0 || english[0] == '\0')
		return;
	pthread_mutex_lock(&said_lock);
	for (i = 0; i < nsaid; i++)
		if (strcmp(said[i].english, english) == 0)
			break;
	if (i < nsaid) {
		free(said[i].shown);
		said[i].shown = ecert_xstrdup(shown);
	} else {
		if (nsaid == REMEMBERED) {
			free(said[0].english);
			free(said[0].shown);
			memmove(&said[0], &said[1],
			    (REMEMBERED - 1) * sizeof(said[0]));
			nsaid--;
		}
		said[nsaid].english = ecert_xstrdup(english);
		said[nsaid].shown = ecert_xstrdup(shown);
		nsaid++;
	}
	pthread_mutex_unlock(&said_lock);
}

/*
 * buf gets fmt made in English; its translation, when the catalog has
 * one, is made from the same arguments and remembered for ecert_shown.
 */
void
ecert_vsay(char *buf, size_t n, const char *fmt, va_list ap)
{
	const char *tfmt = ecert_gettext(fmt);
	va_list aq;
	char *shown;

	/* the translation first: an argument may be buf itself */
	if (tfmt != fmt && strcmp(tfmt, fmt) != 0) {
		va_copy(aq, ap);
		if (vasprintf(&shown, tfmt, aq) < 0)
			shown = NULL;
		va_end(aq);
	} else
		shown = NULL;
	vsnprintf(buf, n, fmt, ap);
	if (shown != NULL) {
		remember(buf, shown);
		free(shown);
	}
}

int
ecert_whyf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ecert_vsay(buf, n, fmt, ap);
	va_end(ap);
	return (int)strlen(buf);
}

static int
longer_first(const void *a, const void *b)
{
	size_t la = strlen(((const struct said *)a)->english);
	size_t lb = strlen(((const struct said *)b)->english);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

/* every en in *text becomes shown */
static void
replace(char **text, const char *en, const char *shown)
{
	size_t pos = 0, el = strlen(en), sl = strlen(shown);
	char *at, *next;

	while ((at = strstr(*text + pos, en)) != NULL) {
		pos = (size_t)(at - *text);
		next = ecert_xmalloc(strlen(*text) - el + sl + 1);
		memcpy(next, *text, pos);
		memcpy(next + pos, shown, sl);
		strcpy(next + pos + sl, at + el);
		free(*text);
		*text = next;
		pos += sl;
	}
}

/* errno's words, English in the buffers, in the reader's language */
static char *
errno_shown(char *text)
{
	char en[256];
	int i;

	for (i = 1; i < 200; i++) {
		snprintf(en, sizeof(en), "%s", strerror_l(i, plain));
		if (strncmp(en, "Unknown error", 13) != 0 &&
		    strstr(text, en) != NULL)
			replace(&text, en, strerror_l(i, reader));
	}
	return text;
}

/*
 * text with the remembered English texts in it translated, longest
 * first, since a message may hold another one (a row's error names the
 * field's); the caller frees the result.
 */
char *
ecert_shown(const char *text)
{
	struct said sorted[REMEMBERED];
	char *out = ecert_xstrdup(text);
	size_t i, k;

	pthread_mutex_lock(&said_lock);
	k = nsaid;
	memcpy(sorted, said, k * sizeof(sorted[0]));
	qsort(sorted, k, sizeof(sorted[0]), longer_first);
	for (i = 0; i < k; i++)
		replace(&out, sorted[i].english, sorted[i].shown);
	pthread_mutex_unlock(&said_lock);
	return reader == (locale_t)0 ? out : errno_shown(out);
}
