/*
 * ecert-use: a using unit (用证单位) fetches a holder's licenses for one
 * matter, under a grant (articles 12, 13, 15), or only checks the data
 * on a photocopy (--check: exit 1 when any item does not match, the
 * answers printed all the same).  Everything a grant does not cover is
 * refused with 77; uses and refusals are audited.
 */
#include <string.h>

#include "cmd.h"

/* Held back until the audit of the use has been committed. */
static int
emit(const json_t *out, void *arg)
{
	json_array_append((json_t *)arg, (json_t *)out);
	return 0;
}

static struct ecert_use u;
static const char *unit, *reason;

static void
add_check(const char *arg, void *var)
{
	if (strchr(arg, '=') == NULL || *arg == '=')
		ecert_die(ECERT_USAGE, "--check %s: expected item=value", arg);
	ecert_cmd_field(arg, var);
}

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_VAL("unit", 0, "uscc", &unit, ECERT_VAL_UNIT,
	    "the using unit (the key's own)"),
	ECERT_OPT_VAL("matter", 0, "code", &u.matter, ECERT_VAL_MATTER,
	    "for this matter"),
	ECERT_OPT_STR("holder", 0, "id", &u.holder_id,
	    "the holder's ID number or unified social credit code"),
	ECERT_OPT_VAL("type", 0, "code", &u.type, ECERT_VAL_TYPE,
	    "only this license type"),
	ECERT_OPT_STR("agent", 0, "id", &u.agent_id,
	    "the delegated person's ID number (委托用证)"),
	ECERT_OPT_CALL("check", 0, "item=value", add_check, &u.checks,
	    "check a value instead of fetching it; again for more"),
	ECERT_OPT_STR("reason", 0, "text", &reason,
	    "the use reason (用证事由), audited"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-use -k key [--unit uscc] --matter code --holder id "
	"[--type code]",
	"          [--agent id] [--check item=value ...] [--reason text]",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

/* A refusal: audited, then the process ends with its status. */
static void
refuse(struct ecert_store *s, const char *actor, const char *object,
    struct ecert_error *e)
{
	ecert_audit_refusal(s, actor, "license.use", object, e);
	ecert_store_close(s);
	ecert_die_error(e);
}

/* The use and its reason's audit entry, in one transaction. */
static int
use(struct ecert_store *s, struct ecert_actor *a, const char *object,
    json_t *results, struct ecert_error *e)
{
	char detail[1024];
	int rc;

	if ((rc = ecert_begin(s, e)) != 0 ||
	    (rc = ecert_use(s, a, &u, emit, results, e)) != 0)
		return rc;
	if (reason != NULL) {
		snprintf(detail, sizeof(detail), "用证事由: %s", reason);
		if ((rc = ecert_audit(s, a->unit, u.checks != NULL ?
		    "license.check" : "license.use", object, "reason",
		    detail)) != 0)
			return ecert_fail(e, rc, "audit: cannot record the "
			    "use reason");
	}
	return ecert_commit(s, e);
}

/* The answers, written once committed; 1 when a check did not match. */
static int
print_results(json_t *results)
{
	json_t *one;
	size_t i;
	int mismatch = 0;

	json_array_foreach(results, i, one) {
		ecert_print_json(one);
		if (u.checks != NULL && !json_is_true(json_object_get(one,
		    "match")))
			mismatch = 1;
	}
	json_decref(results);
	return mismatch ? ECERT_NO : 0;
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	json_t *results;
	char object[80];
	int rc;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (argc != 0 || u.matter == NULL || u.holder_id == NULL)
		ecert_usage();
	if (u.checks != NULL && u.type == NULL)
		ecert_die(ECERT_USAGE, "--check needs --type: the items are "
		    "the type's");
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
		refuse(s, a.unit, object, &e);
	}
	/* an agent, too, is served only by a using unit */
	if (!(a.roles & ECERT_ROLE_USER)) {
		ecert_fail(&e, ECERT_NOPERM, "unit %s is not a using unit",
		    a.unit);
		refuse(s, a.unit, object, &e);
	}
	results = json_array();
	rc = use(s, &a, object, results, &e);
	ecert_key_wipe(&a.key);
	if (rc != 0) {
		json_decref(results);
		json_decref(u.checks);
		ecert_rollback(s);
		if (reason != NULL)
			snprintf(e.msg + strlen(e.msg), sizeof(e.msg) -
			    strlen(e.msg), " (用证事由: %s)", reason);
		refuse(s, a.unit, object, &e);
	}
	ecert_store_close(s);
	rc = print_results(results);
	json_decref(u.checks);
	return rc;
}
