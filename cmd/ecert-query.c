/*
 * ecert-query: search licenses by holder, type, issuer, status and issue
 * date.  JSON Lines through a pipe, a table on a terminal, TSV with -o.
 */
#include <string.h>

#include "cmd.h"

static const char *fields_all[] = { "id", "type", "type_name", "number",
    "holder", "issuer", "issue_date", "valid_from", "valid_until", "status",
    NULL };

struct out {
	struct ecert_table *table;
	char **fields;		/* -o: in fieldlist, a copy of its argument */
	char *fieldlist;
	int nfields;
	long count;
};

static int
emit(const json_t *row, void *arg)
{
	struct out *o = arg;
	const char *cells[10];
	int i;

	o->count++;
	if (o->fields != NULL) {
		for (i = 0; i < o->nfields; i++) {
			const char *v = ecert_json_str(row, o->fields[i]);
			printf("%s%s", i ? "\t" : "", v ? v : "");
		}
		putchar('\n');
		fflush(stdout);
	} else if (o->table != NULL) {
		cells[0] = ecert_json_str(row, "id");
		cells[1] = ecert_json_str(row, "type_name");
		cells[2] = ecert_json_str(row, "number");
		cells[3] = ecert_json_str(row, "holder");
		cells[4] = ecert_json_str(row, "issue_date");
		cells[5] = ecert_json_str(row, "valid_until");
		cells[6] = ecert_status_label(ecert_json_str(row, "status"));
		ecert_table_add(o->table, cells);
	} else
		ecert_print_json(row);
	return 0;
}

static int
known_field(const char *f)
{
	int i;

	for (i = 0; fields_all[i] != NULL; i++)
		if (strcmp(f, fields_all[i]) == 0)
			return 1;
	return 0;
}

static int
public_row(const json_t *row, void *arg)
{
	struct ecert_table *t = arg;
	const char *cells[6];
	char *items;

	if (t == NULL) {
		ecert_print_json(row);
		return 0;
	}
	items = json_dumps(json_object_get(row, "items"), JSON_COMPACT);
	cells[0] = ecert_json_str(row, "type_name");
	cells[1] = ecert_json_str(row, "number");
	cells[2] = ecert_json_str(row, "issuer");
	cells[3] = ecert_json_str(row, "valid_until") ? ecert_json_str(row,
	    "valid_until") : "长期";
	cells[4] = ecert_status_label(ecert_json_str(row, "status"));
	cells[5] = items;
	ecert_table_add(t, cells);
	free(items);
	return 0;
}

/* Anyone may ask; no key; audited as a public query. */
static int
public_query(const struct ecert_opts *o, const char *name, const char *uscc)
{
	static const char *headers[] = { "TYPE", "NUMBER", "ISSUER", "UNTIL",
	    "STATUS", "ITEMS" };
	struct ecert_table *t = NULL;
	struct ecert_store *s;
	struct ecert_error e;
	char detail[512];
	long count;
	int rc;

	if (name == NULL || uscc == NULL)
		ecert_die(ECERT_USAGE, "--public needs both --name and --uscc");
	/* audited without what was typed: it might be a citizen ID
	 * number, which is never kept in clear */
	if (!ecert_uscc_valid(uscc)) {
		s = ecert_opts_store(o);
		ecert_audit(s, NULL, "license.public-query", "(not a code)",
		    "rejected", "--uscc is not a unified social credit code");
		ecert_store_close(s);
		ecert_die(ECERT_DATAERR, "--uscc: not a valid unified social "
		    "credit code");
	}
	if (ecert_want_table(o->json, o->table))
		t = ecert_table_new(6, headers);
	s = ecert_opts_store(o);
	snprintf(detail, sizeof(detail), "%s %s", name, uscc);
	ecert_audit_access(s, NULL, "license.public-query", uscc, "asked",
	    detail);
	rc = ecert_public_query(s, name, uscc, public_row, t, &count, &e);
	snprintf(detail, sizeof(detail), "%s %s: %ld", name, uscc,
	    rc == 0 ? count : 0);
	if (rc != 0) {
		ecert_audit_refusal(s, NULL, "license.public-query", uscc, &e);
		ecert_die_error(&e);
	}
	ecert_audit(s, NULL, "license.public-query", uscc, count ? "ok" :
	    "not-found", detail);
	ecert_store_close(s);
	if (t != NULL) {
		if (count > 0)
			ecert_table_print(t, stdout);
		ecert_table_free(t);
	}
	if (count == 0) {
		ecert_warn("no publicly disclosable license for %s %s", name,
		    uscc);
		return ECERT_NO;
	}
	return 0;
}

