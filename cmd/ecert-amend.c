/*
 * ecert-amend: change a license (article 8: 同步更新).  A new version is
 * signed with the same identifier but its version number; the old one is
 * kept, marked superseded, and still verifies as superseded.
 */
#include <string.h>

#include "cmd.h"

static int
amend(struct ecert_store *s, const struct ecert_actor *a, const char *id,
    const json_t *changes, const char *reason, int json, const char *where)
{
	struct ecert_error e;
	char newid[160];
	int rc;

	if ((rc = ecert_begin(s, &e)) == 0)
		rc = ecert_change_end(s, ecert_license_amend(s, a, id, changes,
		    reason, newid, sizeof(newid), &e), a->unit, "license.amend",
		    id, &e);
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

/* One change a line: {"id": ..., item: value, ...}. */
static int
amend_lines(struct ecert_store *s, const struct ecert_actor *a,
    const char *reason, int json)
{
	struct ecert_reader r = { .fp = stdin, .name = "<stdin>" };
	struct ecert_error e;
	json_t *line_changes;
	char id[160], *line, where[64];
	size_t len;
	int rc, worst = 0;
	long taken = 0, amended = 0;

	while ((rc = ecert_read_line(&r, &line, &len, &e)) != -1) {
		if (rc == 0 && len == 0)
			continue;
		taken++;
		line_changes = NULL;
		if (rc == 0 && (line_changes = ecert_json_parse(line, len,
		    &e)) == NULL)
			rc = e.status;
		if (rc == 0 && ecert_id_from_line(line, len, id, sizeof(id),
		    &e) != 0)
			rc = e.status;
		if (rc != 0) {
			ecert_warn("%s:%ld: %s", r.name, r.line, e.msg);
			worst = ecert_worse(worst, rc);
			json_decref(line_changes);
			continue;
		}
		json_object_del(line_changes, "id");
		snprintf(where, sizeof(where), "%s:%ld", r.name, r.line);
		rc = amend(s, a, id, line_changes, reason, json, where);
		worst = ecert_worse(worst, rc);
		amended += rc == 0;
		json_decref(line_changes);
	}
	ecert_reader_free(&r);
	ecert_batch_summary(taken, amended, "amended", taken - amended);
	return worst;
}

static const char *reason;
static json_t *changes;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_NEED("reason", 0, "text", &reason,
	    "why the license is changed (recorded with the new version)"),
	ECERT_OPT_CALL("field", 'f', "item=value", ecert_cmd_field, &changes,
	    "the new value of a data item; again for more"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-amend -k key --reason text id -f item=value ...",
	"ecert-amend -k key --reason text < changes.jsonl",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	char id[160];
	int worst, json;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (reason == NULL || (argc == 1) != (changes != NULL) || argc > 1)
		ecert_usage();
	json = !ecert_want_table(o.json, o.table);
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	if (argc == 1) {
		if (ecert_id_from_line(argv[0], strlen(argv[0]), id,
		    sizeof(id), &e) != 0)
			ecert_die_error(&e);
		worst = amend(s, &a, id, changes, reason, json, NULL);
	} else
		worst = amend_lines(s, &a, reason, json);
	json_decref(changes);
	ecert_key_wipe(&a.key);
	ecert_store_close(s);
	return worst;
}
