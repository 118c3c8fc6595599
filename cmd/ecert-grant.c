/*
 * ecert-grant: authorizations (授权用证) and delegations (委托用证),
 * article 12.  Each grant is signed by its grantor's key and audited;
 * nothing is deleted: a withdrawn grant stays, with who and why.
 */
#include <getopt.h>
#include <string.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(),
	    "usage: ecert-grant add -k key --holder name --holder-id id "
	    "--matter code\n"
	    "                       (--grantee uscc | --agent name --agent-id id)\n"
	    "                       (--type code,... | --license id,...) "
	    "[--from time] --until time\n"
	    "                       [--uses n]\n"
	    "       ecert-grant list [--holder-id id] [--grantee uscc] [--all] "
	    "[--json | --table]\n"
	    "       ecert-grant show grant\n"
	    "       ecert-grant withdraw -k key --reason text grant\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file]\n");
	ecert_usage_exit();
}

struct out {
	struct ecert_table *table;
	long count;
};

static int
emit(const json_t *g, void *arg)
{
	struct out *o = arg;
	const char *cells[8];
	char id[24], uses[48], *types;

	o->count++;
	if (o->table == NULL) {
		ecert_print_json(g);
		return 0;
	}
	snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(g, "id")));
	if (json_is_integer(json_object_get(g, "max_uses")))
		snprintf(uses, sizeof(uses), "%" JSON_INTEGER_FORMAT "/%"
		    JSON_INTEGER_FORMAT, json_integer_value(json_object_get(g,
		    "uses")), json_integer_value(json_object_get(g,
		    "max_uses")));
	else
		snprintf(uses, sizeof(uses), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(g, "uses")));
	types = json_dumps(json_object_get(g, "types"), JSON_COMPACT);
	cells[0] = id;
	cells[1] = ecert_json_str(g, "holder_name");
	cells[2] = ecert_json_str(g, "grantee") ? ecert_json_str(g,
	    "grantee") : ecert_json_str(g, "agent_name");
	cells[3] = ecert_json_str(g, "matter");
	cells[4] = types;
	cells[5] = ecert_json_str(g, "not_after");
	cells[6] = uses;
	cells[7] = !json_is_null(json_object_get(g, "withdrawn_at")) ?
	    "withdrawn" : json_is_true(json_object_get(g, "signature_ok")) ?
	    "signed" : "BAD SIGNATURE";
	ecert_table_add(o->table, cells);
	free(types);
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { OPT_HOLDER = ECERT_OPT_FIRST_OWN, OPT_HOLDER_ID, OPT_MATTER,
	    OPT_GRANTEE, OPT_AGENT, OPT_AGENT_ID, OPT_TYPE, OPT_LICENSE,
	    OPT_FROM, OPT_UNTIL, OPT_USES, OPT_ALL, OPT_REASON };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "holder", required_argument, NULL, OPT_HOLDER },
		{ "holder-id", required_argument, NULL, OPT_HOLDER_ID },
		{ "matter", required_argument, NULL, OPT_MATTER },
		{ "grantee", required_argument, NULL, OPT_GRANTEE },
		{ "agent", required_argument, NULL, OPT_AGENT },
		{ "agent-id", required_argument, NULL, OPT_AGENT_ID },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "license", required_argument, NULL, OPT_LICENSE },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "uses", required_argument, NULL, OPT_USES },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ NULL, 0, NULL, 0 }
	};
	static const char *headers[] = { "GRANT", "HOLDER", "GRANTEE",
	    "MATTER", "TYPES", "UNTIL", "USES", "STATE" };
	struct ecert_opts o = { 0 };
	struct ecert_grant_spec g = { 0 };
	struct out out = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	const char *verb, *reason = NULL;
	long long id;
	char *end;
	int c, rc = 0, all = 0;

	ecert_setprogname(argv[0]);
	if ((verb = ecert_take_verb(&argc, &argv, "d:k:h", longopts)) == NULL)
		usage();
	while ((c = getopt_long(argc, argv, "d:k:h", longopts, NULL)) != -1) {
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_HOLDER: g.holder = optarg; break;
		case OPT_HOLDER_ID: g.holder_id = optarg; break;
		case OPT_MATTER: g.matter = optarg; break;
		case OPT_GRANTEE: g.grantee = optarg; break;
		case OPT_AGENT: g.agent = optarg; break;
		case OPT_AGENT_ID: g.agent_id = optarg; break;
		case OPT_TYPE: g.types = optarg; break;
		case OPT_LICENSE: g.licenses = optarg; break;
		case OPT_FROM: g.from = optarg; break;
		case OPT_UNTIL: g.until = optarg; break;
		case OPT_ALL: all = 1; break;
		case OPT_REASON: reason = optarg; break;
		case OPT_USES:
			g.max_uses = strtol(optarg, &end, 10);
			if (*end != '\0' || g.max_uses < 1)
				ecert_die(ECERT_USAGE, "--uses %s: a count",
				    optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(verb, "add") == 0 && argc == 0) {
		s = ecert_opts_store(&o);
		ecert_opts_actor(s, &o, &a);
		if ((rc = ecert_begin(s, &e)) == 0 &&
		    (rc = ecert_grant_add(s, &a, &g, &id, &e)) == 0)
			rc = ecert_commit(s, &e);
		ecert_key_wipe(&a.key);
		if (rc != 0) {
			ecert_rollback(s);
			ecert_audit_refusal(s, a.unit, "grant.add", g.matter, &e);
			ecert_die_error(&e);
		}
		if (ecert_want_table(o.json, o.table))
			printf("%lld\n", id);
		else
			printf("{\"grant\":%lld}\n", id);
	} else if (strcmp(verb, "list") == 0 && argc == 0) {
		s = ecert_opts_store(&o);
		ecert_audit_access(s, NULL, "grant.list", g.grantee ?
		    g.grantee : "grants", "ok", NULL);
		if (ecert_want_table(o.json, o.table))
			out.table = ecert_table_new(8, headers);
		if (ecert_grant_list(s, 0, g.holder_id, g.grantee, !all, emit,
		    &out, &e) != 0)
			ecert_die_error(&e);
		if (out.table != NULL) {
			ecert_table_print(out.table, stdout);
			ecert_table_free(out.table);
		}
	} else if (strcmp(verb, "show") == 0 && argc == 1) {
		id = strtoll(argv[0], &end, 10);
		if (*end != '\0' || id < 1)
			usage();
		s = ecert_opts_store(&o);
		ecert_audit_access(s, NULL, "grant.show", argv[0], "ok", NULL);
		if (ecert_grant_list(s, id, NULL, NULL, 0, emit, &out, &e) != 0)
			ecert_die_error(&e);
		ecert_store_close(s);
		if (out.count == 0)
			ecert_die(ECERT_NO, "grant %s: not found", argv[0]);
		return 0;
	} else if (strcmp(verb, "withdraw") == 0 && argc == 1) {
		id = strtoll(argv[0], &end, 10);
		if (*end != '\0' || id < 1 || reason == NULL)
			usage();
		s = ecert_opts_store(&o);
		ecert_opts_actor(s, &o, &a);
		if ((rc = ecert_begin(s, &e)) == 0 &&
		    (rc = ecert_grant_withdraw(s, &a, id, reason, &e)) == 0)
			rc = ecert_commit(s, &e);
		ecert_key_wipe(&a.key);
		if (rc != 0) {
			ecert_rollback(s);
			ecert_audit_refusal(s, a.unit, "grant.withdraw", argv[0],
			    &e);
			ecert_die_error(&e);
		}
	} else
		usage();
	ecert_store_close(s);
	return 0;
}
