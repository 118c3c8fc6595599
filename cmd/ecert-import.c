/*
 * ecert-import: bulk import of historical licenses (article 10) from
 * JSON Lines or CSV, signed with the issuer's key; idempotent, so that
 * running it again after a crash finishes the job; every record ends up
 * imported, already present or rejected, and the three counts add up.
 */
#include <getopt.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(), "usage: ecert-import -k key -t type [--csv] "
	    "[--map column=item,...] [--set item=value]\n"
	    "                    [--encoding enc] [--rejects file] "
	    "[--batch n] [--jobs n] [file | -]\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file] "
	    "[--json]\n");
	ecert_usage_exit();
}

int
main(int argc, char *argv[])
{
	enum { OPT_CSV = ECERT_OPT_FIRST_OWN, OPT_MAP, OPT_ENCODING,
	    OPT_REJECTS, OPT_BATCH, OPT_JOBS, OPT_SET };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "type", required_argument, NULL, 't' },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "encoding", required_argument, NULL, OPT_ENCODING },
		{ "rejects", required_argument, NULL, OPT_REJECTS },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "jobs", required_argument, NULL, OPT_JOBS },
		{ "set", required_argument, NULL, OPT_SET },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_opts o = { 0 };
	struct ecert_import_opts io = { 0 };
	struct ecert_import_counts n;
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	struct stat sb;
	const char *type_code = NULL, *rejects = NULL, *dot;
	json_t *type, *summary, *set = json_object();
	char *why = NULL;
	const char *eq;
	int c, rc, csv = -1;
	long v;
	char *end;

	ecert_setprogname(argv[0]);
	io.batch = 10000;
	/* one worker a core: the writer mostly waits on SQLite pages */
	io.workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	while ((c = getopt_long(argc, argv, "d:k:t:h", longopts, NULL)) != -1) {
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case 't':
			type_code = optarg;
			break;
		case OPT_CSV:
			csv = 1;
			break;
		case OPT_MAP:
			io.map = optarg;
			break;
		case OPT_ENCODING:
			io.encoding = optarg;
			break;
		case OPT_REJECTS:
			rejects = optarg;
			break;
		case OPT_SET:
			if ((eq = strchr(optarg, '=')) == NULL ||
			    eq == optarg || eq[1] == '\0')
				ecert_die(ECERT_USAGE, "--set %s: expected "
				    "item=value", optarg);
			if (!ecert_utf8_valid(optarg, strlen(optarg)))
				ecert_die(ECERT_USAGE, "--set: invalid UTF-8");
			{
				char *k = strndup(optarg,
				    (size_t)(eq - optarg));
				if (json_object_get(set, k) != NULL)
					ecert_die(ECERT_USAGE, "--set %s: given "
					    "twice", k);
				json_object_set_new(set, k,
				    json_string(eq + 1));
				free(k);
			}
			break;
		case OPT_BATCH:
		case OPT_JOBS:
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > 1000000)
				ecert_die(ECERT_USAGE, "%s %s: not a count",
				    c == OPT_BATCH ? "--batch" : "--jobs",
				    optarg);
			if (c == OPT_BATCH)
				io.batch = (int)v;
			else
				io.workers = (int)v;
			break;
		default:
			usage();
		}
	}
	if (type_code == NULL || argc - optind > 1)
		usage();
	io.name = "<stdin>";
	io.in = stdin;
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		io.name = argv[optind];
		if ((io.in = fopen(io.name, "r")) == NULL)
			ecert_die(ECERT_IOERR, "%s: %s", io.name,
			    strerror(errno));
		dot = strrchr(io.name, '.');
		if (csv == -1 && dot != NULL && strcasecmp(dot, ".csv") == 0)
			csv = 1;
	}
	io.csv = csv == 1;
	io.set = set;
	if (fstat(fileno(io.in), &sb) == 0 && S_ISREG(sb.st_mode))
		io.input_size = (long long)sb.st_size;
	io.progress = isatty(STDERR_FILENO);

	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	if ((rc = ecert_may_issue(s, &a, type_code, &type, &e)) != 0) {
		ecert_audit_refusal(s, a.unit, "license.import", io.name, &e);
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	/* opened only now: a refused run leaves last night's file alone */
	if (rejects != NULL) {
		why = ecert_xasprintf("%s.why", rejects);
		io.rejects_name = rejects;
		io.why_name = why;
		if ((io.rejects = fopen(rejects, "w")) == NULL)
			ecert_die(ECERT_IOERR, "--rejects %s: %s", rejects,
			    strerror(errno));
		if ((io.why = fopen(why, "w")) == NULL)
			ecert_die(ECERT_IOERR, "--rejects %s: %s", why,
			    strerror(errno));
	}
	rc = ecert_import(s, &a, type, &io, &n, &e);
	json_decref(type);
	json_decref(set);
	ecert_key_wipe(&a.key);
	if (io.rejects != NULL && fclose(io.rejects) != 0 && rc == 0)
		rc = ecert_fail(&e, ECERT_IOERR, "--rejects %s: %s", rejects,
		    strerror(errno));
	if (io.why != NULL && fclose(io.why) != 0 && rc == 0)
		rc = ecert_fail(&e, ECERT_IOERR, "--rejects %s: %s", why,
		    strerror(errno));
	free(why);
	if (rc != 0) {
		ecert_audit_refusal(s, a.unit, "license.import", io.name, &e);
		ecert_store_close(s);
		if (rc == ECERT_IOERR || rc == ECERT_BUSY)
			ecert_die(rc, "%s (%ld imported, %ld present, %ld "
			    "rejected before it; run the same command again to "
			    "go on)", e.msg, n.imported, n.present,
			    n.rejected);
		ecert_die(rc, "%s", e.msg);
	}
	ecert_store_close(s);
	if (n.records == 0)
		ecert_warn("%s: no records: 0 taken", io.name);
	if (ecert_want_table(o.json, o.table))
		printf("%ld records: %ld imported, %ld already present, %ld "
		    "rejected\n", n.records, n.imported, n.present, n.rejected);
	else {
		summary = json_pack("{s:s, s:I, s:I, s:I, s:I}", "file",
		    io.name, "records", (json_int_t)n.records, "imported",
		    (json_int_t)n.imported, "present", (json_int_t)n.present,
		    "rejected", (json_int_t)n.rejected);
		ecert_print_json(summary);
		json_decref(summary);
	}
	return n.rejected > 0 ? ECERT_DATAERR : 0;
}
