/*
 * ecert-dispute: objections (异议核查), article 17.  A holder, through the
 * platform, or a using unit files an objection to an item of a license;
 * the issuing unit corrects it (with ecert-amend) or rejects it within
 * the type's working days, and each answer is a notice for the filer.
 * The working days are counted in the store's holiday calendar, which the
 * platform unit loads a year at a time.
 */
#include <string.h>

#include "cmd.h"

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
		if ((rc = ecert_begin(s, &e)) == 0)
			rc = ecert_holidays_load(s, &a, argv + 1, argc - 1, &n,
			    &e);
		if (ecert_change_end(s, rc, a.unit, "holidays.load", argv[1],
		    &e) != 0) {
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
		ecert_usage();
	ecert_store_close(s);
}

static long long
dispute_number(const char *arg)
{
	char *end;
	long long id = strtoll(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || id < 1)
		ecert_usage();
	return id;
}

enum { FILE_, LIST, RESOLVE, HOLIDAYS };
static const char *const verbs[] = { "file", "list", "resolve", "holidays",
    NULL };
static struct ecert_dispute_filing f;
static struct ecert_resolution res;
static const char *issuer, *reason;
static int which = -1, nwhich, outcome, year;

static void
set_which(const char *arg, void *var)
{
	(void)arg;
	which = *(const int *)var;
	nwhich++;
}

