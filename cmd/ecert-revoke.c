/*
 * ecert-revoke: revoke (注销), suspend (停用) or reinstate licenses, always
 * with a reason; only the issuing unit may.  Each change is signed by the
 * unit and audited; identifiers come from the arguments or standard input.
 */
#include <getopt.h>
#include <string.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(), "usage: ecert-revoke -k key --reason text "
	    "[--suspend | --reinstate] [id ...]\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file] "
	    "[--json]\n");
	ecert_usage_exit();
}

static int
change(struct ecert_store *s, const struct ecert_actor *a, const char *id,
    const char *action, const char *reason, struct ecert_error *e)
{
	char audit_action[32];
	int rc;

	if ((rc = ecert_begin(s, e)) != 0)
		return rc;
	rc = ecert_license_set_status(s, a, id, action, reason, e);
	if (rc == 0)
		rc = ecert_commit(s, e);
	if (rc != 0) {
		ecert_rollback(s);
		snprintf(audit_action, sizeof(audit_action), "license.%s",
		    action);
		ecert_audit_refusal(s, a->unit, audit_action, id, e);
	}
	return rc;
}

int
main(int argc, char *argv[])
{
	enum { OPT_REASON = ECERT_OPT_FIRST_OWN, OPT_SUSPEND, OPT_REINSTATE };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "reason", required_argument, NULL, OPT_REASON },
		{ "suspend", no_argument, NULL, OPT_SUSPEND },
		{ "reinstate", no_argument, NULL, OPT_REINSTATE },
		{ NULL, 0, NULL, 0 }
	};
	static const char *done[] = { "revoked", "suspended", "valid" };
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	struct ecert_ids ids;
	const char *reason = NULL, *action = "revoke";
	char id[160];
	int c, rc, worst = 0, verb = 0, json;
	long taken = 0, changed = 0;

	ecert_setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "d:k:h", longopts, NULL)) != -1) {
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_REASON:
			reason = optarg;
			break;
		case OPT_SUSPEND:
		case OPT_REINSTATE:
			if (verb != 0)
				usage();
			verb = c == OPT_SUSPEND ? 1 : 2;
			action = verb == 1 ? "suspend" : "reinstate";
			break;
		default:
			usage();
		}
	}
	if (reason == NULL || *reason == '\0')
		usage();
	json = !ecert_want_table(o.json, o.table);
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	ecert_ids_init(&ids, argc - optind, argv + optind);
	while ((rc = ecert_ids_next(&ids, id, sizeof(id), &e)) != -1) {
		taken++;
		if (rc == 0)
			rc = change(s, &a, id, action, reason, &e);
		if (rc == ECERT_IOERR || rc == ECERT_BUSY) {
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		if (rc != 0) {
			ecert_warn("%s", e.msg);
			if (worst == 0 || rc == ECERT_NOPERM)
				worst = rc;
			continue;
		}
		if (json) {
			json_t *out = json_pack("{s:s, s:s}", "id", id,
			    "status", done[verb]);
			ecert_print_json(out);
			json_decref(out);
		} else
			printf("%s %s\n", id, done[verb]);
		changed++;
	}
	ecert_ids_free(&ids);
	if (optind == argc)
		ecert_batch_summary(taken, changed, verb == 2 ? "reinstated" :
		    done[verb], taken - changed);
	ecert_key_wipe(&a.key);
	ecert_store_close(s);
	return worst;
}
