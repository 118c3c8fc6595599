/*
 * ecert-use: a using unit (用证单位) fetches a holder's licenses for one
 * matter, under a grant (articles 12, 13, 15), or only checks the data
 * on a photocopy (--check: exit 1 when any item does not match, the
 * answers printed all the same).  Everything a grant does not cover is
 * refused with 77; uses and refusals are audited.
 */
#include <getopt.h>
#include <string.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(),
	    "usage: ecert-use -k key [--unit uscc] --matter code --holder id "
	    "[--type code]\n"
	    "                 [--agent id] [--check item=value ...] "
	    "[--reason text]\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file]\n");
	ecert_usage_exit();
}

/* Held back until the audit of the use has been committed. */
static int
emit(const json_t *out, void *arg)
{
	json_array_append((json_t *)arg, (json_t *)out);
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { OPT_UNIT = ECERT_OPT_FIRST_OWN, OPT_MATTER, OPT_HOLDER,
	    OPT_TYPE, OPT_AGENT, OPT_CHECK, OPT_REASON };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ "matter", required_argument, NULL, OPT_MATTER },
		{ "holder", required_argument, NULL, OPT_HOLDER },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "agent", required_argument, NULL, OPT_AGENT },
		{ "check", required_argument, NULL, OPT_CHECK },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_opts o = { 0 };
	struct ecert_use u = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	const char *unit = NULL, *reason = NULL;
	char detail[1024];
	json_t *results = json_array(), *one;
	size_t i;
	char object[80];
	int c, rc, checking, mismatch = 0;

	ecert_setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "d:k:h", longopts, NULL)) != -1) {
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_UNIT: unit = optarg; break;
		case OPT_MATTER: u.matter = optarg; break;
		case OPT_HOLDER: u.holder_id = optarg; break;
		case OPT_TYPE: u.type = optarg; break;
		case OPT_AGENT: u.agent_id = optarg; break;
		case OPT_REASON: reason = optarg; break;
		case OPT_CHECK:
			if (strchr(optarg, '=') == NULL || *optarg == '=')
				ecert_die(ECERT_USAGE, "--check %s: expected "
				    "item=value", optarg);
			if (u.checks == NULL)
				u.checks = json_object();
			if (ecert_record_from_args(u.checks, optarg, &e) != 0)
				ecert_die_error(&e);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || u.matter == NULL || u.holder_id == NULL)
		usage();
	if (u.checks != NULL && u.type == NULL)
		ecert_die(ECERT_USAGE, "--check needs --type: the items are "
		    "the type's");
	checking = u.checks != NULL;
	/* the use reason (用证事由), as ecert-serve records it */
	if (reason != NULL && (*reason == '\0' ||
	    !ecert_utf8_valid(reason, strlen(reason)) ||
	    ecert_utf8_chars(reason) > 200))
		ecert_die(ECERT_USAGE, "--reason: 1 to 200 characters of "
		    "UTF-8 expected");
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	snprintf(object, sizeof(object), "matter %s", u.matter);
	u.unit = a.unit;
	if (unit != NULL && strcmp(unit, a.unit) != 0) {
		ecert_fail(&e, ECERT_NOPERM, "--unit %s: the key is %s's",
		    unit, a.unit);
		ecert_audit_refusal(s, a.unit, "license.use", object, &e);
		ecert_die_error(&e);
	}
	/* an agent, too, is served only by a using unit */
	if (!(a.roles & ECERT_ROLE_USER)) {
		ecert_fail(&e, ECERT_NOPERM, "unit %s is not a using unit",
		    a.unit);
		ecert_audit_refusal(s, a.unit, "license.use", object, &e);
		ecert_die_error(&e);
	}
	if ((rc = ecert_begin(s, &e)) == 0 &&
	    (rc = ecert_use(s, &a, &u, emit, results, &e)) == 0) {
		if (reason != NULL) {
			snprintf(detail, sizeof(detail), "用证事由: %s", reason);
			if ((rc = ecert_audit(s, a.unit, checking ?
			    "license.check" : "license.use", object, "reason",
			    detail)) != 0)
				ecert_fail(&e, rc, "audit: cannot record the "
				    "use reason");
		}
		if (rc == 0)
			rc = ecert_commit(s, &e);
	}
	ecert_key_wipe(&a.key);
	json_decref(u.checks);
	if (rc != 0) {
		ecert_rollback(s);
		if (reason != NULL)
			snprintf(e.msg + strlen(e.msg), sizeof(e.msg) -
			    strlen(e.msg), " (用证事由: %s)", reason);
		ecert_audit_refusal(s, a.unit, "license.use", object, &e);
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	ecert_store_close(s);
	json_array_foreach(results, i, one) {
		ecert_print_json(one);
		if (checking && !json_is_true(json_object_get(one, "match")))
			mismatch = 1;
	}
	json_decref(results);
	return mismatch ? ECERT_NO : 0;
}
