/*
 * holiday.c: the working-day calendar that objection deadlines (article
 * 17) are counted in.  Monday to Friday are working days, except the
 * statutory holidays the State Council announces each year; a Saturday
 * or Sunday worked in their place (调休) is a working day.  The calendar
 * lives in the store, a year at a time, loaded by the platform unit from
 * files of one date a line (ecert(5)); a deadline that reaches a year the
 * store has no calendar for is not counted at all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ecert_priv.h"

/* 0 Sunday .. 6 Saturday: 1970-01-01 was a Thursday. */
static int
weekday(long days)
{
	return (int)(((days % 7) + 7 + 4) % 7);
}

static int
year_of(long days)
{
	char d[11];

	ecert_date_from_days(days, d);
	return atoi(d);
}

/* Whether the store holds the calendar of YEAR: 1 yes, 0 no, or -1 with
 * E set. */
static int
year_loaded(struct ecert_store *s, int year, struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(s, "SELECT 1 FROM holiday_years WHERE year = ?", e);
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, year);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	ecert_sql_fail(s, e, rc, "holidays");
	return -1;
}

int
ecert_working_days_add(struct ecert_store *s, const char *from, int n,
    char out[11], struct ecert_error *e)
{
	sqlite3_stmt *st;
	long d = ecert_date_days(from);
	int year = 0, rc, working;
	char day[11];

	out[0] = '\0';
	if (d < 0 || n < 0)
		return ecert_fail(e, ECERT_DATAERR, "cannot count %d working "
		    "days from %s", n, from);
	st = ecert_prepare(s, "SELECT kind FROM holidays WHERE day = ?", e);
	if (st == NULL)
		return e->status;
	while (n > 0) {
		d++;
		if (year_of(d) != year) {
			year = year_of(d);
			if ((rc = year_loaded(s, year, e)) != 1) {
				sqlite3_finalize(st);
				if (rc < 0)
					return e->status;
				return ecert_fail(e, ECERT_DATAERR, "cannot "
				    "count working days in %d: the store has "
				    "no holiday calendar for it (load the "
				    "State Council's with ecert-dispute "
				    "holidays load)", year);
			}
		}
		ecert_date_from_days(d, day);
		sqlite3_reset(st);
		ecert_bind_text(st, 1, day);
		working = weekday(d) != 0 && weekday(d) != 6;
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			working = strcmp((const char *)sqlite3_column_text(st,
			    0), "workday") == 0;
		else if (rc != SQLITE_DONE) {
			sqlite3_finalize(st);
			return ecert_sql_fail(s, e, rc, "holidays");
		}
		if (working)
			n--;
	}
	sqlite3_finalize(st);
	ecert_date_from_days(d, out);
	return 0;
}

struct day {
	char date[11], kind[8], note[200];
	const char *path;
	int line;
};

static int
by_date(const void *a, const void *b)
{
	return strcmp(((const struct day *)a)->date,
	    ((const struct day *)b)->date);
}

