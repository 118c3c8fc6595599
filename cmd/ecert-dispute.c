/*
 * ecert-dispute: objections (异议核查), article 17.  A holder, through the
 * platform, or a using unit files an objection to an item of a license;
 * the issuing unit corrects it (with ecert-amend) or rejects it within
 * the type's working days, and each answer is a notice for the filer.
 * The working days are counted in the store's holiday calendar, which the
 * platform unit loads a year at a time.
 */
#include <getopt.h>
#include <string.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(),
	    "usage: ecert-dispute file -k key --by holder|unit --item item "
	    "--reason text id\n"
	    "       ecert-dispute list [--open | --overdue | --all] "
	    "[--issuer uscc] [--json | --table]\n"
	    "       ecert-dispute resolve -k key --corrected --amended id "
	    "[--reason text] dispute\n"
	    "       ecert-dispute resolve -k key --rejected --reason text "
	    "dispute\n"
	    "       ecert-dispute holidays load -k adminkey file ...\n"
	    "       ecert-dispute holidays list [--year year]\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file]\n");
	ecert_usage_exit();
}

struct out {
	struct ecert_table *table;
};

static int
emit(const json_t *d, void *arg)
{
	struct out *o = arg;
	const char *cells[8], *filed = ecert_json_str(d, "filed_at");
	char id[24], day[11];

	if (o->table == NULL) {
		ecert_print_json(d);
		return 0;
	}
	snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(d, "id")));
	snprintf(day, sizeof(day), "%.10s", filed ? filed : "");
	cells[0] = id;
	cells[1] = day;
	cells[2] = ecert_json_str(d, "due");
	cells[3] = json_is_true(json_object_get(d, "overdue")) ? "OVERDUE" :
	    ecert_json_str(d, "status");
	cells[4] = ecert_json_str(d, "type_name");
	cells[5] = ecert_json_str(d, "number");
	cells[6] = ecert_json_str(d, "item_label");
	cells[7] = ecert_json_str(d, "filer");
	ecert_table_add(o->table, cells);
	return 0;
}

static int
print_day(const char *day, const char *kind, const char *note, void *arg)
{
	(void)arg;
	printf("%s %s%s%s\n", day, kind, note ? " " : "", note ? note : "");
	return 0;
}

