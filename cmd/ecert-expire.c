/*
 * ecert-expire: the expiry sweep for cron.  Marks valid and suspended
 * licenses whose validity has ended as expired and writes them as JSON
 * Lines for a notification script.  Running it twice changes nothing more.
 */
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static int
print_row(const json_t *row, void *arg)
{
	(void)arg;
	ecert_print_json(row);
	return 0;
}

static const char *as_of;
static int dry_run;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_STR("as-of", 0, "date", &as_of,
	    "sweep as on this day (YYYY-MM-DD; default today)"),
	ECERT_OPT_SET("dry-run", 0, &dry_run, 1,
	    "show what is due, change nothing"),
	ECERT_OPT_END
};

static const struct ecert_cmd command = {
	.common = ECERT_COMMON_ALL & ~ECERT_COMMON_KEY,
	.opts = options
};

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_error e;
	char today[11];
	long count;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (argc != 0)
		ecert_usage();
	if (as_of == NULL) {
		ecert_today(today);
		as_of = today;
	} else if (!ecert_date_valid(as_of))
		ecert_die(ECERT_USAGE, "--as-of %s: not a real date "
		    "(YYYY-MM-DD)", as_of);
	else {
		/* a license still in force is never swept: a later date
		 * only shows what will be due */
		ecert_today(today);
		if (strcmp(as_of, today) > 0 && !dry_run)
			ecert_die(ECERT_USAGE, "--as-of %s: after today (%s); "
			    "use --dry-run to see what will be due", as_of,
			    today);
	}
	s = ecert_opts_store(&o);
	if (ecert_expire(s, as_of, dry_run, print_row, NULL, &count, &e) != 0) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	ecert_store_close(s);
	if (isatty(STDERR_FILENO))
		ecert_warn("%ld license%s %s", count, count == 1 ? "" : "s",
	    dry_run ? "due (dry run, nothing changed)" : "expired");
	return 0;
}