/* One line of a calendar file: DATE KIND [NOTE], or a comment or blank. */
static int
parse_line(char *line, const char *path, int lineno, struct day *out,
    int *got, struct ecert_error *e)
{
	char *p = line, *date, *kind, *note;
	size_t len = strlen(line);
	long days;

	*got = 0;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (!ecert_utf8_valid(line, len))
		return ecert_fail(e, ECERT_DATAERR, "%s:%d: invalid UTF-8",
		    path, lineno);
	p += strspn(p, " \t");
	if (*p == '\0' || *p == '#')
		return 0;
	date = p;
	p += strcspn(p, " \t");
	if (*p != '\0')
		*p++ = '\0';
	p += strspn(p, " \t");
	kind = p;
	p += strcspn(p, " \t");
	if (*p != '\0')
		*p++ = '\0';
	note = p + strspn(p, " \t");
	if (!ecert_date_valid(date))
		return ecert_fail(e, ECERT_DATAERR, "%s:%d: date: \"%s\" is not"
		    " a date (YYYY-MM-DD)", path, lineno, date);
	if (strcmp(kind, "holiday") != 0 && strcmp(kind, "workday") != 0)
		return ecert_fail(e, ECERT_DATAERR, "%s:%d: kind: \"%s\": "
		    "holiday or workday", path, lineno, kind);
	days = ecert_date_days(date);
	if (kind[0] == 'w' && weekday(days) != 0 && weekday(days) != 6)
		return ecert_fail(e, ECERT_DATAERR, "%s:%d: kind: %s is a "
		    "weekday, a working day already; a workday line names a "
		    "Saturday or Sunday worked (调休)", path, lineno, date);
	if (strlen(note) >= sizeof(out->note))
		return ecert_fail(e, ECERT_DATAERR, "%s:%d: note: longer than"
		    " %zu bytes", path, lineno, sizeof(out->note) - 1);
	for (p = note; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return ecert_fail(e, ECERT_DATAERR, "%s:%d: note: "
			    "control character", path, lineno);
	snprintf(out->date, sizeof(out->date), "%s", date);
	snprintf(out->kind, sizeof(out->kind), "%s", kind);
	snprintf(out->note, sizeof(out->note), "%s", note);
	out->path = path;
	out->line = lineno;
	*got = 1;
	return 0;
}

static int
read_files(char **paths, int npaths, struct day **out, size_t *nout,
    struct ecert_error *e)
{
	struct day *days = NULL, d;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t linecap = 0;
	int f, lineno, got, rc = 0;
	FILE *fp;

	for (f = 0; f < npaths && rc == 0; f++) {
		if ((fp = fopen(paths[f], "r")) == NULL) {
			rc = ecert_fail(e, ECERT_IOERR, "%s: %s", paths[f],
			    strerror(errno));
			break;
		}
		lineno = 0;
		while (rc == 0 && getline(&line, &linecap, fp) != -1) {
			lineno++;
			if ((rc = parse_line(line, paths[f], lineno, &d, &got,
			    e)) != 0 || !got)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				days = ecert_xrealloc(days, cap * sizeof(*days));
			}
			days[n++] = d;
		}
		if (rc == 0 && ferror(fp))
			rc = ecert_fail(e, ECERT_IOERR, "%s: %s", paths[f],
			    strerror(errno));
		fclose(fp);
	}
	free(line);
	if (rc == 0 && n == 0)
		rc = ecert_fail(e, ECERT_DATAERR, "%s: no dates", paths[0]);
	if (rc == 0) {
		size_t i;

		qsort(days, n, sizeof(*days), by_date);
		for (i = 1; i < n && rc == 0; i++)
			if (strcmp(days[i].date, days[i - 1].date) == 0)
				rc = ecert_fail(e, ECERT_DATAERR, "%s:%d: date:"
				    " %s already given at %s:%d", days[i].path,
				    days[i].line, days[i].date,
				    days[i - 1].path, days[i - 1].line);
	}
	if (rc != 0) {
		free(days);
		return rc;
	}
	*out = days;
	*nout = n;
	return 0;
}

static int
exec_year(struct ecert_store *s, const char *sql, int year,
    struct ecert_error *e)
{
	sqlite3_stmt *st = ecert_prepare(s, sql, e);
	int rc;

	if (st == NULL)
		return e->status;
	sqlite3_bind_int(st, 1, year);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ecert_sql_fail(s, e, rc, "holidays");
}

/* Each year the files name replaces the store's calendar of that year,
 * all years or none, each audited. */
/* Inserts the days [from, to) of one year, counting holidays and weekend
 * days worked. */