static struct ecert_query q;
static const char *fieldlist, *name, *uscc;
static int public;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_STR("holder", 0, "name", &q.holder, "the holder's name"),
	ECERT_OPT_STR("holder-id", 0, "id", &q.holder_id,
	    "the holder's ID number or unified social credit code"),
	ECERT_OPT_VAL("type", 0, "code", &q.type, ECERT_VAL_TYPE,
	    "the license type"),
	ECERT_OPT_VAL("issuer", 0, "uscc", &q.issuer, ECERT_VAL_UNIT,
	    "the issuing unit"),
	ECERT_OPT_STR("status", 0, "valid|suspended|revoked|expired|"
	    "superseded|draft|rejected", &q.status, "the status"),
	ECERT_OPT_STR("from", 0, "date", &q.from, "issued on or after"),
	ECERT_OPT_STR("to", 0, "date", &q.to, "issued on or before"),
	ECERT_OPT_STR("output", 'o', "field,...", &fieldlist,
	    "tab-separated fields instead of JSON or a table"),
	ECERT_OPT_SET("public", 0, &public, 1,
	    "the public query of a company's disclosable licenses"),
	ECERT_OPT_STR("name", 0, "name", &name, "with --public: the name"),
	ECERT_OPT_STR("uscc", 0, "code", &uscc,
	    "with --public: the unified social credit code"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-query [--holder name] [--holder-id id] [--type code]",
	"            [--issuer uscc] [--status status] [--from date] [--to date]",
	"            [--json | --table | -o field,...]",
	"ecert-query --public --name name --uscc code [--json | --table]",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.common = ECERT_COMMON_ALL & ~(ECERT_COMMON_KEY | ECERT_COMMON_PASSFILE),
	.opts = options
};

/* -o id,holder,...: the fields, checked */
static void
split_fields(struct out *out)
{
	char *list = ecert_xstrdup(fieldlist), *tok, *save = NULL;

	out->fieldlist = list;
	out->fields = ecert_xmalloc(sizeof(char *) * 16);
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (!known_field(tok) || out->nfields == 16)
			ecert_die(ECERT_USAGE, "-o %s: fields are id, type, "
			    "type_name, number, holder, issuer, issue_date, "
			    "valid_from, valid_until, status", tok);
		out->fields[out->nfields++] = tok;
	}
}

int
main(int argc, char *argv[])
{
	static const char *headers[] = { "ID", "TYPE", "NUMBER", "HOLDER",
	    "ISSUED", "UNTIL", "STATUS" };
	struct ecert_opts o = { 0 };
	struct out out = { 0 };
	struct ecert_store *s;
	struct ecert_error e;
	json_t *filters;
	char *detail;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (argc != 0)
		ecert_usage();
	if (public || name != NULL || uscc != NULL) {
		if (!public || q.holder || q.holder_id || q.type || q.issuer ||
		    q.status || q.from || q.to || fieldlist)
			ecert_usage();
		return public_query(&o, name, uscc);
	}
	if (q.status != NULL && !ecert_status_valid(q.status))
		ecert_die(ECERT_USAGE, "--status %s: one of valid, suspended, "
		    "revoked, expired, superseded, draft, rejected", q.status);
	if ((q.from && !ecert_date_valid(q.from)) ||
	    (q.to && !ecert_date_valid(q.to)))
		ecert_die(ECERT_USAGE, "--from, --to: dates are YYYY-MM-DD");
	if (fieldlist != NULL)
		split_fields(&out);
	else if (ecert_want_table(o.json, o.table))
		out.table = ecert_table_new(7, headers);
	s = ecert_opts_store(&o);
	filters = json_pack("{s:s?, s:b, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "holder", q.holder, "holder_id", q.holder_id != NULL,
	    "type", q.type, "issuer", q.issuer, "status", q.status,
	    "from", q.from, "to", q.to);
	detail = ecert_json_canonical(filters);
	ecert_audit_access(s, NULL, "license.query", "licenses", "ok", detail);
	free(detail);
	json_decref(filters);
	if (ecert_query(s, &q, emit, &out, &e) != 0) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	ecert_table_done(out.table);
	free(out.fields);
	free(out.fieldlist);
	ecert_store_close(s);
	return 0;
}
