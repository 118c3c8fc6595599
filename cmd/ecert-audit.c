/*
 * ecert-audit: read the audit log, verify its hash chain and its signed
 * checkpoints, make checkpoints and prove entries against them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
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
	    "       ecert-audit verify [--checkpoint file] [--anchor pubfile]\n"
	    "       ecert-audit checkpoint -k platformkey [-o file]\n"
	    "       ecert-audit prove (--seq n | --from size) "
	    "[--checkpoint file]\n"
	    "       ecert-audit verify-proof --trust file [--anchor pubfile]\n"
	    "                       [--entry file | --old checkpoint] "
	    "proof\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file]\n");
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
	"status.export", "trust.export", "audit.checkpoint", "audit.verify",
	"checkpoint.export", "client.add", "client.revoke", "serve.auth",
	"serve.request", "serve.seal", "fact.tampered", "store.anchor",
	"key.retire", NULL
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

/*
 * The chain first (it names the first entry altered), then the tree
 * against the checkpoints.  A failure is audited as a refusal when the
 * store can take it, so that the finding itself is in the log.
 */
static int
cmd_verify(struct ecert_store *s, const char *checkpoint, const char *anchor)
{
	struct ecert_error e;
	long long bad, count;
	char why[256], warn[256];
	int rc;

	rc = ecert_audit_verify(s, &bad, why, sizeof(why), &count, &e);
	if (rc == ECERT_NO) {
		ecert_warn("audit chain broken at entry %lld: %s", bad, why);
		ecert_fail(&e, ECERT_NO, "audit chain broken at entry %lld: %s",
		    bad, why);
		ecert_audit_refusal(s, NULL, "audit.verify", checkpoint, &e);
		return ECERT_NO;
	}
	if (rc != 0)
		ecert_die_error(&e);
	rc = ecert_tlog_verify(s, checkpoint, anchor, count, warn, sizeof(warn),
	    &e);
	if (rc == ECERT_NO) {
		ecert_warn("%s", e.msg);
		ecert_audit_refusal(s, NULL, "audit.verify", checkpoint, &e);
		return ECERT_NO;
	}
	if (rc != 0)
		ecert_die_error(&e);
	if (warn[0] != '\0')
		ecert_warn("warning: %s", warn);
	printf("audit chain intact: %lld entries\n", count);
	return 0;
}

static int
write_out(const char *out, const char *text)
{
	FILE *fp = stdout;

	if (out != NULL && strcmp(out, "-") != 0 &&
	    (fp = fopen(out, "w")) == NULL) {
		ecert_warn("%s: %s", out, strerror(errno));
		return ECERT_IOERR;
	}
	fputs(text, fp);
	if ((fp == stdout ? fflush(fp) : fclose(fp)) != 0) {
		ecert_warn("%s: %s", out ? out : "stdout", strerror(errno));
		return ECERT_IOERR;
	}
	return 0;
}

static int
cmd_checkpoint(struct ecert_store *s, const struct ecert_opts *o,
    const char *out)
{
	struct ecert_checkpoint c;
	struct ecert_actor a;
	struct ecert_error e;
	int rc;

	ecert_opts_actor(s, o, &a);
	if (!(a.roles & ECERT_ROLE_ADMIN)) {
		ecert_fail(&e, ECERT_NOPERM, "unit %s is not the platform: "
		    "checkpoints are the platform's (article 23)", a.unit);
		ecert_key_wipe(&a.key);
		ecert_audit_refusal(s, a.unit, "audit.checkpoint", "", &e);
		ecert_die_error(&e);
	}
	rc = ecert_checkpoint_make(s, &a, &c, &e);
	ecert_key_wipe(&a.key);
	if (rc != 0) {
		ecert_audit_refusal(s, a.unit, "audit.checkpoint", "", &e);
		ecert_die_error(&e);
	}
	rc = write_out(out, c.note);
	ecert_checkpoint_free(&c);
	return rc;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, got;

	*n = 0;
	if (fp == NULL)
		ecert_die(ECERT_IOERR, "%s: %s", path, strerror(errno));
	do {
		if (*n + 4097 > cap)
			buf = ecert_xrealloc(buf, cap = cap ? 2 * cap : 8192);
		got = fread(buf + *n, 1, 4096, fp);
		*n += got;
	} while (got > 0);
	if (ferror(fp))
		ecert_die(ECERT_IOERR, "%s: %s", path, strerror(errno));
	buf[*n] = '\0';
	if (fp != stdin)
		fclose(fp);
	return buf;
}

