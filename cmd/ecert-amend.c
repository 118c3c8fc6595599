/*
 * ecert-amend: change a license (article 8: 同步更新).  A new version is
 * signed with the same identifier but its version number; the old one is
 * kept, marked superseded, and still verifies as superseded.
 */
#include <getopt.h>
#include <string.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(), "usage: ecert-amend -k key --reason text id "
	    "-f item=value ...\n"
	    "       ecert-amend -k key --reason text < changes.jsonl\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file] "
	    "[--json]\n");
	ecert_usage_exit();
}

static int
amend(struct ecert_store *s, const struct ecert_actor *a, const char *id,
    const json_t *changes, const char *reason, int json, const char *where)
{
	struct ecert_error e;
	char newid[160];
	int rc;

	if ((rc = ecert_begin(s, &e)) == 0) {
		rc = ecert_license_amend(s, a, id, changes, reason, newid,
		    sizeof(newid), &e);
		if (rc == 0)
			rc = ecert_commit(s, &e);
		if (rc != 0) {
			ecert_rollback(s);
			ecert_audit_refusal(s, a->unit, "license.amend", id, &e);
		}
	}
	if (rc == ECERT_IOERR || rc == ECERT_BUSY)
		ecert_die_error(&e);
	if (rc != 0) {
		if (where != NULL)
			ecert_warn("%s: %s: %s", where, id, e.msg);
		else
			ecert_warn("%s", e.msg);
		return rc;
	}
	if (json)
		printf("{\"id\":\"%s\",\"supersedes\":\"%s\"}\n", newid, id);
	else
		printf("%s\n", newid);
	fflush(stdout);
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { OPT_REASON = ECERT_OPT_FIRST_OWN };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "field", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	struct ecert_reader r = { 0 };
	json_t *changes = json_object(), *line_changes;
	const char *reason = NULL;
	char id[160], *line, where[64];
	size_t len;
	int c, rc, worst = 0, json;
	long taken = 0, amended = 0;

	ecert_setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "d:k:f:h", longopts, NULL)) != -1) {
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_REASON:
			reason = optarg;
			break;
		case 'f':
			if (ecert_record_from_args(changes, optarg, &e) != 0)
				ecert_die_error(&e);
			break;
		default:
			usage();
		}
	}
	if (reason == NULL || (argc - optind == 1) !=
	    (json_object_size(changes) > 0) || argc - optind > 1)
		usage();
	json = !ecert_want_table(o.json, o.table);
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	if (argc - optind == 1) {
		if (ecert_id_from_line(argv[optind], strlen(argv[optind]), id,
		    sizeof(id), &e) != 0)
			ecert_die_error(&e);
		worst = amend(s, &a, id, changes, reason, json, NULL);
	} else {
		r.fp = stdin;
		r.name = "<stdin>";
		while ((rc = ecert_read_line(&r, &line, &len, &e)) != -1) {
			if (rc == 0 && len == 0)
				continue;
			taken++;
			line_changes = NULL;
			if (rc == 0 && (line_changes = ecert_json_parse(line,
			    len, &e)) == NULL)
				rc = e.status;
			if (rc == 0 && ecert_id_from_line(line, len, id,
			    sizeof(id), &e) != 0)
				rc = e.status;
			if (rc != 0) {
				ecert_warn("%s:%ld: %s", r.name, r.line, e.msg);
				worst = worst ? worst : rc;
				json_decref(line_changes);
				continue;
			}
			json_object_del(line_changes, "id");
			snprintf(where, sizeof(where), "%s:%ld", r.name, r.line);
			rc = amend(s, &a, id, line_changes, reason, json, where);
			if (rc != 0 && (worst == 0 || rc == ECERT_NOPERM))
				worst = rc;
			amended += rc == 0;
			json_decref(line_changes);
		}
		ecert_reader_free(&r);
		ecert_batch_summary(taken, amended, "amended",
		    taken - amended);
	}
	json_decref(changes);
	ecert_key_wipe(&a.key);
	ecert_store_close(s);
	return worst;
}
