/*
 * ecert-report: the supervision report of article 22, per department and
 * period, from the store and its audit log alone: JSON Lines, a table, or
 * a printable HTML page with its charts drawn in SVG.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "ecert.h"

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: ecert-report -k key [--unit uscc] [--from date] [--to date]"
	    "\n"
	    "                    [--declared file] [--late-days n] "
	    "[--stale-days n]\n"
	    "                    [--unusual k] [--items n] [--html file] "
	    "[--json | --table]\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file]\n");
	exit(status);
}

static long
number(const char *opt, const char *arg, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		ecert_die(ECERT_USAGE, "%s %s: a whole number from %ld to %ld",
		    opt, arg, lo, hi);
	return v;
}

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
	ecert_table_print(t, stdout);
	ecert_table_free(t);
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

int
main(int argc, char *argv[])
{
	enum { OPT_UNIT = ECERT_OPT_FIRST_OWN, OPT_FROM, OPT_TO, OPT_DECLARED,
	    OPT_LATE, OPT_STALE, OPT_UNUSUAL, OPT_ITEMS, OPT_HTML };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "declared", required_argument, NULL, OPT_DECLARED },
		{ "late-days", required_argument, NULL, OPT_LATE },
		{ "stale-days", required_argument, NULL, OPT_STALE },
		{ "unusual", required_argument, NULL, OPT_UNUSUAL },
		{ "items", required_argument, NULL, OPT_ITEMS },
		{ "html", required_argument, NULL, OPT_HTML },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_report_opts ro = { NULL, NULL, NULL, NULL, 1, 365, 3,
	    10 };
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	const char *html = NULL;
	char detail[200];
	json_t *rows, *row;
	size_t i;
	int c;

	ecert_setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "d:k:h", longopts, NULL)) != -1) {
		if (c == 'h')
			usage(stdout, 0);
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_UNIT:
			if (!ecert_uscc_valid(optarg))
				ecert_die(ECERT_USAGE, "--unit %s: not a unified"
				    " social credit code", optarg);
			ro.unit = optarg;
			break;
		case OPT_FROM:
		case OPT_TO:
			if (!ecert_date_valid(optarg))
				ecert_die(ECERT_USAGE, "--%s %s: not a date "
				    "(YYYY-MM-DD)", c == OPT_FROM ? "from" :
				    "to", optarg);
			if (c == OPT_FROM)
				ro.from = optarg;
			else
				ro.to = optarg;
			break;
		case OPT_DECLARED: ro.declared = optarg; break;
		case OPT_LATE:
			ro.late_days = (int)number("--late-days", optarg, 0,
			    3650);
			break;
		case OPT_STALE:
			ro.stale_days = (int)number("--stale-days", optarg, 1,
			    36500);
			break;
		case OPT_UNUSUAL:
			ro.unusual = (int)number("--unusual", optarg, 1, 1000);
			break;
		case OPT_ITEMS:
			ro.items = (int)number("--items", optarg, 0, 100000);
			break;
		case OPT_HTML: html = optarg; break;
		default:
			usage(stderr, ECERT_USAGE);
		}
	}
	if (optind != argc)
		usage(stderr, ECERT_USAGE);
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	ecert_key_wipe(&a.key);
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
		ro.unit = a.unit;
	}
	if (ecert_report(s, &ro, &rows, &e) != 0) {
		ecert_audit_refusal(s, a.unit, "report.run", ro.unit ? ro.unit :
		    "city", &e);
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	row = json_array_get(rows, 0);
	snprintf(detail, sizeof(detail), "%s to %s, %zu rows%s",
	    ro.from ? ro.from : "start", row ? ecert_json_str(row, "to") :
	    (ro.to ? ro.to : "today"), json_array_size(rows),
	    html ? ", html" : "");
	ecert_audit_access(s, a.unit, "report.run", ro.unit ? ro.unit : "city",
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
