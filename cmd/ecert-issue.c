/*
 * ecert-issue: issue licenses, signed with the issuing unit's key (its
 * electronic seal): one from -f arguments, or many from JSON Lines on
 * standard input in one transaction, where good lines land and every bad
 * one is reported with its line number.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static void
print_issued(struct ecert_store *s, const char *id, long line, int json)
{
	enum ecert_verdict v = ECERT_VERDICT_VALID;
	json_t *o;

	/* a type that needs review gives a draft: say so */
	ecert_license_row_status(s, id, &v);
	if (!json) {
		printf("%s%s\n", id, v == ECERT_VERDICT_DRAFT ?
		    " (draft: awaiting review)" : "");
		fflush(stdout);
		return;
	}
	o = json_pack("{s:s, s:I, s:s}", "id", id, "line", (json_int_t)line,
	    "status", ecert_verdict_word(v));
	ecert_print_json(o);
	json_decref(o);
}

static int draft;

static int
issue_one(struct ecert_store *s, const struct ecert_actor *a, json_t *record,
    char *id, size_t n, struct ecert_error *e)
{
	int rc;

	if ((rc = ecert_record_begin(s, e)) != 0)
		return rc;
	rc = ecert_license_issue(s, a, record, draft, id, n, e);
	ecert_record_end(s, rc == 0);
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
		if (rc == 0 && (rc = ecert_begin(s, &e)) == 0)
			rc = ecert_change_end(s, reject_reason ?
			    ecert_license_reject(s, a, id, reject_reason, &e) :
			    ecert_license_approve(s, a, id, &e), a->unit,
			    action, id, &e);
		if (rc == ECERT_IOERR || rc == ECERT_BUSY)
			ecert_die_error(&e);
		if (rc != 0) {
			ecert_warn("%s", e.msg);
			worst = ecert_worse(worst, rc);
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

static const char *type, *reason;
static json_t *fields;
static int approve, reject;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_VAL("type", 't', "type", &type, ECERT_VAL_TYPE,
	    "the license type (for JSON Lines: where a record names none)"),
	ECERT_OPT_CALL("field", 'f', "item=value", ecert_cmd_field, &fields,
	    "a data item of the one license; again for more"),
	ECERT_OPT_SET("draft", 0, &draft, 1,
	    "a draft, for another person to review (article 9)"),
	ECERT_OPT_SET("approve", 0, &approve, 1,
	    "sign the drafts named (审核、签发)"),
	ECERT_OPT_SET("reject", 0, &reject, 1, "reject the draft named"),
	ECERT_OPT_STR("reason", 0, "text", &reason, "why it is rejected"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-issue -k key [--draft] -t type -f item=value ...",
	"ecert-issue -k key [--draft] [-t type] < records.jsonl",
	"ecert-issue -k key --approve [id ...]",
	"ecert-issue -k key --reject id --reason text",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

/* One license from -t and -f. */
static void
issue_fields(struct ecert_store *s, const struct ecert_actor *a, int json)
{
	struct ecert_error e;
	char id[160];
	int rc;

	json_object_set_new(fields, "type", json_string(type));
	if ((rc = ecert_begin(s, &e)) == 0)
		rc = ecert_license_issue(s, a, fields, draft, id, sizeof(id),
		    &e);
	if (ecert_change_end(s, rc, a->unit, "license.issue", type, &e) != 0) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	print_issued(s, id, 0, json);
}

/* JSON Lines from stdin, in one transaction: a rejected record is
 * reported and skipped, a store failure issues nothing. */
static int
issue_lines(struct ecert_store *s, const struct ecert_actor *a, int json)
{
	struct ecert_reader r = { 0 };
	struct ecert_error e;
	json_t *record;
	char id[160], *line, where[64];
	size_t len;
	long issued = 0, rejected = 0, taken = 0;
	int rc, status = 0;

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
			rc = issue_one(s, a, record, id, sizeof(id), &e);
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
			ecert_audit_refusal(s, a->unit, "license.issue", where,
			    &e);
			status = ecert_worse(status, rc);
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
	return status;
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	int rc = 0, json;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (approve || reject) {
		if ((approve && reject) || draft || type != NULL ||
		    fields != NULL || (reject && (reason == NULL ||
		    argc != 1)) || (approve && reason != NULL))
			ecert_usage();
	} else if (argc != 0 || reason != NULL || (fields != NULL &&
	    type == NULL))
		ecert_usage();
	json = !ecert_want_table(o.json, o.table);
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	if (approve || reject)
		rc = review(s, &a, argc, argv, reject ? reason : NULL, json);
	else if (fields != NULL)
		issue_fields(s, &a, json);
	else
		rc = issue_lines(s, &a, json);
	json_decref(fields);
	ecert_key_wipe(&a.key);
	ecert_store_close(s);
	return rc;
}
