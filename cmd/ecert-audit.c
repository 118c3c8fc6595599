/*
 * ecert-audit: read the audit log and verify its hash chain.
 */
#include <getopt.h>
#include <string.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(),
	    "usage: ecert-audit log [--unit uscc] [--action action] "
	    "[--object object]\n"
	    "                       [--since time] [--until time] "
	    "[--json | --table]\n"
	    "       ecert-audit verify\n"
	    "common: [-d file] [--store-key file]\n");
	ecert_usage_exit();
}

/* The actions the programs record, for --action. */
static const char *actions[] = {
	"store.init", "unit.add", "key.add", "key.rotate", "key.open",
	"catalog.load", "matter.load", "matter.check",
	"license.issue", "license.draft", "license.approve", "license.reject",
	"license.import", "license.amend", "license.expire",
	"license.revoke", "license.suspend", "license.reinstate",
	"license.show", "license.history", "license.face", "license.present",
	"license.query", "license.verify", "license.use", "license.check",
	"license.reconcile", "grant.add", "grant.withdraw", "grant.list",
	"grant.show", "grant.use", "dispute.file", "dispute.list",
	"dispute.resolve", "holidays.load", "license.public-query",
	"report.run", "store.backup", "store.restore",
	"status.export", "trust.export", NULL
};

/*
 * An --action that no program records is a typing slip, not an empty
 * answer: a usage error that lists the actions.  One found in the log
 * (of a newer program) is taken as it is.
 */
static void
check_action(struct ecert_store *s, const char *action)
{
	struct ecert_error e;
	sqlite3_stmt *st;
	int i, rc;

	for (i = 0; actions[i] != NULL; i++)
		if (strcmp(actions[i], action) == 0)
			return;
	st = ecert_prepare(s, "SELECT 1 FROM audit WHERE action = ? LIMIT 1",
	    &e);
	if (st == NULL)
		ecert_die_error(&e);
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return;
	if (rc != SQLITE_DONE) {
		ecert_sql_fail(s, &e, rc, "audit");
		ecert_die_error(&e);
	}
	fprintf(stderr, "%s: --action %s: not an action; the actions are:\n",
	    ecert_progname, action);
	for (i = 0; actions[i] != NULL; i++)
		fprintf(stderr, "%s%s", i % 6 == 0 ? (i ? "\n  " : "  ") : " ",
		    actions[i]);
	fprintf(stderr, "\n");
	ecert_store_close(s);
	exit(ECERT_USAGE);
}

static int
cmd_log(struct ecert_store *s, const struct ecert_opts *o, const char *unit,
    const char *action, const char *object, const char *since,
    const char *until)
{
	static const char *headers[] = { "SEQ", "TIME", "UNIT", "USER",
	    "ACTION", "OBJECT", "OUTCOME", "DETAIL" };
	static const char *names[] = { "seq", "time", "unit", "os_user",
	    "action", "object", "outcome", "detail", "prev", "hash" };
	struct ecert_table *t = NULL;
	struct ecert_error e;
	sqlite3_stmt *st;
	int i, rc;

	if (ecert_want_table(o->json, o->table))
		t = ecert_table_new(8, headers);
	st = ecert_prepare(s, "SELECT seq, time, unit, os_user, action, object,"
	    " outcome, detail, prev, hash FROM audit"
	    " WHERE (?1 IS NULL OR unit = ?1) AND (?2 IS NULL OR action = ?2)"
	    " AND (?3 IS NULL OR object = ?3) AND (?4 IS NULL OR time >= ?4)"
	    " AND (?5 IS NULL OR time <= ?5) ORDER BY seq", &e);
	if (st == NULL)
		ecert_die_error(&e);
	sqlite3_bind_text(st, 1, unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, object, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, since, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, until, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cells[10];

		for (i = 0; i < 10; i++)
			cells[i] = (const char *)sqlite3_column_text(st, i);
		if (t != NULL) {
			ecert_table_add(t, cells);
			continue;
		}
		json_t *row = json_object();
		json_object_set_new(row, "seq",
		    json_integer(sqlite3_column_int64(st, 0)));
		for (i = 1; i < 10; i++)
			json_object_set_new(row, names[i],
			    json_string(cells[i] ? cells[i] : ""));
		ecert_print_json(row);
		json_decref(row);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		ecert_sql_fail(s, &e, rc, "audit");
		ecert_die_error(&e);
	}
	if (t != NULL) {
		ecert_table_print(t, stdout);
		ecert_table_free(t);
	}
	return 0;
}

static int
cmd_verify(struct ecert_store *s)
{
	struct ecert_error e;
	long long bad, count;
	char why[256];
	int rc;

	rc = ecert_audit_verify(s, &bad, why, sizeof(why), &count, &e);
	if (rc == ECERT_NO) {
		ecert_warn("audit chain broken at entry %lld: %s", bad, why);
		return ECERT_NO;
	}
	if (rc != 0)
		ecert_die_error(&e);
	printf("audit chain intact: %lld entries\n", count);
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { OPT_UNIT = ECERT_OPT_FIRST_OWN, OPT_ACTION, OPT_OBJECT,
	    OPT_SINCE, OPT_UNTIL };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ "action", required_argument, NULL, OPT_ACTION },
		{ "object", required_argument, NULL, OPT_OBJECT },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	const char *unit = NULL, *action = NULL, *object = NULL;
	const char *since = NULL, *until = NULL, *verb;
	int c, rc;

	ecert_setprogname(argv[0]);
	if ((verb = ecert_take_verb(&argc, &argv, "d:h", longopts)) == NULL)
		usage();
	while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		if (c != 'k' && ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_UNIT: unit = optarg; break;
		case OPT_ACTION: action = optarg; break;
		case OPT_OBJECT: object = optarg; break;
		case OPT_SINCE: since = optarg; break;
		case OPT_UNTIL: until = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (strcmp(verb, "log") == 0) {
		s = ecert_opts_store(&o);
		if (action != NULL)
			check_action(s, action);
		rc = cmd_log(s, &o, unit, action, object, since, until);
	} else if (strcmp(verb, "verify") == 0) {
		s = ecert_opts_store(&o);
		rc = cmd_verify(s);
	} else
		usage();
	ecert_store_close(s);
	return rc;
}
