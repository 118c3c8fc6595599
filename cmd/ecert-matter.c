/*
 * ecert-matter: service matters and the licenses that stand for their
 * materials (articles 14, 15).  Loading is the admin's, all or nothing;
 * check tells, for one holder, which materials need not be submitted
 * because the license library holds a license in force for them.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char *
yesno(const json_t *v)
{
	return json_is_true(v) ? "yes" : "no";
}

static void
count_materials(const json_t *matter, int *n, int *exempt)
{
	const json_t *material;
	size_t i;

	*n = 0;
	*exempt = 0;
	json_array_foreach(json_object_get(matter, "materials"), i,
	    material) {
		(*n)++;
		if (json_is_true(json_object_get(material, "exempt")))
			(*exempt)++;
	}
}

struct list_out {
	struct ecert_store *s;
	struct ecert_table *t;
};

static int
list_row(const json_t *matter, int version, void *arg)
{
	struct list_out *lo = arg;
	const char *department = ecert_json_str(matter, "department");
	char dname[256] = "", nmat[16], nex[16], vers[16];
	const char *cells[8];
	json_t *row;
	int n, exempt;

	ecert_unit_name(lo->s, department, dname, sizeof(dname), NULL);
	count_materials(matter, &n, &exempt);
	if (lo->t != NULL) {
		snprintf(nmat, sizeof(nmat), "%d", n);
		snprintf(nex, sizeof(nex), "%d", exempt);
		snprintf(vers, sizeof(vers), "%d", version);
		cells[0] = ecert_json_str(matter, "code");
		cells[1] = ecert_json_str(matter, "name");
		cells[2] = dname[0] ? dname : department;
		cells[3] = ecert_json_str(matter, "holder");
		cells[4] = yesno(json_object_get(matter, "high_frequency"));
		cells[5] = nmat;
		cells[6] = nex;
		cells[7] = vers;
		ecert_table_add(lo->t, cells);
		return 0;
	}
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:i, s:i, s:i}",
	    "code", ecert_json_str(matter, "code"),
	    "name", ecert_json_str(matter, "name"),
	    "department", department, "department_name", dname,
	    "holder", ecert_json_str(matter, "holder"),
	    "high_frequency", json_object_get(matter, "high_frequency"),
	    "materials", n, "exempt", exempt, "version", version);
	ecert_print_json(row);
	json_decref(row);
	return 0;
}

static int
cmd_list(struct ecert_store *s, struct ecert_opts *o)
{
	static const char *headers[] = { "CODE", "NAME", "DEPARTMENT",
	    "HOLDER", "HIGH FREQ", "MATERIALS", "EXEMPT", "VERSION" };
	struct list_out lo = { s, NULL };
	struct ecert_error e;

	if (ecert_want_table(o->json, o->table))
		lo.t = ecert_table_new(8, headers);
	if (ecert_matter_each(s, list_row, &lo, &e) != 0)
		ecert_die_error(&e);
	ecert_table_done(lo.t);
	return 0;
}

/* The license types of a material by name, 营业执照、食品经营许可证. */
static char *
type_names(struct ecert_store *s, const json_t *types)
{
	const json_t *code;
	size_t i, len = 0;
	char *out = ecert_xstrdup("");

	json_array_foreach(types, i, code) {
		json_t *type = ecert_catalog_get(s, json_string_value(code));
		const char *name = type ? ecert_json_str(type, "name") : NULL;
		char *more;

		more = ecert_xasprintf("%s%s%s", out, i ? "、" : "",
		    name ? name : json_string_value(code));
		free(out);
		out = more;
		len++;
		json_decref(type);
	}
	if (len == 0) {
		free(out);
		out = ecert_xstrdup("-");
	}
	return out;
}

static int
cmd_show(struct ecert_store *s, struct ecert_opts *o, const char *code)
{
	static const char *headers[] = { "KEY", "NAME", "REQUIRED", "EXEMPT",
	    "LICENSES" };
	struct ecert_table *t;
	json_t *matter = ecert_matter_get(s, code), *material;
	const char *department, *basis;
	char dname[256] = "";
	size_t i;

	if (matter == NULL)
		ecert_die(ECERT_NO, "%s: no such matter", code);
	if (o->json) {
		ecert_print_json(matter);
		json_decref(matter);
		return 0;
	}
	department = ecert_json_str(matter, "department");
	ecert_unit_name(s, department, dname, sizeof(dname), NULL);
	basis = ecert_json_str(matter, "basis");
	printf("%s %s\ndepartment: %s %s\nholder: %s\nhigh frequency: %s\n"
	    "version: %d\n", code, ecert_json_str(matter, "name"), department,
	    dname, ecert_json_str(matter, "holder"),
	    yesno(json_object_get(matter, "high_frequency")),
	    (int)json_integer_value(json_object_get(matter, "version")));
	if (basis != NULL)
		printf("basis: %s\n", basis);
	putchar('\n');
	t = ecert_table_new(5, headers);
	json_array_foreach(json_object_get(matter, "materials"), i,
	    material) {
		const char *cells[5];
		char *names = type_names(s, json_object_get(material,
		    "licenses"));

		cells[0] = ecert_json_str(material, "key");
		cells[1] = ecert_json_str(material, "name");
		cells[2] = yesno(json_object_get(material, "required"));
		cells[3] = yesno(json_object_get(material, "exempt"));
		cells[4] = names;
		ecert_table_add(t, cells);
		free(names);
	}
	ecert_table_done(t);
	json_decref(matter);
	return 0;
}