static int
cmd_verify_proof(const char *proof, const char *trustfile,
    const char *anchor, const char *entryfile, const char *oldfile)
{
	struct ecert_error e;
	json_t *trust;
	char *text, *entry = NULL, *old = NULL, what[256];
	size_t n, entryn = 0, oldn = 0;
	int rc;

	if ((trust = ecert_trust_load(trustfile, anchor, &e)) == NULL)
		ecert_die_error(&e);
	text = slurp(proof, &n);
	if (entryfile != NULL)
		entry = slurp(entryfile, &entryn);
	if (oldfile != NULL)
		old = slurp(oldfile, &oldn);
	rc = ecert_tlog_proof_verify(text, n, proof, trust, entry, entryn, old,
	    oldn, what, sizeof(what), &e);
	json_decref(trust);
	free(text);
	free(entry);
	free(old);
	if (rc != 0)
		ecert_die_error(&e);
	printf("proof verified: %s\n", what);
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { OPT_UNIT = ECERT_OPT_FIRST_OWN, OPT_ACTION, OPT_OBJECT,
	    OPT_SINCE, OPT_UNTIL, OPT_CHECKPOINT, OPT_ANCHOR, OPT_SEQ,
	    OPT_FROM, OPT_TRUST, OPT_ENTRY, OPT_OLD };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ "action", required_argument, NULL, OPT_ACTION },
		{ "object", required_argument, NULL, OPT_OBJECT },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "checkpoint", required_argument, NULL, OPT_CHECKPOINT },
		{ "anchor", required_argument, NULL, OPT_ANCHOR },
		{ "seq", required_argument, NULL, OPT_SEQ },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "entry", required_argument, NULL, OPT_ENTRY },
		{ "old", required_argument, NULL, OPT_OLD },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	const char *unit = NULL, *action = NULL, *object = NULL;
	const char *since = NULL, *until = NULL, *verb;
	const char *checkpoint = NULL, *anchor = NULL, *trust = NULL;
	const char *entry = NULL, *old = NULL, *out = NULL;
	long long seq = -1, from = -1;
	char *end;
	int c, rc;

	ecert_setprogname(argv[0]);
	if ((verb = ecert_take_verb(&argc, &argv, "d:k:o:h", longopts)) == NULL)
		usage();
	while ((c = getopt_long(argc, argv, "d:k:o:h", longopts, NULL)) != -1) {
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_UNIT: unit = optarg; break;
		case OPT_ACTION: action = optarg; break;
		case OPT_OBJECT: object = optarg; break;
		case OPT_SINCE: since = optarg; break;
		case OPT_UNTIL: until = optarg; break;
		case OPT_CHECKPOINT: checkpoint = optarg; break;
		case OPT_ANCHOR: anchor = optarg; break;
		case OPT_TRUST: trust = optarg; break;
		case OPT_ENTRY: entry = optarg; break;
		case OPT_OLD: old = optarg; break;
		case 'o': out = optarg; break;
		case OPT_SEQ:
		case OPT_FROM:
			errno = 0;
			*(c == OPT_SEQ ? &seq : &from) = strtoll(optarg, &end, 10);
			if (*end != '\0' || optarg[0] == '\0' || errno != 0 ||
			    (c == OPT_SEQ ? seq < 1 : from < 0))
				ecert_die(ECERT_USAGE, "--%s %s: %s",
				    c == OPT_SEQ ? "seq" : "from", optarg,
				    c == OPT_SEQ ? "an entry's number, from 1" :
				    "a tree size, from 0");
			break;
		default: usage();
		}
	}
	if (strcmp(verb, "verify-proof") == 0) {
		if (optind != argc - 1 || trust == NULL || (entry && old))
			usage();
		return cmd_verify_proof(argv[optind], trust, anchor, entry, old);
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
		rc = cmd_verify(s, checkpoint, anchor);
	} else if (strcmp(verb, "checkpoint") == 0) {
		if (o.key == NULL)
			usage();
		s = ecert_opts_store(&o);
		rc = cmd_checkpoint(s, &o, out);
	} else if (strcmp(verb, "prove") == 0) {
		struct ecert_error e;
		char *proof;

		if ((seq > 0) == (from >= 0))
			usage();
		s = ecert_opts_store(&o);
		proof = ecert_tlog_prove(s, checkpoint, seq > 0 ? seq : 0,
		    from, &e);
		if (proof == NULL) {
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		rc = write_out(out, proof);
		free(proof);
	} else
		usage();
	ecert_store_close(s);
	return rc;
}
