/*
 * ecert-grant: authorizations (授权用证) and delegations (委托用证),
 * article 12.  Each grant is signed by its grantor's key and audited;
 * nothing is deleted: a withdrawn grant stays, with who and why.
 */
#include <string.h>

#include "cmd.h"

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

enum { ADD, LIST, SHOW, WITHDRAW };
static const char *const verbs[] = { "add", "list", "show", "withdraw",
    NULL };
static struct ecert_grant_spec g;
static const char *reason;
static int all;

static void
set_uses(const char *arg, void *var)
{
	char *end;

	(void)var;
	g.max_uses = strtol(arg, &end, 10);
	if (*end != '\0' || g.max_uses < 1)
		ecert_die(ECERT_USAGE, "--uses %s: a count", arg);
}

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_STR("holder", 0, "name", &g.holder, "add: the holder"),
	ECERT_OPT_STR("holder-id", 0, "id", &g.holder_id,
	    "add, list: the holder's ID number or code"),
	ECERT_OPT_VAL("matter", 0, "code", &g.matter, ECERT_VAL_MATTER,
	    "add: for this matter"),
	ECERT_OPT_VAL("grantee", 0, "uscc", &g.grantee, ECERT_VAL_UNIT,
	    "add, list: the using unit"),
	ECERT_OPT_STR("agent", 0, "name", &g.agent,
	    "add: or a person delegated (委托用证)"),
	ECERT_OPT_STR("agent-id", 0, "id", &g.agent_id,
	    "add: that person's ID number"),
	ECERT_OPT_VAL("type", 0, "code,...", &g.types, ECERT_VAL_TYPE,
	    "add: these license types"),
	ECERT_OPT_STR("license", 0, "id,...", &g.licenses,
	    "add: or these licenses"),
	ECERT_OPT_STR("from", 0, "time", &g.from, "add: from (default now)"),
	ECERT_OPT_STR("until", 0, "time", &g.until, "add: until"),
	ECERT_OPT_CALL("uses", 0, "n", set_uses, NULL,
	    "add: at most n uses"),
	ECERT_OPT_SET("all", 0, &all, 1, "list: withdrawn and past ones too"),
	ECERT_OPT_STR("reason", 0, "text", &reason, "withdraw: why"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-grant add -k key --holder name --holder-id id --matter code",
	"                (--grantee uscc | --agent name --agent-id id)",
	"                (--type code,... | --license id,...) [--from time] "
	"--until time",
	"                [--uses n]",
	"ecert-grant list [--holder-id id] [--grantee uscc] [--all] "
	"[--json | --table]",
	"ecert-grant show grant",
	"ecert-grant withdraw -k key --reason text grant",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.verbs = verbs,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

/* add and withdraw: one change, audited either way */
static void
change(struct ecert_store *s, const struct ecert_opts *o, int verb,
    long long *id, const char *object)
{
	struct ecert_actor a;
	struct ecert_error e;
	int rc;

	ecert_opts_actor(s, o, &a);
	if ((rc = ecert_begin(s, &e)) == 0)
		rc = verb == ADD ? ecert_grant_add(s, &a, &g, id, &e) :
		    ecert_grant_withdraw(s, &a, *id, reason, &e);
	ecert_key_wipe(&a.key);
	if (ecert_change_end(s, rc, a.unit, verb == ADD ? "grant.add" :
	    "grant.withdraw", object, &e) != 0)
		ecert_die_error(&e);
}

static void
cmd_list(struct ecert_store *s, const struct ecert_opts *o, long long id,
    const char *object)
{
	static const char *headers[] = { "GRANT", "HOLDER", "GRANTEE",
	    "MATTER", "TYPES", "UNTIL", "USES", "STATE" };
	struct out out = { 0 };
	struct ecert_error e;

	ecert_audit_access(s, NULL, id ? "grant.show" : "grant.list", object,
	    "ok", NULL);
	if (id == 0 && ecert_want_table(o->json, o->table))
		out.table = ecert_table_new(8, headers);
	if (ecert_grant_list(s, id, id ? NULL : g.holder_id, id ? NULL :
	    g.grantee, id ? 0 : !all, emit, &out, &e) != 0)
		ecert_die_error(&e);
	ecert_table_done(out.table);
	if (id != 0 && out.count == 0) {
		ecert_store_close(s);
		ecert_die(ECERT_NO, "grant %s: not found", object);
	}
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	long long id = 0;
	char *end;
	int verb;

	ecert_setprogname(argv[0]);
	verb = ecert_cmd_parse(&command, &o, &argc, &argv);
	if (argc != (verb == SHOW || verb == WITHDRAW))
		ecert_usage();
	if (argc == 1 && ((id = strtoll(argv[0], &end, 10)) < 1 ||
	    *end != '\0' || (verb == WITHDRAW && reason == NULL)))
		ecert_usage();
	s = ecert_opts_store(&o);
	if (verb == ADD) {
		change(s, &o, ADD, &id, g.matter);
		if (ecert_want_table(o.json, o.table))
			printf("%lld\n", id);
		else
			printf("{\"grant\":%lld}\n", id);
	} else if (verb == WITHDRAW)
		change(s, &o, WITHDRAW, &id, argv[0]);
	else
		cmd_list(s, &o, id, verb == SHOW ? argv[0] : g.grantee ?
		    g.grantee : "grants");
	ecert_store_close(s);
	return 0;
}