static int
days_insert(struct ecert_store *s, const struct day *days, size_t from,
    size_t to, int *holidays, int *workdays, struct ecert_error *e)
{
	sqlite3_stmt *st;
	size_t j;
	int rc;

	*holidays = *workdays = 0;
	st = ecert_prepare(s, "INSERT INTO holidays(day, kind, note)"
	    " VALUES (?, ?, ?)", e);
	if (st == NULL)
		return e->status;
	for (j = from; j < to; j++) {
		sqlite3_reset(st);
		ecert_bind_text(st, 1, days[j].date);
		ecert_bind_text(st, 2, days[j].kind);
		ecert_bind_text(st, 3, days[j].note[0] ? days[j].note : NULL);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return ecert_sql_fail(s, e, rc, "holidays");
		}
		if (days[j].kind[0] == 'h')
			(*holidays)++;
		else
			(*workdays)++;
	}
	sqlite3_finalize(st);
	return 0;
}

/* Loads the days [from, to) of one year in place of those there, with
 * who loaded them, when and from where, audited. */
static int
year_load(struct ecert_store *s, const struct ecert_actor *a,
    const struct day *days, size_t from, size_t to, const char *now,
    struct ecert_error *e)
{
	int year = atoi(days[from].date), holidays, workdays, rc;
	char obj[8], detail[300];
	sqlite3_stmt *st;

	if ((rc = exec_year(s, "DELETE FROM holidays WHERE day >= "
	    "printf('%04d-01-01', ?1) AND day <= printf('%04d-12-31',"
	    " ?1)", year, e)) != 0 ||
	    (rc = exec_year(s, "DELETE FROM holiday_years WHERE year ="
	    " ?", year, e)) != 0 ||
	    (rc = days_insert(s, days, from, to, &holidays, &workdays,
	    e)) != 0)
		return rc;
	st = ecert_prepare(s, "INSERT INTO holiday_years(year, "
	    "loaded_at, loaded_by, source) VALUES (?, ?, ?, ?)", e);
	if (st == NULL)
		return e->status;
	sqlite3_bind_int(st, 1, year);
	ecert_bind_text(st, 2, now);
	ecert_bind_text(st, 3, a->unit);
	ecert_bind_text(st, 4, days[from].path);
	if ((rc = ecert_step_once(s, st, "holidays", e)) != 0)
		return rc;
	snprintf(obj, sizeof(obj), "%d", year);
	snprintf(detail, sizeof(detail), "%d holidays, %d weekend "
	    "days worked, from %s", holidays, workdays, days[from].path);
	if ((rc = ecert_audit(s, a->unit, "holidays.load", obj, "ok",
	    detail)) != 0)
		return ecert_fail(e, rc, "holidays %d: not loaded: the "
		    "change cannot be audited", year);
	return 0;
}

int
ecert_holidays_load(struct ecert_store *s, const struct ecert_actor *a,
    char **paths, int npaths, int *nyears, struct ecert_error *e)
{
	struct day *days = NULL;
	size_t n = 0, i, j;
	char now[21];
	int rc = 0;

	*nyears = 0;
	if (!(a->roles & ECERT_ROLE_ADMIN))
		return ecert_fail(e, ECERT_NOPERM, "holidays: unit %s may not "
		    "load the calendar: only the platform (admin) unit may",
		    a->unit);
	if ((rc = read_files(paths, npaths, &days, &n, e)) != 0)
		return rc;
	ecert_now_iso(now);
	for (i = 0; rc == 0 && i < n; i = j) {
		for (j = i; j < n && atoi(days[j].date) == atoi(days[i].date);
		    j++)
			;
		if ((rc = year_load(s, a, days, i, j, now, e)) == 0)
			(*nyears)++;
	}
	free(days);
	return rc;
}

int
ecert_holidays_list(struct ecert_store *s, int year,
    int (*fn)(const char *day, const char *kind, const char *note,
    void *arg), void *arg, struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(s, "SELECT day, kind, note FROM holidays"
	    " WHERE ?1 = 0 OR substr(day, 1, 4) = printf('%04d', ?1)"
	    " ORDER BY day", e);
	if (st == NULL)
		return e->status;
	sqlite3_bind_int(st, 1, year);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn((const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2), arg);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "holidays");
	return 0;
}
