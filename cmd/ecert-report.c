/*
 * ecert-report: the supervision report of article 22, per department and
 * period, from the store and its audit log alone: JSON Lines, a table, or
 * a printable HTML page with its charts drawn in SVG.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static void
print_table(const json_t *rows)
{
	static const char *headers[] = { "ARTICLE", "UNIT", "NAME", "MEASURE",
	    "COUNT", "ITEMS" };
	struct ecert_table *t = ecert_table_new(6, headers);
	const json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		char count[32], *items;
		const char *cells[6];

		snprintf(count, sizeof(count), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(row, "count")));
		items = json_dumps(json_object_get(row, "items"), JSON_COMPACT);
		cells[0] = ecert_json_str(row, "article");
		cells[1] = ecert_json_str(row, "unit");
		cells[2] = ecert_json_str(row, "name");
		cells[3] = ecert_json_str(row, "measure");
		cells[4] = count;
		cells[5] = items && strcmp(items, "[]") != 0 ? items : "";
		ecert_table_add(t, cells);
		free(items);
	}
	ecert_table_done(t);
}

static int
write_html(const char *path, const struct ecert_report_opts *ro,
    const json_t *rows, struct ecert_error *e)
{
	char *tmp = NULL;
	FILE *fp = stdout;
	int rc;

	/* a report replaces the old one whole, never half written */
	if (strcmp(path, "-") != 0) {
		tmp = ecert_xasprintf("%s.tmp.%ld", path, (long)getpid());
		if ((fp = fopen(tmp, "w")) == NULL) {
			rc = ecert_fail(e, ECERT_IOERR, "%s: %s", tmp,
			    strerror(errno));
			free(tmp);
			return rc;
		}
	}
	rc = ecert_report_html(fp, ro, rows, e);
	if (tmp != NULL) {
		if (fclose(fp) != 0 && rc == 0)
			rc = ecert_fail(e, ECERT_IOERR, "%s: %s", tmp,
			    strerror(errno));
		if (rc == 0 && rename(tmp, path) != 0)
			rc = ecert_fail(e, ECERT_IOERR, "%s: %s", path,
			    strerror(errno));
		if (rc != 0)
			unlink(tmp);
		free(tmp);
	}
	return rc;
}

static struct ecert_report_opts ro = { NULL, NULL, NULL, NULL, 1, 365, 3,
    10 };
static const char *html;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_VAL("unit", 0, "uscc", &ro.unit, ECERT_VAL_UNIT,
	    "one department (the platform sees all)"),
	ECERT_OPT_STR("from", 0, "date", &ro.from, "the period's first day"),
	ECERT_OPT_STR("to", 0, "date", &ro.to, "its last day (default today)"),
	ECERT_OPT_STR("declared", 0, "file", &ro.declared,
	    "the departments' declared figures, to compare"),
	ECERT_OPT_NUM("late-days", 0, "n", &ro.late_days, 0, 3650,
	    "a license issued this many days after its date is late"),
	ECERT_OPT_NUM("stale-days", 0, "n", &ro.stale_days, 1, 36500,
	    "a catalog entry unchanged this long is stale"),
	ECERT_OPT_NUM("unusual", 0, "k", &ro.unusual, 1, 1000,
	    "uses over k times the usual count are unusual"),
	ECERT_OPT_NUM("items", 0, "n", &ro.items, 0, 100000,
	    "list at most n items per measure"),
	ECERT_OPT_STR("html", 0, "file", &html,
	    "write a printable HTML page with charts"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-report -k key [--unit uscc] [--from date] [--to date]",
	"             [--declared file] [--late-days n] [--stale-days n]",
	"             [--unusual k] [--items n] [--html file] "
	"[--json | --table]",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

static void
check_options(void)
{
	if (ro.unit != NULL && !ecert_uscc_valid(ro.unit))
		ecert_die(ECERT_USAGE, "--unit %s: not a unified social credit "
		    "code", ro.unit);
	if (ro.from != NULL && !ecert_date_valid(ro.from))
		ecert_die(ECERT_USAGE, "--from %s: not a date (YYYY-MM-DD)",
		    ro.from);
	if (ro.to != NULL && !ecert_date_valid(ro.to))
		ecert_die(ECERT_USAGE, "--to %s: not a date (YYYY-MM-DD)",
		    ro.to);
}

/* The figures the acting unit may see: the platform the city's, a
 * department its own. */
static json_t *
figures(struct ecert_store *s, const struct ecert_opts *o, char *unit,
    size_t n)
{
	struct ecert_actor a;
	struct ecert_error e;
	json_t *rows;

	ecert_opts_actor(s, o, &a);
	ecert_key_wipe(&a.key);
	snprintf(unit, n, "%s", a.unit);
	/* the platform sees the city; a department, its own figures */
	if (!(a.roles & ECERT_ROLE_ADMIN)) {
		if (ro.unit != NULL && strcmp(ro.unit, a.unit) != 0) {
			ecert_fail(&e, ECERT_NOPERM, "--unit %s: unit %s sees "
			    "its own figures only; the city's are the "
			    "platform's (article 22)", ro.unit, a.unit);
			ecert_audit_refusal(s, a.unit, "report.run", ro.unit,
			    &e);
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		ro.unit = unit;
	}
	if (ecert_report(s, &ro, &rows, &e) != 0) {
		ecert_audit_refusal(s, a.unit, "report.run", ro.unit ? ro.unit :
		    "city", &e);
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	return rows;
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_error e;
	char detail[200], unit[64];
	json_t *rows, *row;
	size_t i;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (argc != 0)
		ecert_usage();
	check_options();
	s = ecert_opts_store(&o);
	rows = figures(s, &o, unit, sizeof(unit));
	row = json_array_get(rows, 0);
	snprintf(detail, sizeof(detail), "%s to %s, %zu rows%s",
	    ro.from ? ro.from : "start", row ? ecert_json_str(row, "to") :
	    (ro.to ? ro.to : "today"), json_array_size(rows),
	    html ? ", html" : "");
	ecert_audit_access(s, unit, "report.run", ro.unit ? ro.unit : "city",
	    "ok", detail);
	ecert_store_close(s);
	if (html != NULL) {
		if (write_html(html, &ro, rows, &e) != 0) {
			json_decref(rows);
			ecert_die_error(&e);
		}
	} else if (ecert_want_table(o.json, o.table))
		print_table(rows);
	else
		json_array_foreach(rows, i, row)
			ecert_print_json(row);
	json_decref(rows);
	return 0;
}