/* An argument that is an ID number is never written to the audit log. */
static const char *
audit_object(const char *code)
{
	if (ecert_citizen_id_valid(code) || ecert_uscc_valid(code))
		return "(an ID number)";
	return code;
}

static void
print_check(const json_t *matter, const json_t *results, int table)
{
	static const char *headers[] = { "MATERIAL", "NAME", "REQUIRED",
	    "OUTCOME", "REASON", "LICENSE" };
	struct ecert_table *t;
	const json_t *row;
	size_t i;
	int exempt = 0;

	if (!table) {
		json_array_foreach(results, i, row)
			ecert_print_json(row);
		return;
	}
	printf("%s %s\n\n", ecert_json_str(matter, "code"),
	    ecert_json_str(matter, "name"));
	t = ecert_table_new(6, headers);
	json_array_foreach(results, i, row) {
		const char *cells[6];

		cells[0] = ecert_json_str(row, "material");
		cells[1] = ecert_json_str(row, "name");
		cells[2] = yesno(json_object_get(row, "required"));
		cells[3] = strcmp(ecert_json_str(row, "outcome"),
		    "exempt") == 0 ? "exempt 免提交" : "submit 需提交";
		cells[4] = ecert_json_str(row, "reason");
		cells[5] = ecert_json_str(row, "license") ?
		    ecert_json_str(row, "license") : "-";
		ecert_table_add(t, cells);
		exempt += strcmp(cells[3], "exempt 免提交") == 0;
	}
	ecert_table_done(t);
	printf("\n%d of %zu materials exempt\n", exempt,
	    json_array_size(results));
	fflush(stdout);
}

static int
cmd_check(struct ecert_store *s, struct ecert_opts *o, const char *code,
    const char *holder_id, const char *holder)
{
	struct ecert_actor a;
	struct ecert_error e;
	json_t *matter, *results = NULL, *row, *detail;
	const char *unit = NULL;
	char *text;
	size_t i;
	int rc, arc, exempt = 0, submit = 0;

	/* a key is optional: with one, the using unit is in the audit log */
	if ((o->key != NULL && *o->key != '\0') ||
	    (getenv("ECERT_KEY") != NULL && *getenv("ECERT_KEY") != '\0')) {
		ecert_opts_actor(s, o, &a);
		ecert_key_wipe(&a.key);
		unit = a.unit;
	}
	if ((matter = ecert_matter_get(s, code)) == NULL) {
		ecert_fail(&e, ECERT_NO, "matter %s: not found",
		    audit_object(code));
		ecert_audit_refusal(s, unit, "matter.check",
		    audit_object(code), &e);
		ecert_die(ECERT_NO, "matter %s: not found", code);
	}
	rc = ecert_matter_check(s, matter, holder_id, holder, &results, &e);
	if (results == NULL) {
		ecert_audit_refusal(s, unit, "matter.check", code, &e);
		json_decref(matter);
		ecert_die_error(&e);
	}
	json_array_foreach(results, i, row) {
		if (strcmp(ecert_json_str(row, "outcome"), "exempt") == 0)
			exempt++;
		else if (json_is_true(json_object_get(row, "marked")) &&
		    json_is_true(json_object_get(row, "required")))
			submit++;
	}
	detail = json_pack("{s:i, s:i, s:i, s:I}", "exempt", exempt,
	    "materials", (int)json_array_size(results), "submit", submit,
	    "version", json_integer_value(json_object_get(matter,
	    "version")));
	text = ecert_json_canonical(detail);
	json_decref(detail);
	/* no answer without its record in the audit log */
	arc = ecert_audit(s, unit, "matter.check", code, "ok", text);
	free(text);
	if (arc != 0)
		ecert_die(arc, "matter %s: the check could not be audited, "
		    "so it is not answered", code);
	print_check(matter, results, ecert_want_table(o->json, o->table));
	json_decref(results);
	json_decref(matter);
	return rc;
}

enum { LOAD, LIST, SHOW, CHECK };
static const char *const verbs[] = { "load", "list", "show", "check",
    NULL };
static const char *matter, *holder_id, *holder;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_VAL("matter", 0, "code", &matter, ECERT_VAL_MATTER,
	    "check: the matter"),
	ECERT_OPT_STR("holder-id", 0, "id", &holder_id,
	    "check: the holder's ID number or unified social credit code"),
	ECERT_OPT_STR("holder", 0, "name", &holder, "check: the holder's name"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-matter load -k adminkey file ...",
	"ecert-matter list [--json | --table]",
	"ecert-matter show [--json] code",
	"ecert-matter check [-k key] --matter code --holder-id id "
	"[--holder name]",
	"                   [--json | --table]",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.verbs = verbs,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	int verb, rc;

	ecert_setprogname(argv[0]);
	verb = ecert_cmd_parse(&command, &o, &argc, &argv);
	if (verb != CHECK && (matter || holder_id || holder))
		ecert_usage();
	if ((verb == LOAD && argc == 0) || (verb == LIST && argc != 0) ||
	    (verb == SHOW && argc != 1) ||
	    (verb == CHECK && (argc != 0 || matter == NULL ||
	    holder_id == NULL)))
		ecert_usage();
	s = ecert_opts_store(&o);
	rc = 0;
	if (verb == LOAD)
		ecert_opts_load(s, &o, argv, argc, "matter.load", "matter",
		    ecert_matter_load);
	else if (verb == LIST)
		rc = cmd_list(s, &o);
	else if (verb == SHOW)
		rc = cmd_show(s, &o, argv[0]);
	else
		rc = cmd_check(s, &o, matter, holder_id, holder);
	ecert_store_close(s);
	return rc;
}
