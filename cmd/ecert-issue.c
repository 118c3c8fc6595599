/*
 * ecert-issue: issue licenses, signed with the issuing unit's key (its
 * electronic seal): one from -f arguments, or many from JSON Lines on
 * standard input in one transaction, where good lines land and every bad
 * one is reported with its line number.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(),
	    "usage: ecert-issue -k key [--draft] -t type -f item=value ...\n"
	    "       ecert-issue -k key [--draft] [-t type] < records.jsonl\n"
	    "       ecert-issue -k key --approve [id ...]\n"
	    "       ecert-issue -k key --reject id --reason text\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file] "
	    "[--json]\n");
	ecert_usage_exit();
}

static void
print_issued(struct ecert_store *s, const char *id, long line, int json)
{
	sqlite3_stmt *st;
	char status[16] = "valid";
	json_t *o;

	/* a type that needs review gives a draft: say so */
	if ((st = ecert_prepare(s, "SELECT status FROM licenses WHERE id = ?",
	    NULL)) != NULL) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(status, sizeof(status), "%s",
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	if (!json) {
		printf("%s%s\n", id, strcmp(status, "draft") == 0 ?
		    " (draft: awaiting review)" : "");
		fflush(stdout);
		return;
	}
	o = json_pack("{s:s, s:I, s:s}", "id", id, "line", (json_int_t)line,
	    "status", status);
	ecert_print_json(o);
	json_decref(o);
}

/* The worst outcome decides the exit status; a store failure ends it. */
static int
worse(int a, int b)
{
	static const int rank[] = { ECERT_OK, ECERT_NO, ECERT_DATAERR,
	    ECERT_USAGE, ECERT_NOPERM, ECERT_BUSY, ECERT_IOERR };
	int i, ra = 0, rb = 0;

	for (i = 0; i < 7; i++) {
		if (rank[i] == a)
			ra = i;
		if (rank[i] == b)
			rb = i;
	}
	return rb > ra ? b : a;
}

static int draft;

static int
issue_one(struct ecert_store *s, const struct ecert_actor *a, json_t *record,
    char *id, size_t n, struct ecert_error *e)
{
	int rc;

	if ((rc = ecert_exec(s, "SAVEPOINT record", e)) != 0)
		return rc;
	rc = ecert_license_issue(s, a, record, draft, id, n, e);
	if (rc != 0) {
		ecert_exec(s, "ROLLBACK TO record", NULL);
		s->seq_next = s->seq_end = 0;	/* rolled back with it */
	}
	ecert_exec(s, "RELEASE record", NULL);
	return rc;
}

/*
 * 审核、签发 (article 9): another person than the drafter approves
 * (signs) or rejects each draft; identifiers from arguments or stdin.
 */
static int
review(struct ecert_store *s, const struct ecert_actor *a, int argc,
    char **argv, const char *reject_reason, int json)
{
	struct ecert_ids ids;
	struct ecert_error e;
	char id[160];
	const char *action = reject_reason ? "license.reject" :
	    "license.approve";
	int rc, worst = 0;
	long taken = 0, done = 0;

	ecert_ids_init(&ids, argc, argv);
	while ((rc = ecert_ids_next(&ids, id, sizeof(id), &e)) != -1) {
		taken++;
		if (rc == 0 && (rc = ecert_begin(s, &e)) == 0) {
			rc = reject_reason ? ecert_license_reject(s, a, id,
			    reject_reason, &e) : ecert_license_approve(s, a,
			    id, &e);
			if (rc == 0)
				rc = ecert_commit(s, &e);
			if (rc != 0) {
				ecert_rollback(s);
				ecert_audit_refusal(s, a->unit, action, id, &e);
			}
		}
		if (rc == ECERT_IOERR || rc == ECERT_BUSY)
			ecert_die_error(&e);
		if (rc != 0) {
			ecert_warn("%s", e.msg);
			if (worst == 0 || rc == ECERT_NOPERM)
				worst = rc;
			continue;
		}
		if (json)
			printf("{\"id\":\"%s\",\"status\":\"%s\"}\n", id,
			    reject_reason ? "rejected" : "signed");
		else
			printf("%s %s\n", id, reject_reason ? "rejected" :
			    "signed");
		fflush(stdout);
		done++;
	}
	ecert_ids_free(&ids);
	if (argc == 0)
		ecert_batch_summary(taken, done, reject_reason ? "rejected" :
		    "signed", taken - done);
	return worst;
}

