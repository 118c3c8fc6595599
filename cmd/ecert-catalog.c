/*
 * ecert-catalog: load, list and show license types (目录).  Loading is
 * the admin's (the responsibility list of article 5) and all or nothing.
 */
#include <string.h>

#include "cmd.h"

struct list_out {
	struct ecert_table *t;
};

static int
list_row(const struct ecert_type_row *r, void *arg)
{
	struct list_out *lo = arg;
	const char *cells[6];
	char version[16];
	json_t *row;

	if (lo->t != NULL) {
		snprintf(version, sizeof(version), "%d", r->version);
		cells[0] = r->code;
		cells[1] = r->name;
		cells[2] = r->issuer;
		cells[3] = r->issuer_name;
		cells[4] = r->public ? "yes" : "no";
		cells[5] = version;
		ecert_table_add(lo->t, cells);
		return 0;
	}
	row = json_pack("{s:s, s:s, s:s, s:s, s:b, s:i}", "code", r->code,
	    "name", r->name, "issuer", r->issuer, "issuer_name",
	    r->issuer_name, "public", r->public, "version", r->version);
	ecert_print_json(row);
	json_decref(row);
	return 0;
}

static int
cmd_list(struct ecert_store *s, struct ecert_opts *o)
{
	static const char *headers[] = { "CODE", "NAME", "ISSUER",
	    "ISSUER NAME", "PUBLIC", "VERSION" };
	struct list_out lo = { NULL };
	struct ecert_error e;

	if (ecert_want_table(o->json, o->table))
		lo.t = ecert_table_new(6, headers);
	if (ecert_catalog_each(s, list_row, &lo, &e) != 0)
		ecert_die_error(&e);
	ecert_table_done(lo.t);
	return 0;
}

static const char *
yesno(const json_t *v)
{
	return json_is_true(v) ? "yes" : "no";
}

static int
cmd_show(struct ecert_store *s, struct ecert_opts *o, const char *code)
{
	static const char *headers[] = { "KEY", "LABEL", "TYPE", "REQUIRED",
	    "PUBLIC" };
	struct ecert_table *t;
	json_t *type = ecert_catalog_get(s, code), *item;
	size_t i;

	if (type == NULL)
		ecert_die(ECERT_NO, "%s: not in the catalog", code);
	if (o->json) {
		ecert_print_json(type);
		json_decref(type);
		return 0;
	}
	printf("%s %s\nissuer: %s\nholder: %s\npublic: %s\nreview: %s\n"
	    "validity: %d years\n\n", code, ecert_json_str(type, "name"),
	    ecert_json_str(type, "issuer"), ecert_json_str(type, "holder"),
	    yesno(json_object_get(type, "public")),
	    yesno(json_object_get(type, "review")),
	    (int)json_integer_value(json_object_get(type, "validity_years")));
	t = ecert_table_new(5, headers);
	json_array_foreach(json_object_get(type, "items"), i, item) {
		const char *cells[5];

		cells[0] = ecert_json_str(item, "key");
		cells[1] = ecert_json_str(item, "label");
		cells[2] = ecert_json_str(item, "type");
		cells[3] = yesno(json_object_get(item, "required"));
		cells[4] = yesno(json_object_get(item, "public"));
		ecert_table_add(t, cells);
	}
	ecert_table_done(t);
	json_decref(type);
	return 0;
}

/* history: the type's versions as JSON Lines, each checked (catalog.c). */
static int
cmd_history(struct ecert_store *s, const char *code)
{
	char why[256];
	json_t *list = ecert_catalog_history(s, code, why, sizeof(why)), *v;
	size_t i;

	if (list == NULL)
		ecert_die(ECERT_NO, "%s: %s%s", code, strncmp(why, "history", 7)
		    == 0 ? "tampering: " : "", why);
	json_array_foreach(list, i, v)
		ecert_print_json(v);
	json_decref(list);
	return 0;
}

static const char *const verbs[] = { "load", "list", "show", "history", NULL };

static const char *const synopsis[] = {
	"ecert-catalog load -k adminkey file ...",
	"ecert-catalog list [--json | --table]",
	"ecert-catalog show [--json] code",
	"ecert-catalog history code",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.verbs = verbs,
	.common = ECERT_COMMON_ALL
};

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	int verb, rc;

	ecert_setprogname(argv[0]);
	verb = ecert_cmd_parse(&command, &o, &argc, &argv);
	if ((verb == 0 && argc == 0) || (verb == 1 && argc != 0) ||
	    (verb >= 2 && argc != 1))
		ecert_usage();
	s = ecert_opts_store(&o);
	rc = 0;
	if (verb == 0)
		ecert_opts_load(s, &o, argv, argc, "catalog.load", "type",
		    ecert_catalog_load);
	else if (verb == 1)
		rc = cmd_list(s, &o);
	else if (verb == 2)
		rc = cmd_show(s, &o, argv[0]);
	else
		rc = cmd_history(s, argv[0]);
	ecert_store_close(s);
	return rc;
}