/* holidays load FILE ... | holidays list [--year Y] */
static void
cmd_holidays(struct ecert_opts *o, int year, int argc, char **argv)
{
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	int n, rc;

	if (argc >= 2 && strcmp(argv[0], "load") == 0 && year == 0) {
		s = ecert_opts_store(o);
		ecert_opts_actor(s, o, &a);
		ecert_key_wipe(&a.key);
		if ((rc = ecert_begin(s, &e)) == 0 &&
		    (rc = ecert_holidays_load(s, &a, argv + 1, argc - 1, &n,
		    &e)) == 0)
			rc = ecert_commit(s, &e);
		if (rc != 0) {
			ecert_rollback(s);
			ecert_audit_refusal(s, a.unit, "holidays.load", argv[1],
			    &e);
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		fprintf(stderr, "%s: the calendar of %d year%s loaded\n",
		    ecert_progname, n, n == 1 ? "" : "s");
	} else if (argc == 1 && strcmp(argv[0], "list") == 0) {
		s = ecert_opts_store(o);
		if (ecert_holidays_list(s, year, print_day, NULL, &e) != 0) {
			ecert_store_close(s);
			ecert_die_error(&e);
		}
	} else
		usage();
	ecert_store_close(s);
}

static long long
dispute_number(const char *arg)
{
	char *end;
	long long id = strtoll(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || id < 1)
		usage();
	return id;
}

int
main(int argc, char *argv[])
{
	enum { OPT_BY = ECERT_OPT_FIRST_OWN, OPT_ITEM, OPT_REASON, OPT_OPEN,
	    OPT_OVERDUE, OPT_ALL, OPT_ISSUER, OPT_CORRECTED, OPT_REJECTED,
	    OPT_AMENDED, OPT_YEAR };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "by", required_argument, NULL, OPT_BY },
		{ "item", required_argument, NULL, OPT_ITEM },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "open", no_argument, NULL, OPT_OPEN },
		{ "overdue", no_argument, NULL, OPT_OVERDUE },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "issuer", required_argument, NULL, OPT_ISSUER },
		{ "corrected", no_argument, NULL, OPT_CORRECTED },
		{ "rejected", no_argument, NULL, OPT_REJECTED },
		{ "amended", required_argument, NULL, OPT_AMENDED },
		{ "year", required_argument, NULL, OPT_YEAR },
		{ NULL, 0, NULL, 0 }
	};
	static const char *headers[] = { "DISPUTE", "FILED", "DUE", "STATE",
	    "TYPE", "NUMBER", "ITEM", "FILED BY" };
	struct ecert_opts o = { 0 };
	struct ecert_dispute_filing f = { 0 };
	struct ecert_resolution res = { 0 };
	struct out out = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	const char *verb, *issuer = NULL;
	char license[160], due[11], obj[32];
	json_t *notice = NULL;
	long long id;
	int c, rc = 0, which = -1, nwhich = 0, year = 0;
	char *end;

	ecert_setprogname(argv[0]);
	if ((verb = ecert_take_verb(&argc, &argv, "d:k:h", longopts)) == NULL)
		usage();
	while ((c = getopt_long(argc, argv, "d:k:h", longopts, NULL)) != -1) {
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_BY: f.by = optarg; break;
		case OPT_ITEM: f.item = optarg; break;
		case OPT_REASON: f.reason = res.reason = optarg; break;
		case OPT_OPEN: which = ECERT_DISPUTES_OPEN; nwhich++; break;
		case OPT_OVERDUE: which = ECERT_DISPUTES_OVERDUE; nwhich++; break;
		case OPT_ALL: which = ECERT_DISPUTES_ALL; nwhich++; break;
		case OPT_ISSUER: issuer = optarg; break;
		case OPT_AMENDED: res.amended = optarg; break;
		case OPT_YEAR:
			year = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || year < 1900 || year > 9999)
				usage();
			break;
		case OPT_CORRECTED:
			if (res.outcome != NULL)
				usage();
			res.outcome = "corrected";
			break;
		case OPT_REJECTED:
			if (res.outcome != NULL)
				usage();
			res.outcome = "rejected";
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(verb, "holidays") == 0) {
		if (f.by != NULL || f.item != NULL || f.reason != NULL ||
		    nwhich > 0 || issuer != NULL || res.outcome != NULL ||
		    res.amended != NULL)
			usage();
		cmd_holidays(&o, year, argc, argv);
		return 0;
	}
	if (year != 0)
		usage();
	if (strcmp(verb, "file") == 0 && argc == 1) {
		if (f.by == NULL || f.item == NULL || f.reason == NULL ||
		    (strcmp(f.by, "holder") != 0 && strcmp(f.by, "unit") != 0) ||
		    nwhich > 0 || issuer != NULL || res.outcome != NULL ||
		    res.amended != NULL)
			usage();
		if (ecert_id_from_line(argv[0], strlen(argv[0]), license,
		    sizeof(license), &e) != 0)
			ecert_die_error(&e);
		f.license = license;
		s = ecert_opts_store(&o);
		ecert_opts_actor(s, &o, &a);
		if ((rc = ecert_begin(s, &e)) == 0 &&
		    (rc = ecert_dispute_file(s, &a, &f, &id, due, &e)) == 0)
			rc = ecert_commit(s, &e);
		ecert_key_wipe(&a.key);
		if (rc != 0) {
			ecert_rollback(s);
			ecert_audit_refusal(s, a.unit, "dispute.file", license,
			    &e);
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		if (ecert_want_table(o.json, o.table))
			printf("%lld %s\n", id, due);
		else
			printf("{\"dispute\":%lld,\"due\":\"%s\"}\n", id, due);
	} else if (strcmp(verb, "list") == 0 && argc == 0) {
		if (nwhich > 1 || f.by != NULL || f.item != NULL ||
		    f.reason != NULL || res.outcome != NULL ||
		    res.amended != NULL)
			usage();
		if (issuer != NULL && !ecert_uscc_valid(issuer))
			ecert_die(ECERT_DATAERR, "--issuer %s: not a valid "
			    "unified social credit code", issuer);
		s = ecert_opts_store(&o);
		if (ecert_want_table(o.json, o.table))
			out.table = ecert_table_new(8, headers);
		if (ecert_dispute_list(s, which < 0 ? ECERT_DISPUTES_OPEN :
		    which, issuer, emit, &out, &e) != 0) {
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		if (out.table != NULL) {
			ecert_table_print(out.table, stdout);
			ecert_table_free(out.table);
		}
		ecert_audit(s, NULL, "dispute.list", issuer ? issuer :
		    "disputes", "ok", which == ECERT_DISPUTES_OVERDUE ?
		    "overdue" : which == ECERT_DISPUTES_ALL ? "all" : "open");
	} else if (strcmp(verb, "resolve") == 0 && argc == 1) {
		id = dispute_number(argv[0]);
		if (res.outcome == NULL || f.by != NULL || f.item != NULL ||
		    nwhich > 0 || issuer != NULL ||
		    (res.outcome[0] == 'r' && (res.reason == NULL ||
		    res.amended != NULL)))
			usage();
		/* the identifier, or the line ecert-amend printed */
		if (res.amended != NULL) {
			if (ecert_id_from_line(res.amended,
			    strlen(res.amended), license, sizeof(license),
			    &e) != 0)
				ecert_die(e.status, "--amended: %s", e.msg);
			res.amended = license;
		}
		s = ecert_opts_store(&o);
		ecert_opts_actor(s, &o, &a);
		if ((rc = ecert_begin(s, &e)) == 0 &&
		    (rc = ecert_dispute_resolve(s, &a, id, &res, &notice,
		    &e)) == 0)
			rc = ecert_commit(s, &e);
		ecert_key_wipe(&a.key);
		if (rc != 0) {
			json_decref(notice);
			ecert_rollback(s);
			snprintf(obj, sizeof(obj), "dispute %lld", id);
			ecert_audit_refusal(s, a.unit, "dispute.resolve", obj,
			    &e);
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		ecert_print_json(notice);
		json_decref(notice);
	} else
		usage();
	ecert_store_close(s);
	return 0;
}
