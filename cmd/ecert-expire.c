/*
 * ecert-expire: the expiry sweep for cron.  Marks valid and suspended
 * licenses whose validity has ended as expired and writes them as JSON
 * Lines for a notification script.  Running it twice changes nothing more.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(), "usage: ecert-expire [-d file] [--store-key file] "
	    "[--as-of date] [--dry-run]\n");
	ecert_usage_exit();
}

static int
print_row(const json_t *row, void *arg)
{
	(void)arg;
	ecert_print_json(row);
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { OPT_AS_OF = ECERT_OPT_FIRST_OWN, OPT_DRY_RUN };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "as-of", required_argument, NULL, OPT_AS_OF },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_error e;
	char today[11];
	const char *as_of = NULL;
	long count;
	int c, dry_run = 0;

	ecert_setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		if (c != 'k' && ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_AS_OF:
			as_of = optarg;
			break;
		case OPT_DRY_RUN:
			dry_run = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
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