static const int open_ = ECERT_DISPUTES_OPEN,
    overdue = ECERT_DISPUTES_OVERDUE, all = ECERT_DISPUTES_ALL;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_STR("by", 0, "holder|unit", &f.by, "file: who objects"),
	ECERT_OPT_STR("item", 0, "item", &f.item,
	    "file: the data item objected to"),
	ECERT_OPT_STR("reason", 0, "text", &reason,
	    "file, resolve: why"),
	ECERT_OPT_CALL("open", 0, NULL, set_which, (void *)&open_,
	    "list: the open disputes (the default)"),
	ECERT_OPT_CALL("overdue", 0, NULL, set_which, (void *)&overdue,
	    "list: the open ones past their deadline"),
	ECERT_OPT_CALL("all", 0, NULL, set_which, (void *)&all,
	    "list: all, resolved too"),
	ECERT_OPT_VAL("issuer", 0, "uscc", &issuer, ECERT_VAL_UNIT,
	    "list: of this issuing unit's licenses"),
	ECERT_OPT_ONE("corrected", 0, &outcome, 1,
	    "resolve: the license was corrected"),
	ECERT_OPT_ONE("rejected", 0, &outcome, 2,
	    "resolve: the objection is rejected"),
	ECERT_OPT_STR("amended", 0, "id", &res.amended,
	    "resolve: the corrected license's new version"),
	ECERT_OPT_NUM("year", 0, "year", &year, 1900, 9999,
	    "holidays list: of this year"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-dispute file -k key --by holder|unit --item item --reason text"
	" id",
	"ecert-dispute list [--open | --overdue | --all] [--issuer uscc] "
	"[--json | --table]",
	"ecert-dispute resolve -k key --corrected --amended id "
	"[--reason text] dispute",
	"ecert-dispute resolve -k key --rejected --reason text dispute",
	"ecert-dispute holidays load -k adminkey file ...",
	"ecert-dispute holidays list [--year year]",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.verbs = verbs,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

/* An objection to a license's data (article 17). */
static void
cmd_file(struct ecert_opts *o, const char *arg)
{
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	char license[160], due[11];
	long long id;
	int rc;

	if (ecert_id_from_line(arg, strlen(arg), license, sizeof(license),
	    &e) != 0)
		ecert_die_error(&e);
	f.license = license;
	s = ecert_opts_store(o);
	ecert_opts_actor(s, o, &a);
	if ((rc = ecert_begin(s, &e)) == 0)
		rc = ecert_dispute_file(s, &a, &f, &id, due, &e);
	ecert_key_wipe(&a.key);
	if (ecert_change_end(s, rc, a.unit, "dispute.file", license, &e) != 0) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	if (ecert_want_table(o->json, o->table))
		printf("%lld %s\n", id, due);
	else
		printf("{\"dispute\":%lld,\"due\":\"%s\"}\n", id, due);
	ecert_store_close(s);
}

static void
cmd_list(struct ecert_opts *o)
{
	static const char *headers[] = { "DISPUTE", "FILED", "DUE", "STATE",
	    "TYPE", "NUMBER", "ITEM", "FILED BY" };
	struct out out = { 0 };
	struct ecert_store *s;
	struct ecert_error e;

	if (issuer != NULL && !ecert_uscc_valid(issuer))
		ecert_die(ECERT_DATAERR, "--issuer %s: not a valid unified "
		    "social credit code", issuer);
	s = ecert_opts_store(o);
	if (ecert_want_table(o->json, o->table))
		out.table = ecert_table_new(8, headers);
	if (ecert_dispute_list(s, which < 0 ? ECERT_DISPUTES_OPEN : which,
	    issuer, emit, &out, &e) != 0) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	ecert_table_done(out.table);
	ecert_audit(s, NULL, "dispute.list", issuer ? issuer : "disputes",
	    "ok", which == ECERT_DISPUTES_OVERDUE ? "overdue" :
	    which == ECERT_DISPUTES_ALL ? "all" : "open");
	ecert_store_close(s);
}

static void
cmd_resolve(struct ecert_opts *o, long long id)
{
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	char license[160], obj[32];
	json_t *notice = NULL;
	int rc;

	/* the identifier, or the line ecert-amend printed */
	if (res.amended != NULL) {
		if (ecert_id_from_line(res.amended, strlen(res.amended),
		    license, sizeof(license), &e) != 0)
			ecert_die(e.status, "--amended: %s", e.msg);
		res.amended = license;
	}
	s = ecert_opts_store(o);
	ecert_opts_actor(s, o, &a);
	if ((rc = ecert_begin(s, &e)) == 0)
		rc = ecert_dispute_resolve(s, &a, id, &res, &notice, &e);
	ecert_key_wipe(&a.key);
	snprintf(obj, sizeof(obj), "dispute %lld", id);
	if (ecert_change_end(s, rc, a.unit, "dispute.resolve", obj, &e) != 0) {
		json_decref(notice);
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	ecert_print_json(notice);
	json_decref(notice);
	ecert_store_close(s);
}

/* Each verb takes its own options only. */
static int
misused(int verb, int argc)
{
	int filing = f.by != NULL || f.item != NULL,
	    resolving = outcome != 0 || res.amended != NULL;

	switch (verb) {
	case HOLIDAYS:
		return filing || reason || nwhich || issuer || resolving;
	case FILE_:
		return argc != 1 || year || f.by == NULL || f.item == NULL ||
		    reason == NULL || (strcmp(f.by, "holder") != 0 &&
		    strcmp(f.by, "unit") != 0) || nwhich || issuer ||
		    resolving;
	case LIST:
		return argc != 0 || year || nwhich > 1 || filing || reason ||
		    resolving;
	default:
		return argc != 1 || year || outcome == 0 || filing ||
		    nwhich || issuer || (outcome == 2 && (reason == NULL ||
		    res.amended != NULL));
	}
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	int verb;

	ecert_setprogname(argv[0]);
	verb = ecert_cmd_parse(&command, &o, &argc, &argv);
	if (misused(verb, argc))
		ecert_usage();
	f.reason = res.reason = reason;
	res.outcome = outcome == 1 ? "corrected" : outcome == 2 ?
	    "rejected" : NULL;
	if (verb == HOLIDAYS)
		cmd_holidays(&o, year, argc, argv);
	else if (verb == FILE_)
		cmd_file(&o, argv[0]);
	else if (verb == LIST)
		cmd_list(&o);
	else
		cmd_resolve(&o, dispute_number(argv[0]));
	return 0;
}
