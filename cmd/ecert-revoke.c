/*
 * ecert-revoke: revoke (注销), suspend (停用) or reinstate licenses, always
 * with a reason; only the issuing unit may.  Each change is signed by the
 * unit and audited; identifiers come from the arguments or standard input.
 */
#include <string.h>

#include "cmd.h"

static int
change(struct ecert_store *s, const struct ecert_actor *a, const char *id,
    const char *action, const char *reason, struct ecert_error *e)
{
	char audit_action[32];
	int rc;

	if ((rc = ecert_begin(s, e)) != 0)
		return rc;
	snprintf(audit_action, sizeof(audit_action), "license.%s", action);
	return ecert_change_end(s, ecert_license_set_status(s, a, id, action,
	    reason, e), a->unit, audit_action, id, e);
}

static void
print_changed(const char *id, const char *status, int json)
{
	json_t *out;

	if (!json) {
		printf("%s %s\n", id, status);
		return;
	}
	out = json_pack("{s:s, s:s}", "id", id, "status", status);
	ecert_print_json(out);
	json_decref(out);
}

static const char *reason;
static int suspend, reinstate;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_NEED("reason", 0, "text", &reason,
	    "why (recorded in the license's events)"),
	ECERT_OPT_SET("suspend", 0, &suspend, 1,
	    "suspend (停用) instead of revoking"),
	ECERT_OPT_SET("reinstate", 0, &reinstate, 1,
	    "make a suspended license valid again"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-revoke -k key --reason text [--suspend | --reinstate] [id ...]",
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
	static const enum ecert_verdict done[] = { ECERT_VERDICT_REVOKED,
	    ECERT_VERDICT_SUSPENDED, ECERT_VERDICT_VALID };
	static const char *actions[] = { "revoke", "suspend", "reinstate" };
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	struct ecert_ids ids;
	char id[160];
	int rc, worst = 0, verb, json;
	long taken = 0, changed = 0;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (reason == NULL || *reason == '\0' || (suspend && reinstate))
		ecert_usage();
	verb = suspend ? 1 : reinstate ? 2 : 0;
	json = !ecert_want_table(o.json, o.table);
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	ecert_ids_init(&ids, argc, argv);
	while ((rc = ecert_ids_next(&ids, id, sizeof(id), &e)) != -1) {
		taken++;
		if (rc == 0)
			rc = change(s, &a, id, actions[verb], reason, &e);
		if (rc == ECERT_IOERR || rc == ECERT_BUSY) {
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		if (rc != 0) {
			ecert_warn("%s", e.msg);
			worst = ecert_worse(worst, rc);
			continue;
		}
		print_changed(id, ecert_verdict_word(done[verb]), json);
		changed++;
	}
	ecert_ids_free(&ids);
	if (argc == 0)
		ecert_batch_summary(taken, changed, verb == 2 ? "reinstated" :
		    ecert_verdict_word(done[verb]), taken - changed);
	ecert_key_wipe(&a.key);
	ecert_store_close(s);
	return worst;
}