int
main(int argc, char *argv[])
{
	enum { OPT_DRAFT = ECERT_OPT_FIRST_OWN, OPT_APPROVE, OPT_REJECT,
	    OPT_REASON };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "draft", no_argument, NULL, OPT_DRAFT },
		{ "approve", no_argument, NULL, OPT_APPROVE },
		{ "reject", no_argument, NULL, OPT_REJECT },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "type", required_argument, NULL, 't' },
		{ "field", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	struct ecert_reader r = { 0 };
	json_t *fields = json_object(), *record;
	const char *type = NULL, *reason = NULL;
	int approve = 0, reject = 0;
	char id[160], *line, where[64];
	size_t len;
	long issued = 0, rejected = 0, taken = 0;
	int c, rc, status = 0, json;

	ecert_setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "d:k:t:f:h", longopts,
	    NULL)) != -1) {
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case 't':
			type = optarg;
			break;
		case 'f':
			if (ecert_record_from_args(fields, optarg, &e) != 0)
				ecert_die_error(&e);
			break;
		case OPT_DRAFT:
			draft = 1;
			break;
		case OPT_APPROVE:
			approve = 1;
			break;
		case OPT_REJECT:
			reject = 1;
			break;
		case OPT_REASON:
			reason = optarg;
			break;
		default:
			usage();
		}
	}
	if (approve || reject) {
		if ((approve && reject) || draft || type != NULL ||
		    json_object_size(fields) > 0 || (reject && (reason == NULL ||
		    argc - optind != 1)) || (approve && reason != NULL))
			usage();
		s = ecert_opts_store(&o);
		ecert_opts_actor(s, &o, &a);
		rc = review(s, &a, argc - optind, argv + optind,
		    reject ? reason : NULL, !ecert_want_table(o.json, o.table));
		ecert_key_wipe(&a.key);
		ecert_store_close(s);
		json_decref(fields);
		return rc;
	}
	if (optind != argc || reason != NULL)
		usage();
	json = !ecert_want_table(o.json, o.table);
	if (json_object_size(fields) > 0 && type == NULL)
		usage();
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);

	if (json_object_size(fields) > 0) {
		json_object_set_new(fields, "type", json_string(type));
		if (ecert_begin(s, &e) != 0 ||
		    ecert_license_issue(s, &a, fields, draft, id, sizeof(id),
		    &e) != 0 ||
		    ecert_commit(s, &e) != 0) {
			ecert_rollback(s);
			ecert_audit_refusal(s, a.unit, "license.issue", type, &e);
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		print_issued(s, id, 0, json);
		goto out;
	}

	if (isatty(STDIN_FILENO))
		ecert_warn("reading JSON Lines records from the terminal");
	r.fp = stdin;
	r.name = "<stdin>";
	if (ecert_begin(s, &e) != 0)
		ecert_die_error(&e);
	for (;;) {
		rc = ecert_read_line(&r, &line, &len, &e);
		if (rc == -1)
			break;
		if (rc == ECERT_IOERR) {
			ecert_rollback(s);
			ecert_die_error(&e);
		}
		snprintf(where, sizeof(where), "%s:%ld", r.name, r.line);
		if (rc == 0 && len == 0)
			continue;
		taken++;
		record = NULL;
		if (rc == 0 && (record = ecert_json_parse(line, len, &e)) ==
		    NULL)
			rc = e.status;
		if (rc == 0 && !json_is_object(record))
			rc = ecert_fail(&e, ECERT_DATAERR, "not a JSON object");
		if (rc == 0 && type != NULL && json_object_get(record,
		    "type") == NULL)
			json_object_set_new(record, "type", json_string(type));
		if (rc == 0)
			rc = issue_one(s, &a, record, id, sizeof(id), &e);
		json_decref(record);
		if (rc == ECERT_IOERR || rc == ECERT_BUSY) {
			ecert_rollback(s);
			ecert_die(rc, "%s: %s (nothing of this batch was "
			    "issued)", where, e.msg);
		}
		if (rc != 0) {
			if (strncmp(e.msg, r.name, strlen(r.name)) == 0)
				ecert_warn("%s", e.msg);
			else
				ecert_warn("%s: %s", where, e.msg);
			ecert_audit_refusal(s, a.unit, "license.issue", where,
			    &e);
			status = worse(status, rc);
			rejected++;
			continue;
		}
		print_issued(s, id, r.line, json);
		issued++;
	}
	if (ecert_commit(s, &e) != 0)
		ecert_die_error(&e);
	ecert_reader_free(&r);
	ecert_batch_summary(taken, issued, "issued", rejected);
out:
	json_decref(fields);
	ecert_key_wipe(&a.key);
	ecert_store_close(s);
	return status;
}
